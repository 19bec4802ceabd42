//===- formats/layout_table.cpp - THE layout table ------------------------===//
#include "formats/layout_table.h"

#include <algorithm>
#include <unordered_map>

namespace qkit {
namespace {

constexpr JsonStyle kIndent2Ascii{2, true, false};
constexpr JsonStyle kIndent4Ascii{4, true, false};
constexpr JsonStyle kIndent4Utf8{4, false, false};  // MindSpore writes UTF-8

constexpr auto MS = Family::MsModelSlim;
constexpr auto GS = Family::GoldenStick;

const LayoutRow kLayouts[] = {
    {Layout::MsModelSlimV1, "msmodelslim-v1", "msModelSlim, current (V1) saver", MS, "v1",
     "quant_model_weights", "quant_model_weights.safetensors.index.json", "quant_model_weights.safetensors", false, "",
     "quant_model_description.json", kIndent4Ascii, "tensors,kvfa,version,model_quant_type,metadata,group_size,optional",
     false, true, false, "msmodelslim-format.md §1 (V1 saver: ascend_v1 json_saver + safetensors saver)"},
    {Layout::MsModelSlimV0, "msmodelslim-v0", "msModelSlim, legacy ascendV1 saver", MS, "v0",
     "quant_model_weight_<t>", "quant_model_weight_<t>.safetensors.index.json", "quant_model_weight_<t>.safetensors", false,
     "", "quant_model_description.json", kIndent2Ascii, "version,model_quant_type,kvfa,group_size?,tensors", false, false,
     false, "msmodelslim-format.md §1 (legacy save_type safe_tensor / ascendV1)"},
    {Layout::MsModelSlimMindIE, "msmodelslim-mindie", "msModelSlim, legacy MindIE (safe_tensor) naming", MS, "mindie",
     "quant_model_weight_<t>", "quant_model_weight_<t>.safetensors.index.json", "quant_model_weight_<t>.safetensors", true,
     "", "quant_model_description_<t>.json", kIndent2Ascii, "model_quant_type,kvfa,group_size?,tensors", false, false, true,
     "msmodelslim-format.md §1 (MindIE <= 2.1 reads quant_model_description_<t>.json and config.json quantize)"},
    {Layout::MindIeSd, "mindie-sd", "msModelSlim MindIE-SD writer", MS, "", "quant_model_weight",
     "quant_model_weight.safetensors.index.json", "quant_model_weight_<t>.safetensors", false, "",
     "quant_model_description_<t>.json", kIndent4Ascii, "model_quant_type,kvfa,tensors", false, false, false,
     "msmodelslim-format.md §1 (MindIE-SD writer never writes group_size)"},
    {Layout::MsModelSlimCompressed, "msmodelslim-compressed", "msModelSlim compressed sparse (W8A8SC/W16A16SC)", MS, "",
     "quant_model_weight_<t>", "quant_model_weight_<t>.safetensors.index.json", "quant_model_weight_<t>.safetensors", true,
     "", "quant_model_description_<t>.json", kIndent2Ascii, "model_quant_type,kvfa,group_size?,tensors", false, false, true,
     "msmodelslim-format.md §1 (compressor output)"},
    {Layout::GoldenStick, "golden-stick", "MindSpore Golden-Stick", GS, "golden-stick", "quant-model",
     "model.safetensors.index.json", "", false, "", "quantization_description.json", kIndent4Utf8, "tensors", true, false,
     false, "golden-stick-format.md §1-2 (ms.save_checkpoint + json.dump(indent=4, ensure_ascii=False))"},
    {Layout::GoldenStickPerRank, "golden-stick-per-rank", "MindSpore Golden-Stick, one directory per rank", GS, "", "",
     "", "quant.safetensors", true, "rank_0", "quantization_description.json", kIndent4Utf8, "tensors", true, false, false,
     "golden-stick-format.md §1 (per-rank save before merging)"},
    {Layout::HfFloat, "hf-float", "Hugging Face float checkpoint", std::nullopt, "", "model",
     "model.safetensors.index.json", "model.safetensors", false, "", "", kIndent4Ascii, "", false, false, false,
     "transformers save_pretrained"},
    {Layout::HfForeignQuantized, "hf-foreign-quantized", "Hugging Face checkpoint quantized by another tool",
     std::nullopt, "", "model", "model.safetensors.index.json", "model.safetensors", false, "", "", kIndent4Ascii, "", false,
     false, false, "transformers save_pretrained with quantization_config"},
    {Layout::CompressedTensors, "compressed-tensors",
     "LLM-Compressor or msModelSlim's compressed-tensors saver: the recipe in config.json", Family::CompressedTensors,
     "compressed-tensors", "model",
     "model.safetensors.index.json", "model.safetensors", false, "", "", kIndent4Ascii, "", false, false, false,
     "compressed-tensors model_compressor.py L769-820; msModelSlim format/compressed_tensors_format (docs/research/"
     "compressed-tensors.md §1, §6)"},
    {Layout::SafetensorsFile, "safetensors-file", "a single safetensors file", std::nullopt, "", "", "", "", true, "", "",
     kIndent4Ascii, "", false, false, false, "safetensors"},
    {Layout::Unknown, "unknown", "not recognised", std::nullopt, "", "", "", "", false, "", "", kIndent4Ascii, "", false,
     false, false, ""},
};

}  // namespace

std::span<const LayoutRow> all_layouts() { return kLayouts; }

const LayoutRow& layout_row(Layout l) {
  for (const LayoutRow& r : kLayouts)
    if (r.layout == l) return r;
  return kLayouts[std::size(kLayouts) - 1];
}

const LayoutRow* layout_by_flavour(std::string_view flavour) {
  if (flavour.empty()) return nullptr;
  for (const LayoutRow& r : kLayouts)
    if (r.flavour == flavour) return &r;
  return nullptr;
}

std::string_view layout_name(Layout l) { return layout_row(l).id; }
std::string_view layout_summary(Layout l) { return layout_row(l).summary; }
std::optional<Family> layout_family(Layout l) { return layout_row(l).family; }

nlohmann::ordered_json build_description(const LayoutRow& layout,
                                         std::span<const std::pair<std::string, std::string>> tensor_tags,
                                         std::string_view model_quant_type, std::uint64_t group_size,
                                         const nlohmann::ordered_json& kvfa) {
  nlohmann::ordered_json d = nlohmann::ordered_json::object();
  // ordered_json's operator[] finds a key by linear scan: O(n^2) for a
  // 140,000-tensor description (10 s of qconvert --dry-run). ordered_map is
  // a std::vector of pairs, so members are appended and found through a
  // hash index; a key set twice keeps its first position and takes the last
  // value, as operator[] does.
  auto& obj = d.get_ref<nlohmann::ordered_json::object_t&>();
  // The index holds views of the stored keys, so the vector must never
  // reallocate (moving a short string moves its characters): room for every
  // member that can be set.
  obj.reserve(tensor_tags.size() + kvfa.size() +
              static_cast<std::size_t>(std::count(layout.description_keys.begin(), layout.description_keys.end(), ',')) + 1);
  std::unordered_map<std::string_view, std::size_t> at;
  at.reserve(obj.capacity());
  auto set = [&](std::string_view key, nlohmann::ordered_json v) {
    if (auto it = at.find(key); it != at.end()) {
      (obj.begin() + static_cast<std::ptrdiff_t>(it->second))->second = std::move(v);
      return;
    }
    obj.emplace_back(std::string(key), std::move(v));
    at.emplace(obj.back().first, obj.size() - 1);
  };
  std::string_view keys = layout.description_keys;
  while (!keys.empty()) {
    const std::size_t comma = keys.find(',');
    const std::string_view key = keys.substr(0, comma);
    keys = comma == std::string_view::npos ? std::string_view() : keys.substr(comma + 1);
    if (key == "tensors") {
      for (const auto& [name, tag] : tensor_tags) set(name, tag);
    } else if (key == "kvfa") {
      for (const auto& [k, v] : kvfa.items()) set(k, v);
    } else if (key == "version") {
      set("version", "1.0.0");
    } else if (key == "model_quant_type") {
      set("model_quant_type", std::string(model_quant_type));
    } else if (key == "metadata" || key == "optional") {
      set(key, nlohmann::ordered_json::object());
    } else if (key == "group_size" || (key == "group_size?" && group_size > 0)) {
      set("group_size", group_size);
    }
  }
  return d;
}

std::string expand_layout_name(std::string_view pattern, std::string_view type_suffix) {
  std::string out(pattern);
  const std::string_view token = type_suffix.empty() ? "_<t>" : "<t>";
  if (auto pos = out.find(token); pos != std::string::npos) out.replace(pos, token.size(), type_suffix);
  return out;
}

}  // namespace qkit
