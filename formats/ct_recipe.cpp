//===- formats/ct_recipe.cpp ----------------------------------------------===//
#include "formats/ct_recipe.h"

#include <algorithm>
#include <map>
#include <set>

namespace qkit::ct {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view kStrategies[] = {"tensor", "channel", "group", "block", "token", "tensor_group", "attn_head"};

// compressed-tensors config/base.py L25-37, plus msModelSlim's mxfp8
// (format/compressed_tensors_format/config/base.py L36-49).
const std::set<std::string, std::less<>>& known_formats() {
  static const std::set<std::string, std::less<>> f = {
      "dense",       "sparse-bitmask", "sparse-24-bitmask", "int-quantized",        "float-quantized",      "naive-quantized",
      "pack-quantized", "marlin-24",   "mixed-precision",   "nvfp4-pack-quantized", "mxfp4-pack-quantized", "mxfp8-quantized"};
  return f;
}

// QuantizationArgs keys; scale_dtype/zp_dtype came after 52792be (PR #508)
// and msModelSlim writes them, so they are known, not errors.
const std::set<std::string, std::less<>>& known_arg_keys() {
  static const std::set<std::string, std::less<>> k = {"num_bits", "type",     "symmetric", "group_size",      "strategy",
                                                       "block_structure", "dynamic", "actorder", "observer",
                                                       "observer_kwargs", "scale_dtype", "zp_dtype"};
  return k;
}

QuantArgs args(int bits, ArgType type, bool sym, Strategy s, std::optional<std::int64_t> gs = std::nullopt, bool dynamic = false) {
  QuantArgs a;
  a.num_bits = bits;
  a.type = type;
  a.symmetric = sym;
  a.strategy = s;
  a.group_size = gs;
  a.dynamic = dynamic;
  return a;
}

// Presets (quant_scheme.py L153-339): {weights, input_activations}.
struct Preset {
  std::string_view name;
  std::optional<QuantArgs> weights, inputs;
};
const std::vector<Preset>& presets() {
  using enum Strategy;
  static const std::vector<Preset> p = [] {
    const auto i8_token = args(8, ArgType::Int, true, Token, std::nullopt, true);
    const auto w4g128 = args(4, ArgType::Int, true, Group, 128);
    auto fp8_block = args(8, ArgType::Float, true, Block);
    fp8_block.block_structure = std::array<std::uint64_t, 2>{128, 128};
    auto fp4 = args(4, ArgType::Float, true, TensorGroup, 16);
    auto fp4_in = fp4;
    fp4_in.dynamic = fp4_in.dynamic_local = true;
    auto w4_asym = w4g128;
    w4_asym.symmetric = false;
    return std::vector<Preset>{
        {"W8A8", args(8, ArgType::Int, true, Channel), i8_token},
        {"INT8", args(8, ArgType::Int, true, Channel), i8_token},
        {"W8A16", args(8, ArgType::Int, true, Channel), std::nullopt},
        {"W4A16", w4g128, std::nullopt},
        {"W4A16_ASYM", w4_asym, std::nullopt},
        {"W4A8", w4g128, i8_token},
        {"FP8", args(8, ArgType::Float, true, Tensor), args(8, ArgType::Float, true, Tensor)},
        {"FP8_DYNAMIC", args(8, ArgType::Float, true, Channel), args(8, ArgType::Float, true, Token, std::nullopt, true)},
        {"FP8_BLOCK", fp8_block, args(8, ArgType::Float, true, Group, 128, true)},
        {"NVFP4A16", fp4, std::nullopt},
        {"NVFP4", fp4, fp4_in},
        {"UNQUANTIZED", std::nullopt, std::nullopt},
    };
  }();
  return p;
}

struct Parser {
  const std::string& file;
  Recipe& out;

  Error err(const std::string& where, const std::string& what) const {
    return Error(Errc::json_schema, "quantization_config" + where + ": " + what).in_file(file);
  }

