//===- formats/flat_string_map.h - a sorted string -> string table -------===//
//
// The tables a checkpoint's side files hold by the hundred thousand (an
// index's weight_map, a description's tensor -> tag map) as one sorted
// vector of (key, value) views into text the table owns: a few large
// blocks, not two strings and a tree node per entry (issue #15). Values
// repeat a handful of strings (shard names, quant types) and are stored once
// while they recur.
//
// Keys can live in a NameTable shared with other files instead
// (formats/name_table.h): a checkpoint's index and description then hold
// views of the very bytes its shard headers hold, and each key's id there.
//
// Lookups are binary searches by string_view in byte order, and iteration
// is in key order, as with std::map<std::string, std::string>. Views handed
// out stay valid while the table lives, also when it is moved (the blocks
// stay put); a copy owns its own values and shares the NameTable's keys.
// One exception, with a NameTable: a key appended since the last sort() is
// a staged copy, valid only until it is interned (at the next 4096th
// append, sort(), emplace(), insert_or_assign() or erase()); bulk loads
// end with sort() before anything looks at the keys.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/name_table.h"

namespace qkit {

class FlatStringMap {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;
  using const_iterator = std::vector<value_type>::const_iterator;
  using iterator = const_iterator;
  using size_type = std::size_t;

  FlatStringMap() = default;
  // Keys interned in `keys` (null: in the table's own blocks).
  explicit FlatStringMap(std::shared_ptr<NameTable> keys) : keys_(std::move(keys)) {}
  // Entries in any order; of equal keys the first is kept (as map::emplace).
  FlatStringMap(std::initializer_list<value_type> entries) {
    for (const auto& [k, v] : entries) append(k, v);
    sort();
  }
  template <class It>
  FlatStringMap(It first, It last) {
    for (; first != last; ++first) append(first->first, first->second);
    sort();
  }
  FlatStringMap(const FlatStringMap& o) { copy_from(o); }
  FlatStringMap& operator=(const FlatStringMap& o) {
    if (this != &o) {
      FlatStringMap t(o);
      *this = std::move(t);
    }
    return *this;
  }
  FlatStringMap(FlatStringMap&& o) noexcept { take(o); }
  FlatStringMap& operator=(FlatStringMap&& o) noexcept {
    if (this != &o) take(o);
    return *this;
  }

  // The table the keys are interned in, if any: then, once sort() has run
  // after the last append(), NameTable::id_of(key) is each key's id there.
  const std::shared_ptr<NameTable>& key_table() const { return keys_; }

  size_type size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }

  const_iterator find(std::string_view k) const {
    if (!sorted_) {  // only between append() and sort()
      return std::find_if(entries_.begin(), entries_.end(), [&](const value_type& e) { return e.first == k; });
    }
    auto it = std::lower_bound(entries_.begin(), entries_.end(), k,
                               [](const value_type& e, std::string_view key) { return e.first < key; });
    return it != entries_.end() && it->first == k ? it : entries_.end();
  }
  // The first entry whose key is not less than k (the table must be sorted).
  const_iterator lower_bound(std::string_view k) const {
    return std::lower_bound(entries_.begin(), entries_.end(), k,
                            [](const value_type& e, std::string_view key) { return e.first < key; });
  }
  size_type count(std::string_view k) const { return find(k) != end() ? 1 : 0; }
  bool contains(std::string_view k) const { return find(k) != end(); }
  std::string_view at(std::string_view k) const {
    auto it = find(k);
    if (it == end()) throw std::out_of_range("FlatStringMap::at: no such key");
    return it->second;
  }

  // Like map::emplace: false, and nothing changes, when the key is present.
  // O(1) for a key after every other, else O(n): bulk loads use append().
  bool emplace(std::string_view k, std::string_view v) {
    std::string hold;
    k = settle(k, hold);
    auto it = lower(k);
    if (it != entries_.end() && it->first == k) return false;
    insert_at(it, k, v);
    return true;
  }
  void insert_or_assign(std::string_view k, std::string_view v) {
    std::string hold;
    k = settle(k, hold);
    auto it = lower(k);
    if (it != entries_.end() && it->first == k) {
      it->second = keep_value(v);
      return;
    }
    insert_at(it, k, v);
  }
  size_type erase(std::string_view k) {
    std::string hold;
    k = settle(k, hold);
    auto it = lower(k);
    if (it == entries_.end() || it->first != k) return 0;
    entries_.erase(it);  // its text stays in the block until the table goes
    return 1;
  }

  // Bulk loading: append() adds an entry in any order, without a duplicate
  // check; sort() then orders the table and keeps the first of equal keys
  // (as map::emplace would have), sort(true) the last (as map[k] = v).
  // Lookups in between work, by a linear scan once the order broke.
  // With a NameTable, appended keys are staged (copied as they come) and
  // interned a few thousand at a time (NameTable::intern_all), the rest by
  // sort(), which a bulk load ends with.
  void append(std::string_view k, std::string_view v) {
    if (sorted_ && !entries_.empty() && !(entries_.back().first < k)) sorted_ = false;
    const std::string_view key = keys_ ? stage(k) : text_.keep(k);
    entries_.emplace_back(key, keep_value(v));
    if (staged_count_ == kStageBatch) intern_staged();
  }
  void sort(bool keep_last = false) {
    if (staged_count_ != 0) intern_staged();
    if (!sorted_) order(keep_last);
  }

