# tests/kafka/intel_lib.sh: sourced by the intel-topic tests (after tests/lib.sh): a temporary
# directory, the shared mock cluster (tests/lib.sh's kafka_cluster) with the topic intel (its
# bootstrap list in $boot), and the cleanup of both and of a sensor left running ($sensor_pid).
# Exits with a TAP skip when kcat is missing.
tmp=$(mktmp)
cluster_pid=
sensor_pid=
cleanup() {
	[ -n "$sensor_pid" ] && kill "$sensor_pid" 2>/dev/null
	kafka_cluster_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
if ! command -v kcat >/dev/null; then
	skip "kcat is not installed (contrib/setup)"
	tap_done
	exit 0
fi
kafka_cluster "$tmp" intel