  Result<QuantArgs> parse_args(const ojson& j, const std::string& where) {
    if (!j.is_object()) return err(where, "QuantizationArgs must be an object");
    QuantArgs a;
    for (const auto& [k, v] : j.items())
      if (!known_arg_keys().count(k))
        out.warnings.push_back(err(where + "." + k, "not a QuantizationArgs field compressed-tensors knows (its loaders refuse unknown fields)"));
    auto get_int = [&](const char* k) -> Result<std::optional<std::int64_t>> {
      if (!j.contains(k) || j[k].is_null()) return std::optional<std::int64_t>();
      if (!j[k].is_number_integer()) return err(where + "." + k, "must be an integer");
      return std::optional<std::int64_t>(j[k].get<std::int64_t>());
    };
    auto bits = get_int("num_bits");
    if (!bits) return std::move(bits).error();
    if (*bits) {
      if (**bits < 1 || **bits > 32) return err(where + ".num_bits", std::to_string(**bits) + " is not a bit width");
      a.num_bits = static_cast<int>(**bits);
    }
    if (j.contains("type") && !j["type"].is_null()) {
      if (!j["type"].is_string()) return err(where + ".type", "must be \"int\" or \"float\"");
      std::string t = j["type"].get<std::string>();
      std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (t == "int") a.type = ArgType::Int;
      else if (t == "float") a.type = ArgType::Float;
      else return err(where + ".type", "'" + escape_for_display(t) + "' is not \"int\" or \"float\"");
    }
    if (j.contains("symmetric") && !j["symmetric"].is_null()) {
      if (!j["symmetric"].is_boolean()) return err(where + ".symmetric", "must be true or false");
      a.symmetric = j["symmetric"].get<bool>();
    }
    auto gs = get_int("group_size");
    if (!gs) return std::move(gs).error();
    a.group_size = *gs;
    if (a.group_size && *a.group_size < -1) return err(where + ".group_size", "must be -1, null or positive");
    if (j.contains("dynamic") && !j["dynamic"].is_null()) {
      if (j["dynamic"].is_boolean()) a.dynamic = j["dynamic"].get<bool>();
      else if (j["dynamic"].is_string() && j["dynamic"].get<std::string>() == "local") a.dynamic = a.dynamic_local = true;
      else return err(where + ".dynamic", "must be true, false or \"local\"");
    }
    if (j.contains("block_structure") && !j["block_structure"].is_null()) {
      const ojson& b = j["block_structure"];
      std::array<std::uint64_t, 2> bs{};
      if (b.is_array() && b.size() == 2 && b[0].is_number_unsigned() && b[1].is_number_unsigned()) {
        bs = {b[0].get<std::uint64_t>(), b[1].get<std::uint64_t>()};
      } else if (b.is_string()) {  // "128x128"
        const std::string s = b.get<std::string>();
        const auto x = s.find('x');
        try {
          if (x == std::string::npos) throw std::invalid_argument(s);
          bs = {std::stoull(s.substr(0, x)), std::stoull(s.substr(x + 1))};
        } catch (const std::exception&) {
          return err(where + ".block_structure", "'" + escape_for_display(s) + "' is not [rows, cols] or \"RxC\"");
        }
      } else {
        return err(where + ".block_structure", "must be [rows, cols] or \"RxC\"");
      }
      if (bs[0] == 0 || bs[1] == 0) return err(where + ".block_structure", "block sides must be positive");
      a.block_structure = bs;
    }
    if (j.contains("actorder") && !j["actorder"].is_null()) {
      const ojson& o = j["actorder"];
      std::string v = o.is_boolean() ? (o.get<bool>() ? "group" : "") : o.is_string() ? o.get<std::string>() : "?";
      if (v == "dynamic") v = "group";
      if (v == "static") v = "weight";
      if (v != "group" && v != "weight" && !v.empty()) return err(where + ".actorder", "must be \"group\" or \"weight\"");
      if (!v.empty()) a.actorder = v;
    }
    // Strategy: given, or inferred from group_size (quant_args.py L259-283).
    if (j.contains("strategy") && !j["strategy"].is_null()) {
      if (!j["strategy"].is_string()) return err(where + ".strategy", "must be a string");
      const std::string s = j["strategy"].get<std::string>();
      auto it = std::find(std::begin(kStrategies), std::end(kStrategies), s);
      if (it == std::end(kStrategies)) return err(where + ".strategy", "'" + escape_for_display(s) + "' is not a strategy");
      a.strategy = static_cast<Strategy>(it - std::begin(kStrategies));
    } else if (!a.group_size) {
      a.strategy = Strategy::Tensor;
    } else if (*a.group_size > 0) {
      a.strategy = Strategy::Group;
    } else {
      a.strategy = Strategy::Channel;  // group_size -1
    }
    // Validation (quant_args.py L285-359).
    const bool grouped = a.strategy == Strategy::Group || a.strategy == Strategy::TensorGroup;
    if (a.strategy == Strategy::Token && !a.dynamic) return err(where, "strategy token needs dynamic: true");
    if (grouped && !(a.group_size && *a.group_size > 0))
      return err(where, "strategy " + std::string(strategy_name(a.strategy)) + " needs a positive group_size");
    if (!grouped && a.group_size && *a.group_size > 0)
      return err(where, "group_size " + std::to_string(*a.group_size) + " needs strategy group or tensor_group, not " +
                            std::string(strategy_name(a.strategy)));
    if ((a.strategy == Strategy::Block) != a.block_structure.has_value())
      return err(where, "strategy block and block_structure go together");
    if (a.actorder && a.strategy != Strategy::Group) return err(where, "actorder needs strategy group");
    if (a.dynamic && a.strategy != Strategy::Token && a.strategy != Strategy::Tensor && a.strategy != Strategy::TensorGroup &&
        a.strategy != Strategy::Group)
      return err(where, "dynamic quantization with strategy " + std::string(strategy_name(a.strategy)));
    if (a.dynamic_local && a.strategy != Strategy::TensorGroup) return err(where, "dynamic \"local\" is for strategy tensor_group only");
    return a;
  }

