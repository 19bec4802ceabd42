//===- tests/codecs_test.cpp - int4 layouts, deq_scale, MX codes ---------===//
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <bit>
#include <cstring>

#include "formats/codecs.h"
#include "formats/float_codec.h"
#include "formats/checkpoint.h"
#include "formats/tensor_values.h"
#include "tests/test_util.h"

namespace qkit {
namespace {

std::vector<std::int8_t> v8(std::initializer_list<int> xs) {
  std::vector<std::int8_t> out;
  for (int x : xs) out.push_back(static_cast<std::int8_t>(x));
  return out;
}

TEST(Int4, NibbleOrderEvenLowOddHigh) {
  // msModelSlim pack.py's own test vector: pairs along the last axis of
  // [[1,2,3,4],[5,6,7,8]] give [[33,67],[101,-121]] (2 | 1<<4 = 33 ...).
  EXPECT_EQ(pack_int4_pair(1, 2), 33);
  EXPECT_EQ(pack_int4_pair(3, 4), 67);
  EXPECT_EQ(pack_int4_pair(5, 6), 101);
  EXPECT_EQ(pack_int4_pair(7, 8 - 16), -121);  // 8 is -8 as int4: 0x87
  EXPECT_EQ(low_int4(-121), 7);
  EXPECT_EQ(high_int4(-121), -8);
  EXPECT_EQ(sign_extend4(0xf), -1);
  EXPECT_EQ(sign_extend4(0x7), 7);
}

TEST(Int4, PackedKMatchesHandComputedBytes) {
  // W = [[1,2,3,4],[5,6,7,-8]], packed along k -> [n, k/2].
  auto p = pack_int4(v8({1, 2, 3, 4, 5, 6, 7, -8}), 2, 4, Int4Layout::PackedK);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, v8({33, 67, 101, -121}));
}

TEST(Int4, PackedNMatchesHandComputedBytes) {
  // msModelSlim w4a8 packing of [[1,2,3,4],[5,6,7,8]] (pairs along n) gives
  // [[81,98,115,-124]]: byte j = W[0][j] | W[1][j] << 4; 8 stands for -8.
  auto p = pack_int4(v8({1, 2, 3, 4, 5, 6, 7, -8}), 2, 4, Int4Layout::PackedN);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, v8({81, 98, 115, -124}));
  EXPECT_EQ(int4_packed_shape(Int4Layout::PackedN, 2, 4), (std::vector<std::uint64_t>{1, 4}));
}

TEST(Int4, GoldenStickLayoutIsTheByteTransposeOfPackedN) {
  std::mt19937 rng(5);
  const std::uint64_t n = 6, k = 5;
  std::vector<std::int8_t> w(n * k);
  for (auto& x : w) x = static_cast<std::int8_t>(static_cast<int>(rng() % 16) - 8);
  auto ms = pack_int4(w, n, k, Int4Layout::PackedN);
  auto gs = pack_int4(w, n, k, Int4Layout::TransposedPackedN);
  ASSERT_TRUE(ms.ok() && gs.ok());
  for (std::uint64_t i = 0; i < n / 2; ++i)
    for (std::uint64_t j = 0; j < k; ++j) EXPECT_EQ((*ms)[i * k + j], (*gs)[j * (n / 2) + i]);
}

TEST(Int4, RoundTripEveryLayout) {
  std::mt19937 rng(9);
  for (Int4Layout l : {Int4Layout::PackedN, Int4Layout::PackedK, Int4Layout::TransposedPackedN}) {
    const std::uint64_t n = 8, k = 6;
    std::vector<std::int8_t> w(n * k);
    for (auto& x : w) x = static_cast<std::int8_t>(static_cast<int>(rng() % 16) - 8);
    auto p = pack_int4(w, n, k, l);
    ASSERT_TRUE(p.ok());
    auto u = unpack_int4(*p, n, k, l);
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(*u, w) << int4_layout_name(l);
  }
}

TEST(Int4, RejectsBadInput) {
  EXPECT_FALSE(pack_int4(v8({1, 2, 3}), 3, 1, Int4Layout::PackedN).ok());        // odd n
  EXPECT_FALSE(pack_int4(v8({1, 2, 3}), 1, 3, Int4Layout::PackedK).ok());        // odd k
  EXPECT_FALSE(pack_int4(v8({1, 2}), 2, 2, Int4Layout::PackedN).ok());           // size
  auto big = pack_int4(v8({1, 9}), 2, 1, Int4Layout::PackedN);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().detail.find("[1,0]"), std::string::npos) << big.error().detail;
  EXPECT_FALSE(unpack_int4(v8({1, 2, 3}), 2, 2, Int4Layout::PackedN).ok());
}

