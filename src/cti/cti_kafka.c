/* src/cti/cti_kafka.c: indicators from an intel topic (issue 17). A librdkafka consumer on its
 * own thread reads a compacted topic (key "type:value", value a JSON indicator with the CSV
 * columns, a null value removes it), keeps the topic's set in a hash map, and applies what
 * changed as a delta: a small overlay store of the changed keys (removals included) published
 * beside the topic's base store through the handle's lock-free swap; when the overlay grows past
 * a quarter of the set it is merged into a new base. Offsets are committed only once the delta
 * holding them is published (and, with a state file, written to it). The set, its arrays and the
 * stores built from it are charged to cti.kafka.memcap: a message that would take it over is
 * skipped whole, counted, before anything of it is applied (a tombstone is never refused). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "cti/cti_int.h"

#define KF_PARTS_MAX  1024
#define KF_MERGE_MIN  65536 /* an overlay this small is never merged */
#define KF_MSG_MAX    50    /* malformed messages logged, then counted */
#define KF_STATE_SECS 1     /* state file written at most this often */
#define KF_POLL       256   /* messages taken from librdkafka's queue at once */
#define KF_RETRO_MS   1000  /* the additions of this long are hunted back by one scan */

/* One indicator of the topic, by its canonical key. */
struct kf_ent {
	uint64_t h;
	char *blob; /* key bytes, text (IP types), then value, source, tags, id, name each '\0'-ended */
	uint32_t keylen;
	uint16_t textlen; /* the canonical text: after the key for IP types, else the key itself */
	uint8_t type;
	bool removed; /* a tombstone, kept until the next merge */
	bool dirty;   /* changed since the base was built: in the overlay */
	int8_t confidence, severity;
	int32_t partition;
	int64_t offset;
	sw_time_t valid_until;
	const char *f[5]; /* value, source, tags, id, name: into blob; NULL when absent */
	size_t flen[5];
	size_t blobsz;
};

/* A parsed message: the fields point into the JSON document or the key. */
struct kf_rec {
	int type;
	struct cti_key k;
	const char *f[5];
	size_t flen[5];
	int confidence, severity;
	sw_time_t valid_until;
	bool removal;
	char tagbuf[1024];
};

struct cti_kafka {
	struct cti_handle *h;
	const struct cti_conf *conf;
	cti_intel_fn *fn;
	void *fnarg;
	rd_kafka_t *rk;
	pthread_t thread;
	atomic_int stop;
	char origin_prefix[256];
	char origin[256 + 48]; /* origin_prefix, then /PARTITION/OFFSET (kf_origin) */
	size_t origin_plen;

	/* the topic's set */
	struct kf_ent **slots;
	uint32_t nslots, count;    /* count: entries in slots (removed ones included) */
	uint64_t live[CTI_T_MAX];  /* entries not removed, per type */
	struct kf_ent **dirty;     /* the overlay's entries */
	uint32_t ndirty, capdirty;
	struct kf_ent **fresh;     /* added in the delta under way (for the retro-hunt) */
	uint32_t nfresh, capfresh;
	struct cti_store *base, *over; /* published; the handle owns them once published */
	struct sw_memcap mem;          /* cti.kafka.memcap: the set, its arrays, base and overlay */
	size_t base_bytes, over_bytes; /* what base and over are charged */
	uint64_t over_work;            /* entries of the overlays built since the last merge */
	uint64_t built;                /* entries put in stores (overlays, bases, retro-hunt) */
	uint64_t version;              /* the set version last published */
	sw_time_t fresh_since;         /* when the first of fresh was added */
	uint64_t refused;              /* messages refused in the delta under way */

	struct kf_rec rec; /* the message being applied */

	/* the delta under way */
	uint64_t added, changed, removed, skipped, pending;
	sw_time_t first_pending;
	int64_t next_off[KF_PARTS_MAX]; /* per partition: the offset after the last message read */
	int64_t done_off[KF_PARTS_MAX]; /* per partition: committed */
	int nparts;
	unsigned msgs;
	bool warned_topic;
	sw_time_t state_written;

	/* start-up: set once every partition reached its end */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool caught_up, eof[KF_PARTS_MAX];

	_Atomic uint64_t st_messages, st_applied, st_removed, st_malformed, st_batches, st_merges,
	    st_commits, st_refused;
	_Atomic int64_t st_lag;
};

static const struct cti_feed_conf kf_feed_defaults = {
    .format = CTI_FMT_CSV, .type = -1, .confidence = 50, .severity = 2};

/* ---- parsing ----------------------------------------------------------------------------- */


static int
kf_type_of(int type, const char *v, size_t len)
{
	if (type == -1)
		type = cti_value_guess(v, len);
	if (type == -2)
		type = memchr(v, ':', len) != NULL ? CTI_T_IPV6 : CTI_T_IPV4;
	return type;
}

/* "type:value" into rec->type and rec->k. */
static int
kf_parse_key(const char *key, size_t keylen, struct kf_rec *rec, const char **why)
{
	const char *colon = key != NULL ? memchr(key, ':', keylen) : NULL;

	if (colon == NULL) {
		*why = "the key is not type:value";
		return SW_E_INVAL;
	}
	if ((rec->type = cti_type_parse(key, (size_t)(colon - key))) == -1) {
		*why = "unknown type in the key";
		return SW_E_INVAL;
	}
	rec->type = kf_type_of(rec->type, colon + 1, keylen - (size_t)(colon + 1 - key));
	if (rec->type < 0 || cti_key_make(rec->type, colon + 1, keylen - (size_t)(colon + 1 - key),
	                                  &rec->k, why) != 0) {
		if (rec->type < 0)
			*why = "cannot tell the type of the key's value";
		return SW_E_INVAL;
	}
	return 0;
}

/* A message's fields before they are checked: from the fast scanner or from jansson. */
enum { KF_VALUE, KF_SOURCE, KF_TAGS, KF_ID, KF_NAME, KF_TYPE, KF_CONF, KF_SEV, KF_VALID, KF_NF };
enum kf_kind { KK_ABSENT, KK_STR, KK_INT, KK_OTHER, KK_BADTAGS };

static const char *const kf_names[KF_NF] = {"value", "source",     "tags",
                                            "id",    "name",       "type",
                                            "confidence", "severity", "valid_until"};

struct kf_raw {
	uint8_t kind[KF_NF];
	const char *s[KF_NF];
	size_t l[KF_NF];
	long long iv[KF_NF];
};

/* tags as a list: joined with '|' into buf (rec->tagbuf); false when it does not fit. */
static bool
kf_tag_add(char *buf, size_t size, size_t *n, const char *t, size_t l)
{
	if (*n + l + 1 >= size)
		return false;
	if (*n > 0)
		buf[(*n)++] = '|';
	memcpy(buf + *n, t, l);
	*n += l;
	buf[*n] = '\0';
	return true;
}

