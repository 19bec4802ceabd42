//===- convert/evaluate.cpp - the families' integer inference formulas ----===//
#include "convert/evaluate.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "convert/quant_math.h"
#include "formats/codecs.h"
#include "formats/float_codec.h"
#include "formats/mapped_file.h"
#include "formats/naming.h"
#include "formats/tensor_values.h"

namespace qkit::convert {
namespace {

// The runtime's cast of a float32 into the model dtype: the one rounding
// rule of convert/quant_math.h.
float cast_md(double v, Dtype md) {
  return round_to_dtype(narrow_to_float(v), md);
}

// A parameter as the runtime holds it: each value cast to the dtype the
// loader creates (the model dtype, or F32 where the loader says so).
std::vector<float> param(const Checkpoint& c, const Module& m, Role r, Dtype held) {
  std::vector<float> out;
  const TensorRef* t = m.tensor(r);
  if (t == nullptr) return out;
  for (double v : tensor_values_or_nan(c, *t, true)) out.push_back(cast_md(v, held));
  return out;
}

std::vector<double> raw(const Checkpoint& c, const Module& m, Role r) {
  const TensorRef* t = m.tensor(r);
  return t ? tensor_values_or_nan(c, *t, true) : std::vector<double>{};
}

// The integer weights q[n, k], a row at a time: int8 rows are read in place,
// packed int4 rows are decoded into the caller's buffer (never the whole
// tensor: memory stays one row per thread).
struct Weights {
  const std::int8_t* base = nullptr;
  std::optional<Int4Layout> layout;  // packed int4, else one int8 value per byte
  unsigned ct_bits = 0;              // compressed-tensors pack-quantized (4 or 8 bits), else 0
  std::uint64_t n = 0, k = 0;
  const std::int8_t* row(std::uint64_t r, std::vector<std::int8_t>& buf) const {
    if (ct_bits) {
      buf.resize(k);
      for (std::uint64_t c = 0; c < k; ++c) buf[c] = ct_packed_get(reinterpret_cast<const std::byte*>(base), ct_bits, k, r, c);
      return buf.data();
    }
    if (!layout) return base + r * k;
    buf.resize(k);
    for (std::uint64_t c = 0; c < k; ++c) buf[c] = int4_get(base, *layout, n, k, r, c);
    return buf.data();
  }
};

std::optional<Weights> int_weights(const Checkpoint& c, const Module& m, std::uint64_t n, std::uint64_t k) {
  const TensorRef* w = m.tensor(Role::Weight);
  if (w == nullptr || !c.shard_of(*w).file) return std::nullopt;
  auto bytes = c.data(*w);
  Weights out;
  out.base = reinterpret_cast<const std::int8_t*>(bytes.data());
  out.n = n;
  out.k = k;
  const Scheme* s = m.scheme();
  if (w->info->dtype == Dtype::I32 && s && s->family == Family::CompressedTensors) {
    out.ct_bits = quant_type_info(s->type).weight_bits;
    if ((out.ct_bits != 4 && out.ct_bits != 8) || bytes.size() != n * ct_packed_words(k, out.ct_bits) * 4) return std::nullopt;
    return out;
  }
  if (w->info->dtype != Dtype::I8) return std::nullopt;
  if (s && s->int4_layout && w->info->shape == int4_packed_shape(*s->int4_layout, n, k)) out.layout = s->int4_layout;
  else if (w->info->element_count() != n * k) return std::nullopt;
  return out;
}

}  // namespace

bool can_evaluate(const Checkpoint& c, const Module& m, std::string* why) {
  auto no = [&](std::string w) {
    if (why) *why = std::move(w);
    return false;
  };
  if (m.scope != QuantScope::Linear) return no("attention quantization is not a linear layer");
  if (!m.type || !m.match || !m.match->scheme || !m.match->vars.n || !m.match->vars.k) return no("no scheme bound");
  if (!m.match->ok()) return no("does not match its scheme");
  if (m.match->vars.E) return no("stacked experts are not modelled");
  if (m.match->scheme->is(SchemeId::MsW4A8DynamicTwoStage)) return no("two-stage W4A8 is not modelled");
  if (!c.model_dtype()) return no("unknown model dtype");
  switch (m.type->type) {
    case QuantType::W8A8:
    case QuantType::W8A8_MIX:
    case QuantType::W8A8_DYNAMIC:
    case QuantType::W4A8_DYNAMIC:
    case QuantType::W8A16:
    case QuantType::W4A16:
      return true;
    default:
      return no(std::string(quant_type_name(m.type->type)) + " is not modelled");
  }
}

namespace {

// ThreadSanitizer instruments the clones' ifunc resolver, which the dynamic
// loader runs before the TSan runtime is up (a crash at start-up): a TSan
// build keeps the one default version.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QKIT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(QKIT_TSAN)
#define QKIT_AVX2_CLONES
#else
#define QKIT_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#endif

// int8 . int8 over k, accumulated in int32 (|sum| <= k * 128 * 128 fits for
// k < 131072), written so the compiler vectorizes it; cloned for AVX2
// where the CPU has it (the result is the same integer).
QKIT_AVX2_CLONES
std::int32_t dot_i8_short(const std::int8_t* a, const std::int8_t* b, std::uint64_t k) {
  std::int32_t acc = 0;
  for (std::uint64_t j = 0; j < k; ++j) acc += static_cast<std::int32_t>(a[j]) * static_cast<std::int32_t>(b[j]);
  return acc;
}

// Any k: int32 blocks of 65536 (no overflow), summed in int64.
std::int64_t dot_i8_any(const std::int8_t* a, const std::int8_t* b, std::uint64_t k) {
  std::int64_t acc = 0;
  for (std::uint64_t j = 0; j < k; j += 65536) acc += dot_i8_short(a + j, b + j, std::min<std::uint64_t>(65536, k - j));
  return acc;
}

// float . float over k in a fixed order (four partial sums in double):
// deterministic, so equal weights give equal results in both checkpoints.
QKIT_AVX2_CLONES
double dot_f(const float* a, const float* b, std::uint64_t k) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::uint64_t j = 0;
  for (; j + 4 <= k; j += 4) {
    s0 += static_cast<double>(a[j]) * b[j];
    s1 += static_cast<double>(a[j + 1]) * b[j + 1];
    s2 += static_cast<double>(a[j + 2]) * b[j + 2];
    s3 += static_cast<double>(a[j + 3]) * b[j + 3];
  }
  for (; j < k; ++j) s0 += static_cast<double>(a[j]) * b[j];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace

std::vector<std::vector<float>> evaluate_linear(const Checkpoint& c, const Module& m,
                                                std::span<const std::vector<float>> inputs) {
  const Dtype md = *c.model_dtype();
  const std::uint64_t n = *m.match->vars.n;
  const auto mk = module_k(c, m);  // compressed-tensors: weight_shape's k, not the padded words'
  if (!mk) return {};
  const std::uint64_t k = *mk;
  const bool gs = m.match->scheme->family == Family::GoldenStick;
  auto w = int_weights(c, m, n, k);
  if (!w) return {};
  for (const auto& h : inputs)
    if (h.size() != k) return {};
  const std::size_t T = inputs.size();
  // The inputs as the layer receives them: through its norm's gamma.
  std::vector<std::vector<float>> xs(inputs.begin(), inputs.end());
  if (auto norm = feeding_norm_weight(m.prefix))
    if (const TensorRef* g = c.find(*norm)) {
      auto gamma = tensor_values_or_nan(c, *g, false);
      if (gamma.size() == k)
        for (auto& x : xs)
          for (std::uint64_t j = 0; j < k; ++j) x[j] = cast_md(static_cast<double>(x[j]) * static_cast<float>(gamma[j]), md);
    }
  std::vector<float> bias = param(c, m, Role::Bias, md);
  std::vector<std::vector<float>> ys(T, std::vector<float>(n, 0.0f));
  std::vector<std::int8_t> rowbuf;
  switch (m.type->type) {
    case QuantType::W8A8: {
      if (m.match->scheme->family == Family::CompressedTensors) {
        // compressed-tensors as upstream vLLM computes it, with s_x, s_w
        // F32 parameters (CompressedTensorsW8A8Int8.create_weights;
        // docs/research/compressed-tensors.md §8-9): activations
        // x_q = sat8(rn(x * (1/s_x)) + z) in float32
        // (static_scaled_int8_azp_quant), and the epilogue's order
        // (ScaledEpilogueBiasAzp, vllm-project/vllm csrc/cutlass_extensions/
        // epilogue/scaled_mm_epilogues_c2x.hpp@1aaa628fde50): t = float(acc - z*sum_k Wq),
        // t = s_w * t, y = fma(s_x, t, b), each step rounded to float32.
        auto s = param(c, m, Role::InputScale, Dtype::F32), ws = param(c, m, Role::WeightScale, Dtype::F32);
        auto zt = raw(c, m, Role::InputOffset);
        if (s.size() != 1 || (ws.size() != n && ws.size() != 1) || zt.size() > 1) return {};
        const double z = zt.empty() ? 0.0 : zt[0];
        if (z != std::nearbyint(z) || z < -128 || z > 127) return {};
        std::vector<std::vector<std::int8_t>> qx(T, std::vector<std::int8_t>(k));
        const float inv = 1.0f / s[0];
        for (std::size_t t = 0; t < T; ++t)
          for (std::uint64_t j = 0; j < k; ++j)
            qx[t][j] = static_cast<std::int8_t>(std::clamp(round_even(xs[t][j] * inv) + static_cast<float>(z), -128.0f, 127.0f));
        for (std::uint64_t r = 0; r < n; ++r) {
          const std::int8_t* qr = w->row(r, rowbuf);
          std::int64_t rowsum = 0;
          for (std::uint64_t j = 0; j < k; ++j) rowsum += qr[j];
          const float sw = ws[ws.size() == 1 ? 0 : r];
          for (std::size_t t = 0; t < T; ++t) {
            const std::int64_t acc = dot_i8_any(qx[t].data(), qr, k) - static_cast<std::int64_t>(z) * rowsum;
            const float scaled = sw * static_cast<float>(acc);
            const float v = std::fma(s[0], scaled, bias.empty() ? 0.0f : bias[r]);
            ys[t][r] = cast_md(v, md);
          }
        }
        break;
      }
      // msModelSlim folds the float bias into quant_bias, Golden-Stick adds
      // it after dequantization.
      auto s = param(c, m, Role::InputScale, md);
      auto o = raw(c, m, Role::InputOffset);
      auto deq = raw(c, m, Role::DeqScale), qb = raw(c, m, Role::QuantBias);
      if (s.empty() || o.empty() || deq.size() != n || qb.size() != n) return {};
      const bool reciprocal = m.match->scheme->is(SchemeId::GsW8A8Plain);
      std::vector<std::vector<std::int8_t>> qx(T, std::vector<std::int8_t>(k));
      for (std::size_t t = 0; t < T; ++t)
        for (std::uint64_t j = 0; j < k; ++j) {
          const float sj = s.size() == 1 ? s[0] : s[j];
          const float oj = static_cast<float>(o.size() == 1 ? o[0] : o[j]);
          const float v = reciprocal ? xs[t][j] * sj + oj : xs[t][j] / sj + oj;
          qx[t][j] = static_cast<std::int8_t>(std::clamp(round_even(v), -128.0f, 127.0f));
        }
      for (std::uint64_t r = 0; r < n; ++r) {
        const std::int8_t* qr = w->row(r, rowbuf);
        for (std::size_t t = 0; t < T; ++t) {
          const std::int64_t acc = dot_i8_any(qx[t].data(), qr, k);
          float v = static_cast<float>(static_cast<double>(acc) + qb[r]) * static_cast<float>(deq[r]);
          if (gs && !bias.empty()) v += bias[r];
          ys[t][r] = cast_md(v, md);
        }
      }
      break;
    }
    case QuantType::W8A8_MIX:  // every deployment but PD-disaggregated decode runs its per-token path
                               // (vllm-ascend w8a8_pdmix.py@182b75ea84ff L79-83)
    case QuantType::W8A8_DYNAMIC:
    case QuantType::W4A8_DYNAMIC: {
      // vllm-ascend creates W4A8 scales as F32 parameters, the rest in the
      // model dtype (docs/research/va-params.md).
      const Dtype held = !gs && m.type->type == QuantType::W4A8_DYNAMIC ? Dtype::F32 : md;
      auto ws = param(c, m, Role::WeightScale, held);
      if (ws.size() != n) return {};
      std::vector<std::vector<std::int8_t>> qx(T, std::vector<std::int8_t>(k, 0));
      std::vector<float> st(T, 0.0f);
      for (std::size_t t = 0; t < T; ++t) {
        float amax = 0;
        for (float v : xs[t]) amax = std::max(amax, std::fabs(v));
        st[t] = amax / 127.0f;
        if (st[t] > 0)
          for (std::uint64_t j = 0; j < k; ++j)
            qx[t][j] = static_cast<std::int8_t>(std::clamp(round_even(xs[t][j] / st[t]), -127.0f, 127.0f));
      }
      for (std::uint64_t r = 0; r < n; ++r) {
        const std::int8_t* qr = w->row(r, rowbuf);
        for (std::size_t t = 0; t < T; ++t) {
          const std::int64_t acc = dot_i8_any(qx[t].data(), qr, k);
          float v = static_cast<float>(acc) * st[t] * ws[r];
          if (!bias.empty()) v += bias[r];
          ys[t][r] = cast_md(v, md);
        }
      }
      break;
    }
    default: {  // weight-only: W = cast_md((q - offset) * scale) per (row, group)
      const TensorRef* wst = m.tensor(Role::WeightScale);
      auto ws = param(c, m, Role::WeightScale, md), wo = param(c, m, Role::WeightOffset, md);
      // compressed-tensors stores no zero point for symmetric weights, and
      // packs those of asymmetric ones along n (I32) or keeps them I8.
      if (m.match->scheme->family == Family::CompressedTensors) {
        const TensorRef* zp = m.tensor(Role::WeightOffset);
        if (!zp) wo.assign(ws.size(), 0.0f);
        else if (zp->info->dtype == Dtype::I32) {  // packed along n (formats/codecs.h)
          const unsigned bits = quant_type_info(m.type->type).weight_bits;
          const std::uint64_t G = ws.size() / n;
          if (bits == 0 || ws.size() % n != 0 || zp->info->nbytes() != ct_packed_words(n, bits) * G * 4 || !c.shard_of(*zp).file) return {};
          const std::byte* data = c.data(*zp).data();
          wo.assign(ws.size(), 0.0f);
          for (std::uint64_t r = 0; r < n; ++r)
            for (std::uint64_t g = 0; g < G; ++g) wo[r * G + g] = ct_packed_n_get(data, bits, G, r, g);
        }
      }
      if (ws.empty() || ws.size() % n != 0 || wo.size() != ws.size()) return {};
      const std::uint64_t G = ws.size() / n;
      if (k % G != 0) return {};
      const bool transposed = gs && wst->info->shape.size() == 2;  // Golden-Stick [G, n]
      std::vector<float> row(k);
      for (std::uint64_t r = 0; r < n; ++r) {
        const std::int8_t* qr = w->row(r, rowbuf);
        for (std::uint64_t j = 0; j < k; ++j) {
          const std::uint64_t g = j / (k / G), idx = transposed ? g * n + r : r * G + g;
          row[j] = cast_md((static_cast<double>(qr[j]) - wo[idx]) * ws[idx], md);
        }
        for (std::size_t t = 0; t < T; ++t) {
          float v = static_cast<float>(dot_f(xs[t].data(), row.data(), k));
          if (!bias.empty()) v += bias[r];
          ys[t][r] = cast_md(v, md);
        }
      }
    }
  }
  return ys;
}

std::vector<LayerDifference> verify_conversion(const Checkpoint& src, const Checkpoint& dst,
                                               const std::vector<std::string>& lossy_prefixes, const VerifyOptions& o) {
  std::map<std::string, const Module*> dst_modules;
  for (const Module& m : dst.modules())
    if (m.scope == QuantScope::Linear) dst_modules[std::string(m.prefix)] = &m;
  std::vector<const Module*> todo;
  for (const Module& m : src.modules())
    if (m.scope == QuantScope::Linear && m.type && m.type->type != QuantType::FLOAT) todo.push_back(&m);
  std::vector<LayerDifference> rows(todo.size());
  const Dtype md = src.model_dtype().value_or(Dtype::BF16);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < todo.size();) {
      const Module& m = *todo[i];
      LayerDifference& row = rows[i];
      row.prefix = m.prefix;
      row.kind = m.tag + " " + std::string(layer_map_column(parse_module_name(m.prefix)));
      row.exact_expected = std::find(lossy_prefixes.begin(), lossy_prefixes.end(), m.prefix) == lossy_prefixes.end();
      auto it = dst_modules.find(std::string(m.prefix));
      std::string why;
      const bool src_ok = can_evaluate(src, m, &why);
      if (it == dst_modules.end()) {
        row.evaluated = false;
        row.result_unreadable = src_ok;
        row.note = "not in the result";
        continue;
      }
      if (!src_ok) {
        row.evaluated = false;
        row.note = why;
        continue;
      }
      if (!can_evaluate(dst, *it->second, &why)) {
        row.evaluated = false;
        row.result_unreadable = true;
        row.note = "the result's layer: " + why;
        continue;
      }
      const std::uint64_t k = module_k(src, m).value_or(*m.match->vars.k);
      // Inputs depend on the module and the seed only, not on thread order.
      std::seed_seq seq{o.seed, static_cast<std::uint32_t>(std::hash<std::string>{}(std::string(m.prefix)))};
      std::mt19937 rng(seq);
      // Inputs inside the range the layer was calibrated for where it has
      // static activation scales (|x / input_scale| up to 100 of 127, the
      // norm's gamma undone), else in [-2, 2]: random values far outside a
      // calibrated range saturate the quantizer in one checkpoint and not
      // the other, which measures nothing real.
      std::vector<double> range(k, 2.0);
      if (const TensorRef* in = m.tensor(Role::InputScale)) {
        auto sv = tensor_values_or_nan(src, *in, true);
        const bool reciprocal = m.match->scheme->is(SchemeId::GsW8A8Plain);
        std::vector<double> gamma;
        if (auto norm = feeding_norm_weight(m.prefix))
          if (const TensorRef* g = src.find(*norm)) gamma = tensor_values_or_nan(src, *g, false);
        if (!sv.empty())
          for (std::uint64_t j = 0; j < k; ++j) {
            const double sj = sv.size() == 1 ? sv[0] : sv[j];
            double rj = 100.0 * (reciprocal ? (sj != 0 ? 1.0 / std::fabs(sj) : 0.0) : std::fabs(sj));
            if (gamma.size() == k && gamma[j] != 0) rj /= std::fabs(gamma[j]);
            if (std::isfinite(rj) && rj > 0) range[j] = rj;
          }
      }
      std::uniform_real_distribution<double> dist(-1.0, 1.0);
      std::vector<std::vector<float>> hs(std::max(1u, o.trials), std::vector<float>(k));
      for (auto& h : hs)
        for (std::uint64_t j = 0; j < k; ++j) h[j] = cast_md(dist(rng) * range[j], md);
      std::vector<std::vector<float>> hd = hs;  // the result's inputs
      const std::vector<double>* in_mult = nullptr;
      const std::vector<double>* out_mult = nullptr;
      if (o.input_multiplier)
        if (auto f = o.input_multiplier->find(std::string(m.prefix)); f != o.input_multiplier->end() && f->second.size() == k)
          in_mult = &f->second;
      if (o.output_multiplier)
        if (auto f = o.output_multiplier->find(std::string(m.prefix)); f != o.output_multiplier->end()) out_mult = &f->second;
      if (in_mult)
        for (auto& h : hd)
          for (std::uint64_t j = 0; j < k; ++j) h[j] = cast_md(static_cast<double>(h[j]) * (*in_mult)[j], md);
      std::vector<std::vector<float>> as, bs;
      auto st = guard_mapped_reads(src.root().string(), [&]() -> Status {
        as = evaluate_linear(src, m, hs);
        bs = evaluate_linear(dst, *it->second, hd);
        return ok_status();
      });
      // Memory stays bounded whatever the checkpoint size: the weight pages
      // just read are given back, as the converter does.
      for (const auto& [ck, mod] : {std::pair{&src, &m}, std::pair{&dst, it->second}})
        if (const TensorRef* w = mod->tensor(Role::Weight); w && ck->shard_of(*w).file) {
          const SafetensorsFile& f = *ck->shard_of(*w).file;
          const std::uint64_t base = f.file_offset(*w->info);
          f.mapping().advise_done(base, base + w->info->nbytes());
        }
      if (out_mult)
        for (auto& b : bs)
          if (b.size() == out_mult->size())
            for (std::size_t r = 0; r < b.size(); ++r)
              b[r] = static_cast<float>(static_cast<double>(b[r]) / (*out_mult)[r]);
      if (!st || as.size() != hs.size() || bs.size() != hs.size()) {
        row.evaluated = false;
        row.result_unreadable = as.size() == hs.size();
        row.note = st ? "could not evaluate" : st.error().to_string();
        continue;
      }
      for (std::size_t t = 0; t < hs.size(); ++t) {
        const std::vector<float>& a = as[t];
        const std::vector<float>& b = bs[t];
        if (a.size() != b.size()) {
          row.evaluated = false;
          row.note = "different output sizes";
          break;
        }
        // Relative to the layer's largest output for this input: outputs
        // near zero would make an element-wise ratio meaningless.
        double amax = 0;
        for (float v : a) amax = std::max(amax, static_cast<double>(std::fabs(v)));
        for (std::size_t r = 0; r < a.size(); ++r) {
          if (a[r] == b[r] || (std::isnan(a[r]) && std::isnan(b[r]))) continue;
          const double d = std::fabs(static_cast<double>(a[r]) - b[r]);
          row.max_abs = std::max(row.max_abs, std::isnan(d) ? INFINITY : d);
          row.max_rel = std::max(row.max_rel, amax > 0 && !std::isnan(d) ? d / amax : INFINITY);
        }
      }
    }
  };
  unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  return rows;
}

