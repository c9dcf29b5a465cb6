/* src/cti/cti_int.h: private layout of the indicator store (issue 4) and the helpers the feed
 * parsers, the store and the reload code share inside src/cti/. */
#ifndef SW_CTI_INT_H
#define SW_CTI_INT_H

#include <stdbool.h>

#include "cti/cti.h"

#define CTI_EMPTY         UINT32_MAX /* an unused slot's off */
#define CTI_DOMAIN_MAX    253
#define CTI_LOAD_PERMILLE 700 /* final fill of the hash tables */
#define CTI_MSG_MAX       20  /* bad-record messages logged per feed, then a count */
#define CTI_VALUE_MAX     (CTI_URL_MAX + 64)
#define CTI_SEV_REMOVED   0 /* meta.severity of a removal in a topic overlay */

/*
 * One hash table slot: 12 bytes. tag is the top half of the key's 64-bit hash and also places
 * the slot (fast range reduction, linear probing), so a table is re-sized without touching the
 * strings. off is the arena record:
 *   string types: text '\0' id '\0'
 *   ipv4 / ipv6:  plen, address (4 / 16 octets, masked), text '\0' id '\0'
 * meta indexes the interned provenance shared by many indicators.
 */
struct cti_slot {
	uint32_t tag;
	uint32_t off;
	uint32_t meta;
};

struct cti_table {
	struct cti_slot *slots;
	uint32_t nslots, count;
	/* building: slots appended in load order, placed (and duplicates dropped) at the end */
	struct cti_slot *pending;
	uint32_t npending, cappending;
};

/* Provenance shared by indicators (interned): 24 bytes. Strings are arena offsets. */
struct cti_meta {
	sw_time_t valid_until;
	uint32_t source, tags, name;
	uint16_t feed;
	uint8_t confidence, severity;
};

/* The intern tables used while building; freed when the store is finished. */
struct cti_intern {
	uint32_t *slots; /* string: arena offset; meta: index; CTI_EMPTY when free */
	uint32_t nslots, count;
};

struct cti_store {
	char *arena;
	size_t arena_len, arena_cap;
	struct cti_table tab[CTI_T_MAX];
	struct cti_meta *meta;
	uint32_t nmeta, capmeta;
	uint8_t plens4[33], nplens4; /* prefix lengths present, longest first */
	uint8_t plens6[129], nplens6;
	bool has4[33], has6[129];
	struct cti_feed_stats *feeds;
	char **feed_strs; /* names and paths the stats point to */
	size_t nfeeds;
	uint32_t sid[CTI_T_MAX];
	uint64_t version;
	uint32_t empty_str; /* arena offset of "" */
	/* indicators from a topic (cti_kafka.c): each record also holds its origin
	 * ("kafka:TOPIC/PARTITION/OFFSET") after its id, set in cur_origin before each add */
	bool has_origin;
	const char *cur_origin;
	size_t cur_origin_len;
	/* a view (nparts > 0): what workers see when a topic is configured; it owns nothing but
	 * itself. part[0] the file feeds, part[1] the topic's delta overlay, part[2] its base: a
	 * key found in the overlay (live, expired or removed) hides the base's. tab[].count holds
	 * the totals, plens4/6 the union. */
	const struct cti_store *part[3];
	uint8_t nparts;
	/* building only */
	struct cti_intern istr, imeta;
};

/* What a parser found for one indicator, before it is stored. Strings are borrowed. */
struct cti_record {
	int type; /* enum cti_type, or -1 to guess from the value */
	const char *value;
	size_t value_len;
	const char *source, *tags, *id, *name; /* NULL: the feed's default / none */
	size_t source_len, tags_len, id_len, name_len;
	int confidence; /* -1: the feed's default */
	int severity;   /* -1: the feed's default */
	sw_time_t valid_until;
	bool revoked;
	/* when key is set: the canonical key and text of value made before (type set), not made
	 * again (the intel topic's consumer keeps them) */
	const void *key;
	size_t key_len;
	const char *text;
	size_t text_len;
};

/* The feed being loaded: its config, stats, and the message budget. */
struct cti_load {
	struct cti_store *s;
	const struct cti_feed_conf *fc;
	struct cti_feed_stats *st;
	uint16_t feed;
	sw_time_t now;
	const char *where;   /* path or name, for messages */
	uint32_t def_tags;   /* arena offset of the feed's default tags */
	uint32_t def_source; /* arena offset of the feed name */
	uint64_t good, bad;
	unsigned msgs;
};

/* cti_store.c */
int cti_store_new(uint64_t version, const uint32_t sid[CTI_T_MAX], size_t nfeeds,
                  struct cti_store **out);
int cti_store_finish(struct cti_store *s);
int cti_store_intern_str(struct cti_store *s, const char *p, size_t len, uint32_t *off);
/* Validates, normalizes and stores one record; bad values are reported (line > 0: file:line,
 * else the object id in ctx) and counted. 0, or SW_E_NOMEM/SW_E_RANGE (abort the build). */
