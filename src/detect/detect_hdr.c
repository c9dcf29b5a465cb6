/* src/detect/detect_hdr.c: the IP, TCP and ICMP header keywords with Suricata 7's semantics
 * (docs.suricata.io, "Rules", "IP Keywords", "TCP keywords", "ICMP keywords"): ttl, tos, id,
 * ipopts, fragbits, fragoffset, sameip, seq, ack, window, tcp.mss, icmp_id, icmp_seq. They read
 * the innermost IP header and the transport header of the packet (sw_packet.l3_off, l4_off), so
 * only packet rules use them (r->kw_packet). A packet rebuilt from fragments carries the first
 * fragment's header with the flags and the offset cleared (DF too), as Suricata 7's rebuilt
 * packet (defrag.c Defrag4Reassemble sets ip_off to 0); each fragment is inspected on its own
 * as well (detect_fragment). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/detect_eng_int.h"

static int hdr_fail(struct det_parse_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
hdr_fail(struct det_parse_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return SW_E_INVAL;
}

static const struct {
	const char *name;
	uint8_t kind;
	uint32_t max; /* of the number; 0: not a number */
} hdr_kws[] = {
    {"ttl", DET_KW_TTL, 255},
    {"tos", DET_KW_TOS, 0},
    {"id", DET_KW_IPID, 65535},
    {"ipopts", DET_KW_IPOPTS, 0},
    {"fragbits", DET_KW_FRAGBITS, 0},
    {"fragoffset", DET_KW_FRAGOFFSET, 65535},
    {"sameip", DET_KW_SAMEIP, 0},
    {"seq", DET_KW_SEQ, 0},
    {"ack", DET_KW_ACK, 0},
    {"window", DET_KW_WINDOW, 0},
    {"tcp.mss", DET_KW_TCP_MSS, 65535},
    {"icmp_id", DET_KW_ICMP_ID, 0},
    {"icmp_seq", DET_KW_ICMP_SEQ, 0},
    /* checksums (hdr_csum_names gives which) and icmpv6.mtu */
    {"ipv4-csum", DET_KW_CSUM, 0},
    {"tcpv4-csum", DET_KW_CSUM, 0},
    {"tcpv6-csum", DET_KW_CSUM, 0},
    {"udpv4-csum", DET_KW_CSUM, 0},
    {"udpv6-csum", DET_KW_CSUM, 0},
    {"icmpv4-csum", DET_KW_CSUM, 0},
    {"icmpv6-csum", DET_KW_CSUM, 0},
    {"icmpv6.mtu", DET_KW_ICMPV6_MTU, UINT32_MAX},
};

/* The checksum keywords by enum det_csum. */
static const char *const hdr_csum_names[] = {
    "ipv4-csum", "tcpv4-csum", "tcpv6-csum", "udpv4-csum", "udpv6-csum", "icmpv4-csum",
    "icmpv6-csum",
};
#define HDR_NKWS (sizeof(hdr_kws) / sizeof(hdr_kws[0]))

/* The IPv4 options ipopts names (Suricata 7's list), by option type; "any" is any option. */
static const struct {
	const char *name;
	uint8_t type;
} hdr_opts[] = {
    {"eol", 0x00},  {"nop", 0x01},   {"rr", 0x07},   {"ts", 0x44},    {"sec", 0x82},
    {"lsrr", 0x83}, {"esec", 0x85},  {"satid", 0x88}, {"ssrr", 0x89},
};
#define HDR_NOPTS (sizeof(hdr_opts) / sizeof(hdr_opts[0]))
#define HDR_OPT_ANY 0xffffu

bool
det_hdr_known(const char *kw)
{
	for (size_t i = 0; i < HDR_NKWS; i++)
		if (strcmp(hdr_kws[i].name, kw) == 0)
			return true;
	return false;
}

/* "N" in decimal, or hex as "0xN" (and tos's "xN"), up to max; a value may be quoted. */
static int
hdr_num(char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;
	size_t n;

	s = det_trim(s);
	n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		s = det_trim(s + 1);
	}
	if ((s[0] == 'x' || s[0] == 'X') && isxdigit((unsigned char)s[1])) {
		errno = 0;
		v = strtoull(s + 1, &end, 16);
	} else {
		if (!isdigit((unsigned char)*s))
			return -1;
		bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

		errno = 0;
		v = strtoull(hex ? s + 2 : s, &end, hex ? 16 : 10);
	}
	if (errno != 0 || v > max || *det_trim(end) != '\0')
		return -1;
	*out = v;
	return 0;
}

