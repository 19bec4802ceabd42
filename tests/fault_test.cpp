//===- tests/fault_test.cpp - failure and hostile-input guarantees --------===//
//
// Each test backs one line of the README's "Guarantees" section: whatever
// the input or the failure, a clear error, a non-zero exit, the source
// untouched, and no destination or stray temporary file left behind.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <random>

#include "convert/converter.h"
#include "formats/checkpoint.h"
#include "formats/checkpoint_writer.h"
#include "inspect/inspector.h"
#include "samples/catalog.h"
#include "samples/synthetic_checkpoint.h"
#include "tests/test_util.h"
#include "validate/validator.h"

#ifndef QKIT_QCONVERT
#error "QKIT_QCONVERT must name the qconvert binary"
#endif

namespace qkit {
namespace {

namespace fs = std::filesystem;

fs::path sample(const test::TempDir& d, const std::string& name) {
  EXPECT_TRUE(samples::write_sample(d / name, *samples::find_sample(name)).ok()) << name;
  return d / name;
}

using test::fingerprint;

std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".qkit-tmp-") != std::string::npos) out.push_back(e.path().string());
  return out;
}

TEST(Hostile, FifoNamedLikeAShardFailsInsteadOfBlocking) {
  test::TempDir d;
  fs::path p = sample(d, "tiny-qwen-w8a8-msmodelslim");
  fs::remove(p / "quant_model_weights-00002-of-00002.safetensors");
  ASSERT_EQ(::mkfifo((p / "quant_model_weights-00002-of-00002.safetensors").c_str(), 0644), 0);
  auto start = std::chrono::steady_clock::now();
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  bool reported = false;
  for (const Diagnostic& dg : c->diagnostics()) reported |= dg.error.code == Errc::not_regular_file;
  EXPECT_TRUE(reported);
}

TEST(Failure, ShardTruncatedWhileMappedIsAFindingNotACrash) {
  test::TempDir d;
  fs::path p = sample(d, "tiny-llama-w8a8-dynamic-msmodelslim");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  // Another process cuts the shard after qkit has mapped it.
  fs::path shard = p / "quant_model_weights-00001-of-00001.safetensors";
  ASSERT_EQ(::truncate(shard.c_str(), 4096), 0);
  validate::ValidateOptions o;
  o.threads = 1;
  auto r = validate::validate(*c, o);
  bool found = false;
  for (const auto& f : r.findings) found |= f.rule == "container.shard-unreadable" && f.message.find("shrank") != std::string::npos;
  EXPECT_TRUE(found);
  EXPECT_GT(r.errors, 0u);
  // The converter reports it too, and leaves nothing behind.
  convert::ConvertOptions co;
  co.to = Family::GoldenStick;
  auto plan = convert::plan_conversion(*c, co);
  // Planning reads the small tensors, which may or may not lie in the kept
  // 4 KiB: either planning or execution must fail with the reason.
  std::string why;
  if (!plan.ok()) {
    why = plan.error().to_string();
  } else {
    auto st = convert::execute_plan(*plan, d / "out", false);
    ASSERT_FALSE(st.ok());
    why = st.error().to_string();
  }
  EXPECT_NE(why.find("shrank"), std::string::npos) << why;
  EXPECT_FALSE(fs::exists(d / "out"));
  EXPECT_TRUE(temporaries(d.path()).empty());
}

TEST(Failure, ShardDeletedWhileMappedStaysReadable) {
  test::TempDir d;
  fs::path p = sample(d, "tiny-llama-w8a16-golden-stick");
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  fs::remove(p / "quant-model-00001-of-00001.safetensors");  // the mapping keeps the inode
  auto r = validate::validate(*c, validate::ValidateOptions{});
  EXPECT_EQ(r.errors, 0u);
}

TEST(Failure, FileSizeLimitFailsTheWriteCleanly) {
  // A full disk and a file-size limit look the same to a writer: write(2)
  // fails part-way. RLIMIT_FSIZE makes it happen on demand (EFBIG).
  test::TempDir d;
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-float"));
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status st = write_checkpoint(d / "out", b.content, b.options);
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::io_write);
  EXPECT_NE(st.error().to_string().find("model.safetensors"), std::string::npos) << st.error().to_string();
  EXPECT_FALSE(fs::exists(d / "out"));
  EXPECT_TRUE(temporaries(d.path()).empty());
}

