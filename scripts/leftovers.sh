#!/usr/bin/env bash
# Stops what tests started for themselves and could not stop because their process was
# killed (an interrupted or timed-out run); test.sh runs it on every exit. Only what names
# a test process that no longer exists is touched, so a run beside it keeps its own:
#   - PostgreSQL clusters a test made (`$TMPDIR/mitid-pg-own-<pid>-<n>`, OwnCluster in
#     server/tests/processes/wire.rs);
#   - the database partition test's network namespace (`mitid-part-<pid>`; deleting it
#     removes its veth pair), as root only, as the test itself runs;
#   - chromedriver and the Chromium it started: the browser kit runs each chromedriver as
#     the leader of its own process group, with MITID_TEST_PID naming its test process.
# Prints what it stopped; never fails the run.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# gone PID: PID is a process id and no such process exists (whoever owns it).
gone() { [[ "$1" =~ ^[0-9]+$ && ! -d "/proc/$1" ]]; }

for dir in "${TMPDIR:-/tmp}"/mitid-pg-own-*; do
    [[ -d "$dir" ]] || continue
    pid="${dir##*/mitid-pg-own-}"
    pid="${pid%%-*}"
    if gone "$pid"; then
        log "stopping the cluster a killed test left in $dir"
        "$REPO/scripts/postgres.sh" stop "$dir" || warn "could not stop $dir"
    fi
done

if [[ "$(id -u)" == 0 ]] && command -v ip >/dev/null 2>&1; then
    for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^mitid-part-[0-9]+$/ {print $1}'); do
        if gone "${ns#mitid-part-}"; then
            log "deleting the network namespace a killed test left: $ns"
            ip netns delete "$ns" || warn "could not delete $ns"
        fi
    done
fi

for driver in $(pgrep -x chromedriver 2>/dev/null); do
    # Only a group leader whose environment names a test process that is gone.
    [[ "$(ps -o pgid= -p "$driver" 2>/dev/null | tr -d ' ')" == "$driver" ]] || continue
    owner="$(tr '\0' '\n' <"/proc/$driver/environ" 2>/dev/null | sed -n 's/^MITID_TEST_PID=//p')"
    [[ -n "$owner" ]] && gone "$owner" || continue
    log "stopping chromedriver $driver and its browsers, left by a killed test"
    kill -KILL -- "-$driver" 2>/dev/null || warn "could not stop chromedriver $driver"
done
exit 0
