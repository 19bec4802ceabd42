//===- tests/legacy_header_parse.cpp - the nlohmann-based header reader ---===//
//
// qkit's safetensors header parser as it was before formats/json_events.cpp
// replaced nlohmann-json's SAX reader there (commit 57eafae), kept as a
// witness: tests/header_parser_diff_test.cpp checks that the new reader
// rejects every broken header with the same error code, tensor and byte
// offset as this one, and accepts the same headers with the same tables.
//
//===----------------------------------------------------------------------===//
#include "tests/legacy_header_parse.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "formats/checked_math.h"
#include "formats/utf8.h"

namespace qkit::test {
namespace {

using json = nlohmann::json;

constexpr std::string_view kMetadataKey = "__metadata__";

std::string quote(std::string_view s) { return "'" + escape_for_display(s) + "'"; }

// Builds the tensor table from SAX events; the first schema violation stops
// the parse and is kept in `error`.
class HeaderSax : public nlohmann::json_sax<json> {
 public:
  HeaderSax(SafetensorsHeader& out, const ParseOptions& opts) : out_(out), opts_(opts) {}

  std::optional<Error> error;

  bool null() override { return scalar(Kind::Null); }
  bool boolean(bool) override { return scalar(Kind::Other); }
  bool number_integer(number_integer_t) override { return scalar(Kind::Other); }
  bool number_unsigned(number_unsigned_t v) override {
    if (state_ == State::Shape) {
      cur_.shape.push_back(v);
      return true;
    }
    if (state_ == State::Offsets) {
      if (n_offsets_ < 2) offsets_[n_offsets_] = v;
      ++n_offsets_;
      return true;
    }
    return scalar(Kind::Other);
  }
  bool number_float(number_float_t, const string_t&) override { return scalar(Kind::Other); }
  bool binary(binary_t&) override { return scalar(Kind::Other); }
  bool string(string_t& s) override {
    if (state_ == State::MetaObject) {
      out_.metadata.emplace(std::move(meta_key_), std::move(s));
      return true;
    }
    if (state_ == State::EntryObject && field_ == Field::Dtype) {
      have_dtype_ = true;
      cur_.dtype_name = s;
      if (auto d = parse_dtype(s)) {
        cur_.dtype = *d;
        return true;
      }
      if (!opts_.allow_unknown_dtypes)
        return fail_tensor(Errc::dtype_unknown, "dtype " + quote(s) + " is not one of the 22 safetensors dtypes");
      cur_.dtype = Dtype::Unknown;
      return true;
    }
    return scalar(Kind::String);
  }

  bool start_object(std::size_t) override {
    if (!enter()) return false;
    switch (state_) {
      case State::Start:
        state_ = State::Top;
        return true;
      case State::TopValue:
        if (in_metadata_) {
          state_ = State::MetaObject;
          out_.has_metadata = true;
          return true;
        }
        state_ = State::EntryObject;
        fields_seen_.clear();
        have_dtype_ = have_shape_ = have_offsets_ = false;
        return true;
      case State::EntryObject:
        if (field_ == Field::Other) return start_skip();
        return wrong_field_type();
      case State::Skip:
        ++skip_depth_;
        return true;
      default:
        return unexpected_container();
    }
  }

  bool start_array(std::size_t) override {
    if (!enter()) return false;
    switch (state_) {
      case State::EntryObject:
        if (field_ == Field::Shape) {
          state_ = State::Shape;
          cur_.shape.clear();
          return true;
        }
        if (field_ == Field::Offsets) {
          state_ = State::Offsets;
          n_offsets_ = 0;
          return true;
        }
        if (field_ == Field::Other) return start_skip();
        return wrong_field_type();
      case State::Skip:
        ++skip_depth_;
        return true;
      default:
        return unexpected_container();
    }
  }

  bool end_array() override {
    --depth_;
    switch (state_) {
      case State::Shape:
        have_shape_ = true;
        state_ = State::EntryObject;
        return true;
      case State::Offsets:
        if (n_offsets_ != 2)
          return fail_tensor(Errc::field_type, "data_offsets has " + std::to_string(n_offsets_) +
                                                   " elements, expected exactly 2 [begin, end]");
        cur_.begin = offsets_[0];
        cur_.end = offsets_[1];
        have_offsets_ = true;
        state_ = State::EntryObject;
        return true;
      case State::Skip:
        return end_skip();
      default:
        return fail(Errc::internal, "unbalanced array in header");
    }
  }

