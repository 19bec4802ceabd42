//===- tests/target_verdict_test.cpp - qkit's verdict vs the real loaders ----===//
//
// A table of (checkpoint, runtime target) rows. Each row builds a tiny
// checkpoint with the real tensor names of a model family (Llama, Qwen2,
// Qwen3, Qwen3-MoE, Qwen3-VL, Qwen3.5 linear attention, DeepSeek-V3 MLA +
// MoE + MTP; msModelSlim and Golden-Stick layouts), validates it in quick
// mode (headers and JSON only: the tensor data are zeros) against a runtime
// target, and compares the verdict with what that runtime's loader does.
//
// The expected verdict of every row was derived by hand from the loaders'
// source (the research notes docs/research/va-registry.md, va-params.md,
// ms-runtimes.md, msmodelslim.md and docs/research/loaders-audit.md),
// never from qkit's own profile tables. Each row cites the loader file,
// commit and lines that decide it. Commits:
//   VA  vllm-project/vllm-ascend   182b75ea84ff (main = qkit's 0.26); tags as named
//   VL  vllm-project/vllm          linear.py @0036d38de46c (line numbers unverified); the
//                                  compressed-tensors loader file by file (compressed_tensors.py
//                                  @be696453ee1b, schemes/compressed_tensors_w8a8_int8.py
//                                  @c45614b5d83b, schemes/compressed_tensors_wNa16.py index id
//                                  126992685, compressed_tensors_moe.py @13436117c52e;
//                                  docs/research/vllm-compressed-tensors.md) = qkit's vllm 0.11
//   MI  Ascend/MindIE-LLM          8b4871ad31f5 (= qkit's mindie 3.0)
//   VMS mindspore-ai/vllm-mindspore a7b56a427666 (= qkit's vllm-mindspore 0.5)
//   MF  mindspore-lab/mindformers  f52743ca27a5 (= qkit's mindformers 1.7)
//   MS  Ascend/msmodelslim          3de0a3c4e965 (producer layouts)
//
// "loads" = no error finding. "fails" = at least one error AND a finding
// with the expected rule id (one of them, where a row names alternatives).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"
#include "validate/validator.h"

namespace qkit {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using validate::RuntimeVersion;
using validate::Target;
using Shape = std::vector<std::uint64_t>;

// --- a tiny checkpoint, written by hand ---------------------------------------

struct Tensor {
  std::string name, dtype;
  Shape shape;
  std::string tag;
};

std::uint64_t dtype_bytes(const std::string& d) {
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3") return 1;
  if (d == "BF16" || d == "F16" || d == "I16") return 2;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  return 8;  // I64, U64, F64
}

struct Ckpt {
  bool gs = false;          // Golden-Stick layout (else msModelSlim)
  bool fp16 = false;        // torch_dtype float16 (else bfloat16)
  json config = json::object();
  std::vector<Tensor> tensors;
  json reserved = json::object();      // description keys after the tensor entries
  std::string desc_name;               // "" = the family's default name
  std::set<std::string> undescribed;   // tensor names left out of the description
  json ct_recipe;                      // compressed-tensors: config.json's quantization_config, no description

  std::string md() const { return fp16 ? "F16" : "BF16"; }
  void add(const std::string& name, const std::string& dtype, Shape shape, const std::string& tag) {
    tensors.push_back(Tensor{name, dtype, std::move(shape), tag});
  }
  Tensor& at(const std::string& name) {
    for (auto& t : tensors)
      if (t.name == name) return t;
    throw std::runtime_error("no tensor " + name);
  }
  void erase_if(const std::function<bool(const Tensor&)>& f) { std::erase_if(tensors, f); }
  // Every tensor whose name contains `needle` gets `tag`.
  void retag(const std::string& needle, const std::string& tag) {
    for (auto& t : tensors)
      if (t.name.find(needle) != std::string::npos) t.tag = tag;
  }

  json description() const {
    json d = json::object();
    if (!gs && reserved.contains("model_quant_type")) d["model_quant_type"] = reserved["model_quant_type"];
    for (const auto& t : tensors)
      if (!undescribed.contains(t.name)) d[t.name] = t.tag;
    for (auto it = reserved.begin(); it != reserved.end(); ++it)
      if (it.key() != "model_quant_type") d[it.key()] = it.value();
    return d;
  }

  static std::string safetensors(const std::vector<Tensor>& ts, bool ms_metadata) {
    json h = json::object();
    if (ms_metadata) h["__metadata__"] = json{{"format", "ms"}};
    std::uint64_t off = 0;
    for (const auto& t : ts) {
      std::uint64_t n = dtype_bytes(t.dtype);
      for (auto d : t.shape) n *= d;
      h[t.name] = json{{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {off, off + n}}};
      off += n;
    }
    std::string header = h.dump();
    while (header.size() % 8 != 0) header += ' ';
    return test::st_file(header, std::string(off, '\0'));
  }

