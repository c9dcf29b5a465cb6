#!/usr/bin/env bash
# tests/live_afpacket.sh: live capture at rate, both capture sources. Committed captures are
# replayed with tcpreplay onto a veth between two network namespaces the test creates; the
# events of the live capture (flows, app-layer events, alerts, as a projection without times
# and ids) must equal those of the same captures read offline with -r: with the afpacket and
# the pcap sources, 1 and 2 workers, with a BPF filter (only the filtered traffic), and for a
# TAP whose two directions arrive on two interfaces (-i A+B: the flows must be whole). The
# PACKET_STATISTICS counters must be in stats. Needs root; bounded in time; cleans up.
. "$(dirname "$0")/lib.sh"
require_spanwatch
# the committed captures were taken on loopback: frames up to 64 KB
live_replay_setup af 2 65000

# Ethernet captures whose flows do not share addresses and ports: HTTP, DNS, TLS, SSH, QUIC, a
# VLAN-tagged and a QinQ one (the kernel takes the outer tag off), IPv4 fragments, and a tunnel.
files="http.pcap dns.pcap tls.pcap proto-ssh.pcap vlan.pcap tunnel-qinq3-http.pcap frag-udp.pcap
tunnel-vxlan-http.pcap"
paths=
for f in $files; do paths="$paths $PCAPS/$f"; done

# offline NAME [BPF]: the reference, each capture read on its own
offline() {
	local name=$1 f
	shift
	: >"$tmp/$name.off.json"
	for f in $paths; do
		"$SPANWATCH" -r "$f" -k none --workers 1 "$@" >>"$tmp/$name.off.json" 2>>"$tmp/$name.off.err"
	done
	eve_project "$tmp/$name.off.json" >"$tmp/$name.off"
}

# live NAME SENDER SPANWATCH-ARGS...: captures in $nsc while SENDER runs in $nss, then stops
# the sensor and projects its events
live() {
	local name=$1 sender=$2
	shift 2
	live_sensor_start "$name" "$@" || return 1
	$sender
	sleep 1.5 # the last blocks retire, stats once more
	kill -TERM "$pid"
	wait "$pid"
	pid=
	eve_project "$tmp/$name.json" >"$tmp/$name.live"
}
send_all() { ip netns exec "$nss" tcpreplay -q --pps 500 -i s0 $paths >>"$tmp/tcpreplay.log" 2>&1; }

# same NAME REF: the live projection equals the offline one
same() {
	if cmp -s "$tmp/$1.live" "$tmp/$2.off" && [ -s "$tmp/$2.off" ]; then
		return 0
	fi
	diff "$tmp/$2.off" "$tmp/$1.live" | head -n 20 | diag
	diag <"$tmp/$1.err"
	return 1
}

offline all
offline bpf udp port 15353
check "the offline reference has flows, app events and alerts" \
	sh -c "grep -q '^flow' '$tmp/all.off' && grep -q '^http' '$tmp/all.off' && grep -q '^dns' '$tmp/all.off' && grep -q '^alert' '$tmp/all.off'"

for src in afpacket pcap; do
	for w in 1 2; do
		if live "$src-$w" send_all -i c0 --capture-source "$src" --workers "$w"; then
			check "$src, $w worker(s): the live events equal the offline ones" same "$src-$w" all
		else
			not_ok "$src, $w worker(s): spanwatch starts"
		fi
	done
	if live "$src-bpf" send_all -i c0 --capture-source "$src" --workers 2 udp port 15353; then
		check "$src, a BPF filter: only the filtered traffic, as offline" same "$src-bpf" bpf
	else
		not_ok "$src, a BPF filter: spanwatch starts"
	fi
done

check "afpacket: capturing on c0 through a fanout group" grep -q "capturing on c0 (afpacket, 2 workers, fanout group" "$tmp/afpacket-2.err"
ip netns exec "$nsc" timeout -s INT 3 "$SPANWATCH" -i c0 >/dev/null 2>"$tmp/auto.err"
check "capture.source auto is afpacket for -i on Linux" grep -q "capturing on c0 (afpacket" "$tmp/auto.err"
pk=$(stats_value "$tmp/afpacket-2.json" capture.interface.c0.kernel_packets)
dr=$(stats_value "$tmp/afpacket-2.json" capture.interface.c0.socket1_drops)
got=$(stats_value "$tmp/afpacket-2.json" capture.packets)
check "stats: PACKET_STATISTICS per interface and socket (kernel_packets $pk, socket1_drops $dr)" \
	test -n "$pk" -a -n "$dr" -a "${pk:-0}" -gt 0
