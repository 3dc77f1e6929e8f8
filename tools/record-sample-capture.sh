#!/usr/bin/env bash
# Records samples/sample-capture.pcapng from real traffic between two throwaway network namespaces.
#
#   tools/record-sample-capture.sh      (as root; with sudo: sudo tools/record-sample-capture.sh)
#
# Creates a client and a server namespace joined by a veth pair (nothing is changed in the machine's own
# namespace), starts an HTTP and a DNS server in the server namespace (tools/sample-capture-peers.py), captures on
# the client's veth with dumpcap, drives a fixed sequence of DNS, HTTP, ICMP, refused-TCP and refused-UDP traffic
# from the client plus one connection from the server to the client, then checks the capture with tshark and only
# then replaces samples/sample-capture.pcapng. The namespaces and every process the script started are removed on
# exit, including on error and Ctrl-C. samples/README.md lists the conversations and their frame numbers.
#
# Needs: ip (iproute2), python3, dumpcap (wireshark/tshark), tshark, curl, ping (iputils); ethtool is optional
# (used to turn off checksum offload on the veths so the recorded checksums are correct).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
    echo "record-sample-capture.sh: must run as root (it creates network namespaces and captures packets)." >&2
    echo "Run it again as root, or with: sudo $0" >&2
    exit 1
fi

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
peers="$script_dir/sample-capture-peers.py"
out="$repo_root/samples/sample-capture.pcapng"

for tool in ip python3 dumpcap tshark curl ping; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "record-sample-capture.sh: '$tool' not found (Debian/Ubuntu: apt-get install iproute2 python3 tshark curl iputils-ping)." >&2
        exit 1
    fi
done
python=$(command -v python3)

cli_ns="owfp-rec-cli-$$"
srv_ns="owfp-rec-srv-$$"
cli_if=veth-cli
srv_if=veth-srv
cli_mac=02:00:00:77:00:01
srv_mac=02:00:00:77:00:02
cli_v4=10.77.0.1 srv_v4=10.77.0.2
cli_v6=fd77::1 srv_v6=fd77::2