/* The fields of a JSON document (jansson) into raw; tags lists joined into tagbuf. */
static int
kf_raw_json(json_t *o, struct kf_raw *raw, char *tagbuf, size_t tagsize, const char **why)
{
	memset(raw, 0, sizeof(*raw));
	if (!json_is_object(o)) {
		*why = "the value is not a JSON object";
		return SW_E_INVAL;
	}
	for (int i = 0; i < KF_NF; i++) {
		json_t *v = json_object_get(o, kf_names[i]);

		if (v == NULL || json_is_null(v))
			continue;
		if (json_is_string(v)) {
			raw->kind[i] = KK_STR;
			raw->s[i] = json_string_value(v);
			raw->l[i] = json_string_length(v);
		} else if (json_is_integer(v)) {
			raw->kind[i] = KK_INT;
			raw->iv[i] = json_integer_value(v);
		} else if (i == KF_TAGS && json_is_array(v)) {
			size_t n = 0, j;
			json_t *t;

			raw->kind[i] = KK_STR;
			json_array_foreach(v, j, t)
			{
				if (!json_is_string(t) || !kf_tag_add(tagbuf, tagsize, &n,
				                                      json_string_value(t),
				                                      json_string_length(t))) {
					raw->kind[i] = KK_BADTAGS;
					break;
				}
			}
			if (raw->kind[i] == KK_STR && n == 0)
				raw->kind[i] = KK_ABSENT; /* an empty list: no tags */
			raw->s[i] = tagbuf;
			raw->l[i] = n;
		} else {
			raw->kind[i] = KK_OTHER;
		}
	}
	return 0;
}

/*
 * The fast scanner of the common message: one flat object of the known fields whose strings
 * are printable ASCII without escapes, integers without fraction or exponent, null, and tags
 * as a list of such strings. Fills raw with pointers into p (tags lists joined into tagbuf).
 * Returns 0, or 1 when the message is anything else (an escape, another byte, another key, a
 * duplicate, true/false, a real, nesting, bad JSON): then jansson reads it, so every message
 * gets exactly the answer jansson's reading gives (tests/fuzz/fuzz_cti_kafka.c checks it).
 * kf_fast_str: one such string at *pp (its quotes); false for anything else.
 */
static bool
kf_fast_str(const char **pp, const char *e, const char **s, size_t *l)
{
	const char *p = *pp;

	if (p == e || *p++ != '"')
		return false;
	for (*s = p; p < e && *p != '"'; p++)
		if (*p == '\\' || (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	if (p == e)
		return false;
	*l = (size_t)(p - *s);
	*pp = p + 1;
	return true;
}

/* After a value: 1 at a comma (and the blanks after it), 0 at close, -1 at anything else. */
static int
kf_fast_sep(const char **pp, const char *e, char close)
{
	const char *p = *pp;
	int r;

	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p == e || (*p != ',' && *p != close))
		return -1;
	r = *p++ == ',';
	while (r && p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	*pp = p;
	return r;
}

static int
kf_raw_fast(const char *p, size_t len, struct kf_raw *raw, char *tagbuf, size_t tagsize)
{
	const char *e = p + len;
	unsigned seen = 0;
	int sep;

#define KF_WS()                                                                                    \
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))                     \
	p++
	memset(raw, 0, sizeof(*raw));
	KF_WS();
	if (p == e || *p++ != '{')
		return 1;
	KF_WS();
	if (p < e && *p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		const char *ks;
		size_t kl;
		int f;

		if (!kf_fast_str(&p, e, &ks, &kl))
			return 1;
		for (f = 0; f < KF_NF; f++)
			if (strlen(kf_names[f]) == kl && memcmp(kf_names[f], ks, kl) == 0)
				break;
		if (f == KF_NF || (seen & (1u << f)) != 0)
			return 1; /* another key (jansson keeps it), or a duplicate (jansson refuses) */
		seen |= 1u << f;
		KF_WS();
		if (p == e || *p++ != ':')
			return 1;
		KF_WS();
		if (p == e)
			return 1;
		if (*p == '"') {
			if (!kf_fast_str(&p, e, &raw->s[f], &raw->l[f]))
				return 1;
			raw->kind[f] = KK_STR;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			bool neg = *p == '-';
			long long v = 0;
			int nd = 0;

			if (neg)
				p++;
			if (p < e && *p == '0' && p + 1 < e && p[1] >= '0' && p[1] <= '9')
				return 1;
			for (; p < e && *p >= '0' && *p <= '9'; p++, nd++)
				v = v * 10 + (*p - '0');
			if (nd == 0 || nd > 18 || (p < e && (*p == '.' || *p == 'e' || *p == 'E')))
				return 1;
			raw->kind[f] = KK_INT;
			raw->iv[f] = neg ? -v : v;
		} else if (*p == 'n') {
			if (e - p < 4 || memcmp(p, "null", 4) != 0)
				return 1;
			p += 4;
		} else if (*p == '[' && f == KF_TAGS) {
			size_t n = 0;
			bool fits = true;

			p++;
			KF_WS();
			if (p < e && *p == ']') {
				p++;
			} else {
				for (;;) {
					const char *ts;
					size_t tl;

					if (!kf_fast_str(&p, e, &ts, &tl))
						return 1;
					if (fits)
						fits = kf_tag_add(tagbuf, tagsize, &n, ts, tl);
					if ((sep = kf_fast_sep(&p, e, ']')) < 0)
						return 1;
					if (sep == 0)
						break;
				}
			}
			raw->kind[f] = !fits ? KK_BADTAGS : n > 0 ? KK_STR : KK_ABSENT;
			raw->s[f] = tagbuf;
			raw->l[f] = n;
		} else {
			return 1;
		}
		if ((sep = kf_fast_sep(&p, e, '}')) < 0)
			return 1;
		if (sep == 0)
			break;
	}
end:
	KF_WS();
#undef KF_WS
	return p == e ? 0 : 1;
}

/* A string field of raw (absent: NULL). */
static int
kf_raw_str(const struct kf_raw *raw, int f, const char **p, size_t *len, const char **why)
{
	*p = NULL;
	*len = 0;
	if (raw->kind[f] == KK_ABSENT)
		return 0;
	if (raw->kind[f] != KK_STR) {
		*why = "a field that must be a string is not";
		return SW_E_INVAL;
	}
	*p = raw->s[f];
	*len = raw->l[f];
	return 0;
}