  void write(const fs::path& dir) const {
    if (!ct_recipe.is_null()) {  // compressed-tensors: the recipe in config.json, one model.safetensors
      json cfg = config;
      cfg["quantization_config"] = ct_recipe;
      test::write_file(dir / "config.json", cfg.dump(2));
      test::write_file(dir / "model.safetensors", safetensors(tensors, false));
      return;
    }
    test::write_file(dir / "config.json", config.dump(2));
    if (gs) {
      const std::string shard = "quant-model-00001-of-00001.safetensors";
      const std::string bytes = safetensors(tensors, true);
      test::write_file(dir / shard, bytes);
      json idx;
      std::uint64_t total = 0;
      for (const auto& t : tensors) {
        std::uint64_t n = dtype_bytes(t.dtype);
        for (auto d : t.shape) n *= d;
        total += n;
      }
      idx["metadata"] = json{{"total_size", total}};
      idx["weight_map"] = json::object();
      for (const auto& t : tensors) idx["weight_map"][t.name] = shard;
      test::write_file(dir / "model.safetensors.index.json", idx.dump(4));
      test::write_file(dir / (desc_name.empty() ? "quantization_description.json" : desc_name), description().dump(4));
    } else {
      test::write_file(dir / "quant_model_weights.safetensors", safetensors(tensors, false));
      test::write_file(dir / (desc_name.empty() ? "quant_model_description.json" : desc_name), description().dump(4));
    }
  }
};

// --- module layouts, as the producers write them ------------------------------

bool ends_with(const std::string& s, const std::string& x) { return s.size() >= x.size() && s.ends_with(x); }

// One msModelSlim linear module (V1 saver, MS save/ascendv1.py): `p` is the
// module prefix ("model.layers.0.self_attn.q_proj"), [n,k] its weight shape.
void ms_linear(Ckpt& c, const std::string& p, const std::string& type, std::uint64_t n, std::uint64_t k,
               bool bias = false) {
  const std::string md = c.md();
  if (type == "FLOAT") {
    c.add(p + ".weight", md, {n, k}, "FLOAT");
    if (bias) c.add(p + ".bias", md, {n}, "FLOAT");
    return;
  }
  if (type == "W8A8_DYNAMIC" || type == "W8A16") {
    // weight I8 [n,k]; weight_scale/weight_offset F32 [n,1] (AV1 per-channel writers)
    c.add(p + ".weight", "I8", {n, k}, type);
    c.add(p + ".weight_scale", "F32", {n, 1}, type);
    c.add(p + ".weight_offset", "F32", {n, 1}, type);
  } else if (type == "W8A8") {
    // static: weight, quant_bias I32 [n], input_scale/offset [1], deq_scale F32 (bf16) | I64 (fp16) [n]
    c.add(p + ".weight", "I8", {n, k}, type);
    c.add(p + ".quant_bias", "I32", {n}, type);
    c.add(p + ".input_scale", "F32", {1}, type);
    c.add(p + ".input_offset", "F32", {1}, type);
    c.add(p + ".deq_scale", c.fp16 ? "I64" : "F32", {n}, type);
  } else if (type == "W4A8_DYNAMIC") {
    // V1 per-channel int4 (MS AV1 L423-438): weight I8 [n/2,k] packed along n,
    // F32 [n,1] scale/offset, scale_bias [n,1] (gate/up/q/k/v) or [n,16] (down/o)
    c.add(p + ".weight", "I8", {n / 2, k}, type);
    c.add(p + ".weight_scale", "F32", {n, 1}, type);
    c.add(p + ".weight_offset", "F32", {n, 1}, type);
    const bool row = ends_with(p, "down_proj") || ends_with(p, "o_proj");
    c.add(p + ".scale_bias", "F32", {n, row ? 16u : 1u}, type);
  } else if (type == "W4A8_DYNAMIC_TWO_STAGE") {
    // V0 per-group W4A8 (MS complex_quantifier.py L352-369), packed [n/2,k]
    const std::string t = "W4A8_DYNAMIC";
    c.add(p + ".weight", "I8", {n / 2, k}, t);
    c.add(p + ".weight_scale", "F32", {n, 1}, t);
    c.add(p + ".weight_offset", "F32", {n, 1}, t);
    c.add(p + ".weight_scale_second", "F32", {n, k / 64}, t);
    c.add(p + ".weight_offset_second", "F32", {n, k / 64}, t);
  } else if (type == "W8A8SC") {
    // 310P compressed sparse (MS compressor): 1-D stream, index, info; the
    // activation tensors keep their W8A8S tag
    c.add(p + ".weight", "I8", {n * k / 2}, type);
    c.add(p + ".index", "I8", {8}, type);
    c.add(p + ".info", "I64", {5}, type);
    c.add(p + ".quant_bias", "I32", {n}, "W8A8S");
    c.add(p + ".input_scale", md, {1}, "W8A8S");
    c.add(p + ".input_offset", md, {1}, "W8A8S");
    c.add(p + ".deq_scale", c.fp16 ? "I64" : "F32", {n}, "W8A8S");
  } else {
    throw std::runtime_error("ms_linear: no layout for " + type);
  }
  if (bias) c.add(p + ".bias", "F32", {n}, "FLOAT");
}

// One Golden-Stick linear (golden-stick-format.md §4): every tensor carries
// the module's type.
void gs_linear(Ckpt& c, const std::string& p, const std::string& type, std::uint64_t n, std::uint64_t k,
               bool bias = false) {
  const std::string md = c.md();
  if (type == "FLOAT") {
    c.add(p + ".weight", md, {n, k}, "FLOAT");
    if (bias) c.add(p + ".bias", md, {n}, "FLOAT");
    return;
  }
  if (type == "W8A8" || type == "W8A8_PLAIN") {
    const bool plain = type == "W8A8_PLAIN";
    const std::string t = "W8A8";
    c.add(p + ".weight", "I8", {n, k}, t);
    c.add(p + ".weight_scale", md, {n}, t);
    c.add(p + ".weight_offset", "I32", {n}, t);
    c.add(p + ".input_scale", md, {plain ? 1 : k}, t);
    c.add(p + ".input_offset", plain ? md : "I8", {plain ? 1 : k}, t);
    c.add(p + ".deq_scale", c.fp16 ? "I64" : "F32", {n}, t);
    c.add(p + ".quant_bias", "I32", {n}, t);
    if (bias) c.add(p + ".bias", md, {n}, t);
  } else if (type == "W8A8_DYNAMIC") {
    c.add(p + ".weight", "I8", {n, k}, type);
    c.add(p + ".weight_scale", md, {n}, type);
    c.add(p + ".weight_offset", "I32", {n}, type);
    if (bias) c.add(p + ".bias", md, {n}, type);
  } else {
    throw std::runtime_error("gs_linear: no layout for " + type);
  }
}

// One compressed-tensors linear module, as compressed-tensors' compressors
// write it (docs/research/compressed-tensors.md §4.1-4.2, §6.2 for
// msModelSlim's saver): "CT_W8A8" int8 weight [n,k], weight_scale [n,1] in
// the model dtype, input_scale F32 [1]; "CT_W8A8_ASYM" adds input_zero_point
// as msModelSlim's saver stores it (float [1]); "CT_W8A8_ASYM_WEIGHTS" adds a
// weight_zero_point I8 [n,1]; "CT_W8A8_DYNAMIC" and "CT_W8A16" weight and
// weight_scale only; "CT_W4A16_G<gs>" weight_packed I32 [n,k/8],
// weight_shape I64 [2], weight_scale [n,ceil(k/gs)]. The recipe is set by ct().
void ct_linear(Ckpt& c, const std::string& p, const std::string& type, std::uint64_t n, std::uint64_t k, bool bias) {
  const std::string md = c.md();
  if (type.starts_with("CT_W4A16_G")) {
    const std::uint64_t gs = std::stoull(type.substr(10));
    c.add(p + ".weight_packed", "I32", {n, k / 8}, "");
    c.add(p + ".weight_shape", "I64", {2}, "");
    c.add(p + ".weight_scale", md, {n, (k + gs - 1) / gs}, "");  // ceil: the last group may be short
  } else {
    c.add(p + ".weight", "I8", {n, k}, "");
    c.add(p + ".weight_scale", md, {n, 1}, "");
    if (type == "CT_W8A8" || type == "CT_W8A8_ASYM" || type == "CT_W8A8_ASYM_WEIGHTS") c.add(p + ".input_scale", "F32", {1}, "");
    if (type == "CT_W8A8_ASYM") c.add(p + ".input_zero_point", md, {1}, "");
    if (type == "CT_W8A8_ASYM_WEIGHTS") c.add(p + ".weight_zero_point", "I8", {n, 1}, "");
  }
  if (bias) c.add(p + ".bias", md, {n}, "");
}

void linear(Ckpt& c, const std::string& p, const std::string& type, std::uint64_t n, std::uint64_t k, bool bias = false) {
  if (type.starts_with("CT_")) {
    ct_linear(c, p, type, n, k, bias);
    return;
  }
  if (c.gs)
    gs_linear(c, p, type, n, k, bias);
  else
    ms_linear(c, p, type, n, k, bias);
}

void norm(Ckpt& c, const std::string& name, std::uint64_t n) { c.add(name, c.md(), {n}, "FLOAT"); }

// The quant type of each linear module, by prefix.
using TypeFn = std::function<std::string(const std::string& prefix)>;
TypeFn all(const std::string& t) {
  return [t](const std::string&) { return t; };
}

// First non-FLOAT module type, as model_quant_type (any type the tensors use).
void set_model_quant_type(Ckpt& c) {
  if (c.gs) return;
  for (const auto& t : c.tensors)
    if (t.tag != "FLOAT" && t.tag != "FAQuant" && t.tag != "C8" && t.tag != "W8A8S") {
      c.reserved["model_quant_type"] = t.tag;
      break;
    }
  if (!c.reserved.contains("model_quant_type")) c.reserved["model_quant_type"] = "FLOAT";
  if (!c.reserved.contains("version")) c.reserved["version"] = "1.0.0";
}

// Dimensions shared by every family: hidden 64, intermediate 128, 2 layers,
// vocab 128, 4 heads, 2 kv heads, head_dim 16.
constexpr std::uint64_t H = 64, I = 128, V = 128, NH = 4, NKV = 2, HD = 16;

json text_config(const std::string& model_type, const std::string& arch, bool fp16) {
  json j = json::object();
  if (!arch.empty()) j["architectures"] = json::array({arch});
  j["model_type"] = model_type;
  j["torch_dtype"] = fp16 ? "float16" : "bfloat16";
  j["hidden_size"] = H;
  j["intermediate_size"] = I;
  j["num_hidden_layers"] = 2;
  j["num_attention_heads"] = NH;
  j["num_key_value_heads"] = NKV;
  j["head_dim"] = HD;
  j["vocab_size"] = V;
  j["max_position_embeddings"] = 512;
  j["rms_norm_eps"] = 1e-6;
  j["rope_theta"] = 10000.0;
  j["tie_word_embeddings"] = false;
  return j;
}

// q/k/v/o of one decoder layer; `q_out` lets Qwen3.5 double q for its output gate.
void attention(Ckpt& c, const std::string& a, const TypeFn& t, bool bias, bool qk_norm, std::uint64_t q_out = NH * HD) {
  linear(c, a + ".q_proj", t(a + ".q_proj"), q_out, H, bias);
  linear(c, a + ".k_proj", t(a + ".k_proj"), NKV * HD, H, bias);
  linear(c, a + ".v_proj", t(a + ".v_proj"), NKV * HD, H, bias);
  linear(c, a + ".o_proj", t(a + ".o_proj"), H, NH * HD);
  if (qk_norm) {
    norm(c, a + ".q_norm.weight", HD);
    norm(c, a + ".k_norm.weight", HD);
  }
}

void dense_mlp(Ckpt& c, const std::string& m, const TypeFn& t, std::uint64_t inter = I) {
  linear(c, m + ".gate_proj", t(m + ".gate_proj"), inter, H);
  linear(c, m + ".up_proj", t(m + ".up_proj"), inter, H);
  linear(c, m + ".down_proj", t(m + ".down_proj"), H, inter);
}

// --- families -----------------------------------------------------------------

struct DenseOpts {
  std::string model_type = "llama", arch = "LlamaForCausalLM";
  bool qkv_bias = false, qk_norm = false, fp16 = false, gs = false;
};

// Llama / Qwen2 (biased q/k/v) / Qwen3 (q_norm, k_norm): model.layers.N.*
Ckpt dense(const DenseOpts& o, const TypeFn& t) {
  Ckpt c;
  c.gs = o.gs;
  c.fp16 = o.fp16;
  c.config = text_config(o.model_type, o.arch, o.fp16);
  norm(c, "model.embed_tokens.weight", 0);
  c.tensors.back().shape = {V, H};
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.layers." + std::to_string(l);
    norm(c, p + ".input_layernorm.weight", H);
    attention(c, p + ".self_attn", t, o.qkv_bias, o.qk_norm);
    norm(c, p + ".post_attention_layernorm.weight", H);
    dense_mlp(c, p + ".mlp", t);
  }
  norm(c, "model.norm.weight", H);
  c.add("lm_head.weight", c.md(), {V, H}, "FLOAT");
  set_model_quant_type(c);
  return c;
}

Ckpt llama(const TypeFn& t) { return dense({}, t); }
Ckpt llama(const std::string& type) { return llama(all(type)); }
Ckpt qwen2(const TypeFn& t) { return dense({"qwen2", "Qwen2ForCausalLM", true, false}, t); }
Ckpt qwen3(const TypeFn& t) { return dense({"qwen3", "Qwen3ForCausalLM", false, true}, t); }
Ckpt gs_llama(const std::string& type, bool fp16 = false) {
  return dense({"llama", "LlamaForCausalLM", false, false, fp16, true}, all(type));
}
Ckpt gs_qwen2(const std::string& type) { return dense({"qwen2", "Qwen2ForCausalLM", true, false, false, true}, all(type)); }

bool is_expert(const std::string& p) { return p.find(".mlp.experts.") != std::string::npos; }
TypeFn attn_experts(const std::string& attn, const std::string& experts) {
  return [=](const std::string& p) { return is_expert(p) ? experts : attn; };
}

// Qwen3-MoE: qwen3 attention, mlp.gate router FLOAT, mlp.experts.E.*.
constexpr std::uint64_t kExperts = 2, kMoeI = 64;
Ckpt qwen3_moe(const TypeFn& t) {
  Ckpt c;
  c.config = text_config("qwen3_moe", "Qwen3MoeForCausalLM", false);
  c.config["num_experts"] = kExperts;
  c.config["num_experts_per_tok"] = 1;
  c.config["moe_intermediate_size"] = kMoeI;
  c.config["decoder_sparse_step"] = 1;
  c.config["mlp_only_layers"] = json::array();
  c.config["norm_topk_prob"] = true;
  c.add("model.embed_tokens.weight", c.md(), {V, H}, "FLOAT");
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.layers." + std::to_string(l);
    norm(c, p + ".input_layernorm.weight", H);
    attention(c, p + ".self_attn", t, false, true);
    norm(c, p + ".post_attention_layernorm.weight", H);
    c.add(p + ".mlp.gate.weight", c.md(), {kExperts, H}, "FLOAT");
    for (std::uint64_t e = 0; e < kExperts; ++e) dense_mlp(c, p + ".mlp.experts." + std::to_string(e), t, kMoeI);
  }
  norm(c, "model.norm.weight", H);
  c.add("lm_head.weight", c.md(), {V, H}, "FLOAT");
  set_model_quant_type(c);
  return c;
}

// Makes `c` (built with CT_* module types) a compressed-tensors checkpoint:
// one config group targeting "Linear" with `group` ("weights",
// "input_activations", "format"), every float Linear (lm_head, the MoE
// router) named in `ignore`, as LLM-Compressor's recipes do.
Ckpt ct(Ckpt c, const std::string& group, const std::string& format) {
  json g = json::parse(group);
  g["targets"] = json::array({"Linear"});
  json ignore = json::array();
  std::set<std::string> quantized;
  for (const auto& t : c.tensors)
    if (ends_with(t.name, ".weight_scale")) quantized.insert(t.name.substr(0, t.name.size() - 13));
  for (const auto& t : c.tensors)
    if (ends_with(t.name, ".weight") && t.shape.size() == 2 && t.name.find("embed_tokens") == std::string::npos) {
      const std::string m = t.name.substr(0, t.name.size() - 7);
      if (!quantized.contains(m)) ignore.push_back(m);
    }
  c.ct_recipe = json{{"quant_method", "compressed-tensors"}, {"format", format}, {"quantization_status", "compressed"},
                     {"config_groups", json{{"group_0", g}}}, {"ignore", ignore}};
  return c;
}
const std::string kW8Channel = R"("weights": {"num_bits": 8, "type": "int", "symmetric": true, "strategy": "channel"})";

