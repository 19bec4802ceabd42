//===- formats/mapped_file.cpp - POSIX mmap wrapper ----------------------===//
#include "formats/mapped_file.h"

#include <algorithm>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csetjmp>
#include <csignal>
#include <cerrno>
#include <mutex>
#include <cstring>
#include <limits>

namespace qkit {
namespace {

std::string errno_text(int e) { return std::strerror(e); }

// Round [begin, end) outwards to page boundaries inside [0, size).
void page_range(std::uint64_t size, std::uint64_t& begin, std::uint64_t& end) {
  static const std::uint64_t page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  if (end > size) end = size;
  begin -= begin % page;
}

}  // namespace

Result<MappedFile> MappedFile::open(const std::filesystem::path& path) {
  MappedFile mf;
  mf.path_ = path.string();
  // O_NONBLOCK: a FIFO under a shard name must fail the regular-file check, not block.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return Error(Errc::io_open, "open failed: " + errno_text(errno)).in_file(mf.path_);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Error(Errc::io_stat, "fstat failed: " + errno_text(e)).in_file(mf.path_);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(Errc::not_regular_file, "expected a regular file").in_file(mf.path_);
  }
  if (static_cast<std::uint64_t>(st.st_size) > std::numeric_limits<std::size_t>::max()) {
    ::close(fd);
    return Error(Errc::file_too_large, "file does not fit the address space").in_file(mf.path_);
  }
  mf.size_ = static_cast<std::size_t>(st.st_size);
  if (mf.size_ > 0) {
    void* p = ::mmap(nullptr, mf.size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return Error(Errc::io_map, "mmap failed: " + errno_text(e)).in_file(mf.path_);
    }
    mf.data_ = static_cast<const std::byte*>(p);
  }
  ::close(fd);  // the mapping keeps the file alive
  return mf;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(other.data_), size_(other.size_), path_(std::move(other.path_)) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = other.data_;
    size_ = other.size_;
    path_ = std::move(other.path_);
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() { reset(); }

void MappedFile::reset() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

void MappedFile::advise_sequential(std::uint64_t begin, std::uint64_t end) const {
  if (data_ == nullptr || begin >= end) return;
  page_range(size_, begin, end);
  ::madvise(const_cast<std::byte*>(data_) + begin, end - begin, MADV_SEQUENTIAL);
}

void MappedFile::advise_done(std::uint64_t begin, std::uint64_t end) const {
  if (data_ == nullptr || begin >= end) return;
  // A read fault maps more than the page it needs (mm/memory.c):
  //  - do_fault_around maps a window of kFaultAround bytes of cached pages,
  //    aligned on virtual addresses except at the mapping's start, where it
  //    starts there instead: any such window holding a byte of [begin, end)
  //    lies within kFaultAround of it;
  //  - a large page-cache folio is mapped whole; folios are at most
  //    kMaxFolio and aligned to their size in the file.
  // So the range dropped reaches both that far and the enclosing kMaxFolio
  // blocks.
  end = std::min<std::uint64_t>(end, size_);
  const std::uint64_t lo = std::min(begin / kMaxFolio * kMaxFolio, begin > kFaultAround ? begin - kFaultAround : 0);
  const std::uint64_t hi = std::max((end + kMaxFolio - 1) / kMaxFolio * kMaxFolio, end + kFaultAround);
  begin = lo;
  end = std::min<std::uint64_t>(hi, size_);
  page_range(size_, begin, end);  // whole pages
  // MADV_DONTNEED on a read-only shared file mapping only drops our page
  // table entries; the data stays in the page cache and on disk.
  ::madvise(const_cast<std::byte*>(data_) + begin, end - begin, MADV_DONTNEED);
}

namespace {

thread_local sigjmp_buf* t_jump = nullptr;

void on_sigbus(int sig, siginfo_t*, void*) {
  if (t_jump != nullptr) siglongjmp(*t_jump, 1);
  // Not a guarded read: behave as if we had never handled it.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_sigbus_handler() {
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace

Status guard_mapped_reads(const std::string& file, const std::function<Status()>& fn) {
  static std::once_flag once;
  std::call_once(once, install_sigbus_handler);
  sigjmp_buf here;
  sigjmp_buf* outer = t_jump;
  if (sigsetjmp(here, 1) != 0) {
    t_jump = outer;
    return Error(Errc::io_read, "the file shrank while it was being read (SIGBUS on its mapping)").in_file(file);
  }
  t_jump = &here;
  Status st = fn();
  t_jump = outer;
  return st;
}

}  // namespace qkit
