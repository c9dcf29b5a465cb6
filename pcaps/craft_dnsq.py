#!/usr/bin/env python3
"""DNS queries with several questions (tests/detect/keywords/kw-dnsq.rules, tests/detect/lua.sh,
tests/app/dns_questions.sh), called by record.sh (step crafted-dnsq).

Usage:
    craft_dnsq.py OUTDIR         write dns-questions.pcap into OUTDIR

Same conventions as craft.py (10.0.0.1 client, 10.0.0.2 server, classic little-endian pcap
written by hand, byte-identical on every run); packet k is at 1700000000 + k ms.

dns-questions.pcap (UDP, server port 53), 5 packets:
  A  10.0.0.1:40900  query id 0x0a01, 2 questions: first.multi.example A,
                     second.multi.example AAAA; the response has both questions and one
                     answer (first.multi.example A 192.0.2.51)
  B  10.0.0.1:40901  query id 0x0b01, 3 questions: alpha.multi.example A, beta.multi.example
                     MX, gamma.multi.example TXT; the response (NXDOMAIN) has the 3 questions
  C  10.0.0.1:40902  query id 0x0c01, 10 questions q0.multi.example .. q9.multi.example A
                     (more than the 8 a message keeps); no response
"""

import os
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import Ether, IP, UDP, DNS, DNSQR, DNSRR  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import write_pcap, MAC_C, MAC_S, V4_C, V4_S  # noqa: E402


def questions(names):
    qd = None
    for name, qtype in names:
        q = DNSQR(qname=name, qtype=qtype, qclass="IN")
        qd = q if qd is None else qd / q
    return qd


def query(sport, qid, names):
    return Ether(src=MAC_C, dst=MAC_S) / IP(src=V4_C, dst=V4_S, id=1) / \
        UDP(sport=sport, dport=53) / DNS(id=qid, rd=1, qdcount=len(names), qd=questions(names))


def response(sport, qid, names, rcode=0, an=None):
    return Ether(src=MAC_S, dst=MAC_C) / IP(src=V4_S, dst=V4_C, id=1) / \
        UDP(sport=53, dport=sport) / DNS(id=qid, qr=1, rd=1, ra=1, rcode=rcode,
                                        qdcount=len(names), qd=questions(names),
                                        ancount=0 if an is None else 1, an=an)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    a = [("first.multi.example", "A"), ("second.multi.example", "AAAA")]
    b = [("alpha.multi.example", "A"), ("beta.multi.example", "MX"),
         ("gamma.multi.example", "TXT")]
    c = [("q%d.multi.example" % i, "A") for i in range(10)]
    frames = [
        query(40900, 0x0a01, a),
        response(40900, 0x0a01, a,
                 an=DNSRR(rrname="first.multi.example", type="A", ttl=300, rdata="192.0.2.51")),
        query(40901, 0x0b01, b),
        response(40901, 0x0b01, b, rcode=3),
        query(40902, 0x0c01, c),
    ]
    write_pcap(os.path.join(sys.argv[1], "dns-questions.pcap"), frames)

if __name__ == "__main__":
    main()
