#!/usr/bin/env bash
# Takes the screenshots shown in the README (docs/screenshots/*.png) from the browser tests:
# the login page (user ID, code, QR code), Demo Bank's result page, and MitID.dk's profile
# and identification methods, the password change and the profile change, in Danish and English
# (the profile change in English). Needs what scripts/browser-tools.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
MITID_AXE_JS="$(scripts/browser-tools.sh | tail -n1)"
export MITID_AXE_JS
export MITID_SCREENSHOTS="$PWD/docs/screenshots"
mkdir -p "$MITID_SCREENSHOTS"
cargo test -p mitid-e2e --test browser --locked -- logins:: selfservice:: password:: profile_change::
ls -l "$MITID_SCREENSHOTS"
