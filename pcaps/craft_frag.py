#!/usr/bin/env python3
"""Crafted pcap of IP fragments for the rules that inspect them (Suricata 7 runs each fragment
through detection as a packet without a flow, transport header or payload, and the rebuilt
datagram as a packet of its flow; the rules are tests/detect/keywords/frag.rules and
tests/detect/fragments.sh), called by record.sh (step crafted-hdr).

Usage:
    craft_frag.py OUTDIR        write rules-frag.pcap into OUTDIR

Same conventions and writer as craft_hdr.py (10.0.0.1 client, 10.0.0.2 server, classic little-endian pcap
written by hand, byte-identical on every run); packet i is at T0 + i ms.

rules-frag.pcap, in order (offsets of IPv4 in 8-byte units, of IPv6 in bytes):
 A: a UDP datagram 10.0.0.1:41500 -> 10.0.0.2:7600 of 68 bytes (8 header + 60 payload), IPv4
    id 300, ttl 33, in three fragments; "SPLITMARK" straddles A1/A2, "WHOLEINF2" is all in A2
   1 A1 MF, offset 0, 24 bytes (the UDP header and payload 0..15)
   2 A2 MF, offset 3, 24 bytes (payload 16..39)
   3 A3 offset 6, 20 bytes (payload 40..59)
 B:
   4 B  udp 10.0.0.1:41500 -> 10.0.0.2:7600 "PLAIN", ttl 64, not fragmented (A's flow)
 C: an ICMP echo request 10.0.0.1 -> 10.0.0.2 (id 0x55, seq 1) of 64 bytes, IPv4 id 301, ttl 64,
    its fragments with DF set (a crafted oddity: DF on fragments)
   5 C1 DF+MF, offset 0, 32 bytes (the ICMP header and payload 0..23)
   6 C2 DF, offset 4, 32 bytes
 D: a TCP segment 10.0.0.1:41600 -> 10.0.0.2:7700 (PSH+ACK, seq 100, 40 bytes of payload), IPv4
    id 302, ttl 64
   7 D1 MF, offset 0, 32 bytes (the TCP header and payload 0..11)
   8 D2 offset 4, 28 bytes
 E: a UDP datagram [fd00::1]:41700 -> [fd00::2]:7800 of 72 bytes (8 + 64), fragment id 0x77,
    hop limit 33, "SIXSPLIT" straddles E1/E2
   9 E1 M, offset 0, 24 bytes
  10 E2 M, offset 24, 24 bytes
  11 E3 offset 48, 24 bytes
 F:
  12 F  udp [fd00::1]:41800 -> [fd00::2]:7900 "ATOMIC", hop limit 64, in an atomic fragment
        (a fragment header with offset 0 and M clear, id 0x78: a whole packet, RFC 6946)
"""

import os
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import IP, IPv6, IPv6ExtHdrFragment, TCP, UDP, ICMP, Raw  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import V4_C, V4_S  # noqa: E402
from craft_hdr import V6_C, V6_S, eth, write_pcap  # noqa: E402


def v4_frags(ip_kw, proto, data, cuts, flags_first="MF", flags_last=0):
    """IPv4 fragments of data (the transport bytes) cut at byte offsets cuts (multiples of 8)."""
    out = []
    bounds = [0] + cuts + [len(data)]
    for i in range(len(bounds) - 1):
        last = i == len(bounds) - 2
        out.append(eth() / IP(proto=proto, flags=flags_last if last else flags_first,
                              frag=bounds[i] // 8, **ip_kw) / Raw(data[bounds[i]:bounds[i + 1]]))
    return out


def frames():
    f = []
    # A: UDP in three fragments
    pay_a = b"a" * 12 + b"SPLITMARK" + b"xxx" + b"WHOLEINF2" + b"y" * 27
    assert len(pay_a) == 60 and pay_a.index(b"SPLITMARK") < 16 < pay_a.index(b"SPLITMARK") + 9
    assert 16 <= pay_a.index(b"WHOLEINF2") and pay_a.index(b"WHOLEINF2") + 9 <= 40
    udp_a = bytes(IP(src=V4_C, dst=V4_S) / UDP(sport=41500, dport=7600) / pay_a)[20:]
    f += v4_frags(dict(src=V4_C, dst=V4_S, ttl=33, id=300), 17, udp_a, [24, 48])
    # B: the same flow, whole
    f.append(eth() / IP(src=V4_C, dst=V4_S, ttl=64, id=303) / UDP(sport=41500, dport=7600) /
             b"PLAIN")
    # C: ICMP echo request in two fragments with DF
    icmp_c = bytes(IP(src=V4_C, dst=V4_S) / ICMP(type=8, id=0x55, seq=1) /
                   (b"ICMPFRAG" * 7))[20:]
    assert len(icmp_c) == 64
    f += v4_frags(dict(src=V4_C, dst=V4_S, ttl=64, id=301), 1, icmp_c, [32],
                  flags_first="DF+MF", flags_last="DF")
    # D: a TCP segment in two fragments
    tcp_d = bytes(IP(src=V4_C, dst=V4_S) /
                  TCP(sport=41600, dport=7700, flags="PA", seq=100, ack=1) / (b"T" * 40))[20:]
    assert len(tcp_d) == 60
    f += v4_frags(dict(src=V4_C, dst=V4_S, ttl=64, id=302), 6, tcp_d, [32])
    # E: IPv6 UDP in three fragments
    pay_e = b"e" * 12 + b"SIXSPLIT" + b"f" * 44
    assert len(pay_e) == 64
    udp_e = bytes(IPv6(src=V6_C, dst=V6_S) / UDP(sport=41700, dport=7800) / pay_e)[40:]
    for off, m in ((0, 1), (24, 1), (48, 0)):
        f.append(eth(True) / IPv6(src=V6_C, dst=V6_S, hlim=33) /
                 IPv6ExtHdrFragment(nh=17, offset=off // 8, m=m, id=0x77) /
                 Raw(udp_e[off:off + 24]))
    # F: an atomic fragment
    udp_f = bytes(IPv6(src=V6_C, dst=V6_S) / UDP(sport=41800, dport=7900) / b"ATOMIC")[40:]
    f.append(eth(True) / IPv6(src=V6_C, dst=V6_S, hlim=64) /
             IPv6ExtHdrFragment(nh=17, offset=0, m=0, id=0x78) / Raw(udp_f))
    return f


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write_pcap(os.path.join(sys.argv[1], "rules-frag.pcap"), frames())


if __name__ == "__main__":
    main()
