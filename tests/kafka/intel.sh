#!/usr/bin/env bash
# tests/kafka/intel.sh: indicators from a Kafka intel topic (issue 17) against librdkafka's mock
# cluster. A replay paced by packet time (capture.pace=100) runs while indicators are added,
# changed and removed on the topic: the alerts of each one start and stop at the packet time the
# sensor applied its delta (its intel event), within one packet interval. Then: tombstones,
# malformed messages skipped with their partition and offset, a restart that resumes from the
# committed offset with the set of its state file, and a new sensor that reads the whole set.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/intel_lib.sh"

# key TAB value lines; an empty value is a tombstone (-Z)
publish() { kcat -P -Z -b "$boot" -t intel -K '	' 2>>"$tmp/kcat.err"; }
intel=(--set detect.enabled=no --set "cti.kafka.brokers=$boot" --set cti.kafka.topic=intel
	--set cti.kafka.batch-ms=10 --set cti.kafka.properties.client.id=intel-test)

printf '%s\t%s\n' \
	'domain:b.intel.test' '{"type":"domain","value":"b.intel.test","source":"cti-team","severity":3,"confidence":70,"tags":["c2"],"id":"ind-b"}' \
	'domain:bad.intel.test' '{"type":"domain","value":"bad.intel.test",' \
	'ipv4:192.0.2.99' '{"type":"ipv4","value":"192.0.2.99"}' | publish
"$PY" "$top_srcdir/tests/kafka/intel_pcap.py" "$tmp/live.pcap" 100 40 a.intel.test b.intel.test

# 1. A paced replay of 8 s (80 lookups, 100 ms apart) while the topic changes.
mkdir -p "$tmp/run1"
"$SPANWATCH" -r "$tmp/live.pcap" -l "$tmp/run1" "${intel[@]}" --set capture.pace=100 \
	--set "cti.kafka.state-file=$tmp/state1" 2>"$tmp/run1.err" &
sensor_pid=$!
for _ in $(seq 100); do grep -q 'paced replay' "$tmp/run1.err" && break; sleep 0.1; done
sleep 1.5
printf '%s\t%s\n' 'domain:a.intel.test' '{"type":"domain","value":"a.intel.test","severity":2}' | publish
sleep 2
printf '%s\t%s\n' 'domain:b.intel.test' '{"type":"domain","value":"b.intel.test","source":"cti-team","severity":1,"id":"ind-b2"}' | publish
sleep 2
printf '%s\t\n' 'domain:a.intel.test' | publish
wait "$sensor_pid"
rc=$?
sensor_pid=
check "the paced replay ends cleanly" test "$rc" = 0
check "four deltas applied: the initial set, a added, b changed, a removed" "$PY" - "$tmp/run1/eve.json" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert len([e for e in ev if e["event_type"] == "intel"]) >= 4, "intel events"
EOF
check "alerts start and stop when their deltas are applied (packet time, 100 ms packets)" \
	"$PY" - "$tmp/run1/eve.json" "$tmp/run1.err" <<'EOF'
import datetime, json, re, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
m = re.search(r"packet time (\d+)\.(\d+) at wall clock (\d+)\.(\d+)", open(sys.argv[2]).read())
pkt0 = int(m.group(1)) + int(m.group(2)) / 1e6
wall0 = int(m.group(3)) + int(m.group(4)) / 1e6
def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
def wall(pkt):       # when the paced replay handed the packet at packet time pkt over
    return wall0 + (pkt - pkt0)
intel = [e for e in ev if e["event_type"] == "intel"]
# the deltas in order: the initial set (one or more deltas), add a, change b, remove a
last = [e["intel"] for e in intel[-3:]]
assert [(d["added"], d["changed"], d["removed"]) for d in last] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)], \
    [e["intel"] for e in intel]
t_add, t_chg, t_rem = (ts(e["timestamp"]) for e in intel[-3:])
assert t_add < t_chg < t_rem
queries = {}
for e in ev:
    if e["event_type"] == "dns" and e["dns"].get("type", "query") == "query":
        n = e["dns"].get("rrname") or e["dns"]["queries"][0]["rrname"]
        queries.setdefault(n, []).append(wall(ts(e["timestamp"])))
alerts = {}
for e in ev:
    if e["event_type"] == "alert":
        alerts.setdefault(e["cti"]["indicator"], []).append(
            (wall(ts(e["timestamp"])), e["alert"]["severity"], e["cti"].get("provenance", "")))
TOL = 0.06   # the replay's own jitter; packets are 0.1 s apart (0.2 s per name)
a = sorted(x[0] for x in alerts.get("a.intel.test", []))
assert a, "no alert for a.intel.test"
assert all(t_add - TOL <= t <= t_rem + TOL for t in a), ("a outside its window", a, t_add, t_rem)
qa = sorted(queries["a.intel.test"])
want = [t for t in qa if t_add + TOL < t < t_rem - TOL]
got = [t for t in a if t_add + TOL < t < t_rem - TOL]
assert len(want) == len(got) and len(want) >= 5, (len(want), len(got))
b = sorted(alerts["b.intel.test"])
assert len(b) == len(queries["b.intel.test"]), "every lookup of b alerts"
for t, sev, prov in b:
    if t < t_chg - TOL:
        assert sev == 3, (t, sev)
    if t > t_chg + TOL:
        assert sev == 1 and prov.startswith("kafka:intel/"), (t, sev, prov)
