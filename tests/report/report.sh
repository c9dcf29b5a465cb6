#!/usr/bin/env bash
# tests/report/report.sh: the investigation report (--report) opened by headless Chromium. On the
# demo captures (with a CTI feed), the rendered page's figures (alerts, flows, packets, alerts per
# signature and per severity, CTI hits, files) equal those counted from the EVE output of the same
# run; a screenshot is kept next to the test's log (tests/report/artifacts/). The page's filter
# and sort, driven by ?filter=&sort= in its URL, show the rows they should in the right order.
# The report of an empty capture and of a capture with 100k alerts render; the latter stays
# under 5 MB, lists 1000 alerts in full and counts the rest, and report.memuse stays under
# report.memcap. A live capture (on lo) writes its report when SIGTERM stops it. Without
# Chromium (Debian package chromium) the browser checks are skipped.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
art="$top_builddir/tests/report/artifacts"
mkdir -p "$art"

require_spanwatch
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}

# browse URL OUT [SHOT]: the DOM after the page loaded (and a screenshot when SHOT is given)
browse() {
	local flags=(--headless --no-sandbox --disable-gpu --disable-extensions --no-first-run
		     --user-data-dir="$tmp/chrome" --window-size=1280,2000)
	timeout 120 "$CHROMIUM" "${flags[@]}" --dump-dom "$1" >"$2" 2>"$2.err" || return 1
	[ -z "${3:-}" ] || timeout 120 "$CHROMIUM" "${flags[@]}" --screenshot="$3" "$1" \
		>/dev/null 2>>"$2.err"
}

demo=(http.pcap http6.pcap dns.pcap tls.pcap vlan.pcap ipv6-ext.pcap icmp.pcap malformed.pcap
      truncated-file.pcap proto-ssh.pcap proto-ftp.pcap)
args=()
for p in "${demo[@]}"; do args+=(-r "$PCAPS/$p"); done
cat >"$tmp/feed.csv" <<'CSV'
type,value,source,confidence,tags,id
domain,demo.example,report-test,80,planted,ind-1
ipv4,10.0.0.0/24,report-test,60,icmp,ind-2
CSV

if "$SPANWATCH" "${args[@]}" --workers 1 --set sensor.name=demo --indicators "$tmp/feed.csv" \
	--report "$tmp/demo.html" >"$tmp/demo.json" 2>"$tmp/demo.err"; then
	ok "demo: spanwatch --report"
else
	not_ok "demo: spanwatch --report failed"
	diag <"$tmp/demo.err"
fi
check "demo: the report is written and says so" grep -q "report written to $tmp/demo.html" "$tmp/demo.err"
check "demo: the page fetches nothing (no http(s) URL, no src= or link)" \
	"$PY" - "$tmp/demo.html" <<'PYEOF'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
bad = re.findall(r'<(?:script|img|link|iframe)[^>]*(?:src|href)=', html)
bad += re.findall(r'url\(', html)
bad += [u for u in re.findall(r'https?://[^"\'<\s]*', html)]
sys.exit(1 if bad else 0)
PYEOF
st_memuse=$(stats_value "$tmp/demo.json" report.memuse)
check "demo: report.memuse ($st_memuse) counted in the stats event, under report.memcap (64 MiB)" \
	test -n "$st_memuse" -a "${st_memuse:-0}" -gt 0 -a "${st_memuse:-0}" -le $((64 << 20))

# -T: a report.memcap too small for the report's tables is refused, naming the key
if "$SPANWATCH" -r "$PCAPS/dns.pcap" --report "$tmp/x.html" --set report.memcap=1mb -T 2>"$tmp/t.err"; then
	not_ok "-T: report.memcap 1mb accepted"
else
	check "-T: report.memcap 1mb is refused, naming the key" grep -q "report.memcap: .* too few" "$tmp/t.err"
