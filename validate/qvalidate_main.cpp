//===- validate/qvalidate_main.cpp - qvalidate command-line front end ----===//
//
// Parses options, opens the checkpoint, runs validate() and prints the
// report. Everything else lives in the library.
//
//===----------------------------------------------------------------------===//
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "formats/version.h"

#include "formats/atomic_file.h"
#include "formats/sink_stream.h"
#include "validate/report.h"
#include "validate/validator.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace qkit;
using namespace qkit::validate;

namespace {

constexpr int kExitPass = 0;
constexpr int kExitFail = 1;   // at least one error-severity finding
constexpr int kExitUsage = 2;  // usage error, or the path is not a checkpoint

void usage(std::ostream& os, const po::options_description& opts) {
  os << "usage: qvalidate [options] PATH\n\n"
        "Check a quantized checkpoint before it is deployed: every safetensors file,\n"
        "the index, the description against the tensors, every quantized module against\n"
        "its scheme (dtypes and shapes), fused groups, tensor values, and what the target\n"
        "runtime needs.\n\n"
     << opts
     << "\nexit codes:\n"
        "  0  no error findings (warnings may remain)\n"
        "  1  at least one error finding\n"
        "  2  usage error, or PATH is not a checkpoint\n"
        "\nexamples:\n"
        "  qvalidate samples/tiny-qwen-w8a8-msmodelslim --target vllm-ascend\n"
        "  qvalidate ckpt/ --target vllm-ascend@0.13 --with-mtp\n"
        "  qvalidate --explain target.parameter\n"
        "  qvalidate ckpt/ --format junit -o qvalidate.xml\n"
        "  qvalidate ckpt/ --quick --suppress group.module-type='bias tagged FLOAT by msModelSlim'\n";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("version", "print the version")(
      "target,t", po::value<std::string>()->default_value("any"),
      "runtime to check for, RUNTIME[@VERSION]: any, vllm-ascend, mindie, vllm-mindspore, mindformers, vllm "
      "(the newest known version unless one is pinned; see --list-targets)")(
      "with-mtp", "the MTP drafter will be loaded: MTP layers without description entries are errors")(
      "list-targets", "print the runtimes and versions qkit has profiles for")(
      "explain", po::value<std::string>(), "print what RULE checks, its runtimes and versions, and the loader source it mirrors")(
      "format,f", po::value<std::string>()->default_value("text"), "report format: text, json, junit")(
      "output,o", po::value<std::string>(), "write the report to this file instead of stdout")(
      "quick,q", "read headers and JSON only (skips the numeric rules)")(
      "suppress,s", po::value<std::vector<std::string>>()->composing(),
      "drop findings of RULE; RULE=REASON records why (repeatable)")(
      "list-rules", "print every rule id with a one-line explanation")(
      "threads,j", po::value<unsigned>()->default_value(0), "threads for the numeric pass (0: all cores)")(
      "verbose,v", "also list info findings")("quiet", "text report: only the final PASS/FAIL line")(
      "no-color", "never colour the text report");
  po::options_description hidden;
  hidden.add_options()("path", po::value<std::string>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("path", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "qvalidate: " << e.what() << "; see --help\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    usage(std::cout, opts);
    return kExitPass;
  }
  if (vm.count("version")) {
    std::cout << qkit::version_line("qvalidate") << "\n";
    return kExitPass;
  }
  if (vm.count("list-rules")) {
    for (const RuleInfo& r : all_rules())
      std::cout << r.id << "  [" << severity_name(r.severity) << (r.reads_data ? ", data" : "") << "]  " << r.summary
                << "\n";
    return kExitPass;
  }
  if (vm.count("list-targets")) {
    std::cout << render_target_list();
    return kExitPass;
  }
  if (vm.count("explain")) {
    std::string text = render_explain(vm["explain"].as<std::string>());
    if (text.empty()) {
      std::cerr << "qvalidate: --explain: no rule '" << vm["explain"].as<std::string>() << "' (see --list-rules)\n";
      return kExitUsage;
    }
    std::cout << text;
    return kExitPass;
  }
  ValidateOptions o;
  std::string target_error;
  auto target = parse_target_spec(vm["target"].as<std::string>(), target_error);
  if (!target) {
    std::cerr << "qvalidate: --target: " << target_error << "\n";
    return kExitUsage;
  }
  o.target = target->runtime;
  o.version = target->version;
  o.with_mtp = vm.count("with-mtp") > 0;
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json" && format != "junit") {
    std::cerr << "qvalidate: unknown --format '" << format << "' (text, json, junit)\n";
    return kExitUsage;
  }
  o.quick = vm.count("quick") > 0;
  o.threads = vm["threads"].as<unsigned>();
  if (vm.count("suppress"))
    for (const std::string& s : vm["suppress"].as<std::vector<std::string>>()) {
      auto eq = s.find('=');
      std::string id = s.substr(0, eq), reason = eq == std::string::npos ? "" : s.substr(eq + 1);
      if (!find_rule(id)) {
        std::cerr << "qvalidate: --suppress: no rule '" << id << "' (see --list-rules)\n";
        return kExitUsage;
      }
      o.suppress[id] = reason;
    }
  if (!vm.count("path")) {
    std::cerr << "qvalidate: missing PATH, the checkpoint directory or .safetensors file to check; see --help\n";
    return kExitUsage;
  }
  fs::path path = vm["path"].as<std::string>();
  // Deliberately never destroyed (see qinspect_main.cpp): the OS reclaims
  // a 180,000-tensor model faster than its destructors do.
  static auto* kept = new std::optional<Result<Checkpoint>>;
  auto& c = kept->emplace(Checkpoint::open(path));
  if (!c) {
    std::cerr << "qvalidate: " << c.error().to_string() << "\n";
    return kExitUsage;
  }
  Report r = qkit::validate::validate(*c, o);
  TextStyle st;
  st.verbose = vm.count("verbose") > 0;
  st.color = !vm.count("no-color") && !vm.count("output") && std::getenv("NO_COLOR") == nullptr &&
             ::isatty(STDOUT_FILENO);
  // The report is written as it is rendered, to the file or to stdout.
  auto render = [&](std::ostream& os) {
    if (format == "json") render_json(os, r);
    else if (format == "junit") render_junit(os, r);
    else if (vm.count("quiet")) {  // the summary: the text report's last line
      std::string text = render_text(r, st);
      std::size_t end = text.find_last_not_of('\n');
      std::size_t start = text.rfind('\n', end);
      os << text.substr(start == std::string::npos ? 0 : start + 1);
    } else {
      render_text(os, r, st);
    }
  };
  if (vm.count("output")) {
    // A report that cannot be written is a failure of the work (exit 1),
    // named with its file and cause, never a silent pass.
    auto out = AtomicFileWriter::create(vm["output"].as<std::string>());
    Status written = out ? ok_status() : Status(out.error());
    if (written) {
      SinkStreambuf buf(*out);
      std::ostream os(&buf);
      render(os);
      os.flush();
      written = buf.status();
    }
    if (written) written = out->commit();
    if (!written) {
      std::cerr << "qvalidate: cannot write the report: " << written.error().to_string() << "\n";
      return kExitFail;
    }
    // The console still says how it went (a CI log shows the verdict).
    std::cout << (r.errors ? "FAIL: " : "PASS: ") << r.errors << " error" << (r.errors == 1 ? "" : "s") << ", " << r.warnings
              << " warning" << (r.warnings == 1 ? "" : "s") << " (" << format << " report written to "
              << vm["output"].as<std::string>() << ")\n";
  } else {
    render(std::cout);
    if (!std::cout.flush()) {
      std::cerr << "qvalidate: cannot write to standard output: " << std::strerror(errno) << "\n";
      return kExitFail;
    }
  }
  return r.errors == 0 ? kExitPass : kExitFail;
}
