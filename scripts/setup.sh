#!/usr/bin/env bash
# Installs what goaround builds and tests with, from Debian's packages. Idempotent: it
# installs only what is missing, so it is cheap to call before every build.
set -euo pipefail

packages=(
  build-essential clang cmake pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-filesystem1.81-dev libssl-dev
  libsqlitecpp-dev libsqlite3-dev sqlite3 libspdlog-dev libfmt-dev catch2
  libyaml-cpp-dev libkainjow-mustache-dev
  prometheus libcairo2-dev
  libpq-dev postgresql-15
  git curl nodejs docker-registry
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
