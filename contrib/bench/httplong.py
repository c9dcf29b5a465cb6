#!/usr/bin/env python3
"""contrib/bench/httplong.py: a capture of long HTTP/1.1 keep-alive connections with large bodies.

genpcap.py's mix is many short conversations; this one is the other shape of a SPAN port: a few
thousand long connections (browsers and download clients on keep-alive), each carrying several
GET request / 200 response pairs whose bodies are tens of KB to a few MB, so nearly every byte is
a response body (hashed, kept up to the inspection depth, searched by rules).

  * --connections (default 3000) TCP connections, each: three-way handshake, 1 to 8 transactions
    (GET with Host, User-Agent, Accept; 200 with Content-Type, Content-Length, Server), FIN
    both ways. Body sizes are drawn log-normally (median ~64 KB, capped at 4 MB) and scaled so
    that the file reaches about --size (default 434M).
  * Bodies are HTML-like text (text/html, from a fixed word list) or bytes (application/
    octet-stream, image/jpeg), from a seeded generator: same options give the same file.
  * Response bodies go in 1448-byte segments (1500-byte IP packets); the client ACKs every
    second segment. Up to --concurrency (default 300) connections are in flight at once, one
    packet from each in turn.
  * Clients 10.1.0.1 upward (one address per connection), servers 198.51.100.1-40 port 80.
    IPv4 and TCP checksums are correct. Timestamps advance at 1 Gbit/s of wire time.

Standard library only; classic little-endian pcap, microsecond timestamps, Ethernet.

usage: httplong.py [-o FILE] [--size 434M] [--connections 3000] [--concurrency 300] [--seed 1]
"""

import argparse
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from genpcap import csum_sum as csum, parse_size  # noqa: E402

MSS = 1448
ETH = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
ETH_R = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
WORDS = (
    "the of and to in is you that it he was for on are as with his they at be this have from or "
    "one had by word but not what all were we when your can said there use an each which she do "
    "how their if will up other about out many then them these so some her would make like him "
    "into time has look two more write go see number no way could people my than first water "
    "been call who oil its now find long down day did get come made may part"
).split()


class Conn:
    def __init__(self, n, rng, scale):
        self.cli = bytes([10, 1, (n >> 8) & 0xFF, n & 0xFF]) if n < 65000 else bytes(
            [10, 2 + (n >> 16), (n >> 8) & 0xFF, n & 0xFF])
        self.srv = bytes([198, 51, 100, 1 + n % 40])
        self.cport = 20000 + (n * 7) % 40000
        self.cseq = rng.getrandbits(32)
        self.sseq = rng.getrandbits(32)
        self.rng = rng
        self.scale = scale
        self.ntx = rng.randint(1, 8)
        self.gen = self.packets()

    def seg(self, to_srv, flags, payload=b""):
        if to_srv:
            src, dst, sp, dp, seq, ack = self.cli, self.srv, self.cport, 80, self.cseq, self.sseq
            self.cseq = (self.cseq + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF
        else:
            src, dst, sp, dp, seq, ack = self.srv, self.cli, 80, self.cport, self.sseq, self.cseq
            self.sseq = (self.sseq + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack if flags != 0x02 else 0, 5 << 4, flags,
                          65535, 0, 0)
        plen = 20 + len(payload)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, plen)
        c = csum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", (~c) & 0xFFFF) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + plen, 0, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", (~csum(ip)) & 0xFFFF) + ip[12:]
        return (ETH if to_srv else ETH_R) + ip + tcp + payload

    def body(self, size, kind):
        rng = self.rng
        if kind == "text/html":
            parts, n = [b"<html><body>\n"], 13
            while n < size:
                line = ("<p>" + " ".join(rng.choice(WORDS) for _ in range(14)) + "</p>\n").encode()
                parts.append(line)
                n += len(line)
            return b"".join(parts)[:size]
        return rng.randbytes(size)

    def packets(self):
        rng = self.rng
        yield self.seg(True, 0x02)
        yield self.seg(False, 0x12)
        yield self.seg(True, 0x10)
        for i in range(self.ntx):
            kind = rng.choice(("text/html", "application/octet-stream", "image/jpeg"))
            size = min(int(rng.lognormvariate(11.0, 1.2) * self.scale), 4 << 20)
            path = "/%s/%d/%s" % (rng.choice(WORDS), rng.randrange(1 << 20),
                                  "index.html" if kind == "text/html" else
                                  "blob.bin" if kind.startswith("application") else "photo.jpg")
            req = ("GET %s HTTP/1.1\r\nHost: www.example%d.com\r\nUser-Agent: Mozilla/5.0 "
                   "(X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\nAccept: */*\r\n"
                   "Connection: keep-alive\r\n\r\n" % (path, self.cport % 97)).encode()
            yield self.seg(True, 0x18, req)
            hdr = ("HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: %s\r\n"
                   "Content-Length: %d\r\nConnection: keep-alive\r\n\r\n" % (kind, size)).encode()
            data = hdr + self.body(size, kind)
            k = 0
            for off in range(0, len(data), MSS):
                chunk = data[off : off + MSS]
                yield self.seg(False, 0x18 if off + MSS >= len(data) else 0x10, chunk)
                k += 1
                if k % 2 == 0 or off + MSS >= len(data):
                    yield self.seg(True, 0x10)
        yield self.seg(True, 0x11)
        yield self.seg(False, 0x11)
        yield self.seg(True, 0x10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--size", default="434M", type=parse_size)
    ap.add_argument("--connections", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    # mean of lognormal(11, 1.2) is e^(11 + 0.72) ~ 123 KB before the cap; ~4.5 transactions
    scale = a.size / (a.connections * 4.5 * 123000.0)
    rng = random.Random(a.seed)
    tmp = a.output + ".tmp"
    ts_us = 1700000000 * 1000000
    npk = 0
    with open(tmp, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        pending = list(range(a.connections))
        pending.reverse()
        active = []
        while pending or active:
            while pending and len(active) < a.concurrency:
                active.append(Conn(pending.pop(), random.Random(rng.getrandbits(64)), scale))
            still = []
            out = []
            for c in active:
                p = next(c.gen, None)
                if p is None:
                    continue
                still.append(c)
                out.append(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(p),
                                       len(p)) + p)
                ts_us += (len(p) + 24) * 8 // 1000 or 1
                npk += 1
            f.write(b"".join(out))
            active = still
    os.replace(tmp, a.output)
    print("%s: %d packets, %d connections, %d bytes" % (a.output, npk, a.connections,
                                                        os.path.getsize(a.output)))


if __name__ == "__main__":
    main()
