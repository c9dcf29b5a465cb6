/* src/sw_run.c: the sensor at run time. The capture thread reads and decodes packets and hands
 * each to worker hash(flow) % N over a single-producer/single-consumer ring; a worker owns its
 * flow table and everything behind it. With one worker there is no ring: the capture thread
 * runs the worker code inline. Time is packet time offline and the clock live. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/inotify.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sw_run.h"

#define RING_BYTES     (8u << 20)
#define POLL_BATCH     64
#define EXPIRE_EVERY   SW_USEC_PER_SEC /* flow timeout sweep interval (packet or wall time) */
#define MAX_WORKERS    64

enum ring_kind {
	RING_PACKET = 0,
	RING_TICK = 1, /* time advanced; sweep timeouts */
	RING_END = 2,  /* input ended; flush and exit */
};

struct ring_rec {
	uint32_t kind;
	uint32_t pad;
	struct sw_packet pkt; /* data follows the record */
};

struct sw_worker {
	struct sw_ctx *ctx;
	uint32_t id;
	pthread_t tid;
	bool started;
	struct sw_ring *ring;
	struct flow_table *flows;
	struct stream_worker *stream;
	struct dpi_worker *dpi;
	struct app_worker *app;
	struct cti_reader *cti;
	const struct cti_store *cti_seen; /* the indicator set file hashes were chosen for */
	struct detect_thread *det;
	struct detect_engine *det_engine; /* the engine det belongs to */
	_Atomic(struct detect_engine *) det_seen;
	struct sw_memcap det_mem;
	struct detect_stats det_st; /* over every engine it used */
	struct sbuf evbuf, alertbuf;
	sw_time_t now, last_expire;
	sw_counter_t packets;
};

/* ---- configuration ------------------------------------------------------------------------ */

static const char *const log_levels[] = {"error", "warning", "notice", "info", "debug", NULL};

