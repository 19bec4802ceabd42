//===- tests/samples_test.cpp - the bundled samples are the generator's ---===//
//
// The committed samples/ checkpoints must be exactly what qkit-samplegen
// writes today, and must read back cleanly.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include "formats/safetensors.h"
#include "formats/shard_index.h"
#include "samples/toy_model.h"
#include "tests/test_util.h"

#ifndef QKIT_SOURCE_DIR
#error "QKIT_SOURCE_DIR must be defined by the build"
#endif

namespace qkit {
namespace {

const std::filesystem::path kSamples = std::filesystem::path(QKIT_SOURCE_DIR) / "samples";

TEST(Samples, RegeneratedBytesEqualCommittedSamples) {
  test::TempDir out;
  auto st = samples::write_all_samples(out.path());
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  for (const std::string& name : samples::sample_names()) {
    auto files = test::list_dir(out / name);
    ASSERT_FALSE(files.empty());
    EXPECT_EQ(test::list_dir(kSamples / name), files) << name;
    for (const std::string& f : files)
      EXPECT_TRUE(test::read_file(out / name / f) == test::read_file(kSamples / name / f))
          << name << "/" << f << " differs: run `build/samples/qkit-samplegen samples` and review";
  }
}

TEST(Samples, FloatSampleHasTheToyModelShapes) {
  auto f = SafetensorsFile::open(kSamples / "tiny-llama-float" / "model.safetensors");
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  samples::ToyConfig cfg;
  // embed + per layer (2 norms + 7 linears) + final norm + lm_head
  EXPECT_EQ(f->tensors().size(), static_cast<std::size_t>(1 + cfg.layers * 9 + 1 + 1));
  const TensorInfo* k = f->find("model.layers.1.self_attn.k_proj.weight");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->dtype, Dtype::BF16);
  EXPECT_EQ(k->shape, (std::vector<std::uint64_t>{32, 64}));  // kv_heads * head_dim, hidden
  EXPECT_EQ(f->header().metadata.at("format"), "pt");
}

TEST(Samples, ShardedSampleIndexIsConsistent) {
  auto dir = kSamples / "tiny-llama-float-sharded";
  auto idx = read_shard_index(dir / "model.safetensors.index.json");
  ASSERT_TRUE(idx.ok()) << idx.error().to_string();
  EXPECT_EQ(idx->shards().size(), 3u);
  auto problems = check_shard_index(dir, "model.safetensors.index.json", *idx);
  for (const auto& p : problems) ADD_FAILURE() << p.to_string();
}

}  // namespace
}  // namespace qkit
