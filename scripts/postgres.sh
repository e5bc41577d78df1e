#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (issue 14):
#   scripts/postgres.sh start DIR   installs PostgreSQL from Debian's packages when missing,
#                                   creates a cluster in DIR (initdb, trust on a Unix socket
#                                   in DIR, no TCP port) and starts it; prints the connection
#                                   string as its last line of stdout;
#   scripts/postgres.sh stop DIR    stops it and removes DIR;
#   scripts/postgres.sh pause DIR   stops it as a crash would (immediate: no checkpoint, the
#                                   next start recovers from the WAL), keeping its data;
#   scripts/postgres.sh resume DIR  starts it again;
#   scripts/postgres.sh tls DIR CERT KEY PORT
#                                   restarts it with TLS (the PEM certificate and key) on
#                                   127.0.0.1:PORT beside its socket (a test of TLS to the
#                                   database; PostgreSQL offers no TLS on a Unix socket).
# The cluster runs as an unprivileged user (`postgres` when started as root: initdb refuses
# root). Nothing outlives `stop`; scripts/test.sh calls it on every exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cmd="${1:-}"
dir="${2:-}"
[[ -n "$cmd" && -n "$dir" ]] || die "usage: $0 start|stop|pause|resume|tls DIR"

# The binaries of the newest installed major version.
pg_bin() {
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    [[ -x "$bin/initdb" ]] || die "PostgreSQL's initdb is missing after the install"
    echo "$bin"
}

# as_owner CMD...: runs CMD as the cluster's owner.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    if ! apt_installed postgresql-15 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        # Only the binaries: no cluster of the package's own, nothing started at install.
        as_root mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
        apt_ensure postgresql-15
    fi
    local bin
    bin="$(pg_bin)"
    mkdir -p "$dir"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$dir"
    chmod 700 "$dir"
    log "initdb in $dir ($("$bin/postgres" --version))"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
max_connections = 300
synchronous_commit = on
CONF
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null ||
        { cat "$dir/log" >&2; die "PostgreSQL did not start"; }
    echo "host=$dir port=5432 user=postgres dbname=postgres"
}

stop() {
    [[ -d "$dir/data" ]] || { rm -rf "$dir"; return 0; }
    local bin
    bin="$(pg_bin)"
    # A cluster paused by a test has no postmaster.pid: nothing to stop. One that will not
    # stop keeps its directory (a postmaster may still run on it) and fails the stop.
    if [[ -f "$dir/data/postmaster.pid" ]] &&
        ! as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1; then
        warn "pg_ctl could not stop the cluster in $dir: a postmaster may still run"
        return 1
    fi
    rm -rf "$dir"
}

pause() {
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
}

resume() {
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
}

tls() {
    local cert="${3:?cert}" key="${4:?key}" port="${5:?port}"
    install -m 600 "$cert" "$dir/data/server.crt"
    install -m 600 "$key" "$dir/data/server.key"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$dir/data/server.crt" "$dir/data/server.key"
    cat >>"$dir/data/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
listen_addresses = '127.0.0.1'
port = $port
CONF
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -l "$dir/log" -m fast -w restart >/dev/null ||
        { cat "$dir/log" >&2; die "PostgreSQL did not restart with TLS"; }
    echo "host=$dir port=$port user=postgres dbname=postgres"
}

case "$cmd" in
start) start ;;
tls) tls "$@" ;;
stop) stop ;;
pause) pause ;;
resume) resume ;;
*) die "usage: $0 start|stop|pause|resume|tls DIR" ;;
esac