  bool key(string_t& k) override {
    switch (state_) {
      case State::Top: {
        if (!top_keys_.insert(k).second)
          return fail(Errc::duplicate_key, "key " + quote(k) +
                                               " appears more than once in the header (qkit rejects "
                                               "duplicates; the reference keeps the last)");
        in_metadata_ = (k == kMetadataKey);
        if (!in_metadata_) {
          cur_ = TensorInfo{};
          const InternedName name = out_.names->intern(k);
          cur_.name = name.text;
          cur_.id = name.id;
        }
        state_ = State::TopValue;
        return true;
      }
      case State::MetaObject:
        if (out_.metadata.count(k) != 0)
          return fail(Errc::duplicate_key, "__metadata__ key " + quote(k) + " appears more than once");
        meta_key_ = k;
        return true;
      case State::EntryObject: {
        if (std::find(fields_seen_.begin(), fields_seen_.end(), k) != fields_seen_.end())
          return fail_tensor(Errc::duplicate_key, "field " + quote(k) + " appears more than once");
        fields_seen_.push_back(k);
        if (k == "dtype") field_ = Field::Dtype;
        else if (k == "shape") field_ = Field::Shape;
        else if (k == "data_offsets") field_ = Field::Offsets;
        else field_ = Field::Other;  // unknown fields are ignored, as upstream does
        return true;
      }
      case State::Skip:
        return true;
      default:
        return fail(Errc::internal, "unexpected key in header");
    }
  }

  bool end_object() override {
    --depth_;
    switch (state_) {
      case State::Top:
        state_ = State::Done;
        return true;
      case State::MetaObject:
        state_ = State::Top;
        return true;
      case State::EntryObject: {
        const char* missing = !have_dtype_ ? "dtype" : !have_shape_ ? "shape" : !have_offsets_ ? "data_offsets" : nullptr;
        if (missing != nullptr)
          return fail_tensor(Errc::field_missing, std::string("entry has no '") + missing + "' field");
        if (cur_.dtype == Dtype::Unknown) {
          Error w(Errc::dtype_unknown, "dtype " + quote(cur_.dtype_name) +
                                           " is not one of the 22 safetensors dtypes; size not checked");
          w.tensor = cur_.name;
          out_.warnings.push_back(std::move(w));
        }
        out_.tensors.push_back(std::move(cur_));
        cur_ = TensorInfo{};
        state_ = State::Top;
        return true;
      }
      case State::Skip:
        return end_skip();
      default:
        return fail(Errc::internal, "unbalanced object in header");
    }
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    Error e(Errc::header_json, "JSON syntax error: " + json_error_text(ex.what()));
    e.offset = 8 + static_cast<std::uint64_t>(position > 0 ? position - 1 : 0);
    error = std::move(e);
    return false;
  }

 private:
  enum class State { Start, Top, TopValue, MetaObject, EntryObject, Shape, Offsets, Skip, Done };
  enum class Field { Dtype, Shape, Offsets, Other };
  enum class Kind { Null, String, Other };

  // A scalar value arrived; decide what it means in the current state.
  bool scalar(Kind kind) {
    switch (state_) {
      case State::Start:
        return fail(Errc::header_not_object, "the header's top-level JSON value is not an object");
      case State::TopValue:
        if (in_metadata_) {
          if (kind == Kind::Null) {
            out_.has_metadata = true;
            state_ = State::Top;
            return true;
          }
          return fail(Errc::metadata_invalid, "__metadata__ must be null or an object of strings");
        }
        return fail_tensor(Errc::entry_invalid, "tensor entry is not a JSON object");
      case State::MetaObject:
        return fail(Errc::metadata_invalid, "__metadata__ value for key " + quote(meta_key_) +
                                                " is not a string (arbitrary JSON is not allowed)");
      case State::EntryObject:
        if (field_ == Field::Other) return true;  // ignored unknown field
        return wrong_field_type();
      case State::Shape:
        return fail_tensor(Errc::field_type, "shape element " + std::to_string(cur_.shape.size()) +
                                                 " is not an unsigned integer");
      case State::Offsets:
        return fail_tensor(Errc::field_type, "data_offsets element " + std::to_string(n_offsets_) +
                                                 " is not an unsigned integer");
      case State::Skip:
        return true;
      default:
        return fail(Errc::internal, "unexpected value in header");
    }
  }

  bool wrong_field_type() {
    const char* what = field_ == Field::Dtype ? "dtype must be a string"
                       : field_ == Field::Shape ? "shape must be an array of unsigned integers"
                                                : "data_offsets must be an array of two unsigned integers";
    return fail_tensor(Errc::field_type, what);
  }

