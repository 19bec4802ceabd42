//===- validate/checks_numeric.cpp - value rules, streamed ----------------===//
//
// Pass 1 streams every tensor's bytes once, on all cores, straight from the
// mapping (largest tensors first, pages released as they are done): NaN/Inf
// counts for float tensors; min, max and per-row sums for quantized weights.
// Pass 2 checks each module's small tensors (scales, offsets, deq_scale,
// quant_bias) against the family's formulas, using the row sums of pass 1 so
// no weight is read twice.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "formats/codecs.h"
#include "formats/float_codec.h"
#include "formats/mapped_file.h"
#include "formats/tensor_values.h"
#include "validate/validator.h"

namespace qkit::validate {
namespace {

constexpr std::uint64_t kChunk = 8ull << 20;  // bytes scanned between page releases

struct TensorStats {
  bool scanned = false;
  std::uint64_t nan = 0, inf = 0;
  double min = 0, max = 0;     // I8: the range; other dtypes: min == max while constant
  bool any = false;
  std::uint64_t first_bits = 0;
  std::uint64_t int4_out_of_range = 0;
  std::vector<std::int64_t> row_sums;  // I8 [n, k] weights that need them
  std::vector<std::int32_t> chunk_sums;  // packed int4 [n/2, k]: n x 16 sums of the values per k-chunk (transient)
  // The scale_bias verdict, computed by the worker right after the scan so
  // the sums never outlive one tensor (a DeepSeek-class W4A8 model has 40k
  // experts): how many values differ, and the first.
  std::size_t scale_bias_bad = 0, scale_bias_count = 0, scale_bias_first = 0;
  double scale_bias_got = 0, scale_bias_want = 0;
  bool scale_bias_per_row = false;
};

struct ScanJob {
  std::size_t tensor;        // index into c.tensors()
  bool want_row_sums = false;
  bool want_range = false;   // min/max (weights)
  bool int4_unpacked = false;
  bool want_chunk_sums = false;  // msModelSlim W4A8 packed [n/2,k]: the 16 k-chunk sums of every row (scale_bias)
  const Module* scale_bias_module = nullptr;  // checked against these sums right after the scan
};

constexpr std::uint64_t kScaleBiasChunks = 16;

// Min and max of (byte ^ 0x80) over n bytes: the signed int8 range shifted
// by 128, which baseline SSE2's unsigned byte min/max computes 16 at a time.
void byte_range(const std::uint8_t* u, std::uint64_t n, std::uint8_t& lo, std::uint8_t& hi) {
  lo = 255;
  hi = 0;
  std::uint64_t i = 0;
#if defined(__SSE2__)
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  __m128i vlo = _mm_set1_epi8(static_cast<char>(0xff)), vhi = _mm_setzero_si128();
  for (; i + 16 <= n; i += 16) {
    __m128i x = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(u + i)), flip);
    vlo = _mm_min_epu8(vlo, x);
    vhi = _mm_max_epu8(vhi, x);
  }
  alignas(16) std::uint8_t l[16], h[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(l), vlo);
  _mm_store_si128(reinterpret_cast<__m128i*>(h), vhi);
  for (int j = 0; j < 16; ++j) {
    lo = std::min(lo, l[j]);
    hi = std::max(hi, h[j]);
  }
#endif
  for (; i < n; ++i) {
    std::uint8_t x = u[i] ^ 0x80;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
}

// Exact sum of n int8 values (SSE2: sums of absolute differences of the
// 0x80-flipped bytes against zero give unsigned sums, less 128 per byte).
std::int64_t signed_byte_sum(const std::int8_t* q, std::uint64_t n) {
  std::int64_t sum = 0;
  std::uint64_t i = 0;
#if defined(__SSE2__)
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80)), zero = _mm_setzero_si128();
  __m128i acc = _mm_setzero_si128();
  for (; i + 16 <= n; i += 16) {
    __m128i x = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + i)), flip);
    acc = _mm_add_epi64(acc, _mm_sad_epu8(x, zero));
  }
  alignas(16) std::uint64_t parts[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(parts), acc);
  sum = static_cast<std::int64_t>(parts[0] + parts[1]) - 128 * static_cast<std::int64_t>(i);
