//===- validate/validator.cpp - orchestration and sorting -----------------===//
#include "validate/validator.h"

#include <algorithm>

namespace qkit::validate {

void Sink::add(Rule rule, std::string message, std::string file, std::string tensor) {
  add(rule, rule_info(rule).severity, std::move(message), std::move(file), std::move(tensor));
}

void Sink::add(Rule rule, Severity s, std::string message, std::string file, std::string tensor) {
  findings_.push_back(Finding{std::string(rule_info(rule).id), s, std::move(message), rel(file), std::move(tensor)});
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
  check_groups(ctx);
  if (!o.quick) check_numerics(ctx);
  check_targets(ctx);

  Report r;
  r.path = c.opened().string();
  r.target = o.target;
  r.target_label = o.spec().to_string();
  r.layout = c.layout();
  r.quick = o.quick;
  r.tensors = c.tensors().size();
  r.modules = c.modules().size();
  r.bytes_scanned = ctx.bytes_scanned;
  for (Finding& f : sink.findings()) {
    if (auto it = o.suppress.find(f.rule); it != o.suppress.end()) {
      r.suppressed.emplace_back(std::move(f), it->second);
      continue;
    }
    (f.severity == Severity::Error ? r.errors : f.severity == Severity::Warning ? r.warnings : r.infos)++;
    r.findings.push_back(std::move(f));
  }
  std::stable_sort(r.findings.begin(), r.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity < b.severity;
    if (a.rule != b.rule) return a.rule < b.rule;
    if (a.file != b.file) return a.file < b.file;
    return a.tensor < b.tensor;
  });
  return r;
}

}  // namespace qkit::validate
