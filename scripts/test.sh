#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need, then runs them.
# Everything the tests dial is on 127.0.0.0/8; the offline suite dials nothing at all.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the probe tests start as real services: the registry (CNCF distribution),
# skopeo to push the test images, dnsmasq for the privatelink views, htpasswd for Basic auth.
packages=(docker-registry skopeo dnsmasq-base apache2-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Snapshots are committed; CI must never write them.
export INSTA_UPDATE=no
export RUST_BACKTRACE=0
cargo test --locked --all-targets
