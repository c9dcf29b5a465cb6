#!/usr/bin/env bash
# tests/detect/filestore_http.sh: filestore beside HTTP buffers (issue 14), multipart parts and
# truncated files in the file store, as Suricata 7 (docs.suricata.io, "File Keywords":
# filestore; "File Extraction"). A rule with filestore inspects the files of the transaction
# in its direction (http.uri makes it to_server: the request's files; http.stat_code
# to_client: the response's), reading the transaction's buffers; scope tx / flow then store
# the transaction's / flow's files in the direction given. A truncated file is stored with what
# was seen of it, named by the SHA-256 of those bytes, its fileinfo "state":"TRUNCATED", with
# "gaps":true only when bytes of it were never seen (a segment missing), not when the
# connection ended early or stream-depth cut it. A multipart part is a file only when its
# Content-Disposition has a filename (Suricata 7: "filename=" with a value, "" included;
# not filename*=); form fields stay in the request body (http.request_body).
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
# data (each named by its filename, or by its field name when that is empty or missing), the
# same of the /form body (tshark's object "form"); the bytes the two truncated transfers
# carried, from tshark's TCP streams 2 and 3; the bytes of gap.bin before its hole (stream 5:
# the server's segments in sequence order up to the first missing one); and a.exe's bytes
# within the first 1 KiB of the upload body (the stream-depth 1kb case)
"$PY" - "$tmp/of/upload.exe" "$FILES" "$tmp/parts" "$tmp/of/form" <<'PYEOF'
import os, subprocess, sys
body, pcap, out = open(sys.argv[1], "rb").read(), sys.argv[2], sys.argv[3]
delim = b"--sw-bnd-7a1c"

def split(body):
    for chunk in body.split(b"\r\n" + delim)[:-1]:
        off = body.index(chunk)
        chunk = chunk[len(delim) + 2:] if chunk.startswith(delim) else chunk[2:]
        head, data = chunk.split(b"\r\n\r\n", 1)
        name = head.split(b'filename="')[1].split(b'"')[0] if b'filename="' in head else b""
        if not name:
            name = head.split(b'name="')[1].split(b'"')[0]
        open(os.path.join(out, name.decode()), "wb").write(data)
        yield name, body.index(data, off)

starts = dict(split(body))
open(os.path.join(out, "a.exe.1kb"), "wb").write(body[starts[b"a.exe"]:1024])
list(split(open(sys.argv[4], "rb").read()))

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

# stream 5: the server's payloads by relative sequence number, up to the first hole
txt = subprocess.run(["tshark", "-r", pcap, "-Y", "tcp.stream==5 && tcp.srcport==80 && tcp.len>0",
                      "-T", "fields", "-e", "tcp.seq", "-e", "tcp.payload"],
                     capture_output=True, text=True).stdout
segs = sorted((int(l.split("\t")[0]), bytes.fromhex(l.split("\t")[1]))
              for l in txt.split("\n") if l.strip())
seen, nxt = b"", 1
for sq, data in segs:
    if sq != nxt:
        break
    seen += data
    nxt += len(data)
open(os.path.join(out, "gap.bin.seen"), "wb").write(seen.split(b"\r\n\r\n", 1)[1])
PYEOF
craft_sum() { grep "  $1\$" "$PCAPS/rules-files.sha256" | cut -d' ' -f1; }
ok_oracle=yes
for f in note a.exe b.txt cut.bin.seen part.bin.seen doc.txt gap.bin.seen; do
	[ "$(sums "$tmp/parts/$f")" = "$(craft_sum "$f")" ] || ok_oracle=no
done
[ "$(sums "$tmp/of/tool.exe")" = "$(craft_sum tool.exe)" ] || ok_oracle=no
[ "$(sums "$tmp/parts/e")" = "$(craft_sum empty-name)" ] || ok_oracle=no
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

