#include "goaround/libs/cairo.hpp"

namespace goaround::libs {

const Cairo& cairo() {
  static const Cairo loaded = [] {
    const OptionalLibrary library("libcairo.so.2", "a debrief's chart", "libcairo2");
    Cairo table;
    GOAROUND_CAIRO_FUNCTIONS(GOAROUND_LIBRARY_BIND)
    return table;
  }();
  return loaded;
}

}  // namespace goaround::libs
