/* src/core/core_conf.c: the configuration document, key tables (conf_apply) and value parsing. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core.h"
#include "core/core_int.h"

/* ---- document storage -------------------------------------------------------------------- */

struct conf_doc *
conf_doc_new(void)
{
	return calloc(1, sizeof(struct conf_doc));
}

void
conf_strlist_clear(struct conf_strlist *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
conf_doc_free(struct conf_doc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->n; i++) {
		free(doc->e[i].path);
		free(doc->e[i].value);
		conf_strlist_clear(&doc->e[i].list);
	}
	free(doc->e);
	for (size_t i = 0; i < doc->nknown; i++)
		free(doc->known[i]);
	free(doc->known);
	free(doc->file);
	free(doc);
}

int
conf_doc_set_file(struct conf_doc *doc, const char *name)
{
	char *copy = strdup(name);

	if (copy == NULL)
		return SW_E_NOMEM;
	free(doc->file);
	doc->file = copy;
	return 0;
}

struct conf_entry *
conf_doc_find(struct conf_doc *doc, const char *path)
{
	for (size_t i = 0; i < doc->n; i++)
		if (strcmp(doc->e[i].path, path) == 0)
			return &doc->e[i];
	return NULL;
}

int
conf_doc_append(struct conf_doc *doc, const char *path, const char *origin, int line, char **value,
                struct conf_strlist *list)
{
	struct conf_entry *e;
	char *copy;

	if (conf_doc_find(doc, path) != NULL)
		return SW_E_INVAL;
	if (doc->n == doc->cap) {
		size_t cap = doc->cap ? doc->cap * 2 : 16;
		struct conf_entry *ne = realloc(doc->e, cap * sizeof(*ne));

		if (ne == NULL)
			return SW_E_NOMEM;
		doc->e = ne;
		doc->cap = cap;
	}
	if ((copy = strdup(path)) == NULL)
		return SW_E_NOMEM;
	e = &doc->e[doc->n++];
	memset(e, 0, sizeof(*e));
	e->path = copy;
	e->origin = origin;
	e->line = line;
	if (list != NULL) {
		e->is_list = true;
		e->list = *list; /* handed over */
		list->v = NULL;
		list->n = 0;
	} else {
		e->value = *value; /* handed over */
		*value = NULL;
	}
	return 0;
}

/* Whether some entry lies under path ("path.x..."); returns the first such entry. */
static struct conf_entry *
conf_doc_first_under(struct conf_doc *doc, const char *path)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < doc->n; i++)
		if (strncmp(doc->e[i].path, path, len) == 0 && doc->e[i].path[len] == '.')
			return &doc->e[i];
	return NULL;
}

static void
conf_doc_mark_under(struct conf_doc *doc, const char *path)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < doc->n; i++)
		if (strncmp(doc->e[i].path, path, len) == 0 && doc->e[i].path[len] == '.')
			doc->e[i].used = true;
}

/* Drops the entries under path: a --set of path replaces a mapping the file had there. */
static void
conf_doc_remove_under(struct conf_doc *doc, const char *path)
{
	size_t len = strlen(path), keep = 0;

	for (size_t i = 0; i < doc->n; i++) {
		struct conf_entry *e = &doc->e[i];

		if (strncmp(e->path, path, len) == 0 && e->path[len] == '.') {
			free(e->path);
			free(e->value);
			conf_strlist_clear(&e->list);
			continue;
		}
		doc->e[keep++] = *e;
	}
	doc->n = keep;
}

/* Remembers path for the "did you mean" hints; a failed allocation only loses a hint. */
static void
conf_doc_know(struct conf_doc *doc, const char *path)
{
	char *copy;

	for (size_t i = 0; i < doc->nknown; i++)
		if (strcmp(doc->known[i], path) == 0)
			return;
	if (doc->nknown == doc->capknown) {
		size_t cap = doc->capknown ? doc->capknown * 2 : 32;
		char **nk = realloc(doc->known, cap * sizeof(*nk));

		if (nk == NULL)
			return;
		doc->known = nk;
		doc->capknown = cap;
	}
	if ((copy = strdup(path)) == NULL)
		return;
	doc->known[doc->nknown++] = copy;
}

