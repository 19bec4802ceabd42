//===- convert/quant_math.h - the producers' quantization formulas -------===//
//
// Exactly the arithmetic msModelSlim and Golden-Stick use to make their
// tensors, so that samples generated here look like theirs and so that the
// converter can re-express one family's parameters in the other's:
//
//   msModelSlim (int_quantization.py): symmetric scale = amax / (2^(b-1)-1)
//     (int8: amax/127, int4: amax/7); asymmetric activations over a range
//     widened to include 0: scale = (max - min) / 255,
//     offset = round(-min/scale) - 128; q = clamp(round(x/scale + offset)).
//   Golden-Stick (basic_quant_func.py): symmetric scale = 2*amax/(qmax-qmin)
//     (int8: 2*amax/255, int4: 2*amax/15); asymmetric over the raw range,
//     zp = round(qmin - min/scale).
//
// Rounding is to nearest, ties to even (torch.round / numpy.round).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace qkit {

enum class Convention : std::uint8_t { MsModelSlim, GoldenStick };

// Round to nearest, ties to even.
float round_even(float x);
double round_even(double x);

struct QuantizedWeight {
  std::uint64_t n = 0, k = 0, group_size = 0;  // group_size 0: per output channel
  std::vector<std::int8_t> q;                   // row-major [n, k]
  std::vector<float> scale;                     // [n] or [n, k/group_size] (row-major)
};

// Symmetric integer quantization of W [n, k] (row-major), per output channel
// or per group of `group_size` consecutive inputs. bits is 8 or 4.
QuantizedWeight quantize_weight_symmetric(std::span<const float> w, std::uint64_t n, std::uint64_t k, unsigned bits,
                                          std::uint64_t group_size, Convention conv);

struct ActivationParams {
  float scale = 1;   // x ~ (q - offset) * scale
  float offset = 0;  // integral, in [-128, 127] for msModelSlim
};

// Per-tensor asymmetric int8 parameters for activations in [xmin, xmax].
ActivationParams activation_params(float xmin, float xmax, Convention conv);

// msModelSlim W8A8: deq_scale[n] = f32(input_scale) * f32(weight_scale[n]).
std::vector<float> ms_deq_scale(float input_scale, std::span<const float> weight_scale);
// msModelSlim W8A8: quant_bias[n] = round(bias[n]/deq_scale[n] - input_offset * sum_k q[n,k]).
std::vector<std::int32_t> ms_quant_bias(const QuantizedWeight& w, float input_offset, std::span<const float> deq_scale,
                                        std::span<const float> bias);
// Golden-Stick W8A8: c[n] = -sum_k zp[k]*q[n,k], then the precision-aligned
// round(cast_md(c * x_scale * w_scale[n]) / f32(x_scale * w_scale[n])), the
// cast being to bf16 (model_is_bf16) or fp16.
std::vector<std::int32_t> gs_quant_bias(const QuantizedWeight& w, std::span<const float> input_zp, float x_scale,
                                        std::span<const float> weight_scale, bool model_is_bf16);

// msModelSlim W4A8 scale_bias: 8 * sum_k(q*scale) per output row, in one
// chunk (column-parallel layers) or 16 chunks of k (row-parallel layers).
std::vector<float> ms_w4a8_scale_bias(const QuantizedWeight& w, unsigned chunks);

// FP8 E4M3 (OCP "fn") nearest encoding, saturating at +-448.
std::uint8_t f32_to_f8_e4m3(float x);

struct MxQuantized {
  std::uint64_t n = 0, k = 0;
  std::vector<std::uint8_t> codes;   // [n, k]: FP4 E2M1 codes or FP8 E4M3 bytes
  std::vector<std::uint8_t> scales;  // [n, ceil(k/32)] E8M0 bytes
};
// MX block quantization along k (blocks of 32): shared exponent
// floor(log2(amax)) - emax_elem (2 for FP4 E2M1, 8 for FP8 E4M3).
MxQuantized quantize_mx(std::span<const float> w, std::uint64_t n, std::uint64_t k, bool fp4);

}  // namespace qkit
