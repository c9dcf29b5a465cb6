/* tests/fuzz/fuzz_decode.c: fuzz target for the packet decoder (src/decode) and the flow table
 * lookup that follows it, with invariants on what decode_packet writes into struct sw_packet. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "fuzz.h"

/*
 * Input layout:
 *
 *   byte 0: selector   bits 0-3  link type, index into fuzz_linktypes (modulo its size: the
 *                                first 11 entries kept their index when 11-14 were added)
 *                      bit  4    snapped: wirelen > caplen
 *                      bits 5-7  how many bytes were cut by the snap length (x 97, + 1)
 *   bytes 1..: the captured packet (caplen = size - 1)
 *
 * tests/fuzz/corpus/decode/ files start with the index of their pcap's link type.
 */
static const int fuzz_linktypes[] = {
    1,   /* 0 Ethernet */
    113, /* 1 Linux cooked v1 */
    276, /* 2 Linux cooked v2 */
    101, /* 3 raw IP (LINKTYPE_RAW) */
    12,  /* 4 raw IP (DLT_RAW on Linux) */
    0,   /* 5 BSD NULL, host order */
    108, /* 6 BSD LOOP, network order */
    228, /* 7 raw IPv4 */
    229, /* 8 raw IPv6 */
    14,  /* 9 raw IP (DLT_RAW on BSD) */
    147, /* 10 DLT_USER0: unsupported */
    104, /* 11 Cisco HDLC */
    9,   /* 12 PPP */
    50,  /* 13 PPP in HDLC framing (or Cisco HDLC) */
    239, /* 14 NFLOG */
};
#define FUZZ_NLINKTYPES (sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]))

/* Small on purpose: a few hundred flows, so eviction runs all the time. */
#define FUZZ_FLOW_MEMCAP  (64u * 1024)
#define FUZZ_FLOW_BUCKETS 1024

static struct flow_table *fuzz_flows;
static sw_time_t fuzz_now = 1700000000ULL * SW_USEC_PER_SEC;
static uint64_t fuzz_runs;

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__LINE__, #cond);                                                \
	} while (0)

static void
fuzz_fail(int line, const char *what)
{
	fprintf(stderr, "fuzz_decode.c:%d: invariant violated: %s\n", line, what);
	abort();
}

static struct flow_table *
fuzz_flow_table(void)
{
	struct conf_doc *doc;
	struct flow_conf conf;

	if (fuzz_flows != NULL)
		return fuzz_flows;
	/* The built-in defaults, with a tiny memory cap. */
	if ((doc = conf_doc_new()) == NULL)
		abort();
	if (flow_conf_load(doc, &conf) != 0)
		abort();
	conf_doc_free(doc);
	conf.memcap = FUZZ_FLOW_MEMCAP;
	conf.hash_size = FUZZ_FLOW_BUCKETS;
	if (flow_table_new(&conf, NULL, NULL, &fuzz_flows) != 0)
		abort();
	return fuzz_flows;
}

