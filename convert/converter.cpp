//===- convert/converter.cpp - planning and executing a conversion --------===//
//
// Per quant type, the target family's tensors are re-expressed from the
// source's (../shared/reference/consumers.md §6, golden-stick-format.md
// §5.4, msmodelslim-format.md §3-4):
//
//   msModelSlim -> Golden-Stick
//     W8A8          input_scale/offset [1] -> [k] vectors (I8 offsets); weight_scale
//                   [n] (recovered as deq_scale / input_scale when absent);
//                   quant_bias copied with the float bias folded in, bias dropped
//     W8A8_DYNAMIC, W8A16   scales [n,1] -> [n] (per group [n,G] -> [G,n]), offsets I32
//     W4A16, W4A8_DYNAMIC   int4 repacked to [k, n/2] + "Int4" marker
//   Golden-Stick -> msModelSlim
//     W8A8          [k] activation vectors -> scalars when uniform; smoothing folded
//                   into the preceding norm when the linear reads a norm's output;
//                   quant_bias unchanged (no float bias) or bias folded (lossy: deq/2)
//     the rest      the inverse transforms
//   msModelSlim <-> compressed-tensors (docs/research/compressed-tensors.md §10;
//   docs/conversion.md): integers carried over (re-packed), scales copied,
//   W8A8 static's deq_scale/quant_bias <-> weight_scale/zero point/bias
//   (lossy: the runtimes' epilogues round differently), the recipe written
//   into config.json. Golden-Stick <-> compressed-tensors goes through
//   msModelSlim.
//
//===----------------------------------------------------------------------===//
#include "convert/converter.h"

#include "formats/naming.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <sstream>


#include <nlohmann/json.hpp>

#include "convert/quant_math.h"
#include "formats/codecs.h"
#include "formats/float_codec.h"
#include "formats/mapped_file.h"
#include "formats/tensor_values.h"
#include "formats/strict_json.h"

namespace qkit::convert {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::byte>;
using Shape = std::vector<std::uint64_t>;

// "model.layers.10.x" sorts after "model.layers.9.x".
bool natural_less(const std::string& a, const std::string& b) {
  // Sorting a 140,000-tensor plan compares names that share long prefixes.
  // Over equal bytes the walk below keeps i == j (equal digit runs have equal
  // lengths), so it may start at the first differing byte, backed up to the
  // start of the digit run that byte is in, if any.
  const std::size_t common = static_cast<std::size_t>(
      std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(std::min(a.size(), b.size())), b.begin()).first -
      a.begin());
  std::size_t start = common;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(a[start - 1]))) --start;
  std::size_t i = start, j = start;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t i2 = i, j2 = j;
      while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
      while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
      if (i2 - i != j2 - j) return i2 - i < j2 - j;
      int cmp = a.compare(i, i2 - i, b, j, j2 - j);
      if (cmp != 0) return cmp < 0;
      i = i2;
      j = j2;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

Bytes encode(const std::vector<double>& v, Dtype d) {
  Bytes b(v.size() * dtype_bits(d) / 8);
  for (std::size_t i = 0; i < v.size(); ++i) {
    switch (d) {
      case Dtype::F32: {
        float f = narrow_to_float(v[i]);
        std::memcpy(b.data() + 4 * i, &f, 4);
        break;
      }
      case Dtype::BF16: {
        std::uint16_t h = f32_to_bf16(narrow_to_float(v[i]));
        std::memcpy(b.data() + 2 * i, &h, 2);
        break;
      }
      case Dtype::F16: {
        std::uint16_t h = f32_to_f16(narrow_to_float(v[i]));
        std::memcpy(b.data() + 2 * i, &h, 2);
        break;
      }
      case Dtype::I32: {  // callers check the range (out_values refuses otherwise)
        std::int32_t x = static_cast<std::int32_t>(to_integer(v[i], INT32_MIN, INT32_MAX).value_or(0));
        std::memcpy(b.data() + 4 * i, &x, 4);
        break;
      }
      case Dtype::I8: {
        std::int8_t x = static_cast<std::int8_t>(to_integer(v[i], -128, 127).value_or(0));
        std::memcpy(b.data() + i, &x, 1);
        break;
      }
      case Dtype::I64: {  // deq_scale: float32 bit pattern
        std::int64_t x = deq_scale_to_i64(narrow_to_float(v[i]));
        std::memcpy(b.data() + 8 * i, &x, 8);
        break;
      }
      default:
        break;
    }
  }
  return b;
}

double decode_one(double v, Dtype d) {
  switch (d) {
    case Dtype::BF16: return bf16_to_f32(f32_to_bf16(narrow_to_float(v)));
    case Dtype::F16: return f16_to_f32(f32_to_f16(narrow_to_float(v)));
    case Dtype::F32: return narrow_to_float(v);
    default: return v;
  }
}

// Largest relative change storing v in dtype d causes (0: exact).
double narrowing_error(const std::vector<double>& v, Dtype d) {
  double worst = 0;
  for (double x : v)
    if (x != 0) worst = std::max(worst, std::fabs(decode_one(x, d) - x) / std::fabs(x));
  return worst;
}

