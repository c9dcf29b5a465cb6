/* src/defrag/defrag.c: IP fragment reassembly. Datagrams in progress are kept in a hash table
 * (and a list in arrival order, for the timeout); each holds its fragments sorted by offset and
 * free of overlaps, the overlap policy deciding whose bytes stay. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "defrag/defrag.h"

#define NBUCKETS     4096
#define IPV4_MAX_LEN 65535
#define FRAG_OVERHEAD sizeof(struct frag)
#define DEFRAG_HASH_SEED_FIXED 0x64656672ULL /* offline: the seed every earlier version used */
/* Datagrams one bucket may chain; a new one in a full bucket drops the bucket's oldest
 * (counted in dropped), so crafted fragment ids cannot make lookups long scans. */
#define DEFRAG_CHAIN_MAX 16

struct frag {
	struct frag *next;
	uint32_t off, len;
	uint8_t data[];
};

struct dkey {
	struct sw_addr src, dst;
	uint32_t id;
	uint32_t tunnel; /* the packet's tunnel key: the same inner tuple in two tunnels differs */
	uint16_t vlan[SW_VLAN_MAX];
	uint8_t vlan_count, family, proto, pad;
};

struct tracker {
	struct tracker *hnext, *prev, *next; /* bucket chain; arrival list */
	struct dkey key;
	uint64_t hash;
	sw_time_t first_ts;
	struct frag *frags;
	uint32_t nfrags;
	uint32_t total; /* payload length, known once the last fragment came */
	bool has_last;
	/* from the first fragment: everything before the fragmentable part */
	uint8_t *hdr;
	uint32_t hdr_len, l3_off;
	uint32_t frag_hdr_off, nh_off; /* IPv6 */
	uint8_t first_nh;              /* IPv6: the fragment header's next header */
	/* the tunnel layers around the first fragment: their lengths change with the rebuild */
	struct sw_encap encap[SW_ENCAP_MAX];
	uint8_t encap_count;
	int linktype;
	uint32_t source_idx;
	uint64_t mem;
	bool overlap_reported;
};

struct defrag {
	struct defrag_conf conf;
	defrag_event_fn *event_fn;
	void *arg;
	struct tracker *buckets[NBUCKETS];
	struct tracker *oldest, *newest;
	uint32_t ntrackers;
	uint8_t *out;    /* the last reassembled packet */
	size_t out_size;
	struct defrag_stats st;
};

static const char *const policy_names[] = {"first", "last", "bsd", "linux", "windows", NULL};

static const struct conf_key defrag_keys[] = {
	{"defrag.enabled", CONF_BOOL, offsetof(struct defrag_conf, enabled), "yes", 0, 0, NULL},
	{"defrag.timeout", CONF_SECS, offsetof(struct defrag_conf, timeout), "60", 1, 3600, NULL},
	{"defrag.memcap", CONF_SIZE, offsetof(struct defrag_conf, memcap), "32mb", 1 << 16,
	 INT64_MAX, NULL},
	{"defrag.max-frags", CONF_U32, offsetof(struct defrag_conf, max_frags), "256", 2, 65535,
	 NULL},
	{"defrag.max-trackers", CONF_U32, offsetof(struct defrag_conf, max_trackers), "65536", 1,
	 1 << 24, NULL},
	{"defrag.policy", CONF_ENUM, offsetof(struct defrag_conf, policy), "bsd", 0, 0,
	 policy_names},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
defrag_conf_load(struct conf_doc *doc, struct defrag_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->hash_seed = DEFRAG_HASH_SEED_FIXED;
	return conf_apply(doc, defrag_keys, conf);
}

void
defrag_conf_seed_random(struct defrag_conf *conf)
{
	conf->hash_seed = sw_random_seed();
}

const char *
defrag_event_name(int ev)
{
	static const char *const names[DEFRAG_EV_MAX] = {
		[DEFRAG_EV_NONE] = "none",
		[DEFRAG_EV_OVERLAP] = "defrag.overlap",
		[DEFRAG_EV_OVERLAP_DIFF] = "defrag.overlap_different_data",
		[DEFRAG_EV_TOO_LARGE] = "defrag.pkt_too_large",
		[DEFRAG_EV_TINY_FIRST] = "defrag.first_fragment_too_small",
		[DEFRAG_EV_MAX_FRAGS] = "defrag.max_frags_reached",
		[DEFRAG_EV_MEMCAP] = "defrag.memcap",
		[DEFRAG_EV_TIMEOUT] = "defrag.timeout",
		[DEFRAG_EV_INCONSISTENT] = "defrag.inconsistent",
	};

	return ev >= 0 && ev < DEFRAG_EV_MAX ? names[ev] : "unknown";
}

int
defrag_new(const struct defrag_conf *conf, defrag_event_fn *event_fn, void *arg,
	   struct defrag **out)
{
	struct defrag *d;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return SW_E_NOMEM;
	d->conf = *conf;
	d->st.mem.memcap = conf->memcap;
	d->event_fn = event_fn;
	d->arg = arg;
	*out = d;
	return 0;
}

struct defrag_stats *
defrag_get_stats(struct defrag *d)
{
	return &d->st;
}

static void
event(struct defrag *d, const struct sw_packet *p, int ev)
{
	sw_counter_add(&d->st.events[ev], 1);
	if (d->event_fn != NULL)
		d->event_fn(d->arg, p, ev);
}

static void
gauges(struct defrag *d)
{
	atomic_store_explicit(&d->st.trackers, d->ntrackers, memory_order_relaxed);
}

static void
tracker_free(struct defrag *d, struct tracker *t)
{
	struct tracker **pp;

	for (pp = &d->buckets[t->hash % NBUCKETS]; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == t) {
			*pp = t->hnext;
			break;
		}
	}
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		d->oldest = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		d->newest = t->prev;
	while (t->frags != NULL) {
		struct frag *f = t->frags;

		t->frags = f->next;
		free(f);
	}
	free(t->hdr);
	sw_memcap_give(&d->st.mem, t->mem);
	d->ntrackers--;
	free(t);
	gauges(d);
}

