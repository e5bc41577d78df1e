#!/usr/bin/env bash
# Fuzz smoke run: builds every cargo-fuzz target in fuzz/ and runs each for a short fixed
# time, seeded from the committed corpus (fuzz/corpus/<target>/). Exits non-zero when a
# target crashes (panic, failed invariant, overflow, timeout, out of memory) or when a wire
# seed is no longer accepted by any type, and prints the reproducer path and the command
# that replays it. Long campaigns: docs/fuzzing.md.
#
# Installs cargo-fuzz (pinned) when missing; if that fails, this fails. cargo-fuzz needs
# nightly-only compiler flags, which the stable toolchain accepts with RUSTC_BOOTSTRAP=1.
#
# Environment:
#   FUZZ_SECONDS    seconds per target (default 15)
#   FUZZ_SANITIZER  none (default) or address; see docs/fuzzing.md for the trade-off
#   FUZZ_TARGETS    space-separated subset of targets (default: all)
#   FUZZ_PARALLEL   targets fuzzed at the same time (default: the number of CPUs)
#   FUZZ_BUILD_ONLY set: install cargo-fuzz and build the targets, run none (scripts/test.sh
#                   builds them early, at low priority, beside the Rust tests)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"

CARGO_FUZZ_VERSION="0.13.2"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-15}"
SANITIZER="${FUZZ_SANITIZER:-none}"
PARALLEL="${FUZZ_PARALLEL:-$(nproc)}"
export RUSTC_BOOTSTRAP=1

start="$(now)"
if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz $CARGO_FUZZ_VERSION (once; about 30 s on 2 cores)"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked ||
        die "cannot install cargo-fuzz (crates.io unreachable?)"
fi
log "$(cargo fuzz --version)"

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
    read -ra targets <<<"$FUZZ_TARGETS"
else
    mapfile -t targets < <(cargo fuzz list)
fi
((${#targets[@]})) || die "cargo fuzz list printed no target"

# fuzz/ is its own workspace, so the root's `cargo fmt --all` does not see it.
cargo fmt --manifest-path fuzz/Cargo.toml -- --check ||
    die "fuzz/ is not formatted: run cargo fmt --manifest-path fuzz/Cargo.toml"

# The same flags for build and run, or `cargo fuzz run` rebuilds.
flags=(--sanitizer "$SANITIZER")

log "building the fuzz targets (sanitizer: $SANITIZER) into fuzz/target"
build_start="$(now)"
cargo fuzz build "${flags[@]}"
log "built in $(($(now) - build_start)) s"
if [[ -n "${FUZZ_BUILD_ONLY:-}" ]]; then
    log "FUZZ_BUILD_ONLY: no target run"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The wire seeds must still parse: a renamed field would silently turn them into noise.
for t in wire_requests wire_responses; do
    [[ " ${targets[*]} " == *" $t "* ]] || continue
    if ! MITID_FUZZ_SEED_CHECK=1 cargo fuzz run "${flags[@]}" "$t" "fuzz/corpus/$t" -- \
        -runs=0 >"$work/$t.seeds.log" 2>&1; then
        grep -E "seed check|panicked" "$work/$t.seeds.log" >&2 || tail -n 30 "$work/$t.seeds.log" >&2
        die "a seed of fuzz/corpus/$t is refused by every type: update fuzz/make-seeds.py and run it"
    fi
done

# run_target T: fuzzes T into its own log; never fails itself (the verdict goes to T.status).
run_target() {
    local t="$1"
    # New inputs go to a scratch corpus: the committed seeds stay as they are.
    mkdir -p "$work/corpus/$t"
    local args=(-max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048)
    [[ -f "fuzz/dict/$t.dict" ]] && args+=(-dict="fuzz/dict/$t.dict")
    if cargo fuzz run "${flags[@]}" "$t" "$work/corpus/$t" "fuzz/corpus/$t" -- "${args[@]}" \
        >"$work/$t.log" 2>&1; then
        echo ok >"$work/$t.status"
    else
        echo failed >"$work/$t.status"
    fi
}

for t in "${targets[@]}"; do
    [[ -d "fuzz/corpus/$t" ]] || die "no seed corpus fuzz/corpus/$t"
done
log "fuzzing each target for $SECONDS_PER_TARGET s, $PARALLEL at a time"
run_start="$(now)"
for t in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= PARALLEL)); do
        wait -n || true
    done
    run_target "$t" &
done
wait

failed=()
for t in "${targets[@]}"; do
    if [[ "$(cat "$work/$t.status" 2>/dev/null)" == ok ]]; then
        runs="$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$work/$t.log" | tail -n 1 || true)"
        printf '    %-20s ok (%s)\n' "$t" "${runs#Done }" >&2
        continue
    fi
    failed+=("$t")
    # The panic message (or libFuzzer's verdict: timeout, out of memory) and the input.
    if ! grep -a -A2 -E 'panicked at|^==[0-9]+== ERROR: libFuzzer|^MS: |^Base64: ' "$work/$t.log" >&2; then
        tail -n 40 "$work/$t.log" >&2
    fi
    artifact="$(grep -oE 'Test unit written to [^ ]+' "$work/$t.log" | tail -n 1 | cut -d' ' -f5 || true)"
    if [[ -n "$artifact" ]]; then
        printf '\nCRASH in %s; reproducer: %s\n' "$t" "$artifact" >&2
        printf 'replay: RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer %s %s %s\n\n' \
            "$SANITIZER" "$t" "$artifact" >&2
    else
        printf '\nFAILED: %s (no reproducer written; log above)\n\n' "$t" >&2
    fi
done
log "ran in $(($(now) - run_start)) s"

if ((${#failed[@]})); then
    die "fuzz targets failed: ${failed[*]} (reproducers in fuzz/artifacts/)"
fi
log "fuzz smoke run passed: ${#targets[@]} targets, $SECONDS_PER_TARGET s each, $(($(now) - start)) s in all"
