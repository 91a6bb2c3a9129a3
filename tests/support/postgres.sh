#!/usr/bin/env bash
# A PostgreSQL 15 for the tests, on loopback, in a temporary folder of its own:
#   postgres.sh start STATE_DIR [durable]
#                                 initdb + pg_ctl start on a free port; writes STATE_DIR/url
#                                 (durable: fsync on, as a real server runs, for benchmarks)
#   postgres.sh stop STATE_DIR    stops that server by its PID and removes its folder
#   postgres.sh halt STATE_DIR    stops it, keeping its data (then `resume` starts it again)
# initdb refuses to run as root, so as root the server runs as the `postgres` user (Debian's
# postgresql package creates it) on a folder it owns.
set -euo pipefail
action="$1"
state="$2"
bin=/usr/lib/postgresql/15/bin
as_server() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
case "$action" in
start)
  if [ -f "$state/url" ] && [ -f "$state/folder" ] && kill -0 "$(head -1 "$(cat "$state/folder")/data/postmaster.pid" 2>/dev/null)" 2>/dev/null; then
    exit 0  # already running (a rerun of one test)
  fi
  mkdir -p "$state"
  fsync=off
  [ "${3:-}" = durable ] && fsync=on
  folder="$(mktemp -d /tmp/goaround-pg.XXXXXX)"
  chmod 755 "$folder"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$folder"; fi
  if ! as_server "$bin/initdb -D $folder/data -A trust -U postgres --no-sync >$folder/initdb.log 2>&1"; then
    cat "$folder/initdb.log" >&2
    df -h "$folder" >&2  # a full disk is the usual cause
    exit 1
  fi
  # A port nobody answers on; pg_ctl fails if another process takes it first, then try the next.
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 30000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    # fsync off unless durable: this server and its data are thrown away after the run.
    if as_server "$bin/pg_ctl -D $folder/data -w -t 60 -l $folder/log -o \"-p $port -k $folder -c listen_addresses=127.0.0.1 -c fsync=$fsync -c max_connections=200\" start >/dev/null"; then
      break
    fi
    [ "$attempt" -lt 5 ] || { cat "$folder/log" >&2; df -h "$folder" >&2; exit 1; }
  done
  echo "$folder" >"$state/folder"
  echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$state/url"
  echo "postgres: listening on 127.0.0.1:$port (data in $folder)" >&2
  ;;
halt)
  folder="$(cat "$state/folder")"
  as_server "$bin/pg_ctl -D $folder/data -w -m fast stop >/dev/null"
  ;;
resume)
  folder="$(cat "$state/folder")"
  port="$(sed 's#.*:\([0-9]*\)/.*#\1#' "$state/url")"
  as_server "$bin/pg_ctl -D $folder/data -w -t 60 -l $folder/log -o \"-p $port -k $folder -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null"
  ;;
stop)
  [ -f "$state/folder" ] || exit 0
  folder="$(cat "$state/folder")"
  if [ -f "$folder/data/postmaster.pid" ]; then
    pid="$(head -1 "$folder/data/postmaster.pid")"
    kill -INT "$pid" 2>/dev/null || true  # fast shutdown
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$folder" "$state/url" "$state/folder"
  ;;
*)
  echo "usage: postgres.sh start|stop|halt|resume STATE_DIR" >&2
  exit 2
  ;;
esac
