#!/usr/bin/env bash
# Installs the npm dependencies from package-lock.json, builds the native addon (debug) and the
# TypeScript layer, and runs the node:test suite against the in-process sandbox.
# Exits non-zero when any step or test fails. Cargo's target directory defaults to ../target.
set -euo pipefail

cd "$(dirname "$0")"

npm ci --no-audit --no-fund
node scripts/build.mjs
node --test --test-concurrency=1 --test-timeout=120000 test/*.test.mjs test/*.test.cjs
