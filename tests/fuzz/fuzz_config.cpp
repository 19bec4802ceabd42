//===- tests/fuzz/fuzz_config.cpp - libFuzzer: config.json facts ----------===//
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return qkit::fuzz::run_config(data, size);
}
