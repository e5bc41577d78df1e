#!/usr/bin/env bash
# Installs what scripts/test-kotlin.sh needs, only what is missing:
#   - the Kotlin JVM compiler from the npm package `kotlin-compiler` into .tools/kotlin
#     (its lib/ also ships kotlin-stdlib and kotlinx-coroutines-core-jvm), and npm itself
#     from Debian when it is missing;
#   - JNA and JUnit 4 from Debian (`libjna-java`, `junit4`), plus a JDK if there is none.
# Idempotent: a second run only checks. Fails loudly when an install fails.
# Prints the kotlinc path as its last line of stdout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

start=$(now)
KOTLIN_DIR="$TOOLS/kotlin"
KOTLIN_HOME="$KOTLIN_DIR/node_modules/kotlin-compiler"
KOTLINC="$KOTLIN_HOME/bin/kotlinc"

# A JDK (kotlinc and the tests run on it).
if ! command -v java >/dev/null 2>&1; then
    apt_ensure openjdk-17-jdk-headless
fi
command -v java >/dev/null 2>&1 || die "java is still not on PATH"

# JNA (the generated Kotlin calls the cdylib through it) and JUnit 4 (+ hamcrest).
apt_ensure libjna-java junit4
for jar in /usr/share/java/jna.jar /usr/share/java/junit4.jar /usr/share/java/hamcrest-core.jar; do
    [[ -f "$jar" ]] || die "$jar is missing although its Debian package is installed"
done

# The Kotlin compiler.
installed_version=""
if [[ -f "$KOTLIN_HOME/package.json" ]]; then
    installed_version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
        "$KOTLIN_HOME/package.json" 2>/dev/null || true)"
fi
if [[ "$installed_version" != "$KOTLIN_COMPILER_VERSION" || ! -x "$KOTLINC" ]]; then
    command -v npm >/dev/null 2>&1 || apt_ensure npm
    log "npm install kotlin-compiler@$KOTLIN_COMPILER_VERSION into $KOTLIN_DIR (about 90 MB)"
    mkdir -p "$KOTLIN_DIR"
    npm install --prefix "$KOTLIN_DIR" --no-audit --no-fund --loglevel=error \
        "kotlin-compiler@$KOTLIN_COMPILER_VERSION" >&2 ||
        die "npm install kotlin-compiler@$KOTLIN_COMPILER_VERSION failed"
fi
[[ -x "$KOTLINC" ]] || chmod +x "$KOTLINC" "$KOTLIN_HOME"/bin/* 2>/dev/null || true
[[ -x "$KOTLINC" ]] || die "$KOTLINC is missing after the install"
for jar in kotlin-stdlib.jar kotlinx-coroutines-core-jvm.jar; do
    [[ -f "$KOTLIN_HOME/lib/$jar" ]] || die "$KOTLIN_HOME/lib/$jar is missing: the kotlin-compiler package changed"
done

log "Kotlin toolchain ready ($(($(now) - start)) s)"
echo "$KOTLINC"
