/* src/cti/cti.h: the threat-intelligence indicator engine (DESIGN.md "CTI indicators", issue 4):
 * feeds (CSV per RFC 4180, plain lists, STIX 2.1 bundles), an immutable indicator store with
 * longest-prefix IP, domain-and-parents, normalized URL (RFC 3986 6.2.2) and hash matching, and
 * lock-free hot reload with quiescent-state-based reclamation. */
#ifndef SW_CTI_H
#define SW_CTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "flow/flow.h"
#include "app/app.h"

enum cti_type {
	CTI_T_IPV4 = 0,   /* address or CIDR prefix */
	CTI_T_IPV6 = 1,   /* address or CIDR prefix */
	CTI_T_DOMAIN = 2, /* the name and every subdomain */
	CTI_T_URL = 3,    /* normalized URL */
	CTI_T_MD5 = 4,
	CTI_T_SHA1 = 5,
	CTI_T_SHA256 = 6,
	CTI_T_JA3 = 7, /* TLS client fingerprint (md5 hex) */
	CTI_T_JA4 = 8, /* TLS client fingerprint, FoxIO's JA4 ("t13d1516h2_8daaf6152771_e5627efa2ab1") */
	CTI_T_JA4S = 9, /* TLS server fingerprint, FoxIO's JA4S ("t120400_c030_4e8089b08790"); seen
			   only when built with ja4plus */
	CTI_T_MAX
};

enum cti_format {
	CTI_FMT_AUTO =
	    0, /* STIX when it is JSON, CSV when the first line is a header, else plain */
	CTI_FMT_CSV = 1,
	CTI_FMT_PLAIN = 2,
	CTI_FMT_STIX = 3,
	CTI_FMT_MAX
};

/* "ipv4", "ipv6", "domain", "url", "md5", "sha1", "sha256", "ja3", "ja4", "ja4s"; "unknown" out of
 * range. */
const char *cti_type_name(int type);
/* "auto", "csv", "plain", "stix"; "unknown" out of range. */
const char *cti_format_name(int format);

/* Default signature_id bases (cti.sid.<type>): one block of 10000 per type in a private range;
 * the sid of a hit is the base of its type plus the feed's position in the feed list. */
#define CTI_SID_BASE_DEFAULT 9100000u
#define CTI_SID_STEP         10000u

/* ---- configuration ------------------------------------------------------------------------ */

/* One feed: cti.feeds.N.{name,path,format,type,confidence,severity,tags}. */
struct cti_feed_conf {
	char *name; /* default: the file name of path */
	char *path;
	int format;               /* enum cti_format */
	int type;                 /* plain lists: enum cti_type, or -1 to guess from each value */
	uint32_t confidence;      /* 0..100, for indicators that carry none */
	uint32_t severity;        /* 1 (high) .. 4 (info), for indicators that carry none */
	struct conf_strlist tags; /* for indicators that carry none */
	/* Not from the config: when data is set the feed is read from these bytes instead of
	 * path (tests, fuzzing, indicators pushed over the network). Borrowed. */
	const void *data;
	size_t len;
};

/* cti.kafka.*: indicators from an intel topic (cti_kafka.c); off when brokers is NULL. */
struct cti_kafka_conf {
	char *brokers, *topic, *group;
	char *state_file;      /* the topic's set and offsets across restarts; NULL: none */
	uint32_t batch_ms;     /* longest a change waits before its delta is applied */
	uint32_t batch_max;    /* most changes in one delta */
	uint32_t initial_wait; /* seconds the start waits to have read the topic to its end */
	uint64_t memcap;       /* the topic's set and the stores built from it */
	/* cti.kafka.properties.KEY: VALUE for librdkafka (TLS, SASL): "KEY\0VALUE\0" pairs */
	char *props;
	size_t props_len;
};

struct cti_conf {
	bool enabled;
	uint64_t memcap;         /* all workers' per-flow state (indicators alerted on) */
	bool reload_watch;       /* reload when a feed file changes (inotify) */
	/* cti.match-tunnel-addresses: IP indicators are matched against the outer addresses of a
	 * tunnelled flow too (the tunnel endpoints: often the mirror itself, so off by default) */
	bool match_tunnel;
	uint32_t sid[CTI_T_MAX]; /* signature_id base per type */
	struct cti_feed_conf *feeds;
	size_t nfeeds;
	struct cti_kafka_conf kafka;
	uint32_t retro_minutes; /* cti.retro.minutes: the retro-hunt window; 0: none */
	uint64_t retro_memcap;  /* cti.retro.memcap: all workers' windows */
};

