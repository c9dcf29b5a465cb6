#!/usr/bin/env python3
"""Crafted TCP reassembly and IP defragmentation pcaps for spanwatch (record.sh crafted-stream).

Usage:
    craft_stream.py OUTDIR              every small case (the ones committed in pcaps/)
    craft_stream.py OUTDIR NAME...      only these (e.g. syn-flood overlap-flood: the two
                                        flood pcaps are large and made at test time)

Deterministic: fixed addresses (10.0.0.1 client -> 10.0.0.2 server, MACs 02:..:01/02), fixed
ports, ISNs and timestamps (1700000000.000000 + 1 ms per packet). Packets are built with
struct (no scapy: the floods have 10^5 packets and must be quick), checksums are correct.
Classic little-endian pcap, microsecond timestamps, snaplen 262144, Ethernet.

What each pcap holds and what spanwatch must make of it: pcaps/README.md ("Stream and
defrag cases") and tests/stream/check.py. The overlap patterns' expected strings come from
tests/stream/model.py.
"""

import os
import struct
import sys

T0_US = 1700000000 * 1000000
STEP_US = 1000
MAC_C = bytes.fromhex("020000000001")
MAC_S = bytes.fromhex("020000000002")
CLIENT, SERVER = "10.0.0.1", "10.0.0.2"

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


# --------------------------------------------------------------------------
# packets
# --------------------------------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def eth(payload, src=MAC_C, dst=MAC_S, etype=0x0800):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, ident=1, frag_off=0, mf=False, total_len=None):
    """frag_off in bytes (multiple of 8)."""
    flags = (0x2000 if mf else 0) | (frag_off // 8)
    tl = total_len if total_len is not None else 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tl & 0xffff, ident, flags, 64, proto, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", win=65535, urp=0, opts=b""):
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      off << 4, flags, win, 0, urp) + opts
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    c = csum(pseudo + hdr + payload)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


def udp(src, dst, sport, dport, payload):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, 8 + len(payload))
    c = csum(pseudo + hdr + payload) or 0xffff
    return hdr[:6] + struct.pack("!H", c) + payload


class Pcap:
    """Writes frames with timestamps T0 + n ms (n = packet index, or a given index)."""

    def __init__(self, path):
        self.path = path
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.n = 0

    def add(self, frame):
        ts = T0_US + self.n * STEP_US
        self.f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(frame), len(frame)))
        self.f.write(frame)
        self.n += 1

    def close(self):
        self.f.close()
        print("  wrote %-28s %7d packets" % (os.path.basename(self.path), self.n))


class Conn:
    """One TCP connection CLIENT:cport -> SERVER:sport. Offsets are stream offsets: offset 0 is
    the first data byte (ISN + 1)."""

    def __init__(self, pcap, cport, sport=80, isn_c=1000, isn_s=5000, cwin=65535, swin=65535):
        self.p, self.cport, self.sport = pcap, cport, sport
        self.isn_c, self.isn_s = isn_c, isn_s
        self.cwin, self.swin = cwin, swin
        self.c_ack = 0      # what the client acknowledges (server offset)
        self.s_ack = 0      # what the server acknowledges (client offset)

    def cseq(self, off):
        return self.isn_c + 1 + off

    def sseq(self, off):
        return self.isn_s + 1 + off

    def c(self, flags, seq, ack=None, data=b"", win=None, urp=0, opts=b""):
        a = self.sseq(self.c_ack) if ack is None else ack
        self.p.add(eth(ipv4(CLIENT, SERVER, 6,
                            tcp(CLIENT, SERVER, self.cport, self.sport, seq, a, flags, data,
                                self.cwin if win is None else win, urp, opts))))

    def s(self, flags, seq, ack=None, data=b"", win=None):
        a = self.cseq(self.s_ack) if ack is None else ack
        self.p.add(eth(ipv4(SERVER, CLIENT, 6,
                            tcp(SERVER, CLIENT, self.sport, self.cport, seq, a, flags, data,
                                self.swin if win is None else win)),
                       src=MAC_S, dst=MAC_C))

    def handshake(self):
        self.c(SYN, self.isn_c, ack=0)
        self.s(SYN | ACK, self.isn_s, ack=self.isn_c + 1)
        self.c(ACK, self.cseq(0))

    def cdata(self, off, data, flags=PSH | ACK, **kw):
        self.c(flags, self.cseq(off), data=data, **kw)

    def sdata(self, off, data, flags=PSH | ACK, **kw):
        self.s(flags, self.sseq(off), data=data, **kw)

    def sack(self, upto):
        """the server (which has sent no data) acknowledges client data up to offset upto"""
        self.s_ack = upto
        self.s(ACK, self.sseq(0))

    def close(self, cend, send=0):
        """FIN from the client at offset cend, FIN from the server at send, last ACK."""
        self.s_ack = cend
        self.c(FIN | ACK, self.cseq(cend), ack=self.sseq(send))
        self.s(FIN | ACK, self.sseq(send), ack=self.cseq(cend + 1))
        self.c(ACK, self.cseq(cend + 1), ack=self.sseq(send + 1))