std::vector<double> transpose(const std::vector<double>& m, std::uint64_t rows, std::uint64_t cols) {
  if (m.empty()) return {};  // values a plan-only run left unread (Planner::scales)
  std::vector<double> t(m.size());
  for (std::uint64_t r = 0; r < rows; ++r)
    for (std::uint64_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  return t;
}

std::string sci(double v) {
  std::ostringstream o;
  o.precision(3);
  o << v;
  return o.str();
}

// Streams an int4 weight from one layout into another (or to unpacked
// int8), in the target's byte order, through a 1 MiB buffer.
struct Int4Source {
  const std::int8_t* q;
  std::uint64_t n, k;
  std::optional<Int4Layout> layout;  // nullopt: unpacked one value per byte
  unsigned ct_bits = 0;              // compressed-tensors weight_packed of this many bits (formats/codecs.h)
  std::int8_t get(std::uint64_t r, std::uint64_t c) const {
    if (ct_bits) return ct_packed_get(reinterpret_cast<const std::byte*>(q), ct_bits, k, r, c);
    return layout ? int4_get(q, *layout, n, k, r, c) : q[r * k + c];
  }
};

Status write_int4(ByteSink& sink, const Int4Source& s, Int4Layout target) {
  std::vector<std::int8_t> buf;
  buf.reserve(1 << 20);
  auto flush = [&]() -> Status {
    auto st = sink.write(std::as_bytes(std::span(buf)));
    buf.clear();
    return st;
  };
  auto push = [&](std::int8_t b) -> Status {
    buf.push_back(b);
    return buf.size() == buf.capacity() ? flush() : ok_status();
  };
  const std::uint64_t n = s.n, k = s.k;
  // An unpacked source may hold bytes outside int4: packing would wrap 9
  // into -7. Refused, naming the element (a packed source cannot).
  if (!s.layout && s.ct_bits != 4)
    for (std::uint64_t r = 0; r < n; ++r)
      for (std::uint64_t j = 0; j < k; ++j)
        if (const std::int8_t v = s.get(r, j); v < -8 || v > 7)
          return Error(Errc::value_out_of_range, "int4 value " + std::to_string(v) + " at [" + std::to_string(r) + "," +
                                                   std::to_string(j) + "] is outside [-8, 7]; it would wrap when packed");
  switch (target) {
    case Int4Layout::TransposedPackedN:
      for (std::uint64_t j = 0; j < k; ++j)
        for (std::uint64_t i = 0; i < n / 2; ++i)
          if (auto st = push(pack_int4_pair(s.get(2 * i, j), s.get(2 * i + 1, j))); !st) return st;
      break;
    case Int4Layout::PackedN:
      for (std::uint64_t i = 0; i < n / 2; ++i)
        for (std::uint64_t j = 0; j < k; ++j)
          if (auto st = push(pack_int4_pair(s.get(2 * i, j), s.get(2 * i + 1, j))); !st) return st;
      break;
    case Int4Layout::PackedK:
      for (std::uint64_t r = 0; r < n; ++r)
        for (std::uint64_t j = 0; j < k / 2; ++j)
          if (auto st = push(pack_int4_pair(s.get(r, 2 * j), s.get(r, 2 * j + 1))); !st) return st;
      break;
  }
  return flush();
}

// Streams int8 / int4 values (any Int4Source) into compressed-tensors'
// weight_packed bytes (formats/codecs.h, ct_packed_*), one row at a time.
Status write_ct_packed(ByteSink& sink, const Int4Source& s, unsigned bits) {
  const std::int8_t lo = static_cast<std::int8_t>(-(1 << (bits - 1))), hi = static_cast<std::int8_t>((1 << (bits - 1)) - 1);
  std::vector<std::int8_t> row(s.k);
  for (std::uint64_t r = 0; r < s.n; ++r) {
    for (std::uint64_t c = 0; c < s.k; ++c) {
      row[c] = s.get(r, c);
      if (row[c] < lo || row[c] > hi)
        return Error(Errc::value_out_of_range, "int" + std::to_string(bits) + " value " + std::to_string(row[c]) + " at [" +
                                                   std::to_string(r) + "," + std::to_string(c) + "] does not fit");
    }
    auto packed = ct_pack(row, 1, s.k, bits);
    if (!packed) return std::move(packed).error();
    if (auto st = sink.write(*packed); !st) return st;
  }
  return ok_status();
}

// The other way: weight_packed to one int8 per byte, or to an int4 layout
// (streamed by write_int4 from the packed words themselves).
Status write_from_ct_packed(ByteSink& sink, const std::byte* packed, std::uint64_t n, std::uint64_t k, unsigned bits,
                            std::optional<Int4Layout> target) {
  if (target) return write_int4(sink, Int4Source{reinterpret_cast<const std::int8_t*>(packed), n, k, std::nullopt, bits}, *target);
  std::vector<std::int8_t> row(k);
  for (std::uint64_t r = 0; r < n; ++r) {
    for (std::uint64_t c = 0; c < k; ++c) row[c] = ct_packed_get(packed, bits, k, r, c);
    if (auto st = sink.write(std::as_bytes(std::span(row))); !st) return st;
  }
  return ok_status();
}

// A compressed-tensors name template: the module name with every numeric
// component (layer, expert) matching any number, as a regex.
std::string name_template(const std::string& name) {
  std::string o;
  std::size_t i = 0;
  while (i < name.size()) {
    std::size_t j = name.find('.', i);
    if (j == std::string::npos) j = name.size();
    const std::string part = name.substr(i, j - i);
    if (!part.empty() && std::all_of(part.begin(), part.end(), [](unsigned char ch) { return std::isdigit(ch); })) o += "\\d+";
    else
      for (char ch : part) {
        if (std::string_view("\\^$.|?*+()[]{}").find(ch) != std::string_view::npos) o += '\\';
        o += ch;
      }
    if (j < name.size()) o += "\\.";
    i = j + 1;
  }
  return o;
}

// The output name of a module tensor: the suffix both families use for the role.
std::string sfx(Role r) { return std::string(suffix_of(r)); }

// The preceding norm whose output a linear reads (for folding smoothing):
// the naming table's fed_by_norm column.
std::optional<std::string> feeding_norm(std::string_view prefix) { return feeding_norm_weight(prefix); }

class Planner {
 public:
  Planner(const Checkpoint& c, const ConvertOptions& o, Plan& p) : c_(c), o_(o), p_(p) {}
  Planner(const Planner&) = delete;
  Planner& operator=(const Planner&) = delete;
  ~Planner() { give_back_pending(); }
  Status run();

 private:
  // Pages read while planning are given back (MappedFile::advise_done) in
  // batches, not one call per tensor: 50,000 calls were a seventh of a
  // DeepSeek-class dry run. A batch ends at 256 tensors or when the bytes
  // it may hold mapped (each tensor and its fault-around windows) reach
  // 16 MiB, so that is all the planner keeps.
  static constexpr std::size_t kGiveBackBatch = 256;
  static constexpr std::uint64_t kGiveBackBytes = 16u << 20;
  static constexpr std::uint64_t kGiveBackAtOnce = 1u << 20;  // larger tensors go at once
  struct Pending {
    const MappedFile* map;
    std::uint64_t lo, hi;
  };
  std::vector<Pending> pending_;
  std::size_t pending_tensors_ = 0;
  std::uint64_t pending_bytes_ = 0;
  void give_back(const TensorRef& t) {
    const auto& f = c_.shard_of(t).file;
    if (!f) return;
    const std::uint64_t lo = f->file_offset(*t.info), hi = lo + t.info->nbytes();
    if (t.info->nbytes() > kGiveBackAtOnce) {  // a weight scanned whole: now
      f->mapping().advise_done(lo, hi);
      return;
    }
    auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.map == &f->mapping(); });
    if (it == pending_.end()) pending_.push_back({&f->mapping(), lo, hi});
    else it->lo = std::min(it->lo, lo), it->hi = std::max(it->hi, hi);
    pending_bytes_ += t.info->nbytes() + 2 * MappedFile::kFaultAround;
    if (++pending_tensors_ >= kGiveBackBatch || pending_bytes_ >= kGiveBackBytes || pending_.size() > 8)
      give_back_pending();
  }
  void give_back_pending() {
    for (const Pending& p : pending_) p.map->advise_done(p.lo, p.hi);
    pending_.clear();
    pending_tensors_ = 0;
    pending_bytes_ = 0;
  }
  // Small tensors' values; I64/U64 hold float32 bit patterns (deq_scale,
  // scales). Their pages are given back once decoded, as streaming does:
  // planning a DeepSeek-class checkpoint reads some 700 MB of offsets, which
  // would otherwise all stay resident.
  std::vector<double> values(const Checkpoint& c, const TensorRef& t) {
    std::vector<double> v = tensor_values_or_nan(c, t, true);
    give_back(t);
    return v;
  }

  struct ModuleParts {
    const Module* m = nullptr;
    const SchemeMatch* match = nullptr;
    std::uint64_t n = 0, k = 0;
    const TensorRef* get(Role role) const { return m->tensor(role); }
  };

  // Copies stream from the source mapping in 8 MiB steps and release the
  // pages behind them, so memory stays bounded whatever the checkpoint size.
  void out_copy(const std::string& name, const TensorRef& src, const std::string& tag, std::string transform = "copy") {
    p_.tensors.push_back({name, src.info->dtype, src.info->shape, tag, std::string(src.info->name), std::move(transform), false});
    const SafetensorsFile* file = c_.shard_of(src).file.get();
    const TensorInfo* info = src.info;
    p_.content.tensors.push_back(OutputTensor{
        TensorSource{name, src.info->dtype, src.info->shape, {},
                     [file, info](ByteSink& sink) -> Status {
                       Status st = guard_mapped_reads(file->path(), [&]() -> Status {
                         auto bytes = file->data(*info);
                         const std::uint64_t base = file->file_offset(*info);
                         constexpr std::size_t kStep = 8u << 20;
                         for (std::size_t off = 0; off < bytes.size(); off += kStep) {
                           auto part = bytes.subspan(off, std::min(kStep, bytes.size() - off));
                           if (auto st = sink.write(part); !st) return st;
                           file->mapping().advise_done(base + off, base + off + part.size());
                         }
                         return ok_status();
                       });
                       if (!st && st.error().file == file->path() && st.error().tensor.empty())
                         return std::move(st).error().for_tensor(info->name);  // the source tensor, in its file
                       return st;
                     }},
        tag, false});
  }
  // `from` names the source tensor(s): often a view of a tensor's name.
  void out_bytes(const std::string& name, Dtype d, Shape shape, Bytes b, const std::string& tag, std::string_view from,
                 std::string transform) {
    std::span<const std::byte> bytes;
    if (!o_.plan_only) {
      p_.storage.push_back(std::move(b));
      bytes = p_.storage.back();
    }
    p_.tensors.push_back({name, d, shape, tag, std::string(from), std::move(transform), false});
    p_.content.tensors.push_back(OutputTensor{TensorSource{name, d, std::move(shape), bytes, {}}, tag, false});
  }
  // Integer outputs must hold integers in range: corrupt inputs are refused, not wrapped.
  static bool range_checked(Dtype d) { return d == Dtype::I32 || d == Dtype::I8; }
  // The values of a tensor that is only re-encoded into `out` (a float
  // dtype): a plan-only run needs them for nothing (out_values neither
  // checks nor encodes them), so it reads none and passes an empty vector.
  // Half of a DeepSeek-class dry run's reading: its weight scales.
  std::vector<double> scales(const TensorRef& t, Dtype out) {
    if (o_.plan_only && !range_checked(out)) return {};
    return values(c_, t);
  }
  void out_values(const std::string& name, Dtype d, Shape shape, const std::vector<double>& v, const std::string& tag,
                  std::string_view from, std::string transform) {
    if (range_checked(d)) {
      const double lo = d == Dtype::I8 ? -128.0 : INT32_MIN, hi = d == Dtype::I8 ? 127.0 : INT32_MAX;
      for (double x : v)
        if (!to_integer(x, lo, hi)) {
          refuse(name, "value " + sci(x) + " does not fit " + std::string(dtype_name(d)));
          return;
        }
    }
    // A plan-only run decides the same (the range check above is the only
    // decision here) without encoding bytes nobody will write.
    out_bytes(name, d, std::move(shape), o_.plan_only ? Bytes{} : encode(v, d), tag, from, std::move(transform));
  }
  void out_int4(const std::string& name, const TensorRef& src, std::optional<Int4Layout> from_layout, Int4Layout to,
                std::uint64_t n, std::uint64_t k, const std::string& tag, bool marker) {
    Shape shape = int4_packed_shape(to, n, k);
    const auto* q = reinterpret_cast<const std::int8_t*>(c_.data(src).data());
    Int4Source s{q, n, k, from_layout};
    std::string how = std::string("int4 ") + (from_layout ? std::string(int4_layout_name(*from_layout)) : "unpacked") +
                      " -> " + std::string(int4_layout_name(to));
    p_.tensors.push_back({name, Dtype::I8, shape, tag, std::string(src.info->name), how, marker});
    p_.content.tensors.push_back(OutputTensor{
        TensorSource{name, Dtype::I8, shape, {},
                     [s, to, path = c_.shard_of(src).file->path(), tname = src.info->name](ByteSink& sink) -> Status {
                       Status st = guard_mapped_reads(path, [&] { return write_int4(sink, s, to); });
                       if (!st && st.error().tensor.empty()) return std::move(st).error().for_tensor(tname).in_file(path);
                       return st;
                     }},
        tag,
        marker});
  }
  // Planning scans a few weights (row sums, scale_bias, re-quantization):
  // their pages are given back at once, as streaming does.
  void release(const TensorRef& t) { give_back(t); }
  void refuse(std::string_view prefix, std::string why) {
    p_.refused.push_back({std::string(prefix), std::move(why), false, ""});
  }
  void lossy(std::string_view prefix, std::string why, std::string bound) {
    p_.lossy.push_back({std::string(prefix), std::move(why), true, std::move(bound)});
  }

  std::int64_t desc_group_size() const {
    return c_.ms_description() && c_.ms_description()->group_size ? *c_.ms_description()->group_size : 0;
  }
  void ms_to_gs(const ModuleParts& mp);
  void gs_to_ms(const ModuleParts& mp);
  void ms_to_ct(const ModuleParts& mp);
  void ct_to_ms(const ModuleParts& mp);
  std::vector<std::int64_t> row_sums(const TensorRef& w, std::uint64_t n, std::uint64_t k);
  void out_ct_packed(const std::string& name, const TensorRef& src, std::optional<Int4Layout> from_layout, unsigned bits,
                     std::uint64_t n, std::uint64_t k);
  void out_from_ct_packed(const std::string& name, const TensorRef& src, unsigned bits, std::optional<Int4Layout> to,
                          std::uint64_t n, std::uint64_t k, const std::string& tag);
  // compressed-tensors output: the config groups the converted layers form,
  // keyed by their arguments (one group per distinct scheme).
  struct CtGroup {
    nlohmann::ordered_json weights, inputs;  // inputs null for weight-only
    std::string format;
    std::set<std::string> templates;          // name_template of each member
  };
  std::map<std::string, CtGroup> ct_groups_;
  // msModelSlim -> compressed-tensors: whether the static W8A8 inputs, and
  // each weight-only type's weights, are declared asymmetric. Decided for
  // the whole checkpoint (msModelSlim's own saver declares every static
  // input asymmetric), so layers named alike share one config group; a
  // layer whose zero point is 0 then stores 0.
  bool ct_asym_inputs_ = false;
  std::set<QuantType> ct_asym_weights_;
  void decide_ct_symmetry();
  void ct_member(const std::string& prefix, nlohmann::ordered_json weights, nlohmann::ordered_json inputs, const std::string& format);
  std::optional<std::string> ct_recipe_json(std::string& why) const;
  void requantize_columns(const ModuleParts& mp, const std::vector<double>& rho, const std::vector<double>& deq,
                          double input_offset, const std::string& tag);
  void write_description_and_config();

  const Checkpoint& c_;
  const ConvertOptions& o_;
  Plan& p_;
  Family from_ = Family::MsModelSlim;
  Dtype md_ = Dtype::BF16;
  // Source tensors a module transform consumed, by position in
  // c_.tensors() (module tensors point into it; names there are unique).
  std::vector<char> handled_;
  void handle(const Module& m) {
    for (const auto& [s, r] : m.tensors) handled_[static_cast<std::size_t>(r - c_.tensors().data())] = 1;
  }
  std::map<std::string, std::vector<double>, std::less<>> norm_fold_;  // norm weight -> per-channel multiplier
  std::map<std::string, std::string, std::less<>> fold_owner_;         // norm -> the module whose vector defined it
  std::map<std::string, std::vector<double>, std::less<>> fold_vector_;
  std::map<std::string, std::set<std::string>, std::less<>> fold_members_;  // norm -> the smoothed modules folded into it
  std::set<std::uint64_t> group_sizes_;
  // Smoothing of a layer that reads no norm (o_proj, down_proj), folded into
  // the output channels of the layer that produces its input (v_proj,
  // up_proj): producer -> per-output-channel multiplier; consumer -> the
  // producer, or why it cannot be folded.
  std::map<std::string, std::vector<double>, std::less<>> out_fold_;
  std::map<std::string, std::string, std::less<>> in_fold_from_, in_fold_refusal_;
  // o_proj whose GQA heads disagree (--allow-lossy): the residual smoothing
  // rho_c = input_scale[head0 of c's group, d] / input_scale[c], folded into
  // its weight columns and re-quantized.
  std::map<std::string, std::vector<double>, std::less<>> requant_;
  void plan_output_folds();
  std::map<std::string, int, std::less<>> type_count_;
};

// --- msModelSlim -> Golden-Stick ------------------------------------------

