//===- formats/quant_type.cpp --------------------------------------------===//
#include "formats/quant_type.h"

#include <array>
#include <string>
#include <vector>

namespace qkit {
namespace {

using S = QuantScope;
constexpr std::array kTypes = {
    QuantTypeInfo{QuantType::FLOAT, "FLOAT", "-", S::None, 0, true, true, "not quantized"},
    QuantTypeInfo{QuantType::W8A8, "W8A8", "8s", S::Linear, 8, true, true,
                  "int8 weights per channel, static per-tensor int8 activations"},
    QuantTypeInfo{QuantType::W8A8_MIX, "W8A8_MIX", "8m", S::Linear, 8, true, false,
                  "PDMIX: W8A8 static for decode plus per-token dynamic for prefill"},
    QuantTypeInfo{QuantType::W8A8_DYNAMIC, "W8A8_DYNAMIC", "8d", S::Linear, 8, true, true,
                  "int8 weights, per-token dynamic int8 activations"},
    QuantTypeInfo{QuantType::W8A16, "W8A16", "8w", S::Linear, 8, true, true, "int8 weight-only"},
    QuantTypeInfo{QuantType::W4A16, "W4A16", "4w", S::Linear, 4, true, true, "int4 weight-only"},
    QuantTypeInfo{QuantType::W4A8_DYNAMIC, "W4A8_DYNAMIC", "4d", S::Linear, 4, true, true,
                  "int4 weights, per-token dynamic int8 activations"},
    QuantTypeInfo{QuantType::W4A4_DYNAMIC, "W4A4_DYNAMIC", "44", S::Linear, 4, true, false,
                  "int4 weights (stored unpacked), per-token dynamic int4 activations"},
    QuantTypeInfo{QuantType::W4A4_FLATQUANT_DYNAMIC, "W4A4_FLATQUANT_DYNAMIC", "4f", S::Linear, 4, true, false,
                  "W4A4 dynamic with FlatQuant affine transforms"},
    QuantTypeInfo{QuantType::W8A8S, "W8A8S", "8S", S::Linear, 8, true, false, "sparse W8A8 (before compression)"},
    QuantTypeInfo{QuantType::W8A8SC, "W8A8SC", "8C", S::Linear, 8, true, false, "compressed sparse W8A8"},
    QuantTypeInfo{QuantType::W16A16S, "W16A16S", "16S", S::Linear, 16, true, false, "sparse float weights"},
    QuantTypeInfo{QuantType::W16A16SC, "W16A16SC", "16C", S::Linear, 16, true, false, "compressed sparse float weights"},
    QuantTypeInfo{QuantType::WFP8AFP8_DYNAMIC, "WFP8AFP8_DYNAMIC", "f8", S::Linear, 8, true, false,
                  "FP8 E4M3 weights, per-token dynamic FP8 activations"},
    QuantTypeInfo{QuantType::W8A8_MXFP8, "W8A8_MXFP8", "m8", S::Linear, 8, true, false,
                  "MX FP8 weights and activations, E8M0 scales per 32 inputs"},
    QuantTypeInfo{QuantType::W4A8_MXFP, "W4A8_MXFP", "m48", S::Linear, 4, true, false,
                  "MX FP4 weights, MX FP8 activations"},
    QuantTypeInfo{QuantType::W4A4_MXFP4, "W4A4_MXFP4", "m4", S::Linear, 4, true, false,
                  "MX FP4 weights and activations"},
    QuantTypeInfo{QuantType::W4A4_MXFP4_DUALSCALE, "W4A4_MXFP4_DUALSCALE", "m4d", S::Linear, 4, true, false,
                  "MX FP4 with a second float scale per block"},
    QuantTypeInfo{QuantType::NF4, "NF4", "nf", S::Linear, 4, true, false, "NormalFloat4 (legacy; not validated)"},
    QuantTypeInfo{QuantType::W8A8_TIMESTEP, "W8A8_TIMESTEP", "8t", S::Linear, 8, true, false,
                  "diffusion timestep W8A8 (legacy; not validated)"},
    QuantTypeInfo{QuantType::C8, "C8", "c8", S::Attention, 8, true, true, "KV cache int8, per-channel scales"},
    QuantTypeInfo{QuantType::FAQuant, "FAQuant", "fa", S::Attention, 8, true, true,
                  "FlashAttention q/k/v quantization parameters"},
    QuantTypeInfo{QuantType::UNKNOWN, "UNKNOWN", "", S::None, 0, true, true, "placeholder some writers emit"},
};

constexpr bool ordered() {
  for (std::size_t i = 0; i < kTypes.size(); ++i)
    if (static_cast<std::size_t>(kTypes[i].type) != i) return false;
  return true;
}
static_assert(ordered(), "kTypes must follow the QuantType enum order");


}  // namespace

const QuantTypeInfo& quant_type_info(QuantType t) { return kTypes[static_cast<std::size_t>(t)]; }
std::string_view quant_type_name(QuantType t) { return quant_type_info(t).name; }
std::span<const QuantTypeInfo> all_quant_types() { return kTypes; }

std::optional<ParsedQuantType> parse_quant_type(std::string_view s) {
  for (const auto& i : kTypes)
    if (i.name == s) return ParsedQuantType{i.type};
  // V1 renames: <X>_DYNAMIC -> <X>_FLATQUANT_DYNAMIC / <X>_SVD_DYNAMIC, else
  // <T>_FLATQUANT / <T>_SVD.
  struct Rule {
    std::string_view suffix, replacement;
    QuantModifier mod;
  } rules[] = {{"_FLATQUANT_DYNAMIC", "_DYNAMIC", QuantModifier::FlatQuant},
               {"_SVD_DYNAMIC", "_DYNAMIC", QuantModifier::Svd},
               {"_FLATQUANT", "", QuantModifier::FlatQuant},
               {"_SVD", "", QuantModifier::Svd}};
  for (const auto& r : rules) {
    if (s.size() <= r.suffix.size() || !s.ends_with(r.suffix)) continue;
    std::string base(s.substr(0, s.size() - r.suffix.size()));
    base += r.replacement;
    for (const auto& i : kTypes)
      if (i.name == base) return ParsedQuantType{i.type, r.mod};
  }
  return std::nullopt;
}

// Ascend/msmodelslim msmodelslim/core/.../save/ascendv1.py@3de0a3c4e965
// L576-625 (update_fa_quant_type; DTYPE_PREFIX_MAP L148-152) and its tests
// test/cases/core/quant_service/modelslim_v1/save/test_ascendv1.py
// L307-350 ("Q_FP8", "Q_INT8_DYNAMIC", "FP8", "QV_INT8_K_FP8"). Before
// dfbca739c40a (2026-06-05) the value was a bare "INT8_DYNAMIC" or
// "FP8_DYNAMIC", which this grammar also accepts.
std::string attention_quant_type_problem(std::string_view s) {
  if (s.empty()) return "empty";
  std::vector<std::string_view> tok;
  for (std::size_t b = 0;;) {
    auto e = s.find('_', b);
    tok.push_back(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  auto is_dt = [](std::string_view t) { return t == "INT8" || t == "FP8" || t == "MXFP4" || t == "MXFP8"; };
  auto is_acts = [](std::string_view t) {
    if (t.empty()) return false;
    std::size_t pos = 0;
    for (char c : t) {
      auto p = std::string_view("QKVP").find(c, pos);
      if (p == std::string_view::npos) return false;  // unknown letter, repeated or out of order
      pos = p + 1;
    }
    return true;
  };
  std::string seen;
  bool bare = false;
  std::size_t i = 0;
  while (i < tok.size()) {
    std::string_view acts;
    if (is_acts(tok[i])) {
      acts = tok[i++];
      if (acts == "QKV") return "the group 'QKV_' is written without its letters";
    }
    if (i >= tok.size() || !is_dt(tok[i]))
      return "expected INT8, FP8, MXFP4 or MXFP8 at '" + std::string(i < tok.size() ? tok[i] : "") + "'";
    std::string_view dt = tok[i++];
    bool dynamic = i < tok.size() && tok[i] == "DYNAMIC";
    if (dynamic) ++i;
    if ((dt == "MXFP4" || dt == "MXFP8") && !dynamic) return std::string(dt) + " is always dynamic";
    std::string letters = acts.empty() ? "QKV" : std::string(acts);
    if (acts.empty()) {
      if (bare) return "two groups without letters";
      bare = true;
    }
    for (char c : letters) {
      if (seen.find(c) != std::string::npos) return std::string("'") + c + "' appears in two groups";
      seen += c;
    }
  }
  return {};
}

}  // namespace qkit
