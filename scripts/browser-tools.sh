#!/usr/bin/env bash
# Installs what the browser tests (tests/tests/browser) need, only what is missing:
#   - Debian's Chromium and its chromedriver (`chromium`, `chromium-driver`);
#   - axe-core, the accessibility rules run in the page, from npm at the version locked in
#     scripts/browser/package-lock.json, into .tools/browser.
# Idempotent: a second run only checks. Fails loudly when an install fails.
# Prints the path of axe.min.js as its last line of stdout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

start=$(now)
apt_ensure chromium chromium-driver
command -v chromium >/dev/null 2>&1 || die "chromium is not on PATH after its install"
command -v chromedriver >/dev/null 2>&1 || die "chromedriver is not on PATH after its install"

dir="$TOOLS/browser"
axe="$dir/node_modules/axe-core/axe.min.js"
if ! cmp -s "$REPO/scripts/browser/package-lock.json" "$dir/package-lock.json" || [[ ! -f "$axe" ]]; then
    command -v npm >/dev/null 2>&1 || apt_ensure npm
    log "npm ci axe-core into $dir"
    mkdir -p "$dir"
    cp "$REPO/scripts/browser/package.json" "$REPO/scripts/browser/package-lock.json" "$dir/"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2 || die "npm ci (axe-core) failed"
fi
[[ -f "$axe" ]] || die "$axe is missing after npm ci"
log "browser tools ready ($(chromium --version 2>/dev/null | head -n1); $(($(now) - start)) s)"
echo "$axe"
