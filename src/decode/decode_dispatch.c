/* src/decode/decode_dispatch.c: the dispatch tables (ethertype, IP protocol, UDP port -> decoder)
 * and the encapsulation stack every tunnel decoder pushes its outer layer onto. */
#include "config.h"

#include <string.h>

#include "decode/decode_int.h"

/* ---- the tables: one line per decoder ----------------------------------------------------- */

const struct decode_ethertype_entry decode_ethertypes[] = {
    {0x0800, decode_ipv4},            /* IPv4 */
    {0x86dd, decode_ipv6},            /* IPv6 */
    {0x8100, decode_vlan},            /* 802.1Q */
    {0x88a8, decode_vlan},            /* 802.1ad QinQ */
    {0x9100, decode_vlan},            /* old QinQ */
    {0x8847, decode_mpls},            /* MPLS unicast */
    {0x8848, decode_mpls},            /* MPLS multicast */
    {0x8864, decode_pppoe_session},   /* PPPoE session stage */
    {0x8863, decode_pppoe_discovery}, /* PPPoE discovery stage */
};
const size_t decode_nethertypes = sizeof(decode_ethertypes) / sizeof(decode_ethertypes[0]);

const struct decode_ipproto_entry decode_ipprotos[] = {
    {1, decode_icmpv4},  {4, decode_ipip},                    /* IPv4 in IP */
    {6, decode_tcp},     {17, decode_udp}, {41, decode_ipip}, /* IPv6 in IP */
    {47, decode_gre},    {58, decode_icmpv6},
};
const size_t decode_nipprotos = sizeof(decode_ipprotos) / sizeof(decode_ipprotos[0]);

const struct decode_udp_entry decode_udp_tunnels[] = {
    {"vxlan", "decode.vxlan.ports", "[4789]", decode_vxlan},
    {"geneve", "decode.geneve.ports", "[6081]", decode_geneve},
    {"gtpu", "decode.gtpu.ports", "[2152]", decode_gtpu},
    {"teredo", "decode.teredo.ports", "[3544]", decode_teredo},
    {"ayiya", "decode.ayiya.ports", "[5072]", decode_ayiya},
};
const size_t decode_nudp_tunnels = sizeof(decode_udp_tunnels) / sizeof(decode_udp_tunnels[0]);

/* ---- lookups ------------------------------------------------------------------------------ */

decode_fn *
decode_ethertype_find(uint16_t type)
{
	size_t i;

	for (i = 0; i < decode_nethertypes; i++)
		if (decode_ethertypes[i].type == type)
			return decode_ethertypes[i].fn;
	return NULL;
}

decode_ip_fn *
decode_ipproto_find(uint8_t proto)
{
	size_t i;

	for (i = 0; i < decode_nipprotos; i++)
		if (decode_ipprotos[i].proto == proto)
			return decode_ipprotos[i].fn;
	return NULL;
}

decode_fn *
decode_udp_find(const struct decode_conf *conf, uint16_t sport, uint16_t dport)
{
	size_t i;

	for (i = 0; i < conf->udp_nports; i++)
		if (conf->udp_port[i] == dport)
			return decode_udp_tunnels[conf->udp_entry[i]].fn;
	for (i = 0; i < conf->udp_nports; i++)
		if (conf->udp_port[i] == sport)
			return decode_udp_tunnels[conf->udp_entry[i]].fn;
	return NULL;
}

/* ---- the encapsulation stack -------------------------------------------------------------- */

