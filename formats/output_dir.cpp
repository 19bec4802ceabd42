//===- formats/output_dir.cpp - safe destination, locks, atomic swap -----===//
#include "formats/output_dir.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_EXCHANGE, RENAME_NOREPLACE (glibc >= 2.28)
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "formats/atomic_file.h"

namespace qkit {
namespace fs = std::filesystem;

namespace {

// The umask, read once at start-up while the process is single-threaded.
const mode_t kUmask = [] {
  mode_t m = ::umask(022);
  ::umask(m);
  return m;
}();

constexpr std::string_view kLockSuffix = ".qkit-lock";
constexpr std::string_view kOldMarker = ".qkit-old-";

struct FileId {
  dev_t dev;
  ino_t ino;
  bool operator==(const FileId&) const = default;
};

std::optional<FileId> file_id(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

fs::path parent_of(const fs::path& dst) { return dst.parent_path().empty() ? fs::path(".") : dst.parent_path(); }

std::string hidden_name(const fs::path& dst, std::string_view marker) {
  return "." + dst.filename().string() + std::string(marker);
}

Error sys_error(Errc code, const std::string& what, const fs::path& where, int err) {
  return Error(code, what + ": " + std::strerror(err)).in_file(where.string());
}

// flock(LOCK_EX | LOCK_NB) on an open descriptor: true when we got it.
bool try_lock(int fd) {
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0)
    if (errno != EINTR) return false;
  return true;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// Killed runs' leftovers beside dst, with what to do about each: an
// unlocked temporary directory is removed; an -old directory (the two-rename
// fallback was interrupted) is moved back when DST is missing.
struct Leftover {
  fs::path path;
  bool old = false;
};

std::vector<Leftover> find_leftovers(const fs::path& dst) {
  std::vector<Leftover> out;
  const std::string tmp_prefix = hidden_name(dst, kTempMarker), old_prefix = hidden_name(dst, kOldMarker);
  std::error_code ec;
  for (auto it = fs::directory_iterator(parent_of(dst), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string n = it->path().filename().string();
    const bool old = starts_with(n, old_prefix);
    if (!old && !starts_with(n, tmp_prefix)) continue;
    // A live run holds a lock on its temporary directory: leave it alone.
    int fd = ::open(it->path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
      const bool free = try_lock(fd);
      ::close(fd);
      if (!free) continue;
    }
    out.push_back({it->path(), old});
  }
  std::sort(out.begin(), out.end(), [](const Leftover& a, const Leftover& b) { return a.path < b.path; });
  return out;
}

// Every file under dir relative to it, for comparison with the marker.
// Stops at the first one `known` does not hold.
std::optional<std::string> first_foreign_file(const fs::path& dir, const std::set<std::string>& known) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code e2;
    if (it->is_directory(e2) && !it->is_symlink(e2)) continue;
    std::string rel = fs::relative(it->path(), dir, e2).generic_string();
    if (rel == kOutputMarkerName) continue;
    if (!known.count(rel)) return rel;
  }
  if (ec) return std::string("(cannot list: ") + ec.message() + ")";
  return std::nullopt;
}

std::optional<std::set<std::string>> read_marker(const fs::path& dir) {
  fs::path p = dir / std::string(kOutputMarkerName);
  std::error_code ec;
  if (!fs::is_regular_file(p, ec) || fs::file_size(p, ec) > (64u << 20)) return std::nullopt;
  std::ifstream f(p, std::ios::binary);
  auto j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("files") || !j["files"].is_array()) return std::nullopt;
  std::set<std::string> out;
  for (const auto& v : j["files"])
    if (v.is_string()) out.insert(v.get<std::string>());
  return out;
}

// Is an existing destination one we may replace under `policy`?
Status check_existing(const fs::path& dst, ReplacePolicy policy) {
  struct stat st {};
  if (::lstat(dst.c_str(), &st) != 0) {
    if (errno == ENOENT) return ok_status();
    return sys_error(Errc::io_stat, "cannot examine the destination", dst, errno);
  }
  if (S_ISLNK(st.st_mode))
    return Error(Errc::out_exists, "the destination is a symbolic link; give the directory itself (qkit never "
                                   "replaces a link)")
        .in_file(dst.string());
  if (!S_ISDIR(st.st_mode))
    return Error(Errc::out_exists, "the destination exists and is not a directory").in_file(dst.string());
  std::error_code ec;
  if (fs::is_empty(dst, ec) && !ec) return ok_status();
  switch (policy) {
    case ReplacePolicy::Anything: return ok_status();
    case ReplacePolicy::Never:
      return Error(Errc::out_exists, "the destination exists and is not empty (use --force to replace a "
                                     "checkpoint qkit wrote)")
          .in_file(dst.string());
    case ReplacePolicy::QkitOutput: break;
  }
  auto known = read_marker(dst);
  if (!known)
    return Error(Errc::out_not_ours, "the destination was not written by qkit (no " + std::string(kOutputMarkerName) +
                                         "); to replace it anyway, name it: --force=" + dst.string())
        .in_file(dst.string());
  if (auto foreign = first_foreign_file(dst, *known))
    return Error(Errc::out_not_ours, "the destination holds '" + escape_for_display(*foreign) +
                                         "', which qkit did not write; to replace it anyway, name it: --force=" +
                                         dst.string())
        .in_file(dst.string());
  return ok_status();
}

}  // namespace

