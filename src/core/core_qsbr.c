/* src/core/core_qsbr.c: quiescent-state-based reclamation (QSBR, as in liburcu's urcu-qsbr) for
 * the sets the workers share read-only and a reload replaces (indicators, rules): the writer
 * publishes a new pointer and retires the old object; it is freed once every reader thread has
 * passed a quiescent point (or gone offline) since. Readers never wait and never lock. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/core.h"

#define QSBR_OFFLINE UINT64_MAX

struct sw_qsbr_reader {
	_Atomic uint64_t seen; /* the epoch at its last quiescent point; QSBR_OFFLINE when idle */
	struct sw_qsbr *q;
};

struct qsbr_retired {
	void *obj;
	void (*free_fn)(void *);
	uint64_t epoch; /* free once every reader has seen this epoch */
};

struct sw_qsbr {
	_Atomic uint64_t epoch;
	pthread_mutex_t lock; /* readers and retired */
	struct sw_qsbr_reader **readers;
	size_t nreaders, capreaders;
	struct qsbr_retired *retired;
	size_t nretired, capretired;
};

int
sw_qsbr_new(struct sw_qsbr **out)
{
	struct sw_qsbr *q;

	*out = NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return SW_E_NOMEM;
	atomic_init(&q->epoch, 1);
	pthread_mutex_init(&q->lock, NULL);
	*out = q;
	return 0;
}

void
sw_qsbr_free(struct sw_qsbr *q)
{
	if (q == NULL)
		return;
	for (size_t i = 0; i < q->nretired; i++)
		q->retired[i].free_fn(q->retired[i].obj);
	free(q->retired);
	for (size_t i = 0; i < q->nreaders; i++)
		q->readers[i]->q = NULL; /* a reader freed later only frees itself */
	free(q->readers);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int
sw_qsbr_retire(struct sw_qsbr *q, void *obj, void (*free_fn)(void *))
{
	uint64_t epoch;

	if (obj == NULL)
		return 0;
	pthread_mutex_lock(&q->lock);
	if (q->nretired == q->capretired) {
		size_t cap = q->capretired ? q->capretired * 2 : 4;
		struct qsbr_retired *nr = realloc(q->retired, cap * sizeof(*nr));

		if (nr == NULL) {
			pthread_mutex_unlock(&q->lock);
			return SW_E_NOMEM;
		}
		q->retired = nr;
		q->capretired = cap;
	}
	/* seq_cst, after the caller's seq_cst publication of the replacement: a reader whose
	 * epoch snapshot is at least this one loaded the pointer after the swap */
	epoch = atomic_fetch_add_explicit(&q->epoch, 1, memory_order_seq_cst) + 1;
	q->retired[q->nretired++] = (struct qsbr_retired){obj, free_fn, epoch};
	pthread_mutex_unlock(&q->lock);
	return 0;
}

size_t
sw_qsbr_reclaim(struct sw_qsbr *q)
{
	uint64_t min = QSBR_OFFLINE;
	size_t keep = 0, left;
	struct qsbr_retired *done = NULL;
	size_t ndone = 0;

	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->nreaders; i++) {
		uint64_t e = atomic_load_explicit(&q->readers[i]->seen, memory_order_acquire);

		if (e < min)
			min = e;
	}
	if (q->nretired > 0)
		done = malloc(q->nretired * sizeof(*done));
	for (size_t i = 0; i < q->nretired; i++) {
		if (q->retired[i].epoch <= min && done != NULL)
			done[ndone++] = q->retired[i];
		else
			q->retired[keep++] = q->retired[i];
	}
	q->nretired = keep;
	left = keep;
	pthread_mutex_unlock(&q->lock);
	/* outside the lock: freeing a rule engine takes a while */
	for (size_t i = 0; i < ndone; i++)
		done[i].free_fn(done[i].obj);
	free(done);
	return left;
}

int
sw_qsbr_synchronize(struct sw_qsbr *q, unsigned timeout_ms)
{
	struct timespec ts = {0, 1000000};

	for (unsigned waited = 0;; waited++) {
		if (sw_qsbr_reclaim(q) == 0)
			return 0;
		if (waited >= timeout_ms)
			return SW_E_AGAIN;
		nanosleep(&ts, NULL);
	}
}

size_t
sw_qsbr_pending(struct sw_qsbr *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->nretired;
	pthread_mutex_unlock(&q->lock);
	return n;
}

int
sw_qsbr_reader_new(struct sw_qsbr *q, struct sw_qsbr_reader **out)
{
	struct sw_qsbr_reader *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return SW_E_NOMEM;
	r->q = q;
	atomic_init(&r->seen, QSBR_OFFLINE);
	pthread_mutex_lock(&q->lock);
	if (q->nreaders == q->capreaders) {
		size_t cap = q->capreaders ? q->capreaders * 2 : 8;
		struct sw_qsbr_reader **nr = realloc(q->readers, cap * sizeof(*nr));

		if (nr == NULL) {
			pthread_mutex_unlock(&q->lock);
			free(r);
			return SW_E_NOMEM;
		}
		q->readers = nr;
		q->capreaders = cap;
	}
	q->readers[q->nreaders++] = r;
	pthread_mutex_unlock(&q->lock);
	sw_qsbr_online(r);
	*out = r;
	return 0;
}

void
sw_qsbr_reader_free(struct sw_qsbr_reader *r)
{
	struct sw_qsbr *q;

	if (r == NULL)
		return;
	if ((q = r->q) != NULL) {
		pthread_mutex_lock(&q->lock);
		for (size_t i = 0; i < q->nreaders; i++) {
			if (q->readers[i] == r) {
				q->readers[i] = q->readers[--q->nreaders];
				break;
			}
		}
		pthread_mutex_unlock(&q->lock);
	}
	free(r);
}

uint64_t
sw_qsbr_snapshot(struct sw_qsbr_reader *r)
{
	/* seq_cst: ordered before the caller's load of the published pointer */
	return atomic_load_explicit(&r->q->epoch, memory_order_seq_cst);
}

void
sw_qsbr_quiescent_at(struct sw_qsbr_reader *r, uint64_t snapshot)
{
	/* Release: every use of an object loaded before happens before the reclaimer's acquire
	 * load of seen. */
	atomic_store_explicit(&r->seen, snapshot, memory_order_release);
}

void
sw_qsbr_quiescent(struct sw_qsbr_reader *r)
{
	sw_qsbr_quiescent_at(r, atomic_load_explicit(&r->q->epoch, memory_order_acquire));
}

void
sw_qsbr_offline(struct sw_qsbr_reader *r)
{
	atomic_store_explicit(&r->seen, QSBR_OFFLINE, memory_order_release);
}

void
sw_qsbr_online(struct sw_qsbr_reader *r)
{
	/* seq_cst: either the reclaimer sees this epoch, or this reader's next load of the
	 * published pointer sees what was published before the reclaimer's check */
	atomic_store_explicit(&r->seen, atomic_load_explicit(&r->q->epoch, memory_order_seq_cst),
			      memory_order_seq_cst);
}