void Planner::ms_to_gs(const ModuleParts& mp) {
  const Module& m = *mp.m;
  const std::string T = m.type->type == QuantType::W8A8_MIX ? std::string("W8A8") : m.tag;
  const std::string P = std::string(m.prefix) + ".";
  const std::uint64_t n = mp.n, k = mp.k;
  const QuantType t = m.type->type;
  const TensorRef *w = mp.get(Role::Weight), *ws = mp.get(Role::WeightScale), *wo = mp.get(Role::WeightOffset),
                  *in_s = mp.get(Role::InputScale), *in_o = mp.get(Role::InputOffset), *deq = mp.get(Role::DeqScale),
                  *qb = mp.get(Role::QuantBias), *bias = mp.get(Role::Bias);
  auto narrow_note = [&](const TensorRef* src, Role what) {
    if (src && src->info->dtype != md_)
      p_.notes.push_back(P + sfx(what) + ": " + std::string(dtype_name(src->info->dtype)) + " -> " +
                         std::string(dtype_name(md_)) + " (the runtime loads it as a " +
                         std::string(dtype_name(md_)) + " parameter either way)");
  };
  auto zero_offsets = [&](const TensorRef* off) {
    if (!off) return true;
    auto v = values(c_, *off);
    return std::all_of(v.begin(), v.end(), [](double x) { return x == 0; });
  };
  switch (t) {
    case QuantType::W8A8_MIX:
    case QuantType::W8A8: {
      if (t == QuantType::W8A8_MIX)
        lossy(m.prefix, "W8A8_MIX quantizes prefill activations per token (dynamic) and decode ones with the static "
                        "scale; Golden-Stick's W8A8 is static only, so the prefill path changes to per-tensor",
              "decode computes the same; prefill activations use the calibrated static scale instead of each token's "
              "range (error depends on the inputs, not bounded by the checkpoint)");
      if (!zero_offsets(wo)) return refuse(m.prefix, "asymmetric weight offsets: Golden-Stick W8A8 weights are symmetric");
      auto s = values(c_, *in_s), off = values(c_, *in_o), dq = values(c_, *deq);
      std::vector<double> scale;
      std::string scale_from;
      if (ws) {
        scale = values(c_, *ws);
        scale_from = ws->info->name;
      } else {
        scale.resize(n);
        for (std::uint64_t r = 0; r < n; ++r) scale[r] = dq[r] / s[0];
        scale_from = std::string(deq->info->name) + " / " + std::string(in_s->info->name);
      }
      out_copy(P + sfx(Role::Weight), *w, T);
      out_values(P + sfx(Role::WeightScale), md_, {n}, scale, T, scale_from, ws ? "reshape [n,1]->[n], cast" : "deq_scale / input_scale");
      out_values(P + sfx(Role::WeightOffset), Dtype::I32, {n}, std::vector<double>(n, 0.0), T, wo ? std::string(wo->info->name) : "-", "zeros (I32)");
      out_values(P + sfx(Role::InputScale), md_, {k}, std::vector<double>(k, s[0]), T, in_s->info->name, "scalar -> [k]");
      out_values(P + sfx(Role::InputOffset), Dtype::I8, {k}, std::vector<double>(k, off[0]), T, in_o->info->name, "scalar -> [k] I8");
      narrow_note(in_s, Role::InputScale);
      // The MindSpore runtimes create deq_scale F32 whatever the model dtype
      // and cast what they load numerically, so msModelSlim's I64 bit
      // pattern (fp16 models) would load as garbage: always F32, the same
      // float32 values (validate/profiles.cpp, vllm-mindspore a8w8.py L56).
      if (deq->info->dtype == Dtype::F32) out_copy(P + sfx(Role::DeqScale), *deq, T);
      else out_values(P + sfx(Role::DeqScale), Dtype::F32, {n}, dq, T, deq->info->name,
                      "same float32 values as F32 (the MindSpore runtimes' parameter dtype)");
      out_copy(P + sfx(Role::QuantBias), *qb, T);
      if (bias) {
        // The Golden-Stick runtimes own a bias parameter for a biased layer
        // and add it after dequantization; vllm-mindspore creates it with
        // mint.empty and skips absent tensors (layers/linear.py@a7b56a427666),
        // so it must be written. The float bias stays folded in quant_bias
        // as msModelSlim computed it, so the bias written is zero: exact.
        out_values(P + sfx(Role::Bias), md_, {n}, std::vector<double>(n, 0.0), T, bias->info->name,
                   "zeros: the float bias stays folded in quant_bias (exact)");
        p_.notes.push_back(P + "bias: written as zeros; the float bias stays folded in quant_bias as msModelSlim computed it "
                           "(converting back recovers it as round(bias/deq_scale)*deq_scale)");
      }
      break;
    }
    case QuantType::W8A8_DYNAMIC:
    case QuantType::W8A16: {
      auto scale = scales(*ws, md_), off = values(c_, *wo);  // scale: only written, as md_
      // [n,1] is per group too when the description says so (one group: k == group_size).
      const bool grouped = ws->info->shape.size() == 2 && (ws->info->shape[1] != 1 || desc_group_size() > 0);
      // zero_offsets(wo), on the values just read (each is read once).
      if (t == QuantType::W8A8_DYNAMIC && !std::all_of(off.begin(), off.end(), [](double x) { return x == 0; }))
        return refuse(m.prefix, "asymmetric weight offsets: per-token dynamic quantization needs symmetric weights");
      for (double x : off)
        if (x != std::floor(x)) return refuse(m.prefix, "non-integral weight offsets cannot be stored as Golden-Stick I32");
      out_copy(P + sfx(Role::Weight), *w, T);
      if (grouped) {
        std::uint64_t G = ws->info->shape[1];
        if (t == QuantType::W8A8_DYNAMIC) return refuse(m.prefix, "Golden-Stick has no per-group W8A8_DYNAMIC");
        out_values(P + sfx(Role::WeightScale), md_, {G, n}, transpose(scale, n, G), T, ws->info->name, "transpose [n,G]->[G,n], cast");
        out_values(P + sfx(Role::WeightOffset), Dtype::I32, {G, n}, transpose(off, n, G), T, wo->info->name, "transpose, I32");
      } else {
        out_values(P + sfx(Role::WeightScale), md_, {n}, scale, T, ws->info->name, "reshape [n,1]->[n], cast");
        out_values(P + sfx(Role::WeightOffset), Dtype::I32, {n}, off, T, wo->info->name, "reshape, I32");
      }
      narrow_note(ws, Role::WeightScale);
      if (bias) {
        out_values(P + sfx(Role::Bias), md_, {n}, scales(*bias, md_), T, bias->info->name, "cast");
        narrow_note(bias, Role::Bias);
      }
      break;
    }
    case QuantType::W4A16:
    case QuantType::W4A8_DYNAMIC: {
      if (mp.match->scheme->is(SchemeId::MsW4A8DynamicTwoStage))
        return refuse(m.prefix, "two-stage W4A8 (int8 then int4 per group) has no Golden-Stick form");
      auto scale = values(c_, *ws), off = values(c_, *wo);
      std::uint64_t G = ws->info->shape.size() == 2 ? ws->info->shape[1] : 1;
      if (desc_group_size() > 0 && t == QuantType::W4A16) G = std::max<std::uint64_t>(G, 1);
      std::optional<Int4Layout> from_layout;
      if (mp.match->scheme->int4_layout && w->info->shape == int4_packed_shape(*mp.match->scheme->int4_layout, n, k))
        from_layout = mp.match->scheme->int4_layout;
      out_int4(P + sfx(Role::Weight), *w, from_layout, Int4Layout::TransposedPackedN, n, k, T, true);
      Dtype sd = md_;
      if (t == QuantType::W4A8_DYNAMIC) {
        sd = md_ == Dtype::BF16 ? Dtype::BF16 : Dtype::F32;
        // vLLM-Ascend loads W4A8 scales as F32: narrowing them changes results unless exact.
        double err = narrowing_error(scale, sd);
        if (err > 0)
          lossy(m.prefix, "weight_scale F32 -> " + std::string(dtype_name(sd)) + " (Golden-Stick's W4A8 scale dtype)",
                "relative change of each weight scale <= " + sci(err) + " (measured), so |dW| <= " + sci(err) + " |W|");
      } else {
        narrow_note(ws, Role::WeightScale);
      }
      const bool per_group = G > 1 || t == QuantType::W4A8_DYNAMIC || desc_group_size() > 0;
      if (per_group) {
        out_values(P + sfx(Role::WeightScale), sd, {G, n}, transpose(scale, n, G), T, ws->info->name, "[n,G]->[G,n], cast");
        out_values(P + sfx(Role::WeightOffset), Dtype::I32, {G, n}, transpose(off, n, G), T, wo->info->name, "[n,G]->[G,n], I32");
      } else {
        out_values(P + sfx(Role::WeightScale), sd, {n}, scale, T, ws->info->name, "[n,1]->[n], cast");
        out_values(P + sfx(Role::WeightOffset), Dtype::I32, {n}, off, T, wo->info->name, "[n,1]->[n], I32");
      }
      if (mp.get(Role::ScaleBias)) p_.notes.push_back(P + "scale_bias: dropped (Golden-Stick runtimes recompute it)");
      if (bias) out_values(P + sfx(Role::Bias), md_, {n}, values(c_, *bias), T, bias->info->name, "cast");
      break;
    }
    default:
      return refuse(m.prefix, "Golden-Stick has no " + T + " layers");
  }
}

// --- Golden-Stick -> msModelSlim ------------------------------------------

