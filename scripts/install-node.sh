#!/usr/bin/env bash
# Installs Debian's Node.js and npm for the GraphQL-over-HTTP audit (tests/integration/test_graphql_http_audit.py),
# if `node` or `npm` is missing. Idempotent and non-interactive: for CI on a fresh machine. The audit's own
# packages come from tests/graphql_http_audit/package-lock.json (`npm ci`, run by the test).
set -euo pipefail

if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  echo "install-node: node $(node --version) and npm $(npm --version) already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-node: no apt-get here; install Node.js (18 or later) and npm by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-node: needs root (or sudo) to install nodejs and npm" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq nodejs npm >/dev/null
echo "install-node: installed node $(node --version) and npm $(npm --version)"