static const struct conf_key run_keys[] = {
	{"workers", CONF_U32, offsetof(struct run_conf, workers), "0", 0, MAX_WORKERS, NULL},
	{"run-as.user", CONF_STR, offsetof(struct run_conf, run_as_user), NULL, 0, 0, NULL},
	{"run-as.group", CONF_STR, offsetof(struct run_conf, run_as_group), NULL, 0, 0, NULL},
	{"pidfile", CONF_STR, offsetof(struct run_conf, pidfile), NULL, 0, 0, NULL},
	{"logging.level", CONF_ENUM, offsetof(struct run_conf, log_level), "notice", 0, 0,
	 log_levels},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
run_conf_load(struct sw_ctx *ctx, struct conf_doc *doc)
{
	int r = 0;

	ctx->doc = doc;
	memset(&ctx->run, 0, sizeof(ctx->run));
	if (conf_apply(doc, run_keys, &ctx->run) != 0)
		r = SW_E_CONFIG;
	if (capture_conf_load(doc, &ctx->capture) != 0)
		r = SW_E_CONFIG;
	if (decode_conf_load(doc, &ctx->decode) != 0)
		r = SW_E_CONFIG;
	if (defrag_conf_load(doc, &ctx->defrag_conf) != 0)
		r = SW_E_CONFIG;
	if (flow_conf_load(doc, &ctx->flow) != 0)
		r = SW_E_CONFIG;
	if (stream_conf_load(doc, &ctx->stream) != 0)
		r = SW_E_CONFIG;
	if (dpi_conf_load(doc, &ctx->dpi) != 0)
		r = SW_E_CONFIG;
	if (app_conf_load(doc, &ctx->app) != 0)
		r = SW_E_CONFIG;
	if (cti_conf_load(doc, &ctx->cti) != 0)
		r = SW_E_CONFIG;
	if (detect_conf_load(doc, &ctx->detect) != 0)
		r = SW_E_CONFIG;
	if (output_conf_load(doc, &ctx->output) != 0)
		r = SW_E_CONFIG;
	if (conf_check_unused(doc) != 0)
		r = SW_E_CONFIG;
	return r;
}

void
run_conf_free(struct sw_ctx *ctx)
{
	conf_struct_free(run_keys, &ctx->run);
	capture_conf_free(&ctx->capture);
	stream_conf_free(&ctx->stream);
	app_conf_free(&ctx->app);
	cti_conf_free(&ctx->cti);
	detect_conf_free(&ctx->detect);
	output_conf_free(&ctx->output);
}

/* ---- workers ------------------------------------------------------------------------------ */

struct flow_stats *
run_worker_flow_stats(struct sw_ctx *ctx, uint32_t i)
{
	struct sw_worker *w = &ctx->workers[i];

	return w->flows != NULL ? flow_table_stats(w->flows) : NULL;
}

uint64_t
run_worker_packets(struct sw_ctx *ctx, uint32_t i)
{
	return sw_counter_get(&ctx->workers[i].packets);
}

struct app_stats *
run_worker_app_stats(struct sw_ctx *ctx, uint32_t i)
{
	struct sw_worker *w = &ctx->workers[i];

	return w->app != NULL ? app_worker_stats(w->app) : NULL;
}

const struct sw_memcap *
run_worker_app_mem(struct sw_ctx *ctx, uint32_t i)
{
	struct sw_worker *w = &ctx->workers[i];

	return w->app != NULL ? app_worker_mem(w->app) : NULL;
}

struct dpi_stats *
run_worker_dpi_stats(struct sw_ctx *ctx, uint32_t i)
{
	struct sw_worker *w = &ctx->workers[i];

	return w->dpi != NULL ? dpi_worker_stats(w->dpi) : NULL;
}

struct stream_stats *
run_worker_stream_stats(struct sw_ctx *ctx, uint32_t i)
{
	struct sw_worker *w = &ctx->workers[i];

	return w->stream != NULL ? stream_worker_stats(w->stream) : NULL;
}

void
run_worker_detect_stats(struct sw_ctx *ctx, uint32_t i, uint64_t out[7])
{
	/* kept by the worker, so reading them never meets a freed thread */
	const struct detect_stats *st = &ctx->workers[i].det_st;

	out[0] = sw_counter_get(&st->packets);
	out[1] = sw_counter_get(&st->stream_chunks);
	out[2] = sw_counter_get(&st->app_msgs);
	out[3] = sw_counter_get(&st->candidates);
	out[4] = sw_counter_get(&st->alerts);
	out[5] = sw_counter_get(&st->suppressed);
	out[6] = sw_counter_get(&st->backtrack_limit) + sw_counter_get(&st->pcre_limit);
}

const struct sw_memcap *
run_worker_detect_mem(struct sw_ctx *ctx, uint32_t i)
{
	return &ctx->workers[i].det_mem;
}

/* A rule matched: an alert event. */
static void
worker_alert(void *arg, struct sw_flow *f, const struct sw_packet *p, enum flow_dir dir,
	     sw_time_t ts, const struct detect_alert *a, const struct app_msg *msg)
{
	struct sw_worker *w = arg;
	struct sw_ctx *ctx = w->ctx;
	struct app_msg cur;

	if (ctx->out == NULL || !output_enabled(ctx->out, EVE_ALERT))
		return;
	/* a rule on the raw stream or packets of an HTTP flow: the transaction under way */
	if (msg == NULL && f != NULL && app_flow_current(f, dir, &cur))
		msg = &cur;
	eve_format_rule_alert(&w->alertbuf, &ctx->eve, f, p, dir, ts, a, msg);
	if (!sbuf_failed(&w->alertbuf))
		output_write(ctx->out, EVE_ALERT, w->alertbuf.p, w->alertbuf.len);
}

/* The file hashes bodies get: the configured ones, and those the indicator set has indicators
 * of (an MD5 feed turns MD5 on). Checked between packets; changes with a reload. */
static void
worker_file_hashes(struct sw_worker *w)
{
	const struct cti_store *s = w->cti != NULL ? cti_reader_store(w->cti) : NULL;
	unsigned mask = w->ctx->app.hash_mask;

	if (s == w->cti_seen && w->cti_seen != NULL)
		return;
	w->cti_seen = s;
	if (s != NULL && cti_store_count(s, CTI_T_MD5) > 0)
		mask |= APP_HASH_MD5;
	if (s != NULL && cti_store_count(s, CTI_T_SHA1) > 0)
		mask |= APP_HASH_SHA1;
	if (s != NULL && cti_store_count(s, CTI_T_SHA256) > 0)
		mask |= APP_HASH_SHA256;
	if (w->app != NULL)
		app_worker_set_file_hashes(w->app, mask);
}

/* Moves worker w to the current rule engine (after a reload), between packets. */
static void
worker_detect_sync(struct sw_worker *w)
{
	struct detect_engine *cur;
	struct detect_thread *t = NULL;

	/* Say which engine we take before touching it, then check it is still the current one:
	 * the reload thread frees a replaced engine only when no det_seen names it. Once det_seen
	 * moved, the old engine is no longer protected: we never go back to it. */
	for (;;) {
		cur = atomic_load(&w->ctx->det_cur);
		if (cur == w->det_engine)
			return;
		atomic_store(&w->det_seen, cur);
		if (atomic_load(&w->ctx->det_cur) == cur)
			break;
	}
	detect_thread_free(w->det);
	w->det = NULL;
	w->det_engine = NULL;
	if (cur != NULL && detect_thread_new(cur, &w->det_mem, &w->det_st, worker_alert, w, &t) != 0) {
		sw_err("worker %u: no memory for the new rules; no detection until the next try",
		       w->id);
		atomic_store(&w->det_seen, NULL);
		return;
	}
	w->det = t;
	w->det_engine = cur;
}

/* A flow ended: the later stages let go of it, then its flow event. */
static void
worker_flow_end(struct sw_flow *f, void *arg)
{
	struct sw_worker *w = arg;
	struct sw_ctx *ctx = w->ctx;
	struct stream_dir_info info[2];
	bool has_stream = w->stream != NULL && stream_flow_end(w->stream, f, info);

	if (w->app != NULL)
		app_flow_end(w->app, f, f->last);

	if (w->dpi != NULL)
		dpi_flow_finish(w->dpi, f);
	if (ctx->out != NULL && output_enabled(ctx->out, EVE_FLOW)) {
		eve_format_flow(&w->evbuf, &ctx->eve, f, has_stream ? info : NULL);
		if (!sbuf_failed(&w->evbuf))
			output_write(ctx->out, EVE_FLOW, w->evbuf.p, w->evbuf.len);
	}
	if (w->dpi != NULL)
		dpi_flow_free(w->dpi, f);
	if (w->app != NULL)
		app_flow_free(w->app, f);
	detect_flow_free(w->det, f);
	free(f->cti);
	f->cti = NULL;
}

/* ---- threat intelligence ------------------------------------------------------------------ */

#define CTI_SEEN_MAX 32 /* indicators remembered per flow for "one alert per flow and indicator" */

struct cti_seen {
	uint64_t key[CTI_SEEN_MAX];
	uint8_t n;
};

/* An indicator matched in flow f: one alert per flow and indicator. */
static void
cti_alert(struct sw_worker *w, struct sw_flow *f, sw_time_t ts, enum flow_dir dir,
	  const struct cti_hit *hit, const char *matched_on)
{
	struct sw_ctx *ctx = w->ctx;
	struct cti_seen *seen = f->cti;
	uint64_t key = sw_hash64(hit->indicator, strlen(hit->indicator), (uint64_t)hit->type);
	uint8_t i;

	if (seen == NULL && (seen = f->cti = calloc(1, sizeof(*seen))) == NULL)
		return;
	for (i = 0; i < seen->n; i++)
		if (seen->key[i] == key)
			return;
	if (seen->n < CTI_SEEN_MAX)
		seen->key[seen->n++] = key;
	f->alerted = true;
	if (ctx->out == NULL || !output_enabled(ctx->out, EVE_ALERT))
		return;
	eve_format_cti_alert(&w->evbuf, &ctx->eve, f, ts, dir, hit, matched_on);
	if (!sbuf_failed(&w->evbuf))
		output_write(ctx->out, EVE_ALERT, w->evbuf.p, w->evbuf.len);
}

/* Both addresses of a new flow. */
static void
cti_check_flow(struct sw_worker *w, struct sw_flow *f, const struct sw_packet *p)
{
	const struct cti_store *s = cti_reader_store(w->cti);
	struct cti_hit hit;

	if (s == NULL)
		return;
	if (cti_store_match_ip(s, f->family, f->cli.b, p->ts, &hit) != NULL)
		cti_alert(w, f, p->ts, FLOW_TO_SERVER, &hit, "flow.src_ip");
	if (cti_store_match_ip(s, f->family, f->srv.b, p->ts, &hit) != NULL)
		cti_alert(w, f, p->ts, FLOW_TO_SERVER, &hit, "flow.dest_ip");
}

static void
cti_check_rrs(struct sw_worker *w, struct sw_flow *f, const struct app_msg *msg,
	      const struct cti_store *s, const struct app_dns_rr *rr, uint16_t n)
{
	struct cti_hit hit;
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (rr[i].addr_family != 0) {
			if (cti_store_match_ip(s, rr[i].addr_family, rr[i].addr, msg->ts, &hit))
				cti_alert(w, f, msg->ts, msg->dir, &hit, "dns.answer");
		} else if (rr[i].data.len > 0 && (rr[i].type == 5 || rr[i].type == 2 ||
						  rr[i].type == 12 || rr[i].type == 15 ||
						  rr[i].type == 33)) {
			/* names in answers: CNAME, NS, PTR, MX and SRV targets */
			if (cti_store_match_domain(s, (const char *)rr[i].data.p, rr[i].data.len,
						   msg->ts, &hit))
				cti_alert(w, f, msg->ts, msg->dir, &hit, "dns.answer");
		}
	}
}

