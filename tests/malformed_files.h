//===- tests/malformed_files.h - handcrafted broken safetensors files ----===//
//
// One deliberately broken file per failure mode, each with the error qkit
// must report and the error the reference implementation (huggingface/
// safetensors, tensor.rs) reports for the same bytes, so the two can be
// compared file by file (see docs/safetensors-conformance.md).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "formats/error.h"

namespace qkit::test {

struct MalformedFile {
  std::string id;             // stable, used as the test name and file name
  std::string what;           // the failure mode, in words
  std::string bytes;          // the whole file
  Errc expected;              // qkit's verdict
  std::string reference;      // upstream SafeTensorError variant, or "accepted"
  std::string tensor;         // tensor the error must name ("" if none)
  std::optional<std::uint64_t> offset;  // byte offset the error must carry
};

std::vector<MalformedFile> malformed_files();

// Well-formed edge cases the reference accepts; qkit must accept them too.
struct EdgeFile {
  std::string id;
  std::string what;
  std::string bytes;
  std::size_t tensors;        // expected tensor count
};
std::vector<EdgeFile> edge_files();

}  // namespace qkit::test

namespace qkit::test {
// gtest prints parameters with these (instead of a byte dump).
inline void PrintTo(const MalformedFile& f, std::ostream* os) { *os << f.id; }
inline void PrintTo(const EdgeFile& f, std::ostream* os) { *os << f.id; }
}  // namespace qkit::test
