#!/usr/bin/env bash
# tests/kafka/kafka.sh: the Kafka sink against librdkafka's mock cluster (three real
# Kafka-protocol brokers on loopback, started here): every event arrives once, keyed by its
# community_id, as the file sink wrote it; no event is lost when the brokers are down before the
# start, go down in the middle of a replay, or when the sensor is killed with -9 mid-outage; a
# damaged spool is read past its bad records; a full spool drops an exact, counted number.
. "$(dirname "$0")/../lib.sh"
tool="$top_builddir/tests/kafka/kafka_tool"
feed="$top_srcdir/tests/kafka/feed.py"
spool="$top_srcdir/tests/kafka/spool.py"
tmp=$(mktmp)
cluster_pid=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$cluster_pid" ] && kill "$cluster_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

mkfifo "$tmp/ctl"
"$tool" cluster 3 spanwatch.alerts spanwatch.flows spanwatch.anomalies spanwatch.events <"$tmp/ctl" >"$tmp/boot" \
	2>"$tmp/cluster.err" &
cluster_pid=$!
exec 3>"$tmp/ctl"
for _ in $(seq 100); do [ -s "$tmp/boot" ] && break; sleep 0.1; done
boot=$(head -n 1 "$tmp/boot")
if [ -z "$boot" ]; then
	not_ok "the mock cluster starts"
	diag <"$tmp/cluster.err"
	tap_done
	exit 1
fi
ok "a 3-broker mock cluster runs at $boot"

# (no rules: the alerts here are CTI ones)
kafka=(--set detect.enabled=no --set outputs.kafka.enabled=yes --set "outputs.kafka.brokers=$boot"
	--set outputs.kafka.topics.flow=spanwatch.flows
	--set outputs.kafka.topics.anomaly=spanwatch.anomalies)
