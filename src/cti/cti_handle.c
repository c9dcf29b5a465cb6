/* src/cti/cti_handle.c: hot reload of the indicator store (DESIGN.md "Threads"): the current
 * store behind an atomic pointer, replaced stores freed through core's quiescent-state-based
 * reclamation (sw_qsbr) once every worker has passed a quiescent point after the swap. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cti/cti_int.h"

struct cti_reader {
	struct sw_qsbr_reader *q;
	struct cti_handle *h;
	struct sw_memcap mem;     /* per-flow state of this reader's worker */
	struct cti_retro *retro;  /* its retro-hunt window; NULL when none */
	struct cti_reader *rnext; /* the handle's readers with a window */
};

struct cti_handle {
	_Atomic(struct cti_store *) cur;
	pthread_mutex_t reload_lock; /* one reload at a time */
	struct sw_qsbr *qsbr;
	uint64_t version;
	/* with an intel topic (cti_handle_publish_topic) cur is a view of these three */
	bool topic;
	struct cti_store *files, *tover, *tbase;
	uint64_t tcount[CTI_T_MAX];
	/* retro-hunt: the readers with a window, and where their alerts go */
	pthread_mutex_t rlock;
	struct cti_reader *retro_readers;
	cti_retro_fn *retro_fn;
	void *retro_arg;
};

static void
store_free(void *s)
{
	cti_store_free(s);
}

int
cti_handle_new(struct cti_handle **out)
{
	struct cti_handle *h;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return SW_E_NOMEM;
	if (sw_qsbr_new(&h->qsbr) != 0) {
		free(h);
		return SW_E_NOMEM;
	}
	atomic_init(&h->cur, NULL);
	pthread_mutex_init(&h->reload_lock, NULL);
	pthread_mutex_init(&h->rlock, NULL);
	*out = h;
	return 0;
}

void
cti_handle_free(struct cti_handle *h)
{
	if (h == NULL)
		return;
	sw_qsbr_free(h->qsbr);
	cti_store_free(atomic_load(&h->cur));
	if (h->topic) {
		cti_store_free(h->files);
		cti_store_free(h->tover);
		cti_store_free(h->tbase);
	}
	pthread_mutex_destroy(&h->reload_lock);
	pthread_mutex_destroy(&h->rlock);
	free(h);
}

size_t
cti_handle_reclaim(struct cti_handle *h)
{
	return sw_qsbr_reclaim(h->qsbr);
}

size_t
cti_handle_pending(struct cti_handle *h)
{
	return sw_qsbr_pending(h->qsbr);
}

int
cti_handle_synchronize(struct cti_handle *h, unsigned timeout_ms)
{
	return sw_qsbr_synchronize(h->qsbr, timeout_ms);
}

/* Hands s to the reclaimer (NULL-safe). */
static void
handle_retire(struct cti_handle *h, struct cti_store *s)
{
	if (s != NULL && sw_qsbr_retire(h->qsbr, s, store_free) != 0) {
		/* cannot retire it safely: leak it rather than free it under a reader */
		sw_err("cti: no memory to retire indicator set version %llu; it stays allocated",
		       (unsigned long long)cti_store_version(s));
	}
}

/* With reload_lock held: publishes a view of files, over and base as the next version and
 * retires the previous view and the parts it had that are replaced. */
static int
handle_publish_view(struct cti_handle *h, struct cti_store *files, struct cti_store *over,
                    struct cti_store *base)
{
	struct cti_store *view, *old;
	int r;

	if ((r = cti_store_view(files, over, base, h->tcount, h->version + 1, &view)) != 0)
		return r;
	h->version++;
	old = atomic_load_explicit(&h->cur, memory_order_acquire);
	atomic_store_explicit(&h->cur, view, memory_order_seq_cst);
	if (h->topic) {
		handle_retire(h, old);
		if (h->files != files)
			handle_retire(h, h->files);
		if (h->tover != over)
			handle_retire(h, h->tover);
		if (h->tbase != base)
			handle_retire(h, h->tbase);
	} else if (old != files) {
		handle_retire(h, old); /* the first view: the plain store it replaces stays a part */
	}
	h->topic = true;
	h->files = files;
	h->tover = over;
	h->tbase = base;
	(void)sw_qsbr_reclaim(h->qsbr);
	return 0;
}

