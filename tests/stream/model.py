#!/usr/bin/env python3
"""Reference model of spanwatch's TCP/IP overlap policies, written from the semantics stated in
the issue (not from the C code). It worked out the expected strings that craft_stream.py and
reassembly.sh hold as literals; run it to re-derive them:  tests/stream/model.py

Only held (out-of-order) data is subject to a policy; bytes already delivered in order are final.
When a new segment N overlaps held data, the decision is made per held segment O:
  first:   old kept                      last:  new wins
  bsd:     new wins iff N.start < O.start
  linux:   new wins iff N.start < O.start or (N.start == O.start and N.end > O.end)
  windows: for TCP as bsd (Snort 3 and Suricata treat windows like bsd for TCP segments);
           for IP fragments: new wins iff N.start < O.start and N.end >= O.end
Bytes of N not covered by held data are always added. The in-order segment at the next expected
offset is delivered at once, unless it overlaps held data (then the same rule applies first).

"O" is ambiguous once O has lost bytes to an earlier segment. Three readings are modelled:
  orig    O's extent as it arrived
  inplace the winner's bytes are copied into O, which keeps its extent
  trim    O is cut to what it still owns, each remainder is a segment of its own
The crafted patterns are chosen so that all three readings give the same result (check()).
"""

POLICIES = ("first", "last", "bsd", "linux", "windows")
READINGS = ("orig", "inplace", "trim")


def new_wins(policy, ns, ne, os_, oe, tcp=True):
    if policy == "windows" and tcp:
        policy = "bsd"
    if policy == "first":
        return False
    if policy == "last":
        return True
    if policy == "bsd":
        return ns < os_
    if policy == "linux":
        return ns < os_ or (ns == os_ and ne > oe)
    if policy == "windows":
        return ns < os_ and ne >= oe
    raise ValueError(policy)


class Seg:
    def __init__(self, start, data, orig):
        self.start, self.data, self.orig = start, bytearray(data), orig

    @property
    def end(self):
        return self.start + len(self.data)


def reassemble(segments, policy, reading="trim", base=0, tcp=True):
    """segments: [(offset, bytes)] in arrival order, offsets in the stream; base: the next
    expected offset before the first of them. Returns (delivered bytes, held bytes left at the
    end in offset order): what a flow end would flush after the gap."""
    nxt = base
    out = bytearray()
    held = []                               # sorted, non-overlapping Segs
    for off, data in segments:
        ns, ne = off, off + len(data)       # the decision uses the segment as sent
        if ne <= nxt:
            continue                        # a retransmission of delivered data
        keep = [True] * len(data)           # which of N's bytes end up held
        for i in range(len(data)):
            if off + i < nxt:
                keep[i] = False
        newheld = []
        for s in held:
            lo, hi = max(s.start, ns), min(s.end, ne)
            if lo >= hi:
                newheld.append(s)
                continue
            os_, oe = s.orig if reading == "orig" else (s.start, s.end)
            if new_wins(policy, ns, ne, os_, oe, tcp):
                if reading == "inplace":
                    s.data[lo - s.start:hi - s.start] = data[lo - off:hi - off]
                    for i in range(lo - off, hi - off):
                        keep[i] = False
                    newheld.append(s)
                else:               # cut s; N keeps these bytes
                    if s.start < lo:
                        newheld.append(Seg(s.start, s.data[:lo - s.start], s.orig))
                    if hi < s.end:
                        newheld.append(Seg(hi, s.data[hi - s.start:], s.orig))
            else:
                for i in range(lo - off, hi - off):
                    keep[i] = False
                newheld.append(s)
        # N's remaining runs
        i = 0
        while i < len(data):
            if not keep[i]:
                i += 1
                continue
            j = i
            while j < len(data) and keep[j]:
                j += 1
            newheld.append(Seg(off + i, data[i:j], (ns, ne)))
            i = j
        held = sorted(newheld, key=lambda s: s.start)
        # deliver what is now in order
        while held and held[0].start == nxt:
            s = held.pop(0)
            out += s.data
            nxt = s.end
    rest = bytearray()
    for s in held:
        rest += s.data
    return bytes(out), bytes(rest)


def check(segments, base=0, tcp=True):
    """{policy: delivered+flushed bytes}; raises if the readings disagree."""
    res = {}
    for p in POLICIES:
        got = {r: reassemble(segments, p, r, base, tcp) for r in READINGS}
        if len(set(got.values())) != 1:
            raise AssertionError("%s: readings disagree: %r" % (p, got))
        d, rest = got["trim"]
        res[p] = d + rest
    return res


# The patterns, as craft_stream.py sends them: (stream offset, bytes) in arrival order.
OVERLAP = [(4, b"AAAAAAAA"), (10, b"DDDDDD"), (4, b"EEEEEEEEEE"), (2, b"BBBB"), (6, b"CC"),
           (16, b"FFFF"), (15, b"HHHHHHH"), (16, b"GG"), (18, b"II"), (0, b"ZZ")]
OVERLAP_RELEASE = [(2, b"XXXX"), (7, b"WW"), (0, b"RRRRRRRR")]

if __name__ == "__main__":
    for name, pat in (("OVERLAP", OVERLAP), ("OVERLAP_RELEASE", OVERLAP_RELEASE)):
        res = check(pat)
        print(name)
        for p in POLICIES:
            print("  %-8s %s" % (p, res[p].decode()))
