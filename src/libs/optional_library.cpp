#include "goaround/libs/optional_library.hpp"

#include <dlfcn.h>

#include <stdexcept>

namespace goaround::libs {

OptionalLibrary::OptionalLibrary(std::string soname, std::string feature, std::string package)
    : soname_(std::move(soname)), feature_(std::move(feature)), package_(std::move(package)) {
  // RTLD_NOW: a missing symbol of the library's own dependencies shows here, not mid-incident.
  handle_ = ::dlopen(soname_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) fail(::dlerror());
}

void* OptionalLibrary::address(const char* name) const {
  ::dlerror();  // clears an earlier error, so the one read below is this lookup's
  void* found = ::dlsym(handle_, name);
  if (!found) fail(std::string(name) + " is missing: " + ::dlerror());
  return found;
}

void OptionalLibrary::fail(const std::string& why) const {
  throw std::runtime_error(feature_ + " needs " + soname_ + " (Debian package " + package_ + "): " + why);
}

}  // namespace goaround::libs
