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

enum class Family : std::uint8_t { MsModelSlim, GoldenStick };
std::string_view family_name(Family f);  // "msmodelslim", "golden-stick"

enum class Presence : std::uint8_t {
  Required,
  Optional,
  IfBias,  // present exactly when the float layer had a bias
};
std::string_view presence_name(Presence p);

struct TensorRule {
  std::string_view suffix;     // relative to the module prefix, e.g. "weight", "fa_q.scale"
  Presence presence;
  std::string_view dtypes;
  std::string_view shape;
  std::string_view tag;
  bool int4_marker;            // Golden-Stick: __metadata__ marks it "Int4"
  std::string_view note;
  bool zero = false;           // values must all be 0 (symmetric quantization's offsets)
};

struct Scheme {
  std::string_view id;         // stable: "ms.W8A8", "gs.W4A16.per-group", ...
  Family family;
  QuantType type;
  std::string_view variant;    // "" when the type has one layout
  std::string_view summary;
  std::span<const TensorRule> tensors;
  std::string_view source;     // where the facts come from
  bool validated;              // false: recognised, tensors not checked
  std::optional<Int4Layout> int4_layout;  // how the weight is packed, if packed int4

  const TensorRule* rule(std::string_view suffix) const;
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
