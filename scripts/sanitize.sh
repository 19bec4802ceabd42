#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer,
# in build-asan/ (any UB or memory error fails the run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="detect_leaks=0"  # LeakSanitizer needs ptrace, which CI sandboxes may forbid
QKIT_BUILD_DIR=build-asan scripts/build.sh -DQKIT_SANITIZE=ON -DQKIT_BUILD_BENCH=OFF
ctest --test-dir build-asan --output-on-failure -j "$(nproc)"
