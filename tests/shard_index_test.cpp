//===- tests/shard_index_test.cpp - index parsing, checks, sharded writer -===//
#include <gtest/gtest.h>

#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"
#include "formats/shard_index.h"
#include "formats/sharded_writer.h"
#include "tests/test_util.h"

#include <list>

namespace qkit {
namespace {

using test::as_bytes;

TEST(IndexName, PrefixesOfBothFamilies) {
  EXPECT_TRUE(is_index_file_name("model.safetensors.index.json"));
  EXPECT_TRUE(is_index_file_name("quant_model_weights.safetensors.index.json"));
  EXPECT_TRUE(is_index_file_name("quant_model_weight_w8a8.safetensors.index.json"));
  EXPECT_FALSE(is_index_file_name(".safetensors.index.json"));
  EXPECT_FALSE(is_index_file_name("model.safetensors"));
  EXPECT_FALSE(is_index_file_name("model.index.json"));
  EXPECT_EQ(index_prefix("quant_model_weight_w8a8.safetensors.index.json"), "quant_model_weight_w8a8");
}

// The table weight_map and the description tags are kept in: std::map's
// behaviour (byte order, emplace keeps the first, insert_or_assign the
// last), with text it owns.
TEST(FlatStringMap, BehavesLikeASortedMapThatOwnsItsText) {
  std::string k1 = "b.weight", v1 = "s2";
  FlatStringMap m;
  m.append(k1, v1);
  m.append("a.weight", "s1");
  m.append("b.weight", "later");  // a duplicate: sort() keeps the first
  m.append("B", "s1");
  EXPECT_EQ(m.at("a.weight"), "s1");  // found before sort(), by a scan
  m.sort();
  k1.assign("xxxxxxxx");  // the table holds copies
  v1.assign("yy");
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& [k, v] : m) got.emplace_back(k, v);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{{"B", "s1"}, {"a.weight", "s1"}, {"b.weight", "s2"}}));
  EXPECT_EQ(m.count("b.weight"), 1u);
  EXPECT_EQ(m.count("c"), 0u);
  EXPECT_THROW((void)m.at("c"), std::out_of_range);
  EXPECT_FALSE(m.emplace("a.weight", "other"));
  EXPECT_EQ(m.at("a.weight"), "s1");
  EXPECT_TRUE(m.emplace("a", "s0"));
  m.insert_or_assign("a.weight", "s9");
  EXPECT_EQ(m.at("a.weight"), "s9");
  EXPECT_EQ(m.erase("B"), 1u);
  EXPECT_EQ(m.erase("B"), 0u);
  EXPECT_EQ(m, (FlatStringMap{{"b.weight", "s2"}, {"a.weight", "s9"}, {"a", "s0"}}));
  // A copy owns its own text; a moved table keeps its views valid.
  FlatStringMap copy;
  {
    FlatStringMap tmp = m;
    copy = tmp;
  }
  EXPECT_EQ(copy, m);
  const std::string_view view = m.at("b.weight");
  FlatStringMap moved = std::move(m);
  EXPECT_EQ(view, "s2");
  EXPECT_EQ(moved.find("b.weight")->second.data(), view.data());
  m.append("z", "reused after the move");
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(moved.at("b.weight"), "s2");
  // Bulk loads that mean map[k] = v keep the last of equal keys.
  FlatStringMap last;
  last.append("b", "1");
  last.append("a", "2");
  last.append("b", "3");
  last.sort(/*keep_last=*/true);
  EXPECT_EQ(last, (FlatStringMap{{"a", "2"}, {"b", "3"}}));
}