# --------------------------------------------------------------------------
# the overlap pattern (tests/stream/model.py): stream offsets in arrival order
# --------------------------------------------------------------------------
#   offset  0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21
#   A               A A A A A A A  A                                   1st
#   D                           D  D  D  D  D  D                       2nd  starts inside A, ends after
#   E               E E E E E E E  E  E  E                             3rd  starts with A, ends after
#   B           B B B B                                                4th  starts before A, ends inside
#   C                   C C                                            5th  inside A
#   F                                         F  F  F  F               6th  alone
#   H                                      H  H  H  H  H  H  H         7th  starts before F, covers it
#   G                                         G  G                     8th  starts with H+1.. inside H
#   I                                               I  I               9th  inside H
#   Z   Z Z                                                            last: fills the hole [0,2)
OVERLAP = [(4, b"AAAAAAAA"), (10, b"DDDDDD"), (4, b"EEEEEEEEEE"), (2, b"BBBB"), (6, b"CC"),
           (16, b"FFFF"), (15, b"HHHHHHH"), (16, b"GG"), (18, b"II"), (0, b"ZZ")]
OVERLAP_LEN = 22
# the in-order segment overlaps held data: X [2,6) and W [7,9) held, then R [0,8)
OVERLAP_RELEASE = [(2, b"XXXX"), (7, b"WW"), (0, b"RRRRRRRR")]
OVERLAP_RELEASE_LEN = 9


def case_overlap(out):
    p = Pcap(os.path.join(out, "stream-overlap.pcap"))
    c = Conn(p, 41000)
    c.handshake()
    for off, data in OVERLAP:
        c.cdata(off, data)
    c.sack(OVERLAP_LEN)
    c.close(OVERLAP_LEN)
    # second connection: the in-order segment itself overlaps held data
    c = Conn(p, 41001)
    c.handshake()
    for off, data in OVERLAP_RELEASE:
        c.cdata(off, data)
    c.sack(OVERLAP_RELEASE_LEN)
    c.close(OVERLAP_RELEASE_LEN)
    p.close()


def case_midstream(out):
    """No handshake: the capture starts in the middle of a connection."""
    p = Pcap(os.path.join(out, "stream-midstream.pcap"))
    c = Conn(p, 41010, isn_c=70000, isn_s=90000)
    c.cdata(0, b"midstream request\n")
    c.s_ack = 18
    c.sdata(0, b"midstream answer\n")
    c.c_ack = 17
    c.cdata(18, b"second line\n")
    c.s_ack = 30
    c.s(ACK, c.sseq(17))
    c.close(30, 17)
    p.close()