/* The values of an app-layer message that indicators are checked against. */
static void
cti_check_msg(struct sw_worker *w, struct sw_flow *f, const struct app_msg *msg)
{
	const struct cti_store *s = cti_reader_store(w->cti);
	struct cti_hit hit;

	if (s == NULL)
		return;
	if (msg->kind == APP_MSG_DNS) {
		const struct app_dns_msg *d = msg->u.dns;

		if (d->nquestions > 0 && d->qname.len > 0 &&
		    cti_store_match_domain(s, (const char *)d->qname.p, d->qname.len, msg->ts, &hit))
			cti_alert(w, f, msg->ts, msg->dir, &hit, "dns.query");
		if (d->response)
			cti_check_rrs(w, f, msg, s, d->answers, d->nanswers);
		return;
	}
	if (msg->kind == APP_MSG_HTTP) {
		const struct app_http_txn *t = msg->u.http;
		char url[4096];
		int n;

		if (t->host.len > 0 &&
		    cti_store_match_domain(s, (const char *)t->host.p, t->host.len, msg->ts, &hit))
			cti_alert(w, f, msg->ts, FLOW_TO_SERVER, &hit, "http.host");
		/* the full URL as the client asked for it: scheme, host, port, target */
		if (t->host.len > 0 && t->uri_raw.len > 0 && t->uri_raw.p[0] == '/') {
			if (t->port != 0 && t->port != 80)
				n = snprintf(url, sizeof(url), "http://%.*s:%u%.*s", (int)t->host.len,
					     (const char *)t->host.p, t->port, (int)t->uri_raw.len,
					     (const char *)t->uri_raw.p);
			else
				n = snprintf(url, sizeof(url), "http://%.*s%.*s", (int)t->host.len,
					     (const char *)t->host.p, (int)t->uri_raw.len,
					     (const char *)t->uri_raw.p);
			if (n > 0 && (size_t)n < sizeof(url) &&
			    cti_store_match_url(s, url, (size_t)n, msg->ts, &hit))
				cti_alert(w, f, msg->ts, FLOW_TO_SERVER, &hit, "http.url");
		}
		return;
	}
	if (msg->kind == APP_MSG_FILE) {
		const struct app_file *fi = msg->u.file;

		if (fi->md5[0] != '\0' &&
		    cti_store_match_hash(s, CTI_T_MD5, fi->md5, 32, msg->ts, &hit))
			cti_alert(w, f, msg->ts, fi->dir, &hit, "file.md5");
		if (fi->sha1[0] != '\0' &&
		    cti_store_match_hash(s, CTI_T_SHA1, fi->sha1, 40, msg->ts, &hit))
			cti_alert(w, f, msg->ts, fi->dir, &hit, "file.sha1");
		if (fi->sha256[0] != '\0' &&
		    cti_store_match_hash(s, CTI_T_SHA256, fi->sha256, 64, msg->ts, &hit))
			cti_alert(w, f, msg->ts, fi->dir, &hit, "file.sha256");
		return;
	}
	if (msg->kind == APP_MSG_TLS) {
		const struct app_tls_msg *t = msg->u.tls;

		if (t->sni.len > 0 &&
		    cti_store_match_domain(s, (const char *)t->sni.p, t->sni.len, msg->ts, &hit))
			cti_alert(w, f, msg->ts, msg->dir, &hit, "tls.sni");
		if (t->ja3_hash[0] != '\0' &&
		    cti_store_match_ja3(s, t->ja3_hash, strlen(t->ja3_hash), msg->ts, &hit))
			cti_alert(w, f, msg->ts, FLOW_TO_SERVER, &hit, "tls.ja3");
	}
}

/* A message of an app-layer parser: indicators, then its EVE event (dns, tls). */
static void
worker_app_msg(void *arg, struct sw_flow *f, const struct app_msg *msg)
{
	struct sw_worker *w = arg;
	struct sw_ctx *ctx = w->ctx;
	int type = eve_type_of_app(msg);

	if (w->cti != NULL)
		cti_check_msg(w, f, msg);
	if (w->det != NULL)
		detect_app_msg(w->det, f, msg, app_flow_name(f));
	if (ctx->out == NULL || !output_enabled(ctx->out, type))
		return;
	eve_format_app(&w->evbuf, &ctx->eve, f, msg);
	if (!sbuf_failed(&w->evbuf))
		output_write(ctx->out, type, w->evbuf.p, w->evbuf.len);
}

