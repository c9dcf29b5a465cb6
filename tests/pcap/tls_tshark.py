#!/usr/bin/env python3
"""tests/pcap/tls_tshark.py: spanwatch's tls events agree with tshark's dissection of a pcap.

An SSLv2-compatible ClientHello has no JA3 in tshark: it is computed here from tshark's cipher
specs (those that are TLS suites), as spanwatch does.

usage: tls_tshark.py PCAP EVE [tshark -d option...]

For every ClientHello tshark sees (in frame order), the matching tls event (same client port,
in order) must have the same SNI and JA3 hash, and a JA4 equal to the one computed here from
tshark's fields (cipher suites, extension types, signature algorithms, supported versions,
ALPN), following FoxIO's JA4 specification. For every Certificate message, the event's
"chain" (base64 DER, with app.tls.log-chain) must be the certificates tshark shows, and its
subjectaltname DNS names tshark's x509ce.dNSName. Prints a summary; exit 1 on a difference.
"""
import base64
import hashlib
import json
import subprocess
import sys


def tshark(pcap, decode, filt, fields):
    cmd = ["tshark", "-r", pcap]
    for d in decode:
        cmd += ["-d", d]
    cmd += ["-Y", filt, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [l.split("|") for l in out.splitlines() if l.strip()]


def grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def nums(text):
    return [int(x, 0) for x in text.split(",") if x]


def ja4(ciphers, exts, sigalgs, versions, legacy, alpn, sni):
    """JA4 per FoxIO's specification (technical_details/JA4.md)."""
    ciphers = [c for c in ciphers if not grease(c)]
    exts = [e for e in exts if not grease(e)]
    vers = [v for v in versions if not grease(v)]
    v = max(vers) if vers else legacy
    names = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3",
             0x0002: "s2", 0xFEFF: "d1", 0xFEFD: "d2", 0xFEFC: "d3"}
    a = "t" + names.get(v, "00") + ("d" if sni else "i")
    a += "%02d%02d" % (min(len(ciphers), 99), min(len(exts), 99))
    if not alpn:
        a += "00"
    else:
        f, l = alpn[0], alpn[-1]
        if f.isalnum() and l.isalnum() and f.isascii() and l.isascii():
            a += f + l
        else:
            h = alpn.encode().hex()
            a += h[0] + h[-1]

    def h12(s):
        return hashlib.sha256(s.encode()).hexdigest()[:12]

    b = h12(",".join("%04x" % c for c in sorted(ciphers))) if ciphers else "0" * 12
    rest = sorted(e for e in exts if e not in (0, 16))
    if rest:
        s = ",".join("%04x" % e for e in rest)
        sig = [x for x in sigalgs if not grease(x)]
        if sig:
            s += "_" + ",".join("%04x" % x for x in sig)
        c = h12(s)
    else:
        c = "0" * 12
    return a + "_" + b + "_" + c


def main():
    pcap, eve = sys.argv[1], sys.argv[2]
    decode = sys.argv[3:]
    events = {}
    for line in open(eve):
        line = line.strip()
        if not line.startswith("{"):
            continue
        e = json.loads(line)
        if e.get("event_type") == "tls":
            events.setdefault(e["src_port"], []).append(e["tls"])
    hellos = tshark(pcap, decode, "tls.handshake.type == 1",
                    ["tcp.srcport", "udp.srcport", "tls.handshake.extensions_server_name",
                     "tls.handshake.ja3",
                     "tls.handshake.ciphersuite", "tls.handshake.extension.type",
                     "tls.handshake.sig_hash_alg", "tls.handshake.extensions.supported_version",
                     "tls.handshake.version", "tls.handshake.extensions_alpn_str",
                     "tls.handshake.cipherspec"])
    bad = 0
    seen = {}
    for tport, uport, sni, ja3, ciph, ext, sig, sv, ver, alpn, specs in hellos:
        port = int(tport or uport)
        if specs:  # an SSLv2-compatible hello: tshark gives no JA3; its TLS suites make it
            ciph = ",".join(str(s) for s in nums(specs) if s < 0x10000 and not grease(s))
            ja3 = hashlib.md5(("%d,%s,,," % (int(ver.split(",")[0], 0), ciph.replace(",", "-")))
                              .encode()).hexdigest()
        i = seen.get(port, 0)
        seen[port] = i + 1
        evs = events.get(port, [])
        if i >= len(evs):
            print("# port %d: no tls event for ClientHello %d" % (port, i + 1))
            bad += 1
            continue
        t = evs[i]
        want = ja4(nums(ciph), nums(ext), nums(sig), nums(sv), int(ver.split(",")[0], 0),
                   alpn.split(",")[0], sni != "")
        got = (t.get("sni", ""), t.get("ja3", {}).get("hash", ""), t.get("ja4", ""))
        if got != (sni, ja3, want):
            print("# port %d hello %d: spanwatch %s, tshark %s" % (port, i + 1, got,
                                                                   (sni, ja3, want)))
            bad += 1
    ncert = 0
    certs = tshark(pcap, decode, "tls.handshake.type == 11",
                   ["tcp.dstport", "udp.dstport", "tls.handshake.certificate", "x509ce.dNSName"])
    for tport, uport, ders, dns in certs:
        port = int(tport or uport)
        if not ders:  # a client's empty Certificate (the server asked for one)
            continue
        evs = [t for t in events.get(port, []) if "chain" in t or "subject" in t]
        if not evs:
            print("# port %d: no certificate in its tls events" % port)
            bad += 1
            continue
        t = evs[0]
        want = [bytes.fromhex(d.replace(":", "")) for d in ders.split(",") if d]
        got = [base64.b64decode(c) for c in t.get("chain", [])]
        if got != want:
            print("# port %d: chain of %d certificates, tshark %d (or bytes differ)" %
                  (port, len(got), len(want)))
            bad += 1
        # tshark lists the SANs of every certificate; the event has the first one's (its DNS
        # names: not addresses, e-mail addresses or URIs)
        first_dns = [n for n in t.get("subjectaltname", [])
                     if not n[:1].isdigit() and ":" not in n and "@" not in n]
        if first_dns != dns.split(",")[:len(first_dns)] or (dns and not first_dns):
            print("# port %d: subjectaltname %s, tshark %s" % (port, first_dns, dns))
            bad += 1
        ncert += 1
    print("# %d ClientHellos (SNI, JA3, JA4), %d certificate chains compared" %
          (len(hellos), ncert))
    return 1 if bad or not hellos else 0


if __name__ == "__main__":
    sys.exit(main())
