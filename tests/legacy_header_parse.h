//===- tests/legacy_header_parse.h - the old header reader, as a witness --===//
#pragma once

#include <cstddef>
#include <span>

#include "formats/safetensors.h"

namespace qkit::test {

// parse_safetensors as it was with nlohmann-json's SAX reader (57eafae).
Result<SafetensorsHeader> legacy_parse_safetensors(std::span<const std::byte> file, const ParseOptions& options = {});

}  // namespace qkit::test
