#!/usr/bin/env python3
"""The HTTP evasion tables: what the browsers got, and how spanwatch compares.

Usage:
    table.py expected CHROMIUM.jsonl FIREFOX.jsonl > expected.tsv
    table.py compare EXPECTED.tsv EVE.json TSHARK_DIR RESULT.tsv
        prints one TAP-like line per check ("ok - ..." / "not ok - ..." / "# ...") and writes
        RESULT.tsv (variant, chromium, firefox, spanwatch, ok, tshark, anomaly)
    table.py readme RESULT.tsv README.md [REVISION]
        rewrites the section between the HTTP EVASION markers of README.md
    table.py downloads C_FETCH.jsonl C_DOWNLOAD.jsonl F_FETCH.jsonl F_DOWNLOAD.jsonl
        > downloads.tsv: per variant, each browser's fetch() result against its download
    table.py cut IN.pcap OUT.pcap
        the capture as a sensor started mid-connection sees it: per TCP connection, every
        packet before the server's first data (handshake, request) is left out
    table.py midstream EXPECTED.tsv EVE.json
        on the cut capture, per variant where the browsers got the same non-empty body:
        spanwatch's fileinfo.sha256 on the connection (found by the client port) is that body

The rules (issue 13): where both browsers got the same body, spanwatch's fileinfo.sha256 on
the variant's flow must be that body's; where they disagree, it must be Chromium's body and
spanwatch must raise an anomaly event on the flow (when Chromium refused, any body or none
passes, but the anomaly is still required; stream and decoder anomalies do not count); where
both refused, anything passes as long as spanwatch ran (check.sh checks that it exits 0 on
the whole capture). A body of 0 bytes is matched by no fileinfo as well as by a fileinfo of
the empty hash.
"""

import csv
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import server  # noqa: E402

REFUSED = "refused"
EMPTY = hashlib.sha256(b"").hexdigest()
COLS = ["variant", "description", "chromium", "firefox", "agree", "class", "port",
        "chromium_error", "firefox_error"]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def labels():
    """short names for the bodies a browser may plausibly get"""
    B = server.B
    known = {
        B: "file", b"": "empty", B[:1000]: "file[:1000]", B[:2000]: "file[:2000]",
        B[:3000]: "file[:3000]", b"decoy": "decoy", b"extra": "extra", server.GZ: "gzip-bytes",
        server.deflate_zlib(B): "zlib-bytes", server.deflate_raw(B): "deflate-bytes",
        server.gz(B[:2000]) + server.gz(B[2000:]): "2-gzip-members-bytes",
        server.chunked(B): "chunked-bytes",
    }
    out = {sha(k): v for k, v in known.items()}
    out[REFUSED] = REFUSED
    return out


LABELS = labels()


def label(h, name=None):
    if h in LABELS:
        return LABELS[h]
    if name is not None and h == sha(b"".join(server.BY_NAME[name][3])):
        return "whole-response"
    return h[:12] if re.fullmatch(r"[0-9a-f]{64}", h or "") else (h or "none")


def read_jsonl(path):
    return {r["name"]: r for r in (json.loads(line) for line in open(path) if line.strip())}


def cmd_expected(cpath, fpath):
    c, f = read_jsonl(cpath), read_jsonl(fpath)
    w = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    w.writerow(COLS)
    for i, (name, klass, desc, _) in enumerate(server.VARIANTS):
        rc, rf = c.get(name, {}), f.get(name, {})
        a, b = rc.get("result", "missing"), rf.get("result", "missing")
        w.writerow([name, desc, a, b, "yes" if a == b else "no", klass, 30000 + i,
                    rc.get("error", ""), rf.get("error", "")])


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_eve(path):
    events = []
    for line in open(path, errors="replace"):
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return events


def tshark_objects(d):
    """first exported object per URL name (tshark names files after the URL's last part and
    appends (1), (2)... to repeated names)"""
    out = {}
    if not os.path.isdir(d):
        return out
    for fn in sorted(os.listdir(d), key=lambda s: (len(s), s)):
        base = re.sub(r"\(\d+\)$", "", fn)
        if base not in out:
            with open(os.path.join(d, fn), "rb") as fh:
                out[base] = sha(fh.read())
    return out


