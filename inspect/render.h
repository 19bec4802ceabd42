//===- inspect/render.h - qinspect's output formats ----------------------===//
#pragma once

#include <ostream>
#include <functional>
#include <string>
#include <vector>

#include "inspect/inspector.h"
#include "validate/validator.h"

namespace qkit::inspect {

// The at-a-glance summary: layout and evidence, model facts, quant types,
// sizes and bits per weight, dtypes, files, and the problems `qvalidate
// --quick` finds (a short list).
std::string render_summary(const Checkpoint& c, const InspectResult& r, const std::vector<validate::Finding>& problems);
// The summary, layer map and problems as GitHub-flavoured Markdown, for
// issues and model cards.
std::string render_markdown(const Checkpoint& c, const InspectResult& r, const std::vector<validate::Finding>& problems);
// One row per decoder layer, one column per module, a code per quant type.
std::string render_layer_map(const InspectResult& r);
// One line per tensor (+ stats lines with --stats).
std::string render_tensors(const Checkpoint& c, const InspectResult& r);
void render_tensors(std::ostream& os, const Checkpoint& c, const InspectResult& r);  // the same, streamed
// The documented JSON object (docs/qinspect-json.md).
std::string render_json(const Checkpoint& c, const InspectResult& r, const std::vector<validate::Finding>& problems);
// The same document streamed to `os` (the tensor list entry by entry).
void render_json(std::ostream& os, const Checkpoint& c, const InspectResult& r,
                 const std::vector<validate::Finding>& problems);
// The same, with the problem list asked for only when its member is
// written, last: the tensor list streams while the list is still being
// made (inspect::start_quick_problems).
void render_json(std::ostream& os, const Checkpoint& c, const InspectResult& r,
                 const std::function<const std::vector<validate::Finding>&()>& problems);
std::string render_diff(const DiffResult& d, bool json);

}  // namespace qkit::inspect
