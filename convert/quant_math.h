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

#include "formats/dtype.h"

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

// --- compressed-tensors (neuralmagic/compressed-tensors @52792be02ec0) -------
//
// The arithmetic LLM-Compressor runs through compressed-tensors when it
// saves a checkpoint, for the samples and for a converter that writes this
// layout:
//   calculate_qparams (quantization/utils/helpers.py L67-146): the range is
//     widened to include 0 (L87-88); symmetric scale = max(|min|, |max|) /
//     ((qmax - qmin) / 2) (L100-110: int8 /127.5, int4 /7.5, fp8 /448),
//     clamped below at fp32 eps (L122); asymmetric scale = (max - min) /
//     (qmax - qmin) (L131-132), zero point round(clamp(qmin - min/scale))
//     (L133-139). qmin/qmax: calculate_range (L208-234): int b bits
//     [-2^(b-1), 2^(b-1)-1], fp8 +-448.
//   _quantize (quantization/lifecycle/forward.py L455-487): x/scale (+ zero
//     point), clamped to [qmin, qmax] first, then round_to_quantized_type
//     (quant_args.py L384-408: torch.round, ties to even, for int; a cast to
//     float8_e4m3fn for fp8).
// The scale is a parameter of the weight's dtype (lifecycle/initialize.py
// L251-273) and torch computes a bf16/fp16 tensor op in fp32 and rounds the
// result to the tensor's dtype, so `compute` is that dtype: the scale and
// x/scale are rounded to it (F32: no rounding).

// The value a float tensor of dtype d holds for x (BF16/F16 round to nearest
// even; other dtypes: x).
float round_to_dtype(float x, Dtype d);

// Symmetric int weight quantization [n, k] per output channel (group_size
// 0: scale [n]) or per group of group_size along k (scale [n, k/group_size]).
// Values may reach qmin (-128 / -8): -amax/scale rounds to -127.5 -> -128.
QuantizedWeight ct_quantize_weight_symmetric(std::span<const float> w, std::uint64_t n, std::uint64_t k, unsigned bits,
                                             std::uint64_t group_size, Dtype compute);

// Symmetric FP8 E4M3 weight quantization per output channel: codes [n, k]
// (E4M3 bytes) and scale [n] = amax / 448.
struct CtFp8Weight {
  std::vector<std::uint8_t> codes;
  std::vector<float> scale;
};
CtFp8Weight ct_quantize_weight_fp8(std::span<const float> w, std::uint64_t n, std::uint64_t k, Dtype compute);

// Static per-tensor int activation scale from a calibration range
// [xmin, xmax], symmetric (zero point 0).
float ct_activation_scale_symmetric(float xmin, float xmax, unsigned bits, Dtype compute);

// pack_to_int32 (compressors/quantized_compressors/pack_quantized.py
// L186-246), packed along k (packed_dim 1): each value + 2^(bits-1) as
// unsigned, 32/bits values per word, the first in the lowest bits, the last
// word of a row padded with 0 bits. q is row-major [n, k]; the result
// [n, ceil(k / (32/bits))].
std::vector<std::int32_t> ct_pack_int32(std::span<const std::int8_t> q, std::uint64_t n, std::uint64_t k, unsigned bits);

}  // namespace qkit
