/* src/core/core.h: shared types of every stage: errors, logging, time, the packet, bounded
 * cursors, counters and the configuration key tables. The only header every stage may include. */
#ifndef SW_CORE_H
#define SW_CORE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- errors ------------------------------------------------------------------------------- */

enum sw_err {
	SW_OK = 0,
	SW_E_NOMEM = -1,   /* allocation failed or a memcap refused it */
	SW_E_IO = -2,      /* read/write/open failed; errno has the reason */
	SW_E_TRUNC = -3,   /* input ended before the structure it announced */
	SW_E_INVAL = -4,   /* malformed input or bad argument */
	SW_E_RANGE = -5,   /* a value outside its bounds */
	SW_E_NOTFOUND = -6,
	SW_E_UNSUPP = -7,  /* well-formed but not something we handle */
	SW_E_CONFIG = -8,  /* configuration error, already reported with file:line */
	SW_E_CAPTURE = -9, /* the capture library reported an error */
	SW_E_AGAIN = -10,  /* nothing now, try later */
	SW_E_MEMCAP = -11, /* refused by a memory cap */
};

/* The text of an SW_E_* code; never NULL. */
const char *sw_strerror(int err);

/* ---- logging ------------------------------------------------------------------------------ */

enum sw_log_level {
	SW_LOG_ERROR = 0,
	SW_LOG_WARN = 1,
	SW_LOG_NOTICE = 2,
	SW_LOG_INFO = 3,
	SW_LOG_DEBUG = 4,
};

/* Messages go to stderr with a level prefix; thread-safe (one write per line). */
void sw_log(enum sw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sw_log_set_level(enum sw_log_level level);
enum sw_log_level sw_log_get_level(void);

#define sw_err(...)    sw_log(SW_LOG_ERROR, __VA_ARGS__)
#define sw_warn(...)   sw_log(SW_LOG_WARN, __VA_ARGS__)
#define sw_notice(...) sw_log(SW_LOG_NOTICE, __VA_ARGS__)
#define sw_info(...)   sw_log(SW_LOG_INFO, __VA_ARGS__)
#define sw_debug(...)  sw_log(SW_LOG_DEBUG, __VA_ARGS__)

/* ---- time --------------------------------------------------------------------------------- */

/* Timestamps are microseconds since the epoch, from the packet (offline) or the clock (live). */
typedef uint64_t sw_time_t;
#define SW_USEC_PER_SEC 1000000ULL

sw_time_t sw_time_now(void);      /* wall clock */
sw_time_t sw_time_monotonic(void); /* for elapsed-time measurements */

/* Writes "2026-11-25T10:00:01.123456+0000" (UTC) into buf; returns its length (31) or -1. */
int sw_time_format(sw_time_t t, char *buf, size_t size);

/* ---- bounded cursor over packet bytes ------------------------------------------------------ */

/* Every read checks the remaining length first; on a short read nothing is consumed. */
struct cursor {
	const uint8_t *p;
	const uint8_t *end;
};

static inline void
cur_init(struct cursor *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->end = p + len;
}

static inline size_t
cur_left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}

static inline int
cur_skip(struct cursor *c, size_t n)
{
	if (cur_left(c) < n)
		return SW_E_TRUNC;
	c->p += n;
	return 0;
}

static inline int
cur_u8(struct cursor *c, uint8_t *v)
{
	if (cur_left(c) < 1)
		return SW_E_TRUNC;
	*v = c->p[0];
	c->p += 1;
	return 0;
}

static inline int
cur_be16(struct cursor *c, uint16_t *v)
{
	if (cur_left(c) < 2)
		return SW_E_TRUNC;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return 0;
}

static inline int
cur_be32(struct cursor *c, uint32_t *v)
{
	if (cur_left(c) < 4)
		return SW_E_TRUNC;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 |
	     (uint32_t)c->p[3];
	c->p += 4;
	return 0;
}

