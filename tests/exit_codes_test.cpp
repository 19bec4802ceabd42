//===- tests/exit_codes_test.cpp - the README's exit-code table holds -----===//
//
// Issue #16: the exit-code table in the README holds for every tool on the
// same inputs. The expected codes are read from the README's table (the
// user-facing promise); the inputs are built here by hand, one builder per
// row label; a row without a builder, or a builder without a row, fails.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "samples/catalog.h"
#include "tests/test_util.h"
#include "tests/tool_runner.h"

namespace qkit {
namespace {

namespace fs = std::filesystem;

struct Row {
  std::string input;
  std::vector<int> codes;  // qinspect, qvalidate, qconvert
};

std::vector<Row> readme_table() {
  const std::string readme = test::read_file(fs::path(QKIT_SOURCE_DIR) / "README.md");
  const auto begin = readme.find("<!-- exit-code-table");
  const auto end = readme.find("<!-- end of exit-code-table -->");
  EXPECT_NE(begin, std::string::npos);
  EXPECT_NE(end, std::string::npos);
  std::vector<Row> rows;
  if (begin == std::string::npos || end == std::string::npos) return rows;
  std::istringstream lines(readme.substr(begin, end - begin));
  std::string line;
  std::getline(lines, line);  // the marker
  std::getline(lines, line);  // header
  std::getline(lines, line);  // |---|
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '|') continue;
    std::vector<std::string> cells;
    std::size_t p = 1;
    for (std::size_t q; (q = line.find('|', p)) != std::string::npos; p = q + 1) {
      std::string cell = line.substr(p, q - p);
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
    }
    EXPECT_EQ(cells.size(), 4u) << line;
    if (cells.size() != 4) continue;
    Row r{cells[0], {}};
    for (std::size_t i = 1; i < 4; ++i) r.codes.push_back(std::stoi(cells[i]));  // "1: why" -> 1
    rows.push_back(std::move(r));
  }
  return rows;
}

// Builds the input a row names under `d`; returns the PATH argument
// (empty: no PATH at all).
using Builder = std::function<std::string(const fs::path& d)>;

std::string sample(const fs::path& d, const std::string& name) {
  EXPECT_TRUE(samples::write_sample(d / "ckpt", *samples::find_sample(name)).ok());
  return (d / "ckpt").string();
}

const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> b = {
      {"a good checkpoint directory", [](const fs::path& d) { return sample(d, "tiny-qwen-w8a8-msmodelslim"); }},
      {"a good single .safetensors file (float weights)",
       [](const fs::path& d) {
         sample(d, "tiny-llama-float");
         return (d / "ckpt" / "model.safetensors").string();
       }},
      {"a directory with one corrupt shard",
       [](const fs::path& d) {
         const std::string dir = sample(d, "tiny-qwen-w8a8-msmodelslim");
         const fs::path shard = fs::path(dir) / "quant_model_weights-00001-of-00002.safetensors";
         std::string bytes = test::read_file(shard);
         bytes.replace(0, 8, "XXXXXXXX");  // a header length of 6.4e18
         test::write_file(shard, bytes);
         return dir;
       }},
      {"a corrupt .safetensors file",
       [](const fs::path& d) {
         fs::create_directories(d / "in");
         test::write_file(d / "in" / "model.safetensors", test::le64(64) + "{\"a\":");  // header cut short
         return (d / "in" / "model.safetensors").string();
       }},
      {"an empty directory",
       [](const fs::path& d) {
         fs::create_directories(d / "empty");
         return (d / "empty").string();
       }},
      {"a path that does not exist", [](const fs::path& d) { return (d / "no-such-checkpoint").string(); }},
      {"a file that is not safetensors",
       [](const fs::path& d) {
         fs::create_directories(d / "in");
         test::write_file(d / "in" / "notes.txt", "not weights\n");
         return (d / "in" / "notes.txt").string();
       }},
      {"no PATH at all", [](const fs::path&) { return std::string(); }},
  };
  return b;
}

TEST(ExitCodes, TheReadmeTableHoldsForEveryToolOnTheSameInputs) {
  const std::vector<Row> rows = readme_table();
  ASSERT_EQ(rows.size(), builders().size()) << "one README row per input this test builds";
  for (const Row& row : rows) {
    auto b = builders().find(row.input);
    ASSERT_NE(b, builders().end()) << "no builder for README row '" << row.input << "'";
    test::TempDir d;
    const std::string path = b->second(d.path());
    const std::string out = (d / "out").string();
    std::vector<std::vector<std::string>> argv = {{}, {}, {"--from", "auto", "--to", "mindspore"}};
    if (!path.empty()) {
      for (auto& a : argv) a.push_back(path);
      argv[2].push_back(out);
    }
    const char* tools[] = {QKIT_QINSPECT, QKIT_QVALIDATE, QKIT_QCONVERT};
    for (std::size_t t = 0; t < 3; ++t) {
      auto r = test::run_tool(tools[t], argv[t]);
      EXPECT_EQ(r.exit_code, row.codes[t]) << fs::path(tools[t]).filename().string() << " on " << row.input << ":\n"
                                           << r.out << r.err;
      // Every exit 2 says why on stderr in one line, and exit 1 reports.
      if (r.exit_code == 2) {
        EXPECT_FALSE(r.err.empty()) << row.input;
      }
    }
  }
}

}  // namespace
}  // namespace qkit
