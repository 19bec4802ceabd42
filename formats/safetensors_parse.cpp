//===- formats/safetensors_parse.cpp - header parsing and validation -----===//
//
// The header is read in one pass by formats/json_events.cpp straight into
// TensorInfo records: no document is built, and names are views into the
// text (escaped ones into decoded copies) until the parse ends, when they
// are interned in the header's NameTable (intern_names). The schema
// is checked as the events stream by, in the order nlohmann-json's SAX
// reader produced them before, so every error keeps its code and offset
// (tests/header_parser_diff_test.cpp holds the old reader as a witness).
// The event reader is iterative, so deep nesting cannot exhaust the stack.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <deque>
#include <cstring>
#include <functional>
#include <new>
#include <utility>

#include "formats/checked_math.h"
#include "formats/json_events.h"
#include "formats/safetensors.h"
#include "formats/utf8.h"

namespace qkit {
namespace {

constexpr std::string_view kMetadataKey = "__metadata__";

std::string quote(std::string_view s) { return "'" + escape_for_display(s) + "'"; }

// Tensor names are not hashed as their keys arrive. A repeated name is
// found once the table is sorted by name (which find() needs anyway), as
// the first name whose second occurrence comes earliest in the text: the
// key a streaming check would have stopped at. When the parse stops
// earlier, for any reason, the names read so far are checked the same way
// first, so a repeated key still wins over any error after it.
// `names[i]` is the i-th name in text order.
// `order` lists positions sorted by (name, position); `name(i)` is the name
// at position i. Returns the position of the earliest second occurrence.
template <class Order, class Name>
std::optional<std::size_t> earliest_second(const Order& order, const Name& name) {
  std::optional<std::size_t> second;
  for (std::size_t i = 1; i < order.size(); ++i)
    if (name(order[i]) == name(order[i - 1]) && (i < 2 || name(order[i - 2]) != name(order[i])))
      if (!second || order[i] < *second) second = order[i];
  return second;
}

std::optional<std::string_view> first_repeated(std::span<const std::string_view> names) {
  std::vector<std::uint32_t> order(names.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return names[a] != names[b] ? names[a] < names[b] : a < b;
  });
  auto second = earliest_second(order, [&](std::size_t i) { return names[i]; });
  if (!second) return std::nullopt;
  return names[*second];
}

Error repeated_key_error(std::string_view name);

// Builds the tensor table from JSON events; the first schema violation stops
// the parse and is kept in `error`.
class HeaderSax final : public JsonEvents {
 public:
  HeaderSax(SafetensorsHeader& out, const ParseOptions& opts) : out_(out), opts_(opts) {}

  std::optional<Error> error;

