//===- formats/atomic_file.cpp - temp + fsync + rename -------------------===//
#include "formats/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace qkit {
namespace {

constexpr std::size_t kBufferSize = 1 << 20;

// The umask, read once at start-up while the process is single-threaded.
const mode_t kUmask = [] {
  mode_t m = ::umask(022);
  ::umask(m);
  return m;
}();

}  // namespace

Error AtomicFileWriter::io_error(Errc code, const std::string& what, int err) const {
  return Error(code, what + ": " + std::strerror(err)).in_file(final_.string());
}

Result<AtomicFileWriter> AtomicFileWriter::create(const std::filesystem::path& final_path, mode_t mode) {
  AtomicFileWriter w;
  w.final_ = final_path;
  w.mode_ = mode & ~kUmask;
  std::filesystem::path dir = final_path.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = (dir / ("." + final_path.filename().string() + std::string(kTempMarker) + "XXXXXX")).string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return w.io_error(Errc::io_open, "cannot create a temporary file in " + dir.string(), errno);
  w.fd_ = fd;
  w.temp_ = std::filesystem::path(name.data());
  w.buf_.resize(kBufferSize);
  return w;
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& o) noexcept
    : fd_(o.fd_), mode_(o.mode_), final_(std::move(o.final_)), temp_(std::move(o.temp_)),
      buf_(std::move(o.buf_)), buf_used_(o.buf_used_), written_(o.written_), committed_(o.committed_) {
  o.fd_ = -1;
  o.committed_ = true;  // the moved-from object owns nothing to clean up
}

AtomicFileWriter::~AtomicFileWriter() { abort(); }

void AtomicFileWriter::abort() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!committed_ && !temp_.empty()) {
    ::unlink(temp_.c_str());
    temp_.clear();
  }
}

Status AtomicFileWriter::write_all(const std::byte* p, std::size_t n) {
  while (n > 0) {
    ssize_t k = ::write(fd_, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return io_error(Errc::io_write, "write failed after " + std::to_string(written_) + " bytes", errno);
    }
    p += k;
    n -= static_cast<std::size_t>(k);
  }
  return ok_status();
}

Status AtomicFileWriter::flush() {
  if (buf_used_ == 0) return ok_status();
  auto st = write_all(buf_.data(), buf_used_);
  buf_used_ = 0;
  return st;
}

Status AtomicFileWriter::write(std::span<const std::byte> bytes) {
  if (fd_ < 0) return Error(Errc::io_write, "write after commit or abort").in_file(final_.string());
  if (bytes.empty()) return ok_status();  // an empty tensor's span may be null: no memcpy from it
  written_ += bytes.size();
  if (buf_used_ + bytes.size() <= buf_.size()) {
    std::memcpy(buf_.data() + buf_used_, bytes.data(), bytes.size());
    buf_used_ += bytes.size();
    return ok_status();
  }
  if (auto st = flush(); !st) return st;
  if (bytes.size() >= buf_.size()) return write_all(bytes.data(), bytes.size());  // large: no copy
  std::memcpy(buf_.data(), bytes.data(), bytes.size());
  buf_used_ = bytes.size();
  return ok_status();
}

Status AtomicFileWriter::commit() {
  if (fd_ < 0) return Error(Errc::io_write, "commit after commit or abort").in_file(final_.string());
  if (auto st = flush(); !st) {
    abort();
    return st;
  }
  if (::fsync(fd_) != 0) {
    Error e = io_error(Errc::io_sync, "fsync failed", errno);
    abort();
    return e;
  }
  if (::fchmod(fd_, mode_) != 0) {
    Error e = io_error(Errc::io_write, "fchmod failed", errno);
    abort();
    return e;
  }
  if (::close(fd_) != 0) {
    fd_ = -1;
    Error e = io_error(Errc::io_write, "close failed", errno);
    abort();
    return e;
  }
  fd_ = -1;
  if (::rename(temp_.c_str(), final_.c_str()) != 0) {
    Error e = io_error(Errc::io_rename, "rename from " + temp_.string() + " failed", errno);
    abort();
    return e;
  }
  committed_ = true;
  std::filesystem::path dir = final_.parent_path();
  return sync_directory(dir.empty() ? std::filesystem::path(".") : dir);
}

Status sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error(Errc::io_sync, std::string("cannot open directory: ") + std::strerror(errno)).in_file(dir.string());
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Error(Errc::io_sync, std::string("fsync of directory failed: ") + std::strerror(err)).in_file(dir.string());
  return ok_status();
}

}  // namespace qkit
