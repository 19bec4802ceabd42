//===- formats/scheme.h - the one table of quantization tensor schemes ---===//
//
// For each format family and quant type: the tensors a quantized module
// stores, whether each is required, which dtypes and shapes are allowed, and
// how the description file tags it. The validator checks checkpoints
// against it, the converter maps between families through it, the inspector
// names tensor roles with it, and docs/schemes.md is generated from it.
//
// Expressions kept as text so the table reads like the documentation:
//
//   dtypes: alternatives separated by '|'. A safetensors dtype name, or
//           md   the model dtype (config.json torch_dtype / dtype),
//           deq  F32 when the model dtype is BF16, I64 (fp32 bit pattern)
//                otherwise — the deq_scale rule of both families.
//   shape:  alternatives separated by '|', each "[d0,d1,...]" or "*" (any).
//           A dimension is a product or quotient of integers and variables:
//           n out features, k in features, G = k/gs (groups; exact),
//           B = ceil(k/32) (MX blocks), H heads, Hkv kv heads, D head_dim,
//           E experts. "n/2" must divide exactly.
//   tag:    the description value expected for the tensor: "=" the module's
//           own type, or a literal; alternatives separated by '|'.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/codecs.h"
#include "formats/dtype.h"
#include "formats/quant_type.h"

namespace qkit {

// Who wrote the checkpoint's quantization: msModelSlim (description file),
// Golden-Stick (description file), or any compressed-tensors producer
// (LLM-Compressor, msModelSlim's second saver: the recipe in config.json,
// formats/ct_recipe.h).
enum class Family : std::uint8_t { MsModelSlim, GoldenStick, CompressedTensors };
std::string_view family_name(Family f);  // "msmodelslim", "golden-stick", "compressed-tensors"

enum class Presence : std::uint8_t {
  Required,
  Optional,
  IfBias,  // present exactly when the float layer had a bias
};
std::string_view presence_name(Presence p);

// What a tensor of a quantized module means, whatever its family calls it.
// Code asks for "the deq-scale tensor of this module" (Module::tensor(Role)),
// never for a suffix string; formats/roles.cpp maps suffixes to roles.
enum class Role : std::uint8_t {
  Weight,              // the quantized (or float) weight
  WeightScale,         // per-channel / per-group weight scale
  WeightOffset,        // weight zero point
  WeightScaleSecond,   // second stage of two-stage W4A8 (int8 -> int4 per group)
  WeightOffsetSecond,
  WeightDualScale,     // MX FP4 dual-scale second scale
  ScaleBias,           // W4A8_DYNAMIC correction term: 8 * sum of the dequantized weight per k-chunk
  GmmBias,             // stacked-expert W4A8 correction term
  InputScale,          // static activation scale (per tensor or per input channel)
  InputOffset,         // static activation zero point
  QuantBias,           // int32 bias folded into the integer matmul
  DeqScale,            // input_scale * weight_scale, applied to the int32 accumulator
  Bias,                // the float bias
  SmoothScale,         // SmoothQuant / OSL smoothing vector (redundant for inference)
  TransformLeft,       // FlatQuant Kronecker factors
  TransformRight,
  ClipRatio,           // FlatQuant activation clipping
  SparseIndex,         // compressed-sparse index
  SparseInfo,          // compressed-sparse tiling info
  WeightShape,         // compressed-tensors pack-quantized: the unpacked [n, k]
  GroupIndex,          // compressed-tensors actorder "group": each input column's group
  KvKScale,            // KV-cache int8 (C8)
  KvKOffset,
  KvVScale,
  KvVOffset,
  FaQScale,            // FlashAttention quantization (FAQuant; fa_* and fa3_* names)
  FaQOffset,
  FaKScale,
  FaKOffset,
  FaVScale,
  FaVOffset,
  Unknown,             // a suffix no scheme defines
};
inline constexpr std::size_t kRoleCount = static_cast<std::size_t>(Role::Unknown) + 1;
std::string_view role_name(Role r);              // "weight scale"
Role role_of_suffix(std::string_view suffix);    // "weight_scale" -> WeightScale; Unknown if none
std::string_view suffix_of(Role r);              // the name both families use ("fa_q.scale" for FaQScale)
bool is_scale_role(Role r);                      // holds multipliers that must be finite and positive
bool is_offset_role(Role r);                     // holds integral zero points

struct TensorRule {
  std::string_view suffix;     // relative to the module prefix, e.g. "weight", "fa_q.scale"
  Presence presence;
  std::string_view dtypes;
  std::string_view shape;
  std::string_view tag;
  bool int4_marker;            // Golden-Stick: __metadata__ marks it "Int4"
  std::string_view note;
  bool zero = false;           // values must all be 0 (symmetric quantization's offsets)