/* Reassembled TCP data: to the app-layer parsers. */
static bool
worker_stream_data(void *arg, struct sw_flow *f, enum flow_dir dir, const uint8_t *data,
		   size_t len, uint64_t offset, unsigned flags)
{
	struct sw_worker *w = arg;

	if (w->app != NULL)
		app_stream(w->app, f, dir, data, len, flags, w->now);
	if (w->det != NULL)
		detect_stream(w->det, f, dir, data, len, offset, w->now, app_flow_name(f));
	/* The stream is kept even when no parser wants it: raw-stream detection rules will. */
	return true;
}

/* A stream anomaly: an anomaly event of type "stream" for the flow. */
static void
worker_stream_event(void *arg, struct sw_flow *f, const struct sw_packet *p, int ev)
{
	struct sw_worker *w = arg;
	struct sw_ctx *ctx = w->ctx;

	if (ctx->out != NULL && output_enabled(ctx->out, EVE_ANOMALY)) {
		eve_format_flow_anomaly(&w->evbuf, &ctx->eve, f, p, "stream",
					stream_event_name(ev));
		if (!sbuf_failed(&w->evbuf))
			output_write(ctx->out, EVE_ANOMALY, w->evbuf.p, w->evbuf.len);
	}
	if (w->det != NULL) {
		enum flow_dir dir = p != NULL && p->sport == f->sport &&
					    memcmp(&p->src, &f->srv, sizeof(p->src)) == 0
					    ? FLOW_TO_CLIENT
					    : FLOW_TO_SERVER;

		detect_event(w->det, f, p, dir, DETECT_EVENT_STREAM, ev);
	}
}

static void
worker_tick(struct sw_worker *w, sw_time_t now)
{
	if (now > w->now)
		w->now = now;
	if (w->now - w->last_expire >= EXPIRE_EVERY) {
		flow_table_expire(w->flows, w->now);
		w->last_expire = w->now;
	}
}

/* One decoded, flow-able packet. */
static void
worker_packet(struct sw_worker *w, struct sw_packet *p)
{
	enum flow_dir dir;
	struct sw_flow *f;

	sw_counter_add(&w->packets, 1);
	worker_tick(w, p->ts);
	if (w->cti != NULL) {
		cti_reader_quiescent(w->cti); /* between packets: an old indicator set may go */
		worker_file_hashes(w);
	}
	worker_detect_sync(w);
	f = flow_table_update(w->flows, p, &dir);
	if (f == NULL)
		return;
	if (w->cti != NULL && f->pkts[0] + f->pkts[1] == 1)
		cti_check_flow(w, f, p);
	if (f->proto == 6 && w->stream != NULL)
		stream_packet(w->stream, f, dir, p);
	if (w->dpi != NULL)
		dpi_packet(w->dpi, f, dir, p);
	if (w->app != NULL && f->proto == 17)
		app_datagram(w->app, f, dir, p);
	if (w->det != NULL) {
		const char *name = app_flow_name(f);

		detect_packet(w->det, f, dir, p, name);
		/* without reassembly, stream rules see each segment's payload on its own */
		if (f->proto == 6 && w->stream == NULL && p->payload_len > 0)
			detect_stream(w->det, f, dir, p->data + p->payload_off, p->payload_len, 0,
				      p->ts, name);
	}
}

static void
worker_end(struct sw_worker *w, sw_time_t now)
{
	if (now > w->now)
		w->now = now;
	flow_table_flush(w->flows, w->now, FLOW_END_SHUTDOWN);
}

static void *
worker_main(void *arg)
{
	struct sw_worker *w = arg;
	unsigned spins = 0;

	for (;;) {
		struct ring_rec *rec;
		size_t len;

		if ((rec = sw_ring_peek(w->ring, &len)) == NULL) {
			worker_detect_sync(w); /* idle: a reload need not wait for traffic */
			sw_ring_wait(&spins);
			continue;
		}
		spins = 0;
		switch (rec->kind) {
		case RING_PACKET:
			rec->pkt.data = (const uint8_t *)(rec + 1);
			worker_packet(w, &rec->pkt);
			break;
		case RING_TICK:
			worker_tick(w, rec->pkt.ts);
			break;
		case RING_END:
			worker_end(w, rec->pkt.ts);
			sw_ring_release(w->ring);
			return NULL;
		}
		sw_ring_release(w->ring);
	}
}

static int
workers_start(struct sw_ctx *ctx)
{
	uint32_t i;
	int r;

	if ((ctx->workers = calloc(ctx->nworkers, sizeof(*ctx->workers))) == NULL)
		return SW_E_NOMEM;
	for (i = 0; i < ctx->nworkers; i++) {
		struct sw_worker *w = &ctx->workers[i];

		w->ctx = ctx;
		w->id = i;
		sbuf_init(&w->evbuf);
		sbuf_init(&w->alertbuf);
		w->det_mem.memcap = ctx->detect.memcap / ctx->nworkers;
		worker_detect_sync(w);
		if ((r = flow_table_new(&ctx->flow, worker_flow_end, w, &w->flows)) != 0)
			return r;
		if (ctx->dpi.enabled && (r = dpi_worker_new(&ctx->dpi, &w->dpi)) != 0)
			return r;
		if ((r = app_worker_new(worker_app_msg, w, &w->app)) != 0)
			return r;
		app_worker_set_file_hashes(w->app, ctx->app.hash_mask);
		app_worker_set_memcap(w->app, ctx->app.memcap / ctx->nworkers);
		if (ctx->cti_h != NULL && (r = cti_reader_new(ctx->cti_h, &w->cti)) != 0)
			return r;
		if (ctx->stream.enabled &&
		    (r = stream_worker_new(&ctx->stream, ctx->stream.memcap / ctx->nworkers,
					   worker_stream_data, worker_stream_event, w,
					   &w->stream)) != 0)
			return r;
		if (ctx->nworkers == 1)
			continue; /* inline in the capture thread */
		if ((r = sw_ring_new(RING_BYTES, &w->ring)) != 0)
			return r;
		if ((errno = pthread_create(&w->tid, NULL, worker_main, w)) != 0) {
			sw_err("cannot start worker %u: %s", i, strerror(errno));
			return SW_E_NOMEM;
		}
		w->started = true;
	}
	return 0;
}

