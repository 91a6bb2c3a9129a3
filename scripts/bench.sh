#!/usr/bin/env bash
# Builds in Release (build-release/) and runs the benchmarks; figures are printed as one table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-release -DCMAKE_CXX_COMPILER="${GOAROUND_CXX:-clang++}" -DCMAKE_BUILD_TYPE=Release -DGOAROUND_BUILD_TESTS=ON \
  "${launcher[@]}" >/dev/null
cmake --build build-release -j2 --target goaround goaround_timeline_bench goaround_slack_ack_bench \
  goaround_store_bench goaround_failover_bench
# The peer: a minimal Bolt for JavaScript app (npm), and the second harness, written on `ws`.
mkdir -p build-release/bolt
cp bench/bolt/package.json bench/bolt/package-lock.json bench/bolt/app.mjs bench/bolt/ack_harness.mjs build-release/bolt/
(cd build-release/bolt && npm ci --no-audit --no-fund --silent >/dev/null)
# A data folder on slow storage: every fsync and fdatasync 5 ms longer.
cc -O2 -shared -fPIC -o build-release/slow_fsync.so bench/slow_fsync.c -ldl
build-release/goaround_timeline_bench
echo
build-release/goaround_slack_ack_bench build-release/goaround build-release/bolt/app.mjs \
  "$PWD/build-release/slow_fsync.so"
echo
# The same measurement a second way: the Node `ws` harness, one system after the other.
echo "Node ws harness: the same load, one JSON line per system"
for system in goaround goaround-slow-fsync bolt; do
  data="$(mktemp -d)"
  case $system in
    goaround) node build-release/bolt/ack_harness.mjs goaround build-release/goaround "$data" ;;
    goaround-slow-fsync)
      node build-release/bolt/ack_harness.mjs goaround build-release/goaround "$data" \
        "$PWD/build-release/slow_fsync.so" | sed 's/"system":"goaround"/"system":"goaround-slow-fsync"/' ;;
    bolt) node build-release/bolt/ack_harness.mjs bolt build-release/bolt/app.mjs ;;
  esac
  rm -rf "$data"
done
echo
# PostgreSQL: a server of the benchmark's own on loopback, fsync on (as a real one runs),
# stopped by PID at the end; a database for each benchmark.
pg_state="$PWD/build-release/bench-postgres"
bash tests/support/postgres.sh start "$pg_state" durable
trap 'bash tests/support/postgres.sh stop "$pg_state"' EXIT
admin_url="$(cat "$pg_state/url")"
for db in store_bench failover_bench; do
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
done
build-release/goaround_store_bench "${admin_url%/postgres}/store_bench"
echo
build-release/goaround_failover_bench "${admin_url%/postgres}/failover_bench" 20
