//===- tests/inspect_test.cpp - qinspect's library: every output mode ----===//
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include <zlib.h>

#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "formats/float_codec.h"
#include "formats/safetensors_writer.h"
#include "inspect/dequant.h"
#include "inspect/inspector.h"
#include "inspect/render.h"
#include "samples/catalog.h"
#include "samples/synthetic_checkpoint.h"
#include "tests/test_util.h"
#include "tests/tool_runner.h"

namespace qkit {
namespace {

namespace fs = std::filesystem;
using inspect::InspectOptions;

fs::path sample(const test::TempDir& d, const std::string& name) {
  EXPECT_TRUE(samples::write_sample(d / name, *samples::find_sample(name)).ok());
  return d / name;
}

Checkpoint open(const fs::path& p) {
  auto c = Checkpoint::open(p);
  if (!c) throw std::runtime_error(c.error().to_string());
  return std::move(*c);
}

TEST(InspectJson, DocumentedSchemaAgreesWithReaderAndSchemeTable) {
  test::TempDir d;
  Checkpoint c = open(sample(d, "tiny-qwen-w8a8-msmodelslim"));
  auto r = inspect::inspect(c, InspectOptions{});
  ASSERT_TRUE(r.ok());
  auto j = nlohmann::json::parse(inspect::render_json(c, *r, {}));
  for (const char* k : {"path", "layout", "config", "model_quant_type", "files", "tensors", "summary"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["layout"], "msmodelslim-v1");
  EXPECT_EQ(j["model_quant_type"], "W8A8");
  EXPECT_EQ(j["config"]["num_key_value_heads"], 2);
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["tensors"].size(), 83u);
  std::uint64_t total = 0;
  for (const auto& t : j["tensors"]) {
    const TensorRef* ref = c.find(t["name"].get<std::string>());
    ASSERT_NE(ref, nullptr);
    EXPECT_EQ(t["dtype"], std::string(dtype_name(ref->info->dtype)));
    EXPECT_EQ(t["shape"].get<std::vector<std::uint64_t>>(), ref->info->shape);
    EXPECT_EQ(t["data_offsets"][0].get<std::uint64_t>(), ref->info->begin);
    EXPECT_EQ(t["data_offsets"][1].get<std::uint64_t>(), ref->info->end);
    EXPECT_EQ(t["nbytes"].get<std::uint64_t>(), ref->info->end - ref->info->begin);
    EXPECT_EQ(t["quant_type"], std::string(c.ms_description()->tensor_types.at(ref->info->name)));
    total += t["nbytes"].get<std::uint64_t>();
    // Every quantized tensor's dtype is one its scheme allows.
    const std::string name = t["name"];
    if (t["quant_type"] == "W8A8") {
      std::string suffix = name.substr(name.rfind('.') + 1);
      const Scheme* s = scheme_by_id("ms.W8A8");
      const TensorRule* rule = s->rule(suffix);
      ASSERT_NE(rule, nullptr) << name;
      EXPECT_TRUE(dtype_matches(rule->dtypes, ref->info->dtype, Dtype::BF16)) << name;
    }
  }
  EXPECT_EQ(j["summary"]["tensor_count"], 83);
  EXPECT_EQ(j["summary"]["total_bytes"].get<std::uint64_t>(), total);
  // Counted by hand: 14 int8 weights of 2 x (4096 + 2048 + 2048 + 4096 + 3 x 8192) elements.
  EXPECT_EQ(j["summary"]["by_dtype"]["I8"]["elements"], 73728);
  EXPECT_EQ(j["summary"]["by_dtype"]["I8"]["tensors"], 14);
  EXPECT_EQ(j["summary"]["by_quant_type"]["W8A8"]["modules"], 14);
  // Tensors count under the tag the description gives each (issue #16):
  // 5 quantization tensors per module (weight, input_scale, input_offset,
  // deq_scale, quant_bias) = 70; the 6 q/k/v biases are tagged FLOAT and
  // count there, beside the 7 float tensors (embedding, 4 layer norms, the
  // final norm, lm_head) = 13; modules still count under their type.
  EXPECT_EQ(j["summary"]["by_quant_type"]["W8A8"]["tensors"], 70);
  EXPECT_EQ(j["summary"]["by_quant_type"]["FLOAT"]["tensors"], 13);
}

TEST(InspectJson, Crc32MatchesZlibOverTheTensorBytes) {
  test::TempDir d;
  Checkpoint c = open(sample(d, "tiny-llama-w4a16-golden-stick"));
  InspectOptions o;
  o.checksum = true;
  auto r = inspect::inspect(c, o);
  ASSERT_TRUE(r.ok());
  auto j = nlohmann::json::parse(inspect::render_json(c, *r, {}));
  // Independently: open the shard with the plain reader and hash with zlib.
  auto f = SafetensorsFile::open(d / "tiny-llama-w4a16-golden-stick" / "quant-model-00001-of-00001.safetensors");
  ASSERT_TRUE(f.ok());
  for (const auto& t : j["tensors"]) {
    const TensorInfo* info = f->find(t["name"].get<std::string>());
    ASSERT_NE(info, nullptr);
    auto bytes = f->data(*info);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
    char want[16];
    std::snprintf(want, sizeof want, "%08lx", crc);
    EXPECT_EQ(t["crc32"], want) << t["name"];
  }
}

TEST(InspectSummary, LayerMapShowsTypesPerLayerAndColumn) {
  test::TempDir d;
  Checkpoint moe = open(sample(d, "tiny-moe-w8a8-dynamic-msmodelslim"));
  auto r = inspect::inspect(moe, InspectOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->layer_map.columns, (std::vector<std::string>{"q", "k", "v", "o", "experts"}));
  ASSERT_EQ(r->layer_map.rows.size(), 2u);
  EXPECT_EQ(r->layer_map.rows[1].second, (std::vector<std::string>(5, "8d")));
  std::string map = inspect::render_layer_map(*r);
  EXPECT_NE(map.find("legend: 8d=W8A8_DYNAMIC"), std::string::npos) << map;
  for (std::size_t pos = 0, next; (next = map.find('\n', pos)) != std::string::npos; pos = next + 1)
    EXPECT_LE(next - pos, 80u) << "layer map lines fit 80 columns";
  // Mixed precision shows up: make one layer's down_proj float.
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-w8a8-dynamic-msmodelslim"));
  b.content.description["model.layers.1.mlp.down_proj.weight"] = "FLOAT";
  for (const char* s : {"weight_scale", "weight_offset"}) b.content.description.erase(std::string("model.layers.1.mlp.down_proj.") + s);
  auto& ts = b.content.tensors;
  ts.erase(std::remove_if(ts.begin(), ts.end(), [](const OutputTensor& t) {
             return t.source.name == "model.layers.1.mlp.down_proj.weight_scale" ||
                    t.source.name == "model.layers.1.mlp.down_proj.weight_offset";
           }),
           ts.end());
  ASSERT_TRUE(write_checkpoint(d / "mixed", b.content, b.options).ok());
  Checkpoint mixed = open(d / "mixed");
  auto rm = inspect::inspect(mixed, InspectOptions{});
  ASSERT_TRUE(rm.ok());
  EXPECT_EQ(rm->layer_map.rows[1].second.back(), "-");
  EXPECT_EQ(rm->layer_map.rows[0].second.back(), "8d");
}

TEST(InspectSummary, BitsPerWeightCountsPackedInt4AsTwoWeights) {
  test::TempDir d;
  Checkpoint c = open(sample(d, "tiny-llama-w4a16-golden-stick"));
  auto r = inspect::inspect(c, InspectOptions{});
  ASSERT_TRUE(r.ok());
  // Linear weights: 73,728 int4 values in 36,864 bytes; float tensors are 16-bit.
  EXPECT_EQ(r->by_quant_type.at("W4A16").weights, 73728u);
  EXPECT_GT(r->quantized_bits_per_weight, 4.0);
  EXPECT_LT(r->quantized_bits_per_weight, 5.0);
}

TEST(InspectTensors, GlobAndRegexFilters) {
  EXPECT_TRUE(inspect::glob_match("model.layers.*.q_proj.weight", "model.layers.1.self_attn.q_proj.weight"));
  EXPECT_TRUE(inspect::glob_match("*.[kv]_proj.*", "model.layers.0.self_attn.k_proj.weight"));
  EXPECT_FALSE(inspect::glob_match("*.[kv]_proj.*", "model.layers.0.self_attn.q_proj.weight"));
  EXPECT_TRUE(inspect::glob_match("lm_head.weigh?", "lm_head.weight"));
  EXPECT_FALSE(inspect::glob_match("lm_head", "lm_head.weight"));
  test::TempDir d;
  Checkpoint c = open(sample(d, "tiny-llama-w8a8-dynamic-msmodelslim"));
  InspectOptions o;
  o.filter = "*.layers.0.*_proj.weight";
  EXPECT_EQ(inspect::inspect(c, o)->tensors.size(), 7u);
  o.filter = "layers\\.1\\..*(gate|up)_proj\\.weight_scale$";
  o.regex = true;
  EXPECT_EQ(inspect::inspect(c, o)->tensors.size(), 2u);
  o.filter = "(";
  EXPECT_FALSE(inspect::inspect(c, o).ok()) << "a bad regex is an error, not a crash";
}

TEST(InspectStats, KnownValuesAndHistograms) {
  test::TempDir d;
  std::vector<float> vals = {1.0f, 2.0f, 3.0f, 0.0f, NAN, -2.0f};
  std::vector<TensorSource> ts{{"x", Dtype::F32, {6}, std::as_bytes(std::span(vals)), {}}};
  ASSERT_TRUE(write_safetensors(d / "x.safetensors", ts).ok());
  Checkpoint c = open(d / "x.safetensors");
  InspectOptions o;
  o.stats = true;
  auto r = inspect::inspect(c, o);
  ASSERT_TRUE(r.ok());
  const auto& s = *r->tensors[0].stats;
  EXPECT_EQ(s.count, 6u);
  EXPECT_EQ(s.nan, 1u);
  EXPECT_EQ(s.zeros, 1u);
  EXPECT_EQ(s.min, -2.0);
  EXPECT_EQ(s.max, 3.0);
  EXPECT_DOUBLE_EQ(s.mean, 0.8);  // (1 + 2 + 3 + 0 - 2) / 5
  // Integer weights get a histogram and their dequantized range.
  Checkpoint q = open(sample(d, "tiny-llama-w8a8-dynamic-msmodelslim"));
  o.filter = "model.layers.0.self_attn.k_proj.weight";
  auto rq = inspect::inspect(q, o);
  ASSERT_TRUE(rq.ok());
  ASSERT_EQ(rq->tensors.size(), 1u);
  const auto& sq = *rq->tensors[0].stats;
  std::uint64_t total = 0;
  for (const auto& [v, n] : sq.histogram) {
    EXPECT_GE(v, -128);
    EXPECT_LE(v, 127);
    total += n;
  }
  EXPECT_EQ(total, 32u * 64u);
  ASSERT_TRUE(sq.dequantized.has_value());
  EXPECT_LT(sq.dequantized->first, 0);
  EXPECT_GT(sq.dequantized->second, 0);
}

// The dequantizer against the float model, for every quantized layout of
// the catalog: the error must be within the quantization step.
// A packed int4 weight's statistics are of its values, two per byte, and
// the text histogram is one bar per value. The W4A16 Golden-Stick sample's
// down_proj weight is [k=128, n/2=32] bytes: 8,192 int4 values in [-8, 7].
TEST(InspectStats, PackedInt4CountsValuesNotBytes) {
  test::TempDir d;
  Checkpoint c = open(sample(d, "tiny-llama-w4a16-golden-stick"));
  InspectOptions o;
  o.stats = true;
  o.filter = "model.layers.0.mlp.down_proj.weight";
  auto r = inspect::inspect(c, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->tensors.size(), 1u);
  const auto& s = *r->tensors[0].stats;
  EXPECT_TRUE(s.int4);
  EXPECT_EQ(s.count, 128u * 64u);
  EXPECT_GE(s.min, -8);
  EXPECT_LE(s.max, 7);
  std::uint64_t total = 0;
  for (const auto& [v, n] : s.histogram) {
    EXPECT_GE(v, -8);
    EXPECT_LE(v, 7);
    total += n;
  }
  EXPECT_EQ(total, 128u * 64u);
  // The byte-level view: each byte's two nibbles, recounted here by hand.
  const TensorRef* w = c.find("model.layers.0.mlp.down_proj.weight");
  std::map<int, std::uint64_t> by_hand;
  for (std::byte b : c.data(*w)) {
    const int v = static_cast<std::int8_t>(b);
    ++by_hand[((v & 0x0f) ^ 8) - 8];
    ++by_hand[(((v >> 4) & 0x0f) ^ 8) - 8];
  }
  EXPECT_EQ(s.histogram, by_hand);
  const std::string text = inspect::render_tensors(c, *r);
  EXPECT_NE(text.find("histogram of the int4 values (unpacked):\n"), std::string::npos) << text;
  std::size_t bars = 0;
  for (std::size_t p = 0; (p = text.find("\n      ", p)) != std::string::npos; ++p) ++bars;
  EXPECT_EQ(bars, by_hand.size()) << text;
}

TEST(Dequantizer, ReconstructsTheFloatWeightsOfEveryLayout) {
  test::TempDir d;
  for (const samples::SampleSpec& s : samples::sample_catalog()) {
    if (s.type == QuantType::FLOAT || s.type == QuantType::W8A8SC) continue;
    Checkpoint c = open(sample(d, s.name));
    auto model = samples::make_float_model(s.model);
    std::map<std::string, const samples::FloatTensor*> by_name;
    for (const auto& t : model) by_name[t.name] = &t;
    for (const Module& m : c.modules()) {
      if (m.scope != QuantScope::Linear) continue;
      auto dq = inspect::WeightDequantizer::create(c, m);
      ASSERT_TRUE(dq.ok()) << s.name << " " << m.prefix << ": " << dq.error().to_string();
      const samples::FloatTensor* f = by_name.at(std::string(m.prefix) + ".weight");
      ASSERT_EQ(dq->rows(), f->shape[0]) << s.name;
      ASSERT_EQ(dq->cols(), f->shape[1]) << s.name;
      std::vector<float> rows;
      ASSERT_TRUE(dq->read_rows(0, dq->rows(), rows).ok());
      double amax = 0, err = 0;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        amax = std::max(amax, std::fabs(static_cast<double>(f->values[i])));
        // Golden-Stick smoothing scales the stored weight by s_k: compare only unsmoothed layouts exactly.
        err = std::max(err, std::fabs(static_cast<double>(rows[i]) - f->values[i]));
      }
      if (s.variant == "smoothed" || s.type == QuantType::W8A8S) continue;
      const unsigned bits = quant_type_info(s.type).weight_bits;
      // Integer layouts: half a quantization step when the scale is stored in
      // F32; a whole step when it is stored in 16 bits (|q| x the scale's
      // 2^-9 rounding adds up to a quarter step, Golden-Stick's 2*amax/255
      // steps a little more). FP8: E4M3's 2^-4 relative rounding; MX blocks
      // saturate at 448 (FP8, up to 1/8 of the block maximum) or round to
      // the FP4 grid (up to 1/3).
      const TensorRef* scale = nullptr;
      for (const auto& [suffix, ref] : m.tensors)
        if (suffix == "weight_scale") scale = ref;
      const bool coarse = layout_family(s.layout) == Family::GoldenStick || (scale && (scale->info->dtype == Dtype::BF16 || scale->info->dtype == Dtype::F16));
      double step = amax / (bits == 4 ? 7.0 : 127.0);
      double bound = step * (coarse ? 1.0 : 0.51);
      // compressed-tensors also rounds x/scale to the weight's dtype before
      // rounding to the grid (initialize.py@52792be L251-273): BF16's 2^-9
      // relative error on |q| <= 127 adds a quarter step.
      if (layout_family(s.layout) == Family::CompressedTensors) bound = step * 1.26;
      if (s.type == QuantType::WFP8AFP8_DYNAMIC) bound = amax * 0.07;
      if (s.type == QuantType::W8A8_MXFP8) bound = amax * 0.13;
      if (s.type == QuantType::W4A4_MXFP4) bound = amax * 0.34;
      EXPECT_LE(err, bound + 1e-6) << s.name << " " << m.prefix;
    }
  }
}

TEST(InspectDiff, IdenticalDifferentAndAcrossFamilies) {
  test::TempDir d;
  fs::path a = sample(d, "tiny-llama-w8a8-dynamic-msmodelslim");
  Checkpoint ca = open(a);
  inspect::DiffResult same = inspect::diff(ca, ca);
  EXPECT_TRUE(same.same());
  EXPECT_EQ(same.identical, ca.tensors().size());
  for (const auto& m : same.modules) EXPECT_EQ(m.max_abs_diff, 0.0) << m.prefix;
  // One scale changed: a byte difference and a dequantized difference on that module only.
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-w8a8-dynamic-msmodelslim"));
  OutputTensor* t = b.find("model.layers.0.mlp.up_proj.weight_scale");
  std::vector<std::byte> bytes(t->source.bytes.begin(), t->source.bytes.end());
  float v;
  std::memcpy(&v, bytes.data(), 4);
  v *= 2;
  std::memcpy(bytes.data(), &v, 4);
  t->source.bytes = b.own(std::move(bytes));
  b.content.tensors.pop_back();  // lm_head.weight only in A
  ASSERT_TRUE(write_checkpoint(d / "b", b.content, b.options).ok());
  Checkpoint cb = open(d / "b");
  inspect::DiffResult diff = inspect::diff(ca, cb);
  EXPECT_FALSE(diff.same());
  EXPECT_EQ(diff.only_a, (std::vector<std::string>{"lm_head.weight"}));
  ASSERT_EQ(diff.changed.size(), 1u);
  EXPECT_EQ(diff.changed[0].name, "model.layers.0.mlp.up_proj.weight_scale");
  EXPECT_GT(diff.changed[0].max_abs_diff.value_or(0), 0);
  for (const auto& m : diff.modules) {
    EXPECT_EQ(m.max_abs_diff.value_or(-1) > 0, m.prefix == "model.layers.0.mlp.up_proj") << m.prefix;
    // What the runtime computes differs on that layer only, too.
    EXPECT_EQ(m.max_output_diff.value_or(-1) > 0, m.prefix == "model.layers.0.mlp.up_proj") << m.prefix;
  }
  for (const auto& m : same.modules) EXPECT_EQ(m.max_output_diff, 0.0) << m.prefix;
  // msModelSlim vs Golden-Stick W8A16 of the same model: different scales,
  // dequantized weights within one quantization step of each other.
  Checkpoint ms = open(sample(d, "tiny-llama-w8a16-msmodelslim"));
  Checkpoint gs = open(sample(d, "tiny-llama-w8a16-golden-stick"));
  inspect::DiffResult x = inspect::diff(ms, gs);
  ASSERT_EQ(x.modules.size(), 14u);
  for (const auto& m : x.modules) {
    ASSERT_TRUE(m.max_abs_diff.has_value()) << m.prefix << ": " << m.note;
    EXPECT_LT(*m.max_abs_diff, *m.max_abs / 127.0 * 1.1) << m.prefix;
  }
  std::string text = inspect::render_diff(x, false);
  EXPECT_NE(text.find("quantized linears in both: 14"), std::string::npos) << text;
  // Two quantizations of one model compute differently: every layer is
  // evaluated and its output difference shown.
  for (const auto& m : x.modules) EXPECT_TRUE(m.max_output_diff.has_value()) << m.prefix;
  EXPECT_NE(text.find("max |dy|"), std::string::npos) << text;
}

// --diff that can be trusted (issue #16): NaN against a number is a
// difference, an unreadable shard is named, a float checkpoint's untagged
// tensors equal FLOAT-tagged ones, and --tolerance decides the exit code.
TEST(InspectDiff, NanUnreadableShardsFloatTagsAndTolerance) {
  test::TempDir d;
  fs::path a = sample(d, "tiny-llama-w8a8-dynamic-msmodelslim");
  Checkpoint ca = open(a);
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-w8a8-dynamic-msmodelslim"));
  OutputTensor* t = b.find("model.norm.weight");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->source.dtype, Dtype::BF16);
  std::vector<std::byte> bytes(t->source.bytes.begin(), t->source.bytes.end());
  const std::uint16_t nan = 0x7fc0;
  std::memcpy(bytes.data(), &nan, 2);
  t->source.bytes = b.own(std::move(bytes));
  ASSERT_TRUE(write_checkpoint(d / "b", b.content, b.options).ok());
  Checkpoint cb = open(d / "b");
  inspect::DiffResult nd = inspect::diff(ca, cb);
  ASSERT_EQ(nd.changed.size(), 1u);
  EXPECT_TRUE(std::isinf(nd.changed[0].max_abs_diff.value_or(0))) << "NaN must not compare as 0";
  EXPECT_FALSE(nd.within(1.0));
  // Float vs quantized: the untouched tensors (embeddings, norms, lm_head) count as identical.
  inspect::DiffResult fq = inspect::diff(open(sample(d, "tiny-llama-float")), ca);
  EXPECT_EQ(fq.identical, 7u);
  // An unreadable shard is named, and the diff is not "within" any tolerance.
  // Two copies in two directories (the sample helper writes into d / name).
  test::TempDir d2;
  Checkpoint good = open(sample(d2, "tiny-qwen-w8a8-msmodelslim"));
  fs::path broken = sample(d, "tiny-qwen-w8a8-msmodelslim");
  test::write_file(broken / "quant_model_weights-00002-of-00002.safetensors", "garbage!");
  Checkpoint bad = open(broken);
  inspect::DiffResult ud = inspect::diff(good, bad);
  ASSERT_EQ(ud.unreadable_b.size(), 1u);
  EXPECT_NE(ud.unreadable_b[0].find("quant_model_weights-00002-of-00002.safetensors"), std::string::npos);
  EXPECT_NE(inspect::render_diff(ud, false).find("B: unreadable shard quant_model_weights-00002"), std::string::npos);
  EXPECT_FALSE(ud.within(1e9));
  // A conversion computes the same: within tolerance 0, though bytes differ.
  fs::path gs = d / "gs";
  auto r = test::run_tool(QKIT_QCONVERT, {"--from", "msmodelslim", "--to", "mindspore", "--quiet", a.string(), gs.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::run_tool(QKIT_QINSPECT, {"--diff", a.string(), gs.string()}).exit_code, 1);
  EXPECT_EQ(test::run_tool(QKIT_QINSPECT, {"--diff", "--tolerance", "0", a.string(), gs.string()}).exit_code, 0);
  EXPECT_EQ(test::run_tool(QKIT_QINSPECT, {"--diff", "--tolerance", "0", a.string(), (d / "b").string()}).exit_code, 1);
}

// The group size is shown for every family (issue #16): Golden-Stick's
// description has no group_size, the scales say it. The catalog makes
// tiny-llama-w4a16-golden-stick with group 64 (down_proj, k = 128: two
// groups; the k = 64 layers hold one).
TEST(InspectSummary, GroupSizeShownForGoldenStickFromTheScales) {
  test::TempDir d;
  Checkpoint c = open(sample(d, "tiny-llama-w4a16-golden-stick"));
  auto r = inspect::inspect(c, InspectOptions{});
  ASSERT_TRUE(r.ok());
  const std::string text = inspect::render_summary(c, *r, {});
  EXPECT_NE(text.find("quantization: quantization_description.json, group size 64 (from the scale shapes)"), std::string::npos)
      << text;
}

TEST(InspectDamaged, PrintsWhatItCanAndMarksTheRest) {
  test::TempDir d;
  fs::path p = sample(d, "tiny-qwen-w8a8-msmodelslim");
  test::write_file(p / "quant_model_weights-00002-of-00002.safetensors", "garbage!");
  Checkpoint c = open(p);
  auto r = inspect::inspect(c, InspectOptions{});
  ASSERT_TRUE(r.ok());
  auto j = nlohmann::json::parse(inspect::render_json(c, *r, {}));
  EXPECT_TRUE(j["files"][0]["tensors"].is_number());
  EXPECT_TRUE(j["files"][1]["tensors"].is_null());
  EXPECT_NE(j["files"][1]["error"].get<std::string>().find("st-header-too-large"), std::string::npos);
  EXPECT_GT(j["tensors"].size(), 0u);
}

TEST(InspectText, ControlCharactersInNamesAreEscaped) {
  test::TempDir d;
  std::int8_t one = 1;
  std::vector<TensorSource> ts{{"evil\n\x1b[31mname", Dtype::I8, {1}, std::as_bytes(std::span(&one, 1)), {}}};
  ASSERT_TRUE(write_safetensors(d / "e.safetensors", ts).ok());
  Checkpoint c = open(d / "e.safetensors");
  auto r = inspect::inspect(c, InspectOptions{});
  ASSERT_TRUE(r.ok());
  std::string out = inspect::render_tensors(c, *r) + inspect::render_summary(c, *r, {});
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("evil\\x0a\\x1b[31mname"), std::string::npos) << out;
}

