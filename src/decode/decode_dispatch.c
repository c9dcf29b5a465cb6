/* src/decode/decode_dispatch.c: the dispatch tables (ethertype, IP protocol, UDP port -> decoder)
 * and the encapsulation stack every tunnel decoder pushes its outer layer onto. */
#include "config.h"

#include <string.h>

#include "decode/decode_int.h"

/* ---- the tables: one line per decoder ----------------------------------------------------- */

const struct decode_ethertype_entry decode_ethertypes[] = {
    {0x0800, decode_ipv4}, /* IPv4 */
    {0x86dd, decode_ipv6}, /* IPv6 */
    {0x8100, decode_vlan}, /* 802.1Q */
    {0x88a8, decode_vlan}, /* 802.1ad QinQ */
    {0x9100, decode_vlan}, /* old QinQ */
};
const size_t decode_nethertypes = sizeof(decode_ethertypes) / sizeof(decode_ethertypes[0]);

const struct decode_ipproto_entry decode_ipprotos[] = {
    {1, decode_icmpv4},  {4, decode_ipip},                    /* IPv4 in IP */
    {6, decode_tcp},     {17, decode_udp}, {41, decode_ipip}, /* IPv6 in IP */
    {58, decode_icmpv6},
};
const size_t decode_nipprotos = sizeof(decode_ipprotos) / sizeof(decode_ipprotos[0]);

const struct decode_udp_entry decode_udp_tunnels[] = {
    {"vxlan", "decode.vxlan.ports", "[4789]", decode_vxlan},
};
const size_t decode_nudp_tunnels = sizeof(decode_udp_tunnels) / sizeof(decode_udp_tunnels[0]);

/* ---- names of the encapsulation kinds, indexed by enum sw_encap_kind ----------------------- */

static const struct {
	const char *name, *id_name;
} encap_kinds[SW_ENCAP_KIND_MAX] = {
    [SW_ENCAP_NONE] = {"none", NULL},
    [SW_ENCAP_IPIP] = {"ipip", NULL},
    [SW_ENCAP_VXLAN] = {"vxlan", "vni"},
    [SW_ENCAP_GRE] = {"gre", "key"},
};

const char *
decode_encap_kind_name(int kind)
{
	return kind >= 0 && kind < SW_ENCAP_KIND_MAX && encap_kinds[kind].name != NULL
		   ? encap_kinds[kind].name
		   : "unknown";
}

const char *
decode_encap_id_name(int kind)
{
	return kind >= 0 && kind < SW_ENCAP_KIND_MAX ? encap_kinds[kind].id_name : NULL;
}

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

int
decode_encap_push(struct decode_pkt *d, enum sw_encap_kind kind, uint32_t id)
{
	struct sw_packet *p = d->p;
	struct sw_encap *e;

	if (p->encap_count >= SW_ENCAP_MAX)
		return decode_set_event(d, DECODE_EV_TOO_DEEP);
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
decode_tunnel_key(const struct sw_packet *p)
{
	struct {
		uint8_t lo[16], hi[16];
		uint32_t id;
		uint8_t kind, family, pad[2];
	} k;
	uint64_t h = 0x74756e6e656cULL; /* "tunnel" */
	uint32_t key;
	uint8_t i;

	if (p->encap_count == 0)
		return 0;
	for (i = 0; i < p->encap_count; i++) {
		const struct sw_encap *e = &p->encap[i];
		int lower = memcmp(e->src.b, e->dst.b, 16) <= 0;

		memset(&k, 0, sizeof(k));
		/* both directions of a tunnel give the same key */
		memcpy(k.lo, lower ? e->src.b : e->dst.b, 16);
		memcpy(k.hi, lower ? e->dst.b : e->src.b, 16);
		k.id = e->id;
		k.kind = e->kind;
		k.family = e->family;
		h = sw_hash64(&k, sizeof(k), h);
	}
	key = (uint32_t)(h ^ (h >> 32));
	return key != 0 ? key : 1;
}
