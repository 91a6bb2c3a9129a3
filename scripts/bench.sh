#!/usr/bin/env bash
# Builds in Release (build-release/) and runs the benchmarks; figures are printed as one table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-release -DCMAKE_CXX_COMPILER="${GOAROUND_CXX:-clang++}" -DCMAKE_BUILD_TYPE=Release -DGOAROUND_BUILD_TESTS=ON \
  "${launcher[@]}" >/dev/null
cmake --build build-release -j2 --target goaround goaround_timeline_bench goaround_slack_ack_bench
# The peer: a minimal Bolt for JavaScript app (npm).
mkdir -p build-release/bolt
cp bench/bolt/package.json bench/bolt/app.mjs build-release/bolt/
(cd build-release/bolt && npm install --no-audit --no-fund --silent >/dev/null)
build-release/goaround_timeline_bench
echo
build-release/goaround_slack_ack_bench build-release/goaround build-release/bolt/app.mjs