/* "file:12" or "--set" into buf. */
static const char *
conf_entry_where(const struct conf_entry *e, char *buf, size_t size)
{
	if (e->line > 0)
		snprintf(buf, size, "%s:%d", e->origin, e->line);
	else
		snprintf(buf, size, "%s", e->origin);
	return buf;
}

const char *
conf_doc_where(struct conf_doc *doc, const char *path, char *buf, size_t size)
{
	struct conf_entry *e;

	if (doc == NULL || path == NULL || buf == NULL || size == 0)
		return NULL;
	/* A mapping has no entry of its own: answer with where its first key was set. */
	if ((e = conf_doc_find(doc, path)) == NULL && (e = conf_doc_first_under(doc, path)) == NULL)
		return NULL;
	return conf_entry_where(e, buf, size);
}

/* ---- --set ------------------------------------------------------------------------------- */

/* A copy of s[0..len) without surrounding white space; NULL on allocation failure. */
static char *
conf_strndup_trim(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

/* Parses "[a, b]" (s starts with '[') into l. "[]" is the empty list; empty items are an error.
 * Returns 0, SW_E_INVAL or SW_E_NOMEM; l is left empty on failure. */
static int
conf_list_parse(const char *s, struct conf_strlist *l)
{
	struct conf_strlist out = {NULL, 0};
	const char *p, *end;
	size_t n = 1;
	int r;

	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (*s != '[' || end - s < 2 || end[-1] != ']')
		return SW_E_INVAL;
	s++;
	end--; /* now [s, end) is the inside */
	for (p = s; p < end && isspace((unsigned char)*p); p++)
		;
	if (p == end) {
		*l = out;
		return 0;
	}
	for (p = s; p < end; p++)
		if (*p == ',')
			n++;
	if ((out.v = calloc(n, sizeof(*out.v))) == NULL)
		return SW_E_NOMEM;
	for (p = s; out.n < n; out.n++) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma != NULL ? comma : end;

		if ((out.v[out.n] = conf_strndup_trim(p, (size_t)(stop - p))) == NULL) {
			r = SW_E_NOMEM;
			goto fail;
		}
		if (out.v[out.n][0] == '\0') {
			out.n++;
			r = SW_E_INVAL;
			goto fail;
		}
		p = stop + 1;
	}
	*l = out;
	return 0;
fail:
	conf_strlist_clear(&out);
	return r;
}

/* Whether path is made of non-empty dot-separated components without white space or '='. */
static bool
conf_path_valid(const char *path)
{
	const char *p;

	if (*path == '\0' || *path == '.')
		return false;
	for (p = path; *p != '\0'; p++) {
		if (isspace((unsigned char)*p) || *p == '=')
			return false;
		if (*p == '.' && (p[1] == '.' || p[1] == '\0'))
			return false;
	}
	return true;
}

int
conf_doc_set(struct conf_doc *doc, const char *assignment)
{
	return conf_doc_set_from(doc, assignment, CONF_ORIGIN_SET);
}

