#!/usr/bin/env python3
"""HTTP evasion test server: one known file served in many odd ways, one URL per variant.

Usage:
    server.py serve [--port 80] [--bind 127.0.0.1] [--log FILE]
                                   serve /, /v/<name> (until killed)
    server.py list                 name, class and description of every variant (TSV)
    server.py fetch [--port 80] [--host 127.0.0.1] [--first-port 30000] [NAME...]
                                   fetch variants with a plain socket client (one connection
                                   each, source port first-port + index), read until close
    server.py seeds DIR            one HTTP fuzz seed per variant (request + response)
    server.py payload              the served file on stdout

Raw sockets, no framework: every response is a precise byte sequence from the table VARIANTS
below (a list of pieces, sent with a short pause between them so that interim responses are
their own segments), then the server shuts its side down (FIN). Nothing in a response depends
on time (no Date header): the bytes are the same on every run. What the browsers make of each
variant is the test oracle (record.sh, expected.tsv); see pcaps/README.md.
"""

import os
import socket
import struct
import sys
import threading
import time
import zlib

try:  # only needed for the br and zstd variants (Debian python3-brotli, python3-zstandard)
    import brotli
except ImportError:  # pragma: no cover
    brotli = None
try:
    import zstandard
except ImportError:  # pragma: no cover
    zstandard = None


# ---------------------------------------------------------------------------------------------
# the file: 4000 bytes that look like a small Windows executable (an "MZ" header, the DOS stub
# text, a "PE" signature, then bytes of a fixed generator): what a dropper would fetch
# ---------------------------------------------------------------------------------------------
def make_payload():
    head = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
    head += b"\xb8" + bytes(7) + b"\x40" + bytes(35) + struct.pack("<I", 0x80)
    head += b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
    head += b"This program cannot be run in DOS mode.\r\r\n$" + bytes(7)
    head += bytes(0x80 - len(head))
    head += b"PE\x00\x00\x4c\x01\x03\x00" + bytes(16)
    # "code": 16-byte rows, a quarter of them zeros, the rest drawn from 24 opcode-like bytes,
    # so that the file compresses to about half (as executables do) and gzip stays shorter
    ops = b"\x55\x89\xe5\x83\xec\x8b\x45\x08\x5d\xc3\xe8\xff\x15\x50\x51\x52\x6a\x00\x74\x75\xeb\x90\x33\xc0"
    x = 20260101
    while len(head) < 4000:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        if (x >> 20) & 3 == 0:
            head += bytes(16)
            continue
        for _ in range(16):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            head.append(ops[(x >> 16) % len(ops)])
    return bytes(head[:4000])


B = make_payload()
L = len(B)  # 4000 = 0xfa0

# ---------------------------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------------------------
S200 = b"HTTP/1.1 200 OK\r\n"
CT = b"Content-Type: application/octet-stream\r\n"
CLB = b"Content-Length: 4000\r\n"
TEC = b"Transfer-Encoding: chunked\r\n"
END = b"\r\n"


def cl(n):
    return b"Content-Length: %d\r\n" % n


def chunked(data, size=1000, fmt=b"%x", sep=b"\r\n", after=b"\r\n", last=b"0\r\n\r\n",
            first=b""):
    """data in chunks of `size`: FIRST, then per chunk FMT % len + SEP + data + AFTER, then
    LAST. FMT may be bytes with one %x, or a callable(len) -> bytes."""
    out = [first]
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out.append((fmt(len(piece)) if callable(fmt) else fmt % len(piece)) + sep + piece + after)
    out.append(last)
    return b"".join(out)


