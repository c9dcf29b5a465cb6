#!/usr/bin/env bash
# tests/detect/ssh_dir.sh: ssh.software with a direction reads that side's banner only.
# proto-ssh.pcap has the same banner on both sides; here the server's is rewritten (same length,
# checksums recomputed by scapy) to "libssh_0.10.4", so the client runs OpenSSH and the server
# libssh: a to_server rule on libssh must not fire, a to_client one must, one without a
# direction fires on either.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" - "$PCAPS/proto-ssh.pcap" "$tmp/ssh-split.pcap" <<'PYEOF'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, Raw, rdpcap, wrpcap
pkts = rdpcap(sys.argv[1])
done = False
for p in pkts:
    if not done and p.haslayer(Raw) and p[TCP].sport == 18022 and \
            p[Raw].load.startswith(b"SSH-2.0-OpenSSH_9.2p1"):
        p[Raw].load = p[Raw].load.replace(b"OpenSSH_9.2p1", b"libssh_0.10.4", 1)
        del p[IP].chksum
        del p[TCP].chksum
        done = True
if not done:
    sys.exit("no server banner found")
wrpcap(sys.argv[2], pkts)
PYEOF
cat >"$tmp/ssh.rules" <<'RULES'
alert ssh any any -> any any (msg:"client libssh"; flow:to_server; ssh.software; content:"libssh"; sid:1;)
alert ssh any any -> any any (msg:"server libssh"; flow:to_client; ssh.software; content:"libssh"; sid:2;)
alert ssh any any -> any any (msg:"any side libssh"; ssh.software; content:"libssh"; sid:3;)
alert ssh any any -> any any (msg:"client OpenSSH"; flow:to_server; ssh.software; content:"OpenSSH"; sid:4;)
alert ssh any any -> any any (msg:"server OpenSSH"; flow:to_client; ssh.software; content:"OpenSSH"; sid:5;)
RULES
"$SPANWATCH" -S "$tmp/ssh.rules" -r "$tmp/ssh-split.pcap" --workers 1 >"$tmp/eve.json" 2>"$tmp/err"
got=$(alert_counts "$tmp/eve.json" | tr '\n' ' ')
# sid 1 (client libssh) and sid 5 (server OpenSSH) must not fire
if [ "$got" = "2 1 3 1 4 1 " ]; then
	ok "ssh.software by side: server libssh and client OpenSSH fire, the other sides do not"
else
	not_ok "ssh.software by side: got '$got' (sid count), wanted '2 1 3 1 4 1 '"
	diag <"$tmp/err"
fi
tap_done
