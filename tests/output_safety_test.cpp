//===- tests/output_safety_test.cpp - qconvert never loses a user's data ---===//
//
// Each test reproduces one way a user could lose data or be misled, found by
// trying to break the tools (issue #11), and runs the real qconvert binary
// where the promise is the command's:
//   - a destination that is, contains or lies inside the source is refused,
//     whatever path, symlink or bind mount names it, even with --force;
//   - --force replaces only what qkit wrote; --force=DST anything;
//   - one writer per destination; a live run's temporary directory is never
//     taken for a killed run's leftovers;
//   - a shard found by listing the directory cannot leave it by a symlink;
//   - exit codes: 1 for failures of the work (disk full, I/O), 2 for usage.
// The kill campaign (every rename, random moments) is in kill_campaign_test.cpp.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "convert/converter.h"
#include "formats/checkpoint.h"
#include "formats/output_dir.h"
#include "samples/catalog.h"
#include "tests/tool_runner.h"
#include "tests/test_util.h"
#include "validate/validator.h"

namespace qkit {
namespace {

namespace fs = std::filesystem;
using test::fingerprint;
using test::run_tool;

constexpr const char* kSample = "tiny-llama-w8a8-dynamic-msmodelslim";

fs::path sample_at(const fs::path& dir) {
  fs::create_directories(dir.parent_path());
  EXPECT_TRUE(samples::write_sample(dir, *samples::find_sample(kSample)).ok());
  return dir;
}

test::ToolRun qconvert(const fs::path& src, const fs::path& dst, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--from", "msmodelslim", "--to", "mindspore", "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(src.string());
  args.push_back(dst.string());
  return run_tool(QKIT_QCONVERT, args);
}

using test::litter_beside;

// --- the destination never overlaps the source ----------------------------

struct Overlap {
  const char* name;
  std::function<fs::path(const fs::path& root, const fs::path& src)> dst;
};

class ForceOverlap : public ::testing::TestWithParam<Overlap> {};

TEST_P(ForceOverlap, IsRefusedAndTheSourceSurvives) {
  test::TempDir d;
  const fs::path root = d.path();
  const fs::path src = sample_at(root / "a" / "b" / "src");
  const auto before = fingerprint(src);
  const fs::path dst = GetParam().dst(root, src);
  for (const std::string& force : {std::string("--force"), "--force=" + dst.string()}) {
    auto r = qconvert(src, dst, {force});
    EXPECT_EQ(r.exit_code, 2) << GetParam().name << " " << force << ": " << r.err;
    EXPECT_NE(r.err.find("out-overlaps-input"), std::string::npos) << r.err;
    ASSERT_TRUE(fs::exists(src / "quant_model_description.json")) << GetParam().name << ": the source was deleted";
    EXPECT_EQ(fingerprint(src), before) << GetParam().name << ": the source changed";
  }
}

fs::path link_to(const fs::path& root, const std::string& name, const fs::path& target) {
  fs::create_directory_symlink(target, root / name);
  return root / name;
}

INSTANTIATE_TEST_SUITE_P(
    Paths, ForceOverlap,
    ::testing::Values(
        Overlap{"parent", [](const fs::path& r, const fs::path&) { return r / "a" / "b"; }},
        Overlap{"grandparent", [](const fs::path& r, const fs::path&) { return r / "a"; }},
        Overlap{"itself", [](const fs::path&, const fs::path& s) { return s; }},
        Overlap{"inside", [](const fs::path&, const fs::path& s) { return s / "out"; }},
        Overlap{"dotdot_to_grandparent", [](const fs::path&, const fs::path& s) { return s / ".." / ".."; }},
        Overlap{"dotdot_to_itself", [](const fs::path& r, const fs::path&) { return r / "a" / "x" / ".." / "b" / "src"; }},
        Overlap{"symlink_to_parent", [](const fs::path& r, const fs::path&) { return link_to(r, "lp", r / "a" / "b"); }},
        Overlap{"symlink_to_grandparent", [](const fs::path& r, const fs::path&) { return link_to(r, "lg", r / "a"); }},
        Overlap{"symlink_to_itself", [](const fs::path& r, const fs::path& s) { return link_to(r, "ls", s); }},
        Overlap{"through_symlink_inside", [](const fs::path& r, const fs::path& s) { return link_to(r, "li", s) / "x"; }}),
    [](const auto& info) { return std::string(info.param.name); });

// A bind mount shows the same directory under another path: (device, inode)
// comparisons see through it where path comparisons cannot.
TEST(DestinationSafety, BindMountOfTheSourceIsRefused) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  fs::create_directories(d / "bind");
  if (::mount(src.c_str(), (d / "bind").c_str(), nullptr, MS_BIND, nullptr) != 0)
    GTEST_SKIP() << "cannot bind-mount here (" << std::strerror(errno) << "); needs CAP_SYS_ADMIN";
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{d / "bind"};
  const auto before = fingerprint(src);
  // The same directory, a directory inside it, and from the other side.
  EXPECT_FALSE(check_output_apart(src, d / "bind").ok());
  EXPECT_FALSE(check_output_apart(src, d / "bind" / "out").ok());
  EXPECT_FALSE(check_output_apart(d / "bind", src).ok());
  auto r = qconvert(src, d / "bind", {"--force=" + (d / "bind").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("out-overlaps-input"), std::string::npos) << r.err;
  EXPECT_EQ(fingerprint(src), before);
}

// The guarantee is the library's, not only the command's.
TEST(DestinationSafety, ExecutePlanRefusesTheSourcesParentEvenWhenToldToReplaceAnything) {
  test::TempDir d;
  const fs::path src = sample_at(d / "p" / "src");
  const auto before = fingerprint(src);
  auto c = Checkpoint::open(src);
  ASSERT_TRUE(c.ok());
  convert::ConvertOptions o;
  auto plan = convert::plan_conversion(*c, o);
  ASSERT_TRUE(plan.ok());
  Status st = convert::execute_plan(*plan, d / "p", ReplacePolicy::Anything);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::out_overlaps_input);
  EXPECT_EQ(fingerprint(src), before);
}

TEST(DestinationSafety, SiblingsAndUnrelatedDirectoriesAreFine) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  EXPECT_TRUE(check_output_apart(src, d / "src2").ok());  // a prefix of the name is not a parent
  EXPECT_TRUE(check_output_apart(src, d / "other" / "deep" / "out").ok());
  EXPECT_TRUE(check_output_apart(src / "config.json", d / "out").ok());
}

