/* src/flow/flow_table.c: the per-worker flow table: chained hash buckets, one LRU list per
 * (protocol class, state) so expiry is a walk from the oldest end, and a pool of flow records
 * charged against the memory cap. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flow/flow_int.h"

#define LRU_LISTS    (FLOW_CLASS_MAX * FLOW_STATE_MAX)
/* A flow moves to its list's tail at most once per 2^20 us (about a second) of its packets'
 * time, not at every packet: the move writes the links of its two neighbours, lines of other
 * flows that are seldom in the cache. A list is then ordered by the slot (lru_at) its flows
 * were put there in, not by their last packet; the timeout sweep (flow_table_expire) walks on
 * past live flows until the slots are too recent to hold an expired one. */
#define LRU_SHIFT 20
#define POOL_CHUNK   256
#define FLOW_ID_MASK ((1ULL << 51) - 1) /* flow_id stays exact in a JSON double */

struct lru {
	struct sw_flow *head, *tail; /* head: least recently seen */
	sw_time_t timeout_us;        /* of the list's (class, state): read with the links */
};

struct pool_chunk {
	struct pool_chunk *next;
	struct sw_flow flows[POOL_CHUNK];
};

/* What every packet reads comes first, from a cache line of its own: the buckets, the VLAN
 * switch of the key, and its flow's list with that list's timeout (callgrind --cache-sim put a
 * first-level miss per packet on conf.vlan_tracking and another on timeout_us, 96 bytes past
 * the lists); the configuration and the counters come after. */
struct flow_table {
	_Alignas(64) struct sw_flow **buckets;
	uint32_t nbuckets;
	bool vlan_tracking; /* conf.vlan_tracking */
	struct lru lru[LRU_LISTS];
	struct flow_conf conf;
	flow_end_fn *end_fn;
	void *end_arg;
	struct sw_flow *free_list;
	struct pool_chunk *chunks;
	struct flow_stats st; /* st.mem is the memory cap */
};

/* The ports that are part of the key. ICMP uses Community ID's port equivalents: a request
 * keys as (type, reply type) and its reply as (reply type, type), so the two meet in one flow,
 * while a one-way message keys as (type, code). Fragments have none: their transport header is
 * not in every packet. */
static inline void
key_ports(const struct sw_packet *p, uint16_t *sp, uint16_t *dp)
{
	uint8_t other;

	if ((p->flags & SW_PKT_L4) == 0) {
		*sp = 0;
		*dp = 0;
		return;
	}
	if (flow_proto_class(p->proto) == FLOW_CLASS_ICMP) {
		*sp = p->icmp_type;
		*dp = flow_icmp_counterpart(p->proto == PROTO_ICMPV6_, p->icmp_type, &other)
			      ? other
			      : p->icmp_code;
		return;
	}
	*sp = p->sport;
	*dp = p->dport;
}

uint64_t
flow_packet_hash(const struct sw_packet *p, const struct flow_conf *conf)
{
	uint64_t seed = conf->hash_seed;
	uint64_t h;
	struct {
		uint8_t lo[16], hi[16];
		uint16_t plo, phi;
		uint16_t vlan[SW_VLAN_MAX];
		uint8_t proto, vlan_count;
	} k;
	uint16_t sp, dp;
	int c;

	memset(&k, 0, sizeof(k));
	key_ports(p, &sp, &dp);
	c = memcmp(p->src.b, p->dst.b, 16);
	if (c < 0 || (c == 0 && sp <= dp)) {
		memcpy(k.lo, p->src.b, 16);
		memcpy(k.hi, p->dst.b, 16);
		k.plo = sp;
		k.phi = dp;
	} else {
		memcpy(k.lo, p->dst.b, 16);
		memcpy(k.hi, p->src.b, 16);
		k.plo = dp;
		k.phi = sp;
	}
	if (conf->vlan_tracking) {
		memcpy(k.vlan, p->vlan, sizeof(k.vlan));
		k.vlan_count = p->vlan_count;
	}
	k.proto = p->proto;
	h = sw_hash64(&k, sizeof(k), seed);
	/* the tunnel is mixed in only when there is one: packets in no tunnel keep the hash (and
	 * flow_id) they always had */
	if (p->tunnel != 0)
		h = sw_hash64(&p->tunnel, sizeof(p->tunnel), h);
	return h;
}

