#!/usr/bin/env python3
"""Crafted HTTP file transfers for the file store (tests/detect/filestore_http.sh), called by
record.sh (step crafted-files).

Usage:
    craft_files.py OUTDIR      write rules-files.pcap, rules-files.sha256 and, in
                               OUTDIR/files/, every file it carries as it was sent (the
                               oracle of the stored bytes)

Same conventions as craft.py (client 10.0.0.1, server 10.0.0.2, fixed ports and sequence
numbers, classic little-endian pcap written by hand, 1 ms between packets, byte-identical on
every run).  The file contents come from a fixed-seed generator, never from the machine.

rules-files.pcap, four connections to port 80:
  M1 :41001  POST /upload.exe, multipart/form-data (boundary "sw-bnd-7a1c"), three parts:
             "note" (a form field, no filename: "hello from the form"), "a.exe"
             (3000 binary bytes that hold CR LF, "--" and the boundary's first
             characters, so the delimiter is matched and given up inside the data) and
             "b.txt" (40 lines of text); the body goes in 700-byte segments, so
             delimiters cross segment boundaries.  Response 200, body "upload ok\\n".
  M2 :41002  GET /tool.exe -> 200, 5000 binary bytes (application/x-msdownload)
  M3 :41003  GET /cut.bin -> 200, Content-Length 4000 but the server sends 2500 bytes and
             closes: a truncated download
  M4 :41004  POST /up2, multipart with one part "part.bin" whose body (Content-Length
             announces the whole) stops after 1200 of its 2000 bytes; the client closes:
             a truncated part
  M5 :41005  POST /form, multipart (same boundary) with five parts, as Suricata 7 decides
             which are files (a "filename=" token with a value): "user" (a form field:
             "alice"), "e" with filename="" (a file with an empty name: "empty-name data"),
             "s" with only filename*=UTF-8''star.txt (RFC 5987: no file in Suricata 7:
             "star data"), "b" with a bare filename= (no value: no file: "bare data") and
             "doc" with filename="doc.txt" (30 lines of text).  Response 200 "form ok\n".
  M6 :41006  GET /gap.bin -> 200, 6000 binary bytes (Content-Length) in 1400-byte segments;
             the segment that carries bytes 2800..4199 of the response is left out of the
             capture (the client still ACKs past it): a hole in the file's data
Files written to OUTDIR/files/: note, a.exe, b.txt, upload-ok.txt, tool.exe,
cut.bin.seen (the 2500 bytes sent), part.bin.seen (the 1200 bytes sent), empty-name (the
filename="" part), doc.txt, form-ok.txt, gap.bin (all 6000 bytes), gap.bin.seen (its bytes
before the hole); their SHA-256 sums (sha256sum's format) in OUTDIR/rules-files.sha256,
committed beside the pcap.  The packets of M1..M4 are those of the first version (the new
connections come after them).
"""

import hashlib
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import eth, write_pcap, V4_C, V4_S  # noqa: E402

import logging  # noqa: E402
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, Raw  # noqa: E402

BOUNDARY = b"sw-bnd-7a1c"


def packet(sport, to_server, flags, seq, ack, data=b""):
    """One TCP segment of the connection from 10.0.0.1:sport to 10.0.0.2:80."""
    if to_server:
        lower = eth() / IP(src=V4_C, dst=V4_S)
        tcp = TCP(sport=sport, dport=80, window=64240)
    else:
        lower = eth(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / IP(src=V4_S, dst=V4_C)
        tcp = TCP(sport=80, dport=sport, window=65160)
    tcp.flags, tcp.seq, tcp.ack = flags, seq, ack
    p = lower / tcp
    return p / Raw(data) if data else p


def conversation(sport, request_segs, response_segs, close_by_server=True,
                 cseq=100000, sseq=500000, drop=()):
    """Handshake, the client's segments, the server's segments (each ACKed), FIN/FIN/ACK
    started by the server (or the client).  drop: indexes of server segments left out of
    the capture (their sequence space is used and ACKed all the same: a hole)."""
    seq = {True: cseq, False: sseq}   # next sequence number of each side (True: client)
    pk = [packet(sport, True, "S", seq[True], 0)]
    seq[True] += 1
    pk.append(packet(sport, False, "SA", seq[False], seq[True]))
    seq[False] += 1
    pk.append(packet(sport, True, "A", seq[True], seq[False]))
    for side, segs in ((True, request_segs), (False, response_segs)):
        for i, seg in enumerate(segs):
            if side or i not in drop:
                pk.append(packet(sport, side, "PA", seq[side], seq[not side], seg))
            seq[side] += len(seg)
            pk.append(packet(sport, not side, "A", seq[not side], seq[side]))
    first = not close_by_server       # the side that closes first
    pk.append(packet(sport, first, "FA", seq[first], seq[not first]))
    seq[first] += 1
    pk.append(packet(sport, not first, "FA", seq[not first], seq[first]))
    seq[not first] += 1
    pk.append(packet(sport, first, "A", seq[first], seq[not first]))
    return pk


def segments(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)]


