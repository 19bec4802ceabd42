//===- validate/validator.h - the pre-deployment gate --------------------===//
//
// validate() runs every rule of validate/rules.h over an opened checkpoint
// and returns the findings. Nothing is printed here; validate/report.h
// renders text, JSON and JUnit.
//
// Checks never stop at the first problem: a corrupt shard, a missing file
// or unreadable JSON become findings, and everything still readable is
// checked. Tensor bytes are read once, streamed through the mapping on all
// cores, with memory bounded by the small per-row tables kept for the
// quant_bias check.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "validate/profiles.h"
#include "validate/rules.h"

namespace qkit::validate {

struct Finding {
  std::string rule;
  Severity severity = Severity::Error;
  std::string message;
  std::string file;    // relative to the checkpoint root when inside it
  std::string tensor;
};

struct ValidateOptions {
  Target target = Target::Any;
  RuntimeVersion version;                      // {0,0}: the newest version qkit knows of the target
  bool with_mtp = false;                       // the MTP drafter will be loaded: MTP layers must be described
  bool quick = false;                          // headers and JSON only
  std::map<std::string, std::string> suppress;  // rule id -> reason
  unsigned threads = 0;                        // 0: all cores
  TargetSpec spec() const {
    TargetSpec t = newest(target);
    if (version != RuntimeVersion{}) t.version = version;
    return t;
  }
};

struct Report {
  std::string path;
  Target target = Target::Any;
  std::string target_label = "any";                        // "vllm-ascend@0.26"
  Layout layout = Layout::Unknown;
  bool quick = false;
  std::vector<Finding> findings;                           // sorted: severity, rule, file, tensor
  std::vector<std::pair<Finding, std::string>> suppressed;  // with the reason given
  std::size_t errors = 0, warnings = 0, infos = 0;
  std::uint64_t bytes_scanned = 0;
  std::size_t tensors = 0, modules = 0;
};

Report validate(const Checkpoint& checkpoint, const ValidateOptions& options);

// Internal plumbing shared by the check files.
class Sink {
 public:
  explicit Sink(const Checkpoint& c) : c_(c) {}
  // A finding with the rule's default severity (validate/rules.cpp).
  void add(Rule rule, std::string message, std::string file = {}, std::string tensor = {});
  // The same where the check knows better (a runtime, a version, a
  // diagnostic that is only a warning).
  void add(Rule rule, Severity s, std::string message, std::string file = {}, std::string tensor = {});
  // File name relative to the checkpoint root.
  std::string rel(const std::string& path) const;
  std::vector<Finding>& findings() { return findings_; }

 private:
  const Checkpoint& c_;
  std::vector<Finding> findings_;
};

struct Context {
  const Checkpoint& c;
  const ValidateOptions& o;
  Sink& out;
  std::uint64_t bytes_scanned = 0;
};

void check_container(Context& ctx);
void check_description(Context& ctx);
void check_schemes(Context& ctx);
void check_groups(Context& ctx);
void check_numerics(Context& ctx);
void check_targets(Context& ctx);

}  // namespace qkit::validate
