//===- formats/strict_json.h - bounded, duplicate-rejecting JSON loading -===//
//
// For the small JSON side files of a checkpoint (shard index, quantization
// descriptions, config.json). nlohmann-json's defaults are lenient where a
// gate must not be: it keeps the last of duplicate keys, skips a UTF-8 BOM
// and has no size or depth bound. This loader rejects duplicates and BOMs,
// bounds file size and nesting, and reports the byte offset of syntax errors.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "formats/error.h"

namespace qkit {

struct JsonLimits {
  std::uint64_t max_bytes = 256ull << 20;  // a 2,000-tensor index is ~200 KB
  std::size_t max_depth = 64;
};

// Parses `text`; errors name `file` (may be empty) and carry byte offsets.
Result<nlohmann::ordered_json> parse_json_strict(std::string_view text, const std::string& file,
                                                 const JsonLimits& limits = {});

// Reads and parses a file (the size limit is checked before reading).
Result<nlohmann::ordered_json> read_json_file(const std::filesystem::path& path, const JsonLimits& limits = {});

// Reads a whole small file into memory, refusing files over `max_bytes`.
Result<std::string> read_small_file(const std::filesystem::path& path, std::uint64_t max_bytes);

}  // namespace qkit
