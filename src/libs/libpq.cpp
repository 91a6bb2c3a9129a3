#include "goaround/libs/libpq.hpp"

namespace goaround::libs {

const Libpq& libpq() {
  static const Libpq loaded = [] {
    const OptionalLibrary library("libpq.so.5", "the PostgreSQL store", "libpq5");
    Libpq table;
    GOAROUND_LIBPQ_FUNCTIONS(GOAROUND_LIBRARY_BIND)
    return table;
  }();
  return loaded;
}

}  // namespace goaround::libs