/* [!]N: tos, window, seq, ack, icmp_id, icmp_seq (seq/ack/icmp_* take no '!' in Suricata). */
static int
hdr_eq(struct det_kw *k, const char *kw, char *v, uint64_t max, bool neg_ok,
       struct det_parse_error *err)
{
	char *s = det_trim(v);
	uint64_t n;

	k->num.negated = false;
	if (neg_ok && *s == '!') {
		k->num.negated = true;
		s++;
	}
	if (hdr_num(s, max, &n) != 0)
		return hdr_fail(err, "%s: bad value '%s': expected %sa number up to %llu", kw,
		                det_trim(v), neg_ok ? "[!]" : "", (unsigned long long)max);
	k->num.lo = k->num.hi = n;
	return 0;
}

/* fragbits:[+*!]<MDR...>: exact by default; + those and at least one other; * any of them;
 * ! not all of them (Suricata 7's FragBitsMatch). */
static int
hdr_fragbits(struct det_kw *k, char *v, struct det_parse_error *err)
{
	char *s = det_trim(v);

	k->op = 0;
	if (*s == '+' || *s == '*' || *s == '!') {
		k->op = (uint8_t)*s;
		s = det_trim(s + 1);
	}
	if (*s == '\0')
		return hdr_fail(err, "%s: expected [+*!] and some of M, D, R%s", "fragbits", "");
	/* as Suricata 7's pattern (not anchored at the end), what follows the bits is ignored:
	 * Snort's "M+" is an exact M there */
	for (; *s != '\0'; s++) {
		int c = toupper((unsigned char)*s);

		if (c != 'M' && c != 'D' && c != 'R')
			break;
		k->flags |= c == 'M' ? 0x20u : c == 'D' ? 0x40u : 0x80u;
	}
	if (k->flags == 0)
		return hdr_fail(err, "%s: unknown bit '%c' (M, D or R)", "fragbits", *s);
	return 0;
}

int
det_hdr_parse(struct det_rule *r, struct det_kw *k, const char *kw, char *v,
              struct det_parse_error *err)
{
	size_t i;
	const char *why;
	char orig[96];

	for (i = 0; i < HDR_NKWS; i++)
		if (strcmp(hdr_kws[i].name, kw) == 0)
			break;
	if (i == HDR_NKWS)
		return hdr_fail(err, "%s: not a header keyword%s", kw, "");
	k->kind = hdr_kws[i].kind;
	r->kw_packet = true;
	if (k->kind == DET_KW_SAMEIP)
		return v == NULL ? 0 : hdr_fail(err, "%s: takes no value%s", kw, "");
	if (v == NULL || *det_trim(v) == '\0')
		return hdr_fail(err, "%s: missing value%s", kw, "");
	snprintf(orig, sizeof(orig), "%s", det_trim(v));
	switch (k->kind) {
	case DET_KW_CSUM: {
		/* "valid" or "invalid", quoted or not, as Suricata 7 */
		char *s = det_trim(v);
		size_t n = strlen(s);

		if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
			s[n - 1] = '\0';
			s = det_trim(s + 1);
		}
		for (size_t c = 0; c < sizeof(hdr_csum_names) / sizeof(hdr_csum_names[0]); c++)
			if (strcmp(hdr_csum_names[c], kw) == 0)
				k->count = (uint32_t)c;
		if (strcasecmp(s, "valid") == 0)
			k->flags = 1;
		else if (strcasecmp(s, "invalid") == 0)
			k->flags = 0;
		else
			return hdr_fail(err, "%s: bad value '%s': expected valid or invalid", kw,
			                orig);
		return 0;
	}
	case DET_KW_TTL:
	case DET_KW_IPID:
	case DET_KW_FRAGOFFSET:
	case DET_KW_TCP_MSS:
	case DET_KW_ICMPV6_MTU:
		/* Suricata 7's unsigned integers: N, <N, >N, <=N, >=N, !N, A-B, A<>B */
		if (det_kw_uint(v, hdr_kws[i].max, &k->num, &why) != 0)
			return hdr_fail(err, "%s: bad value '%s': %s", kw, orig, why);
		return 0;
	case DET_KW_TOS:
		return hdr_eq(k, kw, v, 255, true, err);
	case DET_KW_WINDOW:
		return hdr_eq(k, kw, v, 65535, true, err);
	case DET_KW_SEQ:
	case DET_KW_ACK:
		return hdr_eq(k, kw, v, UINT32_MAX, false, err);
	case DET_KW_ICMP_ID:
	case DET_KW_ICMP_SEQ:
		return hdr_eq(k, kw, v, 65535, false, err);
	case DET_KW_FRAGBITS:
		return hdr_fragbits(k, v, err);
	case DET_KW_IPOPTS: {
		char *s = det_trim(v);

		if (strcasecmp(s, "any") == 0) {
			k->count = HDR_OPT_ANY;
			return 0;
		}
		for (size_t j = 0; j < HDR_NOPTS; j++)
			if (strcasecmp(s, hdr_opts[j].name) == 0) {
				k->count = hdr_opts[j].type;
				return 0;
			}
		return hdr_fail(err,
		                "%s: unknown option '%s' (rr, eol, nop, ts, sec, esec, lsrr, ssrr, "
		                "satid, any)",
		                kw, s);
	}
	default:
		return hdr_fail(err, "%s: not a header keyword%s", kw, "");
	}
}

