//===- tests/checkpoint_test.cpp - layout detection edge cases -----------===//
//
// One deliberately odd directory per case, each with the diagnostic the
// checkpoint model must report (and the layout it must still settle on).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <set>

#include "formats/checkpoint.h"
#include "formats/safetensors_writer.h"
#include "formats/shard_prefetch.h"
#include "samples/catalog.h"
#include "tests/test_util.h"

namespace qkit {
namespace {

namespace fs = std::filesystem;

fs::path make(const test::TempDir& d, const std::string& name) {
  EXPECT_TRUE(samples::write_sample(d / name, *samples::find_sample(name)).ok());
  return d / name;
}

bool has_diag(const Checkpoint& c, Severity s, const std::string& needle) {
  for (const Diagnostic& d : c.diagnostics())
    if (d.severity == s && d.error.to_string().find(needle) != std::string::npos) return true;
  return false;
}

std::string all_diags(const Checkpoint& c) {
  std::string out;
  for (const Diagnostic& d : c.diagnostics()) out += std::string(severity_name(d.severity)) + ": " + d.error.to_string() + "\n";
  return out;
}

TEST(Detect, SingleFileIsReadAsItIs) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-float");
  auto c = Checkpoint::open(p / "model.safetensors");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->layout(), Layout::SafetensorsFile);
  EXPECT_EQ(c->tensors().size(), 21u);
  EXPECT_NE(c->find("lm_head.weight"), nullptr);
}

TEST(Detect, NotACheckpoint) {
  test::TempDir d;
  fs::create_directories(d / "empty");
  EXPECT_FALSE(Checkpoint::open(d / "empty").ok());
  EXPECT_EQ(Checkpoint::open(d / "nope").error().code, Errc::io_open);
  // A broken .safetensors file opens with its error, so every tool reports
  // it; a file of any other kind whose bytes are not safetensors is not a
  // checkpoint at all (issue #16).
  test::write_file(d / "x.safetensors", "garbage!");
  auto bad = Checkpoint::open(d / "x.safetensors");
  ASSERT_TRUE(bad.ok());
  ASSERT_EQ(bad->shards().size(), 1u);
  EXPECT_EQ(bad->shards()[0].file, nullptr);
  ASSERT_TRUE(bad->shards()[0].error.has_value());
  EXPECT_EQ(bad->shards()[0].error->code, Errc::header_too_large);
  EXPECT_EQ(bad->opened(), d / "x.safetensors");
  test::write_file(d / "notes.txt", "garbage!");
  EXPECT_EQ(Checkpoint::open(d / "notes.txt").error().code, Errc::ckpt_not_checkpoint);
}

TEST(Detect, BothFamiliesDescriptionFilesIsAmbiguous) {
  test::TempDir d;
  fs::path p = make(d, "tiny-qwen-w8a8-golden-stick");
  test::write_file(p / "quant_model_description.json", R"({"model_quant_type": "W8A8"})");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->layout(), Layout::GoldenStick) << "quant-model-* weights decide";
  EXPECT_TRUE(has_diag(*c, Severity::Warning, "Found multiple config files")) << all_diags(*c);
}

TEST(Detect, TwoMsModelSlimDescriptions) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-w8a8-dynamic-msmodelslim");
  fs::copy_file(p / "quant_model_description.json", p / "quant_model_description_w8a8_dynamic.json");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->description_name(), "quant_model_description.json");
  EXPECT_TRUE(has_diag(*c, Severity::Warning, "several description files")) << all_diags(*c);
}

TEST(Detect, StaleFloatIndexBesideQuantizedShards) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-w4a8-dynamic-msmodelslim");
  fs::path f = make(d, "tiny-llama-float-sharded");
  fs::copy_file(f / "model.safetensors.index.json", p / "model.safetensors.index.json");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->layout(), Layout::MsModelSlimV1);
  EXPECT_TRUE(has_diag(*c, Severity::Warning, "stale model.safetensors.index.json")) << all_diags(*c);
}

TEST(Detect, GoldenStickWeightsWithoutDescription) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-w4a16-golden-stick");
  fs::remove(p / "quantization_description.json");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->layout(), Layout::GoldenStick);
  EXPECT_TRUE(has_diag(*c, Severity::Error, "without quantization_description.json")) << all_diags(*c);
  EXPECT_TRUE(c->modules().empty());
}

