//===- formats/output_dir.h - where a written checkpoint goes, safely -----===//
//
// A tool that writes a directory must never destroy its input or somebody
// else's files, and an interrupted run must leave either the old or the new
// directory under the final name. This file owns those promises:
//
//  * check_output_apart: the destination is not the input, not inside it and
//    does not contain it. Paths are compared by (device, inode) of every
//    ancestor after resolving symlinks and "..", so a symlink, a relative
//    path or a bind mount of the same directory cannot hide the overlap.
//  * OutputDirectory: the work happens in ".DST.qkit-tmp-<pid>-XXXXXX"
//    beside DST, holding two flock(2) locks: one on ".DST.qkit-lock" (one
//    writer per destination; a second run fails at once, naming the first
//    one's pid) and one on the temporary directory itself (so a clean-up can
//    tell a live run's directory from a killed run's leftovers). commit()
//    puts the new directory in place in one step:
//      - DST absent:  renameat2(RENAME_NOREPLACE);
//      - DST present: renameat2(RENAME_EXCHANGE), then the old directory,
//        now under the temporary name, is removed.
//    Where the filesystem has no renameat2 flags (EINVAL: some network and
//    FUSE filesystems), the documented fallback is two renames: DST ->
//    ".DST.qkit-old-<pid>-XXXXXX", then temporary -> DST. A kill between
//    the two leaves DST absent and the old checkpoint under the -old name;
//    the next run restores it before doing anything else.
//  * A marker file (kOutputMarkerName) lists what qkit wrote, so replacing
//    an existing destination with --force is refused when it holds files
//    qkit did not write, unless the caller names it explicitly.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.h"

namespace qkit {

// Written at the top of every directory qkit's converter writes: a JSON list
// of the files it wrote. Never copied from a source as a side file.
inline constexpr std::string_view kOutputMarkerName = ".qkit-output.json";

// Fails (Errc::out_overlaps_input) when `output` is `input`, lies inside it,
// or contains it. `input` may be a file (its directory is used).
Status check_output_apart(const std::filesystem::path& input, const std::filesystem::path& output);

// What may be replaced when the destination exists and is not empty.
enum class ReplacePolicy {
  Never,           // an existing non-empty destination is an error
  QkitOutput,      // only a directory whose every file qkit's marker lists (--force)
  Anything,        // any directory (--force=DST naming it, or a generator's own folder)
};

// The check begin() makes of an existing destination, for callers that want
// to fail before doing any work: absent or empty passes; a link or a file
// never does; a non-empty directory as `policy` says.
Status check_replaceable(const std::filesystem::path& dst, ReplacePolicy policy);

class OutputDirectory {
 public:
  // Locks the destination, restores or removes what killed runs left beside
  // it, checks the existing destination against `policy`, and creates the
  // locked temporary directory.
  static Result<OutputDirectory> begin(const std::filesystem::path& dst, ReplacePolicy policy);

  OutputDirectory(OutputDirectory&& other) noexcept;
  OutputDirectory& operator=(OutputDirectory&&) = delete;
  OutputDirectory(const OutputDirectory&) = delete;
  ~OutputDirectory();  // removes the temporary directory unless committed; releases the locks

  // Where to write.
  const std::filesystem::path& path() const { return tmp_; }
  // Records a file (relative to path()) for the marker.
  void record(std::string relative_name) { written_.push_back(std::move(relative_name)); }
  // Writes the marker listing every recorded file (call before commit()).
  Status write_marker();
  // fsync, mode 0755 less the umask, swap into place, remove the old one.
  Status commit();

 private:
  OutputDirectory() = default;
  void release() noexcept;

  std::filesystem::path dst_, parent_, tmp_, lock_path_;
  int lock_fd_ = -1;  // flock on .DST.qkit-lock
  int tmp_fd_ = -1;   // flock on the temporary directory
  bool committed_ = false;
  std::vector<std::string> written_;
};

// Entries beside `dst` that killed runs left (".DST.qkit-tmp-*" not locked
// by a live process, ".DST.qkit-old-*"). Used by begin(); exposed for tests.
std::vector<std::filesystem::path> leftovers_beside(const std::filesystem::path& dst);

}  // namespace qkit
