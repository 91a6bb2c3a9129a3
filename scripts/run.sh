#!/usr/bin/env bash
# Installs, builds and starts the bot on its embedded default: the local console with two
# simulated services (checkout, payments); the timeline goes to ./var/goaround.db.
# Extra arguments go to goaround (e.g. scripts/run.sh rollback checkout --yes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >&2
exec build/goaround "$@"
