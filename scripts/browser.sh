#!/usr/bin/env bash
# Makes sure a headless browser is there for the web pages' tests: installs Debian's chromium and
# chromium-driver when either is missing, then checks that both run. Idempotent.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "browser.sh: installing chromium and chromium-driver from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi

chromium --version >/dev/null 2>&1 || { echo "browser.sh: chromium does not run" >&2; exit 1; }
chromedriver --version >/dev/null 2>&1 || { echo "browser.sh: chromedriver does not run" >&2; exit 1; }