/* Checks the fields into rec. */
static int
kf_raw_check(const struct kf_raw *raw, struct kf_rec *rec, const char **why)
{
	const char *tp;
	size_t tl;
	int type = -1;

	for (int i = 0; i < 5; i++) {
		if (raw->kind[i] == KK_BADTAGS) {
			*why = "tags is not a list of strings (or is too long)";
			return SW_E_INVAL;
		}
		if (kf_raw_str(raw, i, &rec->f[i], &rec->flen[i], why) != 0)
			return SW_E_INVAL;
	}
	if (rec->f[0] == NULL || rec->flen[0] == 0) {
		*why = "no value";
		return SW_E_INVAL;
	}
	if (kf_raw_str(raw, KF_TYPE, &tp, &tl, why) != 0)
		return SW_E_INVAL;
	if (tp != NULL && (type = cti_type_parse(tp, tl)) == -1) {
		*why = "unknown type";
		return SW_E_INVAL;
	}
	if ((type = kf_type_of(type, rec->f[0], rec->flen[0])) < 0) {
		*why = "cannot tell the type of the value";
		return SW_E_INVAL;
	}
	rec->type = type;
	if (cti_key_make(type, rec->f[0], rec->flen[0], &rec->k, why) != 0)
		return SW_E_INVAL;
	rec->confidence = rec->severity = -1;
	if (raw->kind[KF_CONF] != KK_ABSENT) {
		if (raw->kind[KF_CONF] != KK_INT || raw->iv[KF_CONF] < 0 || raw->iv[KF_CONF] > 100) {
			*why = "confidence is not a number from 0 to 100";
			return SW_E_INVAL;
		}
		rec->confidence = (int)raw->iv[KF_CONF];
	}
	if (raw->kind[KF_SEV] != KK_ABSENT) {
		if (raw->kind[KF_SEV] == KK_INT && raw->iv[KF_SEV] >= 1 && raw->iv[KF_SEV] <= 4)
			rec->severity = (int)raw->iv[KF_SEV];
		else if (raw->kind[KF_SEV] != KK_STR ||
		         cti_severity_parse(raw->s[KF_SEV], raw->l[KF_SEV], &rec->severity) != 0) {
			*why = "severity is not 1-4 or high, medium, low, info";
			return SW_E_INVAL;
		}
	}
	if (raw->kind[KF_VALID] != KK_ABSENT) {
		if (raw->kind[KF_VALID] == KK_INT && raw->iv[KF_VALID] >= 0)
			rec->valid_until = (sw_time_t)raw->iv[KF_VALID] * SW_USEC_PER_SEC;
		else if (raw->kind[KF_VALID] != KK_STR ||
		         cti_time_parse(raw->s[KF_VALID], raw->l[KF_VALID], &rec->valid_until) != 0) {
			*why = "valid_until is not a date or seconds since 1970";
			return SW_E_INVAL;
		}
	}
	return 0;
}

/* The JSON value into rec (the document stays referenced by the caller). */
static int
kf_parse_value(json_t *o, struct kf_rec *rec, const char **why)
{
	struct kf_raw raw;

	if (kf_raw_json(o, &raw, rec->tagbuf, sizeof(rec->tagbuf), why) != 0)
		return SW_E_INVAL;
	return kf_raw_check(&raw, rec, why);
}

/* Parses a message into rec; *doc holds the JSON the fields point into (json_decref it), or
 * they point into val. slow: always through jansson (a test of the fast scanner). */
static int
kf_parse(const void *key, size_t keylen, const void *val, size_t len, struct kf_rec *rec,
         json_t **doc, const char **why, bool slow)
{
	struct kf_rec kr;
	struct kf_raw raw;
	json_error_t err;

	memset(rec, 0, sizeof(*rec));
	*doc = NULL;
	if (val == NULL) {
		rec->removal = true;
		return kf_parse_key(key, keylen, rec, why);
	}
	if (!slow && kf_raw_fast(val, len, &raw, rec->tagbuf, sizeof(rec->tagbuf)) == 0) {
		if (kf_raw_check(&raw, rec, why) != 0)
			return SW_E_INVAL;
	} else {
		if ((*doc = json_loadb(val, len, JSON_REJECT_DUPLICATES, &err)) == NULL) {
			*why = "the value is not JSON";
			return SW_E_INVAL;
		}
		if (kf_parse_value(*doc, rec, why) != 0)
			return SW_E_INVAL;
	}
	if (key != NULL && keylen > 0) {
		memset(&kr, 0, sizeof(kr));
		if (kf_parse_key(key, keylen, &kr, why) != 0)
			return SW_E_INVAL;
		if (kr.type != rec->type || kr.k.key_len != rec->k.key_len ||
		    memcmp(kr.k.key, rec->k.key, kr.k.key_len) != 0) {
			*why = "the key is not the value's type:value";
			return SW_E_INVAL;
		}
	}
	return 0;
}

int
cti_kafka_check(const void *key, size_t keylen, const void *val, size_t len, const char **why)
{
	struct kf_rec *rec = malloc(sizeof(*rec));
	json_t *doc;
	int r;

	if (rec == NULL)
		return SW_E_NOMEM;
	r = kf_parse(key, keylen, val, len, rec, &doc, why, false);
	json_decref(doc);
	free(rec);
	return r;
}

