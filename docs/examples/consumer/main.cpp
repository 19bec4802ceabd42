// ckpt-summary: the smallest useful qkit program. Opens a checkpoint, prints
// its layout and how many tensors and quantized modules it has, and runs the
// quick validation. Built in CI against the installed qkit package.
#include <iostream>

#include "formats/checkpoint.h"
#include "validate/validator.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ckpt-summary CHECKPOINT_DIR\n";
    return 2;
  }
  auto c = qkit::Checkpoint::open(argv[1]);
  if (!c) {
    std::cerr << c.error().to_string() << "\n";
    return 1;
  }
  qkit::validate::ValidateOptions o;
  o.quick = true;
  auto report = qkit::validate::validate(*c, o);
  std::cout << qkit::layout_name(c->layout()) << ": " << c->tensors().size() << " tensors, " << c->modules().size()
            << " quantized modules, " << report.errors << " errors\n";
  return report.errors == 0 ? 0 : 1;
}
