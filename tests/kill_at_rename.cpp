//===- tests/kill_at_rename.cpp - LD_PRELOAD shim for the kill campaign ---===//
//
// Interposes rename(2), renameat(2) and renameat2(2) in a tool started by a
// test, so the test can kill it at the exact moment of each rename without
// any hook in qkit itself:
//   QKIT_KILL_AT_RENAME=N     SIGKILL the process at its N-th rename (1-based)
//   QKIT_KILL_WHEN=before     ... before that rename runs (default: after)
//   QKIT_NO_RENAME_FLAGS=1    renameat2 with flags fails with EINVAL, as on a
//                             filesystem without RENAME_EXCHANGE/NOREPLACE
//   QKIT_RENAME_LOG=FILE      append one line per rename ("N from -> to")
//
//===----------------------------------------------------------------------===//
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

namespace {

int g_count = 0;

long env_long(const char* name) {
  const char* v = getenv(name);
  return v ? strtol(v, nullptr, 10) : 0;
}

void log_rename(const char* from, const char* to) {
  const char* path = getenv("QKIT_RENAME_LOG");
  if (!path) return;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char line[8192];
  int n = snprintf(line, sizeof line, "%d %s -> %s\n", g_count, from, to);
  if (n > 0) (void)!write(fd, line, static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1);
  close(fd);
}

// Called around every rename: counts it and kills when asked.
void before(const char* from, const char* to) {
  ++g_count;
  log_rename(from, to);
  const char* when = getenv("QKIT_KILL_WHEN");
  if (env_long("QKIT_KILL_AT_RENAME") == g_count && when && strcmp(when, "before") == 0) raise(SIGKILL);
}
int after(int rc) {
  const char* when = getenv("QKIT_KILL_WHEN");
  if (env_long("QKIT_KILL_AT_RENAME") == g_count && !(when && strcmp(when, "before") == 0)) raise(SIGKILL);
  return rc;
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int rename(const char* from, const char* to) {
  static auto real = next<int (*)(const char*, const char*)>("rename");
  before(from, to);
  int rc = real(from, to);
  int err = errno;
  after(rc);
  errno = err;
  return rc;
}

int renameat(int fd1, const char* from, int fd2, const char* to) {
  static auto real = next<int (*)(int, const char*, int, const char*)>("renameat");
  before(from, to);
  int rc = real(fd1, from, fd2, to);
  int err = errno;
  after(rc);
  errno = err;
  return rc;
}

int renameat2(int fd1, const char* from, int fd2, const char* to, unsigned int flags) {
  static auto real = next<int (*)(int, const char*, int, const char*, unsigned int)>("renameat2");
  if (flags != 0 && env_long("QKIT_NO_RENAME_FLAGS") == 1) {
    errno = EINVAL;  // not counted: nothing was renamed
    return -1;
  }
  before(from, to);
  int rc = real(fd1, from, fd2, to, flags);
  int err = errno;
  after(rc);
  errno = err;
  return rc;
}

}  // extern "C"
