//===- tests/fuzz/seeds.cpp - write the seed corpus for the fuzz targets -===//
// usage: qkit-fuzz-seeds OUT_DIR  (writes OUT_DIR/<target>/* for every fuzz target)
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "samples/catalog.h"
#include "tests/fuzz/dir_archive.h"
#include "tests/malformed_files.h"
#include "tests/test_util.h"

namespace {

// One layer, hidden and intermediate 32, vocabulary 8: every tensor kind the
// entry has, in a tenth of the bytes. Group sizes stay divisors of 32.
void shrink(qkit::samples::SampleSpec& s) {
  s.name = "small-" + s.name;
  s.model.layers = 1;
  s.model.hidden = 32;
  s.model.intermediate = 32;
  s.model.heads = 2;
  s.model.kv_heads = 1;
  s.model.vocab = 8;
  s.model.moe_intermediate = 32;
  if (s.group_size > 32) s.group_size = 32;
}

// How many of the directory's files the archive format carries.
int archived_files(const std::filesystem::path& dir) {
  int n = 0;
  for (const auto& name : qkit::fuzz::archive_names()) n += std::filesystem::exists(dir / name);
  return n;
}

}  // namespace

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
  // Descriptions, configs and whole directories: the bundled samples as they
  // are, and every catalog entry shrunk to one narrow layer ("small-<name>",
  // a few KB), so campaigns mostly mutate inputs that run fast and stay small.
  for (const char* d : {"description", "config", "checkpoint", "convert", "validate"})
    std::filesystem::create_directories(out / d);
  qkit::test::TempDir tmp;
  for (const auto& entry : qkit::samples::sample_catalog()) {
    for (bool small : {false, true}) {
      if (!small && !entry.bundled) continue;
      qkit::samples::SampleSpec s = entry;
      if (small) shrink(s);
      std::filesystem::path dir = tmp / s.name;
      if (!qkit::samples::write_sample(dir, s)) {
        std::cerr << "qkit-fuzz-seeds: cannot write " << s.name << "\n";
        return 1;
      }
      if (small && s.max_shard_bytes) {
        // Two shards, the most the archive's file names hold.
        std::uintmax_t bytes = 0;
        for (const auto& e : std::filesystem::directory_iterator(dir))
          if (e.path().extension() == ".safetensors") bytes += e.file_size();
        s.max_shard_bytes = bytes / 2 + 1024;
        if (!qkit::samples::write_sample(dir, s)) return 1;
      }
      for (const auto& e : std::filesystem::directory_iterator(dir)) {
        std::string n = e.path().filename().string();
        if (n.find("description") != std::string::npos)
          qkit::test::write_file(out / "description" / s.name, qkit::test::read_file(e.path()));
      }
      qkit::test::write_file(out / "config" / s.name, qkit::test::read_file(dir / "config.json"));
      // Layouts whose file names are not in the archive's list would give
      // config.json alone.
      if (archived_files(dir) < 2) continue;
      const std::string packed = qkit::fuzz::pack_directory(dir);
      qkit::test::write_file(out / "checkpoint" / s.name, packed);
      qkit::test::write_file(out / "validate" / s.name, packed);
      // fuzz_convert's first byte holds options (tests/fuzz/targets.cpp): the
      // defaults; lossy + 32 KiB shards + progress; lossy + the family's 2nd
      // output layout (msModelSlim v0) + keep config; lossy + its 3rd (MindIE).
      for (int opt : {0x00, 0x31, 0x0d, 0x07}) {
        if (!small && (opt == 0x0d || opt == 0x07)) continue;  // the bundled ones are slow to run
        char hex[8];
        std::snprintf(hex, sizeof hex, "%02x", opt);
        qkit::test::write_file(out / "convert" / (s.name + "-" + hex), static_cast<char>(opt) + packed);
      }
    }
  }
  return 0;
}
