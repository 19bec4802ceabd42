#!/usr/bin/env bash
# Installs every build and test dependency of qkit from Debian packages.
# Idempotent and non-interactive: packages already present are skipped, and
# nothing is downloaded from anywhere else.
set -euo pipefail

packages=(
  cmake g++ make
  nlohmann-json3-dev zlib1g-dev
  libboost-program-options-dev libboost-iostreams-dev
  libgtest-dev libbenchmark-dev
  dpkg-dev git
)
# Optional: clang for the libFuzzer targets (scripts/fuzz.sh).
if [[ "${QKIT_WITH_FUZZ:-0}" == 1 ]]; then
  packages+=(clang libclang-rt-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
