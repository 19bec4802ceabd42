//===- formats/naming.cpp - THE naming table ------------------------------===//
#include "formats/naming.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace qkit {
namespace {

// Longest prefixes first, so "model.language_model.layers." wins over a
// shorter one that is also a suffix of it.
constexpr LayerPrefixRow kLayerPrefixes[] = {
    {"model.language_model.layers.", LayerKind::Decoder, "Qwen3-VL, Qwen3.5/3.6/3.8 (text tower of the VL layout)"},
    {"language_model.model.layers.", LayerKind::Decoder, "LLaVA-style VL models"},
    {"model.mtp.layers.", LayerKind::Mtp, "MTP layers under model."},
    {"model.layers.", LayerKind::Decoder,
     "Llama, Qwen2/3, Qwen3-MoE, DeepSeek-V3 (its MTP layer continues the numbering at num_hidden_layers)"},
    {"model.visual.blocks.", LayerKind::Vision, "Qwen2.5/3-VL vision encoder"},
    {"visual.blocks.", LayerKind::Vision, "Qwen2-VL vision encoder"},
    {"mtp.layers.", LayerKind::Mtp, "Qwen3.5/3.8, GLM MTP drafter layers"},
    {"layers.", LayerKind::Decoder, "DeepSeek-V4 (no model. prefix)"},
};

using P = Parallel;
constexpr ModuleRow kModules[] = {
    // Attention (GQA / MHA).
    {"q_proj", "", "q", P::Column, "{q,k,v}_proj", "input_layernorm", "Llama, Qwen, Mistral"},
    {"k_proj", "", "k", P::Column, "{q,k,v}_proj", "input_layernorm", "Llama, Qwen, Mistral"},
    {"v_proj", "", "v", P::Column, "{q,k,v}_proj", "input_layernorm", "Llama, Qwen, Mistral"},
    {"qkv_proj", "", "qkv", P::Column, "", "input_layernorm", "pre-fused q/k/v (Phi-3, some exports)"},
    {"o_proj", "", "o", P::Row, "", "", "Llama, Qwen, DeepSeek"},
    // MLA (DeepSeek-V2/V3, Kimi).
    {"q_a_proj", "", "q_a", P::Column, "{q_a_proj,kv_a_proj_with_mqa}", "input_layernorm", "DeepSeek-V3 MLA"},
    {"kv_a_proj_with_mqa", "", "kv_a", P::Column, "{q_a_proj,kv_a_proj_with_mqa}", "input_layernorm", "DeepSeek-V3 MLA"},
    {"q_b_proj", "", "q_b", P::Column, "", "q_a_layernorm", "DeepSeek-V3 MLA"},
    {"kv_b_proj", "", "kv_b", P::Column, "", "kv_a_layernorm", "DeepSeek-V3 MLA"},
    // DeepSeek-V4 attention ("attn.wq_a" ...).
    {"wq_a", "", "q_a", P::Column, "", "", "DeepSeek-V4"},
    {"wq_b", "", "q_b", P::Column, "", "", "DeepSeek-V4"},
    {"wkv", "", "wkv", P::Column, "", "", "DeepSeek-V4"},
    {"wo_a", "", "o", P::Row, "", "", "DeepSeek-V4"},
    {"wo_b", "", "o", P::Row, "", "", "DeepSeek-V4"},
    // Linear attention (Qwen3.5 gated delta net; Qwen3-Next).
    {"in_proj_qkv", "", "in_qkv", P::Column, "{in_proj_qkv,in_proj_z}", "input_layernorm", "Qwen3.5"},
    {"in_proj_z", "", "in_z", P::Column, "{in_proj_qkv,in_proj_z}", "input_layernorm", "Qwen3.5"},
    {"in_proj_b", "", "in_b", P::Column, "{in_proj_b,in_proj_a}", "input_layernorm", "Qwen3.5"},
    {"in_proj_a", "", "in_a", P::Column, "{in_proj_b,in_proj_a}", "input_layernorm", "Qwen3.5"},
    // vllm-ascend packs these per model_type (packed_modules_model_mapping,
    // vllm_ascend/quantization/modelslim_config.py@182b75ea84ff L105-363:
    // qwen3_5 L120-125, qwen3_next L179-188, qwen omni L290-327); the leaf
    // names do not clash between model types, so the leaf decides here.
    {"in_proj_qkvz", "", "in_qkvz", P::Column, "{in_proj_qkvz,in_proj_ba}", "input_layernorm", "Qwen3-Next"},
    {"in_proj_ba", "", "in_ba", P::Column, "{in_proj_qkvz,in_proj_ba}", "input_layernorm", "Qwen3-Next"},
    {"attn_q_proj", "", "q", P::Column, "{attn_q,attn_k,attn_v}_proj", "", "Qwen2.5/3 Omni"},
    {"attn_k_proj", "", "k", P::Column, "{attn_q,attn_k,attn_v}_proj", "", "Qwen2.5/3 Omni"},
    {"attn_v_proj", "", "v", P::Column, "{attn_q,attn_k,attn_v}_proj", "", "Qwen2.5/3 Omni"},
    {"out_proj", "", "out", P::Row, "", "", "Qwen3.5 / Qwen3-Next linear attention"},
    // MLP (dense, shared experts and routed experts share the leaves).
    {"gate_proj", "", "gate", P::Column, "{gate,up}_proj", "post_attention_layernorm", "Llama, Qwen, DeepSeek"},
    {"up_proj", "", "up", P::Column, "{gate,up}_proj", "post_attention_layernorm", "Llama, Qwen, DeepSeek"},
    {"gate_up_proj", "", "gate_up", P::Column, "", "post_attention_layernorm", "pre-fused gate/up"},
    {"down_proj", "", "down", P::Row, "", "", "Llama, Qwen, DeepSeek"},
    {"w1", "", "gate", P::Column, "", "", "DeepSeek-V4 / Mixtral experts (gate)"},
    {"w3", "", "up", P::Column, "", "", "DeepSeek-V4 / Mixtral experts (up)"},
    {"w2", "", "down", P::Row, "", "", "DeepSeek-V4 / Mixtral experts (down)"},
    // Vision encoder blocks and MTP input projection (Qwen3-VL, Qwen3.5/3.8).
    {"qkv", "attn", "qkv", P::Column, "", "", "Qwen-VL vision blocks"},
    {"proj", "attn", "o", P::Row, "", "", "Qwen-VL vision blocks"},
    {"linear_fc1", "", "fc1", P::Column, "", "", "Qwen-VL vision MLP and merger"},
    {"linear_fc2", "", "fc2", P::Row, "", "", "Qwen-VL vision MLP and merger"},
    {"fc", "mtp", "mtp_fc", P::Column, "", "", "Qwen3.5/3.8 MTP input projection"},
    // Router.
    {"gate", "mlp", "router", P::None, "", "", "MoE router (kept in float)"},
    {"lm_head", "", "lm_head", P::Column, "", "", "output projection"},
};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::optional<std::uint64_t> to_number(std::string_view s) {
  if (!all_digits(s) || s.size() > 18) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

// The component ending at `end` (exclusive) of a dotted name.
std::string_view component_before(std::string_view name, std::size_t end) {
  std::size_t start = name.rfind('.', end == 0 ? 0 : end - 1);
  start = start == std::string_view::npos || start >= end ? 0 : start + 1;
  return name.substr(start, end - start);
}

}  // namespace

std::string_view layer_kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::None: return "none";
    case LayerKind::Decoder: return "decoder";
    case LayerKind::Mtp: return "mtp";
    case LayerKind::Vision: return "vision";
  }
  return "?";
}

