#!/usr/bin/env bash
# tests/dpi/memory.sh: nDPI's per-flow state is charged to dpi.memcap. On a SYN flood (200k
# flows, made here by pcaps/craft_stream.py) with the smallest cap, most flows are refused and
# left unclassified, each counted once (dpi.flows + dpi.memcap_refused = flow.created), and
# every byte is given back (dpi.memuse 0 at the end); with the default cap nothing is refused.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT

require_spanwatch
require_crafted "$tmp" syn-flood

# run NAME SET...: replay the flood with one worker, events to NAME.json
run() {
	local name=$1 sets=() s
	shift
	for s in "$@"; do sets+=(--set "$s"); done
	if "$SPANWATCH" -r "$tmp/syn-flood.pcap" --workers 1 "${sets[@]}" >"$tmp/$name.json" \
		2>"$tmp/$name.err"; then
		ok "$name: spanwatch ${*}"
	else
		not_ok "$name: spanwatch failed"
		diag <"$tmp/$name.err"
	fi
}
eq() { [ -n "$1" ] && [ "$1" -eq "$2" ]; }
gt() { [ -n "$1" ] && [ "$1" -gt "$2" ]; }

run dpi-64kb dpi.memcap=64kb
f=$(stats_value "$tmp/dpi-64kb.json" dpi.flows)
r=$(stats_value "$tmp/dpi-64kb.json" dpi.memcap_refused)
c=$(stats_value "$tmp/dpi-64kb.json" flow.created)
m=$(stats_value "$tmp/dpi-64kb.json" dpi.memuse)
check "dpi.memcap 64kb: flows refused (dpi.memcap_refused $r > 100000)" gt "$r" 100000
check "dpi.memcap 64kb: some flows classified (dpi.flows $f > 0)" gt "$f" 0
check "dpi.memcap 64kb: each flow classified or refused once ($f + $r = flow.created $c)" \
	eq "$((${f:-0} + ${r:-0}))" "${c:-0}"
check "dpi.memcap 64kb: dpi.memuse ($m) back to 0" eq "$m" 0
n=$(grep -c '"event_type":"flow"' "$tmp/dpi-64kb.json")
k=$(grep '"event_type":"flow"' "$tmp/dpi-64kb.json" | grep -c '"ndpi":')
check "dpi.memcap 64kb: flow events of refused flows have no ndpi object ($k of $n have one)" \
	eq "$k" "${f:-0}"

run dpi-default
r=$(stats_value "$tmp/dpi-default.json" dpi.memcap_refused)
f=$(stats_value "$tmp/dpi-default.json" dpi.flows)
m=$(stats_value "$tmp/dpi-default.json" dpi.memuse)
check "dpi default memcap: nothing refused ($r)" eq "$r" 0
check "dpi default memcap: every flow classified (dpi.flows $f)" eq "$f" 200000
check "dpi default memcap: dpi.memuse ($m) back to 0" eq "$m" 0
tap_done
