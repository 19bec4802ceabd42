//===- formats/ct_recipe.h - compressed-tensors' recipe in config.json ----===//
//
// A compressed-tensors checkpoint (LLM-Compressor, msModelSlim's second saver
// since 2026) has no description file: what each Linear stores is decided by
// config.json's `quantization_config` ("quant_method": "compressed-tensors"):
// `config_groups` (each a list of `targets` and the QuantizationArgs of its
// weights and activations), `ignore`, `format` and `kv_cache_scheme`. This
// file parses that recipe with compressed-tensors' defaults and validation
// rules, and answers which group quantizes a module.
//
// Facts from neuralmagic/compressed-tensors @52792be02ec0 (quant_args.py
// L148-381: fields, defaults, strategy inference, validation; quant_scheme.py
// L153-339: presets; utils/match.py L133-157, L224-336 and
// quantization/lifecycle/apply.py L139-153: target and ignore matching;
// config/format.py L31-81: format inference), read in
// docs/research/compressed-tensors.md §2-3.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/error.h"
#include "formats/quant_type.h"

namespace qkit::ct {

enum class ArgType : std::uint8_t { Int, Float };
enum class Strategy : std::uint8_t { Tensor, Channel, Group, Block, Token, TensorGroup, AttnHead };
std::string_view strategy_name(Strategy s);

// QuantizationArgs, defaults applied and the strategy inferred.
struct QuantArgs {
  int num_bits = 8;
  ArgType type = ArgType::Int;
  bool symmetric = true;
  std::optional<std::int64_t> group_size;
  Strategy strategy = Strategy::Tensor;
  std::optional<std::array<std::uint64_t, 2>> block_structure;  // [rows, cols]
  bool dynamic = false;
  bool dynamic_local = false;                                   // dynamic: "local"
  std::optional<std::string> actorder;                          // "group" | "weight"
};

struct SchemeGroup {
  std::string name;                  // "group_0", or the preset's name
  std::vector<std::string> targets;  // class names, exact module names, "re:<regex>"
  std::optional<QuantArgs> weights, input_activations, output_activations;
  std::optional<std::string> format; // the group's own format, if given
  std::optional<std::string> preset; // expanded from {"W8A8": [targets]}
};

struct Recipe {
  std::string format;                // the global format ("int-quantized", ...); "" when absent
  std::string quantization_status;   // "compressed" for saved checkpoints
  std::vector<SchemeGroup> groups;
  std::vector<std::string> ignore;
  std::optional<QuantArgs> kv_cache;
  std::vector<Error> warnings;       // keys compressed-tensors does not know, and the like

  // Compiled "re:" patterns of targets and ignore entries, by their text
  // (hashed: a recipe may hold many, and every module is matched).
  std::unordered_map<std::string, std::shared_ptr<const std::regex>> patterns;
  const std::regex* pattern(const std::string& text) const;

  // Built once at parse time for resolve(): each target's group (a target
  // repeated in a later group belongs to the later one), split by kind.
  std::unordered_map<std::string, std::size_t> exact_targets;     // name or class -> group index
  std::vector<std::pair<std::string, std::size_t>> pattern_targets;  // "re:..." sorted by text
  std::unordered_set<std::string> exact_ignore;
  std::vector<std::string> pattern_ignore;
};

// Longest "re:" pattern accepted, and longest name matched against one:
// std::regex recurses per pattern term and per input character.
inline constexpr std::size_t kMaxPattern = 4096, kMaxMatchedName = 4096;

// Parses `quantization_config` (the object, quant_method included). Errors
// name the file and the key; a recipe compressed-tensors would refuse
// (strategy without its group_size, block strategy without a block, an
// unknown format or preset) is an error, as it is for the loaders.
Result<Recipe> parse_recipe(const nlohmann::ordered_json& quantization_config, const std::string& file);

// The format a group's tensors are stored in: its own, the global one, or
// the one compressed-tensors infers from its arguments (config/format.py).
std::string format_of(const Recipe& r, const SchemeGroup& g);
std::string infer_format(const SchemeGroup& g);

// Which group quantizes module `name` of class `class_name`, by
// compressed-tensors' rules: an ignore entry matching the name or the class
// skips it; otherwise exact names win, then "re:" patterns (alphabetically),
// then class names; a target repeated in a later group belongs to the later
// group. `others` lists the other groups that also match (loaders resolve
// by config order instead, so an overlap is worth a warning).
struct Resolution {
  const SchemeGroup* group = nullptr;  // null: ignored, or no target matches
  bool ignored = false;
  std::string target;                  // the target that decided
  std::vector<const SchemeGroup*> others;
};
Resolution resolve(const Recipe& r, std::string_view name, std::string_view class_name = "Linear");

// What a recipe reaches in a checkpoint. Every "<prefix>.weight" of rank 2
// and every "<prefix>.weight_packed" is a module: an Embedding when the
// prefix ends in "embed_tokens" (no producer quantizes those), else a
// Linear. Counted per group, with the modules ignore skips, those no target
// reaches, and those several groups reach.
struct Coverage {
  std::vector<std::size_t> modules;  // per group, in Recipe::groups order
  std::size_t ignored = 0, unmatched = 0, overlapping = 0;
  std::size_t total() const;
};
Coverage coverage(const Recipe& r, const std::vector<std::pair<std::string_view, std::size_t>>& tensors);  // (name, rank)

// What compressed-tensors stores for a Linear a group quantizes, by the
// group's format and arguments (compressors/quantized_compressors/
// base.py L86-161, naive_quantized.py, pack_quantized.py L70-177;
// quantization/lifecycle/initialize.py L155-280 @52792be; docs/research/
// compressed-tensors.md §4). `n` and `k` are the logical weight's sides;
// shapes use them, "" dtypes mean any float dtype.
struct ExpectedTensor {
  std::string suffix;                    // "weight_scale"
  std::vector<std::string> dtypes;       // accepted safetensors dtypes; {"float"} for any float dtype
  std::vector<std::uint64_t> shape;      // exact shape
  bool required = true;                  // false: may be absent (msModelSlim omits an all-zero input_zero_point)
  std::string why;                       // the rule, for messages
};
std::vector<ExpectedTensor> expected_tensors(const Recipe& r, const SchemeGroup& g, std::uint64_t n, std::uint64_t k);
// int4/int8 values per I32 word of pack-quantized weights (pack_quantized.py L186-309).
std::uint64_t values_per_word(const QuantArgs& w);

// The quant type a group's Linear computes, in the names of the scheme
// table (formats/scheme_table.cpp, family compressed-tensors): int8 weights
// with static or per-token int8 inputs (W8A8, W8A8_DYNAMIC), int8/int4
// weight-only (W8A16, W4A16), int4 weights with per-token int8 inputs
// (W4A8_DYNAMIC), fp8 with per-token fp8 inputs (WFP8AFP8_DYNAMIC).
// nullopt for every other combination (qkit shows those groups but binds
// no scheme).
std::optional<QuantType> quant_type_of(const SchemeGroup& g);

// Where a module's tensors live: "<prefix>.weight" of rank 2 or
// "<prefix>.weight_packed" (Coverage's rule), and the class compressed-
// tensors matches it as.
std::string_view module_class(std::string_view prefix);  // "Embedding" for *embed_tokens, else "Linear"

// "int8 channel symmetric static" for people.
std::string describe(const QuantArgs& a);

}  // namespace qkit::ct
