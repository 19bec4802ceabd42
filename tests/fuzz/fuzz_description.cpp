//===- tests/fuzz/fuzz_description.cpp - libFuzzer: both description parsers
//
// Any text must parse to a description or give an error value; a parsed
// description rewritten in its detected style must parse to the same typed
// view.
//
//===----------------------------------------------------------------------===//
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return qkit::fuzz::run_description(data, size);
}