  // A quantified group that itself holds a quantifier or an alternation
  // ("(a+)+", "(\\w*\\.)*", "(a|aa)*")
  // can backtrack exponentially in std::regex: a recipe is untrusted input,
  // so such patterns are refused (real recipes use ".*", "\\d+" and
  // alternations, none nested).
  static bool nested_quantifier(std::string_view re) {
    std::vector<bool> inner;  // per open group: holds a quantifier
    bool escaped = false, in_class = false;
    for (std::size_t i = 0; i < re.size(); ++i) {
      const char ch = re[i];
      if (escaped) { escaped = false; continue; }
      if (ch == '\\') { escaped = true; continue; }
      if (in_class) { in_class = ch != ']'; continue; }
      if (ch == '[') { in_class = true; continue; }
      if (ch == '(') { inner.push_back(false); continue; }
      if (ch == '|' && !inner.empty()) { inner.back() = true; continue; }  // (a|aa)* backtracks like (a+)+
      const bool quant = ch == '*' || ch == '+' || ch == '{' || (ch == '?' && i > 0 && re[i - 1] != '(');
      if (ch == ')') {
        const bool had = !inner.empty() && inner.back();
        if (!inner.empty()) inner.pop_back();
        const char next = i + 1 < re.size() ? re[i + 1] : '\0';
        const bool quantified = next == '*' || next == '+' || next == '{';
        if (had && quantified) return true;
        if (had && !inner.empty()) inner.back() = true;
        continue;
      }
      if (quant && !inner.empty()) inner.back() = true;
    }
    return false;
  }

