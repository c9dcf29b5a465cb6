#!/usr/bin/env bash
# tests/detect/geoip.sh: the geoip keyword's database (geoip-database, src/detect/detect_geoip.c)
# with mmdblookup (Debian mmdb-bin) as the oracle. tests/detect/geoip-db.pl writes a small
# country database at test time; then:
#  - mmdblookup reads back the countries kw-geoip.rules assumes;
#  - for every IPv4 packet the packet rules see in a few captures (tshark gives the addresses,
#    mmdblookup their countries), the expected count of geoip:src,CC and geoip:dst,CC for each
#    country is computed here and compared with spanwatch's alerts;
#  - a rule with geoip and no database is skipped with the reason, counted under geoip; a
#    database that is missing, not a MaxMind DB or a directory is a start-up error naming it.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
require_spanwatch
for t in mmdblookup tshark perl; do
	if ! command -v "$t" >/dev/null; then
		skip "no $t (contrib/setup installs mmdb-bin, tshark, libmaxmind-db-writer-perl)"
		tap_done
		exit
	fi
done
db="$tmp/geo.mmdb"
if ! perl "$top_srcdir/tests/detect/geoip-db.pl" "$db" 2>"$tmp/db.err"; then
	not_ok "geoip-db.pl writes the database"
	diag <"$tmp/db.err"
	tap_done
	exit
fi
ok "geoip-db.pl writes the database ($(wc -c <"$db") bytes)"

# The country mmdblookup gives an address: the code, or "-" (no entry, or no country code).
country() {
	mmdblookup --file "$db" --ip "$1" country iso_code 2>/dev/null |
		sed -n 's/^ *"\([^"]*\)" <utf8_string>.*/\1/p' | head -n 1 | grep . || echo -
}

# ---- the oracle agrees with what kw-geoip.rules' counts assume ----
for pair in 10.0.0.1=US 10.0.0.2=JP 10.0.0.3=DE 10.0.0.0=JP 127.0.0.1=FR 127.3.4.5=FR \
	10.98.0.1=- 10.98.0.2=- fd00::1=US fd00::2=JP 192.0.2.1=-; do
	a=${pair%%=*} want=${pair#*=}
	got=$(country "$a")
	check "mmdblookup: $a is $want" test "$got" = "$want"
done
mmdblookup --file "$db" --ip 10.98.0.1 >"$tmp/entry" 2>&1
check "mmdblookup: 10.98.0.1 has an entry (a continent) without a country" grep -q '"AS"' "$tmp/entry"

# ---- per country, counts from tshark + mmdblookup against spanwatch ----
countries="US JP DE FR"
rules="$tmp/cc.rules"
: >"$rules"
sid=100
for cc in $countries; do
	echo "alert ip any any -> any any (msg:\"src $cc\"; geoip:src,$cc; sid:$sid;)" >>"$rules"
	echo "alert ip any any -> any any (msg:\"dst $cc\"; geoip:dst,$cc; sid:$((sid + 1));)" >>"$rules"
	echo "alert ip any any -> any any (msg:\"both !$cc\"; geoip:both,!$cc; sid:$((sid + 2));)" >>"$rules"
	sid=$((sid + 10))
done
for pcap in rules-hdr.pcap icmp.pcap proto-ntp.pcap; do
	# the IPv4 packets the packet rules see: every packet, fragments included (Suricata 7
	# inspects each fragment), and once more each last fragment, which stands for the datagram
	# rebuilt from them; an ICMP error's first addresses are its own; a source-routed packet's
	# header destination is ip.cur_rt (tshark's ip.dst is the route's last hop)
	tshark -r "$PCAPS/$pcap" -Y 'ip || (ip && ip.flags.mf == 0 && ip.frag_offset > 0)' \
		-T fields -E occurrence=f -e ip.src -e ip.dst -e ip.cur_rt -e ip.flags.mf \
		-e ip.frag_offset 2>/dev/null |
		awk -F '\t' '{a = $1 " " ($3 != "" ? $3 : $2); print a; if ($4 == "0" && $5 + 0 > 0) print a}' \
		>"$tmp/addrs"
	: >"$tmp/expect"
	sid=100
	for cc in $countries; do
		s=0 d=0 nb=0
		while read -r src dst; do
			cs=$(country "$src") cd=$(country "$dst")
			[ "$cs" = "$cc" ] && s=$((s + 1))
			[ "$cd" = "$cc" ] && d=$((d + 1))
			[ "$cs" != - ] && [ "$cd" != - ] && [ "$cs" != "$cc" ] && [ "$cd" != "$cc" ] &&
				nb=$((nb + 1))
		done <"$tmp/addrs"
		echo "$sid $s" >>"$tmp/expect"
		echo "$((sid + 1)) $d" >>"$tmp/expect"
		echo "$((sid + 2)) $nb" >>"$tmp/expect"
		sid=$((sid + 10))
	done
	"$SPANWATCH" -q -S "$rules" -r "$PCAPS/$pcap" "${rule_opts[@]}" --set "geoip-database=$db" \
		>"$tmp/out.json" 2>"$tmp/out.err" || not_ok "spanwatch on $pcap"
	alert_counts "$tmp/out.json" >"$tmp/counts"
	while read -r s want; do
		count_is "$pcap: sid $s ($(sed -n "s/.*msg:\"\([^\"]*\)\".*sid:$s;.*/\1/p" "$rules")), alerts as tshark + mmdblookup count" \
			"$want" "$(awk -v s="$s" '$1 == s {print $2}' "$tmp/counts")"
	done <"$tmp/expect"
