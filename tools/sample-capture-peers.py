#!/usr/bin/env python3
"""Traffic peers for tools/record-sample-capture.sh (Python standard library only).

The recording script runs each subcommand inside one of its throwaway network namespaces:

  http-server PORT            HTTP on [::]:PORT (IPv4 and IPv6): GET / and POST /submit
  dns-server PORT             DNS on UDP [::]:PORT: www.example.test -> A 10.77.0.2 / AAAA fd77::2, else NXDOMAIN
  dns-query SERVER NAME TYPE ID
                              one query (TYPE A or AAAA, fixed transaction ID), prints the answer
  tcp-listen PORT             accepts ONE IPv4 connection on PORT, sends "hi\\n", closes after the peer does, exits
  tcp-connect HOST PORT       connects, reads one line, prints it, closes
  tcp-refused HOST PORT       connects to a closed port; succeeds only if the connection is refused (RST)
  udp-refused HOST PORT       sends one datagram to a closed port; succeeds only if ICMP port unreachable comes back

Every client call has a short timeout; the servers run until the recording script kills them.
"""

import http.server
import ipaddress
import socket
import socketserver
import struct
import sys

TIMEOUT = 3.0

ZONE = {
    ("www.example.test", 1): ipaddress.IPv4Address("10.77.0.2").packed,
    ("www.example.test", 28): ipaddress.IPv6Address("fd77::2").packed,
}
KNOWN_NAMES = {name for name, _ in ZONE}
QTYPES = {"A": 1, "AAAA": 28}


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- HTTP

