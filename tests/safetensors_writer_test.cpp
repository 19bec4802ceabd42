//===- tests/safetensors_writer_test.cpp - writer and round-trip property -===//
#include <gtest/gtest.h>

#include <random>

#include "formats/checked_math.h"
#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"
#include "tests/test_util.h"

namespace qkit {
namespace {

using test::as_bytes;

TensorSource src(std::string name, Dtype d, std::vector<std::uint64_t> shape, const std::string& bytes) {
  return TensorSource{std::move(name), d, std::move(shape), as_bytes(bytes), {}};
}

Result<std::string> write_to_string(const std::vector<TensorSource>& ts, const std::optional<Metadata>& md) {
  auto layout = plan_safetensors(ts, md);
  if (!layout) return std::move(layout).error();
  test::StringSink sink;
  if (auto st = stream_safetensors(sink, ts, *layout); !st) return std::move(st).error();
  return sink.data;
}

TEST(Writer, ExactBytesOfASmallFile) {
  // Checked by hand against the format: 8-byte LE length, compact JSON with
  // __metadata__ first, tensors by element size (largest first) then name,
  // header padded with spaces to a multiple of 8.
  std::string a(4, 'A'), b(2, 'B');
  auto out = write_to_string({src("b", Dtype::U8, {2}, b), src("a", Dtype::F32, {1}, a)}, Metadata{{"format", "pt"}});
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  std::string header =
      "{\"__metadata__\":{\"format\":\"pt\"},"
      "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
      "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]}}";
  header.append((8 - header.size() % 8) % 8, ' ');
  EXPECT_EQ(*out, test::le64(header.size()) + header + "AAAABB");
}

TEST(Writer, OrderIsIndependentOfInputOrder) {
  std::string x(8, 'x'), y(2, 'y'), z(1, 'z');
  auto one = write_to_string({src("x", Dtype::F64, {1}, x), src("y", Dtype::BF16, {1}, y), src("z", Dtype::I8, {1}, z)},
                             std::nullopt);
  auto two = write_to_string({src("z", Dtype::I8, {1}, z), src("x", Dtype::F64, {1}, x), src("y", Dtype::BF16, {1}, y)},
                             std::nullopt);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(*one, *two);
}

TEST(Writer, MetadataKeysSorted) {
  auto out = write_to_string({}, Metadata{{"zeta", "1"}, {"alpha", "2"}});
  ASSERT_TRUE(out.ok());
  EXPECT_LT(out->find("alpha"), out->find("zeta"));
}

TEST(Writer, EveryTensorAlignedToItsElementSize) {
  std::vector<std::string> storage;
  std::vector<TensorSource> ts;
  std::mt19937_64 rng(7);
  storage.reserve(64);
  for (int i = 0; i < 60; ++i) {
    Dtype d = all_dtypes()[rng() % kDtypeCount];
    std::uint64_t n = 8 * (1 + rng() % 5);  // multiple of 8: sub-byte dtypes fill bytes
    storage.emplace_back(n * dtype_bits(d) / 8, '\x5a');
    ts.push_back(src("t" + std::to_string(i), d, {n}, storage.back()));
  }
  auto out = write_to_string(ts, std::nullopt);
  ASSERT_TRUE(out.ok());
  auto r = parse_safetensors(as_bytes(*out));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->data_start() % 8, 0u);
  for (const auto& t : r->tensors) {
    unsigned bytes = std::max(1u, dtype_bits(t.dtype) / 8);
    EXPECT_EQ((r->data_start() + t.begin) % bytes, 0u) << t.name << " " << dtype_name(t.dtype);
  }
}

TEST(Writer, RejectsBadTensorSets) {
  std::string four(4, 'x');
  struct Case {
    const char* what;
    std::vector<TensorSource> ts;
    Errc code;
  } cases[] = {
      {"reserved name", {src("__metadata__", Dtype::F32, {1}, four)}, Errc::reserved_name},
      {"duplicate name", {src("a", Dtype::F32, {1}, four), src("a", Dtype::F32, {1}, four)}, Errc::duplicate_tensor},
      {"invalid UTF-8 name", {src("a\xff", Dtype::F32, {1}, four)}, Errc::name_not_utf8},
      {"byte count mismatch", {src("a", Dtype::F32, {2}, four)}, Errc::data_size_mismatch},
      {"sub-byte misaligned", {src("a", Dtype::F4, {3}, four)}, Errc::misaligned_slice},
      {"overflowing shape", {src("a", Dtype::F32, {1ull << 62}, four)}, Errc::validation_overflow},
      {"unknown dtype", {src("a", Dtype::Unknown, {1}, four)}, Errc::invalid_argument},
  };
  for (auto& c : cases) {
    auto r = plan_safetensors(c.ts, std::nullopt);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error().code, c.code) << c.what << ": " << r.error().to_string();
  }
}

TEST(Writer, ProducerStreamsChunksAndIsCounted) {
  auto produce_ok = [](ByteSink& s) -> Status {
    for (int i = 0; i < 4; ++i)
      if (auto st = s.write(std::string_view("ab")); !st) return st;
    return ok_status();
  };
  std::vector<TensorSource> ts{{"p", Dtype::U8, {8}, {}, produce_ok}};
  auto out = write_to_string(ts, std::nullopt);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->substr(out->size() - 8), "abababab");

  auto produce_short = [](ByteSink& s) -> Status { return s.write(std::string_view("abc")); };
  std::vector<TensorSource> bad{{"p", Dtype::U8, {8}, {}, produce_short}};
  auto r = write_to_string(bad, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::data_size_mismatch);
  EXPECT_EQ(r.error().tensor, "p");
}

