#!/usr/bin/env bash
# Stops what tests started for themselves and could not stop because their process was
# killed (an interrupted or timed-out run); test.sh runs it on every exit. Only what belongs
# to a test process that is gone is touched, so a run beside it keeps its own:
#   - PostgreSQL clusters a test made (`$TMPDIR/mitid-pg-own-<pid>-<n>`, OwnCluster in
#     server/tests/processes/wire.rs);
#   - the database partition test's network namespace (`mitid-part-<pid>`; deleting it
#     removes its veth pair);
#   - chromedriver and the Chromium it started (the browser kit runs them in a process
#     group of their own): a chromedriver whose test process is gone has been handed to
#     init (parent pid 1).
# Prints what it stopped; never fails the run.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

gone() { ! kill -0 "$1" 2>/dev/null; }

for dir in "${TMPDIR:-/tmp}"/mitid-pg-own-*; do
    [[ -d "$dir" ]] || continue
    pid="${dir##*/mitid-pg-own-}"
    pid="${pid%%-*}"
    if gone "$pid"; then
        log "stopping the cluster a killed test left in $dir"
        "$REPO/scripts/postgres.sh" stop "$dir" || warn "could not stop $dir"
    fi
done

if command -v ip >/dev/null 2>&1; then
    for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^mitid-part-[0-9]+$/ {print $1}'); do
        if gone "${ns#mitid-part-}"; then
            log "deleting the network namespace a killed test left: $ns"
            as_root ip netns delete "$ns" || warn "could not delete $ns"
        fi
    done
fi

for driver in $(ps -eo pid=,ppid=,args= 2>/dev/null |
    awk '$2 == 1 && $3 ~ /chromedriver$/ && $4 ~ /^--port=/ {print $1}'); do
    log "stopping chromedriver $driver and its browsers, left by a killed test"
    kill -KILL -- "-$driver" 2>/dev/null || warn "could not stop chromedriver $driver"
done
exit 0
