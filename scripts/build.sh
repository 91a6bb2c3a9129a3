#!/usr/bin/env bash
# Configures and builds into build/ (two jobs: the machines have two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# clang++: Debian's GCC 12.2 destroys aggregate temporaries in coroutine frames twice
# (GCC PR 100611, fixed in 13); the CMakeLists refuses GCC < 13 for that reason.
cmake -S . -B build -DCMAKE_CXX_COMPILER="${GOAROUND_CXX:-clang++}" \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "${launcher[@]}" >/dev/null
cmake --build build -j2
