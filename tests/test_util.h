//===- tests/test_util.h - helpers for building files by hand ------------===//
#pragma once

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "formats/atomic_file.h"

namespace qkit::test {

// The 8-byte little-endian length prefix.
inline std::string le64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// A safetensors file from a literal header and data section. The length
// prefix is the header's size unless `length` overrides it.
inline std::string st_file(const std::string& header, const std::string& data = "",
                           std::optional<std::uint64_t> length = std::nullopt) {
  return le64(length.value_or(header.size())) + header + data;
}

inline std::span<const std::byte> as_bytes(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

inline void write_file(const std::filesystem::path& p, const std::string& content) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "qkit-test-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    path_ = ::mkdtemp(buf.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& s) const { return path_ / s; }

 private:
  std::filesystem::path path_;
};

// CRC-32 of every file under a directory (relative name -> CRC), to prove a
// directory untouched or equal to another.
inline std::map<std::string, std::uint32_t> fingerprint(const std::filesystem::path& dir) {
  std::map<std::string, std::uint32_t> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) {
      std::string s = read_file(e.path());
      out[std::filesystem::relative(e.path(), dir).string()] =
          static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
    }
  return out;
}

// Entries beside `dst` that belong to qkit's writing of it: temporary
// directories, the lock, an old copy (".DST.qkit-*").
inline std::vector<std::string> litter_beside(const std::filesystem::path& dst) {
  std::vector<std::string> out;
  const std::string prefix = "." + dst.filename().string() + ".qkit-";
  for (const auto& e : std::filesystem::directory_iterator(dst.parent_path()))
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path().filename().string());
  return out;
}

// Names of every entry in a directory (to prove no temporary file is left).
inline std::vector<std::string> list_dir(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Collects streamed bytes in memory.
class StringSink final : public ByteSink {
 public:
  Status write(std::span<const std::byte> b) override {
    data.append(reinterpret_cast<const char*>(b.data()), b.size());
    return ok_status();
  }
  using ByteSink::write;
  std::string data;
};

}  // namespace qkit::test
