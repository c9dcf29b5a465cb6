#!/usr/bin/env python3
"""tests/fuzz/mkseeds_tls.py: writes TLS fuzz seeds (issue 15) into tests/fuzz/corpus/tls/ from
the recorded and crafted captures: the odd handshakes of craft_tls.py (records of 64 bytes,
SSLv2-compatible hello, odd certificates) and a HelloRetryRequest (PostgreSQL's TLS 1.3 session
after its SSLRequest). Each TCP payload becomes chunks in the script format of
tests/fuzz/fuzz_tls.c (control byte: direction, small/large length). Run it again after
changing it; the seeds are committed."""
import os
import sys

import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import TCP, rdpcap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(HERE, "..", "..", "pcaps")


def chunks(direction, data):
    """data as fuzz_tls.c chunks: 64-byte large chunks, the rest in small ones (1..32)."""
    out = b""
    while len(data) >= 64:
        out += bytes([direction]) + data[:64]
        data = data[64:]
    while data:
        n = min(len(data), 32)
        out += bytes([direction | 4 | ((n - 1) << 3)]) + data[:n]
        data = data[n:]
    return out


def flow_script(path, sport, skip_client=0, skip_server=0):
    """The payload segments of the connection from client port sport, in capture order."""
    out = b""
    for p in rdpcap(path):
        if TCP not in p or not bytes(p[TCP].payload):
            continue
        data = bytes(p[TCP].payload)
        to_server = p[TCP].sport == sport
        if not to_server and p[TCP].dport != sport:
            continue
        if to_server and skip_client:
            cut = min(skip_client, len(data))
            data, skip_client = data[cut:], skip_client - cut
        elif not to_server and skip_server:
            cut = min(skip_server, len(data))
            data, skip_server = data[cut:], skip_server - cut
        if data:
            out += chunks(0 if to_server else 1, data)
    return out


def first_port(path, n):
    """The client port of the n-th connection (SYNs in order)."""
    syns = [p[TCP].sport for p in rdpcap(path) if TCP in p and p[TCP].flags == "S"]
    return syns[n]


def main():
    out = os.path.join(HERE, "corpus", "tls")
    os.makedirs(out, exist_ok=True)
    seeds = {
        "frag_records64": flow_script(os.path.join(PCAPS, "tls-frag.pcap"), 40001),
        "sslv2_hello": flow_script(os.path.join(PCAPS, "tls-sslv2.pcap"), 40011),
        "odd_certificates": flow_script(os.path.join(PCAPS, "tls-oddcert.pcap"), 40021),
        # the TLS 1.3 session: SSLRequest (8 bytes) and 'S' left out
        "hello_retry_request": flow_script(
            os.path.join(PCAPS, "starttls-postgres.pcap"),
            first_port(os.path.join(PCAPS, "starttls-postgres.pcap"), 1), 8, 1),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print("  %-22s %6d bytes" % (name, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
