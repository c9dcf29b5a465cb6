#!/usr/bin/env bash
# tests/loss/loss.sh: loss accounted for in one place (src/sw_loss.c). On committed pcaps with
# caps made tiny: the stats event's loss section names the causes, its total is their sum, the
# loss event's deltas add up to the stats figures, the loss event is routed like other types
# (outputs.eve.types), and alerts on a flow with stream gaps carry flow.gaps. Without loss:
# a loss section of zeros and no loss event.
. "$(dirname "$0")/../lib.sh"
require_spanwatch
tmp=$(mktmp)
trap '[ -n "$KEEP" ] || rm -rf "$tmp"' EXIT

# check_loss EVE: the loss section's figures against the loss events of the run
check_loss() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
stats, losses, errs = None, [], []
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    e = json.loads(line)
    if e["event_type"] == "stats":
        stats = e["stats"]
    elif e["event_type"] == "loss":
        losses.append(e["loss"])
if stats is None or "loss" not in stats:
    sys.exit("no stats event with a loss section")
sec = stats["loss"]
causes = {k: v for k, v in sec.items() if k != "total"}
if sum(causes.values()) != sec["total"]:
    errs.append("stats loss.total %d != sum of causes %d" % (sec["total"], sum(causes.values())))
summed = {}
for l in losses:
    if sum(l["causes"].values()) != l["total"]:
        errs.append("a loss event's total is not the sum of its causes: %r" % l)
    if not l["interval_start"] <= l["interval_end"]:
        errs.append("interval_start after interval_end: %r" % l)
    for k, v in l["causes"].items():
        if v == 0:
            errs.append("a loss event names a cause without loss: %s" % k)
        summed[k] = summed.get(k, 0) + v
for k, v in causes.items():
    if summed.get(k, 0) != v:
        errs.append("cause %s: loss events sum to %d, stats say %d" % (k, summed.get(k, 0), v))
for k in summed:
    if k not in causes:
        errs.append("loss event cause %s unknown to the stats" % k)
gb = sum(l.get("stream_gap_bytes", 0) for l in losses)
if gb != stats.get("stream", {}).get("gap_bytes", 0):
    errs.append("stream_gap_bytes %d != stream.gap_bytes %d" % (gb, stats["stream"]["gap_bytes"]))
print(json.dumps({"total": sec["total"], "events": len(losses),
                  "nonzero": sorted(k for k, v in causes.items() if v)}))
if errs:
    sys.exit("\n".join(errs))
PYEOF
}

# loss_case NAME EVE: check_loss on EVE as a test; sets out to its summary
loss_case() {
	if out=$(check_loss "$2" 2>"$tmp/why"); then
		ok "$1: loss events add up to the stats loss section ($out)"
	else
		not_ok "$1: loss events add up to the stats loss section"
		diag <"$tmp/why"
	fi
}

# 1. loss-http.pcap (a real transfer with real loss) with a 64 kB reassembly cap
"$SPANWATCH" -r "$PCAPS/loss-http.pcap" --workers 1 --set stream.reassembly.memcap=64kb \
	--set outputs.eve.sink=stdout >"$tmp/memcap.json" 2>"$tmp/err"
loss_case "stream memcap" "$tmp/memcap.json"
check "... stream_memcap and stream_gap are causes" sh -c "echo '$out' | grep -q '\"stream_gap\", \"stream_memcap\"'"
check "... one loss event for the replay" sh -c "echo '$out' | grep -q '\"events\": 1,'"
check "... stats loss.stream_memcap is stream.memcap_refused" \
	test "$(stats_value "$tmp/memcap.json" loss.stream_memcap)" = "$(stats_value "$tmp/memcap.json" stream.memcap_refused)"
check "... stats loss.stream_gap is stream.gaps" \
	test "$(stats_value "$tmp/memcap.json" loss.stream_gap)" = "$(stats_value "$tmp/memcap.json" stream.gaps)"
