#!/usr/bin/env bash
# Checks that the committed generated bindings (the app's and the test kit's) match the Rust
# code: regenerates them into a temporary folder and diffs. Exits non-zero (and shows the diff) when they are stale:
# run scripts/gen-bindings.sh and commit the result. CI runs this.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$REPO/scripts/gen-bindings.sh" --out-root "$tmp" >/dev/null
# The app's bindings and the test kit's (the list is gen-bindings.sh's own).
mapfile -t files < <("$REPO/scripts/gen-bindings.sh" --list-files)
((${#files[@]})) || die "gen-bindings.sh --list-files printed nothing"

stale=0
for f in "${files[@]}"; do
    if [[ ! -f "$REPO/$f" ]]; then
        printf 'MISSING: %s\n' "$f" >&2
        stale=1
    elif ! diff -u "$REPO/$f" "$tmp/$f" >&2; then
        stale=1
    fi
done
if ((stale)); then
    die "the generated bindings are stale: run scripts/gen-bindings.sh and commit the result"
fi
log "generated bindings are up to date (${#files[@]} files)"
