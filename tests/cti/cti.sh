#!/usr/bin/env bash
# tests/cti/cti.sh: threat-intelligence indicators on real captures: every match point that has
# a parser (flow addresses, DNS query names and answers, TLS SNI and JA3) raises one alert per
# flow and indicator with the right matched_on and provenance; near misses raise nothing; bad
# feeds are reported; SIGHUP reloads the indicators while a capture runs, without losing a
# packet, and matches switch over to the new set.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
alerts() { # EVE file -> "matched_on indicator src_port" lines, sorted
	"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        c = e["cti"]
        print(c["matched_on"], c["indicator"], e.get("src_port", "-"), c["feed"], c["confidence"], "|".join(c["tags"]))' "$1" | sort
}

cat >"$tmp/planted.csv" <<'CSV'
type,value,source,confidence,tags,id
domain,demo.example,unit-test,80,dns|planted,ind-1
ipv6,2001:db8::10,unit-test,70,answer,ind-2
ipv4,10.0.0.0/24,unit-test,60,icmp,ind-3
ja3,0149f47eabf9a20d0893e2a44e5a6323,unit-test,90,c2|tls,ind-4
CSV
"$SPANWATCH" --set detect.enabled=no -r "$PCAPS/dns.pcap" -r "$PCAPS/tls.pcap" -r "$PCAPS/icmp.pcap" --workers 1 \
	--indicators "$tmp/planted.csv" >"$tmp/eve.json" 2>"$tmp/err"
alerts "$tmp/eve.json" >"$tmp/alerts"
flows_dns=$(grep -c '"event_type":"flow".*"dest_port":15353' "$tmp/eve.json")
check "dns.query: one alert per DNS flow ($flows_dns flows)" \
	test "$(grep -c '^dns.query demo.example' "$tmp/alerts")" -eq "$flows_dns"
check "dns.answer: the AAAA answer 2001:db8::10 alerts once" \
	test "$(grep -c '^dns.answer 2001:db8::10' "$tmp/alerts")" -eq 1
check "tls.sni: tls.demo.example matches the domain demo.example" \
	test "$(grep -c '^tls.sni demo.example' "$tmp/alerts")" -eq 1
check "tls.ja3: the client's JA3 alerts with its tags" grep -q '^tls.ja3 0149f47eabf9a20d0893e2a44e5a6323 [0-9]* planted.csv 90 c2|tls$' "$tmp/alerts"
check "flow.src_ip: the ICMP flows from 10.0.0.0/24 alert once each" \
	test "$(grep -c '^flow.src_ip 10.0.0.0/24' "$tmp/alerts")" -eq 2
check "provenance: feed, confidence and tags of the CSV" grep -q '^dns.query demo.example [0-9]* planted.csv 80 dns|planted$' "$tmp/alerts"
check "alert events carry Suricata's alert fields and the cti id" "$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        a, c = e["alert"], e["cti"]
        assert a["gid"] == 1 and a["signature_id"] >= 9100000 and a["signature"].startswith("CTI "), a
        assert c["id"].startswith("ind-") and c["type"] in ("domain", "ipv4", "ipv6", "ja3"), c
        assert e["community_id"].startswith("1:"), e' "$tmp/eve.json"
check "flows with an alert say alerted: true" grep -q '"event_type":"flow".*"alerted":true' "$tmp/eve.json"

# HTTP: host, full URL (normalized: case, default port, dot segments) and file hashes.
sha=$("$SPANWATCH" --set detect.enabled=no -r "$PCAPS/http.pcap" 2>/dev/null | sed -n 's/.*"filename":"data.bin".*"sha256":"\([0-9a-f]*\)".*/\1/p' | head -n 1)
printf 'type,value\nurl,HTTP://Demo.Example:18080/./missing.html\nsha256,%s\n' "$sha" >"$tmp/http.csv"
"$SPANWATCH" --set detect.enabled=no -r "$PCAPS/http.pcap" --workers 1 --indicators "$tmp/http.csv" >"$tmp/eveh.json" 2>/dev/null
alerts "$tmp/eveh.json" >"$tmp/alertsh"
check "http.url: the normalized URL matches the request" grep -q '^http.url http://demo.example:18080/missing.html' "$tmp/alertsh"
check "file.sha256: the downloaded file's hash matches ($sha)" grep -q "^file.sha256 $sha" "$tmp/alertsh"
# issue 11, point 5: CTI alerts carry the app-layer object of what matched, as rule alerts do
check "a URL alert has the transaction's http object" \
	grep -q '"event_type":"alert".*"matched_on":"http.url".*"http":{"hostname":"demo.example"' "$tmp/eveh.json"
