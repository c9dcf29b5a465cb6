#!/usr/bin/env python3
"""tests/fuzz/mkseeds_decode.py: writes the decode fuzz seeds of the tunnels and link types of
issue 12 into tests/fuzz/corpus/decode/ (one file per layer: the selector byte of
tests/fuzz/fuzz_decode.c, then the packet). Each packet is built field by field from its RFC;
the innermost packet is a TCP SYN 10.0.0.1:40000 -> 192.168.7.200:80 or a DNS-like UDP datagram
over IPv6. Run it again after changing it; the seeds are committed."""
import os
import struct
import sys

# fuzz_linktypes[] indexes
ETH, RAW_IPV4, CHDLC, PPP, PPP_HDLC, NFLOG = 0, 7, 11, 12, 13, 14


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(proto, payload, src=b"\x0a\0\0\x01", dst=b"\xc0\xa8\x07\xc8"):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, 0, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(nh, payload, src=b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\x01",
        dst=b"\x20\x01\x0d\xb8" + b"\0" * 10 + b"\x12\x34"):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + src + dst + payload


def tcp_syn():
    t = struct.pack("!HHIIBBHHH", 40000, 80, 7, 0, 5 << 4, 0x02, 0xFAF0, 0, 0)
    pseudo = b"\x0a\0\0\x01\xc0\xa8\x07\xc8" + struct.pack("!BBH", 0, 6, len(t))
    return t[:16] + struct.pack("!H", csum(pseudo + t)) + t[18:]


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def udp6_inner():
    u = udp(5353, 53, b"abcd")
    src = b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\x01"
    dst = b"\x20\x01\x0d\xb8" + b"\0" * 10 + b"\x12\x34"
    c = csum(src + dst + struct.pack("!IxxxB", len(u), 17) + u)  # RFC 8200 8.1 pseudo header
    return ip6(17, u[:6] + struct.pack("!H", c) + u[8:])


INNER4 = ip4(6, tcp_syn())
INNER6 = udp6_inner()
MACS = bytes.fromhex("001122334455006677889900")
OUT_A, OUT_B = b"\xc6\x33\x64\x01", b"\xc6\x33\x64\x02"  # 198.51.100.1, .2


def eth(etype, payload):
    return MACS + struct.pack("!H", etype) + payload


def outer4(proto, payload):
    return ip4(proto, payload, OUT_A, OUT_B)


def gre(flags, proto, payload, key=None, seq=None):
    h = struct.pack("!HH", flags, proto)
    opt = b""
    if flags & 0x8000:
        opt += b"\0\0\0\0"
    if key is not None:
        opt += struct.pack("!I", key)
    if seq is not None:
        opt += struct.pack("!I", seq)
    pkt = h + opt + payload
    if flags & 0x8000:
        pkt = pkt[:4] + struct.pack("!H", csum(pkt)) + pkt[6:]
    return pkt


def mpls(labels):
    out = b""
    for i, lab in enumerate(labels):
        out += struct.pack("!I", lab << 12 | (0x100 if i == len(labels) - 1 else 0) | 64)
    return out


def nflog_tlv(t, v):
    ln = 4 + len(v)
    return struct.pack("<HH", ln, t) + v + b"\0" * ((4 - ln % 4) % 4)


