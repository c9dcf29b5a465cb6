/* src/output/output.h: EVE JSON events (Suricata's eve.json schema where the concept exists)
 * and the sinks they are written to (stdout, file; Kafka later), chosen by name. */
#ifndef SW_OUTPUT_H
#define SW_OUTPUT_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/core.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "stream/stream.h"
#include "dpi/dpi.h"
#include "app/app.h"
#include "cti/cti.h"
#include "detect/detect.h"

/* ---- events ------------------------------------------------------------------------------- */

enum eve_type {
	EVE_ALERT = 0,
	EVE_FLOW = 1,
	EVE_ANOMALY = 2,
	EVE_STATS = 3,
	EVE_LOSS = 4, /* what a stats interval lost, by cause (sw_loss.h) */
	EVE_INTEL = 5, /* an applied batch of the intel topic (cti_kafka.c) */
	EVE_APP0 = 6, /* then one type per app message kind, named by its descriptor */
	EVE_DNS = EVE_APP0 + APP_MSG_DNS,
	EVE_TLS = EVE_APP0 + APP_MSG_TLS,
	EVE_HTTP = EVE_APP0 + APP_MSG_HTTP,
	EVE_FILEINFO = EVE_APP0 + APP_MSG_FILE,
	EVE_TYPE_MAX = EVE_APP0 + APP_MSG_KIND_MAX
};

const char *eve_type_name(int type);

enum output_sink_kind {
	OUTPUT_SINK_AUTO = 0, /* file when a log directory is set, else stdout */
	OUTPUT_SINK_STDOUT = 1,
	OUTPUT_SINK_FILE = 2,
};

/* outputs.kafka: the librdkafka producer and its on-disk spool. */
struct output_kafka_conf {
	bool enabled;
	char *brokers;
	char *topic[EVE_TYPE_MAX]; /* NULL or empty: that event type is not sent */
	char *default_topic;       /* topics.default: filled into topic[] where none is set */
	char *evidence_topic;      /* topics.evidence: evidence pcaps; empty: not sent */
	uint32_t delivery_timeout_ms; /* message.timeout.ms */
	uint32_t queue_size;          /* queue.buffering.max.messages */
	uint32_t shutdown_timeout;    /* seconds to wait for deliveries at exit */
	char *spool_dir;
	uint64_t spool_max_size, spool_segment_size;
	uint32_t spool_fsync_ms;
	uint32_t replay_rate; /* spooled events per second replayed */
	/* free-form librdkafka properties, outputs.kafka.properties.KEY: VALUE */
	char **prop_keys, **prop_values;
	size_t nprops;
};

/* evidence.*: a pcap of the packets behind every alert (output_evidence.c). */
struct evidence_conf {
	bool enabled;
	uint32_t ring_packets;  /* the flow's most recent packets kept ... */
	uint64_t ring_bytes;    /* ... and their bytes (pcap records) at most */
	uint32_t post_packets;  /* packets of the flow added after the first alert */
	uint64_t capture_bytes; /* most bytes of one pcap file / Kafka message */
	uint64_t memcap;        /* rings and open captures, all workers */
	char *directory;        /* NULL: no files */
};

/* outputs.file-store.*: files that filestore rules ask for (output_filestore.c). */
struct filestore_conf {
	bool enabled;
	uint32_t version;        /* 2 (Suricata's file-store v2 layout) */
	char *dir;               /* relative: inside outputs.log-dir */
	bool write_fileinfo;     /* <file>.<seconds>.<file_id>.json beside each stored file */
	bool force_filestore;    /* every file, rules or not */
	uint64_t stream_depth;   /* bytes of a file kept to store it (more: not stored); 0: all */
	uint32_t max_open_files; /* accepted: files are written whole, none stays open */
	char *path;              /* the directory in use (filestore_setup) */
};

/* outputs.tls-store.*: the certificate chains tls.store rules ask for (output_filestore.c). */
struct tlsstore_conf {
	bool enabled;
	char *certs_log_dir; /* relative: inside outputs.log-dir */
	char *path;          /* the directory in use (filestore_setup) */
};

struct output_conf {
	char *sensor_name;
	int sink;        /* enum output_sink_kind */
	char *log_dir;   /* NULL: none */
	char *filename;  /* file sink: name inside log_dir */
	struct conf_strlist types;
	bool enabled[EVE_TYPE_MAX]; /* from types */
	uint32_t stats_interval;    /* seconds between stats events when live; 0 = only at end */
	uint32_t flush_interval;    /* seconds between sink flushes when live */
	bool tagged_packets;        /* outputs.eve.tagged-packets: "packet" events (with alerts) */
	struct output_kafka_conf kafka;
	struct evidence_conf evidence;
	struct filestore_conf file_store;
	struct tlsstore_conf tls_store;
	/* report.*: the investigation report written at exit (output_report.c) */
	char *report_file;       /* NULL: no report */
	uint32_t report_alerts;  /* alerts shown in full; the others are counted */
	uint32_t report_top;     /* rows per table */
	uint64_t report_memcap;  /* everything the report keeps */
};

