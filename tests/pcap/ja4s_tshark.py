#!/usr/bin/env python3
"""tests/pcap/ja4s_tshark.py: spanwatch's JA4S agrees with one computed from tshark's fields.

usage: ja4s_tshark.py PCAP EVE [tshark -d option...]

For every ServerHello tshark sees (TLS over TCP, or in a QUIC Initial that tshark decrypts), in
frame order per client port, the JA4S of the matching event (tls or quic, the client's port, the
n-th event that has a ServerHello: a "ja3s") must equal the one computed here after FoxIO's JA4S
specification (technical_details/JA4S.md): [t|q], the version chosen (supported_versions, else
the legacy version), the number of extensions, the first and last character of the ALPN chosen
("00" without), "_", the cipher suite chosen in hex, "_", the first 12 hex digits of the SHA-256
of the extension types in the order sent. GREASE values are left out. Prints a summary; exit 1
on a difference or when there is no ServerHello.
"""
import hashlib
import json
import subprocess
import sys

VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3",
            0x0002: "s2", 0xFEFF: "d1", 0xFEFD: "d2", 0xFEFC: "d3"}


def grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def nums(text):
    return [int(x, 0) for x in text.split(",") if x]


def alpn_chars(alpn):
    if not alpn:
        return "00"
    f, l = alpn[0], alpn[-1]
    if f.isalnum() and l.isalnum() and f.isascii() and l.isascii():
        return f + l
    h = alpn.encode().hex()
    return h[0] + h[-1]


def ja4s(quic, legacy, selected, cipher, exts, alpn):
    exts = [e for e in exts if not grease(e)]
    v = selected[0] if selected else legacy
    a = ("q" if quic else "t") + VERSIONS.get(v, "00") + "%02d" % min(len(exts), 99)
    a += alpn_chars(alpn)
    c = (hashlib.sha256(",".join("%04x" % e for e in exts).encode()).hexdigest()[:12]
         if exts else "0" * 12)
    return "%s_%04x_%s" % (a, cipher, c)


def main():
    pcap, eve = sys.argv[1], sys.argv[2]
    cmd = ["tshark", "-r", pcap]
    for d in sys.argv[3:]:
        cmd += ["-d", d]
    cmd += ["-Y", "tls.handshake.type == 2", "-T", "fields", "-E", "separator=|",
            "-E", "occurrence=a", "-e", "tcp.dstport", "-e", "udp.dstport", "-e", "quic.version",
            "-e", "tls.handshake.version", "-e", "tls.handshake.extensions.supported_version",
            "-e", "tls.handshake.ciphersuite", "-e", "tls.handshake.extension.type",
            "-e", "tls.handshake.extensions_alpn_str"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    events = {}
    for line in open(eve):
        if not line.startswith("{"):
            continue
        e = json.loads(line)
        t = e.get("tls") if e.get("event_type") == "tls" else (
            e.get("quic") if e.get("event_type") == "quic" else None)
        if t is not None and "ja3s" in t:
            events.setdefault(e["src_port"], []).append(t)
    bad = n = 0
    seen = {}
    for line in out.splitlines():
        if not line.strip():
            continue
        tport, uport, qver, ver, sv, ciph, ext, alpn = line.split("|")
        port = int(tport or uport)
        want = ja4s(qver != "", int(ver.split(",")[0], 0), nums(sv), nums(ciph)[0], nums(ext),
                    alpn.split(",")[0])
        i = seen.get(port, 0)
        seen[port] = i + 1
        evs = events.get(port, [])
        got = evs[i].get("ja4s", "") if i < len(evs) else "(no event)"
        n += 1
        if got != want:
            print("# port %d ServerHello %d: spanwatch %s, tshark's fields %s" %
                  (port, i + 1, got, want))
            bad += 1
    print("# %d ServerHellos, %d JA4S agree" % (n, n - bad))
    return 1 if bad or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
