#!/usr/bin/env python3
"""pcaps/craft_tls.py: odd TLS handshakes made from the real one of tls.pcap (issue 15).

usage: craft_tls.py TLS_PCAP OUTDIR

  tls-frag.pcap     the client's and server's flights of tls.pcap (curl and openssl s_server,
                    TLS 1.2) re-framed: (1) ClientHello in records of 64 bytes, one TCP segment
                    per record; (2) the same records cut into TCP segments of 7 bytes (record
                    headers split); (3) the ClientHello in one record over 1-byte segments and
                    the server's Certificate in records of 100 bytes
  tls-sslv2.pcap    an SSLv2-compatible ClientHello (RFC 5246 E.2) offering TLS 1.2 and the
                    suites of tls.pcap's hello, answered by tls.pcap's server flight
  tls-oddcert.pcap  tls.pcap's hello, then a ServerHello and a Certificate message carrying two
                    certificates made here with openssl: an empty subject and issuer with
                    subjectAltName DNS, IP, e-mail and URI names, and one whose subject has only
                    an e-mail address and UTF-8
  tls-heartbeat.pcap  tls.pcap's hello and server flight (one record each), then a Heartbleed
                    probe in clear: a heartbeat request record (type 24) claiming a 16384-byte
                    payload it does not carry, sent in 3-byte segments (its header split), and
                    the server's fatal alert record (type 21, handshake_failure) in clear
Each connection has its own client port (so events pair with tshark's by port). Checked by
tests/pcap/tls_tshark.sh against tshark.
"""
import os
import struct
import subprocess
import sys
import tempfile

import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, Ether, Raw, rdpcap, wrpcap  # noqa: E402

T0 = 1700000000.0


def flights(path):
    """The client's and the server's TCP payload bytes of the first connection, in order."""
    pk = rdpcap(path)
    cport = pk[0][TCP].sport
    c, s = b"", b""
    for p in pk:
        if TCP in p and p[TCP].payload and len(bytes(p[TCP].payload)) > 0:
            if p[TCP].sport == cport:
                c += bytes(p[TCP].payload)
            else:
                s += bytes(p[TCP].payload)
    return c, s


def records(data):
    """Splits a byte stream into (type, version, fragment) records."""
    out = []
    while len(data) >= 5:
        t, v, n = struct.unpack("!BHH", data[:5])
        out.append((t, v, data[5:5 + n]))
        data = data[5 + n:]
    return out


def handshake_bytes(data):
    """The handshake messages of the leading handshake records, and what follows."""
    hs, rest = b"", data
    while len(rest) >= 5 and rest[0] == 22:
        n = struct.unpack("!H", rest[3:5])[0]
        hs += rest[5:5 + n]
        rest = rest[5 + n:]
    return hs, rest


def rerecord(hs, size, version=0x0303):
    """Handshake bytes as records of at most size bytes."""
    return b"".join(struct.pack("!BHH", 22, version, len(hs[i:i + size])) + hs[i:i + size]
                    for i in range(0, len(hs), size))


def messages(hs):
    """Handshake messages (type, whole message bytes)."""
    out = []
    while len(hs) >= 4:
        n = int.from_bytes(hs[1:4], "big")
        out.append((hs[0], hs[:4 + n]))
        hs = hs[4 + n:]
    return out


class Conn:
    """One TCP connection, its packets timestamped in order."""

    def __init__(self, sport, dport=443):
        self.sport, self.dport = sport, dport
        self.c, self.s = 1000, 5000
        self.pk = []
        self.add("S", True)
        self.add("SA", False)
        self.c += 1
        self.s += 1
        self.add("A", True)

    def add(self, flags, to_server, data=b""):
        if to_server:
            t = TCP(sport=self.sport, dport=self.dport, flags=flags, seq=self.c, ack=self.s if flags != "S" else 0)
            p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.10", dst="192.0.2.20") / t
        else:
            t = TCP(sport=self.dport, dport=self.sport, flags=flags, seq=self.s, ack=self.c)
            p = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / IP(src="192.0.2.20", dst="192.0.2.10") / t
        if data:
            p = p / Raw(data)
            if to_server:
                self.c += len(data)
            else:
                self.s += len(data)
        self.pk.append(p)

    def send(self, to_server, data, seg=0):
        """data in segments of seg bytes (0: one), each acknowledged by the other side."""
        seg = seg or len(data)
        for i in range(0, len(data), seg):
            self.add("PA", to_server, data[i:i + seg])
            self.add("A", not to_server)

    def close(self):
        self.add("FA", True)
        self.c += 1
        self.add("FA", False)
        self.s += 1
        self.add("A", True)
        return self.pk


def write(path, conns):
    pk = [p for c in conns for p in c]
    for i, p in enumerate(pk):
        p.time = T0 + i * 0.001
    wrpcap(path, pk)
    print("  wrote %-20s %4d packets" % (os.path.basename(path), len(pk)))


