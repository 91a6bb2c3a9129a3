#include "goaround/app/serve_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace goaround::app {

std::variant<ServeLock, ServeLock::Held> ServeLock::take(const std::filesystem::path& data_dir) {
  const auto path = data_dir / "serve.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::string holder(256, '\0');
    const auto got = ::pread(fd, holder.data(), holder.size(), 0);
    ::close(fd);
    if (error != EWOULDBLOCK) throw std::system_error(error, std::generic_category(), "cannot lock " + path.string());
    holder.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
    return Held{holder.empty() ? "another process" : holder};
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const auto holder = "pid " + std::to_string(::getpid()) + " on " + host + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, holder.data(), holder.size(), 0) < 0) {
    // Who holds it is only for the message; the lock itself is what counts.
  }
  return ServeLock(fd);
}

ServeLock::ServeLock(ServeLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ServeLock::~ServeLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace goaround::app
