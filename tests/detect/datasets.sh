#!/usr/bin/env bash
# tests/detect/datasets.sh: datasets beyond one replay (issue 14; kw-dataset.rules has the
# per-keyword counts). dns.pcap's 9 queries name 4 distinct names (demo.example, then
# www.demo.example, _http._tcp.demo.example, nosuch.demo.example): a "set" rule alerts on each
# new one. Checked here: a state file saved on exit and read at the next start (1 then 3
# workers), the config's datasets: section (load, save, defaults, bad keys named with
# file:line), a bad set file named with file:line, a set's memcap (the refusal counted in
# detect.memcap_refused), where save/state files may go, type ip's text form, iprep's files
# (bad lines named), and reloads while capturing: what a set learnt stays, a bad set file or
# reputation file refuses the reload and the rules in use (their sets and reputations) go on.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
common=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config"
	--set "detect.reference-config-file=$top_srcdir/conf/reference.config" --set "detect.data-dir=$tmp/data")
mkdir -p "$tmp/data"
b64() { printf '%s' "$1" | base64 -w0; echo; }
# count EVE SID: alerts of sid
count() { alert_counts "$1" | awk -v s="$2" '$1 == s {n = $2} END {print n + 0}'; }
# decoded FILE: the base64 lines of a set file, decoded and sorted, joined by spaces
decoded() { while read -r l; do printf '%s' "$l" | base64 -d; echo; done <"$1" | sort | tr '\n' ' '; }
names="_http._tcp.demo.example demo.example nosuch.demo.example www.demo.example "

# ---- state: saved on exit, read at the next start ----------------------------------------------
cat >"$tmp/state.rules" <<'R'
alert dns any any -> any any (msg:"new name"; dns.query; dataset:set,names, type string, state names.lst; sid:1;)
R
"$SPANWATCH" "${common[@]}" -S "$tmp/state.rules" -r "$PCAPS/dns.pcap" >"$tmp/s1.json" 2>"$tmp/s1.err"
check "state: 4 new names on the first run" test "$(count "$tmp/s1.json" 1)" -eq 4
if [ "$(decoded "$tmp/data/names.lst")" = "$names" ]; then
	ok "state: saved on exit to the data directory, base64 a line"
else
	not_ok "state: names.lst holds '$(decoded "$tmp/data/names.lst" 2>&1)'"
fi
"$SPANWATCH" "${common[@]}" -S "$tmp/state.rules" -r "$PCAPS/dns.pcap" --workers 3 >"$tmp/s2.json" 2>"$tmp/s2.err"
check "state: read at the next start (3 workers): no name is new" test "$(count "$tmp/s2.json" 1)" -eq 0
check "state: still the 4 names after the second run" test "$(decoded "$tmp/data/names.lst")" = "$names"
cat >"$tmp/t.rules" <<'R'
alert dns any any -> any any (msg:"t"; dns.query; dataset:set,tset, type string, save t.lst; sid:9;)
R
"$SPANWATCH" -T "${common[@]}" -S "$tmp/t.rules" >/dev/null 2>&1
check "save: -T loads the rule and writes no set file" test $? -eq 0 -a ! -e "$tmp/data/t.lst"

