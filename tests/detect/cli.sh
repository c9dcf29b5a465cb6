#!/usr/bin/env bash
# tests/detect/cli.sh: loading rules from the command line and the config (-S only FILE, -s FILE
# too, detect.rule-files), the load summary of -T with skipped and failed rules named with
# file:line, the database cache, and SIGHUP reloading the rules while a capture runs (a rule
# set that cannot be loaded leaves the old one in use).
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
classes=(--set detect.classification-file="$top_srcdir/conf/classification.config"
	--set detect.reference-config-file="$top_srcdir/conf/reference.config")
# sids of the alerts of an EVE file, one per line
sids() { "$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        print(e["alert"]["signature_id"])' "$1"; }

cat >"$tmp/a.rules" <<'R'
alert dns any any -> any any (msg:"a: dns query"; dns.query; content:"demo.example"; endswith; sid:1; rev:1;)
R
cat >"$tmp/b.rules" <<'R'
alert dns any any -> any any (msg:"b: srv query"; dns.query; content:"_http._tcp"; startswith; sid:2; rev:1;)
R
cat >"$tmp/bad.rules" <<'R'
# a comment, then a good rule, an unsupported keyword, a malformed rule, a duplicate
alert dns any any -> any any (msg:"good"; dns.query; content:"www."; sid:10; rev:1;)
alert tcp any any -> any any (msg:"unsupported"; content:"x"; lua:script.lua; sid:11;)
alert tcp any any -> any any (msg:"broken"; content:"x; sid:12;)
alert dns any any -> any any (msg:"duplicate"; dns.query; content:"www."; sid:10; rev:2;)
alert tcp any any -> any any (msg:"continued over lines"; \
    content:"y"; sid:13;)
R
cat >"$tmp/conf.yaml" <<R
detect:
  default-rule-path: $tmp
  rule-files: [a.rules]
R

# -S loads only FILE, -s adds FILE to the config's list
"$SPANWATCH" -q -c "$tmp/conf.yaml" -r "$PCAPS/dns.pcap" "${classes[@]}" >"$tmp/e1.json" 2>"$tmp/err1"
check "the config's rule file loads (the 9 queries end in demo.example)" \
	test "$(sids "$tmp/e1.json" | grep -c '^1$')" -eq 9 -a "$(sids "$tmp/e1.json" | grep -c '^2$')" -eq 0
"$SPANWATCH" -q -c "$tmp/conf.yaml" -S "$tmp/b.rules" -r "$PCAPS/dns.pcap" "${classes[@]}" >"$tmp/e2.json" 2>/dev/null
check "-S FILE loads only FILE" \
	test "$(sids "$tmp/e2.json" | grep -c '^1$')" -eq 0 -a "$(sids "$tmp/e2.json" | grep -c '^2$')" -eq 1
"$SPANWATCH" -q -c "$tmp/conf.yaml" -s "$tmp/b.rules" -r "$PCAPS/dns.pcap" "${classes[@]}" >"$tmp/e3.json" 2>/dev/null
check "-s FILE adds FILE to the config's rules" \
	test "$(sids "$tmp/e3.json" | grep -c '^1$')" -eq 9 -a "$(sids "$tmp/e3.json" | grep -c '^2$')" -eq 1
"$SPANWATCH" -q -S "$tmp/nosuch.rules" -r "$PCAPS/dns.pcap" >/dev/null 2>"$tmp/err2"
check "-S with a file that cannot be read stops the start, named" \
	test $? -ne 0 -a -n "$(grep 'nosuch.rules' "$tmp/err2")"
"$SPANWATCH" -c "$tmp/conf.yaml" --set 'detect.rule-files=[a.rules,gone.rules]' -r "$PCAPS/dns.pcap" \
	"${classes[@]}" >"$tmp/e4.json" 2>"$tmp/err3"
check "a missing file of the config's list is a warning; the others load" \
	test $? -eq 0 -a "$(sids "$tmp/e4.json" | grep -c '^1$')" -eq 9
check "... the warning names the file" grep -q "gone.rules.*continuing without it" "$tmp/err3"

# -T: the load summary; bad rules named with file:line and the reason, the rest loads
"$SPANWATCH" -T -S "$tmp/bad.rules" "${classes[@]}" >"$tmp/t.out" 2>"$tmp/t.err"
rc=$?
check "-T exits 1 when a rule is malformed" test "$rc" -eq 1
check "-T: 2 loaded (the duplicate replaces the first), 1 skipped, 1 failed, 1 duplicate" \
	grep -q "rules: 2 loaded, 1 skipped (unsupported), 1 failed, 1 duplicate" "$tmp/t.err"
check "-T: the skipped rule is counted by its keyword" grep -q "skipped 1 for lua" "$tmp/t.err"
check "the malformed rule is named with file:line and the reason" \
	grep -q "bad.rules:4: rule skipped: content: unterminated quote" "$tmp/t.err"
check "the duplicate is named with both places" grep -q "bad.rules:5: duplicate signature 1:10 (first at .*bad.rules:2)" "$tmp/t.err"
"$SPANWATCH" -T -S "$tmp/a.rules" "${classes[@]}" >/dev/null 2>"$tmp/t2.err"
check "-T exits 0 on good rules" test $? -eq 0
"$SPANWATCH" -q -S "$tmp/bad.rules" -r "$PCAPS/dns.pcap" "${classes[@]}" >"$tmp/e5.json" 2>/dev/null
check "the duplicate with the higher rev is the one in use (alerts of sid 10 rev 2)" \
	grep -q '"signature_id":10,"rev":2' "$tmp/e5.json"

# a bad address variable is a configuration error, not a thousand skipped rules
"$SPANWATCH" -T -S "$tmp/a.rules" --set 'vars.address-groups.HOME_NET=10.0.0.0/33' >/dev/null 2>"$tmp/t3.err"
check "a bad HOME_NET stops the start, named" test $? -ne 0 -a -n "$(grep 'vars.address-groups.HOME_NET' "$tmp/t3.err")"

# the cache: the second start reads the databases the first one compiled
"$SPANWATCH" -v -T -S "$tmp/a.rules" --set detect.cache-dir="$tmp/cache" >/dev/null 2>"$tmp/c1.err"
"$SPANWATCH" -v -T -S "$tmp/a.rules" --set detect.cache-dir="$tmp/cache" >/dev/null 2>"$tmp/c2.err"
check "the first start compiles" grep -q "databases compiled" "$tmp/c1.err"
check "the second start reads the cache" grep -q "databases read from the cache" "$tmp/c2.err"
check "one cache file" test "$(ls "$tmp/cache" | wc -l)" -eq 1
printf 'garbage' >"$(ls -d "$tmp"/cache/*)"
"$SPANWATCH" -v -T -S "$tmp/a.rules" --set detect.cache-dir="$tmp/cache" >/dev/null 2>"$tmp/c3.err"
check "a corrupt cache file is compiled again" grep -q "databases compiled" "$tmp/c3.err"

# an alert of a rule on the raw stream of an HTTP flow carries the transaction under way
cat >"$tmp/raw.rules" <<'R'
alert tcp any any -> any 18080 (msg:"raw request"; flow:to_server; content:"data.bin"; sid:201;)
R
"$SPANWATCH" -q -S "$tmp/raw.rules" -r "$PCAPS/http.pcap" >"$tmp/e7.json" 2>/dev/null
check "a raw-stream alert on an HTTP flow has the http object of its transaction" \
	test "$("$PY" -c 'import json,sys
n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert" and e.get("http", {}).get("url") == "/data.bin":
        n += 1
print(n)' "$tmp/e7.json")" -eq 2

# SIGHUP while capturing: the new rules take over between packets; a rule set that cannot be
# loaded leaves the one in use
cat >"$tmp/live.rules" <<'R'
alert udp any any -> any 5353 (msg:"first rules"; content:"kafka feed"; sid:101; rev:1;)
R
mkfifo "$tmp/feed"
"$SPANWATCH" -r "$tmp/feed" --workers 2 -S "$tmp/live.rules" --set flow.timeout.udp.new=1 \
	>"$tmp/e6.json" 2>"$tmp/err6" &
pid=$!
( "$PY" "$top_srcdir/tests/kafka/feed.py" "$tmp/feed" 300 3 300 3 300 ) &
feeder=$!
sleep 1.5
sed 's/sid:101/sid:102/; s/first/second/' "$tmp/live.rules" >"$tmp/live.new" && mv "$tmp/live.new" "$tmp/live.rules"
kill -HUP "$pid"
sleep 3
rm -f "$tmp/live.rules"
kill -HUP "$pid"
wait "$feeder"
wait "$pid"
check "reloading rules: the capture ends cleanly" test $? -eq 0
check "the first 300 packets alert with the first rules" test "$(sids "$tmp/e6.json" | grep -c '^101$')" -eq 300
check "the next 600 with the reloaded rules, also after a failed reload" \
	test "$(sids "$tmp/e6.json" | grep -c '^102$')" -eq 600
check "the reload is logged" grep -q "rules reloaded: 1 rules" "$tmp/err6"
check "the failed reload is logged" grep -q "reload failed.*previous rules stay in use" "$tmp/err6"
check "stats count the reload and the failure" grep -q '"reloads":1,"reload_errors":1' "$tmp/e6.json"
# issue 11, point 3: strict syntax. A typo is an error printed with file:line (without -v) and
# -T exits 1; a Suricata keyword we do not support is a counted skip; -T then exits 0.
cat >"$tmp/strict.rules" <<'R'
alert tcp any any -> any any (msg:"good"; content:"x"; sid:30;)
alert htp any any -> any any (msg:"typo protocol"; content:"x"; sid:31;)
alert tcp any any -> any any (msg:"typo keyword"; contnet:"x"; sid:32;)
alert tcp any any -> any any (msg:"snort 3"; content:"x", nocase; sid:33;)
alert http any any -> any any (msg:"text" http.uri; content:"/data"; sid:34;)
alert tcp any any -> any any (msg:"no semicolon"; content:"x" nocase; sid:35;)
R
"$SPANWATCH" -T -S "$tmp/strict.rules" "${classes[@]}" >"$tmp/s.out" 2>"$tmp/s.err"
check "strict: -T exits 1 on syntax errors" test $? -eq 1
check "strict: unknown protocol, file:line" grep -q "strict.rules:2: rule skipped: unknown protocol 'htp'" "$tmp/s.err"
check "strict: unknown keyword, file:line" grep -q "strict.rules:3: rule skipped: unknown keyword 'contnet'" "$tmp/s.err"
check "strict: Snort 3 comma form" grep -q "strict.rules:4: rule skipped: content: ',' after the quoted value" "$tmp/s.err"
check "strict: missing ';' after msg names what follows" \
	grep -q "strict.rules:5: rule skipped: msg: missing ';' after the quoted value, before 'http.uri'" "$tmp/s.err"
check "strict: missing ';' after content" \
	grep -q "strict.rules:6: rule skipped: content: missing ';' after the quoted value, before 'nocase'" "$tmp/s.err"
check "strict: 1 loaded, 5 failed" grep -q "rules: 1 loaded, 0 skipped (unsupported), 5 failed" "$tmp/s.err"
"$SPANWATCH" -q -r "$PCAPS/http.pcap" -S "$tmp/strict.rules" "${classes[@]}" >/dev/null 2>"$tmp/s2.err"
check "strict: errors are printed without -v (even with -q)" grep -q "strict.rules:3: rule skipped" "$tmp/s2.err"
printf 'alert tcp any any -> any any (msg:"unsupported"; content:"x"; geoip:src,US; sid:40;)\nalert tcp any any -> any any (msg:"ok"; content:"x"; sid:41;)\n' >"$tmp/unsupp.rules"
"$SPANWATCH" -T -S "$tmp/unsupp.rules" "${classes[@]}" >/dev/null 2>"$tmp/u.err"
check "strict: a known Suricata keyword we do not support is a skip; -T exits 0" test $? -eq 0
check "... counted as unsupported" grep -q "rules: 1 loaded, 1 skipped (unsupported), 0 failed" "$tmp/u.err"
# requires (Suricata 7.0.3): a rule whose requirements are not met is skipped before it is
# parsed (a keyword we do not know is no error then), silently without -v, counted
printf 'alert tcp any any -> any any (msg:"new"; requires: version >= 8; some.future_kw; sid:50;)\nalert tcp any any -> any any (msg:"geoip"; requires: feature geoip; content:"x"; sid:51;)\nalert tcp any any -> any any (msg:"ok"; content:"x"; requires: version >= 7.0.3 < 8; sid:52;)\n' >"$tmp/req.rules"
"$SPANWATCH" -T -S "$tmp/req.rules" "${classes[@]}" >/dev/null 2>"$tmp/r.err"
check "requires: -T exits 0" test $? -eq 0
check "requires: 1 loaded, 2 skipped" grep -q "rules: 1 loaded, 2 skipped (unsupported), 0 failed" "$tmp/r.err"
check "requires: counted by keyword" grep -q "rules: skipped 2 for requires" "$tmp/r.err"
check "requires: no per-rule message without -v" test "$(grep -c "rule skipped" "$tmp/r.err")" -eq 0
# bypass: the flows a bypass rule took out are counted (kw-bypass.rules: the two HTTP
# conversations of rules-hdrbuf.pcap, bypassed at their SYN)
"$SPANWATCH" -r "$PCAPS/rules-hdrbuf.pcap" -S "$top_srcdir/tests/detect/keywords/kw-bypass.rules" \
	"${classes[@]}" >"$tmp/byp.json" 2>/dev/null
check "bypass: detect.bypassed counts the 2 flows" test "$("$PY" -c 'import json,sys
n = None
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "stats":
        n = e["stats"]["detect"]["bypassed"]
print(n)' "$tmp/byp.json")" = 2
tap_done
