#!/usr/bin/env bash
# tests/detect/lua.sh: what the lua keyword must refuse or survive (issue 14), beyond the
# fire / no-fire cases of tests/detect/keywords/kw-lua.rules: off by default (skipped, naming
# detect.lua.allow-rules), load errors with the script's file:line, missing scripts, paths out
# of the rule directory, precompiled chunks, needs we do not have, scripts-dir; and on the
# packet path a script that fails, loops forever or allocates without end: no alert, the run
# ends, detect.lua.errors / instruction_limit / memory_refused (and detect.memcap_refused) count
# it, 1 and 3 workers alike. dns.pcap has 16 UDP packets (tshark -Y udp). Then
# SCPacketTimeString / SCFlowTimeString in two time zones against date(1), and TlsGetCertInfo's
# version and subject against tshark.
. "$(dirname "$0")/../lib.sh"
require_spanwatch
if ! grep -q '^#define HAVE_LUA 1' "$top_builddir/config.h"; then
	skip "built without Lua (--disable-lua): tests/detect/lua.sh checks the skip reason only"
	tmp=$(mktmp)
	echo 'alert udp any any -> any any (msg:"x"; lua:x.lua; sid:1;)' >"$tmp/x.rules"
	if "$SPANWATCH" -S "$tmp/x.rules" -T -v --set detect.cache-dir= 2>&1 | grep -q "built without Lua"; then
		ok "without Lua: lua rules are skipped, the reason says so"
	else
		not_ok "without Lua: no 'built without Lua' reason"
	fi
	rm -rf "$tmp"
	tap_done
	exit $?
fi
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rules/sub" "$tmp/scripts"
common=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config"
	--set "detect.reference-config-file=$top_srcdir/conf/reference.config")
allow=(--set detect.lua.allow-rules=yes)

cat >"$tmp/rules/ok.lua" <<'EOF'
function init(args) return {packet = tostring(true)} end
function match(args) return 1 end
EOF
cat >"$tmp/rules/error.lua" <<'EOF'
function init(args) return {packet = tostring(true)} end
function match(args)
  error("script error on purpose")
end
EOF
cat >"$tmp/rules/loop.lua" <<'EOF'
function init(args) return {packet = tostring(true)} end
function match(args)
  local n = 0
  while true do n = n + 1 end
  return 1
end
EOF
cat >"$tmp/rules/hog.lua" <<'EOF'
function init(args) return {packet = tostring(true)} end
keep = {}
function match(args)
  local i = #keep
  while true do
    i = i + 1
    keep[i] = string.rep("x", 4096) .. i
  end
  return 1
end
EOF
printf 'function init(args)\n  return {}\nend\n\nfunction match(args)\n  return 1 +\nend\n' >"$tmp/rules/syntax.lua"
cat >"$tmp/rules/needbuf.lua" <<'EOF'
function init(args) return {buffer = tostring(true)} end
function match(args) return 1 end
EOF
cat >"$tmp/rules/needdnp3.lua" <<'EOF'
function init(args) return {dnp3 = tostring(true)} end
function match(args) return 1 end
EOF
cat >"$tmp/rules/initerr.lua" <<'EOF'
function init(args)
  local t = nil
  return t.x
end
function match(args) return 1 end
EOF
cat >"$tmp/rules/nomatch.lua" <<'EOF'
function init(args) return {} end
EOF
printf '\033LuaQ\000fake bytecode' >"$tmp/rules/bytecode.lua"
cp "$tmp/rules/ok.lua" "$tmp/scripts/elsewhere.lua"

rule() { # FILE SCRIPT SID
	echo "alert udp any any -> any any (msg:\"lua $2\"; lua:$2; sid:$3;)" >"$tmp/rules/$1"
}

# -T -v of one rule file: prints the log (stderr) and the summary
load() { # FILE [--set ...]
	local f=$1
	shift
	"$SPANWATCH" -S "$tmp/rules/$f" -T -v "${common[@]}" "$@" 2>&1
}

# expect_skip NAME FILE REASON [--set ...]: the rule is skipped (counted under lua) for REASON
expect_skip() {
	local name=$1 f=$2 why=$3 out
	shift 3
	out=$(load "$f" "$@")
	if grep -q -- "rule skipped: unsupported keyword 'lua': $why" <<<"$out" &&
		grep -q 'skipped 1 for lua' <<<"$out"; then
		ok "$name"
	else
		not_ok "$name: no skip for '$why'"
		diag <<<"$out"
	fi
}

# off by default: skipped, the reason names the key
rule ok.rules ok.lua 1
expect_skip "off by default: the rule is skipped, the reason names detect.lua.allow-rules" \
	ok.rules "lua rules are off (detect.lua.allow-rules: no)"
out=$(load ok.rules "${allow[@]}")
check "allow-rules: yes loads it" grep -q 'rules: 1 loaded, 0 skipped' <<<"$out"

