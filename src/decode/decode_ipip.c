/* src/decode/decode_ipip.c: IP in IP: IPv4 in IPv4/IPv6 (IP protocol 4, RFC 2003, RFC 2473) and
 * IPv6 in IPv4/IPv6 (IP protocol 41, RFC 4213 6in4, RFC 2473). */
#include "config.h"

#include "decode/decode_int.h"

#define PROTO_IPV4_IN_IP 4
#define PROTO_IPV6_IN_IP 41

/*
 * There is no tunnel header: the outer IP header's protocol field names the inner version and
 * the inner IP header follows the outer one (and its IPv6 extension headers) directly.
 *
 * +----------------------------+----------------------------+-----------------------+
 * | outer IPv4/IPv6 header     | inner IPv4/IPv6 header     | inner transport ...   |
 * | protocol / next header =   |                            |                       |
 * |   4 (IPv4) or 41 (IPv6)    |                            |                       |
 * +----------------------------+----------------------------+-----------------------+
 */
int
decode_ipip(struct decode_pkt *d, struct cursor *c, uint32_t pseudo)
{
	struct sw_packet *p = d->p;
	uint8_t proto = p->proto;
	int r;

	(void)pseudo; /* no checksum of its own */
	if ((r = decode_encap_push(d, SW_ENCAP_IPIP, 0)) != 0)
		return r;
	if (proto == PROTO_IPV6_IN_IP)
		return decode_ipv6(d, c);
	return decode_ipv4(d, c);
}
