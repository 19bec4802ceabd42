//===- tests/fuzz/fuzz_validate.cpp - libFuzzer: every validation target ---===//
//
// A directory archive, validated for each runtime target, quick and full,
// and rendered as text, JSON and JUnit: the per-target rules only run when
// that target is chosen, which the checkpoint target (vLLM-Ascend only)
// never does. Every finding names a registered rule and the JSON report
// parses.
//
//===----------------------------------------------------------------------===//
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return qkit::fuzz::run_validate(data, size);
}
