#!/usr/bin/env bash
# tests/kafka/intel_retro.sh: the retro-hunt of issue 17 on committed captures. dns.pcap (names
# under demo.example, 2026-11-25) then quic-handshakes.pcap (QUIC SNIs under quic.demo.example,
# a week later) are replayed paced by packet time (capture.pace=20) with a 1-minute window; while
# the QUIC part runs, indicators for what it showed early are published on the mock cluster's
# intel topic. Every QUIC flow observed before the delta gets exactly one retro alert per
# indicator (retro, observed, detected), every later one a live alert, none gets both; the DNS
# names fell out of the window (a week older) and get none. A second delta a moment later adds
# v1.quic.demo.example: the v1 flows seen before it, already retro-alerted for the first four,
# get a retro alert for it too (each new batch is matched against the whole window).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/intel_lib.sh"

mkdir -p "$tmp/run"
"$SPANWATCH" -r "$PCAPS/dns.pcap" -r "$PCAPS/quic-handshakes.pcap" -l "$tmp/run" \
	--set detect.enabled=no --set "cti.kafka.brokers=$boot" --set cti.kafka.topic=intel \
	--set cti.kafka.batch-ms=10 --set capture.pace=20 --set cti.retro.minutes=1 \
	2>"$tmp/run.err" &
sensor_pid=$!
for _ in $(seq 200); do [ "$(grep -c 'paced replay' "$tmp/run.err")" = 2 ] && break; sleep 0.05; done
sleep 2 # a fifth of the speed: about 0.4 s of the QUIC capture's 0.94 s
printf '%s\t%s\n' \
	'domain:quic.demo.example' '{"type":"domain","value":"quic.demo.example"}' \
	'domain:demo.example' '{"type":"domain","value":"demo.example"}' \
	'ja4:q13d0415h3_9caa18292e23_84684a673e38' '{"type":"ja4","value":"q13d0415h3_9caa18292e23_84684a673e38"}' \
	'ipv4:127.0.0.1' '{"type":"ipv4","value":"127.0.0.1"}' |
	kcat -P -b "$boot" -t intel -K '	' 2>"$tmp/kcat.err"
sleep 0.5
printf '%s\t%s\n' 'domain:v1.quic.demo.example' '{"type":"domain","value":"v1.quic.demo.example"}' |
	kcat -P -b "$boot" -t intel -K '	' 2>>"$tmp/kcat.err"
wait "$sensor_pid"
rc=$?
sensor_pid=
check "the replay ends cleanly" test "$rc" = 0
check "retro alerts: exactly the flows seen before the delta, once; live after; none out of the window" \
	"$PY" - "$tmp/run/eve.json" "$tmp/run.err" <<'EOF'
import collections, datetime, json, re, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
paced = re.findall(r"packet time (\d+\.\d+) at wall clock (\d+\.\d+)", open(sys.argv[2]).read())
pkt0, wall0 = map(float, paced[1])          # the QUIC file's anchor
def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
intel = [e for e in ev if e["event_type"] == "intel" and e["intel"]["added"] == 4]
assert len(intel) == 1, "one delta of four indicators"
t_apply = ts(intel[0]["timestamp"])
pkt_apply = pkt0 + (t_apply - wall0) * 20 / 100     # the packet time being replayed then
intel2 = [e for e in ev if e["event_type"] == "intel" and e["intel"]["added"] == 1]
assert len(intel2) == 1, "a second delta of one indicator"
t_apply2 = ts(intel2[0]["timestamp"])
pkt_apply2 = pkt0 + (t_apply2 - wall0) * 20 / 100
V1 = "v1.quic.demo.example"
quic = {}
for e in ev:
    if e["event_type"] == "quic":
        quic[e["flow_id"]] = e["quic"].get("sni", "")
