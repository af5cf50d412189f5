#!/usr/bin/env bash
# The report's browser tests drive Debian's Chromium (never a downloaded browser).
# As root with apt-get: install chromium and chromium-driver when missing.
# Otherwise say what to install; the browser tests then skip with that reason
# (unless PLANMINE_REQUIRE_BROWSER=1, as in CI, where they fail).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium and chromium-driver for the report's browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  exit 0
fi
echo "NOTE: chromium/chromedriver not found: the browser tests will be SKIPPED." >&2
echo "      install them with: sudo apt-get install -y chromium chromium-driver" >&2
