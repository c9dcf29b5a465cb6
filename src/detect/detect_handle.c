/* src/detect/detect_handle.c: the rule set in use and its reloads (DESIGN.md "Threads"): the
 * current engine behind an atomic pointer; a reload builds the new engine off the packet path,
 * refuses it when it is broken, publishes it, and core's quiescent-state-based reclamation
 * (sw_qsbr) frees the old one once every thread has moved on. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "detect/detect.h"
#include "detect/detect_eng_int.h"

struct detect_handle {
	_Atomic(struct detect_engine *) cur;
	pthread_mutex_t reload_lock; /* one reload at a time */
	struct sw_qsbr *qsbr;
	unsigned nthreads;
	struct detect_handle_stats st;
};

struct detect_reader {
	struct detect_handle *h;
	struct sw_qsbr_reader *q;
	struct detect_engine *engine; /* the one t belongs to */
	struct detect_thread *t;
	struct sw_memcap *mem;
	struct detect_stats *st;
	detect_alert_fn *fn;
	void *arg;
	bool warned;
};

static void
engine_free(void *e)
{
	detect_engine_free(e);
}

static void
log_summary(const struct detect_engine *e)
{
	const struct detect_summary *s = detect_engine_summary(e);

	if (sw_log_get_level() >= SW_LOG_INFO)
		detect_summary_print(s, stderr);
	sw_notice("rules: %llu loaded, %llu skipped, %llu failed",
		  (unsigned long long)s->loaded, (unsigned long long)s->skipped,
		  (unsigned long long)s->failed);
}

int
detect_handle_new(const struct detect_conf *conf, unsigned nthreads, struct detect_handle **out)
{
	struct detect_handle *h = NULL;
	struct detect_engine *e = NULL;
	int r;

	*out = NULL;
	if ((r = detect_engine_new(conf, nthreads, &e)) != 0) {
		sw_err("rules: cannot load the rules: %s", sw_strerror(r));
		goto out;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL || sw_qsbr_new(&h->qsbr) != 0) {
		r = SW_E_NOMEM;
		goto out;
	}
	pthread_mutex_init(&h->reload_lock, NULL);
	h->nthreads = nthreads;
	log_summary(e);
	det_dataset_arm(e); /* in use: its sets are saved when it goes */
	sw_counter_add(&h->st.rules, detect_engine_rules(e));
	atomic_init(&h->cur, e);
	e = NULL;
	*out = h;
	h = NULL;
	r = 0;
out:
	detect_engine_free(e);
	if (h != NULL)
		sw_qsbr_free(h->qsbr);
	free(h);
	return r;
}

void
detect_handle_free(struct detect_handle *h)
{
	if (h == NULL)
		return;
	sw_qsbr_free(h->qsbr);
	detect_engine_free(atomic_load(&h->cur));
	pthread_mutex_destroy(&h->reload_lock);
	free(h);
}

int
detect_handle_reload(struct detect_handle *h, const struct detect_conf *conf)
{
	struct detect_engine *ne = NULL, *old;
	const struct detect_summary *s;
	uint64_t had;
	int r;

	pthread_mutex_lock(&h->reload_lock);
	old = atomic_load(&h->cur);
	had = detect_engine_rules(old);
	if ((r = detect_engine_new(conf, h->nthreads, &ne)) != 0) {
		sw_err("rules: reload failed (%s); the previous rules stay in use (%llu rules)",
		       sw_strerror(r), (unsigned long long)had);
		goto out;
	}
	s = detect_engine_summary(ne);
	if (sw_log_get_level() >= SW_LOG_INFO)
		detect_summary_print(s, stderr);
	/* what -T would refuse is refused here: a typo must not switch detection off */
	if (s->failed > 0) {
		sw_err("rules: reload refused: %llu rule(s) failed to load (spanwatch -T shows "
		       "where); the previous rules stay in use (%llu rules)",
		       (unsigned long long)s->failed, (unsigned long long)had);
		r = SW_E_CONFIG;
		goto out;
	}
	if (detect_engine_rules(ne) == 0 && had > 0) {
		sw_err("rules: reload refused: the new set has no rule; the previous rules stay "
		       "in use (%llu rules)",
		       (unsigned long long)had);
		r = SW_E_CONFIG;
		goto out;
	}
	if (detect_engine_carry(ne, old) != 0)
		sw_err("rules: no memory to carry thresholds over; they start over");
	atomic_store_explicit(&h->cur, ne, memory_order_seq_cst);
	if (sw_qsbr_retire(h->qsbr, old, engine_free) != 0)
		sw_err("rules: no memory to retire the previous rules; they stay allocated");
	sw_notice("rules reloaded: %llu rules", (unsigned long long)detect_engine_rules(ne));
	atomic_store(&h->st.rules, detect_engine_rules(ne));
	ne = NULL;
	(void)sw_qsbr_reclaim(h->qsbr);
	r = 0;
out:
	if (r != 0)
		sw_counter_add(&h->st.reload_errors, 1);
	else
		sw_counter_add(&h->st.reloads, 1);
	detect_engine_free(ne);
	pthread_mutex_unlock(&h->reload_lock);
	return r;
}

size_t
detect_handle_reclaim(struct detect_handle *h)
{
	return sw_qsbr_reclaim(h->qsbr);
}

const struct detect_handle_stats *
detect_handle_stats(const struct detect_handle *h)
{
	return &h->st;
}

size_t
detect_handle_pending(struct detect_handle *h)
{
	return sw_qsbr_pending(h->qsbr);
}

/* ---- readers ----------------------------------------------------------------------------- */

int
detect_reader_new(struct detect_handle *h, struct sw_memcap *mem, struct detect_stats *st,
		  detect_alert_fn *fn, void *arg, struct detect_reader **out)
{
	struct detect_reader *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return SW_E_NOMEM;
	if (sw_qsbr_reader_new(h->qsbr, &r->q) != 0) {
		free(r);
		return SW_E_NOMEM;
	}
	r->h = h;
	r->mem = mem;
	r->st = st;
	r->fn = fn;
	r->arg = arg;
	(void)detect_reader_sync(r);
	*out = r;
	return 0;
}

void
detect_reader_free(struct detect_reader *r)
{
	if (r == NULL)
		return;
	detect_thread_free(r->t);
	sw_qsbr_reader_free(r->q);
	free(r);
}

struct detect_thread *
detect_reader_sync(struct detect_reader *r)
{
	/* The snapshot is taken before cur is loaded: an engine retired after it is protected
	 * until our next call, which lets go of it before reporting a newer snapshot. */
	uint64_t snap;
	struct detect_engine *cur;

	snap = sw_qsbr_snapshot(r->q);
	cur = atomic_load_explicit(&r->h->cur, memory_order_seq_cst);

	if (cur != r->engine) {
		struct detect_thread *t = NULL;

		detect_thread_free(r->t);
		r->t = NULL;
		r->engine = NULL;
		if (cur != NULL && detect_thread_new(cur, r->mem, r->st, r->fn, r->arg, &t) == 0) {
			r->t = t;
			r->engine = cur;
			r->warned = false;
		} else if (cur != NULL && !r->warned) {
			sw_err("detect: no memory for the rules' thread state; no detection in this "
			       "thread until it can be made");
			r->warned = true;
		}
	}
	sw_qsbr_quiescent_at(r->q, snap);
	return r->t;
}

struct detect_thread *
detect_reader_thread(const struct detect_reader *r)
{
	return r->t;
}
