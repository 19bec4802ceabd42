//===- tests/description_test.cpp - description files and config.json ---===//
#include <gtest/gtest.h>

#include "formats/description.h"
#include "formats/layout_table.h"
#include "formats/model_config.h"
#include "formats/strict_json.h"
#include "tests/test_util.h"

namespace qkit {
namespace {

// Texts as Python's json.dump writes them (checked by hand against its
// documented formatting: item separator ",", key separator ": ", no
// trailing newline, ensure_ascii escapes as lowercase \uXXXX).
const std::string kV1 =
    "{\n"
    "    \"model.embed_tokens.weight\": \"FLOAT\",\n"
    "    \"model.layers.0.self_attn.q_proj.weight\": \"W8A8\",\n"
    "    \"model.layers.0.self_attn.q_proj.bias\": \"FLOAT\",\n"
    "    \"version\": \"1.0.0\",\n"
    "    \"model_quant_type\": \"W8A8\",\n"
    "    \"metadata\": {},\n"
    "    \"group_size\": 0,\n"
    "    \"optional\": {}\n"
    "}";

const std::string kV0 =
    "{\n"
    "  \"version\": \"1.0.0\",\n"
    "  \"model_quant_type\": \"W8A8\",\n"
    "  \"kv_cache_type\": \"C8\",\n"
    "  \"kv_quant_type\": \"C8\",\n"
    "  \"fa_quant_type\": \"FAQuant\",\n"
    "  \"model.layers.0.self_attn.fa_q.scale\": \"FAQuant\",\n"
    "  \"model.layers.0.self_attn.k_proj.kv_cache_scale\": \"C8\"\n"
    "}";

const std::string kScript =
    "{\n"
    "    \"model.layers.0.mlp.down_proj.weight\": \"W8A8_DYNAMIC\",\n"
    "    \"model_quant_type\": \"W8A8_DYNAMIC\",\n"
    "    \"group_size\": -1,\n"
    "    \"kv_quant_type\": null,\n"
    "    \"fa_quant_type\": null,\n"
    "    \"w_bit\": 8,\n"
    "    \"dev_type\": \"npu\",\n"
    "    \"fraction\": 0.01,\n"
    "    \"is_dynamic\": true,\n"
    "    \"model.layers.0.self_attn.quant_type\": \"QK_INT8_DYNAMIC\"\n"
    "}";

TEST(MsDescription, V1FileRoundTripsByteForByte) {
  auto d = parse_ms_description(kV1, "quant_model_description.json");
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->style, (JsonStyle{4, true, false}));
  EXPECT_EQ(d->model_quant_type, "W8A8");
  EXPECT_EQ(d->version, "1.0.0");
  EXPECT_EQ(d->group_size, 0);
  EXPECT_TRUE(d->has_metadata);
  EXPECT_TRUE(d->has_optional);
  EXPECT_EQ(d->tensor_types.size(), 3u);
  EXPECT_EQ(d->tensor_types.at("model.layers.0.self_attn.q_proj.bias"), "FLOAT");
  EXPECT_TRUE(d->warnings.empty());
  EXPECT_EQ(serialize_json(d->doc, d->style), kV1);
}

TEST(MsDescription, V0FileWithKvAndFaKeys) {
  auto d = parse_ms_description(kV0, "quant_model_description_w8a8.json");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->style.indent, 2);
  EXPECT_EQ(d->kv_cache_type, "C8");
  EXPECT_EQ(d->kv_quant_type, "C8");
  EXPECT_EQ(d->fa_quant_type, "FAQuant");
  EXPECT_FALSE(d->has_metadata);
  EXPECT_EQ(d->tensor_types.size(), 2u);
  EXPECT_EQ(serialize_json(d->doc, d->style), kV0);
}

TEST(MsDescription, ScriptAddedKeysAreToleratedAndKept) {
  auto d = parse_ms_description(kScript, "quant_model_description.json");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->warnings.empty());
  EXPECT_EQ(d->group_size, -1);
  EXPECT_TRUE(d->kv_quant_type_null);
  EXPECT_TRUE(d->fa_quant_type_null);
  EXPECT_EQ(d->extra_keys, (std::vector<std::string>{"w_bit", "dev_type", "fraction", "is_dynamic"}));
  EXPECT_EQ(d->layer_quant_types.at("model.layers.0.self_attn.quant_type"), "QK_INT8_DYNAMIC");
  EXPECT_EQ(d->tensor_types.size(), 1u);
  EXPECT_EQ(serialize_json(d->doc, d->style), kScript);
}

