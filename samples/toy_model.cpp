//===- samples/toy_model.cpp ---------------------------------------------===//
#include "samples/toy_model.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "formats/atomic_file.h"
#include "formats/float_codec.h"
#include "formats/safetensors_writer.h"
#include "formats/sharded_writer.h"

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

Status write_text_file(const std::filesystem::path& path, const std::string& text) {
  auto out = AtomicFileWriter::create(path);
  if (!out) return std::move(out).error();
  if (auto st = out->write(std::string_view(text)); !st) return st;
  return out->commit();
}

}  // namespace

std::vector<FloatTensor> make_float_model(const ToyConfig& c) {
  Rng rng(c.seed);
  const std::uint64_t h = c.hidden, im = c.intermediate, hd = c.hidden / c.heads;
  const std::uint64_t kv = c.kv_heads * hd;
  // Weights scaled like a trained model's (~1/sqrt(fan_in)), so int8
  // quantization of them has a realistic dynamic range.
  const float ws = 1.0f / std::sqrt(static_cast<float>(h));
  std::vector<FloatTensor> out;
  out.push_back(random_tensor(rng, "model.embed_tokens.weight", {static_cast<std::uint64_t>(c.vocab), h}, 1.0f));
  for (int l = 0; l < c.layers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    out.push_back(norm_tensor(rng, p + "input_layernorm.weight", h));
    out.push_back(random_tensor(rng, p + "self_attn.q_proj.weight", {h, h}, ws));
    out.push_back(random_tensor(rng, p + "self_attn.k_proj.weight", {kv, h}, ws));
    out.push_back(random_tensor(rng, p + "self_attn.v_proj.weight", {kv, h}, ws));
    out.push_back(random_tensor(rng, p + "self_attn.o_proj.weight", {h, h}, ws));
    out.push_back(norm_tensor(rng, p + "post_attention_layernorm.weight", h));
    out.push_back(random_tensor(rng, p + "mlp.gate_proj.weight", {im, h}, ws));
    out.push_back(random_tensor(rng, p + "mlp.up_proj.weight", {im, h}, ws));
    out.push_back(random_tensor(rng, p + "mlp.down_proj.weight", {h, im}, 1.0f / std::sqrt(static_cast<float>(im))));
  }
  out.push_back(norm_tensor(rng, "model.norm.weight", h));
  if (!c.tie_word_embeddings)
    out.push_back(random_tensor(rng, "lm_head.weight", {static_cast<std::uint64_t>(c.vocab), h}, ws));
  return out;
}

std::string make_config_json(const ToyConfig& c) {
  nlohmann::ordered_json j;
  j["architectures"] = {"LlamaForCausalLM"};
  j["model_type"] = c.model_type;
  j["torch_dtype"] = "bfloat16";
  j["hidden_size"] = c.hidden;
  j["intermediate_size"] = c.intermediate;
  j["num_hidden_layers"] = c.layers;
  j["num_attention_heads"] = c.heads;
  j["num_key_value_heads"] = c.kv_heads;
  j["head_dim"] = c.hidden / c.heads;
  j["vocab_size"] = c.vocab;
  j["max_position_embeddings"] = 512;
  j["rms_norm_eps"] = 1e-6;
  j["rope_theta"] = 10000.0;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  return j.dump(2) + "\n";
}

Status write_float_checkpoint(const std::filesystem::path& dir, const ToyConfig& cfg, std::uint64_t max_shard_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(Errc::io_write, "cannot create directory: " + ec.message()).in_file(dir.string());
  auto model = make_float_model(cfg);
  // bf16 bytes, kept alive while the writer streams them.
  std::vector<std::vector<std::uint16_t>> storage;
  storage.reserve(model.size());
  std::vector<TensorSource> sources;
  for (const FloatTensor& t : model) {
    auto& b = storage.emplace_back(t.values.size());
    for (std::size_t i = 0; i < t.values.size(); ++i) b[i] = f32_to_bf16(t.values[i]);
    sources.push_back(TensorSource{t.name, Dtype::BF16, t.shape, std::as_bytes(std::span(b)), {}});
  }
  ShardedWriteOptions opts;
  opts.shard_prefix = "model";
  opts.index_name = "model.safetensors.index.json";
  opts.single_file_name = max_shard_bytes == 0 ? "model.safetensors" : "";
  opts.max_shard_bytes = max_shard_bytes == 0 ? ~0ull : max_shard_bytes;
  opts.shard_metadata = [](std::span<const std::size_t>) { return Metadata{{"format", "pt"}}; };
  auto res = write_sharded(dir, sources, opts);
  if (!res) return std::move(res).error();
  return write_text_file(dir / "config.json", make_config_json(cfg));
}

std::vector<std::string> sample_names() { return {"tiny-llama-float", "tiny-llama-float-sharded"}; }

Status write_all_samples(const std::filesystem::path& root) {
  ToyConfig cfg;
  if (auto st = write_float_checkpoint(root / "tiny-llama-float", cfg); !st) return st;
  return write_float_checkpoint(root / "tiny-llama-float-sharded", cfg, 96 * 1024);
}

}  // namespace qkit::samples