alerts = [e for e in ev if e["event_type"] == "alert"]
pairs = collections.Counter((a["flow_id"], a["cti"]["indicator"]) for a in alerts)
assert all(n == 1 for n in pairs.values()), "an alert twice: %s" % [p for p, n in pairs.items() if n > 1]
dnsflows = {e["flow_id"] for e in ev if e["event_type"] == "dns"}
assert not any(a["flow_id"] in dnsflows for a in alerts), "a DNS flow alerted: it fell out of the window"
retro = [a for a in alerts if a["cti"].get("retro")]
live = [a for a in alerts if not a["cti"].get("retro")]
assert retro and live, (len(retro), len(live))
TOL = 0.05
for a in retro:
    obs = ts(a["cti"]["observed"])
    pa, ta = (pkt_apply2, t_apply2) if a["cti"]["indicator"] == V1 else (pkt_apply, t_apply)
    assert obs < pa + TOL, ("retro alert for a later observation", a["cti"], pa)
    assert abs(ts(a["cti"]["detected"]) - ta) < 10 and ts(a["timestamp"]) == ts(a["cti"]["detected"])
for a in live:
    pa = pkt_apply2 if a["cti"]["indicator"] == V1 else pkt_apply
    assert ts(a["timestamp"]) > pa - TOL, ("live alert before the delta", a["timestamp"])
# every QUIC flow alerted, on each indicator it carries: the address, its SNI's parent, JA4
assert len(quic) >= 8, quic
for f, sni in quic.items():
    got = {i for (fl, i) in pairs if fl == f}
    assert "127.0.0.1" in got, (f, got)
    if sni.endswith(".quic.demo.example"):
        assert "quic.demo.example" in got, (f, sni, got)
    if sni == V1:
        assert V1 in got, ("a v1 flow without its alert for the second delta", f, got)
early_v1 = [a for a in retro if a["cti"]["indicator"] == V1 and ts(a["cti"]["observed"]) < pkt_apply]
assert early_v1, "no v1 flow seen before the first delta alerted for the second"
print("%d retro and %d live alerts over %d QUIC flows; delta at packet offset %.3f s" %
      (len(retro), len(live), len(quic), pkt_apply - pkt0), file=sys.stderr)
EOF
check "what fell out of the window is counted; the window's memory is charged" "$PY" - "$tmp/run/eve.json" <<'EOF'
import json, sys
st = [e for e in map(json.loads, open(sys.argv[1])) if e["event_type"] == "stats"][-1]["stats"]["cti"]["retro"]
assert st["expired"] > 0 and st["memuse"] > 0 and st["hits"] > 0 and st["deduped"] > 0, st
EOF

# 2. The same from a feed file changed mid-replay (reload-watch): only what the reload adds is
# hunted; the indicator that was there from the start alerts live only.
printf 'resume.quic.demo.example\n' >"$tmp/feed.txt"
mkdir -p "$tmp/run2"
"$SPANWATCH" -r "$PCAPS/quic-handshakes.pcap" -l "$tmp/run2" --set detect.enabled=no \
	--indicators "$tmp/feed.txt" --set capture.pace=20 --set cti.retro.minutes=1 \
	2>"$tmp/run2.err" &
sensor_pid=$!
for _ in $(seq 200); do grep -q 'paced replay' "$tmp/run2.err" && break; sleep 0.05; done
sleep 2
printf 'resume.quic.demo.example\nv1.quic.demo.example\n' >"$tmp/feed.new"
mv "$tmp/feed.new" "$tmp/feed.txt"
wait "$sensor_pid"
sensor_pid=
check "a feed file reload hunts back: v1 (seen before the reload) gets one retro alert" "$PY" - "$tmp/run2/eve.json" <<'EOF'
import collections, json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
al = [e for e in ev if e["event_type"] == "alert"]
c = collections.Counter((e["cti"]["indicator"], bool(e["cti"].get("retro"))) for e in al)
assert c[("v1.quic.demo.example", True)] == 1 and c[("v1.quic.demo.example", False)] == 0, c
assert c[("resume.quic.demo.example", False)] == 2 and c[("resume.quic.demo.example", True)] == 0, c
assert all(e["cti"]["provenance"].endswith("feed.txt") for e in al), al
EOF
tap_done
