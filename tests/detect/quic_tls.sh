#!/usr/bin/env bash
# tests/detect/quic_tls.sh: the TLS buffers and keywords read QUIC's hellos as they read TLS's.
# quic-handshakes.pcap has 9 QUIC connections (SNIs and JA3s listed by tests/pcap/quic.sh's
# tshark check); tls13.pcap one TLS 1.3 connection to tls.demo.example. Counts by hand from
# those lists: "split" starts 3 SNIs (split, split1200, split29), JA3 7f1ee40f... is those 3,
# JA3S aa8ccc23... and JA4 q13d0417h3_... the resumed connection only, draft-29 two connections
# of which split29 alone starts with "split" and draft29 alone with "draft29.". As Suricata 7,
# a rule whose header says tls stays on TLS flows; "udp", "ip" and "quic" rules see QUIC.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/q.rules" <<'RULES'
alert quic any any -> any any (msg:"quic tls.sni"; tls.sni; content:"split"; startswith; sid:1;)
alert udp any any -> any any (msg:"udp ja3.hash"; ja3.hash; content:"7f1ee40fe35de683d41d4cc808080353"; sid:2;)
alert ip any any -> any any (msg:"ip ja3s.hash"; ja3s.hash; content:"aa8ccc23f30f490cc666164b60a06354"; sid:3;)
alert quic any any -> any any (msg:"quic ja4.hash"; ja4.hash; content:"q13d0417h3_"; startswith; sid:4;)
alert quic any any -> any any (msg:"quic ja3.string"; ja3.string; content:"771,"; startswith; sid:5;)
alert tls any any -> any any (msg:"tls header, QUIC sni: must not fire"; tls.sni; content:"quic.demo.example"; sid:6;)
alert quic any any -> any any (msg:"no such sni: must not fire"; tls.sni; content:"nomatch.example"; sid:7;)
alert quic any any -> any any (msg:"quic.version and tls.sni"; quic.version; content:"|ff 00 00 1d|"; tls.sni; content:"split"; sid:8;)
alert quic any any -> any any (msg:"tls.version on QUIC"; flow:to_server; tls.version:1.3; tls.sni; content:"retry."; sid:9;)
alert tcp any any -> any any (msg:"tcp ja3.hash: TLS only, must not fire on QUIC"; ja3.hash; content:"7f1ee40fe35de683d41d4cc808080353"; sid:10;)
alert udp any any -> any any (msg:"udp tls.sni pcre"; tls.sni; pcre:"/^draft29\./"; sid:11;)
alert tls any any -> any any (msg:"tls on TLS"; tls.sni; content:"tls.demo.example"; sid:12;)
alert tcp any any -> any any (msg:"tcp ja3.hash on TLS"; ja3.hash; content:"89dfc51e72bdcb94e4ba4622588002b1"; sid:13;)
alert udp any any -> any any (msg:"udp ja3.hash on TLS: must not fire"; ja3.hash; content:"89dfc51e72bdcb94e4ba4622588002b1"; sid:14;)
RULES
"$SPANWATCH" -T -S "$tmp/q.rules" >"$tmp/t.out" 2>&1
if grep -q "rules: 14 loaded, 0 skipped (unsupported), 0 failed" "$tmp/t.out"; then
	ok "tls buffers in quic, udp, ip and tcp rules load (14 of 14)"
else
	not_ok "tls buffers in quic/udp/ip rules: -T said"
	diag <"$tmp/t.out"
fi
for p in quic-handshakes.pcap tls13.pcap; do
	"$SPANWATCH" -S "$tmp/q.rules" -r "$PCAPS/$p" --workers 1 >>"$tmp/eve.json" 2>"$tmp/err"
done
got=$(alert_counts "$tmp/eve.json" | tr '\n' ' ')
want="1 3 2 3 3 1 4 1 5 9 8 1 9 1 11 1 12 1 13 1 "
if [ "$got" = "$want" ]; then
	ok "tls.sni, ja3.hash/string, ja3s.hash, ja4.hash, tls.version see QUIC; tls rules stay on TLS"
else
	not_ok "tls buffers on QUIC: got '$got' (sid count), wanted '$want'"
	diag <"$tmp/err"
fi
# the buffers' protocols: a DNS rule or an ICMP rule cannot read ja3.hash, nor a tls rule quic.sni
for r in 'alert dns any any -> any any (ja3.hash; content:"a"; sid:1;)' \
	'alert icmp any any -> any any (ja3.hash; content:"a"; sid:1;)' \
	'alert tls any any -> any any (quic.sni; content:"a"; sid:1;)' \
	'alert ip any any -> any any (tls.sni; content:"a"; http.uri; content:"b"; sid:1;)'; do
	printf '%s\n' "$r" >"$tmp/bad.rules"
	if "$SPANWATCH" -T -S "$tmp/bad.rules" >"$tmp/t.out" 2>&1; then
		not_ok "refused: $r"
		diag <"$tmp/t.out"
	else
		ok "refused: $r ($(grep -o 'rule protocol is [a-z]*\|cannot mix [a-z]* and [a-z]*' "$tmp/t.out" | head -1))"
	fi
done
tap_done
