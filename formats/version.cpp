//===- formats/version.cpp -----------------------------------------------===//
#include "formats/version.h"

#ifndef QKIT_GIT_REVISION
#define QKIT_GIT_REVISION "unknown"
#endif

namespace qkit {

std::string_view version() { return QKIT_VERSION; }
std::string_view git_revision() { return QKIT_GIT_REVISION; }
std::string version_line(std::string_view tool) {
  return std::string(tool) + " " + std::string(version()) + " (git " + std::string(git_revision()) + ")";
}

}  // namespace qkit