// Qwen3-VL: model.language_model.layers.N.*, model.visual.*, top-level lm_head.
void visual_tower(Ckpt& c) {
  const std::uint64_t vh = 32;
  const std::string v = "model.visual";
  c.add(v + ".patch_embed.proj.weight", c.md(), {vh, 3, 2, 16, 16}, "FLOAT");
  c.add(v + ".patch_embed.proj.bias", c.md(), {vh}, "FLOAT");
  c.add(v + ".pos_embed.weight", c.md(), {64, vh}, "FLOAT");
  const std::string b = v + ".blocks.0";
  for (const char* n : {".norm1", ".norm2"}) {
    c.add(b + n + ".weight", c.md(), {vh}, "FLOAT");
    c.add(b + n + ".bias", c.md(), {vh}, "FLOAT");
  }
  ms_linear(c, b + ".attn.qkv", "FLOAT", 3 * vh, vh, true);
  ms_linear(c, b + ".attn.proj", "FLOAT", vh, vh, true);
  ms_linear(c, b + ".mlp.linear_fc1", "FLOAT", 2 * vh, vh, true);
  ms_linear(c, b + ".mlp.linear_fc2", "FLOAT", vh, 2 * vh, true);
  c.add(v + ".merger.norm.weight", c.md(), {vh}, "FLOAT");
  c.add(v + ".merger.norm.bias", c.md(), {vh}, "FLOAT");
  ms_linear(c, v + ".merger.linear_fc1", "FLOAT", 4 * vh, 4 * vh, true);
  ms_linear(c, v + ".merger.linear_fc2", "FLOAT", H, 4 * vh, true);
}

json vision_config(const std::string& model_type) {
  return json{{"model_type", model_type}, {"depth", 1},          {"hidden_size", 32},      {"intermediate_size", 64},
              {"num_heads", 2},           {"out_hidden_size", H}, {"patch_size", 16},      {"spatial_merge_size", 2},
              {"temporal_patch_size", 2}, {"in_channels", 3},     {"num_position_embeddings", 64}};
}

Ckpt qwen3_vl(const TypeFn& t) {
  Ckpt c;
  json tc = text_config("qwen3_vl_text", "", false);
  c.config = json::object();
  c.config["architectures"] = json::array({"Qwen3VLForConditionalGeneration"});
  c.config["model_type"] = "qwen3_vl";
  c.config["torch_dtype"] = "bfloat16";
  c.config["text_config"] = tc;
  c.config["vision_config"] = vision_config("qwen3_vl");
  c.config["tie_word_embeddings"] = false;
  c.add("model.language_model.embed_tokens.weight", c.md(), {V, H}, "FLOAT");
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.language_model.layers." + std::to_string(l);
    norm(c, p + ".input_layernorm.weight", H);
    attention(c, p + ".self_attn", t, false, true);
    norm(c, p + ".post_attention_layernorm.weight", H);
    dense_mlp(c, p + ".mlp", t);
  }
  norm(c, "model.language_model.norm.weight", H);
  visual_tower(c);
  c.add("lm_head.weight", c.md(), {V, H}, "FLOAT");
  set_model_quant_type(c);
  return c;
}

// Qwen3.5 (Qwen3_5ForConditionalGeneration, the real Qwen3.8-27B layout in
// tests/data/real): layer 0 linear attention (Gated DeltaNet), layer 1 full
// attention with output gate (q_proj doubled), an MTP layer under mtp.*.
constexpr std::uint64_t kLinK = 2, kLinV = 2, kLinDk = 16, kLinDv = 16;
Ckpt qwen3_5(const TypeFn& t) {
  Ckpt c;
  json tc = text_config("qwen3_5_text", "", false);
  tc["layer_types"] = json::array({"linear_attention", "full_attention"});
  tc["full_attention_interval"] = 2;
  tc["attn_output_gate"] = true;
  tc["linear_num_key_heads"] = kLinK;
  tc["linear_num_value_heads"] = kLinV;
  tc["linear_key_head_dim"] = kLinDk;
  tc["linear_value_head_dim"] = kLinDv;
  tc["linear_conv_kernel_dim"] = 4;
  tc["mtp_num_hidden_layers"] = 1;
  tc["partial_rotary_factor"] = 0.25;
  c.config["architectures"] = json::array({"Qwen3_5ForConditionalGeneration"});
  c.config["model_type"] = "qwen3_5";
  c.config["torch_dtype"] = "bfloat16";
  c.config["text_config"] = tc;
  c.config["vision_config"] = vision_config("qwen3_5");
  c.config["tie_word_embeddings"] = false;
  c.add("model.language_model.embed_tokens.weight", c.md(), {V, H}, "FLOAT");
  const std::uint64_t qkv = 2 * kLinK * kLinDk + kLinV * kLinDv, z = kLinV * kLinDv;
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.language_model.layers." + std::to_string(l);
    norm(c, p + ".input_layernorm.weight", H);
    if (l == 0) {
      const std::string a = p + ".linear_attn";
      linear(c, a + ".in_proj_qkv", t(a + ".in_proj_qkv"), qkv, H);
      linear(c, a + ".in_proj_z", t(a + ".in_proj_z"), z, H);
      linear(c, a + ".in_proj_b", t(a + ".in_proj_b"), kLinV, H);
      linear(c, a + ".in_proj_a", t(a + ".in_proj_a"), kLinV, H);
      c.add(a + ".conv1d.weight", c.md(), {qkv, 1, 4}, "FLOAT");
      c.add(a + ".A_log", c.md(), {kLinV}, "FLOAT");
      c.add(a + ".dt_bias", c.md(), {kLinV}, "FLOAT");
      norm(c, a + ".norm.weight", kLinDv);
      linear(c, a + ".out_proj", t(a + ".out_proj"), H, z);
    } else {
      attention(c, p + ".self_attn", t, false, true, 2 * NH * HD);
    }
    norm(c, p + ".post_attention_layernorm.weight", H);
    dense_mlp(c, p + ".mlp", t);
  }
  norm(c, "model.language_model.norm.weight", H);
  visual_tower(c);
  // MTP block as the real checkpoint stores it (mtp.fc, mtp.layers.0, norms)
  c.add("mtp.fc.weight", c.md(), {H, 2 * H}, "FLOAT");
  norm(c, "mtp.pre_fc_norm_embedding.weight", H);
  norm(c, "mtp.pre_fc_norm_hidden.weight", H);
  norm(c, "mtp.layers.0.input_layernorm.weight", H);
  attention(c, "mtp.layers.0.self_attn", t, false, true, 2 * NH * HD);
  norm(c, "mtp.layers.0.post_attention_layernorm.weight", H);
  dense_mlp(c, "mtp.layers.0.mlp", t);
  norm(c, "mtp.norm.weight", H);
  c.add("lm_head.weight", c.md(), {V, H}, "FLOAT");
  set_model_quant_type(c);
  return c;
}
// The real checkpoint's choice: linear_attn in_proj_a/b and out_proj FLOAT.
TypeFn qwen3_5_real() {
  return [](const std::string& p) {
    if (ends_with(p, "in_proj_a") || ends_with(p, "in_proj_b") || ends_with(p, "out_proj")) return std::string("FLOAT");
    return std::string("W8A8_DYNAMIC");
  };
}

// DeepSeek-V3: MLA attention, layer 0 dense MLP, layer 1 MoE (2 routed + 1
// shared expert, router with e_score_correction_bias), MTP layer
// model.layers.2 (num_nextn_predict_layers = 1).
constexpr std::uint64_t kQLora = 32, kKvLora = 16, kNope = 16, kRope = 8, kVHd = 16, kDsMoeI = 32;
struct DsOpts {
  bool mtp_stored = true;       // the MTP layer's tensors are in the checkpoint
  bool mtp_described = true;    // ... and in the description (FLOAT)
};
void mla(Ckpt& c, const std::string& a, const TypeFn& t) {
  linear(c, a + ".q_a_proj", t(a + ".q_a_proj"), kQLora, H);
  norm(c, a + ".q_a_layernorm.weight", kQLora);
  linear(c, a + ".q_b_proj", t(a + ".q_b_proj"), NH * (kNope + kRope), kQLora);
  linear(c, a + ".kv_a_proj_with_mqa", t(a + ".kv_a_proj_with_mqa"), kKvLora + kRope, H);
  norm(c, a + ".kv_a_layernorm.weight", kKvLora);
  linear(c, a + ".kv_b_proj", t(a + ".kv_b_proj"), NH * (kNope + kVHd), kKvLora);
  linear(c, a + ".o_proj", t(a + ".o_proj"), H, NH * kVHd);
}
void ds_moe(Ckpt& c, const std::string& m, const TypeFn& t) {
  c.add(m + ".gate.weight", c.md(), {kExperts, H}, "FLOAT");
  c.add(m + ".gate.e_score_correction_bias", "F32", {kExperts}, "FLOAT");
  for (std::uint64_t e = 0; e < kExperts; ++e) dense_mlp(c, m + ".experts." + std::to_string(e), t, kDsMoeI);
  dense_mlp(c, m + ".shared_experts", t, kDsMoeI);
}
Ckpt deepseek_v3(const TypeFn& t, const DsOpts& o = {}) {
  Ckpt c;
  c.config = text_config("deepseek_v3", "DeepseekV3ForCausalLM", false);
  c.config["num_key_value_heads"] = NH;  // DeepSeek-V3's config: kv heads = heads (128/128)
  c.config.erase("head_dim");
  c.config["q_lora_rank"] = kQLora;
  c.config["kv_lora_rank"] = kKvLora;
  c.config["qk_nope_head_dim"] = kNope;
  c.config["qk_rope_head_dim"] = kRope;
  c.config["v_head_dim"] = kVHd;
  c.config["moe_intermediate_size"] = kDsMoeI;
  c.config["n_routed_experts"] = kExperts;
  c.config["n_shared_experts"] = 1;
  c.config["num_experts_per_tok"] = 1;
  c.config["first_k_dense_replace"] = 1;
  c.config["moe_layer_freq"] = 1;
  c.config["n_group"] = 1;
  c.config["topk_group"] = 1;
  c.config["topk_method"] = "noaux_tc";
  c.config["scoring_func"] = "sigmoid";
  c.config["num_nextn_predict_layers"] = 1;
  c.add("model.embed_tokens.weight", c.md(), {V, H}, "FLOAT");
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.layers." + std::to_string(l);
    norm(c, p + ".input_layernorm.weight", H);
    mla(c, p + ".self_attn", t);
    norm(c, p + ".post_attention_layernorm.weight", H);
    if (l == 0)
      dense_mlp(c, p + ".mlp", t);
    else
      ds_moe(c, p + ".mlp", t);
  }
  norm(c, "model.norm.weight", H);
  c.add("lm_head.weight", c.md(), {V, H}, "FLOAT");
  if (o.mtp_stored) {
    // MTP layer: FLOAT, as VA's note asks (VA modelslim_config.py@182b75ea L167-169)
    const std::string p = "model.layers.2";
    const TypeFn f = all("FLOAT");
    c.add(p + ".embed_tokens.weight", c.md(), {V, H}, "FLOAT");
    norm(c, p + ".enorm.weight", H);
    norm(c, p + ".hnorm.weight", H);
    c.add(p + ".eh_proj.weight", c.md(), {H, 2 * H}, "FLOAT");
    norm(c, p + ".input_layernorm.weight", H);
    mla(c, p + ".self_attn", f);
    norm(c, p + ".post_attention_layernorm.weight", H);
    ds_moe(c, p + ".mlp", f);
    norm(c, p + ".shared_head.norm.weight", H);
    c.add(p + ".shared_head.head.weight", c.md(), {V, H}, "FLOAT");
    if (!o.mtp_described)
      for (const auto& t2 : c.tensors)
        if (t2.name.starts_with(p + ".")) c.undescribed.insert(t2.name);
  }
  set_model_quant_type(c);
  return c;
}
// msModelSlim's DeepSeek W8A8_DYNAMIC choice: kv_b_proj FLOAT, everything else quantized.
TypeFn ds_w8a8_dynamic() {
  return [](const std::string& p) { return ends_with(p, "kv_b_proj") ? std::string("FLOAT") : std::string("W8A8_DYNAMIC"); };
}

