#!/usr/bin/env bash
# Installs, builds and runs the whole test suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# Slack's official Node SDK, only to check the test Slack emulator against the real client.
mkdir -p build/slack-sdk
cp tests/slack/official_sdk/package.json tests/slack/official_sdk/package-lock.json build/slack-sdk/
(cd build/slack-sdk && npm ci --no-audit --no-fund --silent >/dev/null)
cd build
ctest --output-on-failure -j2 --timeout 300
