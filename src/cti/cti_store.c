/* src/cti/cti_store.c: the immutable indicator store of issue 4: one string arena, open-addressing
 * tables of 12-byte slots per type, interned provenance; longest-prefix IP match by one probe per
 * prefix length present, domain match on the name and each parent, URL and hash sets. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cti/cti_int.h"

static const uint32_t cti_sid_default[CTI_T_MAX] = {
    9100000, 9110000, 9120000, 9130000, 9140000, 9150000, 9160000, 9170000, 9180000, 9190000,
};

/* ---- arena and interning ----------------------------------------------------------------- */

static int
cti_arena_add(struct cti_store *s, const void *p, size_t n, uint32_t *off)
{
	if (s->arena_len + n >= CTI_EMPTY)
		return SW_E_RANGE;
	if (s->arena_len + n > s->arena_cap) {
		size_t cap = s->arena_cap ? s->arena_cap : 4096;
		char *na;

		while (cap < s->arena_len + n)
			cap *= 2;
		if ((na = realloc(s->arena, cap)) == NULL)
			return SW_E_NOMEM;
		s->arena = na;
		s->arena_cap = cap;
	}
	if (n > 0)
		memcpy(s->arena + s->arena_len, p, n);
	*off = (uint32_t)s->arena_len;
	s->arena_len += n;
	return 0;
}

static inline uint32_t
cti_pos(uint32_t tag, uint32_t n)
{
	return (uint32_t)(((uint64_t)tag * n) >> 32);
}

static uint64_t
cti_meta_hash(const struct cti_meta *m)
{
	return sw_hash64(m, sizeof(*m), 0x6d657461);
}

static uint64_t
cti_intern_key(const struct cti_store *s, const struct cti_intern *in, uint32_t v)
{
	if (in == &s->istr)
		return sw_hash64(s->arena + v, strlen(s->arena + v), 0x737472);
	return cti_meta_hash(&s->meta[v]);
}

static int
cti_intern_grow(struct cti_store *s, struct cti_intern *in)
{
	uint32_t n = in->nslots ? in->nslots * 2 : 64, *ns;

	if ((ns = malloc((size_t)n * sizeof(*ns))) == NULL)
		return SW_E_NOMEM;
	memset(ns, 0xff, (size_t)n * sizeof(*ns));
	for (uint32_t i = 0; i < in->nslots; i++) {
		uint32_t v = in->slots[i], j;

		if (v == CTI_EMPTY)
			continue;
		j = (uint32_t)(cti_intern_key(s, in, v) & (n - 1));
		while (ns[j] != CTI_EMPTY)
			j = (j + 1) & (n - 1);
		ns[j] = v;
	}
	free(in->slots);
	in->slots = ns;
	in->nslots = n;
	return 0;
}

int
cti_store_intern_str(struct cti_store *s, const char *p, size_t len, uint32_t *off)
{
	struct cti_intern *in = &s->istr;
	const char *nul = memchr(p, '\0', len);
	uint64_t h;
	uint32_t j, x;
	int r;

	if (nul != NULL)
		len = (size_t)(nul - p); /* a string ends at its first NUL */
	if ((in->count + 1) * 4 > in->nslots * 3 && (r = cti_intern_grow(s, in)) != 0)
		return r;
	h = sw_hash64(p, len, 0x737472);
	for (j = (uint32_t)(h & (in->nslots - 1)); in->slots[j] != CTI_EMPTY;
	     j = (j + 1) & (in->nslots - 1)) {
		const char *e = s->arena + in->slots[j];

		if (strncmp(e, p, len) == 0 && e[len] == '\0') {
			*off = in->slots[j];
			return 0;
		}
	}
	if ((r = cti_arena_add(s, p, len, off)) != 0 || (r = cti_arena_add(s, "", 1, &x)) != 0)
		return r;
	in->slots[j] = *off;
	in->count++;
	return 0;
}

static int
cti_intern_meta(struct cti_store *s, const struct cti_meta *m, uint32_t *idx)
{
	struct cti_intern *in = &s->imeta;
	uint64_t h = cti_meta_hash(m);
	uint32_t j;
	int r;

	if ((in->count + 1) * 4 > in->nslots * 3 && (r = cti_intern_grow(s, in)) != 0)
		return r;
	for (j = (uint32_t)(h & (in->nslots - 1)); in->slots[j] != CTI_EMPTY;
	     j = (j + 1) & (in->nslots - 1)) {
		if (memcmp(&s->meta[in->slots[j]], m, sizeof(*m)) == 0) {
			*idx = in->slots[j];
			return 0;
		}
	}
	if (s->nmeta == s->capmeta) {
		uint32_t cap = s->capmeta ? s->capmeta * 2 : 64;
		struct cti_meta *nm;

		if (cap < s->capmeta || (nm = realloc(s->meta, cap * sizeof(*nm))) == NULL)
			return SW_E_NOMEM;
		s->meta = nm;
		s->capmeta = cap;
	}
	s->meta[s->nmeta] = *m;
	in->slots[j] = s->nmeta;
	in->count++;
	*idx = s->nmeta++;
	return 0;
}