gapalerts=$("$PY" -c 'import json, sys
n = g = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        n += 1
        g += e["flow"].get("gaps") is True
print(n, g)' "$tmp/memcap.json")
check "... alerts raised after the gaps say flow.gaps true ($gapalerts of alerts)" \
	sh -c "set -- $gapalerts; [ \$2 -gt 0 ]"

# 2. the same pcap without a cap: no loss at all
"$SPANWATCH" -r "$PCAPS/loss-http.pcap" --workers 1 --set outputs.eve.sink=stdout \
	>"$tmp/clean.json" 2>>"$tmp/err"
check "no cap: loss.total 0" test "$(stats_value "$tmp/clean.json" loss.total)" = 0
check "no cap: no loss event" sh -c "! grep -q '\"event_type\":\"loss\"' '$tmp/clean.json'"
check "no cap: no alert says gaps" sh -c "! grep '\"event_type\":\"alert\"' '$tmp/clean.json' | grep -q '\"gaps\":true'"
check "no cap: the loss section lists every cause" \
	test "$(stats_value "$tmp/clean.json" loss.kafka_dropped)" = 0

# 3. a 64 kB flow memcap on http-evasion.pcap (231 flows): packets left without a flow
"$SPANWATCH" -r "$PCAPS/http-evasion.pcap" --workers 2 --set flow.memcap=64kb \
	--set outputs.eve.sink=stdout >"$tmp/flow.json" 2>>"$tmp/err"
loss_case "flow memcap, 2 workers" "$tmp/flow.json"
check "... flow_memcap is flow.memcap_refused and nonzero" sh -c \
	"[ '$(stats_value "$tmp/flow.json" loss.flow_memcap)' = '$(stats_value "$tmp/flow.json" flow.memcap_refused)' ] && [ '$(stats_value "$tmp/flow.json" loss.flow_memcap)' -gt 0 ]"

# 4. decode errors: malformed.pcap
"$SPANWATCH" -r "$PCAPS/malformed.pcap" --workers 1 --set outputs.eve.sink=stdout \
	>"$tmp/bad.json" 2>>"$tmp/err"
loss_case "decode errors" "$tmp/bad.json"
check "... decode_error is decoder.invalid and nonzero" sh -c \
	"[ '$(stats_value "$tmp/bad.json" loss.decode_error)' = '$(stats_value "$tmp/bad.json" decoder.invalid)' ] && [ '$(stats_value "$tmp/bad.json" loss.decode_error)' -gt 0 ]"

# 5. routing: the loss type is chosen like the others
"$SPANWATCH" -r "$PCAPS/loss-http.pcap" --workers 1 --set stream.reassembly.memcap=64kb \
	--set outputs.eve.sink=stdout --set 'outputs.eve.types=[loss]' >"$tmp/only.json" 2>>"$tmp/err"
check "outputs.eve.types [loss]: only the loss event" \
	test "$(grep -c . "$tmp/only.json")" = 1 -a "$(grep -c '"event_type":"loss"' "$tmp/only.json")" = 1
"$SPANWATCH" -r "$PCAPS/loss-http.pcap" --workers 1 --set stream.reassembly.memcap=64kb \
	--set outputs.eve.sink=stdout --set 'outputs.eve.types=[stats]' >"$tmp/nol.json" 2>>"$tmp/err"
check "outputs.eve.types [stats]: no loss event" sh -c "! grep -q '\"event_type\":\"loss\"' '$tmp/nol.json'"
if "$SPANWATCH" -T -r "$PCAPS/dns.pcap" --set outputs.kafka.topics.loss=spanwatch.loss \
	>"$tmp/t.out" 2>&1; then
	ok "outputs.kafka.topics.loss is a known key"
else
	not_ok "outputs.kafka.topics.loss is a known key"
	diag <"$tmp/t.out"
fi
# every counter the loss map names is one sw_stats.c puts in the stats event (a renamed counter
# would silently stop counting as loss)
missing=$(sed -n 's/^[[:space:]]*{"\([a-z_.]*\)", LOSS_[A-Z_]*},.*/\1/p' "$top_srcdir/src/sw_loss.c" |
	while read -r c; do grep -qF "\"$c\"" "$top_srcdir/src/sw_stats.c" || echo "$c"; done)
nmap=$(grep -c '^[[:space:]]*{"[a-z_.]*", LOSS_[A-Z_]*},' "$top_srcdir/src/sw_loss.c")
check "the $nmap counters of the loss map are stats counters${missing:+ (missing: $missing)}" \
	test -z "$missing" -a "$nmap" -ge 19
tap_done
