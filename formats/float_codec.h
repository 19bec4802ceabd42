//===- formats/float_codec.h - bit-exact float conversions ---------------===//
//
// bf16 and fp16 <-> fp32, with round-to-nearest-even on narrowing, NaN kept
// NaN. These are the conversions the quantization tools perform (torch's
// .to(dtype)), so values written by qkit match theirs bit for bit.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <optional>

namespace qkit {

inline float bf16_to_f32(std::uint16_t h) { return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16); }

inline std::uint16_t f32_to_bf16(float f) {
  std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x0040u);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

float f16_to_f32(std::uint16_t h);

// double -> float without undefined behaviour: values beyond float's range
// become +-infinity (as IEEE rounding would), NaN stays NaN. Values read
// from untrusted tensors go through this, never through a bare cast.
inline float narrow_to_float(double v) {
  constexpr double kMax = 3.4028234663852886e38;
  if (v > kMax) return std::numeric_limits<float>::infinity();
  if (v < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(v);
}

// double -> integer when it is an integer in [lo, hi]; nullopt otherwise.
inline std::optional<std::int64_t> to_integer(double v, double lo, double hi) {
  if (!(v >= lo && v <= hi) || v != static_cast<double>(static_cast<std::int64_t>(v))) return std::nullopt;
  return static_cast<std::int64_t>(v);
}
std::uint16_t f32_to_f16(float f);

}  // namespace qkit
