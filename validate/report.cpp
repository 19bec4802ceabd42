//===- validate/report.cpp ------------------------------------------------===//
#include "validate/report.h"

#include "validate/findings_text.h"

#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

namespace qkit::validate {
namespace {

std::string xml_escape(std::string_view s) {
  std::string out;
  for (unsigned char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (ch < 0x20 && ch != '\n' && ch != '\t') out += "?";  // not representable in XML 1.0
        else out += static_cast<char>(ch);
    }
  }
  return out;
}


// JUnit's failure text: where, what, and what it follows from.
std::string one_line(const Finding& f, const Report& r) {
  std::string s;
  if (!f.file.empty()) s += escape_for_display(f.file);
  if (!f.tensor.empty()) s += (s.empty() ? "" : "  ") + escape_for_display(f.tensor);
  s += (s.empty() ? "" : ": ") + escape_for_display(f.message) + "  [" + f.rule + "]";
  if (f.cause && f.cause <= r.findings.size()) {
    const Finding& c = r.findings[f.cause - 1];
    s += " (follows from " + c.rule + " on " + escape_for_display(c.tensor.empty() ? c.file : c.tensor) + ")";
  }
  return s;
}

}  // namespace

std::string render_text(const Report& r, const TextStyle& st) {
  auto paint = [&](const char* code, const std::string& s) {
    return st.color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  };
  std::ostringstream o;
  o << "qvalidate: " << escape_for_display(r.path) << " (" << layout_name(r.layout) << "), target "
    << r.target_label << (r.quick ? ", quick" : "") << "\n";
  struct Group {
    Severity s;
    const char* title;
    const char* color;
  } groups[] = {{Severity::Error, "errors", "1;31"}, {Severity::Warning, "warnings", "1;33"}, {Severity::Info, "info", "36"}};
  FindingsTextOptions fo;
  fo.verbose = st.verbose;
  for (const Group& g : groups) {
    if (g.s == Severity::Info && !st.verbose) continue;
    const RootCounts n = count_roots(r.findings, g.s);
    if (n.roots == 0) continue;
    std::string title = std::string(g.title) + " (" + std::to_string(n.roots) +
                        (n.consequences ? (n.roots == 1 ? " root cause, " : " root causes, ") + std::to_string(n.consequences) +
                                              (n.consequences == 1 ? " consequence" : " consequences")
                                        : std::string()) +
                        "):";
    o << "\n" << paint(g.color, title) << "\n";
    render_findings(o, r.findings, g.s, fo);
  }
  if (!r.suppressed.empty()) {
    std::map<std::string, std::pair<std::size_t, std::string>> by_rule;
    for (const auto& [f, reason] : r.suppressed) {
      by_rule[f.rule].first++;
      by_rule[f.rule].second = reason;
    }
    o << "\nsuppressed:";
    for (const auto& [rule, e] : by_rule)
      o << "\n  " << rule << " (" << e.first << ")" << (e.second.empty() ? "" : ": " + escape_for_display(e.second));
    o << "\n";
  }
  const bool pass = r.errors == 0;
  const RootCounts roots = count_roots(r.findings, Severity::Error);
  o << "\n"
    << paint(pass ? "1;32" : "1;31", pass ? "PASS" : "FAIL") << ": " << r.errors << " error" << (r.errors == 1 ? "" : "s")
    << (roots.roots != r.errors ? " (" + std::to_string(roots.roots) + (roots.roots == 1 ? " root cause)" : " root causes)") : "")
    << ", " << r.warnings << " warning" << (r.warnings == 1 ? "" : "s") << ", " << r.infos << " info ("
    << r.tensors << " tensors, " << r.modules << " quantized modules, "
    << (r.quick ? std::string("headers only") : std::to_string(r.bytes_scanned) + " bytes scanned") << ")"
    << (r.infos && !st.verbose ? "; --verbose lists info" : "") << "\n";
  return o.str();
}

