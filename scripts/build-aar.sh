#!/usr/bin/env bash
# Builds the Android library as an AAR: libmitid_bindings.so for arm64-v8a, armeabi-v7a and
# x86_64 with cargo-ndk (scripts/build-android-libs.sh), the generated Kotlin checked fresh
# (scripts/gen-bindings.sh), then `gradle :mitid-core:assembleRelease`; copies the AAR to
# android/build/dist/mitid-core-release.aar and prints its path.
#
# Needs the Android SDK + NDK (ANDROID_HOME / ANDROID_NDK_HOME) and Gradle (the wrapper
# android/gradlew when committed, else `gradle` on PATH): it cannot run on the project's
# Linux machines.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

start=$(now)
[[ -n "${ANDROID_HOME:-${ANDROID_SDK_ROOT:-}}" ]] || die "no Android SDK: set ANDROID_HOME"

"$REPO/scripts/gen-bindings.sh" >/dev/null
"$REPO/scripts/build-android-libs.sh"

gradle_cmd=()
if [[ -x "$REPO/android/gradlew" ]]; then
    gradle_cmd=("$REPO/android/gradlew")
elif command -v gradle >/dev/null 2>&1; then
    gradle_cmd=(gradle)
else
    die "no Gradle: commit a wrapper (gradle wrapper) or put gradle on PATH"
fi
# The .so files were just built: Gradle's preBuild need not build them again.
(cd "$REPO/android" && "${gradle_cmd[@]}" --no-daemon -Pmitid.skipRust=true :mitid-core:assembleRelease >&2) ||
    die "gradle :mitid-core:assembleRelease failed"

aar="$REPO/android/mitid-core/build/outputs/aar/mitid-core-release.aar"
[[ -f "$aar" ]] || die "Gradle did not produce $aar"
for abi in arm64-v8a armeabi-v7a x86_64; do
    unzip -l "$aar" "jni/$abi/libmitid_bindings.so" >/dev/null 2>&1 || die "the AAR has no jni/$abi/libmitid_bindings.so"
done
mkdir -p "$REPO/android/build/dist"
cp "$aar" "$REPO/android/build/dist/"
log "built android/build/dist/mitid-core-release.aar ($(($(now) - start)) s, $(du -h "$aar" | cut -f1))"
echo "$REPO/android/build/dist/mitid-core-release.aar"
