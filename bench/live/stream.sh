#!/usr/bin/env bash
# bench/live/stream.sh: bulk TCP upload through wfpd's STREAM inspection, against the same upload without wfpd.
# Run as root. Two throw-away namespaces (A runs wfpd and the client, B the sink), as run.sh does.
#
#   bench/live/stream.sh --wfpd PATH [--seconds S] [--runs N] [--action ACTION] [--out FILE]
#
# PATH: the artifacts path of `dotnet build src/OpenWfp.Daemon -c Release --artifacts-path PATH` plus the same for
# src/OpenWfp.Cli, or a folder holding wfpd and wfp. ACTION: the STREAM filters' action (default "permit": reassembly
# and a STREAM classification per segment, no callout; "callout:openwfp.http-request" inspects HTTP requests).
# Rows (MB/s received by the sink, median of the runs):
#   none            no wfpd at all
#   stream, every   STREAM filter with no condition: every TCP packet of A goes through wfpd (both directions)
#   stream, port    STREAM filter on IP_REMOTE_PORT 9000: only that port's packets are queued; the upload goes to 9000
#   excluded        the same policy; the upload goes to port 9001, which the STREAM conditions exclude (stays in the kernel)
set -uo pipefail

WFPD_ARG=""; SECONDS_RUN=5; RUNS=3; ACTION="permit"; OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --wfpd) WFPD_ARG=$2; shift 2 ;;
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --action) ACTION=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n 2,15p "$0"; exit 0 ;;
        *) echo "stream.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "stream.sh: run as root (namespaces, iptables)" >&2; exit 1; }
[ -n "$WFPD_ARG" ] || { echo "stream.sh: --wfpd PATH is required" >&2; exit 2; }

find_program() { # find_program NAME PROJECT: sets PROG
    local dir
    PROG=()
    for dir in "$WFPD_ARG/bin/$2/release" "$WFPD_ARG"; do
        if [ -x "$dir/$1" ]; then PROG=("$dir/$1"); return 0; fi
        if [ -f "$dir/$1.dll" ]; then PROG=(dotnet "$dir/$1.dll"); return 0; fi
    done
    return 1
}
find_program wfpd OpenWfp.Daemon || { echo "stream.sh: wfpd not found under $WFPD_ARG" >&2; exit 1; }
WFPD=("${PROG[@]}")
find_program wfp OpenWfp.Cli || { echo "stream.sh: wfp not found under $WFPD_ARG" >&2; exit 1; }
WFP=("${PROG[@]}")

