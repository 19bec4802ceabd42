//===- tests/scheme_test.cpp - the scheme table and its expressions ------===//
#include <gtest/gtest.h>

#include <set>

#include "formats/scheme.h"

namespace qkit {
namespace {

using Shape = std::vector<std::uint64_t>;

TEST(QuantTypes, ParseExactAndDerivedNames) {
  EXPECT_EQ(parse_quant_type("W8A8_DYNAMIC")->type, QuantType::W8A8_DYNAMIC);
  EXPECT_EQ(parse_quant_type("FAQuant")->type, QuantType::FAQuant);
  EXPECT_FALSE(parse_quant_type("w8a8"));
  EXPECT_FALSE(parse_quant_type("W8A8 "));
  EXPECT_FALSE(parse_quant_type("FAKQuant"));  // a top-level fa_quant_type value, not a tensor tag
  auto flat = parse_quant_type("W4A4_MXFP4_FLATQUANT");
  ASSERT_TRUE(flat);
  EXPECT_EQ(flat->type, QuantType::W4A4_MXFP4);
  EXPECT_EQ(flat->modifier, QuantModifier::FlatQuant);
  auto svd = parse_quant_type("W8A8_SVD_DYNAMIC");
  ASSERT_TRUE(svd);
  EXPECT_EQ(svd->type, QuantType::W8A8_DYNAMIC);
  EXPECT_EQ(svd->modifier, QuantModifier::Svd);
  EXPECT_EQ(parse_quant_type("FLOAT_FLATQUANT")->type, QuantType::FLOAT);
  for (const auto& i : all_quant_types()) EXPECT_EQ(parse_quant_type(i.name)->type, i.type);
}

TEST(Expressions, DtypeRulesResolveAgainstTheModelDtype) {
  EXPECT_TRUE(dtype_matches("deq", Dtype::F32, Dtype::BF16));
  EXPECT_FALSE(dtype_matches("deq", Dtype::I64, Dtype::BF16));
  EXPECT_TRUE(dtype_matches("deq", Dtype::I64, Dtype::F16));
  EXPECT_FALSE(dtype_matches("deq", Dtype::F32, Dtype::F16));
  EXPECT_TRUE(dtype_matches("deq", Dtype::I64, std::nullopt));
  EXPECT_TRUE(dtype_matches("md", Dtype::BF16, Dtype::BF16));
  EXPECT_FALSE(dtype_matches("md", Dtype::F16, Dtype::BF16));
  EXPECT_TRUE(dtype_matches("md", Dtype::F16, std::nullopt));
  EXPECT_FALSE(dtype_matches("md", Dtype::I8, std::nullopt));
  EXPECT_TRUE(dtype_matches("F32|md|I8", Dtype::I8, Dtype::BF16));
  EXPECT_EQ(dtype_expected("deq", Dtype::F16), "I64");
  EXPECT_EQ(dtype_expected("F32|md", Dtype::BF16), "F32 or BF16");
  EXPECT_EQ(dtype_expected("I8|md|F32", Dtype::F16), "I8, F16 or F32");
}

TEST(Expressions, ShapesWithVariables) {
  ShapeVars v;
  v.n = 64;
  v.k = 128;
  v.gs = 32;
  v.H = 4;
  v.Hkv = 2;
  v.D = 16;
  EXPECT_TRUE(shape_matches("[n,k]", Shape{64, 128}, v));
  EXPECT_FALSE(shape_matches("[n,k]", Shape{128, 64}, v));
  EXPECT_TRUE(shape_matches("[n,1]|[n]", Shape{64}, v));
  EXPECT_TRUE(shape_matches("[n,G]", Shape{64, 4}, v));
  EXPECT_TRUE(shape_matches("[G,n]", Shape{4, 64}, v));
  EXPECT_TRUE(shape_matches("[k,n/2]", Shape{128, 32}, v));
  EXPECT_TRUE(shape_matches("[Hkv*D]", Shape{32}, v));
  EXPECT_TRUE(shape_matches("[n,B]", Shape{64, 4}, v));
  EXPECT_TRUE(shape_matches("*", Shape{1, 2, 3}, v));
  EXPECT_FALSE(shape_matches("[1]", Shape{}, v));
  EXPECT_EQ(shape_expected("[n,1]|[n]", v), "[64,1] or [64]");
  EXPECT_EQ(shape_eval("[k,n/2]", v), (Shape{128, 32}));
  v.k = 100;  // k not a multiple of 32: G does not exist, B = ceil(100/32) = 4
  EXPECT_FALSE(shape_matches("[n,G]", Shape{64, 3}, v));
  EXPECT_TRUE(shape_matches("[n,B]", Shape{64, 4}, v));
  ShapeVars unknown;  // nothing known: only ranks are checked
  EXPECT_TRUE(shape_matches("[n,k]", Shape{3, 5}, unknown));
  EXPECT_FALSE(shape_matches("[n,k]", Shape{3}, unknown));
}

TEST(Expressions, SolveNAndKFromTheWeight) {
  ShapeVars v;
  ASSERT_TRUE(solve_shape_vars("[k,n/2]", Shape{64, 16}, v));  // Golden-Stick int4 k_proj
  EXPECT_EQ(v.k, 64u);
  EXPECT_EQ(v.n, 32u);
  ShapeVars w;
  ASSERT_TRUE(solve_shape_vars("[n/2,k]|[n,k]", Shape{16, 64}, w));
  EXPECT_EQ(w.n, 32u);
  ShapeVars e;
  ASSERT_TRUE(solve_shape_vars("[E,k,n/2]", Shape{2, 64, 32}, e));
  EXPECT_EQ(e.E, 2u);
  EXPECT_EQ(e.n, 64u);
  ShapeVars fixed;
  fixed.n = 10;
  EXPECT_FALSE(solve_shape_vars("[n,k]", Shape{11, 4}, fixed));  // contradicts the known n
}

TEST(SchemeTable, EveryExpressionIsWellFormed) {
  ShapeVars v;
  v.n = 64;
  v.k = 128;
  v.gs = 32;
  v.H = 4;
  v.Hkv = 2;
  v.D = 16;
  v.E = 2;
  std::set<std::string_view> ids;
  for (const Scheme& s : all_schemes()) {
    EXPECT_TRUE(ids.insert(s.id).second) << "duplicate id " << s.id;
    const auto& info = quant_type_info(s.type);
    // compressed-tensors writes no quant type names: its rows borrow the
    // names of the types they compute.
    if (s.family != Family::CompressedTensors)
      EXPECT_TRUE(s.family == Family::MsModelSlim ? info.in_msmodelslim : info.in_golden_stick) << s.id;
    if (info.scope == QuantScope::Linear || s.type == QuantType::FLOAT) {
      // compressed-tensors' pack-quantized weight is "weight_packed".
      EXPECT_EQ(s.tensors.front().role(), Role::Weight) << s.id << ": the weight comes first and fixes n, k";
      EXPECT_EQ(s.tensors.front().suffix, s.family == Family::CompressedTensors && s.variant == "packed" ? "weight_packed" : "weight")
          << s.id;
    }
    std::set<std::string_view> suffixes;
    for (const TensorRule& r : s.tensors) {
      EXPECT_TRUE(suffixes.insert(r.suffix).second) << s.id << " repeats " << r.suffix;
      // Every dtype alternative is md, deq or a dtype name.
      std::string_view d = r.dtypes;
      while (!d.empty()) {
        auto bar = d.find('|');
        std::string_view alt = d.substr(0, bar);
        EXPECT_TRUE(alt == "md" || alt == "deq" || parse_dtype(alt)) << s.id << "." << r.suffix << ": " << alt;
        d = bar == std::string_view::npos ? std::string_view() : d.substr(bar + 1);
      }
      // Every shape alternative evaluates with all variables known.
      std::string_view sh = r.shape;
      while (!sh.empty()) {
        auto bar = sh.find('|');
        std::string_view alt = sh.substr(0, bar);
        if (alt != "*") {
          EXPECT_TRUE(shape_eval(alt, v).has_value()) << s.id << "." << r.suffix << ": " << alt;
        }
        sh = bar == std::string_view::npos ? std::string_view() : sh.substr(bar + 1);
      }
      // Tags are "=", FLOAT_FLATQUANT or a quant type string.
      std::string_view t = r.tag;
      while (!t.empty()) {
        auto bar = t.find('|');
        std::string_view alt = t.substr(0, bar);
        EXPECT_TRUE(alt == "=" || parse_quant_type(alt)) << s.id << "." << r.suffix << ": tag " << alt;
        t = bar == std::string_view::npos ? std::string_view() : t.substr(bar + 1);
      }
    }
  }
}

TEST(SchemeTable, CoversTheTypesBothFamiliesWrite) {
  for (QuantType t : {QuantType::FLOAT, QuantType::W8A8, QuantType::W8A8_MIX, QuantType::W8A8_DYNAMIC, QuantType::W8A16,
                      QuantType::W4A16, QuantType::W4A8_DYNAMIC, QuantType::W4A4_DYNAMIC, QuantType::W8A8S,
                      QuantType::W8A8SC, QuantType::WFP8AFP8_DYNAMIC, QuantType::W8A8_MXFP8, QuantType::W4A4_MXFP4,
                      QuantType::FAQuant, QuantType::C8})
    EXPECT_FALSE(schemes_for(Family::MsModelSlim, t).empty()) << quant_type_name(t);
  for (QuantType t : {QuantType::FLOAT, QuantType::W8A8, QuantType::W8A8_DYNAMIC, QuantType::W8A16, QuantType::W4A16,
                      QuantType::W4A8_DYNAMIC})
    EXPECT_FALSE(schemes_for(Family::GoldenStick, t).empty()) << quant_type_name(t);
}

// Facts for a module, written out by hand from the format notes' worked
// examples (msmodelslim-format.md §7, golden-stick-format.md §7).
std::vector<TensorFacts> facts(std::initializer_list<TensorFacts> l) { return l; }

TEST(Match, MsW8A8KProjOfTheWorkedExample) {
  // §7.1: k_proj of the toy Llama, bf16 source: deq_scale F32 [32].
  auto t = facts({{"weight", Dtype::I8, {32, 64}, "W8A8", false},
                  {"quant_bias", Dtype::I32, {32}, "W8A8", false},
                  {"input_scale", Dtype::F32, {1}, "W8A8", false},
                  {"input_offset", Dtype::F32, {1}, "W8A8", false},
                  {"deq_scale", Dtype::F32, {32}, "W8A8", false}});
  SchemeContext ctx;
  ctx.model_dtype = Dtype::BF16;
  auto m = match_scheme(Family::MsModelSlim, QuantType::W8A8, "W8A8", t, ctx);
  ASSERT_NE(m.scheme, nullptr);
  EXPECT_TRUE(m.ok()) << m.mismatches.size();
  EXPECT_EQ(m.vars.n, 32u);
  EXPECT_EQ(m.vars.k, 64u);
  // The same tensors for an fp16 model: deq_scale must be I64.
  ctx.model_dtype = Dtype::F16;
  auto f16 = match_scheme(Family::MsModelSlim, QuantType::W8A8, "W8A8", t, ctx);
  ASSERT_EQ(f16.mismatches.size(), 1u);
  EXPECT_EQ(f16.mismatches[0].kind, MismatchKind::Dtype);
  EXPECT_EQ(f16.mismatches[0].suffix, "deq_scale");
  EXPECT_EQ(f16.mismatches[0].expected, "I64");
}

TEST(Match, ReportsMissingShapeTagAndUnexpected) {
  auto t = facts({{"weight", Dtype::I8, {32, 64}, "W8A8", false},
                  {"quant_bias", Dtype::I32, {64}, "W8A8", false},        // wrong: [n]
                  {"input_scale", Dtype::F32, {1}, "FLOAT", false},       // wrong tag
                  {"deq_scale", Dtype::F32, {32}, "W8A8", false},
                  {"smooth_scale", Dtype::F32, {64}, "W8A8", false}});    // not in msModelSlim W8A8
  SchemeContext ctx;
  ctx.model_dtype = Dtype::BF16;
  auto m = match_scheme(Family::MsModelSlim, QuantType::W8A8, "W8A8", t, ctx);
  std::multiset<std::pair<MismatchKind, std::string>> got;
  for (const auto& x : m.mismatches) got.insert({x.kind, x.suffix});
  std::multiset<std::pair<MismatchKind, std::string>> want = {{MismatchKind::Shape, "quant_bias"},
                                                             {MismatchKind::Tag, "input_scale"},
                                                             {MismatchKind::Missing, "input_offset"},
                                                             {MismatchKind::Unexpected, "smooth_scale"}};
  EXPECT_EQ(got, want);
}

TEST(Match, PicksTheVariantThatFits) {
  SchemeContext ctx;
  ctx.model_dtype = Dtype::BF16;
  ctx.group_size = 32;
  // msModelSlim W4A16 per-group, k_proj [32,64]: weight [16,64], scales [32,2].
  auto g = facts({{"weight", Dtype::I8, {16, 64}, "W4A16", false},
                  {"weight_scale", Dtype::F32, {32, 2}, "W4A16", false},
                  {"weight_offset", Dtype::F32, {32, 2}, "W4A16", false}});
  auto mg = match_scheme(Family::MsModelSlim, QuantType::W4A16, "W4A16", g, ctx);
  ASSERT_TRUE(mg.ok());
  EXPECT_EQ(mg.scheme->id, "ms.W4A16.per-group");
  EXPECT_EQ(mg.vars.n, 32u);
  // Golden-Stick W4A16 gs=32, k_proj: weight [64,16] + Int4, scale [2,32].
  auto gs = facts({{"weight", Dtype::I8, {64, 16}, "W4A16", true},
                   {"weight_scale", Dtype::BF16, {2, 32}, "W4A16", false},
                   {"weight_offset", Dtype::I32, {2, 32}, "W4A16", false}});
  auto mgs = match_scheme(Family::GoldenStick, QuantType::W4A16, "W4A16", gs, ctx);
  ASSERT_TRUE(mgs.ok());
  EXPECT_EQ(mgs.scheme->id, "gs.W4A16.per-group");
  gs[0].int4_marker = false;
  auto no_marker = match_scheme(Family::GoldenStick, QuantType::W4A16, "W4A16", gs, ctx);
  ASSERT_EQ(no_marker.mismatches.size(), 1u);
  EXPECT_EQ(no_marker.mismatches[0].kind, MismatchKind::Int4Marker);
  // Golden-Stick W8A8: [k] vectors select the smoothed form, [1] the plain one.
  auto smooth = facts({{"weight", Dtype::I8, {32, 64}, "W8A8", false},
                       {"weight_scale", Dtype::BF16, {32}, "W8A8", false},
                       {"weight_offset", Dtype::I32, {32}, "W8A8", false},
                       {"input_scale", Dtype::BF16, {64}, "W8A8", false},
                       {"input_offset", Dtype::I8, {64}, "W8A8", false},
                       {"deq_scale", Dtype::F32, {32}, "W8A8", false},
                       {"quant_bias", Dtype::I32, {32}, "W8A8", false}});
  EXPECT_EQ(match_scheme(Family::GoldenStick, QuantType::W8A8, "W8A8", smooth, ctx).scheme->id, "gs.W8A8.smoothed");
  smooth[3].shape = {1};
  smooth[4] = {"input_offset", Dtype::BF16, {1}, "W8A8", false};
  auto plain = match_scheme(Family::GoldenStick, QuantType::W8A8, "W8A8", smooth, ctx);
  EXPECT_TRUE(plain.ok());
  EXPECT_EQ(plain.scheme->id, "gs.W8A8.plain");
}

TEST(Match, AWrongGroupCountIsReportedAgainstThePerGroupForm) {
  // group_size 16 and k = 64 give G = 4; the scales hold 3 groups. Both
  // variants have two mismatches, but the [n,3] scales are per-group in
  // form, so the finding must say "expected [32,4]", not "[32,1]".
  SchemeContext ctx;
  ctx.model_dtype = Dtype::BF16;
  ctx.group_size = 16;
  auto t = facts({{"weight", Dtype::I8, {32, 64}, "W8A8_DYNAMIC", false},
                  {"weight_scale", Dtype::F32, {32, 3}, "W8A8_DYNAMIC", false},
                  {"weight_offset", Dtype::F32, {32, 3}, "W8A8_DYNAMIC", false}});
  auto m = match_scheme(Family::MsModelSlim, QuantType::W8A8_DYNAMIC, "W8A8_DYNAMIC", t, ctx);
  EXPECT_EQ(m.scheme->id, "ms.W8A8_DYNAMIC.per-group");
  ASSERT_EQ(m.mismatches.size(), 2u);
  EXPECT_EQ(m.mismatches[0].expected, "[32,4]");
  // A [n,1] scale with the wrong n still reads as the per-channel form.
  t[1].shape = {31, 1};
  t[2].shape = {31, 1};
  auto pc = match_scheme(Family::MsModelSlim, QuantType::W8A8_DYNAMIC, "W8A8_DYNAMIC", t, ctx);
  EXPECT_EQ(pc.scheme->id, "ms.W8A8_DYNAMIC");
  EXPECT_EQ(pc.mismatches[0].expected, "[32,1]");
}

TEST(Match, SingleGroupW4A16IsPerChannelAndPackedAlongK) {
  // msModelSlim's V0 saver: trans_flag = weight_scale.shape[-1] == 1 packs
  // along k ([n,k/2]); per-group along n ([n/2,k])
  // (docs/research/msmodelslim.md §4). n = 32, k = 64, group_size 64: one group.
  SchemeContext ctx;
  ctx.model_dtype = Dtype::BF16;
  ctx.group_size = 64;
  auto along_n = facts({{"weight", Dtype::I8, {16, 64}, "W4A16", false},
                        {"weight_scale", Dtype::F32, {32, 1}, "W4A16", false},
                        {"weight_offset", Dtype::F32, {32, 1}, "W4A16", false}});
  auto bad = match_scheme(Family::MsModelSlim, QuantType::W4A16, "W4A16", along_n, ctx);
  EXPECT_FALSE(bad.ok());
  auto along_k = facts({{"weight", Dtype::I8, {32, 32}, "W4A16", false},
                        {"weight_scale", Dtype::F32, {32, 1}, "W4A16", false},
                        {"weight_offset", Dtype::F32, {32, 1}, "W4A16", false}});
  auto good = match_scheme(Family::MsModelSlim, QuantType::W4A16, "W4A16", along_k, ctx);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.scheme->id, "ms.W4A16.per-channel");
}

TEST(Match, FlatQuantWrappedMxFp4KeepsItsTransforms) {
  // W4A4_MXFP4_FLATQUANT (registered by vllm-ascend since 0.20,
  // w4a4_mxfp4_flatquant.py@182b75ea84ff L66-109): the MX FP4 tensors plus
  // left_trans, right_trans, clip_ratio; msModelSlim tags the wrapper's
  // tensors FLOAT_FLATQUANT when the layer has a bias, else the type
  // (docs/research/msmodelslim.md §5). n = 32, k = 64: B = 2.
  SchemeContext ctx;
  ctx.model_dtype = Dtype::BF16;
  auto t = facts({{"weight", Dtype::U8, {32, 32}, "W4A4_MXFP4_FLATQUANT", false},
                  {"weight_scale", Dtype::U8, {32, 2}, "W4A4_MXFP4_FLATQUANT", false},
                  {"left_trans", Dtype::F32, {8, 8}, "W4A4_MXFP4_FLATQUANT", false},
                  {"right_trans", Dtype::F32, {8, 8}, "W4A4_MXFP4_FLATQUANT", false},
                  {"clip_ratio", Dtype::F32, {1}, "W4A4_MXFP4_FLATQUANT", false}});
  auto m = match_scheme(Family::MsModelSlim, QuantType::W4A4_MXFP4, "W4A4_MXFP4_FLATQUANT", t, ctx);
  EXPECT_TRUE(m.ok()) << (m.mismatches.empty() ? "" : m.mismatches[0].suffix + ": " + m.mismatches[0].expected);
  // Without the wrapper in its tag, the same transforms are unexpected.
  for (auto& f : t) f.tag = "W4A4_MXFP4";
  EXPECT_FALSE(match_scheme(Family::MsModelSlim, QuantType::W4A4_MXFP4, "W4A4_MXFP4", t, ctx).ok());
}

TEST(Match, GoldenStickPerExpertA8W4) {
  // One expert of Golden-Stick's split qwen3_moe A8W4 output: gate_proj
  // n = 32, k = 64, group_size 32 (G = 2): weight [16,64] qint4x2 with the
  // Int4 marker, scales U64 [32,2], offsets I32 [32,2]
  // (docs/research/ms-runtimes.md Q3; MindFormers grouped_layers.py L329-378).
  SchemeContext ctx;
  ctx.model_dtype = Dtype::BF16;
  ctx.group_size = 32;
  auto t = facts({{"weight", Dtype::I8, {16, 64}, "W4A8_DYNAMIC", true},
                  {"weight_scale", Dtype::U64, {32, 2}, "W4A8_DYNAMIC", false},
                  {"weight_offset", Dtype::I32, {32, 2}, "W4A8_DYNAMIC", false}});
  auto m = match_scheme(Family::GoldenStick, QuantType::W4A8_DYNAMIC, "W4A8_DYNAMIC", t, ctx);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.scheme->id, "gs.W4A8_DYNAMIC.per-expert");
  EXPECT_EQ(m.vars.n, 32u);
  EXPECT_EQ(m.vars.k, 64u);
}

