#!/usr/bin/env bash
# tests/http_evasion/stress.sh: the HTTP parser's memory stays bounded on hostile bodies and
# headers (issue 13). stress.py makes three captures at test time: a gzip bomb (1 GiB of zeros,
# 1 MB on the wire; and the same gzipped twice, Content-Encoding: gzip, gzip), 10 MiB header blocks (in a response, and in a request), a chunked body
# of 1,000,000 one-byte chunks. Each is read with stream.reassembly.depth=0 (so the parser,
# not the stream depth, sees every byte) and app.memcap 4mb, then 64kb (the smallest): spanwatch
# exits 0, its peak RSS stays within app.memcap (plus 8 MB of slack) of the same run on
# pcaps/http.pcap, app.memuse is back to 0, and the counters say what was refused: the bomb is
# limited (app.http.decompress_limited, fileinfo TRUNCATED, at most max-bytes decoded), the
# header blocks are counted (app.http.errors + app.memcap_refused), the million chunks give the
# whole body (CLOSED, 1000000 bytes, the right SHA-256).
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
here="$top_srcdir/tests/http_evasion"

require_spanwatch
if ! "$PY" "$here/stress.py" "$tmp" >"$tmp/stress.log" 2>&1; then
	not_ok "stress.py"
	diag <"$tmp/stress.log"
	tap_done
	exit
fi
chunk_sha=$(cd "$here" && "$PY" -c 'import stress; print(stress.CHUNK_SHA256)')

# an AddressSanitizer build's RSS says little about the parser's own memory
asan=$(ldd "$SPANWATCH" 2>/dev/null | grep -o libasan | head -n 1)

# run NAME PCAP MEMCAP: spanwatch with the memcap, events in NAME.json, peak RSS (KB) in NAME.rss
run() {
	local name=$1 pcap=$2 cap=$3 rc
	timeout 300 /usr/bin/time -f '%M' -o "$tmp/$name.rss" "$SPANWATCH" -r "$pcap" --workers 1 \
		--set stream.reassembly.depth=0 --set "app.memcap=$cap" >"$tmp/$name.json" \
		2>"$tmp/$name.err"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$name: spanwatch exits 0"
	else
		not_ok "$name: spanwatch exit $rc$([ "$rc" -eq 124 ] && echo ' (hung)')"
		tail -n 10 "$tmp/$name.err" | diag
	fi
}
rss() { tail -n 1 "$tmp/$1.rss" 2>/dev/null; }
# files NAME: "state size sha256" of each fileinfo event
files() {
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    if "\"fileinfo\"" in l:
        f = json.loads(l).get("fileinfo", {})
        print(f.get("state"), f.get("size"), f.get("sha256") or "-")' "$tmp/$1.json"
}
app_counters() {
	"$PY" -c 'import json, sys
st = {}
for l in open(sys.argv[1]):
    if "\"stats\"" in l:
        st = json.loads(l).get("stats", {})
a = st.get("app", {})
print(json.dumps(a, sort_keys=True))' "$tmp/$1.json"
}
num() { [ -n "$1" ] && [ "$1" -eq "$1" ] 2>/dev/null; }

for cap in 4mb 64kb; do
	capkb=$(( $(echo "$cap" | sed 's/mb$/*1024/; s/kb$//') ))
	run "base-$cap" "$PCAPS/http.pcap" "$cap"
	base=$(rss "base-$cap")
	for case in bomb headers chunks; do
		name="$case-$cap"
		run "$name" "$tmp/$case.pcap" "$cap"
		peak=$(rss "$name")
		if [ -n "$asan" ]; then
			skip "$name: peak RSS not compared under AddressSanitizer (shadow memory, quarantine)"
		elif num "$peak" && num "$base" && [ "$peak" -le $((base + capkb + 8192)) ]; then
			ok "$name: peak RSS ${peak} KB within app.memcap of the baseline (${base} KB)"
		else
			not_ok "$name: peak RSS ${peak:-?} KB, baseline ${base:-?} KB, app.memcap $cap"
		fi
		m=$(stats_value "$tmp/$name.json" app.memuse)
		check "$name: app.memuse back to 0 (${m:-absent})" [ "${m:-x}" = 0 ]
		case $case in
		bomb)
			l=$(stats_value "$tmp/$name.json" app.http.decompress_limited)
			check "$name: app.http.decompress_limited counts the bomb (${l:-absent})" \
				[ "${l:-0}" -ge 1 ]
			read -r st sz _ < <(files "$name" | head -n 1)
			if [ "${st:-}" = TRUNCATED ] && num "$sz" && [ "$sz" -le $((64 << 20)) ]; then
				ok "$name: the bomb's file is TRUNCATED after $sz decoded bytes (<= 64 MiB)"
			else
				not_ok "$name: the bomb's file: state ${st:-none}, size ${sz:-none}"
			fi
			read -r st sz _ < <(files "$name" | sed -n 2p)
			if num "$sz" && [ "$sz" -le $((64 << 20)) ]; then
				ok "$name: the gzip, gzip bomb's file stops at $sz bytes ($st, <= 64 MiB)"
			else
				not_ok "$name: the gzip, gzip bomb's file: state ${st:-none}, size ${sz:-none}"
			fi
			;;
		headers)
			e=$(stats_value "$tmp/$name.json" app.http.errors)
			r=$(stats_value "$tmp/$name.json" app.memcap_refused)
			if [ $(( ${e:-0} + ${r:-0} )) -ge 2 ]; then
				ok "$name: both 10 MiB header blocks counted (app.http.errors $e, app.memcap_refused $r)"
			else
				not_ok "$name: 10 MiB header blocks not counted (app.http.errors ${e:-absent}, app.memcap_refused ${r:-absent})"
				app_counters "$name" | diag
			fi
			;;
		chunks)
			got=$(files "$name")
			check "$name: one file of 1,000,000 one-byte chunks, CLOSED, whole and hashed ($got)" \
				[ "$got" = "CLOSED 1000000 $chunk_sha" ]
			;;
		esac
	done
done
tap_done
