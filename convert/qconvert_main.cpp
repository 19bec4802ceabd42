//===- convert/qconvert_main.cpp - qconvert command-line front end -------===//
//
// Parses options, plans the conversion, prints the plan or the refusals,
// executes it, and checks the result with qvalidate. The work is in
// convert/converter.h.
//
//===----------------------------------------------------------------------===//
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "formats/version.h"

#include "convert/converter.h"
#include "convert/evaluate.h"
#include "validate/findings_text.h"
#include "validate/report.h"
#include "validate/validator.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace qkit;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFail = 1;   // the work failed: not exact, result fails qvalidate, I/O error, disk full, busy
constexpr int kExitUsage = 2;  // usage error, SRC is not a checkpoint, or DST may not be written

// Errors that mean "the command asked for something qkit will not do" rather
// than "the work failed".
bool is_usage_error(Errc code) {
  return code == Errc::out_overlaps_input || code == Errc::out_exists || code == Errc::out_not_ours ||
         code == Errc::invalid_argument;
}
// Errors of Checkpoint::open that mean SRC is not a checkpoint at all.
bool is_not_a_checkpoint(Errc code) {
  return code == Errc::io_open || code == Errc::not_regular_file || code == Errc::ckpt_not_checkpoint;
}

std::optional<Family> parse_family(const std::string& s) {
  if (s == "msmodelslim" || s == "modelslim") return Family::MsModelSlim;
  if (s == "mindspore" || s == "golden-stick" || s == "goldenstick") return Family::GoldenStick;
  if (s == "compressed-tensors" || s == "ct" || s == "llm-compressor") return Family::CompressedTensors;
  return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t mult = 1;
  char last = static_cast<char>(std::toupper(static_cast<unsigned char>(s.back())));
  if (last == 'K' || last == 'M' || last == 'G') {
    mult = last == 'K' ? 1ull << 10 : last == 'M' ? 1ull << 20 : 1ull << 30;
    s.pop_back();
  }
  try {
    std::size_t used = 0;
    double v = std::stod(s, &used);
    if (used != s.size() || v <= 0) return std::nullopt;
    return static_cast<std::uint64_t>(v * static_cast<double>(mult));
  } catch (...) {
    return std::nullopt;
  }
}

// Verdicts with one reason are one line, their layers' names folded into
// ranges (validate/findings_text.h); a bound shared by all is given once,
// else the first, with --dry-run listing each layer's. A DeepSeek-class
// model would otherwise print one line per layer for the same reason.
void print_verdicts(std::ostream& os, const char* label, const std::vector<convert::LayerVerdict>& verdicts) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const convert::LayerVerdict*>> by_reason;
  for (const auto& v : verdicts) {
    auto& list = by_reason[v.reason];
    if (list.empty()) order.push_back(v.reason);
    list.push_back(&v);
  }
  for (const std::string& reason : order) {
    const auto& list = by_reason[reason];
    std::vector<std::string> names;
    bool same_bound = true;
    for (const auto* v : list) {
      names.push_back(escape_for_display(v->prefix));
      same_bound &= v->bound == list.front()->bound;
    }
    std::string joined;
    for (const std::string& n : validate::compact_names(names)) joined += (joined.empty() ? "" : ", ") + n;
    os << "  " << label << ": " << joined << ": " << reason;
    if (!list.front()->bound.empty())
      os << " (bound: " << list.front()->bound
         << (same_bound ? "" : "; " + std::to_string(list.size()) + " layers, each with its own bound in --dry-run") << ")";
    os << "\n";
  }
}