TEST(MsDescription, WrongTypesAreWarningsNotFailures) {
  auto d = parse_ms_description(
      R"({"model_quant_type": 8, "group_size": "32", "metadata": [], "a.weight": 1, "is_rot_used": "yes"})", "d");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->warnings.size(), 5u);
  EXPECT_FALSE(d->model_quant_type);
  EXPECT_FALSE(d->group_size);
  EXPECT_TRUE(d->tensor_types.empty());
  EXPECT_EQ(d->style.indent, 0);
}

TEST(MsDescription, UnreadableFilesAreErrors) {
  EXPECT_EQ(parse_ms_description("{\"a.weight\": \"W8A8\",}", "d").error().code, Errc::json_syntax);
  EXPECT_EQ(parse_ms_description("{\"a.weight\": \"W8A8\", \"a.weight\": \"FLOAT\"}", "d").error().code,
            Errc::duplicate_key);
  std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_EQ(parse_ms_description(deep, "d").error().code, Errc::json_too_deep);
  EXPECT_EQ(parse_ms_description("[]", "d")->warnings.size(), 1u);
}

TEST(GsDescription, FlatMapNonAsciiRoundTrip) {
  const std::string text =
      "{\n"
      "    \"model.layers.0.self_attn.q_proj.weight\": \"W8A8\",\n"
      "    \"model.layers.0.self_attn.q_proj.smooth_scale\": \"W8A8\",\n"
      "    \"模型.norm.weight\": \"FLOAT\"\n"
      "}";
  auto d = parse_gs_description(text, "quantization_description.json");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->style, (JsonStyle{4, false, false}));
  EXPECT_EQ(d->tensor_types.size(), 3u);
  EXPECT_EQ(serialize_json(d->doc, d->style), text);
  // The same document with Python's default ensure_ascii=True.
  const std::string escaped =
      "{\n    \"a.weight\": \"W8A8\",\n    \"\\u6a21\\u578b.norm.weight\": \"FLOAT\"\n}";
  auto e = parse_gs_description(escaped, "q");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->style.ensure_ascii);
  EXPECT_EQ(e->tensor_types.count("模型.norm.weight"), 1u);
  EXPECT_EQ(serialize_json(e->doc, e->style), escaped);
}

TEST(JsonStyle, CompactPythonSeparators) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(R"({"a":"x:y,z","b":[1,2]})");
  EXPECT_EQ(serialize_json(j, JsonStyle{0, true, false}), R"({"a": "x:y,z", "b": [1, 2]})");
}

TEST(DescriptionWriter, AtomicAndStable) {
  test::TempDir dir;
  auto d = parse_ms_description(kV1, "x");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(write_description(dir / "quant_model_description.json", d->doc, d->style).ok());
  EXPECT_EQ(test::read_file(dir / "quant_model_description.json"), kV1);
  auto again = read_ms_description(dir / "quant_model_description.json");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->tensor_types, d->tensor_types);
}

TEST(DescriptionNames, Recognised) {
  EXPECT_TRUE(is_ms_description_name("quant_model_description.json"));
  EXPECT_TRUE(is_ms_description_name("quant_model_description_w8a8_dynamic.json"));
  EXPECT_FALSE(is_ms_description_name("quant_model_description_.json"));
  EXPECT_FALSE(is_ms_description_name("quantization_description.json"));
  EXPECT_EQ(ms_description_type_suffix("quant_model_description_w8a8sc.json"), "w8a8sc");
  EXPECT_EQ(ms_description_type_suffix("quant_model_description.json"), "");
}

