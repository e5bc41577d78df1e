#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (the server's rule tests twice: on
# SQLite, then on PostgreSQL), then the Kotlin and Swift suites against the real core and
# server. Installs the Kotlin compiler, JNA, the Swift chroot, the browser tests' Chromium
# and PostgreSQL when missing; if a toolchain cannot be installed, this fails loudly instead
# of skipping. The throwaway PostgreSQL cluster is stopped and removed on every exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# A one-off build gains nothing from incremental caches; they doubled the disk it needs.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# Each phase says how long it took, and the end lists them all, so that two runs of this
# command can be compared phase by phase (the test command's time is a number we keep).
times=()
phase_name=""
phase_start="$(date +%s)"
suite_start="$phase_start"
phase() {
  local now
  now="$(date +%s)"
  [[ -z "$phase_name" ]] || times+=("$((now - phase_start)) s  $phase_name")
  phase_name="$1"
  phase_start="$now"
  [[ -z "$phase_name" ]] || echo "==> $phase_name"
}

phase "Rust: format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

phase "scripts/browser-tools.sh (Chromium, chromedriver, axe-core for tests/tests/browser)"
MITID_AXE_JS="$(scripts/browser-tools.sh | tail -n1)"
export MITID_AXE_JS

phase "scripts/postgres.sh (a throwaway PostgreSQL cluster for the tests)"
# `ip` builds the network namespace of the database partition test (processes/partition.rs);
# procps (`pgrep`, `kill`) serves the browser tests; python3 reads cargo's metadata for the scripts.
for need in ip:iproute2 pgrep:procps python3:python3; do
  command -v "${need%%:*}" >/dev/null 2>&1 || (source scripts/common.sh && apt_ensure "${need#*:}")
done
PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mitid-pg.XXXXXX")"
trap 'scripts/postgres.sh stop "$PG_DIR" || true; scripts/leftovers.sh || true' EXIT
MITID_TEST_POSTGRES="$(scripts/postgres.sh start "$PG_DIR" | tail -n1)"
export MITID_TEST_POSTGRES

phase "Rust: tests (SQLite; the several-process tests on PostgreSQL)"
cargo test --workspace --locked

phase "Rust: the server's rule, attack and crash tests again, on PostgreSQL"
# --workspace (only the server has these targets) keeps the features of the run above: no rebuild.
MITID_TEST_BACKEND=postgres cargo test --workspace --locked --test api --test attacks --test processes

# The bindings' checks and the shells' suites use the cdylibs and the uniffi-bindgen this test
# build made: no second build with other features (scripts/common.sh, build_cdylib).
export MITID_CDYLIB_FROM=tests

phase "scripts/fuzz-smoke.sh"
scripts/fuzz-smoke.sh

phase "scripts/check-bindings.sh"
scripts/check-bindings.sh

# Both suites always run: a missing script or toolchain is a failure, never a skip.
for suite in scripts/test-kotlin.sh scripts/test-swift.sh; do
  phase "$suite"
  "$suite"
done
phase ""
echo "==> all test suites passed in $(($(date +%s) - suite_start)) s:"
printf '    %s\n' "${times[@]}"