consume() { "$tool" consume "$boot" "$1" "${2:-2500}" 2>/dev/null; }
# events of a type in an EVE file, as canonical JSON lines
file_events() {
	"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == sys.argv[2]:
        print(json.dumps(e, sort_keys=True))' "$1" "$2" | sort
}
consumed_events() { # TOPIC-dump -> canonical JSON of the values
	cut -f 3- "$1" | "$PY" -c 'import json,sys
for l in sys.stdin:
    print(json.dumps(json.loads(l), sort_keys=True))' | sort
}
distinct_ids() { cut -f 3- "$1" | "$PY" -c 'import json,sys
ids = [json.loads(l)["event_id"] for l in sys.stdin]
print(len(set(ids)), len(ids))'; }

# 1. Normal replay: every flow and anomaly event once, same JSON as the file, keyed.
mkdir -p "$tmp/run1"
printf 'demo.example\n10.0.0.0/24\n' >"$tmp/indicators.txt"
"$SPANWATCH" -r "$PCAPS/http.pcap" -r "$PCAPS/dns.pcap" -r "$PCAPS/malformed.pcap" \
	-r "$PCAPS/icmp.pcap" -l "$tmp/run1" --indicators "$tmp/indicators.txt" \
	"${kafka[@]}" --set "outputs.kafka.spool.dir=$tmp/spool1" 2>"$tmp/run1.err"
consume spanwatch.flows >"$tmp/flows1"
consume spanwatch.anomalies >"$tmp/anom1"
consume spanwatch.alerts >"$tmp/alerts1"
na=$(file_events "$tmp/run1/eve.json" alert | wc -l)
check "alerts on Kafka are the file's alerts ($na)" \
	cmp -s <(file_events "$tmp/run1/eve.json" alert) <(consumed_events "$tmp/alerts1")
check "each alert arrives once on the alerts topic" test "$(distinct_ids "$tmp/alerts1")" = "$na $na" -a "$na" -gt 0
check "flow events on Kafka are the file's flow events" \
	cmp -s <(file_events "$tmp/run1/eve.json" flow) <(consumed_events "$tmp/flows1")
check "anomaly events on Kafka are the file's anomaly events" \
	cmp -s <(file_events "$tmp/run1/eve.json" anomaly) <(consumed_events "$tmp/anom1")
n=$(wc -l <"$tmp/flows1")
check "each event arrives once ($n flows, distinct event_ids)" test "$(distinct_ids "$tmp/flows1")" = "$n $n"
check "the message key is the flow's community_id" "$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    k, t, v = l.rstrip("\n").split("\t", 2)
    e = json.loads(v)
    assert k == e["community_id"] and t == "flow", l' "$tmp/flows1"
check "the spool is empty after delivery" test -z "$(ls "$tmp/spool1" 2>/dev/null)"
# topics.default (spanwatch.events) carries every type without a topic of its own
consume spanwatch.events >"$tmp/events1"
check "the default topic carries every other event type, as the file has them" \
	cmp -s <(for t in dns tls http fileinfo stats loss; do file_events "$tmp/run1/eve.json" $t; done | sort) \
	<(consumed_events "$tmp/events1")
check "... the loss event (malformed.pcap's decode errors) among them" grep -qF '"event_type":"loss"' "$tmp/events1"
check "... dns, http and stats among them" test -n "$(grep -F '"event_type":"dns"' "$tmp/events1")" \
	-a -n "$(grep -F '"event_type":"http"' "$tmp/events1")" -a -n "$(grep -F '"event_type":"stats"' "$tmp/events1")"
check "... with the event_type header" test -z "$(cut -f 2 "$tmp/events1" | grep -v -x -E 'dns|tls|http|fileinfo|stats|loss')"

# 2. All brokers down before the start, up 10 s later: nothing lost.
echo down >&3
(sleep 10 && echo up >&3) &
up_pid=$!
mkdir -p "$tmp/run2"
"$SPANWATCH" -r "$PCAPS/dns.pcap" -r "$PCAPS/icmp.pcap" -l "$tmp/run2" "${kafka[@]}" \
	--set "outputs.kafka.spool.dir=$tmp/spool2" --set outputs.kafka.delivery-timeout-ms=2000 \
	--set outputs.kafka.shutdown-timeout=40 2>"$tmp/run2.err"
wait "$up_pid"
consume spanwatch.flows >"$tmp/flows2"
want=$(file_events "$tmp/run2/eve.json" flow | wc -l)
got=$(grep -c -F -f <(grep '"event_type":"flow"' "$tmp/run2/eve.json" | sed -n 's/.*"event_id":"\([^"]*\)".*/\1/p') "$tmp/flows2")
check "brokers down at start, up after 10 s: all $want flow events arrive (got $got)" test "$got" -eq "$want" -a "$want" -gt 0
check "... every one of them" cmp -s <(file_events "$tmp/run2/eve.json" flow) \
	<(grep -F -f <(sed -n 's/.*"event_id":"\([^"]*\)".*/\1/p' "$tmp/run2/eve.json") "$tmp/flows2" |
		consumed_events /dev/stdin)
check "the outage was noticed" grep -q "brokers unreachable" "$tmp/run2.err"

# 3. Brokers down in the middle of a live replay, back later: nothing lost.
mkfifo "$tmp/feed3"
mkdir -p "$tmp/run3"
"$SPANWATCH" -r "$tmp/feed3" -l "$tmp/run3" "${kafka[@]}" --set "outputs.kafka.spool.dir=$tmp/spool3" \
	--set flow.timeout.udp.new=1 --set outputs.kafka.delivery-timeout-ms=1000 \
	--set outputs.kafka.shutdown-timeout=40 2>"$tmp/run3.err" &
sw_pid=$!
( "$PY" "$feed" "$tmp/feed3" 300 2 300 4 300 ) &
feed_pid=$!
sleep 2.5
echo down >&3
sleep 4
echo up >&3
wait "$feed_pid"
wait "$sw_pid"
consume spanwatch.flows 3000 >"$tmp/flows3"
ids=$(sed -n 's/.*"event_type":"flow".*/x/p' "$tmp/run3/eve.json" | wc -l)
got=$(grep -c -F -f <(grep '"event_type":"flow"' "$tmp/run3/eve.json" | sed -n 's/.*"event_id":"\([^"]*\)".*/\1/p') "$tmp/flows3")
check "brokers down mid-replay and back: all $ids flow events arrive (got $got)" test "$got" -eq "$ids" -a "$ids" -ge 800
check "... and the outage happened during the run" grep -q "brokers unreachable" "$tmp/run3.err"

# 4. kill -9 in the middle of an outage; the next run replays the spool.
echo down >&3
mkfifo "$tmp/feed4"
mkdir -p "$tmp/run4"
"$SPANWATCH" -r "$tmp/feed4" -l "$tmp/run4" "${kafka[@]}" --set "outputs.kafka.spool.dir=$tmp/spool4" \
	--set flow.timeout.udp.new=1 --set outputs.kafka.delivery-timeout-ms=60000 2>"$tmp/run4.err" &
sw_pid=$!
( "$PY" "$feed" "$tmp/feed4" 400 30 ) &
feed_pid=$!
sleep 3
kill -9 "$sw_pid"
wait "$sw_pid" 2>/dev/null || true
kill "$feed_pid" 2>/dev/null
wait "$feed_pid" 2>/dev/null
"$PY" "$spool" ids "$tmp/spool4" | sort -u >"$tmp/ids4"
spooled=$(wc -l <"$tmp/ids4")
check "killed mid-outage: its events are in the spool ($spooled)" test "$spooled" -ge 150
echo up >&3
"$SPANWATCH" -r "$PCAPS/icmp.pcap" -l "$tmp/run4" "${kafka[@]}" --set "outputs.kafka.spool.dir=$tmp/spool4" \
	--set outputs.kafka.shutdown-timeout=40 2>"$tmp/run4b.err"
consume spanwatch.flows 3000 >"$tmp/flows4"
got=$(cut -f 3- "$tmp/flows4" | sed -n 's/.*"event_id":"\([^"]*\)".*/\1/p' | sort -u | comm -12 - "$tmp/ids4" | wc -l)
check "after a restart every spooled event arrives ($got of $spooled)" test "$got" -eq "$spooled"
read -r distinct total < <(distinct_ids "$tmp/flows4")
echo "# duplicates after kill -9: $((total - distinct)) (deduplicable by event_id)"
check "the restart said it replays an earlier run" grep -q "to replay from an earlier run" "$tmp/run4b.err"

# 5. A damaged spool: bad records are skipped and counted, the rest is delivered. Here and in 6
# only flows and anomalies are sent (no default topic), the records these count.
echo down >&3
mkdir -p "$tmp/run5"
"$SPANWATCH" -r "$PCAPS/dns.pcap" -r "$PCAPS/http.pcap" -l "$tmp/run5" "${kafka[@]}" \
	--set "outputs.kafka.spool.dir=$tmp/spool5" --set outputs.kafka.delivery-timeout-ms=500 \
	--set outputs.kafka.shutdown-timeout=0 --set outputs.kafka.spool.segment-size=4kb \
	--set outputs.kafka.topics.default= 2>"$tmp/run5.err"
before=$("$PY" "$spool" count "$tmp/spool5")
left=$("$PY" "$spool" damage "$tmp/spool5")
"$PY" "$spool" ids "$tmp/spool5" | sort -u >"$tmp/ids5"
echo up >&3
"$SPANWATCH" -r "$PCAPS/icmp.pcap" -l "$tmp/run5" "${kafka[@]}" --set "outputs.kafka.spool.dir=$tmp/spool5" \
	--set outputs.kafka.topics.default= \
	--set outputs.kafka.shutdown-timeout=40 2>"$tmp/run5b.err"
consume spanwatch.flows 3000 >"$tmp/flows5"
got=$(cut -f 3- "$tmp/flows5" | sed -n 's/.*"event_id":"\([^"]*\)".*/\1/p' | sort -u | comm -12 - "$tmp/ids5" | wc -l)
check "damaged spool: the $left intact records of $before are delivered (got $got)" test "$got" -eq "$left" -a "$left" -eq $((before - 2))
check "damaged spool: the bad records are reported" grep -q "fails its checksum\|cut short" "$tmp/run5b.err"

# 6. A full spool with the brokers down: exactly the events that did not fit are dropped.
echo down >&3
mkdir -p "$tmp/run6"
"$SPANWATCH" -r "$PCAPS/dns.pcap" -r "$PCAPS/http.pcap" -l "$tmp/run6" "${kafka[@]}" \
	--set "outputs.kafka.spool.dir=$tmp/spool6" --set outputs.kafka.spool.max-size=6kb \
	--set outputs.kafka.spool.segment-size=4kb --set outputs.kafka.delivery-timeout-ms=500 \
	--set outputs.kafka.shutdown-timeout=0 --set outputs.kafka.topics.default= 2>"$tmp/run6.err"
events=$(grep -c '"event_type":"\(flow\|anomaly\)"' "$tmp/run6/eve.json")
spooled=$("$PY" "$spool" count "$tmp/spool6")
dropped=$(sed -n 's/.*kafka: .* \([0-9]*\) dropped,.*/\1/p' "$tmp/run6.err")
check "spool full: dropped ($dropped) = events ($events) - spooled ($spooled)" \
	test -n "$dropped" -a "$((spooled + dropped))" -eq "$events" -a "$dropped" -gt 0
echo up >&3
tap_done