struct conf_doc;
/* Reads outputs.* and sensor.* keys; checks the event type names. */
int output_conf_load(struct conf_doc *doc, struct output_conf *conf);
void output_conf_free(struct output_conf *conf);

/* What every event of a run shares. */
struct eve_ctx {
	const struct output_conf *conf;
	const char *const *source_names; /* pcap file names by source_idx, NULL live */
	size_t nsources;
	uint16_t cid_seed;
	/* event_id = "<sensor>-<run id>-<sequence>": unique and stable, for deduplication */
	char run_id[24];
	_Atomic uint64_t *event_seq;
};

/* Formats one event into b (replacing its content), one line ending in '\n'. stream is the
 * flow's reassembly figures by direction, or NULL for a flow without TCP reassembly. */
void eve_format_flow(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
		     const struct stream_dir_info *stream);
/* An anomaly of a flow (e.g. a stream event); p is the packet that caused it, or NULL. */
void eve_format_flow_anomaly(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
			     const struct sw_packet *p, const char *layer_type, const char *event);
/* An app-layer anomaly of flow f (Suricata's form: type "applayer", app_proto, layer
 * "proto_parser", the event name, the transaction's tx_id when has_tx). */
void eve_format_app_anomaly(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
			    sw_time_t ts, const char *app_proto, const char *event, uint64_t tx_id,
			    bool has_tx);
/* A decode anomaly of packet p (decoded as far as it went). */
void eve_format_anomaly(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_packet *p,
			const char *layer_type, const char *event);

/* An application-layer message (DNS query or answer, TLS handshake) of flow f. */
void eve_format_app(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
		    const struct app_msg *msg);
/* A threat-intelligence match: an alert with the cti object (indicator, type, matched_on, feed,
 * source, confidence, severity, tags, valid_until, id). dir is the direction of the packet or
 * message that carried the value; msg, when a message carried it, adds its app-layer object
 * ("http", "dns", "tls", "fileinfo") as rule alerts have. */
void eve_format_cti_alert(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
			  sw_time_t ts, enum flow_dir dir, const struct cti_hit *hit,
			  const char *matched_on, const struct app_msg *msg);

/* A rule alert. Addresses are oriented as the data that matched: the source is the client when
 * dir is FLOW_TO_SERVER. f may be NULL (a packet without a flow: p is then set); msg, when set,
 * adds its app-layer object ("http", "dns", "tls", "fileinfo"). */
/* A packet a tag keyword's window covers, as Suricata logs it: event_type "packet", the packet's
 * tuple, "packet" (the frame in base64) and "packet_info" (linktype). */
void eve_format_tagged_packet(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
			      const struct sw_packet *p);
void eve_format_rule_alert(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
			   const struct sw_packet *p, enum flow_dir dir, sw_time_t ts,
			   const struct detect_alert *a, const struct app_msg *msg);

/* The EVE type of an app message: EVE_APP0 + its kind. */
int eve_type_of_app(const struct app_msg *msg);

/* A named counter for the stats event: dotted names become nested objects ("decoder.pkts"). The
 * array must be grouped by prefix (all "decoder." names together). */
struct eve_counter {
	const char *name;
	uint64_t value;
};
/* A retro-hunt alert: a CTI alert at detection time with cti.retro, cti.observed (the packet
 * time of the observation) and cti.detected. */
void eve_format_cti_retro(struct sbuf *b, const struct eve_ctx *ctx, const struct cti_retro_alert *a);
/* An "intel" event (an applied batch of the intel topic), EVE type EVE_INTEL. */
void eve_format_intel(struct sbuf *b, const struct eve_ctx *ctx, const struct cti_intel_event *ev);
void eve_format_stats(struct sbuf *b, const struct eve_ctx *ctx, sw_time_t ts, uint64_t uptime,
		      const struct eve_counter *c, size_t n);

/* A loss event: the loss of the interval [start, ts] by cause (names[i], values[i] for the n
 * causes that grew), their total, and the stream bytes never seen in that interval. */
void eve_format_loss(struct sbuf *b, const struct eve_ctx *ctx, sw_time_t start, sw_time_t ts,
		     const char *const *names, const uint64_t *values, size_t n, uint64_t total,
		     uint64_t gap_bytes);

