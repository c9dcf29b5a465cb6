#!/usr/bin/env bash
# tests/loss/notify.sh: systemd's notification protocol (the unit is Type=notify). spanwatch
# runs with NOTIFY_SOCKET set to a unix datagram socket this test reads (as systemd would) and
# WATCHDOG_USEC set: READY once capturing, RELOADING then READY around a SIGHUP reload,
# WATCHDOG pings, STOPPING at SIGTERM. A live capture on lo (root); bounded; cleans up.
. "$(dirname "$0")/../lib.sh"
require_spanwatch
if [ "$(id -u)" -ne 0 ]; then
	skip "live capture on lo needs root"
	tap_done
	exit 0
fi
if ! grep -q '^#define HAVE_LIBSYSTEMD 1' "$top_builddir/config.h" 2>/dev/null; then
	skip "built without libsystemd (Debian libsystemd-dev): no notifications are sent"
	tap_done
	exit 0
fi
tmp=$(mktmp)
pid=
lpid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$tmp"
}
trap cleanup EXIT
sock="$tmp/notify.sock"
# the listener: one line per datagram, newlines inside made '|'; ends after 40 s at most
"$PY" - "$sock" "$tmp/msgs" <<'PYEOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.time() + 40
with open(sys.argv[2], "w") as out:
    while time.time() < end:
        try:
            d = s.recv(4096)
        except socket.timeout:
            continue
        out.write(d.decode().replace("\n", "|") + "\n")
        out.flush()
PYEOF
lpid=$!
wait_until 5 test -S "$sock" || { not_ok "the notify listener starts"; tap_done; exit 1; }
cat >"$tmp/r.rules" <<'R'
alert udp any any -> any 40009 (msg:"notify test"; content:"x"; sid:301; rev:1;)
R
NOTIFY_SOCKET="$sock" WATCHDOG_USEC=400000 "$SPANWATCH" -i lo -k none --workers 1 \
	-S "$tmp/r.rules" --set outputs.eve.sink=stdout 'udp and port 40099' >/dev/null 2>"$tmp/err" &
pid=$!
check "READY=1 once the capture is open and the rules loaded" wait_until 15 grep -q '^READY=1' "$tmp/msgs"
check "... after the rules were loaded" grep -q 'rules:.*loaded' "$tmp/err"
check "WATCHDOG=1 pings (WatchdogSec)" wait_until 5 sh -c "[ \$(grep -c '^WATCHDOG=1' '$tmp/msgs') -ge 2 ]"
kill -HUP "$pid"
check "RELOADING=1 (with MONOTONIC_USEC) at SIGHUP" wait_until 10 grep -q '^RELOADING=1|MONOTONIC_USEC=[0-9]' "$tmp/msgs"
check "READY=1 again after the reload" wait_until 10 sh -c "grep -A1000 '^RELOADING=1' '$tmp/msgs' | grep -q '^READY=1'"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "SIGTERM ends it cleanly" test $rc -eq 0
check "STOPPING=1 at SIGTERM" wait_until 5 grep -q '^STOPPING=1' "$tmp/msgs"
check "in order: READY, RELOADING, READY, STOPPING" sh -c \
	"grep -v '^WATCHDOG' '$tmp/msgs' | cut -d= -f1 | tr '\n' ' ' | grep -q '^READY RELOADING READY STOPPING \$'"
# without NOTIFY_SOCKET nothing is sent and nothing fails
"$SPANWATCH" -r "$PCAPS/dns.pcap" --set outputs.eve.sink=stdout >/dev/null 2>"$tmp/err3"
check "without NOTIFY_SOCKET a run works as before" test $? -eq 0
tap_done
