#!/usr/bin/env bash
# A real Unleash 8 for the flag tests, on loopback, on the run's PostgreSQL (postgres.sh):
#   unleash.sh start STATE_DIR PG_STATE_DIR   installs unleash-server (npm, once, into
#                                             STATE_DIR/node), makes a database of its own,
#                                             starts the server and waits for /health; writes
#                                             STATE_DIR/url and STATE_DIR/token
#   unleash.sh stop STATE_DIR                 stops it by its PID
# Unleash migrates its schema on first start: about 10-25 s, so the run shares one server.
set -euo pipefail
action="$1"
state="$(mkdir -p "$2" && cd "$2" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
case "$action" in
start)
  pg_state="$(cd "$3" && pwd)"
  if [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then exit 0; fi
  mkdir -p "$state/node"
  cp "$here/unleash/package.json" "$here/unleash/package-lock.json" "$here/unleash/start.js" "$state/node/"
  # The lock file pins every transitive package, so a run installs what was tested; a registry
  # hiccup gets a second try.
  # Installed means installed from this lock file: a marker holds its hash once npm ci is done.
  lock_hash="$(sha256sum "$state/node/package-lock.json" | cut -d' ' -f1)"
  for attempt in 1 2; do
    [ "$(cat "$state/node/installed" 2>/dev/null)" != "$lock_hash" ] || break
    if (cd "$state/node" && npm ci --no-audit --no-fund --silent >"$state/npm.log" 2>&1); then
      echo "$lock_hash" >"$state/node/installed"
      break
    fi
    echo "unleash: npm ci failed (attempt $attempt):" >&2
    cat "$state/npm.log" >&2
    [ "$attempt" -lt 2 ] || { df -h "$state" >&2; exit 1; }
  done
  pg_url="$(cat "$pg_state/url")"
  pg_port="$(sed 's#.*:\([0-9]*\)/.*#\1#' <<<"$pg_url")"
  database="unleash_$$"
  psql -q "$pg_url" -c "CREATE DATABASE $database" >/dev/null
  token="*:*.$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  for attempt in 1 2 3; do
    port=$((20000 + RANDOM % 30000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    (cd "$state/node" && exec setsid node start.js 127.0.0.1 "$pg_port" "$database" "$port" "$token" \
      >"$state/log" 2>&1 </dev/null) &
    echo $! >"$state/pid"
    for _ in $(seq 180); do
      if curl -fsS "http://127.0.0.1:$port/health" 2>/dev/null | grep -q GOOD; then
        echo "http://127.0.0.1:$port" >"$state/url"
        echo "$token" >"$state/token"
        echo "$pg_url $database" >"$state/database"
        echo "unleash: listening on 127.0.0.1:$port (database $database)" >&2
        exit 0
      fi
      kill -0 "$(cat "$state/pid")" 2>/dev/null || break
      sleep 0.5
    done
    kill "$(cat "$state/pid")" 2>/dev/null || true
    echo "unleash: attempt $attempt on port $port did not become healthy; its log:" >&2
    cat "$state/log" >&2
  done
  df -h "$state" >&2  # a full disk is the usual cause
  exit 1
  ;;
stop)
  [ -f "$state/pid" ] || exit 0
  pid="$(cat "$state/pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  # Its database goes too (the PostgreSQL may already be gone with its folder).
  if [ -f "$state/database" ]; then
    read -r pg_url database <"$state/database"
    psql -q "$pg_url" -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  fi
  rm -f "$state/pid" "$state/url" "$state/token" "$state/database"
  ;;
*)
  echo "unleash.sh start STATE_DIR PG_STATE_DIR | stop STATE_DIR" >&2
  exit 2
  ;;
esac
