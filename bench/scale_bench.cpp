//===- bench/scale_bench.cpp - header work on the biggest checkpoints -----===//
//
// Generates, as sparse files, checkpoints shaped like the biggest real ones
// (bench/scale_checkpoint.h) and measures in the same run, per shape:
//   - floor A: open + pread of every shard header, and reading the index,
//     description and config.json whole (the I/O floor);
//   - floor B: A plus parsing every one of those JSON texts with a no-op SAX
//     handler (nlohmann::json::sax_parse): the "no-op-SAX floor";
//   - qkit in-process: Checkpoint::open alone; qinspect (summary, and --json,
//     with the same calls as inspect/qinspect_main.cpp); qvalidate --quick;
//     qconvert --dry-run to Golden-Stick;
//   - the real CLI binaries through fork/exec, output to /dev/null.
// Every measurement runs in its own child process (forked; exec'd for the
// CLIs) killed at --timeout-seconds, so a slow library yields ">N s" instead
// of a hang, and so peak RSS is that operation's alone. One warm-up, then the
// best of --runs. The tables report seconds, µs per tensor, the ratio to
// floor B, and the peak-RSS growth against the total header bytes.
//
// usage: qkit-bench-scale [--shape=27b|deepseek|200k|all] [--dir=PATH] [--keep]
//                         [--runs=N] [--timeout-seconds=N] [--bin-dir=PATH]
//                         [--real-dir=PATH] [--deepseek-layers=N]
// See bench/README-scale.md.
//
//===----------------------------------------------------------------------===//
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/scale_checkpoint.h"
#include "convert/converter.h"
#include "formats/checkpoint.h"
#include "inspect/inspector.h"
#include "inspect/render.h"
#include "validate/report.h"
#include "validate/validator.h"

namespace {

namespace fs = std::filesystem;
using namespace qkit;
using namespace qkit::bench;
using Clock = std::chrono::steady_clock;

volatile sig_atomic_t g_interrupted = 0;
void on_signal(int) { g_interrupted = 1; }

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A /proc/self/status field in KiB ("VmRSS:", "VmHWM:").
double status_kib(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(f, line))
    if (line.compare(0, n, field) == 0) return std::atof(line.c_str() + n);
  return 0;
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

//===--- the floors ---------------------------------------------------------===//

struct NoOpSax {
  using json = nlohmann::json;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(json::string_t&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }
};

bool pread_all(int fd, char* p, std::size_t n, off_t off) {
  while (n > 0) {
    ssize_t k = ::pread(fd, p, n, off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<std::size_t>(k);
    off += k;
  }
  return true;
}

// Reads every header and JSON file (into one reused buffer); with `parse`,
// also runs each text through the no-op SAX parser. Returns 0 or an error.
int floor_op(const ScaleCheckpoint& ck, bool parse, std::string& msg) {
  std::vector<char> buf;
  std::uint64_t bytes = 0;
  auto sax = [&](std::size_t n, const std::string& what) {
    if (!parse) return true;
    NoOpSax h;
    if (nlohmann::json::sax_parse(buf.data(), buf.data() + n, &h)) return true;
    msg = what + ": JSON does not parse";
    return false;
  };
  for (const fs::path& p : ck.shards) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    unsigned char len[8];
    if (fd < 0 || !pread_all(fd, reinterpret_cast<char*>(len), 8, 0)) {
      msg = p.string() + ": cannot read";
      return 1;
    }
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = n << 8 | len[i];
    if (buf.size() < n) buf.resize(n);
    bool ok = pread_all(fd, buf.data(), n, 8);
    ::close(fd);
    if (!ok) {
      msg = p.string() + ": short header";
      return 1;
    }
    bytes += 8 + n;
    if (!sax(n, p.filename().string())) return 1;
  }
  for (const fs::path& p : ck.json_files) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
      msg = p.string() + ": cannot read";
      return 1;
    }
    std::size_t n = static_cast<std::size_t>(st.st_size);
    if (buf.size() < n) buf.resize(n);
    bool ok = pread_all(fd, buf.data(), n, 0);
    ::close(fd);
    if (!ok) {
      msg = p.string() + ": short read";
      return 1;
    }
    bytes += n;
    if (!sax(n, p.filename().string())) return 1;
  }
  msg = std::to_string(bytes) + " bytes";
  return 0;
}

