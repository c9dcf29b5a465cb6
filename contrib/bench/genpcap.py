#!/usr/bin/env python3
"""contrib/bench/genpcap.py: write a large pcap of mixed traffic for the benchmark.

The packets come from the real captures in pcaps/ (http, http6, dns, tls, tls13: nginx, curl,
dnsmasq, dig and openssl on loopback). Every conversation (one TCP connection or one DNS
query/answer) of those files becomes a template; the output replays the templates many times,
each copy with its own addresses and client port, many copies at once:

  * K slots (--concurrency, default 10000) each hold one conversation copy; the writer takes one
    packet from each slot in turn, so about K flows are active at any time. A slot whose
    conversation has ended gets a new one, drawn with a fixed seed, until the output has reached
    --size; the remaining conversations are then played to their end (no half-open flows).
  * Mix, by conversations started: 45 % http.pcap (its 5 connections in turn, two of which carry
    the 100 KB body: they are most of the bytes), 10 % http6.pcap, 30 % dns.pcap (13 UDP
    queries and one TCP query), 7.5 % tls.pcap, 7.5 % tls13.pcap.
  * Addresses: IPv4 clients 10.0.0.1 .. 10.255.255.254 (one per copy), servers 198.51.100.0/26
    (http), 203.0.113.0/26 (tls), 192.0.2.53-56 (dns); IPv6 clients 2001:db8:c::/64 and servers
    2001:db8:5::1-40. Server ports become the standard ones (18080 -> 80, 18443 -> 443,
    15353 -> 53); client ports vary per copy. MACs are 02:00:00:00:00:01 (client) and :02.
  * Loopback captures carry TCP segments of up to ~47 KB (MTU 65536). With --mtu 1500 (the
    default) every TCP segment larger than the MTU is cut into MTU-sized segments as a real
    Ethernet sender would (sequence numbers advanced, PSH/FIN kept on the last piece); --mtu 0
    keeps the captured segments as they are.
  * All checksums are correct: the templates get freshly computed IPv4, TCP and UDP checksums
    (loopback captures carry offloaded, wrong ones), each copy updates them incrementally
    (RFC 1624) for its addresses and port.
  * Timestamps start at 2023-11-14 22:13:20 UTC and advance by each packet's time on the wire at
    --gbps (default 1 Gbit/s), so 1.2 GB spans about 10 s of packet time.

Standard library only. Same inputs and options give a byte-identical file. Output is classic
little-endian pcap, microsecond timestamps, Ethernet, snaplen 262144, written to FILE.tmp and
renamed to FILE when complete.

usage: genpcap.py [-o FILE] [--size 1.2G] [--concurrency 10000] [--seed 1] [--mtu 1500]
                  [--gbps 1] [--pcaps DIR]
"""

import argparse
import array
import os
import random
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# file name, share of conversations started, service (selects the server addresses)
SOURCES = [
    ("http.pcap", 0.45, "http"),
    ("http6.pcap", 0.10, "http"),
    ("dns.pcap", 0.30, "dns"),
    ("tls.pcap", 0.075, "tls"),
    ("tls13.pcap", 0.075, "tls"),
]
PORT_MAP = {18080: 80, 18443: 443, 15353: 53}
MAC_CLIENT = bytes.fromhex("020000000001")
MAC_SERVER = bytes.fromhex("020000000002")
TS_BASE_US = 1700000000 * 1000000
SNAPLEN = 262144


