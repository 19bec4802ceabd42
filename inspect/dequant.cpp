//===- inspect/dequant.cpp -----------------------------------------------===//
#include "inspect/dequant.h"

#include <cmath>
#include <cstring>

#include "formats/codecs.h"
#include "formats/float_codec.h"
#include "formats/tensor_values.h"

namespace qkit::inspect {
namespace {

std::optional<std::vector<float>> floats(const Checkpoint& c, const TensorRef* t) {
  if (t == nullptr) return std::nullopt;
  auto v = tensor_values(c, *t, true, ~0ull);
  if (v.empty() && t->info->element_count() != 0) return std::nullopt;
  std::vector<float> out;
  out.reserve(v.size());
  for (const auto& x : v) {
    if (!x && !(t->info->dtype == Dtype::I64 || t->info->dtype == Dtype::U64)) return std::nullopt;
    out.push_back(x ? narrow_to_float(*x) : NAN);
  }
  return out;
}

}  // namespace

Result<WeightDequantizer> WeightDequantizer::create(const Checkpoint& c, const Module& m) {
  auto fail = [&](std::string why) { return Error(Errc::invalid_argument, std::move(why)).for_tensor(m.prefix); };
  auto fam = c.family();
  if (!fam || !m.type || m.scope != QuantScope::Linear) return fail("not a quantized linear");
  // The module as the checkpoint bound it: scheme, n/k, tensors by role.
  const TensorRef *w = m.tensor(Role::Weight), *ws = m.tensor(Role::WeightScale), *wo = m.tensor(Role::WeightOffset),
                  *deq = m.tensor(Role::DeqScale), *in = m.tensor(Role::InputScale);
  if (!m.match) return fail("no scheme for " + m.tag);
  const SchemeMatch& sm = *m.match;
  if (!w || !sm.scheme || !sm.vars.n || !sm.vars.k) return fail("weight shape not understood");
  if (!c.shard_of(*w).file) return fail("weight unreadable");
  WeightDequantizer d;
  d.c_ = &c;
  d.weight_ = w;
  d.n_ = *sm.vars.n;
  const auto mk = module_k(c, m);  // compressed-tensors: weight_shape's k, not the padded words'
  if (!mk) return fail("weight_shape disagrees with weight_packed");
  d.k_ = *mk;
  const Dtype wd = w->info->dtype;
  const QuantType t = m.type->type;
  if (t == QuantType::W8A8_MXFP8 || t == QuantType::W4A4_MXFP4 || t == QuantType::W4A8_MXFP ||
      t == QuantType::W4A4_MXFP4_DUALSCALE) {
    d.kind_ = wd == Dtype::F8_E4M3 ? Kind::MxFp8 : Kind::MxFp4;
    if (!ws || !c.shard_of(*ws).file) return fail("no weight_scale");
    auto b = c.data(*ws);
    d.mx_scale_.assign(reinterpret_cast<const std::uint8_t*>(b.data()),
                       reinterpret_cast<const std::uint8_t*>(b.data()) + b.size());
    return d;
  }
  if (wd == Dtype::F8_E4M3) d.kind_ = Kind::Fp8;
  else if (wd == Dtype::I32 && *fam == Family::CompressedTensors) {
    d.kind_ = Kind::CtPacked;
    d.ct_bits_ = quant_type_info(t).weight_bits;
    if ((d.ct_bits_ != 4 && d.ct_bits_ != 8) || c.data(*w).size() != d.n_ * ct_packed_words(d.k_, d.ct_bits_) * 4)
      return fail("weight_packed size not understood");
  } else if (wd != Dtype::I8) return fail("weight dtype " + std::string(dtype_name(wd)) + " not dequantizable");
  else if (quant_type_info(t).weight_bits == 4) d.kind_ = Kind::Int4;
  if (d.kind_ == Kind::Int4) {
    if (sm.scheme->int4_layout &&
        w->info->shape == int4_packed_shape(*sm.scheme->int4_layout, d.n_, d.k_))
      d.layout_ = sm.scheme->int4_layout;
    if (d.layout_ == Int4Layout::TransposedPackedN) {
      auto b = c.data(*w);
      auto u = unpack_int4(std::span(reinterpret_cast<const std::int8_t*>(b.data()), b.size()), d.n_, d.k_, *d.layout_);
      if (!u) return std::move(u).error();
      d.unpacked_ = std::move(*u);
    }
  }
  // Scales: weight_scale, or (msModelSlim W8A8 without it) deq_scale / input_scale.
  std::optional<std::vector<float>> scale = floats(c, ws), offset = floats(c, wo);
  // compressed-tensors' packed zero points (I32 along n, formats/codecs.h).
  if (d.kind_ == Kind::CtPacked && wo && wo->info->dtype == Dtype::I32 && scale && scale->size() % d.n_ == 0) {
    const std::uint64_t G = scale->size() / d.n_;
    if (wo->info->nbytes() != ct_packed_words(d.n_, d.ct_bits_) * G * 4 || !c.shard_of(*wo).file) return fail("weight_zero_point size not understood");
    offset.emplace(scale->size());
    for (std::uint64_t r = 0; r < d.n_; ++r)
      for (std::uint64_t g = 0; g < G; ++g) (*offset)[r * G + g] = ct_packed_n_get(c.data(*wo).data(), d.ct_bits_, G, r, g);
  }
  if (!scale && deq && in) {
    auto dq = floats(c, deq), is = floats(c, in);
    if (dq && is && is->size() == 1) {
      scale = *dq;
      for (float& v : *scale) v /= (*is)[0];
    }
  }
  if (!scale) return fail("no weight scale to dequantize with");
  const auto& sshape = ws ? ws->info->shape : std::vector<std::uint64_t>{d.n_};
  d.scale_transposed_ = *fam == Family::GoldenStick && sshape.size() == 2;
  std::uint64_t total = scale->size();
  d.groups_ = total / d.n_;
  if (d.groups_ == 0 || d.n_ * d.groups_ != total || d.k_ % d.groups_ != 0) return fail("scale shape not understood");
  auto orient = [&](std::vector<float> v) {
    if (!d.scale_transposed_) return v;
    std::vector<float> t(v.size());
    for (std::uint64_t g = 0; g < d.groups_; ++g)
      for (std::uint64_t r = 0; r < d.n_; ++r) t[r * d.groups_ + g] = v[g * d.n_ + r];
    return t;
  };
  d.scale_ = orient(*scale);
  d.offset_ = offset && offset->size() == total ? orient(*offset) : std::vector<float>(total, 0.0f);
  return d;
}

Status WeightDequantizer::read_rows(std::uint64_t r0, std::uint64_t r1, std::vector<float>& out) const {
  out.resize((r1 - r0) * k_);
  auto bytes = c_->data(*weight_);
  const auto* q = reinterpret_cast<const std::int8_t*>(bytes.data());
  const auto* u = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const std::uint64_t gs = k_ / groups_;
  for (std::uint64_t r = r0; r < r1; ++r)
    for (std::uint64_t j = 0; j < k_; ++j) {
      float v = 0;
      switch (kind_) {
        case Kind::Int8: v = q[r * k_ + j]; break;
        case Kind::Fp8: v = f8_e4m3_to_f32(u[r * k_ + j]); break;
        case Kind::CtPacked: v = ct_packed_get(bytes.data(), ct_bits_, k_, r, j); break;
        case Kind::Int4:
          if (!layout_) v = q[r * k_ + j];
          else if (*layout_ == Int4Layout::TransposedPackedN) v = unpacked_[r * k_ + j];
          else v = int4_get(q, *layout_, n_, k_, r, j);
          break;
        case Kind::MxFp8:
        case Kind::MxFp4: {
          const std::uint64_t blocks = (k_ + 31) / 32;
          float s = e8m0_to_float(mx_scale_[r * blocks + j / 32]);
          float e = kind_ == Kind::MxFp8 ? f8_e4m3_to_f32(u[r * k_ + j])
                                         : fp4_e2m1_to_float((j & 1) ? (u[r * (k_ / 2) + j / 2] >> 4)
                                                                     : (u[r * (k_ / 2) + j / 2] & 0x0f));
          out[(r - r0) * k_ + j] = e * s;
          continue;
        }
      }
      const std::uint64_t g = r * groups_ + j / gs;
      out[(r - r0) * k_ + j] = (v - offset_[g]) * scale_[g];
    }
  return ok_status();
}

}  // namespace qkit::inspect
