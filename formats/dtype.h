//===- formats/dtype.h - the 22 safetensors dtypes and their bit sizes ---===//
//
// Names are exact and case-sensitive, as the reference implementation
// deserializes them. Sizes are in bits because F4 and F6_* are sub-byte.
// There is no INT4 dtype: packed int4 travels as U8/I8/I32 plus metadata.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace qkit {

enum class Dtype : std::uint8_t {
  BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ,
  F4,
  F6_E2M3, F6_E3M2,
  I16, U16, F16, BF16,
  I32, U32, F32,
  C64, F64, I64, U64,
  // Not a safetensors dtype: a name the strict reader rejects but that the
  // lenient mode (used by the inspector) keeps so it can show the entry.
  Unknown,
};

inline constexpr std::size_t kDtypeCount = 22;

// "F32", "BF16", ...; "?" for Unknown.
std::string_view dtype_name(Dtype d);
// Bits per element; 0 for Unknown.
unsigned dtype_bits(Dtype d);
// Exact-name lookup; nullopt when the name is not one of the 22.
std::optional<Dtype> parse_dtype(std::string_view name);
// The 22 real dtypes.
std::span<const Dtype> all_dtypes();

bool is_float_dtype(Dtype d);
bool is_integer_dtype(Dtype d);

}  // namespace qkit