//===--- the qkit operations (what the CLIs call) ----------------------------===//

volatile std::size_t g_sink = 0;  // keeps results observable

int op_open(const fs::path& path, std::string& msg) {
  auto c = Checkpoint::open(path);
  if (!c) {
    msg = c.error().to_string();
    return 1;
  }
  g_sink = c->tensors().size();
  msg = std::string(layout_name(c->layout())) + ", " + std::to_string(c->tensors().size()) + " tensors, " +
        std::to_string(c->modules().size()) + " modules, " + std::to_string(c->diagnostics().size()) + " diags";
  return 0;
}

// qinspect [--json]: open, inspect while the quick problem list is made on
// another thread, render (for --json, all but the problems before waiting
// for them), as inspect/qinspect_main.cpp does.
int op_inspect(const fs::path& path, bool json, std::string& msg) {
  auto c = Checkpoint::open(path);
  if (!c) {
    msg = c.error().to_string();
    return 1;
  }
  // As qinspect_main.cpp: tensor rows only for --json, the JSON streamed
  // (here into a stream that only counts), never built whole.
  inspect::InspectOptions io;
  io.rows = json;
  auto quick = inspect::start_quick_problems(*c);
  auto r = inspect::inspect(*c, io);
  if (!r) {
    msg = r.error().to_string();
    return 1;
  }
  std::optional<std::vector<validate::Finding>> problems;
  auto problems_when_needed = [&]() -> const std::vector<validate::Finding>& {
    if (!problems) problems = quick.get();
    return *problems;
  };
  std::size_t bytes = 0;
  if (json) {
    struct Counter : std::streambuf {
      std::size_t n = 0;
      int overflow(int ch) override { return ++n, ch; }
      std::streamsize xsputn(const char*, std::streamsize k) override { return n += static_cast<std::size_t>(k), k; }
    } counter;
    std::ostream os(&counter);
    inspect::render_json(os, *c, *r, problems_when_needed);
    bytes = counter.n;
  } else {
    bytes = (inspect::render_summary(*c, *r, problems_when_needed()) + inspect::render_layer_map(*r)).size();
  }
  g_sink = bytes;
  msg = std::to_string(problems_when_needed().size()) + " problems, " + std::to_string(bytes) + " B out";
  return 0;
}

int op_validate_quick(const fs::path& path, std::string& msg) {
  auto c = Checkpoint::open(path);
  if (!c) {
    msg = c.error().to_string();
    return 1;
  }
  validate::ValidateOptions o;
  o.quick = true;
  validate::Report r = validate::validate(*c, o);
  std::string out = validate::render_text(r, validate::TextStyle{});
  g_sink = out.size();
  msg = std::to_string(r.errors) + " errors, " + std::to_string(r.warnings) + " warnings";
  return 0;
}

int op_convert_dry(const fs::path& path, std::string& msg) {
  auto c = Checkpoint::open(path);
  if (!c) {
    msg = c.error().to_string();
    return 1;
  }
  convert::ConvertOptions o;
  o.to = Family::GoldenStick;
  o.plan_only = true;  // as qconvert --dry-run plans
  auto plan = convert::plan_conversion(*c, o);
  if (!plan) {
    msg = "plan: " + plan.error().to_string();
    return 1;
  }
  std::string out = convert::render_plan(*plan);
  g_sink = out.size();
  msg = std::to_string(plan->tensors.size()) + " tensors planned, " + std::to_string(plan->refused.size()) +
        " layers refused";
  return 0;
}

//===--- child processes with a timeout ------------------------------------===//

struct ChildReport {  // written by an in-process child through a pipe
  double seconds = 0;
  double rss_before_kib = 0, hwm_kib = 0;
  double cpu_seconds = 0;
  int code = 0;
  char msg[400] = {};
};

struct Outcome {
  enum Kind { Ok, Failed, TimedOut, Crashed, Interrupted } kind = Ok;
  double seconds = 0;      // the operation's wall time
  double cpu = 0;          // its user + system CPU time, all threads
  double rss_mib = 0;      // peak-RSS growth during the operation
  double abs_rss_mib = 0;  // the child's peak RSS
  int exit_code = 0;
  std::string msg;
};

