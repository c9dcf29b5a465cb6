/* src/sw_worker.c: the packet path. The capture thread decodes each packet (and rebuilds
 * fragments), then hands it to worker hash(flow) % N over a single-producer/single-consumer
 * ring, or runs the worker inline when there is one worker. A worker owns its flow table and
 * every stage's per-flow state behind it, and publishes what they find through worker_emit().
 *
 * Who calls whom, on a worker's thread (nothing here is re-entered from another thread):
 *   worker_packet -> flow_table_update -> [worker_flow_end when a flow ends]
 *                 -> stream_packet -> worker_stream_data -> app_stream -> worker_app_msg
 *                                                       -> detect_stream -> worker_alert
 *                                  -> worker_stream_event
 *                 -> dpi_packet, app_datagram -> worker_app_msg -> cti / detect / output
 *                 -> detect_packet -> worker_alert
 * Callbacks run inside the stage that calls them and may call later stages only (app ->
 * cti/detect/output; detect -> output); none calls back into the stage that called it, except
 * worker_alert asking app_flow_current() for the transaction under way (a read). Quiescent
 * points (worker_sync) are only between packets and in idle loops. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sw_run.h"

#define RING_BYTES   (8u << 20)
#define POLL_BATCH   64
#define EXPIRE_EVERY SW_USEC_PER_SEC /* flow timeout sweep interval (packet or wall time) */

enum ring_kind {
	RING_PACKET = 0,
	RING_TICK = 1, /* time advanced; sweep timeouts */
	RING_END = 2,  /* input ended; flush and exit */
};

struct ring_rec {
	uint32_t kind;
	uint32_t pad;
	struct sw_packet pkt; /* data follows the record (pkt.caplen bytes) */
};

/* Aligned to a cache line (and so a multiple of one in size): worker i writes its counters and
 * event buffers at every packet, and must not share a line with what worker i+1 and the reader
 * read at every packet (ctx, ring, flows). */
struct sw_worker {
	_Alignas(64) struct sw_ctx *ctx;
	uint32_t id;
	pthread_t tid;
	bool started;
	struct sw_ring *ring;
	struct flow_table *flows;
	struct stream_worker *stream;
	struct dpi_worker *dpi;
	struct app_worker *app;
	struct cti_reader *cti;
	unsigned hashes; /* APP_HASH_* bodies get now (configured | indicators' | rules') */
	/* the indicator set cti_hashes was read from: its address and version (a new set may be
	 * allocated where a freed one was) */
	const struct cti_store *cti_seen;
	uint64_t cti_seen_version;
	unsigned cti_hashes; /* APP_HASH_* that set has indicators of */
	struct detect_reader *det_r;
	struct detect_thread *det; /* of the last sync; NULL: no rules */
	struct sw_memcap det_mem;
	struct detect_stats det_st; /* over every engine it used */
	/* the bytes the parsers are reading (a datagram's payload, a stream chunk): the payload of
	 * rules that mix payload contents and DNS buffers; NULL outside app_datagram/app_stream */
	const uint8_t *app_data;
	size_t app_len;
	enum flow_dir app_dir; /* the direction of app_data (to the client when none) */
	struct sbuf evbuf, alertbuf;
	struct evidence *ev; /* NULL: evidence.enabled is off */
	struct filestore *fs; /* NULL: outputs.file-store and outputs.tls-store are off */
	uint64_t fs_keep;     /* what the HTTP parser keeps of bodies for it (0: off) */
	sw_time_t now, last_expire;
	sw_counter_t packets;
	struct decode_csum_stats csum_st; /* TCP checksums the capture thread left to it */
	/* when it reads its own capture queue (afpacket): its decoding counters (one writer each:
	 * sw_counter_add is not an atomic add, so workers cannot share ctx->decode_st) */
	struct decode_stats dec_st;
	/* when it reads its own capture queue (afpacket): its decoding side */
	struct reader rd;
	struct decode_ctx dec;
	struct sbuf rdbuf;
};

/* ---- counters of worker i (sw_stats.c) ----------------------------------------------------- */

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

const struct sw_memcap *
run_worker_cti_mem(struct sw_ctx *ctx, uint32_t i)
{
	struct sw_worker *w = &ctx->workers[i];

	return w->cti != NULL ? cti_reader_mem(w->cti) : NULL;
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
run_worker_detect_stats(struct sw_ctx *ctx, uint32_t i, uint64_t out[8])
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
	out[7] = sw_counter_get(&st->windows_released);
}

void
run_workers_csum_stats(struct sw_ctx *ctx, uint64_t *tcp_bad, uint64_t *skipped)
{
	*tcp_bad = *skipped = 0;
	for (uint32_t i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
		*tcp_bad += sw_counter_get(&ctx->workers[i].csum_st.tcp_csum_bad);
		*skipped += sw_counter_get(&ctx->workers[i].csum_st.csum_skipped);
	}
}

