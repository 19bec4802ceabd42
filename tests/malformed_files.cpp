//===- tests/malformed_files.cpp - the table of broken files -------------===//
#include "tests/malformed_files.h"

#include "tests/test_util.h"

namespace qkit::test {
namespace {

// {"t": F32 [2] at [0,8]} with the given overrides spliced in.
std::string entry(const std::string& dtype = "\"F32\"", const std::string& shape = "[2]",
                  const std::string& offsets = "[0,8]") {
  return "{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
}
std::string one(const std::string& e) { return "{\"t\":" + e + "}"; }
const std::string k8(8, '\x01');  // 8 data bytes

}  // namespace

std::vector<MalformedFile> malformed_files() {
  using E = Errc;
  std::vector<MalformedFile> v;
  auto add = [&](std::string id, std::string what, std::string bytes, Errc e, std::string ref,
                 std::string tensor = "", std::optional<std::uint64_t> off = std::nullopt) {
    v.push_back({std::move(id), std::move(what), std::move(bytes), e, std::move(ref), std::move(tensor), off});
  };
  const std::string ok_header = one(entry());

  // R1-R3: the length prefix.
  add("empty_file", "zero-byte file", "", E::header_too_small, "HeaderTooSmall", "", 0);
  add("seven_bytes", "file shorter than the length prefix", std::string(7, '\0'), E::header_too_small,
      "HeaderTooSmall", "", 0);
  add("header_len_over_limit", "N = 100,000,001", le64(100'000'001) + "{}", E::header_too_large, "HeaderTooLarge",
      "", 0);
  add("header_len_u64_max", "N = 2^64-1", le64(~0ull) + "{}", E::header_too_large, "HeaderTooLarge", "", 0);
  add("header_len_past_eof", "N larger than the rest of the file", st_file("{}", "", 100), E::invalid_header_length,
      "InvalidHeaderLength", "", 0);
  add("pickle_file", "a PyTorch zip/pickle file given as safetensors", std::string("PK\x03\x04\x14\x00\x00\x00\x08\x00", 10),
      E::header_too_large, "HeaderTooLarge", "", 0);

  // R4 and the nlohmann guards.
  add("header_invalid_utf8", "0xFF byte in the header", st_file("{\"\xff\":1}"), E::header_not_utf8,
      "InvalidHeader(Utf8Error)", "", 10);
  add("header_overlong_utf8", "overlong encoding of '/'", st_file("{\"\xc0\xaf\":1}"), E::header_not_utf8,
      "InvalidHeader(Utf8Error)", "", 10);
  add("header_surrogate_utf8", "UTF-8-encoded surrogate", st_file("{\"\xed\xa0\x80\":1}"), E::header_not_utf8,
      "InvalidHeader(Utf8Error)", "", 10);
  add("header_truncated_utf8", "multi-byte sequence cut by the header end", st_file("{}  \xe2\x82"),
      E::header_not_utf8, "InvalidHeader(Utf8Error)", "", 12);
  add("header_bom", "UTF-8 BOM before the object", st_file("\xEF\xBB\xBF{}  "), E::header_bom,
      "InvalidHeaderDeserialization", "", 8);
  add("header_nul_padding", "NUL bytes padding the header", st_file(std::string("{}\0\0\0\0\0\0", 8)), E::header_nul,
      "InvalidHeaderDeserialization", "", 10);

  // R5: JSON syntax.
  add("header_not_json", "header is plain text", st_file("hello!!!"), E::header_json, "InvalidHeaderDeserialization");
  add("header_truncated_json", "JSON cut in the middle", st_file("{\"t\":{\"dtype\""), E::header_json,
      "InvalidHeaderDeserialization");
  add("header_trailing_garbage", "non-whitespace after the object", st_file("{} x"), E::header_json,
      "InvalidHeaderDeserialization");
  add("header_two_objects", "two JSON objects back to back", st_file("{}{}"), E::header_json,
      "InvalidHeaderDeserialization");
  add("header_raw_control_char", "unescaped tab inside a tensor name", st_file("{\"a\tb\":" + entry() + "}", k8),
      E::header_json, "InvalidHeaderDeserialization");
  add("header_single_quotes", "JSON5-style single quotes", st_file("{'t':1}"), E::header_json,
      "InvalidHeaderDeserialization");
  add("header_too_deep", "an ignored field nested 200 levels deep",
      st_file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":" + std::string(200, '[') +
                  std::string(200, ']') + "}}",
              k8),
      E::header_json, "InvalidHeaderDeserialization");