# load errors: the rule's file:line and the script's
expect_fail() { # NAME FILE PATTERN [--set ...]
	local name=$1 f=$2 pat=$3 out
	shift 3
	out=$(load "$f" "${allow[@]}" "$@")
	if grep -q -- "$pat" <<<"$out" && grep -q '0 loaded' <<<"$out"; then
		ok "$name"
	else
		not_ok "$name: no '$pat'"
		diag <<<"$out"
	fi
}
rule syntax.rules syntax.lua 2
expect_fail "a syntax error names the rule's and the script's file:line" syntax.rules \
	"syntax.rules:1: rule skipped: $tmp/rules/syntax.lua:7: unexpected symbol near 'end'"
rule initerr.rules initerr.lua 3
expect_fail "an error in init() names the script's line" initerr.rules "initerr.lua:3: attempt to index"
rule nomatch.rules nomatch.lua 4
expect_fail "a script without match() is refused" nomatch.rules "no function match()"
rule missing.rules nosuch.lua 5
expect_fail "a missing script is named" missing.rules "$tmp/rules/nosuch.lua: No such file or directory"
rule bytecode.rules bytecode.lua 6
expect_fail "a precompiled chunk is refused" bytecode.rules "precompiled Lua chunks are refused"
rule dotdot.rules ../ok.lua 7
expect_fail "a path with '..' is refused" dotdot.rules "lua: script '../ok.lua' must be a relative path without '..'"
rule abs.rules /etc/passwd 8
expect_fail "an absolute path is refused" abs.rules "lua: script '/etc/passwd' must be a relative path"
rule needbuf.rules needbuf.lua 9
expect_skip "the buffer need without a sticky buffer: skipped with the need named" needbuf.rules \
	"$tmp/rules/needbuf.lua: init() needs 'buffer': only after an app-layer sticky buffer" "${allow[@]}"
rule needdnp3.rules needdnp3.lua 14
expect_skip "a need we do not have (dnp3): skipped with the need named" needdnp3.rules \
	"$tmp/rules/needdnp3.lua: init() needs 'dnp3', which spanwatch does not give scripts" "${allow[@]}"
# scripts-dir: the name is looked for there, not next to the rule file
rule sub/elsewhere.rules elsewhere.lua 10
out=$(load sub/elsewhere.rules "${allow[@]}")
check "without scripts-dir the script is looked for next to the rule file" \
	grep -q "$tmp/rules/sub/elsewhere.lua: No such file" <<<"$out"
out=$(load sub/elsewhere.rules "${allow[@]}" --set "detect.lua.scripts-dir=$tmp/scripts")
check "detect.lua.scripts-dir: the script is found there" grep -q 'rules: 1 loaded' <<<"$out"

# the packet path: the rule never alerts, the run ends, the counters say why
run() { # NAME RULES WORKERS [--set ...]: eve in $tmp/NAME-W/eve.json
	local name=$1 f=$2 w=$3
	shift 3
	mkdir -p "$tmp/$name-$w"
	timeout 120 "$SPANWATCH" -S "$tmp/rules/$f" -r "$PCAPS/dns.pcap" --workers "$w" \
		-l "$tmp/$name-$w" "${common[@]}" "${allow[@]}" "$@" >"$tmp/$name-$w.out" 2>"$tmp/$name-$w.err"
}
counters() { # EVE: "alerts errors instruction_limit memory_refused memcap_refused"
	echo "$(alert_counts "$1" | wc -l) $(stats_value "$1" detect.lua.errors)" \
		"$(stats_value "$1" detect.lua.instruction_limit) $(stats_value "$1" detect.lua.memory_refused)" \
		"$(stats_value "$1" detect.memcap_refused)"
}
rule error.rules error.lua 11
rule loop.rules loop.lua 12
rule hog.rules hog.lua 13
for w in 1 3; do
	run ok ok.rules "$w"
	got=$(alert_counts "$tmp/ok-$w/eve.json")
	check "a script returning 1 alerts on each of the 16 UDP packets ($w workers): '$got'" [ "$got" = "1 16" ]

	run error error.rules "$w"
	got=$(counters "$tmp/error-$w/eve.json")
	if [ "$got" = "0 16 0 0 0" ] && grep -q "error.lua:3: script error on purpose" "$tmp/error-$w.err"; then
		ok "a script error: no alert, detect.lua.errors 16, logged with file:line ($w workers)"
	else
		not_ok "a script error ($w workers): got '$got', wanted '0 16 0 0 0' and the log line"
		diag <"$tmp/error-$w.err"
	fi

	run loop loop.rules "$w" --set detect.lua.max-instructions=20000
	rc=$?
	got=$(counters "$tmp/loop-$w/eve.json")
	if [ "$rc" = 0 ] && [ "$got" = "0 0 16 0 0" ] &&
		grep -q "loop.lua:4: instruction limit (detect.lua.max-instructions) reached" "$tmp/loop-$w.err"; then
		ok "an endless loop is cut: the run ends, detect.lua.instruction_limit 16 ($w workers)"
	else
		not_ok "an endless loop ($w workers): rc $rc, got '$got', wanted '0 0 16 0 0'"
		diag <"$tmp/loop-$w.err"
	fi

	run hog hog.rules "$w" --set detect.lua.max-bytes=256kb
	got=$(counters "$tmp/hog-$w/eve.json")
	set -- $got
	if [ "$1" = 0 ] && [ "$2" = 16 ] && [ "$3" = 0 ] && [ "$4" -ge 16 ] && [ "$5" = 0 ]; then
		ok "a script over detect.lua.max-bytes: no alert, 16 errors, $4 refusals ($w workers)"
	else
		not_ok "a script over detect.lua.max-bytes ($w workers): got '$got'"
		diag <"$tmp/hog-$w.err"
	fi

	# the state is charged to the worker's share of detect.memcap, which refuses first here
	run hogcap hog.rules "$w" --set detect.lua.max-bytes=64mb --set detect.memcap=1mb
	got=$(counters "$tmp/hogcap-$w/eve.json")
	set -- $got
	if [ "$1" = 0 ] && [ "$2" = 16 ] && [ "$4" -ge 16 ] && [ "$5" -ge 16 ]; then
		ok "a script over the worker's detect.memcap: refusals in detect.memcap_refused too ($w workers)"
	else
		not_ok "a script over the worker's detect.memcap ($w workers): got '$got'"
		diag <"$tmp/hogcap-$w.err"
	fi