std::span<const LayerPrefixRow> layer_prefixes() { return kLayerPrefixes; }
std::span<const ModuleRow> module_rows() { return kModules; }

ModuleName parse_module_name(std::string_view prefix) {
  ModuleName m;
  // The layer: a known prefix at the start, digits, then a dot or the end.
  for (const LayerPrefixRow& row : kLayerPrefixes) {
    if (!prefix.starts_with(row.prefix)) continue;
    std::size_t a = row.prefix.size(), b = a;
    while (b < prefix.size() && std::isdigit(static_cast<unsigned char>(prefix[b]))) ++b;
    if (b == a || (b < prefix.size() && prefix[b] != '.')) continue;
    m.kind = row.kind;
    m.layer = to_number(prefix.substr(a, b - a));
    m.layer_prefix = std::string(prefix.substr(0, b));
    break;
  }
  const std::size_t dot = prefix.rfind('.');
  m.leaf = std::string(dot == std::string_view::npos ? prefix : prefix.substr(dot + 1));
  if (dot != std::string_view::npos) m.block = std::string(component_before(prefix, dot));
  // Experts: "...experts.<E>.<leaf>"; shared experts: "...shared_expert(s).<leaf>".
  if (all_digits(m.block) && dot != std::string_view::npos) {
    std::size_t bstart = prefix.rfind('.', dot - 1);
    if (bstart != std::string_view::npos && component_before(prefix, bstart) == "experts") {
      m.expert = to_number(m.block);
      m.block = "experts";
    }
  }
  m.shared_expert = m.block == "shared_experts" || m.block == "shared_expert";
  for (const ModuleRow& row : kModules)
    if (row.leaf == m.leaf && (row.block.empty() || row.block == m.block)) {
      m.row = &row;
      break;
    }
  return m;
}

std::string_view layer_map_column(const ModuleName& m) {
  if (m.expert) return "experts";
  if (m.shared_expert) return "shared";
  return m.row ? m.row->column : "other";
}

std::string fused_group_key(std::string_view prefix) {
  if (auto e = prefix.find(".experts."); e != std::string_view::npos) return std::string(prefix.substr(0, e)) + ".experts.*";
  const ModuleName m = parse_module_name(prefix);
  if (!m.row || m.row->fused_group.empty()) return {};
  return std::string(prefix.substr(0, prefix.rfind('.'))) + "." + std::string(m.row->fused_group);
}

std::optional<std::string> feeding_norm_weight(std::string_view prefix) {
  const ModuleName m = parse_module_name(prefix);
  if (!m.row || m.row->fed_by_norm.empty() || m.layer_prefix.empty() || m.expert || m.shared_expert)
    return std::nullopt;
  // Only directly under the layer's attention or MLP block: "<layer>.<block>.<leaf>".
  std::string_view rest = prefix.substr(m.layer_prefix.size());
  if (std::count(rest.begin(), rest.end(), '.') != 2) return std::nullopt;
  if (m.row->fed_by_norm == "input_layernorm" && m.block != "self_attn" && m.block != "linear_attn") return std::nullopt;
  if (m.row->fed_by_norm == "post_attention_layernorm" && m.block != "mlp") return std::nullopt;
  if ((m.row->fed_by_norm == "q_a_layernorm" || m.row->fed_by_norm == "kv_a_layernorm") && m.block != "self_attn")
    return std::nullopt;
  if (m.row->fed_by_norm == "q_a_layernorm" || m.row->fed_by_norm == "kv_a_layernorm")
    return m.layer_prefix + "." + m.block + "." + std::string(m.row->fed_by_norm) + ".weight";
  return m.layer_prefix + "." + std::string(m.row->fed_by_norm) + ".weight";
}

}  // namespace qkit