TEST(Detect, InterruptedMsModelSlimSave) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-w8a8-dynamic-msmodelslim");
  fs::copy_file(p / "quant_model_weights-00001-of-00001.safetensors", p / "quant_model_weights-00002-of-00000.safetensors");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(has_diag(*c, Severity::Warning, "interrupted msModelSlim save")) << all_diags(*c);
  EXPECT_TRUE(has_diag(*c, Severity::Warning, "not listed in quant_model_weights.safetensors.index.json"))
      << all_diags(*c);
}

TEST(Detect, CorruptShardIsADiagnosticAndTheRestStaysReadable) {
  test::TempDir d;
  fs::path p = make(d, "tiny-qwen-w8a8-msmodelslim");
  test::write_file(p / "quant_model_weights-00002-of-00002.safetensors", "truncated");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->layout(), Layout::MsModelSlimV1);
  EXPECT_TRUE(has_diag(*c, Severity::Error, "quant_model_weights-00002-of-00002.safetensors")) << all_diags(*c);
  EXPECT_NE(c->find("model.embed_tokens.weight"), nullptr) << "shard 1 still readable";
  EXPECT_TRUE(has_diag(*c, Severity::Error, "index-bad-shard")) << all_diags(*c);
}

TEST(Detect, UnreadableDescriptionIsAnErrorNotAFailure) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-w8a8-mix-msmodelslim-v0");
  test::write_file(p / "quant_model_description.json", "{\"a.weight\": \"W8A8\",");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->ms_description().has_value());
  EXPECT_TRUE(has_diag(*c, Severity::Error, "json-syntax")) << all_diags(*c);
  EXPECT_FALSE(c->tensors().empty());
}

TEST(Detect, ForeignQuantizedHuggingFaceCheckpoint) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-float");
  test::write_file(p / "config.json", R"({"torch_dtype": "bfloat16", "quantization_config": {"quant_method": "fp8"}})");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->layout(), Layout::HfForeignQuantized);
}

TEST(Detect, ModelDtypeFallsBackToTheEmbedding) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-w8a8-dynamic-msmodelslim");
  test::write_file(p / "config.json", R"({"model_type": "llama"})");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->model_dtype(), Dtype::BF16);
  EXPECT_TRUE(has_diag(*c, Severity::Info, "taken from model.embed_tokens.weight")) << all_diags(*c);
}

TEST(UnifiedView, EveryTensorResolvesAcrossShards) {
  test::TempDir d;
  fs::path p = make(d, "tiny-qwen-w8a8-msmodelslim");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->index().has_value());
  EXPECT_EQ(c->shards().size(), 2u);
  for (const auto& [name, shard] : c->index()->weight_map) {
    const TensorRef* t = c->find(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(c->shard_of(*t).name, shard);
    EXPECT_EQ(c->data(*t).size(), t->info->nbytes());
  }
  const Module* q = nullptr;
  for (const Module& m : c->modules())
    if (m.prefix == "model.layers.0.self_attn.q_proj") q = &m;
  ASSERT_NE(q, nullptr);
  std::vector<std::string> suffixes;
  for (const auto& [s, r] : q->tensors) suffixes.emplace_back(s);
  EXPECT_EQ(suffixes, (std::vector<std::string>{"bias", "deq_scale", "input_offset", "input_scale", "quant_bias", "weight"}));
  EXPECT_EQ(c->tag_of("model.layers.0.self_attn.q_proj.bias"), "FLOAT");
}

