//===- formats/json_events.cpp - strict single-pass JSON reader -----------===//
//
// A lexer that reads one token at a time and a loop over an explicit stack
// (one bool per open container: true for an array), in the shape of
// nlohmann-json's sax_parse_internal so that events and errors come in the
// same order as they did there (see json_events.h).
//
//===----------------------------------------------------------------------===//
#include "formats/json_events.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace qkit {
namespace {

enum class Tok : std::uint8_t {
  BeginArray, BeginObject, EndArray, EndObject, NameSep, ValueSep,
  String, Unsigned, Integer, Float, True, False, Null, End, Error
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : t_(text) {}

  // The token read last and, for values, what it holds.
  Tok tok = Tok::End;
  std::string_view str;       // String: the decoded text
  bool str_escaped = false;   // String: written with escapes
  std::size_t tok_begin = 0;  // offset of the token's first byte
  std::uint64_t u = 0;
  std::int64_t i = 0;
  double d = 0;
  // Error: where and why.
  std::size_t err_at = 0;
  const char* err_what = "";

  // Offset of the last byte of the token read last (the text's size for End),
  // where nlohmann reported a token that the grammar does not allow there.
  std::size_t last_byte() const { return tok == Tok::End ? t_.size() : pos_ - 1; }

  Tok next() {
    while (pos_ < t_.size() && (t_[pos_] == ' ' || t_[pos_] == '\t' || t_[pos_] == '\n' || t_[pos_] == '\r')) ++pos_;
    tok_begin = pos_;
    if (pos_ == t_.size()) return tok = Tok::End;
    const char c = t_[pos_++];
    switch (c) {
      case '[': return tok = Tok::BeginArray;
      case ']': return tok = Tok::EndArray;
      case '{': return tok = Tok::BeginObject;
      case '}': return tok = Tok::EndObject;
      case ':': return tok = Tok::NameSep;
      case ',': return tok = Tok::ValueSep;
      case 't': return literal("rue", Tok::True);
      case 'f': return literal("alse", Tok::False);
      case 'n': return literal("ull", Tok::Null);
      case '"': return string();
      case '-': case '0': case '1': case '2': case '3': case '4':
      case '5': case '6': case '7': case '8': case '9':
        return number();
      default:
        return error(pos_ - 1, "invalid literal");
    }
  }

 private:
  Tok error(std::size_t at, const char* what) {
    err_at = at;
    err_what = what;
    return tok = Tok::Error;
  }
  bool digit_at(std::size_t k) const { return k < t_.size() && t_[k] >= '0' && t_[k] <= '9'; }
  // The offset nlohmann reported for a byte it expected at k: k, or the
  // text's size when the text ends first.
  std::size_t at_or_end(std::size_t k) const { return k < t_.size() ? k : t_.size(); }