void
defrag_free(struct defrag *d)
{
	if (d == NULL)
		return;
	while (d->oldest != NULL)
		tracker_free(d, d->oldest);
	free(d->out);
	free(d);
}

void
defrag_expire(struct defrag *d, sw_time_t now)
{
	sw_time_t limit = (sw_time_t)d->conf.timeout * SW_USEC_PER_SEC;

	while (d->oldest != NULL && now > d->oldest->first_ts &&
	       now - d->oldest->first_ts > limit) {
		sw_counter_add(&d->st.timeouts, 1);
		event(d, NULL, DEFRAG_EV_TIMEOUT);
		tracker_free(d, d->oldest);
	}
}

static bool
charge(struct defrag *d, struct tracker *t, uint64_t n)
{
	if (!sw_memcap_take(&d->st.mem, n))
		return false;
	if (t != NULL)
		t->mem += n;
	return true;
}

static struct tracker *
tracker_find(struct defrag *d, const struct sw_packet *p, bool create)
{
	struct dkey k;
	struct tracker *t, *last = NULL;
	uint32_t chain = 0;
	uint64_t h;

	memset(&k, 0, sizeof(k));
	k.src = p->src;
	k.dst = p->dst;
	k.id = p->frag_id;
	k.tunnel = p->tunnel;
	memcpy(k.vlan, p->vlan, sizeof(k.vlan));
	k.vlan_count = p->vlan_count;
	k.family = p->family;
	k.proto = p->family == 4 ? p->proto : 0; /* IPv6 fragments do not all name the protocol */
	h = sw_hash64(&k, sizeof(k), d->conf.hash_seed);
	for (t = d->buckets[h % NBUCKETS]; t != NULL; t = t->hnext, chain++) {
		if (t->hash == h && memcmp(&t->key, &k, sizeof(k)) == 0)
			return t;
		last = t;
	}
	if (!create)
		return NULL;
	if (chain >= DEFRAG_CHAIN_MAX && last != NULL) {
		/* a full bucket: its oldest datagram (new ones go to the head) goes */
		sw_counter_add(&d->st.dropped, 1);
		tracker_free(d, last);
	}
	if (d->ntrackers >= d->conf.max_trackers) {
		/* a flood of unfinished datagrams: the oldest goes */
		sw_counter_add(&d->st.dropped, 1);
		tracker_free(d, d->oldest);
	}
	if (!charge(d, NULL, sizeof(*t)) || (t = calloc(1, sizeof(*t))) == NULL) {
		event(d, p, DEFRAG_EV_MEMCAP);
		return NULL;
	}
	t->mem = sizeof(*t);
	t->key = k;
	t->hash = h;
	t->first_ts = p->ts;
	t->hnext = d->buckets[h % NBUCKETS];
	d->buckets[h % NBUCKETS] = t;
	t->prev = d->newest;
	if (d->newest != NULL)
		d->newest->next = t;
	else
		d->oldest = t;
	d->newest = t;
	d->ntrackers++;
	gauges(d);
	return t;
}

static bool
new_wins(int policy, uint32_t ns, uint32_t ne, uint32_t os, uint32_t oe)
{
	switch (policy) {
	case DEFRAG_POLICY_LAST:
		return true;
	case DEFRAG_POLICY_BSD:
		return ns < os;
	case DEFRAG_POLICY_LINUX:
		return ns < os || (ns == os && ne > oe);
	case DEFRAG_POLICY_WINDOWS:
		return ns < os && ne >= oe;
	default:
		return false;
	}
}

