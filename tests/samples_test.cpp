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
#include "formats/codecs.h"
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

  if (auto fam = c->family()) {
    // Every stored tensor is described and every described tensor is stored.
    const auto& types = c->ms_description() ? c->ms_description()->tensor_types : c->gs_description()->tensor_types;
    EXPECT_EQ(types.size(), c->tensors().size());
    for (const TensorRef& t : c->tensors()) EXPECT_FALSE(c->tag_of(t.info->name).empty()) << t.info->name;

    std::size_t linear = 0, attention = 0;
    for (const Module& m : c->modules()) {
      ASSERT_TRUE(m.type.has_value()) << m.prefix << " tag " << m.tag;
      std::vector<TensorFacts> facts;
      for (const auto& [suffix, ref] : m.tensors)
        facts.push_back({suffix, ref->info->dtype, ref->info->shape, std::string(c->tag_of(ref->info->name)),
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

}  // namespace
}  // namespace qkit