/* Puts a record on worker w's ring, waiting while it is full (offline this is backpressure;
 * live, a full ring shows up as kernel drops, which are counted). */
static void
ring_send(struct sw_worker *w, uint32_t kind, const struct sw_packet *p)
{
	size_t bytes = kind == RING_PACKET ? p->caplen : 0;
	struct ring_rec *rec;
	unsigned spins = 0;

	if (bytes > sw_ring_max_record(w->ring) - sizeof(*rec))
		bytes = sw_ring_max_record(w->ring) - sizeof(*rec);
	while ((rec = sw_ring_reserve(w->ring, sizeof(*rec) + bytes)) == NULL)
		sw_ring_wait(&spins);
	rec->kind = kind;
	rec->pkt = *p;
	rec->pkt.data = NULL;
	if (bytes > 0)
		memcpy(rec + 1, p->data, bytes);
	sw_ring_commit(w->ring);
}

static void
workers_finish(struct sw_ctx *ctx, sw_time_t now)
{
	struct sw_packet end;
	uint32_t i;

	memset(&end, 0, sizeof(end));
	end.ts = now;
	for (i = 0; i < ctx->nworkers; i++) {
		struct sw_worker *w = &ctx->workers[i];

		if (w->started)
			ring_send(w, RING_END, &end);
		else if (w->flows != NULL)
			worker_end(w, now);
	}
	for (i = 0; i < ctx->nworkers; i++) {
		if (ctx->workers[i].started) {
			pthread_join(ctx->workers[i].tid, NULL);
			ctx->workers[i].started = false;
		}
	}
}

static void
workers_free(struct sw_ctx *ctx)
{
	uint32_t i;

	if (ctx->workers == NULL)
		return;
	for (i = 0; i < ctx->nworkers; i++) {
		struct sw_worker *w = &ctx->workers[i];

		if (w->flows != NULL) /* an error path: end flows so stream state is freed */
			flow_table_flush(w->flows, w->now, FLOW_END_SHUTDOWN);
		flow_table_free(w->flows);
		stream_worker_free(w->stream);
		dpi_worker_free(w->dpi);
		app_worker_free(w->app);
		cti_reader_free(w->cti);
		detect_thread_free(w->det);
		w->det = NULL;
		sw_ring_free(w->ring);
		sbuf_free(&w->evbuf);
		sbuf_free(&w->alertbuf);
	}
	free(ctx->workers);
	ctx->workers = NULL;
}

/* ---- the capture thread ------------------------------------------------------------------- */

struct reader {
	struct sw_ctx *ctx;
	sw_time_t now;       /* latest packet time */
	sw_time_t last_tick; /* when workers were last told the time */
};

/* An alert from a decoder event rule, in the capture thread. */
static void
reader_alert(void *arg, struct sw_flow *f, const struct sw_packet *p, enum flow_dir dir,
	     sw_time_t ts, const struct detect_alert *a, const struct app_msg *msg)
{
	struct sw_ctx *ctx = arg;

	if (ctx->out == NULL || !output_enabled(ctx->out, EVE_ALERT))
		return;
	eve_format_rule_alert(&ctx->evbuf, &ctx->eve, f, p, dir, ts, a, msg);
	if (!sbuf_failed(&ctx->evbuf))
		output_write(ctx->out, EVE_ALERT, ctx->evbuf.p, ctx->evbuf.len);
}

/* The capture thread moves to the current rule engine, like a worker. */
static void
reader_detect_sync(struct sw_ctx *ctx)
{
	struct detect_engine *cur;
	struct detect_thread *t = NULL;

	/* as worker_detect_sync: name it first, then make sure it is still current */
	for (;;) {
		cur = atomic_load(&ctx->det_cur);
		if (cur == atomic_load(&ctx->det_reader_engine) &&
		    (cur == NULL) == (ctx->det_reader == NULL))
			return;
		atomic_store(&ctx->det_reader_engine, cur);
		if (atomic_load(&ctx->det_cur) == cur)
			break;
	}
	detect_thread_free(ctx->det_reader);
	ctx->det_reader = NULL;
	if (cur != NULL && detect_thread_new(cur, NULL, NULL, reader_alert, ctx, &t) != 0)
		return; /* retried at the next packet */
	ctx->det_reader = t;
}

static void
reader_anomaly(struct sw_ctx *ctx, const struct sw_packet *p)
{
	if (output_enabled(ctx->out, EVE_ANOMALY)) {
		eve_format_anomaly(&ctx->evbuf, &ctx->eve, p, "decode",
				   decode_event_name(p->anomaly));
		if (!sbuf_failed(&ctx->evbuf))
			output_write(ctx->out, EVE_ANOMALY, ctx->evbuf.p, ctx->evbuf.len);
	}
	if (ctx->det_reader != NULL)
		detect_event(ctx->det_reader, NULL, p, FLOW_TO_SERVER, DETECT_EVENT_DECODE,
			     p->anomaly);
}

static void
reader_tick(struct reader *rd, sw_time_t now)
{
	struct sw_ctx *ctx = rd->ctx;
	struct sw_packet tick;
	uint32_t i;

	if (now > rd->now)
		rd->now = now;
	if (rd->now - rd->last_tick < EXPIRE_EVERY)
		return;
	rd->last_tick = rd->now;
	if (ctx->defrag != NULL)
		defrag_expire(ctx->defrag, rd->now);
	if (ctx->nworkers == 1) {
		worker_tick(&ctx->workers[0], rd->now);
		return;
	}
	memset(&tick, 0, sizeof(tick));
	tick.ts = rd->now;
	for (i = 0; i < ctx->nworkers; i++)
		ring_send(&ctx->workers[i], RING_TICK, &tick);
}

