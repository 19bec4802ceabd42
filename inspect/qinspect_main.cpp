//===- inspect/qinspect_main.cpp - qinspect command-line front end -------===//
//
// Until the checkpoint model lands (issue: checkpoint model), qinspect lists
// the safetensors files of a path and their tensors, and checks any shard
// index it finds. All reading is done by the library; this file only prints.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "formats/safetensors.h"
#include "formats/shard_index.h"

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

bool print_file(const fs::path& p) {
  auto f = SafetensorsFile::open(p, ParseOptions{.allow_unknown_dtypes = true});
  if (!f) {
    std::cerr << "qinspect: error: " << f.error().to_string() << "\n";
    return false;
  }
  std::cout << escape_for_display(p.filename().string()) << ": " << f->tensors().size() << " tensors, "
            << f->file_size() << " bytes (header " << f->header().header_size << ")\n";
  for (const Error& w : f->header().warnings) std::cerr << "qinspect: warning: " << w.to_string() << "\n";
  for (const TensorInfo& t : f->tensors()) {
    std::cout << "  " << escape_for_display(t.name) << "  " << escape_for_display(t.dtype_name) << " "
              << shape_text(t.shape) << "  [" << t.begin << ", " << t.end << ")\n";
  }
  return true;
}

void usage(std::ostream& os, const po::options_description& opts) {
  os << "usage: qinspect [options] PATH\n\n"
        "List the tensors of a .safetensors file, or of every .safetensors file in a\n"
        "checkpoint directory, and check any *.safetensors.index.json found there.\n\n"
     << opts
     << "\nexit codes: 0 read, 1 nothing could be read, 2 usage error or no such path\n"
        "examples:\n"
        "  qinspect samples/tiny-llama-float\n"
        "  qinspect samples/tiny-llama-float/model.safetensors\n";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("version", "print the version");
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
  if (!fs::is_directory(path, ec)) return print_file(path) ? kExitOk : kExitUnreadable;

  std::vector<fs::path> files, indexes;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    std::string n = e.path().filename().string();
    if (is_index_file_name(n)) indexes.push_back(e.path());
    else if (n.size() > 12 && n.ends_with(".safetensors")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::sort(indexes.begin(), indexes.end());
  std::size_t read = 0;
  for (const fs::path& f : files) read += print_file(f) ? 1 : 0;
  for (const fs::path& ip : indexes) {
    auto idx = read_shard_index(ip);
    if (!idx) {
      std::cerr << "qinspect: error: " << idx.error().to_string() << "\n";
      continue;
    }
    ++read;
    auto problems = check_shard_index(path, ip.string(), *idx);
    std::cout << escape_for_display(ip.filename().string()) << ": " << idx->weight_map.size() << " tensors in "
              << idx->shards().size() << " shards, " << (problems.empty() ? "consistent" : "INCONSISTENT") << "\n";
    for (const Error& e : problems) std::cerr << "qinspect: error: " << e.to_string() << "\n";
  }
  if (files.empty() && indexes.empty()) {
    std::cerr << "qinspect: " << path.string() << ": no .safetensors files found\n";
    return kExitUnreadable;
  }
  return read > 0 ? kExitOk : kExitUnreadable;
}
