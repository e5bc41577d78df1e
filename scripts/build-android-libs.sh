#!/usr/bin/env bash
# Builds libmitid_bindings.so for the Android ABIs into
# android/mitid-core/src/main/jniLibs/{arm64-v8a,armeabi-v7a,x86_64}/ with cargo-ndk
# (profile release-phone; MITID_ANDROID_PROFILE overrides). Called by the Gradle build of
# :mitid-core before every Android build.
#
# Needs the Android NDK (ANDROID_NDK_HOME, or ANDROID_HOME/ndk/<version>): it cannot be
# installed by this script and is not available on the project's Linux CI machines.
# Installs, when missing: cargo-ndk (crates.io) and the Rust targets (rustup).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ABIS=(arm64-v8a armeabi-v7a x86_64)
RUST_TARGETS=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
MIN_SDK=26 # keep in step with android/mitid-core/build.gradle.kts
profile="${MITID_ANDROID_PROFILE:-release-phone}"
start=$(now)

if [[ -z "${ANDROID_NDK_HOME:-}" && -n "${ANDROID_HOME:-}" && -d "$ANDROID_HOME/ndk" ]]; then
    ANDROID_NDK_HOME="$(find "$ANDROID_HOME/ndk" -mindepth 1 -maxdepth 1 -type d | sort -V | tail -n1)"
    export ANDROID_NDK_HOME
fi
[[ -n "${ANDROID_NDK_HOME:-}" && -d "${ANDROID_NDK_HOME}" ]] ||
    die "no Android NDK: set ANDROID_NDK_HOME (or install one under \$ANDROID_HOME/ndk with the SDK manager)"

if ! cargo ndk --version >/dev/null 2>&1; then
    log "cargo install cargo-ndk"
    cargo install --locked cargo-ndk || die "cargo install cargo-ndk failed"
fi
installed_targets="$(rustup target list --installed 2>/dev/null || true)"
for t in "${RUST_TARGETS[@]}"; do
    if ! grep -qx "$t" <<<"$installed_targets"; then
        log "rustup target add $t"
        rustup target add "$t" || die "rustup target add $t failed"
    fi
done

out="$REPO/android/mitid-core/src/main/jniLibs"
args=()
for abi in "${ABIS[@]}"; do args+=(-t "$abi"); done
log "cargo ndk ${args[*]} --platform $MIN_SDK build -p mitid-bindings --profile $profile"
(cd "$REPO" && cargo ndk "${args[@]}" --platform "$MIN_SDK" -o "$out" \
    build -p mitid-bindings --lib --profile "$profile") || die "cargo ndk build failed"
for abi in "${ABIS[@]}"; do
    [[ -f "$out/$abi/libmitid_bindings.so" ]] || die "cargo ndk did not produce $out/$abi/libmitid_bindings.so"
done
log "Android libraries built ($(($(now) - start)) s): $(du -ch "$out"/*/libmitid_bindings.so | tail -n1 | cut -f1)"
