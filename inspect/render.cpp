//===- inspect/render.cpp - qinspect's text and JSON output --------------===//
#include "inspect/render.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <span>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "formats/json_write.h"
#include "formats/scheme_doc.h"
#include "formats/utf8.h"
#include "validate/findings_text.h"

namespace qkit::inspect {
namespace {

using ojson = nlohmann::ordered_json;

std::string thousands(std::uint64_t v) {
  std::string s = std::to_string(v), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string shape_text(const std::vector<std::uint64_t>& s) {
  std::string o = "[";
  for (std::size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
  return o + "]";
}

template <class T>
std::string opt(const std::optional<T>& v) {
  if (!v) return "?";
  if constexpr (std::is_same_v<T, std::string>) return *v;
  else return std::to_string(*v);
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

// Rows of cells, each column as wide as its minimum or its longest cell plus
// two spaces, whichever is more (the last column is not padded): numbers of
// a 700 GB checkpoint never run into each other.
void write_table(std::ostream& o, const std::vector<std::vector<std::string>>& rows,
                 const std::vector<std::size_t>& min_widths) {
  std::vector<std::size_t> w = min_widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i + 1 < row.size() && i < w.size(); ++i) w[i] = std::max(w[i], row[i].size() + 2);
  for (const auto& row : rows) {
    o << "  ";
    for (std::size_t i = 0; i < row.size(); ++i) o << (i + 1 < row.size() && i < w.size() ? pad(row[i], w[i]) : row[i]);
    o << "\n";
  }
}

ojson config_json(const Checkpoint& c) {
  if (!c.config()) return nullptr;
  const ModelConfig& m = *c.config();
  ojson j = ojson::object();
  auto put = [&](const char* k, const auto& v) {
    if (v) j[k] = *v;
  };
  put("model_type", m.model_type);
  put("torch_dtype", m.torch_dtype);
  put("hidden_size", m.hidden_size);
  put("intermediate_size", m.intermediate_size);
  put("num_hidden_layers", m.num_hidden_layers);
  put("num_attention_heads", m.num_attention_heads);
  put("num_key_value_heads", m.kv_heads());
  put("head_dim", m.resolved_head_dim());
  put("vocab_size", m.vocab_size);
  put("num_experts", m.num_experts);
  put("tie_word_embeddings", m.tie_word_embeddings);
  put("quantize", m.quantize);
  j["has_quantization_config"] = m.has_quantization_config;
  put("quant_method", m.quant_method);
  return j;
}

}  // namespace

namespace {

// The facts of the summary, as text both the plain and the Markdown views
// lay out; each is computed once, here.
std::string model_line(const ModelConfig& cfg) {
  std::string o = opt(cfg.model_type) + ", " + opt(cfg.torch_dtype) + ", " + opt(cfg.num_hidden_layers) + " layers, hidden " +
                  opt(cfg.hidden_size) + ", heads " + opt(cfg.num_attention_heads) + "/" + opt(cfg.kv_heads()) +
                  " kv (head_dim " + opt(cfg.resolved_head_dim()) + "), vocab " + opt(cfg.vocab_size);
  if (cfg.num_experts) o += ", " + std::to_string(*cfg.num_experts) + " experts";
  if (cfg.tie_word_embeddings) o += *cfg.tie_word_embeddings ? ", tied embeddings" : ", untied";
  return o;
}

std::string quantization_line(const Checkpoint& c) {
  std::string o = c.description_name();
  if (const auto& d = c.ms_description()) {
    if (d->model_quant_type) o += ", model_quant_type " + *d->model_quant_type;
    if (d->group_size) o += ", group_size " + std::to_string(*d->group_size);
    if (d->kv_cache_type) o += ", kv_cache_type " + *d->kv_cache_type;
    if (d->fa_quant_type) o += ", fa_quant_type " + *d->fa_quant_type;
  }
  // The group sizes the per-group layers use, read off their scales, for
  // every family (Golden-Stick descriptions and legacy msModelSlim ones
  // carry none): k / G with G the scale's group dimension.
  std::set<std::uint64_t> sizes;
  for (const Module& m : c.modules()) {
    const Scheme* sc = m.scheme();
    const TensorRef* ws = m.tensor(Role::WeightScale);
    if (!sc || !ws || sc->traits.grouping != WeightGrouping::PerGroup || !m.match->vars.k) continue;
    const auto& sh = ws->info->shape;
    if (sh.size() < 2) continue;
    const std::uint64_t G = sc->family == Family::GoldenStick ? sh[sh.size() - 2] : sh.back();
    if (G > 1 && *m.match->vars.k % G == 0) sizes.insert(*m.match->vars.k / G);
  }
  if (!sizes.empty() && !(c.ms_description() && c.ms_description()->group_size && sizes.size() == 1 &&
                          static_cast<std::int64_t>(*sizes.begin()) == *c.ms_description()->group_size)) {
    o += ", group size";
    for (std::uint64_t g : sizes) o += " " + std::to_string(g);
    o += " (from the scale shapes)";
  }
  return o;
}

// compressed-tensors: the recipe from config.json, one line per config
// group with the modules it reaches.
std::string recipe_text(const ct::Recipe& rec, const InspectResult& r, const std::string& bullet) {
  std::string o = bullet + "recipe (config.json): compressed-tensors";
  if (!rec.format.empty()) o += ", format " + rec.format;
  if (!rec.quantization_status.empty()) o += ", status " + rec.quantization_status;
  if (!rec.ignore.empty()) {
    o += "; ignore:";
    for (const std::string& i : rec.ignore) o += " " + escape_for_display(i);
  }
  o += "\n";
  for (std::size_t g = 0; g < rec.groups.size(); ++g) {
    const ct::SchemeGroup& grp = rec.groups[g];
    o += bullet.empty() ? "  " : "  " + bullet;
    o += escape_for_display(grp.name) + " (targets";
    for (const std::string& t : grp.targets) o += " " + escape_for_display(t);
    o += "): weights " + (grp.weights ? ct::describe(*grp.weights) : std::string("none"));
    if (grp.input_activations) o += "; inputs " + ct::describe(*grp.input_activations);
    o += "; " + ct::format_of(rec, grp);
    if (r.ct_coverage) o += "; " + thousands(r.ct_coverage->modules[g]) + " modules";
    o += "\n";
  }
  if (r.ct_coverage)
    o += (bullet.empty() ? "  " : "  " + bullet) + thousands(r.ct_coverage->ignored) + " modules ignored, " +
         thousands(r.ct_coverage->unmatched) + " reached by no group" +
         (r.ct_coverage->overlapping ? ", " + thousands(r.ct_coverage->overlapping) + " reached by several groups" : "") + "\n";
  return o;
}

std::string size_line(const Checkpoint& c, const InspectResult& r) {
  std::string o = thousands(r.tensor_count) + " tensors, " + thousands(r.total_bytes) + " bytes in " +
                  std::to_string(c.shards().size()) + " file(s); " + thousands(r.parameters) + " weights, " +
                  fixed(r.bits_per_weight, 2) + " bits/weight";
  if (r.quantized_bits_per_weight > 0) o += " (quantized linears " + fixed(r.quantized_bits_per_weight, 2) + ")";
  return o;
}

using Rows = std::vector<std::vector<std::string>>;

Rows type_rows(const InspectResult& r) {
  Rows rows;
  for (const auto& [tag, t] : r.by_quant_type)
    rows.push_back({escape_for_display(tag), t.modules ? std::to_string(t.modules) : "-", thousands(t.tensors), thousands(t.bytes),
                    thousands(t.weights)});
  return rows;
}

Rows dtype_rows(const InspectResult& r) {
  Rows rows;
  for (const auto& [dt, t] : r.by_dtype)
    rows.push_back({escape_for_display(dt), thousands(t.tensors), thousands(t.elements), thousands(t.bytes)});
  return rows;
}

Rows file_rows(const Checkpoint& c) {
  Rows rows;
  for (const ShardFile& s : c.shards())
    rows.push_back({escape_for_display(s.name), thousands(s.size),
                    s.file ? thousands(s.file->tensors().size()) : std::string("UNREADABLE")});
  return rows;
}

std::string legend(const InspectResult& r) {
  std::set<std::string> seen;
  for (const auto& [l, cells] : r.layer_map.rows) seen.insert(cells.begin(), cells.end());
  std::string o;
  for (const auto& [tag, code] : layer_map_legend())
    if (seen.count(code)) o += " " + code + "=" + tag;
  if (seen.count(".")) o += " .=absent";
  if (seen.count("mix")) o += " mix=several types";
  return o;
}

}  // namespace

std::string render_summary(const Checkpoint& c, const InspectResult& r, const std::vector<validate::Finding>& problems) {
  std::ostringstream o;
  o << escape_for_display(c.opened().string()) << ": " << layout_name(c.layout()) << " (" << layout_summary(c.layout())
    << ")\n";
  for (const std::string& e : c.evidence()) o << "  evidence: " << escape_for_display(e) << "\n";
  if (const auto& cfg = c.config()) o << "model: " << model_line(*cfg) << "\n";
  if (!c.description_name().empty()) o << "quantization: " << quantization_line(c) << "\n";
  if (c.ct_recipe()) o << recipe_text(*c.ct_recipe(), r, "");
  Rows types = {{"type", "modules", "tensors", "bytes", "weights"}};
  for (auto& row : type_rows(r)) types.push_back(std::move(row));
  write_table(o, types, {24, 9, 9, 14});
  o << "size: " << size_line(c, r);
  o << "\nby dtype:\n";
  Rows dtypes = dtype_rows(r);
  for (auto& row : dtypes) {
    row[1] += " tensors";
    row[2] += " elements";
    row[3] += " bytes";
  }
  write_table(o, dtypes, {12, 14, 22});
  o << "files:\n";
  Rows files = file_rows(c);
  for (auto& row : files) {
    row[1] += " bytes";
    if (row[2] != "UNREADABLE") row[2] += " tensors";
  }
  write_table(o, files, {50, 18});
  if (c.index()) o << "  index: " << c.index_name() << "\n";
  if (!problems.empty()) {
    // Root causes first, consequences folded, one entry per rule and
    // message (validate/findings_text.h); qvalidate unfolds them.
    o << "problems (qvalidate --quick):\n";
    validate::FindingsTextOptions fo;
    fo.max_entries = 12;
    fo.unfold_hint = "qvalidate --verbose lists them";
    for (Severity s : {Severity::Error, Severity::Warning}) validate::render_findings(o, problems, s, fo);
  }
  return o.str();
}

// For issues and model cards: the summary, the layer map and the problems
// as GitHub-flavoured Markdown (cells escaped; numbers right-aligned).
std::string render_markdown(const Checkpoint& c, const InspectResult& r, const std::vector<validate::Finding>& problems) {
  std::ostringstream o;
  auto table = [&](const std::vector<std::string>& head, const Rows& rows, std::size_t text_columns) {
    o << "|";
    for (const auto& h : head) o << " " << markdown_cell(h) << " |";
    o << "\n|";
    for (std::size_t i = 0; i < head.size(); ++i) o << (i < text_columns ? "---|" : "--:|");
    o << "\n";
    for (const auto& row : rows) {
      o << "|";
      for (const auto& cell : row) o << " " << markdown_cell(cell) << " |";
      o << "\n";
    }
    o << "\n";
  };
  o << "### `" << markdown_cell(c.opened().filename().string()) << "`: " << layout_name(c.layout()) << "\n\n"
    << layout_summary(c.layout()) << ".\n\n";
  if (const auto& cfg = c.config()) o << "- **model:** " << markdown_cell(model_line(*cfg)) << "\n";
  if (!c.description_name().empty()) o << "- **quantization:** " << markdown_cell(quantization_line(c)) << "\n";
  if (c.ct_recipe()) o << recipe_text(*c.ct_recipe(), r, "- ");
  o << "- **size:** " << size_line(c, r) << "\n\n";
  table({"type", "modules", "tensors", "bytes", "weights"}, type_rows(r), 1);
  table({"dtype", "tensors", "elements", "bytes"}, dtype_rows(r), 1);
  table({"file", "bytes", "tensors"}, file_rows(c), 1);
  if (!r.layer_map.rows.empty()) {
    o << "#### Layer map\n\n";
    std::vector<std::string> head = {"layer"};
    head.insert(head.end(), r.layer_map.columns.begin(), r.layer_map.columns.end());
    Rows rows;
    for (const auto& [l, cells] : r.layer_map.rows) {
      rows.push_back({l});
      rows.back().insert(rows.back().end(), cells.begin(), cells.end());
    }
    table(head, rows, head.size());
    o << "Legend:" << markdown_cell(legend(r)) << "\n\n";
  }
  o << "#### Problems (`qvalidate --quick`)\n\n";
  if (problems.empty()) o << "None.\n";
  validate::FindingsTextOptions fo;
  fo.markdown = true;
  fo.unfold_hint = "`qvalidate --verbose` lists them";
  for (Severity s : {Severity::Error, Severity::Warning}) validate::render_findings(o, problems, s, fo);
  return o.str();
}

std::string render_layer_map(const InspectResult& r) {
  if (r.layer_map.rows.empty()) return {};
  std::ostringstream o;
  std::size_t w = 5;
  for (const auto& [l, cells] : r.layer_map.rows)
    for (const auto& cell : cells) w = std::max(w, cell.size() + 1);
  // The label column fits the longest label ("vision.26", "mtp.0").
  std::size_t lw = 7;
  for (const auto& [l, cells] : r.layer_map.rows) lw = std::max(lw, l.size() + 2);
  o << "layer map:\n  " << pad("layer", lw);
  for (const std::string& col : r.layer_map.columns) o << pad(col, std::max(w, col.size() + 1));
  o << "\n";
  for (const auto& [l, cells] : r.layer_map.rows) {
    o << "  " << pad(l, lw);
    for (std::size_t i = 0; i < cells.size(); ++i) o << pad(cells[i], std::max(w, r.layer_map.columns[i].size() + 1));
    o << "\n";
  }
  // Legend: only the codes that appear.
  o << "  legend:" << legend(r) << "\n";
  return o.str();
}

// At most 16 rows of bars, 40 characters for the largest count: each value
// of an int4 weight, bins of 16 values for int8. JSON keeps every value.
void render_histogram(std::ostream& o, const TensorStats& s) {
  const int lo = s.histogram.begin()->first, hi = s.histogram.rbegin()->first;
  const int span = hi - lo + 1, width = (span + 15) / 16;
  std::vector<std::uint64_t> bins(static_cast<std::size_t>((span + width - 1) / width), 0);
  for (const auto& [v, n] : s.histogram) bins[static_cast<std::size_t>((v - lo) / width)] += n;
  const std::uint64_t top = *std::max_element(bins.begin(), bins.end());
  o << "    histogram of the " << (s.int4 ? "int4 values (unpacked)" : "integer values") << ":\n";
  std::vector<std::vector<std::string>> rows;
  for (std::size_t b = 0; b < bins.size(); ++b) {
    const int first = lo + static_cast<int>(b) * width, last = std::min(hi, first + width - 1);
    const std::size_t len = bins[b] == 0 ? 0 : std::max<std::uint64_t>(1, bins[b] * 40 / top);
    rows.push_back({first == last ? std::to_string(first) : std::to_string(first) + ".." + std::to_string(last),
                    std::string(len, '#'), thousands(bins[b])});
  }
  std::size_t w0 = 0;
  for (const auto& r : rows) w0 = std::max(w0, r[0].size());
  for (const auto& r : rows) o << "      " << std::string(w0 - r[0].size(), ' ') << r[0] << "  " << pad(r[1], 41) << r[2] << "\n";
}

std::string render_tensors(const Checkpoint& c, const InspectResult& r) {
  std::ostringstream o;
  render_tensors(o, c, r);
  return o.str();
}

void render_tensors(std::ostream& o, const Checkpoint& c, const InspectResult& r) {
  for (const TensorRow& t : r.tensors) {
    const TensorInfo& i = *t.ref->info;
    o << escape_for_display(i.name) << "  " << escape_for_display(i.dtype_name) << " " << shape_text(i.shape) << "  "
      << (t.quant_type.empty() ? "-" : escape_for_display(t.quant_type)) << "  "
      << escape_for_display(c.shard_of(*t.ref).name) << "  " << thousands(i.nbytes()) << " bytes";
    if (t.crc32) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%08x", *t.crc32);
      o << "  crc32 " << buf;
    }
    o << "\n";
    if (t.stats) {
      const TensorStats& s = *t.stats;
      o << "    min " << s.min << "  max " << s.max << "  mean " << s.mean << "  std " << s.stddev << "  zeros "
        << s.zeros << "  nan " << s.nan << "  inf " << s.inf << "\n";
      if (s.dequantized) o << "    dequantized range [" << s.dequantized->first << ", " << s.dequantized->second << "]\n";
      if (!s.histogram.empty()) render_histogram(o, s);
    }
  }
}

namespace {


// True when none of the 8 bytes in `w` is below 0x20, '"' or '\\' (the
// bytes a JSON string escapes): the exact zero-byte test ((x - 0x01..) &
// ~x & 0x80..) on w & 0xE0.. (a byte below 0x20 has its top three bits
// clear) and on w ^ the quote and backslash repeated.
bool plain8(std::uint64_t w) {
  constexpr std::uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
  auto has_zero = [&](std::uint64_t x) { return ((x - k01) & ~x & k80) != 0; };
  return !has_zero(w & (0xE0 * k01)) && !has_zero(w ^ ('"' * k01)) && !has_zero(w ^ ('\\' * k01));
}

// nlohmann's dump() of a string (ensure_ascii off): the same escapes, and
// false for text that is not UTF-8 (which dump() would repair instead).
// Names rarely need an escape, so runs of plain bytes are copied whole,
// found 8 bytes at a time.
bool append_json_string(std::string& out, std::string_view s) {
  if (!is_valid_utf8(s)) return false;
  out += '"';
  std::size_t plain = 0;  // start of the run not yet copied
  for (std::size_t i = 0; i < s.size();) {
    if (i + 8 <= s.size()) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (plain8(w)) {
        i += 8;
        continue;
      }
    }
    const auto ch = static_cast<unsigned char>(s[i]);
    if (ch >= 0x20 && ch != '"' && ch != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + plain, i - plain);
    plain = ++i;
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", ch);
        out += buf;
      }
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
  return true;
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// A tensor row without statistics, written straight into `out` exactly as
// write_nested(dump2(tensor_json(...)), 2) writes it: --json prints 200,000
// of them, and building a document per row, dumping it and re-indenting
// the dump was half of `qinspect --json`. False (and what was appended to
// `out` unspecified) when a string is not UTF-8; the caller then takes the
// document path. `files[i]` is shard i's name as a JSON string, or empty
// when it is not UTF-8.
bool append_plain_row(std::string& out, const std::vector<std::string>& files, const TensorRow& t) {
  using namespace std::string_view_literals;
  const TensorInfo& i = *t.ref->info;
  auto key = [&](std::string_view k) {
    out += ",\n      \""sv;
    out += k;
    out += "\": "sv;
  };
  auto number_array = [&](std::span<const std::uint64_t> v) {
    if (v.empty()) {
      out += "[]"sv;
      return;
    }
    out += '[';
    for (std::size_t k = 0; k < v.size(); ++k) {
      out += k ? ",\n        "sv : "\n        "sv;
      append_number(out, v[k]);
    }
    out += "\n      ]"sv;
  };
  out += "{\n      \"name\": "sv;
  if (!append_json_string(out, i.name)) return false;
  key("dtype"sv);
  if (!append_json_string(out, i.dtype_name)) return false;
  key("shape"sv);
  number_array(i.shape);
  key("file"sv);
  const std::string& file = files[t.ref->shard];
  if (file.empty()) return false;
  out += file;
  key("data_offsets"sv);
  const std::uint64_t offsets[2] = {i.begin, i.end};
  number_array(offsets);
  key("nbytes"sv);
  append_number(out, i.nbytes());
  key("quant_type"sv);
  if (t.quant_type.empty()) out += "null"sv;
  else if (!append_json_string(out, t.quant_type)) return false;
  if (t.crc32) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", *t.crc32);
    key("crc32");
    out += '"';
    out += buf;
    out += '"';
  }
  out += "\n    }";
  return true;
}

ojson tensor_json(const Checkpoint& c, const TensorRow& t) {
  const TensorInfo& i = *t.ref->info;
  ojson e;
  e["name"] = i.name;
  e["dtype"] = i.dtype_name;
  e["shape"] = i.shape;
  e["file"] = c.shard_of(*t.ref).name;
  e["data_offsets"] = {i.begin, i.end};
  e["nbytes"] = i.nbytes();
  e["quant_type"] = t.quant_type.empty() ? ojson(nullptr) : ojson(std::string(t.quant_type));
  if (t.crc32) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", *t.crc32);
    e["crc32"] = buf;
  }
  if (t.stats) {
    const TensorStats& s = *t.stats;
    ojson st = {{"count", s.count}, {"min", s.min},   {"max", s.max}, {"mean", s.mean},
                {"std", s.stddev},  {"zeros", s.zeros}, {"nan", s.nan}, {"inf", s.inf}};
    if (!s.histogram.empty()) {
      ojson h = ojson::object();
      for (const auto& [v, n] : s.histogram) h[std::to_string(v)] = n;
      st["histogram"] = std::move(h);
      if (s.int4) st["int4_unpacked"] = true;
    }
    if (s.dequantized) st["dequantized_range"] = {s.dequantized->first, s.dequantized->second};
    e["stats"] = std::move(st);
  }
  return e;
}

}  // namespace

