#!/usr/bin/env bash
# tests/pcap/gquic.sh: Google QUIC client hellos (pcaps/gquic.pcap, crafted by
# pcaps/craft_gquic.py: Q043 public header, Q046 long header, two CHLOs on one connection, a
# Q050 Initial protected with Q050's Initial keys, a T051 Initial). First tshark's gQUIC dissector must read the crafted packets as gQUIC with the
# SNI, UAID and tags the script meant; then every CHLO's quic event (version, sni, ua, cyu)
# must agree with tshark, the CYU string and MD5 computed here from tshark's tag list; the
# counters; indicators and quic.* rules.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed"
	tap_done
	exit 0
fi
pcap="$PCAPS/gquic.pcap"
# one line per CHLO: client port, version (gQUIC's header, or the IETF form's of Q050), tags,
# SNI, UAID (aggregated tag fields joined by ,); tshark decrypts Q050's Initial itself
tshark -r "$pcap" -Y 'gquic.tag == "CHLO"' -T fields -E separator='|' -E aggregator=',' \
	-e udp.srcport -e gquic.version -e quic.version -e gquic.tag_type -e gquic.tag.sni \
	-e gquic.tag.uaid >"$tmp/f" 2>/dev/null

# the oracle reads the packets as they were meant (pcaps/craft_gquic.py's docstring)
if res=$("$PY" - "$tmp/f" <<'PYEOF'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
rows = [[r[0], r[1] or bytes.fromhex(r[2][2:]).decode()] + r[3:] for r in rows]
want = [
    ("41043", "Q043", "q043.gquic.demo.example", "Chrome/70.0.3538.77 Windows NT 10.0; Win64; x64", 17),
    ("41043", "Q043", "q043.gquic.demo.example", "Chrome/70.0.3538.77 Windows NT 10.0; Win64; x64", 23),
    ("41044", "Q043", "www.example.com", "", 16),
    ("41046", "Q046", "q046.gquic.demo.example", "com.example.app Cronet/72.0.3626.121", 17),
    ("41047", "Q046", "", "", 8),
    ("41050", "Q050", "q050.gquic.demo.example", "Chrome/70.0.3538.77 Windows NT 10.0; Win64; x64", 17),
]
got = [(r[0], r[1], r[3], r[4], len(r[2].split(","))) for r in rows]
print("# tshark: %s" % got)
sys.exit(0 if got == want and "STK" in rows[1][2] else 1)
PYEOF
); then
	ok "gquic.pcap: tshark reads 6 CHLOs (Q043, Q046, Q050 decrypted) with the crafted versions, SNI, UAID and tags"
else
	not_ok "gquic.pcap: tshark does not read the crafted CHLOs as meant"
	echo "$res"
fi

"$SPANWATCH" -r "$pcap" --workers 1 >"$tmp/eve.json" 2>/dev/null
if res=$("$PY" - "$tmp/f" "$tmp/eve.json" <<'PYEOF'
import hashlib, json, sys
want = []
for l in open(sys.argv[1]):
    port, ver, iver, tags, sni, ua = l.rstrip("\n").split("|")
    if ver in ("Q043", "Q044", "Q045", "Q046"):  # Suricata's versions of CYU, and names
        cyu = ver[2:] + "," + "-".join(tags.split(","))
        want.append((int(port), ver, sni, ua, cyu, hashlib.md5(cyu.encode()).hexdigest()))
    else:  # Q050: the version in hex, as Suricata writes it, and no CYU
        want.append((int(port), "%x" % int(iver, 16), sni, ua, None, None))
got = []
for l in open(sys.argv[2]):
    e = json.loads(l)
    if e["event_type"] == "quic":
        q = e["quic"]
        cyu = q.get("cyu", [{}])
        got.append((e["src_port"], q.get("version"), q.get("sni", ""), q.get("ua", ""),
                    cyu[0].get("string"), cyu[0].get("hash")))
bad = 0
for w, g in zip(want, got):
    if w != g:
        bad += 1
        print("# tshark %s\n# spanwatch %s" % (w, g))
if len(want) != len(got):
    bad += 1
    print("# %d CHLOs in tshark, %d quic events" % (len(want), len(got)))
print("# %d CHLOs, %d agree" % (len(want), len(want) - bad))
sys.exit(1 if bad or not want else 0)
PYEOF
); then
	ok "gquic.pcap: version, sni, ua and cyu of every CHLO agree with tshark ($(echo "$res" | tail -n 1 | sed 's/^# //'))"
