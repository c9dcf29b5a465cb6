#!/usr/bin/env bash
# tests/http_evasion/check.sh: HTTP as the browsers read it (issue 13). spanwatch reads
# pcaps/http-evasion.pcap (every variant of server.py, one connection each); per variant its
# fileinfo.sha256 must be the body Chromium and Firefox ESR both got (expected.tsv, made by
# record.sh with the real browsers), or Chromium's with an anomaly event where they disagree;
# variants both refuse only have to leave spanwatch running (exit 0, no hang, on the whole file).
# tshark --export-objects http: on the variants where tshark gets the browsers' body, spanwatch's
# set of hashes is tshark's. The table (variant, chromium, firefox, spanwatch, ok, tshark,
# anomaly) is left in the build tree as tests/http_evasion/result.tsv; UPDATE_README=1 copies it
# into pcaps/README.md. Then the capture cut as a sensor started mid-connection sees it (no
# handshake, no request): where the browsers got a body, spanwatch's file is that body.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
here="$top_srcdir/tests/http_evasion"
pcap="$PCAPS/http-evasion.pcap"

# relay: table.py's "ok - ..." / "not ok - ..." lines as numbered TAP, the rest as is
relay() {
	local line
	while read -r line; do
		case $line in
			ok*) ok "${line#ok - }" ;;
			not\ ok*) not_ok "${line#not ok - }" ;;
			*) echo "$line" ;;
		esac
	done
}

require_spanwatch
timeout 300 "$SPANWATCH" -r "$pcap" --workers 1 >"$tmp/eve.json" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "spanwatch reads http-evasion.pcap and exits 0"
else
	not_ok "spanwatch on http-evasion.pcap: exit $rc$([ "$rc" -eq 124 ] && echo ' (hung: killed after 300 s)')"
	tail -n 20 "$tmp/err" | diag
fi

mkdir -p "$tmp/objects"
if command -v tshark >/dev/null 2>&1; then
	tshark -r "$pcap" -Q --export-objects "http,$tmp/objects" >/dev/null 2>"$tmp/tshark.err" ||
		diag <"$tmp/tshark.err"
fi

mkdir -p "$top_builddir/tests/http_evasion"
result="$top_builddir/tests/http_evasion/result.tsv"
relay < <("$PY" "$here/table.py" compare "$here/expected.tsv" "$tmp/eve.json" "$tmp/objects" \
	"$result" 2>&1)
echo "# result table: $result"

# the same responses without their requests (a sensor started mid-connection)
"$PY" "$here/table.py" cut "$pcap" "$tmp/cut.pcap"
if timeout 300 "$SPANWATCH" -r "$tmp/cut.pcap" --workers 1 >"$tmp/cut.json" 2>"$tmp/cut.err"; then
	ok "midstream: spanwatch reads the capture without handshakes and requests, exits 0"
else
	not_ok "midstream: spanwatch failed on the capture without handshakes and requests"
	tail -n 20 "$tmp/cut.err" | diag
fi
relay < <("$PY" "$here/table.py" midstream "$here/expected.tsv" "$tmp/cut.json" 2>&1)
if [ -n "${UPDATE_README:-}" ]; then
	rev=$(git -C "$top_srcdir" log -1 --format='(src/ at %h, %ad)' --date=short -- src 2>/dev/null || true)
	"$PY" "$here/table.py" readme "$result" "$PCAPS/README.md" "$rev" &&
		echo "# pcaps/README.md: evasion table rewritten"
fi
tap_done
