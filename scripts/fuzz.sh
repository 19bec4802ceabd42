#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan) and run each one.
#   scripts/fuzz.sh            # 30 s per target
#   scripts/fuzz.sh 10         # the CI smoke run
#   scripts/fuzz.sh 3600       # an hour per target, for a long run
# Crashes are written to fuzz-corpus/crashes/; turn each into a regression
# case in tests/malformed_files.cpp before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
QKIT_WITH_FUZZ=1 scripts/install-deps.sh
build=build-san  # shared with scripts/sanitize.sh
CXX=clang++ cmake -S . -B "$build" -DQKIT_SANITIZE=ON -DQKIT_FUZZ=ON -DQKIT_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(safetensors index description config checkpoint)
cmake --build "$build" -j "$(nproc)" --target qkit-fuzz-seeds "${targets[@]/#/fuzz_}"
mkdir -p fuzz-corpus/crashes
"$build/tests/fuzz/qkit-fuzz-seeds" fuzz-corpus/seeds
for target in "${targets[@]}"; do
  mkdir -p "fuzz-corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  # -max_len fits whole sample directories (the checkpoint target's inputs).
  log="fuzz-corpus/$target.log"
  if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=400000 \
      -artifact_prefix=fuzz-corpus/crashes/ -print_final_stats=1 \
      "fuzz-corpus/$target" "fuzz-corpus/seeds/$target" > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target FAILED (reproducer in fuzz-corpus/crashes/)"
    exit 1
  fi
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" || true
done
