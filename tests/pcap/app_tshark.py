#!/usr/bin/env python3
# tests/pcap/app_tshark.py: compares spanwatch's dns and tls events with tshark's dissection of
# the same pcap (fields printed with -T fields -E separator=|).
#   app_tshark.py dns TSHARK_FIELDS EVE.json   fields: id, response, qname, a, aaaa, cname, rcode,
#                                               qtype
#   app_tshark.py tls TSHARK_FIELDS EVE.json   fields: sni, ja3, ja3s, cert sha1 (hex, no colons)
import json
import sys

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def events(path, kind):
    return [json.loads(l) for l in open(path) if '"event_type":"%s"' % kind in l]


def dns(fields, eve):
    theirs = set()
    for line in open(fields):
        f = line.rstrip("\n").split("|")
        if len(f) < 7 or not f[0]:
            continue
        mid = int(f[0], 16)
        resp = f[1] == "1"
        # tshark's dns.a/dns.aaaa include the additional section: compare addresses for
        # address queries only, where they are the answers
        qtype = f[7] if len(f) > 7 else ""
        addrs = tuple(sorted(x for x in (f[3].split(",") + f[4].split(",")) if x)) \
            if qtype in ("1", "28") else ()
        cnames = tuple(sorted(x for x in f[5].split(",") if x))
        rcode = RCODES.get(int(f[6]), f[6]) if resp and f[6] else ""
        theirs.add((mid, resp, f[2].lower(), addrs if resp else (), cnames if resp else (), rcode))
    ours = set()
    for e in events(eve, "dns"):
        d = e["dns"]
        resp = d["type"] == "answer"
        ans = d.get("answers", [])
        addrs = tuple(sorted(a["rdata"] for a in ans if a["rrtype"] in ("A", "AAAA"))) \
            if d.get("rrtype") in ("A", "AAAA") else ()
        cnames = tuple(sorted(a["rdata"] for a in ans if a["rrtype"] == "CNAME"))
        ours.add((d["id"], resp, d.get("rrname", ""), addrs if resp else (),
                  cnames if resp else (), d.get("rcode", "") if resp else ""))
    return theirs, ours


def tls(fields, eve):
    theirs = set()
    for line in open(fields):
        f = (line.rstrip("\n").split("|") + ["", "", "", ""])[:4]
        if any(f):
            theirs.add(tuple(f))
    # tshark prints the ClientHello, ServerHello and Certificate frames on separate lines
    sni = {f[0] for f in theirs if f[0]}
    ja3 = {f[1] for f in theirs if f[1]}
    ja3s = {f[2] for f in theirs if f[2]}
    fp = {f[3].split(",")[0] for f in theirs if f[3]}
    ours_sni, ours_ja3, ours_ja3s, ours_fp = set(), set(), set(), set()
    for e in events(eve, "tls"):
        t = e["tls"]
        if "sni" in t:
            ours_sni.add(t["sni"])
        if "ja3" in t:
            ours_ja3.add(t["ja3"]["hash"])
        if "ja3s" in t:
            ours_ja3s.add(t["ja3s"]["hash"])
        if "fingerprint" in t:
            ours_fp.add(t["fingerprint"].replace(":", ""))
    return (sni, ja3, ja3s, fp), (ours_sni, ours_ja3, ours_ja3s, ours_fp)


def http(fields, eve):
    theirs = set()
    for line in open(fields):
        f = line.rstrip("\n").split("|")
        if len(f) >= 4 and f[0]:
            host = f[2].lower().split(":")[0] if f[2] else ""
            theirs.add((f[0], f[1], host, f[3]))
    ours = set()
    for e in events(eve, "http"):
        if e.get("direction") != "to_server":
            continue
        h = e["http"]
        ours.add((h["http_method"], h["url"], h.get("hostname", ""),
                  str(h["status"]) if "status" in h else ""))
    return theirs, ours


def main():
    kind, fields, eve = sys.argv[1:4]
    theirs, ours = {"dns": dns, "tls": tls, "http": http}[kind](fields, eve)
    if theirs != ours:
        print("# tshark:    %r" % (sorted(theirs) if kind != "tls" else theirs,))
        print("# spanwatch: %r" % (sorted(ours) if kind != "tls" else ours,))
        return 1
    n = len(theirs) if kind != "tls" else sum(len(x) for x in theirs)
    print("# %d %s items agree" % (n, kind))
    return 0 if n > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
