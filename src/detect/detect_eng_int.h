/* src/detect/detect_eng_int.h: private to the detection stage. The compiled engine shared by
 * detect_engine.c (which builds it) and detect_match.c (which inspects packets, streams and
 * app-layer messages with it). */
#ifndef SW_DETECT_ENG_INT_H
#define SW_DETECT_ENG_INT_H

#include <hs/hs.h>
#include <pthread.h>

#include "detect/detect_int.h"

/* Where a rule is inspected (bits). */
#define DET_CTX_PACKET 0x01u /* each packet: header, dsize, flags, the packet's payload */
#define DET_CTX_STREAM 0x02u /* the reassembled TCP stream */
#define DET_CTX_APP    0x04u /* app-layer messages (transactions) */
#define DET_CTX_EVENT  0x08u /* decoder/stream anomalies */

/* Hyperscan databases: one for the payloads of packets other than TCP, one for stream data,
 * one per app buffer, and one for TCP packet payloads (the few rules inspecting single TCP
 * packets: dsize, flags, flow:no_stream; most TCP rules read the stream), so that a TCP
 * payload is not scanned for UDP and ICMP patterns it cannot match. */
enum {
	DET_SLOT_PACKET = 0,
	DET_SLOT_STREAM = 1,
	DET_SLOT_APP0 = 2, /* + buffer id - 1 */
	DET_SLOT_PKT_TCP = DET_SLOT_APP0 + DET_BUF_MAX - 1,
	DET_NSLOTS,
};

/* Packet protocol classes for rules without a fast pattern. */
enum { DET_PC_TCP = 0, DET_PC_UDP, DET_PC_ICMP, DET_PC_OTHER, DET_PC_MAX };

struct det_portent {
	uint16_t port;
	uint32_t rule;
};

/* Rules without a fast pattern for one context: those for any destination port, and those for
 * a few ports, sorted by port. */
struct det_group {
	uint32_t *any;
	uint32_t nany;
	struct det_portent *byport;
	uint32_t nbyport;
};

struct det_slot {
	hs_database_t *db;
	uint32_t npat;
	uint32_t *pat_off; /* npat + 1: the rules of pattern i are pat_rules[pat_off[i]..] */
	uint32_t *pat_rules;
	uint32_t *pat_len; /* npat: the length of pattern i (a hit starts pat_len[i] before its end) */
};

/* One loaded rule with what the engine derived from it. */
struct det_rinfo {
	struct det_rule *r;
	struct detect_alert alert;
	char **ref_urls; /* references as URLs (reference.config prefixes), for the alert */
	uint8_t ctx;     /* DET_CTX_* */
	bool packet_tcp; /* a packet rule that also applies to TCP packets */
	int8_t app_dir;  /* app rules: the direction of their buffers, -1 the message's */
	int8_t msg_kind; /* app rules: enum app_msg_kind, -1 any */
	uint8_t pclass;  /* DET_PC_* */
	bool iponly;     /* Suricata's IP-only rule: the first packet of each direction of a
			    flow (and every packet without one); detect_engine.c rule_is_iponly */
	uint32_t th_rule; /* the index its thresholds are kept under: its own, a twin's original's */
};

struct det_th_entry {
	uint64_t hash; /* 0: empty */
	uint32_t rule;
	det_u128 a, b;
	sw_time_t start;
	uint32_t count;
	uint8_t type; /* enum det_threshold_type */
	bool fired;
};

#define DET_MSG_KINDS APP_MSG_KIND_MAX

#define TH_SIZE  65536 /* tracked (rule, address) pairs; when full, the oldest in a probe goes */
#define TH_PROBE 16

/* The slot hash of a threshold entry (detect_match.c). */
uint64_t det_th_hash(uint32_t rule, uint8_t type, det_u128 a, det_u128 b);

/* The packet variables of the packet being inspected (pcre's pkt_ captures), copied. */
#define DET_PKTVAR_MAX 16
#define DET_PKTVAR_BYTES 4096
struct det_pktvars {
	uint32_t n, used;
	struct detect_var v[DET_PKTVAR_MAX];
	uint8_t buf[DET_PKTVAR_BYTES];
};

