//===- tests/safetensors_reader_test.cpp ---------------------------------===//
#include <gtest/gtest.h>

#include <algorithm>
#include <fcntl.h>
#include <unistd.h>

#include "formats/mapped_file.h"
#include "formats/sink_stream.h"
#include "formats/safetensors.h"
#include "tests/malformed_files.h"
#include "tests/test_util.h"

namespace qkit {
namespace {

using test::as_bytes;
using test::st_file;

// --- The malformed table: one broken file per failure mode. -------------

class Malformed : public ::testing::TestWithParam<test::MalformedFile> {};

TEST_P(Malformed, RejectedWithExpectedCode) {
  const auto& c = GetParam();
  auto r = parse_safetensors(as_bytes(c.bytes));
  ASSERT_FALSE(r.ok()) << c.id << " (" << c.what << ") was accepted";
  EXPECT_EQ(error_id(r.error().code), error_id(c.expected)) << c.id << ": " << r.error().to_string();
  if (!c.tensor.empty()) {
    EXPECT_EQ(r.error().tensor, c.tensor) << c.id;
  }
  if (c.offset) {
    ASSERT_TRUE(r.error().offset.has_value()) << c.id;
    EXPECT_EQ(*r.error().offset, *c.offset) << c.id;
  }
  EXPECT_FALSE(r.error().detail.empty()) << c.id << ": every error explains itself";
}

TEST_P(Malformed, RejectedThroughFileWithPathInMessage) {
  const auto& c = GetParam();
  test::TempDir dir;
  auto p = dir / (c.id + ".safetensors");
  test::write_file(p, c.bytes);
  auto r = SafetensorsFile::open(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, c.expected);
  EXPECT_EQ(r.error().file, p.string());
  EXPECT_NE(r.error().to_string().find(p.string()), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Table, Malformed, ::testing::ValuesIn(test::malformed_files()),
                         [](const auto& info) { return info.param.id; });

TEST(MalformedTable, HasAtLeastFortyDistinctCases) {
  auto files = test::malformed_files();
  EXPECT_GE(files.size(), 40u);
  std::vector<std::string> ids;
  for (const auto& f : files) ids.push_back(f.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "duplicate case id";
}

TEST(MalformedTable, CoversEveryReaderErrorCode) {
  // Every code the reader can return has at least one broken file.
  const Errc reader_codes[] = {Errc::header_too_small, Errc::header_too_large, Errc::invalid_header_length,
                               Errc::header_not_utf8,  Errc::header_bom,       Errc::header_nul,
                               Errc::header_json,      Errc::header_not_object, Errc::duplicate_key,
                               Errc::metadata_invalid, Errc::entry_invalid,    Errc::field_missing,
                               Errc::field_type,       Errc::dtype_unknown,    Errc::invalid_offset,
                               Errc::validation_overflow, Errc::misaligned_slice, Errc::tensor_invalid_info,
                               Errc::incomplete_buffer};
  auto files = test::malformed_files();
  for (Errc c : reader_codes)
    EXPECT_TRUE(std::any_of(files.begin(), files.end(), [&](const auto& f) { return f.expected == c; }))
        << "no malformed file for " << error_id(c);
}

// --- Edge cases the reference accepts. ----------------------------------

class Edge : public ::testing::TestWithParam<test::EdgeFile> {};

TEST_P(Edge, Accepted) {
  const auto& c = GetParam();
  auto r = parse_safetensors(as_bytes(c.bytes));
  ASSERT_TRUE(r.ok()) << c.id << " (" << c.what << "): " << r.error().to_string();
  EXPECT_EQ(r->tensors.size(), c.tensors);
}

INSTANTIATE_TEST_SUITE_P(Table, Edge, ::testing::ValuesIn(test::edge_files()),
                         [](const auto& info) { return info.param.id; });

// --- Details of accepted files. -----------------------------------------

TEST(Reader, TensorsSortedByOffsetAndFoundByName) {
  std::string f = st_file(
      "{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]},"
      "\"a\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[0,2]}}",
      "wxyz");
  auto r = parse_safetensors(as_bytes(f));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->tensors.size(), 2u);
  EXPECT_EQ(r->tensors[0].name, "a");
  EXPECT_EQ(r->tensors[1].name, "b");
  ASSERT_NE(r->find("b"), nullptr);
  EXPECT_EQ(r->find("b")->dtype, Dtype::U8);
  EXPECT_EQ(r->find("b")->shape, std::vector<std::uint64_t>{2});
  EXPECT_EQ(r->find("zz"), nullptr);
  EXPECT_EQ(r->data_size, 4u);
}

TEST(Reader, MetadataMapAndPresence) {
  auto with = parse_safetensors(as_bytes(st_file("{\"__metadata__\":{\"format\":\"pt\",\"z\":\"1\"}}")));
  ASSERT_TRUE(with.ok());
  EXPECT_TRUE(with->has_metadata);
  EXPECT_EQ(with->metadata.at("format"), "pt");
  EXPECT_EQ(with->metadata.size(), 2u);
  auto null = parse_safetensors(as_bytes(st_file("{\"__metadata__\":null}")));
  ASSERT_TRUE(null.ok());
  EXPECT_TRUE(null->has_metadata);
  EXPECT_TRUE(null->metadata.empty());
  auto none = parse_safetensors(as_bytes(st_file("{}")));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_metadata);
}

TEST(Reader, EscapedNamesAreDecoded) {
  auto r = parse_safetensors(
      as_bytes(st_file("{\"a\\u0000b\\n\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "x")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tensors[0].name, std::string("a\0b\n", 4));
  Error e(Errc::internal, "x");
  e.tensor = r->tensors[0].name;
  EXPECT_EQ(e.to_string().find('\n'), std::string::npos) << "control characters must be escaped on output";
  EXPECT_NE(e.to_string().find("a\\x00b\\x0a"), std::string::npos);
}

TEST(Reader, AllTwentyTwoDtypesWithTheirSizes) {
  struct {
    const char* name;
    unsigned bits;
  } expected[] = {{"BOOL", 8},    {"U8", 8},      {"I8", 8},           {"F8_E5M2", 8}, {"F8_E4M3", 8},
                  {"F8_E8M0", 8}, {"F8_E4M3FNUZ", 8}, {"F8_E5M2FNUZ", 8}, {"F4", 4},      {"F6_E2M3", 6},
                  {"F6_E3M2", 6}, {"I16", 16},    {"U16", 16},         {"F16", 16},    {"BF16", 16},
                  {"I32", 32},    {"U32", 32},    {"F32", 32},         {"C64", 64},    {"F64", 64},
                  {"I64", 64},    {"U64", 64}};
  ASSERT_EQ(std::size(expected), kDtypeCount);
  for (const auto& e : expected) {
    // 8 elements of each: 8 x bits / 8 = bits bytes.
    std::string h = std::string("{\"t\":{\"dtype\":\"") + e.name + "\",\"shape\":[8],\"data_offsets\":[0," +
                    std::to_string(e.bits) + "]}}";
    auto r = parse_safetensors(as_bytes(st_file(h, std::string(e.bits, 'x'))));
    ASSERT_TRUE(r.ok()) << e.name << ": " << r.error().to_string();
    EXPECT_EQ(dtype_name(r->tensors[0].dtype), e.name);
    EXPECT_EQ(dtype_bits(r->tensors[0].dtype), e.bits);
  }
}

TEST(Reader, LenientModeKeepsUnknownDtypesWithWarning) {
  std::string f = st_file(
      "{\"q\":{\"dtype\":\"INT4\",\"shape\":[4],\"data_offsets\":[0,2]},"
      "\"r\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}",
      "abcd");
  EXPECT_EQ(parse_safetensors(as_bytes(f)).error().code, Errc::dtype_unknown);
  auto r = parse_safetensors(as_bytes(f), ParseOptions{.allow_unknown_dtypes = true});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->find("q")->dtype, Dtype::Unknown);
  EXPECT_EQ(r->find("q")->dtype_name, "INT4");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0].code, Errc::dtype_unknown);
  EXPECT_EQ(r->warnings[0].tensor, "q");
  // Contiguity is still enforced in lenient mode.
  std::string gap = st_file("{\"q\":{\"dtype\":\"INT4\",\"shape\":[4],\"data_offsets\":[1,2]}}", "ab");
  EXPECT_EQ(parse_safetensors(as_bytes(gap), ParseOptions{.allow_unknown_dtypes = true}).error().code,
            Errc::invalid_offset);
}

TEST(Reader, FileViewsPointIntoTheMapping) {
  test::TempDir dir;
  std::string f = st_file(
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
      "\"b\":{\"dtype\":\"U8\",\"shape\":[5],\"data_offsets\":[3,8]}} ",
      "abcdefgh");
  test::write_file(dir / "x.safetensors", f);
  auto r = SafetensorsFile::open(dir / "x.safetensors");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const TensorInfo* b = r->find("b");
  ASSERT_NE(b, nullptr);
  auto bytes = r->data(*b);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "defgh");
  EXPECT_EQ(r->file_offset(*b), 8 + r->header().header_size + 3);
  EXPECT_EQ(bytes.data(), r->mapping().bytes().data() + r->file_offset(*b)) << "zero-copy view";
}

TEST(Reader, OpenErrorsNameTheFile) {
  test::TempDir dir;
  auto missing = SafetensorsFile::open(dir / "nope.safetensors");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::io_open);
  EXPECT_EQ(missing.error().file, (dir / "nope.safetensors").string());
  auto d = SafetensorsFile::open(dir.path());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Errc::not_regular_file);
}