/* What must hold for any packet decode_packet returned r for, whatever the bytes. */
static void
fuzz_check_packet(const struct sw_packet *p, const struct decode_stats *st, int r)
{
	uint64_t cap = p->caplen;

	uint8_t i;

	FUZZ_ASSERT(r == 0 || r == SW_E_UNSUPP || r == SW_E_INVAL);
	FUZZ_ASSERT(p->anomaly < DECODE_EV_MAX);
	/* regression: an unsupported link type once came back as "not flow-able" */
	FUZZ_ASSERT(!(r == SW_E_UNSUPP && p->anomaly == DECODE_EV_LINKTYPE_UNSUPPORTED));
	FUZZ_ASSERT(p->vlan_count <= SW_VLAN_MAX);
	/* the encapsulation stack: bounded, outer layers before the inner one, keyed iff used
	 * (every kind is used for tracking in the default configuration) */
	FUZZ_ASSERT(p->encap_count <= SW_ENCAP_MAX);
	FUZZ_ASSERT((p->encap_count == 0) == (p->tunnel == 0));
	for (i = 0; i < p->encap_count; i++) {
		FUZZ_ASSERT(p->encap[i].family == 4 || p->encap[i].family == 6);
		FUZZ_ASSERT(p->encap[i].kind != SW_ENCAP_NONE &&
		            p->encap[i].kind < SW_ENCAP_KIND_MAX);
		FUZZ_ASSERT((uint64_t)p->encap[i].off + (p->encap[i].family == 4 ? 20 : 40) <= cap);
		if (i > 0)
			FUZZ_ASSERT(p->encap[i].off > p->encap[i - 1].off);
		/* what the outer header carried (the lead prints UDP ports from there) */
		FUZZ_ASSERT(p->encap[i].next_off > p->encap[i].off &&
		            p->encap[i].next_off <= cap);
		if (p->encap[i].proto == 17)
			FUZZ_ASSERT((uint64_t)p->encap[i].next_off + 8 <= cap);
		if (p->flags & SW_PKT_IP)
			FUZZ_ASSERT(p->l3_off > p->encap[i].off);
	}
	if (r == SW_E_INVAL) {
		/* a fatal event stopped decoding: it is named on the packet and counted */
		FUZZ_ASSERT(p->anomaly != 0);
		FUZZ_ASSERT(p->flags & SW_PKT_INVALID);
		FUZZ_ASSERT(sw_counter_get(&st->invalid) == 1);
	} else {
		FUZZ_ASSERT((p->flags & SW_PKT_INVALID) == 0);
		FUZZ_ASSERT(p->anomaly == 0 || !decode_event_is_fatal(p->anomaly));
	}
	if (p->anomaly != 0)
		FUZZ_ASSERT(sw_counter_get(&st->events[p->anomaly]) >= 1);
	if (r == 0)
		FUZZ_ASSERT(p->flags & SW_PKT_IP);
	FUZZ_ASSERT(sw_counter_get(&st->pkts) == 1);

	/* every offset the later stages use stays inside the captured bytes */
	FUZZ_ASSERT(p->l3_off <= cap);
	FUZZ_ASSERT(p->l4_off <= cap);
	FUZZ_ASSERT(p->payload_off <= cap);
	FUZZ_ASSERT((uint64_t)p->payload_off + p->payload_len <= cap);
	if (p->flags & SW_PKT_IP) {
		FUZZ_ASSERT(p->family == 4 || p->family == 6);
		FUZZ_ASSERT((uint64_t)p->l3_off + (p->family == 4 ? 20 : 40) <= cap);
	} else {
		FUZZ_ASSERT(p->family == 0);
		FUZZ_ASSERT((p->flags & (SW_PKT_L4 | SW_PKT_FRAG)) == 0);
	}
	if (p->flags & SW_PKT_L4) {
		FUZZ_ASSERT(p->flags & SW_PKT_IP);
		FUZZ_ASSERT(p->l4_off >= p->l3_off + (p->family == 4 ? 20u : 40u));
		FUZZ_ASSERT(p->payload_off >= p->l4_off);
		if (p->proto == 6)
			FUZZ_ASSERT(p->payload_off >= p->l4_off + 20);
		if (p->proto == 17)
			FUZZ_ASSERT(p->payload_off == p->l4_off + 8);
	}
	if (r == 0 && (p->flags & SW_PKT_FRAG))
		FUZZ_ASSERT((p->flags & SW_PKT_L4) == 0);
}

/* The flow hash is symmetric: the reply direction of a TCP/UDP packet hashes the same. */
/* flow_packet_hash's view of the configuration: seed 0, VLANs tracked */
static const struct flow_conf fuzz_hash_conf = {.vlan_tracking = true};

static void
fuzz_check_hash(const struct sw_packet *p, uint64_t hash)
{
	struct sw_packet rev;

	if (p->proto == 1 || p->proto == 58) /* ICMP keys on type pairs, not swapped ports */
		return;
	rev = *p;
	rev.src = p->dst;
	rev.dst = p->src;
	rev.sport = p->dport;
	rev.dport = p->sport;
	FUZZ_ASSERT(flow_packet_hash(&rev, &fuzz_hash_conf) == hash);
}

