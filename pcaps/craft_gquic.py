#!/usr/bin/env python3
"""pcaps/craft_gquic.py: Google QUIC (gQUIC) client hellos crafted with scapy (issue 15).

usage: craft_gquic.py OUTDIR        writes OUTDIR/gquic.pcap

No gQUIC client exists in Debian 12, so the packets are written here from Google's "QUIC Wire
Layout Specification" and "QUIC Crypto" documents: the public header of Q043 (flags 0x09:
version and an 8-byte connection ID; packet number 1, 2 or 4 bytes), the long header of Q046
(0xc3: Initial, 4-byte packet number; connection ID lengths 0x50: an 8-byte destination ID),
the 12-byte message authentication hash of packets in clear (FNV-1a 128 over the header, the
frames and "Client", low 96 bits little-endian, as Chromium's null encrypter), STREAM frames of
stream 1 carrying a CHLO handshake message (tag, entry count and padding, entries tag + end
offset little-endian, values). tests/pcap/gquic.sh checks that tshark's gQUIC dissector reads
every packet as such (versions, tags, SNI, UAID) before comparing spanwatch with it.

Connections (client 10.0.0.1, server 10.0.0.2 port 443; each client port its own):
  41043  Q043: an inchoate CHLO (SNI, UAID, VER...; data length given), the server's reply
         (public flags 0x08: no version), the full CHLO at stream offset of the first one
         (2-byte offset; no data length: to the end of the packet; more tags: STK, SCID,
         NONC, AEAD, KEXS, PUBS), then a client packet without version (encrypted).
  41044  Q043: a CHLO whose packet number has 4 bytes (flags 0x29), after a PING frame, without
         UAID.
  41046  Q046: a CHLO in a long header (its tags those of the quic.cyu.string example of
         Suricata's documentation), 20 bytes of PADDING frame, the server's short-header
         reply, the client's short-header packet (encrypted).
  41047  Q046: a CHLO without SNI and UAID.
  41050  Q050: the CHLO in a CRYPTO frame (type 0x08, varint offset and length) of an Initial
         in IETF form protected with the Initial keys of Q050's salt (RFC 9001's derivation and
         protection, draft-29 labels; python3-cryptography), then a short header.
  41051  T051: an Initial (random bytes in place of its TLS hello): recognised and counted.
"""
import hashlib
import hmac
import os
import random
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, UDP, Ether, Raw, wrpcap  # noqa: E402

T0 = 1700000000.0
CLIENT, SERVER, SPORT = "10.0.0.1", "10.0.0.2", 443
UA_CHROME = b"Chrome/70.0.3538.77 Windows NT 10.0; Win64; x64"
UA_CRONET = b"com.example.app Cronet/72.0.3626.121"

FNV_OFFSET = 0x6C62272E07BB014262B821756295C58D
FNV_PRIME = (1 << 88) + 0x13B


def fnv1a_128(data):
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & ((1 << 128) - 1)
    return h


def auth_hash(header, frames):
    h = fnv1a_128(header + frames + b"Client")
    return struct.pack("<QI", h & 0xFFFFFFFFFFFFFFFF, (h >> 64) & 0xFFFFFFFF)


def tag(name):
    return name.encode().ljust(4, b"\0")


def chlo(entries, pad_to=0):
    """A CHLO message of (tag name, value) entries, in this order; with pad_to, a PAD value
    grows the message to pad_to bytes."""
    def build(ents):
        head = b"CHLO" + struct.pack("<HH", len(ents), 0)
        end, tbl, vals = 0, b"", b""
        for name, value in ents:
            end += len(value)
            tbl += tag(name) + struct.pack("<I", end)
            vals += value
        return head + tbl + vals
    msg = build(entries)
    if pad_to and len(msg) < pad_to:
        entries = [(n, (b"-" * (pad_to - len(msg)) if n == "PAD" else v)) for n, v in entries]
        msg = build(entries)
    return msg


def stream_frame(data, offset=0, with_len=True):
    """A STREAM frame of stream 1 (1-byte ID); the offset in 2 bytes when not 0."""
    t = 0x80 | (0x20 if with_len else 0)
    body = b"\x01"
    if offset:
        t |= 1 << 2  # ooo = 1: 2 bytes
        body += struct.pack(">H", offset)
    if with_len:
        body += struct.pack(">H", len(data))
    return bytes([t]) + body + data