TEST(ModelConfig, TopLevelThenTextConfig) {
  auto j = parse_json_strict(R"({
    "model_type": "qwen2_5_vl", "architectures": ["Qwen2_5_VLForConditionalGeneration"],
    "torch_dtype": "bfloat16", "vocab_size": 151936,
    "text_config": {"hidden_size": 2048, "num_attention_heads": 16, "num_key_value_heads": 2,
                    "num_hidden_layers": 36, "vocab_size": 1, "tie_word_embeddings": true}
  })", "config.json");
  ASSERT_TRUE(j.ok());
  ModelConfig c = parse_model_config(*j, "config.json");
  EXPECT_EQ(c.dtype, Dtype::BF16);
  EXPECT_EQ(c.hidden_size, 2048u);
  EXPECT_EQ(c.vocab_size, 151936u) << "top level wins";
  EXPECT_EQ(c.kv_heads(), 2u);
  EXPECT_EQ(c.resolved_head_dim(), 128u);
  EXPECT_EQ(c.tie_word_embeddings, true);
  EXPECT_TRUE(c.from_text_config);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ModelConfig, DtypeKeyAndQuantizationKeys) {
  auto j = parse_json_strict(R"({"dtype": "float16", "torch_dtype": "bfloat16", "num_attention_heads": 8,
    "hidden_size": 512, "head_dim": 128, "quantize": "w8a8",
    "quantization_config": {"quant_method": "compressed-tensors", "group_size": 128}})", "c");
  ASSERT_TRUE(j.ok());
  ModelConfig c = parse_model_config(*j, "c");
  EXPECT_EQ(c.dtype, Dtype::F16) << "transformers >= 4.56 'dtype' wins over torch_dtype";
  EXPECT_EQ(c.kv_heads(), 8u) << "no num_key_value_heads: MHA";
  EXPECT_EQ(c.resolved_head_dim(), 128u) << "explicit head_dim wins";
  EXPECT_EQ(c.quantize, "w8a8");
  EXPECT_TRUE(c.has_quantization_config);
  EXPECT_EQ(c.quant_method, "compressed-tensors");
}

TEST(ModelConfig, BadTypesAreWarnings) {
  auto j = parse_json_strict(R"({"hidden_size": "64", "torch_dtype": "int8", "num_hidden_layers": -2})", "c");
  ASSERT_TRUE(j.ok());
  ModelConfig c = parse_model_config(*j, "c");
  EXPECT_EQ(c.warnings.size(), 3u);
  EXPECT_FALSE(c.hidden_size);
  EXPECT_FALSE(c.dtype);
  EXPECT_EQ(dtype_from_torch_name("torch.float16"), Dtype::F16);
}

// build_description appends members through a hash index instead of
// ordered_json's operator[]; what operator[] did must stay: key order as
// the layout lists it, and a key set twice keeps its first position with
// the last value (a tensor named like a top-level key).
TEST(BuildDescription, SameDocumentAsOperatorIndex) {
  using ojson = nlohmann::ordered_json;
  const std::vector<std::pair<std::string, std::string>> tags = {
      {"b.weight", "W8A8"}, {"a.weight", "FLOAT"}, {"version", "FLOAT"}, {"b.weight", "W8A8_DYNAMIC"}, {"c", "FLOAT"}};
  ojson kvfa = ojson::object();
  kvfa["kv_cache_type"] = "C8";
  kvfa["c"] = "X";
  for (const LayoutRow& row : all_layouts()) {
    if (row.description_keys.empty()) continue;
    for (std::uint64_t gs : {0ull, 128ull}) {
      // The reference: the former implementation, key by key with operator[].
      ojson want = ojson::object();
      std::string_view keys = row.description_keys;
      while (!keys.empty()) {
        const std::size_t comma = keys.find(',');
        const std::string_view key = keys.substr(0, comma);
        keys = comma == std::string_view::npos ? std::string_view() : keys.substr(comma + 1);
        if (key == "tensors") {
          for (const auto& [name, tag] : tags) want[name] = tag;
        } else if (key == "kvfa") {
          for (const auto& [k, v] : kvfa.items()) want[k] = v;
        } else if (key == "version") {
          want["version"] = "1.0.0";
        } else if (key == "model_quant_type") {
          want["model_quant_type"] = "W8A8";
        } else if (key == "metadata" || key == "optional") {
          want[std::string(key)] = ojson::object();
        } else if (key == "group_size" || (key == "group_size?" && gs > 0)) {
          want["group_size"] = gs;
        }
      }
      const ojson got = build_description(row, tags, "W8A8", gs, kvfa);
      EXPECT_EQ(got.dump(), want.dump()) << row.id << " group_size " << gs;
    }
  }
}