void
run_decode_stats(struct sw_ctx *ctx, struct decode_stats *out)
{
	/* struct decode_stats is counters only */
	const size_t n = sizeof(struct decode_stats) / sizeof(sw_counter_t);
	sw_counter_t *o = (sw_counter_t *)(void *)out;
	const sw_counter_t *c = (const sw_counter_t *)(const void *)&ctx->decode_st;

	_Static_assert(sizeof(struct decode_stats) % sizeof(sw_counter_t) == 0,
		       "struct decode_stats holds counters only");
	for (size_t k = 0; k < n; k++)
		atomic_init(&o[k], sw_counter_get(&c[k]));
	for (uint32_t i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
		const sw_counter_t *wc = (const sw_counter_t *)(const void *)&ctx->workers[i].dec_st;

		for (size_t k = 0; k < n; k++)
			sw_counter_add(&o[k], sw_counter_get(&wc[k]));
	}
}

uint64_t
run_worker_detect_bypassed(struct sw_ctx *ctx, uint32_t i)
{
	return sw_counter_get(&ctx->workers[i].det_st.bypassed);
}

const struct detect_stats *
run_worker_detect_st(struct sw_ctx *ctx, uint32_t i)
{
	return &ctx->workers[i].det_st;
}

const struct sw_memcap *
run_worker_detect_mem(struct sw_ctx *ctx, uint32_t i)
{
	return &ctx->workers[i].det_mem;
}

const struct evidence_stats *
run_worker_evidence_stats(struct sw_ctx *ctx, uint32_t i)
{
	struct sw_worker *w = &ctx->workers[i];

	return w->ev != NULL ? evidence_get_stats(w->ev) : NULL;
}

const struct filestore_stats *
run_worker_filestore_stats(struct sw_ctx *ctx, uint32_t i)
{
	struct sw_worker *w = &ctx->workers[i];

	return w->fs != NULL ? filestore_get_stats(w->fs) : NULL;
}

/* ---- events ------------------------------------------------------------------------------- */

/* Writes the event formatted in b (of EVE type type); the only way events leave a thread.
 * Callers check run_wants() before formatting. */
void
run_emit(struct sw_ctx *ctx, int type, const struct sbuf *b)
{
	if (!sbuf_failed(b))
		output_write(ctx->out, type, b->p, b->len);
}

bool
run_wants(const struct sw_ctx *ctx, int type)
{
	return ctx->out != NULL && output_enabled(ctx->out, type);
}

/* A rule matched: an alert event. */
static void
worker_alert(void *arg, struct sw_flow *f, const struct sw_packet *p, enum flow_dir dir,
	     sw_time_t ts, const struct detect_alert *a, const struct app_msg *msg)
{
	struct sw_worker *w = arg;
	struct app_msg cur;

	if (!run_wants(w->ctx, EVE_ALERT))
		return;
	if (a->tagged_packet) { /* Suricata's alert output writes these as "packet" events */
		if (p != NULL && w->ctx->eve.conf->tagged_packets) {
			eve_format_tagged_packet(&w->alertbuf, &w->ctx->eve, f, p);
			run_emit(w->ctx, EVE_ALERT, &w->alertbuf);
		}
		return;
	}
	/* a rule on the raw stream or packets of an HTTP flow: the transaction under way */
	if (msg == NULL && f != NULL && app_flow_current(f, dir, &cur))
		msg = &cur;
	eve_format_rule_alert(&w->alertbuf, &w->ctx->eve, f, p, dir, ts, a, msg);
	if (w->ev != NULL && f != NULL)
		evidence_alert(w->ev, f, &w->alertbuf);
	run_emit(w->ctx, EVE_ALERT, &w->alertbuf);
}

struct cti_alert_ctx {
	struct sw_worker *w;
	const struct app_msg *msg; /* the message that carried the value; NULL for addresses */
};

/* An indicator matched: an alert event with the cti object and, when a message carried the
 * value, its app-layer object as rule alerts have. */
static void
worker_cti_alert(void *arg, struct sw_flow *f, sw_time_t ts, enum flow_dir dir,
		 const struct cti_hit *hit, const char *matched_on)
{
	struct cti_alert_ctx *c = arg;
	struct sw_worker *w = c->w;

	if (!run_wants(w->ctx, EVE_ALERT))
		return;
	eve_format_cti_alert(&w->alertbuf, &w->ctx->eve, f, ts, dir, hit, matched_on, c->msg);
	if (w->ev != NULL)
		evidence_alert(w->ev, f, &w->alertbuf);
	run_emit(w->ctx, EVE_ALERT, &w->alertbuf);
}

/* A flow ended: the later stages let go of it, then its flow event. */
static void
worker_flow_end(struct sw_flow *f, void *arg)
{
	struct sw_worker *w = arg;
	struct stream_dir_info info[2];
	bool has_stream = w->stream != NULL && stream_flow_end(w->stream, f, info);

	if (w->app != NULL)
		app_flow_end(w->app, f, f->last);
	if (w->det != NULL) { /* what the raw stream inspection has not seen yet */
		detect_stream_flush(w->det, f, FLOW_TO_SERVER, f->last, app_flow_name(f));
		detect_stream_flush(w->det, f, FLOW_TO_CLIENT, f->last, app_flow_name(f));
	}
	if (w->dpi != NULL)
		dpi_flow_finish(w->dpi, f);
	if (run_wants(w->ctx, EVE_FLOW)) {
		eve_format_flow(&w->evbuf, &w->ctx->eve, f, has_stream ? info : NULL);
		run_emit(w->ctx, EVE_FLOW, &w->evbuf);
	}
	if (w->ev != NULL) /* after every alert the flow can raise */
		evidence_flow_end(w->ev, f);
	if (w->dpi != NULL)
		dpi_flow_free(w->dpi, f);
	if (w->app != NULL)
		app_flow_free(w->app, f);
	detect_flow_free(w->det, f);
	cti_flow_free(w->cti, f);
}

