#!/usr/bin/env bash
# tests/pcap/dns_questions.sh: DNS queries with several questions (issue 14), tshark as the
# oracle on pcaps/dns-questions.pcap (craft_dnsq.py): a query makes one EVE dns event per
# question (Suricata 7's eve dns version 2: rs_dns_log_json_query over each question), the first
# 8 of a message's questions kept (app.dns.questions_dropped counts the rest); a response one
# answer event; every question's name an indicator observable (matched_on dns.query), 1 and 3
# workers alike.
. "$(dirname "$0")/../lib.sh"
require_spanwatch
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
pcap="$PCAPS/dns-questions.pcap"
max=8 # APP_DNS_MAX_Q

# tshark: "query ID NAME TYPE" per question kept (the first 8 of each query) and "answer ID"
# per response
tshark -r "$pcap" -T fields -e dns.flags.response -e dns.id -e dns.qry.name \
	-e dns.qry.type 2>/dev/null | "$PY" -c 'import sys
types = {"1": "A", "28": "AAAA", "15": "MX", "16": "TXT"}
for line in sys.stdin:
    resp, qid, names, qtypes = line.rstrip("\n").split("\t")
    if resp == "1":
        print("answer", int(qid, 16))
        continue
    for name, t in list(zip(names.split(","), qtypes.split(",")))[:'$max']:
        print("query", int(qid, 16), name, types.get(t, t))' | sort >"$tmp/want"
nq=$(tshark -r "$pcap" -Y 'dns.flags.response == 0' -T fields -e dns.count.queries 2>/dev/null |
	awk -v m=$max '{k += ($1 > m ? m : $1); d += ($1 > m ? $1 - m : 0)} END {print k, d}')
set -- $nq
kept=$1 dropped=$2
check "tshark: $kept questions to keep, $dropped beyond $max (2 + 3 + 8, 2)" [ "$kept $dropped" = "13 2" ]

cat >"$tmp/ind.csv" <<'CSV'
type,value,source,confidence,tags,id
domain,second.multi.example,unit-test,80,dns,ind-2nd
domain,gamma.multi.example,unit-test,80,dns,ind-3rd
domain,q7.multi.example,unit-test,80,dns,ind-8th
domain,q9.multi.example,unit-test,80,dns,ind-10th
domain,delta.multi.example,unit-test,80,dns,ind-none
CSV
for w in 1 3; do
	"$SPANWATCH" --set detect.enabled=no -r "$pcap" --workers "$w" --indicators "$tmp/ind.csv" \
		>"$tmp/eve$w.json" 2>"$tmp/err$w"
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "dns":
        d = e["dns"]
        if d["type"] == "query":
            print("query", d["id"], d["rrname"], d["rrtype"])
        else:
            print("answer", d["id"])' "$tmp/eve$w.json" | sort >"$tmp/got$w"
	if cmp -s "$tmp/want" "$tmp/got$w"; then
		ok "eve dns: one query event per question kept, one answer event per response ($(wc -l <"$tmp/got$w") events, $w workers)"
	else
		not_ok "eve dns events differ from tshark ($w workers)"
		diff "$tmp/want" "$tmp/got$w" | diag
	fi
	got=$(stats_value "$tmp/eve$w.json" app.dns.questions_dropped)
	check "app.dns.questions_dropped: $got ($w workers)" [ "$got" = "$dropped" ]
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        print(e["cti"]["matched_on"], e["cti"]["indicator"], e["src_port"], e["dest_port"])' "$tmp/eve$w.json" |
		sort >"$tmp/cti$w"
	# the 2nd question of the first query, the 3rd of the second, the 8th of the third: one
	# alert per flow and indicator (the query's client port 409xx to port 53)
	printf '%s\n' "dns.query gamma.multi.example 40901 53" "dns.query q7.multi.example 40902 53" \
		"dns.query second.multi.example 40900 53" >"$tmp/ctiwant"
	if cmp -s "$tmp/ctiwant" "$tmp/cti$w"; then
		ok "cti: the 2nd, 3rd and 8th questions are observables; the 10th (not kept) and an absent name are not ($w workers)"
	else
		not_ok "cti alerts ($w workers)"
		diff "$tmp/ctiwant" "$tmp/cti$w" | diag
	fi
done
tap_done