  Status compile(const std::string& text, const std::string& where) {
    if (!text.starts_with("re:") || out.pattern(text)) return ok_status();
    if (text.size() > kMaxPattern + 3)
      return err(where, "a pattern of " + std::to_string(text.size()) + " characters; qkit reads patterns up to " +
                            std::to_string(kMaxPattern));
    if (nested_quantifier(std::string_view(text).substr(3)))
      return err(where, "'" + escape_for_display(text) + "' repeats a group that itself repeats (catastrophic backtracking); "
                            "qkit refuses such patterns");
    try {
      // Python's re.match: anchored at the start only (regex_search with
      // match_continuous in resolve()). ECMAScript covers the syntax the
      // producers write ((?:...), (?!...), \w, alternations).
      out.patterns.emplace(text, std::make_shared<const std::regex>(text.substr(3), std::regex::ECMAScript));
    } catch (const std::regex_error& e) {
      return err(where, "'" + escape_for_display(text) + "' is not a regular expression qkit can read (" + e.what() + ")");
    }
    return ok_status();
  }

  Status parse(const ojson& q) {
    if (!q.is_object()) return err("", "must be an object");
    if (q.contains("format") && !q["format"].is_null()) {
      if (!q["format"].is_string()) return err(".format", "must be a string");
      out.format = q["format"].get<std::string>();
      if (!known_formats().count(out.format)) return err(".format", "'" + escape_for_display(out.format) + "' is not a compressed-tensors format");
    }
    if (q.contains("quantization_status") && q["quantization_status"].is_string())
      out.quantization_status = q["quantization_status"].get<std::string>();
    if (!q.contains("config_groups") || !q["config_groups"].is_object()) return err(".config_groups", "missing, or not an object");
    for (const auto& [name, g] : q["config_groups"].items()) {
      const std::string where = ".config_groups." + name;
      SchemeGroup sg;
      sg.name = name;
      if (g.is_array()) {  // {"W8A8": ["Linear"]}: a preset and its targets
        const std::string preset_name = name;  // (a structured binding cannot be captured before C++20's P1091 in clang 14)
        auto p = std::find_if(presets().begin(), presets().end(), [&](const Preset& pr) { return pr.name == preset_name; });
        if (p == presets().end()) return err(where, "a list of targets under '" + escape_for_display(name) + "', which is not a preset");
        sg.preset = name;
        sg.weights = p->weights;
        sg.input_activations = p->inputs;
        for (const auto& t : g) {
          if (!t.is_string()) return err(where, "targets must be strings");
          sg.targets.push_back(t.get<std::string>());
        }
      } else if (g.is_object()) {
        if (!g.contains("targets") || !g["targets"].is_array()) return err(where + ".targets", "missing, or not a list");
        for (const auto& t : g["targets"]) {
          if (!t.is_string()) return err(where + ".targets", "targets must be strings");
          sg.targets.push_back(t.get<std::string>());
        }
        for (const char* k : {"weights", "input_activations", "output_activations"}) {
          if (!g.contains(k) || g[k].is_null()) continue;
          auto a = parse_args(g[k], where + "." + k);
          if (!a) return std::move(a).error();
          (std::string_view(k) == "weights" ? sg.weights : std::string_view(k) == "input_activations" ? sg.input_activations
                                                                                                     : sg.output_activations) = *a;
        }
        if (sg.input_activations) {
          const Strategy s = sg.input_activations->strategy;
          if (s != Strategy::Token && s != Strategy::Tensor && s != Strategy::Group && s != Strategy::TensorGroup && s != Strategy::AttnHead)
            return err(where + ".input_activations", "strategy " + std::string(strategy_name(s)) + " is not one activations can use");
          if (sg.input_activations->actorder) return err(where + ".input_activations", "actorder is for weights only");
        }
        if (g.contains("format") && g["format"].is_string()) {
          sg.format = g["format"].get<std::string>();
          if (!known_formats().count(*sg.format) || *sg.format == "mixed-precision")
            return err(where + ".format", "'" + escape_for_display(*sg.format) + "' is not a format one group can have");
        }
      } else {
        return err(where, "must be a scheme object or a preset's list of targets");
      }
      for (const std::string& t : sg.targets)
        if (auto st = compile(t, where + ".targets"); !st) return st;
      out.groups.push_back(std::move(sg));
    }
    if (q.contains("ignore") && !q["ignore"].is_null()) {
      if (!q["ignore"].is_array()) return err(".ignore", "must be a list");
      for (const auto& t : q["ignore"]) {
        if (!t.is_string()) return err(".ignore", "entries must be strings");
        out.ignore.push_back(t.get<std::string>());
        if (auto st = compile(out.ignore.back(), ".ignore"); !st) return st;
      }
    }
    if (q.contains("kv_cache_scheme") && !q["kv_cache_scheme"].is_null()) {
      auto a = parse_args(q["kv_cache_scheme"], ".kv_cache_scheme");
      if (!a) return std::move(a).error();
      out.kv_cache = *a;
    }
    std::map<std::string, std::size_t> patterns;
    for (std::size_t g = 0; g < out.groups.size(); ++g)
      for (const std::string& t : out.groups[g].targets) {
        if (t.starts_with("re:")) patterns[t] = g;
        else out.exact_targets[t] = g;
      }
    out.pattern_targets.assign(patterns.begin(), patterns.end());
    for (const std::string& t : out.ignore) {
      if (t.starts_with("re:")) out.pattern_ignore.push_back(t);
      else out.exact_ignore.insert(t);
    }
    return ok_status();
  }
};

// A "re:" target or ignore entry against a module name, as Python's
// re.match: anchored at the start only.
bool pattern_matches(const Recipe& r, const std::string& pattern, std::string_view name) {
  const std::regex* re = r.pattern(pattern);
  if (!re || name.size() > kMaxMatchedName) return false;  // no real module name is this long
  std::match_results<std::string_view::const_iterator> m;
  try {
    return std::regex_search(name.begin(), name.end(), m, *re, std::regex_constants::match_continuous);
  } catch (const std::regex_error&) {  // error_complexity / error_stack: no match rather than a crash
    return false;
  }
}

}  // namespace

