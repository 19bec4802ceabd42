//===- bench/name_table_bench.cpp - interning a checkpoint's names -------===//
//
// A DeepSeek-class checkpoint names 138k tensors in its shard headers, its
// index and its description: three passes over the same names. Measured in
// the same run:
//   - floor: copying each name of each pass into an arena (what per-file
//     tables did: no lookup, three copies);
//   - one by one: NameTable::intern per name (a hash probe whose cache
//     misses follow each other);
//   - batched: NameTable::intern_all, 4096 names a call, as the parsers do:
//     header names straight from the text (formats/safetensors_parse.cpp),
//     index and description keys through a staging copy first
//     (formats/flat_string_map.h).
// The names are generated in the order a header lists them.
//
// usage: qkit-bench-names [--tensors=N] [google-benchmark flags]
//
//===----------------------------------------------------------------------===//
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "formats/name_table.h"

namespace {

using namespace qkit;

std::vector<std::string> g_names;
constexpr int kPasses = 3;  // shard headers, index, description
constexpr std::size_t kBatch = 4096;

void make_names(std::size_t n) {
  const char* leaves[] = {"weight", "weight_scale", "weight_offset"};
  const char* projs[] = {"gate_proj", "up_proj", "down_proj"};
  for (std::size_t i = 0; g_names.size() < n; ++i) {
    const std::size_t layer = i / (256 * 3), expert = (i / 3) % 256;
    for (const char* leaf : leaves)
      g_names.push_back("model.layers." + std::to_string(layer) + ".mlp.experts." + std::to_string(expert) + "." +
                        projs[i % 3] + "." + leaf);
  }
  g_names.resize(n);
}

void BM_CopyFloor(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<std::unique_ptr<char[]>> blocks;
    char* free = nullptr;
    std::size_t left = 0;
    std::vector<std::string_view> kept(g_names.size());
    for (int pass = 0; pass < kPasses; ++pass)
      for (std::size_t i = 0; i < g_names.size(); ++i) {
        const std::string& s = g_names[i];
        if (s.size() > left) {
          blocks.push_back(std::make_unique<char[]>(64 * 1024));
          free = blocks.back().get();
          left = 64 * 1024;
        }
        std::memcpy(free, s.data(), s.size());
        kept[i] = std::string_view(free, s.size());
        free += s.size();
        left -= s.size();
      }
    benchmark::DoNotOptimize(kept.data());
  }
  state.counters["names"] = static_cast<double>(g_names.size());
}

void BM_InternOneByOne(benchmark::State& state) {
  for (auto _ : state) {
    NameTable t;
    NameId sum = 0;
    for (int pass = 0; pass < kPasses; ++pass)
      for (const std::string& s : g_names) sum += t.intern(s).id;
    benchmark::DoNotOptimize(sum);
  }
}

void BM_InternBatched(benchmark::State& state) {
  std::vector<std::string_view> texts(kBatch);
  std::vector<NameId> ids(kBatch);
  std::vector<char> staging;
  for (auto _ : state) {
    NameTable t;
    for (int pass = 0; pass < kPasses; ++pass)
      for (std::size_t from = 0; from < g_names.size(); from += kBatch) {
        const std::size_t n = std::min(kBatch, g_names.size() - from);
        if (pass == 0) {  // a header: views of the text
          for (std::size_t i = 0; i < n; ++i) texts[i] = g_names[from + i];
        } else {  // the index, the description: staged copies
          std::size_t bytes = 0;
          for (std::size_t i = 0; i < n; ++i) bytes += g_names[from + i].size();
          staging.resize(bytes);
          char* at = staging.data();
          for (std::size_t i = 0; i < n; ++i) {
            const std::string& s = g_names[from + i];
            std::memcpy(at, s.data(), s.size());
            texts[i] = std::string_view(at, s.size());
            at += s.size();
          }
        }
        t.intern_all({texts.data(), n}, {ids.data(), n});
      }
    benchmark::DoNotOptimize(ids.data());
  }
}

}  // namespace

BENCHMARK(BM_CopyFloor)->Unit(benchmark::kMillisecond)->MinTime(0.5)->UseRealTime();
BENCHMARK(BM_InternOneByOne)->Unit(benchmark::kMillisecond)->MinTime(0.5)->UseRealTime();
BENCHMARK(BM_InternBatched)->Unit(benchmark::kMillisecond)->MinTime(0.5)->UseRealTime();

int main(int argc, char** argv) {
  std::size_t tensors = 138419;  // the DeepSeek-class shape of bench/scale_bench.cpp
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--tensors=", 0) == 0) tensors = std::strtoull(a.c_str() + 10, nullptr, 10);
    else rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  make_names(tensors);
  std::size_t bytes = 0;
  for (const std::string& s : g_names) bytes += s.size();

  bench::RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  const double floor = reporter.seconds("BM_CopyFloor"), one = reporter.seconds("BM_InternOneByOne"),
               batched = reporter.seconds("BM_InternBatched");
  std::printf("\nsummary (%zu names, %.1f MB of text, %d passes)\n", g_names.size(), bytes / 1e6, kPasses);
  if (floor > 0) std::printf("  copy into an arena (floor) : %8.2f ms\n", floor * 1e3);
  if (one > 0 && floor > 0) std::printf("  intern one by one          : %8.2f ms  (%.2fx floor)\n", one * 1e3, one / floor);
  if (batched > 0 && floor > 0)
    std::printf("  intern_all, %zu at a time : %8.2f ms  (%.2fx floor)\n", kBatch, batched * 1e3, batched / floor);
  return 0;
}
