#!/usr/bin/env bash
# tests/capture_mapped.sh: a classic pcap file without a BPF filter is read from a memory mapping
# (capture_file.c map_next), with its packets handed to the workers without a copy; with a
# filter, libpcap reads it. Both readers must give the same events on the same bytes: copies of
# pcaps/http.pcap and pcaps/tls.pcap rewritten big-endian, with nanosecond timestamps, both,
# with a snapshot length shorter than some records (libpcap cuts those to it), and cut in the
# middle of a record header and of a packet (the warning names the packets read before). The
# filter "ip or not ip" takes every packet, so it changes nothing but the reader.
. "$(dirname "$0")/lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT

# rewrite SRC DST ENDIAN(<|>) NSEC(0|1) SNAP(0 keeps it) CUT(0: none; else bytes to drop)
rewrite() {
	"$PY" - "$@" <<'PYEOF'
import struct, sys
src, dst, endian, nsec, snap, cut = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
b = open(src, "rb").read()
ie = "<" if b[:4] == b"\xd4\xc3\xb2\xa1" else ">"
magic, vmaj, vmin, tz, sig, osnap, lt = struct.unpack(ie + "IHHiIII", b[:24])
out = bytearray(struct.pack(endian + "IHHiIII", 0xa1b23c4d if nsec else 0xa1b2c3d4, vmaj, vmin, tz, sig, snap or osnap, lt))
off = 24
while off + 16 <= len(b):
    s, us, incl, orig = struct.unpack(ie + "IIII", b[off:off + 16])
    out += struct.pack(endian + "IIII", s, us * 1000 + 999 if nsec else us, incl, orig)
    out += b[off + 16:off + 16 + incl]
    off += 16 + incl
open(dst, "wb").write(out[:len(out) - cut] if cut else out)
PYEOF
}
events() { # EVE: the flow and app events, sorted, without what names the run
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event_type") in ("stats", "loss"):
        continue
    for k in ("event_id", "pcap_filename"):
        e.pop(k, None)
    print(json.dumps(e, sort_keys=True))' "$1" | sort
}
run() { # NAME FILE WORKERS [--bpf EXPR]
	local name=$1 file=$2 w=$3
	shift 3
	mkdir -p "$tmp/$name"
	"$SPANWATCH" -r "$file" --workers "$w" -l "$tmp/$name" --set detect.enabled=no "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
}

for src in http tls; do
	for v in "le-us < 0 0 0" "be-us > 0 0 0" "le-ns < 1 0 0" "be-ns > 1 0 0" "snap < 0 600 0" \
		"cut-data < 0 0 100" "cut-hdr < 0 0 X"; do
		set -- $v
		name="$src-$1"
		cut=$5
		if [ "$cut" = X ]; then # all of the last record but 8 bytes of its header
			last=$("$PY" -c 'import struct, sys
b = open(sys.argv[1], "rb").read(); off = 24; last = 0
while off + 16 <= len(b):
    incl = struct.unpack("<I", b[off + 8:off + 12])[0]; last = 16 + incl; off += last
print(last - 8)' "$PCAPS/$src.pcap")
			cut=$last
		fi
		rewrite "$PCAPS/$src.pcap" "$tmp/$name.pcap" "$2" "$3" "$4" "$cut"
		for w in 1 2; do
			run "$name-map-$w" "$tmp/$name.pcap" "$w"
			run "$name-pcap-$w" "$tmp/$name.pcap" "$w" --bpf "ip or not ip"
			events "$tmp/$name-map-$w/eve.json" >"$tmp/$name-map-$w.ev"
			events "$tmp/$name-pcap-$w/eve.json" >"$tmp/$name-pcap-$w.ev"
			if [ -s "$tmp/$name-map-$w.ev" ] &&
				cmp -s "$tmp/$name-map-$w.ev" "$tmp/$name-pcap-$w.ev"; then
				ok "$name, $w workers: mapped and libpcap give the same $(wc -l <"$tmp/$name-map-$w.ev") events"
			else
				not_ok "$name, $w workers: the mapped file's events differ from libpcap's"
				diff "$tmp/$name-map-$w.ev" "$tmp/$name-pcap-$w.ev" | head -10 | diag
			fi
			m=$(stats_value "$tmp/$name-map-$w/eve.json" capture.packets)
			p=$(stats_value "$tmp/$name-pcap-$w/eve.json" capture.packets)
			me=$(stats_value "$tmp/$name-map-$w/eve.json" capture.file_errors)
			pe=$(stats_value "$tmp/$name-pcap-$w/eve.json" capture.file_errors)
			check "$name, $w workers: packets $m/$p, file errors $me/$pe (mapped/libpcap)" \
				test -n "$m" -a "$m/$me" = "$p/$pe"
		done
		case $1 in
		cut-*)
			n=$(grep -o 'stopped after [0-9]* packets' "$tmp/$name-map-1.err")
			check "$name: the mapped reader warns '$n' as libpcap does" \
				grep -q "$n" "$tmp/$name-pcap-1.err"
			check "$name: one file error" test "$me" = 1
			;;
		esac
	done
	# the original, read both ways: same events as the rewritten copies of it
	run "$src-orig" "$PCAPS/$src.pcap" 1
	events "$tmp/$src-orig/eve.json" >"$tmp/$src-orig.ev"
	check "$src: the big-endian copy gives the original's events" \
		cmp -s "$tmp/$src-orig.ev" "$tmp/$src-be-us-map-1.ev"
done
tap_done