NSA="owfps-$$-a"; NSB="owfps-$$-b"; ADDR_A=10.251.0.1; ADDR_B=10.251.0.2
WORK=$(mktemp -d); PIDS=()
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
cleanup() {
    local pid ns
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    sleep 1
    for ns in "$NSA" "$NSB"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wait_for() { local limit=$1 i; shift; for i in $(seq $((limit * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

ip netns add "$NSA" && ip netns add "$NSB" || { echo "stream.sh: ip netns add failed" >&2; exit 1; }
nsx "$NSA" ip link set lo up; nsx "$NSB" ip link set lo up
nsx "$NSA" ip link add veth0 type veth peer name veth1 netns "$NSB"
nsx "$NSA" ip addr add "$ADDR_A/24" dev veth0; nsx "$NSB" ip addr add "$ADDR_B/24" dev veth1
nsx "$NSA" ip link set veth0 up; nsx "$NSB" ip link set veth1 up
wait_for 5 nsx "$NSA" ping -c1 -W1 "$ADDR_B" || { echo "stream.sh: the veth pair passes no traffic" >&2; exit 1; }

# The sink: counts what each connection delivers and prints MB/s for the middle of the run.
cat >"$WORK/sink.py" <<'EOF'
import socket, sys, threading, time
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', port)); s.listen(8)
    while True:
        c, _ = s.accept()
        threading.Thread(target=drain, args=(c,), daemon=True).start()
def drain(c):
    total = 0; start = time.monotonic()
    while True:
        d = c.recv(1 << 20)
        if not d: break
        total += len(d)
    print('%.1f' % (total / (time.monotonic() - start) / 1e6), flush=True)
for p in (9000, 9001):
    threading.Thread(target=serve, args=(p,), daemon=True).start()
threading.Event().wait()
EOF
# The client: HTTP-like upload, a request line and then 64 KiB writes for S seconds.
cat >"$WORK/upload.py" <<'EOF'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b'PUT /upload HTTP/1.1\r\nHost: bench\r\nContent-Length: 999999999999\r\n\r\n')
chunk = b'x' * 65536; end = time.monotonic() + float(sys.argv[3])
while time.monotonic() < end: s.sendall(chunk)
s.close()
EOF
nsx "$NSB" python3 "$WORK/sink.py" >"$WORK/sink.log" 2>&1 &
PIDS+=($!)
sleep 1

upload() { # upload PORT: one run, prints the sink's MB/s
    local before after
    before=$(wc -l <"$WORK/sink.log")
    nsx "$NSA" python3 "$WORK/upload.py" "$ADDR_B" "$1" "$SECONDS_RUN" || { echo n/a; return; }
    wait_for 5 sh -c "[ \$(wc -l <'$WORK/sink.log') -gt $before ]"
    after=$(tail -1 "$WORK/sink.log")
    echo "$after"
}
median() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print a[int((NR+1)/2)]}'; }
measure() { # measure PORT
    local r=() i
    for i in $(seq "$RUNS"); do r+=("$(upload "$1")"); done
    median "${r[@]}"
}

start_wfpd() { # start_wfpd CONDITION-ARGS...
    local dir=$WORK/wfpd-$RANDOM
    mkdir -p "$dir/state"
    # ip netns exec directly (not through a shell function): $! is then wfpd itself, which stop_wfpd signals.
    ip netns exec "$NSA" "${WFPD[@]}" --state-dir "$dir/state" --socket "$dir/bfe.sock" >"$dir/wfpd.log" 2>&1 &
    WFPD_PID=$!
    PIDS+=("$WFPD_PID")
    "${WFP[@]}" wait --socket "$dir/bfe.sock" >/dev/null 2>&1 || { log "wfpd did not start: $(tail -1 "$dir/wfpd.log")"; return 1; }
    "${WFP[@]}" add filter -l STREAM_V4 -a "$ACTION" "$@" --socket "$dir/bfe.sock" >"$dir/add.log" 2>&1 \
        || { log "wfp add filter failed: $(tail -1 "$dir/add.log")"; return 1; }
    sleep 0.5
    log "rules: $(nsx "$NSA" iptables-nft -t mangle -S OPENWFP-OUT | tr '\n' ';')"
}
queued() { nsx "$NSA" awk '$1 == 7000 {print $8}' /proc/net/netfilter/nfnetlink_queue; }
stop_wfpd() {
    kill -TERM "$WFPD_PID" 2>/dev/null
    wait "$WFPD_PID" 2>/dev/null
    wait_for 10 sh -c "[ -z \"\$(ip netns exec $NSA awk '\$1 == 7000' /proc/net/netfilter/nfnetlink_queue)\" ]"
}

log "baseline"
NONE=$(measure 9000)
log "STREAM filter, every packet"
start_wfpd && EVERY=$(measure 9000) || EVERY=n/a
stop_wfpd
log "STREAM filter on port 9000"
if start_wfpd -c "IP_REMOTE_PORT == 9000"; then
    PORT=$(measure 9000)
    q0=$(queued); EXCLUDED=$(measure 9001); q1=$(queued)
    EXCLUDED_QUEUED=$((q1 - q0))
else
    PORT=n/a; EXCLUDED=n/a; EXCLUDED_QUEUED=n/a
fi
stop_wfpd

ratio() { { [ "$1" = n/a ] || [ "$2" = n/a ]; } && echo n/a || awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
report=$(cat <<EOF
# bench/live/stream.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, ${RUNS} x ${SECONDS_RUN} s, STREAM action: $ACTION

| upload A -> B | MB/s | vs none |
|---|---|---|
| none (no wfpd) | $NONE | 1.00 |
| STREAM filter, every packet queued | $EVERY | $(ratio "$EVERY" "$NONE") |
| STREAM filter on port 9000, upload to 9000 | $PORT | $(ratio "$PORT" "$NONE") |
| same policy, upload to 9001 (excluded; $EXCLUDED_QUEUED packets queued) | $EXCLUDED | $(ratio "$EXCLUDED" "$NONE") |
EOF
)
echo "$report"
[ -z "$OUT" ] || echo "$report" >"$OUT"
