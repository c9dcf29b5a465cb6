#!/usr/bin/env bash
# tests/detect/app_events.sh: rules/http-events.rules on the HTTP evasion capture
# (pcaps/http-evasion.pcap, tests/http_evasion/): every applayer anomaly the parser reports
# raises the alert of the rule that names it (app-layer-event), once per anomaly event, and no
# other alert; every rule of the file loads; 1 and 3 workers give the same counts.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
rules="$top_srcdir/rules/http-events.rules"
common=(--set detect.cache-dir= --set "detect.classification-file=$top_srcdir/conf/classification.config"
	--set "detect.reference-config-file=$top_srcdir/conf/reference.config")

if [ ! -x "$SPANWATCH" ]; then
	skip "no $SPANWATCH (build it first)"
	tap_done
	exit
fi
n=$(grep -c '^alert' "$rules")
if "$SPANWATCH" -T -S "$rules" "${common[@]}" 2>&1 | grep -q "^rules: $n loaded, 0 skipped (unsupported), 0 failed"; then
	ok "http-events.rules: the $n rules load"
else
	not_ok "http-events.rules: expected $n rules loaded"
fi

# per sid: anomaly events of the name the rule names, alerts of the sid
counts() { # EVE file
	"$PY" - "$rules" "$1" <<'PYEOF'
import collections, json, re, sys
sid = {}
for line in open(sys.argv[1]):
    m = re.search(r'app-layer-event:([a-z0-9_.]+);.*sid:(\d+);', line)
    if m:
        sid[m.group(1)] = m.group(2)
anom, alerts = collections.Counter(), collections.Counter()
for line in open(sys.argv[2]):
    e = json.loads(line)
    if e.get("event_type") == "anomaly" and e["anomaly"].get("type") == "applayer":
        anom[sid.get(e["anomaly"]["event"], "none:" + e["anomaly"]["event"])] += 1
    elif e.get("event_type") == "alert":
        alerts[e["alert"]["signature_id"] and str(e["alert"]["signature_id"])] += 1
for s in sorted(set(anom) | set(alerts)):
    print(s, anom[s], alerts[s])
PYEOF
}

for w in 1 3; do
	"$SPANWATCH" -q -r "$PCAPS/http-evasion.pcap" -S "$rules" --workers "$w" "${common[@]}" \
		>"$tmp/eve.$w" 2>"$tmp/err.$w" || not_ok "workers $w: spanwatch failed"
	counts "$tmp/eve.$w" >"$tmp/counts.$w"
	bad=$(awk '$2 != $3' "$tmp/counts.$w")
	nev=$(wc -l <"$tmp/counts.$w")
	if [ -z "$bad" ] && [ "$nev" -ge 30 ]; then
		ok "workers $w: $nev anomaly names, each raised its rule's alert once per event"
	else
		not_ok "workers $w: anomalies and alerts differ (sid, anomalies, alerts)"
		diag <<<"$bad"
	fi
done
if cmp -s "$tmp/counts.1" "$tmp/counts.3"; then
	ok "the same anomalies and alerts with 3 workers"
else
	not_ok "3 workers differ"
	diff "$tmp/counts.1" "$tmp/counts.3" | diag
fi
tap_done