# the upload's transaction: its two file parts (to_server; the "note" form field is no file)
# or its response (to_client)
run upts "$FILES" 'http.uri; content:"/upload.exe"; filestore:to_server,tx;'
check "http.uri /upload.exe; filestore:to_server,tx: 1 alert (one transaction), the 2 file parts, byte for byte, not the note field" \
	test "$(nalerts upts)/$(stored upts)" = "1/$(sums "$tmp/parts/a.exe" "$tmp/parts/b.txt")"
run uptc "$FILES" 'http.uri; content:"/upload.exe"; filestore:to_client,tx;'
check "http.uri /upload.exe; filestore:to_client,tx: only its response (tshark's upload(1).exe)" \
	test "$(stored uptc)" = "$(sums "$tmp/of/upload(1).exe")"
run ctype "$FILES" 'flow:to_client; http.content_type; content:"x-msdownload"; filestore;'
check "http.content_type x-msdownload; filestore: tool.exe (tshark's object)" \
	test "$(nalerts ctype)/$(stored ctype)" = "1/$(sums "$tmp/of/tool.exe")"
run flowboth "$FILES" 'http.method; content:"POST"; filestore:both,flow;'
check "http.method POST; filestore:both,flow: 3 alerts (3 POSTs), their 5 file parts, and the 2 responses" \
	test "$(nalerts flowboth)/$(stored flowboth)" = "3/$(sums "$tmp/parts/a.exe" "$tmp/parts/b.txt" \
		"$tmp/of/upload(1).exe" "$tmp/parts/part.bin.seen" "$tmp/parts/e" "$tmp/parts/doc.txt" \
		"$tmp/of/form(1)")"
WORKERS=3 run w3 "$FILES" 'http.uri; content:"/upload.exe"; filestore:to_server,tx;'
check "3 workers: the same 3 parts" test "$(stored w3)" = "$(stored upts)"

# ---- 2. multipart parts and truncated files -----------------------------------------------------
# force-filestore: every file of rules-files.pcap. The files are the 2 file parts of
# /upload.exe (not the "note" field), its response, tool.exe, the 2 truncated transfers
# (cut.bin: the server closed early; part.bin: the client did), of /form the parts with
# filename="" and filename="doc.txt" (not "user", not filename*= "s", not the bare filename=
# "b") and its response, and gap.bin (a segment missing): 10 files
run force "$FILES" 'filename:"nothing-here";' --set outputs.file-store.force-filestore=yes \
	--set outputs.file-store.write-fileinfo=yes --set 'app.http.file-hashes=[md5, sha256]'
check "force-filestore: 10 files, each as craft_files.py sent it (no form field, gap.bin up to its hole)" \
	test "$(stored force)" = "$(grep -v -E '  (note|gap\.bin)$' "$PCAPS/rules-files.sha256" | cut -d' ' -f1 | sort)"
check "force-filestore: the same bytes as tshark's objects and streams" \
	test "$(stored force)" = "$(sums "$tmp/parts/a.exe" "$tmp/parts/b.txt" \
		"$tmp/of/upload(1).exe" "$tmp/of/tool.exe" "$tmp/parts/cut.bin.seen" \
		"$tmp/parts/part.bin.seen" "$tmp/parts/e" "$tmp/parts/doc.txt" "$tmp/of/form(1)" \
		"$tmp/parts/gap.bin.seen")"
# fileinfo NAME: "filename size state gaps stored sha256[0..8) md5?" per fileinfo event, sorted
fileinfo() {
	"$PY" - "$tmp/$1/eve.json" <<'PYEOF'
import json, sys
out = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "fileinfo":
        f = e["fileinfo"]
        out.append("%s %d %s %s %s %s %s" % (f["filename"] or '""', f["size"], f["state"],
                   str(f["gaps"]).lower(), str(f["stored"]).lower(), f.get("sha256", "-")[:8],
                   "md5" if "md5" in f else "-"))
print("\n".join(sorted(out)))
PYEOF
}
got=$(fileinfo force)
want='"" 15 CLOSED false true 1317ec1b md5
a.exe 3000 CLOSED false true e8a1fa21 md5
b.txt 720 CLOSED false true 1ec4ba0e md5
cut.bin 2500 TRUNCATED false true 46d8f200 -
doc.txt 390 CLOSED false true c0b9f93c md5
form 8 CLOSED false true 20b88431 md5
gap.bin 2700 TRUNCATED true true 2d3e8456 -
part.bin 1200 TRUNCATED false true b3904491 -
tool.exe 5000 CLOSED false true a184f863 md5
upload.exe 10 CLOSED false true 8334067d md5'
if [ "$got" = "$want" ]; then
	ok "fileinfo: parts CLOSED; cut.bin and part.bin TRUNCATED without gaps (early close), gap.bin TRUNCATED with gaps; sha256 of what was stored"