/* A defragmentation anomaly (p is NULL for a timeout, which is only counted). */
static void
reader_defrag_event(void *arg, const struct sw_packet *p, int ev)
{
	struct sw_ctx *ctx = arg;

	if (p == NULL || ctx->out == NULL)
		return;
	if (output_enabled(ctx->out, EVE_ANOMALY)) {
		eve_format_anomaly(&ctx->evbuf, &ctx->eve, p, "defrag", defrag_event_name(ev));
		if (!sbuf_failed(&ctx->evbuf))
			output_write(ctx->out, EVE_ANOMALY, ctx->evbuf.p, ctx->evbuf.len);
	}
	if (ctx->det_reader != NULL)
		detect_event(ctx->det_reader, NULL, p, FLOW_TO_SERVER, DETECT_EVENT_DEFRAG, ev);
}

static void
reader_packet(struct sw_packet *p, void *arg)
{
	struct reader *rd = arg;
	struct sw_ctx *ctx = rd->ctx;
	struct sw_packet whole;
	struct sw_worker *w;
	int r;

	reader_detect_sync(ctx);
	if (ctx->nworkers == 1)
		worker_detect_sync(&ctx->workers[0]);
	r = decode_packet(&ctx->dec, p);
	if (rd->last_tick == 0)
		rd->last_tick = p->ts;
	if (p->ts > rd->now)
		reader_tick(rd, p->ts);
	if (p->anomaly != 0)
		reader_anomaly(ctx, p);
	if (r != 0)
		return;
	if ((p->flags & SW_PKT_FRAG) && ctx->defrag != NULL) {
		/* A fragment: nothing goes on until its datagram is whole; then the whole packet
		 * is decoded again and continues in place of the fragment. */
		if (defrag_packet(ctx->defrag, p, &whole) != 0)
			return;
		whole.flags = SW_PKT_REBUILT;
		r = decode_packet(&ctx->dec, &whole);
		if (whole.anomaly != 0)
			reader_anomaly(ctx, &whole);
		if (r != 0 || (whole.flags & SW_PKT_FRAG))
			return;
		p = &whole;
	}
	p->hash = flow_packet_hash(p, ctx->flow.hash_seed);
	w = &ctx->workers[(p->hash & 0xffffffffu) % ctx->nworkers];
	if (ctx->nworkers == 1)
		worker_packet(w, p);
	else
		ring_send(w, RING_PACKET, p);
}

/* ---- privileges --------------------------------------------------------------------------- */

static int
drop_privileges(const struct run_conf *rc)
{
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	gid_t gid;

	if (rc->run_as_user == NULL && rc->run_as_group == NULL)
		return 0;
	if (rc->run_as_user != NULL && (pw = getpwnam(rc->run_as_user)) == NULL) {
		sw_err("run-as.user: no such user '%s'", rc->run_as_user);
		return SW_E_CONFIG;
	}
	if (rc->run_as_group != NULL && (gr = getgrnam(rc->run_as_group)) == NULL) {
		sw_err("run-as.group: no such group '%s'", rc->run_as_group);
		return SW_E_CONFIG;
	}
	gid = gr != NULL ? gr->gr_gid : pw->pw_gid;
	if (pw != NULL ? initgroups(pw->pw_name, gid) != 0 : setgroups(1, &gid) != 0) {
		sw_err("cannot set supplementary groups: %s", strerror(errno));
		return SW_E_IO;
	}
	if (setresgid(gid, gid, gid) != 0) {
		sw_err("cannot change group to %u: %s", (unsigned)gid, strerror(errno));
		return SW_E_IO;
	}
	if (pw != NULL) {
		if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
			sw_err("cannot change user to %s: %s", pw->pw_name, strerror(errno));
			return SW_E_IO;
		}
		/* Make sure there is no way back. */
		if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
			sw_err("privileges could be regained after dropping them; refusing to run");
			return SW_E_IO;
		}
	}
	sw_notice("running as user %s, group %u", pw != NULL ? pw->pw_name : "(unchanged)",
		  (unsigned)gid);
	return 0;
}

static int
write_pidfile(const char *path)
{
	FILE *fp;

	if (path == NULL)
		return 0;
	if ((fp = fopen(path, "w")) == NULL) {
		sw_err("pidfile %s: %s", path, strerror(errno));
		return SW_E_IO;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	fclose(fp);
	return 0;
}

/* ---- indicator reloads -------------------------------------------------------------------- */

/* Watches the directories of the feed files (editors and feed fetchers replace files by
 * renaming) and returns the inotify descriptor, or -1. */
static int
cti_watch_start(struct sw_ctx *ctx)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	size_t i;

	if (fd < 0) {
		sw_warn("cti: cannot watch feed files (%s); reload with SIGHUP", strerror(errno));
		return -1;
	}
	for (i = 0; i < ctx->cti.nfeeds; i++) {
		char dir[4096];
		const char *path = ctx->cti.feeds[i].path, *slash = strrchr(path, '/');

		if (slash == NULL)
			snprintf(dir, sizeof(dir), ".");
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
		if (inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
			sw_warn("cti: cannot watch %s: %s", dir, strerror(errno));
	}
	return fd;
}

/* Whether inotify reported a change to one of the feed files. */
static bool
cti_watch_changed(struct sw_ctx *ctx, int fd)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + n) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			size_t i;

			for (i = 0; ev->len > 0 && i < ctx->cti.nfeeds; i++) {
				const char *path = ctx->cti.feeds[i].path, *base = strrchr(path, '/');

				if (strcmp(base != NULL ? base + 1 : path, ev->name) == 0)
					changed = true;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}

/* Publishes the figures of the current indicator set for stats; called by the thread that
 * reloads, the only one that frees stores. */
