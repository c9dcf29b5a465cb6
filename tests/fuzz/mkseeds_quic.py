#!/usr/bin/env python3
"""tests/fuzz/mkseeds_quic.py: writes the seed corpus of fuzz_quic (tests/fuzz/corpus/quic/).

Raw seeds: the datagrams of each connection of pcaps/quic-handshakes.pcap and proto-quic.pcap
(real Initials, encrypted by ngtcp2; the server is the side on port 18444-18446). Sealed seeds:
the frames of RFC 9001 A.2 (the client's CRYPTO frame) and A.3 (the server's ACK and CRYPTO),
whole, split and reordered, that fuzz_quic protects itself with each version's keys. Google
QUIC: the datagrams of each connection of pcaps/gquic.pcap (Q043, Q046, Q050; the server on
port 443), and its Q046 hello made hostile: the CHLO cut short, two end offsets swapped, an
entry count of 65535, the STREAM frame's length past the packet; and that CHLO alone, and
sealed as Q050 (whole; in two CRYPTO frames: the second part is no CHLO of its own).
Usage: tests/fuzz/mkseeds_quic.py [TOP_SRCDIR]
"""
import os
import struct
import sys

top = sys.argv[1] if len(sys.argv) > 1 else "."
out = os.path.join(top, "tests/fuzz/corpus/quic")
os.makedirs(out, exist_ok=True)
SERVER_PORTS = {18444, 18445, 18446, 443}


def chunk(ctl, data):
    return bytes([ctl]) + struct.pack(">H", len(data)) + data


def pcap_flows(path):
    """UDP payloads by client port, in order, with their direction (0 to server)."""
    flows = {}
    with open(path, "rb") as f:
        gh = f.read(24)
        endian = "<" if gh[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            _, _, incl, _ = struct.unpack(endian + "IIII", h)
            p = f.read(incl)
            if len(p) < 14 + 20 + 8 or p[12:14] != b"\x08\x00":
                continue
            ihl = (p[14] & 15) * 4
            udp = p[14 + ihl:]
            sport, dport = struct.unpack(">HH", udp[:4])
            d = 1 if sport in SERVER_PORTS else 0
            client = dport if d else sport
            flows.setdefault(client, []).append((d, udp[8:]))
    return flows


n = 0
for name in ("quic-handshakes.pcap", "proto-quic.pcap"):
    for client, dgrams in sorted(pcap_flows(os.path.join(top, "pcaps", name)).items()):
        seed = b"".join(chunk(d, p) for d, p in dgrams[:8])
        with open(os.path.join(out, "raw-%s-%d" % (name.split(".")[0], n)), "wb") as f:
            f.write(seed)
        n += 1

hello_frame = bytes.fromhex(
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff")
hello = hello_frame[4:]
server = bytes.fromhex(
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
    "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
    "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
    "020304")


def crypto(off, data):
    return bytes([0x06, 0x40 | off >> 8, off & 255, 0x40 | len(data) >> 8, len(data) & 255]) + data


for v in range(3):  # v1, v2, draft-29
    sealed = 2 | v << 2
    whole = chunk(sealed, hello_frame + bytes(40)) + chunk(sealed | 1, server)
    split = (chunk(sealed | 1 << 4, crypto(100, hello[100:]) + b"\x01") +
             chunk(sealed, crypto(0, hello[:100]) + b"\x00" * 8) +
             chunk(sealed | 1, server))
    overlap = (chunk(sealed, crypto(0, hello[:150])) +
               chunk(sealed | 1 << 4, crypto(120, hello[120:])) +
               chunk(sealed | 1, b"\x03\x05\x00\x01\x02\x01\x02\x03\x04\x05" + server[5:]))
    close = chunk(sealed, crypto(0, hello) + b"\x1c\x0a\x06\x04oops")
    for tag, seed in (("whole", whole), ("split", split), ("overlap", overlap), ("close", close)):
        with open(os.path.join(out, "sealed-v%d-%s" % (v, tag)), "wb") as f:
            f.write(seed)
g = pcap_flows(os.path.join(top, "pcaps", "gquic.pcap"))
for client, dgrams in sorted(g.items()):
    with open(os.path.join(out, "raw-gquic-%d" % client), "wb") as f:
        f.write(b"".join(chunk(d, p) for d, p in dgrams))
q046 = g[41046][0][1]
chlo = q046.index(b"CHLO")  # 0xa0, stream 1, data length (2 bytes) before it
hostile = {
    "cut": q046[:chlo + 200],
    "order": q046[:chlo + 16] + q046[chlo + 24:chlo + 32] + q046[chlo + 16:chlo + 24] +
    q046[chlo + 32:],
    "count": q046[:chlo + 4] + b"\xff\xff" + q046[chlo + 6:],
    "length": q046[:chlo - 2] + b"\xff\xff" + q046[chlo:],
}
with open(os.path.join(out, "gquic-chlo"), "wb") as f:  # the CHLO alone: fuzz_quic reads it too
    f.write(q046[chlo:])
# sealed Q050 (version slot 3): the CHLO in a CRYPTO frame, whole, and in two frames
m = q046[chlo:]
m = m[:8 + 8 * 17 + int.from_bytes(m[8 + 8 * 16 + 4:8 + 8 * 17], "little")]


def crypto8(off, data):
    return bytes([0x08, 0x40 | off >> 8, off & 255, 0x40 | len(data) >> 8, len(data) & 255]) + data


with open(os.path.join(out, "sealed-q050-whole"), "wb") as f:
    f.write(chunk(2 | 3 << 2, crypto8(0, m)))
with open(os.path.join(out, "sealed-q050-split"), "wb") as f:
    f.write(chunk(2 | 3 << 2, crypto8(0, m[:600]) + b"\x07" + crypto8(600, m[600:])))
for tag, d in hostile.items():
    with open(os.path.join(out, "raw-gquic-hostile-%s" % tag), "wb") as f:
        f.write(chunk(0, d))
print("%d raw, 12 sealed, %d gQUIC, %d hostile gQUIC seeds and a CHLO in %s" % (n, len(g), len(hostile), out))
