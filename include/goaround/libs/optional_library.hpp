#pragma once
#include <string>

namespace goaround::libs {

// A system library that only some configurations use, opened the first time a feature needs
// it: a bot that never uses it never maps it. libpq (with Kerberos, LDAP and GnuTLS behind it)
// and cairo (with X11, pixman and freetype) were 5 MB of a 19 MB bot that used neither.
// dlopen by hand rather than Boost.DLL: Boost 1.81 reports every failed load as "bad file
// descriptor", and the person installing the bot needs dlerror's reason.
// Opened for the life of the process (never closed: the library's own state lives on).
class OptionalLibrary {
 public:
  // Throws std::runtime_error saying which feature needs which library, from which Debian
  // package, and why it could not be opened.
  OptionalLibrary(std::string soname, std::string feature, std::string package);

  // The function `name`, typed as the library's header declares it. Throws when it is missing
  // (an older library than the one the bot was built against).
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

}  // namespace goaround::libs
