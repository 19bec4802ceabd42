//===- formats/strict_json.h - bounded, duplicate-rejecting JSON loading -===//
//
// For the small JSON side files of a checkpoint (shard index, quantization
// descriptions, config.json). nlohmann-json's defaults are lenient where a
// gate must not be: it keeps the last of duplicate keys, skips a UTF-8 BOM
// and has no size or depth bound. This loader reads the text with
// formats/json_events.h into an nlohmann document, rejects duplicates and
// BOMs, bounds file size and nesting, and reports the byte offset of syntax
// errors.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "formats/error.h"

namespace qkit {

struct JsonLimits {
  std::uint64_t max_bytes = 256ull << 20;  // a 2,000-tensor index is ~200 KB
  std::size_t max_depth = 64;
};

// String members of one object handed to the caller instead of being
// stored in the document (they are absent from it): a flat 180,000-entry
// map (an index's weight_map, a description's tensor tags) then costs no
// DOM node per entry. Everything else, strictness and errors included, is
// as without it.
struct StringMembers {
  // The object: the root (empty) or the root object's member of this name.
  std::string member;
  // Which members are handed over (those whose value is a string).
  std::function<bool(std::string_view key)> wants;
  // Takes a member; called at most once per key, in document order. The
  // views are valid only during the call.
  std::function<void(std::string_view key, std::string_view value)> take;
  // Whether take() got this key (duplicate keys are still reported).
  std::function<bool(std::string_view key)> holds;
  // Calls `f` with every key take() got so far. Optional: with it, keys
  // that arrive in byte order are not hashed for the duplicate check (an
  // index's weight_map is written sorted), and the ones take() got are
  // hashed from here once the order breaks.
  std::function<void(const std::function<void(std::string_view)>& f)> each_key;
};

// Parses `text`; errors name `file` (may be empty) and carry byte offsets.
Result<nlohmann::ordered_json> parse_json_strict(std::string_view text, const std::string& file,
                                                 const JsonLimits& limits = {}, const StringMembers* divert = nullptr);

// Reads and parses a file (the size limit is checked before reading).
Result<nlohmann::ordered_json> read_json_file(const std::filesystem::path& path, const JsonLimits& limits = {});

// Reads a whole small file into memory, refusing files over `max_bytes`.
Result<std::string> read_small_file(const std::filesystem::path& path, std::uint64_t max_bytes);

}  // namespace qkit