// Issue #15: one name table for shard headers, index, description and
// modules. The index's and the description's keys are the very bytes the
// shard header holds (same address), and ids found from either agree.
TEST(UnifiedView, EveryNameIsStoredOnceForAllFiles) {
  test::TempDir d;
  for (const char* sample : {"tiny-qwen-w8a8-msmodelslim", "tiny-qwen-w8a8-golden-stick"}) {
    SCOPED_TRACE(sample);
    fs::path p = make(d, sample);
    auto c = Checkpoint::open(p);
    ASSERT_TRUE(c.ok());
    const TensorTypes& types = c->ms_description() ? c->ms_description()->tensor_types : c->gs_description()->tensor_types;
    std::size_t described = 0, indexed = 0;
    for (const TensorRef& t : c->tensors()) {
      const std::string_view name = t.info->name;
      ASSERT_TRUE(c->names().owns(name)) << name;
      EXPECT_EQ(c->names().find(name), t.info->id);
      if (auto e = types.find(name); e != types.end()) {
        EXPECT_EQ(e->first.data(), name.data()) << name;
        EXPECT_EQ(NameTable::id_of(e->first), t.info->id);
        ++described;
      }
      if (c->index()) {
        auto e = c->index()->weight_map.find(name);
        ASSERT_NE(e, c->index()->weight_map.end()) << name;
        EXPECT_EQ(e->first.data(), name.data()) << name;
        ++indexed;
      }
    }
    EXPECT_EQ(described, types.size());  // every described tensor is stored
    EXPECT_GT(described, 0u);
    if (c->index()) { EXPECT_EQ(indexed, c->index()->weight_map.size()); }
    ASSERT_FALSE(c->modules().empty());
    std::set<const char*> name_starts;  // where each described name's bytes start
    for (const auto& e : types) name_starts.insert(e.first.data());
    for (const Module& m : c->modules()) {
      // The prefix is cut from a described name: it starts where one of
      // their bytes in the table start, and is no copy.
      EXPECT_TRUE(name_starts.count(m.prefix.data())) << m.prefix;
      ASSERT_FALSE(m.tensors.empty()) << m.prefix;
      EXPECT_TRUE(m.tensors.front().second->info->name.starts_with(m.prefix));
      for (const auto& [suffix, ref] : m.tensors)  // a view into the tensor's own name
        EXPECT_EQ(suffix.data() + suffix.size(), ref->info->name.data() + ref->info->name.size());
    }
    // One entry per distinct name: here every described name is stored and
    // the index lists exactly the stored ones, so the tensors alone.
    EXPECT_EQ(c->names().size(), c->tensors().size());
  }
}

// Shards without an index: the unified view merges the shards' name orders;
// a name stored twice keeps the first shard's tensor, and each further copy
// is an error naming both shards, in shard order.
TEST(UnifiedView, ShardsMergeByNameAndDuplicatesNameBothShards) {
  test::TempDir d;
  const std::string bytes(4, 'q');
  auto shard = [&](const std::string& file, std::vector<std::string> names) {
    std::vector<TensorSource> ts;
    for (const std::string& n : names) ts.push_back(TensorSource{n, Dtype::U8, {4}, test::as_bytes(bytes), {}});
    ASSERT_TRUE(write_safetensors(d / file, ts).ok());
  };
  shard("a.safetensors", {"m", "x", "y"});
  shard("b.safetensors", {"a", "y", "z"});
  shard("c.safetensors", {"y", "b"});
  auto c = Checkpoint::open(d.path());
  ASSERT_TRUE(c.ok());
  std::vector<std::string> names, from;
  for (const TensorRef& t : c->tensors()) {
    names.emplace_back(t.info->name);
    from.push_back(c->shard_of(t).name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "m", "x", "y", "z"}));
  EXPECT_EQ(from, (std::vector<std::string>{"b.safetensors", "c.safetensors", "a.safetensors", "a.safetensors",
                                            "a.safetensors", "b.safetensors"}));
  std::vector<std::string> twice;
  for (const Diagnostic& g : c->diagnostics())
    if (g.error.code == Errc::index_tensor_in_two_shards) twice.push_back(g.error.tensor + ": " + g.error.detail);
  EXPECT_EQ(twice, (std::vector<std::string>{"y: stored in both a.safetensors and b.safetensors",
                                             "y: stored in both a.safetensors and c.safetensors"}))
      << all_diags(*c);
}

// formats/shard_prefetch.h: what it reads ahead is what detect would read
// itself; it opens nothing detect refuses; detect takes only what it asks.
TEST(ShardPrefetch, HandsOverTheIndexAndItsShardsOnce) {
  test::TempDir d;
  fs::path p = make(d, "tiny-qwen-w8a8-msmodelslim");
  const std::string index = "quant_model_weights.safetensors.index.json";
  ShardPrefetch pf;
  pf.start(p, index, {}, ParseOptions{}, 2);
  EXPECT_FALSE(pf.take_index("model.safetensors.index.json").has_value()) << "not the index it read";
  auto idx = pf.take_index(index);
  ASSERT_TRUE(idx.has_value());
  ASSERT_TRUE(idx->ok());
  // The witness: the index read directly.
  auto direct = read_shard_index(p / index);
  ASSERT_TRUE(direct.ok());
  ASSERT_EQ((*idx)->shards(), direct->shards());
  ASSERT_EQ(direct->shards().size(), 2u);
  EXPECT_FALSE(pf.take_shard(direct->shards()[0]).has_value()) << "nothing before finish()";
  pf.finish(direct->shards());
  for (const std::string& s : direct->shards()) {
    auto sf = pf.take_shard(s);
    ASSERT_TRUE(sf.has_value()) << s;
    ASSERT_NE(sf->file, nullptr) << s;
    EXPECT_EQ(sf->name, s);
    EXPECT_EQ(sf->size, fs::file_size(p / s));
    auto again = SafetensorsFile::open(p / s);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(sf->file->tensors().size(), again->tensors().size());
    EXPECT_FALSE(pf.take_shard(s).has_value()) << "handed over once";
  }
  EXPECT_FALSE(pf.take_shard("quant_model_description.json").has_value());
}

