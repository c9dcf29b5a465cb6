#!/usr/bin/env bash
# tests/pcap/tunnel.sh: every encapsulation (pcaps/craft_tunnel.py wraps recorded HTTP, DNS and TLS
# captures; pcaps/record.sh records VXLAN for real) decodes to the same inner packets and
# conversations as tshark sees, and gives the same flows, application events, rule alerts and
# indicator alerts as the capture it wraps (tests/pcap/tunnel.py). Arguments: case names
# (tunnel-gre-dns.pcap ...) to run only those.
. "$(dirname "$0")/../lib.sh"
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed (contrib/setup installs it)"
	tap_done
	exit 0
fi
require_spanwatch
exec "$PY" "$top_srcdir/tests/pcap/tunnel.py" "$SPANWATCH" "$PCAPS" \
	"$top_srcdir/tests/pcap/tunnel.rules" "$top_srcdir/tests/pcap/tunnel-cti.csv" "$@"
