#!/usr/bin/env python3
"""Tunnelled copies of recorded pcaps for spanwatch's tunnel tests (called by record.sh).

Usage:
    craft_tunnel.py PCAPDIR OUTDIR

Each output wraps every packet of a real recording from PCAPDIR (http.pcap, http6.pcap, dns.pcap,
tls.pcap) in one encapsulation, keeping its timestamp and its bytes from the IP header on (or the
whole recorded Ethernet frame where the encapsulation carries Ethernet). The headers are written
field by field from their specifications (struct, below); scapy only builds the outer Ethernet,
IPv4, IPv6 and UDP headers (lengths and checksums). CASES at the end lists every file and what it
holds; pcaps/README.md has the same table. tunnel-hostile*.pcap are malformed on purpose, with a
manifest (tunnel-hostile.tsv) saying what each packet is.

The outer header goes tunnel end A -> B for packets of the side that sent the first packet and
B -> A for the other side (UDP tunnels' source ports differ by direction too, as real tunnel
ends' entropy ports do). Deterministic: the same input gives the same bytes.
"""

import hashlib
import os
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import Ether, IP, IPv6, UDP, Raw  # noqa: E402
from scapy.layers.vxlan import VXLAN  # noqa: E402

LINKTYPE_ETHERNET = 1
LINKTYPE_PPP = 9
LINKTYPE_PPP_HDLC = 50
LINKTYPE_C_HDLC = 104
LINKTYPE_NFLOG = 239
MAC_A, MAC_B = "02:00:00:00:0a:01", "02:00:00:00:0b:01"
V4_A, V4_B = "192.0.2.1", "192.0.2.2"
V6_A, V6_B = "2001:db8:7::a", "2001:db8:7::b"
# the middle tunnel of the nested cases
V4_MID_A, V4_MID_B = "203.0.113.1", "203.0.113.2"
MAC_MID_A, MAC_MID_B = "02:00:00:00:0c:01", "02:00:00:00:0d:01"
OUTER_ADDRS = (V4_A, V4_B, V6_A, V6_B, V4_MID_A, V4_MID_B)

ETH_IPV4, ETH_IPV6, ETH_TEB = 0x0800, 0x86DD, 0x6558
ETH_8021Q, ETH_8021AD = 0x8100, 0x88A8
ETH_MPLS_UC, ETH_MPLS_MC = 0x8847, 0x8848
ETH_PPPOE_DISC, ETH_PPPOE_SESS = 0x8863, 0x8864
ETH_PPP = 0x880B                      # GRE protocol of PPTP's enhanced GRE
ETH_ERSPAN_2, ETH_ERSPAN_3 = 0x88BE, 0x22EB
PPP_IPV4, PPP_IPV6 = 0x0021, 0x0057
VXLAN_PORT, GENEVE_PORT, GTPU_PORT, TEREDO_PORT, AYIYA_PORT = 4789, 6081, 2152, 3544, 5072


# --------------------------------------------------------------------------
# pcap files
# --------------------------------------------------------------------------

def read_pcap(path):
    """(ts_sec, ts_usec, frame bytes, original length) of a classic little/big-endian pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        sys.exit("%s: link type %d, Ethernet expected" % (path, linktype))
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        out.append((sec, usec, data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return out


def write_pcap(path, records, linktype=LINKTYPE_ETHERNET):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for sec, usec, frame in records:
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)
    print("  wrote %-32s %3d packets, linktype %d" % (os.path.basename(path), len(records),
                                                      linktype))


def side_of(frame, first):
    """0 for the side that sent the first packet (same source address and port), 1 for the other."""
    key = endpoint(frame)
    if first[0] is None:
        first[0] = key
    return 0 if key == first[0] else 1


def endpoint(frame):
    pkt = Ether(frame)
    ip = pkt.getlayer(IP) or pkt.getlayer(IPv6)
    l4 = ip.payload
    return (ip.src, getattr(l4, "sport", None))


class Packet:
    """One recorded packet as the wrappers see it: which side sent it, its index within that
    side's packets, the whole Ethernet frame, the IP packet and its family."""

    def __init__(self, frame, side, index):
        self.frame, self.side, self.index = frame, side, index
        self.ip = frame[14:]
        self.ethertype = struct.unpack("!H", frame[12:14])[0]
        self.v6 = self.ethertype == ETH_IPV6


def wrap(records, make):
    """Applies make(Packet) -> bytes to each record."""
    first, count = [None], [0, 0]
    out = []
    for sec, usec, frame, _ in records:
        side = side_of(frame, first)
        pkt = Packet(frame, side, count[side])
        count[side] += 1
        out.append((sec, usec, bytes(make(pkt))))
    return out


