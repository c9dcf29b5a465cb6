#!/usr/bin/env python3
"""Crafted pcaps for the keywords of src/detect/detect_kw.c (tests/detect/keywords/kw-*.rules),
called by record.sh (step crafted-kw).

Usage:
    craft_kw.py OUTDIR         write rules-kw.pcap and stream-recur.pcap into OUTDIR

Same conventions as craft.py (fixed addresses 10.0.0.1 client, 10.0.0.2 server, 10.0.0.3 a
third host, fixed ports and sequence numbers, classic little-endian pcap written by hand,
byte-identical on every run), except that each packet has its own timestamp: xbits expiry
and tag windows are counted in seconds.

rules-kw.pcap (t = seconds after 1700000000):
  A  udp 10.0.0.1:40200 -> 10.0.0.2:7000   t 0.0 "XSET", 0.5 "XCHK", reply 0.8 "XPAIR",
                                          1.0 "XUNS", 2.5 "XCHK", 6.0 "XCHK"
  B  udp 10.0.0.1:40201 -> 10.0.0.2:7000   t 0.9 "XCHK2"           (same host, other flow)
  B' udp 10.0.0.3:40202 -> 10.0.0.2:7000   t 1.1 "XCHK2"           (another host)
  C  udp 10.0.0.1:40300 <-> 10.0.0.2:7100  t 10.000 "TAGME", then 7 packets alternating
                                          server/client every ms ("r1" "c2" "r3" "c4" "r5"
                                          "c6" "r7"), then 13.000 "c8", 13.001 "r9"
  D  udp 10.0.0.1:40301 <-> 10.0.0.2:7101  t 10.010 "TAGSECS", 10.011 "s1", 11.000 "s2",
                                          11.990 "s3", 12.020 "s4", 12.500 "s5", 13.002 "s6"
  J  udp 10.0.0.1:40800 <-> 10.0.0.2:7300  t 50.000 "TAGBYTES" (a 50-byte frame), then the
                                          server's "b1", "b2" from the client, "b3", "b4"
                                          one ms apart (44-byte frames)
  E  udp 10.0.0.3:40400 -> 10.0.0.2:7200   t 20.000 "HOSTTAG"
  F  udp 10.0.0.3:40401 <-> 10.0.0.2:7201  t 20.001 "g1", reply 20.002 "g2", 20.003 "g3",
                                          20.004 "g4"
  G  tcp 10.0.0.1:40500 -> 10.0.0.2:21     at t 30: handshake, "USER a\\r\\n",
                                          "PORT 10,0,0,1,156,64\\r\\n" (the client itself),
                                          each ACKed, FIN/FIN/ACK
  G' tcp 10.0.0.1:40501 -> 10.0.0.2:21     the same at t 31 with "PORT 192,0,2,9,0,80\\r\\n"
                                          (a bounce to another host)
  H  udp 10.0.0.1:40600 -> 10.0.0.2:161    t 40.000 a well-formed SEQUENCE { INTEGER 0,
                                          OCTET STRING "public" } (13 bytes);
                                          40.001 a BIT STRING of 2 bytes claiming 9 unused
                                          bits; 40.002 a SEQUENCE with a 4-byte length of
                                          65536 and 3 bytes of content; 40.003 a REAL of
                                          256 bytes in decimal encoding (first byte 0x00)

stream-recur.pcap: one HTTP/1.1-like TCP connection 10.0.0.1:40700 -> 10.0.0.2:8080 where a
  marker recurs across segments and ACK chunks (see tests/detect/keywords/stream-count.rules):
  the client sends 3 segments of 1000 bytes, each with "MARK" once, ACKed after the third;
  then 1 segment whose "MA" ends it and the next segment's "RK" starts (a marker split across
  segments); the server answers with 8 segments of 1400 bytes, each carrying "MARK" once,
  and the client ACKs every second one; then FIN/FIN/ACK.  Besides, the fifth server
  segment is sent twice (a retransmission of the same bytes).
"""

import os
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import Ether, IP, TCP, UDP, Raw  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import T0_US, MAC_C, MAC_S, V4_C, V4_S  # noqa: E402

V4_3 = "10.0.0.3"
MAC_3 = "02:00:00:00:00:03"


