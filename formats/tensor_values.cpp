//===- formats/tensor_values.cpp -----------------------------------------===//
#include "formats/tensor_values.h"

#include <cmath>
#include <cstring>

#include "formats/codecs.h"

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

std::vector<double> tensor_values_or_nan(const Checkpoint& c, const TensorRef& t, bool bit_patterns) {
  std::vector<double> out;
  for (const auto& v : tensor_values(c, t, bit_patterns, ~0ull)) out.push_back(v.value_or(NAN));
  return out;
}

}  // namespace qkit
