/* src/decode/decode_erspan.c: Cisco ERSPAN, mirrored Ethernet frames in GRE: type I and II (GRE
 * protocol 0x88be) and type III with its optional platform-specific sub-header (0x22eb), as in
 * draft-foschiano-erspan-03. */
#include "config.h"

#include "decode/decode_int.h"

#define ERSPAN_II_VERSION  1
#define ERSPAN_III_VERSION 2
#define ERSPAN_III_O       0x0001 /* a platform-specific sub-header follows */

/*
 * Type I: GRE protocol 0x88be without a sequence number: no ERSPAN header, the mirrored frame
 * follows the GRE header.
 *
 * Type II (GRE 0x88be with a sequence number), 8 bytes:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------+-----------------------+-----+---+-+-------------------+
 * |  Ver  |          VLAN         | COS | En|T|    Session ID     |
 * +-------+---------------+-------+-----+---+-+-------------------+
 * |      Reserved         |                  Index                |
 * +-----------------------+---------------------------------------+
 *
 * Type III (GRE 0x22eb), 12 bytes, then 8 more when O is set:
 * +-------+-----------------------+-----+---+-+-------------------+
 * |  Ver  |          VLAN         | COS |BSO|T|     Session ID    |
 * +-------+-----------------------+-----+---+-+-------------------+
 * |                          Timestamp                            |
 * +-------------------------------+-+---------+-----------+-+---+-+
 * |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
 * +-------------------------------+-+---------+-----------+-+---+-+
 * |        Platform Specific Sub-header (8, when O)               |
 * +---------------------------------------------------------------+
 * Then the mirrored Ethernet frame. The session id is the layer's id.
 */
int
decode_erspan(struct decode_pkt *d, struct cursor *c, uint16_t gre_proto, bool gre_seq)
{
	uint16_t w0, w1, bits;
	uint32_t session = 0;
	int r, version;

	if (gre_proto == 0x88be && !gre_seq)
		goto frame; /* type I */
	if (cur_be16(c, &w0) != 0 || cur_be16(c, &w1) != 0)
		return decode_set_event(d, DECODE_EV_ERSPAN_TOO_SMALL);
	version = w0 >> 12;
	session = w1 & 0x03ff;
	if (gre_proto == 0x88be) {
		if (version != ERSPAN_II_VERSION)
			return decode_set_event(d, DECODE_EV_ERSPAN_UNSUPPORTED_VERSION);
		if (cur_skip(c, 4) != 0)
			return decode_set_event(d, DECODE_EV_ERSPAN_TOO_SMALL);
	} else {
		if (version != ERSPAN_III_VERSION)
			return decode_set_event(d, DECODE_EV_ERSPAN_UNSUPPORTED_VERSION);
		if (cur_skip(c, 6) != 0 || cur_be16(c, &bits) != 0 ||
		    ((bits & ERSPAN_III_O) && cur_skip(c, 8) != 0))
			return decode_set_event(d, DECODE_EV_ERSPAN_TOO_SMALL);
	}
frame:
	if ((r = decode_encap_push(d, SW_ENCAP_ERSPAN, session)) != 0)
		return r;
	return decode_eth_frame(d, c, DECODE_EV_ERSPAN_UNKNOWN_PAYLOAD);
}
