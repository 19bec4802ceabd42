#!/usr/bin/env bash
# Configure and build qkit into ./build (or $QKIT_BUILD_DIR). Extra arguments
# go to cmake's configure step, e.g. scripts/build.sh -DQKIT_SANITIZE=ON.
# QKIT_TARGETS="qinspect qvalidate" builds only those targets.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${QKIT_BUILD_DIR:-build}"
cmake -S . -B "$build" "$@" >/dev/null
if [[ -n "${QKIT_TARGETS:-}" ]]; then
  # shellcheck disable=SC2086  # a list of target names
  cmake --build "$build" -j "$(nproc)" --target ${QKIT_TARGETS}
else
  cmake --build "$build" -j "$(nproc)"
fi