  bool unexpected_container() {
    if (state_ == State::Start)
      return fail(Errc::header_not_object, "the header's top-level JSON value is not an object");
    if (state_ == State::TopValue) {
      if (in_metadata_) return fail(Errc::metadata_invalid, "__metadata__ must be null or an object of strings");
      return fail_tensor(Errc::entry_invalid, "tensor entry is not a JSON object");
    }
    if (state_ == State::MetaObject)
      return fail(Errc::metadata_invalid, "__metadata__ value for key " + quote(meta_key_) +
                                              " is not a string (arbitrary JSON is not allowed)");
    if (state_ == State::Shape)
      return fail_tensor(Errc::field_type, "shape must be a flat array of unsigned integers");
    if (state_ == State::Offsets)
      return fail_tensor(Errc::field_type, "data_offsets must be a flat array of two unsigned integers");
    return fail(Errc::internal, "unexpected container in header");
  }

  // serde_json, which the reference uses, refuses nesting at depth 128.
  static constexpr std::size_t kMaxDepth = 127;
  bool enter() {
    if (++depth_ > kMaxDepth)
      return fail(Errc::header_json, "JSON nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    return true;
  }

  bool start_skip() {
    skip_return_ = state_;
    state_ = State::Skip;
    skip_depth_ = 1;
    return true;
  }
  bool end_skip() {
    if (--skip_depth_ == 0) state_ = skip_return_;
    return true;
  }

  bool fail(Errc code, std::string detail) {
    error = Error(code, std::move(detail)).at(8);
    return false;
  }
  bool fail_tensor(Errc code, std::string detail) {
    error = Error(code, std::move(detail)).at(8).for_tensor(cur_.name);
    return false;
  }

  SafetensorsHeader& out_;
  const ParseOptions& opts_;
  State state_ = State::Start;
  State skip_return_ = State::Top;
  std::size_t skip_depth_ = 0;
  std::size_t depth_ = 0;
  Field field_ = Field::Other;
  bool in_metadata_ = false;
  std::string meta_key_;
  TensorInfo cur_;
  std::vector<std::string> fields_seen_;
  bool have_dtype_ = false, have_shape_ = false, have_offsets_ = false;
  std::uint64_t offsets_[2] = {0, 0};
  std::size_t n_offsets_ = 0;
  std::unordered_set<std::string> top_keys_;
};

std::uint64_t read_le64(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

// Byte index of `"name":` as a top-level key, written without escapes.
// Best effort: an escaped spelling of the name is not found.
std::optional<std::size_t> locate_key(std::string_view text, const std::string& name) {
  std::string needle;
  try {
    needle = json(name).dump();  // quoted and escaped
  } catch (const std::exception&) {
    return std::nullopt;
  }
  for (std::size_t pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + 1)) {
    std::size_t k = pos + needle.size();
    while (k < text.size() && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r')) ++k;
    if (k < text.size() && text[k] == ':') return pos;
  }
  return std::nullopt;
}

std::string range_text(const TensorInfo& t) {
  return "[" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "]";
}

}  // namespace

Result<SafetensorsHeader> legacy_parse_safetensors(std::span<const std::byte> file, const ParseOptions& options) {
  const std::uint64_t file_size = file.size();
  // R1
  if (file_size < 8)
    return Error(Errc::header_too_small, "file has " + std::to_string(file_size) +
                                             " bytes; a safetensors file starts with an 8-byte header length")
        .at(0);
  // R2
  const std::uint64_t n = read_le64(file.data());
  if (n > kMaxHeaderSize)
    return Error(Errc::header_too_large, "header length " + std::to_string(n) + " exceeds the limit of " +
                                             std::to_string(kMaxHeaderSize) +
                                             " bytes (is this a safetensors file?)")
        .at(0);
  // R3 (n <= 1e8, so 8 + n cannot overflow)
  if (8 + n > file_size)
    return Error(Errc::invalid_header_length, "header length " + std::to_string(n) + " runs past the end of the " +
                                                  std::to_string(file_size) + "-byte file")
        .at(0);
  std::string_view text(reinterpret_cast<const char*>(file.data() + 8), static_cast<std::size_t>(n));
  // R4
  if (std::size_t bad = first_invalid_utf8(text); bad != text.size())
    return Error(Errc::header_not_utf8, "invalid UTF-8 sequence in the header").at(8 + bad);
  // nlohmann guards: it silently skips a BOM and would stop at NUL given a C string.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF")
    return Error(Errc::header_bom, "the header starts with a UTF-8 byte-order mark").at(8);
  if (std::size_t nul = text.find('\0'); nul != std::string_view::npos)
    return Error(Errc::header_nul, "NUL byte inside the header (padding must be spaces)").at(8 + nul);

  // R5
  SafetensorsHeader hdr;
  hdr.header_size = n;
  hdr.names = options.names ? options.names : std::make_shared<NameTable>();
  {
    HeaderSax sax(hdr, options);
    bool ok = false;
    try {
      ok = json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json,
                           /*strict=*/true);
    } catch (const std::bad_alloc&) {
      return Error(Errc::header_too_large, "out of memory while parsing the header").at(8);
    } catch (const std::exception& ex) {
      return Error(Errc::header_json, "JSON error: " + json_error_text(ex.what())).at(8);
    }
    if (!ok || sax.error) {
      if (!sax.error) return Error(Errc::header_json, "JSON parse failed").at(8);
      Error e = std::move(*sax.error);
      // SAX events carry no position; point at the entry's key instead of
      // the header start when the name is written without escapes.
      if (!e.tensor.empty() && e.offset == 8) {
        if (auto at = locate_key(text, e.tensor)) e.offset = 8 + *at;
      }
      return e;
    }
  }