/* detect_kw.c: what its keywords look at. */
struct det_kw_shared; /* xbits and host tags, shared by the workers */
struct det_kw_ctx {
	struct detect_engine *e;
	struct sw_memcap *mem;     /* the worker's, for the flow's keyword state */
	struct sw_flow *f;         /* may be NULL */
	void **fstate;             /* the flow's keyword state (flowint, tags); NULL: none */
	const struct det_pktvars *pv; /* the packet's variables (pktvar), may be NULL */
	const struct sw_packet *p; /* the packet in packet context, else NULL */
	const struct app_msg *msg; /* the app message in app context, else NULL */
	const uint8_t *payload;    /* the packet's payload or the stream window */
	size_t payload_len;
	size_t last_match; /* end of the last payload match (asn1 relative_offset) */
	int family;
	const struct sw_addr *src, *dst; /* of the inspected data's direction */
	enum flow_dir dir;
	sw_time_t ts;
	/* lua: the thread's scripts' states (made on first use), its counters, the flow's
	 * protocol name (SCFlowAppLayerProto) */
	struct det_lua_thread **lua;
	struct detect_stats *st;
	const char *app_proto;
};

/* detect_geoip.c: the geoip keyword and its country database (geoip-database). */
struct det_geoip; /* an open MaxMind DB file, shared read-only by the workers */
enum det_geo_dir { DET_GEO_SRC = 0, DET_GEO_DST = 1, DET_GEO_BOTH = 2, DET_GEO_ANY = 3 };
#define DET_GEO_MAXCODES 64      /* country codes in one geoip keyword, as Suricata */
#define DET_GEO_NONE     0       /* a country code: none (no entry, or an entry without one) */
#define DET_GEO_OTHER    1       /* a code that is not two characters */
/* A flow's two addresses and their countries (in the flow's keyword state). */
struct det_geoip_cache {
	det_u128 key[2];
	uint16_t cc[2];
	uint8_t have, next; /* have: bit i, slot i is filled; next: the slot a miss fills */
};
/* Opens the database at path (mapped read-only). 0; SW_E_CONFIG with the reason in err;
 * SW_E_NOMEM. */
int det_geoip_open(const char *path, struct det_geoip **out, char *err, size_t errlen);
void det_geoip_free(struct det_geoip *g); /* NULL-safe */
/* The database's type from its metadata ("GeoLite2-Country"). */
const char *det_geoip_type(const struct det_geoip *g);
/* The country code of IPv4 address v4 (network order): c0 << 8 | c1, DET_GEO_NONE,
 * DET_GEO_OTHER. */
uint16_t det_geoip_lookup(const struct det_geoip *g, const uint8_t v4[4]);
/* Parses geoip's value into k (already in r's list). 0, or SW_E_INVAL with err->reason. */
int det_geoip_parse(struct det_rule *r, struct det_kw *k, char *v, struct det_parse_error *err);
/* Whether k holds for a packet of family with these addresses (false for IPv6, as Suricata 7,
 * and without a database). cache: the flow's, or NULL. */
bool det_geoip_match(const struct det_geoip *g, const struct det_kw *k, int family,
                     const struct sw_addr *src, const struct sw_addr *dst,
                     struct det_geoip_cache *cache);

/* detect_hdr.c: the IP/TCP/ICMP header keywords (ttl, tos, id, ipopts, fragbits, fragoffset,
 * sameip, seq, ack, window, tcp.mss, icmp_id, icmp_seq). */
bool det_hdr_known(const char *kw);
int det_hdr_parse(struct det_rule *r, struct det_kw *k, const char *kw, char *v,
                  struct det_parse_error *err);
bool det_hdr_match(const struct det_kw *k, const struct sw_packet *p);
/* The raw bytes of header hdr (enum det_hdr_buf) of p's innermost packet as on the wire: the
 * IPv4 header with its options, the IPv6 header with its extension headers, the TCP header
 * with its options, the 8 bytes of a UDP, ICMP or ICMPv6 header. False when p has no such
 * header or the capture cut it. */
