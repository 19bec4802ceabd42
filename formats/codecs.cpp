//===- formats/codecs.cpp ------------------------------------------------===//
#include "formats/codecs.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "formats/float_codec.h"

namespace qkit {

std::string_view int4_layout_name(Int4Layout l) {
  switch (l) {
    case Int4Layout::PackedN: return "[n/2,k] packed along n";
    case Int4Layout::PackedK: return "[n,k/2] packed along k";
    case Int4Layout::TransposedPackedN: return "[k,n/2] transposed, packed along n";
  }
  return "?";
}

std::vector<std::uint64_t> int4_packed_shape(Int4Layout l, std::uint64_t n, std::uint64_t k) {
  switch (l) {
    case Int4Layout::PackedN: return {n / 2, k};
    case Int4Layout::PackedK: return {n, k / 2};
    case Int4Layout::TransposedPackedN: return {k, n / 2};
  }
  return {};
}

namespace {

Status check_int4_dims(std::uint64_t n, std::uint64_t k, Int4Layout l, std::uint64_t have, bool packed) {
  bool along_n = l != Int4Layout::PackedK;
  if ((along_n ? n : k) % 2 != 0)
    return Error(Errc::invalid_argument, std::string("int4 layout ") + std::string(int4_layout_name(l)) +
                                             " needs an even " + (along_n ? "n" : "k") + ", got " +
                                             std::to_string(along_n ? n : k));
  std::uint64_t want = n * k / (packed ? 2 : 1);
  if (have != want)
    return Error(Errc::invalid_argument, "int4 buffer has " + std::to_string(have) + " bytes, expected " +
                                             std::to_string(want));
  return ok_status();
}

}  // namespace

Result<std::vector<std::int8_t>> pack_int4(std::span<const std::int8_t> w, std::uint64_t n, std::uint64_t k,
                                           Int4Layout layout) {
  if (auto st = check_int4_dims(n, k, layout, w.size(), false); !st) return std::move(st).error();
  std::vector<std::int8_t> out(n * k / 2, 0);
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t c = 0; c < k; ++c) {
      std::int8_t v = w[r * k + c];
      if (v < -8 || v > 7)
        return Error(Errc::invalid_argument, "int4 value " + std::to_string(v) + " at [" + std::to_string(r) + "," +
                                                 std::to_string(c) + "] is outside [-8, 7]");
      const Int4Slot s = int4_slot(layout, n, k, r, c);  // the one addressing rule (codecs.h)
      auto& b = reinterpret_cast<std::uint8_t&>(out[s.byte]);
      std::uint8_t nib = static_cast<std::uint8_t>(v) & 0x0f;
      b = s.high ? static_cast<std::uint8_t>((b & 0x0f) | (nib << 4)) : static_cast<std::uint8_t>((b & 0xf0) | nib);
    }
  return out;
}

Result<std::vector<std::int8_t>> unpack_int4(std::span<const std::int8_t> packed, std::uint64_t n, std::uint64_t k,
                                             Int4Layout layout) {
  if (auto st = check_int4_dims(n, k, layout, packed.size(), true); !st) return std::move(st).error();
  std::vector<std::int8_t> out(n * k);
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t c = 0; c < k; ++c) {
      const Int4Slot s = int4_slot(layout, n, k, r, c);  // the one addressing rule (codecs.h)
      out[r * k + c] = s.high ? high_int4(packed[s.byte]) : low_int4(packed[s.byte]);
    }
  return out;
}

std::int64_t deq_scale_to_i64(float scale) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(std::bit_cast<std::uint32_t>(scale)));
}

std::optional<float> deq_scale_from_i64(std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  std::uint32_t hi = static_cast<std::uint32_t>(u >> 32), lo = static_cast<std::uint32_t>(u);
  bool zero_ext = hi == 0;
  bool sign_ext = hi == 0xffffffffu && (lo & 0x80000000u) != 0;
  if (!zero_ext && !sign_ext) return std::nullopt;
  return std::bit_cast<float>(lo);
}

float e8m0_to_float(std::uint8_t byte) {
  if (byte == 255) return std::numeric_limits<float>::quiet_NaN();
  return std::ldexp(1.0f, static_cast<int>(byte) - 127);
}

std::uint8_t e8m0_from_exponent(int e) {
  if (e < -127) e = -127;
  if (e > 127) e = 127;
  return static_cast<std::uint8_t>(e + 127);
}

