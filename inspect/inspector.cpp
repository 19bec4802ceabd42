//===- inspect/inspector.cpp ---------------------------------------------===//
#include "inspect/inspector.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <future>
#include <system_error>
#include <regex>
#include <set>
#include <thread>

#include "formats/codecs.h"
#include "formats/mapped_file.h"
#include "formats/naming.h"
#include "convert/evaluate.h"
#include "inspect/dequant.h"

namespace qkit::inspect {
namespace {

constexpr std::uint64_t kChunk = 8ull << 20;

// "model.layers.12.self_attn.q_proj" -> ("12", "q"); MTP and vision layers
// get their own rows ("mtp.0", "vision.3"); nullopt when not in a layer.
// Names are taken apart by the naming table (formats/naming.h).
struct LayerCell {
  std::string layer, column;
  LayerKind kind = LayerKind::Decoder;
  std::uint64_t number = 0;
};
// `name`: parse_module_name of the module's prefix.
std::optional<LayerCell> layer_cell(const ModuleName& name, QuantScope scope, std::string_view tag) {
  if (name.kind == LayerKind::None || !name.layer) return std::nullopt;
  LayerCell cell;
  cell.kind = name.kind;
  cell.number = *name.layer;
  cell.layer = name.kind == LayerKind::Decoder ? std::to_string(*name.layer)
                                               : std::string(layer_kind_name(name.kind)) + "." + std::to_string(*name.layer);
  if (scope == QuantScope::Attention) {
    cell.column = tag == "C8" ? "kv" : "fa";
    return cell;
  }
  cell.column = std::string(layer_map_column(name));
  return cell;
}

// The layer map's columns in display order: the naming table's order, then
// the columns that are not module kinds.
const std::vector<std::string>& column_order() {
  static const std::vector<std::string> order = [] {
    std::vector<std::string> o;
    for (const ModuleRow& row : module_rows())
      if (std::find(o.begin(), o.end(), row.column) == o.end()) o.emplace_back(row.column);
    for (const char* extra : {"experts", "shared", "other", "fa", "kv"}) o.emplace_back(extra);
    return o;
  }();
  return order;
}

// Layer-map codes live in the quant-type table (formats/quant_type.cpp).
const std::vector<std::pair<std::string, std::string>>& codes() {
  static const std::vector<std::pair<std::string, std::string>> c = [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const QuantTypeInfo& t : all_quant_types())
      if (!t.layer_map_code.empty()) out.emplace_back(t.name, t.layer_map_code);
    return out;
  }();
  return c;
}

Status stream_bytes(const Checkpoint& c, const TensorRef& t, const std::function<void(std::span<const std::byte>)>& f) {
  const ShardFile& s = c.shard_of(t);
  if (!s.file) return Error(Errc::io_read, "shard unreadable").for_tensor(t.info->name);
  return guard_mapped_reads(s.file->path(), [&]() -> Status {
    auto bytes = c.data(t);
    const std::uint64_t base = s.file->file_offset(*t.info);
    s.file->mapping().advise_sequential(base, base + bytes.size());
    for (std::uint64_t off = 0; off < bytes.size(); off += kChunk) {
      auto part = bytes.subspan(off, std::min<std::uint64_t>(kChunk, bytes.size() - off));
      f(part);
      s.file->mapping().advise_done(base + off, base + off + part.size());
    }
    return ok_status();
  });
}

std::uint32_t crc_of(const Checkpoint& c, const TensorRef& t) {
  uLong crc = crc32(0L, Z_NULL, 0);
  (void)stream_bytes(c, t, [&](std::span<const std::byte> part) {
    crc = crc32(crc, reinterpret_cast<const Bytef*>(part.data()), static_cast<uInt>(part.size()));
  });
  return static_cast<std::uint32_t>(crc);
}

TensorStats stats_of(const Checkpoint& c, const TensorRef& t, const Module* module, bool integer_weight) {
  TensorStats s;
  const Dtype d = t.info->dtype;
  if (!element_readable(d) || !c.shard_of(t).file) return s;
  double sum = 0, sumsq = 0;
  bool first = true;
  auto bytes = c.data(t);
  // A packed int4 weight holds two values per byte: statistics of the bytes
  // would describe nothing the runtime computes with, so count the values.
  const Scheme* scheme = module && module->match ? module->match->scheme : nullptr;
  s.int4 = integer_weight && scheme && scheme->int4_layout && d == Dtype::I8 && module->match->vars.n && module->match->vars.k &&
           t.info->shape == int4_packed_shape(*scheme->int4_layout, *module->match->vars.n, *module->match->vars.k);
  const std::uint64_t n = s.int4 ? 2 * t.info->element_count() : t.info->element_count();
  for (std::uint64_t i = 0; i < n; ++i) {
    double v;
    if (s.int4) {
      const auto b = static_cast<std::int8_t>(bytes[i / 2]);
      v = (i & 1) ? high_int4(b) : low_int4(b);
    } else {
      v = *element_as_double(d, bytes, i);
    }
    ++s.count;
    if (std::isnan(v)) {
      ++s.nan;
      continue;
    }
    if (std::isinf(v)) {
      ++s.inf;
      continue;
    }
    if (v == 0) ++s.zeros;
    if (first) {
      s.min = s.max = v;
      first = false;
    }
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    sum += v;
    sumsq += v * v;
    if (integer_weight) ++s.histogram[static_cast<int>(v)];
  }
  const double finite = static_cast<double>(s.count - s.nan - s.inf);
  if (finite > 0) {
    s.mean = sum / finite;
    s.stddev = std::sqrt(std::max(0.0, sumsq / finite - s.mean * s.mean));
  }
  if (module != nullptr) {
    auto dq = WeightDequantizer::create(c, *module);
    if (dq) {
      std::vector<float> rows;
      double lo = INFINITY, hi = -INFINITY;
      for (std::uint64_t r = 0; r < dq->rows(); r += 64) {
        std::uint64_t r1 = std::min(dq->rows(), r + 64);
        if (!dq->read_rows(r, r1, rows)) break;
        for (float v : rows) {
          lo = std::min<double>(lo, v);
          hi = std::max<double>(hi, v);
        }
      }
      if (lo <= hi) s.dequantized = std::make_pair(lo, hi);
    }
  }
  return s;
}

}  // namespace