  Role role() const { return role_of_suffix(suffix); }
};

// Scheme ids as an enum the compiler checks; the strings are the table's
// stable ids (printed, in docs). A test checks both lists agree.
#define QKIT_SCHEME_IDS(X)                                                                          \
  X(MsFloat, "ms.FLOAT") X(MsW8A8, "ms.W8A8") X(MsW8A8Mix, "ms.W8A8_MIX")                            \
  X(MsW8A8Dynamic, "ms.W8A8_DYNAMIC") X(MsW8A8DynamicPerGroup, "ms.W8A8_DYNAMIC.per-group")        \
  X(MsW8A16, "ms.W8A16") X(MsW8A16PerGroup, "ms.W8A16.per-group")                                  \
  X(MsW4A16PerChannel, "ms.W4A16.per-channel") X(MsW4A16PerGroup, "ms.W4A16.per-group")            \
  X(MsW4A16Unpacked, "ms.W4A16.unpacked") X(MsW4A8Dynamic, "ms.W4A8_DYNAMIC")                      \
  X(MsW4A8DynamicTwoStage, "ms.W4A8_DYNAMIC.two-stage") X(MsW4A4Dynamic, "ms.W4A4_DYNAMIC")        \
  X(MsW4A4FlatQuantDynamic, "ms.W4A4_FLATQUANT_DYNAMIC") X(MsW8A8S, "ms.W8A8S")                   \
  X(MsW8A8SC, "ms.W8A8SC") X(MsW16A16S, "ms.W16A16S") X(MsW16A16SC, "ms.W16A16SC")                 \
  X(MsWfp8Afp8Dynamic, "ms.WFP8AFP8_DYNAMIC") X(MsW8A8Mxfp8, "ms.W8A8_MXFP8")                      \
  X(MsW4A8Mxfp, "ms.W4A8_MXFP") X(MsW4A4Mxfp4, "ms.W4A4_MXFP4")                                    \
  X(MsW4A4Mxfp4DualScale, "ms.W4A4_MXFP4_DUALSCALE") X(MsNF4, "ms.NF4")                            \
  X(MsW8A8Timestep, "ms.W8A8_TIMESTEP") X(MsFaQuant, "ms.FAQuant") X(MsFaQuantFa3, "ms.FAQuant.fa3") \
  X(MsC8, "ms.C8") X(GsFloat, "gs.FLOAT") X(GsW8A8Smoothed, "gs.W8A8.smoothed")                    \
  X(GsW8A8Plain, "gs.W8A8.plain") X(GsW8A8Dynamic, "gs.W8A8_DYNAMIC") X(GsW8A16, "gs.W8A16")        \
  X(GsW8A16PerGroup, "gs.W8A16.per-group") X(GsW4A16, "gs.W4A16")                                  \
  X(GsW4A16PerGroup, "gs.W4A16.per-group") X(GsW4A8Dynamic, "gs.W4A8_DYNAMIC")                     \
  X(GsW4A8DynamicMoe, "gs.W4A8_DYNAMIC.moe") X(GsW4A8DynamicPerExpert, "gs.W4A8_DYNAMIC.per-expert")        \
  X(CtW8A8, "ct.W8A8") X(CtW8A8Dynamic, "ct.W8A8_DYNAMIC") X(CtW8A16, "ct.W8A16")                          \
  X(CtW8A16Packed, "ct.W8A16.packed") X(CtW4A16Packed, "ct.W4A16.packed")                                  \
  X(CtW4A8DynamicPacked, "ct.W4A8_DYNAMIC.packed") X(CtWfp8Afp8Dynamic, "ct.WFP8AFP8_DYNAMIC")

enum class SchemeId : std::uint8_t {
#define QKIT_X(e, s) e,
  QKIT_SCHEME_IDS(QKIT_X)
#undef QKIT_X
};
inline constexpr std::string_view kSchemeIdNames[] = {
#define QKIT_X(e, s) s,
    QKIT_SCHEME_IDS(QKIT_X)
#undef QKIT_X
};
constexpr std::string_view scheme_id_name(SchemeId id) { return kSchemeIdNames[static_cast<std::size_t>(id)]; }

// What a scheme computes, as typed facts (formats/roles.cpp), so code
// branches on "dynamic per-token activations", not on type names.
enum class ActQuant : std::uint8_t { None, StaticPerTensor, StaticPerChannel, DynamicPerToken, MixedPD, Other };
enum class WeightGrouping : std::uint8_t { None, PerChannel, PerGroup, TwoStage, Block };
enum class DequantFormula : std::uint8_t {
  Float,            // y = x W^T
  IntScaleOffset,   // W = (q - offset) * scale
  DeqScale,         // y = (x_q W_q^T + quant_bias) * deq_scale
  Fp8Scale,         // W = fp8 * scale
  MxBlock,          // W = value * 2^(E8M0 block exponent)
  Other,
};
enum class QuantBiasConvention : std::uint8_t {
  None,
  MsFoldsBiasAndOffset,   // round(bias/deq_scale - input_offset * sum_k W_q)
  GsPrecisionAligned,     // Golden-Stick's bias/deq_scale with the offset term (see consumers.md)
};
enum class DeqScaleEncoding : std::uint8_t { None, F32OrI64Bits };  // F32 for bf16 models, I64 fp32 bits otherwise
struct SchemeTraits {
  ActQuant act = ActQuant::None;
  WeightGrouping grouping = WeightGrouping::None;
  DequantFormula formula = DequantFormula::Float;
  QuantBiasConvention quant_bias = QuantBiasConvention::None;
  DeqScaleEncoding deq_scale = DeqScaleEncoding::None;
};
std::string_view act_quant_name(ActQuant a);

struct Scheme {
  SchemeId key;                // the row's enum value
  std::string_view id;         // its stable string: "ms.W8A8", "gs.W4A16.per-group", ... (from QKIT_SCHEME_IDS)
  Family family;
  QuantType type;
  std::string_view variant;    // "" when the type has one layout
  std::string_view summary;
  std::span<const TensorRule> tensors;
  std::string_view source;     // where the facts come from
  bool validated;              // false: recognised, tensors not checked
  std::optional<Int4Layout> int4_layout;  // how the weight is packed, if packed int4
  SchemeTraits traits;         // what it computes

