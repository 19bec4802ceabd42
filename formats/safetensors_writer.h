//===- formats/safetensors_writer.h - deterministic, streaming writer ----===//
//
// Byte output is a function of the tensor set alone:
//   - tensors are laid out by element size, largest first, then by name
//     (byte-wise). With the 8-byte-padded header this puts every tensor at an
//     offset that is a multiple of its element size;
//   - the header is compact JSON: "__metadata__" first (keys sorted), then
//     the tensors in data order, each as {"dtype","shape","data_offsets"};
//   - the header is padded with spaces to a multiple of 8 bytes.
// Tensor bytes are streamed: from a span (e.g. a view into another mapped
// file) or from a producer callback that writes chunks to a ByteSink.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "formats/atomic_file.h"
#include "formats/dtype.h"
#include "formats/error.h"

namespace qkit {

struct TensorSource {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<std::uint64_t> shape;
  // Exactly one of these supplies the bytes. A producer must write exactly
  // the tensor's byte size to the sink, in as many calls as it likes.
  std::span<const std::byte> bytes;
  std::function<Status(ByteSink&)> produce;
};

using Metadata = std::map<std::string, std::string, std::less<>>;

// Where each tensor lands; computed before any byte is written.
struct SafetensorsLayout {
  std::string header;                 // padded JSON, without the 8-byte length
  std::vector<std::size_t> order;     // indices into the input, in data order
  std::vector<std::uint64_t> nbytes;  // per input index
  std::uint64_t data_size = 0;
  std::uint64_t file_size() const { return 8 + header.size() + data_size; }
};

// Checks names, sizes and the header limit, and lays the tensors out.
Result<SafetensorsLayout> plan_safetensors(const std::vector<TensorSource>& tensors,
                                           const std::optional<Metadata>& metadata);

// Writes the file atomically. Returns the file size.
Result<std::uint64_t> write_safetensors(const std::filesystem::path& path,
                                        const std::vector<TensorSource>& tensors,
                                        const std::optional<Metadata>& metadata = std::nullopt);

// Streams a planned file into any sink (write_safetensors uses it with an
// AtomicFileWriter; tests use it with memory).
Status stream_safetensors(ByteSink& sink, const std::vector<TensorSource>& tensors,
                          const SafetensorsLayout& layout);

}  // namespace qkit
