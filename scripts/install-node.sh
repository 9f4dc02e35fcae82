#!/usr/bin/env bash
# Installs Debian's Node.js and npm for the GraphQL-over-HTTP audit (tests/integration/test_graphql_http_audit.py),
# if `node` or `npm` is missing. Idempotent and non-interactive: for CI on a fresh machine. The audit's own
# packages come from tests/graphql_http_audit/package-lock.json (`npm ci`, run by the test).
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"

if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  echo "install-node: node $(node --version) and npm $(npm --version) already installed"
  exit 0
fi

apt_install install-node nodejs npm
echo "install-node: installed node $(node --version) and npm $(npm --version)"
