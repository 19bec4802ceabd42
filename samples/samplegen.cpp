//===- samples/samplegen.cpp - regenerate the sample checkpoints ---------===//
//
// usage: qkit-samplegen [--all] [--list] OUT_DIR
// Writes the bundled sample checkpoints (or, with --all, every sample of the
// catalog) under OUT_DIR. The committed samples/ are this program's output;
// tests regenerate them and compare byte for byte.
//
//===----------------------------------------------------------------------===//
#include <iostream>
#include <string_view>

#include "samples/catalog.h"

int main(int argc, char** argv) {
  bool all = false, list = false;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--all") all = true;
    else if (a == "--list") list = true;
    else if (a == "-h" || a == "--help") out = "";
    else out = a;
  }
  if (list) {
    for (const auto& s : qkit::samples::sample_catalog())
      std::cout << s.name << (s.bundled ? "  [bundled]  " : "  ") << s.note << "\n";
    return 0;
  }
  if (out.empty()) {
    std::cerr << "usage: qkit-samplegen [--all] [--list] OUT_DIR\n"
                 "Writes the bundled toy checkpoints (deterministic) under OUT_DIR; --all writes\n"
                 "every sample of the catalog; --list prints the catalog.\n";
    return 2;
  }
  if (auto st = qkit::samples::write_samples(out, !all); !st) {
    std::cerr << "qkit-samplegen: " << st.error().to_string() << "\n";
    return 1;
  }
  for (const auto& s : qkit::samples::sample_catalog())
    if (all || s.bundled) std::cout << out << "/" << s.name << "\n";
  return 0;
}
