//===- formats/strict_json.cpp -------------------------------------------===//
#include "formats/strict_json.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "formats/utf8.h"

namespace qkit {
namespace {

using ojson = nlohmann::ordered_json;

// Thrown from the parser callback to stop at once; never leaves this file.
struct StopParse {
  Error error;
};

}  // namespace

Result<ojson> parse_json_strict(std::string_view text, const std::string& file, const JsonLimits& limits) {
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

  std::vector<std::unordered_set<std::string>> keys;  // one set per open object
  auto callback = [&](int depth, nlohmann::json::parse_event_t ev, ojson& parsed) -> bool {
    using E = nlohmann::json::parse_event_t;
    switch (ev) {
      case E::object_start:
      case E::array_start:
        if (static_cast<std::size_t>(depth) >= limits.max_depth)
          throw StopParse{Error(Errc::json_too_deep, "nesting deeper than " + std::to_string(limits.max_depth) +
                                                         " levels")
                              .in_file(file)};
        if (ev == E::object_start) keys.emplace_back();
        break;
      case E::key: {
        const std::string& k = parsed.get_ref<const std::string&>();
        if (!keys.empty() && !keys.back().insert(k).second)
          throw StopParse{Error(Errc::duplicate_key, "key '" + escape_for_display(k) + "' appears twice in one object")
                              .in_file(file)};
        break;
      }
      case E::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return ojson::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true);
  } catch (StopParse& stop) {
    return std::move(stop.error);
  } catch (const nlohmann::json::parse_error& ex) {
    return Error(Errc::json_syntax, ex.what()).in_file(file).at(ex.byte > 0 ? ex.byte - 1 : 0);
  } catch (const std::bad_alloc&) {
    return Error(Errc::json_too_large, "out of memory while parsing").in_file(file);
  } catch (const std::exception& ex) {
    return Error(Errc::json_syntax, ex.what()).in_file(file);
  }
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
