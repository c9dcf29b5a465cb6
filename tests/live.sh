#!/usr/bin/env bash
# tests/live.sh: live capture with libpcap on a veth pair between two network namespaces the
# test creates: flows of real traffic are reported, SIGHUP reopens the log file (rotation),
# privileges are dropped after the capture is open, kernel counters are in the stats, and
# SIGTERM flushes the open flows. Needs root; bounded in time; cleans up after itself.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1; then
	skip "live capture needs root and iproute2"
	tap_done
	exit 0
fi
tmp=$(mktmp)
ns="swlive$$"
pid=
watchdog=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "sw$$a" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$tmp"
}
trap cleanup EXIT

# sw$$a stays in this namespace (the capture side), sw$$b goes into $ns (the traffic source).
if ! ip netns add "$ns" || ! ip link add "sw$$a" type veth peer name "sw$$b" ||
	! ip link set "sw$$b" netns "$ns"; then
	skip "cannot create a network namespace with a veth pair here"
	tap_done
	exit 0
fi
ip addr add 192.0.2.1/24 dev "sw$$a"
ip link set "sw$$a" up
ip netns exec "$ns" ip addr add 192.0.2.2/24 dev "sw$$b"
ip netns exec "$ns" ip link set "sw$$b" up
ip netns exec "$ns" ip link set lo up
# A static neighbour entry: the traffic must not depend on ARP answers from the host side.
mac=$(cat "/sys/class/net/sw$$a/address")
ip netns exec "$ns" ip neigh replace 192.0.2.1 lladdr "$mac" dev "sw$$b" nud permanent

send_udp() { # count port
	ip netns exec "$ns" "$PY" -c 'import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"spanwatch live test %d" % i, ("192.0.2.1", int(sys.argv[2])))' "$1" "$2"
}
wait_for() { # seconds command...
	local t=$(($1 * 10))
	shift
	while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}

mkdir "$tmp/logs"
chmod 755 "$tmp"
chmod 777 "$tmp/logs"
# -k none: veth packets carry offloaded (unfilled) UDP checksums
"$SPANWATCH" -i "sw$$a" -l "$tmp/logs" --user nobody -k none \
	--set outputs.stats.interval=1 --set flow.timeout.udp.new=2 \
	'udp and host 192.0.2.2' 2>"$tmp/err" &
pid=$!
(sleep 60 && kill "$pid" 2>/dev/null) & # bound the run whatever happens
watchdog=$!
if ! wait_for 10 grep -q "running as user nobody" "$tmp/err"; then
	not_ok "spanwatch starts capturing on the veth"
	diag <"$tmp/err"
	tap_done
	exit 1
fi
ok "spanwatch starts capturing on the veth and drops to nobody"
uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$pid/status")
check "every uid of the process is nobody's" test "$uid" = "$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)"

sleep 0.5
send_udp 5 40001
# the flow ends after its 2 s timeout on the wall clock, while no packet arrives
check "an idle live flow times out on the clock" wait_for 15 grep -q '"dest_port":40001' "$tmp/logs/eve.json"
check "its packets are all counted" grep -q '"dest_port":40001.*"pkts_toserver":5,' "$tmp/logs/eve.json"
check "stats events carry the kernel counters" wait_for 5 grep -q '"kernel_packets"' "$tmp/logs/eve.json"

mv "$tmp/logs/eve.json" "$tmp/logs/eve.json.1"
kill -HUP "$pid"
check "SIGHUP reopens the log file (rotation)" wait_for 10 test -e "$tmp/logs/eve.json"
send_udp 3 40002
sleep 0.3
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "SIGTERM ends the capture cleanly" test $rc -eq 0
check "SIGTERM flushes the open flow into the new file" grep -q '"dest_port":40002.*"reason":"shutdown"' "$tmp/logs/eve.json"
check "the rotated file was not written after the reopen" sh -c "! grep -q '\"dest_port\":40002' '$tmp/logs/eve.json.1'"
check "the final summary is printed" grep -q "packets, .* bytes in" "$tmp/err"

# Reloads while no packet comes (issue 10, bug 1): idle workers still pass their quiescent
# points, so each replaced indicator set and rule engine is freed, and reloads never block.
# A rule set made malformed is refused and the old one kept; a broken feed is counted.
echo "192.0.2.99" >"$tmp/idle.txt"
cat >"$tmp/idle.rules" <<'R'
alert udp any any -> any 40009 (msg:"idle rule"; content:"x"; sid:201; rev:1;)
alert udp any any -> any 40010 (msg:"idle rule 2"; content:"y"; sid:202; rev:1;)
R
: >"$tmp/logs/idle.json"
"$SPANWATCH" -i "sw$$a" -k none --workers 2 --indicators "$tmp/idle.txt" -S "$tmp/idle.rules" \
	--set outputs.eve.sink=stdout --set outputs.stats.interval=1 \
	'udp and port 40099' >"$tmp/logs/idle.json" 2>"$tmp/err2" &
pid=$!
if wait_for 10 grep -q '"event_type":"stats"' "$tmp/logs/idle.json"; then
	for _ in $(seq 20); do kill -HUP "$pid"; sleep 0.15; done
	laststats() { grep '"event_type":"stats"' "$tmp/logs/idle.json" | tail -n 1; }
	check "20 rule reloads on an idle capture (none blocks)" \
		wait_for 15 sh -c "grep '\"event_type\":\"stats\"' '$tmp/logs/idle.json' | tail -n 1 | grep -q '\"reloads\":20,\"reload_errors\":0'"
	check "20 indicator reloads on an idle capture" \
		wait_for 15 sh -c "grep '\"event_type\":\"stats\"' '$tmp/logs/idle.json' | tail -n 1 | grep -q '\"cti\":{.*\"reloads\":20,'"
	check "idle workers let every replaced rule engine go" \
		wait_for 5 sh -c "grep '\"event_type\":\"stats\"' '$tmp/logs/idle.json' | tail -n 1 | grep -q '\"detect\":{.*\"retired_pending\":0'"
	check "idle workers let every replaced indicator set go" \
		wait_for 5 sh -c "grep '\"event_type\":\"stats\"' '$tmp/logs/idle.json' | tail -n 1 | grep -q '\"cti\":{.*\"retired_pending\":0'"
	# issue 11, point 4: a broken rule file is refused, the rules in use stay
	echo 'alert udp any any -> any 1 (msg:"broken"; content:"x" sid:1;)' >"$tmp/idle.rules"
	echo 'not an indicator %%%' >"$tmp/idle.txt"
	kill -HUP "$pid"
	check "a malformed rule set is refused" wait_for 10 grep -q "reload refused" "$tmp/err2"
	check "... the 2 rules in use stay, the refusal and the broken feed are counted" \
		wait_for 10 sh -c "grep '\"event_type\":\"stats\"' '$tmp/logs/idle.json' | tail -n 1 | grep -q '\"detect\":{\"rules\":2,.*\"reload_errors\":1.*\"cti\":{.*\"reload_errors\":1'"
else
	not_ok "spanwatch starts on an idle capture"
	diag <"$tmp/err2"
fi
kill -TERM "$pid" 2>/dev/null
wait "$pid"
pid=
tap_done
