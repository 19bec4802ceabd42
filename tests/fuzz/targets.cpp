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
#include <string_view>
#include <unistd.h>

#include "convert/converter.h"
#include "formats/checkpoint.h"
#include "formats/description.h"
#include "formats/model_config.h"
#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"
#include "formats/shard_index.h"
#include "formats/strict_json.h"
#include "inspect/inspector.h"
#include "tests/fuzz/dir_archive.h"
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
      ts.push_back({t.name, t.dtype, t.shape, bytes.subspan(r->data_start() + t.begin, t.nbytes()), {}});
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
  namespace fs = std::filesystem;
  static const fs::path dir = fs::temp_directory_path() / ("qkit-fuzz-dir-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  qkit::fuzz::unpack_to(data, size, dir);
  auto c = qkit::Checkpoint::open(dir);
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

}  // namespace qkit::fuzz