/* A file that filestore rules (or force-filestore) asked for: stored, then its fileinfo event
 * says so ("stored", "file_id"), in the log and, with write-fileinfo, beside the file. */
static void
worker_store_file(struct sw_worker *w, struct sw_flow *f, const struct app_msg *msg, int type)
{
	struct app_file file = *msg->u.file;
	struct app_msg m = *msg;

	m.u.file = &file;
	if (filestore_file(w->fs, &file, &file.file_id) == 0)
		file.stored = true;
	if (!run_wants(w->ctx, type) && !(file.stored && w->ctx->output.file_store.write_fileinfo))
		return;
	eve_format_app(&w->evbuf, &w->ctx->eve, f, &m);
	if (file.stored && !sbuf_failed(&w->evbuf))
		filestore_fileinfo(w->fs, &file, file.file_id, m.ts, w->evbuf.p, w->evbuf.len);
	if (run_wants(w->ctx, type))
		run_emit(w->ctx, type, &w->evbuf);
}

/* A message of an app-layer parser: indicators, rules, then its EVE event. */
static void
worker_app_msg(void *arg, struct sw_flow *f, const struct app_msg *msg)
{
	struct sw_worker *w = arg;
	int type = eve_type_of_app(msg);

	if (msg->kind == APP_MSG_FRAME) { /* a frame is for the frame rules only: no event */
		if (w->det != NULL)
			detect_app_msg(w->det, f, msg, app_proto_name(msg->u.frame->proto));
		return;
	}
	if (w->cti != NULL) {
		struct cti_alert_ctx c = {w, msg};

		cti_flow_check_msg(w->cti, f, msg, worker_cti_alert, &c);
	}
	/* a message's rules see its own protocol: the tls message of an SMTP flow that said
	 * STARTTLS is tls for "alert tls" rules, while the flow stays smtp */
	if (w->det != NULL)
		detect_app_msg_payload(w->det, f, msg,
				       app_proto_name(app_msg_desc((int)msg->kind)->proto),
				       w->app_data, w->app_len);
	if (msg->kind == APP_MSG_TLS && w->fs != NULL && w->ctx->output.tls_store.enabled &&
	    detect_tls_store(w->det))
		filestore_tls(w->fs, f, msg->u.tls, w->app_dir, msg->ts);
	if (msg->kind == APP_MSG_FILE && w->fs != NULL && w->ctx->output.file_store.enabled &&
	    (w->ctx->output.file_store.force_filestore || detect_file_store(w->det, f, msg))) {
		worker_store_file(w, f, msg, type);
		return;
	}
	if (!run_wants(w->ctx, type))
		return;
	if (msg->kind == APP_MSG_FILE && w->fs != NULL && msg->u.file->state != APP_FILE_COMPLETE) {
		/* a truncated file not stored: its fileinfo has the SHA-256 of what was kept */
		struct app_file file = *msg->u.file;
		struct app_msg m = *msg;

		m.u.file = &file;
		filestore_truncated_sha256(&file);
		eve_format_app(&w->evbuf, &w->ctx->eve, f, &m);
		run_emit(w->ctx, type, &w->evbuf);
		return;
	}
	/* a DNS query makes one event per question (Suricata's eve dns v2), anything else one */
	for (unsigned i = 0, n = app_msg_events(msg); i < n; i++) {
		union app_event_tmp tmp;
		struct app_msg one;

		app_msg_event_view(msg, i, &one, &tmp);
		eve_format_app(&w->evbuf, &w->ctx->eve, f, &one);
		run_emit(w->ctx, type, &w->evbuf);
	}
}

/* Reassembled TCP data: to the app-layer parsers and the stream rules. */
static bool
worker_stream_data(void *arg, struct sw_flow *f, enum flow_dir dir, const uint8_t *data,
		   size_t len, uint64_t offset, unsigned flags)
{
	struct sw_worker *w = arg;

	if (w->det != NULL)
		detect_stream_begin(w->det, f, dir);
	if (w->app != NULL) {
		w->app_data = data;
		w->app_len = len;
		w->app_dir = dir;
		app_stream(w->app, f, dir, data, len, flags, w->now);
		w->app_data = NULL;
		w->app_dir = FLOW_TO_CLIENT;
	}
	if (w->det != NULL) {
		detect_stream(w->det, f, dir, data, len, offset, w->now, app_flow_name(f));
		if (flags & (STREAM_CHUNK_FIN | STREAM_CHUNK_RST | STREAM_CHUNK_DEPTH))
			detect_stream_end(w->det, f, dir, w->now, app_flow_name(f));
	}
	/* The stream is kept even when no parser wants it: raw-stream detection rules will. */
	return true;
}

