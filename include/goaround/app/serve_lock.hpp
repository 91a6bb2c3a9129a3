#pragma once
#include <filesystem>
#include <string>
#include <variant>

namespace goaround::app {

// One `goaround serve` per data folder: two would both post status, both poll triggers and
// both answer Slack from one SQLite file. An advisory lock (flock) on <data>/serve.lock, held
// for the life of the process and released by the kernel however it ends, so a crash never
// leaves a stale lock behind.
class ServeLock {
 public:
  struct Held {
    std::string holder;  // what the other process wrote: "pid 1234 on host"
  };
  // The lock, or who holds it; throws std::system_error when the file cannot be opened.
  static std::variant<ServeLock, Held> take(const std::filesystem::path& data_dir);

  ServeLock(ServeLock&& other) noexcept;
  ServeLock& operator=(ServeLock&&) = delete;
  ServeLock(const ServeLock&) = delete;
  ~ServeLock();

 private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace goaround::app
