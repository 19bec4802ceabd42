//===- formats/shard_prefetch.cpp - shard headers read ahead ---------------===//
#include "formats/shard_prefetch.h"

#include <algorithm>
#include <system_error>
#include <unordered_set>

namespace qkit {
namespace fs = std::filesystem;

ShardFile load_shard(const fs::path& dir, const std::string& name, const ParseOptions& options) {
  ShardFile sf;
  sf.name = name;
  std::error_code ec;
  sf.size = fs::file_size(dir / name, ec);
  if (ec) sf.size = 0;  // not a file (the open below says why), not 2^64-1
  auto f = SafetensorsFile::open(dir / name, options);
  if (f) sf.file = std::make_shared<SafetensorsFile>(std::move(*f));
  else sf.error = std::move(f).error();
  return sf;
}

ShardPrefetch::~ShardPrefetch() {
  stop_ = true;  // work not started is not needed any more
  for (std::thread& t : threads_run_)
    if (t.joinable()) t.join();
}

void ShardPrefetch::start(fs::path dir, std::string index_name, std::vector<std::string> names,
                          ParseOptions options, unsigned threads) {
  dir_ = std::move(dir);
  index_name_ = std::move(index_name);
  names_ = std::move(names);
  options_ = options;
  threads_ = std::max(1u, threads);
  if (threads_ >= 2) {
    try {
      threads_run_.emplace_back([this] { run(); });
      return;
    } catch (const std::system_error&) {  // no thread to be had: detect reads as before
    }
  }
  std::lock_guard lock(mu_);
  names_.clear();
  listed_ = true;
}

void ShardPrefetch::run() {
  // Whatever fails here (out of memory, no more threads) only means less is
  // read ahead: detect reads what it does not find here itself.
  std::vector<std::string> names;
  std::optional<Result<ShardIndex>> index;
  try {
    if (!index_name_.empty()) {
      index.emplace(read_shard_index(dir_ / index_name_, options_.names));
      if (*index) names = (*index)->shards();
    } else {
      names = names_;
    }
    // The same gate detect puts every shard name through before reading it.
    std::erase_if(names, [&](const std::string& n) { return !check_shard_name(dir_, n).ok(); });
  } catch (...) {
    index.reset();
    names.clear();
  }
  {
    std::lock_guard lock(mu_);
    index_ = std::move(index);
    names_ = std::move(names);
    files_.resize(names_.size());
    listed_ = true;
  }
  cv_.notify_all();
  // More helpers only now that there is a list to share.
  const std::size_t extra = std::min<std::size_t>(names_.size(), threads_ - 1) - (names_.empty() ? 0 : 1);
  std::vector<std::thread> more;
  try {
    for (std::size_t t = 0; t < extra; ++t) more.emplace_back([this] { work(); });
  } catch (const std::system_error&) {  // fewer helpers
  }
  work();
  for (std::thread& t : more) t.join();
}

void ShardPrefetch::work() {
  for (std::size_t i; !stop_ && (i = next_.fetch_add(1)) < names_.size();) {
    try {
      files_[i] = load_shard(dir_, names_[i], options_);
    } catch (...) {  // left unread: detect reads it itself
    }
  }
}

void ShardPrefetch::wait_listed() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return listed_; });
}

std::optional<Result<ShardIndex>> ShardPrefetch::take_index(const std::string& name) {
  if (threads_run_.empty() || name != index_name_) return std::nullopt;
  wait_listed();
  return std::exchange(index_, std::nullopt);
}

void ShardPrefetch::finish(const std::vector<std::string>& wanted) {
  if (threads_run_.empty() || finished_) return;
  wait_listed();
  // The guess held when detect wants exactly what was listed: help with
  // what is left. Otherwise stop taking work (what is being read
  // finishes), so detect neither waits for files it will not use nor reads
  // its own after them: it reads whatever is missing on all cores.
  std::unordered_set<std::string_view> want(wanted.begin(), wanted.end());
  const bool exact = want.size() == names_.size() &&
                     std::all_of(names_.begin(), names_.end(), [&](const std::string& n) { return want.count(n) != 0; });
  if (exact) work();
  else stop_ = true;
  for (std::thread& t : threads_run_) t.join();
  for (std::size_t i = 0; i < names_.size(); ++i) by_name_.emplace(names_[i], i);
  finished_ = true;
}

std::optional<ShardFile> ShardPrefetch::take_shard(const std::string& name) {
  if (threads_run_.empty() || !finished_) return std::nullopt;
  auto it = by_name_.find(name);
  if (it == by_name_.end() || !files_[it->second]) return std::nullopt;
  return std::exchange(files_[it->second], std::nullopt);
}

}  // namespace qkit
