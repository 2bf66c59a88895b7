#!/usr/bin/env bash
# Offline `verify` of the healthy seed deployment as a cold process, release build.
# Prints the figures and writes them to BENCHMARKS.md. Targets: well under 20 ms wall and
# 20 MB peak RSS. Dials nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
exec python3 scripts/bench.py "$@"
