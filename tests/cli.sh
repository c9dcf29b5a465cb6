#!/usr/bin/env bash
# tests/cli.sh: the command line as a user meets it: options, config checking with file:line
# messages, bad inputs (missing file, truncated capture, bad filter), directories of captures,
# the file sink, event type selection, BPF from the arguments and privilege dropping.
. "$(dirname "$0")/lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
sw() { "$SPANWATCH" "$@" >"$tmp/out" 2>"$tmp/err"; }
has() { grep -q -- "$1" "$2"; }
events() { "$PY" -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e["event_type"]==sys.argv[2]: n+=1
print(n)' "$tmp/out" "$1"; }

sw -V
check "-V prints the version" has "^spanwatch [0-9]" "$tmp/out"
sw -h
ok_all=1
for o in -r -i -c --set -T -l -k --workers --snaplen --bpf --user --group --pidfile -v -q -V -h; do
	grep -q -- " $o" "$tmp/out" || { ok_all=0; echo "# -h does not mention $o"; }
done
check "-h lists every option" test $ok_all -eq 1
sw
check "no input: exit 1 with a hint" test $? -eq 1
check "no input: message says -r or -i" has "give -r FILE or -i IFACE" "$tmp/err"

sw -c "$top_srcdir/conf/spanwatch.yaml" -T
check "-T accepts the shipped config" test $? -eq 0
printf 'flow:\n  memcap: 64mb\n  timeout:\n    tcp:\n      neww: 5\noutputs:\n  eve:\n    types: [flow, alerts]\n' >"$tmp/bad.yaml"
sw -c "$tmp/bad.yaml" -T
check "-T rejects a bad config" test $? -eq 1
check "unknown key named with file:line and a suggestion" \
	has "bad.yaml:5: unknown key 'flow.timeout.tcp.neww' (did you mean 'flow.timeout.tcp.new'?)" "$tmp/err"
check "bad event type named with file:line" has "bad.yaml:8: key 'outputs.eve.types': unknown event type 'alerts'" "$tmp/err"
printf 'flow:\n  memcap: [1, 2\n' >"$tmp/syntax.yaml"
sw -c "$tmp/syntax.yaml" -T
check "YAML syntax error names the file" has "syntax.yaml:" "$tmp/err"
sw -c "$tmp/nonexistent.yaml" -T
check "missing config file is an error naming it" has "nonexistent.yaml" "$tmp/err"
sw --set flow.hash-size=12 -T
check "--set value out of bounds is reported" has "key 'flow.hash-size': value 12 is out of range" "$tmp/err"
sw --workers 1000 -T
check "--workers out of range is reported" has "key 'workers'" "$tmp/err"
sw -k maybe -T
check "-k with a bad value lists the choices" has "decode.checksum-validation" "$tmp/err"

printf 'outputs:\n  kafka:\n    properties:\n      linger.mss: 5\n' >"$tmp/kprop.yaml"
sw -c "$tmp/kprop.yaml" -T
check "an unknown librdkafka property is named with file:line" \
	has "kprop.yaml:4: key 'outputs.kafka.properties.linger.mss': No such configuration property" "$tmp/err"
printf 'cti:\n  kafka:\n    topic: intel\n    properties:\n      fetch.wait.max.ms: soon\n' >"$tmp/ckprop.yaml"
sw -c "$tmp/ckprop.yaml" -T
rc=$?
check "-T: a bad cti.kafka.properties value is named with file:line" \
	has "ckprop.yaml:5: key 'cti.kafka.properties.fetch.wait.max.ms': " "$tmp/err"
check "-T: a bad cti.kafka.properties value fails the check" test "$rc" != 0

sw -r "$tmp/nope.pcap"
check "missing capture file: exit 1" test $? -eq 1
check "missing capture file is named" has "nope.pcap" "$tmp/err"
printf 'not a pcap at all, just text\n' >"$tmp/garbage.pcap"
sw -r "$tmp/garbage.pcap"
check "a file that is not a capture is reported" has "garbage.pcap: cannot read capture" "$tmp/err"

sw -r "$PCAPS/truncated-file.pcap"
check "truncated capture: exit 0, what was read stands" test $? -eq 0
check "truncated capture: warning names the file and the packet count" \
	has "truncated-file.pcap: stopped after 4 packets" "$tmp/err"
check "truncated capture: the flow of the first packets is reported" test "$(events flow)" -eq 1

sw -r "$PCAPS/truncated-file.pcap" -r "$PCAPS/dns.pcap"
check "a truncated file does not stop the next one" test "$(events flow)" -eq 10

mkdir "$tmp/dir"
cp "$PCAPS/dns.pcap" "$tmp/dir/b.pcap"
cp "$PCAPS/http.pcap" "$tmp/dir/a.pcap"
sw -r "$tmp/dir" --workers 1
check "-r DIR reads every capture in it" test "$(events flow)" -eq 14
# anomaly events leave as packets are read: the first names the first file read, the last
# the last one
cp "$PCAPS/malformed.pcap" "$tmp/dir/0.pcap"
cp "$PCAPS/malformed.pcap" "$tmp/dir/z.pcap"
sw -r "$tmp/dir" --workers 1 --set 'outputs.eve.types=[anomaly]'
order=$("$PY" -c 'import json,sys
names = [json.loads(l)["pcap_filename"].rsplit("/", 1)[1] for l in open(sys.argv[1])]
print(names[0], names[-1])' "$tmp/out")
rm -f "$tmp/dir/0.pcap" "$tmp/dir/z.pcap"
check "-r DIR reads files in name order" test "$order" = "0.pcap z.pcap"
mkdir "$tmp/empty"
sw -r "$tmp/empty"
check "-r of an empty directory is an error" has "no capture files" "$tmp/err"

sw -r "$PCAPS/dns.pcap" udp
check "a BPF filter from the arguments applies" test "$(events flow)" -eq 8
sw -r "$PCAPS/dns.pcap" --bpf 'tcp port 15353'
check "--bpf applies" test "$(events flow)" -eq 1
sw -r "$PCAPS/dns.pcap" 'port nonsense'
check "a bad BPF filter is an error" test $? -eq 1
check "a bad BPF filter is named" has "BPF filter 'port nonsense'" "$tmp/err"

sw -r "$PCAPS/malformed.pcap" --set 'outputs.eve.types=[anomaly]'
check "event types select what is written" test "$(events anomaly)" -eq 14 -a "$(events flow)" -eq 0 -a "$(events stats)" -eq 0

mkdir "$tmp/logs"
sw -r "$PCAPS/http.pcap" -l "$tmp/logs"
check "-l DIR writes DIR/eve.json" test -s "$tmp/logs/eve.json"
check "-l DIR leaves stdout empty" test ! -s "$tmp/out"
check "the human summary goes to stderr" has "62 packets, 211475 bytes" "$tmp/err"
sw -r "$PCAPS/http.pcap" -l "$tmp/nodir"
check "-l to a missing directory is an error" has "nodir/eve.json" "$tmp/err"

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	mkdir "$tmp/priv" && chmod 777 "$tmp/priv"
	sw -r "$PCAPS/http.pcap" -l "$tmp/priv" --user nobody -v
	check "--user drops to that user after opening files" has "running as user nobody" "$tmp/err"
	check "events are written after the drop" test -s "$tmp/priv/eve.json"
	sw -r "$PCAPS/http.pcap" --user no-such-user-here
	check "--user of an unknown user is an error" has "no such user 'no-such-user-here'" "$tmp/err"
else
	skip "privilege drop needs root and the user nobody"
fi
sw -r "$PCAPS/http.pcap" --pidfile "$tmp/pid"
check "--pidfile is removed at exit" test ! -e "$tmp/pid"

# the parsers' memory: charged while flows live, all given back when they end; a small cap is
# refused (counted), never a crash
for cap in 256mb 64kb; do
	"$SPANWATCH" -r "$PCAPS/http.pcap" -r "$PCAPS/tls.pcap" -r "$PCAPS/dns.pcap" \
		-r "$PCAPS/http-gzip.pcap" --set app.memcap=$cap >"$tmp/mem-$cap.json" 2>/dev/null
	check "app.memcap=$cap: the run completes" test $? -eq 0
	read -r use refused < <("$PY" -c 'import json,sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"stats\"" in l][-1]["stats"]["app"]
print(s["memuse"], s["memcap_refused"])' "$tmp/mem-$cap.json")
	check "app.memcap=$cap: every byte charged is given back at the end ($use)" test "$use" -eq 0
	if [ "$cap" = 64kb ]; then
		check "app.memcap=64kb: refusals are counted ($refused)" test "$refused" -gt 0
	else
		check "app.memcap=256mb: nothing refused ($refused)" test "$refused" -eq 0
	fi
done

# the systemd unit make builds: its paths filled in, and systemd finds nothing wrong with it
unit="$top_builddir/spanwatch.service"
check "the systemd unit is built with its paths filled in" \
	test -f "$unit" -a -z "$(grep '@[a-z]*@' "$unit" 2>/dev/null)"
if command -v systemd-analyze >/dev/null 2>&1 && [ -f "$unit" ]; then
	bin=$(sed -n 's|^ExecStart=\([^ ]*\) .*|\1|p' "$unit")
	sed "s|$bin|$SPANWATCH|g" "$unit" >"$tmp/spanwatch.service"
	out=$(systemd-analyze verify --man=no "$tmp/spanwatch.service" 2>&1)
	check "systemd-analyze verify finds nothing to say about the unit" test -z "$out"
	[ -z "$out" ] || echo "$out" | diag
else
	skip "systemd-analyze is not installed"
fi
# issue 11, point 1: from the build tree the shipped rules and class files are found without flags
sw -r "$PCAPS/http.pcap"
check "build tree: the shipped rules load without --set" has "rules: [1-9][0-9]* loaded, 0 skipped, 0 failed" "$tmp/err"
check "build tree: no warning about missing class or rule files" test -z "$(grep -E 'cannot read|No such file' "$tmp/err")"
check "build tree: rule alerts carry their category" \
	test "$(grep '"event_type":"alert"' "$tmp/out" | grep -c '"category":"Potential Corporate Privacy Violation"')" -gt 0
# point 8: the summary line counts alerts and events written
n_alerts=$(grep -c '"event_type":"alert"' "$tmp/out")
n_events=$(wc -l <"$tmp/out")
check "summary: alerts (rules and CTI) and events written" \
	has "; $n_alerts alerts (rules and CTI), $n_events events written;" "$tmp/err"

# point 2: -T does what the start does, short of capturing
sw -T
check "-T: the built-in defaults are valid" test $? -eq 0
sw -T --indicators "$tmp/nope.csv"
check "-T: a feed that does not exist fails" test $? -eq 1
check "... named" has "nope.csv" "$tmp/err"
sw -T --indicators "$top_srcdir/conf/cti/example.csv"
check "-T: a good feed loads, with its summary" test $? -eq 0
check "... the summary is printed" has "cti: feed 'example.csv' (csv" "$tmp/err"
sw -T --set outputs.kafka.enabled=yes
check "-T: Kafka enabled without brokers fails" test $? -eq 1
check "... saying so" has "outputs.kafka.brokers is not set" "$tmp/err"
sw -T --set outputs.kafka.enabled=yes --set outputs.kafka.brokers=127.0.0.1:1 \
	--set "outputs.kafka.spool.dir=$tmp/no/such/spool"
check "-T: a spool directory that cannot be created fails" test $? -eq 1
check "... named" has "outputs.kafka.spool.dir.*$tmp/no/such" "$tmp/err"
sw -T --set outputs.kafka.enabled=yes --set outputs.kafka.brokers=127.0.0.1:1 \
	--set "outputs.kafka.spool.dir=$tmp/spool"
check "-T: a spool directory that can be created passes (and is not made)" \
	test $? -eq 0 -a ! -e "$tmp/spool"
sw -T -l "$tmp/missing"
check "-T: -l on a missing directory fails" test $? -eq 1
check "... named" has "outputs.log-dir: $tmp/missing" "$tmp/err"
sw -T --user no-such-user-spanwatch
check "-T: run-as.user naming no user fails" test $? -eq 1
check "... named" has "no such user 'no-such-user-spanwatch'" "$tmp/err"
sw -T -r "$tmp/missing.pcap"
check "-T: a capture file that does not exist fails" test $? -eq 1

# point 6: conflicting and misleading options
sw -r "$PCAPS/http.pcap" -i lo
check "-r with -i is refused" test $? -eq 1
check "... saying why" has "-r and -i cannot be used together" "$tmp/err"
sw -k maybe -r "$PCAPS/http.pcap"
check "-k maybe: the error names -k" has "error: -k: key 'decode.checksum-validation': value 'maybe'" "$tmp/err"
check "... not --set" test -z "$(grep -e '--set' "$tmp/err")"
sw --workers many -r "$PCAPS/http.pcap"
check "--workers many: the error names --workers" has "error: --workers: key 'workers'" "$tmp/err"

# point 10: the shipped spanwatch.yaml shows the defaults: it changes nothing
norm() { grep -v '"event_type":"stats"' | sed 's/"event_id":"[^"]*",//' | sort; }
"$SPANWATCH" --workers 1 -r "$PCAPS/http.pcap" -r "$PCAPS/dns.pcap" -r "$PCAPS/tls.pcap" 2>/dev/null |
	norm >"$tmp/nodefaults"
"$SPANWATCH" --workers 1 -c "$top_srcdir/conf/spanwatch.yaml" -r "$PCAPS/http.pcap" \
	-r "$PCAPS/dns.pcap" -r "$PCAPS/tls.pcap" 2>/dev/null | norm >"$tmp/yamldefaults"
check "conf/spanwatch.yaml gives the same events as the built-in defaults" \
	cmp -s "$tmp/nodefaults" "$tmp/yamldefaults"
check "... and they are not empty" test -s "$tmp/nodefaults"
check "the systemd unit documents itself with the man page" \
	grep -q '^Documentation=man:spanwatch(8)' "$top_srcdir/conf/spanwatch.service.in"
tap_done