std::string_view strategy_name(Strategy s) { return kStrategies[static_cast<std::size_t>(s)]; }

const std::regex* Recipe::pattern(const std::string& text) const {
  auto it = patterns.find(text);
  return it == patterns.end() ? nullptr : it->second.get();
}

Result<Recipe> parse_recipe(const nlohmann::ordered_json& q, const std::string& file) {
  Recipe r;
  Parser p{file, r};
  if (auto st = p.parse(q); !st) return std::move(st).error();
  return r;
}

std::string infer_format(const SchemeGroup& g) {
  if (!g.weights) return "dense";
  const QuantArgs& w = *g.weights;
  if (w.type == ArgType::Float && w.num_bits == 4) return "nvfp4-pack-quantized";
  if (!g.input_activations) {
    if (w.type == ArgType::Int && (w.num_bits == 4 || w.num_bits == 8)) return "pack-quantized";
    return "naive-quantized";
  }
  if (w.type == ArgType::Float && w.num_bits == 8) return "float-quantized";
  if (w.type == ArgType::Int) return "int-quantized";
  return "naive-quantized";
}

std::string format_of(const Recipe& r, const SchemeGroup& g) {
  if (g.format) return *g.format;
  if (!r.format.empty() && r.format != "mixed-precision") return r.format;
  return infer_format(g);
}

