#!/usr/bin/env bash
# Builds the release binary, then benchmarks the one-shot CLI against the local sandbox.
# Usage: bash benches/run.sh [--runs N] [--timeout S]   (see benches/cli.py --help)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
exec python3 benches/cli.py "$@"