int
cti_handle_publish_topic(struct cti_handle *h, struct cti_store *over, struct cti_store *base,
                         const uint64_t count[CTI_T_MAX], uint64_t *version)
{
	int r;

	pthread_mutex_lock(&h->reload_lock);
	memcpy(h->tcount, count, sizeof(h->tcount));
	r = handle_publish_view(h, h->topic ? h->files : atomic_load(&h->cur), over, base);
	*version = h->version;
	pthread_mutex_unlock(&h->reload_lock);
	return r;
}

int
cti_handle_reload(struct cti_handle *h, const struct cti_conf *conf, sw_time_t now)
{
	struct cti_store *next = NULL, *old, *fresh = NULL;
	uint64_t version = 0;
	int r;

	pthread_mutex_lock(&h->reload_lock);
	/* only reloads (serialized here) replace or free cur: reading it plainly is safe */
	old = atomic_load_explicit(&h->cur, memory_order_acquire);
	if (h->topic)
		old = h->files;
	if ((r = cti_store_build(conf, old, now, h->version + 1, &next)) != 0) {
		sw_err("cti: reload failed (%s): keeping version %llu", sw_strerror(r),
		       (unsigned long long)h->version);
		goto out;
	}
	/* the indicators this reload adds, for the retro-hunt (none at the first load) */
	if (h->retro_readers != NULL && old != NULL && cti_store_diff(next, old, &fresh) != 0)
		sw_err("cti: no memory to find the new indicators: no retro-hunt for this reload");
	version = h->version + 1;
	if (h->topic) {
		if ((r = handle_publish_view(h, next, h->tover, h->tbase)) != 0) {
			cti_store_free(next);
			goto out;
		}
		cti_store_log_summary(next);
		r = 0;
		goto out;
	}
	h->version++;
	atomic_store_explicit(&h->cur, next, memory_order_seq_cst);
	handle_retire(h, old);
	cti_store_log_summary(next);
	(void)sw_qsbr_reclaim(h->qsbr);
	r = 0;
out:
	pthread_mutex_unlock(&h->reload_lock);
	if (r == 0)
		cti_handle_retro_scan(h, fresh, version);
	cti_store_free(fresh);
	return r;
}

uint64_t
cti_handle_version(struct cti_handle *h)
{
	return cti_store_version(atomic_load_explicit(&h->cur, memory_order_acquire));
}

const struct cti_store *
cti_handle_current(struct cti_handle *h)
{
	return atomic_load_explicit(&h->cur, memory_order_acquire);
}

void
cti_handle_figures(struct cti_handle *h, struct cti_figures *out)
{
	const struct cti_store *s;

	pthread_mutex_lock(&h->reload_lock);
	s = atomic_load_explicit(&h->cur, memory_order_acquire);
	out->version = cti_store_version(s);
	out->indicators = cti_store_count(s, -1);
	out->bytes = cti_store_bytes(s);
	out->failed_feeds = cti_store_failed_feeds(s);
	pthread_mutex_unlock(&h->reload_lock);
}

/* ---- retro-hunt ------------------------------------------------------------------------- */

void
cti_handle_set_retro(struct cti_handle *h, cti_retro_fn *fn, void *arg)
{
	h->retro_fn = fn;
	h->retro_arg = arg;
}