done

# ---- no database: the rule is skipped with the reason ----
printf 'alert ip any any -> any any (msg:"geo"; geoip:src,US; sid:1;)\nalert ip any any -> any any (msg:"ok"; ttl:64; sid:2;)\n' >"$tmp/g.rules"
"$SPANWATCH" -T -v -S "$tmp/g.rules" "${rule_opts[@]}" >"$tmp/t.out" 2>&1
check "no database: -T exits 0" test $? -eq 0
check "no database: 1 loaded, 1 skipped" grep -q "rules: 1 loaded, 1 skipped (unsupported), 0 failed" "$tmp/t.out"
check "no database: counted under geoip" grep -q "rules: skipped 1 for geoip" "$tmp/t.out"
check "no database: the reason names the key" grep -q "g.rules:1: rule skipped: unsupported keyword 'geoip': no geoip-database configured" "$tmp/t.out"
"$SPANWATCH" -T -S "$tmp/g.rules" "${rule_opts[@]}" --set "geoip-database=$db" >"$tmp/t2.out" 2>&1
check "with the database: both load" grep -q "rules: 2 loaded, 0 skipped (unsupported), 0 failed" "$tmp/t2.out"
"$SPANWATCH" -T -S "$tmp/g.rules" "${rule_opts[@]}" --set "geoip-database=" >"$tmp/t3.out" 2>&1
check "geoip-database empty: no database" grep -q "rules: skipped 1 for geoip" "$tmp/t3.out"

# ---- a database that cannot be used: a start-up error naming it ----
echo "not a database" >"$tmp/text.mmdb"
for bad in "$tmp/missing.mmdb:No such file or directory" \
	"$tmp/text.mmdb:not a MaxMind DB file: The MaxMind DB file contains invalid metadata" \
	"$tmp:is a directory, not a MaxMind DB file"; do
	path=${bad%%:*} why=${bad#*:}
	"$SPANWATCH" -T -S "$tmp/g.rules" "${rule_opts[@]}" --set "geoip-database=$path" >"$tmp/b.out" 2>&1
	rc=$?
	check "bad database ${path##*/}: -T fails" test $rc -ne 0
	check "bad database ${path##*/}: the message names it" grep -qF "geoip-database $path: $why" "$tmp/b.out"
done
tap_done
