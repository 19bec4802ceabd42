#!/usr/bin/env bash
# Proves the install is complete: installs qkit into a scratch prefix,
# builds the example consumer (docs/examples/consumer) against it with
# find_package(qkit), builds the Debian package with CPack and unpacks it
# into a scratch root whose tools must run. Uses ./build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${QKIT_BUILD_DIR:-build}"
scratch="$build/package-check"
rm -rf "$scratch"
mkdir -p "$scratch"

cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
cmake -S docs/examples/consumer -B "$scratch/consumer" -DCMAKE_PREFIX_PATH="$PWD/$scratch/prefix" >/dev/null
cmake --build "$scratch/consumer" -j "$(nproc)" >/dev/null
"$scratch/consumer/ckpt-summary" samples/tiny-qwen-w8a8-msmodelslim

(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/qkit_*.deb | head -n 1)
echo "package: $deb"
dpkg-deb --field "$deb" Package Version Depends
dpkg-deb -x "$deb" "$scratch/root"
for tool in qinspect qvalidate qconvert; do
  "$scratch/root/usr/bin/$tool" --version
done
test -f "$scratch/root/usr/lib/x86_64-linux-gnu/cmake/qkit/qkitConfig.cmake" -o \
     -f "$scratch/root/usr/lib/cmake/qkit/qkitConfig.cmake"
test -f "$scratch/root/usr/share/bash-completion/completions/qvalidate"
"$scratch/root/usr/bin/qvalidate" --quick samples/tiny-llama-w8a8-dynamic-msmodelslim | tail -n 1
echo "package check: OK"
