//===- tests/validate_test.cpp - qvalidate: one broken sample per rule ----===//
//
// The table below breaks a good generated sample in exactly one way and
// names the finding qvalidate must report (the llama.cpp test-gguf pattern).
// Every rule of the registry has at least one row; every good sample of the
// catalog must pass with no error or warning.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <regex>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "formats/float_codec.h"
#include "samples/catalog.h"
#include "tests/test_util.h"
#include "tests/tool_runner.h"
#include "validate/findings_text.h"
#include "validate/report.h"
#include "validate/validator.h"

namespace qkit {
namespace {

namespace fs = std::filesystem;
using validate::Finding;
using validate::Report;
using validate::Target;
using Bytes = std::vector<std::byte>;

// --- helpers to break a sample in memory -----------------------------------

OutputTensor& tensor(samples::BuiltSample& b, const std::string& name) {
  OutputTensor* t = b.find(name);
  if (t == nullptr) throw std::runtime_error("no tensor " + name);
  return *t;
}

Bytes copy_bytes(const OutputTensor& t) { return Bytes(t.source.bytes.begin(), t.source.bytes.end()); }

template <class T>
void set_element(samples::BuiltSample& b, const std::string& name, std::size_t i, T value) {
  OutputTensor& t = tensor(b, name);
  Bytes bytes = copy_bytes(t);
  std::memcpy(bytes.data() + i * sizeof(T), &value, sizeof(T));
  t.source.bytes = b.own(std::move(bytes));
}

template <class T>
T get_element(samples::BuiltSample& b, const std::string& name, std::size_t i) {
  T v;
  std::memcpy(&v, tensor(b, name).source.bytes.data() + i * sizeof(T), sizeof(T));
  return v;
}

void remove_tensor(samples::BuiltSample& b, const std::string& name, bool from_description) {
  auto& ts = b.content.tensors;
  ts.erase(std::remove_if(ts.begin(), ts.end(), [&](const OutputTensor& t) { return t.source.name == name; }), ts.end());
  if (from_description) b.content.description.erase(name);
}

void add_tensor(samples::BuiltSample& b, const std::string& name, Dtype d, std::vector<std::uint64_t> shape,
                Bytes bytes, const std::string& tag) {
  const Bytes& owned = b.own(std::move(bytes));
  b.content.tensors.push_back(OutputTensor{TensorSource{name, d, std::move(shape), owned, {}}, tag, false});
  b.content.description[name] = tag;
}

void edit_config(samples::BuiltSample& b, const std::function<void(nlohmann::ordered_json&)>& f) {
  auto j = nlohmann::ordered_json::parse(*b.content.config_json);
  f(j);
  b.content.config_json = j.dump(2) + "\n";
}

void edit_json_file(const fs::path& p, const std::function<void(nlohmann::ordered_json&)>& f) {
  auto j = nlohmann::ordered_json::parse(test::read_file(p));
  f(j);
  test::write_file(p, j.dump(2));
}

const std::string L0 = "model.layers.0.";

// A compressed-tensors checkpoint made from the float llama sample by
// compressed-tensors' layout rules (docs/research/compressed-tensors.md §4.1-
// 4.3): every Linear but lm_head as W8A8 static symmetric, int-quantized
// (I8 weight [n,k], weight_scale [n,1], input_scale [1]), or as W4A16 group
// 32, pack-quantized (weight_packed I32 [n,k/8] of value+8 nibbles,
// weight_shape I64 [2], weight_scale [n,k/group_size]); with `experts`, the
// MLP's projections become expert 0 of each layer and only they are
// quantized. Values are plausible, not calibrated: these rows test the
// layout rules.
void to_compressed_tensors(samples::BuiltSample& b, bool packed, std::uint64_t group_size = 32, bool experts = false) {
  std::vector<OutputTensor> out;
  auto add = [&](const std::string& name, Dtype d, std::vector<std::uint64_t> shape, Bytes bytes) {
    const Bytes& owned = b.own(std::move(bytes));
    out.push_back(OutputTensor{TensorSource{name, d, std::move(shape), owned, {}}, "", false});
  };
  for (const OutputTensor& t : b.content.tensors) {
    const std::string& name = t.source.name;
    const auto& sh = t.source.shape;
    const bool linear = name.ends_with(".weight") && sh.size() == 2 && name.find("embed_tokens") == std::string::npos &&
                        name != "lm_head.weight" && (!experts || name.find(".mlp.") != std::string::npos);
    if (!linear) {
      out.push_back(t);
      continue;
    }
    std::string p = name.substr(0, name.size() - 7);
    // MoE experts: the MLP's projections as expert 0 of the layer.
    if (experts && p.find(".mlp.") != std::string::npos) p.replace(p.find(".mlp.") + 5, 0, "experts.0.");
    const std::uint64_t n = sh[0], k = sh[1];
    auto bf16 = [](std::size_t count) {  // 0x3C00 = 2^-7
      Bytes v(2 * count);
      for (std::size_t i = 0; i < count; ++i) v[2 * i + 1] = std::byte{0x3C};
      return v;
    };
    if (!packed) {
      Bytes w(n * k);
      for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::byte>(static_cast<std::int8_t>(i % 200 - 100));
      add(p + ".weight", Dtype::I8, {n, k}, std::move(w));
      add(p + ".weight_scale", Dtype::BF16, {n, 1}, bf16(n));
      add(p + ".input_scale", Dtype::BF16, {1}, bf16(1));
    } else {
      Bytes w(n * (k / 8) * 4, std::byte{0x88});  // every value 0
      add(p + ".weight_packed", Dtype::I32, {n, k / 8}, std::move(w));
      Bytes shape(16);
      for (int i = 0; i < 8; ++i) {
        shape[i] = static_cast<std::byte>((n >> (8 * i)) & 0xff);
        shape[8 + i] = static_cast<std::byte>((k >> (8 * i)) & 0xff);
      }
      add(p + ".weight_shape", Dtype::I64, {2}, std::move(shape));
      add(p + ".weight_scale", Dtype::BF16, {n, k / group_size}, bf16(n * (k / group_size)));
    }
  }
  b.content.tensors = std::move(out);
  edit_config(b, [&](auto& j) {
    std::string packed_recipe = R"({"quant_method": "compressed-tensors", "format": "pack-quantized", "quantization_status": "compressed",
                   "config_groups": {"group_0": {"targets": ["Linear"],
                     "weights": {"num_bits": 4, "type": "int", "symmetric": true, "strategy": "group", "group_size": GS}}},
                   "ignore": ["lm_head"]})";
    packed_recipe.replace(packed_recipe.find("GS"), 2, std::to_string(group_size));
    // MoE: only the experts are quantized; attention stays float.
    if (experts) packed_recipe.replace(packed_recipe.find("[\"Linear\"]"), 10, R"(["re:.*\\.experts\\..*"])");
    j["quantization_config"] = nlohmann::ordered_json::parse(
        packed ? packed_recipe
               : R"({"quant_method": "compressed-tensors", "format": "int-quantized", "quantization_status": "compressed",
                   "config_groups": {"group_0": {"targets": ["Linear"],
                     "weights": {"num_bits": 8, "type": "int", "symmetric": true, "strategy": "channel"},
                     "input_activations": {"num_bits": 8, "type": "int", "symmetric": true, "strategy": "tensor"}}},
                   "ignore": ["lm_head"]})");
  });
}

struct Corruption {
  std::string id;
  std::string sample;
  std::function<void(samples::BuiltSample&)> content;  // before writing
  std::function<void(const fs::path&)> dir;            // after writing
  Target target = Target::Any;
  std::string rule;
  Severity severity = Severity::Error;
  std::string tensor;  // the finding must name it ("" = not checked)
  bool quick = false;
  validate::RuntimeVersion version{};  // {}: the newest known
  bool with_mtp = false;
};

