//===- validate/checks_target.cpp - what the chosen runtime will do ------===//
//
// Every runtime fact comes from the runtime profiles (validate/profiles.h):
// these checks ask the profile of the target (runtime and version) and
// report what its loader will refuse. No runtime is named here.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>
#include <unordered_set>

#include "formats/naming.h"
#include "validate/profiles.h"
#include "validate/validator.h"

namespace qkit::validate {
namespace {

using Q = QuantType;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (true) {
    auto p = s.find(sep);
    out.emplace_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

// A profile's file-name pattern: "x" exact, "*x" ends with, "x*" starts
// with, "*x*" contains, "a*b" starts with a and ends with b.
bool name_matches(std::string_view pattern, std::string_view name) {
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == name;
  if (pattern.size() > 1 && pattern.front() == '*' && pattern.back() == '*')
    return name.find(pattern.substr(1, pattern.size() - 2)) != std::string_view::npos;
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  return name.size() >= head.size() + tail.size() && name.starts_with(head) && name.ends_with(tail);
}

std::string runtime_words(const TargetSpec& t) { return std::string(target_name(t.runtime)) + " " + t.version.to_string(); }

std::string cite(const Citation& c) { return " [" + c.to_string() + "]"; }

bool is_mla(const Checkpoint& c) {
  return c.config() && c.config()->kv_lora_rank.has_value();
}

Parallel parallel_of(const Module& m) {
  const ModuleName mn = parse_module_name(m.prefix);
  return mn.row ? mn.row->parallel : Parallel::None;
}

// False when the runtime does not read this family at all: every other
// target finding would only repeat that.
bool check_family(Context& ctx, const TargetSpec& t, Family fam) {
  const Behaviour needed = fam == Family::MsModelSlim ? Behaviour::ReadsMsModelSlim : Behaviour::ReadsGoldenStick;
  if (behaviour(t, needed)) return true;
  // A runtime that reads neither Ascend family but compressed-tensors says why.
  if (!behaviour(t, Behaviour::ReadsMsModelSlim) && !behaviour(t, Behaviour::ReadsGoldenStick)) {
    const BehaviourRow* reads = behaviour(t, Behaviour::ReadsCompressedTensors);
    ctx.out.add(Rule::TargetFamily, runtime_words(t) + " does not read " + std::string(family_name(fam)) + " checkpoints" +
                    (reads ? ": " + std::string(reads->why) + "; it reads " + std::string(reads->detail) + " checkpoints" +
                                 (fam == Family::MsModelSlim ? " (msModelSlim's compressed-tensors saver writes them)" : "") +
                                 cite(reads->cite)
                           : std::string()),
                ctx.c.root().string());
    return false;
  }
  const bool to_ms = fam == Family::GoldenStick;
  ctx.out.add(Rule::TargetFamily, runtime_words(t) + " does not read " + std::string(family_name(fam)) +
                  " checkpoints (convert with: qconvert --from " + (to_ms ? "mindspore --to msmodelslim" : "msmodelslim --to mindspore") + ")",
              ctx.c.root().string());
  return false;
}

void check_description_name(Context& ctx, const TargetSpec& t) {
  const Checkpoint& c = ctx.c;
  const std::string& name = c.description_name();
  if (name.empty()) return;
  auto rows = behaviours(t, Behaviour::DescriptionName);
  if (rows.empty()) return;
  for (const BehaviourRow* r : rows)
    if (name_matches(r->detail, name)) return;
  const std::string desc = (c.root() / name).string();
  for (const BehaviourRow* r : behaviours(t, Behaviour::DescriptionNameDeprecated))
    if (name_matches(r->detail, name)) {
      ctx.out.add(Rule::TargetDescriptionName, Severity::Warning,
                  runtime_words(t) + " reads '" + name + "' as " + std::string(r->why) + cite(r->cite), desc);
      return;
    }
  std::string wanted;
  for (const BehaviourRow* r : rows) wanted += (wanted.empty() ? "'" : " or '") + std::string(r->detail) + "'";
  ctx.out.add(Rule::TargetDescriptionName, runtime_words(t) + " does not find '" + name + "': it looks for " + wanted + " (" +
                  std::string(rows.front()->why) + ")" + cite(rows.front()->cite),
              desc);
}

void check_types_and_params(Context& ctx, const TargetSpec& t, Family fam) {
  const Checkpoint& c = ctx.c;
  const std::string desc = (c.root() / c.description_name()).string();
  const bool mla = is_mla(c);
  const SchemeContext sctx = c.scheme_context();
  std::set<std::pair<std::string, LoaderLayer>> reported;
  std::set<const ParamRow*> param_reported;
  // The profile is asked once per kind of module, not once per module: a
  // DeepSeek-class model has 180,000 modules and a handful of kinds.
  std::map<std::pair<std::string_view, LoaderLayer>, const SupportRow*> support_cache;
  std::map<std::tuple<std::string_view, LoaderLayer, Parallel>, std::vector<const ParamRow*>> params_cache;
  for (const Module& m : c.modules()) {
    if (!m.type || m.type->type == Q::FLOAT) continue;
    const LoaderLayer layer = loader_layer_of(m);
    auto sit = support_cache.find({m.tag, layer});
    if (sit == support_cache.end()) sit = support_cache.emplace(std::pair{std::string_view(m.tag), layer}, support_for(t, m.tag, layer)).first;
    if (const SupportRow* row = sit->second; row && !row->loads) {
      if (reported.emplace(m.tag, layer).second)
        ctx.out.add(Rule::TargetUnsupportedType, m.tag + " " + std::string(loader_layer_name(layer)) + " (" + std::string(m.prefix) + "): " +
                        std::string(row->why) + cite(row->cite),
                    desc, m.prefix);
      continue;
    }
    if (!m.match) continue;
    ShapeVars vars = m.match->vars;
    if (!vars.H) vars.H = sctx.heads;
    if (!vars.Hkv) vars.Hkv = sctx.kv_heads;
    const Parallel par = parallel_of(m);
    auto pit = params_cache.find({m.tag, layer, par});
    if (pit == params_cache.end())
      pit = params_cache.emplace(std::tuple{std::string_view(m.tag), layer, par}, params_for(t, fam, m.tag, layer, par, mla)).first;
    for (const ParamRow* p : pit->second) {
      const TensorRef* ref = m.tensor(p->role);
      if (ref == nullptr) continue;  // missing tensors are the scheme rules' to report
      const TensorInfo& ti = *ref->info;
      const std::string file = (c.root() / c.shard_of(*ref).name).string();
      std::string problem;
      if (!p->shape.empty() && !shape_matches(p->shape, ti.shape, vars))
        problem = "shape " + shape_text(ti.shape) + ", but " + runtime_words(t) + " creates " +
                  shape_expected(p->shape, vars) + " and asserts equal shapes at load";
      else if (!p->dtypes.empty() && !dtype_matches(p->dtypes, ti.dtype, c.model_dtype()))
        problem = "dtype " + std::string(dtype_name(ti.dtype)) + ", but " + runtime_words(t) + " creates " +
                  dtype_expected(p->dtypes, c.model_dtype()) + " and casts the values numerically";
      if (problem.empty()) continue;
      // One finding per row and shape: a model repeats the same layout in every layer.
      if (!param_reported.insert(p).second) continue;
      ctx.out.add(Rule::TargetParameter, m.tag + " " + std::string(suffix_of(p->role)) + ": " + problem +
                      (p->why.empty() ? "" : " (" + std::string(p->why) + ")") + cite(p->cite),
                  file, ti.name);
    }
  }
}

// A quantization_config holding the whole description (vllm-ascend#633)
// names a type for every weight the description does.
// ordered_json finds keys by linear scan: the weight keys are hashed once,
// so a 180,000-entry description costs O(n), not O(n^2).
bool holds_full_description(const nlohmann::ordered_json& qc, const MsDescription* ms) {
  if (!qc.is_object()) return false;
  std::unordered_set<std::string_view> weights;
  for (auto it = qc.begin(); it != qc.end(); ++it)
    if (std::string_view(it.key()).ends_with(".weight")) weights.insert(it.key());
  if (weights.empty()) return false;
  if (ms == nullptr) return true;
  for (const auto& [name, type] : ms->tensor_types)
    if (std::string_view(name).ends_with(".weight") && !weights.count(name)) return false;
  return true;
}

void check_config(Context& ctx, const TargetSpec& t, Family fam) {
  const Checkpoint& c = ctx.c;
  const auto& cfg = c.config();
  if (!cfg) return;
  const std::string cfg_file = (c.root() / "config.json").string();
  const MsDescription* ms = c.ms_description() ? &*c.ms_description() : nullptr;
  if (cfg->quant_method) {
    ctx.out.add(Rule::TargetQuantizationConfig, t.runtime == Target::Any ? Severity::Warning : Severity::Error,
                "config.json quantization_config.quant_method = '" + *cfg->quant_method +
                    "' routes this model to another quantization backend",
                cfg_file);
  } else if (cfg->has_quantization_config) {
    if (const BehaviourRow* r = behaviour(t, Behaviour::QuantConfigReplacesDescription);
        r && !holds_full_description(cfg->quantization_config, ms))
      ctx.out.add(Rule::TargetQuantizationConfig,
                  "config.json has a quantization_config without per-tensor types: " + runtime_words(t) +
                      " uses it instead of " + (c.description_name().empty() ? std::string("the description") : c.description_name()) +
                      " (KeyError on the first layer); remove it" + cite(r->cite),
                  cfg_file);
  }
  if (fam != Family::MsModelSlim) return;
  // config.json "quantize" (MindIE).
  if (const BehaviourRow* r = behaviour(t, Behaviour::NeedsQuantizeKey)) {
    auto allowed = split(r->detail, ',');
    auto ok = [&](const std::string& v) { return std::find(allowed.begin(), allowed.end(), v) != allowed.end(); };
    std::string suggested = ms && ms->model_quant_type ? lower(*ms->model_quant_type) : "w8a8";
    if (suggested == "w8a8_mix") suggested = "w8a8_pdmix";
    if (cfg->quantize) {
      if (!ok(*cfg->quantize))
        ctx.out.add(Rule::TargetMindieConfig, "quantize '" + *cfg->quantize + "' is not one " + runtime_words(t) +
                        " accepts (" + std::string(r->detail) + ")" + cite(r->cite),
                    cfg_file);
    } else if (const BehaviourRow* d = behaviour(t, Behaviour::QuantizeFromDescription)) {
      if (!ms || !ms->model_quant_type)
        ctx.out.add(Rule::TargetMindieConfig, "config.json has no \"quantize\" and the description no model_quant_type: " +
                        runtime_words(t) + " fails with KeyError 'quantize'; add \"quantize\": \"" + suggested + "\"" + cite(d->cite),
                    cfg_file);
      else if (!ok(suggested))
        ctx.out.add(Rule::TargetMindieConfig, "model_quant_type '" + *ms->model_quant_type + "' becomes quantize '" + suggested +
                        "', which " + runtime_words(t) + " rejects" + cite(r->cite),
                    cfg_file);
    } else {
      ctx.out.add(Rule::TargetMindieConfig, "config.json has no \"quantize\": " + runtime_words(t) +
                      " fails with 'linear type not matched'; add \"quantize\": \"" + suggested + "\"" + cite(r->cite),
                  cfg_file);
    }
  }
  // quantization_config values.
  for (const BehaviourRow* r : behaviours(t, Behaviour::ConfigKeyValues)) {
    auto eq = r->detail.find('=');
    std::string key(r->detail.substr(0, eq));
    auto allowed = split(r->detail.substr(eq + 1), ',');
    auto check = [&](const nlohmann::ordered_json& v, const std::string& where) {
      std::string text = v.is_string() ? v.get<std::string>() : v.dump();
      if (std::find(allowed.begin(), allowed.end(), text) == allowed.end())
        ctx.out.add(Rule::TargetMindieConfig, where + " " + key + " " + v.dump() + " is not one of " +
                        std::string(r->detail.substr(eq + 1)) + " (" + runtime_words(t) + ")" + cite(r->cite),
                    where == "description" ? (c.root() / c.description_name()).string() : cfg_file);
    };
    if (cfg->has_quantization_config && cfg->quantization_config.is_object())
      if (auto it = cfg->quantization_config.find(key); it != cfg->quantization_config.end())
        check(*it, "quantization_config");
    if (key == "group_size" && ms && ms->group_size && std::string_view(r->why).find("description") != std::string_view::npos)
      check(nlohmann::ordered_json(*ms->group_size), "description");
  }
}

// Every decoder layer has description entries; MTP layers too when the
// drafter is loaded.
void check_coverage(Context& ctx, const TargetSpec& t) {
  const Checkpoint& c = ctx.c;
  const auto& cfg = c.config();
  const MsDescription* ms = c.ms_description() ? &*c.ms_description() : nullptr;
  if (!cfg || !ms || c.family() != Family::MsModelSlim) return;
  const std::string desc = (c.root() / c.description_name()).string();
  const BehaviourRow* every = behaviour(t, Behaviour::DescribesEveryLayer);
  const BehaviourRow* mtp_row = behaviour(t, Behaviour::MtpOnlyWithDrafter);
  const auto& types = ms->tensor_types;
  if (cfg->tie_word_embeddings == false && !types.count("lm_head.weight") &&
      std::none_of(types.begin(), types.end(), [](const auto& kv) { return std::string_view(kv.first).ends_with("lm_head.weight"); }))
    ctx.out.add(Rule::TargetCoverage, every ? Severity::Error : Severity::Warning,
                "untied embeddings but no lm_head.weight in the description", desc, "lm_head.weight");
  if (!cfg->num_hidden_layers) return;
  // The decoder-layer prefix the weights use (model.layers.N,
  // model.language_model.layers.N, layers.N, ...): the naming table's.
  std::map<std::string, std::size_t> prefixes;
  bool mtp_prefix = false;
  for (const TensorRef& tr : c.tensors()) {
    const ModuleName mn = parse_module_name(tr.info->name);
    if (mn.kind == LayerKind::Decoder && mn.layer)
      ++prefixes[mn.layer_prefix.substr(0, mn.layer_prefix.size() - std::to_string(*mn.layer).size())];
    mtp_prefix |= mn.kind == LayerKind::Mtp;
  }
  std::string decoder = "model.layers.";
  std::size_t most = 0;
  for (const auto& [p, n] : prefixes)
    if (n > most) most = n, decoder = p;
  // MTP layers numbered after the decoder layers (DeepSeek) are looked up
  // only when the drafter is loaded.
  const std::uint64_t extra = mtp_prefix ? 0 : cfg->num_nextn_predict_layers.value_or(0);
  for (std::uint64_t l = 0; l < *cfg->num_hidden_layers + extra; ++l) {
    std::string p = decoder + std::to_string(l) + ".";
    auto it = types.lower_bound(p);
    if (it != types.end() && it->first.compare(0, p.size(), p) == 0) continue;
    const bool mtp = l >= *cfg->num_hidden_layers;
    if (mtp) {
      Severity s = ctx.o.with_mtp ? Severity::Error : Severity::Warning;
      ctx.out.add(Rule::TargetCoverage, s, "MTP layer " + std::to_string(l) + " has no description entries: the MTP drafter "
                      "fails with KeyError '" + p + "...' (add FLOAT entries; an error with --with-mtp)" +
                      (mtp_row ? cite(mtp_row->cite) : ""),
                  desc, p + "*");
    } else {
      ctx.out.add(Rule::TargetCoverage, every ? Severity::Error : Severity::Warning,
                  "layer " + std::to_string(l) + " has no description entries (KeyError '" + p +
                      "...' in loaders that look every layer up; add FLOAT entries for unquantized layers)" +
                      (every ? cite(every->cite) : ""),
                  desc, p + "*");
      break;  // one finding for a wholesale naming mismatch is enough
    }
  }
}

void check_attention_keys(Context& ctx, const TargetSpec& t) {
  const Checkpoint& c = ctx.c;
  const MsDescription* ms = c.ms_description() ? &*c.ms_description() : nullptr;
  if (!ms) return;
  const std::string desc = (c.root() / c.description_name()).string();
  bool has_c8 = false, has_fa = false;
  std::set<std::string> fa_suffixes;
  for (const Module& m : c.modules()) {
    if (!m.type) continue;
    has_c8 |= m.type->type == Q::C8;
    if (m.type->type == Q::FAQuant) {
      has_fa = true;
      for (const auto& [s, r] : m.tensors) fa_suffixes.emplace(s);
    }
  }
  // KV-cache int8: the key each runtime reads must say "C8".
  auto c8_value = [&](std::string_view key) -> const std::optional<std::string>& {
    return key == "kv_quant_type" ? ms->kv_quant_type : ms->kv_cache_type;
  };
  auto kv_rows = behaviours(t, Behaviour::KvCacheKey);
  if (t.runtime == Target::Any) {
    bool set = (ms->kv_cache_type && *ms->kv_cache_type == "C8") || (ms->kv_quant_type && *ms->kv_quant_type == "C8");
    if (has_c8 && !set)
      ctx.out.add(Rule::TargetKvCacheKey, Severity::Warning,
                  "KV-cache int8 tensors present but neither kv_cache_type nor kv_quant_type is \"C8\" (runtimes then ignore them)",
                  desc);
  }
  for (const BehaviourRow* r : kv_rows) {
    const auto& v = c8_value(r->detail);
    if (has_c8 && !(v && *v == "C8"))
      ctx.out.add(Rule::TargetKvCacheKey, "KV-cache int8 tensors present but " + std::string(r->detail) + " is not \"C8\" (" +
                      runtime_words(t) + " then ignores them)" + cite(r->cite),
                  desc);
  }
  for (const char* key : {"kv_cache_type", "kv_quant_type"}) {
    const auto& v = c8_value(key);
    if (!has_c8 && v && *v == "C8")
      ctx.out.add(Rule::TargetKvCacheKey, std::string(key) + " is \"C8\" but no layer has k_proj.kv_cache_scale", desc);
  }
  // FA quantization.
  if (has_fa && !ms->fa_quant_type)
    ctx.out.add(Rule::TargetFaQuantKey, "FA quant tensors present but fa_quant_type is missing", desc);
  if (has_fa) {
    auto types = behaviours(t, Behaviour::FaQuantType);
    if (!types.empty() && ms->fa_quant_type &&
        std::none_of(types.begin(), types.end(), [&](const BehaviourRow* r) { return *ms->fa_quant_type == r->detail; })) {
      std::string accepted;
      for (const BehaviourRow* r : types) accepted += (accepted.empty() ? "\"" : " or \"") + std::string(r->detail) + "\"";
      ctx.out.add(Rule::TargetFaQuantKey, runtime_words(t) + " registers fa_quant_type " + accepted + "; \"" + *ms->fa_quant_type +
                      "\" is not found" + cite(types.front()->cite),
                  desc);
    }
    for (const BehaviourRow* r : behaviours(t, Behaviour::FaTensorNames))
      if (std::none_of(fa_suffixes.begin(), fa_suffixes.end(), [&](const std::string& s) { return s == r->detail; }))
        ctx.out.add(Rule::TargetFaQuantKey, runtime_words(t) + " finds FA layers by '" + std::string(r->detail) +
                        "'; these FA tensors are named otherwise (fa3_*, or no fa_q for a dynamic q) and are not loaded" +
                        cite(r->cite),
                    desc);
  }
}

void check_group_sizes(Context& ctx, const TargetSpec& t, Family fam) {
  const Checkpoint& c = ctx.c;
  const MsDescription* ms = c.ms_description() ? &*c.ms_description() : nullptr;
  const std::string desc = (c.root() / c.description_name()).string();
  bool int4_groups = false, w4a8 = false, w4a8_moe = false;
  for (const Module& m : c.modules()) {
    if (!m.type) continue;
    const bool is_w4a8 = m.type->type == Q::W4A8_DYNAMIC;
    w4a8 |= is_w4a8;
    w4a8_moe |= is_w4a8 && loader_layer_of(m) == LoaderLayer::Moe;
    const Scheme* s = m.scheme();
    int4_groups |= quant_type_info(m.type->type).weight_bits == 4 && s &&
                   (s->traits.grouping == WeightGrouping::PerGroup || s->traits.grouping == WeightGrouping::TwoStage);
  }
  if (fam == Family::MsModelSlim && ms) {
    const std::int64_t gs = ms->group_size.value_or(0);
    const BehaviourRow* pg = behaviour(t, Behaviour::RejectsPerGroupW4A8);
    if (pg && w4a8 && gs > 0)
      ctx.out.add(Rule::TargetGroupSize, runtime_words(t) + " rejects per-group W4A8_DYNAMIC (group_size " + std::to_string(gs) +
                      "): 'Per-Group quantization, which is no longer supported'" + cite(pg->cite),
                  desc);
    else if (const BehaviourRow* r = behaviour(t, Behaviour::Int4GroupSizes); r && int4_groups && gs > 0) {
      auto ok = split(r->detail, ',');
      if (std::find(ok.begin(), ok.end(), std::to_string(gs)) == ok.end())
        ctx.out.add(Rule::TargetGroupSize, "int4 kernels of " + runtime_words(t) + " take group_size " + std::string(r->detail) +
                        ", not " + std::to_string(gs) + " ('antiquantGroupSize should be 128 or 64')" + cite(r->cite),
                    desc);
    }
  }
  if (const BehaviourRow* r = behaviour(t, Behaviour::A8W4NeedsGroupSize); r && w4a8_moe) {
    // The runtime merges config.json's quantization_config with the description.
    std::optional<std::int64_t> gs;
    if (const auto& cfg = c.config(); cfg && cfg->quantization_config.is_object())
      if (auto it = cfg->quantization_config.find("group_size"); it != cfg->quantization_config.end() && it->is_number_integer())
        gs = it->get<std::int64_t>();
    if (!gs && ms) gs = ms->group_size;
    if (!gs || *gs <= 0)
      ctx.out.add(Rule::TargetGroupSize, runtime_words(t) + " needs a positive group_size for W4A8_DYNAMIC (A8W4) experts, in "
                      "config.json quantization_config or the description ('group_size should >=0')" + cite(r->cite),
                  (c.root() / "config.json").string());
  }
}

// W4A8_DYNAMIC experts: packed [n/2,k] or unpacked [n,k], and what the
// runtime reads.
void check_w4a8_packing(Context& ctx, const TargetSpec& t) {
  const Checkpoint& c = ctx.c;
  const MsDescription* ms = c.ms_description() ? &*c.ms_description() : nullptr;
  if (!ms || c.family() != Family::MsModelSlim) return;
  const BehaviourRow* by_version = behaviour(t, Behaviour::W4A8PackedWhenVersion);
  const BehaviourRow* always = behaviour(t, Behaviour::W4A8PackedOnly);
  if (!by_version && !always) return;
  for (const Module& m : c.modules()) {
    if (!m.type || m.type->type != Q::W4A8_DYNAMIC || !m.scheme()) continue;
    if (always && loader_layer_of(m) != LoaderLayer::Moe) continue;  // linear W4A8 is refused as a type there
    const bool packed = m.scheme()->int4_layout.has_value();
    const bool says_packed = by_version && ms->version && *ms->version == by_version->detail;
    std::string problem;
    if (always && !packed)
      problem = "unpacked int8 W4A8_DYNAMIC experts, but " + runtime_words(t) + " reads packed [n/2,k] weights only" + cite(always->cite);
    else if (by_version && packed && !says_packed)
      problem = "packed [n/2,k] W4A8_DYNAMIC experts, but the description's version is " +
                (ms->version ? "\"" + *ms->version + "\"" : std::string("absent")) + ": " + runtime_words(t) +
                " reads them unpacked unless version is \"" + std::string(by_version->detail) + "\"" + cite(by_version->cite);
    else if (by_version && !packed && says_packed)
      problem = "version \"" + std::string(by_version->detail) + "\" says packed, but the experts are unpacked [n,k]" +
                cite(by_version->cite);
    if (problem.empty()) continue;
    ctx.out.add(Rule::TargetPackedVersion, problem, (c.root() / c.description_name()).string(), m.prefix);
    return;  // one finding: every expert shares the layout
  }
}

}  // namespace

void check_targets(Context& ctx) {
  const Checkpoint& c = ctx.c;
  auto fam = c.family();
  // compressed-tensors: the recipe decides what a loader makes of each
  // layer, and checks_ct.cpp (check_ct_target) asks the profile about it.
  if (!fam || *fam == Family::CompressedTensors) return;
  const TargetSpec t = ctx.o.spec();
  if (t.runtime != Target::Any) {
    if (!check_family(ctx, t, *fam)) return;
    check_description_name(ctx, t);
    check_types_and_params(ctx, t, *fam);
  }
  check_config(ctx, t, *fam);
  check_coverage(ctx, t);
  check_attention_keys(ctx, t);
  check_group_sizes(ctx, t, *fam);
  check_w4a8_packing(ctx, t);
}

}  // namespace qkit::validate
