//===- convert/converter.h - conversion between the quantization families -===//
//
// A conversion is planned first: every output tensor, where its bytes come
// from and which transform makes it, plus every layer that cannot be
// expressed exactly in the target (with the reason, and the error bound when
// --allow-lossy could still convert it). Only a plan without refusals is
// executed; execution streams bytes (zero-copy views for tensors that are
// copied, producers for transformed ones) into a temporary directory beside
// the destination and renames it into place.
//
// "Exact" means every linear layer computes what it computed before, as the
// target runtime computes it. Runtimes load scales and biases into
// model-dtype parameters (vLLM-Ascend, MindIE, vllm-mindspore), so an F32
// scale narrowed to the model dtype is exact when the source runtime would
// have narrowed it the same way; deq_scale keeps its float32 value in the
// dtype each family's rule demands. See docs/conversion.md.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "formats/checkpoint_writer.h"
#include "formats/error.h"
#include "formats/output_dir.h"

namespace qkit::convert {

// The output layout is a row of the layout table (formats/layout_table.h);
// qconvert's --flavour names it by the row's `flavour` column: v1, v0,
// mindie (msModelSlim), golden-stick.
std::string_view flavour_name(Layout l);

struct ConvertOptions {
  Family to = Family::GoldenStick;
  std::optional<Layout> flavour;            // output layout; default msmodelslim-v1 or golden-stick
  std::uint64_t max_shard_bytes = 4ull << 30;
  bool allow_lossy = false;
  bool keep_quantization_config = false;    // msModelSlim output: keep config.json quantization_config
  bool drop_kv_quant = false;               // convert without KV-cache int8 (C8) / FA quantization, stated in the plan
  bool ignore_source_errors = false;        // convert a source whose files have error diagnostics
  // --dry-run: plan every decision and every line of render_plan, but keep
  // no encoded output bytes (some GB for a DeepSeek-class checkpoint); the
  // plan cannot be executed.
  bool plan_only = false;
};

struct PlannedTensor {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<std::uint64_t> shape;
  std::string tag;
  std::string from;       // source tensor(s)
  std::string transform;  // "copy", "cast F32->BF16", "transpose [n,G]->[G,n]", ...
  bool int4_marker = false;
};

struct LayerVerdict {
  std::string prefix;
  std::string reason;
  bool lossy_possible = false;   // --allow-lossy converts it
  std::string bound;             // the error bound in words, when lossy
};

struct Plan {
  Family from = Family::MsModelSlim, to = Family::GoldenStick;
  Layout flavour = Layout::GoldenStick;   // the output layout
  std::vector<PlannedTensor> tensors;
  std::vector<LayerVerdict> refused;   // cannot be converted (exit 1)
  std::vector<LayerVerdict> lossy;     // converted only with --allow-lossy, error bound reported
  std::vector<std::string> notes;      // exact rewrites worth knowing (folds, narrowing casts)
  std::uint64_t output_bytes = 0;
  // Cross-layer smoothing folds, for --verify: a consumer's input in the
  // result is its source input times input_multiplier (per input channel);
  // a producer's output in the result is its source output times
  // output_multiplier (per output channel).
  std::map<std::string, std::vector<double>> input_multiplier, output_multiplier;
  bool executable(bool allow_lossy) const { return refused.empty() && (allow_lossy || lossy.empty()); }

  // Internals for execution.
  bool plan_only = false;             // ConvertOptions::plan_only: execute_plan refuses it
  std::filesystem::path source_root;  // the destination must stay apart from it
  CheckpointContent content;
  LayoutOptions layout;
  std::list<std::vector<std::byte>> storage;
};

// Plans the conversion (reads headers, JSON and the small tensors the
// transforms need; never the big weights).
Result<Plan> plan_conversion(const Checkpoint& src, const ConvertOptions& options);

// Writes the planned checkpoint at dst: refuses a dst that is, contains or
// lies inside the source (Errc::out_overlaps_input), replaces an existing
// dst only as `replace` allows, and swaps the result in atomically with a
// marker listing the files written (formats/output_dir.h). `progress` gets
// the bytes written so far and the total.
Status execute_plan(Plan& plan, const std::filesystem::path& dst, ReplacePolicy replace,
                    const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
// The same with `replace` meaning ReplacePolicy::QkitOutput (--force).
inline Status execute_plan(Plan& plan, const std::filesystem::path& dst, bool replace) {
  return execute_plan(plan, dst, replace ? ReplacePolicy::QkitOutput : ReplacePolicy::Never);
}

// The plan as text, one output tensor per line, then the verdicts.
std::string render_plan(const Plan& plan);
// The same, written to `os` line by line (a DeepSeek-class plan is 27 MB of text).
void render_plan(std::ostream& os, const Plan& plan);

}  // namespace qkit::convert