fi
if "$SPANWATCH" -r "$PCAPS/dns.pcap" --report /nonexistent/dir/r.html -T 2>"$tmp/t.err"; then
	not_ok "-T: report.file in a missing directory accepted"
else
	check "-T: report.file in a missing directory is refused, naming the key" \
		grep -q "report.file: /nonexistent/dir" "$tmp/t.err"
fi

# ---- live: the report is written when SIGTERM stops the capture (on lo, 20 UDP datagrams) ----
"$SPANWATCH" -i lo --workers 1 --report "$tmp/live.html" >"$tmp/live.json" 2>"$tmp/live.err" &
live_pid=$!
for _ in $(seq 50); do grep -q "capturing on lo" "$tmp/live.err" 2>/dev/null && break; sleep 0.1; done
sleep 1
"$PY" -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"live report test", ("127.0.0.1", 39999))
    time.sleep(0.02)'
sleep 0.5
kill -TERM "$live_pid" 2>/dev/null
wait "$live_pid"
live_rc=$?
if [ "$live_rc" -ne 0 ] && grep -qi "permit\|permission" "$tmp/live.err"; then
	skip "live: no permission to capture on lo"
	skip "live: (as above)"
else
	live_pkts=$(grep -o 'id="sum-packets">[0-9]*' "$tmp/live.html" 2>/dev/null | grep -o '[0-9]*$')
	check "live: SIGTERM ends the capture and writes the report (rc $live_rc, ${live_pkts:-no} packets)" \
		test "$live_rc" -eq 0 -a "${live_pkts:-0}" -ge 20
	check "live: the report says it is a live capture" grep -q "live capture" "$tmp/live.html"
fi

if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
	skip "chromium is not installed (apt-get install chromium): the page is not rendered, its checks are skipped"
	tap_done
	exit
fi

# ---- the demo report, rendered -----------------------------------------------------------------
if browse "file://$tmp/demo.html" "$tmp/demo.dom" "$art/demo-report.png"; then
	ok "demo: chromium renders the report"
else
	not_ok "demo: chromium failed"
	diag <"$tmp/demo.dom.err"
fi
check "demo: screenshot kept in $art/demo-report.png" test -s "$art/demo-report.png"

# the figures of the rendered page against those counted from the EVE lines
cat >"$tmp/compare.py" <<'PYEOF'
import collections, json, sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    """Text of elements by id, and the rows (cell texts, row attributes) of tables by id."""
    def __init__(self):
        super().__init__()
        self.ids, self.tables, self.attrs = {}, {}, {}
        self.stack, self.table, self.row, self.cell = [], None, None, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.attrs["body"] = a
        if "id" in a:
            self.ids[a["id"]] = ""
            self.stack.append((tag, a["id"]))
            if tag == "table":
                self.tables[a["id"]] = []
                self.table = a["id"]
        else:
            self.stack.append((tag, None))
        if tag == "tr" and self.table is not None:
            self.row = ([], a)
        if tag in ("td", "th") and self.row is not None:
            self.cell = ""
    def handle_endtag(self, tag):
        while self.stack:
            t, i = self.stack.pop()
            if t == tag:
                break
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row[0].append(self.cell.strip())
            self.cell = None
        if tag == "tr" and self.row is not None:
            if self.row[0] and not any(c == "" for c in self.row[0][:1]) and self.table:
                self.tables[self.table].append(self.row)
            self.row = None
        if tag == "table":
            self.table = None
    def handle_data(self, data):
        for t, i in self.stack:
            if i is not None:
                self.ids[i] += data
        if self.cell is not None:
            self.cell += data

def load(dom_path):
    d = Dom()
    d.feed(open(dom_path, encoding="utf-8").read())
    return d

def eve(path):
    ev = collections.defaultdict(list)
    for l in open(path):
        l = l.strip()
        if l.startswith("{"):
            e = json.loads(l)
            ev[e["event_type"]].append(e)
    return ev

