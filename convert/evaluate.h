//===- convert/evaluate.h - what a runtime computes for one linear layer --===//
//
// Each family's integer inference formula, with the runtime's own dtype
// casts, evaluated on one input vector:
//
//   static W8A8     q = clamp(round(x / s + o)) per input channel (s, o as
//                   model-dtype parameters; Golden-Stick's plain form stores
//                   1/s and multiplies), acc = sum q * w (int), y = (acc +
//                   quant_bias) * deq_scale in float32, + bias where the
//                   family adds it after the matmul (Golden-Stick);
//   dynamic         per-token s = amax(x) / 127, q = round(x / s), y = acc *
//   (W8A8, W4A8)    s * weight_scale in float32, + bias;
//   weight-only     W = cast_md((q - offset) * scale), y = x . W + bias;
//   (W8A16, W4A16)
//
// then y cast to the model dtype. The input first passes through the
// module's feeding norm weight (cast_md(h * gamma)) when it has one, so a
// conversion that folds smoothing into a norm is judged on what the layer
// really receives. Two checkpoints whose parameters are equal after the
// runtimes' casts give identical outputs; `qconvert --verify` relies on it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "formats/checkpoint.h"

namespace qkit::convert {

// False (with why) for modules the evaluator does not model: attention
// quantization, stacked experts, MX and sparse types.
bool can_evaluate(const Checkpoint& c, const Module& m, std::string* why = nullptr);

// The module's outputs for each input (length k, values in the model
// dtype), as the runtime computes them, each cast to the model dtype. The
// weights are read once for all inputs. Empty when it cannot be evaluated.
std::vector<std::vector<float>> evaluate_linear(const Checkpoint& c, const Module& m,
                                                std::span<const std::vector<float>> inputs);

struct LayerDifference {
  std::string prefix;
  std::string kind;           // "W8A8 q", "W8A8_DYNAMIC experts", ...
  double max_abs = 0, max_rel = 0;  // max |dy|, and max |dy| / max |y| (per input)
  bool exact_expected = true; // the plan converted it exactly
  bool evaluated = true;
  bool result_unreadable = false;  // the source layer evaluates but the result's does not
  std::string note;           // why not evaluated
};

struct VerifyOptions {
  std::uint32_t seed = 2026;
  unsigned trials = 2;         // random inputs per layer
  unsigned threads = 0;        // 0: all cores
  // Cross-layer folds (Plan::input_multiplier / output_multiplier): the
  // result's layer is fed the input times the multiplier, and its outputs
  // are divided by the output multiplier before comparing.
  const std::map<std::string, std::vector<double>>* input_multiplier = nullptr;
  const std::map<std::string, std::vector<double>>* output_multiplier = nullptr;
};

// Every linear module of `src` evaluated in `src` and in `dst` on the same
// seeded random inputs; one row per module, in `src`'s module order.
// `lossy_prefixes` are the modules the plan converted with a bound.
std::vector<LayerDifference> verify_conversion(const Checkpoint& src, const Checkpoint& dst,
                                               const std::vector<std::string>& lossy_prefixes, const VerifyOptions& o);

// Per layer kind: the largest absolute and relative difference, and the
// modules that differ although the plan said exact.
std::string render_verify(const std::vector<LayerDifference>& rows);
bool verify_passed(const std::vector<LayerDifference>& rows);

}  // namespace qkit::convert
