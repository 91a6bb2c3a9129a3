#include "goaround/slack/scheduling.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace goaround::slack {

void prefer_for_acks() {
  // The kernel's struct sched_attr (version 0, 48 bytes), declared here: glibc 2.36 wraps no
  // sched_setattr, and <linux/sched/types.h> collides with glibc's <sched.h>.
  struct {
    std::uint32_t size = 48, policy = 0;  // SCHED_OTHER
    std::uint64_t flags = 0;
    std::int32_t nice = 0;  // set below: sched_setattr sets the nice value too
    std::uint32_t priority = 0;
    std::uint64_t runtime = 100'000, deadline = 0, period = 0;  // runtime: the slice, in ns
  } attributes;
  static_assert(sizeof attributes == 48);
  // The thread's own nice value, kept: raising it back to 0 would need privileges.
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  if (errno == 0) attributes.nice = nice;
  if (::syscall(SYS_sched_setattr, 0, &attributes, 0) != 0)
    spdlog::debug("slack: the ack thread keeps the default slice ({})", std::strerror(errno));
}

void yield_to_acks(const char* who) {
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10) != 0)
    spdlog::debug("{}: could not lower the thread's priority", who);
}

}  // namespace goaround::slack
