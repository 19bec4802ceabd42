//===- formats/codecs.h - element codecs of quantized checkpoints --------===//
//
// The bit-level encodings both tool families use, as small tested
// functions:
//   - int4 pairs in one int8 byte: the even-index element in the low nibble,
//     the odd-index element in the high nibble, two's-complement nibbles
//     (msModelSlim pack.py and Golden-Stick np_int4data_pack_to_int8 agree);
//   - the three int4 tensor layouts in use (which axis is packed, and
//     whether the tensor is stored transposed);
//   - deq_scale as an int64 holding the float32 bit pattern in its low word;
//   - E8M0 block scales (stored byte = exponent + 127) and FP4 E2M1 codes;
//   - reading one element of any numeric dtype as a double.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "formats/dtype.h"
#include "formats/error.h"

namespace qkit {

// --- int4 ----------------------------------------------------------------

inline std::int8_t sign_extend4(std::uint8_t nibble) {
  return static_cast<std::int8_t>(static_cast<std::int8_t>(nibble << 4) >> 4);
}
inline std::int8_t pack_int4_pair(std::int8_t even, std::int8_t odd) {
  return static_cast<std::int8_t>((static_cast<std::uint8_t>(odd) << 4) | (static_cast<std::uint8_t>(even) & 0x0f));
}
inline std::int8_t low_int4(std::int8_t b) { return sign_extend4(static_cast<std::uint8_t>(b) & 0x0f); }
inline std::int8_t high_int4(std::int8_t b) { return sign_extend4((static_cast<std::uint8_t>(b) >> 4) & 0x0f); }

// How a logical int4 weight W[n, k] (out, in) is stored in an I8 tensor.
enum class Int4Layout : std::uint8_t {
  PackedN,            // [n/2, k]: byte[i][j] = W[2i][j] | W[2i+1][j] << 4 (msModelSlim W4A8, W4A16 per-group)
  PackedK,            // [n, k/2]: byte[i][j] = W[i][2j] | W[i][2j+1] << 4 (msModelSlim V0 W4A16 per-channel)
  TransposedPackedN,  // [k, n/2]: byte[j][i] = W[2i][j] | W[2i+1][j] << 4 (Golden-Stick qint4x2)
};

std::string_view int4_layout_name(Int4Layout l);
// Stored shape of a packed [n, k] weight.
std::vector<std::uint64_t> int4_packed_shape(Int4Layout l, std::uint64_t n, std::uint64_t k);

// Where W[r][c] sits: the byte index and whether it is the high nibble.
// The one int4 addressing rule; packers, unpackers, the converter's
// streaming re-packer and the dequantizer all use it.
struct Int4Slot {
  std::uint64_t byte;
  bool high;
};
inline Int4Slot int4_slot(Int4Layout l, std::uint64_t n, std::uint64_t k, std::uint64_t r, std::uint64_t c) {
  switch (l) {
    case Int4Layout::PackedN: return {(r / 2) * k + c, (r & 1) != 0};
    case Int4Layout::PackedK: return {r * (k / 2) + c / 2, (c & 1) != 0};
    case Int4Layout::TransposedPackedN: return {c * (n / 2) + r / 2, (r & 1) != 0};
  }
  return {0, false};
}
// The value W[r][c] of a packed tensor.
inline std::int8_t int4_get(const std::int8_t* packed, Int4Layout l, std::uint64_t n, std::uint64_t k, std::uint64_t r,
                            std::uint64_t c) {
  const Int4Slot s = int4_slot(l, n, k, r, c);
  return s.high ? high_int4(packed[s.byte]) : low_int4(packed[s.byte]);
}

// --- compressed-tensors pack-quantized -----------------------------------
//
// `bits`-bit integers (4 or 8) stored as value + 2^(bits-1), 32/bits of them
// per little-endian I32 word along k, the first in the lowest bits; each row
// padded to whole words: weight_packed [n, ceil(k*bits/32)]
// (neuralmagic/compressed-tensors pack_quantized.py@52792be L186-309;
// docs/research/compressed-tensors.md §4.3). In bytes, value c of row r sits
// in byte (r*words + c/per)*4 + (c%per)*bits/8, at bit ((c%per)*bits) % 8.
inline std::uint64_t ct_packed_words(std::uint64_t k, unsigned bits) {
  const std::uint64_t per = 32 / bits;
  return (k + per - 1) / per;
}
inline std::int8_t ct_packed_get(const std::byte* data, unsigned bits, std::uint64_t k, std::uint64_t r, std::uint64_t c) {
  const std::uint64_t per = 32 / bits, i = c % per;
  const std::uint64_t byte = (r * ct_packed_words(k, bits) + c / per) * 4 + i * bits / 8;
  const unsigned v = (static_cast<unsigned>(data[byte]) >> ((i * bits) % 8)) & ((1u << bits) - 1);
  return static_cast<std::int8_t>(static_cast<int>(v) - (1 << (bits - 1)));
}
// Packs q (row-major [n, k], each value in [-2^(bits-1), 2^(bits-1)-1]) into
// the bytes of weight_packed. Errors: bits not 4 or 8, size mismatch, value
// out of range (names the element index).
Result<std::vector<std::byte>> ct_pack(std::span<const std::int8_t> q, std::uint64_t n, std::uint64_t k, unsigned bits);

// Zero points of asymmetric pack-quantized weights are packed the same way
// along n instead (pack_to_int32(..., packed_dim=0), pack_quantized.py
// L186-246): weight_zero_point [ceil(n*bits/32), G], the word (w, g) holding
// zp[w*per + i][g] + 2^(bits-1) at bit i*bits.
inline std::int8_t ct_packed_n_get(const std::byte* data, unsigned bits, std::uint64_t G, std::uint64_t r, std::uint64_t g) {
  const std::uint64_t per = 32 / bits, i = r % per;
  const std::uint64_t byte = ((r / per) * G + g) * 4 + i * bits / 8;
  const unsigned v = (static_cast<unsigned>(data[byte]) >> ((i * bits) % 8)) & ((1u << bits) - 1);
  return static_cast<std::int8_t>(static_cast<int>(v) - (1 << (bits - 1)));
}
// Packs zp (row-major [n, G]) along n. Errors as ct_pack.
Result<std::vector<std::byte>> ct_pack_n(std::span<const std::int8_t> zp, std::uint64_t n, std::uint64_t G, unsigned bits);

// Packs W (row-major [n, k], values in [-8, 7]). Errors: odd packed axis,
// size mismatch, value out of range (names the element index).
Result<std::vector<std::int8_t>> pack_int4(std::span<const std::int8_t> w, std::uint64_t n, std::uint64_t k,
                                           Int4Layout layout);
// Unpacks to row-major [n, k] int8 values in [-8, 7].
Result<std::vector<std::int8_t>> unpack_int4(std::span<const std::int8_t> packed, std::uint64_t n, std::uint64_t k,
                                             Int4Layout layout);

// --- deq_scale -----------------------------------------------------------

// The int64 form: low 32 bits are the float32 bits, high 32 bits zero.
std::int64_t deq_scale_to_i64(float scale);
// Decodes either producer's form: Golden-Stick zero-extends the bit pattern,
// msModelSlim sign-extends it (same value for every positive scale). Returns
// nullopt when the high word is neither (not a deq_scale bit pattern).
std::optional<float> deq_scale_from_i64(std::int64_t v);

// --- MX: E8M0 scales and FP4 E2M1 -----------------------------------------

// 2^(byte - 127); byte 255 is NaN.
float e8m0_to_float(std::uint8_t byte);
// Exponent e in [-127, 127] -> byte e + 127.
std::uint8_t e8m0_from_exponent(int e);
// 4-bit E2M1 code (sign bit 3) -> value in {0, 0.5, 1, 1.5, 2, 3, 4, 6} with sign.
float fp4_e2m1_to_float(std::uint8_t code);
// Nearest E2M1 code for x (ties to the even code), saturating at +-6.
std::uint8_t fp4_e2m1_from_float(float x);

// --- generic element access ------------------------------------------------

// Element i of a little-endian buffer of dtype d, as a double. Supported:
// BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F16, BF16, F32, F64, F8_E4M3,
// F8_E5M2, F8_E8M0. Returns nullopt for sub-byte, complex and unknown dtypes.
std::optional<double> element_as_double(Dtype d, std::span<const std::byte> bytes, std::uint64_t i);
bool element_readable(Dtype d);

// FP8 decoders (OCP E4M3 "fn": no infinities, S.1111.111 is NaN; E5M2 IEEE-like).
float f8_e4m3_to_f32(std::uint8_t b);
float f8_e5m2_to_f32(std::uint8_t b);

}  // namespace qkit
