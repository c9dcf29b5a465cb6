#!/usr/bin/env bash
# tests/pcap/tunnel_eve.sh: the tunnel object of events, VLAN tracking and indicators on tunnel
# endpoints, judged by tshark (tests/pcap/tunnel_eve.py).
. "$(dirname "$0")/../lib.sh"
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed (contrib/setup installs it)"
	tap_done
	exit 0
fi
exec "$PY" "$top_srcdir/tests/pcap/tunnel_eve.py" "$SPANWATCH" "$PCAPS"