pids=()          # every background process this script started, killed by PID on exit
namespaces=()    # namespaces this script created, deleted on exit
tmp=$(mktemp -d /tmp/owfp-rec.XXXXXX)

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    local pid i
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        for ((i = 0; i < 30; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for ns in "${namespaces[@]}"; do
        ip netns delete "$ns" 2>/dev/null
    done
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_cli() { ip netns exec "$cli_ns" "$@"; }
in_srv() { ip netns exec "$srv_ns" "$@"; }
say() { printf '== %s\n' "$*"; }

# wait_for DESCRIPTION PID COMMAND...: polls COMMAND (at most 100 times, 0.1 s apart) until it succeeds;
# fails early if PID (the process that should make it succeed) has died.
wait_for() {
    local what=$1 pid=$2 i
    shift 2
    for ((i = 0; i < 100; i++)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "record-sample-capture.sh: process $pid exited while waiting for $what" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "record-sample-capture.sh: timed out waiting for $what" >&2
    return 1
}

listening() { # NS PROTO PORT
    local opts=-ltn
    [[ $2 == udp ]] && opts=-lun
    [[ -n $(ip netns exec "$1" ss -H "$opts" "sport = :$3") ]]
}

no_tentative_addresses() { # NS IF
    [[ -z $(ip -n "$1" -6 addr show dev "$2" tentative) ]]
}

# ---------------------------------------------------------------- namespaces and link

for ns in "$cli_ns" "$srv_ns"; do
    if [[ -e /run/netns/$ns ]]; then
        echo "record-sample-capture.sh: namespace $ns already exists" >&2
        exit 1
    fi
done

say "creating namespaces $cli_ns (client) and $srv_ns (server)"
ip netns add "$cli_ns"
namespaces+=("$cli_ns")
ip netns add "$srv_ns"
namespaces+=("$srv_ns")

for ns in "$cli_ns" "$srv_ns"; do
    # No router on this link: don't send router solicitations (keeps the capture to the traffic we drive).
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0
    ip -n "$ns" link set lo up
done

# The veth is created inside the client namespace and its peer directly inside the server namespace.
ip -n "$cli_ns" link add "$cli_if" address "$cli_mac" type veth peer name "$srv_if" address "$srv_mac" netns "$srv_ns"

if command -v ethtool >/dev/null 2>&1; then
    # Checksums are otherwise left for a NIC that a veth doesn't have, and show as incorrect in the capture.
    ip netns exec "$cli_ns" ethtool -K "$cli_if" tx off rx off tso off gso off >/dev/null 2>&1 || true
    ip netns exec "$srv_ns" ethtool -K "$srv_if" tx off rx off tso off gso off >/dev/null 2>&1 || true
else
    echo "note: ethtool not found; TCP/UDP checksums in the capture may show as incorrect (offloaded, expected on a veth)."
fi

ip -n "$cli_ns" addr add "$cli_v4/24" dev "$cli_if"
ip -n "$cli_ns" addr add "$cli_v6/64" dev "$cli_if" nodad
ip -n "$srv_ns" addr add "$srv_v4/24" dev "$srv_if"
ip -n "$srv_ns" addr add "$srv_v6/64" dev "$srv_if" nodad
ip -n "$cli_ns" link set "$cli_if" up
ip -n "$srv_ns" link set "$srv_if" up

# Let link-local duplicate address detection and the initial MLD reports finish before capturing.
for ((i = 0; i < 50; i++)); do
    no_tentative_addresses "$cli_ns" "$cli_if" && no_tentative_addresses "$srv_ns" "$srv_if" && break
    sleep 0.1
done
sleep 2

# ---------------------------------------------------------------- peers

say "starting the HTTP (tcp/80) and DNS (udp/53) servers in $srv_ns, and a listener on tcp/2222 in $cli_ns"
# Background jobs are started with `ip netns exec` directly, not through in_srv/in_cli: a backgrounded shell
# function runs in a forked subshell, so $! would be that subshell and killing it would leave the real process
# running. `ip netns exec` execs its command, so here $! is the server's own PID.
ip netns exec "$srv_ns" "$python" "$peers" http-server 80 >"$tmp/http-server.log" 2>&1 &
http_pid=$!
pids+=("$http_pid")
ip netns exec "$srv_ns" "$python" "$peers" dns-server 53 >"$tmp/dns-server.log" 2>&1 &
dns_pid=$!
pids+=("$dns_pid")
ip netns exec "$cli_ns" "$python" "$peers" tcp-listen 2222 >"$tmp/tcp-listen.log" 2>&1 &
listen_pid=$!
pids+=("$listen_pid")

wait_for "the HTTP server" "$http_pid" listening "$srv_ns" tcp 80
wait_for "the DNS server" "$dns_pid" listening "$srv_ns" udp 53
wait_for "the client's listener" "$listen_pid" listening "$cli_ns" tcp 2222

# ---------------------------------------------------------------- capture

say "capturing on $cli_if in $cli_ns"
ip netns exec "$cli_ns" dumpcap -i "$cli_if" -s 0 -q -w "$tmp/capture.pcapng" >"$tmp/dumpcap.log" 2>&1 &
capture_pid=$!
pids+=("$capture_pid")
wait_for "dumpcap to start capturing" "$capture_pid" grep -q "Capturing on" "$tmp/dumpcap.log"
wait_for "dumpcap to write the file header" "$capture_pid" test -s "$tmp/capture.pcapng"
sleep 0.5

pause() { sleep 0.5; }   # keeps each conversation's frames together

say "DNS: A www.example.test, AAAA www.example.test, A blocked.example.test"
in_cli "$python" "$peers" dns-query "$srv_v4" www.example.test A 0x7701
pause
in_cli "$python" "$peers" dns-query "$srv_v4" www.example.test AAAA 0x7702
pause
in_cli "$python" "$peers" dns-query "$srv_v4" blocked.example.test A 0x7703
pause

curl_opts=(--silent --show-error --fail --noproxy '*' --max-time 5 --user-agent owfp-sample/1)
say "HTTP GET http://$srv_v4/"
in_cli curl "${curl_opts[@]}" "http://$srv_v4/"
pause
say "HTTP POST http://$srv_v4/submit"
in_cli curl "${curl_opts[@]}" --data 'name=alice&comment=hello+from+the+client' "http://$srv_v4/submit"
pause

say "ping $srv_v4"
in_cli ping -n -c 2 -i 0.5 -W 2 "$srv_v4"
pause
say "ping -6 $srv_v6"
in_cli ping -6 -n -c 2 -i 0.5 -W 2 "$srv_v6"
pause

say "HTTP GET http://[$srv_v6]/"
in_cli curl "${curl_opts[@]}" --globoff "http://[$srv_v6]/"
pause

say "TCP connect to closed port $srv_v4:8080 (expect RST)"
in_cli "$python" "$peers" tcp-refused "$srv_v4" 8080
pause
say "UDP datagram to closed port $srv_v4:9999 (expect ICMP port unreachable)"
in_cli "$python" "$peers" udp-refused "$srv_v4" 9999
pause

say "inbound: $srv_ns connects to $cli_v4:2222"
in_srv "$python" "$peers" tcp-connect "$cli_v4" 2222
wait_for "the client's listener to finish" "$listen_pid" bash -c "! kill -0 $listen_pid 2>/dev/null" || true
sleep 1

say "stopping the capture"
# Background jobs of a script ignore SIGINT; dumpcap finishes the file cleanly on SIGTERM.
kill -TERM "$capture_pid"
for ((i = 0; i < 50; i++)); do
    kill -0 "$capture_pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$capture_pid" 2>/dev/null; then
    echo "record-sample-capture.sh: dumpcap (PID $capture_pid) did not stop within 5 s" >&2
    exit 1
fi
wait "$capture_pid" || true

# ---------------------------------------------------------------- check, then publish

capture="$tmp/capture.pcapng"
count() { tshark -r "$capture" -Y "$1" 2>"$tmp/tshark.log" | wc -l; }
missing=0
check() { # DESCRIPTION FILTER
    local n
    n=$(count "$2")
    if ((n == 0)); then
        echo "MISSING: $1 ($2)" >&2
        missing=1
    fi
}
check "DNS A query for www.example.test" 'dns.flags.response == 0 && dns.qry.name == "www.example.test" && dns.qry.type == 1'
check "DNS A answer 10.77.0.2" 'dns.flags.response == 1 && dns.a == 10.77.0.2'
check "DNS AAAA answer fd77::2" 'dns.flags.response == 1 && dns.aaaa == fd77::2'
check "DNS NXDOMAIN for blocked.example.test" 'dns.flags.rcode == 3 && dns.qry.name == "blocked.example.test"'
check "HTTP GET over IPv4" 'http.request.method == "GET" && ip.dst == 10.77.0.2'
check "HTTP POST /submit over IPv4" 'http.request.method == "POST" && http.request.uri == "/submit"'
check "HTTP GET over IPv6" 'http.request.method == "GET" && ipv6.dst == fd77::2'
check "HTTP 200 over IPv6" 'http.response.code == 200 && ipv6.src == fd77::2'
check "ICMP echo request" 'icmp.type == 8'
check "ICMP echo reply" 'icmp.type == 0'
check "ICMPv6 echo request" 'icmpv6.type == 128'
check "ICMPv6 echo reply" 'icmpv6.type == 129'
check "TCP RST from closed port 8080" 'tcp.flags.reset == 1 && tcp.srcport == 8080'
check "ICMP port unreachable" 'icmp.type == 3 && icmp.code == 3 && udp.dstport == 9999'
check "inbound TCP SYN to the client's port 2222" 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == 10.77.0.2 && tcp.dstport == 2222'
check "inbound data \"hi\"" 'tcp.srcport == 2222 && tcp.payload == 68:69:0a'
check "ARP request" 'arp.opcode == 1'
check "ARP reply" 'arp.opcode == 2'
check "ICMPv6 neighbour solicitation" 'icmpv6.type == 135'
check "ICMPv6 neighbour advertisement" 'icmpv6.type == 136'
bad=$(tshark -r "$capture" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
    -Y 'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad" || icmp.checksum.status == "Bad" || icmpv6.checksum.status == "Bad"' \
    2>/dev/null | wc -l)
if ((bad > 0)); then
    echo "note: $bad frame(s) have checksums tshark calls incorrect (offload; expected without ethtool)." >&2
fi
if ((missing)); then
    echo "record-sample-capture.sh: the capture is missing traffic (above); $out left unchanged." >&2
    exit 1
fi

mkdir -p "$(dirname "$out")"
cp "$capture" "$out.tmp"
chmod 644 "$out.tmp"   # dumpcap creates its file 0600
mv -f "$out.tmp" "$out"

frames=$(tshark -r "$out" 2>/dev/null | wc -l)
bytes=$(stat -c %s "$out")
duration=$(capinfos -u -M "$out" 2>/dev/null | sed -n 's/^Capture duration: *//p' || true)
echo
echo "Recorded $frames frames ($bytes bytes, pcapng, Ethernet, ${duration:-unknown duration}) on $cli_if in the" \
    "client namespace ($cli_v4, $cli_v6) talking to the server namespace ($srv_v4, $srv_v6): DNS A/AAAA/NXDOMAIN," \
    "HTTP GET and POST over IPv4, ping over IPv4 and IPv6, HTTP GET over IPv6, a refused TCP connect (RST)," \
    "a UDP datagram answered by ICMP port unreachable, and one TCP connection from the server to the client's" \
    "port 2222, plus the ARP and neighbour discovery they caused. Written to ${out#"$repo_root"/}."
