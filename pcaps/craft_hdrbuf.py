#!/usr/bin/env python3
"""Crafted pcap for the packet header buffers (ipv4.hdr, ipv6.hdr, tcp.hdr, udp.hdr,
icmpv4.hdr, icmpv6.hdr), the checksum keywords (ipv4-csum ... icmpv6-csum, with checksums
broken on purpose), icmpv6.mtu, the ipv4/ipv6 rule protocols, byte_math's 64-bit results, the
xor transform (on udp.hdr and http.uri) and http.host.raw on an absolute-form request (the rules are
tests/detect/keywords/kw-hdrbuf.rules, kw-csum.rules and kw-csum-none.rules), called by
record.sh (step crafted-hdrbuf).

Usage:
    craft_hdrbuf.py OUTDIR        write rules-hdrbuf.pcap into OUTDIR

Same conventions as craft.py (10.0.0.1 client, 10.0.0.2 server, fd00::1 / fd00::2, classic
little-endian pcap, byte-identical on every run); packet i is at T0 + i ms (craft.py's
write_pcap).

rules-hdrbuf.pcap, in order (checksums good unless said otherwise):
   1 udp 10.0.0.1:42000 -> 10.0.0.2:7600 "B1", IP id 201
   2 udp 10.0.0.1:42000 -> 10.0.0.2:7600 "B2", UDP checksum 0x1234 (bad)
   3 udp 10.0.0.1:42000 -> 10.0.0.2:7600 "B3", UDP checksum 0 (none)
   4 udp 10.0.0.1:42000 -> 10.0.0.2:7600 "B4", IPv4 header checksum 0x4321 (bad)
   5 tcp 10.0.0.1:42100 -> 10.0.0.2:7700 SYN, IPv4 option RR (IHL 6), TCP options MSS 1460,
                                        window scale 7, SACK permitted (data offset 8)
   6 tcp 10.0.0.1:42101 -> 10.0.0.2:7701 SYN, no options, TCP checksum 0xbeef (bad)
   7 icmp 10.0.0.1 -> 10.0.0.2 echo request id 0x0501 seq 1 "ping"
   8 icmp 10.0.0.1 -> 10.0.0.2 echo request id 0x0502 seq 1 "ping", ICMP checksum 0x1111 (bad)
   9 udp [fd00::1]:42200 -> [fd00::2]:7800 "B9"
  10 udp [fd00::1]:42200 -> [fd00::2]:7800 "B10", UDP checksum 0x1234 (bad)
  11 tcp [fd00::1]:42300 -> [fd00::2]:7900 SYN, option MSS 1440
  12 tcp [fd00::1]:42301 -> [fd00::2]:7901 SYN, option MSS 1440, TCP checksum 0xbeef (bad)
  13 icmpv6 fd00::1 -> fd00::2 echo request id 0x0601 seq 1 after a hop-by-hop header (PadN)
  14 icmpv6 fd00::1 -> fd00::2 echo request id 0x0602 seq 1, checksum 0x1111 (bad)
  15 icmpv6 fd00::2 -> fd00::1 packet too big, code 0, MTU 1280
  16 icmpv6 fd00::2 -> fd00::1 packet too big, code 0, MTU 1400
  17 icmpv6 fd00::2 -> fd00::1 packet too big, code 1, MTU 1000
  18 IP in IP: outer 192.168.50.1 -> 192.168.50.2 id 0x1111, inner udp
     10.0.0.1:42400 -> 10.0.0.2:7600 id 0x2222 "B18"
  19 udp 10.0.0.1:42500 -> 10.0.0.2:7601, for byte_math: payload ff ff ff ff (bytes 0-3),
     00 00 00 0f ff ff ff f0 (4-11: 0xffffffff * 16), ff ff ff 00 00 00 00 00 (12-19:
     0xffffffff shifted left by 40 in 64 bits)
  20..29 tcp 10.0.0.1:42600 -> 10.0.0.2:80, one HTTP/1.1 request in absolute form
     "GET http://User@Abs.Example.:8080/a HTTP/1.1" with "Host: hdr-host.example:8080"
     (craft.py's tcp_session: 10 packets, 6 from the client)
  30..39 tcp 10.0.0.1:42601 -> 10.0.0.2:80, "GET /b HTTP/1.1", "Host: Origin.Example:8080"
"""

