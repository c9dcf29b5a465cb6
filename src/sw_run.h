/* src/sw_run.h: the running sensor: shared context, workers, the capture loop and the stats
 * report. Used by spanwatch.c only; this is where the stages are wired together. */
#ifndef SW_RUN_H
#define SW_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "capture/capture.h"
#include "core/core.h"
#include "decode/decode.h"
#include "defrag/defrag.h"
#include "flow/flow.h"
#include "output/output.h"
#include "stream/stream.h"
#include "dpi/dpi.h"
#include "app/app.h"
#include "cti/cti.h"
#include "detect/detect.h"
#include "sw_loss.h"
#include "sw_metrics.h"

struct run_conf {
	uint32_t workers; /* 0: one per core */
	char *run_as_user, *run_as_group;
	char *pidfile;
	int log_level;
};

struct sw_worker;

/* Shared by all threads; read-only once the capture runs (but for the signal flags). */
struct sw_ctx {
	struct conf_doc *doc;
	struct run_conf run;
	struct capture_conf capture;
	struct decode_conf decode;
	struct defrag_conf defrag_conf;
	struct flow_conf flow;
	struct stream_conf stream;
	struct dpi_conf dpi;
	struct app_conf app;
	struct cti_conf cti;
	struct detect_conf detect;
	struct output_conf output;
	struct metrics_conf metrics_conf;

	const struct capture_ops *cap_ops;
	struct capture *cap;
	struct output *out;
	struct cti_handle *cti_h; /* NULL when no indicators are configured */
	struct cti_kafka *cti_k;  /* the intel topic's consumer; NULL when none */
	pthread_t reload_thread;
	bool reload_thread_started;
	/* the loaded indicator set, for stats (written by whoever reloads) */
	sw_counter_t cti_version, cti_indicators, cti_bytes, cti_reloads, cti_reload_errors;
	/* the rules in use; NULL when detection is off */
	struct detect_handle *det_h;
	struct eve_ctx eve;
	_Atomic uint64_t event_seq;
	/* the last file_id of the file store, the last id of the TLS store */
	_Atomic uint32_t file_store_id[2];
	bool live;
	/* afpacket: each worker reads its own capture queue (no capture thread); the main thread
	 * only keeps time for stats and flushes. Workers end on capture_quit; the first capture
	 * error of a worker is in capture_err. Fragments then go through ctx->defrag under
	 * defrag_lock, defrag_rd the reader its events are reported through. */
	bool per_worker_capture;
	atomic_int capture_quit, capture_err;
	pthread_mutex_t defrag_lock;
	struct reader *defrag_rd;
	uint32_t nworkers;
	struct sw_worker *workers;

	/* the capture thread's decoder state and event buffer */
	struct decode_stats decode_st;
	struct decode_ctx dec; /* conf, decode_st and the checksum mode in force */
	struct defrag *defrag;
	struct sbuf evbuf;
	/* what the capture thread's rules inspected and raised (decoder events, fragments),
	 * added to the workers' detect.* counters */
	struct detect_stats reader_det_st;

	sw_time_t start_wall, start_mono;
	sw_time_t replay_end; /* offline: time of the last packet */
	sw_time_t replay_start; /* time of the first packet */
	struct loss_state loss;       /* the loss last reported (sw_stats.c) */
	struct sw_metrics *metrics;   /* the /metrics endpoint; NULL when off */
	/* set by signal handlers (lock-free atomics are async-signal-safe), read by every thread */
	atomic_int stop, reopen, reload;
};

/* Loads every stage's configuration from doc (already holding the file and --set values);
 * reports all errors, then unknown keys. */
int run_conf_load(struct sw_ctx *ctx, struct conf_doc *doc);
void run_conf_free(struct sw_ctx *ctx);

/* Opens the capture and outputs, drops privileges, runs until the input ends or stop is set,
 * flushes flows and prints the final stats. Returns 0 or an SW_E_* code. */
int run_sensor(struct sw_ctx *ctx);

/* Collects every counter into a stats event and writes it; with human set, also prints the
 * summary on stderr. */
void run_report_stats(struct sw_ctx *ctx, bool final);
/* Collects every counter into a new /metrics snapshot, without writing an event. */
void run_metrics_refresh(struct sw_ctx *ctx);

