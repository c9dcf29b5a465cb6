/* src/decode/decode_nflog.c: the Linux NFLOG link type (DLT_NFLOG, 239): packets logged by
 * netfilter's NFLOG target, as libpcap writes them (pcap-linktype(7)). */
#include "config.h"

#include "decode/decode_int.h"

#define NFLOG_HLEN         4
#define NFLOG_TLV_HLEN     4
#define NFULA_PAYLOAD      9      /* the logged packet, from its network header */
#define NFLOG_TLV_TYPEMASK 0x3fff /* netlink's NLA_TYPE_MASK: without its two flag bits */
#define NFLOG_AF_INET      2
#define NFLOG_AF_INET6     10

/*
 * +----------------+----------------+--------------------------------+
 * | family (1)     | version 0 (1)  | resource id (2, network order) |
 * +----------------+----------------+--------------------------------+
 * then TLVs, each padded to a multiple of 4 bytes:
 * +--------------------------------+--------------------------------+
 * | length (2, little endian,      | type (2, little endian)        |
 * |   the 4 header bytes included) |                                |
 * +--------------------------------+--------------------------------+
 * | value (length - 4) ... padding                                   |
 * The NFULA_PAYLOAD TLV holds the IP packet; the family says IPv4 or IPv6. Other TLVs
 * (prefix, uid, timestamps, hardware header...) are skipped; a record without a payload is
 * not for flows.
 */
int
decode_nflog(struct decode_pkt *d, struct cursor *c)
{
	const struct sw_packet *p = d->p;
	uint8_t family, version;
	uint16_t len, type;
	uint32_t tl;
	size_t vlen, pad;
	struct cursor v;

	sw_counter_add(&d->st->nflog, 1);
	if (cur_u8(c, &family) != 0 || cur_u8(c, &version) != 0 ||
	    cur_skip(c, 2) != 0) /* the resource id */
		return decode_set_event(d, DECODE_EV_NFLOG_TOO_SMALL);
	if (version != 0) { /* the only one there is */
		sw_counter_add(&d->st->non_ip, 1);
		return DECODE_NOT_FLOW;
	}
	while (cur_left(c) > 0) {
		if (cur_le32(c, &tl) != 0)
			return decode_set_event(d, DECODE_EV_NFLOG_TOO_SMALL);
		len = (uint16_t)(tl & 0xffff);
		type = (uint16_t)(tl >> 16) & NFLOG_TLV_TYPEMASK;
		if (len < NFLOG_TLV_HLEN)
			return decode_set_event(d, DECODE_EV_NFLOG_TOO_SMALL);
		vlen = len - NFLOG_TLV_HLEN;
		if (vlen > cur_left(c)) {
			/* only the payload may be cut, and only by the snap length */
			if (type != NFULA_PAYLOAD || p->caplen >= p->wirelen)
				return decode_set_event(d, DECODE_EV_NFLOG_TOO_SMALL);
			vlen = cur_left(c);
		}
		if (type == NFULA_PAYLOAD) {
			cur_init(&v, c->p, vlen);
			switch (family) {
			case NFLOG_AF_INET:
				return decode_ipv4(d, &v);
			case NFLOG_AF_INET6:
				return decode_ipv6(d, &v);
			default:
				return decode_set_event(d, DECODE_EV_NFLOG_UNSUPPORTED_FAMILY);
			}
		}
		pad = (vlen + 3) & ~(size_t)3;
		if (pad > cur_left(c))
			pad = cur_left(c); /* the last TLV's padding may be missing */
		c->p += pad;
	}
	sw_counter_add(&d->st->non_ip, 1);
	return DECODE_NOT_FLOW;
}
