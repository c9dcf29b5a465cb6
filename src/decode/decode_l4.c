/* src/decode/decode_l4.c: TCP (RFC 9293, options), UDP (RFC 768), ICMP (RFC 792) and ICMPv6
 * (RFC 4443), with checksum verification (RFC 1071) over the IPv4/IPv6 pseudo header. */
#include "config.h"

#include <string.h>

#include "decode/decode_int.h"

/*
 * RFC 1071 sum of len bytes, added to sum (both in network-order 16-bit word terms). The words
 * are summed in host order (the one's complement sum does not depend on byte order, RFC 1071
 * 2(B)) as 64-bit words whose carries are counted apart (2^64 is 1 modulo 0xffff, RFC 1071
 * 2(C)), in two independent chains of 32 bytes a turn; then folded and turned to network order.
 * The folded sum is 0 only when every byte is 0, as a plain sum's.
 */
uint32_t
decode_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t a0 = 0, a1 = 0, c0 = 0, c1 = 0, v0, v1, acc;
	uint16_t folded;

	while (len >= 32) {
		memcpy(&v0, p, 8);
		memcpy(&v1, p + 8, 8);
		a0 += v0;
		c0 += a0 < v0;
		a1 += v1;
		c1 += a1 < v1;
		memcpy(&v0, p + 16, 8);
		memcpy(&v1, p + 24, 8);
		a0 += v0;
		c0 += a0 < v0;
		a1 += v1;
		c1 += a1 < v1;
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&v0, p, 8);
		a0 += v0;
		c0 += a0 < v0;
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		a1 += w;
		c1 += a1 < w;
		p += 2;
		len -= 2;
	}
	/* a0 + a1 + the carries, each carry out of 64 bits added back in */
	acc = a0 + a1;
	c0 += acc < a0;
	c0 += c1;
	acc += c0;
	acc += acc < c0;
	acc = (acc & 0xffffffffu) + (acc >> 32);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	folded = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	folded = __builtin_bswap16(folded);
#endif
	acc = (uint64_t)sum + folded;
	if (len == 1)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t
decode_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The whole L4 message is present only when the snap length did not cut the packet. */
static int
l4_complete(const struct sw_packet *p)
{
	return p->caplen >= p->wirelen;
}

static void
l4_verify(struct decode_pkt *d, const uint8_t *h, size_t len, uint32_t pseudo, sw_counter_t *bad)
{
	if (!l4_complete(d->p))
		return;
	d->csum_checked = 1;
	if (decode_csum_fold(decode_csum_add(pseudo, h, len)) != 0) {
		sw_counter_add(bad, 1);
		d->p->flags |= SW_PKT_BAD_CSUM;
	}
}

/*
 * TCP header:
 * | source port(16) | destination port(16) | sequence(32) | acknowledgment(32) |
 * | offset(4) res(4) flags(8) | window(16) | checksum(16) | urgent(16) | options |
 */
