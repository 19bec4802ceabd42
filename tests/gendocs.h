//===- tests/gendocs.h - markdown pages generated from the code's tables -===//
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace qkit::test {

// (file name under docs/, contents)
std::vector<std::pair<std::string, std::string>> generated_docs();

}  // namespace qkit::test