// --- what --force may replace ---------------------------------------------

TEST(Replace, ForceReplacesOnlyWhatQkitWrote) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  const fs::path dst = d / "out";

  // Somebody's directory: --force is not enough, --force=DST is.
  fs::create_directories(dst);
  test::write_file(dst / "notes.txt", "mine");
  auto r = qconvert(src, dst, {"--force"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("out-not-ours"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force=" + dst.string()), std::string::npos) << "the message names the way out: " << r.err;
  EXPECT_EQ(test::read_file(dst / "notes.txt"), "mine");
  r = qconvert(src, dst, {"--force=" + (d / "elsewhere").string()});
  EXPECT_EQ(r.exit_code, 2) << "--force=X must name DST: " << r.err;
  r = qconvert(src, dst, {"--force=" + dst.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dst / "notes.txt"));

  // What qconvert wrote lists its files in the marker; --force replaces it.
  ASSERT_TRUE(fs::exists(dst / std::string(kOutputMarkerName)));
  r = qconvert(src, dst, {});
  EXPECT_EQ(r.exit_code, 2) << "no --force: " << r.err;
  EXPECT_NE(r.err.find("out-exists"), std::string::npos) << r.err;
  r = qconvert(src, dst, {"--force"});
  EXPECT_EQ(r.exit_code, 0) << r.err;

  // ... until the user puts a file of their own in it.
  test::write_file(dst / "README.md", "my model card");
  r = qconvert(src, dst, {"--force"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("README.md"), std::string::npos) << "names the foreign file: " << r.err;
  EXPECT_EQ(test::read_file(dst / "README.md"), "my model card");
  EXPECT_TRUE(litter_beside(dst).empty());
}

TEST(Replace, FilesLinksAndEmptyDirectories) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  test::write_file(d / "afile", "x");
  auto r = qconvert(src, d / "afile", {"--force=" + (d / "afile").string()});
  EXPECT_EQ(r.exit_code, 2) << "a file is never replaced: " << r.err;
  EXPECT_EQ(test::read_file(d / "afile"), "x");

  fs::create_directories(d / "real");
  test::write_file(d / "real" / "keep", "k");
  fs::create_directory_symlink(d / "real", d / "link");
  r = qconvert(src, d / "link", {"--force=" + (d / "link").string()});
  EXPECT_EQ(r.exit_code, 2) << "a link is never replaced: " << r.err;
  EXPECT_EQ(test::read_file(d / "real" / "keep"), "k");

  fs::create_directories(d / "empty");
  r = qconvert(src, d / "empty", {});
  EXPECT_EQ(r.exit_code, 0) << "an empty directory is a fine destination: " << r.err;
}

TEST(Replace, TheMarkerListsExactlyTheFilesWrittenAndIsNeverCopied) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  ASSERT_EQ(qconvert(src, d / "gs", {}).exit_code, 0);
  auto marker = nlohmann::json::parse(test::read_file(d / "gs" / std::string(kOutputMarkerName)));
  std::set<std::string> listed(marker["files"].begin(), marker["files"].end());
  std::set<std::string> present;
  for (const auto& e : fs::recursive_directory_iterator(d / "gs"))
    if (e.is_regular_file() && e.path().filename() != std::string(kOutputMarkerName))
      present.insert(fs::relative(e.path(), d / "gs").generic_string());
  EXPECT_EQ(listed, present);
  // Converting the output again: the marker is not a side file to copy.
  auto c = Checkpoint::open(d / "gs");
  ASSERT_TRUE(c.ok());
  for (const std::string& f : c->side_files()) EXPECT_NE(f, kOutputMarkerName);
  ASSERT_EQ(run_tool(QKIT_QCONVERT, {"--from", "mindspore", "--to", "msmodelslim", "--quiet", (d / "gs").string(),
                                     (d / "back").string()})
                .exit_code,
            0);
  marker = nlohmann::json::parse(test::read_file(d / "back" / std::string(kOutputMarkerName)));
  for (const auto& f : marker["files"]) EXPECT_NE(f.get<std::string>(), kOutputMarkerName);
}

// --- one writer per destination -------------------------------------------

TEST(Concurrency, ASecondRunToTheSameDestinationFailsClearlyAndTouchesNothing) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  const fs::path dst = d / "out";
  // "The first run", still writing.
  auto first = std::make_unique<Result<OutputDirectory>>(OutputDirectory::begin(dst, ReplacePolicy::Never));
  ASSERT_TRUE(first->ok()) << first->error().to_string();
  const fs::path live = (*first)->path();
  test::write_file(live / "partial", "in progress");
  auto r = qconvert(src, dst, {"--force"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("out-busy"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pid " + std::to_string(::getpid())), std::string::npos) << "names the other run: " << r.err;
  EXPECT_EQ(test::read_file(live / "partial"), "in progress") << "the live run's directory was removed";
  EXPECT_FALSE(fs::exists(dst));
  // The first run finishes; the next one proceeds.
  ASSERT_TRUE((*first)->commit().ok());
  first.reset();
  r = qconvert(src, dst, {"--force=" + dst.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(litter_beside(dst).empty()) << ::testing::PrintToString(litter_beside(dst));
}

TEST(Concurrency, CleanUpRemovesOnlyDirectoriesWhoseOwnerIsGone) {
  test::TempDir d;
  const fs::path dst = d / "out";
  fs::create_directories(d / ".out.qkit-tmp-live");
  fs::create_directories(d / ".out.qkit-tmp-dead");
  fs::create_directories(d / ".out.qkit-tmp-old");  // what qkit 0.1 left after a kill
  int live = ::open((d / ".out.qkit-tmp-live").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(live, 0);
  ASSERT_EQ(::flock(live, LOCK_EX), 0);  // another open file description: as another process
  auto left = leftovers_beside(dst);
  std::set<std::string> names;
  for (const fs::path& p : left) names.insert(p.filename().string());
  EXPECT_EQ(names, (std::set<std::string>{".out.qkit-tmp-dead", ".out.qkit-tmp-old"}));
  {
    auto o = OutputDirectory::begin(dst, ReplacePolicy::Never);
    ASSERT_TRUE(o.ok());
    EXPECT_TRUE(fs::exists(d / ".out.qkit-tmp-live"));
    EXPECT_FALSE(fs::exists(d / ".out.qkit-tmp-dead"));
    EXPECT_FALSE(fs::exists(d / ".out.qkit-tmp-old"));
  }
  ::close(live);
}

// The two-rename fallback (no RENAME_EXCHANGE) can be killed between its
// renames; the next run puts the old checkpoint back before anything else.
TEST(Concurrency, AnInterruptedFallbackReplaceIsRestored) {
  test::TempDir d;
  const fs::path dst = d / "out";
  fs::create_directories(d / ".out.qkit-old-12345-abcdef");
  test::write_file(d / ".out.qkit-old-12345-abcdef" / "config.json", "{}");
  {
    auto o = OutputDirectory::begin(dst, ReplacePolicy::Never);
    ASSERT_FALSE(o.ok()) << "the restored checkpoint is there now; replacing it needs --force";
    EXPECT_EQ(o.error().code, Errc::out_exists);
  }
  EXPECT_EQ(test::read_file(dst / "config.json"), "{}");
  EXPECT_TRUE(litter_beside(dst).empty());
}

// --- shards found by listing get the index's path checks ------------------

TEST(PathSafety, ListedShardThatIsASymlinkOutOfTheDirectoryIsRefused) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  const std::string shard = "quant_model_weights-00001-of-00001.safetensors";
  fs::remove(src / "quant_model_weights.safetensors.index.json");  // no index: shards come from the listing
  fs::create_directories(d / "elsewhere");
  fs::rename(src / shard, d / "elsewhere" / shard);
  fs::create_symlink(d / "elsewhere" / shard, src / shard);

  auto c = Checkpoint::open(src);
  ASSERT_TRUE(c.ok());
  bool refused = false;
  for (const Diagnostic& dg : c->diagnostics())
    refused |= dg.error.code == Errc::index_shard_path && dg.error.detail.find("leaves the checkpoint directory") != std::string::npos;
  EXPECT_TRUE(refused);
  EXPECT_TRUE(c->tensors().empty()) << "the linked file was read";

  auto v = run_tool(QKIT_QVALIDATE, {src.string()});
  EXPECT_EQ(v.exit_code, 1) << v.out;
  EXPECT_NE(v.out.find("container.path-escape"), std::string::npos) << v.out;
  auto r = qconvert(src, d / "out", {});
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(d / "out"));

  // A link that stays inside the directory is fine.
  fs::rename(d / "elsewhere" / shard, src / "real.bin");
  fs::remove(src / shard);
  fs::create_symlink("real.bin", src / shard);
  auto ok = Checkpoint::open(src);
  ASSERT_TRUE(ok.ok());
  for (const Diagnostic& dg : ok->diagnostics()) EXPECT_NE(dg.error.code, Errc::index_shard_path);
  EXPECT_FALSE(ok->tensors().empty());
}

TEST(PathSafety, ADirectoryNamedLikeAShardHasNoSize) {
  test::TempDir d;
  const fs::path src = d / "src";
  ASSERT_TRUE(samples::write_sample(src, *samples::find_sample("tiny-qwen-w8a8-msmodelslim")).ok());
  const std::string shard = "quant_model_weights-00002-of-00002.safetensors";
  fs::remove(src / shard);
  fs::create_directories(src / shard);  // the index still names it
  auto c = Checkpoint::open(src);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->shards().size(), 2u);
  EXPECT_EQ(c->shards()[1].name, shard);
  EXPECT_EQ(c->shards()[1].size, 0u) << "was 2^64-1 (file_size's error value)";
  EXPECT_FALSE(c->shards()[1].file);
  auto j = run_tool(QKIT_QINSPECT, {"--json", src.string()});
  EXPECT_EQ(j.out.find("18446744073709551615"), std::string::npos) << j.out;
}

// --- exit codes -------------------------------------------------------------

TEST(ExitCodes, DiskFullIsAFailureOfTheWorkNotAUsageError) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  test::RunOptions o;
  o.file_size_limit = 16 * 1024;  // write(2) fails part-way, as on a full disk
  auto r = run_tool(QKIT_QCONVERT, {"--from", "msmodelslim", "--to", "mindspore", src.string(), (d / "out").string()}, o);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("io-write"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".safetensors"), std::string::npos) << "names the file: " << r.err;
  EXPECT_FALSE(fs::exists(d / "out"));
  EXPECT_TRUE(litter_beside(d / "out").empty()) << ::testing::PrintToString(litter_beside(d / "out"));

  // A report or listing that cannot be written fails too (/dev/full: ENOSPC).
  auto v = run_tool(QKIT_QVALIDATE, {src.string(), "-o", "/dev/full/report.json"});
  EXPECT_EQ(v.exit_code, 1) << v.err;
  EXPECT_NE(v.err.find("report.json"), std::string::npos) << v.err;
  test::RunOptions full;
  full.stdout_path = "/dev/full";
  EXPECT_EQ(run_tool(QKIT_QINSPECT, {src.string()}, full).exit_code, 1);
  EXPECT_EQ(run_tool(QKIT_QVALIDATE, {src.string()}, full).exit_code, 1);
}

TEST(ExitCodes, UsageErrorsAndNonCheckpointsAreTwo) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  EXPECT_EQ(qconvert(d / "missing", d / "out").exit_code, 2);
  fs::create_directories(d / "empty");
  EXPECT_EQ(qconvert(d / "empty", d / "out").exit_code, 2);
  EXPECT_EQ(run_tool(QKIT_QCONVERT, {"--from", "msmodelslim", src.string()}).exit_code, 2);
}

TEST(ExitCodes, ASourceThatShrinksDuringTheCopyNamesTheSource) {
  test::TempDir d;
  const fs::path src = sample_at(d / "src");
  auto c = Checkpoint::open(src);
  ASSERT_TRUE(c.ok());
  auto plan = convert::plan_conversion(*c, convert::ConvertOptions{});
  ASSERT_TRUE(plan.ok());
  const fs::path shard = src / "quant_model_weights-00001-of-00001.safetensors";
  ASSERT_EQ(::truncate(shard.c_str(), 4096), 0);
  Status st = convert::execute_plan(*plan, d / "out", ReplacePolicy::Never);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::io_read) << st.error().to_string();
  EXPECT_EQ(fs::path(st.error().file).filename(), shard.filename()) << st.error().to_string();
  EXPECT_NE(st.error().to_string().find("shrank"), std::string::npos) << st.error().to_string();
  EXPECT_FALSE(fs::exists(d / "out"));
}

}  // namespace
}  // namespace qkit
