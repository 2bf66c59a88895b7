#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need, then runs them.
# Everything the tests dial is on 127.0.0.0/8; the offline suite dials nothing at all.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests start as real services (registry, DNS, image tooling). The offline
# suite needs none; the probe suite adds docker-registry, skopeo and dnsmasq-base here.
packages=()
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Snapshots are committed; CI must never write them.
export INSTA_UPDATE=no
export RUST_BACKTRACE=0
cargo test --locked --all-targets