#endif
  for (; i < n; ++i) sum += q[i];
  return sum;
}

template <class U>
bool all_equal(const std::byte* p, std::uint64_t n, U want) {
  std::uint64_t diff = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    U v;
    std::memcpy(&v, p + i * sizeof(U), sizeof(U));
    diff |= static_cast<std::uint64_t>(v ^ want);
  }
  return diff == 0;
}

void scan_float_bits(const std::byte* p, std::uint64_t n, Dtype d, TensorStats& s) {
  switch (d) {
    case Dtype::F32:
      for (std::uint64_t i = 0; i < n; ++i) {
        std::uint32_t u;
        std::memcpy(&u, p + 4 * i, 4);
        if ((u & 0x7f800000u) == 0x7f800000u) ((u & 0x007fffffu) ? s.nan : s.inf)++;
      }
      break;
    case Dtype::BF16:
    case Dtype::F16: {
      const std::uint16_t exp = d == Dtype::BF16 ? 0x7f80 : 0x7c00, man = d == Dtype::BF16 ? 0x007f : 0x03ff;
      for (std::uint64_t i = 0; i < n; ++i) {
        std::uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        if ((h & exp) == exp) ((h & man) ? s.nan : s.inf)++;
      }
      break;
    }
    case Dtype::F64:
      for (std::uint64_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, p + 8 * i, 8);
        if (std::isnan(v)) ++s.nan;
        else if (std::isinf(v)) ++s.inf;
      }
      break;
    default:
      break;
  }
}

void scan(const Checkpoint& c, const ScanJob& job, TensorStats& s) {
  const TensorRef& t = c.tensors()[job.tensor];
  const ShardFile& shard = c.shard_of(t);
  if (!shard.file || !element_readable(t.info->dtype)) return;
  const Dtype d = t.info->dtype;
  const std::uint64_t esize = dtype_bits(d) / 8, total = t.info->element_count();
  const std::uint64_t k = t.info->shape.size() == 2 ? t.info->shape[1] : 0;
  if (job.want_row_sums && k > 0) s.row_sums.assign(t.info->shape[0], 0);
  if (job.want_chunk_sums && k > 0 && k % kScaleBiasChunks == 0 && d == Dtype::I8)
    s.chunk_sums.assign(2 * t.info->shape[0] * kScaleBiasChunks, 0);
  auto bytes = c.data(t);
  const std::uint64_t base = shard.file->file_offset(*t.info);
  const bool is_float = d == Dtype::F32 || d == Dtype::BF16 || d == Dtype::F16 || d == Dtype::F64;
  const std::uint64_t per_chunk = std::max<std::uint64_t>(1, kChunk / esize);
  shard.file->mapping().advise_sequential(base, base + bytes.size());
  for (std::uint64_t start = 0; start < total; start += per_chunk) {
    const std::uint64_t n = std::min(per_chunk, total - start);
    const std::byte* p = bytes.data() + start * esize;
    if (is_float) scan_float_bits(p, n, d, s);
    if (job.want_range) {
      if (d == Dtype::I8) {
        // Separate branch-free loops so the compiler vectorises each.
        const auto* q = reinterpret_cast<const std::int8_t*>(p);
        const auto* u = reinterpret_cast<const std::uint8_t*>(p);
        std::uint8_t ulo, uhi;
        byte_range(u, n, ulo, uhi);
        const int lo = static_cast<int>(ulo) - 128, hi = static_cast<int>(uhi) - 128;
        if (job.int4_unpacked) {
          std::uint64_t bad = 0;
          for (std::uint64_t i = 0; i < n; ++i) bad += static_cast<std::uint64_t>((q[i] < -8) | (q[i] > 7));
          s.int4_out_of_range += bad;
        }
        if (!s.chunk_sums.empty()) {
          // [n/2, k] packed along n: byte (i, j) holds rows 2i (low nibble) and 2i+1.
          const std::uint64_t per = k / kScaleBiasChunks;
          for (std::uint64_t i = 0; i < n; ++i) {
            const std::uint64_t e = start + i, row = e / k, col = e % k;
            const auto byte = static_cast<std::uint8_t>(q[i]);
            const int lo_v = static_cast<int>(byte & 0x0f) - ((byte & 0x08) ? 16 : 0);
            const int hi_v = static_cast<int>(byte >> 4) - ((byte & 0x80) ? 16 : 0);
            s.chunk_sums[(2 * row) * kScaleBiasChunks + col / per] += lo_v;
            s.chunk_sums[(2 * row + 1) * kScaleBiasChunks + col / per] += hi_v;
          }
        }
        if (!s.row_sums.empty()) {
          for (std::uint64_t i = 0; i < n;) {
            const std::uint64_t row = (start + i) / k, row_end = std::min(n, (row + 1) * k - start);
            s.row_sums[row] += signed_byte_sum(q + i, row_end - i);
            i = row_end;
          }
        }
        if (n > 0) {
          s.min = s.any ? std::min<double>(s.min, lo) : lo;
          s.max = s.any ? std::max<double>(s.max, hi) : hi;
          s.any = true;
        }
      } else if (esize == 2 || esize == 4 || esize == 8) {
        // Float or wide-integer weights: constant means every element has the
        // first element's bit pattern (compared raw, so it vectorises).
        if (!s.any) {
          s.min = s.max = element_as_double(d, bytes, 0).value_or(0);
          std::memcpy(&s.first_bits, bytes.data(), esize);
          s.any = true;
        }
        if (s.min == s.max) {
          bool same = true;
          if (esize == 2) same = all_equal<std::uint16_t>(p, n, static_cast<std::uint16_t>(s.first_bits));
          else if (esize == 4) same = all_equal<std::uint32_t>(p, n, static_cast<std::uint32_t>(s.first_bits));
          else same = all_equal<std::uint64_t>(p, n, s.first_bits);
          if (!same) s.max = s.min + 1;  // marks "not constant"; the value is not reported
        }
      }
    }
    shard.file->mapping().advise_done(base + start * esize, base + (start + n) * esize);
  }
  s.scanned = true;
}

