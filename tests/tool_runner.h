//===- tests/tool_runner.h - run a qkit command the way a user does -------===//
//
// fork + exec of a built tool with its output captured, optional limits
// (RLIMIT_FSIZE makes write(2) fail part-way, as on a full disk), extra
// environment (LD_PRELOAD shims) and an optional SIGKILL after a delay.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace qkit::test {

struct RunOptions {
  std::optional<rlim_t> file_size_limit;          // RLIMIT_FSIZE; SIGXFSZ is ignored so write(2) gets EFBIG
  std::string stdout_path;                        // instead of capturing (e.g. /dev/full)
  std::vector<std::string> env;                   // NAME=VALUE added to the environment
  std::optional<std::chrono::microseconds> kill_after;  // SIGKILL after this long
};

struct ToolRun {
  int exit_code = -1;    // -1 when killed by a signal
  int signal = 0;        // the signal that ended it, if any
  std::string out, err;  // captured stdout / stderr
};

inline ToolRun run_tool(const std::string& tool, const std::vector<std::string>& args, const RunOptions& o = {}) {
  TempDir io;
  const std::string out_path = o.stdout_path.empty() ? (io / "out").string() : o.stdout_path;
  const std::string err_path = (io / "err").string();
  std::vector<std::string> env_store = o.env;
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0) _exit(126);
    ::dup2(out, 1);
    ::dup2(err, 2);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    if (o.file_size_limit) {
      ::signal(SIGXFSZ, SIG_IGN);  // an ignored signal stays ignored across exec
      struct rlimit l {*o.file_size_limit, *o.file_size_limit};
      ::setrlimit(RLIMIT_FSIZE, &l);
    }
    for (std::string& e : env_store) ::putenv(e.data());
    std::vector<char*> argv;
    std::string name = tool;
    argv.push_back(name.data());
    std::vector<std::string> a = args;
    for (std::string& s : a) argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execv(tool.c_str(), argv.data());
    _exit(127);
  }
  ToolRun r;
  if (pid < 0) return r;
  if (o.kill_after) {
    ::usleep(static_cast<useconds_t>(o.kill_after->count()));
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  if (o.stdout_path.empty()) r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

}  // namespace qkit::test