/* An app-layer anomaly (an HTTP evasion construct): an anomaly event of type "applayer", and
 * the app-layer-event rules that name it. */
static void
worker_app_anomaly(void *arg, struct sw_flow *f, enum flow_dir dir, int proto, const char *event,
		   uint32_t tx_id, bool has_tx)
{
	struct sw_worker *w = arg;

	if (w->det != NULL)
		detect_app_event(w->det, f, dir, w->now, app_flow_name(f), app_event_find(event));
	if (!run_wants(w->ctx, EVE_ANOMALY))
		return;
	eve_format_app_anomaly(&w->evbuf, &w->ctx->eve, f, w->now, app_proto_name(proto), event,
			       tx_id, has_tx);
	run_emit(w->ctx, EVE_ANOMALY, &w->evbuf);
}

/* A stream anomaly: an anomaly event of type "stream" for the flow, and its event rules. */
static void
worker_stream_event(void *arg, struct sw_flow *f, const struct sw_packet *p, int ev)
{
	struct sw_worker *w = arg;

	if (run_wants(w->ctx, EVE_ANOMALY)) {
		eve_format_flow_anomaly(&w->evbuf, &w->ctx->eve, f, p, "stream",
					stream_event_name(ev));
		run_emit(w->ctx, EVE_ANOMALY, &w->evbuf);
	}
	if (w->det != NULL) {
		enum flow_dir dir = p != NULL && p->sport == f->sport &&
					    memcmp(&p->src, &f->srv, sizeof(p->src)) == 0
					    ? FLOW_TO_CLIENT
					    : FLOW_TO_SERVER;

		detect_event(w->det, f, p, dir, DETECT_EVENT_STREAM, ev);
	}
}

/* ---- the worker ---------------------------------------------------------------------------- */

/* A quiescent point, between packets or while idle: an old indicator set or rule engine may
 * go; the worker moves to the current ones (and the file hashes they need). */
static void
worker_sync(struct sw_worker *w)
{
	unsigned hashes = w->ctx->app.hash_mask;

	if (w->cti != NULL) {
		const struct cti_store *s;

		cti_reader_quiescent(w->cti);
		s = cti_reader_store(w->cti);
		/* an MD5 feed turns MD5 on: read once per indicator set */
		if (s != w->cti_seen || cti_store_version(s) != w->cti_seen_version) {
			w->cti_seen = s;
			w->cti_seen_version = cti_store_version(s);
			w->cti_hashes = cti_store_file_hashes(s);
		}
		hashes |= w->cti_hashes;
	}
	if (w->det_r != NULL) {
		w->det = detect_reader_sync(w->det_r);
		/* a file.md5 rule too */
		hashes |= detect_file_hashes(w->det);
		if (w->app != NULL) /* TLS keeps its bytes as sent for mixed payload/TLS rules */
			app_worker_set_tls_raw(w->app, detect_wants_msg_payload(w->det, APP_MSG_TLS));
		if (w->app != NULL) /* ssl_state on the key exchanges: TLS reads on to them */
			app_worker_set_tls_keyx(w->app, detect_wants_tls_keyx(w->det));
		if (w->app != NULL) /* the frame types frame rules inspect */
			app_worker_set_frames(w->app, detect_wants_frames(w->det));
	}
	if (w->app != NULL) /* bodies keep their first bytes only for rules that read them */
		app_worker_set_body_keep(w->app, w->det_r != NULL && detect_wants_bodies(w->det));
	if (w->fs != NULL && w->app != NULL && w->ctx->output.file_store.enabled) {
		/* bodies are kept whole (to the file store's depth) only while it can be asked for
		 * one; stored files are named by their SHA-256 */
		const struct filestore_conf *fc = &w->ctx->output.file_store;
		uint64_t keep = 0;

		if (fc->force_filestore || detect_wants_store(w->det, false))
			keep = fc->stream_depth != 0 ? fc->stream_depth : UINT64_MAX;
		if (keep != 0)
			hashes |= APP_HASH_SHA256;
		if (keep != w->fs_keep) {
			w->fs_keep = keep;
			app_worker_set_file_keep(w->app, keep);
		}
	}
	/* the hashes bodies get: the configured ones, and those the indicators and rules read */
	if (w->app != NULL && hashes != w->hashes) {
		w->hashes = hashes;
		app_worker_set_file_hashes(w->app, hashes);
	}
}

