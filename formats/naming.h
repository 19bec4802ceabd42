//===- formats/naming.h - the one table of model module names ------------===//
//
// How checkpoints of the model families qkit meets name their layers and
// modules, in the spirit of gguf-py's constants: where decoder, MTP and
// vision layers live (model.layers.N, model.language_model.layers.N,
// mtp.layers.N, DeepSeek-V4's bare layers.N, ...), what each linear module
// is (q/k/v/o, gate/up/down, MLA q_a/q_b/kv_a/kv_b, linear-attention
// in_proj_*, experts and w1/w2/w3, shared experts, router), which norm feeds
// it, whether it is column- or row-parallel, and which fused group it loads
// in. Every parser of names (inspector's layer map, validator's group and
// coverage rules, converter's smoothing folds, samples) asks this file.
//
// Sources: Hugging Face modeling files of Llama, Qwen2/3, Qwen3-MoE,
// Qwen3-VL, Qwen3.5/Qwen3-Next, DeepSeek-V3/V4; vllm-ascend's
// packed_modules_model_mapping (vllm_ascend/quantization/utils.py at
// 182b75ea) for the fused groups; ../shared/reference/loaders-audit.md.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace qkit {

enum class LayerKind : std::uint8_t {
  None,     // not in a numbered layer (embeddings, final norm, lm_head)
  Decoder,  // a decoder layer
  Mtp,      // a multi-token-prediction layer with its own prefix
  Vision,   // a vision-encoder block
};
std::string_view layer_kind_name(LayerKind k);  // "decoder", "mtp", "vision", "none"

// One row per known layer prefix: a name starts with `prefix`, then the
// layer number and a dot.
struct LayerPrefixRow {
  std::string_view prefix;  // "model.layers."
  LayerKind kind;
  std::string_view models;  // who writes it
};
std::span<const LayerPrefixRow> layer_prefixes();

enum class Parallel : std::uint8_t { None, Column, Row };

// One row per kind of linear module, keyed by its last name component (and,
// where the same leaf means different things, the block it sits in).
struct ModuleRow {
  std::string_view leaf;         // "q_proj", "w1", ...
  std::string_view block;        // "" any; else the component before the leaf ("self_attn", "mlp", ...)
  std::string_view column;       // the layer map's column
  Parallel parallel;
  std::string_view fused_group;  // members that load as one parameter share it ("" none)
  std::string_view fed_by_norm;  // the norm (in the same layer) whose output it reads, "" if none
  std::string_view models;
};
std::span<const ModuleRow> module_rows();

// A module name taken apart: "model.layers.12.mlp.experts.3.down_proj" ->
// layer Decoder 12 (prefix "model.layers.12"), expert 3, leaf "down_proj",
// row = the down_proj row. Unknown leaves still parse (row null).
struct ModuleName {
  LayerKind kind = LayerKind::None;
  std::optional<std::uint64_t> layer;
  std::string layer_prefix;          // "model.layers.12" ("" outside layers)
  std::string block;                 // component before the leaf ("self_attn", "mlp", "experts"...)
  std::string leaf;                  // last component
  std::optional<std::uint64_t> expert;
  bool shared_expert = false;        // under "shared_experts" / "shared_expert"
  const ModuleRow* row = nullptr;
};
ModuleName parse_module_name(std::string_view prefix);

// The layer map's column for a linear module: "q", "gate", "experts",
// "shared", or "other".
std::string_view layer_map_column(const ModuleName& m);

// The fused group a module loads in, as a key naming its members:
// "model.layers.0.self_attn.{q,k,v}_proj", "model.layers.0.mlp.experts.*";
// "" when it loads alone.
std::string fused_group_key(std::string_view prefix);

// The norm weight whose output the module reads ("model.layers.0.input_layernorm.weight"),
// when the table knows one.
std::optional<std::string> feeding_norm_weight(std::string_view prefix);

}  // namespace qkit
