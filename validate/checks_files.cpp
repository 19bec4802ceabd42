//===- validate/checks_files.cpp - container and description rules -------===//
//
// The container rules mostly re-state what opening the checkpoint found
// (formats/checkpoint.h diagnostics) under the rule that covers it; the
// description rules compare the description file with the stored tensors.
//
//===----------------------------------------------------------------------===//
#include <set>

#include "validate/validator.h"

namespace qkit::validate {
namespace {

// Which rule a checkpoint diagnostic belongs to ("" = reported elsewhere).
std::string_view rule_for(Errc code) {
  switch (code) {
    case Errc::dtype_unknown: return "container.unknown-dtype";
    case Errc::index_tensor_missing:
    case Errc::index_tensor_unlisted:
    case Errc::index_tensor_elsewhere:
    case Errc::index_tensor_in_two_shards:
    case Errc::index_missing_shard:
      return "container.index-mismatch";
    case Errc::index_total_size: return "container.index-total-size";
    case Errc::index_shard_path: return "container.path-escape";
    case Errc::index_bad_shard: return "";  // the shard's own error is reported
    case Errc::ckpt_stale_index: return "container.stale-index";
    case Errc::ckpt_unindexed_file: return "container.unindexed-shard";
    case Errc::ckpt_interrupted_save: return "container.interrupted-save";
    case Errc::ckpt_naming: return "target.description-name";
    case Errc::ckpt_description_ambiguous:
    case Errc::ckpt_description_several:
    case Errc::ckpt_description_missing:
      return "container.description-count";
    case Errc::ckpt_dtype_inferred:
    case Errc::ckpt_config_missing:
      return "container.config";
    default:
      return {};
  }
}

// QuaRot rotation tensors msModelSlim writes without a description entry.
bool undescribed_by_design(std::string_view name) {
  return std::string_view(name).ends_with(".heads_rotation") || std::string_view(name).ends_with(".kronecker_rotation_m") ||
         std::string_view(name).ends_with(".kronecker_rotation_n") || name == "rot.weight";
}

}  // namespace

void check_container(Context& ctx) {
  const Checkpoint& c = ctx.c;
  const std::string desc_path = (c.root() / c.description_name()).string();
  for (const Diagnostic& d : c.diagnostics()) {
    const Error& e = d.error;
    std::string_view rule = rule_for(e.code);
    Severity sev = d.severity;
    if (rule.empty()) {
      // Whose file is it? Shards, the index, the description or config.json.
      if (std::string_view(e.file).ends_with(".safetensors")) rule = "container.shard-unreadable";
      else if (std::string_view(e.file).ends_with("config.json")) rule = "container.config";
      else if (is_index_file_name(std::filesystem::path(e.file).filename().string())) rule = "container.index-mismatch";
      else if (!c.description_name().empty() && e.file == desc_path)
        rule = e.code == Errc::json_schema ? "description.reserved-key" : "description.unreadable";
      else if (e.code == Errc::index_bad_shard) continue;
      else rule = "container.shard-unreadable";
    }
    // The rule's usual severity, except where the diagnostic says less.
    if (const RuleInfo* info = find_rule(rule)) sev = info->severity;
    if (e.code == Errc::ckpt_dtype_inferred || e.code == Errc::ckpt_naming) sev = Severity::Warning;
    ctx.out.add(rule, sev, e.detail.empty() ? std::string(error_message(e.code)) : e.detail, e.file, e.tensor);
  }
  const bool quantized = c.family().has_value();
  if (quantized && c.description_name().empty())
    ctx.out.add("container.description-count", Severity::Error, "no description file", c.root().string());
  if (quantized && c.config() && !c.config()->dtype && !c.model_dtype())
    ctx.out.add("container.config", Severity::Error,
                "config.json has no torch_dtype and the model dtype cannot be inferred", "config.json");
}

void check_description(Context& ctx) {
  const Checkpoint& c = ctx.c;
  auto fam = c.family();
  if (!fam) return;
  const std::map<std::string, std::string>* types = c.ms_description()   ? &c.ms_description()->tensor_types
                                                    : c.gs_description() ? &c.gs_description()->tensor_types
                                                                         : nullptr;
  if (types == nullptr) return;  // unreadable or missing: reported above
  const std::string desc = c.description_name();
  // Bijection between stored and described tensors.
  for (const TensorRef& t : c.tensors())
    if (!types->count(t.info->name) && !undescribed_by_design(t.info->name))
      ctx.out.add("description.undescribed-tensor", Severity::Error,
                  "stored in " + c.shard_of(t).name + " but not in " + desc, desc, t.info->name);
  bool all_shards_read = true;
  for (const ShardFile& s : c.shards()) all_shards_read &= s.file != nullptr;
  if (all_shards_read)
    for (const auto& [name, tag] : *types)
      if (c.find(name) == nullptr)
        ctx.out.add("description.missing-tensor", Severity::Error, "described as " + tag + " but stored in no shard",
                    desc, name);
  // Type strings.
  std::set<std::string> linear_types;
  for (const auto& [name, tag] : *types) {
    auto p = parse_quant_type(tag);
    if (!p) {
      ctx.out.add("description.unknown-type", Severity::Error, "'" + tag + "' is not a quant type either family writes",
                  desc, name);
      continue;
    }
    if (quant_type_info(p->type).scope == QuantScope::Linear && std::string_view(name).ends_with(".weight"))
      linear_types.insert(std::string(quant_type_name(p->type)));
  }
  if (fam == Family::MsModelSlim && c.ms_description()) {
    const MsDescription& d = *c.ms_description();
    if (!d.model_quant_type) {
      ctx.out.add("description.model-quant-type", Severity::Warning, "no model_quant_type (msModelSlim always writes it)",
                  desc);
    } else if (auto p = parse_quant_type(*d.model_quant_type); !p) {
      ctx.out.add("description.model-quant-type", Severity::Error,
                  "model_quant_type '" + *d.model_quant_type + "' is not a known quant type", desc);
    } else if (!linear_types.empty() && !linear_types.count(std::string(quant_type_name(p->type))) &&
               !(p->type == QuantType::W8A8SC && linear_types.count("W8A8SC"))) {
      std::string used;
      for (const auto& t : linear_types) used += (used.empty() ? "" : ", ") + t;
      ctx.out.add("description.model-quant-type", Severity::Warning,
                  "model_quant_type is " + *d.model_quant_type + " but the layers use " + used, desc);
    }
  }
}

}  // namespace qkit::validate