// With a NameTable, keys are staged as they are appended and interned in
// batches (4096) and by sort(): afterwards every key is the table's (its
// bytes and id), whichever path put it there.
TEST(FlatStringMap, KeysInASharedNameTableAreTheTablesBytes) {
  auto names = std::make_shared<NameTable>();
  const InternedName pre = names->intern("t.5000");  // a name another file interned first
  FlatStringMap m(names);
  constexpr int kKeys = 10000;  // more than two staging batches
  for (int i = kKeys - 1; i >= 0; --i) {  // out of order
    std::string k = "t." + std::to_string(i);
    m.append(k, i % 2 ? "odd" : "even");
    k.assign("clobbered");  // the caller's buffer is reused
  }
  m.append("", "empty key");
  m.append("t.7", "a duplicate: sort() keeps the first");
  EXPECT_EQ(m.at("t.7"), "odd");  // found before sort(), by a scan
  m.sort();
  ASSERT_EQ(m.size(), static_cast<std::size_t>(kKeys) + 1);
  EXPECT_EQ(names->size(), static_cast<std::size_t>(kKeys) + 1);
  for (const auto& [k, v] : m) {
    ASSERT_TRUE(names->owns(k)) << k;
    EXPECT_EQ(names->find(k), NameTable::id_of(k));
  }
  EXPECT_EQ(m.find("t.5000")->first.data(), pre.text.data());  // the first file's bytes
  EXPECT_EQ(m.at("t.9999"), "odd");
  EXPECT_EQ(m.at(""), "empty key");
  // Inserts and copies: the copy shares the key bytes, including one
  // appended after the last sort().
  EXPECT_TRUE(m.emplace("u.1", "x"));
  m.append("u.0", "y");
  FlatStringMap copy = m;
  EXPECT_EQ(copy.key_table(), names);
  EXPECT_TRUE(names->owns(copy.find("u.0")->first));
  EXPECT_EQ(copy.find("u.1")->first.data(), m.find("u.1")->first.data());
  EXPECT_EQ(copy.find("t.3")->first.data(), m.find("t.3")->first.data());
  // A view of a staged key passed back in: emplace/erase intern what is
  // staged first, which frees that copy; they keep their own.
  m.append("v.staged", "z");
  const std::string_view staged = m.find("v.staged")->first;
  EXPECT_FALSE(m.emplace(staged, "ignored"));
  m.append("w.staged", "z");
  EXPECT_EQ(m.erase(m.find("w.staged")->first), 1u);
  EXPECT_EQ(m.at("v.staged"), "z");
  EXPECT_FALSE(m.contains("w.staged"));
  EXPECT_EQ(m.erase("v.staged"), 1u);
  m.sort();
  copy.sort();  // both in order: equal entry for entry
  EXPECT_EQ(copy, m);
  EXPECT_EQ(names->size(), static_cast<std::size_t>(kKeys) + 5);  // v.staged and w.staged stay in the table
}

TEST(IndexParse, ReadsTotalSizeWeightMapAndExtraMetadata) {
  auto r = parse_shard_index(
      R"({"metadata":{"total_size":24,"total_parameters":6},"weight_map":{"b":"s2","a":"s1"}})", "i.json");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->total_size, 24u);
  EXPECT_EQ(r->extra_metadata["total_parameters"], 6);
  EXPECT_EQ(r->weight_map.at("a"), "s1");
  EXPECT_EQ(r->shards(), (std::vector<std::string>{"s1", "s2"}));
  EXPECT_TRUE(r->warnings.empty());
}

TEST(IndexParse, ToleratesWhatProducersWrite) {
  auto no_md = parse_shard_index(R"({"weight_map":{}})", "i");
  ASSERT_TRUE(no_md.ok());
  EXPECT_FALSE(no_md->total_size.has_value());
  auto null_md = parse_shard_index(R"({"metadata":null,"weight_map":{}})", "i");
  ASSERT_TRUE(null_md.ok());
  auto float_size = parse_shard_index(R"({"metadata":{"total_size":1024.0},"weight_map":{}})", "i");
  ASSERT_TRUE(float_size.ok());
  EXPECT_EQ(float_size->total_size, 1024u);
  EXPECT_EQ(float_size->warnings.size(), 1u);
}

TEST(IndexParse, RejectsMalformedIndexes) {
  struct Case {
    const char* what;
    std::string text;
    Errc code;
  } cases[] = {
      {"not JSON", "{", Errc::json_syntax},
      {"array", "[]", Errc::json_schema},
      {"no weight_map", R"({"metadata":{}})", Errc::json_schema},
      {"weight_map array", R"({"weight_map":[]})", Errc::json_schema},
      {"shard not a string", R"({"weight_map":{"a":1}})", Errc::json_schema},
      {"negative total_size", R"({"metadata":{"total_size":-1},"weight_map":{}})", Errc::json_schema},
      {"fractional total_size", R"({"metadata":{"total_size":1.5},"weight_map":{}})", Errc::json_schema},
      {"metadata a string", R"({"metadata":"x","weight_map":{}})", Errc::json_schema},
      {"duplicate tensor", R"({"weight_map":{"a":"s","a":"t"}})", Errc::duplicate_key},
      // weight_map's strings are parsed straight into the table, the rest
      // into the document: a key repeated across the two is still caught.
      {"duplicate, string first", R"({"weight_map":{"a":"s","a":1}})", Errc::duplicate_key},
      {"duplicate, string second", R"({"weight_map":{"a":1,"a":"s"}})", Errc::duplicate_key},
      {"shard not a string after strings", R"({"weight_map":{"a":"s","b":"t","c":[]}})", Errc::json_schema},
      {"two weight_maps", R"({"weight_map":{"a":"s"},"weight_map":{}})", Errc::duplicate_key},
      // Sorted keys are not hashed until the order breaks.
      {"duplicate after sorted keys", R"({"weight_map":{"a":"s","b":"t","c":"u","b":"v"}})", Errc::duplicate_key},
      {"duplicate of a non-string after sorted keys", R"({"weight_map":{"a":"s","b":1,"c":"u","b":"v"}})", Errc::duplicate_key},
      {"BOM", "\xEF\xBB\xBF{\"weight_map\":{}}", Errc::json_syntax},
      {"too deep", std::string(100, '[') + std::string(100, ']'), Errc::json_too_deep},
  };
  for (const auto& c : cases) {
    auto r = parse_shard_index(c.text, "idx.json");
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error().code, c.code) << c.what << ": " << r.error().to_string();
    EXPECT_EQ(r.error().file, "idx.json") << c.what;
  }
}

