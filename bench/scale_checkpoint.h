//===- bench/scale_checkpoint.h - checkpoints shaped like the biggest ------===//
//
// Generates, as sparse files, checkpoints shaped like real ones for the scale
// suite (bench/scale_bench.cpp): every shard's 8-byte length, JSON header and
// padding are written as safetensors requires and the tensor data are holes
// (ftruncate). The JSON text (shard headers, index, description, config.json)
// is built with plain string appends, never through the library's writers:
// those are part of the code under test, and far too slow for 180 shards.
//
// Shard headers follow the reference writer (safetensors' `serialize`): no
// __metadata__, tensors ordered by dtype (descending, in safetensors' Dtype
// enum order) then name, compact JSON padded with spaces to a multiple of 8.
// Rebuilt that way from the real Qwen3.8-27B inventory, the ten headers are
// byte-identical to the published ones (verified_metadata.json holds their
// sha256).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace qkit::bench {

struct ScaleTensor {
  std::string name;
  std::string dtype;                 // safetensors dtype name: "I8", "BF16", "F32", "I32"
  std::vector<std::uint64_t> shape;
  std::string tag;                   // the description's quant type ("FLOAT", "W8A8_DYNAMIC", ...)
  std::uint32_t shard = 0;           // index into ScaleSpec::shard_names
};

// What to write: tensors in model order (the description lists them in this
// order), the shard each lands in, and the JSON side files.
struct ScaleSpec {
  std::string name;                  // "27b", "deepseek", "200k"
  std::string source;                // where the layout comes from, in words
  std::vector<ScaleTensor> tensors;
  std::vector<std::string> shard_names;
  bool plain_file = false;           // one .safetensors file: no index, description, config
  std::string model_quant_type;      // description "model_quant_type"
  std::string config_json;           // config.json text
};

// What was written. `path` is what Checkpoint::open takes (the directory, or
// the file for a plain-file spec).
struct ScaleCheckpoint {
  std::filesystem::path path;
  std::vector<std::filesystem::path> shards;      // every .safetensors file
  std::vector<std::filesystem::path> json_files;  // index, description, config.json (those present)
  std::uint64_t tensors = 0;
  std::uint64_t shard_header_bytes = 0;  // sum of 8 + header length over the shards
  std::uint64_t json_bytes = 0;          // sum of the JSON side files' sizes
  std::uint64_t data_bytes = 0;          // tensor data (holes)
  std::uint64_t header_bytes() const { return shard_header_bytes + json_bytes; }
};

// Qwen3.8-27B W8A8_DYNAMIC, 10 shards: from `real_dir`/tensor_inventory.tsv
// and verified_metadata.json when they exist (names, dtypes, shapes, shard
// assignment, description tags), else a synthetic layout of the same size
// (about 2,000 tensors).
ScaleSpec spec_27b(const std::filesystem::path& real_dir);

// DeepSeek-V3 class, msModelSlim W8A8 mix: `layers` decoder layers (the
// first 3 dense, the rest 256 routed experts + 1 shared), one MTP layer after
// them, MLA attention in W8A8 static, experts W8A8_DYNAMIC, `shards` shards
// balanced by bytes in model order.
ScaleSpec spec_deepseek(int layers = 61, int shards = 180);

// One plain .safetensors file holding `n` small BF16 tensors.
ScaleSpec spec_one_file(std::size_t n = 200000);

// Writes `spec` under `dir` (created; existing files of the same names are
// replaced). Returns false with `error` set on an I/O failure.
bool write_scale_checkpoint(const ScaleSpec& spec, const std::filesystem::path& dir, ScaleCheckpoint& out,
                            std::string& error);

}  // namespace qkit::bench
