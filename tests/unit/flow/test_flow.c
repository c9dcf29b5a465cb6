/* tests/unit/flow/test_flow.c: the flow table: both directions in one flow, who is the client,
 * TCP states, per-state timeouts on packet time, port reuse, memcap eviction, flush reasons,
 * VLAN separation and ICMP request/reply pairing. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "flow/flow.h"
#include "unit.h"

#define SEC SW_USEC_PER_SEC
#define SEED 0x5370616e77617463ULL /* flow_conf_load's fixed offline seed */
/* what flow_packet_hash reads of a loaded configuration: the seed and VLAN tracking */
static const struct flow_conf hconf = {.hash_seed = SEED, .vlan_tracking = true};

struct ended {
	int n;
	struct sw_flow last;
	int reasons[FLOW_END_MAX];
};

static void
on_end(struct sw_flow *f, void *arg)
{
	struct ended *e = arg;

	e->n++;
	e->last = *f;
	e->reasons[f->reason]++;
}

static struct sw_packet
pkt(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t proto,
    uint8_t flags, sw_time_t ts)
{
	struct sw_packet p;

	memset(&p, 0, sizeof(p));
	p.flags = SW_PKT_IP | SW_PKT_L4;
	p.family = 4;
	inet_pton(AF_INET, src, p.src.b);
	inet_pton(AF_INET, dst, p.dst.b);
	p.sport = sport;
	p.dport = dport;
	p.proto = proto;
	p.tcp_flags = flags;
	p.ts = ts;
	p.caplen = p.wirelen = 100;
	if (proto == 1) {
		p.icmp_type = (uint8_t)sport;
		p.icmp_code = (uint8_t)dport;
	}
	return p;
}

static struct flow_conf
conf(void)
{
	struct flow_conf c;
	int k;

	memset(&c, 0, sizeof(c));
	c.memcap = 16 << 20;
	c.hash_size = 1024;
	for (k = 0; k < FLOW_CLASS_MAX; k++) {
		c.timeout[k][FLOW_STATE_NEW] = 30;
		c.timeout[k][FLOW_STATE_ESTABLISHED] = 300;
		c.timeout[k][FLOW_STATE_CLOSED] = 60;
	}
	c.timeout[FLOW_CLASS_TCP][FLOW_STATE_CLOSED] = 10;
	c.vlan_tracking = true;
	return c;
}

static void
test_tcp_session(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet p;
	struct sw_flow *f, *f2;
	enum flow_dir d;

	UNIT_CHECK(flow_table_new(&c, on_end, &e, &t) == 0, "table created");
	p = pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SW_TH_SYN, 1 * SEC);
	f = flow_table_update(t, &p, &d);
	UNIT_CHECK(f != NULL && d == FLOW_TO_SERVER && f->state == FLOW_STATE_NEW,
		   "SYN creates a new flow, to_server");
	UNIT_CHECK(!f->midstream, "a flow that starts with SYN is not midstream");
	p = pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, SW_TH_SYN | SW_TH_ACK, 1 * SEC + 100);
	f2 = flow_table_update(t, &p, &d);
	UNIT_CHECK(f2 == f && d == FLOW_TO_CLIENT, "SYN-ACK finds the same flow, to_client");
	UNIT_CHECK(f->state == FLOW_STATE_ESTABLISHED, "both directions: established");
	p = pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SW_TH_FIN | SW_TH_ACK, 2 * SEC);
	flow_table_update(t, &p, &d);
	UNIT_CHECK(f->state == FLOW_STATE_ESTABLISHED, "one FIN does not close");
	p = pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, SW_TH_FIN | SW_TH_ACK, 2 * SEC + 10);
	flow_table_update(t, &p, &d);
	UNIT_CHECK(f->state == FLOW_STATE_CLOSED, "FIN both ways: closed");
	UNIT_CHECK(f->pkts[0] == 2 && f->pkts[1] == 2 && f->bytes[0] == 200 && f->bytes[1] == 200,
		   "packets and bytes per direction");
	UNIT_CHECK(f->tcp_flags[0] == (SW_TH_SYN | SW_TH_FIN | SW_TH_ACK) &&
			   f->tcp_flags[1] == (SW_TH_SYN | SW_TH_FIN | SW_TH_ACK),
		   "TCP flags per direction");
	flow_table_expire(t, 2 * SEC + 10 + 10 * SEC);
	UNIT_CHECK(e.n == 0, "closed flow lingers for its closed timeout");
	flow_table_expire(t, 2 * SEC + 10 + 10 * SEC + 1);
	UNIT_CHECK(e.n == 1 && e.last.reason == FLOW_END_TCP_CLOSE,
		   "closed flow ends with reason tcp_close");
	UNIT_CHECK(sw_counter_get(&flow_table_stats(t)->active) == 0, "no active flow left");
	flow_table_free(t);
}