static void
fuzz_flow(struct sw_packet *p)
{
	struct flow_table *t = fuzz_flow_table();
	struct flow_stats *fst;
	enum flow_dir dir = FLOW_TO_CLIENT;
	struct sw_flow *f;
	uint64_t h;

	h = flow_packet_hash(p, &fuzz_hash_conf);
	fuzz_check_hash(p, h);
	p->hash = (uint32_t)h; /* as sw_run.c stores it */
	f = flow_table_update(t, p, &dir);
	fst = flow_table_stats(t);
	if (f != NULL) {
		FUZZ_ASSERT(dir == FLOW_TO_SERVER || dir == FLOW_TO_CLIENT);
		FUZZ_ASSERT(f->family == p->family);
		FUZZ_ASSERT(f->proto == p->proto);
		FUZZ_ASSERT(f->vlan_count == p->vlan_count);
		FUZZ_ASSERT(f->tunnel == p->tunnel);
		FUZZ_ASSERT(f->state < FLOW_STATE_MAX);
		FUZZ_ASSERT(f->pkts[dir] >= 1);
		FUZZ_ASSERT(f->last >= f->start);
	}
	FUZZ_ASSERT(sw_counter_get(&fst->mem.memuse) <= FUZZ_FLOW_MEMCAP);
	if ((++fuzz_runs & 63) == 0)
		flow_table_expire(t, fuzz_now);
}

/* The default configuration (every UDP tunnel on its port, decode.max-layers 8). */
static const struct decode_conf *
fuzz_decode_conf(void)
{
	static struct decode_conf conf;
	static int loaded;
	struct conf_doc *doc;

	if (loaded)
		return &conf;
	if ((doc = conf_doc_new()) == NULL || decode_conf_load(doc, &conf) != 0)
		abort();
	conf_doc_free(doc);
	loaded = 1;
	return &conf;
}

int
fuzz_decode_one(const uint8_t *data, size_t size)
{
	struct decode_conf conf_none = *fuzz_decode_conf();
	struct decode_conf conf_all = conf_none;
	struct decode_ctx dc_none, dc_all;
	struct decode_stats st;
	struct sw_packet p, p_all;
	uint8_t *buf;
	size_t len;
	uint8_t sel;
	int r, r_all;

	if (size < 1)
		return 0;
	sel = data[0];
	len = size - 1;
	if (len > UINT32_MAX - 1024)
		return 0;
	/* An exact-size copy: one byte too far is a heap overflow ASan reports. */
	if ((buf = malloc(len)) == NULL)
		return 0;
	if (len > 0)
		memcpy(buf, data + 1, len);
	conf_none.checksum_mode = DECODE_CSUM_NONE;
	conf_all.checksum_mode = DECODE_CSUM_ALL;
	decode_ctx_init(&dc_none, &conf_none, &st, false);
	decode_ctx_init(&dc_all, &conf_all, &st, false);

	memset(&p, 0, sizeof(p));
	p.data = buf;
	p.caplen = (uint32_t)len;
	p.wirelen = (uint32_t)len;
	if (sel & 0x10)
		p.wirelen += 1 + (uint32_t)(sel >> 5) * 97;
	p.linktype = fuzz_linktypes[(sel & 0x0f) % FUZZ_NLINKTYPES];
	fuzz_now += SW_USEC_PER_SEC / 4 + (sel & 0x7) * SW_USEC_PER_SEC * 7;
	p.ts = fuzz_now;

	/* checksum mode "all": the same decode, but bad checksums keep the packet out of flows */
	memset(&st, 0, sizeof(st));
	p_all = p;
	r_all = decode_packet(&dc_all, &p_all);
	fuzz_check_packet(&p_all, &st, r_all);

	memset(&st, 0, sizeof(st));
	r = decode_packet(&dc_none, &p);
	fuzz_check_packet(&p, &st, r);
	FUZZ_ASSERT(sw_counter_get(&st.csum_skipped) == 0);

	/* the mode changes the verdict only, never what was decoded */
	FUZZ_ASSERT(p.flags == p_all.flags);
	FUZZ_ASSERT(p.anomaly == p_all.anomaly);
	FUZZ_ASSERT(p.payload_off == p_all.payload_off && p.payload_len == p_all.payload_len);
	if (r == 0 && (p.flags & SW_PKT_BAD_CSUM))
		FUZZ_ASSERT(r_all == SW_E_UNSUPP);
	else
		FUZZ_ASSERT(r_all == r);

	if (r == 0 && (p.flags & SW_PKT_IP))
		fuzz_flow(&p);

	/* decoding the same struct again gives the same result (no state left from before) */
	memset(&st, 0, sizeof(st));
	p_all = p;
	r_all = decode_packet(&dc_none, &p_all);
	FUZZ_ASSERT(r_all == r && p_all.flags == p.flags && p_all.anomaly == p.anomaly);
	FUZZ_ASSERT(p_all.hash == 0);

	free(buf);
	return 0;
}

FUZZ_ENTRY(fuzz_decode_one)
