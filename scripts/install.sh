#!/usr/bin/env bash
# Installs what berth needs on Debian 12, as root, idempotently: the system
# packages, the npm dependencies (better-sqlite3 is built from source here), and
# berth's bundle. With --test it also installs the tools the tests talk to.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node_major=20
have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$have" -lt "$need_node_major" ]; then
  echo "berth needs Node.js $need_node_major or later (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

packages=(busybox-static tar gzip zstd perl-base util-linux make gcc libc6-dev python3 g++ containernetworking-plugins iptables iproute2)
if [ "${1:-}" = "--test" ]; then
  packages+=(skopeo umoci runc docker.io podman docker-registry)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
npm run --silent build
bash scripts/build-native.sh >/dev/null