def multipart(parts):
    """parts: (headers line list, data).  The body as a browser sends it."""
    body = b""
    for hdrs, data in parts:
        body += b"--" + BOUNDARY + b"\r\n" + b"".join(h + b"\r\n" for h in hdrs) + b"\r\n"
        body += data + b"\r\n"
    return body + b"--" + BOUNDARY + b"--\r\n"


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    out = argv[1]
    fdir = os.path.join(out, "files")
    os.makedirs(fdir, exist_ok=True)
    rnd = random.Random(20261203)

    note = b"hello from the form"
    a_exe = bytearray(b"MZ" + bytes(rnd.randrange(256) for _ in range(2998)))
    # traps for the delimiter matcher: CR LF, "--", and the boundary's first bytes
    a_exe[500:520] = b"\r\n--sw-bnd-7a\r\nX--\r\n"
    a_exe[1399:1403] = b"\r\n--"   # across the 700-byte segments of the body
    a_exe = bytes(a_exe)
    b_txt = b"".join(b"line %02d of b.txt\r\n" % i for i in range(40))
    upload_ok = b"upload ok\n"
    tool = bytes(rnd.randrange(256) for _ in range(5000))
    cut = bytes(rnd.randrange(256) for _ in range(4000))
    part = bytes(rnd.randrange(256) for _ in range(2000))

    frames = []
    # M1: multipart upload
    body = multipart([
        ([b'Content-Disposition: form-data; name="note"'], note),
        ([b'Content-Disposition: form-data; name="file1"; filename="a.exe"',
          b"Content-Type: application/octet-stream"], a_exe),
        ([b'Content-Disposition: form-data; name="file2"; filename="b.txt"',
          b"Content-Type: text/plain"], b_txt),
    ])
    head = (b"POST /upload.exe HTTP/1.1\r\nHost: files.example\r\n"
            b"User-Agent: spanwatch-test/1.0\r\n"
            b"Content-Type: multipart/form-data; boundary=" + BOUNDARY + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    rsp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
           b"Connection: close\r\n\r\n" % len(upload_ok)) + upload_ok
    frames += conversation(41001, [head] + segments(body, 700), [rsp])

    # M2: a download
    rsp = (b"HTTP/1.1 200 OK\r\nContent-Type: application/x-msdownload\r\n"
           b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(tool)) + tool
    req = b"GET /tool.exe HTTP/1.1\r\nHost: files.example\r\nAccept: */*\r\n\r\n"
    frames += conversation(41002, [req], segments(rsp, 1400))

    # M3: a download cut short by the server
    rsp = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(cut)) + cut[:2500]
    req = b"GET /cut.bin HTTP/1.1\r\nHost: files.example\r\nAccept: */*\r\n\r\n"
    frames += conversation(41003, [req], segments(rsp, 1400))

    # M4: a multipart upload cut short by the client
    body = multipart([
        ([b'Content-Disposition: form-data; name="up"; filename="part.bin"',
          b"Content-Type: application/octet-stream"], part),
    ])
    pre = body.index(part)
    head = (b"POST /up2 HTTP/1.1\r\nHost: files.example\r\n"
            b"Content-Type: multipart/form-data; boundary=" + BOUNDARY + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    frames += conversation(41004, [head] + segments(body[:pre + 1200], 700), [],
                           close_by_server=False)

    # M5: which parts are files (Suricata 7: a "filename=" token with a value)
    user, empty_name = b"alice", b"empty-name data"
    star, bare = b"star data", b"bare data"
    doc = b"".join(b"doc line %02d\r\n" % i for i in range(30))
    form_ok = b"form ok\n"
    body = multipart([
        ([b'Content-Disposition: form-data; name="user"'], user),
        ([b'Content-Disposition: form-data; name="e"; filename=""',
          b"Content-Type: application/octet-stream"], empty_name),
        ([b"Content-Disposition: form-data; name=\"s\"; filename*=UTF-8''star.txt"], star),
        ([b'Content-Disposition: form-data; name="b"; filename='], bare),
        ([b'Content-Disposition: form-data; name="doc"; filename="doc.txt"',
          b"Content-Type: text/plain"], doc),
    ])
    head = (b"POST /form HTTP/1.1\r\nHost: files.example\r\n"
            b"Content-Type: multipart/form-data; boundary=" + BOUNDARY + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    rsp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
           b"Connection: close\r\n\r\n" % len(form_ok)) + form_ok
    frames += conversation(41005, [head] + segments(body, 700), [rsp])

    # M6: a download with a hole: the segment of response bytes 2800..4199 is not captured
    gap = bytes(rnd.randrange(256) for _ in range(6000))
    rsp = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(gap)) + gap
    req = b"GET /gap.bin HTTP/1.1\r\nHost: files.example\r\nAccept: */*\r\n\r\n"
    frames += conversation(41006, [req], segments(rsp, 1400), drop=(2,))
    gap_seen = gap[:2800 - (len(rsp) - len(gap))]

    write_pcap(os.path.join(out, "rules-files.pcap"), frames)
    with open(os.path.join(out, "rules-files.sha256"), "w") as sums:
        for name, data in (("note", note), ("a.exe", a_exe), ("b.txt", b_txt),
                           ("upload-ok.txt", upload_ok), ("tool.exe", tool),
                           ("cut.bin.seen", cut[:2500]), ("part.bin.seen", part[:1200]),
                           ("empty-name", empty_name), ("doc.txt", doc),
                           ("form-ok.txt", form_ok), ("gap.bin", gap),
                           ("gap.bin.seen", gap_seen)):
            with open(os.path.join(fdir, name), "wb") as f:
                f.write(data)
            sums.write("%s  %s\n" % (hashlib.sha256(data).hexdigest(), name))


if __name__ == "__main__":
    main(sys.argv)
