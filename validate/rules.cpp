//===- validate/rules.cpp - the rule registry -----------------------------===//
#include "validate/rules.h"

#include <array>

namespace qkit::validate {
namespace {

using S = Severity;
constexpr bool kData = true, kMeta = false;

constexpr std::array kRules = {
    // container: the files themselves
    RuleInfo{"container.shard-unreadable", "container", S::Error, kMeta,
             "a weight file fails the strict safetensors checks (the reference reader would reject it too)"},
    RuleInfo{"container.unknown-dtype", "container", S::Error, kMeta,
             "a tensor's dtype is not one of the 22 safetensors dtypes: no runtime can load it"},
    RuleInfo{"container.index-mismatch", "container", S::Error, kMeta,
             "the shard index and the shard headers disagree (missing, unlisted, misplaced or duplicated tensors)"},
    RuleInfo{"container.index-total-size", "container", S::Warning, kMeta,
             "the index's metadata.total_size differs from the bytes its tensors hold"},
    RuleInfo{"container.path-escape", "container", S::Error, kMeta,
             "a shard name in the index leaves the checkpoint directory (../, absolute path, symlink out)"},
    RuleInfo{"container.stale-index", "container", S::Error, kMeta,
             "a float model.safetensors.index.json beside quantized shards: vLLM loads only what it lists"},
    RuleInfo{"container.unindexed-shard", "container", S::Warning, kMeta,
             "a weight file is not listed in the index: loaders following the index skip it"},
    RuleInfo{"container.interrupted-save", "container", S::Error, kMeta,
             "leftovers of an interrupted save (-of-00000 shard names, qkit temporary files)"},
    RuleInfo{"container.config", "container", S::Error, kMeta,
             "config.json is missing or unreadable (every runtime needs it; the deq_scale rule needs torch_dtype)"},
    RuleInfo{"container.description-count", "container", S::Error, kMeta,
             "no description file, several, or both families' at once (runtimes refuse 'multiple config files')"},
    // description: the description file against the tensors
    RuleInfo{"description.unreadable", "description", S::Error, kMeta, "the description file is not valid JSON"},
    RuleInfo{"description.reserved-key", "description", S::Error, kMeta,
             "a reserved key (model_quant_type, version, group_size, metadata, ...) has the wrong type"},
    RuleInfo{"description.undescribed-tensor", "description", S::Error, kMeta,
             "a stored tensor has no description entry (known exceptions: QuaRot rotation tensors)"},
    RuleInfo{"description.missing-tensor", "description", S::Error, kMeta,
             "the description names a tensor that no shard stores"},
    RuleInfo{"description.unknown-type", "description", S::Error, kMeta,
             "a description value is not a quant type either family writes"},
    RuleInfo{"description.model-quant-type", "description", S::Warning, kMeta,
             "model_quant_type is absent or not one of the types the tensors use"},
    // scheme: every quantized module against the scheme table
    RuleInfo{"scheme.missing-tensor", "scheme", S::Error, kMeta,
             "a tensor the module's quant type requires is absent (runtimes then compute with garbage)"},
    RuleInfo{"scheme.dtype", "scheme", S::Error, kMeta, "a tensor has a dtype its scheme does not allow"},
    RuleInfo{"scheme.deq-scale-dtype", "scheme", S::Error, kMeta,
             "deq_scale's dtype does not follow torch_dtype (F32 for bf16, I64 bit pattern otherwise): loads as garbage"},
    RuleInfo{"scheme.shape", "scheme", S::Error, kMeta,
             "a tensor's shape differs from its scheme's ([n,k], [n], [n,1], [n,G], head counts, packing)"},
    RuleInfo{"scheme.unexpected-tensor", "scheme", S::Error, kMeta,
             "a module holds a tensor its scheme does not have (vLLM-Ascend fails with KeyError)"},
    RuleInfo{"scheme.int4-marker", "scheme", S::Error, kMeta,
             "a Golden-Stick packed int4 weight lacks its __metadata__ \"Int4\" marker"},
    RuleInfo{"scheme.tag", "scheme", S::Warning, kMeta,
             "a module tensor's description tag differs from what its producer writes"},
    RuleInfo{"scheme.no-scheme", "scheme", S::Error, kMeta, "the quant type is not one this family writes"},
    RuleInfo{"scheme.orphan-tensor", "scheme", S::Error, kMeta,
             "a quantization tensor (scale, offset, ...) whose module has no weight"},
    RuleInfo{"scheme.group-size", "scheme", S::Error, kMeta,
             "per-group tensors without a usable group_size (absent, or not dividing the input size)"},
    // group: modules that must agree with each other
    RuleInfo{"group.fused-type", "group", S::Error, kMeta,
             "fused members (q/k/v, gate/up, experts of a layer) have different quant types"},
    RuleInfo{"group.fused-activation", "group", S::Error, kData,
             "fused static-W8A8 members have different input_scale/input_offset (the last one loaded wins)"},
    RuleInfo{"group.module-type", "group", S::Info, kMeta,
             "tensors of one module carry different tags (vllm-mindspore rejects this as inner_conflict)"},
    // numeric: tensor values (streamed; skipped by --quick)
    RuleInfo{"numeric.nan-inf", "numeric", S::Error, kData, "a float tensor holds NaN or Inf"},
    RuleInfo{"numeric.scale", "numeric", S::Error, kData, "a scale is not finite and positive"},
    RuleInfo{"numeric.offset", "numeric", S::Error, kData,
             "an offset is not an integer in the int8 range, or is non-zero where the scheme is symmetric"},
    RuleInfo{"numeric.deq-scale", "numeric", S::Error, kData,
             "deq_scale differs from input_scale x weight_scale beyond the rounding of the stored dtypes"},
    RuleInfo{"numeric.quant-bias", "numeric", S::Error, kData,
             "quant_bias disagrees with the weights, input_offset and bias under the family's convention"},
    RuleInfo{"numeric.int4-range", "numeric", S::Error, kData, "an unpacked int4 weight holds values outside [-8, 7]"},
    RuleInfo{"numeric.degenerate-weight", "numeric", S::Warning, kData, "a weight tensor is all zeros or constant"},
    // target: what the chosen runtime supports and needs
    RuleInfo{"target.family", "target", S::Error, kMeta,
             "the runtime reads the other family's format (convert with qconvert first)"},
    RuleInfo{"target.unsupported-type", "target", S::Error, kMeta, "the runtime cannot load this quant type"},
    RuleInfo{"target.description-name", "target", S::Error, kMeta,
             "the description file name is not one the runtime looks for (vLLM-Ascend >= 0.17: exactly "
             "quant_model_description.json)"},
    RuleInfo{"target.quantization-config", "target", S::Error, kMeta,
             "config.json quantization_config hijacks the description (vLLM-Ascend) or routes to another backend"},
    RuleInfo{"target.mindie-config", "target", S::Error, kMeta,
             "config.json quantize / group_size / kv_quant_type / reduce_quant_type values MindIE rejects"},
    RuleInfo{"target.coverage", "target", S::Error, kMeta,
             "a weight the runtime looks up has no description entry (embed_tokens, lm_head, MTP layers: KeyError)"},
    RuleInfo{"target.kv-cache-key", "target", S::Error, kMeta,
             "KV-cache int8 tensors and the kv_cache_type / kv_quant_type keys disagree"},
    RuleInfo{"target.fa-quant-key", "target", S::Error, kMeta,
             "FA quant tensors and fa_quant_type disagree, or use names the runtime does not find"},
    RuleInfo{"target.group-size", "target", S::Error, kMeta,
             "group_size the runtime's kernels reject (W4A8 per-group on vLLM-Ascend, int4 groups other than 64/128)"},
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
  }
  return "any";
}

std::optional<Target> parse_target(std::string_view s) {
  for (Target t : {Target::Any, Target::VllmAscend, Target::MindIE, Target::VllmMindSpore, Target::MindFormers})
    if (target_name(t) == s) return t;
  return std::nullopt;
}

std::span<const RuleInfo> all_rules() { return kRules; }
std::span<const std::string_view> rule_families() { return kFamilies; }

const RuleInfo* find_rule(std::string_view id) {
  for (const RuleInfo& r : kRules)
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace qkit::validate
