/* src/detect/detect.h: detection rules in Suricata's syntax
 * (https://docs.suricata.io/en/latest/rules/), matched with one Hyperscan database per buffer
 * (the payload or reassembled stream, and the app-layer buffers: http.uri, dns.query, tls.sni,
 * ...), candidates verified in full (contents and their positions, pcre with PCRE2, byte_*,
 * flow, flowbits, thresholds). */
#ifndef SW_DETECT_H
#define SW_DETECT_H

#include <stdbool.h>
#include <stdio.h>

#include "app/app.h"
#include "core/core.h"
#include "flow/flow.h"

/* One set of the config's datasets: section (Suricata's), as written; where: file:line. */
struct detect_ds_conf {
	char *name, *type, *load, *state, *save, *where;
	uint64_t memcap;   /* 0: datasets.defaults.memcap */
	uint32_t hashsize; /* 0: datasets.defaults.hashsize */
};

/* detect.* and vars.* keys. */
struct detect_conf {
	bool enabled;
	char *rule_path; /* directory for relative rule file names */
	struct conf_strlist rule_files;
	struct conf_strlist cli_only;  /* -S: only these files, the config's list is ignored */
	struct conf_strlist cli_extra; /* -s: these files too */
	char *classification_file;
	char *reference_file;
	char *cache_dir;          /* compiled databases; NULL or "" = no cache */
	uint32_t stream_window;   /* bytes of a direction's stream kept to match across chunks */
	uint32_t stream_chunk;    /* new bytes of a direction that make a raw stream inspection */
	uint32_t backtrack_limit; /* content positions tried per rule and buffer */
	uint64_t memcap;          /* per-flow state (stream windows, flowbits) of all workers */
	char *geoip_database;     /* geoip-database: the country .mmdb of geoip; NULL or "": none */
	/* vars.address-groups.NAME / vars.port-groups.NAME */
	char **var_names, **var_values;
	bool *var_is_port;
	size_t nvars;
	/* datasets: (detect_dataset.c) and detect.data-dir, where save / state files go */
	char *data_dir;
	struct detect_ds_conf *datasets;
	size_t ndatasets;
	uint64_t ds_memcap;   /* datasets.defaults.memcap */
	uint32_t ds_hashsize; /* datasets.defaults.hashsize */
	bool ds_allow_absolute, ds_allow_write; /* datasets.rules.* */
	/* IP reputation (detect_iprep.c): Suricata's top-level keys */
	char *iprep_categories;          /* reputation-categories-file */
	char *iprep_path;                /* default-reputation-path */
	struct conf_strlist iprep_files; /* reputation-files */
	/* lua / luajit rules (detect_lua.c): detect.lua.* */
	bool lua_allow;         /* allow-rules: off by default, the rules are skipped */
	char *lua_dir;          /* scripts-dir: NULL or "": next to the rule file */
	uint64_t lua_max_bytes; /* max-bytes: memory of one script's state in one worker */
	uint64_t lua_max_instr; /* max-instructions: Lua VM instructions of one match() call */
};

struct conf_doc;
/* Reads detect.* and vars.*. */
int detect_conf_load(struct conf_doc *doc, struct detect_conf *conf);
void detect_conf_free(struct detect_conf *conf);

/* What a load did: for the log and for -T. */
struct detect_summary {
	uint64_t files, missing_files, rules_read; /* rule lines seen (not comments) */
	uint64_t loaded, skipped, failed, duplicates;
	uint64_t fast_pattern_rules, other_rules; /* with a Hyperscan pattern, and without */
	uint64_t patterns;                        /* distinct literals in all databases */
	bool from_cache;
	double parse_secs, compile_secs;
	/* skipped rules by the unsupported keyword */
	char **skip_keywords;
	uint64_t *skip_counts;
	size_t nskip;
};

struct detect_engine;

/*
 * Loads the rule files of conf (the -S list when set, else rule_files plus -s), parses every
 * rule, compiles the Hyperscan databases (or reads them from the cache), and makes one scratch
 * per worker. A rule that cannot be parsed or uses an unsupported keyword is reported with
 * file:line and the reason, and skipped. Returns 0 and the engine; SW_E_IO when a listed file
 * cannot be read, SW_E_CONFIG for a bad variable or class file, SW_E_UNSUPP when Hyperscan
 * fails. The engine is immutable and shared by the workers.
 */