else
	not_ok "fileinfo of the stored files"
	echo "$got" | diag
fi
check "stats: file_store.stored 10, truncated 3, cut 0, not_kept 0" \
	test "$(stats_value "$tmp/force/eve.json" file_store.stored)/$(stats_value "$tmp/force/eve.json" file_store.truncated)/$(stats_value "$tmp/force/eve.json" file_store.cut)/$(stats_value "$tmp/force/eve.json" file_store.not_kept)" = 10/3/0/0
njson=$(find "$tmp/force/store" -name '*.json' | wc -l)
check "write-fileinfo: 10 .json beside the files, cut.bin's names it TRUNCATED" \
	test "$njson" -eq 10 -a "$(cat "$tmp/force/store"/46/46d8f200*.json | grep -c '"state":"TRUNCATED"')" -eq 1
check "tshark: gap.bin's stream has 1 lost segment (the hole), cut.bin's none" \
	test "$(tshark -r "$FILES" -Y 'tcp.analysis.lost_segment' -T fields -e tcp.stream 2>/dev/null | tr '\n' ,)" = "5,"
WORKERS=3 run force3 "$FILES" 'filename:"nothing-here";' --set outputs.file-store.force-filestore=yes \
	--set 'app.http.file-hashes=[md5, sha256]'
check "3 workers: the same 10 files and fileinfo" \
	test "$(stored force3)/$(fileinfo force3)" = "$(stored force)/$(fileinfo force)"
run part "$FILES" 'filename:"a.exe"; filestore;'
check "filename a.exe; filestore: that part only" \
	test "$(nalerts part)/$(stored part)" = "1/$(sums "$tmp/parts/a.exe")"
run ext "$FILES" 'fileext:"txt"; filestore;'
check "fileext txt; filestore: b.txt and doc.txt (not the filename*= star.txt field)" \
	test "$(nalerts ext)/$(stored ext)" = "2/$(sums "$tmp/parts/b.txt" "$tmp/parts/doc.txt")"
run cut "$FILES" 'filename:"cut.bin"; filestore;'
check "filename cut.bin; filestore: the 2500 bytes seen of the truncated download" \
	test "$(stored cut)" = "$(sums "$tmp/parts/cut.bin.seen")"
# the truncated files not stored still carry the SHA-256 of what was seen (Suricata's file-store
# v2 forces the SHA-256, finished at a FILE_TRUNCATED close: util-file.c FileCloseFilePtr)
check "filename cut.bin; filestore: part.bin and gap.bin, not stored, TRUNCATED with the sha256 of what was seen" \
	test "$(fileinfo cut | grep -E '^(part|gap)\.bin' | tr '\n' ,)" = \
	"gap.bin 2700 TRUNCATED true false 2d3e8456 -,part.bin 1200 TRUNCATED false false b3904491 -,"
run cutpart "$FILES" 'http.uri; content:"/up2"; filestore;'
check "http.uri /up2; filestore: the 1200 bytes seen of the truncated part" \
	test "$(stored cutpart)" = "$(sums "$tmp/parts/part.bin.seen")"
run nocut "$FILES" 'filename:"cut.bin"; filesize:4000; filestore;'
check "filesize:4000 on the truncated download: no match, nothing stored" \
	test "$(nalerts nocut)/$(stored nocut)" = "0/"