done
# SCPacketTimeString / SCFlowTimeString: Suricata's CreateTimeString, local time as
# "%m/%d/%Y-%H:%M:%S.%06u"; the expected strings are date(1)'s. dns-questions.pcap's second
# packet (1700000000.001000, the response of the flow started at 1700000000.000000).
timestr() { # TZ SECONDS USEC
	printf '%s.%06d' "$(TZ=$1 date -d "@$2" +%m/%d/%Y-%H:%M:%S)" "$3"
}
for tz in UTC Asia/Tokyo; do
	pkt=$(timestr "$tz" 1700000000 1000)
	flow=$(timestr "$tz" 1700000000 0)
	cat >"$tmp/rules/time-${tz//\//-}.lua" <<LUA
function init(args) return {packet = tostring(true)} end
function match(args)
  if SCPacketTimeString() == "$pkt" and SCFlowTimeString() == "$flow" then return 1 end
  return 0
end
LUA
done
printf '%s\n' 'alert udp any any -> any any (msg:"time utc"; lua:time-UTC.lua; sid:21;)' \
	'alert udp any any -> any any (msg:"time tokyo"; lua:time-Asia-Tokyo.lua; sid:22;)' >"$tmp/rules/time.rules"
for tz in UTC Asia/Tokyo; do
	TZ=$tz "$SPANWATCH" -q -S "$tmp/rules/time.rules" -r "$PCAPS/dns-questions.pcap" "${common[@]}" \
		"${allow[@]}" >"$tmp/time.json" 2>"$tmp/time.err"
	got=$(alert_counts "$tmp/time.json" | tr '\n' ' ')
	want="21 1 "
	[ "$tz" = UTC ] || want="22 1 "
	check "SCPacketTimeString/SCFlowTimeString in local time (TZ=$tz: $(timestr "$tz" 1700000000 1000)): '$got'" \
		[ "$got" = "$want" ]
done

# TlsGetCertInfo's version is, as in Suricata 7 (util-lua-tls.c), the TLS version the server
# chose ("TLS 1.2" for tls.pcap's ServerHello 0x0303), not the certificate's (x509af.version 2,
# "v3"); subject and issuer as tshark has them
sv=$(tshark -r "$PCAPS/tls.pcap" -Y 'tls.handshake.type == 2' -T fields -e tls.handshake.version 2>/dev/null)
case $sv in
0x0303) name="TLS 1.2" ;;
0x0302) name="TLS 1.1" ;;
0x0301) name="TLSv1" ;;
*) name="0x${sv#0x}" ;;
esac
cn=$(tshark -r "$PCAPS/tls.pcap" -Y 'tls.handshake.type == 11' -T fields -e x509sat.printableString \
	-e x509sat.uTF8String 2>/dev/null | tr '\t,' '\n\n' | grep -m1 demo.example)
cat >"$tmp/rules/certinfo.lua" <<LUA
function init(args) return {tls = tostring(true)} end
function match(args)
  local version, subject, issuer, fp = TlsGetCertInfo()
  if version == "$name" and subject ~= nil and string.find(subject, "$cn", 1, true) ~= nil and
     issuer ~= nil and fp ~= nil and #fp == 59 then return 1 end
  return 0
end
LUA
echo 'alert tls any any -> any any (msg:"certinfo"; lua:certinfo.lua; sid:23;)' >"$tmp/rules/certinfo.rules"
"$SPANWATCH" -q -S "$tmp/rules/certinfo.rules" -r "$PCAPS/tls.pcap" "${common[@]}" "${allow[@]}" \
	>"$tmp/certinfo.json" 2>"$tmp/certinfo.err"
got=$(alert_counts "$tmp/certinfo.json" | tr '\n' ' ')
check "TlsGetCertInfo: version '$name' (tshark's ServerHello $sv), subject with '$cn': '$got'" \
	[ -n "$cn" -a "$got" = "23 1 " ]
tap_done
