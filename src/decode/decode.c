/* src/decode/decode.c: the entry point, the configuration and the link layers: Ethernet
 * (Ethernet II, and IEEE 802.3 with LLC/SNAP, IEEE 802.2 and RFC 1042), 802.1Q and 802.1ad VLAN
 * tags, Linux cooked capture v1/v2, BSD loopback (NULL/LOOP) and raw IP. Cisco HDLC and PPP are
 * in decode_ppp.c, NFLOG in decode_nflog.c. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "decode/decode_int.h"

/* Link types as libpcap reports them (DLT_*), plus the LINKTYPE_* values files may carry. */
#define LT_NULL       0
#define LT_EN10MB     1
#define LT_PPP        9
#define LT_PPP_HDLC   50 /* DLT_PPP_SERIAL: PPP in HDLC-like framing, or Cisco HDLC */
#define LT_RAW        12 /* DLT_RAW on Linux */
#define LT_RAW_BSD    14
#define LT_RAW_FILE   101
#define LT_C_HDLC     104
#define LT_LOOP       108
#define LT_LINUX_SLL  113
#define LT_IPV4       228
#define LT_IPV6       229
#define LT_NFLOG      239
#define LT_LINUX_SLL2 276

#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ   0x9100
#define ETH_P_ARP    0x0806

static int
is_vlan_type(uint16_t type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ;
}

/*
 * One or more 802.1Q / 802.1ad tags, in a loop (no recursion, whatever the depth):
 *  0               16   20                 32
 * +---------------+---+-+-----------------+
 * | PCP DEI VID (TCI)   | inner ethertype |
 * +---------------------+-----------------+
 * The first SW_VLAN_MAX ids are kept for the flow key and output; deeper tags are decoded and
 * counted, and noted with the non-fatal event vlan.too_many_layers.
 */
int
decode_vlan(struct decode_pkt *d, struct cursor *c)
{
	struct sw_packet *p = d->p;
	uint16_t tci, type;

	do {
		if (cur_be16(c, &tci) != 0 || cur_be16(c, &type) != 0)
			return decode_set_event(d, DECODE_EV_VLAN_TOO_SMALL);
		sw_counter_add(&d->st->vlan, 1);
		if (p->vlan_count < SW_VLAN_MAX)
			p->vlan[p->vlan_count++] = tci & 0x0fff;
		else
			decode_set_event(d, DECODE_EV_VLAN_TOO_MANY);
	} while (is_vlan_type(type));
	return decode_ethertype(d, c, type);
}

int
decode_ethertype(struct decode_pkt *d, struct cursor *c, uint16_t type)
{
	decode_fn *fn;

	if (++d->depth > DECODE_MAX_NEST)
		return decode_set_event(d, DECODE_EV_TOO_DEEP);
	if ((fn = decode_ethertype_find(type)) == NULL) {
		sw_counter_add(&d->st->non_ip, 1);
		return DECODE_NOT_FLOW;
	}
	return fn(d, c);
}

int
decode_trim(struct decode_pkt *d, struct cursor *c, size_t len)
{
	if (d->p->flags & SW_PKT_REBUILT)
		return 0;
	if (len > cur_left(c))
		return d->p->caplen < d->p->wirelen ? 0 : SW_E_TRUNC;
	c->end = c->p + len;
	return 0;
}

/*
 * The type of an Ethernet frame after its two addresses: an EtherType (>= 0x0600), or an IEEE
 * 802.3 length followed by an IEEE 802.2 LLC header. Only SNAP with an EtherType (RFC 1042,
 * OUI 00-00-00, or 802.1H, OUI 00-00-f8) says what follows; *type is 0 for any other LLC frame
 * (spanning tree, NetBIOS, CDP...).
 *
 * +-----------+-----------+-----------+--------------------------------+
 * | dst MAC 6 | src MAC 6 | length 2  | DSAP AA | SSAP AA | ctrl 03 | OUI 3 | EtherType 2 |
 * +-----------+-----------+-----------+--------------------------------+
 */