/* Inserts [off, off + len) into the sorted overlap-free list; false when memory ran out. */
static bool
frags_insert(struct defrag *d, struct tracker *t, const struct sw_packet *p, uint32_t off,
	     const uint8_t *data, uint32_t len)
{
	uint32_t end = off + len, cur = off;
	struct frag **pp = &t->frags, *f;
	bool overlap = false, differ = false;

	while (cur < end) {
		f = *pp;
		if (f != NULL && f->off + f->len <= cur) {
			pp = &f->next;
			continue;
		}
		if (f == NULL || f->off >= end || f->off > cur) {
			uint32_t upto = (f == NULL || f->off >= end) ? end : f->off;
			struct frag *n;

			if (!charge(d, t, FRAG_OVERHEAD + (upto - cur)) ||
			    (n = malloc(sizeof(*n) + (upto - cur))) == NULL) {
				event(d, p, DEFRAG_EV_MEMCAP);
				return false;
			}
			n->off = cur;
			n->len = upto - cur;
			memcpy(n->data, data + (cur - off), n->len);
			n->next = f;
			*pp = n;
			pp = &n->next;
			cur = upto;
			continue;
		}
		{
			uint32_t oend = f->off + f->len;
			uint32_t upto = oend < end ? oend : end;

			overlap = true;
			if (memcmp(f->data + (cur - f->off), data + (cur - off), upto - cur) != 0) {
				differ = true;
				if (new_wins(d->conf.policy, off, end, f->off, oend))
					memcpy(f->data + (cur - f->off), data + (cur - off),
					       upto - cur);
			}
			cur = upto;
			pp = &f->next;
		}
	}
	if (overlap)
		event(d, p, differ ? DEFRAG_EV_OVERLAP_DIFF : DEFRAG_EV_OVERLAP);
	return true;
}

static int
min_transport_header(uint8_t proto)
{
	switch (proto) {
	case 6:
		return 20;
	case 17:
	case 1:
	case 58:
		return 8;
	default:
		return 0;
	}
}

/* Copies what comes before the fragmentable part of the first fragment. */
static bool
keep_first_header(struct defrag *d, struct tracker *t, const struct sw_packet *p)
{
	uint32_t n = p->family == 4 ? p->l4_off : p->frag_hdr_off;

	if (t->hdr != NULL)
		return true;
	if (!charge(d, t, n) || (t->hdr = malloc(n)) == NULL) {
		event(d, p, DEFRAG_EV_MEMCAP);
		return false;
	}
	memcpy(t->hdr, p->data, n);
	t->hdr_len = n;
	t->l3_off = p->l3_off;
	t->frag_hdr_off = p->frag_hdr_off;
	t->nh_off = p->frag_nh_off;
	t->first_nh = p->proto;
	memcpy(t->encap, p->encap, sizeof(t->encap));
	t->encap_count = p->encap_count;
	t->linktype = p->linktype;
	t->source_idx = p->source_idx;
	return true;
}

