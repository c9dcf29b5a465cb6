/* src/decode/decode_ppp.c: PPP (RFC 1661) with or without HDLC-like framing (RFC 1662), PPPoE
 * (RFC 2516: session and discovery stages) and Cisco HDLC framing. */
#include "config.h"

#include "decode/decode_int.h"

#define PPP_IPV4       0x0021
#define PPP_IPV6       0x0057
#define PPP_MPLS_UC    0x0281
#define PPP_MPLS_MC    0x0283
#define PPP_CONTROL    0x8000 /* 8000-ffff: network and link control protocols (NCP, LCP) */
#define PPPOE_VER_TYPE 0x11
#define PPPOE_HLEN     6

/*
 * A PPP frame:
 * +----------+----------+-------------------+----------------------
 * | FF (addr)| 03 (ctrl)| protocol (1 or 2) | information ...
 * +----------+----------+-------------------+----------------------
 * The address and control bytes are there in HDLC-like framing (RFC 1662) unless compressed
 * away; the protocol is one byte when compressed (its low bit is set), else two. IPv4, IPv6
 * and MPLS go on; control protocols (LCP, IPCP, CHAP...) are not for flows; any other data
 * protocol is ppp.unsup_proto.
 */
int
decode_ppp(struct decode_pkt *d, struct cursor *c)
{
	uint8_t hi, lo;
	uint16_t proto;

	sw_counter_add(&d->st->ppp, 1);
	if (cur_left(c) >= 2 && c->p[0] == 0xff && c->p[1] == 0x03)
		c->p += 2;
	if (cur_u8(c, &hi) != 0)
		return decode_set_event(d, DECODE_EV_PPP_TOO_SMALL);
	if (hi & 1) {
		proto = hi;
	} else {
		if (cur_u8(c, &lo) != 0)
			return decode_set_event(d, DECODE_EV_PPP_TOO_SMALL);
		proto = (uint16_t)(hi << 8 | lo);
	}
	switch (proto) {
	case PPP_IPV4:
		return decode_ethertype(d, c, 0x0800);
	case PPP_IPV6:
		return decode_ethertype(d, c, 0x86dd);
	case PPP_MPLS_UC:
		return decode_ethertype(d, c, 0x8847);
	case PPP_MPLS_MC:
		return decode_ethertype(d, c, 0x8848);
	default:
		if (proto < PPP_CONTROL)
			decode_set_event(d, DECODE_EV_PPP_UNSUP_PROTO);
		sw_counter_add(&d->st->non_ip, 1);
		return DECODE_NOT_FLOW;
	}
}

/*
 * PPPoE header (both stages):
 * +-------+-------+---------------+-------------------------------+
 * | ver 1 |type 1 |     code      |          session id           |
 * +-------+-------+---------------+-------------------------------+
 * |            length             |  payload: a PPP protocol field and its information (session,
 * +-------------------------------+  code 0), or tags (discovery)
 */
static int
pppoe_header(struct decode_pkt *d, struct cursor *c, uint8_t *code)
{
	uint8_t vt;
	uint16_t session, len;

	if (cur_u8(c, &vt) != 0 || cur_u8(c, code) != 0 || cur_be16(c, &session) != 0 ||
	    cur_be16(c, &len) != 0)
		return decode_set_event(d, DECODE_EV_PPPOE_TOO_SMALL);
	if (vt != PPPOE_VER_TYPE)
		return decode_set_event(d, DECODE_EV_PPPOE_WRONG_VERSION);
	if (decode_trim(d, c, len) != 0)
		return decode_set_event(d, DECODE_EV_PPPOE_TOO_SMALL);
	return 0;
}

int
decode_pppoe_session(struct decode_pkt *d, struct cursor *c)
{
	uint8_t code;
	int r;

	sw_counter_add(&d->st->pppoe, 1);
	if ((r = pppoe_header(d, c, &code)) != 0)
		return r;
	if (code != 0)
		return decode_set_event(d, DECODE_EV_PPPOE_WRONG_CODE);
	return decode_ppp(d, c);
}

/* PADI, PADO, PADR, PADS, PADT: counted, never for flows. */
int
decode_pppoe_discovery(struct decode_pkt *d, struct cursor *c)
{
	uint8_t code;
	int r;

	sw_counter_add(&d->st->pppoe_discovery, 1);
	if ((r = pppoe_header(d, c, &code)) != 0)
		return r;
	sw_counter_add(&d->st->non_ip, 1);
	return DECODE_NOT_FLOW;
}

/*
 * Cisco HDLC (DLT_C_HDLC, and DLT_PPP_SERIAL frames that start with 0x0f or 0x8f):
 * +-----------------+-------------+-----------------+
 * | address 0F / 8F | control 00  | EtherType (2)   |
 * +-----------------+-------------+-----------------+
 */
int
decode_chdlc(struct decode_pkt *d, struct cursor *c)
{
	uint8_t addr, ctrl;
	uint16_t type;

	sw_counter_add(&d->st->chdlc, 1);
	if (cur_u8(c, &addr) != 0 || cur_u8(c, &ctrl) != 0 || cur_be16(c, &type) != 0)
		return decode_set_event(d, DECODE_EV_CHDLC_TOO_SMALL);
	if (addr != 0x0f && addr != 0x8f) { /* unicast, broadcast: nothing else is defined */
		sw_counter_add(&d->st->non_ip, 1);
		return DECODE_NOT_FLOW;
	}
	return decode_ethertype(d, c, type);
}
