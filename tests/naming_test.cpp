//===- tests/naming_test.cpp - the naming table against real names -------===//
//
// Expected values are written by hand from the models' published tensor
// names (tests/data/real/qwen3.8-27b-w8a8-dynamic/tensor_inventory.tsv, the
// Hugging Face modeling files of Llama, Qwen3-MoE and DeepSeek-V3/V4), not
// read from formats/naming.cpp.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "formats/naming.h"

namespace qkit {
namespace {

struct Case {
  const char* prefix;
  LayerKind kind;
  std::optional<std::uint64_t> layer;
  const char* layer_prefix;
  const char* column;
  const char* fused;  // fused_group_key
  const char* norm;   // feeding_norm_weight or ""
};

const Case kCases[] = {
    {"model.layers.0.self_attn.q_proj", LayerKind::Decoder, 0, "model.layers.0", "q",
     "model.layers.0.self_attn.{q,k,v}_proj", "model.layers.0.input_layernorm.weight"},
    {"model.layers.61.mlp.down_proj", LayerKind::Decoder, 61, "model.layers.61", "down", "", ""},
    {"model.layers.3.mlp.up_proj", LayerKind::Decoder, 3, "model.layers.3", "up", "model.layers.3.mlp.{gate,up}_proj",
     "model.layers.3.post_attention_layernorm.weight"},
    // Qwen3.8-27B (real inventory): VL text tower, linear attention, MTP, vision.
    {"model.language_model.layers.0.linear_attn.in_proj_qkv", LayerKind::Decoder, 0, "model.language_model.layers.0",
     "in_qkv", "model.language_model.layers.0.linear_attn.{in_proj_qkv,in_proj_z}",
     "model.language_model.layers.0.input_layernorm.weight"},
    {"model.language_model.layers.0.linear_attn.in_proj_a", LayerKind::Decoder, 0, "model.language_model.layers.0",
     "in_a", "model.language_model.layers.0.linear_attn.{in_proj_b,in_proj_a}",
     "model.language_model.layers.0.input_layernorm.weight"},
    {"model.language_model.layers.0.linear_attn.out_proj", LayerKind::Decoder, 0, "model.language_model.layers.0",
     "out", "", ""},
    {"model.language_model.layers.63.self_attn.o_proj", LayerKind::Decoder, 63, "model.language_model.layers.63", "o",
     "", ""},
    {"mtp.layers.0.self_attn.q_proj", LayerKind::Mtp, 0, "mtp.layers.0", "q", "mtp.layers.0.self_attn.{q,k,v}_proj",
     "mtp.layers.0.input_layernorm.weight"},
    {"mtp.fc", LayerKind::None, std::nullopt, "", "mtp_fc", "", ""},
    {"model.visual.blocks.26.attn.qkv", LayerKind::Vision, 26, "model.visual.blocks.26", "qkv", "", ""},
    {"model.visual.blocks.2.mlp.linear_fc2", LayerKind::Vision, 2, "model.visual.blocks.2", "fc2", "", ""},
    {"lm_head", LayerKind::None, std::nullopt, "", "lm_head", "", ""},
    // Qwen3-MoE and DeepSeek-V3: experts, shared experts, MLA, router.
    {"model.layers.5.mlp.experts.17.gate_proj", LayerKind::Decoder, 5, "model.layers.5", "experts",
     "model.layers.5.mlp.experts.*", ""},
    {"model.layers.5.mlp.shared_experts.down_proj", LayerKind::Decoder, 5, "model.layers.5", "shared", "", ""},
    {"model.layers.0.self_attn.kv_a_proj_with_mqa", LayerKind::Decoder, 0, "model.layers.0", "kv_a",
     "model.layers.0.self_attn.{q_a_proj,kv_a_proj_with_mqa}", "model.layers.0.input_layernorm.weight"},
    {"model.layers.0.self_attn.q_b_proj", LayerKind::Decoder, 0, "model.layers.0", "q_b", "",
     "model.layers.0.self_attn.q_a_layernorm.weight"},
    {"model.layers.4.mlp.gate", LayerKind::Decoder, 4, "model.layers.4", "router", "", ""},
    // Qwen3-Next packs in_proj_qkvz with in_proj_ba (vllm-ascend
    // modelslim_config.py@182b75ea84ff L179-188); the Omni towers pack
    // attn_q/k/v_proj (L290-327).
    {"model.layers.2.linear_attn.in_proj_ba", LayerKind::Decoder, 2, "model.layers.2", "in_ba",
     "model.layers.2.linear_attn.{in_proj_qkvz,in_proj_ba}", "model.layers.2.input_layernorm.weight"},
    {"model.layers.2.self_attn.attn_k_proj", LayerKind::Decoder, 2, "model.layers.2", "k",
     "model.layers.2.self_attn.{attn_q,attn_k,attn_v}_proj", ""},
    // DeepSeek-V4: bare layers.N, experts w1/w2/w3.
    {"layers.7.ffn.experts.3.w2", LayerKind::Decoder, 7, "layers.7", "experts", "layers.7.ffn.experts.*", ""},
    {"layers.7.attn.wq_a", LayerKind::Decoder, 7, "layers.7", "q_a", "", ""},
    // Not layers: the number must follow a known prefix and end a component.
    {"model.embed_tokens", LayerKind::None, std::nullopt, "", "other", "", ""},
    // (q_proj still fuses with its siblings; without a layer no norm is known.)
    {"model.layersX.1.q_proj", LayerKind::None, std::nullopt, "", "q", "model.layersX.1.{q,k,v}_proj", ""},
    {"model.layers.1x.q_proj", LayerKind::None, std::nullopt, "", "q", "model.layers.1x.{q,k,v}_proj", ""},
};

TEST(Naming, HandWrittenCases) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.prefix);
    ModuleName m = parse_module_name(c.prefix);
    EXPECT_EQ(m.kind, c.kind);
    EXPECT_EQ(m.layer, c.layer);
    EXPECT_EQ(m.layer_prefix, c.layer_prefix);
    EXPECT_EQ(layer_map_column(m), c.column);
    EXPECT_EQ(fused_group_key(c.prefix), c.fused);
    EXPECT_EQ(feeding_norm_weight(c.prefix).value_or(""), c.norm);
  }
}

