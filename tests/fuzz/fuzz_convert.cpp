//===- tests/fuzz/fuzz_convert.cpp - libFuzzer: conversion end to end ------===//
//
// An options byte, then a directory archive: plans the conversion to both
// families, renders the plan and, when it is executable, writes it into a
// scratch directory. The planner reads small tensors' values and the writer
// streams transformed bytes, so this reaches code the checkpoint target's
// plan-only pass does not. Whatever the files hold, planning and writing
// return values or errors, and what is written opens as the target family.
//
//===----------------------------------------------------------------------===//
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return qkit::fuzz::run_convert(data, size);
}
