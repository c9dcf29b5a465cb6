#!/usr/bin/env bash
# tests/detect/icmpv6_mtu.sh: Suricata 7's icmpv6.mtu (src/detect/detect_kw.c): the MTU of an
# ICMPv6 Packet Too Big (type 2, code 0), the only ICMPv6 message that carries one, with the
# integer forms. The capture is crafted here with scapy (never committed); tshark, with its own
# ICMPv6 dissector, gives each rule's expected count.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
require_spanwatch
if ! "$PY" -c 'import scapy' 2>/dev/null || ! command -v tshark >/dev/null; then
	skip "no scapy or tshark (contrib/setup installs python3-scapy and tshark)"
	tap_done
	exit
fi
pcap="$tmp/mtu.pcap"
"$PY" - "$pcap" <<'PYEOF'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (Ether, IP, IPv6, ICMP, ICMPv6PacketTooBig, ICMPv6EchoRequest, Raw,
                       wrpcap)
quoted = IPv6(src="2001:db8::2", dst="2001:db8::9") / Raw(b"x" * 40)
e6 = lambda: Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
frames = [
    # Packet Too Big, MTU 1280 and 1500
    e6() / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6PacketTooBig(mtu=1280) / quoted,
    e6() / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6PacketTooBig(mtu=1500) / quoted,
    # code 1: not a valid Packet Too Big, no MTU for Suricata
    e6() / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6PacketTooBig(code=1, mtu=1280) / quoted,
    # an echo request whose id and sequence read 0x0500 0x0000 (1280 if taken as an MTU)
    e6() / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest(id=0, seq=1280),
    # ICMPv4 fragmentation needed, next-hop MTU 1280: not ICMPv6
    e6() / IP(src="10.0.0.1", dst="10.0.0.2") / ICMP(type=3, code=4, nexthopmtu=1280) /
        IP(src="10.0.0.2", dst="10.0.0.9") / Raw(b"y" * 8),
]
for i, f in enumerate(frames):
    f.time = 1700000000 + i
wrpcap(sys.argv[1], frames)
PYEOF
[ -s "$pcap" ] || { not_ok "scapy wrote the capture"; tap_done; exit; }
ok "scapy wrote the capture ($(tshark -r "$pcap" 2>/dev/null | wc -l) frames)"

# rule (options) and the tshark filter that counts the packets it must alert on
cases=(
	'icmpv6.mtu:1280;|icmpv6.type == 2 && icmpv6.code == 0 && icmpv6.mtu == 1280'
	'icmpv6.mtu:<1400;|icmpv6.type == 2 && icmpv6.code == 0 && icmpv6.mtu < 1400'
	'icmpv6.mtu:>=1280;|icmpv6.type == 2 && icmpv6.code == 0 && icmpv6.mtu >= 1280'
	'icmpv6.mtu:!1280;|icmpv6.type == 2 && icmpv6.code == 0 && icmpv6.mtu != 1280'
	'icmpv6.mtu:1279-1501;|icmpv6.type == 2 && icmpv6.code == 0 && icmpv6.mtu > 1279 && icmpv6.mtu < 1501'
	'icmpv6.mtu:9000;|icmpv6.type == 2 && icmpv6.code == 0 && icmpv6.mtu == 9000'
)
rules="$tmp/mtu.rules"
: >"$rules"
sid=1
for c in "${cases[@]}"; do
	echo "alert ip any any -> any any (msg:\"${c%%|*}\"; ${c%%|*} sid:$sid;)" >>"$rules"
	sid=$((sid + 1))
done
"$SPANWATCH" -T -S "$rules" "${rule_opts[@]}" >"$tmp/T.out" 2>&1
check "the ${#cases[@]} rules load" grep -q "rules: ${#cases[@]} loaded, 0 skipped (unsupported), 0 failed" "$tmp/T.out"
"$SPANWATCH" -q -S "$rules" -r "$pcap" "${rule_opts[@]}" >"$tmp/out.json" 2>"$tmp/out.err" ||
	not_ok "spanwatch on the capture"
alert_counts "$tmp/out.json" >"$tmp/counts"
sid=1
for c in "${cases[@]}"; do
	count_is "${c%%|*} alerts as tshark counts ${c#*|}" \
		"$(tshark -r "$pcap" -Y "${c#*|}" 2>/dev/null | wc -l)" \
		"$(awk -v s="$sid" '$1 == s {print $2}' "$tmp/counts")"
	sid=$((sid + 1))
done
check "icmpv6.mtu:>=1280 fires on 2 packets (the oracle is not empty)" \
	test "$(tshark -r "$pcap" -Y 'icmpv6.type == 2 && icmpv6.code == 0 && icmpv6.mtu >= 1280' 2>/dev/null | wc -l)" -eq 2
tap_done
