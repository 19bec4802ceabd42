//===- formats/atomic_file.h - write a file so it appears whole or not at all
//
// Bytes go to a temporary file in the destination directory
// (".NAME.qkit-tmp-XXXXXX"), then fsync, chmod, rename over the final name
// and fsync of the directory. If the writer is destroyed before commit(), or
// any step fails, the temporary file is removed: an interrupted run never
// leaves a half-written file under the final name.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.h"

namespace qkit {

// Where streamed bytes go. Writers of tensor data only see this interface,
// so a tensor can be produced chunk by chunk without holding it in memory.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status write(std::span<const std::byte> bytes) = 0;
  Status write(std::string_view s) { return write(std::as_bytes(std::span(s.data(), s.size()))); }
};

// The prefix every temporary file of qkit starts with, so that a clean-up
// can recognise leftovers of a killed run.
inline constexpr std::string_view kTempMarker = ".qkit-tmp-";

class AtomicFileWriter final : public ByteSink {
 public:
  // mode is applied at commit, masked by the process umask.
  static Result<AtomicFileWriter> create(const std::filesystem::path& final_path, mode_t mode = 0644);

  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter() override;

  Status write(std::span<const std::byte> bytes) override;
  using ByteSink::write;
  // Flush, fsync, chmod, rename into place, fsync the directory.
  Status commit();
  // Remove the temporary file (also done by the destructor).
  void abort() noexcept;

  std::uint64_t bytes_written() const { return written_; }
  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& final_path() const { return final_; }

 private:
  AtomicFileWriter() = default;
  Status flush();
  Status write_all(const std::byte* p, std::size_t n);
  Error io_error(Errc code, const std::string& what, int err) const;

  int fd_ = -1;
  mode_t mode_ = 0644;
  std::filesystem::path final_;
  std::filesystem::path temp_;
  std::vector<std::byte> buf_;
  std::size_t buf_used_ = 0;
  std::uint64_t written_ = 0;
  bool committed_ = false;
};

// fsync a directory so a rename inside it is durable.
Status sync_directory(const std::filesystem::path& dir);

}  // namespace qkit
