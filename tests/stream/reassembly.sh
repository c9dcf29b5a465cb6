#!/usr/bin/env bash
# tests/stream/reassembly.sh: TCP reassembly and IP defragmentation, end to end. Real traffic
# with real loss (pcaps/loss-http.pcap, and reordered / duplicated copies of it made here by
# rewrite.py) must give back the served file byte for byte; real fragments (frag-udp.pcap)
# whole datagrams; the crafted cases (pcaps/stream-*.pcap, defrag-*.pcap from craft_stream.py)
# their exact streams, counters and anomalies. The assertions live in check.py, one line each.
. "$(dirname "$0")/../lib.sh"
dir="$top_srcdir/tests/stream"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT

# run_check CASE [ARG]: check.py's lines -> TAP
run_check() {
	local out line st name why
	out=$("$PY" "$dir/check.py" "$SPANWATCH" "$PCAPS" "$tmp" "$@" 2>&1) || {
		not_ok "$1: check.py failed"
		echo "$out" | diag
		return
	}
	while IFS= read -r line; do
		IFS=$'\t' read -r st name why <<<"$line"
		case $st in
		ok) ok "$name" ;;
		"not ok")
			not_ok "$name"
			printf '%s\n' "$why" | diag
			;;
		*) printf '%s\n' "$line" | diag ;;
		esac
	done <<<"$out"
}

if [ ! -x "$SPANWATCH" ]; then
	not_ok "spanwatch not built ($SPANWATCH)"
	tap_done
	exit
fi

for f in loss-http.pcap loss-http.sha256 frag-udp.pcap frag-udp.sha256 stream-overlap.pcap; do
	[ -f "$PCAPS/$f" ] || not_ok "pcaps/$f missing (sudo pcaps/record.sh loss frag crafted-stream)"
done

# real loss, then the same capture reordered (windows of 4, seed 7) and duplicated (5 %, seed 7)
run_check loss
"$PY" "$dir/rewrite.py" reorder "$PCAPS/loss-http.pcap" "$tmp/loss-reordered.pcap" 7 4 | diag
run_check loss "$tmp/loss-reordered.pcap"
"$PY" "$dir/rewrite.py" dup "$PCAPS/loss-http.pcap" "$tmp/loss-duplicated.pcap" 7 5 | diag
run_check loss "$tmp/loss-duplicated.pcap"
rm -f "$tmp"/loss-*.pcap

for c in frag-udp overlap defrag-overlap gap rst wrap depth midstream memcap urgent keepalive \
	after-close retrans tfo defrag-misc defrag-flood; do
	run_check "$c"
done
tap_done