// MLA FA3 (MS lab_practice deepseekv31_terminus_w8a8c8.yaml: fa_q fp8 per-token,
// fa_k/fa_v fp8 per-head): fa_k/fa_v scale F32 [hk,1] + F32 zero offsets,
// no fa_q tensors, per-layer quant_type "Q_FP8_DYNAMIC_KV_FP8", fa_quant_type
// "FAKQuant" (MS AV1 L550-629).
void add_mla_fa(Ckpt& c, std::uint64_t hk, const std::string& fa_quant_type = "FAKQuant") {
  for (int l = 0; l < 2; ++l) {
    const std::string a = "model.layers." + std::to_string(l) + ".self_attn";
    for (const char* x : {".fa_k", ".fa_v"}) {
      c.add(a + x + ".scale", "F32", {hk, 1}, "FAQuant");
      c.add(a + x + ".offset", "F32", {hk, 1}, "FAQuant");
    }
    c.reserved[a + ".quant_type"] = "Q_FP8_DYNAMIC_KV_FP8";
  }
  c.reserved["fa_quant_type"] = fa_quant_type;
}

// C8 KV cache (MS AV1 L530-542): k_proj/v_proj.kv_cache_scale/offset [Hkv*D], tag C8.
void add_c8(Ckpt& c, bool with_key) {
  for (int l = 0; l < 2; ++l) {
    const std::string a = "model.layers." + std::to_string(l) + ".self_attn";
    for (const char* x : {".k_proj", ".v_proj"}) {
      c.add(a + x + ".kv_cache_scale", "F32", {NKV * HD}, "C8");
      c.add(a + x + ".kv_cache_offset", "F32", {NKV * HD}, "C8");
    }
  }
  if (with_key) c.reserved["kv_cache_type"] = "C8";
}

// --- the table ------------------------------------------------------------------

struct Row {
  std::string id;
  std::function<Ckpt()> build;
  Target target;
  RuntimeVersion version;  // {0,0}: newest
  bool with_mtp;
  bool loads;
  std::vector<std::string> rules;  // fails: one of these must be reported
  std::string why;                 // the loader fact deciding the row
};

void PrintTo(const Row& r, std::ostream* os) { *os << r.id; }

constexpr RuntimeVersion kNewest{0, 0};
constexpr RuntimeVersion va(std::uint16_t minor) { return {0, minor}; }

