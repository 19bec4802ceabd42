//===- validate/profiles.h - what each runtime's loader does, as data ----===//
//
// One table per runtime (vllm-ascend, MindIE, vllm-mindspore, MindFormers,
// upstream vLLM) says, version by version, what its loader registers, which parameters it
// creates and asserts, and how it reads the description and config.json.
// Every row cites the repository, file, commit and lines it mirrors.
//
// The target rules (validate/checks_target.cpp) ask the profile questions
// ("does this version register W8A8 for MoE layers?", "what shape does it
// create for weight_scale?", "does it need config.json's quantize?") and
// never name a runtime themselves. `qvalidate --list-targets`, `--explain`
// and docs/targets.md are printed from the same rows.
//
// Versions: a runtime's known versions are listed in order; `--target
// vllm-ascend` is the newest, `--target vllm-ascend@0.13` pins one. A row
// holds for the versions in [since, until).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/ct_recipe.h"
#include "formats/naming.h"
#include "formats/scheme.h"
#include "validate/rules.h"

namespace qkit::validate {

// Where a fact comes from: repository, file, commit, lines.
struct Citation {
  std::string_view repo;    // "vllm-project/vllm-ascend"
  std::string_view path;    // "vllm_ascend/quantization/methods/w8a8_dynamic.py"
  std::string_view commit;  // 12 hex digits
  std::string_view lines;   // "L72-82" ("" for a whole file)
  std::string to_string() const;  // "vllm-project/vllm-ascend vllm_ascend/...py@182b75ea84ff L72-82"
};

// A release line: 0.13 for v0.13.0, v0.13.0rc3, ...
struct RuntimeVersion {
  std::uint16_t major = 0, minor = 0;
  auto operator<=>(const RuntimeVersion&) const = default;
  std::string to_string() const;
};
// "0.13", "v0.13.0rc1", "2.1.RC2" -> {0,13} / {2,1}; nullopt when unreadable.
std::optional<RuntimeVersion> parse_runtime_version(std::string_view s);

inline constexpr RuntimeVersion kOpenEnd{0xffff, 0xffff};

struct VersionRange {
  RuntimeVersion since{0, 0};
  RuntimeVersion until = kOpenEnd;  // exclusive
  bool contains(RuntimeVersion v) const { return since <= v && v < until; }
  bool all() const { return since == RuntimeVersion{0, 0} && until == kOpenEnd; }
  bool operator==(const VersionRange&) const = default;
  std::string to_string() const;  // "all versions", ">= 0.17", "< 0.17", "0.13 - 0.16"
};

// A runtime version qkit has facts for.
struct KnownVersion {
  Target runtime;
  RuntimeVersion version;
  std::string_view source;  // what was read: "tag v0.13.0", "main @182b75ea84ff (2026-08-22)"
};
std::span<const KnownVersion> known_versions();
std::vector<const KnownVersion*> known_versions(Target runtime);

// --target as given: a runtime and a version (the newest known when none
// is named).
struct TargetSpec {
  Target runtime = Target::Any;
  RuntimeVersion version;
  std::string to_string() const;  // "vllm-ascend@0.25"
};
// "vllm-ascend", "vllm-ascend@0.13", "any". On failure `error` says why
// (unknown runtime, unreadable or unknown version, with the known ones).
std::optional<TargetSpec> parse_target_spec(std::string_view s, std::string& error);
TargetSpec newest(Target runtime);

// --- 1. registered schemes per layer kind ----------------------------------

enum class LoaderLayer : std::uint8_t { Linear, Moe, Attention };
std::string_view loader_layer_name(LoaderLayer k);  // "linear", "moe", "attention"

// The layer kind a module is loaded as: attention for FA/KV modules, moe
// for routed experts, linear for everything else (shared experts included).
LoaderLayer loader_layer_of(const Module& m);

struct SupportRow {
  Target runtime;
  VersionRange versions;
  std::string_view type;      // the description's string, modifiers included ("W4A4_MXFP4_FLATQUANT"); "*" any
  LoaderLayer layer;
  bool loads;                 // registered (true) or refused (false)
  std::string_view why;       // for refusals: what the user sees and why
  Citation cite;
};
std::span<const SupportRow> support_rows();
// The row deciding (type, layer) for the target; rows are looked up in
// table order and a "*" row closes each runtime (what an unregistered type
// meets). Null for Target::Any.
const SupportRow* support_for(const TargetSpec& t, std::string_view type, LoaderLayer layer);

// --- 2. parameters the loader creates (shape asserted, dtype cast) ---------

enum class ModelCond : std::uint8_t { Any, Mla, NotMla };
enum class FamilyCond : std::uint8_t { Any, MsModelSlim, GoldenStick, CompressedTensors };

struct ParamRow {
  Target runtime;
  VersionRange versions;
  FamilyCond family;          // which checkpoint family's path this loader method serves
  std::string_view type;      // quant type string (compressed-tensors: a CtSchemeRow's quant_type)
  LoaderLayer layer;
  Role role;
  Parallel parallel;          // Parallel::None: any
  ModelCond model;
  std::string_view shape;     // scheme.h shape expression the created parameter has ("" not asserted)
  std::string_view dtypes;    // dtype the parameter has when a cast changes meaning ("" any: cast numerically)
  bool required;              // the loader needs the tensor (a missing one leaves garbage)
  std::string_view why;
  Citation cite;
};
std::span<const ParamRow> param_rows();
// Rows that apply to a module of `type` in `layer` for the target.
std::vector<const ParamRow*> params_for(const TargetSpec& t, Family fam, std::string_view type, LoaderLayer layer,
                                        Parallel parallel, bool mla);

// --- 3. behaviours: how the loader reads the files --------------------------

enum class Behaviour : std::uint8_t {
  ReadsMsModelSlim,             // loads msModelSlim checkpoints
  ReadsGoldenStick,             // loads Golden-Stick checkpoints
  DescriptionName,              // detail: a file name it finds ("*x" suffix, "x*" prefix, "*x*" contains)
  DescriptionNameDeprecated,    // detail: a name still read but deprecated
  QuantConfigReplacesDescription,  // config.json quantization_config without quant_method is used as the description
  NeedsQuantizeKey,             // config.json "quantize" required; detail: accepted values, comma-separated
  QuantizeFromDescription,      // without "quantize", it is model_quant_type lower-cased
  ConfigKeyValues,              // detail: "key=v1,v2,..." quantization_config values accepted ("null" allowed)
  KvCacheKey,                   // detail: the description key that must say "C8" for KV-cache int8
  FaQuantType,                  // detail: the fa_quant_type value it registers
  FaTensorNames,                // detail: the key substring that selects FA layers ("fa_k.scale")
  RejectsPerGroupW4A8,          // W4A8_DYNAMIC with group_size > 0 raises
  W4A8PackedWhenVersion,        // W4A8_DYNAMIC experts are read packed [n/2,k] only when version == detail
  W4A8PackedOnly,               // W4A8_DYNAMIC experts are always read packed [n/2,k]
  Int4GroupSizes,               // detail: group sizes its int4 kernels take, comma-separated
  A8W4NeedsGroupSize,           // Golden-Stick A8W4 needs a positive group_size
  ModuleTagsAgree,              // every tensor of a module carries the module's tag
  FusedGroupsAgree,             // fused shards must share one type (ValueError otherwise)
  DescribesEveryLayer,          // every decoder layer's weights are looked up in the description (KeyError)
  MtpOnlyWithDrafter,           // MTP layers are looked up only when the MTP drafter is loaded
  ReadsCompressedTensors,       // loads compressed-tensors checkpoints (quant_method "compressed-tensors")
  ChecksGpuCapability,          // refuses a scheme on a GPU below its minimum compute capability (not a checkpoint fact)
  GroupSizeDividesK,            // detail: the compressed-tensors scheme (CtSchemeRow quant_type) whose group size must divide k
};
std::string_view behaviour_name(Behaviour b);

struct BehaviourRow {
  Target runtime;
  VersionRange versions;
  Behaviour behaviour;
  std::string_view detail;
  std::string_view why;
  Citation cite;
};
std::span<const BehaviourRow> behaviour_rows();
std::vector<const BehaviourRow*> behaviours(const TargetSpec& t, Behaviour b);
const BehaviourRow* behaviour(const TargetSpec& t, Behaviour b);  // the first, or null

// The rule each kind of row feeds (for --explain and docs/targets.md).
Rule rule_of(Behaviour b);

// --- rendering ----------------------------------------------------------------

// `qvalidate --list-targets`.
std::string render_target_list();
// `qvalidate --explain RULE`: the rule, then every profile row it reads
// (runtime, versions, what, citation). Empty when the rule is unknown.
std::string render_explain(std::string_view rule_id);
// docs/targets.md.
std::string render_targets_markdown();

// --- 4. compressed-tensors: what a loader makes of a config group -----------
//
// Each runtime's compressed-tensors loader is a chain of conditions on a
// config group, one row per branch, in the loader's order. Upstream vLLM
// builds a scheme per group (_get_scheme_from_parts for linear layers,
// get_moe_method for fused MoE experts): its rows decide. vllm-ascend first
// names the group's quant type (_detect_quant_type: QuantType rows), then
// looks the type up in its method registry, whose method may still refuse
// the group: the Method rows for that type and layer kind are asked first,
// then the registry (the support rows of section 1). MindIE reads no
// compressed-tensors at all: one row refuses every group. A runtime with
// rows ends them with a row that holds for everything (what the loader
// raises); a runtime without rows is not verified.

// A config group as the loader sees it once config.json is read: its weights,
// its input activations (kept whenever the group declares them) and the
// format that applies to it (the group's own, else the global one; "" when
// neither is written: compressed-tensors' own inference is not used there).
struct CtGroupView {
  const ct::QuantArgs* weights = nullptr;
  const ct::QuantArgs* inputs = nullptr;
  std::string_view format;
};

enum class CtRowKind : std::uint8_t {
  Scheme,     // the loader builds `scheme` (loads) or refuses: the row decides
  QuantType,  // the loader names the group's quant type (`quant_type`); its Method rows, then the registry, decide
  Method,     // what the method registered for `quant_type` does on `layer`; holds only for groups given that type
};
std::string_view ct_row_kind_name(CtRowKind k);  // "scheme", "quant type", "method"

struct CtSchemeRow {
  Target runtime;
  VersionRange versions;
  std::optional<LoaderLayer> layer;  // nullopt: every layer kind (the config is read once, before any layer)
  std::string_view when;             // the condition, as docs/targets.md shows it
  bool (*holds)(const CtGroupView&);
  std::string_view scheme;           // the scheme class or method it builds ("" for a refusal or a QuantType row)
  bool loads;                        // Scheme and Method rows: builds it; QuantType rows: true (the registry decides)
  Rule rule;                         // for refusals
  Severity severity;                 // for refusals: Error; Info where only the GPU decides
  std::string_view why;              // for refusals: what the user sees and why
  Citation cite;
  CtRowKind kind = CtRowKind::Scheme;
  // QuantType rows: the type named. Method rows: the type they refine. Scheme
  // rows that load: the scheme's name as the parameter rows (section 2,
  // compressed-tensors family) and behaviour rows key it ("" when none).
  std::string_view quant_type = {};
};
std::span<const CtSchemeRow> ct_scheme_rows();

// What the target's loader makes of group `g` of recipe `r` on `layer`
// modules.
struct CtDecision {
  const CtSchemeRow* row = nullptr;       // the deciding row (Scheme or Method), or `detected` when the registry decides
  const CtSchemeRow* detected = nullptr;  // the QuantType row that named the group's type, if any
  const SupportRow* registry = nullptr;   // the registry row deciding, if any
  explicit operator bool() const { return row != nullptr; }
  bool loads() const { return registry ? registry->loads : row && row->loads; }
  // The type the loaded method is known by (parameter and behaviour rows).
  std::string_view quant_type() const { return row ? row->quant_type : std::string_view(); }
};
// Empty when qkit has no compressed-tensors rows for the target.
CtDecision ct_scheme_for(const TargetSpec& t, const ct::Recipe& r, const ct::SchemeGroup& g, LoaderLayer layer);
// Whether qkit has compressed-tensors rows for the target, and for whom it
// has them ("vllm-ascend >= 0.26, mindie all versions, vllm all versions").
bool has_ct_rows(const TargetSpec& t);
std::string ct_rows_coverage();

}  // namespace qkit::validate
