//===- formats/sharded_writer.h - split tensors into shards + index ------===//
//
// Naming follows what msModelSlim and Golden-Stick (and transformers) write:
// "<prefix>-00001-of-00003.safetensors" (5 digits, 1-based) and an index file
// whose name the caller chooses (the two families name it differently).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "formats/error.h"
#include "formats/safetensors_writer.h"
#include "formats/shard_index.h"

namespace qkit {

struct ShardedWriteOptions {
  std::string shard_prefix = "model";                         // -> model-00001-of-0000N.safetensors
  std::string index_name = "model.safetensors.index.json";
  // When everything fits one shard and this is non-empty, write that single
  // file and no index (transformers' model.safetensors behaviour).
  std::string single_file_name;
  // Data bytes per shard. Tensors are taken in input order and a shard is
  // closed before the tensor that would push it over; a tensor larger than
  // the limit gets a shard of its own.
  std::uint64_t max_shard_bytes = 5ull << 30;
  // __metadata__ of each shard, given the input indices of its tensors.
  std::function<std::optional<Metadata>(std::span<const std::size_t>)> shard_metadata;
  nlohmann::ordered_json extra_index_metadata = nlohmann::ordered_json::object();
};

struct ShardedWriteResult {
  std::vector<std::string> files;  // shard file names, in order
  std::optional<ShardIndex> index;  // absent when a single file was written
  std::uint64_t total_size = 0;
};

// "<prefix>-<i>-of-<n>.safetensors", 1-based, zero-padded to 5 digits.
std::string shard_file_name(const std::string& prefix, std::size_t i, std::size_t n);

// Which input indices go to which shard (exposed for plans and tests).
std::vector<std::vector<std::size_t>> plan_shards(const std::vector<TensorSource>& tensors,
                                                  std::uint64_t max_shard_bytes);

// Writes the shards and the index into `dir` (which must exist), each file
// atomically. On error the files already written are removed again.
Result<ShardedWriteResult> write_sharded(const std::filesystem::path& dir, const std::vector<TensorSource>& tensors,
                                         const ShardedWriteOptions& options);

}  // namespace qkit
