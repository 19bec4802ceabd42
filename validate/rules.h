//===- validate/rules.h - qvalidate's rules: one registry ----------------===//
//
// Every rule has a stable id ("<family>.<name>"), the family it reports
// under (one JUnit test case per family), the severity it usually has, and
// one line saying what it catches and why it matters. Checks emit findings
// under these ids; --list-rules, the JUnit report and docs/rules.md are
// produced from this table.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "formats/checkpoint.h"

namespace qkit::validate {

enum class Target : std::uint8_t { Any, VllmAscend, MindIE, VllmMindSpore, MindFormers };
std::string_view target_name(Target t);  // "any", "vllm-ascend", ...
std::optional<Target> parse_target(std::string_view s);

struct RuleInfo {
  std::string_view id;
  std::string_view family;     // container, description, scheme, group, numeric, target
  Severity severity;           // the usual severity (some checks raise or lower it per target)
  bool reads_data;             // needs tensor bytes: skipped by --quick
  std::string_view summary;
};

std::span<const RuleInfo> all_rules();
const RuleInfo* find_rule(std::string_view id);
std::span<const std::string_view> rule_families();

}  // namespace qkit::validate
