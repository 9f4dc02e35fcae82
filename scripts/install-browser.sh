#!/usr/bin/env bash
# Installs Debian's Chromium for the end-to-end tests (tests/e2e), if /usr/bin/chromium is missing.
# Idempotent and non-interactive: for CI on a fresh machine. Playwright drives this browser with
# executable_path=/usr/bin/chromium; `playwright install` (a download of its own) is never used.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"

CHROMIUM="${CUSTOMER_CREDIT_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  echo "install-browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi

apt_install install-browser chromium
echo "install-browser: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