static int
eth_type(struct decode_pkt *d, struct cursor *c, uint16_t *type)
{
	uint8_t dsap, ssap, ctrl, oui[3];
	uint16_t len;

	if (cur_skip(c, 12) != 0 || cur_be16(c, &len) != 0)
		return decode_set_event(d, DECODE_EV_ETH_TOO_SMALL);
	if (len >= 0x0600) {
		*type = len;
		return 0;
	}
	sw_counter_add(&d->st->llc, 1);
	if (decode_trim(d, c, len) != 0 || cur_u8(c, &dsap) != 0 || cur_u8(c, &ssap) != 0 ||
	    cur_u8(c, &ctrl) != 0)
		return decode_set_event(d, DECODE_EV_ETH_TOO_SMALL);
	*type = 0;
	if (dsap != 0xaa || ssap != 0xaa || ctrl != 0x03)
		return 0; /* plain IEEE 802.2 LLC */
	if (cur_bytes(c, oui, sizeof(oui)) != 0 || cur_be16(c, type) != 0)
		return decode_set_event(d, DECODE_EV_ETH_TOO_SMALL);
	if (oui[0] != 0 || oui[1] != 0 || (oui[2] != 0 && oui[2] != 0xf8))
		*type = 0; /* a protocol id of that organisation, not an EtherType */
	return 0;
}

int
decode_eth_frame(struct decode_pkt *d, struct cursor *c, int unknown_ev)
{
	uint16_t type = 0;
	int r;

	if ((r = eth_type(d, c, &type)) != 0)
		return r;
	if (type == 0) {
		sw_counter_add(&d->st->non_ip, 1);
		return DECODE_NOT_FLOW;
	}
	if (unknown_ev != 0 && type != ETH_P_ARP && decode_ethertype_find(type) == NULL) {
		decode_set_event(d, unknown_ev);
		sw_counter_add(&d->st->tunnel_unknown, 1);
	}
	return decode_ethertype(d, c, type);
}

static int
decode_ethernet(struct decode_pkt *d, struct cursor *c)
{
	sw_counter_add(&d->st->ethernet, 1);
	return decode_eth_frame(d, c, 0);
}

static int
decode_sll(struct decode_pkt *d, struct cursor *c)
{
	/* packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2) */
	uint16_t proto;

	sw_counter_add(&d->st->sll, 1);
	if (cur_skip(c, 14) != 0 || cur_be16(c, &proto) != 0)
		return decode_set_event(d, DECODE_EV_SLL_TOO_SMALL);
	return decode_ethertype(d, c, proto);
}

static int
decode_sll2(struct decode_pkt *d, struct cursor *c)
{
	/* protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8) */
	uint16_t proto;

	sw_counter_add(&d->st->sll, 1);
	if (cur_be16(c, &proto) != 0 || cur_skip(c, 18) != 0)
		return decode_set_event(d, DECODE_EV_SLL_TOO_SMALL);
	return decode_ethertype(d, c, proto);
}

