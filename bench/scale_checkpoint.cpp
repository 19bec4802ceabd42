//===- bench/scale_checkpoint.cpp -----------------------------------------===//
#include "bench/scale_checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

namespace qkit::bench {
namespace fs = std::filesystem;

namespace {

// safetensors' Dtype enum order (the reference writer sorts by it,
// descending) and element size in bytes.
struct DtypeFacts {
  const char* name;
  int rank;
  std::uint64_t bytes;
};
constexpr DtypeFacts kDtypes[] = {
    {"BOOL", 0, 1}, {"U8", 1, 1},   {"I8", 2, 1},    {"F8_E5M2", 3, 1}, {"F8_E4M3", 4, 1},
    {"I16", 5, 2},  {"U16", 6, 2},  {"F16", 7, 2},   {"BF16", 8, 2},    {"I32", 9, 4},
    {"U32", 10, 4}, {"F32", 11, 4}, {"F64", 12, 8},  {"I64", 13, 8},    {"U64", 14, 8},
};

const DtypeFacts& facts(const std::string& d) {
  for (const DtypeFacts& f : kDtypes)
    if (d == f.name) return f;
  return kDtypes[1];  // unknown names never come from the specs below
}

std::uint64_t nbytes(const ScaleTensor& t) {
  std::uint64_t n = facts(t.dtype).bytes;
  for (std::uint64_t d : t.shape) n *= d;
  return n;
}

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  out.append(buf, static_cast<std::size_t>(n));
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

bool write_text(const fs::path& p, const std::string& text, std::string& error) {
  int fd = ::open(p.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0 || !write_all(fd, text.data(), text.size())) {
    error = p.string() + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

// One shard: 8-byte little-endian header length, the header, then holes up
// to the end of the data. Returns the header length (with padding) or 0.
std::uint64_t write_shard(const fs::path& p, std::vector<const ScaleTensor*>& tensors, std::uint64_t& data_bytes,
                          std::string& error) {
  std::sort(tensors.begin(), tensors.end(), [](const ScaleTensor* a, const ScaleTensor* b) {
    int ra = facts(a->dtype).rank, rb = facts(b->dtype).rank;
    return ra != rb ? ra > rb : a->name < b->name;
  });
  std::string h;
  h.reserve(tensors.size() * 128 + 16);
  h += '{';
  std::uint64_t off = 0;
  bool first = true;
  for (const ScaleTensor* t : tensors) {
    if (!first) h += ',';
    first = false;
    append_json_string(h, t->name);
    h += ":{\"dtype\":\"";
    h += t->dtype;
    h += "\",\"shape\":[";
    for (std::size_t i = 0; i < t->shape.size(); ++i) {
      if (i) h += ',';
      append_uint(h, t->shape[i]);
    }
    h += "],\"data_offsets\":[";
    append_uint(h, off);
    h += ',';
    off += nbytes(*t);
    append_uint(h, off);
    h += "]}";
  }
  h += '}';
  h.append((8 - h.size() % 8) % 8, ' ');
  char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>(static_cast<std::uint64_t>(h.size()) >> (8 * i));
  int fd = ::open(p.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && write_all(fd, len, 8) && write_all(fd, h.data(), h.size()) &&
            ::ftruncate(fd, static_cast<off_t>(8 + h.size() + off)) == 0;
  if (!ok) error = p.string() + ": " + std::strerror(errno);
  if (fd >= 0) ::close(fd);
  data_bytes += off;
  return ok ? h.size() : 0;
}

std::string shard_name(std::size_t i, std::size_t n) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "quant_model_weights-%05zu-of-%05zu.safetensors", i, n);
  return buf;
}

// "[248320, 5120]" -> {248320, 5120}
std::vector<std::uint64_t> parse_shape(const std::string& s) {
  std::vector<std::uint64_t> out;
  std::uint64_t v = 0;
  bool in = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
      in = true;
    } else if (in) {
      out.push_back(v);
      v = 0;
      in = false;
    }
  }
  if (in) out.push_back(v);
  return out;
}

// Sequential, balanced by bytes; empty shards are squeezed out.
void assign_shards(ScaleSpec& s, int shards) {
  std::uint64_t total = 0;
  for (const ScaleTensor& t : s.tensors) total += nbytes(t);
  std::uint64_t cum = 0;
  std::vector<std::uint32_t> raw;
  for (const ScaleTensor& t : s.tensors) {
    std::uint64_t mid = cum + nbytes(t) / 2;
    raw.push_back(static_cast<std::uint32_t>(
        std::min<std::uint64_t>(static_cast<std::uint64_t>(shards - 1),
                                total ? static_cast<std::uint64_t>(static_cast<long double>(mid) * shards / total) : 0)));
    cum += nbytes(t);
  }
  std::map<std::uint32_t, std::uint32_t> renumber;
  for (std::uint32_t r : raw) renumber.emplace(r, 0);
  std::uint32_t k = 0;
  for (auto& [r, n] : renumber) n = k++;
  for (std::size_t i = 0; i < s.tensors.size(); ++i) s.tensors[i].shard = renumber[raw[i]];
  s.shard_names.clear();
  for (std::uint32_t i = 0; i < k; ++i) s.shard_names.push_back(shard_name(i + 1, k));
}

std::string synthetic_27b_config() {
  return "{\n  \"architectures\": [\n    \"Qwen3ForCausalLM\"\n  ],\n  \"model_type\": \"qwen3\",\n"
         "  \"torch_dtype\": \"bfloat16\",\n  \"hidden_size\": 5120,\n  \"intermediate_size\": 17408,\n"
         "  \"num_hidden_layers\": 64,\n  \"num_attention_heads\": 40,\n  \"num_key_value_heads\": 8,\n"
         "  \"head_dim\": 128,\n  \"vocab_size\": 151936,\n  \"tie_word_embeddings\": false\n}\n";
}

}  // namespace