TEST(Writer, AtomicFileAppearsWholeWithSaneMode) {
  test::TempDir dir;
  std::string four(4, 'x');
  auto r = write_safetensors(dir / "m.safetensors", {src("a", Dtype::F32, {1}, four)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"m.safetensors"});
  auto perms = std::filesystem::status(dir / "m.safetensors").permissions();
  using P = std::filesystem::perms;
  EXPECT_NE(perms & P::owner_read, P::none);
  EXPECT_NE(perms & P::owner_write, P::none);
  EXPECT_EQ(perms & (P::group_write | P::others_write), P::none);
  EXPECT_NE(perms & P::others_read, P::none) << "not mkstemp's 0600";
  EXPECT_EQ(*r, std::filesystem::file_size(dir / "m.safetensors"));
}

TEST(Writer, FailedWriteLeavesNothingBehind) {
  test::TempDir dir;
  test::write_file(dir / "m.safetensors", "previous content");
  auto fail = [](ByteSink& s) -> Status {
    if (auto st = s.write(std::string_view("ab")); !st) return st;
    return Error(Errc::io_read, "source vanished");
  };
  std::vector<TensorSource> ts{{"p", Dtype::U8, {8}, {}, fail}};
  auto r = write_safetensors(dir / "m.safetensors", ts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io_read);
  EXPECT_EQ(r.error().tensor, "p");
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"m.safetensors"}) << "temporary file left behind";
  EXPECT_EQ(test::read_file(dir / "m.safetensors"), "previous content") << "final name touched before commit";
}

TEST(Writer, UnwritableDirectoryIsAnError) {
  auto r = write_safetensors("/nonexistent-qkit-dir/m.safetensors", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io_open);
  EXPECT_NE(r.error().to_string().find("/nonexistent-qkit-dir/m.safetensors"), std::string::npos);
}

// --- Round-trip property: read(write(x)) == x. --------------------------

struct RandomTensor {
  std::string name;
  Dtype dtype;
  std::vector<std::uint64_t> shape;
  std::string bytes;
};

std::vector<RandomTensor> random_set(std::mt19937_64& rng) {
  std::vector<RandomTensor> out;
  int n = static_cast<int>(rng() % 12);
  for (int i = 0; i < n; ++i) {
    RandomTensor t;
    t.dtype = all_dtypes()[rng() % kDtypeCount];
    int rank = static_cast<int>(rng() % 4);  // 0..3, rank 0 included
    for (int d = 0; d < rank; ++d) t.shape.push_back(rng() % 5);  // zeros make empty tensors
    if (dtype_bits(t.dtype) % 8 != 0) t.shape.push_back(8);  // keep sub-byte tensors whole bytes
    std::uint64_t elems = element_count(t.shape).value();
    t.bytes.resize(elems * dtype_bits(t.dtype) / 8);
    for (char& c : t.bytes) c = static_cast<char>(rng());
    // Names with spaces, quotes, backslashes, control characters and UTF-8.
    const char* stems[] = {"w", "a \"q\"", "back\\slash", "tab\there", "权重", ""};
    t.name = std::string(stems[rng() % 6]) + "." + std::to_string(i);
    out.push_back(std::move(t));
  }
  return out;
}

TEST(RoundTrip, RandomTensorSetsOfEveryDtype) {
  std::mt19937_64 rng(20261122);
  std::vector<bool> dtype_seen(kDtypeCount, false);
  bool saw_empty = false, saw_rank0 = false;
  for (int iter = 0; iter < 300; ++iter) {
    auto set = random_set(rng);
    std::vector<TensorSource> ts;
    for (const auto& t : set) ts.push_back(src(t.name, t.dtype, t.shape, t.bytes));
    std::optional<Metadata> md;
    if (rng() % 2) md = Metadata{{"format", "pt"}, {"iter", std::to_string(iter)}};
    auto bytes = write_to_string(ts, md);
    ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
    auto r = parse_safetensors(as_bytes(*bytes));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->tensors.size(), set.size());
    EXPECT_EQ(r->has_metadata, md.has_value());
    if (md) {
      EXPECT_EQ(r->metadata, *md);
    }
    for (const auto& t : set) {
      const TensorInfo* got = r->find(t.name);
      ASSERT_NE(got, nullptr) << t.name;
      EXPECT_EQ(got->dtype, t.dtype);
      EXPECT_EQ(got->shape, t.shape);
      std::string data = bytes->substr(r->data_start() + got->begin, got->nbytes());
      EXPECT_EQ(data, t.bytes) << t.name;
      dtype_seen[static_cast<std::size_t>(t.dtype)] = true;
      saw_empty |= t.bytes.empty() && !t.shape.empty();
      saw_rank0 |= t.shape.empty();
    }
    // Writing what was read gives the same bytes (determinism).
    std::vector<TensorSource> again;
    for (const auto& t : r->tensors)
      again.push_back(TensorSource{std::string(t.name), t.dtype, t.shape,
                                   as_bytes(*bytes).subspan(r->data_start() + t.begin, t.nbytes()), {}});
    auto bytes2 = write_to_string(again, r->has_metadata ? std::optional<Metadata>(r->metadata) : std::nullopt);
    ASSERT_TRUE(bytes2.ok());
    EXPECT_EQ(*bytes2, *bytes);
  }
  for (std::size_t i = 0; i < kDtypeCount; ++i) EXPECT_TRUE(dtype_seen[i]) << dtype_name(all_dtypes()[i]);
  EXPECT_TRUE(saw_empty);
  EXPECT_TRUE(saw_rank0);
}

}  // namespace
}  // namespace qkit
