//===- formats/version.h - qkit's version and the revision it was built from
#pragma once

#include <string>
#include <string_view>

namespace qkit {

std::string_view version();       // "0.1.0"
std::string_view git_revision();  // short commit id at configure time, or "unknown"
// "<tool> 0.1.0 (git 1234abcd5678)", the first line of every --version.
std::string version_line(std::string_view tool);

}  // namespace qkit