// Waits for EOF on `fd` (the child holds the other end until it exits) or
// the deadline; collects what the child wrote.
bool wait_eof(int fd, Clock::time_point deadline, std::string& data) {
  char buf[4096];
  for (;;) {
    if (g_interrupted) return false;
    double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min(left * 1000.0 + 1, 1e9)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t k = ::read(fd, buf, sizeof buf);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return true;
    data.append(buf, static_cast<std::size_t>(k));
  }
}

Outcome crashed(const char* why) {
  Outcome o;
  o.kind = Outcome::Crashed;
  o.msg = why;
  return o;
}

double cpu_seconds(const rusage& ru) {
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

Outcome finish(pid_t pid, bool done, rusage& ru, int& status) {
  Outcome o;
  if (!done) {
    ::kill(pid, SIGKILL);
    o.kind = g_interrupted ? Outcome::Interrupted : Outcome::TimedOut;
  }
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  o.abs_rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  o.cpu = cpu_seconds(ru);
  return o;
}

Outcome run_forked(const std::function<int(std::string&)>& op, double timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return crashed("pipe failed");
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ChildReport rep;
    std::string msg;
    rep.rss_before_kib = status_kib("VmRSS:");
    rusage ru0{}, ru1{};
    ::getrusage(RUSAGE_SELF, &ru0);
    Clock::time_point t0 = Clock::now();
    try {
      rep.code = op(msg);
    } catch (const std::exception& e) {
      rep.code = 3;
      msg = std::string("exception: ") + e.what();
    }
    rep.seconds = seconds_since(t0);
    ::getrusage(RUSAGE_SELF, &ru1);
    rep.cpu_seconds = cpu_seconds(ru1) - cpu_seconds(ru0);
    rep.hwm_kib = status_kib("VmHWM:");
    std::snprintf(rep.msg, sizeof rep.msg, "%s", msg.c_str());
    const char* p = reinterpret_cast<const char*>(&rep);
    for (std::size_t left = sizeof rep; left > 0;) {
      ssize_t k = ::write(fds[1], p, left);
      if (k <= 0) break;
      p += k;
      left -= static_cast<std::size_t>(k);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return crashed("fork failed");
  }
  std::string data;
  bool done = wait_eof(fds[0], Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(timeout)),
                       data);
  ::close(fds[0]);
  rusage ru{};
  int status = 0;
  Outcome o = finish(pid, done, ru, status);
  if (!done) return o;
  if (data.size() != sizeof(ChildReport)) {
    o.kind = Outcome::Crashed;
    o.msg = WIFSIGNALED(status) ? std::string("killed by signal ") + std::to_string(WTERMSIG(status)) : "no report";
    return o;
  }
  ChildReport rep;
  std::memcpy(&rep, data.data(), sizeof rep);
  o.kind = rep.code == 0 ? Outcome::Ok : Outcome::Failed;
  o.seconds = rep.seconds;
  o.cpu = rep.cpu_seconds;
  o.rss_mib = std::max(0.0, rep.hwm_kib - rep.rss_before_kib) / 1024.0;
  o.msg = rep.msg;
  return o;
}

// fork/exec of a CLI, stdout and stderr to files (stdout /dev/null); the
// wall time is what a user sees: from fork to the process's exit.
Outcome run_exec(const std::vector<std::string>& argv, double timeout, const fs::path& stderr_file) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return crashed("pipe failed");
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  Clock::time_point t0 = Clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::fcntl(fds[1], F_SETFD, 0);  // held across exec: EOF in the parent at exit
    int null = ::open("/dev/null", O_WRONLY);
    int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(err >= 0 ? err : null, STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return crashed("fork failed");
  }
  std::string data;
  bool done = wait_eof(fds[0], t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout)),
                       data);
  ::close(fds[0]);
  rusage ru{};
  int status = 0;
  Outcome o = finish(pid, done, ru, status);
  o.seconds = seconds_since(t0);
  if (!done) return o;
  if (WIFSIGNALED(status)) {
    o.kind = Outcome::Crashed;
    o.msg = "killed by signal " + std::to_string(WTERMSIG(status));
    return o;
  }
  o.exit_code = WEXITSTATUS(status);
  o.msg = "exit " + std::to_string(o.exit_code);
  if (o.exit_code == 127) o.kind = Outcome::Failed;
  if (o.exit_code != 0) {  // first line of stderr, when there is one
    std::ifstream f(stderr_file);
    std::string line;
    if (std::getline(f, line) && !line.empty()) o.msg += ": " + line.substr(0, 100);
  }
  return o;
}