  // R7: sort by (begin, end); stable so equal ranges keep JSON order.
  std::stable_sort(hdr.tensors.begin(), hdr.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });

  // R8-R11, per tensor in offset order, as Metadata::validate does.
  std::uint64_t expect = 0;
  const std::uint64_t data_start = 8 + n;
  for (const TensorInfo& t : hdr.tensors) {
    auto abs = [&](std::uint64_t rel) { return data_start + std::min(rel, file_size); };
    if (t.begin != expect || t.end < t.begin) {
      std::string why = t.end < t.begin ? "data_offsets " + range_text(t) + " end before they begin"
                                        : "data_offsets " + range_text(t) + " should begin at " +
                                              std::to_string(expect) +
                                              (t.begin < expect ? " (overlaps the previous tensor)"
                                                                : " (leaves a gap after the previous tensor)");
      return Error(Errc::invalid_offset, why).for_tensor(t.name).at(abs(t.begin));
    }
    expect = t.end;
    if (t.dtype == Dtype::Unknown) continue;  // lenient mode: size unknowable
    auto elems = element_count(t.shape);
    auto bits = elems ? checked_mul(*elems, dtype_bits(t.dtype)) : std::nullopt;
    if (!bits)
      return Error(Errc::validation_overflow, "shape element count times " + std::to_string(dtype_bits(t.dtype)) +
                                                  " bits overflows 64 bits")
          .for_tensor(t.name)
          .at(abs(t.begin));
    if (*bits % 8 != 0)
      return Error(Errc::misaligned_slice, std::to_string(*elems) + " elements of " +
                                               std::string(dtype_name(t.dtype)) + " are " + std::to_string(*bits) +
                                               " bits, not a whole number of bytes")
          .for_tensor(t.name)
          .at(abs(t.begin));
    if (t.nbytes() != *bits / 8)
      return Error(Errc::tensor_invalid_info, "data_offsets " + range_text(t) + " span " +
                                                  std::to_string(t.nbytes()) + " bytes; dtype " +
                                                  std::string(dtype_name(t.dtype)) + " and shape need " +
                                                  std::to_string(*bits / 8))
          .for_tensor(t.name)
          .at(abs(t.begin));
  }
  hdr.data_size = expect;

  // R12: data_start + expect cannot overflow: data_start <= 1e8 + 8 and
  // expect was checked against nothing yet, so check it.
  auto covered = checked_add(data_start, expect);
  if (!covered || *covered != file_size) {
    if (covered && *covered < file_size)
      return Error(Errc::incomplete_buffer, std::to_string(file_size - *covered) +
                                                " trailing bytes after the last tensor (file has " +
                                                std::to_string(file_size) + " bytes, header covers " +
                                                std::to_string(*covered) + ")")
          .at(*covered);
    return Error(Errc::incomplete_buffer, "file is truncated: the header describes " + std::to_string(expect) +
                                              " data bytes but only " + std::to_string(file_size - data_start) +
                                              " follow the header")
        .at(file_size);
  }
  hdr.build_index();
  return hdr;
}

}  // namespace qkit::test
