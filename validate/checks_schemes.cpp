//===- validate/checks_schemes.cpp - scheme and group rules ---------------===//
//
// Every quantized module is matched against the scheme table
// (formats/scheme.h); each mismatch becomes a finding under the scheme rule
// for its kind. Group rules compare modules that runtimes fuse.
//
//===----------------------------------------------------------------------===//
#include <cstring>
#include <map>
#include <set>

#include "formats/naming.h"
#include "validate/validator.h"

namespace qkit::validate {
namespace {

// Does the module store per-group scales? Its weight_scale rule must allow a
// G-shaped form, and the stored scale must not be the per-channel one.
bool uses_groups(const Scheme& s, const Module& m) {
  const TensorRule* r = s.rule(Role::WeightScale);
  if (r == nullptr || r->shape.find('G') == std::string_view::npos) return false;
  const TensorRef* ref = m.tensor(Role::WeightScale);
  if (ref == nullptr) return false;
  const auto& sh = ref->info->shape;
  if (s.family == Family::MsModelSlim) return sh.size() == 2 && sh[1] != 1;
  return sh.size() >= 2;  // Golden-Stick: [G, n] (per-channel is [n])
}

// The suffixes a quantized linear can have besides weight and bias.
const std::set<std::string_view>& quant_suffixes() {
  static const std::set<std::string_view> s = [] {
    std::set<std::string_view> out;
    for (const Scheme& sc : all_schemes())
      if (quant_type_info(sc.type).scope == QuantScope::Linear)
        for (const TensorRule& r : sc.tensors)
          if (r.role() != Role::Weight && r.role() != Role::Bias) out.insert(r.suffix);
    return out;
  }();
  return s;
}

// Fused groups (q/k/v, gate/up, MLA q_a/kv_a, linear-attention in_proj
// pairs, all experts of one MoE layer) come from the naming table.
std::string fused_group(std::string_view prefix) { return fused_group_key(prefix); }

// Where the target's profile says which dtype its loader creates for
// deq_scale (F32 in the MindSpore runtimes), target.parameter judges it
// instead of the producer's rule.
bool target_owns_deq_dtype(const Context& ctx, const Module& m) {
  const TargetSpec t = ctx.o.spec();
  if (t.runtime == Target::Any || !ctx.c.family()) return false;
  const ModuleName mn = parse_module_name(m.prefix);
  for (const ParamRow* p : params_for(t, *ctx.c.family(), m.tag, loader_layer_of(m), mn.row ? mn.row->parallel : Parallel::None,
                                      false))
    if (p->role == Role::DeqScale && !p->dtypes.empty()) return true;
  return false;
}

}  // namespace

void check_schemes(Context& ctx) {
  const Checkpoint& c = ctx.c;
  auto fam = c.family();
  // compressed-tensors modules are checked against their config group's
  // exact arguments (checks_ct.cpp), not against the table's alternatives.
  if (!fam || *fam == Family::CompressedTensors) return;
  const SchemeContext sctx = c.scheme_context();
  // Tensors some module owns, by position in c.tensors() (module tensors
  // point into it and names there are unique): no copy of every name.
  std::vector<char> in_module(c.tensors().size(), 0);
  std::set<std::uint64_t> inferred_group_sizes;
  // deq_scale dtype findings, and the dtypes all deq_scale tensors have:
  // when every one disagrees with config.json the same way, the config's
  // torch_dtype is the one root cause (below).
  std::vector<std::size_t> deq_findings;
  std::set<Dtype> deq_dtypes;
  std::string deq_expected;
  for (const Module& m : c.modules()) {
    if (const TensorRef* d = m.tensor(Role::DeqScale)) deq_dtypes.insert(d->info->dtype);
    for (const auto& [suffix, ref] : m.tensors) in_module[static_cast<std::size_t>(ref - c.tensors().data())] = 1;
    if (!m.type) continue;  // description.unknown-type
    const std::string file = m.tensors.empty() ? std::string() : (c.root() / c.shard_of(*m.tensors[0].second).name).string();
    if (schemes_for(*fam, m.type->type).empty()) {
      ctx.out.add(Rule::SchemeNoScheme, std::string(family_name(*fam)) + " does not write " + m.tag + " modules", file, m.prefix);
      continue;
    }
    const SchemeMatch& sm = *m.match;  // bound when the checkpoint was opened
    if (!sm.scheme->validated) continue;
    for (const Mismatch& x : sm.mismatches) {
      std::string name = std::string(m.prefix) + "." + x.suffix;
      // The scheme's id names its row in docs/schemes.md.
      std::string where = " (scheme " + std::string(sm.scheme->id) + ", docs/schemes.md)";
      switch (x.kind) {
        case MismatchKind::Missing:
          ctx.out.add(Rule::SchemeMissingTensor, m.tag + " requires " + x.suffix + where, file, name);
          break;
        case MismatchKind::Dtype:
          if (role_of_suffix(x.suffix) == Role::DeqScale && target_owns_deq_dtype(ctx, m)) break;
          if (role_of_suffix(x.suffix) == Role::DeqScale) {
            deq_findings.push_back(ctx.out.add(Rule::SchemeDeqScaleDtype, "deq_scale is " + x.actual + "; a " +
                                                   std::string(c.model_dtype() ? dtype_name(*c.model_dtype()) : "?") +
                                                   " model needs " + x.expected + where,
                                               file, name));
            deq_expected = x.expected;
          } else
            ctx.out.add(Rule::SchemeDtype, "dtype " + x.actual + ", expected " + x.expected + where, file,
                        name);
          break;
        case MismatchKind::Shape:
          ctx.out.add(Rule::SchemeShape, "shape " + x.actual + ", expected " + x.expected + where, file,
                      name);
          break;
        case MismatchKind::Unexpected:
          ctx.out.add(Rule::SchemeUnexpectedTensor, "a " + m.tag + " module has no '" + x.suffix + "' tensor" + where, file, name);
          break;
        case MismatchKind::Tag:
          ctx.out.add(Rule::SchemeTag, "tagged " + x.actual + ", expected " + x.expected + where,
                      (c.root() / c.description_name()).string(), name);
          break;
        case MismatchKind::Int4Marker:
          ctx.out.add(Rule::SchemeInt4Marker, "packed int4 weight without the __metadata__ \"Int4\" marker (MindSpore reads it as int8)", file,
                      name);
          break;
      }
    }
    // Per-group layouts need a group size that divides k. The legacy
    // layouts (V0, MindIE naming) write no group_size key for W4A16
    // (msModelSlim's MindIE saver never does): the size follows from the
    // scale's shape, and is reported so the user sees what was assumed.
    if (*fam == Family::MsModelSlim && uses_groups(*sm.scheme, m)) {
      const TensorRef* ws = m.tensor(Role::WeightScale);
      const bool legacy = c.layout() == Layout::MsModelSlimV0 || c.layout() == Layout::MsModelSlimMindIE;
      if (!sctx.group_size && legacy && ws && sm.vars.k && ws->info->shape.size() == 2 && ws->info->shape[1] > 0 &&
          *sm.vars.k % ws->info->shape[1] == 0) {
        const std::uint64_t gs = *sm.vars.k / ws->info->shape[1];
        if (inferred_group_sizes.insert(gs).second)
          ctx.out.add(Rule::SchemeGroupSize, Severity::Info,
                      "no group_size in the description (legacy layout): group size " + std::to_string(gs) + " inferred from " +
                          std::string(ws->info->name) + " " + shape_text(ws->info->shape) + " and k = " + std::to_string(*sm.vars.k),
                      file, m.prefix);
      } else if (!sctx.group_size)
        ctx.out.add(Rule::SchemeGroupSize, "per-group " + m.tag + " tensors but the description has no positive group_size", file, m.prefix);
      else if (sm.vars.k && *sm.vars.k % *sctx.group_size != 0)
        ctx.out.add(Rule::SchemeGroupSize, "group_size " + std::to_string(*sctx.group_size) + " does not divide k = " + std::to_string(*sm.vars.k),
                    file, m.prefix);
    }
  }
  // Every deq_scale has the same dtype and config.json's torch_dtype wants
  // another: one cause (the config, or a checkpoint quantized for another
  // dtype), not one finding per module.
  if (deq_findings.size() > 1 && deq_dtypes.size() == 1 && c.config() && c.config()->torch_dtype) {
    const std::size_t root = ctx.out.add(
        Rule::SchemeDeqScaleDtype,
        "config.json's torch_dtype is " + *c.config()->torch_dtype + ", which needs " + deq_expected + " deq_scale, but all " +
            std::to_string(deq_findings.size()) + " deq_scale tensors are " + std::string(dtype_name(*deq_dtypes.begin())) +
            ": the checkpoint was quantized for another dtype, or torch_dtype is wrong (the runtime creates deq_scale for "
            "torch_dtype and the load fails or reads garbage)",
        "config.json");
    for (std::size_t id : deq_findings) ctx.out.set_cause(id, root);
  }
  // Quantization tensors that belong to no quantized module.
  for (const TensorRef& t : c.tensors()) {
    const std::string_view name = t.info->name;
    const bool owned = in_module[static_cast<std::size_t>(&t - c.tensors().data())] != 0;
    // An integer weight described as FLOAT is loaded as a float layer.
    if (std::string_view(name).ends_with(".weight") && c.tag_of(t) == "FLOAT" && !owned &&
        (t.info->dtype == Dtype::I8 || t.info->dtype == Dtype::I16 || t.info->dtype == Dtype::I32))
      ctx.out.add(Rule::SchemeFloatIntegerWeight, std::string(dtype_name(t.info->dtype)) +
                      " weight described as FLOAT: runtimes load it as a float layer and compute with raw integers",
                  (c.root() / c.shard_of(t).name).string(), name);
    if (owned) continue;
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos || !quant_suffixes().count(std::string_view(name).substr(dot + 1))) continue;
    std::string weight = std::string(name.substr(0, dot)) + ".weight";
    std::string_view wtag = c.tag_of(weight);
    ctx.out.add(Rule::SchemeOrphanTensor, c.find(weight) == nullptr ? "no " + weight + " beside it"
                                          : weight + " is described as " + std::string(wtag.empty() ? "nothing" : wtag) +
                                                ", so no quantized module owns this tensor",
                (c.root() / c.shard_of(t).name).string(), name);
  }
}

