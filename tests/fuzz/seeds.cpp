//===- tests/fuzz/seeds.cpp - write the seed corpus for the fuzz targets -===//
// usage: qkit-fuzz-seeds OUT_DIR  (writes OUT_DIR/<target>/* for every fuzz target)
#include <filesystem>
#include <iostream>

#include "samples/catalog.h"
#include "tests/fuzz/dir_archive.h"
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
  // Descriptions, configs and whole directories from the bundled samples.
  for (const char* d : {"description", "config", "checkpoint"}) std::filesystem::create_directories(out / d);
  qkit::test::TempDir tmp;
  for (const auto& s : qkit::samples::sample_catalog()) {
    if (!s.bundled) continue;
    std::filesystem::path dir = tmp / s.name;
    if (!qkit::samples::write_sample(dir, s)) return 1;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      std::string n = e.path().filename().string();
      if (n.find("description") != std::string::npos)
        qkit::test::write_file(out / "description" / s.name, qkit::test::read_file(e.path()));
    }
    qkit::test::write_file(out / "config" / s.name, qkit::test::read_file(dir / "config.json"));
    qkit::test::write_file(out / "checkpoint" / s.name, qkit::fuzz::pack_directory(dir));
  }
  return 0;
}
