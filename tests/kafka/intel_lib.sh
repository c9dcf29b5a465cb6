# tests/kafka/intel_lib.sh: sourced by the intel-topic tests (after tests/lib.sh): a temporary
# directory, a one-broker mock cluster with the topic intel (its bootstrap list in $boot), and
# the cleanup of both and of a sensor left running ($sensor_pid). Exits with a TAP skip when
# kcat is missing.
tool="$top_builddir/tests/kafka/kafka_tool"
tmp=$(mktmp)
cluster_pid=
sensor_pid=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$sensor_pid" ] && kill "$sensor_pid" 2>/dev/null
	[ -n "$cluster_pid" ] && kill "$cluster_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
if ! command -v kcat >/dev/null; then
	skip "kcat is not installed (contrib/setup)"
	tap_done
	exit 0
fi
mkfifo "$tmp/ctl"
"$tool" cluster 1 intel <"$tmp/ctl" >"$tmp/boot" 2>"$tmp/cluster.err" &
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
ok "a mock cluster runs at $boot with the topic intel"
