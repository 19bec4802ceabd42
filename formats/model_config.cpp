//===- formats/model_config.cpp ------------------------------------------===//
#include "formats/model_config.h"

#include "formats/strict_json.h"

namespace qkit {
namespace {

using ojson = nlohmann::ordered_json;
constexpr std::uint64_t kMaxConfigBytes = 16ull << 20;

// Looks a key up at the top level, then under text_config.
const ojson* lookup(const ojson& j, const char* key, bool& from_text) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) return &*it;
  if (auto tc = j.find("text_config"); tc != j.end() && tc->is_object())
    if (auto it = tc->find(key); it != tc->end() && !it->is_null()) {
      from_text = true;
      return &*it;
    }
  return nullptr;
}

}  // namespace

std::optional<std::uint64_t> ModelConfig::kv_heads() const {
  return num_key_value_heads ? num_key_value_heads : num_attention_heads;
}

std::optional<std::uint64_t> ModelConfig::resolved_head_dim() const {
  if (head_dim) return head_dim;
  if (hidden_size && num_attention_heads && *num_attention_heads > 0 && *hidden_size % *num_attention_heads == 0)
    return *hidden_size / *num_attention_heads;
  return std::nullopt;
}

std::optional<Dtype> dtype_from_torch_name(std::string_view n) {
  if (n.substr(0, 6) == "torch.") n.remove_prefix(6);
  if (n == "bfloat16" || n == "bf16") return Dtype::BF16;
  if (n == "float16" || n == "half" || n == "fp16") return Dtype::F16;
  if (n == "float32" || n == "float" || n == "fp32") return Dtype::F32;
  if (n == "float64" || n == "double") return Dtype::F64;
  return std::nullopt;
}

ModelConfig parse_model_config(const ojson& j, const std::string& file) {
  ModelConfig c;
  if (!j.is_object()) {
    c.warnings.push_back(Error(Errc::json_schema, "config.json is not a JSON object").in_file(file));
    return c;
  }
  auto warn = [&](const std::string& key, const char* want) {
    c.warnings.push_back(Error(Errc::json_schema, "'" + key + "' should be " + want).in_file(file));
  };
  auto get_string = [&](const char* key, std::optional<std::string>& out) {
    bool text = false;
    if (const ojson* v = lookup(j, key, text)) {
      if (v->is_string()) {
        out = v->get<std::string>();
        c.from_text_config |= text;
      } else {
        warn(key, "a string");
      }
    }
  };
  auto get_uint = [&](const char* key, std::optional<std::uint64_t>& out) {
    bool text = false;
    if (const ojson* v = lookup(j, key, text)) {
      if (v->is_number_unsigned()) {
        out = v->get<std::uint64_t>();
        c.from_text_config |= text;
      } else {
        warn(key, "a non-negative integer");
      }
    }
  };
  get_string("model_type", c.model_type);
  if (auto a = j.find("architectures"); a != j.end() && a->is_array())
    for (const auto& x : *a)
      if (x.is_string()) c.architectures.push_back(x.get<std::string>());
  // transformers >= 4.56 writes "dtype"; older versions and every quantizer "torch_dtype".
  get_string("dtype", c.torch_dtype);
  if (!c.torch_dtype) get_string("torch_dtype", c.torch_dtype);
  if (c.torch_dtype) {
    c.dtype = dtype_from_torch_name(*c.torch_dtype);
    if (!c.dtype) warn("torch_dtype", "a float dtype name such as \"bfloat16\" or \"float16\"");
  }
  get_uint("hidden_size", c.hidden_size);
  get_uint("intermediate_size", c.intermediate_size);
  get_uint("num_attention_heads", c.num_attention_heads);
  get_uint("num_key_value_heads", c.num_key_value_heads);
  get_uint("head_dim", c.head_dim);
  get_uint("num_hidden_layers", c.num_hidden_layers);
  get_uint("vocab_size", c.vocab_size);
  get_uint("moe_intermediate_size", c.moe_intermediate_size);
  get_uint("num_nextn_predict_layers", c.num_nextn_predict_layers);
  get_uint("kv_lora_rank", c.kv_lora_rank);
  c.rms_norm = j.contains("rms_norm_eps");
  for (const char* k : {"num_experts", "n_routed_experts", "num_local_experts"}) {
    if (c.num_experts) break;
    get_uint(k, c.num_experts);
  }
  bool text = false;
  if (const ojson* v = lookup(j, "tie_word_embeddings", text)) {
    if (v->is_boolean()) c.tie_word_embeddings = v->get<bool>();
    else warn("tie_word_embeddings", "a boolean");
  }
  if (auto q = j.find("quantize"); q != j.end()) {
    if (q->is_string()) c.quantize = q->get<std::string>();
    else if (!q->is_null()) warn("quantize", "a string");
  }
  if (auto qc = j.find("quantization_config"); qc != j.end() && !qc->is_null()) {
    c.has_quantization_config = true;
    c.quantization_config = *qc;
    if (qc->is_object()) {
      if (auto m = qc->find("quant_method"); m != qc->end() && m->is_string()) c.quant_method = m->get<std::string>();
    } else {
      warn("quantization_config", "an object");
    }
  }
  return c;
}

Result<ModelConfig> read_model_config(const std::filesystem::path& path) {
  auto j = read_json_file(path, JsonLimits{kMaxConfigBytes, 64});
  if (!j) return std::move(j).error();
  return parse_model_config(*j, path.string());
}

}  // namespace qkit
