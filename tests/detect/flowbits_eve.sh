#!/usr/bin/env bash
# tests/detect/flowbits_eve.sh: the flowbits a flow has set when a rule alerts, in the alert's
# EVE "metadata" as Suricata 7 logs them (output-json.c EveAddMetadata; the documented example in
# "Eve JSON Format" is "metadata": {"flowbits": ["http.dottedquadhost"]}), flowbits named
# "traffic/id/X" and "traffic/label/X" as "traffic": {"id": ["X"], "label": ["X"]}, the flow's
# flowint variables as "flowints": {"NAME": value} after the flowbits, and no
# metadata object on an alert of a flow without flowbits. On rules-iponly.pcap (see
# tests/detect/keywords/kw-iponly.rules), 1 and 3 workers: IP-only rules set the bits on the
# first packet to 192.0.2.66 of flows A (tcp :80), B, C (udp :7053) and E (icmp); the alerts:
# A's "world" (pkt 5, to the client), C's second query "q2" (pkt 15), and D's first datagram
# "d0" (pkt 16, a flow to 10.0.0.2: no bits). A flowint counts the UDP packets to 192.0.2.66
# (only C's: q1 and q2; its rule, a setter, runs before the others on a packet, as Suricata's
# sigorder puts flowint setters first): 2 at q2's alert.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config")
cat >"$tmp/fb.rules" <<'RULES'
alert ip any any -> 192.0.2.66 any (msg:"set a bit"; flowbits:set,iponly.bad; flowbits:noalert; sid:1;)
alert ip any any -> 192.0.2.66 any (msg:"set traffic bits"; flowbits:set,traffic/id/bad-host; flowbits:set,traffic/label/test; flowbits:noalert; sid:2;)
alert tcp 192.0.2.66 any -> any any (msg:"world"; content:"world"; sid:3;)
alert udp any any -> 192.0.2.66 any (msg:"q2"; content:"q2"; sid:4;)
alert udp 192.0.2.66 any -> any any (msg:"d0"; content:"d0"; sid:5;)
alert udp any any -> 192.0.2.66 any (msg:"count C's queries"; flowint:queries,+,1; noalert; sid:6;)
RULES
want='3 {"flowbits": ["iponly.bad"]} {"id": ["bad-host"], "label": ["test"]}
4 {"flowbits": ["iponly.bad"], "flowints": {"queries": 2}} {"id": ["bad-host"], "label": ["test"]}
5 None None'
for wk in 1 3; do
	"$SPANWATCH" "${common[@]}" -S "$tmp/fb.rules" -r "$PCAPS/rules-iponly.pcap" --workers $wk \
		>"$tmp/eve.json" 2>"$tmp/err"
	got=$("$PY" - "$tmp/eve.json" <<'PYEOF'
import json, sys
out = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] != "alert":
        continue
    out.append("%d %s %s" % (e["alert"]["signature_id"],
                             json.dumps(e["metadata"]) if "metadata" in e else None,
                             json.dumps(e["traffic"]) if "traffic" in e else None))
print("\n".join(sorted(out)))
PYEOF
)
	if [ "$got" = "$want" ]; then
		ok "alerts carry the flow's flowbits (metadata, traffic) as Suricata 7 on $wk worker(s)"
	else
		not_ok "flowbits in the alerts on $wk worker(s)"
		diff <(echo "$want") <(echo "$got") | diag
		diag <"$tmp/err"
	fi
done
tap_done
