#!/usr/bin/env bash
# tests/pcap/tls_tshark.sh: TLS found wherever it runs (after STARTTLS in SMTP, IMAP, POP3, FTP,
# XMPP, LDAP and PostgreSQL, and the crafted odd handshakes) gives SNI, JA3, JA4, certificate
# chain and subjectAltName that agree with tshark's dissection (JA4 computed from tshark's
# fields by tls_tshark.py, after FoxIO's specification); the flow keeps the outer protocol and
# the tls events say "starttls".
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark is not installed"
	tap_done
	exit 0
fi
# pcap, app_proto of its flows, tshark decode-as
while read -r p proto decode; do
	[ -f "$PCAPS/$p" ] || { skip "$p is not recorded (pcaps/record.sh starttls)"; continue; }
	"$SPANWATCH" -r "$PCAPS/$p" --workers 1 --set app.tls.log-chain=yes >"$tmp/eve.json" 2>/dev/null
	if res=$("$PY" "$top_srcdir/tests/pcap/tls_tshark.py" "$PCAPS/$p" "$tmp/eve.json" $decode); then
		ok "$p: SNI, JA3, JA4, chain and subjectAltName agree with tshark ($(echo "$res" | tail -n 1 | sed 's/^# //'))"
	else
		not_ok "$p: TLS fields differ from tshark"
		echo "$res" | diag
	fi
	[ "$proto" = - ] && continue
	if "$PY" - "$tmp/eve.json" "$proto" <<'EOF'; then
import json, sys
tls = flows = 0
for l in open(sys.argv[1]):
    if not l.startswith("{"):
        continue
    e = json.loads(l)
    if e["event_type"] == "tls":
        assert e["app_proto"] == sys.argv[2] and e["tls"].get("starttls") is True, e
        tls += 1
    elif e["event_type"] == "flow":
        assert e["app_proto"] == sys.argv[2], e
        flows += 1
sys.exit(0 if tls >= 2 and flows == 2 else 1)
EOF
		ok "$p: two flows named $proto, every tls event says starttls"
	else
		not_ok "$p: flows not named $proto or tls events without starttls"
	fi
done <<'LIST'
starttls-smtp.pcap smtp tcp.port==12525,smtp
starttls-imap.pcap imap tcp.port==12143,imap
starttls-pop3.pcap pop3 tcp.port==12110,pop
starttls-ftp.pcap ftp tcp.port==12121,ftp
starttls-xmpp.pcap xmpp tcp.port==15222,xmpp
starttls-ldap.pcap ldap tcp.port==12389,ldap
starttls-postgres.pcap pgsql tcp.port==15432,pgsql
tls.pcap - tcp.port==18443,tls
tls13.pcap - tcp.port==18443,tls
tls-frag.pcap - tcp.port==443,tls
tls-sslv2.pcap - tcp.port==443,tls
tls-oddcert.pcap - tcp.port==443,tls
LIST
tap_done
