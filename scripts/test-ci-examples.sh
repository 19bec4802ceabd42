#!/usr/bin/env bash
# Runs the commands of the CI examples users copy (docs/ci/github-actions.yml,
# docs/ci/gitlab-ci.yml) in a clean Debian 12 environment, the image both
# examples name: an empty working directory holding only the checkpoint, a
# fresh clone of this repository where the workflow checks qkit out, an empty
# HOME and a minimal environment. A bundled sample that loads on vLLM-Ascend
# must pass the gate and write a JUnit report; one that does not must fail it.
#
# The GitLab job installs qkit's .deb with apt-get, which changes the system:
# it runs only as root with CI=true (a throw-away CI machine) or --system,
# needs the package built by scripts/package.sh, and removes it afterwards.
#
# Usage: scripts/test-ci-examples.sh [--system]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
system=0
[[ "${1:-}" == --system ]] && system=1

fail() { echo "test-ci-examples: $*" >&2; exit 1; }

# The examples promise Debian 12; so must the machine that tests them.
. /etc/os-release
[[ "${ID:-}" == debian && "${VERSION_ID:-}" == 12 ]] || fail "needs Debian 12 (this is ${PRETTY_NAME:-unknown})"

work=$(mktemp -d /tmp/qkit-ci-example-XXXXXX)
trap 'rm -rf "$work"' EXIT
# A cancelled or timed-out job still cleans up (bash runs no EXIT trap on a signal).
trap 'exit 130' INT
trap 'exit 143' TERM

# Commands of every `run:` step, one file per step (single-line or `run: |` block).
extract_github_runs() {
  awk -v out="$1" '
    function flush() { if (n > 0) { close(file) } }
    /^[[:space:]]*run:[[:space:]]*\|[[:space:]]*$/ {
      match($0, /^[[:space:]]*/); key = RLENGTH; n++; file = out "/step" n ".sh"; block = 1; next }
    /^[[:space:]]*run:[[:space:]]*[^|[:space:]]/ {
      n++; file = out "/step" n ".sh"; line = $0; sub(/^[[:space:]]*run:[[:space:]]*/, "", line); print line > file; close(file); block = 0; next }
    block {
      match($0, /^[[:space:]]*/)
      if ($0 ~ /^[[:space:]]*$/) next
      if (RLENGTH <= key) { block = 0; close(file); next }
      line = $0; sub(/^[[:space:]]+/, "", line); print line > file }
  ' "$2"
}

# Items of the job's `script:` list, one command per line.
extract_gitlab_script() {
  awk '
    /^[[:space:]]*script:[[:space:]]*$/ { match($0, /^[[:space:]]*/); key = RLENGTH; on = 1; next }
    on && /^[[:space:]]*- / { line = $0; sub(/^[[:space:]]*- /, "", line); print line; next }
    on { match($0, /^[[:space:]]*/); if (RLENGTH <= key) on = 0 }
  ' "$1"
}

# A command the way a CI runner runs it: bash -e, in the job's directory,
# with nothing of this shell's environment.
run_step() {
  local dir=$1 cmd=$2
  (cd "$dir" && env -i HOME="$dir/.home" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
     LANG=C.UTF-8 CI=true bash -e -c "$cmd")
}

junit_failures() { sed -n 's/.*<testsuites name="qvalidate" tests="[0-9]*" failures="\([0-9]*\)".*/\1/p' "$1"; }

# ---- GitHub Actions ----------------------------------------------------------
wf=docs/ci/github-actions.yml
grep -q '^    container: debian:12$' "$wf" || fail "$wf: the job must run in the debian:12 container"
# The actions the workflow uses, each emulated below; a new one needs its emulation.
actions=$(sed -n 's/^[[:space:]-]*uses:[[:space:]]*//p' "$wf" | sort | uniq -c | awk '{print $1 "x" $2}' | tr '\n' ' ')
[[ "$actions" == "2xactions/checkout@v4 1xmikepenz/action-junit-report@v4 " ]] ||
  fail "$wf uses actions this script does not emulate: $actions"
