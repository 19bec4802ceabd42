#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan) and run each one.
#   scripts/fuzz.sh            # 30 s per target (the CI smoke run)
#   scripts/fuzz.sh 3600       # an hour per target, for a long run
# Crashes are written to fuzz-corpus/crashes/; turn each into a regression
# case in tests/malformed_files.cpp before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
QKIT_WITH_FUZZ=1 scripts/install-deps.sh
build=build-fuzz
CXX=clang++ cmake -S . -B "$build" -DQKIT_FUZZ=ON -DQKIT_SANITIZE=ON -DQKIT_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_safetensors fuzz_index qkit-fuzz-seeds
mkdir -p fuzz-corpus/crashes
"$build/tests/fuzz/qkit-fuzz-seeds" fuzz-corpus/seeds
for target in safetensors index; do
  mkdir -p "fuzz-corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix=fuzz-corpus/crashes/ -print_final_stats=1 \
    "fuzz-corpus/$target" "fuzz-corpus/seeds/$target"
done