def write_pcap_ts(path, frames, snaplen=262144):
    """frames: list of (seconds after T0, packet)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        for t, fr in frames:
            data = bytes(fr)
            ts = T0_US + int(round(t * 1000000))
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(data), len(data)))
            f.write(data)
    print("  wrote %-22s %3d packets, linktype 1" % (os.path.basename(path), len(frames)))


def udp(src, dst, sport, dport, data):
    macs = {V4_C: MAC_C, V4_S: MAC_S, V4_3: MAC_3}
    return Ether(src=macs[src], dst=macs[dst]) / IP(src=src, dst=dst, id=1) / \
        UDP(sport=sport, dport=dport) / Raw(data)


def tcp(src, dst, sport, dport, flags, seq, ack, data=b""):
    macs = {V4_C: MAC_C, V4_S: MAC_S, V4_3: MAC_3}
    p = Ether(src=macs[src], dst=macs[dst]) / IP(src=src, dst=dst, id=1) / \
        TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=65535)
    return p / Raw(data) if data else p


def rules_kw():
    f = []
    a = lambda t, d: f.append((t, udp(V4_C, V4_S, 40200, 7000, d)))  # noqa: E731
    a(0.0, b"XSET")
    a(0.5, b"XCHK")
    f.append((0.8, udp(V4_S, V4_C, 7000, 40200, b"XPAIR")))
    f.append((0.9, udp(V4_C, V4_S, 40201, 7000, b"XCHK2")))
    a(1.0, b"XUNS")
    f.append((1.1, udp(V4_3, V4_S, 40202, 7000, b"XCHK2")))
    a(2.5, b"XCHK")
    a(6.0, b"XCHK")
    # C: session tag by packets
    f.append((10.0, udp(V4_C, V4_S, 40300, 7100, b"TAGME")))
    for i, name in enumerate([b"r1", b"c2", b"r3", b"c4", b"r5", b"c6", b"r7"]):
        t = 10.0 + (i + 1) / 1000
        if name[0:1] == b"r":
            f.append((t, udp(V4_S, V4_C, 7100, 40300, name)))
        else:
            f.append((t, udp(V4_C, V4_S, 40300, 7100, name)))
    # D: session tag by seconds
    f.append((10.010, udp(V4_C, V4_S, 40301, 7101, b"TAGSECS")))
    f.append((10.011, udp(V4_S, V4_C, 7101, 40301, b"s1")))
    f.append((11.000, udp(V4_C, V4_S, 40301, 7101, b"s2")))
    f.append((11.990, udp(V4_S, V4_C, 7101, 40301, b"s3")))
    f.append((12.020, udp(V4_C, V4_S, 40301, 7101, b"s4")))
    f.append((12.500, udp(V4_C, V4_S, 40301, 7101, b"s5")))
    f.append((13.002, udp(V4_S, V4_C, 7101, 40301, b"s6")))
    f.append((13.000, udp(V4_C, V4_S, 40300, 7100, b"c8")))
    f.append((13.001, udp(V4_S, V4_C, 7100, 40300, b"r9")))
    # E, F: host tag
    f.append((20.000, udp(V4_3, V4_S, 40400, 7200, b"HOSTTAG")))
    f.append((20.001, udp(V4_3, V4_S, 40401, 7201, b"g1")))
    f.append((20.002, udp(V4_S, V4_3, 7201, 40401, b"g2")))
    f.append((20.003, udp(V4_3, V4_S, 40401, 7201, b"g3")))
    f.append((20.004, udp(V4_3, V4_S, 40401, 7201, b"g4")))
    # J: session tag by bytes
    f.append((50.0, udp(V4_C, V4_S, 40800, 7300, b"TAGBYTES")))
    for i, name in enumerate([b"b1", b"b2", b"b3", b"b4"]):
        if i % 2 == 0:
            f.append((50.001 + i / 1000, udp(V4_S, V4_C, 7300, 40800, name)))
        else:
            f.append((50.001 + i / 1000, udp(V4_C, V4_S, 40800, 7300, name)))
    # G: FTP PORT commands, one connection each
    for cp, port, t in ((40500, b"PORT 10,0,0,1,156,64\r\n", 30.0),
                        (40501, b"PORT 192,0,2,9,0,80\r\n", 31.0)):
        sp, ci, si = 21, 3000, 8000
        f.append((t, tcp(V4_C, V4_S, cp, sp, "S", ci, 0)))
        f.append((t + 0.001, tcp(V4_S, V4_C, sp, cp, "SA", si, ci + 1)))
        f.append((t + 0.002, tcp(V4_C, V4_S, cp, sp, "A", ci + 1, si + 1)))
        seq = ci + 1
        t += 0.003
        for c in (b"USER a\r\n", port):
            f.append((t, tcp(V4_C, V4_S, cp, sp, "PA", seq, si + 1, c)))
            seq += len(c)
            f.append((t + 0.001, tcp(V4_S, V4_C, sp, cp, "A", si + 1, seq)))
            t += 0.002
        f.append((t, tcp(V4_C, V4_S, cp, sp, "FA", seq, si + 1)))
        f.append((t + 0.001, tcp(V4_S, V4_C, sp, cp, "FA", si + 1, seq + 1)))
        f.append((t + 0.002, tcp(V4_C, V4_S, cp, sp, "A", seq + 1, si + 2)))
    # H: ASN.1
    good = bytes([0x30, 0x0b, 0x02, 0x01, 0x00, 0x04, 0x06]) + b"public"
    bitstr = bytes([0x30, 0x04, 0x03, 0x02, 0x09, 0xff])
    oversize = bytes([0x30, 0x84, 0x00, 0x01, 0x00, 0x00, 0x02, 0x01, 0x00])
    real = bytes([0x09, 0x82, 0x01, 0x00, 0x00]) + b"1" * 255
    for i, d in enumerate([good, bitstr, oversize, real]):
        f.append((40.0 + i / 1000, udp(V4_C, V4_S, 40600, 161, d)))
    f.sort(key=lambda x: x[0])
    return f


def body(n, mark_at, fill):
    b = bytearray(fill * n)
    if mark_at is not None:
        b[mark_at:mark_at + 4] = b"MARK"
    return bytes(b)


def stream_recur():
    cp, sp, ci, si = 40700, 8080, 10000, 20000
    f = []
    t = [0.0]

    def add(p):
        f.append((t[0], p))
        t[0] += 0.001

    add(tcp(V4_C, V4_S, cp, sp, "S", ci, 0))
    add(tcp(V4_S, V4_C, sp, cp, "SA", si, ci + 1))
    add(tcp(V4_C, V4_S, cp, sp, "A", ci + 1, si + 1))
    cseq, sseq = ci + 1, si + 1
    # client: 3 x 1000 bytes, "MARK" once in each, then ACKed together
    for i in range(3):
        d = body(1000, 100 + i * 300, b"c")
        add(tcp(V4_C, V4_S, cp, sp, "PA", cseq, sseq, d))
        cseq += len(d)
    add(tcp(V4_S, V4_C, sp, cp, "A", sseq, cseq))
    # a marker split across two client segments
    d1 = body(500, None, b"d")[:-2] + b"MA"
    d2 = b"RK" + body(498, None, b"d")
    add(tcp(V4_C, V4_S, cp, sp, "PA", cseq, sseq, d1))
    cseq += len(d1)
    add(tcp(V4_C, V4_S, cp, sp, "PA", cseq, sseq, d2))
    cseq += len(d2)
    add(tcp(V4_S, V4_C, sp, cp, "A", sseq, cseq))
    # server: 8 x 1400 bytes, "MARK" once in each, the client ACKs every second one; the
    # fifth is retransmitted right after it was sent
    for i in range(8):
        d = body(1400, 200 + i * 100, b"s")
        add(tcp(V4_S, V4_C, sp, cp, "PA", sseq, cseq, d))
        if i == 4:
            add(tcp(V4_S, V4_C, sp, cp, "PA", sseq, cseq, d))
        sseq += len(d)
        if i % 2 == 1:
            add(tcp(V4_C, V4_S, cp, sp, "A", cseq, sseq))
    add(tcp(V4_C, V4_S, cp, sp, "FA", cseq, sseq))
    add(tcp(V4_S, V4_C, sp, cp, "FA", sseq, cseq + 1))
    add(tcp(V4_C, V4_S, cp, sp, "A", cseq + 1, sseq + 1))
    return f


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_pcap_ts(os.path.join(out, "rules-kw.pcap"), rules_kw())
    write_pcap_ts(os.path.join(out, "stream-recur.pcap"), stream_recur())


if __name__ == "__main__":
    main()
