#!/usr/bin/env bash
# A long fuzzing campaign, then the committed corpus updated from it.
#   scripts/fuzz-campaign.sh HOURS [TARGET...]    # e.g. 2 (hours per target), or 0.25
# Each target runs for HOURS in libFuzzer's fork mode with QKIT_FUZZ_JOBS
# workers (default: every core) that keep going after crashes, timeouts and
# OOMs (reproducers in fuzz-corpus/crashes/). It starts from the committed
# corpus and the generated seeds and adds what it finds to the git-ignored
# fuzz-corpus/<target>. Then tests/fuzz/corpus/<target> is rewritten as the
# -merge=1 minimization of (committed + found) inputs up to QKIT_FUZZ_MAX_FILE
# bytes (default 12 KiB) over what the seeds already cover, so the seeds are
# never committed twice. Review the sizes it prints and the diff before
# committing; see docs/fuzzing.md.
# QKIT_FUZZ_MERGE_ONLY=1 skips the runs and only merges.
set -euo pipefail
cd "$(dirname "$0")/.."
hours="${1:?usage: scripts/fuzz-campaign.sh HOURS [TARGET...]}"
seconds=$(awk -v h="$hours" 'BEGIN { printf "%d", h * 3600 }')
targets=(safetensors index description config checkpoint convert validate)
if [[ $# -gt 1 ]]; then targets=("${@:2}"); fi
jobs="${QKIT_FUZZ_JOBS:-$(nproc)}"
max_file="${QKIT_FUZZ_MAX_FILE:-12288}"  # bytes; larger inputs stay in fuzz-corpus/ only
build="${QKIT_FUZZ_BUILD:-build-san}"
QKIT_WITH_FUZZ=1 scripts/install-deps.sh
CXX=clang++ cmake -S . -B "$build" -DQKIT_SANITIZE=ON -DQKIT_FUZZ=ON -DQKIT_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target qkit-fuzz-seeds "${targets[@]/#/fuzz_}"
mkdir -p fuzz-corpus/crashes
rm -rf fuzz-corpus/seeds  # regenerated whole: no stale seeds
"$build/tests/fuzz/qkit-fuzz-seeds" fuzz-corpus/seeds
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
limits=(-rss_limit_mb=2048 -timeout=10 -max_len=400000)

for target in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$target"
  committed="tests/fuzz/corpus/$target"
  work="fuzz-corpus/$target"
  mkdir -p "$work" "$committed"
  if [[ "${QKIT_FUZZ_MERGE_ONLY:-0}" != 1 ]]; then
    echo "campaign: $target for ${seconds}s, $jobs workers (log fuzz-corpus/$target.campaign.log)"
    "$bin" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$seconds" \
      "${limits[@]}" -artifact_prefix=fuzz-corpus/crashes/ \
      "$work" "$committed" "fuzz-corpus/seeds/$target" > "fuzz-corpus/$target.campaign.log" 2>&1 || true
    grep -E '^#[0-9]+: cov: ' "fuzz-corpus/$target.campaign.log" | tail -n 1 || true
  fi
  # Minimize: start from the seeds, add only inputs of at most $max_file
  # bytes that reach new code (edges, not hit counts: -use_counters=0;
  # smallest first), then drop the seeds again. The size cap keeps the
  # repository small: directory inputs grown from the full-size samples reach
  # little that their small relatives do not.
  tmp=$(mktemp -d)
  mkdir "$tmp/min" "$tmp/candidates"
  cp "fuzz-corpus/seeds/$target"/* "$tmp/min"/
  while IFS= read -r -d '' f; do
    [[ -e "$tmp/candidates/${f##*/}" ]] || cp "$f" "$tmp/candidates/"
  done < <(find "$committed" "$work" -maxdepth 1 -type f -size -$((max_file + 1))c -print0)
  "$bin" -merge=1 -use_counters=0 "${limits[@]}" -merge_control_file="$tmp/control" "$tmp/min" "$tmp/candidates" \
    > "fuzz-corpus/$target.merge.log" 2>&1
  for f in "fuzz-corpus/seeds/$target"/*; do rm -f "$tmp/min/$(basename "$f")"; done
  rm -rf "$committed"
  mkdir -p "$committed"
  if compgen -G "$tmp/min/*" >/dev/null; then cp "$tmp/min"/* "$committed"/; fi
  rm -rf "$tmp"
  echo "campaign: $target corpus: $(find "$committed" -type f | wc -l) files, $(du -sh --apparent-size "$committed" | cut -f1)"
done
echo "campaign: crashes: $(find fuzz-corpus/crashes -type f | wc -l) in fuzz-corpus/crashes/"
du -sh --apparent-size tests/fuzz/corpus
