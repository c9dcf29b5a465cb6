#!/usr/bin/env python3
"""Crafted edge-case pcaps for spanwatch tests (called by record.sh).

Usage:
    craft.py OUTDIR                 write every crafted pcap into OUTDIR
    craft.py truncate IN OUT        write OUT = IN cut in the middle of a record

Everything is deterministic: fixed addresses, ports, sequence numbers and
timestamps (each file starts at 1700000000.000000 and every packet is 1 ms
after the previous one).  The pcap files are written by hand (struct) so that
scapy never adds or "fixes" a link header: classic pcap, little-endian,
microsecond timestamps, snaplen 262144.
"""

import os
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (  # noqa: E402
    Ether, Dot1Q, IP, IPv6, TCP, UDP, ICMP, Raw,
    IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
    ICMPv6EchoRequest, ICMPv6EchoReply, RouterAlert,
)

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101

T0_US = 1700000000 * 1000000   # 2023-11-14 22:13:20 UTC
STEP_US = 1000                 # 1 ms between packets

MAC_C = "02:00:00:00:00:01"    # client
MAC_S = "02:00:00:00:00:02"    # server
V4_C, V4_S = "10.0.0.1", "10.0.0.2"
V6_C, V6_S = "2001:db8::1", "2001:db8::2"


# --------------------------------------------------------------------------
# pcap writer
# --------------------------------------------------------------------------

