#!/usr/bin/env bash
# Builds ios/build/MitidCoreFFI.xcframework: libmitid_bindings.a for iOS devices (arm64) and
# the iOS simulator (arm64 + x86_64, one fat library), with the generated C header and module
# map (module MitidCoreFFI) from scripts/gen-bindings.sh, packed with
# `xcodebuild -create-xcframework`. The Swift package uses it instead of the host library when
# MITID_USE_XCFRAMEWORK=1 (see ios/Package.swift), e.g. for `xcodebuild -destination
# 'generic/platform=iOS'`.
#
# Needs a Mac with Xcode (xcodebuild, lipo): it cannot run on the project's Linux machines.
# Installs the Rust targets (rustup) when missing. Profile: release-phone
# (MITID_IOS_PROFILE overrides).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[[ "$(uname -s)" == Darwin ]] || die "building the XCFramework needs macOS with Xcode (xcodebuild, lipo)"
command -v xcodebuild >/dev/null 2>&1 || die "xcodebuild is missing: install Xcode"
command -v lipo >/dev/null 2>&1 || die "lipo is missing: install the Xcode command line tools"

profile="${MITID_IOS_PROFILE:-release-phone}"
DEVICE_TARGET=aarch64-apple-ios
SIM_TARGETS=(aarch64-apple-ios-sim x86_64-apple-ios)
start=$(now)

installed_targets="$(rustup target list --installed 2>/dev/null || true)"
for t in "$DEVICE_TARGET" "${SIM_TARGETS[@]}"; do
    if ! grep -qx "$t" <<<"$installed_targets"; then
        log "rustup target add $t"
        rustup target add "$t" || die "rustup target add $t failed"
    fi
done

# The header and module map must match the library: regenerate them from the same sources.
"$REPO/scripts/gen-bindings.sh" >/dev/null

target_dir="$(cargo_target_dir)"
profile_dir="$profile"
[[ "$profile" == dev ]] && profile_dir=debug
for t in "$DEVICE_TARGET" "${SIM_TARGETS[@]}"; do
    log "cargo build -p mitid-bindings --lib --target $t --profile $profile"
    (cd "$REPO" && cargo build -p mitid-bindings --lib --target "$t" --profile "$profile" >&2) ||
        die "cargo build for $t failed"
done

out="$REPO/ios/build"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/headers" "$work/simulator" "$out"
cp "$REPO/$GENERATED_SWIFT_HEADER" "$work/headers/"
cp "$REPO/$GENERATED_SWIFT_MODULEMAP" "$work/headers/module.modulemap"

sim_libs=()
for t in "${SIM_TARGETS[@]}"; do sim_libs+=("$target_dir/$t/$profile_dir/libmitid_bindings.a"); done
lipo -create "${sim_libs[@]}" -output "$work/simulator/libmitid_bindings.a" || die "lipo failed"

rm -rf "$out/MitidCoreFFI.xcframework"
xcodebuild -create-xcframework \
    -library "$target_dir/$DEVICE_TARGET/$profile_dir/libmitid_bindings.a" -headers "$work/headers" \
    -library "$work/simulator/libmitid_bindings.a" -headers "$work/headers" \
    -output "$out/MitidCoreFFI.xcframework" >&2 || die "xcodebuild -create-xcframework failed"

log "built ios/build/MitidCoreFFI.xcframework ($(($(now) - start)) s, $(du -sh "$out/MitidCoreFFI.xcframework" | cut -f1))"
echo "$out/MitidCoreFFI.xcframework"
