#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace, then the Kotlin and Swift suites
# against the real core and server. Installs the Kotlin compiler, JNA, the Swift chroot and
# the browser tests' Chromium when missing; if a toolchain cannot be installed, this fails
# loudly instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
# A one-off build gains nothing from incremental caches; they doubled the disk it needs.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "==> Rust: format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> scripts/browser-tools.sh (Chromium, chromedriver, axe-core for tests/tests/browser)"
MITID_AXE_JS="$(scripts/browser-tools.sh | tail -n1)"
export MITID_AXE_JS

echo "==> Rust: tests"
cargo test --workspace --locked

echo "==> scripts/fuzz-smoke.sh"
scripts/fuzz-smoke.sh

echo "==> scripts/check-bindings.sh"
scripts/check-bindings.sh

# Both suites always run: a missing script or toolchain is a failure, never a skip.
for suite in scripts/test-kotlin.sh scripts/test-swift.sh; do
  echo "==> $suite"
  "$suite"
done
echo "==> all test suites passed"