bool det_hdr_buffer(const struct sw_packet *p, int hdr, const uint8_t **data, size_t *len);
/* detect_kw.c's reading of Suricata's unsigned integer forms (N, <N, >=N, !N, A-B, A<>B). */
int det_kw_uint(char *v, uint64_t max, struct det_uint *u, const char **why);

/* Numbers the flowint variables and makes the shared tables (a quarter of memcap). */
int det_kw_engine_init(struct detect_engine *e, uint64_t memcap);
void det_kw_engine_free(struct detect_engine *e); /* NULL-safe e->kw */
uint64_t det_kw_shared_refused(const struct detect_engine *e);
/* The conditions of r's keywords (itype, xbits isset, flowint compare, ...). */
bool det_kw_match(struct det_kw_ctx *c, const struct det_rule *r);
/* One keyword of detect_kw_app.c (kind >= DET_KW_APP_FIRST). */
bool det_kwa_match(const struct det_kw_ctx *c, const struct det_rule *r, const struct det_kw *k);
/* r matched: xbits and flowint changes, tags. */
void det_kw_apply(struct det_kw_ctx *c, const struct det_rule *r, uint32_t sid, uint32_t gid);
/* A packet (c->p): whether a session or host tag window covers it. */
bool det_kw_tagged(struct det_kw_ctx *c);
void det_kw_flow_free(void *state, struct sw_memcap *mem); /* NULL-safe */
/* Sets flow variable name of c's flow to val (replacing its value), charged to c->mem; false
 * when refused (counted by the memcap) or without a flow state. */
bool det_kw_flowvar_set(struct det_kw_ctx *c, const char *name, const uint8_t *val, size_t len);
/* Up to max of c's flow's variables (pointing into the flow's state). */
uint32_t det_kw_flowvars(struct det_kw_ctx *c, struct detect_var *out, uint32_t max);
/* The flow's flowint variables that are set (at most max, in their numbers' order): names and
 * values, for an alert's metadata. */
uint32_t det_kw_flowints(struct det_kw_ctx *c, const char **names, uint32_t *values,
                         uint32_t max);
/* A reload: the new engine to takes over what from keeps across flows (thresholds of the rules
 * both have, by gid:sid and the same threshold; xbits and host tags). Workers may still use
 * from. 0 or SW_E_NOMEM (to then starts afresh). */
int det_kw_carry(struct detect_engine *to, struct detect_engine *from);

/* detect_dataset.c: the engine's sets. engine_init makes the config's sets (reading their
 * files; SW_E_CONFIG after naming the file and line of a bad one); resolve finds or makes the
 * set of each dataset / datarep item of r (load relative to r's file, save / state in
 * conf->data_dir), 0 or SW_E_INVAL with err->reason; conf must outlive the engine's build.
 * arm: the engine is in use, its sets are saved when the last engine holding them goes. carry:
 * a reload; the sets that learn (config, state, save) of the same name and type are taken
 * over from the old engine. match: item d on buffer p[0..len); a value the set's memcap refuses
 * is counted in refused (the worker's detect.memcap_refused; may be NULL). */
struct det_datasets;
int det_dataset_engine_init(struct detect_engine *e, const struct detect_conf *conf);
int det_dataset_resolve(struct detect_engine *e, struct det_rule *r, struct det_parse_error *err);
void det_dataset_engine_free(struct detect_engine *e);
void det_dataset_arm(struct detect_engine *e);
void det_dataset_carry(struct detect_engine *to, struct detect_engine *from);
bool det_dataset_match(const struct detect_engine *e, const struct det_dsref *d, const uint8_t *p,
                       size_t len, sw_counter_t *refused);
int det_dataset_conf_load(struct conf_doc *doc, struct detect_conf *conf);
/* One set on its own (tests, fuzzing): new (type an enum det_ds_type; NULL when out of memory
 * or a bad type), read (a set file's lines from fp, path for messages: 0, or SW_E_INVAL with
 * "path:line: ..." in err, as a set's load), write (the values as a set file holds them, the
 * save format), count, free (NULL-safe, never saves). */
