//===- formats/roles.cpp - tensor roles and scheme traits ----------------===//
//
// The table beside the scheme table (formats/scheme_table.cpp) that says
// what each tensor name of a quantized module means
//    (msModelSlim and Golden-Stick use the same suffixes for the same roles;
//    FA3 adapters use fa3_* for the fa_* roles; compressed-tensors names
//    some roles its own way, and a scheme row gives the name its family
//    writes);
// (Each scheme's traits are in its row of formats/scheme_table.cpp.)
//
//===----------------------------------------------------------------------===//
#include <array>

#include "formats/scheme.h"

namespace qkit {
namespace {

struct RoleRow {
  std::string_view suffix;
  Role role;
  std::string_view name;
};
// The first row of a role gives its canonical suffix.
constexpr RoleRow kRoles[] = {
    {"weight", Role::Weight, "weight"},
    {"weight_scale", Role::WeightScale, "weight scale"},
    {"weight_offset", Role::WeightOffset, "weight offset"},
    {"weight_scale_second", Role::WeightScaleSecond, "second-stage weight scale"},
    {"weight_offset_second", Role::WeightOffsetSecond, "second-stage weight offset"},
    {"weight_dual_scale", Role::WeightDualScale, "dual weight scale"},
    {"scale_bias", Role::ScaleBias, "scale bias"},
    {"gmm_bias", Role::GmmBias, "grouped-matmul bias"},
    {"input_scale", Role::InputScale, "input scale"},
    {"input_offset", Role::InputOffset, "input offset"},
    {"quant_bias", Role::QuantBias, "quant bias"},
    {"deq_scale", Role::DeqScale, "deq scale"},
    {"bias", Role::Bias, "bias"},
    {"smooth_scale", Role::SmoothScale, "smooth scale"},
    {"left_trans", Role::TransformLeft, "left transform"},
    {"right_trans", Role::TransformRight, "right transform"},
    {"clip_ratio", Role::ClipRatio, "clip ratio"},
    {"index", Role::SparseIndex, "sparse index"},
    {"info", Role::SparseInfo, "sparse info"},
    {"k_proj.kv_cache_scale", Role::KvKScale, "KV-cache K scale"},
    {"k_proj.kv_cache_offset", Role::KvKOffset, "KV-cache K offset"},
    {"v_proj.kv_cache_scale", Role::KvVScale, "KV-cache V scale"},
    {"v_proj.kv_cache_offset", Role::KvVOffset, "KV-cache V offset"},
    {"fa_q.scale", Role::FaQScale, "FA Q scale"},
    {"fa_q.offset", Role::FaQOffset, "FA Q offset"},
    {"fa_k.scale", Role::FaKScale, "FA K scale"},
    {"fa_k.offset", Role::FaKOffset, "FA K offset"},
    {"fa_v.scale", Role::FaVScale, "FA V scale"},
    {"fa_v.offset", Role::FaVOffset, "FA V offset"},
    {"fa3_q.scale", Role::FaQScale, "FA Q scale"},
    {"fa3_q.offset", Role::FaQOffset, "FA Q offset"},
    {"fa3_k.scale", Role::FaKScale, "FA K scale"},
    {"fa3_k.offset", Role::FaKOffset, "FA K offset"},
    {"fa3_v.scale", Role::FaVScale, "FA V scale"},
    {"fa3_v.offset", Role::FaVOffset, "FA V offset"},
    // compressed-tensors' names for the same roles, and its own
    // (docs/research/compressed-tensors.md §4): a scheme row names the
    // suffix its family writes; these rows say what it means.
    {"weight_packed", Role::Weight, "weight"},
    {"weight_zero_point", Role::WeightOffset, "weight offset"},
    {"input_zero_point", Role::InputOffset, "input offset"},
    {"weight_shape", Role::WeightShape, "unpacked weight shape"},
    {"weight_g_idx", Role::GroupIndex, "group index"},
};

}  // namespace

Role role_of_suffix(std::string_view suffix) {
  for (const RoleRow& r : kRoles)
    if (r.suffix == suffix) return r.role;
  return Role::Unknown;
}

std::string_view suffix_of(Role role) {
  for (const RoleRow& r : kRoles)
    if (r.role == role) return r.suffix;
  return {};
}

bool is_scale_role(Role r) {
  switch (r) {
    case Role::WeightScale: case Role::WeightScaleSecond: case Role::WeightDualScale: case Role::InputScale:
    case Role::DeqScale: case Role::SmoothScale: case Role::KvKScale: case Role::KvVScale: case Role::FaQScale:
    case Role::FaKScale: case Role::FaVScale:
      return true;
    default:
      return false;
  }
}

bool is_offset_role(Role r) {
  switch (r) {
    case Role::WeightOffset: case Role::WeightOffsetSecond: case Role::InputOffset: case Role::KvKOffset:
    case Role::KvVOffset: case Role::FaQOffset: case Role::FaKOffset: case Role::FaVOffset:
      return true;
    default:
      return false;
  }
}

std::string_view role_name(Role role) {
  for (const RoleRow& r : kRoles)
    if (r.role == role) return r.name;
  return "unknown";
}

const TensorRule* Scheme::rule(Role role) const {
  for (const TensorRule& r : tensors)
    if (r.role() == role) return &r;
  return nullptr;
}

std::string_view act_quant_name(ActQuant a) {
  switch (a) {
    case ActQuant::None: return "none";
    case ActQuant::StaticPerTensor: return "static per-tensor";
    case ActQuant::StaticPerChannel: return "static per-channel";
    case ActQuant::DynamicPerToken: return "dynamic per-token";
    case ActQuant::MixedPD: return "mixed (prefill dynamic, decode static)";
    case ActQuant::Other: return "other";
  }
  return "?";
}

}  // namespace qkit
