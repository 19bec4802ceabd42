//===- tests/gendocs.cpp - generated reference pages in docs/ ------------===//
//
// usage: qkit-gendocs DOCS_DIR
// Writes the pages that are generated from the code's own tables, so they
// cannot drift from it: error-codes.md (from the error enum) and
// safetensors-conformance.md (from the malformed-file table). A test
// regenerates them and fails when the checked-in copies differ.
//
//===----------------------------------------------------------------------===//
#include <iostream>

#include "tests/gendocs.h"
#include "tests/test_util.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: qkit-gendocs DOCS_DIR\n";
    return 2;
  }
  std::filesystem::path dir = argv[1];
  for (const auto& [name, text] : qkit::test::generated_docs()) {
    auto out = qkit::AtomicFileWriter::create(dir / name);
    if (!out || !out->write(std::string_view(text)) || !out->commit()) {
      std::cerr << "qkit-gendocs: cannot write " << (dir / name).string() << "\n";
      return 1;
    }
    std::cout << (dir / name).string() << "\n";
  }
  return 0;
}
