//===- formats/scheme_doc.h - the scheme table as Markdown ---------------===//
#pragma once

#include <string>
#include <string_view>

namespace qkit {

// docs/schemes.md: every quant type string and every scheme of the table,
// rendered for people. Generated, never edited by hand.
std::string render_schemes_markdown();

// Text for a Markdown table cell: '|' escaped (every generated page uses it).
std::string markdown_cell(std::string_view s);

}  // namespace qkit