void Planner::gs_to_ms(const ModuleParts& mp) {
  const Module& m = *mp.m;
  const std::string& T = m.tag;
  const std::string P = std::string(m.prefix) + ".";
  const std::uint64_t n = mp.n, k = mp.k;
  const QuantType t = m.type->type;
  const TensorRef *w = mp.get(Role::Weight), *ws = mp.get(Role::WeightScale), *wo = mp.get(Role::WeightOffset),
                  *in_s = mp.get(Role::InputScale), *in_o = mp.get(Role::InputOffset), *deq = mp.get(Role::DeqScale),
                  *qb = mp.get(Role::QuantBias), *bias = mp.get(Role::Bias);
  // The current saver writes scales, offsets and biases as F32; the legacy
  // savers keep the calibration dtype (the model dtype).
  const Dtype sd = layout_row(p_.flavour).scales_f32 ? Dtype::F32 : md_;
  const std::string widen = sd == Dtype::F32 ? "widen" : "keep dtype";
  switch (t) {
    case QuantType::W8A8: {
      auto s = values(c_, *in_s), off = values(c_, *in_o), dq = values(c_, *deq);
      if (!std::all_of(off.begin(), off.end(), [&](double x) { return x == off[0]; }))
        return refuse(m.prefix, "input_offset differs across input channels: msModelSlim has one per layer");
      if (std::any_of(s.begin(), s.end(), [](double x) { return !std::isfinite(x) || x <= 0; }))
        return refuse(m.prefix, "input_scale holds a value that is not finite and positive");
      double scale = s[0];
      const bool plain = mp.match->scheme->is(SchemeId::GsW8A8Plain);
      if (plain) {
        scale = 1.0 / s[0];
        lossy(m.prefix, "Golden-Stick's plain W8A8 stores 1/x_scale; msModelSlim divides by x_scale",
              "the reciprocal is rounded: relative change of the activation scale <= " +
                  sci(std::fabs(decode_one(scale, md_) * s[0] - 1.0) + 1e-7));
      } else if (!std::all_of(s.begin(), s.end(), [&](double x) { return x == s[0]; })) {
        // Per-channel smoothing: fold into the norm this linear reads, when
        // there is one, else into the output channels of the layer before.
        auto norm = feeding_norm(m.prefix);
        if (auto f = in_fold_from_.find(m.prefix); f != in_fold_from_.end()) {
          lossy(m.prefix, "smoothing folded into " + f->second + "'s output channels (deq_scale and bias * input_scale[0] / "
                          "input_scale[k]); the input is then quantized with one scale instead of k",
                "float32 rounding of the scaled deq_scale (2^-24 relative) and of " + f->second +
                    "'s output in the model dtype; each quantized input within one step (input_scale[0]); qconvert "
                    "--verify measures the outputs");
        } else if (!norm || !c_.find(*norm)) {
          auto r = in_fold_refusal_.find(m.prefix);
          return refuse(m.prefix,
                        "per-channel activation scales (SmoothQuant) and the layer's input is not a norm's output, so "
                        "the smoothing cannot be folded" +
                            (r != in_fold_refusal_.end() ? " (" + r->second + ")" : std::string()) +
                            "; msModelSlim stores one activation scale per layer");
        } else {
        if (auto it = fold_vector_.find(*norm); it != fold_vector_.end() && it->second != s)
          return refuse(m.prefix, "its smoothing differs from " + fold_owner_[*norm] + "'s, which reads the same norm");
        fold_members_[*norm].insert(std::string(m.prefix));
        if (!fold_vector_.count(*norm)) {
          fold_vector_[*norm] = s;
          fold_owner_[*norm] = m.prefix;
          std::vector<double> mult(k);
          for (std::uint64_t j = 0; j < k; ++j) mult[j] = s[0] / s[j];
          norm_fold_[*norm] = mult;
          p_.notes.push_back(*norm + ": smoothing of " + std::string(m.prefix) + " folded in (gamma * input_scale[0] / input_scale[k])");
        }
        // One exactness policy (docs/conversion.md): the runtime now
        // quantizes round(cast(gamma*m)*x / s0) instead of round(cast(gamma*x)
        // / s_k); the two agree bit for bit only by accident, so a fold is
        // lossy. Its bound: the largest relative change of a folded gamma
        // entry from rounding to the norm's dtype, and one quantization
        // step of the layer's input where that tips a rounding.
        {
          const TensorRef* g = c_.find(*norm);
          auto gamma = values(c_, *g);
          const auto& mult = norm_fold_[*norm];
          double worst = 0;
          for (std::size_t j = 0; j < gamma.size() && j < mult.size(); ++j) {
            const double exact = gamma[j] * mult[j];
            if (exact != 0) worst = std::max(worst, std::fabs(decode_one(exact, g->info->dtype) - exact) / std::fabs(exact));
          }
          lossy(m.prefix, "smoothing folded into " + *norm + " (its dtype rounds gamma * input_scale[0] / input_scale[k], and "
                          "the layer's input is then quantized with one scale instead of k)",
                "folded gamma within " + sci(worst) + " relative (measured); each quantized input within one step "
                "(input_scale[0]); qconvert --verify measures the outputs");
        }
        }
      }
      // This layer's output channels take the next layer's smoothing.
      const std::vector<double>* om = nullptr;
      if (auto f = out_fold_.find(m.prefix); f != out_fold_.end() && f->second.size() == n) {
        om = &f->second;
        for (std::uint64_t r = 0; r < n; ++r) dq[r] = static_cast<double>(narrow_to_float(dq[r]) * narrow_to_float((*om)[r]));
        lossy(m.prefix, "output channels scaled by the next layer's smoothing (deq_scale * input_scale[0] / input_scale[k])",
              "float32 rounding of each scaled deq_scale (2^-24 relative); qconvert --verify measures the outputs");
      }
      // A zero bias (what qkit writes for a bias msModelSlim folded into
      // quant_bias) adds nothing: quant_bias carries over exactly.
      std::vector<double> bias_v = bias ? values(c_, *bias) : std::vector<double>{};
      if (om && bias_v.size() == n)
        for (std::uint64_t r = 0; r < n; ++r) bias_v[r] *= (*om)[r];
      const bool zero_bias = bias && std::all_of(bias_v.begin(), bias_v.end(), [](double x) { return x == 0; });
      if (bias && !zero_bias) {
        double worst = 0;
        for (double d : dq) worst = std::max(worst, std::fabs(d) / 2);
        lossy(m.prefix, "Golden-Stick adds the float bias after dequantization; msModelSlim folds it into quant_bias",
              "|dy| <= deq_scale/2 per output, at most " + sci(worst));
      }
      if (ws)
        p_.notes.push_back(P + "weight_scale: dropped (msModelSlim's W8A8 computes with deq_scale; converting back "
                           "recovers it as deq_scale / input_scale)");
      if (mp.get(Role::SmoothScale))
        p_.notes.push_back(P + "smooth_scale: dropped (Golden-Stick keeps it for reference only; inference does not read "
                           "it, and msModelSlim has no such tensor)");
      if (auto rq = requant_.find(m.prefix); rq != requant_.end()) {
        requantize_columns(mp, rq->second, dq, off[0], T);
        out_values(P + sfx(Role::InputScale), sd, {1}, {scale}, T, in_s->info->name, "[k] -> scalar");
        out_values(P + sfx(Role::InputOffset), sd, {1}, {off[0]}, T, in_o->info->name, "[k] -> scalar");
        break;
      }
      out_copy(P + sfx(Role::Weight), *w, T);
      if (bias && !zero_bias) {
        auto qv = values(c_, *qb);
        const std::vector<double>& b = bias_v;
        std::vector<double> folded(n);
        for (std::uint64_t r = 0; r < n; ++r) folded[r] = qv[r] + round_even(b[r] / dq[r]);
        out_values(P + sfx(Role::QuantBias), Dtype::I32, {n}, folded, T, std::string(qb->info->name) + " + " + std::string(bias->info->name),
                   "fold bias: quant_bias + round(bias / deq_scale)");
      } else {
        out_copy(P + sfx(Role::QuantBias), *qb, T);
      }
      out_values(P + sfx(Role::InputScale), sd, {1}, {scale}, T, in_s->info->name, plain ? "1 / input_scale" : "[k] -> scalar");
      out_values(P + sfx(Role::InputOffset), sd, {1}, {off[0]}, T, in_o->info->name, "[k] -> scalar");
      Dtype dd = md_ == Dtype::BF16 ? Dtype::F32 : Dtype::I64;
      if (om) out_values(P + sfx(Role::DeqScale), dd, {n}, dq, T, deq->info->name, "deq_scale * next layer's smoothing (float32)");
      else if (deq->info->dtype == dd) out_copy(P + sfx(Role::DeqScale), *deq, T);
      else out_values(P + sfx(Role::DeqScale), dd, {n}, dq, T, deq->info->name, "same float32 values, re-encoded");
      if (bias && zero_bias) {
        // msModelSlim keeps the float bias beside quant_bias for reference
        // (vLLM-Ascend uses quant_bias only) and qvalidate checks the two
        // agree, so it is recovered from what quant_bias holds beyond
        // Golden-Stick's offset term: round(bias/deq)*deq, exact for the
        // runtime, which never reads it.
        // msModelSlim: quant_bias = round(bias/deq - input_offset*sum_k(q)),
        // so bias ~ (quant_bias + input_offset*sum_k(q)) * deq. A layer whose
        // quant_bias is Golden-Stick's own precision-aligned offset term
        // holds no folded bias: its reference bias is 0.
        std::vector<double> recovered(n, 0.0), folded(n, 0.0);
        auto qv = values(c_, *qb);
        const double zp = off[0];
        const auto* q = reinterpret_cast<const std::int8_t*>(c_.data(*w).data());
        bool native = true;
        for (std::uint64_t r = 0; r < n; ++r) {
          std::int64_t sum = 0;
          for (std::uint64_t j = 0; j < k; ++j) sum += q[r * k + j];
          const double corr = zp * static_cast<double>(sum);
          const float d32 = narrow_to_float(dq[r]);
          const float cast = static_cast<float>(decode_one(narrow_to_float(-corr * dq[r]), md_));
          const double aligned = d32 != 0 ? round_even(static_cast<double>(cast) / static_cast<double>(d32)) : 0.0;
          native &= std::fabs(qv[r] - aligned) <= 1.0;
          folded[r] = (qv[r] + corr) * dq[r];
        }
        release(*w);
        if (!native) recovered = folded;
        out_values(P + sfx(Role::Bias), sd, {n}, recovered, "FLOAT", qb->info->name,
                   "reference bias recovered from quant_bias: (quant_bias - Golden-Stick's offset term) * deq_scale");
        p_.notes.push_back(P + "bias: the Golden-Stick bias is zero and quant_bias carries the folded one; msModelSlim's "
                           "reference bias is recovered as round(bias/deq_scale)*deq_scale (the runtime reads quant_bias only)");
      } else if (bias) {
        out_values(P + sfx(Role::Bias), sd, {n}, bias_v, "FLOAT", bias->info->name, widen + " (kept for reference)");
      }
      break;
    }
    case QuantType::W8A8_DYNAMIC:
    case QuantType::W8A16: {
      auto scale = scales(*ws, sd), off = scales(*wo, sd);  // both only written, as sd
      const bool grouped = ws->info->shape.size() == 2;
      out_copy(P + sfx(Role::Weight), *w, T);
      if (grouped) {
        std::uint64_t G = ws->info->shape[0];
        group_sizes_.insert(k / G);
        out_values(P + sfx(Role::WeightScale), sd, {n, G}, transpose(scale, G, n), T, ws->info->name, "[G,n]->[n,G], " + widen);
        out_values(P + sfx(Role::WeightOffset), sd, {n, G}, transpose(off, G, n), T, wo->info->name, "[G,n]->[n,G], F32");
      } else {
        out_values(P + sfx(Role::WeightScale), sd, {n, 1}, scale, T, ws->info->name, "[n]->[n,1], " + widen);
        out_values(P + sfx(Role::WeightOffset), sd, {n, 1}, off, T, wo->info->name, "[n]->[n,1], F32");
      }
      if (bias) out_values(P + sfx(Role::Bias), sd, {n}, scales(*bias, sd), "FLOAT", bias->info->name, widen);
      break;
    }
    case QuantType::W4A16: {
      auto scale = scales(*ws, sd), off = scales(*wo, sd);  // both only written, as sd
      const bool grouped = ws->info->shape.size() == 2;
      if (p_.flavour == Layout::MsModelSlimV1)
        return refuse(m.prefix, "msModelSlim's current saver writes no W4A16; convert with --flavour v0");
      std::uint64_t G = grouped ? ws->info->shape[0] : 1;
      // One group (group size >= k) is per-channel to msModelSlim: its saver
      // packs along k exactly when the scale's last dimension is 1
      // (docs/research/msmodelslim.md §4), and records no group size.
      const bool packed_n = grouped && G > 1;
      if (packed_n) group_sizes_.insert(k / G);
      if (grouped && G == 1)
        p_.notes.push_back(P + "weight: a single group is per-channel in msModelSlim: packed along k, scale [n,1], no group_size");
      out_int4(P + sfx(Role::Weight), *w, Int4Layout::TransposedPackedN, packed_n ? Int4Layout::PackedN : Int4Layout::PackedK, n, k,
               T, false);
      out_values(P + sfx(Role::WeightScale), sd, {n, G}, grouped ? transpose(scale, G, n) : scale, T, ws->info->name,
                 grouped ? "[G,n]->[n,G], " + widen : "[n]->[n,1], " + widen);
      out_values(P + sfx(Role::WeightOffset), sd, {n, G}, grouped ? transpose(off, G, n) : off, T, wo->info->name,
                 grouped ? "[G,n]->[n,G]" : "[n]->[n,1]");
      if (bias) out_values(P + sfx(Role::Bias), sd, {n}, values(c_, *bias), "FLOAT", bias->info->name, widen);
      break;
    }
    case QuantType::W4A8_DYNAMIC: {
      auto scale = values(c_, *ws), off = values(c_, *wo);
      if (ws->info->shape.size() != 2 || ws->info->shape[0] != 1)
        return refuse(m.prefix, "int4 weights with " + std::to_string(ws->info->shape.size() == 2 ? ws->info->shape[0] : 0) +
                                    " groups: msModelSlim's current W4A8_DYNAMIC is per output channel, and vLLM-Ascend "
                                    "main refuses per-group W4A8 (group_size > 0); no option converts it without "
                                    "re-quantizing from the float weights");
      if (!std::all_of(off.begin(), off.end(), [](double x) { return x == 0; }))
        return refuse(m.prefix, "asymmetric int4 weights: msModelSlim's W4A8_DYNAMIC is symmetric");
      out_int4(P + sfx(Role::Weight), *w, Int4Layout::TransposedPackedN, Int4Layout::PackedN, n, k, T, false);
      out_values(P + sfx(Role::WeightScale), sd, {n, 1}, scale, T, ws->info->name, "[1,n]->[n,1], " + widen);
      out_values(P + sfx(Role::WeightOffset), sd, {n, 1}, off, T, wo->info->name, "[1,n]->[n,1], F32");
      // scale_bias = 8 * sum_k(q * scale), in 16 chunks for row-parallel layers.
      bool row_parallel = std::string_view(m.prefix).ends_with("o_proj") || std::string_view(m.prefix).ends_with("down_proj");
      unsigned chunks = row_parallel ? 16 : 1;
      Int4Source src{reinterpret_cast<const std::int8_t*>(c_.data(*w).data()), n, k, Int4Layout::TransposedPackedN};
      QuantizedWeight qw;
      qw.n = n;
      qw.k = k;
      qw.q.resize(n * k);
      for (std::uint64_t r = 0; r < n; ++r)
        for (std::uint64_t j = 0; j < k; ++j) qw.q[r * k + j] = src.get(r, j);
      qw.scale.assign(scale.begin(), scale.end());
      release(*w);
      auto sb = ms_w4a8_scale_bias(qw, chunks);
      out_values(P + sfx(Role::ScaleBias), Dtype::F32, {n, chunks}, std::vector<double>(sb.begin(), sb.end()), T, w->info->name,
                 "8 * sum_k(weight * scale)" + std::string(row_parallel ? " in 16 chunks" : ""));
      if (bias) out_values(P + sfx(Role::Bias), sd, {n}, values(c_, *bias), "FLOAT", bias->info->name, widen);
      break;
    }
    default:
      return refuse(m.prefix, "msModelSlim has no Golden-Stick " + T + " form");
  }
}

// The residual smoothing rho_c (>= 1: the group takes its largest input_scale)
// of an o_proj whose GQA heads disagree goes
// into its weight columns: F[r,c] = q[r,c] * rho_c, re-quantized per output
// row (t_r = max_c |F[r,c]| / 127, q' = round(F / t_r)), deq_scale' =
// deq_scale * t_r, quant_bias' = -input_offset * sum_c q'[r,c] (msModelSlim's
// form; the layer has no bias). Lossy: each weight moves by at most t_r / 2
// times deq_scale; the plan gives the measured largest relative change.
void Planner::requantize_columns(const ModuleParts& mp, const std::vector<double>& rho, const std::vector<double>& deq,
                                 double input_offset, const std::string& tag) {
  const Module& m = *mp.m;
  const std::string P = std::string(m.prefix) + ".";
  const std::uint64_t n = mp.n, k = mp.k;
  const TensorRef* w = mp.get(Role::Weight);
  const auto* q = reinterpret_cast<const std::int8_t*>(c_.data(*w).data());
  std::vector<double> t(n, 0.0), deq2(n), qb2(n);
  double worst = 0;
  for (std::uint64_t r = 0; r < n; ++r) {
    double mx = 0;
    for (std::uint64_t c = 0; c < k; ++c) mx = std::max(mx, std::fabs(q[r * k + c] * rho[c]));
    t[r] = mx > 0 ? mx / 127.0 : 1.0;
    std::int64_t sum = 0;
    for (std::uint64_t c = 0; c < k; ++c) {
      const double f = q[r * k + c] * rho[c];
      const double v = std::clamp(round_even(f / t[r]), -127.0, 127.0);
      sum += static_cast<std::int64_t>(v);
      if (mx > 0) worst = std::max(worst, std::fabs(v * t[r] - f) / mx);
    }
    deq2[r] = static_cast<double>(narrow_to_float(deq[r]) * narrow_to_float(t[r]));
    qb2[r] = round_even(-input_offset * static_cast<double>(sum));
  }
  release(*w);
  lossy(m.prefix, "Golden-Stick's smoothing differs between the query heads of a GQA group; the residual is folded into "
                  "the weight columns and the weights re-quantized per output row",
        "each re-quantized weight within " + sci(worst) + " of its row's largest (measured; at most 1/254); qconvert "
        "--verify measures the outputs");
  const Shape shape{n, k};
  p_.tensors.push_back({P + "weight", Dtype::I8, shape, tag, std::string(w->info->name), "re-quantized: round(weight * rho / t_row)", false});
  p_.content.tensors.push_back(OutputTensor{
      TensorSource{P + "weight", Dtype::I8, shape, {},
                   [q, rho, t, n, k, path = c_.shard_of(*w).file->path()](ByteSink& sink) -> Status {
                     return guard_mapped_reads(path, [&]() -> Status {
                       std::vector<std::int8_t> row(k);
                       for (std::uint64_t r = 0; r < n; ++r) {
                         for (std::uint64_t c = 0; c < k; ++c)
                           row[c] = static_cast<std::int8_t>(std::clamp(round_even(q[r * k + c] * rho[c] / t[r]), -127.0, 127.0));
                         if (auto st = sink.write(std::as_bytes(std::span(row))); !st) return st;
                       }
                       return ok_status();
                     });
                   }},
      tag, false});
  out_values(P + sfx(Role::QuantBias), Dtype::I32, {n}, qb2, tag, w->info->name, "-input_offset * sum_k(re-quantized weight)");
  const Dtype dd = md_ == Dtype::BF16 ? Dtype::F32 : Dtype::I64;
  out_values(P + sfx(Role::DeqScale), dd, {n}, deq2, tag, std::string(mp.get(Role::DeqScale)->info->name), "deq_scale * t_row (float32)");
}