check "a file hash alert has the fileinfo object with the file name" \
	grep -q '"event_type":"alert".*"matched_on":"file.sha256".*"fileinfo":{"filename":"data.bin"' "$tmp/eveh.json"
printf 'demo.example\n' >"$tmp/host.txt"
"$SPANWATCH" --set detect.enabled=no -r "$PCAPS/http.pcap" --workers 1 --indicators "$tmp/host.txt" >"$tmp/eveh2.json" 2>/dev/null
check "http.host: one alert per HTTP flow (5)" test "$(alerts "$tmp/eveh2.json" | grep -c '^http.host demo.example')" -eq 5
printf 'url,http://demo.example:18080/data.bin?x=1\nurl,http://demo.example/data.bin\n' | sed '1i type,value' >"$tmp/nearurl.csv"
"$SPANWATCH" --set detect.enabled=no -r "$PCAPS/http.pcap" --workers 1 --indicators "$tmp/nearurl.csv" >"$tmp/eveh3.json" 2>/dev/null
check "near misses: a URL with another query or another port raises nothing" test "$(alerts "$tmp/eveh3.json" | wc -l)" -eq 0

# Near misses: none of these may match anything in these captures.
printf 'notdemo.example\nemo.example\ndemo.example.com\n10.0.1.0/24\n2001:db8::11\n' >"$tmp/near.txt"
"$SPANWATCH" --set detect.enabled=no -r "$PCAPS/dns.pcap" -r "$PCAPS/tls.pcap" -r "$PCAPS/icmp.pcap" --workers 1 \
	--indicators "$tmp/near.txt" >"$tmp/eve2.json" 2>/dev/null
check "near misses (notdemo.example, demo.example.com, the neighbouring /24, ...) raise nothing" \
	test "$(alerts "$tmp/eve2.json" | wc -l)" -eq 0

# Bad input: named with file:line, the rest of the feed still loads.
printf 'type,value\ndomain,ok.example\nipv4,300.1.2.3\nbogus,x\n' >"$tmp/bad.csv"
"$SPANWATCH" --set detect.enabled=no -r "$PCAPS/icmp.pcap" --indicators "$tmp/bad.csv" >/dev/null 2>"$tmp/err3"
check "a bad indicator line is reported with file:line" grep -q 'bad.csv:3' "$tmp/err3"
check "... and the good lines load" grep -q "domain 1" "$tmp/err3"
"$SPANWATCH" --set detect.enabled=no -r "$PCAPS/icmp.pcap" --indicators "$tmp/missing.csv" >/dev/null 2>"$tmp/err4"
check "a feed that cannot be read stops the start, named" test $? -ne 0 -a -n "$(grep missing.csv "$tmp/err4")"

# Reload while capturing: SIGHUP in a loop; flows before the switch alert, after it do not.
echo "192.0.2.1" >"$tmp/live.txt"
mkfifo "$tmp/feed"
"$SPANWATCH" --set detect.enabled=no -r "$tmp/feed" --workers 2 --indicators "$tmp/live.txt" --set flow.timeout.udp.new=1 \
	>"$tmp/eve3.json" 2>"$tmp/err5" &
pid=$!
( "$PY" "$top_srcdir/tests/kafka/feed.py" "$tmp/feed" 300 3 300 ) &
feeder=$!
sleep 1.5
echo "198.51.100.1" >"$tmp/live.txt"
for _ in $(seq 20); do kill -HUP "$pid" 2>/dev/null; sleep 0.05; done
wait "$feeder"
wait "$pid"
check "reloading in a loop: the capture ends cleanly" test $? -eq 0
check "reloading in a loop: no packet skipped (600 read, 600 decoded)" \
	grep -q '"capture":{"packets":600.*"decoder":{"pkts":600' "$tmp/eve3.json"
