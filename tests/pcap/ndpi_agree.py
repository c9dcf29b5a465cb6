#!/usr/bin/env python3
# tests/pcap/ndpi_agree.py: compares spanwatch's per-flow nDPI protocol (flow events'
# ndpi.protocol) with what ndpiReader (same nDPI library) prints for the same flows.
#   ndpi_agree.py NDPIREADER_OUTPUT EVE.json  -> diagnostics, exit 1 on any disagreement
import json
import re
import sys

LINE = re.compile(r"^\s*\d+\s+(\S+)\s+(\S+?)(?::(\d+))?\s+<?->\s+(\S+?)(?::(\d+))?\s+"
                  r"\[proto:\s*[\d.]+/([^\]]+)\]")


def endpoint(addr, port):
    addr = addr.strip("[]")
    return (addr, int(port) if port else 0)


def main():
    theirs = {}
    for line in open(sys.argv[1], errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        proto = m.group(1)
        a, b = endpoint(m.group(2), m.group(3)), endpoint(m.group(4), m.group(5))
        key = (proto, tuple(sorted([a, b])))
        theirs[key] = m.group(6)
    ours = {}
    names = {"TCP": "TCP", "UDP": "UDP", "ICMP": "ICMP", "IPv6-ICMP": "ICMPV6"}
    for line in open(sys.argv[2]):
        e = json.loads(line)
        if e.get("event_type") != "flow" or "ndpi" not in e:
            continue
        proto = names.get(e["proto"], e["proto"])
        a = (e["src_ip"], e.get("src_port", 0))
        b = (e["dest_ip"], e.get("dest_port", 0))
        ours[(proto, tuple(sorted([a, b])))] = e["ndpi"]["protocol"]
    bad = 0
    compared = 0
    for key, name in sorted(theirs.items()):
        if key not in ours:
            # ndpiReader keys ICMP by addresses only; match ours on addresses then
            cands = [v for k, v in ours.items() if k[0] == key[0] and
                     [x[0] for x in k[1]] == [x[0] for x in key[1]]]
            if len(cands) >= 1 and name in cands:
                compared += 1
                continue
            print("# ndpiReader flow %s %s not in spanwatch's flows" % key)
            bad += 1
            continue
        compared += 1
        if ours[key] != name:
            print("# %s %s: ndpiReader %s, spanwatch %s" % (key[0], key[1], name, ours[key]))
            bad += 1
    print("# %d flows compared, %d disagree" % (compared, bad))
    if not theirs:
        return 2  # ndpiReader reported no flow (e.g. a link type it does not read)
    return 1 if bad or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