/* Fills conf from cti.enabled, cti.reload-watch, cti.sid.<type> and every cti.feeds.N.* of the
 * document. Errors are reported with file:line:key; returns 0 or SW_E_CONFIG/SW_E_NOMEM. conf
 * is always left freeable with cti_conf_free(). */
int cti_conf_load(struct conf_doc *doc, struct cti_conf *conf);

/* Adds a feed read from path with its format guessed (--indicators FILE). 0 or SW_E_NOMEM. */
int cti_conf_add_file(struct cti_conf *conf, const char *path);

/* Frees what cti_conf_load() and cti_conf_add_file() allocated; NULL-safe. */
void cti_conf_free(struct cti_conf *conf);

/* ---- the store ---------------------------------------------------------------------------- */

struct cti_store; /* opaque, immutable once built */

/*
 * What matched, and where it came from. The strings point into the store: valid as long as the
 * store is, i.e. until the reader's next cti_reader_quiescent(). Never NULL ("" when absent).
 */
struct cti_hit {
	const char *indicator; /* as stored: "evil.example", "10.0.0.0/8", normalized URL */
	int type;              /* enum cti_type */
	const char *type_name; /* cti_type_name(type) */
	const char *feed;      /* feed name from the config */
	const char *source;    /* CSV source column, else the feed name */
	const char *name;      /* STIX name; "" otherwise */
	const char *tags;      /* "c2|botnet": '|'-separated, "" when none */
	const char *id;        /* CSV id column or STIX object id; "" when none */
	sw_time_t valid_until; /* 0 when none */
	/* where it came from: the feed file's path, or "kafka:TOPIC/PARTITION/OFFSET" */
	const char *origin;
	uint32_t signature_id; /* cti.sid.<type> + feed position */
	uint8_t confidence;    /* 0..100 */
	uint8_t severity;      /* 1..4 */
};

/* What loading one feed gave. */
struct cti_feed_stats {
	const char *name, *path;
	int format;                /* the format used (auto resolved) */
	uint64_t count[CTI_T_MAX]; /* indicators stored, per type */
	uint64_t skipped;          /* bad lines / objects */
	uint64_t unsupported;      /* STIX patterns we cannot express (also in skipped) */
	uint64_t expired;          /* past valid_until (or STIX revoked) at load time */
	uint64_t duplicates;       /* already in the store from this or an earlier feed */
	int error;                 /* 0, or why the feed failed (SW_E_*) */
	bool kept_previous;        /* failed: the previous store's indicators of it were kept */
};

/*
 * Builds a store from every feed of conf. prev (NULL-safe) is the store being replaced: a feed
 * that fails to load (unreadable, not the format it claims, or every record bad) keeps its
 * indicators from prev, with a log line saying why. Bad lines are logged with file:line and
 * skipped; indicators already past valid_until at now are counted and left out. version is
 * recorded for stats. *out is set on success (even when feeds failed: see cti_store_feed());
 * errors are SW_E_NOMEM or SW_E_RANGE (more than 4 GB of strings).
 */
int cti_store_build(const struct cti_conf *conf, const struct cti_store *prev, sw_time_t now,
                    uint64_t version, struct cti_store **out);

/* NULL-safe. Only the owner calls it (the handle does for published stores). */
void cti_store_free(struct cti_store *s);

uint64_t cti_store_version(const struct cti_store *s);
uint64_t cti_store_count(const struct cti_store *s, int type); /* -1: all types */
size_t cti_store_bytes(const struct cti_store *s);             /* heap bytes the store holds */
size_t cti_store_nfeeds(const struct cti_store *s);
const struct cti_feed_stats *cti_store_feed(const struct cti_store *s,
                                            size_t i); /* NULL past end */
size_t cti_store_failed_feeds(const struct cti_store *s);

/* Logs one line per feed and a total line: version, counts per type, skipped, expired,
 * duplicates, bytes per indicator. */