std::vector<Corruption> corruptions() {
  std::vector<Corruption> v;
  auto add = [&](Corruption c) { v.push_back(std::move(c)); };
  const std::string V1 = "tiny-qwen-w8a8-msmodelslim", DYN = "tiny-llama-w8a8-dynamic-msmodelslim",
                    MIX = "tiny-llama-w8a8-mix-msmodelslim-v0", GS = "tiny-qwen-w8a8-golden-stick",
                    GS4 = "tiny-llama-w4a16-golden-stick", C8 = "tiny-llama-w8a8-fp16-c8-msmodelslim";
  // container
  add({"truncated_shard", V1, nullptr,
       [](const fs::path& p) { test::write_file(p / "quant_model_weights-00002-of-00002.safetensors", "\x10\0\0\0\0\0\0\0{}"); },
       Target::Any, "container.shard-unreadable"});
  // Issue #16's cases: one broken shard hides 30 tensors; the report's
  // first error must be the shard, not a "missing" tensor that is in it.
  add({"shard_deleted", V1, nullptr,
       [](const fs::path& p) { fs::remove(p / "quant_model_weights-00002-of-00002.safetensors"); }, Target::Any,
       "container.index-mismatch"});
  add({"first_shard_header_garbage", V1, nullptr,
       [](const fs::path& p) {
         auto f = p / "quant_model_weights-00001-of-00002.safetensors";
         std::string s = test::read_file(f);
         s.replace(0, 8, "XXXXXXXX");
         test::write_file(f, s);
       },
       Target::Any, "container.shard-unreadable"});
  add({"unknown_dtype", DYN, nullptr,
       [](const fs::path& p) {
         auto f = p / "quant_model_weights-00001-of-00001.safetensors";
         std::string s = test::read_file(f);
         s.replace(s.find("\"BF16\""), 6, "\"BX16\"");
         test::write_file(f, s);
       },
       Target::Any, "container.unknown-dtype"});
  add({"index_names_missing_tensor", V1, nullptr,
       [](const fs::path& p) {
         edit_json_file(p / "quant_model_weights.safetensors.index.json", [](auto& j) {
           j["weight_map"]["ghost.weight"] = "quant_model_weights-00001-of-00002.safetensors";
         });
       },
       Target::Any, "container.index-mismatch", Severity::Error, "ghost.weight"});
  add({"index_total_size", V1, nullptr,
       [](const fs::path& p) {
         edit_json_file(p / "quant_model_weights.safetensors.index.json",
                        [](auto& j) { j["metadata"]["total_size"] = j["metadata"]["total_size"].template get<int>() + 1; });
       },
       Target::Any, "container.index-total-size", Severity::Warning});
  add({"index_path_escape", V1, nullptr,
       [](const fs::path& p) {
         edit_json_file(p / "quant_model_weights.safetensors.index.json",
                        [](auto& j) { j["weight_map"]["model.norm.weight"] = "../elsewhere.safetensors"; });
       },
       Target::Any, "container.path-escape"});
  add({"stale_float_index", DYN, nullptr,
       [](const fs::path& p) {
         test::write_file(p / "model.safetensors.index.json",
                          R"({"metadata": {"total_size": 1}, "weight_map": {"model.norm.weight": "model.safetensors"}})");
       },
       Target::Any, "container.stale-index"});
  add({"unindexed_shard", DYN, nullptr,
       [](const fs::path& p) {
         fs::copy_file(p / "quant_model_weights-00001-of-00001.safetensors", p / "quant_model_weights-extra.safetensors");
       },
       Target::Any, "container.unindexed-shard", Severity::Warning});
  add({"interrupted_save", DYN, nullptr,
       [](const fs::path& p) {
         fs::copy_file(p / "quant_model_weights-00001-of-00001.safetensors",
                       p / "quant_model_weights-00002-of-00000.safetensors");
       },
       Target::Any, "container.interrupted-save"});
  add({"no_config", DYN, nullptr, [](const fs::path& p) { fs::remove(p / "config.json"); }, Target::Any,
       "container.config"});
  add({"both_descriptions", DYN, nullptr,
       [](const fs::path& p) { test::write_file(p / "quantization_description.json", "{}"); }, Target::Any,
       "container.description-count"});
  // description
  add({"description_not_json", MIX, nullptr,
       [](const fs::path& p) { test::write_file(p / "quant_model_description.json", "{\"version\": "); }, Target::Any,
       "description.unreadable"});
  add({"group_size_string", DYN, [](auto& b) { b.content.description["group_size"] = "0"; }, nullptr, Target::Any,
       "description.reserved-key"});
  add({"undescribed_tensor", DYN, [](auto& b) { b.content.description.erase("model.norm.weight"); }, nullptr,
       Target::Any, "description.undescribed-tensor", Severity::Error, "model.norm.weight"});
  add({"described_not_stored", DYN, [](auto& b) { remove_tensor(b, "model.norm.weight", false); }, nullptr,
       Target::Any, "description.missing-tensor", Severity::Error, "model.norm.weight"});
  add({"unknown_type", DYN, [](auto& b) { b.content.description[L0 + "mlp.down_proj.weight_scale"] = "W9A9"; },
       nullptr, Target::Any, "description.unknown-type", Severity::Error, L0 + "mlp.down_proj.weight_scale"});
  add({"model_quant_type_mismatch", DYN, [](auto& b) { b.content.description["model_quant_type"] = "W8A16"; },
       nullptr, Target::Any, "description.model-quant-type", Severity::Warning});
  // scheme
  add({"missing_deq_scale", V1, [](auto& b) { remove_tensor(b, L0 + "self_attn.q_proj.deq_scale", true); }, nullptr,
       Target::Any, "scheme.missing-tensor", Severity::Error, L0 + "self_attn.q_proj.deq_scale"});
  add({"scale_as_int32", DYN, [](auto& b) { tensor(b, L0 + "mlp.up_proj.weight_scale").source.dtype = Dtype::I32; },
       nullptr, Target::Any, "scheme.dtype", Severity::Error, L0 + "mlp.up_proj.weight_scale"});
  add({"deq_scale_f32_for_fp16", V1,
       [](auto& b) { edit_config(b, [](auto& j) { j["torch_dtype"] = "float16"; }); }, nullptr, Target::Any,
       "scheme.deq-scale-dtype", Severity::Error, L0 + "self_attn.q_proj.deq_scale"});
  add({"scale_transposed", DYN,
       [](auto& b) { tensor(b, L0 + "self_attn.o_proj.weight_scale").source.shape = {1, 64}; }, nullptr, Target::Any,
       "scheme.shape", Severity::Error, L0 + "self_attn.o_proj.weight_scale"});
  add({"golden_stick_smooth_scale_in_msmodelslim", V1,
       [](auto& b) {
         add_tensor(b, L0 + "self_attn.q_proj.smooth_scale", Dtype::F32, {64}, Bytes(256, std::byte{0x3f}), "W8A8");
       },
       nullptr, Target::Any, "scheme.unexpected-tensor", Severity::Error, L0 + "self_attn.q_proj.smooth_scale"});
  add({"int4_marker_missing", GS4, [](auto& b) { tensor(b, L0 + "mlp.up_proj.weight").int4 = false; }, nullptr,
       Target::Any, "scheme.int4-marker", Severity::Error, L0 + "mlp.up_proj.weight"});
  add({"scale_tagged_float", DYN, [](auto& b) { b.content.description[L0 + "mlp.up_proj.weight_offset"] = "FLOAT"; },
       nullptr, Target::Any, "scheme.tag", Severity::Warning, L0 + "mlp.up_proj.weight_offset"});
  add({"type_the_family_does_not_write", GS,
       [](auto& b) {
         for (const char* s : {"weight", "weight_scale", "weight_offset", "input_scale", "input_offset", "smooth_scale",
                               "deq_scale", "quant_bias"})
           b.content.description[L0 + "mlp.down_proj." + s] = "W8A8_MIX";
       },
       nullptr, Target::Any, "scheme.no-scheme", Severity::Error, L0 + "mlp.down_proj"});
  add({"weight_float_but_scales_stored", DYN,
       [](auto& b) { b.content.description[L0 + "mlp.down_proj.weight"] = "FLOAT"; }, nullptr, Target::Any,
       "scheme.orphan-tensor", Severity::Error, L0 + "mlp.down_proj.weight_scale"});
  add({"per_group_without_group_size", "tiny-llama-w8a8-dynamic-pergroup-msmodelslim",
       [](auto& b) { b.content.description["group_size"] = 0; }, nullptr, Target::Any, "scheme.group-size"});
  // group
  add({"qkv_types_differ", DYN,
       [](auto& b) {
         for (const char* s : {"weight", "weight_scale", "weight_offset"})
           b.content.description[L0 + "self_attn.k_proj." + s] = "W8A16";
       },
       nullptr, Target::Any, "group.fused-type", Severity::Error, L0 + "self_attn.{q,k,v}_proj"});
  add({"qkv_input_scale_differs", V1,
       [](auto& b) {
         std::string n = L0 + "self_attn.k_proj.input_scale";
         set_element<float>(b, n, 0, get_element<float>(b, n, 0) * 2);
       },
       nullptr, Target::Any, "group.fused-activation", Severity::Error, L0 + "self_attn.k_proj.input_scale"});
  add({"bias_tag_conflict_on_vllm_mindspore", V1, nullptr, nullptr, Target::VllmMindSpore, "group.module-type",
       Severity::Error, L0 + "self_attn.q_proj.bias"});
  // numeric
  add({"nan_in_embedding", DYN, [](auto& b) { set_element<std::uint16_t>(b, "model.embed_tokens.weight", 5, 0x7fc0); },
       nullptr, Target::Any, "numeric.nan-inf", Severity::Error, "model.embed_tokens.weight"});
  add({"zero_scale", DYN, [](auto& b) { set_element<float>(b, L0 + "mlp.gate_proj.weight_scale", 3, 0.0f); }, nullptr,
       Target::Any, "numeric.scale", Severity::Error, L0 + "mlp.gate_proj.weight_scale"});
  add({"fractional_input_offset", V1, [](auto& b) { set_element<float>(b, L0 + "self_attn.o_proj.input_offset", 0, 3.5f); },
       nullptr, Target::Any, "numeric.offset", Severity::Error, L0 + "self_attn.o_proj.input_offset"});
  add({"nonzero_symmetric_offset", DYN,
       [](auto& b) { set_element<float>(b, L0 + "mlp.down_proj.weight_offset", 1, 2.0f); }, nullptr, Target::Any,
       "numeric.offset", Severity::Error, L0 + "mlp.down_proj.weight_offset"});
  add({"deq_scale_not_product", MIX,
       [](auto& b) {
         std::string n = L0 + "self_attn.q_proj.deq_scale";
         set_element<float>(b, n, 3, get_element<float>(b, n, 3) * 1.5f);
       },
       nullptr, Target::Any, "numeric.deq-scale", Severity::Error, L0 + "self_attn.q_proj.deq_scale"});
  add({"quant_bias_off", V1,
       [](auto& b) {
         std::string n = L0 + "self_attn.v_proj.quant_bias";
         set_element<std::int32_t>(b, n, 2, get_element<std::int32_t>(b, n, 2) + 100);
       },
       nullptr, Target::Any, "numeric.quant-bias", Severity::Error, L0 + "self_attn.v_proj.quant_bias"});
  add({"golden_stick_quant_bias_off", GS,
       [](auto& b) {
         std::string n = L0 + "self_attn.q_proj.quant_bias";
         set_element<std::int32_t>(b, n, 0, get_element<std::int32_t>(b, n, 0) + 5);
       },
       nullptr, Target::Any, "numeric.quant-bias", Severity::Error, L0 + "self_attn.q_proj.quant_bias"});
  // Without a float bias the difference may be a bias folded in by a conversion: a warning.
  add({"golden_stick_quant_bias_off_no_bias", GS,
       [](auto& b) {
         std::string n = L0 + "mlp.up_proj.quant_bias";
         set_element<std::int32_t>(b, n, 0, get_element<std::int32_t>(b, n, 0) + 50);
       },
       nullptr, Target::Any, "numeric.quant-bias", Severity::Warning, L0 + "mlp.up_proj.quant_bias"});
  add({"int4_value_9", "tiny-llama-w4a4-dynamic-msmodelslim",
       [](auto& b) { set_element<std::int8_t>(b, L0 + "mlp.up_proj.weight", 0, 9); }, nullptr, Target::Any,
       "numeric.int4-range", Severity::Error, L0 + "mlp.up_proj.weight"});
  add({"all_zero_weight", DYN,
       [](auto& b) {
         OutputTensor& t = tensor(b, L0 + "self_attn.o_proj.weight");
         t.source.bytes = b.own(Bytes(t.source.bytes.size(), std::byte{0}));
       },
       nullptr, Target::Any, "numeric.degenerate-weight", Severity::Warning, L0 + "self_attn.o_proj.weight"});
  add({"scale_bias_wrong", "tiny-llama-w4a8-dynamic-msmodelslim",
       [](auto& b) { set_element<float>(b, L0 + "mlp.down_proj.scale_bias", 3, 1234.5f); }, nullptr, Target::Any,
       "numeric.scale-bias", Severity::Error, L0 + "mlp.down_proj.scale_bias"});
  add({"scale_bias_wrong_column", "tiny-llama-w4a8-dynamic-msmodelslim",
       [](auto& b) {
         float v = get_element<float>(b, L0 + "self_attn.q_proj.scale_bias", 0);
         set_element<float>(b, L0 + "self_attn.q_proj.scale_bias", 0, -v + 1.0f);
       },
       nullptr, Target::Any, "numeric.scale-bias", Severity::Error, L0 + "self_attn.q_proj.scale_bias"});
  // target
  add({"golden_stick_on_vllm_ascend", GS, nullptr, nullptr, Target::VllmAscend, "target.family"});
  add({"dynamic_on_vllm_mindspore", DYN, nullptr, nullptr, Target::VllmMindSpore, "target.unsupported-type"});
  add({"mindie_name_on_vllm_ascend", "tiny-llama-w8a8s-msmodelslim-mindie", nullptr, nullptr, Target::VllmAscend,
       "target.description-name"});
  add({"quantization_config_hijack", DYN,
       [](auto& b) { edit_config(b, [](auto& j) { j["quantization_config"] = {{"group_size", 0}}; }); }, nullptr,
       Target::VllmAscend, "target.quantization-config"});
  // A Hugging Face checkpoint with a quant_method qkit does not check: a
  // warning says so instead of a silent pass; a compressed-tensors one gets
  // its tensors checked against the recipe and a note that values are not
  // (issue #17).
  add({"other_quant_method_not_checked", "tiny-llama-float",
       [](auto& b) { edit_config(b, [](auto& j) { j["quantization_config"] = {{"quant_method", "awq"}}; }); }, nullptr,
       Target::Any, "scheme.layout-not-checked", Severity::Warning});
  add({"compressed_tensors_not_checked", "tiny-llama-float",
       [](auto& b) {
         edit_config(b, [](auto& j) {
           j["quantization_config"] = nlohmann::ordered_json::parse(
               R"({"quant_method": "compressed-tensors", "format": "int-quantized",
                   "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 8, "strategy": "channel"},
                                                 "input_activations": {"num_bits": 8, "strategy": "token", "dynamic": true}}},
                   "ignore": ["lm_head"]})");
         });
       },
       nullptr, Target::Any, "scheme.layout-not-checked", Severity::Info});
  add({"compressed_tensors_recipe_invalid", "tiny-llama-float",
       [](auto& b) {
         edit_config(b, [](auto& j) {
           j["quantization_config"] = nlohmann::ordered_json::parse(
               R"({"quant_method": "compressed-tensors", "config_groups": {"group_0": {"targets": ["Linear"],
                   "weights": {"num_bits": 4, "strategy": "group"}}}})");
         });
       },
       nullptr, Target::Any, "container.config", Severity::Error});
  // compressed-tensors against its recipe (issue #17): one corruption per rule.
  add({"ct_scale_contradicts_strategy", "tiny-llama-float",
       [](auto& b) {
         to_compressed_tensors(b, false);
         tensor(b, L0 + "mlp.down_proj.weight_scale").source.shape = {1, 64};  // channel strategy: [n,1] = [64,1]
       },
       nullptr, Target::Any, "scheme.shape", Severity::Error, L0 + "mlp.down_proj.weight_scale"});
  add({"ct_missing_scale", "tiny-llama-float",
       [](auto& b) {
         to_compressed_tensors(b, false);
         remove_tensor(b, L0 + "self_attn.q_proj.weight_scale", false);
       },
       nullptr, Target::Any, "scheme.missing-tensor", Severity::Error, L0 + "self_attn.q_proj.weight_scale"});
  add({"ct_weight_shape_disagrees", "tiny-llama-float",
       [](auto& b) {
         to_compressed_tensors(b, true);
         // weight_shape says k = 96 while weight_packed holds 64/8 = 8 words per row.
         set_element<std::int64_t>(b, L0 + "mlp.up_proj.weight_shape", 1, 96);
       },
       nullptr, Target::Any, "scheme.weight-shape", Severity::Error, L0 + "mlp.up_proj.weight_shape"});
  add({"ct_raw_msmodelslim_parameter", "tiny-llama-float",
       [](auto& b) {
         to_compressed_tensors(b, false);
         add_tensor(b, L0 + "mlp.gate_proj.weight_offset", Dtype::BF16, {128, 1}, Bytes(256), "");
       },
       nullptr, Target::Any, "scheme.unexpected-tensor", Severity::Error, L0 + "mlp.gate_proj.weight_offset"});
  add({"ct_zero_scale", "tiny-llama-float",
       [](auto& b) {
         to_compressed_tensors(b, false);
         set_element<std::uint16_t>(b, L0 + "self_attn.k_proj.weight_scale", 3, 0);  // BF16 +0.0
       },
       nullptr, Target::Any, "numeric.scale", Severity::Error, L0 + "self_attn.k_proj.weight_scale"});
  add({"ct_int4_stored_unpacked_out_of_range", "tiny-llama-float",
       [](auto& b) {
         // W4A8 is int-quantized: int4 values stored one per I8 (format.py
         // L72-81); this sample's weights span [-100, 99].
         to_compressed_tensors(b, false);
         auto& ts = b.content.tensors;
         ts.erase(std::remove_if(ts.begin(), ts.end(), [](const OutputTensor& t) { return t.source.name.ends_with(".input_scale"); }),
                  ts.end());
         edit_config(b, [](auto& j) {
           auto& g = j["quantization_config"]["config_groups"]["group_0"];
           g["weights"]["num_bits"] = 4;
           g["input_activations"] = {{"num_bits", 8}, {"strategy", "token"}, {"dynamic", true}};
         });
       },
       nullptr, Target::Any, "numeric.int4-range", Severity::Error, L0 + "mlp.down_proj.weight"});
  // vllm-ascend's compressed-tensors loader (compressed_tensors_config.py
  // L340-437 @182b75ea): asymmetric static inputs, as msModelSlim's saver
  // declares them, match no quant type; dense W4A16 is registered for MoE only.
  add({"ct_asymmetric_inputs_on_vllm_ascend", "tiny-llama-float",
       [](auto& b) {
         to_compressed_tensors(b, false);
         edit_config(b, [](auto& j) { j["quantization_config"]["config_groups"]["group_0"]["input_activations"]["symmetric"] = false; });
       },
       nullptr, Target::VllmAscend, "target.unsupported-type", Severity::Error, "group_0"});
  add({"ct_dense_w4a16_on_vllm_ascend", "tiny-llama-float", [](auto& b) { to_compressed_tensors(b, true); }, nullptr,
       Target::VllmAscend, "target.unsupported-type", Severity::Error, "group_0"});
  // MoE W4A16 is registered, but its method reads group_size from the
  // config's top level (absent in compressed-tensors: 32; w4a16.py L186).
  add({"ct_moe_w4a16_group_64_on_vllm_ascend", "tiny-llama-float", [](auto& b) { to_compressed_tensors(b, true, 64, true); },
       nullptr, Target::VllmAscend, "target.group-size", Severity::Error, "group_0"});
  // W4A8_DYNAMIC (int4 weights unpacked in int-quantized, int8 token
  // dynamic inputs) is detected for MoE, but per-group weights are refused
  // when the method is created (w4a8.py L113-120 @182b75ea). Headers only.
  add({"ct_moe_w4a8_per_group_on_vllm_ascend", "tiny-llama-float",
       [](auto& b) {
         to_compressed_tensors(b, false, 32, true);
         auto& ts = b.content.tensors;
         ts.erase(std::remove_if(ts.begin(), ts.end(), [](const OutputTensor& t) { return t.source.name.ends_with(".input_scale"); }),
                  ts.end());
         std::map<std::string, std::uint64_t> k_of;  // module -> k
         for (const OutputTensor& t : ts)
           if (t.source.name.ends_with(".weight") && t.source.shape.size() == 2 && t.source.name.find(".experts.") != std::string::npos)
             k_of[t.source.name.substr(0, t.source.name.size() - 7)] = t.source.shape[1];
         for (OutputTensor& t : ts)
           if (t.source.name.ends_with(".weight_scale")) {
             const std::uint64_t n = t.source.shape[0], groups = k_of.at(t.source.name.substr(0, t.source.name.size() - 13)) / 32;
             t.source.shape = {n, groups};
             t.source.bytes = b.own(Bytes(2 * n * groups, std::byte{0x3C}));
           }
         edit_config(b, [](auto& j) {
           auto& g = j["quantization_config"]["config_groups"]["group_0"];
           g["targets"] = {"re:.*\\.experts\\..*"};
           g["weights"] = {{"num_bits", 4}, {"type", "int"}, {"symmetric", true}, {"strategy", "group"}, {"group_size", 32}};
           g["input_activations"] = {{"num_bits", 8}, {"type", "int"}, {"symmetric", true}, {"strategy", "token"}, {"dynamic", true}};
         });
       },
       nullptr, Target::VllmAscend, "target.unsupported-type", Severity::Error, "group_0", true});
  add({"ct_on_mindie", "tiny-llama-float", [](auto& b) { to_compressed_tensors(b, false); }, nullptr, Target::MindIE,
       "target.family", Severity::Error});
  // compressed-tensors rules on the catalog's real samples (issue #17). Each
  // row's rule from what compressed-tensors writes (docs/research/
  // compressed-tensors.md §4.1-4.3): scale shapes by strategy
  // (initialize.py L201-249 @52792be), weight_shape = the unpacked [n, k]
  // (pack_quantized.py L129), weight_scale always beside a static weight.
  {
    const std::string CT8 = "tiny-llama-w8a8-compressed-tensors", CT4 = "tiny-llama-w4a16-pergroup-compressed-tensors",
                      CTMS = "tiny-qwen-w8a8-compressed-tensors-msmodelslim", CTFP8 = "tiny-llama-fp8-dynamic-compressed-tensors",
                      CTMOE = "tiny-moe-w4a16-compressed-tensors";
    // Channel strategy stores [n, 1]; a 1-D [n] (msModelSlim's QIR before
    // its saver's unsqueeze, or Golden-Stick's layout) contradicts it.
    add({"ct_sample_channel_scale_one_dimensional", CT8,
         [](auto& b) { tensor(b, L0 + "self_attn.q_proj.weight_scale").source.shape = {64}; }, nullptr, Target::Any,
         "scheme.shape", Severity::Error, L0 + "self_attn.q_proj.weight_scale"});
    // Group strategy stores [n, ceil(k/gs)] = [64, 128/32] for down_proj; the
    // same bytes as [G, n] (Golden-Stick's per-group layout) contradict it.
    add({"ct_sample_group_scale_transposed", CT4,
         [](auto& b) { tensor(b, L0 + "mlp.down_proj.weight_scale").source.shape = {4, 64}; }, nullptr, Target::Any,
         "scheme.shape", Severity::Error, L0 + "mlp.down_proj.weight_scale"});
    // down_proj's k is 128: 16 words of 8 nibbles; weight_shape saying k = 64
    // would need 8.
    add({"ct_sample_weight_shape_disagrees", CT4,
         [](auto& b) { set_element<std::int64_t>(b, L0 + "mlp.down_proj.weight_shape", 1, 64); }, nullptr, Target::Any,
         "scheme.weight-shape", Severity::Error, L0 + "mlp.down_proj.weight_shape"});
    add({"ct_sample_missing_weight_scale", CT8,
         [](auto& b) { remove_tensor(b, L0 + "mlp.gate_proj.weight_scale", false); }, nullptr, Target::Any,
         "scheme.missing-tensor", Severity::Error, L0 + "mlp.gate_proj.weight_scale"});
    add({"ct_sample_expert_missing_weight_scale", CTMOE,
         [](auto& b) { remove_tensor(b, "model.layers.1.mlp.experts.1.down_proj.weight_scale", false); }, nullptr,
         Target::Any, "scheme.missing-tensor", Severity::Error, "model.layers.1.mlp.experts.1.down_proj.weight_scale"});
    // An int8 zero point lies in [-128, 127] (calculate_qparams clamps it,
    // helpers.py L133-134); 200 (BF16 0x4348) does not.
    add({"ct_sample_input_zero_point_out_of_range", CTMS,
         [](auto& b) { set_element<std::uint16_t>(b, L0 + "self_attn.q_proj.input_zero_point", 0, 0x4348); }, nullptr,
         Target::Any, "numeric.offset", Severity::Error, L0 + "self_attn.q_proj.input_zero_point"});
    // Scales are clamped at fp32 eps (helpers.py L122, L132): never <= 0.
    add({"ct_sample_negative_weight_scale", CTFP8,
         [](auto& b) { set_element<std::uint16_t>(b, L0 + "mlp.up_proj.weight_scale", 5, 0xBC00); },  // BF16 -2^-7
         nullptr, Target::Any, "numeric.scale", Severity::Error, L0 + "mlp.up_proj.weight_scale"});
    add({"ct_sample_zero_input_scale", CT8,
         [](auto& b) { set_element<std::uint16_t>(b, L0 + "self_attn.v_proj.input_scale", 0, 0); }, nullptr, Target::Any,
         "numeric.scale", Severity::Error, L0 + "self_attn.v_proj.input_scale"});
    // Not corrupted: msModelSlim's own static output and dense W4A16, as
    // written, are refused by vllm-ascend's compressed-tensors loader
    // (compressed_tensors_config.py L340-376, L331-336 @182b75ea).
    add({"ct_sample_msmodelslim_static_on_vllm_ascend", CTMS, nullptr, nullptr, Target::VllmAscend,
         "target.unsupported-type", Severity::Error, "group_0"});
    add({"ct_sample_dense_w4a16_on_vllm_ascend", CT4, nullptr, nullptr, Target::VllmAscend, "target.unsupported-type",
         Severity::Error, "group_0"});
  }
  add({"foreign_quant_method", DYN,
       [](auto& b) { edit_config(b, [](auto& j) { j["quantization_config"] = {{"quant_method", "fp8"}}; }); }, nullptr,
       Target::Any, "target.quantization-config", Severity::Warning});
  {
    // MindIE <= 2.1 needs config.json "quantize" (the FAQ's 'linear type
    // not matched'); 3.0 derives it from model_quant_type (router.py
    // L217-218 @8b4871ad31f5), so the same checkpoint passes there.
    Corruption c{"mindie_2_1_without_quantize", DYN, nullptr, nullptr, Target::MindIE, "target.mindie-config"};
    c.version = {2, 1};
    add(c);
  }
  add({"mindie_group_size_minus_one", DYN,
       [](auto& b) {
         edit_config(b, [](auto& j) {
           j["quantize"] = "w8a8_dynamic";
           j["quantization_config"] = {{"group_size", -1}};
         });
       },
       nullptr, Target::MindIE, "target.mindie-config"});
  {
    // MTP entries are looked up only when the drafter is loaded
    // (vllm-ascend modelslim_config.py L167-169; #5794, #4093).
    Corruption c{"mtp_layer_not_described_with_mtp", DYN,
                 [](auto& b) { edit_config(b, [](auto& j) { j["num_nextn_predict_layers"] = 1; }); }, nullptr,
                 Target::VllmAscend, "target.coverage", Severity::Error, "model.layers.2.*"};
    c.with_mtp = true;
    add(c);
    c.id = "mtp_layer_not_described";
    c.with_mtp = false;
    c.severity = Severity::Warning;
    add(c);
  }
  // vllm-ascend creates [n,1] weight_scale for W8A8_DYNAMIC linears
  // (w8a8_dynamic.py L72-82 @182b75ea84ff); vLLM asserts equal shapes.
  add({"per_group_dynamic_on_vllm_ascend", "tiny-llama-w8a8-dynamic-pergroup-msmodelslim", nullptr, nullptr,
       Target::VllmAscend, "target.parameter"});
  {
    // Before efda0446db94 vllm-ascend read packed W4A8 only when version is
    // "1.0.0" (w4a8.py L349-354 at efda0446db94^).
    Corruption c{"w4a8_packed_without_version", "tiny-llama-w4a8-dynamic-msmodelslim",
                 [](auto& b) { b.content.description.erase("version"); }, nullptr, Target::VllmAscend,
                 "target.packed-version"};
    c.version = {0, 25};
    add(c);
  }
  {
    // vllm-ascend 0.13-0.17 has no KV-cache int8 method (docs/research/
    // va-registry.md: the C8 attention entry left the dict in v0.13.0rc1,
    // kv_cache_type arrived in 0.18); 0.11 read kv_quant_type.
    Corruption c{"c8_on_vllm_ascend_0_15", C8, nullptr, nullptr, Target::VllmAscend, "target.unsupported-type"};
    c.version = {0, 15};
    add(c);
    Corruption k{"c8_on_vllm_ascend_0_11_reads_kv_quant_type", C8,
                 [](auto& b) {
                   b.content.description.erase("kv_quant_type");
                   b.content.description["kv_cache_type"] = "C8";
                 },
                 nullptr, Target::VllmAscend, "target.kv-cache-key"};
    k.version = {0, 11};
    add(k);
  }
  add({"int8_weight_tagged_float", DYN, [](auto& b) { b.content.description[L0 + "mlp.up_proj.weight"] = "FLOAT"; }, nullptr,
       Target::Any, "scheme.float-integer-weight", Severity::Error, L0 + "mlp.up_proj.weight"});
  add({"attention_quant_type_grammar", "tiny-llama-w8a8-fa-msmodelslim-mindie",
       [](auto& b) { b.content.description[L0 + "self_attn.quant_type"] = "Q_FP16_DYNAMIC"; }, nullptr, Target::Any,
       "description.attention-type", Severity::Error, L0 + "self_attn.quant_type"});
  add({"kv_cache_type_missing", C8, [](auto& b) { b.content.description.erase("kv_cache_type"); }, nullptr,
       Target::VllmAscend, "target.kv-cache-key"});
  add({"fa_quant_type_for_vllm_ascend", "tiny-llama-w8a8-fa-msmodelslim-mindie",
       [](auto& b) { b.content.description.erase("fa_quant_type"); }, nullptr, Target::Any, "target.fa-quant-key"});
  add({"int4_group_32_on_vllm_ascend", "tiny-llama-w4a16-pergroup-msmodelslim-v0", nullptr, nullptr,
       Target::VllmAscend, "target.group-size"});
  return v;
}