  Tok literal(std::string_view rest, Tok t) {
    for (char want : rest) {
      if (pos_ >= t_.size() || t_[pos_] != want) return error(at_or_end(pos_), "invalid literal");
      ++pos_;
    }
    return tok = t;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  Tok number() {
    const std::size_t begin = pos_ - 1;
    bool integral = true;
    if (t_[begin] == '-') {
      if (!digit_at(pos_)) return error(at_or_end(pos_), "invalid number; expected digit after '-'");
      ++pos_;
    }
    if (t_[pos_ - 1] != '0')
      while (digit_at(pos_)) ++pos_;
    if (pos_ < t_.size() && t_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (!digit_at(pos_)) return error(at_or_end(pos_), "invalid number; expected digit after '.'");
      while (digit_at(pos_)) ++pos_;
    }
    if (pos_ < t_.size() && (t_[pos_] == 'e' || t_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < t_.size() && (t_[pos_] == '+' || t_[pos_] == '-')) {
        ++pos_;
        if (!digit_at(pos_)) return error(at_or_end(pos_), "invalid number; expected digit after exponent sign");
      } else if (!digit_at(pos_)) {
        return error(at_or_end(pos_), "invalid number; expected '+', '-', or digit after exponent");
      }
      while (digit_at(pos_)) ++pos_;
    }
    std::string_view s = t_.substr(begin, pos_ - begin);
    if (integral) {
      if (s[0] != '-') {
        std::uint64_t v = 0;
        bool fits = true;
        for (char c : s) {
          const std::uint64_t dgt = static_cast<std::uint64_t>(c - '0');
          if (v > (~std::uint64_t{0} - dgt) / 10) {
            fits = false;
            break;
          }
          v = v * 10 + dgt;
        }
        if (fits) {
          u = v;
          return tok = Tok::Unsigned;
        }
      } else {
        // Magnitude up to 2^63 fits as a negative int64.
        std::uint64_t v = 0;
        bool fits = true;
        const std::uint64_t limit = std::uint64_t{1} << 63;
        for (char c : s.substr(1)) {
          const std::uint64_t dgt = static_cast<std::uint64_t>(c - '0');
          if (v > (limit - dgt) / 10) {
            fits = false;
            break;
          }
          v = v * 10 + dgt;
        }
        if (fits) {
          i = v == limit ? INT64_MIN : -static_cast<std::int64_t>(v);
          return tok = Tok::Integer;
        }
      }
    }
    // strtod needs a terminated copy; floats are rare in these files.
    const std::string copy(s);
    d = std::strtod(copy.c_str(), nullptr);
    return tok = Tok::Float;
  }

  // Four hex digits at pos_; -1 (and the error set) when one is not.
  long hex4() {
    long v = 0;
    for (int k = 0; k < 4; ++k) {
      if (pos_ >= t_.size()) {
        error(t_.size(), "invalid string: '\\u' must be followed by 4 hex digits");
        return -1;
      }
      const char c = t_[pos_];
      long h;
      if (c >= '0' && c <= '9') h = c - '0';
      else if (c >= 'a' && c <= 'f') h = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') h = c - 'A' + 10;
      else {
        error(pos_, "invalid string: '\\u' must be followed by 4 hex digits");
        return -1;
      }
      ++pos_;
      v = v * 16 + h;
    }
    return v;
  }

  void put_utf8(unsigned long cp) {
    if (cp < 0x80) {
      buf_ += static_cast<char>(cp);
    } else if (cp < 0x800) {
      buf_ += static_cast<char>(0xC0 | (cp >> 6));
      buf_ += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      buf_ += static_cast<char>(0xE0 | (cp >> 12));
      buf_ += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      buf_ += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      buf_ += static_cast<char>(0xF0 | (cp >> 18));
      buf_ += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      buf_ += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      buf_ += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Tok string() {
    const std::size_t begin = pos_;
    // Fast path: no escape before the closing quote; the view is the text.
    for (std::size_t k = pos_; k < t_.size(); ++k) {
      const unsigned char c = static_cast<unsigned char>(t_[k]);
      if (c == '"') {
        str = t_.substr(begin, k - begin);
        str_escaped = false;
        pos_ = k + 1;
        return tok = Tok::String;
      }
      if (c == '\\') break;
      if (c < 0x20) return error(k, "invalid string: control character must be escaped");
    }
    buf_.clear();
    str_escaped = true;
    while (true) {
      if (pos_ >= t_.size()) return error(t_.size(), "invalid string: missing closing quote");
      const unsigned char c = static_cast<unsigned char>(t_[pos_++]);
      if (c == '"') break;
      if (c < 0x20) return error(pos_ - 1, "invalid string: control character must be escaped");
      if (c != '\\') {
        buf_ += static_cast<char>(c);
        continue;
      }
      if (pos_ >= t_.size()) return error(t_.size(), "invalid string: missing closing quote");
      const char e = t_[pos_++];
      switch (e) {
        case '"': buf_ += '"'; break;
        case '\\': buf_ += '\\'; break;
        case '/': buf_ += '/'; break;
        case 'b': buf_ += '\b'; break;
        case 'f': buf_ += '\f'; break;
        case 'n': buf_ += '\n'; break;
        case 'r': buf_ += '\r'; break;
        case 't': buf_ += '\t'; break;
        case 'u': {
          const long cp1 = hex4();
          if (cp1 < 0) return tok;
          unsigned long cp = static_cast<unsigned long>(cp1);
          if (cp1 >= 0xD800 && cp1 <= 0xDBFF) {
            // nlohmann reads '\' then 'u' and stops at the first that differs.
            if (pos_ >= t_.size() || t_[pos_] != '\\')
              return error(at_or_end(pos_), "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
            ++pos_;
            if (pos_ >= t_.size() || t_[pos_] != 'u')
              return error(at_or_end(pos_), "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
            ++pos_;
            const long cp2 = hex4();
            if (cp2 < 0) return tok;
            if (cp2 < 0xDC00 || cp2 > 0xDFFF)
              return error(pos_ - 1, "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
            cp = 0x10000 + ((static_cast<unsigned long>(cp1) - 0xD800) << 10) + (static_cast<unsigned long>(cp2) - 0xDC00);
          } else if (cp1 >= 0xDC00 && cp1 <= 0xDFFF) {
            return error(pos_ - 1, "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF");
          }
          put_utf8(cp);
          break;
        }
        default:
          return error(pos_ - 1, "invalid string: forbidden character after backslash");
      }
    }
    str = buf_;
    return tok = Tok::String;
  }

  std::string_view t_;
  std::size_t pos_ = 0;
  std::string buf_;  // decoded text of the last escaped string
};

const char* token_text(Tok t) {
  switch (t) {
    case Tok::BeginArray: return "'['";
    case Tok::BeginObject: return "'{'";
    case Tok::EndArray: return "']'";
    case Tok::EndObject: return "'}'";
    case Tok::NameSep: return "':'";
    case Tok::ValueSep: return "','";
    case Tok::String: return "string literal";
    case Tok::Unsigned: case Tok::Integer: case Tok::Float: return "number literal";
    case Tok::True: return "'true'";
    case Tok::False: return "'false'";
    case Tok::Null: return "'null'";
    case Tok::End: return "end of input";
    case Tok::Error: return "<error>";
  }
  return "?";
}

}  // namespace

JsonParseEnd parse_json_events(std::string_view text, JsonEvents& h, JsonSyntaxError& error) {
  Lexer lx(text);
  // A lexical error wherever it happens, else the unexpected token.
  auto syntax = [&](const char* context, const char* expected) {
    if (lx.tok == Tok::Error) {
      error.offset = lx.err_at;
      error.message = std::string("syntax error while parsing ") + context + " - " + lx.err_what;
    } else {
      error.offset = lx.last_byte();
      error.message = std::string("syntax error while parsing ") + context + " - unexpected " + token_text(lx.tok) +
                      "; expected " + expected;
    }
    return JsonParseEnd::SyntaxError;
  };
  std::vector<bool> in_array;  // one per open container
  lx.next();
  while (true) {
    // A value starts at the current token.
    switch (lx.tok) {
      case Tok::BeginObject:
        if (!h.start_object()) return JsonParseEnd::Stopped;
        if (lx.next() == Tok::EndObject) {
          if (!h.end_object()) return JsonParseEnd::Stopped;
          break;
        }
        if (lx.tok != Tok::String) return syntax("object key", "string literal");
        if (!h.key(lx.str, lx.tok_begin, lx.str_escaped)) return JsonParseEnd::Stopped;
        if (lx.next() != Tok::NameSep) return syntax("object separator", "':'");
        in_array.push_back(false);
        lx.next();
        continue;
      case Tok::BeginArray:
        if (!h.start_array()) return JsonParseEnd::Stopped;
        if (lx.next() == Tok::EndArray) {
          if (!h.end_array()) return JsonParseEnd::Stopped;
          break;
        }
        in_array.push_back(true);
        continue;
      case Tok::Unsigned:
        if (!h.number_unsigned(lx.u)) return JsonParseEnd::Stopped;
        break;
      case Tok::Integer:
        if (!h.number_integer(lx.i)) return JsonParseEnd::Stopped;
        break;
      case Tok::Float:
        // As nlohmann (and serde_json): a float beyond double's range is an error.
        if (!std::isfinite(lx.d)) {
          error.offset = lx.last_byte();
          error.message = "number overflow parsing '" + std::string(text.substr(lx.tok_begin, lx.last_byte() + 1 - lx.tok_begin)) + "'";
          return JsonParseEnd::SyntaxError;
        }
        if (!h.number_float(lx.d)) return JsonParseEnd::Stopped;
        break;
      case Tok::String:
        if (!h.string(lx.str)) return JsonParseEnd::Stopped;
        break;
      case Tok::True:
        if (!h.boolean(true)) return JsonParseEnd::Stopped;
        break;
      case Tok::False:
        if (!h.boolean(false)) return JsonParseEnd::Stopped;
        break;
      case Tok::Null:
        if (!h.null()) return JsonParseEnd::Stopped;
        break;
      default:
        return syntax("value", "'[', '{', or a literal");
    }
    // The value is complete: close every container it completes.
    while (true) {
      if (in_array.empty()) {
        if (lx.next() != Tok::End) return syntax("value", "end of input");
        return JsonParseEnd::Complete;
      }
      if (in_array.back()) {
        if (lx.next() == Tok::ValueSep) {
          lx.next();
          break;  // the next element
        }
        if (lx.tok != Tok::EndArray) return syntax("array", "']'");
        if (!h.end_array()) return JsonParseEnd::Stopped;
        in_array.pop_back();
        continue;
      }
      if (lx.next() == Tok::ValueSep) {
        if (lx.next() != Tok::String) return syntax("object key", "string literal");
        if (!h.key(lx.str, lx.tok_begin, lx.str_escaped)) return JsonParseEnd::Stopped;
        if (lx.next() != Tok::NameSep) return syntax("object separator", "':'");
        lx.next();
        break;  // the member's value
      }
      if (lx.tok != Tok::EndObject) return syntax("object", "'}'");
      if (!h.end_object()) return JsonParseEnd::Stopped;
      in_array.pop_back();
    }
  }
}

}  // namespace qkit
