//===- formats/error.h - qkit's one error type ---------------------------===//
//
// Every failure the library can report is an Error value: a stable code (one
// enum, one message per value, in the style of simdjson's error_code), plus
// where it happened — the file, the tensor and the byte offset when known —
// and a detail sentence naming the offending item and the expected value.
// Functions return Result<T> (a value or an Error); no exception leaves the
// library API.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace qkit {

// X-macro: (enumerator, stable id printed to users and used in docs/tests,
// one-line explanation). Ids never change once released; add new ones at the
// end of their group.
#define QKIT_ERROR_CODES(X)                                                                    \
  X(ok, "ok", "no error")                                                                      \
  /* I/O */                                                                                    \
  X(io_open, "io-open", "cannot open the file")                                                \
  X(io_stat, "io-stat", "cannot stat the file")                                                \
  X(io_map, "io-map", "cannot memory-map the file")                                            \
  X(io_read, "io-read", "cannot read the file")                                                \
  X(io_write, "io-write", "cannot write the file")                                             \
  X(io_sync, "io-sync", "cannot flush the file to disk")                                       \
  X(io_rename, "io-rename", "cannot move the temporary file into place")                       \
  X(not_regular_file, "not-regular-file", "the path is not a regular file")                    \
  X(file_too_large, "file-too-large", "the file is larger than this reader accepts")           \
  /* safetensors container, in the order the reference implementation checks */              \
  X(header_too_small, "st-header-too-small", "file shorter than the 8-byte header length")     \
  X(header_too_large, "st-header-too-large", "header length above 100,000,000 bytes")          \
  X(invalid_header_length, "st-invalid-header-length", "header length runs past end of file")  \
  X(header_not_utf8, "st-header-not-utf8", "header is not valid UTF-8")                        \
  X(header_bom, "st-header-bom", "header starts with a UTF-8 byte-order mark")                 \
  X(header_nul, "st-header-nul", "header contains a NUL byte")                                 \
  X(header_json, "st-header-json", "header is not valid JSON")                                 \
  X(header_not_object, "st-header-not-object", "header JSON is not an object")                 \
  X(duplicate_key, "st-duplicate-key", "a JSON object repeats a key")                          \
  X(metadata_invalid, "st-metadata-invalid", "__metadata__ is not null or a string map")       \
  X(entry_invalid, "st-entry-invalid", "a tensor entry is not a valid object")                 \
  X(field_missing, "st-field-missing", "a tensor entry lacks dtype, shape or data_offsets")     \
  X(field_type, "st-field-type", "a tensor field has the wrong JSON type")                     \
  X(dtype_unknown, "st-dtype-unknown", "the dtype is not one of the 22 safetensors dtypes")    \
  X(invalid_offset, "st-invalid-offset", "tensor data is not contiguous from offset 0")        \
  X(validation_overflow, "st-validation-overflow", "element or byte count overflows 64 bits")  \
  X(misaligned_slice, "st-misaligned-slice", "sub-byte tensor does not fill whole bytes")      \
  X(tensor_invalid_info, "st-tensor-invalid-info", "data_offsets size differs from shape")     \
  X(incomplete_buffer, "st-incomplete-buffer", "data section length differs from the header")  \
  /* safetensors writer */                                                                     \
  X(reserved_name, "st-reserved-name", "a tensor may not be named __metadata__")               \
  X(duplicate_tensor, "st-duplicate-tensor", "two tensors share one name")                     \
  X(name_not_utf8, "st-name-not-utf8", "a tensor name or metadata string is not UTF-8")        \
  X(data_size_mismatch, "st-data-size-mismatch", "tensor bytes supplied differ from its shape") \
  /* JSON side files (index, descriptions, config) */                                          \
  X(json_too_large, "json-too-large", "the JSON file is larger than the limit")                \
  X(json_syntax, "json-syntax", "the file is not valid JSON")                                  \
  X(json_too_deep, "json-too-deep", "JSON nesting is deeper than the limit")                   \
  X(json_schema, "json-schema", "a JSON value has the wrong type or shape")                    \
  /* shard index */                                                                            \
  X(index_shard_path, "index-shard-path", "a shard name is not a plain file in the directory") \
  X(index_missing_shard, "index-missing-shard", "the index names a shard that does not exist") \
  X(index_tensor_missing, "index-tensor-missing", "an indexed tensor is not in its shard")     \
  X(index_tensor_unlisted, "index-tensor-unlisted", "a shard tensor is not in weight_map")     \
  X(index_tensor_elsewhere, "index-tensor-elsewhere", "weight_map maps a tensor elsewhere")    \
  X(index_tensor_in_two_shards, "index-duplicate-tensor", "a tensor is stored in two shards")   \
  X(index_total_size, "index-total-size", "metadata.total_size differs from the tensor bytes") \
  X(index_bad_shard, "index-bad-shard", "a shard listed by the index cannot be read")          \
  /* checkpoint directory */                                                                   \
  X(ckpt_not_checkpoint, "ckpt-not-a-checkpoint", "no weight files and no description file")   \
  X(ckpt_description_ambiguous, "ckpt-ambiguous-description", "both families' descriptions")   \
  X(ckpt_description_several, "ckpt-several-descriptions", "more than one description file")   \
  X(ckpt_description_missing, "ckpt-missing-description", "quantized weights, no description") \
  X(ckpt_stale_index, "ckpt-stale-index", "a float model index beside quantized weights")      \
  X(ckpt_unindexed_file, "ckpt-unindexed-file", "a weight file the index does not list")       \
  X(ckpt_interrupted_save, "ckpt-interrupted-save", "leftovers of an interrupted save")         \
  X(ckpt_naming, "ckpt-naming", "file names differ from the producer's convention")            \
  X(ckpt_dtype_inferred, "ckpt-dtype-inferred", "no torch_dtype in config.json; inferred")      \
  X(ckpt_config_missing, "ckpt-config-missing", "the checkpoint has no config.json")           \
  /* output directory */                                                                       \
  X(out_overlaps_input, "out-overlaps-input", "the output is, contains or lies inside the input") \
  X(out_exists, "out-exists", "the output exists and replacing it was not asked for")           \
  X(out_not_ours, "out-not-ours", "the output holds files qkit did not write")                  \
  X(out_busy, "out-busy", "another run is writing the same output")                            \
  /* conversion */                                                                             \
  X(value_out_of_range, "value-out-of-range", "a source value does not fit the target encoding (never wrapped)") \
  X(result_rejected, "result-rejected", "the converted result failed qvalidate or --verify, so it was not put in place") \
  /* generic */                                                                                \
  X(invalid_argument, "invalid-argument", "an argument is out of range")                       \
  X(internal, "internal", "internal error (please report)")

