//===- convert/quant_math.cpp --------------------------------------------===//
#include "convert/quant_math.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <limits>

#include "formats/codecs.h"
#include "formats/float_codec.h"

namespace qkit {

float round_even(float x) { return std::nearbyint(x); }    // FE_TONEAREST is the default mode
double round_even(double x) { return std::nearbyint(x); }

QuantizedWeight quantize_weight_symmetric(std::span<const float> w, std::uint64_t n, std::uint64_t k, unsigned bits,
                                          std::uint64_t group_size, Convention conv) {
  QuantizedWeight out;
  out.n = n;
  out.k = k;
  out.group_size = group_size;
  const std::uint64_t gs = group_size == 0 ? k : group_size;
  const std::uint64_t groups = k / gs;
  const float qmax = static_cast<float>((1 << (bits - 1)) - 1), qmin = -qmax - 1;
  const float divisor = conv == Convention::MsModelSlim ? qmax : (qmax - qmin) / 2.0f;  // 127 | 127.5 ; 7 | 7.5
  const float eps = std::numeric_limits<float>::epsilon();
  out.q.resize(n * k);
  out.scale.resize(n * groups);
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t g = 0; g < groups; ++g) {
      float amax = 0;
      for (std::uint64_t c = g * gs; c < (g + 1) * gs; ++c) amax = std::max(amax, std::fabs(w[r * k + c]));
      float scale = std::max(amax / divisor, eps);
      out.scale[r * groups + g] = scale;
      for (std::uint64_t c = g * gs; c < (g + 1) * gs; ++c)
        out.q[r * k + c] = static_cast<std::int8_t>(std::clamp(round_even(w[r * k + c] / scale), qmin, qmax));
    }
  return out;
}

ActivationParams activation_params(float xmin, float xmax, Convention conv) {
  ActivationParams p;
  const float eps = std::numeric_limits<float>::epsilon();
  if (conv == Convention::MsModelSlim) {
    float mn = std::min(xmin, 0.0f), mx = std::max(xmax, 0.0f);
    p.scale = std::max(mx / 255.0f - mn / 255.0f, eps);
    p.offset = round_even(-mn / p.scale) - 128.0f;
  } else {
    p.scale = std::max((xmax - xmin) / 255.0f, eps);
    p.offset = round_even(-128.0f - xmin / p.scale);
  }
  return p;
}