const char *
flow_state_name(int state)
{
	static const char *const names[] = {"new", "established", "closed"};

	return state >= 0 && state < FLOW_STATE_MAX ? names[state] : "unknown";
}

const char *
flow_reason_name(int reason)
{
	static const char *const names[] = {"timeout", "tcp_close", "shutdown", "forced"};

	return reason >= 0 && reason < FLOW_END_MAX ? names[reason] : "unknown";
}

int
flow_table_new(const struct flow_conf *conf, flow_end_fn *end_fn, void *arg,
	       struct flow_table **out)
{
	struct flow_table *t;
	int c, s;

	*out = NULL;
	if (conf->hash_size == 0)
		return SW_E_INVAL;
	/* not calloc: its 16-byte alignment is not the table's 64 (sizeof is a multiple of it) */
	if ((t = aligned_alloc(_Alignof(struct flow_table), sizeof(*t))) == NULL)
		return SW_E_NOMEM;
	memset(t, 0, sizeof(*t));
	t->conf = *conf;
	t->vlan_tracking = conf->vlan_tracking;
	t->end_fn = end_fn;
	t->end_arg = arg;
	t->nbuckets = conf->hash_size;
	if ((t->buckets = calloc(t->nbuckets, sizeof(*t->buckets))) == NULL) {
		free(t);
		return SW_E_NOMEM;
	}
	/* the buckets are charged before the cap applies: the cap is for flows */
	sw_memcap_take(&t->st.mem, (size_t)t->nbuckets * sizeof(*t->buckets));
	t->st.mem.memcap = conf->memcap;
	for (c = 0; c < FLOW_CLASS_MAX; c++)
		for (s = 0; s < FLOW_STATE_MAX; s++)
			t->lru[c * FLOW_STATE_MAX + s].timeout_us =
			    (sw_time_t)conf->timeout[c][s] * SW_USEC_PER_SEC;
	*out = t;
	return 0;
}

void
flow_table_free(struct flow_table *t)
{
	struct pool_chunk *ch, *next;

	if (t == NULL)
		return;
	for (uint32_t b = 0; b < t->nbuckets; b++)
		for (struct sw_flow *f = t->buckets[b]; f != NULL; f = f->hnext)
			free(f->tun);
	for (ch = t->chunks; ch != NULL; ch = next) {
		next = ch->next;
		free(ch);
	}
	free(t->buckets);
	free(t);
}

struct flow_stats *
flow_table_stats(struct flow_table *t)
{
	return &t->st;
}

/* The LRU list of f's protocol class and state. */
static uint8_t
lru_index(const struct sw_flow *f)
{
	return (uint8_t)(flow_proto_class(f->proto) * FLOW_STATE_MAX + f->state);
}

static void
lru_unlink(struct flow_table *t, struct sw_flow *f)
{
	struct lru *l = &t->lru[f->lru];

	if (f->lprev != NULL)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext != NULL)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void
lru_append(struct flow_table *t, struct sw_flow *f)
{
	struct lru *l;

	f->lru = lru_index(f);
	f->lru_at = (uint32_t)((uint64_t)f->last >> LRU_SHIFT);
	l = &t->lru[f->lru];
	f->lnext = NULL;
	f->lprev = l->tail;
	if (l->tail != NULL)
		l->tail->lnext = f;
	else
		l->head = f;
	l->tail = f;
}

static inline int
flow_expired(const struct flow_table *t, const struct sw_flow *f, sw_time_t now)
{
	return now > f->last && now - f->last > t->lru[f->lru].timeout_us;
}

/* Whether f's place in its list still says when it was last seen (to LRU_SHIFT); if not, f
 * goes to the tail (a fresh place). */
static bool
flow_lru_fresh(struct flow_table *t, struct sw_flow *f)
{
	if (f->lru_at == (uint32_t)((uint64_t)f->last >> LRU_SHIFT))
		return true;
	lru_unlink(t, f);
	lru_append(t, f);
	return false;
}

void
flow_tunnel_layer_of(const struct sw_packet *p, const struct sw_encap *e, bool swap,
		     struct flow_tunnel_layer *l)
{
	uint16_t sport = 0, dport = 0;

