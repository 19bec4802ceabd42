//===- bench/read_bench.cpp - safetensors reader throughput --------------===//
//
// Generates a multi-GB safetensors file (2,000 tensors), then measures in the
// same run:
//   - header open + strict validation (mmap, parse, checks);
//   - reading every tensor byte through the reader's zero-copy views;
//   - plain read() of the same file into one reused 1 MiB buffer (baseline).
// Both full reads apply the same XOR fold to every byte and run with the
// file in the page cache (a warm-up pass first), so the ratio compares how
// the bytes reach user space, not the disk.
//
// usage: qkit-bench-read [--gib=N] [--dir=PATH] [google-benchmark flags]
//
//===----------------------------------------------------------------------===//
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"
#include "samples/synthetic_checkpoint.h"

namespace {

namespace fs = std::filesystem;
using namespace qkit;

fs::path g_file;
std::uint64_t g_bytes = 0;
std::size_t g_tensors = 0;

bool make_file(const fs::path& path, double gib) {
  const std::size_t kTensors = 2000;
  const std::uint64_t per = static_cast<std::uint64_t>(gib * (1ull << 30) / kTensors) / 2 * 2;  // even: BF16
  std::vector<TensorSource> ts;
  for (std::size_t i = 0; i < kTensors; ++i) {
    std::string name = "model.layers." + std::to_string(i / 20) + ".mlp.experts." + std::to_string(i % 20) +
                       ".down_proj.weight";
    ts.push_back(TensorSource{name, Dtype::BF16, {per / 2}, {}, [per, i](ByteSink& s) { return samples::fill_pseudo_random(s, per, i); }});
  }
  auto r = write_safetensors(path, ts, Metadata{{"format", "pt"}});
  if (!r) {
    std::fprintf(stderr, "cannot write the bench file: %s\n", r.error().to_string().c_str());
    return false;
  }
  return true;
}

void BM_HeaderOpenValidate(benchmark::State& state) {
  for (auto _ : state) {
    auto f = SafetensorsFile::open(g_file);
    if (!f) state.SkipWithError(f.error().to_string().c_str());
    benchmark::DoNotOptimize(f->tensors().size());
  }
  state.counters["tensors"] = static_cast<double>(g_tensors);
}

void BM_PlainRead(benchmark::State& state) {
  std::vector<std::byte> buf(1 << 20);
  for (auto _ : state) benchmark::DoNotOptimize(bench::plain_read_fold(g_file, buf));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_bytes));
}

void BM_ReaderViews(benchmark::State& state) {
  for (auto _ : state) {
    auto f = SafetensorsFile::open(g_file);
    if (!f) state.SkipWithError(f.error().to_string().c_str());
    std::uint64_t acc = 0;
    for (const TensorInfo& t : f->tensors()) {
      std::uint64_t b = f->file_offset(t), e = b + t.nbytes();
      f->mapping().advise_sequential(b, e);
      acc ^= bench::fold(f->data(t));
      f->mapping().advise_done(b, e);  // keeps the resident set bounded
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_bytes));
}

}  // namespace

BENCHMARK(BM_HeaderOpenValidate)->Unit(benchmark::kMicrosecond)->MinTime(0.5);
BENCHMARK(BM_PlainRead)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_ReaderViews)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

int main(int argc, char** argv) {
  double gib = 2.0;
  fs::path dir = fs::temp_directory_path();
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--gib=", 0) == 0) gib = std::atof(a.c_str() + 6);
    else if (a.rfind("--dir=", 0) == 0) dir = a.substr(6);
    else rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;

  g_file = dir / "qkit-bench-read.safetensors";
  std::fprintf(stderr, "generating %.2f GiB at %s ...\n", gib, g_file.c_str());
  if (!make_file(g_file, gib)) return 1;
  {
    auto f = SafetensorsFile::open(g_file);
    if (!f) return 1;
    g_bytes = f->file_size();
    g_tensors = f->tensors().size();
    std::fprintf(stderr, "file: %.2f GiB, %zu tensors, header %llu bytes\n", g_bytes / double(1ull << 30),
                 g_tensors, static_cast<unsigned long long>(f->header().header_size));
  }
  std::vector<std::byte> buf(1 << 20);
  bench::plain_read_fold(g_file, buf);  // warm the page cache

  bench::RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  double plain = reporter.seconds("BM_PlainRead"), views = reporter.seconds("BM_ReaderViews");
  double header = reporter.seconds("BM_HeaderOpenValidate");
  std::printf("\nsummary (%.2f GiB, %zu tensors, page cache warm)\n", g_bytes / double(1ull << 30), g_tensors);
  if (header > 0) std::printf("  header open + validate : %8.3f ms\n", header * 1e3);
  if (plain > 0) std::printf("  plain read() baseline  : %8.2f GB/s\n", g_bytes / plain / 1e9);
  if (views > 0) std::printf("  qkit reader (mmap)     : %8.2f GB/s\n", g_bytes / views / 1e9);
  if (plain > 0 && views > 0) std::printf("  ratio reader / read()  : %8.2f\n", plain / views);
  std::printf("  peak RSS               : %8.1f MiB\n", bench::peak_rss_mib());
  std::error_code ec;
  fs::remove(g_file, ec);
  return 0;
}
