/* src/decode/decode_ip.c: IPv4 (RFC 791, options) and IPv6 (RFC 8200, extension header chain). */
#include "config.h"

#include <string.h>

#include "decode/decode_int.h"

#define IPPROTO_HOPOPTS_  0
#define IPPROTO_ROUTING_  43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ESP_      50
#define IPPROTO_AH_       51
#define IPPROTO_NONE_     59
#define IPPROTO_DSTOPTS_  60
#define IPPROTO_MH_       135
#define IPPROTO_HIP_      139
#define IPPROTO_SHIM6_    140

#define IPV6_MAX_EXTHDRS 16

/*
 * IPv4 header:
 *  0       4       8              16      19                      31
 * +-------+-------+---------------+-------+-----------------------+
 * |Version|  IHL  |      TOS      |         Total Length          |
 * +-------+-------+---------------+-------+-----------------------+
 * |        Identification         | Flags |    Fragment Offset    |
 * +---------------+---------------+-------+-----------------------+
 * |      TTL      |   Protocol    |        Header Checksum        |
 * +---------------+---------------+-------------------------------+
 * |                 Source, Destination Address                   |
 * +---------------------------------------------------------------+
 */
static void
ipv4_check_options(struct decode_pkt *d, const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t type = opt[i];

		if (type == 0) /* end of option list */
			return;
		if (type == 1) { /* no-operation */
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i) {
			decode_set_event(d, DECODE_EV_IPV4_OPT_INVALID);
			return;
		}
		i += opt[i + 1];
	}
}

int
decode_ipv4(struct decode_pkt *d, struct cursor *c)
{
	struct sw_packet *p = d->p;
	const uint8_t *h = c->p;
	size_t avail = cur_left(c);
	size_t hlen, totlen;
	uint16_t frag;
	uint32_t sum;
	struct cursor l4;

	if (avail < 20)
		return decode_set_event(d, DECODE_EV_IPV4_TOO_SMALL);
	if (h[0] >> 4 != 4)
		return decode_set_event(d, DECODE_EV_IPV4_WRONG_VERSION);
	hlen = (size_t)(h[0] & 0x0f) * 4;
	if (hlen < 20)
		return decode_set_event(d, DECODE_EV_IPV4_HLEN_TOO_SMALL);
	totlen = (size_t)h[2] << 8 | h[3];
	if (totlen < hlen)
		return decode_set_event(d, DECODE_EV_IPV4_IPLEN_SMALLER_THAN_HLEN);
	if (hlen > avail)
		return decode_set_event(d, DECODE_EV_IPV4_TRUNC);
	if (totlen > avail) {
		/* Cut by the snap length: keep what we have. Otherwise the packet lies. */
		if (p->caplen >= p->wirelen)
			return decode_set_event(d, DECODE_EV_IPV4_TRUNC);
		totlen = avail;
	}
	sw_counter_add(&d->st->ipv4, 1);
	if (hlen > 20)
		ipv4_check_options(d, h + 20, hlen - 20);
	d->csum_checked = 1;
	if (decode_csum_fold(decode_csum_add(0, h, hlen)) != 0) {
		sw_counter_add(&d->st->ipv4_csum_bad, 1);
		p->flags |= SW_PKT_BAD_CSUM;
	}

	p->flags |= SW_PKT_IP;
	p->family = 4;
	p->l3_off = (uint32_t)(h - p->data);
	p->ttl = h[8];
	p->proto = h[9];
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	memcpy(p->src.b, h + 12, 4);
	memcpy(p->dst.b, h + 16, 4);

	frag = (uint16_t)(h[6] << 8 | h[7]);
	if ((frag & 0x3fff) != 0) { /* MF set or an offset: a fragment */
		p->flags |= SW_PKT_FRAG;
		sw_counter_add(&d->st->ipv4_frag, 1);
		p->frag_id = (uint32_t)h[4] << 8 | h[5];
		p->frag_offset = (uint16_t)((frag & 0x1fff) * 8);
		p->frag_more = (frag & 0x2000) != 0;
		p->l4_off = (uint32_t)(h + hlen - p->data);
		p->payload_off = p->l4_off;
		p->payload_len = (uint32_t)(totlen - hlen);
		return 0;
	}
	/* pseudo header: addresses and protocol; decode_l4 adds the upper-layer length, which
	 * for UDP is its own length field (RFC 768) */
	sum = decode_csum_add(0, h + 12, 8);
	sum += p->proto;
	cur_init(&l4, h + hlen, totlen - hlen);
	return decode_l4(d, &l4, p->proto, sum);
}

/*
 * IPv6 header: version(4) class(8) flow label(20) | payload length(16) next header(8)
 * hop limit(8) | source(128) | destination(128), then a chain of extension headers.
 */
