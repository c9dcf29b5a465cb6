/* src/decode/decode_vxlan.c: VXLAN, Ethernet frames in UDP (RFC 7348), on the ports of
 * decode.vxlan.ports (4789 by default). */
#include "config.h"

#include "decode/decode_int.h"

#define VXLAN_HLEN   8
#define VXLAN_FLAG_I 0x08 /* the VNI is valid: the one flag RFC 7348 defines */

/*
 * VXLAN header, after the outer UDP header:
 *  0       8                               32
 * +-+-+-+-+-+-+-+-+-------------------------------+
 * |R|R|R|R|I|R|R|R|        reserved (24)          |
 * +-+-+-+-+-+-+-+-+---------------+---------------+
 * |  VXLAN Network Identifier (VNI, 24)  | res(8) |
 * +---------------------------------------+-------+
 * | inner Ethernet header (14, no FCS), its payload ...
 *
 * A datagram to the port without the I flag is not VXLAN as far as we know: it stays UDP.
 */
int
decode_vxlan(struct decode_pkt *d, struct cursor *c)
{
	uint8_t flags;
	uint32_t vni;
	int r;

	if (cur_left(c) < VXLAN_HLEN) {
		decode_set_event(d, DECODE_EV_VXLAN_TOO_SMALL);
		return DECODE_NOT_MINE;
	}
	if (cur_u8(c, &flags) != 0 || (flags & VXLAN_FLAG_I) == 0)
		return DECODE_NOT_MINE;
	if (cur_skip(c, 3) != 0 || cur_be32(c, &vni) != 0)
		return DECODE_NOT_MINE; /* not reached: the length was checked */
	if ((r = decode_encap_push(d, SW_ENCAP_VXLAN, vni >> 8)) != 0)
		return r;
	return decode_eth_frame(d, c, DECODE_EV_VXLAN_UNKNOWN_PAYLOAD);
}
