#!/usr/bin/env bash
# tests/thread_fail.sh: a worker thread that cannot start (the process limit reached, as on a
# crowded host) ends the run with an error naming it, after the workers already running are
# stopped and joined: no crash, no hang, no sanitizer report (the bug was freeing their flow
# tables and rings while they ran). The limit is RLIMIT_NPROC for an unprivileged user, so the
# N-th thread creation fails; with 4 workers the creations are worker 0..3, then the reload
# thread.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! command -v prlimit >/dev/null; then
	skip "needs root, setpriv and prlimit (util-linux) to run as an unprivileged user"
	tap_done
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
# a copy the unprivileged user can reach wherever the build tree is
cp "$SPANWATCH" "$PCAPS/http.pcap" "$tmp/"
chmod 755 "$tmp/spanwatch"
chmod 644 "$tmp/http.pcap"
# RLIMIT_NPROC counts every process of the user: a uid of our own (no account needed), so that
# nothing else running as nobody, nor another run of this test, shares the count
nobody=$((200000 + $$ % 100000))
run_limited() { # NPROC: run 4 workers over http.pcap with at most NPROC threads
	# (LeakSanitizer needs a thread of its own at exit, which the limit refuses: leaks are
	# checked by every other test)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 60 setpriv --reuid="$nobody" --regid="$nobody" --clear-groups \
		prlimit --nproc="$1" "$tmp/spanwatch" -r "$tmp/http.pcap" --workers 4 \
		>"$tmp/out" 2>"$tmp/err"
}
for n in 1 2 3 4; do
	run_limited "$n"
	rc=$?
	want="cannot start worker $((n - 1))"
	if [ "$rc" = 1 ] && grep -q "error: $want" "$tmp/err" &&
		! grep -qE 'Sanitizer|runtime error|Segmentation' "$tmp/err"; then
		ok "threads limited to $n: exits 1 with '$want', workers already running stopped cleanly"
	else
		not_ok "threads limited to $n: exit $rc, wanted 1 and '$want'"
		diag <"$tmp/err"
	fi
done
run_limited 5
rc=$?
if [ "$rc" = 1 ] && grep -q "cannot start the reload thread" "$tmp/err" &&
	! grep -qE 'Sanitizer|runtime error|Segmentation' "$tmp/err"; then
	ok "threads limited to 5: the reload thread cannot start, the 4 workers are stopped cleanly"
else
	not_ok "threads limited to 5: exit $rc"
	diag <"$tmp/err"
fi
run_limited 6
rc=$?
if [ "$rc" = 0 ] && grep -q '"event_type":"http"' "$tmp/out"; then
	ok "threads limited to 6: the run completes"
else
	not_ok "threads limited to 6: exit $rc"
	diag <"$tmp/err"
fi
tap_done
