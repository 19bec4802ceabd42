//===- bench/bench_util.cpp ----------------------------------------------===//
#include "bench/bench_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

namespace qkit::bench {

std::uint64_t plain_read_fold(const std::filesystem::path& p, std::span<std::byte> buffer) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::uint64_t acc = 0;
  for (;;) {
    ssize_t k = ::read(fd, buffer.data(), buffer.size());
    if (k <= 0) break;
    acc ^= fold(buffer.first(static_cast<std::size_t>(k)));
  }
  ::close(fd);
  return acc;
}

RecordingReporter::RecordingReporter()
    : ConsoleReporter(::isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}

void RecordingReporter::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& r : runs) {
    if (r.run_type != Run::RT_Iteration) continue;
    std::string name = r.benchmark_name();
    seconds_[name] = r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit);
    for (const auto& [k, c] : r.counters) counters_[name][k] = c.value;
  }
  ConsoleReporter::ReportRuns(runs);
}

double RecordingReporter::seconds(const std::string& name) const {
  for (const auto& [k, v] : seconds_)
    if (k.rfind(name, 0) == 0) return v;
  return 0;
}

double RecordingReporter::counter(const std::string& name, const std::string& counter) const {
  for (const auto& [k, v] : counters_)
    if (k.rfind(name, 0) == 0 && v.count(counter)) return v.at(counter);
  return 0;
}

double peak_rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

}  // namespace qkit::bench
