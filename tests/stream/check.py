#!/usr/bin/env python3
"""Runs spanwatch on the stream/defrag pcaps and checks what it reassembled.

    check.py SPANWATCH PCAPDIR TMPDIR CASE

prints one line per assertion: "ok<TAB>name" or "not ok<TAB>name<TAB>why" (reassembly.sh turns
them into TAP). Every expected value below was worked out from the semantics of the issue
(the overlap strings with tests/stream/model.py, the rest by hand: see the comments), never
copied from spanwatch's output.
"""
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model  # noqa: E402

SPANWATCH, PCAPS, TMP = sys.argv[1:4]
RESULTS = []


def res(name, ok, why=""):
    RESULTS.append((name, bool(ok), why))


def eq(name, got, want):
    if got == want:
        res(name, True)
    else:
        g, w = repr(got), repr(want)
        res(name, False, "got %s, expected %s" % (g[:300], w[:300]))


class Run:
    """One spanwatch replay: events, flows by client port, dump files."""

    def __init__(self, pcap, *sets, tag=""):
        base = os.path.basename(pcap).replace(".pcap", "")
        self.dir = os.path.join(TMP, "%s%s.d" % (base, tag))
        os.makedirs(self.dir, exist_ok=True)
        for f in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, f))
        cmd = [SPANWATCH, "-r", pcap if os.path.isabs(pcap) else os.path.join(PCAPS, pcap),
               "--workers", "1", "--set", "stream.dump-dir=" + self.dir]
        for s in sets:
            cmd += ["--set", s]
        self.cmd = " ".join(cmd)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.rc = p.returncode
        self.stderr = p.stderr.decode(errors="replace")
        self.events = []
        for line in p.stdout.decode(errors="replace").splitlines():
            try:
                self.events.append(json.loads(line))
            except ValueError:
                pass
        self.stats = {}
        for e in self.events:
            if e.get("event_type") == "stats":
                self.stats = e["stats"]
        self.flows = [e for e in self.events if e.get("event_type") == "flow"]

    def flow(self, sport, proto="TCP"):
        for f in self.flows:
            if f.get("proto") == proto and sport in (f.get("src_port"), f.get("dest_port")):
                return f
        return None

    def dump(self, sport, d):
        f = self.flow(sport)
        if f is None:
            return None
        path = os.path.join(self.dir, "%d.%s" % (f["flow_id"], d))
        if not os.path.exists(path):
            return b""
        with open(path, "rb") as fh:
            return fh.read()

    def anomalies(self, sport=None, kind=None):
        out = []
        fid = None
        if sport is not None:
            f = self.flow(sport)
            fid = f["flow_id"] if f else -1
        for e in self.events:
            if e.get("event_type") != "anomaly":
                continue
            a = e.get("anomaly", {})
            if kind is not None and a.get("type") != kind:
                continue
            if fid is not None and e.get("flow_id") != fid:
                continue
            out.append(a.get("event"))
        return out

    def anomaly_events(self, name):
        return [e for e in self.events if e.get("event_type") == "anomaly"
                and e.get("anomaly", {}).get("event") == name]

    def st(self, path):
        v = self.stats
        for k in path.split("."):
            v = v.get(k, {}) if isinstance(v, dict) else {}
        return v if not isinstance(v, dict) else None

    def ran(self, name):
        ok = self.rc == 0 and self.stats != {}
        res("%s: spanwatch runs (exit 0, stats event)" % name, ok,
            "exit %d: %s | %s" % (self.rc, self.cmd, self.stderr.strip()[-300:]))
        return ok


def sdir(flow, d):
    return ((flow or {}).get("stream") or {}).get(d) or {}