int
cti_kafka_check_props(const struct cti_kafka_conf *kc, struct conf_doc *doc)
{
	rd_kafka_conf_t *rc;
	char err[512], key[512], where[256];
	int r = 0;

	if (kc->props_len == 0)
		return 0;
	rc = rd_kafka_conf_new();
	for (size_t off = 0; off < kc->props_len;) {
		const char *k = kc->props + off, *v = k + strlen(k) + 1;

		off += strlen(k) + strlen(v) + 2;
		if (rd_kafka_conf_set(rc, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
			snprintf(key, sizeof(key), "cti.kafka.properties.%s", k);
			sw_err("%s: key '%s': %s", conf_doc_where(doc, key, where, sizeof(where)) ?: "?",
			       key, err);
			r = SW_E_CONFIG;
		}
	}
	rd_kafka_conf_destroy(rc);
	return r;
}

int
cti_kafka_fast_cmp(const void *val, size_t len)
{
	struct kf_rec *a = calloc(2, sizeof(*a)), *b = a + 1;
	struct kf_raw raw;
	const char *wa = NULL, *wb = NULL;
	json_t *da = NULL, *db = NULL;
	int ra, rb, same = -1;

	if (a == NULL)
		return -1;
	if (val != NULL && kf_raw_fast(val, len, &raw, a->tagbuf, sizeof(a->tagbuf)) == 0) {
		ra = kf_parse(NULL, 0, val, len, a, &da, &wa, false);
		rb = kf_parse(NULL, 0, val, len, b, &db, &wb, true);
		same = ra == rb && (ra != 0 ? wa == wb : a->type == b->type && a->k.key_len == b->k.key_len &&
		                                             memcmp(a->k.key, b->k.key, a->k.key_len) == 0 &&
		                                             a->confidence == b->confidence &&
		                                             a->severity == b->severity &&
		                                             a->valid_until == b->valid_until);
		for (int i = 0; i < 5 && same == 1 && ra == 0; i++)
			same = (a->f[i] == NULL) == (b->f[i] == NULL) && a->flen[i] == b->flen[i] &&
			       (a->flen[i] == 0 || memcmp(a->f[i], b->f[i], a->flen[i]) == 0);
		same = same ? 0 : 1;
	}
	json_decref(da);
	json_decref(db);
	free(a);
	return same;
}

/* ---- the set ----------------------------------------------------------------------------- */

static uint64_t
kf_hash(int type, const void *key, size_t len)
{
	return cti_hash(key, len, type) | 1;
}

static struct kf_ent **
kf_find(struct cti_kafka *k, int type, const void *key, size_t len, uint64_t h)
{
	uint32_t j = (uint32_t)h & (k->nslots - 1);

	for (; k->slots[j] != NULL; j = (j + 1) & (k->nslots - 1)) {
		const struct kf_ent *e = k->slots[j];

		if (e->h == h && e->type == type && e->keylen == len &&
		    memcmp(e->blob, key, len) == 0)
			break;
	}
	return &k->slots[j];
}

/* Rehashes into n slots, dropping removed entries when purge is set. */
static int
kf_rehash(struct cti_kafka *k, uint32_t n, bool purge)
{
	struct kf_ent **ns;

	if (n > k->nslots && !sw_memcap_take(&k->mem, (size_t)(n - k->nslots) * sizeof(*ns)))
		return SW_E_RANGE;
	if ((ns = calloc(n, sizeof(*ns))) == NULL) {
		if (n > k->nslots)
			sw_memcap_give(&k->mem, (size_t)(n - k->nslots) * sizeof(*ns));
		return SW_E_NOMEM;
	}
	for (uint32_t i = 0; i < k->nslots; i++) {
		struct kf_ent *e = k->slots[i];
		uint32_t j;

		if (e == NULL)
			continue;
		if (purge && e->removed) {
			sw_memcap_give(&k->mem, sizeof(*e) + e->blobsz);
			free(e->blob);
			free(e);
			k->count--;
			continue;
		}
		for (j = (uint32_t)e->h & (n - 1); ns[j] != NULL; j = (j + 1) & (n - 1))
			;
		ns[j] = e;
	}
	free(k->slots);
	k->slots = ns;
	k->nslots = n;
	return 0;
}

/* Room for one more in an array of entries, charged (force: past the cap, for a tombstone).
 * 0, SW_E_RANGE (the memcap refused) or SW_E_NOMEM. */
static int
kf_room(struct cti_kafka *k, struct kf_ent ***a, uint32_t n, uint32_t *cap, bool force)
{
	uint32_t ncap = *cap ? *cap * 2 : 1024;
	size_t more = (size_t)(ncap - *cap) * sizeof(**a);
	struct kf_ent **na;

	if (n < *cap)
		return 0;
	if (force ? (sw_memcap_charge(&k->mem, more), false) : !sw_memcap_take(&k->mem, more))
		return SW_E_RANGE;
	if ((na = realloc(*a, ncap * sizeof(*na))) == NULL) {
		sw_memcap_give(&k->mem, more);
		return SW_E_NOMEM;
	}
	*a = na;
	*cap = ncap;
	return 0;
}

/* Adds e to the overlay's entries (room made by kf_room first). */
static void
kf_mark_dirty(struct cti_kafka *k, struct kf_ent *e)
{
	if (e->dirty)
		return;
	k->dirty[k->ndirty++] = e;
	e->dirty = true;
}

/* Applies one parsed message to the set (not yet published): whole, or (an error returned:
 * SW_E_RANGE when the memcap refused, SW_E_NOMEM) not at all. */
static int
kf_apply(struct cti_kafka *k, const struct kf_rec *rec, int32_t partition, int64_t offset)
{
	uint64_t h = kf_hash(rec->type, rec->k.key, rec->k.key_len);
	struct kf_ent **slot, *e;
	size_t need, charge, textlen;
	char *blob, *p;
	int r;

	slot = k->nslots > 0 ? kf_find(k, rec->type, rec->k.key, rec->k.key_len, h) : NULL;
	e = slot != NULL ? *slot : NULL;
	if (rec->removal) {
		if (e == NULL || e->removed)
			return 0; /* nothing to remove: a tombstone read again */
		if (!e->dirty && (r = kf_room(k, &k->dirty, k->ndirty, &k->capdirty, true)) != 0)
			return r;
		e->removed = true;
		e->partition = partition;
		e->offset = offset;
		k->live[e->type]--;
		k->removed++;
		kf_mark_dirty(k, e);
		return 0;
	}
	textlen = rec->type == CTI_T_IPV4 || rec->type == CTI_T_IPV6 ? rec->k.text_len : 0;
	need = rec->k.key_len + textlen;
	for (int i = 0; i < 5; i++)
		need += rec->flen[i] + 1;
	/* everything this message needs is charged and allocated before the set changes */
	if ((e == NULL || !e->dirty) &&
	    (r = kf_room(k, &k->dirty, k->ndirty, &k->capdirty, false)) != 0)
		return r;
	if ((e == NULL || e->removed) &&
	    (r = kf_room(k, &k->fresh, k->nfresh, &k->capfresh, false)) != 0)
		return r;
	if (e == NULL && (k->count + 1) * 10 > k->nslots * 7) {
		if ((r = kf_rehash(k, k->nslots ? k->nslots * 2 : 1024, false)) != 0)
			return r;
		slot = kf_find(k, rec->type, rec->k.key, rec->k.key_len, h);
	}
	charge = need + (e == NULL ? sizeof(*e) : 0);
	if (!sw_memcap_take(&k->mem, charge))
		return SW_E_RANGE;
	if ((blob = malloc(need)) == NULL) {
		sw_memcap_give(&k->mem, charge);
		return SW_E_NOMEM;
	}
	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			free(blob);
			sw_memcap_give(&k->mem, charge);
			return SW_E_NOMEM;
		}
		e->h = h;
		e->type = (uint8_t)rec->type;
		e->keylen = (uint32_t)rec->k.key_len;
		e->removed = true;
		*slot = e;
		k->count++;
	}
	if (e->removed) {
		k->live[e->type]++;
		k->added++;
		if (k->nfresh == 0)
			k->fresh_since = sw_time_monotonic();
		k->fresh[k->nfresh++] = e; /* room made above */
	} else {
		k->changed++;
	}
	e->removed = false;
	memcpy(blob, rec->k.key, rec->k.key_len);
	memcpy(blob + rec->k.key_len, rec->k.text, textlen);
	e->textlen = (uint16_t)(textlen > 0 ? textlen : rec->k.key_len);
	p = blob + rec->k.key_len + textlen;
	for (int i = 0; i < 5; i++) {
		e->f[i] = rec->f[i] != NULL ? p : NULL;
		e->flen[i] = rec->flen[i];
		if (rec->flen[i] > 0)
			memcpy(p, rec->f[i], rec->flen[i]);
		p[rec->flen[i]] = '\0';
		p += rec->flen[i] + 1;
	}
	free(e->blob);
	sw_memcap_give(&k->mem, e->blobsz);
	e->blob = blob;
	e->blobsz = need;
	e->confidence = (int8_t)rec->confidence;
	e->severity = (int8_t)rec->severity;
	e->valid_until = rec->valid_until;
	e->partition = partition;
	e->offset = offset;
	kf_mark_dirty(k, e);
	return 0;
}

