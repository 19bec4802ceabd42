//===- samples/synthetic_checkpoint.cpp ------------------------------------===//
#include "samples/synthetic_checkpoint.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <list>
#include <vector>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include "formats/atomic_file.h"
#include "formats/checkpoint_writer.h"
#include "formats/sharded_writer.h"
#include "formats/float_codec.h"

namespace qkit::samples {
namespace {

}  // namespace

Status fill_pseudo_random(ByteSink& sink, std::uint64_t n, std::uint64_t seed) {
  std::vector<std::uint64_t> chunk(1 << 17);
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 7;
  while (n > 0) {
    for (auto& w : chunk) w = (x = x * 6364136223846793005ULL + 1442695040888963407ULL);
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, chunk.size() * 8));
    if (auto st = sink.write(std::as_bytes(std::span(chunk)).first(take)); !st) return st;
    n -= take;
  }
  return ok_status();
}

namespace {


// Shards whose int8 weights are holes: the header and the small tensors are
// written at their offsets and the file is extended with ftruncate.
bool write_sparse(const std::filesystem::path& dir, const CheckpointContent& content, const SyntheticShape& s,
                  int shards) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::vector<TensorSource> sources;
  for (const OutputTensor& t : content.tensors) sources.push_back(t.source);
  auto groups = plan_shards(sources, s.bytes / static_cast<std::uint64_t>(shards) + (1 << 20));
  ShardIndex index;
  std::uint64_t total = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::string name = shard_file_name("quant_model_weights", g + 1, groups.size());
    std::vector<TensorSource> part;
    for (std::size_t i : groups[g]) part.push_back(sources[i]);
    auto layout = plan_safetensors(part, std::nullopt);
    if (!layout) return false;
    int fd = ::open((dir / name).c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    std::uint64_t n = layout->header.size();
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
    bool ok = ::pwrite(fd, len, 8, 0) == 8 &&
              ::pwrite(fd, layout->header.data(), n, 8) == static_cast<ssize_t>(n);
    std::uint64_t off = 8 + n;
    for (std::size_t i : layout->order) {
      const TensorSource& t = part[i];
      if (!t.bytes.empty()) ok &= ::pwrite(fd, t.bytes.data(), t.bytes.size(), static_cast<off_t>(off)) ==
                                  static_cast<ssize_t>(t.bytes.size());
      off += layout->nbytes[i];
      index.weight_map.append(t.name, name);  // sorted once at the end; of a name written twice, the last shard
      total += layout->nbytes[i];
    }
    ok &= ::ftruncate(fd, static_cast<off_t>(layout->file_size())) == 0;
    ::close(fd);
    if (!ok) return false;
  }
  index.weight_map.sort(/*keep_last=*/true);
  index.total_size = total;
  return write_shard_index(dir / "quant_model_weights.safetensors.index.json", index).ok() &&
         write_description(dir / "quant_model_description.json", content.description, JsonStyle{4, true, false}).ok() &&
         [&] {
           auto out = AtomicFileWriter::create(dir / "config.json");
           return out && out->write(std::string_view(*content.config_json)) && out->commit();
         }();
}

}  // namespace

