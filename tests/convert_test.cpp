//===- tests/convert_test.cpp - qconvert: equivalence, round trips, refusals -
//
// The proof that a conversion is exact: every linear layer is evaluated with
// its family's integer inference formula, on random inputs, in the source
// and in the converted checkpoint, and the outputs must be identical (or
// within the reported bound for lossy conversions). Round trips A -> B -> A
// must give A's tensors back bit for bit.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <random>
#include <tuple>

#include "convert/converter.h"
#include "convert/evaluate.h"
#include "formats/codecs.h"
#include "formats/float_codec.h"
#include "formats/tensor_values.h"
#include "samples/catalog.h"
#include "tests/test_util.h"
#include "tests/tool_runner.h"
#include "validate/validator.h"

namespace qkit {
namespace {

namespace fs = std::filesystem;
using convert::ConvertOptions;


fs::path sample(const test::TempDir& d, const std::string& name) {
  EXPECT_TRUE(samples::write_sample(d / name, *samples::find_sample(name)).ok()) << name;
  return d / name;
}

Checkpoint open(const fs::path& p) {
  auto c = Checkpoint::open(p);
  if (!c) throw std::runtime_error(c.error().to_string());
  return std::move(*c);
}

std::vector<double> vals(const Checkpoint& c, const TensorRef* t) {
  std::vector<double> out;
  if (t == nullptr) return out;
  auto bytes = c.data(*t);
  for (std::uint64_t i = 0; i < t->info->element_count(); ++i) {
    if (t->info->dtype == Dtype::I64) {
      std::int64_t v;
      std::memcpy(&v, bytes.data() + 8 * i, 8);
      out.push_back(*deq_scale_from_i64(v));
    } else {
      out.push_back(*element_as_double(t->info->dtype, bytes, i));
    }
  }
  return out;
}

// What the runtime holds: scales, offsets and biases as model-dtype parameters.
std::vector<double> as_param(std::vector<double> v, Dtype md) {
  for (double& x : v)
    x = md == Dtype::BF16 ? bf16_to_f32(f32_to_bf16(static_cast<float>(x))) : f16_to_f32(f32_to_f16(static_cast<float>(x)));
  return v;
}

const Module* module(const Checkpoint& c, const std::string& prefix) {
  for (const Module& m : c.modules())
    if (m.prefix == prefix && m.scope == QuantScope::Linear) return &m;
  return nullptr;
}

const TensorRef* part(const Module& m, std::string_view suffix) {
  for (const auto& [s, r] : m.tensors)
    if (s == suffix) return r;
  return nullptr;
}

// The module's integer weights q[n, k], whatever the packing.
std::vector<int> weights(const Checkpoint& c, const Module& m, std::uint64_t& n, std::uint64_t& k) {
  std::vector<TensorFacts> facts;
  for (const auto& [s, r] : m.tensors) facts.push_back({std::string(s), r->info->dtype, r->info->shape, "", c.int4_marked(*r)});
  SchemeMatch sm = match_scheme(*c.family(), m.type->type, m.tag, facts, c.scheme_context());
  n = *sm.vars.n;
  k = *sm.vars.k;
  if (const TensorRef* wp = part(m, "weight_packed")) {
    // compressed-tensors pack_to_int32 (pack_quantized.py@52792be
    // L186-246), undone here apart from formats/codecs.h: value + 2^(b-1),
    // 32/b per little-endian uint32 along k, rows padded to whole words;
    // weight_shape holds the real k.
    const TensorRef* shape = part(m, "weight_shape");  // int64 (vals() reads I64 as deq_scale bit patterns)
    std::int64_t dims[2];
    std::memcpy(dims, c.data(*shape).data(), 16);
    k = static_cast<std::uint64_t>(dims[1]);
    const unsigned bits = quant_type_info(m.type->type).weight_bits, per = 32 / bits;
    const std::uint64_t words = (k + per - 1) / per;
    auto bytes = c.data(*wp);
    std::vector<int> out(n * k);
    for (std::uint64_t r = 0; r < n; ++r)
      for (std::uint64_t j = 0; j < k; ++j) {
        std::uint32_t word;
        std::memcpy(&word, bytes.data() + 4 * (r * words + j / per), 4);
        out[r * k + j] = static_cast<int>((word >> (bits * (j % per))) & ((1u << bits) - 1)) - (1 << (bits - 1));
      }
    return out;
  }
  const TensorRef* w = part(m, "weight");
  auto bytes = c.data(*w);
  std::span<const std::int8_t> q(reinterpret_cast<const std::int8_t*>(bytes.data()), bytes.size());
  std::vector<int> out(n * k);
  if (sm.scheme->int4_layout && w->info->shape == int4_packed_shape(*sm.scheme->int4_layout, n, k)) {
    auto u = unpack_int4(q, n, k, *sm.scheme->int4_layout).value();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = u[i];
  } else {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = q[i];
  }
  return out;
}

// One linear layer as the runtime computes it, for input h (the layer's
// input before its norm's gamma when `norm` names one).
std::vector<double> run_linear(const Checkpoint& c, const std::string& prefix, const std::vector<float>& h,
                               const std::string& norm) {
  const Module* m = module(c, prefix);
  if (m == nullptr) throw std::runtime_error("no module " + prefix);
  const Dtype md = *c.model_dtype();
  const bool gs = c.family() == Family::GoldenStick;
  std::uint64_t n, k;
  std::vector<int> q = weights(c, *m, n, k);
  std::vector<double> x(h.begin(), h.end());
  if (!norm.empty()) {
    auto gamma = vals(c, c.find(norm));
    for (std::uint64_t j = 0; j < k; ++j) x[j] = static_cast<float>(x[j] * gamma[j]);  // bf16 runtime multiplies in float
  }
  auto bias = as_param(vals(c, part(*m, "bias")), md);
  std::vector<double> y(n, 0.0);
  const bool ct = c.family() == Family::CompressedTensors;
  switch (m->type->type) {
    case QuantType::W8A8: {
      if (ct) {
        // upstream vLLM (docs/research/compressed-tensors.md §8-9): F32
        // scales, x_q = sat8(rn(x / s_x) + z), y = s_x * s_w * (sum x_q q
        // - z * sum q) + bias; in doubles, the rounding order aside.
        auto s = vals(c, part(*m, "input_scale")), sw = vals(c, part(*m, "weight_scale"));
        auto zt = vals(c, part(*m, "input_zero_point"));
        const double z = zt.empty() ? 0.0 : zt[0];
        std::vector<std::int64_t> qx(k);
        for (std::uint64_t j = 0; j < k; ++j)
          qx[j] = static_cast<std::int64_t>(std::clamp(std::nearbyint(x[j] / static_cast<float>(s[0])) + z, -128.0, 127.0));
        for (std::uint64_t r = 0; r < n; ++r) {
          std::int64_t acc = 0, rowsum = 0;
          for (std::uint64_t j = 0; j < k; ++j) {
            acc += qx[j] * q[r * k + j];
            rowsum += q[r * k + j];
          }
          y[r] = static_cast<float>(s[0]) * static_cast<float>(sw[sw.size() == 1 ? 0 : r]) *
                     (static_cast<double>(acc) - z * static_cast<double>(rowsum)) +
                 (bias.empty() ? 0.0 : bias[r]);
        }
        break;
      }
      auto s = as_param(vals(c, part(*m, "input_scale")), md), o = vals(c, part(*m, "input_offset"));
      auto deq = vals(c, part(*m, "deq_scale")), qb = vals(c, part(*m, "quant_bias"));
      std::vector<std::int64_t> qx(k);
      for (std::uint64_t j = 0; j < k; ++j) {
        double sj = s.size() == 1 ? s[0] : s[j], oj = o.size() == 1 ? o[0] : o[j];
        qx[j] = static_cast<std::int64_t>(std::clamp(std::nearbyint(x[j] / sj + oj), -128.0, 127.0));
      }
      for (std::uint64_t r = 0; r < n; ++r) {
        std::int64_t acc = 0;
        for (std::uint64_t j = 0; j < k; ++j) acc += qx[j] * q[r * k + j];
        y[r] = (static_cast<double>(acc) + qb[r]) * deq[r] + (gs && !bias.empty() ? bias[r] : 0.0);
      }
      break;
    }
    case QuantType::W8A8_DYNAMIC:
    case QuantType::W4A8_DYNAMIC: {
      auto ws = as_param(vals(c, part(*m, "weight_scale")), md);
      double amax = 0;
      for (double v : x) amax = std::max(amax, std::fabs(v));
      const double st = amax / 127.0;
      std::vector<std::int64_t> qx(k);
      for (std::uint64_t j = 0; j < k; ++j) qx[j] = static_cast<std::int64_t>(std::nearbyint(x[j] / st));
      for (std::uint64_t r = 0; r < n; ++r) {
        std::int64_t acc = 0;
        for (std::uint64_t j = 0; j < k; ++j) acc += qx[j] * q[r * k + j];
        y[r] = static_cast<double>(acc) * st * ws[r] + (bias.empty() ? 0.0 : bias[r]);
      }
      break;
    }
    default: {  // weight-only: y = x . ((q - offset) * scale) + bias, scales per (row, group)
      const TensorRef* wst = part(*m, "weight_scale");
      auto ws = as_param(vals(c, wst), md), wo = as_param(vals(c, part(*m, "weight_offset")), md);
      if (ct) {  // compressed-tensors: no zero point when symmetric, else weight_zero_point (I8, or packed along n)
        wo.assign(ws.size(), 0.0);
        if (const TensorRef* zp = part(*m, "weight_zero_point")) {
          const std::uint64_t G = ws.size() / n;
          if (zp->info->dtype == Dtype::I32) {
            const unsigned bits = quant_type_info(m->type->type).weight_bits, per = 32 / bits;
            auto bytes = c.data(*zp);
            for (std::uint64_t r = 0; r < n; ++r)
              for (std::uint64_t g = 0; g < G; ++g) {
                std::uint32_t word;
                std::memcpy(&word, bytes.data() + 4 * ((r / per) * G + g), 4);
                wo[r * G + g] = static_cast<int>((word >> (bits * (r % per))) & ((1u << bits) - 1)) - (1 << (bits - 1));
              }
          } else {
            wo = vals(c, zp);
          }
        }
      }
      const std::uint64_t G = ws.size() / n;
      const bool transposed = gs && wst->info->shape.size() == 2;
      for (std::uint64_t r = 0; r < n; ++r) {
        double acc = 0;
        for (std::uint64_t j = 0; j < k; ++j) {
          std::uint64_t g = j / (k / G), idx = transposed ? g * n + r : r * G + g;
          acc += x[j] * ((q[r * k + j] - wo[idx]) * ws[idx]);
        }
        y[r] = acc + (bias.empty() ? 0.0 : bias[r]);
      }
    }
  }
  return y;
}

std::optional<std::string> feeding_norm(const std::string& prefix) {
  auto dot = prefix.rfind('.');
  std::string proj = prefix.substr(dot + 1), parent = prefix.substr(0, dot);
  std::string layer = parent.substr(0, parent.rfind('.'));
  if (proj == "q_proj" || proj == "k_proj" || proj == "v_proj") return layer + ".input_layernorm.weight";
  if ((proj == "gate_proj" || proj == "up_proj") && prefix.find(".experts.") == std::string::npos)
    return layer + ".post_attention_layernorm.weight";
  return std::nullopt;
}

struct Pair {
  const char* sample;
  Family to;
  std::optional<Layout> flavour;
  bool lossy;  // needs --allow-lossy (bias folding): outputs agree within deq/2 per output
};

class Exact : public ::testing::TestWithParam<Pair> {};

TEST_P(Exact, ConvertedLayersComputeTheSameAndPassQvalidate) {
  const Pair& p = GetParam();
  test::TempDir d;
  Checkpoint src = open(sample(d, p.sample));
  ConvertOptions o;
  o.to = p.to;
  o.flavour = p.flavour;
  o.allow_lossy = p.lossy;
  auto plan = convert::plan_conversion(src, o);
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  for (const auto& v : plan->refused) ADD_FAILURE() << "refused " << v.prefix << ": " << v.reason;
  EXPECT_EQ(plan->lossy.empty(), !p.lossy) << convert::render_plan(*plan);
  ASSERT_TRUE(plan->executable(p.lossy));
  ASSERT_TRUE(convert::execute_plan(*plan, d / "out", false).ok());
  Checkpoint dst = open(d / "out");
  EXPECT_EQ(dst.family(), p.to);
  auto report = validate::validate(dst, validate::ValidateOptions{});
  for (const auto& f : report.findings)
    if (f.severity == Severity::Error) ADD_FAILURE() << f.rule << " " << f.tensor << ": " << f.message;
  EXPECT_EQ(dst.tensors().size() > 0, true);
  // Every linear, evaluated on random inputs, in both checkpoints.
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::size_t compared = 0, identical = 0;
  for (const Module& m : src.modules()) {
    if (m.scope != QuantScope::Linear) continue;
    std::uint64_t n, k;
    weights(src, m, n, k);
    // Inputs that pass through the norm whose gamma a fold may have changed.
    std::string norm = feeding_norm(std::string(m.prefix)).value_or("");
    if (!norm.empty() && !src.find(norm)) norm.clear();
    for (int trial = 0; trial < 4; ++trial) {
      std::vector<float> h(k);
      for (float& v : h) v = dist(rng);
      auto a = run_linear(src, std::string(m.prefix), h, norm), b = run_linear(dst, std::string(m.prefix), h, norm);
      ASSERT_EQ(a.size(), b.size());
      auto deq = vals(src, part(m, "deq_scale"));
      double amax = 0;
      for (double v : a) amax = std::max(amax, std::fabs(v));
      for (std::size_t r = 0; r < a.size(); ++r) {
        ++compared;
        if (a[r] == b[r]) {
          ++identical;
          continue;
        }
        ASSERT_TRUE(p.lossy) << p.sample << " " << std::string(m.prefix) << " row " << r << ": " << a[r] << " vs " << b[r];
        EXPECT_LE(std::fabs(a[r] - b[r]), 0.02 * amax + (deq.empty() ? 0 : deq[r]))
            << p.sample << " " << m.prefix << " row " << r;
      }
    }
  }
  EXPECT_GT(compared, 0u);
  if (!p.lossy) {
    EXPECT_EQ(identical, compared);
  }
  // The library's evaluator (qconvert --verify), an implementation apart
  // from run_linear above, must agree: every layer planned exact computes
  // the same.
  std::vector<std::string> lossy;
  for (const auto& v : plan->lossy) lossy.push_back(v.prefix);
  auto rows = convert::verify_conversion(src, dst, lossy, {});
  EXPECT_TRUE(convert::verify_passed(rows)) << convert::render_verify(rows);
  std::size_t evaluated = 0;
  for (const auto& r : rows) {
    evaluated += r.evaluated;
    if (r.evaluated && r.exact_expected) {
      EXPECT_EQ(r.max_abs, 0.0) << r.prefix;
    }
  }
  EXPECT_GT(evaluated, 0u) << convert::render_verify(rows);
}

// --verify must be able to fail: one weight scale changed in the result
// makes exactly that layer differ.
TEST(Verify, CatchesALayerThatComputesDifferently) {
  test::TempDir d;
  Checkpoint src = open(sample(d, "tiny-llama-w8a8-dynamic-msmodelslim"));
  ConvertOptions o;
  o.to = Family::GoldenStick;
  auto plan = convert::plan_conversion(src, o);
  ASSERT_TRUE(plan.ok() && plan->executable(false));
  const std::string victim = "model.layers.1.mlp.up_proj.weight_scale";
  bool changed = false;
  for (OutputTensor& t : plan->content.tensors)
    if (t.source.name == victim) {
      std::vector<std::byte> b(t.source.bytes.begin(), t.source.bytes.end());
      b[1] ^= std::byte{0x40};  // a bf16 scale's exponent bit: the value changes
      plan->storage.push_back(std::move(b));
      t.source.bytes = plan->storage.back();
      changed = true;
    }
  ASSERT_TRUE(changed);
  ASSERT_TRUE(convert::execute_plan(*plan, d / "out", false).ok());
  Checkpoint dst = open(d / "out");
  auto rows = convert::verify_conversion(src, dst, {}, {});
  EXPECT_FALSE(convert::verify_passed(rows));
  for (const auto& r : rows) {
    if (r.prefix == "model.layers.1.mlp.up_proj") {
      EXPECT_GT(r.max_abs, 0.0);
    } else {
      EXPECT_EQ(r.max_abs, 0.0) << r.prefix;
    }
  }
  EXPECT_NE(convert::render_verify(rows).find("DIFFERS: model.layers.1.mlp.up_proj"), std::string::npos);
}

// Output directories and files get 0755 / 0644 less the umask, like any
// tool's output (not 0700 whatever the umask).
TEST(Execute, OutputModesFollowTheUmask) {
  // The tools read the umask once at start-up (formats/output_dir.cpp), so
  // each runs in a child that inherits the mask.
  for (mode_t mask : {mode_t{022}, mode_t{027}}) {
    test::TempDir d;
    fs::path src = sample(d, "tiny-llama-w8a8-dynamic-msmodelslim");
    const mode_t old = ::umask(mask);
    auto r = test::run_tool(QKIT_QCONVERT, {"--from", "msmodelslim", "--to", "mindspore", "--quiet", src.string(),
                                            (d / "out").string()});
    ::umask(old);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto mode = [](const fs::path& f) { return static_cast<unsigned>(fs::status(f).permissions()) & 0777u; };
    EXPECT_EQ(mode(d / "out"), 0755u & ~static_cast<unsigned>(mask));
    for (const auto& e : fs::directory_iterator(d / "out"))
      if (e.is_regular_file()) EXPECT_EQ(mode(e.path()), 0644u & ~static_cast<unsigned>(mask)) << e.path();
  }
}

// Usage errors say in one line what is missing, then "see --help" (issue #16).
TEST(Usage, MissingArgumentsSayWhatIsMissingInOneLine) {
  struct Case {
    const char* tool;
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {QKIT_QVALIDATE, {}, "missing PATH"},
      {QKIT_QINSPECT, {}, "missing PATH"},
      {QKIT_QINSPECT, {"--diff", "a"}, "--diff takes two checkpoints"},
      {QKIT_QCONVERT, {"a", "b"}, "missing --from"},
      {QKIT_QCONVERT, {"--from", "msmodelslim", "--to", "mindspore", "a"}, "missing DST"},
      {QKIT_QVALIDATE, {"--bogus", "x"}, "unrecognised option '--bogus'"},
  };
  for (const Case& c : cases) {
    auto r = test::run_tool(c.tool, c.args);
    EXPECT_EQ(r.exit_code, 2) << c.tool;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.tool << ": " << r.err;
    EXPECT_NE(r.err.find("; see --help\n"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  }
}

// A result that fails qvalidate is not put in place: no DST, no litter.
TEST(Execute, AResultThatFailsQvalidateLeavesNoDirectory) {
  test::TempDir d;
  fs::path src = sample(d, "tiny-llama-w8a8-dynamic-msmodelslim");
  // Golden-Stick output validated for vllm-ascend, which reads msModelSlim only.
  auto r = test::run_tool(QKIT_QCONVERT, {"--from", "msmodelslim", "--to", "mindspore", "--target", "vllm-ascend",
                                          src.string(), (d / "out").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("target.family"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was written"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(d / "out"));
  EXPECT_TRUE(test::litter_beside(d / "out").empty());
}

TEST(Verify, CommandLinePrintsPerKindAndPasses) {
  test::TempDir d;
  fs::path src = sample(d, "tiny-qwen-w8a8-msmodelslim");
  auto r = test::run_tool(QKIT_QCONVERT, {"--from", "msmodelslim", "--to", "mindspore", "--verify", "--quiet", src.string(),
                                          (d / "out").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("W8A8 q"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verify: PASS"), std::string::npos) << r.out;
  // Smoothing folded into a norm is lossy under the one policy: refused
  // without --allow-lossy, measured with it.
  fs::path gs = sample(d, "tiny-qwen-w8a8-smooth-norm-fed-golden-stick");
  r = test::run_tool(QKIT_QCONVERT, {"--from", "mindspore", "--to", "msmodelslim", gs.string(), (d / "ms").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("smoothing folded into"), std::string::npos) << r.err;
  r = test::run_tool(QKIT_QCONVERT, {"--from", "mindspore", "--to", "msmodelslim", "--allow-lossy", "--verify", "--quiet",
                                     gs.string(), (d / "ms").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(lossy: bound in the plan)"), std::string::npos) << r.out;
}

void PrintTo(const Pair& p, std::ostream* os) { *os << p.sample; }

INSTANTIATE_TEST_SUITE_P(
    Pairs, Exact,
    ::testing::Values(Pair{"tiny-llama-w8a8-dynamic-msmodelslim", Family::GoldenStick, std::nullopt, false},
                      Pair{"tiny-qwen-w8a8-msmodelslim", Family::GoldenStick, std::nullopt, false},
                      Pair{"tiny-llama-w8a16-msmodelslim", Family::GoldenStick, std::nullopt, false},
                      Pair{"tiny-moe-w8a8-dynamic-msmodelslim", Family::GoldenStick, std::nullopt, false},
                      Pair{"tiny-llama-w4a16-pergroup-msmodelslim-v0", Family::GoldenStick, std::nullopt, false},
                      Pair{"tiny-llama-w4a16-perchannel-msmodelslim-v0", Family::GoldenStick, std::nullopt, false},
                      Pair{"tiny-llama-w4a16-msmodelslim-mindie", Family::GoldenStick, std::nullopt, false},
                      Pair{"tiny-qwen-w8a8-dynamic-golden-stick", Family::MsModelSlim, std::nullopt, false},
                      Pair{"tiny-llama-w8a16-golden-stick", Family::MsModelSlim, std::nullopt, false},
                      Pair{"tiny-llama-w8a16-pergroup-golden-stick", Family::MsModelSlim, std::nullopt, false},
                      Pair{"tiny-llama-w4a16-golden-stick", Family::MsModelSlim, Layout::MsModelSlimV0, false},
                      Pair{"tiny-qwen-w8a8-smooth-norm-fed-golden-stick", Family::MsModelSlim, std::nullopt, true},
                      // compressed-tensors <-> msModelSlim (docs/research/compressed-tensors.md §10): static
                      // W8A8 is lossy (the runtimes' epilogues round differently), the rest exact.
                      Pair{"tiny-llama-w8a8-dynamic-msmodelslim", Family::CompressedTensors, std::nullopt, false},
                      Pair{"tiny-llama-w8a16-msmodelslim", Family::CompressedTensors, std::nullopt, false},
                      Pair{"tiny-llama-w4a16-pergroup-msmodelslim-v0", Family::CompressedTensors, std::nullopt, false},
                      Pair{"tiny-llama-w4a16-perchannel-msmodelslim-v0", Family::CompressedTensors, std::nullopt, false},
                      Pair{"tiny-qwen-w8a8-msmodelslim", Family::CompressedTensors, std::nullopt, true},
                      Pair{"tiny-llama-w8a8-dynamic-compressed-tensors-msmodelslim", Family::MsModelSlim, std::nullopt, false},
                      Pair{"tiny-llama-w4a16-pergroup-compressed-tensors", Family::MsModelSlim, std::nullopt, false},
                      Pair{"tiny-llama-w8a16-naive-compressed-tensors", Family::MsModelSlim, std::nullopt, false},
                      Pair{"tiny-moe-w4a16-compressed-tensors", Family::MsModelSlim, std::nullopt, false},
                      Pair{"tiny-llama-w8a8-compressed-tensors", Family::MsModelSlim, std::nullopt, true}),
    [](const auto& info) {
      std::string n = std::string(info.param.sample) + "_to_" + std::string(family_name(info.param.to));
      for (char& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

// A -> B -> A gives A's tensors back, bit for bit.
void expect_round_trip(const std::string& name, Family other, std::optional<Layout> back_flavour) {
  test::TempDir d;
  Checkpoint a = open(sample(d, name));
  ConvertOptions to_b;
  to_b.to = other;
  auto p1 = convert::plan_conversion(a, to_b);
  ASSERT_TRUE(p1.ok() && p1->executable(false)) << name;
  ASSERT_TRUE(convert::execute_plan(*p1, d / "b", false).ok());
  Checkpoint b = open(d / "b");
  ConvertOptions to_a;
  to_a.to = *a.family();
  to_a.flavour = back_flavour;
  auto p2 = convert::plan_conversion(b, to_a);
  ASSERT_TRUE(p2.ok() && p2->executable(false)) << name << ":\n" << convert::render_plan(*p2);
  ASSERT_TRUE(convert::execute_plan(*p2, d / "a2", false).ok());
  Checkpoint a2 = open(d / "a2");
  ASSERT_EQ(a2.tensors().size(), a.tensors().size()) << name;
  for (const TensorRef& t : a.tensors()) {
    const TensorRef* u = a2.find(t.info->name);
    ASSERT_NE(u, nullptr) << name << " lost " << t.info->name;
    EXPECT_EQ(u->info->dtype, t.info->dtype) << t.info->name;
    EXPECT_EQ(u->info->shape, t.info->shape) << t.info->name;
    auto x = a.data(t), y = a2.data(*u);
    EXPECT_TRUE(x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0) << name << ": " << t.info->name;
    // Tags come back too, except Golden-Stick's known mislabel of a W8A8_DYNAMIC
    // layer's bias as W4A8_DYNAMIC, which conversion corrects.
    if (!(std::string_view(t.info->name).ends_with(".bias") && a.tag_of(t.info->name) == "W4A8_DYNAMIC")) {
      EXPECT_EQ(a.tag_of(t.info->name), a2.tag_of(t.info->name)) << t.info->name;
    }
  }
}

TEST(RoundTrip, GoldenStickThroughMsModelSlimIsBitExact) {
  expect_round_trip("tiny-qwen-w8a8-dynamic-golden-stick", Family::MsModelSlim, std::nullopt);
  expect_round_trip("tiny-llama-w8a16-golden-stick", Family::MsModelSlim, std::nullopt);
  expect_round_trip("tiny-llama-w8a16-pergroup-golden-stick", Family::MsModelSlim, std::nullopt);
}

TEST(RoundTrip, LegacyMsModelSlimThroughGoldenStickIsBitExact) {
  // msModelSlim's legacy savers keep scales in the model dtype, which
  // Golden-Stick stores as it is: nothing is narrowed on the way.
  test::TempDir d;
  expect_round_trip("tiny-llama-w4a16-pergroup-msmodelslim-v0", Family::GoldenStick, Layout::MsModelSlimV0);
}

TEST(RoundTrip, W4A16ThroughMsModelSlimV0IsBitExact) {
  test::TempDir d;
  Checkpoint a = open(sample(d, "tiny-llama-w4a16-golden-stick"));
  ConvertOptions o;
  o.to = Family::MsModelSlim;
  o.flavour = Layout::MsModelSlimV0;
  auto p = convert::plan_conversion(a, o);
  ASSERT_TRUE(p.ok() && p->executable(false));
  ASSERT_TRUE(convert::execute_plan(*p, d / "ms", false).ok());
  Checkpoint ms = open(d / "ms");
  EXPECT_EQ(ms.layout(), Layout::MsModelSlimV0);
  EXPECT_EQ(ms.ms_description()->group_size, 64);
  ConvertOptions back;
  back.to = Family::GoldenStick;
  auto p2 = convert::plan_conversion(ms, back);
  ASSERT_TRUE(p2.ok() && p2->executable(false));
  ASSERT_TRUE(convert::execute_plan(*p2, d / "gs", false).ok());
  Checkpoint gs = open(d / "gs");
  for (const TensorRef& t : a.tensors()) {
    const TensorRef* u = gs.find(t.info->name);
    ASSERT_NE(u, nullptr);
    auto x = a.data(t), y = gs.data(*u);
    EXPECT_TRUE(x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0) << t.info->name;
    EXPECT_EQ(a.int4_marked(t), gs.int4_marked(*u)) << t.info->name;
  }
}

// Every supported type, there and back: both results pass qvalidate, and
// every tensor of the source comes back bit for bit or is named (by itself
// or its module) in a note or lossy line of one of the two plans.
struct Trip {
  const char* sample;
  std::optional<Layout> back_flavour;
  bool lossy;
};
class RoundTripAll : public ::testing::TestWithParam<Trip> {};

TEST_P(RoundTripAll, PassesQvalidateAndNamesEveryChange) {
  const Trip& tp = GetParam();
  test::TempDir d;
  Checkpoint a = open(sample(d, tp.sample));
  const Family other = *a.family() == Family::MsModelSlim ? Family::GoldenStick : Family::MsModelSlim;
  ConvertOptions there;
  there.to = other;
  there.allow_lossy = tp.lossy;
  auto p1 = convert::plan_conversion(a, there);
  ASSERT_TRUE(p1.ok() && p1->executable(tp.lossy)) << (p1.ok() ? convert::render_plan(*p1) : p1.error().to_string());
  ASSERT_TRUE(convert::execute_plan(*p1, d / "b", false).ok());
  Checkpoint b = open(d / "b");
  auto check = [&](const Checkpoint& c, const char* what) {
    auto r = validate::validate(c, validate::ValidateOptions{});
    for (const auto& f : r.findings)
      if (f.severity == Severity::Error) ADD_FAILURE() << what << ": " << f.rule << " " << f.tensor << ": " << f.message;
  };
  check(b, "there");
  ConvertOptions back;
  back.to = *a.family();
  back.flavour = tp.back_flavour;
  back.allow_lossy = tp.lossy;
  auto p2 = convert::plan_conversion(b, back);
  ASSERT_TRUE(p2.ok() && p2->executable(tp.lossy)) << (p2.ok() ? convert::render_plan(*p2) : p2.error().to_string());
  ASSERT_TRUE(convert::execute_plan(*p2, d / "a2", false).ok());
  Checkpoint a2 = open(d / "a2");
  check(a2, "back");
  const std::string notes = convert::render_plan(*p1) + convert::render_plan(*p2);
  for (const TensorRef& t : a.tensors()) {
    const TensorRef* u = a2.find(t.info->name);
    const std::string& name = std::string(t.info->name);
    if (u == nullptr) {
      EXPECT_NE(notes.find("note: " + name + ": dropped"), std::string::npos) << tp.sample << " lost " << name << " silently";
      continue;
    }
    auto x = a.data(t), y = a2.data(*u);
    if (u->info->dtype == t.info->dtype && u->info->shape == t.info->shape && x.size() == y.size() &&
        std::memcmp(x.data(), y.data(), x.size()) == 0)
      continue;
    const std::string module = name.substr(0, name.rfind('.'));
    const bool by_name = notes.find("note: " + name + ":") != std::string::npos;
    const bool by_module = notes.find("lossy: " + module + ":") != std::string::npos ||
                           notes.find("note: " + module + ":") != std::string::npos;
    EXPECT_TRUE(by_name || by_module) << tp.sample << ": " << name << " changed and no plan says why";
  }
}

void PrintTo(const Trip& t, std::ostream* os) { *os << t.sample; }

INSTANTIATE_TEST_SUITE_P(
    Types, RoundTripAll,
    ::testing::Values(Trip{"tiny-llama-w8a8-dynamic-msmodelslim", std::nullopt, false},
                      Trip{"tiny-qwen-w8a8-msmodelslim", std::nullopt, false},
                      Trip{"tiny-llama-w8a16-msmodelslim", std::nullopt, false},
                      Trip{"tiny-moe-w8a8-dynamic-msmodelslim", std::nullopt, false},
                      Trip{"tiny-llama-w4a16-pergroup-msmodelslim-v0", Layout::MsModelSlimV0, false},
                      Trip{"tiny-llama-w4a16-perchannel-msmodelslim-v0", Layout::MsModelSlimV0, false},
                      Trip{"tiny-llama-w4a8-dynamic-msmodelslim", std::nullopt, true},
                      Trip{"tiny-qwen-w8a8-dynamic-golden-stick", std::nullopt, false},
                      Trip{"tiny-llama-w8a16-golden-stick", std::nullopt, false},
                      Trip{"tiny-llama-w8a16-pergroup-golden-stick", std::nullopt, false},
                      Trip{"tiny-llama-w4a16-golden-stick", std::nullopt, false},
                      Trip{"tiny-qwen-w8a8-smooth-norm-fed-golden-stick", std::nullopt, true}),
    [](const auto& info) {
      std::string n = info.param.sample;
      for (char& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

// Qwen2-style biased q/k/v in static W8A8. Golden-Stick's runtimes own a
// bias parameter and add it after dequantization (vllm-mindspore a8w8.py
// apply @a7b56a427666), so the bias is written, as zeros, while
// msModelSlim's folded quant_bias carries over: exact both ways, both
// results pass qvalidate, and the only tensors that change on the way back
// are the reference biases, now round(bias/deq)*deq, which the plan names.
TEST(RoundTrip, BiasedW8A8IsExactBothWaysAndNamesTheReferenceBias) {
  test::TempDir d;
  Checkpoint a = open(sample(d, "tiny-qwen-w8a8-msmodelslim"));
  ConvertOptions to_gs;
  to_gs.to = Family::GoldenStick;
  auto p1 = convert::plan_conversion(a, to_gs);
  ASSERT_TRUE(p1.ok() && p1->executable(false)) << (p1.ok() ? convert::render_plan(*p1) : "");
  EXPECT_TRUE(p1->lossy.empty());
  const std::string plan_there = convert::render_plan(*p1);
  ASSERT_TRUE(convert::execute_plan(*p1, d / "gs", false).ok());
  Checkpoint gs = open(d / "gs");
  const TensorRef* gb = gs.find("model.layers.0.self_attn.q_proj.bias");
  ASSERT_NE(gb, nullptr);
  for (double v : vals(gs, gb)) EXPECT_EQ(v, 0.0);
  EXPECT_EQ(validate::validate(gs, validate::ValidateOptions{}).errors, 0u);
  ConvertOptions to_ms;
  to_ms.to = Family::MsModelSlim;
  auto p2 = convert::plan_conversion(gs, to_ms);
  ASSERT_TRUE(p2.ok() && p2->executable(false)) << (p2.ok() ? convert::render_plan(*p2) : "");
  EXPECT_TRUE(p2->lossy.empty()) << convert::render_plan(*p2);
  const std::string plan_text = convert::render_plan(*p2);
  ASSERT_TRUE(convert::execute_plan(*p2, d / "ms", false).ok());
  Checkpoint back = open(d / "ms");
  auto r = validate::validate(back, validate::ValidateOptions{});
  for (const auto& f : r.findings)
    if (f.severity == Severity::Error) ADD_FAILURE() << f.rule << " " << f.tensor << ": " << f.message;
  for (const auto& [x, y] : {std::pair{&a, &gs}, std::pair{&gs, &back}}) {
    auto rows = convert::verify_conversion(*x, *y, {}, {});
    EXPECT_TRUE(convert::verify_passed(rows)) << convert::render_verify(rows);
  }
  for (const TensorRef& t : a.tensors()) {
    const TensorRef* u = back.find(t.info->name);
    ASSERT_NE(u, nullptr) << t.info->name;
    auto x = a.data(t), y = back.data(*u);
    const bool same = u->info->dtype == t.info->dtype && x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0;
    if (std::string_view(t.info->name).ends_with(".bias")) {
      EXPECT_NE(plan_text.find("note: " + std::string(t.info->name) + ": the Golden-Stick bias is zero"), std::string::npos) << std::string(t.info->name);
      // round(b/deq)*deq is within deq/2 of b.
      auto b0 = vals(a, &t), b1 = vals(back, u);
      auto deq = vals(a, a.find(std::string(t.info->name).substr(0, std::string(t.info->name).size() - 4) + "deq_scale"));
      for (std::size_t i = 0; i < b0.size(); ++i) EXPECT_LE(std::fabs(b0[i] - b1[i]), deq[i] / 2 * 1.01 + 1e-6) << t.info->name;
    } else if (!same) {
      // Only what the plan there named: F32 scales narrowed to the model
      // dtype the Golden-Stick runtimes hold them in (same computation).
      EXPECT_NE(plan_there.find("note: " + std::string(t.info->name) + ": F32 -> BF16"), std::string::npos) << std::string(t.info->name);
    }
  }
}

TEST(RoundTrip, SingleGroupW4A16BecomesPerChannelPackedAlongK) {
  // tiny-llama-w4a16-golden-stick has group size 64: q/k/v/gate/up (k = 64)
  // hold one group, down_proj (k = 128) two. msModelSlim's saver packs a
  // scale with last dimension 1 along k (docs/research/msmodelslim.md §4).
  test::TempDir d;
  Checkpoint a = open(sample(d, "tiny-llama-w4a16-golden-stick"));
  ConvertOptions o;
  o.to = Family::MsModelSlim;
  o.flavour = Layout::MsModelSlimV0;
  auto p = convert::plan_conversion(a, o);
  ASSERT_TRUE(p.ok() && p->executable(false));
  ASSERT_TRUE(convert::execute_plan(*p, d / "ms", false).ok());
  Checkpoint ms = open(d / "ms");
  const TensorRef* q = ms.find("model.layers.0.self_attn.q_proj.weight");
  const TensorRef* qs = ms.find("model.layers.0.self_attn.q_proj.weight_scale");
  const TensorRef* dn = ms.find("model.layers.0.mlp.down_proj.weight");
  ASSERT_TRUE(q && qs && dn);
  EXPECT_EQ(q->info->shape, (std::vector<std::uint64_t>{64, 32}));   // [n, k/2], n = 64, k = 64
  EXPECT_EQ(qs->info->shape, (std::vector<std::uint64_t>{64, 1}));
  EXPECT_EQ(dn->info->shape, (std::vector<std::uint64_t>{32, 128}));  // [n/2, k], n = 64, k = 128
  auto r = validate::validate(ms, validate::ValidateOptions{});
  EXPECT_EQ(r.errors, 0u);
}

TEST(RoundTrip, CurrentMsModelSlimKeepsWeightsAndRuntimeScales) {
  // V1 stores F32 scales that the runtime loads as BF16: through
  // Golden-Stick and back, weights are bit-exact and scales equal their
  // BF16 values.
  test::TempDir d;
  Checkpoint a = open(sample(d, "tiny-llama-w8a8-dynamic-msmodelslim"));
  ConvertOptions o;
  o.to = Family::GoldenStick;
  auto p = convert::plan_conversion(a, o);
  ASSERT_TRUE(p.ok() && p->executable(false));
  ASSERT_TRUE(convert::execute_plan(*p, d / "gs", false).ok());
  Checkpoint gs = open(d / "gs");
  ConvertOptions back;
  back.to = Family::MsModelSlim;
  auto p2 = convert::plan_conversion(gs, back);
  ASSERT_TRUE(p2.ok() && p2->executable(false));
  ASSERT_TRUE(convert::execute_plan(*p2, d / "ms", false).ok());
  Checkpoint a2 = open(d / "ms");
  for (const TensorRef& t : a.tensors()) {
    const TensorRef* u = a2.find(t.info->name);
    ASSERT_NE(u, nullptr);
    if (std::string_view(t.info->name).ends_with(".weight")) {
      auto x = a.data(t), y = a2.data(*u);
      EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size()), 0) << t.info->name;
    } else if (std::string_view(t.info->name).ends_with("weight_scale")) {
      auto x = as_param(vals(a, &t), Dtype::BF16), y = vals(a2, u);
      EXPECT_EQ(x, y) << t.info->name;
    }
  }
}

// --- refusals and plans -----------------------------------------------------------

std::string plan_text(const test::TempDir& d, const std::string& name, Family to, std::optional<Layout> f = {},
                      bool* executable = nullptr) {
  Checkpoint c = open(sample(d, name));
  ConvertOptions o;
  o.to = to;
  o.flavour = f;
  auto p = convert::plan_conversion(c, o);
  if (!p) return "error: " + p.error().to_string();
  if (executable) *executable = p->executable(false);
  return convert::render_plan(*p);
}

// Planning reads scales, offsets and some weights through the mappings and
// gives every page back when it is done (in batches, and each read's whole
// fault-around window): afterwards no page of any shard is mapped. Page
// presence is read from /proc/self/pagemap (bit 63), over every sample whose
// plan reads values.
TEST(PlanOnly, LeavesNoSourcePageMapped) {
  if (::sysconf(_SC_PAGESIZE) != 4096) GTEST_SKIP() << "the page arithmetic below assumes 4 KiB pages";
  test::TempDir d;
  const int fd = ::open("/proc/self/pagemap", O_RDONLY);
  ASSERT_GE(fd, 0);
  auto mapped_pages = [&](const SafetensorsFile& f) {
    const auto bytes = f.mapping().bytes();
    const auto base = reinterpret_cast<std::uintptr_t>(bytes.data());
    std::size_t present = 0;
    for (std::uintptr_t a = base / 4096 * 4096; a < base + bytes.size(); a += 4096) {
      std::uint64_t entry = 0;
      EXPECT_EQ(::pread(fd, &entry, 8, static_cast<off_t>(a / 4096 * 8)), 8);
      present += (entry >> 63) != 0;
    }
    return present;
  };
  int checked = 0;
  for (const char* name : {"tiny-qwen-w8a8-msmodelslim", "tiny-llama-w8a8-dynamic-msmodelslim",
                           "tiny-llama-w4a8-dynamic-msmodelslim", "tiny-llama-w4a16-golden-stick"}) {
    ASSERT_TRUE(samples::write_sample(d / name, *samples::find_sample(name)).ok()) << name;
    Checkpoint c = open(d / name);
    ASSERT_TRUE(c.family()) << name;
    ConvertOptions o;
    o.to = *c.family() == Family::GoldenStick ? Family::MsModelSlim : Family::GoldenStick;
    o.plan_only = true;
    auto plan = convert::plan_conversion(c, o);
    ASSERT_TRUE(plan.ok()) << name;
    for (const ShardFile& s : c.shards()) {
      ASSERT_NE(s.file, nullptr);
      EXPECT_EQ(mapped_pages(*s.file), 0u) << name << " " << s.name;
      ++checked;
    }
  }
  EXPECT_GE(checked, 4);
  ::close(fd);
}

// --dry-run plans with ConvertOptions::plan_only (no output bytes encoded):
// for every sample, every target family and --allow-lossy either way, the
// plan must decide and print exactly what the full plan does, and it must
// not be executable.
TEST(PlanOnly, SameDecisionsAndTextAsTheFullPlan) {
  test::TempDir d;
  int compared = 0;
  for (const samples::SampleSpec& spec : samples::sample_catalog()) {
    ASSERT_TRUE(samples::write_sample(d / spec.name, spec).ok()) << spec.name;
    Checkpoint c = open(d / spec.name);
    if (!c.family()) continue;
    for (Family to : {Family::GoldenStick, Family::MsModelSlim, Family::CompressedTensors})
      for (bool lossy : {false, true}) {
        ConvertOptions o;
        o.to = to;
        o.allow_lossy = lossy;
        auto full = convert::plan_conversion(c, o);
        o.plan_only = true;
        auto dry = convert::plan_conversion(c, o);
        ASSERT_EQ(full.ok(), dry.ok()) << spec.name;
        if (!full.ok()) {
          EXPECT_EQ(full.error().to_string(), dry.error().to_string()) << spec.name;
          continue;
        }
        EXPECT_EQ(convert::render_plan(*full), convert::render_plan(*dry)) << spec.name;
        EXPECT_EQ(full->output_bytes, dry->output_bytes) << spec.name;
        EXPECT_EQ(full->executable(lossy), dry->executable(lossy)) << spec.name;
        EXPECT_EQ(full->input_multiplier, dry->input_multiplier) << spec.name;
        EXPECT_EQ(full->output_multiplier, dry->output_multiplier) << spec.name;
        EXPECT_TRUE(dry->storage.empty()) << spec.name;
        ++compared;
      }
    fs::remove_all(d / spec.name);
  }
  EXPECT_GT(compared, 10);
  // A plan-only plan writes nothing.
  Checkpoint c = open(sample(d, "tiny-llama-w8a8-dynamic-msmodelslim"));
  ConvertOptions o;
  o.plan_only = true;
  auto p = convert::plan_conversion(c, o);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(convert::execute_plan(*p, d / "out", false).ok());
  EXPECT_FALSE(fs::exists(d / "out"));
}

TEST(Refusals, SayWhichLayerAndWhy) {
  test::TempDir d;
  bool ok = true;
  std::string mix = plan_text(d, "tiny-llama-w8a8-mix-msmodelslim-v0", Family::GoldenStick, {}, &ok);
  EXPECT_FALSE(ok);
  // W8A8_MIX goes to Golden-Stick's static W8A8 only with --allow-lossy: its
  // prefill path changes from per-token to per-tensor.
  EXPECT_NE(mix.find("lossy: model.layers.0.self_attn.q_proj: W8A8_MIX quantizes prefill activations per token"),
            std::string::npos)
      << mix;
  std::string smooth = plan_text(d, "tiny-qwen-w8a8-golden-stick", Family::MsModelSlim, {}, &ok);
  EXPECT_FALSE(ok);
  EXPECT_NE(smooth.find("refused: model.layers.1.self_attn.o_proj: per-channel activation scales"), std::string::npos)
      << smooth;
  EXPECT_EQ(smooth.find("refused: model.layers.1.self_attn.q_proj"), std::string::npos)
      << "q/k/v read the input norm: their smoothing folds";
  std::string w4 = plan_text(d, "tiny-llama-w4a16-golden-stick", Family::MsModelSlim, {}, &ok);
  // Without --flavour the newest layout that holds every layer: v0 for W4A16.
  EXPECT_NE(w4.find("plan: golden-stick -> msmodelslim (v0)"), std::string::npos) << w4;
  EXPECT_NE(w4.find("note: flavour v0 (legacy ascendV1 names)"), std::string::npos) << w4;
  std::string w4v1 = plan_text(d, "tiny-llama-w4a16-golden-stick", Family::MsModelSlim, Layout::MsModelSlimV1, &ok);
  EXPECT_FALSE(ok);
  EXPECT_NE(w4v1.find("writes no W4A16; convert with --flavour v0"), std::string::npos) << w4v1;
  std::string c8 = plan_text(d, "tiny-llama-w8a8-fp16-c8-msmodelslim", Family::GoldenStick, {}, &ok);
  EXPECT_NE(c8.find("C8 attention tensors: Golden-Stick's current savers store no KV-cache"), std::string::npos) << c8;
  EXPECT_NE(c8.find("--drop-kv-quant converts without it"), std::string::npos) << c8;
  std::string plain = plan_text(d, "tiny-llama-w8a8-plain-golden-stick", Family::MsModelSlim, {}, &ok);
  EXPECT_FALSE(ok);
  EXPECT_NE(plain.find("lossy: model.layers.0.mlp.down_proj: Golden-Stick's plain W8A8 stores 1/x_scale"), std::string::npos)
      << plain;
}

// W8A8_MIX -> Golden-Stick's static W8A8 with --allow-lossy: the result is
// tagged W8A8 and passes qvalidate; --verify evaluates W8A8_MIX on the
// per-token path most deployments run (vllm-ascend w8a8_pdmix.py
// @182b75ea84ff L79-83), so it measures a difference, which the plan's
// lossy lines cover.
TEST(Refusals, W8A8MixGoesToStaticW8A8WithAllowLossy) {
  test::TempDir d;
  Checkpoint src = open(sample(d, "tiny-llama-w8a8-mix-msmodelslim-v0"));
  ConvertOptions o;
  o.to = Family::GoldenStick;
  o.allow_lossy = true;
  auto p = convert::plan_conversion(src, o);
  ASSERT_TRUE(p.ok() && p->executable(true)) << (p.ok() ? convert::render_plan(*p) : p.error().to_string());
  EXPECT_FALSE(p->executable(false));
  ASSERT_TRUE(convert::execute_plan(*p, d / "gs", false).ok());
  Checkpoint gs = open(d / "gs");
  EXPECT_EQ(gs.tag_of("model.layers.0.self_attn.q_proj.weight"), "W8A8");
  EXPECT_EQ(validate::validate(gs, validate::ValidateOptions{}).errors, 0u);
  auto rows = convert::verify_conversion(src, gs, {}, {});
  EXPECT_FALSE(convert::verify_passed(rows)) << "nothing planned lossy: the per-token path differs";
  std::vector<std::string> lossy;
  for (const auto& v : p->lossy) lossy.push_back(v.prefix);
  rows = convert::verify_conversion(src, gs, lossy, {});
  EXPECT_TRUE(convert::verify_passed(rows)) << convert::render_verify(rows);
  double worst = 0;
  for (const auto& r : rows) worst = std::max(worst, r.max_rel);
  EXPECT_GT(worst, 0.0);
  EXPECT_LT(worst, 0.1) << convert::render_verify(rows);
}

// Golden-Stick SmoothQuant W8A8 -> msModelSlim, complete: q/k/v and gate/up
// smoothing folds into their norms, down_proj's into up_proj's output
// channels, o_proj's into v_proj's (MHA: one query head per v channel). All
// lossy under the one policy; --verify, told the folds, measures each layer
// on what it really receives and finds only rounding-sized differences.
// param: the model family (Qwen2 with biased q/k/v as in the sample, Llama,
// Qwen3 with q_norm/k_norm).
class SmoothQuantMha : public ::testing::TestWithParam<std::string> {};

TEST_P(SmoothQuantMha, GoldenStickConvertsCompletelyWithAllowLossy) {
  test::TempDir d;
  samples::SampleSpec spec = *samples::find_sample("tiny-qwen-w8a8-golden-stick");
  if (GetParam() != "qwen2") {
    const int heads = spec.model.heads;
    spec.model = GetParam() == "llama" ? samples::ToyConfig::llama() : samples::ToyConfig::qwen3();
    spec.model.heads = heads;
  }
  spec.model.kv_heads = spec.model.heads;  // MHA
  spec.name = "mha";
  ASSERT_TRUE(samples::write_sample(d / "gs", spec).ok());
  Checkpoint gs = open(d / "gs");
  ConvertOptions o;
  o.to = Family::MsModelSlim;
  o.allow_lossy = true;
  auto p = convert::plan_conversion(gs, o);
  ASSERT_TRUE(p.ok());
  for (const auto& v : p->refused) ADD_FAILURE() << "refused " << v.prefix << ": " << v.reason;
  ASSERT_TRUE(p->executable(true));
  EXPECT_FALSE(p->executable(false));
  EXPECT_EQ(p->output_multiplier.count("model.layers.0.mlp.up_proj"), 1u);
  EXPECT_EQ(p->output_multiplier.count("model.layers.0.self_attn.v_proj"), 1u);
  ASSERT_TRUE(convert::execute_plan(*p, d / "ms", false).ok());
  Checkpoint ms = open(d / "ms");
  auto r = validate::validate(ms, validate::ValidateOptions{});
  for (const auto& f : r.findings)
    if (f.severity == Severity::Error) ADD_FAILURE() << f.rule << " " << f.tensor << ": " << f.message;
  // One activation scale per layer now.
  EXPECT_EQ(ms.find("model.layers.0.mlp.down_proj.input_scale")->info->shape, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(ms.find("model.layers.0.self_attn.o_proj.input_scale")->info->shape, (std::vector<std::uint64_t>{1}));
  std::vector<std::string> lossy;
  for (const auto& v : p->lossy) lossy.push_back(v.prefix);
  convert::VerifyOptions vo;
  vo.input_multiplier = &p->input_multiplier;
  vo.output_multiplier = &p->output_multiplier;
  auto rows = convert::verify_conversion(gs, ms, lossy, vo);
  EXPECT_TRUE(convert::verify_passed(rows)) << convert::render_verify(rows);
  for (const auto& row : rows) {
    EXPECT_TRUE(row.evaluated) << row.prefix << ": " << row.note;
    // A few quantization steps of a 8-bit input, relative to the layer's range.
    EXPECT_LT(row.max_rel, 0.05) << row.prefix << "\n" << convert::render_verify(rows);
  }
  // Without the folds' multipliers the comparison is meaningless for the
  // consumers: it shows that the multipliers matter.
  auto naive = convert::verify_conversion(gs, ms, lossy, {});
  double worst = 0;
  for (const auto& row : naive)
    if (row.prefix.ends_with("down_proj")) worst = std::max(worst, row.max_rel);
  EXPECT_GT(worst, 0.05);
}

INSTANTIATE_TEST_SUITE_P(Models, SmoothQuantMha, ::testing::Values("qwen2", "llama", "qwen3"),
                         [](const auto& info) { return info.param; });

// GQA: v_proj's channel feeds several query heads; their smoothing differs,
// so o_proj's cannot be folded: refused, naming the heads.
TEST(SmoothQuant, GqaOprojWithDifferingHeadsIsRefusedWithTheReason) {
  test::TempDir d;
  bool ok = true;
  std::string text = plan_text(d, "tiny-qwen-w8a8-golden-stick", Family::MsModelSlim, {}, &ok);
  EXPECT_FALSE(ok);
  EXPECT_NE(text.find("refused: model.layers.0.self_attn.o_proj"), std::string::npos) << text;
  EXPECT_NE(text.find("differs between query heads"), std::string::npos) << text;
  EXPECT_NE(text.find("--allow-lossy re-quantizes o_proj's weights"), std::string::npos) << text;
  EXPECT_EQ(text.find("refused: model.layers.0.mlp.down_proj"), std::string::npos) << text;
}

// ... and with --allow-lossy the residual goes into o_proj's weight columns,
// re-quantized; the whole model converts, passes qvalidate, and --verify
// measures every layer within a few 8-bit steps.
TEST(SmoothQuant, GqaOprojIsRequantizedWithAllowLossy) {
  test::TempDir d;
  Checkpoint gs = open(sample(d, "tiny-qwen-w8a8-golden-stick"));
  ConvertOptions o;
  o.to = Family::MsModelSlim;
  o.allow_lossy = true;
  auto p = convert::plan_conversion(gs, o);
  ASSERT_TRUE(p.ok());
  for (const auto& v : p->refused) ADD_FAILURE() << "refused " << v.prefix << ": " << v.reason;
  const std::string text = convert::render_plan(*p);
  EXPECT_NE(text.find("lossy: model.layers.0.self_attn.o_proj: Golden-Stick's smoothing differs between the query heads"),
            std::string::npos)
      << text;
  ASSERT_TRUE(convert::execute_plan(*p, d / "ms", false).ok());
  Checkpoint ms = open(d / "ms");
  auto r = validate::validate(ms, validate::ValidateOptions{});
  for (const auto& f : r.findings)
    if (f.severity == Severity::Error) ADD_FAILURE() << f.rule << " " << f.tensor << ": " << f.message;
  std::vector<std::string> lossy;
  for (const auto& v : p->lossy) lossy.push_back(v.prefix);
  convert::VerifyOptions vo;
  vo.input_multiplier = &p->input_multiplier;
  vo.output_multiplier = &p->output_multiplier;
  auto rows = convert::verify_conversion(gs, ms, lossy, vo);
  EXPECT_TRUE(convert::verify_passed(rows));
  for (const auto& row : rows) {
    EXPECT_TRUE(row.evaluated) << row.prefix << ": " << row.note;
    EXPECT_LT(row.max_rel, 0.05) << row.prefix << "\n" << convert::render_verify(rows);
  }
}

// --drop-kv-quant: the KV-cache int8 tensors stay behind, the plan says so,
// and every linear layer still converts exactly.
TEST(Refusals, DropKvQuantConvertsWithoutTheAttentionQuantization) {
  test::TempDir d;
  Checkpoint src = open(sample(d, "tiny-llama-w8a8-fp16-c8-msmodelslim"));
  ConvertOptions o;
  o.to = Family::GoldenStick;
  o.drop_kv_quant = true;
  auto p = convert::plan_conversion(src, o);
  ASSERT_TRUE(p.ok() && p->executable(false)) << (p.ok() ? convert::render_plan(*p) : p.error().to_string());
  const std::string text = convert::render_plan(*p);
  EXPECT_NE(text.find("attention quantization dropped (--drop-kv-quant)"), std::string::npos) << text;
  ASSERT_TRUE(convert::execute_plan(*p, d / "gs", false).ok());
  Checkpoint gs = open(d / "gs");
  for (const TensorRef& t : gs.tensors()) EXPECT_EQ(t.info->name.find("kv_cache"), std::string::npos) << t.info->name;
  EXPECT_EQ(validate::validate(gs, validate::ValidateOptions{}).errors, 0u);
  auto rows = convert::verify_conversion(src, gs, {}, {});
  EXPECT_TRUE(convert::verify_passed(rows)) << convert::render_verify(rows);
}

TEST(Plan, ListsEveryOutputTensorWithSourceAndTransform) {
  test::TempDir d;
  bool ok = false;
  std::string text = plan_text(d, "tiny-qwen-w8a8-msmodelslim", Family::GoldenStick, {}, &ok);
  EXPECT_TRUE(ok);
  // 14 modules x 7 tensors + the 6 q/k/v biases (2 layers; written as zeros,
  // the float bias staying folded in quant_bias) + 7 float tensors.
  EXPECT_NE(text.find("plan: msmodelslim -> golden-stick (golden-stick), 111 tensors"), std::string::npos) << text;
  EXPECT_NE(text.find("model.layers.0.self_attn.q_proj.input_scale  BF16 [64]  W8A8  <- "
                      "model.layers.0.self_attn.q_proj.input_scale  (scalar -> [k])"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("model.layers.0.self_attn.q_proj.weight_scale  BF16 [64]  W8A8  <- "
                      "model.layers.0.self_attn.q_proj.deq_scale / model.layers.0.self_attn.q_proj.input_scale"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("note: model.layers.0.self_attn.q_proj.bias: written as zeros"), std::string::npos);
}

TEST(Execute, FailureLeavesNoDestinationAndNoTemporaryFiles) {
  test::TempDir d;
  Checkpoint c = open(sample(d, "tiny-llama-w8a16-golden-stick"));
  ConvertOptions o;
  o.to = Family::MsModelSlim;
  auto p = convert::plan_conversion(c, o);
  ASSERT_TRUE(p.ok());
  p->content.tensors[3].source.bytes = {};
  p->content.tensors[3].source.produce = [](ByteSink& s) -> Status {
    (void)s.write(std::string_view("partial"));
    return Error(Errc::io_read, "disk pulled");
  };
  auto before = test::list_dir(d.path());
  auto st = convert::execute_plan(*p, d / "out", false);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(test::list_dir(d.path()), before) << "no DST, no .qkit-tmp directory";
}

// A corrupt source is refused with its findings (the int4 value 9 that
// packing would wrap into -7), and even when the user insists
// (--ignore-source-errors) nothing is wrapped: the conversion fails naming
// the tensor and element, leaving no destination.
TEST(SourceGate, CorruptSourceIsRefusedAndNeverWrapped) {
  test::TempDir d;
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-w4a16-msmodelslim-mindie"));
  const std::string w = "model.layers.0.mlp.up_proj.weight";
  OutputTensor* t = b.find(w);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->source.dtype, Dtype::I8);  // unpacked: one int4 value per byte
  std::vector<std::byte> bytes(t->source.bytes.begin(), t->source.bytes.end());
  bytes[5] = std::byte{9};
  t->source.bytes = b.own(std::move(bytes));
  ASSERT_TRUE(write_checkpoint(d / "src", b.content, b.options).ok());
  auto r = test::run_tool(QKIT_QCONVERT, {"--from", "msmodelslim", "--to", "mindspore", (d / "src").string(), (d / "dst").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("numeric.int4-range"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--ignore-source-errors"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "dst"));
  r = test::run_tool(QKIT_QCONVERT, {"--from", "msmodelslim", "--to", "mindspore", "--ignore-source-errors",
                                     (d / "src").string(), (d / "dst").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("outside [-8, 7]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(w), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "dst"));
}

// vllm-mindspore and MindFormers create deq_scale F32 whatever the model
// dtype and cast an incoming I64 numerically (vllm-mindspore
// golden_stick/a8w8.py@a7b56a427666 L56; MindFormers a8w8.py@f52743ca27a5
// L59-62; docs/research/ms-runtimes.md 1.5, 1.7): an fp16 model's
// deq_scale goes over as the same float32 values in F32, and comes back as
// msModelSlim's I64 bit pattern, bit for bit.
TEST(TargetDtypes, Fp16DeqScaleIsF32ForTheMindSporeRuntimes) {
  test::TempDir d;
  samples::SampleSpec spec = *samples::find_sample("tiny-llama-w8a8-fp16-c8-msmodelslim");
  spec.kv_c8 = false;
  spec.name = "fp16-w8a8";
  ASSERT_TRUE(samples::write_sample(d / "ms", spec).ok());
  Checkpoint ms = open(d / "ms");
  ASSERT_EQ(ms.model_dtype(), Dtype::F16);
  ConvertOptions o;
  o.to = Family::GoldenStick;
  auto p = convert::plan_conversion(ms, o);
  ASSERT_TRUE(p.ok() && p->executable(false)) << (p.ok() ? convert::render_plan(*p) : p.error().to_string());
  ASSERT_TRUE(convert::execute_plan(*p, d / "gs", false).ok());
  Checkpoint gs = open(d / "gs");
  std::size_t deqs = 0;
  for (const TensorRef& t : ms.tensors()) {
    if (!std::string_view(t.info->name).ends_with(".deq_scale")) continue;
    ++deqs;
    ASSERT_EQ(t.info->dtype, Dtype::I64);
    const TensorRef* u = gs.find(t.info->name);
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(u->info->dtype, Dtype::F32) << t.info->name;
    EXPECT_EQ(vals(ms, &t), vals(gs, u)) << t.info->name;
  }
  EXPECT_GT(deqs, 0u);
  for (validate::Target t : {validate::Target::VllmMindSpore, validate::Target::MindFormers, validate::Target::Any}) {
    validate::ValidateOptions vo;
    vo.target = t;
    auto r = validate::validate(gs, vo);
    for (const auto& f : r.findings)
      if (f.severity == Severity::Error) ADD_FAILURE() << validate::target_name(t) << ": " << f.rule << " " << f.tensor << ": " << f.message;
  }
  ConvertOptions back;
  back.to = Family::MsModelSlim;
  auto p2 = convert::plan_conversion(gs, back);
  ASSERT_TRUE(p2.ok() && p2->executable(false)) << (p2.ok() ? convert::render_plan(*p2) : p2.error().to_string());
  ASSERT_TRUE(convert::execute_plan(*p2, d / "ms2", false).ok());
  Checkpoint ms2 = open(d / "ms2");
  for (const TensorRef& t : ms.tensors()) {
    if (!std::string_view(t.info->name).ends_with(".deq_scale")) continue;
    const TensorRef* u = ms2.find(t.info->name);
    ASSERT_NE(u, nullptr);
    auto x = ms.data(t), y = ms2.data(*u);
    EXPECT_TRUE(u->info->dtype == Dtype::I64 && x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0)
        << t.info->name;
  }
}

TEST(Execute, ConfigAndSideFilesAreCarriedOver) {
  test::TempDir d;
  fs::path src = sample(d, "tiny-qwen-w8a8-dynamic-golden-stick");
  test::write_file(src / "tokenizer.json", "{\"tok\": 1}");
  test::write_file(src / "modeling_custom.py", "# remote code\n");
  std::string cfg = test::read_file(src / "config.json");
  cfg.insert(cfg.find('{') + 1, "\n  \"quantization_config\": {\"group_size\": 0},");
  test::write_file(src / "config.json", cfg);
  Checkpoint c = open(src);
  ConvertOptions o;
  o.to = Family::MsModelSlim;
  auto p = convert::plan_conversion(c, o);
  ASSERT_TRUE(p.ok() && p->executable(false));
  ASSERT_TRUE(convert::execute_plan(*p, d / "out", false).ok());
  EXPECT_EQ(test::read_file(d / "out" / "tokenizer.json"), "{\"tok\": 1}");
  EXPECT_EQ(test::read_file(d / "out" / "modeling_custom.py"), "# remote code\n");
  std::string out_cfg = test::read_file(d / "out" / "config.json");
  EXPECT_EQ(out_cfg.find("quantization_config"), std::string::npos) << "vLLM-Ascend would read it instead of the description";
  EXPECT_NE(out_cfg.find("\"hidden_size\": 64"), std::string::npos);
  // MindIE's legacy naming needs "quantize".
  o.flavour = Layout::MsModelSlimMindIE;
  auto pm = convert::plan_conversion(c, o);
  ASSERT_TRUE(pm.ok() && pm->executable(false));
  ASSERT_TRUE(convert::execute_plan(*pm, d / "mindie", false).ok());
  EXPECT_NE(test::read_file(d / "mindie" / "config.json").find("\"quantize\": \"w8a8_dynamic\""), std::string::npos);
  EXPECT_TRUE(fs::exists(d / "mindie" / "quant_model_description_w8a8_dynamic.json"));
}

// Folding smoothing into a norm changes that norm's output for every
// reader: a float linear reading the same norm (Qwen3.5's in_proj_b beside
// quantized projections) must make the fold a refusal, not a silent change.
TEST(Refusals, NoFoldIntoANormThatAlsoFeedsAnUnsmoothedLinear) {
  test::TempDir d;
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-qwen-w8a8-smooth-norm-fed-golden-stick"));
  const std::string extra = "model.layers.0.linear_attn.in_proj_b.weight";  // reads model.layers.0.input_layernorm
  const auto& owned = b.own(std::vector<std::byte>(8 * 64 * 2, std::byte{0x3f}));
  b.content.tensors.push_back(OutputTensor{TensorSource{extra, Dtype::BF16, {8, 64}, owned, {}}, "FLOAT", false});
  b.content.description[extra] = "FLOAT";
  ASSERT_TRUE(write_checkpoint(d / "src", b.content, b.options).ok());
  auto c = Checkpoint::open(d / "src");
  ASSERT_TRUE(c.ok());
  convert::ConvertOptions o;
  o.to = Family::MsModelSlim;
  o.allow_lossy = true;
  auto plan = convert::plan_conversion(*c, o);
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  bool refused = false;
  for (const auto& v : plan->refused) refused |= v.reason.find(extra.substr(0, extra.size() - 7)) != std::string::npos;
  EXPECT_TRUE(refused) << convert::render_plan(*plan);
  EXPECT_FALSE(plan->executable(true));
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// compressed-tensors <-> msModelSlim (docs/research/compressed-tensors.md
// §10): every compressed-tensors sample of the catalog but FP8 (which
// msModelSlim's layout cannot hold) converts to msModelSlim and back; each
// layer of both results computes what its source computed (the evaluator,
// both families' formulas), and the round trip reproduces every source
// tensor's values: integers byte for byte (int8 re-packed by
// compressed-tensors' own rule, checked here with ct_packed_get), scales
// exactly (a BF16 scale may come back as the same value in F32), and a
// static layer's float bias within deq_scale/2 (msModelSlim folds it into
// quant_bias as round(bias/deq), the plan's stated bound).
class CtRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(CtRoundTrip, ThroughMsModelSlimComputesTheSameAndReproducesTheSource) {
  test::TempDir d;
  Checkpoint a = open(sample(d, GetParam()));
  ASSERT_EQ(a.family(), Family::CompressedTensors);
  ConvertOptions to_ms;
  to_ms.to = Family::MsModelSlim;
  to_ms.allow_lossy = true;
  auto p1 = convert::plan_conversion(a, to_ms);
  ASSERT_TRUE(p1.ok() && p1->executable(true)) << (p1.ok() ? convert::render_plan(*p1) : p1.error().to_string());
  std::vector<std::string> lossy1;
  for (const auto& l : p1->lossy) lossy1.push_back(l.prefix);
  ASSERT_TRUE(convert::execute_plan(*p1, d / "ms", false).ok());
  Checkpoint ms = open(d / "ms");
  EXPECT_EQ(validate::validate(ms, validate::ValidateOptions{}).errors, 0u);
  ConvertOptions to_ct;
  to_ct.to = Family::CompressedTensors;
  to_ct.allow_lossy = true;
  auto p2 = convert::plan_conversion(ms, to_ct);
  ASSERT_TRUE(p2.ok() && p2->executable(true)) << (p2.ok() ? convert::render_plan(*p2) : p2.error().to_string());
  std::vector<std::string> lossy2;
  for (const auto& l : p2->lossy) lossy2.push_back(l.prefix);
  ASSERT_TRUE(convert::execute_plan(*p2, d / "ct", false).ok());
  Checkpoint back = open(d / "ct");
  EXPECT_EQ(back.layout(), Layout::CompressedTensors);
  EXPECT_EQ(validate::validate(back, validate::ValidateOptions{}).errors, 0u);
  EXPECT_EQ(back.modules().size(), a.modules().size());
  std::size_t evaluated = 0;
  for (const auto& [x, y, lossy] : {std::tuple{&a, &ms, lossy1}, std::tuple{&ms, &back, lossy2}}) {
    auto rows = convert::verify_conversion(*x, *y, lossy, {});
    EXPECT_TRUE(convert::verify_passed(rows)) << convert::render_verify(rows);
    for (const auto& r : rows) {
      EXPECT_TRUE(r.evaluated) << r.prefix << ": " << r.note;
      evaluated += r.evaluated;
      if (r.exact_expected) EXPECT_EQ(r.max_abs, 0.0) << r.prefix;
    }
  }
  EXPECT_EQ(evaluated, 2 * a.modules().size());
  for (const TensorRef& t : a.tensors()) {
    const std::string& name = std::string(t.info->name);
    const TensorRef* u = back.find(name);
    if (std::string_view(name).ends_with(".weight") && !u && t.info->dtype == Dtype::I8) {
      // naive/int-quantized int8 comes back pack-quantized.
      const std::string packed = name + "_packed";
      u = back.find(packed);
      ASSERT_NE(u, nullptr) << name;
      const auto* q = reinterpret_cast<const std::int8_t*>(a.data(t).data());
      const std::uint64_t n = t.info->shape[0], k = t.info->shape[1];
      for (std::uint64_t r = 0; r < n; ++r)
        for (std::uint64_t c = 0; c < k; ++c) ASSERT_EQ(ct_packed_get(back.data(*u).data(), 8, k, r, c), q[r * k + c]) << name;
      continue;
    }
    ASSERT_NE(u, nullptr) << name;
    auto x = a.data(t), y = back.data(*u);
    if (u->info->dtype == t.info->dtype && x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0) continue;
    EXPECT_EQ(u->info->shape, t.info->shape) << name;
    auto v0 = tensor_values(a, t, false), v1 = tensor_values(back, *u, false);
    ASSERT_EQ(v0.size(), v1.size()) << name;
    const bool bias = std::string_view(name).ends_with(".bias");
    for (std::size_t i = 0; i < v0.size(); ++i) {
      // A layer the plan called lossy (msModelSlim's saver writes an F32
      // input_scale its own runtimes hold in BF16) comes back with the BF16
      // scale and a weight scale matched to it: within BF16's rounding.
      const std::string prefix = name.substr(0, name.rfind('.'));
      const bool lossy_layer = std::find(lossy1.begin(), lossy1.end(), prefix) != lossy1.end();
      if (!bias && lossy_layer) {
        EXPECT_NEAR(*v0[i], *v1[i], std::fabs(*v0[i]) * 0.004) << name << "[" << i << "]";
        continue;
      }
      if (!bias) {
        EXPECT_EQ(v0[i], v1[i]) << name << "[" << i << "]";
        continue;
      }
      const std::string P = name.substr(0, name.size() - 4);
      auto sx = vals(a, a.find(P + "input_scale")), sw = vals(a, a.find(P + "weight_scale"));
      const double deq = static_cast<double>(static_cast<float>(sx[0]) * static_cast<float>(sw[sw.size() == 1 ? 0 : i]));
      EXPECT_LE(std::fabs(*v0[i] - *v1[i]), deq / 2 * 1.01 + std::fabs(*v0[i]) * 0.004) << name << "[" << i << "]";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Samples, CtRoundTrip,
                         ::testing::Values("tiny-llama-w8a8-compressed-tensors", "tiny-llama-w8a8-dynamic-compressed-tensors-msmodelslim",
                                           "tiny-qwen-w8a8-compressed-tensors-msmodelslim", "tiny-llama-w4a16-pergroup-compressed-tensors",
                                           "tiny-llama-w4a16-perchannel-compressed-tensors", "tiny-llama-w8a16-naive-compressed-tensors",
                                           "tiny-moe-w4a16-compressed-tensors"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

// The other way: msModelSlim samples of every type compressed-tensors has
// go there and back; layers planned exact compute the same, and the
// integer weights come back byte for byte.
TEST(CtRoundTrip, MsModelSlimSamplesGoThereAndBack) {
  test::TempDir d;
  for (const char* name : {"tiny-llama-w8a8-dynamic-msmodelslim", "tiny-qwen-w8a8-msmodelslim", "tiny-llama-w8a16-msmodelslim",
                           "tiny-llama-w4a16-pergroup-msmodelslim-v0", "tiny-llama-w4a16-perchannel-msmodelslim-v0"}) {
    Checkpoint a = open(sample(d, name));
    ConvertOptions o;
    o.to = Family::CompressedTensors;
    o.allow_lossy = true;
    auto p = convert::plan_conversion(a, o);
    ASSERT_TRUE(p.ok() && p->executable(true)) << name << (p.ok() ? convert::render_plan(*p) : p.error().to_string());
    std::vector<std::string> lossy;
    for (const auto& l : p->lossy) lossy.push_back(l.prefix);
    const fs::path out = d / (std::string(name) + "-ct");
    ASSERT_TRUE(convert::execute_plan(*p, out, false).ok()) << name;
    Checkpoint ct = open(out);
    EXPECT_EQ(validate::validate(ct, validate::ValidateOptions{}).errors, 0u) << name;
    auto rows = convert::verify_conversion(a, ct, lossy, {});
    EXPECT_TRUE(convert::verify_passed(rows)) << name << convert::render_verify(rows);
    for (const auto& r : rows) EXPECT_TRUE(r.evaluated) << name << " " << r.prefix << ": " << r.note;
    ConvertOptions back;
    back.to = Family::MsModelSlim;
    back.allow_lossy = true;
    back.flavour = a.layout();
    auto p2 = convert::plan_conversion(ct, back);
    ASSERT_TRUE(p2.ok() && p2->executable(true)) << name << (p2.ok() ? convert::render_plan(*p2) : p2.error().to_string());
    ASSERT_TRUE(convert::execute_plan(*p2, d / (std::string(name) + "-back"), false).ok()) << name;
    Checkpoint b = open(d / (std::string(name) + "-back"));
    for (const Module& m : a.modules()) {
      const TensorRef *w0 = m.tensor(Role::Weight), *w1 = b.find(w0->info->name);
      ASSERT_NE(w1, nullptr) << name << " " << w0->info->name;
      auto x = a.data(*w0), y = b.data(*w1);
      EXPECT_TRUE(x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0) << name << " " << w0->info->name;
    }
  }
}

// Golden-Stick and compressed-tensors convert through msModelSlim.
TEST(CtRoundTrip, GoldenStickIsRefusedWithTheWayThrough) {
  test::TempDir d;
  Checkpoint gs = open(sample(d, "tiny-qwen-w8a8-golden-stick"));
  ConvertOptions o;
  o.to = Family::CompressedTensors;
  auto p = convert::plan_conversion(gs, o);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().to_string().find("convert to msmodelslim first"), std::string::npos) << p.error().to_string();
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// Asymmetric weight-only layers: msModelSlim's integral weight_offset is
// compressed-tensors' zero point (both dequantize (q - zp) * scale), packed
// along n in weight_zero_point. Offsets set here to (i % 7) - 3: the
// conversion is exact both ways, every layer computes the same, and the
// offsets come back value for value.
TEST(CtRoundTrip, AsymmetricWeightOnlyLayersCarryTheirZeroPoints) {
  test::TempDir d;
  for (const char* name : {"tiny-llama-w8a16-msmodelslim", "tiny-llama-w4a16-pergroup-msmodelslim-v0"}) {
    samples::BuiltSample b = samples::build_sample(*samples::find_sample(name));
    std::size_t changed = 0;
    for (OutputTensor& t : b.content.tensors) {
      if (!std::string_view(t.source.name).ends_with(".weight_offset")) continue;
      const std::size_t count = t.source.bytes.size() / (dtype_bits(t.source.dtype) / 8);
      std::vector<std::byte> bytes(t.source.bytes.size());
      for (std::size_t i = 0; i < count; ++i) {
        const float v = static_cast<float>(static_cast<int>(i % 7) - 3);
        std::uint32_t u;
        std::memcpy(&u, &v, 4);
        if (t.source.dtype == Dtype::F32) std::memcpy(bytes.data() + 4 * i, &u, 4);
        else {
          ASSERT_EQ(t.source.dtype, Dtype::BF16) << name;
          const std::uint16_t h = static_cast<std::uint16_t>(u >> 16);  // small integers are exact in BF16
          std::memcpy(bytes.data() + 2 * i, &h, 2);
        }
      }
      t.source.bytes = b.own(std::move(bytes));
      ++changed;
    }
    ASSERT_EQ(changed, 14u) << name;
    const fs::path src = d / (std::string(name) + "-asym");
    ASSERT_TRUE(write_checkpoint(src, b.content, b.options).ok());
    Checkpoint a = open(src);
    ConvertOptions o;
    o.to = Family::CompressedTensors;
    auto p = convert::plan_conversion(a, o);
    ASSERT_TRUE(p.ok() && p->executable(false)) << name << (p.ok() ? convert::render_plan(*p) : p.error().to_string());
    ASSERT_TRUE(convert::execute_plan(*p, src.string() + "-ct", false).ok()) << name;
    Checkpoint ct = open(src.string() + "-ct");
    EXPECT_EQ(validate::validate(ct, validate::ValidateOptions{}).errors, 0u) << name;
    for (const Module& m : ct.modules()) ASSERT_NE(m.tensor(Role::WeightOffset), nullptr) << m.prefix;
    auto rows = convert::verify_conversion(a, ct, {}, {});
    EXPECT_TRUE(convert::verify_passed(rows)) << name << convert::render_verify(rows);
    for (const auto& r : rows) {
      EXPECT_TRUE(r.evaluated) << name << " " << r.prefix << ": " << r.note;
      EXPECT_EQ(r.max_abs, 0.0) << name << " " << r.prefix;
    }
    ConvertOptions back;
    back.to = Family::MsModelSlim;
    back.flavour = a.layout();
    auto p2 = convert::plan_conversion(ct, back);
    ASSERT_TRUE(p2.ok() && p2->executable(false)) << name << (p2.ok() ? convert::render_plan(*p2) : p2.error().to_string());
    ASSERT_TRUE(convert::execute_plan(*p2, src.string() + "-back", false).ok()) << name;
    Checkpoint bk = open(src.string() + "-back");
    for (const Module& m : a.modules()) {
      const TensorRef *o0 = m.tensor(Role::WeightOffset), *o1 = bk.find(o0->info->name);
      ASSERT_NE(o1, nullptr) << o0->info->name;
      EXPECT_EQ(tensor_values(a, *o0, false), tensor_values(bk, *o1, false)) << o0->info->name;
    }
  }
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

std::string read_text(const fs::path& p) { return test::read_file(p); }

// A static W8A8 layer whose input_offset is 0 beside others whose is not
// (msModelSlim's offset is 0 whenever |min| ~ max): one config group,
// declared asymmetric, the zero point stored as 0; every float Linear
// (lm_head) is listed in ignore, and the result resolves every Linear.
TEST(CtConvert, MixedZeroPointsShareOneGroupAndFloatLinearsAreIgnored) {
  test::TempDir d;
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-qwen-w8a8-msmodelslim"));
  const std::string P = "model.layers.0.self_attn.o_proj.";
  OutputTensor* off = b.find(P + "input_offset");
  ASSERT_NE(off, nullptr);
  ASSERT_EQ(off->source.dtype, Dtype::F32);
  float zero = 0;
  std::vector<std::byte> zb(4);
  std::memcpy(zb.data(), &zero, 4);
  // quant_bias = round(bias/deq) - z * rowsum: with z = 0 and no bias (o_proj has none) it is 0.
  OutputTensor* qb = b.find(P + "quant_bias");
  ASSERT_NE(qb, nullptr);
  off->source.bytes = b.own(zb);
  qb->source.bytes = b.own(std::vector<std::byte>(qb->source.bytes.size(), std::byte{0}));
  ASSERT_TRUE(write_checkpoint(d / "src", b.content, b.options).ok());
  Checkpoint a = open(d / "src");
  ConvertOptions o;
  o.to = Family::CompressedTensors;
  o.allow_lossy = true;
  auto p = convert::plan_conversion(a, o);
  ASSERT_TRUE(p.ok() && p->executable(true)) << (p.ok() ? convert::render_plan(*p) : p.error().to_string());
  ASSERT_TRUE(convert::execute_plan(*p, d / "ct", false).ok());
  Checkpoint ct = open(d / "ct");
  ASSERT_TRUE(ct.ct_recipe().has_value());
  ASSERT_EQ(ct.ct_recipe()->groups.size(), 1u);
  EXPECT_FALSE(ct.ct_recipe()->groups[0].input_activations->symmetric);
  const TensorRef* z = ct.find(P + "input_zero_point");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(vals(ct, z), std::vector<double>{0.0});
  const auto cfg = nlohmann::json::parse(read_text(d / "ct" / "config.json"));
  const auto& ignore = cfg["quantization_config"]["ignore"];
  EXPECT_NE(std::find(ignore.begin(), ignore.end(), "lm_head"), ignore.end()) << ignore.dump();
  ASSERT_TRUE(ct.ct_coverage().has_value());
  // Only the embedding stays unreached: an Embedding, which a "Linear"
  // target does not name and vLLM's linear-method lookup never asks about.
  EXPECT_EQ(ct.ct_coverage()->unmatched, 1u);
  EXPECT_EQ(ct.ct_coverage()->ignored, 1u);
  EXPECT_EQ(validate::validate(ct, validate::ValidateOptions{}).errors, 0u);
}

// Bad compressed-tensors input is refused with the layer named, never
// trusted: a weight_shape whose k does not fit weight_packed (here 2^52 +
// the real k, which a product of sizes would wrap), and inputs the
// msModelSlim scheme cannot express (asymmetric per-token).
TEST(CtConvert, MalformedWeightShapeAndForeignInputsAreRefused) {
  test::TempDir d;
  {
    samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-w4a16-pergroup-compressed-tensors"));
    const std::string name = "model.layers.0.mlp.up_proj.weight_shape";
    OutputTensor* t = b.find(name);
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(t->source.dtype, Dtype::I64);
    std::vector<std::byte> bytes(t->source.bytes.begin(), t->source.bytes.end());
    std::int64_t dims[2];
    std::memcpy(dims, bytes.data(), 16);
    dims[1] += std::int64_t{1} << 52;
    std::memcpy(bytes.data(), dims, 16);
    t->source.bytes = b.own(std::move(bytes));
    ASSERT_TRUE(write_checkpoint(d / "shape", b.content, b.options).ok());
    Checkpoint c = open(d / "shape");
    ConvertOptions o;
    o.to = Family::MsModelSlim;
    o.allow_lossy = true;
    auto p = convert::plan_conversion(c, o);
    ASSERT_TRUE(p.ok());
    const std::string text = convert::render_plan(*p);
    EXPECT_NE(text.find("model.layers.0.mlp.up_proj: weight_shape disagrees with weight_packed"), std::string::npos) << text;
    EXPECT_FALSE(p->executable(true));
  }
  {
    samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-w8a8-dynamic-compressed-tensors-msmodelslim"));
    ASSERT_TRUE(b.content.config_json.has_value());
    auto cfg = nlohmann::ordered_json::parse(*b.content.config_json);
    for (auto& [name, g] : cfg["quantization_config"]["config_groups"].items()) g["input_activations"]["symmetric"] = false;
    b.content.config_json = cfg.dump(2);
    ASSERT_TRUE(write_checkpoint(d / "asym", b.content, b.options).ok());
    Checkpoint c = open(d / "asym");
    ConvertOptions o;
    o.to = Family::MsModelSlim;
    o.allow_lossy = true;
    auto p = convert::plan_conversion(c, o);
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->executable(true));
    EXPECT_NE(convert::render_plan(*p).find("only symmetric per-token dynamic inputs"), std::string::npos) << convert::render_plan(*p);
  }
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// msModelSlim's anti-outlier bias on an RMSNorm (flex_smooth_quant) has no
// place in compressed-tensors' loaders: refused, naming the tensor; the same
// checkpoint still converts to Golden-Stick's layout as before.
TEST(CtConvert, AntiOutlierNormBiasIsRefusedForCompressedTensors) {
  test::TempDir d;
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-w8a8-dynamic-msmodelslim"));
  const std::string name = "model.layers.0.input_layernorm.bias";
  std::vector<std::byte> bytes(64 * 2);
  for (std::size_t i = 0; i < 64; ++i) bytes[2 * i + 1] = std::byte{0x3c};  // BF16 0x3c00 = 2^-7
  OutputTensor t;
  t.source = TensorSource{name, Dtype::BF16, {64}, b.own(std::move(bytes)), {}};
  t.tag = "FLOAT";
  b.content.tensors.push_back(std::move(t));
  b.content.description["model.layers.0.input_layernorm.bias"] = "FLOAT";
  ASSERT_TRUE(write_checkpoint(d / "src", b.content, b.options).ok());
  Checkpoint a = open(d / "src");
  ConvertOptions o;
  o.to = Family::CompressedTensors;
  o.allow_lossy = true;
  auto p = convert::plan_conversion(a, o);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->executable(true));
  EXPECT_NE(convert::render_plan(*p).find("refused: " + name + ": an anti-outlier bias on an RMSNorm"), std::string::npos)
      << convert::render_plan(*p);
}

}  // namespace
}  // namespace qkit

namespace qkit {
namespace {

// A compressed-tensors KV-cache scheme (k_scale / v_scale on the attention
// module) has no msModelSlim form qkit writes: refused, or converted
// without it by --drop-kv-quant, which says so and writes none of them.
TEST(CtConvert, KvCacheSchemeIsRefusedOrDropped) {
  test::TempDir d;
  samples::BuiltSample b = samples::build_sample(*samples::find_sample("tiny-llama-w8a8-compressed-tensors"));
  auto cfg = nlohmann::ordered_json::parse(*b.content.config_json);
  cfg["quantization_config"]["kv_cache_scheme"] = {{"num_bits", 8}, {"type", "float"}, {"strategy", "tensor"},
                                                   {"dynamic", false}, {"symmetric", true}};
  b.content.config_json = cfg.dump(2);
  for (const char* leaf : {"k_scale", "v_scale"}) {
    std::vector<std::byte> one(4);
    const float v = 0.5f;
    std::memcpy(one.data(), &v, 4);
    OutputTensor t;
    t.source = TensorSource{std::string("model.layers.0.self_attn.") + leaf, Dtype::F32, {1}, b.own(std::move(one)), {}};
    b.content.tensors.push_back(std::move(t));
  }
  ASSERT_TRUE(write_checkpoint(d / "src", b.content, b.options).ok());
  Checkpoint a = open(d / "src");
  ASSERT_TRUE(a.ct_recipe() && a.ct_recipe()->kv_cache);
  ConvertOptions o;
  o.to = Family::MsModelSlim;
  o.allow_lossy = true;
  auto p = convert::plan_conversion(a, o);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->executable(true));
  EXPECT_NE(convert::render_plan(*p).find("refused: (model): kv_cache_scheme"), std::string::npos) << convert::render_plan(*p);
  o.drop_kv_quant = true;
  auto p2 = convert::plan_conversion(a, o);
  ASSERT_TRUE(p2.ok() && p2->executable(true)) << convert::render_plan(*p2);
  for (const auto& t : p2->tensors) {
    EXPECT_FALSE(std::string_view(t.name).ends_with(".k_scale")) << t.name;
    EXPECT_FALSE(std::string_view(t.name).ends_with(".v_scale")) << t.name;
  }
  EXPECT_NE(convert::render_plan(*p2).find("kv_cache_scheme dropped (--drop-kv-quant): 2 KV-cache tensors not written"), std::string::npos)
      << convert::render_plan(*p2);
}

}  // namespace
}  // namespace qkit