def q043_packet(cid, pn, frames, pn_len=1, version=b"Q043"):
    flags = 0x09 | {1: 0x00, 2: 0x10, 4: 0x20, 6: 0x30}[pn_len]
    hdr = bytes([flags]) + cid + version + pn.to_bytes(pn_len, "big")
    return hdr + auth_hash(hdr, frames) + frames


def q046_packet(dcid, pn, frames):
    hdr = b"\xc3" + b"Q046" + b"\x50" + dcid + pn.to_bytes(4, "big")
    return hdr + auth_hash(hdr, frames) + frames


Q050_SALT = bytes.fromhex("504574efd066fe2f9d945cfcdbd3a7f0d3b56b45")  # Chromium's kQ050Salt


def hkdf_label(secret, label, n):
    """HKDF-Expand-Label (RFC 8446 7.1) with SHA-256, one block, empty context."""
    full = b"tls13 " + label
    info = struct.pack(">H", n) + bytes([len(full)]) + full + b"\0\1"
    return hmac.new(secret, info, hashlib.sha256).digest()[:n]


def q050_initial(dcid, pn, frames):
    """A Q050 client Initial: IETF long header (DCID, no SCID, no token, Length, 4-byte packet
    number), protected as a draft-29 Initial (RFC 9001 5) with the keys of Q050's salt."""
    secret = hkdf_label(hmac.new(Q050_SALT, dcid, hashlib.sha256).digest(), b"client in", 32)
    key, iv = hkdf_label(secret, b"quic key", 16), hkdf_label(secret, b"quic iv", 12)
    hp = hkdf_label(secret, b"quic hp", 16)
    length = 4 + len(frames) + 16
    hdr = (b"\xc3Q050" + bytes([len(dcid)]) + dcid + b"\x00\x00" +
           bytes([0x40 | length >> 8, length & 255]) + pn.to_bytes(4, "big"))
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    pkt = bytearray(hdr + AESGCM(key).encrypt(nonce, frames, hdr))
    pn_off = len(hdr) - 4
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(bytes(pkt[pn_off + 4:pn_off + 20])) + enc.finalize()
    pkt[0] ^= mask[0] & 0x0F
    for i in range(4):
        pkt[pn_off + i] ^= mask[1 + i]
    return bytes(pkt)


def udp(cport, payload, t, to_server=True):
    if to_server:
        ip = IP(src=CLIENT, dst=SERVER, id=cport & 0xFFFF)
        l4 = UDP(sport=cport, dport=SPORT)
    else:
        ip = IP(src=SERVER, dst=CLIENT, id=cport & 0xFFFF)
        l4 = UDP(sport=SPORT, dport=cport)
    p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip / l4 / Raw(payload)
    p.time = T0 + t
    return p


def common_tags(sni, ua, ver):
    tags = [("PAD", b""), ("SNI", sni), ("VER", ver), ("CCS", bytes(range(16))),
            ("UAID", ua), ("TCID", b"\0\0\0\0"), ("PDMD", b"X509"), ("SMHL", b"\1\0\0\0"),
            ("ICSL", b"\x1e\0\0\0"), ("NONP", bytes(32)), ("MIDS", b"d\0\0\0"),
            ("SCLS", b"\1\0\0\0"), ("CSCT", b""), ("COPT", b"NSTP"),
            ("IRTT", b"\x10\x27\0\0"), ("CFCW", b"\0\0\xf0\0"), ("SFCW", b"\0\0\x60\0")]
    return tags