// Golden-Stick SmoothQuant divides the input of every linear by a per-channel
// factor (input_scale[k] = x_scale * s_k). msModelSlim has one activation
// scale per layer, so a layer whose input no norm produces takes the factor
// from the layer before it: down_proj's input is act(gate) * up, linear in
// up's output channels; o_proj's input is attention over v, linear in v's
// output channels, one v channel (group g, dim d) feeding the o_proj inputs
// (h, d) of every query head h of group g. Scaling those producer channels by
// m_c = s_0 / s_c makes the consumer's single scale s_0 divide what it
// divided by s_c before.
void Planner::plan_output_folds() {
  std::map<std::string_view, const Module*> by_prefix;
  for (const Module& m : c_.modules())
    if (m.scope == QuantScope::Linear) by_prefix[m.prefix] = &m;
  const SchemeContext sctx = c_.scheme_context();
  for (const Module& m : c_.modules()) {
    if (m.scope != QuantScope::Linear || !m.type || m.type->type != QuantType::W8A8 || !m.scheme() ||
        !m.scheme()->is(SchemeId::GsW8A8Smoothed) || !m.match->vars.k)
      continue;
    if (feeding_norm(m.prefix)) continue;  // folded into the norm instead
    const TensorRef* in_s = m.tensor(Role::InputScale);
    if (!in_s) continue;
    auto s = values(c_, *in_s);
    if (std::all_of(s.begin(), s.end(), [&](double x) { return x == s[0]; })) continue;
    if (std::any_of(s.begin(), s.end(), [](double x) { return !std::isfinite(x) || x <= 0; })) continue;  // refused later
    const std::uint64_t k = *m.match->vars.k;
    const std::string leaf = std::string(m.prefix).substr(std::string(m.prefix).rfind('.') + 1), parent = std::string(m.prefix).substr(0, std::string(m.prefix).rfind('.'));
    std::string producer;
    if (leaf == "down_proj") producer = parent + ".up_proj";
    else if (leaf == "o_proj") producer = parent + ".v_proj";
    else {
      in_fold_refusal_[std::string(m.prefix)] = "no layer whose output channels are its input channels is known";
      continue;
    }
    auto it = by_prefix.find(producer);
    if (it == by_prefix.end() || !it->second->type || it->second->type->type != QuantType::W8A8 || !it->second->match ||
        !it->second->match->vars.n) {
      in_fold_refusal_[std::string(m.prefix)] = producer + " is not a static W8A8 layer whose output channels could take the smoothing";
      continue;
    }
    const std::uint64_t pn = *it->second->match->vars.n;
    std::vector<double> mult(pn, 0.0);
    bool ok = true;
    std::string why;
    if (leaf == "down_proj") {
      if (pn != k) ok = false, why = producer + " has " + std::to_string(pn) + " outputs, not " + std::to_string(k);
      else
        for (std::uint64_t c = 0; c < k; ++c) mult[c] = s[0] / s[c];
    } else {
      const std::uint64_t H = sctx.heads.value_or(0), Hkv = sctx.kv_heads.value_or(0);
      const std::uint64_t D = H ? k / H : 0;
      if (!H || !Hkv || H % Hkv || D * H != k || Hkv * D != pn) {
        ok = false;
        why = "the head counts in config.json do not describe o_proj [" + std::to_string(k) + "] and v_proj [" +
              std::to_string(pn) + "]";
      } else {
        const std::uint64_t per = H / Hkv;
        std::vector<double> rho(k, 1.0);
        bool residual = false;
        for (std::uint64_t g = 0; g < Hkv && ok; ++g)
          for (std::uint64_t d = 0; d < D && ok; ++d) {
            // The group's largest divisor: no head's quantized input saturates.
            double sc = s[(g * per) * D + d];
            for (std::uint64_t h = g * per; h < (g + 1) * per; ++h) sc = std::max(sc, s[h * D + d]);
            for (std::uint64_t h = g * per; h < (g + 1) * per; ++h) {
              rho[h * D + d] = sc / s[h * D + d];
              if (s[h * D + d] != sc && !residual) {
                residual = true;
                why = "its smoothing differs between query heads " + std::to_string(g * per) + " and " + std::to_string(h) +
                      " at dim " + std::to_string(d) + ", which read the same v_proj channel (GQA group " +
                      std::to_string(g) + ")";
              }
            }
            mult[g * D + d] = s[0] / sc;
          }
        if (residual) {
          if (o_.allow_lossy && !m.tensor(Role::Bias)) {
            requant_[std::string(m.prefix)] = std::move(rho);  // the group's largest factor folds into v_proj, the rest into o_proj
          } else {
            ok = false;
            why += o_.allow_lossy ? "; with a bias it is not re-quantized"
                                  : "; --allow-lossy re-quantizes o_proj's weights with the residual smoothing folded in";
          }
        }
      }
    }
    if (!ok) {
      in_fold_refusal_[std::string(m.prefix)] = why;
      continue;
    }
    p_.output_multiplier[producer] = mult;
    std::vector<double> in_mult(k);
    for (std::uint64_t c = 0; c < k; ++c) in_mult[c] = s[0] / s[c];
    if (auto rq = requant_.find(m.prefix); rq != requant_.end())
      for (std::uint64_t c = 0; c < k; ++c) in_mult[c] /= rq->second[c];  // s0 / (the group's input_scale at d)
    p_.input_multiplier[std::string(m.prefix)] = std::move(in_mult);
    out_fold_[producer] = std::move(mult);
    in_fold_from_[std::string(m.prefix)] = producer;
  }
}

// --- msModelSlim <-> compressed-tensors ----------------------------------
//
// docs/research/compressed-tensors.md §9-10: integer tensors carry over
// (int4/int8 re-packed), scales are copied in their dtype, and the static
// W8A8 epilogues are matched exactly: msModelSlim computes
// (x_q.Wq + quant_bias) * deq_scale, compressed-tensors' loaders
// (s_x * s_w) * (x_q.Wq - z * sum_k Wq) + bias.

std::vector<std::int64_t> Planner::row_sums(const TensorRef& w, std::uint64_t n, std::uint64_t k) {
  std::vector<std::int64_t> sums(n, 0);
  const auto* q = reinterpret_cast<const std::int8_t*>(c_.data(w).data());
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t j = 0; j < k; ++j) sums[r] += q[r * k + j];
  release(w);
  return sums;
}

void Planner::out_ct_packed(const std::string& name, const TensorRef& src, std::optional<Int4Layout> from_layout, unsigned bits,
                            std::uint64_t n, std::uint64_t k) {
  Shape shape{n, ct_packed_words(k, bits)};
  Int4Source s{reinterpret_cast<const std::int8_t*>(c_.data(src).data()), n, k, from_layout};
  p_.tensors.push_back({name, Dtype::I32, shape, "", std::string(src.info->name),
                        "int" + std::to_string(bits) + " " + (from_layout ? std::string(int4_layout_name(*from_layout)) : "unpacked") +
                            " -> compressed-tensors packed (value + " + std::to_string(1u << (bits - 1)) + ", " +
                            std::to_string(32 / bits) + " per I32 along k)",
                        false});
  p_.content.tensors.push_back(OutputTensor{
      TensorSource{name, Dtype::I32, shape, {},
                   [s, bits, path = c_.shard_of(src).file->path(), tname = src.info->name](ByteSink& sink) -> Status {
                     Status st = guard_mapped_reads(path, [&] { return write_ct_packed(sink, s, bits); });
                     if (!st && st.error().tensor.empty()) return std::move(st).error().for_tensor(tname).in_file(path);
                     return st;
                   }},
      "", false});
}

void Planner::out_from_ct_packed(const std::string& name, const TensorRef& src, unsigned bits, std::optional<Int4Layout> to,
                                 std::uint64_t n, std::uint64_t k, const std::string& tag) {
  Shape shape = to ? int4_packed_shape(*to, n, k) : Shape{n, k};
  const std::byte* packed = c_.data(src).data();
  p_.tensors.push_back({name, Dtype::I8, shape, tag, std::string(src.info->name),
                        "compressed-tensors packed int" + std::to_string(bits) + " -> " +
                            (to ? "int4 " + std::string(int4_layout_name(*to)) : std::string("int8, one per byte")),
                        false});
  p_.content.tensors.push_back(OutputTensor{
      TensorSource{name, Dtype::I8, shape, {},
                   [packed, n, k, bits, to, path = c_.shard_of(src).file->path(), tname = src.info->name](ByteSink& sink) -> Status {
                     Status st = guard_mapped_reads(path, [&] { return write_from_ct_packed(sink, packed, n, k, bits, to); });
                     if (!st && st.error().tensor.empty()) return std::move(st).error().for_tensor(tname).in_file(path);
                     return st;
                   }},
      tag, false});
}

void Planner::ct_member(const std::string& prefix, nlohmann::ordered_json weights, nlohmann::ordered_json inputs,
                        const std::string& format) {
  const std::string key = weights.dump() + "|" + inputs.dump() + "|" + format;
  CtGroup& g = ct_groups_[key];
  g.weights = std::move(weights);
  g.inputs = std::move(inputs);
  g.format = format;
  g.templates.insert(name_template(prefix));
}

namespace {
// QuantizationArgs as compressed-tensors serializes them (quant_args.py
// @52792be L148-190), the fields qkit's layers need.
nlohmann::ordered_json ct_args(int bits, const char* strategy, std::optional<std::uint64_t> group_size, bool symmetric,
                               bool dynamic) {
  nlohmann::ordered_json a;
  a["num_bits"] = bits;
  a["type"] = "int";
  a["symmetric"] = symmetric;
  a["group_size"] = group_size ? nlohmann::ordered_json(*group_size) : nlohmann::ordered_json(nullptr);
  a["strategy"] = strategy;
  a["block_structure"] = nullptr;
  a["dynamic"] = dynamic;
  a["actorder"] = nullptr;
  a["observer"] = dynamic ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json("minmax");
  a["observer_kwargs"] = nlohmann::ordered_json::object();
  return a;
}
}  // namespace

void Planner::decide_ct_symmetry() {
  for (const Module& m : c_.modules()) {
    if (!m.type) continue;
    const QuantType t = m.type->type;
    auto nonzero = [&](Role r) {
      const TensorRef* x = m.tensor(r);
      if (!x || !c_.shard_of(*x).file) return false;
      auto v = values(c_, *x);
      return std::any_of(v.begin(), v.end(), [](double d) { return d != 0; });
    };
    if (t == QuantType::W8A8 && !ct_asym_inputs_ && nonzero(Role::InputOffset)) ct_asym_inputs_ = true;
    if ((t == QuantType::W8A16 || t == QuantType::W4A16) && !ct_asym_weights_.count(t) && nonzero(Role::WeightOffset))
      ct_asym_weights_.insert(t);
  }
}

