#!/usr/bin/env python3
"""Crafted pcaps for the rule keyword tests (tests/detect/keywords/, called by record.sh).

Usage:
    craft_rules.py OUTDIR           write rules-http.pcap and rules-http14.pcap into OUTDIR

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

rules-http14.pcap (issue 14: the HTTP buffers, base64 in a body, app-layer events), one
transaction per connection, each handshake / request / response / FIN as above:
  40200 -> 80   GET /landing.php?id=1 with Accept, Accept-Encoding, Accept-Language, Referer,
                Connection; 302 from "Apache/2.4.1 (craft)" with a Location to payload.exe
  40201 -> 80   POST /gate.php, a form body "data=" + base64 of "hello world from craft";
                HTTP/1.0 200 from nginx, body "ok"
  40202 -> 80   POST /smuggle with Content-Length and Transfer-Encoding: chunked (te_and_cl)
  40203 -> 80   GET /lf whose header lines end in a bare LF, one of them folded
  40204 -> 80   GET /odd with "X-Spaced : 1" and a line without a colon; a chunked answer whose
                chunk has an extension
  40205 -> 80   GET /twice answered with Content-Length: 2 twice
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


TXNS14 = [
    (b"GET /landing.php?id=1 HTTP/1.1\r\n"
     b"Host: crafted.example\r\n"
     b"User-Agent: Mozilla/5.0 (craft)\r\n"
     b"Accept: text/html\r\n"
     b"Accept-Encoding: gzip, deflate\r\n"
     b"Accept-Language: en-US,en;q=0.5\r\n"
     b"Referer: http://ref.example/start.html\r\n"
     b"Connection: keep-alive\r\n"
     b"\r\n",
     b"HTTP/1.1 302 Found\r\n"
     b"Server: Apache/2.4.1 (craft)\r\n"
     b"Location: http://dl.example/payload.exe\r\n"
     b"Content-Length: 0\r\n"
     b"\r\n"),
    (b"POST /gate.php HTTP/1.1\r\n"
     b"Host: c2.example\r\n"
     b"Content-Type: application/x-www-form-urlencoded\r\n"
     b"Content-Length: 37\r\n"
     b"Connection: close\r\n"
     b"\r\n"
     b"data=aGVsbG8gd29ybGQgZnJvbSBjcmFmdA==",
     b"HTTP/1.0 200 OK\r\n"
     b"Server: nginx\r\n"
     b"Content-Type: text/plain\r\n"
     b"Content-Length: 2\r\n"
     b"\r\n"
     b"ok"),
    (b"POST /smuggle HTTP/1.1\r\n"
     b"Host: crafted.example\r\n"
     b"Content-Length: 5\r\n"
     b"Transfer-Encoding: chunked\r\n"
     b"\r\n"
     b"0\r\n\r\n",
     b"HTTP/1.1 200 OK\r\n"
     b"Content-Length: 2\r\n"
     b"\r\n"
     b"ok"),
    (b"GET /lf HTTP/1.1\n"
     b"Host: crafted.example\n"
     b"X-Fold: a\n"
     b" b\n"
     b"\n",
     b"HTTP/1.1 200 OK\r\n"
     b"Content-Length: 2\r\n"
     b"\r\n"
     b"ok"),
    (b"GET /odd HTTP/1.1\r\n"
     b"Host: crafted.example\r\n"
     b"X-Spaced : 1\r\n"
     b"no colon on this line\r\n"
     b"\r\n",
     b"HTTP/1.1 200 OK\r\n"
     b"Transfer-Encoding: chunked\r\n"
     b"\r\n"
     b"2;ext=1\r\nok\r\n0\r\n\r\n"),
    (b"GET /twice HTTP/1.1\r\n"
     b"Host: crafted.example\r\n"
     b"\r\n",
     b"HTTP/1.1 200 OK\r\n"
     b"Content-Length: 2\r\n"
     b"Content-Length: 2\r\n"
     b"\r\n"
     b"ok"),
]


def one_txn(cp, sp, request, response):
    ci, si = 1000, 5000
    q, r = len(request), len(response)
    return [
        c2s(cp, sp, "S", ci, 0),
        s2c(cp, sp, "SA", si, ci + 1),
        c2s(cp, sp, "A", ci + 1, si + 1),
        c2s(cp, sp, "PA", ci + 1, si + 1, request),
        s2c(cp, sp, "A", si + 1, ci + 1 + q),
        s2c(cp, sp, "PA", si + 1, ci + 1 + q, response),
        c2s(cp, sp, "A", ci + 1 + q, si + 1 + r),
        c2s(cp, sp, "FA", ci + 1 + q, si + 1 + r),
        s2c(cp, sp, "FA", si + 1 + r, ci + 2 + q),
        c2s(cp, sp, "A", ci + 2 + q, si + 2 + r),
    ]


def rules_http14():
    frames = []
    for i, (request, response) in enumerate(TXNS14):
        frames += one_txn(40200 + i, 80, request, response)
    return frames


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_pcap(os.path.join(out, "rules-http.pcap"), rules_http())
    write_pcap(os.path.join(out, "rules-http14.pcap"), rules_http14())


if __name__ == "__main__":
    main()
