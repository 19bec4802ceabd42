//===- tests/kill_campaign_test.cpp - SIGKILL qconvert anywhere -----------===//
//
// The promise: whenever qconvert is killed, DST holds either the checkpoint
// that was there before (or nothing, if there was none) or the complete new
// one; the source is untouched; and the next run cleans up and succeeds.
//
// Two campaigns, both against the real qconvert main (the rename campaign
// against a dynamically linked build of it, QKIT_QCONVERT_PRELOADABLE,
// since LD_PRELOAD cannot reach the static tool; the random one against the
// tool as shipped):
//   - at every rename it makes, before and after, through an LD_PRELOAD shim
//     (tests/kill_at_rename.cpp), with and without --force replacing an old
//     checkpoint, on a filesystem with RENAME_EXCHANGE and without it (the
//     shim makes renameat2 with flags fail with EINVAL, as some network and
//     FUSE filesystems do);
//   - at 50 random moments of a larger conversion.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <signal.h>

#include <random>

#include "samples/catalog.h"
#include "samples/synthetic_checkpoint.h"
#include "tests/test_util.h"
#include "tests/tool_runner.h"

namespace qkit {
namespace {

namespace fs = std::filesystem;
using test::fingerprint;
using Fingerprint = std::map<std::string, std::uint32_t>;

using test::litter_beside;

std::vector<std::string> convert_args(const fs::path& src, const fs::path& dst, bool force,
                                      const std::string& shard_size = "4G") {
  std::vector<std::string> a = {"--from", "msmodelslim", "--to", "mindspore", "--quiet", "--no-validate",
                                "--shard-size", shard_size};
  if (force) a.push_back("--force");
  a.push_back(src.string());
  a.push_back(dst.string());
  return a;
}

// The -old directory the two-rename fallback leaves when killed between its
// renames (DST is then absent until the next run restores it).
std::optional<fs::path> old_copy_beside(const fs::path& dst) {
  for (const std::string& n : litter_beside(dst))
    if (n.find(".qkit-old-") != std::string::npos) return dst.parent_path() / n;
  return std::nullopt;
}

class KillCampaign : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = d_ / "src";
    ASSERT_TRUE(samples::write_sample(src_, *samples::find_sample("tiny-qwen-w8a8-msmodelslim")).ok());
    source_ = fingerprint(src_);
    // The new checkpoint, and an old one (qkit's own output, so --force may
    // replace it) that differs from it in every file name.
    ASSERT_EQ(test::run_tool(QKIT_QCONVERT_PRELOADABLE, convert_args(src_, d_ / "new", false)).exit_code, 0);
    ASSERT_EQ(test::run_tool(QKIT_QCONVERT_PRELOADABLE, convert_args(src_, d_ / "old", false, "16K")).exit_code, 0);
    new_ = fingerprint(d_ / "new");
    old_ = fingerprint(d_ / "old");
    ASSERT_NE(new_, old_);
  }

  // DST as the campaign left it: absent, old or new, never anything else.
  void expect_whole(const fs::path& dst, bool had_old, bool fallback, const std::string& what) {
    if (fs::exists(dst)) {
      const Fingerprint now = fingerprint(dst);
      EXPECT_TRUE(now == new_ || (had_old && now == old_)) << what << ": DST holds neither the old nor the new checkpoint";
    } else if (had_old) {
      // Only the fallback has a moment without DST, and then the old one waits beside it.
      auto old = old_copy_beside(dst);
      EXPECT_TRUE(fallback && old && fingerprint(*old) == old_) << what << ": the old checkpoint is gone";
    }
    EXPECT_EQ(fingerprint(src_), source_) << what << ": the source changed";
  }

  // The next run restores or removes what the killed one left, and succeeds.
  void expect_recovery(const fs::path& dst, const std::string& what) {
    auto r = test::run_tool(QKIT_QCONVERT_PRELOADABLE, convert_args(src_, dst, true));
    ASSERT_EQ(r.exit_code, 0) << what << ": the run after the kill failed: " << r.err;
    EXPECT_EQ(fingerprint(dst), new_) << what;
    EXPECT_TRUE(litter_beside(dst).empty()) << what << ": " << ::testing::PrintToString(litter_beside(dst));
  }

  void put_old(const fs::path& dst) {
    std::error_code ec;
    fs::remove_all(dst, ec);
    fs::copy(d_ / "old", dst, fs::copy_options::recursive);
  }

  test::TempDir d_;
  fs::path src_;
  Fingerprint source_, new_, old_;
};