// A small tensor's values; deq_scale (I64) and U64 scales are float32 bit patterns.
std::vector<std::optional<double>> small_values(const Checkpoint& c, const TensorRef& t, Role role) {
  const bool bits = (t.info->dtype == Dtype::I64 && role == Role::DeqScale) ||
                    (t.info->dtype == Dtype::U64 && is_scale_role(role));
  return tensor_values(c, t, bits);
}

bool is_16bit_float(Dtype d) { return d == Dtype::BF16 || d == Dtype::F16; }

// W4A8_DYNAMIC scale_bias: 8 x the sum of the dequantized weight, per row
// ([n,1], column-parallel) or per row and 16 k-chunks ([n,16], row-parallel).
// msModelSlim computes it (Ascend/msmodelslim pack.py@3de0a3c4e965 L71-90,
// docs/research/msmodelslim.md §3) and vllm-ascend main loads it as stored,
// never recomputing it for msModelSlim checkpoints (w4a8.py@182b75ea84ff
// L142-194). Runs in the worker that scanned the weight; frees the sums.
void check_scale_bias(const Checkpoint& c, const Module& m, TensorStats& st) {
  const TensorRef *sb_t = m.tensor(Role::ScaleBias), *ws_t = m.tensor(Role::WeightScale);
  auto done = [&] { std::vector<std::int32_t>().swap(st.chunk_sums); };
  if (!sb_t || !ws_t || !c.shard_of(*sb_t).file || !c.shard_of(*ws_t).file || st.chunk_sums.empty() || !m.match ||
      !m.match->vars.k)
    return done();
  const auto& sums = st.chunk_sums;
  const std::uint64_t n = sums.size() / kScaleBiasChunks, k = *m.match->vars.k;
  auto sb = small_values(c, *sb_t, Role::ScaleBias), sc = small_values(c, *ws_t, Role::WeightScale);
  const auto& shape = sb_t->info->shape;
  const bool per_row = shape.size() == 2 && shape[0] == n && shape[1] == 1;
  const bool per_chunk = shape.size() == 2 && shape[0] == n && shape[1] == kScaleBiasChunks;
  if (!(per_row || per_chunk) || sc.size() != n || sb.size() != n * shape[1]) return done();
  st.scale_bias_per_row = per_row;
  st.scale_bias_count = sb.size();
  for (std::uint64_t r = 0; r < n; ++r) {
    if (!sc[r]) continue;
    for (std::uint64_t col = 0; col < shape[1]; ++col) {
      std::int64_t q = 0;
      if (per_row)
        for (std::uint64_t ch = 0; ch < kScaleBiasChunks; ++ch) q += sums[r * kScaleBiasChunks + ch];
      else
        q = sums[r * kScaleBiasChunks + col];
      const double want = 8.0 * *sc[r] * static_cast<double>(q);
      const auto& got = sb[r * shape[1] + col];
      // float32 accumulation of up to k products of |w| <= 8.
      const double tol = 1e-5 * 8.0 * std::fabs(*sc[r]) * 8.0 * static_cast<double>(per_row ? k : k / kScaleBiasChunks) + 1e-30;
      if (got && std::fabs(*got - want) > tol && !st.scale_bias_bad++) {
        st.scale_bias_first = static_cast<std::size_t>(r * shape[1] + col);
        st.scale_bias_got = *got;
        st.scale_bias_want = want;
      }
    }
  }
  done();
}

}  // namespace