// Duplicate keys are found through a hash per key (formats/strict_json.cpp):
// many distinct keys, including ones that differ in one character, parse;
// a repeat anywhere, in any object, is named.
TEST(StrictJson, DuplicatesFoundAmongManyKeys) {
  std::string text = "{";
  for (int i = 0; i < 50000; ++i) text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":{\"a\":1,\"b\":2}";
  auto ok = parse_json_strict(text + "}", "x.json");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->size(), 50000u);
  auto dup = parse_json_strict(text + ",\"k31337\":0}", "x.json");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::duplicate_key);
  EXPECT_NE(dup.error().to_string().find("k31337"), std::string::npos) << dup.error().to_string();
  auto inner = parse_json_strict("{\"a\":{\"x\":1,\"y\":{\"x\":2},\"x\":3}}", "x.json");
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, Errc::duplicate_key);
  // The same key in sibling objects is no duplicate.
  EXPECT_TRUE(parse_json_strict("{\"a\":{\"x\":1},\"b\":{\"x\":1},\"x\":{}}", "x.json").ok());
}

// Keys in byte order are not hashed until the order breaks: a repeat of
// any earlier key is still found then, also when it was written escaped,
// and also in a table the members are handed to.
TEST(StrictJson, DuplicatesFoundAfterKeysInByteOrder) {
  std::string sorted = "{";
  for (int i = 0; i < 5000; ++i) sorted += (i ? ",\"k" : "\"k") + std::to_string(100000 + i) + "\":" + std::to_string(i);
  auto ok = parse_json_strict(sorted + "}", "x.json");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->size(), 5000u);
  for (const char* tail : {",\"k100017\":0}", ",\"k104999\":0}", ",\"a\":0,\"k100000\":0}", ",\"\\u006b100017\":0}"}) {
    auto dup = parse_json_strict(sorted + tail, "x.json");
    ASSERT_FALSE(dup.ok()) << tail;
    EXPECT_EQ(dup.error().code, Errc::duplicate_key) << tail;
    EXPECT_NE(dup.error().to_string().find("appears twice"), std::string::npos) << dup.error().to_string();
  }
  EXPECT_FALSE(parse_json_strict("{\"a\":1,\"b\":2,\"c\":3,\"a\":4}", "x.json").ok());
  EXPECT_FALSE(parse_json_strict("{\"\":1,\"b\":2,\"\":4}", "x.json").ok());
  EXPECT_TRUE(parse_json_strict("{\"\":1,\"b\":2,\"a\":4}", "x.json").ok());
  // Description tags go to the table, the other members to the document.
  for (const char* text : {R"({"a.w":"W8A8","b.w":"W8A8","c.w":"FLOAT","b.w":"W8A8"})",
                           R"({"a.w":"W8A8","b.w":1,"c.w":"FLOAT","b.w":"W8A8"})",
                           R"({"a.w":"W8A8","b.w":"W8A8","c.w":"FLOAT","b.w":2})"}) {
    auto d = parse_ms_description_typed(text, "d.json");
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.error().code, Errc::duplicate_key) << text;
    EXPECT_NE(d.error().to_string().find("key 'b.w' appears twice"), std::string::npos) << d.error().to_string();
  }
  auto fine = parse_ms_description_typed(R"({"a.w":"W8A8","b.w":"W8A8","c.w":"FLOAT","model_quant_type":"W8A8"})", "d.json");
  ASSERT_TRUE(fine.ok()) << fine.error().to_string();
  EXPECT_EQ(fine->tensor_types.size(), 3u);
}