static void
test_synack_first(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet p;
	struct sw_flow *f;
	enum flow_dir d;
	char a[64];

	flow_table_new(&c, on_end, &e, &t);
	p = pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, SW_TH_SYN | SW_TH_ACK, SEC);
	f = flow_table_update(t, &p, &d);
	UNIT_CHECK(f != NULL && d == FLOW_TO_CLIENT, "a first SYN-ACK is from the server");
	UNIT_CHECK(strcmp(sw_addr_str(&f->cli, 4, a, sizeof(a)), "10.0.0.1") == 0 &&
			   f->cport == 40000 && f->sport == 80,
		   "the client is the SYN-ACK's destination");
	p = pkt("10.0.0.1", 40001, "10.0.0.2", 80, 6, SW_TH_ACK, SEC);
	f = flow_table_update(t, &p, &d);
	UNIT_CHECK(f != NULL && f->midstream, "a first ACK-only packet marks the flow midstream");
	flow_table_flush(t, SEC, FLOW_END_SHUTDOWN);
	UNIT_CHECK(e.n == 2 && e.reasons[FLOW_END_SHUTDOWN] == 2, "flush ends all with shutdown");
	flow_table_free(t);
}

static void
test_timeouts(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet p;
	struct sw_flow *f1, *f2;
	enum flow_dir d;

	flow_table_new(&c, on_end, &e, &t);
	p = pkt("10.0.0.1", 5000, "10.0.0.9", 53, 17, 0, 100 * SEC);
	f1 = flow_table_update(t, &p, &d);
	(void)f1;
	/* 30 s is the new-state timeout: at 30 s exactly it is still alive */
	p.ts = 130 * SEC;
	f2 = flow_table_update(t, &p, &d);
	UNIT_CHECK(e.n == 0 && f2 != NULL && f2->pkts[0] == 2, "not expired at exactly the timeout");
	p.ts = 160 * SEC + 1;
	f2 = flow_table_update(t, &p, &d);
	UNIT_CHECK(e.n == 1 && e.last.reason == FLOW_END_TIMEOUT && e.last.pkts[0] == 2,
		   "a packet after the timeout ends the old flow with reason timeout");
	UNIT_CHECK(f2 != NULL && f2->pkts[0] == 1 && f2->start == 160 * SEC + 1,
		   "and starts a new one");
	/* established flows use the longer timeout */
	p = pkt("10.0.0.9", 53, "10.0.0.1", 5000, 17, 0, 161 * SEC);
	flow_table_update(t, &p, &d);
	flow_table_expire(t, 161 * SEC + 31 * SEC);
	UNIT_CHECK(e.n == 1, "established flow survives the new-state timeout");
	flow_table_expire(t, 161 * SEC + 301 * SEC);
	UNIT_CHECK(e.n == 2 && e.last.reason == FLOW_END_TIMEOUT && e.last.state ==
			   FLOW_STATE_ESTABLISHED, "established flow expires after its timeout");
	flow_table_free(t);
}

/* The LRU lists are ordered by the ~1 s slot a flow was placed in, not by its last packet: a
 * flow seen again within its slot keeps its place. The sweep must still end, at its timeout, a
 * flow placed after such a live one. */