/* ---- sinks -------------------------------------------------------------------------------- */

struct output_sink;

struct output_sink_ops {
	const char *name; /* "stdout", "file", "kafka" */
	int (*open)(const struct output_conf *conf, struct output_sink **out);
	/* buf holds one event (a line ending in '\n'). Sinks with needs_lock are called under the
	 * output lock; the others are thread-safe themselves. */
	int (*write)(struct output_sink *s, int type, const char *buf, size_t len);
	bool needs_lock;
	int (*flush)(struct output_sink *s);
	int (*reopen)(struct output_sink *s); /* log rotation; NULL when not applicable */
	void (*close)(struct output_sink *s); /* flushes; NULL-safe */
};

const struct output_sink_ops *output_sink_find(const char *name);

/* The set of sinks of a run, shared by all threads. */
struct output;

int output_new(const struct output_conf *conf, struct output **out);
/* What output_new() needs, checked without opening anything (for -T): the log directory exists
 * and is writable, Kafka has brokers, the spool directory exists or can be created. Logs each
 * problem; returns 0 or SW_E_CONFIG. */
int output_check(const struct output_conf *conf);
/* Writes one formatted event of the given type if that type is enabled; thread-safe. Counts
 * written events and write errors. */
int output_write(struct output *o, int type, const char *line, size_t len);
bool output_enabled(const struct output *o, int type);
int output_flush(struct output *o);
/* Reopens file sinks (SIGHUP after log rotation). */
int output_reopen(struct output *o);
void output_free(struct output *o); /* flushes and closes; NULL-safe */

struct output_stats {
	sw_counter_t written[EVE_TYPE_MAX];
	sw_counter_t write_errors;
};
const struct output_stats *output_get_stats(const struct output *o);

/* Counters of the Kafka sink, for the stats event. */
struct output_kafka_stats {
	sw_counter_t produced;   /* handed to librdkafka */
	sw_counter_t delivered;  /* delivery reports without error */
	sw_counter_t failed;     /* delivery reports with an error (kept in the spool) */
	sw_counter_t queue_full; /* librdkafka's queue refused: left in the spool for replay */
	sw_counter_t spooled;    /* events written to the spool */
	sw_counter_t replayed;   /* events produced again from the spool */
	sw_counter_t dropped;    /* events lost: neither delivered nor spooled (spool full) */
	sw_counter_t corrupt;    /* spool records skipped: bad checksum or truncated */
	sw_counter_t spool_bytes, spool_segments, queue_depth; /* gauges */
	sw_counter_t brokers_up; /* gauge: 1 when the last news from the cluster was good */
};
/* NULL when there is no Kafka sink. */
const struct output_kafka_stats *output_kafka_get_stats(const struct output *o);


/* ---- evidence: a pcap of the packets behind every alert (output_evidence.c) ---------------- */

/* Each worker keeps, per flow, a ring of its most recent packets (charged to its share of
 * evidence.memcap). The first alert on a flow opens a capture: the ring, then the flow's next
 * evidence.post-packets packets; later alerts while it is open share it. It is finalized when
 * the post packets have come, when it reaches evidence.capture-bytes, or when the flow ends,
 * then written as a pcap to evidence.directory and/or published to the evidence topic. */
struct evidence_stats {
	struct sw_memcap mem;  /* rings and open captures; refused: packets or captures not kept */
	sw_counter_t captures;  /* finalized */
	sw_counter_t packets, bytes; /* in finalized captures (bytes: of the pcap files) */
	sw_counter_t files, published;
	sw_counter_t cut;          /* captures finalized early at evidence.capture-bytes */
	sw_counter_t write_errors; /* files not written, or pcaps not handed to Kafka */
};

struct evidence;
int evidence_conf_load(struct conf_doc *doc, struct evidence_conf *conf);
void evidence_conf_free(struct evidence_conf *conf);
/* memcap: this worker's share; out: where finished captures go. */
int evidence_new(const struct output_conf *conf, uint64_t memcap, struct output *out,
		 struct evidence **ev);
/* Frees what is left (end flows first, with evidence_flow_end); NULL-safe. */
void evidence_free(struct evidence *ev);
/* A packet of flow f (call for every packet, before its alerts). */
void evidence_packet(struct evidence *ev, struct sw_flow *f, const struct sw_packet *p);
/* An alert on flow f, formatted in alert (one EVE line): opens or joins the flow's capture and
 * adds the alert's "evidence" object to the line. */
void evidence_alert(struct evidence *ev, struct sw_flow *f, struct sbuf *alert);
/* The flow ends: its open capture is finalized, its ring freed. */
void evidence_flow_end(struct evidence *ev, struct sw_flow *f);
const struct evidence_stats *evidence_get_stats(const struct evidence *ev);