int detect_engine_new(const struct detect_conf *conf, unsigned nworkers,
                      struct detect_engine **out);
void detect_engine_free(struct detect_engine *e); /* NULL-safe */
const struct detect_summary *detect_engine_summary(const struct detect_engine *e);
/* Prints the load summary (for -T and the log). */
void detect_summary_print(const struct detect_summary *s, FILE *fp);
uint64_t detect_engine_rules(const struct detect_engine *e);
/* A reload: to goes on with from's thresholds (of the rules both have, by gid:sid, when their
 * threshold is the same), xbits and host tags, as Suricata keeps them across a rule reload.
 * from may still be in use. 0, or SW_E_NOMEM (to then starts afresh). */
int detect_engine_carry(struct detect_engine *to, struct detect_engine *from);

/* The rule of an alert, for the EVE alert object. */
/* A flow or packet variable an alert carries (pcre's named captures flow_NAME / pkt_NAME). */
struct detect_var {
	const char *name; /* without its prefix */
	const uint8_t *data;
	size_t len;
};

struct detect_alert {
	uint32_t gid, sid, rev;
	const char *msg;
	const char *category;        /* classtype's description, "" when none */
	int severity;                /* priority */
	const char *action;          /* "allowed" */
	const char *const *metadata; /* "key value" strings */
	uint32_t nmetadata;
	const char *const *references;
	uint32_t nreferences;
	int target; /* -1, 0 = source, 1 = destination */
	/* not a rule's alert: a packet a tag keyword's window covers, which Suricata logs as a
	 * "packet" event (eve-log alert tagged-packets) */
	bool tagged_packet;
	/* the flow's variables and the packet's when the rule matched (valid during the call) */
	const struct detect_var *flowvars, *pktvars;
	uint32_t nflowvars, npktvars;
	/* the names of the flow's flowbits set when the rule matched (valid during the call), in
	 * the order of their numbers (Suricata 7: the order they were set in) */
	const char *const *flowbits;
	uint32_t nflowbits;
	/* the flow's flowint variables that are set: names and values (valid during the call) */
	const char *const *flowint_names;
	const uint32_t *flowint_values;
	uint32_t nflowints;
};

/*
 * An alert: f may be NULL (decode events of a packet without a flow); p is the packet when the
 * match was on a packet, else NULL; msg the app message the rule matched on, else NULL. dir is
 * the direction of the data that matched (source = client when FLOW_TO_SERVER).
 */
typedef void detect_alert_fn(void *arg, struct sw_flow *f, const struct sw_packet *p,
                             enum flow_dir dir, sw_time_t ts, const struct detect_alert *a,
                             const struct app_msg *msg);

struct detect_stats {
	sw_counter_t packets, stream_chunks, app_msgs; /* inspected */
	sw_counter_t candidates, alerts, suppressed;   /* suppressed by threshold or noalert */
	sw_counter_t backtrack_limit;                  /* verifications cut by the limit */
	sw_counter_t pcre_limit;                       /* pcre runs cut by the match limit */
	sw_counter_t tagged;                           /* packets logged for a tag keyword */
	sw_counter_t bypassed;                         /* flows a bypass rule took out */
	sw_counter_t windows_released; /* stream windows let go at a direction's end */
	/* lua scripts: calls that failed (a Lua error, no match() or a bad result), calls cut by
	 * detect.lua.max-instructions, allocations refused by detect.lua.max-bytes (or by
	 * detect.memcap, counted there too) */
	sw_counter_t lua_errors, lua_instr_limit, lua_mem_refused;
	/* raw stream inspection: new stream bytes, bytes given to Hyperscan, bytes copied into
	 * windows and joined buffers (per new byte: the cost of the window) */
	sw_counter_t stream_bytes, stream_scanned, stream_copied;
};

/* Per worker: Hyperscan scratch, candidate lists. Belongs to one engine. mem and st are the
 * worker's and outlive the engines it goes through (reloads): mem is charged with the per-flow
 * state (stream windows, flowbits) against the worker's share of detect.memcap, st counts. Either
 * may be NULL: no accounting, counters of the thread's own. */