def case_gap(out):
    p = Pcap(os.path.join(out, "stream-gap.pcap"))
    # 1. the receiver acknowledges past bytes we never saw: [100,200) is missing
    c = Conn(p, 41020)
    c.handshake()
    c.cdata(0, b"a" * 100)
    c.cdata(200, b"c" * 100)
    c.s_ack = 300
    c.s(ACK, c.sseq(0))             # packet index 5: acks beyond the gap
    for _ in range(40):             # 40 more packets of the flow (window updates)
        c.s(ACK, c.sseq(0))
    c.cdata(300, b"d" * 100)
    c.close(400)
    # 2. a hole only closed by the flow ending: [100,200) missing, never acknowledged
    c = Conn(p, 41021)
    c.handshake()
    c.cdata(0, b"e" * 100)
    c.s_ack = 100
    c.s(ACK, c.sseq(0))
    c.cdata(200, b"g" * 100)
    c.s(ACK, c.sseq(0))             # a duplicate ACK of 100: no gap yet
    # 3. acknowledged past a hole, and the missing data comes as the 32nd packet after that
    #    ACK: within the grace period, so no gap
    c = Conn(p, 41022)
    c.handshake()
    c.cdata(0, b"h" * 100)
    c.cdata(200, b"j" * 100)
    c.s_ack = 300
    c.s(ACK, c.sseq(0))             # the ACK past the hole
    for _ in range(31):             # further packets 1..31
        c.s(ACK, c.sseq(0))
    c.cdata(100, b"i" * 100)        # further packet 32
    c.close(300)
    p.close()


def case_rst(out):
    p = Pcap(os.path.join(out, "stream-rst.pcap"))
    # 41030: valid RST from the server (seq = next expected); client data after it is not
    # reassembled
    c = Conn(p, 41030)
    c.handshake()
    c.cdata(0, b"before-rst")
    c.s_ack = 10
    c.sdata(0, b"srv")
    c.c_ack = 3
    c.s(RST | ACK, c.sseq(3))
    c.cdata(10, b"after-rst")
    # 41031: RSTs outside the window are ignored; the client advertises 8192, so from the server
    # seq next-1 and next+8192 are invalid; the stream goes on
    c = Conn(p, 41031, cwin=8192)
    c.handshake()
    c.cdata(0, b"part1-")
    c.s_ack = 6
    c.s(ACK, c.sseq(0))
    c.s(RST | ACK, c.sseq(-1))
    c.s(RST | ACK, c.sseq(8192))
    c.cdata(6, b"part2-")
    c.s_ack = 12
    c.sdata(0, b"ok")
    c.c_ack = 2
    c.cdata(12, b"part3")
    c.s_ack = 17
    c.s(ACK, c.sseq(2))
    c.close(17, 2)
    # 41032: RST at the last sequence number inside the window (next + 8191): valid
    c = Conn(p, 41032, cwin=8192)
    c.handshake()
    c.cdata(0, b"edge")
    c.s_ack = 4
    c.s(RST | ACK, c.sseq(8191))
    c.cdata(4, b"-dropped")
    # 41033: SYN answered by RST|ACK with ack = ISN+1 (connection refused): valid
    c = Conn(p, 41033)
    c.c(SYN, c.isn_c, ack=0)
    c.s(RST | ACK, 0, ack=c.isn_c + 1, win=0)
    # 41034: SYN answered by RST|ACK with a wrong ack (ISN+5): invalid
    c = Conn(p, 41034)
    c.c(SYN, c.isn_c, ack=0)
    c.s(RST | ACK, 0, ack=c.isn_c + 5, win=0)
    p.close()


WRAP_C = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEF"   # 42 bytes


def case_wrap(out):
    p = Pcap(os.path.join(out, "stream-wrap.pcap"))
    # in order: client ISN 0xfffffff0, first byte 0xfffffff1, byte 15 is at seq 0
    c = Conn(p, 41040, isn_c=0xfffffff0, isn_s=0xffffffff)
    c.handshake()
    c.cdata(0, WRAP_C[:10])
    c.cdata(10, WRAP_C[10:30])     # crosses 2^32
    c.cdata(30, WRAP_C[30:])
    c.s_ack = 42
    c.sdata(0, b"pong")            # server ISN 0xffffffff: its first byte is seq 0
    c.c_ack = 4
    c.close(42, 4)
    # out of order across the wrap
    c = Conn(p, 41041, isn_c=0xfffffff0, isn_s=0xfffffffe)
    c.handshake()
    c.cdata(10, WRAP_C[10:30])     # held: seq 0xfffffffb .. 0x0000000e
    c.cdata(30, WRAP_C[30:])       # held
    c.cdata(0, WRAP_C[:10])        # fills the hole
    c.s_ack = 42
    c.sdata(0, b"pong")
    c.c_ack = 4
    c.close(42, 4)
    p.close()


