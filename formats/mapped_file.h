//===- formats/mapped_file.h - read-only memory map of a whole file ------===//
//
// Inputs are never modified: the mapping is PROT_READ. Mapping is lazy, so
// opening a multi-GB shard to read its header touches only the first pages.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include "formats/error.h"

namespace qkit {

class MappedFile {
 public:
  static Result<MappedFile> open(const std::filesystem::path& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Hint that [begin, end) will be read once, front to back (streaming).
  void advise_sequential(std::uint64_t begin, std::uint64_t end) const;
  // Let the kernel drop pages of [begin, end) we have finished with, so a
  // streaming pass over a large file keeps a bounded resident set. The
  // range is widened to all the kernel may have mapped beside it on a read
  // fault (a fault-around window, a whole large folio; see the .cpp): a
  // small tensor's neighbours would otherwise stay mapped though nobody read
  // them (a DeepSeek-class qconvert --dry-run peaked at 791 MiB before this,
  // 231 MiB after: qkit-bench-scale's dRSS column; the difference was weight
  // scales beside the weight offsets it read). Dropping a page still in use costs one minor
  // fault; the mapping is read-only, so nothing is lost.
  void advise_done(std::uint64_t begin, std::uint64_t end) const;
  // Linux's default fault_around_bytes (mm/memory.c; 16 pages of 4 KiB).
  static constexpr std::uint64_t kFaultAround = 64 * 1024;
  // The largest page-cache folio: PMD-sized (MAX_PAGECACHE_ORDER), 2 MiB
  // with 4 KiB pages.
  static constexpr std::uint64_t kMaxFolio = 2 * 1024 * 1024;

 private:
  void reset() noexcept;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::string path_;
};

// Runs `fn`, which reads bytes of mapped files. If a file shrinks while it
// is mapped (another process truncates it), touching the lost pages raises
// SIGBUS; inside this guard that becomes an error value naming `file`
// instead of killing the process. `fn` must not own objects whose
// destructors matter at the point of the fault (the jump skips them): keep
// allocations outside, as the streaming loops do.
Status guard_mapped_reads(const std::string& file, const std::function<Status()>& fn);

}  // namespace qkit
