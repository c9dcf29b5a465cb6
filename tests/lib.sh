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
mktmp() { mktemp -d "${TMPDIR:-/tmp}/spanwatch-test.XXXXXX"; }
