#!/usr/bin/env bash
# tests/evidence/evidence.sh: evidence pcaps written to a directory. The packets of every file
# are frames of the original capture, a run of one tshark conversation (tcp.stream / udp.stream
# eq N), with their bytes (every tunnel layer) and timestamps (evidence_check.py); tshark and
# capinfos open every file; several alerts of a flow share one file; the caps hold under an
# alert on every packet (refusals counted, memory back to 0); bad configurations are refused.
. "$(dirname "$0")/../lib.sh"
require_spanwatch
check_py="$top_srcdir/tests/evidence/evidence_check.py"
rules="$top_srcdir/tests/pcap/tunnel.rules"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT

# run NAME PCAP [ARGS...]: evidence to $tmp/NAME/ev, events to $tmp/NAME/eve.json
run() {
	local name=$1 pcap=$2
	shift 2
	mkdir -p "$tmp/$name/ev"
	"$SPANWATCH" -r "$pcap" -l "$tmp/$name" --set evidence.enabled=yes \
		--set "evidence.directory=$tmp/$name/ev" "$@" 2>"$tmp/$name/err" ||
		echo "spanwatch exit status $?" >>"$tmp/$name/err"
}
evcheck() { # NAME PCAP [MODE]: evidence_check.py, its output kept in NAME/check
	"$PY" "$check_py" ${3:+"$3"} "$2" "$tmp/$1/eve.json" >"$tmp/$1/check" 2>&1 ||
		{ diag <"$tmp/$1/check"; return 1; }
}
alerts() { grep -c '"event_type":"alert"' "$tmp/$1/eve.json"; }
with_ev() { grep '"event_type":"alert"' "$tmp/$1/eve.json" | grep -c '"evidence":{'; }

# 1. Off by default: no evidence object, no evidence counters.
mkdir -p "$tmp/off"
"$SPANWATCH" -r "$PCAPS/http.pcap" -S "$rules" -l "$tmp/off" 2>/dev/null
check "off by default: alerts ($(alerts off)) carry no evidence" \
	test "$(alerts off)" -gt 0 -a -z "$(grep -F '"evidence"' "$tmp/off/eve.json")"

# 2. The rules of tests/pcap on plain, tunnelled and SLL captures, default ring and post.
for p in http dns tunnel-vxlan-http tunnel-gre-dns tunnel-mpls-http6 tunnel-gtpu-http \
	tunnel-pppoe-http tunnel-teredo-http6 tunnel-4in4-tls sll; do
	run "$p" "$PCAPS/$p.pcap" -S "$rules"
	n=$(alerts "$p")
	check "$p: every alert ($n) has evidence" test "$n" -gt 0 -a "$(with_ev "$p")" -eq "$n"
	check "$p: the evidence packets are the flow's frames in the capture (tshark stream eq N), tshark and capinfos read every file" \
		evcheck "$p" "$PCAPS/$p.pcap"
done
check "several alerts of one flow share one file" grep -q ", [2-9] alert(s)" "$tmp/http/check"
check "one file per flow that alerted, named by the first alert's event_id" test \
	"$(ls "$tmp/http/ev" | wc -l)" -eq "$(grep '"event_type":"alert"' "$tmp/http/eve.json" |
		sed -n 's/.*"flow_id":\([0-9]*\).*/\1/p' | sort -u | wc -l)"
check "... and no partial file is left" test -z "$(ls -A "$tmp/http/ev" | grep part)"
check "the alert's key is the event_id of an alert" "$PY" -c 'import json,sys
ids, keys = set(), set()
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        ids.add(e["event_id"]); keys.add(e["evidence"]["key"])
assert keys and keys <= ids, (keys, ids)' "$tmp/http/eve.json"

# 3. A ring and a post window larger than the flows: each file is the whole tcp.stream.
big=(--set evidence.ring-packets=4096 --set evidence.ring-bytes=64mb
	--set evidence.post-packets=100000 --set evidence.capture-bytes=15mb)
