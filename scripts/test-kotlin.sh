#!/usr/bin/env bash
# Runs the Kotlin tests of the bindings on the JVM here (no Android SDK needed), against the
# real server over HTTPS (the test kit, libmitid_testkit, starts it in-process):
#   1. installs kotlinc/JNA/JUnit when missing (scripts/install-kotlin.sh);
#   2. builds the cdylibs and regenerates the bindings (scripts/gen-bindings.sh;
#      MITID_SKIP_GEN=1 only builds the cdylibs and uses the committed bindings);
#   3. compiles with kotlinc, each step cached by the hash of its inputs in
#      android/mitid-core/build/kotlinc: the generated bindings (bindings.jar), the
#      platform-neutral Kotlin of src/main/kotlin (shell.jar), the app's Compose screens
#      against signature stubs of Compose (screens.jar, a type check only), the generated test kit
#      (testkit.jar), then src/test/kotlin and the runner (tests.jar);
#   4. runs the JUnit 4 tests with JNA loading the host cdylibs, printing
#      "N passed, N failed"; exits non-zero when a test fails or none ran.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

start=$(now)
kotlinc="$("$REPO/scripts/install-kotlin.sh" | tail -n1)"
kotlin_lib="$(dirname "$(dirname "$kotlinc")")/lib"

if [[ -n "${MITID_SKIP_GEN:-}" ]]; then
    lib_dir="$(build_cdylib)"
else
    lib_dir="$("$REPO/scripts/gen-bindings.sh" | tail -n1)"
fi
[[ -f "$lib_dir/$(cdylib_name)" ]] || die "no cdylib in $lib_dir"

module="$REPO/android/mitid-core"
build="$module/build/kotlinc"
mkdir -p "$build"
deps="/usr/share/java/jna.jar:$kotlin_lib/kotlinx-coroutines-core-jvm.jar"
test_deps="$deps:/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar"
kotlinc_version="$("$kotlinc" -version 2>&1 | tail -n1)"

# compile NAME CLASSPATH OPTIONS SOURCES...: kotlinc SOURCES into $build/NAME.jar unless
# the sources, classpath, options and compiler are unchanged since the last successful compile.
compile() {
    local name="$1" classpath="$2" options="$3"
    shift 3
    local stamp
    stamp="$({
        echo "$kotlinc_version $classpath $options"
        sha256sum "$@"
        # The jars compiled here that this step compiles against.
        local entry
        IFS=: read -ra entries <<<"$classpath"
        for entry in "${entries[@]}"; do
            [[ "$entry" != "$build"/* || ! -f "$entry" ]] || sha256sum "$entry"
        done
    } | sha256sum | cut -d' ' -f1)"
    if [[ -f "$build/$name.jar" && "$(cat "$build/$name.stamp" 2>/dev/null)" == "$stamp" ]]; then
        log "kotlinc $name: up to date"
        return
    fi
    rm -f "$build/$name.jar" "$build/$name.stamp"
    local t0
    t0=$(now)
    log "kotlinc $name ($# files)"
    # shellcheck disable=SC2086 # options are words
    "$kotlinc" -jvm-target 17 $options -cp "$classpath" "$@" -d "$build/$name.jar" ||
        die "kotlinc failed to compile $name"
    echo "$stamp" >"$build/$name.stamp"
    log "kotlinc $name: $(($(now) - t0)) s"
}

# The generated bindings (warnings from generated code are not ours to fix: -nowarn).
bindings_src="$REPO/$GENERATED_KOTLIN"
[[ -f "$bindings_src" ]] || die "$GENERATED_KOTLIN is missing: run scripts/gen-bindings.sh"
compile bindings "$deps" "-nowarn" "$bindings_src"

# The platform-neutral Kotlin beside them (screen-state adapters).
mapfile -t shell_sources < <(find "$module/src/main/kotlin" -name '*.kt' ! -path "$bindings_src" | sort)
((${#shell_sources[@]})) || die "no platform-neutral Kotlin under $module/src/main/kotlin"
compile shell "$deps:$build/bindings.jar" "" "${shell_sources[@]}"

# The Compose screens of the app module, type-checked against signature stubs of the Compose
# API (android/app/src/typecheck: not Compose, no androidx library can be had here) and the
# real bindings and screen models: a step of the core that no screen handles, or a core type
# used wrongly, fails here. The jar is not run; Gradle builds the real app (docs/mobile.md).
ui_sources=("$REPO"/android/app/src/main/kotlin/dk/mitid/app/ui/*.kt "$REPO"/android/app/src/typecheck/kotlin/*.kt)
compile screens "$deps:$build/bindings.jar:$build/shell.jar" "-Werror" "${ui_sources[@]}"

# The generated test kit (test support: the server in-process).
testkit_src="$module/src/test/kotlin/dk/mitid/testkit/mitid_testkit.kt"
[[ -f "$testkit_src" ]] || die "${testkit_src#"$REPO"/} is missing: run scripts/gen-bindings.sh"
compile testkit "$deps" "-nowarn" "$testkit_src"

# The tests and the runner.
mapfile -t test_sources < <(find "$module/src/test/kotlin" -name '*.kt' ! -path "$testkit_src" | sort)
((${#test_sources[@]})) || die "no Kotlin tests under $module/src/test/kotlin"
compile tests "$test_deps:$build/bindings.jar:$build/shell.jar:$build/testkit.jar" "" \
    "${test_sources[@]}" "$REPO/scripts/kotlin/RunJUnit.kt"

log "running the Kotlin tests against $lib_dir/$(cdylib_name) ($(($(now) - start)) s of set-up)"
# The runner's "N passed, N failed" stays the last line; its exit code is the script's.
exec java -Djna.library.path="$lib_dir" \
    -cp "$build/tests.jar:$build/bindings.jar:$build/shell.jar:$build/testkit.jar:$test_deps:$kotlin_lib/kotlin-stdlib.jar" \
    dk.mitid.testrunner.RunJUnitKt "$build/tests.jar"
