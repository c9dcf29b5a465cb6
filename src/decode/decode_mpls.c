/* src/decode/decode_mpls.c: MPLS label stacks (RFC 3032; EtherTypes 0x8847 unicast and 0x8848
 * multicast), then IPv4, IPv6, or an Ethernet pseudowire with its control word (RFC 4385,
 * RFC 4448). */
#include "config.h"

#include "decode/decode_int.h"

#define MPLS_BOS            0x00000100u /* S: the bottom of the stack */
#define MPLS_IPV4_NULL      0  /* IPv4 explicit null: IPv4 follows */
#define MPLS_ROUTER_ALERT   1  /* never at the bottom */
#define MPLS_IPV6_NULL      2  /* IPv6 explicit null: IPv6 follows */
#define MPLS_IMPLICIT_NULL  3  /* advertised, never on the wire */
#define MPLS_RESERVED_MAX   15 /* 4-15 reserved (RFC 7274: ELI, GAL, OAM alert...) */
#define MPLS_PW_CW_LEN      4

/*
 * A label stack entry, repeated until S is set:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------+-----+-+---------------+
 * |                Label                  | TC  |S|      TTL      |
 * +---------------------------------------+-----+-+---------------+
 * After the bottom entry, nothing says what follows; the first nibble tells: 4 IPv4, 6 IPv6,
 * 0 the pseudowire control word (0000, flags, fragment, length, sequence: 4 bytes) then an
 * Ethernet frame. Anything else is counted, not guessed at. Labels are a link layer here:
 * they are not on the encapsulation stack (no outer addresses), and a stack of any depth is
 * read in a loop.
 */
int
decode_mpls(struct decode_pkt *d, struct cursor *c)
{
	uint32_t entry, label;

	sw_counter_add(&d->st->mpls, 1);
	do {
		if (cur_be32(c, &entry) != 0) /* no bottom of the stack within the packet */
			return decode_set_event(d, DECODE_EV_MPLS_HEADER_TOO_SMALL);
	} while (!(entry & MPLS_BOS));
	label = entry >> 12;
	switch (label) {
	case MPLS_IPV4_NULL:
		return decode_ipv4(d, c);
	case MPLS_IPV6_NULL:
		return decode_ipv6(d, c);
	case MPLS_ROUTER_ALERT:
		return decode_set_event(d, DECODE_EV_MPLS_BAD_LABEL_ROUTER_ALERT);
	case MPLS_IMPLICIT_NULL:
		return decode_set_event(d, DECODE_EV_MPLS_BAD_LABEL_IMPLICIT_NULL);
	default:
		if (label <= MPLS_RESERVED_MAX)
			return decode_set_event(d, DECODE_EV_MPLS_BAD_LABEL_RESERVED);
		break;
	}
	if (cur_left(c) < 1)
		return decode_set_event(d, DECODE_EV_MPLS_PKT_TOO_SMALL);
	switch (c->p[0] >> 4) {
	case 4:
		return decode_ipv4(d, c);
	case 6:
		return decode_ipv6(d, c);
	case 0:
		if (cur_skip(c, MPLS_PW_CW_LEN) != 0)
			return decode_set_event(d, DECODE_EV_MPLS_PKT_TOO_SMALL);
		return decode_eth_frame(d, c, DECODE_EV_MPLS_UNKNOWN_PAYLOAD);
	default:
		decode_set_event(d, DECODE_EV_MPLS_UNKNOWN_PAYLOAD);
		sw_counter_add(&d->st->tunnel_unknown, 1);
		sw_counter_add(&d->st->non_ip, 1);
		return DECODE_NOT_FLOW;
	}
}