int cti_load_add(struct cti_load *ld, const struct cti_record *rec, unsigned long line,
                 const char *ctx);
/* Logs "where:line: msg" (or "where: ctx: msg") within the feed's message budget. */
void cti_load_report(struct cti_load *ld, unsigned long line, const char *ctx, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Copies the indicators of feed name from prev into ld's store; returns 0 or SW_E_NOMEM. */
int cti_load_copy_prev(struct cti_load *ld, const struct cti_store *prev, const char *name);

/* A view of files, overlay and base (any may be NULL) with the given totals per type; owns
 * nothing. 0 or SW_E_NOMEM. */
int cti_store_view(const struct cti_store *files, const struct cti_store *over,
                   const struct cti_store *base, const uint64_t count[CTI_T_MAX],
                   uint64_t version, struct cti_store **out);

/* cti_handle.c: publishes a new topic overlay and base (either may be the current one); the
 * replaced ones are retired. count: the topic's live indicators per type. */
int cti_handle_publish_topic(struct cti_handle *h, struct cti_store *over, struct cti_store *base,
                             const uint64_t count[CTI_T_MAX], uint64_t *version);

/* cti_retro.c: one worker's window. */
struct cti_retro;
int cti_retro_new(sw_time_t window, uint64_t memcap, struct cti_retro **out);
void cti_retro_free(struct cti_retro *w);
/* Records an observation of flow f at ts, matched against set version; type is an enum
 * app_obs_type or CTI_RETRO_ADDRS (the flow's addresses, no value). */
#define CTI_RETRO_ADDRS 0xfe
void cti_retro_note(struct cti_retro *w, const struct sw_flow *f, sw_time_t ts, uint64_t version,
                    int type, const char *where, enum flow_dir dir, const void *value, size_t len,
                    uint8_t obs_family);
void cti_retro_count_dedup(struct cti_retro *w);
/* Remembers that flow f alerted live for hit at ts: no retro alert repeats the pair. */
void cti_retro_live_hit(struct cti_retro *w, const struct sw_flow *f, sw_time_t ts,
                        const struct cti_hit *hit);
/* Matches fresh (the indicators just added, published as version) against the windows. */
void cti_retro_scan(struct cti_retro *const *wins, size_t n, const struct cti_store *fresh,
                    uint64_t version, sw_time_t detected, cti_retro_fn *fn, void *arg);
/* The same, calling between(between_arg) each time the scan lets go of a window's lock between
 * two slices (the unit test appends there). */
void cti_retro_scan_between(struct cti_retro *const *wins, size_t n, const struct cti_store *fresh,
                            uint64_t version, sw_time_t detected, cti_retro_fn *fn, void *arg,
                            void (*between)(void *), void *between_arg);
void cti_retro_get_stats(struct cti_retro *w, struct cti_retro_stats *out);
/* cti_handle.c: scans every reader's window with fresh (NULL-safe; waits for a grace period
 * first, so no worker still matches against an older set). */
void cti_handle_retro_scan(struct cti_handle *h, const struct cti_store *fresh, uint64_t version);
/* Whether some reader has a window (and alerts have a sink). */
bool cti_handle_retro_on(struct cti_handle *h);
/* The reader's window, or NULL. */
struct cti_retro *cti_reader_window(struct cti_reader *r);
/* cti_store.c: the indicators of next that prev (NULL-safe) lacks, as a store; 0 or
 * SW_E_NOMEM. */
int cti_store_diff(const struct cti_store *next, const struct cti_store *prev,
                   struct cti_store **out);

/* cti_feed.c */
/* Reads and parses one feed into ld. Returns 0 when the feed loaded (bad records skipped), or
 * why it failed before anything was stored (SW_E_IO, SW_E_INVAL: not the format, every record
 * bad), or SW_E_NOMEM/SW_E_RANGE. */
int cti_feed_load(struct cti_load *ld);
int cti_feed_parse(struct cti_load *ld, const char *buf, size_t len);
int cti_format_guess(const char *buf, size_t len);

/* cti_value.c */
/* Canonical key and display text of a value of a type. key/keylen: what is hashed; text: what a
 * hit shows. Returns 0 or SW_E_INVAL with why set to a short reason. */
struct cti_key {
	uint8_t bin[17]; /* ipv4/ipv6: plen, address */
	char text[CTI_VALUE_MAX + 2];
	size_t text_len;
	const void *key;
	size_t key_len;
};
int cti_key_make(int type, const char *v, size_t len, struct cti_key *k, const char **why);
int cti_domain_normalize(const char *name, size_t len, char *buf, size_t size);
int cti_type_parse(const char *name, size_t len); /* -1 when unknown; "ip" gives -2 (either) */
int cti_time_parse(const char *s, size_t len, sw_time_t *out);
int cti_severity_parse(const char *s, size_t len, int *out);

static inline uint64_t
cti_hash(const void *p, size_t n, int type)
{
	return sw_hash64(p, n, 0x6374690000000000ULL + (uint64_t)type);
}

#endif /* SW_CTI_INT_H */
