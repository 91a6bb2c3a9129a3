#include "goaround/libs/optional_library.hpp"

#include <dlfcn.h>

namespace goaround::libs {

namespace {

// dlerror() is null when nothing failed (a symbol whose value is null, say).
std::string last_error() {
  const char* error = ::dlerror();
  return error ? error : "no reason given";
}

}  // namespace

OptionalLibrary::OptionalLibrary(std::string soname, std::string feature, std::string package)
    : soname_(std::move(soname)), feature_(std::move(feature)), package_(std::move(package)) {
  // RTLD_NOW: a missing symbol of the library's own dependencies shows here, not mid-incident.
  handle_ = ::dlopen(soname_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) fail(last_error());
}

void* OptionalLibrary::address(const char* name) const {
  ::dlerror();  // clears an earlier error, so the one read below is this lookup's
  void* found = ::dlsym(handle_, name);
  if (!found) fail(std::string(name) + " is missing: " + last_error());
  return found;
}

void OptionalLibrary::fail(const std::string& why) const {
  throw Unavailable(feature_ + " needs " + soname_ + " (Debian package " + package_ + "): " + why);
}

}  // namespace goaround::libs
