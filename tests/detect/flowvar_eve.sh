#!/usr/bin/env bash
# tests/detect/flowvar_eve.sh: the flow and packet variables an alert carries in EVE, as
# Suricata 7 logs them: "metadata": {"flowvars": [{"NAME": "value"}], "pktvars": [...]}. The
# rules are tests/detect/keywords/kw-flowvar.rules on http.pcap (their counts are checked by
# keywords.sh); here each alert's variables, on 1 and 3 workers: the response alerts carry the
# path their flow's request set (/data twice, /missing, /index twice: tshark -Y http lists the
# requests), the pktvar alerts the capture of their own request (/data twice).
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config")
want='14602 flowvars [{"path": "/data"}]
14602 flowvars [{"path": "/data"}]
14603 flowvars [{"path": "/missing"}]
14606 flowvars [{"path": "/index"}]
14606 flowvars [{"path": "/index"}]
14607 pktvars [{"file": "/data"}]
14607 pktvars [{"file": "/data"}]'
for wk in 1 3; do
	"$SPANWATCH" "${common[@]}" -S "$top_srcdir/tests/detect/keywords/kw-flowvar.rules" \
		-r "$PCAPS/http.pcap" --workers $wk >"$tmp/eve.json" 2>"$tmp/err"
	got=$("$PY" - "$tmp/eve.json" <<'PYEOF'
import json, sys
out = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] != "alert":
        continue
    sid, md = e["alert"]["signature_id"], e.get("metadata", {})
    # the response rules check flow variables, the request rules packet variables
    key = "pktvars" if sid in (14607, 14609) else "flowvars"
    out.append("%d %s %s" % (sid, key, json.dumps(md.get(key))))
print("\n".join(sorted(out)))
PYEOF
)
	if [ "$got" = "$want" ]; then
		ok "alerts carry metadata flowvars / pktvars as Suricata 7 on $wk worker(s)"
	else
		not_ok "variables in the alerts on $wk worker(s)"
		diff <(echo "$want") <(echo "$got") | diag
		diag <"$tmp/err"
	fi
done
# no variables: no metadata object (the alert as before)
"$SPANWATCH" "${common[@]}" -r "$PCAPS/http.pcap" --workers 1 -S /dev/stdin >"$tmp/eve.json" 2>"$tmp/err" <<'RULES'
alert http any any -> any any (msg:"plain"; flow:to_client; http.stat_code; content:"404"; sid:1;)
RULES
got=$("$PY" -c 'import json,sys; print([("metadata" in e) for e in map(json.loads, open(sys.argv[1])) if e["event_type"] == "alert"])' "$tmp/eve.json")
if [ "$got" = "[False]" ]; then
	ok "an alert without variables has no metadata object"
else
	not_ok "alert without variables: got $got"
	diag <"$tmp/err"
fi
tap_done
