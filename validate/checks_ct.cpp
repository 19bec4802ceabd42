//===- validate/checks_ct.cpp - compressed-tensors against its recipe -----===//
//
// A compressed-tensors checkpoint has no description: what each Linear must
// store follows from the config group that reaches it (formats/ct_recipe.h,
// expected_tensors). Each module's tensors are checked against that: missing,
// wrong dtype, wrong shape, or a tensor compressed-tensors never writes for
// the scheme (msModelSlim's saver writes its raw W8A16/W4A8 parameters under
// their own names: a loader reads them as nothing, docs/research/
// compressed-tensors.md §6.1). pack-quantized weights' weight_shape must
// agree with weight_packed. In full mode, scales, zero points and unpacked
// int4 values are checked too.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "formats/tensor_values.h"
#include "validate/validator.h"

namespace qkit::validate {
namespace {

bool dtype_ok(const std::vector<std::string>& allowed, Dtype d) {
  for (const std::string& a : allowed) {
    if (a == "float" ? (is_float_dtype(d) && d != Dtype::F8_E4M3 && d != Dtype::F8_E5M2) : a == dtype_name(d)) return true;
  }
  return false;
}

std::string allowed_text(const std::vector<std::string>& allowed) {
  std::string o;
  for (const std::string& a : allowed) o += (o.empty() ? "" : " or ") + (a == "float" ? std::string("a float dtype") : a);
  return o;
}

// Values (full mode): scales finite and positive (CT clamps them at fp32
// eps, helpers.py L67-146), zero points integral in the type's range, and an
// int4 weight stored unpacked (int-quantized W4A8) within [-8, 7]
// (docs/research/compressed-tensors.md §5.1). pack-quantized nibbles hold
// every value of the range by construction.
template <class Get>
void check_ct_values(Context& ctx, const ct::SchemeGroup& g, const std::string& module, const std::string& file, const Get& get) {
  const Checkpoint& c = ctx.c;
  auto scales = [&](const char* suffix) {
    const TensorRef* t = get(suffix);
    if (!t || !c.shard_of(*t).file) return;
    const auto v = tensor_values(c, *t, false);
    std::size_t bad = 0;
    for (const auto& x : v) bad += !x || !std::isfinite(*x) || !(*x > 0);
    if (bad)
      ctx.out.add(Rule::NumericScale, std::to_string(bad) + " of " + std::to_string(v.size()) + " scales are not finite and positive",
                  file, module + "." + suffix);
  };
  auto zero_points = [&](const char* suffix, int bits) {
    const TensorRef* t = get(suffix);
    if (!t || !c.shard_of(*t).file || t->info->dtype == Dtype::I32) return;  // packed zero points: every nibble is in range
    const double lo = -std::ldexp(1.0, bits - 1), hi = std::ldexp(1.0, bits - 1) - 1;
    const auto v = tensor_values(c, *t, false);
    std::size_t bad = 0;
    for (const auto& x : v) bad += !x || *x != std::nearbyint(*x) || *x < lo || *x > hi;
    if (bad)
      ctx.out.add(Rule::NumericOffset, std::to_string(bad) + " zero points are not integers in [" + std::to_string(static_cast<int>(lo)) +
                                           ", " + std::to_string(static_cast<int>(hi)) + "]",
                  file, module + "." + suffix);
  };
  scales("weight_scale");
  scales("input_scale");
  if (g.weights) zero_points("weight_zero_point", g.weights->num_bits);
  if (g.input_activations) zero_points("input_zero_point", g.input_activations->num_bits);
  if (g.weights && g.weights->type == ct::ArgType::Int && g.weights->num_bits < 8) {
    const TensorRef* w = get("weight");
    if (w && w->info->dtype == Dtype::I8 && c.shard_of(*w).file) {
      const int lim = 1 << (g.weights->num_bits - 1);
      std::size_t bad = 0;
      for (std::byte b : c.data(*w)) {
        const int v = static_cast<std::int8_t>(b);
        bad += v < -lim || v >= lim;
      }
      if (bad)
        ctx.out.add(Rule::NumericInt4Range, std::to_string(bad) + " values outside [" + std::to_string(-lim) + ", " +
                                                std::to_string(lim - 1) + "] in an int" + std::to_string(g.weights->num_bits) +
                                                " weight stored unpacked",
                    file, w->info->name);
    }
  }
}

using Reached = std::map<std::pair<const ct::SchemeGroup*, LoaderLayer>, std::pair<std::size_t, std::string>>;

// What the chosen runtime's loader makes of each config group: the profile's
// compressed-tensors rows (profiles.cpp, ct_scheme_for) decide, each group
// per layer kind; a runtime without rows is not verified (information).
void check_ct_target(Context& ctx, const ct::Recipe& rec, const Reached& reached) {
  const TargetSpec spec = ctx.o.spec();
  if (spec.runtime == Target::Any) return;
  if (!has_ct_rows(spec)) {
    ctx.out.add(Rule::TargetFamily, Severity::Info,
                spec.to_string() + ": how this runtime loads compressed-tensors checkpoints is not verified (qkit has read "
                                   "the loaders of " + ct_rows_coverage() + ")",
                "config.json");
    return;
  }
  bool loads = false;
  // A row read with the config, before any layer, refuses a group once.
  std::set<std::pair<const ct::SchemeGroup*, const CtSchemeRow*>> reported;
  for (const auto& [key, count] : reached) {
    const ct::SchemeGroup* g = key.first;
    const LoaderLayer layer = key.second;
    const CtDecision d = ct_scheme_for(spec, rec, *g, layer);
    if (!d) continue;
    loads |= d.loads();
    if (d.loads()) continue;
    if (!d.row->layer && !d.registry && !reported.insert({g, d.row}).second) continue;
    const std::string what = "config group " + g->name + " (weights " + ct::describe(*g->weights) +
                             (g->input_activations ? "; inputs " + ct::describe(*g->input_activations) : "") + "; " +
                             ct::format_of(rec, *g) + "), " + std::to_string(count.first) + " " +
                             std::string(loader_layer_name(layer)) + " module" + (count.first == 1 ? "" : "s") + " (e.g. " +
                             count.second + ")";
    std::string msg;
    if (d.registry)  // a quant type its registry does not take for this layer kind
      msg = what + ": detected as " + std::string(d.detected->quant_type) + ", which " + spec.to_string() +
            " does not register for " + std::string(loader_layer_name(layer)) + " layers (" + std::string(d.registry->why) +
            ") [" + d.detected->cite.to_string() + "] [" + d.registry->cite.to_string() + "]";
    else if (d.detected)  // what the registered method does with the group
      msg = what + ": detected as " + std::string(d.detected->quant_type) + " " + std::string(d.row->when) + ": " +
            spec.to_string() + "'s " + std::string(d.detected->quant_type) + " " + std::string(loader_layer_name(layer)) +
            " method " + std::string(d.row->why) + " [" + d.row->cite.to_string() + "] [" + d.detected->cite.to_string() + "]";
    else
      msg = what + ": " + spec.to_string() + " " + std::string(d.row->why) + " [" + d.row->cite.to_string() + "]";
    const Rule rule = d.registry ? Rule::TargetUnsupportedType : d.row->rule;
    const Severity sev = d.registry ? Severity::Error : d.row->severity;
    ctx.out.add(rule, sev, msg, "config.json", g->name);
  }
  if (const BehaviourRow* gpu = behaviour(spec, Behaviour::ChecksGpuCapability); gpu && loads)
    ctx.out.add(rule_of(gpu->behaviour), Severity::Info,
                spec.to_string() + ": " + std::string(gpu->why) + "; not checked [" + gpu->cite.to_string() + "]", "config.json");
}

}  // namespace

void check_compressed_tensors(Context& ctx) {
  const Checkpoint& c = ctx.c;
  if (c.layout() != Layout::CompressedTensors || !c.ct_recipe()) return;
  const ct::Recipe& rec = *c.ct_recipe();
  // Tensors by module prefix, in checkpoint order.
  std::unordered_map<std::string_view, std::vector<const TensorRef*>> by_prefix;
  std::vector<std::string_view> order;
  for (const TensorRef& t : c.tensors()) {
    const std::string_view name = t.info->name;
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos) continue;
    auto [it, fresh] = by_prefix.try_emplace(name.substr(0, dot));
    if (fresh) order.push_back(it->first);
    it->second.push_back(&t);
  }
  // Each Linear as the checkpoint resolved it at open.
  std::unordered_map<std::string_view, const CtLinear*> linear_of;
  linear_of.reserve(c.ct_linears().size());
  for (const CtLinear& l : c.ct_linears()) linear_of.emplace(l.prefix, &l);
  // Modules per (config group, loader layer kind), for the target's verdict.
  std::map<std::pair<const ct::SchemeGroup*, LoaderLayer>, std::pair<std::size_t, std::string>> reached;
  const TargetSpec spec = ctx.o.spec();
  std::map<std::pair<const ct::SchemeGroup*, LoaderLayer>, CtDecision> decisions;
  for (std::string_view prefix : order) {
    const auto& ts = by_prefix[prefix];
    auto get = [&](std::string_view suffix) -> const TensorRef* {
      for (const TensorRef* t : ts)
        if (std::string_view(t->info->name).substr(prefix.size() + 1) == suffix) return t;
      return nullptr;
    };
    const TensorRef* weight = get("weight");
    const TensorRef* packed = get("weight_packed");
    if (!packed && !(weight && weight->info->shape.size() == 2)) continue;  // not a Linear
    const std::string module(prefix);
    const std::string file = (c.root() / c.shard_of(*ts.front()).name).string();
    const auto lit = linear_of.find(prefix);
    if (lit == linear_of.end()) continue;  // not a Linear (a rank-1 weight of the same prefix)
    const CtLinear& lin = *lit->second;
    const ct::SchemeGroup* res_group = lin.group ? &rec.groups[*lin.group] : nullptr;
    if (!res_group || !res_group->weights) {
      // A float module: weight and bias only.
      const std::string why = lin.ignored ? "ignore skips it" : res_group ? "its group quantizes no weights" : "no target reaches it";
      for (const TensorRef* t : ts) {
        const std::string_view suffix = std::string_view(t->info->name).substr(prefix.size() + 1);
        if (suffix == "weight" || suffix == "bias") continue;
        ctx.out.add(Rule::SchemeOrphanTensor, "no config group quantizes " + module + " (" + why + "), so nothing reads its " +
                                                  std::string(suffix),
                    file, t->info->name);
      }
      if (weight && !is_float_dtype(weight->info->dtype))
        ctx.out.add(Rule::SchemeFloatIntegerWeight, std::string(dtype_name(weight->info->dtype)) + " weight but no config group quantizes " +
                                                        module + " (" + why + "): runtimes load it as a float layer",
                    file, weight->info->name);
      continue;
    }
    const ct::SchemeGroup& g = *res_group;
    // Only the formats whose tensors qkit has read in the compressors'
    // source are checked (nvfp4/mxfp4 pack two values per byte with global
    // scales; marlin-24 and sparse formats are not described in
    // docs/research/compressed-tensors.md §4).
    const std::string group_format = ct::format_of(rec, g);
    if (group_format != "int-quantized" && group_format != "naive-quantized" && group_format != "float-quantized" &&
        group_format != "pack-quantized")
      continue;
    if (g.weights->type == ct::ArgType::Float && g.weights->num_bits != 8) continue;
    {
      auto& r = reached[{&g, prefix.find(".experts.") != std::string_view::npos ? LoaderLayer::Moe : LoaderLayer::Linear}];
      if (r.first++ == 0) r.second = std::string(prefix);
    }
    const std::string scheme = "config group " + g.name + " (weights " + ct::describe(*g.weights) + ", " + ct::format_of(rec, g) + ")";
    // The logical [n, k]: the weight's shape, or weight_shape's values
    // (read only when values are read); headers alone bound k by the words.
    std::uint64_t n = 0, k = 0;
    bool k_known = true;
    if (packed) {
      const auto& ps = packed->info->shape;
      n = ps.empty() ? 0 : ps[0];
      const std::uint64_t per = ct::values_per_word(*g.weights);
      k = ps.size() == 2 ? ps[1] * per : 0;
      k_known = false;
      if (const TensorRef* ws = get("weight_shape"); ws && !ctx.o.quick && c.shard_of(*ws).file) {
        const auto v = tensor_values(c, *ws, false, 16);
        const bool integral = ws->info->dtype == Dtype::I64 || ws->info->dtype == Dtype::I32;
        if (integral && v.size() == 2 && v[0] && v[1] && *v[0] >= 0 && *v[1] >= 0 && *v[0] < 9.2e18 && *v[1] < 9.2e18) {
          const auto sn = static_cast<std::uint64_t>(*v[0]), sk = static_cast<std::uint64_t>(*v[1]);
          if (ps.size() != 2 || sn != ps[0] || (sk + per - 1) / per != ps[1])
            ctx.out.add(Rule::SchemeWeightShape,
                        "weight_shape says [" + std::to_string(sn) + "," + std::to_string(sk) + "] but weight_packed is " +
                            shape_text(ps) + ": [n, ceil(k/" + std::to_string(per) + ")] would be [" + std::to_string(sn) + "," +
                            std::to_string((sk + per - 1) / per) + "]",
                        file, ws->info->name);
          else {
            k = sk;
            k_known = true;
          }
        }
      }
    } else {
      n = weight->info->shape[0];
      k = weight->info->shape[1];
    }
    const auto expected = ct::expected_tensors(rec, g, n, k);
    // With k bounded only by the packed words, a dimension that depends on k
    // is accepted anywhere between its values for the smallest and largest k.
    std::vector<ct::ExpectedTensor> lower;
    if (!k_known) {
      const std::uint64_t per = ct::values_per_word(*g.weights);
      lower = ct::expected_tensors(rec, g, n, k >= per ? k - per + 1 : 1);
    }
    for (std::size_t e = 0; e < expected.size(); ++e) {
      const ct::ExpectedTensor& x = expected[e];
      const TensorRef* t = get(x.suffix);
      const std::string name = module + "." + x.suffix;
      if (!t) {
        if (x.required) ctx.out.add(Rule::SchemeMissingTensor, scheme + " requires " + x.suffix + " (" + x.why + ")", file, name);
        continue;
      }
      if (!dtype_ok(x.dtypes, t->info->dtype))
        ctx.out.add(Rule::SchemeDtype, "dtype " + std::string(dtype_name(t->info->dtype)) + ", expected " + allowed_text(x.dtypes) +
                                           " (" + scheme + ": " + x.why + ")",
                    file, name);
      const auto& got = t->info->shape;
      bool shape_ok = got == x.shape;
      if (!shape_ok && !k_known && got.size() == x.shape.size()) {
        shape_ok = true;
        for (std::size_t d = 0; d < got.size(); ++d) {
          const std::uint64_t lo = std::min(lower[e].shape[d], x.shape[d]), hi = std::max(lower[e].shape[d], x.shape[d]);
          shape_ok &= got[d] >= lo && got[d] <= hi;
        }
      }
      if (!shape_ok)
        ctx.out.add(Rule::SchemeShape, "shape " + shape_text(got) + ", expected " + shape_text(x.shape) + " (" + scheme + ": " + x.why + ")",
                    file, name);
    }
    if (!ctx.o.quick) check_ct_values(ctx, g, module, file, get);
    for (const TensorRef* t : ts) {
      const std::string_view suffix = std::string_view(t->info->name).substr(prefix.size() + 1);
      if (std::none_of(expected.begin(), expected.end(), [&](const ct::ExpectedTensor& x) { return x.suffix == suffix; }))
        ctx.out.add(Rule::SchemeUnexpectedTensor, scheme + " stores no '" + std::string(suffix) +
                                                      "': compressed-tensors loaders read nothing under that name",
                    file, t->info->name);
    }
    if (spec.runtime != Target::Any) {
      // What the target's loader builds for this module, and what that needs.
      const LoaderLayer layer = prefix.find(".experts.") != std::string_view::npos ? LoaderLayer::Moe : LoaderLayer::Linear;
      auto dit = decisions.find({&g, layer});
      if (dit == decisions.end()) dit = decisions.emplace(std::pair{&g, layer}, ct_scheme_for(spec, rec, g, layer)).first;
      const CtDecision& d = dit->second;
      if (d && d.loads() && !d.quant_type().empty()) {
        // A parameter it creates and needs loaded, which the recipe says this
        // module stores but the checkpoint lacks.
        for (const ParamRow* p : params_for(spec, Family::CompressedTensors, d.quant_type(), layer, Parallel::None, false)) {
          if (p->family != FamilyCond::CompressedTensors || !p->required) continue;
          for (const ct::ExpectedTensor& x : expected)
            if (role_of_suffix(x.suffix) == p->role && !get(x.suffix))
              ctx.out.add(Rule::TargetParameter,
                          spec.to_string() + " loads " + module + " as " + std::string(d.quant_type()) + ", which needs " +
                              x.suffix + " (" + x.why + ") and the checkpoint has none: " + std::string(p->why) + " [" +
                              p->cite.to_string() + "]",
                          file, module + "." + x.suffix);
        }
        // A group size its scheme needs to divide k.
        const ct::QuantArgs& w = *g.weights;
        const std::uint64_t gs = w.strategy == ct::Strategy::Group && w.group_size && *w.group_size > 0
                                     ? static_cast<std::uint64_t>(*w.group_size)
                                     : 0;
        // Whether k is a multiple of gs: from k when known; else from the
        // headers, where k = ceil(k/gs) * gs is the only multiple with
        // weight_scale's column count, and must also fill weight_packed's words.
        std::optional<bool> divides;
        if (gs && k_known)
          divides = k % gs == 0;
        else if (const TensorRef* sc = get("weight_scale"); gs && packed && sc && sc->info->shape.size() == 2 &&
                                                            packed->info->shape.size() == 2) {
          const std::uint64_t per = ct::values_per_word(w), groups = sc->info->shape[1];
          divides = (groups * gs + per - 1) / per == packed->info->shape[1];
        }
        if (divides && !*divides && w.actorder.value_or("") != "group")
          for (const BehaviourRow* b : behaviours(spec, Behaviour::GroupSizeDividesK))
            if (b->detail == d.quant_type())
              ctx.out.add(Rule::TargetGroupSize,
                          "group size " + std::to_string(gs) + " does not divide " + module + "'s k" +
                              (k_known ? " = " + std::to_string(k) : std::string(" (read from the headers)")) + ": " + spec.to_string() + " loads it as " + std::string(d.quant_type()) + ", whose " +
                              std::string(b->why) + " [" + b->cite.to_string() + "]",
                          file, module + (packed ? ".weight_packed" : ".weight"));
      }
    }
  }
  check_ct_target(ctx, rec, reached);
}

}  // namespace qkit::validate
