/* src/decode/decode_gtpu.c: GTP-U version 1 (3GPP TS 29.281), user-plane IP packets of mobile
 * networks in UDP, on the ports of decode.gtpu.ports (2152 by default). */
#include "config.h"

#include "decode/decode_int.h"

#define GTPU_VERSION 1
#define GTPU_PT      0x10 /* protocol type 1: GTP (0 would be GTP') */
#define GTPU_E       0x04 /* an extension header follows the optional fields */
#define GTPU_S       0x02 /* sequence number valid */
#define GTPU_PN      0x01 /* N-PDU number valid */
#define GTPU_G_PDU   255  /* the one message type that carries a user packet */

/*
 * GTP-U header, after the outer UDP header:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-----+-+-+-+-+-+---------------+-------------------------------+
 * | Ver |P|R|E|S|N| Message Type  |   Length (after these 8)      |
 * +-----+-+-+-+-+-+---------------+-------------------------------+
 * |           Tunnel Endpoint Identifier (TEID)                   |
 * +-------------------------------+---------------+---------------+
 * |   Sequence Number (E|S|PN)    | N-PDU Number  | Next Ext Type |
 * +-------------------------------+---------------+---------------+
 * | extension headers (E): length in 4-byte units (itself and the |
 * | next type included), content, next extension type; 0 ends     |
 * +---------------------------------------------------------------+
 * | G-PDU (type 255): an IPv4 or IPv6 packet, told by its version |
 * +---------------------------------------------------------------+
 * Other message types (echo, error indication, end marker...) are counted: the datagram stays
 * UDP. A header that is not GTP-U version 1 is not ours.
 */
int
decode_gtpu(struct decode_pkt *d, struct cursor *c)
{
	uint8_t flags, type, next = 0, units;
	uint16_t len;
	uint32_t teid;
	int r;

	if (cur_u8(c, &flags) != 0 || cur_u8(c, &type) != 0 || cur_be16(c, &len) != 0 ||
	    cur_be32(c, &teid) != 0)
		goto too_small;
	if (flags >> 5 != GTPU_VERSION || !(flags & GTPU_PT))
		return DECODE_NOT_MINE;
	if (decode_trim(d, c, len) != 0)
		goto too_small;
	if (flags & (GTPU_E | GTPU_S | GTPU_PN)) {
		if (cur_skip(c, 3) != 0 || cur_u8(c, &next) != 0)
			goto too_small;
		if (!(flags & GTPU_E))
			next = 0;
	}
	while (next != 0) { /* each extension header is at least 4 bytes: the loop ends */
		if (cur_u8(c, &units) != 0 || units == 0 ||
		    cur_skip(c, (size_t)units * 4 - 2) != 0 || cur_u8(c, &next) != 0)
			goto too_small;
	}
	if (type != GTPU_G_PDU) {
		sw_counter_add(&d->st->gtpu_other, 1);
		return 0;
	}
	if (cur_left(c) == 0 || (c->p[0] >> 4 != 4 && c->p[0] >> 4 != 6)) {
		decode_set_event(d, DECODE_EV_GTPU_UNKNOWN_PAYLOAD);
		sw_counter_add(&d->st->tunnel_unknown, 1);
		return 0;
	}
	if ((r = decode_encap_push(d, SW_ENCAP_GTPU, teid)) != 0)
		return r;
	return c->p[0] >> 4 == 4 ? decode_ipv4(d, c) : decode_ipv6(d, c);
too_small:
	decode_set_event(d, DECODE_EV_GTPU_TOO_SMALL);
	return DECODE_NOT_MINE;
}
