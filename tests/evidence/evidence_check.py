#!/usr/bin/env python3
"""tests/evidence/evidence_check.py: checks the evidence pcaps of a run against the capture.

    evidence_check.py [--whole | --gaps] ORIGINAL.pcap EVE.json

For every alert with an "evidence" object whose file exists:
  - tshark reads the file (exit 0; every file, or 12 of them evenly spread when there are
    more) and finds as many packets as our reader; capinfos reads every file and agrees;
  - every alert that names the file names the same key; an alert's packets/bytes are at most
    what the file holds, and exactly what it holds when complete is true;
  - the file's packets (bytes and timestamps) are frames of the original capture, in order,
    and a contiguous run of the frames of one tshark conversation (tcp.stream / udp.stream eq
    N, found from the original); with --whole, all of them; with --gaps (a memory cap refused
    some), frames of that conversation in order;
  - the packet the alert fired on (its timestamp) is in the file.
Prints one line per file and "FAIL ..." lines; exits 1 on any failure.
"""
import datetime
import json
import re
import struct
import subprocess
import sys


TSHARK_ALL = 12


def read_pcap(path):
    """[(ts_usec, bytes)] and the link type of a classic pcap file (usec or nsec)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        end, div = "<", 1
    elif magic == b"\xa1\xb2\xc3\xd4":
        end, div = ">", 1
    elif magic == b"\x4d\x3c\xb2\xa1":
        end, div = "<", 1000
    elif magic == b"\xa1\xb2\x3c\x4d":
        end, div = ">", 1000
    else:
        raise ValueError("%s: not a pcap file" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
        out.append((sec * 1000000 + frac // div, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    if off != len(data):
        raise ValueError("%s: %d trailing bytes" % (path, len(data) - off))
    return out, linktype


def ts_usec(text):
    # "2026-11-25T10:00:01.123456+0000"
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(t.timestamp()) * 1000000 + t.microsecond


def streams(path):
    """frame number (1-based) -> ("tcp"|"udp", stream id) from tshark."""
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number",
                          "-e", "tcp.stream", "-e", "udp.stream"],
                         check=True, capture_output=True, text=True).stdout
    m = {}
    for line in out.splitlines():
        f = line.split("\t")
        # tunnels: the innermost conversation is the last value
        tcp = f[1].split(",")[-1] if len(f) > 1 else ""
        udp = f[2].split(",")[-1] if len(f) > 2 else ""
        if tcp:
            m[int(f[0])] = ("tcp", tcp)
        elif udp:
            m[int(f[0])] = ("udp", udp)
    return m


def main():
    args = sys.argv[1:]
    whole = gaps = False
    if args and args[0] == "--whole":
        whole, args = True, args[1:]
    elif args and args[0] == "--gaps":
        gaps, args = True, args[1:]
    orig_path, eve_path = args
    orig, orig_lt = read_pcap(orig_path)
    index = {}
    for i, pkt in enumerate(orig):
        index.setdefault(pkt, []).append(i)
    conv = streams(orig_path)
    by_file = {}
    for line in open(eve_path):
        e = json.loads(line)
        if e.get("event_type") == "alert" and "evidence" in e:
            by_file.setdefault(e["evidence"].get("file"), []).append(e)
    fails = 0

    def fail(msg):
        nonlocal fails
        fails += 1
        print("FAIL " + msg)

    if not by_file:
        fail("no alert carries evidence")
    # tshark reads every file, or an even sample of TSHARK_ALL when there are more (a process
    # each); capinfos (the same reader library) reads every file, many per process
    files = sorted(p for p in by_file if p is not None)
    sample = set(files[::max(1, len(files) // TSHARK_ALL)])
    counts, tsharked = {}, 0
    for path, alerts in sorted(by_file.items(), key=lambda x: str(x[0])):
        if path is None:
            continue
        pkts, lt = read_pcap(path)
        size = len(open(path, "rb").read())
        counts[path] = len(pkts)
        if len(by_file) <= TSHARK_ALL or path in sample:
            r = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"],
                               capture_output=True, text=True)
            if r.returncode != 0 or len(r.stdout.split()) != len(pkts):
                fail("%s: tshark exit %d, %d frames, %d in the file" %
                     (path, r.returncode, len(r.stdout.split()), len(pkts)))
            tsharked += 1
        if lt != orig_lt:
            fail("%s: link type %d, the capture's is %d" % (path, lt, orig_lt))
        keys = {a["evidence"]["key"] for a in alerts}
        if len(keys) != 1:
            fail("%s: several keys %s" % (path, keys))
        for a in alerts:
            ev = a["evidence"]
            if ev["packets"] > len(pkts) or ev["bytes"] > size:
                fail("%s: alert says %d packets %d bytes, the file has %d, %d" %
                     (path, ev["packets"], ev["bytes"], len(pkts), size))
            if ev["complete"] and (ev["packets"] != len(pkts) or ev["bytes"] != size):
                fail("%s: complete, but %d/%d packets, %d/%d bytes" %
                     (path, ev["packets"], len(pkts), ev["bytes"], size))
            if not gaps and ts_usec(a["timestamp"]) not in {p[0] for p in pkts}:
                fail("%s: no packet at the alert's time %s" % (path, a["timestamp"]))
        # where the file's packets are in the original
        frames, prev = [], -1
        for p in pkts:
            cand = [i for i in index.get(p, []) if i > prev]
            if not cand:
                fail("%s: a packet at %d (%d bytes) is not a frame of the capture after frame "
                     "%d" % (path, p[0], len(p[1]), prev + 1))
                break
            prev = cand[0]
            frames.append(prev)
        else:
            sid = conv.get(frames[0] + 1)
            if sid is None:
                fail("%s: tshark puts frame %d in no tcp/udp stream" % (path, frames[0] + 1))
                continue
            flow = [n - 1 for n in sorted(conv) if conv[n] == sid]
            start = flow.index(frames[0]) if frames[0] in flow else -1
            if gaps and not set(frames) <= set(flow):
                fail("%s: frames %s are not all of %s.stream eq %s %s" %
                     (path, [f + 1 for f in frames], sid[0], sid[1], [f + 1 for f in flow]))
            elif not gaps and (start < 0 or flow[start:start + len(frames)] != frames):
                fail("%s: frames %s are not a run of %s.stream eq %s %s" %
                     (path, [f + 1 for f in frames], sid[0], sid[1], [f + 1 for f in flow]))
            elif whole and frames != flow:
                fail("%s: %d frames, %s.stream eq %s has %d" %
                     (path, len(frames), sid[0], sid[1], len(flow)))
            else:
                print("%s: %d packets = %s.stream eq %s frames %d..%d of %d, %d alert(s)" %
                      (path, len(pkts), sid[0], sid[1], frames[0] + 1, frames[-1] + 1,
                       len(flow), len(alerts)))
    for i in range(0, len(files), 200):
        batch = files[i:i + 200]
        r = subprocess.run(["capinfos", "-c", "-M"] + batch, capture_output=True, text=True)
        seen = dict(re.findall(r"File name:\s+(\S+)\nNumber of packets:\s+(\d+)", r.stdout))
        for path in batch:
            if r.returncode != 0 or seen.get(path) != str(counts.get(path)):
                fail("%s: capinfos exit %d, %s packets, %s in the file" %
                     (path, r.returncode, seen.get(path), counts.get(path)))
    print("tshark read %d of %d files, capinfos all %d" % (tsharked, len(files), len(files)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
