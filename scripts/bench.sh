#!/usr/bin/env bash
# Runs every benchmark of docs/performance.md and collects the results:
#   1. client steps (cargo bench --bench client_steps) and their instruction counts under
#      valgrind's callgrind (stable where wall time is noisy on a shared machine);
#   2. the end-to-end approval on loopback (--bench approval);
#   3. the server under load, 1 to 64 clients, fsyncs counted with strace (--bench server_load),
#      and the server's instructions per login under callgrind, per OPAQUE suite (server-callgrind);
#   4. a Kotlin → Rust → Kotlin call (scripts/bench-kotlin.sh);
#   5. the bindings library's size (scripts/check-size.sh);
#   6. the peak memory of `mitid demo` (/usr/bin/time -v, three runs);
#   7. the server's memory under 200 concurrent password checks (--bench password_memory);
#   8. a passport chip read: APDUs, bytes, the reader's work, the server's checks (--bench chip_read).
# Results: the printed tables, and JSON lines in $MITID_BENCH_OUT (default
# target/bench-results/<date>.jsonl). Other builds on the machine skew wall times: run it on
# a quiet machine, or compare instruction counts and repeat runs (docs/performance.md).
#
# Usage: scripts/bench.sh [section...]   sections: steps callgrind approval load server-callgrind
#                                        kotlin size demo memory chip (default: all).
#                                        MITID_BENCH_QUICK=1: smoke run.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sections=("$@")
((${#sections[@]})) || sections=(steps callgrind approval load server-callgrind kotlin size demo memory chip)
target_dir="$(cargo_target_dir)"
out_dir="$target_dir/bench-results"
mkdir -p "$out_dir"
export MITID_BENCH_OUT="${MITID_BENCH_OUT:-$out_dir/$(date +%Y%m%d-%H%M%S).jsonl}"
log "results (JSON lines): $MITID_BENCH_OUT"
log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# bench_binary NAME: the path of the compiled [[bench]] target NAME (built by cargo bench).
bench_binary() {
    (cd "$REPO" && cargo bench -p mitid-bench --bench "$1" --no-run --message-format=json 2>/dev/null) |
        python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == sys.argv[1] and m.get("executable"):
        print(m["executable"])' "$1" | tail -n1
}

# server_callgrind: the load benchmark's server (SQLite, one client, PIN logins) under
# callgrind for 2 s and for 6 s, per OPAQUE suite. Start-up and set-up cancel out of the
# difference: instructions per login = (I(6 s) - I(2 s)) / (logins(6 s) - logins(2 s)).
server_callgrind() {
    local cg_dir suite secs
    cg_dir="$(mktemp -d "$out_dir/server-callgrind.XXXXXX")"
    for suite in r255 p256; do
        for secs in 2 6; do
            (cd "$REPO" && MITID_LOAD_LEVELS=1 MITID_LOAD_MODES=approve MITID_LOAD_SUITES=$suite \
                MITID_LOAD_BACKENDS=sqlite MITID_LOAD_SECONDS=$secs MITID_LOAD_WARMUP=1 \
                MITID_BENCH_OUT="$cg_dir/$suite.$secs.jsonl" \
                MITID_LOAD_WRAP="valgrind --tool=callgrind --callgrind-out-file=$cg_dir/$suite.$secs.out" \
                cargo bench -p mitid-bench --bench server_load >/dev/null 2>&1) ||
                die "server_load under callgrind failed ($suite, $secs s)"
        done
    done
    python3 - "$cg_dir" <<'PY'
import json, os, sys
d = sys.argv[1]
def run(suite, secs):
    with open(os.path.join(d, f"{suite}.{secs}.out")) as f:
        ir = next(int(l.split()[1]) for l in f if l.startswith(("summary:", "totals:")))
    with open(os.path.join(d, f"{suite}.{secs}.jsonl")) as f:
        level = json.loads(f.readline())
    if not level.get("completed", True):
        sys.exit(f"{suite}, {secs} s: no cycle completed; no instruction count per cycle")
    cycles = level["child_life_cycles"]
    return ir, cycles
with open(os.environ["MITID_BENCH_OUT"], "a") as out:
    for suite in ("r255", "p256"):
        (i1, c1), (i2, c2) = run(suite, 2), run(suite, 6)
        per = (i2 - i1) / max(c2 - c1, 1)
        print(f"server instructions per login ({suite}): {per / 1e6:.2f} M ({c2 - c1:.0f} logins differenced)")
        out.write(json.dumps({"name": f"server callgrind {suite} per login", "instructions": per}) + "\n")
PY
}

for section in "${sections[@]}"; do
    case "$section" in
        steps)
            log "client steps"
            (cd "$REPO" && cargo bench -p mitid-bench --bench client_steps)
            ;;
        callgrind)
            command -v valgrind >/dev/null 2>&1 || apt_ensure valgrind
            bin="$(bench_binary client_steps)"
            [[ -x "$bin" ]] || die "no client_steps bench binary"
            log "instruction counts (callgrind, one run of each step)"
            cg="$out_dir/callgrind.client_steps"
            # Only the second pass is collected (the first warms lazy tables and caches).
            MITID_BENCH_CALLGRIND=1 valgrind --tool=callgrind --callgrind-out-file="$cg" \
                --collect-atstart=no --toggle-collect='*measured_pass*' "$bin" \
                >/dev/null 2>"$cg.log" || die "valgrind failed (see $cg.log)"
            callgrind_annotate --inclusive=yes --threshold=100 "$cg" 2>/dev/null |
                python3 -c '
import json, os, re, sys
rows = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+)\s+\(.*?\)\s+\S*client_steps::(step_\w+)", line) or \
        re.match(r"\s*([\d,]+)\s+\S*client_steps::(step_\w+)", line)
    if m and m.group(2) not in rows:
        rows[m.group(2)] = int(m.group(1).replace(",", ""))