static void
test_lru_slots(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet pa, pb;
	enum flow_dir d;

	flow_table_new(&c, on_end, &e, &t);
	/* A at the start of a slot (954 * 2^20 us, about 1000.3 s), B 0.1 s later, A again 0.8 s
	 * later: A keeps its place before B (the same slot) */
	const sw_time_t base = (sw_time_t)954 << 20;

	pa = pkt("10.0.0.1", 5000, "10.0.0.9", 53, 17, 0, base);
	pb = pkt("10.0.0.2", 5000, "10.0.0.9", 53, 17, 0, base + SEC / 10);
	flow_table_update(t, &pa, &d);
	flow_table_update(t, &pb, &d);
	pa.ts = base + 9 * SEC / 10;
	flow_table_update(t, &pa, &d);
	/* 30 s new-state timeout: at B + 30.5 s, B is expired and A (0.8 s younger) is not */
	flow_table_expire(t, base + SEC / 10 + 30 * SEC + SEC / 2);
	UNIT_CHECK(e.n == 1 && e.last.reason == FLOW_END_TIMEOUT &&
	               e.last.start == base + SEC / 10,
	           "the sweep ends the expired flow behind a live one of the same slot");
	flow_table_expire(t, base + 9 * SEC / 10 + 30 * SEC + 1);
	UNIT_CHECK(e.n == 2 && e.last.start == base, "and the live one at its own timeout");
	/* a flow placed in an older slot and seen later is put back at the tail by the sweep */
	pa.ts = 2000 * SEC;
	pb.ts = 2000 * SEC + SEC / 10;
	flow_table_update(t, &pa, &d);
	flow_table_update(t, &pb, &d);
	pa.ts = 2000 * SEC + 5 * SEC;
	flow_table_update(t, &pa, &d); /* a new slot: A moves behind B */
	flow_table_expire(t, 2000 * SEC + SEC / 10 + 30 * SEC + 1);
	UNIT_CHECK(e.n == 3 && e.last.start == 2000 * SEC + SEC / 10, "B first, A lives on");
	flow_table_expire(t, 2000 * SEC + 5 * SEC + 30 * SEC + 1);
	UNIT_CHECK(e.n == 4 && e.last.start == 2000 * SEC, "then A");
	flow_table_free(t);
}

static void
test_reuse_and_rst(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet p;
	struct sw_flow *f;
	enum flow_dir d;

	flow_table_new(&c, on_end, &e, &t);
	p = pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SW_TH_SYN, SEC);
	flow_table_update(t, &p, &d);
	p = pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, SW_TH_RST | SW_TH_ACK, SEC + 1);
	f = flow_table_update(t, &p, &d);
	UNIT_CHECK(f->state == FLOW_STATE_CLOSED, "RST closes");
	p = pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SW_TH_SYN, SEC + 2);
	f = flow_table_update(t, &p, &d);
	UNIT_CHECK(e.n == 1 && e.last.reason == FLOW_END_TCP_CLOSE,
		   "a new SYN on a closed flow ends it");
	UNIT_CHECK(f != NULL && f->state == FLOW_STATE_NEW && f->pkts[0] == 1,
		   "and starts a new flow");
	UNIT_CHECK(sw_counter_get(&flow_table_stats(t)->tcp_reuse) == 1, "port reuse counted");
	flow_table_free(t);
}