static void
cti_note_store(struct sw_ctx *ctx)
{
	const struct cti_store *s = cti_handle_current(ctx->cti_h);

	if (s == NULL)
		return;
	atomic_store(&ctx->cti_version, cti_store_version(s));
	atomic_store(&ctx->cti_indicators, cti_store_count(s, -1));
	atomic_store(&ctx->cti_bytes, cti_store_bytes(s));
}

/* ---- rule reloads ------------------------------------------------------------------------- */

/* Frees the replaced engines no thread uses any more. Only the reload thread calls it (and
 * run_sensor at the end, when the other threads are gone). */
static void
detect_reclaim(struct sw_ctx *ctx, bool all)
{
	unsigned i = 0;

	while (i < ctx->det_nretired) {
		struct detect_engine *old = ctx->det_retired[i];
		bool used = !all && atomic_load(&ctx->det_reader_engine) == old;

		for (uint32_t k = 0; !used && !all && k < ctx->nworkers; k++)
			used = atomic_load(&ctx->workers[k].det_seen) == old;
		if (used) {
			i++;
			continue;
		}
		detect_engine_free(old);
		ctx->det_retired[i] = ctx->det_retired[--ctx->det_nretired];
	}
}

/* Builds a new rule engine and publishes it; the workers move to it between packets and the old
 * one is freed once none uses it. A rule set that fails to load leaves the old one running. */
static void
detect_reload(struct sw_ctx *ctx)
{
	struct detect_engine *ne = NULL, *old;
	struct timespec ts = {0, 10 * 1000 * 1000};
	int r;

	detect_reclaim(ctx, false);
	while (ctx->det_nretired == sizeof(ctx->det_retired) / sizeof(ctx->det_retired[0]) &&
	       !ctx->stop) { /* reloads faster than the threads move: wait for them */
		nanosleep(&ts, NULL);
		detect_reclaim(ctx, false);
	}
	if (ctx->stop)
		return;
	if ((r = detect_engine_new(&ctx->detect, ctx->nworkers + 1, &ne)) != 0) {
		sw_err("rules: reload failed (%s); the previous rules stay in use", sw_strerror(r));
		sw_counter_add(&ctx->det_reload_errors, 1);
		return;
	}
	if (sw_log_get_level() >= SW_LOG_INFO)
		detect_summary_print(detect_engine_summary(ne), stderr);
	old = atomic_exchange_explicit(&ctx->det_cur, ne, memory_order_acq_rel);
	atomic_store(&ctx->det_rules, detect_engine_rules(ne));
	sw_counter_add(&ctx->det_reloads, 1);
	sw_notice("rules reloaded: %llu rules", (unsigned long long)detect_engine_rules(ne));
	if (old != NULL)
		ctx->det_retired[ctx->det_nretired++] = old;
	detect_reclaim(ctx, false);
}

/* Reloads indicators and rules off the packet path when SIGHUP asks, and the indicators when a
 * feed file changes; workers never wait. */
static void *
reload_main(void *arg)
{
	struct sw_ctx *ctx = arg;
	struct timespec ts = {0, 100 * 1000 * 1000};
	int wfd = ctx->cti_h != NULL && ctx->cti.reload_watch ? cti_watch_start(ctx) : -1;
	bool feeds_changed;

	while (!ctx->stop) {
		nanosleep(&ts, NULL);
		feeds_changed = false;
		if (wfd >= 0 && cti_watch_changed(ctx, wfd)) {
			/* let the writer finish: a burst of changes makes one reload */
			nanosleep(&ts, NULL);
			cti_watch_changed(ctx, wfd);
			sw_notice("cti: a feed file changed");
			feeds_changed = true;
		}
		detect_reclaim(ctx, false);
		if (!ctx->cti_reload && !feeds_changed)
			continue;
		if (ctx->cti_reload && ctx->detect.enabled)
			detect_reload(ctx);
		ctx->cti_reload = 0;
		if (ctx->cti_h == NULL)
			continue;
		if (cti_handle_reload(ctx->cti_h, &ctx->cti, sw_time_now()) == 0) {
			sw_notice("cti: indicators reloaded (version %llu)",
				  (unsigned long long)cti_handle_version(ctx->cti_h));
			sw_counter_add(&ctx->cti_reloads, 1);
		} else {
			sw_counter_add(&ctx->cti_reload_errors, 1);
		}
		cti_note_store(ctx);
		cti_handle_reclaim(ctx->cti_h);
	}
	if (wfd >= 0)
		close(wfd);
	return NULL;
}

static int
reload_thread_start(struct sw_ctx *ctx)
{
	if (ctx->cti_h == NULL && !ctx->detect.enabled)
		return 0;
	if ((errno = pthread_create(&ctx->cti_thread, NULL, reload_main, ctx)) != 0)
		return SW_E_NOMEM;
	ctx->cti_thread_started = true;
	return 0;
}

static int
detect_start(struct sw_ctx *ctx)
{
	struct detect_engine *e = NULL;
	int r;

	if (!ctx->detect.enabled)
		return 0;
	if ((r = detect_engine_new(&ctx->detect, ctx->nworkers + 1, &e)) != 0) {
		sw_err("rules: cannot load the rules: %s", sw_strerror(r));
		return r;
	}
	if (sw_log_get_level() >= SW_LOG_INFO)
		detect_summary_print(detect_engine_summary(e), stderr);
	else
		sw_notice("rules: %llu loaded, %llu skipped, %llu failed",
			  (unsigned long long)detect_engine_summary(e)->loaded,
			  (unsigned long long)detect_engine_summary(e)->skipped,
			  (unsigned long long)detect_engine_summary(e)->failed);
	atomic_store(&ctx->det_cur, e);
	atomic_store(&ctx->det_rules, detect_engine_rules(e));
	reader_detect_sync(ctx);
	return 0;
}

