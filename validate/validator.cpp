//===- validate/validator.cpp - orchestration and sorting -----------------===//
#include "validate/validator.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

namespace qkit::validate {
namespace {

// "model.layers.0.mlp.down_proj" for "model.layers.0.mlp.down_proj.deq_scale".
std::string_view module_of(std::string_view tensor) {
  const auto dot = tensor.rfind('.');
  return dot == std::string_view::npos ? tensor : tensor.substr(0, dot);
}

std::size_t family_rank(std::string_view rule) {
  const std::string_view fam = rule.substr(0, rule.find('.'));
  const auto fams = rule_families();
  return static_cast<std::size_t>(std::find(fams.begin(), fams.end(), fam) - fams.begin());
}

}  // namespace

std::size_t Sink::add(Rule rule, std::string message, std::string file, std::string_view tensor) {
  return add(rule, rule_info(rule).severity, std::move(message), std::move(file), tensor);
}

std::size_t Sink::add(Rule rule, Severity s, std::string message, std::string file, std::string_view tensor) {
  Finding f{std::string(rule_info(rule).id), s, std::move(message), rel(file), std::string(tensor)};
  f.id = findings_.size() + 1;
  findings_.push_back(std::move(f));
  return findings_.back().id;
}

void Sink::set_cause(std::size_t id, std::size_t cause) {
  if (id == 0 || id > findings_.size() || cause == id) return;
  findings_[id - 1].cause = cause;
}

std::unordered_map<std::string, std::size_t> Sink::by_tensor(Rule rule) const {
  const std::string_view id = rule_info(rule).id;
  std::unordered_map<std::string, std::size_t> out;
  for (const Finding& f : findings_)
    if (f.rule == id && !f.tensor.empty()) out.emplace(f.tensor, f.id);
  return out;
}

void Sink::link_causes() {
  // Tensors an unreadable shard hides, and their modules. With an index the
  // weight_map says which shard held each; without one, a described tensor
  // stored nowhere can only have been in an unreadable shard (the first one,
  // when several are).
  std::unordered_map<std::string, std::size_t> hidden;
  auto hide = [&](std::string_view tensor, std::size_t id) {
    hidden.emplace(std::string(tensor), id);
    hidden.emplace(std::string(module_of(tensor)), id);
  };
  if (!shard_causes_.empty()) {
    if (c_.index()) {
      for (const auto& [tensor, shard] : c_.index()->weight_map)
        if (auto it = shard_causes_.find(std::string(shard)); it != shard_causes_.end()) hide(tensor, it->second);
    } else {
      const TensorTypes* types = c_.ms_description()   ? &c_.ms_description()->tensor_types
                                 : c_.gs_description() ? &c_.gs_description()->tensor_types
                                                       : nullptr;
      if (types)
        for (const auto& [name, tag] : *types)
          if (c_.find(name) == nullptr) hide(name, shard_causes_.begin()->second);
    }
  }
  // Module-local causes (validate/rules.cpp kFollows): the first finding of
  // each rule on each module, by the tensor it names and by its module.
  std::unordered_map<std::string, std::size_t> on_module;  // rule id + '\0' + module -> finding id
  auto key = [](std::string_view rule, std::string_view module) {
    std::string k(rule);
    k += '\0';
    k += module;
    return k;
  };
  for (const Finding& f : findings_)
    if (!f.tensor.empty()) {
      on_module.emplace(key(f.rule, f.tensor), f.id);
      on_module.emplace(key(f.rule, module_of(f.tensor)), f.id);
    }
  auto module_cause = [&](const Finding& f) -> std::size_t {
    if (f.tensor.empty()) return 0;
    for (const FollowsFrom& row : rule_consequences()) {
      if (rule_info(row.consequence).id != f.rule) continue;
      for (std::string_view m : {std::string_view(f.tensor), module_of(f.tensor)})
        if (auto it = on_module.find(key(rule_info(row.cause).id, m)); it != on_module.end() && it->second != f.id)
          return it->second;
    }
    return 0;
  };
  for (Finding& f : findings_) {
    if (f.cause) continue;
    if (const std::size_t c = module_cause(f)) {
      f.cause = c;
      continue;
    }
    if (!f.tensor.empty() && !hidden.empty()) {
      auto it = hidden.find(f.tensor);
      if (it == hidden.end()) it = hidden.find(std::string(module_of(f.tensor)));
      if (it != hidden.end() && it->second != f.id) {
        f.cause = it->second;
        continue;
      }
    }
    if (description_cause_ && f.id != description_cause_) {
      const std::string_view fam = std::string_view(f.rule).substr(0, f.rule.find('.'));
      if (fam == "description" || fam == "scheme" || fam == "group" || fam == "target") f.cause = description_cause_;
    }
  }
}

std::string Sink::rel(const std::string& path) const {
  if (path.empty()) return path;
  std::string root = c_.root().string();
  if (!root.empty() && root.back() != '/') root += '/';
  if (path.compare(0, root.size(), root) == 0) return path.substr(root.size());
  if (path == c_.root().string()) return ".";
  return path;
}

Report validate(const Checkpoint& c, const ValidateOptions& o) {
  Sink sink(c);
  Context ctx{c, o, sink};
  check_container(ctx);
  check_description(ctx);
  check_schemes(ctx);
  check_compressed_tensors(ctx);
  check_groups(ctx);
  if (!o.quick) check_numerics(ctx);
  check_targets(ctx);
  sink.link_causes();

  Report r;
  r.path = c.opened().string();
  r.target = o.target;
  r.target_label = o.spec().to_string();
  r.layout = c.layout();
  r.quick = o.quick;
  r.tensors = c.tensors().size();
  r.modules = c.modules().size();
  r.bytes_scanned = ctx.bytes_scanned;
  // The same finding twice (one cause seen by two checks) is reported once;
  // what pointed at the second copy points at the first.
  std::vector<Finding>& all = sink.findings();
  std::vector<std::size_t> same_as(all.size() + 1, 0);
  {
    std::map<std::tuple<std::string_view, Severity, std::string_view, std::string_view, std::string_view>, std::size_t> seen;
    for (const Finding& f : all) {
      auto [it, fresh] = seen.emplace(std::make_tuple(std::string_view(f.rule), f.severity, std::string_view(f.message),
                                                      std::string_view(f.file), std::string_view(f.tensor)),
                                      f.id);
      same_as[f.id] = fresh ? f.id : it->second;
    }
  }
  std::vector<bool> kept(all.size() + 1, false);
  for (Finding& f : all) {
    if (same_as[f.id] != f.id) continue;
    f.cause = f.cause ? same_as[f.cause] : 0;
    if (auto it = o.suppress.find(f.rule); it != o.suppress.end()) {
      r.suppressed.emplace_back(std::move(f), it->second);
      continue;
    }
    kept[f.id] = true;
    (f.severity == Severity::Error ? r.errors : f.severity == Severity::Warning ? r.warnings : r.infos)++;
    r.findings.push_back(std::move(f));
  }
  std::stable_sort(r.findings.begin(), r.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity < b.severity;
    if (const auto fa = family_rank(a.rule), fb = family_rank(b.rule); fa != fb) return fa < fb;
    if (a.rule != b.rule) return a.rule < b.rule;
    if (a.file != b.file) return a.file < b.file;
    return a.tensor < b.tensor;
  });
  // Ids become positions in the sorted list; a consequence of a suppressed
  // finding stands on its own.
  std::vector<std::size_t> new_id(all.size() + 1, 0);
  for (std::size_t i = 0; i < r.findings.size(); ++i) new_id[r.findings[i].id] = i + 1;
  for (Finding& f : r.findings) {
    f.id = new_id[f.id];
    f.cause = f.cause && kept[f.cause] ? new_id[f.cause] : 0;
  }
  for (auto& [f, reason] : r.suppressed) f.id = f.cause = 0;
  return r;
}

}  // namespace qkit::validate
