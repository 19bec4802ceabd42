#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan, whole library
# instrumented for coverage) and run each one, then check its coverage.
#   scripts/fuzz.sh            # 30 s per target
#   scripts/fuzz.sh 10         # the CI smoke run
#   scripts/fuzz.sh 3600       # an hour per target (see also scripts/fuzz-campaign.sh)
#   scripts/fuzz.sh 60 convert validate   # only some targets
# Each target starts from the committed corpus (tests/fuzz/corpus/<target>,
# copied into the git-ignored fuzz-corpus/<target>, which keeps what runs
# find) and the generated seeds (fuzz-corpus/seeds/<target>).
# A target fails on a crash (reproducer in fuzz-corpus/crashes/) or when its
# final libFuzzer coverage ("cov:") is below its floor in
# tests/fuzz/coverage-floors.txt: a library built without coverage
# instrumentation leaves libFuzzer one point ("cov: 1"). See docs/fuzzing.md.
# QKIT_FUZZ_BUILD=build-fuzz-x builds elsewhere (default build-san, shared
# with scripts/sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
targets=(safetensors index description config checkpoint convert validate)
if [[ $# -gt 1 ]]; then targets=("${@:2}"); fi
QKIT_WITH_FUZZ=1 scripts/install-deps.sh
build="${QKIT_FUZZ_BUILD:-build-san}"
floors=tests/fuzz/coverage-floors.txt
start=$(date +%s)
CXX=clang++ cmake -S . -B "$build" -DQKIT_SANITIZE=ON -DQKIT_FUZZ=ON -DQKIT_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target qkit-fuzz-seeds "${targets[@]/#/fuzz_}"
mkdir -p fuzz-corpus/crashes
rm -rf fuzz-corpus/seeds  # regenerated whole: no stale seeds
"$build/tests/fuzz/qkit-fuzz-seeds" fuzz-corpus/seeds
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

failed=0
summary=()
for target in "${targets[@]}"; do
  work="fuzz-corpus/$target"
  mkdir -p "$work"
  if [[ -d "tests/fuzz/corpus/$target" ]]; then
    cp -n "tests/fuzz/corpus/$target"/* "$work"/ 2>/dev/null || true  # read-only seed: never written back
  fi
  echo "fuzz: $target for ${seconds}s"
  # -max_len fits whole sample directories (the directory targets' inputs).
  log="fuzz-corpus/$target.log"
  verdict=ok
  if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=400000 \
      -artifact_prefix=fuzz-corpus/crashes/ -print_final_stats=1 \
      "$work" "fuzz-corpus/seeds/$target" > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target CRASHED (reproducer in fuzz-corpus/crashes/, log in $log)"
    verdict=CRASH
  fi
  # The last status line ("#N DONE cov: X ft: Y ...") holds the final coverage.
  cov=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -n 1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
  execs=$(sed -n -E 's/^stat::number_of_executed_units: ([0-9]+)/\1/p' "$log" | tail -n 1)
  floor=$(awk -v t="$target" '$1 == t { print $2 }' "$floors")
  if [[ "$verdict" == ok && -z "$floor" ]]; then
    verdict="NO FLOOR in $floors"
  elif [[ "$verdict" == ok && ( -z "$cov" || "$cov" -lt "$floor" ) ]]; then
    verdict="BELOW FLOOR (library not instrumented? see docs/fuzzing.md)"
  fi
  [[ "$verdict" == ok ]] || failed=1
  line=$(printf '%-12s execs %-9s cov %-6s floor %-6s %s' "$target" "${execs:-?}" "${cov:-?}" "${floor:-?}" "$verdict")
  echo "fuzz: $line"
  summary+=("$line")
done
echo "fuzz: summary (${seconds}s per target, $(( $(date +%s) - start ))s in all)"
printf '  %s\n' "${summary[@]}"
if [[ $failed -ne 0 ]]; then
  echo "fuzz: FAILED"
  exit 1
fi