def rows(d, tid):
    # data rows only: the header row is made of th cells, which the parser also collects
    return [r for r in d.tables.get(tid, [])[1:]]

def fail(msg):
    print(msg)
    sys.exit(1)
PYEOF

check "demo: the page's figures equal those counted from the EVE output" "$PY" - "$tmp" <<'PYEOF'
import collections, sys
sys.path.insert(0, sys.argv[1])
from compare import load, eve, rows, fail
d, ev = load(sys.argv[1] + "/demo.dom"), eve(sys.argv[1] + "/demo.json")
st = ev["stats"][-1]["stats"]
want = {"sum-alerts": len(ev["alert"]), "sum-flows": len(ev["flow"]),
        "sum-packets": st["decoder"]["pkts"], "sum-files": len(ev["fileinfo"]),
        "sum-anomalies": len(ev["anomaly"]),
        "sum-cti": sum(1 for a in ev["alert"] if "cti" in a)}
for k, v in want.items():
    got = d.ids.get(k, "").strip()
    if got != str(v):
        fail("%s: page says %r, EVE has %d" % (k, got, v))
    print("#", k, got)
if want["sum-alerts"] == 0 or want["sum-cti"] == 0 or want["sum-files"] == 0:
    fail("the demo should have rule alerts, CTI hits and files")
# alerts per signature: SID, signature -> count (column 5)
sig = collections.Counter((str(a["alert"]["signature_id"]), a["alert"]["signature"]) for a in ev["alert"])
page = {}
for cells, _ in rows(d, "sigs"):
    page[(cells[0], cells[1])] = int(cells[5].split()[0])
if page != dict(sig):
    fail("per signature: page %s != EVE %s" % (sorted(page.items()), sorted(sig.items())))
print("#", len(page), "signatures, counts equal")
sev = collections.Counter(a["alert"]["severity"] for a in ev["alert"])
for s in (1, 2, 3, 4):
    if d.ids.get("sev-%d" % s, "").strip() != str(sev.get(s, 0)):
        fail("severity %d: page %r, EVE %d" % (s, d.ids.get("sev-%d" % s), sev.get(s, 0)))
# CTI hits: indicator, feed -> hits, with the feed's provenance
cti = collections.Counter((a["cti"]["indicator"], a["cti"]["source"], a["cti"]["id"]) for a in ev["alert"] if "cti" in a)
page = collections.Counter()
for cells, _ in rows(d, "cti"):
    page[(cells[0], cells[4], cells[7])] += int(cells[10].split()[0])
if page != cti:
    fail("CTI: page %s != EVE %s" % (sorted(page.items()), sorted(cti.items())))
# files: every sha256 of the fileinfo events is listed with its transfers
files = collections.Counter(f["fileinfo"]["sha256"] for f in ev["fileinfo"] if "sha256" in f["fileinfo"])
page = {cells[5]: int(cells[8].split()[0]) for cells, _ in rows(d, "files")}
if page != dict(files):
    fail("files: page %s != EVE %s" % (page, dict(files)))
# the list of alerts shown in full, and one page per alert with its flow's endpoints
lst = rows(d, "alerts")
if len(lst) != len(ev["alert"]):
    fail("alert list: %d rows, EVE %d alerts" % (len(lst), len(ev["alert"])))
for i, a in enumerate(ev["alert"]):
    if ("alert-%d" % (i + 1)) not in d.ids:
        fail("no page alert-%d" % (i + 1))
    if lst[i][0][3] != a["alert"]["signature"]:
        fail("alert %d: %r != %r" % (i + 1, lst[i][0][3], a["alert"]["signature"]))
# protocol mix: flows per nDPI protocol
proto = collections.Counter(f.get("ndpi", {}).get("protocol") or f.get("app_proto") or "unknown" for f in ev["flow"])
page = {cells[0]: int(cells[2].split()[0]) for cells, _ in rows(d, "protos")}
if page != dict(proto):
    fail("protocols: page %s != EVE %s" % (page, dict(proto)))