int
run_test_rules(struct sw_ctx *ctx, FILE *fp)
{
	struct detect_engine *e = NULL;
	const struct detect_summary *s;
	int r;

	if (!ctx->detect.enabled)
		return 0;
	if ((r = detect_engine_new(&ctx->detect, 1, &e)) != 0)
		return r;
	s = detect_engine_summary(e);
	detect_summary_print(s, fp);
	r = s->failed > 0 ? 1 : 0;
	detect_engine_free(e);
	return r;
}

static int
cti_start(struct sw_ctx *ctx)
{
	const struct cti_store *s;
	int r;

	if (!ctx->cti.enabled || ctx->cti.nfeeds == 0)
		return 0;
	if ((r = cti_handle_new(&ctx->cti_h)) != 0)
		return r;
	if ((r = cti_handle_reload(ctx->cti_h, &ctx->cti, sw_time_now())) != 0)
		return r;
	s = cti_handle_current(ctx->cti_h);
	cti_note_store(ctx);
	if (cti_store_failed_feeds(s) > 0) {
		sw_err("cti: %zu indicator feed(s) could not be loaded", cti_store_failed_feeds(s));
		return SW_E_CONFIG;
	}
	return 0;
}

/* ---- the run ------------------------------------------------------------------------------ */

static uint32_t
default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (uint32_t)n;
}

int
run_sensor(struct sw_ctx *ctx)
{
	struct reader rd = {.ctx = ctx, .now = 0, .last_tick = 0};
	sw_time_t last_stats, last_flush, wall;
	int r;

	ctx->live = ctx->capture.files.n == 0;
	ctx->cap_ops = capture_ops_find(ctx->live ? "pcap-live" : "pcap-file");
	decode_ctx_init(&ctx->dec, &ctx->decode, &ctx->decode_st, ctx->live);
	if (ctx->live) { /* offline keeps fixed seeds: the same output whatever the workers */
		flow_conf_seed_random(&ctx->flow);
		defrag_conf_seed_random(&ctx->defrag_conf);
	}
	ctx->nworkers = ctx->run.workers != 0 ? ctx->run.workers : default_workers();
	ctx->start_wall = sw_time_now();
	ctx->start_mono = sw_time_monotonic();
	sbuf_init(&ctx->evbuf);

	if ((r = ctx->cap_ops->open(&ctx->capture, &ctx->cap)) != 0)
		goto out;
	if ((r = output_new(&ctx->output, &ctx->out)) != 0)
		goto out;
	if ((r = write_pidfile(ctx->run.pidfile)) != 0)
		goto out;
	/* The capture handle and the log files are open: root is no longer needed. */
	if ((r = drop_privileges(&ctx->run)) != 0)
		goto out;
	ctx->eve.conf = &ctx->output;
	ctx->eve.source_names = ctx->cap_ops->sources(ctx->cap, &ctx->eve.nsources);
	ctx->eve.cid_seed = (uint16_t)ctx->flow.community_id_seed;
	/* event_id: the run id makes ids unique across restarts, the sequence within a run */
	snprintf(ctx->eve.run_id, sizeof(ctx->eve.run_id), "%llx",
		 (unsigned long long)(ctx->start_wall ^ ((sw_time_t)getpid() << 48)));
	ctx->eve.event_seq = &ctx->event_seq;
	if (ctx->defrag_conf.enabled &&
	    (r = defrag_new(&ctx->defrag_conf, reader_defrag_event, ctx, &ctx->defrag)) != 0)
		goto out;
	if ((r = cti_start(ctx)) != 0)
		goto out;
	if ((r = detect_start(ctx)) != 0)
		goto out;
	if ((r = workers_start(ctx)) != 0)
		goto out;
	if ((r = reload_thread_start(ctx)) != 0)
		goto out;

	last_stats = last_flush = sw_time_monotonic();
	while (!ctx->stop) {
		r = ctx->cap_ops->poll(ctx->cap, reader_packet, &rd, POLL_BATCH);
		if (r == 0)
			break;
		if (r < 0 && r != SW_E_AGAIN)
			break;
		if (ctx->reopen) {
			ctx->reopen = 0;
			if (output_reopen(ctx->out) == 0)
				sw_notice("log files reopened");
		}
		if (!ctx->live)
			continue;
		/* Live: the clock drives timeouts even when no packet comes. */
		reader_tick(&rd, sw_time_now());
		wall = sw_time_monotonic();
		if (wall - last_flush >= (sw_time_t)ctx->output.flush_interval * SW_USEC_PER_SEC) {
			output_flush(ctx->out);
			last_flush = wall;
		}
		if (ctx->output.stats_interval > 0 &&
		    wall - last_stats >= (sw_time_t)ctx->output.stats_interval * SW_USEC_PER_SEC) {
			run_report_stats(ctx, false);
			last_stats = wall;
		}
	}
	if (r < 0 && r != SW_E_AGAIN)
		sw_err("capture stopped: %s", sw_strerror(r));
	else
		r = 0;
	ctx->replay_end = rd.now;
	workers_finish(ctx, ctx->live ? sw_time_now() : rd.now);
	run_report_stats(ctx, true);
out:
	if (ctx->cti_thread_started) {
		ctx->stop = 1;
		pthread_join(ctx->cti_thread, NULL);
		ctx->cti_thread_started = false;
	}
	workers_free(ctx);
	detect_thread_free(ctx->det_reader);
	ctx->det_reader = NULL;
	atomic_store(&ctx->det_reader_engine, NULL);
	detect_reclaim(ctx, true);
	detect_engine_free(atomic_exchange(&ctx->det_cur, NULL));
	cti_handle_free(ctx->cti_h);
	ctx->cti_h = NULL;
	defrag_free(ctx->defrag);
	ctx->defrag = NULL;
	if (ctx->out != NULL) {
		output_free(ctx->out);
		ctx->out = NULL;
	}
	if (ctx->cap != NULL) {
		ctx->cap_ops->close(ctx->cap);
		ctx->cap = NULL;
	}
	if (ctx->run.pidfile != NULL)
		unlink(ctx->run.pidfile);
	sbuf_free(&ctx->evbuf);
	return r;
}