namespace {
constexpr float kFp4Values[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
}

float fp4_e2m1_to_float(std::uint8_t code) {
  float v = kFp4Values[code & 7];
  return (code & 8) ? -v : v;
}

std::uint8_t fp4_e2m1_from_float(float x) {
  std::uint8_t sign = std::signbit(x) ? 8 : 0;
  float a = std::fabs(x);
  if (std::isnan(a)) return 0;
  std::uint8_t best = 0;
  for (std::uint8_t i = 1; i < 8; ++i) {
    float d = std::fabs(kFp4Values[i] - a), db = std::fabs(kFp4Values[best] - a);
    if (d < db || (d == db && (i & 1) == 0)) best = i;
  }
  return static_cast<std::uint8_t>(sign | best);
}

float f8_e4m3_to_f32(std::uint8_t b) {
  int s = b >> 7, e = (b >> 3) & 0xf, m = b & 7;
  if (e == 0xf && m == 7) return std::numeric_limits<float>::quiet_NaN();
  float v = e == 0 ? std::ldexp(static_cast<float>(m), -9) : std::ldexp(1.0f + m / 8.0f, e - 7);
  return s ? -v : v;
}

float f8_e5m2_to_f32(std::uint8_t b) { return f16_to_f32(static_cast<std::uint16_t>(b) << 8); }

bool element_readable(Dtype d) {
  switch (d) {
    case Dtype::BOOL: case Dtype::U8: case Dtype::I8: case Dtype::I16: case Dtype::U16: case Dtype::I32:
    case Dtype::U32: case Dtype::I64: case Dtype::U64: case Dtype::F16: case Dtype::BF16: case Dtype::F32:
    case Dtype::F64: case Dtype::F8_E4M3: case Dtype::F8_E5M2: case Dtype::F8_E8M0:
      return true;
    default:
      return false;
  }
}

std::optional<double> element_as_double(Dtype d, std::span<const std::byte> bytes, std::uint64_t i) {
  if (!element_readable(d)) return std::nullopt;
  const std::uint64_t size = dtype_bits(d) / 8;
  if ((i + 1) * size > bytes.size()) return std::nullopt;
  const std::byte* p = bytes.data() + i * size;
  auto load = [&](auto v) {
    std::memcpy(&v, p, sizeof v);  // little-endian hosts only (checked at build)
    return v;
  };
  static_assert(std::endian::native == std::endian::little, "qkit reads little-endian tensor data in place");
  switch (d) {
    case Dtype::BOOL: return load(std::uint8_t{}) != 0 ? 1.0 : 0.0;
    case Dtype::U8: return load(std::uint8_t{});
    case Dtype::I8: return load(std::int8_t{});
    case Dtype::I16: return load(std::int16_t{});
    case Dtype::U16: return load(std::uint16_t{});
    case Dtype::I32: return load(std::int32_t{});
    case Dtype::U32: return load(std::uint32_t{});
    case Dtype::I64: return static_cast<double>(load(std::int64_t{}));
    case Dtype::U64: return static_cast<double>(load(std::uint64_t{}));
    case Dtype::F16: return f16_to_f32(load(std::uint16_t{}));
    case Dtype::BF16: return bf16_to_f32(load(std::uint16_t{}));
    case Dtype::F32: return load(float{});
    case Dtype::F64: return load(double{});
    case Dtype::F8_E4M3: return f8_e4m3_to_f32(load(std::uint8_t{}));
    case Dtype::F8_E5M2: return f8_e5m2_to_f32(load(std::uint8_t{}));
    case Dtype::F8_E8M0: return e8m0_to_float(load(std::uint8_t{}));
    default: return std::nullopt;
  }
}

Result<std::vector<std::byte>> ct_pack(std::span<const std::int8_t> q, std::uint64_t n, std::uint64_t k, unsigned bits) {
  if (bits != 4 && bits != 8) return Error(Errc::invalid_argument, "compressed-tensors packing of " + std::to_string(bits) + "-bit values");
  if (q.size() != n * k)
    return Error(Errc::invalid_argument, "packing " + std::to_string(q.size()) + " values, expected " + std::to_string(n * k));
  const int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
  const std::uint64_t words = ct_packed_words(k, bits), per = 32 / bits;
  std::vector<std::byte> out(n * words * 4, std::byte{0});
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t c = 0; c < k; ++c) {
      const int v = q[r * k + c];
      if (v < lo || v > hi)
        return Error(Errc::invalid_argument, "value " + std::to_string(v) + " at element " + std::to_string(r * k + c) + " is outside [" +
                                                 std::to_string(lo) + ", " + std::to_string(hi) + "]");
      const std::uint64_t i = c % per, byte = (r * words + c / per) * 4 + i * bits / 8;
      out[byte] |= static_cast<std::byte>(static_cast<unsigned>(v - lo) << ((i * bits) % 8));
    }
  return out;
}

Result<std::vector<std::byte>> ct_pack_n(std::span<const std::int8_t> zp, std::uint64_t n, std::uint64_t G, unsigned bits) {
  if (bits != 4 && bits != 8) return Error(Errc::invalid_argument, "compressed-tensors packing of " + std::to_string(bits) + "-bit values");
  if (zp.size() != n * G)
    return Error(Errc::invalid_argument, "packing " + std::to_string(zp.size()) + " zero points, expected " + std::to_string(n * G));
  const int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
  const std::uint64_t per = 32 / bits;
  std::vector<std::byte> out(ct_packed_words(n, bits) * G * 4, std::byte{0});
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t g = 0; g < G; ++g) {
      const int v = zp[r * G + g];
      if (v < lo || v > hi)
        return Error(Errc::invalid_argument, "zero point " + std::to_string(v) + " at [" + std::to_string(r) + "," + std::to_string(g) +
                                                 "] is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      const std::uint64_t i = r % per, byte = ((r / per) * G + g) * 4 + i * bits / 8;
      out[byte] |= static_cast<std::byte>(static_cast<unsigned>(v - lo) << ((i * bits) % 8));
    }
  return out;
}

}  // namespace qkit