print("a: %d alerts in its window of %.2f s; b: %d alerts, severity 3 then 1" %
      (len(a), t_rem - t_add, len(b)), file=sys.stderr)
EOF
off=$(kcat -C -b "$boot" -t intel -e -f '%p %o %k\n' 2>/dev/null | awk '$3 == "domain:bad.intel.test" {print $1, $2}')
check "a malformed message is skipped with its partition and offset ($off)" \
	grep -q "cti: kafka topic intel partition ${off% *} offset ${off#* }: the value is not JSON: skipped" "$tmp/run1.err"
check "the alerts say where the indicator came from" \
	grep -Eq '"provenance":"kafka:intel/[0-9]+/[0-9]+"' "$tmp/run1/eve.json"

# 2. Restart with the state file: resumes at the committed offset, keeps the set.
# the committed offset of each partition: after its last message
kcat -C -b "$boot" -t intel -e -f '%p %o\n' 2>/dev/null |
	awk '{ if ($2 + 1 > n[$1]) n[$1] = $2 + 1 } END { for (p in n) print p, n[p] }' >"$tmp/ends"
printf '%s\t%s\n' 'domain:c.intel.test' '{"type":"domain","value":"c.intel.test"}' | publish
"$PY" "$top_srcdir/tests/kafka/intel_pcap.py" "$tmp/abc.pcap" 1 1 a.intel.test b.intel.test c.intel.test
mkdir -p "$tmp/run2"
"$SPANWATCH" -r "$tmp/abc.pcap" -l "$tmp/run2" "${intel[@]}" \
	--set "cti.kafka.state-file=$tmp/state1" 2>"$tmp/run2.err"
resumed() {
	while read -r p o; do
		grep -q "partition $p: resuming at committed offset $o\$" "$tmp/run2.err" || return 1
	done <"$tmp/ends"
	test -s "$tmp/ends"
}
check "a restart resumes at the committed offsets ($(tr '\n' ' ' <"$tmp/ends"))" resumed
alerted() { "$PY" -c 'import json,sys
ev = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(sorted({e["cti"]["indicator"] for e in ev if e["event_type"] == "alert"})))' "$1"; }
check "after the restart: b from the state file, c from the topic, a removed" \
	test "$(alerted "$tmp/run2/eve.json")" = "b.intel.test c.intel.test"
check "the restart read only the new message" "$PY" - "$tmp/run2/eve.json" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
st = [e for e in ev if e["event_type"] == "stats"][-1]["stats"]["cti"]["kafka"]
assert st["messages"] == 1 and st["malformed"] == 0, st
EOF

# 3. A new sensor (no state, another group) reads the compacted topic from the beginning.
mkdir -p "$tmp/run3"
"$SPANWATCH" -r "$tmp/abc.pcap" -l "$tmp/run3" "${intel[@]}" --set cti.kafka.group=another \
	2>"$tmp/run3.err"
check "a new sensor has the whole set: b and c, not the removed a" \
	test "$(alerted "$tmp/run3/eve.json")" = "b.intel.test c.intel.test"
check "its intel event counts the set (3 live: b, c and 192.0.2.99)" "$PY" - "$tmp/run3/eve.json" <<'EOF'
import json, sys
ev = [e["intel"] for e in map(json.loads, open(sys.argv[1])) if e["event_type"] == "intel"]
assert ev and ev[-1]["total"] == 3 and ev[-1]["lag"] == 0, ev
EOF
printf 'a.intel.test\n' >"$tmp/feed.txt"
mkdir -p "$tmp/run4"
"$SPANWATCH" -r "$tmp/abc.pcap" -l "$tmp/run4" "${intel[@]}" --set cti.kafka.group=g4 \
	--indicators "$tmp/feed.txt" 2>"$tmp/run4.err"
check "a feed file and the topic together: a from the file, b and c from the topic" \
	test "$(alerted "$tmp/run4/eve.json")" = "a.intel.test b.intel.test c.intel.test"
check "the file's indicator says its path, the topic's their offsets" "$PY" - "$tmp/run4/eve.json" "$tmp/feed.txt" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
prov = {e["cti"]["indicator"]: e["cti"]["provenance"] for e in ev if e["event_type"] == "alert"}
assert prov["a.intel.test"] == sys.argv[2], prov
assert prov["c.intel.test"].startswith("kafka:intel/"), prov
EOF