	/* a tunnel in UDP: its header is at next_off, within the captured bytes */
	if (e->proto == PROTO_UDP_ && e->next_off + 4 <= p->caplen) {
		sport = (uint16_t)(p->data[e->next_off] << 8 | p->data[e->next_off + 1]);
		dport = (uint16_t)(p->data[e->next_off + 2] << 8 | p->data[e->next_off + 3]);
	}
	memset(l, 0, sizeof(*l));
	l->kind = e->kind;
	l->family = e->family;
	l->proto = e->proto;
	l->id = e->id;
	l->src = swap ? e->dst : e->src;
	l->dst = swap ? e->src : e->dst;
	l->sport = swap ? dport : sport;
	l->dport = swap ? sport : dport;
}

/* The tunnel layers of p, oriented client to server (swap: p comes from the server), charged
 * to the cap; NULL when p came in no tunnel or the cap refused (counted). */
static struct flow_tunnel *
flow_tunnel_new(struct flow_table *t, const struct sw_packet *p, int swap)
{
	size_t size = sizeof(struct flow_tunnel) +
		      (size_t)p->encap_count * sizeof(struct flow_tunnel_layer);
	struct flow_tunnel *tun;
	uint8_t i;

	if (p->encap_count == 0 || !sw_memcap_take(&t->st.mem, size))
		return NULL;
	if ((tun = calloc(1, size)) == NULL) {
		sw_memcap_give(&t->st.mem, size);
		sw_counter_add(&t->st.mem.refused, 1);
		return NULL;
	}
	tun->depth = p->encap_count;
	for (i = 0; i < p->encap_count; i++)
		flow_tunnel_layer_of(p, &p->encap[i], swap, &tun->layer[i]);
	return tun;
}

static void
flow_tunnel_free(struct flow_table *t, struct sw_flow *f)
{
	if (f->tun == NULL)
		return;
	sw_memcap_give(&t->st.mem, sizeof(struct flow_tunnel) +
				       (size_t)f->tun->depth * sizeof(struct flow_tunnel_layer));
	free(f->tun);
	f->tun = NULL;
}

/* Ends f: reports it, unlinks it and puts its record back in the pool. */
static void
flow_end(struct flow_table *t, struct sw_flow *f, enum flow_end_reason reason)
{
	struct sw_flow **pp;

	if (f->state == FLOW_STATE_CLOSED && reason != FLOW_END_FORCED)
		reason = FLOW_END_TCP_CLOSE;
	f->reason = (uint8_t)reason;
	sw_counter_add(&t->st.ended[reason], 1);
	if (t->end_fn != NULL)
		t->end_fn(f, t->end_arg);

	for (pp = &t->buckets[(f->hash >> 32) % t->nbuckets]; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == f) {
			*pp = f->hnext;
			break;
		}
	}
	lru_unlink(t, f);
	flow_tunnel_free(t, f);
	f->hnext = t->free_list;
	t->free_list = f;
	sw_memcap_give(&t->st.mem, sizeof(*f));
	atomic_store_explicit(&t->st.active, sw_counter_get(&t->st.active) - 1,
			      memory_order_relaxed);
}

/* The least recently seen flow of all lists, for eviction. */
static struct sw_flow *
flow_oldest(struct flow_table *t)
{
	struct sw_flow *best = NULL;
	int i;

	for (i = 0; i < LRU_LISTS; i++) {
		struct sw_flow *f;

		while ((f = t->lru[i].head) != NULL && !flow_lru_fresh(t, f))
			;
		if (f != NULL && (best == NULL || f->last < best->last))
			best = f;
	}
	return best;
}