read -r before after < <("$PY" -c 'import json,sys
b = a = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        i = int(e["src_ip"].split(".")[2]) * 256 + int(e["src_ip"].split(".")[3])
        if i < 300: b += 1
        else: a += 1
print(b, a)' "$tmp/eve3.json")
check "before the reload every new flow to 192.0.2.1 alerts ($before of 300)" test "$before" -eq 300
check "after the reload none does ($after)" test "$after" -eq 0
check "the reload is logged with its version" grep -q "indicators reloaded (version" "$tmp/err5"
check "stats give the indicator set's version and size" grep -q '"cti":{"version":[0-9]*,"indicators":1,' "$tmp/eve3.json"

# A feed file replaced on disk (written aside, then renamed) is reloaded by itself.
echo "198.51.100.1" >"$tmp/watched.txt"
mkfifo "$tmp/feed2"
"$SPANWATCH" --set detect.enabled=no -r "$tmp/feed2" --workers 1 --indicators "$tmp/watched.txt" --set flow.timeout.udp.new=1 \
	>"$tmp/eve4.json" 2>"$tmp/err6" &
pid=$!
( "$PY" "$top_srcdir/tests/kafka/feed.py" "$tmp/feed2" 300 3 300 ) &
feeder=$!
sleep 1.5
echo "192.0.2.1" >"$tmp/watched.new" && mv "$tmp/watched.new" "$tmp/watched.txt"
wait "$feeder"
wait "$pid"
read -r before after < <("$PY" -c 'import json,sys
b = a = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        i = int(e["src_ip"].split(".")[2]) * 256 + int(e["src_ip"].split(".")[3])
        if i < 300: b += 1
        else: a += 1
print(b, a)' "$tmp/eve4.json")
check "a replaced feed file is reloaded without a signal (alerts before: $before, after: $after of 300)" \
	test "$before" -eq 0 -a "$after" -eq 300
check "the change is logged" grep -q "a feed file changed" "$tmp/err6"
# JA4 (issue 15): the ClientHello's JA4 (from tls.pcap and after STARTTLS in an SMTP flow); a
# plain list guesses the type; one character off matches nothing
printf 'type,value,source,confidence,tags\nja4,T13D3112H2_E8F1E7E78F70_B26CE05BBDD6,unit-test,70,ja4\n' >"$tmp/ja4.csv"
printf 't12d280700_d943125447b4_e7e480e5a997\nt13d041000_16476d049b0b_78f1d400d465\n' >"$tmp/ja4.txt"
"$SPANWATCH" --set detect.enabled=no -r "$PCAPS/tls.pcap" -r "$PCAPS/starttls-smtp.pcap" --workers 1 \
	--indicators "$tmp/ja4.csv" --indicators "$tmp/ja4.txt" >"$tmp/eve4.json" 2>"$tmp/err4"
alerts "$tmp/eve4.json" >"$tmp/alerts4"
check "tls.ja4: the CSV's JA4 (upper case) matches tls.pcap's ClientHello once" \
	test "$(grep -c '^tls.ja4 t13d3112h2_e8f1e7e78f70_b26ce05bbdd6 [0-9]* ja4.csv 70 ja4$' "$tmp/alerts4")" -eq 1
check "tls.ja4: a plain list's JA4 matches the TLS 1.2 hello after SMTP STARTTLS" \
	test "$(grep -c '^tls.ja4 t12d280700_d943125447b4_e7e480e5a997 [0-9]* ja4.txt' "$tmp/alerts4")" -eq 1
check "tls.ja4: one hex digit off matches nothing" \
	test "$(grep -c '78f1d400d46' "$tmp/alerts4")" -eq 0
check "tls.ja4: alerts have type ja4 and sid 9180000 + feed" "$PY" -c 'import json,sys
n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert" and e["cti"]["type"] == "ja4":
        assert e["alert"]["signature_id"] in (9180000, 9180001), e["alert"]
        n += 1
sys.exit(0 if n == 2 else 1)' "$tmp/eve4.json"
printf 'type,value\nja4,t13d3112h2_e8f1e7e78f70\n' >"$tmp/ja4bad.csv"
"$SPANWATCH" -T --indicators "$tmp/ja4bad.csv" >/dev/null 2>"$tmp/err4b" || true
check "a malformed JA4 is reported with file:line" grep -q 'ja4bad.csv:2.*not a JA4 fingerprint' "$tmp/err4b"
tap_done