TEST(DeqScale, Int64HoldsFloatBitsInLowWord) {
  // 0.001f is 0x3A83126F = 981668463.
  EXPECT_EQ(deq_scale_to_i64(0.001f), 981668463);
  EXPECT_EQ(deq_scale_from_i64(981668463), 0.001f);
  EXPECT_EQ(deq_scale_from_i64(deq_scale_to_i64(1.5e-5f)), 1.5e-5f);
  // msModelSlim's sign-extended form of a (negative, invalid) scale decodes too.
  std::int64_t sign_ext = static_cast<std::int64_t>(static_cast<std::int32_t>(std::bit_cast<std::uint32_t>(-2.0f)));
  EXPECT_EQ(deq_scale_from_i64(sign_ext), -2.0f);
  EXPECT_FALSE(deq_scale_from_i64(0x100000000LL).has_value());   // garbage high word
  EXPECT_FALSE(deq_scale_from_i64(static_cast<std::int64_t>(0xffffffff00000001ULL)).has_value());
}

TEST(Mx, E8M0AndFp4) {
  EXPECT_EQ(e8m0_to_float(127), 1.0f);
  EXPECT_EQ(e8m0_to_float(130), 8.0f);
  EXPECT_EQ(e8m0_to_float(0), std::ldexp(1.0f, -127));
  EXPECT_TRUE(std::isnan(e8m0_to_float(255)));
  EXPECT_EQ(e8m0_from_exponent(-3), 124);
  EXPECT_EQ(e8m0_from_exponent(500), 254);
  for (std::uint8_t c = 0; c < 16; ++c) EXPECT_EQ(fp4_e2m1_from_float(fp4_e2m1_to_float(c)) & 7, c & 7);
  EXPECT_EQ(fp4_e2m1_to_float(0x7), 6.0f);
  EXPECT_EQ(fp4_e2m1_to_float(0xb), -1.5f);
  EXPECT_EQ(fp4_e2m1_from_float(5.0f), 6);   // tie 4|6 -> even code (6 = index 6)
  EXPECT_EQ(fp4_e2m1_from_float(100.0f), 7); // saturates at 6
  EXPECT_EQ(fp4_e2m1_from_float(-0.7f), 0x9);
}

TEST(Elements, ReadEveryDtypeAsDouble) {
  std::vector<std::byte> b(8);
  auto put = [&](auto v) { std::memcpy(b.data(), &v, sizeof v); };
  put(std::int8_t{-5});
  EXPECT_EQ(element_as_double(Dtype::I8, b, 0), -5.0);
  put(std::int32_t{-70000});
  EXPECT_EQ(element_as_double(Dtype::I32, b, 0), -70000.0);
  put(std::int64_t{1} << 40);
  EXPECT_EQ(element_as_double(Dtype::I64, b, 0), std::ldexp(1.0, 40));
  put(1.25f);
  EXPECT_EQ(element_as_double(Dtype::F32, b, 0), 1.25);
  put(f32_to_bf16(-3.0f));
  EXPECT_EQ(element_as_double(Dtype::BF16, b, 0), -3.0);
  put(f32_to_f16(0.5f));
  EXPECT_EQ(element_as_double(Dtype::F16, b, 0), 0.5);
  put(std::uint8_t{0x38});  // E4M3: exponent 7 -> 1.0
  EXPECT_EQ(element_as_double(Dtype::F8_E4M3, b, 0), 1.0);
  put(std::uint8_t{0x7f});
  EXPECT_TRUE(std::isnan(*element_as_double(Dtype::F8_E4M3, b, 0)));
  put(std::uint8_t{0x3c});  // E5M2 = top byte of fp16 1.0
  EXPECT_EQ(element_as_double(Dtype::F8_E5M2, b, 0), 1.0);
  EXPECT_FALSE(element_as_double(Dtype::F4, b, 0).has_value());
  EXPECT_FALSE(element_as_double(Dtype::F32, b, 2).has_value());  // out of range
}