def frag_pcap(out, client, server):
    ch_hs, c_rest = handshake_bytes(client)
    sv_hs, s_rest = handshake_bytes(server)
    conns = []
    # 1: records of 64 bytes, a segment each
    c = Conn(40001)
    for r in [rerecord(ch_hs, 64)[i:i + 69] for i in range(0, len(rerecord(ch_hs, 64)), 69)]:
        c.send(True, r)
    c.send(False, server)
    c.send(True, c_rest)
    conns.append(c.close())
    # 2: the same records in 7-byte segments (record headers split across segments)
    c = Conn(40002)
    c.send(True, rerecord(ch_hs, 64), 7)
    c.send(False, server)
    c.send(True, c_rest)
    conns.append(c.close())
    # 3: one record over 1-byte segments; the server's Certificate in records of 100 bytes
    c = Conn(40003)
    c.send(True, rerecord(ch_hs, 16384), 1)
    c.send(False, rerecord(sv_hs, 100) + s_rest, 300)
    c.send(True, c_rest)
    conns.append(c.close())
    write(os.path.join(out, "tls-frag.pcap"), conns)


def sslv2_pcap(out, client, server):
    ch_hs, _ = handshake_bytes(client)
    body = ch_hs[4:]
    # ClientHello: version(2) random(32) session_id<1> cipher_suites<2>
    sid_len = body[34]
    off = 35 + sid_len
    n = struct.unpack("!H", body[off:off + 2])[0]
    suites = body[off + 2:off + 2 + n]
    specs = b"".join(b"\x00" + suites[i:i + 2] for i in range(0, len(suites), 2))
    specs += b"\x07\x00\xc0" + b"\x01\x00\x80"  # two SSLv2-only specs (DES-CBC3-MD5, RC4-MD5)
    challenge = bytes(range(1, 33))
    msg = struct.pack("!BHHHH", 1, 0x0303, len(specs), 0, len(challenge)) + specs + challenge
    hello = struct.pack("!H", 0x8000 | len(msg)) + msg
    c = Conn(40011)
    c.send(True, hello)
    c.send(False, server)
    write(os.path.join(out, "tls-sslv2.pcap"), [c.close()])


def make_certs(tmp):
    """Two DER certificates made with openssl: odd subject/issuer and subjectAltNames."""
    def run(*a):
        subprocess.run(a, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    k = os.path.join(tmp, "k.pem")
    run("openssl", "genrsa", "-out", k, "2048")
    ders = []
    for i, (subj, san) in enumerate([
            ("/", "DNS:odd.demo.example,DNS:*.odd.demo.example,IP:192.0.2.20,"
                  "IP:2001:db8::20,email:ops@demo.example,URI:https://odd.demo.example/ca"),
            ("/emailAddress=ops@demo.example/O=Bücher \\, Ltd", "DNS:bücher.demo.example")]):
        cfg = os.path.join(tmp, "c%d.cnf" % i)
        with open(cfg, "w") as f:
            f.write("[req]\ndistinguished_name=dn\nprompt=no\nutf8=yes\nstring_mask=utf8only\n"
                    "[dn]\n[ext]\nsubjectAltName=%s\n" % san)
        der = os.path.join(tmp, "c%d.der" % i)
        run("openssl", "req", "-new", "-x509", "-key", k, "-config", cfg, "-extensions", "ext",
            "-subj", subj, "-utf8", "-days", "3650", "-set_serial", str(0x10 + i), "-outform", "DER",
            "-out", der, "-multivalue-rdn")
        ders.append(open(der, "rb").read())
    return ders


def oddcert_pcap(out, client, server):
    ch_hs, _ = handshake_bytes(client)
    sv_hs, _ = handshake_bytes(server)
    sh = [m for t, m in messages(sv_hs) if t == 2][0]
    with tempfile.TemporaryDirectory() as tmp:
        ders = make_certs(tmp)
    lst = b"".join(len(d).to_bytes(3, "big") + d for d in ders)
    cert = b"\x0b" + (len(lst) + 3).to_bytes(3, "big") + len(lst).to_bytes(3, "big") + lst
    done = b"\x0e\x00\x00\x00"
    c = Conn(40021)
    c.send(True, rerecord(ch_hs, 16384))
    c.send(False, rerecord(sh + cert + done, 16384))
    write(os.path.join(out, "tls-oddcert.pcap"), [c.close()])


def heartbeat_pcap(out, client, server):
    ch_hs, _ = handshake_bytes(client)
    sv_hs, _ = handshake_bytes(server)
    hb = struct.pack("!BHH", 24, 0x0303, 3) + b"\x01\x40\x00"  # request, payload_length 16384
    alert = struct.pack("!BHH", 21, 0x0303, 2) + b"\x02\x28"  # fatal, handshake_failure
    c = Conn(40031)
    c.send(True, rerecord(ch_hs, 16384))
    c.send(False, rerecord(sv_hs, 16384))
    c.send(True, hb, 3)
    c.send(False, alert)
    write(os.path.join(out, "tls-heartbeat.pcap"), [c.close()])


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    client, server = flights(argv[1])
    os.makedirs(argv[2], exist_ok=True)
    frag_pcap(argv[2], client, server)
    sslv2_pcap(argv[2], client, server)
    oddcert_pcap(argv[2], client, server)
    heartbeat_pcap(argv[2], client, server)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
