//===- tests/samples_test.cpp - the sample catalog, end to end -----------===//
//
// Every sample of the catalog is generated, opened through the checkpoint
// model and checked: detected layout, clean diagnostics, tensors and
// description in agreement, every quantized module matching its scheme, the
// description rewriting byte for byte, and — for the committed samples — the
// bytes equal to what is in samples/.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "formats/checkpoint.h"
#include "convert/quant_math.h"
#include "formats/codecs.h"
#include "formats/float_codec.h"
#include "samples/catalog.h"
#include "tests/test_util.h"

#ifndef QKIT_SOURCE_DIR
#error "QKIT_SOURCE_DIR must be defined by the build"
#endif

namespace qkit {
namespace {

namespace fs = std::filesystem;
}  // namespace
namespace samples {
inline void PrintTo(const SampleSpec& s, std::ostream* os) { *os << s.name; }
}  // namespace samples
namespace {
const fs::path kSamples = fs::path(QKIT_SOURCE_DIR) / "samples";

class Catalog : public ::testing::TestWithParam<samples::SampleSpec> {
 protected:
  void SetUp() override { ASSERT_TRUE(samples::write_sample(dir_ / GetParam().name, GetParam()).ok()); }
  test::TempDir dir_;
};

std::size_t expected_linear_modules(const samples::ToyConfig& m) {
  return static_cast<std::size_t>(m.layers) * (m.experts > 0 ? 4 + 3 * m.experts : 7);
}

TEST_P(Catalog, DetectedCleanAndEveryModuleMatchesItsScheme) {
  const auto& spec = GetParam();
  auto c = Checkpoint::open(dir_ / spec.name);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(layout_name(c->layout()), layout_name(spec.layout));
  EXPECT_FALSE(c->evidence().empty());
  for (const Diagnostic& d : c->diagnostics())
    ADD_FAILURE() << severity_name(d.severity) << ": " << d.error.to_string();
  EXPECT_EQ(c->model_dtype(), spec.model.dtype);
  ASSERT_FALSE(c->tensors().empty());

  if (c->family() == Family::CompressedTensors) {
    // No description: every module the recipe reaches is bound to a ct.*
    // scheme of the table without a mismatch (the exact tensors of each
    // sample are witnessed by tests/expected/<sample>.txt).
    ASSERT_TRUE(c->ct_recipe().has_value());
    ASSERT_FALSE(c->modules().empty());
    for (const Module& m : c->modules()) {
      ASSERT_TRUE(m.type.has_value()) << spec.name << ": " << m.prefix << " tag " << m.tag;
      ASSERT_TRUE(m.ct_group.has_value()) << m.prefix;
      ASSERT_TRUE(m.match && m.match->scheme) << m.prefix;
      EXPECT_EQ(m.match->scheme->family, Family::CompressedTensors);
      for (const Mismatch& x : m.match->mismatches)
        ADD_FAILURE() << spec.name << ": " << m.prefix << "." << x.suffix << " " << mismatch_kind_name(x.kind) << ": expected "
                      << x.expected << ", got " << x.actual << " (" << m.match->scheme->id << ")";
    }
  } else if (auto fam = c->family()) {
    // Every stored tensor is described and every described tensor is stored.
    const auto& types = c->ms_description() ? c->ms_description()->tensor_types : c->gs_description()->tensor_types;
    EXPECT_EQ(types.size(), c->tensors().size());
    for (const TensorRef& t : c->tensors()) EXPECT_FALSE(c->tag_of(t.info->name).empty()) << t.info->name;

    std::size_t linear = 0, attention = 0;
    for (const Module& m : c->modules()) {
      ASSERT_TRUE(m.type.has_value()) << m.prefix << " tag " << m.tag;
      std::vector<TensorFacts> facts;
      for (const auto& [suffix, ref] : m.tensors)
        facts.push_back({std::string(suffix), ref->info->dtype, ref->info->shape, std::string(c->tag_of(ref->info->name)),
                         c->int4_marked(*ref)});
      SchemeMatch sm = match_scheme(*fam, m.type->type, m.tag, facts, c->scheme_context());
      ASSERT_NE(sm.scheme, nullptr) << m.prefix;
      for (const Mismatch& x : sm.mismatches)
        ADD_FAILURE() << spec.name << ": " << m.prefix << "." << x.suffix << " " << mismatch_kind_name(x.kind)
                      << ": expected " << x.expected << ", got " << x.actual << " (" << sm.scheme->id << ")";
      if (!spec.variant.empty() && m.scope == QuantScope::Linear && !sm.scheme->variant.empty() &&
          spec.type != QuantType::W8A8_DYNAMIC) {
        EXPECT_EQ(sm.scheme->variant, spec.variant) << m.prefix;
      }
      (m.scope == QuantScope::Linear ? linear : attention)++;
    }
    if (spec.type != QuantType::FLOAT) {
      EXPECT_EQ(linear, expected_linear_modules(spec.model));
      EXPECT_EQ(attention, static_cast<std::size_t>((spec.kv_c8 ? spec.model.layers : 0) +
                                                    (spec.fa_quant ? spec.model.layers : 0)));
    }
    // The description rewrites byte for byte in its detected style.
    // (Checkpoint keeps no DOM of it: the file is parsed again here.)
    std::string text = test::read_file(c->root() / c->description_name());
    if (c->ms_description()) {
      EXPECT_TRUE(c->ms_description()->doc.is_null());
      auto d = parse_ms_description(text, "d.json");
      ASSERT_TRUE(d.ok());
      EXPECT_EQ(d->style, c->ms_description()->style);
      EXPECT_EQ(serialize_json(d->doc, d->style), text);
    } else {
      EXPECT_TRUE(c->gs_description()->doc.is_null());
      auto d = parse_gs_description(text, "d.json");
      ASSERT_TRUE(d.ok());
      EXPECT_EQ(d->style, c->gs_description()->style);
      EXPECT_EQ(serialize_json(d->doc, d->style), text);
    }
  } else {
    EXPECT_TRUE(c->modules().empty());
  }
}

TEST(CatalogShape, BundledSamplesAreCommittedExactly) {
  test::TempDir out;
  ASSERT_TRUE(samples::write_samples(out.path(), true).ok());
  auto files_under = [](const fs::path& root) {
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file()) files.push_back(fs::relative(e.path(), root).string());
    std::sort(files.begin(), files.end());
    return files;
  };
  std::vector<std::string> generated = files_under(out.path());
  std::vector<std::string> committed;
  for (const std::string& f : files_under(kSamples))
    if (f.find('/') != std::string::npos) committed.push_back(f);  // sample directories, not the generator's sources
  EXPECT_EQ(committed, generated) << "run `build/samples/qkit-samplegen samples` and commit the result";
  for (const std::string& f : generated)
    EXPECT_TRUE(test::read_file(out / f) == test::read_file(kSamples / f))
        << f << " differs: run `build/samples/qkit-samplegen samples` and review";
}

INSTANTIATE_TEST_SUITE_P(All, Catalog, ::testing::ValuesIn(samples::sample_catalog()), [](const auto& info) {
  std::string n = info.param.name;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
});

TEST(CatalogShape, CommittedSamplesStaySmall) {
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(kSamples))
    if (e.is_regular_file()) total += e.file_size();
  EXPECT_LT(total, 2ull << 20) << "bundled samples must stay well under 2 MB";
  for (const auto& e : fs::directory_iterator(kSamples))
    if (e.is_directory()) {
      const auto* s = samples::find_sample(e.path().filename().string());
      EXPECT_TRUE(s != nullptr && s->bundled) << e.path() << " is not a bundled catalog sample";
    }
}

