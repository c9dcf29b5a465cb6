#!/usr/bin/env bash
# tests/first_hour.sh: README.md's "Your first hour" commands, run exactly as written, from the
# build tree and from a `make install DESTDIR=` staging directory, each checked against what the
# README says it does. A command changed in the README without this list (or the reverse) fails.
. "$(dirname "$0")/lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
readme="$top_srcdir/README.md"

cmds=(
	"./src/spanwatch -r pcaps/http.pcap"
	"./src/spanwatch -r pcaps/http.pcap | jq -c 'select(.event_type==\"alert\") | .alert.signature'"
	"./src/spanwatch -r pcaps/dns.pcap --indicators conf/cti/example-stix.json | jq -c 'select(.cti) | .cti'"
	"./src/spanwatch -T -c conf/spanwatch.yaml"
	"./src/spanwatch -T --indicators nope.csv"
)
for c in "${cmds[@]}"; do
	check "README has: $c" grep -qF -- "$c" "$readme"
done
check "README's first-hour block has exactly these commands" \
	test "$(sed -n '/^### Your first hour/,/^```$/p' "$readme" | grep -c '^\./src/spanwatch')" -eq "${#cmds[@]}"
check "README does not point outside the project" test -z "$(grep -F '../shared' "$readme")"

# run CMD in DIR: stdout to $tmp/out, stderr to $tmp/err, status in $rc
run() { (cd "$1" && bash -c "$2") >"$tmp/out" 2>"$tmp/err"; rc=$?; }
has() { grep -q -- "$1" "$2"; }

# what README says of each command, wherever spanwatch comes from
first_hour() { # DIR LABEL SED: the commands with ./src/spanwatch rewritten by SED
	local dir=$1 label=$2 sedexpr=$3 c
	c=$(sed "$sedexpr" <<<"${cmds[0]}")
	run "$dir" "$c"
	check "$label: $c exits 0" test "$rc" -eq 0
	check "$label: rules: 143 loaded, 0 skipped, 0 failed" has "rules: 143 loaded, 0 skipped, 0 failed" "$tmp/err"
	check "$label: the summary line" \
		has "^spanwatch: 62 packets, 211475 bytes in .*; 9 alerts (rules and CTI), 28 events written; 5 flows (0 evicted, 0 refused); 0 decode errors;" "$tmp/err"
	check "$label: no missing file" test -z "$(grep -E 'cannot read|No such file' "$tmp/err")"
	local flow
	flow=$(sed -n '/^## Events/,/^```$/p;/^## Events/,/^- `flow`/p' "$readme" | grep -m1 '^{"timestamp"')
	run "$dir" "$c --set sensor.name=demo"
	check "$label: README's example flow event is real output" \
		grep -qF -- "$flow" <(sed 's/"event_id":"[^"]*",//' "$tmp/out")
	c=$(sed "$sedexpr" <<<"${cmds[1]}")
	run "$dir" "$c"
	check "$label: 9 alert signatures" test "$(wc -l <"$tmp/out")" -eq 9
	check "$label: ... such as the reserved test domain one" \
		has '"SPANWATCH POLICY HTTP request to a reserved test domain (RFC 2606/6761)"' "$tmp/out"
	c=$(sed "$sedexpr" <<<"${cmds[2]}")
	run "$dir" "$c"
	check "$label: 3 CTI matches of 192.0.2.10 in DNS answers" \
		test "$(grep -c '^{"indicator":"192.0.2.10","type":"ipv4","matched_on":"dns.answer",' "$tmp/out")" -eq 3
	c=$(sed "$sedexpr" <<<"${cmds[3]}")
	run "$dir" "$c"
	check "$label: -T -c conf/spanwatch.yaml exits 0" test "$rc" -eq 0
	check "$label: ... and says valid" has "configuration conf/spanwatch.yaml is valid" "$tmp/err"
	c=$(sed "$sedexpr" <<<"${cmds[4]}")
	run "$dir" "$c"
	check "$label: -T --indicators nope.csv exits 1" test "$rc" -eq 1
	check "$label: ... naming the feed" has "feed 'nope.csv' failed to load" "$tmp/err"
}

if ! command -v jq >/dev/null 2>&1; then
	skip "jq is not installed: README's commands need it"
	tap_done
	exit
fi

# the build tree, as a user who built in the source tree sees it (a VPATH build works the same)
mkdir -p "$tmp/tree"
ln -s "$top_builddir/src" "$tmp/tree/src"
ln -s "$top_srcdir/pcaps" "$tmp/tree/pcaps"
ln -s "$top_srcdir/conf" "$tmp/tree/conf"
first_hour "$tmp/tree" "build tree" 's|^x|x|'

# installed: make install into a staging directory; the same commands with the installed binary
# and the installed configuration
if make -C "$top_builddir" install DESTDIR="$tmp/dest" >"$tmp/install.log" 2>&1; then
	ok "make install DESTDIR=..."
	bin=$(find "$tmp/dest" -path '*/bin/spanwatch' -type f | head -n 1)
	etc=$(find "$tmp/dest" -name spanwatch.yaml -type f | head -n 1)
	check "installed: the binary, the configuration and the man page" \
		test -x "$bin" -a -f "$etc" -a -n "$(find "$tmp/dest" -path '*/man8/spanwatch.8')"
	check "installed: the man page has its paths filled in" \
		test -z "$(grep -h '@[a-z]*@' $(find "$tmp/dest" -path '*/man8/spanwatch.8'))"
	mkdir -p "$tmp/user/conf"
	ln -s "$top_srcdir/pcaps" "$tmp/user/pcaps"
	ln -s "$top_srcdir/conf/cti" "$tmp/user/conf/cti"
	cp "$etc" "$tmp/user/conf/spanwatch.yaml" # the installed configuration, copied as is
	first_hour "$tmp/user" "installed" "s|^\./src/spanwatch|$bin|"
else
	not_ok "make install DESTDIR=..."
	diag <"$tmp/install.log"
fi
tap_done
