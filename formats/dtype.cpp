//===- formats/dtype.cpp - dtype names and bit sizes ---------------------===//
#include "formats/dtype.h"

#include <array>

namespace qkit {
namespace {

struct DtypeInfo {
  Dtype dtype;
  std::string_view name;
  unsigned bits;
  bool is_float;
};

// One table; the enum order above must match it (static_assert below).
constexpr std::array<DtypeInfo, kDtypeCount> kDtypes = {{
    {Dtype::BOOL, "BOOL", 8, false},
    {Dtype::U8, "U8", 8, false},
    {Dtype::I8, "I8", 8, false},
    {Dtype::F8_E5M2, "F8_E5M2", 8, true},
    {Dtype::F8_E4M3, "F8_E4M3", 8, true},
    {Dtype::F8_E8M0, "F8_E8M0", 8, true},
    {Dtype::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8, true},
    {Dtype::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8, true},
    {Dtype::F4, "F4", 4, true},
    {Dtype::F6_E2M3, "F6_E2M3", 6, true},
    {Dtype::F6_E3M2, "F6_E3M2", 6, true},
    {Dtype::I16, "I16", 16, false},
    {Dtype::U16, "U16", 16, false},
    {Dtype::F16, "F16", 16, true},
    {Dtype::BF16, "BF16", 16, true},
    {Dtype::I32, "I32", 32, false},
    {Dtype::U32, "U32", 32, false},
    {Dtype::F32, "F32", 32, true},
    {Dtype::C64, "C64", 64, true},
    {Dtype::F64, "F64", 64, true},
    {Dtype::I64, "I64", 64, false},
    {Dtype::U64, "U64", 64, false},
}};

constexpr bool table_matches_enum() {
  for (std::size_t i = 0; i < kDtypes.size(); ++i)
    if (static_cast<std::size_t>(kDtypes[i].dtype) != i) return false;
  return static_cast<std::size_t>(Dtype::Unknown) == kDtypes.size();
}
static_assert(table_matches_enum(), "kDtypes must list every Dtype in enum order");

constexpr std::array<Dtype, kDtypeCount> kAll = [] {
  std::array<Dtype, kDtypeCount> a{};
  for (std::size_t i = 0; i < kDtypeCount; ++i) a[i] = kDtypes[i].dtype;
  return a;
}();

}  // namespace

std::string_view dtype_name(Dtype d) {
  auto i = static_cast<std::size_t>(d);
  return i < kDtypes.size() ? kDtypes[i].name : std::string_view("?");
}

unsigned dtype_bits(Dtype d) {
  auto i = static_cast<std::size_t>(d);
  return i < kDtypes.size() ? kDtypes[i].bits : 0;
}

std::optional<Dtype> parse_dtype(std::string_view name) {
  for (const auto& info : kDtypes)
    if (info.name == name) return info.dtype;
  return std::nullopt;
}

std::span<const Dtype> all_dtypes() { return kAll; }

bool is_float_dtype(Dtype d) {
  auto i = static_cast<std::size_t>(d);
  return i < kDtypes.size() && kDtypes[i].is_float;
}

bool is_integer_dtype(Dtype d) {
  auto i = static_cast<std::size_t>(d);
  return i < kDtypes.size() && !kDtypes[i].is_float && d != Dtype::BOOL;
}

}  // namespace qkit
