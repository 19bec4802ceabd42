#!/usr/bin/env bash
# The README's main command: install dependencies, build, then inspect and
# validate every bundled sample checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The main job needs only the library and the three tools; the tests and
# benchmarks are built by scripts/test.sh.
QKIT_TARGETS="qinspect qvalidate qconvert" scripts/build.sh
build="${QKIT_BUILD_DIR:-build}"
for sample in samples/*/; do
  [[ -f "$sample/config.json" ]] || continue
  echo "== qinspect ${sample%/}"
  "$build/inspect/qinspect" "${sample%/}"
  echo "== qvalidate ${sample%/}"
  "$build/validate/qvalidate" "${sample%/}" | tail -n 1
  echo
done