def seeds():
    frame4 = eth(0x0800, INNER4)
    s = {}
    s["tun-gre-cks"] = (RAW_IPV4, outer4(47, gre(0xB000, 0x0800, INNER4, key=0x01020304, seq=1)))
    s["tun-gre-ipv6"] = (RAW_IPV4, outer4(47, gre(0x0000, 0x86DD, INNER6)))
    vlan_frame = MACS + struct.pack("!HHH", 0x8100, 77, 0x0800) + INNER4
    s["tun-gre-teb"] = (RAW_IPV4, outer4(47, gre(0x2000, 0x6558, vlan_frame, key=9)))
    s["tun-gre-routing"] = (RAW_IPV4, outer4(47, struct.pack("!HHI", 0x4000, 0x0800, 0)
                                             + struct.pack("!HBB", 0x0800, 0, 4) + b"\1\2\3\4"
                                             + b"\0\0\0\0" + INNER4))
    ppp = b"\xff\x03\x00\x21" + INNER4
    s["tun-gre-pptp"] = (RAW_IPV4, outer4(47, struct.pack("!HHHHII", 0x3081, 0x880B, len(ppp),
                                                          0x4242, 5, 4) + ppp))
    s["tun-erspan1"] = (RAW_IPV4, outer4(47, gre(0x0000, 0x88BE, frame4)))
    s["tun-erspan2"] = (RAW_IPV4, outer4(47, gre(0x1000, 0x88BE, struct.pack(
        "!HHI", 0x1000 | 100, 0x155, 7) + frame4, seq=1)))
    s["tun-erspan3"] = (RAW_IPV4, outer4(47, gre(0x1000, 0x22EB, struct.pack(
        "!HHIHH", 0x2000 | 100, 0x155, 0x11223344, 0xABC, 1) + b"\x08\0\0\0\0\0\0\0" + frame4,
        seq=1)))
    geneve_opt = struct.pack("!HBBI", 0x0102, 3, 1, 0xDEADBEEF)
    s["tun-geneve-eth"] = (ETH, eth(0x0800, outer4(17, udp(40001, 6081, struct.pack(
        "!BBHI", 2, 0, 0x6558, 0xABCDEF << 8) + geneve_opt + frame4))))
    s["tun-geneve-ipv6"] = (RAW_IPV4, outer4(17, udp(40001, 6081, struct.pack(
        "!BBHI", 0, 0, 0x86DD, 1 << 8) + INNER6)))
    ext = b"\x01\x10\x09\x00"  # PDU session container, no next extension
    s["tun-gtpu-ext"] = (RAW_IPV4, outer4(17, udp(2152, 2152, struct.pack(
        "!BBHIHBB", 0x36, 255, 4 + len(ext) + len(INNER6), 0x11223344, 1, 0, 0x85)
        + ext + INNER6)))
    s["tun-gtpu-echo"] = (RAW_IPV4, outer4(17, udp(2152, 2152, struct.pack(
        "!BBHIHBB", 0x32, 1, 4, 0, 1, 0, 0))))
    auth = b"\x00\x01\x02\x03" + b"ab" + b"xyz" + b"NONCE..." + b"\x00"
    origin = b"\x00\x00\x12\x34\xc0\x00\x02\x01"
    s["tun-teredo"] = (RAW_IPV4, outer4(17, udp(3544, 40000, auth + origin + INNER6)))
    ayiya = struct.pack("!BBBBI", 0x41, 0x52, 0x21, 41, 1700000000) + b"i" * 16 + b"s" * 20
    s["tun-ayiya"] = (RAW_IPV4, outer4(17, udp(5072, 5072, ayiya + INNER6)))
    s["link-mpls"] = (ETH, eth(0x8847, mpls([16001, 1000, 299776]) + INNER4))
    s["link-mpls-pw"] = (ETH, eth(0x8847, mpls([5000, 5001]) + b"\0\0\0\x11" + frame4))
    s["link-mpls-null6"] = (ETH, eth(0x8848, mpls([2]) + INNER6))
    pp = b"\x00\x21" + INNER4
    s["link-pppoe"] = (ETH, eth(0x8864, struct.pack("!BBHH", 0x11, 0, 0x1234, len(pp)) + pp))
    s["link-pppoe-disc"] = (ETH, eth(0x8863, struct.pack("!BBHH", 0x11, 0x09, 0, 4)
                                     + b"\x01\x01\x00\x00"))
    s["link-chdlc"] = (CHDLC, b"\x0f\x00\x08\x00" + INNER4)
    s["link-ppp"] = (PPP, b"\xff\x03\x00\x21" + INNER4)
    s["link-ppp-hdlc"] = (PPP_HDLC, b"\xff\x03\x00\x57" + INNER6)
    s["link-nflog"] = (NFLOG, b"\x02\x00\x00\x05" + nflog_tlv(1, b"\x08\x00\x03\x00")
                       + nflog_tlv(10, b"drop\0") + nflog_tlv(9, INNER4))
    s["link-llc-snap"] = (ETH, MACS + struct.pack("!H", 8 + len(INNER4))
                          + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + INNER4)
    tags = b"".join(struct.pack("!HH", t, 0xE000 | (10 + i))
                    for i, t in enumerate((0x88A8, 0x9100, 0x8100, 0x8100, 0x8100)))
    s["link-vlan5"] = (ETH, MACS + tags + b"\x08\x00" + INNER4)
    bomb = INNER4
    for i in range(9):
        bomb = outer4(47, gre(0x2000, 0x0800, bomb, key=i))
    s["tun-gre-bomb"] = (RAW_IPV4, bomb)
    nested = outer4(17, udp(5072, 5072, struct.pack("!BBBBI", 0x01, 0x02, 0x21, 4, 0) + b"i"
                            + INNER4))
    nested = ip6(4, nested)
    nested = outer4(41, nested)
    nested = outer4(17, udp(2152, 2152, struct.pack("!BBHI", 0x30, 255, len(nested), 7) + nested))
    nested = outer4(17, udp(1, 6081, struct.pack("!BBHI", 0, 0, 0x0800, 3 << 8) + nested))
    nested = outer4(47, gre(0x1000, 0x88BE, struct.pack("!HHI", 0x1000, 0x155, 7)
                            + eth(0x0800, nested), seq=1))
    nested = outer4(17, udp(1, 4789, b"\x08\0\0\0" + struct.pack("!I", 42 << 8)
                            + eth(0x0800, nested)))
    s["tun-nested7"] = (RAW_IPV4, nested)
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "decode")
    for name, (sel, pkt) in sorted(seeds().items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([sel]) + pkt)
    print("mkseeds_decode: %d seeds in %s" % (len(seeds()), out))


if __name__ == "__main__":
    main()
