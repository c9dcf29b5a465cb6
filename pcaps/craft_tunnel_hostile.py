#!/usr/bin/env python3
"""Malformed tunnels and link headers for spanwatch's decoder tests (called by record.sh).

Usage:
    craft_tunnel_hostile.py OUTDIR

Writes tunnel-hostile.pcap (Ethernet) and tunnel-hostile-{chdlc,ppp,ppphdlc,nflog}.pcap (one per
link type), and tunnel-hostile.tsv, the manifest tests/pcap/tunnel_hostile.py reads: one line per
packet, "file  number  kind  expect  what", where expect is
    valid    a well-formed packet (a control): decoded, no anomaly, its inner flow exists
    anomaly  a truncated header or a wrong length: the packet must raise an anomaly event
    deep     deeper than the default depth limit (8): an anomaly and the depth counter
    any      may be decoded or not (e.g. a truncated Teredo packet is just UDP to port 3544);
             nothing is required but not crashing
    plain    a look-alike (Teredo that is not IPv6): must NOT be decoded as the tunnel

Every header of craft_tunnel.py is cut at every length from 0 to its full length (the outer
IPv4/UDP lengths are rewritten to match, so the tunnel decoder itself meets the short header, not
the IPv4 decoder meeting a short capture), then given wrong length fields. Each packet carries a
small UDP datagram 10.0.0.1:4000 -> 10.0.0.2:5000+n inside (n the packet number) so decoded
packets can be told apart. Timestamps: 1700000000 + n ms. Deterministic.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import craft_tunnel as ct  # noqa: E402

from scapy.all import IP, IPv6, UDP, Raw  # noqa: E402

T0_US = 1700000000 * 1000000


class Capture:
    def __init__(self, name, linktype):
        self.name, self.linktype, self.frames, self.rows = name, linktype, [], []

    def add(self, frame, kind, expect, what):
        self.frames.append(bytes(frame))
        self.rows.append((self.name, len(self.frames), kind, expect, what))

    def number(self):
        """The number the next packet will have (1-based, as tshark counts)."""
        return len(self.frames) + 1

    def write(self, outdir):
        recs = []
        for i, f in enumerate(self.frames):
            t = T0_US + (i + 1) * 1000
            recs.append((t // 1000000, t % 1000000, f))
        ct.write_pcap(os.path.join(outdir, self.name), recs, self.linktype)


def inner4(n):
    return bytes(IP(src="10.0.0.1", dst="10.0.0.2", id=n) /
                 UDP(sport=4000, dport=5000 + n) / Raw(b"hostile %d" % n))


def inner6(n):
    return bytes(IPv6(src="2001:db8:bad::1", dst="2001:db8:bad::2") /
                 UDP(sport=4000, dport=5000 + n) / Raw(b"hostile %d" % n))


class P:
    """A stand-in for craft_tunnel.Packet around an inner IP packet."""

    def __init__(self, ip, side=0, index=0):
        self.ip, self.side, self.index = ip, side, index
        self.v6 = ip[0] >> 4 == 6
        self.frame = ct.ether(side, ct.ETH_IPV6 if self.v6 else ct.ETH_IPV4, ip)


def over_ip(proto, payload):
    return ct.eth4(0, ct.ipv4(0, proto, payload))


def over_udp(sport, dport, payload):
    return ct.eth4(0, ct.udp4(0, sport, dport, payload))


def cuts(cap, kind, hlen, build, expect="anomaly"):
    """build(n) -> (frame-maker(cut), full tunnel header bytes) ; cut the header at 0..hlen."""
    for k in range(hlen + 1):
        n = cap.number()
        cap.add(build(n, k), kind, expect, "header cut at %d of %d bytes" % (k, hlen))


def ethernet_capture():
    cap = Capture("tunnel-hostile.pcap", ct.LINKTYPE_ETHERNET)

    # --- GRE v0 with checksum, key and sequence (16-byte header) ---
    def gre_full(n):
        return ct.gre(ct.ETH_IPV4, inner4(n), csum=True, key=1, seq=n)
    cap.add(over_ip(47, gre_full(cap.number())), "gre", "valid", "GRE C+K+S, IPv4 inside")
    cuts(cap, "gre", 16, lambda n, k: over_ip(47, gre_full(n)[:k]))
    n = cap.number()
    cap.add(over_ip(47, struct.pack("!HH", 0x0002, ct.ETH_IPV4) + inner4(n)), "gre", "any",
            "GRE version 2 (undefined)")
    n = cap.number()
    cap.add(over_ip(47, struct.pack("!HH", 0x0000, 0x1234) + inner4(n)), "gre", "any",
            "GRE protocol 0x1234 (unknown payload: counted)")

    # --- GRE v1 (PPTP) ---
    def pptp_full(n, length=None):
        g = ct.gre_pptp(0x4001, ct.ppp(P(inner4(n))), seq=n, ack=n)
        if length is not None:
            g = g[:4] + struct.pack("!H", length) + g[6:]
        return g
    cap.add(over_ip(47, pptp_full(cap.number())), "pptp", "valid", "enhanced GRE + PPP")
    cuts(cap, "pptp", 16 + 4, lambda n, k: over_ip(47, pptp_full(n)[:k]))
    n = cap.number()
    cap.add(over_ip(47, pptp_full(n, 0xFFFF)), "pptp", "anomaly",
            "payload length 65535, past the end")
    n = cap.number()
    cap.add(over_ip(47, pptp_full(n, 0x0FFF)), "pptp", "anomaly",
            "payload length 4095, past the end")
    n = cap.number()
    lcp = b"\xff\x03\xc0\x21\x01\x01\x00\x04"
    cap.add(over_ip(47, ct.gre_pptp(0x4001, lcp, seq=n)), "pptp", "any",
            "PPP LCP (not IP: counted, not decoded)")

    # --- GRE TEB ---
    def teb_full(n):
        return ct.gre(ct.ETH_TEB, P(inner4(n)).frame)
    cap.add(over_ip(47, teb_full(cap.number())), "gre-teb", "valid", "GRE TEB")
    cuts(cap, "gre-teb", 4 + 14, lambda n, k: over_ip(47, teb_full(n)[:k]))

    # --- ERSPAN II and III (+ platform sub-header) ---
    def ers2(n):
        return ct.gre(ct.ETH_ERSPAN_2, ct.erspan2(1, 2, 0, P(inner4(n)).frame), seq=n)
    cap.add(over_ip(47, ers2(cap.number())), "erspan", "valid", "ERSPAN II")
    cuts(cap, "erspan", 8 + 8 + 14, lambda n, k: over_ip(47, ers2(n)[:k]))

    def ers3(n, plat):
        return ct.gre(ct.ETH_ERSPAN_3, ct.erspan3(3, n, P(inner4(n)).frame,
                                                  platform=(1, 0) if plat else None), seq=n)
    cap.add(over_ip(47, ers3(cap.number(), True)), "erspan", "valid",
            "ERSPAN III with the platform sub-header")
    cuts(cap, "erspan", 8 + 12 + 8 + 14, lambda n, k: over_ip(47, ers3(n, True)[:k]))
    cuts(cap, "erspan", 8 + 12 + 14, lambda n, k: over_ip(47, ers3(n, False)[:k]))

    # --- Geneve ---
    def gen(n, opts=ct.GENEVE_OPTIONS, raw_len=None):
        g = ct.geneve(9, ct.ETH_TEB, P(inner4(n)).frame, opts)
        if raw_len is not None:
            g = bytes([raw_len]) + g[1:]
        return g
    cap.add(over_udp(50001, ct.GENEVE_PORT, gen(cap.number())), "geneve", "valid",
            "Geneve with options")
    cuts(cap, "geneve", 8 + len(ct.GENEVE_OPTIONS) + 14,
         lambda n, k: over_udp(50001, ct.GENEVE_PORT, gen(n)[:k]))
    n = cap.number()
    cap.add(over_udp(50001, ct.GENEVE_PORT, gen(n, raw_len=63)), "geneve", "anomaly",
            "Opt Len 63 (252 bytes), past the end")
    n = cap.number()
    bad_opt = struct.pack("!HBB", 0x0102, 1, 31) + b"\0" * 4     # option says 124 bytes
    cap.add(over_udp(50001, ct.GENEVE_PORT, gen(n, opts=bad_opt)), "geneve", "any",
            "an option longer than Opt Len (options are skipped by Opt Len)")
    n = cap.number()
    cap.add(over_udp(50001, ct.GENEVE_PORT, bytes([0x40]) + gen(n)[1:]), "geneve", "any",
            "Geneve version 1 (undefined)")

    # --- GTP-U ---
    def gtp(n, **kw):
        ext = ct.gtpu_ext(P(inner4(n), side=0, index=n))
        return ct.gtpu(0x1234, inner4(n), seq=n, ext=ext)
    cap.add(over_udp(ct.GTPU_PORT, ct.GTPU_PORT, gtp(cap.number())), "gtpu", "valid",
            "GTP-U G-PDU with two extension headers")
    cuts(cap, "gtpu", 12 + 4 + 4, lambda n, k: over_udp(ct.GTPU_PORT, ct.GTPU_PORT, gtp(n)[:k]))
    n = cap.number()
    g = gtp(n)
    cap.add(over_udp(ct.GTPU_PORT, ct.GTPU_PORT, g[:2] + struct.pack("!H", 0xFFFF) + g[4:]),
            "gtpu", "anomaly", "GTP length 65535, past the end")
    n = cap.number()
    g = gtp(n)
    cap.add(over_udp(ct.GTPU_PORT, ct.GTPU_PORT, g[:2] + struct.pack("!H", 2) + g[4:]),
            "gtpu", "anomaly", "GTP length 2, shorter than its optional fields")
    n = cap.number()
    g = gtp(n)
    cap.add(over_udp(ct.GTPU_PORT, ct.GTPU_PORT, g[:12] + b"\x00" + g[13:]), "gtpu", "anomaly",
            "an extension header of length 0")
    n = cap.number()
    g = gtp(n)
    cap.add(over_udp(ct.GTPU_PORT, ct.GTPU_PORT, g[:12] + b"\xff" + g[13:]), "gtpu", "anomaly",
            "an extension header of length 255 (1020 bytes), past the end")

    # --- Teredo: truncations are just UDP to 3544; look-alikes must stay UDP ---
    def ter(n):
        return ct.teredo_auth(b"id", b"\x01" * 4, b"\x02" * 8) + \
            ct.teredo_origin(40001, "198.51.100.7") + inner6(n)
    cap.add(over_udp(40001, ct.TEREDO_PORT, ter(cap.number())), "teredo", "valid",
            "Teredo auth + origin, IPv6 inside")
    cuts(cap, "teredo", 13 + 6 + 8 + 40, lambda n, k: over_udp(40001, ct.TEREDO_PORT, ter(n)[:k]),
         expect="any")
    n = cap.number()
    cap.add(over_udp(40001, ct.TEREDO_PORT, inner4(n)), "teredo", "plain",
            "IPv4 (not IPv6) to port 3544")
    n = cap.number()
    v6 = bytearray(inner6(n))
    v6[4:6] = struct.pack("!H", 5000)
    cap.add(over_udp(40001, ct.TEREDO_PORT, bytes(v6)), "teredo", "plain",
            "version 6 but payload length 5000, past the datagram")
    n = cap.number()
    cap.add(over_udp(40001, ct.TEREDO_PORT, b"\x60" + b"\x00" * 11), "teredo", "plain",
            "0x60 then 11 zero bytes (shorter than an IPv6 header)")
    n = cap.number()
    cap.add(over_udp(40001, ct.TEREDO_PORT, ct.teredo_origin(1, "1.2.3.4") + inner4(n)),
            "teredo", "plain", "origin indication then IPv4")
    n = cap.number()
    cap.add(over_udp(40001, ct.TEREDO_PORT, struct.pack("!HBB", 1, 255, 255) + inner6(n)),
            "teredo", "plain", "authentication with ID-len 255 and AU-len 255, past the end")
    n = cap.number()
    dns = bytes.fromhex("12340100000100000000000003777777076578616d706c650000010001")
    cap.add(over_udp(40001, ct.TEREDO_PORT, dns), "teredo", "plain", "a DNS query to port 3544")

    # --- AYIYA ---
    def ay(n, idlen=None, siglen=None):
        a = ct.ayiya(P(inner4(n)), bytes(16), 1700000000)
        if idlen is not None:
            a = bytes([(idlen << 4) | 1]) + a[1:]
        if siglen is not None:
            a = a[:1] + bytes([(siglen << 4) | 2]) + a[2:]
        return a
    cap.add(over_udp(40002, ct.AYIYA_PORT, ay(cap.number())), "ayiya", "valid",
            "AYIYA, IPv4 inside")
    cuts(cap, "ayiya", 8 + 16 + 20, lambda n, k: over_udp(40002, ct.AYIYA_PORT, ay(n)[:k]))
    n = cap.number()
    cap.add(over_udp(40002, ct.AYIYA_PORT, ay(n, idlen=15)), "ayiya", "anomaly",
            "IDLen 15 (32768-byte identity), past the end")
    n = cap.number()
    cap.add(over_udp(40002, ct.AYIYA_PORT, ay(n, siglen=15)), "ayiya", "anomaly",
            "SigLen 15 (60-byte signature), past the end")

    # --- IP in IP: truncated inner headers ---
    for proto, inner, kind in ((4, inner4, "ipip"), (41, inner6, "ipip")):
        hl = 20 if proto == 4 else 40
        cuts(cap, kind, hl - 1, lambda n, k, proto=proto, inner=inner:
             over_ip(proto, inner(n)[:k]))

    # --- MPLS ---
    def mp(n, labels=(16, 17), bottom=True):
        return ct.ether(0, ct.ETH_MPLS_UC, ct.mpls(labels, inner4(n), bottom=bottom))
    cap.add(mp(cap.number()), "mpls", "valid", "two labels, IPv4")
    for k in range(0, 8):
        n = cap.number()
        cap.add(ct.ether(0, ct.ETH_MPLS_UC, ct.mpls((16, 17), b"")[:k]), "mpls", "anomaly",
                "label stack cut at %d of 8 bytes" % k)
    n = cap.number()
    cap.add(ct.ether(0, ct.ETH_MPLS_UC, ct.mpls(range(100, 110), b"", bottom=False)), "mpls",
            "anomaly", "10 labels, none the bottom one, then the end")
    n = cap.number()
    cap.add(mp(n, labels=range(1000, 1100), bottom=False), "mpls", "anomaly",
            "100 labels, none the bottom one, then an IPv4 packet")
    n = cap.number()
    cap.add(ct.ether(0, ct.ETH_MPLS_UC, ct.mpls((16,), b"\x90" + inner4(n)[1:])), "mpls", "any",
            "first nibble 9 after the bottom label (neither IP nor a control word)")

    def pw(n, cw_len=0):
        cw = struct.pack("!I", (cw_len & 0x3F) << 16 | 1)
        # the pseudowire label of craft_tunnel.py (tshark is told it is one: Decode As)
        return ct.ether(0, ct.ETH_MPLS_UC, ct.mpls((16, 2001), cw + P(inner4(n)).frame))
    cap.add(pw(cap.number()), "mpls", "valid", "pseudowire, control word, Ethernet")
    for k in range(0, 4 + 14 + 1):
        n = cap.number()
        full = ct.mpls((16, 2001), struct.pack("!I", 1) + P(inner4(n)).frame)
        cap.add(ct.ether(0, ct.ETH_MPLS_UC, full[:8 + k]), "mpls", "anomaly",
                "pseudowire control word + Ethernet cut at %d of 18 bytes" % k)

    # --- PPPoE ---
    def pppoe(n, length=None):
        s = ct.pppoe_session(0x1234, ct.ppp(P(inner4(n)), acfc=True))
        if length is not None:
            s = s[:4] + struct.pack("!H", length) + s[6:]
        return ct.ether(0, ct.ETH_PPPOE_SESS, s)
    cap.add(pppoe(cap.number()), "pppoe", "valid", "PPPoE session, IPv4")
    for k in range(0, 8):
        n = cap.number()
        cap.add(ct.ether(0, ct.ETH_PPPOE_SESS, pppoe(n)[14:14 + k]), "pppoe", "anomaly",
                "PPPoE + PPP header cut at %d of 8 bytes" % k)
    n = cap.number()
    cap.add(pppoe(n, length=0xFFFF), "pppoe", "anomaly", "PPPoE length 65535, past the end")
    n = cap.number()
    cap.add(pppoe(n, length=1), "pppoe", "anomaly", "PPPoE length 1 (no room for PPP protocol)")
    n = cap.number()
    cap.add(ct.ether(0, ct.ETH_PPPOE_DISC, ct.pppoe_discovery(0x09, 0, [(0x0101, b"")])[:5]),
            "pppoe", "any", "PPPoE discovery (PADI) cut at 5 bytes")

    # --- VLAN: three tags, cut; and 20 tags ---
    def tags(n, count):
        t = [(ct.ETH_8021AD, 10)] + [(ct.ETH_8021Q, 20 + i) for i in range(count - 1)]
        tp, rest = ct.vlan_tags(t, ct.ETH_IPV4, inner4(n))
        return tp, rest
    n = cap.number()
    tp, rest = tags(n, 3)
    cap.add(ct.ether(0, tp, rest), "vlan", "valid", "three VLAN tags")
    for k in range(0, 12):
        n = cap.number()
        tp, rest = tags(n, 3)
        cap.add(ct.ether(0, tp, rest[:k]), "vlan", "anomaly", "three tags cut at %d of 12" % k)
    n = cap.number()
    tp, rest = tags(n, 20)
    cap.add(ct.ether(0, tp, rest), "vlan", "deep", "20 VLAN tags")

    # --- 802.3 LLC/SNAP ---
    n = cap.number()
    body = ct.llc_snap(ct.ETH_IPV4, inner4(n))
    cap.add(ct.ether(0, len(body), body), "llc", "valid", "802.3 + LLC/SNAP, IPv4")
    for k in range(0, 8):
        n = cap.number()
        body = ct.llc_snap(ct.ETH_IPV4, inner4(n))[:k]
        cap.add(ct.ether(0, len(body), body), "llc", "anomaly",
                "LLC/SNAP cut at %d of 8 bytes" % k)
    n = cap.number()
    body = ct.llc_snap(ct.ETH_IPV4, inner4(n))
    cap.add(ct.ether(0, 1500, body), "llc", "anomaly", "802.3 length 1500, past the frame")

    # --- the depth bombs ---
    def gre_nest(n, depth):
        pkt = inner4(n)
        for _ in range(depth):
            pkt = ct.ipv4(0, 47, ct.gre(ct.ETH_IPV4, pkt))
        return ct.ether(0, ct.ETH_IPV4, pkt)
    n = cap.number()
    cap.add(gre_nest(n, 3), "depth", "valid", "GRE in GRE, 3 deep")
    for depth in (12, 40):
        n = cap.number()
        cap.add(gre_nest(n, depth), "depth", "deep", "GRE in GRE, %d deep" % depth)

    def vx_nest(n, depth):
        frame = P(inner4(n)).frame
        for _ in range(depth):
            frame = ct.eth4(0, ct.udp4(0, 50001, ct.VXLAN_PORT, ct.vxlan_header(5) + frame))
        return frame
    n = cap.number()
    cap.add(vx_nest(n, 12), "depth", "deep", "VXLAN in VXLAN, 12 deep")
    n = cap.number()
    pkt = inner6(n)
    for _ in range(12):
        pkt = ct.ipv6(0, 41, pkt)
    cap.add(ct.ether(0, ct.ETH_IPV6, pkt), "depth", "deep", "IPv6 in IPv6, 12 deep")
    return cap


def link_captures():
    out = []
    for name, lt, head, kind in (
            ("tunnel-hostile-chdlc.pcap", ct.LINKTYPE_C_HDLC, b"\x0f\x00\x08\x00", "chdlc"),
            ("tunnel-hostile-ppp.pcap", ct.LINKTYPE_PPP, b"\xff\x03\x00\x21", "ppp"),
            ("tunnel-hostile-ppphdlc.pcap", ct.LINKTYPE_PPP_HDLC, b"\xff\x03\x00\x21", "ppp")):
        cap = Capture(name, lt)
        cap.add(head + inner4(cap.number()), kind, "valid", "header + IPv4")
        for k in range(0, len(head) + 1):
            n = cap.number()
            cap.add((head + inner4(n))[:k] if k < len(head) else head, kind, "anomaly",
                    "header cut at %d of %d bytes" % (k, len(head)))
        n = cap.number()
        cap.add(head[:-2] + b"\x12\x34" + inner4(n), kind, "any",
                "unknown protocol 0x1234 (counted)")
        out.append(cap)

    cap = Capture("tunnel-hostile-nflog.pcap", ct.LINKTYPE_NFLOG)
    cap.add(ct.nflog(P(inner4(1)), 7, b"x"), "nflog", "valid", "NFLOG, IPv4 payload TLV")
    full = ct.nflog(P(inner4(2)), 7, b"x")
    hdr_len = len(full) - len(inner4(2))
    # where a record may legally end: after the 4-byte header or after a whole TLV, with or
    # without its padding (a record without a payload TLV is legal: nflog-size 0 logs none)
    ends, off = {4}, 4
    while off + 4 <= hdr_len:
        length = struct.unpack_from("<H", full, off)[0]
        if off + length > hdr_len:
            break
        ends.update(range(off + length, off + ((length + 3) & ~3) + 1))
        off += (length + 3) & ~3
    for k in range(0, hdr_len + 1):
        n = cap.number()
        if k in ends:
            cap.add(ct.nflog(P(inner4(n)), 7, b"x")[:k], "nflog", "any",
                    "NFLOG ending after %d bytes, on a TLV boundary, without a payload" % k)
        else:
            cap.add(ct.nflog(P(inner4(n)), 7, b"x")[:k], "nflog", "anomaly",
                    "NFLOG cut at %d of %d header bytes" % (k, hdr_len))

    def tlvs(*items):
        return struct.pack("!BBH", 2, 0, 7) + b"".join(items)
    n = cap.number()
    cap.add(tlvs(struct.pack("<HH", 0, 9) + inner4(n)), "nflog", "anomaly",
            "a TLV of length 0")
    n = cap.number()
    cap.add(tlvs(struct.pack("<HH", 2, 9) + inner4(n)), "nflog", "anomaly",
            "a TLV of length 2 (shorter than its own header)")
    n = cap.number()
    cap.add(tlvs(struct.pack("<HH", 60000, 9) + inner4(n)), "nflog", "anomaly",
            "a payload TLV of length 60000, past the end")
    n = cap.number()
    cap.add(tlvs(struct.pack("<HH", 8, 1) + struct.pack("!HBB", 0x0800, 1, 0)), "nflog",
            "any", "no payload TLV (legal: nothing to decode)")
    out.append(cap)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    caps = [ethernet_capture()] + link_captures()
    with open(os.path.join(outdir, "tunnel-hostile.tsv"), "w") as f:
        f.write("# file\tnumber\tkind\texpect\twhat (pcaps/craft_tunnel_hostile.py)\n")
        for cap in caps:
            cap.write(outdir)
            for row in cap.rows:
                f.write("%s\t%d\t%s\t%s\t%s\n" % row)


if __name__ == "__main__":
    main()