enum class Errc : std::uint16_t {
#define QKIT_X(e, id, msg) e,
  QKIT_ERROR_CODES(QKIT_X)
#undef QKIT_X
};

// The stable identifier, e.g. "st-invalid-offset".
std::string_view error_id(Errc code);
// A one-line explanation of the code.
std::string_view error_message(Errc code);
// Every code, in declaration order (for docs and exhaustive tests).
std::span<const Errc> all_error_codes();

struct Error {
  Errc code = Errc::internal;
  std::string detail;                 // names the offending item and the expected value
  std::string file;                   // path as given by the caller
  std::string tensor;                 // tensor name, when the error concerns one
  std::optional<std::uint64_t> offset;  // absolute byte offset in `file`, when known

  Error() = default;
  Error(Errc c, std::string d) : code(c), detail(std::move(d)) {}

  Error&& in_file(std::string f) && { file = std::move(f); return std::move(*this); }
  Error&& at(std::uint64_t off) && { offset = off; return std::move(*this); }
  Error&& for_tensor(std::string_view t) && { tensor.assign(t); return std::move(*this); }

  // "path: tensor 'name': at byte 123: detail [st-invalid-offset]"
  std::string to_string() const;
};

// Control characters and non-printable bytes in names are escaped before they
// reach a terminal (names come from untrusted files).
std::string escape_for_display(std::string_view s);
// nlohmann's exception text without its internal id: "parse error at line
// 2, column 0: ..." for "[json.exception.parse_error.101] parse error ...".
std::string json_error_text(std::string_view what);

// Result<T>: a value or an Error. Deliberately small; C++23's std::expected
// is not available in C++20.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}        // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}   // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace qkit
