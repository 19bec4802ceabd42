//===- tests/header_parser_diff_test.cpp - new header reader vs the old ---===//
//
// formats/json_events.cpp replaced nlohmann-json's SAX reader under the
// safetensors header parser. Two witnesses that nothing a user sees moved:
//   - syntax errors at byte offsets counted by hand, from the rule the old
//     reader followed (the byte that breaks a token; a misplaced token's
//     last byte; the text's size at its end);
//   - the old reader itself (tests/legacy_header_parse.cpp), run on every
//     broken and edge file of the conformance table and on thousands of
//     single-byte mutations and truncations of them: both must give the
//     same verdict, code, tensor and offset, and the same table when they
//     accept.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include "formats/json_events.h"
#include "formats/safetensors.h"
#include "tests/legacy_header_parse.h"
#include "tests/malformed_files.h"
#include "tests/test_util.h"

namespace qkit {
namespace {

using test::as_bytes;
using test::st_file;

struct SyntaxCase {
  const char* header;
  std::uint64_t offset;  // absolute: 8 + the byte index in the header
};

TEST(HeaderSyntax, ErrorsAtHandCountedOffsets) {
  const SyntaxCase cases[] = {
      {"{\"t\":tru}", 8 + 8},             // 'tru' then '}' where 'e' belongs
      {"{} x", 8 + 3},                      // 'x' starts no token
      {"{\"t\":{\"dtype\"", 8 + 13},      // ends where ':' belongs: the text's size
      {"{\"a\tb\":1}", 8 + 3},             // raw tab inside a string
      {"{'t':1}", 8 + 1},                   // single quote
      {"{}{}", 8 + 2},                      // a second object: its '{'
      // A value complete before the error is checked first (an entry must
      // be an object), so these sit in an ignored field "x".
      {"{\"t\":{\"x\":1 2}}", 8 + 12},         // number where ',' belongs: its last digit
      {"{\"t\":{\"x\":12 345}}", 8 + 15},      // same, three digits long
      {"{\"t\":{\"x\":\"x\" \"y\"}}", 8 + 16},   // string where ',' belongs: its closing quote
      {"{\"t\":{\"x\":true false}}", 8 + 19},  // literal where ',' belongs: its last letter
      {"{\"t\":{\"x\":[1,]}}", 8 + 13},        // ']' where a value belongs
      {"{\"t\":-}", 8 + 6},                // '-' without a digit
      {"{\"t\":1.}", 8 + 7},               // '.' without a digit
      {"{\"t\":1e+}", 8 + 8},              // exponent sign without a digit
      {"{\"t\":1ex}", 8 + 7},              // exponent without sign or digit
      {"{\"t\":\"\\x\"}", 8 + 7},          // forbidden escape: the byte after '\'
      {"{\"t\":\"\\u12G4\"}", 8 + 10},      // non-hex digit in \u
      {"{\"t\":\"\\ud800x\"}", 8 + 12},    // high surrogate not followed by '\'
      {"{\"t\":\"\\ud800\\x\"}", 8 + 13},  // ... nor by 'u'
      {"{\"t\":\"\\ud800\\u0041\"}", 8 + 17},  // ... nor by a low surrogate: its last digit
      {"{\"t\":\"\\udc00\"}", 8 + 11},     // lone low surrogate: its last digit
      {"{\"t\":\"abc", 8 + 9},             // unterminated string: the text's size
      {"{\"t\" 1}", 8 + 5},                // number where ':' belongs
      {"{\"t\":{\"x\":{},}}", 8 + 13},       // '}' where a key belongs
      {"{,}", 8 + 1},                       // ',' where a key belongs
      {"", 8 + 0},                          // nothing at all: the text's size
      {"   ", 8 + 3},                       // only whitespace
      {"{\"t\":nul", 8 + 8},               // literal cut by the end: the text's size
      {"{\"t\":\x7f}", 8 + 5},             // DEL starts no token
  };
  for (const SyntaxCase& c : cases) {
    auto r = parse_safetensors(as_bytes(st_file(c.header)));
    ASSERT_FALSE(r.ok()) << c.header;
    EXPECT_EQ(r.error().code, Errc::header_json) << c.header << ": " << r.error().to_string();
    ASSERT_TRUE(r.error().offset.has_value()) << c.header;
    EXPECT_EQ(*r.error().offset, c.offset) << c.header << ": " << r.error().to_string();
  }
}

// Schema errors on an entry point at the entry's key (the old reader found
// the key by searching the text for it; the new one knows where it was).
TEST(HeaderSyntax, EntryErrorsPointAtTheKey) {
  auto r = parse_safetensors(as_bytes(st_file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                                              " \"b\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[1,2]}}",
                                              "xy")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::dtype_unknown);
  EXPECT_EQ(r.error().tensor, "b");
  EXPECT_EQ(*r.error().offset, 8u + 54u);  // "b" starts at byte 54 of the header
}

TEST(JsonEvents, NumbersAreTypedAsNlohmannTypedThem) {
  struct Kinds final : JsonEvents {
    std::string log;
    bool null() override { return log += "n", true; }
    bool boolean(bool) override { return log += "b", true; }
    bool number_unsigned(std::uint64_t v) override { return log += "u" + std::to_string(v), true; }
    bool number_integer(std::int64_t v) override { return log += "i" + std::to_string(v), true; }
    bool number_float(double) override { return log += "f", true; }
    bool string(std::string_view s) override { return log += "s" + std::string(s), true; }
    bool key(std::string_view k, std::size_t at, bool esc) override {
      return log += "k" + std::string(k) + "@" + std::to_string(at) + (esc ? "e" : ""), true;
    }
    bool start_object() override { return log += "{", true; }
    bool end_object() override { return log += "}", true; }
    bool start_array() override { return log += "[", true; }
    bool end_array() override { return log += "]", true; }
  } k;
  JsonSyntaxError err;
  ASSERT_EQ(parse_json_events("[0,18446744073709551615,18446744073709551616,-0,-9223372036854775808,"
                              "-9223372036854775809,1.5,2e3,true,null,\"a\\u00e9\\n\",{\"k\\\"\":{}}]",
                              k, err),
            JsonParseEnd::Complete)
      << err.message;
  EXPECT_EQ(k.log, "[u0u18446744073709551615fi0i-9223372036854775808fffbnsa\xc3\xa9\n{kk\"@121e{}}]");
}

// The old and the new reader on one file: same verdict, same error, same table.
void expect_same(const std::string& bytes, const std::string& what) {
  for (bool lenient : {false, true}) {
    ParseOptions opts{.allow_unknown_dtypes = lenient};
    auto a = test::legacy_parse_safetensors(as_bytes(bytes), opts);
    auto b = parse_safetensors(as_bytes(bytes), opts);
    ASSERT_EQ(a.ok(), b.ok()) << what << (a.ok() ? " new: " + b.error().to_string() : " old: " + a.error().to_string());
    if (!a.ok()) {
      EXPECT_EQ(error_id(a.error().code), error_id(b.error().code)) << what << "\n old: " << a.error().to_string()
                                                                    << "\n new: " << b.error().to_string();
      EXPECT_EQ(a.error().tensor, b.error().tensor) << what;
      // One deliberate difference: the old reader searched the text for an
      // entry's key and fell back to the header's start (byte 8) when it
      // could not (an empty or escaped name); the new one knows the key's
      // position.
      const bool old_missed_key = a.error().offset == 8u && b.error().offset.has_value() &&
                                  *b.error().offset > 8u && *b.error().offset < bytes.size() &&
                                  bytes[*b.error().offset] == '"';
      if (!old_missed_key)
        EXPECT_EQ(a.error().offset, b.error().offset) << what << "\n old: " << a.error().to_string()
                                                      << "\n new: " << b.error().to_string();
      continue;
    }
    ASSERT_EQ(a->tensors.size(), b->tensors.size()) << what;
    for (std::size_t i = 0; i < a->tensors.size(); ++i) {
      EXPECT_EQ(a->tensors[i].name, b->tensors[i].name) << what;
      EXPECT_EQ(a->tensors[i].dtype_name, b->tensors[i].dtype_name) << what;
      EXPECT_EQ(a->tensors[i].shape, b->tensors[i].shape) << what;
      EXPECT_EQ(a->tensors[i].begin, b->tensors[i].begin) << what;
      EXPECT_EQ(a->tensors[i].end, b->tensors[i].end) << what;
    }
    EXPECT_EQ(a->metadata, b->metadata) << what;
    EXPECT_EQ(a->has_metadata, b->has_metadata) << what;
    EXPECT_EQ(a->warnings.size(), b->warnings.size()) << what;
  }
}

std::vector<std::pair<std::string, std::string>> seed_files() {
  std::vector<std::pair<std::string, std::string>> seeds;
  for (const auto& f : test::malformed_files()) seeds.emplace_back(f.id, f.bytes);
  for (const auto& f : test::edge_files()) seeds.emplace_back(f.id, f.bytes);
  seeds.emplace_back("realistic",
                     st_file("{\"__metadata__\":{\"format\":\"pt\",\"x\":\"y\"},"
                             "\"model.w\":{\"dtype\":\"I8\",\"shape\":[2,2],\"data_offsets\":[0,4]},"
                             "\"model.s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                             "abcdefgh"));
  return seeds;
}

TEST(HeaderParserDiff, ConformanceFilesGiveTheSameResult) {
  for (const auto& [id, bytes] : seed_files()) expect_same(bytes, id);
}

// Every byte of each header replaced by each of a set of JSON-significant
// bytes, and each header cut at every length (the length prefix follows).
TEST(HeaderParserDiff, MutationsGiveTheSameResult) {
  const std::string subst[] = {"{", "}", "[", "]", ":", ",", "\"", "\\", "0", "1", "-", ".", "e", "+",
                               "x", "t", "n", " ", "\t", "\x01", "u"};
  std::size_t n = 0;
  for (const auto& [id, bytes] : seed_files()) {
    if (bytes.size() < 8) continue;
    std::uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(bytes[i]);
    if (len > bytes.size() - 8 || len > 400) continue;
    const std::string header = bytes.substr(8, len), data = bytes.substr(8 + len);
    for (std::size_t pos = 0; pos < header.size(); ++pos) {
      for (const std::string& c : subst) {
        std::string h = header;
        h.replace(pos, 1, c);
        expect_same(st_file(h, data), id + " byte " + std::to_string(pos) + " -> '" + c + "'");
        ++n;
      }
      expect_same(st_file(header.substr(0, pos), data), id + " cut at " + std::to_string(pos));
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(n, 10000u);
}

// Repeated names are found after the parse, from the name order, not by
// hashing each key as it arrives. The verdict must stay the one a check at
// the key gives: the name whose second occurrence comes first in the text,
// even when an error follows it, and even inside that entry. Expected
// names worked out by hand from the texts; the old reader must agree.
TEST(HeaderSyntax, RepeatedKeyIsTheFirstRepeatInTextOrder) {
  auto entry = [](int b) {
    return "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[" + std::to_string(b) + "," + std::to_string(b + 1) +
           "]}";
  };
  struct Case {
    std::string header;
    const char* repeated;
  };
  const Case cases[] = {
      // 'a' repeats at the third key, 'b' at the fourth: 'a', though 'b' came first.
      {"{\"b\":" + entry(0) + ",\"a\":" + entry(1) + ",\"a\":" + entry(2) + ",\"b\":" + entry(3) + "}", "a"},
      // in name order the other way round
      {"{\"b\":" + entry(0) + ",\"b\":" + entry(1) + ",\"a\":" + entry(2) + ",\"a\":" + entry(3) + "}", "b"},
      // three times: reported once, at its second occurrence
      {"{\"c\":" + entry(0) + ",\"c\":" + entry(1) + ",\"c\":" + entry(2) + "}", "c"},
      // a syntax error after the repeat
      {"{\"x\":" + entry(0) + ",\"x\":" + entry(1) + ",\"y\":tru}", "x"},
      // the repeated entry itself is broken (unknown dtype, missing field)
      {"{\"x\":" + entry(0) + ",\"x\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[1,2]}}", "x"},
      {"{\"x\":" + entry(0) + ",\"x\":{\"dtype\":\"U8\"}}", "x"},
      // cut off inside the repeated entry
      {"{\"x\":" + entry(0) + ",\"x\":{\"dtype\":\"U8\",\"sha", "x"},
      // a repeated __metadata__ after a repeated tensor name
      {"{\"__metadata__\":null,\"x\":" + entry(0) + ",\"x\":" + entry(1) + ",\"__metadata__\":null}", "x"},
      {"{\"__metadata__\":null,\"__metadata__\":null,\"x\":" + entry(0) + ",\"x\":" + entry(1) + "}", "__metadata__"},
      // offsets out of order (the table is re-sorted) and a gap after the repeat
      {"{\"x\":" + entry(1) + ",\"y\":" + entry(0) + ",\"x\":" + entry(5) + "}", "x"},
  };
  for (const Case& c : cases) {
    const std::string bytes = st_file(c.header, "xxxxxx");
    auto r = parse_safetensors(as_bytes(bytes));
    ASSERT_FALSE(r.ok()) << c.header;
    EXPECT_EQ(r.error().code, Errc::duplicate_key) << c.header << ": " << r.error().to_string();
    EXPECT_NE(r.error().detail.find(std::string("key '") + c.repeated + "' appears more than once"), std::string::npos)
        << c.header << ": " << r.error().to_string();
    EXPECT_EQ(r.error().offset, std::optional<std::uint64_t>(8)) << c.header;
    expect_same(bytes, c.header);
  }
  // Equal names are not confused with a shared prefix.
  auto ok = parse_safetensors(as_bytes(st_file("{\"a\":" + entry(0) + ",\"a.b\":" + entry(1) + ",\"ab\":" + entry(2) + "}", "xxx")));
  EXPECT_TRUE(ok.ok()) << ok.error().to_string();
}

}  // namespace
}  // namespace qkit
