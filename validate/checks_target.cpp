//===- validate/checks_target.cpp - what each runtime supports and needs --===//
//
// Facts from ../shared/reference/consumers.md (§1 vLLM-Ascend at HEAD
// 2026-08, §2 vllm-mindspore, §3 MindFormers, §5 MindIE); where behaviour
// changed between runtime versions the message says which.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <set>

#include "formats/naming.h"
#include "validate/validator.h"

namespace qkit::validate {
namespace {

using Q = QuantType;

// Linear quant types each runtime registers (consumers.md §1.4, §2, §3, §5).
bool supported(Target t, Q type, bool moe, std::string& why) {
  switch (t) {
    case Target::VllmAscend:
      switch (type) {
        case Q::FLOAT: case Q::W8A8: case Q::W8A8_DYNAMIC: case Q::W8A8_MIX: case Q::W8A16: case Q::W4A4_DYNAMIC:
        case Q::W4A4_FLATQUANT_DYNAMIC: case Q::W8A8_MXFP8: case Q::W4A4_MXFP4: case Q::W4A8_MXFP: case Q::C8:
        case Q::FAQuant:
          return true;
        case Q::W4A8_DYNAMIC:
          why = "vLLM-Ascend HEAD loads W4A8_DYNAMIC for MoE experts only (v0.13 also had linear layers)";
          return moe;
        case Q::W4A16:
          why = "vLLM-Ascend loads W4A16 for MoE experts only, in the LLM-Compressor layout";
          return false;
        case Q::WFP8AFP8_DYNAMIC:
          why = "vLLM-Ascend registers this layout as W8A8FP8_DYNAMIC, so WFP8AFP8_DYNAMIC is not found";
          return false;
        case Q::W8A8S: case Q::W8A8SC:
          why = "vLLM-Ascend loads sparse W8A8 on 310P devices only";
          return false;
        default:
          why = "not registered by vLLM-Ascend";
          return false;
      }
    case Target::MindIE:
      switch (type) {
        case Q::FLOAT: case Q::W8A8: case Q::W8A8_DYNAMIC: case Q::W8A8_MIX: case Q::W8A8_MXFP8: case Q::W8A8S:
        case Q::W8A8SC: case Q::W8A16: case Q::W4A16: case Q::W16A16S: case Q::W16A16SC: case Q::C8: case Q::FAQuant:
          return true;
        case Q::W4A8_DYNAMIC:
          why = "MindIE loads W4A8_DYNAMIC for MoE experts only";
          return moe;
        default:
          why = "MindIE falls back to float for unknown types (silently)";
          return false;
      }
    case Target::VllmMindSpore:
      if (type == Q::FLOAT || type == Q::W8A8 || type == Q::W8A8S) return true;
      why = "vllm-mindspore accepts only FLOAT, W8A8 and W8A8S ('Unsupported quantization strategy')";
      return false;
    case Target::MindFormers:
      if (type == Q::FLOAT || type == Q::W8A8 || type == Q::W8A8_DYNAMIC) return true;
      if (type == Q::W4A8_DYNAMIC) {
        why = "MindFormers loads W4A8_DYNAMIC for MoE experts only";
        return moe;
      }
      why = "MindFormers accepts FLOAT, W8A8, W8A8_DYNAMIC and W4A8_DYNAMIC only";
      return false;
    case Target::Any:
      return true;
  }
  return true;
}

bool description_name_ok(Target t, const std::string& name, bool& old_format) {
  old_format = false;
  switch (t) {
    case Target::VllmAscend:
      return name == "quant_model_description.json";
    case Target::MindIE: {
      static const std::set<std::string> ok = {"quant_model_description.json", "quant_model_description_w8a8.json",
                                               "quant_model_description_w8a8_mix.json", "quant_model_description_w8a8s.json",
                                               "quant_model_description_w8a8sc.json", "quant_model_description_w8a8_dynamic.json",
                                               "quant_model_description_w8a16.json"};
      old_format = name != "quant_model_description.json";
      return ok.count(name) > 0;
    }
    case Target::VllmMindSpore:
      return std::string_view(name).ends_with("quantization_description.json") || std::string_view(name).ends_with("quant_model_description.json") ||
             std::string_view(name).ends_with("quant_model_description_w8a8sc.json");
    case Target::MindFormers:
      return name.find("quantization_description") != std::string::npos ||
             name.find("quant_model_description") != std::string::npos;
    case Target::Any:
      return true;
  }
  return true;
}

}  // namespace

void check_targets(Context& ctx) {
  const Checkpoint& c = ctx.c;
  const Target t = ctx.o.target;
  auto fam = c.family();
  if (!fam) return;
  const std::string desc = (c.root() / c.description_name()).string();
  const std::string cfg_file = (c.root() / "config.json").string();
  const MsDescription* ms = c.ms_description() ? &*c.ms_description() : nullptr;

  // Format family.
  if ((t == Target::VllmAscend || t == Target::MindIE) && fam == Family::GoldenStick)
    ctx.out.add(Rule::TargetFamily, std::string(target_name(t)) + " reads msModelSlim checkpoints; this is Golden-Stick output "
                "(convert with: qconvert --from mindspore --to msmodelslim)", c.root().string());

  // Description file name.
  if (!c.description_name().empty() && t != Target::Any) {
    bool old_format = false;
    if (!description_name_ok(t, c.description_name(), old_format))
      ctx.out.add(Rule::TargetDescriptionName, std::string(target_name(t)) + " does not find '" + c.description_name() + "'" +
                      (t == Target::VllmAscend ? " (since v0.17 only quant_model_description.json; earlier versions "
                                                 "matched the same name by suffix)"
                                               : ""),
                  desc);
    else if (old_format)
      ctx.out.add(Rule::TargetDescriptionName, Severity::Warning, "MindIE reads '" + c.description_name() + "' as an old-format name (deprecated after 2026-06-30)", desc);
  }

  // Quant types the runtime loads.
  if (t != Target::Any) {
    std::map<std::string, std::pair<std::string, int>> unsupported;  // type -> (why, count)
    for (const Module& m : c.modules()) {
      if (!m.type) continue;
      std::string why;
      bool moe = m.prefix.find(".experts.") != std::string::npos;
      if (!supported(t, m.type->type, moe, why)) {
        auto& e = unsupported[m.tag + (moe ? "" : "")];
        e.first = why;
        if (e.second++ == 0)
          ctx.out.add(Rule::TargetUnsupportedType, m.tag + " (" + m.prefix + "): " + why, desc, m.prefix);
      }
    }
  }

  // config.json.
  if (const auto& cfg = c.config()) {
    if (cfg->quant_method)
      ctx.out.add(Rule::TargetQuantizationConfig, t == Target::Any ? Severity::Warning : Severity::Error, "config.json quantization_config.quant_method = '" + *cfg->quant_method +
                      "' routes this model to another quantization backend",
                  cfg_file);
    else if (cfg->has_quantization_config && t == Target::VllmAscend)
      ctx.out.add(Rule::TargetQuantizationConfig, "config.json has quantization_config: vLLM-Ascend hands it to the quantizer instead of reading " +
                      c.description_name() + " (KeyError on the first layer); remove it",
                  cfg_file);
    if (t == Target::MindIE && fam == Family::MsModelSlim) {
      static const std::set<std::string> allowed = {"w8a8", "w8a8s", "w8a8sc", "w8a16", "w4a16", "w8a8_dynamic",
                                                    "w8a8_pdmix", "w4a8_dynamic", "w8a8_mix", "w16a16s", "w16a16sc"};
      if (!cfg->quantize)
        ctx.out.add(Rule::TargetMindieConfig, "config.json has no \"quantize\"; MindIE fails with 'linear type not matched'", cfg_file);
      else if (!allowed.count(*cfg->quantize))
        ctx.out.add(Rule::TargetMindieConfig, "quantize '" + *cfg->quantize + "' is not one MindIE accepts",
                    cfg_file);
      if (cfg->has_quantization_config && cfg->quantization_config.is_object()) {
        const auto& qc = cfg->quantization_config;
        if (auto g = qc.find("group_size"); g != qc.end()) {
          bool ok = g->is_number_integer() &&
                    std::set<std::int64_t>{0, 64, 128, 256}.count(g->get<std::int64_t>()) > 0;
          if (!ok)
            ctx.out.add(Rule::TargetMindieConfig, "quantization_config.group_size " + g->dump() + " is not one of 0, 64, 128, 256 (MindIE 2.1 "
                        "accepts 0, 64, 128)",
                        cfg_file);
        }
        if (auto k = qc.find("kv_quant_type"); k != qc.end() && !k->is_null() && *k != "C8")
          ctx.out.add(Rule::TargetMindieConfig, "kv_quant_type " + k->dump() + " must be null or \"C8\"",
                      cfg_file);
        if (auto r = qc.find("reduce_quant_type"); r != qc.end() && !r->is_null() && *r != "per_channel")
          ctx.out.add(Rule::TargetMindieConfig, "reduce_quant_type " + r->dump() + " must be null or \"per_channel\"", cfg_file);
      }
    }
    // Coverage: lm_head when untied, every decoder layer, MTP layers.
    if (fam == Family::MsModelSlim && ms) {
      const auto& types = ms->tensor_types;
      if (cfg->tie_word_embeddings == false && !types.count("lm_head.weight") &&
          std::none_of(types.begin(), types.end(), [](const auto& kv) { return std::string_view(kv.first).ends_with("lm_head.weight"); }))
        ctx.out.add(Rule::TargetCoverage, "untied embeddings but no lm_head.weight in the description", desc,
                    "lm_head.weight");
      if (cfg->num_hidden_layers) {
        // Which decoder-layer prefix the weights use (model.layers.N,
        // model.language_model.layers.N, layers.N, ...): the naming table's.
        std::map<std::string, std::size_t> prefixes;
        for (const TensorRef& tr : c.tensors()) {
          const ModuleName mn = parse_module_name(tr.info->name);
          if (mn.kind == LayerKind::Decoder && mn.layer)
            ++prefixes[mn.layer_prefix.substr(0, mn.layer_prefix.size() - std::to_string(*mn.layer).size())];
        }
        std::string decoder = "model.layers.";
        std::size_t most = 0;
        for (const auto& [p, n] : prefixes)
          if (n > most) most = n, decoder = p;
        std::uint64_t extra = cfg->num_nextn_predict_layers.value_or(0);
        for (std::uint64_t l = 0; l < *cfg->num_hidden_layers + extra; ++l) {
          std::string p = decoder + std::to_string(l) + ".";
          auto it = types.lower_bound(p);
          if (it == types.end() || it->first.compare(0, p.size(), p) != 0) {
            bool mtp = l >= *cfg->num_hidden_layers;
            ctx.out.add(Rule::TargetCoverage, mtp || t != Target::Any ? Severity::Error : Severity::Warning, std::string(mtp ? "MTP layer " : "layer ") + std::to_string(l) +
                            " has no description entries (vLLM-Ascend: KeyError '" + decoder + std::to_string(l) +
                            "...'; add FLOAT entries for unquantized layers)",
                        desc, p + "*");
            if (!mtp) break;  // one finding for a wholesale naming mismatch is enough
          }
        }
      }
    }
  }

  // KV cache int8 and FA quant keys (msModelSlim).
  if (ms) {
    bool has_c8 = false, has_fa = false, has_fa3 = false;
    for (const Module& m : c.modules()) {
      if (!m.type) continue;
      has_c8 |= m.type->type == Q::C8;
      if (m.type->type == Q::FAQuant) {
        has_fa = true;
        for (const auto& [s, r] : m.tensors) has_fa3 |= s.rfind("fa3_", 0) == 0;
      }
    }
    auto kv_key = [&](const char* key, const std::optional<std::string>& v, Target reader) {
      bool set = v && *v == "C8";
      if (has_c8 && !set)
        ctx.out.add(Rule::TargetKvCacheKey, t == reader ? Severity::Error : Severity::Warning, std::string("KV-cache int8 tensors present but ") + key + " is not \"C8\" (" +
                        std::string(target_name(reader)) + " then ignores them)",
                    desc);
      if (!has_c8 && set)
        ctx.out.add(Rule::TargetKvCacheKey, std::string(key) + " is \"C8\" but no layer has k_proj.kv_cache_scale", desc);
    };
    kv_key("kv_cache_type", ms->kv_cache_type, Target::VllmAscend);
    kv_key("kv_quant_type", ms->kv_quant_type, Target::MindIE);
    if (has_fa && !ms->fa_quant_type)
      ctx.out.add(Rule::TargetFaQuantKey, "FA quant tensors present but fa_quant_type is missing", desc);
    if (has_fa && t == Target::VllmAscend) {
      if (ms->fa_quant_type && *ms->fa_quant_type != "FAKQuant")
        ctx.out.add(Rule::TargetFaQuantKey, "vLLM-Ascend registers fa_quant_type \"FAKQuant\"; \"" + *ms->fa_quant_type + "\" is not found", desc);
      if (has_fa3)
        ctx.out.add(Rule::TargetFaQuantKey, "vLLM-Ascend finds FA layers by 'fa_k.scale'; fa3_* tensors are not found", desc);
    }
  }

  // group_size the kernels accept.
  if (fam == Family::MsModelSlim && ms && ms->group_size && (t == Target::VllmAscend || t == Target::MindIE)) {
    std::int64_t gs = *ms->group_size;
    bool int4_groups = false, w4a8 = false;
    for (const Module& m : c.modules()) {
      if (!m.type) continue;
      w4a8 |= m.type->type == Q::W4A8_DYNAMIC;
      int4_groups |= quant_type_info(m.type->type).weight_bits == 4 && m.type->type != Q::W4A4_MXFP4 &&
                     m.type->type != Q::W4A8_MXFP;
    }
    if (t == Target::VllmAscend && w4a8 && gs > 0)
      ctx.out.add(Rule::TargetGroupSize, "vLLM-Ascend HEAD rejects per-group W4A8_DYNAMIC (group_size " + std::to_string(gs) +
                      "); v0.13 read weight_scale_second instead",
                  desc);
    else if (int4_groups && gs > 0 && gs != 64 && gs != 128)
      ctx.out.add(Rule::TargetGroupSize, "int4 kernels take group_size 64 or 128, not " + std::to_string(gs) +
                      " ('antiquantGroupSize should be 128 or 64')",
                  desc);
  }
}

}  // namespace qkit::validate