std::vector<float> ms_deq_scale(float input_scale, std::span<const float> weight_scale) {
  std::vector<float> out(weight_scale.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = input_scale * weight_scale[i];
  return out;
}

std::vector<std::int32_t> ms_quant_bias(const QuantizedWeight& w, float input_offset, std::span<const float> deq_scale,
                                        std::span<const float> bias) {
  std::vector<std::int32_t> out(w.n);
  for (std::uint64_t r = 0; r < w.n; ++r) {
    std::int64_t sum = 0;
    for (std::uint64_t c = 0; c < w.k; ++c) sum += w.q[r * w.k + c];
    double b = bias.empty() ? 0.0 : static_cast<double>(bias[r]);
    double v = b / static_cast<double>(deq_scale[r]) - static_cast<double>(input_offset) * static_cast<double>(sum);
    out[r] = static_cast<std::int32_t>(round_even(v));
  }
  return out;
}

std::vector<std::int32_t> gs_quant_bias(const QuantizedWeight& w, std::span<const float> input_zp, float x_scale,
                                        std::span<const float> weight_scale, bool model_is_bf16) {
  std::vector<std::int32_t> out(w.n);
  for (std::uint64_t r = 0; r < w.n; ++r) {
    std::int64_t c = 0;
    for (std::uint64_t j = 0; j < w.k; ++j) c -= static_cast<std::int64_t>(input_zp[j]) * w.q[r * w.k + j];
    double dq = static_cast<double>(x_scale) * static_cast<double>(weight_scale[r]);
    float scaled = static_cast<float>(static_cast<double>(c) * dq);
    float cast = model_is_bf16 ? bf16_to_f32(f32_to_bf16(scaled)) : f16_to_f32(f32_to_f16(scaled));
    float dq32 = x_scale * weight_scale[r];
    out[r] = static_cast<std::int32_t>(round_even(static_cast<double>(cast) / static_cast<double>(dq32)));
  }
  return out;
}

std::vector<float> ms_w4a8_scale_bias(const QuantizedWeight& w, unsigned chunks) {
  std::vector<float> out(w.n * chunks, 0.0f);
  const std::uint64_t per = w.k / chunks;
  for (std::uint64_t r = 0; r < w.n; ++r)
    for (std::uint64_t c = 0; c < w.k; ++c) {
      float s = w.scale[w.group_size == 0 ? r : r * (w.k / w.group_size) + c / w.group_size];
      out[r * chunks + std::min<std::uint64_t>(c / per, chunks - 1)] += 8.0f * static_cast<float>(w.q[r * w.k + c]) * s;
    }
  return out;
}

std::uint8_t f32_to_f8_e4m3(float x) {
  if (std::isnan(x)) return 0x7f;
  std::uint8_t sign = std::signbit(x) ? 0x80 : 0;
  float a = std::min(std::fabs(x), 448.0f);
  std::uint8_t best = 0;
  float best_err = a;
  for (std::uint8_t c = 1; c < 0x7f; ++c) {  // 0x7f is NaN
    float err = std::fabs(f8_e4m3_to_f32(c) - a);
    if (err < best_err || (err == best_err && (c & 1) == 0)) {
      best = c;
      best_err = err;
    }
  }
  return static_cast<std::uint8_t>(sign | best);
}

MxQuantized quantize_mx(std::span<const float> w, std::uint64_t n, std::uint64_t k, bool fp4) {
  MxQuantized out;
  out.n = n;
  out.k = k;
  const std::uint64_t blocks = (k + 31) / 32;
  const int emax_elem = fp4 ? 2 : 8;
  out.codes.resize(n * k);
  out.scales.resize(n * blocks);
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t b = 0; b < blocks; ++b) {
      float amax = 0;
      std::uint64_t end = std::min(k, (b + 1) * 32);
      for (std::uint64_t c = b * 32; c < end; ++c) amax = std::max(amax, std::fabs(w[r * k + c]));
      int e = amax > 0 ? static_cast<int>(std::floor(std::log2(amax))) - emax_elem : -127;
      e = std::clamp(e, -127, 127);
      out.scales[r * blocks + b] = e8m0_from_exponent(e);
      float s = std::ldexp(1.0f, e);
      for (std::uint64_t c = b * 32; c < end; ++c) {
        float v = w[r * k + c] / s;
        out.codes[r * k + c] = fp4 ? fp4_e2m1_from_float(v) : f32_to_f8_e4m3(v);
      }
    }
  return out;
}

}  // namespace qkit

// --- compressed-tensors ---------------------------------------------------------
// Sources: neuralmagic/compressed-tensors @52792be02ec0, src/compressed_tensors/
// quantization/utils/helpers.py L67-146 (calculate_qparams), L208-234
// (calculate_range); quantization/lifecycle/forward.py L455-487 (_quantize);
// quantization/quant_args.py L384-408 (round_to_quantized_type);
// compressors/quantized_compressors/pack_quantized.py L186-246 (pack_to_int32).