// Only the top-level weight_map is read as a table: a weight_map object
// elsewhere stays in the document as written, and the first non-string
// shard is the one named.
TEST(IndexParse, OnlyTheTopLevelWeightMapIsATable) {
  auto r = parse_shard_index(R"({"metadata":{"weight_map":{"x":"y"},"total_size":3},"weight_map":{"b":"t","a":"s"}})", "i");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->weight_map, (FlatStringMap{{"a", "s"}, {"b", "t"}}));
  EXPECT_EQ(r->total_size, 3u);
  EXPECT_EQ(r->extra_metadata.dump(), R"({"weight_map":{"x":"y"}})");
  auto bad = parse_shard_index(R"({"weight_map":{"a":"s","b":2,"c":null}})", "i");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().tensor, "b");
  auto root_array = parse_shard_index(R"([{"weight_map":{"a":"s"}}])", "i");
  ASSERT_FALSE(root_array.ok());
  EXPECT_EQ(root_array.error().code, Errc::json_schema);
}

TEST(IndexParse, SyntaxErrorCarriesByteOffset) {
  auto r = parse_shard_index("{\"weight_map\": {\"a\": }}", "i");
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(r.error().offset.has_value());
  EXPECT_EQ(*r.error().offset, 21u);  // the '}' where a value was expected
}

TEST(IndexWrite, SortedTwoSpaceIndentRoundTrips) {
  ShardIndex idx;
  idx.total_size = 10;
  idx.weight_map = {{"z", "b.safetensors"}, {"a", "a.safetensors"}};
  std::string text = serialize_shard_index(idx);
  EXPECT_EQ(text,
            "{\n  \"metadata\": {\n    \"total_size\": 10\n  },\n  \"weight_map\": {\n"
            "    \"a\": \"a.safetensors\",\n    \"z\": \"b.safetensors\"\n  }\n}\n");
  auto back = parse_shard_index(text, "i");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->weight_map, idx.weight_map);
  EXPECT_EQ(serialize_shard_index(*back), text);
}

TEST(ShardName, PlainNamesOnly) {
  test::TempDir dir;
  EXPECT_TRUE(check_shard_name(dir.path(), "model-00001-of-00002.safetensors").ok());
  for (const char* bad : {"", ".", "..", "../x.safetensors", "/etc/passwd", "sub/x.safetensors", "a\\b"}) {
    auto st = check_shard_name(dir.path(), bad);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().code, Errc::index_shard_path) << bad;
  }
}

TEST(ShardName, SymlinksMustStayInside) {
  test::TempDir outer;
  std::filesystem::create_directories(outer / "ckpt");
  test::write_file(outer / "ckpt" / "real.safetensors", "x");
  test::write_file(outer / "secret.safetensors", "x");
  std::filesystem::create_symlink("real.safetensors", outer / "ckpt" / "inside.safetensors");
  std::filesystem::create_symlink("../secret.safetensors", outer / "ckpt" / "escape.safetensors");
  std::filesystem::create_symlink("missing", outer / "ckpt" / "dangling.safetensors");
  EXPECT_TRUE(check_shard_name(outer / "ckpt", "inside.safetensors").ok());
  EXPECT_EQ(check_shard_name(outer / "ckpt", "escape.safetensors").error().code, Errc::index_shard_path);
  EXPECT_EQ(check_shard_name(outer / "ckpt", "dangling.safetensors").error().code, Errc::index_shard_path);
}

