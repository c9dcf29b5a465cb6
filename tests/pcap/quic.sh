#!/usr/bin/env bash
# tests/pcap/quic.sh: QUIC handshakes recorded from ngtcp2 (pcaps/quic-handshakes.pcap, v1 and
# draft-29, hellos over two Initials, Retry, 0-RTT; pcaps/proto-quic.pcap): the version, SNI and
# JA3 of every connection agree with tshark's decryption of the Initials; the counters show
# what the recording has; indicators (domain, ja3) and quic.* rules see QUIC.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed"
	tap_done
	exit 0
fi
for p in quic-handshakes.pcap proto-quic.pcap; do
	"$SPANWATCH" -r "$PCAPS/$p" --workers 1 >"$tmp/eve.json" 2>/dev/null
	# one line per ClientHello: client port, version, SNI, JA3 hash and string
	tshark -r "$PCAPS/$p" -d udp.port==18444,quic -d udp.port==18445,quic -d udp.port==18446,quic \
		-Y 'tls.handshake.type == 1' -T fields -E separator='|' -e udp.srcport -e quic.version \
		-e tls.handshake.extensions_server_name -e tls.handshake.ja3 -e tls.handshake.ja3_full \
		>"$tmp/f" 2>/dev/null
	if res=$("$PY" - "$tmp/f" "$tmp/eve.json" <<'PYEOF'
import json, sys
want = {}
for l in open(sys.argv[1]):
    port, ver, sni, ja3, full = l.rstrip("\n").split("|")
    ver = ver.split(",")[0]
    want[int(port)] = ("%x" % int(ver, 16), sni, ja3, full)
got = {}
for l in open(sys.argv[2]):
    e = json.loads(l)
    if e["event_type"] == "quic":
        q = e["quic"]
        got[e["src_port"]] = (q.get("version"), q.get("sni", ""), q.get("ja3", {}).get("hash", ""),
                              q.get("ja3", {}).get("string", ""))
bad = 0
for port in sorted(set(want) | set(got)):
    if want.get(port) != got.get(port):
        bad += 1
        print("# port %d: tshark %s, spanwatch %s" % (port, want.get(port), got.get(port)))
print("# %d connections, %d agree" % (len(want), len(want) - bad))
sys.exit(1 if bad or not want else 0)
PYEOF
	); then
		ok "$p: version, SNI and JA3 of every QUIC connection agree with tshark ($(echo "$res" | tail -n 1 | sed 's/^# //'))"
	else
		not_ok "$p: QUIC connections differ from tshark"
		echo "$res"
	fi
done

# what quic-handshakes.pcap has: hellos over two Initials, a Retry, 0-RTT, coalesced Handshake
# packets, draft-29; nothing malformed
"$SPANWATCH" -r "$PCAPS/quic-handshakes.pcap" --workers 1 >"$tmp/eve.json" 2>/dev/null
split=$(tshark -r "$PCAPS/quic-handshakes.pcap" -d udp.port==18445,quic -d udp.port==18446,quic \
	-Y 'quic.crypto.offset > 0' -T fields -e udp.srcport 2>/dev/null | sort -u | wc -l)
if res=$("$PY" - "$tmp/eve.json" "$split" <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "stats":
        q = e["stats"]["app"]["quic"]
ev = [json.loads(l) for l in open(sys.argv[1])]
quic = [e for e in ev if e["event_type"] == "quic"]
checks = [
    (q["flows"] == 9 and q["messages"] == 9, "9 flows, 9 messages"),
    (q["errors"] == 0 and q["decrypt_failed"] == 0 and q["crypto_refused"] == 0, "no error"),
    (q["retry"] == 1, "one Retry"),
    (q["zero_rtt"] >= 1, "0-RTT packets"),
    (q["handshake"] >= 9, "Handshake packets"),
    (q["decrypted"] >= 9 * 2 + int(sys.argv[2]), "every Initial up to the ServerHello decrypted"),
    (int(sys.argv[2]) >= 3, "tshark sees >= 3 hellos over two Initials"),
    (all("ja3s" in e["quic"] for e in quic), "every connection has its ServerHello (JA3S)"),
    (sum(e["quic"]["version"] == "ff00001d" for e in quic) == 2, "two draft-29 connections"),
    (all(e["quic"].get("ja4", "").startswith("q13d") for e in quic), "JA4 of QUIC: q13d..."),
]
bad = [n for c, n in checks if not c]
print("# " + ("; ".join(bad) if bad else "%s" % json.dumps(q)))
sys.exit(1 if bad else 0)
PYEOF
); then
	ok "quic-handshakes.pcap: counters ($(echo "$res" | sed 's/^# //'))"
else
	not_ok "quic-handshakes.pcap: counters: $res"
fi

# indicators and rules see QUIC: a domain and a ja3 indicator, quic.sni and quic.version rules
printf 'type,value,source,confidence,tags,valid_until\ndomain,quic.demo.example,test,80,,\ndomain,long.demo.example,test,80,,\nja3,7f1ee40fe35de683d41d4cc808080353,test,80,,\n' >"$tmp/ind.csv"
cat >"$tmp/q.rules" <<'RULES'
alert quic any any -> any any (msg:"quic sni"; quic.sni; content:".quic.demo.example"; endswith; sid:9100001;)
alert quic any any -> any any (msg:"quic draft-29"; quic.version; content:"|ff 00 00 1d|"; sid:9100002;)
RULES
"$SPANWATCH" -r "$PCAPS/quic-handshakes.pcap" --workers 1 -S "$tmp/q.rules" \
	--indicators "$tmp/ind.csv" >"$tmp/eve.json" 2>/dev/null
if res=$("$PY" - "$tmp/eve.json" <<'PYEOF'
import collections, json, sys
c = collections.Counter()
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        c[(e["alert"]["signature_id"] if "cti" not in e else e["cti"]["matched_on"])] += 1
want = {"tls.sni": 9, "tls.ja3": 3, 9100001: 8, 9100002: 2}
print("# %s" % dict(c))
sys.exit(0 if dict(c) == want else 1)
PYEOF
); then
	ok "quic-handshakes.pcap: domain and ja3 indicators (as tls.sni, tls.ja3) and quic.sni, quic.version rules alert on every matching connection"
else
	not_ok "quic-handshakes.pcap: indicators and rules: $res"
fi
tap_done
