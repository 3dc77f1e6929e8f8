#!/usr/bin/env python3
"""A tiny DNS server and client for the README's callout demo (standard library only).

  dns-tool.py serve ADDR [PORT]       answer every A question with 192.0.2.80 (TTL 60) until killed
  dns-tool.py query NAME SERVER [PORT] print "NAME -> ADDRESS", or "NAME: NXDOMAIN" (exit 1), or a timeout (exit 2)
"""
import socket
import struct
import sys
import time


def encode(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"


def serve(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        q, peer = s.recvfrom(512)
        end = 12
        while q[end] != 0:
            end += q[end] + 1
        question = q[12:end + 5]
        answer = b"\xc0\x0c\x00\x01\x00\x01" + struct.pack(">IH", 60, 4) + socket.inet_aton("192.0.2.80")
        s.sendto(q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question + answer, peer)


def query(name, server, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    started = time.monotonic()
    s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + encode(name) + b"\x00\x01\x00\x01", (server, port))
    try:
        r = s.recv(512)
    except socket.timeout:
        print(f"{name}: no answer within 2 s")
        return 2
    ms = (time.monotonic() - started) * 1000
    if r[3] & 0x0F == 3:
        print(f"{name}: NXDOMAIN ({ms:.1f} ms)")
        return 1
    print(f"{name} -> {socket.inet_ntoa(r[-4:])} ({ms:.1f} ms)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 53)
    elif len(sys.argv) >= 4 and sys.argv[1] == "query":
        sys.exit(query(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 53))
    else:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(64)
