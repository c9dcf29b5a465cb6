/* src/output/output_report_json.c: a small JSON reader (RFC 8259) for the report sink: it reads
 * back the EVE lines the sensor wrote into a tree of bounded size (no allocation per value). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "output/output_report_int.h"

#define REPORT_JSON_DEPTH 32

struct jparse {
	struct rjson *doc;
	const char *p, *end;
	char *s; /* next free byte of doc->str */
	int depth;
};

static void
skip_ws(struct jparse *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static struct rjv *
node_new(struct jparse *j, int type)
{
	struct rjv *v;

	if (j->doc->nnodes >= j->doc->cap_nodes)
		return NULL;
	v = &j->doc->nodes[j->doc->nnodes++];
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

static int
hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A string into doc->str (decoded, NUL-terminated); the output is never longer than the input,
 * and doc->str holds as many bytes as the line. */
static const char *
read_string(struct jparse *j, size_t *len)
{
	char *start = j->s;
	unsigned cp, lo;

	if (j->p >= j->end || *j->p != '"')
		return NULL;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;

		if ((unsigned char)c < 0x20)
			return NULL;
		if (c != '\\') {
			*j->s++ = c;
			continue;
		}
		if (j->p >= j->end)
			return NULL;
		c = *j->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*j->s++ = c;
			break;
		case 'b':
			*j->s++ = '\b';
			break;
		case 'f':
			*j->s++ = '\f';
			break;
		case 'n':
			*j->s++ = '\n';
			break;
		case 'r':
			*j->s++ = '\r';
			break;
		case 't':
			*j->s++ = '\t';
			break;
		case 'u':
			if (hex4(j->p, j->end, &cp) != 0)
				return NULL;
			j->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
			    j->p[1] == 'u' && hex4(j->p + 2, j->end, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				j->p += 6;
			}
			/* \uXXXX is 6 input bytes, at most 4 output bytes: never longer */
			if (cp == 0)
				cp = 0xfffd; /* keep strings NUL-terminated */
			if (cp < 0x80) {
				*j->s++ = (char)cp;
			} else if (cp < 0x800) {
				*j->s++ = (char)(0xc0 | cp >> 6);
				*j->s++ = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				*j->s++ = (char)(0xe0 | cp >> 12);
				*j->s++ = (char)(0x80 | (cp >> 6 & 0x3f));
				*j->s++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*j->s++ = (char)(0xf0 | cp >> 18);
				*j->s++ = (char)(0x80 | (cp >> 12 & 0x3f));
				*j->s++ = (char)(0x80 | (cp >> 6 & 0x3f));
				*j->s++ = (char)(0x80 | (cp & 0x3f));
			}
			break;
		default:
			return NULL;
		}
	}
	if (j->p >= j->end)
		return NULL;
	j->p++; /* closing quote */
	*len = (size_t)(j->s - start);
	*j->s++ = '\0';
	return start;
}

static struct rjv *read_value(struct jparse *j);

static struct rjv *
read_container(struct jparse *j, bool obj)
{
	struct rjv *v = node_new(j, obj ? RJ_OBJ : RJ_ARR), *last = NULL, *c;
	const char *key = NULL;
	size_t klen;

	if (v == NULL || ++j->depth > REPORT_JSON_DEPTH)
		return NULL;
	j->p++; /* { or [ */
	skip_ws(j);
	if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
		j->p++;
		j->depth--;
		return v;
	}
	for (;;) {
		skip_ws(j);
		if (obj) {
			if ((key = read_string(j, &klen)) == NULL)
				return NULL;
			skip_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return NULL;
			j->p++;
			skip_ws(j);
		}
		if ((c = read_value(j)) == NULL)
			return NULL;
		c->key = key;
		if (last == NULL)
			v->child = c;
		else
			last->next = c;
		last = c;
		v->n++;
		skip_ws(j);
		if (j->p >= j->end)
			return NULL;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p != (obj ? '}' : ']'))
			return NULL;
		j->p++;
		j->depth--;
		return v;
	}
}

static struct rjv *
read_value(struct jparse *j)
{
	struct rjv *v;
	const char *start;
	size_t len;

	if (j->p >= j->end)
		return NULL;
	switch (*j->p) {
	case '{':
		return read_container(j, true);
	case '[':
		return read_container(j, false);
	case '"':
		if ((v = node_new(j, RJ_STR)) == NULL || (v->s = read_string(j, &len)) == NULL)
			return NULL;
		v->n = len;
		return v;
	case 't':
	case 'f':
	case 'n':
		if (j->end - j->p >= 4 && memcmp(j->p, "true", 4) == 0) {
			j->p += 4;
			if ((v = node_new(j, RJ_BOOL)) != NULL)
				v->num = 1;
			return v;
		}
		if (j->end - j->p >= 5 && memcmp(j->p, "false", 5) == 0) {
			j->p += 5;
			return node_new(j, RJ_BOOL);
		}
		if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
			j->p += 4;
			return node_new(j, RJ_NULL);
		}
		return NULL;
	default:
		break;
	}
	/* a number: copied as written (its text is what the page shows) */
	start = j->p;
	while (j->p < j->end && (strchr("+-.eE", *j->p) != NULL || (*j->p >= '0' && *j->p <= '9')))
		j->p++;
	if (j->p == start || (v = node_new(j, RJ_NUM)) == NULL)
		return NULL;
	len = (size_t)(j->p - start);
	memcpy(j->s, start, len);
	v->s = j->s;
	v->n = len;
	j->s += len;
	*j->s++ = '\0';
	v->num = strtod(v->s, NULL);
	return v;
}

int
report_json_parse(struct rjson *doc, const char *line, size_t len)
{
	struct jparse j;

	doc->nnodes = 0;
	doc->root = NULL;
	if (len + 1 > doc->cap_str) {
		char *s = realloc(doc->str, len + 1);

		if (s == NULL)
			return SW_E_NOMEM;
		doc->str = s;
		doc->cap_str = len + 1;
	}
	j.doc = doc;
	j.p = line;
	j.end = line + len;
	j.s = doc->str;
	j.depth = 0;
	skip_ws(&j);
	if (j.p >= j.end || *j.p != '{' || (doc->root = read_value(&j)) == NULL) {
		doc->root = NULL;
		return SW_E_INVAL;
	}
	skip_ws(&j);
	if (j.p != j.end) {
		doc->root = NULL;
		return SW_E_INVAL;
	}
	return 0;
}

const struct rjv *
rjv_get(const struct rjv *v, const char *path)
{
	while (v != NULL && *path != '\0') {
		const char *dot = strchr(path, '.');
		size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		const struct rjv *c;

		if (v->type != RJ_OBJ)
			return NULL;
		for (c = v->child; c != NULL; c = c->next)
			if (strncmp(c->key, path, n) == 0 && c->key[n] == '\0')
				break;
		v = c;
		path += n + (dot != NULL);
	}
	return v;
}

const char *
rjv_str(const struct rjv *v, const char *path)
{
	v = rjv_get(v, path);
	return v != NULL && (v->type == RJ_STR || v->type == RJ_NUM) ? v->s : NULL;
}

bool
rjv_num(const struct rjv *v, const char *path, double *out)
{
	v = rjv_get(v, path);
	if (v == NULL || v->type != RJ_NUM)
		return false;
	*out = v->num;
	return true;
}

uint64_t
rjv_u64(const struct rjv *v, const char *path)
{
	v = rjv_get(v, path);
	if (v == NULL || v->type != RJ_NUM || v->s[0] == '-')
		return 0;
	return strtoull(v->s, NULL, 10); /* exact: a double loses digits past 2^53 */
}
