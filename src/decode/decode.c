/* src/decode/decode.c: the entry point and the link layers: Ethernet (IEEE 802.3), 802.1Q and
 * 802.1ad VLAN tags, Linux cooked capture v1/v2, BSD loopback (NULL/LOOP) and raw IP. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "decode/decode_int.h"

/* Link types as libpcap reports them (DLT_*), plus the LINKTYPE_* values files may carry. */
#define LT_NULL       0
#define LT_EN10MB     1
#define LT_RAW        12 /* DLT_RAW on Linux */
#define LT_RAW_BSD    14
#define LT_RAW_FILE   101
#define LT_LOOP       108
#define LT_LINUX_SLL  113
#define LT_IPV4       228
#define LT_IPV6       229
#define LT_LINUX_SLL2 276

#define ETH_HLEN       14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_Q9100 0x9100

static int
decode_vlan(struct decode_ctx *d, struct cursor *c)
{
	/*
	 *  0               16   20                 32
	 * +---------------+---+-+-----------------+
	 * | PCP DEI VID (TCI)   | inner ethertype |
	 * +---------------------+-----------------+
	 */
	struct sw_packet *p = d->p;
	uint16_t tci, type;

	if (cur_be16(c, &tci) != 0 || cur_be16(c, &type) != 0)
		return decode_set_event(d, DECODE_EV_VLAN_TOO_SMALL);
	if (p->vlan_count >= SW_VLAN_MAX)
		return decode_set_event(d, DECODE_EV_VLAN_TOO_MANY);
	p->vlan[p->vlan_count++] = tci & 0x0fff;
	sw_counter_add(&d->st->vlan, 1);
	return decode_ethertype(d, c, type);
}

int
decode_ethertype(struct decode_ctx *d, struct cursor *c, uint16_t type)
{
	if (++d->depth > DECODE_MAX_DEPTH + SW_VLAN_MAX + 1)
		return decode_set_event(d, DECODE_EV_TOO_DEEP);
	switch (type) {
	case ETHERTYPE_IPV4:
		return decode_ipv4(d, c);
	case ETHERTYPE_IPV6:
		return decode_ipv6(d, c);
	case ETHERTYPE_VLAN:
	case ETHERTYPE_QINQ:
	case ETHERTYPE_Q9100:
		return decode_vlan(d, c);
	default:
		sw_counter_add(&d->st->non_ip, 1);
		return 1;
	}
}

static int
decode_ethernet(struct decode_ctx *d, struct cursor *c)
{
	uint16_t type;

	sw_counter_add(&d->st->ethernet, 1);
	if (cur_skip(c, 12) != 0 || cur_be16(c, &type) != 0)
		return decode_set_event(d, DECODE_EV_ETH_TOO_SMALL);
	if (type < 0x0600) { /* an 802.3 length field: LLC/SNAP, not IP */
		sw_counter_add(&d->st->non_ip, 1);
		return 1;
	}
	return decode_ethertype(d, c, type);
}

static int
decode_sll(struct decode_ctx *d, struct cursor *c)
{
	/* packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2) */
	uint16_t proto;

	sw_counter_add(&d->st->sll, 1);
	if (cur_skip(c, 14) != 0 || cur_be16(c, &proto) != 0)
		return decode_set_event(d, DECODE_EV_SLL_TOO_SMALL);
	return decode_ethertype(d, c, proto);
}

static int
decode_sll2(struct decode_ctx *d, struct cursor *c)
{
	/* protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8) */
	uint16_t proto;

	sw_counter_add(&d->st->sll, 1);
	if (cur_be16(c, &proto) != 0 || cur_skip(c, 18) != 0)
		return decode_set_event(d, DECODE_EV_SLL_TOO_SMALL);
	return decode_ethertype(d, c, proto);
}

static int
decode_raw(struct decode_ctx *d, struct cursor *c)
{
	sw_counter_add(&d->st->raw, 1);
	if (cur_left(c) < 1)
		return decode_set_event(d, DECODE_EV_IPV4_TOO_SMALL);
	switch (c->p[0] >> 4) {
	case 4:
		return decode_ipv4(d, c);
	case 6:
		return decode_ipv6(d, c);
	default:
		return decode_set_event(d, DECODE_EV_IPV4_WRONG_VERSION);
	}
}

/* BSD loopback: a 4-byte address family, host byte order of the capturing machine (NULL) or
 * network order (LOOP). IPv6 has a different AF_INET6 on every BSD. */
static int
decode_null(struct decode_ctx *d, struct cursor *c, int network_order)
{
	uint32_t fam;
	int r;

	sw_counter_add(&d->st->null, 1);
	r = network_order ? cur_be32(c, &fam) : cur_le32(c, &fam);
	if (r != 0)
		return decode_set_event(d, DECODE_EV_NULL_TOO_SMALL);
	if (fam > 0xffff) /* written by a big-endian host */
		fam = __builtin_bswap32(fam);
	switch (fam) {
	case 2:
		return decode_ipv4(d, c);
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* Darwin */
		return decode_ipv6(d, c);
	default:
		return decode_set_event(d, DECODE_EV_NULL_UNKNOWN_FAMILY);
	}
}

static const char *const csum_modes[] = {"none", "all", "auto", NULL};

static const struct conf_key decode_keys[] = {
	{"decode.checksum-validation", CONF_ENUM, offsetof(struct decode_conf, checksum_mode),
	 "auto", 0, 0, csum_modes},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
decode_conf_load(struct conf_doc *doc, struct decode_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	return conf_apply(doc, decode_keys, conf);
}

int
decode_packet(const struct decode_conf *conf, struct decode_stats *st, struct sw_packet *p)
{
	struct decode_ctx d = {.conf = conf, .st = st, .p = p, .depth = 0};
	struct cursor c;
	int r;

	bool rebuilt = (p->flags & SW_PKT_REBUILT) != 0;

	/* Reset what a previous use of this struct may have left. */
	memset(&p->flags, 0, sizeof(*p) - offsetof(struct sw_packet, flags));
	if (rebuilt)
		p->flags |= SW_PKT_REBUILT; /* its fragments were counted */
	else {
		sw_counter_add(&st->pkts, 1);
		sw_counter_add(&st->bytes, p->wirelen);
	}
	cur_init(&c, p->data, p->caplen);

	switch (p->linktype) {
	case LT_EN10MB:
		r = decode_ethernet(&d, &c);
		break;
	case LT_LINUX_SLL:
		r = decode_sll(&d, &c);
		break;
	case LT_LINUX_SLL2:
		r = decode_sll2(&d, &c);
		break;
	case LT_RAW:
	case LT_RAW_BSD:
	case LT_RAW_FILE:
		r = decode_raw(&d, &c);
		break;
	case LT_IPV4:
		sw_counter_add(&st->raw, 1);
		r = decode_ipv4(&d, &c);
		break;
	case LT_IPV6:
		sw_counter_add(&st->raw, 1);
		r = decode_ipv6(&d, &c);
		break;
	case LT_NULL:
		r = decode_null(&d, &c, 0);
		break;
	case LT_LOOP:
		r = decode_null(&d, &c, 1);
		break;
	default:
		r = decode_set_event(&d, DECODE_EV_LINKTYPE_UNSUPPORTED);
		break;
	}
	if (r > 1) {
		p->flags |= SW_PKT_INVALID;
		sw_counter_add(&st->invalid, 1);
		return r;
	}
	if (r == 0 && (p->flags & SW_PKT_BAD_CSUM) && conf->checksum_mode == DECODE_CSUM_ALL) {
		sw_counter_add(&st->csum_skipped, 1);
		return 1;
	}
	return r;
}
