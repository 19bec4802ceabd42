//===- tests/fuzz/fuzz_safetensors.cpp - libFuzzer: the safetensors reader -===//
//
// Any byte string must give a header or an error value: no crash, no hang,
// no allocation beyond the input's size. When parsing succeeds, writing the
// parsed tensors back must give a file that parses to the same table.
//
//===----------------------------------------------------------------------===//
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return qkit::fuzz::run_safetensors(data, size);
}
