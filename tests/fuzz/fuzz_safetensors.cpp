//===- tests/fuzz/fuzz_safetensors.cpp - libFuzzer: the safetensors reader -===//
//
// Any byte string must give a header or an error value: no crash, no hang,
// no allocation beyond the input's size. When parsing succeeds, writing the
// parsed tensors back must give a file that parses to the same table.
//
//===----------------------------------------------------------------------===//
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"

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

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
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