def parse_size(text):
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    t = text.strip().upper().rstrip("B").rstrip("I")
    unit = t[-1] if t and t[-1] in mult else ""
    num = t[: len(t) - len(unit)] if unit else t
    try:
        value = float(num) * mult[unit]
    except ValueError:
        raise argparse.ArgumentTypeError("bad size %r (e.g. 1.2G, 500M)" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("size must be positive")
    return int(value)


def read_pcap(path):
    """Yield the frames of a classic pcap file (Ethernet only)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: too short for a pcap file" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError("%s: not a classic pcap file" % path)
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    if linktype != 1:
        raise ValueError("%s: link type %d, only Ethernet (1) is used" % (path, linktype))
    off = 24
    rec = struct.Struct(endian + "IIII")
    while off + 16 <= len(data):
        _sec, _frac, caplen, wirelen = rec.unpack_from(data, off)
        off += 16
        frame = data[off : off + caplen]
        off += caplen
        if len(frame) == caplen and caplen == wirelen:
            yield frame


def csum_sum(data):
    """One's complement sum (not yet inverted) of data, in network order."""
    if len(data) & 1:
        data = data + b"\0"
    a = array.array("H", data)
    if sys.byteorder == "little":
        a.byteswap()
    s = sum(a)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def csum_words(b):
    return [int.from_bytes(b[i : i + 2], "big") for i in range(0, len(b), 2)]


def csum_delta(old, new):
    """RFC 1624 increment for replacing the 16-bit words of bytes old by those of new."""
    d = sum((~w) & 0xFFFF for w in csum_words(old)) + sum(csum_words(new))
    while d >> 16:
        d = (d & 0xFFFF) + (d >> 16)
    return d


class Packet:
    """One frame of a conversation, split for fast rewriting (header bytes + payload)."""

    __slots__ = ("to_client", "hdr", "payload", "ipck_off", "ipck", "l4ck_off", "l4ck",
                 "addr_off", "addr_end", "port_off", "caplen")


def decode(frame):
    """Return (v6, proto, ip_off, l4_off, payload_off, sport, dport) or None."""
    if len(frame) < 14:
        return None
    etype = int.from_bytes(frame[12:14], "big")
    ip = 14
    if etype == 0x0800:
        ihl = (frame[ip] & 0x0F) * 4
        proto = frame[ip + 9]
        l4 = ip + ihl
        v6 = False
    elif etype == 0x86DD:
        proto = frame[ip + 6]
        l4 = ip + 40
        v6 = True
    else:
        return None
    if proto == 6:
        pay = l4 + (frame[l4 + 12] >> 4) * 4
    elif proto == 17:
        pay = l4 + 8
    else:
        return None
    sport, dport = struct.unpack_from("!HH", frame, l4)
    return v6, proto, ip, l4, pay, sport, dport


def build_frame(frame, info, to_client, payload, seq_add, keep_psh_fin, ip_id_add):
    """A new frame from frame's headers and payload: standard server port, MACs, lengths,
    sequence number and fresh checksums (addresses stay the original ones)."""
    v6, proto, ip, l4, pay, sport, dport = info
    h = bytearray(frame[:pay])
    h[0:6] = MAC_SERVER if not to_client else MAC_CLIENT
    h[6:12] = MAC_CLIENT if not to_client else MAC_SERVER
    if to_client:
        sport = PORT_MAP.get(sport, sport)
    else:
        dport = PORT_MAP.get(dport, dport)
    struct.pack_into("!HH", h, l4, sport, dport)
    l4len = pay - l4 + len(payload)
    if v6:
        struct.pack_into("!H", h, ip + 4, l4len)
        src, dst = bytes(h[ip + 8 : ip + 24]), bytes(h[ip + 24 : ip + 40])
    else:
        struct.pack_into("!H", h, ip + 2, l4 - ip + l4len)
        if ip_id_add:
            ip_id = int.from_bytes(h[ip + 4 : ip + 6], "big")
            struct.pack_into("!H", h, ip + 4, (ip_id + ip_id_add) & 0xFFFF)
        struct.pack_into("!H", h, ip + 10, 0)
        struct.pack_into("!H", h, ip + 10, (~csum_sum(bytes(h[ip:l4]))) & 0xFFFF)
        src, dst = bytes(h[ip + 12 : ip + 16]), bytes(h[ip + 16 : ip + 20])
    if proto == 6:
        if seq_add:
            seq = int.from_bytes(h[l4 + 4 : l4 + 8], "big")
            struct.pack_into("!I", h, l4 + 4, (seq + seq_add) & 0xFFFFFFFF)
        if not keep_psh_fin:
            h[l4 + 13] &= ~0x09 & 0xFF  # FIN and PSH only on the last piece
        ck_off = l4 + 16
    else:
        struct.pack_into("!H", h, l4 + 4, l4len)
        ck_off = l4 + 6
    struct.pack_into("!H", h, ck_off, 0)
    pseudo = src + dst + struct.pack("!HH", proto, l4len)
    ck = (~csum_sum(pseudo + bytes(h[l4:]) + payload)) & 0xFFFF
    if proto == 17 and ck == 0:
        ck = 0xFFFF
    struct.pack_into("!H", h, ck_off, ck)
    return bytes(h)


def load_conversations(path, mtu):
    """Split a capture into conversations; each is (v6, orig client addr, orig server addr,
    orig client port, [Packet])."""
    convs = {}
    order = []
    for frame in read_pcap(path):
        info = decode(frame)
        if info is None:
            continue
        v6, proto, ip, l4, pay, sport, dport = info
        if v6:
            src, dst = frame[ip + 8 : ip + 24], frame[ip + 24 : ip + 40]
            paylen = int.from_bytes(frame[ip + 4 : ip + 6], "big") - (pay - ip - 40)
        else:
            src, dst = frame[ip + 12 : ip + 16], frame[ip + 16 : ip + 20]
            paylen = int.from_bytes(frame[ip + 2 : ip + 4], "big") - (pay - ip)
        key = (proto, frozenset(((src, sport), (dst, dport))))
        if key not in convs:
            # the first packet seen goes client -> server (SYN, DNS query)
            convs[key] = (v6, src, dst, sport, [])
            order.append(key)
        v6, csrc, cdst, cport, pkts = convs[key]
        to_client = not (sport == cport and src == csrc)
        payload = frame[pay : pay + max(0, paylen)]
        hdrlen = pay - ip
        pieces = [(payload, 0)]
        if proto == 6 and mtu and hdrlen + len(payload) > mtu:
            step = mtu - hdrlen
            pieces = [(payload[o : o + step], o) for o in range(0, len(payload), step)]
        for n, (chunk, off) in enumerate(pieces):
            last = n == len(pieces) - 1
            hdr = build_frame(frame, info, to_client, chunk, off, last, n)
            p = Packet()
            p.to_client = to_client
            p.hdr = hdr
            p.payload = chunk
            p.caplen = len(hdr) + len(chunk)
            if v6:
                p.ipck_off, p.ipck = -1, 0
                p.addr_off, p.addr_end = ip + 8, ip + 40
            else:
                p.ipck_off = ip + 10
                p.ipck = int.from_bytes(hdr[ip + 10 : ip + 12], "big")
                p.addr_off, p.addr_end = ip + 12, ip + 20
            p.l4ck_off = l4 + (16 if proto == 6 else 6)
            p.l4ck = int.from_bytes(hdr[p.l4ck_off : p.l4ck_off + 2], "big")
            p.port_off = l4
            pkts.append(p)
    return [convs[k] for k in order]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output",
                    help="output file (default contrib/bench/out/mixed-SIZE.pcap)")
    ap.add_argument("--size", default="1.2G",
                    help="target file size, e.g. 1.2G (default: 1.2 GiB), 300M")
    ap.add_argument("--concurrency", type=int, default=10000,
                    help="conversations in flight at once (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mtu", type=int, default=1500,
                    help="cut TCP segments to this IP packet size; 0 keeps them (default 1500)")
    ap.add_argument("--gbps", type=float, default=1.0,
                    help="link rate that paces the timestamps (default 1)")
    ap.add_argument("--pcaps", default=os.path.join(HERE, "..", "..", "pcaps"),
                    help="directory of the source captures")
    args = ap.parse_args()
    if args.output is None:
        args.output = os.path.join(HERE, "out", "mixed-%s.pcap" % args.size)
    try:
        args.size = parse_size(args.size)
    except argparse.ArgumentTypeError as e:
        ap.error(str(e))
    if args.concurrency < 1 or args.gbps <= 0 or (args.mtu and args.mtu < 576):
        ap.error("need --concurrency >= 1, --gbps > 0, --mtu 0 or >= 576")

    started = time.monotonic()
    templates = []  # (weight, service, conversation)
    for name, share, service in SOURCES:
        convs = load_conversations(os.path.join(args.pcaps, name), args.mtu)
        if not convs:
            sys.exit("genpcap: %s: no TCP/UDP conversation" % name)
        for c in convs:
            templates.append((share / len(convs), service, name, c))
    weights = [t[0] for t in templates]
    conv_bytes = [sum(16 + p.caplen for p in t[3][4]) for t in templates]

    rng = random.Random(args.seed)
    servers4 = {
        "http": [bytes([198, 51, 100, i]) for i in range(1, 64)],
        "tls": [bytes([203, 0, 113, i]) for i in range(1, 64)],
        "dns": [bytes([192, 0, 2, i]) for i in range(53, 57)],
    }
    servers6 = {
        s: [bytes.fromhex("20010db8000500000000000000000000")[:14] + struct.pack("!H", i)
            for i in range(1, 65)]
        for s in servers4
    }
    copies = 0
    committed = 0
    per_source = {}

    def new_slot():
        """Draw a conversation and give it fresh addresses; returns the slot state."""
        nonlocal copies, committed
        i = rng.choices(range(len(templates)), weights)[0]
        _w, service, name, (v6, csrc, cdst, cport, pkts) = templates[i]
        n = copies
        copies += 1
        committed += conv_bytes[i]
        per_source[name] = per_source.get(name, 0) + 1
        if v6:
            client = bytes.fromhex("20010db8000c0000") + (n + 1).to_bytes(8, "big")
            server = rng.choice(servers6[service])
        else:
            client = (0x0A000001 + n % 0xFFFFFE).to_bytes(4, "big")
            server = rng.choice(servers4[service])
        new_port = 1024 + (n * 40503) % 64000
        dip = csum_delta(csrc + cdst, client + server)
        dl4 = csum_delta(csrc + cdst + cport.to_bytes(2, "big"),
                         client + server + new_port.to_bytes(2, "big"))
        # the templates carry the standard server port already: take it from the first packet
        p0 = pkts[0]
        srv_port = p0.hdr[p0.port_off + 2 : p0.port_off + 4]
        cp = new_port.to_bytes(2, "big")
        return [pkts, 0,
                client + server, server + client,   # address block, to server / to client
                cp + srv_port, srv_port + cp,       # port block, to server / to client
                dip, dl4]

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".tmp"
    rec = struct.Struct("<IIII")
    pack_ck = struct.Struct("!H").pack_into
    us_per_byte = 8.0 / (args.gbps * 1e3)  # microseconds per byte on the wire
    t_us = 0.0
    packets = 0
    written = 24
    max_active = 0
    with open(tmp, "wb", buffering=8 << 20) as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, 1))
        write = f.write
        active = []
        while len(active) < args.concurrency and committed < args.size:
            active.append(new_slot())
        while active:
            max_active = max(max_active, len(active))
            nxt = []
            append = nxt.append
            for s in active:
                pkts = s[0]
                p = pkts[s[1]]
                h = bytearray(p.hdr)
                if p.to_client:
                    h[p.addr_off : p.addr_end] = s[3]
                    h[p.port_off : p.port_off + 4] = s[5]
                else:
                    h[p.addr_off : p.addr_end] = s[2]
                    h[p.port_off : p.port_off + 4] = s[4]
                if p.ipck_off >= 0:
                    x = ((~p.ipck) & 0xFFFF) + s[6]
                    x = (x & 0xFFFF) + (x >> 16)
                    pack_ck(h, p.ipck_off, (~x) & 0xFFFF)
                x = ((~p.l4ck) & 0xFFFF) + s[7]
                x = (x & 0xFFFF) + (x >> 16)
                pack_ck(h, p.l4ck_off, ((~x) & 0xFFFF) or 0xFFFF)
                ts = TS_BASE_US + int(t_us)
                caplen = p.caplen
                write(rec.pack(ts // 1000000, ts % 1000000, caplen, caplen))
                write(h)
                write(p.payload)
                # wire time including preamble, FCS and inter-frame gap
                t_us += (caplen + 24) * us_per_byte
                packets += 1
                written += 16 + caplen
                s[1] += 1
                if s[1] < len(pkts):
                    append(s)
                elif committed < args.size:
                    append(new_slot())
            active = nxt
    os.replace(tmp, args.output)
    secs = time.monotonic() - started
    mix = ", ".join("%s %d" % (k, v) for k, v in sorted(per_source.items()))
    print("genpcap: %s: %d packets, %d bytes, %d conversations (%s), up to %d at once, "
          "%.1f s of packet time, written in %.1f s"
          % (args.output, packets, written, copies, mix, max_active, t_us / 1e6, secs))


if __name__ == "__main__":
    main()