def deflate_raw(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    return c.compress(data) + c.flush()


def deflate_zlib(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, 15, 9)
    return c.compress(data) + c.flush()


def gzip_member(data, flags=0, extra=b"", name=b"", comment=b"", crc=None, isize=None,
                trailer=True, os_byte=3):
    """A gzip member (RFC 1952) built by hand: FLG bits FTEXT 1, FHCRC 2, FEXTRA 4, FNAME 8,
    FCOMMENT 16; MTIME 0; the header CRC is computed when FHCRC is set."""
    h = bytes([0x1F, 0x8B, 8, flags]) + struct.pack("<I", 0) + bytes([2, os_byte])
    if flags & 4:
        h += struct.pack("<H", len(extra)) + extra
    if flags & 8:
        h += name + b"\0"
    if flags & 16:
        h += comment + b"\0"
    if flags & 2:
        h += struct.pack("<H", zlib.crc32(h) & 0xFFFF)
    out = h + deflate_raw(data)
    if trailer:
        out += struct.pack("<II", zlib.crc32(data) if crc is None else crc,
                           len(data) if isize is None else isize)
    return out


def gz(data):
    return gzip_member(data)


def br(data):
    return brotli.compress(data, quality=9) if brotli else b"<python3-brotli missing>"


def zst(data):
    if not zstandard:
        return b"<python3-zstandard missing>"
    return zstandard.ZstdCompressor(level=9, write_content_size=True).compress(data)


GZ = gz(B)
GZL = len(GZ)


def resp(head, body):
    """status line and headers (one bytes), the empty line, the body"""
    return head + END + body


# ---------------------------------------------------------------------------------------------
# the variants: (name, class, description, pieces). pieces is bytes or a list of bytes (sent
# 50 ms apart). Every response ends with the server's FIN.
# ---------------------------------------------------------------------------------------------
VARIANTS = []


def V(name, klass, desc, pieces):
    assert all(v[0] != name for v in VARIANTS), name
    VARIANTS.append((name, klass, desc, pieces if isinstance(pieces, list) else [pieces]))


# -- baselines ----------------------------------------------------------------------------------
V("cl", "baseline", "Content-Length", resp(S200 + CT + CLB, B))
V("close", "baseline", "HTTP/1.1, no length: body until close", resp(S200 + CT, B))
V("chunked", "baseline", "chunked, 1000-byte chunks", resp(S200 + CT + TEC, chunked(B)))
V("chunked-one", "baseline", "chunked, one chunk", resp(S200 + CT + TEC, chunked(B, 4000)))
V("http10-close", "baseline", "HTTP/1.0, no length: until close",
  resp(b"HTTP/1.0 200 OK\r\n" + CT, B))
V("http10-cl", "baseline", "HTTP/1.0 with Content-Length", resp(b"HTTP/1.0 200 OK\r\n" + CT + CLB, B))
V("conn-close", "baseline", "Content-Length and Connection: close",
  resp(S200 + CT + CLB + b"Connection: close\r\n", B))
V("split-head", "baseline", "status line and headers in separate segments",
  [S200, CT, CLB + END, B[:1000], B[1000:]])

# -- chunk size lines ---------------------------------------------------------------------------
V("chunk-comma", "chunk", "chunk size followed by ',' (3e8,)",
  resp(S200 + CT + TEC, chunked(B, fmt=b"%x,")))
V("chunk-junk", "chunk", "chunk size followed by letters (3e8xyz)",
  resp(S200 + CT + TEC, chunked(B, fmt=b"%xxyz")))
V("chunk-space-after", "chunk", "spaces after the chunk size",
  resp(S200 + CT + TEC, chunked(B, fmt=b"%x  ")))
V("chunk-tab-after", "chunk", "a tab after the chunk size",
  resp(S200 + CT + TEC, chunked(B, fmt=b"%x\t")))
V("chunk-space-before", "chunk", "a space before the chunk size",
  resp(S200 + CT + TEC, chunked(B, fmt=b" %x")))
V("chunk-tab-before", "chunk", "a tab before the chunk size",
  resp(S200 + CT + TEC, chunked(B, fmt=b"\t%x")))
V("chunk-zeros", "chunk", "chunk sizes with leading zeros (000003e8)",
  resp(S200 + CT + TEC, chunked(B, fmt=b"%08x")))
V("chunk-upper", "chunk", "upper-case hex chunk sizes (3E8)",
  resp(S200 + CT + TEC, chunked(B, fmt=b"%X")))
V("chunk-0x", "chunk", "chunk sizes with 0x prefix (0x3e8)",
  resp(S200 + CT + TEC, chunked(B, fmt=b"0x%x")))
V("chunk-plus", "chunk", "chunk sizes with a + sign",
  resp(S200 + CT + TEC, chunked(B, fmt=b"+%x")))
V("chunk-minus", "chunk", "first chunk size negative (-3e8)",
  resp(S200 + CT + TEC, b"-3e8\r\n" + B[:1000] + b"\r\n" + chunked(B[1000:])))
V("chunk-overflow", "chunk", "chunk size that overflows 64 bits (100000000000003e8)",
  resp(S200 + CT + TEC, chunked(B, fmt=b"1000000000000%04x")))
V("chunk-empty-line-first", "chunk", "an empty line before the first chunk size",
  resp(S200 + CT + TEC, chunked(B, first=b"\r\n")))
V("chunk-empty-lines-between", "chunk", "an extra empty line after each chunk's data",
  resp(S200 + CT + TEC, chunked(B, after=b"\r\n\r\n")))
V("chunk-ext", "chunk", "chunk extensions (;name=value)",
  resp(S200 + CT + TEC, chunked(B, fmt=b"%x;name=value")))
V("chunk-ext-quoted", "chunk", "quoted chunk extension with ; and spaces inside",
  resp(S200 + CT + TEC, chunked(B, fmt=b'%x;a="x; y"')))
V("chunk-ext-space", "chunk", "chunk extension after spaces (3e8 ; ext)",
  resp(S200 + CT + TEC, chunked(B, fmt=b"%x ; ext")))
V("chunk-ext-long", "chunk", "a 3000-byte chunk extension",
  resp(S200 + CT + TEC, chunked(B, fmt=lambda n: b"%x;" % n + b"e" * 3000)))
V("chunk-no-last", "chunk", "no last chunk: data chunks, then close",
  resp(S200 + CT + TEC, chunked(B, last=b"")))
V("chunk-last-no-crlf", "chunk", "last chunk '0\\r\\n' without the final empty line, then close",
  resp(S200 + CT + TEC, chunked(B, last=b"0\r\n")))
V("chunk-trailer", "chunk", "a trailer header after the last chunk",
  resp(S200 + CT + TEC, chunked(B, last=b"0\r\nX-Trailer: 1\r\n\r\n")))
V("chunk-trailer-cl", "chunk", "a Content-Length: 5 trailer",
  resp(S200 + CT + TEC, chunked(B, last=b"0\r\nContent-Length: 5\r\n\r\n")))
V("chunk-data-no-crlf", "chunk", "chunk data not followed by CRLF (next size straight after)",
  resp(S200 + CT + TEC, chunked(B, after=b"")))
V("chunk-data-lf", "chunk", "chunk data followed by LF only",
  resp(S200 + CT + TEC, chunked(B, after=b"\n")))
V("chunk-data-junk", "chunk", "chunk data followed by 'xx\\r\\n'",
  resp(S200 + CT + TEC, chunked(B, after=b"xx\r\n")))
V("chunk-lf", "chunk", "chunk size lines end in LF only",
  resp(S200 + CT + TEC, chunked(B, sep=b"\n", after=b"\n", last=b"0\n\n")))
V("chunk-cr", "chunk", "chunk size lines end in CR only",
  resp(S200 + CT + TEC, chunked(B, sep=b"\r", after=b"\r", last=b"0\r\r")))
V("chunk-nul-after", "chunk", "a NUL after the chunk size",
  resp(S200 + CT + TEC, chunked(B, fmt=b"%x\x00")))
V("chunk-one-byte", "chunk", "4000 chunks of one byte",
  resp(S200 + CT + TEC, chunked(B, 1)))
V("chunk-zero-first", "chunk", "the last chunk first, then data chunks",
  resp(S200 + CT + TEC, b"0\r\n\r\n" + chunked(B)))
V("chunk-not-hex", "chunk", "first chunk size not hex (zz)",
  resp(S200 + CT + TEC, b"zz\r\n" + chunked(B)))
V("chunk-size-empty", "chunk", "one empty line before the second chunk size only",
  resp(S200 + CT + TEC, chunked(B[:1000]) [:-5] + b"\r\n" + chunked(B[1000:])))
V("chunk-after-end", "chunk", "bytes after the last chunk",
  resp(S200 + CT + TEC, chunked(B) + b"trailing garbage"))
V("chunk-big-size", "chunk", "one chunk announcing more (0x1000) than is sent, then close",
  resp(S200 + CT + TEC, b"1000\r\n" + B))
V("chunk-split-size", "chunk", "chunk size line split across segments",
  [S200 + CT + TEC + END + b"3", b"e8\r\n" + B[:1000] + b"\r\n", chunked(B[1000:])])

# -- Transfer-Encoding values -------------------------------------------------------------------
def te(value, body=None):
    return resp(S200 + CT + b"Transfer-Encoding: " + value + b"\r\n",
                chunked(B) if body is None else body)


V("te-upper", "te", "Transfer-Encoding: CHUNKED", te(b"CHUNKED"))
V("te-mixed-case", "te", "Transfer-Encoding: ChUnKeD", te(b"ChUnKeD"))
V("te-space-before", "te", "Transfer-Encoding:  chunked (extra space)", te(b" chunked"))
V("te-no-space", "te", "Transfer-Encoding:chunked", resp(S200 + CT + b"Transfer-Encoding:chunked\r\n",
                                                          chunked(B)))
V("te-space-after", "te", "'chunked   ' (trailing spaces)", te(b"chunked   "))
V("te-tab-before", "te", "a tab before chunked", te(b"\tchunked"))
V("te-del-before", "te", "\\x7fchunked", te(b"\x7fchunked"))
V("te-nul-before", "te", "\\x00chunked", te(b"\x00chunked"))
V("te-nul-after", "te", "chunked\\x00", te(b"chunked\x00"))
V("te-vtab-before", "te", "\\x0bchunked", te(b"\x0bchunked"))
V("te-xchunked", "te", "xchunked", te(b"xchunked"))
V("te-chunkedx", "te", "chunkedx", te(b"chunkedx"))
V("te-double", "te", "chunked, chunked", te(b"chunked, chunked"))
V("te-chunked-identity", "te", "chunked, identity", te(b"chunked, identity"))
V("te-identity-chunked", "te", "identity, chunked", te(b"identity, chunked"))
V("te-identity", "te", "Transfer-Encoding: identity, body until close", te(b"identity", B))
V("te-gzip-chunked", "te", "Transfer-Encoding: gzip, chunked (gzip body in chunks)",
  te(b"gzip, chunked", chunked(GZ)))
V("te-chunked-gzip", "te", "Transfer-Encoding: chunked, gzip (chunked body)", te(b"chunked, gzip"))
V("te-comma", "te", "chunked,", te(b"chunked,"))
V("te-comma-before", "te", ", chunked", te(b", chunked"))
V("te-quoted", "te", '"chunked"', te(b'"chunked"'))
V("te-two-headers", "te", "two headers: chunked, then identity",
  resp(S200 + CT + TEC + b"Transfer-Encoding: identity\r\n", chunked(B)))
V("te-two-headers-rev", "te", "two headers: identity, then chunked",
  resp(S200 + CT + b"Transfer-Encoding: identity\r\n" + TEC, chunked(B)))
V("te-empty-then-chunked", "te", "an empty Transfer-Encoding, then chunked",
  resp(S200 + CT + b"Transfer-Encoding:\r\n" + TEC, chunked(B)))
V("te-name-space", "te", "'Transfer-Encoding : chunked' (space before the colon)",
  resp(S200 + CT + b"Transfer-Encoding : chunked\r\n", chunked(B)))
V("te-name-tab", "te", "a tab before the colon",
  resp(S200 + CT + b"Transfer-Encoding\t: chunked\r\n", chunked(B)))
V("te-name-underscore", "te", "Transfer_Encoding: chunked",
  resp(S200 + CT + b"Transfer_Encoding: chunked\r\n", chunked(B)))
V("te-name-lower", "te", "transfer-encoding: chunked",
  resp(S200 + CT + b"transfer-encoding: chunked\r\n", chunked(B)))
V("te-name-nul", "te", "a NUL in the header name (Transfer-Encoding\\x00)",
  resp(S200 + CT + b"Transfer-Encoding\x00: chunked\r\n", chunked(B)))
V("te-folded", "te", "Transfer-Encoding value folded to the next line",
  resp(S200 + CT + b"Transfer-Encoding:\r\n chunked\r\n", chunked(B)))
V("te-folded-into", "te", "' Transfer-Encoding: chunked' folded into the previous header",
  resp(S200 + CT + b" Transfer-Encoding: chunked\r\n", chunked(B)))
V("te-http10", "te", "HTTP/1.0 response with Transfer-Encoding: chunked",
  resp(b"HTTP/1.0 200 OK\r\n" + CT + TEC, chunked(B)))
V("te-in-reason", "te", "Transfer-Encoding in the status line's reason",
  resp(b"HTTP/1.1 200 Transfer-Encoding: chunked\r\n" + CT, chunked(B)))

# -- Content-Length -----------------------------------------------------------------------------
V("cl-te", "cl", "Content-Length 4000 and Transfer-Encoding: chunked",
  resp(S200 + CT + CLB + TEC, chunked(B)))
V("te-cl", "cl", "Transfer-Encoding: chunked, then Content-Length: 100",
  resp(S200 + CT + TEC + cl(100), chunked(B)))
V("cl-two-same", "cl", "two Content-Length headers, same value", resp(S200 + CT + CLB + CLB, B))
V("cl-two-diff", "cl", "two Content-Length headers: 4000 and 100", resp(S200 + CT + CLB + cl(100), B))
V("cl-two-diff-rev", "cl", "two Content-Length headers: 100 and 4000", resp(S200 + CT + cl(100) + CLB, B))
V("cl-list-same", "cl", "Content-Length: 4000, 4000", resp(S200 + CT + b"Content-Length: 4000, 4000\r\n", B))
V("cl-list-diff", "cl", "Content-Length: 4000, 100", resp(S200 + CT + b"Content-Length: 4000, 100\r\n", B))
V("cl-short", "cl", "Content-Length 1000, 4000 bytes sent", resp(S200 + CT + cl(1000), B))
V("cl-long", "cl", "Content-Length 5000, 4000 bytes sent, then close", resp(S200 + CT + cl(5000), B))
V("cl-zeros", "cl", "Content-Length: 0004000", resp(S200 + CT + b"Content-Length: 0004000\r\n", B))
V("cl-plus", "cl", "Content-Length: +4000", resp(S200 + CT + b"Content-Length: +4000\r\n", B))
V("cl-space-inside", "cl", "Content-Length: 40 00", resp(S200 + CT + b"Content-Length: 40 00\r\n", B))
V("cl-hex", "cl", "Content-Length: 0xfa0", resp(S200 + CT + b"Content-Length: 0xfa0\r\n", B))
V("cl-negative", "cl", "Content-Length: -1", resp(S200 + CT + b"Content-Length: -1\r\n", B))
V("cl-empty", "cl", "Content-Length: (empty)", resp(S200 + CT + b"Content-Length:\r\n", B))
V("cl-junk", "cl", "Content-Length: 4000abc", resp(S200 + CT + b"Content-Length: 4000abc\r\n", B))
V("cl-name-space", "cl", "Content-Length : 1000 (space before the colon)",
  resp(S200 + CT + b"Content-Length : 1000\r\n", B))
V("cl-huge", "cl", "Content-Length: 99999999999999999999 (overflow)",
  resp(S200 + CT + b"Content-Length: 99999999999999999999\r\n", B))
V("cl-zero", "cl", "Content-Length: 0 with 4000 bytes after", resp(S200 + CT + cl(0), B))
V("cl-trailing-space", "cl", "Content-Length: 1000 followed by spaces",
  resp(S200 + CT + b"Content-Length: 1000   \r\n", B))
V("cl-folded", "cl", "Content-Length value folded to the next line",
  resp(S200 + CT + b"Content-Length:\r\n 1000\r\n", B))
V("cl-nul-after", "cl", "Content-Length: 1000\\x00", resp(S200 + CT + b"Content-Length: 1000\x00\r\n", B))
V("cl-name-ctrl", "cl", "\\x01Content-Length: 1000 (a control byte before the name)",
  resp(S200 + CT + b"\x01Content-Length: 1000\r\n", B))
V("cl-name-space-first", "cl", "' Content-Length: 1000' as the first header line",
  resp(S200 + b" Content-Length: 1000\r\n" + CT, B))
V("cl-http10-te", "cl", "HTTP/1.0, Content-Length 1000 and Transfer-Encoding: chunked",
  resp(b"HTTP/1.0 200 OK\r\n" + CT + cl(1000) + TEC, chunked(B)))

# -- line ends ----------------------------------------------------------------------------------
V("eol-lf", "eol", "LF-only line ends", (S200 + CT + CLB + END).replace(b"\r\n", b"\n") + B)
V("eol-cr", "eol", "CR-only line ends", (S200 + CT + CLB + END).replace(b"\r\n", b"\r") + B)
V("eol-mixed", "eol", "CRLF status line, LF headers",
  S200 + (CT + CLB + END).replace(b"\r\n", b"\n") + B)
V("eol-lfcr", "eol", "LF CR line ends", (S200 + CT + CLB + END).replace(b"\r\n", b"\n\r") + B)
V("eol-crcrlf", "eol", "CR CR LF line ends", (S200 + CT + CLB + END).replace(b"\r\n", b"\r\r\n") + B)
V("eol-end-lf-crlf", "eol", "headers end in LF CRLF", S200 + CT + CLB[:-2] + b"\n\r\n" + B)
V("eol-end-crlf-lf", "eol", "headers end in CRLF LF", S200 + CT + CLB + b"\n" + B)
V("eol-lf-chunked", "eol", "LF-only everywhere, chunked",
  (S200 + CT + TEC + END).replace(b"\r\n", b"\n") + chunked(B, sep=b"\n", after=b"\n", last=b"0\n\n"))
V("eol-cr-close", "eol", "CR-only line ends, body until close", (S200 + CT + END).replace(b"\r\n", b"\r") + B)

# -- header syntax ------------------------------------------------------------------------------
V("hdr-space-first", "hdr", "first header line starts with a space",
  resp(S200 + b" X-First: 1\r\n" + CT + CLB, B))
V("hdr-folded", "hdr", "a folded header (obs-fold) before Content-Length",
  resp(S200 + b"X-Folded: a\r\n b\r\n\tc\r\n" + CT + CLB, B))
V("hdr-folded-cl", "hdr", "a folded header whose continuation reads like Content-Length: 1000",
  resp(S200 + CT + b"X-Folded: a\r\n Content-Length: 1000\r\n", B))
V("hdr-no-colon", "hdr", "a header line without a colon", resp(S200 + b"garbage line\r\n" + CT + CLB, B))
V("hdr-empty-name", "hdr", "a header with an empty name (': value')",
  resp(S200 + b": value\r\n" + CT + CLB, B))
V("hdr-space-in-name", "hdr", "'Content Length: 1000' (space in the name)",
  resp(S200 + CT + b"Content Length: 1000\r\n", B))
V("hdr-ctrl-in-value", "hdr", "a \\x01 byte inside a header value",
  resp(S200 + b"X-A: a\x01b\r\n" + CT + CLB, B))
V("hdr-nul-in-value", "hdr", "a NUL inside a header value", resp(S200 + b"X-A: a\x00b\r\n" + CT + CLB, B))
V("hdr-nul-line", "hdr", "a header line that is one NUL", resp(S200 + b"\x00\r\n" + CT + CLB, B))
V("hdr-8bit", "hdr", "8-bit bytes in a header value",
  resp(S200 + b"X-Name: caf\xe9 \xc3\xa9\xff\r\n" + CT + CLB, B))
V("hdr-long", "hdr", "a 60000-byte header value", resp(S200 + b"X-Long: " + b"a" * 60000 + b"\r\n" + CT + CLB, B))
V("hdr-many", "hdr", "300 headers before Content-Length",
  resp(S200 + b"".join(b"X-H%d: %d\r\n" % (i, i) for i in range(300)) + CT + CLB, B))
V("hdr-ctrl-name", "hdr", "a \\x01 byte before a header name", resp(S200 + b"\x01X-A: 1\r\n" + CT + CLB, B))
V("hdr-cl-ctrl-value", "hdr", "Content-Length: \\x0b1000", resp(S200 + CT + b"Content-Length: \x0b1000\r\n", B))
V("hdr-cl-tab-value", "hdr", "Content-Length:\\t1000\\t", resp(S200 + CT + b"Content-Length:\t1000\t\r\n", B))
V("hdr-colon-in-name", "hdr", "'Content-Length:: 1000'", resp(S200 + CT + b"Content-Length:: 1000\r\n", B))

# -- status line --------------------------------------------------------------------------------
V("status-extra-spaces", "status", "HTTP/1.1  200  OK", resp(b"HTTP/1.1  200  OK\r\n" + CT + CLB, B))
V("status-no-reason", "status", "HTTP/1.1 200", resp(b"HTTP/1.1 200\r\n" + CT + CLB, B))
V("status-no-reason-space", "status", "HTTP/1.1 200 (trailing space)", resp(b"HTTP/1.1 200 \r\n" + CT + CLB, B))
V("status-nul-version", "status", "a NUL inside the version (HTTP/1.\\x001)",
  resp(b"HTTP/1.\x001 200 OK\r\n" + CT + CLB, B))
V("status-lower", "status", "http/1.1 200 OK", resp(b"http/1.1 200 OK\r\n" + CT + CLB, B))
V("status-v2", "status", "HTTP/2.0 200 OK", resp(b"HTTP/2.0 200 OK\r\n" + CT + CLB, B))
V("status-v09", "status", "HTTP/0.9 200 OK", resp(b"HTTP/0.9 200 OK\r\n" + CT + CLB, B))
V("status-v12", "status", "HTTP/1.2 200 OK", resp(b"HTTP/1.2 200 OK\r\n" + CT + CLB, B))
V("status-v-nodot", "status", "HTTP/11 200 OK", resp(b"HTTP/11 200 OK\r\n" + CT + CLB, B))
V("status-no-version", "status", "HTTP 200 OK (no version)", resp(b"HTTP 200 OK\r\n" + CT + CLB, B))
V("status-leading-space", "status", "a space before the status line", resp(b" " + S200 + CT + CLB, B))
V("status-leading-crlf", "status", "an empty line before the status line", resp(b"\r\n" + S200 + CT + CLB, B))
V("status-junk-before", "status", "'xx' before HTTP/1.1", resp(b"xx" + S200 + CT + CLB, B))
V("status-junk-before-long", "status", "8 junk bytes before HTTP/1.1", resp(b"xxxxxxxx" + S200 + CT + CLB, B))
V("status-tab", "status", "tabs instead of spaces", resp(b"HTTP/1.1\t200\tOK\r\n" + CT + CLB, B))
V("status-404", "status", "404 with the file as its body", resp(b"HTTP/1.1 404 Not Found\r\n" + CT + CLB, B))
V("status-299", "status", "status 299", resp(b"HTTP/1.1 299 Whatever\r\n" + CT + CLB, B))
V("status-999", "status", "status 999", resp(b"HTTP/1.1 999 Whatever\r\n" + CT + CLB, B))
V("status-2digit", "status", "status 20", resp(b"HTTP/1.1 20 OK\r\n" + CT + CLB, B))
V("status-4digit", "status", "status 2000", resp(b"HTTP/1.1 2000 OK\r\n" + CT + CLB, B))
V("status-204-body", "status", "204 No Content with a body", resp(b"HTTP/1.1 204 No Content\r\n" + CT + CLB, B))
V("status-304-body", "status", "304 Not Modified with a body", resp(b"HTTP/1.1 304 Not Modified\r\n" + CT + CLB, B))
V("status-206", "status", "206 Partial Content nobody asked for",
  resp(b"HTTP/1.1 206 Partial Content\r\n" + CT + CLB + b"Content-Range: bytes 0-3999/4000\r\n", B))
V("status-icy", "status", "ICY 200 OK (SHOUTcast)", resp(b"ICY 200 OK\r\n" + CT + CLB, B))
V("status-only", "status", "status line, no headers, body until close", b"HTTP/1.1 200 OK\r\n\r\n" + B)
V("status-no-end", "status", "headers never end (no empty line), then close", S200 + CT + CLB)

# -- HTTP/0.9 -----------------------------------------------------------------------------------
V("http09", "http09", "HTTP/0.9: the body only, no status line", B)
V("http09-html", "http09", "HTTP/0.9: an HTML body", b"<html><body>" + B + b"</body></html>")
V("http09-near-status", "http09", "a body starting with 'HTTX/1.1 200 OK'", b"HTTX/1.1 200 OK\r\n\r\n" + B)

# -- interim (1xx) responses --------------------------------------------------------------------
V("1xx-100", "1xx", "100 Continue before the response",
  [b"HTTP/1.1 100 Continue\r\n\r\n", resp(S200 + CT + CLB, B)])
V("1xx-100-same-segment", "1xx", "100 Continue and the response in one segment",
  b"HTTP/1.1 100 Continue\r\n\r\n" + resp(S200 + CT + CLB, B))
V("1xx-102", "1xx", "102 Processing before the response",
  [b"HTTP/1.1 102 Processing\r\n\r\n", resp(S200 + CT + CLB, B)])
V("1xx-103", "1xx", "103 Early Hints with a Link header",
  [b"HTTP/1.1 103 Early Hints\r\nLink: </x.css>; rel=preload\r\n\r\n", resp(S200 + CT + CLB, B)])
V("1xx-two", "1xx", "two 100 Continue",
  [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n", resp(S200 + CT + CLB, B)])
V("1xx-cl", "1xx", "100 Continue with Content-Length: 10",
  [b"HTTP/1.1 100 Continue\r\nContent-Length: 10\r\n\r\n", resp(S200 + CT + CLB, B)])
V("1xx-101", "1xx", "101 Switching Protocols nobody asked for, then the file",
  [b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
   resp(S200 + CT + CLB, B)])
V("1xx-199", "1xx", "status 199 before the response",
  [b"HTTP/1.1 199 Odd\r\n\r\n", resp(S200 + CT + CLB, B)])

# -- Content-Encoding ---------------------------------------------------------------------------
def ce(value, body, extra=b""):
    return resp(S200 + CT + b"Content-Encoding: " + value + b"\r\n" + extra + cl(len(body)), body)


V("ce-gzip", "ce", "gzip", ce(b"gzip", GZ))
V("ce-x-gzip", "ce", "x-gzip", ce(b"x-gzip", GZ))
V("ce-gzip-upper", "ce", "GZIP", ce(b"GZIP", GZ))
V("ce-deflate-zlib", "ce", "deflate with the zlib header", ce(b"deflate", deflate_zlib(B)))
V("ce-deflate-raw", "ce", "deflate without the zlib header (raw)", ce(b"deflate", deflate_raw(B)))
V("ce-deflate-bad-adler", "ce", "deflate (zlib) with a wrong Adler-32",
  ce(b"deflate", deflate_zlib(B)[:-4] + b"\0\0\0\0"))
V("ce-deflate-no-adler", "ce", "deflate (zlib) without its Adler-32", ce(b"deflate", deflate_zlib(B)[:-4]))
V("ce-br", "ce", "br", ce(b"br", br(B)))
V("ce-zstd", "ce", "zstd", ce(b"zstd", zst(B)))
V("ce-gzip-deflate", "ce", "gzip, deflate (gzip applied first)", ce(b"gzip, deflate", deflate_zlib(GZ)))
V("ce-deflate-gzip", "ce", "deflate, gzip (deflate applied first)", ce(b"deflate, gzip", gz(deflate_zlib(B))))
V("ce-two-headers", "ce", "two headers: gzip, then deflate",
  resp(S200 + CT + b"Content-Encoding: gzip\r\nContent-Encoding: deflate\r\n",
       deflate_zlib(GZ)))
V("ce-gzip-gzip", "ce", "gzip, gzip", ce(b"gzip, gzip", gz(GZ)))
V("ce-br-gzip", "ce", "br, gzip", ce(b"br, gzip", gz(br(B))))
V("ce-identity", "ce", "identity", ce(b"identity", B))
V("ce-identity-gzip", "ce", "identity, gzip", ce(b"identity, gzip", GZ))
V("ce-gzip-identity", "ce", "gzip, identity", ce(b"gzip, identity", GZ))
V("ce-unknown", "ce", "an unknown coding (foo) on a plain body", ce(b"foo", B))
V("ce-unknown-gzip", "ce", "foo, gzip", ce(b"foo, gzip", GZ))
V("ce-compress", "ce", "compress (LZW) on a plain body", ce(b"compress", B))
V("ce-empty", "ce", "an empty Content-Encoding", ce(b"", B))
V("ce-spaces", "ce", "'  gzip  ' (spaces around)", ce(b"  gzip  ", GZ))
V("ce-ctrl", "ce", "\\x0bgzip", ce(b"\x0bgzip", GZ))
V("ce-comma", "ce", "gzip,", ce(b"gzip,", GZ))
V("ce-name-space", "ce", "'Content-Encoding : gzip' (space before the colon)",
  resp(S200 + CT + b"Content-Encoding : gzip\r\n" + cl(GZL), GZ))
V("ce-tab", "ce", "tabs around gzip", ce(b"\tgzip\t", GZ))
V("ce-nul-after", "ce", "gzip\\x00", ce(b"gzip\x00", GZ))
V("ce-del-before", "ce", "\\x7fgzip", ce(b"\x7fgzip", GZ))
V("ce-name-tab", "ce", "'Content-Encoding\\t: gzip' (a tab before the colon)",
  resp(S200 + CT + b"Content-Encoding\t: gzip\r\n" + cl(GZL), GZ))
V("ce-name-lower", "ce", "content-encoding: gzip", resp(S200 + CT + b"content-encoding: gzip\r\n" + cl(GZL), GZ))
V("ce-folded", "ce", "Content-Encoding value folded to the next line",
  resp(S200 + CT + b"Content-Encoding:\r\n gzip\r\n" + cl(GZL), GZ))
V("ce-folded-into", "ce", "' Content-Encoding: gzip' folded into the previous header",
  resp(S200 + CT + b" Content-Encoding: gzip\r\n" + cl(GZL), GZ))
V("ce-gzip-zstd", "ce", "gzip, zstd", ce(b"gzip, zstd", zst(GZ)))
V("ce-deflate-deflate", "ce", "deflate, deflate (raw inside zlib)", ce(b"deflate, deflate", deflate_zlib(deflate_raw(B))))
V("ce-x-gzip-gzip", "ce", "x-gzip, gzip", ce(b"x-gzip, gzip", gz(GZ)))
V("ce-three", "ce", "gzip, deflate, br (three layers)", ce(b"gzip, deflate, br", br(deflate_zlib(GZ))))
V("ce-gzip-te-chunked-ext", "ce", "gzip in chunks with extensions and a trailer",
  resp(S200 + CT + TEC + b"Content-Encoding: gzip\r\n",
       chunked(GZ, 500, fmt=b"%x;x=1", last=b"0\r\nX-T: 1\r\n\r\n")))
V("ce-gzip-plain", "ce", "gzip declared, body not compressed", ce(b"gzip", B))
V("ce-deflate-plain", "ce", "deflate declared, body not compressed", ce(b"deflate", B))
V("ce-gzip-fextra", "ce", "gzip with FEXTRA", ce(b"gzip", gzip_member(B, 4, extra=b"AB\x04\x00abcd")))
V("ce-gzip-fname", "ce", "gzip with FNAME", ce(b"gzip", gzip_member(B, 8, name=b"setup.exe")))
V("ce-gzip-fcomment", "ce", "gzip with FCOMMENT", ce(b"gzip", gzip_member(B, 16, comment=b"a comment")))
V("ce-gzip-fhcrc", "ce", "gzip with FHCRC", ce(b"gzip", gzip_member(B, 2)))
V("ce-gzip-all-flags", "ce", "gzip with FTEXT FHCRC FEXTRA FNAME FCOMMENT",
  ce(b"gzip", gzip_member(B, 31, extra=b"AB\x02\x00xy", name=b"a.exe", comment=b"c")))
V("ce-gzip-reserved-flag", "ce", "gzip with a reserved FLG bit (0x20)", ce(b"gzip", gzip_member(B, 0x20)))
V("ce-gzip-bad-crc", "ce", "gzip with a wrong CRC-32", ce(b"gzip", gzip_member(B, crc=0)))
V("ce-gzip-bad-isize", "ce", "gzip with a wrong ISIZE", ce(b"gzip", gzip_member(B, isize=1)))
V("ce-gzip-no-trailer", "ce", "gzip without its 8-byte trailer", ce(b"gzip", gzip_member(B, trailer=False)))
V("ce-gzip-half-trailer", "ce", "gzip with 4 of its 8 trailer bytes", ce(b"gzip", GZ[:-4]))
V("ce-gzip-truncated", "ce", "gzip cut in the middle of the deflate data", ce(b"gzip", GZ[:GZL // 2]))
V("ce-gzip-trailing-junk", "ce", "gzip followed by junk bytes", ce(b"gzip", GZ + b"junk junk"))
V("ce-gzip-two-members", "ce", "two gzip members (the file in two halves)",
  ce(b"gzip", gz(B[:2000]) + gz(B[2000:])))
V("ce-gzip-bad-method", "ce", "gzip with compression method 7",
  ce(b"gzip", GZ[:2] + b"\x07" + GZ[3:]))
V("ce-gzip-chunked", "ce", "gzip in chunks", resp(S200 + CT + TEC + b"Content-Encoding: gzip\r\n", chunked(GZ, 100)))
V("ce-gzip-close", "ce", "gzip until close", resp(S200 + CT + b"Content-Encoding: gzip\r\n", GZ))
V("ce-gzip-cl-decoded", "ce", "gzip, Content-Length of the decoded size (4000, more than sent), then close",
  resp(S200 + CT + b"Content-Encoding: gzip\r\n" + CLB, GZ))
V("ce-gzip-http10", "ce", "HTTP/1.0 gzip until close", resp(b"HTTP/1.0 200 OK\r\n" + CT + b"Content-Encoding: gzip\r\n", GZ))
V("ce-deflate-raw-chunked", "ce", "raw deflate in chunks with junk after the sizes",
  resp(S200 + CT + TEC + b"Content-Encoding: deflate\r\n", chunked(deflate_raw(B), 100, fmt=b"%x,")))
V("ce-gzip-stored", "ce", "gzip with stored (level 0) deflate blocks",
  ce(b"gzip", bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]) + deflate_raw(B, 0) +
     struct.pack("<II", zlib.crc32(B), L)))
V("ce-gzip-empty", "ce", "gzip with Content-Length: 0", ce(b"gzip", b""))
V("ce-te-gzip", "ce", "Content-Encoding gzip and Transfer-Encoding: gzip, chunked (one layer)",
  resp(S200 + CT + b"Content-Encoding: gzip\r\nTransfer-Encoding: gzip, chunked\r\n", chunked(GZ)))

# -- several responses, odd endings -------------------------------------------------------------
V("pipe-extra-response", "pipe", "the file, then a second unrequested response",
  resp(S200 + CT + CLB, B) + resp(S200 + CT + cl(5), b"extra"))
V("pipe-decoy-first", "pipe", "a 5-byte response, then the file as a second response",
  resp(S200 + CT + cl(5), b"decoy") + resp(S200 + CT + CLB, B))
V("pipe-decoy-segments", "pipe", "a 5-byte response, then the file, in separate segments",
  [resp(S200 + CT + cl(5), b"decoy"), resp(S200 + CT + CLB, B)])
V("pipe-head-like", "pipe", "an empty 200 (Content-Length 0), then the file",
  resp(S200 + CT + cl(0), b"") + resp(S200 + CT + CLB, B))
V("close-after-cl", "pipe", "Content-Length 4000, then junk bytes before close",
  resp(S200 + CT + CLB, B + b"HTTP/1.1 junk"))
V("slow-body", "pipe", "the body in 100-byte segments",
  [S200 + CT + CLB + END] + [B[i:i + 100] for i in range(0, L, 100)])
V("empty-response", "pipe", "the server closes without sending anything", [b""])


# ---------------------------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------------------------
INDEX = (b"<!DOCTYPE html><html><head><title>evasion</title></head>"
         b"<body>spanwatch HTTP evasion server</body></html>")
BY_NAME = {v[0]: v for v in VARIANTS}


def read_head(conn, limit=65536):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        try:
            more = conn.recv(4096)
        except (socket.timeout, OSError):
            break
        if not more:
            break
        data += more
    return data


def serve_one(conn, log):
    conn.settimeout(5)
    try:
        req = read_head(conn)
        line = req.split(b"\r\n", 1)[0]
        parts = line.split(b" ")
        path = parts[1].decode("latin-1") if len(parts) > 1 else ""
        path = path.split("?", 1)[0]
        if log:
            with log[1]:
                log[0].write(req.decode("latin-1") + "\n----\n")
                log[0].flush()
        if path.startswith("/v/") and path[3:] in BY_NAME:
            pieces = BY_NAME[path[3:]][3]
        elif path in ("/", "/index.html"):
            pieces = [b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nCache-Control: no-store\r\n"
                      b"Connection: close\r\n" + cl(len(INDEX)) + END + INDEX]
        else:
            pieces = [b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"]
        for i, p in enumerate(pieces):
            if i:
                time.sleep(0.05)
            if p:
                conn.sendall(p)
        conn.shutdown(socket.SHUT_WR)
        # wait for the client's FIN (at most 2 s) so that the server does not reset. A client
        # that sends another request here reused the connection: it may have read the end of
        # this response as the answer to its next request, which spoils that result
        conn.settimeout(2)
        while True:
            more = conn.recv(4096)
            if not more:
                break
            if log:
                with log[1]:
                    log[0].write("REUSED CONNECTION after %s: %r\n----\n" % (path, more[:60]))
                    log[0].flush()
    except OSError:
        pass
    finally:
        conn.close()


def cmd_serve(args):
    port, bind, logf = 80, "127.0.0.1", None
    while args:
        a = args.pop(0)
        if a == "--port":
            port = int(args.pop(0))
        elif a == "--bind":
            bind = args.pop(0)
        elif a == "--log":
            logf = args.pop(0)
    log = (open(logf, "a"), threading.Lock()) if logf else None
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(64)
    print("listening on %s:%d, %d variants" % (bind, port, len(VARIANTS)), flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve_one, args=(conn, log), daemon=True).start()


def request(name, host="evasion.example"):
    """the request the recording client sends (Chromium's request headers, see README)"""
    return (b"GET /v/%s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n"
            b"User-Agent: spanwatch-evasion/1.0\r\nAccept: */*\r\n"
            b"Accept-Encoding: gzip, deflate, br, zstd\r\n\r\n" % (name.encode(), host.encode()))


def cmd_fetch(args):
    port, host, first = 80, "127.0.0.1", 30000
    names = []
    while args:
        a = args.pop(0)
        if a == "--port":
            port = int(args.pop(0))
        elif a == "--host":
            host = args.pop(0)
        elif a == "--first-port":
            first = int(args.pop(0))
        else:
            names.append(a)
    index = {v[0]: i for i, v in enumerate(VARIANTS)}
    for name in names or [v[0] for v in VARIANTS]:
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(("0.0.0.0", first + index[name]))
        c.settimeout(10)
        c.connect((host, port))
        c.sendall(request(name))
        got = b""
        while True:
            more = c.recv(65536)
            if not more:
                break
            got += more
        c.close()
        want = b"".join(BY_NAME[name][3])
        if got != want:
            sys.exit("fetch %s: got %d bytes, the table has %d" % (name, len(got), len(want)))
        print("%-28s %6d bytes from port %d" % (name, len(got), first + index[name]))
        time.sleep(0.02)


def seed_chunks(data, direction, fin=False):
    """data as fuzz_http.c control-byte chunks: 2048-byte chunks, then multiples of 64, then
    1..32-byte chunks; FIN on the last one when asked (see tests/fuzz/fuzz_http.c)"""
    out = b""
    while data:
        n = len(data)
        if n >= 64 and not (fin and n <= 32):
            k = min(n // 64, 32)
            c = ((k - 1) << 3) | direction
            out += bytes([c]) + data[:k * 64]
            data = data[k * 64:]
            continue
        k = min(n, 32)
        last = fin and k == n
        c = ((k - 1) << 3) | 4 | (2 if last else 0) | direction
        out += bytes([c]) + data[:k]
        data = data[k:]
    return out


def cmd_seeds(args):
    d = args[0]
    os.makedirs(d, exist_ok=True)
    for name, _, _, pieces in VARIANTS:
        data = seed_chunks(request(name), 0)
        for p in pieces:
            data += seed_chunks(p, 1)
        with open(os.path.join(d, "evasion-" + name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(VARIANTS), d))


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    cmd = args.pop(0)
    if cmd == "serve":
        cmd_serve(args)
    elif cmd == "list":
        for name, klass, desc, _ in VARIANTS:
            print("%s\t%s\t%s" % (name, klass, desc))
    elif cmd == "fetch":
        cmd_fetch(args)
    elif cmd == "seeds":
        cmd_seeds(args)
    elif cmd == "payload":
        sys.stdout.buffer.write(B)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
