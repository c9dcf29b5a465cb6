#!/usr/bin/env python3
"""contrib/bench/vxlanwrap.py: the benchmark capture as a cloud traffic mirror delivers it.

usage: vxlanwrap.py IN.pcap OUT.pcap [--vni 4242]

Wraps every Ethernet frame of IN (classic pcap, either byte order, µs or ns timestamps) in
Ethernet / IPv4 / UDP / VXLAN (RFC 7348), as AWS VPC Traffic Mirroring sends it to its target:
one direction, mirror source 10.1.0.1 -> sensor 10.1.0.2, destination port 4789, the UDP source
port taken from a hash of the inner frame's addresses and ports (as a VTEP spreads flows), UDP
checksum 0 (RFC 7348 5: SHOULD be zero), IPv4 header checksum computed, VNI --vni. Timestamps
are kept. Streams the file with struct and mmap (no scapy), so it handles captures of many
hundred MB in seconds; writes OUT.tmp and renames it when complete. Frames too large for an IPv4
packet once wrapped (over 65485 bytes) are copied unwrapped and counted.
"""

import argparse
import mmap
import os
import struct
import sys
import zlib

LINKTYPE_ETHERNET = 1
OUTER_MAC = bytes.fromhex("020000000a01") + bytes.fromhex("020000000b01")  # src, dst
OUTER_SRC, OUTER_DST = bytes([10, 1, 0, 1]), bytes([10, 1, 0, 2])
VXLAN_PORT = 4789
OVERHEAD = 14 + 20 + 8 + 8


def ip_checksum_base():
    """The ones' complement sum of the fixed IPv4 header words (all but total length)."""
    words = struct.unpack("!10H", struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0x4000, 64, 17,
                                              0, OUTER_SRC, OUTER_DST))
    return sum(words)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--vni", type=int, default=4242)
    args = ap.parse_args()

    base = ip_checksum_base()
    vxlan = struct.pack("!II", 0x08 << 24, args.vni << 8)
    eth = OUTER_MAC + b"\x08\x00"
    pack_rec = struct.Struct("IIII")
    tmp = args.output + ".tmp"
    wrapped = unwrapped = 0
    with open(args.input, "rb") as fin, open(tmp, "wb", buffering=1 << 20) as fout:
        mm = mmap.mmap(fin.fileno(), 0, access=mmap.ACCESS_READ)
        magic = struct.unpack_from("<I", mm, 0)[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            order = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            order = ">"
        else:
            sys.exit("%s: not a classic pcap file" % args.input)
        hdr = struct.Struct(order + "IIII")
        linktype = struct.unpack_from(order + "I", mm, 20)[0]
        if linktype != LINKTYPE_ETHERNET:
            sys.exit("%s: link type %d, Ethernet expected" % (args.input, linktype))
        # same magic (µs or ns) in the output's byte order (little-endian), snaplen 262144
        ns = magic in (0xA1B23C4D, 0x4D3CB2A1)
        fout.write(struct.pack("<IHHiIII", 0xA1B23C4D if ns else 0xA1B2C3D4, 2, 4, 0, 0, 262144,
                               LINKTYPE_ETHERNET))
        off, end = 24, len(mm)
        out = []
        pending = 0
        ip_head = struct.Struct("!BBHHHBBH4s4s")
        udp_head = struct.Struct("!HHHH")
        while off + 16 <= end:
            sec, frac, incl, orig = hdr.unpack_from(mm, off)
            off += 16
            frame = mm[off:off + incl]
            off += incl
            if incl + OVERHEAD - 14 > 65535:
                out.append(pack_rec.pack(sec, frac, incl, orig))
                out.append(frame)
                unwrapped += 1
                continue
            # entropy source port: the inner addresses and ports (bytes 26..38 of an IPv4 frame;
            # whatever sits there otherwise), as Linux' vxlan does with its flow hash
            sport = 49152 | (zlib.crc32(frame[26:38]) & 0x3FFF)
            total = 20 + 8 + 8 + incl
            s = base + total
            s = (s & 0xFFFF) + (s >> 16)
            s = (s & 0xFFFF) + (s >> 16)
            out.append(pack_rec.pack(sec, frac, incl + OVERHEAD, orig + OVERHEAD))
            out.append(eth)
            out.append(ip_head.pack(0x45, 0, total, 0, 0x4000, 64, 17, ~s & 0xFFFF,
                                    OUTER_SRC, OUTER_DST))
            out.append(udp_head.pack(sport, VXLAN_PORT, 8 + 8 + incl, 0))
            out.append(vxlan)
            out.append(frame)
            wrapped += 1
            pending += 1
            if pending >= 4096:
                fout.write(b"".join(out))
                out, pending = [], 0
        fout.write(b"".join(out))
        mm.close()
    os.replace(tmp, args.output)
    print("vxlanwrap: %d frames wrapped in VXLAN (VNI %d), %d too large copied as they were"
          % (wrapped, args.vni, unwrapped), file=sys.stderr)


if __name__ == "__main__":
    main()