else
	not_ok "gquic.pcap: quic events differ from tshark"
	echo "$res"
fi

# Suricata's documentation gives the CYU string of the Q046 hello's tags as its quic.cyu.string
# example: the same string here
if grep -q '"string":"46,PAD-SNI-VER-CCS-UAID-TCID-PDMD-SMHL-ICSL-NONP-MIDS-SCLS-CSCT-COPT-IRTT-CFCW-SFCW"' "$tmp/eve.json"; then
	ok "gquic.pcap: the Q046 hello's cyu string is the one of Suricata's quic.cyu.string example"
else
	not_ok "gquic.pcap: no cyu string as Suricata's example"
fi

# counters: 12 packets on 6 gQUIC connections (the Q043 connection's packet without version
# and the Q046/Q050 short headers end what is read), 6 CHLOs, the Q050 Initial decrypted, the
# T051 Initial counted only
if res=$("$PY" - "$tmp/eve.json" <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "stats":
        q = e["stats"]["app"]["quic"]
want = {"flows": 6, "messages": 6, "errors": 0, "gquic": 12, "gquic_chlo": 6,
        "gquic_encrypted": 1, "initial": 1, "decrypted": 1, "decrypt_failed": 0}
bad = {k: q.get(k) for k in want if q.get(k) != want[k]}
print("# " + (json.dumps(bad) if bad else json.dumps(q)))
sys.exit(1 if bad else 0)
PYEOF
); then
	ok "gquic.pcap: counters ($(echo "$res" | sed 's/^# //'))"
else
	not_ok "gquic.pcap: counters: $res"
fi

# indicators (domain: matched on tls.sni, as IETF QUIC's) and rules on gQUIC's buffers
printf 'type,value,source,confidence,tags,valid_until\ndomain,q046.gquic.demo.example,test,80,,\ndomain,www.example.com,test,80,,\n' >"$tmp/ind.csv"
cat >"$tmp/q.rules" <<'RULES'
alert quic any any -> any any (msg:"gquic sni"; quic.sni; content:".gquic.demo.example"; endswith; sid:9150001;)
alert quic any any -> any any (msg:"gquic Q043"; quic.version; content:"Q043"; sid:9150002;)
alert quic any any -> any any (msg:"gquic ua"; quic.ua; content:"Chrome/"; startswith; sid:9150003;)
alert quic any any -> any any (msg:"gquic cyu"; quic.cyu.hash; content:"910a5e3a4d51593bd59a44611544f209"; sid:9150004;)
alert quic any any -> any any (msg:"gquic cyu stk"; quic.cyu.string; content:"-STK-"; sid:9150005;)
alert udp any any -> any any (msg:"gquic tls.sni"; tls.sni; content:"www.example.com"; sid:9150006;)
RULES
"$SPANWATCH" -r "$pcap" --workers 1 -S "$tmp/q.rules" --indicators "$tmp/ind.csv" \
	>"$tmp/eve.json" 2>/dev/null
if res=$("$PY" - "$tmp/eve.json" <<'PYEOF'
import json, sys
# which hello (client port) raises what: sni: the hellos of 41043, 41046 and 41050 end in
# .gquic.demo.example; Q043: the hellos of 41043 and 41044; UA Chrome/: 41043's two and
# 41050's; the cyu of 41046; -STK-: the full CHLO of 41043; tls.sni: 41044; the domain
# indicators: 41046, 41044
want = sorted([(41043, 9150001), (41043, 9150001), (41046, 9150001), (41050, 9150001),
               (41043, 9150002), (41043, 9150002), (41044, 9150002),
               (41043, 9150003), (41043, 9150003), (41050, 9150003), (41046, 9150004),
               (41043, 9150005),
               (41044, 9150006), (41046, "tls.sni"), (41044, "tls.sni")], key=str)
got = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        got.append((e["src_port"], e["cti"]["matched_on"] if "cti" in e
                    else e["alert"]["signature_id"]))
got.sort(key=str)
print("# %d alerts%s" % (len(got), "" if got == want else ": %s" % got))
sys.exit(0 if got == want else 1)
PYEOF
); then
	ok "gquic.pcap: domain indicators (as tls.sni) and quic.sni, quic.version, quic.ua, quic.cyu.hash, quic.cyu.string, tls.sni rules alert on the matching hellos ($(echo "$res" | sed 's/^# //'))"
else
	not_ok "gquic.pcap: indicators and rules: $res"
fi
tap_done