void cti_store_log_summary(const struct cti_store *s);

/*
 * Matching. Each returns out filled with the most specific live indicator (valid_until > now or
 * none), or NULL. They never allocate, never block, and are safe from any number of threads on
 * one store. s may be NULL (nothing loaded yet): NULL.
 */

/* family 4 (address in addr[0..3]) or 6; longest prefix wins. */
const struct cti_hit *cti_store_match_ip(const struct cti_store *s, int family,
                                         const uint8_t addr[16], sw_time_t now,
                                         struct cti_hit *out);

/* A host name (case-insensitive, a trailing dot ignored); tries the name, then each parent. */
const struct cti_hit *cti_store_match_domain(const struct cti_store *s, const char *name,
                                             size_t len, sw_time_t now, struct cti_hit *out);

/* A full URL ("http://host/path?q"), normalized as indicators are before the lookup. */
const struct cti_hit *cti_store_match_url(const struct cti_store *s, const char *url, size_t len,
                                          sw_time_t now, struct cti_hit *out);

/* type CTI_T_MD5/SHA1/SHA256/JA3; hex text of the right length, any case. */
const struct cti_hit *cti_store_match_hash(const struct cti_store *s, int type, const char *hex,
                                           size_t len, sw_time_t now, struct cti_hit *out);

/* The same with the raw digest (16, 20 or 32 bytes, type from its length unless ja3). */
const struct cti_hit *cti_store_match_digest(const struct cti_store *s, int type,
                                             const uint8_t *digest, size_t len, sw_time_t now,
                                             struct cti_hit *out);

/* ja3 md5 hex: cti_store_match_hash(s, CTI_T_JA3, ...). */
const struct cti_hit *cti_store_match_ja3(const struct cti_store *s, const char *hex, size_t len,
                                          sw_time_t now, struct cti_hit *out);

/* A JA4 fingerprint (any case; matched lower-cased). */
const struct cti_hit *cti_store_match_ja4(const struct cti_store *s, const char *ja4, size_t len,
                                          sw_time_t now, struct cti_hit *out);

/* A JA4S fingerprint (any case; matched lower-cased). */
const struct cti_hit *cti_store_match_ja4s(const struct cti_store *s, const char *ja4s, size_t len,
                                           sw_time_t now, struct cti_hit *out);

/* An observable of an app message (app.h) by its type; NULL when nothing matches. */
const struct cti_hit *cti_store_match_observable(const struct cti_store *s,
                                                 const struct app_observable *o, sw_time_t now,
                                                 struct cti_hit *out);

/* The file hashes (APP_HASH_*) the store has indicators of: an MD5 feed turns MD5 hashing on. */
unsigned cti_store_file_hashes(const struct cti_store *s);

/* ---- normalization (also used by the wiring to build alert text) ------------------------- */

#define CTI_URL_MAX 4096 /* longest URL stored or matched (normalized) */

/* Normalizes url into buf: scheme and host lower-cased, default port dropped, in the path
 * percent-encoding of unreserved characters decoded, other escapes upper-cased and a stray '%'
 * written %25, dot segments removed (RFC 3986 5.2.4), empty path made "/"; fragment dropped,
 * query kept. A URL without "scheme://" is taken as http. Idempotent. Returns the length written
 * (NUL-terminated), or SW_E_INVAL when it is no URL, longer than CTI_URL_MAX, or does not fit
 * in size (CTI_URL_MAX + 16 fits every URL matching can use). */
int cti_url_normalize(const char *url, size_t len, char *buf, size_t size);

/* The type a bare value looks like (plain lists): an address or CIDR, a hash by hex length, a
 * URL by its scheme, a host name with a dot; -1 when none. */
int cti_value_guess(const char *v, size_t len);
/* Whether v is a JA4 fingerprint ("t13d1516h2_8daaf6152771_e5627efa2ab1", any case). */
bool cti_ja4_valid(const char *v, size_t len);
/* Whether v is a JA4S fingerprint ("t120400_c030_4e8089b08790", any case). */
bool cti_ja4s_valid(const char *v, size_t len);

/* ---- hot reload --------------------------------------------------------------------------- */

