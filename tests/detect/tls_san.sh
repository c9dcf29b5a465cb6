#!/usr/bin/env bash
# tests/detect/tls_san.sh: the tls event's subjectaltname lists every DNS, IP, e-mail and URI
# entry of the server's first certificate, in order. tls-oddcert.pcap's first certificate is
# made by pcaps/craft_tls.py with subjectAltName DNS:odd.demo.example, DNS:*.odd.demo.example,
# IP:192.0.2.20, IP:2001:db8::20, email:ops@demo.example, URI:https://odd.demo.example/ca;
# tshark must see the same e-mail address and URI.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$SPANWATCH" -r "$PCAPS/tls-oddcert.pcap" --workers 1 >"$tmp/eve.json" 2>/dev/null
tshark=""
if command -v tshark >/dev/null 2>&1; then
	tshark=$(tshark -r "$PCAPS/tls-oddcert.pcap" -d tcp.port==443,tls -Y 'tls.handshake.type==11' \
		-T fields -e x509ce.rfc822Name -e x509ce.uniformResourceIdentifier 2>/dev/null | head -1)
fi
if res=$("$PY" - "$tmp/eve.json" "$tshark" <<'PYEOF'
import json, sys
want = ["odd.demo.example", "*.odd.demo.example", "192.0.2.20", "2001:db8::20",
        "ops@demo.example", "https://odd.demo.example/ca"]
got = [json.loads(l)["tls"].get("subjectaltname") for l in open(sys.argv[1])
       if json.loads(l)["event_type"] == "tls"]
if got != [want]:
    print("# got %s" % got)
    sys.exit(1)
if sys.argv[2]:
    for v in sys.argv[2].split("\t"):
        if v and v not in want:
            print("# tshark has %r, we do not" % v)
            sys.exit(1)
PYEOF
); then
	ok "tls-oddcert.pcap: subjectaltname has the DNS, IP, e-mail and URI entries in order${tshark:+ (e-mail and URI as tshark)}"
else
	not_ok "tls-oddcert.pcap: subjectaltname: $res"
fi
tap_done
