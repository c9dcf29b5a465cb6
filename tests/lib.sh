# tests/lib.sh: TAP helpers for the shell tests (sourced). Each check prints "ok N - name" or
# "not ok N - name" with the reason; tap_done prints the plan and sets the exit status.
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
SPANWATCH="$top_builddir/src/spanwatch"
PCAPS="$top_srcdir/pcaps"
# The Debian python3 has scapy; another python3 first in PATH may not.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - # SKIP $*"; }
# check NAME COMMAND...: ok when the command succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
diag() { sed 's/^/# /'; }
tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
# alert_counts EVE: "SID COUNT" lines, one per signature that alerted, by sid
alert_counts() {
	"$PY" -c 'import collections, json, sys
c = collections.Counter()
for l in open(sys.argv[1]):
    l = l.strip()
    if l.startswith("{"):
        e = json.loads(l)
        if e.get("event_type") == "alert":
            c[e["alert"]["signature_id"]] += 1
for sid, n in sorted(c.items()):
    print(sid, n)' "$1"
}
mktmp() { mktemp -d "${TMPDIR:-/tmp}/spanwatch-test.XXXXXX"; }
# stats_value EVE KEY.PATH: a value of the last stats event of EVE (empty when absent)
stats_value() {
	"$PY" - "$1" "$2" <<'PYEOF'
import json, sys
st = {}
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event_type") == "stats":
        st = e["stats"]
v = st
for k in sys.argv[2].split("."):
    v = v.get(k, {}) if isinstance(v, dict) else {}
print("" if isinstance(v, dict) else v)
PYEOF
}
# require_spanwatch: ends the test (failed) when src/spanwatch is not built
require_spanwatch() {
	[ -x "$SPANWATCH" ] && return 0
	not_ok "spanwatch not built ($SPANWATCH)"
	tap_done
	exit
}
# require_crafted DIR NAME...: makes the large crafted pcaps NAME.pcap in DIR with
# pcaps/craft_stream.py, or ends the test (failed)
require_crafted() {
	local dir=$1
	shift
	"$PY" "$PCAPS/craft_stream.py" "$dir" "$@" >"$dir/craft.log" 2>&1 && return 0
	not_ok "craft_stream.py $*"
	diag <"$dir/craft.log"
	tap_done
	exit
}
# netns_veth NS A B: a network namespace NS and a veth pair, A here with 192.0.2.1/24 (the capture
# side), B in NS with 192.0.2.2/24 and a static neighbour entry for A (the traffic source does not
# depend on ARP answers). Fails when namespaces or veth are unavailable; the caller deletes NS
# and A.
netns_veth() {
	ip netns add "$1" && ip link add "$2" type veth peer name "$3" &&
		ip link set "$3" netns "$1" || return 1
	ip addr add 192.0.2.1/24 dev "$2"
	ip link set "$2" up
	ip netns exec "$1" ip addr add 192.0.2.2/24 dev "$3"
	ip netns exec "$1" ip link set "$3" up
	ip netns exec "$1" ip link set lo up
	ip netns exec "$1" ip neigh replace 192.0.2.1 lladdr "$(cat "/sys/class/net/$2/address")" \
		dev "$3" nud permanent
}
# eve_project EVE: one sorted line per flow, app-layer event and alert, without times, ids and
# what depends on how the capture ended (flow end reason, age): live and offline runs compare
eve_project() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
out = []
drop = {"timestamp", "event_id", "flow_id", "pcap_cnt", "pcap_filename", "in_iface", "sensor",
        "community_id", "tx_id", "parent_id"}
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    t = e.get("event_type")
    if t in ("stats", "anomaly"):
        continue
    if t == "flow":
        f = e["flow"]
        keep = {k: e.get(k) for k in ("proto", "src_ip", "src_port", "dest_ip", "dest_port",
                                      "app_proto", "vlan", "tunnel")}
        keep.update({k: f.get(k) for k in ("pkts_toserver", "pkts_toclient", "bytes_toserver",
                                           "bytes_toclient")})
        out.append("flow " + json.dumps(keep, sort_keys=True))
        continue
    if t == "alert":
        a = e["alert"]
        out.append("alert %s %s:%s>%s:%s" % (a.get("signature_id"), e.get("src_ip"),
                                             e.get("src_port"), e.get("dest_ip"),
                                             e.get("dest_port")))
        continue
    for k in list(e):
        if k in drop or k == "flow":
            del e[k]
    out.append(t + " " + json.dumps(e, sort_keys=True))
