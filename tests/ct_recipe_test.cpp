//===- tests/ct_recipe_test.cpp - compressed-tensors recipes --------------===//
//
// Recipes written by hand after the producers' code (docs/research/
// compressed-tensors.md: msModelSlim's saver §6.3, compressed-tensors'
// QuantizationArgs §2.3, presets §2.5, matching §3.1); each expectation
// follows from the cited rule, not from running the parser.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include "formats/ct_recipe.h"

namespace qkit {
namespace {

using nlohmann::ordered_json;

ct::Recipe parse(const std::string& text) {
  auto r = ct::parse_recipe(ordered_json::parse(text), "config.json");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(*r) : ct::Recipe{};
}

std::string parse_error(const std::string& text) {
  auto r = ct::parse_recipe(ordered_json::parse(text), "config.json");
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? std::string() : r.error().to_string();
}

// msModelSlim's W8A8 static output (quant_config.py L95-121, quant_scheme.py
// L151-199, quant_config_builder.py L194-240 @3de0a3c): inputs declared
// asymmetric, one "re:" ignore pattern, scale_dtype/zp_dtype written.
const char* kMsModelSlimStatic = R"json({
  "version": "0.13.0", "quant_method": "compressed-tensors", "sparsity_config": {}, "transform_config": {},
  "config_groups": {"group_0": {"targets": ["Linear"],
    "weights": {"num_bits": 8, "type": "int", "strategy": "channel", "symmetric": true, "dynamic": false,
                "group_size": null, "observer": "minmax", "scale_dtype": null, "zp_dtype": null},
    "input_activations": {"num_bits": 8, "type": "int", "strategy": "tensor", "symmetric": false, "dynamic": false,
                "group_size": null, "observer": "memoryless_minmax", "scale_dtype": null, "zp_dtype": "torch.int8"},
    "output_activations": null, "format": "int-quantized"}},
  "format": "int-quantized", "quantization_status": "compressed", "global_compression_ratio": null,
  "ignore": ["re:lm_head(?![.\\w])"], "kv_cache_scheme": null})json";

TEST(CtRecipe, MsModelSlimStaticW8A8) {
  const ct::Recipe r = parse(kMsModelSlimStatic);
  ASSERT_EQ(r.groups.size(), 1u);
  const ct::SchemeGroup& g = r.groups[0];
  ASSERT_TRUE(g.weights && g.input_activations);
  EXPECT_EQ(g.weights->strategy, ct::Strategy::Channel);
  EXPECT_TRUE(g.weights->symmetric);
  EXPECT_EQ(g.input_activations->strategy, ct::Strategy::Tensor);
  EXPECT_FALSE(g.input_activations->symmetric);
  EXPECT_FALSE(g.input_activations->dynamic);
  EXPECT_EQ(ct::format_of(r, g), "int-quantized");
  EXPECT_EQ(r.quantization_status, "compressed");
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front().to_string();
  // The ignore pattern is re.match'ed: anchored at the start, and (?![.\w])
  // stops "lm_head" from matching a longer name.
  EXPECT_TRUE(ct::resolve(r, "lm_head").ignored);
  EXPECT_FALSE(ct::resolve(r, "lm_head_extra").ignored);
  EXPECT_FALSE(ct::resolve(r, "model.lm_head").ignored);
  const auto q = ct::resolve(r, "model.layers.0.self_attn.q_proj");
  EXPECT_FALSE(q.ignored);
  EXPECT_EQ(q.group, &g);
  EXPECT_EQ(q.target, "Linear");
}