// Hand-written counts from the format notes' worked examples.
TEST(CatalogShape, TensorCountsOfTheWorkedExamples) {
  test::TempDir d;
  auto count = [&](const char* name) {
    EXPECT_TRUE(samples::write_sample(d / name, *samples::find_sample(name)).ok());
    auto c = Checkpoint::open(d / name);
    return c ? c->tensors().size() : 0;
  };
  // msmodelslim-format.md §7.4: W8A8_DYNAMIC on the toy Llama: 42 + 7 = 49.
  EXPECT_EQ(count("tiny-llama-w8a8-dynamic-msmodelslim"), 49u);
  // §7.1 + §7.7: W8A8 (V1) 77 tensors, plus 8 KV-cache tensors.
  EXPECT_EQ(count("tiny-llama-w8a8-fp16-c8-msmodelslim"), 85u);
  // §7.2: W8A8_MIX: 98 + 7 = 105.
  EXPECT_EQ(count("tiny-llama-w8a8-mix-msmodelslim-v0"), 105u);
  // §7.3 (HEAD V0: weight_scale/offset written): 105 + 12 FA tensors = 117.
  EXPECT_EQ(count("tiny-llama-w8a8-fa-msmodelslim-mindie"), 117u);
  // golden-stick-format.md §7(a) without q/k norms: 2*(2 + 7*8) + 3 = 119,
  // plus the q/k/v biases of the Qwen-style model: + 6.
  EXPECT_EQ(count("tiny-qwen-w8a8-golden-stick"), 125u);
  // §7(d): W4A16 per-group: 2*(2 + 7*3) + 3 = 49.
  EXPECT_EQ(count("tiny-llama-w4a16-golden-stick"), 49u);
}