# ---- type ip: a 16-byte buffer (to_md5) is kept as an IPv6 address and saved as its text -------
cat >"$tmp/ip.rules" <<'R'
alert dns any any -> any any (msg:"new digest"; dns.query; to_md5; dataset:set,digests, type ip, state digests.lst; sid:12;)
R
"$SPANWATCH" "${common[@]}" -S "$tmp/ip.rules" -r "$PCAPS/dns.pcap" >"$tmp/ip1.json" 2>/dev/null
want=$(for n in $names; do printf '%s' "$n" | md5sum | cut -c1-32 | "$PY" -c 'import ipaddress, sys
print(ipaddress.IPv6Address(bytes.fromhex(sys.stdin.read().strip())))'; done | sort | tr '\n' ' ')
check "type ip: 4 new digests" test "$(count "$tmp/ip1.json" 12)" -eq 4
check "type ip: saved as IPv6 text" test "$(sort "$tmp/data/digests.lst" | tr '\n' ' ')" = "$want"
"$SPANWATCH" "${common[@]}" -S "$tmp/ip.rules" -r "$PCAPS/dns.pcap" >"$tmp/ip2.json" 2>/dev/null
check "type ip: read back, none is new" test "$(count "$tmp/ip2.json" 12)" -eq 0
printf '192.0.2.1\n300.1.2.3\n' >"$tmp/data/v4.lst"
echo 'alert dns any any -> any any (msg:"v4"; dns.query; dataset:isset,v4, type ipv4, state v4.lst; sid:13;)' >"$tmp/v4.rules"
"$SPANWATCH" -T "${common[@]}" -S "$tmp/v4.rules" >/dev/null 2>"$tmp/v4.err"
check "type ipv4: a bad address in a state file fails the rule, named" \
	grep -qF "$tmp/data/v4.lst:2: dataset 'v4' (ipv4): bad value '300.1.2.3': not an IPv4 address" "$tmp/v4.err"

# ---- the config's datasets: section ---------------------------------------------------------------
b64 demo.example >"$tmp/data/known.lst"
cat >"$tmp/c.yaml" <<'Y'
datasets:
  defaults:
    memcap: 1mb
    hashsize: 64
  known:
    type: string
    load: known.lst
  learnt:
    type: string
    save: learnt.lst
Y
cat >"$tmp/c.rules" <<'R'
alert dns any any -> any any (msg:"known"; dns.query; dataset:isset,known; sid:2;)
alert dns any any -> any any (msg:"learnt"; dns.query; dataset:set,learnt; sid:3;)
R
"$SPANWATCH" -c "$tmp/c.yaml" "${common[@]}" -S "$tmp/c.rules" -r "$PCAPS/dns.pcap" >"$tmp/c.json" 2>"$tmp/c.err"
check "config: a loaded set (demo.example, 5 queries)" test "$(count "$tmp/c.json" 2)" -eq 5
check "config: a set with save learns 4 names" test "$(count "$tmp/c.json" 3)" -eq 4
check "config: save writes them on exit" test "$(decoded "$tmp/data/learnt.lst")" = "$names"
"$SPANWATCH" -c "$tmp/c.yaml" "${common[@]}" -S "$tmp/c.rules" -r "$PCAPS/dns.pcap" >"$tmp/c2.json" 2>"$tmp/c2.err"
check "config: save alone does not load: 4 new names again" test "$(count "$tmp/c2.json" 3)" -eq 4
printf 'datasets:\n  bad:\n    load: x.lst\n' >"$tmp/bad1.yaml"
"$SPANWATCH" -T -c "$tmp/bad1.yaml" "${common[@]}" -S "$tmp/c.rules" >/dev/null 2>"$tmp/bad1.err"
check "config: a set without type stops the start, named with file:line" \
	test $? -ne 0 -a -n "$(grep "bad1.yaml:3: datasets.bad.type: missing" "$tmp/bad1.err")"
printf 'datasets:\n  bad:\n    type: string\n    colour: red\n' >"$tmp/bad2.yaml"
"$SPANWATCH" -T -c "$tmp/bad2.yaml" "${common[@]}" -S "$tmp/c.rules" >/dev/null 2>"$tmp/bad2.err"
check "config: an unknown key of a set, named with file:line" \
	test $? -ne 0 -a -n "$(grep "bad2.yaml:4: unknown key 'datasets.bad.colour'" "$tmp/bad2.err")"
{ b64 demo.example; echo 'not base64!'; } >"$tmp/data/broken.lst"
printf 'datasets:\n  broken:\n    type: string\n    load: broken.lst\n' >"$tmp/bad3.yaml"
"$SPANWATCH" -T -c "$tmp/bad3.yaml" "${common[@]}" -S "$tmp/c.rules" >/dev/null 2>"$tmp/bad3.err"
check "config: a bad line of a set file stops the start, named with file:line" \
	test $? -ne 0 -a -n "$(grep -F "broken.lst:2: dataset 'broken' (string): bad value 'not base64!'" "$tmp/bad3.err")"

# ---- a rule's set file: relative to the rule file, bad lines named -------------------------------
mkdir -p "$tmp/rules"
{ b64 demo.example; echo; b64 www.demo.example; echo 'zz'; } >"$tmp/rules/hosts.lst"
cat >"$tmp/rules/r.rules" <<'R'
alert dns any any -> any any (msg:"bad file"; dns.query; dataset:isset,hosts, type string, load hosts.lst; sid:4;)
R
"$SPANWATCH" -T "${common[@]}" -S "$tmp/rules/r.rules" >"$tmp/r.out" 2>"$tmp/r.err"
check "rule: a bad line of a set file fails the rule, -T exits 1" test $? -eq 1
check "rule: the message names the rule and the set file's line" \
	grep -qF "r.rules:1: rule skipped: $tmp/rules/hosts.lst:4: dataset 'hosts' (string): bad value 'zz': not base64" "$tmp/r.err"
sed -i '$d' "$tmp/rules/hosts.lst"
"$SPANWATCH" "${common[@]}" -S "$tmp/rules/r.rules" -r "$PCAPS/dns.pcap" >"$tmp/r.json" 2>"$tmp/r2.err"
check "rule: load is relative to the rule file's directory (7 queries)" test "$(count "$tmp/r.json" 4)" -eq 7

# ---- memcap: 128 buckets (1024 bytes) and 3 of the 4 names (16 + length bytes each) fit in 1130 --
cat >"$tmp/m.rules" <<'R'
alert dns any any -> any any (msg:"new"; dns.query; dataset:set,tiny, type string, memcap 1130, hashsize 128; sid:5;)
R
"$SPANWATCH" "${common[@]}" -S "$tmp/m.rules" -r "$PCAPS/dns.pcap" >"$tmp/m.json" 2>/dev/null
check "memcap: 3 names fit (1024 + 28 + 32 + 39 bytes), the 4th (35) is refused" test "$(count "$tmp/m.json" 5)" -eq 3
check "memcap: the refusal is counted in detect.memcap_refused" test "$(stats_value "$tmp/m.json" detect.memcap_refused)" = 1

sed 's/memcap 1130/memcap 1000/' "$tmp/m.rules" >"$tmp/m2.rules"
"$SPANWATCH" -T "${common[@]}" -S "$tmp/m2.rules" >/dev/null 2>"$tmp/m2.err"
check "memcap: smaller than the buckets, the rule fails, named" \
	grep -qF "dataset 'tiny': hashsize 128 needs 1024 bytes, more than its memcap (1000)" "$tmp/m2.err"

# ---- where save and state files may go ------------------------------------------------------------
cat >"$tmp/abs.rules" <<R
alert dns any any -> any any (msg:"abs"; dns.query; dataset:set,abs, type string, save $tmp/abs.lst; sid:6;)
R
"$SPANWATCH" -T "${common[@]}" -S "$tmp/abs.rules" >/dev/null 2>"$tmp/abs.err"
check "save: an absolute name is refused" grep -qF "dataset: '$tmp/abs.lst' must stay in the data directory" "$tmp/abs.err"
"$SPANWATCH" -T "${common[@]}" --set datasets.rules.allow-absolute-filenames=true -S "$tmp/abs.rules" >/dev/null 2>"$tmp/abs2.err"
check "save: allowed with datasets.rules.allow-absolute-filenames" test $? -eq 0
"$SPANWATCH" -T "${common[@]}" --set datasets.rules.allow-write=false -S "$tmp/state.rules" >/dev/null 2>"$tmp/w.err"
check "state: refused with datasets.rules.allow-write false" \
	grep -qF "dataset: 'state' is not allowed (datasets.rules.allow-write is false)" "$tmp/w.err"

# ---- iprep: the reputation files (kw-iprep.rules has the keyword's counts) ------------------------
kw="$top_srcdir/tests/detect/keywords"
ipr=(--set "reputation-categories-file=$kw/kw-iprep.categories" --set "default-reputation-path=$tmp")
printf '10.0.0.1,1,50\n10.0.0.0/33,1,10\n' >"$tmp/bad.list"
echo 'alert ip any any -> any any (msg:"x"; iprep:src,BadHosts,isset; sid:10;)' >"$tmp/ip.rules"
"$SPANWATCH" -T "${common[@]}" "${ipr[@]}" --set "reputation-files=[bad.list]" -S "$tmp/ip.rules" >/dev/null 2>"$tmp/ip1.err"
check "iprep: a bad line of a reputation file stops the start, named with file:line" \
	test $? -ne 0 -a -n "$(grep -F "$tmp/bad.list:2: bad address '10.0.0.0/33'" "$tmp/ip1.err")"
printf '10.0.0.1,7,50\n' >"$tmp/cat.list"
"$SPANWATCH" -T "${common[@]}" "${ipr[@]}" --set "reputation-files=[cat.list]" -S "$tmp/ip.rules" >/dev/null 2>"$tmp/ip2.err"
check "iprep: a category the categories file lacks, named with file:line" \
	grep -qF "$tmp/cat.list:1: category '7' is not in the categories file" "$tmp/ip2.err"
echo 'alert ip any any -> any any (msg:"x"; iprep:src,Nope,isset; sid:11;)' >"$tmp/ip2.rules"
"$SPANWATCH" -T "${common[@]}" "${ipr[@]}" -S "$tmp/ip2.rules" >/dev/null 2>"$tmp/ip3.err"
check "iprep: a rule naming an unknown category fails, named" \
	grep -qF "ip2.rules:1: rule skipped: iprep: unknown category 'Nope' (not in the categories file)" "$tmp/ip3.err"
"$SPANWATCH" -T "${common[@]}" -S "$tmp/ip.rules" >/dev/null 2>"$tmp/ip4.err"
check "iprep: without a categories file the rule fails, named" \
	grep -qF "ip.rules:1: rule skipped: iprep: no reputation-categories-file in the config" "$tmp/ip4.err"

# ---- a reload while capturing: what a set learnt stays; a bad set file is refused ---------------
# dnsfeed PATH: DNS queries over UDP from 10.8.0.1 to a FIFO, in four phases 2 s apart: n0..n4
# twice, then n0..n6 (n5, n6 new), n0..n7 (n7 new), n0..n8 (n8 new). 10 ms of packet time apart;
# UDP flows end after 1 s. Reloads between the phases: the first works, the second has a bad set
# file, the third a bad reputation file; both are refused and the rules in use go on.
cat >"$tmp/dnsfeed.py" <<'PYEOF'
import struct, sys, time
out = open(sys.argv[1], "wb", buffering=0)
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
t, i = 1700000000.0, 0
def query(name):
    global t, i
    q = b"".join(bytes([len(p)]) + p for p in name.encode().split(b".")) + b"\0"
    dns = struct.pack("!HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)
    udp = struct.pack("!HHHH", 30000 + i, 53, 8 + len(dns), 0) + dns
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     bytes([10, 8, 0, 1]), bytes([192, 0, 2, 53]))
    s = sum(struct.unpack("!10H", ip))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
    frame = b"\0" * 12 + b"\x08\x00" + ip + udp
    out.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame), len(frame)) + frame)
    t += 0.01
    i += 1