void usage(std::ostream& os, const po::options_description& opts) {
  os << "usage: qconvert --from FAMILY --to FAMILY [options] SRC DST\n\n"
        "Convert a quantized checkpoint between msModelSlim and MindSpore Golden-Stick, or\n"
        "msModelSlim and compressed-tensors, so that every linear layer computes what it\n"
        "computed before, or refuse and say which layer and why. FAMILY: msmodelslim,\n"
        "mindspore (alias golden-stick), compressed-tensors (alias ct); --from also takes auto.\n\n"
     << opts
     << "\nexit codes:\n"
        "  0  converted (and the result passes qvalidate)\n"
        "  1  the conversion failed: SRC has qvalidate errors (--ignore-source-errors not given), not exact\n"
        "     (--allow-lossy not given), the result fails qvalidate,\n"
        "     an I/O error or a full disk, or another run is writing DST\n"
        "  2  usage error; SRC is not a checkpoint; DST is, contains or lies inside SRC; DST exists\n"
        "     without --force, or holds files qkit did not write without --force=DST\n"
        "\nexamples:\n"
        "  qconvert --from msmodelslim --to mindspore ckpt-ms/ ckpt-gs/\n"
        "  qconvert --from mindspore --to msmodelslim --target vllm-ascend ckpt-gs/ ckpt-ms/\n"
        "  qconvert --from auto --to msmodelslim --flavour v0 --dry-run ckpt-gs-w4a16/ out/\n"
        "  qconvert --from compressed-tensors --to msmodelslim --verify llm-compressor-w8a8/ ckpt-ms/\n";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("version", "print the version")(
      "from", po::value<std::string>(), "source family: msmodelslim, mindspore (golden-stick), compressed-tensors, auto")(
      "to", po::value<std::string>(), "target family: msmodelslim, mindspore (golden-stick), compressed-tensors")(
      "flavour", po::value<std::string>(),
      "msModelSlim layout: v1 (current saver, vLLM-Ascend; default), v0 (legacy ascendV1 names; W4A16), "
      "mindie (legacy MindIE naming for MindIE <= 2.1)")(
      "target", po::value<std::string>()->default_value("any"),
      "runtime the result is validated for, RUNTIME[@VERSION]: any, vllm-ascend, mindie, vllm-mindspore, mindformers, vllm")(
      "shard-size", po::value<std::string>()->default_value("4G"), "largest shard (K, M, G suffixes)")(
      "dry-run,n", "print the plan (every output tensor, its source and transform) and stop")(
      "force", "replace an existing DST that qkit wrote; --force=DST replaces any directory DST")("allow-lossy", "convert layers that cannot be exact, reporting the bound")(
      "keep-quantization-config", "keep config.json quantization_config in msModelSlim output")(
      "drop-kv-quant", "convert without KV-cache int8 (C8) and FA quantization, which the target family cannot store "
                       "(the plan says so)")(
      "no-validate", "do not run qvalidate on the result")(
      "ignore-source-errors", "convert even when qvalidate finds errors in SRC (they are listed first)")(
      "verify", "after writing, evaluate every linear layer of SRC and DST on seeded random inputs with each family's "
                "integer inference formula; print the largest differences per layer kind; exit 1 if a layer planned "
                "exact differs")("quiet", "no progress bar or summary");
  po::options_description hidden;
  hidden.add_options()("paths", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("paths", -1);
  // --force=DST is taken out before boost sees it: an optional value would
  // make boost swallow the SRC that follows a plain --force.
  std::vector<std::string> args(argv + 1, argv + argc);
  std::optional<std::string> force_named;
  std::erase_if(args, [&](const std::string& a) {
    if (!a.starts_with("--force=")) return false;
    force_named = a.substr(8);
    return true;
  });
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "qconvert: " << e.what() << "; see --help\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    usage(std::cout, opts);
    return kExitOk;
  }
  if (vm.count("version")) {
    std::cout << qkit::version_line("qconvert") << "\n";
    return kExitOk;
  }
  auto paths = vm.count("paths") ? vm["paths"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (paths.size() != 2 || !vm.count("from") || !vm.count("to")) {
    std::string missing;
    if (!vm.count("from")) missing = "--from FAMILY (msmodelslim, mindspore, compressed-tensors or auto)";
    else if (!vm.count("to")) missing = "--to FAMILY (msmodelslim, mindspore or compressed-tensors)";
    else if (paths.empty()) missing = "SRC and DST";
    else if (paths.size() == 1) missing = "DST (where the converted checkpoint goes)";
    std::cerr << "qconvert: " << (missing.empty() ? "takes exactly two paths, SRC and DST (got " + std::to_string(paths.size()) + ")"
                                                  : "missing " + missing)
              << "; see --help\n";
    return kExitUsage;
  }
  const fs::path src = paths[0], dst = paths[1];
  auto to = parse_family(vm["to"].as<std::string>());
  if (!to) {
    std::cerr << "qconvert: unknown --to '" << vm["to"].as<std::string>() << "'\n";
    return kExitUsage;
  }
  convert::ConvertOptions o;
  o.to = *to;
  o.allow_lossy = vm.count("allow-lossy") > 0;
  o.keep_quantization_config = vm.count("keep-quantization-config") > 0;
  o.drop_kv_quant = vm.count("drop-kv-quant") > 0;
  o.ignore_source_errors = vm.count("ignore-source-errors") > 0;
  auto shard = parse_size(vm["shard-size"].as<std::string>());
  if (!shard) {
    std::cerr << "qconvert: bad --shard-size\n";
    return kExitUsage;
  }
  o.max_shard_bytes = *shard;
  if (vm.count("flavour")) {
    std::string f = vm["flavour"].as<std::string>();
    const LayoutRow* row = layout_by_flavour(f);
    if (!row || row->family != Family::MsModelSlim) {
      std::cerr << "qconvert: unknown --flavour '" << f << "' (v1, v0, mindie); see --help\n";
      return kExitUsage;
    }
    o.flavour = row->layout;
    if (*to != Family::MsModelSlim) {
      std::cerr << "qconvert: --flavour applies to msModelSlim output only\n";
      return kExitUsage;
    }
  }
  std::string target_error;
  auto target = validate::parse_target_spec(vm["target"].as<std::string>(), target_error);
  if (!target) {
    std::cerr << "qconvert: --target: " << target_error << "\n";
    return kExitUsage;
  }
  // Deliberately never destroyed, like qinspect's and qvalidate's (and the
  // plan below): at 140,000 tensors the destructors took a tenth of a
  // --dry-run. Reachable from a static, so leak checkers stay quiet.
  static auto* kept = new std::optional<Result<Checkpoint>>;
  auto& c = kept->emplace(Checkpoint::open(src));
  if (!c) {
    std::cerr << "qconvert: " << c.error().to_string() << "\n";
    return is_not_a_checkpoint(c.error().code) ? kExitUsage : kExitFail;
  }
  const std::string from_s = vm["from"].as<std::string>();
  if (from_s != "auto") {
    auto from = parse_family(from_s);
    if (!from) {
      std::cerr << "qconvert: unknown --from '" << from_s << "'\n";
      return kExitUsage;
    }
    if (c->family() != from) {
      std::cerr << "qconvert: " << src.string() << " is " << layout_name(c->layout()) << ", not "
                << family_name(*from) << " (use --from auto to convert whatever it is)\n";
      return kExitUsage;
    }
  }
  // The destination: never overlapping the source, never over somebody
  // else's files unless named explicitly (formats/output_dir.h).
  if (auto st = check_output_apart(src, dst); !st) {
    std::cerr << "qconvert: " << st.error().to_string() << "\n";
    return is_usage_error(st.error().code) ? kExitUsage : kExitFail;
  }
  ReplacePolicy policy = vm.count("force") ? ReplacePolicy::QkitOutput : ReplacePolicy::Never;
  if (force_named) {
    std::error_code ec;
    if (force_named->empty() ||
        fs::weakly_canonical(fs::absolute(*force_named), ec) != fs::weakly_canonical(fs::absolute(dst), ec)) {
      std::cerr << "qconvert: --force=" << *force_named << " does not name DST (" << dst.string() << "); see --help\n";
      return kExitUsage;
    }
    policy = ReplacePolicy::Anything;
  }
  const bool dry = vm.count("dry-run") > 0;
  o.plan_only = dry;  // the plan is printed, never executed: no output bytes are encoded
  if (!dry)
    if (auto st = check_replaceable(dst, policy); !st) {
      std::cerr << "qconvert: " << st.error().to_string() << "\n";
      return is_usage_error(st.error().code) ? kExitUsage : kExitFail;
    }

  // The source is gated like a deployment: a corrupt checkpoint (an int4
  // value out of range, an inconsistent quant_bias, a broken shard) is
  // refused with its findings rather than converted into a plausible one.
  // --dry-run reads headers and JSON only.
  {
    validate::ValidateOptions so;
    so.quick = dry;
    auto src_report = validate::validate(*c, so);
    if (src_report.errors) {
      const bool ignore = vm.count("ignore-source-errors") > 0;
      std::cerr << "qconvert: " << src.string() << " has " << src_report.errors << " error finding"
                << (src_report.errors == 1 ? "" : "s") << " (qvalidate" << (dry ? " --quick" : "") << "):\n";
      // Root causes first, consequences folded (validate/findings_text.h).
      validate::FindingsTextOptions fo;
      fo.unfold_hint = "qvalidate --verbose lists them";
      validate::render_findings(std::cerr, src_report.findings, Severity::Error, fo);
      if (!ignore) {
        std::cerr << "qconvert: not converting a source with errors; fix them, or pass --ignore-source-errors\n";
        return kExitFail;
      }
      std::cerr << "qconvert: --ignore-source-errors: converting anyway\n";
    }
  }
  static auto* kept_plan = new std::optional<Result<convert::Plan>>;
  auto& plan = kept_plan->emplace(convert::plan_conversion(*c, o));
  if (!plan) {
    std::cerr << "qconvert: " << plan.error().to_string() << "\n";
    return kExitFail;
  }
  const bool quiet = vm.count("quiet") > 0;
  if (dry) {
    convert::render_plan(std::cout, *plan);
    if (!std::cout.flush()) {  // a full disk under a redirect is a failure, not a silent truncation
      std::cerr << "qconvert: cannot write to standard output: " << std::strerror(errno) << "\n";
      return kExitFail;
    }
    return plan->executable(o.allow_lossy) ? kExitOk : kExitFail;
  }
  if (!plan->executable(o.allow_lossy)) {
    std::cerr << "qconvert: cannot convert " << src.string() << " exactly:\n";
    print_verdicts(std::cerr, "refused", plan->refused);
    print_verdicts(std::cerr, "inexact", plan->lossy);
    if (plan->refused.empty()) std::cerr << "run again with --allow-lossy to convert with these error bounds\n";
    return kExitFail;
  }
  const bool tty = ::isatty(STDERR_FILENO) && !quiet;
  const auto start = std::chrono::steady_clock::now();
  auto progress = [&](std::uint64_t done, std::uint64_t total) {
    static std::uint64_t last = 0;
    if (done - last < (64u << 20) && done != total) return;
    last = done;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double rate = secs > 0 ? done / secs : 0;
    int pct = total ? static_cast<int>(100.0 * done / total) : 100;
    std::fprintf(stderr, "\r[%-30.*s] %3d%%  %.1f/%.1f MB  %.0f MB/s  ETA %.0fs ", pct * 30 / 100,
                 "##############################", pct, done / 1e6, total / 1e6, rate / 1e6,
                 rate > 0 ? (total - done) / rate : 0.0);
  };
  // The result is validated (and with --verify evaluated) in its temporary
  // directory, before it replaces DST: a result that fails leaves nothing
  // behind under the final name.
  const bool verify = vm.count("verify") > 0;
  const bool check_result = vm.count("no-validate") == 0;
  validate::ValidateOptions vo;
  vo.target = target->runtime;
  vo.version = target->version;
  std::optional<validate::Report> report;
  std::string verify_text;
  bool verified = true;
  if (verify || check_result)
    plan->layout.before_commit = [&](const fs::path& written) -> Status {
      auto out = Checkpoint::open(written);
      if (!out) return std::move(out).error();
      if (verify) {
        std::vector<std::string> lossy;
        for (const auto& v : plan->lossy) lossy.push_back(v.prefix);
        convert::VerifyOptions vopt;
        vopt.input_multiplier = &plan->input_multiplier;
        vopt.output_multiplier = &plan->output_multiplier;
        auto rows = convert::verify_conversion(*c, *out, lossy, vopt);
        verify_text = convert::render_verify(rows);
        verified = convert::verify_passed(rows);
      }
      if (check_result) {
        report = validate::validate(*out, vo);
        report->path = dst.string();
      }
      if (!verified) return Error(Errc::result_rejected, "--verify: a layer planned exact computes differently");
      if (report && report->errors)
        return Error(Errc::result_rejected, "the result fails qvalidate --target " + target->to_string() + " (" +
                                                std::to_string(report->errors) + " errors)");
      return ok_status();
    };
  auto st = convert::execute_plan(*plan, dst, policy,
                                  tty ? std::function<void(std::uint64_t, std::uint64_t)>(progress) : nullptr);
  if (tty) std::fprintf(stderr, "\n");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The summary comes after validation and says how it went.
  auto summary = [&](const std::string& verdict) {
    if (quiet) return;
    std::cout << "converted " << src.string() << " (" << layout_name(c->layout()) << ") -> " << dst.string() << " ("
              << convert::flavour_name(plan->flavour) << "): " << plan->tensors.size() << " tensors, "
              << plan->output_bytes << " bytes in " << secs << " s: " << verdict << "\n";
    for (const std::string& n : plan->notes) std::cout << "  note: " << escape_for_display(n) << "\n";
    print_verdicts(std::cout, "lossy", plan->lossy);
  };
  if (!verify_text.empty()) std::cout << verify_text;
  const std::string against = "qvalidate --target " + target->to_string();
  if (!st) {
    if (st.error().code == Errc::result_rejected) {
      if (report && report->errors) std::cerr << validate::render_text(*report, {});
      std::cerr << "qconvert: " << st.error().detail << "; nothing was written to " << dst.string() << "\n";
      summary("FAIL (" + st.error().detail + ")");
      return kExitFail;
    }
    std::cerr << "qconvert: " << st.error().to_string() << "\n";
    return is_usage_error(st.error().code) ? kExitUsage : kExitFail;
  }
  if (!check_result) {
    summary(verify ? "verified, not validated (--no-validate)" : "not validated (--no-validate)");
    return kExitOk;
  }
  summary("PASS (" + against + ": " + std::to_string(report->warnings) + " warnings)");
  return kExitOk;
}
