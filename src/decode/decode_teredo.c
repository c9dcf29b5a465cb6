/* src/decode/decode_teredo.c: Teredo (RFC 4380), IPv6 in UDP through NATs, on the ports of
 * decode.teredo.ports (3544 by default). */
#include "config.h"

#include "decode/decode_int.h"

#define TEREDO_ORIGIN_LEN 8

/*
 * After the outer UDP header, each optional, in this order (RFC 4380 5.1.1):
 *
 * authentication indication:
 * +--------+--------+--------+--------+
 * |  0x00  |  0x01  | ID-len | AU-len |
 * +--------+--------+--------+--------+
 * | client identifier (ID-len) | authentication value (AU-len) |
 * | nonce (8)                  | confirmation (1)              |
 *
 * origin indication:
 * +--------+--------+-----------------+
 * |  0x00  |  0x00  | origin port (2) |
 * +--------+--------+-----------------+
 * |   origin IPv4 address (4)         |
 * +-----------------------------------+
 *
 * then an IPv6 packet. Teredo has no header of its own to recognise it by, so a datagram to
 * the port is Teredo only when an IPv6 header that fits the datagram follows: otherwise it
 * stays the UDP datagram it is (not an anomaly: any protocol may use the port).
 */
int
decode_teredo(struct decode_pkt *d, struct cursor *c)
{
	const struct sw_packet *p = d->p;
	struct cursor t = *c;
	uint8_t id_len, au_len;
	size_t plen;
	int r;

	if (cur_left(&t) >= 2 && t.p[0] == 0x00 && t.p[1] == 0x01) {
		if (cur_skip(&t, 2) != 0 || cur_u8(&t, &id_len) != 0 || cur_u8(&t, &au_len) != 0 ||
		    cur_skip(&t, (size_t)id_len + au_len + 8 + 1) != 0)
			return DECODE_NOT_MINE;
	}
	if (cur_left(&t) >= 2 && t.p[0] == 0x00 && t.p[1] == 0x00 &&
	    cur_skip(&t, TEREDO_ORIGIN_LEN) != 0)
		return DECODE_NOT_MINE;
	/* the inner IPv6 header: version 6, and its payload within the datagram (unless the
	 * snap length cut it) */
	if (cur_left(&t) < 40 || t.p[0] >> 4 != 6)
		return DECODE_NOT_MINE;
	plen = (size_t)t.p[4] << 8 | t.p[5];
	if (40 + plen > cur_left(&t) && p->caplen >= p->wirelen)
		return DECODE_NOT_MINE;
	if ((r = decode_encap_push(d, SW_ENCAP_TEREDO, 0)) != 0)
		return r;
	return decode_ipv6(d, &t);
}
