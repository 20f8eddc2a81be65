#!/usr/bin/env bash
# Sets up and runs every test: unit, integration and end-to-end, against this
# machine's real PostgreSQL and RabbitMQ (started here if they are down).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "cargo is needed: install Rust with rustup" >&2; exit 1; }
scripts/services.sh
# The end-to-end tests run the aduan binary as separate processes; build it first.
cargo build -p aduan --bin aduan
cargo test --workspace --all-targets "$@"