  const TensorRule* rule(std::string_view suffix) const;
  const TensorRule* rule(Role role) const;
  bool is(SchemeId k) const { return key == k; }
};

std::span<const Scheme> all_schemes();
// Every variant of (family, type), in table order; empty when none.
std::vector<const Scheme*> schemes_for(Family family, QuantType type);
const Scheme* scheme_by_id(std::string_view id);

// --- expression evaluation -------------------------------------------------

struct ShapeVars {
  std::optional<std::uint64_t> n, k, gs, H, Hkv, D, E;
};

// Does dtype d satisfy the expression? With no model dtype, "md" accepts any
// float and "deq" accepts F32 or I64.
bool dtype_matches(std::string_view expr, Dtype d, std::optional<Dtype> model_dtype);
// The allowed dtypes in words, resolved against the model dtype: "F32 or BF16".
std::string dtype_expected(std::string_view expr, std::optional<Dtype> model_dtype);

// Does the shape satisfy the expression? Dimensions that use a variable with
// no value are not checked.
bool shape_matches(std::string_view expr, std::span<const std::uint64_t> shape, const ShapeVars& vars);
// The expression with known variables substituted, e.g. "[64,1] or [64]".
std::string shape_expected(std::string_view expr, const ShapeVars& vars);
// "[64,1]".
std::string shape_text(std::span<const std::uint64_t> shape);
// The first alternative evaluated (all variables it uses must be known).
std::optional<std::vector<std::uint64_t>> shape_eval(std::string_view expr, const ShapeVars& vars);
// Solves the variables a shape expression names from an actual shape: for
// "[k,n/2]" and [64, 16] gives k = 64, n = 32. Dimensions that are products
// or constants are ignored. Returns false when a quotient does not solve.
bool solve_shape_vars(std::string_view expr, std::span<const std::uint64_t> shape, ShapeVars& vars);

// --- matching a module's tensors against the table ---------------------------

struct TensorFacts {
  std::string suffix;
  Dtype dtype = Dtype::Unknown;
  std::vector<std::uint64_t> shape;
  std::string tag;             // description value ("" when not described)
  bool int4_marker = false;
};

struct SchemeContext {
  std::optional<Dtype> model_dtype;
  std::optional<std::uint64_t> group_size;  // 0 or absent: not grouped
  std::optional<std::uint64_t> heads, kv_heads, head_dim;
  bool has_bias_hint = false;  // unused by matching; kept for callers
};

enum class MismatchKind : std::uint8_t { Missing, Dtype, Shape, Tag, Int4Marker, Unexpected };
std::string_view mismatch_kind_name(MismatchKind k);

struct Mismatch {
  MismatchKind kind;
  std::string suffix;
  std::string expected;
  std::string actual;
};

struct SchemeMatch {
  const Scheme* scheme = nullptr;  // the variant that fits best; null if the type has none
  ShapeVars vars;                  // n, k, ... as solved from the weight
  std::vector<Mismatch> mismatches;
  bool ok() const { return scheme != nullptr && mismatches.empty(); }
};

// Checks a module's tensors against every variant of (family, type) and
// returns the best fit (fewest mismatches; table order breaks ties).
SchemeMatch match_scheme(Family family, QuantType type, std::string_view own_tag,
                         std::span<const TensorFacts> tensors, const SchemeContext& ctx);

}  // namespace qkit
