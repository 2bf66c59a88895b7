#!/usr/bin/env bash
# Offline `verify` of the healthy seed deployment as a cold process, release build, and
# live `verify` against the fake ARM on loopback with 100 ms per request, and `pullpath probe`
# against `skopeo inspect --no-tags` on the local registry stack (cargo bench). Prints the
# figures and writes them to BENCHMARKS.md. Targets: well under 20 ms wall and 20 MB peak
# RSS; live within 1.3 × depth × 100 ms + start-up and ≥ 3× --max-concurrency 1; probe
# ≤ 0.7 × skopeo's median. Dials only 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
exec python3 scripts/bench.py "$@"