// tensor_values_or_nan decodes a whole tensor in one dtype dispatch (the
// planner's hot path); it must give exactly tensor_values' values, NaN for
// each nullopt, for every dtype, with and without float32 bit patterns.
TEST(TensorValues, FastPathMatchesElementByElement) {
  test::TempDir d;
  std::mt19937_64 rng(15);
  for (Dtype dt : all_dtypes()) {
    if (dtype_bits(dt) < 8 || dt == Dtype::Unknown) continue;
    const std::uint64_t n = 257, bytes = n * dtype_bits(dt) / 8;
    std::string data(bytes, '\0');
    for (auto& ch : data) ch = static_cast<char>(rng());
    if (dtype_bits(dt) == 64) {  // half of the 64-bit entries look like float32 bit patterns (high word 0 or -1)
      for (std::uint64_t i = 0; i < n; i += 2) {
        const std::uint32_t hi = (i % 4 == 0) ? 0u : 0xffffffffu;
        std::memcpy(data.data() + 8 * i + 4, &hi, 4);
      }
    }
    const std::string header = "{\"t\":{\"dtype\":\"" + std::string(dtype_name(dt)) + "\",\"shape\":[" + std::to_string(n) +
                               "],\"data_offsets\":[0," + std::to_string(bytes) + "]}}";
    const auto path = d / (std::string(dtype_name(dt)) + ".safetensors");
    test::write_file(path, test::st_file(header, data));
    auto c = Checkpoint::open(path);
    ASSERT_TRUE(c.ok()) << dtype_name(dt);
    const TensorRef* t = c->find("t");
    ASSERT_NE(t, nullptr) << dtype_name(dt);
    for (bool bits : {false, true}) {
      auto slow = tensor_values(*c, *t, bits, ~0ull);
      auto fast = tensor_values_or_nan(*c, *t, bits);
      ASSERT_EQ(slow.size(), fast.size()) << dtype_name(dt);
      for (std::size_t i = 0; i < fast.size(); ++i) {
        const double want = slow[i].value_or(NAN);
        if (std::isnan(want)) EXPECT_TRUE(std::isnan(fast[i])) << dtype_name(dt) << " [" << i << "]";
        else EXPECT_EQ(std::bit_cast<std::uint64_t>(want), std::bit_cast<std::uint64_t>(fast[i])) << dtype_name(dt) << " [" << i << "]";
      }
    }
  }
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// compressed-tensors pack_to_int32 (pack_quantized.py@52792be L186-246):
// value + 8, eight per little-endian int32, the first in the lowest bits.
// Bytes computed by hand: u = q + 8 = [0, 7, 8, 15, 9, 10, 11, 12] gives the
// word 0xCBA9F870.
TEST(CtPacked, Int4MatchesHandComputedBytes) {
  const std::vector<std::int8_t> q = {-8, -1, 0, 7, 1, 2, 3, 4};
  auto p = ct_pack(q, 1, 8, 4);
  ASSERT_TRUE(p.ok());
  const std::vector<std::byte> want = {std::byte{0x70}, std::byte{0xF8}, std::byte{0xA9}, std::byte{0xCB}};
  EXPECT_EQ(*p, want);
  for (std::uint64_t c = 0; c < 8; ++c) EXPECT_EQ(ct_packed_get(p->data(), 4, 8, 0, c), q[c]) << c;
}

// 8-bit: value + 128, four per word: [-128, -1, 0, 127] -> 00 7F 80 FF.
TEST(CtPacked, Int8MatchesHandComputedBytes) {
  const std::vector<std::int8_t> q = {-128, -1, 0, 127};
  auto p = ct_pack(q, 1, 4, 8);
  ASSERT_TRUE(p.ok());
  const std::vector<std::byte> want = {std::byte{0x00}, std::byte{0x7F}, std::byte{0x80}, std::byte{0xFF}};
  EXPECT_EQ(*p, want);
}

// Rows are padded to whole words: k = 3 int4 values take one word per row,
// the unused nibbles zero; row 1 starts at byte 4.
TEST(CtPacked, RowsArePaddedToWholeWords) {
  const std::vector<std::int8_t> q = {1, 2, 3, -1, -2, -3};
  auto p = ct_pack(q, 2, 3, 4);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 8u);
  EXPECT_EQ((*p)[0], std::byte{0xA9});  // 9 | 10 << 4
  EXPECT_EQ((*p)[1], std::byte{0x0B});  // 11, then padding
  EXPECT_EQ((*p)[4], std::byte{0x67});  // 7 | 6 << 4
  EXPECT_EQ(ct_packed_get(p->data(), 4, 3, 1, 2), -3);
  EXPECT_FALSE(ct_pack(std::vector<std::int8_t>{8}, 1, 1, 4).ok());
  EXPECT_FALSE(ct_pack(q, 1, 3, 4).ok());
}

// Zero points pack along n (packed_dim=0): zp [n=9, G=2] int4 gives
// [ceil(9/8)=2, 2] words; word (0, 1) holds zp[0..7][1] + 8, word (1, 0)
// holds zp[8][0] + 8 in its low nibble. By hand: column 1 is 0..7 - 4 =
// [-4..3], so nibbles 4..11 and the word 0xBA987654.
TEST(CtPacked, ZeroPointsPackAlongN) {
  std::vector<std::int8_t> zp(18, 0);
  for (int r = 0; r < 9; ++r) zp[r * 2 + 1] = static_cast<std::int8_t>(r - 4);
  zp[8 * 2 + 0] = -8;
  auto p = ct_pack_n(zp, 9, 2, 4);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 16u);
  const std::vector<std::byte> word01 = {std::byte{0x54}, std::byte{0x76}, std::byte{0x98}, std::byte{0xBA}};
  EXPECT_TRUE(std::equal(word01.begin(), word01.end(), p->begin() + 4));
  EXPECT_EQ((*p)[8], std::byte{0x00});  // word (1,0): -8 + 8 = 0, then padding
  for (std::uint64_t r = 0; r < 9; ++r)
    for (std::uint64_t g = 0; g < 2; ++g) EXPECT_EQ(ct_packed_n_get(p->data(), 4, 2, r, g), zp[r * 2 + g]) << r << "," << g;
}

}  // namespace
}  // namespace qkit
