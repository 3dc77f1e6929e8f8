#!/usr/bin/env bash
# OpenWfp live demo: wfpd filters real traffic between two throw-away network namespaces.
#
#   samples/live-demo.sh                            (as root: namespaces and netfilter need CAP_NET_ADMIN;
#                                                    with sudo: sudo env "PATH=$PATH" samples/live-demo.sh)
#   samples/live-demo.sh                            (not root: says so and runs the offline replay instead)
#
# What it does, in order (everything it creates is removed on exit, even on Ctrl-C):
#   1. builds wfpd and wfp (Release) into a temporary directory;
#   2. creates namespaces owfp-demo-client (10.77.0.1, fd77::1) and owfp-demo-server (10.77.0.2, fd77::2) joined by
#      a veth pair, and starts an HTTP server, a small DNS server and an echo port in the server namespace;
#   3. starts wfpd in the client namespace and applies samples/replay-policy.json — the very policy the offline replay
#      uses — so wfpd installs its OPENWFP-* chains in that namespace only;
#   4. follows the drops with `wfp events --follow` while it drives DNS, HTTP, a blocked proxy port, UDP, ping and
#      IPv6 traffic from the client namespace, printing what each attempt did;
#   5. stops wfpd (its rules go with it) and deletes the namespaces.
# Nothing outside the two namespaces is changed.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [[ $(id -u) -ne 0 ]]; then
    echo "The live demo needs root: it creates network namespaces and netfilter rules inside them."
    echo "Run it as root, or with sudo: sudo env \"PATH=\$PATH\" samples/live-demo.sh"
    echo "Meanwhile, here is the same policy on a recorded capture (offline replay, no root needed):"
    echo
    exec dotnet run --project src/OpenWfp.Cli -- replay
fi

missing=()
for tool in ip iptables-nft ip6tables-nft iptables-nft-restore python3 dotnet; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "live-demo: missing ${missing[*]} — on Debian: apt-get install -y iproute2 iptables python3 (and the .NET 10 SDK for dotnet)" >&2
    exit 1
fi

work="$(mktemp -d /tmp/openwfp-demo.XXXXXX)"
client=owfp-demo-client
server=owfp-demo-server
pids=()
cleanup() {
    set +e
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    [[ -n "${wfpd_pid:-}" ]] && kill -TERM "$wfpd_pid" 2>/dev/null && wait "$wfpd_pid" 2>/dev/null
    ip netns del "$client" 2>/dev/null
    ip netns del "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Building wfpd and wfp (Release)"
dotnet build src/OpenWfp.Daemon -c Release --artifacts-path "$work/art" -v q -nologo >/dev/null
dotnet build src/OpenWfp.Cli -c Release --artifacts-path "$work/art" -v q -nologo >/dev/null
wfpd="$work/art/bin/OpenWfp.Daemon/release/wfpd.dll"
wfp() { dotnet "$work/art/bin/OpenWfp.Cli/release/wfp.dll" "$@" --socket "$work/bfe.sock"; }

step "Creating namespaces $client (10.77.0.1, fd77::1) and $server (10.77.0.2, fd77::2)"
ip netns del "$client" 2>/dev/null || true
ip netns del "$server" 2>/dev/null || true
ip netns add "$client"
ip netns add "$server"
ip -n "$client" link add veth0 type veth peer name veth1 netns "$server"
for ns in "$client" "$server"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
    ip -n "$ns" link set lo up
done
ip -n "$client" addr add 10.77.0.1/24 dev veth0
ip -n "$client" addr add fd77::1/64 dev veth0 nodad
ip -n "$server" addr add 10.77.0.2/24 dev veth1
ip -n "$server" addr add fd77::2/64 dev veth1 nodad
ip -n "$client" link set veth0 up
ip -n "$server" link set veth1 up

# Server side: HTTP on 80 and 8080 (IPv4 and IPv6), DNS on 53 and an echo on UDP 9999.
ip netns exec "$server" python3 - <<'PY' >"$work/server.log" 2>&1 &
import http.server, socket, socketserver, struct, threading
class V6(socketserver.ThreadingMixIn, http.server.HTTPServer):
    address_family = socket.AF_INET6
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); super().server_bind()
class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'hello from the server namespace\n'
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
for port in (80, 8080):
    threading.Thread(target=V6(('::', port), Hello).serve_forever, daemon=True).start()
