//===- tests/fuzz/fuzz_index.cpp - libFuzzer: the shard index reader -----===//
//
// Any text must parse to an index or give an error value; a parsed index
// must serialise and parse back to the same weight_map.
//
//===----------------------------------------------------------------------===//
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/shard_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = qkit::parse_shard_index(text, "fuzz.index.json");
  if (!r.ok()) {
    (void)r.error().to_string();
    return 0;
  }
  std::string out = qkit::serialize_shard_index(*r);
  auto back = qkit::parse_shard_index(out, "again");
  if (!back.ok() || back->weight_map != r->weight_map || back->total_size != r->total_size) std::abort();
  return 0;
}