  // R5: schema.
  add("header_array", "top-level JSON array", st_file("[]"), E::header_not_object, "InvalidHeaderDeserialization");
  add("header_number", "top-level JSON number", st_file("42"), E::header_not_object, "InvalidHeaderDeserialization");
  add("metadata_nested", "__metadata__ value is an object", st_file("{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}"),
      E::metadata_invalid, "InvalidHeaderDeserialization");
  add("metadata_number_value", "__metadata__ value is a number", st_file("{\"__metadata__\":{\"a\":1}}"),
      E::metadata_invalid, "InvalidHeaderDeserialization");
  add("metadata_null_value", "__metadata__ value is null", st_file("{\"__metadata__\":{\"a\":null}}"),
      E::metadata_invalid, "InvalidHeaderDeserialization");
  add("metadata_array", "__metadata__ is an array", st_file("{\"__metadata__\":[\"a\"]}"), E::metadata_invalid,
      "InvalidHeaderDeserialization");
  add("metadata_string", "__metadata__ is a string", st_file("{\"__metadata__\":\"pt\"}"), E::metadata_invalid,
      "InvalidHeaderDeserialization");
  add("metadata_as_tensor", "a tensor entry under the name __metadata__",
      st_file("{\"__metadata__\":" + entry() + "}", k8), E::metadata_invalid, "InvalidHeaderDeserialization");
  add("entry_string", "tensor entry is a string", st_file("{\"t\":\"F32\"}"), E::entry_invalid,
      "InvalidHeaderDeserialization", "t");
  add("entry_null", "tensor entry is null", st_file("{\"t\":null}"), E::entry_invalid, "InvalidHeaderDeserialization",
      "t");
  add("entry_array", "tensor entry is an array", st_file("{\"t\":[0,8]}"), E::entry_invalid,
      "InvalidHeaderDeserialization", "t");
  add("missing_dtype", "entry without dtype", st_file(one("{\"shape\":[2],\"data_offsets\":[0,8]}"), k8),
      E::field_missing, "InvalidHeaderDeserialization", "t", 9);
  add("missing_shape", "entry without shape", st_file(one("{\"dtype\":\"F32\",\"data_offsets\":[0,8]}"), k8),
      E::field_missing, "InvalidHeaderDeserialization", "t");
  add("missing_offsets", "entry without data_offsets", st_file(one("{\"dtype\":\"F32\",\"shape\":[2]}"), k8),
      E::field_missing, "InvalidHeaderDeserialization", "t");
  add("dtype_lowercase", "dtype 'f32' (names are case-sensitive)", st_file(one(entry("\"f32\"")), k8),
      E::dtype_unknown, "InvalidHeaderDeserialization", "t");
  add("dtype_e4m3fn", "dtype 'F8_E4M3FN' (torch's name, not safetensors')", st_file(one(entry("\"F8_E4M3FN\"")), k8),
      E::dtype_unknown, "InvalidHeaderDeserialization", "t");
  add("dtype_int4", "dtype 'INT4' (there is no int4 dtype)", st_file(one(entry("\"INT4\"")), k8), E::dtype_unknown,
      "InvalidHeaderDeserialization", "t");
  add("dtype_number", "dtype given as a number", st_file(one(entry("7")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");
  add("shape_negative", "shape [-1]", st_file(one(entry("\"F32\"", "[-1]")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t", 9);
  add("shape_minus_zero", "shape [-0]", st_file(one(entry("\"F32\"", "[-0,2]")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");
  add("shape_float", "shape [2.0]", st_file(one(entry("\"F32\"", "[2.0]")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");
  add("shape_exponent", "shape [2e0]", st_file(one(entry("\"F32\"", "[2e0]")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");
  add("shape_above_u64", "shape [2^64]", st_file(one(entry("\"F32\"", "[18446744073709551616]")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");
  add("shape_nested", "shape [[2]]", st_file(one(entry("\"F32\"", "[[2]]")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");
  add("shape_string", "shape \"2\"", st_file(one(entry("\"F32\"", "\"2\"")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");
  add("offsets_three", "data_offsets with 3 elements", st_file(one(entry("\"F32\"", "[2]", "[0,8,8]")), k8),
      E::field_type, "InvalidHeaderDeserialization", "t");
  add("offsets_one", "data_offsets with 1 element", st_file(one(entry("\"F32\"", "[2]", "[8]")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");
  add("offsets_negative", "data_offsets [-8,0]", st_file(one(entry("\"F32\"", "[2]", "[-8,0]")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");
  add("offsets_object", "data_offsets as an object",
      st_file(one(entry("\"F32\"", "[2]", "{\"begin\":0,\"end\":8}")), k8), E::field_type,
      "InvalidHeaderDeserialization", "t");

  // Duplicates: deliberate deviations where upstream accepts or reports later.
  add("duplicate_identical", "the same entry twice (upstream keeps the last and accepts)",
      st_file("{\"t\":" + entry() + ",\"t\":" + entry() + "}", k8), E::duplicate_key, "accepted");
  add("duplicate_different", "a name with two different entries",
      st_file("{\"t\":" + entry() + ",\"u\":" + entry("\"F32\"", "[2]", "[8,16]") + ",\"t\":" +
                  entry("\"F32\"", "[2]", "[16,24]") + "}",
              k8 + k8 + k8),
      E::duplicate_key, "InvalidOffset");
  add("duplicate_metadata", "two __metadata__ keys", st_file("{\"__metadata__\":{},\"__metadata__\":{}}"),
      E::duplicate_key, "InvalidHeaderDeserialization");
  add("duplicate_field", "dtype twice in one entry",
      st_file(one("{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), k8),
      E::duplicate_key, "InvalidHeaderDeserialization", "t");

  // R8: contiguity.
  add("offset_gap_at_start", "first tensor starts at 4", st_file(one(entry("\"F32\"", "[1]", "[4,8]")), k8),
      E::invalid_offset, "InvalidOffset", "t");
  add("offset_gap_between", "4 unused bytes between two tensors",
      st_file("{\"a\":" + entry("\"F32\"", "[1]", "[0,4]") + ",\"b\":" + entry("\"F32\"", "[1]", "[8,12]") + "}",
              k8 + "abcd"),
      E::invalid_offset, "InvalidOffset", "b");
  add("offset_overlap", "second tensor overlaps the first",
      st_file("{\"a\":" + entry("\"F32\"", "[2]", "[0,8]") + ",\"b\":" + entry("\"F32\"", "[2]", "[4,12]") + "}",
              k8 + "abcd"),
      E::invalid_offset, "InvalidOffset", "b");
  add("offset_alias", "two names on the same bytes",
      st_file("{\"a\":" + entry() + ",\"b\":" + entry() + "}", k8), E::invalid_offset, "InvalidOffset");
  add("offset_reversed", "end before begin",
      st_file("{\"a\":" + entry("\"F32\"", "[1]", "[0,4]") + ",\"b\":" + entry("\"F32\"", "[0]", "[4,0]") + "}",
              "abcd"),
      E::invalid_offset, "InvalidOffset", "b");

  // R9-R11: sizes.
  add("shape_overflow_elements", "shape [2, 2^63] overflows the element count",
      st_file(one(entry("\"F32\"", "[2,9223372036854775808]")), k8), E::validation_overflow, "ValidationOverflow",
      "t");
  add("shape_overflow_bits", "2^62 elements x 32 bits overflows",
      st_file(one(entry("\"F32\"", "[4611686018427387904]")), k8), E::validation_overflow, "ValidationOverflow", "t");
  add("f4_odd_count", "3 F4 elements are 12 bits", st_file(one(entry("\"F4\"", "[3]", "[0,2]")), "ab"),
      E::misaligned_slice, "MisalignedSlice", "t");
  add("f6_single", "1 F6_E2M3 element is 6 bits", st_file(one(entry("\"F6_E2M3\"", "[1]", "[0,1]")), "a"),
      E::misaligned_slice, "MisalignedSlice", "t");
  add("size_too_small", "F32 [2] in 4 bytes", st_file(one(entry("\"F32\"", "[2]", "[0,4]")), "abcd"),
      E::tensor_invalid_info, "TensorInvalidInfo", "t");
  add("size_too_large", "F16 [2] in 8 bytes", st_file(one(entry("\"F16\"", "[2]", "[0,8]")), k8),
      E::tensor_invalid_info, "TensorInvalidInfo", "t");
  add("size_f4_packed_shape", "F4 shape counted in packed pairs (torch float4_e2m1fn_x2)",
      st_file(one(entry("\"F4\"", "[4]", "[0,4]")), "abcd"), E::tensor_invalid_info, "TensorInvalidInfo", "t");

  // R12: the data section.
  add("trailing_bytes", "4 bytes after the last tensor", st_file(ok_header, k8 + "tail"), E::incomplete_buffer,
      "MetadataIncompleteBuffer", "", 8 + ok_header.size() + 8);
  add("polyglot_zip_tail", "a zip archive appended to a valid file", st_file(ok_header, k8 + "PK\x05\x06" + std::string(18, '\0')),
      E::incomplete_buffer, "MetadataIncompleteBuffer");
  add("truncated_data", "2 data bytes missing", st_file(ok_header, k8.substr(0, 6)), E::incomplete_buffer,
      "MetadataIncompleteBuffer");
  add("no_data_section", "header only, tensors declared", st_file(ok_header), E::incomplete_buffer,
      "MetadataIncompleteBuffer");
  add("offsets_far_past_eof", "data_offsets point far beyond the file",
      st_file(one(entry("\"U8\"", "[1000000000000]", "[0,1000000000000]")), k8), E::incomplete_buffer,
      "MetadataIncompleteBuffer");
  return v;
}

std::vector<EdgeFile> edge_files() {
  std::vector<EdgeFile> v;
  auto pad = [](std::string h) {
    h.append((8 - h.size() % 8) % 8, ' ');
    return h;
  };
  v.push_back({"empty_header", "{} padded to 8", st_file(pad("{}")), 0});
  v.push_back({"metadata_only", "__metadata__ and no tensors", st_file("{\"__metadata__\":{\"format\":\"pt\"}}"), 0});
  v.push_back({"metadata_null", "__metadata__: null", st_file("{\"__metadata__\":null}"), 0});
  v.push_back({"metadata_empty", "__metadata__: {}", st_file("{\"__metadata__\":{}}"), 0});
  v.push_back({"rank0", "rank-0 tensor",
               st_file("{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", "abcd"), 1});
  v.push_back({"zero_sized_same_offset", "three empty tensors at [0,0]",
               st_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,0],\"data_offsets\":[0,0]},"
                       "\"b\":{\"dtype\":\"I8\",\"shape\":[0],\"data_offsets\":[0,0]},"
                       "\"c\":{\"dtype\":\"BF16\",\"shape\":[0,5],\"data_offsets\":[0,0]}}"),
               3});
  v.push_back({"zero_sized_middle", "an empty tensor between two others",
               st_file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                       "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[2,2]},"
                       "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}",
                       "abcd"),
               3});
  v.push_back({"json_order_free", "entries listed out of data order",
               st_file("{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]},"
                       "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}",
                       "abcd"),
               2});
  v.push_back({"unknown_field_ignored", "extra field in an entry",
               st_file("{\"t\":{\"dtype\":\"U8\",\"quant\":{\"x\":[1,2]},\"shape\":[1],\"data_offsets\":[0,1]}}", "a"),
               1});
  v.push_back({"leading_whitespace", "whitespace before the object", st_file(" \t\r\n{}"), 0});
  v.push_back({"trailing_whitespace", "whitespace after the object", st_file("{}\n\t\r "), 0});
  v.push_back({"odd_header_length", "header length not a multiple of 8", st_file("{ }"), 0});
  v.push_back({"escaped_nul_name", "tensor name containing an escaped \\u0000",
               st_file("{\"a\\u0000b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "a"), 1});
  v.push_back({"empty_name", "tensor with an empty name",
               st_file("{\"\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "a"), 1});
  v.push_back({"f4_even", "F4 [2,2] is 2 bytes",
               st_file("{\"f\":{\"dtype\":\"F4\",\"shape\":[2,2],\"data_offsets\":[0,2]}}", "ab"), 1});
  v.push_back({"f6_four", "F6_E3M2 [4] is 3 bytes",
               st_file("{\"f\":{\"dtype\":\"F6_E3M2\",\"shape\":[4],\"data_offsets\":[0,3]}}", "abc"), 1});
  v.push_back({"huge_empty_dim", "shape [0, 2^63] has zero elements",
               st_file("{\"z\":{\"dtype\":\"F64\",\"shape\":[0,9223372036854775808],\"data_offsets\":[0,0]}}"), 1});
  v.push_back({"unicode_name", "non-ASCII tensor name",
               st_file("{\"权重.weight\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "a"), 1});
  return v;
}

}  // namespace qkit::test
