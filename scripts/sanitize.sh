#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (clang), in build-san/. The same build holds the libFuzzer targets, so
# scripts/fuzz.sh reuses it. Any UB or memory error fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
QKIT_WITH_FUZZ=1 scripts/install-deps.sh
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="detect_leaks=0"  # LeakSanitizer needs ptrace, which sandboxes may forbid
CXX=clang++ cmake -S . -B build-san -DQKIT_SANITIZE=ON -DQKIT_FUZZ=ON -DQKIT_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-san -j "$(nproc)"
ctest --test-dir build-san --output-on-failure -j "$(nproc)"