 private:
  void order(bool keep_last) {
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const value_type& a, const value_type& b) { return a.first < b.first; });
    auto out = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto run = it + 1;
      while (run != entries_.end() && run->first == it->first) ++run;
      *out++ = keep_last ? *(run - 1) : *it;
      it = run;
    }
    entries_.erase(out, entries_.end());
    sorted_ = true;
  }
  // The staged keys are the last staged_count_ entries: nothing reorders
  // entries before interning them (sort() and every insert do it first).
  void intern_staged() {
    std::vector<std::string_view> keys;
    const std::size_t from = entries_.size() - staged_count_;
    keys.reserve(staged_count_);
    for (std::size_t i = from; i < entries_.size(); ++i) keys.push_back(entries_[i].first);
    keys_->intern_all(keys);
    for (std::size_t i = from; i < entries_.size(); ++i) entries_[i].first = keys[i - from];
    staged_.clear();
    staged_count_ = 0;
  }

 public:
  friend bool operator==(const FlatStringMap& a, const FlatStringMap& b) { return a.entries_ == b.entries_; }

 private:
  // Interns what is staged first; k may be a view of a staged key, which
  // that frees, so it is copied to `hold` then.
  std::string_view settle(std::string_view k, std::string& hold) {
    if (staged_count_ == 0) return k;
    hold.assign(k);
    intern_staged();
    return hold;
  }
  std::vector<value_type>::iterator lower(std::string_view k) {
    sort();
    return std::lower_bound(entries_.begin(), entries_.end(), k,
                            [](const value_type& e, std::string_view key) { return e.first < key; });
  }
  void insert_at(std::vector<value_type>::iterator it, std::string_view k, std::string_view v) {
    const std::string_view key = keep_key(k);
    const std::string_view value = keep_value(v);
    entries_.insert(it, value_type(key, value));
  }
  // Moves o's entries and blocks here and leaves o empty (its free space
  // now belongs to this table).
  void take(FlatStringMap& o) noexcept {
    entries_ = std::move(o.entries_);
    text_ = std::move(o.text_);
    staged_ = std::move(o.staged_);
    staged_count_ = std::exchange(o.staged_count_, 0);
    std::copy(std::begin(o.recent_), std::end(o.recent_), std::begin(recent_));
    std::fill(std::begin(o.recent_), std::end(o.recent_), std::string_view());
    next_recent_ = std::exchange(o.next_recent_, 0);
    sorted_ = std::exchange(o.sorted_, true);
    keys_ = std::move(o.keys_);
    o.entries_.clear();
  }
  void copy_from(const FlatStringMap& o) {
    keys_ = o.keys_;
    entries_.reserve(o.entries_.size());
    for (const auto& [k, v] : o.entries_) {
      // Interned keys are shared, not copied; staged ones are staged again.
      const bool interned = keys_ && o.staged_count_ == 0;
      entries_.emplace_back(interned ? k : keys_ ? stage(k) : text_.keep(k), keep_value(v));
    }
    if (staged_count_ != 0) intern_staged();  // a copy's keys are the table's at once
    sorted_ = o.sorted_;
  }

  // Text in a few large blocks that never move.
  class Arena {
   public:
    std::string_view keep(std::string_view s) {
      if (s.empty()) return std::string_view();
      if (s.size() > left_) {
        const std::size_t n = std::max<std::size_t>(s.size(), kBlock);
        blocks_.push_back(std::make_unique<char[]>(n));
        free_ = blocks_.back().get();
        left_ = n;
      }
      std::memcpy(free_, s.data(), s.size());
      const std::string_view out(free_, s.size());
      free_ += s.size();
      left_ -= s.size();
      return out;
    }
    void clear() {
      blocks_.clear();
      free_ = nullptr;
      left_ = 0;
    }
    Arena() = default;
    Arena(Arena&& o) noexcept { *this = std::move(o); }
    Arena& operator=(Arena&& o) noexcept {
      blocks_ = std::move(o.blocks_);
      free_ = std::exchange(o.free_, nullptr);
      left_ = std::exchange(o.left_, 0);
      o.blocks_.clear();
      return *this;
    }

   private:
    std::vector<std::unique_ptr<char[]>> blocks_;
    char* free_ = nullptr;
    std::size_t left_ = 0;
  };
  std::string_view stage(std::string_view k) {
    ++staged_count_;
    return staged_.keep(k);
  }
  std::string_view keep_key(std::string_view k) { return keys_ ? keys_->intern(k).text : text_.keep(k); }
  // Values recur (a few shard names or quant types): the last few distinct
  // ones are looked at before a copy is made.
  std::string_view keep_value(std::string_view v) {
    for (std::string_view r : recent_)
      if (r.size() == v.size() && r == v && r.data() != nullptr) return r;
    const std::string_view out = text_.keep(v);
    recent_[next_recent_] = out;
    next_recent_ = (next_recent_ + 1) % kRecent;
    return out;
  }

  static constexpr std::size_t kBlock = 64 * 1024;
  static constexpr std::size_t kRecent = 8;
  static constexpr std::size_t kStageBatch = 4096;  // keys staged before they are interned
  std::vector<value_type> entries_;
  Arena text_;    // values, and keys when there is no NameTable
  Arena staged_;  // appended keys until sort() interns them
  std::size_t staged_count_ = 0;
  std::string_view recent_[kRecent]{};
  std::size_t next_recent_ = 0;
  std::shared_ptr<NameTable> keys_;  // where keys are interned; null: in text_
  bool sorted_ = true;  // false from an append() out of order to the next sort()
};

}  // namespace qkit