TEST(ShardName, HuggingFaceCacheBlobsAreAllowed) {
  test::TempDir cache;
  std::filesystem::create_directories(cache / "snapshots" / "abc123");
  std::filesystem::create_directories(cache / "blobs");
  test::write_file(cache / "blobs" / "deadbeef", "x");
  std::filesystem::create_symlink("../../blobs/deadbeef", cache / "snapshots" / "abc123" / "model.safetensors");
  EXPECT_TRUE(check_shard_name(cache / "snapshots" / "abc123", "model.safetensors").ok());
}

// A two-shard checkpoint written by hand, then broken one way per case.
class IndexConsistency : public ::testing::Test {
 protected:
  void SetUp() override {
    write("s1.safetensors", {{"a", 4}, {"b", 8}});
    write("s2.safetensors", {{"c", 4}});
    idx_.total_size = 16;
    idx_.weight_map = {{"a", "s1.safetensors"}, {"b", "s1.safetensors"}, {"c", "s2.safetensors"}};
  }
  void write(const std::string& file, std::vector<std::pair<std::string, std::uint64_t>> tensors) {
    std::vector<TensorSource> ts;
    for (auto& [n, bytes] : tensors) {
      keep_.emplace_back(bytes, 'q');
      ts.push_back(TensorSource{n, Dtype::U8, {bytes}, as_bytes(keep_.back()), {}});
    }
    ASSERT_TRUE(write_safetensors(dir_ / file, ts).ok());
  }
  std::vector<Errc> codes() {
    std::vector<Errc> out;
    for (const auto& e : check_shard_index(dir_.path(), "index.json", idx_)) out.push_back(e.code);
    return out;
  }
  test::TempDir dir_;
  ShardIndex idx_;
  std::list<std::string> keep_;
};

TEST_F(IndexConsistency, ConsistentIndexHasNoFindings) { EXPECT_TRUE(codes().empty()); }

TEST_F(IndexConsistency, TensorMissingFromShard) {
  idx_.weight_map.insert_or_assign("ghost", "s2.safetensors");
  EXPECT_EQ(codes(), std::vector<Errc>{Errc::index_tensor_missing});
}

TEST_F(IndexConsistency, ShardTensorNotListed) {
  idx_.weight_map.erase("b");
  EXPECT_EQ(codes(), std::vector<Errc>{Errc::index_tensor_unlisted});
}

TEST_F(IndexConsistency, TensorMappedToWrongShard) {
  write("s2.safetensors", {{"c", 4}, {"e", 4}});
  write("s3.safetensors", {{"d", 4}});
  idx_.weight_map = {{"a", "s1.safetensors"}, {"b", "s1.safetensors"}, {"e", "s2.safetensors"},
                     {"c", "s3.safetensors"}, {"d", "s3.safetensors"}};
  idx_.total_size = 24;
  // s3 lacks c, and s2 holds c while weight_map says s3.
  EXPECT_EQ(codes(), (std::vector<Errc>{Errc::index_tensor_elsewhere, Errc::index_tensor_missing}));
}

TEST_F(IndexConsistency, TensorInTwoShards) {
  write("s3.safetensors", {{"c", 4}});
  idx_.weight_map.insert_or_assign("x", "s3.safetensors");  // makes s3 a listed shard
  idx_.total_size = 20;
  auto got = codes();
  EXPECT_NE(std::find(got.begin(), got.end(), Errc::index_tensor_in_two_shards), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), Errc::index_tensor_elsewhere), got.end());
}

// The findings, in order, and which shard counts as "first": shards are
// read in name order, and a tensor stored twice names the first shard read
// that stores it, whether weight_map puts it there or not.
TEST_F(IndexConsistency, TensorInTwoShardsNamesTheFirstShardRead) {
  std::vector<std::string> got;
  auto run = [&] {
    got.clear();
    for (const auto& e : check_shard_index(dir_.path(), "index.json", idx_))
      got.push_back(std::string(error_id(e.code)) + " " + e.tensor + " " + e.detail);
  };
  // A stray copy read before the shard weight_map names.
  write("s0.safetensors", {{"c", 4}});
  idx_.weight_map.insert_or_assign("x", "s0.safetensors");
  idx_.total_size = 20;
  run();
  EXPECT_EQ(got, (std::vector<std::string>{
                     "index-tensor-missing x weight_map puts this tensor in 's0.safetensors' but that shard does not contain it",
                     "index-tensor-elsewhere c stored in this shard but weight_map names 's2.safetensors'",
                     "index-duplicate-tensor c stored in both 's0.safetensors' and 's2.safetensors'"}));
  // A stray copy read after it.
  std::filesystem::remove(dir_ / "s0.safetensors");
  idx_.weight_map.erase("x");
  write("s3.safetensors", {{"c", 4}});
  idx_.weight_map.insert_or_assign("y", "s3.safetensors");
  run();
  EXPECT_EQ(got, (std::vector<std::string>{
                     "index-tensor-missing y weight_map puts this tensor in 's3.safetensors' but that shard does not contain it",
                     "index-duplicate-tensor c stored in both 's2.safetensors' and 's3.safetensors'",
                     "index-tensor-elsewhere c stored in this shard but weight_map names 's2.safetensors'"}));
}

