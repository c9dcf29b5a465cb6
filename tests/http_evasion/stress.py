#!/usr/bin/env python3
"""Crafted HTTP stress captures for the parser's memory bounds (tests/http_evasion/stress.sh).

Usage:
    stress.py OUTDIR        writes bomb.pcap, headers.pcap, chunks.pcap (~20 MB, ~3 s)

Deterministic, built with pcaps/craft_stream.py's packet writer (10.0.0.1 -> 10.0.0.2:80, one
client port per case, 16000-byte segments, each acknowledged):
  * bomb.pcap (port 42000): GET /bomb, a 200 with Content-Encoding: gzip and Content-Length,
    the body a gzip of 1 GiB of zeros (about 1 MB on the wire); port 42001: GET /bomb2,
    Content-Encoding: gzip, gzip, that gzip compressed again (a few KB on the wire).
  * headers.pcap (port 42010): GET /headers, a 200 whose header block is 10 MiB (10240
    headers of 1 KiB), then Content-Length: 2 and "ok"; port 42011: the same 10 MiB block in a
    request's headers, answered by a 200 with "ok".
  * chunks.pcap (port 42020): GET /chunks, a chunked 200 whose 1,000,000 chunks carry one
    byte each: the body is CHUNK_BODY (byte i = (7 i + 3) mod 256), its SHA-256 CHUNK_SHA256.
"""

import hashlib
import os
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pcaps"))
from craft_stream import ACK, Conn, Pcap  # noqa: E402

SEG = 16000
CHUNKS = 1000000
CHUNK_BODY = bytes((7 * i + 3) & 0xFF for i in range(CHUNKS))
CHUNK_SHA256 = hashlib.sha256(CHUNK_BODY).hexdigest()
BOMB_SIZE = 1 << 30


def exchange(p, port, request, response):
    """handshake, the request, the response in SEG-byte segments (each acknowledged), FINs"""
    c = Conn(p, port)
    c.handshake()
    for off in range(0, len(request), SEG):
        c.cdata(off, request[off:off + SEG])
        c.s_ack = min(off + SEG, len(request))
        c.s(ACK, c.sseq(0))
    for off in range(0, len(response), SEG):
        c.sdata(off, response[off:off + SEG])
        c.c_ack = min(off + SEG, len(response))
        c.c(ACK, c.cseq(len(request)))
    c.close(len(request), len(response))


def gzip_zeros(n):
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    out = [z.compress(block) for _ in range(n >> 20)]
    out.append(z.flush())
    return b"".join(out)


def get(path):
    return b"GET %s HTTP/1.1\r\nHost: stress.example\r\nAccept-Encoding: gzip\r\n\r\n" % path


def big_headers():
    return b"".join(b"X-Pad-%05d: %s\r\n" % (i, b"a" * 1010) for i in range(10240))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    p = Pcap(os.path.join(out, "bomb.pcap"))
    body = gzip_zeros(BOMB_SIZE)
    exchange(p, 42000, get(b"/bomb"),
             b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
             b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    nested = inner.compress(body) + inner.flush()
    exchange(p, 42001, get(b"/bomb2"),
             b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
             b"Content-Encoding: gzip, gzip\r\nContent-Length: %d\r\n\r\n" % len(nested) + nested)
    p.close()

    p = Pcap(os.path.join(out, "headers.pcap"))
    exchange(p, 42010, get(b"/headers"),
             b"HTTP/1.1 200 OK\r\n" + big_headers() + b"Content-Length: 2\r\n\r\nok")
    exchange(p, 42011, get(b"/request-headers")[:-2] + big_headers() + b"\r\n",
             b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    p.close()

    p = Pcap(os.path.join(out, "chunks.pcap"))
    exchange(p, 42020, get(b"/chunks"),
             b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
             b"".join(b"1\r\n" + CHUNK_BODY[i:i + 1] + b"\r\n" for i in range(CHUNKS)) +
             b"0\r\n\r\n")
    p.close()


if __name__ == "__main__":
    main()