import os
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (IP, IPv6, IPv6ExtHdrHopByHop, TCP, UDP, ICMP,  # noqa: E402
                       ICMPv6EchoRequest, ICMPv6PacketTooBig, IPOption_RR, PadN, Raw)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import eth, tcp_session, write_pcap, V4_C, V4_S  # noqa: E402

V6_C, V6_S = "fd00::1", "fd00::2"


def v4(**kw):
    return eth(type=0x0800) / IP(src=V4_C, dst=V4_S, **kw)


def v6(src=V6_C, dst=V6_S, **kw):
    return eth(type=0x86dd) / IPv6(src=src, dst=dst, **kw)


def frames():
    f = []
    u = dict(sport=42000, dport=7600)
    f.append(v4(id=201) / UDP(**u) / b"B1")
    f.append(v4(id=202) / UDP(chksum=0x1234, **u) / b"B2")
    f.append(v4(id=203) / UDP(chksum=0, **u) / b"B3")
    f.append(v4(id=204, chksum=0x4321) / UDP(**u) / b"B4")
    f.append(v4(id=205, options=[IPOption_RR(routers=["0.0.0.0"])]) /
             TCP(sport=42100, dport=7700, flags="S", seq=100,
                 options=[("MSS", 1460), ("WScale", 7), ("SAckOK", b""), ("NOP", None)]))
    f.append(v4(id=206) / TCP(sport=42101, dport=7701, flags="S", seq=200, chksum=0xbeef))
    f.append(v4(id=207) / ICMP(type=8, id=0x0501, seq=1) / b"ping")
    f.append(v4(id=208) / ICMP(type=8, id=0x0502, seq=1, chksum=0x1111) / b"ping")
    f.append(v6() / UDP(sport=42200, dport=7800) / b"B9")
    f.append(v6() / UDP(sport=42200, dport=7800, chksum=0x1234) / b"B10")
    f.append(v6() / TCP(sport=42300, dport=7900, flags="S", seq=300, options=[("MSS", 1440)]))
    f.append(v6() / TCP(sport=42301, dport=7901, flags="S", seq=400, options=[("MSS", 1440)],
                        chksum=0xbeef))
    f.append(v6() / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0" * 4)]) /
             ICMPv6EchoRequest(id=0x0601, seq=1))
    f.append(v6() / ICMPv6EchoRequest(id=0x0602, seq=1, cksum=0x1111))
    quoted = bytes(IPv6(src=V6_C, dst=V6_S) / UDP(sport=42200, dport=7800) / b"B9")
    f.append(v6(V6_S, V6_C) / ICMPv6PacketTooBig(code=0, mtu=1280) / Raw(quoted))
    f.append(v6(V6_S, V6_C) / ICMPv6PacketTooBig(code=0, mtu=1400) / Raw(quoted))
    f.append(v6(V6_S, V6_C) / ICMPv6PacketTooBig(code=1, mtu=1000) / Raw(quoted))
    f.append(eth(type=0x0800) / IP(src="192.168.50.1", dst="192.168.50.2", id=0x1111) /
             IP(src=V4_C, dst=V4_S, id=0x2222) / UDP(sport=42400, dport=7600) / b"B18")
    f.append(v4(id=209) / UDP(sport=42500, dport=7601) /
             bytes.fromhex("ffffffff" "0000000ffffffff0" "ffffff0000000000"))

    def c2s():
        return v4(id=0)

    def s2c():
        return eth(src="02:00:00:00:00:02", dst="02:00:00:00:00:01", type=0x0800) / \
            IP(src=V4_S, dst=V4_C, id=0)

    rsp = (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    f += tcp_session(c2s, s2c, 42600, 80,
                     b"GET http://User@Abs.Example.:8080/a HTTP/1.1\r\n"
                     b"Host: hdr-host.example:8080\r\nAccept: */*\r\n\r\n", rsp)
    f += tcp_session(c2s, s2c, 42601, 80,
                     b"GET /b HTTP/1.1\r\nHost: Origin.Example:8080\r\nAccept: */*\r\n\r\n",
                     rsp)
    return f


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write_pcap(os.path.join(sys.argv[1], "rules-hdrbuf.pcap"), frames())


if __name__ == "__main__":
    main()
