#!/usr/bin/env bash
# tests/detect/filestore.sh: the file store (outputs.file-store, Suricata's file-store v2) and the
# filestore keyword with its direction and scope. http.pcap is curl + nginx (pcaps/record.sh):
# five connections, seven bodies (index.html 131 B twice, data.bin 102400 B twice, the 404 page
# 146 B, a POST body 23 B and its 405 page 150 B), five distinct contents. The oracle is
# tshark's --export-objects http: every stored file must be byte-identical to one it exported,
# named by its own SHA-256 under <dir>/<first two hex digits>/.
. "$(dirname "$0")/../lib.sh"
require_spanwatch
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
PCAP="$PCAPS/http.pcap"

# run NAME RULES [--set ...]: store in $tmp/NAME/store, events in $tmp/NAME/eve.json
run() {
	local name=$1 rules=$2
	shift 2
	mkdir -p "$tmp/$name"
	printf '%s\n' "$rules" >"$tmp/$name/r.rules"
	"$SPANWATCH" -r "$PCAP" --workers 1 -S "$tmp/$name/r.rules" \
		--set outputs.file-store.enabled=yes --set "outputs.file-store.dir=$tmp/$name/store" \
		"$@" >"$tmp/$name/eve.json" 2>"$tmp/$name/err.txt"
}

# stored NAME: the sha256 of every stored file (name checked against content), sorted
stored() {
	local f bad=0
	for f in $(find "$tmp/$1/store" -mindepth 2 -maxdepth 2 -type f ! -name '*.json' | sort); do
		local h
		h=$(sha256sum "$f" | cut -d' ' -f1)
		if [ "$(basename "$f")" != "$h" ] || [ "$(basename "$(dirname "$f")")" != "${h:0:2}" ]; then
			echo "misnamed:$f"
			bad=1
		fi
		echo "$h"
	done | sort
	return $bad
}

# fileinfo NAME: "filename size stored file_id" per fileinfo event, in order
fileinfo() {
	"$PY" - "$tmp/$1/eve.json" <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "fileinfo":
        f = e["fileinfo"]
        print(f["filename"], f["size"], str(f["stored"]).lower(), f.get("file_id", "-"))
PYEOF
}

if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark missing (Debian package tshark): no oracle for the stored bytes"
	tap_done
	exit
