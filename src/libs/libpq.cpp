#include "goaround/libs/libpq.hpp"

namespace goaround::libs {

const Libpq& libpq() {
  return opened<Libpq>("libpq.so.5", "the PostgreSQL store", "libpq5", [](Libpq& table, const OptionalLibrary& library) {
    GOAROUND_LIBPQ_FUNCTIONS(GOAROUND_LIBRARY_BIND)
  });
}

}  // namespace goaround::libs
