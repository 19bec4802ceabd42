//===- formats/shard_prefetch.h - shard headers read ahead, on other cores ===//
//
// Checkpoint::detect reads the description on its own thread before it
// knows, in its own order, which index and which shards it will read. On a
// DeepSeek-class checkpoint the description (25 MB) and the index plus 180
// shard headers (17 MB) take about as long each, so the prefetcher reads
// the second while detect reads the first.
//
// It only guesses: detect still decides, in the same order as without it,
// and takes from here exactly the files it would have read, whatever was
// read ahead that it does not ask for is dropped. Every name passes
// check_shard_name before it is opened, as in detect, so nothing is opened
// that detect would refuse.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "formats/checkpoint.h"
#include "formats/shard_index.h"

namespace qkit {

// Reads one shard: its size and its parsed header, or why not.
ShardFile load_shard(const std::filesystem::path& dir, const std::string& name, const ParseOptions& options);

class ShardPrefetch {
 public:
  ShardPrefetch() = default;
  ShardPrefetch(const ShardPrefetch&) = delete;
  ShardPrefetch& operator=(const ShardPrefetch&) = delete;
  ~ShardPrefetch();  // waits for the work in flight, which only touches *this

  // Reads `index_name` (if not empty) and then the shards it lists, or else
  // `names`, on up to `threads` - 1 other threads.
  void start(std::filesystem::path dir, std::string index_name, std::vector<std::string> names,
             ParseOptions options, unsigned threads);

  // The prefetched index's result, when `name` is the index it read.
  std::optional<Result<ShardIndex>> take_index(const std::string& name);
  // Ends the read-ahead before detect reads `wanted`: when the guess was
  // exactly that, this thread helps with what is left and waits; otherwise
  // the rest is abandoned (what is being read finishes), so detect is not
  // kept waiting for files it will not use.
  void finish(const std::vector<std::string>& wanted);
  // After finish(): the shard `name` as load_shard gives it, when it was
  // read ahead; each is handed over once.
  std::optional<ShardFile> take_shard(const std::string& name);

 private:
  void run();         // the first helper: the index, then shards
  void work();        // takes shards off the list until none are left
  void wait_listed();

  std::filesystem::path dir_;
  std::string index_name_;
  ParseOptions options_;
  unsigned threads_ = 1;

  std::mutex mu_;
  std::condition_variable cv_;
  bool listed_ = false;                       // names_ and files_ are final
  std::optional<Result<ShardIndex>> index_;   // set before listed_
  std::vector<std::string> names_;
  std::vector<std::optional<ShardFile>> files_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stop_{false};        // take no more work
  std::vector<std::thread> threads_run_;
  bool finished_ = false;
  std::unordered_map<std::string_view, std::size_t> by_name_;  // into names_, once finished
};

}  // namespace qkit