TEST(ShardPrefetch, OpensNothingDetectWouldRefuse) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-float");
  fs::path outside = make(d, "tiny-llama-float-sharded");
  // Names a listing could hold that check_shard_name refuses: a symlink out
  // of the directory, and a parent path.
  fs::create_symlink(outside / "model-00001-of-00002.safetensors", p / "escape.safetensors");
  ShardPrefetch pf;
  pf.start(p, "", {"model.safetensors", "escape.safetensors", "../tiny-llama-float-sharded/model-00001-of-00002.safetensors"},
           ParseOptions{}, 2);
  pf.finish({"model.safetensors"});  // what detect, which refuses the other two, would ask for
  EXPECT_TRUE(pf.take_shard("model.safetensors").has_value());
  EXPECT_FALSE(pf.take_shard("escape.safetensors").has_value());
  EXPECT_FALSE(pf.take_shard("../tiny-llama-float-sharded/model-00001-of-00002.safetensors").has_value());
  // And detect, which reads the refused names itself, refuses them with a diagnostic.
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(has_diag(*c, Severity::Error, "escape.safetensors")) << all_diags(*c);
  EXPECT_EQ(c->find("model.layers.0.mlp.down_proj.weight") != nullptr, true);
}

TEST(ShardPrefetch, OneCoreReadsNothingAhead) {
  test::TempDir d;
  fs::path p = make(d, "tiny-qwen-w8a8-msmodelslim");
  ShardPrefetch pf;
  pf.start(p, "quant_model_weights.safetensors.index.json", {}, ParseOptions{}, 1);
  EXPECT_FALSE(pf.take_index("quant_model_weights.safetensors.index.json").has_value());
  pf.finish({"quant_model_weights-00001-of-00002.safetensors"});
  EXPECT_FALSE(pf.take_shard("quant_model_weights-00001-of-00002.safetensors").has_value());
}

// A guess that missed is abandoned: what was read stays correct, what was
// not is left for detect, and nothing is handed over twice.
TEST(ShardPrefetch, AMissedGuessHandsOverOnlyWhatItFinished) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-float-sharded");
  ShardPrefetch pf;
  pf.start(p, "model.safetensors.index.json", {}, ParseOptions{}, 2);
  pf.finish({"model-00001-of-00002.safetensors"});  // detect wants one of the two
  for (const char* n : {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
    auto sf = pf.take_shard(n);
    if (!sf) continue;  // not read before the stop: detect reads it
    ASSERT_NE(sf->file, nullptr) << n;
    auto direct = SafetensorsFile::open(p / n);
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ(sf->file->tensors().size(), direct->tensors().size()) << n;
    EXPECT_FALSE(pf.take_shard(n).has_value()) << n;
  }
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->shards().size(), 2u);
}

// A wrong guess costs time, never the result: without an index the guess
// is every .safetensors file, but msModelSlim's layout reads only its own.
TEST(ShardPrefetch, DetectTakesOnlyTheShardsItChose) {
  test::TempDir d;
  fs::path p = make(d, "tiny-llama-w8a8-dynamic-msmodelslim");
  fs::remove(p / "quant_model_weights.safetensors.index.json");
  fs::path f = make(d, "tiny-llama-float");
  fs::copy_file(f / "model.safetensors", p / "model.safetensors");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->shards().size(), 1u) << all_diags(*c);
  EXPECT_EQ(c->shards()[0].name, "quant_model_weights-00001-of-00001.safetensors");
}

}  // namespace
}  // namespace qkit