for l in sorted(out):
    print(l)
PYEOF
}
# live_replay_setup TAG NPAIRS MTU: for tests replaying captures onto veths: skips the test unless
# root, iproute2 and tcpreplay are there; makes two network namespaces, $nsc (the sensor's side)
# and $nss (the traffic's side), without IPv6 (no neighbour discovery mixed into a capture),
# joined by NPAIRS veth pairs c0-s0, c1-s1, ... of MTU, up; sets tmp and pid (a sensor to end)
# and an EXIT trap that ends it and removes the namespaces and tmp.
live_replay_setup() {
	local tag=$1 n=$2 mtu=$3 ns i
	if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1 || ! command -v tcpreplay >/dev/null 2>&1; then
		skip "live capture needs root, iproute2 and tcpreplay"
		tap_done
		exit 0
	fi
	tmp=$(mktmp)
	nsc="sw${tag}c$$"
	nss="sw${tag}s$$"
	pid=
	trap live_replay_cleanup EXIT
	if ! { ip netns add "$nsc" && ip netns add "$nss"; }; then
		skip "cannot create network namespaces here"
		tap_done
		exit 0
	fi
	for ns in "$nsc" "$nss"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	done
	for ((i = 0; i < n; i++)); do
		if ! { ip -n "$nsc" link add "c$i" type veth peer name "s$i" netns "$nss" &&
			ip -n "$nsc" link set "c$i" mtu "$mtu" && ip -n "$nss" link set "s$i" mtu "$mtu" &&
			ip -n "$nsc" link set "c$i" up && ip -n "$nss" link set "s$i" up; }; then
			skip "cannot create veth pairs here"
			tap_done
			exit 0
		fi
	done
}
# live_sensor_start NAME SPANWATCH-ARGS...: spanwatch capturing in $nsc (stats every second, blocks
# handed over after 2 ms), its events in $tmp/NAME.json, its log in NAME.err; pid is set; 1 when
# it did not start (bounded)
live_sensor_start() {
	local name=$1
	shift
	ip netns exec "$nsc" timeout 120 "$SPANWATCH" -k none --set outputs.stats.interval=1 \
		--set capture.afpacket.block-timeout-ms=2 "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" &
	pid=$!
	if ! wait_until 30 grep -qs "rules:" "$tmp/$name.err"; then
		diag <"$tmp/$name.err"
		kill "$pid" 2>/dev/null
		pid=
		return 1
	fi
	sleep 0.5
}
live_replay_cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	ip netns del "$nsc" 2>/dev/null
	ip netns del "$nss" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$tmp"
}
# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds (or fails)
wait_until() {
	local t=$(($1 * 10))
	shift
	while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}
# kafka_cluster DIR TOPIC...: starts tests/kafka/kafka_tool's mock cluster (3 Kafka-protocol
# brokers on loopback, the topics created), obeying "down" / "up" written to fd 3; sets
# cluster_pid and boot (the bootstrap list), or ends the test (failed). The caller's EXIT trap
# calls kafka_cluster_stop.
kafka_cluster() {
	local dir=$1
	shift
	mkfifo "$dir/ctl"
	"$top_builddir/tests/kafka/kafka_tool" cluster 3 "$@" <"$dir/ctl" >"$dir/boot" \
		2>"$dir/cluster.err" &
	cluster_pid=$!
	exec 3>"$dir/ctl"
	for _ in $(seq 100); do [ -s "$dir/boot" ] && break; sleep 0.1; done
	boot=$(head -n 1 "$dir/boot")
	if [ -z "$boot" ]; then
		not_ok "the mock cluster starts"
		diag <"$dir/cluster.err"
		tap_done
		exit 1
	fi
	ok "a 3-broker mock cluster runs at $boot"
}
kafka_cluster_stop() {
	exec 3>&- 2>/dev/null
	[ -n "$cluster_pid" ] && kill "$cluster_pid" 2>/dev/null
	wait 2>/dev/null
}
# rule_opts: the options of a rule test (no compiled-database cache; the source tree's
# classification and reference files)
rule_opts=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config"
	--set "detect.reference-config-file=$top_srcdir/conf/reference.config")
# count_is WHAT WANT GOT: one TAP line, ok when the count GOT (empty: 0) is WANT
count_is() {
	local got=${3:-0}
	if [ "$got" -eq "$2" ]; then
		ok "$1: $2"
	else
		not_ok "$1: expected $2, got $got"
	fi
}