// --- the integer inference formula of each family, on the samples -----------

std::vector<float> floats_of(const Checkpoint& c, const std::string& name) {
  const TensorRef* t = c.find(name);
  EXPECT_NE(t, nullptr) << name;
  std::vector<float> v;
  if (!t) return v;
  auto bytes = c.data(*t);
  for (std::uint64_t i = 0; i < t->info->element_count(); ++i) {
    if (t->info->dtype == Dtype::I64) {
      std::int64_t raw;
      std::memcpy(&raw, bytes.data() + 8 * i, 8);
      v.push_back(*deq_scale_from_i64(raw));
    } else {
      v.push_back(static_cast<float>(*element_as_double(t->info->dtype, bytes, i)));
    }
  }
  return v;
}

// y = W x + b from the float model, against the family's integer formula on
// the stored tensors: the error must be quantization-sized.
void check_w8a8_layer(const std::string& sample, bool golden_stick) {
  test::TempDir d;
  const auto* spec = samples::find_sample(sample);
  ASSERT_TRUE(samples::write_sample(d / sample, *spec).ok());
  auto c = Checkpoint::open(d / sample);
  ASSERT_TRUE(c.ok());
  auto model = samples::make_float_model(spec->model);
  const std::string p = "model.layers.1.self_attn.k_proj";
  const samples::FloatTensor *w = nullptr, *b = nullptr;
  for (const auto& t : model) {
    if (t.name == p + ".weight") w = &t;
    if (t.name == p + ".bias") b = &t;
  }
  ASSERT_NE(w, nullptr);
  const std::uint64_t n = w->shape[0], k = w->shape[1];
  auto q = floats_of(*c, p + ".weight"), qb = floats_of(*c, p + ".quant_bias"), deq = floats_of(*c, p + ".deq_scale");
  auto in_scale = floats_of(*c, p + ".input_scale"), in_off = floats_of(*c, p + ".input_offset");
  auto bias = b ? floats_of(*c, p + ".bias") : std::vector<float>(n, 0.0f);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.5f, 1.5f);
  double max_err = 0, max_ref = 0;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> x(k);
    for (auto& v : x) v = dist(rng);
    for (std::uint64_t r = 0; r < n; ++r) {
      double ref = b ? b->values[r] : 0.0;
      std::int64_t acc = 0;
      for (std::uint64_t j = 0; j < k; ++j) {
        ref += static_cast<double>(w->values[r * k + j]) * x[j];
        float s = in_scale.size() == 1 ? in_scale[0] : in_scale[j];
        float o = in_off.size() == 1 ? in_off[0] : in_off[j];
        float xq = std::clamp(std::nearbyint(x[j] / s + o), -128.0f, 127.0f);
        acc += static_cast<std::int64_t>(xq) * static_cast<std::int64_t>(q[r * k + j]);
      }
      // msModelSlim folds the float bias into quant_bias; Golden-Stick adds it after.
      double y = (static_cast<double>(acc) + qb[r]) * deq[r] + (golden_stick ? bias[r] : 0.0);
      max_err = std::max(max_err, std::fabs(y - ref));
      max_ref = std::max(max_ref, std::fabs(ref));
    }
  }
  EXPECT_LT(max_err, 0.05 * max_ref) << sample << ": integer path max error " << max_err << " vs |y| " << max_ref;
}

TEST(SampleMath, MsModelSlimW8A8IntegerPathMatchesFloat) { check_w8a8_layer("tiny-qwen-w8a8-msmodelslim", false); }
TEST(SampleMath, GoldenStickSmoothedW8A8IntegerPathMatchesFloat) {
  check_w8a8_layer("tiny-qwen-w8a8-golden-stick", true);
}

// --- compressed-tensors' math, by hand ----------------------------------------
// neuralmagic/compressed-tensors @52792be02ec0: calculate_qparams
// (quantization/utils/helpers.py L67-146), _quantize (lifecycle/forward.py
// L455-487), pack_to_int32 (compressors/quantized_compressors/
// pack_quantized.py L186-246). Expected values computed by hand below.