Status check_output_apart(const fs::path& input, const fs::path& output) {
  std::error_code ec;
  fs::path in_dir = fs::is_directory(input, ec) ? input : parent_of(input);
  fs::path in = fs::canonical(in_dir, ec);
  if (ec) return sys_error(Errc::io_stat, "cannot resolve the input directory", in_dir, ec.value());
  fs::path out = fs::weakly_canonical(fs::absolute(output, ec), ec);
  if (ec) return sys_error(Errc::io_stat, "cannot resolve the destination", output, ec.value());
  auto in_id = file_id(in);
  if (!in_id) return sys_error(Errc::io_stat, "cannot stat the input directory", in, errno);

  // The output, or an existing ancestor of it, is the input: same or inside.
  for (fs::path p = out;; p = p.parent_path()) {
    if (auto id = file_id(p); id && *id == *in_id) {
      const bool same = p == out;
      return Error(Errc::out_overlaps_input,
                   same ? "the destination is the source directory " + in.string()
                        : "the destination lies inside the source directory " + in.string() +
                              "; choose a directory outside it")
          .in_file(output.string());
    }
    if (p == p.root_path() || p.empty()) break;
  }
  // The output contains the input: replacing it would delete the source.
  if (auto out_id = file_id(out))
    for (fs::path p = in;; p = p.parent_path()) {
      if (auto id = file_id(p); id && *id == *out_id)
        return Error(Errc::out_overlaps_input, "the destination contains the source directory " + in.string() +
                                                   "; replacing it would delete the source")
            .in_file(output.string());
      if (p == p.root_path() || p.empty()) break;
    }
  return ok_status();
}

std::vector<fs::path> leftovers_beside(const fs::path& dst) {
  std::vector<fs::path> out;
  for (const Leftover& l : find_leftovers(dst)) out.push_back(l.path);
  return out;
}

