#!/usr/bin/env bash
# Sets up and runs every test: unit, integration and end-to-end, against this
# machine's real PostgreSQL and RabbitMQ (started here if they are down).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "cargo is needed: install Rust with rustup" >&2; exit 1; }
scripts/services.sh
# A local OpenID Connect provider (npm oauth2-mock-server) for accounts' OIDC test.
command -v npm >/dev/null || { echo "npm is needed for the OIDC test provider: install Node.js 20" >&2; exit 1; }
npm ci --silent --no-audit --no-fund --prefix services/accounts/tests/oidc
# The page tests drive Debian's chromium with npm playwright-core (never
# `playwright install`) and check every page with axe-core.
npm ci --silent --no-audit --no-fund --prefix tests/browser
if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium for the page tests"
  apt_get() { if [ "$(id -u)" = 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi; }
  DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends chromium \
    || { apt_get update && DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends chromium; }
fi
# Python stand-ins from PyPI, in their own virtual environment: a published
# Open311 client (georeport), an S3-compatible server (moto) for photos and
# an SMTP sink (aiosmtpd) for the messages to citizens.
command -v python3 >/dev/null || { echo "python3 is needed for the Open311 and S3 stand-ins" >&2; exit 1; }
if ! tests/python/.venv/bin/python -c 'import georeport, moto.server, aiosmtpd' 2>/dev/null; then
  python3 -m venv tests/python/.venv
  tests/python/.venv/bin/pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
fi
# The end-to-end tests run the aduan binary as separate processes; build it
# first, with the test clock that release builds lack.
cargo build -p aduan --bin aduan --features test-clock
cargo test --workspace --all-targets "$@"
