#!/usr/bin/env bash
# Builds the libFuzzer harnesses (build-fuzz/: clang with coverage, ASan and UBSan) and runs each
# for SECONDS (default 60) from its seed corpus in tests/fuzz/corpus/<name>/. New inputs go to
# build-fuzz/corpus/, findings to build-fuzz/findings/; any crash, leak, timeout or undefined
# behaviour stops the script with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
bash scripts/setup.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGOAROUND_FUZZ=ON -DGOAROUND_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
fuzzers=(socket_frame chat_command deploy_registration config)
cmake --build build-fuzz -j2 --target "${fuzzers[@]/%/_fuzzer}"
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for name in "${fuzzers[@]}"; do
  mkdir -p "build-fuzz/corpus/$name" "build-fuzz/findings/$name"
  echo "fuzz: $name for ${seconds}s" >&2
  build-fuzz/tests/fuzz/"${name}"_fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$name/" \
    "build-fuzz/corpus/$name" "tests/fuzz/corpus/$name" 2>"build-fuzz/findings/$name.log" ||
    { tail -60 "build-fuzz/findings/$name.log" >&2; echo "fuzz: $name found a problem" >&2; exit 1; }
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "build-fuzz/findings/$name.log" >&2 || true
done
