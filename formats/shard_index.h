//===- formats/shard_index.h - *.safetensors.index.json ------------------===//
//
// The shard index is a transformers/huggingface_hub convention, not part of
// the safetensors format: {"metadata": {"total_size": N, ...},
// "weight_map": {"tensor": "shard file", ...}}. Producers in this field use
// several prefixes (model., quant_model_weights., quant_model_weight_w8a8.,
// ...); all are read the same way.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/error.h"
#include "formats/flat_string_map.h"
#include "formats/safetensors.h"

namespace qkit {

inline constexpr std::string_view kIndexSuffix = ".safetensors.index.json";

struct ShardIndex {
  std::optional<std::uint64_t> total_size;
  // Every other "metadata" member, kept as written (e.g. total_parameters).
  nlohmann::ordered_json extra_metadata = nlohmann::ordered_json::object();
  FlatStringMap weight_map;  // tensor -> shard file name, sorted by tensor
  std::vector<Error> warnings;                      // recoverable oddities

  // Distinct shard names, sorted.
  std::vector<std::string> shards() const;
};

// True for "<prefix>.safetensors.index.json" with a non-empty prefix.
bool is_index_file_name(std::string_view file_name);
// "quant_model_weights" for "quant_model_weights.safetensors.index.json".
std::string index_prefix(std::string_view file_name);

// `names`: where weight_map's tensor names are interned (the checkpoint's
// table, shared with its shard headers); a table of the index's own if null.
Result<ShardIndex> parse_shard_index(std::string_view text, const std::string& file,
                                     std::shared_ptr<NameTable> names = nullptr);
Result<ShardIndex> read_shard_index(const std::filesystem::path& path, std::shared_ptr<NameTable> names = nullptr);

// Deterministic: total_size, then other metadata in stored order; weight_map
// sorted by tensor name; two-space indent, as transformers writes it.
std::string serialize_shard_index(const ShardIndex& index);
Status write_shard_index(const std::filesystem::path& path, const ShardIndex& index);

// A shard name must be a plain file name inside `dir`: not empty, no path
// separator, not "." or "..", no NUL; a symlink must resolve inside `dir`,
// except into the blobs/ store of a Hugging Face cache snapshot
// (<cache>/snapshots/<rev>/x -> <cache>/blobs/<hash>).
Status check_shard_name(const std::filesystem::path& dir, std::string_view shard);

// Checks an index against its shards, both ways. Every problem found is
// returned (an empty vector means consistent):
//   index-shard-path, index-missing-shard, index-bad-shard (the shard fails
//   the strict reader), index-tensor-missing, index-tensor-unlisted,
//   index-tensor-elsewhere, index-duplicate-tensor, index-total-size.
// `opened` supplies shards the caller has already opened (by shard name), so
// a caller holding them does not parse their headers twice.
std::vector<Error> check_shard_index(const std::filesystem::path& dir, const std::string& index_file,
                                     const ShardIndex& index,
                                     const std::map<std::string, const SafetensorsFile*>* opened = nullptr);

}  // namespace qkit
