//===- tests/basics_test.cpp - error codes, dtypes, UTF-8, float codecs --===//
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "formats/checked_math.h"
#include "formats/dtype.h"
#include "formats/error.h"
#include "formats/float_codec.h"
#include "formats/utf8.h"

namespace qkit {
namespace {

TEST(ErrorCodes, IdsAreUniqueAndMessagesPresent) {
  std::set<std::string_view> ids;
  for (Errc c : all_error_codes()) {
    EXPECT_TRUE(ids.insert(error_id(c)).second) << "duplicate id " << error_id(c);
    EXPECT_FALSE(error_message(c).empty()) << error_id(c);
  }
  EXPECT_EQ(error_id(Errc::invalid_offset), "st-invalid-offset");
}

TEST(ErrorCodes, ToStringNamesFileTensorAndOffset) {
  Error e = Error(Errc::tensor_invalid_info, "needs 8").in_file("/m/a.safetensors").for_tensor("w").at(120);
  // The message first; the id in a trailing bracket (issue #16).
  EXPECT_EQ(e.to_string(), "/m/a.safetensors: tensor 'w': at byte 120: needs 8 [st-tensor-invalid-info]");
  Error bare(Errc::header_json, "");
  EXPECT_EQ(bare.to_string(), "header is not valid JSON [st-header-json]");
}

TEST(Dtypes, ParseIsExactAndCaseSensitive) {
  EXPECT_EQ(parse_dtype("BF16"), Dtype::BF16);
  EXPECT_EQ(parse_dtype("F8_E4M3FNUZ"), Dtype::F8_E4M3FNUZ);
  EXPECT_FALSE(parse_dtype("bf16"));
  EXPECT_FALSE(parse_dtype("F8_E4M3FN"));
  EXPECT_FALSE(parse_dtype("BF16 "));
  EXPECT_FALSE(parse_dtype(""));
  EXPECT_EQ(all_dtypes().size(), 22u);
  for (Dtype d : all_dtypes()) EXPECT_EQ(parse_dtype(dtype_name(d)), d);
  EXPECT_TRUE(is_integer_dtype(Dtype::I8));
  EXPECT_FALSE(is_integer_dtype(Dtype::BOOL));
  EXPECT_TRUE(is_float_dtype(Dtype::F8_E8M0));
}

TEST(CheckedMath, OverflowIsDetected) {
  EXPECT_EQ(checked_mul(1ull << 32, 1ull << 31), 1ull << 63);
  EXPECT_FALSE(checked_mul(1ull << 32, 1ull << 32));
  EXPECT_FALSE(checked_add(~0ull, 1));
  std::uint64_t ok[] = {2, 3, 4};
  EXPECT_EQ(element_count(ok), 24u);
  std::uint64_t empty[] = {0, ~0ull};
  EXPECT_EQ(element_count(empty), 0u);
  std::uint64_t big[] = {~0ull, 2};
  EXPECT_FALSE(element_count(big));
  EXPECT_EQ(element_count({}), 1u);
}

TEST(Utf8, AcceptsValidRejectsInvalid) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("\xc2\xa9 \xe6\x9d\x83 \xf0\x9f\x98\x80"));      // ©, 权, 😀
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));                             // U+10FFFF
  EXPECT_EQ(first_invalid_utf8("abc\xff"), 3u);
  EXPECT_EQ(first_invalid_utf8("\xc0\x80"), 0u);                              // overlong NUL
  EXPECT_EQ(first_invalid_utf8("\xe0\x80\xaf"), 0u);                          // overlong
  EXPECT_EQ(first_invalid_utf8("\xed\xa0\x80"), 0u);                          // surrogate
  EXPECT_EQ(first_invalid_utf8("\xf4\x90\x80\x80"), 0u);                      // > U+10FFFF
  EXPECT_EQ(first_invalid_utf8("ok\xe6\x9d"), 2u);                            // truncated
  EXPECT_EQ(first_invalid_utf8("12345678\x80"), 8u);                          // after fast path
  EXPECT_EQ(first_invalid_utf8("\xc3\x28"), 0u);                              // bad continuation
}

TEST(FloatCodec, Bf16RoundsToNearestEven) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties to even.
  EXPECT_EQ(f32_to_bf16(1.00390625f), 0x3f80);
  EXPECT_EQ(f32_to_bf16(std::nextafter(1.00390625f, 2.0f)), 0x3f81);
  EXPECT_EQ(f32_to_bf16(1.01171875f), 0x3f82);  // halfway between 0x3f81 and 0x3f82: to even
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(f32_to_bf16(-0.0f), 0x8000);
}

TEST(FloatCodec, F16ExhaustiveRoundTripAndRounding) {
  // Every binary16 value survives f16 -> f32 -> f16 exactly (NaNs stay NaN).
  for (std::uint32_t h = 0; h <= 0xffff; ++h) {
    float f = f16_to_f32(static_cast<std::uint16_t>(h));
    std::uint16_t back = f32_to_f16(f);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(back)));
    } else {
      ASSERT_EQ(back, h) << "h=" << h;
    }
  }
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);  // below the rounding boundary
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // rounds to infinity
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);                 // tie to even (0)
  EXPECT_EQ(f32_to_f16(std::ldexp(1.5f, -25)), 0x0001);                 // above the tie
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);          // tie to even
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);      // tie to even (up)
}

}  // namespace
}  // namespace qkit