// {"W4A16": ["Linear"]} is the preset: int4, group 128, symmetric, weight
// only, stored pack-quantized (quant_scheme.py presets; format.py L55-70).
TEST(CtRecipe, PresetsExpandAndFormatsAreInferred) {
  const ct::Recipe r = parse(R"({"quant_method": "compressed-tensors", "config_groups": {"W4A16": ["Linear"]}})");
  ASSERT_EQ(r.groups.size(), 1u);
  const ct::SchemeGroup& g = r.groups[0];
  EXPECT_EQ(g.preset, "W4A16");
  ASSERT_TRUE(g.weights);
  EXPECT_EQ(g.weights->num_bits, 4);
  EXPECT_EQ(g.weights->strategy, ct::Strategy::Group);
  EXPECT_EQ(g.weights->group_size, 128);
  EXPECT_FALSE(g.input_activations);
  EXPECT_EQ(ct::format_of(r, g), "pack-quantized");
  const ct::Recipe w8a8 = parse(R"({"config_groups": {"W8A8": ["Linear"]}})");
  ASSERT_TRUE(w8a8.groups[0].input_activations);
  EXPECT_EQ(w8a8.groups[0].input_activations->strategy, ct::Strategy::Token);
  EXPECT_TRUE(w8a8.groups[0].input_activations->dynamic);
  EXPECT_EQ(ct::format_of(w8a8, w8a8.groups[0]), "int-quantized");
  // A 4-bit weight with 8-bit inputs is int-quantized (stored unpacked).
  const ct::Recipe w4a8 = parse(R"({"config_groups": {"W4A8": ["Linear"]}})");
  EXPECT_EQ(ct::format_of(w4a8, w4a8.groups[0]), "int-quantized");
  const ct::Recipe fp8 = parse(R"({"config_groups": {"FP8_DYNAMIC": ["Linear"]}})");
  EXPECT_EQ(ct::format_of(fp8, fp8.groups[0]), "float-quantized");
}

// quant_args.py L259-283: without a strategy, group_size null -> tensor,
// -1 -> channel, > 0 -> group.
TEST(CtRecipe, StrategyInferredFromGroupSize) {
  auto with = [](const std::string& weights) {
    return parse(R"({"config_groups": {"g": {"targets": ["Linear"], "weights": )" + weights + "}}}");
  };
  EXPECT_EQ(with(R"({"num_bits": 8})").groups[0].weights->strategy, ct::Strategy::Tensor);
  EXPECT_EQ(with(R"({"num_bits": 8, "group_size": -1})").groups[0].weights->strategy, ct::Strategy::Channel);
  EXPECT_EQ(with(R"({"num_bits": 4, "group_size": 64})").groups[0].weights->strategy, ct::Strategy::Group);
  // Defaults: 8 bits, int, symmetric, static.
  const auto d = *with("{}").groups[0].weights;
  EXPECT_EQ(d.num_bits, 8);
  EXPECT_EQ(d.type, ct::ArgType::Int);
  EXPECT_TRUE(d.symmetric);
  EXPECT_FALSE(d.dynamic);
}