/* ---- building stores --------------------------------------------------------------------- */

static int
kf_store_begin(struct cti_kafka *k, struct cti_store **out, struct cti_load *ld)
{
	uint32_t sid[CTI_T_MAX];
	struct cti_store *s;
	int r;

	for (int t = 0; t < CTI_T_MAX; t++)
		sid[t] = k->conf->sid[t] + (uint32_t)k->conf->nfeeds;
	if ((r = cti_store_new(0, sid, 1, &s)) != 0)
		return r;
	if ((s->feed_strs[0] = strdup(k->origin_prefix)) == NULL ||
	    (s->feed_strs[1] = strdup(k->origin_prefix)) == NULL) {
		cti_store_free(s);
		return SW_E_NOMEM;
	}
	s->feeds[0].name = s->feed_strs[0];
	s->feeds[0].path = s->feed_strs[1];
	s->has_origin = true;
	memset(ld, 0, sizeof(*ld));
	ld->s = s;
	ld->fc = &kf_feed_defaults;
	ld->st = &s->feeds[0];
	ld->now = sw_time_now();
	ld->where = s->feeds[0].name;
	if ((r = cti_store_intern_str(s, k->conf->kafka.topic, strlen(k->conf->kafka.topic),
	                              &ld->def_source)) != 0 ||
	    (r = cti_store_intern_str(s, "", 0, &ld->def_tags)) != 0) {
		cti_store_free(s);
		return r;
	}
	*out = s;
	return 0;
}

/* "kafka:TOPIC/PARTITION/OFFSET" into k->origin (the prefix is there already); its length. */
static size_t
kf_origin(struct cti_kafka *k, int32_t partition, int64_t offset)
{
	char *p = k->origin + k->origin_plen, digits[24];
	uint64_t v[2] = {(uint64_t)(partition < 0 ? 0 : partition), (uint64_t)(offset < 0 ? 0 : offset)};

	for (int i = 0; i < 2; i++) {
		int n = 0;

		do
			digits[n++] = (char)('0' + v[i] % 10);
		while ((v[i] /= 10) != 0);
		*p++ = '/';
		while (n > 0)
			*p++ = digits[--n];
	}
	*p = '\0';
	return (size_t)(p - k->origin);
}

/* Adds e to the store being built; a removal (or an expired change, in an overlay) becomes a
 * removal entry that hides the base's. */
static int
kf_store_add(struct cti_kafka *k, struct cti_load *ld, const struct kf_ent *e, bool overlay)
{
	struct cti_record rec;
	bool gone = e->removed || (e->valid_until != 0 && e->valid_until <= ld->now);
	bool ip = e->type == CTI_T_IPV4 || e->type == CTI_T_IPV6;

	if (gone && !overlay)
		return 0;
	ld->s->cur_origin = k->origin;
	ld->s->cur_origin_len = kf_origin(k, e->partition, e->offset);
	memset(&rec, 0, sizeof(rec));
	rec.type = e->type;
	rec.value = e->f[0];
	rec.value_len = e->flen[0];
	rec.key = e->blob; /* as made when the message was read: not normalized again */
	rec.key_len = e->keylen;
	rec.text = ip ? e->blob + e->keylen : e->blob;
	rec.text_len = e->textlen;
	rec.source = e->f[1];
	rec.source_len = e->flen[1];
	rec.tags = e->f[2];
	rec.tags_len = e->flen[2];
	rec.id = e->f[3];
	rec.id_len = e->flen[3];
	rec.name = e->f[4];
	rec.name_len = e->flen[4];
	rec.confidence = e->confidence;
	rec.severity = gone ? CTI_SEV_REMOVED : e->severity;
	rec.valid_until = gone ? 0 : e->valid_until;
	return cti_load_add(ld, &rec, 0, "kafka");
}

/* merge 0: the overlay (changed keys); 1: the whole set; 2: what the delta added */
static int
kf_build(struct cti_kafka *k, int merge, struct cti_store **out)
{
	struct cti_load ld;
	struct cti_store *s;
	int r;

	if ((r = kf_store_begin(k, &s, &ld)) != 0)
		return r;
	if (merge == 2) {
		for (uint32_t i = 0; i < k->nfresh && r == 0; i++)
			r = kf_store_add(k, &ld, k->fresh[i], false);
	} else if (merge) {
		for (uint32_t i = 0; i < k->nslots && r == 0; i++)
			if (k->slots[i] != NULL)
				r = kf_store_add(k, &ld, k->slots[i], false);
	} else {
		for (uint32_t i = 0; i < k->ndirty && r == 0; i++)
			r = kf_store_add(k, &ld, k->dirty[i], true);
	}
	if (r == 0)
		r = cti_store_finish(s);
	if (r != 0) {
		cti_store_free(s);
		return r;
	}
	k->built += (uint64_t)ld.good;
	*out = s;
	return 0;
}

/* ---- applying a delta -------------------------------------------------------------------- */

static int64_t
kf_lag(struct cti_kafka *k)
{
	int64_t lag = 0;

	for (int p = 0; p < k->nparts; p++) {
		int64_t lo = 0, hi = 0;

		if (rd_kafka_get_watermark_offsets(k->rk, k->conf->kafka.topic, p, &lo, &hi) !=
		        RD_KAFKA_RESP_ERR_NO_ERROR ||
		    hi < 0)
			return -1;
		if (k->next_off[p] >= 0 && hi > k->next_off[p])
			lag += hi - k->next_off[p];
		else if (k->next_off[p] < 0 && hi > lo)
			lag += hi - lo;
	}
	return lag;
}

/* The whole set as JSON lines (with each indicator's partition and offset), replacing path. */
static int
kf_state_write(struct cti_kafka *k)
{
	char tmp[4096];
	FILE *fp;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", k->conf->kafka.state_file);
	if ((fp = fopen(tmp, "w")) == NULL) {
		sw_err("cti: kafka state file %s: %s", tmp, strerror(errno));
		return SW_E_IO;
	}
	fprintf(fp, "{\"offsets\":[");
	for (int p = 0; p < k->nparts; p++)
		fprintf(fp, "%s%lld", p ? "," : "", (long long)k->next_off[p]);
	fprintf(fp, "]}\n");
	for (uint32_t i = 0; i < k->nslots; i++) {
		static const char *const names[5] = {"value", "source", "tags", "id", "name"};
		const struct kf_ent *e = k->slots[i];
		json_t *o;
		char *line;

		if (e == NULL || e->removed)
			continue;
		if ((o = json_object()) == NULL)
			break;
		json_object_set_new(o, "type", json_string(cti_type_name(e->type)));
		for (int f = 0; f < 5; f++)
			if (e->f[f] != NULL)
				json_object_set_new(o, names[f], json_stringn(e->f[f], e->flen[f]));
		if (e->confidence >= 0)
			json_object_set_new(o, "confidence", json_integer(e->confidence));
		if (e->severity >= 0)
			json_object_set_new(o, "severity", json_integer(e->severity));
		if (e->valid_until != 0)
			json_object_set_new(o, "valid_until",
			                    json_integer(e->valid_until / SW_USEC_PER_SEC));
		json_object_set_new(o, "partition", json_integer(e->partition));
		json_object_set_new(o, "offset", json_integer(e->offset));
		line = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (line == NULL)
			break;
		fprintf(fp, "%s\n", line);
		free(line);
	}
	ok = fflush(fp) == 0 && fsync(fileno(fp)) == 0;
	ok &= fclose(fp) == 0;
	if (!ok || rename(tmp, k->conf->kafka.state_file) != 0) {
		sw_err("cti: kafka state file %s: cannot write it: %s", k->conf->kafka.state_file,
		       strerror(errno));
		unlink(tmp);
		return SW_E_IO;
	}
	return 0;
}

