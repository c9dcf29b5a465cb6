#!/usr/bin/env bash
# tests/stream/memory.sh: memory stays within the configured caps on a SYN flood (200k SYNs from
# as many address/port pairs) and an overlap flood (one flow, 40k overlapping out-of-order
# segments). Both pcaps are made here by pcaps/craft_stream.py (deterministic, ~25 MB together,
# so not committed). Asserts the gauges of the final stats event against the caps and that
# something was refused or evicted; prints the peak RSS as a TAP comment (no timing assertion).
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT

require_spanwatch
require_crafted "$tmp" syn-flood overlap-flood

stat() { stats_value "$@"; }
# le A B / gt A B: numeric, false when A is empty
le() { [ -n "$1" ] && [ "$1" -le "$2" ]; }
gt() { [ -n "$1" ] && [ "$1" -gt "$2" ]; }

# run NAME PCAP SET...: replay with /usr/bin/time, events to NAME.json, peak RSS to NAME.rss
run() {
	local name=$1 pcap=$2
	shift 2
	local sets=() s
	for s in "$@"; do sets+=(--set "$s"); done
	if /usr/bin/time -f %M -o "$tmp/$name.rss" "$SPANWATCH" -r "$tmp/$pcap" --workers 1 \
		"${sets[@]}" >"$tmp/$name.json" 2>"$tmp/$name.err"; then
		ok "$name: spanwatch ${*}"
	else
		not_ok "$name: spanwatch failed"
		diag <"$tmp/$name.err"
	fi
	echo "# $name: peak RSS $(tail -n 1 "$tmp/$name.rss") KiB"
}

FLOW_CAP=$((1024 * 1024))  # flow.memcap 1mb
run syn-flood syn-flood.pcap flow.memcap=1mb
m=$(stat "$tmp/syn-flood.json" flow.memuse)
check "syn-flood: stats.flow.memuse ($m) <= flow.memcap ($FLOW_CAP)" le "$m" $FLOW_CAP
e=$(stat "$tmp/syn-flood.json" flow.end.forced)
r=$(stat "$tmp/syn-flood.json" flow.memcap_refused)
check "syn-flood: flows evicted (flow.end.forced $e) or refused (flow.memcap_refused $r)" \
	gt "$((${e:-0} + ${r:-0}))" 0
c=$(stat "$tmp/syn-flood.json" flow.created)
check "syn-flood: flow.created ($c) > 100000 (every SYN is a new flow)" gt "$c" 100000
s=$(stat "$tmp/syn-flood.json" stream.memuse)
check "syn-flood: stats.stream.memuse ($s) is 0 (no data)" le "$s" 0

STREAM_CAP=$((64 * 1024)) # stream.reassembly.memcap 64kb
run overlap-flood overlap-flood.pcap stream.reassembly.memcap=64kb stream.reassembly.depth=0
m=$(stat "$tmp/overlap-flood.json" stream.memuse)
check "overlap-flood: stats.stream.memuse ($m) <= stream.reassembly.memcap ($STREAM_CAP)" \
	le "$m" $STREAM_CAP
r=$(stat "$tmp/overlap-flood.json" stream.memcap_refused)
l=$(stat "$tmp/overlap-flood.json" stream.segment_limit)
check "overlap-flood: segments refused (memcap_refused $r, segment_limit $l)" \
	gt "$((${r:-0} + ${l:-0}))" 0
o=$(stat "$tmp/overlap-flood.json" stream.overlaps)
check "overlap-flood: stats.stream.overlaps ($o) > 0" gt "$o" 0
if grep -q '"stream.reassembly_memcap"' "$tmp/overlap-flood.json"; then
	ok "overlap-flood: anomaly stream.reassembly_memcap"
else
	not_ok "overlap-flood: anomaly stream.reassembly_memcap"
fi
# the same flood with the default caps, for the peak RSS figure only
run overlap-flood-default overlap-flood.pcap stream.reassembly.depth=0
tap_done