std::string layer_map_code(std::string_view tag) {
  if (tag.empty()) return ".";
  for (const auto& [t, code] : codes())
    if (t == tag) return code;
  if (auto p = parse_quant_type(tag)) return layer_map_code(quant_type_name(p->type)) + "*";
  return "?";
}

std::vector<std::pair<std::string, std::string>> layer_map_legend() { return codes(); }

bool glob_match(std::string_view p, std::string_view s) {
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '[') {
      std::size_t close = p.find(']', pi + 1);
      if (close != std::string_view::npos) {
        std::string_view set = p.substr(pi + 1, close - pi - 1);
        bool neg = !set.empty() && (set[0] == '!' || set[0] == '^');
        if (neg) set.remove_prefix(1);
        bool hit = false;
        for (std::size_t i = 0; i < set.size(); ++i) {
          if (i + 2 < set.size() && set[i + 1] == '-') {
            hit |= s[si] >= set[i] && s[si] <= set[i + 2];
            i += 2;
          } else {
            hit |= s[si] == set[i];
          }
        }
        if (hit != neg) {
          pi = close + 1;
          ++si;
          continue;
        }
      }
    } else if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
      continue;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
      continue;
    }
    if (star == std::string_view::npos) return false;
    pi = star + 1;
    si = ++mark;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Result<InspectResult> inspect(const Checkpoint& c, const InspectOptions& o) {
  InspectResult r;
  std::optional<std::regex> re;
  if (!o.filter.empty() && o.regex) {
    try {
      re.emplace(o.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Error(Errc::invalid_argument, "invalid --regex '" + o.filter + "': " + e.what());
    }
  }
  // Which tensors belong to quantized modules, and the logical size of their weights.
  // By position in c.tensors(), which module tensors point into (names
  // there are unique): three name-keyed maps copied every name.
  const auto pos = [&](const TensorRef& t) { return static_cast<std::size_t>(&t - c.tensors().data()); };
  std::vector<const Module*> module_of(c.tensors().size(), nullptr);
  std::vector<std::optional<std::uint64_t>> weight_logical(c.tensors().size());  // weight tensor -> n*k
  auto fam = c.family();
  // Modules count under their type; tensors and bytes under the tag the
  // description gives each tensor (a W8A8 module's bias tagged FLOAT counts
  // as a FLOAT tensor); "quantized linears" bits/weight is over whole modules.
  std::uint64_t quantized_bytes = 0, quantized_weights = 0;
  for (const Module& m : c.modules()) {
    TypeTotals& tt = r.by_quant_type[m.tag];
    ++tt.modules;
    for (const auto& [suffix, ref] : m.tensors) {
      module_of[pos(*ref)] = &m;
      const std::string_view own = c.tag_of(*ref);
      TypeTotals& at = own.empty() || own == m.tag ? tt : r.by_quant_type[std::string(own)];
      ++at.tensors;
      at.bytes += ref->info->nbytes();
      quantized_bytes += ref->info->nbytes();
    }
    if (m.scope == QuantScope::Linear && fam && m.type && !schemes_for(*fam, m.type->type).empty()) {
      static const SchemeMatch kNone{};
      const SchemeMatch& sm = m.match ? *m.match : kNone;  // bound at open
      if (const TensorRef* ref = m.tensor(Role::Weight)) {
          std::uint64_t logical = sm.vars.n && sm.vars.k ? *sm.vars.n * *sm.vars.k * sm.vars.E.value_or(1)
                                                         : ref->info->element_count();
          weight_logical[pos(*ref)] = logical;
          tt.weights += logical;
          quantized_weights += logical;
        }
    }
  }
  // Unfiltered, every tensor gets a row: one allocation instead of the
  // growth copies (a row is ~200 bytes; 27 MB at 138k tensors, which the
  // last doubling briefly held twice).
  if (o.rows && o.filter.empty()) r.tensors.reserve(c.tensors().size());
  for (const TensorRef& t : c.tensors()) {
    const std::string_view name = t.info->name;
    Totals& dt = r.by_dtype[t.info->dtype_name];
    ++dt.tensors;
    dt.elements += t.info->element_count();
    dt.bytes += t.info->nbytes();
    ++r.tensor_count;
    r.total_bytes += t.info->nbytes();
    if (const auto& logical = weight_logical[pos(t)]) r.parameters += *logical;
    else if (!module_of[pos(t)]) {
      r.parameters += t.info->element_count();
      std::string_view tag = c.tag_of(t);
      // compressed-tensors has no description: what no group quantizes is float.
      TypeTotals& ft = r.by_quant_type[!tag.empty() ? std::string(tag)
                                       : c.family() == Family::CompressedTensors ? std::string("FLOAT")
                                                                                 : std::string("(undescribed)")];
      ++ft.tensors;
      ft.bytes += t.info->nbytes();
      ft.weights += t.info->element_count();
    }
    bool keep = o.rows && (o.filter.empty() || (re ? std::regex_search(name.begin(), name.end(), *re) : glob_match(o.filter, name)));
    if (keep) r.tensors.push_back(TensorRow{&t, c.tag_of(t), std::nullopt, nullptr});
  }
  if (r.parameters) r.bits_per_weight = 8.0 * static_cast<double>(r.total_bytes) / static_cast<double>(r.parameters);
  if (quantized_weights)
    r.quantized_bits_per_weight = 8.0 * static_cast<double>(quantized_bytes) / static_cast<double>(quantized_weights);

  if (c.ct_recipe()) r.ct_coverage = c.ct_coverage();  // resolved once, at open

  // Layer map.
  // Rows sorted decoder layers first, then MTP, then vision, each by number.
  using RowKey = std::pair<std::pair<LayerKind, std::uint64_t>, std::string>;
  std::map<RowKey, std::map<std::string, std::set<std::string>>> cells;  // row -> column -> tags
  std::set<std::string> used_columns;
  // Each prefix is taken apart once (a float linear's, for its row test and
  // its cell).
  auto note_cell = [&](const ModuleName& mn, QuantScope scope, const std::string& tag) {
    if (auto cell = layer_cell(mn, scope, tag)) {
      cells[RowKey{{cell->kind, cell->number}, cell->layer}][cell->column].insert(tag);
      used_columns.insert(cell->column);
    }
  };
  for (const Module& m : c.modules()) note_cell(parse_module_name(m.prefix), m.scope, m.tag);
  const std::string float_tag = "FLOAT";
  for (const TensorRef& t : c.tensors()) {  // float linears appear as "-"
    const std::string_view name = t.info->name;
    if (!std::string_view(name).ends_with(".weight") || module_of[pos(t)]) continue;
    const std::string prefix(name.substr(0, name.size() - 7));
    const ModuleName mn = parse_module_name(prefix);
    if (!mn.row || mn.row->parallel == Parallel::None) continue;  // norms, router, embeddings
    note_cell(mn, QuantScope::Linear, float_tag);
  }
  for (const std::string& col : column_order())
    if (used_columns.count(col)) r.layer_map.columns.push_back(col);
  for (const auto& [key, by_column] : cells) {
    std::vector<std::string> row;
    for (const std::string& col : r.layer_map.columns) {
      auto it = by_column.find(col);
      if (it == by_column.end()) row.push_back(".");
      else if (it->second.size() == 1) row.push_back(layer_map_code(*it->second.begin()));
      else row.push_back("mix");
    }
    r.layer_map.rows.emplace_back(key.second, std::move(row));
  }

  // Bytes: checksums and statistics, on all cores.
  if (o.checksum || o.stats) {
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i; (i = next.fetch_add(1)) < r.tensors.size();) {
        TensorRow& row = r.tensors[i];
        if (o.checksum) row.crc32 = crc_of(c, *row.ref);
        if (o.stats) {
          const Module* m = nullptr;
          bool integer_weight = false;
          if (const Module* owner = module_of[pos(*row.ref)]; owner && std::string_view(row.ref->info->name).ends_with(".weight")) {
            m = owner;
            integer_weight = row.ref->info->dtype == Dtype::I8 || row.ref->info->dtype == Dtype::U8;  // 256 bins at most
          }
          const ShardFile& sf = c.shard_of(*row.ref);
          if (sf.file) {
            TensorStats st;
            if (guard_mapped_reads(sf.file->path(), [&]() -> Status {
                  st = stats_of(c, *row.ref, m, integer_weight);
                  return ok_status();
                }))
              row.stats = std::make_unique<TensorStats>(std::move(st));
          }
        }
      }
    };
    unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
  }
  return r;
}

