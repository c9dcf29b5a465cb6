#!/usr/bin/env python3
"""Crafted pcap for the header keywords of src/detect/detect_hdr.c (ttl, tos, id, ipopts,
fragbits, fragoffset, sameip, seq, ack, window, tcp.mss, icmp_id, icmp_seq; the rules are
tests/detect/keywords/kw-hdr.rules), called by record.sh (step crafted-hdr).

Usage:
    craft_hdr.py OUTDIR        write rules-hdr.pcap into OUTDIR

Same conventions as craft.py (10.0.0.1 client, 10.0.0.2 server, 10.0.0.3 a third host, classic
little-endian pcap written by hand, byte-identical on every run); packet i is at T0 + i ms.

rules-hdr.pcap, in order:
   1 udp 10.0.0.1:41000 -> 10.0.0.2:7400 "H1"  ttl 1,   tos 0x10, id 100, DF
   2 udp 10.0.0.1:41000 -> 10.0.0.2:7400 "H2"  ttl 5,   tos 0,    id 101, option RR
   3 udp 10.0.0.1:41000 -> 10.0.0.2:7400 "H3"  ttl 128, tos 0x2e, id 102, options NOP, LSRR
   4 udp 10.0.0.3:41001 -> 10.0.0.3:7401 "H4"  ttl 255, tos 0,    id 103 (the same address
                                               on both sides)
   5 udp 10.0.0.1:41000 -> 10.0.0.2:7400 "H5"  ttl 64,  tos 0,    id 104, flags R and DF
   6 udp 10.0.0.1:41002 -> 10.0.0.2:7402       ttl 64, id 105, first fragment (MF, offset 0)
                                               of a 40-byte UDP datagram: 24 bytes
   7   the same datagram's last fragment (offset 3, i.e. 24 bytes), 16 bytes
   8 tcp 10.0.0.1:41100 -> 10.0.0.2:7500 SYN     seq 1000, window 64240, MSS 1460, id 106
   9 tcp 10.0.0.2:7500 -> 10.0.0.1:41100 SYN-ACK seq 5000, ack 1001, window 29200, MSS 536
  10 tcp 10.0.0.1:41100 -> 10.0.0.2:7500 ACK     seq 1001, ack 5001, window 502 (no options)
  11 icmp 10.0.0.1 -> 10.0.0.2 echo request, id 0x1234, seq 7
  12 icmp 10.0.0.2 -> 10.0.0.1 echo reply,   id 0x1234, seq 7
  13 icmp 10.0.0.2 -> 10.0.0.1 port unreachable quoting packet 1 (bytes 4..7 of its ICMP
                                               header are 0)
  14 udp [fd00::1]:41003 -> [fd00::2]:7403 "H6" hop limit 200
  15 udp [fd00::1]:41004 -> [fd00::2]:7404 first fragment (M, offset 0, id 7) of a 32-byte
                                               UDP datagram: 16 bytes
  16   its last fragment (offset 16 bytes), 16 bytes
  17 icmpv6 fd00::1 -> fd00::2 echo request, id 0x4321, seq 9
"""

import os
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (Ether, IP, IPv6, IPv6ExtHdrFragment, TCP, UDP, ICMP,  # noqa: E402
                       ICMPv6EchoRequest, IPOption_NOP, IPOption_RR, IPOption_LSRR, Raw)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import T0_US, MAC_C, MAC_S, V4_C, V4_S  # noqa: E402

V4_3 = "10.0.0.3"
V6_C, V6_S = "fd00::1", "fd00::2"


def eth(v6=False):
    return Ether(src=MAC_C, dst=MAC_S, type=0x86dd if v6 else 0x0800)


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            data = bytes(fr)
            ts = T0_US + i * 1000
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(data), len(data)))
            f.write(data)
    print("  wrote %-22s %3d packets, linktype 1" % (os.path.basename(path), len(frames)))


def frames():
    f = []
    u = UDP(sport=41000, dport=7400)
    f.append(eth() / IP(src=V4_C, dst=V4_S, ttl=1, tos=0x10, id=100, flags="DF") / u / b"H1")
    f.append(eth() / IP(src=V4_C, dst=V4_S, ttl=5, id=101,
                        options=[IPOption_RR(routers=["0.0.0.0"])]) / u / b"H2")
    f.append(eth() / IP(src=V4_C, dst=V4_S, ttl=128, tos=0x2e, id=102,
                        options=[IPOption_NOP(), IPOption_LSRR(routers=["10.0.0.9"])]) /
             u / b"H3")
    f.append(eth() / IP(src=V4_3, dst=V4_3, ttl=255, id=103) /
             UDP(sport=41001, dport=7401) / b"H4")
    f.append(eth() / IP(src=V4_C, dst=V4_S, ttl=64, id=104, flags="evil+DF") / u / b"H5")
    # 6, 7: a UDP datagram in two IPv4 fragments
    dgram = bytes(UDP(sport=41002, dport=7402, len=40, chksum=0) / (b"F" * 32))
    f.append(eth() / IP(src=V4_C, dst=V4_S, ttl=64, id=105, proto=17, flags="MF", frag=0) /
             Raw(dgram[:24]))
    f.append(eth() / IP(src=V4_C, dst=V4_S, ttl=64, id=105, proto=17, frag=3) /
             Raw(dgram[24:]))
    # 8..10: a TCP handshake
    f.append(eth() / IP(src=V4_C, dst=V4_S, id=106) /
             TCP(sport=41100, dport=7500, flags="S", seq=1000, window=64240,
                 options=[("MSS", 1460)]))
    f.append(eth() / IP(src=V4_S, dst=V4_C, id=107) /
             TCP(sport=7500, dport=41100, flags="SA", seq=5000, ack=1001, window=29200,
                 options=[("MSS", 536)]))
    f.append(eth() / IP(src=V4_C, dst=V4_S, id=108) /
             TCP(sport=41100, dport=7500, flags="A", seq=1001, ack=5001, window=502))
    # 11..13: ICMP
    f.append(eth() / IP(src=V4_C, dst=V4_S, id=109) / ICMP(type=8, id=0x1234, seq=7) / b"ping")
    f.append(eth() / IP(src=V4_S, dst=V4_C, id=110) / ICMP(type=0, id=0x1234, seq=7) / b"ping")
    f.append(eth() / IP(src=V4_S, dst=V4_C, id=111) / ICMP(type=3, code=3) /
             bytes(f[0][IP])[:28])
    # 14..17: IPv6
    f.append(eth(True) / IPv6(src=V6_C, dst=V6_S, hlim=200) /
             UDP(sport=41003, dport=7403) / b"H6")
    dgram6 = UDP(sport=41004, dport=7404, len=32) / (b"G" * 24)
    dgram6 = bytes(IPv6(src=V6_C, dst=V6_S) / dgram6)[40:]  # with its checksum
    f.append(eth(True) / IPv6(src=V6_C, dst=V6_S, hlim=64) /
             IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=7) / Raw(dgram6[:16]))
    f.append(eth(True) / IPv6(src=V6_C, dst=V6_S, hlim=64) /
             IPv6ExtHdrFragment(nh=17, offset=2, m=0, id=7) / Raw(dgram6[16:]))
    f.append(eth(True) / IPv6(src=V6_C, dst=V6_S, hlim=64) /
             ICMPv6EchoRequest(id=0x4321, seq=9))
    return f


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write_pcap(os.path.join(sys.argv[1], "rules-hdr.pcap"), frames())


if __name__ == "__main__":
    main()
