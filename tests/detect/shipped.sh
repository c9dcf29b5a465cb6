#!/usr/bin/env bash
# tests/detect/shipped.sh: the rules spanwatch ships (rules/*.rules, loaded the way the default
# configuration does) all load, and raise exactly the alerts worked out by hand from the demo
# captures (pcaps/README.md) and the rules: per pcap, every sid with its count, and nothing
# else. One worker, then three: the same counts.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
common=(--set "detect.default-rule-path=$top_srcdir/rules" --set detect.cache-dir=
	--set "detect.classification-file=$top_srcdir/conf/classification.config"
	--set "detect.reference-config-file=$top_srcdir/conf/reference.config")

# pcap: expected "sid count" pairs (every other sid: 0)
declare -A want=(
	# 6 transactions to demo.example (9400001), 2 downloads of data.bin (9400002), one 405
	# (9400004); the client is spanwatch-test/1.0, not a scripted client (9400005)
	[http.pcap]="9400001 6 9400002 2 9400004 1"
	[http6.pcap]="9400001 1"
	# the same exchange untagged and in VLAN 100: two flows, Host vlan.demo.example
	[vlan.pcap]="9400001 2"
	[ipv6-ext.pcap]=""
	[icmp.pcap]=""
	# 9 queries (8 UDP, 1 TCP), all under demo.example; "_http._tcp.demo.example" does not
	# start with "_tcp." (9400021)
	[dns.pcap]="9400020 9"
	[tls.pcap]="9400030 1 9400031 1"
	# one defect per packet, 14 with a decoder event (15: checksums are not checked on files,
	# 16: well formed)
	[malformed.pcap]="9300010 1 9300022 1 9300024 1 9300020 1 9300040 1 9300041 1 9300042 1 9300050 1 9300051 1 9300030 1 9300032 1 9300033 1 9300011 1 9300060 1"
	# the GET of http.pcap's first connection, the answer cut off
	[truncated-file.pcap]="9400001 1"
	# both banners at the start of their stream
	[proto-ssh.pcap]="9400043 2"
	# curl logs in as anonymous; vsftpd accepts it without PASS (9400041)
	[proto-ftp.pcap]="9400044 1"
	# Host 127.0.0.1:18081, User-Agent Wget/1.21.3, /wget.txt
	[http-wget.pcap]="9400005 1"
	# Host demo.example:18082, User-Agent spanwatch-test/1.0, /python.bin
	[http-python.pcap]="9400001 1 9400002 1"
	# crafted anomalies (pcaps/craft_rules.py): POST /smuggle with Content-Length and chunked
	# (9320018), GET /lf whose header lines end in a bare LF (9320001), one of them folded
	# (9320003), GET /odd with "X-Spaced :" (9320005) and a line without a colon (9320007)
	# answered with a chunk extension (9320027), a response with Content-Length twice
	# (9320022); each once. Its six hosts are under .example (9400001)
	[rules-http14.pcap]="9320018 1 9320001 1 9320003 1 9320005 1 9320007 1 9320027 1 9320022 1 9400001 6"
)
order=(http.pcap http6.pcap dns.pcap tls.pcap vlan.pcap ipv6-ext.pcap icmp.pcap malformed.pcap
	truncated-file.pcap proto-ssh.pcap proto-ftp.pcap http-wget.pcap http-python.pcap
	rules-http14.pcap)


if [ ! -x "$SPANWATCH" ]; then
	skip "no $SPANWATCH (build it first)"
	tap_done
	exit
fi

"$SPANWATCH" -T "${common[@]}" >"$tmp/T.out" 2>&1
rc=$?
# the files of the default detect.rule-files
nrules=$(cd "$top_srcdir/rules" && cat spanwatch.rules decoder-events.rules stream-events.rules \
	http-events.rules |
	grep -c '^[[:space:]]*\(alert\|pass\|drop\|reject\)')
if [ $rc -eq 0 ] && grep -q "^rules: $nrules loaded, 0 skipped (unsupported), 0 failed, 0 duplicate" "$tmp/T.out"; then
	ok "-T: the $nrules shipped rules load, 0 skipped, 0 failed"
else
	not_ok "-T: expected $nrules shipped rules loaded, 0 skipped, 0 failed (rc $rc)"
	diag <"$tmp/T.out"
fi

for pcap in "${order[@]}"; do
	for w in 1 3; do
		out="$tmp/$pcap.$w"
		if ! "$SPANWATCH" -q -r "$PCAPS/$pcap" --workers "$w" "${common[@]}" >"$out.json" 2>"$out.err"; then
			# truncated-file.pcap ends in the middle of a record: spanwatch says so
			[ "$pcap" = truncated-file.pcap ] || { not_ok "$pcap: spanwatch failed (workers $w)"; diag <"$out.err"; }
		fi
		alert_counts "$out.json" >"$out.counts"
	done
	printf '%s %s\n' ${want[$pcap]} | sed '/^ *$/d' | sort >"$tmp/want"
	sort "$tmp/$pcap.1.counts" >"$tmp/got"
	if cmp -s "$tmp/want" "$tmp/got"; then
		list=$(tr '\n' ' ' <"$tmp/want")
		ok "$pcap: alerts per sid: ${list:-none}"
	else
		not_ok "$pcap: alerts per sid differ (< expected, > got)"
		diff "$tmp/want" "$tmp/got" | grep '^[<>]' | diag
	fi
	if cmp -s "$tmp/$pcap.1.counts" "$tmp/$pcap.3.counts"; then
		ok "$pcap: same alerts with 3 workers"
	else
		not_ok "$pcap: alerts differ with 3 workers"
		diff "$tmp/$pcap.1.counts" "$tmp/$pcap.3.counts" | grep '^[<>]' | diag
	fi
done
tap_done
