/* src/cti/cti_retro.c: the retro-hunt window of issue 17. Each worker appends what it matched
 * against the indicators (flow addresses and every app observable cti_flow.c checks) to a
 * byte ring of variable-length records: the flow's tuple and id, the packet time, the field,
 * the value and the indicator set version it was matched against; repeats within a flow are
 * dropped. Records older than cti.retro.minutes (packet time) or past the window's share of
 * cti.retro.memcap fall out, counted. When indicators are added, the thread that added them
 * (the topic's consumer, the reload thread) matches only the new ones against every window, under
 * the window's lock, off the packet path, RETRO_SLICE records per hold of the lock (a worker
 * waits for a slice, never for a whole window); each hit is a retro alert. Every observation still in
 * the window is matched by each new batch, also one that alerted before for another indicator;
 * the (flow, indicator) pairs alerted, live or retro, are remembered while their observation is
 * in the window, so no pair alerts twice. */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "cti/cti_int.h"

#define RETRO_PAD     0xff /* filler up to the end of the ring */
#define RETRO_ADDRS   CTI_RETRO_ADDRS /* the flow's two addresses */
#define RETRO_CAP0    (64 * 1024)
#define RETRO_WHERE   255
#define RETRO_SLICE   256 /* records a scan matches per hold of the window's lock */

struct retro_rec {
	uint32_t size; /* the whole record, a multiple of 8 */
	uint8_t type;  /* enum app_obs_type, RETRO_ADDRS or RETRO_PAD */
	uint8_t family, proto, dir;
	uint8_t where, flags;
	uint16_t len; /* of the value */
	uint16_t cport, sport;
	uint16_t source_idx;
	uint16_t obs_family; /* APP_OBS_IP: the value's family */
	uint32_t version;    /* indicator set version it was matched against */
	sw_time_t ts;
	uint64_t flow_id;
	uint64_t seq; /* 0, 1, ... in the window (not for pads): where a sliced scan resumes */
	/* then the addresses (2 x 4 or 2 x 16 octets), then the value */
};

struct retro_pair {
	uint64_t key;
	sw_time_t ts;
};

struct cti_retro {
	pthread_mutex_t lock;
	uint8_t *buf;
	size_t cap, head, tail, used; /* records from head, wrapping once at cap */
	size_t max;                   /* the memcap share */
	sw_time_t window, latest;
	uint64_t next_seq; /* the seq the next record gets */
	uint64_t low_seq;  /* the seq of the oldest record kept (next_seq when none) */
	uint64_t gen;      /* bumped when the ring is rebuilt: offsets held by a scan are stale */
	const char *where[RETRO_WHERE];
	unsigned nwhere;
	struct sw_memcap mem;
	/* the (flow, indicator) pairs alerted (live or retro) while their observation is in the
	 * window: an open-addressing set, keys never 0, ts the newest observation of the pair */
	struct retro_pair *pairs;
	uint32_t npairs, cappairs;
	size_t maxpairs; /* its share of the memcap (bytes) */
	struct cti_retro_stats st;
};

static size_t
rec_size(uint8_t family, size_t len)
{
	return (sizeof(struct retro_rec) + (family == 6 ? 32u : 8u) + len + 7) & ~(size_t)7;
}

int
cti_retro_new(sw_time_t window, uint64_t memcap, struct cti_retro **out)
{
	struct cti_retro *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (w == NULL)
		return SW_E_NOMEM;
	pthread_mutex_init(&w->lock, NULL);
	w->window = window;
	w->max = memcap < RETRO_CAP0 ? RETRO_CAP0 : (size_t)memcap;
	w->mem.memcap = w->max;
	/* a sixteenth of the share for the alerted pairs, the rest for the ring */
	w->maxpairs = w->max / 16;
	w->max -= w->maxpairs;
	*out = w;
	return 0;
}

