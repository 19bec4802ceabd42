//===- tests/fuzz/targets.cpp - the fuzz targets' bodies ------------------===//
//
// Shared by the libFuzzer entry points (fuzz_*.cpp) and the regression test
// that replays every input a fuzzer ever crashed on (tests/fuzz/regressions).
//
//===----------------------------------------------------------------------===//
#include "tests/fuzz/targets.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "convert/converter.h"
#include "formats/checkpoint.h"
#include "formats/description.h"
#include "formats/layout_table.h"
#include "formats/model_config.h"
#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"
#include "formats/shard_index.h"
#include "formats/strict_json.h"
#include "inspect/inspector.h"
#include "tests/fuzz/dir_archive.h"
#include "validate/report.h"
#include "validate/rules.h"
#include "validate/validator.h"

namespace qkit::fuzz {
namespace {

class NullSink final : public qkit::ByteSink {
 public:
  qkit::Status write(std::span<const std::byte> b) override {
    n += b.size();
    return qkit::ok_status();
  }
  using ByteSink::write;
  std::uint64_t n = 0;
};

namespace fs = std::filesystem;

// One scratch directory per process and target, emptied before every input
// and removed at exit: inputs never see each other's files, and a campaign
// leaves nothing behind in the temp directory.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag)
      : path_(fs::temp_directory_path() / ("qkit-fuzz-" + tag + "-" + std::to_string(::getpid()))) {}
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  // The directory, empty.
  const fs::path& fresh() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    fs::create_directories(path_, ec);
    return path_;
  }

 private:
  fs::path path_;
};

// Unpacks a directory archive into `dir` (fresh) and opens it.
Result<Checkpoint> open_archive(const std::uint8_t* data, std::size_t size, const fs::path& dir) {
  qkit::fuzz::unpack_to(data, size, dir);
  return qkit::Checkpoint::open(dir);
}
}  // namespace

int run_safetensors(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  for (bool lenient : {false, true}) {
    auto r = qkit::parse_safetensors(bytes, qkit::ParseOptions{.allow_unknown_dtypes = lenient});
    if (!r.ok()) {
      (void)r.error().to_string();
      continue;
    }
    if (r->data_start() + r->data_size != size) std::abort();
    if (lenient) continue;
    std::vector<qkit::TensorSource> ts;
    for (const auto& t : r->tensors)
      ts.push_back({std::string(t.name), t.dtype, t.shape, bytes.subspan(r->data_start() + t.begin, t.nbytes()), {}});
    std::optional<qkit::Metadata> md;
    if (r->has_metadata) md = r->metadata;
    auto layout = qkit::plan_safetensors(ts, md);
    // Names the reader accepted are valid UTF-8, unique and not reserved, so
    // the writer must accept them too (unless the header would grow past the
    // limit, which compact re-serialisation cannot cause).
    if (!layout.ok()) std::abort();
    NullSink sink;
    if (!qkit::stream_safetensors(sink, ts, *layout).ok() || sink.n != layout->file_size()) std::abort();
  }
  return 0;
}

int run_index(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = qkit::parse_shard_index(text, "fuzz.index.json");
  if (!r.ok()) {
    (void)r.error().to_string();
    return 0;
  }
  std::string out = qkit::serialize_shard_index(*r);
  auto back = qkit::parse_shard_index(out, "again");
  if (!back.ok() || back->weight_map != r->weight_map || back->total_size != r->total_size) std::abort();
  return 0;
}

int run_description(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto ms = qkit::parse_ms_description(text, "fuzz.json")) {
    std::string again;
    try {
      again = qkit::serialize_json(ms->doc, ms->style);
    } catch (const std::exception&) {
      std::abort();  // a parsed document must serialise
    }
    auto back = qkit::parse_ms_description(again, "again.json");
    if (!back || back->tensor_types != ms->tensor_types || back->model_quant_type != ms->model_quant_type) std::abort();
  }
  if (auto gs = qkit::parse_gs_description(text, "fuzz.json")) (void)gs->tensor_types.size();
  return 0;
}

int run_config(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = qkit::parse_json_strict(text, "config.json");
  if (!j) return 0;
  qkit::ModelConfig c = qkit::parse_model_config(*j, "config.json");
  (void)c.kv_heads();
  (void)c.resolved_head_dim();
  return 0;
}