struct cti_handle; /* the current store behind an atomic pointer */
struct cti_reader; /* one per worker thread */

int cti_handle_new(struct cti_handle **out);

/* Frees the current and every retired store. No reader may be using it any more. NULL-safe. */
void cti_handle_free(struct cti_handle *h);

/*
 * Builds a new store from conf (off the packet path, on the calling thread), publishes it with
 * one atomic store, and frees the stores every reader has passed a quiescent point since. Only
 * one reload runs at a time (others wait for it). Returns 0 when a store was published (failed
 * feeds kept their previous data: cti_store_failed_feeds()), or SW_E_NOMEM/SW_E_RANGE with the
 * old store still in place.
 */
int cti_handle_reload(struct cti_handle *h, const struct cti_conf *conf, sw_time_t now);

/* The version of the current store (0 before the first reload). */
uint64_t cti_handle_version(struct cti_handle *h);

/* The current store for the control thread (stats, summary); not for workers. Valid until the
 * next reload by the same thread. */
const struct cti_store *cti_handle_current(struct cti_handle *h);

/* The current set's version, indicators, bytes and failed feeds, read under the handle's lock
 * (safe while the intel topic's consumer publishes). */
struct cti_figures {
	uint64_t version, indicators, bytes, failed_feeds;
};
void cti_handle_figures(struct cti_handle *h, struct cti_figures *out);

/* Frees retired stores that every reader has passed; returns how many are still waiting. */
size_t cti_handle_reclaim(struct cti_handle *h);
/* Retired stores not freed yet. */
size_t cti_handle_pending(struct cti_handle *h);

/* Waits (sleeping, up to timeout_ms) until every retired store is freed; 0 or SW_E_AGAIN.
 * For the control thread and tests; workers never wait. */
int cti_handle_synchronize(struct cti_handle *h, unsigned timeout_ms);

/* Registers a reader (a worker); it starts online. 0 or SW_E_NOMEM. */
int cti_reader_new(struct cti_handle *h, struct cti_reader **out);
/* Unregisters and frees; NULL-safe. The reader must not use a store afterwards. */
void cti_reader_free(struct cti_reader *r);

/* The store to match against, until the next quiescent point; NULL when none is loaded. */
const struct cti_store *cti_reader_store(struct cti_reader *r);

/* Says "I hold no store pointer now": call between packets. One relaxed load, one release store. */
void cti_reader_quiescent(struct cti_reader *r);

/* A reader that will idle for long (no packets) goes offline so reloads need not wait for it;
 * online again before its next cti_reader_store(). */
void cti_reader_offline(struct cti_reader *r);
void cti_reader_online(struct cti_reader *r);

/* The reader's share of cti.memcap and its accounting (per-flow state, for stats); set memcap
 * before the reader's first flow. */
struct sw_memcap *cti_reader_mem(struct cti_reader *r);

/* ---- indicators against traffic (cti_flow.c) ---------------------------------------------- */

/*
 * Called once per flow and indicator that matched: dir is the direction of the data that
 * carried the value, matched_on the field ("flow.src_ip", "dns.query", "http.url", ...). hit is
 * valid during the call. The calls come from the worker's thread, inside cti_flow_check_*().
 */
typedef void cti_alert_fn(void *arg, struct sw_flow *f, sw_time_t ts, enum flow_dir dir,
                          const struct cti_hit *hit, const char *matched_on);

/* Both addresses of flow f (call once, at its first packet); with tunnel, also the outer
 * addresses of every layer of a tunnelled flow (matched_on "tunnel.src_ip"/"tunnel.dest_ip"). */
void cti_flow_check_addrs(struct cti_reader *r, struct sw_flow *f, sw_time_t ts, bool tunnel,
                          cti_alert_fn *fn, void *arg);
/* Every observable of msg (its descriptor says which), seen in flow f. */
void cti_flow_check_msg(struct cti_reader *r, struct sw_flow *f, const struct app_msg *msg,
                        cti_alert_fn *fn, void *arg);
/* The flow ends: frees what it remembered; NULL-safe r (no accounting). */
void cti_flow_free(struct cti_reader *r, struct sw_flow *f);

/* ---- indicators from a Kafka topic (cti_kafka.c) ----------------------------------------- */

