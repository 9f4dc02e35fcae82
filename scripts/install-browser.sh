#!/usr/bin/env bash
# Installs Debian's Chromium for the end-to-end tests (tests/e2e), if /usr/bin/chromium is missing.
# Idempotent and non-interactive: for CI on a fresh machine. Playwright drives this browser with
# executable_path=/usr/bin/chromium; `playwright install` (a download of its own) is never used.
set -euo pipefail

CHROMIUM="${CUSTOMER_CREDIT_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  echo "install-browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get here; install Chromium at $CHROMIUM by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-browser: needs root (or sudo) to install chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
echo "install-browser: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
