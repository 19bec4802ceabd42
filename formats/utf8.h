//===- formats/utf8.h - strict UTF-8 validation --------------------------===//
//
// Same acceptance as Rust's str::from_utf8, which the reference safetensors
// implementation applies to the header: no overlong forms, no surrogates,
// nothing above U+10FFFF.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <string_view>

namespace qkit {

// Returns the byte index of the first invalid sequence, or s.size() if valid.
std::size_t first_invalid_utf8(std::string_view s);
inline bool is_valid_utf8(std::string_view s) { return first_invalid_utf8(s) == s.size(); }

}  // namespace qkit