bool DiffResult::within(double tol) const {
  if (!only_a.empty() || !only_b.empty() || !unreadable_a.empty() || !unreadable_b.empty()) return false;
  for (const TensorChange& t : changed) {
    if (t.what.find("unreadable") != std::string::npos) return false;
    if (t.max_abs_diff && !(*t.max_abs_diff <= tol * t.max_abs.value_or(0))) return false;
  }
  for (const ModuleDiff& m : modules)
    if (m.max_output_rel && !(*m.max_output_rel <= tol)) return false;
  return true;
}

DiffResult diff(const Checkpoint& a, const Checkpoint& b) {
  DiffResult d;
  for (const ShardFile& s : a.shards())
    if (!s.file) d.unreadable_a.push_back(s.name + (s.error ? ": " + s.error->to_string() : std::string()));
  for (const ShardFile& s : b.shards())
    if (!s.file) d.unreadable_b.push_back(s.name + (s.error ? ": " + s.error->to_string() : std::string()));
  for (const TensorRef& t : a.tensors())
    if (!b.find(t.info->name)) d.only_a.emplace_back(t.info->name);
  for (const TensorRef& t : b.tensors()) {
    const TensorRef* ta = a.find(t.info->name);
    if (!ta) {
      d.only_b.emplace_back(t.info->name);
      continue;
    }
    const TensorInfo &ia = *ta->info, &ib = *t.info;
    std::vector<std::string> what;
    if (ia.dtype_name != ib.dtype_name) what.push_back("dtype " + ia.dtype_name + " -> " + ib.dtype_name);
    if (ia.shape != ib.shape) {
      auto s = [](const std::vector<std::uint64_t>& v) {
        std::string o = "[";
        for (std::size_t i = 0; i < v.size(); ++i) o += (i ? "," : "") + std::to_string(v[i]);
        return o + "]";
      };
      what.push_back("shape " + s(ia.shape) + " -> " + s(ib.shape));
    }
    // A float checkpoint has no description: its tensors are FLOAT.
    std::string_view tag_a = a.tag_of(ia.name), tag_b = b.tag_of(ib.name);
    if (tag_a.empty()) tag_a = "FLOAT";
    if (tag_b.empty()) tag_b = "FLOAT";
    if (tag_a != tag_b) what.push_back("type " + std::string(tag_a.empty() ? "-" : tag_a) + " -> " + std::string(tag_b.empty() ? "-" : tag_b));
    bool same_bytes = false;
    std::optional<double> max_diff, max_abs;
    if (a.shard_of(*ta).file && b.shard_of(t).file && ia.nbytes() == ib.nbytes()) {
      auto compared = guard_mapped_reads(a.shard_of(*ta).file->path(), [&]() -> Status {
      auto x = a.data(*ta), y = b.data(t);
      same_bytes = std::memcmp(x.data(), y.data(), x.size()) == 0;
      if (!same_bytes && ia.dtype == ib.dtype && ia.shape == ib.shape && is_float_dtype(ia.dtype) &&
          element_readable(ia.dtype)) {
        // NaN or Inf against anything else is a difference (inf), never 0.
        double m = 0, mabs = 0;
        for (std::uint64_t i = 0; i < ia.element_count(); ++i) {
          const double va = *element_as_double(ia.dtype, x, i), vb = *element_as_double(ib.dtype, y, i);
          if (std::isfinite(va)) mabs = std::max(mabs, std::fabs(va));
          if (va == vb) continue;
          const double dv = std::fabs(va - vb);
          m = std::isfinite(dv) ? std::max(m, dv) : INFINITY;
        }
        max_diff = m;
        max_abs = mabs;
      }
      return ok_status();
      });
      if (!compared) what.push_back("unreadable: " + compared.error().detail);
    }
    if (!same_bytes && what.empty()) what.push_back("bytes differ");
    if (what.empty()) {
      ++d.identical;
      continue;
    }
    std::string joined;
    for (const std::string& w : what) joined += (joined.empty() ? "" : "; ") + w;
    d.changed.push_back({std::string(ib.name), joined, max_diff, max_abs});
  }
  // Quantized linears present in both: compare the dequantized weights.
  std::map<std::string_view, const Module*> mb;  // views into b's names, which b outlives here
  for (const Module& m : b.modules())
    if (m.scope == QuantScope::Linear) mb[m.prefix] = &m;
  for (const Module& m : a.modules()) {
    if (m.scope != QuantScope::Linear) continue;
    auto it = mb.find(m.prefix);
    if (it == mb.end()) continue;
    ModuleDiff md;
    md.prefix = m.prefix;
    md.type_a = m.tag;
    md.type_b = it->second->tag;
    auto guarded = guard_mapped_reads(a.root().string(), [&]() -> Status {
      auto da = WeightDequantizer::create(a, m), db = WeightDequantizer::create(b, *it->second);
      if (!da || !db) {
        md.note = "not dequantizable: " + (!da ? da.error().detail : db.error().detail);
      } else if (da->rows() != db->rows() || da->cols() != db->cols()) {
        md.note = "different [n, k]";
      } else {
        std::vector<float> ra, rb;
        double mx = 0, mabs = 0;
        for (std::uint64_t r = 0; r < da->rows(); r += 64) {
          std::uint64_t r1 = std::min(da->rows(), r + 64);
          if (!da->read_rows(r, r1, ra) || !db->read_rows(r, r1, rb)) break;
          for (std::size_t i = 0; i < ra.size(); ++i) {
            mx = std::max(mx, std::fabs(static_cast<double>(ra[i]) - rb[i]));
            mabs = std::max(mabs, std::fabs(static_cast<double>(ra[i])));
          }
        }
        md.max_abs_diff = mx;
        md.max_abs = mabs;
      }
      return ok_status();
    });
    if (!guarded) md.note = "unreadable: " + guarded.error().detail;
    d.modules.push_back(std::move(md));
  }
  // What the runtimes compute, layer by layer.
  if (!d.modules.empty()) {
    std::map<std::string, ModuleDiff*> by_prefix;
    for (ModuleDiff& m : d.modules) by_prefix[m.prefix] = &m;
    for (const convert::LayerDifference& r : convert::verify_conversion(a, b, {}, {})) {
      auto it = by_prefix.find(r.prefix);
      if (it == by_prefix.end() || !r.evaluated) continue;
      it->second->max_output_diff = r.max_abs;
      it->second->max_output_rel = r.max_rel;
    }
  }
  return d;
}

std::future<std::vector<validate::Finding>> start_quick_problems(const Checkpoint& c) {
  auto make = [&c] {
    validate::ValidateOptions vo;
    vo.quick = true;
    std::vector<validate::Finding> problems;
    for (validate::Finding& f : validate::validate(c, vo).findings)
      if (f.severity != Severity::Info) problems.push_back(std::move(f));
    return problems;
  };
  try {
    return std::async(std::launch::async, make);
  } catch (const std::system_error&) {  // no thread to be had: made when asked for
    return std::async(std::launch::deferred, make);
  }
}

}  // namespace qkit::inspect