TEST(Failure, KilledConversionNeverLeavesAHalfCheckpoint) {
  test::TempDir d;
  ASSERT_TRUE(samples::write_synthetic_checkpoint(d / "src", 0.25, 4).ok());
  const auto before = fingerprint(d / "src");
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    fs::path dst = d / ("dst" + std::to_string(round));
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::execl(QKIT_QCONVERT, "qconvert", "--from", "msmodelslim", "--to", "mindspore", "--quiet", "--no-validate",
              (d / "src").c_str(), dst.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    ::usleep(static_cast<useconds_t>(std::uniform_int_distribution<int>(1000, 150000)(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (fs::exists(dst)) {
      // The rename happened: the checkpoint must be whole.
      auto c = Checkpoint::open(dst);
      ASSERT_TRUE(c.ok());
      validate::ValidateOptions o;
      o.quick = true;
      EXPECT_EQ(validate::validate(*c, o).errors, 0u) << "round " << round;
    }
    EXPECT_EQ(fingerprint(d / "src"), before) << "the source changed";
    // The next run cleans up what the killed one left.
    convert::ConvertOptions co;
    co.to = Family::GoldenStick;
    auto src = Checkpoint::open(d / "src");
    ASSERT_TRUE(src.ok());
    auto plan = convert::plan_conversion(*src, co);
    ASSERT_TRUE(plan.ok());
    ASSERT_TRUE(convert::execute_plan(*plan, dst, true).ok());
    for (const std::string& t : temporaries(d.path()))
      EXPECT_EQ(t.find(dst.filename().string()), std::string::npos) << t << " left after a successful rerun";
  }
}

TEST(Hostile, HugeAndDeepJsonSideFilesAreBounded) {
  test::TempDir d;
  fs::path p = sample(d, "tiny-llama-w8a8-dynamic-msmodelslim");
  // 20 MB config.json (the limit is 16 MiB) and a 100,000-deep description.
  test::write_file(p / "config.json", "{\"pad\": \"" + std::string(20u << 20, 'x') + "\"}");
  test::write_file(p / "quant_model_description.json", std::string(100000, '[') + std::string(100000, ']'));
  auto start = std::chrono::steady_clock::now();
  auto c = Checkpoint::open(p);
  ASSERT_TRUE(c.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  std::set<Errc> codes;
  for (const Diagnostic& dg : c->diagnostics()) codes.insert(dg.error.code);
  EXPECT_TRUE(codes.count(Errc::json_too_large));
  EXPECT_TRUE(codes.count(Errc::json_too_deep));
  auto r = validate::validate(*c, validate::ValidateOptions{});
  EXPECT_GT(r.errors, 0u);
}

// A checkpoint shaped like a real 27B model: ~2,000 tensors in 10 shards,
// tens of GB, as sparse files (no disk, no time to write).
TEST(Scale, TwentySevenBShapedCheckpointIsReadHeaderOnlyFast) {
  test::TempDir d;
  auto shape = samples::write_synthetic_checkpoint(d / "big", 50.0, 10, /*sparse=*/true);
  ASSERT_TRUE(shape.ok()) << shape.error().to_string();
  EXPECT_GT(shape->bytes, 40ull << 30);
  auto t0 = std::chrono::steady_clock::now();
  auto c = Checkpoint::open(d / "big");
  ASSERT_TRUE(c.ok());
  auto r = inspect::inspect(*c, inspect::InspectOptions{});
  ASSERT_TRUE(r.ok());
  validate::ValidateOptions o;
  o.quick = true;
  auto v = validate::validate(*c, o);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(c->tensors().size(), shape->tensors);
  EXPECT_GE(c->shards().size(), 10u);  // greedy splitting: about 10
  EXPECT_LE(c->shards().size(), 11u);
  EXPECT_EQ(v.errors, 0u);
  EXPECT_LT(ms, 1000) << "open + inspect + quick validation of ~2,000 tensors in 10 shards took " << ms << " ms";
}

}  // namespace
}  // namespace qkit
