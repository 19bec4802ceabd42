//===- formats/quant_type.h - quantization type strings ------------------===//
//
// The per-tensor type strings of both families' description files, with
// what each means. msModelSlim's V1 writer also derives names by suffix
// (<T>_FLATQUANT, <X>_FLATQUANT_DYNAMIC, <T>_SVD, <X>_SVD_DYNAMIC); those
// parse to their base type with a modifier.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace qkit {

enum class QuantType : std::uint8_t {
  FLOAT,
  W8A8,
  W8A8_MIX,
  W8A8_DYNAMIC,
  W8A16,
  W4A16,
  W4A8_DYNAMIC,
  W4A4_DYNAMIC,
  W4A4_FLATQUANT_DYNAMIC,
  W8A8S,
  W8A8SC,
  W16A16S,
  W16A16SC,
  WFP8AFP8_DYNAMIC,
  W8A8_MXFP8,
  W4A8_MXFP,
  W4A4_MXFP4,
  W4A4_MXFP4_DUALSCALE,
  NF4,
  W8A8_TIMESTEP,
  C8,       // KV-cache int8 (per-channel k/v scales)
  FAQuant,  // FlashAttention q/k/v quantization tensors
  UNKNOWN,  // the literal "UNKNOWN" some writers use
};

enum class QuantScope : std::uint8_t {
  None,       // FLOAT / UNKNOWN
  Linear,     // tensors hang off a linear layer prefix: P.weight, P.weight_scale, ...
  Attention,  // tensors hang off an attention prefix: A.fa_q.scale, A.k_proj.kv_cache_scale, ...
};

enum class QuantModifier : std::uint8_t { None, FlatQuant, Svd };

struct QuantTypeInfo {
  QuantType type;
  std::string_view name;
  std::string_view layer_map_code;  // qinspect's layer map cell ("8d"); "" when never shown
  QuantScope scope;
  unsigned weight_bits;       // 0 when not applicable
  bool in_msmodelslim;        // msModelSlim writes it
  bool in_golden_stick;       // Golden-Stick writes it
  std::string_view summary;
};

const QuantTypeInfo& quant_type_info(QuantType t);
std::string_view quant_type_name(QuantType t);
std::span<const QuantTypeInfo> all_quant_types();

struct ParsedQuantType {
  QuantType type;
  QuantModifier modifier = QuantModifier::None;
};
// Exact, case-sensitive; nullopt for strings neither family writes.
std::optional<ParsedQuantType> parse_quant_type(std::string_view s);

// A per-layer attention quant_type value ("<attn>.quant_type" or
// "<attn>.indexer.quant_type" in the description), as msModelSlim's V1 saver
// composes it: groups "[ACTS_]DT[_DYNAMIC]" joined by "_", ACTS an ordered
// subset of QKVP (left out when it is exactly QKV), DT INT8, FP8, MXFP4 (or
// MXFP8 from the MindIE saver); MX types are always dynamic; every letter
// in one group only. Empty when valid, else why not.
std::string attention_quant_type_problem(std::string_view s);

}  // namespace qkit
