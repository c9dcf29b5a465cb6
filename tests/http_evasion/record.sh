#!/bin/bash
# tests/http_evasion/record.sh: remakes the HTTP evasion oracle. In a network namespace of its
# own (only lo, so the browsers reach nothing else), server.py serves every variant on
# 127.0.0.1:80; headless Chromium and Firefox ESR fetch each one (browsers.py) and their results
# become tests/http_evasion/expected.tsv; a plain socket client fetches each one again under
# tcpdump (pcaps/http-evasion.pcap, one connection per variant, client port 30000 + index);
# the HTTP fuzz corpus gets one seed per variant (tests/fuzz/corpus/http/evasion-*).
#
#   sudo tests/http_evasion/record.sh        (or: sudo pcaps/record.sh http-evasion)
#   sudo tests/http_evasion/record.sh --downloads
#        also has each browser download every variant (a navigation saved to disk) and writes
#        downloads.tsv, fetch() against download per browser: a check of the oracle (~5 min)
#
# Needs root, Debian 12: chromium, firefox-esr, tcpdump, wireshark-common (capinfos), iproute2,
# python3-brotli, python3-zstandard (contrib/setup --browsers installs them). ~1 minute.
# Then run tests/http_evasion/check.sh with UPDATE_README=1 to refresh the table in
# pcaps/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
export PATH="$PATH:/usr/sbin:/sbin"

log() { printf '[http-evasion] %s\n' "$*" >&2; }
die() { printf '[http-evasion] ERROR: %s\n' "$*" >&2; exit 1; }

DOWNLOADS=no
case "${1:-}" in
	--downloads) DOWNLOADS=yes ;;
	"") ;;
	*) die "usage: record.sh [--downloads]" ;;
esac

missing=()
for pair in tcpdump:tcpdump capinfos:wireshark-common ip:iproute2 ss:iproute2 \
            chromium:chromium firefox-esr:firefox-esr timeout:coreutils; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair%%:*} (Debian package: ${pair#*:})")
done
"$PY" -c 'import brotli' 2>/dev/null || missing+=("brotli for $PY (Debian package: python3-brotli)")
"$PY" -c 'import zstandard' 2>/dev/null ||
	missing+=("zstandard for $PY (Debian package: python3-zstandard)")
if [ ${#missing[@]} -gt 0 ]; then
	printf '[http-evasion] missing: %s\n' "${missing[@]}" >&2
	die "install them (contrib/setup --browsers) and re-run"
fi
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespace, tcpdump)"

NS=swev-$$
WORK=$(mktemp -d /tmp/spanwatch-evasion.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
	local p
	set +e
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do wait "$p" 2>/dev/null; done
	# whatever still runs in our namespace (the server under ip netns exec, a browser)
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
nsx() { ip netns exec "$NS" "$@"; }

log "server: $("$PY" "$HERE/server.py" list | wc -l) variants on 127.0.0.1:80 in netns $NS"
nsx timeout 1800 "$PY" "$HERE/server.py" serve --port 80 --log "$WORK/requests.log" \
	>"$WORK/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
	[ -n "$(nsx ss -Hltn 'sport = :80')" ] && break
	sleep 0.1
done
[ -n "$(nsx ss -Hltn 'sport = :80')" ] || { cat "$WORK/server.log" >&2; die "server not listening"; }

for b in chromium firefox; do
	log "$b: fetching every variant"
	nsx timeout 900 "$PY" "$HERE/browsers.py" "$b" http://127.0.0.1 "$WORK/$b.jsonl" \
		>"$WORK/$b.log" 2>&1 || { tail -n 20 "$WORK/$b.log" >&2; die "$b failed"; }
	log "  $b: $(grep -c '"refused"' "$WORK/$b.jsonl") refused of $(wc -l <"$WORK/$b.jsonl")"
done
if [ "$DOWNLOADS" = yes ]; then
	for b in chromium firefox; do
		log "$b: downloading every variant (navigation, Content-Type application/octet-stream)"
		nsx timeout 1200 "$PY" "$HERE/browsers.py" "$b" http://127.0.0.1 "$WORK/$b-dl.jsonl" \
			--download >"$WORK/$b-dl.log" 2>&1 || { tail -n 20 "$WORK/$b-dl.log" >&2; die "$b failed"; }
	done
	"$PY" "$HERE/table.py" downloads "$WORK/chromium.jsonl" "$WORK/chromium-dl.jsonl" \
		"$WORK/firefox.jsonl" "$WORK/firefox-dl.jsonl" >"$HERE/downloads.tsv"
	log "downloads.tsv: $(awk -F'\t' 'NR > 1 && ($2 != $3 || $4 != $5)' "$HERE/downloads.tsv" | wc -l) variants where a download differs from fetch()"
fi
if grep -q '^REUSED CONNECTION' "$WORK/requests.log"; then
	grep '^REUSED CONNECTION' "$WORK/requests.log" >&2
	die "a browser reused a connection: its next result may be another variant's response"
fi
"$PY" "$HERE/table.py" expected "$WORK/chromium.jsonl" "$WORK/firefox.jsonl" \
	>"$WORK/expected.tsv"
mv -f "$WORK/expected.tsv" "$HERE/expected.tsv"
log "expected.tsv: $(awk -F'\t' 'NR > 1 && $5 == "no"' "$HERE/expected.tsv" | wc -l) variants where the browsers disagree"

log "recording the plain client's fetches"
nsx timeout 300 tcpdump -i lo -s 0 -U -n -w "$WORK/http-evasion.pcap" 'tcp port 80' \
	>"$WORK/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=("$CAP")
for _ in $(seq 100); do
	grep -q "listening on" "$WORK/tcpdump.log" && break
	sleep 0.1
done
sleep 0.3
nsx "$PY" "$HERE/server.py" fetch --port 80 >"$WORK/fetch.log" 2>&1 ||
	{ tail -n 5 "$WORK/fetch.log" >&2; die "fetch failed"; }
sleep 0.7
kill -TERM "$CAP"
wait "$CAP" || true
if grep -q ' [1-9][0-9]* packets\{0,1\} dropped by kernel' "$WORK/tcpdump.log"; then
	cat "$WORK/tcpdump.log" >&2
	die "tcpdump dropped packets"
fi
cp "$WORK/http-evasion.pcap" "$TOP/pcaps/http-evasion.pcap"
log "pcaps/http-evasion.pcap: $(capinfos -c -M "$TOP/pcaps/http-evasion.pcap" |
	sed -n 's/^Number of packets: *//p') packets, $(stat -c %s "$TOP/pcaps/http-evasion.pcap") bytes"

rm -f "$TOP"/tests/fuzz/corpus/http/evasion-*
"$PY" "$HERE/server.py" seeds "$TOP/tests/fuzz/corpus/http" >&2
log "done"
