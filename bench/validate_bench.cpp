//===- bench/validate_bench.cpp - qvalidate throughput --------------------===//
//
// Generates a checkpoint shaped like a real model (~2,000 tensors, 10
// shards, --gib of data) and measures in the same run:
//   - opening it (every header, index, description, config.json);
//   - qinspect's header-only summary and JSON;
//   - qvalidate --quick (headers and JSON only);
//   - full validation (every tensor byte streamed once, all cores);
//   - plain read() of the same files into one reused buffer (baseline).
// The figure that matters is full validation's throughput as a ratio to the
// baseline (the target is at least 0.5), with the page cache warm for both.
//
// usage: qkit-bench-validate [--gib=N] [--sparse] [--dir=PATH] [google-benchmark flags]
// --sparse writes the int8 weights as holes, so --gib=50 (a 27B-shaped
// checkpoint) costs no disk; every byte is still read by the full pass.
//
//===----------------------------------------------------------------------===//
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "samples/synthetic_checkpoint.h"
#include "formats/checkpoint.h"
#include "inspect/inspector.h"
#include "inspect/render.h"
#include "validate/validator.h"

namespace {

namespace fs = std::filesystem;
using namespace qkit;

fs::path g_dir;
std::uint64_t g_bytes = 0;
std::vector<fs::path> g_files;

void BM_Open(benchmark::State& state) {
  for (auto _ : state) {
    auto c = Checkpoint::open(g_dir);
    if (!c) state.SkipWithError(c.error().to_string().c_str());
    benchmark::DoNotOptimize(c->tensors().size());
  }
}

// qinspect's default: open, summarise, render text and JSON; header-only.
void BM_Inspect(benchmark::State& state) {
  for (auto _ : state) {
    auto c = Checkpoint::open(g_dir);
    auto r = inspect::inspect(*c, inspect::InspectOptions{});
    std::string text = inspect::render_summary(*c, *r, {}) + inspect::render_layer_map(*r);
    std::string json = inspect::render_json(*c, *r, {});
    benchmark::DoNotOptimize(text.size() + json.size());
  }
}

void BM_ValidateQuick(benchmark::State& state) {
  for (auto _ : state) {
    auto c = Checkpoint::open(g_dir);
    validate::ValidateOptions o;
    o.quick = true;
    auto r = validate::validate(*c, o);
    if (r.errors) state.SkipWithError("quick validation found errors");
    benchmark::DoNotOptimize(r.findings.size());
  }
}

void BM_ValidateFull(benchmark::State& state) {
  for (auto _ : state) {
    auto c = Checkpoint::open(g_dir);
    auto r = validate::validate(*c, validate::ValidateOptions{});
    if (r.errors) state.SkipWithError("validation found errors");
    benchmark::DoNotOptimize(r.bytes_scanned);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_bytes));
}

void BM_PlainRead(benchmark::State& state) {
  std::vector<std::byte> buf(1 << 20);
  for (auto _ : state)
    for (const fs::path& f : g_files) benchmark::DoNotOptimize(bench::plain_read_fold(f, buf));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_bytes));
}

}  // namespace

BENCHMARK(BM_Open)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(BM_Inspect)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(BM_ValidateQuick)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(BM_PlainRead)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_ValidateFull)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

int main(int argc, char** argv) {
  double gib = 2.0;
  bool sparse = false;
  fs::path base = fs::temp_directory_path();
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--gib=", 0) == 0) gib = std::atof(a.c_str() + 6);
    else if (a == "--sparse") sparse = true;
    else if (a.rfind("--dir=", 0) == 0) base = a.substr(6);
    else rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  g_dir = base / "qkit-bench-validate";
  std::fprintf(stderr, "generating a %.2f GiB checkpoint at %s ...\n", gib, g_dir.c_str());
  auto shape = samples::write_synthetic_checkpoint(g_dir, gib, 10, sparse);
  if (!shape) {
    std::fprintf(stderr, "%s\n", shape.error().to_string().c_str());
    return 1;
  }
  for (const auto& e : fs::directory_iterator(g_dir))
    if (e.path().extension() == ".safetensors") {
      g_files.push_back(e.path());
      g_bytes += e.file_size();
    }
  std::vector<std::byte> buf(1 << 20);
  if (!sparse)
    for (const fs::path& f : g_files) bench::plain_read_fold(f, buf);  // warm the page cache

  bench::RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  double plain = reporter.seconds("BM_PlainRead"), full = reporter.seconds("BM_ValidateFull");
  std::printf("\nsummary (%.2f GiB in %zu shards, %llu tensors, hidden %llu; %s)\n",
              g_bytes / double(1ull << 30), g_files.size(), static_cast<unsigned long long>(shape->tensors),
              static_cast<unsigned long long>(shape->hidden), sparse ? "sparse files" : "page cache warm");
  std::printf("  open (all headers + JSON)   : %8.2f ms\n", reporter.seconds("BM_Open") * 1e3);
  std::printf("  qinspect (summary + JSON)   : %8.2f ms\n", reporter.seconds("BM_Inspect") * 1e3);
  std::printf("  qvalidate --quick           : %8.2f ms\n", reporter.seconds("BM_ValidateQuick") * 1e3);
  if (plain > 0) std::printf("  plain read() baseline       : %8.2f GB/s\n", g_bytes / plain / 1e9);
  if (full > 0) std::printf("  qvalidate (full)            : %8.2f GB/s\n", g_bytes / full / 1e9);
  if (plain > 0 && full > 0) std::printf("  ratio full / read()         : %8.2f (target >= 0.5)\n", plain / full);
  std::printf("  peak RSS                    : %8.1f MiB\n", bench::peak_rss_mib());
  std::error_code ec;
  fs::remove_all(g_dir, ec);
  return 0;
}