Resolution resolve(const Recipe& r, std::string_view name, std::string_view class_name) {
  Resolution res;
  const std::string sname(name), sclass(class_name);
  if (r.exact_ignore.count(sname) || r.exact_ignore.count(sclass)) {
    res.ignored = true;
    return res;
  }
  for (const std::string& t : r.pattern_ignore)
    if (pattern_matches(r, t, name)) {
      res.ignored = true;
      return res;
    }
  // Name matches (the exact name, then patterns alphabetically), then the class.
  std::vector<std::pair<std::string, std::size_t>> hits;
  if (auto it = r.exact_targets.find(sname); it != r.exact_targets.end()) hits.emplace_back(it->first, it->second);
  for (const auto& [t, g] : r.pattern_targets)
    if (pattern_matches(r, t, name)) hits.emplace_back(t, g);
  if (auto it = r.exact_targets.find(sclass); it != r.exact_targets.end() && sclass != sname) hits.emplace_back(it->first, it->second);
  if (hits.empty()) return res;
  res.group = &r.groups[hits.front().second];
  res.target = hits.front().first;
  for (std::size_t i = 1; i < hits.size(); ++i) {
    const SchemeGroup* g = &r.groups[hits[i].second];
    if (g != res.group && std::find(res.others.begin(), res.others.end(), g) == res.others.end()) res.others.push_back(g);
  }
  return res;
}

std::size_t Coverage::total() const {
  std::size_t n = ignored + unmatched;
  for (std::size_t m : modules) n += m;
  return n;
}

Coverage coverage(const Recipe& r, const std::vector<std::pair<std::string_view, std::size_t>>& tensors) {
  Coverage cov;
  cov.modules.assign(r.groups.size(), 0);
  std::set<std::string_view> seen;
  for (const auto& [name, rank] : tensors) {
    std::string_view prefix;
    if (name.ends_with(".weight_packed")) prefix = name.substr(0, name.size() - 14);
    else if (name.ends_with(".weight") && rank == 2) prefix = name.substr(0, name.size() - 7);
    else continue;
    if (!seen.insert(prefix).second) continue;
    const Resolution res = resolve(r, prefix, module_class(prefix));
    if (res.ignored) ++cov.ignored;
    else if (!res.group) ++cov.unmatched;
    else ++cov.modules[static_cast<std::size_t>(res.group - r.groups.data())];
    cov.overlapping += !res.others.empty();
  }
  return cov;
}

std::uint64_t values_per_word(const QuantArgs& w) { return w.num_bits > 0 && w.num_bits <= 32 ? 32 / static_cast<std::uint64_t>(w.num_bits) : 1; }