/* ---- matching -------------------------------------------------------------------------------- */

static uint16_t
be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The innermost IPv4 header of p (and its length), or NULL. */
static const uint8_t *
hdr_ip4(const struct sw_packet *p, size_t *hlen)
{
	const uint8_t *h;

	if (p->family != 4 || (p->flags & SW_PKT_IP) == 0 || (size_t)p->l3_off + 20 > p->caplen)
		return NULL;
	h = p->data + p->l3_off;
	*hlen = (size_t)(h[0] & 0x0f) * 4;
	if (*hlen < 20 || (size_t)p->l3_off + *hlen > p->caplen)
		return NULL;
	return h;
}

/* Whether the IPv4 header h (hlen bytes) carries option type (HDR_OPT_ANY: any option). The
 * walk stops at end of list or at a malformed option. */
static bool
hdr_has_opt(const uint8_t *h, size_t hlen, unsigned type)
{
	size_t i = 20;

	while (i < hlen) {
		uint8_t t = h[i];

		if (type == HDR_OPT_ANY || t == type)
			return true;
		if (t == 0)
			return false;
		if (t == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || h[i + 1] < 2 || i + h[i + 1] > hlen)
			return false;
		i += h[i + 1];
	}
	return false;
}

/* The TCP MSS option of p, or -1. */
static int
hdr_tcp_mss(const struct sw_packet *p)
{
	const uint8_t *t = p->data + p->l4_off;
	size_t doff, i = 20;

	if ((size_t)p->l4_off + 20 > p->caplen)
		return -1;
	doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || (size_t)p->l4_off + doff > p->caplen)
		return -1;
	while (i < doff) {
		if (t[i] == 0)
			break;
		if (t[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff || t[i + 1] < 2 || i + t[i + 1] > doff)
			break;
		if (t[i] == 2 && t[i + 1] == 4)
			return be16(t + i + 2);
		i += t[i + 1];
	}
	return -1;
}

/* ICMP id and sequence are read on echo and the other id/seq messages only (Suricata 7). */
static bool
hdr_icmp_idseq(const struct sw_packet *p)
{
	if (p->proto == 1)
		return p->icmp_type == 0 || p->icmp_type == 8 || p->icmp_type == 13 ||
		       p->icmp_type == 14 || p->icmp_type == 15 || p->icmp_type == 16 ||
		       p->icmp_type == 17 || p->icmp_type == 18;
	return p->proto == 58 && (p->icmp_type == 128 || p->icmp_type == 129);
}

static bool
hdr_uint_ok(const struct det_uint *u, uint64_t v)
{
	return (v >= u->lo && v <= u->hi) != u->negated;
}

