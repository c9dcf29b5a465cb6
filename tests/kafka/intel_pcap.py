#!/usr/bin/env python3
"""tests/kafka/intel_pcap.py OUT STEP_MS ROUNDS NAME...: a capture for the intel-topic tests and
contrib/bench/intel, made when they run (never committed): DNS lookups, one flow each (query
and answer 1 ms later), of the names in turn, ROUNDS times, one every STEP_MS milliseconds,
client 10.77.x.y (source port rising) to 10.77.0.53. Packets are built by hand (Ethernet,
IPv4 with its checksum, UDP without one, DNS per RFC 1035) so that large captures are quick."""
import struct
import sys

T0_US = 1_800_000_000 * 1_000_000


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def frame(src, dst, sport, dport, payload, smac, dmac):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + udp


def qname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"


def main(argv):
    out, step_ms, rounds, names = argv[1], int(argv[2]), int(argv[3]), argv[4:]
    cmac, smac = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
    server = bytes([10, 77, 0, 53])
    qs = {n: qname(n) for n in names}
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        n = 0
        for _ in range(rounds):
            for name in names:
                ts = T0_US + n * step_ms * 1000
                sport = 20000 + n % 40000
                client = bytes([10, 77, 1 + (n // 40000) % 250, 1])
                qid = n & 0xffff
                q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qs[name] + b"\0\1\0\1"
                a = (struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + qs[name] + b"\0\1\0\1" +
                     b"\xc0\x0c\0\1\0\1" + struct.pack("!IH", 60, 4) + bytes([192, 0, 2, 7]))
                for i, data in enumerate((frame(client, server, sport, 53, q, cmac, smac),
                                          frame(server, client, 53, sport, a, smac, cmac))):
                    t = ts + i * 1000
                    f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(data), len(data)))
                    f.write(data)
                n += 1


if __name__ == "__main__":
    main(sys.argv)