int run_checkpoint(const std::uint8_t* data, std::size_t size) {
  static ScratchDir scratch("dir");
  auto c = open_archive(data, size, scratch.fresh());
  if (!c) return 0;
  qkit::validate::ValidateOptions o;
  o.threads = 1;
  o.target = qkit::validate::Target::VllmAscend;
  (void)qkit::validate::validate(*c, o);
  if (auto r = qkit::inspect::inspect(*c, qkit::inspect::InspectOptions{})) (void)r->tensor_count;
  for (qkit::Family to : {qkit::Family::MsModelSlim, qkit::Family::GoldenStick}) {
    qkit::convert::ConvertOptions co;
    co.to = to;
    if (auto p = qkit::convert::plan_conversion(*c, co)) (void)p->tensors.size();
  }
  return 0;
}

int run_convert(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte chooses the options the plan does not see from the files:
  //   bit 0: allow lossy layers;  bits 1-2: output layout (default, or the 1st, 2nd, 3rd
  //   layout of the family that qconvert --flavour names);
  //   bit 3: keep quantization_config;  bit 4: 32 KiB shards (several output shards);
  //   bit 5: report progress.  The rest of the input is a directory archive.
  const std::uint8_t opt = data[0];
  static ScratchDir scratch("convert");
  const fs::path& root = scratch.fresh();
  const fs::path in = root / "in", out = root / "out";
  std::error_code ec;
  fs::create_directories(in, ec);
  auto c = open_archive(data + 1, size - 1, in);
  if (!c) return 0;
  const bool lossy = opt & 1;
  for (qkit::Family to : {qkit::Family::GoldenStick, qkit::Family::MsModelSlim}) {
    qkit::convert::ConvertOptions co;
    co.to = to;
    co.allow_lossy = lossy;
    if (const unsigned pick = (opt >> 1) & 3; pick != 0) {
      std::vector<qkit::Layout> writable;  // the layouts qconvert --flavour names for this family
      for (const qkit::LayoutRow& row : qkit::all_layouts())
        if (!row.flavour.empty() && row.family == to) writable.push_back(row.layout);
      if (!writable.empty()) co.flavour = writable[(pick - 1) % writable.size()];
    }
    co.keep_quantization_config = opt & 8;
    if (opt & 16) co.max_shard_bytes = 32 << 10;
    auto plan = qkit::convert::plan_conversion(*c, co);
    if (!plan) {
      (void)plan.error().to_string();
      continue;
    }
    (void)qkit::convert::render_plan(*plan);
    if (!plan->executable(lossy)) continue;
    std::function<void(std::uint64_t, std::uint64_t)> progress;
    if (opt & 32)
      progress = [](std::uint64_t done, std::uint64_t total) {
        if (done > total) std::abort();  // progress never passes the planned size
      };
    if (auto st = qkit::convert::execute_plan(*plan, out, qkit::ReplacePolicy::Never, progress); !st) {
      (void)st.error().to_string();
    } else {
      // What the converter wrote must open as a checkpoint of the family it
      // was asked for.
      auto back = qkit::Checkpoint::open(out);
      if (!back || back->family() != to) std::abort();
    }
    fs::remove_all(out, ec);
  }
  return 0;
}

int run_validate(const std::uint8_t* data, std::size_t size) {
  static ScratchDir scratch("validate");
  auto c = open_archive(data, size, scratch.fresh());
  if (!c) return 0;
  for (const char* name : {"any", "vllm-ascend", "mindie", "vllm-mindspore", "mindformers", "vllm"}) {
    auto target = qkit::validate::parse_target(name);
    if (!target) std::abort();
    for (bool quick : {true, false}) {
      qkit::validate::ValidateOptions o;
      o.threads = 1;
      o.target = *target;
      o.quick = quick;
      const qkit::validate::Report r = qkit::validate::validate(*c, o);
      // Every finding is reported under a registered rule, and the
      // reports render; the JSON one parses back.
      for (const auto& f : r.findings)
        if (!qkit::validate::find_rule(f.rule)) std::abort();
      (void)qkit::validate::render_text(r, qkit::validate::TextStyle{.color = quick, .verbose = true});
      (void)qkit::validate::render_junit(r);
      if (!nlohmann::json::accept(qkit::validate::render_json(r))) std::abort();
    }
  }
  return 0;
}

}  // namespace qkit::fuzz