class SampleHandler(http.server.BaseHTTPRequestHandler):
    server_version = "OpenWfpSample/1"
    wbufsize = -1  # buffered: the status line, headers and body leave in one write (one TCP segment)

    def handle(self):
        super().handle()  # one request (HTTP/1.0 replies close the connection); the response is flushed
        # Wait for the client to close its side before closing ours, so the FIN order (client first) is the same
        # in every recording.
        self.connection.settimeout(TIMEOUT)
        try:
            while self.connection.recv(4096):
                pass
        except OSError:
            pass

    def version_string(self):  # the Server header: no Python version
        return self.server_version

    def do_GET(self):
        if self.path == "/":
            self.reply(200, b"Hello from the OpenWfp sample server.\n")
        else:
            self.reply(404, b"Not found.\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if self.path == "/submit":
            self.reply(200, f"Received {len(body)} bytes.\n".encode("ascii"))
        else:
            self.reply(404, b"Not found.\n")

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        log("http-server: %s %s" % (self.client_address[0], fmt % args))


class DualStackHTTPServer(http.server.HTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        # TCPServer.server_bind, not HTTPServer's: that one calls getfqdn(), which may send a DNS query.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "sample-server"
        self.server_port = self.server_address[1]


def http_server(port):
    with DualStackHTTPServer(("::", int(port)), SampleHandler) as server:
        log(f"http-server: listening on [::]:{port}")
        server.serve_forever()


# ---------------------------------------------------------------- DNS

def encode_name(name):
    out = bytearray()
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise ValueError(f"bad label in {name!r}")
        out += bytes([len(raw)]) + raw
    return bytes(out + b"\x00")


def decode_question(message):
    """Returns (name, qtype, qclass, end offset) of the first question; no compression in questions."""
    labels, pos = [], 12
    while True:
        length = message[pos]
        pos += 1
        if length == 0:
            break
        if length & 0xC0:
            raise ValueError("compressed question name")
        labels.append(message[pos:pos + length].decode("ascii").lower())
        pos += length
    qtype, qclass = struct.unpack_from("!HH", message, pos)
    return ".".join(labels), qtype, qclass, pos + 4


def dns_answer(query):
    if len(query) < 12:
        return None
    ident, flags, qdcount = struct.unpack_from("!HHH", query, 0)
    if flags & 0x8000 or qdcount != 1:  # a response, or not exactly one question
        return None
    name, qtype, qclass, end = decode_question(query)
    question = query[12:end]
    rd = flags & 0x0100
    opcode = flags & 0x7800
    answers = b""
    ancount = 0
    if name in KNOWN_NAMES:
        rcode = 0
        rdata = ZONE.get((name, qtype))
        if rdata is not None and qclass == 1:
            # name = pointer to the question (offset 12), type, class IN, TTL 60, rdata
            answers = struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata
            ancount = 1
    else:
        rcode = 3  # NXDOMAIN
    reply_flags = 0x8000 | opcode | 0x0400 | rd | rcode  # QR, AA
    header = struct.pack("!HHHHHH", ident, reply_flags, 1, ancount, 0, 0)
    return header + question + answers


def dns_server(port):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", int(port)))
    log(f"dns-server: listening on [::]:{port}/udp")
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            reply = dns_answer(data)
        except (ValueError, IndexError, struct.error) as error:
            log(f"dns-server: ignoring malformed query from {peer[0]}: {error}")
            continue
        if reply is not None:
            sock.sendto(reply, peer)


def dns_query(server, name, qtype_name, ident):
    qtype = QTYPES[qtype_name.upper()]
    ident = int(ident, 0)
    query = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + encode_name(name) + struct.pack("!HH", qtype, 1)
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.connect((server, 53))
        sock.send(query)
        reply = sock.recv(4096)
    rident, flags, _, ancount = struct.unpack_from("!HHHH", reply, 0)
    if rident != ident:
        raise SystemExit(f"dns-query: reply ID {rident:#x} does not match {ident:#x}")
    rcode = flags & 0x000F
    _, _, _, pos = decode_question(reply)
    addresses = []
    for _ in range(ancount):
        pos += 2  # compressed name pointer (our server always writes one)
        rtype, _, _, rdlength = struct.unpack_from("!HHIH", reply, pos)
        pos += 10
        rdata = reply[pos:pos + rdlength]
        pos += rdlength
        if rtype in (1, 28):
            addresses.append(str(ipaddress.ip_address(rdata)))
    status = {0: "NOERROR", 3: "NXDOMAIN"}.get(rcode, f"rcode {rcode}")
    print(f"dns-query: {name} {qtype_name.upper()} -> {status} {' '.join(addresses)}".rstrip())


# ---------------------------------------------------------------- TCP / UDP

def tcp_listen(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("0.0.0.0", int(port)))
        listener.listen(1)
        log(f"tcp-listen: listening on 0.0.0.0:{port}")
        conn, peer = listener.accept()
        with conn:
            log(f"tcp-listen: connection from {peer[0]}:{peer[1]}")
            conn.sendall(b"hi\n")
            # The connecting side closes first (after reading the line); then we close. Same FIN order every time.
            conn.settimeout(TIMEOUT)
            while conn.recv(4096):
                pass


def tcp_connect(host, port):
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        received = b""
        while not received.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    print(f"tcp-connect: {host}:{port} said {received!r}")


def tcp_refused(host, port):
    try:
        with socket.create_connection((host, int(port)), timeout=TIMEOUT):
            pass
    except ConnectionRefusedError:
        print(f"tcp-refused: {host}:{port} refused the connection (RST), as expected")
        return
    raise SystemExit(f"tcp-refused: {host}:{port} did not refuse the connection")


def udp_refused(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.connect((host, int(port)))
        sock.send(b"anyone there?\n")
        try:
            sock.recv(4096)
        except ConnectionRefusedError:
            print(f"udp-refused: {host}:{port} answered ICMP port unreachable, as expected")
            return
        except socket.timeout:
            raise SystemExit(f"udp-refused: no ICMP error from {host}:{port} within {TIMEOUT}s")
    raise SystemExit(f"udp-refused: {host}:{port} answered with data")


COMMANDS = {
    "http-server": (http_server, 1),
    "dns-server": (dns_server, 1),
    "dns-query": (dns_query, 4),
    "tcp-listen": (tcp_listen, 1),
    "tcp-connect": (tcp_connect, 2),
    "tcp-refused": (tcp_refused, 2),
    "udp-refused": (udp_refused, 2),
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS or len(argv) - 2 != COMMANDS[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    COMMANDS[argv[1]][0](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
