//===- formats/name_table.cpp - interned names --------------------------===//
#include "formats/name_table.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>

namespace qkit {

// One stripe: an open-addressing set of the names whose hash falls in it,
// and the blocks holding their text (each name as [4-byte id][bytes]).
// Aligned to a cache line each: stripes locked by different threads do not
// share one.
struct alignas(64) NameTable::Stripe {
  struct Slot {
    const char* text = nullptr;  // null: empty slot
    std::uint32_t size = 0;
    std::uint32_t hash = 0;      // low bits of the hash, to skip most compares
  };
  mutable std::mutex lock;
  std::vector<Slot> slots;       // a power of two, at most half full
  std::size_t used = 0;
  std::vector<std::unique_ptr<char[]>> blocks;
  char* free = nullptr;
  std::size_t left = 0;
  std::size_t next_block = 1024;  // small checkpoints stay small; doubles to 64 KiB
  std::size_t text = 0;

  // The slot holding s, or the empty slot where it would go.
  Slot& probe(std::string_view s, std::size_t h) {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& slot = slots[i];
      if (slot.text == nullptr) return slot;
      if (slot.hash == static_cast<std::uint32_t>(h) && slot.size == s.size() &&
          (s.empty() || std::memcmp(slot.text, s.data(), s.size()) == 0))  // "" may have no data()
        return slot;
    }
  }
  // Room for `names` names at most half full, in one step.
  void fit(std::size_t names) {
    std::size_t n = slots.empty() ? 64 : slots.size();
    while (names * 2 > n) n *= 2;
    if (n != slots.size()) rehash(n);
  }
  void grow() { rehash(slots.empty() ? 64 : slots.size() * 2); }
  void rehash(std::size_t n) {
    std::vector<Slot> old = std::move(slots);
    slots.assign(n, Slot{});
    const std::size_t mask = slots.size() - 1;
    for (const Slot& o : old) {
      if (o.text == nullptr) continue;
      // Re-placed by the stored low hash bits: the table never exceeds 2^32
      // slots per stripe, so they are all the mask needs.
      std::size_t i = o.hash & mask;
      while (slots[i].text != nullptr) i = (i + 1) & mask;
      slots[i] = o;
    }
  }
  // Room for s and its id; the only step of an insert that can fail
  // (bad_alloc), so it comes before an id is taken.
  void make_room(std::string_view s) {
    const std::size_t need = sizeof(NameId) + s.size();
    if (need > left) {
      const std::size_t n = std::max(need, next_block);
      blocks.push_back(std::make_unique<char[]>(n));
      free = blocks.back().get();
      left = n;
      next_block = std::min<std::size_t>(next_block * 2, 64 * 1024);
    }
  }
  // After make_room(s).
  const char* store(std::string_view s, NameId id) {
    const std::size_t need = sizeof id + s.size();
    std::memcpy(free, &id, sizeof id);
    if (!s.empty()) std::memcpy(free + sizeof id, s.data(), s.size());
    const char* text_at = free + sizeof id;
    free += need;
    left -= need;
    text += s.size();
    return text_at;
  }
};

NameTable::NameTable() : stripes_(std::make_unique<Stripe[]>(kStripes)) {}
NameTable::~NameTable() = default;

namespace {
// The stripe from the top bits, the slot from the low ones.
std::size_t stripe_of(std::size_t h) { return (h >> (std::numeric_limits<std::size_t>::digits - 4)) & 15; }
}  // namespace

