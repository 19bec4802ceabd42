//===- validate/checks_files.cpp - container and description rules -------===//
//
// The container rules mostly re-state what opening the checkpoint found
// (formats/checkpoint.h diagnostics) under the rule that covers it; the
// description rules compare the description file with the stored tensors.
//
//===----------------------------------------------------------------------===//
#include <map>
#include <set>

#include "formats/naming.h"
#include "validate/validator.h"

namespace qkit::validate {
namespace {

// QuaRot rotation tensors msModelSlim writes without a description entry.
bool undescribed_by_design(std::string_view name) {
  return std::string_view(name).ends_with(".heads_rotation") || std::string_view(name).ends_with(".kronecker_rotation_m") ||
         std::string_view(name).ends_with(".kronecker_rotation_n") || name == "rot.weight";
}

}  // namespace

void check_container(Context& ctx) {
  const Checkpoint& c = ctx.c;
  // What opening the checkpoint found, under the rule the mapping table of
  // validate/rules.cpp gives each diagnostic.
  //
  // A shard the index names but that does not exist is one problem: the
  // index's finding stands for it, and the shard's own "open failed" is
  // not repeated. The finding for each unreadable shard (and for an
  // unreadable description) is registered as the cause of what it hides.
  //
  // The index's messages quote the shard ("shard 'X' (30 tensors) does not
  // exist"): the quoted name is looked up once per message, not compared
  // with every shard.
  std::map<std::string, std::string> shard_by_quoted;  // escape_for_display(name) -> name
  if (c.index())
    for (const std::string& n : c.index()->shards()) shard_by_quoted.emplace(escape_for_display(n), n);
  auto quoted_shard = [&](const std::string& detail) -> const std::string* {
    const auto open = detail.find('\'');
    const auto close = open == std::string::npos ? std::string::npos : detail.find('\'', open + 1);
    if (close == std::string::npos) return nullptr;
    auto it = shard_by_quoted.find(detail.substr(open + 1, close - open - 1));
    return it == shard_by_quoted.end() ? nullptr : &it->second;
  };
  std::set<std::string> absent_shards;  // named by an index_missing_shard message
  for (const Diagnostic& d : c.diagnostics())
    if (d.error.code == Errc::index_missing_shard)
      if (const std::string* n = quoted_shard(d.error.detail)) absent_shards.insert(*n);
  for (const Diagnostic& d : c.diagnostics()) {
    auto verdict = rule_for_diagnostic(d);
    if (!verdict) continue;
    const Error& e = d.error;
    const std::string rel = ctx.out.rel(e.file);
    if (d.subject == DiagSubject::Shard && d.severity == Severity::Error && absent_shards.count(rel)) continue;
    const std::size_t id = ctx.out.add(verdict->rule, verdict->severity,
                                       e.detail.empty() ? std::string(error_message(e.code)) : e.detail, e.file, e.tensor);
    if (d.severity != Severity::Error) continue;
    if (d.subject == DiagSubject::Shard) ctx.out.shard_is_cause(rel, id);
    if (d.subject == DiagSubject::Description) ctx.out.description_is_cause(id);
    // An index entry naming a shard that does not exist or lies outside the
    // directory: the tensors it maps there follow from it.
    if (e.code == Errc::index_missing_shard || e.code == Errc::index_shard_path)
      if (const std::string* n = quoted_shard(e.detail)) ctx.out.shard_is_cause(*n, id);
  }
  // One .safetensors file given on its own carries no description, so its
  // quantization cannot be checked: say so rather than pass it silently.
  if (c.layout() == Layout::SafetensorsFile) {
    std::size_t quant = 0;
    std::string example;
    for (const TensorRef& t : c.tensors()) {
      const std::string_view name = t.info->name;
      const auto dot = name.rfind('.');
      const Role role = dot == std::string_view::npos ? Role::Unknown : role_of_suffix(name.substr(dot + 1));
      if (role == Role::Weight || role == Role::Bias || role == Role::Unknown) continue;
      if (quant++ == 0) example = t.info->name;
    }
    if (quant)
      ctx.out.add(Rule::ContainerDescriptionCount, Severity::Warning,
                  std::to_string(quant) + " quantization tensors (e.g. " + example +
                      ") but a single file carries no description: only the container was checked; validate the "
                      "checkpoint directory (" + c.opened().parent_path().string() + ") to check the quantization",
                  c.opened().string());
  }
  // Quantized layouts qkit reads but does not check tensor by tensor: say
  // so, rather than pass them with "0 quantized modules".
  if (c.layout() == Layout::CompressedTensors && c.ct_recipe() && c.ct_coverage()) {
    const ct::Coverage& cov = *c.ct_coverage();
    std::size_t quantized_modules = 0;
    for (std::size_t n : cov.modules) quantized_modules += n;
    // Tensors are checked against the recipe (checks_ct.cpp); what is not
    // checked yet is said as information, not a warning.
    ctx.out.add(Rule::SchemeLayoutNotChecked, Severity::Info,
                "compressed-tensors recipe read (" + std::to_string(c.ct_recipe()->groups.size()) + " config groups reaching " +
                    std::to_string(quantized_modules) + " modules, " + std::to_string(cov.ignored) +
                    " ignored); each layer's tensors are checked against its group (dtypes, shapes; scales and zero points "
                    "with the values)",
                "config.json");
  } else if (c.layout() == Layout::HfForeignQuantized) {
    ctx.out.add(Rule::SchemeLayoutNotChecked,
                "quantization_config.quant_method '" + c.config()->quant_method.value_or("?") +
                    "' is not a format qkit checks: only the container was",
                "config.json");
  }
  const bool quantized = c.family().has_value();
  // A layout whose producer writes a description must have one
  // (compressed-tensors keeps its recipe in config.json instead).
  if (quantized && !layout_row(c.layout()).description_name.empty() && c.description_name().empty())
    ctx.out.add(Rule::ContainerDescriptionCount, "no description file", c.root().string());
  if (quantized && c.config() && !c.config()->dtype && !c.model_dtype())
    ctx.out.add(Rule::ContainerConfig, "config.json has no torch_dtype and the model dtype cannot be inferred", "config.json");
}

void check_description(Context& ctx) {
  const Checkpoint& c = ctx.c;
  auto fam = c.family();
  if (!fam) return;
  const TensorTypes* types = c.ms_description()   ? &c.ms_description()->tensor_types
                                                    : c.gs_description() ? &c.gs_description()->tensor_types
                                                                         : nullptr;
  if (types == nullptr) return;  // unreadable or missing: reported above
  const std::string desc = c.description_name();
  // Bijection between stored and described tensors. MTP layers are read
  // only by the MTP drafter (vLLM's DeepSeek load_weights skips the
  // speculative layers; vllm-ascend modelslim_config.py@182b75ea84ff
  // L167-169): undescribed, they fail only a deployment that loads it.
  const auto& cfg = c.config();
  auto is_mtp = [&](std::string_view name) {
    const ModuleName mn = parse_module_name(name);
    if (mn.kind == LayerKind::Mtp) return true;
    return mn.kind == LayerKind::Decoder && mn.layer && cfg && cfg->num_hidden_layers && cfg->num_nextn_predict_layers &&
           *mn.layer >= *cfg->num_hidden_layers && *mn.layer < *cfg->num_hidden_layers + *cfg->num_nextn_predict_layers;
  };
  // c.tensors() and the description's map are both sorted by name (byte
  // order): one merge walk finds what each lacks, instead of a lookup per
  // name in the other (140,000 of each for a DeepSeek-class checkpoint).
  std::vector<const TensorRef*> undescribed;
  std::vector<const TensorTypes::value_type*> unstored;
  {
    auto s = c.tensors().begin();
    auto d = types->begin();
    while (s != c.tensors().end() || d != types->end()) {
      if (d == types->end() || (s != c.tensors().end() && s->info->name < d->first)) {
        undescribed.push_back(&*s++);
      } else if (s == c.tensors().end() || d->first < s->info->name) {
        unstored.push_back(&*d++);
      } else {
        ++s;
        ++d;
      }
    }
  }
  for (const TensorRef* tp : undescribed)
    if (const TensorRef& t = *tp; !undescribed_by_design(t.info->name)) {
      if (is_mtp(t.info->name))
        ctx.out.add(Rule::DescriptionUndescribedTensor, ctx.o.with_mtp ? Severity::Error : Severity::Warning,
                    "MTP layer tensor stored in " + c.shard_of(t).name + " but not in " + desc +
                        ": the MTP drafter fails with KeyError (an error with --with-mtp)",
                    desc, t.info->name);
      else
        ctx.out.add(Rule::DescriptionUndescribedTensor, "stored in " + c.shard_of(t).name + " but not in " + desc, desc, t.info->name);
    }
  bool all_shards_read = true;
  for (const ShardFile& s : c.shards()) all_shards_read &= s.file != nullptr;
  if (all_shards_read)
    for (const auto* entry : unstored)
      ctx.out.add(Rule::DescriptionMissingTensor, "described as " + std::string(entry->second) + " but stored in no shard", desc,
                  std::string(entry->first));
  // Type strings.
  std::set<std::string> linear_types;
  // Tags come in runs in name order: the last one's parse is reused.
  // (The table stores a recurring tag once: equal tags mostly share a pointer.)
  std::string_view last_tag;
  bool any = false;
  std::optional<ParsedQuantType> parsed;
  for (const auto& [name, tag] : *types) {
    if (!any || last_tag.size() != tag.size() || (last_tag.data() != tag.data() && last_tag != tag)) {
      parsed = parse_quant_type(tag);
      last_tag = tag;
      any = true;
    }
    if (!parsed) {
      ctx.out.add(Rule::DescriptionUnknownType, "'" + std::string(tag) + "' is not a quant type either family writes",
                  desc, std::string(name));
      continue;
    }
    if (quant_type_info(parsed->type).scope == QuantScope::Linear && std::string_view(name).ends_with(".weight"))
      linear_types.insert(std::string(quant_type_name(parsed->type)));
  }
  if (fam == Family::MsModelSlim && c.ms_description()) {
    const MsDescription& d = *c.ms_description();
    for (const auto& [key, value] : d.layer_quant_types)
      if (std::string why = attention_quant_type_problem(value); !why.empty())
        ctx.out.add(Rule::DescriptionAttentionType, "'" + value + "' is not an attention quant_type msModelSlim writes (" + why +
                        "; e.g. \"Q_FP8_DYNAMIC_KV_FP8\", \"QK_INT8_DYNAMIC\", \"INT8\")",
                    desc, key);
    if (!d.model_quant_type) {
      ctx.out.add(Rule::DescriptionModelQuantType, "no model_quant_type (msModelSlim always writes it)",
                  desc);
    } else if (auto p = parse_quant_type(*d.model_quant_type); !p) {
      ctx.out.add(Rule::DescriptionModelQuantType, Severity::Error, "model_quant_type '" + *d.model_quant_type + "' is not a known quant type", desc);
    } else if (!linear_types.empty() && !linear_types.count(std::string(quant_type_name(p->type))) &&
               !(p->type == QuantType::W8A8SC && linear_types.count("W8A8SC"))) {
      std::string used;
      for (const auto& t : linear_types) used += (used.empty() ? "" : ", ") + t;
      ctx.out.add(Rule::DescriptionModelQuantType, "model_quant_type is " + *d.model_quant_type + " but the layers use " + used, desc);
    }
  }
}

}  // namespace qkit::validate
