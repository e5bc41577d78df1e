#!/usr/bin/env bash
# Builds the bindings cdylib (mitid-bindings) and the test kit's cdylib (mitid-testkit) and
# generates their Kotlin and Swift bindings (uniffi library mode, with the workspace's pinned
# uniffi-bindgen, configured by bindings/uniffi.toml and bindings/testkit/uniffi.toml):
#   android/mitid-core/src/main/kotlin/dk/mitid/core/mitid_bindings.kt          (the app's)
#   ios/Sources/MitidCore/MitidCore.swift
#   ios/Sources/MitidCoreFFI/include/{MitidCoreFFI.h,module.modulemap}
#   android/mitid-core/src/test/kotlin/dk/mitid/testkit/mitid_testkit.kt        (tests only)
#   ios/TestSupport/MitidTestkit/MitidTestkit.swift
#   ios/TestSupport/MitidTestkitFFI/include/{MitidTestkitFFI.h,module.modulemap}
# The generated files are committed; a file is only rewritten when its content changes.
#
# Usage: scripts/gen-bindings.sh [--out-root DIR] [--list-files]
#   --out-root DIR  write the same layout under DIR instead of the repository
#                   (scripts/check-bindings.sh uses it to diff against the committed files)
#   --list-files    print the generated files (relative to the repository) and exit
# Environment: MITID_PROFILE (cargo profile of the cdylibs, default dev); MITID_CDYLIB_FROM=tests
# takes the dev cdylibs and the uniffi-bindgen binary from `cargo test --workspace`
# (common.sh, build_cdylib and artifact_of_tests).
# Prints the folder holding the cdylibs as its last line of stdout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The test kit's generated files (the app's are GENERATED_* in common.sh).
TESTKIT_KOTLIN="android/mitid-core/src/test/kotlin/dk/mitid/testkit/mitid_testkit.kt"
TESTKIT_SWIFT="ios/TestSupport/MitidTestkit/MitidTestkit.swift"
TESTKIT_SWIFT_HEADER="ios/TestSupport/MitidTestkitFFI/include/MitidTestkitFFI.h"
TESTKIT_SWIFT_MODULEMAP="ios/TestSupport/MitidTestkitFFI/include/module.modulemap"

out_root="$REPO"
while (($#)); do
    case "$1" in
        --out-root)
            [[ $# -ge 2 ]] || die "--out-root needs a folder"
            out_root="$2"
            shift 2
            ;;
        --list-files)
            printf '%s\n' "${GENERATED_FILES[@]}" "$TESTKIT_KOTLIN" "$TESTKIT_SWIFT" \
                "$TESTKIT_SWIFT_HEADER" "$TESTKIT_SWIFT_MODULEMAP"
            exit 0
            ;;
        -h | --help)
            sed -n '2,20p' "$0"
            exit 0
            ;;
        *) die "unknown argument: $1" ;;
    esac
done

start=$(now)
lib_dir="$(build_cdylib)"
lib="$lib_dir/$(cdylib_name)"
testkit_lib="$lib_dir/$(cdylib_name | sed 's/mitid_bindings/mitid_testkit/')"
[[ -f "$testkit_lib" ]] || die "the build did not produce $testkit_lib"

if [[ "${MITID_CDYLIB_FROM:-}" == tests ]]; then
    # Its integration test (bindings/uniffi-bindgen/tests) has the test build make it.
    bindgen="$(artifact_of_tests uniffi-bindgen)"
else
    log "cargo build -p uniffi-bindgen"
    (cd "$REPO" && cargo build -q -p uniffi-bindgen >&2) || die "building uniffi-bindgen failed"
    bindgen="$(cargo_target_dir)/debug/uniffi-bindgen"
fi
[[ -x "$bindgen" ]] || die "$bindgen is missing after the build"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
log "uniffi-bindgen generate --library $lib (kotlin, swift)"
# --no-format: the output must not depend on whether ktlint/swiftformat happen to be installed.
(cd "$REPO" && "$bindgen" generate --library "$lib" --language kotlin --language swift \
    --out-dir "$tmp/app" --no-format >&2) || die "uniffi-bindgen failed"
log "uniffi-bindgen generate --library $testkit_lib (kotlin, swift)"
(cd "$REPO" && "$bindgen" generate --library "$testkit_lib" --language kotlin --language swift \
    --out-dir "$tmp/testkit" --no-format >&2) || die "uniffi-bindgen failed for the test kit"

# install_file SRC DEST: copy when the content differs (keeps mtimes for incremental builds).
install_file() {
    local src="$1" dest="$out_root/$2"
    [[ -f "$src" ]] || die "uniffi-bindgen did not produce $src"
    mkdir -p "$(dirname "$dest")"
    if ! cmp -s "$src" "$dest"; then
        cp "$src" "$dest"
        log "updated $2"
    fi
}
install_file "$tmp/app/dk/mitid/core/mitid_bindings.kt" "$GENERATED_KOTLIN"
install_file "$tmp/app/MitidCore.swift" "$GENERATED_SWIFT"
install_file "$tmp/app/MitidCoreFFI.h" "$GENERATED_SWIFT_HEADER"
# SwiftPM wants the module map of a C target as include/module.modulemap.
install_file "$tmp/app/MitidCoreFFI.modulemap" "$GENERATED_SWIFT_MODULEMAP"
install_file "$tmp/testkit/dk/mitid/testkit/mitid_testkit.kt" "$TESTKIT_KOTLIN"
install_file "$tmp/testkit/MitidTestkit.swift" "$TESTKIT_SWIFT"
install_file "$tmp/testkit/MitidTestkitFFI.h" "$TESTKIT_SWIFT_HEADER"
install_file "$tmp/testkit/MitidTestkitFFI.modulemap" "$TESTKIT_SWIFT_MODULEMAP"

log "bindings generated ($(($(now) - start)) s)"
echo "$lib_dir"
