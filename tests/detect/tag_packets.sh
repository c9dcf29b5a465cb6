#!/usr/bin/env bash
# tests/detect/tag_packets.sh: tagged packets are logged as Suricata's EVE alert output logs
# them (eve-log alert "tagged-packets: yes"): one event_type "packet" event per packet a tag
# window covers, with the packet's tuple and flow_id, "packet" (the captured frame in base64)
# and "packet_info" {"linktype"}; not alerts. The windows and their counts are worked out in
# tests/detect/keywords/kw-tag.rules (3 + 5 + 2 packets of rules-kw.pcap's flows C, D and J)
# and kw-tag-host.rules (2); here the events are checked: the count on 1 and 3 workers, each
# frame byte for byte against rules-kw.pcap, the ports of the tagged flows, and none with
# outputs.eve.tagged-packets: no (the rules still alert).
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kw="$top_srcdir/tests/detect/keywords"
common=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config")
# packet events of eve: "N PORTS OK" (count, sorted dest ports of the tagged packets' flows,
# whether every frame is one of the pcap's frames and the event looks as Suricata's)
check() {
	"$PY" - "$1" "$PCAPS/rules-kw.pcap" <<'PYEOF'
import base64, json, struct, sys
frames = set()
with open(sys.argv[2], "rb") as f:
    hdr = f.read(24)
    endian = "<" if hdr[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", hdr[20:24])[0]
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        incl = struct.unpack(endian + "IIII", h)[2]
        frames.add(f.read(incl))
n, ports, good = 0, set(), True
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert" and e["alert"]["signature_id"] == 1:
        good = False  # the old form: an alert of the tag signature
    if e["event_type"] != "packet":
        continue
    n += 1
    ports.add(min(e["src_port"], e["dest_port"]))
    if base64.b64decode(e["packet"]) not in frames or e["packet_info"]["linktype"] != linktype \
            or "flow_id" not in e or "alert" in e:
        good = False
print(n, ",".join(str(p) for p in sorted(ports)), "ok" if good else "bad")
PYEOF
}
for wk in 1 3; do
	"$SPANWATCH" "${common[@]}" -S "$kw/kw-tag.rules" -r "$PCAPS/rules-kw.pcap" --workers $wk >"$tmp/eve.json" 2>"$tmp/err"
	got=$(check "$tmp/eve.json")
	if [ "$got" = "10 7100,7101,7300 ok" ]; then
		ok "tag:session: 10 packet events on $wk worker(s), frames as captured, no tag alerts"
	else
		not_ok "tag:session on $wk worker(s): got '$got', wanted '10 7100,7101,7300 ok'"
		diag <"$tmp/err"
	fi
done
"$SPANWATCH" "${common[@]}" -S "$kw/kw-tag-host.rules" -r "$PCAPS/rules-kw.pcap" --workers 1 >"$tmp/eve.json" 2>"$tmp/err"
got=$(check "$tmp/eve.json")
if [ "$got" = "2 7201 ok" ]; then
	ok "tag:host: 2 packet events (g1, g2 of flow F)"
else
	not_ok "tag:host: got '$got', wanted '2 7201 ok'"
fi
"$SPANWATCH" "${common[@]}" -S "$kw/kw-tag.rules" -r "$PCAPS/rules-kw.pcap" --workers 1 \
	--set outputs.eve.tagged-packets=no >"$tmp/eve.json" 2>"$tmp/err"
got="$(check "$tmp/eve.json") $(alert_counts "$tmp/eve.json" | tr '\n' ' ')"
if [ "$got" = "0  ok 14201 1 14202 1 14203 1 " ]; then
	ok "outputs.eve.tagged-packets: no: no packet events, the tag rules still alert"
else
	not_ok "tagged-packets no: got '$got'"
fi
tap_done