std::string render_json(const Report& r) {
  nlohmann::ordered_json j;
  j["path"] = r.path;
  j["target"] = r.target_label;
  j["layout"] = std::string(layout_name(r.layout));
  j["quick"] = r.quick;
  j["findings"] = nlohmann::ordered_json::array();
  for (const Finding& f : r.findings) {
    nlohmann::ordered_json e;
    e["id"] = f.id;
    if (f.cause) e["cause"] = f.cause;
    e["rule"] = f.rule;
    e["severity"] = std::string(severity_name(f.severity));
    e["message"] = f.message;
    if (!f.file.empty()) e["file"] = f.file;
    if (!f.tensor.empty()) e["tensor"] = f.tensor;
    j["findings"].push_back(std::move(e));
  }
  j["counts"] = {{"error", r.errors}, {"warning", r.warnings}, {"info", r.infos}};
  j["suppressed"] = nlohmann::ordered_json::array();
  std::map<std::string, std::pair<std::size_t, std::string>> by_rule;
  for (const auto& [f, reason] : r.suppressed) {
    by_rule[f.rule].first++;
    by_rule[f.rule].second = reason;
  }
  for (const auto& [rule, e] : by_rule)
    j["suppressed"].push_back({{"rule", rule}, {"count", e.first}, {"reason", e.second}});
  // Names from untrusted files may hold invalid UTF-8: replace, never throw.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// One test case per rule (so CI can track each rule over time), grouped in
// one test suite per family: failed with every error finding, skipped for
// value rules under --quick, warnings and infos as its output.
std::string render_junit(const Report& r) {
  std::map<std::string, std::vector<const Finding*>> by_rule;
  for (const Finding& f : r.findings) by_rule[f.rule].push_back(&f);
  std::map<std::string, std::size_t> suppressed;
  for (const auto& [f, reason] : r.suppressed) ++suppressed[f.rule];
  std::ostringstream suites;
  std::size_t total = 0, total_failures = 0;
  for (std::string_view fam : rule_families()) {
    std::ostringstream body;
    std::size_t tests = 0, failures = 0, skipped = 0;
    for (const RuleInfo& rule : all_rules()) {
      if (rule.family != fam) continue;
      ++tests;
      const std::string id(rule.id);
      std::vector<const Finding*> errors, others;
      if (auto it = by_rule.find(id); it != by_rule.end())
        for (const Finding* f : it->second) (f->severity == Severity::Error ? errors : others).push_back(f);
      body << "    <testcase classname=\"qvalidate." << fam << "\" name=\"" << id << "\">\n";
      if (rule.reads_data && r.quick) {
        body << "      <skipped message=\"--quick: tensor values not read\"/>\n";
        ++skipped;
      } else if (!errors.empty()) {
        ++failures;
        body << "      <failure type=\"error\" message=\"" << errors.size() << " error" << (errors.size() == 1 ? "" : "s")
             << "\">";
        for (const Finding* f : errors) body << xml_escape(one_line(*f, r)) << "\n";
        body << "</failure>\n";
      }
      if (!others.empty() || suppressed.count(id)) {
        body << "      <system-out>";
        for (const Finding* f : others) body << xml_escape(std::string(severity_name(f->severity)) + ": " + one_line(*f, r)) << "\n";
        if (auto s = suppressed.find(id); s != suppressed.end()) body << "suppressed: " << s->second << "\n";
        body << "</system-out>\n";
      }
      body << "    </testcase>\n";
    }
    total += tests;
    total_failures += failures;
    suites << "  <testsuite name=\"qvalidate." << fam << " " << xml_escape(r.path) << " (target " << r.target_label
           << ")\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\"0\" skipped=\"" << skipped << "\">\n"
           << body.str() << "  </testsuite>\n";
  }
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<testsuites name=\"qvalidate\" tests=\"" << total << "\" failures=\"" << total_failures << "\">\n"
    << suites.str() << "</testsuites>\n";
  return o.str();
}

std::string render_rules_markdown() {
  std::ostringstream o;
  o << "<!-- Generated by qkit-gendocs from validate/rules.cpp. Do not edit. -->\n"
       "# qvalidate rules\n\n"
       "Every rule qvalidate checks, by family (one JUnit test case per rule, one test\n"
       "suite per family). The\n"
       "severity is the usual one; where a rule depends on the target runtime, the\n"
       "check raises or lowers it (see the rule's messages). Rules marked *data* read\n"
       "tensor values and are skipped by `--quick`. Suppress a rule with\n"
       "`--suppress RULE=REASON`.\n";
  for (std::string_view fam : rule_families()) {
    o << "\n## " << fam << "\n\n| rule | severity | reads | what it catches |\n|---|---|---|---|\n";
    for (const RuleInfo& r : all_rules())
      if (r.family == fam)
        o << "| `" << r.id << "` | " << severity_name(r.severity) << " | " << (r.reads_data ? "data" : "headers")
          << " | " << r.summary << " |\n";
  }
  o << "\n## Consequences folded under their cause\n\n"
       "A finding of the first rule on a module follows from a finding of the second on the\n"
       "same module; reports fold it under that cause (JSON links it with `cause`). Causes that\n"
       "reach across modules are linked by their checks: an unreadable or missing shard (every\n"
       "tensor the index maps to it, and its modules), an unreadable description (every\n"
       "description, scheme, group and target finding), config.json's `torch_dtype` (every\n"
       "`deq_scale` dtype finding, when all agree), an integer weight tagged FLOAT (its fused\n"
       "group's type finding).\n\n"
       "| finding | follows from | why |\n|---|---|---|\n";
  for (const FollowsFrom& f : rule_consequences())
    o << "| `" << rule_info(f.consequence).id << "` | `" << rule_info(f.cause).id << "` | " << f.why << " |\n";
  return o.str();
}

}  // namespace qkit::validate