ScaleSpec spec_27b(const fs::path& real_dir) {
  ScaleSpec s;
  s.name = "27b";
  s.model_quant_type = "W8A8_DYNAMIC";
  std::ifstream tsv(real_dir / "tensor_inventory.tsv");
  if (tsv) {
    s.source = "real Qwen3.8-27B inventory (" + (real_dir / "tensor_inventory.tsv").string() + ")";
    std::string line;
    std::getline(tsv, line);  // column names
    std::map<std::string, std::uint32_t> shard_ids;
    std::vector<std::string> shard_of;
    while (std::getline(tsv, line)) {
      if (line.empty()) continue;
      std::vector<std::string> col;
      std::stringstream ss(line);
      for (std::string c; std::getline(ss, c, '\t');) col.push_back(c);
      if (col.size() < 6) continue;
      ScaleTensor t{col[0], col[2], parse_shape(col[1]), col[3], 0};
      s.tensors.push_back(std::move(t));
      shard_of.push_back(col[5]);
      shard_ids.emplace(col[5], 0);
    }
    std::uint32_t k = 0;
    for (auto& [n, id] : shard_ids) {
      id = k++;
      s.shard_names.push_back(n);
    }
    for (std::size_t i = 0; i < s.tensors.size(); ++i) s.tensors[i].shard = shard_ids[shard_of[i]];
    // config.json from the recorded text_config (the real file is not published).
    nlohmann::json tc;
    std::string arch = "Qwen3_5ForConditionalGeneration";
    if (std::ifstream meta(real_dir / "verified_metadata.json"); meta) {
      try {
        nlohmann::json m = nlohmann::json::parse(meta);
        if (m.contains("text_config")) tc = m["text_config"];
        if (m.contains("architecture") && m["architecture"].is_string()) arch = m["architecture"].get<std::string>();
      } catch (const std::exception&) {
      }
    }
    auto num = [&](const char* k, std::uint64_t dflt) {
      return tc.is_object() && tc.contains(k) && tc[k].is_number_unsigned() ? tc[k].get<std::uint64_t>() : dflt;
    };
    std::string c = "{\n  \"architectures\": [\n    \"" + arch + "\"\n  ],\n  \"model_type\": \"qwen3_5\",\n";
    c += "  \"torch_dtype\": \"bfloat16\",\n";
    for (auto [k, d] : std::initializer_list<std::pair<const char*, std::uint64_t>>{
             {"hidden_size", 5120},       {"intermediate_size", 17408}, {"num_hidden_layers", 64},
             {"num_attention_heads", 24}, {"num_key_value_heads", 4},   {"head_dim", 256},
             {"vocab_size", 248320}}) {
      c += "  \"" + std::string(k) + "\": ";
      append_uint(c, num(k, d));
      c += ",\n";
    }
    c += "  \"tie_word_embeddings\": false\n}\n";
    s.config_json = std::move(c);
    return s;
  }
  // Synthetic: 86 Llama-style layers x 23 tensors + 3, hidden 5120.
  s.source = "synthetic 2k layout (no " + (real_dir / "tensor_inventory.tsv").string() + ")";
  const std::uint64_t h = 5120, inter = 17408, vocab = 151936;
  s.tensors.push_back({"model.embed_tokens.weight", "BF16", {vocab, h}, "FLOAT", 0});
  for (int l = 0; l < 86; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    s.tensors.push_back({p + "input_layernorm.weight", "BF16", {h}, "FLOAT", 0});
    s.tensors.push_back({p + "post_attention_layernorm.weight", "BF16", {h}, "FLOAT", 0});
    for (auto [lin, n, k] : std::initializer_list<std::tuple<const char*, std::uint64_t, std::uint64_t>>{
             {"self_attn.q_proj", h, h},
             {"self_attn.k_proj", 1024, h},
             {"self_attn.v_proj", 1024, h},
             {"self_attn.o_proj", h, h},
             {"mlp.gate_proj", inter, h},
             {"mlp.up_proj", inter, h},
             {"mlp.down_proj", h, inter}}) {
      s.tensors.push_back({p + lin + ".weight", "I8", {n, k}, "W8A8_DYNAMIC", 0});
      s.tensors.push_back({p + lin + ".weight_scale", "F32", {n, 1}, "W8A8_DYNAMIC", 0});
      s.tensors.push_back({p + lin + ".weight_offset", "F32", {n, 1}, "W8A8_DYNAMIC", 0});
    }
  }
  s.tensors.push_back({"model.norm.weight", "BF16", {h}, "FLOAT", 0});
  s.tensors.push_back({"lm_head.weight", "BF16", {vocab, h}, "FLOAT", 0});
  assign_shards(s, 10);
  s.config_json = synthetic_27b_config();
  return s;
}