// Plain tensor rows are written without a document per row: the text must
// stay exactly what nlohmann's dump(2) writes, escapes and empty shapes
// included, with and without checksums.
TEST(InspectJson, StreamedRowsWithOddNamesAreTheDocumentsDump) {
  test::TempDir d;
  const std::string four(4, 'q');
  std::vector<TensorSource> ts;
  for (const char* n : {"a\"b", "c\\d", "e\nf\tg", "h\x01i\x1f", "\xe6\x9d\x83\xe9\x87\x8d.weight", "/x\x7f"})
    ts.push_back(TensorSource{n, Dtype::U8, {2, 2}, test::as_bytes(four), {}});
  // Long names, which the writer scans 8 bytes at a time: each byte that
  // needs an escape at every position of a 24-byte name, and bytes that
  // only look like one to a careless word test (0x7f, 0x80-0xbf, and the
  // neighbours of '"' and '\\').
  for (const char special : {'"', '\\', '\n', '\x01', '\x1f', ' ', '#', '!', '[', ']', '\x7f'})
    for (std::size_t at = 0; at < 24; ++at) {
      std::string n(24, 'm');
      n[at] = special;
      n += std::to_string(at);
      ts.push_back(TensorSource{n, Dtype::U8, {2, 2}, test::as_bytes(four), {}});
    }
  ts.push_back(TensorSource{"model.layers.0.\xc3\xa9\xc2\x80\xe2\x82\xac.weight", Dtype::U8, {2, 2}, test::as_bytes(four), {}});
  ts.push_back(TensorSource{"scalar", Dtype::F32, {}, test::as_bytes(four), {}});
  ts.push_back(TensorSource{"empty", Dtype::BF16, {0, 3}, {}, {}});
  ASSERT_TRUE(write_safetensors(d / "m.safetensors", ts).ok());
  Checkpoint c = open(d / "m.safetensors");
  for (bool crc : {false, true}) {
    InspectOptions o;
    o.rows = true;
    o.checksum = crc;
    auto r = inspect::inspect(c, o);
    ASSERT_TRUE(r.ok());
    const std::string text = inspect::render_json(c, *r, {});
    auto j = nlohmann::ordered_json::parse(text);
    EXPECT_EQ(j.dump(2) + "\n", text);
    ASSERT_EQ(j["tensors"].size(), ts.size());
    std::set<std::string> names;
    for (const auto& t : j["tensors"]) names.insert(t["name"].get<std::string>());
    for (const TensorSource& t : ts) EXPECT_EQ(names.count(t.name), 1u) << t.name;
  }
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// A shard whose file name is not UTF-8 (file systems allow any bytes): its
// rows take the document path, whose dump replaces the bad byte with
// U+FFFD, and the output stays valid JSON.
TEST(InspectJson, ShardNameThatIsNotUtf8IsReplacedNotCopied) {
  test::TempDir d;
  const std::string four(4, 'q');
  const fs::path file = d / "m\xff.safetensors";
  ASSERT_TRUE(write_safetensors(file, {TensorSource{"w", Dtype::U8, {2, 2}, test::as_bytes(four), {}}}).ok());
  Checkpoint c = open(file);
  InspectOptions o;
  o.rows = true;
  auto r = inspect::inspect(c, o);
  ASSERT_TRUE(r.ok());
  const std::string text = inspect::render_json(c, *r, {});
  auto j = nlohmann::ordered_json::parse(text);  // throws on invalid UTF-8
  ASSERT_EQ(j["tensors"].size(), 1u);
  EXPECT_EQ(j["tensors"][0]["file"].get<std::string>(), "m\xef\xbf\xbd.safetensors");
  EXPECT_EQ(j["tensors"][0]["name"].get<std::string>(), "w");
}

// The streamed JSON is the document nlohmann would dump whole with indent 2
// (re-dumping the parsed text reproduces it byte for byte), with and
// without tensors.
TEST(InspectJson, StreamedDocumentIsTheIndent2Dump) {
  test::TempDir d;
  ASSERT_TRUE(samples::write_sample(d / "s", *samples::find_sample("tiny-moe-w8a8-dynamic-msmodelslim")).ok());
  auto c = Checkpoint::open(d / "s");
  ASSERT_TRUE(c.ok());
  for (const char* filter : {"", "no-such-tensor"}) {
    inspect::InspectOptions o;
    o.filter = filter;
    auto r = inspect::inspect(*c, o);
    ASSERT_TRUE(r.ok());
    const std::string text = inspect::render_json(*c, *r, {});
    auto j = nlohmann::ordered_json::parse(text);
    EXPECT_EQ(j.dump(2) + "\n", text) << "filter '" << filter << "'";
    EXPECT_EQ(j["tensors"].empty(), std::string(filter) == "no-such-tensor");
  }
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// At real sizes (a 50 GB, 27B-shaped checkpoint) every number column stays
// apart: no digit group glued to the next number ("12,385,580,0325,239").
TEST(InspectText, NumberColumnsNeverRunTogetherAtRealSizes) {
  test::TempDir d;
  ASSERT_TRUE(samples::write_synthetic_checkpoint(d / "big", 50.0, 10, /*sparse=*/true).ok());
  auto c = Checkpoint::open(d / "big");
  ASSERT_TRUE(c.ok());
  auto r = inspect::inspect(*c, inspect::InspectOptions{});
  ASSERT_TRUE(r.ok());
  const std::string text = inspect::render_summary(*c, *r, {});
  EXPECT_FALSE(std::regex_search(text, std::regex(",[0-9]{4}"))) << text;
  EXPECT_FALSE(std::regex_search(text, std::regex("[0-9]bytes|[0-9]tensors"))) << text;
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// --markdown: what a user pastes into an issue or a model card. Tables whose
// rows all have the header's number of cells; the MoE sample's two decoder
// layers as two layer-map rows (config.json: num_hidden_layers 2); problems
// as a list, root cause first with its consequences folded.
TEST(InspectMarkdown, TablesListsAndTheRootCause) {
  test::TempDir d;
  const fs::path moe = sample(d, "tiny-moe-w8a8-dynamic-msmodelslim");
  auto m = test::run_tool(QKIT_QINSPECT, {"--markdown", moe.string()});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(m.out.rfind("### `tiny-moe-w8a8-dynamic-msmodelslim`: msmodelslim-v1\n", 0), 0u) << m.out;
  EXPECT_NE(m.out.find("| type | modules | tensors | bytes | weights |\n|---|--:|--:|--:|--:|\n"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("\n| 0 | 8d | 8d | 8d | 8d | 8d |\n| 1 | 8d | 8d | 8d | 8d | 8d |\n"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("Legend: 8d=W8A8_DYNAMIC"), std::string::npos);
  EXPECT_NE(m.out.find("#### Problems (`qvalidate --quick`)\n\nNone.\n"), std::string::npos) << m.out;
  // Every table row has as many cells as its header.
  std::size_t header_pipes = 0;
  std::istringstream lines(m.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '|') {
      header_pipes = 0;
      continue;
    }
    const auto pipes = static_cast<std::size_t>(std::count(line.begin(), line.end(), '|'));
    if (header_pipes == 0) header_pipes = pipes;
    EXPECT_EQ(pipes, header_pipes) << line;
  }
  // A deleted shard: one root entry naming the index, the rest folded.
  const fs::path qwen = sample(d, "tiny-qwen-w8a8-msmodelslim");
  fs::remove(qwen / "quant_model_weights-00002-of-00002.safetensors");
  auto b = test::run_tool(QKIT_QINSPECT, {"--markdown", qwen.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto problems = b.out.find("#### Problems");
  ASSERT_NE(problems, std::string::npos);
  EXPECT_NE(b.out.find("\n- `quant_model_weights.safetensors.index.json`: shard 'quant_model_weights-00002-of-00002.safetensors'",
                       problems),
            std::string::npos)
      << b.out;
  EXPECT_NE(b.out.find("[`container.index-mismatch`]\n  - + ", problems), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("`qvalidate --verbose` lists them", problems), std::string::npos) << b.out;
  EXPECT_EQ(test::run_tool(QKIT_QINSPECT, {"--markdown", "--json", moe.string()}).exit_code, 2);
}

// compressed-tensors (issue #17, first part): the recipe is read from
// config.json and shown with the modules each group reaches. The float llama
// sample has 2 layers x 7 Linears = 14 modules the "Linear" target reaches,
// lm_head ignored by the msModelSlim-style pattern, embed_tokens (an
// Embedding) reached by no group.
TEST(InspectCompressedTensors, RecipeAndCoverage) {
  test::TempDir d;
  const fs::path p = sample(d, "tiny-llama-float");
  auto cfg = nlohmann::ordered_json::parse(test::read_file(p / "config.json"));
  cfg["quantization_config"] = nlohmann::ordered_json::parse(R"json({"quant_method": "compressed-tensors",
      "format": "int-quantized", "quantization_status": "compressed",
      "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 8, "strategy": "channel"},
                                    "input_activations": {"num_bits": 8, "strategy": "token", "dynamic": true}}},
      "ignore": ["re:lm_head(?![.\\w])"]})json");
  test::write_file(p / "config.json", cfg.dump(2));
  auto j = test::run_tool(QKIT_QINSPECT, {"--json", p.string()});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["layout"], "compressed-tensors");
  const auto& ct = doc["compressed_tensors"];
  ASSERT_EQ(ct["groups"].size(), 1u);
  EXPECT_EQ(ct["groups"][0]["modules"], 14);
  EXPECT_EQ(ct["groups"][0]["weights"], "int8 channel symmetric static");
  EXPECT_EQ(ct["groups"][0]["input_activations"], "int8 token symmetric dynamic");
  EXPECT_EQ(ct["groups"][0]["format"], "int-quantized");
  EXPECT_EQ(ct["ignored_modules"], 1);
  EXPECT_EQ(ct["unmatched_modules"], 1);
  auto t = test::run_tool(QKIT_QINSPECT, {p.string()});
  EXPECT_NE(t.out.find("group_0 (targets Linear): weights int8 channel symmetric static; inputs int8 token symmetric "
                       "dynamic; int-quantized; 14 modules"),
            std::string::npos)
      << t.out;
  // The recipe says int8 but the sample's weights are BF16: qvalidate fails
  // the dtype of every one of the 14 modules' weights, and misses their scales.
  auto v = test::run_tool(QKIT_QVALIDATE, {p.string(), "--no-color", "--verbose"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("14 tensors: model.layers.{0,1}."), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("dtype BF16, expected I8"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("[scheme.missing-tensor]"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("[scheme.layout-not-checked]"), std::string::npos) << v.out;
}

}  // namespace
}  // namespace qkit
