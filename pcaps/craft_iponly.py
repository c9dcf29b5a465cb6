#!/usr/bin/env python3
"""Crafted pcap for Suricata's IP-only rules (rules of addresses only, inspected on the first
packet of each direction of a flow and on every packet without a flow; the rules are
tests/detect/keywords/kw-iponly.rules), called by record.sh (step crafted-iponly).

Usage:
    craft_iponly.py OUTDIR        write rules-iponly.pcap into OUTDIR

Same conventions as craft.py (10.0.0.1 client, 10.0.0.2 server, 10.0.0.3 a third host, classic
little-endian pcap written by hand, byte-identical on every run); packet i is at T0 + i ms.
192.0.2.66 (TEST-NET-1) plays the listed "bad" address of an ET-style IP rule.

rules-iponly.pcap, in order (c->s: from the flow's initiator; s->c: the other way):
  flow A: tcp 10.0.0.1:42000 <-> 192.0.2.66:80, 9 packets (6 c->s, 3 s->c)
   1 c->s SYN            2 s->c SYN-ACK        3 c->s ACK
   4 c->s "hello"        5 s->c "world"        6 c->s ACK
   7 c->s FIN            8 s->c FIN            9 c->s ACK
  flow B: tcp 10.0.0.1:42001 <-> 192.0.2.66:443, 3 packets (2 c->s, 1 s->c)
  10 c->s SYN           11 s->c SYN-ACK       12 c->s ACK
  flow C: udp 10.0.0.3:53000 <-> 192.0.2.66:7053, 3 packets (2 c->s, 1 s->c)
  13 c->s "q1"          14 s->c "r1"          15 c->s "q2"
  flow D: udp 192.0.2.66:5000 -> 10.0.0.2:6000, 3 packets, one direction only (c->s)
  16, 17, 18
  flow E: icmp echo 10.0.0.2 <-> 192.0.2.66 (id 0x77), 4 packets (2 requests c->s,
          2 replies s->c)
  19 request seq 1      20 reply seq 1        21 request seq 2      22 reply seq 2
  F: a 40-byte UDP datagram 192.0.2.66:5001 -> 10.0.0.2:6001 in two IPv4 fragments (id 300);
     the fragments have no flow, the rebuilt datagram starts flow F (1 packet c->s)
  23 first fragment (MF, offset 0, 24 bytes)    24 last fragment (offset 3, 16 bytes)
  flow G: tcp 10.0.0.1:42002 <-> 10.0.0.2:8080 (not the bad address), 3 packets
  25 c->s SYN           26 s->c SYN-ACK       27 c->s ACK
"""

import os
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import IP, TCP, UDP, ICMP, Raw  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import MAC_C, MAC_S, V4_C, V4_S, eth, write_pcap  # noqa: E402

V4_3 = "10.0.0.3"
BAD = "192.0.2.66"


def tcp(src, dst, sport, dport, flags, seq, ack, data=b""):
    p = eth(src=MAC_C if src != BAD else MAC_S, dst=MAC_S if src != BAD else MAC_C) / \
        IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
                                   window=64240)
    return p / Raw(data) if data else p


def udp(src, dst, sport, dport, data):
    return eth() / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(data)


def frames():
    f = []
    c, s = V4_C, BAD
    # flow A
    f.append(tcp(c, s, 42000, 80, "S", 1000, 0))
    f.append(tcp(s, c, 80, 42000, "SA", 5000, 1001))
    f.append(tcp(c, s, 42000, 80, "A", 1001, 5001))
    f.append(tcp(c, s, 42000, 80, "PA", 1001, 5001, b"hello"))
    f.append(tcp(s, c, 80, 42000, "PA", 5001, 1006, b"world"))
    f.append(tcp(c, s, 42000, 80, "A", 1006, 5006))
    f.append(tcp(c, s, 42000, 80, "FA", 1006, 5006))
    f.append(tcp(s, c, 80, 42000, "FA", 5006, 1007))
    f.append(tcp(c, s, 42000, 80, "A", 1007, 5007))
    # flow B
    f.append(tcp(c, s, 42001, 443, "S", 2000, 0))
    f.append(tcp(s, c, 443, 42001, "SA", 7000, 2001))
    f.append(tcp(c, s, 42001, 443, "A", 2001, 7001))
    # flow C
    f.append(udp(V4_3, s, 53000, 7053, b"q1"))
    f.append(udp(s, V4_3, 7053, 53000, b"r1"))
    f.append(udp(V4_3, s, 53000, 7053, b"q2"))
    # flow D
    for i in range(3):
        f.append(udp(s, V4_S, 5000, 6000, b"d%d" % i))
    # flow E
    for seq in (1, 2):
        f.append(eth() / IP(src=V4_S, dst=s) / ICMP(type=8, id=0x77, seq=seq) / b"ping")
        f.append(eth() / IP(src=s, dst=V4_S) / ICMP(type=0, id=0x77, seq=seq) / b"ping")
    # F: two fragments of one UDP datagram
    dgram = bytes(UDP(sport=5001, dport=6001, len=40, chksum=0) / (b"F" * 32))
    f.append(eth() / IP(src=s, dst=V4_S, id=300, proto=17, flags="MF", frag=0) /
             Raw(dgram[:24]))
    f.append(eth() / IP(src=s, dst=V4_S, id=300, proto=17, frag=3) / Raw(dgram[24:]))
    # flow G
    f.append(tcp(c, V4_S, 42002, 8080, "S", 3000, 0))
    f.append(tcp(V4_S, c, 8080, 42002, "SA", 9000, 3001))
    f.append(tcp(c, V4_S, 42002, 8080, "A", 3001, 9001))
    return f


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    os.makedirs(argv[1], exist_ok=True)
    write_pcap(os.path.join(argv[1], "rules-iponly.pcap"), frames())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
