// An LD_PRELOAD shim that makes every fsync and fdatasync take 5 ms longer (SLOW_FSYNC_US to
// change it): a data folder on network storage, for the slowed-fsync variant of the ack
// benchmark. Built by scripts/bench.sh; never linked into goaround.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void slow_down(void) {
  const char* text = getenv("SLOW_FSYNC_US");
  const long us = text ? atol(text) : 5000;
  struct timespec pause = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&pause, NULL);
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  slow_down();
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  slow_down();
  return real(fd);
}