struct detect_thread;

int detect_thread_new(struct detect_engine *e, struct sw_memcap *mem, struct detect_stats *st,
                      detect_alert_fn *fn, void *arg, struct detect_thread **out);
void detect_thread_free(struct detect_thread *t);
struct detect_stats *detect_thread_stats(struct detect_thread *t);

/* A decoded packet of flow f (NULL when it has none) in direction dir: packet rules (header,
 * dsize, flags, payload of UDP/ICMP and of TCP rules that ask for packets). app_proto is the
 * flow's protocol name as far as known ("http"), or NULL. */
void detect_packet(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir,
                   const struct sw_packet *p, const char *app_proto);

/* An IP fragment (SW_PKT_FRAG), before or without its datagram being rebuilt: the packet rules
 * Suricata 7 runs on it (a packet without a flow, transport header or payload: header keywords
 * such as fragbits, fragoffset, ttl; "alert ip" rules, and TCP/UDP rules with any ports on IPv4
 * fragments; see detect_match.c frag_rule_ok). Its alerts have no flow. The rebuilt datagram
 * goes through detect_packet as any packet of its flow. */
void detect_fragment(struct detect_thread *t, const struct sw_packet *p);

/* In-order reassembled TCP data of f (the stream stage's chunk at offset). */
void detect_stream(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir,
                   const uint8_t *data, size_t len, uint64_t offset, sw_time_t ts,
                   const char *app_proto);

/* Raw stream inspection follows Suricata's (detect_match.c): a direction is inspected once
 * detect.stream-chunk-size new bytes are in, when an app-layer message completes, when it ends
 * and when the flow ends. detect_stream_begin() says which chunk comes next (call it before the
 * app-layer parsers see that chunk: a message they complete has it inspected with the chunk);
 * detect_stream_flush() inspects what a direction has not (its FIN, RST or depth; the flow's
 * end). */
void detect_stream_begin(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir);
/* The direction's stream ended (its FIN was delivered, a RST, the reassembly depth): inspects
 * what waits as detect_stream_flush() does, then gives the direction's window back to the
 * memory cap, so a closed connection holds no window until its flow times out. Data that still
 * came after it would start a new window. */
void detect_stream_end(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir,
                       sw_time_t ts, const char *app_proto);
void detect_stream_flush(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir,
                         sw_time_t ts, const char *app_proto);

/* An app-layer message: rules on its buffers, and header-only rules of its protocol. */
void detect_app_msg(struct detect_thread *t, struct sw_flow *f, const struct app_msg *msg,
                    const char *app_proto);
/* The same, with the bytes the parser read it from (a datagram's payload, a stream chunk;
 * borrowed for the call, NULL when none): the payload contents of rules that mix them with DNS
 * buffers match there. */
void detect_app_msg_payload(struct detect_thread *t, struct sw_flow *f, const struct app_msg *msg,
                            const char *app_proto, const uint8_t *data, size_t len);

enum detect_event_kind {
	DETECT_EVENT_DECODE = 0, /* enum decode_event: decode-event rules */
	DETECT_EVENT_DEFRAG = 1, /* enum defrag_event: decode-event rules too, as in Suricata */
	DETECT_EVENT_STREAM = 2, /* enum stream_event: stream-event rules */
	DETECT_EVENT_APP = 3,    /* app_event_find(): app-layer-event rules */
	DETECT_EVENT_MAX
};

/* A decoder, defragmentation or stream anomaly: the rules that name it (decode-event:NAME,
 * stream-event:NAME with the names of our anomaly events). f may be NULL. */
void detect_event(struct detect_thread *t, struct sw_flow *f, const struct sw_packet *p,
                  enum flow_dir dir, int kind, int event_id);

/* An anomaly an app-layer parser raised in flow f (app_event_find() numbers its name): the
 * app-layer-event rules that name it. */
void detect_app_event(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir, sw_time_t ts,
                      const char *app_proto, int event_id);

/* The flow ends: frees its detection state (flowbits, stream windows). */
void detect_flow_free(struct detect_thread *t, struct sw_flow *f);

/* ---- the rule set in use, and reloads (detect_handle.c) ------------------------------------- */