std::vector<Row> rows() {
  std::vector<Row> r;
  auto loads = [&](std::string id, std::function<Ckpt()> b, Target t, RuntimeVersion v, std::string why, bool mtp = false) {
    r.push_back(Row{std::move(id), std::move(b), t, v, mtp, true, {}, std::move(why)});
  };
  auto fails = [&](std::string id, std::function<Ckpt()> b, Target t, RuntimeVersion v, std::vector<std::string> rules,
                   std::string why, bool mtp = false) {
    r.push_back(Row{std::move(id), std::move(b), t, v, mtp, false, std::move(rules), std::move(why)});
  };
  const Target VA = Target::VllmAscend, MI = Target::MindIE, VMS = Target::VllmMindSpore, MF = Target::MindFormers,
               VL = Target::Vllm;

  // ===== upstream vLLM (GPUs): compressed-tensors =====================================
  // CT = vllm/model_executor/layers/quantization/compressed_tensors/compressed_tensors.py@be696453ee1b.
  // Config groups are read by _quantization_scheme_map_from_config (CT L206-263): input_activations
  // are kept whenever a group declares them; an activation format (utils.py is_activation_quantization_format,
  // naive-/int-/float-quantized, index id 57730118236 L43-50) without them asserts float weights.
  loads("vl_ct_llama_w8a8_static_symmetric",
        [] { return ct(llama(all("CT_W8A8")), "{" + kW8Channel + R"(, "input_activations": {"num_bits": 8, "type": "int",
              "symmetric": true, "strategy": "tensor", "dynamic": false}})", "int-quantized"); }, VL, kNewest,
        "CT L577 int-quantized is an activation format; L346-363 _is_static_tensor_w8a8 (8/8 bits, weights channel "
        "symmetric static, inputs tensor static) -> L616-621 CompressedTensorsW8A8Int8(static); "
        "schemes/compressed_tensors_w8a8_int8.py@c45614b5d83b L55-85 weight I8 [n,k], weight_scale F32 [n,1] (BF16 "
        "copied numerically), input_scale F32 [1]: the checkpoint's shapes");
  loads("vl_ct_llama_w8a8_static_asymmetric_inputs_msmodelslim",
        [] { return ct(llama(all("CT_W8A8_ASYM")), "{" + kW8Channel + R"(, "input_activations": {"num_bits": 8, "type": "int",
              "symmetric": false, "strategy": "tensor", "dynamic": false}})", "int-quantized"); }, VL, kNewest,
        "msModelSlim's static saver declares inputs symmetric: false and stores input_zero_point as a float [1] "
        "(compressed-tensors.md §6.2). CT L346-363: 'Both symmetric and asymmetric input quantization supported', only "
        "the weights must be symmetric -> L616-621 W8A8Int8(input_symmetric=False); w8a8_int8.py@c45614b5d83b L87-94 "
        "creates input_zero_point I8 [1]: a [1] float of integral value is copied in numerically (unlike vllm-ascend, "
        "which raises for asymmetric inputs)");
  loads("vl_ct_llama_w8a8_dynamic",
        [] { return ct(llama(all("CT_W8A8_DYNAMIC")), "{" + kW8Channel + R"(, "input_activations": {"num_bits": 8, "type": "int",
              "symmetric": true, "strategy": "token", "dynamic": true}})", "int-quantized"); }, VL, kNewest,
        "CT L365-381 _is_dynamic_token_w8a8 (weights channel symmetric static, inputs token dynamic) -> L623-628 "
        "W8A8Int8(dynamic); w8a8_int8.py@c45614b5d83b L55-78 weight I8 [n,k], weight_scale F32 [n,1]; no input tensors");
  loads("vl_ct_llama_w4a16_group32_dense",
        [] { return ct(llama(all("CT_W4A16_G32")), R"({"weights": {"num_bits": 4, "type": "int", "symmetric": true,
              "strategy": "group", "group_size": 32}})", "pack-quantized"); }, VL, kNewest,
        "CT L520-530 _is_wNa16_group_channel (no inputs, group, static) and L565-575 pack-quantized with num_bits in "
        "WNA16_SUPPORTED_BITS [4, 8] (wNa16.py index id 126992685 L37-39) -> CompressedTensorsWNA16 for linear layers "
        "(dense, unlike vllm-ascend); wNa16.py L129-197: weight_packed I32 [n,k/8], weight_scale md [n,k/32] (k = 64 "
        "or 128, divisible by 32: L132's assert holds), weight_shape I64 [2]");
  fails("vl_ct_llama_w8a16_int_quantized",
        [] { return ct(llama(all("CT_W8A16")), "{" + kW8Channel + "}", "int-quantized"); }, VL, kNewest,
        {"target.unsupported-type"},
        "CT L246-256: int-quantized is an activation format and the group has no input_activations, so "
        "assert weights.type == FLOAT fails while config.json is read (int W8A16 loads only pack-quantized)");
  fails("vl_ct_llama_w8a8_asymmetric_weights",
        [] { return ct(llama(all("CT_W8A8_ASYM_WEIGHTS")), R"({"weights": {"num_bits": 8, "type": "int", "symmetric": false,
              "strategy": "channel"}, "input_activations": {"num_bits": 8, "type": "int", "symmetric": true,
              "strategy": "tensor"}})", "int-quantized"); }, VL, kNewest, {"target.unsupported-type"},
        "CT L346-363 and L365-381 need weight_quant.symmetric; no other branch of _get_scheme_from_parts takes int8 "
        "weights -> L640 NotImplementedError('No compressed-tensors compatible scheme was found.')");
  fails("vl_ct_qwen3moe_w8a8_static_experts",
        [] { return ct(qwen3_moe(attn_experts("FLOAT", "CT_W8A8")), "{" + kW8Channel + R"(, "input_activations":
              {"num_bits": 8, "type": "int", "symmetric": true, "strategy": "tensor", "dynamic": false}})", "int-quantized"); },
        VL, kNewest, {"target.unsupported-type"},
        "compressed_tensors_moe.py@13436117c52e get_moe_method L163-235: int8 experts match only "
        "_is_dynamic_token_w8a8 (L223) or W4A8; static tensor inputs reach L236-239 RuntimeError('Unsupported FusedMoe "
        "scheme')");
  // msModelSlim's saver omits an all-zero input_zero_point (compressed-tensors.md §6.2).
  fails("vl_ct_llama_w8a8_static_asymmetric_inputs_without_zero_point",
        [] {
          Ckpt c = ct(llama(all("CT_W8A8_ASYM")), "{" + kW8Channel + R"(, "input_activations": {"num_bits": 8, "type": "int",
              "symmetric": false, "strategy": "tensor", "dynamic": false}})", "int-quantized");
          std::erase_if(c.tensors, [](const Tensor& t) { return t.name == "model.layers.0.self_attn.q_proj.input_zero_point"; });
          return c;
        },
        VL, kNewest, {"target.parameter"},
        "CT L346-363 -> L616-621 W8A8Int8(is_static_input_scheme=True, input_symmetric=False); "
        "schemes/compressed_tensors_w8a8_int8.py@c45614b5d83b L87-94 registers input_zero_point = torch.empty(1, int8) "
        "for static asymmetric inputs. Nothing loads it when the checkpoint has no such tensor, and the default "
        "loader checks that every parameter was loaded only when model_config.quantization is None "
        "(vllm-compressed-tensors.md §6), so the kernel's azp path computes q_proj with an uninitialised zero point");
  // Group 128 on k = 64 (the attention projections and gate/up of this llama):
  // one short group, as compressed-tensors writes it (weight_scale [n, ceil(k/gs)]).
  fails("vl_ct_llama_w4a16_group_size_not_dividing_k",
        [] { return ct(llama(all("CT_W4A16_G128")), R"({"weights": {"num_bits": 4, "type": "int", "symmetric": true,
              "strategy": "group", "group_size": 128}})", "pack-quantized"); }, VL, kNewest, {"target.group-size"},
        "CT L520-530, L565-575 -> CompressedTensorsWNA16 (group 128, no actorder); wNa16.py index id 126992685 "
        "L122-133: partition_scales = not marlin_repeat_scales_on_all_ranks(has_g_idx=False, 128, row_parallel) = True "
        "(marlin_utils.py index id 20149404: act_order or (channelwise and row parallel)), so create_weights asserts "
        "input_size_per_partition % group_size == 0: 64 % 128 != 0 (TP = 1). (choose_mp_linear_kernel at L111 runs "
        "first and may already refuse the shape; either way create_weights fails)");
  fails("vl_ms_llama_w8a8_dynamic", [] { return llama("W8A8_DYNAMIC"); }, VL, kNewest, {"target.family"},
        "msModelSlim's layout is read by the 'ascend' quantization method, which vLLM does not register "
        "(quantization/__init__.py@0034007debee L8-39; get_quantization_config L81-83 ValueError 'Invalid quantization "
        "method'); only the vllm-ascend plugin adds it (VA modelslim_config.py@182b75ea84ff L544, platform.py L267-274)");
  fails("vl_gs_qwen2_w8a8", [] { return gs_qwen2("W8A8"); }, VL, kNewest, {"target.family"},
        "Golden-Stick's layout needs vllm-mindspore's golden_stick method; vLLM's registered methods "
        "(quantization/__init__.py@0034007debee L8-39) have no such method");

  // ===== vllm-ascend: linear schemes and their parameters =====================
  loads("va_llama_w8a8dyn_n1", [] { return llama("W8A8_DYNAMIC"); }, VA, kNewest,
        "VA vllm_ascend/quantization/methods/w8a8_dynamic.py@182b75ea84ff L51 registers (W8A8_DYNAMIC, linear); "
        "L72-82 weight I8 [n,k], weight_scale/offset [n,1] = the checkpoint's shapes");
  fails("va_llama_w8a8dyn_pergroup", [] {
          Ckpt c = llama("W8A8_DYNAMIC");
          for (auto& t : c.tensors)
            if (ends_with(t.name, "weight_scale") || ends_with(t.name, "weight_offset")) t.shape[1] = c.at(t.name.substr(0, t.name.rfind('.')) + ".weight").shape[1] / 32;
          c.reserved["group_size"] = 32;
          return c;
        }, VA, kNewest, {"target.parameter"},
        "VA methods/w8a8_dynamic.py@182b75ea84ff L81-82 create weight_scale [n,1] via get_perchannel_param "
        "(method_adapters.py L89-94, output_dim=0 only); VL ColumnParallelLinear.weight_loader asserts "
        "param.shape == loaded.shape, so [n,k/32] fails");
  fails("va_llama_w8a8dyn_1d_scale", [] {
          Ckpt c = llama("W8A8_DYNAMIC");
          for (auto& t : c.tensors)
            if (ends_with(t.name, "weight_scale") || ends_with(t.name, "weight_offset")) t.shape = {t.shape[0]};
          return c;
        }, VA, kNewest, {"target.parameter", "scheme.shape"},
        "VA methods/w8a8_dynamic.py@182b75ea84ff L81-82 [n,1]; VL weight_loader reshapes only 0-dim tensors, "
        "then asserts equal shapes: 1-D [n] fails");
  loads("va_llama_w8a16_n1", [] { return llama("W8A16"); }, VA, kNewest,
        "VA methods/w8a16.py@182b75ea84ff L29 registers (W8A16, linear); L45-55 weight I8 [n,k], scale/offset [n,1]");
  fails("va_llama_w8a16_1d_scale", [] {
          Ckpt c = llama("W8A16");
          for (auto& t : c.tensors)
            if (ends_with(t.name, "weight_scale") || ends_with(t.name, "weight_offset")) t.shape = {t.shape[0]};
          return c;
        }, VA, kNewest, {"target.parameter"},
        "VA methods/w8a16.py@182b75ea84ff L54-55 create [n,1] (get_perchannel_param); VL weight_loader asserts "
        "equal shapes, [n] != [n,1]");
  fails("va0.11_llama_w8a16", [] { return llama("W8A16"); }, VA, va(11), {"target.unsupported-type"},
        "VA vllm_ascend/quantization/utils.py@2f1aed98ccdb (v0.11.0) L13-33 ASCEND_QUANTIZATION_METHOD_MAP has no W8A16 "
        "(first in v0.13.0rc1 utils.py L41-43): NotImplementedError utils.py L88-98");
  loads("va_qwen2_w8a8_static_bias", [] { return qwen2(all("W8A8")); }, VA, kNewest,
        "VA methods/w8a8_static.py@182b75ea84ff L32 registers (W8A8, linear); L64-85 weight I8, input_scale/offset [1], "
        "quant_bias I32 [n], deq_scale F32 [n] for a bf16 model (L80-83); bias FLOAT is the layer's own float bias");
  loads("va_llama_w8a8_static_fp16_i64deq", [] {
          return dense({"llama", "LlamaForCausalLM", false, false, true, false}, all("W8A8"));
        }, VA, kNewest,
        "VA methods/w8a8_static.py@182b75ea84ff L80-83: params_dtype float16 -> deq_scale created int64 [n] "
        "(unit test tests/ut/quantization/methods/a2/test_w8a8_static.py L44-48): the I64 checkpoint tensor matches");
  fails("va_llama_w8a8_static_fp16_f32deq", [] {
          Ckpt c = dense({"llama", "LlamaForCausalLM", false, false, true, false}, all("W8A8"));
          for (auto& t : c.tensors)
            if (ends_with(t.name, "deq_scale")) t.dtype = "F32";
          return c;
        }, VA, kNewest, {"target.parameter", "scheme.deq-scale-dtype"},
        "VA methods/w8a8_static.py@182b75ea84ff L80-83: fp16 model -> deq_scale param int64; VL copy_ casts the F32 "
        "values numerically into int64 (truncation): npu_quant_matmul reads garbage bit patterns (L113-119)");
  loads("va_qwen3_w8a8dyn_qknorm", [] { return qwen3(all("W8A8_DYNAMIC")); }, VA, kNewest,
        "VA methods/w8a8_dynamic.py@182b75ea84ff L51,L72-82; q_norm/k_norm are RMSNorm (not LinearBase), not looked "
        "up in the description (modelslim_config.py L701-774 dispatch)");
  fails("va_llama_qkv_mixed_float", [] {
          return llama([](const std::string& p) { return ends_with(p, "k_proj") ? std::string("FLOAT") : std::string("W8A8_DYNAMIC"); });
        }, VA, kNewest, {"group.fused-type"},
        "VA modelslim_config.py@182b75ea84ff L795-800 (is_layer_skipped_ascend): 'Detected some but not all shards of "
        "qkv_proj are quantized' ValueError (issue #2588)");
  fails("va_llama_gateup_mixed_types", [] {
          return llama([](const std::string& p) { return ends_with(p, "up_proj") ? std::string("W8A8") : std::string("W8A8_DYNAMIC"); });
        }, VA, kNewest, {"group.fused-type"},
        "VA modelslim_config.py@182b75ea84ff L460-467: 'Not all shards of gate_up_proj are quantized with same quant "
        "type' ValueError");
  fails("va_llama_w8a8sc", [] {
          Ckpt c = dense({"llama", "LlamaForCausalLM", false, false, true, false}, all("W8A8SC"));
          return c;
        }, VA, kNewest, {"target.unsupported-type"},
        "VA: W8A8SC is registered only in the 310P registry (_310p/quantization/methods/w8a8sc.py@182b75ea84ff L31); the "
        "main registry (methods/registry.py L52-62) has no (W8A8SC, linear): NotImplementedError modelslim_config.py L531-541");

  // ===== vllm-ascend: W4A8 ======================================================
  fails("va_llama_w4a8_dense", [] {
          Ckpt c = llama("W4A8_DYNAMIC");
          c.reserved["group_size"] = 0;
          return c;
        }, VA, kNewest, {"target.unsupported-type"},
        "VA @182b75ea84ff: (W4A8_DYNAMIC, linear) removed by efda0446db94 (methods/w4a8.py L36 registers moe only): "
        "NotImplementedError 'quant_type=W4A8_DYNAMIC for layer_type=linear' modelslim_config.py L531-541");
  loads("va0.25_llama_w4a8_dense", [] {
          Ckpt c = llama("W4A8_DYNAMIC");
          c.reserved["group_size"] = 0;
          return c;
        }, VA, va(25),
        "VA v0.25.1rc1 (9bf964cb4b87) methods/w4a8.py L38 registers (W4A8_DYNAMIC, linear); group_size 0 -> per-channel "
        "(L95, L353), version 1.0.0 -> packed layout (L96-97)");
  loads("va_qwen3moe_w4a8_experts_perchannel", [] {
          Ckpt c = qwen3_moe(attn_experts("W8A8_DYNAMIC", "W4A8_DYNAMIC"));
          c.reserved["group_size"] = 0;
          return c;
        }, VA, kNewest,
        "VA methods/w4a8.py@182b75ea84ff L36 registers (W4A8_DYNAMIC, moe); L113-120 group_size 0 accepted; L150-194 "
        "gate/up I8 [I/2,H], down I8 [H/2,I], F32 [n,1] scales, scale_bias [n,1] / down [H,16] (docstring L52-66)");
  fails("va_qwen3moe_w4a8_experts_pergroup64", [] {
          Ckpt c = qwen3_moe(attn_experts("W8A8_DYNAMIC", "W4A8_DYNAMIC_TWO_STAGE"));
          c.reserved["group_size"] = 64;
          return c;
        }, VA, kNewest, {"target.group-size"},
        "VA methods/w4a8.py@182b75ea84ff L113-120: group_size > 0 -> ValueError 'Per-Group quantization, which is no "
        "longer supported' (unit test tests/ut/quantization/methods/test_w4a8.py L40-44)");
  fails("va_deepseek_w4a8_shared_experts", [] {
          Ckpt c = deepseek_v3([](const std::string& p) {
            if (is_expert(p) || p.find(".shared_experts.") != std::string::npos) return std::string("W4A8_DYNAMIC");
            return ends_with(p, "kv_b_proj") ? std::string("FLOAT") : std::string("W8A8_DYNAMIC");
          });
          c.reserved["group_size"] = 0;
          return c;
        }, VA, kNewest, {"target.unsupported-type"},
        "VA @182b75ea84ff: shared_experts gate_up/down are LinearBase (layer_type linear, modelslim_config.py L731-740); "
        "(W4A8_DYNAMIC, linear) unregistered since efda0446db94 -> NotImplementedError L531-541 (va-params §3(c))");
  loads("va_deepseek_w4a8_experts_w8a8dyn_shared", [] {
          Ckpt c = deepseek_v3([](const std::string& p) {
            if (is_expert(p)) return std::string("W4A8_DYNAMIC");
            return ends_with(p, "kv_b_proj") ? std::string("FLOAT") : std::string("W8A8_DYNAMIC");
          });
          c.reserved["group_size"] = 0;
          return c;
        }, VA, kNewest,
        "VA @182b75ea84ff: routed experts (W4A8_DYNAMIC, moe) methods/w4a8.py L36, per-channel; shared experts and MLA "
        "linears (W8A8_DYNAMIC, linear) w8a8_dynamic.py L51; deepseek_v3 packed mapping modelslim_config.py L133-142");

  // ===== vllm-ascend: MoE scheme registry ========================================
  loads("va_qwen3moe_w8a8dyn_experts", [] { return qwen3_moe(all("W8A8_DYNAMIC")); }, VA, kNewest,
        "VA methods/w8a8_dynamic.py@182b75ea84ff L165 registers (W8A8_DYNAMIC, moe); L202-221 per-expert [n,k] I8, "
        "[n,1] scales; qwen3_moe packed mapping experts -> experts.0.* (modelslim_config.py L108-119)");
  fails("va_qwen3moe_w8a8_static_experts", [] { return qwen3_moe(attn_experts("W8A8_DYNAMIC", "W8A8")); }, VA,
        kNewest, {"target.unsupported-type"},
        "VA @182b75ea84ff: no (W8A8, moe) in methods/registry.py (dropped after v0.12.0rc1): NotImplementedError "
        "'quant_type=W8A8 for layer_type=moe' modelslim_config.py L531-541");
  loads("va0.11_qwen3moe_w8a8_static_experts", [] { return qwen3_moe(all("W8A8")); }, VA, va(11),
        "VA v0.11.0 (2f1aed98ccdb) vllm_ascend/quantization/utils.py L13-33 maps W8A8 for moe; MoE lookup L55-65 "
        "needs every key under the experts prefix to share one type (all W8A8 here)");
  fails("va_qwen3moe_w8a16_experts", [] { return qwen3_moe(attn_experts("W8A8_DYNAMIC", "W8A16")); }, VA, kNewest,
        {"target.unsupported-type"},
        "VA: (W8A16, moe) never registered (methods/w8a16.py@182b75ea84ff L29 linear only): NotImplementedError "
        "modelslim_config.py L531-541");
  fails("va_qwen3moe_expert0_gate_up_mixed", [] {
          return qwen3_moe([](const std::string& p) {
            return ends_with(p, "experts.0.up_proj") ? std::string("FLOAT") : std::string("W8A8_DYNAMIC");
          });
        }, VA, kNewest, {"group.fused-type"},
        "VA modelslim_config.py@182b75ea84ff L108-119 experts -> experts.0.{gate,up,down}_proj; L776-800 skip check: "
        "some but not all expert-0 shards quantized -> ValueError 'Detected some but not all shards of experts'");

  // ===== vllm-ascend: description file name and config.json =====================
  auto renamed = [] {
    Ckpt c = llama("W8A8_DYNAMIC");
    c.desc_name = "quant_model_description_w8a8_dynamic.json";
    return c;
  };
  fails("va_desc_name_suffixed", renamed, VA, kNewest, {"target.description-name"},
        "VA modelslim_config.py@182b75ea84ff L95 MODELSLIM_CONFIG_FILENAME, L893 get_model_file(exact name), "
        "L902-958 'ModelSlim Quantization Config Not Found' (issue #6931)");
  fails("va0.17_desc_name_suffixed", renamed, VA, va(17), {"target.description-name"},
        "VA v0.17.0rc1 (e20f0b1a0d2f): exact name re-applied by #7111 (MS L458-464 get_config_filenames() = [], L603 "
        "get_model_file)");
  fails("va0.15_desc_name_suffixed", renamed, VA, va(15), {"target.description-name"},
        "VA v0.15.0rc1 (3d43ed997e71): exact name from #6645 (modelslim_config.py L350-356 returns [], L488-489 isfile "
        "of the exact name)");
  // NB: vLLM's get_quant_config matches with endswith (va-registry.md §3: "suffix, not a
  // quant_model_description*.json prefix-glob"), so a name with the type AFTER the stem is
  // never found by any vllm-ascend version; only a name with a prefix before it is.
  fails("va0.16_desc_name_suffixed", renamed, VA, va(16), {"target.description-name"},
        "VA v0.16.0rc1 (a78a00e0b1b6) modelslim_config.py L452-453 get_config_filenames() = "
        "['quant_model_description.json']; vLLM get_quant_config keeps *.json with endswith(name): "
        "'quant_model_description_w8a8_dynamic.json' does not end with it -> 'Cannot find the config file for ascend'");
  fails("va0.13_desc_name_suffixed", renamed, VA, va(13), {"target.description-name"},
        "VA v0.13.0 (6281c1207a7a) quant_config.py L91-92 ['quant_model_description.json'] + vLLM endswith match: "
        "the _w8a8_dynamic name does not end with it -> 'Cannot find the config file for ascend' (issue #6931)");
  fails("va_small_quantization_config", [] {
          Ckpt c = llama("W8A8_DYNAMIC");
          c.config["quantization_config"] = json{{"group_size", 0}, {"kv_quant_type", nullptr}, {"fa_quant_type", nullptr}};
          return c;
        }, VA, kNewest, {"target.quantization-config"},
        "VA modelslim_config.py@182b75ea84ff L591-597 (no quant_method -> 'ascend'), L553-560 the dict becomes "
        "quant_description, L887-890 non-empty -> description file never read; L469 KeyError on the first layer "
        "(PR #9734 closed unmerged)");
  loads("va_full_quantization_config", [] {
          Ckpt c = llama("W8A8_DYNAMIC");
          c.config["quantization_config"] = c.description();
          return c;
        }, VA, kNewest,
        "VA modelslim_config.py@182b75ea84ff L887-890: config.json quantization_config used as the description; it "
        "holds every '<prefix>.weight' key, so L469 lookups succeed (issue #633 layout)");

  // ===== vllm-ascend: naming of newer families ===================================
  loads("va_qwen3vl_language_model_naming", [] { return qwen3_vl(all("W8A8_DYNAMIC")); }, VA, kNewest,
        "VA modelslim_config.py@182b75ea84ff L599-620 apply_vllm_mapper maps description keys with the model's "
        "hf_to_vllm_mapper; L668-676 lm_head fallback; VA CI loads Qwen3-VL-8B-Instruct-W8A8 "
        "(.github/workflows/misc/model_dataset_list.json L242). Mapper contents upstream: unverified");
  loads("va_qwen3_5_linear_attn_real", [] { return qwen3_5(qwen3_5_real()); }, VA, kNewest,
        "VA modelslim_config.py@182b75ea84ff L120-125 qwen3_5: in_proj_qkvz <- in_proj_qkv,in_proj_z (both W8A8_DYNAMIC), "
        "in_proj_ba <- in_proj_b,in_proj_a (both FLOAT): each fused group uniform (L444-467, L795-800)");
  fails("va_qwen3_5_qkvz_mixed", [] {
          return qwen3_5([](const std::string& p) {
            if (ends_with(p, "in_proj_z")) return std::string("FLOAT");
            return qwen3_5_real()(p);
          });
        }, VA, kNewest, {"group.fused-type"},
        "VA modelslim_config.py@182b75ea84ff L120-125 in_proj_qkvz <- in_proj_qkv (W8A8_DYNAMIC), in_proj_z (FLOAT): "
        "L795-800 'Detected some but not all shards of in_proj_qkvz are quantized'");
  fails("va_qwen3_5_ba_mixed", [] {
          return qwen3_5([](const std::string& p) {
            if (ends_with(p, "in_proj_b")) return std::string("W8A8_DYNAMIC");
            return qwen3_5_real()(p);
          });
        }, VA, kNewest, {"group.fused-type"},
        "VA modelslim_config.py@182b75ea84ff L120-125 in_proj_ba <- in_proj_b (W8A8_DYNAMIC), in_proj_a (FLOAT): "
        "L795-800 ValueError");

  // ===== vllm-ascend: DeepSeek-V3 MLA, MTP, FA quant =============================
  loads("va_deepseek_w8a8dyn_mtp_float", [] { return deepseek_v3(ds_w8a8_dynamic()); }, VA, kNewest,
        "VA modelslim_config.py@182b75ea84ff L133-142 deepseek_v3 mapping (gate_up, experts, fused_qkv_a_proj <- "
        "q_a_proj,kv_a_proj_with_mqa all W8A8_DYNAMIC); MTP layer described FLOAT as L167-169 asks", true);
  loads("va_deepseek_mtp_absent_no_drafter", [] { return deepseek_v3(ds_w8a8_dynamic(), {false, false}); }, VA,
        kNewest,
        "VA modelslim_config.py@182b75ea84ff L167-169 (msModelSlim descriptions lack the MTP layer): MTP layers are "
        "instantiated only with the MTP drafter; without it nothing looks up model.layers.2.*");
  fails("va_deepseek_mtp_absent_with_drafter", [] { return deepseek_v3(ds_w8a8_dynamic(), {false, false}); }, VA,
        kNewest, {"target.coverage"},
        "VA modelslim_config.py@182b75ea84ff L469 quant_description[prefix + '.weight'] KeyError / L791 for fused "
        "shards on model.layers.2.* once the deepseek_mtp drafter builds its layers (L170-173; issues #5794, #4093)",
        true);
  loads("va_deepseek_mtp_undescribed_no_drafter", [] {
          return deepseek_v3(ds_w8a8_dynamic(), {true, false});
        }, VA, kNewest,
        "VA modelslim_config.py@182b75ea84ff L167-169: without the drafter no MTP layer is built, so no description "
        "lookup for model.layers.2.*; vLLM deepseek_v2 load_weights skips spec-decode layer weights (loaders-audit M3)");
  fails("va_deepseek_mtp_undescribed_with_drafter", [] {
          return deepseek_v3(ds_w8a8_dynamic(), {true, false});
        }, VA, kNewest, {"target.coverage"},
        "VA modelslim_config.py@182b75ea84ff L469 quant_description[prefix + '.weight'] KeyError / L791 for fused "
        "shards, on model.layers.2.* when the deepseek_mtp drafter loads (L170-173; issues #5794, #4093)", true);
  fails("va_deepseek_qa_kva_mixed", [] {
          return deepseek_v3([](const std::string& p) {
            if (ends_with(p, "kv_a_proj_with_mqa") || ends_with(p, "kv_b_proj")) return std::string("FLOAT");
            return std::string("W8A8_DYNAMIC");
          });
        }, VA, kNewest, {"group.fused-type"},
        "VA modelslim_config.py@182b75ea84ff L133-142 fused_qkv_a_proj <- q_a_proj (W8A8_DYNAMIC), kv_a_proj_with_mqa "
        "(FLOAT): L795-800 ValueError");
  loads("va_deepseek_fakquant_mla_kv_1x1", [] {
          Ckpt c = deepseek_v3(ds_w8a8_dynamic());
          add_mla_fa(c, 1);
          return c;
        }, VA, kNewest,
        "VA methods/kv_c8.py@182b75ea84ff L30 registers FAKQuant attention; L38-57 fa_k/fa_v params [num_kv_heads,1] "
        "with num_kv_heads = 1 on MLA (UT test_kv_c8.py L251-258); L12-27 numel==1 -> fill_; fa_q unused after load "
        "(L59-72); layers from keys containing fa_k.scale (modelslim_config.py L1034-1048)");
  fails("va_deepseek_fakquant_mla_kv_heads", [] {
          Ckpt c = deepseek_v3(ds_w8a8_dynamic());
          add_mla_fa(c, NH);
          return c;
        }, VA, kNewest, {"target.parameter"},
        "VA methods/kv_c8.py@182b75ea84ff L12-27 _fa_quant_weight_loader: param [1,1] (MLA num_kv_heads 1), loaded "
        "[4,1] -> narrow then assert param.size() == loaded.size() fails");
  fails("va_deepseek_faquant_type_value", [] {
          Ckpt c = deepseek_v3(ds_w8a8_dynamic());
          add_mla_fa(c, 1, "FAQuant");
          return c;
        }, VA, kNewest, {"target.fa-quant-key", "target.unsupported-type"},
        "VA modelslim_config.py@182b75ea84ff L492-500 attention type = fa_quant_type; registry has only FAKQuant and "
        "INT8_DYNAMIC for attention (methods/kv_c8.py L30, L75): 'FAQuant' -> NotImplementedError L531-541");
  loads("va_llama_w8a8_c8_kvcache", [] {
          Ckpt c = llama("W8A8");
          add_c8(c, true);
          return c;
        }, VA, kNewest,
        "VA modelslim_config.py@182b75ea84ff L1041-1052 kv_cache_type == 'C8' + keys containing k_proj.kv_cache_scale "
        "-> AscendC8KVCacheAttentionMethod (L747-751); methods/kv_c8.py L99-105 loader squeezes, any shape");
  fails("va_llama_w8a8_c8_without_key", [] {
          Ckpt c = llama("W8A8");
          add_c8(c, false);
          return c;
        }, VA, kNewest, {"target.kv-cache-key"},
        "VA modelslim_config.py@182b75ea84ff L1041-1052: without kv_cache_type 'C8' no layer gets the C8 method, so "
        "the k_proj.kv_cache_scale tensors have no parameter (model load_weights params_dict KeyError, va-params §0: "
        "per-model, unverified) and the KV cache stays float");

  // ===== more loads: the producers' variants every loader above accepts ==========
  loads("va0.13_qwen3moe_w8a8dyn_experts", [] { return qwen3_moe(all("W8A8_DYNAMIC")); }, VA, va(13),
        "VA v0.13.0 (6281c1207a7a) vllm_ascend/quantization/utils.py L20-48 maps W8A8_DYNAMIC for linear and moe");
  loads("va_llama_w8a8_static_v0_weight_scales", [] {
          Ckpt c = llama("W8A8");
          for (const auto& t : std::vector<Tensor>(c.tensors))
            if (ends_with(t.name, ".deq_scale")) {
              const std::string p = t.name.substr(0, t.name.rfind('.'));
              c.add(p + ".weight_scale", "F32", {t.shape[0], 1}, "W8A8");
              c.add(p + ".weight_offset", "F32", {t.shape[0], 1}, "W8A8");
            }
          return c;
        }, VA, kNewest,
        "VA methods/w8a8_static.py@182b75ea84ff L84-85 also create weight_scale/weight_offset md [n,1] (unused by apply, "
        "L95-120): V0's [n,1] tensors pass the shape assert");
  loads("va_qwen2_w8a8_bias_tagged_w8a8", [] {
          Ckpt c = qwen2(all("W8A8"));
          c.retag(".bias", "W8A8");
          return c;
        }, VA, kNewest,
        "VA modelslim_config.py@182b75ea84ff L469: only '<prefix>.weight' is looked up, the bias's tag is never read; "
        "w8a8_static.py L64-85 params as for any W8A8 linear");
  loads("va0.18_deepseek_fakquant_mla_kv_1x1", [] {
          Ckpt c = deepseek_v3(ds_w8a8_dynamic());
          add_mla_fa(c, 1);
          return c;
        }, VA, va(18),
        "VA v0.18.0 (e18643f8a4d5): FAKQuant attention first registered in v0.18.0rc1 (methods/kv_c8.py); [1,1] fa_k/fa_v "
        "fill the MLA [1,1] params");
  loads("va_qwen3_5_all_linear_attn_w8a8dyn", [] { return qwen3_5(all("W8A8_DYNAMIC")); }, VA, kNewest,
        "VA modelslim_config.py@182b75ea84ff L120-125: in_proj_qkvz and in_proj_ba each uniform (all W8A8_DYNAMIC); "
        "w8a8_dynamic.py L51, L72-82 [n,1] scales");
  loads("mindie_qwen2_w8a8_static", [] { return qwen2(all("W8A8")); }, MI, kNewest,
        "MI ms_model_slim/quantization_config.py@8b4871ad31f5 L131-138 W8A8 linear; L67-100 '<prefix>.weight' present, "
        "q/k/v and gate/up members agree; quantize from model_quant_type (router.py L217-218)");
  loads("mindie_quantize_lowercase", [] {
          Ckpt c = qwen3(all("W8A8_DYNAMIC"));
          c.config["quantize"] = "w8a8_dynamic";
          return c;
        }, MI, kNewest,
        "MI atb_llm/models/base/config.py@8b4871ad31f5 L289-296: 'w8a8_dynamic' in QUANTIZE_DESC_REQUIRED_LIST "
        "(quant_type.py L13-44); router.py L217-218 keeps a present quantize");
  loads("vms_gs_llama_w8a8_smoothed", [] { return gs_llama("W8A8"); }, VMS, kNewest,
        "VMS q/golden_stick/a8w8.py@a7b56a427666 L39-111: golden-stick input_scale/input_offset [in], deq_scale F32 "
        "[out] (bf16 model), quant_bias I32; weight_scale/weight_offset/smooth_scale have no param and are skipped "
        "(models load_weights 'if name in params_dict')");

  // ===== vllm-ascend: family ======================================================
  fails("va_golden_stick_checkpoint", [] { return gs_llama("W8A8"); }, VA, kNewest, {"target.family"},
        "VA modelslim_config.py@182b75ea84ff L95, L893: reads only quant_model_description.json; a Golden-Stick "
        "quantization_description.json is never found -> 'ModelSlim Quantization Config Not Found' L902-958");

  // ===== MindIE ====================================================================
  loads("mindie_no_quantize_key", [] { return llama("W8A8_DYNAMIC"); }, MI, kNewest,
        "MI examples/atb_models/atb_llm/models/base/router.py@8b4871ad31f5 L217-218: no config.json quantize -> "
        "quantize = model_quant_type.lower() ('w8a8_dynamic', in QUANTIZE_DESC_REQUIRED_LIST quant_type.py L13-44)");
  fails("mindie2.1_no_quantize_key", [] { return llama("W8A8_DYNAMIC"); }, MI, RuntimeVersion{2, 1},
        {"target.mindie-config"},
        "MindIE <= 2.1.RC1: needs config.json quantize (MI docs/zh/faq/faq.md@8b4871ad31f5 L826-852 'linear type not "
        "matched', fast_linear.py L33; MS example/common/copy_config_files.py L44 always writes it for mindie_format)");
  loads("mindie2.1_quantize_and_suffixed_name", [] {
          Ckpt c = llama("W8A8_DYNAMIC");
          c.config["quantize"] = "w8a8_dynamic";
          c.desc_name = "quant_model_description_w8a8_dynamic.json";
          return c;
        }, MI, RuntimeVersion{2, 1},
        "MindIE <= 2.1.RC1 reads quant_model_description_<quantize>.json with config.json quantize (MS "
        "example/common/utils.py@3de0a3c4e965 L139-181 mindie_format output, 'compatible with MindIE 2.1.RC1', "
        "example/DeepSeek/README.md L96)");
  fails("mindie_quantize_uppercase", [] {
          Ckpt c = llama("W8A8_DYNAMIC");
          c.config["quantize"] = "W8A8_DYNAMIC";
          return c;
        }, MI, kNewest, {"target.mindie-config"},
        "MI examples/atb_models/atb_llm/models/base/config.py@8b4871ad31f5 L289-296 __check_quantize: case-sensitive "
        "lowercase list -> NotImplementedError; router.py L217-218 only fills quantize when absent");
  loads("mindie_group_size_256", [] {
          Ckpt c = llama("W8A8_DYNAMIC");
          c.reserved["group_size"] = 256;
          return c;
        }, MI, kNewest,
        "MI atb_llm/models/base/config.py@8b4871ad31f5 L280-287 group_size in {0,64,128,256} (description merged into "
        "quantization_config, router.py L227-235)");
  fails("mindie_group_size_32", [] {
          Ckpt c = llama("W8A8_DYNAMIC");
          c.reserved["group_size"] = 32;
          return c;
        }, MI, kNewest, {"target.mindie-config"},
        "MI atb_llm/models/base/config.py@8b4871ad31f5 L280-287: group_size not in {0,64,128,256} -> NotImplementedError "
        "'Unsupported value ... group_size' (description keys merged, router.py L227-235)");
  fails("mindie_w4a8_dense_linear", [] {
          Ckpt c = llama("W4A8_DYNAMIC");
          c.reserved["group_size"] = 0;
          return c;
        }, MI, kNewest, {"target.unsupported-type"},
        "MI mindie_llm/runtime/layers/quantization/ms_model_slim/quantization_config.py@8b4871ad31f5 L131-145: "
        "W4A8_DYNAMIC not a linear type -> unquantized fallback; the packed I8 [n/2,k] weight cannot load as a float [n,k]");
  loads("mindie_qwen3moe_w8a8dyn_experts", [] { return qwen3_moe(all("W8A8_DYNAMIC")); }, MI, kNewest,
        "MI ms_model_slim/quantization_config.py@8b4871ad31f5 L131-138 (W8A8_DYNAMIC linear), L150-154 FusedMoE types "
        "FLOAT, W8A8_DYNAMIC, W4A8_DYNAMIC");
  fails("mindie_qwen3moe_w8a8_static_experts", [] { return qwen3_moe(attn_experts("W8A8_DYNAMIC", "W8A8")); }, MI,
        kNewest, {"target.unsupported-type"},
        "MI ms_model_slim/quantization_config.py@8b4871ad31f5 L150-161: W8A8 not a FusedMoE type -> "
        "UnquantizedFusedMoEMethod; int8 expert weights then load into float experts");
  loads("mindie_qwen3moe_w4a8_experts", [] {
          Ckpt c = qwen3_moe(attn_experts("W8A8_DYNAMIC", "W4A8_DYNAMIC"));
          c.reserved["group_size"] = 0;
          return c;
        }, MI, kNewest,
        "MI ms_model_slim/quantization_config.py@8b4871ad31f5 L150-154 W4A8_DYNAMIC FusedMoE; ms_model_slim/w4a8.py "
        "L23-86 per-channel: gate_up I8 [E,I,H] (packed n), down [E,H/2,I], F32 [.,1] scales, scale_bias [.,1]/[H,16]");
  fails("mindie_golden_stick_checkpoint", [] { return gs_llama("W8A8"); }, MI, kNewest, {"target.family"},
        "MI router.py@8b4871ad31f5 L198-211 and runtime quantization_config.py L51-61: only quant_model_description*.json "
        "names; a Golden-Stick checkpoint has none (loads as float with a warning, mindie_llm_config.py L113-118, "
        "int8 weights into float layers)");

  // ===== vllm-mindspore ==============================================================
  loads("vms_gs_w8a8_smoothed", [] { return gs_qwen2("W8A8"); }, VMS, kNewest,
        "VMS q/golden_stick/a8w8.py@a7b56a427666 L39-111 (golden-stick): weight I8 [n,k], deq_scale F32 [n], quant_bias "
        "I32 [n], input_scale md [k], input_offset I8 [k]; golden_stick.py L40-121 every key of a module W8A8");
  fails("vms_gs_w8a8_plain_scalar_input_scale", [] { return gs_llama("W8A8_PLAIN"); }, VMS, kNewest,
        {"target.parameter"},
        "VMS q/golden_stick/a8w8.py@a7b56a427666 L71-81: golden-stick input_scale/input_offset created [in]; "
        "layers/linear.py L212-221/L347-361 assert param.shape == loaded.shape; MindSpore set_data refuses a shape change");
  fails("vms_gs_w8a8_fp16_i64_deq", [] { return gs_llama("W8A8", true); }, VMS, kNewest, {"target.parameter"},
        "VMS q/golden_stick/a8w8.py@a7b56a427666 L56-58 deq_scale float32 always; default_weight_loader "
        "(model_loader/weight_utils.py L101-104) set_data casts int64 -> float32 numerically: garbage deq_scale "
        "(MindSpore Parameter.set_data, 2022-era revision: unverified for MS 2.6/2.7)");
  loads("vms_gs_w8a8_fp16_f32_deq", [] {
          Ckpt c = gs_llama("W8A8", true);
          for (auto& t : c.tensors)
            if (ends_with(t.name, "deq_scale")) t.dtype = "F32";
          return c;
        }, VMS, kNewest,
        "VMS q/golden_stick/a8w8.py@a7b56a427666 L56-58: deq_scale param float32 whatever the model dtype (310P "
        "reinterprets the F32 bits after load, L113-120): an F32 checkpoint tensor is what it wants");
  fails("vms_ms_w8a8_dynamic", [] { return llama("W8A8_DYNAMIC"); }, VMS, kNewest, {"target.unsupported-type"},
        "VMS q/golden_stick/golden_stick.py@a7b56a427666 L130-134 quantization_method_mapping = {FLOAT, W8A8, W8A8S}; "
        "L230-233 ValueError 'Unsupported quantization strategy: W8A8_DYNAMIC'");
  fails("vms_gs_w8a8_dynamic", [] { return gs_llama("W8A8_DYNAMIC"); }, VMS, kNewest, {"target.unsupported-type"},
        "VMS golden_stick.py@a7b56a427666 L130-134, L230-233: W8A8_DYNAMIC is not in quantization_method_mapping");
  loads("vms_ms_llama_w8a8_static", [] { return llama("W8A8"); }, VMS, kNewest,
        "VMS q/__init__.py@a7b56a427666 L31-47 'ascend' -> ModelSlimConfig; golden_stick.py L150-156 reads "
        "quant_model_description.json; a8w8.py L85-92 modelslim input_scale/input_offset [1], deq_scale F32 [n] "
        "(bf16 model), quant_bias I32 [n]; L40-121 all keys of a module W8A8");
  fails("vms_ms_qwen2_w8a8_bias_float", [] { return qwen2(all("W8A8")); }, VMS, kNewest, {"group.module-type"},
        "VMS golden_stick.py@a7b56a427666 L99-105, L120-121 _validate_quantization_consistency: q_proj.bias FLOAT beside "
        "q_proj.weight W8A8 -> inner_conflict ValueError (runs for ModelSlimConfig too, L264)");

  // ===== MindFormers =================================================================
  loads("mf_ms_w8a8_dynamic", [] { return llama("W8A8_DYNAMIC"); }, MF, kNewest,
        "MF mindformers/parallel_core/inference/quantization/golden_stick/config.py@f52743ca27a5 L30-34 W8A8_DYNAMIC; "
        "a8dynw8.py L68-80 w_scale [out]; tensor_parallel/layers.py L488, L865, L1025 squeeze a [n,1] w_scale");
  fails("mf_ms_qwen3moe_w4a8_no_group_size", [] {
          Ckpt c = qwen3_moe(attn_experts("W8A8_DYNAMIC", "W4A8_DYNAMIC"));
          return c;  // V1 per-channel: no group_size key
        }, MF, kNewest, {"target.group-size"},
        "MF quantization/golden_stick/a8dynw4.py@f52743ca27a5 L50-52: group_size from quantization_config+description "
        "missing -> ValueError 'group_size should >=0 but group_size is : None'");
  fails("mf_ms_w8a16", [] { return llama("W8A16"); }, MF, kNewest, {"target.unsupported-type"},
        "MF golden_stick/config.py@f52743ca27a5 L30-34 QUANTIZATION_METHOD_MAPPING = {W8A8, W8A8_DYNAMIC, W4A8_DYNAMIC}; "
        "L180 bare dict index -> KeyError 'W8A16'");
  loads("mf_gs_w8a8_smoothed", [] { return gs_qwen2("W8A8"); }, MF, kNewest,
        "MF golden_stick/a8w8.py@f52743ca27a5 L43-104: GS path input_scale md [in], input_offset I8 [in], deq_scale F32 "
        "[out], quant_bias I32 [out]; config.py L30-34 W8A8");
  fails("mf_gs_w8a8_plain_scalar_input_scale", [] { return gs_llama("W8A8_PLAIN"); }, MF, kNewest,
        {"target.parameter"},
        "MF golden_stick/a8w8.py@f52743ca27a5 L73-80: golden-stick input_scale/input_offset created [in]; a [1] tensor "
        "cannot be set into it (MindSpore set_data shape check)");
  loads("mf_desc_name_suffixed", renamed, MF, kNewest,
        "MF quantization/utils.py@f52743ca27a5 L46-50 get_quant_config keeps a json if the stem "
        "'quant_model_description' is a substring of its path: quant_model_description_w8a8_dynamic.json matches");
  return r;
}

