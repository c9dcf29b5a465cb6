#!/usr/bin/env bash
# tests/pcap/app_tshark.sh: DNS query names, answers and rcodes, HTTP methods, URIs, hosts and
# statuses, TLS SNI, JA3, JA3S and the certificate fingerprint from spanwatch's events agree with
# tshark's dissection of the pcaps.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed"
	tap_done
	exit 0
fi
"$SPANWATCH" -r "$PCAPS/dns.pcap" --workers 1 >"$tmp/eve.json" 2>/dev/null
tshark -r "$PCAPS/dns.pcap" -d tcp.port==15353,dns -d udp.port==15353,dns -T fields -E separator='|' \
	-e dns.id -e dns.flags.response -e dns.qry.name -e dns.a -e dns.aaaa -e dns.cname \
	-e dns.flags.rcode -e dns.qry.type >"$tmp/f" 2>/dev/null
if res=$("$PY" "$top_srcdir/tests/pcap/app_tshark.py" dns "$tmp/f" "$tmp/eve.json"); then
	ok "dns.pcap: DNS messages agree with tshark ($(echo "$res" | tail -n 1 | sed 's/^# //'))"
else
	not_ok "dns.pcap: DNS messages differ from tshark"
	echo "$res"
fi
# HTTP: method, URI, host and status of each request/response pair
for p in http.pcap http6.pcap; do
	"$SPANWATCH" -r "$PCAPS/$p" --workers 1 >"$tmp/eve.json" 2>/dev/null
	tshark -r "$PCAPS/$p" -d tcp.port==18080,http -Y http.response -T fields -E separator='|' \
		-e http.request.method -e http.request.uri -e http.host -e http.response.code \
		>"$tmp/f" 2>/dev/null
	# a response names its request's fields in tshark 4.0 via http.request_in; fall back to
	# pairing requests and responses in order
	tshark -r "$PCAPS/$p" -d tcp.port==18080,http -Y http -T fields -E separator='|' \
		-e tcp.stream -e http.request.method -e http.request.uri -e http.host \
		-e http.response.code 2>/dev/null | "$PY" -c 'import sys
pending = {}
for l in sys.stdin:
    s, m, u, h, c = (l.rstrip("\n").split("|") + [""] * 5)[:5]
    if m:
        pending.setdefault(s, []).append((m, u, h))
    elif c and pending.get(s):
        m, u, h = pending[s].pop(0)
        print("|".join((m, u, h, c)))' >"$tmp/f"
	if res=$("$PY" "$top_srcdir/tests/pcap/app_tshark.py" http "$tmp/f" "$tmp/eve.json"); then
		ok "$p: HTTP method, URI, host and status agree with tshark ($(echo "$res" | tail -n 1 | sed 's/^# //'))"
	else
		not_ok "$p: HTTP transactions differ from tshark"
		echo "$res"
	fi
done
for p in tls.pcap tls13.pcap; do
	"$SPANWATCH" -r "$PCAPS/$p" --workers 1 >"$tmp/eve.json" 2>/dev/null
	tshark -r "$PCAPS/$p" -d tcp.port==18443,tls -Y tls.handshake -T fields -E separator='|' \
		-e tls.handshake.extensions_server_name -e tls.handshake.ja3 -e tls.handshake.ja3s \
		>"$tmp/f" 2>/dev/null
	# tshark has no certificate SHA-1 field here: take it from the DER with openssl
	der=$(tshark -r "$PCAPS/$p" -d tcp.port==18443,tls -Y tls.handshake.certificate -T fields \
		-e tls.handshake.certificate 2>/dev/null | head -n 1 | cut -d, -f1)
	if [ -n "$der" ]; then
		fp=$(echo "$der" | xxd -r -p | openssl x509 -inform der -noout -fingerprint -sha1 |
			sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
		echo "|||$fp" >>"$tmp/f"
	fi
	if res=$("$PY" "$top_srcdir/tests/pcap/app_tshark.py" tls "$tmp/f" "$tmp/eve.json"); then
		ok "$p: TLS SNI, JA3, JA3S and certificate agree with tshark ($(echo "$res" | tail -n 1 | sed 's/^# //'))"
	else
		not_ok "$p: TLS fields differ from tshark"
		echo "$res"
	fi
done
tap_done