struct det_dataset;
struct det_dataset *det_dataset_new(const char *name, uint8_t type, bool rep, uint64_t memcap,
                                    uint32_t hashsize);
int det_dataset_read(struct det_dataset *s, FILE *fp, const char *path, char *err,
                     size_t errlen);
void det_dataset_write(const struct det_dataset *s, FILE *fp);
uint64_t det_dataset_count(const struct det_dataset *s);
void det_dataset_free(struct det_dataset *s);
void det_dataset_conf_free(struct detect_conf *conf);

/* detect_iprep.c: engine_init reads the categories and reputation files of conf (a bad line is
 * logged with file:line: SW_E_CONFIG); resolve numbers the categories of r's iprep keywords (0,
 * or SW_E_INVAL with err->reason); score: addr's score in category cat from the most specific
 * entry covering it, -1 when it has none. */
struct det_iprep;
int det_iprep_engine_init(struct detect_engine *e, const struct detect_conf *conf);
int det_iprep_resolve(struct detect_engine *e, struct det_rule *r, struct det_parse_error *err);
int det_iprep_score(const struct detect_engine *e, det_u128 addr, int cat);
void det_iprep_free(struct det_iprep *ip); /* NULL-safe */
/* One table on its own (tests, fuzzing): new (empty; NULL when out of memory), read (a
 * categories file, or a reputation file once the categories are in, from fp named path: 0, or
 * SW_E_CONFIG after logging path:line), finish (after the last file, before lookups), lookup
 * (as det_iprep_score). */
struct det_iprep *det_iprep_new(void);
int det_iprep_read(struct det_iprep *ip, FILE *fp, const char *path, bool categories);
void det_iprep_finish(struct det_iprep *ip);
int det_iprep_lookup(const struct det_iprep *ip, det_u128 addr, int cat);

/* detect_lua.c: the lua / luajit keyword (Suricata 7's Lua detection scripts).
 * engine_init: keeps conf's detect.lua.* (conf outlives the build). resolve: r's lua keywords
 * read and checked (the script found next to r's file or in scripts-dir, loaded in a sandbox,
 * init() asked for its needs, which set where r is inspected): 0; SW_E_UNSUPP with
 * err->keyword and err->reason (lua rules off, a need we do not have); SW_E_INVAL with
 * "file:line: ..." in err->reason (the script does not load or run). flowints: numbers the
 * flowint variables the scripts name (after det_kw_engine_init). match: whether k's script
 * matches c (a Lua state per script per thread, made on first use; errors and limits counted
 * in c->st, never a match). thread_free: NULL-safe. engine_free: NULL-safe e->lua. */
struct det_lua_set;
struct det_lua_thread;
int det_lua_engine_init(struct detect_engine *e, const struct detect_conf *conf);
int det_lua_resolve(struct detect_engine *e, struct det_rule *r, struct det_parse_error *err);
int det_lua_flowints(struct detect_engine *e);
bool det_lua_match(struct det_kw_ctx *c, const struct det_kw *k);
void det_lua_thread_free(struct det_lua_thread *lt);
void det_lua_engine_free(struct detect_engine *e);
/* detect_kw.c, for lua's SCFlowint* / SCFlowvar*: flowint name's number (made when new: 0, or
 * SW_E_NOMEM); variable id of c's flow (get: false when unset; set: false when refused); the
 * value of flow variable name (borrowed from the flow's state; false when unset). */
int det_kw_flowint_add(struct detect_engine *e, const char *name, int32_t *id);
bool det_kw_flowint_read(struct det_kw_ctx *c, int32_t id, uint32_t *v);
bool det_kw_flowint_write(struct det_kw_ctx *c, int32_t id, uint32_t v);
bool det_kw_flowvar_get(struct det_kw_ctx *c, const char *name, const uint8_t **data,
                        size_t *len);

