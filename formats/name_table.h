//===- formats/name_table.h - every tensor and module name, stored once --===//
//
// A checkpoint names each tensor in up to three files (its shard's header,
// the index's weight_map, the description) and each quantized module by a
// prefix of those names. Stored per file, a 138k-tensor checkpoint held
// every name three or four times (about 17 MB of 113 MB, issue #15). A
// NameTable interns them: the first file to mention a name stores its bytes,
// the others get a view of the same bytes, and every distinct name gets a
// dense id (0, 1, 2, ...) so that matching across files is a vector lookup
// by id, not a string comparison.
//
//   - Views handed out stay valid, and keep their address, while the table
//     lives: text goes into blocks that never move. Holders keep the table
//     alive through a shared_ptr (SafetensorsHeader, FlatStringMap,
//     Checkpoint).
//   - intern() is thread-safe: shard headers, the index and the description
//     are parsed on several threads at once (formats/shard_prefetch.h,
//     Checkpoint::read_shards). The table is split into stripes by hash,
//     each with its own lock, so parsers rarely wait on each other.
//   - Ids are dense (0 .. size() - 1) but their order is not the order of
//     arrival (intern_all gives them stripe by stripe) and differs between
//     runs when threads race: they are for lookups, never for output.
//   - id_of(view) is O(1) for any view the table handed out: the id is
//     stored in the 4 bytes before the text.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace qkit {

using NameId = std::uint32_t;
inline constexpr NameId kNoName = 0xFFFFFFFFu;

struct InternedName {
  std::string_view text;
  NameId id = kNoName;
};

class NameTable {
 public:
  NameTable();
  ~NameTable();
  NameTable(const NameTable&) = delete;
  NameTable& operator=(const NameTable&) = delete;

  // The table's copy of s, and its id; the same for equal s. Thread-safe.
  // Throws std::length_error past 2^32 - 1 names or a name of 4 GiB.
  InternedName intern(std::string_view s);
  // intern() of every texts[i], in place: texts[i] becomes the table's view
  // and ids[i] (when ids is not empty) its id. Thread-safe. For a whole
  // header or table at once: the names are grouped by stripe, each stripe
  // is locked once, and slots are prefetched ahead of their probes, so the
  // cache misses of a large table overlap instead of following each other
  // (they were three quarters of one-by-one interning at 138k tensors).
  void intern_all(std::span<std::string_view> texts, std::span<NameId> ids = {});
  // Room for `more` names beyond size() without growing step by step (each
  // step re-places every name: cache misses, and old and new slots at
  // once). Thread-safe; a hint: fewer names than reserved cost nothing more
  // than the slots.
  void reserve(std::size_t more);
  // The id of s if it was interned. Thread-safe.
  std::optional<NameId> find(std::string_view s) const;
  // The id of a view intern() returned (or any view of a whole name it
  // returned). Undefined for other views: check with owns() in tests.
  static NameId id_of(std::string_view interned) {
    NameId id;
    std::memcpy(&id, interned.data() - sizeof id, sizeof id);
    return id;
  }
  // Whether `text` is a view of a name this table holds.
  bool owns(std::string_view text) const;

  // Distinct names so far: ids are below this.
  std::size_t size() const { return next_id_.load(std::memory_order_acquire); }
  // Bytes of name text stored (without ids and slots), for the bench.
  std::size_t text_bytes() const;

 private:
  struct Stripe;
  static constexpr std::size_t kStripes = 16;
  std::unique_ptr<Stripe[]> stripes_;
  std::atomic<std::size_t> next_id_{0};
};

}  // namespace qkit