/* What one applied delta did: the body of an "intel" event. */
struct cti_intel_event {
	sw_time_t ts;
	const char *topic;
	uint64_t version;        /* the indicator set version the workers now use */
	uint64_t added, changed, removed, skipped;
	uint64_t total;          /* live indicators from the topic */
	int64_t lag;             /* messages on the topic not applied yet; -1 when unknown */
	bool merged;             /* the overlay was merged into the topic's base set */
};
typedef void cti_intel_fn(void *arg, const struct cti_intel_event *ev);

struct cti_kafka_stats {
	uint64_t messages, applied, removed, malformed, batches, merges, commits;
	int64_t lag;
	uint64_t memuse;          /* bytes charged to cti.kafka.memcap */
	uint64_t memcap_refused;  /* messages skipped because the memcap refused them */
};

struct cti_kafka;

/*
 * Starts the consumer thread of conf->kafka (brokers set) publishing into h. It reads the topic
 * from the beginning, or with a state file from that file's set and the group's committed
 * offsets; the start waits up to initial_wait seconds for it to reach the end of the topic.
 * fn is called on the consumer's thread after each applied delta. 0, SW_E_CONFIG or SW_E_NOMEM.
 */
int cti_kafka_start(struct cti_handle *h, const struct cti_conf *conf, cti_intel_fn *fn,
                    void *arg, struct cti_kafka **out);
/* Stops and joins the thread (a last delta is applied and committed); NULL-safe. */
void cti_kafka_stop(struct cti_kafka *k);
void cti_kafka_get_stats(struct cti_kafka *k, struct cti_kafka_stats *out);

/* Parses one topic message (key "type:value", value a JSON indicator or NULL for a removal)
 * without applying it; 0 or SW_E_INVAL with why set. For tests and fuzzing. */
int cti_kafka_check(const void *key, size_t keylen, const void *val, size_t len,
                    const char **why);
/* Tests: -1 when the fast scanner leaves the value (a JSON indicator) to jansson, else 0 when
 * both readings give the same answer and fields, 1 when they differ (a bug). */
int cti_kafka_fast_cmp(const void *val, size_t len);
/* Checks each cti.kafka.properties.KEY with librdkafka; a bad one is reported with its file and
 * line (-T catches it). 0 or SW_E_CONFIG. */
int cti_kafka_check_props(const struct cti_kafka_conf *kc, struct conf_doc *doc);

/* ---- retro-hunt (cti_retro.c) ------------------------------------------------------------ */

/* A new indicator matched something a worker saw before it was added. f is rebuilt from the
 * window (tuple, flow id, input; no counters); valid during the call. */
struct cti_retro_alert {
	const struct sw_flow *f;
	sw_time_t observed; /* packet time of the observation */
	sw_time_t detected; /* wall clock of the match */
	enum flow_dir dir;
	const struct cti_hit *hit;
	const char *matched_on;
};
typedef void cti_retro_fn(void *arg, const struct cti_retro_alert *a);

struct cti_retro_stats {
	uint64_t observations; /* recorded */
	uint64_t records;      /* in the window now */
	uint64_t bytes;        /* their bytes */
	uint64_t memuse;       /* the ring's bytes (charged to the memcap) */
	uint64_t expired;      /* fell out of the window by age */
	uint64_t evicted;      /* pushed out by the memcap before their time */
	uint64_t refused;      /* not recorded (larger than the window, too many fields) */
	uint64_t deduped;      /* repeats within a flow, not recorded */
	uint64_t scans, hits;
	uint64_t pairs;     /* (flow, indicator) pairs alerted, remembered while in the window */
	uint64_t forgotten; /* alerted pairs the memcap left no room to remember */
};

/* The retro alert sink, called on the thread that added indicators; set before readers. */
void cti_handle_set_retro(struct cti_handle *h, cti_retro_fn *fn, void *arg);
/* Gives reader r a window of minutes (packet time) and memcap bytes. 0 or SW_E_NOMEM. */
int cti_reader_retro(struct cti_reader *r, uint32_t minutes, uint64_t memcap);
/* Every window's figures, summed. */
void cti_handle_retro_stats(struct cti_handle *h, struct cti_retro_stats *out);

#endif /* SW_CTI_H */