void
cti_retro_free(struct cti_retro *w)
{
	if (w == NULL)
		return;
	sw_memcap_give(&w->mem, w->cap + (size_t)w->cappairs * sizeof(*w->pairs));
	free(w->buf);
	free(w->pairs);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static struct retro_rec *
rec_at(struct cti_retro *w, size_t off)
{
	return (struct retro_rec *)(void *)(w->buf + off);
}

/* Drops the oldest record (and a pad after it). */
static void
retro_pop(struct cti_retro *w)
{
	struct retro_rec *r = rec_at(w, w->head);

	w->used -= r->size;
	w->head += r->size;
	if (r->type != RETRO_PAD) {
		w->st.records--;
		w->low_seq = r->seq + 1;
	}
	if (w->head == w->cap)
		w->head = 0;
	if (w->used == 0)
		w->head = w->tail = 0;
}

/* Doubles the ring, records made contiguous from 0; false when the memcap refuses. */
static bool
retro_grow(struct cti_retro *w)
{
	size_t ncap = w->cap ? w->cap * 2 : RETRO_CAP0, off = w->head, n = 0, left = w->used;
	uint8_t *nb;

	if (ncap > w->max)
		ncap = w->max & ~(size_t)7;
	if (ncap <= w->cap || !sw_memcap_take(&w->mem, ncap - w->cap))
		return false;
	if ((nb = malloc(ncap)) == NULL) {
		sw_memcap_give(&w->mem, ncap - w->cap);
		return false;
	}
	while (left > 0) {
		struct retro_rec *r = rec_at(w, off);

		if (r->type != RETRO_PAD) {
			memcpy(nb + n, r, r->size);
			n += r->size;
		}
		left -= r->size;
		off += r->size;
		if (off == w->cap)
			off = 0;
	}
	free(w->buf);
	w->buf = nb;
	w->gen++;
	w->cap = ncap;
	w->head = 0;
	w->tail = n == ncap ? 0 : n;
	w->used = n;
	return true;
}

/* Room for size contiguous bytes at tail (a pad fills the end when it must wrap). */
static struct retro_rec *
retro_reserve(struct cti_retro *w, size_t size)
{
	for (;;) {
		size_t free_end, free_all = w->cap - w->used;

		if (w->cap > 0) {
			/* contiguous room at tail: up to the end, or up to head when wrapped */
			if (w->used == 0)
				free_end = w->cap;
			else if (w->tail > w->head || (w->tail == w->head && w->used == 0))
				free_end = w->cap - w->tail;
			else
				free_end = w->head - w->tail;
			if (free_end >= size)
				return rec_at(w, w->tail);
			if (w->tail > w->head && w->cap - w->tail < size && w->head >= size) {
				struct retro_rec *pad = rec_at(w, w->tail);

				pad->size = (uint32_t)(w->cap - w->tail);
				pad->type = RETRO_PAD;
				w->used += pad->size;
				w->tail = 0;
				continue;
			}
		}
		(void)free_all;
		if (retro_grow(w))
			continue;
		if (w->used == 0)
			return NULL; /* a record larger than the whole window */
		retro_pop(w);
		w->st.evicted++;
	}
}

void
cti_retro_note(struct cti_retro *w, const struct sw_flow *f, sw_time_t ts, uint64_t version,
               int type, const char *where, enum flow_dir dir, const void *value, size_t len,
               uint8_t obs_family)
{
	struct retro_rec *r;
	size_t size, alen = f->family == 6 ? 16 : 4;
	unsigned wi;

	if (len > UINT16_MAX)
		return;
	size = rec_size(f->family, len);
	pthread_mutex_lock(&w->lock);
	if (ts > w->latest)
		w->latest = ts;
	/* what fell out of the window (packet time) */
	while (w->used > 0) {
		struct retro_rec *h = rec_at(w, w->head);

		if (h->type != RETRO_PAD && h->ts + w->window >= w->latest)
			break;
		if (h->type != RETRO_PAD)
			w->st.expired++;
		retro_pop(w);
	}
	for (wi = 0; wi < w->nwhere && w->where[wi] != where; wi++)
		;
	if (wi == w->nwhere && w->nwhere < RETRO_WHERE)
		w->where[w->nwhere++] = where;
	if (wi == RETRO_WHERE || (r = retro_reserve(w, size)) == NULL) {
		w->st.refused++;
		pthread_mutex_unlock(&w->lock);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->size = (uint32_t)size;
	r->type = (uint8_t)type;
	r->family = f->family;
	r->proto = f->proto;
	r->dir = (uint8_t)dir;
	r->where = (uint8_t)wi;
	r->len = (uint16_t)len;
	r->cport = f->cport;
	r->sport = f->sport;
	r->source_idx = f->source_idx > UINT16_MAX ? UINT16_MAX : (uint16_t)f->source_idx;
	r->obs_family = obs_family;
	r->version = (uint32_t)version;
	r->ts = ts;
	r->flow_id = f->flow_id;
	r->seq = w->next_seq++;
	memcpy((uint8_t *)(r + 1), f->cli.b, alen);
	memcpy((uint8_t *)(r + 1) + alen, f->srv.b, alen);
	if (len > 0)
		memcpy((uint8_t *)(r + 1) + 2 * alen, value, len);
	w->used += size;
	w->tail += size;
	if (w->tail == w->cap)
		w->tail = 0;
	w->st.records++;
	w->st.observations++;
	pthread_mutex_unlock(&w->lock);
}

/* ---- alerted pairs ---------------------------------------------------------------------- */

static void
pair_put(struct retro_pair *t, uint32_t cap, uint64_t key, sw_time_t ts)
{
	uint32_t i;

	for (i = (uint32_t)key & (cap - 1); t[i].key != 0 && t[i].key != key; i = (i + 1) & (cap - 1))
		;
	if (t[i].key == 0 || t[i].ts < ts)
		t[i].ts = ts;
	t[i].key = key;
}

/* Rebuilds the set into cap slots, without the pairs whose observation left the window. */
static bool
pair_rebuild(struct cti_retro *w, uint32_t cap)
{
	struct retro_pair *nt;
	size_t oldb = (size_t)w->cappairs * sizeof(*nt), newb = (size_t)cap * sizeof(*nt);

	if (newb > oldb && (newb > w->maxpairs || !sw_memcap_take(&w->mem, newb - oldb)))
		return false;
	if ((nt = calloc(cap, sizeof(*nt))) == NULL) {
		if (newb > oldb)
			sw_memcap_give(&w->mem, newb - oldb);
		return false;
	}
	w->npairs = 0;
	for (uint32_t i = 0; i < w->cappairs; i++) {
		if (w->pairs[i].key == 0 || w->pairs[i].ts + w->window < w->latest)
			continue;
		pair_put(nt, cap, w->pairs[i].key, w->pairs[i].ts);
		w->npairs++;
	}
	if (newb < oldb)
		sw_memcap_give(&w->mem, oldb - newb);
	free(w->pairs);
	w->pairs = nt;
	w->cappairs = cap;
	return true;
}

/* Adds the pair key (observed at ts); false when it was there already. Under w->lock. When the
 * memcap refuses room it is not remembered (counted): a duplicate beats a lost alert. */
static bool
pair_add(struct cti_retro *w, uint64_t key, sw_time_t ts)
{
	uint32_t i;

	key |= 1;
	if (w->cappairs > 0) {
		for (i = (uint32_t)key & (w->cappairs - 1); w->pairs[i].key != 0;
		     i = (i + 1) & (w->cappairs - 1)) {
			if (w->pairs[i].key == key) {
				if (w->pairs[i].ts < ts)
					w->pairs[i].ts = ts;
				return false;
			}
		}
	}
	if ((w->npairs + 1) * 2 > w->cappairs) {
		/* drop what left the window; grow when that is not enough */
		if (w->cappairs > 0)
			pair_rebuild(w, w->cappairs);
		if ((w->npairs + 1) * 2 > w->cappairs &&
		    !pair_rebuild(w, w->cappairs ? w->cappairs * 2 : 256)) {
			w->st.forgotten++;
			return true;
		}
	}
	pair_put(w->pairs, w->cappairs, key, ts);
	w->npairs++;
	return true;
}

static uint64_t
pair_key(uint64_t flow_id, const struct cti_hit *hit)
{
	return sw_hash64(hit->indicator, strlen(hit->indicator), flow_id * 31 + (uint64_t)hit->type);
}

void
cti_retro_live_hit(struct cti_retro *w, const struct sw_flow *f, sw_time_t ts,
                   const struct cti_hit *hit)
{
	pthread_mutex_lock(&w->lock);
	if (ts > w->latest)
		w->latest = ts;
	pair_add(w, pair_key(f->flow_id, hit), ts);
	pthread_mutex_unlock(&w->lock);
}

/* ---- scanning ---------------------------------------------------------------------------- */

struct retro_scan {
	const struct cti_store *fresh;
	uint64_t version;
	sw_time_t detected;
	sw_time_t latest; /* the newest packet time of all windows: the window ends there */
	cti_retro_fn *fn;
	void *arg;
	void (*between)(void *arg); /* called between slices, the lock free (tests) */
	void *between_arg;
};

static void
scan_hit(struct cti_retro *w, struct retro_scan *sc, struct retro_rec *r, const struct sw_flow *f,
         const struct cti_hit *hit, const char *where)
{
	struct cti_retro_alert a;

	/* none twice: not a pair alerted live or by an earlier scan */
	if (!pair_add(w, pair_key(r->flow_id, hit), r->ts))
		return;
	w->st.hits++;
	a.f = f;
	a.observed = r->ts;
	a.detected = sc->detected;
	a.dir = (enum flow_dir)r->dir;
	a.hit = hit;
	a.matched_on = where;
	sc->fn(sc->arg, &a);
}

/* The records from seq on, at most RETRO_SLICE of them, up to end (exclusive); *off is where
 * seq is when *gen is still the window's. Under w->lock. Returns the next seq. */
static uint64_t
scan_slice(struct cti_retro *w, struct retro_scan *sc, uint64_t seq, uint64_t end, size_t *off,
	   uint64_t *gen)
{
	unsigned n = 0;

	if (seq < w->low_seq || *gen != w->gen) {
		/* records were dropped, or the ring rebuilt, while the lock was free: find seq
		 * again from the oldest record (a rebuild keeps the order) */
		if (seq < w->low_seq)
			seq = w->low_seq;
		*off = w->head;
		for (size_t left = w->used; left > 0;) {
			struct retro_rec *r = rec_at(w, *off);

			if (r->type != RETRO_PAD && r->seq >= seq)
				break;
			left -= r->size;
			*off += r->size;
			if (*off == w->cap)
				*off = 0;
		}
		*gen = w->gen;
	}
	if (end > w->next_seq)
		end = w->next_seq;
	while (seq < end && n < RETRO_SLICE) {
		struct retro_rec *r = rec_at(w, *off);
		size_t alen = r->family == 6 ? 16 : 4;
		const uint8_t *addrs = (const uint8_t *)(r + 1);
		struct sw_flow f;
		struct cti_hit hit;

		*off += r->size;
		if (*off == w->cap)
			*off = 0;
		if (r->type == RETRO_PAD)
			continue;
		seq = r->seq + 1;
		n++;
		/* gone from the window, or matched live against this set (an observation that
		 * alerted for an older indicator is matched again: the new ones may hit too) */
		if (r->ts + w->window < sc->latest || r->version >= sc->version)
			continue;
		memset(&f, 0, sizeof(f));
		f.family = r->family;
		f.proto = r->proto;
		f.cport = r->cport;
		f.sport = r->sport;
		memcpy(f.cli.b, addrs, alen);
		memcpy(f.srv.b, addrs + alen, alen);
		f.flow_id = r->flow_id;
		f.start = f.last = r->ts;
		f.source_idx = r->source_idx == UINT16_MAX ? UINT32_MAX : r->source_idx;
		if (r->type == RETRO_ADDRS) {
			if (cti_store_match_ip(sc->fresh, f.family, f.cli.b, r->ts, &hit) != NULL)
				scan_hit(w, sc, r, &f, &hit, "flow.src_ip");
			if (cti_store_match_ip(sc->fresh, f.family, f.srv.b, r->ts, &hit) != NULL)
				scan_hit(w, sc, r, &f, &hit, "flow.dest_ip");
		} else {
			struct app_observable o;

			memset(&o, 0, sizeof(o));
			o.type = (enum app_obs_type)r->type;
			o.where = w->where[r->where];
			o.dir = (enum flow_dir)r->dir;
			o.value = addrs + 2 * alen;
			o.len = r->len;
			o.family = (uint8_t)r->obs_family;
			if (cti_store_match_observable(sc->fresh, &o, r->ts, &hit) != NULL)
				scan_hit(w, sc, r, &f, &hit, o.where);
		}
	}
	return seq;
}

/* Every record the window had when the scan began, a slice per hold of the lock: what a
 * worker adds meanwhile was matched against the new set already (the caller waited for every
 * worker to pass a quiescent point). */
static void
scan_window(struct cti_retro *w, struct retro_scan *sc)
{
	uint64_t seq, end, gen;
	size_t off;

	pthread_mutex_lock(&w->lock);
	w->st.scans++;
	seq = w->low_seq;
	end = w->next_seq;
	off = w->head;
	gen = w->gen;
	for (;;) {
		seq = scan_slice(w, sc, seq, end, &off, &gen);
		if (seq >= end || seq >= w->next_seq)
			break;
		pthread_mutex_unlock(&w->lock);
		if (sc->between != NULL)
			sc->between(sc->between_arg);
		else
			sched_yield();
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
}

void
cti_retro_scan(struct cti_retro *const *wins, size_t n, const struct cti_store *fresh,
               uint64_t version, sw_time_t detected, cti_retro_fn *fn, void *arg)
{
	cti_retro_scan_between(wins, n, fresh, version, detected, fn, arg, NULL, NULL);
}

void
cti_retro_scan_between(struct cti_retro *const *wins, size_t n, const struct cti_store *fresh,
                       uint64_t version, sw_time_t detected, cti_retro_fn *fn, void *arg,
                       void (*between)(void *), void *between_arg)
{
	struct retro_scan sc;

	if (fresh == NULL || cti_store_count(fresh, -1) == 0 || fn == NULL)
		return;
	memset(&sc, 0, sizeof(sc));
	sc.fresh = fresh;
	sc.version = version;
	sc.detected = detected;
	sc.fn = fn;
	sc.arg = arg;
	sc.between = between;
	sc.between_arg = between_arg;
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&wins[i]->lock);
		if (wins[i]->latest > sc.latest)
			sc.latest = wins[i]->latest;
		pthread_mutex_unlock(&wins[i]->lock);
	}
	for (size_t i = 0; i < n; i++)
		scan_window(wins[i], &sc);
}

void
cti_retro_count_dedup(struct cti_retro *w)
{
	pthread_mutex_lock(&w->lock);
	w->st.deduped++;
	pthread_mutex_unlock(&w->lock);
}

void
cti_retro_get_stats(struct cti_retro *w, struct cti_retro_stats *out)
{
	pthread_mutex_lock(&w->lock);
	*out = w->st;
	out->bytes = w->used;
	out->memuse = w->cap + (size_t)w->cappairs * sizeof(*w->pairs);
	out->pairs = w->npairs;
	pthread_mutex_unlock(&w->lock);
}
