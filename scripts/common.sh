# shellcheck shell=bash disable=SC2034 # variables are used by the scripts that source this
# Helpers shared by the scripts in this folder. Source it, do not run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#
# Sets REPO (the repository root, found from this file's location, never hard-coded)
# and TOOLS ($REPO/.tools, gitignored: everything the scripts install for themselves).

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$REPO/.tools"
export REPO TOOLS

# Pinned tool versions (keep docs/bindings.md in step).
KOTLIN_COMPILER_VERSION="2.4.20"
export KOTLIN_COMPILER_VERSION

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
    printf '\nERROR: %s\n\n' "$*" >&2
    exit 1
}

# Seconds since the epoch, for the timings the scripts print.
now() { date +%s; }

# as_root CMD...: run CMD as root (directly when root, else through sudo).
as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root and sudo is not available"
    fi
}

# apt_installed PKG: true when the Debian package PKG is installed.
apt_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt_ensure PKG...: install the Debian packages that are missing; runs
# `apt-get update` first only when one of them has no install candidate yet.
# Fails loudly when anything cannot be installed.
apt_ensure() {
    local missing=() pkg
    for pkg in "$@"; do
        apt_installed "$pkg" || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null 2>&1 ||
        die "missing Debian packages (${missing[*]}) and apt-get is not available: install them by hand"
    local need_update=0
    for pkg in "${missing[@]}"; do
        local candidate
        candidate="$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')"
        if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
            need_update=1
        fi
    done
    if ((need_update)); then
        log "apt-get update (a package has no install candidate yet)"
        as_root apt-get update -q || die "apt-get update failed"
    fi
    log "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" ||
        die "apt-get install ${missing[*]} failed"
    for pkg in "${missing[@]}"; do
        apt_installed "$pkg" || die "Debian package $pkg is still not installed after apt-get install"
    done
}

# cargo_target_dir: the cargo target directory of the workspace (honours
# CARGO_TARGET_DIR and .cargo/config.toml, through `cargo metadata`).
cargo_target_dir() {
    (cd "$REPO" && cargo metadata --format-version 1 --no-deps 2>/dev/null) |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' ||
        die "cannot read the cargo target directory (cargo metadata failed)"
}

# cdylib_name: the file name of the bindings cdylib on this OS.
cdylib_name() {
    case "$(uname -s)" in
        Darwin) echo "libmitid_bindings.dylib" ;;
        *) echo "libmitid_bindings.so" ;;
    esac
}

# bindings_profile: the cargo profile the scripts build (MITID_PROFILE, default dev),
# and bindings_profile_dir: its folder name under the target directory.
bindings_profile() { echo "${MITID_PROFILE:-dev}"; }
bindings_profile_dir() {
    local p
    p="$(bindings_profile)"
    if [[ "$p" == dev ]]; then echo debug; else echo "$p"; fi
}

# build_cdylib: build the bindings cdylib and the test kit's, and print the folder that
# holds both. With MITID_CDYLIB_FROM=tests (scripts/test.sh sets it) and the dev profile,
# they are the cdylibs `cargo test --workspace` builds: a `cargo build -p` resolves the
# dependencies' features for one package only, so it built about 200 crates a second time
# (five minutes on 2 cores) and then made the next test build rebuild the workspace's own.
build_cdylib() {
    if [[ "${MITID_CDYLIB_FROM:-}" == tests && "$(bindings_profile)" == dev ]]; then
        cdylibs_of_tests
        return
    fi
    local target_dir lib_dir
    target_dir="$(cargo_target_dir)"
    lib_dir="$target_dir/$(bindings_profile_dir)"
    log "cargo build -p mitid-bindings -p mitid-testkit --profile $(bindings_profile)"
    (cd "$REPO" && cargo build -p mitid-bindings -p mitid-testkit --lib \
        --profile "$(bindings_profile)" >&2) || die "building the cdylibs failed"
    [[ -f "$lib_dir/$(cdylib_name)" ]] || die "the build did not produce $lib_dir/$(cdylib_name)"
    echo "$lib_dir"
}

# cdylibs_of_tests: the folder of the cdylibs the workspace's test build made (cargo leaves
# a dependency's artifacts in deps/; its JSON messages name them).
cdylibs_of_tests() {
    local lib
    lib="$(artifact_of_tests "$(cdylib_name)")" || exit 1
    [[ -f "$(dirname "$lib")/$(cdylib_name | sed 's/mitid_bindings/mitid_testkit/')" ]] ||
        die "the test build left no test kit cdylib beside $lib"
    dirname "$lib"
}

# artifact_of_tests NAME: the path of the file NAME (a library, or a binary that an
# integration test runs) that `cargo test --workspace` builds; builds what is not fresh.
artifact_of_tests() {
    local path
    log "cargo test --workspace --no-run (for its $1)"
    path="$(cd "$REPO" && cargo test --workspace --locked --no-run --message-format=json |
        python3 -c '
import json, sys
name = sys.argv[1]
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and not m["profile"]["test"]:
        for f in m.get("filenames", []):
            if f.endswith("/" + name):
                print(f)
' "$1" | tail -n1)" || die "the workspace's test build failed"
    [[ -n "$path" && -f "$path" ]] || die "the test build named no $1"
    echo "$path"
}

# test_binaries FOLDER TARGET...: one line "PATH<tab>EXECUTABLE" for each integration test
# TARGET of the package in FOLDER (relative to the repository; PATH is its absolute path,
# where cargo runs a package's tests) that `cargo test --workspace` builds; builds what is
# not fresh.
test_binaries() {
    (cd "$REPO" && cargo test --workspace --locked --no-run --message-format=json) |
        python3 -c '
import json, os, sys
folder, targets = os.path.realpath(sys.argv[1]), sys.argv[2:]
for line in sys.stdin:
    m = json.loads(line)
    if (m.get("reason") == "compiler-artifact" and m.get("executable")
            and "test" in m["target"]["kind"] and m["target"]["name"] in targets
            and os.path.dirname(os.path.realpath(m["manifest_path"])) == folder):
        print(folder + "\t" + m["executable"])
' "$REPO/$1" "${@:2}"
}

# The generated binding sources, relative to the repository root (committed; CI checks
# them with scripts/check-bindings.sh). Keep in step with scripts/gen-bindings.sh.
GENERATED_KOTLIN="android/mitid-core/src/main/kotlin/dk/mitid/core/mitid_bindings.kt"
GENERATED_SWIFT="ios/Sources/MitidCore/MitidCore.swift"
GENERATED_SWIFT_HEADER="ios/Sources/MitidCoreFFI/include/MitidCoreFFI.h"
GENERATED_SWIFT_MODULEMAP="ios/Sources/MitidCoreFFI/include/module.modulemap"
GENERATED_FILES=("$GENERATED_KOTLIN" "$GENERATED_SWIFT" "$GENERATED_SWIFT_HEADER" "$GENERATED_SWIFT_MODULEMAP")