Report run(const fs::path& dir, Target target, bool quick, validate::RuntimeVersion version = {}, bool with_mtp = false) {
  auto c = Checkpoint::open(dir);
  if (!c) throw std::runtime_error(c.error().to_string());
  validate::ValidateOptions o;
  o.target = target;
  o.quick = quick;
  o.version = version;
  o.with_mtp = with_mtp;
  return validate::validate(*c, o);
}
Report run(const fs::path& dir, const Corruption& c) { return run(dir, c.target, c.quick, c.version, c.with_mtp); }

std::string dump(const Report& r) {
  std::string s;
  for (const Finding& f : r.findings)
    s += std::string(severity_name(f.severity)) + " " + f.rule + " " + f.tensor + ": " + f.message + "\n";
  return s;
}

fs::path build_broken(const test::TempDir& d, const Corruption& c) {
  const auto* spec = samples::find_sample(c.sample);
  if (spec == nullptr) throw std::runtime_error("no sample " + c.sample);
  samples::BuiltSample b = samples::build_sample(*spec);
  if (c.content) c.content(b);
  fs::path dir = d / c.id;
  auto st = write_checkpoint(dir, b.content, b.options);
  if (!st) throw std::runtime_error(st.error().to_string());
  if (c.dir) c.dir(dir);
  return dir;
}

