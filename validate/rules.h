//===- validate/rules.h - qvalidate's rules: one registry ----------------===//
//
// Every rule is a value of the Rule enum (checked by the compiler) with one
// row in the table of rules.cpp: its stable id ("<family>.<name>"), the
// family it reports under, its default severity (a check passes another
// one only where a runtime or version changes it), whether it reads tensor
// values, and one line saying what it catches and why it matters. A second
// table there maps each library error code (formats/error.h), and failing
// that the kind of file a checkpoint diagnostic is about, to its rule.
// Checks emit findings by Rule; --list-rules, the JUnit report and
// docs/rules.md are produced from the table.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "formats/checkpoint.h"

namespace qkit::validate {

enum class Target : std::uint8_t { Any, VllmAscend, MindIE, VllmMindSpore, MindFormers, Vllm };
std::string_view target_name(Target t);  // "any", "vllm-ascend", ..., "vllm" (upstream vLLM, GPUs)
std::optional<Target> parse_target(std::string_view s);

enum class Rule : std::uint8_t {
  ContainerShardUnreadable,
  ContainerUnknownDtype,
  ContainerIndexMismatch,
  ContainerIndexTotalSize,
  ContainerPathEscape,
  ContainerStaleIndex,
  ContainerUnindexedShard,
  ContainerInterruptedSave,
  ContainerConfig,
  ContainerDescriptionCount,
  DescriptionUnreadable,
  DescriptionReservedKey,
  DescriptionUndescribedTensor,
  DescriptionMissingTensor,
  DescriptionUnknownType,
  DescriptionModelQuantType,
  DescriptionAttentionType,
  SchemeMissingTensor,
  SchemeDtype,
  SchemeDeqScaleDtype,
  SchemeShape,
  SchemeUnexpectedTensor,
  SchemeInt4Marker,
  SchemeTag,
  SchemeNoScheme,
  SchemeOrphanTensor,
  SchemeGroupSize,
  SchemeFloatIntegerWeight,
  GroupFusedType,
  GroupFusedActivation,
  GroupModuleType,
  NumericNanInf,
  NumericScale,
  NumericOffset,
  NumericDeqScale,
  NumericQuantBias,
  NumericInt4Range,
  NumericScaleBias,
  NumericDegenerateWeight,
  TargetFamily,
  TargetUnsupportedType,
  TargetDescriptionName,
  TargetQuantizationConfig,
  TargetMindieConfig,
  TargetCoverage,
  TargetKvCacheKey,
  TargetFaQuantKey,
  TargetGroupSize,
  TargetParameter,
  TargetPackedVersion,
  SchemeLayoutNotChecked,
  SchemeWeightShape,
};

struct RuleInfo {
  Rule rule;
  std::string_view id;
  std::string_view family;     // container, description, scheme, group, numeric, target
  Severity severity;           // the usual severity (some checks raise or lower it per target)
  bool reads_data;             // needs tensor bytes: skipped by --quick
  std::string_view summary;
};

std::span<const RuleInfo> all_rules();
const RuleInfo& rule_info(Rule r);
const RuleInfo* find_rule(std::string_view id);

// The rule a checkpoint diagnostic is reported under, and the severity it
// is reported with (the rule's, or less where the mapping says so);
// nullopt when another diagnostic already reports its cause.
struct DiagnosticVerdict {
  Rule rule;
  Severity severity;
};
std::optional<DiagnosticVerdict> rule_for_diagnostic(const Diagnostic& d);
std::span<const std::string_view> rule_families();

// A finding of `consequence` on a module follows from a finding of `cause`
// on the same module: the cause makes the consequence inevitable, so
// reports fold it under the cause (validate/findings_text.h). Only
// module-local pairs live here; causes that reach across modules (an
// unreadable shard, an unreadable description, config.json's dtype, a
// FLOAT-tagged member of a fused group) are linked by the check that knows.
struct FollowsFrom {
  Rule consequence;
  Rule cause;
  std::string_view why;
};
std::span<const FollowsFrom> rule_consequences();

}  // namespace qkit::validate
