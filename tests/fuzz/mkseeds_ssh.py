#!/usr/bin/env python3
"""tests/fuzz/mkseeds_ssh.py: writes the seeds of tests/fuzz/corpus/ssh/ for fuzz_ssh.c (the
chunk script of fuzz_tls.c: control byte, bit 0 direction, bit 2 small (length (c >> 3) + 1),
bit 1 a gap). Run from the repository's top directory."""
import os
import struct

OUT = "tests/fuzz/corpus/ssh"


def chunks(direction, data):
    out = b""
    for i in range(0, len(data), 32):
        part = data[i:i + 32]
        out += bytes([((len(part) - 1) << 3) | 4 | direction]) + part
    return out


def kexinit(lists, pad=6):
    pay = b"\x14" + b"\xaa" * 16
    for name in lists:
        pay += struct.pack(">I", len(name)) + name
    pay += b"\x00" + b"\x00" * 4
    return struct.pack(">IB", len(pay) + 1 + pad, pad) + pay + b"\x00" * pad


LISTS = [b"curve25519-sha256,ext-info-c", b"ssh-ed25519", b"aes128-ctr", b"aes256-ctr",
         b"hmac-sha2-256", b"hmac-sha2-512", b"none", b"none,zlib", b"", b""]
seeds = {
    "both": chunks(0, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" + kexinit(LISTS))
    + chunks(1, b"SSH-2.0-dropbear_2022.83\r\n" + kexinit(LISTS)),
    "banners-only": chunks(0, b"SSH-2.0-PuTTY_Release_0.80\r\n")
    + chunks(1, b"motd\r\nSSH-1.99-Cisco-1.25\n"),
    "overrun": chunks(0, b"SSH-2.0-x\r\n" + b"\x00\x00\x00\x20\x04\x14" + b"c" * 16
                      + b"\x00\x00\xff\xff" + b"x" * 10),
    "gap-in-kex": chunks(0, b"SSH-2.0-x\r\n" + kexinit(LISTS)[:20]) + bytes([2 | 4])
    + chunks(1, b"SSH-2.0-y\r\n" + kexinit(LISTS)),
    "huge-packet": chunks(1, b"SSH-2.0-y\r\n\x7f\xff\xff\xff\x04\x14"),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