// Streamed: the tensor list (the bulk: ~350 bytes per tensor) is written one
// entry at a time, so a 180,000-tensor checkpoint's JSON is never held whole
// in memory. The bytes are those of dumping the whole document with indent 2.
void render_json(std::ostream& os, const Checkpoint& c, const InspectResult& r,
                 const std::vector<validate::Finding>& problems) {
  render_json(os, c, r, [&problems]() -> const std::vector<validate::Finding>& { return problems; });
}

void render_json(std::ostream& os, const Checkpoint& c, const InspectResult& r,
                 const std::function<const std::vector<validate::Finding>&()>& late_problems) {
  bool first = true;
  auto member = [&](std::string_view key, const ojson& value) {
    os << (first ? "{\n  " : ",\n  ") << ojson(std::string(key)).dump() << ": ";
    write_nested(os, dump2(value), 1);
    first = false;
  };
  member("path", c.opened().string());
  member("layout", std::string(layout_name(c.layout())));
  member("evidence", c.evidence());
  member("config", config_json(c));
  member("description", c.description_name().empty() ? ojson(nullptr) : ojson(c.description_name()));
  member("model_quant_type", c.ms_description() && c.ms_description()->model_quant_type
                                 ? ojson(*c.ms_description()->model_quant_type)
                                 : ojson(nullptr));
  if (const auto& rec = c.ct_recipe()) {
    ojson groups = ojson::array();
    for (std::size_t g = 0; g < rec->groups.size(); ++g) {
      const ct::SchemeGroup& grp = rec->groups[g];
      ojson e = {{"name", grp.name}, {"targets", grp.targets}, {"format", ct::format_of(*rec, grp)}};
      e["weights"] = grp.weights ? ojson(ct::describe(*grp.weights)) : ojson(nullptr);
      e["input_activations"] = grp.input_activations ? ojson(ct::describe(*grp.input_activations)) : ojson(nullptr);
      if (r.ct_coverage) e["modules"] = r.ct_coverage->modules[g];
      groups.push_back(std::move(e));
    }
    ojson ct = {{"format", rec->format}, {"quantization_status", rec->quantization_status}, {"ignore", rec->ignore},
                {"groups", std::move(groups)}};
    if (r.ct_coverage) {
      ct["ignored_modules"] = r.ct_coverage->ignored;
      ct["unmatched_modules"] = r.ct_coverage->unmatched;
    }
    member("compressed_tensors", ct);
  }
  ojson files = ojson::array();
  for (const ShardFile& s : c.shards()) {
    ojson f = {{"name", s.name}, {"size", s.size}};
    f["tensors"] = s.file ? ojson(s.file->tensors().size()) : ojson(nullptr);
    if (s.error) f["error"] = s.error->to_string();
    files.push_back(std::move(f));
  }
  member("files", files);
  os << ",\n  \"tensors\": ";
  if (r.tensors.empty()) {
    os << "[]";
  } else {
    // Rows are gathered into blocks of about 256 KiB and written a block at
    // a time: one stream call per 700 rows, not several per row.
    constexpr std::size_t kBlock = 256 * 1024;
    std::vector<std::string> files(c.shards().size());  // each shard's name, escaped once
    for (std::size_t k = 0; k < files.size(); ++k)
      if (!append_json_string(files[k], c.shards()[k].name)) files[k].clear();
    std::string block;
    block.reserve(kBlock + 4096);
    block += "[";
    for (std::size_t i = 0; i < r.tensors.size(); ++i) {
      block += i ? ",\n    " : "\n    ";
      const std::size_t row_start = block.size();
      if (r.tensors[i].stats || !append_plain_row(block, files, r.tensors[i])) {
        block.resize(row_start);
        os.write(block.data(), static_cast<std::streamsize>(block.size()));
        block.clear();
        write_nested(os, dump2(tensor_json(c, r.tensors[i])), 2);
      }
      if (block.size() >= kBlock) {
        os.write(block.data(), static_cast<std::streamsize>(block.size()));
        block.clear();
      }
    }
    block += "\n  ]";
    os.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  ojson by_dtype = ojson::object();
  for (const auto& [dt, t] : r.by_dtype) by_dtype[dt] = {{"tensors", t.tensors}, {"elements", t.elements}, {"bytes", t.bytes}};
  ojson by_type = ojson::object();
  for (const auto& [tag, t] : r.by_quant_type)
    by_type[tag] = {{"modules", t.modules}, {"tensors", t.tensors}, {"bytes", t.bytes}, {"weights", t.weights}};
  member("summary", {{"tensor_count", r.tensor_count},
                     {"total_bytes", r.total_bytes},
                     {"parameters", r.parameters},
                     {"bits_per_weight", r.bits_per_weight},
                     {"by_dtype", by_dtype},
                     {"by_quant_type", by_type}});
  ojson lm = {{"columns", r.layer_map.columns}, {"rows", ojson::array()}};
  for (const auto& [l, cells] : r.layer_map.rows) lm["rows"].push_back({{"layer", l}, {"cells", cells}});
  member("layer_map", lm);
  ojson probs = ojson::array();
  for (const validate::Finding& f : late_problems()) {
    // ids and causes as qvalidate --quick --json gives them (a cause that is
    // an info finding, left out here, is still named by its id).
    ojson e = {{"id", f.id}};
    if (f.cause) e["cause"] = f.cause;
    e["rule"] = f.rule;
    e["severity"] = std::string(severity_name(f.severity));
    e["message"] = f.message;
    e["tensor"] = f.tensor;
    if (!f.file.empty()) e["file"] = f.file;
    probs.push_back(std::move(e));
  }
  member("problems", probs);
  os << "\n}\n";
}

std::string render_json(const Checkpoint& c, const InspectResult& r, const std::vector<validate::Finding>& problems) {
  std::ostringstream os;
  render_json(os, c, r, problems);
  return os.str();
}

std::string render_diff(const DiffResult& d, bool json) {
  if (json) {
    ojson j;
    j["same"] = d.same();
    j["identical"] = d.identical;
    j["unreadable_a"] = d.unreadable_a;
    j["unreadable_b"] = d.unreadable_b;
    j["only_a"] = d.only_a;
    j["only_b"] = d.only_b;
    j["changed"] = ojson::array();
    for (const TensorChange& t : d.changed) {
      ojson e = {{"name", t.name}, {"what", t.what}};
      if (t.max_abs_diff) e["max_abs_diff"] = *t.max_abs_diff;
      j["changed"].push_back(std::move(e));
    }
    j["modules"] = ojson::array();
    for (const ModuleDiff& m : d.modules) {
      ojson e = {{"prefix", m.prefix}, {"type_a", m.type_a}, {"type_b", m.type_b}};
      if (m.max_abs_diff) e["max_abs_diff"] = *m.max_abs_diff;
      if (m.max_abs) e["max_abs"] = *m.max_abs;
      if (m.max_output_diff) e["max_output_diff"] = *m.max_output_diff;
      if (m.max_output_rel) e["max_output_rel"] = *m.max_output_rel;
      if (!m.note.empty()) e["note"] = m.note;
      j["modules"].push_back(std::move(e));
    }
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  std::ostringstream o;
  o << d.identical << " tensors byte-identical, " << d.changed.size() << " changed, " << d.only_a.size()
    << " only in A, " << d.only_b.size() << " only in B\n";
  for (const std::string& n : d.unreadable_a)
    o << "  ! A: unreadable shard " << escape_for_display(n) << " (its tensors are unknown: \"only in B\" may be there)\n";
  for (const std::string& n : d.unreadable_b)
    o << "  ! B: unreadable shard " << escape_for_display(n) << " (its tensors are unknown: \"only in A\" may be there)\n";
  for (const std::string& n : d.only_a) o << "  - " << escape_for_display(n) << "  (only in A)\n";
  for (const std::string& n : d.only_b) o << "  + " << escape_for_display(n) << "  (only in B)\n";
  for (const TensorChange& t : d.changed) {
    o << "  ~ " << escape_for_display(t.name) << "  " << t.what;
    if (t.max_abs_diff) o << "  (max |diff| " << *t.max_abs_diff << ")";
    o << "\n";
  }
  if (!d.modules.empty()) {
    double worst = 0, worst_y = 0;
    std::string worst_at, worst_y_at;
    std::size_t evaluated = 0, same_output = 0;
    for (const ModuleDiff& m : d.modules) {
      if (m.max_abs_diff && *m.max_abs_diff > worst) {
        worst = *m.max_abs_diff;
        worst_at = m.prefix;
      }
      if (m.max_output_diff) {
        ++evaluated;
        same_output += *m.max_output_diff == 0;
        if (*m.max_output_diff > worst_y) {
          worst_y = *m.max_output_diff;
          worst_y_at = m.prefix;
        }
      }
    }
    o << "quantized linears in both: " << d.modules.size() << "; evaluated on the same random inputs: " << evaluated
      << " (" << same_output << " compute identical outputs), largest output difference " << worst_y
      << (worst_y_at.empty() ? "" : " (" + worst_y_at + ")") << "; largest dequantized weight difference " << worst
      << (worst_at.empty() ? "" : " (" + worst_at + ")") << "\n";
    for (const ModuleDiff& m : d.modules) {
      const bool same_y = m.max_output_diff && *m.max_output_diff == 0;
      if ((same_y || (!m.max_output_diff && m.max_abs_diff && *m.max_abs_diff == 0)) && m.type_a == m.type_b) continue;
      o << "  " << escape_for_display(m.prefix) << "  " << m.type_a << " -> " << m.type_b;
      if (m.max_output_diff) o << "  max |dy| " << *m.max_output_diff << " (|dy|/max|y| " << m.max_output_rel.value_or(0) << ")";
      if (m.max_abs_diff) o << "  max |dW| " << *m.max_abs_diff << " (max |W| " << m.max_abs.value_or(0) << ")";
      if (!m.note.empty()) o << "  " << m.note;
      o << "\n";
    }
  }
  return o.str();
}

}  // namespace qkit::inspect