/* ---- the file store: files filestore rules ask for (output_filestore.c) -------------------- */

struct filestore_stats {
	sw_counter_t stored;         /* files written */
	sw_counter_t bytes;          /* their bytes */
	sw_counter_t dups;           /* asked for, but that content was already stored */
	sw_counter_t truncated;      /* truncated files stored with what was seen of them */
	sw_counter_t not_kept;       /* asked for, but its bytes were not kept: not stored */
	sw_counter_t depth;          /* asked for, starts past stream-depth: nothing to store */
	sw_counter_t cut;            /* longer than stream-depth: its first bytes stored */
	sw_counter_t memcap_refused; /* asked for, app.memcap refused to keep it: not stored */
	sw_counter_t fs_errors;      /* open, write, rename errors */
	sw_counter_t tls_stored;     /* tls-store: chains written (PEM and .meta) */
	sw_counter_t tls_errors;     /* tls-store: open and write errors */
};

struct filestore;
/* outputs.file-store.* and outputs.tls-store.* */
int filestore_conf_load(struct conf_doc *doc, struct output_conf *conf);
void filestore_conf_free(struct output_conf *conf);
/* Makes the directories when a store is enabled (file-store: <dir>, <dir>/00 .. ff,
 * <dir>/tmp; tls-store: its certs-log-dir) and gives them to uid / gid (the run-as user
 * and group; (uid_t)-1, (gid_t)-1: unchanged): call it before privileges are dropped. 0, or
 * SW_E_CONFIG with the error printed. */
int filestore_setup(struct output_conf *conf, uid_t uid, gid_t gid);
/* A worker's stores (file-store and/or tls-store, as enabled); next_id[0] numbers stored
 * files, next_id[1] stored chains, shared by every worker (both count from 1). */
int filestore_new(const struct output_conf *conf, _Atomic uint32_t *next_id,
		  struct filestore **out);
void filestore_free(struct filestore *fs); /* NULL-safe */
const struct filestore_stats *filestore_get_stats(const struct filestore *fs);
/* Stores file fi (its content whole, app_file.keep APP_FILE_KEEP_WHOLE, or what was seen of a
 * truncated one, APP_FILE_KEEP_CUT, or its first stream-depth bytes, APP_FILE_KEEP_DEPTH_CUT;
 * for those two the SHA-256 of the bytes stored is then written to fi->sha256) as
 * <dir>/<sha256[0..2)>/<sha256>, or finds it already stored: 0 and its *file_id. Else the
 * reason is counted and returned (SW_E_TRUNC, SW_E_RANGE, SW_E_NOMEM, SW_E_IO). */
int filestore_file(struct filestore *fs, struct app_file *fi, uint32_t *file_id);
/* A truncated file (app_file.keep APP_FILE_KEEP_CUT or _DEPTH_CUT) gets the SHA-256 of its kept
 * bytes in fi->sha256, stored or not, as Suricata's file-store v2 forces the SHA-256 that a
 * FILE_TRUNCATED close finishes (util-file.c FileCloseFilePtr); true when fi->sha256 is set. */
bool filestore_truncated_sha256(struct app_file *fi);
/* With write-fileinfo: writes line (the file's fileinfo event) beside the stored file. */
void filestore_fileinfo(struct filestore *fs, const struct app_file *fi, uint32_t file_id,
			sw_time_t ts, const char *line, size_t len);
/* tls.store (Suricata's tls-store): writes the server's certificate chain of TLS message m
 * (over TCP, with a first certificate) as <certs-log-dir>/<sec>.<usec>-<id>.pem, and its
 * .meta (time, addresses, ports, subject, issuer, fingerprint); src is the sender of the
 * data m came with (dir). 0; SW_E_NOTFOUND when m has no certificate; SW_E_IO. */
int filestore_tls(struct filestore *fs, const struct sw_flow *f, const struct app_tls_msg *m,
		  enum flow_dir dir, sw_time_t ts);

/* Publishes a finished evidence pcap to the Kafka evidence topic, keyed by key (through the
 * spool, as events). 0 also when there is no Kafka sink. */
int output_write_evidence(struct output *o, const char *key, const void *pcap, size_t len);
/* The Kafka topic evidence goes to, NULL when none. */
const char *output_evidence_topic(const struct output *o);
/* Counters of the report sink (report.memcap and what it refused, alerts kept in full or only
 * counted, lines it could not read); NULL when there is no report. */
struct output_report_stats {
	struct sw_memcap mem;
	sw_counter_t alerts_detailed, alerts_summarized, unparsed;
};
const struct output_report_stats *output_report_get_stats(const struct output *o);

#endif
