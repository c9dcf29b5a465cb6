#!/usr/bin/env bash
# tests/pcap/community_tshark.sh: the Community ID of every flow equals the one tshark computes
# (its communityid dissector) for the packets of that flow, on every recorded and crafted pcap.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
if ! command -v tshark >/dev/null 2>&1 || ! tshark -G protocols 2>/dev/null | grep -q communityid; then
	skip "tshark with the communityid dissector is not installed"
	tap_done
	exit 0
fi
for p in http.pcap http6.pcap dns.pcap tls.pcap sll.pcap sll2.pcap vlan.pcap ipv6-ext.pcap \
	icmp.pcap null.pcap rawip.pcap; do
	"$SPANWATCH" -r "$PCAPS/$p" --workers 1 2>/dev/null |
		"$PY" -c 'import json,sys
for l in sys.stdin:
    e = json.loads(l)
    if e["event_type"] == "flow":
        print(e["community_id"])' | sort -u >"$tmp/ours"
	tshark -r "$PCAPS/$p" --enable-protocol communityid -T fields -e communityid 2>/dev/null |
		tr ',' '\n' | grep . | sort -u >"$tmp/theirs"
	if [ -s "$tmp/ours" ] && cmp -s "$tmp/ours" "$tmp/theirs"; then
		ok "$p: $(wc -l <"$tmp/ours") community IDs equal tshark's"
	else
		not_ok "$p: community IDs differ from tshark's"
		diff "$tmp/theirs" "$tmp/ours" | diag
	fi
done
tap_done