/* Counters of worker i (sw_stats.c reads them). */
struct flow_stats *run_worker_flow_stats(struct sw_ctx *ctx, uint32_t i);
uint64_t run_worker_packets(struct sw_ctx *ctx, uint32_t i);
struct stream_stats *run_worker_stream_stats(struct sw_ctx *ctx, uint32_t i);
struct dpi_stats *run_worker_dpi_stats(struct sw_ctx *ctx, uint32_t i);
struct app_stats *run_worker_app_stats(struct sw_ctx *ctx, uint32_t i);
const struct sw_memcap *run_worker_app_mem(struct sw_ctx *ctx, uint32_t i);
const struct sw_memcap *run_worker_cti_mem(struct sw_ctx *ctx, uint32_t i);
/* Detection counters of worker i, summed over the engines it used, into out. */
void run_worker_detect_stats(struct sw_ctx *ctx, uint32_t i, uint64_t out[8]);
/* Flows worker i's bypass rules took out of inspection. */
uint64_t run_worker_detect_bypassed(struct sw_ctx *ctx, uint32_t i);
/* Worker i's rule-engine counters (struct detect_stats of detect/detect.h). */
const struct detect_stats *run_worker_detect_st(struct sw_ctx *ctx, uint32_t i);
/* The TCP checksums the workers verified for the capture thread: bad ones, and packets kept out
 * of flows for them (added to decoder.checksum.tcp_bad and .skipped). */
/* The decoding counters of the capture thread and of every worker that reads its own queue
 * (afpacket), added up into out. */
void run_decode_stats(struct sw_ctx *ctx, struct decode_stats *out);
void run_workers_csum_stats(struct sw_ctx *ctx, uint64_t *tcp_bad, uint64_t *skipped);
/* Its per-flow detection memory (stream windows, flowbits). */
const struct sw_memcap *run_worker_detect_mem(struct sw_ctx *ctx, uint32_t i);
/* Its evidence counters; NULL when evidence is off. */
const struct evidence_stats *run_worker_evidence_stats(struct sw_ctx *ctx, uint32_t i);
/* Worker i's file store counters; NULL when outputs.file-store is off. */
const struct filestore_stats *run_worker_filestore_stats(struct sw_ctx *ctx, uint32_t i);

/* ---- the packet path (sw_worker.c) -------------------------------------------------------- */

/* The capture thread's state. */
struct reader {
	struct sw_ctx *ctx;
	sw_time_t now;               /* latest packet time */
	sw_time_t last_tick;         /* when workers were last told the time */
	struct detect_reader *det_r; /* decoder and defragmentation event rules */
	struct detect_thread *det;
	struct decode_ctx *dec; /* &ctx->dec, or a worker's own when it reads its queue */
	struct sbuf *evbuf;     /* &ctx->evbuf, or the worker's own */
	struct sw_worker *self; /* the worker reading its queue (packets go to it); NULL: the
				 * capture thread */
	/* packets whose bytes stay mapped (data_stable) go to the workers without a copy; every
	 * READER_RELEASE_STEP bytes the reader notes where each ring's producer is (ck_head) and
	 * the data before which everything was sent (ck_upto); once every worker released that
	 * much, the capture may give that memory back */
	const uint8_t *ck_upto, *ck_last;
	uint64_t *ck_head; /* by worker; NULL until the first stable packet */
	uint32_t ck_polls; /* packets while a checkpoint is pending */
	bool ck_pending;
};

/* st: the detect counters its rules add to (written by the reader's thread only). */
int reader_init(struct reader *rd, struct sw_ctx *ctx, struct detect_stats *st);
void reader_free(struct reader *rd);
/* Makes ctx->defrag, its events reported through rd (when defrag is enabled). */
int reader_defrag_new(struct reader *rd);
/* capture_packet_fn: decode, defragment, hand to the worker of the flow. arg: struct reader. */
void reader_packet(struct sw_packet *p, void *arg);
/* Time advanced (packet time, or the clock when live): timeouts. */
void reader_tick(struct reader *rd, sw_time_t now);
/* A quiescent point of the capture thread (and of an inline worker), for idle loops. */
void reader_idle(struct reader *rd);

/* Starts ctx->nworkers workers (threads when more than one). On failure the ones started are
 * stopped and joined before it returns. */
int workers_start(struct sw_ctx *ctx);
/* Ends every flow at time now and joins the worker threads; NULL-safe, repeatable. */
void workers_finish(struct sw_ctx *ctx, sw_time_t now);
void workers_free(struct sw_ctx *ctx);

/* Whether some sink wants events of EVE type type; then format into an sbuf and run_emit()
 * it: the one way events leave a thread. */
bool run_wants(const struct sw_ctx *ctx, int type);
void run_emit(struct sw_ctx *ctx, int type, const struct sbuf *b);

/* Builds the rule engine of ctx->detect and prints its load summary on fp (for -T). Returns 0
 * when every rule loaded or was skipped as unsupported, 1 when some failed, or an SW_E_ code. */
int run_test_rules(struct sw_ctx *ctx, FILE *fp);

#endif