def main():
    out = sys.argv[1]
    rnd = random.Random(15)
    pk = []

    # 41043: Q043, two CHLOs (inchoate, full), the server's reply between them
    cid = bytes.fromhex("51a1b2c3d4e5f043")
    m1 = chlo(common_tags(b"q043.gquic.demo.example", UA_CHROME, b"Q043"), pad_to=1000)
    f1 = stream_frame(m1)
    pk.append(udp(41043, q043_packet(cid, 1, f1), 0.000))
    rej = b"REJ\0" + struct.pack("<HH", 1, 0) + b"SNO\0" + struct.pack("<I", 8) + bytes(8)
    srv = bytes([0x08]) + cid + b"\x01"
    srv += auth_hash(srv, stream_frame(rej)) + stream_frame(rej)
    pk.append(udp(41043, srv, 0.020, to_server=False))
    full = common_tags(b"q043.gquic.demo.example", UA_CHROME, b"Q043")
    full[2:2] = [("STK", bytes(rnd.randrange(256) for _ in range(56)))]
    full += [("SCID", bytes(16)), ("NONC", bytes(32)), ("AEAD", b"AESG"), ("KEXS", b"C255"),
             ("PUBS", bytes(35))]
    m2 = chlo(full, pad_to=1100)
    pk.append(udp(41043, q043_packet(cid, 2, stream_frame(m2, offset=len(m1), with_len=False)),
                  0.040))
    pk.append(udp(41043, bytes([0x08]) + cid + b"\x03" + bytes(rnd.randrange(256)
                                                            for _ in range(60)), 0.060))

    # 41044: Q043, 4-byte packet number, PING before the STREAM frame, no UAID
    cid = bytes.fromhex("51a1b2c3d4e5f044")
    tags = [t for t in common_tags(b"www.example.com", UA_CHROME, b"Q043") if t[0] != "UAID"]
    pk.append(udp(41044, q043_packet(cid, 1, b"\x07" + stream_frame(chlo(tags, pad_to=900)),
                                     pn_len=4), 1.000))

    # 41046: Q046 long header
    dcid = bytes.fromhex("51a1b2c3d4e5f046")
    m = chlo(common_tags(b"q046.gquic.demo.example", UA_CRONET, b"Q046"), pad_to=1200)
    pk.append(udp(41046, q046_packet(dcid, 1, stream_frame(m) + bytes(20)), 2.000))
    pk.append(udp(41046, b"\x43" + dcid + b"\0\0\0\1" + bytes(rnd.randrange(256)
                                                             for _ in range(80)),
                  2.020, to_server=False))
    pk.append(udp(41046, b"\x43" + dcid + b"\0\0\0\2" + bytes(rnd.randrange(256)
                                                             for _ in range(40)), 2.040))

    # 41047: Q046, no SNI, no UAID: the tags of Suricata's quic.cyu.string example
    dcid = bytes.fromhex("51a1b2c3d4e5f047")
    tags = [("PAD", b""), ("VER", b"Q046"), ("CCS", bytes(range(16))), ("PDMD", b"X509"),
            ("ICSL", b"\x1e\0\0\0"), ("MIDS", b"d\0\0\0"), ("CFCW", b"\0\0\xf0\0"),
            ("SFCW", b"\0\0\x60\0")]
    pk.append(udp(41047, q046_packet(dcid, 1, stream_frame(chlo(tags, pad_to=1000))), 3.000))

    # 41050: Q050, the CHLO in a CRYPTO frame of an Initial protected with Q050's keys, then
    # the client's short header
    dcid = bytes.fromhex("51a1b2c3d4e5f050")
    m = chlo(common_tags(b"q050.gquic.demo.example", UA_CHROME, b"Q050"), pad_to=1000)
    frames = b"\x08\x00" + bytes([0x40 | len(m) >> 8, len(m) & 255]) + m
    pk.append(udp(41050, q050_initial(dcid, 1, frames + bytes(1200 - len(frames))), 4.000))
    pk.append(udp(41050, b"\x43" + dcid + b"\0\0\0\2" + bytes(rnd.randrange(256)
                                                             for _ in range(40)), 4.040))

    # 41051: T051 (TLS inside): an Initial, here random bytes: counted only
    t051 = b"\xc3T051\x08" + bytes.fromhex("51a1b2c3d4e5f051") + b"\x00\x00\x44\xc4"
    pk.append(udp(41051, t051 + bytes(rnd.randrange(256) for _ in range(1220)), 5.000))

    os.makedirs(out, exist_ok=True)
    wrpcap(os.path.join(out, "gquic.pcap"), pk)


if __name__ == "__main__":
    main()
