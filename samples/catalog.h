//===- samples/catalog.h - every sample checkpoint qkit can generate -----===//
//
// One entry per (layout, quant type, variant) the tools support, each built
// from a toy float model with the producing tool's own math (see
// convert/quant_math.h) and written with its file names and JSON style (see
// formats/checkpoint_writer.h). Deterministic: the same entry always gives
// the same bytes. A few entries are "bundled": committed under samples/ for
// the README's main command; tests regenerate all of them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <list>

#include "formats/checkpoint.h"
#include "formats/checkpoint_writer.h"
#include "formats/error.h"
#include "samples/toy_model.h"

namespace qkit::samples {

struct SampleSpec {
  std::string name;                 // directory name
  Layout layout = Layout::HfFloat;
  QuantType type = QuantType::FLOAT;
  std::string variant;              // "per-group", "smoothed", "plain", "per-channel", "unpacked", ...;
                                    // compressed-tensors: the producer, "llm-compressor" or "msmodelslim"
  ToyConfig model;
  std::uint64_t group_size = 0;
  bool kv_c8 = false;               // add KV-cache int8 tensors (msModelSlim)
  bool fa_quant = false;            // add FAQuant tensors (msModelSlim)
  std::uint64_t max_shard_bytes = 0;  // 0: one file
  bool smooth_norm_fed_only = false;  // Golden-Stick W8A8: smooth only the linears that read a norm's output
  bool bundled = false;
  std::string note;                 // what the sample demonstrates
};

std::vector<SampleSpec> sample_catalog();

// A sample in memory: what write_sample would write, before it is written,
// so tests can break it in one precise way first.
struct BuiltSample {
  CheckpointContent content;
  LayoutOptions options;
  std::list<std::vector<std::byte>> storage;  // owns the bytes content's tensors point to

  // Convenience for tests that corrupt a sample.
  OutputTensor* find(const std::string& name);
  std::vector<std::byte>& own(std::vector<std::byte> bytes);  // keeps bytes alive; returns them
};
BuiltSample build_sample(const SampleSpec& spec);
const SampleSpec* find_sample(const std::string& name);

// Writes one sample checkpoint into `dir` (created; replaced if present).
Status write_sample(const std::filesystem::path& dir, const SampleSpec& spec);

// Writes every bundled sample (or every sample) under `root`.
Status write_samples(const std::filesystem::path& root, bool bundled_only);

}  // namespace qkit::samples
