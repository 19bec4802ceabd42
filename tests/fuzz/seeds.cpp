//===- tests/fuzz/seeds.cpp - write the seed corpus for the fuzz targets -===//
// usage: qkit-fuzz-seeds OUT_DIR  (writes OUT_DIR/safetensors/* and OUT_DIR/index/*)
#include <filesystem>
#include <iostream>

#include "tests/malformed_files.h"
#include "tests/test_util.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: qkit-fuzz-seeds OUT_DIR\n";
    return 2;
  }
  std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out / "safetensors");
  std::filesystem::create_directories(out / "index");
  for (const auto& f : qkit::test::malformed_files()) qkit::test::write_file(out / "safetensors" / f.id, f.bytes);
  for (const auto& f : qkit::test::edge_files()) qkit::test::write_file(out / "safetensors" / f.id, f.bytes);
  const char* indexes[] = {
      R"({"metadata":{"total_size":16},"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})",
      R"({"metadata":{"total_size":1.0e3,"total_parameters":5},"weight_map":{}})",
      R"({"weight_map":{"a":"../x"},"extra":[1,{"k":null}]})",
  };
  int i = 0;
  for (const char* t : indexes) qkit::test::write_file(out / "index" / ("seed" + std::to_string(i++)), t);
  return 0;
}
