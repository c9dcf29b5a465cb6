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
# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds (or fails)
wait_until() {
	local t=$(($1 * 10))
	shift
	while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}