std::string dump(const validate::Report& rep) {
  std::ostringstream o;
  o << "  " << rep.errors << " error(s), " << rep.warnings << " warning(s) for " << rep.target_label << "\n";
  for (const auto& f : rep.findings)
    o << "  [" << severity_name(f.severity) << "] " << f.rule << " " << f.tensor << ": " << f.message << "\n";
  return o.str();
}

validate::Report run(const Ckpt& c, Target t, RuntimeVersion v, bool mtp, test::TempDir& dir) {
  c.write(dir.path());
  auto ck = Checkpoint::open(dir.path());
  if (!ck.ok()) throw std::runtime_error("open failed");
  validate::ValidateOptions o;
  o.target = t;
  o.version = v;
  o.with_mtp = mtp;
  o.quick = true;
  return validate::validate(*ck, o);
}

class TargetVerdict : public ::testing::TestWithParam<Row> {};

TEST_P(TargetVerdict, MatchesLoader) {
  const Row& row = GetParam();
  test::TempDir dir;
  const Ckpt c = row.build();
  const validate::Report rep = run(c, row.target, row.version, row.with_mtp, dir);
  SCOPED_TRACE("loader fact: " + row.why);
  if (std::getenv("QKIT_VERDICT_VERBOSE") != nullptr) std::cout << row.id << "\n" << dump(rep);
  if (row.loads) {
    EXPECT_EQ(rep.errors, 0u) << row.id << ": the loader accepts this checkpoint, qkit reports errors\n" << dump(rep);
  } else {
    bool found = false;
    for (const auto& f : rep.findings)
      for (const auto& want : row.rules)
        if (f.rule == want && f.severity == Severity::Error) found = true;
    std::string wanted;
    for (const auto& w : row.rules) wanted += (wanted.empty() ? "" : " or ") + w;
    EXPECT_GT(rep.errors, 0u) << row.id << ": the loader rejects this checkpoint, qkit reports no error\n" << dump(rep);
    EXPECT_TRUE(found) << row.id << ": expected an error finding " << wanted << "\n" << dump(rep);
  }
}