int
conf_doc_set_from(struct conf_doc *doc, const char *assignment, const char *origin)
{
	const char *eq;
	char *path = NULL, *value = NULL;
	struct conf_strlist list = {NULL, 0};
	bool is_list = false;
	struct conf_entry *e;
	int r;

	if (doc == NULL || assignment == NULL || (eq = strchr(assignment, '=')) == NULL) {
		sw_err("%s: '%s': expected path=value", origin, assignment ? assignment : "(null)");
		return SW_E_INVAL;
	}
	if ((path = conf_strndup_trim(assignment, (size_t)(eq - assignment))) == NULL ||
	    (value = conf_strndup_trim(eq + 1, strlen(eq + 1))) == NULL) {
		r = SW_E_NOMEM;
		goto out;
	}
	if (!conf_path_valid(path)) {
		sw_err("%s: '%s': '%s' is not a key path (e.g. flow.memcap)", origin, assignment,
		       path);
		r = SW_E_INVAL;
		goto out;
	}
	if (value[0] == '[') {
		if ((r = conf_list_parse(value, &list)) != 0) {
			if (r == SW_E_INVAL)
				sw_err("%s: key '%s': '%s' is not a list (e.g. [a, b])", origin,
				       path, value);
			goto out;
		}
		is_list = true;
		free(value);
		value = NULL;
	} else if (value[0] == '\0') {
		free(value); /* "path=" is a null value, like "path:" in YAML */
		value = NULL;
	}
	conf_doc_remove_under(doc, path);
	if ((e = conf_doc_find(doc, path)) != NULL) {
		free(e->value);
		conf_strlist_clear(&e->list);
		e->value = value;
		e->list = list;
		e->is_list = is_list;
		e->origin = origin;
		e->line = 0;
		e->used = false;
		value = NULL;
		list.v = NULL;
		list.n = 0;
		r = 0;
		goto out;
	}
	r = conf_doc_append(doc, path, origin, 0, &value, is_list ? &list : NULL);
out:
	free(path);
	free(value);
	conf_strlist_clear(&list);
	return r;
}

/* ---- value parsing ----------------------------------------------------------------------- */

/* Decimal digits only (no sign, no space) into *out; SW_E_INVAL or SW_E_RANGE on overflow.
 * *end is set to the first character after the digits. */
static int
conf_parse_digits(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return SW_E_INVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10) {
			while (isdigit((unsigned char)*p))
				p++;
			*end = p;
			return SW_E_RANGE;
		}
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return 0;
}

/* A number followed by optional spaces and one of the suffixes; the multiplier of the suffix
 * (matched case-insensitively) scales it. SW_E_INVAL, or SW_E_RANGE when it overflows 64 bits. */
struct conf_suffix {
	const char *text;
	uint64_t mult;
};

static int
conf_parse_scaled(const char *s, const struct conf_suffix *suffixes, uint64_t *out)
{
	const char *p;
	uint64_t v = 0;
	int r;

	if ((r = conf_parse_digits(s, &v, &p)) == SW_E_INVAL)
		return r;
	while (*p == ' ')
		p++;
	for (const struct conf_suffix *sf = suffixes; sf->text != NULL; sf++) {
		if (strcasecmp(p, sf->text) != 0)
			continue;
		if (r != 0 || (v != 0 && v > UINT64_MAX / sf->mult))
			return SW_E_RANGE;
		*out = v * sf->mult;
		return 0;
	}
	return SW_E_INVAL;
}

static const struct conf_suffix conf_size_suffixes[] = {
    {"", 1},           {"b", 1},           {"k", 1ULL << 10}, {"kb", 1ULL << 10},
    {"m", 1ULL << 20}, {"mb", 1ULL << 20}, {"g", 1ULL << 30}, {"gb", 1ULL << 30},
    {"t", 1ULL << 40}, {"tb", 1ULL << 40}, {NULL, 0},
};

