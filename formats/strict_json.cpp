//===- formats/strict_json.cpp -------------------------------------------===//
#include "formats/strict_json.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <functional>
#include <string_view>
#include <vector>

#include "formats/json_events.h"
#include "formats/utf8.h"

namespace qkit {
namespace {

using ojson = nlohmann::ordered_json;

class StrictBuilder final : public JsonEvents {
 public:
  using string_t = ojson::string_t;

  StrictBuilder(const std::string& file, const JsonLimits& limits, const StringMembers* divert)
      : file_(file), limits_(limits), divert_(divert) {}

  ojson root;
  std::optional<Error> error;

  bool null() override { return value(ojson(nullptr)); }
  bool boolean(bool v) override { return value(ojson(v)); }
  bool number_integer(std::int64_t v) override { return value(ojson(v)); }
  bool number_unsigned(std::uint64_t v) override { return value(ojson(v)); }
  bool number_float(double v) override { return value(ojson(v)); }
  // Keys and strings are views into the text (or the reader's buffer for
  // escaped ones): each is copied once, into the DOM or the diverted table.
  bool string(std::string_view v) override {
    if (diverted_ != 0 && stack_.size() == diverted_ && divert_->wants(key_)) {
      divert_->take(key_, v);
      return true;
    }
    return value(ojson(string_t(v)));
  }
  bool start_object() override { return open(ojson::object()); }
  bool start_array() override { return open(ojson::array()); }
  bool end_object() override {
    if (stack_.size() == diverted_) diverted_ = 0;
    stack_.pop_back();
    keys_.pop_back();
    return true;
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool key(std::string_view k, std::size_t, bool) override {
    // While an object's keys arrive in byte order, each is after every
    // earlier one and cannot repeat any: nothing is hashed (the hashes of a
    // sorted 140,000-entry weight_map were a 4 MB table). Once the order
    // breaks, every earlier key is hashed, then each new one. Only the
    // key's hash is kept (a copy of every key was half the cost of a
    // 140,000-entry weight_map); a hash seen before is confirmed against
    // the keys the open object already holds, so a collision never reports
    // a duplicate that is not one.
    ObjectKeys& o = keys_.back();
    if (o.in_order) {
      if (o.count == 0 || std::string_view(o.prev) < k) {
        ++o.count;
        o.prev.assign(k);
        key_.assign(k);
        return true;
      }
      o.in_order = false;
      hash_earlier_keys(o);
    }
    if (!o.hashes.insert(std::hash<std::string_view>{}(k)) && holds_key(k))
      return fail(Error(Errc::duplicate_key, "key '" + escape_for_display(k) + "' appears twice in one object").in_file(file_));
    key_.assign(k);  // into key_'s own buffer: `k` lives only during the call
    return true;
  }

 private:
  struct ObjectKeys;
  // Every earlier key of the open object: its members in the document and
  // those handed to the diverted table.
  void hash_earlier_keys(ObjectKeys& o) {
    for (const auto& member : stack_.back()->get_ref<const ojson::object_t&>())
      o.hashes.insert(std::hash<std::string_view>{}(member.first));
    if (stack_.size() == diverted_)
      divert_->each_key([&o](std::string_view k) { o.hashes.insert(std::hash<std::string_view>{}(k)); });
  }
  // Every earlier member of the open object is in place by the time the
  // next key arrives (place() appends it with its value or container).
  bool holds_key(std::string_view k) const {
    if (stack_.size() == diverted_ && divert_->holds(k)) return true;
    for (const auto& member : stack_.back()->get_ref<const ojson::object_t&>())
      if (member.first == k) return true;
    return false;
  }
  bool fail(Error e) {
    if (!error) error = std::move(e);
    return false;
  }
  // Places v in the open container (or as the root) and returns where it went.
  ojson* place(ojson&& v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    ojson& top = *stack_.back();
    if (top.is_array()) {
      auto& arr = top.get_ref<ojson::array_t&>();
      arr.push_back(std::move(v));
      return &arr.back();
    }
    // ordered_map is a std::vector of pairs: append without the linear key search.
    auto& obj = top.get_ref<ojson::object_t&>();
    obj.emplace_back(key_, std::move(v));  // a copy: key_ keeps its buffer for the next key
    return &obj.back().second;
  }
  bool value(ojson&& v) {
    place(std::move(v));
    return true;
  }
  bool open(ojson&& container) {
    if (stack_.size() >= limits_.max_depth)
      return fail(Error(Errc::json_too_deep, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels")
                      .in_file(file_));
    const bool object = container.is_object();
    // The diverted object: the root itself, or a member of the root object.
    const bool diverted = object && divert_ != nullptr &&
                          (divert_->member.empty() ? stack_.empty()
                                                   : stack_.size() == 1 && root.is_object() && key_ == divert_->member);
    stack_.push_back(place(std::move(container)));
    if (object) {
      keys_.emplace_back();
      // Without a way to list the diverted keys, they are hashed as they come.
      if (diverted && !divert_->each_key) keys_.back().in_order = false;
    }
    if (diverted) diverted_ = stack_.size();
    return true;
  }

  const std::string& file_;
  const JsonLimits& limits_;
  const StringMembers* divert_;
  std::size_t diverted_ = 0;  // stack depth of the diverted object while open, else 0
  std::vector<ojson*> stack_;
  // A set of 64-bit hashes with open addressing: no allocation per key.
  class HashSet {
   public:
    // False when h was already present.
    bool insert(std::size_t h) {
      if (2 * (used_ + 1) > slots_.size()) grow();
      if (h == 0) h = 1;  // 0 marks an empty slot
      const std::size_t mask = slots_.size() - 1;
      for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        if (slots_[i] == h) return false;
        if (slots_[i] == 0) {
          slots_[i] = h;
          ++used_;
          return true;
        }
      }
    }

   private:
    void grow() {
      std::vector<std::size_t> old = std::move(slots_);
      slots_.assign(old.empty() ? 8 : 2 * old.size(), 0);
      used_ = 0;
      for (std::size_t h : old)
        if (h != 0) insert(h);
    }
    std::vector<std::size_t> slots_;
    std::size_t used_ = 0;
  };
  struct ObjectKeys {
    bool in_order = true;  // every key so far after the one before it in byte order: none hashed
    std::size_t count = 0; // keys while in order
    std::string prev;      // the last key, while in order
    HashSet hashes;        // once out of order: every key's hash
  };
  std::vector<ObjectKeys> keys_;  // one per open object
  string_t key_;
};

}  // namespace

Result<ojson> parse_json_strict(std::string_view text, const std::string& file, const JsonLimits& limits,
                                const StringMembers* divert) {
  if (text.size() > limits.max_bytes)
    return Error(Errc::json_too_large, std::to_string(text.size()) + " bytes; the limit is " +
                                           std::to_string(limits.max_bytes))
        .in_file(file);
  if (std::size_t bad = first_invalid_utf8(text); bad != text.size())
    return Error(Errc::json_syntax, "invalid UTF-8").in_file(file).at(bad);
  if (text.substr(0, 3) == "\xEF\xBB\xBF")
    return Error(Errc::json_syntax, "starts with a UTF-8 byte-order mark").in_file(file).at(0);
  if (std::size_t nul = text.find('\0'); nul != std::string_view::npos)
    return Error(Errc::json_syntax, "NUL byte in JSON text").in_file(file).at(nul);

  // An event handler that builds the ordered DOM in O(n): members are
  // appended (ordered_json's own insert searches linearly for the key,
  // O(n^2) for a 180,000-entry weight_map), duplicates are caught with a
  // hash set per open object, and depth is bounded. The events come from
  // formats/json_events.cpp, whose syntax errors sit where nlohmann-json's
  // did (the byte that breaks the text).
  StrictBuilder b(file, limits, divert);
  JsonSyntaxError syntax;
  const JsonParseEnd end = parse_json_events(text, b, syntax);
  if (end == JsonParseEnd::SyntaxError) return Error(Errc::json_syntax, syntax.message).in_file(file).at(syntax.offset);
  if (end != JsonParseEnd::Complete || b.error)
    return b.error ? std::move(*b.error) : Error(Errc::json_syntax, "invalid JSON").in_file(file);
  return std::move(b.root);
}

Result<std::string> read_small_file(const std::filesystem::path& path, std::uint64_t max_bytes) {
  const std::string name = path.string();
  // O_NONBLOCK: a FIFO under a shard name must fail the regular-file check, not block.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error(Errc::io_open, std::string("open failed: ") + std::strerror(errno)).in_file(name);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(Errc::not_regular_file, "expected a regular file").in_file(name);
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Error(Errc::json_too_large, std::to_string(st.st_size) + " bytes; the limit is " +
                                           std::to_string(max_bytes))
        .in_file(name);
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t k = ::read(fd, out.data() + got, out.size() - got);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      int e = errno;
      ::close(fd);
      return Error(Errc::io_read, std::string("read failed: ") + std::strerror(e)).in_file(name).at(got);
    }
    if (k == 0) break;  // shrank while reading: parse what is there
    got += static_cast<std::size_t>(k);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Result<ojson> read_json_file(const std::filesystem::path& path, const JsonLimits& limits) {
  auto text = read_small_file(path, limits.max_bytes);
  if (!text) return std::move(text).error();
  return parse_json_strict(*text, path.string(), limits);
}

}  // namespace qkit
