/* src/cti/cti_handle.c: hot reload of the indicator store (DESIGN.md "Threads"): the current
 * store behind an atomic pointer, quiescent-state-based reclamation (QSBR, as in liburcu's
 * urcu-qsbr) so workers never wait and an old store is freed once every reader has passed a
 * quiescent point after the swap. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cti/cti_int.h"

#define CTI_OFFLINE UINT64_MAX

struct cti_reader {
	_Atomic uint64_t seen; /* the epoch at its last quiescent point; CTI_OFFLINE when idle */
	struct cti_handle *h;
	struct sw_memcap mem; /* per-flow state of this reader's worker */
};

struct cti_retired {
	struct cti_store *s;
	uint64_t epoch; /* free once every reader has seen this epoch */
};

struct cti_handle {
	_Atomic(struct cti_store *) cur;
	_Atomic uint64_t epoch;
	pthread_mutex_t reload_lock; /* one reload at a time */
	pthread_mutex_t lock;        /* readers and retired */
	struct cti_reader **readers;
	size_t nreaders, capreaders;
	struct cti_retired *retired;
	size_t nretired, capretired;
	uint64_t version;
};

int
cti_handle_new(struct cti_handle **out)
{
	struct cti_handle *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return SW_E_NOMEM;
	atomic_init(&h->cur, NULL);
	atomic_init(&h->epoch, 1);
	pthread_mutex_init(&h->reload_lock, NULL);
	pthread_mutex_init(&h->lock, NULL);
	*out = h;
	return 0;
}

void
cti_handle_free(struct cti_handle *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->nretired; i++)
		cti_store_free(h->retired[i].s);
	free(h->retired);
	cti_store_free(atomic_load(&h->cur));
	for (size_t i = 0; i < h->nreaders; i++)
		h->readers[i]->h = NULL; /* a reader freed later only frees itself */
	free(h->readers);
	pthread_mutex_destroy(&h->reload_lock);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

size_t
cti_handle_reclaim(struct cti_handle *h)
{
	uint64_t min = CTI_OFFLINE;
	size_t keep = 0, left;

	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < h->nreaders; i++) {
		uint64_t e = atomic_load_explicit(&h->readers[i]->seen, memory_order_acquire);

		if (e < min)
			min = e;
	}
	for (size_t i = 0; i < h->nretired; i++) {
		if (h->retired[i].epoch <= min)
			cti_store_free(h->retired[i].s);
		else
			h->retired[keep++] = h->retired[i];
	}
	h->nretired = keep;
	left = keep;
	pthread_mutex_unlock(&h->lock);
	return left;
}

int
cti_handle_synchronize(struct cti_handle *h, unsigned timeout_ms)
{
	struct timespec ts = {0, 1000000};

	for (unsigned waited = 0;; waited++) {
		if (cti_handle_reclaim(h) == 0)
			return 0;
		if (waited >= timeout_ms)
			return SW_E_AGAIN;
		nanosleep(&ts, NULL);
	}
}

int
cti_handle_reload(struct cti_handle *h, const struct cti_conf *conf, sw_time_t now)
{
	struct cti_store *next = NULL, *old;
	uint64_t epoch;
	int r;

	pthread_mutex_lock(&h->reload_lock);
	/* only reloads (serialized here) replace or free cur: reading it plainly is safe */
	old = atomic_load_explicit(&h->cur, memory_order_acquire);
	if ((r = cti_store_build(conf, old, now, h->version + 1, &next)) != 0) {
		sw_err("cti: reload failed (%s): keeping version %llu", sw_strerror(r),
		       (unsigned long long)h->version);
		goto out;
	}
	pthread_mutex_lock(&h->lock);
	if (old != NULL && h->nretired == h->capretired) {
		size_t cap = h->capretired ? h->capretired * 2 : 4;
		struct cti_retired *nr = realloc(h->retired, cap * sizeof(*nr));

		if (nr == NULL) {
			pthread_mutex_unlock(&h->lock);
			cti_store_free(next);
			r = SW_E_NOMEM;
			goto out;
		}
		h->retired = nr;
		h->capretired = cap;
	}
	h->version++;
	atomic_store_explicit(&h->cur, next, memory_order_seq_cst);
	epoch = atomic_fetch_add_explicit(&h->epoch, 1, memory_order_seq_cst) + 1;
	if (old != NULL)
		h->retired[h->nretired++] = (struct cti_retired){old, epoch};
	pthread_mutex_unlock(&h->lock);
	cti_store_log_summary(next);
	(void)cti_handle_reclaim(h);
	r = 0;
out:
	pthread_mutex_unlock(&h->reload_lock);
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

/* ---- readers ----------------------------------------------------------------------------- */

int
cti_reader_new(struct cti_handle *h, struct cti_reader **out)
{
	struct cti_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return SW_E_NOMEM;
	r->h = h;
	atomic_init(&r->seen, CTI_OFFLINE);
	pthread_mutex_lock(&h->lock);
	if (h->nreaders == h->capreaders) {
		size_t cap = h->capreaders ? h->capreaders * 2 : 8;
		struct cti_reader **nr = realloc(h->readers, cap * sizeof(*nr));

		if (nr == NULL) {
			pthread_mutex_unlock(&h->lock);
			free(r);
			return SW_E_NOMEM;
		}
		h->readers = nr;
		h->capreaders = cap;
	}
	h->readers[h->nreaders++] = r;
	pthread_mutex_unlock(&h->lock);
	cti_reader_online(r);
	*out = r;
	return 0;
}

void
cti_reader_free(struct cti_reader *r)
{
	struct cti_handle *h;

	if (r == NULL)
		return;
	if ((h = r->h) != NULL) {
		pthread_mutex_lock(&h->lock);
		for (size_t i = 0; i < h->nreaders; i++) {
			if (h->readers[i] == r) {
				h->readers[i] = h->readers[--h->nreaders];
				break;
			}
		}
		pthread_mutex_unlock(&h->lock);
	}
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
	/* Release: every use of the store loaded before happens before the reclaimer's acquire
	 * load of seen. The epoch read with acquire orders the next cti_reader_store() after
	 * the swap that epoch announces. */
	atomic_store_explicit(&r->seen, atomic_load_explicit(&r->h->epoch, memory_order_acquire),
	                      memory_order_release);
}

void
cti_reader_offline(struct cti_reader *r)
{
	atomic_store_explicit(&r->seen, CTI_OFFLINE, memory_order_release);
}

void
cti_reader_online(struct cti_reader *r)
{
	/* seq_cst: either the reclaimer sees this epoch, or this reader's next load of cur sees
	 * the store published before the reclaimer's check */
	atomic_store_explicit(&r->seen, atomic_load_explicit(&r->h->epoch, memory_order_seq_cst),
	                      memory_order_seq_cst);
}

struct sw_memcap *
cti_reader_mem(struct cti_reader *r)
{
	return &r->mem;
}