//===--- measuring and reporting ---------------------------------------------===//

struct Row {
  std::string shape, op;
  bool is_floor_b = false;
  bool is_process_floor_b = false;  // "$ floor B": the CLI rows' second ratio
  bool is_cli = false;
  Outcome::Kind kind = Outcome::Ok;
  double seconds = 0;  // best run; the timeout when timed out
  double cpu = 0;      // CPU seconds (user + system, all threads) of the best run
  double rss_mib = -1; // peak-RSS growth (in-process), or growth over the binary's own baseline (CLI)
  int runs = 0;
  std::string note;
  std::uint64_t tensors = 0, header_bytes = 0;
};

struct Options {
  std::vector<std::string> shapes;
  fs::path dir;
  bool keep = false;
  int runs = 3;
  double timeout = 300;
  double long_run = 10;  // a warm-up longer than this is the only run
  fs::path bin_dir, real_dir = "tests/data/real/qwen3.8-27b-w8a8-dynamic";
  int deepseek_layers = 61;
};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// One warm-up, then the best of `runs`; a warm-up over `long_run` seconds is
// taken as the only run (the page cache is warm long before that).
Row measure(const Options& opt, const std::string& shape, const std::string& name,
            const std::function<Outcome()>& once) {
  Row row;
  row.shape = shape;
  row.op = name;
  std::fprintf(stderr, "  %-30s ", name.c_str());
  std::fflush(stderr);
  Outcome w = once();
  std::vector<Outcome> got;
  if (w.kind == Outcome::Ok && w.seconds > opt.long_run) got.push_back(w);
  else if (w.kind == Outcome::Ok)
    for (int i = 0; i < opt.runs && !g_interrupted; ++i) {
      Outcome o = once();
      if (o.kind != Outcome::Ok) {
        w = o;
        got.clear();
        break;
      }
      got.push_back(o);
    }
  if (got.empty()) {
    row.kind = w.kind == Outcome::Ok ? Outcome::Interrupted : w.kind;
    row.seconds = w.kind == Outcome::TimedOut ? opt.timeout : w.seconds;
    row.note = w.kind == Outcome::TimedOut ? "timed out" : w.msg;
    if (w.kind == Outcome::Failed) row.note = "FAILED: " + w.msg;
    if (w.kind == Outcome::Crashed) row.note = "CRASHED: " + w.msg;
    if (row.kind == Outcome::Interrupted) row.note = "interrupted";
  } else {
    row.runs = static_cast<int>(got.size());
    row.seconds = 1e300;
    row.rss_mib = -1;  // stays -1 (no figure) when no run measured one
    for (const Outcome& o : got) {
      if (o.seconds < row.seconds) {
        row.seconds = o.seconds;
        row.cpu = o.cpu;
      }
      row.rss_mib = std::max(row.rss_mib, o.rss_mib);
    }
    row.note = got.back().msg;
  }
  std::fprintf(stderr, "%s\n", row.kind == Outcome::TimedOut ? (">" + fmt("%g", opt.timeout) + " s").c_str()
                                                              : (fmt("%.4f s", row.seconds) + "  " + row.note).c_str());
  return row;
}

Row skipped(const std::string& shape, const std::string& name, double timeout, const std::string& why) {
  Row r;
  r.shape = shape;
  r.op = name;
  r.kind = Outcome::TimedOut;
  r.seconds = timeout;
  r.note = "not run: " + why;
  std::fprintf(stderr, "  %-30s >%g s (%s)\n", name.c_str(), timeout, r.note.c_str());
  return r;
}