static void
worker_tick(struct sw_worker *w, sw_time_t now)
{
	worker_sync(w);
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
	f = flow_table_update(w->flows, p, &dir);
	if (f == NULL)
		return;
	if (w->ev != NULL)
		evidence_packet(w->ev, f, p);
	if (w->cti != NULL && f->pkts[0] + f->pkts[1] == 1) {
		struct cti_alert_ctx c = {w, NULL};

		cti_flow_check_addrs(w->cti, f, p->ts, w->ctx->cti.match_tunnel,
				     worker_cti_alert, &c);
	}
	if (f->bypassed) /* a bypass rule matched (Suricata's local bypass): counted, no more */
		return;
	if (f->proto == 6 && w->stream != NULL)
		stream_packet(w->stream, f, dir, p);
	if (w->dpi != NULL)
		dpi_packet(w->dpi, f, dir, p);
	if (w->app != NULL && f->proto == 17) {
		if (p->payload_off <= p->caplen && p->payload_len <= p->caplen - p->payload_off) {
			w->app_data = p->data + p->payload_off;
			w->app_len = p->payload_len;
		}
		app_datagram(w->app, f, dir, p);
		w->app_data = NULL;
	}
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
			worker_sync(w); /* idle: reloads need not wait for traffic */
			sw_ring_wait(&spins);
			continue;
		}
		spins = 0;
		switch (rec->kind) {
		case RING_PACKET:
			if (!rec->pkt.data_stable)
				rec->pkt.data = (const uint8_t *)(rec + 1);
			if (decode_csum_deferred(&rec->pkt, &w->csum_st))
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

/* A worker reading its own capture queue: decode, defragment and the packet path, all on this
 * thread; the clock drives timeouts when nothing comes. */
static void *
worker_capture_main(void *arg)
{
	struct sw_worker *w = arg;
	struct sw_ctx *ctx = w->ctx;
	int r, zero = 0, n;

	while (!atomic_load(&ctx->stop) && !atomic_load(&ctx->capture_quit)) {
		r = ctx->cap_ops->poll_queue(ctx->cap, w->id, reader_packet, &w->rd, POLL_BATCH);
		if (r < 0 && r != SW_E_AGAIN) {
			sw_err("worker %u: capture failed: %s", w->id, sw_strerror(r));
			atomic_compare_exchange_strong(&ctx->capture_err, &zero, r);
			atomic_store(&ctx->stop, 1);
			break;
		}
		reader_idle(&w->rd);
		reader_tick(&w->rd, sw_time_now());
	}
	/* the kernel takes no more packets for this queue, and what is already in its rings is
	 * read, so that what the kernel counted as received was delivered; poll_queue says 0
	 * once nothing more can come (bounded all the same) */
	if (ctx->cap_ops->quiesce != NULL)
		ctx->cap_ops->quiesce(ctx->cap, w->id);
	for (n = 0; atomic_load(&ctx->capture_err) == 0 && n < 1 << 20; n++) {
		r = ctx->cap_ops->poll_queue(ctx->cap, w->id, reader_packet, &w->rd, POLL_BATCH);
		if (r == 0 || (r < 0 && (r != SW_E_AGAIN || ctx->cap_ops->quiesce == NULL)))
			break;
	}
	worker_end(w, sw_time_now());
	return NULL;
}

/* Its own decoding side, for a worker that reads its capture queue. */
static int
worker_reader_init(struct sw_ctx *ctx, struct sw_worker *w)
{
	int r;

	if ((r = reader_init(&w->rd, ctx, &w->det_st)) != 0) /* the same thread */
		return r;
	sbuf_init(&w->rdbuf);
	decode_ctx_init(&w->dec, &ctx->decode, &w->dec_st, ctx->live);
	w->rd.dec = &w->dec;
	w->rd.evbuf = &w->rdbuf;
	w->rd.self = w;
	return 0;
}

/* Makes worker w's stages. */
static int
worker_init(struct sw_ctx *ctx, struct sw_worker *w, uint32_t i)
{
	int r;

	w->ctx = ctx;
	w->id = i;
	w->app_dir = FLOW_TO_CLIENT;
	sbuf_init(&w->evbuf);
	sbuf_init(&w->alertbuf);
	w->det_mem.memcap = ctx->detect.memcap / ctx->nworkers;
	if ((r = flow_table_new(&ctx->flow, worker_flow_end, w, &w->flows)) != 0)
		return r;
	if (ctx->output.evidence.enabled &&
	    (r = evidence_new(&ctx->output, ctx->output.evidence.memcap / ctx->nworkers, ctx->out,
			      &w->ev)) != 0)
		return r;
	if ((ctx->output.file_store.enabled || ctx->output.tls_store.enabled) &&
	    (r = filestore_new(&ctx->output, ctx->file_store_id, &w->fs)) != 0)
		return r;
	if (ctx->dpi.enabled &&
	    (r = dpi_worker_new(&ctx->dpi, ctx->dpi.memcap / ctx->nworkers, &w->dpi)) != 0)
		return r;
	if ((r = app_worker_new(worker_app_msg, w, &w->app)) != 0)
		return r;
	w->hashes = ctx->app.hash_mask;
	app_worker_set_file_hashes(w->app, w->hashes);
	app_worker_set_memcap(w->app, ctx->app.memcap / ctx->nworkers);
	app_worker_set_http_decompress(w->app, &ctx->app.http_decompress);
	app_worker_set_http_header_max(w->app, ctx->app.http_header_max);
	app_worker_set_tls_log_chain(w->app, ctx->app.tls_log_chain);
	app_worker_set_anomaly(w->app, worker_app_anomaly);
	if (ctx->cti_h != NULL) {
		if ((r = cti_reader_new(ctx->cti_h, &w->cti)) != 0)
			return r;
		cti_reader_mem(w->cti)->memcap = ctx->cti.memcap / ctx->nworkers;
		if ((r = cti_reader_retro(w->cti, ctx->cti.retro_minutes,
					  ctx->cti.retro_memcap / ctx->nworkers)) != 0)
			return r;
	}
	if (ctx->det_h != NULL &&
	    (r = detect_reader_new(ctx->det_h, &w->det_mem, &w->det_st, worker_alert, w,
				   &w->det_r)) != 0)
		return r;
	if (ctx->stream.enabled &&
	    (r = stream_worker_new(&ctx->stream, ctx->stream.memcap / ctx->nworkers,
				   worker_stream_data, worker_stream_event, w, &w->stream)) != 0)
		return r;
	worker_sync(w);
	return 0;
}

int
workers_start(struct sw_ctx *ctx)
{
	uint32_t i;
	int r;

	/* not calloc: its 16-byte alignment is not the struct's */
	if ((ctx->workers = aligned_alloc(_Alignof(struct sw_worker),
					  ctx->nworkers * sizeof(*ctx->workers))) == NULL)
		return SW_E_NOMEM;
	memset(ctx->workers, 0, ctx->nworkers * sizeof(*ctx->workers));
	for (i = 0; i < ctx->nworkers; i++) {
		struct sw_worker *w = &ctx->workers[i];

		if ((r = worker_init(ctx, w, i)) != 0)
			goto fail;
		if (ctx->per_worker_capture) {
			if ((r = worker_reader_init(ctx, w)) != 0)
				goto fail;
			if ((errno = pthread_create(&w->tid, NULL, worker_capture_main, w)) != 0) {
				sw_err("cannot start worker %u: %s", i, strerror(errno));
				r = SW_E_NOMEM;
				goto fail;
			}
			w->started = true;
			continue;
		}
		if (ctx->nworkers == 1)
			continue; /* inline in the capture thread */
		if ((r = sw_ring_new(RING_BYTES, &w->ring)) != 0)
			goto fail;
		if ((errno = pthread_create(&w->tid, NULL, worker_main, w)) != 0) {
			sw_err("cannot start worker %u: %s", i, strerror(errno));
			r = SW_E_NOMEM;
			goto fail;
		}
		w->started = true;
	}
	return 0;
fail:
	/* the workers already running own their rings and flow tables: stop them first */
	workers_finish(ctx, 0);
	return r;
}

/* Puts a record on worker w's ring, waiting while it is full (offline this is backpressure;
 * live, a full ring shows up as kernel drops, which are counted). A packet longer than a ring
 * record can hold is cut, and its caplen says so. Bytes that stay valid until the capture
 * closes (a mapped file) are not copied: the record points at them. */
static void
ring_send(struct sw_worker *w, uint32_t kind, const struct sw_packet *p)
{
	bool stable = kind == RING_PACKET && p->data_stable;
	size_t bytes = kind == RING_PACKET && !stable ? p->caplen : 0;
	struct ring_rec *rec;
	unsigned spins = 0;

	if (bytes > sw_ring_max_record(w->ring) - sizeof(*rec))
		bytes = sw_ring_max_record(w->ring) - sizeof(*rec);
	while ((rec = sw_ring_reserve(w->ring, sizeof(*rec) + bytes)) == NULL)
		sw_ring_wait(&spins);
	rec->kind = kind;
	/* encap[] is last: only the layers in use are copied (the rest is never read) */
	memcpy(&rec->pkt, p,
	       offsetof(struct sw_packet, encap) + (size_t)p->encap_count * sizeof(p->encap[0]));
	if (!stable) {
		rec->pkt.data = NULL;
		rec->pkt.caplen = (uint32_t)bytes;
		if (bytes > 0)
			memcpy(rec + 1, p->data, bytes);
	}
	sw_ring_commit(w->ring);
}

void
workers_finish(struct sw_ctx *ctx, sw_time_t now)
{
	struct sw_packet end;
	uint32_t i;

	if (ctx->workers == NULL)
		return;
	memset(&end, 0, sizeof(end));
	end.ts = now;
	if (ctx->per_worker_capture) /* they end their flows when they see it */
		atomic_store(&ctx->capture_quit, 1);
	for (i = 0; i < ctx->nworkers; i++) {
		struct sw_worker *w = &ctx->workers[i];

		if (w->started) {
			if (w->ring != NULL)
				ring_send(w, RING_END, &end);
		} else if (w->flows != NULL) {
			worker_end(w, now);
		}
	}
	for (i = 0; i < ctx->nworkers; i++) {
		if (ctx->workers[i].started) {
			pthread_join(ctx->workers[i].tid, NULL);
			ctx->workers[i].started = false;
		}
	}
}

void
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
		evidence_free(w->ev); /* its flows ended above */
		w->ev = NULL;
		filestore_free(w->fs);
		w->fs = NULL;
		stream_worker_free(w->stream);
		dpi_worker_free(w->dpi);
		app_worker_free(w->app);
		cti_reader_free(w->cti);
		detect_reader_free(w->det_r);
		w->det = NULL;
		sw_ring_free(w->ring);
		sbuf_free(&w->evbuf);
		sbuf_free(&w->alertbuf);
		if (w->rd.self != NULL) {
			reader_free(&w->rd);
			sbuf_free(&w->rdbuf);
		}
	}
	free(ctx->workers);
	ctx->workers = NULL;
}

