//===- bench/convert_bench.cpp - qconvert throughput ----------------------===//
//
// Generates an msModelSlim W8A8_DYNAMIC checkpoint shaped like a real model
// (~2,000 tensors in 10 shards, --gib of data) and measures in the same run:
//   - copying its shards with read()/write() and fsync (the baseline);
//   - converting it to Golden-Stick (plan + execute, fsync'd, atomic);
//   - reading the bytes of both checkpoints with read() (the floor for
//     --verify, which touches both);
//   - qconvert --verify's evaluation: every linear layer of source and result
//     evaluated with its family's integer inference formula (2 inputs each).
// Reports throughput as a ratio to the copy (the target is at least 0.5),
// verify as a ratio to reading both (the target is at least 0.3), and the
// process's peak RSS.
//
// usage: qkit-bench-convert [--gib=N] [--dir=PATH] [google-benchmark flags]
//
//===----------------------------------------------------------------------===//
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "samples/synthetic_checkpoint.h"
#include "convert/converter.h"
#include "convert/evaluate.h"

namespace {

namespace fs = std::filesystem;
using namespace qkit;

fs::path g_src, g_out;
std::uint64_t g_bytes = 0;
std::vector<fs::path> g_files;

void copy_file(const fs::path& from, const fs::path& to, std::vector<char>& buf) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  for (ssize_t n; (n = ::read(in, buf.data(), buf.size())) > 0;)
    if (::write(out, buf.data(), static_cast<std::size_t>(n)) != n) break;
  ::fsync(out);
  ::close(in);
  ::close(out);
}

void BM_CopyShards(benchmark::State& state) {
  std::vector<char> buf(1 << 20);
  for (auto _ : state) {
    fs::remove_all(g_out);
    fs::create_directories(g_out);
    for (const fs::path& f : g_files) copy_file(f, g_out / f.filename(), buf);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_bytes));
}

void BM_ConvertToGoldenStick(benchmark::State& state) {
  for (auto _ : state) {
    fs::remove_all(g_out);
    auto c = Checkpoint::open(g_src);
    convert::ConvertOptions o;
    o.to = Family::GoldenStick;
    auto plan = convert::plan_conversion(*c, o);
    if (!plan || !plan->executable(false)) {
      state.SkipWithError("conversion refused");
      break;
    }
    if (!convert::execute_plan(*plan, g_out, true)) state.SkipWithError("conversion failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_bytes));
}

std::uint64_t read_all(const fs::path& dir, std::vector<char>& buf) {
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".safetensors") continue;
    int in = ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
    for (ssize_t n; (n = ::read(in, buf.data(), buf.size())) > 0;) total += static_cast<std::uint64_t>(n);
    ::close(in);
  }
  return total;
}

std::uint64_t g_both = 0;

void BM_ReadBothCheckpoints(benchmark::State& state) {
  std::vector<char> buf(1 << 20);
  for (auto _ : state) {
    g_both = read_all(g_src, buf) + read_all(g_out, buf);
    benchmark::DoNotOptimize(g_both);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_both));
}

void BM_Verify(benchmark::State& state) {
  for (auto _ : state) {
    auto a = Checkpoint::open(g_src);
    auto b = Checkpoint::open(g_out);
    if (!a || !b) {
      state.SkipWithError("cannot open");
      break;
    }
    auto rows = convert::verify_conversion(*a, *b, {}, {});
    if (!convert::verify_passed(rows)) state.SkipWithError("verify found a difference");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_both));
}

}  // namespace

BENCHMARK(BM_CopyShards)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_ConvertToGoldenStick)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_ReadBothCheckpoints)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_Verify)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

int main(int argc, char** argv) {
  double gib = 2.0;
  fs::path base = fs::temp_directory_path();
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--gib=", 0) == 0) gib = std::atof(a.c_str() + 6);
    else if (a.rfind("--dir=", 0) == 0) base = a.substr(6);
    else rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  g_src = base / "qkit-bench-convert-src";
  g_out = base / "qkit-bench-convert-out";
  std::fprintf(stderr, "generating a %.2f GiB checkpoint at %s ...\n", gib, g_src.c_str());
  auto shape = samples::write_synthetic_checkpoint(g_src, gib);
  if (!shape) {
    std::fprintf(stderr, "%s\n", shape.error().to_string().c_str());
    return 1;
  }
  for (const auto& e : fs::directory_iterator(g_src))
    if (e.path().extension() == ".safetensors") {
      g_files.push_back(e.path());
      g_bytes += e.file_size();
    }
  const double rss_before = bench::peak_rss_mib();
  bench::RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  double copy = reporter.seconds("BM_CopyShards"), conv = reporter.seconds("BM_ConvertToGoldenStick");
  std::printf("\nsummary (%.2f GiB, %llu tensors, msModelSlim W8A8_DYNAMIC -> Golden-Stick, page cache warm)\n",
              g_bytes / double(1ull << 30), static_cast<unsigned long long>(shape->tensors));
  if (copy > 0) std::printf("  copy shards (read/write/fsync) : %8.2f GB/s\n", g_bytes / copy / 1e9);
  if (conv > 0) std::printf("  qconvert                       : %8.2f GB/s\n", g_bytes / conv / 1e9);
  if (copy > 0 && conv > 0) std::printf("  ratio qconvert / copy          : %8.2f (target >= 0.5)\n", copy / conv);
  const double both = reporter.seconds("BM_ReadBothCheckpoints"), ver = reporter.seconds("BM_Verify");
  if (both > 0) std::printf("  read() both checkpoints        : %8.2f GB/s\n", g_both / both / 1e9);
  if (ver > 0) std::printf("  qconvert --verify (evaluation) : %8.2f GB/s\n", g_both / ver / 1e9);
  if (both > 0 && ver > 0) std::printf("  ratio verify / read both       : %8.2f (target >= 0.3)\n", both / ver);
  std::printf("  peak RSS                       : %8.1f MiB (%.1f MiB before the runs; largest tensor %.1f MiB)\n",
              bench::peak_rss_mib(), rss_before, shape->hidden * shape->hidden / double(1 << 20));
  std::error_code ec;
  fs::remove_all(g_src, ec);
  fs::remove_all(g_out, ec);
  return 0;
}
