#!/usr/bin/env bash
# Live data-plane benchmark (docs/BENCHMARKS.md, Live data plane): per-packet and per-connection (ALE) cost of NFQUEUE consumers, side by side,
# on two network namespaces this script creates and deletes. See bench/live/README.md.
#
#   bench/live/run.sh [--wfpd PATH] [--quick] [--runs N] [--seconds S] [--no-opensnitch] [--out FILE] [--keep]
#
# Safety: every netfilter rule, address and packet lives in the namespaces owfpb-<pid>-a/-b; the host namespace is
# never touched. Every process is started by this script, bounded in time by its own flags, and killed by PID on
# exit; the namespaces are deleted on exit (trap), whatever happens.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=3
SECS=5
QUICK=0
WFPD_ARG=""
OPENSNITCH=1
OUT=""
KEEP=0

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'
  --wfpd PATH      run the wfpd columns: PATH is the artifacts path of a Release build (holding
                   bin/OpenWfp.Daemon/release/wfpd and bin/OpenWfp.Cli/release/wfp) or a folder with wfpd and wfp
  --quick          1 run of 2 s per figure (a smoke test, not a measurement)
  --runs N         runs per figure, median reported (default 3)
  --seconds S      length of one run (default 5)
  --no-opensnitch  skip the OpenSnitch column
  --out FILE       results file (default bench/live/results-<date>-<time>.md)
  --keep           keep the work folder (logs of every consumer, built programs) and print its path
