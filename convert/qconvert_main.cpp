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
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "formats/version.h"

#include "convert/converter.h"
#include "validate/report.h"
#include "validate/validator.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace qkit;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInexact = 1;  // cannot be converted exactly (or the result fails qvalidate)
constexpr int kExitUsage = 2;    // usage error or unreadable input

std::optional<Family> parse_family(const std::string& s) {
  if (s == "msmodelslim" || s == "modelslim") return Family::MsModelSlim;
  if (s == "mindspore" || s == "golden-stick" || s == "goldenstick") return Family::GoldenStick;
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

void usage(std::ostream& os, const po::options_description& opts) {
  os << "usage: qconvert --from FAMILY --to FAMILY [options] SRC DST\n\n"
        "Convert a quantized checkpoint between msModelSlim and MindSpore Golden-Stick so\n"
        "that every linear layer computes what it computed before, or refuse and say\n"
        "which layer and why. FAMILY: msmodelslim, mindspore (alias golden-stick); --from\n"
        "also takes auto.\n\n"
     << opts
     << "\nexit codes:\n"
        "  0  converted (and the result passes qvalidate)\n"
        "  1  not convertible exactly (--allow-lossy not given), or the result fails qvalidate\n"
        "  2  usage error, unreadable SRC, or DST exists without --force\n"
        "\nexamples:\n"
        "  qconvert --from msmodelslim --to mindspore ckpt-ms/ ckpt-gs/\n"
        "  qconvert --from mindspore --to msmodelslim --target vllm-ascend ckpt-gs/ ckpt-ms/\n"
        "  qconvert --from auto --to msmodelslim --flavour v0 --dry-run ckpt-gs-w4a16/ out/\n";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("version", "print the version")(
      "from", po::value<std::string>(), "source family: msmodelslim, mindspore, golden-stick, auto")(
      "to", po::value<std::string>(), "target family: msmodelslim, mindspore, golden-stick")(
      "flavour", po::value<std::string>(),
      "msModelSlim layout: v1 (current saver, vLLM-Ascend; default), v0 (legacy ascendV1 names; W4A16), "
      "mindie (legacy MindIE naming for MindIE <= 2.1)")(
      "target", po::value<std::string>()->default_value("any"),
      "runtime the result is validated for: any, vllm-ascend, mindie, vllm-mindspore, mindformers")(
      "shard-size", po::value<std::string>()->default_value("4G"), "largest shard (K, M, G suffixes)")(
      "dry-run,n", "print the plan (every output tensor, its source and transform) and stop")(
      "force", "replace an existing DST")("allow-lossy", "convert layers that cannot be exact, reporting the bound")(
      "keep-quantization-config", "keep config.json quantization_config in msModelSlim output")(
      "no-validate", "do not run qvalidate on the result")("quiet", "no progress bar or summary");
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
    std::cerr << "qconvert: " << e.what() << "\n";
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
    usage(std::cerr, opts);
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
  auto shard = parse_size(vm["shard-size"].as<std::string>());
  if (!shard) {
    std::cerr << "qconvert: bad --shard-size\n";
    return kExitUsage;
  }
  o.max_shard_bytes = *shard;
  if (vm.count("flavour")) {
    std::string f = vm["flavour"].as<std::string>();
    if (f == "v1") o.flavour = convert::Flavour::MsV1;
    else if (f == "v0") o.flavour = convert::Flavour::MsV0;
    else if (f == "mindie") o.flavour = convert::Flavour::MsMindIE;
    else {
      std::cerr << "qconvert: unknown --flavour '" << f << "' (v1, v0, mindie)\n";
      return kExitUsage;
    }
    if (*to != Family::MsModelSlim) {
      std::cerr << "qconvert: --flavour applies to msModelSlim output only\n";
      return kExitUsage;
    }
  }
  auto target = validate::parse_target(vm["target"].as<std::string>());
  if (!target) {
    std::cerr << "qconvert: unknown --target '" << vm["target"].as<std::string>() << "'\n";
    return kExitUsage;
  }
  auto c = Checkpoint::open(src);
  if (!c) {
    std::cerr << "qconvert: " << c.error().to_string() << "\n";
    return kExitUsage;
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
  // The destination: never inside the source, never over an existing one unless asked.
  std::error_code ec;
  fs::path csrc = fs::weakly_canonical(fs::is_directory(src) ? src : src.parent_path(), ec);
  fs::path cdst = fs::weakly_canonical(dst, ec);
  auto inside = [](const fs::path& dir, const fs::path& p) {
    auto d = dir.begin(), q = p.begin();
    for (; d != dir.end(); ++d, ++q)
      if (q == p.end() || *d != *q) return false;
    return true;
  };
  if (inside(csrc, cdst)) {
    std::cerr << "qconvert: DST " << dst.string() << " is inside SRC; choose a directory outside it\n";
    return kExitUsage;
  }
  const bool dry = vm.count("dry-run") > 0;
  if (!dry && fs::exists(dst, ec) && !vm.count("force")) {
    std::cerr << "qconvert: " << dst.string() << " exists (use --force to replace it)\n";
    return kExitUsage;
  }

  auto plan = convert::plan_conversion(*c, o);
  if (!plan) {
    std::cerr << "qconvert: " << plan.error().to_string() << "\n";
    return kExitUsage;
  }
  const bool quiet = vm.count("quiet") > 0;
  if (dry) {
    std::cout << convert::render_plan(*plan);
    return plan->executable(o.allow_lossy) ? kExitOk : kExitInexact;
  }
  if (!plan->executable(o.allow_lossy)) {
    std::cerr << "qconvert: cannot convert " << src.string() << " exactly:\n";
    for (const auto& v : plan->refused) std::cerr << "  refused: " << escape_for_display(v.prefix) << ": " << v.reason << "\n";
    for (const auto& v : plan->lossy)
      std::cerr << "  inexact: " << escape_for_display(v.prefix) << ": " << v.reason << " (bound: " << v.bound << ")\n";
    if (plan->refused.empty()) std::cerr << "run again with --allow-lossy to convert with these error bounds\n";
    return kExitInexact;
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
  auto st = convert::execute_plan(*plan, dst, vm.count("force") > 0,
                                  tty ? std::function<void(std::uint64_t, std::uint64_t)>(progress) : nullptr);
  if (tty) std::fprintf(stderr, "\n");
  if (!st) {
    std::cerr << "qconvert: " << st.error().to_string() << "\n";
    return kExitUsage;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!quiet) {
    std::cout << "converted " << src.string() << " (" << layout_name(c->layout()) << ") -> " << dst.string() << " ("
              << convert::flavour_name(plan->flavour) << "): " << plan->tensors.size() << " tensors, "
              << plan->output_bytes << " bytes in " << secs << " s\n";
    for (const std::string& n : plan->notes) std::cout << "  note: " << escape_for_display(n) << "\n";
    for (const auto& v : plan->lossy)
      std::cout << "  lossy: " << escape_for_display(v.prefix) << ": " << v.reason << " (bound: " << v.bound << ")\n";
  }
  if (vm.count("no-validate")) return kExitOk;
  auto out = Checkpoint::open(dst);
  if (!out) {
    std::cerr << "qconvert: cannot reopen the result: " << out.error().to_string() << "\n";
    return kExitInexact;
  }
  validate::ValidateOptions vo;
  vo.target = *target;
  auto report = validate::validate(*out, vo);
  if (report.errors) {
    std::cerr << validate::render_text(report, {});
    return kExitInexact;
  }
  if (!quiet) std::cout << "qvalidate (" << validate::target_name(*target) << "): PASS, " << report.warnings << " warnings\n";
  return kExitOk;
}