INSTANTIATE_TEST_SUITE_P(Loaders, TargetVerdict, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& i) {
                           std::string s = i.param.id;
                           for (char& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

// The table is balanced and large enough to mean something.
TEST(TargetVerdictTable, Balanced) {
  std::size_t loads = 0, fails = 0;
  std::set<std::string> ids;
  for (const auto& r : rows()) {
    (r.loads ? loads : fails)++;
    EXPECT_TRUE(ids.insert(r.id).second) << "duplicate row id " << r.id;
    EXPECT_FALSE(r.why.empty()) << r.id;
    if (!r.loads) {
      EXPECT_FALSE(r.rules.empty()) << r.id;
    }
  }
  EXPECT_GE(loads + fails, 44u);
  EXPECT_GE(loads * 5, (loads + fails) * 2) << loads << " loads, " << fails << " fails";
  EXPECT_GE(fails * 5, (loads + fails) * 2) << loads << " loads, " << fails << " fails";
}

// Every family's baseline is clean without a target: no error and no
// warning, so a row's finding comes from what the row changed.
struct Baseline {
  std::string name;
  std::function<Ckpt()> build;
  bool with_mtp = false;
};

TEST(TargetVerdictBaselines, CleanForAnyTarget) {
  const std::vector<Baseline> bases = {
      {"llama_w8a8_dynamic", [] { return llama("W8A8_DYNAMIC"); }},
      {"llama_w8a16", [] { return llama("W8A16"); }},
      {"llama_w8a8_static", [] { return llama("W8A8"); }},
      {"llama_w4a8", [] {
         Ckpt c = llama("W4A8_DYNAMIC");
         c.reserved["group_size"] = 0;
         return c;
       }},
      {"qwen2_w8a8_static", [] { return qwen2(all("W8A8")); }},
      {"qwen3_w8a8_dynamic", [] { return qwen3(all("W8A8_DYNAMIC")); }},
      {"qwen3_moe_w8a8_dynamic", [] { return qwen3_moe(all("W8A8_DYNAMIC")); }},
      {"qwen3_moe_w4a8_experts", [] { return qwen3_moe(attn_experts("W8A8_DYNAMIC", "W4A8_DYNAMIC")); }},
      {"qwen3_vl_w8a8_dynamic", [] { return qwen3_vl(all("W8A8_DYNAMIC")); }},
      {"qwen3_5_w8a8_dynamic", [] { return qwen3_5(qwen3_5_real()); }},
      {"deepseek_v3_w8a8_dynamic", [] { return deepseek_v3(ds_w8a8_dynamic()); }, true},
      {"deepseek_v3_fa_mla", [] {
         Ckpt c = deepseek_v3(ds_w8a8_dynamic());
         add_mla_fa(c, 1);
         return c;
       }, true},
      {"gs_qwen2_w8a8", [] { return gs_qwen2("W8A8"); }},
      {"gs_llama_w8a8_dynamic", [] { return gs_llama("W8A8_DYNAMIC"); }},
  };
  for (const auto& b : bases) {
    test::TempDir dir;
    const validate::Report rep = run(b.build(), Target::Any, {}, b.with_mtp, dir);
    EXPECT_EQ(rep.errors + rep.warnings, 0u) << b.name << "\n" << dump(rep);
  }
}

}  // namespace
}  // namespace qkit
