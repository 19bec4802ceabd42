//===- samples/samplegen.cpp - regenerate the bundled sample checkpoints -===//
//
// usage: qkit-samplegen OUT_DIR
// Writes every sample checkpoint under OUT_DIR. The committed samples/ are
// this program's output; tests regenerate them and compare byte for byte.
//
//===----------------------------------------------------------------------===//
#include <iostream>

#include "samples/toy_model.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cerr << "usage: qkit-samplegen OUT_DIR\n"
                 "Writes the bundled toy checkpoints (deterministic) under OUT_DIR.\n";
    return argc == 2 ? 0 : 2;
  }
  if (auto st = qkit::samples::write_all_samples(argv[1]); !st) {
    std::cerr << "qkit-samplegen: " << st.error().to_string() << "\n";
    return 1;
  }
  for (const auto& n : qkit::samples::sample_names()) std::cout << argv[1] << "/" << n << "\n";
  return 0;
}