TEST(Match, MlaFaQuantHasOneKvHeadAndDynamicQ) {
  // msModelSlim's DeepSeek-V3 adapter: fa_k/fa_v [1,1] (compressed_kv,
  // one latent head), no fa_q tensors when q is per-token dynamic
  // (Ascend/msmodelslim save/ascendv1.py@3de0a3c4e965 L550-570).
  SchemeContext ctx;
  ctx.model_dtype = Dtype::BF16;
  ctx.heads = 4;
  ctx.kv_heads = 1;  // what Checkpoint::scheme_context() gives for kv_lora_rank
  auto fa = facts({{"fa_k.scale", Dtype::F32, {1, 1}, "FAQuant", false},
                   {"fa_k.offset", Dtype::F32, {1, 1}, "FAQuant", false},
                   {"fa_v.scale", Dtype::F32, {1, 1}, "FAQuant", false},
                   {"fa_v.offset", Dtype::F32, {1, 1}, "FAQuant", false}});
  EXPECT_TRUE(match_scheme(Family::MsModelSlim, QuantType::FAQuant, "FAQuant", fa, ctx).ok());
}

TEST(QuantTypes, AttentionQuantTypeGrammar) {
  // Values msModelSlim's V1 saver composes (test_ascendv1.py L307-350 and
  // the lab_practice configs) and ones it cannot.
  for (const char* ok : {"Q_FP8_DYNAMIC_KV_FP8", "QK_INT8_DYNAMIC", "INT8", "FP8", "FP8_DYNAMIC", "INT8_DYNAMIC", "Q_FP8",
                         "Q_INT8_DYNAMIC", "QV_INT8_K_FP8", "Q_INT8_K_FP8_DYNAMIC_V_FP8", "Q_MXFP4_DYNAMIC"})
    EXPECT_EQ(attention_quant_type_problem(ok), "") << ok;
  for (const char* bad : {"", "Q_FP16", "QKV_INT8", "KQ_INT8", "Q_INT8_Q_FP8", "MXFP4", "INT8_FP8", "Q_INT8__K_FP8",
                          "q_int8", "Q_INT8_DYNAMIC_DYNAMIC"})
    EXPECT_NE(attention_quant_type_problem(bad), "") << bad;
}