/* ---- the capture thread ------------------------------------------------------------------- */

/* An alert from a decoder or defragmentation event rule, in the capture thread. */
static void
reader_alert(void *arg, struct sw_flow *f, const struct sw_packet *p, enum flow_dir dir,
	     sw_time_t ts, const struct detect_alert *a, const struct app_msg *msg)
{
	struct reader *rd = arg;

	if (!run_wants(rd->ctx, EVE_ALERT))
		return;
	eve_format_rule_alert(rd->evbuf, &rd->ctx->eve, f, p, dir, ts, a, msg);
	run_emit(rd->ctx, EVE_ALERT, rd->evbuf);
}

int
reader_init(struct reader *rd, struct sw_ctx *ctx, struct detect_stats *st)
{
	memset(rd, 0, sizeof(*rd));
	rd->ctx = ctx;
	rd->dec = &ctx->dec;
	rd->evbuf = &ctx->evbuf;
	if (ctx->det_h != NULL)
		return detect_reader_new(ctx->det_h, NULL, st, reader_alert, rd, &rd->det_r);
	return 0;
}

void
reader_free(struct reader *rd)
{
	detect_reader_free(rd->det_r);
	rd->det_r = NULL;
	free(rd->ck_head);
	rd->ck_head = NULL;
}

/* The capture thread's quiescent point, and the single worker's when it runs inline. */
void
reader_idle(struct reader *rd)
{
	if (rd->det_r != NULL)
		rd->det = detect_reader_sync(rd->det_r);
	if (rd->self != NULL)
		worker_sync(rd->self);
	else if (rd->ctx->nworkers == 1 && rd->ctx->workers != NULL && !rd->ctx->per_worker_capture)
		worker_sync(&rd->ctx->workers[0]);
}

