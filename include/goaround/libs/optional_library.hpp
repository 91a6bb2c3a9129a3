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

// Fills a table of function pointers named as the library names them: each member of
// `table` listed by `EACH(FUNCTION)` (an X-macro, the one list the table is declared from).
#define GOAROUND_LIBRARY_MEMBER(name) decltype(&::name) name = nullptr;
#define GOAROUND_LIBRARY_BIND(name) table.name = library.function<decltype(::name)>(#name);

}  // namespace goaround::libs