struct detect_handle; /* the current engine; replaced ones freed once no thread uses them */
struct detect_reader; /* one per thread that inspects: its detect_thread of the current engine */

struct detect_handle_stats {
	sw_counter_t rules;         /* gauge: rules of the set in use */
	sw_counter_t reloads;       /* sets swapped in */
	sw_counter_t reload_errors; /* reloads that failed or were refused */
};

/* Loads the first rule set (detect_engine_new, its summary logged) for nthreads threads. */
int detect_handle_new(const struct detect_conf *conf, unsigned nthreads,
                      struct detect_handle **out);
/* Frees the current and every retired engine; no reader may use them. NULL-safe. */
void detect_handle_free(struct detect_handle *h);
/* Builds a new set from conf off the packet path and publishes it. A set that fails to load,
 * has rules that failed to parse (what -T refuses), or has no rule where the old one had some
 * is refused: the old set stays, the reason is logged and counted. 0 or SW_E_*. One reload at
 * a time (serialized inside). */
int detect_handle_reload(struct detect_handle *h, const struct detect_conf *conf);
/* Frees retired engines no reader uses; returns how many still wait. Any thread. */
size_t detect_handle_reclaim(struct detect_handle *h);
size_t detect_handle_pending(struct detect_handle *h);
const struct detect_handle_stats *detect_handle_stats(const struct detect_handle *h);

/* A thread's reader: mem, st, fn and arg as for detect_thread_new(), kept across reloads. */
int detect_reader_new(struct detect_handle *h, struct sw_memcap *mem, struct detect_stats *st,
                      detect_alert_fn *fn, void *arg, struct detect_reader **out);
void detect_reader_free(struct detect_reader *r); /* NULL-safe */
/*
 * The thread's quiescent point: moves to the current engine when a reload replaced it, and lets
 * the reclaimer know the thread holds nothing older. Call it between packets, and while idle
 * (there is no offline state: the thread always holds its engine), or replaced engines are
 * never freed. Returns the thread state to inspect with (NULL when it
 * could not be made: no detection until the next call succeeds). Flows keep their detection
 * state across the move (detect_flow_free works with any engine's thread).
 */
struct detect_thread *detect_reader_sync(struct detect_reader *r);
/* Whether a rule of t's engine mixes payload contents and the buffers of message kind (enum
 * app_msg_kind): the parser then keeps what its payload is (TLS: the bytes as sent). false for
 * t NULL. */
bool detect_wants_msg_payload(const struct detect_thread *t, int kind);
/* After detect_app_msg() on a file message of f: whether a filestore rule asked for it (it
 * matched it, or an earlier match asked for the files of its transaction, scope tx, or of its
 * flow, scope ssn / flow, in its direction). false for t NULL. */
bool detect_file_store(struct detect_thread *t, struct sw_flow *f, const struct app_msg *msg);
/* After detect_app_msg() on a TLS message: whether a tls.store rule matched it. */
bool detect_tls_store(const struct detect_thread *t);
/* Whether a loaded ssl_state names client_keyx, server_keyx or unknown, or negates: TLS then
 * reads the key exchanges before its message (app_worker_set_tls_keyx). false for t NULL. */
bool detect_wants_tls_keyx(const struct detect_thread *t);
/* The frame types (bits APP_FRAME_*) loaded frame rules inspect (app_worker_set_frames); 0 for
 * t NULL. */
uint32_t detect_wants_frames(const struct detect_thread *t);
/* Whether a loaded rule reads the bytes of HTTP bodies (a body buffer, file.data, file.magic,
 * payload contents beside HTTP buffers, lua): app_worker_set_body_keep. false for t NULL. */
bool detect_wants_bodies(const struct detect_thread *t);
/* Whether a loaded rule has tls.store (tls true) or filestore (false); false for t NULL. */
bool detect_wants_store(const struct detect_thread *t, bool tls);
/* The file hashes (APP_HASH_*) the loaded rules read through file.md5/file.sha1/file.sha256. */
unsigned detect_file_hashes(const struct detect_thread *t);
/* The thread state of the last sync (NULL-safe r: NULL). */
struct detect_thread *detect_reader_thread(const struct detect_reader *r);

#endif
