//===- bench/bench_util.h - shared pieces of the benchmark programs ------===//
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <string>

namespace qkit::bench {

// XOR-fold of 64-bit words: the same cheap, non-elidable work applied to
// every byte in every measured read path, so the comparison is of how bytes
// arrive, not of what is done with them.
inline std::uint64_t fold(std::span<const std::byte> b) {
  std::uint64_t acc = 0;
  std::size_t i = 0;
  for (; i + 8 <= b.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, b.data() + i, 8);
    acc ^= w;
  }
  for (; i < b.size(); ++i) acc ^= static_cast<std::uint64_t>(b[i]) << (8 * (i % 8));
  return acc;
}

// Plain read() of a whole file into one reused buffer: the machine's limit
// for getting the bytes into user space.
std::uint64_t plain_read_fold(const std::filesystem::path& p, std::span<std::byte> buffer);

// Records real time per benchmark so the program can print ratios after the
// run, and still prints the usual console table.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  // Colour only when stdout is a terminal.
  RecordingReporter();
  void ReportRuns(const std::vector<Run>& runs) override;
  // Seconds per iteration of the benchmark whose name starts with `name`.
  double seconds(const std::string& name) const;
  double counter(const std::string& name, const std::string& counter) const;

 private:
  std::map<std::string, double> seconds_;
  std::map<std::string, std::map<std::string, double>> counters_;
};

// Peak resident set size of this process, in MiB (from /proc/self/status).
double peak_rss_mib();

}  // namespace qkit::bench
