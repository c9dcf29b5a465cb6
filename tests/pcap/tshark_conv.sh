#!/usr/bin/env bash
# tests/pcap/tshark_conv.sh: flow counts, and packets and bytes per direction of every flow,
# agree with the TCP and UDP conversations tshark reports on the same pcaps.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed (contrib/setup installs it)"
	tap_done
	exit 0
fi
# vlan.pcap is left out on purpose: tshark's conversations ignore VLAN tags and merge the same
# 5-tuple seen on two VLANs, which spanwatch keeps apart as two flows.
for p in http.pcap http.pcapng http6.pcap dns.pcap tls.pcap tls13.pcap sll.pcap sll2.pcap \
	null.pcap rawip.pcap ipv6-ext.pcap; do
	"$SPANWATCH" -r "$PCAPS/$p" --workers 1 >"$tmp/eve.json" 2>/dev/null
	tshark -r "$PCAPS/$p" -q -z conv,tcp -z conv,udp >"$tmp/conv.txt" 2>/dev/null
	if res=$("$PY" "$top_srcdir/tests/pcap/conv_compare.py" "$tmp/conv.txt" "$tmp/eve.json"); then
		ok "$p: flows agree with tshark conversations ($(echo "$res" | tail -n 1 | sed 's/^# //'))"
	else
		not_ok "$p: flows differ from tshark conversations"
		echo "$res"
	fi
done
tap_done