TEST(Reader, HundredMegabyteGarbageHeaderFailsFast) {
  // The largest header the format allows, filled with garbage: must be
  // rejected at the first invalid byte, without parsing 100 MB of JSON.
  std::string f = test::le64(kMaxHeaderSize);
  f.append(kMaxHeaderSize, 'x');
  auto start = std::chrono::steady_clock::now();
  auto r = parse_safetensors(as_bytes(f));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::header_json);
  EXPECT_LT(ms, 2000) << "garbage header took " << ms << " ms";
}

TEST(Reader, LargeValidHeaderWithManyTensors) {
  // 200,000 tensors: the table is built without a DOM and looked up by name.
  constexpr int kN = 200000;
  std::string h = "{";
  for (int i = 0; i < kN; ++i) {
    if (i) h += ',';
    h += "\"t" + std::to_string(i) + "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[" + std::to_string(i) +
         "," + std::to_string(i + 1) + "]}";
  }
  h += "}";
  auto r = parse_safetensors(as_bytes(st_file(h, std::string(kN, 'z'))));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->tensors.size(), static_cast<std::size_t>(kN));
  ASSERT_NE(r->find("t123456"), nullptr);
  EXPECT_EQ(r->find("t123456")->begin, 123456u);
}

// advise_done drops the whole fault-around window around what was read: a
// read fault on a file mapping also maps the neighbouring cached pages
// (Linux mm/filemap.c, fault_around_bytes = 64 KiB), which nobody reads and
// which would otherwise stay resident (480 MB of weight scales on a
// DeepSeek-class qconvert --dry-run). Pages are checked present or not in
// /proc/self/pagemap (bit 63); the file was just written, so its pages are
// in the page cache, which fault-around needs.
TEST(MappedFileTest, DoneDropsTheFaultAroundNeighbours) {
  if (::sysconf(_SC_PAGESIZE) != 4096) GTEST_SKIP() << "the page arithmetic below assumes 4 KiB pages";
  test::TempDir d;
  constexpr std::uint64_t kSize = 512 * 1024;
  test::write_file(d / "f.bin", std::string(kSize, 'x'));
  auto m = MappedFile::open(d / "f.bin");
  ASSERT_TRUE(m.ok());
  const int fd = ::open("/proc/self/pagemap", O_RDONLY);
  ASSERT_GE(fd, 0);
  auto present = [&](std::uint64_t off) {
    const auto addr = reinterpret_cast<std::uintptr_t>(m->bytes().data()) + off;
    std::uint64_t entry = 0;
    EXPECT_EQ(::pread(fd, &entry, 8, static_cast<off_t>(addr / 4096 * 8)), 8);
    return (entry >> 63) != 0;
  };
  auto mapped_pages = [&] {
    std::size_t n = 0;
    for (std::uint64_t p = 0; p < kSize / 4096; ++p) n += present(p * 4096);
    return n;
  };
  // Each read faults one window in (the kernel aligns it on the virtual
  // address, not on the offset in the file): after advise_done of just
  // the bytes read, no page of the mapping may stay.
  for (std::uint64_t at : {std::uint64_t{20 * 4096 + 100}, std::uint64_t{3 * 4096 + 7}, kSize - 1, std::uint64_t{0}}) {
    volatile char sink = static_cast<char>(m->bytes()[at]);
    (void)sink;
    ASSERT_TRUE(present(at)) << at;
    m->advise_done(at, at + 1);
    EXPECT_EQ(mapped_pages(), 0u) << "after reading byte " << at;
  }
  ::close(fd);
}