void Planner::ms_to_ct(const ModuleParts& mp) {
  const Module& m = *mp.m;
  const std::string P = std::string(m.prefix) + ".";
  const std::uint64_t n = mp.n, k = mp.k;
  const QuantType t = m.type->type;
  const TensorRef *w = mp.get(Role::Weight), *ws = mp.get(Role::WeightScale), *wo = mp.get(Role::WeightOffset),
                  *in_s = mp.get(Role::InputScale), *in_o = mp.get(Role::InputOffset), *deq = mp.get(Role::DeqScale),
                  *qb = mp.get(Role::QuantBias), *bias = mp.get(Role::Bias);
  auto all_zero = [&](const TensorRef* off) {
    if (!off) return true;
    auto v = values(c_, *off);
    return std::all_of(v.begin(), v.end(), [](double x) { return x == 0; });
  };
  auto copy_bias = [&] {
    if (bias) out_copy(P + "bias", *bias, "");
  };
  switch (t) {
    case QuantType::W8A8: {
      if (!all_zero(wo)) return refuse(m.prefix, "asymmetric weight offsets: compressed-tensors' static W8A8 weights are symmetric");
      auto s = values(c_, *in_s), off = values(c_, *in_o), dq = values(c_, *deq), qv = values(c_, *qb);
      if (s.size() != 1 || off.size() != 1 || dq.size() != n || qv.size() != n) return refuse(m.prefix, "scale shapes not understood");
      const double z = off[0];
      if (z != std::nearbyint(z) || z < -128 || z > 127) return refuse(m.prefix, "input_offset " + sci(z) + " is not an int8 zero point");
      if (!(s[0] > 0) || !std::isfinite(s[0])) return refuse(m.prefix, "input_scale is not finite and positive");
      // input_scale: the value msModelSlim's runtimes quantize with, which
      // they hold in the model dtype (vllm-ascend w8a8_static.py@182b75ea
      // L58-141; docs/research/compressed-tensors.md §7.3); written as the
      // float32 that compressed-tensors' loaders hold (§8).
      // weight_scale: a float32 s_w with fp32(s_x * s_w) == deq_scale, so the
      // loader's scale product is the deq_scale msModelSlim multiplied by;
      // searched among the float32 neighbours of deq_scale / s_x.
      s[0] = decode_one(s[0], md_);
      const float sx = static_cast<float>(s[0]);
      std::vector<double> sw(n);
      double worst_scale = 0;
      for (std::uint64_t r = 0; r < n; ++r) {
        const float d = narrow_to_float(dq[r]);
        float best = static_cast<float>(static_cast<double>(d) / sx);
        bool found = false;
        for (float c = std::nextafter(std::nextafter(best, 0.0f), 0.0f), i = 0; i < 5; ++i, c = std::nextafter(c, INFINITY))
          if (sx * c == d) {
            best = c;
            found = true;
            break;
          }
        if (!found && d != 0) worst_scale = std::max(worst_scale, std::fabs(static_cast<double>(sx * best) - d) / std::fabs(d));
        sw[r] = best;
      }
      // quant_bias = -z * sum_k Wq + round(bias / deq): the residual beyond
      // the zero-point term is the folded float bias, which compressed-
      // tensors adds after the scales. Only a z != 0 needs the weights' row
      // sums (read here, pages released; not on a symmetric layer).
      std::vector<double> residual(qv);
      if (z != 0) {
        auto sums = row_sums(*w, n, k);
        for (std::uint64_t r = 0; r < n; ++r) residual[r] += z * static_cast<double>(sums[r]);
      }
      const bool any_bias = std::any_of(residual.begin(), residual.end(), [](double x) { return x != 0; });
      if (any_bias && !bias)
        return refuse(m.prefix, "quant_bias holds more than the zero-point term but the layer has no bias: compressed-tensors' "
                                "loaders create no bias parameter for it");
      // One policy (docs/conversion.md): the two runtimes round differently.
      lossy(m.prefix,
            "msModelSlim's runtimes multiply the integer accumulator (+ quant_bias) by deq_scale once; compressed-tensors' "
            "(vLLM's cutlass epilogue) by the weight scale, then fused-multiply-add the input scale and the bias, and "
            "quantize activations with x * (1/input_scale)" +
                std::string(worst_scale > 0 ? "; and deq_scale is not input_scale times any float32 weight scale" : ""),
            "|dy| <= 3 float32 roundings of each output (relative " + sci(std::ldexp(3.0, -24) + worst_scale) +
                ") before the " + std::string(dtype_name(md_)) +
                " cast; a quantized input may move by one step where the reciprocal tips its rounding; qconvert --verify measures it");
      out_copy(P + "weight", *w, "");
      out_values(P + "weight_scale", Dtype::F32, {n, 1}, sw, "", std::string(deq->info->name) + " / " + std::string(in_s->info->name),
                 "deq_scale / input_scale, the float32 whose product with input_scale is deq_scale");
      out_values(P + "input_scale", Dtype::F32, {1}, s, "", in_s->info->name,
                 "the " + std::string(dtype_name(md_)) + " value msModelSlim's runtimes hold, as float32");
      if (ct_asym_inputs_) out_values(P + "input_zero_point", Dtype::I8, {1}, {z}, "", in_o->info->name, "I8");
      if (any_bias) {
        std::vector<double> b(n);
        for (std::uint64_t r = 0; r < n; ++r) b[r] = residual[r] * narrow_to_float(dq[r]);
        out_values(P + "bias", md_, {n}, b, "", qb->info->name, "(quant_bias + input_offset * sum_k weight) * deq_scale");
      } else if (bias) {
        out_values(P + "bias", md_, {n}, std::vector<double>(n, 0.0), "", bias->info->name,
                   "zeros: quant_bias holds no float bias beyond the zero-point term");
      }
      ct_member(std::string(m.prefix), ct_args(8, "channel", std::nullopt, true, false), ct_args(8, "tensor", std::nullopt, !ct_asym_inputs_, false),
                "int-quantized");
      break;
    }
    case QuantType::W8A8_DYNAMIC: {
      if (ws->info->shape.size() != 2 || ws->info->shape[1] != 1)
        return refuse(m.prefix, "per-group W8A8_DYNAMIC: no compressed-tensors loader reads grouped weights with per-token inputs");
      if (!all_zero(wo)) return refuse(m.prefix, "asymmetric weight offsets: per-token dynamic quantization needs symmetric weights");
      out_copy(P + "weight", *w, "");
      out_copy(P + "weight_scale", *ws, "");
      copy_bias();
      ct_member(std::string(m.prefix), ct_args(8, "channel", std::nullopt, true, false), ct_args(8, "token", std::nullopt, true, true),
                "int-quantized");
      break;
    }
    case QuantType::W8A16:
    case QuantType::W4A16: {
      const unsigned bits = t == QuantType::W8A16 ? 8 : 4;
      const bool symmetric = !ct_asym_weights_.count(t);
      std::optional<Int4Layout> from_layout;
      if (bits == 4) {
        if (mp.match->scheme->int4_layout && w->info->shape == int4_packed_shape(*mp.match->scheme->int4_layout, n, k))
          from_layout = mp.match->scheme->int4_layout;
      }
      const auto& sh = ws->info->shape;
      const std::uint64_t G = sh.size() == 2 ? sh[1] : 1;
      if (G == 0 || k % G != 0) return refuse(m.prefix, "weight_scale shape not understood");
      out_ct_packed(P + "weight_packed", *w, from_layout, bits, n, k);
      {
        // Integers, not the float32 bit patterns encode() writes into I64.
        Bytes b(16);
        const std::int64_t dims[2] = {static_cast<std::int64_t>(n), static_cast<std::int64_t>(k)};
        std::memcpy(b.data(), dims, 16);
        out_bytes(P + "weight_shape", Dtype::I64, {2}, std::move(b), "", w->info->name, "[n, k] as int64");
      }
      out_values(P + "weight_scale", ws->info->dtype, {n, G}, scales(*ws, ws->info->dtype), "", ws->info->name,
                 sh.size() == 2 ? "copy" : "[n] -> [n,1]");
      if (!symmetric) {
        // msModelSlim and compressed-tensors both dequantize (q - zero point)
        // * scale (docs/research/compressed-tensors.md §10): the offsets are
        // the zero points, packed along n.
        auto off = values(c_, *wo);
        if (off.size() != n * G) return refuse(m.prefix, "weight_offset shape not understood");
        std::vector<std::int8_t> zp(off.size());
        const double lo = -std::ldexp(1.0, static_cast<int>(bits) - 1), hi = std::ldexp(1.0, static_cast<int>(bits) - 1) - 1;
        for (std::size_t i = 0; i < off.size(); ++i) {
          if (off[i] != std::nearbyint(off[i]) || off[i] < lo || off[i] > hi)
            return refuse(m.prefix, "weight_offset " + sci(off[i]) + " is not an int" + std::to_string(bits) + " zero point");
          zp[i] = static_cast<std::int8_t>(off[i]);
        }
        auto packed = ct_pack_n(zp, n, G, bits);
        if (!packed) return refuse(m.prefix, packed.error().to_string());
        out_bytes(P + "weight_zero_point", Dtype::I32, {ct_packed_words(n, bits), G}, o_.plan_only ? Bytes{} : std::move(*packed), "",
                  std::string(wo->info->name), "integral offsets packed along n (value + " + std::to_string(1u << (bits - 1)) + ")");
      }
      copy_bias();
      ct_member(std::string(m.prefix), ct_args(static_cast<int>(bits), G > 1 ? "group" : "channel", G > 1 ? std::optional<std::uint64_t>(k / G) : std::nullopt,
                                  symmetric, false),
                nullptr, "pack-quantized");
      break;
    }
    default:
      return refuse(m.prefix, "compressed-tensors has no counterpart of msModelSlim's " + m.tag + " (docs/research/compressed-tensors.md §10)");
  }
}

