#!/usr/bin/env python3
"""Crafted pcaps for the rule keyword tests (tests/detect/keywords/, called by record.sh).

Usage:
    craft_rules.py OUTDIR           write rules-http.pcap into OUTDIR

What no recorded capture has: HTTP cookies (http.cookie, http_cookie) and TCP flag
combinations with the ECN bits (flags with a mask).  Same conventions as craft.py:
fixed addresses (10.0.0.1 client, 10.0.0.2 server), ports and sequence numbers,
timestamps 1700000000.000000 + 1 ms per packet, classic little-endian pcap written by
hand, byte-identical on every run.

rules-http.pcap:
  40100 -> 80   handshake, "GET /cookie" with a Cookie header, 200 with Set-Cookie and a
                2-byte body "ok", FIN/FIN/ACK (one HTTP transaction)
  40101 -> 80   SYN with ECE and CWR set (an ECN setup SYN), SYN/ACK with ECE, RST from
                the client
"""

import os
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import Ether, IP, TCP, Raw  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import write_pcap, MAC_C, MAC_S, V4_C, V4_S  # noqa: E402

REQUEST = (b"GET /cookie HTTP/1.1\r\n"
           b"Host: crafted.example\r\n"
           b"User-Agent: craft/1.0\r\n"
           b"Cookie: session=abc123; theme=dark\r\n"
           b"\r\n")
RESPONSE = (b"HTTP/1.1 200 OK\r\n"
            b"Content-Type: text/plain\r\n"
            b"Set-Cookie: id=42; Path=/\r\n"
            b"Content-Length: 2\r\n"
            b"\r\n"
            b"ok")


def c2s(sport, dport, flags, seq, ack, data=b""):
    p = Ether(src=MAC_C, dst=MAC_S) / IP(src=V4_C, dst=V4_S, id=1) / \
        TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=65535)
    return p / Raw(data) if data else p


def s2c(sport, dport, flags, seq, ack, data=b""):
    p = Ether(src=MAC_S, dst=MAC_C) / IP(src=V4_S, dst=V4_C, id=1) / \
        TCP(sport=dport, dport=sport, flags=flags, seq=seq, ack=ack, window=65535)
    return p / Raw(data) if data else p


def rules_http():
    cp, sp = 40100, 80
    ci, si = 1000, 5000
    q, r = len(REQUEST), len(RESPONSE)
    frames = [
        c2s(cp, sp, "S", ci, 0),
        s2c(cp, sp, "SA", si, ci + 1),
        c2s(cp, sp, "A", ci + 1, si + 1),
        c2s(cp, sp, "PA", ci + 1, si + 1, REQUEST),
        s2c(cp, sp, "A", si + 1, ci + 1 + q),
        s2c(cp, sp, "PA", si + 1, ci + 1 + q, RESPONSE),
        c2s(cp, sp, "A", ci + 1 + q, si + 1 + r),
        c2s(cp, sp, "FA", ci + 1 + q, si + 1 + r),
        s2c(cp, sp, "FA", si + 1 + r, ci + 2 + q),
        c2s(cp, sp, "A", ci + 2 + q, si + 2 + r),
    ]
    cp = 40101
    frames += [
        c2s(cp, sp, "SEC", 7000, 0),
        s2c(cp, sp, "SAE", 9000, 7001),
        c2s(cp, sp, "R", 7001, 0),
    ]
    return frames


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_pcap(os.path.join(out, "rules-http.pcap"), rules_http())


if __name__ == "__main__":
    main()
