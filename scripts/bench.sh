#!/usr/bin/env bash
# Builds in Release (build-release/) and runs the benchmarks; figures are printed as one table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-release -DCMAKE_CXX_COMPILER="${GOAROUND_CXX:-clang++}" -DCMAKE_BUILD_TYPE=Release \
  -DGOAROUND_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build build-release -j2 --target goaround_timeline_bench
build-release/goaround_timeline_bench