static void
reader_anomaly(struct reader *rd, const struct sw_packet *p)
{
	struct sw_ctx *ctx = rd->ctx;

	if (run_wants(ctx, EVE_ANOMALY)) {
		eve_format_anomaly(rd->evbuf, &ctx->eve, p, "decode", decode_event_name(p->anomaly));
		run_emit(ctx, EVE_ANOMALY, rd->evbuf);
	}
	if (rd->det != NULL)
		detect_event(rd->det, NULL, p, FLOW_TO_SERVER, DETECT_EVENT_DECODE, p->anomaly);
}

/* A defragmentation anomaly (p is NULL for a timeout, which is only counted), reported through
 * the reader that called defrag (ctx->defrag_rd). */
static void
reader_defrag_event(void *arg, const struct sw_packet *p, int ev)
{
	struct sw_ctx *ctx = arg;
	struct reader *rd = ctx->defrag_rd;

	if (p == NULL)
		return;
	if (run_wants(ctx, EVE_ANOMALY)) {
		eve_format_anomaly(rd->evbuf, &ctx->eve, p, "defrag", defrag_event_name(ev));
		run_emit(ctx, EVE_ANOMALY, rd->evbuf);
	}
	if (rd->det != NULL)
		detect_event(rd->det, NULL, p, FLOW_TO_SERVER, DETECT_EVENT_DEFRAG, ev);
}

int
reader_defrag_new(struct reader *rd)
{
	struct sw_ctx *ctx = rd->ctx;

	if (!ctx->defrag_conf.enabled)
		return 0;
	ctx->defrag_rd = rd;
	return defrag_new(&ctx->defrag_conf, reader_defrag_event, ctx, &ctx->defrag);
}

void
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
	if (ctx->per_worker_capture) { /* each worker keeps its own time */
		if (rd->self == NULL)
			return;
		if (ctx->defrag != NULL) {
			pthread_mutex_lock(&ctx->defrag_lock);
			ctx->defrag_rd = rd;
			defrag_expire(ctx->defrag, rd->now);
			pthread_mutex_unlock(&ctx->defrag_lock);
		}
		worker_tick(rd->self, rd->now);
		return;
	}
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

/* Bytes of mapped capture between two checkpoints of what the workers are done with, and the
 * most the workers may have in hand before the reader waits for them (as for a full ring). */
#define READER_RELEASE_STEP (4u << 20)
#define READER_INFLIGHT_MAX (16u << 20)

static uintptr_t
ptr_dist(const void *a, const void *b)
{
	return (uintptr_t)a > (uintptr_t)b ? (uintptr_t)a - (uintptr_t)b
					   : (uintptr_t)b - (uintptr_t)a;
}

/* Whether every worker released the records published before the pending checkpoint; then the
 * capture gets the memory before it back. */
