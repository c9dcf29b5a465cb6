#!/usr/bin/env bash
# tests/pcap/ja4s.sh: JA4S (FoxIO's server fingerprint, FoxIO License 1.1: only in a build
# configured with --enable-ja4plus). Built with it: the ja4s of every tls and quic event equals
# the one computed from tshark's dissection of the ServerHello (ja4s_tshark.py, after FoxIO's
# specification) on TLS 1.2 and 1.3, after STARTTLS, in OpenVPN, in QUIC Initials, with an ALPN
# chosen and after a HelloRetryRequest; ja4s indicators and the ja4s.hash buffer see it. Built
# without it: no event has ja4s, a ja4s.hash rule is skipped naming the licence, ja4s indicators
# load and match nothing.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed"
	tap_done
	exit 0
fi
# the ALPN, HelloRetryRequest and QUIC captures: JA4S values worked out from tshark's fields
printf 'type,value,source,confidence,tags\nja4s,T1205H1_C030_1ECE00AEE4E9,unit-test,70,ja4s\nja4s,q130200_1301_234ea6891581,unit-test,60,ja4s\n' >"$tmp/ja4s.csv"
printf 't130200_1302_a56c5b993251\n' >"$tmp/ja4s.txt"
cat >"$tmp/j.rules" <<'RULES'
alert tls any any -> any any (msg:"ja4s alpn h1"; ja4s.hash; content:"t1205h1_c030_1ece00aee4e9"; sid:9300001;)
alert quic any any -> any any (msg:"ja4s quic"; ja4s.hash; content:"q130200_"; startswith; sid:9300002;)
alert tls any any -> any any (msg:"ja4s one digit off"; ja4s.hash; content:"t1205h1_c030_1ece00aee4e8"; sid:9300003;)
alert tls any any -> any any (msg:"ja4s tls 1.3"; flow:to_client; ja4s.hash; content:"t130200_1302_"; sid:9300004;)
RULES
if "$SPANWATCH" --version | grep -q ja4plus; then
	while read -r p decode; do
		[ -f "$PCAPS/$p" ] || { skip "$p is not recorded"; continue; }
		"$SPANWATCH" -r "$PCAPS/$p" --workers 1 >"$tmp/eve.json" 2>/dev/null
		if res=$("$PY" "$top_srcdir/tests/pcap/ja4s_tshark.py" "$PCAPS/$p" "$tmp/eve.json" $decode); then
			ok "$p: JA4S agrees with tshark's ServerHellos ($(echo "$res" | tail -n 1 | sed 's/^# //'))"
		else
			not_ok "$p: JA4S differs from tshark's ServerHellos"
			echo "$res" | diag
		fi
	done <<'LIST'
tls.pcap tcp.port==18443,tls
tls13.pcap tcp.port==18443,tls
tls-alpn.pcap tcp.port==18443,tls
tls-frag.pcap tcp.port==443,tls
tls-sslv2.pcap tcp.port==443,tls
starttls-smtp.pcap tcp.port==12525,smtp
starttls-imap.pcap tcp.port==12143,imap
starttls-postgres.pcap tcp.port==15432,pgsql
openvpn-tcp.pcap tcp.port==11194,openvpn
quic-handshakes.pcap udp.port==18444,quic udp.port==18445,quic udp.port==18446,quic
proto-quic.pcap
LIST
	"$SPANWATCH" -r "$PCAPS/tls-alpn.pcap" -r "$PCAPS/quic-handshakes.pcap" --workers 1 \
		-S "$tmp/j.rules" --indicators "$tmp/ja4s.csv" --indicators "$tmp/ja4s.txt" \
		>"$tmp/eve.json" 2>"$tmp/err"
	# tls-alpn.pcap: the TLS 1.2 connection (ALPN http/1.1 chosen) and the TLS 1.3 one whose
	# HelloRetryRequest and ServerHello both give t130200_1302_a56c5b993250 (two tls events);
	# quic-handshakes.pcap: 8 of its 9 connections have q130200_1301_234ea6891581
	if res=$("$PY" - "$tmp/eve.json" <<'PYEOF'
import collections, json, sys
c = collections.Counter()
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] != "alert":
        continue
    if "cti" in e:
        assert e["cti"]["type"] == "ja4s" and e["cti"]["matched_on"] == "tls.ja4s", e["cti"]
        assert e["alert"]["signature_id"] == 9190000, e["alert"]
        c[e["cti"]["indicator"]] += 1
    else:
        c[e["alert"]["signature_id"]] += 1
want = {"t1205h1_c030_1ece00aee4e9": 1, "q130200_1301_234ea6891581": 8, 9300001: 1, 9300002: 8,
        9300004: 2}
print("# %s" % dict(c))
sys.exit(0 if dict(c) == want else 1)
PYEOF
	); then
		ok "ja4s indicators (tls.ja4s, sid 9190000, upper case in the feed; one digit off: none) and ja4s.hash rules on TLS and QUIC"
	else
		not_ok "ja4s indicators and rules: $res"
	fi
	printf 'type,value\nja4s,t1205h1_c030\n' >"$tmp/bad.csv"
	"$SPANWATCH" -T --indicators "$tmp/bad.csv" >/dev/null 2>"$tmp/errb" || true
	check "a malformed JA4S is reported with file:line" grep -q 'bad.csv:2.*not a JA4S fingerprint' "$tmp/errb"
else
	"$SPANWATCH" -r "$PCAPS/tls-alpn.pcap" -r "$PCAPS/quic-handshakes.pcap" --workers 1 \
		--set detect.enabled=no --indicators "$tmp/ja4s.csv" >"$tmp/eve.json" 2>/dev/null
	check "built without ja4plus: no event carries ja4s, and ja4s indicators match nothing" \
		"$PY" -c 'import json,sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert sum(e["event_type"] in ("tls", "quic") for e in ev) == 12
assert not any("ja4s" in e.get("tls", {}) or "ja4s" in e.get("quic", {}) for e in ev)
assert not any(e["event_type"] == "alert" for e in ev)' "$tmp/eve.json"
	"$SPANWATCH" -T -v -S "$tmp/j.rules" >"$tmp/out" 2>&1 || true
	check "built without ja4plus: ja4s.hash rules are skipped, naming the licence and the option" \
		grep -q 'ja4s.hash.*FoxIO License 1.1.*--enable-ja4plus' "$tmp/out"
fi
tap_done
