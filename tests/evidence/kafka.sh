#!/usr/bin/env bash
# tests/evidence/kafka.sh: evidence pcaps on Kafka, against librdkafka's mock cluster (real
# Kafka-protocol brokers on loopback, tests/kafka/kafka_tool). Read back with kcat exactly as the
# README says, every message is the file the directory sink wrote for the same key (the alert's
# event_id), with the event_type header "evidence"; with the brokers down the pcaps go to the
# spool (binary values) and arrive, all of them and intact, when a later run replays it.
. "$(dirname "$0")/../lib.sh"
require_spanwatch
tool="$top_builddir/tests/kafka/kafka_tool"
rules="$top_srcdir/tests/pcap/tunnel.rules"
if ! command -v kcat >/dev/null; then
	skip "kcat is not installed (contrib/setup installs it)"
	tap_done
	exit
fi
if [ ! -x "$tool" ]; then
	not_ok "tests/kafka/kafka_tool is not built"
	tap_done
	exit
fi
tmp=$(mktmp)
cleanup() {
	kafka_cluster_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
kafka_cluster "$tmp" spanwatch.alerts spanwatch.events spanwatch.evidence

kafka=(--set outputs.kafka.enabled=yes --set "outputs.kafka.brokers=$boot"
	--set evidence.enabled=yes)
# fetch DIR: the README's kcat commands: list key, partition and offset of every message, then
# each value to DIR/KEY.pcap; headers to DIR/headers
fetch() {
	local dir=$1 key part off
	mkdir -p "$dir"
	kcat -C -b "$boot" -t spanwatch.evidence -o beginning -e -q -f '%k %p %o\n' >"$dir/list"
	while read -r key part off; do
		kcat -C -b "$boot" -t spanwatch.evidence -p "$part" -o "$off" -c 1 -e -q -f '%s' \
			>"$dir/$key.pcap"
		kcat -C -b "$boot" -t spanwatch.evidence -p "$part" -o "$off" -c 1 -e -q -f '%h\n' \
			>>"$dir/headers"
	done <"$dir/list"
}
# same DIR1 DIR2: the same file names, byte for byte the same files
same() {
	[ "$(ls "$1" | grep '\.pcap$')" = "$(ls "$2" | grep '\.pcap$')" ] || return 1
	for f in "$1"/*.pcap; do cmp -s "$f" "$2/${f##*/}" || return 1; done
}
keys() { # EVE: the evidence keys of its alerts, sorted, distinct
	sed -n 's/.*"evidence":{[^}]*"key":"\([^"]*\)".*/\1/p' "$1" | sort -u
}

# 1. Brokers up: each capture is one message keyed by its key, the file's bytes.
mkdir -p "$tmp/run1/ev"
"$SPANWATCH" -r "$PCAPS/http.pcap" -S "$rules" -l "$tmp/run1" "${kafka[@]}" \
	--set "evidence.directory=$tmp/run1/ev" --set "outputs.kafka.spool.dir=$tmp/spool1" \
	2>"$tmp/run1.err"
fetch "$tmp/got1"
n=$(keys "$tmp/run1/eve.json" | wc -l)
check "each of the $n captures is one message on spanwatch.evidence" \
	test "$(wc -l <"$tmp/got1/list")" -eq "$n" -a "$n" -gt 0
check "... keyed by the event_id its alerts name" \
	cmp -s <(keys "$tmp/run1/eve.json") <(cut -d ' ' -f 1 "$tmp/got1/list" | sort)
check "... whose value (kcat -f '%s') is the pcap the directory sink wrote" \
	same "$tmp/run1/ev" "$tmp/got1"
tshark_reads() { tshark -r "$1" >/dev/null 2>&1; }
check "... that tshark reads" tshark_reads "$(ls "$tmp/got1"/*.pcap | head -n 1)"
check "... with the event_type header evidence" \
	test -z "$(grep -v -x 'event_type=evidence,sensor=.*' "$tmp/got1/headers")"
check "alerts name the topic" test "$(grep -c '"topic":"spanwatch.evidence"' "$tmp/run1/eve.json")" \
	-eq "$(grep '"event_type":"alert"' "$tmp/run1/eve.json" | grep -c '"evidence":{')"
check "the spool is empty after delivery" test -z "$(ls "$tmp/spool1" 2>/dev/null)"