# --------------------------------------------------------------------------
# outer headers (scapy: lengths and checksums)
# --------------------------------------------------------------------------

def macs(side, mid=False):
    a, b = (MAC_MID_A, MAC_MID_B) if mid else (MAC_A, MAC_B)
    return (a, b) if side == 0 else (b, a)


def ether(side, ethertype, payload, mid=False):
    s, d = macs(side, mid)
    return bytes(Ether(src=s, dst=d, type=ethertype) / Raw(payload))


def ipv4(side, proto, payload, mid=False):
    """An IPv4 packet (no Ethernet) from the tunnel end of `side`."""
    a, b = (V4_MID_A, V4_MID_B) if mid else (V4_A, V4_B)
    s, d = (a, b) if side == 0 else (b, a)
    return bytes(IP(src=s, dst=d, id=0, proto=proto) / Raw(payload))


def ipv6(side, nh, payload):
    s, d = (V6_A, V6_B) if side == 0 else (V6_B, V6_A)
    return bytes(IPv6(src=s, dst=d, nh=nh) / Raw(payload))


def udp4(side, sport, dport, payload, mid=False):
    a, b = (V4_MID_A, V4_MID_B) if mid else (V4_A, V4_B)
    s, d = (a, b) if side == 0 else (b, a)
    return bytes(IP(src=s, dst=d, id=0) / UDP(sport=sport, dport=dport) / Raw(payload))


def udp6(side, sport, dport, payload):
    s, d = (V6_A, V6_B) if side == 0 else (V6_B, V6_A)
    return bytes(IPv6(src=s, dst=d) / UDP(sport=sport, dport=dport) / Raw(payload))


def eth4(side, payload_ip4):
    return ether(side, ETH_IPV4, payload_ip4)


def inner_ethertype(pkt):
    return ETH_IPV6 if pkt.v6 else ETH_IPV4


def inner_ipproto(pkt):
    return 41 if pkt.v6 else 4


