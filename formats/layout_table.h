//===- formats/layout_table.h - the one table of checkpoint layouts ------===//
//
// What distinguishes the producers' on-disk layouts: file names of shards,
// index and description, the description's JSON style and key order, where
// per-rank weights go, the dtype scales are stored in, config.json keys the
// layout needs, and the name qconvert's --flavour gives it. The reader's
// detection, the writer, the converter and the sample catalog all read this
// table; nothing switches over layouts elsewhere.
//
// Patterns: "<t>" is the lower-case model_quant_type ("w8a8_dynamic"); in a
// pattern "_<t>" disappears when there is no type.
// Sources: ../shared/reference/msmodelslim-format.md §1-2 (savers and their
// names), golden-stick-format.md §1-2.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "formats/description.h"
#include "formats/scheme.h"

namespace qkit {

enum class Layout : std::uint8_t {
  MsModelSlimV1,          // quant_model_weights* + quant_model_description.json with metadata/optional
  MsModelSlimV0,          // quant_model_weight_<t>* + quant_model_description.json with version (legacy ascendV1)
  MsModelSlimMindIE,      // quant_model_weight_<t>* + quant_model_description_<t>.json (legacy MindIE naming)
  MindIeSd,               // quant_model_weight-0000i-of-N (no type) + description without version
  MsModelSlimCompressed,  // W8A8SC / W16A16SC compressed sparse
  GoldenStick,            // quant-model-* + model.safetensors.index.json + quantization_description.json
  GoldenStickPerRank,     // rank_<r>/*.safetensors + quantization_description.json
  HfFloat,                // model.safetensors or model-0000i-of-N + index, no description
  HfForeignQuantized,     // Hugging Face layout with quantization_config.quant_method (fp8, awq, ...)
  CompressedTensors,      // Hugging Face layout, quant_method "compressed-tensors": the recipe in config.json
  SafetensorsFile,        // a single .safetensors file was given
  Unknown,
};

struct LayoutRow {
  Layout layout;
  std::string_view id;                 // "msmodelslim-v1": printed, in JSON, in docs
  std::string_view summary;            // one line for people
  std::optional<Family> family;
  std::string_view flavour;            // qconvert --flavour for it; "" when qconvert does not write it
  // Files.
  std::string_view shard_prefix;       // shards "<prefix>-0000i-of-0000N.safetensors"; "" when not writable
  std::string_view index_name;         // "" when the layout has no index
  std::string_view single_file_name;   // the unsharded name; "" when it has none
  bool always_one_file;                // writes one file whatever its size
  std::string_view weights_dir;        // sub-directory of the weights ("rank_0"), "" for the root
  std::string_view description_name;   // "" when there is no description
  JsonStyle description_style;
  // The description's top-level keys in the producer's order: "tensors"
  // (one entry per tensor), "kvfa" (kv_cache_type/kv_quant_type/
  // fa_quant_type when present), "version", "model_quant_type", "metadata",
  // "optional", "group_size" (always) or "group_size?" (only when > 0).
  std::string_view description_keys;
  bool ms_metadata;                    // MindSpore writer: __metadata__ {"format": "ms"}, "Int4" markers, index indent 4
  bool scales_f32;                     // scales/offsets/biases as F32 (else in the calibration dtype)
  bool config_quantize;                // config.json needs "quantize" = <t> (MindIE reads it)
  std::string_view source;
};

std::span<const LayoutRow> all_layouts();
const LayoutRow& layout_row(Layout l);
const LayoutRow* layout_by_flavour(std::string_view flavour);  // nullptr when none

std::string_view layout_name(Layout l);     // "msmodelslim-v1", ...
std::string_view layout_summary(Layout l);  // one line for people
std::optional<Family> layout_family(Layout l);

// The description document in the layout's key order (description_keys):
// `tensor_tags` in write order, `kvfa` the KV-cache / FA keys (an object,
// possibly empty).
nlohmann::ordered_json build_description(const LayoutRow& layout,
                                         std::span<const std::pair<std::string, std::string>> tensor_tags,
                                         std::string_view model_quant_type, std::uint64_t group_size,
                                         const nlohmann::ordered_json& kvfa);

// A file-name pattern with "<t>" expanded (see above).
std::string expand_layout_name(std::string_view pattern, std::string_view type_suffix);

}  // namespace qkit
