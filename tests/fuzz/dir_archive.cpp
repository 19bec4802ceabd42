//===- tests/fuzz/dir_archive.cpp ----------------------------------------===//
#include "tests/fuzz/dir_archive.h"

#include <fstream>
#include <iterator>

namespace qkit::fuzz {

std::string pack_directory(const std::filesystem::path& dir) {
  std::string out;
  const auto& names = archive_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::ifstream f(dir / names[i], std::ios::binary);
    if (!f) continue;
    std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    out += static_cast<char>(i);
    for (int b = 0; b < 4; ++b) out += static_cast<char>((data.size() >> (8 * b)) & 0xff);
    out += data;
  }
  return out;
}

void unpack_to(const std::uint8_t* data, std::size_t size, const std::filesystem::path& dir) {
  const auto& names = archive_names();
  std::size_t pos = 0;
  while (pos + 5 <= size) {
    std::size_t idx = data[pos] % names.size();
    std::uint32_t len = 0;
    for (int b = 0; b < 4; ++b) len |= static_cast<std::uint32_t>(data[pos + 1 + b]) << (8 * b);
    pos += 5;
    std::size_t take = std::min<std::size_t>(len, size - pos);
    std::ofstream f(dir / names[idx], std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data + pos), static_cast<std::streamsize>(take));
    pos += take;
  }
}

}  // namespace qkit::fuzz