gh="$work/github"
mkdir -p "$gh/.home" "$work/steps"
cp -r samples/tiny-llama-w8a8-dynamic-msmodelslim "$gh/checkpoint"  # actions/checkout of the user's repository
git clone -q "$repo" "$gh/qkit"                                       # actions/checkout with path: qkit
extract_github_runs "$work/steps" "$wf"
steps=("$work"/steps/step*.sh)
[[ ${#steps[@]} -eq 2 ]] || fail "$wf: expected 2 run steps (build, validate), found ${#steps[@]}"
echo "== GitHub Actions: $(head -n 1 "${steps[0]}") ..."
run_step "$gh" "$(cat "${steps[0]}")" > "$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; fail "the build step failed"; }
echo "== GitHub Actions: $(cat "${steps[1]}")"
run_step "$gh" "$(cat "${steps[1]}")" || fail "the gate failed a checkpoint vllm-ascend loads"
[[ "$(junit_failures "$gh/qvalidate.xml")" == 0 ]] || fail "the JUnit report of a passing checkpoint has failures"
# The gate must also fail what vllm-ascend refuses (a Golden-Stick checkpoint).
rm -rf "$gh/checkpoint" "$gh/qvalidate.xml"
cp -r samples/tiny-qwen-w8a8-golden-stick "$gh/checkpoint"
set +e
run_step "$gh" "$(cat "${steps[1]}")" > /dev/null
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "the gate exited $rc on a checkpoint vllm-ascend refuses (expected 1)"
[[ "$(junit_failures "$gh/qvalidate.xml")" -ge 1 ]] || fail "the JUnit report of a failing checkpoint shows no failure"
echo "GitHub Actions example: OK (passes a loadable checkpoint, fails a refused one, JUnit written)"

# ---- GitLab CI ---------------------------------------------------------------
gl_file=docs/ci/gitlab-ci.yml
grep -q '^  image: debian:12$' "$gl_file" || fail "$gl_file: the job must use the debian:12 image"
if [[ $(id -u) -ne 0 || ( "${CI:-}" != true && $system -eq 0 ) ]]; then
  echo "GitLab CI example: skipped (installs a .deb system-wide: run as root with CI=true or --system)"
  exit 0
fi
deb=$(ls -t "${QKIT_BUILD_DIR:-build}"/qkit_*_amd64.deb 2>/dev/null | head -n 1 || true)  # the newest
if dpkg-query -W -f='${Status}' qkit 2>/dev/null | grep -q "install ok installed"; then
  echo "GitLab CI example: skipped (a qkit package is installed already; this test installs and removes its own)"
  exit 0
fi
[[ -n "$deb" ]] || fail "no qkit .deb in ${QKIT_BUILD_DIR:-build}: run scripts/package.sh first"
gl="$work/gitlab"
mkdir -p "$gl/.home" "$gl/tools"
cp "$deb" "$gl/tools/"
cp -r samples/tiny-llama-w8a8-dynamic-msmodelslim "$gl/checkpoint"
mapfile -t lines < <(extract_gitlab_script "$gl_file")
[[ ${#lines[@]} -eq 2 ]] || fail "$gl_file: expected 2 script lines (install, validate), found ${#lines[@]}"
trap 'rm -rf "$work"; apt-get remove -y -qq qkit > /dev/null 2>&1 || true' EXIT
for line in "${lines[@]}"; do
  echo "== GitLab CI: $line"
  run_step "$gl" "$line" > "$work/gitlab.log" 2>&1 || { tail -n 20 "$work/gitlab.log"; fail "script line failed: $line"; }
done
[[ "$(junit_failures "$gl/qvalidate.xml")" == 0 ]] || fail "the JUnit report of a passing checkpoint has failures"
echo "GitLab CI example: OK"
