//===- formats/json_write.h - JSON documents written a member at a time ----===//
//
// The tools' JSON outputs (qinspect --json, qvalidate --format json) are
// written member by member, their long arrays entry by entry, and must come
// out byte for byte as nlohmann's dump(2) of the whole document would: each
// piece is dumped with indent 2 and shifted right to its nesting level.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace qkit {

// dump(2); names from untrusted files may hold invalid UTF-8: replaced, never thrown.
inline std::string dump2(const nlohmann::ordered_json& v) {
  return v.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Writes `text` (a value dumped with indent 2) at nesting level `level`:
// every line after the first is shifted right by 2*level spaces, exactly
// where dumping the whole document with indent 2 would place it.
inline void write_nested(std::ostream& os, const std::string& text, int level) {
  const std::string pad(static_cast<std::size_t>(2 * level), ' ');
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    os.write(text.data() + start, static_cast<std::streamsize>(nl + 1 - start)) << pad;
  os.write(text.data() + start, static_cast<std::streamsize>(text.size() - start));
}

}  // namespace qkit
