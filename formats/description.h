//===- formats/description.h - quantization description files ------------===//
//
// msModelSlim: quant_model_description[_<t>].json, a flat object mapping
// tensor names to quant-type strings, plus reserved top-level keys
// (model_quant_type, version, group_size, metadata, optional, kv_cache_type,
// kv_quant_type, fa_quant_type, reduce_quant_type, indexer_quant_type,
// <attention>.quant_type, ...) and keys example scripts add (w_bit,
// is_dynamic, ... with int/bool/null/string values). Unknown keys are kept.
//
// Golden-Stick: quantization_description.json, a flat object with exactly
// one entry per saved tensor and no reserved keys.
//
// The JSON document is kept as read (key order included); the typed fields
// are a view of it. Writing re-serialises the document in a JsonStyle, and
// with the style detected from the input the bytes come out identical for
// files written by Python's json.dump.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/error.h"
#include "formats/flat_string_map.h"

namespace qkit {

// How a JSON side file is formatted (what Python's json.dump parameters were).
struct JsonStyle {
  int indent = 4;                // spaces; 0 = compact one-line
  bool ensure_ascii = true;      // Python's default: non-ASCII as \uXXXX
  bool trailing_newline = false; // json.dump writes none
  bool operator==(const JsonStyle&) const = default;
};

// Infers indent, ensure_ascii and the trailing newline from a document's text.
JsonStyle detect_json_style(std::string_view text);
// Serialises like Python's json.dump(obj, indent=..., ensure_ascii=...).
std::string serialize_json(const nlohmann::ordered_json& j, const JsonStyle& style);

// tensor -> type string, sorted by tensor; looked up by string_view.
using TensorTypes = FlatStringMap;

struct MsDescription {
  // The file, as read. Checkpoint::open reads only the typed view below
  // (parse_ms_description_typed) and doc is null there: nothing reads it,
  // and for a 180,000-tensor description the DOM is some 25 MB of the peak
  // RSS (issue #15).
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  JsonStyle style;

  // Typed view of the reserved keys (absent when the key is absent).
  std::optional<std::string> model_quant_type;
  std::optional<std::string> version;
  std::optional<std::int64_t> group_size;
  bool has_metadata = false;          // V1 writes "metadata": {...}
  bool has_optional = false;          // V1 writes "optional": {...}
  std::optional<std::string> kv_cache_type, kv_quant_type, fa_quant_type, reduce_quant_type, indexer_quant_type;
  bool kv_quant_type_null = false, fa_quant_type_null = false;  // scripts write null

  TensorTypes tensor_types;                              // tensor -> type string
  std::map<std::string, std::string> layer_quant_types;  // "<attention>.quant_type" -> FA3 strategy
  std::vector<std::string> extra_keys;                   // other top-level keys (script-added, unknown)
  std::vector<Error> warnings;                           // reserved keys of the wrong type, ...

  // The reserved top-level keys qkit knows (for docs and checks).
  static const std::vector<std::string_view>& reserved_keys();
};

struct GsDescription {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();  // null in a Checkpoint (see MsDescription::doc)
  JsonStyle style{4, false, false};                      // Golden-Stick: indent 4, ensure_ascii False
  TensorTypes tensor_types;
  std::vector<Error> warnings;                           // non-string values, ...
};

// Builds the typed view from a document.
MsDescription ms_description_from_json(nlohmann::ordered_json doc, const std::string& file);
GsDescription gs_description_from_json(nlohmann::ordered_json doc, const std::string& file);

Result<MsDescription> parse_ms_description(std::string_view text, const std::string& file);
Result<GsDescription> parse_gs_description(std::string_view text, const std::string& file);
Result<MsDescription> read_ms_description(const std::filesystem::path& path);
Result<GsDescription> read_gs_description(const std::filesystem::path& path);
// The typed view only, with doc null: the tensor entries are parsed
// straight into tensor_types, never into a DOM (what Checkpoint::open
// reads). Every other field, warning and error is as above.
// `names`: where the tensor names are interned (a checkpoint's table,
// shared with its shard headers and index); a table of their own if null.
Result<MsDescription> parse_ms_description_typed(std::string_view text, const std::string& file,
                                                 std::shared_ptr<NameTable> names = nullptr);
Result<GsDescription> parse_gs_description_typed(std::string_view text, const std::string& file,
                                                 std::shared_ptr<NameTable> names = nullptr);
Result<MsDescription> read_ms_description_typed(const std::filesystem::path& path,
                                                std::shared_ptr<NameTable> names = nullptr);
Result<GsDescription> read_gs_description_typed(const std::filesystem::path& path,
                                                std::shared_ptr<NameTable> names = nullptr);

// Writes doc in its style, atomically.
Status write_description(const std::filesystem::path& path, const nlohmann::ordered_json& doc,
                         const JsonStyle& style);

// "quant_model_description.json" / "quant_model_description_w8a8.json" /
// "quantization_description.json" recognisers.
bool is_ms_description_name(std::string_view file_name);
// The "<t>" of quant_model_description_<t>.json ("" when none).
std::string ms_description_type_suffix(std::string_view file_name);
inline constexpr std::string_view kGsDescriptionName = "quantization_description.json";
inline constexpr std::string_view kMsDescriptionName = "quant_model_description.json";

}  // namespace qkit