TEST(Match, AttentionSchemesUseTheHeadCounts) {
  SchemeContext ctx;
  ctx.model_dtype = Dtype::BF16;
  ctx.heads = 4;
  ctx.kv_heads = 2;
  ctx.head_dim = 16;
  auto c8 = facts({{"k_proj.kv_cache_scale", Dtype::F32, {32}, "C8", false},
                   {"k_proj.kv_cache_offset", Dtype::F32, {32}, "C8", false},
                   {"v_proj.kv_cache_scale", Dtype::F32, {32}, "C8", false},
                   {"v_proj.kv_cache_offset", Dtype::F32, {16}, "C8", false}});
  auto m = match_scheme(Family::MsModelSlim, QuantType::C8, "C8", c8, ctx);
  ASSERT_EQ(m.mismatches.size(), 1u);
  EXPECT_EQ(m.mismatches[0].suffix, "v_proj.kv_cache_offset");
  EXPECT_EQ(m.mismatches[0].expected, "[32]");
  auto fa = facts({{"fa_q.scale", Dtype::BF16, {4, 1}, "FAQuant", false},
                   {"fa_q.offset", Dtype::I8, {4, 1}, "FAQuant", false},
                   {"fa_k.scale", Dtype::BF16, {2, 16}, "FAQuant", false},
                   {"fa_k.offset", Dtype::BF16, {2, 16}, "FAQuant", false},
                   {"fa_v.scale", Dtype::BF16, {4, 1}, "FAQuant", false},  // wrong: kv heads
                   {"fa_v.offset", Dtype::I8, {2, 1}, "FAQuant", false}});
  auto mf = match_scheme(Family::MsModelSlim, QuantType::FAQuant, "FAQuant", fa, ctx);
  ASSERT_EQ(mf.mismatches.size(), 1u);
  EXPECT_EQ(mf.mismatches[0].suffix, "fa_v.scale");
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// The SchemeId enum and the table's ids are the same list.
TEST(SchemeIds, EnumAndTableAgree) {
  std::set<std::string> table, listed;
  for (const Scheme& s : all_schemes()) {
    table.insert(std::string(s.id));
    EXPECT_EQ(scheme_id_name(s.key), s.id) << s.id << " has a row whose enum and id disagree";
  }
#define QKIT_X(e, s) listed.insert(s);
  QKIT_SCHEME_IDS(QKIT_X)
#undef QKIT_X
  EXPECT_EQ(table, listed);
}

// Every tensor rule has a role, and roles mean the same in both families
// (hand-written: the names both producers use, msmodelslim-format.md §3,
// golden-stick-format.md §4).
TEST(SchemeRoles, EveryRuleHasARoleAndCanonicalSuffixesAreTheProducers) {
  for (const Scheme& s : all_schemes())
    for (const TensorRule& r : s.tensors) EXPECT_NE(r.role(), Role::Unknown) << s.id << " " << r.suffix;
  EXPECT_EQ(suffix_of(Role::DeqScale), "deq_scale");
  EXPECT_EQ(suffix_of(Role::QuantBias), "quant_bias");
  EXPECT_EQ(suffix_of(Role::InputOffset), "input_offset");
  EXPECT_EQ(suffix_of(Role::FaKScale), "fa_k.scale");
  EXPECT_EQ(role_of_suffix("fa3_k.scale"), Role::FaKScale);
  EXPECT_EQ(role_of_suffix("k_proj.kv_cache_offset"), Role::KvKOffset);
  EXPECT_EQ(role_of_suffix("weight_scale_second"), Role::WeightScaleSecond);
  EXPECT_EQ(role_of_suffix("nonsense"), Role::Unknown);
}

// Traits written by hand from the formats: msModelSlim W8A8 is static
// per-tensor with deq_scale; W8A8_DYNAMIC per-token; Golden-Stick's
// smoothed W8A8 has per-channel activation scales.
TEST(SchemeTraits, KeyFactsPerScheme) {
  EXPECT_EQ(scheme_by_id("ms.W8A8")->traits.act, ActQuant::StaticPerTensor);
  EXPECT_EQ(scheme_by_id("ms.W8A8")->traits.formula, DequantFormula::DeqScale);
  EXPECT_EQ(scheme_by_id("ms.W8A8_DYNAMIC")->traits.act, ActQuant::DynamicPerToken);
  EXPECT_EQ(scheme_by_id("ms.W8A8_DYNAMIC.per-group")->traits.grouping, WeightGrouping::PerGroup);
  EXPECT_EQ(scheme_by_id("gs.W8A8.smoothed")->traits.act, ActQuant::StaticPerChannel);
  EXPECT_EQ(scheme_by_id("ms.W8A8_MIX")->traits.act, ActQuant::MixedPD);
  EXPECT_EQ(scheme_by_id("ms.W8A16")->traits.act, ActQuant::None);
  EXPECT_TRUE(scheme_by_id("gs.W8A8.plain")->is(SchemeId::GsW8A8Plain));
}

}  // namespace
}  // namespace qkit
