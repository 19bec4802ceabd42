//===- validate/rules.cpp - the rule registry -----------------------------===//
#include "validate/rules.h"

#include <array>

namespace qkit::validate {
namespace {

using S = Severity;
constexpr bool kData = true, kMeta = false;

constexpr std::array kRules = {
    // container: the files themselves
    RuleInfo{Rule::ContainerShardUnreadable, "container.shard-unreadable", "container", S::Error, kMeta,
             "a weight file fails the strict safetensors checks (the reference reader would reject it too)"},
    RuleInfo{Rule::ContainerUnknownDtype, "container.unknown-dtype", "container", S::Error, kMeta,
             "a tensor's dtype is not one of the 22 safetensors dtypes: no runtime can load it"},
    RuleInfo{Rule::ContainerIndexMismatch, "container.index-mismatch", "container", S::Error, kMeta,
             "the shard index and the shard headers disagree (missing, unlisted, misplaced or duplicated tensors)"},
    RuleInfo{Rule::ContainerIndexTotalSize, "container.index-total-size", "container", S::Warning, kMeta,
             "the index's metadata.total_size differs from the bytes its tensors hold"},
    RuleInfo{Rule::ContainerPathEscape, "container.path-escape", "container", S::Error, kMeta,
             "a shard name in the index leaves the checkpoint directory (../, absolute path, symlink out)"},
    RuleInfo{Rule::ContainerStaleIndex, "container.stale-index", "container", S::Error, kMeta,
             "a float model.safetensors.index.json beside quantized shards: vLLM loads only what it lists"},
    RuleInfo{Rule::ContainerUnindexedShard, "container.unindexed-shard", "container", S::Warning, kMeta,
             "a weight file is not listed in the index: loaders following the index skip it"},
    RuleInfo{Rule::ContainerInterruptedSave, "container.interrupted-save", "container", S::Error, kMeta,
             "leftovers of an interrupted save (-of-00000 shard names, qkit temporary files)"},
    RuleInfo{Rule::ContainerConfig, "container.config", "container", S::Error, kMeta,
             "config.json is missing or unreadable (every runtime needs it; the deq_scale rule needs torch_dtype)"},
    RuleInfo{Rule::ContainerDescriptionCount, "container.description-count", "container", S::Error, kMeta,
             "no description file, several, or both families' at once (runtimes refuse 'multiple config files')"},
    // description: the description file against the tensors
    RuleInfo{Rule::DescriptionUnreadable, "description.unreadable", "description", S::Error, kMeta, "the description file is not valid JSON"},
    RuleInfo{Rule::DescriptionReservedKey, "description.reserved-key", "description", S::Error, kMeta,
             "a reserved key (model_quant_type, version, group_size, metadata, ...) has the wrong type"},
    RuleInfo{Rule::DescriptionUndescribedTensor, "description.undescribed-tensor", "description", S::Error, kMeta,
             "a stored tensor has no description entry (known exceptions: QuaRot rotation tensors)"},
    RuleInfo{Rule::DescriptionMissingTensor, "description.missing-tensor", "description", S::Error, kMeta,
             "the description names a tensor that no shard stores"},
    RuleInfo{Rule::DescriptionUnknownType, "description.unknown-type", "description", S::Error, kMeta,
             "a description value is not a quant type either family writes"},
    RuleInfo{Rule::DescriptionModelQuantType, "description.model-quant-type", "description", S::Warning, kMeta,
             "model_quant_type is absent or not one of the types the tensors use"},
    RuleInfo{Rule::DescriptionAttentionType, "description.attention-type", "description", S::Error, kMeta,
             "a per-layer attention quant_type string (\"Q_FP8_DYNAMIC_KV_FP8\") is not one msModelSlim composes"},
    // scheme: every quantized module against the scheme table
    RuleInfo{Rule::SchemeMissingTensor, "scheme.missing-tensor", "scheme", S::Error, kMeta,
             "a tensor the module's quant type requires is absent (runtimes then compute with garbage)"},
    RuleInfo{Rule::SchemeDtype, "scheme.dtype", "scheme", S::Error, kMeta, "a tensor has a dtype its scheme does not allow"},
    RuleInfo{Rule::SchemeDeqScaleDtype, "scheme.deq-scale-dtype", "scheme", S::Error, kMeta,
             "deq_scale's dtype does not follow torch_dtype (F32 for bf16, I64 bit pattern otherwise): loads as garbage"},
    RuleInfo{Rule::SchemeShape, "scheme.shape", "scheme", S::Error, kMeta,
             "a tensor's shape differs from its scheme's ([n,k], [n], [n,1], [n,G], head counts, packing)"},
    RuleInfo{Rule::SchemeUnexpectedTensor, "scheme.unexpected-tensor", "scheme", S::Error, kMeta,
             "a module holds a tensor its scheme does not have (vLLM-Ascend fails with KeyError)"},
    RuleInfo{Rule::SchemeInt4Marker, "scheme.int4-marker", "scheme", S::Error, kMeta,
             "a Golden-Stick packed int4 weight lacks its __metadata__ \"Int4\" marker"},
    RuleInfo{Rule::SchemeTag, "scheme.tag", "scheme", S::Warning, kMeta,
             "a module tensor's description tag differs from what its producer writes"},
    RuleInfo{Rule::SchemeNoScheme, "scheme.no-scheme", "scheme", S::Error, kMeta, "the quant type is not one this family writes"},
    RuleInfo{Rule::SchemeOrphanTensor, "scheme.orphan-tensor", "scheme", S::Error, kMeta,
             "a quantization tensor (scale, offset, ...) whose module has no weight"},
    RuleInfo{Rule::SchemeGroupSize, "scheme.group-size", "scheme", S::Error, kMeta,
             "per-group tensors without a usable group_size (absent, or not dividing the input size)"},
    RuleInfo{Rule::SchemeFloatIntegerWeight, "scheme.float-integer-weight", "scheme", S::Error, kMeta,
             "an integer weight tagged FLOAT: every runtime loads it as a float layer and computes garbage"},
    // group: modules that must agree with each other
    RuleInfo{Rule::GroupFusedType, "group.fused-type", "group", S::Error, kMeta,
             "fused members (q/k/v, gate/up, experts of a layer) have different quant types"},
    RuleInfo{Rule::GroupFusedActivation, "group.fused-activation", "group", S::Error, kData,
             "fused static-W8A8 members have different input_scale/input_offset (the last one loaded wins)"},
    RuleInfo{Rule::GroupModuleType, "group.module-type", "group", S::Info, kMeta,
             "tensors of one module carry different tags (vllm-mindspore rejects this as inner_conflict)"},
    // numeric: tensor values (streamed; skipped by --quick)
    RuleInfo{Rule::NumericNanInf, "numeric.nan-inf", "numeric", S::Error, kData, "a float tensor holds NaN or Inf"},
    RuleInfo{Rule::NumericScale, "numeric.scale", "numeric", S::Error, kData, "a scale is not finite and positive"},
    RuleInfo{Rule::NumericOffset, "numeric.offset", "numeric", S::Error, kData,
             "an offset is not an integer in the int8 range, or is non-zero where the scheme is symmetric"},
    RuleInfo{Rule::NumericDeqScale, "numeric.deq-scale", "numeric", S::Error, kData,
             "deq_scale differs from input_scale x weight_scale beyond the rounding of the stored dtypes"},
    RuleInfo{Rule::NumericQuantBias, "numeric.quant-bias", "numeric", S::Error, kData,
             "quant_bias disagrees with the weights, input_offset and bias under the family's convention"},
    RuleInfo{Rule::NumericInt4Range, "numeric.int4-range", "numeric", S::Error, kData, "an unpacked int4 weight holds values outside [-8, 7]"},
    RuleInfo{Rule::NumericScaleBias, "numeric.scale-bias", "numeric", S::Error, kData,
             "W4A8_DYNAMIC scale_bias is not 8 x the sum of the dequantized weight per row / k-chunk (vLLM-Ascend uses it as stored)"},
    RuleInfo{Rule::NumericDegenerateWeight, "numeric.degenerate-weight", "numeric", S::Warning, kData, "a weight tensor is all zeros or constant"},
    // target: what the chosen runtime supports and needs
    RuleInfo{Rule::TargetFamily, "target.family", "target", S::Error, kMeta,
             "the runtime reads the other family's format (convert with qconvert first)"},
    RuleInfo{Rule::TargetUnsupportedType, "target.unsupported-type", "target", S::Error, kMeta, "the runtime cannot load this quant type"},
    RuleInfo{Rule::TargetDescriptionName, "target.description-name", "target", S::Error, kMeta,
             "the description file name is not one the runtime looks for (vLLM-Ascend >= 0.17: exactly "
             "quant_model_description.json)"},
    RuleInfo{Rule::TargetQuantizationConfig, "target.quantization-config", "target", S::Error, kMeta,
             "config.json quantization_config hijacks the description (vLLM-Ascend) or routes to another backend"},
    RuleInfo{Rule::TargetMindieConfig, "target.mindie-config", "target", S::Error, kMeta,
             "config.json quantize / group_size / kv_quant_type / reduce_quant_type values MindIE rejects"},
    RuleInfo{Rule::TargetCoverage, "target.coverage", "target", S::Error, kMeta,
             "a weight the runtime looks up has no description entry (embed_tokens, lm_head, MTP layers: KeyError)"},
    RuleInfo{Rule::TargetKvCacheKey, "target.kv-cache-key", "target", S::Error, kMeta,
             "KV-cache int8 tensors and the kv_cache_type / kv_quant_type keys disagree"},
    RuleInfo{Rule::TargetFaQuantKey, "target.fa-quant-key", "target", S::Error, kMeta,
             "FA quant tensors and fa_quant_type disagree, or use names the runtime does not find"},
    RuleInfo{Rule::TargetGroupSize, "target.group-size", "target", S::Error, kMeta,
             "group_size the runtime's kernels reject (W4A8 per-group on vLLM-Ascend, int4 groups other than 64/128)"},
    RuleInfo{Rule::TargetParameter, "target.parameter", "target", S::Error, kMeta,
             "a tensor's shape differs from the parameter the runtime creates (shape assert at load), or its dtype "
             "would be cast into garbage (deq_scale bit patterns)"},
    RuleInfo{Rule::TargetPackedVersion, "target.packed-version", "target", S::Error, kMeta,
             "packed int4 W4A8 weights [n/2,k] but the description's version does not say packed (\"1.0.0\")"},
    RuleInfo{Rule::SchemeLayoutNotChecked, "scheme.layout-not-checked", "scheme", S::Warning, kMeta,
             "a quantized layout whose tensors qkit does not check yet (compressed-tensors, other quant_methods): "
             "only the container and config.json were"},
    RuleInfo{Rule::SchemeWeightShape, "scheme.weight-shape", "scheme", S::Error, kData,
             "a pack-quantized weight's weight_shape disagrees with its weight_packed (the loader unpacks the wrong "
             "number of values)"},
};

// Every Rule has its row, in enum order.
constexpr bool rows_in_enum_order() {
  for (std::size_t i = 0; i < kRules.size(); ++i)
    if (static_cast<std::size_t>(kRules[i].rule) != i) return false;
  return true;
}
static_assert(rows_in_enum_order(), "kRules must list every Rule once, in enum order");

// Checkpoint diagnostics -> rules. First by error code; codes that can
// concern any file (I/O, JSON syntax, ...) by the file they are about.
struct CodeRule {
  Errc code;
  std::optional<Rule> rule;            // nullopt: reported through another diagnostic
  std::optional<Severity> severity;    // reported with this instead of the rule's
};
constexpr CodeRule kByCode[] = {
    {Errc::dtype_unknown, Rule::ContainerUnknownDtype, std::nullopt},
    {Errc::index_tensor_missing, Rule::ContainerIndexMismatch, std::nullopt},
    {Errc::index_tensor_unlisted, Rule::ContainerIndexMismatch, std::nullopt},
    {Errc::index_tensor_elsewhere, Rule::ContainerIndexMismatch, std::nullopt},
    {Errc::index_tensor_in_two_shards, Rule::ContainerIndexMismatch, std::nullopt},
    {Errc::index_missing_shard, Rule::ContainerIndexMismatch, std::nullopt},
    {Errc::index_total_size, Rule::ContainerIndexTotalSize, std::nullopt},
    {Errc::index_shard_path, Rule::ContainerPathEscape, std::nullopt},
    {Errc::index_bad_shard, std::nullopt, std::nullopt},  // the shard's own error is reported
    {Errc::ckpt_stale_index, Rule::ContainerStaleIndex, std::nullopt},
    {Errc::ckpt_unindexed_file, Rule::ContainerUnindexedShard, std::nullopt},
    {Errc::ckpt_interrupted_save, Rule::ContainerInterruptedSave, std::nullopt},
    {Errc::ckpt_naming, Rule::TargetDescriptionName, Severity::Warning},
    {Errc::ckpt_description_ambiguous, Rule::ContainerDescriptionCount, std::nullopt},
    {Errc::ckpt_description_several, Rule::ContainerDescriptionCount, std::nullopt},
    {Errc::ckpt_description_missing, Rule::ContainerDescriptionCount, std::nullopt},
    {Errc::ckpt_dtype_inferred, Rule::ContainerConfig, Severity::Warning},
    {Errc::ckpt_config_missing, Rule::ContainerConfig, std::nullopt},
};
struct SubjectRule {
  DiagSubject subject;
  Rule rule;
  std::optional<Errc> only_code;  // the row applies to this code only
};
constexpr SubjectRule kBySubject[] = {
    {DiagSubject::Description, Rule::DescriptionReservedKey, Errc::json_schema},
    {DiagSubject::Description, Rule::DescriptionUnreadable, std::nullopt},
    {DiagSubject::Config, Rule::ContainerConfig, std::nullopt},
    {DiagSubject::Index, Rule::ContainerIndexMismatch, std::nullopt},
    {DiagSubject::Shard, Rule::ContainerShardUnreadable, std::nullopt},
    {DiagSubject::Directory, Rule::ContainerShardUnreadable, std::nullopt},
};

constexpr FollowsFrom kFollows[] = {
    {Rule::NumericScale, Rule::NumericNanInf, "a NaN or Inf scale is also not a positive number"},
    {Rule::NumericDeqScale, Rule::NumericNanInf, "deq_scale is compared with input_scale x weight_scale"},
    {Rule::NumericDeqScale, Rule::NumericScale, "deq_scale is compared with input_scale x weight_scale"},
    {Rule::NumericQuantBias, Rule::NumericNanInf, "quant_bias is recomputed from the module's scales and offset"},
    {Rule::NumericQuantBias, Rule::NumericScale, "quant_bias is recomputed from the module's scales and offset"},
    {Rule::NumericQuantBias, Rule::NumericOffset, "quant_bias is recomputed from the module's scales and offset"},
    {Rule::NumericQuantBias, Rule::NumericDeqScale, "quant_bias is recomputed from deq_scale"},
    {Rule::NumericScaleBias, Rule::NumericNanInf, "scale_bias is recomputed from the dequantized weight"},
    {Rule::NumericScaleBias, Rule::NumericScale, "scale_bias is recomputed from the dequantized weight"},
    {Rule::NumericScaleBias, Rule::NumericInt4Range, "scale_bias is recomputed from the dequantized weight"},
    {Rule::SchemeGroupSize, Rule::SchemeShape, "a misshapen scale is read as per-group"},
    {Rule::SchemeOrphanTensor, Rule::SchemeFloatIntegerWeight, "the weight's FLOAT tag leaves its scales without a module"},
    {Rule::TargetParameter, Rule::SchemeShape, "the loader's shape assert fails on the tensor the scheme already rejects"},
    {Rule::TargetParameter, Rule::SchemeDtype, "the loader's dtype check fails on the tensor the scheme already rejects"},
};

constexpr std::array<std::string_view, 6> kFamilies = {"container", "description", "scheme",
                                                      "group",     "numeric",     "target"};

}  // namespace

std::string_view target_name(Target t) {
  switch (t) {
    case Target::Any: return "any";
    case Target::VllmAscend: return "vllm-ascend";
    case Target::MindIE: return "mindie";
    case Target::VllmMindSpore: return "vllm-mindspore";
    case Target::MindFormers: return "mindformers";
    case Target::Vllm: return "vllm";
  }
  return "any";
}

std::optional<Target> parse_target(std::string_view s) {
  for (Target t : {Target::Any, Target::VllmAscend, Target::MindIE, Target::VllmMindSpore, Target::MindFormers, Target::Vllm})
    if (target_name(t) == s) return t;
  return std::nullopt;
}

std::span<const RuleInfo> all_rules() { return kRules; }
const RuleInfo& rule_info(Rule r) { return kRules[static_cast<std::size_t>(r)]; }

std::optional<DiagnosticVerdict> rule_for_diagnostic(const Diagnostic& d) {
  for (const CodeRule& row : kByCode)
    if (row.code == d.error.code) {
      if (!row.rule) return std::nullopt;
      return DiagnosticVerdict{*row.rule, row.severity.value_or(rule_info(*row.rule).severity)};
    }
  for (const SubjectRule& row : kBySubject)
    if (row.subject == d.subject && (!row.only_code || *row.only_code == d.error.code))
      return DiagnosticVerdict{row.rule, rule_info(row.rule).severity};
  return DiagnosticVerdict{Rule::ContainerShardUnreadable, rule_info(Rule::ContainerShardUnreadable).severity};
}
std::span<const std::string_view> rule_families() { return kFamilies; }
std::span<const FollowsFrom> rule_consequences() { return kFollows; }

const RuleInfo* find_rule(std::string_view id) {
  for (const RuleInfo& r : kRules)
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace qkit::validate
