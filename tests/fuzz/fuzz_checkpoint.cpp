//===- tests/fuzz/fuzz_checkpoint.cpp - libFuzzer: a whole directory -------===//
//
// Unpacks the input into a directory of checkpoint files and runs layout
// detection, full validation, inspection and conversion planning over it:
// whatever the files hold, every step returns (values or errors), never
// crashes, hangs or allocates without bound.
//
//===----------------------------------------------------------------------===//
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return qkit::fuzz::run_checkpoint(data, size);
}