/* Indexed by enum sw_encap_kind: its name (decode.<name>.use-for-tracking) and counter. */
const struct decode_encap_entry decode_encap_kinds[SW_ENCAP_KIND_MAX] = {
    [SW_ENCAP_NONE] = {NULL, NULL, 0},
    [SW_ENCAP_IPIP] = {"ipip", "decode.ipip.use-for-tracking", offsetof(struct decode_stats, ipip)},
    [SW_ENCAP_VXLAN] = {"vxlan", "decode.vxlan.use-for-tracking",
                        offsetof(struct decode_stats, vxlan)},
    [SW_ENCAP_GRE] = {"gre", "decode.gre.use-for-tracking", offsetof(struct decode_stats, gre)},
    [SW_ENCAP_ERSPAN] = {"erspan", "decode.erspan.use-for-tracking",
                         offsetof(struct decode_stats, erspan)},
    [SW_ENCAP_GENEVE] = {"geneve", "decode.geneve.use-for-tracking",
                         offsetof(struct decode_stats, geneve)},
    [SW_ENCAP_GTPU] = {"gtpu", "decode.gtpu.use-for-tracking", offsetof(struct decode_stats, gtpu)},
    [SW_ENCAP_TEREDO] = {"teredo", "decode.teredo.use-for-tracking",
                         offsetof(struct decode_stats, teredo)},
    [SW_ENCAP_AYIYA] = {"ayiya", "decode.ayiya.use-for-tracking",
                        offsetof(struct decode_stats, ayiya)},
};

const char *
decode_encap_kind_name(int kind)
{
	if (kind <= SW_ENCAP_NONE || kind >= SW_ENCAP_KIND_MAX)
		return "unknown";
	return decode_encap_kinds[kind].name;
}

int
decode_encap_push(struct decode_pkt *d, enum sw_encap_kind kind, uint32_t id)
{
	struct sw_packet *p = d->p;
	uint32_t max = d->conf->max_layers;
	struct sw_encap *e;

	if (max == 0 || max > SW_ENCAP_MAX)
		max = SW_ENCAP_MAX;
	if (p->encap_count >= max)
		return decode_set_event(d, DECODE_EV_TOO_DEEP);
	sw_counter_add((sw_counter_t *)((char *)d->st + decode_encap_kinds[kind].counter), 1);
	e = &p->encap[p->encap_count++];
	e->kind = (uint8_t)kind;
	e->family = p->family;
	e->proto = p->proto;
	e->src = p->src;
	e->dst = p->dst;
	e->id = id;
	e->off = p->l3_off;
	e->next_off = p->l4_off;
	/* the inner packet starts with no network or transport layer of its own: a non-IP inner
	 * frame (ARP in VXLAN) leaves the packet "not IP" */
	p->flags &= ~(SW_PKT_IP | SW_PKT_L4);
	p->family = 0;
	p->proto = 0;
	p->ttl = 0;
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	p->sport = p->dport = 0;
	p->l4_off = p->payload_off = p->payload_len = 0;
	p->tcp_flags = 0;
	p->icmp_type = p->icmp_code = 0;
	return 0;
}

uint32_t
decode_tunnel_key(const struct decode_conf *conf, const struct sw_packet *p)
{
	struct {
		uint8_t lo[16], hi[16];
		uint32_t id;
		uint8_t kind, family, pad[2];
	} k;
	uint64_t h = 0x74756e6e656cULL; /* "tunnel" */
	uint32_t key;
	uint8_t i;
	bool any = false;

	if (p->encap_count == 0)
		return 0;
	for (i = 0; i < p->encap_count; i++) {
		const struct sw_encap *e = &p->encap[i];
		int lower = memcmp(e->src.b, e->dst.b, 16) <= 0;

		if (conf->untracked & (1u << e->kind))
			continue; /* decode.<kind>.use-for-tracking: false */
		any = true;

		memset(&k, 0, sizeof(k));
		/* both directions of a tunnel give the same key */
		memcpy(k.lo, lower ? e->src.b : e->dst.b, 16);
		memcpy(k.hi, lower ? e->dst.b : e->src.b, 16);
		k.id = e->id;
		k.kind = e->kind;
		k.family = e->family;
		h = sw_hash64(&k, sizeof(k), h);
	}
	if (!any)
		return 0;
	key = (uint32_t)(h ^ (h >> 32));
	return key != 0 ? key : 1;
}