namespace qkit {

float round_to_dtype(float x, Dtype d) {
  if (d == Dtype::BF16) return bf16_to_f32(f32_to_bf16(x));
  if (d == Dtype::F16) return f16_to_f32(f32_to_f16(x));
  return x;
}

QuantizedWeight ct_quantize_weight_symmetric(std::span<const float> w, std::uint64_t n, std::uint64_t k, unsigned bits,
                                             std::uint64_t group_size, Dtype compute) {
  QuantizedWeight out;
  out.n = n;
  out.k = k;
  out.group_size = group_size;
  const std::uint64_t gs = group_size == 0 ? k : group_size;
  const std::uint64_t groups = (k + gs - 1) / gs;
  // calculate_range: [-2^(b-1), 2^(b-1) - 1]; the symmetric divisor is half the range.
  const float qmax = static_cast<float>((1 << (bits - 1)) - 1), qmin = -qmax - 1.0f;
  const float half_range = (qmax - qmin) / 2.0f;
  const float eps = std::numeric_limits<float>::epsilon();
  out.q.resize(n * k);
  out.scale.resize(n * groups);
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t g = 0; g < groups; ++g) {
      const std::uint64_t end = std::min(k, (g + 1) * gs);
      float mn = 0, mx = 0;  // min(x_min, 0), max(x_max, 0)
      for (std::uint64_t c = g * gs; c < end; ++c) {
        mn = std::min(mn, w[r * k + c]);
        mx = std::max(mx, w[r * k + c]);
      }
      // The observer's tensors have the weight's dtype: the quotient is rounded to it, then clamped at eps.
      const float scale = std::max(round_to_dtype(std::max(std::fabs(mn), std::fabs(mx)) / half_range, compute), eps);
      out.scale[r * groups + g] = scale;
      for (std::uint64_t c = g * gs; c < end; ++c) {
        const float scaled = round_to_dtype(w[r * k + c] / scale, compute);
        out.q[r * k + c] = static_cast<std::int8_t>(round_even(std::clamp(scaled, qmin, qmax)));
      }
    }
  return out;
}

CtFp8Weight ct_quantize_weight_fp8(std::span<const float> w, std::uint64_t n, std::uint64_t k, Dtype compute) {
  CtFp8Weight out;
  out.codes.resize(n * k);
  out.scale.resize(n);
  const float fp8_max = 448.0f;  // FP8_E4M3_DATA.max (quant_args.py L71-77); range 896, half 448
  const float eps = std::numeric_limits<float>::epsilon();
  for (std::uint64_t r = 0; r < n; ++r) {
    float amax = 0;
    for (std::uint64_t c = 0; c < k; ++c) amax = std::max(amax, std::fabs(w[r * k + c]));
    const float scale = std::max(round_to_dtype(amax / fp8_max, compute), eps);
    out.scale[r] = scale;
    for (std::uint64_t c = 0; c < k; ++c) {
      const float scaled = std::clamp(round_to_dtype(w[r * k + c] / scale, compute), -fp8_max, fp8_max);
      out.codes[r * k + c] = f32_to_f8_e4m3(scaled);
    }
  }
  return out;
}

float ct_activation_scale_symmetric(float xmin, float xmax, unsigned bits, Dtype compute) {
  const float qmax = static_cast<float>((1 << (bits - 1)) - 1), qmin = -qmax - 1.0f;
  const float amax = std::max(std::fabs(std::min(xmin, 0.0f)), std::fabs(std::max(xmax, 0.0f)));
  return std::max(round_to_dtype(amax / ((qmax - qmin) / 2.0f), compute), std::numeric_limits<float>::epsilon());
}

std::vector<std::int32_t> ct_pack_int32(std::span<const std::int8_t> q, std::uint64_t n, std::uint64_t k, unsigned bits) {
  const std::uint64_t per = 32 / bits, words = (k + per - 1) / per;
  const std::uint32_t offset = 1u << (bits - 1), mask = (1u << bits) - 1u;
  std::vector<std::int32_t> out(n * words, 0);
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t c = 0; c < k; ++c) {
      const std::uint32_t u = (static_cast<std::uint32_t>(static_cast<std::int32_t>(q[r * k + c]) + static_cast<std::int32_t>(offset))) & mask;
      auto& word = out[r * words + c / per];
      word = static_cast<std::int32_t>(static_cast<std::uint32_t>(word) | (u << (bits * (c % per))));
    }
  return out;
}

}  // namespace qkit