ScaleSpec spec_deepseek(int layers, int shards) {
  ScaleSpec s;
  s.name = "deepseek";
  s.source = "DeepSeek-V3 dims, " + std::to_string(layers) + " layers + 1 MTP, msModelSlim W8A8 mix";
  s.model_quant_type = "W8A8_DYNAMIC";
  const std::uint64_t hidden = 7168, inter = 18432, moe_inter = 2048, q_lora = 1536, kv_lora = 512, rope = 64,
                      nope = 128, v_dim = 128, heads = 128, vocab = 129280, experts = 256, dense = 3;
  auto& T = s.tensors;
  auto flt = [&](std::string n, const char* d, std::vector<std::uint64_t> shape) {
    T.push_back({std::move(n), d, std::move(shape), "FLOAT", 0});
  };
  auto dyn = [&](const std::string& m, std::uint64_t n, std::uint64_t k) {
    T.push_back({m + ".weight", "I8", {n, k}, "W8A8_DYNAMIC", 0});
    T.push_back({m + ".weight_scale", "F32", {n, 1}, "W8A8_DYNAMIC", 0});
    T.push_back({m + ".weight_offset", "F32", {n, 1}, "W8A8_DYNAMIC", 0});
  };
  auto stat = [&](const std::string& m, std::uint64_t n, std::uint64_t k) {
    T.push_back({m + ".weight", "I8", {n, k}, "W8A8", 0});
    T.push_back({m + ".input_scale", "BF16", {1}, "W8A8", 0});
    T.push_back({m + ".input_offset", "BF16", {1}, "W8A8", 0});
    T.push_back({m + ".deq_scale", "F32", {n}, "W8A8", 0});
    T.push_back({m + ".quant_bias", "I32", {n}, "W8A8", 0});
  };
  auto layer = [&](int l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    flt(p + "input_layernorm.weight", "BF16", {hidden});
    const std::string a = p + "self_attn.";
    stat(a + "q_a_proj", q_lora, hidden);
    flt(a + "q_a_layernorm.weight", "BF16", {q_lora});
    stat(a + "q_b_proj", heads * (nope + rope), q_lora);
    stat(a + "kv_a_proj_with_mqa", kv_lora + rope, hidden);
    flt(a + "kv_a_layernorm.weight", "BF16", {kv_lora});
    stat(a + "kv_b_proj", heads * (nope + v_dim), kv_lora);
    stat(a + "o_proj", hidden, heads * v_dim);
    flt(p + "post_attention_layernorm.weight", "BF16", {hidden});
    if (static_cast<std::uint64_t>(l) < dense) {
      dyn(p + "mlp.gate_proj", inter, hidden);
      dyn(p + "mlp.up_proj", inter, hidden);
      dyn(p + "mlp.down_proj", hidden, inter);
      return;
    }
    flt(p + "mlp.gate.weight", "F32", {experts, hidden});
    flt(p + "mlp.gate.e_score_correction_bias", "F32", {experts});
    for (std::uint64_t e = 0; e < experts; ++e) {
      const std::string x = p + "mlp.experts." + std::to_string(e) + ".";
      dyn(x + "gate_proj", moe_inter, hidden);
      dyn(x + "up_proj", moe_inter, hidden);
      dyn(x + "down_proj", hidden, moe_inter);
    }
    dyn(p + "mlp.shared_experts.gate_proj", moe_inter, hidden);
    dyn(p + "mlp.shared_experts.up_proj", moe_inter, hidden);
    dyn(p + "mlp.shared_experts.down_proj", hidden, moe_inter);
  };
  flt("model.embed_tokens.weight", "BF16", {vocab, hidden});
  for (int l = 0; l < layers; ++l) layer(l);
  // The MTP layer: a full MoE decoder layer plus its own embedding, head and projections.
  const std::string m = "model.layers." + std::to_string(layers) + ".";
  flt(m + "embed_tokens.weight", "BF16", {vocab, hidden});
  flt(m + "enorm.weight", "BF16", {hidden});
  flt(m + "hnorm.weight", "BF16", {hidden});
  flt(m + "eh_proj.weight", "BF16", {hidden, 2 * hidden});
  layer(layers);
  flt(m + "shared_head.norm.weight", "BF16", {hidden});
  flt(m + "shared_head.head.weight", "BF16", {vocab, hidden});
  flt("model.norm.weight", "BF16", {hidden});
  flt("lm_head.weight", "BF16", {vocab, hidden});
  assign_shards(s, shards);
  std::string c = "{\n  \"architectures\": [\n    \"DeepseekV3ForCausalLM\"\n  ],\n  \"model_type\": \"deepseek_v3\",\n"
                  "  \"torch_dtype\": \"bfloat16\",\n";
  for (auto [k, v] : std::initializer_list<std::pair<const char*, std::uint64_t>>{
           {"hidden_size", hidden},
           {"intermediate_size", inter},
           {"moe_intermediate_size", moe_inter},
           {"num_hidden_layers", static_cast<std::uint64_t>(layers)},
           {"num_nextn_predict_layers", 1},
           {"num_attention_heads", heads},
           {"num_key_value_heads", heads},
           {"n_routed_experts", experts},
           {"n_shared_experts", 1},
           {"num_experts_per_tok", 8},
           {"first_k_dense_replace", dense},
           {"moe_layer_freq", 1},
           {"q_lora_rank", q_lora},
           {"kv_lora_rank", kv_lora},
           {"qk_rope_head_dim", rope},
           {"qk_nope_head_dim", nope},
           {"v_head_dim", v_dim},
           {"vocab_size", vocab},
           {"max_position_embeddings", 163840}}) {
    c += "  \"" + std::string(k) + "\": ";
    append_uint(c, v);
    c += ",\n";
  }
  c += "  \"rms_norm_eps\": 1e-06,\n  \"tie_word_embeddings\": false\n}\n";
  s.config_json = std::move(c);
  return s;
}