for p in http tunnel-vxlan-http; do
	run "whole-$p" "$PCAPS/$p.pcap" -S "$rules" "${big[@]}"
	check "$p, large ring: each file is its flow's whole tcp.stream" \
		evcheck "whole-$p" "$PCAPS/$p.pcap" --whole
done

# 4. No post packets: the capture is final when the alert is written (complete, exact figures).
run post0 "$PCAPS/http.pcap" -S "$rules" --set evidence.post-packets=0
check "post-packets 0: alerts say complete" test \
	"$(grep -c '"complete":true' "$tmp/post0/eve.json")" -eq "$(alerts post0)"
check "... and packets/bytes are the file's" evcheck post0 "$PCAPS/http.pcap"

# 5. An alert on every packet, caps small: refused memory counted, memory back to 0, every file
# still frames of its flow in order; capture-bytes cuts captures.
# (a negated address: not an IP-only rule, which would see the first packet of each direction
# of a flow only, but every packet)
printf 'alert ip !255.255.255.255 any -> any any (msg:"every packet"; sid:1; rev:1;)\n' >"$tmp/all.rules"
for p in http-evasion loss-http; do
	run "flood-$p" "$PCAPS/$p.pcap" -S "$tmp/all.rules" --set evidence.memcap=16kb
	n=$(alerts "flood-$p")
	refused=$(stats_value "$tmp/flood-$p/eve.json" evidence.memcap_refused)
	check "$p, an alert on each of $n packets, memcap 16kb: refusals counted ($refused)" \
		test "$n" -gt 2000 -a "${refused:-0}" -gt 0
	check "... evidence memory back to 0 at the end" \
		test "$(stats_value "$tmp/flood-$p/eve.json" evidence.memuse)" = 0
	check "... files: $(stats_value "$tmp/flood-$p/eve.json" evidence.files) = captures, none lost" \
		test "$(ls "$tmp/flood-$p/ev" | wc -l)" -eq "$(stats_value "$tmp/flood-$p/eve.json" evidence.captures)"
	check "... every file is frames of its flow, in order" evcheck "flood-$p" "$PCAPS/$p.pcap" --gaps
done
run cut "$PCAPS/http.pcap" -S "$tmp/all.rules" --set evidence.capture-bytes=4kb
# a file holds one packet larger than that, never an empty capture
check "capture-bytes 4kb: captures cut ($(stats_value "$tmp/cut/eve.json" evidence.cut)), no file larger but of one packet" \
	test "$(stats_value "$tmp/cut/eve.json" evidence.cut)" -gt 0 -a \
	-z "$(for f in $(find "$tmp/cut/ev" -size +4096c); do capinfos -c -M "$f" | grep -v -x 'Number of packets:   1' | grep 'packets'; done)"
check "... each a run of its flow's frames" evcheck cut "$PCAPS/http.pcap"
check "every run exits 0, without a sanitizer report" \
	test -z "$(grep -l 'spanwatch exit status\|Sanitizer\|runtime error' "$tmp"/*/err)"

# 6. Configuration: evidence with nowhere to go, or into a missing directory, is refused.
out=$("$SPANWATCH" -T --set evidence.enabled=yes 2>&1)
check "evidence on without a directory or Kafka: refused with a message" \
	grep -q "evidence.enabled: neither evidence.directory" <<<"$out"
out=$("$SPANWATCH" -T --set evidence.enabled=yes --set "evidence.directory=$tmp/nosuch" 2>&1)
check "a missing evidence.directory: refused, named" grep -q "evidence.directory: .*nosuch" <<<"$out"
"$SPANWATCH" -r "$PCAPS/http.pcap" -l "$tmp" --set evidence.enabled=yes >/dev/null 2>"$tmp/start.err"
st=$?
check "... also when starting a run (exit $st)" \
	test "$st" -ne 0 -a -n "$(grep "evidence.enabled: neither" "$tmp/start.err")"
tap_done
