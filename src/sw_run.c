/* src/sw_run.c: the sensor at run time: loads every stage's configuration, opens the capture
 * and outputs, drops privileges, starts the workers (sw_worker.c holds the packet path) and the
 * reload thread, runs the capture loop, and tears it all down in order. Wiring only: what a
 * stage does lives in that stage. */
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
#include "sw_notify.h"

#define POLL_BATCH  64
#define MAX_WORKERS 64

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
	if (cti_conf_load(doc, &ctx->cti) != 0 || cti_kafka_check_props(&ctx->cti.kafka, doc) != 0)
		r = SW_E_CONFIG;
	if (detect_conf_load(doc, &ctx->detect) != 0)
		r = SW_E_CONFIG;
	if (output_conf_load(doc, &ctx->output) != 0)
		r = SW_E_CONFIG;
	if (metrics_conf_load(doc, &ctx->metrics_conf) != 0)
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
	metrics_conf_free(&ctx->metrics_conf);
}

/* ---- privileges --------------------------------------------------------------------------- */

/* The user and group run-as drops to, for what is made before ((uid_t)-1: none, or unknown:
 * drop_privileges reports it) */
static uid_t
run_as_uid(const struct run_conf *rc)
{
	struct passwd *pw;

	if (rc->run_as_user == NULL || (pw = getpwnam(rc->run_as_user)) == NULL)
		return (uid_t)-1;
	return pw->pw_uid;
}

static gid_t
run_as_gid(const struct run_conf *rc)
{
	struct passwd *pw;
	struct group *gr;

	if (rc->run_as_group != NULL)
		return (gr = getgrnam(rc->run_as_group)) != NULL ? gr->gr_gid : (gid_t)-1;
	if (rc->run_as_user != NULL && (pw = getpwnam(rc->run_as_user)) != NULL)
		return pw->pw_gid;
	return (gid_t)-1;
}

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
	struct cti_figures fig;

	cti_handle_figures(ctx->cti_h, &fig);
	atomic_store(&ctx->cti_version, fig.version);
	atomic_store(&ctx->cti_indicators, fig.indicators);
	atomic_store(&ctx->cti_bytes, fig.bytes);
}

/* Reloads the indicators after SIGHUP or a changed feed file. A feed that fails keeps its
 * previous indicators (cti_store_build), but the reload still counts as an error. */
static void
cti_reload(struct sw_ctx *ctx)
{
	struct cti_figures fig;

	if (cti_handle_reload(ctx->cti_h, &ctx->cti, sw_time_now()) == 0 &&
	    (cti_handle_figures(ctx->cti_h, &fig), fig.failed_feeds == 0)) {
		sw_notice("cti: indicators reloaded (version %llu)",
			  (unsigned long long)cti_handle_version(ctx->cti_h));
		sw_counter_add(&ctx->cti_reloads, 1);
	} else {
		sw_counter_add(&ctx->cti_reload_errors, 1);
	}
	cti_note_store(ctx);
}

/* Reloads indicators and rules off the packet path when SIGHUP asks, and the indicators when a
 * feed file changes; workers never wait. Replaced sets are freed here once every thread has
 * passed a quiescent point (idle threads pass them too). */
static void *
reload_main(void *arg)
{
	struct sw_ctx *ctx = arg;
	struct timespec ts = {0, 100 * 1000 * 1000};
	int wfd = ctx->cti_h != NULL && ctx->cti.reload_watch ? cti_watch_start(ctx) : -1;
	bool feeds_changed, hup;

	while (!atomic_load(&ctx->stop)) {
		nanosleep(&ts, NULL);
		feeds_changed = false;
		if (wfd >= 0 && cti_watch_changed(ctx, wfd)) {
			/* let the writer finish: a burst of changes makes one reload */
			nanosleep(&ts, NULL);
			cti_watch_changed(ctx, wfd);
			sw_notice("cti: a feed file changed");
			feeds_changed = true;
		}
		hup = atomic_exchange(&ctx->reload, 0) != 0;
		if (hup)
			notify_reloading();
		if (hup && ctx->det_h != NULL)
			(void)detect_handle_reload(ctx->det_h, &ctx->detect);
		if ((hup || feeds_changed) && ctx->cti_h != NULL)
			cti_reload(ctx);
		if (hup)
			notify_ready();
		if (ctx->det_h != NULL)
			detect_handle_reclaim(ctx->det_h);
		if (ctx->cti_h != NULL)
			cti_handle_reclaim(ctx->cti_h);
		if (ctx->cti_k != NULL)
			cti_note_store(ctx); /* the intel topic changes the set without a reload */
	}
	if (wfd >= 0)
		close(wfd);
	return NULL;
}

