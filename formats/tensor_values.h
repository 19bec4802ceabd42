//===- formats/tensor_values.h - a small tensor's values, decoded --------===//
//
// The one way qkit reads the values of small tensors (scales, offsets,
// deq_scale, quant_bias, biases, norm weights): every numeric dtype as a
// double, and int64/uint64 tensors that hold a float32 bit pattern in their
// low word (deq_scale, Golden-Stick's U64 scales) decoded when asked.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "formats/checkpoint.h"

namespace qkit {

// Empty when the shard is unreadable or the tensor has more than
// max_elements values. nullopt entries: not decodable (sub-byte dtype, or a
// bit pattern whose high word is neither zero nor a sign extension).
std::vector<std::optional<double>> tensor_values(const Checkpoint& c, const TensorRef& t, bool float32_bit_patterns,
                                                 std::uint64_t max_elements = 16u << 20);

// The same with undecodable entries as NaN.
std::vector<double> tensor_values_or_nan(const Checkpoint& c, const TensorRef& t, bool float32_bit_patterns);

// A module's in-features k. Binding solves k from the weight's stored shape,
// which for compressed-tensors' weight_packed is the padded word count
// times the values per word; its weight_shape tensor holds the real k
// (read here, on demand: opening reads headers only). nullopt when the
// module has no k or weight_shape disagrees with weight_packed.
std::optional<std::uint64_t> module_k(const Checkpoint& c, const Module& m);

}  // namespace qkit
