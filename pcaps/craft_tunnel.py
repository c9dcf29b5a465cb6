#!/usr/bin/env python3
"""Tunnelled copies of recorded pcaps for spanwatch's tunnel tests (called by record.sh).

Usage:
    craft_tunnel.py PCAPDIR OUTDIR

Each output wraps every packet of a real recording from PCAPDIR (http.pcap, http6.pcap,
dns.pcap) in a tunnel, keeping its timestamp and its bytes from the IP header on:

    tunnel-vxlan-http.pcap   http.pcap in VXLAN (UDP 4789, VNI 1001) over IPv4
    tunnel-vxlan-dns2.pcap   dns.pcap twice, in VNI 1 and in VNI 2 (the same inner tuples in two
                             tunnels: two flows each); the VNI 2 copy is 1 us later
    tunnel-ipip-http.pcap    http.pcap as IPv4 in IPv4 (protocol 4)
    tunnel-4in6-dns.pcap     dns.pcap as IPv4 in IPv6 (next header 4)
    tunnel-6in4-http6.pcap   http6.pcap as IPv6 in IPv4 (protocol 41, 6in4)

The outer header goes tunnel end A -> B for packets of the side that sent the first packet and
B -> A for the other side (the VXLAN source port differs by direction too, as real VTEPs'
entropy ports do). Deterministic: the same input gives the same bytes.
"""

import os
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import Ether, IP, IPv6, UDP, Raw  # noqa: E402
from scapy.layers.vxlan import VXLAN  # noqa: E402

LINKTYPE_ETHERNET = 1
MAC_A, MAC_B = "02:00:00:00:0a:01", "02:00:00:00:0b:01"
V4_A, V4_B = "192.0.2.1", "192.0.2.2"
V6_A, V6_B = "2001:db8:7::a", "2001:db8:7::b"
VXLAN_PORT = 4789


def read_pcap(path):
    """(ts_sec, ts_usec, frame bytes, original length) of a classic little/big-endian pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        sys.exit("%s: link type %d, Ethernet expected" % (path, linktype))
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        out.append((sec, usec, data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return out


def write_pcap(path, records):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET))
        for sec, usec, frame in records:
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)
    print("  wrote %-26s %3d packets" % (os.path.basename(path), len(records)))


def side_of(frame, first):
    """0 for the side that sent the first packet (same source address and port), 1 for the other."""
    key = endpoint(frame)
    if first[0] is None:
        first[0] = key
    return 0 if key == first[0] else 1


def endpoint(frame):
    pkt = Ether(frame)
    ip = pkt.getlayer(IP) or pkt.getlayer(IPv6)
    l4 = ip.payload
    return (ip.src, getattr(l4, "sport", None))


def wrap(records, make):
    """Applies make(inner_ethernet_frame, side) to each record."""
    first = [None]
    return [(sec, usec, bytes(make(frame, side_of(frame, first))))
            for sec, usec, frame, _ in records]


def vxlan(vni):
    def make(frame, side):
        a, b = (V4_A, V4_B) if side == 0 else (V4_B, V4_A)
        ma, mb = (MAC_A, MAC_B) if side == 0 else (MAC_B, MAC_A)
        sport = 50001 if side == 0 else 50002
        return (Ether(src=ma, dst=mb) / IP(src=a, dst=b, id=0) /
                UDP(sport=sport, dport=VXLAN_PORT) / VXLAN(vni=vni) / Raw(frame))
    return make


def ip_in(outer_family, proto):
    def make(frame, side):
        inner = frame[14:]  # the recorded IP packet, as it was
        ma, mb = (MAC_A, MAC_B) if side == 0 else (MAC_B, MAC_A)
        if outer_family == 4:
            a, b = (V4_A, V4_B) if side == 0 else (V4_B, V4_A)
            return Ether(src=ma, dst=mb) / IP(src=a, dst=b, id=0, proto=proto) / Raw(inner)
        a, b = (V6_A, V6_B) if side == 0 else (V6_B, V6_A)
        return Ether(src=ma, dst=mb) / IPv6(src=a, dst=b, nh=proto) / Raw(inner)
    return make


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    http = read_pcap(os.path.join(src, "http.pcap"))
    http6 = read_pcap(os.path.join(src, "http6.pcap"))
    dns = read_pcap(os.path.join(src, "dns.pcap"))

    write_pcap(os.path.join(out, "tunnel-vxlan-http.pcap"), wrap(http, vxlan(1001)))
    one, two = wrap(dns, vxlan(1)), wrap(dns, vxlan(2))
    both = []
    for (s1, u1, f1), (s2, u2, f2) in zip(one, two):
        t2 = s2 * 1000000 + u2 + 1
        both += [(s1, u1, f1), (t2 // 1000000, t2 % 1000000, f2)]
    write_pcap(os.path.join(out, "tunnel-vxlan-dns2.pcap"), both)
    write_pcap(os.path.join(out, "tunnel-ipip-http.pcap"), wrap(http, ip_in(4, 4)))
    write_pcap(os.path.join(out, "tunnel-4in6-dns.pcap"), wrap(dns, ip_in(6, 4)))
    write_pcap(os.path.join(out, "tunnel-6in4-http6.pcap"), wrap(http6, ip_in(4, 41)))


if __name__ == "__main__":
    main()
