#!/usr/bin/env bash
# tests/detect/filestore_http.sh: filestore beside HTTP buffers (issue 14), multipart parts and
# truncated files in the file store, as Suricata 7 (docs.suricata.io, "File Keywords":
# filestore; "File Extraction"). A rule with filestore inspects the files of the transaction
# in its direction (http.uri makes it to_server: the request's files; http.stat_code
# to_client: the response's), reading the transaction's buffers; scope tx / flow then store
# the transaction's / flow's files in the direction given. A truncated file is stored with what
# was seen of it, named by the SHA-256 of those bytes, its fileinfo "state":"TRUNCATED".
#
# Oracles: tshark --export-objects http (whole bodies; the multipart POST body is split into its
# parts here), tshark's TCP stream contents for the two truncated files, and the SHA-256 of
# every file as craft_files.py wrote it (pcaps/rules-files.sha256). http.pcap: curl + nginx
# (see filestore.sh); rules-files.pcap: pcaps/craft_files.py.
. "$(dirname "$0")/../lib.sh"
require_spanwatch
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
FILES="$PCAPS/rules-files.pcap"

# run NAME PCAP RULE [--set ...]: one rule (header and sid added), store in $tmp/NAME/store
run() {
	local name=$1 pcap=$2 rule=$3
	shift 3
	mkdir -p "$tmp/$name"
	printf 'alert http any any -> any any (msg:"%s"; %s sid:1;)\n' "$name" "$rule" \
		>"$tmp/$name/r.rules"
	"$SPANWATCH" -r "$pcap" --workers "${WORKERS:-1}" -S "$tmp/$name/r.rules" \
		--set outputs.file-store.enabled=yes --set "outputs.file-store.dir=$tmp/$name/store" \
		"$@" >"$tmp/$name/eve.json" 2>"$tmp/$name/err.txt"
}

# stored NAME: the sha256 of every stored file (its name checked against its content), sorted
stored() {
	local f h
	for f in $(find "$tmp/$1/store" -mindepth 2 -maxdepth 2 -type f ! -name '*.json' | sort); do
		h=$(sha256sum "$f" | cut -d' ' -f1)
		[ "$(basename "$f")" = "$h" ] && [ "$(basename "$(dirname "$f")")" = "${h:0:2}" ] ||
			echo "misnamed:$f"
		echo "$h"
	done | sort
}

nalerts() { grep -c '"event_type":"alert"' "$tmp/$1/eve.json"; }

# sums FILE...: their sha256, sorted
sums() { sha256sum "$@" | cut -d' ' -f1 | sort; }

if ! command -v tshark >/dev/null 2>&1; then
	skip "tshark missing (Debian package tshark): no oracle for the stored bytes"
	tap_done
	exit
fi

# ---- the oracles ------------------------------------------------------------------------------
mkdir -p "$tmp/oh" "$tmp/of" "$tmp/parts"
tshark -r "$PCAPS/http.pcap" -q --export-objects "http,$tmp/oh" >/dev/null 2>&1
tshark -r "$FILES" -q --export-objects "http,$tmp/of" >/dev/null 2>&1
# the multipart POST body tshark exported (upload.exe), split at its boundary into the parts'
# data; and the bytes the two truncated transfers carried, from tshark's TCP streams 2 and 3
"$PY" - "$tmp/of/upload.exe" "$FILES" "$tmp/parts" <<'PYEOF'
import os, subprocess, sys
body, pcap, out = open(sys.argv[1], "rb").read(), sys.argv[2], sys.argv[3]
delim = b"--sw-bnd-7a1c"
for chunk in body.split(b"\r\n" + delim)[:-1]:
    chunk = chunk[len(delim) + 2:] if chunk.startswith(delim) else chunk[2:]
    head, data = chunk.split(b"\r\n\r\n", 1)
    name = head.split(b'filename="')[1].split(b'"')[0] if b'filename="' in head else \
        head.split(b'name="')[1].split(b'"')[0]
    open(os.path.join(out, name.decode()), "wb").write(data)

def stream(n):
    """The client's and the server's bytes of TCP stream n, as tshark follows it."""
    txt = subprocess.run(["tshark", "-r", pcap, "-q", "-z", "follow,tcp,raw,%d" % n],
                         capture_output=True, text=True).stdout
    cli, srv = b"", b""
    for l in txt.split("\n"):
        if not l.strip() or "=" in l or ":" in l:
            continue
        if l.startswith("\t"):
            srv += bytes.fromhex(l.strip())
        else:
            cli += bytes.fromhex(l.strip())
    return cli, srv