Result<OutputDirectory> OutputDirectory::begin(const fs::path& dst, ReplacePolicy policy) {
  OutputDirectory o;
  o.dst_ = dst;
  o.parent_ = parent_of(dst);
  if (dst.filename().empty() || dst.filename() == "." || dst.filename() == "..")
    return Error(Errc::invalid_argument, "the destination must name a directory, not '.' or '..'").in_file(dst.string());
  std::error_code ec;
  if (!fs::is_directory(o.parent_, ec))
    return Error(Errc::io_open, "the destination's parent directory does not exist").in_file(o.parent_.string());

  // 1. One writer per destination.
  o.lock_path_ = o.parent_ / hidden_name(dst, kLockSuffix);
  for (int attempt = 0;; ++attempt) {
    int fd = ::open(o.lock_path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return sys_error(Errc::io_open, "cannot create the lock file", o.lock_path_, errno);
    if (!try_lock(fd)) {
      char buf[32] = {};
      ssize_t k = ::pread(fd, buf, sizeof buf - 1, 0);
      ::close(fd);
      std::string who = k > 0 ? " (pid " + std::string(buf, static_cast<std::size_t>(k)) + ")" : "";
      while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
      return Error(Errc::out_busy, "another qkit run" + who + " is writing this destination; wait for it to finish "
                                   "or choose another destination")
          .in_file(dst.string());
    }
    // The holder before us may have unlinked the file after we opened it.
    struct stat a {}, b {};
    if (::fstat(fd, &a) == 0 && ::stat(o.lock_path_.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) { /* the pid is only a hint */ }
      o.lock_fd_ = fd;
      break;
    }
    ::close(fd);
    if (attempt == 8) return Error(Errc::out_busy, "the lock file keeps changing").in_file(o.lock_path_.string());
  }

  // 2. What killed runs left: restore an old checkpoint the two-rename
  // fallback had moved aside, remove unlocked temporaries.
  for (const Leftover& l : find_leftovers(dst)) {
    if (l.old && !fs::exists(fs::symlink_status(dst, ec))) {
      if (::rename(l.path.c_str(), dst.c_str()) == 0) continue;
    }
    fs::remove_all(l.path, ec);
  }

  // 3. May we replace what is there?
  if (auto st = check_existing(dst, policy); !st) return std::move(st).error();

  // 4. The temporary directory, named after our pid and locked for our life.
  std::string tmpl =
      (o.parent_ / (hidden_name(dst, kTempMarker) + std::to_string(::getpid()) + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    return sys_error(Errc::io_open, "cannot create a temporary directory", o.parent_, errno);
  o.tmp_ = fs::path(buf.data());
  o.tmp_fd_ = ::open(o.tmp_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (o.tmp_fd_ < 0 || !try_lock(o.tmp_fd_)) return sys_error(Errc::io_open, "cannot lock the temporary directory", o.tmp_, errno);
  return o;
}

OutputDirectory::OutputDirectory(OutputDirectory&& other) noexcept
    : dst_(std::move(other.dst_)), parent_(std::move(other.parent_)), tmp_(std::move(other.tmp_)),
      lock_path_(std::move(other.lock_path_)), lock_fd_(other.lock_fd_), tmp_fd_(other.tmp_fd_),
      committed_(other.committed_), written_(std::move(other.written_)) {
  other.lock_fd_ = other.tmp_fd_ = -1;
  other.tmp_.clear();
  other.lock_path_.clear();
}

OutputDirectory::~OutputDirectory() { release(); }

void OutputDirectory::release() noexcept {
  std::error_code ec;
  if (!committed_ && !tmp_.empty()) fs::remove_all(tmp_, ec);
  if (tmp_fd_ >= 0) ::close(tmp_fd_);
  tmp_fd_ = -1;
  if (lock_fd_ >= 0) {
    ::unlink(lock_path_.c_str());  // while still holding the lock
    ::close(lock_fd_);
  }
  lock_fd_ = -1;
  tmp_.clear();
}

Status OutputDirectory::write_marker() {
  std::sort(written_.begin(), written_.end());
  nlohmann::ordered_json j;
  j["written_by"] = std::string("qkit ") + QKIT_VERSION;
  j["note"] = "the files qkit wrote here; qconvert --force replaces this directory only while it holds no others";
  j["files"] = written_;
  auto out = AtomicFileWriter::create(tmp_ / std::string(kOutputMarkerName));
  if (!out) return std::move(out).error();
  if (auto st = out->write(std::string_view(j.dump(2) + "\n")); !st) return st;
  return out->commit();
}

Status OutputDirectory::commit() {
  if (committed_ || tmp_.empty()) return Error(Errc::internal, "commit of an output directory twice");
  if (::chmod(tmp_.c_str(), 0755 & ~kUmask) != 0)
    return sys_error(Errc::io_write, "cannot set the directory's mode", tmp_, errno);
  if (auto st = sync_directory(tmp_); !st) return st;

  struct stat st {};
  const bool exists = ::lstat(dst_.c_str(), &st) == 0;
  if (!exists) {
    if (::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, dst_.c_str(), RENAME_NOREPLACE) != 0) {
      if (errno == EEXIST || errno == ENOTEMPTY)
        return Error(Errc::out_exists, "the destination appeared while qkit was writing; nothing was replaced")
            .in_file(dst_.string());
      if ((errno != EINVAL && errno != ENOSYS) || ::rename(tmp_.c_str(), dst_.c_str()) != 0)
        return sys_error(Errc::io_rename, "cannot move the new checkpoint into place", dst_, errno);
    }
    committed_ = true;
    tmp_.clear();
    return sync_directory(parent_);
  }
  // Replace in one step: afterwards tmp_ names the old directory.
  if (::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, dst_.c_str(), RENAME_EXCHANGE) == 0) {
    committed_ = true;
    if (auto s = sync_directory(parent_); !s) return s;
    std::error_code ec;
    fs::remove_all(tmp_, ec);  // the old checkpoint; a killed run's copy is removed by the next begin()
    tmp_.clear();
    return ok_status();
  }
  if (errno != EINVAL && errno != ENOSYS)
    return sys_error(Errc::io_rename, "cannot exchange the new checkpoint with the old one", dst_, errno);
  // Fallback without RENAME_EXCHANGE: move the old one aside under a name
  // the next run recognises and restores, then move the new one in.
  std::string tmpl = (parent_ / (hidden_name(dst_, kOldMarker) + std::to_string(::getpid()) + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    return sys_error(Errc::io_open, "cannot create a directory for the old checkpoint", parent_, errno);
  fs::path old(buf.data());
  if (::rename(dst_.c_str(), old.c_str()) != 0) {
    int err = errno;
    ::rmdir(old.c_str());
    return sys_error(Errc::io_rename, "cannot move the old destination aside", dst_, err);
  }
  if (::rename(tmp_.c_str(), dst_.c_str()) != 0) {
    int err = errno;
    ::rename(old.c_str(), dst_.c_str());
    return sys_error(Errc::io_rename, "cannot move the new checkpoint into place", dst_, err);
  }
  committed_ = true;
  tmp_.clear();
  if (auto s = sync_directory(parent_); !s) return s;
  std::error_code ec;
  fs::remove_all(old, ec);
  return ok_status();
}

Status check_replaceable(const fs::path& dst, ReplacePolicy policy) { return check_existing(dst, policy); }

}  // namespace qkit