/* Reads the state file into the set; returns whether it was there, with *offsets set. */
static bool
kf_state_read(struct cti_kafka *k)
{
	FILE *fp = fopen(k->conf->kafka.state_file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0, bad = 0;

	if (fp == NULL)
		return false;
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_t *doc, *offs;
		struct kf_rec rec;
		const char *why = NULL;

		lineno++;
		if ((doc = json_loadb(line, (size_t)n, 0, NULL)) == NULL) {
			bad++;
			continue;
		}
		if ((offs = json_object_get(doc, "offsets")) != NULL && json_is_array(offs)) {
			for (size_t p = 0; p < json_array_size(offs) && p < KF_PARTS_MAX; p++)
				k->done_off[p] = json_integer_value(json_array_get(offs, p));
		} else {
			memset(&rec, 0, sizeof(rec));
			if (kf_parse_value(doc, &rec, &why) != 0 ||
			    kf_apply(k, &rec,
			             (int32_t)json_integer_value(json_object_get(doc, "partition")),
			             json_integer_value(json_object_get(doc, "offset"))) != 0)
				bad++;
		}
		json_decref(doc);
	}
	free(line);
	fclose(fp);
	if (bad > 0)
		sw_warn("cti: kafka state file %s: %lu of %lu lines unreadable, skipped",
		        k->conf->kafka.state_file, bad, lineno);
	sw_notice("cti: kafka state file %s: %llu indicators", k->conf->kafka.state_file,
	          (unsigned long long)k->added);
	return true;
}