TEST(CompressedTensorsMath, SymmetricScaleIsHalfTheRangeAndReachesMinus128) {
  // Row [0.5, -0.99609375, 0.25], F32: amax 0.99609375 = 127.5 * 2^-7, so
  // scale = amax / ((127 - -128) / 2) = 2^-7 exactly; 0.5/2^-7 = 64;
  // -127.5 -> ties to even -> -128; 0.25/2^-7 = 32.
  const std::vector<float> w = {0.5f, -0.99609375f, 0.25f};
  QuantizedWeight q = ct_quantize_weight_symmetric(w, 1, 3, 8, 0, Dtype::F32);
  EXPECT_EQ(q.scale[0], 0.0078125f);
  EXPECT_EQ(q.q, (std::vector<std::int8_t>{64, -128, 32}));
  // With amax 1.0 the scale is fp32(1/127.5): 1/127.5 = 2^-7 * (1 + 32896.502/2^23),
  // rounded up, so -1.0/scale = -127.4999.. -> -127.
  QuantizedWeight q1 = ct_quantize_weight_symmetric(std::vector<float>{-1.0f}, 1, 1, 8, 0, Dtype::F32);
  EXPECT_EQ(q1.q, std::vector<std::int8_t>{-127});
  // BF16: 1/127.5 = 2^-7 * 1.0039216; of the 7-bit mantissas 1 and 1 + 1/128
  // (distances 0.0039216 and 0.0038909) the second is nearer: scale =
  // 2^-7 * 1.0078125 = 0.00787353515625. 1.0/scale = 127.008 -> BF16 127 ->
  // 127; -0.30078125 (a BF16 value)/scale = -38.20 -> BF16 -38.25 -> -38.
  const std::vector<float> wb = {1.0f, -0.30078125f};
  QuantizedWeight qb = ct_quantize_weight_symmetric(wb, 1, 2, 8, 0, Dtype::BF16);
  EXPECT_EQ(qb.scale[0], 0.00787353515625f);
  EXPECT_EQ(qb.q, (std::vector<std::int8_t>{127, -38}));
  // int4, group 2: groups [0.75, -0.5] and [0.0, 0.0]: scale 0.75/7.5 = 0.1,
  // values 7.5 -> 8 -> clamped 7, -5; an all-zero group's scale is fp32 eps.
  const std::vector<float> w4 = {0.75f, -0.5f, 0.0f, 0.0f};
  QuantizedWeight q4 = ct_quantize_weight_symmetric(w4, 1, 4, 4, 2, Dtype::F32);
  EXPECT_FLOAT_EQ(q4.scale[0], 0.1f);
  EXPECT_EQ(q4.scale[1], std::numeric_limits<float>::epsilon());
  EXPECT_EQ(q4.q, (std::vector<std::int8_t>{7, -5, 0, 0}));
  // Static input in [-2.5, 2.0]: scale = 2.5 / 127.5.
  EXPECT_FLOAT_EQ(ct_activation_scale_symmetric(-2.5f, 2.0f, 8, Dtype::F32), 2.5f / 127.5f);
  // FP8: amax 896 -> scale 2; 896/2 = 448 (E4M3 0x7E), -1/2 = -0.5 (0xB0).
  CtFp8Weight f = ct_quantize_weight_fp8(std::vector<float>{896.0f, -1.0f}, 1, 2, Dtype::F32);
  EXPECT_EQ(f.scale[0], 2.0f);
  EXPECT_EQ(f.codes, (std::vector<std::uint8_t>{0x7E, 0xB0}));
}

TEST(CompressedTensorsMath, PackMatchesHandVectors) {
  // docs/research/compressed-tensors.md §4.3's vectors, worked by hand:
  // [1..7,-8] + 8 = 9,10,..,15,0, first value in the lowest nibble.
  auto pack4 = [](std::vector<std::int8_t> row) { return ct_pack_int32(row, 1, row.size(), 4); };
  EXPECT_EQ(pack4({1, 2, 3, 4, 5, 6, 7, -8}), std::vector<std::int32_t>{0x0FEDCBA9});
  EXPECT_EQ(pack4({-8, -1, 0, 7, 0, 0, 0, 0}), std::vector<std::int32_t>{static_cast<std::int32_t>(0x8888F870u)});
  EXPECT_EQ(pack4({1, -1, 0}), std::vector<std::int32_t>{0x00000879});  // padding is raw 0 bits
  EXPECT_EQ(ct_pack_int32(std::vector<std::int8_t>{1, -1, 0, 127}, 1, 4, 8),
            std::vector<std::int32_t>{static_cast<std::int32_t>(0xFF807F81u)});
}