ScaleSpec spec_one_file(std::size_t n) {
  ScaleSpec s;
  s.name = "200k";
  s.source = "one plain .safetensors file, " + std::to_string(n) + " small BF16 tensors";
  s.plain_file = true;
  s.shard_names = {"model.safetensors"};
  s.tensors.reserve(n);
  // 1,000 per layer: a norm and 333 experts x 3 projections.
  for (std::size_t l = 0; s.tensors.size() < n; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    s.tensors.push_back({p + "input_layernorm.weight", "BF16", {16}, "", 0});
    for (int e = 0; e < 333 && s.tensors.size() < n; ++e)
      for (const char* proj : {"gate_proj", "up_proj", "down_proj"})
        if (s.tensors.size() < n)
          s.tensors.push_back({p + "mlp.experts." + std::to_string(e) + "." + proj + ".weight", "BF16", {16, 16}, "", 0});
  }
  return s;
}

bool write_scale_checkpoint(const ScaleSpec& spec, const fs::path& dir, ScaleCheckpoint& out, std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    error = dir.string() + ": " + ec.message();
    return false;
  }
  out = ScaleCheckpoint{};
  out.tensors = spec.tensors.size();
  std::vector<std::vector<const ScaleTensor*>> by_shard(spec.shard_names.size());
  for (const ScaleTensor& t : spec.tensors) by_shard.at(t.shard).push_back(&t);
  for (std::size_t i = 0; i < by_shard.size(); ++i) {
    fs::path p = dir / spec.shard_names[i];
    std::uint64_t h = write_shard(p, by_shard[i], out.data_bytes, error);
    if (!h) return false;
    out.shards.push_back(p);
    out.shard_header_bytes += 8 + h;
  }
  if (spec.plain_file) {
    out.path = out.shards.front();
    return true;
  }
  out.path = dir;
  // Index: transformers' layout (indent 2, keys sorted).
  std::vector<std::size_t> order(spec.tensors.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return spec.tensors[a].name < spec.tensors[b].name; });
  std::string idx = "{\n  \"metadata\": {\n    \"total_size\": ";
  append_uint(idx, out.data_bytes);
  idx += "\n  },\n  \"weight_map\": {\n";
  for (std::size_t i = 0; i < order.size(); ++i) {
    const ScaleTensor& t = spec.tensors[order[i]];
    idx += "    ";
    append_json_string(idx, t.name);
    idx += ": ";
    append_json_string(idx, spec.shard_names[t.shard]);
    idx += i + 1 < order.size() ? ",\n" : "\n";
  }
  idx += "  }\n}\n";
  // Description: msModelSlim V1 (indent 4, model order, then the V1 keys).
  std::string desc = "{\n";
  for (const ScaleTensor& t : spec.tensors) {
    desc += "    ";
    append_json_string(desc, t.name);
    desc += ": ";
    append_json_string(desc, t.tag);
    desc += ",\n";
  }
  desc += "    \"version\": \"1.0.0\",\n    \"model_quant_type\": ";
  append_json_string(desc, spec.model_quant_type);
  desc += ",\n    \"metadata\": {},\n    \"group_size\": 0,\n    \"optional\": {}\n}";
  const std::pair<const char*, const std::string*> files[] = {
      {"quant_model_weights.safetensors.index.json", &idx},
      {"quant_model_description.json", &desc},
      {"config.json", &spec.config_json},
  };
  for (auto [name, text] : files) {
    if (!write_text(dir / name, *text, error)) return false;
    out.json_files.push_back(dir / name);
    out.json_bytes += text->size();
  }
  return true;
}

}  // namespace qkit::bench
