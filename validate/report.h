//===- validate/report.h - render a validation report ---------------------===//
#pragma once

#include <ostream>
#include <string>

#include "validate/validator.h"

namespace qkit::validate {

struct TextStyle {
  bool color = false;    // ANSI colours (only on a terminal, never with NO_COLOR)
  bool verbose = false;  // also list info findings
};

// Each renderer also writes to a stream as it goes (the findings one at a
// time); the string forms are for tests and small reports.
std::string render_text(const Report& r, const TextStyle& style);
void render_text(std::ostream& os, const Report& r, const TextStyle& style);
// One JSON object: {"path", "target", "layout", "quick", "findings": [...],
// "counts": {"error", "warning", "info"}, "suppressed": [...]}.
std::string render_json(const Report& r);
void render_json(std::ostream& os, const Report& r);
// JUnit XML: one test suite per rule family, one test case per rule; error
// findings fail it.
std::string render_junit(const Report& r);
void render_junit(std::ostream& os, const Report& r);
// docs/rules.md, from the rule registry.
std::string render_rules_markdown();

}  // namespace qkit::validate