void Planner::ct_to_ms(const ModuleParts& mp) {
  const Module& m = *mp.m;
  const std::string T = std::string(quant_type_name(m.type->type));
  const std::string P = std::string(m.prefix) + ".";
  const std::uint64_t n = mp.n;
  const QuantType t = m.type->type;
  const TensorRef *w = mp.get(Role::Weight), *ws = mp.get(Role::WeightScale), *wo = mp.get(Role::WeightOffset),
                  *in_s = mp.get(Role::InputScale), *in_o = mp.get(Role::InputOffset), *bias = mp.get(Role::Bias);
  if (mp.get(Role::GroupIndex))
    return refuse(m.prefix, "actorder group (weight_g_idx): msModelSlim's groups are contiguous runs along k");
  if (wo && t != QuantType::W8A16 && t != QuantType::W4A16)
    return refuse(m.prefix, "asymmetric weights (weight_zero_point): msModelSlim's " + T + " weights are symmetric");
  // A packed weight's k is weight_shape's, checked against the words
  // (module_k, the rule the evaluator and the dequantizer use too).
  const auto mk = module_k(c_, m);
  if (!mk) return refuse(m.prefix, "weight_shape disagrees with weight_packed");
  const std::uint64_t k = *mk;
  const Dtype sd = layout_row(p_.flavour).scales_f32 ? Dtype::F32 : md_;
  switch (t) {
    case QuantType::W8A8: {
      auto s = values(c_, *in_s), sw = values(c_, *ws);
      std::vector<double> z = in_o ? values(c_, *in_o) : std::vector<double>{0.0};
      if (s.size() != 1 || z.size() != 1 || (sw.size() != n && sw.size() != 1)) return refuse(m.prefix, "scale shapes not understood");
      if (z[0] != std::nearbyint(z[0]) || z[0] < -128 || z[0] > 127)
        return refuse(m.prefix, "input_zero_point " + sci(z[0]) + " is not an int8 zero point");
      // The loaders read int8 per-tensor static inputs and symmetric
      // channel or tensor weights into this scheme (docs/research/
      // vllm-compressed-tensors.md); anything else is not W8A8.
      const ct::SchemeGroup& g = c_.ct_recipe()->groups[*m.ct_group];
      if (!g.weights->symmetric || !g.input_activations || g.input_activations->strategy != ct::Strategy::Tensor)
        return refuse(m.prefix, "only symmetric weights with per-tensor static inputs map to msModelSlim's W8A8");
      // One policy (docs/conversion.md): the runtimes round differently.
      // msModelSlim's hold input_scale in the model dtype, compressed-
      // tensors' in float32, and their epilogues differ (ms_to_ct).
      lossy(m.prefix,
            "compressed-tensors' loaders (vLLM's cutlass epilogue) scale the integer accumulator by the weight scale, then "
            "fused-multiply-add the input scale and the bias; msModelSlim's multiply it by deq_scale once and quantize "
            "activations with input_scale in " + std::string(dtype_name(md_)),
            "|dy| <= 3 float32 roundings of each output before the " + std::string(dtype_name(md_)) +
                " cast; input_scale's " + std::string(dtype_name(md_)) + " rounding changes it by " +
                sci(std::fabs(decode_one(s[0], md_) - s[0]) / s[0]) +
                " (relative): a quantized input may move by one step where that tips a rounding; qconvert --verify measures it");
      // deq_scale = fp32(s_x) * fp32(s_w) in float32: the scale product the
      // compressed-tensors loader multiplies by (§9).
      std::vector<double> dq(n);
      for (std::uint64_t r = 0; r < n; ++r)
        dq[r] = static_cast<double>(narrow_to_float(s[0]) * narrow_to_float(sw[sw.size() == 1 ? 0 : r]));
      std::vector<double> qbv(n, 0.0);
      if (z[0] != 0) {  // the row sums only when they count
        auto sums = row_sums(*w, n, k);
        for (std::uint64_t r = 0; r < n; ++r) qbv[r] = -z[0] * static_cast<double>(sums[r]);
      }
      if (bias) {
        auto b = values(c_, *bias);
        double worst = 0;
        for (std::uint64_t r = 0; r < n && r < b.size(); ++r) {
          qbv[r] += round_even(b[r] / dq[r]);
          worst = std::max(worst, std::fabs(dq[r]) / 2);
        }
        lossy(m.prefix, "msModelSlim folds the float bias into quant_bias (round(bias / deq_scale))",
              "|dy| <= deq_scale/2 per output, at most " + sci(worst));
      }
      out_copy(P + "weight", *w, T);
      out_values(P + "quant_bias", Dtype::I32, {n}, qbv, T, std::string(w->info->name) + (bias ? " + " + std::string(bias->info->name) : std::string()),
                 "-input_zero_point * sum_k weight" + std::string(bias ? " + round(bias / deq_scale)" : ""));
      out_values(P + "input_scale", sd, {1}, s, T, in_s->info->name, "copy");
      out_values(P + "input_offset", sd, {1}, z, T, in_o ? std::string(in_o->info->name) : "-", in_o ? "copy" : "0 (symmetric inputs)");
      out_values(P + "deq_scale", md_ == Dtype::BF16 ? Dtype::F32 : Dtype::I64, {n}, dq, T, std::string(in_s->info->name) + " * " + std::string(ws->info->name),
                 "input_scale * weight_scale in float32");
      if (bias) out_values(P + "bias", sd, {n}, values(c_, *bias), "FLOAT", bias->info->name, "kept for reference");
      break;
    }
    case QuantType::W8A8_DYNAMIC: {
      if (ws->info->shape.size() != 2 || ws->info->shape[1] != 1) return refuse(m.prefix, "only per-channel weight scales are converted");
      // msModelSlim's W8A8_DYNAMIC is symmetric per-token int8 inputs.
      const ct::SchemeGroup& g = c_.ct_recipe()->groups[*m.ct_group];
      if (!g.weights->symmetric || !g.input_activations || g.input_activations->strategy != ct::Strategy::Token ||
          !g.input_activations->symmetric)
        return refuse(m.prefix, "only symmetric per-token dynamic inputs with symmetric weights map to msModelSlim's W8A8_DYNAMIC (this "
                                "group's inputs: " + (g.input_activations ? ct::describe(*g.input_activations) : std::string("none")) + ")");
      out_copy(P + "weight", *w, T);
      out_copy(P + "weight_scale", *ws, T);
      out_values(P + "weight_offset", ws->info->dtype, {n, 1}, std::vector<double>(n, 0.0), T, "-", "zeros (symmetric weights)");
      if (bias) out_copy(P + "bias", *bias, "FLOAT");
      break;
    }
    case QuantType::W8A16:
    case QuantType::W4A16: {
      const unsigned bits = t == QuantType::W8A16 ? 8 : 4;
      const auto& sh = ws->info->shape;
      if (sh.size() != 2 || sh[0] != n || sh[1] == 0 || k % sh[1] != 0) return refuse(m.prefix, "weight_scale shape not understood");
      const std::uint64_t G = sh[1];
      if (G > 1) group_sizes_.insert(k / G);
      const bool packed = w->info->dtype == Dtype::I32;
      if (bits == 8) {
        if (packed) out_from_ct_packed(P + "weight", *w, 8, std::nullopt, n, k, T);
        else out_copy(P + "weight", *w, T);
      } else {
        // msModelSlim's legacy saver packs along k exactly when there is one
        // group per row, else along n (scheme.cpp's trans_flag rule).
        const Int4Layout to = G == 1 ? Int4Layout::PackedK : Int4Layout::PackedN;
        if (!packed) return refuse(m.prefix, "int4 weights stored unpacked are not converted");
        if ((to == Int4Layout::PackedK ? k : n) % 2 != 0) return refuse(m.prefix, "odd packed dimension");
        out_from_ct_packed(P + "weight", *w, 4, to, n, k, T);
      }
      out_values(P + "weight_scale", sd, {n, G}, scales(*ws, sd), T, ws->info->name, "copy");
      std::vector<double> off(n * G, 0.0);
      if (wo) {
        // Packed along n (I32) or one int8 per value; either way integers.
        if (wo->info->dtype == Dtype::I32) {
          if (wo->info->nbytes() != ct_packed_words(n, bits) * G * 4) return refuse(m.prefix, "weight_zero_point shape not understood");
          const std::byte* zp = c_.data(*wo).data();
          for (std::uint64_t r = 0; r < n; ++r)
            for (std::uint64_t g = 0; g < G; ++g) off[r * G + g] = ct_packed_n_get(zp, bits, G, r, g);
        } else {
          off = values(c_, *wo);
          if (off.size() != n * G) return refuse(m.prefix, "weight_zero_point shape not understood");
        }
      }
      out_values(P + "weight_offset", sd, {n, G}, off, T, wo ? std::string(wo->info->name) : "-",
                 wo ? (wo->info->dtype == Dtype::I32 ? "unpacked along n" : "copy") : "zeros (symmetric weights)");
      if (bias) out_values(P + "bias", sd, {n}, values(c_, *bias), "FLOAT", bias->info->name, "copy");
      break;
    }
    default:
      return refuse(m.prefix, "msModelSlim's layout has no counterpart of this compressed-tensors " + T + " group");
  }
}

// The recipe of the converted layers: one config group per scheme. With one
// group its target is the class "Linear", as producers write it; with
// several, each group's target is one "re:" pattern over its members' name
// templates (numbers generalised), so fused members (q/k/v) share one
// target, as vLLM requires. Every Linear left in float is listed in
// `ignore`: vLLM raises for a Linear that no target reaches and no ignore
// entry skips (find_matched_target, docs/research/vllm-compressed-tensors.md).
std::optional<std::string> Planner::ct_recipe_json(std::string& why) const {
  using ojson = nlohmann::ordered_json;
  std::map<std::string, std::string> owner;  // template -> group key
  for (const auto& [key, g] : ct_groups_)
    for (const std::string& tp : g.templates)
      if (auto [it, fresh] = owner.emplace(tp, key); !fresh) {
        why = "modules named like " + tp + " use different schemes; a compressed-tensors recipe by name templates cannot tell them apart";
        return std::nullopt;
      }
  ojson q;
  q["quant_method"] = "compressed-tensors";
  std::set<std::string> formats;
  for (const auto& [key, g] : ct_groups_) formats.insert(g.format);
  q["format"] = formats.size() == 1 ? *formats.begin() : std::string("mixed-precision");
  q["quantization_status"] = "compressed";
  ojson groups = ojson::object();
  std::size_t i = 0;
  for (const auto& [key, g] : ct_groups_) {
    std::string target = "Linear";
    if (ct_groups_.size() > 1) {
      target = "re:^(?:";
      bool first = true;
      for (const std::string& tp : g.templates) {
        target += (first ? "" : "|") + tp;
        first = false;
      }
      target += ")$";
      if (target.size() - 3 > ct::kMaxPattern) {
        why = "the name pattern of config group " + std::to_string(i) + " would be " + std::to_string(target.size() - 3) +
              " characters, over the " + std::to_string(ct::kMaxPattern) + " qkit reads back";
        return std::nullopt;
      }
    }
    ojson grp;
    grp["targets"] = ojson::array({target});
    grp["weights"] = g.weights;
    grp["input_activations"] = g.inputs;
    grp["output_activations"] = nullptr;
    grp["format"] = g.format;
    groups["group_" + std::to_string(i++)] = grp;
  }
  q["config_groups"] = groups;
  ojson ignore = ojson::array();
  std::set<std::string_view> quantized;
  for (const Module& m : c_.modules())
    if (m.type && m.type->type != QuantType::FLOAT) quantized.insert(m.prefix);
  for (const TensorRef& t : c_.tensors()) {
    const std::string name(t.info->name);
    if (!std::string_view(name).ends_with(".weight") || t.info->shape.size() != 2) continue;
    const std::string prefix = name.substr(0, name.size() - 7);
    if (ct::module_class(prefix) == "Linear" && !quantized.count(prefix)) ignore.push_back(prefix);
  }
  q["ignore"] = ignore;
  q["kv_cache_scheme"] = nullptr;
  return q.dump();
}