def write_pcap(path, frames, linktype=LINKTYPE_ETHERNET, snaplen=262144):
    """frames: list of bytes (or scapy packets).  Timestamps are assigned here."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for i, fr in enumerate(frames):
            data = bytes(fr)
            ts = T0_US + i * STEP_US
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000,
                                len(data), len(data)))
            f.write(data)
    print("  wrote %-22s %3d packets, linktype %d" %
          (os.path.basename(path), len(frames), linktype))


def eth(src=MAC_C, dst=MAC_S, **kw):
    return Ether(src=src, dst=dst, **kw)


def ip4_csum(hdr):
    """RFC 1071 checksum of an IPv4 header (checksum field must be zero)."""
    if len(hdr) % 2:
        hdr += b"\0"
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def with_ip4_csum(hdr):
    """Return hdr (bytes, IPv4 header only) with a correct checksum."""
    hdr = bytearray(hdr)
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", ip4_csum(bytes(hdr)))
    return bytes(hdr)


# --------------------------------------------------------------------------
# generic TCP conversation
# --------------------------------------------------------------------------

def tcp_session(mk_c2s, mk_s2c, sport, dport, request, response,
                cseq=1000, sseq=5000):
    """Full TCP conversation: handshake, one request, one response, FIN/FIN.

    mk_c2s / mk_s2c build the layers below TCP for each direction (they get
    no argument and return a scapy packet, e.g. Ether/Dot1Q/IP).
    Returns 10 packets.
    """
    c, s = cseq, sseq
    pk = []

    def C(flags, seq, ack, data=b""):
        p = mk_c2s() / TCP(sport=sport, dport=dport, flags=flags, seq=seq,
                           ack=ack, window=64240)
        return p / Raw(data) if data else p

    def S(flags, seq, ack, data=b""):
        p = mk_s2c() / TCP(sport=dport, dport=sport, flags=flags, seq=seq,
                           ack=ack, window=65160)
        return p / Raw(data) if data else p

    pk.append(C("S", c, 0))
    pk.append(S("SA", s, c + 1))
    c += 1
    s += 1
    pk.append(C("A", c, s))
    pk.append(C("PA", c, s, request))
    c += len(request)
    pk.append(S("A", s, c))
    pk.append(S("PA", s, c, response))
    s += len(response)
    pk.append(C("A", c, s))
    pk.append(C("FA", c, s))
    c += 1
    pk.append(S("FA", s, c))
    s += 1
    pk.append(C("A", c, s))
    return pk


HTTP_REQ = (b"GET /vlan HTTP/1.1\r\nHost: vlan.demo.example\r\n"
            b"User-Agent: spanwatch-test/1.0\r\nAccept: */*\r\n\r\n")
HTTP_RSP = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 6\r\nConnection: close\r\n\r\nhello\n")


# --------------------------------------------------------------------------
# vlan.pcap
# --------------------------------------------------------------------------

def vlan_pcap():
    def v100_c():
        return eth(MAC_C, MAC_S) / Dot1Q(vlan=100) / IP(src=V4_C, dst=V4_S, id=1, ttl=64)

    def v100_s():
        return eth(MAC_S, MAC_C) / Dot1Q(vlan=100) / IP(src=V4_S, dst=V4_C, id=1, ttl=64)

    def qinq_c():
        return (eth(MAC_C, MAC_S, type=0x88A8) / Dot1Q(vlan=200, type=0x8100)
                / Dot1Q(vlan=300) / IP(src=V4_C, dst=V4_S, id=1, ttl=64))

    def qinq_s():
        return (eth(MAC_S, MAC_C, type=0x88A8) / Dot1Q(vlan=200, type=0x8100)
                / Dot1Q(vlan=300) / IP(src=V4_S, dst=V4_C, id=1, ttl=64))

    pk = tcp_session(v100_c, v100_s, 40000, 80, HTTP_REQ, HTTP_RSP)
    pk += tcp_session(qinq_c, qinq_s, 40000, 80, HTTP_REQ, HTTP_RSP)
    pk.append(eth(MAC_C, MAC_S) / Dot1Q(vlan=100)
              / IP(src=V4_C, dst=V4_S, id=2) / UDP(sport=40001, dport=9999)
              / Raw(b"vlan100 udp"))
    return pk


# --------------------------------------------------------------------------
# ipv6-ext.pcap
# --------------------------------------------------------------------------

def ipv6_ext_pcap():
    def v6(src=V6_C, dst=V6_S):
        return eth(MAC_C if src == V6_C else MAC_S,
                   MAC_S if src == V6_C else MAC_C) / IPv6(src=src, dst=dst, hlim=64)

    def udp(n, tag):
        return UDP(sport=41000 + n, dport=9999) / Raw(tag)

    pk = []
    # 1: Hop-by-Hop (Router Alert) + UDP
    pk.append(v6() / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
              / udp(1, b"hbh"))
    # 2: Destination options (PadN only) + UDP
    pk.append(v6() / IPv6ExtHdrDestOpt() / udp(2, b"dstopt"))
    # 3: Routing type 0, segments left 0 + UDP
    pk.append(v6() / IPv6ExtHdrRouting(type=0, segleft=0,
                                       addresses=["2001:db8::99"])
              / udp(3, b"rt0"))
    # 4: chain HBH -> DstOpt -> Routing(0, sl 0) -> DstOpt -> UDP
    pk.append(v6() / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
              / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(type=0, segleft=0,
                                                        addresses=["2001:db8::99"])
              / IPv6ExtHdrDestOpt() / udp(4, b"chain"))
    # 5: TCP SYN after a Hop-by-Hop header
    pk.append(v6() / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
              / TCP(sport=41005, dport=80, flags="S", seq=1000, window=64800))
    # 6-7: ICMPv6 echo request / reply
    pk.append(v6() / ICMPv6EchoRequest(id=0x1234, seq=1, data=b"ping6-ext"))
    pk.append(v6(V6_S, V6_C) / ICMPv6EchoReply(id=0x1234, seq=1, data=b"ping6-ext"))
    return pk


# --------------------------------------------------------------------------
# icmp.pcap
# --------------------------------------------------------------------------

def icmp_pcap():
    pk = []
    for seq in (1, 2):
        pk.append(eth(MAC_C, MAC_S) / IP(src=V4_C, dst=V4_S, id=seq)
                  / ICMP(type=8, code=0, id=0x1234, seq=seq) / Raw(b"ping-%d" % seq))
        pk.append(eth(MAC_S, MAC_C) / IP(src=V4_S, dst=V4_C, id=100 + seq)
                  / ICMP(type=0, code=0, id=0x1234, seq=seq) / Raw(b"ping-%d" % seq))
    # port unreachable quoting the offending UDP datagram (IP header + 8 bytes)
    orig = IP(src=V4_C, dst=V4_S, id=7, ttl=64) / UDP(sport=42000, dport=9999) / Raw(b"x" * 12)
    quoted = bytes(orig)[:28]
    pk.append(eth(MAC_S, MAC_C) / IP(src=V4_S, dst=V4_C, id=200)
              / ICMP(type=3, code=3) / Raw(quoted))
    pk.append(eth(MAC_C, MAC_S) / IPv6(src=V6_C, dst=V6_S)
              / ICMPv6EchoRequest(id=0x4321, seq=1, data=b"ping6"))
    pk.append(eth(MAC_S, MAC_C) / IPv6(src=V6_S, dst=V6_C)
              / ICMPv6EchoReply(id=0x4321, seq=1, data=b"ping6"))
    return pk


# --------------------------------------------------------------------------
# malformed.pcap  (order documented in README.md; keep both in sync)
# --------------------------------------------------------------------------

def malformed_pcap():
    E = bytes(eth(MAC_C, MAC_S, type=0x0800))
    E6 = bytes(eth(MAC_C, MAC_S, type=0x86DD))
    ok_udp4 = IP(src=V4_C, dst=V4_S, id=1) / UDP(sport=43000, dport=9999) / Raw(b"payload!")
    ok_tcp4 = IP(src=V4_C, dst=V4_S, id=1) / TCP(sport=43000, dport=80, flags="S", seq=1000)
    pk = []

    # 1: Ethernet frame shorter than 14 bytes (10 bytes)
    pk.append(E[:10])

    # 2: IPv4 version 4 but IHL 3 (header checksum recomputed over the 20 bytes)
    b = bytearray(bytes(ok_udp4))
    b[0] = 0x43
    b[:20] = with_ip4_csum(bytes(b[:20]))
    pk.append(E + bytes(b))

    # 3: IPv4 total length (1000) larger than the captured data (36 bytes);
    #    header checksum and UDP checksum are correct for what is present
    b = bytearray(bytes(ok_udp4))
    b[2:4] = struct.pack("!H", 1000)
    b[:20] = with_ip4_csum(bytes(b[:20]))
    pk.append(E + bytes(b))

    # 4: IPv4 header truncated: only 10 bytes after Ethernet
    pk.append(E + bytes(ok_udp4)[:10])

    # 5: TCP header truncated: IPv4 (len 30, proto 6) + 10 bytes of TCP
    tcp_hdr = bytes(ok_tcp4)[20:40]
    pk.append(E + bytes(IP(src=V4_C, dst=V4_S, id=1, proto=6) / Raw(tcp_hdr[:10])))

    # 6: TCP data offset 3 (< 5)
    pk.append(E + bytes(IP(src=V4_C, dst=V4_S, id=1)
                        / TCP(sport=43000, dport=80, flags="S", seq=1000, dataofs=3)))

    # 7: TCP data offset 15 (60 bytes) but only 20 bytes of TCP in the packet
    pk.append(E + bytes(IP(src=V4_C, dst=V4_S, id=1)
                        / TCP(sport=43000, dport=80, flags="S", seq=1000, dataofs=15)))

    # 8: UDP header truncated: IPv4 (proto 17) + 4 bytes of UDP
    pk.append(E + bytes(IP(src=V4_C, dst=V4_S, id=1, proto=17)
                        / Raw(bytes(ok_udp4)[20:24])))

    # 9: UDP length field (200) larger than the data (8 + 8 bytes)
    pk.append(E + bytes(IP(src=V4_C, dst=V4_S, id=1)
                        / UDP(sport=43000, dport=9999, len=200) / Raw(b"payload!")))

    # 10: IPv6 header truncated (20 of 40 bytes)
    ok_udp6 = IPv6(src=V6_C, dst=V6_S) / UDP(sport=43000, dport=9999) / Raw(b"payload!")
    pk.append(E6 + bytes(ok_udp6)[:20])

    # 11: IPv6 payload length (500) larger than the data
    pk.append(E6 + bytes(IPv6(src=V6_C, dst=V6_S, plen=500)
                         / UDP(sport=43000, dport=9999) / Raw(b"payload!")))

    # 12: IPv6 hop-by-hop header whose length runs past the end:
    #     Hdr Ext Len 10 (= 88 bytes) but only 8 bytes present (plen 8)
    hbh = bytes([17, 10, 1, 4, 0, 0, 0, 0])   # nh=UDP, len=10, PadN(4)
    pk.append(E6 + bytes(IPv6(src=V6_C, dst=V6_S, nh=0, plen=8) / Raw(hbh)))

    # 13: VLAN tag truncated: 0x8100 then only 2 bytes
    pk.append(bytes(eth(MAC_C, MAC_S, type=0x8100)) + b"\x00\x64")

    # 14: ICMP header truncated: IPv4 (proto 1) + 2 bytes (type 8, code 0)
    pk.append(E + bytes(IP(src=V4_C, dst=V4_S, id=1, proto=1) / Raw(b"\x08\x00")))

    # 15: IPv4 bad header checksum, otherwise valid UDP
    good = bytes(ok_udp4)
    bad_csum = struct.unpack("!H", good[10:12])[0] ^ 0xFFFF
    pk.append(E + good[:10] + struct.pack("!H", bad_csum) + good[12:])

    # 16: IPv4 with options (IHL 6, four NOPs), valid checksum, valid UDP
    # UDP checksum is over a pseudo header, independent of IP options
    udp = bytes(IP(src=V4_C, dst=V4_S) / UDP(sport=43000, dport=9999) / Raw(b"payload!"))[20:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x46, 0, 24 + len(udp), 1, 0, 64, 17, 0,
                      bytes(map(int, V4_C.split("."))), bytes(map(int, V4_S.split("."))))
    hdr = with_ip4_csum(hdr + b"\x01\x01\x01\x01")
    pk.append(E + hdr + udp)
    return pk


# --------------------------------------------------------------------------
# rawip.pcap (LINKTYPE_RAW) and null.pcap (LINKTYPE_NULL)
# --------------------------------------------------------------------------

def rawip_pcap():
    return [
        IP(src=V4_C, dst=V4_S, id=1) / UDP(sport=44000, dport=9999) / Raw(b"raw4 request"),
        IP(src=V4_S, dst=V4_C, id=2) / UDP(sport=9999, dport=44000) / Raw(b"raw4 reply"),
        IPv6(src=V6_C, dst=V6_S) / UDP(sport=44001, dport=9999) / Raw(b"raw6 request"),
        IPv6(src=V6_S, dst=V6_C) / UDP(sport=9999, dport=44001) / Raw(b"raw6 reply"),
    ]


def null_pcap():
    def fam(n):
        # "host byte order" = byte order of the file header, little-endian here
        return struct.pack("<I", n)

    pk = []
    c, s = 1000, 5000
    pk.append(fam(2) + bytes(IP(src=V4_C, dst=V4_S, id=1)
                             / TCP(sport=45000, dport=80, flags="S", seq=c)))
    pk.append(fam(2) + bytes(IP(src=V4_S, dst=V4_C, id=1)
                             / TCP(sport=80, dport=45000, flags="SA", seq=s, ack=c + 1)))
    pk.append(fam(2) + bytes(IP(src=V4_C, dst=V4_S, id=2)
                             / TCP(sport=45000, dport=80, flags="A", seq=c + 1, ack=s + 1)))
    # one IPv6 UDP datagram per BSD AF_INET6 value: 24 (Net/OpenBSD), 28 (FreeBSD), 30 (Darwin)
    for i, af in enumerate((24, 28, 30)):
        pk.append(fam(af) + bytes(IPv6(src=V6_C, dst=V6_S)
                                  / UDP(sport=45001 + i, dport=9999)
                                  / Raw(b"null af %d" % af)))
    return pk


# --------------------------------------------------------------------------
# truncated-file.pcap
# --------------------------------------------------------------------------

def truncate(src, dst, record=4):
    """Copy src, cutting it in the middle of the data of record number
    `record` (0-based), or of the last record if there are fewer."""
    with open(src, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        sys.exit("truncate: %s is not a classic pcap file" % src)
    off, n, cut = 24, 0, None
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        if incl >= 2:
            cut = (off + 16 + incl // 2, n)
        if n == record and cut:
            break
        off += 16 + incl
        n += 1
    if cut is None:
        sys.exit("truncate: no usable record in %s" % src)
    with open(dst, "wb") as f:
        f.write(data[:cut[0]])
    print("  wrote %-22s %d bytes (cut inside record %d of %s)"
          % (os.path.basename(dst), cut[0], cut[1] + 1, os.path.basename(src)))


def main(argv):
    if len(argv) == 4 and argv[1] == "truncate":
        truncate(argv[2], argv[3])
        return
    if len(argv) != 2:
        sys.exit(__doc__)
    out = argv[1]
    write_pcap(os.path.join(out, "vlan.pcap"), vlan_pcap())
    write_pcap(os.path.join(out, "ipv6-ext.pcap"), ipv6_ext_pcap())
    write_pcap(os.path.join(out, "icmp.pcap"), icmp_pcap())
    write_pcap(os.path.join(out, "malformed.pcap"), malformed_pcap())
    write_pcap(os.path.join(out, "rawip.pcap"), rawip_pcap(), LINKTYPE_RAW)
    write_pcap(os.path.join(out, "null.pcap"), null_pcap(), LINKTYPE_NULL)


if __name__ == "__main__":
    main(sys.argv)