static int
reload_thread_start(struct sw_ctx *ctx)
{
	if (ctx->cti_h == NULL && ctx->det_h == NULL)
		return 0;
	if ((errno = pthread_create(&ctx->reload_thread, NULL, reload_main, ctx)) != 0) {
		sw_err("cannot start the reload thread: %s", strerror(errno));
		return SW_E_NOMEM;
	}
	ctx->reload_thread_started = true;
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

/* An applied delta of the intel topic: an "intel" event, on the consumer's thread. */
static void
cti_intel_event(void *arg, const struct cti_intel_event *ev)
{
	struct sw_ctx *ctx = arg;
	struct sbuf b;

	if (!run_wants(ctx, EVE_INTEL))
		return;
	sbuf_init(&b);
	eve_format_intel(&b, &ctx->eve, ev);
	run_emit(ctx, EVE_INTEL, &b);
	sbuf_free(&b);
}

/* A new indicator matched what a worker saw before: a retro alert, on the adding thread. */
static void
cti_retro_alert(void *arg, const struct cti_retro_alert *a)
{
	struct sw_ctx *ctx = arg;
	struct sbuf b;

	if (!run_wants(ctx, EVE_ALERT))
		return;
	sbuf_init(&b);
	eve_format_cti_retro(&b, &ctx->eve, a);
	run_emit(ctx, EVE_ALERT, &b);
	sbuf_free(&b);
}

static int
cti_start(struct sw_ctx *ctx)
{
	const struct cti_store *s;
	int r;

	if (!ctx->cti.enabled || (ctx->cti.nfeeds == 0 && ctx->cti.kafka.brokers == NULL))
		return 0;
	if ((r = cti_handle_new(&ctx->cti_h)) != 0)
		return r;
	cti_handle_set_retro(ctx->cti_h, cti_retro_alert, ctx);
	if ((r = cti_handle_reload(ctx->cti_h, &ctx->cti, sw_time_now())) != 0)
		return r;
	s = cti_handle_current(ctx->cti_h);
	cti_note_store(ctx);
	if (cti_store_failed_feeds(s) > 0) {
		sw_err("cti: %zu indicator feed(s) could not be loaded", cti_store_failed_feeds(s));
		return SW_E_CONFIG;
	}
	if ((ctx->cti.kafka.brokers != NULL && ctx->cti.kafka.brokers[0] != '\0') &&
	    (r = cti_kafka_start(ctx->cti_h, &ctx->cti, cti_intel_event, ctx, &ctx->cti_k)) != 0)
		return r;
	if (ctx->cti_k != NULL)
		cti_note_store(ctx);
	return 0;
}

/* ---- the run ------------------------------------------------------------------------------ */

static uint32_t
default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (uint32_t)n;
}

/* Live: the capture source, and the workers of each port (capture.interfaces "@N", else the
 * workers key, else the cores shared between the ports). */
static int
live_setup(struct sw_ctx *ctx)
{
	struct capture_conf *cc = &ctx->capture;
	uint32_t total = 0, each;
	size_t i;
	int r;

	if ((r = capture_conf_ports(cc)) != 0)
		return r;
	if ((ctx->cap_ops = capture_ops_choose(cc)) == NULL)
		return SW_E_CONFIG;
	each = ctx->run.workers;
	if (each == 0 && cc->nports > 0)
		each = default_workers() / (uint32_t)cc->nports;
	for (i = 0; i < cc->nports; i++) {
		if (cc->ports[i].workers == 0)
			cc->ports[i].workers = each > 0 ? each : 1;
		total += cc->ports[i].workers;
	}
	if (total > MAX_WORKERS) {
		sw_err("capture.interfaces: %u workers in all; at most %d", total, MAX_WORKERS);
		return SW_E_CONFIG;
	}
	if (total > 0)
		ctx->nworkers = total;
	ctx->per_worker_capture = ctx->cap_ops->poll_queue != NULL;
	return 0;
}

/* The main thread while the workers read their own queues: it keeps time for the stats and
 * flushes, like an idle capture. */
static int
wait_tick(struct sw_ctx *ctx)
{
	struct timespec ts = {0, (long)ctx->capture.timeout_ms * 1000 * 1000};

	nanosleep(&ts, NULL);
	return SW_E_AGAIN;
}

