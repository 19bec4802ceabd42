//===- tests/fuzz/dir_archive.h - a checkpoint directory as one byte string -
//
// The whole-directory fuzz target reads its input as records
//   [1 byte: file name index][4 bytes LE: length][length bytes]
// over a fixed list of the file names checkpoints use, so the fuzzer can
// mutate descriptions, indexes, configs and shards together.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace qkit::fuzz {

inline const std::vector<std::string>& archive_names() {
  static const std::vector<std::string> names = {
      "config.json",
      "quant_model_description.json",
      "quantization_description.json",
      "quant_model_weights.safetensors.index.json",
      "model.safetensors.index.json",
      "quant_model_weights-00001-of-00002.safetensors",
      "quant_model_weights-00002-of-00002.safetensors",
      "quant_model_weights-00001-of-00001.safetensors",
      "quant-model-00001-of-00001.safetensors",
      "model.safetensors",
      "quant_model_description_w8a8.json",
      "quant_model_weight_w8a8_mix.safetensors",
  };
  return names;
}

// Packs the files of `dir` whose names are in the list.
std::string pack_directory(const std::filesystem::path& dir);
// Writes the records into `dir` (which must exist and be empty).
void unpack_to(const std::uint8_t* data, std::size_t size, const std::filesystem::path& dir);

}  // namespace qkit::fuzz