static struct sw_flow *
flow_alloc(struct flow_table *t)
{
	struct sw_flow *f;
	struct pool_chunk *ch;
	size_t i;

	/* evict the least recently seen flows while the cap would refuse a new one; with nothing
	 * left to evict the cap refuses (counted in st.mem.refused) */
	while (t->st.mem.memcap != 0 &&
	       sw_counter_get(&t->st.mem.memuse) + sizeof(*f) > t->st.mem.memcap &&
	       (f = flow_oldest(t)) != NULL)
		flow_end(t, f, FLOW_END_FORCED);
	if (!sw_memcap_take(&t->st.mem, sizeof(*f)))
		return NULL;
	if (t->free_list == NULL) {
		/* not malloc: its 16-byte alignment is not the flows' 64 */
		if ((ch = aligned_alloc(_Alignof(struct pool_chunk), sizeof(*ch))) == NULL) {
			sw_memcap_give(&t->st.mem, sizeof(*f));
			sw_counter_add(&t->st.mem.refused, 1);
			return NULL;
		}
		ch->next = t->chunks;
		t->chunks = ch;
		for (i = 0; i < POOL_CHUNK; i++) {
			ch->flows[i].hnext = t->free_list;
			t->free_list = &ch->flows[i];
		}
	}
	f = t->free_list;
	t->free_list = f->hnext;
	memset(f, 0, sizeof(*f));
	return f;
}

static struct sw_flow *
flow_create(struct flow_table *t, const struct sw_packet *p, uint64_t hash)
{
	struct sw_flow *f;
	struct sw_flow **bucket;
	uint16_t sp, dp;
	int swap;

	if ((f = flow_alloc(t)) == NULL)
		return NULL;
	key_ports(p, &sp, &dp);
	/* A first packet with SYN+ACK comes from the server: its SYN was missed. */
	swap = p->proto == PROTO_TCP_ && (p->flags & SW_PKT_L4) &&
	       (p->tcp_flags & (SW_TH_SYN | SW_TH_ACK)) == (SW_TH_SYN | SW_TH_ACK);
	if (!swap) {
		f->cli = p->src;
		f->srv = p->dst;
		f->cport = sp;
		f->sport = dp;
	} else {
		f->cli = p->dst;
		f->srv = p->src;
		f->cport = dp;
		f->sport = sp;
	}
	memcpy(f->vlan, p->vlan, sizeof(f->vlan));
	f->vlan_count = p->vlan_count;
	f->family = p->family;
	f->proto = p->proto;
	f->tunnel = p->tunnel;
	f->tun = flow_tunnel_new(t, p, swap);
	if (flow_proto_class(p->proto) == FLOW_CLASS_ICMP) {
		f->icmp_type = p->icmp_type;
		f->icmp_code = p->icmp_code;
	}
	f->midstream = p->proto == PROTO_TCP_ && (p->flags & SW_PKT_L4) &&
		       (p->tcp_flags & SW_TH_SYN) == 0;
	f->hash = hash;
	f->start = f->last = p->ts;
	f->source_idx = p->source_idx;
	{
		struct {
			uint64_t hash;
			sw_time_t start;
		} idk = {hash, p->ts};
		f->flow_id = sw_hash64(&idk, sizeof(idk), 0) & FLOW_ID_MASK;
	}
	bucket = &t->buckets[(hash >> 32) % t->nbuckets];
	f->hnext = *bucket;
	*bucket = f;
	lru_append(t, f);
	sw_counter_add(&t->st.created, 1);
	sw_counter_add(&t->st.active, 1);
	return f;
}

/* Matches p against f; on a match writes the packet's direction. */
static inline int
flow_match(const struct flow_table *t, const struct sw_flow *f, const struct sw_packet *p,
	   uint16_t sp, uint16_t dp, enum flow_dir *dir)
{
	if (f->proto != p->proto || f->family != p->family || f->tunnel != p->tunnel)
		return 0;
	if (t->vlan_tracking &&
	    (f->vlan_count != p->vlan_count || memcmp(f->vlan, p->vlan, sizeof(f->vlan)) != 0))
		return 0;
	if (f->cport == sp && f->sport == dp && memcmp(&f->cli, &p->src, 16) == 0 &&
	    memcmp(&f->srv, &p->dst, 16) == 0) {
		*dir = FLOW_TO_SERVER;
		return 1;
	}
	if (f->cport == dp && f->sport == sp && memcmp(&f->cli, &p->dst, 16) == 0 &&
	    memcmp(&f->srv, &p->src, 16) == 0) {
		*dir = FLOW_TO_CLIENT;
		return 1;
	}
	return 0;
}