/* ---- tables ------------------------------------------------------------------------------ */

static size_t
cti_type_keylen(int type)
{
	return type == CTI_T_IPV4 ? 5 : type == CTI_T_IPV6 ? 17 : 0;
}

/* Whether the arena record at off holds key. */
static inline bool
cti_key_eq(const struct cti_store *s, int type, uint32_t off, const void *key, size_t len)
{
	const char *e = s->arena + off;

	if (cti_type_keylen(type) != 0)
		return memcmp(e, key, len) == 0;
	return memcmp(e, key, len) == 0 && e[len] == '\0';
}

static const struct cti_slot *
cti_table_find(const struct cti_store *s, int type, const void *key, size_t len, uint64_t h)
{
	const struct cti_table *t = &s->tab[type];
	uint32_t tag = (uint32_t)(h >> 32), j;

	if (t->count == 0)
		return NULL;
	for (j = cti_pos(tag, t->nslots); t->slots[j].off != CTI_EMPTY;
	     j = j + 1 == t->nslots ? 0 : j + 1) {
		if (t->slots[j].tag == tag && cti_key_eq(s, type, t->slots[j].off, key, len))
			return &t->slots[j];
	}
	return NULL;
}

/* Stores one indicator: key (hashed), text and id. Duplicates are found when the tables are
 * built (cti_store_finish), so loading is sequential appends only. */
static int
cti_store_put(struct cti_store *s, int type, const void *key, size_t keylen, const char *text,
              size_t textlen, const char *id, size_t idlen, uint32_t meta)
{
	struct cti_table *t = &s->tab[type];
	uint64_t h = cti_hash(key, keylen, type);
	uint32_t off, x;
	int r;

	if (t->npending == t->cappending) {
		uint64_t cap = t->cappending ? (uint64_t)t->cappending * 2 : 1024;
		struct cti_slot *np;

		if (cap >= CTI_EMPTY)
			return SW_E_RANGE;
		if ((np = realloc(t->pending, (size_t)cap * sizeof(*np))) == NULL)
			return SW_E_NOMEM;
		t->pending = np;
		t->cappending = (uint32_t)cap;
	}
	if (cti_type_keylen(type) != 0 && (r = cti_arena_add(s, key, keylen, &off)) != 0)
		return r;
	if ((r = cti_arena_add(s, text, textlen, cti_type_keylen(type) != 0 ? &x : &off)) != 0 ||
	    (r = cti_arena_add(s, "", 1, &x)) != 0 || (r = cti_arena_add(s, id, idlen, &x)) != 0 ||
	    (r = cti_arena_add(s, "", 1, &x)) != 0)
		return r;
	if (s->has_origin &&
	    ((r = cti_arena_add(s, s->cur_origin != NULL ? s->cur_origin : "", s->cur_origin_len,
	                        &x)) != 0 ||
	     (r = cti_arena_add(s, "", 1, &x)) != 0))
		return r;
	t->pending[t->npending].tag = (uint32_t)(h >> 32);
	t->pending[t->npending].off = off;
	t->pending[t->npending].meta = meta;
	t->npending++;
	if (type == CTI_T_IPV4)
		s->has4[((const uint8_t *)key)[0]] = true;
	else if (type == CTI_T_IPV6)
		s->has6[((const uint8_t *)key)[0]] = true;
	return 0;
}

/* Places the pending slots of a table at its final size; the first of equal keys stays, the
 * others count as duplicates of their feed. */
static int
cti_table_build(struct cti_store *s, int type)
{
	struct cti_table *t = &s->tab[type];
	uint64_t want = (uint64_t)t->npending * 1000 / CTI_LOAD_PERMILLE + 1;
	size_t kl = cti_type_keylen(type);
	struct cti_slot *ns;
	uint32_t n;

	if (want >= CTI_EMPTY)
		return SW_E_RANGE;
	n = (uint32_t)want;
	if ((ns = malloc((size_t)n * sizeof(*ns))) == NULL)
		return SW_E_NOMEM;
	for (uint32_t i = 0; i < n; i++)
		ns[i].off = CTI_EMPTY;
	t->count = 0;
	for (uint32_t i = 0; i < t->npending; i++) {
		const struct cti_slot *p = &t->pending[i];
		const char *key = s->arena + p->off;
		size_t len = kl != 0 ? kl : strlen(key);
		uint32_t j;
		bool dup = false;

		for (j = cti_pos(p->tag, n); ns[j].off != CTI_EMPTY; j = j + 1 == n ? 0 : j + 1) {
			if (ns[j].tag == p->tag && cti_key_eq(s, type, ns[j].off, key, len)) {
				dup = true;
				break;
			}
		}
		if (dup) {
			struct cti_feed_stats *st = &s->feeds[s->meta[p->meta].feed];

			st->duplicates++;
			st->count[type]--;
			continue;
		}
		ns[j] = *p;
		t->count++;
	}
	free(t->slots);
	free(t->pending);
	t->pending = NULL;
	t->npending = t->cappending = 0;
	t->slots = ns;
	t->nslots = n;
	return 0;
}