run gap "$FILES" 'filename:"gap.bin"; filestore;'
check "filename gap.bin; filestore: its 2700 bytes before the hole (tshark's segments in order)" \
	test "$(nalerts gap)/$(stored gap)" = "1/$(sums "$tmp/parts/gap.bin.seen")"

# ---- 3. which multipart parts are files (Suricata 7) -------------------------------------------
run form "$FILES" 'http.uri; content:"/form"; filestore:to_server,tx;'
check "http.uri /form; filestore:to_server,tx: 1 alert, the filename=\"\" part and doc.txt" \
	test "$(nalerts form)/$(stored form)" = "1/$(sums "$tmp/parts/e" "$tmp/parts/doc.txt")"
run star "$FILES" 'filename:"star.txt"; filestore;'
check "filename star.txt (a filename*= part): no file, no alert, nothing stored" \
	test "$(nalerts star)/$(stored star)" = "0/"
run userf "$FILES" 'filename:"user";'
check "filename user (a form field): no alert" test "$(nalerts userf)" = 0
run fdata "$FILES" 'file.data; content:"alice"; filesize:>0;'
check "file.data content alice (a form field's value) with a file keyword: no alert (a part's file.data is its own bytes)" \
	test "$(nalerts fdata)" = 0
run fdata2 "$FILES" 'file.data; content:"doc line 29"; filesize:390;'
check "file.data content of doc.txt with filesize 390: 1 alert" test "$(nalerts fdata2)" = 1
run rbody "$FILES" 'http.request_body; content:"name=\"user\"|0d 0a 0d 0a|alice";'
check "http.request_body sees the form field: 1 alert" test "$(nalerts rbody)" = 1
check "http.uri /form: stored, the fileinfo of its 2 file parts (\"\" and doc.txt), no other" \
	test "$(fileinfo form | awk '$5 == "true" { print $1 }' | tr '\n' ,)" = '"",doc.txt,'

# ---- 4. stream-depth: a longer file is cut there (Suricata 7) ----------------------------------
# a part past the depth: the body is kept to stream-depth; a.exe starts inside the first 1 KiB
# and is cut at it (its first bytes, TRUNCATED, no gap, counted in file_store.cut), b.txt starts
# past it: nothing to store (file_store.depth)
run depth "$FILES" 'http.uri; content:"/upload.exe"; filestore:to_server,tx;' \
	--set outputs.file-store.stream-depth=1kb
check "stream-depth 1kb: a.exe's bytes within the first 1 KiB of the body stored; cut 1, depth 1" \
	test "$(stored depth)/$(stats_value "$tmp/depth/eve.json" file_store.cut)/$(stats_value "$tmp/depth/eve.json" file_store.depth)" = \
	"$(sums "$tmp/parts/a.exe.1kb")/1/1"
run depthdl "$FILES" 'flow:to_client; http.content_type; content:"x-msdownload"; filestore;' \
	--set outputs.file-store.stream-depth=1kb --set 'app.http.file-hashes=[md5, sha256]'
check "stream-depth 1kb: tool.exe's first 1024 bytes stored (tshark's object, head -c 1024)" \
	test "$(stored depthdl)" = "$(head -c 1024 "$tmp/of/tool.exe" | sha256sum | cut -d' ' -f1)"
check "stream-depth 1kb: tool.exe's fileinfo TRUNCATED, gaps false, size 1024, no md5" \
	test "$(fileinfo depthdl | grep '^tool.exe')" = "tool.exe 1024 TRUNCATED false true $(head -c 1024 "$tmp/of/tool.exe" | sha256sum | cut -c1-8) -"
WORKERS=3 run depth3 "$FILES" 'flow:to_client; http.content_type; content:"x-msdownload"; filestore;' \
	--set outputs.file-store.stream-depth=1kb
check "3 workers: the same cut tool.exe" test "$(stored depth3)" = "$(stored depthdl)"
tap_done
