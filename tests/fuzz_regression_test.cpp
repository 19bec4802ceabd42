//===- tests/fuzz_regression_test.cpp - replay every input a fuzzer crashed on
//
// tests/fuzz/regressions/<target>-<what> holds each input that once crashed
// a fuzz target (found by scripts/fuzz.sh). Every one must now run through
// its target cleanly; under QKIT_SANITIZE=ON this also rechecks the
// undefined behaviour that was found.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include "tests/fuzz/targets.h"
#include "tests/test_util.h"

namespace qkit {
namespace {

TEST(FuzzRegressions, EveryCrashInputRunsClean) {
  const auto dir = std::filesystem::path(QKIT_SOURCE_DIR) / "tests" / "fuzz" / "regressions";
  std::size_t replayed = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const std::string target = name.substr(0, name.find('-'));
    const std::string bytes = test::read_file(e.path());
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
    if (target == "safetensors") fuzz::run_safetensors(data, bytes.size());
    else if (target == "index") fuzz::run_index(data, bytes.size());
    else if (target == "description") fuzz::run_description(data, bytes.size());
    else if (target == "config") fuzz::run_config(data, bytes.size());
    else if (target == "checkpoint") fuzz::run_checkpoint(data, bytes.size());
    else if (target == "convert") fuzz::run_convert(data, bytes.size());
    else if (target == "validate") fuzz::run_validate(data, bytes.size());
    else ADD_FAILURE() << name << ": unknown target '" << target << "'";
    ++replayed;
  }
  EXPECT_GT(replayed, 0u);
}

}  // namespace
}  // namespace qkit