static const struct conf_suffix conf_secs_suffixes[] = {
    {"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {NULL, 0},
};

int
conf_parse_size(const char *s, uint64_t *out)
{
	uint64_t v;

	if (s == NULL || conf_parse_scaled(s, conf_size_suffixes, &v) != 0)
		return SW_E_INVAL;
	*out = v;
	return 0;
}

int
conf_parse_secs(const char *s, uint32_t *out)
{
	uint64_t v;

	if (s == NULL || conf_parse_scaled(s, conf_secs_suffixes, &v) != 0 || v > UINT32_MAX)
		return SW_E_INVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
conf_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1", NULL};
	static const char *const no[] = {"no", "false", "off", "0", NULL};

	for (size_t i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return SW_E_INVAL;
}

/* An optionally signed decimal integer; SW_E_INVAL, or SW_E_RANGE outside int64_t. */
static int
conf_parse_int(const char *s, int64_t *out)
{
	bool neg = false;
	uint64_t v;
	const char *end;
	int r;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	r = conf_parse_digits(s, &v, &end);
	if (r == SW_E_INVAL || *end != '\0')
		return SW_E_INVAL;
	if (r != 0 || v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return SW_E_RANGE;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* ---- conf_apply -------------------------------------------------------------------------- */

/* A parsed value, before it is stored in the stage's struct. */
union conf_value {
	bool b;
	int64_t i;
	uint32_t u32;
	uint64_t u64;
	char *s;
	struct conf_strlist list;
	int index;
};

/* What a value looks like, for "is not a ..." messages. */
static const char *
conf_type_hint(enum conf_type type)
{
	switch (type) {
	case CONF_BOOL:
		return "a boolean (yes/no, true/false, on/off, 1/0)";
	case CONF_INT:
	case CONF_U32:
		return "an integer";
	case CONF_SIZE:
		return "a size (e.g. 64mb)";
	case CONF_SECS:
		return "a duration (e.g. 30s, 5m, 2h, 1d)";
	case CONF_STR:
		return "a string";
	case CONF_STRLIST:
		return "a list";
	case CONF_ENUM:
		return "one of the choices";
	}
	return "a value";
}

/*
 * Bounds of the unsigned types: min = max = 0 (a table line that gives none) means the whole
 * range of the type; a negative max (SIZE_MAX converted to int64_t) means no upper bound.
 */
static void
conf_bounds_u(const struct conf_key *k, uint64_t type_max, uint64_t *lo, uint64_t *hi)
{
	if (k->min == 0 && k->max == 0) {
		*lo = 0;
		*hi = type_max;
		return;
	}
	*lo = k->min < 0 ? 0 : (uint64_t)k->min;
	*hi = k->max < 0 || (uint64_t)k->max > type_max ? type_max : (uint64_t)k->max;
}

/* Appends the choices of an enum key, "a, b, c", into why (truncated if needed). */
static void
conf_enum_choices(const struct conf_key *k, char *why, size_t size, size_t len)
{
	for (size_t i = 0; k->choices != NULL && k->choices[i] != NULL && len < size; i++) {
		int w = snprintf(why + len, size - len, "%s%s", i ? ", " : "", k->choices[i]);

		if (w < 0)
			return;
		len += (size_t)w;
	}
}

/*
 * Parses the scalar text s for key k into *out. On failure writes the reason (without the
 * location and key) into why and returns SW_E_CONFIG, or SW_E_NOMEM.
 */
static int
conf_parse_scalar(const struct conf_key *k, const char *s, union conf_value *out, char *why,
                  size_t size)
{
	uint64_t u, lo, hi;
	int64_t i;
	int r;

	switch (k->type) {
	case CONF_BOOL:
		if (conf_parse_bool(s, &out->b) != 0)
			goto bad;
		return 0;
	case CONF_INT: {
		int64_t imin = k->min, imax = k->max;

		if (imin == 0 && imax == 0) {
			imin = INT64_MIN;
			imax = INT64_MAX;
		}
		if ((r = conf_parse_int(s, &i)) == SW_E_INVAL)
			goto bad;
		if (r != 0 || i < imin || i > imax) {
			snprintf(why, size, "value %s is out of range [%lld, %lld]", s,
			         (long long)imin, (long long)imax);
			return SW_E_CONFIG;
		}
		out->i = i;
		return 0;
	}
	case CONF_U32:
	case CONF_SIZE:
	case CONF_SECS:
		if (k->type == CONF_U32) {
			const char *end;

			r = conf_parse_digits(s, &u, &end);
			if (r == 0 && *end != '\0')
				r = SW_E_INVAL;
			if (r == SW_E_INVAL && *s == '-' &&
			    conf_parse_digits(s + 1, &u, &end) == 0 && *end == '\0')
				r = SW_E_RANGE; /* a negative number is a number, out of range */
		} else {
			r = conf_parse_scaled(
			    s, k->type == CONF_SIZE ? conf_size_suffixes : conf_secs_suffixes, &u);
		}
		if (r == SW_E_INVAL)
			goto bad;
		conf_bounds_u(k, k->type == CONF_SIZE ? UINT64_MAX : UINT32_MAX, &lo, &hi);
		if (r != 0 || u < lo || u > hi) {
			snprintf(why, size, "value %s is out of range [%llu, %llu]", s,
			         (unsigned long long)lo, (unsigned long long)hi);
			return SW_E_CONFIG;
		}
		if (k->type == CONF_SIZE)
			out->u64 = u;
		else
			out->u32 = (uint32_t)u;
		return 0;
	case CONF_STR:
		if ((out->s = strdup(s)) == NULL)
			return SW_E_NOMEM;
		return 0;
	case CONF_STRLIST:
		if ((out->list.v = calloc(1, sizeof(char *))) == NULL)
			return SW_E_NOMEM;
		if ((out->list.v[0] = strdup(s)) == NULL) {
			free(out->list.v);
			out->list.v = NULL;
			return SW_E_NOMEM;
		}
		out->list.n = 1;
		return 0;
	case CONF_ENUM:
		for (int n = 0; k->choices != NULL && k->choices[n] != NULL; n++) {
			if (strcasecmp(s, k->choices[n]) == 0) {
				out->index = n;
				return 0;
			}
		}
		r = snprintf(why, size, "value '%s' is not one of: ", s);
		if (r > 0 && (size_t)r < size)
			conf_enum_choices(k, why, size, (size_t)r);
		return SW_E_CONFIG;
	}
	snprintf(why, size, "unknown key type %d", (int)k->type);
	return SW_E_CONFIG;
bad:
	snprintf(why, size, "value '%s' is not %s", s, conf_type_hint(k->type));
	return SW_E_CONFIG;
}

/* A deep copy of a list; 0 or SW_E_NOMEM. */
static int
conf_strlist_copy(const struct conf_strlist *from, struct conf_strlist *to)
{
	struct conf_strlist l = {NULL, 0};

	if (from->n > 0 && (l.v = calloc(from->n, sizeof(char *))) == NULL)
		return SW_E_NOMEM;
	for (; l.n < from->n; l.n++) {
		if ((l.v[l.n] = strdup(from->v[l.n])) == NULL) {
			conf_strlist_clear(&l);
			return SW_E_NOMEM;
		}
	}
	*to = l;
	return 0;
}

/* Parses a document entry (or a default, when e is NULL and text is set) for k. */
static int
conf_parse_entry(const struct conf_key *k, const struct conf_entry *e, const char *text,
                 union conf_value *out, char *why, size_t size)
{
	int r;

	if (e != NULL && e->is_list) {
		if (k->type != CONF_STRLIST) {
			snprintf(why, size, "expected a scalar (%s), not a list",
			         conf_type_hint(k->type));
			return SW_E_CONFIG;
		}
		return conf_strlist_copy(&e->list, &out->list);
	}
	if (e != NULL)
		text = e->value;
	if (text == NULL) {
		/* a YAML null: no string, an empty list, and an error for the other types */
		if (k->type == CONF_STR) {
			out->s = NULL;
			return 0;
		}
		if (k->type == CONF_STRLIST) {
			out->list.v = NULL;
			out->list.n = 0;
			return 0;
		}
		snprintf(why, size, "no value given (expected %s)", conf_type_hint(k->type));
		return SW_E_CONFIG;
	}
	if (k->type == CONF_STRLIST && e == NULL && text[0] == '[') {
		/* a default written as a list */
		if ((r = conf_list_parse(text, &out->list)) == SW_E_INVAL)
			snprintf(why, size, "value '%s' is not a list (e.g. [a, b])", text);
		return r == SW_E_INVAL ? SW_E_CONFIG : r;
	}
	return conf_parse_scalar(k, text, out, why, size);
}

/* Stores a parsed value into dst, taking over its strings and freeing what was there. */
static void
conf_store(const struct conf_key *k, void *dst, union conf_value *v)
{
	void *p = (char *)dst + k->offset;

	switch (k->type) {
	case CONF_BOOL:
		*(bool *)p = v->b;
		break;
	case CONF_INT:
		*(int64_t *)p = v->i;
		break;
	case CONF_U32:
	case CONF_SECS:
		*(uint32_t *)p = v->u32;
		break;
	case CONF_SIZE:
		*(uint64_t *)p = v->u64;
		break;
	case CONF_STR:
		free(*(char **)p);
		*(char **)p = v->s;
		v->s = NULL;
		break;
	case CONF_STRLIST:
		conf_strlist_clear((struct conf_strlist *)p);
		*(struct conf_strlist *)p = v->list;
		v->list.v = NULL;
		v->list.n = 0;
		break;
	case CONF_ENUM:
		*(int *)p = v->index;
		break;
	}
}

/* Whether k is a prefix key: "kafka.properties.*" with CONF_STR. */
static bool
conf_key_is_prefix(const struct conf_key *k)
{
	size_t len = strlen(k->path);

	return k->type == CONF_STR && len >= 2 && strcmp(k->path + len - 2, ".*") == 0;
}

static int
conf_apply_one(struct conf_doc *doc, const struct conf_key *k, void *dst)
{
	union conf_value v;
	struct conf_entry *e, *under;
	char why[512], where[256];
	bool bad = false;
	int r;

	if (k->defval != NULL) {
		memset(&v, 0, sizeof(v));
		if ((r = conf_parse_entry(k, NULL, k->defval, &v, why, sizeof(why))) == 0)
			conf_store(k, dst, &v);
		else if (r == SW_E_CONFIG)
			sw_err("built-in default: key '%s': %s", k->path, why);
		else
			sw_err("key '%s': %s", k->path, sw_strerror(r));
		bad = r != 0;
	}
	if (doc == NULL)
		return bad ? SW_E_CONFIG : 0;
	conf_doc_know(doc, k->path);
	e = conf_doc_find(doc, k->path);
	if ((under = conf_doc_first_under(doc, k->path)) != NULL) {
		/* "path.x" exists: the document has a mapping (or a list of mappings) here */
		conf_doc_mark_under(doc, k->path);
		if (e != NULL)
			e->used = true;
		sw_err("%s: key '%s': expected %s, not a mapping",
		       conf_entry_where(under, where, sizeof(where)), k->path,
		       k->type == CONF_STRLIST ? "a list of scalars" : "a scalar");
		return SW_E_CONFIG;
	}
	if (e == NULL)
		return bad ? SW_E_CONFIG : 0;
	e->used = true;
	memset(&v, 0, sizeof(v));
	if ((r = conf_parse_entry(k, e, NULL, &v, why, sizeof(why))) != 0) {
		if (r == SW_E_CONFIG)
			sw_err("%s: key '%s': %s", conf_entry_where(e, where, sizeof(where)),
			       k->path, why);
		else
			sw_err("key '%s': %s", k->path, sw_strerror(r));
		return SW_E_CONFIG;
	}
	conf_store(k, dst, &v);
	return bad ? SW_E_CONFIG : 0;
}

/*
 * A key whose path ends in ".*" with type CONF_STR is a prefix key: conf_apply() only marks
 * every document key under that prefix as used and stores nothing (its offset is ignored). It
 * lets a stage read a free-form map (e.g. Kafka client properties) itself, with conf_doc_where()
 * for messages, without conf_check_unused() reporting its keys.
 */
int
conf_apply(struct conf_doc *doc, const struct conf_key *keys, void *dst)
{
	int failed = 0;

	for (const struct conf_key *k = keys; k->path != NULL; k++) {
		if (conf_key_is_prefix(k)) {
			char *prefix = strndup(k->path, strlen(k->path) - 2);

			if (prefix == NULL)
				return SW_E_NOMEM;
			if (doc != NULL)
				conf_doc_mark_under(doc, prefix);
			free(prefix);
			continue;
		}
		if (conf_apply_one(doc, k, dst) != 0)
			failed++;
	}
	return failed ? SW_E_CONFIG : 0;
}

void
conf_struct_free(const struct conf_key *keys, void *dst)
{
	if (keys == NULL || dst == NULL)
		return;
	for (const struct conf_key *k = keys; k->path != NULL; k++) {
		void *p = (char *)dst + k->offset;

		if (conf_key_is_prefix(k))
			continue;
		if (k->type == CONF_STR) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (k->type == CONF_STRLIST) {
			conf_strlist_clear((struct conf_strlist *)p);
		}
	}
}

/* ---- unknown keys ------------------------------------------------------------------------ */

/* Whether a and b differ by exactly one insertion, deletion, substitution or transposition. */
static bool
conf_one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i = 0;

	if (la < lb) {
		const char *t = a;
		size_t tl = la;

		a = b;
		b = t;
		la = lb;
		lb = tl;
	}
	if (la - lb > 1)
		return false;
	while (i < lb && a[i] == b[i])
		i++;
	if (i == lb)
		return la != lb; /* equal strings are not an edit; a longer by one at the end is */
	if (la == lb) {
		if (strcmp(a + i + 1, b + i + 1) == 0)
			return true; /* substitution */
		return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		       strcmp(a + i + 2, b + i + 2) == 0; /* transposition */
	}
	return strcmp(a + i + 1, b + i) == 0; /* deletion from a */
}

static const char *
conf_last_component(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot != NULL ? dot + 1 : path;
}

/* The known path the unknown one was probably meant to be, or NULL. */
static const char *
conf_doc_suggest(const struct conf_doc *doc, const char *path)
{
	const char *last = conf_last_component(path);

	for (size_t i = 0; i < doc->nknown; i++)
		if (conf_one_edit(path, doc->known[i]))
			return doc->known[i];
	for (size_t i = 0; i < doc->nknown; i++)
		if (strcmp(conf_last_component(doc->known[i]), last) == 0 &&
		    strcmp(doc->known[i], path) != 0)
			return doc->known[i];
	return NULL;
}

int
conf_check_unused(struct conf_doc *doc)
{
	char where[256];
	int count = 0;

	if (doc == NULL)
		return 0;
	for (size_t i = 0; i < doc->n; i++) {
		const struct conf_entry *e = &doc->e[i];
		const char *hint;

		if (e->used)
			continue;
		count++;
		hint = conf_doc_suggest(doc, e->path);
		sw_err("%s: unknown key '%s'%s%s%s", conf_entry_where(e, where, sizeof(where)),
		       e->path, hint ? " (did you mean '" : "", hint ? hint : "",
		       hint ? "'?)" : "");
	}
	return count;
}

int
conf_doc_foreach(struct conf_doc *doc, const char *prefix,
		 int (*fn)(void *arg, const char *key, const char *value), void *arg)
{
	size_t plen = strlen(prefix), i;
	int r;

	for (i = 0; i < doc->n; i++) {
		struct conf_entry *e = &doc->e[i];
		struct sbuf joined;

		if (strncmp(e->path, prefix, plen) != 0 || e->path[plen] == '\0')
			continue;
		e->used = true;
		if (!e->is_list) {
			if ((r = fn(arg, e->path + plen, e->value)) != 0)
				return r;
			continue;
		}
		/* a list (a YAML sequence, or --set KEY=[a,b]) is handed on as its text "[a,b]",
		 * as free-form values such as Suricata's address groups are written */
		sbuf_init(&joined);
		sbuf_addc(&joined, '[');
		for (size_t k = 0; k < e->list.n; k++) {
			if (k > 0)
				sbuf_addc(&joined, ',');
			sbuf_adds(&joined, e->list.v[k]);
		}
		sbuf_addc(&joined, ']');
		r = sbuf_failed(&joined) ? SW_E_NOMEM : fn(arg, e->path + plen, joined.p);
		sbuf_free(&joined);
		if (r != 0)
			return r;
	}
	return 0;
}