static void
kf_commit(struct cti_kafka *k)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(k->nparts);
	rd_kafka_resp_err_t err;
	int n = 0;

	for (int p = 0; p < k->nparts; p++) {
		if (k->next_off[p] < 0 || k->next_off[p] == k->done_off[p])
			continue;
		rd_kafka_topic_partition_list_add(l, k->conf->kafka.topic, p)->offset =
		    k->next_off[p];
		n++;
	}
	if (n > 0) {
		if ((err = rd_kafka_commit(k->rk, l, 0)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			sw_warn("cti: kafka topic %s: offset commit failed: %s",
			        k->conf->kafka.topic, rd_kafka_err2str(err));
		} else {
			for (int p = 0; p < k->nparts; p++)
				k->done_off[p] = k->next_off[p];
			atomic_fetch_add(&k->st_commits, 1);
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
}

/* Publishes what changed since the last delta, then commits the offsets it covers. */
static void
kf_delta(struct cti_kafka *k, bool force_state, bool idle)
{
	struct cti_store *over = NULL, *base = k->base, *fresh = NULL;
	struct cti_intel_event ev;
	uint64_t total = 0, version = 0;
	bool merge = false, changes = k->added + k->changed + k->removed > 0, retro;
	int r = 0;

	for (int t = 0; t < CTI_T_MAX; t++)
		total += k->live[t];
	if (changes) {
		/* merged when the overlay holds a quarter of the set, or when rebuilding it delta
		 * after delta has cost more than one merge (the entries built since the last one
		 * pass the set's size): the work per change stays bounded with small deltas */
		merge = k->ndirty > KF_MERGE_MIN && k->ndirty > total / 4;
		merge |= k->ndirty > 0 &&
		         k->over_work + k->ndirty > (total > KF_MERGE_MIN ? total : KF_MERGE_MIN);
		merge |= k->base == NULL && k->ndirty > 0 && k->over == NULL && k->added > 1000;
	}
	/* The retro-hunt of the indicators added: each scan reads every window, so while changes
	 * stream in, the additions of the deltas of up to KF_RETRO_MS are hunted together, by one
	 * scan once they are published (before a merge, which frees removed entries; at once when
	 * the topic is idle). Pairs alerted live are not alerted again (cti_retro.c). */
	retro = k->nfresh > 0 && cti_handle_retro_on(k->h);
	if (!retro)
		k->nfresh = 0;
	else if (idle || force_state || merge || k->nfresh >= k->conf->kafka.batch_max ||
	         sw_time_monotonic() - k->fresh_since >= KF_RETRO_MS * 1000) {
		if (kf_build(k, 2, &fresh) != 0) {
			sw_err("cti: kafka topic %s: no memory for the retro-hunt of this delta",
			       k->conf->kafka.topic);
			fresh = NULL;
		}
		k->nfresh = 0;
	}
	if (changes) {
		if (merge) {
			if ((r = kf_build(k, 1, &base)) == 0) {
				for (uint32_t i = 0; i < k->ndirty; i++)
					k->dirty[i]->dirty = false;
				k->ndirty = 0;
				r = kf_rehash(k, k->nslots, true);
			}
		} else if ((r = kf_build(k, 0, &over)) != 0) {
			over = NULL;
		}
		if (r == 0)
			r = cti_handle_publish_topic(k->h, over, base, k->live, &version);
		if (r != 0) {
			/* nothing published, nothing committed: the next delta carries these too */
			sw_err("cti: kafka topic %s: cannot apply a delta (%s); retrying",
			       k->conf->kafka.topic, sw_strerror(r));
			if (over != NULL)
				cti_store_free(over);
			if (base != k->base)
				cti_store_free(base);
			cti_store_free(fresh);
			return;
		}
		/* the stores are charged once built (they cannot be refused half-way: an overflow
		 * makes the next messages refused instead) */
		sw_memcap_give(&k->mem, k->over_bytes);
		sw_memcap_charge(&k->mem, k->over_bytes = cti_store_bytes(over));
		if (base != k->base) {
			sw_memcap_give(&k->mem, k->base_bytes);
			sw_memcap_charge(&k->mem, k->base_bytes = cti_store_bytes(base));
		}
		k->over = over;
		k->base = base;
		atomic_fetch_add(&k->st_batches, 1);
		atomic_fetch_add(&k->st_applied, k->added + k->changed);
		atomic_fetch_add(&k->st_removed, k->removed);
		if (merge)
			atomic_fetch_add(&k->st_merges, 1);
		k->over_work = merge ? 0 : k->over_work + (over != NULL ? k->ndirty : 0);
		memset(&ev, 0, sizeof(ev));
		ev.ts = sw_time_now();
		ev.topic = k->conf->kafka.topic;
		ev.version = version;
		ev.added = k->added;
		ev.changed = k->changed;
		ev.removed = k->removed;
		ev.skipped = k->skipped;
		ev.total = total;
		ev.lag = kf_lag(k);
		ev.merged = merge;
		atomic_store(&k->st_lag, ev.lag);
		if (k->fn != NULL)
			k->fn(k->fnarg, &ev);
		k->version = version;
		sw_info("cti: kafka topic %s: version %llu: %llu added, %llu changed, %llu removed, "
		        "%llu skipped, %llu in the set",
		        ev.topic, (unsigned long long)version, (unsigned long long)ev.added,
		        (unsigned long long)ev.changed, (unsigned long long)ev.removed,
		        (unsigned long long)ev.skipped, (unsigned long long)total);
	}
	if (fresh != NULL) {
		cti_handle_retro_scan(k->h, fresh, k->version);
		cti_store_free(fresh);
	}
	k->added = k->changed = k->removed = k->skipped = k->pending = 0;
	if (k->conf->kafka.state_file != NULL) {
		sw_time_t now = sw_time_monotonic();

		if (!force_state && now - k->state_written < KF_STATE_SECS * SW_USEC_PER_SEC)
			return; /* committed once the state file holds them */
		if (kf_state_write(k) != 0)
			return;
		k->state_written = now;
	}
	kf_commit(k);
}

/* ---- the consumer ------------------------------------------------------------------------ */

static void
kf_message(struct cti_kafka *k, const rd_kafka_message_t *m)
{
	struct kf_rec *rec = &k->rec; /* one message at a time: no allocation per message */
	const char *why = "?";
	json_t *doc = NULL;
	int p = m->partition, r;

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (p >= 0 && p < KF_PARTS_MAX)
			k->eof[p] = true;
		return;
	}
	if (m->err) {
		sw_warn("cti: kafka topic %s: %s", k->conf->kafka.topic, rd_kafka_message_errstr(m));
		return;
	}
	if (p < 0 || p >= k->nparts)
		return;
	atomic_fetch_add(&k->st_messages, 1);
	k->next_off[p] = m->offset + 1;
	k->eof[p] = false;
	if (k->pending++ == 0)
		k->first_pending = sw_time_monotonic();
	if (kf_parse(m->key, m->key_len, m->payload, m->len, rec, &doc, &why, false) != 0) {
		k->skipped++;
		atomic_fetch_add(&k->st_malformed, 1);
		if (k->msgs++ < KF_MSG_MAX)
			sw_warn("cti: kafka topic %s partition %d offset %lld: %s: skipped",
			        k->conf->kafka.topic, p, (long long)m->offset, why);
	} else if ((r = kf_apply(k, rec, p, m->offset)) == SW_E_RANGE) {
		k->skipped++;
		atomic_fetch_add(&k->st_refused, 1);
		if (k->msgs++ < KF_MSG_MAX)
			sw_warn("cti: kafka topic %s partition %d offset %lld: over cti.kafka.memcap "
			        "(%llu bytes): skipped", k->conf->kafka.topic, p, (long long)m->offset,
			        (unsigned long long)k->mem.memcap);
	} else if (r != 0) {
		sw_err("cti: kafka topic %s partition %d offset %lld: out of memory: skipped",
		       k->conf->kafka.topic, p, (long long)m->offset);
		k->skipped++;
	}
	json_decref(doc);
}

/* Assigns every partition: from the committed offsets when the set came from the state file,
 * else from the beginning. 0, or SW_E_AGAIN to retry. */
static int
kf_assign(struct cti_kafka *k, bool resume)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *t = rd_kafka_topic_new(k->rk, k->conf->kafka.topic, NULL);
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t err;
	int np = 0;

	err = rd_kafka_metadata(k->rk, 0, t, &md, 2000);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && md->topics[0].err == 0)
		np = md->topics[0].partition_cnt;
	if (md != NULL)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(t);
	if (np <= 0) {
		if (!k->warned_topic)
			sw_warn("cti: kafka topic %s: no such topic or no broker answers yet (%s); "
			        "retrying", k->conf->kafka.topic, rd_kafka_err2str(err));
		k->warned_topic = true;
		return SW_E_AGAIN;
	}
	if (np > KF_PARTS_MAX)
		np = KF_PARTS_MAX;
	k->nparts = np;
	l = rd_kafka_topic_partition_list_new(np);
	for (int p = 0; p < np; p++)
		rd_kafka_topic_partition_list_add(l, k->conf->kafka.topic, p)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	if (resume && rd_kafka_committed(k->rk, l, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		sw_warn("cti: kafka topic %s: cannot read the committed offsets: reading it from "
		        "the beginning", k->conf->kafka.topic);
	for (int p = 0; p < np; p++) {
		rd_kafka_topic_partition_t *tp = &l->elems[p];

		if (!resume || tp->offset < 0)
			tp->offset = RD_KAFKA_OFFSET_BEGINNING;
		k->next_off[p] = tp->offset >= 0 ? tp->offset : -1;
		k->done_off[p] = k->next_off[p];
		if (resume)
			sw_notice("cti: kafka topic %s partition %d: %s %lld", k->conf->kafka.topic, p,
			          tp->offset >= 0 ? "resuming at committed offset" : "from offset",
			          (long long)(tp->offset >= 0 ? tp->offset : 0));
	}
	err = rd_kafka_assign(k->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		sw_err("cti: kafka topic %s: cannot assign: %s", k->conf->kafka.topic,
		       rd_kafka_err2str(err));
		return SW_E_AGAIN;
	}
	return 0;
}

static void
kf_signal_caught_up(struct cti_kafka *k)
{
	pthread_mutex_lock(&k->lock);
	k->caught_up = true;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

static void *
kf_main(void *arg)
{
	struct cti_kafka *k = arg;
	bool resume = false, assigned = false, caught_up = false;
	sw_time_t batch = (sw_time_t)k->conf->kafka.batch_ms * 1000;
	rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(k->rk);
	rd_kafka_message_t *ms[KF_POLL];

	if (k->conf->kafka.state_file != NULL && kf_state_read(k)) {
		resume = true;
		kf_delta(k, false, true); /* the saved set, before anything newer */
	}
	while (!atomic_load(&k->stop)) {
		ssize_t n;

		if (!assigned) {
			if (kf_assign(k, resume) != 0) {
				struct timespec ts = {0, 200 * 1000 * 1000};

				nanosleep(&ts, NULL);
				continue;
			}
			assigned = true;
		}
		/* messages in batches: one queue operation for up to KF_POLL of them */
		n = rd_kafka_consume_batch_queue(q, 20, ms, KF_POLL);
		for (ssize_t i = 0; i < n; i++) {
			kf_message(k, ms[i]);
			rd_kafka_message_destroy(ms[i]);
			if (k->pending >= k->conf->kafka.batch_max)
				kf_delta(k, false, false);
		}
		/* a delta when the queue is empty or batch-ms passed; also, with no change pending,
		 * for the retro-hunt of the additions still waiting for theirs */
		if ((k->pending > 0 &&
		     (n <= 0 || sw_time_monotonic() - k->first_pending >= batch)) ||
		    (k->pending == 0 && k->nfresh > 0 && n <= 0))
			kf_delta(k, false, n <= 0);
		if (!caught_up && k->pending == 0) {
			int p;

			for (p = 0; p < k->nparts && k->eof[p]; p++)
				;
			if (p == k->nparts) {
				uint64_t total = 0;

				for (int t = 0; t < CTI_T_MAX; t++)
					total += k->live[t];
				caught_up = true;
				sw_notice("cti: kafka topic %s: read to its end: %llu indicators",
				          k->conf->kafka.topic, (unsigned long long)total);
				kf_signal_caught_up(k);
			}
		}
	}
	if (k->pending > 0 || k->nfresh > 0 || k->conf->kafka.state_file != NULL)
		kf_delta(k, true, true);
	{ /* the consumer thread's own CPU time, for contrib/bench/intel/consumer */
		struct timespec cpu;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
		sw_info("cti: kafka topic %s: consumer thread: %llu messages, %.3f s CPU, %llu "
		        "entries built into stores", k->conf->kafka.topic,
		        (unsigned long long)atomic_load(&k->st_messages),
		        (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9, (unsigned long long)k->built);
	}
	if (q != NULL)
		rd_kafka_queue_destroy(q);
	return NULL;
}

/* ---- start and stop ---------------------------------------------------------------------- */

/* librdkafka's messages through the sensor's log (errors as warnings: it retries). */
static void
kf_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	sw_log(level <= 3 ? SW_LOG_WARN : SW_LOG_DEBUG, "cti.kafka: %s: %s", fac, buf);
}

static void
kf_free(struct cti_kafka *k)
{
	if (k->rk != NULL) {
		rd_kafka_consumer_close(k->rk);
		rd_kafka_destroy(k->rk);
	}
	for (uint32_t i = 0; i < k->nslots; i++) {
		if (k->slots[i] != NULL) {
			free(k->slots[i]->blob);
			free(k->slots[i]);
		}
	}
	free(k->slots);
	free(k->dirty);
	free(k->fresh);
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->cond);
	free(k);
}

int
cti_kafka_start(struct cti_handle *h, const struct cti_conf *conf, cti_intel_fn *fn, void *arg,
                struct cti_kafka **out)
{
	const struct cti_kafka_conf *kc = &conf->kafka;
	rd_kafka_conf_t *rc;
	struct cti_kafka *k;
	struct timespec deadline;
	char err[512];

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return SW_E_NOMEM;
	k->h = h;
	k->conf = conf;
	k->fn = fn;
	k->fnarg = arg;
	k->mem.memcap = kc->memcap;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->cond, NULL);
	for (int p = 0; p < KF_PARTS_MAX; p++)
		k->next_off[p] = k->done_off[p] = -1;
	snprintf(k->origin_prefix, sizeof(k->origin_prefix), "kafka:%s", kc->topic);
	k->origin_plen = strlen(k->origin_prefix);
	memcpy(k->origin, k->origin_prefix, k->origin_plen + 1);
	rc = rd_kafka_conf_new();
	if (rd_kafka_conf_set(rc, "bootstrap.servers", kc->brokers, err, sizeof(err)) ||
	    rd_kafka_conf_set(rc, "group.id", kc->group, err, sizeof(err)) ||
	    rd_kafka_conf_set(rc, "enable.auto.commit", "false", err, sizeof(err)) ||
	    rd_kafka_conf_set(rc, "auto.offset.reset", "earliest", err, sizeof(err)) ||
	    rd_kafka_conf_set(rc, "enable.partition.eof", "true", err, sizeof(err)) ||
	    rd_kafka_conf_set(rc, "max.partition.fetch.bytes", "8388608", err, sizeof(err)) ||
	    rd_kafka_conf_set(rc, "fetch.wait.max.ms", "50", err, sizeof(err)) ||
	    rd_kafka_conf_set(rc, "log_level", "3", err, sizeof(err))) {
		sw_err("cti.kafka: %s", err);
		rd_kafka_conf_destroy(rc);
		kf_free(k);
		return SW_E_CONFIG;
	}
	for (size_t off = 0; off < kc->props_len;) { /* the user's properties win */
		const char *key = kc->props + off, *val = key + strlen(key) + 1;

		off += strlen(key) + strlen(val) + 2;
		if (rd_kafka_conf_set(rc, key, val, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
			sw_err("cti.kafka.properties.%s: %s", key, err);
			rd_kafka_conf_destroy(rc);
			kf_free(k);
			return SW_E_CONFIG;
		}
	}
	rd_kafka_conf_set_log_cb(rc, kf_log);
	if ((k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, err, sizeof(err))) == NULL) {
		sw_err("cti.kafka: %s", err);
		kf_free(k);
		return SW_E_CONFIG;
	}
	rd_kafka_poll_set_consumer(k->rk);
	if ((errno = pthread_create(&k->thread, NULL, kf_main, k)) != 0) {
		sw_err("cti: cannot start the kafka consumer thread: %s", strerror(errno));
		kf_free(k);
		return SW_E_NOMEM;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += kc->initial_wait;
	pthread_mutex_lock(&k->lock);
	while (!k->caught_up &&
	       pthread_cond_timedwait(&k->cond, &k->lock, &deadline) != ETIMEDOUT)
		;
	if (!k->caught_up && kc->initial_wait > 0)
		sw_warn("cti: kafka topic %s: not read to its end within %u s; going on, its "
		        "indicators follow as they come", kc->topic, kc->initial_wait);
	pthread_mutex_unlock(&k->lock);
	*out = k;
	return 0;
}

void
cti_kafka_stop(struct cti_kafka *k)
{
	if (k == NULL)
		return;
	atomic_store(&k->stop, 1);
	pthread_join(k->thread, NULL);
	kf_free(k);
}

void
cti_kafka_get_stats(struct cti_kafka *k, struct cti_kafka_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (k == NULL)
		return;
	out->messages = atomic_load(&k->st_messages);
	out->applied = atomic_load(&k->st_applied);
	out->removed = atomic_load(&k->st_removed);
	out->malformed = atomic_load(&k->st_malformed);
	out->batches = atomic_load(&k->st_batches);
	out->merges = atomic_load(&k->st_merges);
	out->commits = atomic_load(&k->st_commits);
	out->lag = atomic_load(&k->st_lag);
	out->memuse = sw_counter_get(&k->mem.memuse);
	out->memcap_refused = atomic_load(&k->st_refused);
}
