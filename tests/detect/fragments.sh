#!/usr/bin/env bash
# tests/detect/fragments.sh: the events of rules on IP fragments (issue 14; the alert counts per
# keyword are in tests/detect/keywords/frag.rules). On rules-frag.pcap (pcaps/craft_frag.py):
# a fragment's alert belongs to no flow, as Suricata 7's (no flow_id; an IPv4 fragment's proto
# is its header's and its ports 0, an IPv6 one's proto IPv6-Frag, without ports); the rebuilt
# datagram's alert is its flow's, the flow the unfragmented datagram B of the same 5-tuple joins
# (flow:only_frag on the rebuilt one, flow:no_frag on B), and fragments make no flow and are no
# flow packets; the rebuilt datagram is inspected before the fragment that completed it, with
# its time; the stats count the fragments' inspections and alerts; 1 and 3 workers give the
# same alerts.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
common=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config")
cat >"$tmp/frag.rules" <<'EOF'
alert ip any any -> any any (msg:"ttl 33"; ttl:33; sid:1;)
alert udp any any -> any any (msg:"only_frag"; flow:only_frag; sid:2;)
alert udp any any -> any any (msg:"no_frag"; flow:no_frag; sid:3;)
EOF

# prints one line per check: "ok TEXT" or "bad TEXT"; then "ALERTS" lines (one per alert, the
# fields that must not depend on the number of workers)
frag_check() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
alerts = [e for e in ev if e["event_type"] == "alert"]
flows = [e for e in ev if e["event_type"] == "flow"]
stats = [e for e in ev if e["event_type"] == "stats"][-1]["stats"]
out = []
def say(cond, text):
    out.append(("ok " if cond else "bad ") + text)

ttl = [a for a in alerts if a["alert"]["signature_id"] == 1]
frag = [a for a in ttl if "flow_id" not in a]
whole = [a for a in ttl if "flow_id" in a]
say(len(ttl) == 8 and len(frag) == 6 and len(whole) == 2,
    "ttl 33: 8 alerts, 6 of fragments without a flow, 2 of rebuilt datagrams (%d, %d, %d)"
    % (len(ttl), len(frag), len(whole)))
say(all("community_id" not in a and "direction" not in a and "flow" not in a for a in frag),
    "fragment alerts: no community_id, direction or flow object")
p4 = [(a.get("src_port"), a.get("dest_port")) for a in frag if ":" not in a["src_ip"]]
p6 = [(a.get("src_port"), a.get("dest_port")) for a in frag if ":" in a["src_ip"]]
say(p4 == [(0, 0)] * 3 and p6 == [(None, None)] * 3,
    "fragment alerts' ports: 0 over IPv4 (UDP), none over IPv6 (protocol 44), as Suricata")
v4 = [a["proto"] for a in frag if ":" not in a["src_ip"]]
v6 = [a.get("proto") for a in frag if ":" in a["src_ip"]]
say(v4 == ["UDP"] * 3 and v6 == ["IPv6-Frag"] * 3,
    "fragment alerts' proto: UDP (IPv4), IPv6-Frag (IPv6): %s %s" % (v4, v6))
say(sorted((a["src_port"], a["dest_port"]) for a in whole) == [(41500, 7600), (41700, 7800)],
    "rebuilt datagrams' alerts carry their flows' ports")

fa = [f for f in flows if f.get("src_port") == 41500]
oa = [a for a in alerts if a["alert"]["signature_id"] == 2 and a["src_ip"] == "10.0.0.1"]
na = [a for a in alerts if a["alert"]["signature_id"] == 3 and a["src_ip"] == "10.0.0.1"]
say(len(fa) == 1 and len(oa) == 1 and len(na) == 1 and
    oa[0]["flow_id"] == na[0]["flow_id"] == fa[0]["flow_id"] and
    fa[0]["flow"]["pkts_toserver"] == 2,
    "the rebuilt datagram (only_frag) and B (no_frag) are the 2 packets of one flow")
say(len(flows) == 5 and all(f.get("src_port", 1) != 0 for f in flows),
    "5 flows (A+B, C, D, E, F), none made by a fragment (%d)" % len(flows))
a_ts = sorted(a["timestamp"] for a in frag if a["src_ip"] == "10.0.0.1")
ra = [a for a in whole if a["src_port"] == 41500]
say(len(a_ts) == 3 and len(ra) == 1 and ra[0]["timestamp"] == a_ts[-1],
    "the rebuilt datagram has the time of its last fragment")
d = stats["detect"]
say(d["alerts"] == len(alerts) == 12 and d["packets"] == 16,
    "stats: detect.alerts %d (12 alert events), detect.packets %d (10 fragments, 6 others)"
    % (d["alerts"], d["packets"]))
for l in out:
    print(l)
for l in sorted(" ".join(str(x) for x in ("ALERT", a["timestamp"], a["alert"]["signature_id"],
                                           a["src_ip"], a["dest_ip"], a.get("proto"),
                                           a.get("src_port"), a.get("dest_port"),
                                           "flow_id" in a)) for a in alerts):
    print(l)
PYEOF
}

for wk in 1 3; do
	"$SPANWATCH" "${common[@]}" -S "$tmp/frag.rules" -r "$PCAPS/rules-frag.pcap" --workers $wk \
		>"$tmp/eve$wk.json" 2>"$tmp/err$wk"
	frag_check "$tmp/eve$wk.json" >"$tmp/check$wk"
	[ -s "$tmp/check$wk" ] || { not_ok "workers $wk: no check output"; diag <"$tmp/err$wk"; }
	while read -r res text; do
		case "$res" in
		ok) ok "workers $wk: $text" ;;
		bad) not_ok "workers $wk: $text" ;;
		esac
	done <"$tmp/check$wk"
done
# one worker runs inline, in reading order: the rebuilt datagram comes out first
"$PY" - "$tmp/eve1.json" <<'PYEOF' >"$tmp/order"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ttl = [e for e in ev if e["event_type"] == "alert" and e["alert"]["signature_id"] == 1]
# the third and fourth ttl alerts of 10.0.0.1 have A3's time: RA's (with a flow) first
v4 = [e for e in ttl if e["src_ip"] == "10.0.0.1"]
print("ok" if len(v4) == 4 and "flow_id" in v4[2] and "flow_id" not in v4[3] else "bad")
PYEOF
if [ "$(cat "$tmp/order")" = ok ]; then
	ok "workers 1: the rebuilt datagram's alert comes before that of the fragment that completed it"
else
	not_ok "workers 1: the rebuilt datagram's alert is not before its last fragment's"
fi
grep '^ALERT' "$tmp/check1" >"$tmp/a1"
grep '^ALERT' "$tmp/check3" >"$tmp/a3"
if [ -s "$tmp/a1" ] && cmp -s "$tmp/a1" "$tmp/a3"; then
	ok "the same $(wc -l <"$tmp/a1") alerts on 1 and 3 workers"
else
	not_ok "alerts differ between 1 and 3 workers"
	diff "$tmp/a1" "$tmp/a3" | diag
fi
tap_done