def dns():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 53))
    while True:
        q, a = s.recvfrom(512)
        # Answer every A question with 10.77.0.2 (header, the question, one answer pointing at it).
        end = 12
        while q[end] != 0: end += q[end] + 1
        question = q[12:end + 5]
        r = q[:2] + b'\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00' + question
        r += b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04' + socket.inet_aton('10.77.0.2')
        s.sendto(r, a)
def echo():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 9999))
    while True:
        d, a = s.recvfrom(2048); s.sendto(d, a)
threading.Thread(target=dns, daemon=True).start()
threading.Thread(target=echo, daemon=True).start()
threading.Event().wait()
PY
pids+=($!)

step "Starting wfpd in $client and applying samples/replay-policy.json"
ip netns exec "$client" dotnet "$wfpd" --state-dir "$work/state" --socket "$work/bfe.sock" >"$work/wfpd.log" 2>&1 &
wfpd_pid=$!
for _ in $(seq 1 300); do [[ -S "$work/bfe.sock" ]] && break; sleep 0.1; done
[[ -S "$work/bfe.sock" ]] || { echo "wfpd did not start:"; cat "$work/wfpd.log"; exit 1; }
wfp apply samples/replay-policy.json
echo "wfpd's rules in $client:"
ip netns exec "$client" iptables-nft -t mangle -S | grep OPENWFP | sed 's/^/  /' || true

step "Following drops live (wfp events --follow) while the client namespace makes connections"
dotnet "$work/art/bin/OpenWfp.Cli/release/wfp.dll" events --follow --socket "$work/bfe.sock" > >(sed -u 's/^/  [event] /') 2>&1 &
pids+=($!)
sleep 1

try() { # label, then a command run in the client namespace
    local label=$1; shift
    if ip netns exec "$client" timeout 4 "$@" >/dev/null 2>&1; then
        printf '  %-52s \033[32mpermitted\033[0m\n' "$label"
    else
        printf '  %-52s \033[31mblocked\033[0m\n' "$label"
    fi
    sleep 0.3
}
try "DNS query to 10.77.0.2:53 (hard permit, Admin)"   python3 -c "import socket;s=socket.socket(2,2);s.settimeout(2);s.sendto(bytes.fromhex('123401000001000000000000076578616d706c6503636f6d0000010001'),('10.77.0.2',53));s.recv(512)"
try "HTTP GET http://10.77.0.2/ (Allow web)"           python3 -c "import urllib.request;urllib.request.urlopen('http://10.77.0.2/',timeout=2).read()"
try "HTTP GET http://10.77.0.2:8080/ (proxy port)"     python3 -c "import urllib.request;urllib.request.urlopen('http://10.77.0.2:8080/',timeout=2).read()"
try "UDP to 10.77.0.2:9999 (Block other UDP)"         python3 -c "import socket;s=socket.socket(2,2);s.settimeout(2);s.sendto(b'hi',('10.77.0.2',9999));s.recv(10)"
try "ping 10.77.0.2"                                    ping -c 1 -W 2 10.77.0.2
try "ping -6 fd77::2 (Allow ping)"                      ping -6 -c 1 -W 2 fd77::2
try "HTTP GET http://[fd77::2]/ (Block HTTP over IPv6)" python3 -c "import urllib.request;urllib.request.urlopen('http://[fd77::2]/',timeout=2).read()"
# Inbound: something listens on the client's port 2222, and the server namespace tries to connect to it.
ip netns exec "$client" python3 -c "import socket;s=socket.socket();s.bind(('0.0.0.0',2222));s.listen();s.accept()" >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
if ip netns exec "$server" timeout 4 python3 -c "import socket;socket.create_connection(('10.77.0.1',2222),timeout=2)" >/dev/null 2>&1; then
    printf '  %-52s \033[32mpermitted\033[0m\n' "inbound TCP from 10.77.0.2 to :2222"
else
    printf '  %-52s \033[31mblocked\033[0m\n' "inbound TCP to :2222 (No inbound services)"
fi
sleep 1

step "Stopping wfpd (SIGTERM): it removes its rules"
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
pids=()
kill -TERM "$wfpd_pid"; wait "$wfpd_pid" || true; wfpd_pid=
grep -E "data plane|rules" "$work/wfpd.log" | sed 's/^/  /' || true
left=$(ip netns exec "$client" iptables-nft -t mangle -S | grep -c OPENWFP || true)
echo "  OPENWFP rules left in $client: $left"
step "Done: namespaces and files are removed on exit"
