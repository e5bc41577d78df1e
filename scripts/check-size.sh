#!/usr/bin/env bash
# Size of the bindings library as it ships to phones: builds the mitid-bindings cdylib in the
# phone release profile (--profile release-phone: opt-level z, fat LTO, one codegen unit),
# strips a copy of it (the build keeps symbols for uniffi-bindgen's library mode) and
# compares the stripped size with the figure committed in bench/size.json.
#
# Prints one line with the size and the change; prints a line starting with "WARNING:" when
# the library grew by more than 100 KB (102 400 bytes) over the committed figure. Always
# exits 0 unless the build itself fails: a size change is a warning, not a test failure.
#
# The figure is for the host target (no Android NDK on CI): the same code and profile as the
# phone libraries, a proxy for them (docs/performance.md §4).
#
# Usage: scripts/check-size.sh [--update]   (--update writes the new figure to bench/size.json)
# Environment: MITID_SIZE_PROFILE (default release-phone), MITID_SIZE_LIMIT (bytes, default
# 102400).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

profile="${MITID_SIZE_PROFILE:-release-phone}"
limit="${MITID_SIZE_LIMIT:-102400}"
update=0
case "${1:-}" in
    --update) update=1 ;;
    "") ;;
    -h | --help)
        sed -n '2,19p' "$0"
        exit 0
        ;;
    *) die "unknown argument: $1" ;;
esac

figure="$REPO/bench/size.json"
target_dir="$(cargo_target_dir)"
host="$(rustc -vV | awk '/^host:/ {print $2}')"
start=$(now)
log "cargo build -p mitid-bindings --lib --profile $profile ($host)"
(cd "$REPO" && cargo build -p mitid-bindings --lib --locked --profile "$profile" >&2) ||
    die "building the mitid-bindings cdylib ($profile) failed"
built="$target_dir/$profile/$(cdylib_name)"
[[ -f "$built" ]] || die "the build did not produce $built"
build_seconds=$(($(now) - start))

stripper="$(command -v llvm-strip || command -v strip || true)"
[[ -n "$stripper" ]] || die "neither llvm-strip nor strip is installed"
stripped="$target_dir/size-check/$(cdylib_name)"
mkdir -p "$(dirname "$stripped")"
cp "$built" "$stripped"
"$stripper" --strip-all "$stripped"
size="$(stat -c %s "$stripped" 2>/dev/null || stat -f %z "$stripped")"
unstripped="$(stat -c %s "$built" 2>/dev/null || stat -f %z "$built")"

# The committed figure (bytes, target, profile), if any.
read -r base base_target base_profile < <(python3 - "$figure" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print(d["stripped_bytes"], d["target"], d["profile"])
except Exception:
    print(0, "-", "-")
EOF
)

echo "bindings library ($profile, $host, stripped): $size bytes" \
    "($((size / 1024)) KiB; unstripped $((unstripped / 1024)) KiB; built in ${build_seconds} s)"
if ((base == 0)); then
    warn "no committed figure in ${figure#"$REPO"/}: run scripts/check-size.sh --update and commit it"
elif [[ "$base_target" != "$host" || "$base_profile" != "$profile" ]]; then
    warn "the committed figure is for $base_target/$base_profile, not $host/$profile: sizes not compared"
else
    delta=$((size - base))
    if ((delta > 0)); then
        change="$delta bytes larger"
    elif ((delta < 0)); then
        change="$((-delta)) bytes smaller"
    else
        change="unchanged"
    fi
    echo "committed figure: $base bytes; $change"
    if ((delta > limit)); then
        echo "WARNING: the bindings library grew by $delta bytes (> $limit) over bench/size.json ($base bytes): check what was added, then scripts/check-size.sh --update"
    fi
fi

if ((update)); then
    python3 - "$figure" "$size" "$unstripped" "$host" "$profile" "$(rustc -V)" <<'EOF'
import json, sys, datetime
path, size, unstripped, host, profile, rustc = sys.argv[1:]
json.dump({
    "library": "libmitid_bindings (mitid-bindings cdylib)",
    "target": host,
    "profile": profile,
    "stripped_bytes": int(size),
    "unstripped_bytes": int(unstripped),
    "rustc": rustc,
    "measured": datetime.date.today().isoformat(),
    "how": "scripts/check-size.sh --update (strip --strip-all of the release-phone build)",
}, open(path, "w"), indent=2)
open(path, "a").write("\n")
EOF
    log "wrote ${figure#"$REPO"/}"
fi
exit 0
