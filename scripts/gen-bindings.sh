#!/usr/bin/env bash
# Builds the bindings cdylib and generates the Kotlin and Swift bindings from it (uniffi
# library mode, with the workspace's pinned uniffi-bindgen, configured by bindings/uniffi.toml):
#   android/mitid-core/src/main/kotlin/dk/mitid/core/mitid_bindings.kt
#   ios/Sources/MitidCore/MitidCore.swift
#   ios/Sources/MitidCoreFFI/include/{MitidCoreFFI.h,module.modulemap}
# The generated files are committed; a file is only rewritten when its content changes.
#
# Usage: scripts/gen-bindings.sh [--out-root DIR]
#   --out-root DIR  write the same layout under DIR instead of the repository
#                   (scripts/check-bindings.sh uses it to diff against the committed files)
# Environment: MITID_PROFILE (cargo profile of the cdylib, default dev).
# Prints the folder holding the cdylib as its last line of stdout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

out_root="$REPO"
while (($#)); do
    case "$1" in
        --out-root)
            [[ $# -ge 2 ]] || die "--out-root needs a folder"
            out_root="$2"
            shift 2
            ;;
        -h | --help)
            sed -n '2,15p' "$0"
            exit 0
            ;;
        *) die "unknown argument: $1" ;;
    esac
done

start=$(now)
lib_dir="$(build_cdylib)"
lib="$lib_dir/$(cdylib_name)"

log "cargo build -p uniffi-bindgen"
(cd "$REPO" && cargo build -q -p uniffi-bindgen >&2) || die "building uniffi-bindgen failed"
bindgen="$(cargo_target_dir)/debug/uniffi-bindgen"
[[ -x "$bindgen" ]] || die "$bindgen is missing after the build"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
log "uniffi-bindgen generate --library $lib (kotlin, swift)"
# --no-format: the output must not depend on whether ktlint/swiftformat happen to be installed.
(cd "$REPO" && "$bindgen" generate --library "$lib" --language kotlin --language swift \
    --out-dir "$tmp" --no-format >&2) || die "uniffi-bindgen failed"

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
install_file "$tmp/dk/mitid/core/mitid_bindings.kt" "$GENERATED_KOTLIN"
install_file "$tmp/MitidCore.swift" "$GENERATED_SWIFT"
install_file "$tmp/MitidCoreFFI.h" "$GENERATED_SWIFT_HEADER"
# SwiftPM wants the module map of a C target as include/module.modulemap.
install_file "$tmp/MitidCoreFFI.modulemap" "$GENERATED_SWIFT_MODULEMAP"

log "bindings generated ($(($(now) - start)) s)"
echo "$lib_dir"