int
decode_ipv6(struct decode_pkt *d, struct cursor *c)
{
	struct sw_packet *p = d->p;
	const uint8_t *h = c->p;
	size_t avail = cur_left(c);
	size_t plen, hlen;
	uint8_t next;
	uint32_t sum;
	struct cursor ext, l4;
	uint32_t nh_off;
	int n;

	if (avail < 40)
		return decode_set_event(d, DECODE_EV_IPV6_TOO_SMALL);
	if (h[0] >> 4 != 6)
		return decode_set_event(d, DECODE_EV_IPV6_WRONG_VERSION);
	plen = (size_t)h[4] << 8 | h[5];
	if (40 + plen > avail) {
		if (p->caplen >= p->wirelen)
			return decode_set_event(d, DECODE_EV_IPV6_TRUNC);
		plen = avail - 40;
	}
	sw_counter_add(&d->st->ipv6, 1);
	p->flags |= SW_PKT_IP;
	p->family = 6;
	p->frag_hdr_off = 0; /* an outer header's is not this one's */
	p->l3_off = (uint32_t)(h - p->data);
	p->ttl = h[7];
	memcpy(p->src.b, h + 8, 16);
	memcpy(p->dst.b, h + 24, 16);

	next = h[6];
	cur_init(&ext, h + 40, plen);
	nh_off = (uint32_t)(h + 6 - p->data);
	for (n = 0;; n++) {
		const uint8_t *e = ext.p; /* this extension header */
		uint8_t nh, len8;
		uint16_t off;
		uint32_t fid;

		if (n > IPV6_MAX_EXTHDRS)
			return decode_set_event(d, DECODE_EV_IPV6_EXTHDR_TOO_MANY);
		switch (next) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MH_:
		case IPPROTO_HIP_:
		case IPPROTO_SHIM6_:
			/* next header(1) length in 8-octet units, not counting the first(1) */
			if (cur_u8(&ext, &nh) != 0 || cur_u8(&ext, &len8) != 0)
				return decode_set_event(d, DECODE_EV_IPV6_EXTHDR_TRUNC);
			hlen = ((size_t)len8 + 1) * 8;
			if (cur_skip(&ext, hlen - 2) != 0)
				return decode_set_event(d, DECODE_EV_IPV6_EXTHDR_TRUNC);
			next = nh;
			nh_off = (uint32_t)(e - p->data);
			continue;
		case IPPROTO_AH_:
			/* the length is in 4-octet units minus 2 */
			if (cur_u8(&ext, &nh) != 0 || cur_u8(&ext, &len8) != 0)
				return decode_set_event(d, DECODE_EV_IPV6_EXTHDR_TRUNC);
			hlen = ((size_t)len8 + 2) * 4;
			if (cur_skip(&ext, hlen - 2) != 0)
				return decode_set_event(d, DECODE_EV_IPV6_EXTHDR_TRUNC);
			next = nh;
			nh_off = (uint32_t)(e - p->data);
			continue;
		case IPPROTO_FRAGMENT_:
			/* next(1) reserved(1) offset(13) res(2) M(1) identification(4) */
			if (cur_u8(&ext, &nh) != 0 || cur_skip(&ext, 1) != 0 ||
			    cur_be16(&ext, &off) != 0 || cur_be32(&ext, &fid) != 0)
				return decode_set_event(d, DECODE_EV_IPV6_EXTHDR_TRUNC);
			next = nh;
			if ((off & 0xfff9) != 0) { /* an offset or M set */
				p->flags |= SW_PKT_FRAG;
				sw_counter_add(&d->st->ipv6_frag, 1);
				p->frag_id = fid;
				p->frag_offset = (uint16_t)(off & 0xfff8);
				p->frag_more = (off & 1) != 0;
				p->frag_hdr_off = (uint32_t)(e - p->data);
				p->frag_nh_off = nh_off;
				p->proto = next;
				p->l4_off = (uint32_t)(ext.p - p->data);
				p->payload_off = p->l4_off;
				p->payload_len = (uint32_t)cur_left(&ext);
				return 0;
			}
			/* an atomic fragment: the rest is a whole packet, whose fragment header
			 * fragoffset still reads (offset 0), as Suricata 7 does */
			p->frag_hdr_off = (uint32_t)(e - p->data);
			nh_off = (uint32_t)(e - p->data);
			continue;
		default:
			break;
		}
		break;
	}
	p->proto = next;
	if (next == IPPROTO_ESP_ || next == IPPROTO_NONE_) {
		p->l4_off = (uint32_t)(ext.p - p->data);
		p->payload_off = p->l4_off;
		p->payload_len = (uint32_t)cur_left(&ext);
		sw_counter_add(&d->st->other_proto, 1);
		return 0;
	}
	/* pseudo header: addresses and next header; decode_l4 adds the upper-layer length
	 * (RFC 8200 8.1: for UDP, its length field) */
	sum = decode_csum_add(0, h + 8, 32);
	sum += next;
	cur_init(&l4, ext.p, cur_left(&ext));
	return decode_l4(d, &l4, next, sum);
}
