//===- samples/catalog.cpp - quantize toy models the way each tool does --===//
#include "samples/catalog.h"

#include "formats/naming.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <list>
#include <functional>
#include <map>

#include "convert/quant_math.h"
#include "formats/checkpoint_writer.h"
#include "formats/codecs.h"
#include "formats/float_codec.h"

namespace qkit::samples {
namespace {

namespace fs = std::filesystem;
using Shape = std::vector<std::uint64_t>;
using Bytes = std::vector<std::byte>;

// --- encoding helpers ------------------------------------------------------

template <class T>
Bytes raw(const std::vector<T>& v) {
  Bytes b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

Bytes enc_float(const std::vector<float>& v, Dtype d) {
  if (d == Dtype::F32) return raw(v);
  std::vector<std::uint16_t> h(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) h[i] = d == Dtype::BF16 ? f32_to_bf16(v[i]) : f32_to_f16(v[i]);
  return raw(h);
}

// The float value a tensor of dtype d actually holds after the cast.
float cast_to(float x, Dtype d) {
  if (d == Dtype::BF16) return bf16_to_f32(f32_to_bf16(x));
  if (d == Dtype::F16) return f16_to_f32(f32_to_f16(x));
  return x;
}

// deq_scale in the model-dtype-dependent form both families use.
std::pair<Dtype, Bytes> enc_deq(const std::vector<float>& deq, Dtype model) {
  if (model == Dtype::BF16) return {Dtype::F32, raw(deq)};
  std::vector<std::int64_t> v(deq.size());
  for (std::size_t i = 0; i < deq.size(); ++i) v[i] = deq_scale_to_i64(deq[i]);
  return {Dtype::I64, raw(v)};
}

std::vector<float> transpose(const std::vector<float>& m, std::uint64_t rows, std::uint64_t cols) {
  std::vector<float> t(m.size());
  for (std::uint64_t r = 0; r < rows; ++r)
    for (std::uint64_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  return t;
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

// --- which input a linear reads -----------------------------------------------

// q/k/v read the same normed hidden state, gate/up the same MLP input: the
// members of such a group share activation parameters (and smoothing).
struct InputGroup {
  std::string key;   // "<module parent>#<group>"
  int layer = 0;
  std::string kind;  // attn_in, attn_out, mlp_in, mlp_out
};

InputGroup input_group(const std::string& prefix) {
  InputGroup g;
  auto dot = prefix.rfind('.');
  std::string parent = prefix.substr(0, dot), proj = prefix.substr(dot + 1);
  g.kind = proj == "q_proj" || proj == "k_proj" || proj == "v_proj" ? "attn_in"
           : proj == "o_proj"                                       ? "attn_out"
           : proj == "down_proj"                                    ? "mlp_out"
                                                                    : "mlp_in";
  g.key = parent + "#" + g.kind;
  if (auto l = parse_module_name(prefix).layer) g.layer = static_cast<int>(*l);
  return g;
}

// Calibration range of a group's input (deterministic stand-in for a
// calibration run).
std::pair<float, float> activation_range(const InputGroup& g) {
  float l = static_cast<float>(g.layer);
  if (g.kind == "attn_in") return {-2.5f - 0.3f * l, 2.0f + 0.2f * l};
  if (g.kind == "attn_out") return {-1.2f, 1.4f};
  if (g.kind == "mlp_in") return {-3.0f, 2.6f};
  return {-4.0f - 0.5f * l, 3.5f};
}

// Per-input-channel activation magnitudes (for SmoothQuant).
std::vector<float> channel_amax(const InputGroup& g, std::uint64_t k) {
  std::vector<float> a(k);
  std::uint64_t x = fnv1a(g.key);
  for (auto& v : a) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    v = 0.3f + 2.5f * static_cast<float>(x >> 40) / static_cast<float>(1ull << 24);
  }
  return a;
}

// --- the builder --------------------------------------------------------------

class Builder {
 public:
  explicit Builder(const SampleSpec& s)
      : spec_(s), family_(layout_family(s.layout).value_or(Family::MsModelSlim)), md_(s.model.dtype) {}

  CheckpointContent build();
  std::list<Bytes> take_storage() { return std::move(storage_); }

 private:
  void emit(const std::string& name, Dtype d, Shape shape, Bytes bytes, const std::string& tag, bool int4 = false) {
    storage_.push_back(std::move(bytes));
    const Bytes& b = storage_.back();
    content_.tensors.push_back(OutputTensor{TensorSource{name, d, std::move(shape), std::span<const std::byte>(b), {}},
                                            tag, int4});
  }
  void emit_float(const FloatTensor& t, const std::string& tag) { emit(t.name, md_, t.shape, enc_float(t.values, md_), tag); }

  void quantize_linear(const std::string& prefix, const FloatTensor& w, const FloatTensor* bias);
  void ms_linear(const std::string& p, const FloatTensor& w, const FloatTensor* bias, std::uint64_t n, std::uint64_t k);
  void gs_linear(const std::string& p, const FloatTensor& w, const FloatTensor* bias, std::uint64_t n, std::uint64_t k);
  void attention_extras(const std::string& attn_prefix);
  nlohmann::ordered_json description() const;
  // compressed-tensors (spec_.layout == Layout::CompressedTensors).
  bool ct_quantizes(const std::string& prefix) const;
  void ct_linear(const std::string& p, const FloatTensor& w, const FloatTensor* bias, std::uint64_t n, std::uint64_t k);
  std::string ct_config_json(const std::vector<std::string>& ignored) const;
  bool ct_msmodelslim() const { return spec_.variant == "msmodelslim"; }

  const SampleSpec& spec_;
  Family family_;
  Dtype md_;
  std::string tag_;  // the type string of quantized linears
  std::list<Bytes> storage_;
  CheckpointContent content_;
  std::map<std::string, std::vector<const FloatTensor*>> groups_;  // input group -> member weights
};

CheckpointContent Builder::build() {
  auto model = make_float_model(spec_.model);
  tag_ = std::string(quant_type_name(spec_.type));
  std::map<std::string, const FloatTensor*> by_name;
  for (const FloatTensor& t : model) by_name[t.name] = &t;
  for (const FloatTensor& t : model)
    if (is_quantizable_linear(t.name)) groups_[input_group(t.name.substr(0, t.name.size() - 7)).key].push_back(&t);

  const bool quantized = spec_.type != QuantType::FLOAT;
  const bool ct = spec_.layout == Layout::CompressedTensors;
  // compressed-tensors: the Linear modules left unquantized, in module order,
  // become the recipe's ignore list (the router and lm_head are Linears too).
  std::vector<std::string> ct_ignored;
  for (const FloatTensor& t : model) {
    bool is_bias = t.name.size() > 5 && t.name.compare(t.name.size() - 5, 5, ".bias") == 0;
    std::string prefix = t.name.substr(0, t.name.rfind('.'));
    if (quantized && is_quantizable_linear(t.name) && (!ct || ct_quantizes(prefix))) {
      auto b = by_name.find(prefix + ".bias");
      if (ct) {
        ct_linear(prefix, t, b == by_name.end() ? nullptr : b->second, t.shape[0], t.shape[1]);
        continue;
      }
      quantize_linear(prefix, t, b == by_name.end() ? nullptr : b->second);
      if (prefix.size() > 7 && prefix.compare(prefix.size() - 7, 7, ".o_proj") == 0)
        attention_extras(prefix.substr(0, prefix.size() - 7));
      continue;
    }
    if (quantized && is_bias && by_name.count(prefix + ".weight") && is_quantizable_linear(prefix + ".weight") &&
        (!ct || ct_quantizes(prefix)))
      continue;  // emitted with its linear
    if (ct && t.shape.size() == 2 && t.name.ends_with(".weight") && !prefix.ends_with("embed_tokens"))
      ct_ignored.push_back(prefix);
    emit_float(t, spec_.layout == Layout::HfFloat || ct ? "" : "FLOAT");
  }
  if (ct) {
    // No description: the recipe in config.json says what every module stores.
    content_.config_json = ct_config_json(ct_ignored);
    return std::move(content_);
  }
  if (spec_.layout != Layout::HfFloat) content_.description = description();
  std::string cfg = make_config_json(spec_.model);
  if (spec_.layout == Layout::MsModelSlimMindIE || spec_.layout == Layout::MsModelSlimCompressed) {
    // MindIE reads "quantize" from config.json (msModelSlim's example scripts add it).
    auto j = nlohmann::ordered_json::parse(cfg);
    std::string t = tag_;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    j["quantize"] = t;
    cfg = j.dump(2) + "\n";
  }
  content_.config_json = cfg;
  return std::move(content_);
}

void Builder::quantize_linear(const std::string& prefix, const FloatTensor& w, const FloatTensor* bias) {
  const std::uint64_t n = w.shape[0], k = w.shape[1];
  if (family_ == Family::MsModelSlim) ms_linear(prefix, w, bias, n, k);
  else gs_linear(prefix, w, bias, n, k);
}

// msModelSlim: V1 writes scales as F32; V0 and the MindIE naming keep the
// calibration dtype (the model dtype here).
void Builder::ms_linear(const std::string& p, const FloatTensor& w, const FloatTensor* bias, std::uint64_t n,
                        std::uint64_t k) {
  const bool v1 = spec_.layout == Layout::MsModelSlimV1 || spec_.layout == Layout::MindIeSd;
  const Dtype sd = v1 ? Dtype::F32 : md_;  // scale dtype
  const std::string& T = tag_;
  auto emit_bias = [&](Dtype d) {
    if (bias) emit(p + ".bias", d, {n}, enc_float(bias->values, d), "FLOAT");
  };
  auto per_channel_scales = [&](const QuantizedWeight& q, bool with_offset, Shape shape) {
    std::vector<float> s(q.scale.begin(), q.scale.end());
    emit(p + ".weight_scale", sd, shape, enc_float(s, sd), T);
    if (with_offset) emit(p + ".weight_offset", sd, shape, enc_float(std::vector<float>(s.size(), 0.0f), sd), T);
  };
  const InputGroup g = input_group(p);
  switch (spec_.type) {
    case QuantType::W8A8:
    case QuantType::W8A8_MIX:
    case QuantType::W8A8S:
    case QuantType::W8A8SC: {
      QuantizedWeight q = quantize_weight_symmetric(w.values, n, k, 8, 0, Convention::MsModelSlim);
      if (spec_.type == QuantType::W8A8S || spec_.type == QuantType::W8A8SC)
        for (auto& v : q.q)
          if (std::abs(v) < 24) v = 0;  // sparsify: the small half of the weights
      auto [xmin, xmax] = activation_range(g);
      ActivationParams a = activation_params(xmin, xmax, Convention::MsModelSlim);
      // The scales as stored; deq_scale and quant_bias are computed from them.
      const Dtype act_d = v1 ? Dtype::F32 : md_;
      float in_scale = cast_to(a.scale, act_d);
      std::vector<float> wscale(q.scale.size());
      for (std::size_t i = 0; i < wscale.size(); ++i) wscale[i] = cast_to(q.scale[i], sd);
      std::vector<float> deq = ms_deq_scale(in_scale, wscale);
      std::vector<float> bvals = bias ? bias->values : std::vector<float>{};
      std::vector<std::int32_t> qb = ms_quant_bias(q, a.offset, deq, bvals);
      const std::string sparse_tag = spec_.type == QuantType::W8A8SC ? "W8A8S" : T;
      if (spec_.type == QuantType::W8A8SC) {
        // Structure of a compressed layer (the compression itself is
        // MindIE's tool): a 1-D stream, its index and the tiling info.
        emit(p + ".weight", Dtype::I8, {n * k}, raw(q.q), T);
        emit(p + ".index", Dtype::I8, {8}, Bytes(8, std::byte{0}), T);
        emit(p + ".info", Dtype::I64, {5},
             raw(std::vector<std::int64_t>{8, 8, static_cast<std::int64_t>(k), static_cast<std::int64_t>(n), 1}), T);
      } else {
        emit(p + ".weight", Dtype::I8, {n, k}, raw(q.q), T);
      }
      emit(p + ".quant_bias", Dtype::I32, {n}, raw(qb), sparse_tag);
      emit(p + ".input_scale", act_d, {1}, enc_float({a.scale}, act_d), sparse_tag);
      emit(p + ".input_offset", act_d, {1}, enc_float({a.offset}, act_d), sparse_tag);
      auto [dd, db] = enc_deq(deq, md_);
      emit(p + ".deq_scale", dd, {n}, std::move(db), sparse_tag);
      if (spec_.type == QuantType::W8A8_MIX || (spec_.type == QuantType::W8A8 && !v1)) per_channel_scales(q, true, {n, 1});
      emit_bias(v1 ? Dtype::F32 : md_);
      break;
    }
    case QuantType::W8A8_DYNAMIC:
    case QuantType::W8A16: {
      QuantizedWeight q = quantize_weight_symmetric(w.values, n, k, 8, spec_.group_size, Convention::MsModelSlim);
      emit(p + ".weight", Dtype::I8, {n, k}, raw(q.q), T);
      per_channel_scales(q, true, spec_.group_size ? Shape{n, k / spec_.group_size} : Shape{n, 1});
      emit_bias(sd);
      break;
    }
    case QuantType::W4A16: {
      QuantizedWeight q = quantize_weight_symmetric(w.values, n, k, 4, spec_.group_size, Convention::MsModelSlim);
      if (spec_.variant == "unpacked") {
        emit(p + ".weight", Dtype::I8, {n, k}, raw(q.q), T);
      } else {
        // The V0 saver packs along k exactly when the scale's last dimension
        // is 1 (trans_flag): one group (group size k) is per-channel.
        Int4Layout l = spec_.group_size && k / spec_.group_size > 1 ? Int4Layout::PackedN : Int4Layout::PackedK;
        emit(p + ".weight", Dtype::I8, int4_packed_shape(l, n, k), raw(pack_int4(q.q, n, k, l).value()), T);
      }
      per_channel_scales(q, true, spec_.group_size ? Shape{n, k / spec_.group_size} : Shape{n, 1});
      emit_bias(sd);
      break;
    }
    case QuantType::W4A8_DYNAMIC: {
      QuantizedWeight q = quantize_weight_symmetric(w.values, n, k, 4, 0, Convention::MsModelSlim);
      emit(p + ".weight", Dtype::I8, {n / 2, k}, raw(pack_int4(q.q, n, k, Int4Layout::PackedN).value()), T);
      per_channel_scales(q, true, {n, 1});
      // Row-parallel layers keep 16 partial sums (one per possible TP rank).
      bool row_parallel = p.ends_with("o_proj") || p.ends_with("down_proj");
      unsigned chunks = row_parallel ? 16 : 1;
      emit(p + ".scale_bias", Dtype::F32, {n, chunks}, raw(ms_w4a8_scale_bias(q, chunks)), T);
      emit_bias(Dtype::F32);
      break;
    }
    case QuantType::W4A4_DYNAMIC: {
      QuantizedWeight q = quantize_weight_symmetric(w.values, n, k, 4, 0, Convention::MsModelSlim);
      emit(p + ".weight", Dtype::I8, {n, k}, raw(q.q), T);
      per_channel_scales(q, true, {n, 1});
      emit_bias(Dtype::F32);
      break;
    }
    case QuantType::WFP8AFP8_DYNAMIC: {
      std::vector<std::uint8_t> codes(n * k);
      std::vector<float> scale(n);
      for (std::uint64_t r = 0; r < n; ++r) {
        float amax = 0;
        for (std::uint64_t c = 0; c < k; ++c) amax = std::max(amax, std::fabs(w.values[r * k + c]));
        scale[r] = std::max(amax / 448.0f, 1e-12f);
        for (std::uint64_t c = 0; c < k; ++c) codes[r * k + c] = f32_to_f8_e4m3(w.values[r * k + c] / scale[r]);
      }
      emit(p + ".weight", Dtype::F8_E4M3, {n, k}, raw(codes), T);
      emit(p + ".weight_scale", Dtype::F32, {n, 1}, raw(scale), T);
      emit(p + ".weight_offset", Dtype::F32, {n, 1}, raw(std::vector<float>(n, 0.0f)), T);
      emit_bias(Dtype::F32);
      break;
    }
    case QuantType::W8A8_MXFP8:
    case QuantType::W4A4_MXFP4: {
      bool fp4 = spec_.type == QuantType::W4A4_MXFP4;
      MxQuantized m = quantize_mx(w.values, n, k, fp4);
      if (fp4) {
        std::vector<std::uint8_t> packed(n * k / 2);
        for (std::uint64_t i = 0; i < packed.size(); ++i)
          packed[i] = static_cast<std::uint8_t>((m.codes[2 * i] & 0x0f) | (m.codes[2 * i + 1] << 4));
        emit(p + ".weight", Dtype::U8, {n, k / 2}, raw(packed), T);
      } else {
        emit(p + ".weight", Dtype::F8_E4M3, {n, k}, raw(m.codes), T);
      }
      emit(p + ".weight_scale", Dtype::U8, {n, (k + 31) / 32}, raw(m.scales), T);
      emit_bias(Dtype::F32);
      break;
    }
    default:
      emit_float(w, "FLOAT");
      break;
  }
}

// Golden-Stick: scales in the compute (model) dtype, int32 offsets, int4 as
// qint4x2 [k, n/2], per-group scales [G, n].
void Builder::gs_linear(const std::string& p, const FloatTensor& w, const FloatTensor* bias, std::uint64_t n,
                        std::uint64_t k) {
  const std::string& T = tag_;
  const bool bf16 = md_ == Dtype::BF16;
  auto emit_bias = [&](const std::string& tag) {
    if (bias) emit(p + ".bias", md_, {n}, enc_float(bias->values, md_), tag);
  };
  auto zeros_i32 = [](std::uint64_t count) { return raw(std::vector<std::int32_t>(count, 0)); };
  const InputGroup g = input_group(p);
  switch (spec_.type) {
    case QuantType::W8A8: {
      auto [xmin, xmax] = activation_range(g);
      const bool smoothed = spec_.variant == "smoothed" &&
                            (!spec_.smooth_norm_fed_only || g.kind == "attn_in" || g.kind == "mlp_in");
      const bool vectors = spec_.variant == "smoothed";  // the INTERNAL kernel's [k] form, smoothed or not
      std::vector<float> s(k, 1.0f);
      if (smoothed) {
        // SmoothQuant (alpha 0.5) over the whole input group: s_k = sqrt(a_k / max|W[:,k]|).
        std::vector<float> a = channel_amax(g, k), wmax(k, 1e-6f);
        for (const FloatTensor* m : groups_[g.key])
          for (std::uint64_t r = 0; r < m->shape[0]; ++r)
            for (std::uint64_t c = 0; c < k; ++c) wmax[c] = std::max(wmax[c], std::fabs(m->values[r * k + c]));
        float amax_s = 0;
        for (std::uint64_t c = 0; c < k; ++c) {
          s[c] = std::sqrt(a[c] / wmax[c]);
          amax_s = std::max(amax_s, a[c] / s[c]);
        }
        xmin = -0.9f * amax_s;
        xmax = amax_s;
      }
      std::vector<float> ws = w.values;
      for (std::uint64_t r = 0; r < n; ++r)
        for (std::uint64_t c = 0; c < k; ++c) ws[r * k + c] *= s[c];
      QuantizedWeight q = quantize_weight_symmetric(ws, n, k, 8, 0, Convention::GoldenStick);
      ActivationParams a = activation_params(xmin, xmax, Convention::GoldenStick);
      std::vector<float> zp(k, a.offset);
      emit(p + ".weight", Dtype::I8, {n, k}, raw(q.q), T);
      emit(p + ".weight_scale", md_, {n}, enc_float(q.scale, md_), T);
      emit(p + ".weight_offset", Dtype::I32, {n}, zeros_i32(n), T);
      if (vectors) {
        std::vector<float> in_scale(k), smooth(k);
        for (std::uint64_t c = 0; c < k; ++c) {
          in_scale[c] = f16_to_f32(f32_to_f16(a.scale * s[c]));  // computed in fp16, then cast
          smooth[c] = 1.0f / s[c];
        }
        emit(p + ".input_scale", md_, {k}, enc_float(in_scale, md_), T);
        emit(p + ".input_offset", Dtype::I8, {k}, raw(std::vector<std::int8_t>(k, static_cast<std::int8_t>(a.offset))), T);
        emit(p + ".smooth_scale", md_, {k}, enc_float(smooth, md_), T);
      } else {
        emit(p + ".input_scale", md_, {1}, enc_float({1.0f / a.scale}, md_), T);
        emit(p + ".input_offset", md_, {1}, enc_float({a.offset}, md_), T);
      }
      std::vector<float> deq = ms_deq_scale(a.scale, q.scale);
      auto [dd, db] = enc_deq(deq, md_);
      emit(p + ".deq_scale", dd, {n}, std::move(db), T);
      emit(p + ".quant_bias", Dtype::I32, {n}, raw(gs_quant_bias(q, zp, a.scale, q.scale, bf16)), T);
      emit_bias(T);
      break;
    }
    case QuantType::W8A8_DYNAMIC:
    case QuantType::W8A16: {
      QuantizedWeight q = quantize_weight_symmetric(w.values, n, k, 8, spec_.group_size, Convention::GoldenStick);
      emit(p + ".weight", Dtype::I8, {n, k}, raw(q.q), T);
      if (spec_.group_size) {
        std::uint64_t G = k / spec_.group_size;
        emit(p + ".weight_scale", md_, {G, n}, enc_float(transpose(q.scale, n, G), md_), T);
        emit(p + ".weight_offset", Dtype::I32, {G, n}, zeros_i32(G * n), T);
      } else {
        emit(p + ".weight_scale", md_, {n}, enc_float(q.scale, md_), T);
        emit(p + ".weight_offset", Dtype::I32, {n}, zeros_i32(n), T);
      }
      // Golden-Stick tags a W8A8_DYNAMIC layer's bias W4A8_DYNAMIC (its bug, reproduced).
      emit_bias(spec_.type == QuantType::W8A8_DYNAMIC ? "W4A8_DYNAMIC" : T);
      break;
    }
    case QuantType::W4A16:
    case QuantType::W4A8_DYNAMIC: {
      QuantizedWeight q = quantize_weight_symmetric(w.values, n, k, 4, spec_.group_size, Convention::GoldenStick);
      emit(p + ".weight", Dtype::I8, {k, n / 2}, raw(pack_int4(q.q, n, k, Int4Layout::TransposedPackedN).value()), T,
           true);
      Dtype sd = spec_.type == QuantType::W4A8_DYNAMIC ? (bf16 ? Dtype::BF16 : Dtype::F32) : md_;
      if (spec_.group_size) {
        std::uint64_t G = k / spec_.group_size;
        emit(p + ".weight_scale", sd, {G, n}, enc_float(transpose(q.scale, n, G), sd), T);
        emit(p + ".weight_offset", Dtype::I32, {G, n}, zeros_i32(G * n), T);
      } else {
        emit(p + ".weight_scale", sd, {n}, enc_float(q.scale, sd), T);
        emit(p + ".weight_offset", Dtype::I32, {n}, zeros_i32(n), T);
      }
      emit_bias(T);
      break;
    }
    default:
      emit_float(w, "FLOAT");
      break;
  }
}

// --- compressed-tensors ------------------------------------------------------
//
// Sources: CT = neuralmagic/compressed-tensors @52792be02ec0 (src/compressed_tensors/),
// MS = Ascend/msmodelslim @3de0a3c4e965 (msmodelslim/format/compressed_tensors_format/);
// read in docs/research/compressed-tensors.md §1-6.

// Which Linears the recipe quantizes: every projection, except in the MoE
// sample, which quantizes the experts only (vllm-ascend registers
// compressed-tensors W4A16 for MoE layers only, docs/research/
// compressed-tensors.md §7.2) and leaves attention and the router float.
bool Builder::ct_quantizes(const std::string& prefix) const {
  return spec_.model.experts == 0 || prefix.find(".experts.") != std::string::npos;
}

// The tensors of one quantized Linear.
void Builder::ct_linear(const std::string& p, const FloatTensor& w, const FloatTensor* bias, std::uint64_t n,
                        std::uint64_t k) {
  auto emit_bias = [&] {
    // Not a compression parameter: written as the model holds it (CT
    // compressors/quantized_compressors/base.py L127-132; MS compressed_tensors.py
    // L151-152, L170-171, not cast).
    if (bias) emit(p + ".bias", md_, {n}, enc_float(bias->values, md_), "");
  };
  const InputGroup g = input_group(p);
  if (ct_msmodelslim()) {
    // msModelSlim's compressed-tensors saver writes its QIR module's
    // parameters (MS compressed_tensors.py L146-171): the int8 weight, the
    // per-channel weight_scale unsqueezed to [n, 1] and not cast (the QIR
    // holds it in the calibration dtype, here the model's), the bias; for the
    // static IR also input_scale as F32 [1] and input_offset, not cast, as
    // input_zero_point [1] when any offset is non-zero (L154-159). The QIR's
    // numbers are msModelSlim's own math, the same as its V1 saver's
    // (convert/quant_math.h, Convention::MsModelSlim).
    QuantizedWeight q = quantize_weight_symmetric(w.values, n, k, 8, 0, Convention::MsModelSlim);
    emit(p + ".weight", Dtype::I8, {n, k}, raw(q.q), "");
    emit(p + ".weight_scale", md_, {n, 1}, enc_float(q.scale, md_), "");
    emit_bias();
    if (spec_.type == QuantType::W8A8) {
      auto [xmin, xmax] = activation_range(g);
      ActivationParams a = activation_params(xmin, xmax, Convention::MsModelSlim);
      emit(p + ".input_scale", Dtype::F32, {1}, raw(std::vector<float>{a.scale}), "");
      if (a.offset != 0.0f) emit(p + ".input_zero_point", md_, {1}, enc_float({a.offset}, md_), "");
    }
    return;
  }
  // LLM-Compressor: compressed-tensors' math (convert/quant_math.h) on the
  // weight as the model holds it (model dtype); scales are parameters of the
  // weight's dtype (CT quantization/lifecycle/initialize.py L251-273).
  std::vector<float> wm(w.values.size());
  for (std::size_t i = 0; i < wm.size(); ++i) wm[i] = cast_to(w.values[i], md_);
  switch (spec_.type) {
    case QuantType::W8A8:     // int-quantized, static per-tensor symmetric input
    case QuantType::W8A16: {  // naive-quantized, weight only
      // The naive/int compressor quantizes to pytorch_dtype(): int8 for <= 8
      // bits (CT naive_quantized.py L99-114; quant_args.py L361-375).
      QuantizedWeight q = ct_quantize_weight_symmetric(wm, n, k, 8, 0, md_);
      emit(p + ".weight", Dtype::I8, {n, k}, raw(q.q), "");
      emit(p + ".weight_scale", md_, {n, 1}, enc_float(q.scale, md_), "");  // channel: [n, 1] (initialize.py L208-212)
      emit_bias();
      if (spec_.type == QuantType::W8A8) {
        // Static input: tensor strategy, [1] (initialize.py L108-116, L202-203), the weight's dtype.
        auto [xmin, xmax] = activation_range(g);
        emit(p + ".input_scale", md_, {1}, enc_float({ct_activation_scale_symmetric(xmin, xmax, 8, md_)}, md_), "");
      }
      break;
    }
    case QuantType::W4A16: {  // pack-quantized
      QuantizedWeight q = ct_quantize_weight_symmetric(wm, n, k, 4, spec_.group_size, md_);
      // pack_quantized.py L115-135: weight_packed I32 [n, ceil(k/8)], weight_shape = torch.tensor(weight.shape) (int64).
      emit(p + ".weight_packed", Dtype::I32, {n, (k + 7) / 8}, raw(ct_pack_int32(q.q, n, k, 4)), "");
      emit(p + ".weight_shape", Dtype::I64, {2},
           raw(std::vector<std::int64_t>{static_cast<std::int64_t>(n), static_cast<std::int64_t>(k)}), "");
      const std::uint64_t groups = spec_.group_size ? (k + spec_.group_size - 1) / spec_.group_size : 1;
      emit(p + ".weight_scale", md_, {n, groups}, enc_float(q.scale, md_), "");  // group: [n, ceil(k/gs)] (L214-221)
      emit_bias();
      break;
    }
    case QuantType::WFP8AFP8_DYNAMIC: {  // float-quantized, FP8_DYNAMIC preset (quant_scheme.py L281-297)
      CtFp8Weight f = ct_quantize_weight_fp8(wm, n, k, md_);
      emit(p + ".weight", Dtype::F8_E4M3, {n, k}, raw(f.codes), "");
      emit(p + ".weight_scale", md_, {n, 1}, enc_float(f.scale, md_), "");
      emit_bias();
      break;
    }
    default:
      emit_float(w, "");
      break;
  }
}

// msModelSlim's ignore list: the unquantized Linears' names folded into one
// pattern through a trie of their dot-separated tokens (MS quantization/
// quant_config_builder.py L194-240): "re:<body>(?![.\w])"; a node's children
// with the same sub-trie share one alternation, numbers as (?:0|1|..).
std::vector<std::string> ms_ignore_patterns(const std::vector<std::string>& names) {
  struct Node {
    std::map<std::string, Node> kids;
  };
  Node root;
  for (const std::string& name : names) {
    Node* node = &root;
    std::size_t start = 0;
    for (;;) {
      const std::size_t dot = name.find('.', start);
      node = &node->kids[name.substr(start, dot == std::string::npos ? std::string::npos : dot - start)];
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  std::function<std::string(const Node&)> signature = [&](const Node& n) -> std::string {
    if (n.kids.empty()) return "#";
    std::string s;
    for (const auto& [tok, kid] : n.kids) s += (s.empty() ? "" : "|") + tok + ":" + signature(kid);
    return s;
  };
  auto escape = [](const std::string& t) {  // Python's re.escape: everything but [A-Za-z0-9_] and non-ASCII
    std::string o;
    for (char ch : t) {
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || static_cast<unsigned char>(ch) >= 0x80)) o += '\\';
      o += ch;
    }
    return o;
  };
  auto token_pattern = [&](std::vector<std::string> toks) {
    if (std::all_of(toks.begin(), toks.end(), [](const std::string& t) {
          return !t.empty() && std::all_of(t.begin(), t.end(), [](unsigned char ch) { return std::isdigit(ch); });
        })) {
      std::vector<long long> v;
      for (const std::string& t : toks) v.push_back(std::stoll(t));
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      std::string alt;
      for (long long x : v) alt += (alt.empty() ? "" : "|") + std::to_string(x);
      return "(?:" + alt + ")";
    }
    std::sort(toks.begin(), toks.end());
    if (toks.size() == 1) return escape(toks[0]);
    std::string alt;
    for (const std::string& t : toks) alt += (alt.empty() ? "" : "|") + escape(t);
    return "(?:" + alt + ")";
  };
  std::function<std::string(const Node&)> emit_node = [&](const Node& n) -> std::string {
    if (n.kids.empty()) return "";
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;  // signature -> tokens, first-seen order
    std::map<std::string, const Node*> child;
    for (const auto& [tok, kid] : n.kids) {
      const std::string sig = signature(kid);
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == sig; });
      if (it == groups.end()) groups.push_back({sig, {tok}});
      else it->second.push_back(tok);
      child[sig] = &kid;
    }
    std::vector<std::string> parts;
    for (const auto& [sig, toks] : groups) {
      const std::string suffix = emit_node(*child[sig]);
      parts.push_back(suffix.empty() ? token_pattern(toks) : token_pattern(toks) + "\\." + suffix);
    }
    if (parts.size() == 1) return parts[0];
    std::sort(parts.begin(), parts.end());
    std::string alt;
    for (const std::string& x : parts) alt += (alt.empty() ? "" : "|") + x;
    return "(?:" + alt + ")";
  };
  const std::string body = emit_node(root);
  if (body.empty()) return {};
  return {"re:" + body + "(?![.\\w])"};
}

// config.json with the recipe as each producer writes it.
std::string Builder::ct_config_json(const std::vector<std::string>& ignored) const {
  using ojson = nlohmann::ordered_json;
  const bool ms = ct_msmodelslim();
  // QuantizationArgs as model_dump() gives them, in field order: CT
  // quantization/quant_args.py L169-190; MS quantization/quant_args.py
  // L147-170, which adds scale_dtype and zp_dtype (null when symmetric,
  // L172-176; "torch.int8" otherwise, L327-331). Observer: "minmax" for
  // static args in CT (L352-354); in MS "minmax" for weights
  // (quant_config_builder.py L103-104, L177-187) and "memoryless_minmax" for
  // static inputs (quant_args.py L323-325); null when dynamic.
  auto args = [&](int bits, const char* type, bool symmetric, std::uint64_t group_size, const char* strategy,
                  bool dynamic, const char* observer) {
    ojson a = ojson::object();
    a["num_bits"] = bits;
    a["type"] = type;
    a["symmetric"] = symmetric;
    a["group_size"] = group_size ? ojson(group_size) : ojson(nullptr);
    a["strategy"] = strategy;
    a["block_structure"] = nullptr;
    a["dynamic"] = dynamic;
    a["actorder"] = nullptr;
    if (ms) {
      a["scale_dtype"] = nullptr;
      a["zp_dtype"] = symmetric ? ojson(nullptr) : ojson("torch.int8");
    }
    a["observer"] = observer ? ojson(observer) : ojson(nullptr);
    a["observer_kwargs"] = ojson::object();
    return a;
  };
  ojson weights, input = nullptr;
  std::string format;
  switch (spec_.type) {
    case QuantType::W8A8:
      // CT: LLM-Compressor's static W8A8 (the W8A8 preset's weights, a static
      // symmetric per-tensor input, quant_scheme.py L189-205). MS: the
      // W8A8_STATIC preset, inputs asymmetric (MS quant_scheme.py L151-168).
      weights = args(8, "int", true, 0, "channel", false, "minmax");
      input = ms ? args(8, "int", false, 0, "tensor", false, "memoryless_minmax")
                 : args(8, "int", true, 0, "tensor", false, "minmax");
      format = "int-quantized";  // format.py L72-79
      break;
    case QuantType::W8A8_DYNAMIC:  // MS W8A8_DYNAMIC preset (quant_scheme.py L170-187); CT INT8_W8A8 (L189-205)
      weights = args(8, "int", true, 0, "channel", false, "minmax");
      input = args(8, "int", true, 0, "token", true, nullptr);
      format = "int-quantized";
      break;
    case QuantType::W8A16:  // CT W8A16 preset (L208-216), saved with the naive compressor named explicitly
      weights = args(8, "int", true, 0, "channel", false, "minmax");
      format = "naive-quantized";
      break;
    case QuantType::W4A16:  // CT W4A16 preset (L219-228) with the group size of the toy; or per channel
      weights = args(4, "int", true, spec_.group_size, spec_.group_size ? "group" : "channel", false, "minmax");
      format = "pack-quantized";  // weight-only int4 (format.py L55-70)
      break;
    case QuantType::WFP8AFP8_DYNAMIC:  // CT FP8_DYNAMIC preset (L281-297)
      weights = args(8, "float", true, 0, "channel", false, "minmax");
      input = args(8, "float", true, 0, "token", true, nullptr);
      format = "float-quantized";  // format.py L72-77
      break;
    default:
      break;
  }
  // QuantizationScheme's fields in order (CT quant_scheme.py L49-53; MS L67-71);
  // one group, "group_0", targeting the Linear class (CT quant_config.py
  // L241-244; MS quant_config_builder.py L45-77); its per-module format set
  // (CT config/format.py L124-126; MS preset format).
  ojson group = ojson::object();
  group["targets"] = {"Linear"};
  group["weights"] = weights;
  group["input_activations"] = input;
  group["output_activations"] = nullptr;
  group["format"] = format;
  // The recipe: four keys in front of the dumped QuantizationConfig (CT
  // model_compressor.py L810-816; MS quant_config.py L112-121), then
  // config_groups, format, quantization_status, global_compression_ratio,
  // ignore, kv_cache_scheme in each model's field order (CT quant_config.py
  // L135-141 puts kv_cache_scheme before format; sort_keys makes that moot).
  ojson q = ojson::object();
  // CT: compressed_tensors.__version__ of the installed library (52792be is
  // 0.12.2 plus 23 commits; a release install writes "0.12.2"); MS: fixed
  // "0.13.0" (config/base.py L33).
  q["version"] = ms ? "0.13.0" : "0.12.2";
  q["quant_method"] = "compressed-tensors";
  q["sparsity_config"] = ojson::object();
  q["transform_config"] = ojson::object();
  q["config_groups"] = ojson::object();
  q["config_groups"]["group_0"] = group;
  q["format"] = format;
  q["quantization_status"] = "compressed";
  q["global_compression_ratio"] = nullptr;
  // CT: the unquantized Linears by exact name (quant_config.py L231-238);
  // MS: one trie pattern (quant_config_builder.py L137-165, L194-240).
  q["ignore"] = ms ? ojson(ms_ignore_patterns(ignored)) : ojson(ignored);
  q["kv_cache_scheme"] = nullptr;
  auto cfg = ojson::parse(make_config_json(spec_.model));
  cfg["quantization_config"] = q;
  if (ms) return cfg.dump(2);  // config.json rewritten with indent 2, keys in place (MS compressed_tensors.py L219-225)
  // CT rewrites the whole config.json with json.dump(indent=2, sort_keys=True)
  // (model_compressor.py L818-820): nlohmann::json keeps its keys sorted.
  return nlohmann::json::parse(cfg.dump()).dump(2);
}

// msModelSlim per-attention extras: KV-cache int8 (C8) and FAQuant tensors.
void Builder::attention_extras(const std::string& a) {
  const std::uint64_t H = spec_.model.heads, Hkv = spec_.model.kv_heads,
                      D = static_cast<std::uint64_t>(spec_.model.hidden / spec_.model.heads);
  if (spec_.kv_c8) {
    for (const char* kv : {"k_proj", "v_proj"}) {
      std::vector<float> amax = channel_amax(InputGroup{a + kv, 0, "kv"}, Hkv * D), scale(Hkv * D);
      for (std::size_t i = 0; i < scale.size(); ++i) scale[i] = amax[i] / 127.0f;
      emit(a + "." + kv + ".kv_cache_scale", Dtype::F32, {Hkv * D}, raw(scale), "C8");
      emit(a + "." + kv + ".kv_cache_offset", Dtype::F32, {Hkv * D}, raw(std::vector<float>(Hkv * D, 0.0f)), "C8");
    }
  }
  if (spec_.fa_quant) {
    for (auto [sub, heads] : {std::pair{"fa_q", H}, std::pair{"fa_k", Hkv}, std::pair{"fa_v", Hkv}}) {
      std::vector<float> amax = channel_amax(InputGroup{a + sub, 0, "fa"}, heads), scale(heads);
      for (std::size_t i = 0; i < scale.size(); ++i) scale[i] = amax[i] / 127.0f;
      emit(a + "." + sub + ".scale", md_, {heads, 1}, enc_float(scale, md_), "FAQuant");
      emit(a + "." + sub + ".offset", Dtype::I8, {heads, 1}, raw(std::vector<std::int8_t>(heads, 0)), "FAQuant");
    }
  }
}

// The description document, keys in the order each writer emits them.
nlohmann::ordered_json Builder::description() const {
  using ojson = nlohmann::ordered_json;
  // Key order and which keys each producer writes: the layout table.
  ojson kvfa = ojson::object();
  if (spec_.kv_c8) {
    kvfa["kv_cache_type"] = "C8";
    kvfa["kv_quant_type"] = "C8";
  }
  if (spec_.fa_quant) kvfa["fa_quant_type"] = "FAQuant";
  std::vector<std::pair<std::string, std::string>> tags;
  for (const OutputTensor& t : content_.tensors) tags.emplace_back(t.source.name, t.tag);
  ojson d = build_description(layout_row(spec_.layout), tags, tag_, spec_.group_size, kvfa);
  return d;
}

ToyConfig fp16(ToyConfig c) {
  c.dtype = Dtype::F16;
  return c;
}

}  // namespace

std::vector<SampleSpec> sample_catalog() {
  using L = Layout;
  using Q = QuantType;
  const ToyConfig llama = ToyConfig::llama(), qwen = ToyConfig::qwen_bias(), moe = ToyConfig::moe();
  std::vector<SampleSpec> v;
  auto add = [&](std::string name, L layout, Q type, std::string variant, ToyConfig model, bool bundled,
                 std::string note) -> SampleSpec& {
    SampleSpec s;
    s.name = std::move(name);
    s.layout = layout;
    s.type = type;
    s.variant = std::move(variant);
    s.model = model;
    s.bundled = bundled;
    s.note = std::move(note);
    v.push_back(std::move(s));
    return v.back();
  };
  add("tiny-llama-float", L::HfFloat, Q::FLOAT, "", llama, true, "the float original");
  add("tiny-llama-float-sharded", L::HfFloat, Q::FLOAT, "", llama, false, "float, 3 shards + index").max_shard_bytes =
      96 * 1024;
  // msModelSlim, current saver
  add("tiny-qwen-w8a8-msmodelslim", L::MsModelSlimV1, Q::W8A8, "", qwen, true,
      "static W8A8 with q/k/v biases folded into quant_bias; sharded").max_shard_bytes = 64 * 1024;
  add("tiny-llama-w8a8-fp16-c8-msmodelslim", L::MsModelSlimV1, Q::W8A8, "", fp16(llama), false,
      "fp16 model: deq_scale as int64; KV cache int8").kv_c8 = true;
  add("tiny-llama-w8a8-dynamic-msmodelslim", L::MsModelSlimV1, Q::W8A8_DYNAMIC, "per-channel", llama, true,
      "per-token dynamic activations");
  add("tiny-llama-w8a8-dynamic-pergroup-msmodelslim", L::MsModelSlimV1, Q::W8A8_DYNAMIC, "per-group", llama, false,
      "per-group weight scales").group_size = 32;
  add("tiny-llama-w8a16-msmodelslim", L::MsModelSlimV1, Q::W8A16, "per-channel", llama, false, "int8 weight-only");
  add("tiny-llama-w4a8-dynamic-msmodelslim", L::MsModelSlimV1, Q::W4A8_DYNAMIC, "", llama, true,
      "int4 packed along n, scale_bias");
  add("tiny-llama-w4a4-dynamic-msmodelslim", L::MsModelSlimV1, Q::W4A4_DYNAMIC, "", llama, false,
      "int4 stored unpacked");
  add("tiny-llama-wfp8afp8-dynamic-msmodelslim", L::MsModelSlimV1, Q::WFP8AFP8_DYNAMIC, "", llama, false,
      "FP8 E4M3 weights");
  add("tiny-llama-w8a8-mxfp8-msmodelslim", L::MsModelSlimV1, Q::W8A8_MXFP8, "", llama, false, "MX FP8").group_size =
      32;
  add("tiny-llama-w4a4-mxfp4-msmodelslim", L::MsModelSlimV1, Q::W4A4_MXFP4, "", llama, false, "MX FP4").group_size =
      32;
  add("tiny-moe-w8a8-dynamic-msmodelslim", L::MsModelSlimV1, Q::W8A8_DYNAMIC, "per-channel", moe, true,
      "2-expert MoE; router stays float");
  // msModelSlim, legacy savers
  add("tiny-llama-w8a8-mix-msmodelslim-v0", L::MsModelSlimV0, Q::W8A8_MIX, "", llama, true,
      "PDMIX in the legacy ascendV1 naming (quant_model_weight_w8a8_mix)");
  add("tiny-llama-w4a16-pergroup-msmodelslim-v0", L::MsModelSlimV0, Q::W4A16, "per-group", llama, false,
      "int4 packed along n, group 32").group_size = 32;
  add("tiny-llama-w4a16-perchannel-msmodelslim-v0", L::MsModelSlimV0, Q::W4A16, "per-channel", llama, false,
      "int4 packed along k");
  add("tiny-llama-w8a8-fa-msmodelslim-mindie", L::MsModelSlimMindIE, Q::W8A8, "", llama, false,
      "legacy MindIE naming with FAQuant tensors").fa_quant = true;
  add("tiny-llama-w4a16-msmodelslim-mindie", L::MsModelSlimMindIE, Q::W4A16, "unpacked", llama, false,
      "legacy MindIE naming: int4 unpacked").group_size = 32;
  add("tiny-llama-w8a8s-msmodelslim-mindie", L::MsModelSlimMindIE, Q::W8A8S, "", llama, false, "sparse W8A8");
  add("tiny-llama-w8a8sc-msmodelslim", L::MsModelSlimCompressed, Q::W8A8SC, "", llama, false,
      "compressed sparse: file structure only (the compressor is MindIE's)");
  add("tiny-llama-w8a8-dynamic-mindie-sd", L::MindIeSd, Q::W8A8_DYNAMIC, "per-channel", llama, false,
      "MindIE-SD writer names").max_shard_bytes = 96 * 1024;
  // Golden-Stick
  add("tiny-qwen-w8a8-golden-stick", L::GoldenStick, Q::W8A8, "smoothed", qwen, true,
      "SmoothQuant W8A8: per-channel activation vectors, bias kept separate");
  add("tiny-qwen-w8a8-smooth-norm-fed-golden-stick", L::GoldenStick, Q::W8A8, "smoothed", qwen, false,
      "SmoothQuant on the norm-fed linears only (q/k/v, gate/up): convertible by folding").smooth_norm_fed_only = true;
  add("tiny-llama-w8a8-plain-golden-stick", L::GoldenStick, Q::W8A8, "plain", llama, false,
      "W8A8 without smoothing: scalar 1/x_scale");
  add("tiny-qwen-w8a8-dynamic-golden-stick", L::GoldenStick, Q::W8A8_DYNAMIC, "", qwen, false,
      "per-token dynamic; bias tagged W4A8_DYNAMIC as Golden-Stick does");
  add("tiny-llama-w8a16-golden-stick", L::GoldenStick, Q::W8A16, "per-channel", llama, false, "int8 weight-only");
  add("tiny-llama-w8a16-pergroup-golden-stick", L::GoldenStick, Q::W8A16, "per-group", llama, false,
      "scales [G, n]").group_size = 64;
  add("tiny-llama-w4a16-golden-stick", L::GoldenStick, Q::W4A16, "per-group", llama, true,
      "qint4x2 [k, n/2] with Int4 metadata, group 64").group_size = 64;
  add("tiny-llama-w4a8-dynamic-golden-stick", L::GoldenStick, Q::W4A8_DYNAMIC, "dense", llama, false,
      "GPTQ-style int4 per group").group_size = 64;
  add("tiny-llama-w8a8-dynamic-golden-stick-per-rank", L::GoldenStickPerRank, Q::W8A8_DYNAMIC, "", llama, false,
      "rank_0/quant.safetensors layout");
  // compressed-tensors (issue #17): LLM-Compressor's checkpoints (compressed-
  // tensors' math and writer) and msModelSlim's compressed-tensors saver.
  add("tiny-llama-w8a8-compressed-tensors", L::CompressedTensors, Q::W8A8, "llm-compressor", llama, true,
      "int-quantized W8A8 static: int8 channel weights, symmetric per-tensor input; 2 shards + index")
      .max_shard_bytes = 64 * 1024;
  add("tiny-llama-w8a8-dynamic-compressed-tensors-msmodelslim", L::CompressedTensors, Q::W8A8_DYNAMIC, "msmodelslim",
      llama, false, "msModelSlim's compressed-tensors saver, W8A8_DYNAMIC: int8 channel weights, token dynamic inputs");
  add("tiny-qwen-w8a8-compressed-tensors-msmodelslim", L::CompressedTensors, Q::W8A8, "msmodelslim", qwen, false,
      "msModelSlim's compressed-tensors saver, W8A8 static: inputs declared asymmetric, input_zero_point as a float");
  add("tiny-llama-w4a16-pergroup-compressed-tensors", L::CompressedTensors, Q::W4A16, "llm-compressor", llama, false,
      "pack-quantized int4 group 32: weight_packed I32 [n,k/8], weight_shape I64 [2]")
      .group_size = 32;
  add("tiny-llama-w4a16-perchannel-compressed-tensors", L::CompressedTensors, Q::W4A16, "llm-compressor", llama, false,
      "pack-quantized int4 per channel: weight_scale [n,1]");
  add("tiny-llama-w8a16-naive-compressed-tensors", L::CompressedTensors, Q::W8A16, "llm-compressor", llama, false,
      "naive-quantized W8A16: int8 weight stored as weight");
  add("tiny-llama-fp8-dynamic-compressed-tensors", L::CompressedTensors, Q::WFP8AFP8_DYNAMIC, "llm-compressor", llama,
      false, "float-quantized FP8_DYNAMIC: F8_E4M3 weight, channel scale, token dynamic fp8 inputs");
  add("tiny-moe-w4a16-compressed-tensors", L::CompressedTensors, Q::W4A16, "llm-compressor", moe, false,
      "pack-quantized int4 group 32 on the experts only (vllm-ascend's MoE W4A16); attention and router ignored")
      .group_size = 32;
  return v;
}

const SampleSpec* find_sample(const std::string& name) {
  static const std::vector<SampleSpec> catalog = sample_catalog();
  for (const SampleSpec& s : catalog)
    if (s.name == name) return &s;
  return nullptr;
}

OutputTensor* BuiltSample::find(const std::string& name) {
  for (OutputTensor& t : content.tensors)
    if (t.source.name == name) return &t;
  return nullptr;
}

std::vector<std::byte>& BuiltSample::own(std::vector<std::byte> bytes) {
  storage.push_back(std::move(bytes));
  return storage.back();
}

BuiltSample build_sample(const SampleSpec& spec) {
  BuiltSample out;
  Builder b(spec);
  out.content = b.build();
  out.storage = b.take_storage();  // std::list nodes do not move: the spans stay valid
  LayoutOptions& o = out.options;
  o.layout = spec.layout;
  std::string t(quant_type_name(spec.type));
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  o.type_suffix = t;
  o.max_shard_bytes = spec.max_shard_bytes ? spec.max_shard_bytes : ~0ull;
  // msModelSlim V1 and Golden-Stick always shard (even into one file); the
  // legacy savers and transformers write a single file when not asked to.
  o.single_file = spec.max_shard_bytes == 0 && spec.layout != Layout::MsModelSlimV1 &&
                  spec.layout != Layout::GoldenStick && spec.layout != Layout::MindIeSd;
  // msModelSlim's compressed-tensors saver shards even into one file
  // (model-00001-of-00001 + index; compressed_tensors.py L101-114 @3de0a3c,
  // infra/io/buffered_safetensors_writer.py L68-82, L150-164); LLM-Compressor
  // saves through transformers, one model.safetensors when it fits.
  if (spec.layout == Layout::CompressedTensors && spec.variant == "msmodelslim") o.single_file = false;
  o.replace = true;
  o.replace_foreign = true;  // a generator owns the folder it regenerates
  return out;
}

Status write_sample(const fs::path& dir, const SampleSpec& spec) {
  BuiltSample s = build_sample(spec);
  return write_checkpoint(dir, s.content, s.options);
}

Status write_samples(const fs::path& root, bool bundled_only) {
  std::error_code ec;
  fs::create_directories(root, ec);
  for (const SampleSpec& s : sample_catalog()) {
    if (bundled_only && !s.bundled) continue;
    if (auto st = write_sample(root / s.name, s); !st) return st;
  }
  return ok_status();
}

}  // namespace qkit::samples