def ts_of(us_index):
    """timestamp string of the packet with this index in a crafted pcap"""
    import datetime
    t = datetime.datetime.fromtimestamp(1700000000 + us_index / 1000.0, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")


# --------------------------------------------------------------------------
def case_loss(extra=None):
    """loss-http.pcap (or a rewritten copy): the HTTP body is the file."""
    pcap = extra or "loss-http.pcap"
    name = os.path.basename(pcap)
    with open(os.path.join(PCAPS, "loss-http.sha256")) as f:
        want = f.read().split()[0]
    r = Run(pcap, "stream.reassembly.depth=0", tag="-loss")
    if not r.ran(name):
        return
    tcp = [f for f in r.flows if f.get("proto") == "TCP"]
    eq("%s: one TCP flow" % name, len(tcp), 1)
    if not tcp:
        return
    tc = r.dump(tcp[0]["src_port"], "tc")
    i = tc.find(b"\r\n\r\n")
    body = tc[i + 4:] if i >= 0 else b""
    eq("%s: body length (server to client, after the headers)" % name, len(body), 4194304)
    eq("%s: SHA-256 of the body == loss-http.sha256" % name,
       hashlib.sha256(body).hexdigest(), want)
    eq("%s: no gaps server to client" % name, sdir(tcp[0], "toclient").get("gaps"), 0)
    ts = r.dump(tcp[0]["src_port"], "ts")
    eq("%s: request starts with GET /big.bin" % name, ts[:17], b"GET /big.bin HTTP")


def case_frag_udp():
    r = Run("frag-udp.pcap")
    if not r.ran("frag-udp"):
        return
    want = {}
    with open(os.path.join(PCAPS, "frag-udp.sha256")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            sha, size, fam, port = line.split()
            want[int(port)] = (int(size), fam)
    eq("frag-udp: reassembled datagrams (stats.defrag.reassembled)",
       r.st("defrag.reassembled"), len(want))
    eq("frag-udp: fragments (stats.defrag.fragments)", r.st("defrag.fragments"), 34)
    for port, (size, fam) in sorted(want.items()):
        f = r.flow(port, "UDP")
        if f is None:
            res("frag-udp: %s datagram of %d bytes (port %d): a flow" % (fam, size, port), False,
                "no UDP flow with src_port %d" % port)
            continue
        ip = size + 8 + (20 if fam == "ipv4" else 40)
        fl = f.get("flow", {})
        ok = fl.get("pkts_toserver") == 1 and fl.get("bytes_toserver") in (ip, ip + 14)
        res("frag-udp: %s datagram of %d bytes (port %d): 1 packet of %d bytes (IP)" %
            (fam, size, port, ip), ok, "flow %s" % json.dumps(fl))


def case_overlap():
    want = model.check(model.OVERLAP)
    want_rel = model.check(model.OVERLAP_RELEASE)
    for pol in model.POLICIES:
        r = Run("stream-overlap.pcap", "stream.policy.default=" + pol, tag="-" + pol)
        if not r.ran("overlap " + pol):
            continue
        eq("overlap %s: Novak pattern gives %s" % (pol, want[pol].decode()),
           r.dump(41000, "ts"), want[pol])
        eq("overlap %s: in-order segment over held data gives %s" %
           (pol, want_rel[pol].decode()), r.dump(41001, "ts"), want_rel[pol])
        if pol == "bsd":
            f = r.flow(41000)
            res("overlap: flow counts overlaps toserver", sdir(f, "toserver").get("overlaps", 0) > 0,
                json.dumps(sdir(f, "toserver")))
            res("overlap: anomaly stream.reassembly_overlap_different_data",
                "stream.reassembly_overlap_different_data" in r.anomalies(41000),
                str(r.anomalies(41000)))
            res("overlap: stats.stream.overlap_diff > 0", (r.st("stream.overlap_diff") or 0) > 0,
                str(r.st("stream.overlap_diff")))
    # policy by server network: windows for 10.0.0.2/32 beats first for 10.0.0.0/8
    r = Run("stream-overlap.pcap", "stream.policy.default=last",
            "stream.policy.first=[10.0.0.0/8]", "stream.policy.windows=[10.0.0.2/32]",
            tag="-net")
    if r.ran("overlap per network"):
        eq("overlap: stream.policy.windows=[10.0.0.2/32] beats first [10.0.0.0/8]",
           r.dump(41000, "ts"), want["windows"])


def case_defrag_overlap():
    want = model.check(model.OVERLAP, tcp=False)
    for pol in model.POLICIES:
        r = Run("defrag-overlap.pcap", "defrag.policy=" + pol, tag="-" + pol)
        if not r.ran("defrag overlap " + pol):
            continue
        # unit 0..2 = TCP header + "ZZZZ"; every later letter is 8 bytes of a fragment
        exp = b"ZZZZ" + b"".join(bytes([c]) * 8 for c in want[pol][2:])
        eq("defrag overlap %s: TCP payload rebuilt from fragments (%s)" %
           (pol, want[pol][2:].decode()), r.dump(41200, "ts"), exp)
        if pol == "bsd":
            a = r.anomalies(kind="defrag")
            res("defrag overlap: anomaly defrag.overlap_different_data",
                "defrag.overlap_different_data" in a, str(a))
            eq("defrag overlap: stats.defrag.reassembled", r.st("defrag.reassembled"), 1)


def case_midstream():
    r = Run("stream-midstream.pcap", tag="-yes")
    if r.ran("midstream"):
        eq("midstream yes: client data", r.dump(41010, "ts"),
           b"midstream request\nsecond line\n")
        eq("midstream yes: server data", r.dump(41010, "tc"), b"midstream answer\n")
        f = r.flow(41010) or {}
        eq("midstream yes: flow tcp.midstream", (f.get("tcp") or {}).get("midstream"), True)
        res("midstream yes: anomaly stream.midstream_pickup",
            "stream.midstream_pickup" in r.anomalies(41010), str(r.anomalies(41010)))
        eq("midstream yes: stats.stream.midstream", r.st("stream.midstream"), 1)
    r = Run("stream-midstream.pcap", "stream.midstream=no", tag="-no")
    if r.ran("midstream no"):
        eq("midstream no: nothing reassembled", (r.dump(41010, "ts") or b"") +
           (r.dump(41010, "tc") or b""), b"")
        eq("midstream no: stats.stream.bytes_delivered", r.st("stream.bytes_delivered"), 0)


def case_gap():
    r = Run("stream-gap.pcap")
    if not r.ran("gap"):
        return
    eq("gap acked: stream without the missing 100 bytes", r.dump(41020, "ts"),
       b"a" * 100 + b"c" * 100 + b"d" * 100)
    d = sdir(r.flow(41020), "toserver")
    eq("gap acked: gaps 1, gap_bytes 100", (d.get("gaps"), d.get("gap_bytes")), (1, 100))
    # the ACK past the hole is packet #5 (0-based); the gap is declared when the data has not
    # come within 32 further packets: at packet 37 (or 38 if the count starts after it)
    fid = (r.flow(41020) or {}).get("flow_id")
    evs = [e for e in r.anomaly_events("stream.reassembly_seq_gap") if e.get("flow_id") == fid]
    stamps = [e.get("timestamp", "")[:26] for e in evs]
    res("gap acked: stream.reassembly_seq_gap at packet 37 or 38 (32 packets after the ACK)",
        len(evs) == 1 and stamps[0] in (ts_of(37), ts_of(38)),
        "anomalies at %s, expected one at %s or %s" % (stamps, ts_of(37), ts_of(38)))
    eq("gap at end: stream with the hole closed by the flow end", r.dump(41021, "ts"),
       b"e" * 100 + b"g" * 100)
    d = sdir(r.flow(41021), "toserver")
    eq("gap at end: gaps 1, gap_bytes 100", (d.get("gaps"), d.get("gap_bytes")), (1, 100))
    res("gap at end: anomaly stream.reassembly_seq_gap",
        "stream.reassembly_seq_gap" in r.anomalies(41021), str(r.anomalies(41021)))
    eq("gap: the missing data as the 32nd packet after the ACK still counts (no gap)",
       r.dump(41022, "ts"), b"h" * 100 + b"i" * 100 + b"j" * 100)
    d = sdir(r.flow(41022), "toserver")
    eq("gap: 32nd packet after the ACK: gaps 0", (d.get("gaps"), d.get("gap_bytes")), (0, 0))
    eq("gap: stats.stream.gaps / gap_bytes", (r.st("stream.gaps"), r.st("stream.gap_bytes")),
       (2, 200))


def case_rst():
    r = Run("stream-rst.pcap")
    if not r.ran("rst"):
        return
    eq("rst valid (seq = next): client stream ends at the RST", r.dump(41030, "ts"),
       b"before-rst")
    eq("rst valid: server stream", r.dump(41030, "tc"), b"srv")
    eq("rst valid: no rst_invalid", r.anomalies(41030).count("stream.rst_invalid"), 0)
    res("rst valid: data after it is stream.pkt_after_close",
        "stream.pkt_after_close" in r.anomalies(41030), str(r.anomalies(41030)))
    eq("rst invalid (seq next-1, next+window): data after them reassembled",
       r.dump(41031, "ts"), b"part1-part2-part3")
    eq("rst invalid: server stream", r.dump(41031, "tc"), b"ok")
    eq("rst invalid: two stream.rst_invalid anomalies",
       r.anomalies(41031).count("stream.rst_invalid"), 2)
    eq("rst at next+window-1 is valid: stream ends there", r.dump(41032, "ts"), b"edge")
    eq("rst at next+window-1: no rst_invalid", r.anomalies(41032).count("stream.rst_invalid"), 0)
    eq("rst to a SYN with ack ISN+1: valid",
       r.anomalies(41033).count("stream.rst_invalid"), 0)
    eq("rst to a SYN with ack ISN+5: invalid",
       r.anomalies(41034).count("stream.rst_invalid"), 1)
    eq("rst: stats.stream.rst_invalid", r.st("stream.rst_invalid"), 3)


def case_wrap():
    r = Run("stream-wrap.pcap")
    if not r.ran("wrap"):
        return
    want = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
    eq("wrap in order (ISN 0xfffffff0): client stream", r.dump(41040, "ts"), want)
    eq("wrap in order (server ISN 0xffffffff): server stream", r.dump(41040, "tc"), b"pong")
    eq("wrap out of order across 2^32: client stream", r.dump(41041, "ts"), want)
    eq("wrap out of order: server stream", r.dump(41041, "tc"), b"pong")
    eq("wrap: no gaps", r.st("stream.gaps"), 0)


def depth_data(n):
    return bytes((i * 7 + i // 251) & 0xff for i in range(n))


def case_depth():
    r = Run("stream-depth.pcap", "stream.reassembly.depth=4kb", tag="-4k")
    if r.ran("depth 4kb"):
        eq("depth 4kb: exactly the first 4096 bytes", r.dump(41050, "ts"), depth_data(4096))
        eq("depth 4kb: flow stream.toserver.depth_reached",
           sdir(r.flow(41050), "toserver").get("depth_reached"), True)
        eq("depth 4kb: stats.stream.depth_reached", r.st("stream.depth_reached"), 1)
        res("depth 4kb: anomaly stream.reassembly_depth_reached",
            "stream.reassembly_depth_reached" in r.anomalies(41050), str(r.anomalies(41050)))
    r = Run("stream-depth.pcap", "stream.reassembly.depth=0", tag="-0")
    if r.ran("depth 0"):
        eq("depth 0: all 10240 bytes", r.dump(41050, "ts"), depth_data(10240))
        eq("depth 0: no depth_reached", r.st("stream.depth_reached"), 0)


def memcap_block(k):
    return (b"[blk%04d]" % k) * 111 + b"\n"


def blocks_in_order(data):
    """the dump is whole 1000-byte blocks in increasing order: returns their numbers or None"""
    if len(data) % 1000:
        return None
    out = []
    for i in range(0, len(data), 1000):
        b = data[i:i + 1000]
        try:
            k = int(b[4:8])
        except ValueError:
            return None
        if b != memcap_block(k) or (out and k <= out[-1]):
            return None
        out.append(k)
    return out


def case_memcap():
    r = Run("stream-memcap.pcap", tag="-default")
    if r.ran("memcap default"):
        eq("memcap default: all 200 blocks", r.dump(41060, "ts"),
           b"".join(memcap_block(k) for k in range(200)))
        eq("memcap default: nothing refused", r.st("stream.memcap_refused"), 0)
    r = Run("stream-memcap.pcap", "stream.reassembly.memcap=64kb", tag="-64k")
    if r.ran("memcap 64kb"):
        ts = r.dump(41060, "ts")
        blocks = blocks_in_order(ts)
        res("memcap 64kb: dump is whole blocks, in order, starting with block 0",
            blocks is not None and blocks[:1] == [0], "blocks %s" % (blocks,))
        res("memcap 64kb: less than 64 KiB of blocks held (at most 65 blocks delivered)",
            blocks is not None and len(blocks) <= 65, "%d bytes" % len(ts))
        d = sdir(r.flow(41060), "toserver")
        eq("memcap 64kb: bytes + gap_bytes = 200000",
           (d.get("bytes") or 0) + (d.get("gap_bytes") or 0), 200000)
        res("memcap 64kb: stats.stream.memcap_refused > 0",
            (r.st("stream.memcap_refused") or 0) > 0, str(r.st("stream.memcap_refused")))
        res("memcap 64kb: anomaly stream.reassembly_memcap",
            "stream.reassembly_memcap" in r.anomalies(41060), str(r.anomalies(41060)))
        res("memcap 64kb: stats.stream.memuse <= 64 KiB",
            (r.st("stream.memuse") or 0) <= 65536, str(r.st("stream.memuse")))
    r = Run("stream-memcap.pcap", "stream.reassembly.max-ooo-segments=50", tag="-seg")
    if r.ran("max-ooo-segments 50"):
        # blocks 1..50 are held, 51..199 refused; block 0 releases 0..50; the rest is a gap
        eq("max-ooo-segments 50: blocks 0..50", r.dump(41060, "ts"),
           b"".join(memcap_block(k) for k in range(51)))
        d = sdir(r.flow(41060), "toserver")
        eq("max-ooo-segments 50: gap_bytes 149000", d.get("gap_bytes"), 149000)
        res("max-ooo-segments 50: stats.stream.segment_limit > 0",
            (r.st("stream.segment_limit") or 0) > 0, str(r.st("stream.segment_limit")))
        res("max-ooo-segments 50: anomaly stream.reassembly_segment_limit",
            "stream.reassembly_segment_limit" in r.anomalies(41060), str(r.anomalies(41060)))


def case_urgent():
    r = Run("stream-urgent.pcap", tag="-oob")
    if r.ran("urgent oob"):
        eq("urgent oob: the byte at seq+urp-1 ('h') is taken out", r.dump(41070, "ts"),
           b"abcdefgijk")
    r = Run("stream-urgent.pcap", "stream.urgent=inline", tag="-inline")
    if r.ran("urgent inline"):
        eq("urgent inline: stream unchanged", r.dump(41070, "ts"), b"abcdefghijk")


def case_keepalive():
    r = Run("stream-keepalive.pcap")
    if r.ran("keepalive"):
        eq("zero-window probe and keep-alives: stream intact", r.dump(41080, "ts"),
           b"hello world!")
        d = sdir(r.flow(41080), "toserver")
        eq("keep-alives: no gaps", (d.get("gaps"), d.get("gap_bytes")), (0, 0))


def case_after_close():
    r = Run("stream-after-close.pcap")
    if r.ran("after close"):
        eq("after close: stream is what came before the FIN", r.dump(41090, "ts"), b"closing")
        d = sdir(r.flow(41090), "toserver")
        eq("after close: no gap (the FIN's sequence number is not a missing byte)",
           (d.get("gaps"), d.get("gap_bytes")), (0, 0))
        a = r.anomalies(kind="stream")
        res("after close: anomaly stream.pkt_after_close", "stream.pkt_after_close" in a, str(a))
        res("after close: stats.stream.after_close >= 1", (r.st("stream.after_close") or 0) >= 1,
            str(r.st("stream.after_close")))


def case_retrans():
    r = Run("stream-retrans.pcap")
    if r.ran("retrans"):
        eq("retransmission with other bytes: delivered data is final", r.dump(41100, "ts"),
           b"original-tail")
        res("retransmission: stats.stream.retransmissions >= 1",
            (r.st("stream.retransmissions") or 0) >= 1, str(r.st("stream.retransmissions")))


def case_tfo():
    r = Run("stream-tfo.pcap")
    if r.ran("tfo"):
        eq("TFO: data in the SYN is part of the stream", r.dump(41110, "ts"),
           b"GET /tfo HTTP/1.1\r\nHost: tfo\r\n\r\n")
        eq("TFO: server stream", r.dump(41110, "tc"), b"HTTP/1.1 204 No Content\r\n\r\n")


def case_defrag_misc():
    r = Run("defrag-misc.pcap")
    if not r.ran("defrag misc"):
        return
    a = r.anomalies(kind="defrag")
    res("tiny first fragment: anomaly defrag.first_fragment_too_small",
        "defrag.first_fragment_too_small" in a, str(a))
    res("teardrop: anomaly defrag.overlap or defrag.inconsistent",
        "defrag.overlap" in a or "defrag.inconsistent" in a
        or "defrag.overlap_different_data" in a, str(a))
    res("oversize: anomaly defrag.pkt_too_large", "defrag.pkt_too_large" in a, str(a))
    f = r.flow(41213, "UDP")
    fl = (f or {}).get("flow", {})
    res("after them, a 3000-byte datagram in 3 fragments comes out whole",
        fl.get("pkts_toserver") == 1 and fl.get("bytes_toserver") in (3020, 3034),
        "flow %s" % json.dumps(fl))
    res("oversize datagram not rebuilt (no UDP flow of port 41212 with > 65535 bytes)",
        all(((x.get("flow") or {}).get("bytes_toserver") or 0) <= 65535 + 14
            for x in r.flows), "")


def case_defrag_flood():
    r = Run("defrag-flood.pcap", tag="-default")
    if r.ran("defrag flood"):
        a = r.anomalies(kind="defrag")
        res("300 fragments of one datagram: anomaly defrag.max_frags_reached (max-frags 256)",
            "defrag.max_frags_reached" in a, str(sorted(set(a))))
    r = Run("defrag-flood.pcap", "defrag.max-trackers=100", tag="-trackers")
    if r.ran("defrag flood max-trackers 100"):
        res("300 open datagrams, max-trackers 100: stats.defrag.dropped > 0",
            (r.st("defrag.dropped") or 0) > 0, str(r.stats.get("defrag")))
        res("max-trackers 100: stats.defrag.trackers <= 100",
            (r.st("defrag.trackers") or 0) <= 100, str(r.st("defrag.trackers")))
    r = Run("defrag-flood.pcap", "defrag.memcap=64kb", tag="-memcap")
    if r.ran("defrag flood memcap 64kb"):
        a = r.anomalies(kind="defrag")
        res("300 KB of fragments, defrag.memcap 64kb: anomaly defrag.memcap",
            "defrag.memcap" in a, str(sorted(set(a))))
        res("defrag.memcap 64kb: stats.defrag.memuse <= 64 KiB",
            (r.st("defrag.memuse") or 0) <= 65536, str(r.st("defrag.memuse")))


CASES = {
    "loss": case_loss, "frag-udp": case_frag_udp, "overlap": case_overlap,
    "defrag-overlap": case_defrag_overlap, "midstream": case_midstream, "gap": case_gap,
    "rst": case_rst, "wrap": case_wrap, "depth": case_depth, "memcap": case_memcap,
    "urgent": case_urgent, "keepalive": case_keepalive, "after-close": case_after_close,
    "retrans": case_retrans, "tfo": case_tfo, "defrag-misc": case_defrag_misc,
    "defrag-flood": case_defrag_flood,
}

if __name__ == "__main__":
    case = sys.argv[4]
    if case == "loss" and len(sys.argv) > 5:
        case_loss(sys.argv[5])
    else:
        CASES[case]()
    for name, ok, why in RESULTS:
        print("%s\t%s\t%s" % ("ok" if ok else "not ok", name, why.replace("\n", " ")))
