#!/usr/bin/env bash
# tests/pcap/http_files.sh: files carried over HTTP in http-gzip.pcap (nginx gzip on, curl
# --compressed), http-wget.pcap (wget) and http-python.pcap (python3 -m http.server, HTTP/1.0
# response): each fileinfo event is CLOSED with the size and SHA-256 of the served, uncompressed
# file (pcaps/http-*.sha256), and the http events name the right URLs, user agents and servers.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT

# check_pcap PCAP SHA256FILE SPEC: SPEC is one line per expected transaction, in order:
#   url|user-agent (exact, or prefix ending in *)|server (same)|content-encoding or -|file|size
check_pcap() {
	local p=$1 sums=$2 spec=$3
	if ! "$SPANWATCH" -r "$PCAPS/$p" --workers 1 >"$tmp/eve.json" 2>"$tmp/err"; then
		not_ok "$p: spanwatch failed"
		diag <"$tmp/err"
		return
	fi
	"$PY" - "$p" "$PCAPS/$sums" "$tmp/eve.json" "$spec" <<'EOF'
import json, sys
pcap, sumfile, evefile, spec = sys.argv[1:5]
sums = {}
for l in open(sumfile):
    if l.strip() and not l.startswith("#"):
        h, name = l.split()
        sums[name] = h
want = [l.split("|") for l in spec.strip().splitlines()]
http, files = [], []
for l in open(evefile):
    try:
        e = json.loads(l)
    except ValueError:
        continue
    if e.get("event_type") == "http":
        http.append(e)
    elif e.get("event_type") == "fileinfo":
        files.append(e)
n = 0
def result(good, name, why=""):
    global n
    n += 1
    print("%sok - %s: %s" % ("" if good else "not ", pcap, name))
    if not good and why:
        for x in why.splitlines():
            print("# " + x)
def match(got, pat):
    if got is None:
        return False
    return got.startswith(pat[:-1]) if pat.endswith("*") else got == pat
def hdr(h, key, name):
    for x in h.get(key) or []:
        if x.get("name", "").lower() == name.lower():
            return x.get("value")
    return None

result(len(http) == len(want), "%d http events (want %d)" % (len(http), len(want)),
       "urls: %s" % [e.get("http", {}).get("url") for e in http])
result(len(files) == len(want), "%d fileinfo events (want %d)" % (len(files), len(want)),
       "files: %s" % [e.get("fileinfo", {}).get("filename") for e in files])
for i, (url, ua, server, enc, fname, size) in enumerate(want):
    h = http[i]["http"] if i < len(http) else {}
    got = (h.get("url"), h.get("http_user_agent"), h.get("status"),
           hdr(h, "response_headers", "Server"), hdr(h, "response_headers", "Content-Encoding"))
    good = (got[0] == url and match(got[1], ua) and got[2] == 200 and match(got[3], server)
            and (got[4] or "-") == enc)
    result(good, "http #%d: GET %s, UA %s, 200, Server %s, Content-Encoding %s"
           % (i + 1, url, ua, server, enc), "got url/ua/status/server/encoding %r" % (got,))
    # the fileinfo event of that transaction (by url, in order)
    cand = [f for f in files if f.get("http", {}).get("url") == url]
    k = sum(1 for w in want[:i] if w[0] == url)
    if k >= len(cand):
        result(False, "fileinfo #%d %s" % (i + 1, fname), "no fileinfo event for %s" % url)
        continue
    fi = cand[k]["fileinfo"]
    got = (fi.get("filename"), fi.get("state"), fi.get("size"), fi.get("sha256"), fi.get("gaps"))
    exp = (fname, "CLOSED", int(size), sums.get(fname), False)
    result(got == exp, "fileinfo #%d %s: CLOSED, %s bytes, sha256 of the %s file"
           % (i + 1, fname, size, "decoded" if enc != "-" else "served"),
           "got      %r\nexpected %r" % (got, exp))
EOF
}

while read -r line; do
	case $line in
		ok*) ok "${line#ok - }" ;;
		not\ ok*) not_ok "${line#not ok - }" ;;
		*) echo "$line" ;;
	esac
done < <(
	check_pcap http-gzip.pcap http-gzip.sha256 '
/text.txt|spanwatch-test/1.0|nginx|gzip|text.txt|48100
/data.json|spanwatch-test/1.0|nginx|gzip|data.json|110
/text.txt|spanwatch-test/1.0|nginx|-|text.txt|48100'
	check_pcap http-wget.pcap http-wget.sha256 '
/wget.txt|Wget/*|nginx|-|wget.txt|20000'
	check_pcap http-python.pcap http-python.sha256 '
/python.bin|spanwatch-test/1.0|SimpleHTTP/*|-|python.bin|30000'
)
tap_done