std::vector<ExpectedTensor> expected_tensors(const Recipe& r, const SchemeGroup& g, std::uint64_t n, std::uint64_t k) {
  std::vector<ExpectedTensor> out;
  if (!g.weights) return out;
  const QuantArgs& w = *g.weights;
  const std::string fmt = format_of(r, g);
  const bool packed = fmt == "pack-quantized";
  auto ceil_div = [](std::uint64_t a, std::uint64_t b) { return b ? (a + b - 1) / b : 0; };
  // Scale and zero-point shape by strategy (initialize.py L201-249).
  std::vector<std::uint64_t> qshape;
  switch (w.strategy) {
    case Strategy::Tensor: qshape = {1}; break;
    case Strategy::Channel: qshape = {n, 1}; break;
    case Strategy::Group:
    case Strategy::TensorGroup: qshape = {n, ceil_div(k, static_cast<std::uint64_t>(w.group_size.value_or(1)))}; break;
    case Strategy::Block:
      qshape = {ceil_div(n, (*w.block_structure)[0]), ceil_div(k, (*w.block_structure)[1])};
      break;
    default: break;  // token / attn_head: not a weight strategy
  }
  if (packed) {
    const std::uint64_t per = values_per_word(w);
    out.push_back({"weight_packed", {"I32"}, {n, ceil_div(k, per)}, true,
                   std::to_string(per) + " int" + std::to_string(w.num_bits) + " values per I32 word along k, value + " +
                       std::to_string(1u << (w.num_bits - 1)) + ", first in the lowest bits"});
    out.push_back({"weight_shape", {"I64", "I32"}, {2}, true, "the unpacked [n, k]"});
  } else {
    const std::string dt = w.type == ArgType::Float ? "F8_E4M3" : w.num_bits <= 8 ? "I8" : w.num_bits <= 16 ? "I16" : "I32";
    out.push_back({"weight", {dt}, {n, k}, true,
                   std::string(w.type == ArgType::Float ? "float8" : "int" + std::to_string(w.num_bits)) + " values, unpacked"});
  }
  if (!w.dynamic && !qshape.empty()) {
    out.push_back({"weight_scale", {w.type == ArgType::Float && w.num_bits == 4 ? "F8_E4M3" : "float"}, qshape, true,
                   std::string(strategy_name(w.strategy)) + " strategy, in the weight's float dtype"});
    if (w.strategy == Strategy::TensorGroup) out.push_back({"weight_global_scale", {"F32"}, {1}, true, "tensor_group"});
    if (!w.symmetric) {
      if (packed && (w.strategy == Strategy::Channel || w.strategy == Strategy::Group))
        out.push_back({"weight_zero_point", {"I32"}, {ceil_div(n, values_per_word(w)), qshape[1]}, true,
                       "asymmetric: packed along n like the weight's values"});
      else
        out.push_back({"weight_zero_point", {"I8"}, qshape, true, "asymmetric weights"});
    }
  }
  if (w.actorder == "group") out.push_back({"weight_g_idx", {"I32"}, {k}, true, "actorder group: each column's group"});
  if (g.input_activations && !g.input_activations->dynamic) {
    // Inputs observe weight.shape[-1:], so static inputs are per tensor.
    out.push_back({"input_scale", {"float"}, {1}, true, "static input activations"});
    if (!g.input_activations->symmetric)
      // CT writes I8; msModelSlim's saver writes the activation dtype and
      // omits it when every offset is 0 (compressed_tensors.py L155-159 @3de0a3c).
      out.push_back({"input_zero_point", {"I8", "float"}, {1}, false, "asymmetric static input activations"});
  }
  out.push_back({"bias", {"float"}, {n}, false, "the float bias, unchanged"});
  return out;
}

std::optional<QuantType> quant_type_of(const SchemeGroup& g) {
  if (!g.weights) return std::nullopt;
  const QuantArgs& w = *g.weights;
  const std::optional<QuantArgs>& in = g.input_activations;
  if (w.type == ArgType::Float) {
    if (w.num_bits == 8 && in && in->type == ArgType::Float && in->num_bits == 8 && in->dynamic) return QuantType::WFP8AFP8_DYNAMIC;
    return std::nullopt;
  }
  if (!in) {
    if (w.num_bits == 8) return QuantType::W8A16;
    if (w.num_bits == 4) return QuantType::W4A16;
    return std::nullopt;
  }
  if (in->type != ArgType::Int || in->num_bits != 8) return std::nullopt;
  if (w.num_bits == 8) return in->dynamic ? QuantType::W8A8_DYNAMIC : QuantType::W8A8;
  if (w.num_bits == 4 && in->dynamic) return QuantType::W4A8_DYNAMIC;
  return std::nullopt;
}

std::string_view module_class(std::string_view prefix) { return prefix.ends_with("embed_tokens") ? "Embedding" : "Linear"; }

std::string describe(const QuantArgs& a) {
  std::string s = (a.type == ArgType::Int ? "int" : "float") + std::to_string(a.num_bits) + " " + std::string(strategy_name(a.strategy));
  if (a.group_size && *a.group_size > 0) s += " " + std::to_string(*a.group_size);
  if (a.block_structure) s += " " + std::to_string((*a.block_structure)[0]) + "x" + std::to_string((*a.block_structure)[1]);
  s += a.symmetric ? " symmetric" : " asymmetric";
  s += a.dynamic ? (a.dynamic_local ? " dynamic (local)" : " dynamic") : " static";
  if (a.actorder) s += ", actorder " + *a.actorder;
  return s;
}

}  // namespace qkit::ct
