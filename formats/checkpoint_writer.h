//===- formats/checkpoint_writer.h - write a checkpoint in a layout ------===//
//
// Writes tensors, description, config.json and side files with the file
// names, index and JSON formatting a producer uses for the chosen layout:
//
//   msmodelslim-v1      quant_model_weights[-i-of-N].safetensors + index (indent 2),
//                       quant_model_description.json (indent 4)
//   msmodelslim-v0      quant_model_weight_<t>[-i-of-N].safetensors,
//                       quant_model_description.json (indent 2)
//   msmodelslim-mindie  quant_model_weight_<t>.safetensors,
//                       quant_model_description_<t>.json (indent 2)
//   mindie-sd           quant_model_weight-i-of-N.safetensors + index,
//                       quant_model_description_<t>.json (indent 4)
//   golden-stick        quant-model-i-of-N.safetensors, model.safetensors.index.json
//                       and quantization_description.json (indent 4, UTF-8);
//                       __metadata__ {"format": "ms", "<packed int4>": "Int4"}
//   golden-stick-per-rank  rank_<r>/quant.safetensors + quantization_description.json
//   hf-float            model.safetensors or model-i-of-N + model.safetensors.index.json
//
// The whole directory is built in a locked temporary directory beside the
// destination and swapped into place in one step at the end (output_dir.h):
// an interrupted run leaves the old or the new checkpoint under the final
// name, never a half-written one.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/checkpoint.h"
#include "formats/description.h"
#include "formats/error.h"
#include "formats/safetensors_writer.h"

namespace qkit {

struct OutputTensor {
  TensorSource source;
  std::string tag;        // description value ("" for none)
  bool int4 = false;      // Golden-Stick: mark "Int4" in __metadata__
};

struct CheckpointContent {
  std::vector<OutputTensor> tensors;            // in write (module traversal) order
  nlohmann::ordered_json description;           // the complete description document; null for none
  std::optional<std::string> config_json;       // config.json text, written verbatim
  std::vector<std::filesystem::path> copy_files;  // side files copied byte for byte (tokenizer, *.py, ...)
};

struct LayoutOptions {
  Layout layout = Layout::MsModelSlimV1;
  std::string type_suffix;          // "<t>" for v0 / mindie names: lower-case model_quant_type
  std::uint64_t max_shard_bytes = 4ull << 30;  // both producers' default: 4 GiB
  bool single_file = false;         // unsharded names where the layout has them
  bool replace = false;             // replace an existing destination qkit wrote (its marker lists every file)
  bool replace_foreign = false;     // with replace: replace any existing directory
  bool mark_output = false;         // write the marker (kOutputMarkerName) listing the files written
  // Called with the finished temporary directory before it replaces the
  // destination; an error leaves no destination (qconvert validates and
  // verifies the result here).
  std::function<Status(const std::filesystem::path& written)> before_commit;
};

// The description style the layout's producer uses.
JsonStyle description_style(Layout layout);

// Writes the checkpoint at `dst` atomically. Refuses a non-empty existing
// `dst` unless options.replace (and, for a directory qkit did not write,
// options.replace_foreign).
Status write_checkpoint(const std::filesystem::path& dst, const CheckpointContent& content,
                        const LayoutOptions& options);

}  // namespace qkit
