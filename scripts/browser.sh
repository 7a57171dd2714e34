#!/usr/bin/env bash
# Makes sure a headless browser and its WebDriver are installed for the page tests: Debian's `chromium` and
# `chromium-driver`, installed when missing (the tests start `chromedriver` themselves, on a free loopback port).
# Idempotent.
set -euo pipefail

have() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }

if ! have; then
  echo "browser.sh: installing chromium and chromium-driver from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
have || { echo "browser.sh: chromium or chromedriver is still missing after installing" >&2; exit 1; }
echo "browser.sh: $(chromium --version 2>/dev/null | head -n 1); $(chromedriver --version 2>/dev/null | head -n 1)"