def depth_data(n):
    return bytes((i * 7 + i // 251) & 0xff for i in range(n))


def case_depth(out):
    p = Pcap(os.path.join(out, "stream-depth.pcap"))
    c = Conn(p, 41050)
    c.handshake()
    d = depth_data(10240)
    for off in range(0, 10240, 1000):
        c.cdata(off, d[off:off + 1000])
        c.s_ack = min(off + 1000, 10240)
        c.s(ACK, c.sseq(0))
    c.close(10240)
    p.close()


def memcap_block(k):
    return (b"[blk%04d]" % k) * 111 + b"\n"           # 1000 bytes, unique per block


def case_memcap(out):
    """Segment 0 is late: 199 segments of 1000 bytes are held first (199 KB out of order)."""
    p = Pcap(os.path.join(out, "stream-memcap.pcap"))
    c = Conn(p, 41060)
    c.handshake()
    for k in range(1, 200):
        c.cdata(k * 1000, memcap_block(k))
    c.cdata(0, memcap_block(0))
    c.s_ack = 200000
    c.s(ACK, c.sseq(0))
    c.close(200000)
    p.close()


def case_urgent(out):
    p = Pcap(os.path.join(out, "stream-urgent.pcap"))
    c = Conn(p, 41070)
    c.handshake()
    c.cdata(0, b"abc")
    # URG with pointer 5: the urgent byte is seq+5-1, the 'h' of "defgh" (offset 7)
    c.cdata(3, b"defgh", flags=URG | PSH | ACK, urp=5)
    c.cdata(8, b"ijk")
    c.s_ack = 11
    c.s(ACK, c.sseq(0))
    c.close(11)
    p.close()


def case_keepalive(out):
    p = Pcap(os.path.join(out, "stream-keepalive.pcap"))
    c = Conn(p, 41080)
    c.handshake()
    c.cdata(0, b"hello ")
    c.s_ack = 6
    c.s(ACK, c.sseq(0), win=0)             # zero window
    c.cdata(6, b"w")                        # zero-window probe: one byte of new data
    c.s(ACK, c.sseq(0), win=0)             # not accepted (ack stays 6)
    c.c(ACK, c.cseq(5))                     # keep-alive: seq next-1, no data
    c.c(ACK, c.cseq(5), data=b"\x00")       # keep-alive with one garbage byte at next-1
    c.s(ACK, c.sseq(0), win=65535)         # window opens
    c.cdata(6, b"world")
    c.s_ack = 11
    c.s(ACK, c.sseq(0))
    c.c(ACK, c.cseq(10), data=b"\x00")      # keep-alive again
    c.cdata(11, b"!")
    c.s_ack = 12
    c.s(ACK, c.sseq(0))
    c.close(12)
    p.close()


def case_after_close(out):
    p = Pcap(os.path.join(out, "stream-after-close.pcap"))
    c = Conn(p, 41090)
    c.handshake()
    c.cdata(0, b"closing")
    c.close(7)
    c.cdata(8, b"late data")                # after the FIN (FIN took seq 7)
    p.close()


def case_retrans(out):
    p = Pcap(os.path.join(out, "stream-retrans.pcap"))
    c = Conn(p, 41100)
    c.handshake()
    c.cdata(0, b"original")
    c.s_ack = 8
    c.s(ACK, c.sseq(0))
    c.cdata(0, b"FORGED!!")                 # same seq, other bytes: ignored
    c.cdata(4, b"XXXX-tail")                # half old (ignored), half new (kept)
    c.s_ack = 13
    c.s(ACK, c.sseq(0))
    c.close(13)
    p.close()


def case_tfo(out):
    p = Pcap(os.path.join(out, "stream-tfo.pcap"))
    c = Conn(p, 41110)
    first = b"GET /tfo HTTP/1.1\r\n"
    # SYN with a TFO cookie option (kind 34, 8-byte cookie) and data
    opts = bytes([34, 10]) + bytes(range(8)) + b"\x01\x01"
    c.c(SYN, c.isn_c, ack=0, data=first, opts=opts)
    c.s(SYN | ACK, c.isn_s, ack=c.isn_c + 1 + len(first))
    c.s_ack = len(first)
    c.c(ACK, c.cseq(len(first)))
    c.cdata(len(first), b"Host: tfo\r\n\r\n")
    c.s_ack = len(first) + 13
    c.sdata(0, b"HTTP/1.1 204 No Content\r\n\r\n")
    c.c_ack = 27
    c.close(len(first) + 13, 27)
    p.close()


# --------------------------------------------------------------------------
# IP fragments
# --------------------------------------------------------------------------

def frag_tcp_segment(c, ident, frags, seq, total_payload):
    """Sends a client TCP segment (header + payload as the full datagram) as IPv4 fragments:
    frags = [(offset_bytes, bytes_of_the_datagram_payload, more_fragments)]."""
    for off, data, mf in frags:
        c.p.add(eth(ipv4(CLIENT, SERVER, 6, data, ident=ident, frag_off=off, mf=mf)))


# the overlap pattern in 8-byte units, shifted by one unit: unit 0..2 = TCP header (20 bytes)
# + "ZZZZ"; pattern offset o >= 2 is unit o + 1, each letter 8 bytes.
def defrag_overlap_frags(c, ident):
    total_units = OVERLAP_LEN + 1
    hdr = tcp(CLIENT, SERVER, c.cport, c.sport, c.cseq(0), c.sseq(0), PSH | ACK,
              b"\0" * (total_units * 8 - 20))[:20]
    frags = []
    for off, data in OVERLAP:
        if off == 0:
            frags.append((0, hdr + b"ZZZZ", True))
        else:
            u = off + 1
            body = b"".join(bytes([x]) * 8 for x in data)
            frags.append((u * 8, body, u + len(data) < total_units))
    # H [16,23) units ends the datagram; it is the only fragment with MF=0
    for off, data, mf in frags:
        c.p.add(eth(ipv4(CLIENT, SERVER, 6, data, ident=ident, frag_off=off, mf=mf)))
    return total_units * 8 - 20


def case_defrag_overlap(out):
    p = Pcap(os.path.join(out, "defrag-overlap.pcap"))
    c = Conn(p, 41200)
    c.handshake()
    n = defrag_overlap_frags(c, 0x1234)
    c.s_ack = n
    c.s(ACK, c.sseq(0))
    c.close(n)
    p.close()


def case_defrag_misc(out):
    p = Pcap(os.path.join(out, "defrag-misc.pcap"))
    # 1. tiny first fragment: 8 bytes of TCP header in the first fragment (ports and seq
    #    only), the rest of the header and the data in the second
    c = Conn(p, 41210)
    c.handshake()
    seg = tcp(CLIENT, SERVER, c.cport, c.sport, c.cseq(0), c.sseq(0), PSH | ACK, b"tinyfrag")
    p.add(eth(ipv4(CLIENT, SERVER, 6, seg[:8], ident=0x2001, frag_off=0, mf=True)))
    p.add(eth(ipv4(CLIENT, SERVER, 6, seg[8:], ident=0x2001, frag_off=8, mf=False)))
    c.s_ack = 8
    c.s(ACK, c.sseq(0))
    c.close(8)
    # 2. teardrop: UDP, fragment 1 = offset 0, 40 bytes, MF; fragment 2 = offset 24, 8 bytes,
    #    no MF: it lies inside the first one and ends the datagram before the first ends
    u = udp(CLIENT, SERVER, 41211, 9999, b"T" * 32)
    p.add(eth(ipv4(CLIENT, SERVER, 17, u, ident=0x2002, frag_off=0, mf=True)))
    p.add(eth(ipv4(CLIENT, SERVER, 17, b"t" * 8, ident=0x2002, frag_off=24, mf=False)))
    # 3. oversize: fragments whose datagram would end at 20 + 65528 + 100 > 65535
    u = udp(CLIENT, SERVER, 41212, 9999, b"O" * 992)
    p.add(eth(ipv4(CLIENT, SERVER, 17, u, ident=0x2003, frag_off=0, mf=True)))
    p.add(eth(ipv4(CLIENT, SERVER, 17, b"o" * 100, ident=0x2003, frag_off=65528, mf=False)))
    # 4. a normal fragmented UDP datagram of 3000 bytes after all that: must come out whole
    u = udp(CLIENT, SERVER, 41213, 9999, bytes((i * 3) & 0xff for i in range(2992)))
    for off in range(0, 3000, 1480):
        p.add(eth(ipv4(CLIENT, SERVER, 17, u[off:off + 1480], ident=0x2004, frag_off=off,
                       mf=off + 1480 < 3000)))
    p.close()


def case_defrag_flood(out):
    p = Pcap(os.path.join(out, "defrag-flood.pcap"))
    # 1. one datagram in 300 fragments of 8 bytes (offsets 0..2392), never finished
    u = udp(CLIENT, SERVER, 41220, 9999, b"F" * 2392)
    for k in range(300):
        p.add(eth(ipv4(CLIENT, SERVER, 17, u[k * 8:k * 8 + 8], ident=0x3001, frag_off=k * 8,
                       mf=True)))
    # 2. 300 datagrams from 300 addresses, each only its first fragment (1000 bytes)
    for k in range(300):
        src = "10.1.%d.%d" % (k // 250, k % 250 + 1)
        u = udp(src, SERVER, 42000, 9999, b"f" * 992)
        p.add(eth(ipv4(src, SERVER, 17, u, ident=k, frag_off=0, mf=True)))
    p.close()


# --------------------------------------------------------------------------
# floods (made at test time by tests/stream/memory.sh, not committed)
# --------------------------------------------------------------------------

def case_syn_flood(out, n=200000):
    """n SYNs from 10.128.0.0/9 (addresses and ports varying), nothing answered."""
    p = Pcap(os.path.join(out, "syn-flood.pcap"))
    dst = ip4(SERVER)
    for k in range(n):
        src = bytes([10, 128 + (k >> 16) % 128, (k >> 8) & 0xff, k & 0xff])
        sport = 1024 + (k * 7919) % 64000
        th = struct.pack("!HHIIBBHHH", sport, 80, k * 2654435761 & 0xffffffff, 0, 0x50, SYN,
                         64240, 0, 0)
        c = csum(src + dst + struct.pack("!BBH", 0, 6, 20) + th)
        th = th[:16] + struct.pack("!H", c) + th[18:]
        ih = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, k & 0xffff, 0x4000, 64, 6, 0, src, dst)
        ih = ih[:10] + struct.pack("!H", csum(ih)) + ih[12:]
        p.add(MAC_S + MAC_C + b"\x08\x00" + ih + th)
    p.close()


def case_overlap_flood(out, n=40000):
    """One connection; the first 100 bytes never come; n segments of 200 bytes at offsets
    100 + (k * 7919) % 60000 overlap each other in every way; then the hole is filled."""
    p = Pcap(os.path.join(out, "overlap-flood.pcap"))
    c = Conn(p, 41300)
    c.handshake()
    for k in range(n):
        off = 100 + (k * 7919) % 60000
        c.cdata(off, bytes([65 + k % 26]) * 200)
    c.cdata(0, b"z" * 100)
    c.s_ack = 60300
    c.s(ACK, c.sseq(0))
    c.close(60300)
    p.close()


SMALL = {
    "stream-overlap": case_overlap, "stream-midstream": case_midstream, "stream-gap": case_gap,
    "stream-rst": case_rst, "stream-wrap": case_wrap, "stream-depth": case_depth,
    "stream-memcap": case_memcap, "stream-urgent": case_urgent,
    "stream-keepalive": case_keepalive, "stream-after-close": case_after_close,
    "stream-retrans": case_retrans, "stream-tfo": case_tfo,
    "defrag-overlap": case_defrag_overlap, "defrag-misc": case_defrag_misc,
    "defrag-flood": case_defrag_flood,
}
LARGE = {"syn-flood": case_syn_flood, "overlap-flood": case_overlap_flood}


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    names = argv[2:] or list(SMALL)
    for n in names:
        fn = SMALL.get(n) or LARGE.get(n)
        if fn is None:
            sys.exit("unknown case %s (%s)" % (n, " ".join(list(SMALL) + list(LARGE))))
        fn(out)


if __name__ == "__main__":
    main(sys.argv)