static bool
reader_ck_done(struct reader *rd)
{
	struct sw_ctx *ctx = rd->ctx;

	for (uint32_t i = 0; i < ctx->nworkers; i++)
		if (sw_ring_released(ctx->workers[i].ring) < rd->ck_head[i])
			return false;
	ctx->cap_ops->release(ctx->cap, rd->ck_upto);
	rd->ck_pending = false;
	return true;
}

/* p's bytes stay mapped (data_stable) and it is about to be handed over: lets the capture give
 * back the memory of the packets every worker is done with (a worker's ring holds pointers to
 * them, not copies). A checkpoint notes where each ring's producer is; once every consumer has
 * released that far, what was sent before it is done. Inline (one worker), at once. */
static void
reader_release(struct reader *rd, const struct sw_packet *p)
{
	struct sw_ctx *ctx = rd->ctx;
	unsigned spins = 0;
	uint32_t i;

	if (rd->ck_pending) {
		bool full = ptr_dist(p->data, rd->ck_upto) >= READER_INFLIGHT_MAX;

		/* the consumers' positions are on their cache lines: read every 64 packets */
		if (!full && (++rd->ck_polls & 63) != 0)
			return;
		if (!reader_ck_done(rd)) {
			if (!full)
				return;
			while (!reader_ck_done(rd)) /* the workers hold enough: wait for them */
				sw_ring_wait(&spins);
		}
	}
	if (rd->ck_last != NULL && ptr_dist(p->data, rd->ck_last) < READER_RELEASE_STEP)
		return;
	rd->ck_last = p->data;
	if (ctx->nworkers == 1) { /* inline: every packet before p is done */
		ctx->cap_ops->release(ctx->cap, p->data);
		return;
	}
	if (rd->ck_head == NULL && (rd->ck_head = calloc(ctx->nworkers, sizeof(uint64_t))) == NULL)
		return;
	for (i = 0; i < ctx->nworkers; i++)
		rd->ck_head[i] = sw_ring_published(ctx->workers[i].ring);
	rd->ck_upto = p->data;
	rd->ck_pending = true;
}

/* The packet to its worker: itself when it reads its queue, else the worker of its flow. */
static void
reader_dispatch(struct reader *rd, struct sw_packet *p)
{
	struct sw_ctx *ctx = rd->ctx;
	struct sw_worker *w;

	if (rd->self != NULL) {
		worker_packet(rd->self, p);
		return;
	}
	if (p->data_stable && ctx->cap_ops->release != NULL)
		reader_release(rd, p);
	p->hash = flow_packet_hash(p, &ctx->flow);
	w = &ctx->workers[(p->hash & 0xffffffffu) % ctx->nworkers];
	if (ctx->nworkers == 1)
		worker_packet(w, p);
	else
		ring_send(w, RING_PACKET, p);
}

/* A fragment: nothing goes on until its datagram is whole; then the whole packet is decoded
 * again and continues in place of the fragment. */
static void
reader_fragment(struct reader *rd, struct sw_packet *p)
{
	struct sw_ctx *ctx = rd->ctx;
	struct sw_packet whole;
	int r;

	if (defrag_packet(ctx->defrag, p, &whole) != 0)
		return;
	whole.flags = SW_PKT_REBUILT;
	whole.data_stable = false; /* the table's bytes, until its next call */
	r = decode_packet(rd->dec, &whole);
	if (whole.anomaly != 0)
		reader_anomaly(rd, &whole);
	if (r != 0 || (whole.flags & SW_PKT_FRAG))
		return;
	reader_dispatch(rd, &whole);
}

void
reader_packet(struct sw_packet *p, void *arg)
{
	struct reader *rd = arg;
	struct sw_ctx *ctx = rd->ctx;
	int r;

	/* between packets: the capture thread's quiescent point (an inline worker passes its own
	 * in worker_tick) */
	if (rd->det_r != NULL)
		rd->det = detect_reader_sync(rd->det_r);
	r = decode_packet(rd->dec, p);
	if (rd->last_tick == 0)
		rd->last_tick = ctx->replay_start = p->ts;
	if (p->ts > rd->now)
		reader_tick(rd, p->ts);
	if (p->anomaly != 0)
		reader_anomaly(rd, p);
	if (r != 0)
		return;
	if ((p->flags & SW_PKT_FRAG) && ctx->defrag != NULL) {
		if (rd->self == NULL) {
			reader_fragment(rd, p);
		} else {
			/* workers reading their own queues share the fragments' table (the
			 * kernel's fanout already rebuilt most IPv4 datagrams); the whole packet's
			 * bytes belong to it until the next call, so its path runs under the lock */
			pthread_mutex_lock(&ctx->defrag_lock);
			ctx->defrag_rd = rd;
			reader_fragment(rd, p);
			pthread_mutex_unlock(&ctx->defrag_lock);
		}
		/* as Suricata 7, the fragment itself goes through the packet rules (without a
		 * flow), after the datagram it completed; here in the reading thread, so the
		 * same capture gives the same alerts whatever the number of workers */
		if (rd->det != NULL)
			detect_fragment(rd->det, p);
		return;
	}
	reader_dispatch(rd, p);
}