static void
flow_update_state(struct flow_table *t, struct sw_flow *f, const struct sw_packet *p,
		  enum flow_dir dir)
{
	if (f->proto == PROTO_TCP_ && (p->flags & SW_PKT_L4)) {
		f->tcp_flags[dir] |= p->tcp_flags;
		if (p->tcp_flags & SW_TH_RST) {
			f->state = FLOW_STATE_CLOSED;
			return;
		}
		if (p->tcp_flags & SW_TH_FIN)
			f->fin_seen |= (uint8_t)(1u << dir);
		if (f->fin_seen == 3) {
			f->state = FLOW_STATE_CLOSED;
			return;
		}
	}
	if (f->state == FLOW_STATE_NEW && f->pkts[0] > 0 && f->pkts[1] > 0)
		f->state = FLOW_STATE_ESTABLISHED;
}

struct sw_flow *
flow_table_update(struct flow_table *t, const struct sw_packet *p, enum flow_dir *dir)
{
	uint64_t hash = p->hash != 0 ? p->hash : flow_packet_hash(p, &t->conf);
	struct sw_flow *f, *last = NULL;
	uint16_t sp, dp;
	uint32_t chain = 0;
	enum flow_dir d = FLOW_TO_SERVER;

	if ((p->flags & SW_PKT_IP) == 0) {
		sw_counter_add(&t->st.not_flowable, 1);
		return NULL;
	}
	key_ports(p, &sp, &dp);
	for (f = t->buckets[(hash >> 32) % t->nbuckets]; f != NULL; f = f->hnext, chain++) {
		if (f->hash == hash && flow_match(t, f, p, sp, dp, &d))
			break;
		last = f;
	}
	if (f != NULL) {
		if (flow_expired(t, f, p->ts)) {
			flow_end(t, f, FLOW_END_TIMEOUT);
			f = NULL;
		} else if (f->state == FLOW_STATE_CLOSED && p->proto == PROTO_TCP_ &&
			   (p->tcp_flags & (SW_TH_SYN | SW_TH_ACK)) == SW_TH_SYN) {
			/* a new connection on the same ports */
			sw_counter_add(&t->st.tcp_reuse, 1);
			flow_end(t, f, FLOW_END_TCP_CLOSE);
			f = NULL;
		}
	}
	if (f == NULL) {
		if (chain >= FLOW_CHAIN_MAX && last != NULL) {
			/* a full bucket: its oldest flow (new ones go to the head) makes room */
			sw_counter_add(&t->st.chain_evicted, 1);
			flow_end(t, last, FLOW_END_FORCED);
		}
		if ((f = flow_create(t, p, hash)) == NULL)
			return NULL;
		d = memcmp(&f->cli, &p->src, 16) == 0 && f->cport == sp ? FLOW_TO_SERVER
									  : FLOW_TO_CLIENT;
		if (memcmp(&f->cli, &f->srv, 16) == 0 && f->cport == f->sport)
			d = FLOW_TO_SERVER; /* same endpoint both sides: one direction */
	}
	f->pkts[d]++;
	f->bytes[d] += p->wirelen;
	if (p->ts > f->last)
		f->last = p->ts;
	flow_update_state(t, f, p, d);
	if (f->lru != lru_index(f) || f->lru_at != (uint32_t)((uint64_t)f->last >> LRU_SHIFT)) {
		lru_unlink(t, f);
		lru_append(t, f);
	}
	*dir = d;
	return f;
}

void
flow_table_expire(struct flow_table *t, sw_time_t now)
{
	int i;

	for (i = 0; i < LRU_LISTS; i++) {
		struct sw_flow *f, *next;

		/* every flow after a fresh one was placed in its slot or a later one, so was seen
		 * at or after the slot's start: once that start is within the timeout, none is
		 * expired */
		for (f = t->lru[i].head; f != NULL; f = next) {
			next = f->lnext;
			if (flow_expired(t, f, now))
				flow_end(t, f, FLOW_END_TIMEOUT);
			else if (flow_lru_fresh(t, f) &&
				 now - (sw_time_t)((uint64_t)f->last >> LRU_SHIFT << LRU_SHIFT) <=
				     t->lru[i].timeout_us)
				break;
		}
	}
}

void
flow_table_flush(struct flow_table *t, sw_time_t now, enum flow_end_reason reason)
{
	int i;

	flow_table_expire(t, now);
	for (i = 0; i < LRU_LISTS; i++) {
		struct sw_flow *f;

		while ((f = t->lru[i].head) != NULL)
			flow_end(t, f, reason);
	}
}
