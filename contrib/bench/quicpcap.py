#!/usr/bin/env python3
"""contrib/bench/quicpcap.py: a capture of many QUIC handshakes, to measure the cost of one.

Replays the connections of pcaps/quic-handshakes.pcap (nine ngtcp2 handshakes: v1 and
draft-29, hellos over two Initials, a Retry, 0-RTT) COPIES times, each copy from its own client
address (10.0.0.0/8; the server side keeps 127.0.0.1), so every copy is a new flow whose
Initial keys are derived and whose Initials are decrypted again. The connection IDs are those
of the recording (the parser keeps no key cache, so they cost the same). Copies follow each
other 1 ms apart; IPv4 header checksums are recomputed, UDP checksums set to 0 (none).

usage: contrib/bench/quicpcap.py [--copies N] [--in PCAP] OUT.pcap
Standard library only; the same arguments give a byte-identical file.
"""
import argparse
import struct

SERVER_PORTS = (18444, 18445, 18446)


def ip_checksum(h):
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=2000)
    ap.add_argument("--in", dest="inp", default="pcaps/quic-handshakes.pcap")
    ap.add_argument("out")
    a = ap.parse_args()
    with open(a.inp, "rb") as f:
        gh = f.read(24)
        e = "<" if gh[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        pkts = []
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            sec, usec, incl, orig = struct.unpack(e + "IIII", h)
            pkts.append((sec * 1000000 + usec, f.read(incl)))
    t0 = pkts[0][0]
    span = pkts[-1][0] - t0 + 1000
    with open(a.out, "wb") as o:
        o.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(a.copies):
            client = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255 or 1])
            for ts, p in pkts:
                if len(p) < 42 or p[12:14] != b"\x08\x00":
                    continue
                ihl = (p[14] & 15) * 4
                ip = bytearray(p[14:14 + ihl])
                udp = bytearray(p[14 + ihl:])
                sport = struct.unpack("!H", udp[:2])[0]
                if sport in SERVER_PORTS:
                    ip[16:20] = client
                else:
                    ip[12:16] = client
                ip[10:12] = b"\0\0"
                ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
                udp[6:8] = b"\0\0"
                frame = p[:14] + bytes(ip) + bytes(udp)
                t = 1700000000 * 1000000 + i * span + (ts - t0)
                o.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)))
                o.write(frame)


if __name__ == "__main__":
    main()