void print_table(const std::vector<Row>& rows, double timeout) {
  std::printf("%-9s %-28s %10s %8s %11s %9s %9s %9s %8s %5s  %s\n", "shape", "operation", "seconds", "cpu s",
              "us/tensor", "x floorB", "x $floorB", "dRSS MiB", "RSS/hdr", "runs", "note");
  double floor_b = 0, process_floor_b = 0;
  std::string last;
  for (const Row& r : rows) {
    if (r.shape != last) {
      floor_b = process_floor_b = 0;
      for (const Row& x : rows)
        if (x.shape == r.shape && x.kind == Outcome::Ok) {
          if (x.is_floor_b) floor_b = x.seconds;
          if (x.is_process_floor_b) process_floor_b = x.seconds;
        }
      last = r.shape;
    }
    const bool ok = r.kind == Outcome::Ok;
    const bool to = r.kind == Outcome::TimedOut;
    std::string secs = ok ? fmt("%.4f", r.seconds) : to ? ">" + fmt("%g", timeout) : "-";
    std::string per = ok || to ? (to ? ">" : "") + fmt("%.2f", r.seconds / static_cast<double>(r.tensors) * 1e6) : "-";
    std::string ratio = (ok || to) && floor_b > 0 ? (to ? ">" : "") + fmt("%.2f", r.seconds / floor_b) : "-";
    std::string pratio = r.is_cli && (ok || to) && process_floor_b > 0
                             ? (to ? ">" : "") + fmt("%.2f", r.seconds / process_floor_b)
                             : "-";
    std::string cpu = ok ? fmt("%.3f", r.cpu) : "-";
    const bool has_rss = ok && r.rss_mib >= 0;
    std::string rss = has_rss ? fmt("%.1f", r.rss_mib) : "-";
    std::string rss_ratio =
        has_rss ? fmt("%.2f", r.rss_mib * 1048576.0 / static_cast<double>(r.header_bytes)) : "-";
    std::printf("%-9s %-28s %10s %8s %11s %9s %9s %9s %8s %5s  %s\n", r.shape.c_str(), r.op.c_str(), secs.c_str(),
                cpu.c_str(), per.c_str(), ratio.c_str(), pratio.c_str(), rss.c_str(), rss_ratio.c_str(),
                ok ? std::to_string(r.runs).c_str() : "-", r.note.c_str());
  }
}

// floor B as a program of its own (--floor-b-process=PATH): what a reader
// that only parses the headers costs when it, too, has to start a process.
// The CLI rows are compared to it as well: this program is linked as the
// tools are (statically with QKIT_STATIC_TOOLS), so both pay the same
// start-up. It lists the directory as the tools do: every .safetensors
// file is a shard, every .json file a side file.
int floor_b_process(const fs::path& path) {
  ScaleCheckpoint ck;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    ck.shards.push_back(path);
  } else {
    for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const fs::path& p = it->path();
      if (p.extension() == ".safetensors") ck.shards.push_back(p);
      else if (p.extension() == ".json") ck.json_files.push_back(p);
    }
  }
  std::string msg;
  const int rc = floor_op(ck, true, msg);
  if (rc != 0) std::fprintf(stderr, "%s\n", msg.c_str());
  return rc;
}

fs::path default_bin_dir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return self.parent_path().parent_path();  // build/bench/qkit-bench-scale -> build
}

