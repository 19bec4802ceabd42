//===- formats/model_config.h - the facts qkit needs from config.json ----===//
//
// Architecture facts come from the top level first, then from text_config
// (vision-language models keep the language model's fields there). The
// model dtype is `dtype` (transformers >= 4.56) or `torch_dtype`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/dtype.h"
#include "formats/error.h"

namespace qkit {

struct ModelConfig {
  std::optional<std::string> model_type;
  std::vector<std::string> architectures;
  std::optional<std::string> torch_dtype;       // as written: "bfloat16", "float16", ...
  std::optional<Dtype> dtype;                   // torch_dtype mapped to a safetensors dtype
  std::optional<std::uint64_t> hidden_size, intermediate_size, num_attention_heads, num_key_value_heads, head_dim,
      num_hidden_layers, vocab_size, num_experts, moe_intermediate_size, num_nextn_predict_layers;
  std::optional<std::uint64_t> kv_lora_rank;    // MLA (DeepSeek, Kimi): one latent KV head
  std::optional<bool> tie_word_embeddings;
  bool rms_norm = false;                        // has rms_norm_eps: the decoder's norms are RMSNorm (no bias parameter)
  bool from_text_config = false;                // some facts came from text_config

  // Quantization-related keys.
  std::optional<std::string> quantize;          // MindIE's "quantize": "w8a8"
  bool has_quantization_config = false;
  nlohmann::ordered_json quantization_config;   // as written (object) when present
  std::optional<std::string> quant_method;      // quantization_config.quant_method

  std::vector<Error> warnings;                  // keys of the wrong type, etc.

  // num_key_value_heads, or num_attention_heads when absent (MHA).
  std::optional<std::uint64_t> kv_heads() const;
  // head_dim, or hidden_size / num_attention_heads.
  std::optional<std::uint64_t> resolved_head_dim() const;
};

// torch dtype names ("bfloat16", "torch.float16", "float32", "fp16", ...) -> dtype.
std::optional<Dtype> dtype_from_torch_name(std::string_view name);

ModelConfig parse_model_config(const nlohmann::ordered_json& j, const std::string& file);
Result<ModelConfig> read_model_config(const std::filesystem::path& path);

}  // namespace qkit