// formats/sink_stream.h: what is written arrives in order, whatever the
// buffer boundaries; the first failing write is kept and the stream goes bad.
TEST(SinkStream, PassesBytesThroughAndKeepsTheFirstError) {
  struct Sink final : ByteSink {
    std::string got;
    std::size_t fail_after = SIZE_MAX;  // bytes accepted before writes fail
    Status write(std::span<const std::byte> b) override {
      if (got.size() + b.size() > fail_after) return Error(Errc::io_write, "disk full");
      got.append(reinterpret_cast<const char*>(b.data()), b.size());
      return ok_status();
    }
  };
  std::string expect;
  for (int i = 0; i < 30000; ++i) expect += std::to_string(i) + (i % 7 ? " " : "\n");  // > 64 KiB
  {
    Sink sink;
    SinkStreambuf buf(sink);
    std::ostream os(&buf);
    for (int i = 0; i < 30000; ++i) os << i << (i % 7 ? ' ' : '\n');
    os.flush();
    EXPECT_TRUE(os.good());
    EXPECT_TRUE(buf.status().ok());
    EXPECT_EQ(sink.got, expect);
  }
  {
    Sink sink;
    sink.fail_after = 0;
    SinkStreambuf buf(sink);
    std::ostream os(&buf);
    for (int i = 0; i < 30000; ++i) os << i << ' ';
    os.flush();
    EXPECT_FALSE(os.good());
    ASSERT_FALSE(buf.status().ok());
    EXPECT_EQ(buf.status().error().code, Errc::io_write);
  }
}

}  // namespace
}  // namespace qkit
