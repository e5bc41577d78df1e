#!/usr/bin/env bash
# Runs the Swift tests of the bindings (XCTest target ios/Tests/MitidCoreTests), against the
# real server over HTTPS (the test kit, libmitid_testkit, starts it in-process):
#   1. installs Swift when missing (scripts/install-swift.sh: uses `swift` from PATH on a
#      Mac, else a Debian trixie chroot in .tools/swift-root);
#   2. builds the cdylibs and regenerates the bindings (scripts/gen-bindings.sh;
#      MITID_SKIP_GEN=1 only builds the cdylibs and uses the committed bindings);
#   3. runs `swift test` in ios/. In the chroot: /proc is mounted and the repository (and the
#      cargo target dir, when outside it) bind-mounted at the same paths; a trap always
#      unmounts them, also on failure or Ctrl-C;
#   4. in the chroot, type-checks the SwiftUI screens against signature stubs of SwiftUI
#      (ios/TypeCheck/typecheck.sh; on a Mac, Xcode builds the real screens instead).
# Prints XCTest's summary and then "N passed, N failed"; exits non-zero when a test fails,
# the build fails, or no test ran. Extra arguments go to `swift test` (e.g. --filter Cancel).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/swift-chroot.sh"

start=$(now)
"$REPO/scripts/install-swift.sh"

if [[ -n "${MITID_SKIP_GEN:-}" ]]; then
    lib_dir="$(build_cdylib)"
else
    lib_dir="$("$REPO/scripts/gen-bindings.sh" | tail -n1)"
fi
[[ -f "$lib_dir/$(cdylib_name)" ]] || die "no cdylib in $lib_dir"

# swift test, without Swift Testing's own (empty) run: its "0 tests passed" would be the
# last line otherwise. XCTest runs every test in ios/Tests.
swift_args=(test --disable-swift-testing "$@")
# In the tree's tools folder (gitignored): what an interrupted run leaves stays there, not
# in the system's temporary folder.
mkdir -p "$TOOLS"
# Logs an interrupted run left behind go now (runs on one tree take turns: chroot_lock).
rm -f "$TOOLS"/swift-test.*
log_file="$(mktemp "$TOOLS/swift-test.XXXXXX")"
cleanup_log() { rm -f "$log_file"; }

use_chroot=1
if command -v swift >/dev/null 2>&1 && [[ -z "${MITID_FORCE_SWIFT_CHROOT:-}" ]]; then
    use_chroot=0
fi

log "swift ${swift_args[*]} in ios/ ($(($(now) - start)) s of set-up)"
set +e
if ((use_chroot)); then
    chroot_lock
    mounts=("$REPO")
    case "$lib_dir/" in
        "$REPO"/*) ;;
        *) mounts+=("$lib_dir") ;;
    esac
    chroot_mount "${mounts[@]}"
    # shellcheck disable=SC2016 # $1/$@ are expanded by the inner sh
    chroot_run env \
        LD_LIBRARY_PATH="$SWIFT_RUNTIME_LIBS:$lib_dir" \
        MITID_BINDINGS_LIB_DIR="$lib_dir" \
        sh -c 'cd "$1" && shift && exec swift "$@"' sh "$REPO/ios" "${swift_args[@]}" 2>&1 |
        tee "$log_file"
    rc=${PIPESTATUS[0]}
    if ((rc == 0)); then
        # The SwiftUI screens against signature stubs of SwiftUI (ios/TypeCheck/typecheck.sh).
        chroot_run env MITID_BINDINGS_LIB_DIR="$lib_dir" sh "$REPO/ios/TypeCheck/typecheck.sh" 2>&1
        rc=$?
    fi
    chroot_umount_all || rc=1
    trap - EXIT
else
    (cd "$REPO/ios" &&
        MITID_BINDINGS_LIB_DIR="$lib_dir" LD_LIBRARY_PATH="$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
            swift "${swift_args[@]}") 2>&1 | tee "$log_file"
    rc=${PIPESTATUS[0]}
fi
set -e

# XCTest's last summary: "Executed N tests, with M failures (K unexpected) in ..."
summary="$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$log_file" | tail -n1 || true)"
cleanup_log
if [[ -z "$summary" ]]; then
    echo "0 passed, 0 failed"
    log "no XCTest summary: the build or the test run failed (exit $rc)"
    exit $((rc == 0 ? 1 : rc))
fi
executed="$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")"
failures="$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")"
# A test with several failed assertions counts once per assertion in XCTest's total.
failed=$((failures > executed ? executed : failures))
log "test-swift: $(($(now) - start)) s in all"
echo "$((executed - failed)) passed, $failed failed"
if ((rc == 0 && (failures > 0 || executed == 0))); then rc=1; fi
exit "$rc"