void
cti_handle_retro_scan(struct cti_handle *h, const struct cti_store *fresh, uint64_t version)
{
	struct cti_retro *wins[256];
	size_t n = 0;

	if (fresh == NULL || h->retro_readers == NULL || h->retro_fn == NULL ||
	    cti_store_count(fresh, -1) == 0)
		return;
	/* every worker has passed a quiescent point since the set was published: whatever it
	 * records from now on was matched against the new indicators already */
	if (sw_qsbr_synchronize(h->qsbr, 5000) != 0)
		sw_warn("cti: retro-hunt: a worker did not pass a quiescent point in 5 s");
	pthread_mutex_lock(&h->rlock);
	for (struct cti_reader *r = h->retro_readers; r != NULL && n < 256; r = r->rnext)
		wins[n++] = r->retro;
	cti_retro_scan(wins, n, fresh, version, sw_time_now(), h->retro_fn, h->retro_arg);
	pthread_mutex_unlock(&h->rlock);
}

void
cti_handle_retro_stats(struct cti_handle *h, struct cti_retro_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&h->rlock);
	for (struct cti_reader *r = h->retro_readers; r != NULL; r = r->rnext) {
		struct cti_retro_stats st;

		cti_retro_get_stats(r->retro, &st);
		out->observations += st.observations;
		out->records += st.records;
		out->bytes += st.bytes;
		out->memuse += st.memuse;
		out->expired += st.expired;
		out->evicted += st.evicted;
		out->refused += st.refused;
		out->deduped += st.deduped;
		out->scans += st.scans;
		out->hits += st.hits;
		out->pairs += st.pairs;
		out->forgotten += st.forgotten;
	}
	pthread_mutex_unlock(&h->rlock);
}

int
cti_reader_retro(struct cti_reader *r, uint32_t minutes, uint64_t memcap)
{
	int rr;

	if (minutes == 0 || r->retro != NULL)
		return 0;
	if ((rr = cti_retro_new((sw_time_t)minutes * 60 * SW_USEC_PER_SEC, memcap, &r->retro)) != 0)
		return rr;
	pthread_mutex_lock(&r->h->rlock);
	r->rnext = r->h->retro_readers;
	r->h->retro_readers = r;
	pthread_mutex_unlock(&r->h->rlock);
	return 0;
}

bool
cti_handle_retro_on(struct cti_handle *h)
{
	bool on;

	pthread_mutex_lock(&h->rlock);
	on = h->retro_readers != NULL && h->retro_fn != NULL;
	pthread_mutex_unlock(&h->rlock);
	return on;
}

struct cti_retro *
cti_reader_window(struct cti_reader *r)
{
	return r->retro;
}

/* ---- readers ----------------------------------------------------------------------------- */

int
cti_reader_new(struct cti_handle *h, struct cti_reader **out)
{
	struct cti_reader *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return SW_E_NOMEM;
	if (sw_qsbr_reader_new(h->qsbr, &r->q) != 0) {
		free(r);
		return SW_E_NOMEM;
	}
	r->h = h;
	*out = r;
	return 0;
}

void
cti_reader_free(struct cti_reader *r)
{
	if (r == NULL)
		return;
	if (r->retro != NULL) {
		pthread_mutex_lock(&r->h->rlock);
		for (struct cti_reader **pp = &r->h->retro_readers; *pp != NULL; pp = &(*pp)->rnext) {
			if (*pp == r) {
				*pp = r->rnext;
				break;
			}
		}
		pthread_mutex_unlock(&r->h->rlock);
		cti_retro_free(r->retro);
	}
	sw_qsbr_reader_free(r->q);
	free(r);
}

const struct cti_store *
cti_reader_store(struct cti_reader *r)
{
	return atomic_load_explicit(&r->h->cur, memory_order_acquire);
}

void
cti_reader_quiescent(struct cti_reader *r)
{
	sw_qsbr_quiescent(r->q);
}

void
cti_reader_offline(struct cti_reader *r)
{
	sw_qsbr_offline(r->q);
}

void
cti_reader_online(struct cti_reader *r)
{
	sw_qsbr_online(r->q);
}

struct sw_memcap *
cti_reader_mem(struct cti_reader *r)
{
	return &r->mem;
}
