#!/usr/bin/env bash
# tests/loss/metrics.sh: the /metrics endpoint during a live capture on a veth pair into a
# network namespace the test creates. Packets sent from the namespace are the packets the
# metrics count (capture, decoder, workers), loss is labelled by cause, other paths are 404,
# and `promtool check metrics` accepts the exposition. Needs root; bounded; cleans up.
. "$(dirname "$0")/../lib.sh"
require_spanwatch
[ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1 ||
	{ skip "live capture needs root and iproute2"; tap_done; exit 0; }
tmp=$(mktmp)
ns="swmet$$"
a="swm$$a"
running=() # processes to end at exit
cleanup() {
	local p
	for p in "${running[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	ip link del "$a" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$tmp"
}
trap cleanup EXIT
if ! netns_veth "$ns" "$a" "swm$$b"; then
	skip "cannot create a network namespace with a veth pair here"
	tap_done
	exit 0
fi
port=$("$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
scrape() { # path output: the HTTP status on stdout
	"$PY" - "http://127.0.0.1:$port$1" "$2" <<'PYEOF'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5)
    open(sys.argv[2], "wb").write(r.read())
    print(r.status, r.headers.get("Content-Type"))
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print("failed", e)
PYEOF
}
# metric FILE NAME{LABELS}: the value of one sample (empty when absent)
metric() { awk -v m="$2" '$1 == m { print $2 }' "$1"; }
metric_sum() { awk -v m="$2" 'index($1, m "{") == 1 { s += $2 } END { print s + 0 }' "$1"; }

mkdir "$tmp/logs"
"$SPANWATCH" -i "$a" -l "$tmp/logs" -k none --workers 2 \
	--set metrics.enabled=yes --set metrics.port="$port" --set outputs.stats.interval=1 \
	'udp and host 192.0.2.2 and dst port 40100' 2>"$tmp/err" &
pid=$!
(sleep 60 && kill "$pid" 2>/dev/null) & # bound the run whatever happens
running=("$pid" $!)
if ! wait_until 15 sh -c "grep -q 'rules:.*loaded' '$tmp/err' && grep -q 'metrics: serving' '$tmp/err'"; then
	not_ok "spanwatch starts with metrics on"
	diag <"$tmp/err"
	tap_done
	exit 1
fi
ok "spanwatch starts capturing with metrics on 127.0.0.1:$port"
check "nothing listens on the other addresses" sh -c "! ss -Hltn 'sport = :$port' | grep -v '127.0.0.1:$port' | grep -q ."

n=300
ip netns exec "$ns" "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"spanwatch metrics test %d" % i, ("192.0.2.1", 40100))
    s.sendto(b"not this port", ("192.0.2.1", 40101))' "$n"
counted() {
	scrape /metrics "$tmp/m.txt" >/dev/null
	[ "$(metric "$tmp/m.txt" "spanwatch_capture_packets_total{interface=\"$a\"}")" = "$n" ]
}
if wait_until 15 counted; then
	ok "the $n packets sent are the capture packets of /metrics (interface label)"
else
	not_ok "the $n packets sent are the capture packets of /metrics"
	grep -E "capture|decoder_udp" "$tmp/m.txt" | diag
fi
# the workers' figures come with the next snapshot (one a second)
sleep 1.5
status=$(scrape /metrics "$tmp/m.txt")
check "200 with the Prometheus text content type ($status)" \
	test "$status" = "200 text/plain; version=0.0.4; charset=utf-8"
check "decoder udp packets: $n" test "$(metric "$tmp/m.txt" spanwatch_decoder_udp_total)" = "$n"
check "the workers' packets add up to $n" test "$(metric_sum "$tmp/m.txt" spanwatch_worker_packets_total)" = "$n"
check "two workers labelled" test "$(grep -c '^spanwatch_worker_packets_total{worker="[01]"}' "$tmp/m.txt")" = 2
check "one flow" test "$(metric "$tmp/m.txt" spanwatch_flow_created_total)" = 1
check "no loss: every cause is 0" test "$(metric_sum "$tmp/m.txt" spanwatch_loss_total)" = 0
check "a loss sample per cause" test "$(grep -c '^spanwatch_loss_total{cause="[a-z_]*"} ' "$tmp/m.txt")" -ge 19
check "kernel drops by cause" grep -q '^spanwatch_loss_total{cause="kernel_drop"} 0$' "$tmp/m.txt"
check "rule set version" grep -q '^spanwatch_rules_version 1$' "$tmp/m.txt"
check "process resident memory" grep -qE '^spanwatch_process_resident_memory_bytes [1-9][0-9]*$' "$tmp/m.txt"
check "memuse is a gauge" grep -q '^# TYPE spanwatch_flow_memuse gauge$' "$tmp/m.txt"
check "every sample has HELP and TYPE" "$PY" -c 'import re, sys
helps, types = set(), set()
for l in open(sys.argv[1]):
    if l.startswith("# HELP "): helps.add(l.split()[2])
    elif l.startswith("# TYPE "): types.add(l.split()[2])
    elif l.strip():
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", l).group(0)
        assert name.startswith("spanwatch_"), l
        assert name in helps and name in types, l
' "$tmp/m.txt"
if command -v promtool >/dev/null 2>&1; then
	if promtool check metrics <"$tmp/m.txt" >"$tmp/promtool" 2>&1; then
		ok "promtool check metrics accepts the exposition"
	else
		not_ok "promtool check metrics accepts the exposition"
		diag <"$tmp/promtool"
	fi
else
	skip "promtool not installed (Debian prometheus)"
fi
check "another path is 404" test "$(scrape /other "$tmp/o.txt")" = 404
check "POST is 405" test "$("$PY" -c 'import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"x=1"), timeout=5)
    print("accepted")
except urllib.error.HTTPError as e:
    print(e.code)' "http://127.0.0.1:$port/metrics")" = 405
kill -HUP "$pid" # a reload in between: scrapes go on
check "scrapes go on across a reload" test "$(scrape /metrics "$tmp/m2.txt" | cut -d' ' -f1)" = 200
kill -TERM "$pid"
wait "$pid"
rc=$?
running=("${running[1]}")
check "SIGTERM ends the capture cleanly" test $rc -eq 0
check "the stats event counts the same $n packets" test "$(stats_value "$tmp/logs/eve.json" capture.packets)" = "$n"
check "the port is closed after exit" sh -c "! ss -Hltn 'sport = :$port' | grep -q ."

# Live loss: with a 64 kB flow memcap no flow fits, so every packet sent is lost (flow_memcap).
# Two bursts in different stats intervals: loss events for the intervals they fell in, their
# deltas adding up to the bursts, their sum the stats total and the metrics' figure.
"$SPANWATCH" -i "$a" -k none --workers 1 --set flow.memcap=64kb --set outputs.eve.sink=stdout \
	--set metrics.enabled=yes --set metrics.port="$port" --set outputs.stats.interval=1 \
	'udp and host 192.0.2.2 and dst port 40100' >"$tmp/loss.json" 2>"$tmp/err2" &
pid=$!
(sleep 60 && kill "$pid" 2>/dev/null) &
running=("$pid" $!)
burst() {
	ip netns exec "$ns" "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"lost %d" % i, ("192.0.2.1", 40100))' "$1"
}
loss_events_sum() { # N: the loss events so far add up to N lost to flow_memcap
	[ "$("$PY" -c 'import json, sys
print(sum(json.loads(l)["loss"]["causes"].get("flow_memcap", 0) for l in open(sys.argv[1])
          if "\"event_type\":\"loss\"" in l))' "$tmp/loss.json")" = "$1" ]
}
lost() { # N: /metrics says N packets lost to flow_memcap
	scrape /metrics "$tmp/m3.txt" >/dev/null
	[ "$(metric "$tmp/m3.txt" 'spanwatch_loss_total{cause="flow_memcap"}')" = "$1" ]
}
if wait_until 15 grep -q '"event_type":"stats"' "$tmp/loss.json"; then
	burst 120
	check "/metrics: the 120 packets of the first burst lost to flow_memcap" wait_until 10 lost 120
	check "loss events for those intervals: 120" wait_until 5 loss_events_sum 120
	burst 80
	check "/metrics: 200 after the second burst of 80" wait_until 10 lost 200
	check "loss events of the later intervals: 200 in all" wait_until 5 loss_events_sum 200
else
	not_ok "spanwatch starts with a 64 kB flow memcap"
	diag <"$tmp/err2"
fi
kill -TERM "$pid"
wait "$pid"
running=("${running[1]}")
check "the loss events' intervals do not overlap; their deltas add up to the stats (200)" \
	"$PY" - "$tmp/loss.json" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
loss = [e["loss"] for e in ev if e["event_type"] == "loss"]
stats = [e["stats"] for e in ev if e["event_type"] == "stats"][-1]
assert len(loss) >= 2, loss
for a, b in zip(loss, loss[1:]):
    assert a["interval_end"] <= b["interval_start"], loss
    assert a["interval_start"] < a["interval_end"], loss
assert sum(l["causes"]["flow_memcap"] for l in loss) == stats["loss"]["flow_memcap"] == 200, stats["loss"]
assert stats["loss"]["total"] == 200 and stats["flow"]["memcap_refused"] == 200
PYEOF
# a port already taken: a clear error naming it, before any capture
"$PY" -c 'import socket, subprocess, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
p = s.getsockname()[1]
r = subprocess.run([sys.argv[1], "-r", sys.argv[2], "--set", "metrics.enabled=yes",
                    "--set", "metrics.port=%d" % p], capture_output=True, text=True)
print(r.returncode, p)
sys.stderr.write(r.stderr)' "$SPANWATCH" "$PCAPS/dns.pcap" >"$tmp/busy" 2>"$tmp/busy.err"
read -r rc bport <"$tmp/busy"
check "a metrics port in use: exit 1 naming the address and port" sh -c \
	"[ $rc = 1 ] && grep -q 'cannot listen on 127.0.0.1 port $bport: Address already in use' '$tmp/busy.err'"
"$SPANWATCH" -T --set metrics.listen=localhost >"$tmp/lh.err" 2>&1
check "... and a listen value that is no address is a configuration error (exit $?)" \
	grep -q "key 'metrics.listen': 'localhost' is not an IPv4 or IPv6 address" "$tmp/lh.err"
tap_done