def cmd_compare(expected, evefile, tdir, result):
    exp = read_tsv(expected)
    events = read_eve(evefile)
    tsh = tshark_objects(tdir)
    flow_of = {}                      # variant -> flow_id (from the http event's url)
    port_flow = {}                    # client port -> flow_id (flow events)
    files, anomalies = {}, {}
    for e in events:
        t, fid = e.get("event_type"), e.get("flow_id")
        if t == "http":
            url = (e.get("http") or {}).get("url") or ""
            m = re.match(r"^/v/([^?#]+)", url)
            if m and m.group(1) not in flow_of:
                flow_of[m.group(1)] = fid
        elif t == "flow" and e.get("dest_port") == 80:
            port_flow.setdefault(e.get("src_port"), fid)
        elif t == "fileinfo":
            files.setdefault(fid, []).append(e.get("fileinfo") or {})
        elif t == "anomaly":
            a = e.get("anomaly") or {}
            # the parser's (an HTTP construct), not the stream's or the decoder's
            if a.get("type") not in ("stream", "decode"):
                anomalies.setdefault(fid, []).append(a.get("event", "?"))
    rows, n_ok, n_bad = [], 0, 0
    tshark_same, tshark_diff = [], []
    for r in exp:
        name, c, f = r["variant"], r["chromium"], r["firefox"]
        fid = flow_of.get(name)
        how = ""
        if fid is None:
            fid = port_flow.get(int(r["port"]))
            how = "no http event; " if fid is not None else "no http event, no flow; "
        # the browser saves the answer to its one request: the first transaction's file (a
        # later, unrequested response is another file, not what the browser saved)
        fis = [f for f in (files.get(fid, []) if fid is not None else [])
               if f.get("tx_id", 0) == 0]
        if fis:
            sw = fis[0].get("sha256") or "no-hash-" + str(fis[0].get("state", "")).lower()
        else:
            sw = "none"
        anom = anomalies.get(fid, []) if fid is not None else []

        def same(body):
            return sw == body or (body == EMPTY and sw == "none")

        if c == f:
            good = True if c == REFUSED else same(c)
            rule = "both refused: ran" if c == REFUSED else "browsers agree"
        elif c == REFUSED:
            good = bool(anom)
            rule = "Chromium refused, Firefox did not: anomaly needed"
        else:
            good = same(c) and bool(anom)
            rule = "browsers disagree: Chromium's body and an anomaly"
        th = tsh.get(name, "none")
        if c == f and c != REFUSED:
            (tshark_same if th == c else tshark_diff).append(
                (name, th, EMPTY if sw == "none" else sw))
        rows.append([name, c, f, sw, "ok" if good else "FAIL", th, ",".join(sorted(set(anom)))])
        n_ok += good
        n_bad += not good
        text = "%s: chromium %s, firefox %s, spanwatch %s%s (%s)" % (
            name, label(c, name), label(f, name), label(sw, name), ", anomaly" if anom else "", rule)
        print(("ok - " if good else "not ok - ") + text)
        if not good:
            print("# %s%s files on the flow: %s; anomalies: %s" % (
                how, len(fis), [(x.get("state"), label(x.get("sha256", ""))) for x in fis], anom))
    # tshark: on the variants where it got the browsers' body, spanwatch's (variant, sha256)
    # set must be tshark's; where it did not, say so (tshark is not the oracle)
    differ = [n for n, t, s in tshark_same if t != s]
    print(("ok - " if not differ else "not ok - ") +
          "tshark --export-objects gets the browsers' body on %d variants; spanwatch's "
          "(variant, sha256) set on them is tshark's" % len(tshark_same))
    if differ:
        print("# spanwatch differs from tshark on %d of them: %s" % (len(differ), ", ".join(differ)))
    print("# tshark differs from the browsers on %d variants: %s" % (
        len(tshark_diff), ", ".join("%s (%s)" % (n, label(t)) for n, t, _ in tshark_diff)))
    print("# spanwatch matches the oracle on %d of %d variants" % (n_ok, n_ok + n_bad))
    by_class = {}
    for r, row in zip(exp, rows):
        k = by_class.setdefault(r.get("class", "?"), [0, 0])
        k[0] += row[4] == "ok"
        k[1] += 1
    print("# by class: " + ", ".join("%s %d/%d" % (c, a, b) for c, (a, b) in by_class.items()))
    with open(result, "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["variant", "chromium", "firefox", "spanwatch", "ok", "tshark", "anomaly"])
        w.writerows(rows)


BEGIN = "<!-- BEGIN HTTP EVASION TABLE (tests/http_evasion/check.sh with UPDATE_README=1) -->"
END = "<!-- END HTTP EVASION TABLE -->"


def cmd_readme(result, readme, rev=""):
    rows = read_tsv(result)
    exp = {r["variant"]: r for r in read_tsv(os.path.join(HERE, "expected.tsv"))}
    out = [BEGIN, "",
           "Bodies by name: `file` = the 4000-byte file, `file[:N]` = its first N bytes, "
           "`gzip-bytes` / `zlib-bytes` / `deflate-bytes` = the encoded file not decoded, "
           "`chunked-bytes` = the chunked body not de-chunked, `whole-response` = every byte the "
           "server sent (read as HTTP/0.9), "
           "`empty`, `decoy`/`extra` = the other response's body, otherwise the first 12 hex "
           "digits of the SHA-256; `none` = no fileinfo. spanwatch%s matches on %d of %d variants." % (
               " " + rev if rev else "", sum(r["ok"] == "ok" for r in rows), len(rows)), "",
           "| variant | class | what | Chromium | Firefox | spanwatch | ok | tshark |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        e = exp.get(r["variant"], {})
        desc = e.get("description", "").replace("|", "\\|")
        out.append("| `%s` | %s | %s | %s | %s | %s | %s | %s |" % (
            r["variant"], e.get("class", ""), desc, label(r["chromium"], r["variant"]),
            label(r["firefox"], r["variant"]), label(r["spanwatch"], r["variant"]), r["ok"],
            label(r["tshark"], r["variant"])))
    out.append("")
    out.append(END)
    text = open(readme).read()
    block = "\n".join(out) + "\n"
    if BEGIN in text and END in text:
        a = text.index(BEGIN)
        b = text.index(END) + len(END) + 1
        text = text[:a] + block + text[b:]
    else:
        marker = "## Generated inventory"
        a = text.index(marker)
        text = text[:a] + block + "\n" + text[a:]
    with open(readme, "w") as fh:
        fh.write(text)


def cmd_downloads(cf, cd, ff, fd):
    c, cdl, f, fdl = (read_jsonl(p) for p in (cf, cd, ff, fd))
    w = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    w.writerow(["variant", "chromium_fetch", "chromium_download", "firefox_fetch",
                "firefox_download", "chromium_download_error", "firefox_download_error"])
    for name, _, _, _ in server.VARIANTS:
        g = lambda d: d.get(name, {}).get("result", "missing")  # noqa: E731
        w.writerow([name, g(c), g(cdl), g(f), g(fdl), cdl.get(name, {}).get("error", ""),
                    fdl.get(name, {}).get("error", "")])


def cmd_cut(src, dst):
    """classic pcap, Ethernet, IPv4 (what tcpdump -i lo writes)"""
    import struct
    with open(src, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    out = [data[:24]]
    started = set()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "IIII", data[off:off + 16])[2]
        rec = data[off:off + 16 + incl]
        pkt = rec[16:]
        off += 16 + incl
        if len(pkt) < 34 or pkt[12:14] != b"\x08\x00" or pkt[23] != 6:
            out.append(rec)
            continue
        ihl = (pkt[14] & 15) * 4
        tcp = pkt[14 + ihl:]
        sport, dport = struct.unpack("!HH", tcp[:4])
        payload = len(pkt) - 14 - ihl - (tcp[12] >> 4) * 4
        client = dport if sport == 80 else sport
        if sport == 80 and payload > 0:
            started.add(client)
        if client in started:
            out.append(rec)
    with open(dst, "wb") as f:
        f.write(b"".join(out))


# responses without a status line (HTTP/0.9), or with more junk before it than a browser skips
# only because it sent a request: not HTTP to anyone who did not see the request
UNIDENTIFIABLE_MIDSTREAM = {"http09", "http09-html", "http09-near-status",
                            "status-junk-before-long"}


def cmd_midstream(expected, evefile):
    exp = read_tsv(expected)
    flows, files = {}, {}
    for e in read_eve(evefile):
        t, fid = e.get("event_type"), e.get("flow_id")
        if t == "flow":
            for p in (e.get("src_port"), e.get("dest_port")):
                if p != 80:
                    flows.setdefault(p, fid)
        elif t == "fileinfo":
            files.setdefault(fid, []).append(e.get("fileinfo") or {})
    n_ok = n = 0
    for r in exp:
        name, c = r["variant"], r["chromium"]
        if c != r["firefox"] or c in (REFUSED, EMPTY):
            continue
        if name in UNIDENTIFIABLE_MIDSTREAM:
            # the browser knew it had asked; a sensor that saw neither the handshake nor the
            # request sees bytes that do not start with a status line: nothing says HTTP
            print("ok - midstream %s # SKIP no request and no status line in the capture: "
                  "nothing in the bytes says HTTP" % name)
            continue
        fis = files.get(flows.get(int(r["port"])), [])
        sw = (fis[0].get("sha256") or "no-hash") if fis else "none"
        good = sw == c
        n += 1
        n_ok += good
        print("%s - midstream %s: browsers %s, spanwatch %s" % (
            "ok" if good else "not ok", name, label(c, name), label(sw, name)))
    print("# midstream: spanwatch matches on %d of %d variants" % (n_ok, n))


def main():
    a = sys.argv[1:]
    if a[:1] == ["expected"] and len(a) == 3:
        cmd_expected(a[1], a[2])
    elif a[:1] == ["compare"] and len(a) == 5:
        cmd_compare(*a[1:])
    elif a[:1] == ["downloads"] and len(a) == 5:
        cmd_downloads(*a[1:])
    elif a[:1] == ["cut"] and len(a) == 3:
        cmd_cut(a[1], a[2])
    elif a[:1] == ["midstream"] and len(a) == 3:
        cmd_midstream(a[1], a[2])
    elif a[:1] == ["readme"] and len(a) in (3, 4):
        cmd_readme(*a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
