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
from scapy.all import TCP, UDP, rdpcap  # noqa: E402

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


def flow_script(path, sport, skip_client=0, skip_server=0, udp=False):
    """The payload segments of the connection from client port sport, in capture order (UDP:
    each datagram one chunk with a 2-byte length)."""
    out = b""
    L4 = UDP if udp else TCP
    for p in rdpcap(path):
        if L4 not in p or not bytes(p[L4].payload):
            continue
        data = bytes(p[L4].payload)
        to_server = p[L4].sport == sport
        if not to_server and p[L4].dport != sport:
            continue
        if udp:  # one chunk per datagram, its length in 2 bytes (fuzz_starttls.c)
            out += bytes([0 if to_server else 1]) + len(data).to_bytes(2, "big") + data
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


def udp_client_port(path):
    """The source port of the first UDP datagram."""
    return [p[UDP].sport for p in rdpcap(path) if UDP in p][0]


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
    # tests/fuzz/fuzz_starttls.c: a selector byte (the parser), then the whole first session
    out = os.path.join(HERE, "corpus", "starttls")
    os.makedirs(out, exist_ok=True)
    for sel, name in enumerate(["smtp", "imap", "pop3", "ftp", "xmpp", "ldap", "postgres"]):
        path = os.path.join(PCAPS, "starttls-%s.pcap" % name)
        data = bytes([sel]) + flow_script(path, first_port(path, 0))
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print("  starttls/%-13s %6d bytes" % (name, len(data)))
    for sel, name in ((7, "tcp"), (8, "udp")):
        path = os.path.join(PCAPS, "openvpn-%s.pcap" % name)
        sport = first_port(path, 0) if name == "tcp" else udp_client_port(path)
        data = bytes([sel]) + flow_script(path, sport, udp=name == "udp")
        with open(os.path.join(out, "openvpn_" + name), "wb") as f:
            f.write(data)
        print("  starttls/openvpn_%-5s %6d bytes" % (name, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