class Broken : public ::testing::TestWithParam<Corruption> {};

TEST_P(Broken, ReportsTheExpectedFinding) {
  const Corruption& c = GetParam();
  test::TempDir d;
  fs::path dir = build_broken(d, c);
  Report r = run(dir, c);
  bool found = false;
  for (const Finding& f : r.findings)
    if (f.rule == c.rule && f.severity == c.severity && (c.tensor.empty() || f.tensor == c.tensor)) {
      found = true;
      EXPECT_FALSE(f.message.empty());
    }
  EXPECT_TRUE(found) << c.id << ": expected " << severity_name(c.severity) << " " << c.rule << " on '" << c.tensor
                     << "'; got:\n" << dump(r);
  if (c.severity == Severity::Error) {
    EXPECT_GT(r.errors, 0u);
  }
}

// Issue #16: each corruption is one cause, so the text report's first error
// names it and every other error follows from it (folded under it), and no
// finding is reported twice. The expected rule comes from the table above,
// written by hand for each corruption.
//
// Rows where the root is not the row's rule, or where the corruption makes
// the checkpoint fail the target for two independent reasons, derived by
// hand: {root rule, number of root entries}.
const std::map<std::string, std::pair<std::string, std::size_t>> kRootsOtherThanTheRule = {
    // The I8 weight tagged FLOAT is the cause; its scales are orphans because of it.
    {"weight_float_but_scales_stored", {"scheme.float-integer-weight", 1}},
    // W8A8S is refused by vllm-ascend whatever the description's name.
    {"mindie_name_on_vllm_ascend", {"target.description-name", 2}},
    // MindIE 2.1 needs both: the "quantize" key and a description named after it.
    {"mindie_2_1_without_quantize", {"target.description-name", 2}},
    // Two parameters the loader creates per channel, each failing its own assert.
    {"per_group_dynamic_on_vllm_ascend", {"target.parameter", 2}},
    // Group 32 is refused by the kernel, and dense W4A16 by the registry.
    {"int4_group_32_on_vllm_ascend", {"target.group-size", 2}},
};

