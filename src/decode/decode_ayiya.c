/* src/decode/decode_ayiya.c: AYIYA, "Anything In Anything" (draft-massar-v6ops-ayiya), IPv6 or
 * IPv4 tunnelled in UDP by tunnel brokers, on the ports of decode.ayiya.ports (5072 by default). */
#include "config.h"

#include "decode/decode_int.h"

#define AYIYA_HLEN       8
#define AYIYA_OP_FORWARD 1 /* the one operation that carries a packet */

/*
 * AYIYA header, after the outer UDP header:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------+-------+-------+-------+-------+-------+---------------+
 * | IDLen | IDType| SigLen|HshMeth|AutMeth| OpCode|  Next Header  |
 * +-------+-------+-------+-------+-------+-------+---------------+
 * |                          Epoch Time                           |
 * +---------------------------------------------------------------+
 * |   Identity (2^IDLen bytes)                                    |
 * +---------------------------------------------------------------+
 * |   Signature (SigLen x 4 bytes)                                |
 * +---------------------------------------------------------------+
 * Next Header: 41 IPv6, 4 IPv4 (IP protocol numbers). Other operations (echo, MOTD, query)
 * are counted; the datagram stays UDP.
 */
int
decode_ayiya(struct decode_pkt *d, struct cursor *c)
{
	uint8_t id, sig, op, next;
	int r;

	if (cur_left(c) < AYIYA_HLEN) {
		decode_set_event(d, DECODE_EV_AYIYA_TOO_SMALL);
		return DECODE_NOT_MINE;
	}
	if (cur_u8(c, &id) != 0 || cur_u8(c, &sig) != 0 || cur_u8(c, &op) != 0 ||
	    cur_u8(c, &next) != 0 || cur_skip(c, 4) != 0)
		return DECODE_NOT_MINE; /* not reached: the length was checked */
	if (cur_skip(c, ((size_t)1 << (id >> 4)) + (size_t)(sig >> 4) * 4) != 0) {
		decode_set_event(d, DECODE_EV_AYIYA_TOO_SMALL);
		return DECODE_NOT_MINE;
	}
	if ((op & 0x0f) != AYIYA_OP_FORWARD) {
		sw_counter_add(&d->st->ayiya_other, 1);
		return 0;
	}
	if (next != 4 && next != 41) {
		decode_set_event(d, DECODE_EV_AYIYA_UNKNOWN_PAYLOAD);
		sw_counter_add(&d->st->tunnel_unknown, 1);
		return 0;
	}
	if ((r = decode_encap_push(d, SW_ENCAP_AYIYA, 0)) != 0)
		return r;
	return next == 4 ? decode_ipv4(d, c) : decode_ipv6(d, c);
}
