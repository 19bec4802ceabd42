//===- tests/real_checkpoint_test.cpp - a published checkpoint's layout --===//
//
// tests/data/real/qwen3.8-27b-w8a8-dynamic holds the recorded inventory of a
// published msModelSlim V1 checkpoint (Qwen3.8-27B W8A8_DYNAMIC: 2,079
// tensors, 10 shards; see its README). It is rebuilt here as sparse files:
// every shard header as the reference safetensors writer lays it out (the
// bench's generator, checked byte for byte against the recorded sha256 of
// the real headers), data as holes. The description, index and config.json
// are not published; they are written from the documented rules, with the
// config in the nested form transformers writes for
// Qwen3_5ForConditionalGeneration (text_config / vision_config as recorded).
//
// vllm-ascend serves this layout (its CI list has Eco-Tech/Qwen3.5-27B-w8a8-mtp
// and the Qwen3-VL W8A8 models; loaders-audit.md M1), so the gate must pass it.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "bench/scale_checkpoint.h"
#include "tests/sha256.h"
#include "tests/test_util.h"
#include "inspect/inspector.h"
#include "inspect/render.h"
#include "validate/validator.h"

namespace qkit {
namespace {

namespace fs = std::filesystem;

const fs::path kReal = fs::path(QKIT_SOURCE_DIR) / "tests/data/real/qwen3.8-27b-w8a8-dynamic";

std::string nested_config() {
  std::ifstream f(kReal / "verified_metadata.json");
  nlohmann::ordered_json m = nlohmann::ordered_json::parse(f);
  nlohmann::ordered_json c;
  c["architectures"] = {m["architecture"]};
  c["model_type"] = "qwen3_5";
  c["text_config"] = m["text_config"];
  c["vision_config"] = m["vision_config"];
  c["tie_word_embeddings"] = false;
  return c.dump(2) + "\n";
}

class RealQwen38 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    bench::ScaleSpec spec = bench::spec_27b(kReal);
    ASSERT_EQ(spec.tensors.size(), 2079u) << spec.source;
    spec.config_json = nested_config();
    std::string error;
    ASSERT_TRUE(bench::write_scale_checkpoint(spec, dir_->path() / "qwen3.8-27b", written_, error)) << error;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static validate::Report run(validate::Target t, bool with_mtp = false) {
    auto c = Checkpoint::open(written_.path);
    EXPECT_TRUE(c.ok());
    validate::ValidateOptions o;
    o.target = t;
    o.quick = true;
    o.with_mtp = with_mtp;
    return validate::validate(*c, o);
  }
  static std::string dump(const validate::Report& r) {
    std::string s;
    for (const auto& f : r.findings) s += std::string(severity_name(f.severity)) + " " + f.rule + " " + f.tensor + ": " + f.message + "\n";
    return s;
  }
  static inline test::TempDir* dir_ = nullptr;
  static inline bench::ScaleCheckpoint written_;
};

TEST(Sha256, FipsVectors) {
  // FIPS 180-4 / NIST CSRC examples.
  EXPECT_EQ(test::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(test::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(test::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_F(RealQwen38, HeadersAreTheRecordedOnes) {
  // The recorded metadata counts 2,079 tensors in 10 shards, and records
  // the sha256 of each real shard's JSON header.
  EXPECT_EQ(written_.tensors, 2079u);
  ASSERT_EQ(written_.shards.size(), 10u);
  std::ifstream mf(kReal / "verified_metadata.json");
  nlohmann::json m = nlohmann::json::parse(mf);
  const auto& sums = m["safetensors_header_sha256"];
  for (const fs::path& shard : written_.shards) {
    std::ifstream f(shard, std::ios::binary);
    unsigned char len[8];
    ASSERT_TRUE(f.read(reinterpret_cast<char*>(len), 8));
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];
    std::string header(n, '\0');
    ASSERT_TRUE(f.read(header.data(), static_cast<std::streamsize>(n)));
    ASSERT_TRUE(sums.contains(shard.filename().string())) << shard;
    EXPECT_EQ(test::sha256_hex(header), sums[shard.filename().string()].get<std::string>()) << shard.filename();
  }
  auto c = Checkpoint::open(written_.path);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tensors().size(), 2079u);
}

TEST_F(RealQwen38, PassesAny) {
  validate::Report r = run(validate::Target::Any);
  EXPECT_EQ(r.errors, 0u) << dump(r);
}

TEST_F(RealQwen38, PassesVllmAscend) {
  validate::Report r = run(validate::Target::VllmAscend);
  EXPECT_EQ(r.errors, 0u) << dump(r);
  // Its MTP layer (mtp.layers.0) is described: no coverage finding even
  // when the drafter is loaded.
  validate::Report m = run(validate::Target::VllmAscend, true);
  EXPECT_EQ(m.errors, 0u) << dump(m);
}

// The layer map: 64 decoder rows, the MTP layer and the 27 vision blocks in
// rows of their own, the label column wide enough for "vision.26".
TEST_F(RealQwen38, LayerMapKeepsMtpAndVisionApartAndAligned) {
  auto c = Checkpoint::open(written_.path);
  ASSERT_TRUE(c.ok());
  auto r = inspect::inspect(*c, inspect::InspectOptions{});
  ASSERT_TRUE(r.ok());
  const std::string map = inspect::render_layer_map(*r);
  EXPECT_NE(map.find("\n  63 "), std::string::npos) << map;
  EXPECT_EQ(map.find("\n  64 "), std::string::npos) << "only 64 decoder layers";
  EXPECT_NE(map.find("\n  mtp.0 "), std::string::npos) << map;
  EXPECT_NE(map.find("\n  vision.26 "), std::string::npos) << map;
  // Every row has the header's width: the cells line up.
  std::size_t header = map.find('\n') + 1, first = map.find('\n', header);
  const std::size_t width = first - header;
  for (std::size_t p = first + 1, e; (e = map.find('\n', p)) != std::string::npos && map.compare(p, 9, "  legend:") != 0; p = e + 1)
    EXPECT_EQ(e - p, width) << map.substr(p, e - p);
}

}  // namespace
}  // namespace qkit