/* RFC 1071: the one's complement sum of len bytes (network order words) added to sum. */
static uint32_t
hdr_sum(uint32_t sum, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (i < len)
		sum += (uint32_t)b[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * A checksum keyword (Suricata 7's detect-csum.c semantics): no match on a packet without that
 * header, on a packet rebuilt from fragments (Suricata's pseudo packet) or when the capture cut
 * what the checksum covers; udpv4-csum does not match a UDP checksum of 0 ("none"); with
 * checksums not validated (sw_packet.csum_ignored) "valid" matches and "invalid" does not.
 */
static bool
hdr_csum_match(const struct det_kw *k, const struct sw_packet *p)
{
	bool v6 = k->count == DET_CSUM_TCPV6 || k->count == DET_CSUM_UDPV6 ||
	          k->count == DET_CSUM_ICMPV6;
	const uint8_t *ip = p->data + p->l3_off, *l4;
	size_t hlen = 0, end, l4len;
	uint8_t proto;
	uint32_t sum;

	if ((p->flags & SW_PKT_REBUILT) || p->family != (v6 ? 6 : 4))
		return false;
	if (k->count == DET_CSUM_IPV4) {
		if ((ip = hdr_ip4(p, &hlen)) == NULL)
			return false;
		if (p->csum_ignored)
			return k->flags == 1;
		return (hdr_sum(0, ip, hlen) == 0xffff) == (k->flags == 1);
	}
	proto = k->count == DET_CSUM_TCPV4 || k->count == DET_CSUM_TCPV6   ? 6
	        : k->count == DET_CSUM_UDPV4 || k->count == DET_CSUM_UDPV6 ? 17
	        : k->count == DET_CSUM_ICMPV4                             ? 1
	                                                                  : 58;
	if (p->proto != proto || (p->flags & (SW_PKT_L4 | SW_PKT_FRAG)) != SW_PKT_L4)
		return false;
	/* the transport message: to the end of the IP datagram as its header gives it */
	if (v6) {
		if ((size_t)p->l3_off + 40 > p->caplen)
			return false;
		end = (size_t)p->l3_off + 40 + be16(ip + 4);
	} else {
		if (hdr_ip4(p, &hlen) == NULL)
			return false;
		end = (size_t)p->l3_off + be16(ip + 2);
	}
	if (end > p->caplen || end < (size_t)p->l4_off + 8)
		return false;
	l4 = p->data + p->l4_off;
	l4len = end - p->l4_off;
	if (proto == 17) {
		if (!v6 && be16(l4 + 6) == 0)
			return false;
		if (be16(l4 + 4) < 8 || be16(l4 + 4) > l4len)
			return false;
		l4len = be16(l4 + 4);
	}
	if (p->csum_ignored)
		return k->flags == 1;
	sum = 0;
	if (proto != 1) { /* the pseudo header: addresses, upper-layer length, protocol */
		sum = hdr_sum(0, ip + (v6 ? 8 : 12), v6 ? 32 : 8);
		sum = hdr_sum(sum, (const uint8_t[]){0, 0, (uint8_t)(l4len >> 8), (uint8_t)l4len,
		                                     0, 0, 0, proto},
		              8);
	}
	return (hdr_sum(sum, l4, l4len) == 0xffff) == (k->flags == 1);
}

bool
det_hdr_match(const struct det_kw *k, const struct sw_packet *p)
{
	const uint8_t *h;
	size_t hlen = 0;

	if (p == NULL || (p->flags & SW_PKT_IP) == 0)
		return false;
	switch (k->kind) {
	case DET_KW_CSUM:
		return hdr_csum_match(k, p);
	case DET_KW_ICMPV6_MTU:
		/* as Suricata 7: a Packet Too Big message of code 0 (not a rebuilt packet) */
		if (p->proto != 58 || (p->flags & (SW_PKT_L4 | SW_PKT_REBUILT)) != SW_PKT_L4 ||
		    p->icmp_type != 2 || p->icmp_code != 0 || (size_t)p->l4_off + 8 > p->caplen)
			return false;
		h = p->data + p->l4_off + 4;
		return hdr_uint_ok(&k->num, (uint32_t)be16(h) << 16 | be16(h + 2));
	case DET_KW_TTL:
		return hdr_uint_ok(&k->num, p->ttl);
	case DET_KW_SAMEIP:
		return memcmp(&p->src, &p->dst, sizeof(p->src)) == 0;
	case DET_KW_TOS:
		return (h = hdr_ip4(p, &hlen)) != NULL && hdr_uint_ok(&k->num, h[1]);
	case DET_KW_IPID:
		return (h = hdr_ip4(p, &hlen)) != NULL && hdr_uint_ok(&k->num, be16(h + 4));
	case DET_KW_IPOPTS:
		return (h = hdr_ip4(p, &hlen)) != NULL && hdr_has_opt(h, hlen, k->count);
	case DET_KW_FRAGBITS: {
		uint8_t bits, want = (uint8_t)k->flags;

		if ((h = hdr_ip4(p, &hlen)) == NULL)
			return false;
		bits = h[6] & 0xe0;
		switch (k->op) {
		case '*':
			return (bits & want) != 0;
		case '+':
			return (bits & want) == want && bits != want;
		case '!':
			return (bits & want) != want;
		default:
			return bits == want;
		}
	}
	case DET_KW_FRAGOFFSET:
		/* IPv4: the header's field (8-byte units); IPv6: a fragment header's offset in
		 * bytes, as Suricata 7 reads them */
		if ((h = hdr_ip4(p, &hlen)) != NULL)
			return hdr_uint_ok(&k->num, be16(h + 6) & 0x1fff);
		if (p->family == 6 && p->frag_hdr_off != 0) /* a fragment, or an atomic one */
			return hdr_uint_ok(&k->num, p->frag_offset);
		return false;
	default:
		break;
	}
	if ((p->flags & SW_PKT_L4) == 0)
		return false;
	switch (k->kind) {
	case DET_KW_SEQ:
		return p->proto == 6 && hdr_uint_ok(&k->num, p->tcp_seq);
	case DET_KW_ACK:
		return p->proto == 6 && hdr_uint_ok(&k->num, p->tcp_ack);
	case DET_KW_WINDOW:
		return p->proto == 6 && hdr_uint_ok(&k->num, p->tcp_win);
	case DET_KW_TCP_MSS: {
		int mss;

		return p->proto == 6 && (mss = hdr_tcp_mss(p)) >= 0 && hdr_uint_ok(&k->num, mss);
	}
	case DET_KW_ICMP_ID:
	case DET_KW_ICMP_SEQ:
		if (!hdr_icmp_idseq(p) || (size_t)p->l4_off + 8 > p->caplen)
			return false;
		return hdr_uint_ok(&k->num, be16(p->data + p->l4_off +
		                                 (k->kind == DET_KW_ICMP_ID ? 4 : 6)));
	default:
		return false;
	}
}

/* ---- the header buffers (ipv4.hdr, ipv6.hdr, tcp.hdr, udp.hdr, icmpv4.hdr, icmpv6.hdr) ---- */

bool
det_hdr_buffer(const struct sw_packet *p, int hdr, const uint8_t **data, size_t *len)
{
	size_t off, n;

	if (p == NULL || (p->flags & SW_PKT_IP) == 0)
		return false;
	switch (hdr) {
	case DET_HDR_IPV4:
		if ((*data = hdr_ip4(p, len)) == NULL)
			return false;
		return true;
	case DET_HDR_IPV6:
		/* as Suricata: the fixed header and the extension headers after it */
		if (p->family != 6)
			return false;
		off = p->l3_off;
		n = 40;
		if ((p->flags & SW_PKT_L4) && p->l4_off > p->l3_off + 40)
			n = p->l4_off - p->l3_off;
		break;
	case DET_HDR_TCP:
		if (p->proto != 6 || (p->flags & SW_PKT_L4) == 0 ||
		    (size_t)p->l4_off + 20 > p->caplen)
			return false;
		off = p->l4_off;
		n = (size_t)(p->data[off + 12] >> 4) * 4;
		if (n < 20)
			return false;
		break;
	case DET_HDR_UDP:
	case DET_HDR_ICMPV4:
	case DET_HDR_ICMPV6:
		if (p->proto != (hdr == DET_HDR_UDP ? 17 : hdr == DET_HDR_ICMPV4 ? 1 : 58) ||
		    (p->flags & SW_PKT_L4) == 0)
			return false;
		off = p->l4_off;
		n = 8;
		break;
	default:
		return false;
	}
	if (off + n > p->caplen)
		return false;
	*data = p->data + off;
	*len = n;
	return true;
}