// The W4A16 sample's weight_packed, unpacked by compressed-tensors' rule
// (nibble j of word w is column 8w+j, minus 8) and scaled by its group's
// weight_scale, gives back the float model's weight within half a step.
TEST(CompressedTensorsMath, PackedSampleDequantizesToTheFloatWeights) {
  const char* name = "tiny-llama-w4a16-pergroup-compressed-tensors";
  test::TempDir d;
  const auto* spec = samples::find_sample(name);
  ASSERT_NE(spec, nullptr);
  ASSERT_TRUE(samples::write_sample(d / name, *spec).ok());
  auto c = Checkpoint::open(d / name);
  ASSERT_TRUE(c.ok());
  auto model = samples::make_float_model(spec->model);
  const std::string p = "model.layers.1.mlp.down_proj";
  const samples::FloatTensor* w = nullptr;
  for (const auto& t : model)
    if (t.name == p + ".weight") w = &t;
  ASSERT_NE(w, nullptr);
  const std::uint64_t n = w->shape[0], k = w->shape[1], gs = 32, words = k / 8;
  const TensorRef* packed = c->find(p + ".weight_packed");
  const TensorRef* scale = c->find(p + ".weight_scale");
  const TensorRef* shape = c->find(p + ".weight_shape");
  ASSERT_TRUE(packed && scale && shape);
  std::int64_t sh[2];
  std::memcpy(sh, c->data(*shape).data(), 16);
  EXPECT_EQ(sh[0], static_cast<std::int64_t>(n));
  EXPECT_EQ(sh[1], static_cast<std::int64_t>(k));
  auto pb = c->data(*packed);
  auto sb = c->data(*scale);
  int seen_min = 0;
  for (std::uint64_t r = 0; r < n; ++r)
    for (std::uint64_t col = 0; col < k; ++col) {
      std::uint32_t word;
      std::memcpy(&word, pb.data() + 4 * (r * words + col / 8), 4);
      const int q = static_cast<int>((word >> (4 * (col % 8))) & 0xF) - 8;
      seen_min = std::min(seen_min, q);
      std::uint16_t s16;
      std::memcpy(&s16, sb.data() + 2 * (r * (k / gs) + col / gs), 2);
      const float s = bf16_to_f32(s16);
      const float x = bf16_to_f32(f32_to_bf16(w->values[r * k + col]));
      EXPECT_LE(std::fabs(q * s - x), 0.55f * s) << r << "," << col;
    }
  EXPECT_EQ(seen_min, -8) << "symmetric CT int4 reaches -8 (the group's -amax/7.5 rounds to -7.5 -> -8)";
}

// W8A8 static (LLM-Compressor): the integer path s_x * s_w[n] * sum(x_q * Wq)
// with x_q = clamp(round(x / s_x), -128, 127) reproduces W x.
TEST(CompressedTensorsMath, W8A8SampleIntegerPathMatchesFloat) {
  const char* name = "tiny-llama-w8a8-compressed-tensors";
  test::TempDir d;
  const auto* spec = samples::find_sample(name);
  ASSERT_TRUE(samples::write_sample(d / name, *spec).ok());
  auto c = Checkpoint::open(d / name);
  ASSERT_TRUE(c.ok());
  auto model = samples::make_float_model(spec->model);
  const std::string p = "model.layers.1.self_attn.k_proj";
  const samples::FloatTensor* w = nullptr;
  for (const auto& t : model)
    if (t.name == p + ".weight") w = &t;
  ASSERT_NE(w, nullptr);
  const std::uint64_t n = w->shape[0], k = w->shape[1];
  auto q = floats_of(*c, p + ".weight"), ws = floats_of(*c, p + ".weight_scale"), xs = floats_of(*c, p + ".input_scale");
  ASSERT_EQ(ws.size(), n);
  ASSERT_EQ(xs.size(), 1u);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-1.5f, 1.5f);
  double max_err = 0, max_ref = 0;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> x(k);
    for (auto& v : x) v = dist(rng);
    for (std::uint64_t r = 0; r < n; ++r) {
      double ref = 0;
      std::int64_t acc = 0;
      for (std::uint64_t j = 0; j < k; ++j) {
        ref += static_cast<double>(w->values[r * k + j]) * x[j];
        const float xq = std::clamp(std::nearbyint(x[j] / xs[0]), -128.0f, 127.0f);
        acc += static_cast<std::int64_t>(xq) * static_cast<std::int64_t>(q[r * k + j]);
      }
      const double y = static_cast<double>(acc) * xs[0] * ws[r];
      max_err = std::max(max_err, std::fabs(y - ref));
      max_ref = std::max(max_ref, std::fabs(ref));
    }
  }
  EXPECT_LT(max_err, 0.05 * max_ref) << "integer path max error " << max_err << " vs |y| " << max_ref;
}

}  // namespace
}  // namespace qkit
