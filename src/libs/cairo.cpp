#include "goaround/libs/cairo.hpp"

namespace goaround::libs {

const Cairo& cairo() {
  return opened<Cairo>("libcairo.so.2", "a debrief's chart", "libcairo2", [](Cairo& table, const OptionalLibrary& library) {
    GOAROUND_CAIRO_FUNCTIONS(GOAROUND_LIBRARY_BIND)
  });
}

}  // namespace goaround::libs