// Side files are read by formats/json_events.cpp: a syntax error is at the
// byte that breaks the text (offsets counted by hand), values keep their
// JSON types.
TEST(StrictJson, SyntaxErrorsAtTheBreakingByte) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"{\"a\": 1,}", 8},      // '}' where a key belongs
      {"[1 2]", 3},             // a number where ',' belongs: its last digit
      {"{\"a\":tru}", 8},      // 'tru' then '}'
      {"{\"a\":\"x\ty\"}", 7},  // raw tab in a string
      {"{\"a\":1", 6},          // the end of the text
  };
  for (const auto& [text, offset] : cases) {
    auto r = parse_json_strict(text, "x.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, Errc::json_syntax) << text;
    EXPECT_EQ(r.error().offset, offset) << text << ": " << r.error().to_string();
  }
  auto ok = parse_json_strict("{\"u\":18446744073709551615,\"i\":-3,\"f\":0.5,\"s\":\"\\u00e9\",\"n\":null}", "x.json");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_TRUE((*ok)["u"].is_number_unsigned());
  EXPECT_EQ((*ok)["u"].get<std::uint64_t>(), 18446744073709551615ull);
  EXPECT_TRUE((*ok)["i"].is_number_integer());
  EXPECT_EQ((*ok)["i"].get<std::int64_t>(), -3);
  EXPECT_TRUE((*ok)["f"].is_number_float());
  EXPECT_EQ((*ok)["s"].get<std::string>(), "\xc3\xa9");
  EXPECT_TRUE((*ok)["n"].is_null());
}

// Checkpoint::open reads descriptions with parse_*_description_typed (tensor
// tags straight into tensor_types, no DOM): every field, warning and error
// must be what the DOM parse gives.
TEST(DescriptionTyped, SameViewAsTheDomParse) {
  const std::vector<std::string> texts = {
      kV1, kV0, kScript,
      R"({"a.weight":"W8A8","a.weight_scale":"W8A8","a.quant_type":"INT8","x.y":1,"w_bit":8,"version":2,"group_size":"x"})",
      R"({"model_quant_type":"W8A8","a.weight":"W8A8","a.weight":"FLOAT"})",
      R"({"a.weight":"W8A8","a.weight":1})",
      R"({"a.weight":1,"a.weight":"W8A8"})",
      R"({"metadata":{"a.weight":"x"},"optional":[],"a.b":{"c.d":"e"}})",
      R"(["a.weight"])", R"("x")", R"({"a.weight":"W8A8",)", "\xEF\xBB\xBF{}", "{}"};
  auto errors_text = [](const std::vector<Error>& es) {
    std::string o;
    for (const Error& e : es) o += e.to_string() + "\n";
    return o;
  };
  for (const std::string& t : texts) {
    auto dom = parse_ms_description(t, "d.json");
    auto typed = parse_ms_description_typed(t, "d.json");
    ASSERT_EQ(dom.ok(), typed.ok()) << t;
    if (!dom.ok()) {
      EXPECT_EQ(dom.error().to_string(), typed.error().to_string()) << t;
    } else {
      EXPECT_TRUE(typed->doc.is_null());
      EXPECT_EQ(dom->tensor_types, typed->tensor_types) << t;
      EXPECT_EQ(dom->layer_quant_types, typed->layer_quant_types) << t;
      EXPECT_EQ(dom->extra_keys, typed->extra_keys) << t;
      EXPECT_EQ(errors_text(dom->warnings), errors_text(typed->warnings)) << t;
      EXPECT_EQ(dom->model_quant_type, typed->model_quant_type) << t;
      EXPECT_EQ(dom->version, typed->version) << t;
      EXPECT_EQ(dom->group_size, typed->group_size) << t;
      EXPECT_EQ(dom->has_metadata, typed->has_metadata) << t;
      EXPECT_EQ(dom->has_optional, typed->has_optional) << t;
      EXPECT_EQ(dom->kv_quant_type_null, typed->kv_quant_type_null) << t;
      EXPECT_EQ(dom->style, typed->style) << t;
    }
    auto gdom = parse_gs_description(t, "q.json");
    auto gtyped = parse_gs_description_typed(t, "q.json");
    ASSERT_EQ(gdom.ok(), gtyped.ok()) << t;
    if (!gdom.ok()) {
      EXPECT_EQ(gdom.error().to_string(), gtyped.error().to_string()) << t;
    } else {
      EXPECT_TRUE(gtyped->doc.is_null());
      EXPECT_EQ(gdom->tensor_types, gtyped->tensor_types) << t;
      EXPECT_EQ(errors_text(gdom->warnings), errors_text(gtyped->warnings)) << t;
      EXPECT_EQ(gdom->style, gtyped->style) << t;
    }
  }
}

}  // namespace
}  // namespace qkit