for phase in ([0, 1, 2, 3, 4] * 2, range(7), range(8), range(9)):
    for k in phase:
        query("n%d.example" % k)
    t += 5
    time.sleep(2)
PYEOF
cat >"$tmp/live.rules" <<'R'
alert dns any any -> any any (msg:"live new"; dns.query; dataset:set,live, type string, state live.lst; sid:7; rev:1;)
alert dns any any -> any any (msg:"live rep"; dns.query; content:"n0."; startswith; iprep:src,BadHosts,>,40; sid:14;)
R
printf '10.8.0.0/16,1,45\n' >"$tmp/live.list"
mkfifo "$tmp/feed"
"$SPANWATCH" "${common[@]}" "${ipr[@]}" --set "reputation-files=[live.list]" -r "$tmp/feed" --workers 2 \
	-S "$tmp/live.rules" --set flow.timeout.udp.new=1 >"$tmp/l.json" 2>"$tmp/l.err" &
pid=$!
"$PY" "$tmp/dnsfeed.py" "$tmp/feed" &
feeder=$!
sleep 1
sed -i 's/rev:1/rev:2/' "$tmp/live.rules"
kill -HUP "$pid"
sleep 2
echo zz >"$tmp/rules/broken.lst"
cat >>"$tmp/live.rules" <<R
alert dns any any -> any any (msg:"bad"; dns.query; dataset:isset,broken, type string, load $tmp/rules/broken.lst; sid:8;)
R
kill -HUP "$pid"
sleep 2
sed -i '/sid:8;/d' "$tmp/live.rules"
printf '10.8.0.0/16,1,45\n10.8.0.1,1,450\n' >"$tmp/live.list"
kill -HUP "$pid"
wait "$feeder"
wait "$pid"
check "reload: the capture ends cleanly" test $? -eq 0
check "reload: 9 names, each new once across the reloads (5 + 2 + 1 + 1)" test "$(count "$tmp/l.json" 7)" -eq 9
check "reload: iprep goes on through the refused reloads (n0: 2 + 1 + 1 + 1)" test "$(count "$tmp/l.json" 14)" -eq 5
check "reload: the bad reputation file refuses the reload, named" \
	grep -qF "live.list:2: bad score '450' (0 to 127)" "$tmp/l.err"
check "reload: two reloads refused" test "$(grep -c 'reload refused\|reload failed' "$tmp/l.err")" -eq 2
check "reload: the rules were reloaded" grep -q "rules reloaded: 2 rules" "$tmp/l.err"
check "reload: the bad set file refuses the reload, named" \
	grep -qF "broken.lst:1: dataset 'broken' (string): bad value 'zz'" "$tmp/l.err"
check "reload: the state file has the 9 names" test "$(wc -l <"$tmp/data/live.lst")" -eq 9
tap_done
