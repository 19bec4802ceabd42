//===- formats/roles.cpp - tensor roles and scheme traits ----------------===//
//
// Two small tables beside the scheme table (formats/scheme_table.cpp):
//  * suffix -> role: what each tensor name of a quantized module means
//    (both families use the same suffixes for the same roles; FA3 adapters
//    use fa3_* for the fa_* roles);
//  * scheme -> traits: how each scheme quantizes activations and weights and
//    which dequantization formula its runtimes apply. Sources as in the
//    scheme table: ../shared/reference/msmodelslim-format.md §3-4,
//    golden-stick-format.md §4-5, consumers.md §1.5.
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
};

using A = ActQuant;
using G = WeightGrouping;
using F = DequantFormula;
using QB = QuantBiasConvention;
using D = DeqScaleEncoding;
struct TraitsRow {
  SchemeId id;
  SchemeTraits traits;
};
constexpr TraitsRow kTraits[] = {
    {SchemeId::MsFloat, {A::None, G::None, F::Float, QB::None, D::None}},
    {SchemeId::MsW8A8, {A::StaticPerTensor, G::PerChannel, F::DeqScale, QB::MsFoldsBiasAndOffset, D::F32OrI64Bits}},
    {SchemeId::MsW8A8Mix, {A::MixedPD, G::PerChannel, F::DeqScale, QB::MsFoldsBiasAndOffset, D::F32OrI64Bits}},
    {SchemeId::MsW8A8Dynamic, {A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW8A8DynamicPerGroup, {A::DynamicPerToken, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW8A16, {A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW8A16PerGroup, {A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW4A16PerChannel, {A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW4A16PerGroup, {A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW4A16Unpacked, {A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW4A8Dynamic, {A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW4A8DynamicTwoStage, {A::DynamicPerToken, G::TwoStage, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW4A4Dynamic, {A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW4A4FlatQuantDynamic, {A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::MsW8A8S, {A::StaticPerTensor, G::PerChannel, F::DeqScale, QB::MsFoldsBiasAndOffset, D::F32OrI64Bits}},
    {SchemeId::MsW8A8SC, {A::StaticPerTensor, G::PerChannel, F::Other, QB::MsFoldsBiasAndOffset, D::F32OrI64Bits}},
    {SchemeId::MsW16A16S, {A::None, G::None, F::Float, QB::None, D::None}},
    {SchemeId::MsW16A16SC, {A::None, G::None, F::Other, QB::None, D::None}},
    {SchemeId::MsWfp8Afp8Dynamic, {A::DynamicPerToken, G::PerChannel, F::Fp8Scale, QB::None, D::None}},
    {SchemeId::MsW8A8Mxfp8, {A::DynamicPerToken, G::Block, F::MxBlock, QB::None, D::None}},
    {SchemeId::MsW4A8Mxfp, {A::DynamicPerToken, G::Block, F::MxBlock, QB::None, D::None}},
    {SchemeId::MsW4A4Mxfp4, {A::DynamicPerToken, G::Block, F::MxBlock, QB::None, D::None}},
    {SchemeId::MsW4A4Mxfp4DualScale, {A::DynamicPerToken, G::Block, F::MxBlock, QB::None, D::None}},
    {SchemeId::MsNF4, {A::None, G::PerGroup, F::Other, QB::None, D::None}},
    {SchemeId::MsW8A8Timestep, {A::Other, G::PerChannel, F::Other, QB::None, D::None}},
    {SchemeId::MsFaQuant, {A::StaticPerChannel, G::None, F::Other, QB::None, D::None}},
    {SchemeId::MsFaQuantFa3, {A::StaticPerChannel, G::None, F::Other, QB::None, D::None}},
    {SchemeId::MsC8, {A::StaticPerChannel, G::None, F::Other, QB::None, D::None}},
    {SchemeId::GsFloat, {A::None, G::None, F::Float, QB::None, D::None}},
    {SchemeId::GsW8A8Smoothed, {A::StaticPerChannel, G::PerChannel, F::DeqScale, QB::GsPrecisionAligned, D::F32OrI64Bits}},
    {SchemeId::GsW8A8Plain, {A::StaticPerTensor, G::PerChannel, F::DeqScale, QB::GsPrecisionAligned, D::F32OrI64Bits}},
    {SchemeId::GsW8A8Dynamic, {A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::GsW8A16, {A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::GsW8A16PerGroup, {A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::GsW4A16, {A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::GsW4A16PerGroup, {A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::GsW4A8Dynamic, {A::DynamicPerToken, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    {SchemeId::GsW4A8DynamicMoe, {A::DynamicPerToken, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
};

constexpr std::string_view kSchemeIdNames[] = {
#define QKIT_X(e, s) s,
    QKIT_SCHEME_IDS(QKIT_X)
#undef QKIT_X
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

std::string_view scheme_id_name(SchemeId id) { return kSchemeIdNames[static_cast<std::size_t>(id)]; }

SchemeId Scheme::key() const {
  for (std::size_t i = 0; i < std::size(kSchemeIdNames); ++i)
    if (kSchemeIdNames[i] == id) return static_cast<SchemeId>(i);
  return SchemeId::MsFloat;  // unreachable: a test checks every table id has its enum value
}

const SchemeTraits& Scheme::traits() const {
  static const SchemeTraits kNone{};
  const SchemeId k = key();
  for (const TraitsRow& r : kTraits)
    if (r.id == k) return r.traits;
  return kNone;
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