int usage() {
  std::fprintf(stderr,
               "usage: qkit-bench-scale [--shape=27b|deepseek|200k|all] [--dir=PATH] [--keep] [--runs=N]\n"
               "                        [--timeout-seconds=N] [--bin-dir=PATH] [--real-dir=PATH]\n"
               "                        [--deepseek-layers=N]\n"
               "see bench/README-scale.md\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::string shape_arg = "all";
  if (argc == 2 && std::string_view(argv[1]).starts_with("--floor-b-process="))
    return floor_b_process(std::string_view(argv[1]).substr(std::strlen("--floor-b-process=")));
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* key) -> std::optional<std::string> {
      std::string k = key;
      if (a.rfind(k, 0) == 0) return a.substr(k.size());
      return std::nullopt;
    };
    if (auto v = val("--shape=")) shape_arg = *v;
    else if (auto v = val("--dir=")) opt.dir = *v;
    else if (a == "--keep") opt.keep = true;
    else if (auto v = val("--runs=")) opt.runs = std::max(1, std::atoi(v->c_str()));
    else if (auto v = val("--timeout-seconds=")) opt.timeout = std::max(0.001, std::atof(v->c_str()));
    else if (auto v = val("--bin-dir=")) opt.bin_dir = *v;
    else if (auto v = val("--real-dir=")) opt.real_dir = *v;
    else if (auto v = val("--deepseek-layers=")) opt.deepseek_layers = std::max(4, std::atoi(v->c_str()));
    else if (a == "--help" || a == "-h") return usage(), 0;
    else {
      std::fprintf(stderr, "qkit-bench-scale: unknown argument '%s'\n", a.c_str());
      return usage();
    }
  }
  if (shape_arg == "all") opt.shapes = {"27b", "200k", "deepseek"};
  else if (shape_arg == "27b" || shape_arg == "deepseek" || shape_arg == "200k") opt.shapes = {shape_arg};
  else {
    std::fprintf(stderr, "qkit-bench-scale: unknown --shape '%s'\n", shape_arg.c_str());
    return usage();
  }
  if (opt.bin_dir.empty()) opt.bin_dir = default_bin_dir();

  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: poll() returns, the child is killed, files are removed
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  // Where the checkpoints go: a fresh temporary directory, or --dir.
  fs::path base;
  bool base_is_temp = false;
  if (opt.dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "qkit-bench-scale-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      std::perror("mkdtemp");
      return 1;
    }
    base = tmpl;
    base_is_temp = true;
  } else {
    base = opt.dir;
    std::error_code ec;
    fs::create_directories(base, ec);
  }
  std::vector<fs::path> made;
  auto cleanup = [&] {
    if (opt.keep) {
      std::fprintf(stderr, "kept: %s\n", base.c_str());
      return;
    }
    std::error_code ec;
    for (const fs::path& p : made) fs::remove_all(p, ec);
    fs::remove(base / "cli-stderr.txt", ec);
    if (base_is_temp) fs::remove_all(base, ec);
  };

  const fs::path qinspect = opt.bin_dir / "inspect" / "qinspect", qvalidate = opt.bin_dir / "validate" / "qvalidate",
                 qconvert = opt.bin_dir / "convert" / "qconvert";
  const bool have_cli = ::access(qinspect.c_str(), X_OK) == 0 && ::access(qvalidate.c_str(), X_OK) == 0 &&
                        ::access(qconvert.c_str(), X_OK) == 0;
  const fs::path cli_err = base / "cli-stderr.txt";
  const std::string load_start = loadavg();
  std::fprintf(stderr, "qkit-bench-scale: %ld cores, load %s; checkpoints under %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
               load_start.c_str(), base.c_str());
  if (!have_cli) std::fprintf(stderr, "CLI binaries not found under %s (--bin-dir): CLI rows skipped\n", opt.bin_dir.c_str());

  struct ShapeInfo {
    std::string name, source;
    ScaleCheckpoint ck;
    double gen_seconds = 0;
    std::size_t shards = 0;
  };
  std::vector<ShapeInfo> infos;
  std::vector<Row> rows;
  const double T = opt.timeout;

  for (const std::string& shape : opt.shapes) {
    if (g_interrupted) break;
    // Generate, then give the memory back so the children start small.
    ShapeInfo info;
    info.name = shape;
    {
      Clock::time_point t0 = Clock::now();
      ScaleSpec spec = shape == "27b"        ? spec_27b(opt.real_dir)
                       : shape == "deepseek" ? spec_deepseek(opt.deepseek_layers)
                                             : spec_one_file();
      info.source = spec.source;
      fs::path dir = base / ("qkit-scale-" + shape);
      made.push_back(dir);
      std::string err;
      std::fprintf(stderr, "[%s] generating %zu tensors in %zu file(s) at %s ...\n", shape.c_str(), spec.tensors.size(),
                   spec.shard_names.size(), dir.c_str());
      if (!write_scale_checkpoint(spec, dir, info.ck, err)) {
        std::fprintf(stderr, "qkit-bench-scale: %s\n", err.c_str());
        cleanup();
        return 1;
      }
      info.shards = info.ck.shards.size();
      info.gen_seconds = seconds_since(t0);
    }
    ::malloc_trim(0);
    const ScaleCheckpoint& ck = info.ck;
    std::fprintf(stderr, "[%s] %llu tensors, %zu shards, %.1f MB header + %.1f MB JSON, %.1f GB of holes; "
                         "generated in %.2f s (%s); this process's RSS %.1f MiB\n",
                 shape.c_str(), static_cast<unsigned long long>(ck.tensors), info.shards, ck.shard_header_bytes / 1e6,
                 ck.json_bytes / 1e6, ck.data_bytes / 1e9, info.gen_seconds, info.source.c_str(),
                 status_kib("VmRSS:") / 1024.0);
    const fs::path path = ck.path;
    const bool plain = ck.json_files.empty();
    std::vector<Row> here;
    auto add = [&](Row r) {
      r.tensors = ck.tensors;
      r.header_bytes = ck.header_bytes();
      here.push_back(std::move(r));
    };
    auto forked = [&](auto fn) { return [fn, T] { return run_forked(fn, T); }; };
    // The floors first: they also warm the page cache for what follows.
    Row fa = measure(opt, shape, "floor A: read headers+JSON", forked([&ck](std::string& m) { return floor_op(ck, false, m); }));
    Row fb = measure(opt, shape, "floor B: A + no-op SAX", forked([&ck](std::string& m) { return floor_op(ck, true, m); }));
    fb.is_floor_b = true;
    add(fa);
    add(fb);
    Row open = measure(opt, shape, "Checkpoint::open", forked([path](std::string& m) { return op_open(path, m); }));
    const bool open_slow = open.kind == Outcome::TimedOut;
    add(open);
    struct Op {
      std::string name;
      std::function<int(std::string&)> fn;
      std::vector<std::string> cli;
      bool wanted;
    };
    const std::string out_dir = (base / "qkit-scale-convert-out").string();
    std::vector<Op> ops = {
        {"qinspect (summary)", [path](std::string& m) { return op_inspect(path, false, m); },
         {qinspect.string(), path.string()}, true},
        {"qinspect --json", [path](std::string& m) { return op_inspect(path, true, m); },
         {qinspect.string(), "--json", path.string()}, true},
        {"qvalidate --quick", [path](std::string& m) { return op_validate_quick(path, m); },
         {qvalidate.string(), "--quick", path.string()}, true},
        {"qconvert --dry-run", [path](std::string& m) { return op_convert_dry(path, m); },
         {qconvert.string(), "--from", "auto", "--to", "golden-stick", "--dry-run", path.string(), out_dir}, !plain},
    };
    std::vector<bool> timed_out(ops.size(), false);
    for (std::size_t i = 0; i < ops.size() && !g_interrupted; ++i) {
      if (!ops[i].wanted) continue;
      if (open_slow) {
        add(skipped(shape, ops[i].name, T, "open alone timed out"));
        timed_out[i] = true;
        continue;
      }
      Row r = measure(opt, shape, ops[i].name, forked(ops[i].fn));
      timed_out[i] = r.kind == Outcome::TimedOut;
      add(r);
    }
    if (have_cli) {
      std::error_code self_ec;
      const std::string self = fs::read_symlink("/proc/self/exe", self_ec).string();
      const std::vector<std::string> floor_argv = {self, "--floor-b-process=" + path.string()};
      Row pf = measure(opt, shape, "$ floor B (a process)", [&] {
        Outcome o = run_exec(floor_argv, T, cli_err);
        o.rss_mib = -1;
        return o;
      });
      pf.is_process_floor_b = true;
      pf.is_cli = true;
      add(pf);
      // What any run of a tool pays before it reads a byte: exec, loading,
      // exit (the README's start-up figure).
      const std::vector<std::string> version_argv = {qinspect.string(), "--version"};
      Row start = measure(opt, shape, "$ qinspect --version", [&] {
        Outcome o = run_exec(version_argv, T, cli_err);
        o.rss_mib = -1;
        return o;
      });
      start.is_cli = true;
      add(start);
      // Each binary's own peak RSS (--version), subtracted from its rows.
      std::map<std::string, double> own_rss;
      for (const fs::path& b : {qinspect, qvalidate, qconvert})
        own_rss[b.string()] = run_exec({b.string(), "--version"}, T, cli_err).abs_rss_mib;
      for (std::size_t i = 0; i < ops.size() && !g_interrupted; ++i) {
        if (!ops[i].wanted) continue;
        std::string name = "$ " + fs::path(ops[i].cli[0]).filename().string();
        for (std::size_t k = 1; k + 1 < ops[i].cli.size(); ++k)
          if (ops[i].cli[k].rfind("--", 0) == 0 && ops[i].cli[k] != "--from" && ops[i].cli[k] != "--to")
            name += " " + ops[i].cli[k];
        if (timed_out[i]) {
          add(skipped(shape, name, T, "in-process equivalent timed out"));
          continue;
        }
        const std::vector<std::string> argv_i = ops[i].cli;
        Row r = measure(opt, shape, name, [&] {
          Outcome o = run_exec(argv_i, T, cli_err);
          o.rss_mib = std::max(0.0, o.abs_rss_mib - own_rss[argv_i[0]]);
          if (o.kind == Outcome::Ok) o.msg += ", peak RSS " + fmt("%.1f", o.abs_rss_mib) + " MiB";
          return o;
        });
        r.is_cli = true;
        add(r);
      }
    }
    rows.insert(rows.end(), here.begin(), here.end());
    infos.push_back(std::move(info));
    // Free the disk entries of a shape once measured (holes cost no space,
    // but 180 files are still inodes).
    if (!opt.keep) {
      std::error_code ec;
      fs::remove_all(base / ("qkit-scale-" + shape), ec);
    }
  }
  if (g_interrupted) std::fprintf(stderr, "interrupted\n");

  std::printf("\nqkit-bench-scale: %ld cores, load average %s at start, %s at end; page cache warm; best of %d after "
              "one warm-up (a warm-up over %.0f s is the only run); timeout %g s per run\n",
              ::sysconf(_SC_NPROCESSORS_ONLN), load_start.c_str(), loadavg().c_str(), opt.runs, opt.long_run, T);
  for (const ShapeInfo& s : infos)
    std::printf("  %-9s %7llu tensors, %3zu shard(s), header bytes %.2f MB (shard headers %.2f MB + JSON %.2f MB), "
                "%.1f GB of holes, generated in %.2f s; %s\n",
                s.name.c_str(), static_cast<unsigned long long>(s.ck.tensors), s.shards, s.ck.header_bytes() / 1e6,
                s.ck.shard_header_bytes / 1e6, s.ck.json_bytes / 1e6, s.ck.data_bytes / 1e9, s.gen_seconds,
                s.source.c_str());
  std::printf("  cpu s: user + system CPU seconds of the best run, all threads (wall < cpu: it ran on several cores).\n");
  std::printf("  x floorB: seconds / floor B (target <= 1.5).  x $floorB (CLI rows): seconds / \"$ floor B (a process)\", "
              "floor B run as a program, start-up and exit included.\n");
  std::printf("  dRSS: peak-RSS growth during the operation "
              "(CLI rows: over the binary's own, measured with --version).  RSS/hdr: dRSS / header bytes (target < 4)\n\n");
  print_table(rows, T);

  // Is the cost per tensor flat from ~2k to ~180k tensors?
  auto find = [&](const std::string& shape, const std::string& op) -> const Row* {
    for (const Row& r : rows)
      if (r.shape == shape && r.op == op) return &r;
    return nullptr;
  };
  auto us = [](const Row& r) {
    return r.kind == Outcome::Ok || r.kind == Outcome::TimedOut ? r.seconds / static_cast<double>(r.tensors) * 1e6
                                                                : std::nan("");
  };
  // "12.34 (x1.50)": µs per tensor, and against 27b's (none for 27b itself).
  auto cell = [&](const Row* r, const Row* base) {
    if (!r) return std::string("n/a");
    const double u = us(*r);
    if (std::isnan(u)) return std::string("-");
    const std::string gt = r->kind == Outcome::TimedOut ? ">" : "";
    std::string c = gt + fmt("%.2f", u);
    if (base && base->kind == Outcome::Ok) c += " (" + gt + "x" + fmt("%.2f", u / us(*base)) + ")";
    return c;
  };
  auto count = [](const Row* r) { return r ? std::to_string(r->tensors) : std::string("-"); };
  bool header = false;
  for (const Row& a : rows) {
    if (a.shape != "27b") continue;
    const Row* b = find("deepseek", a.op);
    const Row* c = find("200k", a.op);
    if (!b && !c) continue;
    if (!header) {
      std::printf("\ncost per tensor (us/tensor), 27b (%llu tensors) vs deepseek (%s) vs 200k (%s); "
                  "(xN) is against 27b, flat is x1.00:\n",
                  static_cast<unsigned long long>(a.tensors), count(b).c_str(), count(c).c_str());
      std::printf("  %-28s %12s %20s %20s\n", "operation", "27b", "deepseek", "200k");
      header = true;
    }
    std::printf("  %-28s %12s %20s %20s\n", a.op.c_str(), cell(&a, nullptr).c_str(), cell(b, &a).c_str(),
                cell(c, &a).c_str());
  }
  cleanup();
  return g_interrupted ? 130 : 0;
}