check "stats: every packet the kernel took was delivered ($got of $pk, no drops)" \
	test "${got:-x}" = "${pk:-y}" -a "$(stats_value "$tmp/afpacket-2.json" capture.kernel_drops)" = 0
# each afpacket worker decodes its own queue into its own counters (a shared counter loses
# increments: sw_counter_add is a load and a store); the stats add them up
dp=$(stats_value "$tmp/afpacket-2.json" decoder.pkts)
check "stats: two afpacket workers' decoder counters add up to the packets delivered ($dp of $got)" \
	test "${dp:-x}" = "${got:-y}"

# A TAP: each packet goes out on s0 (client to server) or s1 (server to client), in the order
# of the capture; the sensor reads c0+c1 with one set of workers.
"$PY" - "$tmp/tap" $paths <<'PYEOF' >"$tmp/tap.log" 2>&1
import sys
from scapy.all import PcapReader, wrpcap
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
out, seen = [], {}
for path in sys.argv[2:]:
    for p in PcapReader(path):
        ip = p.getlayer(IP) or p.getlayer(IPv6)
        l4 = p.getlayer(TCP) or p.getlayer(UDP)
        a = (ip.src, l4.sport if l4 else 0) if ip else ("", 0)
        b = (ip.dst, l4.dport if l4 else 0) if ip else ("", 0)
        key = (min(a, b), max(a, b))
        first = seen.setdefault(key, a)
        out.append((0 if a == first else 1, bytes(p)))
with open(sys.argv[1], "w") as fp:
    for side, raw in out:
        fp.write("%d %s\n" % (side, raw.hex()))
PYEOF
send_tap() {
	ip netns exec "$nss" "$PY" - "$tmp/tap" <<'PYEOF' >>"$tmp/tap.log" 2>&1
import socket, sys, time
s = [socket.socket(socket.AF_PACKET, socket.SOCK_RAW) for _ in range(2)]
s[0].bind(("s0", 0))
s[1].bind(("s1", 0))
for line in open(sys.argv[1]):
    side, raw = line.split()
    s[int(side)].send(bytes.fromhex(raw))
    time.sleep(0.004)
PYEOF
}
if [ -s "$tmp/tap" ] && live tap send_tap -i c0+c1 --workers 2; then
	check "a TAP on two interfaces (c0+c1, 2 workers): flows are whole, events as offline" same tap all
	check "a TAP: each interface has its own fanout group" grep -q "capturing on c1 (afpacket, 2 workers, fanout group .*one direction of a TAP" "$tmp/tap.err"
else
	not_ok "a TAP on two interfaces: spanwatch starts"
	diag <"$tmp/tap.log"
fi

# Two SPAN ports: each interface with its own workers (c0@1, c1@2), the same traffic on both
# one after the other: the kernel's fanout defragmentation has one table for the namespace,
# so the same fragments arriving on two interfaces at once would be mixed
send_both() {
	ip netns exec "$nss" tcpreplay -q --pps 500 -i s0 $paths >>"$tmp/tcpreplay.log" 2>&1
	ip netns exec "$nss" tcpreplay -q --pps 500 -i s1 $paths >>"$tmp/tcpreplay.log" 2>&1
}
if live two send_both -i c0@1 -i c1@2; then
	c0=$(stats_value "$tmp/two.json" capture.interface.c0.packets)
	c1=$(stats_value "$tmp/two.json" capture.interface.c1.packets)
	check "two SPAN ports: packets counted per interface ($c0, $c1)" test -n "$c0" -a "${c0:-0}" -gt 0 -a "${c0:-0}" = "${c1:-x}"
	check "two SPAN ports: each has its own workers" sh -c "grep -q 'capturing on c0 (afpacket, 1 worker,' '$tmp/two.err' && grep -q 'capturing on c1 (afpacket, 2 workers,' '$tmp/two.err'"
	n=$(grep -c '^flow' "$tmp/two.live")
	check "two SPAN ports: every flow seen on each ($n = 2 x $(grep -c '^flow' "$tmp/all.off"))" test "$n" -eq $((2 * $(grep -c '^flow' "$tmp/all.off")))
else
	not_ok "two SPAN ports: spanwatch starts"
fi
check "an interface listed twice is refused" sh -c "ip netns exec '$nsc' timeout 5 '$SPANWATCH' -i c0 -i c0 2>&1 | grep -q 'c0 is listed twice'"
check "pcap refuses several interfaces with a clear message" sh -c "ip netns exec '$nsc' timeout 5 '$SPANWATCH' --capture-source pcap -i c0 -i c1 2>&1 | grep -q 'use capture.source afpacket'"
tap_done
