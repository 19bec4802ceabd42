//===- formats/sink_stream.h - an std::ostream over a ByteSink ------------===//
//
// The renderers write to streams as they go; a report written to a file
// (qvalidate --output) goes through this buffer into an AtomicFileWriter,
// so it is never held whole in memory either. The first write error is
// kept and the stream goes bad at it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <streambuf>

#include "formats/atomic_file.h"

namespace qkit {

class SinkStreambuf final : public std::streambuf {
 public:
  explicit SinkStreambuf(ByteSink& sink) : sink_(sink) { setp(buf_, buf_ + sizeof buf_); }
  SinkStreambuf(const SinkStreambuf&) = delete;
  SinkStreambuf& operator=(const SinkStreambuf&) = delete;

  // What went wrong, if anything; call after flushing the stream.
  Status status() const { return error_ ? Status(*error_) : ok_status(); }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    if (error_) return false;
    const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
    if (n > 0) {
      Status st = sink_.write(std::string_view(pbase(), n));
      if (!st) {
        error_ = std::move(st).error();
        return false;
      }
    }
    setp(buf_, buf_ + sizeof buf_);
    return true;
  }

  ByteSink& sink_;
  char buf_[64 * 1024];
  std::optional<Error> error_;
};

}  // namespace qkit
