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
#include <unordered_map>
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
  // Position in Report::findings, from 1. `cause` is the id of the finding
  // that made this one inevitable (an unreadable shard for the tensors it
  // holds, an unreadable description for every module it would describe),
  // 0 for a root cause. Reports show root causes first and fold the rest.
  std::size_t id = 0;
  std::size_t cause = 0;
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
  std::vector<Finding> findings;                           // sorted: severity, family, rule, file, tensor; ids renumbered
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
  // Returns its id (for set_cause).
  std::size_t add(Rule rule, std::string message, std::string file = {}, std::string_view tensor = {});
  // The same where the check knows better (a runtime, a version, a
  // diagnostic that is only a warning).
  std::size_t add(Rule rule, Severity s, std::string message, std::string file = {}, std::string_view tensor = {});
  // Finding `id` follows from finding `cause`.
  void set_cause(std::size_t id, std::size_t cause);
  // The findings of `rule` so far, by the tensor they name (the first of
  // each), for a check that links its findings to their cause.
  std::unordered_map<std::string, std::size_t> by_tensor(Rule rule) const;
  // Root causes that explain findings the checks cannot link themselves:
  // every tensor the index places in an unreadable shard (and every other
  // finding on its module) follows from the shard's finding; with an
  // unreadable description, every description, scheme, group and target
  // finding follows from it. Applied by link_causes() once all checks ran.
  void shard_is_cause(const std::string& shard_rel_name, std::size_t id) { shard_causes_.emplace(shard_rel_name, id); }
  void description_is_cause(std::size_t id) { description_cause_ = id; }
  void link_causes();
  // File name relative to the checkpoint root.
  std::string rel(const std::string& path) const;
  std::vector<Finding>& findings() { return findings_; }

 private:
  const Checkpoint& c_;
  std::vector<Finding> findings_;
  std::map<std::string, std::size_t> shard_causes_;
  std::size_t description_cause_ = 0;
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
void check_compressed_tensors(Context& ctx);

}  // namespace qkit::validate