TEST_F(IndexConsistency, WrongTotalSize) {
  idx_.total_size = 17;
  EXPECT_EQ(codes(), std::vector<Errc>{Errc::index_total_size});
}

TEST_F(IndexConsistency, MissingShard) {
  idx_.weight_map.insert_or_assign("e", "s9.safetensors");
  EXPECT_EQ(codes(), std::vector<Errc>{Errc::index_missing_shard});
}

TEST_F(IndexConsistency, CorruptShard) {
  test::write_file(dir_ / "s2.safetensors", "garbage!garbage!");
  auto found = check_shard_index(dir_.path(), "index.json", idx_);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].code, Errc::index_bad_shard);
  EXPECT_NE(found[0].detail.find("st-header-too-large"), std::string::npos) << found[0].detail;
}

TEST_F(IndexConsistency, PathEscape) {
  idx_.weight_map.insert_or_assign("e", "../s1.safetensors");
  EXPECT_EQ(codes(), std::vector<Errc>{Errc::index_shard_path});
}

TEST(ShardedWriter, FileNamesUseFiveDigits) {
  EXPECT_EQ(shard_file_name("quant-model", 1, 4), "quant-model-00001-of-00004.safetensors");
  EXPECT_EQ(shard_file_name("model", 12, 123), "model-00012-of-00123.safetensors");
}

TEST(ShardedWriter, SplitsAtLimitInInputOrder) {
  std::string b100(100, 'x');
  std::vector<TensorSource> ts;
  for (int i = 0; i < 5; ++i) ts.push_back(TensorSource{"t" + std::to_string(i), Dtype::U8, {100}, as_bytes(b100), {}});
  ts.push_back(TensorSource{"big", Dtype::U8, {100}, as_bytes(b100), {}});
  auto plan = plan_shards(ts, 250);
  EXPECT_EQ(plan, (std::vector<std::vector<std::size_t>>{{0, 1}, {2, 3}, {4, 5}}));
  auto solo = plan_shards(ts, 50);  // each tensor is over the limit: one per shard
  EXPECT_EQ(solo.size(), 6u);
}

TEST(ShardedWriter, WritesShardsAndAConsistentIndex) {
  test::TempDir dir;
  std::string b100(100, 'x');
  std::vector<TensorSource> ts;
  for (int i = 0; i < 5; ++i) ts.push_back(TensorSource{"t" + std::to_string(i), Dtype::U8, {100}, as_bytes(b100), {}});
  ShardedWriteOptions o;
  o.shard_prefix = "quant-model";
  o.index_name = "model.safetensors.index.json";
  o.max_shard_bytes = 250;
  auto r = write_sharded(dir.path(), ts, o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->files, (std::vector<std::string>{"quant-model-00001-of-00003.safetensors",
                                                 "quant-model-00002-of-00003.safetensors",
                                                 "quant-model-00003-of-00003.safetensors"}));
  auto idx = read_shard_index(dir / "model.safetensors.index.json");
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->total_size, 500u);
  EXPECT_TRUE(check_shard_index(dir.path(), "model.safetensors.index.json", *idx).empty());
  EXPECT_EQ(test::list_dir(dir.path()).size(), 4u) << "no temporary files";
}

TEST(ShardedWriter, SingleFileWhenItFits) {
  test::TempDir dir;
  std::string b(10, 'x');
  ShardedWriteOptions o;
  o.single_file_name = "model.safetensors";
  auto r = write_sharded(dir.path(), {TensorSource{"t", Dtype::U8, {10}, as_bytes(b), {}}}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->index.has_value());
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"model.safetensors"});
}

TEST(ShardedWriter, FailureRemovesShardsAlreadyWritten) {
  test::TempDir dir;
  std::string b(100, 'x');
  std::vector<TensorSource> ts{TensorSource{"ok", Dtype::U8, {100}, as_bytes(b), {}},
                               TensorSource{"bad", Dtype::U8, {100}, {}, [](ByteSink&) -> Status {
                                              return Error(Errc::io_read, "boom");
                                            }}};
  ShardedWriteOptions o;
  o.max_shard_bytes = 100;
  auto r = write_sharded(dir.path(), ts, o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(test::list_dir(dir.path()).empty());
}

}  // namespace
}  // namespace qkit