static uint16_t
ipv4_header_csum(const uint8_t *h, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * The tunnel layers around a rebuilt inner datagram (b, size bytes, the outer headers in the
 * first hdr_len): each outer IP header, and a tunnel's UDP header, now covers up to the end of
 * the rebuilt packet. The UDP checksum is dropped (0, "none" over IPv4), not recomputed.
 */
static void
rebuild_outer(const struct tracker *t, uint8_t *b, size_t size)
{
	uint8_t i;

	for (i = 0; i < t->encap_count; i++) {
		const struct sw_encap *e = &t->encap[i];
		uint8_t *h = b + e->off;
		size_t len;

		if ((size_t)e->off + (e->family == 4 ? 20 : 40) > t->hdr_len)
			continue; /* not reached: outer headers come before the inner one */
		if (e->family == 4) {
			size_t hlen = (size_t)(h[0] & 0x0f) * 4;
			uint16_t c;

			len = size - e->off;
			h[2] = (uint8_t)(len >> 8);
			h[3] = (uint8_t)len;
			h[10] = h[11] = 0;
			if (e->off + hlen <= t->hdr_len) {
				c = ipv4_header_csum(h, hlen);
				h[10] = (uint8_t)(c >> 8);
				h[11] = (uint8_t)c;
			}
		} else {
			len = size - e->off - 40;
			h[4] = (uint8_t)(len >> 8);
			h[5] = (uint8_t)len;
		}
		if (e->proto == 17 && (size_t)e->next_off + 8 <= t->hdr_len) {
			h = b + e->next_off;
			len = size - e->next_off;
			h[4] = (uint8_t)(len >> 8);
			h[5] = (uint8_t)len;
			h[6] = h[7] = 0;
		}
	}
}

/* Whether the fragments cover [0, total) without a hole. */
static bool
complete(const struct tracker *t)
{
	const struct frag *f;
	uint32_t at = 0;

	if (!t->has_last || t->hdr == NULL)
		return false;
	for (f = t->frags; f != NULL; f = f->next) {
		if (f->off > at)
			return false;
		if (f->off + f->len > at)
			at = f->off + f->len;
	}
	return at >= t->total;
}

/* Builds the whole packet in d->out and describes it in *out. */
static int
rebuild(struct defrag *d, struct tracker *t, struct sw_packet *out)
{
	size_t size = t->hdr_len + t->total;
	uint8_t *b, *ip;
	const struct frag *f;

	if (size > d->out_size) {
		uint8_t *nb = realloc(d->out, size);

		if (nb == NULL)
			return 0;
		d->out = nb;
		d->out_size = size;
	}
	b = d->out;
	memcpy(b, t->hdr, t->hdr_len);
	for (f = t->frags; f != NULL; f = f->next) {
		uint32_t len = f->off + f->len > t->total ? t->total - f->off : f->len;

		if (f->off < t->total)
			memcpy(b + t->hdr_len + f->off, f->data, len);
	}
	ip = b + t->l3_off;
	if (t->key.family == 4) {
		size_t hlen = (size_t)(ip[0] & 0x0f) * 4;
		size_t tot = hlen + t->total;

		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[6] = ip[7] = 0; /* flags and offset: 0, as Suricata 7's rebuilt packet */
		ip[10] = ip[11] = 0;
		{
			uint16_t c = ipv4_header_csum(ip, hlen);

			ip[10] = (uint8_t)(c >> 8);
			ip[11] = (uint8_t)c;
		}
	} else {
		size_t plen = t->hdr_len - t->l3_off - 40 + t->total;

		ip[4] = (uint8_t)(plen >> 8);
		ip[5] = (uint8_t)plen;
		b[t->nh_off] = t->first_nh; /* the fragment header is gone */
	}
	rebuild_outer(t, b, size);
	memset(out, 0, sizeof(*out));
	out->data = b;
	out->caplen = out->wirelen = (uint32_t)size;
	out->ts = 0;
	out->linktype = t->linktype;
	out->source_idx = t->source_idx;
	return 1;
}

int
defrag_packet(struct defrag *d, const struct sw_packet *p, struct sw_packet *out)
{
	struct tracker *t;
	const uint8_t *data = p->data + p->payload_off;
	uint32_t len = p->payload_len, off = p->frag_offset;
	uint32_t hlen = p->family == 4 ? p->l4_off - p->l3_off : 0;
	int r;

	sw_counter_add(&d->st.fragments, 1);
	if (p->caplen < p->wirelen) { /* cut by the snap length: cannot be rebuilt */
		sw_counter_add(&d->st.dropped, 1);
		return SW_E_AGAIN;
	}
	if ((uint64_t)off + len + hlen > IPV4_MAX_LEN) {
		event(d, p, DEFRAG_EV_TOO_LARGE);
		sw_counter_add(&d->st.dropped, 1);
		if ((t = tracker_find(d, p, false)) != NULL)
			tracker_free(d, t);
		return SW_E_AGAIN;
	}
	if ((t = tracker_find(d, p, true)) == NULL) {
		sw_counter_add(&d->st.dropped, 1);
		return SW_E_AGAIN;
	}
	if (t->nfrags >= d->conf.max_frags) {
		event(d, p, DEFRAG_EV_MAX_FRAGS);
		sw_counter_add(&d->st.dropped, 1);
		tracker_free(d, t);
		return SW_E_AGAIN;
	}
	t->nfrags++;
	if (!p->frag_more) {
		if (t->has_last && t->total != off + len)
			event(d, p, DEFRAG_EV_INCONSISTENT);
		if (!t->has_last) {
			t->has_last = true;
			t->total = off + len;
		}
	} else if (t->has_last && off + len > t->total) {
		event(d, p, DEFRAG_EV_INCONSISTENT);
	}
	if (off == 0) {
		if (len < (uint32_t)min_transport_header(p->proto))
			event(d, p, DEFRAG_EV_TINY_FIRST);
		if (!keep_first_header(d, t, p)) {
			tracker_free(d, t);
			return SW_E_AGAIN;
		}
	}
	if (!frags_insert(d, t, p, off, data, len)) {
		sw_counter_add(&d->st.dropped, 1);
		tracker_free(d, t);
		return SW_E_AGAIN;
	}
	gauges(d);
	if (!complete(t))
		return SW_E_AGAIN;
	r = rebuild(d, t, out);
	out->ts = p->ts; /* the datagram is complete when its last fragment arrives */
	tracker_free(d, t);
	if (!r)
		return SW_E_NOMEM;
	sw_counter_add(&d->st.reassembled, 1);
	return 0;
}
