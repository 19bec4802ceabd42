//===- samples/synthetic_checkpoint.h - large checkpoints for benchmarks ---===//
//
// Writes an msModelSlim V1 W8A8_DYNAMIC checkpoint shaped like a real model
// (about 2,000 tensors in 10 shards) of a chosen total size, streaming the
// bytes so generating tens of GB costs no memory.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>

#include "formats/atomic_file.h"
#include "formats/error.h"

namespace qkit::samples {

struct SyntheticShape {
  std::uint64_t layers = 0, hidden = 0, tensors = 0, bytes = 0;
};

// Streams n pseudo-random bytes (never constant) to sink in 1 MiB chunks.
Status fill_pseudo_random(ByteSink& sink, std::uint64_t n, std::uint64_t seed);

// ~`gib` GiB of weights in `shards` shards, 23 tensors per layer. With
// `sparse`, the int8 weights are holes (ftruncate), so tens of GB cost no
// disk and no time: headers, index and description are real.
Result<SyntheticShape> write_synthetic_checkpoint(const std::filesystem::path& dir, double gib, int shards = 10,
                                                  bool sparse = false);

}  // namespace qkit::samples