Result<SyntheticShape> write_synthetic_checkpoint(const std::filesystem::path& dir, double gib, int shards, bool sparse) {
  SyntheticShape s;
  s.layers = 86;  // 86 layers x 23 tensors + 3 = 1,981 tensors
  const double per_layer = gib * (1ull << 30) / static_cast<double>(s.layers) / 7.0;
  s.hidden = std::max<std::uint64_t>(64, static_cast<std::uint64_t>(std::sqrt(per_layer)) / 64 * 64);
  const std::uint64_t h = s.hidden, vocab = 32000;
  CheckpointContent content;
  nlohmann::ordered_json desc = nlohmann::ordered_json::object();
  std::list<std::vector<std::byte>> storage;
  auto keep = [&](std::vector<std::byte> b) -> std::span<const std::byte> {
    storage.push_back(std::move(b));
    return storage.back();
  };
  auto bf16_vec = [&](std::uint64_t n, float v) {
    std::vector<std::byte> b(n * 2);
    std::uint16_t x = f32_to_bf16(v);
    for (std::uint64_t i = 0; i < n; ++i) std::memcpy(b.data() + 2 * i, &x, 2);
    return b;
  };
  auto f32_vec = [&](std::uint64_t n, float v) {
    std::vector<std::byte> b(n * 4);
    for (std::uint64_t i = 0; i < n; ++i) std::memcpy(b.data() + 4 * i, &v, 4);
    return b;
  };
  auto add = [&](const std::string& name, Dtype d, std::vector<std::uint64_t> shape, std::span<const std::byte> bytes,
                 std::function<Status(ByteSink&)> produce, const std::string& tag) {
    content.tensors.push_back(OutputTensor{TensorSource{name, d, std::move(shape), bytes, std::move(produce)}, tag, false});
    desc[name] = tag;
  };
  // Embedding and head: bf16, small relative to the layers.
  add("model.embed_tokens.weight", Dtype::BF16, {vocab, 64}, keep(bf16_vec(vocab * 64, 0.01f)), nullptr, "FLOAT");
  std::uint64_t seed = 1;
  for (std::uint64_t l = 0; l < s.layers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", Dtype::BF16, {h}, keep(bf16_vec(h, 1.0f)), nullptr, "FLOAT");
    add(p + "post_attention_layernorm.weight", Dtype::BF16, {h}, keep(bf16_vec(h, 1.0f)), nullptr, "FLOAT");
    for (const char* lin : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                            "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"}) {
      std::string m = p + lin;
      std::uint64_t sd = seed++;
      add(m + ".weight", Dtype::I8, {h, h}, {}, [h, sd](ByteSink& sink) { return fill_pseudo_random(sink, h * h, sd); },
          "W8A8_DYNAMIC");
      add(m + ".weight_scale", Dtype::F32, {h, 1}, keep(f32_vec(h, 0.002f)), nullptr, "W8A8_DYNAMIC");
      add(m + ".weight_offset", Dtype::F32, {h, 1}, keep(f32_vec(h, 0.0f)), nullptr, "W8A8_DYNAMIC");
    }
  }
  add("model.norm.weight", Dtype::BF16, {h}, keep(bf16_vec(h, 1.0f)), nullptr, "FLOAT");
  add("lm_head.weight", Dtype::BF16, {vocab, 64}, keep(bf16_vec(vocab * 64, 0.01f)), nullptr, "FLOAT");
  desc["version"] = "1.0.0";
  desc["model_quant_type"] = "W8A8_DYNAMIC";
  desc["metadata"] = nlohmann::ordered_json::object();
  desc["group_size"] = 0;
  desc["optional"] = nlohmann::ordered_json::object();
  content.description = desc;
  nlohmann::ordered_json cfg = {{"model_type", "llama"},          {"torch_dtype", "bfloat16"},
                                {"hidden_size", 64},               {"num_hidden_layers", s.layers},
                                {"num_attention_heads", 1},        {"num_key_value_heads", 1},
                                {"vocab_size", vocab},             {"tie_word_embeddings", false}};
  content.config_json = cfg.dump(2) + "\n";
  s.tensors = content.tensors.size();
  for (const OutputTensor& t : content.tensors) {
    std::uint64_t n = 1;
    for (auto d : t.source.shape) n *= d;
    s.bytes += n * dtype_bits(t.source.dtype) / 8;
  }
  if (sparse) return write_sparse(dir, content, s, shards) ? Result<SyntheticShape>(s)
                                                          : Result<SyntheticShape>(Error(Errc::io_write, "sparse write failed").in_file(dir.string()));
  LayoutOptions o;
  o.layout = Layout::MsModelSlimV1;
  o.max_shard_bytes = (s.bytes + static_cast<std::uint64_t>(shards) - 1) / static_cast<std::uint64_t>(shards) + (1 << 20);
  o.replace = true;
  o.replace_foreign = true;  // a generator owns the folder it regenerates
  if (auto st = write_checkpoint(dir, content, o); !st) return std::move(st).error();
  return s;
}

}  // namespace qkit::samples
