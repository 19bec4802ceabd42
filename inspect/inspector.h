//===- inspect/inspector.h - what is in a checkpoint ---------------------===//
//
// Everything qinspect shows, computed by the library: totals by dtype and by
// quant type, effective bits per weight, the per-layer map of quant types,
// the tensor list (optionally filtered), and — only when asked, because
// they read tensor bytes — per-tensor statistics and CRC-32 checksums, and
// the comparison of two checkpoints. Rendering is in inspect/render.h.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/checkpoint.h"
#include "validate/validator.h"

namespace qkit::inspect {

struct TensorStats {
  std::uint64_t count = 0, zeros = 0, nan = 0, inf = 0;
  double min = 0, max = 0, mean = 0, stddev = 0;
  std::map<int, std::uint64_t> histogram;               // integer weights: value -> count
  bool int4 = false;                                     // packed int4 weight: the counts are of the unpacked values
  std::optional<std::pair<double, double>> dequantized;  // quantized weights: dequantized min, max
};

// One per tensor shown: 200,000 of them for `qinspect --json` on a big
// file, so a row holds views and pointers (40 bytes), not copies.
struct TensorRow {
  const TensorRef* ref = nullptr;
  std::string_view quant_type;  // the description's tag ("" when not described); lives as the checkpoint does
  std::optional<std::uint32_t> crc32;
  std::unique_ptr<TensorStats> stats;  // with --stats only
};

struct Totals {
  std::uint64_t tensors = 0, elements = 0, bytes = 0;
};

struct TypeTotals {
  std::uint64_t modules = 0, tensors = 0, bytes = 0, weights = 0;  // weights: logical n*k
};

// One row per decoder layer, one column per module kind.
struct LayerMap {
  std::vector<std::string> columns;            // q k v o gate up down [experts] [fa] [kv]
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;  // layer id -> cell per column
};

struct InspectOptions {
  bool stats = false;       // read tensor bytes for statistics
  bool checksum = false;    // read tensor bytes for CRC-32
  std::string filter;       // glob (default) or regex over tensor names; "" = all
  bool regex = false;
  unsigned threads = 0;     // for stats/checksum: 0 = all cores
  bool rows = true;         // fill InspectResult::tensors (the summary alone needs none: 27 MB at 138k tensors)
};

struct InspectResult {
  std::vector<TensorRow> tensors;                   // filtered, sorted by name
  std::map<std::string, Totals> by_dtype;           // all tensors
  std::map<std::string, TypeTotals> by_quant_type;  // quantized modules by tag, plus FLOAT tensors
  std::uint64_t tensor_count = 0, total_bytes = 0;
  std::uint64_t parameters = 0;                     // logical weights: packed int4 counts 2 per byte
  double bits_per_weight = 0;                       // total bytes * 8 / parameters
  double quantized_bits_per_weight = 0;             // over quantized linears only
  LayerMap layer_map;
  std::optional<ct::Coverage> ct_coverage;          // compressed-tensors: the modules each config group reaches
};

// Fails only on an invalid filter expression.
Result<InspectResult> inspect(const Checkpoint& c, const InspectOptions& options);

// The short problem list qinspect prints (the findings of qvalidate
// --quick, info left out), made on another thread while this one inspects
// and renders: both only read the checkpoint, which must outlive the
// future. On a 180k-tensor checkpoint each takes tens of milliseconds.
std::future<std::vector<validate::Finding>> start_quick_problems(const Checkpoint& c);


// The short code of a quant type in the layer map ("8s" W8A8, "4d" W4A8_DYNAMIC ...).
std::string layer_map_code(std::string_view tag);
// The legend of all codes, for the text output.
std::vector<std::pair<std::string, std::string>> layer_map_legend();

// Glob matching (*, ?, [...]) over the whole name.
bool glob_match(std::string_view pattern, std::string_view name);

// --- comparing two checkpoints -------------------------------------------------

struct TensorChange {
  std::string name;
  std::string what;                   // "dtype BF16 -> F32", "shape ...", "type ...", "bytes differ"
  std::optional<double> max_abs_diff; // float tensors of equal dtype and shape (NaN or Inf against a number: inf)
  std::optional<double> max_abs;      // largest finite |value| in A, for a relative tolerance
};

struct ModuleDiff {
  std::string prefix;
  std::string type_a, type_b;
  std::optional<double> max_abs_diff;  // of the dequantized weights
  std::optional<double> max_abs;       // largest |W| of A, for scale
  // What the runtimes compute: the layer evaluated in A and in B with each
  // family's integer inference formula on the same seeded random inputs
  // (convert/evaluate.h, as qconvert --verify).
  std::optional<double> max_output_diff, max_output_rel;  // max |dy|, max |dy| / max |y|
  std::string note;                    // why no value could be computed
};

struct DiffResult {
  // Shards that could not be read, with why: their tensors are unknown, so
  // names "only in" the other checkpoint may sit in them.
  std::vector<std::string> unreadable_a, unreadable_b;
  std::vector<std::string> only_a, only_b;
  std::vector<TensorChange> changed;
  std::uint64_t identical = 0;
  std::vector<ModuleDiff> modules;
  bool same() const { return only_a.empty() && only_b.empty() && changed.empty() && unreadable_a.empty() && unreadable_b.empty(); }
  // Equal within a relative tolerance: the same tensor names, every shard
  // read, every quantized linear in both computing within `tol` (max |dy| /
  // max |y|) and every float tensor in both within `tol` of A's largest
  // |value|; dtype, shape and layout changes are allowed (a conversion).
  bool within(double tol) const;
};

DiffResult diff(const Checkpoint& a, const Checkpoint& b);

}  // namespace qkit::inspect
