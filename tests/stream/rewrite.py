#!/usr/bin/env python3
"""Rewrites a copy of a classic pcap (plain struct parsing, any link type) for the reassembly
tests:

    rewrite.py reorder IN OUT [SEED [WINDOW]]   shuffle the packets inside consecutive windows
                                                of WINDOW (default 4) packets; the first 3
                                                (the handshake) stay in place
    rewrite.py dup IN OUT [SEED [PERCENT]]      copy about PERCENT % (default 5) of the packets,
                                                each copy 1..3 packets after the original

Timestamps stay where they were (slot by slot), so they still increase. Seeded: the same output
on every run.
"""
import random
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("%s: not a classic pcap file" % path)
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        recs.append(((sec, frac), data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return e, data[:24], recs


def write(path, e, hdr, stamps, pkts):
    with open(path, "wb") as f:
        f.write(hdr)
        for (sec, frac), (body, orig) in zip(stamps, pkts):
            f.write(struct.pack(e + "IIII", sec, frac, len(body), orig))
            f.write(body)


def main():
    mode, src, dst = sys.argv[1:4]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rng = random.Random(seed)
    e, hdr, recs = read(src)
    stamps = [r[0] for r in recs]
    pkts = [(r[1], r[2]) for r in recs]
    if mode == "reorder":
        win = int(sys.argv[5]) if len(sys.argv) > 5 else 4
        out = pkts[:3]
        moved = 0
        for i in range(3, len(pkts), win):
            block = pkts[i:i + win]
            order = list(range(len(block)))
            rng.shuffle(order)
            moved += sum(1 for a, b in enumerate(order) if a != b)
            out += [block[k] for k in order]
        print("reorder: %d packets, %d moved (windows of %d, seed %d)" %
              (len(pkts), moved, win, seed))
    elif mode == "dup":
        pct = float(sys.argv[5]) if len(sys.argv) > 5 else 5.0
        out, pending = [], []           # pending: [countdown, packet]
        ndup = 0
        for p in pkts:
            out.append(p)
            for q in pending:
                q[0] -= 1
            for q in [q for q in pending if q[0] <= 0]:
                out.append(q[1])
                pending.remove(q)
            if rng.random() * 100 < pct:
                pending.append([rng.randint(1, 3), p])
                ndup += 1
        out += [q[1] for q in pending]
        # timestamps: each copy takes the stamp of the slot before it
        st = []
        i = 0
        for k in range(len(out)):
            st.append(stamps[min(i, len(stamps) - 1)])
            if k + 1 < len(out) and i + 1 < len(stamps) and out[k + 1] is pkts[i + 1]:
                i += 1
        stamps = st
        print("dup: %d packets, %d copies (%.1f %%, seed %d)" % (len(pkts), ndup, pct, seed))
    else:
        sys.exit("mode: reorder | dup")
    write(dst, e, hdr, stamps, out)


if __name__ == "__main__":
    main()