# 2. Brokers down for the whole run: the pcaps stay in the spool (binary records); the next run,
# brokers up, delivers every one, intact. The topic is emptied by using a new one.
echo down >&3
mkdir -p "$tmp/run2/ev"
"$SPANWATCH" -r "$PCAPS/http.pcap" -r "$PCAPS/tunnel-vxlan-http.pcap" -S "$rules" -l "$tmp/run2" \
	"${kafka[@]}" --set "evidence.directory=$tmp/run2/ev" \
	--set "outputs.kafka.spool.dir=$tmp/spool2" --set outputs.kafka.delivery-timeout-ms=1000 \
	--set outputs.kafka.shutdown-timeout=0 2>"$tmp/run2.err"
n2=$(keys "$tmp/run2/eve.json" | wc -l)
check "brokers down: $n2 evidence pcaps published into the spool" \
	test "$(stats_value "$tmp/run2/eve.json" evidence.published)" -eq "$n2" -a "$n2" -gt 5
check "... and none delivered" \
	test "$(sed -n 's/.* \([0-9]*\) delivered,.*/\1/p' "$tmp/run2.err")" = 0
check "... the spool holds them" test -n "$(ls "$tmp/spool2")"
echo up >&3
sleep 1
"$SPANWATCH" -r "$PCAPS/icmp.pcap" -l "$tmp/run2" "${kafka[@]}" --set "evidence.directory=$tmp/run2" \
	--set "outputs.kafka.spool.dir=$tmp/spool2" --set outputs.kafka.shutdown-timeout=40 \
	2>"$tmp/run2b.err"
check "the next run replays the spool" grep -q "to replay from an earlier run" "$tmp/run2b.err"
rm -rf "$tmp/got2"
fetch "$tmp/got2"
# the topic also holds run 1's captures: keep run 2's
mkdir -p "$tmp/got2b"
for k in $(keys "$tmp/run2/eve.json"); do
	[ -f "$tmp/got2/$k.pcap" ] && cp "$tmp/got2/$k.pcap" "$tmp/got2b/"
done
check "after the outage all $n2 captures arrive, each the file written during the outage" \
	same "$tmp/run2/ev" "$tmp/got2b"
check "... once each" test "$(cut -d ' ' -f 1 "$tmp/got2/list" | sort | uniq -d | wc -l)" -eq 0
check "... replayed with the event_type header evidence" \
	test -z "$(grep -v -x 'event_type=evidence,sensor=.*' "$tmp/got2/headers")"
check "the spool is empty after the replay" test -z "$(ls "$tmp/spool2")"

# 3. A pcap larger than the producer's message.max.bytes can never be sent: dropped and counted
# (kafka.dropped), not replayed forever; the others arrive.
mkdir -p "$tmp/run3/ev"
"$SPANWATCH" -r "$PCAPS/http.pcap" -S "$rules" -l "$tmp/run3" "${kafka[@]}" \
	--set "evidence.directory=$tmp/run3/ev" --set "outputs.kafka.spool.dir=$tmp/spool3" \
	--set evidence.ring-packets=4096 --set evidence.ring-bytes=64mb \
	--set evidence.post-packets=100000 --set evidence.capture-bytes=15mb \
	--set outputs.kafka.properties.message.max.bytes=50000 2>"$tmp/run3.err"
big=$(find "$tmp/run3/ev" -name '*.pcap' -size +49000c | wc -l)
check "message.max.bytes 50000: the $big larger pcap(s) dropped, counted" \
	test "$big" -gt 0 -a "$(sed -n 's/.* \([0-9]*\) dropped,.*/\1/p' "$tmp/run3.err")" = "$big"
check "... said so" grep -q "message to spanwatch.evidence dropped" "$tmp/run3.err"
check "... and not left in the spool" test -z "$(ls "$tmp/spool3")"
rm -rf "$tmp/got3"
fetch "$tmp/got3"
small=0
for f in "$tmp/run3/ev"/*.pcap; do
	[ "$(stat -c %s "$f")" -lt 49000 ] && cmp -s "$f" "$tmp/got3/${f##*/}" && small=$((small + 1))
done
check "... the $small others arrive" \
	test "$small" -eq "$(($(ls "$tmp/run3/ev" | wc -l) - big))" -a "$small" -gt 0
check "no sanitizer report" test -z "$(grep -l 'Sanitizer\|runtime error' "$tmp"/*.err)"
tap_done