def ones_complement(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# --------------------------------------------------------------------------
# tunnel headers, field by field
# --------------------------------------------------------------------------

def gre(proto, payload, csum=False, key=None, seq=None):
    """RFC 2784 + RFC 2890:
     0                   1                   2                   3
    |C| |K|S| Reserved0       | Ver |         Protocol Type         |
    |      Checksum (optional)      |       Reserved1 (optional)    |
    |                         Key (optional)                        |
    |                 Sequence Number (optional)                    |
    The checksum covers the GRE header and the payload, with the checksum field 0."""
    flags = (0x8000 if csum else 0) | (0x2000 if key is not None else 0) | \
        (0x1000 if seq is not None else 0)
    tail = b""
    if key is not None:
        tail += struct.pack("!I", key)
    if seq is not None:
        tail += struct.pack("!I", seq)
    if csum:
        hdr = struct.pack("!HHHH", flags, proto, 0, 0) + tail
        c = ones_complement(hdr + payload)
        hdr = struct.pack("!HHHH", flags, proto, c, 0) + tail
    else:
        hdr = struct.pack("!HH", flags, proto) + tail
    return hdr + payload


def gre_pptp(call_id, ppp_frame, seq=None, ack=None):
    """RFC 2637 4.1, enhanced GRE (version 1):
    |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type (0x880B)|
    |    Key (HW) Payload Length    |       Key (LW) Call ID        |
    |                  Sequence Number (Optional)                   |
    |               Acknowledgment Number (Optional)                |
    K is always set, C, R, s and Recur never; S when a payload follows, A when an ack does."""
    flags = 0x2000 | 0x0001 | (0x1000 if seq is not None else 0) | (0x0080 if ack is not None else 0)
    hdr = struct.pack("!HHHH", flags, ETH_PPP, len(ppp_frame), call_id)
    if seq is not None:
        hdr += struct.pack("!I", seq)
    if ack is not None:
        hdr += struct.pack("!I", ack)
    return hdr + ppp_frame


def ppp(pkt, acfc=False):
    """RFC 1661/1662: address 0xFF, control 0x03 (left out when address-and-control-field
    compression was negotiated), then the 16-bit protocol number."""
    proto = PPP_IPV6 if pkt.v6 else PPP_IPV4
    head = b"" if acfc else b"\xff\x03"
    return head + struct.pack("!H", proto) + pkt.ip


def erspan2(session, index, vlan, payload):
    """draft-foschiano-erspan-03, type II (GRE 0x88BE, S set), 8 bytes:
    |  Ver  |          VLAN         | COS | En|T|    Session ID     |
    |      Reserved         |                 Index                 |"""
    w1 = (1 << 28) | (vlan << 16) | (0 << 13) | (0 << 11) | (0 << 10) | session   # En 0: untagged
    w2 = index & 0xFFFFF
    return struct.pack("!II", w1, w2) + payload


def erspan3(session, timestamp, payload, platform=None):
    """draft-foschiano-erspan-03, type III (GRE 0x22EB, S set), 12 bytes:
    |  Ver  |          VLAN         | COS |BSO|T|     Session ID    |
    |                          Timestamp                            |
    |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
    then, when O is set, an 8-byte platform specific sub-header; platform id 0x3:
    |  Platf ID |       Reserved          |        Port ID/Index        |
    |                    Timestamp (upper 32 bits)                     |"""
    w1 = (2 << 28) | (0 << 16) | (5 << 13) | (0 << 11) | (0 << 10) | session
    sgt, p, ft, hwid, d, gra = 0x0102, 0, 0, 5, 0, 1    # FT 0: Ethernet; Gra 1: 100 ns
    o = 1 if platform is not None else 0
    w3 = (sgt << 16) | (p << 15) | (ft << 10) | (hwid << 4) | (d << 3) | (gra << 1) | o
    hdr = struct.pack("!III", w1, timestamp & 0xFFFFFFFF, w3)
    if platform is not None:
        port, ts_hi = platform
        hdr += struct.pack("!II", (0x3 << 26) | (port & 0x3FFF), ts_hi)
    return hdr + payload


def geneve(vni, proto, payload, options=b"", oam=False):
    """RFC 8926 3.4:
    |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
    |        Virtual Network Identifier (VNI)       |    Reserved   |
    |                    Variable-Length Options                    |
    Opt Len in 4-byte words."""
    assert len(options) % 4 == 0
    b0 = (0 << 6) | (len(options) // 4)
    b1 = (0x80 if oam else 0)
    return struct.pack("!BBHI", b0, b1, proto, vni << 8) + options + payload


def geneve_option(opt_class, opt_type, data):
    """RFC 8926 3.5: | Option Class | Type |R|R|R| Length | data (Length 4-byte words) |"""
    assert len(data) % 4 == 0 and len(data) <= 124
    return struct.pack("!HBB", opt_class, opt_type, len(data) // 4) + data


GENEVE_OPTIONS = (geneve_option(0x0102, 0x01, b"\x00\x00\x00\x2a") +
                  geneve_option(0xFFFF, 0x02, b"spanwatch-opt\x00\x00\x00"))


def gtpu(teid, payload, seq=None, ext=()):
    """3GPP TS 29.281 5.1, GTP-U v1, G-PDU (message type 255):
    | Ver |PT| |E|S|PN|  Message Type  |            Length               |
    |                 Tunnel Endpoint Identifier (TEID)                   |
    |        Sequence Number          |  N-PDU Number  | Next Ext. Type |  (when E, S or PN)
    Length counts the bytes after the first 8. ext: (type, content) extension headers, each
    | Length (4-byte units) | content | Next Extension Header Type | (5.2)."""
    e = 1 if ext else 0
    s = 1 if seq is not None else 0
    flags = (1 << 5) | (1 << 4) | (e << 2) | (s << 1)
    opt = b""
    if e or s:
        opt = struct.pack("!HBB", seq or 0, 0, ext[0][0] if ext else 0)
        for i, (_, content) in enumerate(ext):
            nxt = ext[i + 1][0] if i + 1 < len(ext) else 0
            body = content + bytes([nxt])
            assert (len(body) + 1) % 4 == 0
            opt += bytes([(len(body) + 1) // 4]) + body
    return struct.pack("!BBHI", flags, 0xFF, len(opt) + len(payload), teid) + opt + payload


def gtpu_ext(pkt):
    """A PDU Session Container (0x85, TS 38.415: DL PDU type 0 with QFI 9, UL PDU type 1 with
    QFI 9) then a PDCP PDU Number (0xC0) carrying the packet's index."""
    if pkt.side == 0:
        container = bytes([0x10, 0x09])        # UL PDU SESSION INFORMATION, QFI 9
    else:
        container = bytes([0x00, 0x09])        # DL PDU SESSION INFORMATION, QFI 9
    return ((0x85, container), (0xC0, struct.pack("!H", pkt.index & 0x7FFF)))


def teredo_origin(port, addr):
    """RFC 4380 5.1.1 origin indication: 0x0000, obfuscated port, obfuscated IPv4 address
    (each bit inverted)."""
    a = struct.unpack("!I", bytes(int(x) for x in addr.split(".")))[0]
    return struct.pack("!HHI", 0, port ^ 0xFFFF, a ^ 0xFFFFFFFF)


def teredo_auth(client_id, auth_value, nonce, confirmation=0):
    """RFC 4380 5.1.1 authentication encapsulation: 0x0001, ID-len, AU-len, client identifier,
    authentication value, nonce (8), confirmation byte."""
    assert len(nonce) == 8
    return struct.pack("!HBB", 1, len(client_id), len(auth_value)) + client_id + auth_value + \
        nonce + bytes([confirmation])


def ayiya(pkt, identity, epoch):
    """draft-massar-v6ops-ayiya-02 4:
    | IDLen | IDType | SigLen | HshMeth | AutMeth | OpCode | Next Header |
    |                        Epoch Time                                   |
    | Identity (2^IDLen bytes) | Signature (SigLen*4 bytes) | payload ... |
    Here: IDLen 4 (16 bytes, the client's IPv6 address), IDType 1 (integer), SigLen 5 (SHA-1),
    HshMeth 2 (SHA-1), AutMeth 1 (shared secret), OpCode 1 (forward). The signature is the SHA-1 of
    the whole packet with a shared secret's SHA-1 in the signature field (section 5)."""
    assert len(identity) == 16
    nh = inner_ipproto(pkt)
    head = struct.pack("!BBBBI", (4 << 4) | 1, (5 << 4) | 2, (1 << 4) | 1, nh, epoch)
    secret = hashlib.sha1(b"spanwatch test secret").digest()
    sig = hashlib.sha1(head + identity + secret + pkt.ip).digest()
    return head + identity + sig + pkt.ip


def mpls(labels, payload, bottom=True):
    """RFC 3032: | Label (20) | TC (3) | S (1) | TTL (8) | per entry, S on the last one."""
    out = b""
    for i, label in enumerate(labels):
        s = 1 if bottom and i == len(labels) - 1 else 0
        out += struct.pack("!I", (label << 12) | (0 << 9) | (s << 8) | 64)
    return out + payload


def pw_control_word(seq):
    """RFC 4385 3 (RFC 4448 for Ethernet):
    |0 0 0 0| Flags |FRG|  Length   |        Sequence Number        |
    Length 0: the payload is at least 64 bytes or the packet was not padded."""
    return struct.pack("!I", (0 << 28) | (0 << 24) | (0 << 22) | (0 << 16) | (seq & 0xFFFF))


def pppoe_session(session, ppp_payload):
    """RFC 2516 4: | VER (1) | TYPE (1) | CODE (0x00) | SESSION_ID | LENGTH | payload |
    LENGTH is the PPP payload's, the PPP protocol field included."""
    return struct.pack("!BBHH", 0x11, 0x00, session, len(ppp_payload)) + ppp_payload


def pppoe_discovery(code, session, tags):
    """RFC 2516 5: the same header, then TLV tags | TAG_TYPE | TAG_LENGTH | TAG_VALUE |."""
    body = b"".join(struct.pack("!HH", t, len(v)) + v for t, v in tags)
    return struct.pack("!BBHH", 0x11, code, session, len(body)) + body


def vlan_tags(tags, ethertype, payload):
    """IEEE 802.1Q: each tag | TPID | PCP (3) DEI (1) VID (12) |; TPID of the first tag in the
    frame's type field, then each tag's TCI followed by the next type."""
    out = b""
    for i, (tpid, vid) in enumerate(tags):
        nxt = tags[i + 1][0] if i + 1 < len(tags) else ethertype
        out += struct.pack("!HH", (0 << 13) | vid, nxt)
    return tags[0][0], out + payload


def llc_snap(ethertype, payload):
    """IEEE 802.2 LLC (DSAP 0xAA, SSAP 0xAA, control 0x03 UI) + SNAP (OUI 00-00-00, EtherType),
    RFC 1042."""
    return b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", ethertype) + payload


def nflog(pkt, group, prefix):
    """Linux NFLOG link type (LINKTYPE_NFLOG, https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html):
    | family (1) | version (1) = 0 | resource id (2, big-endian: the group) |, then TLVs:
    | length (2) | type (2) | value, padded to 4 bytes | with length and type in the byte order of
    the host that wrote the file (little-endian here) and the length counting the 4-byte TLV
    header but not the padding. NFULA_PACKET_HDR (1): hw_protocol (2, big-endian), hook (1),
    pad (1); NFULA_PREFIX (10): NUL-terminated; NFULA_PAYLOAD (9): the IP packet."""
    def tlv(t, v):
        pad = (4 - len(v) % 4) % 4
        return struct.pack("<HH", 4 + len(v), t) + v + b"\0" * pad
    family = 10 if pkt.v6 else 2
    return (struct.pack("!BBH", family, 0, group) +
            tlv(1, struct.pack("!HBB", inner_ethertype(pkt), 1, 0)) +   # hook 1: LOCAL_IN
            tlv(10, prefix + b"\0") +
            tlv(9, pkt.ip))


# --------------------------------------------------------------------------
# the encapsulations: Packet -> frame
# --------------------------------------------------------------------------

def vxlan(vni):
    def make(pkt):
        side = pkt.side
        a, b = (V4_A, V4_B) if side == 0 else (V4_B, V4_A)
        ma, mb = (MAC_A, MAC_B) if side == 0 else (MAC_B, MAC_A)
        sport = 50001 if side == 0 else 50002
        return (Ether(src=ma, dst=mb) / IP(src=a, dst=b, id=0) /
                UDP(sport=sport, dport=VXLAN_PORT) / VXLAN(vni=vni) / Raw(pkt.frame))
    return make


def ip_in(outer_family, proto):
    def make(pkt):
        side = pkt.side
        inner = pkt.ip  # the recorded IP packet, as it was
        ma, mb = (MAC_A, MAC_B) if side == 0 else (MAC_B, MAC_A)
        if outer_family == 4:
            a, b = (V4_A, V4_B) if side == 0 else (V4_B, V4_A)
            return Ether(src=ma, dst=mb) / IP(src=a, dst=b, id=0, proto=proto) / Raw(inner)
        a, b = (V6_A, V6_B) if side == 0 else (V6_B, V6_A)
        return Ether(src=ma, dst=mb) / IPv6(src=a, dst=b, nh=proto) / Raw(inner)
    return make


def vxlan_header(vni):
    """RFC 7348 5: | R R R R I R R R | Reserved (24) | VNI (24) | Reserved (8) |"""
    return struct.pack("!II", 0x08 << 24, vni << 8)


def gre_v0(csum=False, key=None, seq=False):
    def make(pkt):
        s = pkt.index + 1 if seq else None
        return eth4(pkt.side, ipv4(pkt.side, 47, gre(inner_ethertype(pkt), pkt.ip, csum=csum,
                                                         key=key, seq=s)))
    return make


def pptp(pkt):
    # each direction numbers its own payload packets; side B acknowledges A's last one
    call_id = 0x4001 if pkt.side == 0 else 0x8002
    ack = pkt.index if pkt.side == 1 else None
    return eth4(pkt.side, ipv4(pkt.side, 47, gre_pptp(call_id, ppp(pkt), seq=pkt.index,
                                                      ack=ack)))


def gre_teb(pkt):
    return eth4(pkt.side, ipv4(pkt.side, 47, gre(ETH_TEB, pkt.frame, key=0x10)))


def erspan_1(pkt):
    # type I: GRE without sequence number, protocol 0x88BE, the mirrored frame right after
    return eth4(pkt.side, ipv4(pkt.side, 47, gre(ETH_ERSPAN_2, pkt.frame)))


def erspan_2(pkt):
    seq = pkt.index * 2 + pkt.side
    return eth4(pkt.side, ipv4(pkt.side, 47, gre(ETH_ERSPAN_2, erspan2(
        session=100, index=0x12345, vlan=0, payload=pkt.frame), seq=seq)))


def erspan_3(platform):
    def make(pkt):
        seq = pkt.index * 2 + pkt.side
        ts = 1000000 + seq * 10
        plat = (7, 0) if platform else None
        return eth4(pkt.side, ipv4(pkt.side, 47, gre(ETH_ERSPAN_3, erspan3(
            session=200, timestamp=ts, payload=pkt.frame, platform=plat), seq=seq)))
    return make


def geneve_eth(pkt):
    sport = 50101 if pkt.side == 0 else 50102
    return eth4(pkt.side, udp4(pkt.side, sport, GENEVE_PORT,
                               geneve(0x00ABCD, ETH_TEB, pkt.frame, GENEVE_OPTIONS)))


def geneve_ip(pkt):
    sport = 50103 if pkt.side == 0 else 50104
    return eth4(pkt.side, udp4(pkt.side, sport, GENEVE_PORT,
                               geneve(0x000077, inner_ethertype(pkt), pkt.ip,
                                      geneve_option(0x0103, 0x05, b"\x01\x02\x03\x04"))))


def gtpu_ext_case(pkt):
    teid = 0x11111111 if pkt.side == 0 else 0x22222222
    return eth4(pkt.side, udp4(pkt.side, GTPU_PORT, GTPU_PORT,
                               gtpu(teid, pkt.ip, seq=pkt.index, ext=gtpu_ext(pkt))))


def gtpu_plain(pkt):
    teid = 0x33333333 if pkt.side == 0 else 0x44444444
    return eth4(pkt.side, udp4(pkt.side, GTPU_PORT, GTPU_PORT, gtpu(teid, pkt.ip)))


def teredo(kind):
    """Teredo client (side A, 192.0.2.1:40001) <-> relay (side B, 192.0.2.2:3544)."""
    def make(pkt):
        sport, dport = (40001, TEREDO_PORT) if pkt.side == 0 else (TEREDO_PORT, 40001)
        head = b""
        if kind == "origin" and pkt.side == 1:
            head = teredo_origin(40001, "198.51.100.7")
        elif kind == "auth":
            nonce = struct.pack("!II", 0x5eed0000 + pkt.side, pkt.index)
            if pkt.side == 0:
                head = teredo_auth(b"", b"", nonce)
            else:   # authentication, then the origin indication (RFC 4380 5.1.1 allows both)
                head = teredo_auth(b"cli1", b"\xa5" * 8, nonce) + \
                    teredo_origin(40001, "198.51.100.7")
        return eth4(pkt.side, udp4(pkt.side, sport, dport, head + pkt.ip))
    return make


def ayiya_case(pkt):
    sport, dport = (40002, AYIYA_PORT) if pkt.side == 0 else (AYIYA_PORT, 40002)
    ident = bytes.fromhex("20010db8000700000000000000000a0a" if pkt.side == 0 else
                          "20010db8000700000000000000000b0b")
    return eth4(pkt.side, udp4(pkt.side, sport, dport, ayiya(pkt, ident, 1700000000)))


def ip6_in6(pkt):
    return ether(pkt.side, ETH_IPV6, ipv6(pkt.side, 41, pkt.ip))


def mpls_ip(labels, ethertype=ETH_MPLS_UC):
    def make(pkt):
        return ether(pkt.side, ethertype, mpls(labels[pkt.side], pkt.ip))
    return make


def mpls_pw(pkt):
    # a tunnel label then the pseudowire label (RFC 4448 Ethernet PW, raw mode, control word)
    labels = (1001, 2001) if pkt.side == 0 else (1002, 2002)
    seq = pkt.index + 1       # RFC 4385: 0 means "not used", sequence numbers start at 1
    return ether(pkt.side, ETH_MPLS_UC, mpls(labels, pw_control_word(seq) + pkt.frame))


def pppoe(pkt):
    return ether(pkt.side, ETH_PPPOE_SESS, pppoe_session(0x1234, ppp(pkt, acfc=True)))


def pppoe_discovery_frames():
    """PADI, PADO, PADR, PADS (session 0x1234) before the session, PADT after it."""
    host_uniq = (0x0103, b"\x00\x00\x00\x01")
    svc = (0x0101, b"")
    ac = (0x0102, b"spanwatch-ac")
    cookie = (0x0104, bytes(range(16)))
    frames = [
        (0, ether(0, ETH_PPPOE_DISC, pppoe_discovery(0x09, 0, [svc, host_uniq]))
         .replace(bytes.fromhex(MAC_B.replace(":", "")), b"\xff" * 6, 1)),   # PADI: broadcast
        (1, ether(1, ETH_PPPOE_DISC, pppoe_discovery(0x07, 0, [ac, svc, cookie, host_uniq]))),
        (0, ether(0, ETH_PPPOE_DISC, pppoe_discovery(0x19, 0, [svc, cookie, host_uniq]))),
        (1, ether(1, ETH_PPPOE_DISC, pppoe_discovery(0x65, 0x1234, [svc, host_uniq]))),
    ]
    padt = ether(0, ETH_PPPOE_DISC, pppoe_discovery(0xA7, 0x1234, []))
    return [f for _, f in frames], padt


def qinq3(pkt):
    tpid, rest = vlan_tags([(ETH_8021AD, 100), (ETH_8021Q, 200), (ETH_8021Q, 300)],
                           inner_ethertype(pkt), pkt.ip)
    return ether(pkt.side, tpid, rest)


def llc(pkt):
    payload = llc_snap(inner_ethertype(pkt), pkt.ip)
    assert len(payload) <= 1500, "802.3 frames carry at most 1500 bytes"
    return ether(pkt.side, len(payload), payload)


def chdlc(pkt):
    """Cisco HDLC (LINKTYPE_C_HDLC): address 0x0F (unicast), control 0x00, protocol (EtherType)."""
    return struct.pack("!BBH", 0x0F, 0x00, inner_ethertype(pkt)) + pkt.ip


def ppp_link(acfc):
    def make(pkt):
        return ppp(pkt, acfc=acfc)
    return make


def nflog_link(pkt):
    return nflog(pkt, 42, b"spanwatch")


def gre_vxlan(pkt):
    """VXLAN inside GRE: outer IPv4/GRE (key 7) / middle IPv4 / UDP / VXLAN (VNI 77) / frame."""
    sport = 50201 if pkt.side == 0 else 50202
    middle = udp4(pkt.side, sport, VXLAN_PORT, vxlan_header(77) + pkt.frame, mid=True)
    return eth4(pkt.side, ipv4(pkt.side, 47, gre(ETH_IPV4, middle, key=7)))


def geneve_gre(pkt):
    """GRE inside Geneve: outer IPv4/UDP/Geneve (Ethernet) / middle Ethernet/IPv4/GRE / IP."""
    middle = ether(pkt.side, ETH_IPV4, ipv4(pkt.side, 47, gre(inner_ethertype(pkt), pkt.ip),
                                            mid=True), mid=True)
    sport = 50301 if pkt.side == 0 else 50302
    return eth4(pkt.side, udp4(pkt.side, sport, GENEVE_PORT,
                               geneve(0x000500, ETH_TEB, middle, GENEVE_OPTIONS)))


# name, recording, encapsulation, link type; the test (tests/pcap/tunnel.py) has the same names
CASES = [
    ("tunnel-gre-dns.pcap", "dns.pcap", gre_v0(), LINKTYPE_ETHERNET),
    ("tunnel-gre-csum-tls.pcap", "tls.pcap", gre_v0(csum=True), LINKTYPE_ETHERNET),
    ("tunnel-gre-key-dns.pcap", "dns.pcap", gre_v0(key=0x0000ABCD), LINKTYPE_ETHERNET),
    ("tunnel-gre-seq-http6.pcap", "http6.pcap", gre_v0(seq=True), LINKTYPE_ETHERNET),
    ("tunnel-gre-cks-http.pcap", "http.pcap", gre_v0(csum=True, key=0x01020304, seq=True),
     LINKTYPE_ETHERNET),
    ("tunnel-pptp-http.pcap", "http.pcap", pptp, LINKTYPE_ETHERNET),
    ("tunnel-gre-teb-tls.pcap", "tls.pcap", gre_teb, LINKTYPE_ETHERNET),
    ("tunnel-erspan1-dns.pcap", "dns.pcap", erspan_1, LINKTYPE_ETHERNET),
    ("tunnel-erspan2-http.pcap", "http.pcap", erspan_2, LINKTYPE_ETHERNET),
    ("tunnel-erspan3-dns.pcap", "dns.pcap", erspan_3(False), LINKTYPE_ETHERNET),
    ("tunnel-erspan3-plat-tls.pcap", "tls.pcap", erspan_3(True), LINKTYPE_ETHERNET),
    ("tunnel-geneve-http.pcap", "http.pcap", geneve_eth, LINKTYPE_ETHERNET),
    ("tunnel-geneve-ip-dns.pcap", "dns.pcap", geneve_ip, LINKTYPE_ETHERNET),
    ("tunnel-gtpu-http.pcap", "http.pcap", gtpu_ext_case, LINKTYPE_ETHERNET),
    ("tunnel-gtpu-dns.pcap", "dns.pcap", gtpu_plain, LINKTYPE_ETHERNET),
    ("tunnel-gtpu-http6.pcap", "http6.pcap", gtpu_ext_case, LINKTYPE_ETHERNET),
    ("tunnel-teredo-http6.pcap", "http6.pcap", teredo("plain"), LINKTYPE_ETHERNET),
    ("tunnel-teredo-orig-http6.pcap", "http6.pcap", teredo("origin"), LINKTYPE_ETHERNET),
    ("tunnel-teredo-auth-http6.pcap", "http6.pcap", teredo("auth"), LINKTYPE_ETHERNET),
    ("tunnel-ayiya-http6.pcap", "http6.pcap", ayiya_case, LINKTYPE_ETHERNET),
    ("tunnel-ayiya-dns.pcap", "dns.pcap", ayiya_case, LINKTYPE_ETHERNET),
    ("tunnel-4in4-tls.pcap", "tls.pcap", ip_in(4, 4), LINKTYPE_ETHERNET),
    ("tunnel-6in6-http6.pcap", "http6.pcap", ip6_in6, LINKTYPE_ETHERNET),
    ("tunnel-mpls-http.pcap", "http.pcap", mpls_ip(((16,), (17,))), LINKTYPE_ETHERNET),
    ("tunnel-mpls-http6.pcap", "http6.pcap", mpls_ip(((18,), (19,))), LINKTYPE_ETHERNET),
    ("tunnel-mpls-stack-dns.pcap", "dns.pcap", mpls_ip(((100, 200, 300), (101, 201, 301))),
     LINKTYPE_ETHERNET),
    ("tunnel-mpls-mcast-tls.pcap", "tls.pcap", mpls_ip(((500, 600), (501, 601)), ETH_MPLS_MC),
     LINKTYPE_ETHERNET),
    ("tunnel-mpls-pw-tls.pcap", "tls.pcap", mpls_pw, LINKTYPE_ETHERNET),
    ("tunnel-pppoe-http.pcap", "http.pcap", pppoe, LINKTYPE_ETHERNET),
    ("tunnel-pppoe-http6.pcap", "http6.pcap", pppoe, LINKTYPE_ETHERNET),
    ("tunnel-qinq3-http.pcap", "http.pcap", qinq3, LINKTYPE_ETHERNET),
    ("tunnel-llcsnap-dns.pcap", "dns.pcap", llc, LINKTYPE_ETHERNET),
    ("tunnel-chdlc-http.pcap", "http.pcap", chdlc, LINKTYPE_C_HDLC),
    ("tunnel-ppp-dns.pcap", "dns.pcap", ppp_link(False), LINKTYPE_PPP),
    ("tunnel-ppp-http6.pcap", "http6.pcap", ppp_link(True), LINKTYPE_PPP),
    ("tunnel-ppphdlc-tls.pcap", "tls.pcap", ppp_link(False), LINKTYPE_PPP_HDLC),
    ("tunnel-nflog-http.pcap", "http.pcap", nflog_link, LINKTYPE_NFLOG),
    ("tunnel-nflog-http6.pcap", "http6.pcap", nflog_link, LINKTYPE_NFLOG),
    ("tunnel-gre-vxlan-http.pcap", "http.pcap", gre_vxlan, LINKTYPE_ETHERNET),
    ("tunnel-geneve-gre-dns.pcap", "dns.pcap", geneve_gre, LINKTYPE_ETHERNET),
]


def interleave(one, two):
    """Both copies, the second 1 us after the first, packet by packet."""
    both = []
    for (s1, u1, f1), (s2, u2, f2) in zip(one, two):
        t2 = s2 * 1000000 + u2 + 1
        both += [(s1, u1, f1), (t2 // 1000000, t2 % 1000000, f2)]
    return both


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rec = {name: read_pcap(os.path.join(src, name))
           for name in ("http.pcap", "http6.pcap", "dns.pcap", "tls.pcap")}
    http, http6, dns = rec["http.pcap"], rec["http6.pcap"], rec["dns.pcap"]

    write_pcap(os.path.join(out, "tunnel-vxlan-http.pcap"), wrap(http, vxlan(1001)))
    write_pcap(os.path.join(out, "tunnel-vxlan-dns2.pcap"),
               interleave(wrap(dns, vxlan(1)), wrap(dns, vxlan(2))))
    write_pcap(os.path.join(out, "tunnel-vxlan-http2.pcap"),
               interleave(wrap(http, vxlan(1)), wrap(http, vxlan(2))))
    write_pcap(os.path.join(out, "tunnel-ipip-http.pcap"), wrap(http, ip_in(4, 4)))
    write_pcap(os.path.join(out, "tunnel-4in6-dns.pcap"), wrap(dns, ip_in(6, 4)))
    write_pcap(os.path.join(out, "tunnel-6in4-http6.pcap"), wrap(http6, ip_in(4, 41)))

    for name, plain, make, linktype in CASES:
        records = wrap(rec[plain], make)
        if make is pppoe:
            disc, padt = pppoe_discovery_frames()
            s0, u0 = records[0][0], records[0][1]
            t0 = s0 * 1000000 + u0 - 1000 * len(disc)     # 1 ms apart, before the session
            pre = [((t0 + 1000 * i) // 1000000, (t0 + 1000 * i) % 1000000, f)
                   for i, f in enumerate(disc)]
            t1 = records[-1][0] * 1000000 + records[-1][1] + 1000
            records = pre + records + [(t1 // 1000000, t1 % 1000000, padt)]
        write_pcap(os.path.join(out, name), records, linktype)


if __name__ == "__main__":
    main()