/* ---- building ---------------------------------------------------------------------------- */

int
cti_store_new(uint64_t version, const uint32_t sid[CTI_T_MAX], size_t nfeeds,
              struct cti_store **out)
{
	struct cti_store *s;
	int r;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SW_E_NOMEM;
	s->version = version;
	for (int t = 0; t < CTI_T_MAX; t++)
		s->sid[t] = sid != NULL && sid[t] != 0 ? sid[t] : cti_sid_default[t];
	s->nfeeds = nfeeds;
	if (nfeeds > 0 && ((s->feeds = calloc(nfeeds, sizeof(*s->feeds))) == NULL ||
	                   (s->feed_strs = calloc(nfeeds * 2, sizeof(char *))) == NULL)) {
		cti_store_free(s);
		return SW_E_NOMEM;
	}
	if ((r = cti_store_intern_str(s, "", 0, &s->empty_str)) != 0) {
		cti_store_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int
cti_store_view(const struct cti_store *files, const struct cti_store *over,
               const struct cti_store *base, const uint64_t count[CTI_T_MAX], uint64_t version,
               struct cti_store **out)
{
	struct cti_store *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return SW_E_NOMEM;
	v->version = version;
	v->part[0] = files;
	v->part[1] = over;
	v->part[2] = base;
	v->nparts = 3;
	for (int t = 0; t < CTI_T_MAX; t++)
		v->tab[t].count =
		    (uint32_t)((files != NULL ? files->tab[t].count : 0) + count[t]);
	for (int i = 0; i < 3; i++) {
		const struct cti_store *p = v->part[i];

		for (int b = 0; p != NULL && b <= 128; b++) {
			if (b <= 32)
				v->has4[b] |= p->has4[b];
			v->has6[b] |= p->has6[b];
		}
		/* an overlay's removals must still be probed: it holds them as entries */
	}
	for (int p = 32; p >= 0; p--)
		if (v->has4[p])
			v->plens4[v->nplens4++] = (uint8_t)p;
	for (int p = 128; p >= 0; p--)
		if (v->has6[p])
			v->plens6[v->nplens6++] = (uint8_t)p;
	*out = v;
	return 0;
}

int
cti_store_finish(struct cti_store *s)
{
	int r;

	for (int t = 0; t < CTI_T_MAX; t++)
		if ((r = cti_table_build(s, t)) != 0)
			return r;
	if (s->arena_len < s->arena_cap) {
		char *na = realloc(s->arena, s->arena_len);

		if (na != NULL) {
			s->arena = na;
			s->arena_cap = s->arena_len;
		}
	}
	if (s->nmeta < s->capmeta && s->nmeta > 0) {
		struct cti_meta *nm = realloc(s->meta, s->nmeta * sizeof(*nm));

		if (nm != NULL) {
			s->meta = nm;
			s->capmeta = s->nmeta;
		}
	}
	free(s->istr.slots);
	free(s->imeta.slots);
	memset(&s->istr, 0, sizeof(s->istr));
	memset(&s->imeta, 0, sizeof(s->imeta));
	s->nplens4 = s->nplens6 = 0;
	for (int p = 32; p >= 0; p--)
		if (s->has4[p])
			s->plens4[s->nplens4++] = (uint8_t)p;
	for (int p = 128; p >= 0; p--)
		if (s->has6[p])
			s->plens6[s->nplens6++] = (uint8_t)p;
	return 0;
}

void
cti_load_report(struct cti_load *ld, unsigned long line, const char *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	ld->bad++;
	ld->st->skipped++;
	if (ld->msgs++ >= CTI_MSG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		sw_warn("cti: %s:%lu: %s", ld->where, line, msg);
	else
		sw_warn("cti: %s: %s: %s", ld->where, ctx != NULL ? ctx : "?", msg);
}

/* Up to 64 characters of a value, for messages (printable ASCII, the rest as '?'). */
static const char *
cti_show(const char *v, size_t len, char *buf, size_t size)
{
	size_t n = len < 64 ? len : 64, i;

	if (n + 4 > size)
		n = size - 4;
	for (i = 0; i < n; i++)
		buf[i] = v[i] >= ' ' && v[i] < 0x7f ? v[i] : '?';
	if (n < len) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

int
cti_load_add(struct cti_load *ld, const struct cti_record *rec, unsigned long line, const char *ctx)
{
	struct cti_store *s = ld->s;
	struct cti_key k;
	struct cti_meta m;
	const char *why = NULL;
	char show[80];
	uint32_t midx;
	int type = rec->type, r;

	if (rec->key != NULL) { /* made and checked before */
		k.key = rec->key;
		k.key_len = rec->key_len;
		goto made;
	}
	if (type == -1 && (type = cti_value_guess(rec->value, rec->value_len)) < 0) {
		cti_load_report(ld, line, ctx, "cannot tell the type of '%s'",
		                cti_show(rec->value, rec->value_len, show, sizeof(show)));
		return 0;
	}
	if (type == -2)
		type = memchr(rec->value, ':', rec->value_len) != NULL ? CTI_T_IPV6 : CTI_T_IPV4;
	if (rec->value_len == 0) {
		cti_load_report(ld, line, ctx, "empty value");
		return 0;
	}
	if (cti_key_make(type, rec->value, rec->value_len, &k, &why) != 0) {
		cti_load_report(ld, line, ctx, "%s: '%s'", why,
		                cti_show(rec->value, rec->value_len, show, sizeof(show)));
		return 0;
	}
made:
	if (rec->revoked || (rec->valid_until != 0 && rec->valid_until <= ld->now)) {
		ld->st->expired++;
		ld->good++;
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.valid_until = rec->valid_until;
	m.feed = ld->feed;
	m.confidence = (uint8_t)(rec->confidence >= 0 ? rec->confidence : (int)ld->fc->confidence);
	m.severity = (uint8_t)(rec->severity >= 0 ? rec->severity : (int)ld->fc->severity);
	m.source = ld->def_source;
	m.tags = ld->def_tags;
	m.name = s->empty_str;
	if ((rec->source_len > 0 &&
	     (r = cti_store_intern_str(s, rec->source, rec->source_len, &m.source)) != 0) ||
	    (rec->tags_len > 0 &&
	     (r = cti_store_intern_str(s, rec->tags, rec->tags_len, &m.tags)) != 0) ||
	    (rec->name_len > 0 &&
	     (r = cti_store_intern_str(s, rec->name, rec->name_len, &m.name)) != 0))
		return r;
	if ((r = cti_intern_meta(s, &m, &midx)) != 0)
		return r;
	if ((r = cti_store_put(s, type, k.key, k.key_len, rec->key != NULL ? rec->text : k.text,
	                       rec->key != NULL ? rec->text_len : k.text_len,
	                       rec->id != NULL ? rec->id : "", rec->id != NULL ? rec->id_len : 0,
	                       midx)) != 0)
		return r;
	ld->good++;
	ld->st->count[type]++; /* less the duplicates found when the tables are built */
	return 0;
}

int
cti_load_copy_prev(struct cti_load *ld, const struct cti_store *prev, const char *name)
{
	struct cti_store *s = ld->s;
	size_t pf;
	int r;

	for (pf = 0; pf < prev->nfeeds; pf++)
		if (strcmp(prev->feeds[pf].name, name) == 0)
			break;
	if (pf == prev->nfeeds)
		return SW_E_NOTFOUND;
	for (int type = 0; type < CTI_T_MAX; type++) {
		const struct cti_table *t = &prev->tab[type];
		size_t kl = cti_type_keylen(type);

		for (uint32_t i = 0; i < t->nslots; i++) {
			const struct cti_slot *sl = &t->slots[i];
			const struct cti_meta *pm;
			struct cti_meta m;
			const char *key, *text, *id;
			uint32_t midx;

			if (sl->off == CTI_EMPTY || prev->meta[sl->meta].feed != pf)
				continue;
			pm = &prev->meta[sl->meta];
			if (pm->valid_until != 0 && pm->valid_until <= ld->now) {
				ld->st->expired++;
				continue;
			}
			key = prev->arena + sl->off;
			text = key + kl;
			id = text + strlen(text) + 1;
			m = *pm;
			m.feed = ld->feed;
			if ((r = cti_store_intern_str(s, prev->arena + pm->source,
			                              strlen(prev->arena + pm->source),
			                              &m.source)) != 0 ||
			    (r = cti_store_intern_str(s, prev->arena + pm->tags,
			                              strlen(prev->arena + pm->tags), &m.tags)) !=
			        0 ||
			    (r = cti_store_intern_str(s, prev->arena + pm->name,
			                              strlen(prev->arena + pm->name), &m.name)) !=
			        0 ||
			    (r = cti_intern_meta(s, &m, &midx)) != 0)
				return r;
			if ((r = cti_store_put(s, type, key, kl != 0 ? kl : strlen(text), text,
			                       strlen(text), id, strlen(id), midx)) != 0)
				return r;
			ld->st->count[type]++;
		}
	}
	return 0;
}

int
cti_store_diff(const struct cti_store *next, const struct cti_store *prev, struct cti_store **out)
{
	struct cti_store *s;
	int r;

	*out = NULL;
	if (next == NULL || next->nparts > 0)
		return 0;
	if (prev != NULL && prev->nparts > 0)
		prev = prev->part[0];
	if ((r = cti_store_new(next->version, next->sid, next->nfeeds, &s)) != 0)
		return r;
	for (size_t i = 0; i < next->nfeeds; i++) {
		if ((s->feed_strs[2 * i] = strdup(next->feeds[i].name)) == NULL ||
		    (s->feed_strs[2 * i + 1] = strdup(next->feeds[i].path)) == NULL) {
			cti_store_free(s);
			return SW_E_NOMEM;
		}
		s->feeds[i].name = s->feed_strs[2 * i];
		s->feeds[i].path = s->feed_strs[2 * i + 1];
	}
	for (int type = 0; type < CTI_T_MAX; type++) {
		const struct cti_table *t = &next->tab[type];
		size_t kl = cti_type_keylen(type);

		for (uint32_t i = 0; i < t->nslots; i++) {
			const struct cti_slot *sl = &t->slots[i];
			const struct cti_meta *pm;
			const char *key, *text, *id;
			size_t klen;
			struct cti_meta m;
			uint32_t midx;

			if (sl->off == CTI_EMPTY)
				continue;
			key = next->arena + sl->off;
			text = key + kl;
			id = text + strlen(text) + 1;
			klen = kl != 0 ? kl : strlen(text);
			if (prev != NULL &&
			    cti_table_find(prev, type, key, klen, cti_hash(key, klen, type)) != NULL)
				continue;
			pm = &next->meta[sl->meta];
			m = *pm;
			if ((r = cti_store_intern_str(s, next->arena + pm->source,
			                              strlen(next->arena + pm->source), &m.source)) !=
			        0 ||
			    (r = cti_store_intern_str(s, next->arena + pm->tags,
			                              strlen(next->arena + pm->tags), &m.tags)) != 0 ||
			    (r = cti_store_intern_str(s, next->arena + pm->name,
			                              strlen(next->arena + pm->name), &m.name)) != 0 ||
			    (r = cti_intern_meta(s, &m, &midx)) != 0 ||
			    (r = cti_store_put(s, type, key, klen, text, strlen(text), id, strlen(id),
			                       midx)) != 0) {
				cti_store_free(s);
				return r;
			}
		}
	}
	if ((r = cti_store_finish(s)) != 0) {
		cti_store_free(s);
		return r;
	}
	*out = s;
	return 0;
}

/* "a|b" from the feed's default tags. */
static int
cti_tags_join(struct cti_store *s, const struct conf_strlist *tags, uint32_t *off)
{
	struct sbuf b;
	int r;

	sbuf_init(&b);
	for (size_t i = 0; i < tags->n; i++) {
		if (i > 0)
			sbuf_addc(&b, '|');
		sbuf_adds(&b, tags->v[i]);
	}
	if (sbuf_failed(&b)) {
		sbuf_free(&b);
		return SW_E_NOMEM;
	}
	r = cti_store_intern_str(s, b.len > 0 ? b.p : "", b.len, off);
	sbuf_free(&b);
	return r;
}

int
cti_store_build(const struct cti_conf *conf, const struct cti_store *prev, sw_time_t now,
                uint64_t version, struct cti_store **out)
{
	struct cti_store *s = NULL;
	int r;

	if (conf->nfeeds >= CTI_SID_STEP)
		return SW_E_RANGE;
	if ((r = cti_store_new(version, conf->sid, conf->nfeeds, &s)) != 0)
		goto out;
	for (size_t i = 0; i < conf->nfeeds; i++) {
		const struct cti_feed_conf *fc = &conf->feeds[i];
		struct cti_feed_stats *st = &s->feeds[i];
		struct cti_load ld;
		const char *name = fc->name != NULL   ? fc->name
		                   : fc->path != NULL ? fc->path
		                                      : "feed";

		if ((s->feed_strs[2 * i] = strdup(name)) == NULL ||
		    (s->feed_strs[2 * i + 1] = strdup(fc->path != NULL ? fc->path : name)) ==
		        NULL) {
			r = SW_E_NOMEM;
			goto out;
		}
		st->name = s->feed_strs[2 * i];
		st->path = s->feed_strs[2 * i + 1];
		memset(&ld, 0, sizeof(ld));
		ld.s = s;
		ld.fc = fc;
		ld.st = st;
		ld.feed = (uint16_t)i;
		ld.now = now;
		ld.where = st->path;
		if ((r = cti_store_intern_str(s, name, strlen(name), &ld.def_source)) != 0 ||
		    (r = cti_tags_join(s, &fc->tags, &ld.def_tags)) != 0)
			goto out;
		r = cti_feed_load(&ld);
		if (r == SW_E_NOMEM || r == SW_E_RANGE)
			goto out;
		if (ld.msgs > CTI_MSG_MAX)
			sw_warn("cti: %s: %u more bad records not shown", ld.where,
			        ld.msgs - CTI_MSG_MAX);
		if (r == 0)
			continue;
		st->error = r;
		memset(st->count, 0, sizeof(st->count));
		st->duplicates = st->expired = 0;
		if (prev != NULL && (r = cti_load_copy_prev(&ld, prev, name)) == 0) {
			uint64_t n = 0;

			st->kept_previous = true;
			for (int t = 0; t < CTI_T_MAX; t++)
				n += st->count[t];
			sw_err(
			    "cti: feed '%s' failed to load (%s): keeping its %llu indicators from "
			    "version %llu",
			    name, sw_strerror(st->error), (unsigned long long)n,
			    (unsigned long long)prev->version);
		} else if (r == SW_E_NOMEM || r == SW_E_RANGE) {
			goto out;
		} else {
			sw_err("cti: feed '%s' failed to load (%s): no previous data for it", name,
			       sw_strerror(st->error));
		}
	}
	if ((r = cti_store_finish(s)) != 0)
		goto out;
	*out = s;
	s = NULL;
	r = 0;
out:
	cti_store_free(s);
	return r;
}

void
cti_store_free(struct cti_store *s)
{
	if (s == NULL)
		return;
	for (int t = 0; t < CTI_T_MAX; t++) {
		free(s->tab[t].slots);
		free(s->tab[t].pending);
	}
	for (size_t i = 0; s->feed_strs != NULL && i < 2 * s->nfeeds; i++)
		free(s->feed_strs[i]);
	free(s->feed_strs);
	free(s->feeds);
	free(s->meta);
	free(s->arena);
	free(s->istr.slots);
	free(s->imeta.slots);
	free(s);
}

/* ---- queries ----------------------------------------------------------------------------- */

uint64_t
cti_store_version(const struct cti_store *s)
{
	return s != NULL ? s->version : 0;
}

uint64_t
cti_store_count(const struct cti_store *s, int type)
{
	uint64_t n = 0;

	if (s == NULL)
		return 0;
	if (type >= 0 && type < CTI_T_MAX)
		return s->tab[type].count;
	for (int t = 0; t < CTI_T_MAX; t++)
		n += s->tab[t].count;
	return n;
}

size_t
cti_store_bytes(const struct cti_store *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	if (s->nparts > 0)
		return sizeof(*s) + cti_store_bytes(s->part[0]) + cti_store_bytes(s->part[1]) +
		       cti_store_bytes(s->part[2]);
	n = sizeof(*s) + s->arena_cap + (size_t)s->capmeta * sizeof(struct cti_meta) +
	    s->nfeeds * (sizeof(struct cti_feed_stats) + 2 * sizeof(char *));
	for (int t = 0; t < CTI_T_MAX; t++)
		n += (size_t)s->tab[t].nslots * sizeof(struct cti_slot);
	return n;
}

/* A view's feed statistics are its file feeds'. */
static const struct cti_store *
cti_files_of(const struct cti_store *s)
{
	return s != NULL && s->nparts > 0 ? s->part[0] : s;
}

size_t
cti_store_nfeeds(const struct cti_store *s)
{
	s = cti_files_of(s);
	return s != NULL ? s->nfeeds : 0;
}

const struct cti_feed_stats *
cti_store_feed(const struct cti_store *s, size_t i)
{
	s = cti_files_of(s);
	return s != NULL && i < s->nfeeds ? &s->feeds[i] : NULL;
}

size_t
cti_store_failed_feeds(const struct cti_store *s)
{
	size_t n = 0;

	s = cti_files_of(s);
	for (size_t i = 0; s != NULL && i < s->nfeeds; i++)
		n += s->feeds[i].error != 0;
	return n;
}

static void
cti_counts_str(const uint64_t *count, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int t = 0; t < CTI_T_MAX && len < size; t++) {
		int w = snprintf(buf + len, size - len, "%s%s %llu", t ? ", " : "",
		                 cti_type_name(t), (unsigned long long)count[t]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

void
cti_store_log_summary(const struct cti_store *s)
{
	uint64_t total[CTI_T_MAX] = {0}, skipped = 0, expired = 0, dups = 0, n;
	char buf[256];

	if (s == NULL)
		return;
	if (s->nparts > 0) {
		cti_store_log_summary(s->part[0]);
		for (int t = 0; t < CTI_T_MAX; t++)
			total[t] = s->tab[t].count;
		cti_counts_str(total, buf, sizeof(buf));
		sw_notice("cti: version %llu with the intel topic: %llu indicators (%s)",
		          (unsigned long long)s->version,
		          (unsigned long long)cti_store_count(s, -1), buf);
		return;
	}
	for (size_t i = 0; i < s->nfeeds; i++) {
		const struct cti_feed_stats *f = &s->feeds[i];

		cti_counts_str(f->count, buf, sizeof(buf));
		sw_notice("cti: feed '%s' (%s, %s)%s: %s; %llu skipped (%llu unsupported), %llu "
		          "expired, %llu duplicates",
		          f->name, cti_format_name(f->format), f->path,
		          f->error != 0
		              ? (f->kept_previous ? " FAILED, previous data kept" : " FAILED")
		              : "",
		          buf, (unsigned long long)f->skipped, (unsigned long long)f->unsupported,
		          (unsigned long long)f->expired, (unsigned long long)f->duplicates);
		for (int t = 0; t < CTI_T_MAX; t++)
			total[t] += f->count[t];
		skipped += f->skipped;
		expired += f->expired;
		dups += f->duplicates;
	}
	for (int t = 0; t < CTI_T_MAX; t++)
		total[t] = s->tab[t].count;
	n = cti_store_count(s, -1);
	cti_counts_str(total, buf, sizeof(buf));
	sw_notice("cti: version %llu: %llu indicators (%s); %llu skipped, %llu expired, %llu "
	          "duplicates; %zu bytes (%.1f per indicator)",
	          (unsigned long long)s->version, (unsigned long long)n, buf,
	          (unsigned long long)skipped, (unsigned long long)expired,
	          (unsigned long long)dups, cti_store_bytes(s),
	          n ? (double)cti_store_bytes(s) / (double)n : 0.0);
}

/* ---- matching ---------------------------------------------------------------------------- */

static const struct cti_hit *
cti_fill(const struct cti_store *s, int type, const struct cti_slot *sl, struct cti_hit *out)
{
	const struct cti_meta *m = &s->meta[sl->meta];
	const char *text = s->arena + sl->off + cti_type_keylen(type);

	out->indicator = text;
	out->type = type;
	out->type_name = cti_type_name(type);
	out->feed = s->feeds[m->feed].name;
	out->source = s->arena + m->source;
	out->name = s->arena + m->name;
	out->tags = s->arena + m->tags;
	out->id = text + strlen(text) + 1;
	out->origin = s->has_origin ? out->id + strlen(out->id) + 1 : s->feeds[m->feed].path;
	out->valid_until = m->valid_until;
	out->signature_id = s->sid[type] + m->feed;
	out->confidence = m->confidence;
	out->severity = m->severity;
	return out;
}

static inline bool
cti_live(const struct cti_store *s, const struct cti_slot *sl, sw_time_t now)
{
	sw_time_t vu = s->meta[sl->meta].valid_until;

	return vu == 0 || vu > now;
}

/* A live indicator of type with exactly key, or NULL. */
static const struct cti_hit *
cti_lookup(const struct cti_store *s, int type, const void *key, size_t len, sw_time_t now,
           struct cti_hit *out)
{
	uint64_t h = cti_hash(key, len, type);
	const struct cti_slot *sl;

	if (s->nparts > 0) {
		/* a view: the files, then the overlay; what the overlay holds hides the base */
		for (int i = 0; i < s->nparts; i++) {
			const struct cti_store *p = s->part[i];

			if (p == NULL || (sl = cti_table_find(p, type, key, len, h)) == NULL)
				continue;
			if (p->meta[sl->meta].severity != CTI_SEV_REMOVED && cti_live(p, sl, now))
				return cti_fill(p, type, sl, out);
			if (i == 1)
				break;
		}
		return NULL;
	}
	sl = cti_table_find(s, type, key, len, h);
	if (sl == NULL || !cti_live(s, sl, now))
		return NULL;
	return cti_fill(s, type, sl, out);
}

const struct cti_hit *
cti_store_match_ip(const struct cti_store *s, int family, const uint8_t addr[16], sw_time_t now,
                   struct cti_hit *out)
{
	uint8_t key[17];
	const uint8_t *plens;
	size_t alen, n;
	int type;

	if (s == NULL || addr == NULL || (family != 4 && family != 6))
		return NULL;
	type = family == 4 ? CTI_T_IPV4 : CTI_T_IPV6;
	alen = family == 4 ? 4 : 16;
	plens = family == 4 ? s->plens4 : s->plens6;
	n = family == 4 ? s->nplens4 : s->nplens6;
	memcpy(key + 1, addr, alen);
	/* longest first; each step clears the bits the shorter prefix does not cover */
	for (size_t i = 0; i < n; i++) {
		unsigned p = plens[i];
		const struct cti_hit *hit;

		for (unsigned byte = p / 8; byte < alen; byte++)
			key[1 + byte] =
			    byte == p / 8 ? (uint8_t)(addr[byte] & ~(0xffu >> (p % 8))) : 0;
		key[0] = (uint8_t)p;
		if ((hit = cti_lookup(s, type, key, 1 + alen, now, out)) != NULL)
			return hit;
	}
	return NULL;
}

const struct cti_hit *
cti_store_match_domain(const struct cti_store *s, const char *name, size_t len, sw_time_t now,
                       struct cti_hit *out)
{
	char buf[CTI_DOMAIN_MAX + 2];
	const char *p;
	int n;

	if (s == NULL || s->tab[CTI_T_DOMAIN].count == 0 || name == NULL ||
	    (n = cti_domain_normalize(name, len, buf, sizeof(buf))) < 0)
		return NULL;
	for (p = buf;;) {
		const struct cti_hit *hit;
		const char *dot;
		size_t left = (size_t)n - (size_t)(p - buf);

		if ((hit = cti_lookup(s, CTI_T_DOMAIN, p, left, now, out)) != NULL)
			return hit;
		if ((dot = memchr(p, '.', left)) == NULL)
			return NULL;
		p = dot + 1;
	}
}

const struct cti_hit *
cti_store_match_url(const struct cti_store *s, const char *url, size_t len, sw_time_t now,
                    struct cti_hit *out)
{
	char buf[CTI_URL_MAX + 16];
	int n;

	if (s == NULL || s->tab[CTI_T_URL].count == 0 || url == NULL ||
	    (n = cti_url_normalize(url, len, buf, sizeof(buf))) < 0)
		return NULL;
	return cti_lookup(s, CTI_T_URL, buf, (size_t)n, now, out);
}

const struct cti_hit *
cti_store_match_hash(const struct cti_store *s, int type, const char *hex, size_t len,
                     sw_time_t now, struct cti_hit *out)
{
	char buf[65];

	if (s == NULL || hex == NULL || type < CTI_T_MD5 || type > CTI_T_JA3 ||
	    s->tab[type].count == 0 || len >= sizeof(buf))
		return NULL;
	if (len != (type == CTI_T_SHA1 ? 40u : type == CTI_T_SHA256 ? 64u : 32u))
		return NULL;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)tolower((unsigned char)hex[i]);
	return cti_lookup(s, type, buf, len, now, out);
}

const struct cti_hit *
cti_store_match_digest(const struct cti_store *s, int type, const uint8_t *digest, size_t len,
                       sw_time_t now, struct cti_hit *out)
{
	static const char hex[] = "0123456789abcdef";
	char buf[65];

	if (digest == NULL || len > 32)
		return NULL;
	if (type != CTI_T_JA3)
		type = len == 16   ? CTI_T_MD5
		       : len == 20 ? CTI_T_SHA1
		       : len == 32 ? CTI_T_SHA256
		                   : -1;
	if (type < 0)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = hex[digest[i] >> 4];
		buf[2 * i + 1] = hex[digest[i] & 15];
	}
	return cti_store_match_hash(s, type, buf, 2 * len, now, out);
}

const struct cti_hit *
cti_store_match_ja4(const struct cti_store *s, const char *ja4, size_t len, sw_time_t now,
                    struct cti_hit *out)
{
	char buf[40];

	if (s == NULL || ja4 == NULL || s->tab[CTI_T_JA4].count == 0 || len != 36)
		return NULL;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)tolower((unsigned char)ja4[i]);
	return cti_lookup(s, CTI_T_JA4, buf, len, now, out);
}

const struct cti_hit *
cti_store_match_ja4s(const struct cti_store *s, const char *ja4s, size_t len, sw_time_t now,
                     struct cti_hit *out)
{
	char buf[APP_TLS_JA4S_LEN + 1];

	if (s == NULL || ja4s == NULL || s->tab[CTI_T_JA4S].count == 0 || len != APP_TLS_JA4S_LEN)
		return NULL;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)tolower((unsigned char)ja4s[i]);
	return cti_lookup(s, CTI_T_JA4S, buf, len, now, out);
}

const struct cti_hit *
cti_store_match_ja3(const struct cti_store *s, const char *hex, size_t len, sw_time_t now,
                    struct cti_hit *out)
{
	return cti_store_match_hash(s, CTI_T_JA3, hex, len, now, out);
}

/* ---- observables (app.h) ----------------------------------------------------------------- */

static const int obs_cti_type[APP_OBS_MAX] = {
	[APP_OBS_IP] = -1, /* by family */
	[APP_OBS_DOMAIN] = CTI_T_DOMAIN,
	[APP_OBS_URL] = CTI_T_URL,
	[APP_OBS_MD5] = CTI_T_MD5,
	[APP_OBS_SHA1] = CTI_T_SHA1,
	[APP_OBS_SHA256] = CTI_T_SHA256,
	[APP_OBS_JA3] = CTI_T_JA3,
	[APP_OBS_JA4] = CTI_T_JA4,
	[APP_OBS_JA4S] = CTI_T_JA4S,
};

const struct cti_hit *
cti_store_match_observable(const struct cti_store *s, const struct app_observable *o,
			   sw_time_t now, struct cti_hit *out)
{
	uint8_t addr[16] = {0};

	if (s == NULL || o->type < 0 || o->type >= APP_OBS_MAX)
		return NULL;
	switch (o->type) {
	case APP_OBS_IP:
		if ((o->family != 4 && o->family != 6) || o->len != (o->family == 4 ? 4u : 16u))
			return NULL;
		memcpy(addr, o->value, o->len);
		return cti_store_match_ip(s, o->family, addr, now, out);
	case APP_OBS_DOMAIN:
		return cti_store_match_domain(s, (const char *)o->value, o->len, now, out);
	case APP_OBS_URL:
		return cti_store_match_url(s, (const char *)o->value, o->len, now, out);
	case APP_OBS_MD5:
	case APP_OBS_SHA1:
	case APP_OBS_SHA256:
	case APP_OBS_JA3:
		return cti_store_match_hash(s, obs_cti_type[o->type], (const char *)o->value, o->len,
					    now, out);
	case APP_OBS_JA4:
		return cti_store_match_ja4(s, (const char *)o->value, o->len, now, out);
	case APP_OBS_JA4S:
		return cti_store_match_ja4s(s, (const char *)o->value, o->len, now, out);
	case APP_OBS_MAX:
		break;
	}
	return NULL;
}