static int
decode_raw(struct decode_pkt *d, struct cursor *c)
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
decode_null(struct decode_pkt *d, struct cursor *c, int network_order)
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
	{"decode.max-layers", CONF_U32, offsetof(struct decode_conf, max_layers), "8", 1,
	 SW_ENCAP_MAX, NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

/* decode.<kind>.use-for-tracking for every tunnel kind (default yes, like Suricata's
 * vlan.use-for-tracking): whether its layers are part of the tunnel key of flows. */
static int
decode_conf_tracking(struct conf_doc *doc, struct decode_conf *conf)
{
	int k, r;

	for (k = SW_ENCAP_NONE + 1; k < SW_ENCAP_KIND_MAX; k++) {
		const struct conf_key keys[] = {
		    {decode_encap_kinds[k].track_path, CONF_BOOL, 0, "yes", 0, 0, NULL},
		    {NULL, 0, 0, NULL, 0, 0, NULL},
		};
		bool use = true;

		if ((r = conf_apply(doc, keys, &use)) != 0)
			return r;
		if (!use)
			conf->untracked |= 1u << k;
	}
	return 0;
}

/* Reads the port list of UDP tunnel entry e into conf. */
static int
decode_conf_udp_ports(struct conf_doc *doc, struct decode_conf *conf, size_t e)
{
	const struct decode_udp_entry *u = &decode_udp_tunnels[e];
	struct conf_strlist ports = {NULL, 0};
	const struct conf_key keys[] = {
	    {u->conf_path, CONF_STRLIST, 0, u->default_ports, 0, 0, NULL},
	    {NULL, 0, 0, NULL, 0, 0, NULL},
	};
	char where[128];
	int64_t v;
	size_t i;
	int r;

	if ((r = conf_apply(doc, keys, &ports)) != 0)
		goto out;
	for (i = 0; i < ports.n; i++) {
		if (sw_parse_i64(ports.v[i], 1, 65535, &v) != 0) {
			sw_err("%s: %s: '%s' is not a port (1-65535)",
			       conf_doc_where(doc, u->conf_path, where, sizeof(where)) != NULL
			           ? where
			           : "default",
			       u->conf_path, ports.v[i]);
			r = SW_E_CONFIG;
			goto out;
		}
		if (conf->udp_nports >= DECODE_UDP_PORTS_MAX) {
			sw_err("%s: at most %d UDP tunnel ports in all", u->conf_path,
			       DECODE_UDP_PORTS_MAX);
			r = SW_E_CONFIG;
			goto out;
		}
		conf->udp_port[conf->udp_nports] = (uint16_t)v;
		conf->udp_entry[conf->udp_nports] = (uint8_t)e;
		conf->udp_nports++;
	}
	r = 0;
out:
	conf_struct_free(keys, &ports);
	return r;
}

int
decode_conf_load(struct conf_doc *doc, struct decode_conf *conf)
{
	size_t e;
	int r;

	memset(conf, 0, sizeof(*conf));
	if ((r = conf_apply(doc, decode_keys, conf)) != 0)
		return r;
	if ((r = decode_conf_tracking(doc, conf)) != 0)
		return r;
	for (e = 0; e < decode_nudp_tunnels; e++)
		if ((r = decode_conf_udp_ports(doc, conf, e)) != 0)
			return r;
	return 0;
}

void
decode_ctx_init(struct decode_ctx *dc, const struct decode_conf *conf, struct decode_stats *st,
                bool live)
{
	memset(dc, 0, sizeof(*dc));
	dc->conf = conf;
	dc->st = st;
	dc->csum_mode = conf->checksum_mode;
	dc->live = live;
	if (conf->checksum_mode == DECODE_CSUM_AUTO) {
		dc->csum_mode = live ? DECODE_CSUM_ALL : DECODE_CSUM_NONE;
		dc->csum_deciding = live;
	}
}

/*
 * Checksum "auto" on a live capture, like Suricata's: validate, but a capture on the sending host
 * itself sees offloaded (unfilled) checksums, and validating would keep everything out of flows.
 * Most of the first DECODE_CSUM_AUTO_EARLY packets bad: stop validating at once; then over the
 * first DECODE_CSUM_AUTO_SAMPLE, more than a tenth bad means offloaded, less means not.
 */
static void
decode_csum_auto(struct decode_ctx *dc, bool bad)
{
	int mode;

	dc->csum_checked++;
	dc->csum_bad += bad;
	if (dc->csum_checked == DECODE_CSUM_AUTO_EARLY && dc->csum_bad * 2 > dc->csum_checked) {
		dc->csum_mode = DECODE_CSUM_NONE;
		sw_notice("%u of the first %u packets have bad checksums (offloading?): checksum "
		          "validation turned off (set -k all to keep it)",
		          dc->csum_bad, dc->csum_checked);
		return;
	}
	if (dc->csum_checked < DECODE_CSUM_AUTO_SAMPLE)
		return;
	dc->csum_deciding = false;
	mode = (uint64_t)dc->csum_bad * 10 > dc->csum_checked ? DECODE_CSUM_NONE : DECODE_CSUM_ALL;
	if (mode == dc->csum_mode)
		return;
	dc->csum_mode = mode;
	if (mode == DECODE_CSUM_NONE)
		sw_notice("%u of the first %u packets have bad checksums (offloading?): checksum "
		          "validation turned off (set -k all to keep it)",
		          dc->csum_bad, dc->csum_checked);
	else
		sw_notice("only %u of the first %u packets have bad checksums: checksum validation "
		          "turned back on",
		          dc->csum_bad, dc->csum_checked);
}

int
decode_packet(struct decode_ctx *dc, struct sw_packet *p)
{
	struct decode_stats *st = dc->st;
	struct decode_pkt d = {.conf = dc->conf, .st = st, .p = p, .depth = 0,
			       .defer_tcp = dc->csum_defer && !dc->csum_deciding};
	struct cursor c;
	int r;

	bool rebuilt = (p->flags & SW_PKT_REBUILT) != 0;

	/* Reset what a previous use of this struct may have left; encap[], last, is not read
	 * past encap_count, so it is not cleared (a plain packet pays nothing for it). */
	memset(&p->flags, 0, offsetof(struct sw_packet, encap) - offsetof(struct sw_packet, flags));
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
	case LT_C_HDLC:
		r = decode_chdlc(&d, &c);
		break;
	case LT_PPP_HDLC:
		/* PPP in HDLC-like framing (FF 03), or Cisco HDLC (address 0x0f/0x8f) */
		if (cur_left(&c) > 0 && (c.p[0] == 0x0f || c.p[0] == 0x8f))
			r = decode_chdlc(&d, &c);
		else
			r = decode_ppp(&d, &c);
		break;
	case LT_PPP:
		r = decode_ppp(&d, &c);
		break;
	case LT_NFLOG:
		r = decode_nflog(&d, &c);
		break;
	case LT_LOOP:
		r = decode_null(&d, &c, 1);
		break;
	default:
		r = decode_set_event(&d, DECODE_EV_LINKTYPE_UNSUPPORTED);
		break;
	}
	p->tunnel = decode_tunnel_key(dc->conf, p);
	if (r > DECODE_NOT_FLOW) {
		p->flags |= SW_PKT_INVALID;
		sw_counter_add(&st->invalid, 1);
		return SW_E_INVAL;
	}
	if (r != 0)
		return SW_E_UNSUPP;
	if (dc->csum_deciding && d.csum_checked && !rebuilt)
		decode_csum_auto(dc, (p->flags & SW_PKT_BAD_CSUM) != 0);
	if ((p->flags & SW_PKT_BAD_CSUM) && dc->csum_mode == DECODE_CSUM_ALL) {
		sw_counter_add(&st->csum_skipped, 1);
		return SW_E_UNSUPP;
	}
	/* checksums not validated: "none", or "auto" that found them offloaded live (on a file
	 * "auto" keeps packets with bad checksums in flows, but the rule keywords check them, as
	 * Suricata's pcap-file checksum-checks: auto does while most checksums are good) */
	if (dc->conf->checksum_mode == DECODE_CSUM_NONE ||
	    (dc->live && dc->csum_mode == DECODE_CSUM_NONE))
		p->csum_ignored = true;
	if ((p->flags & SW_PKT_CSUM_DEFER) && dc->csum_mode == DECODE_CSUM_ALL)
		p->flags |= SW_PKT_CSUM_STRICT;
	return 0;
}

bool
decode_csum_deferred(struct sw_packet *p, struct decode_csum_stats *st)
{
	if (!(p->flags & SW_PKT_CSUM_DEFER))
		return true;
	p->flags &= ~SW_PKT_CSUM_DEFER;
	if (p->csum_off > p->caplen || p->csum_len > p->caplen - p->csum_off)
		return true; /* cut on its way (a ring record's limit): nothing to verify */
	if (decode_csum_fold(decode_csum_add(p->csum_pseudo, p->data + p->csum_off,
					     p->csum_len)) == 0)
		return true;
	sw_counter_add(&st->tcp_csum_bad, 1);
	p->flags |= SW_PKT_BAD_CSUM;
	if (!(p->flags & SW_PKT_CSUM_STRICT))
		return true;
	sw_counter_add(&st->csum_skipped, 1);
	return false;
}
