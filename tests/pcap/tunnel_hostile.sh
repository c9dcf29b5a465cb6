#!/usr/bin/env bash
# tests/pcap/tunnel_hostile.sh: malformed tunnels and link headers (pcaps/craft_tunnel_hostile.py):
# spanwatch survives every cut header and wrong length, raises anomalies, counts them and the
# depth limit hits, and takes no look-alike for a tunnel (tests/pcap/tunnel_hostile.py).
. "$(dirname "$0")/../lib.sh"
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed (contrib/setup installs it)"
	tap_done
	exit 0
fi
require_spanwatch
exec "$PY" "$top_srcdir/tests/pcap/tunnel_hostile.py" "$SPANWATCH" "$PCAPS"
