#!/usr/bin/env python3
# tests/pcap/conv_compare.py: compares the flow events of spanwatch with the conversations
# tshark reports (-q -z conv,tcp / conv,udp) on the same pcap: frames and bytes per direction.
# tshark prints large byte counts rounded to kB (SI); those are compared after the same rounding.
#
#   conv_compare.py TSHARK_CONV_OUTPUT EVE.json  -> TAP-friendly diagnostics, exit 1 on mismatch
import json
import re
import sys

LINE = re.compile(r"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+(\d+)\s+(bytes|kB|MB)\s+"
                  r"(\d+)\s+(\d+)\s+(bytes|kB|MB)\s+")
UNIT = {"bytes": 1, "kB": 1000, "MB": 1000 * 1000}


def same_bytes(ours, n, unit):
    if unit == "bytes":
        return ours == n
    return round(ours / UNIT[unit]) == n or int(ours / UNIT[unit]) == n


def main():
    convs = []
    with open(sys.argv[1]) as f:
        for line in f:
            m = LINE.match(line.strip())
            if m:
                a, pa, b, pb = m.group(1), int(m.group(2)), m.group(3), int(m.group(4))
                # "<-" columns are frames from B to A, "->" from A to B
                convs.append((a, pa, b, pb, int(m.group(8)), int(m.group(9)), m.group(10),
                              int(m.group(5)), int(m.group(6)), m.group(7)))
    flows = {}
    with open(sys.argv[2]) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event_type") != "flow" or e.get("proto") not in ("TCP", "UDP"):
                continue
            fl = e["flow"]
            key = (e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"])
            flows[key] = (fl["pkts_toserver"], fl["bytes_toserver"], fl["pkts_toclient"],
                          fl["bytes_toclient"])
    bad = 0
    seen = set()
    for a, pa, b, pb, fab, bab, uab, fba, bba, uba in convs:
        if (a, pa, b, pb) in flows:
            key = (a, pa, b, pb)
            pf, pbytes, rf, rbytes = flows[key]
        elif (b, pb, a, pa) in flows:
            key = (b, pb, a, pa)
            rf, rbytes, pf, pbytes = flows[key]
        else:
            print("# tshark conversation %s:%d <-> %s:%d has no flow event" % (a, pa, b, pb))
            bad += 1
            continue
        seen.add(key)
        if pf != fab or rf != fba or not same_bytes(pbytes, bab, uab) or \
                not same_bytes(rbytes, bba, uba):
            print("# %s:%d <-> %s:%d: tshark %d/%d%s -> %d/%d%s <-, spanwatch %d/%d -> %d/%d <-"
                  % (a, pa, b, pb, fab, bab, uab, fba, bba, uba, pf, pbytes, rf, rbytes))
            bad += 1
    for key in flows:
        if key not in seen:
            print("# flow %s:%d -> %s:%d is not a tshark conversation" % key)
            bad += 1
    if not convs:
        print("# tshark reported no conversations")
        bad += 1
    print("# %d conversations compared, %d differences" % (len(convs), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
