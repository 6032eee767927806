#!/usr/bin/env bash
# Installs what the tests need and runs them all: type check, lint, the import
# rule of ARCHITECTURE.md, then every test on node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
npx tsc --noEmit -p .
npx biome check src test bench scripts
if [ -f ../shared/tools/check-layers.mjs ]; then node ../shared/tools/check-layers.mjs .; fi
node scripts/run-tests.mjs
