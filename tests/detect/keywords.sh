#!/usr/bin/env bash
# tests/detect/keywords.sh: one pcap case per rule keyword (issue 5). Each file of
# tests/detect/keywords/*.rules holds rules, each preceded by one or more lines
#   # expect: PCAP COUNT
# (PCAP relative to pcaps/): replaying PCAP with only that file loaded (-S) must raise exactly
# COUNT alerts with the rule's sid. The counts were worked out by hand from the traffic, not
# copied from spanwatch. A file may also carry
#   # set: KEY=VALUE       (a --set for every run of the file, e.g. a vars.address-groups.X;
#                          @KEYWORDS@ in VALUE is this directory)
#   # workers: 3           (also replay every pcap of the file with 3 workers: same counts)
# Every rule of a file must load (-T: 0 failed, 0 skipped), and no alert may carry a sid that is
# not in the file. One TAP line per expectation:
#   ok 12 - content.rules:5 sid 1001 on http.pcap: 3 alerts
# Run one file: tests/detect/keywords.sh content.rules
. "$(dirname "$0")/../lib.sh"
dir="$top_srcdir/tests/detect/keywords"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
common=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config"
	--set "detect.reference-config-file=$top_srcdir/conf/reference.config")

# FILE -> lines "LINE SID PCAP COUNT" (one per expectation), "SET KEY=VALUE", "WORKERS N",
# "SID LINE SID" (every rule), "ERR LINE text" (a rule without expectation or sid)
plan() {
	"$PY" - "$1" <<'PYEOF'
import re, sys
pending = []
for n, line in enumerate(open(sys.argv[1]), 1):
    s = line.strip()
    m = re.match(r'#\s*expect:\s*(\S+)\s+(\d+)\s*$', s)
    if m:
        pending.append((m.group(1), m.group(2)))
        continue
    m = re.match(r'#\s*set:\s*(\S+=.*)$', s)
    if m:
        print("SET", m.group(1))
        continue
    m = re.match(r'#\s*workers:\s*(\d+)\s*$', s)
    if m:
        print("WORKERS", m.group(1))
        continue
    if not s or s.startswith('#'):
        continue
    sid = re.search(r'[(;]\s*sid\s*:\s*(\d+)\s*;', s)
    if not sid:
        print("ERR", n, "rule without a sid")
        pending = []
        continue
    print("SID", n, sid.group(1))
    if not pending:
        print("ERR", n, "rule without '# expect:' line")
    for pcap, count in pending:
        print(n, sid.group(1), pcap, count)
    pending = []
if pending:
    print("ERR", n, "'# expect:' lines after the last rule")
PYEOF
}


run_file() { # path
	local f=$1 name n=0 w pcap sets=() extra_workers= rc
	name=$(basename "$f")
	plan "$f" >"$tmp/plan" || { not_ok "$name: cannot read"; return; }
	# @GEOIP_DB@ in a '# set:' value (kw-geoip.rules): the country database geoip-db.pl writes
	if grep -q '^SET .*@GEOIP_DB@' "$tmp/plan" && [ ! -f "$tmp/geoip.mmdb" ] &&
		! perl "$top_srcdir/tests/detect/geoip-db.pl" "$tmp/geoip.mmdb" 2>"$tmp/geoip.err"; then
		not_ok "$name: tests/detect/geoip-db.pl failed (libmaxmind-db-writer-perl: contrib/setup)"
		diag <"$tmp/geoip.err"
	fi
	while read -r kind rest; do
		case "$kind" in
		SET) rest=${rest//@GEOIP_DB@/$tmp/geoip.mmdb}; sets+=(--set "${rest//@KEYWORDS@/$dir}") ;; # @KEYWORDS@: this directory
		WORKERS) extra_workers=$rest ;;
		ERR) not_ok "$name:${rest%% *}: ${rest#* }" ;;
		esac
	done <"$tmp/plan"
	grep '^SID ' "$tmp/plan" | awk '{print $3}' | sort -u >"$tmp/sids"

	# every rule loads
	"$SPANWATCH" -T -S "$f" "${common[@]}" "${sets[@]}" >"$tmp/T.out" 2>&1
	rc=$?
	local nrules loaded
	nrules=$(wc -l <"$tmp/sids")
	loaded=$(sed -n 's/^rules: \([0-9]*\) loaded.*/\1/p' "$tmp/T.out")
	if [ $rc -eq 0 ] && grep -q "rules: $nrules loaded, 0 skipped (unsupported), 0 failed, 0 duplicate" "$tmp/T.out"; then
		ok "$name: all $nrules rules load (-T)"
	else
		not_ok "$name: -T: expected $nrules rules loaded, 0 skipped, 0 failed (rc $rc, loaded ${loaded:-?})"
		diag <"$tmp/T.out"
	fi

	for pcap in $(grep -E '^[0-9]+ ' "$tmp/plan" | awk '{print $3}' | sort -u); do
		n=$((n + 1))
		local out="$tmp/$name.$n"
		if [ ! -f "$PCAPS/$pcap" ]; then
			not_ok "$name: no pcap pcaps/$pcap"
			continue
		fi
		for w in 1 $extra_workers; do
			if ! "$SPANWATCH" -q -S "$f" -r "$PCAPS/$pcap" --workers "$w" "${common[@]}" "${sets[@]}" \
				>"$out.w$w.json" 2>"$out.w$w.err"; then
				not_ok "$name: spanwatch failed on $pcap (workers $w)"
				diag <"$out.w$w.err"
			fi
			alert_counts "$out.w$w.json" >"$out.w$w.counts"
		done
		while read -r line sid p want; do
			[ "$p" = "$pcap" ] || continue
			local got
			got=$(awk -v s="$sid" '$1 == s {print $2}' "$out.w1.counts")
			got=${got:-0}
			if [ "$got" -eq "$want" ]; then
				ok "$name:$line sid $sid on $pcap: $want alerts"
			else
				not_ok "$name:$line sid $sid on $pcap: expected $want, got $got"
			fi
		done < <(grep -E '^[0-9]+ ' "$tmp/plan")
		local stray
		stray=$(awk 'NR == FNR {k[$1] = 1; next} !($1 in k) {printf "%s(%s) ", $1, $2}' "$tmp/sids" "$out.w1.counts")
		if [ -z "$stray" ]; then
			ok "$name on $pcap: no alert from a sid outside the file"
		else
			not_ok "$name on $pcap: alerts with sids not in the file: $stray"
		fi
		if [ -n "$extra_workers" ]; then
			if cmp -s "$out.w1.counts" "$out.w$extra_workers.counts"; then
				ok "$name on $pcap: same counts with $extra_workers workers"
			else
				not_ok "$name on $pcap: counts differ with $extra_workers workers"
				diff "$out.w1.counts" "$out.w$extra_workers.counts" | diag
			fi
		fi
	done
}

if [ ! -x "$SPANWATCH" ]; then
	skip "no $SPANWATCH (build it first)"
	tap_done
	exit
fi
if [ $# -gt 0 ]; then
	files=()
	for a in "$@"; do files+=("$dir/${a##*/}"); done
else
	files=("$dir"/*.rules)
fi
for f in "${files[@]}"; do
	# kw-lua.rules needs Lua: a --disable-lua build skips its rules (tests/detect/lua.sh checks
	# the reason)
	if [ "${f##*/}" = kw-lua.rules ] && ! grep -q '^#define HAVE_LUA 1' "$top_builddir/config.h"; then
		skip "kw-lua.rules: built without Lua (--disable-lua)"
		continue
	fi
	run_file "$f"
done
tap_done