InternedName NameTable::intern(std::string_view s) {
  static_assert(kStripes == 16, "stripe_of takes 4 bits");
  if (s.size() > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("name longer than 4 GiB");
  const std::size_t h = std::hash<std::string_view>{}(s);
  Stripe& st = stripes_[stripe_of(h)];
  std::lock_guard<std::mutex> g(st.lock);
  if (st.slots.empty()) st.grow();
  Stripe::Slot* slot = &st.probe(s, h);
  if (slot->text != nullptr) return {std::string_view(slot->text, slot->size), id_of({slot->text, slot->size})};
  if ((st.used + 1) * 2 > st.slots.size()) {
    st.grow();
    slot = &st.probe(s, h);
  }
  st.make_room(s);
  const std::size_t id = next_id_.fetch_add(1, std::memory_order_acq_rel);
  if (id >= kNoName) {
    next_id_.fetch_sub(1, std::memory_order_acq_rel);
    throw std::length_error("more than 2^32 - 1 distinct names");
  }
  const char* text = st.store(s, static_cast<NameId>(id));
  *slot = {text, static_cast<std::uint32_t>(s.size()), static_cast<std::uint32_t>(h)};
  ++st.used;
  return {std::string_view(text, s.size()), static_cast<NameId>(id)};
}

void NameTable::intern_all(std::span<std::string_view> texts, std::span<NameId> ids) {
  if (!ids.empty() && ids.size() != texts.size()) throw std::invalid_argument("intern_all: ids and texts differ in size");
  const std::size_t n = texts.size();
  if (n == 0) return;
  // Hashes, then positions grouped by stripe (a counting sort).
  std::vector<std::size_t> hash(n);
  std::size_t count[kStripes + 1] = {};
  for (std::size_t i = 0; i < n; ++i) {
    if (texts[i].size() > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("name longer than 4 GiB");
    hash[i] = std::hash<std::string_view>{}(texts[i]);
    ++count[stripe_of(hash[i]) + 1];
  }
  for (std::size_t s = 0; s < kStripes; ++s) count[s + 1] += count[s];
  std::vector<std::uint32_t> order(n);
  {
    std::size_t next[kStripes];
    std::copy(count, count + kStripes, next);
    for (std::size_t i = 0; i < n; ++i) order[next[stripe_of(hash[i])]++] = static_cast<std::uint32_t>(i);
  }
  constexpr std::size_t kAhead = 8;  // probes in flight
  for (std::size_t s = 0; s < kStripes; ++s) {
    const std::size_t first = count[s], last = count[s + 1];
    if (first == last) continue;
    Stripe& st = stripes_[s];
    std::lock_guard<std::mutex> g(st.lock);
    // Room for the whole group first: no growth between a prefetch and
    // its probe.
    st.fit(st.used + (last - first));
    const std::size_t mask = st.slots.size() - 1;
    for (std::size_t k = first; k < last; ++k) {
      // Two stages: the slot of the name kAhead on, and the text behind the
      // slot of the name kAhead / 2 on (its slot came in meanwhile), which
      // a hit compares against.
      if (k + kAhead < last) __builtin_prefetch(&st.slots[hash[order[k + kAhead]] & mask]);
      if (k + kAhead / 2 < last)
        if (const char* t = st.slots[hash[order[k + kAhead / 2]] & mask].text) __builtin_prefetch(t - sizeof(NameId));
      const std::size_t i = order[k];
      const std::size_t h = hash[i];
      Stripe::Slot& slot = st.probe(texts[i], h);
      NameId id;
      if (slot.text != nullptr) {
        id = id_of({slot.text, slot.size});
      } else {
        st.make_room(texts[i]);
        const std::size_t fresh = next_id_.fetch_add(1, std::memory_order_acq_rel);
        if (fresh >= kNoName) {
          next_id_.fetch_sub(1, std::memory_order_acq_rel);
          throw std::length_error("more than 2^32 - 1 distinct names");
        }
        id = static_cast<NameId>(fresh);
        const char* text = st.store(texts[i], id);
        slot = {text, static_cast<std::uint32_t>(texts[i].size()), static_cast<std::uint32_t>(h)};
        ++st.used;
      }
      texts[i] = std::string_view(slot.text, slot.size);
      if (!ids.empty()) ids[i] = id;
    }
  }
}

void NameTable::reserve(std::size_t more) {
  // Hashes spread names evenly over the stripes; an eighth more for the
  // spread.
  const std::size_t per_stripe = (size() + more) / kStripes * 9 / 8 + 1;
  for (std::size_t s = 0; s < kStripes; ++s) {
    std::lock_guard<std::mutex> g(stripes_[s].lock);
    stripes_[s].fit(per_stripe);
  }
}

std::optional<NameId> NameTable::find(std::string_view s) const {
  if (s.size() > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  const std::size_t h = std::hash<std::string_view>{}(s);
  Stripe& st = stripes_[stripe_of(h)];
  std::lock_guard<std::mutex> g(st.lock);
  if (st.slots.empty()) return std::nullopt;
  const Stripe::Slot& slot = st.probe(s, h);
  if (slot.text == nullptr) return std::nullopt;
  return id_of({slot.text, slot.size});
}

bool NameTable::owns(std::string_view text) const {
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) return false;
  const std::size_t h = std::hash<std::string_view>{}(text);
  Stripe& st = stripes_[stripe_of(h)];
  std::lock_guard<std::mutex> g(st.lock);
  if (st.slots.empty()) return false;
  const Stripe::Slot& slot = st.probe(text, h);
  return slot.text != nullptr && slot.text == text.data();
}

std::size_t NameTable::text_bytes() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kStripes; ++i) {
    std::lock_guard<std::mutex> g(stripes_[i].lock);
    n += stripes_[i].text;
  }
  return n;
}

}  // namespace qkit
