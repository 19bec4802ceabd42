//===- samples/toy_model.cpp ---------------------------------------------===//
#include "samples/toy_model.h"

#include <cmath>

#include <nlohmann/json.hpp>


namespace qkit::samples {
namespace {

// splitmix64: tiny, fast, and identical on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1), exactly representable (24-bit grid).
  float uniform() { return static_cast<float>(static_cast<std::int64_t>(next() >> 40) - (1 << 23)) / (1 << 23); }

 private:
  std::uint64_t s_;
};

FloatTensor random_tensor(Rng& rng, std::string name, std::vector<std::uint64_t> shape, float scale) {
  FloatTensor t{std::move(name), std::move(shape), {}};
  std::uint64_t n = 1;
  for (auto d : t.shape) n *= d;
  t.values.resize(n);
  for (auto& v : t.values) v = rng.uniform() * scale;
  return t;
}

FloatTensor norm_tensor(Rng& rng, std::string name, std::uint64_t n) {
  FloatTensor t{std::move(name), {n}, std::vector<float>(n)};
  for (auto& v : t.values) v = 1.0f + 0.05f * rng.uniform();
  return t;
}

}  // namespace

std::vector<FloatTensor> make_float_model(const ToyConfig& c) {
  Rng rng(c.seed);
  const std::uint64_t h = c.hidden, im = c.intermediate, hd = c.hidden / c.heads;
  const std::uint64_t kv = c.kv_heads * hd;
  // Weights scaled like a trained model's (~1/sqrt(fan_in)), so int8
  // quantization of them has a realistic dynamic range.
  const float ws = 1.0f / std::sqrt(static_cast<float>(h));
  auto lin = [&](std::vector<FloatTensor>& out, const std::string& name, std::uint64_t n, std::uint64_t k) {
    out.push_back(random_tensor(rng, name, {n, k}, 1.0f / std::sqrt(static_cast<float>(k))));
  };
  std::vector<FloatTensor> out;
  out.push_back(random_tensor(rng, "model.embed_tokens.weight", {static_cast<std::uint64_t>(c.vocab), h}, 1.0f));
  for (int l = 0; l < c.layers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    out.push_back(norm_tensor(rng, p + "input_layernorm.weight", h));
    lin(out, p + "self_attn.q_proj.weight", h, h);
    if (c.qkv_bias) out.push_back(random_tensor(rng, p + "self_attn.q_proj.bias", {h}, 0.1f));
    lin(out, p + "self_attn.k_proj.weight", kv, h);
    if (c.qkv_bias) out.push_back(random_tensor(rng, p + "self_attn.k_proj.bias", {kv}, 0.1f));
    lin(out, p + "self_attn.v_proj.weight", kv, h);
    if (c.qkv_bias) out.push_back(random_tensor(rng, p + "self_attn.v_proj.bias", {kv}, 0.1f));
    lin(out, p + "self_attn.o_proj.weight", h, h);
    if (c.qk_norm) {
      const std::uint64_t hd = h / static_cast<std::uint64_t>(c.heads);
      out.push_back(norm_tensor(rng, p + "self_attn.q_norm.weight", hd));
      out.push_back(norm_tensor(rng, p + "self_attn.k_norm.weight", hd));
    }
    out.push_back(norm_tensor(rng, p + "post_attention_layernorm.weight", h));
    if (c.experts > 0) {
      const std::uint64_t mi = c.moe_intermediate;
      out.push_back(random_tensor(rng, p + "mlp.gate.weight", {static_cast<std::uint64_t>(c.experts), h}, ws));
      for (int e = 0; e < c.experts; ++e) {
        std::string ep = p + "mlp.experts." + std::to_string(e) + ".";
        lin(out, ep + "gate_proj.weight", mi, h);
        lin(out, ep + "up_proj.weight", mi, h);
        lin(out, ep + "down_proj.weight", h, mi);
      }
    } else {
      lin(out, p + "mlp.gate_proj.weight", im, h);
      lin(out, p + "mlp.up_proj.weight", im, h);
      lin(out, p + "mlp.down_proj.weight", h, im);
    }
  }
  out.push_back(norm_tensor(rng, "model.norm.weight", h));
  if (!c.tie_word_embeddings)
    out.push_back(random_tensor(rng, "lm_head.weight", {static_cast<std::uint64_t>(c.vocab), h}, ws));
  return out;
}

bool is_quantizable_linear(const std::string& name) {
  static const char* kProj[] = {"q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight",
                                "gate_proj.weight", "up_proj.weight", "down_proj.weight"};
  for (const char* p : kProj) {
    std::string_view s(p);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
        name[name.size() - s.size() - 1] == '.')
      return true;
  }
  return false;
}

std::string make_config_json(const ToyConfig& c) {
  nlohmann::ordered_json j;
  const char* arch = c.experts > 0  ? "Qwen3MoeForCausalLM"
                     : c.qkv_bias ? "Qwen2ForCausalLM"
                     : c.qk_norm  ? "Qwen3ForCausalLM"
                                  : "LlamaForCausalLM";
  j["architectures"] = {arch};
  j["model_type"] = c.model_type;
  j["torch_dtype"] = c.dtype == Dtype::F16 ? "float16" : c.dtype == Dtype::F32 ? "float32" : "bfloat16";
  j["hidden_size"] = c.hidden;
  j["intermediate_size"] = c.intermediate;
  j["num_hidden_layers"] = c.layers;
  j["num_attention_heads"] = c.heads;
  j["num_key_value_heads"] = c.kv_heads;
  j["head_dim"] = c.hidden / c.heads;
  j["vocab_size"] = c.vocab;
  if (c.experts > 0) {
    j["num_experts"] = c.experts;
    j["num_experts_per_tok"] = 1;
    j["moe_intermediate_size"] = c.moe_intermediate;
  }
  j["max_position_embeddings"] = 512;
  j["rms_norm_eps"] = 1e-6;
  j["rope_theta"] = 10000.0;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  return j.dump(2) + "\n";
}

}  // namespace qkit::samples
