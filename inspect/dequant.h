//===- inspect/dequant.h - a quantized linear's float weights, row by row -===//
//
// Reconstructs W[n, k] as each family defines it — (q - offset) * scale, per
// output channel or per group, for int8, packed or unpacked int4, FP8 and MX
// layouts — a block of rows at a time, so comparing two multi-GB checkpoints
// keeps memory bounded. Smoothing factors are not undone: the result is the
// weight the integer kernel multiplies with.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "formats/checkpoint.h"

namespace qkit::inspect {

class WeightDequantizer {
 public:
  // Errors when the module's layout is not one qkit can dequantize.
  static Result<WeightDequantizer> create(const Checkpoint& c, const Module& m);

  std::uint64_t rows() const { return n_; }
  std::uint64_t cols() const { return k_; }
  // Rows [r0, r1) into out (resized to (r1 - r0) * k).
  Status read_rows(std::uint64_t r0, std::uint64_t r1, std::vector<float>& out) const;

 private:
  enum class Kind { Int8, Int4, Fp8, MxFp8, MxFp4, CtPacked };  // CtPacked: compressed-tensors weight_packed
  unsigned ct_bits_ = 0;
  const Checkpoint* c_ = nullptr;
  const TensorRef* weight_ = nullptr;
  Kind kind_ = Kind::Int8;
  std::optional<Int4Layout> layout_;  // Int4: packed layout (none: unpacked)
  std::uint64_t n_ = 0, k_ = 0, groups_ = 1;
  bool scale_transposed_ = false;     // Golden-Stick [G, n]
  std::vector<float> scale_, offset_;  // per (row, group) after orientation
  std::vector<std::uint8_t> mx_scale_;
  std::vector<std::int8_t> unpacked_;  // TransposedPackedN: unpacked on create (int4 is small)
};

}  // namespace qkit::inspect
