//===- tests/docs_test.cpp - generated docs match the code ---------------===//
#include <gtest/gtest.h>

#include "tests/gendocs.h"
#include "tests/test_util.h"

namespace qkit {
namespace {

TEST(Docs, GeneratedPagesAreCurrent) {
  const auto docs = std::filesystem::path(QKIT_SOURCE_DIR) / "docs";
  for (const auto& [name, text] : test::generated_docs())
    EXPECT_TRUE(test::read_file(docs / name) == text)
        << "docs/" << name << " is stale: run `build/tests/qkit-gendocs docs` and commit the result";
}

}  // namespace
}  // namespace qkit