_, srv = stream(2)
open(os.path.join(out, "cut.bin.seen"), "wb").write(srv.split(b"\r\n\r\n", 1)[1])
cli, _ = stream(3)
part = cli.split(b"\r\n\r\n", 1)[1]             # the request body
part = part.split(b"\r\n\r\n", 1)[1]            # the part's data, after its headers
open(os.path.join(out, "part.bin.seen"), "wb").write(part)
PYEOF
craft_sum() { grep "  $1\$" "$PCAPS/rules-files.sha256" | cut -d' ' -f1; }
ok_oracle=yes
for f in note a.exe b.txt cut.bin.seen part.bin.seen; do
	[ "$(sums "$tmp/parts/$f")" = "$(craft_sum "$f")" ] || ok_oracle=no
done
[ "$(sums "$tmp/of/tool.exe")" = "$(craft_sum tool.exe)" ] || ok_oracle=no
check "oracles: tshark's objects and streams of rules-files.pcap are the files craft_files.py sent" \
	test "$ok_oracle" = yes
post_body=$(sums "$tmp/oh/index(1).html") # the 23-byte POST body of http.pcap
page_405=$(sums "$tmp/oh/index(2).html")
data_bin=$(sums "$tmp/oh/data.bin")
check "oracles: http.pcap's POST body (23 B), 405 page (150 B), data.bin (102400 B)" \
	test "$(stat -c %s "$tmp/oh/index(1).html")/$(stat -c %s "$tmp/oh/index(2).html")/$(stat -c %s "$tmp/oh/data.bin")" = 23/150/102400

# ---- 1. filestore beside HTTP buffers -----------------------------------------------------------
run post "$PCAPS/http.pcap" 'http.method; content:"POST"; filestore;'
check "http.method POST; filestore: 1 alert, the POST body stored (tshark's object)" \
	test "$(nalerts post)/$(stored post)" = "1/$post_body"
run txresp "$PCAPS/http.pcap" 'http.method; content:"POST"; filestore:to_client,tx;'
check "http.method POST; filestore:to_client,tx: the transaction's 405 page, not the body" \
	test "$(stored txresp)" = "$page_405"
run txboth "$PCAPS/http.pcap" 'http.method; content:"POST"; filestore:both,tx;'
check "http.method POST; filestore:both,tx: the body and the 405 page" \
	test "$(stored txboth)" = "$(printf '%s\n' "$post_body" "$page_405" | sort)"
run resp200 "$PCAPS/http.pcap" 'http.stat_code; content:"200"; http.uri; content:"data.bin"; filestore;'
check "http.stat_code 200 + http.uri data.bin; filestore: 2 alerts, data.bin stored once" \
	test "$(nalerts resp200)/$(stored resp200)" = "2/$data_bin"
# no fire: a to_server rule inspects the request's files, and a GET has none (Suricata 7)
run uribin "$PCAPS/http.pcap" 'http.uri; content:".bin"; filestore;'
check "http.uri .bin; filestore: no alert, nothing stored (GET requests carry no file)" \
	test "$(nalerts uribin)/$(stored uribin)" = "0/"
run getx "$PCAPS/http.pcap" 'http.method; content:"GET"; filestore:to_server,tx;'
check "http.method GET; filestore:to_server,tx: nothing (no request file to match)" \
	test "$(nalerts getx)/$(stored getx)" = "0/"
run put "$FILES" 'http.method; content:"PUT"; filestore;'
check "http.method PUT; filestore on rules-files.pcap: no alert, nothing stored" \
	test "$(nalerts put)/$(stored put)" = "0/"

# the upload's transaction: its three parts (to_server) or its response (to_client)
run upts "$FILES" 'http.uri; content:"/upload.exe"; filestore:to_server,tx;'
check "http.uri /upload.exe; filestore:to_server,tx: 1 alert (one transaction), the 3 parts, byte for byte" \
	test "$(nalerts upts)/$(stored upts)" = "1/$(sums "$tmp/parts/note" "$tmp/parts/a.exe" "$tmp/parts/b.txt")"
run uptc "$FILES" 'http.uri; content:"/upload.exe"; filestore:to_client,tx;'
check "http.uri /upload.exe; filestore:to_client,tx: only its response (tshark's upload(1).exe)" \
	test "$(stored uptc)" = "$(sums "$tmp/of/upload(1).exe")"
run ctype "$FILES" 'flow:to_client; http.content_type; content:"x-msdownload"; filestore;'
check "http.content_type x-msdownload; filestore: tool.exe (tshark's object)" \
	test "$(nalerts ctype)/$(stored ctype)" = "1/$(sums "$tmp/of/tool.exe")"
