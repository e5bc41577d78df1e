#!/usr/bin/env bash
# Kotlin → Rust → Kotlin: times calls through the uniffi bindings on the JVM
# (bench/kotlin/FfiCallBench.kt; docs/performance.md §1).
#   1. builds the mitid-bindings cdylib (cargo profile MITID_BENCH_PROFILE, default release);
#   2. generates its Kotlin bindings with the workspace's uniffi-bindgen into the cargo
#      target directory (never into android/: the committed bindings are not touched) and
#      says whether they equal the committed android/mitid-core/.../mitid_bindings.kt;
#   3. compiles the bindings and the benchmark with kotlinc (cached by content hash);
#   4. runs it with JNA loading the cdylib.
# Usage: scripts/bench-kotlin.sh [calls-per-round [rounds]]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

profile="${MITID_BENCH_PROFILE:-release}"
kotlinc="$("$REPO/scripts/install-kotlin.sh" | tail -n1)"
kotlin_lib="$(dirname "$(dirname "$kotlinc")")/lib"
target="$(cargo_target_dir)"
lib_dir="$target/$([[ "$profile" == dev ]] && echo debug || echo "$profile")"
build="$target/bench-kotlin"
mkdir -p "$build"

log "cargo build -p mitid-bindings --lib --profile $profile"
(cd "$REPO" && cargo build -p mitid-bindings --lib --profile "$profile" >&2) ||
    die "building the mitid-bindings cdylib failed"
lib="$lib_dir/$(cdylib_name)"
[[ -f "$lib" ]] || die "no $lib"

log "uniffi-bindgen generate --library $lib --language kotlin"
(cd "$REPO" && cargo build -q -p uniffi-bindgen >&2) || die "building uniffi-bindgen failed"
rm -rf "$build/gen"
(cd "$REPO" && "$target/debug/uniffi-bindgen" generate --library "$lib" --language kotlin \
    --out-dir "$build/gen" --no-format >&2) || die "uniffi-bindgen failed"
generated="$build/gen/dk/mitid/core/mitid_bindings.kt"
[[ -f "$generated" ]] || die "uniffi-bindgen did not produce $generated"
if cmp -s "$generated" "$REPO/$GENERATED_KOTLIN"; then
    log "the generated bindings equal the committed $GENERATED_KOTLIN"
else
    warn "the committed $GENERATED_KOTLIN differs from the bindings of this build (bindings being changed?); benchmarking the fresh ones"
fi

deps="/usr/share/java/jna.jar:$kotlin_lib/kotlinx-coroutines-core-jvm.jar"
# compile NAME CLASSPATH SOURCES...: kotlinc into $build/NAME.jar unless unchanged.
compile() {
    local name="$1" classpath="$2"
    shift 2
    local stamp
    stamp="$({ echo "$classpath"; sha256sum "$@"; } | sha256sum | cut -d' ' -f1)"
    if [[ -f "$build/$name.jar" && "$(cat "$build/$name.stamp" 2>/dev/null)" == "$stamp" ]]; then
        log "kotlinc $name: up to date"
        return
    fi
    log "kotlinc $name"
    "$kotlinc" -jvm-target 17 -nowarn -cp "$classpath" "$@" -d "$build/$name.jar" ||
        die "kotlinc failed to compile $name"
    echo "$stamp" >"$build/$name.stamp"
}
compile bindings "$deps" "$generated"
compile bench "$deps:$build/bindings.jar" "$REPO/bench/kotlin/FfiCallBench.kt"

log "running (JNA loads $lib)"
exec java -Djna.library.path="$lib_dir" \
    -cp "$build/bench.jar:$build/bindings.jar:$deps:$kotlin_lib/kotlin-stdlib.jar" \
    dk.mitid.bench.FfiCallBenchKt "$@"