int
decode_tcp(struct decode_pkt *d, struct cursor *c, uint32_t pseudo)
{
	struct sw_packet *p = d->p;
	const uint8_t *h = c->p;
	size_t avail = cur_left(c), hlen, i;

	if (avail < 20)
		return decode_set_event(d, DECODE_EV_TCP_TOO_SMALL);
	hlen = (size_t)(h[12] >> 4) * 4;
	if (hlen < 20)
		return decode_set_event(d, DECODE_EV_TCP_HLEN_TOO_SMALL);
	if (hlen > avail)
		return decode_set_event(d, DECODE_EV_TCP_HLEN_TOO_BIG);
	p->tcp_wscale = 0xff;
	for (i = 20; i < hlen;) {
		uint8_t kind = h[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (hlen - i < 2 || h[i + 1] < 2 || h[i + 1] > hlen - i) {
			decode_set_event(d, DECODE_EV_TCP_OPT_INVALID_LEN);
			break;
		}
		if (kind == 3 && h[i + 1] == 3) /* window scale (RFC 7323) */
			p->tcp_wscale = h[i + 2] > 14 ? 14 : h[i + 2];
		i += h[i + 1];
	}
	sw_counter_add(&d->st->tcp, 1);
	p->sport = (uint16_t)(h[0] << 8 | h[1]);
	p->dport = (uint16_t)(h[2] << 8 | h[3]);
	p->tcp_seq = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
	p->tcp_ack = (uint32_t)h[8] << 24 | (uint32_t)h[9] << 16 | (uint32_t)h[10] << 8 | h[11];
	p->tcp_flags = h[13];
	p->tcp_win = (uint16_t)(h[14] << 8 | h[15]);
	p->tcp_urp = (uint16_t)(h[18] << 8 | h[19]);
	p->payload_off = (uint32_t)(h + hlen - p->data);
	p->payload_len = (uint32_t)(avail - hlen);
	if (d->defer_tcp && l4_complete(p)) {
		/* the sum over the whole segment is most of what decoding a packet costs: the
		 * worker that gets the packet does it (decode_csum_deferred) */
		p->flags |= SW_PKT_CSUM_DEFER;
		p->csum_off = (uint32_t)(h - p->data);
		p->csum_len = (uint32_t)avail;
		p->csum_pseudo = pseudo + (uint32_t)avail;
	} else {
		l4_verify(d, h, avail, pseudo + (uint32_t)avail, &d->st->tcp_csum_bad);
	}
	p->flags |= SW_PKT_L4;
	return 0;
}

int
decode_udp(struct decode_pkt *d, struct cursor *c, uint32_t pseudo)
{
	struct sw_packet *p = d->p;
	const uint8_t *h = c->p;
	size_t avail = cur_left(c), len;
	struct cursor inner;
	decode_fn *tunnel;
	int r;

	if (avail < 8)
		return decode_set_event(d, DECODE_EV_UDP_TOO_SMALL);
	len = (size_t)h[4] << 8 | h[5];
	if (len < 8)
		return decode_set_event(d, DECODE_EV_UDP_LEN_INVALID);
	if (len > avail) {
		if (l4_complete(p))
			return decode_set_event(d, DECODE_EV_UDP_LEN_INVALID);
		len = avail;
	}
	sw_counter_add(&d->st->udp, 1);
	p->sport = (uint16_t)(h[0] << 8 | h[1]);
	p->dport = (uint16_t)(h[2] << 8 | h[3]);
	p->payload_off = (uint32_t)(h + 8 - p->data);
	p->payload_len = (uint32_t)(len - 8);
	/* A zero checksum means "none" over IPv4 (it is mandatory over IPv6). */
	if (!(p->family == 4 && h[6] == 0 && h[7] == 0))
		l4_verify(d, h, len, pseudo + (uint32_t)len, &d->st->udp_csum_bad);
	p->flags |= SW_PKT_L4;
	/* a UDP tunnel by port: its decoder takes the payload, or says it is not its protocol */
	if ((tunnel = decode_udp_find(d->conf, p->sport, p->dport)) != NULL) {
		cur_init(&inner, h + 8, len - 8);
		if ((r = tunnel(d, &inner)) != DECODE_NOT_MINE)
			return r;
	}
	return 0;
}

static int
decode_icmp(struct decode_pkt *d, struct cursor *c, uint32_t pseudo, int v6)
{
	struct sw_packet *p = d->p;
	const uint8_t *h = c->p;
	size_t avail = cur_left(c);

	if (avail < 4)
		return decode_set_event(d, v6 ? DECODE_EV_ICMPV6_TOO_SMALL
					      : DECODE_EV_ICMPV4_TOO_SMALL);
	sw_counter_add(v6 ? &d->st->icmpv6 : &d->st->icmpv4, 1);
	p->icmp_type = h[0];
	p->icmp_code = h[1];
	p->sport = h[0];
	p->dport = h[1];
	p->payload_off = (uint32_t)(h + (avail >= 8 ? 8 : 4) - p->data);
	p->payload_len = (uint32_t)(avail >= 8 ? avail - 8 : avail - 4);
	/* ICMPv4 has no pseudo header; ICMPv6 does. */
	l4_verify(d, h, avail, v6 ? pseudo + (uint32_t)avail : 0, &d->st->icmp_csum_bad);
	p->flags |= SW_PKT_L4;
	return 0;
}

int
decode_icmpv4(struct decode_pkt *d, struct cursor *c, uint32_t pseudo)
{
	return decode_icmp(d, c, pseudo, 0);
}

int
decode_icmpv6(struct decode_pkt *d, struct cursor *c, uint32_t pseudo)
{
	return decode_icmp(d, c, pseudo, 1);
}

/* pseudo: the one's complement sum of the pseudo header without its length field, which each
 * protocol adds itself. The IP protocol table (decode_dispatch.c) names the decoder. */
int
decode_l4(struct decode_pkt *d, struct cursor *c, uint8_t proto, uint32_t pseudo)
{
	struct sw_packet *p = d->p;
	decode_ip_fn *fn;

	p->l4_off = (uint32_t)(c->p - p->data);
	if ((fn = decode_ipproto_find(proto)) == NULL) {
		sw_counter_add(&d->st->other_proto, 1);
		p->payload_off = p->l4_off;
		p->payload_len = (uint32_t)cur_left(c);
		return 0;
	}
	return fn(d, c, pseudo);
}
