//===- formats/sharded_writer.cpp ----------------------------------------===//
#include "formats/sharded_writer.h"

#include <cstdio>

#include "formats/checked_math.h"

namespace qkit {
namespace {

std::uint64_t tensor_bytes(const TensorSource& t) {
  auto e = element_count(t.shape);
  auto b = e ? checked_mul(*e, dtype_bits(t.dtype)) : std::nullopt;
  return b ? *b / 8 : 0;  // invalid shapes are rejected later by plan_safetensors
}

}  // namespace

std::string shard_file_name(const std::string& prefix, std::size_t i, std::size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "-%05zu-of-%05zu.safetensors", i, n);
  return prefix + buf;
}

std::vector<std::vector<std::size_t>> plan_shards(const std::vector<TensorSource>& tensors,
                                                  std::uint64_t max_shard_bytes) {
  std::vector<std::vector<std::size_t>> shards;
  std::uint64_t used = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    std::uint64_t b = tensor_bytes(tensors[i]);
    if (shards.empty() || (used > 0 && (used + b > max_shard_bytes || used + b < used))) {
      shards.emplace_back();
      used = 0;
    }
    shards.back().push_back(i);
    used += b;
  }
  if (shards.empty()) shards.emplace_back();  // an empty model is one empty shard
  return shards;
}

Result<ShardedWriteResult> write_sharded(const std::filesystem::path& dir, const std::vector<TensorSource>& tensors,
                                         const ShardedWriteOptions& options) {
  if (options.max_shard_bytes == 0) return Error(Errc::invalid_argument, "max_shard_bytes must be positive");
  auto groups = plan_shards(tensors, options.max_shard_bytes);
  ShardedWriteResult result;
  const bool single = groups.size() == 1 && !options.single_file_name.empty();

  auto cleanup = [&] {
    std::error_code ec;
    for (const auto& f : result.files) std::filesystem::remove(dir / f, ec);
  };

  ShardIndex index;
  index.extra_metadata = options.extra_index_metadata;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::string name = single ? options.single_file_name : shard_file_name(options.shard_prefix, g + 1, groups.size());
    std::vector<TensorSource> part;
    part.reserve(groups[g].size());
    for (std::size_t i : groups[g]) part.push_back(tensors[i]);
    std::optional<Metadata> md;
    if (options.shard_metadata) md = options.shard_metadata(groups[g]);
    auto written = write_safetensors(dir / name, part, md);
    if (!written) {
      cleanup();
      return std::move(written).error();
    }
    result.files.push_back(name);
    for (const TensorSource& t : part) {
      index.weight_map.append(t.name, name);  // sorted once at the end; of a name written twice, the last shard
      result.total_size += tensor_bytes(t);
    }
  }
  index.weight_map.sort(/*keep_last=*/true);
  if (!single) {
    index.total_size = result.total_size;
    if (auto st = write_shard_index(dir / options.index_name, index); !st) {
      cleanup();
      return std::move(st).error();
    }
    result.index = std::move(index);
  }
  return result;
}

}  // namespace qkit