print("# load time (navigation to load event):", d.attrs.get("body", {}).get("data-load-ms"), "ms")
PYEOF
check "demo: an alert page shows the app-layer fields and the flow at its end" \
	"$PY" -c 'import sys; s = open(sys.argv[1]).read(); i = s.index("id=\"alert-1\""); p = s[i:s.index("</section>", i)]
assert "demo.example" in p and "hostname" in p and "at the flow" in p and "tcp_close" in p, p[:2000]' "$tmp/demo.dom"

# ---- filter and sort in the page, from the URL ------------------------------------------------
if browse "file://$tmp/demo.html?filter=sigs:decode&sort=sigs:5:desc&sort=alerts:2:asc" \
	"$tmp/filter.dom"; then
	ok "filter: chromium renders the filtered page"
else
	not_ok "filter: chromium failed"
fi
check "filter: only the signatures with 'decode' are shown, and counted; sort: by count, then by SID" "$PY" - "$tmp" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
from compare import load, eve, rows, fail
d, ev = load(sys.argv[1] + "/filter.dom"), eve(sys.argv[1] + "/demo.json")
sigs = {a["alert"]["signature"] for a in ev["alert"]}
want = sorted(s for s in sigs if "decode" in s.lower())
shown = [c for c, a in rows(d, "sigs") if "display: none" not in a.get("style", "")]
hidden = [c for c, a in rows(d, "sigs") if "display: none" in a.get("style", "")]
if sorted(c[1] for c in shown) != want or len(shown) + len(hidden) != len(sigs) or not hidden:
    fail("shown %s, want %s" % ([c[1] for c in shown], want))
if d.ids.get("sigs-shown", "").strip() != str(len(want)):
    fail("sigs-shown says %r, want %d" % (d.ids.get("sigs-shown"), len(want)))
counts = [int(c[5].split()[0]) for c, _ in rows(d, "sigs")]
if counts != sorted(counts, reverse=True):
    fail("not sorted by count: %s" % counts)
# a second table sorted on its own: the alert list by SID, ascending
sids = [int(c[2]) for c, _ in rows(d, "alerts")]
if sids != sorted(sids) or sids == [int(a["alert"]["signature_id"]) for a in ev["alert"]]:
    fail("alert list not re-sorted by SID: %s" % sids)
print("#", len(shown), "of", len(sigs), "signatures shown")
PYEOF

# ---- an empty capture ------------------------------------------------------------------------
"$PY" -c 'import struct, sys; open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))' \
	"$tmp/empty.pcap"
if "$SPANWATCH" -r "$tmp/empty.pcap" --workers 1 --report "$tmp/empty.html" >"$tmp/empty.json" \
	2>"$tmp/empty.err" && browse "file://$tmp/empty.html" "$tmp/empty.dom" "$art/empty-report.png"; then
	ok "empty capture: the report is written and renders"
else
	not_ok "empty capture: no report"
	diag <"$tmp/empty.err"
fi
check "empty capture: 0 packets, 0 flows, 0 alerts, 'No traffic'" "$PY" - "$tmp" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
from compare import load, fail
d = load(sys.argv[1] + "/empty.dom")
for k in ("sum-packets", "sum-flows", "sum-alerts"):
    if d.ids.get(k, "").strip() != "0":
        fail("%s: %r" % (k, d.ids.get(k)))
if "No traffic" not in d.ids.get("timeline", ""):
    fail("timeline: %r" % d.ids.get("timeline"))
PYEOF

# ---- 100k alerts: a rule on every packet of 100k UDP packets (1000 flows) ---------------------
"$PY" - "$tmp/flood.pcap" <<'PYEOF'
import struct, sys
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
payload = b"report flood"
for i in range(100000):
    f = i % 1000
    udp = struct.pack("!HHHH", 10000 + f, 53000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                     bytes([10, 1, f // 256, f % 256]), bytes([192, 0, 2, 1]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp
    t = 1700000000 * 1000000 + i * 100
    out.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)) + frame)
