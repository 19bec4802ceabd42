//===- validate/findings_text.h - findings as people read them -----------===//
//
// A broken checkpoint rarely has forty problems; it has one that forty
// findings follow from. The text views (qvalidate's report, qinspect's
// problem list, --markdown) therefore show root causes first, each with the
// number of its consequences folded under it (`verbose` unfolds them), and
// one rule firing with one message (numbers aside) on many tensors as one
// entry listing them ("model.layers.{0-60}.mlp.down_proj.deq_scale"). JSON keeps every
// finding with its `cause` link; nothing here decides what is a finding.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "validate/validator.h"

namespace qkit::validate {

// Names that differ in one number become one name with a brace list:
// {"l.0.w", "l.1.w", "l.2.w", "l.5.w"} -> {"l.{0-2,5}.w"}. Several passes,
// so experts of many layers fold on both numbers. Order of first appearance.
std::vector<std::string> compact_names(const std::vector<std::string>& names);

struct FindingsTextOptions {
  bool verbose = false;        // unfold consequences, list every name, show info
  bool color = false;          // ANSI colours on the headings
  bool markdown = false;       // bullet lists and code spans instead of indentation
  std::size_t max_entries = 0; // 0: all root entries; else "... and N more"
  std::size_t names_shown = 6; // names listed per entry unless verbose
  std::string unfold_hint = "--verbose lists them";  // after the folded count
};

// The findings of one severity, root causes first. `all` may be a filtered
// copy of a report's findings: a cause that is not in it counts as absent.
// Returns the number of root entries written.
std::size_t render_findings(std::ostream& o, const std::vector<Finding>& all, Severity severity,
                            const FindingsTextOptions& options);

// "1 root cause, 45 consequences" style counts for a heading.
struct RootCounts {
  std::size_t roots = 0;         // root findings of the severity
  std::size_t consequences = 0;  // findings (any severity) that follow from them
};
RootCounts count_roots(const std::vector<Finding>& all, Severity severity);

}  // namespace qkit::validate
