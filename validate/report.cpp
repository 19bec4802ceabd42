//===- validate/report.cpp ------------------------------------------------===//
#include "validate/report.h"

#include "formats/json_write.h"
#include "validate/findings_text.h"

#include <algorithm>
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
  std::ostringstream o;
  render_text(o, r, st);
  return o.str();
}

void render_text(std::ostream& o, const Report& r, const TextStyle& st) {
  auto paint = [&](const char* code, const std::string& s) {
    return st.color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  };
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
}

std::string render_json(const Report& r) {
  std::ostringstream o;
  render_json(o, r);
  return o.str();
}

// Member by member, the findings one at a time: the bytes of dump(2) of
// the whole document (formats/json_write.h), which is never built.
void render_json(std::ostream& os, const Report& r) {
  using ojson = nlohmann::ordered_json;
  bool first = true;
  auto member = [&](const char* key, const ojson& value) {
    os << (first ? "{\n  \"" : ",\n  \"") << key << "\": ";
    write_nested(os, dump2(value), 1);
    first = false;
  };
  member("path", r.path);
  member("target", r.target_label);
  member("layout", std::string(layout_name(r.layout)));
  member("quick", r.quick);
  os << ",\n  \"findings\": ";
  if (r.findings.empty()) os << "[]";
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    ojson e;
    e["id"] = f.id;
    if (f.cause) e["cause"] = f.cause;
    e["rule"] = f.rule;
    e["severity"] = std::string(severity_name(f.severity));
    e["message"] = f.message;
    if (!f.file.empty()) e["file"] = f.file;
    if (!f.tensor.empty()) e["tensor"] = f.tensor;
    os << (i ? ",\n    " : "[\n    ");
    write_nested(os, dump2(e), 2);
    if (i + 1 == r.findings.size()) os << "\n  ]";
  }
  member("counts", {{"error", r.errors}, {"warning", r.warnings}, {"info", r.infos}});
  ojson suppressed = ojson::array();
  std::map<std::string, std::pair<std::size_t, std::string>> by_rule;
  for (const auto& [f, reason] : r.suppressed) {
    by_rule[f.rule].first++;
    by_rule[f.rule].second = reason;
  }
  for (const auto& [rule, e] : by_rule) suppressed.push_back({{"rule", rule}, {"count", e.first}, {"reason", e.second}});
  member("suppressed", suppressed);
  os << "\n}\n";
}

// One test case per rule (so CI can track each rule over time), grouped in
// one test suite per family: failed with every error finding, skipped for
// value rules under --quick, warnings and infos as its output.
std::string render_junit(const Report& r) {
  std::ostringstream o;
  render_junit(o, r);
  return o.str();
}

void render_junit(std::ostream& os, const Report& r) {
  std::map<std::string, std::vector<const Finding*>> by_rule;
  for (const Finding& f : r.findings) by_rule[f.rule].push_back(&f);
  std::map<std::string, std::size_t> suppressed;
  for (const auto& [f, reason] : r.suppressed) ++suppressed[f.rule];
  // The counts head their elements, so they are taken first; the cases are
  // then written as they are made.
  auto skipped_case = [&](const RuleInfo& rule) { return rule.reads_data && r.quick; };
  auto has_error = [&](const RuleInfo& rule) {
    auto it = by_rule.find(std::string(rule.id));
    return it != by_rule.end() &&
           std::any_of(it->second.begin(), it->second.end(), [](const Finding* f) { return f->severity == Severity::Error; });
  };
  struct Counts {
    std::size_t tests = 0, failures = 0, skipped = 0;
  };
  std::map<std::string_view, Counts> per_family;
  Counts all;
  for (std::string_view fam : rule_families())
    for (const RuleInfo& rule : all_rules()) {
      if (rule.family != fam) continue;
      Counts& c = per_family[fam];
      ++c.tests;
      ++all.tests;
      if (skipped_case(rule)) ++c.skipped;
      else if (has_error(rule)) ++c.failures, ++all.failures;
    }
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     << "<testsuites name=\"qvalidate\" tests=\"" << all.tests << "\" failures=\"" << all.failures << "\">\n";
  for (std::string_view fam : rule_families()) {
    const Counts& c = per_family[fam];
    os << "  <testsuite name=\"qvalidate." << fam << " " << xml_escape(r.path) << " (target " << r.target_label
       << ")\" tests=\"" << c.tests << "\" failures=\"" << c.failures << "\" errors=\"0\" skipped=\"" << c.skipped << "\">\n";
    for (const RuleInfo& rule : all_rules()) {
      if (rule.family != fam) continue;
      const std::string id(rule.id);
      std::vector<const Finding*> errors, others;
      if (auto it = by_rule.find(id); it != by_rule.end())
        for (const Finding* f : it->second) (f->severity == Severity::Error ? errors : others).push_back(f);
      os << "    <testcase classname=\"qvalidate." << fam << "\" name=\"" << id << "\">\n";
      if (skipped_case(rule)) {
        os << "      <skipped message=\"--quick: tensor values not read\"/>\n";
      } else if (!errors.empty()) {
        os << "      <failure type=\"error\" message=\"" << errors.size() << " error" << (errors.size() == 1 ? "" : "s")
           << "\">";
        for (const Finding* f : errors) os << xml_escape(one_line(*f, r)) << "\n";
        os << "</failure>\n";
      }
      if (!others.empty() || suppressed.count(id)) {
        os << "      <system-out>";
        for (const Finding* f : others) os << xml_escape(std::string(severity_name(f->severity)) + ": " + one_line(*f, r)) << "\n";
        if (auto s = suppressed.find(id); s != suppressed.end()) os << "suppressed: " << s->second << "\n";
        os << "</system-out>\n";
      }
      os << "    </testcase>\n";
    }
    os << "  </testsuite>\n";
  }
  os << "</testsuites>\n";
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