int
run_sensor(struct sw_ctx *ctx)
{
	struct reader rd;
	sw_time_t last_stats, last_flush, wall, last_metrics, last_watchdog;
	uint64_t watchdog_us = notify_watchdog_interval();
	int r;

	memset(&rd, 0, sizeof(rd));
	ctx->live = ctx->capture.files.n == 0;
	ctx->cap_ops = capture_ops_find(ctx->live ? "pcap-live" : "pcap-file");
	ctx->nworkers = ctx->run.workers != 0 ? ctx->run.workers : default_workers();
	if (ctx->live && (r = live_setup(ctx)) != 0)
		return r;
	pthread_mutex_init(&ctx->defrag_lock, NULL);
	decode_ctx_init(&ctx->dec, &ctx->decode, &ctx->decode_st, ctx->live);
	/* the capture thread feeding several workers leaves TCP checksums to them */
	ctx->dec.csum_defer = ctx->nworkers > 1 && !ctx->per_worker_capture;
	if (ctx->live) { /* offline keeps fixed seeds: the same output whatever the workers */
		flow_conf_seed_random(&ctx->flow);
		defrag_conf_seed_random(&ctx->defrag_conf);
	}
	ctx->start_wall = sw_time_now();
	ctx->start_mono = sw_time_monotonic();
	sbuf_init(&ctx->evbuf);

	if ((r = ctx->cap_ops->open(&ctx->capture, &ctx->cap)) != 0)
		goto out;
	if ((r = output_new(&ctx->output, &ctx->out)) != 0)
		goto out;
	if ((r = metrics_start(&ctx->metrics_conf, &ctx->metrics)) != 0)
		goto out;
	if ((r = write_pidfile(ctx->run.pidfile)) != 0)
		goto out;
	/* the file store's directories, while we may still make them */
	if ((r = filestore_setup(&ctx->output, run_as_uid(&ctx->run), run_as_gid(&ctx->run))) != 0)
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
	if ((r = cti_start(ctx)) != 0)
		goto out;
	if (ctx->detect.enabled &&
	    (r = detect_handle_new(&ctx->detect,
				   ctx->nworkers * (ctx->per_worker_capture ? 2 : 1) + 1,
				   &ctx->det_h)) != 0)
		goto out;
	if ((r = reader_init(&rd, ctx, &ctx->reader_det_st)) != 0 || (r = reader_defrag_new(&rd)) != 0)
		goto out;
	if ((r = workers_start(ctx)) != 0)
		goto out;
	if ((r = reload_thread_start(ctx)) != 0)
		goto out;

	last_stats = last_flush = last_metrics = last_watchdog = sw_time_monotonic();
	/* the capture is open and the rules and indicators loaded */
	notify_ready();
	if (ctx->metrics != NULL)
		run_metrics_refresh(ctx);
	while (!atomic_load(&ctx->stop)) {
		r = ctx->per_worker_capture ? wait_tick(ctx)
					    : ctx->cap_ops->poll(ctx->cap, reader_packet, &rd, POLL_BATCH);
		if (r == 0)
			break;
		if (r < 0 && r != SW_E_AGAIN)
			break;
		if (atomic_exchange(&ctx->reopen, 0) != 0 && output_reopen(ctx->out) == 0)
			sw_notice("log files reopened");
		if (!ctx->live)
			continue;
		/* Live: the clock drives timeouts even when no packet comes, and an idle capture
		 * thread still passes its quiescent points. */
		reader_idle(&rd);
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
		if (ctx->metrics != NULL && wall - last_metrics >= SW_USEC_PER_SEC) {
			run_metrics_refresh(ctx);
			last_metrics = wall;
		}
		if (watchdog_us != 0 && wall - last_watchdog >= watchdog_us) {
			notify_watchdog();
			last_watchdog = wall;
		}
	}
	notify_stopping();
	if (atomic_load(&ctx->capture_err) != 0)
		r = atomic_load(&ctx->capture_err);
	if (r < 0 && r != SW_E_AGAIN)
		sw_err("capture stopped: %s", sw_strerror(r));
	else
		r = 0;
	/* live: the kernel takes no more packets, and what it already counted as received is
	 * read and handed over (afpacket's workers do this for their own queues) */
	if (r == 0 && ctx->live && !ctx->per_worker_capture && ctx->cap_ops->quiesce != NULL) {
		int d, n;

		ctx->cap_ops->quiesce(ctx->cap, 0);
		for (n = 0; n < 1 << 20; n++)
			if ((d = ctx->cap_ops->poll(ctx->cap, reader_packet, &rd, POLL_BATCH)) == 0 ||
			    (d < 0 && d != SW_E_AGAIN))
				break;
	}
	ctx->replay_end = rd.now;
	workers_finish(ctx, ctx->live ? sw_time_now() : rd.now);
	run_report_stats(ctx, true);
out:
	metrics_stop(ctx->metrics);
	ctx->metrics = NULL;
	if (ctx->reload_thread_started) {
		atomic_store(&ctx->stop, 1);
		pthread_join(ctx->reload_thread, NULL);
		ctx->reload_thread_started = false;
	}
	workers_finish(ctx, rd.now); /* an error path: threads started are stopped first */
	cti_kafka_stop(ctx->cti_k);
	ctx->cti_k = NULL;
	workers_free(ctx);
	reader_free(&rd);
	detect_handle_free(ctx->det_h);
	ctx->det_h = NULL;
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
	pthread_mutex_destroy(&ctx->defrag_lock);
	return r;
}
