/* src/decode/decode_gre.c: Generic Routing Encapsulation: version 0 (RFC 2784, key and sequence
 * number RFC 2890, the routing of RFC 1701 skipped), with Transparent Ethernet Bridging (0x6558),
 * ERSPAN (decode_erspan.c) and any EtherType we decode; version 1, the enhanced GRE of PPTP
 * (RFC 2637 4.1) carrying PPP. */
#include "config.h"

#include "decode/decode_int.h"

/*
 * GRE header, after the outer IP header (IP protocol 47):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Checksum (C or R)        |       Offset (C or R)         |
 * +-------------------------------+-------------------------------+
 * |  Key (K); version 1: payload length (16) | call id (16)       |
 * +---------------------------------------------------------------+
 * |                 Sequence Number (S)                           |
 * +---------------------------------------------------------------+
 * |                 Acknowledgment Number (A, version 1 only)     |
 * +---------------------------------------------------------------+
 * |  Routing (R, RFC 1701): source route entries, until a null one|
 * +---------------------------------------------------------------+
 * The checksum covers the GRE header and its payload (RFC 1071 sum).
 */
#define GRE_C     0x8000
#define GRE_R     0x4000
#define GRE_K     0x2000
#define GRE_S     0x1000
#define GRE_SSR   0x0800
#define GRE_RECUR 0x0700
#define GRE_A     0x0080
#define GRE_FLAGS 0x0078
#define GRE_VER   0x0007

#define GRE_PROTO_TEB      0x6558 /* Transparent Ethernet Bridging */
#define GRE_PROTO_ERSPAN   0x88be /* ERSPAN type I (no sequence number) and II */
#define GRE_PROTO_ERSPAN3  0x22eb /* ERSPAN type III */
#define GRE_PROTO_PPP      0x880b /* PPTP */

/* The RFC 1701 routing field: source route entries of address family(2) SRE offset(1) SRE
 * length(1) routing information(length), until one with family 0 and length 0. */
static int
gre_skip_routing(struct cursor *c)
{
	uint16_t family;
	uint8_t off, len;

	for (;;) {
		if (cur_be16(c, &family) != 0 || cur_u8(c, &off) != 0 || cur_u8(c, &len) != 0)
			return SW_E_TRUNC;
		if (family == 0 && len == 0)
			return 0;
		if (cur_skip(c, len) != 0)
			return SW_E_TRUNC;
	}
}

/* Verifies the checksum over the GRE header and payload (h, len bytes), when the capture has
 * all of it. A packet rebuilt from inner fragments has a payload the checksum never covered. */
static void
gre_verify(struct decode_pkt *d, const uint8_t *h, size_t len)
{
	struct sw_packet *p = d->p;

	if (p->caplen < p->wirelen || (p->flags & SW_PKT_REBUILT))
		return;
	d->csum_checked = 1;
	if (decode_csum_fold(decode_csum_add(0, h, len)) != 0) {
		sw_counter_add(&d->st->gre_csum_bad, 1);
		p->flags |= SW_PKT_BAD_CSUM;
	}
}

/* Enhanced GRE (PPTP): K set (payload length and call id), S and A optional, nothing else. */
static int
gre_v1(struct decode_pkt *d, struct cursor *c, uint16_t flags, uint16_t proto)
{
	uint16_t plen, call;
	int r;

	if (flags & GRE_C)
		return decode_set_event(d, DECODE_EV_GRE_V1_CHKSUM);
	if (flags & GRE_R)
		return decode_set_event(d, DECODE_EV_GRE_V1_ROUTE);
	if (flags & GRE_SSR)
		return decode_set_event(d, DECODE_EV_GRE_V1_SSR);
	if (flags & GRE_RECUR)
		return decode_set_event(d, DECODE_EV_GRE_V1_RECUR);
	if (flags & GRE_FLAGS)
		return decode_set_event(d, DECODE_EV_GRE_V1_FLAGS);
	if (!(flags & GRE_K))
		return decode_set_event(d, DECODE_EV_GRE_V1_NO_KEY);
	if (proto != GRE_PROTO_PPP)
		return decode_set_event(d, DECODE_EV_GRE_V1_WRONG_PROTOCOL);
	if (cur_be16(c, &plen) != 0 || cur_be16(c, &call) != 0 ||
	    ((flags & GRE_S) && cur_skip(c, 4) != 0) || ((flags & GRE_A) && cur_skip(c, 4) != 0))
		return decode_set_event(d, DECODE_EV_GRE_V1_HDR_TOO_BIG);
	/* an acknowledgment alone carries no PPP frame: the packet stays a GRE packet */
	if (plen == 0 || !(flags & GRE_S))
		return 0;
	if (decode_trim(d, c, plen) != 0)
		return decode_set_event(d, DECODE_EV_GRE_V1_HDR_TOO_BIG);
	if ((r = decode_encap_push(d, SW_ENCAP_GRE, call)) != 0)
		return r;
	return decode_ppp(d, c);
}

int
decode_gre(struct decode_pkt *d, struct cursor *c, uint32_t pseudo)
{
	struct sw_packet *p = d->p;
	const uint8_t *h = c->p;
	size_t len = cur_left(c);
	uint16_t flags, proto;
	uint32_t key = 0;
	int r;

	(void)pseudo; /* GRE's checksum has no pseudo header */
	/* until a payload is decoded, the packet is a GRE packet between the outer addresses */
	p->payload_off = p->l4_off;
	p->payload_len = (uint32_t)len;
	if (cur_be16(c, &flags) != 0 || cur_be16(c, &proto) != 0)
		return decode_set_event(d, DECODE_EV_GRE_TOO_SMALL);
	switch (flags & GRE_VER) {
	case 0:
		break;
	case 1:
		return gre_v1(d, c, flags, proto);
	default:
		return decode_set_event(d, DECODE_EV_GRE_WRONG_VERSION);
	}
	if (flags & GRE_RECUR)
		return decode_set_event(d, DECODE_EV_GRE_V0_RECUR);
	if (flags & (GRE_A | GRE_FLAGS))
		return decode_set_event(d, DECODE_EV_GRE_V0_FLAGS);
	if (((flags & (GRE_C | GRE_R)) && cur_skip(c, 4) != 0) ||
	    ((flags & GRE_K) && cur_be32(c, &key) != 0) || ((flags & GRE_S) && cur_skip(c, 4) != 0))
		return decode_set_event(d, DECODE_EV_GRE_V0_HDR_TOO_BIG);
	if ((flags & GRE_R) && gre_skip_routing(c) != 0)
		return decode_set_event(d, DECODE_EV_GRE_V0_MALFORMED_SRE);
	if (flags & GRE_C)
		gre_verify(d, h, len);

	switch (proto) {
	case GRE_PROTO_TEB:
		if ((r = decode_encap_push(d, SW_ENCAP_GRE, key)) != 0)
			return r;
		return decode_eth_frame(d, c, DECODE_EV_GRE_UNKNOWN_PAYLOAD);
	case GRE_PROTO_ERSPAN:
	case GRE_PROTO_ERSPAN3:
		return decode_erspan(d, c, proto, (flags & GRE_S) != 0);
	default:
		break;
	}
	if (decode_ethertype_find(proto) == NULL) {
		/* counted, not guessed at: the packet stays the GRE packet it is */
		decode_set_event(d, DECODE_EV_GRE_UNKNOWN_PAYLOAD);
		sw_counter_add(&d->st->tunnel_unknown, 1);
		return 0;
	}
	if ((r = decode_encap_push(d, SW_ENCAP_GRE, key)) != 0)
		return r;
	return decode_ethertype(d, c, proto);
}
