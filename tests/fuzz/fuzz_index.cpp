//===- tests/fuzz/fuzz_index.cpp - libFuzzer: the shard index reader -----===//
//
// Any text must parse to an index or give an error value; a parsed index
// must serialise and parse back to the same weight_map.
//
//===----------------------------------------------------------------------===//
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return qkit::fuzz::run_index(data, size);
}
