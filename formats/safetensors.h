//===- formats/safetensors.h - strict safetensors reader -----------------===//
//
// The container: an 8-byte little-endian header length N, N bytes of UTF-8
// JSON describing every tensor, then the data section, entirely covered by
// the tensors with no gaps or overlaps.
//
// Validation mirrors the reference implementation (huggingface/safetensors,
// tensor.rs read_metadata + Metadata::validate) check for check and in the
// same order, so that each failure maps to one reference error:
//
//   R1  file >= 8 bytes                         st-header-too-small
//   R2  N <= 100,000,000                        st-header-too-large
//   R3  8 + N <= file size                      st-invalid-header-length
//   R4  header is UTF-8                         st-header-not-utf8
//   R5  JSON object; __metadata__ null or a string map; entries with
//       dtype/shape/data_offsets of the right types (unsigned integers only),
//       one of the 22 dtype names            st-header-json, -not-object,
//                                               -metadata-invalid,
//                                               -entry-invalid, -field-missing,
//                                               -field-type, -dtype-unknown
//   R7  entries sorted by data_offsets (JSON order does not matter)
//   R8  contiguous from 0 in that order       st-invalid-offset
//   R9  elements x bits without overflow        st-validation-overflow
//   R10 sub-byte tensors fill whole bytes       st-misaligned-slice
//   R11 end - begin == elements x bits / 8      st-tensor-invalid-info
//   R12 8 + N + data length == file size        st-incomplete-buffer
//
// The JSON is read by formats/json_events.cpp (strict RFC 8259, nlohmann-
// json's event order and error offsets, which qkit used before).
// Deliberate deviations, all stricter than the reference (it relies on
// serde_json's defaults):
//   - a UTF-8 BOM (st-header-bom) and any NUL byte (st-header-nul) in the
//     header are rejected up front; the reference rejects both as JSON errors;
//   - a repeated key anywhere in the header is rejected (st-duplicate-key).
//     The reference keeps the last of two identical entries and accepts the
//     file; a differing duplicate fails there later as a gap or tail.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/dtype.h"
#include "formats/error.h"
#include "formats/mapped_file.h"
#include "formats/name_table.h"

namespace qkit {

inline constexpr std::uint64_t kMaxHeaderSize = 100'000'000;  // decimal, as upstream

struct TensorInfo {
  // The name is the header's key, interned in the header's NameTable (which
  // the checkpoint shares with the index, the description and its modules):
  // a view that lives as long as that table, and the name's id there.
  std::string_view name;
  NameId id = kNoName;
  Dtype dtype = Dtype::Unknown;
  std::string dtype_name;              // as written in the file (kept for Unknown)
  std::vector<std::uint64_t> shape;
  std::uint64_t begin = 0;             // data_offsets, relative to the data section
  std::uint64_t end = 0;

  std::uint64_t nbytes() const { return end - begin; }
  // Product of the shape; the reader has checked it does not overflow.
  std::uint64_t element_count() const;
};

struct SafetensorsHeader {
  std::uint64_t header_size = 0;       // N
  std::uint64_t data_start() const { return 8 + header_size; }
  std::uint64_t data_size = 0;         // bytes covered by tensors
  std::vector<TensorInfo> tensors;     // sorted by data_offsets
  bool has_metadata = false;           // "__metadata__" key present (even if null)
  std::map<std::string, std::string, std::less<>> metadata;  // transparent: found by views
  std::vector<Error> warnings;         // recoverable findings (lenient mode)
  // Holds the text of every tensor name (shared with whoever else interned
  // into the same table: copies of the header stay valid).
  std::shared_ptr<NameTable> names = nullptr;

  // Name lookup in O(log n). build_index() must run after `tensors` changes;
  // the parser does it.
  const TensorInfo* find(std::string_view name) const;
  void build_index();
  // With the index built: the name whose second occurrence comes first in
  // `tensors`' order, if a name occurs twice.
  std::optional<std::string_view> first_repeated_name() const;
  // Reorders `tensors` (stably) and keeps the index valid.
  void sort_tensors(const std::function<bool(const TensorInfo&, const TensorInfo&)>& less);
  // Positions in `tensors`, in name order (byte order), for merge walks.
  std::span<const std::size_t> name_order() const { return by_name_; }

 private:
  std::vector<std::size_t> by_name_;  // indices into tensors, sorted by name
};

struct ParseOptions {
  // Keep entries whose dtype is not one of the 22 (as Dtype::Unknown, with a
  // warning) instead of rejecting the file. Their size cannot be checked, so
  // only contiguity is. For inspection of files from newer producers.
  bool allow_unknown_dtypes = false;
  // Where tensor names are interned; a table of its own when null. A
  // checkpoint passes one table to every shard, its index and description.
  std::shared_ptr<NameTable> names = nullptr;
};

// Parses and validates a whole safetensors file held in memory (or mapped).
// Errors carry absolute byte offsets; the caller adds the file name.
Result<SafetensorsHeader> parse_safetensors(std::span<const std::byte> file,
                                            const ParseOptions& options = {});

// An open, validated file. Tensor data are zero-copy views into the mapping.
class SafetensorsFile {
 public:
  static Result<SafetensorsFile> open(const std::filesystem::path& path,
                                      const ParseOptions& options = {});

  const std::string& path() const { return map_.path(); }
  std::uint64_t file_size() const { return map_.size(); }
  const SafetensorsHeader& header() const { return header_; }
  const std::vector<TensorInfo>& tensors() const { return header_.tensors; }
  const TensorInfo* find(std::string_view name) const { return header_.find(name); }

  // The tensor's bytes (little-endian, row-major). Valid while *this lives.
  std::span<const std::byte> data(const TensorInfo& t) const;
  // Absolute file offset of the tensor's first byte.
  std::uint64_t file_offset(const TensorInfo& t) const { return header_.data_start() + t.begin; }
  const MappedFile& mapping() const { return map_; }

 private:
  MappedFile map_;
  SafetensorsHeader header_;
};

}  // namespace qkit