static inline int
cur_le32(struct cursor *c, uint32_t *v)
{
	if (cur_left(c) < 4)
		return SW_E_TRUNC;
	*v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 |
	     (uint32_t)c->p[0];
	c->p += 4;
	return 0;
}

/* Copies n bytes out, or fails without consuming. */
int cur_bytes(struct cursor *c, void *out, size_t n);

/* ---- addresses and the packet ------------------------------------------------------------- */

/* An IPv4 address is kept in the first 4 octets with the other 12 zero; the packet's or flow's
 * family says which. Comparison always uses all 16 bytes. */
struct sw_addr {
	uint8_t b[16];
};

/* Formats addr (family 4 or 6) as text into buf (>= 46 bytes); returns buf. */
const char *sw_addr_str(const struct sw_addr *addr, int family, char *buf, size_t size);

/* 802.1Q/802.1ad tags kept for tracking and output (Suricata keeps three too). Deeper tags are
 * decoded and counted (decoder.vlan, event vlan.too_many_layers) but not kept. */
#define SW_VLAN_MAX 3

/* Tunnel layers kept under the innermost packet (decode.max-layers, at most this); one more is
 * decode event decoder.too_many_layers. */
#define SW_ENCAP_MAX 8

/* What carried the layer above it (struct sw_encap.kind); decode_encap_kind_name() names it. */
enum sw_encap_kind {
	SW_ENCAP_NONE = 0,
	SW_ENCAP_IPIP = 1,   /* IPv4/IPv6 in IPv4/IPv6 (IP protocol 4 or 41), RFC 2003/2473/4213 */
	SW_ENCAP_VXLAN = 2,  /* Ethernet in UDP, RFC 7348; id is the VNI */
	SW_ENCAP_GRE = 3,    /* GRE, RFC 2784/2890 (id: the key), PPTP RFC 2637 (id: call id) */
	SW_ENCAP_ERSPAN = 4, /* ERSPAN type I/II/III in GRE; id is the session id (0 for type I) */
	SW_ENCAP_GENEVE = 5, /* Geneve in UDP, RFC 8926; id is the VNI */
	SW_ENCAP_GTPU = 6,   /* GTP-U v1 in UDP, 3GPP TS 29.281; id is the TEID */
	SW_ENCAP_TEREDO = 7, /* IPv6 in UDP, RFC 4380; no id */
	SW_ENCAP_AYIYA = 8,  /* IPv4/IPv6 in UDP, AYIYA (draft-massar-v6ops-ayiya); no id */
	SW_ENCAP_KIND_MAX
};

/*
 * One outer layer of a tunnelled packet: the IP header that carried the tunnel and what the
 * tunnel header said. Offsets, not pointers, like the rest of struct sw_packet.
 */
struct sw_encap {
	uint8_t kind;   /* enum sw_encap_kind */
	uint8_t family; /* of the outer IP header: 4 or 6 */
	uint8_t proto;  /* IP protocol of the outer header that names the tunnel (4, 41, 17) */
	struct sw_addr src, dst;
	uint32_t id;  /* VNI, GRE key, ERSPAN session, TEID; 0 when the tunnel has none */
	/* the id names the receiving end (a GTP-U TEID, a PPTP call id): each direction has its
	 * own, so the tunnel key leaves it out */
	bool id_oneway;
	uint32_t off; /* offset of the outer IP header in data */
	uint32_t next_off; /* offset of what the outer IP header carries: the inner IP header (IP
	                    * in IP), the GRE header, or the UDP header of a UDP tunnel (VXLAN,
	                    * Geneve, GTP-U, Teredo, AYIYA: the outer ports are there) */
};