// The W4A8 row's refusal is the per-group one, not a failed detection.
TEST(CompressedTensors, PerGroupW4A8IsRefusedAsPerGroup) {
  for (const Corruption& c : corruptions())
    if (c.id == "ct_moe_w4a8_per_group_on_vllm_ascend") {
      test::TempDir d;
      Report r = run(build_broken(d, c), c);
      ASSERT_EQ(r.errors, 1u) << dump(r);
      EXPECT_NE(r.findings[0].message.find("detected as W4A8_DYNAMIC with per-group weights"), std::string::npos)
          << r.findings[0].message;
      EXPECT_NE(r.findings[0].message.find("w4a8.py@182b75ea84ff L113-120"), std::string::npos);
    }
}

TEST_P(Broken, FirstErrorOfTheTextReportIsTheRootCause) {
  const Corruption& c = GetParam();
  if (c.severity != Severity::Error) GTEST_SKIP() << "a warning row";
  std::string root = c.rule;
  std::size_t roots = 1;
  if (auto it = kRootsOtherThanTheRule.find(c.id); it != kRootsOtherThanTheRule.end()) std::tie(root, roots) = it->second;
  test::TempDir d;
  fs::path dir = build_broken(d, c);
  Report r = run(dir, c);
  const std::string text = validate::render_text(r, {});
  const auto first = text.find("\nerrors (");
  ASSERT_NE(first, std::string::npos) << text;
  const auto first_rule = text.find("  [", first);
  ASSERT_NE(first_rule, std::string::npos) << text;
  EXPECT_EQ(text.substr(first_rule + 3, root.size() + 1), root + "]") << c.id << ":\n" << text;
  std::ostringstream entries;
  EXPECT_EQ(validate::render_findings(entries, r.findings, Severity::Error, {}), roots)
      << c.id << ":\n" << validate::render_text(r, {false, true});
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
  for (const Finding& f : r.findings)
    EXPECT_TRUE(seen.emplace(f.rule, f.file, f.tensor, f.message).second) << "reported twice: " << f.rule << " " << f.tensor;
}