static void
test_memcap(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet p;
	enum flow_dir d;
	uint16_t port;

	c.memcap = c.hash_size * sizeof(void *) + 3 * sizeof(struct sw_flow);
	flow_table_new(&c, on_end, &e, &t);
	for (port = 1000; port < 1005; port++) {
		p = pkt("10.0.0.1", port, "10.0.0.2", 80, 17, 0, (sw_time_t)port * SEC);
		UNIT_CHECK(flow_table_update(t, &p, &d) != NULL, "flow created under the cap");
	}
	UNIT_CHECK(sw_counter_get(&flow_table_stats(t)->active) == 3, "at most 3 flows fit");
	UNIT_CHECK(e.reasons[FLOW_END_FORCED] == 2 && e.last.cport == 1001,
		   "the least recently seen flows were evicted, reason forced");
	UNIT_CHECK(sw_counter_get(&flow_table_stats(t)->mem.memuse) <= c.memcap,
	           "memory under the cap");
	flow_table_flush(t, 2000 * SEC, FLOW_END_SHUTDOWN);
	UNIT_CHECK(sw_counter_get(&flow_table_stats(t)->mem.memuse) == c.hash_size * sizeof(void *),
	           "memory returns to the hash table alone");
	flow_table_free(t);

	c.memcap = c.hash_size * sizeof(void *); /* no room for any flow */
	flow_table_new(&c, on_end, &e, &t);
	p = pkt("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, SEC);
	UNIT_CHECK(flow_table_update(t, &p, &d) == NULL &&
	               sw_counter_get(&flow_table_stats(t)->mem.refused) == 1,
	           "a flow that cannot fit is refused and counted");
	flow_table_free(t);
}

static void
test_keys(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet p, q;
	struct sw_flow *f1, *f2;
	enum flow_dir d;

	flow_table_new(&c, on_end, &e, &t);
	p = pkt("10.0.0.1", 1111, "10.0.0.2", 2222, 17, 0, SEC);
	q = pkt("10.0.0.2", 2222, "10.0.0.1", 1111, 17, 0, SEC);
	UNIT_CHECK(flow_packet_hash(&p, &hconf) == flow_packet_hash(&q, &hconf),
	           "the flow hash is symmetric");
	f1 = flow_table_update(t, &p, &d);
	p.vlan[0] = 100;
	p.vlan_count = 1;
	UNIT_CHECK(flow_packet_hash(&p, &hconf) != flow_packet_hash(&q, &hconf),
	           "the VLAN is part of the hash");
	f2 = flow_table_update(t, &p, &d);
	UNIT_CHECK(f1 != f2, "the same 5-tuple on another VLAN is another flow");
	p.tunnel = 0x1234;
	UNIT_CHECK(flow_packet_hash(&p, &hconf) != flow_packet_hash(&q, &hconf),
	           "the tunnel key is part of the hash");
	q = p;
	q.tunnel = 0x5678;
	UNIT_CHECK(flow_table_update(t, &p, &d) != flow_table_update(t, &q, &d),
	           "the same 5-tuple in two tunnels (VNIs) is two flows");
	q = p;
	UNIT_CHECK(flow_table_update(t, &p, &d) == flow_table_update(t, &q, &d),
	           "the same tuple in the same tunnel is one flow");
	p = pkt("10.0.0.1", 8, "10.0.0.2", 0, 1, 0, SEC); /* echo request */
	f1 = flow_table_update(t, &p, &d);
	p = pkt("10.0.0.2", 0, "10.0.0.1", 0, 1, 0, SEC); /* echo reply */
	f2 = flow_table_update(t, &p, &d);
	UNIT_CHECK(f1 == f2 && d == FLOW_TO_CLIENT, "ICMP echo reply joins its request's flow");
	p = pkt("10.0.0.2", 3, "10.0.0.1", 3, 1, 0, SEC); /* port unreachable */
	f2 = flow_table_update(t, &p, &d);
	UNIT_CHECK(f2 != f1, "an ICMP error is a flow of its own");
	p = pkt("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, SEC);
	p.flags = SW_PKT_IP | SW_PKT_FRAG;
	UNIT_CHECK(flow_table_update(t, &p, &d) != NULL, "a fragment gets an address-only flow");
	p.flags = 0;
	UNIT_CHECK(flow_table_update(t, &p, &d) == NULL &&
			   sw_counter_get(&flow_table_stats(t)->not_flowable) == 1,
		   "a packet without IP is not flow-able");
	UNIT_CHECK(strcmp(flow_state_name(FLOW_STATE_CLOSED), "closed") == 0 &&
			   strcmp(flow_reason_name(FLOW_END_FORCED), "forced") == 0,
		   "state and reason names");
	flow_table_free(t);
}

/* Regression: sw_packet.hash was 32 bits wide while buckets come from the upper bits, so every
 * flow landed in bucket 0 and lookups were a walk of one list of all flows. */
/* decode.vlan.use-for-tracking off: one conversation seen on two VLANs is one flow. */
static void
test_vlan_untracked(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet p, q;
	enum flow_dir d;

	c.vlan_tracking = false;
	flow_table_new(&c, on_end, &e, &t);
	p = pkt("10.0.0.1", 1111, "10.0.0.2", 2222, 17, 0, SEC);
	q = pkt("10.0.0.2", 2222, "10.0.0.1", 1111, 17, 0, SEC);
	p.vlan[0] = 100;
	p.vlan_count = 1;
	q.vlan[0] = 200;
	q.vlan_count = 1;
	UNIT_CHECK(flow_packet_hash(&p, &c) == flow_packet_hash(&q, &c),
	           "VLANs untracked: not part of the hash");
	UNIT_CHECK(flow_table_update(t, &p, &d) == flow_table_update(t, &q, &d) &&
	               d == FLOW_TO_CLIENT,
	           "VLANs untracked: the two directions on VLANs 100 and 200 are one flow");
	UNIT_CHECK(e.last.vlan_count == 0 && flow_table_stats(t)->created == 1,
	           "one flow created");
	flow_table_flush(t, SEC, FLOW_END_SHUTDOWN);
	UNIT_CHECK(e.n == 1 && e.last.vlan_count == 1 && e.last.vlan[0] == 100,
	           "the flow keeps its first packet's VLAN for output");
	flow_table_free(t);
}

/* A tunnelled flow keeps its first packet's layers, client to server, charged to the cap. */
static void
test_tunnel_layers(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet p;
	struct sw_flow *f;
	enum flow_dir d;
	uint8_t bytes[64] = {0};
	uint64_t before;

	flow_table_new(&c, on_end, &e, &t);
	before = flow_table_stats(t)->mem.memuse;
	/* a SYN+ACK first: the server's packet, so the layers are swapped to client order */
	p = pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, SW_TH_SYN | SW_TH_ACK, SEC);
	p.data = bytes;
	p.caplen = sizeof(bytes);
	p.tunnel = 77;
	p.encap_count = 2;
	p.encap[0].kind = SW_ENCAP_VXLAN;
	p.encap[0].family = 4;
	p.encap[0].proto = 17;
	p.encap[0].id = 1001;
	inet_pton(AF_INET, "192.0.2.2", p.encap[0].src.b);
	inet_pton(AF_INET, "192.0.2.1", p.encap[0].dst.b);
	p.encap[0].next_off = 34; /* the outer UDP header: ports 4790 -> 4789 */
	bytes[34] = 0x12;
	bytes[35] = 0xb6;
	bytes[36] = 0x12;
	bytes[37] = 0xb5;
	p.encap[1].kind = SW_ENCAP_IPIP;
	p.encap[1].family = 6;
	p.encap[1].proto = 4;
	inet_pton(AF_INET6, "2001:db8::b", p.encap[1].src.b);
	inet_pton(AF_INET6, "2001:db8::a", p.encap[1].dst.b);
	f = flow_table_update(t, &p, &d);
	UNIT_CHECK(f != NULL && f->tun != NULL && f->tun->depth == 2, "two layers kept");
	if (f == NULL || f->tun == NULL)
		goto out;
	UNIT_CHECK(f->tun->layer[0].kind == SW_ENCAP_VXLAN && f->tun->layer[0].id == 1001 &&
	               f->tun->layer[0].src.b[3] == 1 && f->tun->layer[0].dst.b[3] == 2 &&
	               f->tun->layer[0].sport == 4789 && f->tun->layer[0].dport == 4790,
	           "the outer layer oriented client to server, with its UDP ports and VNI");
	UNIT_CHECK(f->tun->layer[1].kind == SW_ENCAP_IPIP && f->tun->layer[1].family == 6 &&
	               f->tun->layer[1].src.b[15] == 0xa && f->tun->layer[1].sport == 0,
	           "the inner layer oriented too, no ports for IP in IP");
	UNIT_CHECK(flow_table_stats(t)->mem.memuse >=
	               before + sizeof(struct sw_flow) + sizeof(struct flow_tunnel) +
	                   2 * sizeof(struct flow_tunnel_layer),
	           "the layers are charged to flow.memcap");
	flow_table_flush(t, SEC, FLOW_END_SHUTDOWN);
	UNIT_CHECK(flow_table_stats(t)->mem.memuse == before, "and given back when it ends");
out:
	flow_table_free(t);
}

static void
test_hash_spread(void)
{
	static uint8_t used[1024];
	struct sw_packet p;
	int i, distinct = 0, truncated = 0;

	for (i = 0; i < 1000; i++) {
		p = pkt("10.0.0.1", (uint16_t)(1024 + i), "10.0.0.2", 80, 6, SW_TH_SYN, SEC);
		p.hash = flow_packet_hash(&p, &hconf);
		truncated += p.hash != flow_packet_hash(&p, &hconf);
		if (!used[(p.hash >> 32) % 1024]++)
			distinct++;
	}
	UNIT_CHECK(truncated == 0, "sw_packet keeps all 64 hash bits");
	UNIT_CHECK(distinct > 500, "1000 flows spread over more than 500 of 1024 buckets");
}

/* Many keys crafted (for a known seed) into one bucket: the chain stays at FLOW_CHAIN_MAX, the
 * bucket's oldest flows are evicted and counted, the other buckets are untouched. */
static void
test_chain_cap(void)
{
	struct flow_conf c = conf();
	struct flow_table *t;
	struct ended e = {0};
	struct sw_packet p;
	enum flow_dir d;
	uint32_t i, n = 0, want = FLOW_CHAIN_MAX + 20, port;
	uint64_t target = 0;

	c.hash_size = 1024;
	c.hash_seed = SEED;
	flow_table_new(&c, on_end, &e, &t);
	for (port = 1; port < 65536 && n < want; port++) {
		p = pkt("10.0.0.1", (uint16_t)port, "10.0.0.2", 80, 17, 0, SEC);
		p.hash = flow_packet_hash(&p, &hconf);
		if (n == 0)
			target = (p.hash >> 32) % c.hash_size;
		if ((p.hash >> 32) % c.hash_size != target)
			continue;
		n++;
		flow_table_update(t, &p, &d);
	}
	UNIT_CHECK(n == want, "found keys that share one bucket");
	UNIT_CHECK(sw_counter_get(&flow_table_stats(t)->active) == FLOW_CHAIN_MAX,
	           "one bucket holds at most FLOW_CHAIN_MAX flows");
	UNIT_CHECK(sw_counter_get(&flow_table_stats(t)->chain_evicted) == want - FLOW_CHAIN_MAX &&
	               (uint32_t)e.reasons[FLOW_END_FORCED] == want - FLOW_CHAIN_MAX,
	           "the flows over the cap were evicted (forced) and counted in chain_evicted");
	p = pkt("10.0.0.3", 1, "10.0.0.4", 2, 17, 0, SEC);
	for (i = 0; i < 64; i++) {
		p.sport = (uint16_t)(100 + i);
		flow_table_update(t, &p, &d);
	}
	UNIT_CHECK(sw_counter_get(&flow_table_stats(t)->chain_evicted) == want - FLOW_CHAIN_MAX,
	           "flows in other buckets evict nothing");
	flow_table_free(t);
}

/* Offline keeps the fixed seed (the same worker and bucket every run); live draws one. */
static void
test_seeds(void)
{
	struct flow_conf a, b;
	struct conf_doc *doc = conf_doc_new();
	struct sw_packet p = pkt("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, SEC);

	flow_conf_load(doc, &a);
	flow_conf_load(doc, &b);
	UNIT_CHECK(a.hash_seed == b.hash_seed && a.hash_seed != 0, "the offline seed is fixed");
	flow_conf_seed_random(&a);
	flow_conf_seed_random(&b);
	UNIT_CHECK(a.hash_seed != b.hash_seed, "live seeds are random");
	UNIT_CHECK(flow_packet_hash(&p, &a) != flow_packet_hash(&p, &b),
	           "the seed changes the hash (bucket and worker)");
	conf_doc_free(doc);
}

int
main(void)
{
	test_chain_cap();
	test_seeds();
	test_hash_spread();
	test_tcp_session();
	test_synack_first();
	test_timeouts();
	test_lru_slots();
	test_reuse_and_rst();
	test_memcap();
	test_keys();
	test_vlan_untracked();
	test_tunnel_layers();
	return unit_done();
}
