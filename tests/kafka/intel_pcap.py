#!/usr/bin/env python3
"""tests/kafka/intel_pcap.py OUT STEP_MS ROUNDS NAME...: a capture for the intel-topic tests, made at
test time (never committed): DNS lookups, one flow each (query and answer), of the names in
turn, one every STEP_MS milliseconds, client 10.77.0.1 (source port rising) to 10.77.0.53."""
import logging
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import DNS, DNSQR, DNSRR, IP, UDP, Ether  # noqa: E402

T0_US = 1_800_000_000 * 1_000_000


def main(argv):
    out, step_ms, rounds, names = argv[1], int(argv[2]), int(argv[3]), argv[4:]
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        n = 0
        for r in range(rounds):
            for name in names:
                ts = T0_US + n * step_ms * 1000
                sport = 20000 + n
                q = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
                     IP(src="10.77.0.1", dst="10.77.0.53") / UDP(sport=sport, dport=53) /
                     DNS(id=n & 0xffff, rd=1, qd=DNSQR(qname=name)))
                a = (Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") /
                     IP(src="10.77.0.53", dst="10.77.0.1") / UDP(sport=53, dport=sport) /
                     DNS(id=n & 0xffff, qr=1, rd=1, ra=1, qd=DNSQR(qname=name),
                         an=DNSRR(rrname=name, rdata="192.0.2.7")))
                for i, p in enumerate((q, a)):
                    data = bytes(p)
                    t = ts + i * 1000
                    f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(data), len(data)))
                    f.write(data)
                n += 1


if __name__ == "__main__":
    main(sys.argv)
