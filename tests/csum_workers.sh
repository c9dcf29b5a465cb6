#!/usr/bin/env bash
# tests/csum_workers.sh: with several workers the capture thread leaves TCP checksums to the
# workers (decode_csum_deferred); the counters and the packets kept out of flows must be what one
# worker (which verifies them while decoding) gives. A copy of pcaps/http.pcap with the TCP
# checksum of every third TCP segment with data turned wrong (made here, never committed); the
# number of bad ones is counted by the script that makes it and, when tshark is installed, by
# tshark's own checksum validation.
. "$(dirname "$0")/lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT

# Writes the right TCP checksum into every TCP segment (Ethernet, IPv4, no fragments), then
# flips it in every third one that carries data; prints how many it flipped, and how many TCP
# packets there are.
"$PY" - "$PCAPS/http.pcap" "$tmp/bad.pcap" >"$tmp/made" <<'PYEOF'
import struct, sys
src = open(sys.argv[1], "rb").read()
out = bytearray(src[:24])
endian = "<" if src[:4] == b"\xd4\xc3\xb2\xa1" else ">"
off, seen, bad, tcp = 24, 0, 0, 0
while off + 16 <= len(src):
    ts, tu, incl, orig = struct.unpack(endian + "IIII", src[off:off + 16])
    pkt = bytearray(src[off + 16:off + 16 + incl])
    off += 16 + incl
    if len(pkt) >= 34 and pkt[12:14] == b"\x08\x00" and pkt[23] == 6:
        ihl = (pkt[14] & 15) * 4
        tot = struct.unpack(">H", pkt[16:18])[0]
        t = 14 + ihl
        thl = (pkt[t + 12] >> 4) * 4
        tcp += 1
        # loopback recordings carry unfilled checksums: the right one first (RFC 793)
        seg = pkt[t:14 + tot]
        seg[16:18] = b"\0\0"
        data = bytes(pkt[26:34]) + struct.pack(">BBH", 0, 6, len(seg)) + bytes(seg)
        if len(data) % 2:
            data += b"\0"
        s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        pkt[t + 16:t + 18] = struct.pack(">H", ~s & 0xffff)
        if tot - ihl - thl > 0:
            seen += 1
            if seen % 3 == 0:
                pkt[t + 16] ^= 0x5a
                bad += 1
    out += struct.pack(endian + "IIII", ts, tu, len(pkt), orig) + pkt
open(sys.argv[2], "wb").write(out)
print(bad, tcp)
PYEOF
read -r nbad ntcp <"$tmp/made"
if [ "${nbad:-0}" -gt 0 ]; then
	ok "the copy has $nbad TCP segments of $ntcp with a wrong checksum"
else
	not_ok "the copy has no wrong checksum (made: $(cat "$tmp/made"))"
fi
if command -v tshark >/dev/null; then
	tb=$(tshark -r "$tmp/bad.pcap" -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status == 0' \
		2>/dev/null | wc -l)
	check "tshark finds the same $nbad bad TCP checksums (it found $tb)" [ "$tb" = "$nbad" ]
else
	skip "tshark not installed: the bad checksums are not counted independently"
fi

run() { # MODE WORKERS
	"$SPANWATCH" -r "$tmp/bad.pcap" --workers "$2" -k "$1" -l "$tmp/$1-$2" \
		--set detect.enabled=no >"$tmp/$1-$2.out" 2>"$tmp/$1-$2.err"
}
flows() { # DIR: the flow events without their ids, sorted
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event_type") == "flow":
        e.pop("flow_id", None)
        e.pop("event_id", None)
        print(json.dumps(e, sort_keys=True))' "$1/eve.json" | sort
}
for mode in all none; do
	want_skip=0
	[ "$mode" = all ] && want_skip=$nbad
	for w in 1 2 3; do
		mkdir -p "$tmp/$mode-$w"
		if ! run "$mode" "$w"; then
			not_ok "-k $mode, $w workers: spanwatch failed"
			diag <"$tmp/$mode-$w.err"
			continue
		fi
		tb=$(stats_value "$tmp/$mode-$w/eve.json" decoder.checksum.tcp_bad)
		sk=$(stats_value "$tmp/$mode-$w/eve.json" decoder.checksum.skipped)
		check "-k $mode, $w workers: tcp_bad $tb, skipped $sk (want $nbad, $want_skip)" \
			test "$tb/$sk" = "$nbad/$want_skip"
		check "-k $mode, $w workers: the summary line counts $want_skip kept out of flows" \
			grep -q " $want_skip kept out of flows for bad checksums" "$tmp/$mode-$w.err"
	done
	flows "$tmp/$mode-1" >"$tmp/$mode-1.flows"
	for w in 2 3; do
		flows "$tmp/$mode-$w" >"$tmp/$mode-$w.flows"
		if [ -s "$tmp/$mode-1.flows" ] && cmp -s "$tmp/$mode-1.flows" "$tmp/$mode-$w.flows"; then
			ok "-k $mode: the flow events of $w workers are those of one"
		else
			not_ok "-k $mode: the flow events of $w workers differ from one worker's"
			diff "$tmp/$mode-1.flows" "$tmp/$mode-$w.flows" | head -20 | diag
		fi
	done
done
# -k all keeps the bad segments out of flows: fewer packets in the flow events than -k none
pa=$(grep -o '"pkts_toserver":[0-9]*,"pkts_toclient":[0-9]*' "$tmp/all-2/eve.json" |
	grep -o '[0-9]*' | awk '{s += $1} END {print s}')
pn=$(grep -o '"pkts_toserver":[0-9]*,"pkts_toclient":[0-9]*' "$tmp/none-2/eve.json" |
	grep -o '[0-9]*' | awk '{s += $1} END {print s}')
check "-k all, 2 workers: the flows hold $nbad packets fewer than with -k none ($pa vs $pn)" \
	test "$((${pn:-0} - ${pa:-0}))" = "$nbad"
tap_done