/* Packet flags */
#define SW_PKT_IP        0x0001u /* an IPv4 or IPv6 header was decoded */
#define SW_PKT_L4        0x0002u /* a TCP/UDP/ICMP header was decoded (ports valid) */
#define SW_PKT_FRAG      0x0004u /* an IP fragment (not the first one, or more follow) */
#define SW_PKT_BAD_CSUM  0x0008u /* an IP or L4 checksum did not verify */
#define SW_PKT_INVALID   0x0010u /* a decode anomaly: do not use for flows */
#define SW_PKT_REBUILT   0x0020u /* rebuilt from fragments: not counted again by decode */
#define SW_PKT_CSUM_DEFER  0x0040u /* the TCP checksum is left to the worker (csum_* below) */
#define SW_PKT_CSUM_STRICT 0x0080u /* ... and a bad one keeps the packet out of flows */

/*
 * One captured packet. The capture stage fills the first block; decode fills the rest. Layer
 * positions are offsets from data, not pointers, so a packet copied into a ring with its bytes
 * stays valid. data is borrowed: valid only until the callback that received it returns.
 */
struct sw_packet {
	/* capture */
	const uint8_t *data;
	uint32_t caplen;  /* bytes in data */
	uint32_t wirelen; /* bytes on the wire */
	sw_time_t ts;
	int linktype;        /* DLT_* */
	uint32_t source_idx; /* which input (file) it came from */
	/* data stays valid until the capture is closed (a mapped file), not only for the call:
	 * handed to another thread without a copy */
	bool data_stable;

	/* decode */
	uint32_t flags;
	uint64_t hash;   /* symmetric flow hash (flow_packet_hash); 0 when not set */
	uint16_t vlan[SW_VLAN_MAX];
	uint8_t vlan_count;
	uint8_t encap_count; /* outer layers in encap[], outermost first */
	/* symmetric key of the tunnel layers (kinds, ids, outer address pairs) of the kinds used
	 * for tracking, part of the flow and defrag keys; 0 for a packet that came in no tunnel
	 * (or in tunnels none of which is used for tracking) */
	uint32_t tunnel;
	/* the innermost packet */
	uint8_t family; /* 4, 6, or 0 when not IP */
	uint8_t proto;  /* IP protocol of the transport header */
	uint8_t ttl;    /* or hop limit */
	struct sw_addr src, dst;
	uint16_t sport, dport; /* for ICMP: type and code */
	uint32_t l3_off, l4_off;
	uint32_t payload_off, payload_len;
	/* tcp */
	uint8_t tcp_flags;
	uint8_t tcp_wscale; /* window scale option, 0xff when absent */
	uint16_t tcp_win;
	uint16_t tcp_urp; /* urgent pointer */
	uint32_t tcp_seq, tcp_ack;
	/* icmp */
	uint8_t icmp_type, icmp_code;
	/* ip fragments (SW_PKT_FRAG): what defragmentation needs */
	uint32_t frag_id;      /* identification (16 bits for IPv4) */
	uint16_t frag_offset;  /* in bytes */
	uint8_t frag_more;     /* more fragments follow */
	uint32_t frag_hdr_off; /* IPv6: offset of the fragment header in data (also set for an
	                        * atomic fragment, which is no SW_PKT_FRAG; 0: none) */
	uint32_t frag_nh_off;  /* IPv6: offset of the next-header byte that names it */
	/* the first decode anomaly (enum decode_event), 0 when none */
	uint16_t anomaly;
	/* checksums are not validated (decode.checksum-validation none, or "auto" that found them
	 * offloaded on a live capture): the checksum rule keywords take them as valid, as
	 * Suricata's PKT_IGNORE_CHECKSUM */
	bool csum_ignored;
	/* SW_PKT_CSUM_DEFER: the TCP segment at csum_off (csum_len bytes) and its pseudo-header
	 * sum, for decode_csum_deferred() on the worker's thread */
	uint32_t csum_off, csum_len, csum_pseudo;
	/* Last, and not cleared per packet: only the first encap_count entries are ever written
	 * or read (decode_packet resets everything before this field). */
	struct sw_encap encap[SW_ENCAP_MAX];
};

