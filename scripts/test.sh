#!/usr/bin/env bash
# Checks the format and clippy's lints, and runs every test of the project: the Rust
# workspace (the server's rule tests twice: on SQLite, then on PostgreSQL), then the Kotlin
# and Swift suites against the real core and server. Installs the Kotlin compiler, JNA, the
# Swift chroot, the browser tests' Chromium and PostgreSQL when missing; if a toolchain
# cannot be installed, this fails loudly instead of skipping. The throwaway PostgreSQL
# cluster is stopped and removed on every exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# A one-off build gains nothing from incremental caches; they doubled the disk it needs.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# Each phase says its name, and the end (or a failure) lists how long each took, so that two
# runs of this command can be compared phase by phase (its time is a number we keep).
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

source scripts/common.sh

# What an exit leaves: the toolchains' installs finish (a chroot half made is mended by the
# next run, but not while its bind mounts are up), the throwaway cluster stops, and what a
# killed test left running is stopped.
installs=""
installs_log=""
fuzz_build=""
PG_DIR=""
logs=()
cleanup() {
  local rc=$?
  # Only a build still running is stopped: the pid of one that ended may name another group.
  if [[ -n "$fuzz_build" ]] && jobs -pr | grep -qx "$fuzz_build"; then
    kill -TERM -- "-$fuzz_build" 2>/dev/null || true
    wait "$fuzz_build" 2>/dev/null || true
  fi
  if [[ -n "$installs" ]]; then
    echo "==> waiting for the toolchains' installs to end (a Swift chroot is not left half made)"
    wait "$installs" 2>/dev/null || tail -n 30 "$installs_log" >&2 || true
  fi
  rm -f "${logs[@]}"
  [[ -z "$PG_DIR" ]] || scripts/postgres.sh stop "$PG_DIR" || true
  scripts/leftovers.sh || true
  if ((rc != 0)); then
    echo "==> failed in \"$phase_name\" after $(($(date +%s) - suite_start)) s; the phases before it:"
    printf '    %s\n' "${times[@]}"
  fi
}
trap cleanup EXIT

phase "Rust: format"
cargo fmt --all -- --check

# Clippy lints inside the test build: clippy-driver stands in for rustc on the workspace's
# own crates (it compiles them and lints them, as `cargo clippy` does), and -D warnings
# fails the build on any warning. A separate `cargo clippy --all-targets` checked every
# dependency once more in its own mode: about 270 s of the command, against about 30 s here.
# Both stay set for every cargo call below (the scripts' too), or a call would rebuild; the
# test kit's cdylib, which `--all-targets` does not make, is linted by the test run's build.
clippy_driver="$(rustc --print sysroot)/bin/clippy-driver"
[[ -x "$clippy_driver" ]] || die "no clippy-driver in the toolchain: rustup component add clippy"
rustflags_given="${RUSTFLAGS-}"
# cargo would take this one instead of RUSTFLAGS, and the lints would pass as warnings.
unset CARGO_ENCODED_RUSTFLAGS
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-D warnings"

# The suites' toolchains (Chromium, Kotlin, the Swift chroot) mostly wait on the network:
# they install one after the other (apt takes one caller at a time) while cargo builds.
installs_log="$(mktemp "${TMPDIR:-/tmp}/mitid-installs.XXXXXX")"
logs+=("$installs_log" "$installs_log.axe")
(
  scripts/browser-tools.sh | tail -n1 >"$installs_log.axe"
  scripts/install-kotlin.sh >/dev/null
  scripts/install-swift.sh
) >"$installs_log" 2>&1 &
installs=$!

phase "Rust: build and clippy lints (every target: the benchmarks' too)"
cargo test --workspace --locked --all-targets --no-run

# The fuzz targets build at the lowest priority while the Rust tests run: those leave part of
# the two cores idle (they wait on sockets, browsers and PostgreSQL), and the build takes
# only that. fuzz/ is a workspace of its own with its own flags: no clippy there, as before.
# In a session of its own, so that an early exit stops the whole build (cleanup). Where the
# kernel shares CPU time between sessions first (autogroup), `nice` counts only inside one:
# the session's own nice value is what yields (without it, the tests took 121 s longer).
fuzz_log="$(mktemp "${TMPDIR:-/tmp}/mitid-fuzz-build.XXXXXX")"
logs+=("$fuzz_log")
# shellcheck disable=SC2016 # the inner sh expands $@
RUSTFLAGS="$rustflags_given" FUZZ_BUILD_ONLY=1 setsid sh -c '
  { echo 19 >/proc/self/autogroup; } 2>/dev/null || true
  exec nice -n 19 env -u RUSTC_WORKSPACE_WRAPPER "$@"' sh scripts/fuzz-smoke.sh \
  >"$fuzz_log" 2>&1 </dev/null &
fuzz_build=$!

phase "toolchains (installed during the build): browser tools, Kotlin, Swift"
installed=0
wait "$installs" || installed=$?
installs=""
cat "$installs_log" >&2
[[ "$installed" == 0 ]] || die "installing the suites' toolchains failed (exit $installed; log above)"
MITID_AXE_JS="$(cat "$installs_log.axe")"
export MITID_AXE_JS

phase "scripts/postgres.sh (a throwaway PostgreSQL cluster for the tests)"
# `ip` builds the network namespace of the database partition test (processes/partition.rs);
# procps (`pgrep`, `kill`) serves the browser tests; python3 reads cargo's metadata for the scripts.
for need in ip:iproute2 pgrep:procps python3:python3; do
  command -v "${need%%:*}" >/dev/null 2>&1 || apt_ensure "${need#*:}"
done
PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mitid-pg.XXXXXX")"
MITID_TEST_POSTGRES="$(scripts/postgres.sh start "$PG_DIR" | tail -n1)"
export MITID_TEST_POSTGRES

phase "Rust: tests (SQLite; the several-process tests on PostgreSQL)"
cargo test --workspace --locked

phase "Rust: the server's rule, attack and crash tests again, on PostgreSQL"
# The binaries the pass above built, run as cargo runs them (in the package's folder): a
# `cargo test --test ...` resolves the features of these targets alone, and rebuilt ten crates.
mapfile -t again < <(test_binaries server api attacks processes)
((${#again[@]} == 3)) || die "the test build named ${#again[@]} of the server's 3 test binaries"
for run in "${again[@]}"; do
  echo "==> ${run#*$'\t'}"
  (cd "${run%%$'\t'*}" && MITID_TEST_BACKEND=postgres "${run#*$'\t'}")
done

# The bindings' checks and the shells' suites use the cdylibs and the uniffi-bindgen this test
# build made: no second build with other features (scripts/common.sh, build_cdylib).
export MITID_CDYLIB_FROM=tests

phase "scripts/fuzz-smoke.sh (the targets built beside the tests)"
built=0
wait "$fuzz_build" || built=$?
fuzz_build=""
cat "$fuzz_log" >&2
# A failed early build is only reported: the smoke run builds again, and fails with the cause.
[[ "$built" == 0 ]] || warn "the early fuzz build failed (exit $built); building again"
RUSTFLAGS="$rustflags_given" env -u RUSTC_WORKSPACE_WRAPPER scripts/fuzz-smoke.sh

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
