//===- formats/json_events.h - a strict, single-pass JSON event reader ----===//
//
// RFC 8259 JSON read in one pass over the bytes, handing each value, key and
// bracket to a handler as it is read (no document is built). It exists
// because nlohmann-json's SAX interface costs more than the work done with
// its events: it copies every string and key into a token buffer char by
// char, and a safetensors header is mostly tensor names. Here a string
// written without escapes is handed over as a view into the text.
//
// Grammar, event order and error positions are those of nlohmann-json's
// strict sax_parse (json 3.11 lexer and parser), which qkit used before, so
// that every error keeps its byte offset:
//   - a value's event comes once the value's token is read, before the next
//     token is looked at; a key's event comes before its ':' is read;
//   - a lexical error is reported at the byte that breaks the token (the
//     text's size when the text ends inside it);
//   - a token in the wrong place is reported at its last byte, and the end
//     of the text at the text's size;
//   - an integer without fraction or exponent is unsigned when it has no
//     sign and fits 64 bits, signed when it has one and fits 64 bits, else a
//     float; "-0" is a signed integer; a float beyond double's range is an
//     error at its last byte.
// Not checked here: UTF-8 validity (callers check the whole text first;
// bytes >= 0x80 are taken as they are inside strings and refused outside)
// and nesting depth (the handler bounds it; the parser's own state is one
// bit per open container).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qkit {

class JsonEvents {
 public:
  virtual ~JsonEvents() = default;
  // Each returns false to stop the parse (the handler keeps its own reason).
  virtual bool null() = 0;
  virtual bool boolean(bool v) = 0;
  virtual bool number_unsigned(std::uint64_t v) = 0;
  virtual bool number_integer(std::int64_t v) = 0;
  virtual bool number_float(double v) = 0;
  // `s` (escapes decoded) is valid only during the call.
  virtual bool string(std::string_view s) = 0;
  // `at`: byte offset of the key's opening quote; `escaped`: whether the key
  // is written with escapes (so `k` does not appear verbatim at `at + 1`).
  virtual bool key(std::string_view k, std::size_t at, bool escaped) = 0;
  virtual bool start_object() = 0;
  virtual bool end_object() = 0;
  virtual bool start_array() = 0;
  virtual bool end_array() = 0;
};

struct JsonSyntaxError {
  std::size_t offset = 0;  // byte offset in the text (see the header comment)
  std::string message;
};

enum class JsonParseEnd : std::uint8_t { Complete, Stopped, SyntaxError };

// Reads `text` as exactly one JSON value with optional whitespace around it.
// On SyntaxError, `error` says where and why.
JsonParseEnd parse_json_events(std::string_view text, JsonEvents& handler, JsonSyntaxError& error);

}  // namespace qkit
