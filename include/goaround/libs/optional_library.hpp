#pragma once
#include <stdexcept>
#include <string>

namespace goaround::libs {

// A system library that only some configurations use, opened the first time a feature needs
// it: a bot that never uses it never maps it. libpq (with Kerberos, LDAP and GnuTLS behind it)
// and cairo (with X11, pixman and freetype) were 5 MB of a 19 MB bot that used neither.
// dlopen by hand rather than Boost.DLL: Boost 1.81 reports every failed load as "bad file
// descriptor", and the person installing the bot needs dlerror's reason.
// Opened for the life of the process (never closed: the library's own state lives on).

// What a feature says when its library cannot be used: which feature, which library, which
// Debian package, and why.
struct Unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class OptionalLibrary {
 public:
  // Throws Unavailable when the library cannot be opened.
  OptionalLibrary(std::string soname, std::string feature, std::string package);

  // The function `name`, typed as the library's header declares it. Throws Unavailable when it
  // is missing (an older library than the one the bot was built against).
  template <typename Function>
  Function* function(const char* name) const {
    return reinterpret_cast<Function*>(address(name));
  }

 private:
  void* address(const char* name) const;
  [[noreturn]] void fail(const std::string& why) const;

  std::string soname_, feature_, package_;
  void* handle_ = nullptr;
};

// A table of function pointers named as the library names them, declared and filled from one
// X-macro list of the names: LIST(GOAROUND_LIBRARY_MEMBER) in the struct, and
// LIST(GOAROUND_LIBRARY_BIND) in the `bind` given to opened().
#define GOAROUND_LIBRARY_MEMBER(name) decltype(&::name) name = nullptr;
#define GOAROUND_LIBRARY_BIND(name) table.name = library.function<decltype(::name)>(#name);

// The table of `soname`, opened and bound on the first call (from any thread; a failed one is
// tried again on the next call, so installing the package needs no restart).
template <typename Table>
const Table& opened(const char* soname, const char* feature, const char* package,
                    void (*bind)(Table& table, const OptionalLibrary& library)) {
  static const Table loaded = [&] {
    const OptionalLibrary library(soname, feature, package);
    Table table;
    bind(table, library);
    return table;
  }();
  return loaded;
}

}  // namespace goaround::libs