  bool null() override { return scalar(Kind::Null); }
  bool boolean(bool) override { return scalar(Kind::Other); }
  bool number_integer(std::int64_t) override { return scalar(Kind::Other); }
  bool number_unsigned(std::uint64_t v) override {
    if (state_ == State::Shape) {
      shape_.push_back(v);
      return true;
    }
    if (state_ == State::Offsets) {
      if (n_offsets_ < 2) offsets_[n_offsets_] = v;
      ++n_offsets_;
      return true;
    }
    return scalar(Kind::Other);
  }
  bool number_float(double) override { return scalar(Kind::Other); }
  bool string(std::string_view s) override {
    if (state_ == State::MetaObject) {
      out_.metadata.emplace(std::move(meta_key_), std::string(s));
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
  bool start_object() override {
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
        known_seen_ = 0;
        other_fields_.clear();
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

  bool start_array() override {
    if (!enter()) return false;
    switch (state_) {
      case State::EntryObject:
        if (field_ == Field::Shape) {
          state_ = State::Shape;
          shape_.clear();
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
        cur_.shape.assign(shape_.begin(), shape_.end());  // one exact allocation
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

  bool key(std::string_view k, std::size_t at, bool escaped) override {
    switch (state_) {
      case State::Top: {
        const bool meta = (k == kMetadataKey);
        if (meta && std::exchange(seen_metadata_, true)) {
          error = repeated_key_error(k);
          return false;
        }
        in_metadata_ = meta;
        if (!in_metadata_) {
          cur_ = TensorInfo{};
          // A view into the header text, or into a copy of an escaped key
          // (the reader's buffer is reused): interned all at once after the
          // parse (intern_names).
          cur_.name = escaped ? std::string_view(escaped_.emplace_back(k)) : k;
          key_at_ = at;
        }
        state_ = State::TopValue;
        return true;
      }
      case State::MetaObject:
        meta_key_.assign(k);
        if (out_.metadata.count(meta_key_) != 0)
          return fail(Errc::duplicate_key, "__metadata__ key " + quote(k) + " appears more than once");
        return true;
      case State::EntryObject: {
        field_ = k == "dtype" ? Field::Dtype : k == "shape" ? Field::Shape : k == "data_offsets" ? Field::Offsets : Field::Other;
        bool repeated;
        if (field_ != Field::Other) {
          const unsigned bit = 1u << static_cast<unsigned>(field_);
          repeated = (known_seen_ & bit) != 0;
          known_seen_ |= bit;
        } else {  // unknown fields are ignored, as upstream does, but not repeated
          repeated = std::find(other_fields_.begin(), other_fields_.end(), k) != other_fields_.end();
          if (!repeated) other_fields_.emplace_back(k);
        }
        if (repeated) return fail_tensor(Errc::duplicate_key, "field " + quote(k) + " appears more than once");
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
        return fail_tensor(Errc::field_type, "shape element " + std::to_string(shape_.size()) +
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
  // Errors of an entry point at its key.
  bool fail_tensor(Errc code, std::string detail) {
    error = Error(code, std::move(detail)).at(8 + key_at_).for_tensor(cur_.name);
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
  std::deque<std::string> escaped_;  // escaped names, decoded (a deque: they stay put)
  TensorInfo cur_;
  unsigned known_seen_ = 0;                 // bit per Field of the open entry
  std::vector<std::string> other_fields_;  // its unknown fields' names
  std::vector<std::uint64_t> shape_;       // the shape being read (reused)
  std::size_t key_at_ = 0;                 // offset of the open entry's key
  bool have_dtype_ = false, have_shape_ = false, have_offsets_ = false;
  std::uint64_t offsets_[2] = {0, 0};
  std::size_t n_offsets_ = 0;
  bool seen_metadata_ = false;

 public:
  // The name of the entry being read, if its key has been accepted.
  std::optional<std::string_view> open_entry() const {
    if (in_metadata_ || state_ == State::Start || state_ == State::Top || state_ == State::Done) return std::nullopt;
    return std::string_view(cur_.name);
  }
};

// The names, views into the header text until now, go into the header's
// name table a few thousand at a time (NameTable::intern_all groups and
// prefetches them: one call per name, its cache misses one after another,
// made a 138k-tensor open 28% slower than copying the names).
void intern_names(SafetensorsHeader& hdr) {
  constexpr std::size_t kBatch = 4096;
  // Sized once for a large header, unless the table already holds as many
  // names (another rank's copy of the same ones, say).
  if (hdr.tensors.size() > kBatch && hdr.names->size() < hdr.tensors.size()) hdr.names->reserve(hdr.tensors.size());
  std::string_view texts[kBatch];
  NameId ids[kBatch];
  for (std::size_t from = 0; from < hdr.tensors.size(); from += kBatch) {
    const std::size_t n = std::min(kBatch, hdr.tensors.size() - from);
    for (std::size_t i = 0; i < n; ++i) texts[i] = hdr.tensors[from + i].name;
    hdr.names->intern_all({texts, n}, {ids, n});
    for (std::size_t i = 0; i < n; ++i) {
      hdr.tensors[from + i].name = texts[i];
      hdr.tensors[from + i].id = ids[i];
    }
  }
}

Error repeated_key_error(std::string_view name) {
  return Error(Errc::duplicate_key, "key " + quote(name) +
                                        " appears more than once in the header (qkit rejects duplicates; the "
                                        "reference keeps the last)")
      .at(8);
}

std::uint64_t read_le64(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

std::string range_text(const TensorInfo& t) {
  return "[" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "]";
}

}  // namespace

std::uint64_t TensorInfo::element_count() const { return qkit::element_count(shape).value_or(0); }

const TensorInfo* SafetensorsHeader::find(std::string_view name) const {
  auto it = std::lower_bound(by_name_.begin(), by_name_.end(), name,
                             [&](std::size_t i, std::string_view n) { return tensors[i].name < n; });
  if (it == by_name_.end() || tensors[*it].name != name) return nullptr;
  return &tensors[*it];
}

void SafetensorsHeader::build_index() {
  by_name_.resize(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) by_name_[i] = i;
  // Ties by position, so equal names keep their order (first_repeated_name
  // relies on it). Writers often list names in order: then no sort at all.
  auto less = [&](std::size_t a, std::size_t b) {
    const int c = tensors[a].name.compare(tensors[b].name);
    return c != 0 ? c < 0 : a < b;
  };
  if (!std::is_sorted(by_name_.begin(), by_name_.end(), less)) std::sort(by_name_.begin(), by_name_.end(), less);
}

std::optional<std::string_view> SafetensorsHeader::first_repeated_name() const {
  auto second = earliest_second(by_name_, [&](std::size_t i) { return std::string_view(tensors[i].name); });
  if (!second) return std::nullopt;
  return std::string_view(tensors[*second].name);
}

void SafetensorsHeader::sort_tensors(const std::function<bool(const TensorInfo&, const TensorInfo&)>& less) {
  std::vector<std::size_t> perm(tensors.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::stable_sort(perm.begin(), perm.end(), [&](std::size_t a, std::size_t b) { return less(tensors[a], tensors[b]); });
  std::vector<TensorInfo> sorted;
  sorted.reserve(tensors.size());
  std::vector<std::size_t> where(tensors.size());  // old position -> new
  for (std::size_t i = 0; i < perm.size(); ++i) {
    sorted.push_back(std::move(tensors[perm[i]]));
    where[perm[i]] = i;
  }
  tensors = std::move(sorted);
  for (std::size_t& i : by_name_) i = where[i];
}

Result<SafetensorsHeader> parse_safetensors(std::span<const std::byte> file, const ParseOptions& options) {
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
  // Stricter than the reference, which rejects both as JSON errors: named
  // errors, checked before the JSON.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF")
    return Error(Errc::header_bom, "the header starts with a UTF-8 byte-order mark").at(8);
  if (std::size_t nul = text.find('\0'); nul != std::string_view::npos)
    return Error(Errc::header_nul, "NUL byte inside the header (padding must be spaces)").at(8 + nul);

  // R5
  SafetensorsHeader hdr;
  hdr.header_size = n;
  hdr.names = options.names ? options.names : std::make_shared<NameTable>();
  // An entry takes at least 47 bytes of text ("":{"dtype":"","shape":[],
  // "data_offsets":[0,0]}, counted by hand; an empty dtype passes in
  // lenient mode), so the table never grows by reallocation, and capacity
  // never touched is never resident (only address space: 96 / 47, about
  // 2.0 bytes per header byte, sizeof(TensorInfo) being 96 on x86-64).
  {
    HeaderSax sax(hdr, options);
    JsonSyntaxError syntax;
    JsonParseEnd end = JsonParseEnd::Complete;
    try {
      hdr.tensors.reserve(static_cast<std::size_t>(n / 47 + 1));
      end = parse_json_events(text, sax, syntax);
    } catch (const std::bad_alloc&) {
      return Error(Errc::header_too_large, "out of memory while parsing the header").at(8);
    }
    if (end != JsonParseEnd::Complete || sax.error) try {
      // What stopped the parse came after any repeated key read so far.
      std::vector<std::string_view> names;
      names.reserve(hdr.tensors.size() + 1);
      for (const TensorInfo& t : hdr.tensors) names.push_back(t.name);
      if (auto open = sax.open_entry()) names.push_back(*open);
      if (auto dup = first_repeated(names)) return repeated_key_error(*dup);
    } catch (const std::bad_alloc&) {
      return Error(Errc::header_too_large, "out of memory while parsing the header").at(8);
    }
    if (end == JsonParseEnd::SyntaxError)
      return Error(Errc::header_json, "JSON syntax error: " + syntax.message).at(8 + syntax.offset);
    if (sax.error) return std::move(*sax.error);
    if (end != JsonParseEnd::Complete) return Error(Errc::header_json, "JSON parse failed").at(8);
    try {
      intern_names(hdr);  // while the text and the escaped copies live
    } catch (const std::bad_alloc&) {
      return Error(Errc::header_too_large, "out of memory while parsing the header").at(8);
    } catch (const std::length_error& e) {  // 2^32 names in one checkpoint's table
      return Error(Errc::header_too_large, std::string("too many tensor names: ") + e.what()).at(8);
    }
  }
  try {
    // The name order, in text order: a repeated name is an error before any
    // check of offsets, as when it stopped the parse.
    hdr.build_index();
    if (auto dup = hdr.first_repeated_name()) return repeated_key_error(*dup);
    // R7: sort by (begin, end); stable so equal ranges keep JSON order.
    // Writers list entries in offset order, so the sort is mostly skipped.
    auto by_range = [](const TensorInfo& a, const TensorInfo& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    };
    if (!std::is_sorted(hdr.tensors.begin(), hdr.tensors.end(), by_range)) hdr.sort_tensors(by_range);
  } catch (const std::bad_alloc&) {
    return Error(Errc::header_too_large, "out of memory while indexing the header").at(8);
  }

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
  return hdr;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path, const ParseOptions& options) {
  auto map = MappedFile::open(path);
  if (!map) return std::move(map).error();
  auto hdr = parse_safetensors(map->bytes(), options);
  if (!hdr) return std::move(hdr).error().in_file(path.string());
  for (Error& w : hdr->warnings) w.file = path.string();
  SafetensorsFile f;
  f.map_ = std::move(*map);
  f.header_ = std::move(*hdr);
  // The header is parsed into header_ (nothing points into its bytes): its
  // pages leave the resident set, as streamed data pages do (17 MB of the
  // peak RSS for a 180-shard DeepSeek-class checkpoint).
  f.map_.advise_done(0, f.header_.data_start());
  return f;
}

std::span<const std::byte> SafetensorsFile::data(const TensorInfo& t) const {
  return map_.bytes().subspan(static_cast<std::size_t>(header_.data_start() + t.begin),
                              static_cast<std::size_t>(t.nbytes()));
}

}  // namespace qkit