TEST(CtRecipe, RecipesCompressedTensorsRefusesAreErrors) {
  auto group = [](const std::string& weights) {
    return R"({"config_groups": {"g": {"targets": ["Linear"], "weights": )" + weights + "}}}";
  };
  EXPECT_NE(parse_error(group(R"({"strategy": "group"})")).find("needs a positive group_size"), std::string::npos);
  EXPECT_NE(parse_error(group(R"({"strategy": "channel", "group_size": 128})")).find("needs strategy group"), std::string::npos);
  EXPECT_NE(parse_error(group(R"({"strategy": "token"})")).find("needs dynamic: true"), std::string::npos);
  EXPECT_NE(parse_error(group(R"({"strategy": "block"})")).find("block_structure"), std::string::npos);
  EXPECT_NE(parse_error(group(R"({"type": "fp"})")).find("is not \"int\" or \"float\""), std::string::npos);
  EXPECT_NE(parse_error(group(R"({"group_size": -2})")).find("must be -1, null or positive"), std::string::npos);
  EXPECT_NE(parse_error(R"({"format": "packed", "config_groups": {}})").find("not a compressed-tensors format"), std::string::npos);
  EXPECT_NE(parse_error(R"({"config_groups": {"W3A3": ["Linear"]}})").find("not a preset"), std::string::npos);
  EXPECT_NE(parse_error(R"({"config_groups": {"g": {"targets": ["re:(unclosed"]}}})").find("not a regular expression"),
            std::string::npos);
  // Untrusted patterns that could backtrack exponentially are refused;
  // the producers' own (msModelSlim's trie, ".*" prefixes) are not.
  EXPECT_NE(parse_error(R"json({"config_groups": {"g": {"targets": ["re:(a+)+b"]}}})json").find("catastrophic backtracking"),
            std::string::npos);
  EXPECT_NE(parse_error(R"json({"ignore": ["re:(?:\\w*\\.)*x"], "config_groups": {}})json").find("catastrophic backtracking"),
            std::string::npos);
  parse(R"json({"ignore": ["re:model\\.layers\\.(?:0|1)\\.mlp\\.gate(?![.\\w])", "re:.*lm_head"], "config_groups": {}})json");
  EXPECT_NE(parse_error(R"json({"ignore": ["re:(a|aa)*$"], "config_groups": {}})json").find("catastrophic backtracking"),
            std::string::npos);
  EXPECT_NE(parse_error(R"json({"ignore": ["re:)json" + std::string(5000, 'a') + R"json("], "config_groups": {}})json")
                .find("qkit reads patterns up to 4096"),
            std::string::npos);
  const std::string e = parse_error(R"({"ignore": "lm_head", "config_groups": {}})");
  EXPECT_NE(e.find("config.json"), std::string::npos) << "errors name the file";
  EXPECT_NE(e.find("quantization_config.ignore"), std::string::npos) << "and the key";
  // A field compressed-tensors does not know is a warning here (its loaders refuse it).
  const ct::Recipe w = parse(group(R"({"num_bits": 8, "rounding": "stochastic"})"));
  ASSERT_EQ(w.warnings.size(), 1u);
  EXPECT_NE(w.warnings[0].to_string().find("weights.rounding"), std::string::npos);
}

// utils/match.py L133-157 and apply.py L139-153: exact names first, then
// patterns alphabetically, then class names; a repeated target belongs to
// the later group; ignore matches names and classes.
TEST(CtRecipe, ResolutionFollowsCompressedTensorsPrecedence) {
  const ct::Recipe r = parse(R"({"config_groups": {
    "a": {"targets": ["Linear"], "weights": {"num_bits": 8, "strategy": "channel"}},
    "b": {"targets": ["re:.*down_proj$"], "weights": {"num_bits": 4, "group_size": 128}},
    "c": {"targets": ["model.layers.0.mlp.down_proj"], "weights": {"num_bits": 8, "group_size": -1}}}})");
  ASSERT_EQ(r.groups.size(), 3u);
  const auto* a = &r.groups[0];
  const auto* b = &r.groups[1];
  const auto* c = &r.groups[2];
  auto l0 = ct::resolve(r, "model.layers.0.mlp.down_proj");
  EXPECT_EQ(l0.group, c);
  EXPECT_EQ(l0.others, (std::vector<const ct::SchemeGroup*>{b, a}));
  EXPECT_EQ(ct::resolve(r, "model.layers.1.mlp.down_proj").group, b);
  auto up = ct::resolve(r, "model.layers.1.mlp.up_proj");
  EXPECT_EQ(up.group, a);
  EXPECT_TRUE(up.others.empty());
  EXPECT_EQ(ct::resolve(r, "model.embed_tokens", "Embedding").group, nullptr);
  const ct::Recipe later = parse(R"({"config_groups": {
    "first": {"targets": ["Linear"], "weights": {"num_bits": 8}},
    "second": {"targets": ["Linear"], "weights": {"num_bits": 4, "group_size": 32}}}})");
  EXPECT_EQ(ct::resolve(later, "x.q_proj").group, &later.groups[1]);
  // A name longer than any real module is matched by no pattern (std::regex
  // recurses per character), and that is no crash.
  const ct::Recipe pat = parse(R"json({"ignore": ["re:.*mlp.gate$"], "config_groups": {"g": {"targets": ["Linear"]}}})json");
  EXPECT_FALSE(ct::resolve(pat, std::string(200000, 'a') + ".mlp.gate").ignored);
  EXPECT_TRUE(ct::resolve(pat, "model.layers.0.mlp.gate").ignored);
  const ct::Recipe by_class = parse(R"({"ignore": ["Linear"], "config_groups": {"g": {"targets": ["Linear"]}}})");
  EXPECT_TRUE(ct::resolve(by_class, "x.q_proj").ignored);
}

}  // namespace
}  // namespace qkit
