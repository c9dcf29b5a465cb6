#!/usr/bin/env bash
# tests/pcap/ndpi_agree.sh: on every pcap, each flow's protocol as spanwatch's nDPI stage names
# it equals what ndpiReader (Debian's libndpi-bin, the same nDPI 4.2) reports for that flow.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
if ! command -v ndpiReader >/dev/null 2>&1; then
	skip "ndpiReader is not installed (contrib/setup installs libndpi-bin)"
	tap_done
	exit 0
fi
for p in http.pcap http6.pcap dns.pcap tls.pcap tls13.pcap sll.pcap sll2.pcap vlan.pcap \
	ipv6-ext.pcap icmp.pcap null.pcap rawip.pcap loss-http.pcap frag-udp.pcap \
	proto-ssh.pcap proto-smtp.pcap proto-ftp.pcap proto-quic.pcap proto-ntp.pcap proto-dhcp.pcap; do
	[ -f "$PCAPS/$p" ] || continue
	"$SPANWATCH" -r "$PCAPS/$p" --workers 1 >"$tmp/eve.json" 2>/dev/null
	ndpiReader -i "$PCAPS/$p" -v 2 >"$tmp/ndpi.txt" 2>/dev/null
	res=$("$PY" "$top_srcdir/tests/pcap/ndpi_agree.py" "$tmp/ndpi.txt" "$tmp/eve.json")
	rc=$?
	if [ $rc -eq 0 ]; then
		ok "$p: nDPI protocols agree with ndpiReader ($(echo "$res" | tail -n 1 | sed 's/^# //'))"
	elif [ $rc -eq 2 ]; then
		skip "$p: ndpiReader reports no flows for it ($(grep -o 'Unsupported datalink [0-9]*' "$tmp/ndpi.txt" | head -n 1))"
	else
		not_ok "$p: nDPI protocols differ from ndpiReader"
		echo "$res"
	fi
done
tap_done