TEST_F(KillCampaign, AtEveryRenameBeforeAndAfter) {
  // How many renames does one run make? (shards, index, description, config,
  // side files, marker, the final swap)
  const fs::path log = d_ / "renames.log";
  test::RunOptions logged;
  logged.env = {"LD_PRELOAD=" QKIT_KILL_SHIM, "QKIT_RENAME_LOG=" + log.string()};
  auto counted = test::run_tool(QKIT_QCONVERT_PRELOADABLE, convert_args(src_, d_ / "count", false), logged);
  ASSERT_EQ(counted.exit_code, 0) << counted.err;
  const std::string lines = test::read_file(log);
  const int renames = static_cast<int>(std::count(lines.begin(), lines.end(), '\n'));
  ASSERT_GE(renames, 5) << "the shim saw no renames; is LD_PRELOAD working?\n" << lines;

  int killed = 0;
  for (bool fallback : {false, true})
    for (bool had_old : {false, true})
      for (int n = 1; n <= renames; ++n)
        for (const char* when : {"before", "after"}) {
          const std::string what = std::string(fallback ? "no RENAME_EXCHANGE, " : "") +
                                   (had_old ? "--force over an old checkpoint" : "fresh destination") +
                                   ", killed " + when + " rename " + std::to_string(n);
          const fs::path dst = d_ / "dst";
          std::error_code ec;
          fs::remove_all(dst, ec);
          if (had_old) put_old(dst);
          test::RunOptions o;
          o.env = {"LD_PRELOAD=" QKIT_KILL_SHIM, "QKIT_KILL_AT_RENAME=" + std::to_string(n),
                   std::string("QKIT_KILL_WHEN=") + when};
          if (fallback) o.env.push_back("QKIT_NO_RENAME_FLAGS=1");
          auto r = test::run_tool(QKIT_QCONVERT_PRELOADABLE, convert_args(src_, dst, had_old), o);
          ASSERT_EQ(r.signal, SIGKILL) << what << ": exit " << r.exit_code << " " << r.err;
          ++killed;
          expect_whole(dst, had_old, fallback, what);
          expect_recovery(dst, what);
        }
  EXPECT_EQ(killed, 2 * 2 * renames * 2);
}

TEST_F(KillCampaign, AtFiftyRandomMoments) {
  // Large enough that a run takes a while, small enough for CI.
  const fs::path big = d_ / "big";
  ASSERT_TRUE(samples::write_synthetic_checkpoint(big, 0.02, 4).ok());
  const Fingerprint big_source = fingerprint(big);
  ASSERT_EQ(test::run_tool(QKIT_QCONVERT, convert_args(big, d_ / "big-new", false)).exit_code, 0);
  ASSERT_EQ(test::run_tool(QKIT_QCONVERT, convert_args(big, d_ / "big-old", false, "2M")).exit_code, 0);
  const Fingerprint big_new = fingerprint(d_ / "big-new"), big_old = fingerprint(d_ / "big-old");
  // The fastest of three runs: kills fall inside a run even when the machine is quiet.
  auto run_us = std::chrono::microseconds::max();
  for (int i = 0; i < 3; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(test::run_tool(QKIT_QCONVERT, convert_args(big, d_ / "timing", true)).exit_code, 0);
    run_us = std::min(run_us, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0));
  }

  std::mt19937 rng(20261127);
  int killed = 0, finished = 0;
  for (int round = 0; round < 50; ++round) {
    const bool had_old = round % 2 == 1;
    const fs::path dst = d_ / "dst";
    std::error_code ec;
    fs::remove_all(dst, ec);
    if (had_old) fs::copy(d_ / "big-old", dst, fs::copy_options::recursive);
    test::RunOptions o;
    o.kill_after = std::chrono::microseconds(
        std::uniform_int_distribution<long>(0, run_us.count() * 9 / 10)(rng));
    auto r = test::run_tool(QKIT_QCONVERT, convert_args(big, dst, had_old), o);
    (r.signal == SIGKILL ? killed : finished) += 1;
    const std::string what = "round " + std::to_string(round) + " (killed after " +
                             std::to_string(o.kill_after->count()) + " us)";
    if (fs::exists(dst)) {
      const Fingerprint now = fingerprint(dst);
      EXPECT_TRUE(now == big_new || (had_old && now == big_old)) << what;
    } else {
      EXPECT_FALSE(had_old) << what << ": the old checkpoint is gone";
    }
    EXPECT_EQ(fingerprint(big), big_source) << what;
    auto rerun = test::run_tool(QKIT_QCONVERT, convert_args(big, dst, true));
    ASSERT_EQ(rerun.exit_code, 0) << what << ": " << rerun.err;
    EXPECT_EQ(fingerprint(dst), big_new) << what;
    EXPECT_TRUE(litter_beside(dst).empty()) << what;
  }
  // The campaign means something only if most runs were cut short.
  EXPECT_GE(killed, 20) << killed << " killed, " << finished << " finished; one run takes " << run_us.count() << " us";
}

}  // namespace
}  // namespace qkit
