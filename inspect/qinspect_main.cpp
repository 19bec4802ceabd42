//===- inspect/qinspect_main.cpp - qinspect command-line front end -------===//
//
// Until the full inspector lands (the qinspect issue), qinspect prints what
// the checkpoint model found: the layout with its evidence, config.json
// facts, the quantized modules per type, the diagnostics, and the tensors of
// every shard. All reading is done by the library; this file only prints.
//
//===----------------------------------------------------------------------===//
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "formats/checkpoint.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace qkit;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUnreadable = 1;  // nothing at all could be read
constexpr int kExitUsage = 2;

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

template <class T>
std::string opt(const std::optional<T>& v) {
  if (!v) return "?";
  if constexpr (std::is_same_v<T, std::string>) return *v;
  else return std::to_string(*v);
}

void print(const Checkpoint& c, bool list_tensors) {
  std::cout << escape_for_display(c.root().string()) << ": " << layout_name(c.layout()) << " ("
            << layout_summary(c.layout()) << ")\n";
  for (const std::string& e : c.evidence()) std::cout << "  evidence: " << escape_for_display(e) << "\n";
  if (const auto& cfg = c.config()) {
    std::cout << "  config: " << opt(cfg->model_type) << ", " << opt(cfg->torch_dtype) << ", "
              << opt(cfg->num_hidden_layers) << " layers, hidden " << opt(cfg->hidden_size) << ", heads "
              << opt(cfg->num_attention_heads) << "/" << opt(cfg->kv_heads()) << " kv, head_dim "
              << opt(cfg->resolved_head_dim()) << ", vocab " << opt(cfg->vocab_size) << "\n";
  }
  if (!c.description_name().empty()) {
    std::cout << "  description: " << c.description_name();
    if (const auto& d = c.ms_description()) {
      if (d->model_quant_type) std::cout << ", model_quant_type " << *d->model_quant_type;
      if (d->group_size) std::cout << ", group_size " << *d->group_size;
    }
    std::cout << "\n";
  }
  std::map<std::string, int> by_type;
  for (const Module& m : c.modules()) ++by_type[m.tag];
  if (!by_type.empty()) {
    std::cout << "  quantized modules:";
    for (const auto& [t, n] : by_type) std::cout << " " << n << " " << escape_for_display(t);
    std::cout << "\n";
  }
  std::uint64_t bytes = 0;
  for (const ShardFile& s : c.shards()) bytes += s.size;
  std::cout << "  " << c.tensors().size() << " tensors in " << c.shards().size() << " file(s), " << bytes << " bytes";
  if (c.index()) std::cout << "; index " << c.index_name();
  std::cout << "\n";
  for (const Diagnostic& d : c.diagnostics())
    std::cout << "  " << severity_name(d.severity) << ": " << d.error.to_string() << "\n";
  if (!list_tensors) return;
  for (const ShardFile& s : c.shards()) {
    if (!s.file) {
      std::cout << escape_for_display(s.name) << ": unreadable\n";
      continue;
    }
    std::cout << escape_for_display(s.name) << ": " << s.file->tensors().size() << " tensors, " << s.size << " bytes\n";
    for (const TensorInfo& t : s.file->tensors()) {
      std::string_view tag = c.tag_of(t.name);
      std::cout << "  " << escape_for_display(t.name) << "  " << escape_for_display(t.dtype_name) << " "
                << shape_text(t.shape) << "  [" << t.begin << ", " << t.end << ")"
                << (tag.empty() ? "" : "  " + escape_for_display(tag)) << "\n";
    }
  }
}

void usage(std::ostream& os, const po::options_description& opts) {
  os << "usage: qinspect [options] PATH\n\n"
        "Show what a quantized checkpoint directory (or one .safetensors file) holds:\n"
        "the detected layout and its evidence, config.json facts, the quantized modules,\n"
        "problems found, and with --tensors every tensor of every shard.\n\n"
     << opts
     << "\nexit codes: 0 read (problems, if any, are printed), 1 nothing could be read,\n"
        "            2 usage error or no such path\n"
        "examples:\n"
        "  qinspect samples/tiny-qwen-w8a8-msmodelslim\n"
        "  qinspect --tensors samples/tiny-llama-float/model.safetensors\n";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("version", "print the version")(
      "tensors", "list every tensor of every shard (name, dtype, shape, data offsets, type)");
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
    std::cerr << "qinspect: " << e.what() << "\n";
    usage(std::cerr, opts);
    return kExitUsage;
  }
  if (vm.count("help")) {
    usage(std::cout, opts);
    return kExitOk;
  }
  if (vm.count("version")) {
    std::cout << "qinspect " << QKIT_VERSION << "\n";
    return kExitOk;
  }
  if (!vm.count("path")) {
    usage(std::cerr, opts);
    return kExitUsage;
  }
  fs::path path = vm["path"].as<std::string>();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    std::cerr << "qinspect: " << path.string() << ": no such file or directory\n";
    return kExitUsage;
  }
  auto c = Checkpoint::open(path);
  if (!c) {
    std::cerr << "qinspect: error: " << c.error().to_string() << "\n";
    return kExitUnreadable;
  }
  print(*c, vm.count("tensors") > 0);
  return c->tensors().empty() ? kExitUnreadable : kExitOk;
}
