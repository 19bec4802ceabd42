//===- inspect/qinspect_main.cpp - qinspect command-line front end -------===//
//
// Chooses what to print; all reading, checking and formatting is in the
// library (inspect/inspector.h, inspect/render.h).
//
//===----------------------------------------------------------------------===//
#include <filesystem>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "formats/version.h"

#include "inspect/inspector.h"
#include "inspect/render.h"
#include "validate/findings_text.h"
#include "validate/validator.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace qkit;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUnreadable = 1;  // nothing could be read (--diff: the checkpoints differ)
constexpr int kExitUsage = 2;

void usage(std::ostream& os, const po::options_description& opts) {
  os << "usage: qinspect [options] PATH\n"
        "       qinspect --diff A B\n\n"
        "Show what a quantized checkpoint (a directory, or one .safetensors file) holds:\n"
        "the detected layout and its evidence, model facts, quant types and how many\n"
        "modules use each, sizes by dtype and bits per weight, the shards, a per-layer map\n"
        "of quant types, and the problems qvalidate --quick finds. Only headers and JSON\n"
        "are read unless --stats, --checksum or --diff asks for tensor bytes.\n\n"
     << opts
     << "\nexit codes:\n"
        "  0  the checkpoint was read (problems, if any, are listed); --diff: no differences\n"
        "  1  nothing could be read; --diff: the checkpoints differ\n"
        "  2  usage error, or no such path\n"
        "\nexamples:\n"
        "  qinspect samples/tiny-qwen-w8a8-msmodelslim\n"
        "  qinspect --tensors --filter '*.layers.0.*' samples/tiny-llama-w4a16-golden-stick\n"
        "  qinspect --json --checksum samples/tiny-llama-float > float.json\n"
        "  qinspect --markdown samples/tiny-moe-w8a8-dynamic-msmodelslim >> MODEL_CARD.md\n"
        "  qinspect --diff original/ converted/\n";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("version", "print the version")(
      "json", "print one JSON object (schema: docs/qinspect-json.md)")(
      "markdown", "print the summary, layer map and problems as Markdown, for issues and model cards")(
      "tensors", "list every tensor: name, dtype, shape, quant type, file, size")(
      "filter", po::value<std::string>(), "only tensors whose name matches this glob (*, ?, [...])")(
      "regex", po::value<std::string>(), "only tensors whose name matches this regular expression")(
      "stats", "per-tensor statistics (reads tensor bytes): min, max, mean, std, zeros, NaN/Inf, histograms")(
      "checksum", "per-tensor CRC-32 (zlib) of the bytes")("no-layer-map", "omit the layer map")(
      "quiet", "print only the first summary line (layout) and problems")(
      "diff", "compare two checkpoints: qinspect --diff A B")(
      "tolerance", po::value<double>(),
      "--diff: exit 0 when every layer in both computes within this relative difference (max |dy| / max |y|) and "
      "every float tensor within it of A's largest value, whatever changed in dtype, shape or layout")(
      "threads,j", po::value<unsigned>()->default_value(0), "threads for --stats/--checksum (0: all cores)");
  po::options_description hidden;
  hidden.add_options()("paths", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("paths", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "qinspect: " << e.what() << "; see --help\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    usage(std::cout, opts);
    return kExitOk;
  }
  if (vm.count("version")) {
    std::cout << qkit::version_line("qinspect") << "\n";
    return kExitOk;
  }
  std::vector<std::string> paths = vm.count("paths") ? vm["paths"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const bool diff = vm.count("diff") > 0;
  if (paths.size() != (diff ? 2u : 1u)) {
    if (diff)
      std::cerr << "qinspect: --diff takes two checkpoints, A and B (got " << paths.size() << "); see --help\n";
    else if (paths.empty())
      std::cerr << "qinspect: missing PATH, the checkpoint directory or .safetensors file to inspect; see --help\n";
    else
      std::cerr << "qinspect: one PATH at a time (got " << paths.size() << "; --diff compares two); see --help\n";
    return kExitUsage;
  }
  // Deliberately never destroyed (like clang's -disable-free): at 180,000
  // tensors tearing the tables down costs more than the OS reclaiming the
  // pages at exit. Reachable from a static, so leak checkers stay quiet.
  static auto* kept = new std::vector<Checkpoint>;
  std::vector<Checkpoint>& cks = *kept;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      std::cerr << "qinspect: " << p << ": no such file or directory\n";
      return kExitUsage;
    }
    auto c = Checkpoint::open(p);
    if (!c) {
      // Not a checkpoint at all: a usage error, as in qvalidate and qconvert.
      // --json still prints one JSON object.
      if (vm.count("json")) {
        nlohmann::ordered_json j = {{"path", p}, {"error", {{"id", std::string(error_id(c.error().code))}, {"message", c.error().to_string()}}}};
        std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      }
      std::cerr << "qinspect: " << c.error().to_string() << "\n";
      const Errc code = c.error().code;
      return code == Errc::io_open || code == Errc::not_regular_file || code == Errc::ckpt_not_checkpoint ? kExitUsage
                                                                                                          : kExitUnreadable;
    }
    cks.push_back(std::move(*c));
  }
  if (diff) {
    const std::optional<double> tol = vm.count("tolerance") ? std::optional<double>(vm["tolerance"].as<double>()) : std::nullopt;
    if (tol && !(*tol >= 0)) {
      std::cerr << "qinspect: --tolerance must be a number >= 0; see --help\n";
      return kExitUsage;
    }
    inspect::DiffResult d = inspect::diff(cks[0], cks[1]);
    std::cout << inspect::render_diff(d, vm.count("json") > 0);
    if (tol) return d.within(*tol) ? kExitOk : kExitUnreadable;
    return d.same() ? kExitOk : kExitUnreadable;
  }
  const Checkpoint& c = cks[0];
  inspect::InspectOptions o;
  o.stats = vm.count("stats") > 0;
  o.checksum = vm.count("checksum") > 0;
  o.threads = vm["threads"].as<unsigned>();
  // Tensor rows only when something prints them.
  o.rows = vm.count("json") || vm.count("tensors") || o.stats || o.checksum || vm.count("filter") || vm.count("regex");
  if (vm.count("json") && vm.count("markdown")) {
    std::cerr << "qinspect: --json and --markdown are exclusive; see --help\n";
    return kExitUsage;
  }
  if (vm.count("filter") && vm.count("regex")) {
    std::cerr << "qinspect: --filter and --regex are exclusive\n";
    return kExitUsage;
  }
  if (vm.count("filter")) o.filter = vm["filter"].as<std::string>();
  if (vm.count("regex")) {
    o.filter = vm["regex"].as<std::string>();
    o.regex = true;
  }
  // The quick problem list is made on another thread while this one
  // inspects and, for --json, streams everything up to the problems.
  auto quick = inspect::start_quick_problems(c);
  auto r = inspect::inspect(c, o);
  if (!r) {
    std::cerr << "qinspect: " << r.error().to_string() << "\n";
    return kExitUsage;  // `quick` is joined on the way out
  }
  std::optional<std::vector<validate::Finding>> joined;
  auto problems_when_needed = [&]() -> const std::vector<validate::Finding>& {
    if (!joined) joined = quick.get();
    return *joined;
  };
  if (vm.count("json")) {
    inspect::render_json(std::cout, c, *r, problems_when_needed);
  } else if (vm.count("markdown")) {
    const std::vector<validate::Finding>& problems = problems_when_needed();
    std::cout << inspect::render_markdown(c, *r, problems);
    if (vm.count("tensors") || o.stats || o.checksum || !o.filter.empty()) {
      std::cout << "\n#### Tensors\n\n```text\n";
      inspect::render_tensors(std::cout, c, *r);
      std::cout << "```\n";
    }
  } else {
    const std::vector<validate::Finding>& problems = problems_when_needed();
    std::string summary = inspect::render_summary(c, *r, problems);
    if (vm.count("quiet")) {
      std::cout << summary.substr(0, summary.find('\n') + 1);
      validate::FindingsTextOptions fo;
      fo.unfold_hint = "qvalidate --verbose lists them";
      for (Severity s : {Severity::Error, Severity::Warning}) validate::render_findings(std::cout, problems, s, fo);
      return c.tensors().empty() ? kExitUnreadable : kExitOk;
    }
    std::cout << summary;
    if (!vm.count("no-layer-map")) std::cout << inspect::render_layer_map(*r);
    if (vm.count("tensors") || o.stats || o.checksum || !o.filter.empty()) inspect::render_tensors(std::cout, c, *r);
  }
  if (!std::cout.flush()) {  // a full disk under a redirect is a failure, not a silent truncation
    std::cerr << "qinspect: cannot write to standard output: " << std::strerror(errno) << "\n";
    return kExitUnreadable;
  }
  return c.tensors().empty() ? kExitUnreadable : kExitOk;
}