EOF
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --wfpd) [ $# -ge 2 ] || usage; WFPD_ARG=$2; shift 2 ;;
        --quick) QUICK=1; RUNS=1; SECS=2; shift ;;
        --runs) [ $# -ge 2 ] || usage; RUNS=$2; shift 2 ;;
        --seconds) [ $# -ge 2 ] || usage; SECS=$2; shift 2 ;;
        --no-opensnitch) OPENSNITCH=0; shift ;;
        --out) [ $# -ge 2 ] || usage; OUT=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$RUNS" =~ ^[1-9]$ ]] || { echo "--runs must be 1..9" >&2; exit 2; }
[[ "$SECS" =~ ^[1-9][0-9]?$ ]] && [ "$SECS" -le 30 ] || { echo "--seconds must be 1..30" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "run.sh needs root (network namespaces, netfilter)" >&2; exit 1; }

STAMP=$(date +%Y-%m-%d-%H%M)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=${OUT:-$HERE/results-$STAMP.md}
ID=$$
NSA=owfpb-$ID-a
NSB=owfpb-$ID-b
ADDR_A=10.250.0.1
ADDR_B=10.250.0.2
UDP_PORT=9999
TCP_PORT=5001
IPERF_PORT=5201
NFQ_NUM=7001          # the C baseline's queue (brief: --queue-num 7001)
WFPD_QUEUE=7000       # wfpd's queue ("queueNumber")
OSN_QUEUE=0           # opensnitchd -queue-num
WORK=$(mktemp -d "/tmp/owfpb-$ID.XXXXXX")
BIN=$WORK/bin
PIDS=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- process and namespace lifetime --------------------------------------------------------------------------------

# stop_pid PID: SIGTERM, up to 5 s for a clean exit (wfpd and opensnitchd remove their rules then), then SIGKILL.
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

cleanup() {
    local pid ns
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do
        stop_pid "$pid"
    done
    # Anything still inside our namespaces was started by this script (the namespaces are ours alone).
    for ns in "$NSA" "$NSB"; do
        if ip netns list 2>/dev/null | grep -qw "^$ns"; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do
                kill -KILL "$pid" 2>/dev/null
            done
            ip netns del "$ns" 2>/dev/null
        fi
    done
    if [ "$KEEP" -eq 1 ]; then
        echo "work folder kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_bg NS LOGFILE CMD... : starts CMD inside namespace NS in the background; sets LAST_PID.
start_bg() {
    local ns=$1 logf=$2
    shift 2
    ip netns exec "$ns" "$@" >"$logf" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# wait_for SECONDS CMD... : polls CMD every 0.1 s until it succeeds or SECONDS pass.
wait_for() {
    local limit=$1 i
    shift
    for i in $(seq $((limit * 10))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# The queue's line in the namespace's /proc/net/netfilter/nfnetlink_queue (per network namespace):
# queue portid waiting copy_mode copy_range queue_dropped user_dropped last_id 1
queue_line() { nsx "$NSA" awk -v q="$1" '$1 == q' /proc/net/netfilter/nfnetlink_queue 2>/dev/null; }
queue_bound() { [ -n "$(queue_line "$1")" ]; }
# queue_stats Q: "queued=N dropped=M" where queued is the last packet id (ids count from 1 per queue instance).
queue_stats() {
    queue_line "$1" | awk '{printf "queued=%s dropped=%d", $8, $6 + $7}'
}

# --- preflight and build -------------------------------------------------------------------------------------------

for tool in ip iptables-nft cc awk; do
    command -v "$tool" >/dev/null || { echo "missing $tool (see bench/live/README.md for the packages)" >&2; exit 1; }
done
[ -f /usr/include/libnetfilter_queue/libnetfilter_queue.h ] ||
    { echo "missing libnetfilter-queue-dev (apt-get install -y libnetfilter-queue-dev)" >&2; exit 1; }
HAVE_IPERF=1; command -v iperf3 >/dev/null || HAVE_IPERF=0
HAVE_JQ=1; command -v jq >/dev/null || HAVE_JQ=0
HAVE_CT=1; command -v conntrack >/dev/null || HAVE_CT=0

mkdir -p "$BIN"
for prog in udp_flood udp_sink connrate; do
    cc -O2 -Wall -Wextra -Werror -o "$BIN/$prog" "$HERE/$prog.c" || { echo "build of $prog failed" >&2; exit 1; }
done
cc -O2 -Wall -Wextra -Werror -o "$BIN/nfq_accept" "$HERE/nfq_accept.c" -lnetfilter_queue -lnfnetlink ||
    { echo "build of nfq_accept failed" >&2; exit 1; }

# wfpd: an artifacts path or a folder holding the two programs; the native launcher if there is one, else the .dll
# through dotnet. find_program NAME PROJECT sets PROG (a command as an array), empty when not found.
find_program() {
    local dir
    PROG=()
    for dir in "$WFPD_ARG/bin/$2/release" "$WFPD_ARG"; do
        if [ -x "$dir/$1" ]; then
            PROG=("$dir/$1"); return 0
        elif [ -f "$dir/$1.dll" ] && command -v dotnet >/dev/null; then
            PROG=(dotnet "$dir/$1.dll"); return 0
        fi
    done
    return 1
}
WFPD=(); WFP=(); WFPD_REASON="not requested (--wfpd)"
if [ -n "$WFPD_ARG" ]; then
    if find_program wfpd OpenWfp.Daemon && WFPD=("${PROG[@]}") && find_program wfp OpenWfp.Cli && WFP=("${PROG[@]}"); then
        WFPD_REASON=""
    else
        WFPD=()
        WFPD_REASON="wfpd/wfp not found under $WFPD_ARG"
    fi
fi
OSN_REASON=""
[ "$OPENSNITCH" -eq 1 ] || OSN_REASON="skipped (--no-opensnitch)"
[ -n "$OSN_REASON" ] || command -v opensnitchd >/dev/null || OSN_REASON="opensnitchd not installed (apt-get install -y opensnitch)"

# --- namespaces ----------------------------------------------------------------------------------------------------

log "namespaces $NSA, $NSB"
ip netns add "$NSA" && ip netns add "$NSB" || { echo "ip netns add failed" >&2; exit 1; }
nsx "$NSA" ip link set lo up
nsx "$NSB" ip link set lo up
# Created inside A with its peer placed straight into B: the pair never exists in the host namespace.
nsx "$NSA" ip link add veth0 type veth peer name veth1 netns "$NSB" || { echo "veth creation failed" >&2; exit 1; }
nsx "$NSA" ip addr add "$ADDR_A/24" dev veth0
nsx "$NSB" ip addr add "$ADDR_B/24" dev veth1
nsx "$NSA" ip link set veth0 up
nsx "$NSB" ip link set veth1 up
# Per-namespace sysctls: a wide ephemeral range for the connection-rate client.
nsx "$NSA" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
wait_for 5 nsx "$NSA" ping -c1 -W1 "$ADDR_B" || { echo "veth pair does not pass traffic" >&2; exit 1; }

ct_flush() {
    [ "$HAVE_CT" -eq 1 ] || return 0
    nsx "$NSA" conntrack -F >/dev/null 2>&1
    nsx "$NSB" conntrack -F >/dev/null 2>&1
    return 0
}

# --- consumers: start/stop ------------------------------------------------------------------------------------------
# Each start_* sets CONSUMER_PID and QUEUE, or CONSUMER_REASON when it cannot run.

CONSUMER_PID=""; QUEUE=""; CONSUMER_REASON=""; RULE=(); STARTS=0

start_nfq() { # start_nfq per-packet|batch RULE-ARGS...
    local mode=$1
    shift
    CONSUMER_REASON=""
    QUEUE=$NFQ_NUM
    local flag=() logf
    [ "$mode" = batch ] && flag=(--batch)
    STARTS=$((STARTS + 1))
    logf=$WORK/nfq-$STARTS-$mode.log
    start_bg "$NSA" "$logf" "$BIN/nfq_accept" "$NFQ_NUM" "${flag[@]}" --seconds 900
    CONSUMER_PID=$LAST_PID
    if ! wait_for 5 queue_bound "$NFQ_NUM"; then
        CONSUMER_REASON="nfq_accept did not bind queue $NFQ_NUM: $(tail -1 "$logf")"
        return 1
    fi
    RULE=("$@" -j NFQUEUE --queue-num "$NFQ_NUM")
    nsx "$NSA" iptables-nft -t mangle -A OUTPUT "${RULE[@]}"
}

start_wfpd() { # start_wfpd POLICY-FILE
    local policy=$1 dir
    CONSUMER_REASON=""
    QUEUE=$WFPD_QUEUE
    if [ ${#WFPD[@]} -eq 0 ]; then
        CONSUMER_REASON=$WFPD_REASON
        return 1
    fi
    dir=$WORK/wfpd-$(basename "$policy" .json)
    mkdir -p "$dir/state"
    # failOpen false: an overloaded queue must drop, not bypass, or the figures would flatter the consumer.
    cat >"$dir/wfpd.json" <<EOF
{
  "stateDirectory": "$dir/state",
  "socket": "$dir/bfe.sock",
  "writerGroup": null,
  "dataplane": true,
  "queueNumber": $WFPD_QUEUE,
  "queueCount": 1,
  "failOpen": false
}
EOF
    start_bg "$NSA" "$dir/wfpd.log" "${WFPD[@]}" --state-dir "$dir/state" --socket "$dir/bfe.sock" --config "$dir/wfpd.json"
    CONSUMER_PID=$LAST_PID
    # Stop waiting as soon as the socket exists or wfpd has exited (a bad config ends it at once).
    wait_for 60 sh -c "test -S '$dir/bfe.sock' || ! kill -0 $CONSUMER_PID"
    if ! test -S "$dir/bfe.sock"; then
        CONSUMER_REASON="wfpd did not open its socket: $(tail -1 "$dir/wfpd.log")"
        return 1
    fi
    if ! "${WFP[@]}" apply "$policy" --socket "$dir/bfe.sock" >"$dir/apply.log" 2>&1; then
        CONSUMER_REASON="wfp apply failed: $(tail -1 "$dir/apply.log")"
        return 1
    fi
    if ! wait_for 10 nsx "$NSA" iptables-nft -t mangle -S OPENWFP-OUT || ! wait_for 10 queue_bound "$WFPD_QUEUE"; then
        CONSUMER_REASON="wfpd data plane not active (no OPENWFP-OUT chain or queue $WFPD_QUEUE not bound)"
        return 1
    fi
}

start_opensnitch() {
    local dir=$WORK/opensnitch
    CONSUMER_REASON=""
    QUEUE=$OSN_QUEUE
    if [ -n "$OSN_REASON" ]; then
        CONSUMER_REASON=$OSN_REASON
        return 1
    fi
    mkdir -p "$dir/etc" "$dir/rules"
    # opensnitchd 1.5.8 has no flag for its config file: it always reads /etc/opensnitchd/default-config.json and
    # system-fw.json. A private mount namespace bind-mounts our own folder over /etc/opensnitchd for it alone.
    # The UI address points at a socket nobody listens on, so the daemon runs headless with DefaultAction.
    cat >"$dir/etc/default-config.json" <<EOF
{
    "Server": { "Address": "unix://$dir/no-ui.sock", "LogFile": "$dir/opensnitchd.log" },
    "DefaultAction": "allow",
    "DefaultDuration": "once",
    "InterceptUnknown": false,
    "ProcMonitorMethod": "proc",
    "LogLevel": 2,
    "Firewall": "iptables",
    "Stats": { "MaxEvents": 150, "MaxStats": 25 }
}
EOF
    echo '{ "SystemRules": [] }' >"$dir/etc/system-fw.json"
    cp "$HERE/opensnitch-deny-tcp-1.json" "$dir/rules/deny-tcp-1.json"
    start_bg "$NSA" "$dir/stdout.log" unshare --mount --propagation private sh -c \
        'mount --bind "$1" /etc/opensnitchd && exec opensnitchd -rules-path "$2" -log-file "$3" -queue-num "$4" -process-monitor-method proc -no-live-reload' \
        sh "$dir/etc" "$dir/rules" "$dir/opensnitchd.log" "$OSN_QUEUE"
    CONSUMER_PID=$LAST_PID
    if ! wait_for 20 queue_bound "$OSN_QUEUE" || ! wait_for 10 sh -c "ip netns exec $NSA iptables-nft -t mangle -S OUTPUT | grep -q NFQUEUE"; then
        CONSUMER_REASON="opensnitchd did not bind queue $OSN_QUEUE and install its rule: $(tail -2 "$dir/opensnitchd.log" "$dir/stdout.log" 2>/dev/null | tr '\n' ' ')"
        return 1
    fi
}

# --- measurements --------------------------------------------------------------------------------------------------

median() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" | head -1; } # field NAME < "a=1 b=2"

# udp_pps SIZE: "received sent" packets/s, one run. Received counts in B over the fixed window; sent is the sender's
# own average (it includes packets the queue or B's socket buffer dropped).
udp_pps() {
    local size=$1 sink_pid out=$WORK/sink.out
    start_bg "$NSB" "$out" "$BIN/udp_sink" "$UDP_PORT" --seconds "$SECS" --warmup 0.5 --wait 10
    sink_pid=$LAST_PID
    wait_for 5 grep -q ready "$out"
    nsx "$NSA" "$BIN/udp_flood" "$ADDR_B" "$UDP_PORT" --size "$size" --seconds "$((SECS + 2))" >"$WORK/flood.out" 2>&1
    wait "$sink_pid" 2>/dev/null
    echo "$(field pps <"$out") $(field pps <"$WORK/flood.out")"
}

# per_packet_row LABEL: runs both payload sizes RUNS times against whatever is installed;
# prints "recv64 sent64 recv1400 sent1400" (medians, packets/s).
per_packet_row() {
    local size r x recv sent res=()
    for size in 64 1400; do
        recv=(); sent=()
        for r in $(seq "$RUNS"); do
            read -r -a x <<<"$(udp_pps "$size")"
            recv+=("${x[0]:-}"); sent+=("${x[1]:-}")
        done
        log "  $1, $size B: received ${recv[*]} pps, sent ${sent[*]} pps"
        res+=("$(median "${recv[@]}")" "$(median "${sent[@]}")")
    done
    echo "${res[*]}"
}

# block_check: what a connect() to TCP port 1 of B gets. Nothing listens there, so without a filter it is
# "Connection refused"; every consumer's policy blocks it, which proves the policy is really enforced.
block_check() {
    local line
    line=$(nsx "$NSA" "$BIN/connrate" client "$ADDR_B" 1 --seconds 2 --max 1 2>&1)
    case "$line" in
        *last_error=*) echo "${line#*last_error=}" ;;
        *connections=1*) echo "connected" ;;
        *) echo "? $line" ;;
    esac
}

# connrate_run: one client run; prints "rate median_us p99_us failures".
connrate_run() {
    local line
    ct_flush
    line=$(nsx "$NSA" "$BIN/connrate" client "$ADDR_B" "$TCP_PORT" --seconds "$SECS" 2>&1)
    echo "$(field rate <<<"$line") $(field median_us <<<"$line") $(field p99_us <<<"$line") $(field failures <<<"$line")"
}

iperf_run() {
    local srv
    [ "$HAVE_IPERF" -eq 1 ] && [ "$HAVE_JQ" -eq 1 ] || { echo "n/a"; return; }
    ct_flush
    start_bg "$NSB" "$WORK/iperf-server.log" iperf3 -s -1 -p "$IPERF_PORT"
    srv=$LAST_PID
    wait_for 5 sh -c "ip netns exec $NSB ss -ltn | grep -q :$IPERF_PORT"
    nsx "$NSA" timeout $((SECS + 20)) iperf3 -c "$ADDR_B" -p "$IPERF_PORT" -t "$SECS" -J >"$WORK/iperf.json" 2>&1
    stop_pid "$srv"
    jq -r '.end.sum_received.bits_per_second // empty | . / 1e9 | . * 100 | round / 100' "$WORK/iperf.json" 2>/dev/null || echo "n/a"
}

# ale_row LABEL: "gbit conn_per_s median_us p99_us failures" (medians over RUNS).
ale_row() {
    local r g=() rate=() med=() p99=() fail=() x
    for r in $(seq "$RUNS"); do
        g+=("$(iperf_run)")
        read -r -a x <<<"$(connrate_run)"
        rate+=("${x[0]:-}"); med+=("${x[1]:-}"); p99+=("${x[2]:-}"); fail+=("${x[3]:-0}")
    done
    log "  $1: iperf3 ${g[*]} Gbit/s; conn/s ${rate[*]}; connect median ${med[*]} us; p99 ${p99[*]} us; failures ${fail[*]}"
    echo "$(median "${g[@]}") $(median "${rate[@]}") $(median "${med[@]}") $(median "${p99[@]}") $(median "${fail[@]}")"
}

declare -A PP ALE NOTE BLOCK

# --- 1. per-packet -------------------------------------------------------------------------------------------------
# column TABLE KEY ROW-FUNCTION LABEL START-COMMAND...: starts a consumer, measures its row into TABLE[KEY] (its queue
# statistics into NOTE[TABLE-KEY], the port-1 check into BLOCK[KEY]), stops it. A consumer that cannot start gets
# n/a cells and its reason in NOTE.
column() {
    local -n tab=$1
    local table=$1 key=$2 rowfn=$3 label=$4
    shift 4
    CONSUMER_PID=""; RULE=()
    if "$@"; then
        [ "$rowfn" = ale_row ] && BLOCK[$key]=$(block_check)
        tab[$key]=$($rowfn "$label")
        NOTE[$table-$key]=$(queue_stats "$QUEUE")
    else
        tab[$key]="n/a n/a n/a n/a n/a"
        NOTE[$table-$key]=$CONSUMER_REASON
    fi
    [ ${#RULE[@]} -eq 0 ] || nsx "$NSA" iptables-nft -t mangle -D OUTPUT "${RULE[@]}" 2>/dev/null
    [ -z "$CONSUMER_PID" ] || stop_pid "$CONSUMER_PID"
    CONSUMER_PID=""; RULE=()
}
no_consumer() { CONSUMER_REASON=""; QUEUE=none; }
# conntrack_only: a rule that never matches but makes the namespace track connections, as every queue consumer here
# does; it separates conntrack's own cost from the queue's.
conntrack_only() {
    no_consumer
    RULE=(-p tcp -d "$ADDR_B" -m conntrack --ctstate INVALID -j DROP)
    nsx "$NSA" iptables-nft -t mangle -A OUTPUT "${RULE[@]}"
}

log "per-packet: UDP $ADDR_A -> $ADDR_B:$UDP_PORT, $RUNS x ${SECS}s per figure"
column PP none per_packet_row "no queue rule" no_consumer
column PP nfq-per-packet per_packet_row "nfq_accept per-packet" start_nfq per-packet -p udp --dport "$UDP_PORT"
column PP nfq-batch per_packet_row "nfq_accept batch" start_nfq batch -p udp --dport "$UDP_PORT"
column PP wfpd per_packet_row "wfpd" start_wfpd "$HERE/policy-per-packet.json"

# --- 2./3. per-connection (ALE) ------------------------------------------------------------------------------------
log "ALE: iperf3 and connect() rate/latency $ADDR_A -> $ADDR_B, $RUNS x ${SECS}s per figure"
start_bg "$NSB" "$WORK/connrate-server.log" "$BIN/connrate" server "$TCP_PORT" --seconds 1800
wait_for 5 grep -q listening "$WORK/connrate-server.log" || { echo "connrate server did not start" >&2; exit 1; }

column ALE none ale_row "unfiltered" no_consumer
column ALE ct ale_row "conntrack only" conntrack_only
# The C reference queues exactly what a per-connection filter must see: the first packet of each new TCP flow.
column ALE nfq ale_row "nfq_accept (ctstate NEW)" start_nfq per-packet -p tcp -d "$ADDR_B" -m conntrack --ctstate NEW
column ALE wfpd ale_row "wfpd" start_wfpd "$HERE/policy-ale.json"
column ALE osn ale_row "opensnitch" start_opensnitch

# --- report --------------------------------------------------------------------------------------------------------

kpps() { [ "$1" = n/a ] && echo n/a || awk -v v="$1" 'BEGIN {printf "%.0f", v / 1000}'; }
pct() { { [ "$1" = n/a ] || [ "$2" = n/a ] || [ "$2" = 0 ]; } && echo n/a || awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f %%", 100 * a / b}'; }
diff_us() { { [ "$1" = n/a ] || [ "$2" = n/a ]; } && echo n/a || awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f", a - b}'; }

read -r -a base <<<"${ALE[none]}"
{
    echo "# Live data-plane benchmark, $(date '+%Y-%m-%d %H:%M %Z')"
    echo
    echo "Machine: kernel $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')."
    echo "Load average (1/5/15 min) at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)$(awk -v l="${LOAD_START%% *}" -v n="$(nproc)" 'BEGIN {if (l + 0 > n + 0) printf " -- above the CPU count: other work competed, treat the figures as low"}')."
    echo "Runs: median of $RUNS x ${SECS} s per figure$([ "$QUICK" -eq 1 ] && echo ' (--quick: a smoke test, not a measurement)')."
    echo "Traffic: namespace A ($ADDR_A) -> namespace B ($ADDR_B) over a veth pair; consumers run in A."
    echo "Noise: on a shared 2-vCPU VM figures move by about +-20 % between runs."
    echo
    echo "## Per-packet: UDP packets/s received in B (thousands)"
    echo
    echo "Received in B over the window; sent by the sender in A, in parentheses (the difference was dropped: by a"
    echo "full queue or, without a queue, by B's socket buffer when the sender outruns the sink on 2 shared CPUs)."
    echo
    echo "| consumer | 64 B payload | 1400 B payload | queue (last id, drops) |"
    echo "|---|---|---|---|"
    row_pp() {
        local v; read -r -a v <<<"$2"
        echo "| $1 | $(kpps "${v[0]}") ($(kpps "${v[1]:-n/a}")) | $(kpps "${v[2]:-n/a}") ($(kpps "${v[3]:-n/a}")) | $3 |"
    }
    row_pp "no queue rule" "${PP[none]}" "-"
    row_pp "C nfq_accept, verdict per packet" "${PP[nfq-per-packet]}" "${NOTE[PP-nfq-per-packet]}"
    row_pp "C nfq_accept, batch verdicts" "${PP[nfq-batch]}" "${NOTE[PP-nfq-batch]}"
    row_pp "wfpd, OUTBOUND_TRANSPORT_V4 filter" "${PP[wfpd]}" "${NOTE[PP-wfpd]}"
    echo
    echo "## Per-connection (ALE): TCP A -> B"
    echo
    echo "connect() time is SYN out to SYN-ACK in (plus syscall cost), CLOCK_MONOTONIC around each blocking connect();"
    echo "added = filtered minus unfiltered. Port-1 check: what connect() to B's closed TCP port 1 got while the consumer"
    echo "ran (unfiltered: refused; a consumer whose deny rule works: anything else)."
    echo
    echo "| consumer | iperf3 Gbit/s | vs unfiltered | new conn/s | connect() median us | p99 us | added median us | added p99 us | failed connects | port-1 check | queue (last id, drops) |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    row_ale() {
        local v; read -r -a v <<<"$2"
        echo "| $1 | ${v[0]} | $(pct "${v[0]}" "${base[0]}") | ${v[1]} | ${v[2]} | ${v[3]} | $(diff_us "${v[2]}" "${base[2]}") | $(diff_us "${v[3]}" "${base[3]}") | ${v[4]} | ${4:-n/a} | $3 |"
    }
    row_ale "unfiltered" "${ALE[none]}" "-" "${BLOCK[none]:-}"
    row_ale "conntrack on, no queue" "${ALE[ct]}" "-" "${BLOCK[ct]:-}"
    row_ale "C nfq_accept, ctstate NEW queued (accepts all)" "${ALE[nfq]}" "${NOTE[ALE-nfq]}" "${BLOCK[nfq]:-}"
    row_ale "wfpd, ALE_AUTH_CONNECT_V4 filter" "${ALE[wfpd]}" "${NOTE[ALE-wfpd]}" "${BLOCK[wfpd]:-}"
    row_ale "OpenSnitch $(opensnitchd -version 2>/dev/null || echo ?), headless" "${ALE[osn]}" "${NOTE[ALE-osn]}" "${BLOCK[osn]:-}"
    echo
    echo "Targets (docs/BENCHMARKS.md): iperf3 >= 97 % of unfiltered, >= 25k conn/s, added connect latency <= 50 us median and <= 150 us p99."
} >"$OUT"
cat "$OUT"
log "written to $OUT"