run flowboth "$FILES" 'http.method; content:"POST"; filestore:both,flow;'
check "http.method POST; filestore:both,flow: 2 alerts, the 3 parts, the response, and part.bin" \
	test "$(nalerts flowboth)/$(stored flowboth)" = "2/$(sums "$tmp/parts/note" "$tmp/parts/a.exe" "$tmp/parts/b.txt" \
		"$tmp/of/upload(1).exe" "$tmp/parts/part.bin.seen")"
WORKERS=3 run w3 "$FILES" 'http.uri; content:"/upload.exe"; filestore:to_server,tx;'
check "3 workers: the same 3 parts" test "$(stored w3)" = "$(stored upts)"

# ---- 2. multipart parts and truncated files -----------------------------------------------------
run force "$FILES" 'filename:"nothing-here";' --set outputs.file-store.force-filestore=yes \
	--set outputs.file-store.write-fileinfo=yes
check "force-filestore: 7 files, each as craft_files.py sent it (parts, download, truncated)" \
	test "$(stored force)" = "$(cut -d' ' -f1 "$PCAPS/rules-files.sha256" | sort)"
check "force-filestore: the same bytes as tshark's objects and streams" \
	test "$(stored force)" = "$(sums "$tmp/parts/note" "$tmp/parts/a.exe" "$tmp/parts/b.txt" \
		"$tmp/of/upload(1).exe" "$tmp/of/tool.exe" "$tmp/parts/cut.bin.seen" \
		"$tmp/parts/part.bin.seen")"
got=$("$PY" - "$tmp/force/eve.json" <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "fileinfo":
        f = e["fileinfo"]
        print(f["filename"], f["size"], f["state"], str(f["stored"]).lower(), f["file_id"],
              f.get("sha256", "-")[:8])
PYEOF
)
want="note 19 CLOSED true 1 46534be2
a.exe 3000 CLOSED true 2 e8a1fa21
b.txt 720 CLOSED true 3 1ec4ba0e
upload.exe 10 CLOSED true 4 8334067d
tool.exe 5000 CLOSED true 5 a184f863
cut.bin 2500 TRUNCATED true 6 46d8f200
part.bin 1200 TRUNCATED true 7 b3904491"
if [ "$got" = "$want" ]; then
	ok "fileinfo: parts CLOSED, the 2 truncated files TRUNCATED, stored, sha256 of what was seen"
else
	not_ok "fileinfo of the stored files"
	echo "$got" | diag
fi
check "stats: file_store.stored 7, truncated 2, not_kept 0" \
	test "$(stats_value "$tmp/force/eve.json" file_store.stored)/$(stats_value "$tmp/force/eve.json" file_store.truncated)/$(stats_value "$tmp/force/eve.json" file_store.not_kept)" = 7/2/0
njson=$(find "$tmp/force/store" -name '*.json' | wc -l)
check "write-fileinfo: 7 .json beside the files, cut.bin's names it TRUNCATED" \
	test "$njson" -eq 7 -a "$(cat "$tmp/force/store"/46/46d8f200*.json | grep -c '"state":"TRUNCATED"')" -eq 1
run part "$FILES" 'filename:"a.exe"; filestore;'
check "filename a.exe; filestore: that part only" \
	test "$(nalerts part)/$(stored part)" = "1/$(sums "$tmp/parts/a.exe")"
run ext "$FILES" 'fileext:"txt"; filestore;'
check "fileext txt; filestore: b.txt only" test "$(stored ext)" = "$(sums "$tmp/parts/b.txt")"
run cut "$FILES" 'filename:"cut.bin"; filestore;'
check "filename cut.bin; filestore: the 2500 bytes seen of the truncated download" \
	test "$(stored cut)" = "$(sums "$tmp/parts/cut.bin.seen")"
run cutpart "$FILES" 'http.uri; content:"/up2"; filestore;'
check "http.uri /up2; filestore: the 1200 bytes seen of the truncated part" \
	test "$(stored cutpart)" = "$(sums "$tmp/parts/part.bin.seen")"
run nocut "$FILES" 'filename:"cut.bin"; filesize:4000; filestore;'
check "filesize:4000 on the truncated download: no match, nothing stored" \
	test "$(nalerts nocut)/$(stored nocut)" = "0/"
# a part past the file store's depth is not stored (the body is kept to stream-depth)
run depth "$FILES" 'http.uri; content:"/upload.exe"; filestore:to_server,tx;' \
	--set outputs.file-store.stream-depth=1kb
check "stream-depth 1kb: the note (inside the first 1 KiB) stored, a.exe and b.txt past it not" \
	test "$(stored depth)/$(stats_value "$tmp/depth/eve.json" file_store.depth)" = "$(sums "$tmp/parts/note")/2"
tap_done
