#!/usr/bin/env bash
# tests/pcap/tunnel.sh: VXLAN and IP-in-IP captures (pcaps/craft_tunnel.py wraps recorded HTTP
# and DNS captures) decode to the same inner packets as tshark sees, and give the same
# application events, flows and Community IDs as the captures they wrap (tests/pcap/tunnel.py).
. "$(dirname "$0")/../lib.sh"
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed (contrib/setup installs it)"
	tap_done
	exit 0
fi
exec "$PY" "$top_srcdir/tests/pcap/tunnel.py" "$SPANWATCH" "$PCAPS"