struct detect_engine {
	struct det_rinfo *rules;
	uint32_t nrules;
	uint32_t ntwins; /* bothways: of them, the twins of undirected rules (not counted as rules) */
	struct det_slot slot[DET_NSLOTS];
	struct det_group nofp_packet[DET_PC_MAX];
	/* IP-only rules (det_rinfo.iponly), by class: candidates of a packet without a flow or
	 * the first of its direction only */
	struct det_group iponly[DET_PC_MAX];
	struct det_group nofp_stream;
	uint32_t *nofp_app[DET_MSG_KINDS];
	uint32_t nnofp_app[DET_MSG_KINDS];
	uint32_t *event_rules; /* rules with decode-event / stream-event */
	uint32_t nevent_rules;
	char **flowbit_names;
	uint32_t nflowbits;
	uint64_t generation; /* per-flow state made by another engine is reset */
	uint32_t stream_window, backtrack_limit;
	uint32_t stream_chunk; /* detect.stream-chunk-size */
	uint32_t stream_maxlen; /* the longest fast pattern of the stream database */
	int nbuf;                     /* det_buffer_count(), read once at load */
	int8_t buf_kind[DET_BUF_MAX]; /* det_buffer_msg_kind() of each buffer, read once at load */
	int8_t buf_hdr[DET_BUF_MAX];  /* det_buffer()->hdr of each buffer: enum det_hdr_buf */
	/* by message kind: the kinds whose buffers its messages have (bit k; app_kind_serves():
	 * a QUIC message has the TLS buffers too), read once at load */
	uint32_t kind_serves[DET_MSG_KINDS];
	/* by message kind: the kinds whose rules run on its messages (kind_serves, less the
	 * kinds it serves for its own rules' buffers only: app_msg_desc.serves_buffers_only),
	 * and the kinds whose buffer databases are scanned for it (kind_runs, and the served
	 * kinds a loaded rule of that kind reads: "http.uri; ...; filestore;" on files) */
	uint32_t kind_runs[DET_MSG_KINDS], kind_scan[DET_MSG_KINDS];
	/* the packet header buffers (ipv4.hdr ...) that have a fast-pattern database: scanned
	 * on every packet (and IP fragment) they are found in */
	int hdr_bufs[DET_HDR_MAX];
	int nhdr_bufs;
	/* by message kind and direction (1: to the client), det_buffer_msg_payload() */
	int msg_payload[DET_MSG_KINDS][2];
	uint32_t payload_kinds; /* bit k: a rule mixes payload contents and kind k's buffers */
	unsigned file_hashes;   /* APP_HASH_* whose file.* buffer a loaded rule reads */
	unsigned store;         /* DET_STORE_*: a loaded rule has filestore / tls.store */
	bool tls_keyx; /* an ssl_state names a key exchange or negates: TLS reads on to them */
	uint32_t frames; /* APP_FRAME_* bits: the frames that loaded frame rules inspect */
	bool bodies;     /* a loaded rule reads HTTP body bytes (detect_wants_bodies) */
	bool has_stream, has_packet, has_app;
	bool has_tags; /* a rule has tag: packets are checked against tag windows */
	bool has_vars; /* a rule's pcre sets variables: alerts carry the flow's */
	bool has_flowints; /* a rule uses flowint: alerts carry the flow's (metadata.flowints) */
	struct det_classes classes;
	struct det_vars vars;
	struct detect_summary sum;
	hs_scratch_t *proto_scratch; /* cloned for each thread */
	unsigned nthreads;
	struct det_kw_shared *kw;
	struct det_geoip *geo; /* geoip-database, NULL when none is configured */
	struct det_datasets *ds; /* detect_dataset.c: the sets the rules use */
	struct det_iprep *iprep; /* detect_iprep.c: NULL without reputation-categories-file */
	struct det_lua_set *lua; /* detect_lua.c: the scripts of lua rules, read at load */
	/* threshold and detection_filter state, shared by all threads */
	pthread_mutex_t th_lock;
	struct det_th_entry *th;
	uint32_t th_size, th_used;
};

/* The app-layer message (enum app_msg_kind) that carries a buffer; -1 for none. */
static inline int
det_buffer_msg_kind(int buf)
{
	const struct det_buffer_info *bi = det_buffer(buf);

	return bi != NULL ? bi->msg_kind : -1;
}

#endif