PYEOF
echo 'alert udp any any -> any 53000 (msg:"REPORT TEST every packet"; content:"flood"; sid:9990001; rev:1;)' \
	>"$tmp/flood.rules"
start=$EPOCHREALTIME
if "$SPANWATCH" -r "$tmp/flood.pcap" -S "$tmp/flood.rules" --set detect.cache-dir= --workers 2 \
	--report "$tmp/flood.html" >"$tmp/flood.json" 2>"$tmp/flood.err"; then
	ok "100k alerts: spanwatch --report ($(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s)"
else
	not_ok "100k alerts: spanwatch failed"
	diag <"$tmp/flood.err"
fi
n=$(grep -c '"event_type":"alert"' "$tmp/flood.json")
size=$(stat -c %s "$tmp/flood.html" 2>/dev/null || echo 0)
check "100k alerts: EVE has 100000 alerts ($n)" test "$n" -eq 100000
check "100k alerts: the report is under 5 MB ($size bytes)" test "$size" -gt 0 -a "$size" -lt 5000000
m=$(stats_value "$tmp/flood.json" report.memuse)
d=$(stats_value "$tmp/flood.json" report.alerts_detailed)
s=$(stats_value "$tmp/flood.json" report.alerts_summarized)
check "100k alerts: 1000 kept in full, 99000 counted (stats: $d, $s), report.memuse $m <= 64 MiB" \
	test "${d:-0}" -eq 1000 -a "${s:-0}" -eq 99000 -a "${m:-0}" -le $((64 << 20))
# a report.memcap just above the tables (10.4 MB): alerts in full are refused, counted, said so
"$SPANWATCH" -r "$tmp/flood.pcap" -S "$tmp/flood.rules" --set detect.cache-dir= --workers 2 \
	--set report.memcap=10900kb --report "$tmp/small.html" >"$tmp/small.json" 2>"$tmp/small.err"
m=$(stats_value "$tmp/small.json" report.memuse)
r=$(stats_value "$tmp/small.json" report.memcap_refused)
d=$(stats_value "$tmp/small.json" report.alerts_detailed)
check "report.memcap 10900kb: memuse $m <= cap, $r refused, $d alerts in full (< 1000), the page says so" \
	test "${m:-0}" -gt 0 -a "${m:-0}" -le $((10900 << 10)) -a "${r:-0}" -gt 0 -a "${d:-1000}" -lt 1000 \
	-a "$(grep -c 'id=alerts-refused' "$tmp/small.html")" -eq 1
if browse "file://$tmp/flood.html" "$tmp/flood.dom" "$art/flood-report.png"; then
	ok "100k alerts: chromium renders the report"
else
	not_ok "100k alerts: chromium failed"
fi
check "100k alerts: the page says 100000 alerts, 1000 flows, 1000 shown in full and 99000 counted" \
	"$PY" - "$tmp" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
from compare import load, rows, fail
d = load(sys.argv[1] + "/flood.dom")
got = {k: d.ids.get(k, "").strip() for k in ("sum-alerts", "sum-flows", "sum-packets")}
if got != {"sum-alerts": "100000", "sum-flows": "1000", "sum-packets": "100000"}:
    fail(got)
note = " ".join(d.ids.get("alerts-detail-note", "").split())
if not note.startswith("1000 alerts are shown in full") or "99000 more" not in note:
    fail(note)
if len(rows(d, "alerts")) != 1000 or [c[5] for c, _ in rows(d, "sigs")] != ["100000"]:
    fail("rows: %d alerts, sigs %s" % (len(rows(d, "alerts")), rows(d, "sigs")))
print("# load time (navigation to load event):", d.attrs.get("body", {}).get("data-load-ms"), "ms")
PYEOF
tap_done
