/* src/decode/decode_geneve.c: Geneve (RFC 8926), Ethernet or IP in UDP, on the ports of
 * decode.geneve.ports (6081 by default). */
#include "config.h"

#include "decode/decode_int.h"

#define GENEVE_HLEN      8
#define GENEVE_PROTO_TEB 0x6558
#define GENEVE_PROTO_IP4 0x0800
#define GENEVE_PROTO_IP6 0x86dd

/*
 * Geneve header, after the outer UDP header:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Virtual Network Identifier (VNI)       |    Reserved   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Variable-Length Options (Opt Len x 4 bytes), skipped   |
 * +---------------------------------------------------------------+
 * Protocol Type: 0x6558 an Ethernet frame, 0x0800 IPv4, 0x86dd IPv6.
 *
 * Version 0 only: anything else to the port is not Geneve as far as we know, and stays UDP.
 */
int
decode_geneve(struct decode_pkt *d, struct cursor *c)
{
	uint8_t vo, flags;
	uint16_t proto;
	uint32_t vni;
	int r;

	if (cur_left(c) < GENEVE_HLEN) {
		decode_set_event(d, DECODE_EV_GENEVE_TOO_SMALL);
		return DECODE_NOT_MINE;
	}
	if (cur_u8(c, &vo) != 0 || vo >> 6 != 0)
		return DECODE_NOT_MINE;
	if (cur_u8(c, &flags) != 0 || cur_be16(c, &proto) != 0 || cur_be32(c, &vni) != 0)
		return DECODE_NOT_MINE; /* not reached: the length was checked */
	if (cur_skip(c, (size_t)(vo & 0x3f) * 4) != 0) {
		decode_set_event(d, DECODE_EV_GENEVE_TOO_SMALL);
		return DECODE_NOT_MINE;
	}
	if (proto != GENEVE_PROTO_TEB && proto != GENEVE_PROTO_IP4 && proto != GENEVE_PROTO_IP6) {
		/* counted, not guessed at: the packet stays the UDP datagram it is */
		decode_set_event(d, DECODE_EV_GENEVE_UNKNOWN_PAYLOAD);
		sw_counter_add(&d->st->tunnel_unknown, 1);
		return 0;
	}
	if ((r = decode_encap_push(d, SW_ENCAP_GENEVE, vni >> 8)) != 0)
		return r;
	if (proto == GENEVE_PROTO_TEB)
		return decode_eth_frame(d, c, DECODE_EV_GENEVE_UNKNOWN_PAYLOAD);
	return proto == GENEVE_PROTO_IP4 ? decode_ipv4(d, c) : decode_ipv6(d, c);
}
