#!/usr/bin/env python3
# tests/kafka/feed.py: writes a pcap of single-packet UDP flows to PATH (a FIFO the sensor
# reads), in phases: "feed.py PATH N1 PAUSE1 N2 PAUSE2 ..." writes N1 packets, waits PAUSE1
# seconds, and so on. Packet time advances 10 ms a packet, so with a 1 s UDP timeout flows end
# (and their events leave) while the feed goes on.
import struct
import sys
import time


def packet(i):
    src = bytes([10, 9, (i >> 8) & 255, i & 255])
    dst = bytes([192, 0, 2, 1])
    payload = b"kafka feed %d" % i
    udp = struct.pack("!HHHH", 20000 + (i % 40000), 5353, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0, src, dst)
    s = sum(struct.unpack("!10H", ip))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
    return b"\0" * 12 + b"\x08\x00" + ip + udp


def main():
    out = open(sys.argv[1], "wb", buffering=0)
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    args = [float(a) for a in sys.argv[2:]]
    i = 0
    t0 = 1700000000.0
    for k in range(0, len(args), 2):
        for _ in range(int(args[k])):
            f = packet(i)
            ts = t0 + i * 0.01
            out.write(struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(f), len(f)) + f)
            i += 1
        if k + 1 < len(args):
            time.sleep(args[k + 1])
    out.close()


if __name__ == "__main__":
    main()
