# shellcheck shell=bash disable=SC2034 # variables are used by the scripts that source this
# Helpers for the Debian trixie chroot that holds Swift on Linux hosts (Debian 12 has no
# Swift; trixie's `swiftlang` needs trixie's libc). Source after common.sh.
#
#   SWIFT_ROOT       the chroot (.tools/swift-root)
#   SWIFT_MARKER     written once the chroot is complete, so reruns are fast
#   chroot_lock      serialises the scripts that mount into the chroot (one machine, one tree)
#   chroot_mount DIR...   mounts /proc and bind-mounts each DIR at the same path inside;
#                         installs a trap that unmounts everything, even on failure
#   chroot_run CMD...     runs CMD inside the chroot (as root), with Swift's library path

SWIFT_ROOT="$TOOLS/swift-root"
SWIFT_MARKER="$SWIFT_ROOT/.mitid-swift-ready"
SWIFT_DEBIAN_SUITE="trixie"
SWIFT_PACKAGES=(swiftlang libc6-dev libstdc++-14-dev)
SWIFT_RUNTIME_LIBS="/usr/libexec/swift/lib/swift/linux"
# The real driver (/usr/bin/swift is an absolute symlink to it, dangling seen from the host).
SWIFT_DRIVER="/usr/libexec/swift/bin/swift"

_CHROOT_MOUNTS=()

# Mount points under SWIFT_ROOT that are mounted right now (deepest first).
chroot_active_mounts() {
    local root
    root="$(readlink -f "$SWIFT_ROOT" 2>/dev/null || echo "$SWIFT_ROOT")"
    awk -v r="$root" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r
}

# Unmount everything this script mounted, and anything left under the chroot by an
# earlier run that was killed. Loud when something stays mounted.
chroot_umount_all() {
    local m i
    for ((i = ${#_CHROOT_MOUNTS[@]} - 1; i >= 0; i--)); do
        m="${_CHROOT_MOUNTS[$i]}"
        if mountpoint -q "$m" 2>/dev/null; then
            as_root umount "$m" 2>/dev/null || as_root umount -l "$m" || warn "could not unmount $m"
        fi
    done
    _CHROOT_MOUNTS=()
    while read -r m; do
        [[ -n "$m" ]] || continue
        as_root umount "$m" 2>/dev/null || as_root umount -l "$m" || warn "could not unmount $m"
    done < <(chroot_active_mounts)
    if [[ -n "$(chroot_active_mounts)" ]]; then
        warn "still mounted under $SWIFT_ROOT: $(chroot_active_mounts | tr '\n' ' ')"
        return 1
    fi
}

_chroot_exit_trap() {
    local rc=$?
    chroot_umount_all || rc=1
    exit "$rc"
}

# chroot_lock: one mounting script at a time on this tree (waits for the other).
chroot_lock() {
    mkdir -p "$TOOLS"
    exec 9>"$TOOLS/.swift-chroot.lock"
    if ! flock -n 9; then
        log "another script uses the Swift chroot: waiting for it"
        flock 9
    fi
}

# chroot_mount DIR...: /proc, then each DIR bind-mounted at the same absolute path.
chroot_mount() {
    trap _chroot_exit_trap EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    chroot_umount_all || die "stale mounts under $SWIFT_ROOT could not be removed"
    mkdir -p "$SWIFT_ROOT/proc"
    as_root mount -t proc proc "$SWIFT_ROOT/proc" || die "mount -t proc into $SWIFT_ROOT failed"
    _CHROOT_MOUNTS+=("$SWIFT_ROOT/proc")
    local dir
    for dir in "$@"; do
        mkdir -p "$SWIFT_ROOT$dir"
        as_root mount --bind "$dir" "$SWIFT_ROOT$dir" || die "bind-mounting $dir into $SWIFT_ROOT failed"
        _CHROOT_MOUNTS+=("$SWIFT_ROOT$dir")
    done
}

# chroot_run CMD...: CMD inside the chroot with a clean environment.
chroot_run() {
    as_root chroot "$SWIFT_ROOT" /usr/bin/env -i \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive \
        ${CI:+CI="$CI"} \
        "$@"
}

# debian_mirror: the Debian mirror of this machine's own apt configuration
# (MITID_DEBIAN_MIRROR overrides it). Never a hard-coded host.
debian_mirror() {
    if [[ -n "${MITID_DEBIAN_MIRROR:-}" ]]; then
        echo "$MITID_DEBIAN_MIRROR"
        return
    fi
    local f uri=""
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        uri="$(awk 'tolower($1) == "uris:" {for (i = 2; i <= NF; i++) print $i}' "$f" |
            grep -v -- '-security' | grep -v -i 'security\.' | head -n1 || true)"
        [[ -n "$uri" ]] && break
    done
    if [[ -z "$uri" ]]; then
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [[ -f "$f" ]] || continue
            uri="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }' "$f" |
                grep -v -- '-security' | head -n1 || true)"
            [[ -n "$uri" ]] && break
        done
    fi
    [[ -n "$uri" ]] || die "no Debian mirror found in /etc/apt (set MITID_DEBIAN_MIRROR)"
    echo "${uri%/}"
}
