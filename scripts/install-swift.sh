#!/usr/bin/env bash
# Installs Swift for scripts/test-swift.sh, only when missing.
#   - Where `swift` is on PATH already (a Mac, a Swift image), uses it: nothing to do.
#   - On a Debian/Ubuntu host without Swift: a Debian trixie chroot in .tools/swift-root
#     (debootstrap, minbase) with trixie's `swiftlang` (Swift 6), libc6-dev, libstdc++-14-dev.
#     The mirror is the one of this machine's own apt configuration. About 3 GB of disk.
#     A marker file records completion, so reruns take well under a second.
# Fails loudly when an install step fails. Set MITID_FORCE_SWIFT_CHROOT=1 to use the
# chroot even when `swift` is on PATH.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/swift-chroot.sh"

start=$(now)

if command -v swift >/dev/null 2>&1 && [[ -z "${MITID_FORCE_SWIFT_CHROOT:-}" ]]; then
    log "swift is on PATH ($(command -v swift)): using it"
    swift --version >&2 || die "swift is on PATH but 'swift --version' fails"
    exit 0
fi

[[ "$(uname -s)" == Linux ]] || die "no swift on PATH: install Xcode or a Swift toolchain"

if [[ -f "$SWIFT_MARKER" && -x "$SWIFT_ROOT$SWIFT_DRIVER" ]]; then
    log "Swift chroot ready: $SWIFT_ROOT ($(cat "$SWIFT_MARKER"))"
    exit 0
fi

command -v dpkg >/dev/null 2>&1 || die "no swift on PATH and this is not a Debian-like host: install Swift by hand"

chroot_lock
apt_ensure debootstrap

# 1. The base system. A chroot left half-made by an interrupted run is made anew,
#    after checking that nothing (the repository!) is still bind-mounted in it.
if [[ ! -f "$SWIFT_ROOT/.mitid-debootstrap-done" ]]; then
    chroot_umount_all || die "cannot unmount what is mounted under $SWIFT_ROOT: refusing to delete it"
    if [[ -e "$SWIFT_ROOT" ]]; then
        log "removing the incomplete chroot $SWIFT_ROOT"
        as_root rm -rf --one-file-system "$SWIFT_ROOT" || die "cannot remove $SWIFT_ROOT"
    fi
    mirror="$(debian_mirror)"
    log "debootstrap --variant=minbase $SWIFT_DEBIAN_SUITE $SWIFT_ROOT $mirror"
    mkdir -p "$SWIFT_ROOT"
    as_root debootstrap --variant=minbase "$SWIFT_DEBIAN_SUITE" "$SWIFT_ROOT" "$mirror" >&2 ||
        die "debootstrap of Debian $SWIFT_DEBIAN_SUITE from $mirror failed (see above; log in $SWIFT_ROOT/debootstrap/debootstrap.log)"
    touch "$SWIFT_ROOT/.mitid-debootstrap-done"
fi

# 2. The host's apt network settings (proxy, snapshot validity), and its DNS.
as_root mkdir -p "$SWIFT_ROOT/etc/apt/apt.conf.d"
apt-config dump 2>/dev/null |
    grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date)' \
        >"$SWIFT_ROOT/etc/apt/apt.conf.d/99mitid-host" || true
if [[ -f /etc/resolv.conf ]]; then
    as_root cp -L /etc/resolv.conf "$SWIFT_ROOT/etc/resolv.conf" || warn "could not copy /etc/resolv.conf"
fi

# 3. Swift and the C/C++ headers SwiftPM needs.
# shellcheck disable=SC2119 # no arguments: only /proc, the packages need nothing else
chroot_mount
log "installing ${SWIFT_PACKAGES[*]} in the chroot"
chroot_run apt-get update -q >&2 || die "apt-get update in the $SWIFT_DEBIAN_SUITE chroot failed"
chroot_run apt-get install -y -q --no-install-recommends "${SWIFT_PACKAGES[@]}" >&2 ||
    die "apt-get install ${SWIFT_PACKAGES[*]} in the chroot failed"
chroot_run apt-get clean >&2 || true
version="$(chroot_run env LD_LIBRARY_PATH="$SWIFT_RUNTIME_LIBS" swift --version 2>&1 | head -n1)" ||
    die "swift does not run in the chroot: $version"
[[ -x "$SWIFT_ROOT$SWIFT_DRIVER" ]] || die "$SWIFT_ROOT$SWIFT_DRIVER is missing after the install"
chroot_umount_all || die "unmounting the chroot failed"
trap - EXIT

echo "$version" >"$SWIFT_MARKER"
log "Swift chroot ready: $version ($(($(now) - start)) s, $(du -sh --one-file-system "$SWIFT_ROOT" | cut -f1))"
