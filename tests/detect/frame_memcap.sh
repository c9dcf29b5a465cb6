#!/usr/bin/env bash
# tests/detect/frame_memcap.sh: the frame keyword's gathering is charged to app.memcap, and what
# the cap refuses is counted. http.pcap has 12 HTTP/1 messages (tshark: requests of 99, 97, 101,
# 192, 99, 97 bytes; responses of 361, 102651, 294, 300, 361, 102651): gathering a 102651-byte
# response needs a 128 KiB buffer. With the default app.memcap every message is a frame
# (app.frames 12); with app.memcap 64kb the two long responses are refused (app.frames 10,
# app.frames_memcap 2, app.memcap_refused 2) and only the rule on them loses its alerts. Without
# frame rules no frame is made at all.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
common=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config"
	--set "detect.reference-config-file=$top_srcdir/conf/reference.config" --workers 1)
cat >"$tmp/frame.rules" <<'RULES'
alert http any any -> any any (msg:"every request"; frame:http1.request; content:"HTTP/1.1|0d 0a|"; sid:1;)
alert http any any -> any any (msg:"every response"; frame:http1.response; content:"HTTP/1.1 "; startswith; sid:2;)
alert http any any -> any any (msg:"long response"; frame:http1.response; bsize:102651; sid:3;)
RULES
: >"$tmp/none.rules"
run() { # NAME RULES [ARGS...]
	local name=$1 rules=$2
	shift 2
	"$SPANWATCH" -S "$rules" -r "$PCAPS/http.pcap" "${common[@]}" "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" ||
		{ not_ok "$name: spanwatch failed"; diag <"$tmp/$name.err"; }
}
stats3() { # EVE -> "frames/frames_memcap/memcap_refused"
	echo "$(stats_value "$1" app.frames)/$(stats_value "$1" app.frames_memcap)/$(stats_value "$1" app.memcap_refused)"
}
run default "$tmp/frame.rules"
run small "$tmp/frame.rules" --set app.memcap=64kb
run none "$tmp/none.rules" --set app.memcap=64kb
got=$(alert_counts "$tmp/default.json" | tr '\n' ' ')
check "default app.memcap: 6 request and 6 response frames, 2 long ones (got '$got')" \
	test "$got" = "1 6 2 6 3 2 "
got=$(stats3 "$tmp/default.json")
check "default app.memcap: app.frames 12, app.frames_memcap 0, app.memcap_refused 0 (got $got)" \
	test "$got" = "12/0/0"
got=$(alert_counts "$tmp/small.json" | tr '\n' ' ')
check "app.memcap 64kb: the long responses have no frame, the others do (got '$got')" \
	test "$got" = "1 6 2 4 "
got=$(stats3 "$tmp/small.json")
check "app.memcap 64kb: app.frames 10, app.frames_memcap 2, app.memcap_refused 2 (got $got)" \
	test "$got" = "10/2/2"
got=$(stats3 "$tmp/none.json")
check "no frame rule: no frame made, nothing refused (got $got)" test "$got" = "0/0/0"
tap_done