Status Planner::run() {
  if (!c_.family()) return Error(Errc::invalid_argument, "the source is not a quantized checkpoint (layout " +
                                                             std::string(layout_name(c_.layout())) + ")");
  from_ = *c_.family();
  p_.from = from_;
  p_.to = o_.to;
  p_.flavour = o_.flavour.value_or(o_.to == Family::GoldenStick        ? Layout::GoldenStick
                                   : o_.to == Family::CompressedTensors ? Layout::CompressedTensors
                                                                        : Layout::MsModelSlimV1);
  // compressed-tensors converts to and from msModelSlim (the math of
  // docs/research/compressed-tensors.md §10); Golden-Stick goes through it.
  if ((from_ == Family::CompressedTensors && o_.to == Family::GoldenStick) ||
      (from_ == Family::GoldenStick && o_.to == Family::CompressedTensors))
    return Error(Errc::invalid_argument, "no direct conversion between " + std::string(family_name(from_)) + " and " +
                                             std::string(family_name(o_.to)) + ": convert to msmodelslim first, then on");
  // Without --flavour: the newest msModelSlim layout that holds every layer.
  // The current saver (v1) writes no W4A16, the legacy ascendV1 one (v0) does.
  if (!o_.flavour && o_.to == Family::MsModelSlim &&
      std::any_of(c_.modules().begin(), c_.modules().end(),
                  [](const Module& m) { return m.type && m.type->type == QuantType::W4A16; })) {
    p_.flavour = Layout::MsModelSlimV0;
    p_.notes.push_back("flavour v0 (legacy ascendV1 names): msModelSlim's current saver writes no W4A16 layers; "
                       "--flavour overrides");
  }
  if (layout_row(p_.flavour).family != o_.to || flavour_name(p_.flavour).empty())
    return Error(Errc::invalid_argument, "flavour " + std::string(flavour_name(p_.flavour)) + " is not a " +
                                             std::string(family_name(o_.to)) + " layout");
  if (from_ == o_.to) return Error(Errc::invalid_argument, "source and target are both " + std::string(family_name(from_)));
  if (!c_.model_dtype()) return Error(Errc::invalid_argument, "the model dtype is unknown (no torch_dtype in config.json)");
  md_ = *c_.model_dtype();
  if (!o_.ignore_source_errors)
    for (const Diagnostic& d : c_.diagnostics())
      if (d.severity == Severity::Error)
        return Error(Errc::invalid_argument, "the source has errors (run qvalidate): " + d.error.to_string());

  handled_.assign(c_.tensors().size(), 0);
  if (from_ == Family::MsModelSlim && o_.to == Family::CompressedTensors) decide_ct_symmetry();
  // compressed-tensors' KV-cache quantization (kv_cache_scheme: k_scale /
  // v_scale, and *_zero_point when asymmetric, on the attention module;
  // docs/research/compressed-tensors.md §4.4) has no msModelSlim form qkit
  // writes: refused, or dropped with --drop-kv-quant.
  if (from_ == Family::CompressedTensors && c_.ct_recipe() && c_.ct_recipe()->kv_cache) {
    if (!o_.drop_kv_quant)
      refuse("(model)", "kv_cache_scheme (KV-cache quantization): qkit writes no msModelSlim KV-cache tensors from it "
                        "(--drop-kv-quant converts without it)");
    std::size_t dropped = 0;
    for (const TensorRef& t : c_.tensors()) {
      const std::string_view name = t.info->name;
      for (std::string_view s : {".k_scale", ".v_scale", ".k_zero_point", ".v_zero_point", ".q_scale", ".q_zero_point"})
        if (name.ends_with(s)) {
          handled_[static_cast<std::size_t>(&t - c_.tensors().data())] = 1;
          ++dropped;
        }
    }
    if (o_.drop_kv_quant)
      p_.notes.push_back("kv_cache_scheme dropped (--drop-kv-quant): " + std::to_string(dropped) +
                         " KV-cache tensors not written; the target computes attention's KV cache in the model dtype");
  }
  if (from_ == Family::GoldenStick) plan_output_folds();
  for (const Module& m : c_.modules()) {
    if (!m.type) {
      refuse(m.prefix, "unknown quant type '" + m.tag + "'");
      continue;
    }
    ++type_count_[std::string(quant_type_name(m.type->type))];
    if (m.scope == QuantScope::Attention) {
      if (o_.drop_kv_quant)
        p_.notes.push_back(std::string(m.prefix) + ": " + std::string(quant_type_name(m.type->type)) +
                           " attention quantization dropped (--drop-kv-quant): the target computes this attention's "
                           "KV cache / FA in the model dtype");
      else
        refuse(m.prefix, std::string(quant_type_name(m.type->type)) + " attention tensors: " +
                             (o_.to == Family::GoldenStick ? "Golden-Stick's current savers store"
                                                           : "qkit writes compressed-tensors' kv_cache_scheme for") +
                             " no KV-cache or FA quantization (--drop-kv-quant converts without it)");
      handle(m);
      continue;
    }
    // The module as the checkpoint bound it (formats/checkpoint.h).
    if (!m.match || !m.match->ok() || !m.match->vars.n || !m.match->vars.k) {
      refuse(m.prefix, "does not match its " + m.tag + " scheme (run qvalidate)");
      handle(m);
      continue;
    }
    const SchemeMatch& sm = *m.match;
    ModuleParts mp{&m, &sm, *sm.vars.n, *sm.vars.k};
    handle(m);  // converted or refused, never copied
    if (from_ == Family::MsModelSlim) o_.to == Family::CompressedTensors ? ms_to_ct(mp) : ms_to_gs(mp);
    else if (from_ == Family::CompressedTensors) ct_to_ms(mp);
    else gs_to_ms(mp);
  }
  // A norm may take a fold only when every linear reading it was smoothed
  // the same way: a float reader (Qwen3.5's in_proj_b/in_proj_a beside a
  // quantized in_proj_qkv) would otherwise compute with a changed input.
  if (!fold_vector_.empty())
    for (const TensorRef& t : c_.tensors()) {
      const std::string name(t.info->name);
      if (!std::string_view(name).ends_with(".weight")) continue;
      const std::string prefix = name.substr(0, name.size() - 7);
      auto norm = feeding_norm(prefix);
      if (!norm || !fold_vector_.count(*norm) || fold_members_[*norm].count(prefix)) continue;
      refuse(fold_owner_[*norm], "its smoothing cannot be folded into " + *norm + ": " + prefix +
                                     " reads the same norm without that smoothing");
      norm_fold_.erase(*norm);
    }
  if (group_sizes_.size() > 1)
    refuse("(model)", "several group sizes; msModelSlim's description has one global group_size");
  // msModelSlim's anti-outlier passes (SmoothQuant, flex_smooth) give an
  // RMSNorm a bias that shifts what the next linears read; vllm-ascend's
  // msModelSlim path adds it (docs/research/loaders-audit.md), but an
  // RMSNorm in compressed-tensors' loaders (vLLM) has no bias parameter, so
  // those layers would read unshifted inputs. Refused when non-zero.
  if (o_.to == Family::CompressedTensors && c_.config() && c_.config()->rms_norm) {
    std::set<std::string> seen_norms;
    for (const Module& m : c_.modules()) {
      auto norm = feeding_norm(m.prefix);
      if (!norm || !seen_norms.insert(*norm).second || !std::string_view(*norm).ends_with(".weight")) continue;
      const std::string bias_name = norm->substr(0, norm->size() - 7) + ".bias";
      const TensorRef* b = c_.find(bias_name);
      if (!b) continue;
      auto v = values(c_, *b);
      if (std::any_of(v.begin(), v.end(), [](double x) { return x != 0; }))
        refuse(bias_name, "an anti-outlier bias on an RMSNorm: compressed-tensors' loaders (vLLM's RMSNorm) have no norm bias, "
                          "so the layers reading " + *norm + " would compute without its shift");
    }
  }
  // Everything else is carried over as it is (norms folded where smoothing was).
  for (const TensorRef& t : c_.tensors()) {
    const std::string name(t.info->name);
    if (handled_[static_cast<std::size_t>(&t - c_.tensors().data())]) continue;
    std::string tag(c_.tag_of(t));
    if (tag.empty() && o_.to != Family::CompressedTensors) tag = "FLOAT";
    if (tag != "FLOAT" && parse_quant_type(tag) && parse_quant_type(tag)->type != QuantType::FLOAT) {
      refuse(name, "tagged " + tag + " but not part of a quantized module");
      continue;
    }
    if (auto it = norm_fold_.find(name); it != norm_fold_.end()) {
      auto gamma = values(c_, t);
      for (std::size_t j = 0; j < gamma.size() && j < it->second.size(); ++j) gamma[j] *= it->second[j];
      out_values(name, t.info->dtype, t.info->shape, gamma, "FLOAT", name, "fold smoothing: gamma * multiplier");
    } else {
      out_copy(name, t, tag);
    }
  }
  // Every out_* appends to both lists with the same name, so one sort of
  // positions orders both: std::sort on the same keys makes the same moves,
  // hence the same permutation two sorts made (equal names included).
  {
    std::vector<std::size_t> order(p_.tensors.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return natural_less(p_.tensors[a].name, p_.tensors[b].name); });
    std::vector<PlannedTensor> tensors;
    std::vector<OutputTensor> content;
    tensors.reserve(order.size());
    content.reserve(order.size());
    for (std::size_t i : order) {
      tensors.push_back(std::move(p_.tensors[i]));
      content.push_back(std::move(p_.content.tensors[i]));
    }
    p_.tensors = std::move(tensors);
    p_.content.tensors = std::move(content);
  }
  for (const OutputTensor& t : p_.content.tensors) {
    std::uint64_t n = 1;
    for (auto d : t.source.shape) n *= d;
    p_.output_bytes += n * dtype_bits(t.source.dtype) / 8;
  }
  write_description_and_config();
  return ok_status();
}

void Planner::write_description_and_config() {
  using ojson = nlohmann::ordered_json;
  ojson d = ojson::object();
  LayoutOptions& lo = p_.layout;
  lo.max_shard_bytes = o_.max_shard_bytes;
  lo.replace = true;
  // The global type msModelSlim's V1 saver would record: the highest of its
  // priority list among the layers' types (ascendv1.py).
  static const char* kPriority[] = {"W8A16", "W8A8_DYNAMIC", "W8A8_MIX", "W8A8"};
  std::string model_type = "FLOAT";
  for (const char* t : kPriority)
    if (type_count_.count(t)) model_type = t;
  if (model_type == "FLOAT")
    for (const auto& [t, n] : type_count_)
      if (t != "FLOAT" && t != "C8" && t != "FAQuant") model_type = t;
  std::string lower = model_type;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  lo.type_suffix = lower;
  const std::uint64_t gs = group_sizes_.empty() ? 0 : *group_sizes_.begin();
  const LayoutRow& row = layout_row(p_.flavour);
  lo.layout = p_.flavour;
  // The legacy savers write one file when it fits.
  lo.single_file = p_.flavour == Layout::MsModelSlimV0 && o_.max_shard_bytes >= p_.output_bytes;
  if (o_.to == Family::CompressedTensors) {
    // No description: the recipe goes into config.json.
    const fs::path cfg = c_.root() / "config.json";
    std::string why;
    auto recipe = ct_recipe_json(why);
    if (!recipe) return refuse("(model)", why);
    auto text = read_small_file(cfg, 16ull << 20);
    auto j = text ? parse_json_strict(*text, cfg.string()) : Result<nlohmann::ordered_json>(Error(Errc::io_open, "no config.json"));
    if (!j || !j->is_object()) return refuse("(model)", "config.json is needed to hold the compressed-tensors recipe");
    (*j)["quantization_config"] = nlohmann::ordered_json::parse(*recipe);
    p_.content.config_json = j->dump(2) + "\n";
    p_.notes.push_back("config.json: quantization_config holds the compressed-tensors recipe (" + std::to_string(ct_groups_.size()) +
                       " config group" + (ct_groups_.size() == 1 ? "" : "s") + ")");
    for (const std::string& f : c_.side_files()) p_.content.copy_files.push_back(c_.root() / f);
    return;
  }
  std::vector<std::pair<std::string, std::string>> tags;
  tags.reserve(p_.content.tensors.size());
  for (const OutputTensor& t : p_.content.tensors) tags.emplace_back(t.source.name, t.tag);
  d = build_description(row, tags, model_type, gs, ojson::object());
  p_.content.description = std::move(d);
  // config.json: carried over; msModelSlim output drops quantization_config
  // (vLLM-Ascend would read it instead of the description), MindIE's naming
  // needs "quantize".
  const fs::path cfg = c_.root() / "config.json";
  if (auto text = read_small_file(cfg, 16ull << 20)) {
    std::string out = *text;
    if (o_.to == Family::MsModelSlim) {
      auto j = parse_json_strict(*text, cfg.string());
      if (j && j->is_object()) {
        bool changed = false;
        if (!o_.keep_quantization_config && j->contains("quantization_config")) {
          j->erase("quantization_config");
          p_.notes.push_back("config.json: quantization_config removed (vLLM-Ascend would read it instead of the description)");
          changed = true;
        }
        if (row.config_quantize) {
          (*j)["quantize"] = lower;
          changed = true;
        }
        if (changed) out = j->dump(2) + "\n";
      }
    }
    p_.content.config_json = out;
  }
  for (const std::string& f : c_.side_files()) p_.content.copy_files.push_back(c_.root() / f);
}

}  // namespace

std::string_view flavour_name(Layout l) { return layout_row(l).flavour; }

Result<Plan> plan_conversion(const Checkpoint& src, const ConvertOptions& options) {
  Plan p;
  p.plan_only = options.plan_only;
  p.source_root = src.root();
  Planner planner(src, options, p);
  // Planning reads the small tensors (scales, offsets): a shard cut short
  // meanwhile is an error, not a SIGBUS.
  if (auto st = guard_mapped_reads(src.root().string(), [&] { return planner.run(); }); !st)
    return std::move(st).error();
  return p;
}

Status execute_plan(Plan& plan, const fs::path& dst, ReplacePolicy replace,
                    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  if (plan.plan_only)
    return Error(Errc::invalid_argument, "the plan was made for --dry-run (plan_only) and holds no output bytes");
  if (!plan.source_root.empty())
    if (auto st = check_output_apart(plan.source_root, dst); !st) return st;
  plan.layout.replace = replace != ReplacePolicy::Never;
  plan.layout.replace_foreign = replace == ReplacePolicy::Anything;
  plan.layout.mark_output = true;
  if (progress) {
    // Route every tensor through a producer that reports progress in 8 MiB steps.
    auto done = std::make_shared<std::uint64_t>(0);
    const std::uint64_t total = plan.output_bytes;
    for (OutputTensor& t : plan.content.tensors) {
      TensorSource& s = t.source;
      if (s.produce) {
        auto inner = s.produce;
        s.produce = [inner, done, total, progress](ByteSink& sink) {
          struct Counting final : ByteSink {
            ByteSink& out;
            std::shared_ptr<std::uint64_t> done;
            std::uint64_t total;
            const std::function<void(std::uint64_t, std::uint64_t)>& cb;
            Counting(ByteSink& o, std::shared_ptr<std::uint64_t> d, std::uint64_t t,
                     const std::function<void(std::uint64_t, std::uint64_t)>& c)
                : out(o), done(std::move(d)), total(t), cb(c) {}
            Status write(std::span<const std::byte> b) override {
              *done += b.size();
              cb(*done, total);
              return out.write(b);
            }
            using ByteSink::write;
          } counting(sink, done, total, progress);
          return inner(counting);
        };
      } else {
        std::span<const std::byte> bytes = s.bytes;
        s.bytes = {};
        s.produce = [bytes, done, total, progress](ByteSink& sink) -> Status {
          for (std::size_t off = 0; off < bytes.size(); off += 8u << 20) {
            auto part = bytes.subspan(off, std::min<std::size_t>(8u << 20, bytes.size() - off));
            if (auto st = sink.write(part); !st) return st;
            *done += part.size();
            progress(*done, total);
          }
          return ok_status();
        };
      }
    }
  }
  return write_checkpoint(dst, plan.content, plan.layout);
}

std::string render_plan(const Plan& p) {
  std::ostringstream o;
  render_plan(o, p);
  return o.str();
}

void render_plan(std::ostream& o, const Plan& p) {
  o << "plan: " << family_name(p.from) << " -> " << family_name(p.to) << " (" << flavour_name(p.flavour) << "), "
    << p.tensors.size() << " tensors, " << p.output_bytes << " bytes\n";
  for (const PlannedTensor& t : p.tensors) {
    o << "  " << escape_for_display(t.name) << "  " << dtype_name(t.dtype) << " [";
    for (std::size_t i = 0; i < t.shape.size(); ++i) o << (i ? "," : "") << t.shape[i];
    o << "]  " << t.tag << (t.int4_marker ? " (Int4)" : "") << "  <- " << escape_for_display(t.from) << "  ("
      << t.transform << ")\n";
  }
  for (const std::string& n : p.notes) o << "note: " << escape_for_display(n) << "\n";
  for (const LayerVerdict& v : p.lossy)
    o << "lossy: " << escape_for_display(v.prefix) << ": " << v.reason << "; bound: " << v.bound << "\n";
  for (const LayerVerdict& v : p.refused) o << "refused: " << escape_for_display(v.prefix) << ": " << v.reason << "\n";
}

}  // namespace qkit::convert