void check_numerics(Context& ctx) {
  const Checkpoint& c = ctx.c;
  const auto& tensors = c.tensors();
  auto fam = c.family();

  // Which modules need what from pass 1.
  // Modules' tensors are tensors() entries: their positions are found from
  // their addresses.
  std::vector<ScanJob> jobs(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    jobs[i].tensor = i;
    jobs[i].want_range = tensors[i].info->shape.size() >= 2 && tensors[i].info->name.ends_with(".weight");
  }
  struct ModuleInfo {
    const Module* m;
    const SchemeMatch& match;  // bound when the checkpoint was opened
  };
  std::vector<ModuleInfo> modules;
  // compressed-tensors' scales and zero points are checked against their
  // config group by checks_ct.cpp; every tensor still gets the scan below.
  if (fam && *fam != Family::CompressedTensors) {
    for (const Module& m : c.modules()) {
      if (!m.match || !m.match->scheme) continue;
      ModuleInfo mi{&m, *m.match};
      if (const TensorRef* ref = m.tensor(Role::Weight)) {
        ScanJob& j = jobs[c.position_of(*ref)];
        const Scheme& s = *mi.match.scheme;
        j.want_row_sums = s.rule(Role::QuantBias) != nullptr && ref->info->dtype == Dtype::I8 && ref->info->shape.size() == 2;
        j.int4_unpacked = quant_type_info(s.type).weight_bits == 4 && !s.int4_layout && ref->info->dtype == Dtype::I8 &&
                          ref->info->shape.size() == 2;
        if (s.int4_layout && mi.match.vars.n && mi.match.vars.k &&
            ref->info->shape == int4_packed_shape(*s.int4_layout, *mi.match.vars.n, *mi.match.vars.k)) {
          j.int4_unpacked = false;
          j.want_chunk_sums = s.is(SchemeId::MsW4A8Dynamic) && *s.int4_layout == Int4Layout::PackedN &&
                              m.tensor(Role::ScaleBias) != nullptr;
          if (j.want_chunk_sums) j.scale_bias_module = &m;
        }
        else if (s.is(SchemeId::MsW4A8DynamicTwoStage) && ref->info->shape.size() == 2 && mi.match.vars.k &&
                 ref->info->shape[1] == *mi.match.vars.k && mi.match.vars.n && ref->info->shape[0] == *mi.match.vars.n)
          j.int4_unpacked = true;
      }
      modules.push_back(mi);
    }
  }

  // Pass 1: stream every tensor once, largest first, on all cores.
  std::vector<TensorStats> stats(tensors.size());
  std::vector<std::size_t> order(tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return tensors[a].info->nbytes() > tensors[b].info->nbytes(); });
  unsigned threads = ctx.o.threads ? ctx.o.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(1, order.size())));
  std::atomic<std::size_t> next{0};
  std::vector<std::optional<Error>> faults(tensors.size());
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < order.size();) {
      const std::size_t t = order[i];
      const ShardFile& shard = c.shard_of(tensors[t]);
      if (!shard.file) continue;
      auto st = guard_mapped_reads((c.root() / shard.name).string(), [&]() -> Status {
        scan(c, jobs[t], stats[t]);
        if (jobs[t].scale_bias_module) check_scale_bias(c, *jobs[t].scale_bias_module, stats[t]);
        return ok_status();
      });
      if (!st) faults[t] = std::move(st).error();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();

  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (faults[i]) {
      ctx.out.add(Rule::ContainerShardUnreadable, faults[i]->detail, faults[i]->file, tensors[i].info->name);
      stats[i] = TensorStats{};
      continue;
    }
  }
  bool shrunk = std::any_of(faults.begin(), faults.end(), [](const auto& f) { return f.has_value(); });
  if (shrunk) return;  // the small-tensor formulas below would read the same lost pages
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorStats& s = stats[i];
    const TensorRef& t = tensors[i];
    if (!s.scanned) continue;
    ctx.bytes_scanned += t.info->nbytes();
    std::string file = (c.root() / c.shard_of(t).name).string();
    if (s.nan || s.inf)
      ctx.out.add(Rule::NumericNanInf, std::to_string(s.nan) + " NaN and " + std::to_string(s.inf) + " Inf values", file, t.info->name);
    if (s.int4_out_of_range)
      ctx.out.add(Rule::NumericInt4Range, std::to_string(s.int4_out_of_range) + " values outside [-8, 7] in an unpacked int4 weight", file,
                  t.info->name);
    if (jobs[i].want_range && s.any && t.info->element_count() > 1 && s.min == s.max)
      ctx.out.add(Rule::NumericDegenerateWeight, s.min == 0 ? "all values are zero" : "all values equal " + std::to_string(s.min), file, t.info->name);
  }

  // Pass 2: the module formulas.
  for (const ModuleInfo& mi : modules) {
    const Module& m = *mi.m;
    const Scheme& scheme = *mi.match.scheme;
    auto get = [&](Role role) -> const TensorRef* { return m.tensor(role); };
    auto file_of = [&](const TensorRef* t) { return (c.root() / c.shard_of(*t).name).string(); };
    for (const auto& [suffix, ref] : m.tensors) {
      if (!c.shard_of(*ref).file) continue;
      const std::string_view name = ref->info->name;
      const TensorRule* rule = scheme.rule(suffix);
      const Role role = role_of_suffix(suffix);
      const bool is_scale = is_scale_role(role);
      const bool is_offset = is_offset_role(role);
      if (!is_scale && !is_offset) continue;
      if (ref->info->dtype == Dtype::U8 && is_scale) {  // E8M0 block scales: 255 is NaN
        auto v = small_values(c, *ref, role);
        auto bad = std::count_if(v.begin(), v.end(), [](const auto& x) { return x && *x == 255; });
        if (bad) ctx.out.add(Rule::NumericScale, std::to_string(bad) + " E8M0 scales are NaN (255)",
                             file_of(ref), name);
        continue;
      }
      auto v = small_values(c, *ref, role);
      if (v.empty()) continue;
      if (is_scale) {
        std::size_t bad = 0, undecodable = 0, first = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
          if (!v[i]) {
            if (!undecodable++ && !bad) first = i;
          } else if (!std::isfinite(*v[i]) || *v[i] <= 0) {
            if (!bad++ && !undecodable) first = i;
          }
        }
        if (undecodable)
          ctx.out.add(Rule::NumericScale, std::to_string(undecodable) + " values are not float32 bit patterns (high word not zero)",
                      file_of(ref), name);
        if (bad)
          ctx.out.add(Rule::NumericScale, std::to_string(bad) + " of " + std::to_string(v.size()) + " scales are not finite and positive "
                      "(first at index " + std::to_string(first) + ": " + (v[first] ? std::to_string(*v[first]) : "?") + ")",
                      file_of(ref), name);
      } else {
        std::size_t bad = 0, nonzero = 0;
        for (const auto& x : v) {
          if (!x) continue;
          if (!std::isfinite(*x) || std::floor(*x) != *x || *x < -128 || *x > 127) ++bad;
          else if (*x != 0) ++nonzero;
        }
        if (bad)
          ctx.out.add(Rule::NumericOffset, std::to_string(bad) + " offsets are not integers in [-128, 127]", file_of(ref), name);
        else if (rule && rule->zero && nonzero)
          ctx.out.add(Rule::NumericOffset, std::to_string(nonzero) + " non-zero offsets where " + std::string(scheme.id) +
                          " is symmetric (must be all zeros)",
                      file_of(ref), name);
      }
    }

    // deq_scale against input_scale x weight_scale.
    const TensorRef *deq_t = get(Role::DeqScale), *in_t = get(Role::InputScale), *ws_t = get(Role::WeightScale),
                    *off_t = get(Role::InputOffset), *qb_t = get(Role::QuantBias), *w_t = get(Role::Weight), *b_t = get(Role::Bias);
    if (deq_t && in_t && ws_t && c.shard_of(*deq_t).file && c.shard_of(*in_t).file && c.shard_of(*ws_t).file) {
      auto deq = small_values(c, *deq_t, Role::DeqScale), in = small_values(c, *in_t, Role::InputScale),
           ws = small_values(c, *ws_t, Role::WeightScale);
      if (!deq.empty() && deq.size() == ws.size() && !in.empty()) {
        const bool coarse = is_16bit_float(in_t->info->dtype) || is_16bit_float(ws_t->info->dtype);
        const double tol = coarse ? std::ldexp(1.0, -7) : 1e-6;
        const bool gs_smoothed = scheme.is(SchemeId::GsW8A8Smoothed);
        const bool gs_plain = scheme.is(SchemeId::GsW8A8Plain);
        std::optional<double> ratio0;
        std::size_t bad = 0, first = 0;
        for (std::size_t i = 0; i < deq.size(); ++i) {
          if (!deq[i] || !ws[i] || !in[0]) continue;
          double want;
          if (gs_smoothed) {
            // x_scale is not stored; deq/weight_scale must be the same x_scale for every row.
            double r = *deq[i] / *ws[i];
            if (!ratio0) ratio0 = r;
            want = *ratio0 * *ws[i];
          } else if (gs_plain) {
            want = *ws[i] / *in[0];  // input_scale stores 1/x_scale
          } else {
            want = *in[0] * *ws[i];
          }
          if (std::fabs(*deq[i] - want) > tol * std::fabs(want) + 1e-30) {
            if (!bad++) first = i;
          }
        }
        if (bad)
          ctx.out.add(Rule::NumericDeqScale, std::to_string(bad) + " of " + std::to_string(deq.size()) +
                          " deq_scale values differ from input_scale x weight_scale (first at row " +
                          std::to_string(first) + ": " + std::to_string(*deq[first]) + ")",
                      file_of(deq_t), deq_t->info->name);
      }
    }
    // W4A8_DYNAMIC scale_bias (checked by the scanning worker).
    if (const TensorRef* sb_t = get(Role::ScaleBias); sb_t && w_t) {
      const TensorStats& ws = stats[c.position_of(*w_t)];
      if (ws.scale_bias_bad)
        ctx.out.add(Rule::NumericScaleBias, std::to_string(ws.scale_bias_bad) + " of " + std::to_string(ws.scale_bias_count) +
                        " scale_bias values differ from 8 x the sum of the dequantized weight " +
                        (ws.scale_bias_per_row ? "per row" : "per row and k-chunk (16 chunks)") + " (first at index " +
                        std::to_string(ws.scale_bias_first) + ": " + std::to_string(ws.scale_bias_got) + ", expected " +
                        std::to_string(ws.scale_bias_want) + ")",
                    file_of(sb_t), sb_t->info->name);
    }
    // quant_bias against the weights' row sums, input_offset and bias.
    if (qb_t && deq_t && off_t && w_t && c.shard_of(*qb_t).file && c.shard_of(*off_t).file && c.shard_of(*deq_t).file) {
      const TensorStats& ws = stats[c.position_of(*w_t)];
      auto qb = small_values(c, *qb_t, Role::QuantBias), off = small_values(c, *off_t, Role::InputOffset),
           deq = small_values(c, *deq_t, Role::DeqScale);
      std::vector<std::optional<double>> bias;
      if (b_t && c.shard_of(*b_t).file) bias = small_values(c, *b_t, Role::Bias);
      const bool ms = *fam == Family::MsModelSlim;
      // Golden-Stick input_offset is per input channel: -sum_k zp[k]*q[n,k]
      // equals -zp*rowsum when all zp are equal, which its producer guarantees.
      bool uniform = !off.empty() && std::all_of(off.begin(), off.end(), [&](const auto& x) { return x == off[0]; });
      if (!ws.row_sums.empty() && ws.row_sums.size() == qb.size() && deq.size() == qb.size() && uniform && off[0]) {
        const double zp = *off[0];
        const Dtype md = c.model_dtype().value_or(Dtype::BF16);
        std::size_t bad = 0, first = 0;
        double first_want = 0;
        for (std::size_t r = 0; r < qb.size(); ++r) {
          if (!qb[r] || !deq[r] || *deq[r] == 0) continue;
          const double corr = zp * static_cast<double>(ws.row_sums[r]);
          // Golden-Stick's precision-aligned form: round(cast_md(c * deq) / deq), c = -corr.
          const float scaled = narrow_to_float(-corr * *deq[r]);
          const float cast = md == Dtype::F16 ? f16_to_f32(f32_to_f16(scaled)) : bf16_to_f32(f32_to_bf16(scaled));
          const double aligned = std::nearbyint(static_cast<double>(cast) / static_cast<double>(narrow_to_float(*deq[r])));
          double want, tol;
          if (ms) {
            double bterm = (bias.size() == qb.size() && bias[r]) ? *bias[r] / *deq[r] : 0.0;
            want = std::nearbyint(bterm - corr);
            tol = 1.5 + std::fabs(bterm) * std::ldexp(1.0, -7) + std::fabs(corr) * 1e-6;
            // Converted from Golden-Stick: its aligned correction plus the folded bias.
            if (std::fabs(*qb[r] - (aligned + std::nearbyint(bterm))) <= 1.5) continue;
            // ... also when deq_scale was rescaled since (a smoothing fold into
            // this layer's output channels): the aligned term rounded c*deq to
            // the model dtype, so it lies within that rounding of -c.
            const double md_eps = md == Dtype::F16 ? std::ldexp(1.0, -11) : std::ldexp(1.0, -8);
            if (std::fabs(*qb[r] - (std::nearbyint(bterm) - corr)) <= 1.5 + std::fabs(corr) * md_eps) continue;
          } else {
            want = aligned;
            tol = 1.5;
            if (std::fabs(*qb[r] + corr) <= 1.5) continue;  // producers that store -zp*sum exactly
          }
          if (std::fabs(*qb[r] - want) > tol) {
            if (!bad++) {
              first = r;
              first_want = want;
            }
          }
        }
        // A Golden-Stick module without a float bias may carry one folded into
        // quant_bias (checkpoints converted from msModelSlim do): a warning.
        const bool zero_bias = !bias.empty() && std::all_of(bias.begin(), bias.end(), [](const auto& x) { return x && *x == 0; });
        const bool maybe_folded = !ms && (b_t == nullptr || zero_bias);
        if (bad)
          ctx.out.add(Rule::NumericQuantBias, maybe_folded ? Severity::Warning : Severity::Error, std::to_string(bad) + " of " + std::to_string(qb.size()) + " quant_bias values disagree with " +
                          (ms ? "round(bias/deq_scale - input_offset*sum_k(weight))"
                              : "-input_offset*sum_k(weight), precision-aligned as Golden-Stick stores it") +
                          " (first at row " + std::to_string(first) + ": " + std::to_string(*qb[first]) +
                          ", expected " + std::to_string(first_want) + ")" +
                          (maybe_folded ? "; with no bias tensor this may be a folded float bias (as in checkpoints "
                                          "converted from msModelSlim)"
                                        : ""),
                      file_of(qb_t), qb_t->info->name);
      }
    }
  }
}

}  // namespace qkit::validate