print("%-28s %16s" % ("step", "instructions"))
with open(os.environ["MITID_BENCH_OUT"], "a") as out:
    for name, ir in rows.items():
        print("%-28s %16s" % (name, format(ir, ",")))
        out.write(json.dumps({"name": "callgrind " + name, "instructions": ir}) + "\n")
'
            ;;
        chip)
            log "a passport chip read"
            (cd "$REPO" && cargo bench -p mitid-bench --bench chip_read)
            ;;
        approval)
            log "end-to-end approval on loopback"
            (cd "$REPO" && cargo bench -p mitid-bench --bench approval)
            ;;
        load)
            command -v strace >/dev/null 2>&1 || apt_ensure strace
            log "server under load (fsyncs counted with strace)"
            (cd "$REPO" && MITID_LOAD_STRACE=1 cargo bench -p mitid-bench --bench server_load)
            ;;
        server-callgrind)
            command -v valgrind >/dev/null 2>&1 || apt_ensure valgrind
            log "server instructions per login (callgrind; 1 client, two run lengths differenced)"
            server_callgrind
            ;;
        kotlin)
            "$REPO/scripts/bench-kotlin.sh"
            ;;
        memory)
            log "server memory under 200 concurrent password checks"
            # The bench builds the release server itself.
            (cd "$REPO" && cargo bench -p mitid-bench --bench password_memory)
            ;;
        size)
            "$REPO/scripts/check-size.sh"
            ;;
        demo)
            log "peak memory of mitid demo (three runs)"
            (cd "$REPO" && cargo build --release -p mitid-desktop >&2) || die "building mitid failed"
            for i in 1 2 3; do
                rss="$(/usr/bin/time -v "$target_dir/release/mitid" demo 2>&1 >/dev/null |
                    awk -F': ' '/Maximum resident set size/ {print $2}')"
                echo "mitid demo run $i: max RSS $((rss / 1024)) MiB ($rss KiB)"
                echo "{\"name\": \"demo max rss\", \"run\": $i, \"kib\": $rss}" >>"$MITID_BENCH_OUT"
            done
            ;;
        *) die "unknown section: $section (steps callgrind approval load server-callgrind kotlin size demo memory chip)" ;;
    esac
done
log "done; results in $MITID_BENCH_OUT"
