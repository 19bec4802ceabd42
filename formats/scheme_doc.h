//===- formats/scheme_doc.h - the scheme table as Markdown ---------------===//
#pragma once

#include <string>

namespace qkit {

// docs/schemes.md: every quant type string and every scheme of the table,
// rendered for people. Generated, never edited by hand.
std::string render_schemes_markdown();

}  // namespace qkit
