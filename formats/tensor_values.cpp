//===- formats/tensor_values.cpp -----------------------------------------===//
#include "formats/tensor_values.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "formats/codecs.h"
#include "formats/float_codec.h"

namespace qkit {

std::vector<std::optional<double>> tensor_values(const Checkpoint& c, const TensorRef& t, bool bit_patterns,
                                                 std::uint64_t max_elements) {
  std::vector<std::optional<double>> out;
  if (!c.shard_of(t).file || t.info->element_count() > max_elements) return out;
  auto bytes = c.data(t);
  const Dtype d = t.info->dtype;
  const bool decode = bit_patterns && (d == Dtype::I64 || d == Dtype::U64);
  out.reserve(t.info->element_count());
  for (std::uint64_t i = 0; i < t.info->element_count(); ++i) {
    if (decode) {
      std::int64_t v;
      std::memcpy(&v, bytes.data() + 8 * i, 8);
      auto f = deq_scale_from_i64(v);
      out.push_back(f ? std::optional<double>(*f) : std::nullopt);
    } else {
      out.push_back(element_as_double(d, bytes, i));
    }
  }
  return out;
}

namespace {

// Every element of one dtype through `f`; elements past the end of `bytes`
// are NaN, as element_as_double's nullopt would make them.
template <class T, class F>
void decode_all(std::span<const std::byte> bytes, std::vector<double>& out, F f) {
  const std::size_t have = std::min<std::size_t>(out.size(), bytes.size() / sizeof(T));
  const std::byte* p = bytes.data();
  for (std::size_t i = 0; i < have; ++i) {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    out[i] = f(v);
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(have), out.end(), NAN);
}

}  // namespace

// The planner decodes every scale and offset of a checkpoint (some 10^9
// values for a DeepSeek-class model): the dtype is dispatched once per
// tensor instead of once per element, and no optional is built. The values
// are those of tensor_values(...).value_or(NAN) (tests/tensor_values_test.cpp).
std::vector<double> tensor_values_or_nan(const Checkpoint& c, const TensorRef& t, bool bit_patterns) {
  if (!c.shard_of(t).file) return {};
  const auto bytes = c.data(t);
  const Dtype d = t.info->dtype;
  std::vector<double> out(t.info->element_count());
  if (bit_patterns && (d == Dtype::I64 || d == Dtype::U64)) {
    decode_all<std::int64_t>(bytes, out, [](std::int64_t v) {
      auto f = deq_scale_from_i64(v);
      return f ? static_cast<double>(*f) : static_cast<double>(NAN);
    });
    return out;
  }
  auto as = [](auto v) { return static_cast<double>(v); };
  switch (d) {
    case Dtype::BOOL: decode_all<std::uint8_t>(bytes, out, [](std::uint8_t v) { return v != 0 ? 1.0 : 0.0; }); break;
    case Dtype::U8: decode_all<std::uint8_t>(bytes, out, as); break;
    case Dtype::I8: decode_all<std::int8_t>(bytes, out, as); break;
    case Dtype::I16: decode_all<std::int16_t>(bytes, out, as); break;
    case Dtype::U16: decode_all<std::uint16_t>(bytes, out, as); break;
    case Dtype::I32: decode_all<std::int32_t>(bytes, out, as); break;
    case Dtype::U32: decode_all<std::uint32_t>(bytes, out, as); break;
    case Dtype::I64: decode_all<std::int64_t>(bytes, out, as); break;
    case Dtype::U64: decode_all<std::uint64_t>(bytes, out, as); break;
    case Dtype::F16: decode_all<std::uint16_t>(bytes, out, [](std::uint16_t v) { return static_cast<double>(f16_to_f32(v)); }); break;
    case Dtype::BF16: decode_all<std::uint16_t>(bytes, out, [](std::uint16_t v) { return static_cast<double>(bf16_to_f32(v)); }); break;
    case Dtype::F32: decode_all<float>(bytes, out, as); break;
    case Dtype::F64: decode_all<double>(bytes, out, as); break;
    case Dtype::F8_E4M3: decode_all<std::uint8_t>(bytes, out, [](std::uint8_t v) { return static_cast<double>(f8_e4m3_to_f32(v)); }); break;
    case Dtype::F8_E5M2: decode_all<std::uint8_t>(bytes, out, [](std::uint8_t v) { return static_cast<double>(f8_e5m2_to_f32(v)); }); break;
    case Dtype::F8_E8M0: decode_all<std::uint8_t>(bytes, out, [](std::uint8_t v) { return static_cast<double>(e8m0_to_float(v)); }); break;
    default: std::fill(out.begin(), out.end(), NAN); break;  // not readable element by element (sub-byte dtypes)
  }
  return out;
}

std::optional<std::uint64_t> module_k(const Checkpoint& c, const Module& m) {
  if (!m.match || !m.match->vars.k) return std::nullopt;
  const TensorRef* shape = m.tensor(Role::WeightShape);
  const TensorRef* w = m.tensor(Role::Weight);
  if (!shape || !w || w->info->dtype != Dtype::I32 || !m.type) return m.match->vars.k;
  if (!c.shard_of(*shape).file || w->info->shape.size() != 2) return std::nullopt;
  const auto v = tensor_values(c, *shape, false, 16);
  const unsigned bits = quant_type_info(m.type->type).weight_bits;
  // [n, ceil(k/per)] compared without a product that could wrap.
  if (v.size() != 2 || !v[0] || !v[1] || bits == 0 || *v[0] != static_cast<double>(w->info->shape[0]) || !(*v[1] >= 1) ||
      *v[1] > 9e15)
    return std::nullopt;
  const auto k = static_cast<std::uint64_t>(*v[1]);
  const std::uint64_t per = 32 / bits;
  if ((k + per - 1) / per != w->info->shape[1]) return std::nullopt;
  return k;
}

}  // namespace qkit
