#!/usr/bin/env bash
# tests/report/screenshot.sh: remakes the README's screenshots of a report, doc/report.png (the
# top of the page) and doc/report-alert.png (the page of one alert), from the report of the
# bundled HTTP, DNS and TLS captures (recorded within seconds of each other) with the shipped
# rules and a small planted CTI feed, rendered by headless Chromium (Debian package chromium).
# Run from the source tree after make.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || { echo "screenshot.sh: chromium is not installed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/feed.csv" <<'CSV'
type,value,source,confidence,tags,id
domain,demo.example,planted-feed,80,demo,ind-1
CSV
args=()
for p in http.pcap http6.pcap dns.pcap tls.pcap; do args+=(-r "pcaps/$p"); done
src/spanwatch "${args[@]}" --workers 1 --set sensor.name=demo --indicators "$tmp/feed.csv" \
	--set detect.default-rule-path=rules --set detect.classification-file=conf/classification.config \
	--set detect.reference-config-file=conf/reference.config --set detect.cache-dir= \
	--report "$tmp/report.html" >/dev/null 2>"$tmp/err"
shot() { # URL PNG WIDTHxHEIGHT
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$tmp/chrome" --window-size="$3" --screenshot="$2" "$1" >/dev/null 2>&1
}
shot "file://$tmp/report.html" doc/report.png 1280,1500
shot "file://$tmp/report.html#alert-1" doc/report-alert.png 1280,1100
ls -l doc/report.png doc/report-alert.png
