//===- formats/error.cpp - messages and formatting for qkit::Error -------===//
#include "formats/error.h"

#include <array>
#include <cstdio>

namespace qkit {
namespace {

struct CodeInfo {
  Errc code;
  std::string_view id;
  std::string_view message;
};

constexpr std::array kCodes = {
#define QKIT_X(e, i, m) CodeInfo{Errc::e, i, m},
    QKIT_ERROR_CODES(QKIT_X)
#undef QKIT_X
};

constexpr std::array kAllCodes = {
#define QKIT_X(e, i, m) Errc::e,
    QKIT_ERROR_CODES(QKIT_X)
#undef QKIT_X
};

const CodeInfo& info(Errc code) {
  auto idx = static_cast<std::size_t>(code);
  return idx < kCodes.size() ? kCodes[idx] : kCodes[static_cast<std::size_t>(Errc::internal)];
}

}  // namespace

std::string_view error_id(Errc code) { return info(code).id; }
std::string_view error_message(Errc code) { return info(code).message; }
std::span<const Errc> all_error_codes() { return kAllCodes; }

std::string json_error_text(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    const auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return std::string(what);
}

std::string escape_for_display(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);  // UTF-8 continuation bytes pass through
    }
  }
  return out;
}

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) out += escape_for_display(file) + ": ";
  if (!tensor.empty()) out += "tensor '" + escape_for_display(tensor) + "': ";
  if (offset) out += "at byte " + std::to_string(*offset) + ": ";
  // The message explains itself; the stable id (docs/error-codes.md) closes
  // it in brackets for scripts and bug reports.
  out += detail.empty() ? std::string(error_message(code)) : escape_for_display(detail);
  out += " [";
  out += error_id(code);
  out += "]";
  return out;
}

}  // namespace qkit