void check_groups(Context& ctx) {
  const Checkpoint& c = ctx.c;
  // Fused groups and module tags are description facts; compressed-tensors
  // has none.
  if (!c.family() || *c.family() == Family::CompressedTensors) return;
  // Fused members must share one quant type (the tag of each <p>.weight).
  std::map<std::string, std::map<std::string, std::vector<std::string>>> groups;  // group -> tag -> members
  for (const TensorRef& t : c.tensors()) {
    const std::string_view name = t.info->name;
    if (!std::string_view(name).ends_with(".weight")) continue;
    std::string prefix(name.substr(0, name.size() - 7));
    std::string g = fused_group(prefix);
    std::string_view tag = c.tag_of(t);
    if (g.empty() || tag.empty()) continue;
    groups[g][std::string(tag)].push_back(prefix);
  }
  const std::string desc = (c.root() / c.description_name()).string();
  const auto float_int_weights = ctx.out.by_tensor(Rule::SchemeFloatIntegerWeight);
  for (const auto& [g, by_tag] : groups) {
    if (by_tag.size() < 2) continue;
    std::string detail;
    for (const auto& [tag, members] : by_tag)
      detail += (detail.empty() ? "" : "; ") + tag + ": " + members.front() + (members.size() > 1 ? " (+" + std::to_string(members.size() - 1) + ")" : "");
    const std::size_t id = ctx.out.add(Rule::GroupFusedType, "fused members differ: " + detail, desc, g);
    // A member whose integer weight is tagged FLOAT is the one cause.
    for (const auto& [tag, members] : by_tag)
      for (const std::string& m : members)
        if (auto it = float_int_weights.find(m + ".weight"); it != float_int_weights.end()) ctx.out.set_cause(id, it->second);
  }
  // All tensors of one module share its tag (vllm-mindspore's inner_conflict).
  const Severity mod_sev = behaviour(ctx.o.spec(), Behaviour::ModuleTagsAgree) ? Severity::Error : Severity::Info;
  for (const Module& m : c.modules()) {
    if (m.scope != QuantScope::Linear) continue;
    for (const auto& [suffix, ref] : m.tensors) {
      std::string_view tag = c.tag_of(*ref);
      if (!tag.empty() && tag != m.tag)
        ctx.out.add(Rule::GroupModuleType, mod_sev, std::string(suffix) + " is tagged " + std::string(tag) + " while the module is " + m.tag, desc,
                    ref->info->name);
    }
  }
  // Static W8A8 members of a fused group share input_scale / input_offset.
  if (ctx.o.quick) return;
  std::map<std::string, std::vector<const Module*>> static_groups;
  for (const Module& m : c.modules()) {
    // Members with static activation parameters load one shared input_scale/input_offset.
    const ActQuant act = m.scheme() ? m.scheme()->traits.act : ActQuant::None;
    if (m.scope == QuantScope::Linear &&
        (act == ActQuant::StaticPerTensor || act == ActQuant::StaticPerChannel || act == ActQuant::MixedPD)) {
      std::string g = fused_group(m.prefix);
      if (!g.empty() && g.find(".experts.*") == std::string::npos) static_groups[g].push_back(&m);
    }
  }
  auto bytes_of = [&](const Module& m, Role role) -> std::optional<std::span<const std::byte>> {
    const TensorRef* ref = m.tensor(role);
    if (ref && c.shard_of(*ref).file) return c.data(*ref);
    return std::nullopt;
  };
  for (const auto& [g, members] : static_groups) {
    if (members.size() < 2) continue;
    for (Role role : {Role::InputScale, Role::InputOffset}) {
      // Compare every member with the value most members share, so the
      // finding names the odd one out.
      std::vector<std::optional<std::span<const std::byte>>> vals;
      for (const Module* m : members) vals.push_back(bytes_of(*m, role));
      auto same = [](const std::optional<std::span<const std::byte>>& a, const std::optional<std::span<const std::byte>>& b) {
        return a && b && a->size() == b->size() && std::memcmp(a->data(), b->data(), a->size()) == 0;
      };
      std::size_t ref = 0, best = 0;
      for (std::size_t i = 0; i < vals.size(); ++i) {
        std::size_t votes = 0;
        for (std::size_t j = 0; j < vals.size(); ++j) votes += same(vals[i], vals[j]);
        if (votes > best) {
          best = votes;
          ref = i;
        }
      }
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i == ref || !vals[i] || !vals[ref] || same(vals[i], vals[ref])) continue;
        ctx.out.add(Rule::GroupFusedActivation, std::string(suffix_of(role)) + " of " + std::string(members[i]->prefix) + " differs from " + std::string(members[ref]->prefix) +
                        "'s: the runtime fuses them and keeps only one",
                    (c.root() / c.shard_of(*members[i]->tensors[0].second).name).string(),
                    std::string(members[i]->prefix) + "." + std::string(suffix_of(role)));
      }
    }
  }
}

}  // namespace qkit::validate