// Every quantized module of a real published checkpoint is known to the
// table, and its decoder layers, MTP layer and vision blocks are told apart.
TEST(Naming, RealQwen38InventoryIsFullyKnown) {
  std::ifstream f(std::string(QKIT_SOURCE_DIR) + "/tests/data/real/qwen3.8-27b-w8a8-dynamic/tensor_inventory.tsv");
  ASSERT_TRUE(f) << "tests/data/real/qwen3.8-27b-w8a8-dynamic/tensor_inventory.tsv is missing";
  std::string line;
  std::getline(f, line);  // header
  std::set<std::uint64_t> decoder, mtp, vision;
  std::size_t quantized = 0;
  while (std::getline(f, line)) {
    std::istringstream row(line);
    std::string name, shape, dtype, quant;
    std::getline(row, name, '\t');
    std::getline(row, shape, '\t');
    std::getline(row, dtype, '\t');
    std::getline(row, quant, '\t');
    if (!name.ends_with(".weight") || quant == "FLOAT") continue;
    ++quantized;
    const std::string prefix = name.substr(0, name.size() - 7);
    ModuleName m = parse_module_name(prefix);
    EXPECT_NE(layer_map_column(m), "other") << name;
    if (m.kind == LayerKind::Decoder) decoder.insert(*m.layer);
    if (m.kind == LayerKind::Mtp) mtp.insert(*m.layer);
    if (m.kind == LayerKind::Vision) vision.insert(*m.layer);
  }
  EXPECT_GT(quantized, 400u);
  EXPECT_EQ(decoder.size(), 64u);  // verified_metadata.json: num_hidden_layers 64
  EXPECT_EQ(mtp, (std::set<std::uint64_t>{0}));
  EXPECT_EQ(vision.size(), 27u);   // vision_config depth 27
}

}  // namespace
}  // namespace qkit