fi
mkdir -p "$tmp/oracle"
tshark -r "$PCAP" -q --export-objects "http,$tmp/oracle" >/dev/null 2>&1
oracle=$(sha256sum "$tmp/oracle"/* | cut -d' ' -f1 | sort -u)
check "tshark exported 5 distinct contents" test "$(echo "$oracle" | wc -l)" -eq 5

# 1. filestore without options: every file of every rule match, once per content
run all 'alert http any any -> any any (msg:"store"; filestore; sid:1;)' \
	--set outputs.file-store.write-fileinfo=yes
if got=$(stored all) && [ "$got" = "$oracle" ]; then
	ok "filestore: the 5 stored files are tshark's 5 exported objects, byte for byte, named by SHA-256"
else
	not_ok "filestore: stored files differ from tshark's objects"
	{ echo "got:"; echo "$got"; echo "want:"; echo "$oracle"; } | diag
fi
want_fi='index.html 131 true 1
data.bin 102400 true 2
missing.html 146 true 3
index.html 23 true 4
index.html 150 true 5
index.html 131 true 6
data.bin 102400 true 7'
got_fi=$(fileinfo all)
if [ "$got_fi" = "$want_fi" ]; then
	ok "filestore: the 7 fileinfo events say stored: true with file_id 1..7"
else
	not_ok "filestore: fileinfo events"
	{ echo "$got_fi"; } | diag
fi
check "filestore: stats file_store.stored 5, dups 2, bytes 102850" \
	test "$(stats_value "$tmp/all/eve.json" file_store.stored)/$(stats_value "$tmp/all/eve.json" file_store.dups)/$(stats_value "$tmp/all/eve.json" file_store.bytes)" = "5/2/102850"
njson=$(find "$tmp/all/store" -name '*.json' | wc -l)
if [ "$njson" -eq 7 ] && "$PY" - "$tmp/all/store" <<'PYEOF'; then
import glob, json, os, re, sys
for p in glob.glob(sys.argv[1] + "/*/*.json"):
    m = re.match(r"([0-9a-f]{64})\.(\d+)\.(\d+)\.json$", os.path.basename(p))
    e = json.load(open(p))
    f = e["fileinfo"]
    assert m and e["event_type"] == "fileinfo", p
    assert f["sha256"] == m.group(1) and f["file_id"] == int(m.group(3)) and f["stored"], p
    assert os.path.exists(os.path.join(os.path.dirname(p), m.group(1))), p
PYEOF
	ok "write-fileinfo: 7 <sha256>.<seconds>.<file_id>.json beside the files, each its fileinfo event"
else
	not_ok "write-fileinfo: $njson json files, or a wrong one"
fi
ndirs=$(find "$tmp/all/store" -mindepth 1 -maxdepth 1 -type d | wc -l)
check "the store has 00..ff and tmp (257 directories), tmp left empty" \
	test "$ndirs" -eq 257 -a -z "$(ls -A "$tmp/all/store/tmp")"

# 1b. three workers: the same files (file_id order may differ between workers)
mkdir -p "$tmp/w3"
"$SPANWATCH" -r "$PCAP" --workers 3 -S "$tmp/all/r.rules" --set outputs.file-store.enabled=yes \
	--set "outputs.file-store.dir=$tmp/w3/store" >"$tmp/w3/eve.json" 2>/dev/null
ids=$(fileinfo w3 | cut -d' ' -f4 | sort -n | tr '\n' ' ')
check "3 workers: the same 5 stored files, file_ids 1..7 each once" \
	test "$(stored w3)" = "$oracle" -a "$ids" = "1 2 3 4 5 6 7 "

# 2. no filestore rule: nothing stored, every fileinfo says stored: false
run none 'alert http any any -> any any (msg:"name"; filename:"data.bin"; sid:1;)'
check "no filestore rule: nothing stored, fileinfo stored false" \
	test -z "$(stored none)" -a "$(fileinfo none | grep -c ' true ')" -eq 0

# 3. force-filestore: every file without rules
run force 'alert http any any -> any any (msg:"name"; filename:"nothing-here"; sid:1;)' \
	--set outputs.file-store.force-filestore=yes
check "force-filestore: the 5 contents stored without a filestore rule" test "$(stored force)" = "$oracle"

# 4. only the files the rule matched (scope file)
run one 'alert http any any -> any any (msg:"data"; filename:"data.bin"; filestore; sid:1;)'
check "filename:data.bin; filestore: only data.bin is stored (twice asked, once written)" \
	test "$(stored one)" = "c58ffb74399bfcea70d9b333d6cbf8cefd3d483cc8cc675b0c57f18128a448a7" -a \
	"$(fileinfo one | grep -c ' true ')" -eq 2

# 5. scope tx: the POST body (to_server) matches, filestore:response stores its transaction's
#    response (the 405 page), not the request body
run tx 'alert http any any -> any any (msg:"post"; filesize:23; filestore:response; sid:1;)'
check "filesize:23; filestore:response: the 405 page of that transaction, not the POST body" \
	test "$(stored tx)" = "dace2a571c147da773724738bb0b80d39c430cce12f770210d8f270e958db773"
run txfile 'alert http any any -> any any (msg:"post"; filesize:23; filestore:response,file; sid:1;)'
check "filestore:response,file on a request file: nothing (the file is not a response)" \
	test -z "$(stored txfile)"

# 6. scope flow: index.html (131 B) matches on the first and the last connection; on the last,
#    keep-alive, the later data.bin is stored too, while the second connection's is not
run flow 'alert http any any -> any any (msg:"idx"; filesize:131; filestore:to_client,flow; sid:1;)'
got=$(fileinfo flow | grep ' true ' | cut -d' ' -f1,2 | tr '\n' ',')
check "filestore:to_client,flow: both index.html and the same connection's later data.bin" \
	test "$got" = "index.html 131,index.html 131,data.bin 102400,"
got=$(fileinfo flow | grep 'data.bin' | cut -d' ' -f3 | tr '\n' ',')
check "filestore:to_client,flow: the other connection's data.bin is not stored" test "$got" = "false,true,"

# 7. stream-depth: data.bin (102400 B) is longer than 50kb: as Suricata 7 cuts a file at the
# depth (app-layer-htp.c AppLayerHtpCheckDepth, then HTPFileClose FILE_TRUNCATED), its first
# 51200 bytes (tshark's data.bin, cut with head -c) are stored, named by their SHA-256; its
# fileinfo says TRUNCATED, no gap, size 51200; counted twice in file_store.cut (the second
# transfer is the same content: a dup)
run depth 'alert http any any -> any any (msg:"store"; filestore; sid:1;)' \
	--set outputs.file-store.stream-depth=50kb
head50=$(head -c 51200 "$tmp/oracle/data.bin" | sha256sum | cut -d' ' -f1)
small4=$(sha256sum "$tmp/oracle"/* | grep -v "/data" | cut -d' ' -f1 | sort -u)
check "stream-depth 50kb: the 4 small contents and data.bin's first 51200 bytes stored (cut 2, depth 0, dups 2: index.html and data.bin twice)" \
	test "$(stored depth)/$(stats_value "$tmp/depth/eve.json" file_store.cut)/$(stats_value "$tmp/depth/eve.json" file_store.depth)/$(stats_value "$tmp/depth/eve.json" file_store.dups)" = \
	"$(printf '%s\n' $small4 "$head50" | sort)/2/0/2"
got=$("$PY" - "$tmp/depth/eve.json" <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "fileinfo" and e["fileinfo"]["filename"] == "data.bin":
        f = e["fileinfo"]
        print(f["state"], f["gaps"], f["size"], f["stored"], f.get("sha256", "-"), "md5" in f)
PYEOF
)
check "stream-depth 50kb: data.bin's 2 fileinfo: TRUNCATED, gaps false, size 51200, stored, sha256 of the 51200 bytes, no md5" \
	test "$got" = "$(printf 'TRUNCATED False 51200 True %s False\n' "$head50" "$head50")"

# 7b. app.memcap too small to keep data.bin whole: not stored, counted in both places
run memcap 'alert http any any -> any any (msg:"store"; filestore; sid:1;)' --set app.memcap=96kb
check "app.memcap 96kb: data.bin refused twice (file_store.memcap_refused 2, app.memcap_refused 2), 4 stored" \
	test "$(stored memcap | wc -l)/$(stats_value "$tmp/memcap/eve.json" file_store.memcap_refused)/$(stats_value "$tmp/memcap/eve.json" app.memcap_refused)" = "4/2/2"

# 8. a directory that cannot be made is an error at start naming the key
printf 'x' >"$tmp/notadir"
if ! "$SPANWATCH" -r "$PCAP" --workers 1 --set outputs.file-store.enabled=yes \
	--set "outputs.file-store.dir=$tmp/notadir" >/dev/null 2>"$tmp/err.txt" &&
	grep -q "outputs.file-store.dir: cannot make $tmp/notadir: not a directory" "$tmp/err.txt"; then
	ok "a file-store dir that is a file: refused at start, naming outputs.file-store.dir"
else
	not_ok "a file-store dir that is a file"
	diag <"$tmp/err.txt"
fi

# 8b. --user: the directories made before privileges drop belong to that user, who writes there
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -p "$tmp/priv" && chmod 755 "$tmp" "$tmp/priv"
	printf '%s\n' 'alert http any any -> any any (msg:"store"; filestore; sid:1;)' >"$tmp/priv/r.rules"
	"$SPANWATCH" -r "$PCAP" --workers 1 -S "$tmp/priv/r.rules" --user nobody \
		--set outputs.file-store.enabled=yes --set "outputs.file-store.dir=$tmp/priv/store" \
		>"$tmp/priv/eve.json" 2>"$tmp/priv/err.txt"
	owner=$(stat -c %U "$tmp/priv/store" "$tmp/priv/store/c5" "$tmp/priv/store/tmp" | sort -u)
	if [ "$owner" = nobody ] && [ "$(stored priv)" = "$oracle" ]; then
		ok "--user nobody: the store's directories are nobody's, and the 5 files are written"
	else
		not_ok "--user nobody: owner '$owner', or files missing"
		diag <"$tmp/priv/err.txt"
	fi
else
	skip "--user nobody: needs root"
fi

# 9. tls.store (Suricata's tls-store): the server's chain as PEM (<sec>.<usec>-<id>.pem) and a
#    .meta, in outputs.tls-store.certs-log-dir. tls-oddcert.pcap's server sends two
#    certificates (pcaps/craft_tls.py); tshark's tls.handshake.certificate gives their DER
for pcap in tls-oddcert tls; do
	d="$tmp/tls-$pcap"
	mkdir -p "$d"
	printf '%s\n' 'alert tls any any -> any any (msg:"store chain"; tls.store; sid:2;)' >"$d/r.rules"
	TZ=UTC "$SPANWATCH" -r "$PCAPS/$pcap.pcap" --workers 1 -S "$d/r.rules" \
		--set outputs.tls-store.enabled=yes --set "outputs.tls-store.certs-log-dir=$d/certs" \
		>"$d/eve.json" 2>"$d/err.txt"
	want=$(tshark -r "$PCAPS/$pcap.pcap" -d tcp.port==443,tls -Y 'tls.handshake.type==11' \
		-T fields -e tls.handshake.certificate 2>/dev/null | head -1 | tr ',' '\n' | tr -d ':')
	pems=$(ls "$d/certs"/*.pem 2>/dev/null)
	got=$("$PY" - "$pems" <<'PYEOF'
import base64, re, sys
if sys.argv[1] and "\n" not in sys.argv[1]:
    t = open(sys.argv[1]).read()
    for b in re.findall(r"-----BEGIN CERTIFICATE-----\n(.*?)-----END CERTIFICATE-----\n", t, re.S):
        assert all(len(l) <= 64 for l in b.splitlines())
        print(base64.b64decode(b).hex())
PYEOF
)
	n=$(echo "$want" | grep -c .)
	if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$(stats_value "$d/eve.json" tls_store.stored)" = 1 ]; then
		ok "tls.store on $pcap.pcap: one PEM file with the $n certificate(s) tshark sees, in order, 64-column base64"
	else
		not_ok "tls.store on $pcap.pcap: PEM chain differs from tshark's"
		{ echo "got: $got"; echo "want: $want"; ls -l "$d/certs"; } | diag
	fi
	meta=${pems%.pem}.meta
	fp=$(openssl x509 -in "$pems" -noout -fingerprint -sha1 2>/dev/null | sed 's/.*=//' | tr 'A-F' 'a-f')
	subj=$(openssl x509 -in "$pems" -noout -subject -nameopt RFC2253 2>/dev/null | sed 's/^subject=//')
	if [ -f "$meta" ] && grep -q "^TLS FINGERPRINT:   $fp\$" "$meta" && grep -q "^TLS SUBJECT:       $subj\$" "$meta" &&
		grep -q '^PROTO:             6$' "$meta" && grep -Eq '^TIME:              [0-9]{2}/[0-9]{2}/[0-9]{4}-[0-9:]{8}\.[0-9]{6}$' "$meta"; then
		ok "tls.store on $pcap.pcap: the .meta has the first certificate's subject and SHA-1 fingerprint as openssl prints them"
	else
		not_ok "tls.store on $pcap.pcap: .meta"
		diag <"$meta"
	fi
done
mkdir -p "$tmp/tls-none"
printf '%s\n' 'alert tls any any -> any any (msg:"no store"; tls.cert_chain_len:>5; tls.store; sid:3;)' >"$tmp/tls-none/r.rules"
"$SPANWATCH" -r "$PCAPS/tls-oddcert.pcap" --workers 1 -S "$tmp/tls-none/r.rules" \
	--set outputs.tls-store.enabled=yes --set "outputs.tls-store.certs-log-dir=$tmp/tls-none/certs" \
	>/dev/null 2>&1
check "tls.store in a rule that does not match: nothing stored" test -z "$(ls -A "$tmp/tls-none/certs")"
tap_done