# 5. contrib/intel-publish: a CSV, a plain list and a STIX bundle on the topic; --delete.
pub="$top_srcdir/contrib/intel-publish"
printf 'type,value,source,severity,tags\ndomain,d.intel.test,csv-team,1,c2|x\n' >"$tmp/p.csv"
printf '# plain\ne.intel.test\n' >"$tmp/p.txt"
cat >"$tmp/p.json" <<'EOF'
{"type": "bundle", "id": "bundle--1", "objects": [
 {"type": "indicator", "id": "indicator--f1", "name": "stix one", "pattern_type": "stix",
  "pattern": "[domain-name:value = 'f.intel.test'] OR [ipv4-addr:value = '198.51.100.7']",
  "valid_from": "2026-01-01T00:00:00Z"}]}
EOF
"$PY" "$pub" -b "$boot" -t intel "$tmp/p.csv" "$tmp/p.txt" "$tmp/p.json" 2>"$tmp/pub.err"
printf 'c.intel.test\n' >"$tmp/del.txt"
"$PY" "$pub" -b "$boot" -t intel --delete "$tmp/del.txt" 2>>"$tmp/pub.err"
"$PY" "$top_srcdir/tests/kafka/intel_pcap.py" "$tmp/pub.pcap" 1 1 b.intel.test c.intel.test \
	d.intel.test e.intel.test f.intel.test
mkdir -p "$tmp/run5"
"$SPANWATCH" -r "$tmp/pub.pcap" -l "$tmp/run5" "${intel[@]}" --set cti.kafka.group=g5 \
	2>"$tmp/run5.err"
check "intel-publish: CSV, plain and STIX indicators arrive; --delete removes c" \
	test "$(alerted "$tmp/run5/eve.json")" = "b.intel.test d.intel.test e.intel.test f.intel.test"
check "intel-publish: the CSV's source and severity, the STIX name come along" "$PY" - "$tmp/run5/eve.json" <<'EOF'
import json, sys
ev = {e["cti"]["indicator"]: e for e in map(json.loads, open(sys.argv[1])) if e["event_type"] == "alert"}
d, f = ev["d.intel.test"], ev["f.intel.test"]
assert d["cti"]["source"] == "csv-team" and d["alert"]["severity"] == 1 and d["cti"]["tags"] == ["c2", "x"], d["cti"]
assert f["cti"]["name"] == "stix one" and f["cti"]["id"] == "indicator--f1", f["cti"]
EOF

# 6. cti.kafka.memcap: 8000 more indicators with long names do not fit in 1 MB; the messages
# past the cap are skipped whole (logged with their offset, counted, a loss cause), the earlier
# ones apply, and the set stays under 8000.
"$PY" -c '
for i in range(8000):
    print("domain:m%d.intel.test\t{\"type\":\"domain\",\"value\":\"m%d.intel.test\",\"name\":\"%s\"}" % (i, i, "n" * 200))
' | publish
# queries for b and m0..m199: whichever partitions were read before the cap, some of these are in
# the set (keys spread over every partition), so an applied indicator must alert
"$PY" "$top_srcdir/tests/kafka/intel_pcap.py" "$tmp/cap.pcap" 1 1 b.intel.test \
	$(seq -f 'm%g.intel.test' 0 199)
mkdir -p "$tmp/run6"
"$SPANWATCH" -r "$tmp/cap.pcap" -l "$tmp/run6" "${intel[@]}" --set cti.kafka.group=g6 \
	--set cti.kafka.memcap=1mb --set cti.kafka.initial-wait=60 2>"$tmp/run6.err"
check "over cti.kafka.memcap: logged with the offset, skipped" \
	grep -q 'partition [0-9]* offset [0-9]*: over cti.kafka.memcap (1048576 bytes): skipped' "$tmp/run6.err"
# (which later ones are refused depends on when deltas merge: a merge gives the overlay's bytes
# back, so a later message may fit again)
got6=$(alerted "$tmp/run6/eve.json")
n6=$(printf '%s\n' $got6 | grep -c .)
if [ "$n6" -gt 0 ] && [ "$n6" -le 201 ]; then
	ok "indicators read before the cap was reached apply ($n6 of the 201 queried alert)"
else
	not_ok "indicators read before the cap was reached apply"
	{ echo "alerted: $n6"; grep -E 'read to its end|not read' "$tmp/run6.err"; } | diag
fi
check "refusals counted (cti.kafka.memcap_refused, loss cti_memcap, the intel events' skipped)" \
	"$PY" - "$tmp/run6/eve.json" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
st = [e for e in ev if e["event_type"] == "stats"][-1]["stats"]
k = st["cti"]["kafka"]
skipped = sum(e["intel"]["skipped"] for e in ev if e["event_type"] == "intel")
total = [e["intel"]["total"] for e in ev if e["event_type"] == "intel"][-1]
assert k["memcap_refused"] > 1000 and k["memuse"] > 0, k
assert 0 < skipped <= k["memcap_refused"] + k["malformed"], (skipped, k)
assert 1000 < total < 8000, total
assert st["loss"]["cti_memcap"] >= k["memcap_refused"], st["loss"]
EOF
tap_done