// The same, through the CLI: one shard deleted from a two-shard checkpoint.
// Every error other than the missing shard follows from it.
TEST(RootCauses, OneMissingShardIsOneFindingWithItsConsequencesLinked) {
  test::TempDir d;
  Corruption c;
  c.id = "shard_deleted";
  c.sample = "tiny-qwen-w8a8-msmodelslim";
  c.dir = [](const fs::path& p) { fs::remove(p / "quant_model_weights-00002-of-00002.safetensors"); };
  const fs::path dir = build_broken(d, c);
  auto j = test::run_tool(QKIT_QVALIDATE, {dir.string(), "--format", "json"});
  EXPECT_EQ(j.exit_code, 1) << j.err;
  auto doc = nlohmann::json::parse(j.out);
  std::size_t container = 0, linked = 0;
  std::size_t root_id = 0;
  for (const auto& f : doc["findings"]) {
    if (f["rule"].get<std::string>().starts_with("container.")) {
      ++container;
      root_id = f["id"].get<std::size_t>();
      EXPECT_FALSE(f.contains("cause"));
    }
  }
  EXPECT_EQ(container, 1u) << "the missing shard is reported once: " << j.out;
  for (const auto& f : doc["findings"])
    if (f["severity"] == "error" && f["id"] != root_id) {
      EXPECT_EQ(f.value("cause", std::size_t{0}), root_id) << f.dump();
      ++linked;
    }
  EXPECT_EQ(linked + 1, doc["counts"]["error"].get<std::size_t>());
  EXPECT_GT(linked, 0u);
  auto t = test::run_tool(QKIT_QVALIDATE, {dir.string(), "--no-color"});
  EXPECT_NE(t.out.find("errors (1 root cause, "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("scheme.missing-tensor x"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("); --verbose lists them"), std::string::npos) << t.out;
  EXPECT_EQ(t.out.find("W8A8 requires"), std::string::npos) << "consequences folded";
  auto v = test::run_tool(QKIT_QVALIDATE, {dir.string(), "--no-color", "--verbose"});
  EXPECT_NE(v.out.find(std::to_string(linked) + " consequences:"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("W8A8 requires deq_scale"), std::string::npos) << v.out;
}

// A quantized shard given alone is not passed silently (issue #16): its 28
// quantization tensors (14 W8A8_DYNAMIC modules x weight_scale, weight_offset)
// are named in a warning that points at the directory; a float file is not.
TEST(Reports, ALoneQuantizedShardSaysItsQuantizationWasNotChecked) {
  test::TempDir d;
  ASSERT_TRUE(samples::write_sample(d / "q", *samples::find_sample("tiny-llama-w8a8-dynamic-msmodelslim")).ok());
  ASSERT_TRUE(samples::write_sample(d / "f", *samples::find_sample("tiny-llama-float")).ok());
  auto q = test::run_tool(QKIT_QVALIDATE, {(d / "q" / "quant_model_weights-00001-of-00001.safetensors").string(), "--no-color"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("28 quantization tensors (e.g. "), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("validate the checkpoint directory (" + (d / "q").string() + ")"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("[container.description-count]"), std::string::npos) << q.out;
  auto f = test::run_tool(QKIT_QVALIDATE, {(d / "f" / "model.safetensors").string(), "--no-color"});
  EXPECT_EQ(f.exit_code, 0);
  EXPECT_NE(f.out.find("PASS: 0 errors, 0 warnings"), std::string::npos) << f.out;
}

// Both compressed-tensors checkpoints built by the layout rules pass with no
// error or warning (the values-not-checked note is info).
TEST(CompressedTensors, LayoutRulesAcceptWhatTheyDescribe) {
  for (bool packed : {false, true}) {
    test::TempDir d;
    samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-float"));
    to_compressed_tensors(b, packed);
    ASSERT_TRUE(write_checkpoint(d / "ct", b.content, b.options).ok());
    for (bool quick : {false, true}) {
      Report r = run(d / "ct", Target::Any, quick);
      EXPECT_EQ(r.layout, Layout::CompressedTensors);
      EXPECT_EQ(r.errors + r.warnings, 0u) << (packed ? "packed" : "int-quantized") << (quick ? " quick" : "") << ":\n" << dump(r);
    }
    // Symmetric static W8A8 is what vllm-ascend's compressed-tensors loader
    // detects as "W8A8" and registers for linear layers (L378-387 @182b75ea).
    if (!packed) {
      Report va = run(d / "ct", Target::VllmAscend, false);
      EXPECT_EQ(va.errors, 0u) << dump(va);
    } else {
      // Dense W4A16 fails vllm-ascend (registered for MoE only, a table row
      // above); as MoE experts with group 32 it loads (w4a16.py L110, L186).
      samples::BuiltSample m = samples::build_sample(*samples::find_sample("tiny-llama-float"));
      to_compressed_tensors(m, true, 32, true);
      ASSERT_TRUE(write_checkpoint(d / "moe", m.content, m.options).ok());
      Report va = run(d / "moe", Target::VllmAscend, false);
      EXPECT_EQ(va.errors, 0u) << dump(va);
    }
  }
}

// A finding is folded under its cause's root only when that root is at
// least as severe: A (warning) <- B (error) <- C (warning): B stands as a
// root (its cause is milder), C folds under B, A is a root of its own.
TEST(RootCauses, NeverFoldedUnderAMilderRoot) {
  std::vector<Finding> f = {{"r.a", Severity::Warning, "a", "", "ta"}, {"r.b", Severity::Error, "b", "", "tb"},
                            {"r.c", Severity::Warning, "c", "", "tc"}};
  f[0].id = 1;
  f[1].id = 2, f[1].cause = 1;
  f[2].id = 3, f[2].cause = 2;
  EXPECT_EQ(validate::count_roots(f, Severity::Error).roots, 1u);
  EXPECT_EQ(validate::count_roots(f, Severity::Error).consequences, 1u);
  EXPECT_EQ(validate::count_roots(f, Severity::Warning).roots, 1u);
  EXPECT_EQ(validate::count_roots(f, Severity::Warning).consequences, 0u);
  // A cycle ends the walk.
  f[0].cause = 3;
  EXPECT_NO_FATAL_FAILURE((void)validate::count_roots(f, Severity::Error));
}

// One rule on many modules is one entry, numbers folded into ranges.
TEST(RootCauses, CompactNamesFoldsNumbersIntoRanges) {
  EXPECT_EQ(validate::compact_names({std::string(600, 'x') + "0", std::string(600, 'x') + "1"}).size(), 2u)
      << "long names are listed as they are";
  EXPECT_EQ(validate::compact_names({"l.0.w", "l.1.w", "l.2.w", "l.5.w"}), (std::vector<std::string>{"l.{0-2,5}.w"}));
  EXPECT_EQ(validate::compact_names({"l.0.e.0.w", "l.0.e.1.w", "l.1.e.0.w", "l.1.e.1.w"}),
            (std::vector<std::string>{"l.{0,1}.e.{0,1}.w"}));
  EXPECT_EQ(validate::compact_names({"a.w", "b.w"}), (std::vector<std::string>{"a.w", "b.w"}));
  EXPECT_EQ(validate::compact_names({"s-00001", "s-00002"}), (std::vector<std::string>{"s-{00001,00002}"}));
  EXPECT_EQ(validate::compact_names({"x.3.w", "x.3.b"}), (std::vector<std::string>{"x.3.w", "x.3.b"}));
}

void PrintTo(const Corruption& c, std::ostream* os) { *os << c.id; }

INSTANTIATE_TEST_SUITE_P(Table, Broken, ::testing::ValuesIn(corruptions()),
                         [](const auto& info) { return info.param.id; });

// Every input gets a report (issue #16): a broken .safetensors file is an
// error finding, exit 1, in every format, labelled with the file itself;
// an empty directory is not a checkpoint at all, exit 2, in every tool.
TEST(Reports, BrokenFileGetsAReportEmptyDirectoryIsAUsageError) {
  test::TempDir d;
  test::write_file(d / "x.safetensors", "garbage!");
  const std::string x = (d / "x.safetensors").string();
  auto j = test::run_tool(QKIT_QVALIDATE, {x, "--format", "json"});
  EXPECT_EQ(j.exit_code, 1) << j.err;
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["path"], x);
  EXPECT_EQ(doc["findings"][0]["rule"], "container.shard-unreadable");
  auto u = test::run_tool(QKIT_QVALIDATE, {x, "--format", "junit", "-o", (d / "r.xml").string()});
  EXPECT_EQ(u.exit_code, 1) << u.err;
  EXPECT_NE(u.out.find("FAIL: 1 error, 0 warnings (junit report written to "), std::string::npos) << u.out;
  EXPECT_NE(test::read_file(d / "r.xml").find("name=\"container.shard-unreadable\">\n      <failure"), std::string::npos);
  auto i = test::run_tool(QKIT_QINSPECT, {x, "--json"});
  EXPECT_EQ(i.exit_code, 1);
  EXPECT_NO_THROW((void)nlohmann::json::parse(i.out)) << i.out;
  fs::create_directories(d / "empty");
  for (const char* tool : {QKIT_QVALIDATE, QKIT_QINSPECT}) {
    auto e = test::run_tool(tool, {(d / "empty").string()});
    EXPECT_EQ(e.exit_code, 2) << tool << ": " << e.err;
  }
  auto ej = test::run_tool(QKIT_QINSPECT, {(d / "empty").string(), "--json"});
  EXPECT_EQ(ej.exit_code, 2);
  auto edoc = nlohmann::json::parse(ej.out);
  EXPECT_EQ(edoc["error"]["id"], "ckpt-not-a-checkpoint");
}

TEST(Targets, VersionsMustBeOnesQkitHasRead) {
  std::string err;
  auto t = validate::parse_target_spec("vllm-ascend@0.13.0rc2", err);
  ASSERT_TRUE(t.has_value()) << err;
  EXPECT_EQ(t->version, (validate::RuntimeVersion{0, 13}));
  EXPECT_FALSE(validate::parse_target_spec("vllm-ascend@0.30", err).has_value());
  EXPECT_NE(err.find("0.26"), std::string::npos) << err;  // lists the known ones
  EXPECT_FALSE(validate::parse_target_spec("mindie@2.5", err).has_value());
  auto old = validate::parse_target_spec("mindie@2.0", err);  // "2.1.RC1 and earlier"
  ASSERT_TRUE(old.has_value()) << err;
  EXPECT_EQ(old->version, (validate::RuntimeVersion{2, 1}));
  EXPECT_FALSE(validate::parse_target_spec("tensorrt", err).has_value());
  EXPECT_EQ(validate::parse_target_spec("vllm-ascend", err)->to_string(), "vllm-ascend@0.26");
}

// MindFormers loads FA quantization (fa_quant_type FAQuant/FAKQuant, layers
// found by fa_q.scale; config.py@f52743ca27a5 L61-62, L131-138).
TEST(Targets, MindFormersLoadsFaQuant) {
  test::TempDir d;
  ASSERT_TRUE(samples::write_sample(d / "fa", *samples::find_sample("tiny-llama-w8a8-fa-msmodelslim-mindie")).ok());
  Report r = run(d / "fa", Target::MindFormers, true);
  for (const Finding& f : r.findings) {
    EXPECT_NE(f.rule, "target.unsupported-type") << f.tensor << ": " << f.message;
    EXPECT_NE(f.rule, "target.fa-quant-key") << f.message;
  }
}

TEST(Rules, LegacyW4A16WithoutGroupSizeIsInferredNotFailed) {
  // msModelSlim's MindIE-format saver writes no group_size into the
  // description (it goes to config.json's quantization_config; Ascend/
  // msmodelslim example/common/utils.py@3de0a3c4e965 L139-181): the size
  // follows from weight_scale [n,G] and k. Here k = 64, G = 2: 32.
  test::TempDir d;
  Corruption c{"legacy_w4a16_no_group_size", "tiny-llama-w4a16-msmodelslim-mindie",
               [](auto& b) { b.content.description.erase("group_size"); }, nullptr, Target::Any, "scheme.group-size",
               Severity::Info};
  fs::path dir = build_broken(d, c);
  Report r = run(dir, Target::Any, true);
  EXPECT_EQ(r.errors, 0u) << dump(r);
  bool inferred = false;
  for (const Finding& f : r.findings)
    inferred |= f.rule == "scheme.group-size" && f.severity == Severity::Info && f.message.find("group size 32") != std::string::npos;
  EXPECT_TRUE(inferred) << dump(r);
}

TEST(Rules, EveryRuleHasABrokenSample) {
  std::set<std::string> covered;
  for (const Corruption& c : corruptions()) covered.insert(c.rule);
  for (const validate::RuleInfo& r : validate::all_rules())
    EXPECT_TRUE(covered.count(std::string(r.id))) << r.id << " has no row in the corruption table";
  std::set<std::string> ids;
  for (const validate::RuleInfo& r : validate::all_rules()) {
    EXPECT_TRUE(ids.insert(std::string(r.id)).second) << "duplicate rule id " << r.id;
    EXPECT_EQ(std::string(r.id).rfind(std::string(r.family) + ".", 0), 0u) << r.id << " not in family " << r.family;
  }
}

TEST(Rules, EveryGoodSampleIsSilent) {
  test::TempDir d;
  for (const samples::SampleSpec& s : samples::sample_catalog()) {
    ASSERT_TRUE(samples::write_sample(d / s.name, s).ok());
    Report r = run(d / s.name, Target::Any, false);
    EXPECT_EQ(r.errors + r.warnings, 0u) << s.name << ":\n" << dump(r);
    Report q = run(d / s.name, Target::Any, true);
    EXPECT_EQ(q.errors + q.warnings, 0u) << s.name << " (quick):\n" << dump(q);
  }
}

TEST(Rules, GoodSamplesPassTheirNaturalTargets) {
  test::TempDir d;
  struct Case {
    const char* sample;
    Target target;
  } cases[] = {{"tiny-qwen-w8a8-msmodelslim", Target::VllmAscend},
               {"tiny-llama-w8a8-dynamic-msmodelslim", Target::VllmAscend},
               {"tiny-moe-w8a8-dynamic-msmodelslim", Target::VllmAscend},
               {"tiny-llama-w4a8-dynamic-msmodelslim", Target::Any},
               {"tiny-qwen-w8a8-golden-stick", Target::VllmMindSpore},
               {"tiny-qwen-w8a8-golden-stick", Target::MindFormers},
               {"tiny-llama-w8a8-mix-msmodelslim-v0", Target::VllmAscend},
               // compressed-tensors: symmetric static W8A8 ("W8A8"), W8A8_DYNAMIC and MoE
               // W4A16 group 32 are what vllm-ascend's loader detects and registers
               // (compressed_tensors_config.py L378-398, L423-437; w4a16.py L110, L186 @182b75ea).
               {"tiny-llama-w8a8-compressed-tensors", Target::VllmAscend},
               {"tiny-llama-w8a8-dynamic-compressed-tensors-msmodelslim", Target::VllmAscend},
               {"tiny-moe-w4a16-compressed-tensors", Target::VllmAscend}};
  for (const Case& c : cases) {
    ASSERT_TRUE(samples::write_sample(d / c.sample, *samples::find_sample(c.sample)).ok());
    Report r = run(d / c.sample, c.target, false);
    EXPECT_EQ(r.errors, 0u) << c.sample << " on " << target_name(c.target) << ":\n" << dump(r);
  }
}

TEST(Rules, QuickSkipsValueRules) {
  test::TempDir d;
  for (const Corruption& c : corruptions()) {
    const validate::RuleInfo* info = validate::find_rule(c.rule);
    if (!info->reads_data) continue;
    fs::path dir = build_broken(d, c);
    Report r = run(dir, c.target, true);
    for (const Finding& f : r.findings)
      EXPECT_FALSE(validate::find_rule(f.rule)->reads_data) << c.id << ": --quick reported " << f.rule;
  }
}

TEST(Rules, SuppressionDropsFindingsAndKeepsTheReason) {
  test::TempDir d;
  Corruption c = corruptions()[0];
  for (const Corruption& x : corruptions())
    if (x.id == "zero_scale") c = x;
  fs::path dir = build_broken(d, c);
  auto ck = Checkpoint::open(dir);
  ASSERT_TRUE(ck.ok());
  validate::ValidateOptions o;
  o.suppress["numeric.scale"] = "known calibration artefact";
  Report r = validate::validate(*ck, o);
  EXPECT_EQ(r.errors, 0u) << dump(r);
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].second, "known calibration artefact");
  EXPECT_NE(validate::render_json(r).find("known calibration artefact"), std::string::npos);
}

// --- report formats ------------------------------------------------------------

Report hand_made_report() {
  Report r;
  r.path = "/ckpt";
  r.target = Target::VllmAscend;
  r.target_label = "vllm-ascend@0.26";
  r.layout = Layout::MsModelSlimV1;
  r.findings = {{"scheme.shape", Severity::Error, "shape [1,64], expected [64,1]", "w.safetensors", "a.weight_scale"},
                {"container.index-total-size", Severity::Warning, "off by <1> & \"2\"", "i.json", ""}};
  r.errors = 1;
  r.warnings = 1;
  r.tensors = 3;
  r.modules = 1;
  return r;
}

TEST(Report, JsonHasTheDocumentedShape) {
  auto j = nlohmann::json::parse(validate::render_json(hand_made_report()));
  EXPECT_EQ(j["path"], "/ckpt");
  EXPECT_EQ(j["target"], "vllm-ascend@0.26");
  EXPECT_EQ(j["layout"], "msmodelslim-v1");
  ASSERT_EQ(j["findings"].size(), 2u);
  EXPECT_EQ(j["findings"][0]["rule"], "scheme.shape");
  EXPECT_EQ(j["findings"][0]["severity"], "error");
  EXPECT_EQ(j["findings"][0]["file"], "w.safetensors");
  EXPECT_EQ(j["findings"][0]["tensor"], "a.weight_scale");
  EXPECT_FALSE(j["findings"][1].contains("tensor")) << "absent when it does not apply";
  EXPECT_EQ(j["counts"]["error"], 1);
  EXPECT_EQ(j["counts"]["warning"], 1);
  EXPECT_EQ(j["counts"]["info"], 0);
}

// The JSON report is written a finding at a time; its bytes must stay those
// of nlohmann's dump(2) of the whole document (re-dumping the parsed text
// reproduces it), with findings and without, and a name that is not UTF-8
// is replaced, not copied.
TEST(Report, StreamedJsonIsTheIndent2Dump) {
  Report many = hand_made_report();
  many.findings[1].tensor = "bad\xff" "name";
  const std::vector<Finding> two = many.findings;
  for (int i = 0; i < 50; ++i) many.findings.push_back(two[i % 2]);
  Report none = hand_made_report();
  none.findings.clear();
  none.suppressed.push_back({Finding{}, "known"});
  none.suppressed.back().first.rule = "numeric.nan-inf";
  for (const Report* r : {&many, &none}) {
    const std::string text = validate::render_json(*r);
    auto j = nlohmann::ordered_json::parse(text);
    EXPECT_EQ(j.dump(2) + "\n", text);
    EXPECT_EQ(j["findings"].size(), r->findings.size());
  }
  auto j = nlohmann::ordered_json::parse(validate::render_json(many));
  EXPECT_EQ(j["findings"][1]["tensor"].get<std::string>(), "bad\xef\xbf\xbdname");
  EXPECT_EQ(j["suppressed"].size(), 0u);
  EXPECT_EQ(nlohmann::ordered_json::parse(validate::render_json(none))["suppressed"][0]["reason"], "known");
}

// Each suite's counts are those of its own test cases (they are counted
// before the cases are written).
TEST(Report, JunitSuiteCountsAreItsCases) {
  Report r = hand_made_report();
  r.quick = true;
  const std::string x = validate::render_junit(r);
  std::regex suite("<testsuite name=\"[^\"]*\" tests=\"([0-9]+)\" failures=\"([0-9]+)\" errors=\"0\" skipped=\"([0-9]+)\">");
  std::size_t suites = 0;
  for (auto it = std::sregex_iterator(x.begin(), x.end(), suite); it != std::sregex_iterator(); ++it) {
    ++suites;
    const std::size_t begin = static_cast<std::size_t>(it->position());
    const std::size_t end = x.find("</testsuite>", begin);
    const std::string body = x.substr(begin, end - begin);
    auto count = [&](const std::string& needle) {
      std::size_t n = 0;
      for (std::size_t at = body.find(needle); at != std::string::npos; at = body.find(needle, at + 1)) ++n;
      return n;
    };
    EXPECT_EQ(std::stoul((*it)[1]), count("<testcase ")) << body;
    EXPECT_EQ(std::stoul((*it)[2]), count("<failure ")) << body;
    EXPECT_EQ(std::stoul((*it)[3]), count("<skipped ")) << body;
  }
  EXPECT_EQ(suites, 6u);
}

TEST(Report, JunitOneCasePerRuleInOneSuitePerFamily) {
  std::string x = validate::render_junit(hand_made_report());
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
  std::regex testcase("<testcase "), testsuite("<testsuite ");
  const auto rules = static_cast<std::ptrdiff_t>(validate::all_rules().size());
  EXPECT_EQ(std::distance(std::sregex_iterator(x.begin(), x.end(), testcase), std::sregex_iterator()), rules);
  EXPECT_EQ(std::distance(std::sregex_iterator(x.begin(), x.end(), testsuite), std::sregex_iterator()), 6);
  EXPECT_NE(x.find("<testsuites name=\"qvalidate\" tests=\"" + std::to_string(rules) + "\" failures=\"1\">"),
            std::string::npos);
  EXPECT_NE(x.find("<testcase classname=\"qvalidate.scheme\" name=\"scheme.shape\">\n      <failure type=\"error\" "
                   "message=\"1 error\">w.safetensors  a.weight_scale: shape [1,64], expected [64,1]  [scheme.shape]"),
            std::string::npos)
      << x;
  // A rule with no finding is a passing test case of its own.
  EXPECT_NE(x.find("<testcase classname=\"qvalidate.numeric\" name=\"numeric.nan-inf\">\n    </testcase>"), std::string::npos);
  EXPECT_NE(x.find("off by &lt;1&gt; &amp; &quot;2&quot;"), std::string::npos) << "XML-escaped";
  EXPECT_EQ(x.find("off by <1>"), std::string::npos);
}

TEST(Report, TextGroupsBySeverityAndColoursOnlyWhenAsked) {
  std::string plain = validate::render_text(hand_made_report(), {false, false});
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  EXPECT_LT(plain.find("errors (1):"), plain.find("warnings (1):"));
  EXPECT_NE(plain.find("FAIL: 1 error, 1 warning, 0 info"), std::string::npos);
  std::string colour = validate::render_text(hand_made_report(), {true, false});
  EXPECT_NE(colour.find("\033[1;31m"), std::string::npos);
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// Qwen3-VL / Qwen3.5 checkpoints keep decoder layers under
// model.language_model.layers.N (the real Qwen3.8-27B inventory in
// ../shared/real does): coverage must look there, not under model.layers.
TEST(Coverage, FindsDecoderLayersUnderTheVlPrefix) {
  test::TempDir d;
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-w8a8-dynamic-msmodelslim"));
  auto rename = [](const std::string& n) {
    const std::string from = "model.layers.";
    return n.starts_with(from) ? "model.language_model.layers." + n.substr(from.size()) : n;
  };
  for (OutputTensor& t : b.content.tensors) t.source.name = rename(t.source.name);
  nlohmann::ordered_json desc = nlohmann::ordered_json::object();
  for (auto it = b.content.description.begin(); it != b.content.description.end(); ++it) desc[rename(it.key())] = it.value();
  b.content.description = desc;
  ASSERT_TRUE(write_checkpoint(d / "vl", b.content, b.options).ok());
  auto c = Checkpoint::open(d / "vl");
  ASSERT_TRUE(c.ok());
  validate::ValidateOptions o;
  o.target = validate::Target::VllmAscend;
  o.quick = true;
  for (const auto& f : validate::validate(*c, o).findings) EXPECT_NE(f.rule, "target.coverage") << f.message;

  // Layer 1 undescribed: named with the prefix the checkpoint uses.
  nlohmann::ordered_json partial = nlohmann::ordered_json::object();
  for (auto it = desc.begin(); it != desc.end(); ++it)
    if (!it.key().starts_with("model.language_model.layers.1.")) partial[it.key()] = it.value();
  b.content.description = partial;
  b.options.replace = true;
  ASSERT_TRUE(write_checkpoint(d / "vl", b.content, b.options).ok());
  auto c2 = Checkpoint::open(d / "vl");
  ASSERT_TRUE(c2.ok());
  bool named = false;
  for (const auto& f : validate::validate(*c2, o).findings)
    named |= f.rule == "target.coverage" && f.message.find("model.language_model.layers.1") != std::string::npos;
  EXPECT_TRUE(named);
}

}  // namespace
}  // namespace qkit
