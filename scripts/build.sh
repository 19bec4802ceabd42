#!/usr/bin/env bash
# Configure and build qkit into ./build (or $QKIT_BUILD_DIR). Extra arguments
# go to cmake's configure step, e.g. scripts/build.sh -DQKIT_SANITIZE=ON
set -euo pipefail
cd "$(dirname "$0")/.."
build="${QKIT_BUILD_DIR:-build}"
cmake -S . -B "$build" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