bool verify_passed(const std::vector<LayerDifference>& rows) {
  for (const LayerDifference& r : rows) {
    if (r.evaluated && r.exact_expected && (r.max_abs > 0 || r.max_rel > 0)) return false;
    if (r.result_unreadable && r.exact_expected) return false;  // the source computes, the result cannot
  }
  return true;
}

std::string render_verify(const std::vector<LayerDifference>& rows) {
  struct Agg {
    std::size_t layers = 0, differing = 0;
    double max_abs = 0, max_rel = 0;
    bool exact = true;
  };
  std::map<std::string, Agg> by_kind;
  std::size_t skipped = 0;
  for (const LayerDifference& r : rows) {
    if (!r.evaluated) {
      ++skipped;
      continue;
    }
    Agg& a = by_kind[r.kind];
    ++a.layers;
    a.exact &= r.exact_expected;
    if (r.max_abs > 0 || r.max_rel > 0) ++a.differing;
    a.max_abs = std::max(a.max_abs, r.max_abs);
    a.max_rel = std::max(a.max_rel, r.max_rel);
  }
  std::ostringstream o;
  o << "verify: every linear layer evaluated in source and result on the same random inputs\n";
  std::size_t w = 4;
  for (const auto& [k, a] : by_kind) w = std::max(w, k.size());
  for (const auto& [k, a] : by_kind) {
    o << "  " << k << std::string(w - k.size(), ' ') << "  " << a.layers << " layers  max |dy| " << a.max_abs
      << "  max |dy|/max|y| " << a.max_rel << (a.exact ? "  (exact: must be 0)" : "  (lossy: bound in the plan)") << "\n";
  }
  for (const LayerDifference& r : rows) {
    if (r.evaluated && r.exact_expected && (r.max_abs > 0 || r.max_rel > 0))
      o << "  DIFFERS: " << r.prefix << " (planned exact): max |dy| " << r.max_abs << "\n";
    if (r.result_unreadable)
      o << "  CANNOT EVALUATE THE RESULT: " << r.prefix << ": " << r.note << "\n";
  }
  if (skipped) {
    o << "  not evaluated: " << skipped << " layers";
    for (const LayerDifference& r : rows)
      if (!r.evaluated) {
        o << " (e.g. " << r.prefix << ": " << r.note << ")";
        break;
      }
    o << "\n";
  }
  o << (verify_passed(rows) ? "verify: PASS\n" : "verify: FAIL\n");
  return o.str();
}

}  // namespace qkit::convert