#define SW_TH_FIN 0x01
#define SW_TH_SYN 0x02
#define SW_TH_RST 0x04
#define SW_TH_PSH 0x08
#define SW_TH_ACK 0x10
#define SW_TH_URG 0x20
#define SW_TH_ECE 0x40
#define SW_TH_CWR 0x80

/* ---- counters ----------------------------------------------------------------------------- */

/*
 * Each thread owns an array of counters and is the only writer; the stats reporter reads them
 * from another thread. Relaxed atomics make that well-defined and compile to plain moves.
 */
typedef _Atomic uint64_t sw_counter_t;

static inline void
sw_counter_add(sw_counter_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* A counter several threads add to (the output's, written by every worker): an atomic add, so
 * no update is lost (sw_counter_add's load and store are for a single writer). */
static inline void
sw_counter_add_shared(sw_counter_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t
sw_counter_get(const sw_counter_t *c)
{
	return atomic_load_explicit((sw_counter_t *)c, memory_order_relaxed);
}

/*
 * Memory a worker's stage holds for its flows, charged against the worker's share of a memcap
 * (the parsers' buffers, the rules' stream windows). The worker is the only writer; stats read
 * memuse and refused from another thread.
 */
struct sw_memcap {
	sw_counter_t memuse;  /* gauge, bytes */
	sw_counter_t refused; /* allocations the cap refused */
	uint64_t memcap;      /* 0: no cap */
	struct sw_pool *pools; /* optional: the worker's pools, found by object size by */
	uint32_t npools;       /* sw_memcap_alloc / sw_memcap_free */
};

/* Charges n bytes; false (counted in refused) when the cap refuses them. m may be NULL: no
 * accounting. */
bool sw_memcap_take(struct sw_memcap *m, size_t n);
/* Gives back n bytes charged before; NULL-safe. */
void sw_memcap_give(struct sw_memcap *m, size_t n);

/* Charges n bytes that were already allocated and cannot be refused (inside a library that does
 * not handle a failed allocation); returns false, counted in refused, when that put the use over
 * the cap: the caller then stops what makes that memory grow. m may be NULL. */
bool sw_memcap_charge(struct sw_memcap *m, size_t n);

/*
 * A worker's pool of fixed-size objects (flow states, segments, transactions): what a stage gives
 * back is kept on a free list, up to a bound, and handed out again instead of going through
 * malloc and free on the packet path. The memory stays charged to the caller's memcap exactly as
 * with malloc: charged when taken, given back when given back (kept objects are not charged, and
 * at most keep_bytes of them are kept). One writer (the worker); the counters are read by stats.
 * Under AddressSanitizer a kept object is poisoned, so a use after it was given back still fails.
 */
struct sw_pool_stats {
	sw_counter_t hits;   /* takes served from the free list */
	sw_counter_t misses; /* takes that went to malloc */
	sw_counter_t kept;   /* gauge: objects on the free list */
};

struct sw_pool {
	void *free_list; /* kept objects, linked through their first word */
	size_t size;     /* object size */
	uint32_t nkept, keep;
	struct sw_pool_stats *st; /* where the counters go; may be NULL */
};

/* What each pool keeps at most, by default */
#define SW_POOL_KEEP_BYTES ((size_t)1 << 20)

/* Objects of size bytes (0: the pool only counts, every take is a malloc), keeping at most
 * keep_bytes of them (at least one when keep_bytes > 0); counters in st (NULL: none). */
void sw_pool_init(struct sw_pool *p, size_t size, size_t keep_bytes, struct sw_pool_stats *st);
/* Frees what the pool keeps; NULL-safe. Objects still taken are the callers'. */
void sw_pool_fini(struct sw_pool *p);
/* size bytes, charged to m (NULL: no accounting), zeroed when zero is set; NULL when m refuses
 * (counted there) or memory runs out (counted in m's refused). From p's free list when p is not
 * NULL and holds objects of this size, from malloc otherwise. */
void *sw_pool_take(struct sw_pool *p, struct sw_memcap *m, size_t size, bool zero);
/* Gives back obj (NULL-safe) taken with sw_pool_take(p, m, size, ...). */
void sw_pool_give(struct sw_pool *p, struct sw_memcap *m, size_t size, void *obj);

/* size bytes charged to m, from m's pool of that size when it has one (sw_pool_take); m may be
 * NULL (plain malloc, no accounting). */
void *sw_memcap_alloc(struct sw_memcap *m, size_t size, bool zero);
/* Gives back obj taken by sw_memcap_alloc(m, size, ...); NULL-safe. */
void sw_memcap_free(struct sw_memcap *m, size_t size, void *obj);

/* ---- configuration ------------------------------------------------------------------------ */

/*
 * The configuration document: every scalar of the YAML file (or of --set) under its dotted path,
 * with where it came from. Stages never see YAML; they declare tables of conf_key and call
 * conf_apply(), which fills a plain struct and marks the keys it used. conf_check_unused() then
 * reports every key no stage knew, with file:line.
 */
struct conf_doc;

enum conf_type {
	CONF_BOOL = 0,  /* bool */
	CONF_INT = 1,   /* int64_t, bounds min..max */
	CONF_U32 = 2,   /* uint32_t, bounds min..max */
	CONF_SIZE = 3,  /* uint64_t, accepts 64kb / 128mb / 2gb suffixes */
	CONF_SECS = 4,  /* uint32_t seconds, accepts 30s / 5m / 2h / 1d suffixes */
	CONF_STR = 5,   /* char * (owned by the struct; free with conf_struct_free) */
	CONF_STRLIST = 6, /* struct conf_strlist (a YAML sequence, or one scalar) */
	CONF_ENUM = 7,  /* int, value is the index of the text in conf_key.choices */
};

struct conf_strlist {
	char **v;
	size_t n;
};

/*
 * One key of a stage's table. Bounds: min = max = 0 means the type's whole range; a negative max
 * on an unsigned type (SIZE_MAX converted) means no upper limit. defval NULL leaves the field as
 * it is (zero the struct first). A null YAML value gives NULL for CONF_STR, an empty list for
 * CONF_STRLIST, and an error for the other types. A path ending in ".*" with CONF_STR stores
 * nothing and marks every document key under that prefix as used (free-form maps such as Kafka
 * properties, read by the stage itself).
 */
struct conf_key {
	const char *path; /* dotted: "flow.timeout.tcp.new" */
	enum conf_type type;
	size_t offset;      /* into the stage's conf struct */
	const char *defval; /* text, parsed like a YAML value; NULL for none */
	int64_t min, max;   /* bounds for numbers */
	const char *const *choices; /* CONF_ENUM: NULL-terminated names */
};

/* Reads a YAML file into a document. Errors (syntax, not a mapping, duplicate key) are printed
 * with file:line and return SW_E_CONFIG; a file that cannot be read returns SW_E_IO. *out is set
 * only on success. */
int conf_doc_load(const char *path, struct conf_doc **out);

/* The same from a buffer; name is used in messages in place of the file name. */
int conf_doc_load_mem(const char *name, const void *buf, size_t len, struct conf_doc **out);

/* An empty document (built-in defaults only). */
struct conf_doc *conf_doc_new(void);
void conf_doc_free(struct conf_doc *doc);

/* Sets "path=value" from the command line (--set); replaces what the file said. A value of the
 * form "[a,b]" sets a list. Returns SW_E_INVAL when the text has no '='. */
int conf_doc_set(struct conf_doc *doc, const char *assignment);
/* The same for a command-line option that stands for a key (e.g. "-k"): messages about the
 * value name origin instead of "--set". origin must outlive doc (a string literal). */
int conf_doc_set_from(struct conf_doc *doc, const char *assignment, const char *origin);

/* Fills dst (a stage's conf struct) from keys: defaults first, then the document. Reports every
 * wrong type or out-of-bounds value with file:line:key and returns SW_E_CONFIG after checking
 * all keys. Marks the keys it read as used. */
int conf_apply(struct conf_doc *doc, const struct conf_key *keys, void *dst);

/* Frees the strings and lists conf_apply put in dst. */
void conf_struct_free(const struct conf_key *keys, void *dst);

/* Reports every key of the document that no conf_apply() read, with file:line. Returns the
 * number of such keys (0 is good). */
int conf_check_unused(struct conf_doc *doc);

/* Where path was set ("file.yaml:12" or "--set"), or NULL when not set. For stage-level
 * validation messages. */
const char *conf_doc_where(struct conf_doc *doc, const char *path, char *buf, size_t size);

/* Calls fn for every scalar under prefix (a path ending in '.'), with the rest of its path
 * and its value (NULL for a YAML null; a list as the text "[a,b]"), in file order, and marks
 * them used. For free-form maps
 * such as outputs.kafka.properties. Returns the first non-zero fn result, or 0. */
int conf_doc_foreach(struct conf_doc *doc, const char *prefix,
		     int (*fn)(void *arg, const char *key, const char *value), void *arg);

/* Parses numbers the way conf_apply does; used by the command line too. 0 or SW_E_INVAL. */
int conf_parse_size(const char *s, uint64_t *out);
int conf_parse_secs(const char *s, uint32_t *out);

/* ---- small utilities ---------------------------------------------------------------------- */

/* strtoll/strtoull with full-string and range checks; 0 or SW_E_INVAL/SW_E_RANGE. */
int sw_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* A dynamically growing byte buffer (for JSON and file names). On allocation failure the
 * buffer is marked failed and further appends are ignored; check sbuf_failed() before use. */
struct sbuf {
	char *p;
	size_t len, cap;
	int failed;
};

void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_add(struct sbuf *b, const void *p, size_t n);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int
sbuf_failed(const struct sbuf *b)
{
	return b->failed;
}

/* ---- JSON writer -------------------------------------------------------------------------- */

/* Writes JSON into an sbuf, placing commas itself. Nesting up to 32 levels. */
struct jw {
	struct sbuf *b;
	uint32_t depth;
	uint32_t nonempty; /* bit per level: something was written at this level */
};

void jw_init(struct jw *w, struct sbuf *b); /* resets b and opens the top object */
void jw_finish(struct jw *w);                /* closes the top object, adds '\n' */
void jw_obj_begin(struct jw *w, const char *key); /* key NULL inside arrays */
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
/* Bytes from the wire: escaped so the output is always valid UTF-8 JSON. */
void jw_strn(struct jw *w, const char *key, const void *val, size_t len);
void jw_u64(struct jw *w, const char *key, uint64_t val);
void jw_i64(struct jw *w, const char *key, int64_t val);
void jw_bool(struct jw *w, const char *key, bool val);
void jw_double(struct jw *w, const char *key, double val);
/* A time as "2026-11-25T10:00:01.123456+0000" (sw_time_format). */
void jw_time(struct jw *w, const char *key, sw_time_t t);

/* ---- single-producer/single-consumer ring ------------------------------------------------- */

/*
 * A byte ring of variable-length records between exactly one producer thread and one consumer
 * thread, without locks. Records are contiguous in memory (the ring wraps with a marker), so a
 * packet and its bytes can be written in place.
 */
struct sw_ring;

/* Makes a ring of about size bytes (rounded up to a multiple of 8). */
int sw_ring_new(size_t size, struct sw_ring **out);
void sw_ring_free(struct sw_ring *r); /* NULL-safe */

/* Producer: a pointer to len writable bytes, or NULL while the ring is full (try again later).
 * A record longer than a quarter of the ring is refused (NULL) for good: check
 * sw_ring_max_record() first. */
void *sw_ring_reserve(struct sw_ring *r, size_t len);
size_t sw_ring_max_record(const struct sw_ring *r);
/* Producer: publishes the record reserved last. */
void sw_ring_commit(struct sw_ring *r);

/* Consumer: the oldest record and its length, or NULL when empty. */
void *sw_ring_peek(struct sw_ring *r, size_t *len);
/* Consumer: frees the record returned by the last peek. */
void sw_ring_release(struct sw_ring *r);

/* Bytes ever published (producer side) and ever released by the consumer (either side): once
 * released() reaches a published() read earlier, the consumer is done with every record
 * published before it. */
uint64_t sw_ring_published(const struct sw_ring *r);
uint64_t sw_ring_released(struct sw_ring *r);
/* Back-off for a thread waiting on a ring: spins a little, then yields, then sleeps up to 1 ms.
 * *spins counts the waits so far; reset it to 0 after progress. */
void sw_ring_wait(unsigned *spins);

/* ---- quiescent-state-based reclamation ---------------------------------------------------- */

/*
 * Sets that reloads replace while workers read them (indicators, rules). The writer publishes
 * the new object with a seq_cst store of its own pointer, then retires the old one; the old one
 * is freed (free_fn) once every registered reader has passed a quiescent point after that, or is
 * offline. A reader holds no reference to a published object across a quiescent point, with one
 * exception: a reader that keeps the object it loaded (a worker's rule engine) takes a snapshot
 * before loading the pointer and reports that snapshot as its quiescent point (see
 * sw_qsbr_quiescent_at). Idle readers must still pass quiescent points (or go offline), or
 * nothing they might see is ever freed.
 */
struct sw_qsbr;
struct sw_qsbr_reader;

int sw_qsbr_new(struct sw_qsbr **out);
/* Frees every retired object; no reader may use any of them. NULL-safe. */
void sw_qsbr_free(struct sw_qsbr *q);
/* Retires obj (already replaced by a seq_cst store of the new one; NULL is a no-op). Only
 * fails with SW_E_NOMEM, when obj is not retired and stays the caller's. */
int sw_qsbr_retire(struct sw_qsbr *q, void *obj, void (*free_fn)(void *));
/* Frees what every reader has passed; returns how many objects still wait. Any thread. */
size_t sw_qsbr_reclaim(struct sw_qsbr *q);
/* Reclaims until nothing waits: 0, or SW_E_AGAIN after timeout_ms. */
int sw_qsbr_synchronize(struct sw_qsbr *q, unsigned timeout_ms);
/* Retired objects not freed yet (for stats and tests). */
size_t sw_qsbr_pending(struct sw_qsbr *q);

/* A reader thread; it starts online. 0 or SW_E_NOMEM. */
int sw_qsbr_reader_new(struct sw_qsbr *q, struct sw_qsbr_reader **out);
void sw_qsbr_reader_free(struct sw_qsbr_reader *r); /* NULL-safe */
/* The reader holds nothing it loaded before this call. */
void sw_qsbr_quiescent(struct sw_qsbr_reader *r);
/* For a reader that keeps what it loads: snapshot before loading the pointer, then, once it
 * has let go of whatever it held that is no longer published, report the snapshot. */
uint64_t sw_qsbr_snapshot(struct sw_qsbr_reader *r);
void sw_qsbr_quiescent_at(struct sw_qsbr_reader *r, uint64_t snapshot);
/* A reader that will idle goes offline (reclamation does not wait for it); online again
 * before it loads a published pointer. */
void sw_qsbr_offline(struct sw_qsbr_reader *r);
void sw_qsbr_online(struct sw_qsbr_reader *r);

/* 64-bit mixing hash (deterministic, not cryptographic). */
uint64_t sw_hash64(const void *p, size_t n, uint64_t seed);

/* A random, non-zero 64-bit seed for hash tables that face hostile keys (getrandom(), or the
 * clocks when that fails). */
uint64_t sw_random_seed(void);

#endif /* SW_CORE_H */
