/* src/detect/detect_parse.c: the Suricata rule language
 * (https://docs.suricata.io/en/latest/rules/): header, options and their escaping, the keywords we
 * verify, sticky buffers and the old content modifiers, and the checks Suricata makes before it
 * loads a rule; chooses the fast pattern. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/decode.h"
#include "defrag/defrag.h"
#include "detect/detect_int.h"
#include "stream/stream.h"

#define RP_VARS_MAX      8
#define RP_CONTENT_MAX   65535
#define RP_ARGS_MAX      24
#define RP_BUF_FILE_DATA DET_BUF_MAX /* file.data until the direction is known */
#define RP_BUF_B64       (DET_BUF_MAX + 1) /* base64_data: the last base64_decode's result */
#define RP_LIST_B64      (-2) /* the list of that base64_decode */

/* ---- buffers: numbered from the app stage's descriptors ------------------------------------ */

static struct det_buffer_info det_buf_table[DET_BUF_MAX];
static const char *const det_hdr_buf_names[DET_HDR_MAX] = {
    NULL, "ipv4.hdr", "ipv6.hdr", "tcp.hdr", "udp.hdr", "icmpv4.hdr", "icmpv6.hdr",
};
static int det_buf_count;
static int det_buf_napp; /* 1 + the app buffers numbered; the header buffers follow */
static pthread_once_t det_buf_once = PTHREAD_ONCE_INIT;

static void
det_buf_init(void)
{
	int n = app_buffer_count();

	det_buf_table[0] = (struct det_buffer_info){"pkt_data", APP_NONE, -1, -1, 0, false};
	if (n + DET_HDR_MAX > DET_BUF_MAX) {
		sw_err("detect: %d app-layer buffers, only %d fit (raise DET_BUF_MAX); the rest are "
		       "unknown to rules", n, DET_BUF_MAX - 1);
		n = DET_BUF_MAX - DET_HDR_MAX;
	}
	for (int id = 0; id < n; id++) {
		int kind;
		const struct app_buffer_desc *b = app_buffer_desc(id, &kind);

		det_buf_table[id + 1] =
		    (struct det_buffer_info){b->name, app_msg_desc(kind)->proto, b->dir, kind, 0,
		                             app_buffer_reads_body(id)};
	}
	det_buf_count = det_buf_napp = n + 1;
	/* the packet header buffers, after the app stage's */
	for (int h = DET_HDR_IPV4; h < DET_HDR_MAX && det_buf_count < DET_BUF_MAX; h++)
		det_buf_table[det_buf_count++] =
		    (struct det_buffer_info){det_hdr_buf_names[h], APP_NONE, -1, -1, h, false};
}

/* The number of packet header buffer keyword ("tcp.hdr"), -1 when it is not one. */
static int
det_buf_hdr_find(const char *keyword)
{
	for (int b = 1; b < det_buffer_count(); b++)
		if (det_buf_table[b].hdr != DET_HDR_NONE &&
		    strcmp(det_buf_table[b].name, keyword) == 0)
			return b;
	return -1;
}

const struct det_buffer_info *
det_buffer(int b)
{
	pthread_once(&det_buf_once, det_buf_init);
	return b >= 0 && b < det_buf_count ? &det_buf_table[b] : NULL;
}

int
det_buffer_count(void)
{
	pthread_once(&det_buf_once, det_buf_init);
	return det_buf_count;
}

/* An app buffer number as ours, -1 when absent or beyond DET_BUF_MAX. */
static int
det_buf_of_app(int id)
{
	return id >= 0 && id + 1 < det_buffer_count() && id + 1 < det_buf_napp ? id + 1 : -1;
}

int
det_buffer_named(const char *name)
{
	for (int b = 1; b < det_buffer_count(); b++)
		if (strcmp(det_buf_table[b].name, name) == 0)
			return b;
	return -1;
}

int
det_buffer_msg_payload(int kind, int dir)
{
	const struct app_msg_desc *d = app_msg_desc(kind);
	char name[64];

	if (d == NULL)
		return -1;
	snprintf(name, sizeof(name), "@%s.%s", d->name, dir == FLOW_TO_CLIENT ? "response" : "request");
	return det_buffer_named(name);
}

/* file.data and file_data name the body of the rule's direction: the response body until the
 * rule says to_server (rp_remap). */
static bool
rp_is_file_data(const char *keyword)
{
	return strcasecmp(keyword, "file.data") == 0 || strcasecmp(keyword, "file_data") == 0;
}

/* A buffer whose name starts with '@' is the app stage's for detect's own use (the response's
 * side of a buffer Suricata names once, the payload of mixed rules): no rule can name it. */
int
det_buffer_by_sticky(const char *keyword)
{
	if (rp_is_file_data(keyword))
		return det_buffer_named("http.response_body");
	if (det_buf_hdr_find(keyword) >= 0)
		return det_buf_hdr_find(keyword);
	return keyword[0] == '@' ? -1 : det_buf_of_app(app_buffer_find(keyword));
}

int
det_buffer_by_modifier(const char *keyword)
{
	return det_buf_of_app(app_buffer_find_modifier(keyword));
}

static int
rp_sticky_find(const char *keyword)
{
	if (rp_is_file_data(keyword))
		return RP_BUF_FILE_DATA;
	if (det_buf_hdr_find(keyword) >= 0)
		return det_buf_hdr_find(keyword);
	return keyword[0] == '@' ? -1 : det_buf_of_app(app_buffer_find(keyword));
}

static const char *
rp_buffer_name(int buffer)
{
	if (buffer == RP_BUF_B64)
		return "base64_data";
	return buffer == RP_BUF_FILE_DATA ? "file.data" : det_buffer(buffer)->name;
}

/* ---- freeing ------------------------------------------------------------------------------ */

static void
rp_item_free(struct det_item *it)
{
	switch (it->kind) {
	case DET_ITEM_CONTENT:
		free(it->u.content.pat);
		break;
	case DET_ITEM_PCRE:
		pcre2_code_free(it->u.pcre.code);
		free(it->u.pcre.source);
		for (uint32_t k = 0; k < it->u.pcre.ncap; k++)
			free(it->u.pcre.caps[k].name);
		free(it->u.pcre.caps);
		break;
	case DET_ITEM_DATASET:
		det_dsref_free(&it->u.ds);
		break;
	case DET_ITEM_BASE64:
		if (it->u.b64.data != NULL) {
			for (uint32_t j = 0; j < it->u.b64.data->n; j++)
				rp_item_free(&it->u.b64.data->items[j]);
			free(it->u.b64.data->items);
			free(it->u.b64.data);
		}
		break;
	default:
		break;
	}
}

static void
rp_strv_free(char **v, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
det_rule_free(struct det_rule *r)
{
	uint32_t i, j;

	if (r == NULL)
		return;
	det_rule_free(r->twin);
	free(r->file);
	free(r->app_name);
	det_ipset_free(&r->src);
	det_ipset_free(&r->dst);
	det_portset_free(&r->sport);
	det_portset_free(&r->dport);
	free(r->msg);
	free(r->classtype);
	rp_strv_free(r->references, r->nreferences);
	rp_strv_free(r->metadata, r->nmetadata);
	for (i = 0; i < r->nflowbits; i++) {
		rp_strv_free(r->flowbits[i].names, r->flowbits[i].n);
		free(r->flowbits[i].ids);
	}
	free(r->flowbits);
	free(r->alproto);
	for (i = 0; i < r->nlists; i++) {
		for (j = 0; j < r->lists[i].n; j++)
			rp_item_free(&r->lists[i].items[j]);
		for (j = 0; j < r->lists[i].nxf; j++)
			det_xform_free(&r->lists[i].xf[j]);
		free(r->lists[i].items);
	}
	free(r->lists);
	det_kw_free(r);
	free(r);
}

/* ---- parse state -------------------------------------------------------------------------- */

struct rp {
	struct det_rule *r;
	int way;   /* bothways: 0 the rule as written, 1 its twin on the other message */
	bool both; /* bothways: rp_remap found an undirected rule of both-ways buffers */
	struct det_parse_error *err;
	const struct det_vars *vars;
	const struct det_classes *classes;
	int sticky;   /* buffer of the last sticky-buffer keyword, DET_BUF_PAYLOAD after none */
	int last_buf; /* buffer of the last content, -1 when none */
	int last_list; /* its list */
	uint32_t last_item; /* its index in that list */
	int xf_list;      /* the transformed list of the sticky buffer, -1 when none */
	bool sticky_used; /* something was matched on the sticky buffer since it was named */
	int added_list;   /* the list rp_item_add appended to (RP_LIST_B64: b64) */
	struct det_list *b64; /* base64_data's list of the last base64_decode, NULL before one */
	char *varnames[RP_VARS_MAX];
	bool has_sid, has_rev, has_gid, has_msg, has_priority, has_classtype, has_flow;
	bool has_threshold, has_df, has_fast;
	const char *prev_match; /* the last option that adds a match (prefilter's target) */
	int frame_buf; /* the buffer of the last frame keyword, 0 when none */
};

static int rp_fail(struct rp *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
rp_fail(struct rp *p, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err->reason, sizeof(p->err->reason), fmt, ap);
	va_end(ap);
	return code;
}

/* SW_E_UNSUPP naming the keyword (or "keyword:option"). */
static int
rp_unsupp(struct rp *p, const char *keyword, const char *reason)
{
	snprintf(p->err->keyword, sizeof(p->err->keyword), "%s", keyword);
	snprintf(p->err->reason, sizeof(p->err->reason), "%s", reason);
	return SW_E_UNSUPP;
}

static struct det_list *
rp_list_find(struct rp *p, int buffer)
{
	uint32_t i;

	for (i = 0; i < p->r->nlists; i++)
		if (p->r->lists[i].buffer == buffer && p->r->lists[i].nxf == 0)
			return &p->r->lists[i];
	return NULL;
}

static struct det_list *
rp_list_get(struct rp *p, int buffer)
{
	struct det_list *l, *nl;

	if ((l = rp_list_find(p, buffer)) != NULL)
		return l;
	if ((nl = realloc(p->r->lists, (p->r->nlists + 1) * sizeof(*nl))) == NULL)
		return NULL;
	p->r->lists = nl;
	l = &nl[p->r->nlists++];
	memset(l, 0, sizeof(*l));
	l->buffer = buffer;
	return l;
}

/* The list of index idx (RP_LIST_B64: base64_data's), NULL when none. */
static struct det_list *
rp_list_at(struct rp *p, int idx)
{
	if (idx == RP_LIST_B64)
		return p->b64;
	return idx >= 0 && (uint32_t)idx < p->r->nlists ? &p->r->lists[idx] : NULL;
}

/* Appends an item of kind to buffer's list; returns it zeroed (values "unset"), or NULL. */
static struct det_item *
rp_item_add(struct rp *p, int buffer, int kind)
{
	struct det_list *l;
	struct det_item *ni, *it;

	if (buffer == RP_BUF_B64) {
		if ((l = p->b64) == NULL)
			return NULL;
	} else if (buffer == p->sticky && p->xf_list >= 0)
		l = &p->r->lists[p->xf_list];
	else if ((l = rp_list_get(p, buffer)) == NULL)
		return NULL;
	if (buffer == p->sticky)
		p->sticky_used = true;
	p->added_list = buffer == RP_BUF_B64 ? RP_LIST_B64 : (int)(l - p->r->lists);
	if ((ni = realloc(l->items, (l->n + 1) * sizeof(*ni))) == NULL)
		return NULL;
	l->items = ni;
	it = &ni[l->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	switch (kind) {
	case DET_ITEM_CONTENT:
		it->u.content.offset.var = it->u.content.depth.var = -1;
		it->u.content.distance.var = it->u.content.within.var = -1;
		break;
	case DET_ITEM_PCRE:
		it->u.pcre.capture_var = -1;
		break;
	case DET_ITEM_BYTE_TEST:
	case DET_ITEM_BYTE_JUMP:
	case DET_ITEM_BYTE_EXTRACT:
	case DET_ITEM_BYTE_MATH:
		it->u.byte.value.var = it->u.byte.offset.var = -1;
		it->u.byte.var = -1;
		it->u.byte.multiplier = 1;
		break;
	case DET_ITEM_ISDATAAT:
		it->u.isdataat.at.var = -1;
		break;
	default:
		break;
	}
	return it;
}

/* The buffer the next content, pcre, byte_* or isdataat goes to. */
static int
rp_cur_buffer(const struct rp *p)
{
	return p->sticky;
}

static struct det_content *
rp_last_content(struct rp *p, const char *kw, int *code)
{
	struct det_list *l;

	if (p->last_buf < 0 || (l = rp_list_at(p, p->last_list)) == NULL ||
	    l->buffer != p->last_buf || p->last_item >= l->n) {
		*code = rp_fail(p, SW_E_INVAL, "%s: no content before it", kw);
		return NULL;
	}
	return &l->items[p->last_item].u.content;
}

/* ---- small value parsers ------------------------------------------------------------------- */

char *
det_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Drops one pair of surrounding double quotes. */
static char *
rp_unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

/* A decimal (or 0x hex) integer within [min, max]. */
static int
rp_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *q = s;
	char *end;
	long long v;
	int base = 10;

	if (*q == '-' || *q == '+')
		q++;
	if (!isdigit((unsigned char)*q))
		return -1;
	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
		base = 16;
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
rp_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int base = 10;

	if (!isdigit((unsigned char)*s))
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
rp_var_find(const struct rp *p, const char *name)
{
	int i;

	for (i = 0; i < p->r->nvars; i++)
		if (strcmp(p->varnames[i], name) == 0)
			return i;
	return -1;
}

/* A number in [min, max] or the name of a byte_extract variable. */
static int
rp_value(struct rp *p, const char *kw, const char *s, int64_t min, int64_t max,
         struct det_value *out)
{
	int64_t v;
	int var;

	if (*s == '\0')
		return rp_fail(p, SW_E_INVAL, "%s: missing value", kw);
	if (isdigit((unsigned char)*s) || *s == '-' || *s == '+') {
		if (rp_int(s, min, max, &v) != 0)
			return rp_fail(p, SW_E_INVAL, "%s: bad value '%s'", kw, s);
		out->v = v;
		out->var = -1;
		return 0;
	}
	if ((var = rp_var_find(p, s)) < 0)
		return rp_fail(p, SW_E_INVAL, "%s: unknown variable '%s'", kw, s);
	out->v = 0;
	out->var = (int8_t)var;
	return 0;
}

/* Splits s at commas (outside quotes) into trimmed fields; returns their number or -1. */
static int
rp_split(char *s, char sep, char **out, int max)
{
	int n = 0;
	bool quoted = false;
	char *start = s;

	for (;; s++) {
		if (*s == '"')
			quoted = !quoted;
		if ((*s == sep && !quoted) || *s == '\0') {
			bool end = *s == '\0';

			if (n == max)
				return -1;
			*s = '\0';
			out[n++] = det_trim(start);
			if (end)
				break;
			start = s + 1;
		}
	}
	return n;
}

static char *
rp_strdup(struct rp *p, const char *s, int *code)
{
	char *d = strdup(s);

	if (d == NULL)
		*code = rp_fail(p, SW_E_NOMEM, "out of memory");
	return d;
}

static int
rp_strv_add(struct rp *p, char ***v, uint32_t *n, const char *s)
{
	char **nv, *d;
	int code = 0;

	if ((d = rp_strdup(p, s, &code)) == NULL)
		return code;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(d);
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	}
	nv[(*n)++] = d;
	*v = nv;
	return 0;
}

/* ---- meta keywords ------------------------------------------------------------------------- */

static int
kw_msg(struct rp *p, const char *kw, char *v)
{
	char *s, *o, *i;
	bool esc = false;
	int code = 0;

	if (p->has_msg)
		return rp_fail(p, SW_E_INVAL, "%s: set twice", kw);
	p->has_msg = true;
	s = rp_unquote(v);
	/* any backslash escape stands for the character after it */
	for (i = o = s; *i != '\0'; i++) {
		if (!esc && *i == '\\') {
			esc = true;
			continue;
		}
		esc = false;
		*o++ = *i;
	}
	*o = '\0';
	if ((p->r->msg = rp_strdup(p, s, &code)) == NULL)
		return code;
	return 0;
}

static int
kw_u32(struct rp *p, const char *kw, char *v, bool *seen, uint32_t *out, int64_t min)
{
	int64_t n;

	if (*seen)
		return rp_fail(p, SW_E_INVAL, "%s: set twice", kw);
	*seen = true;
	v = rp_unquote(v);
	if (rp_int(v, min, UINT32_MAX, &n) != 0 || v[0] == '-' || v[0] == '+')
		return rp_fail(p, SW_E_INVAL, "%s: bad value '%s'", kw, v);
	*out = (uint32_t)n;
	return 0;
}

static int
kw_sid(struct rp *p, const char *kw, char *v)
{
	return kw_u32(p, kw, v, &p->has_sid, &p->r->sid, 1);
}

static int
kw_rev(struct rp *p, const char *kw, char *v)
{
	return kw_u32(p, kw, v, &p->has_rev, &p->r->rev, 0);
}

static int
kw_gid(struct rp *p, const char *kw, char *v)
{
	return kw_u32(p, kw, v, &p->has_gid, &p->r->gid, 0);
}

static int
kw_classtype(struct rp *p, const char *kw, char *v)
{
	int code = 0;

	if (p->has_classtype)
		return rp_fail(p, SW_E_INVAL, "%s: set twice", kw);
	p->has_classtype = true;
	v = rp_unquote(v);
	if (*v == '\0')
		return rp_fail(p, SW_E_INVAL, "%s: missing value", kw);
	if (p->classes != NULL && p->classes->n > 0 && det_classes_find(p->classes, v) == NULL)
		return rp_fail(p, SW_E_INVAL, "%s: unknown classtype '%s'", kw, v);
	if ((p->r->classtype = rp_strdup(p, v, &code)) == NULL)
		return code;
	for (char *q = p->r->classtype; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	return 0;
}

static int
kw_priority(struct rp *p, const char *kw, char *v)
{
	int64_t n;

	if (p->has_priority)
		return rp_fail(p, SW_E_INVAL, "%s: set twice", kw);
	p->has_priority = true;
	v = rp_unquote(v);
	if (rp_int(v, 1, 255, &n) != 0)
		return rp_fail(p, SW_E_INVAL, "%s: bad value '%s'", kw, v);
	p->r->priority = (int)n;
	return 0;
}

static int
kw_reference(struct rp *p, const char *kw, char *v)
{
	char *comma, type[64];
	size_t i, tl;

	v = rp_unquote(v);
	if ((comma = strchr(v, ',')) == NULL || comma == v || det_trim(comma + 1)[0] == '\0')
		return rp_fail(p, SW_E_INVAL, "%s: expected 'type,id', got '%s'", kw, v);
	tl = (size_t)(comma - v);
	while (tl > 0 && isspace((unsigned char)v[tl - 1]))
		tl--;
	if (tl >= sizeof(type))
		return rp_fail(p, SW_E_INVAL, "%s: type too long", kw);
	memcpy(type, v, tl);
	type[tl] = '\0';
	if (p->classes != NULL && p->classes->nrefs > 0) {
		for (i = 0; i < p->classes->nrefs; i++)
			if (strcasecmp(p->classes->ref_names[i], type) == 0)
				break;
		if (i == p->classes->nrefs)
			return rp_fail(p, SW_E_INVAL, "%s: unknown type '%s'", kw, type);
	}
	return rp_strv_add(p, &p->r->references, &p->r->nreferences, v);
}

static int
kw_metadata(struct rp *p, const char *kw, char *v)
{
	char *f[64];
	int n, i, r;

	if ((n = rp_split(v, ',', f, 64)) < 0)
		return rp_fail(p, SW_E_INVAL, "%s: too many items", kw);
	for (i = 0; i < n; i++) {
		if (f[i][0] == '\0')
			continue;
		if ((r = rp_strv_add(p, &p->r->metadata, &p->r->nmetadata, f[i])) != 0)
			return r;
	}
	return 0;
}

static int
kw_target(struct rp *p, const char *kw, char *v)
{
	if (strcmp(v, "src_ip") == 0)
		p->r->target = 0;
	else if (strcmp(v, "dest_ip") == 0)
		p->r->target = 1;
	else
		return rp_fail(p, SW_E_INVAL, "%s: expected src_ip or dest_ip, got '%s'", kw, v);
	return 0;
}

/* ---- content and its modifiers ------------------------------------------------------------- */

/* Decodes a content string: "|hex|" parts, and the escapes \" \; \: \\ (the only ones Suricata
 * accepts in a content). */
static int
rp_content_decode(struct rp *p, const char *kw, const char *s, uint8_t **out, uint32_t *outlen)
{
	size_t n = strlen(s), len = 0;
	uint8_t *pat;
	bool hex = false, esc = false;
	int nib = -1;

	if ((pat = malloc(n + 1)) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (hex) {
			if (c == '|') {
				if (nib >= 0)
					goto odd;
				hex = false;
			} else if (isxdigit(c)) {
				int d = isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);

				if (nib < 0) {
					nib = d;
				} else {
					pat[len++] = (uint8_t)(nib << 4 | d);
					nib = -1;
				}
			} else if (c != ' ' && c != '\t') {
				free(pat);
				return rp_fail(p, SW_E_INVAL, "%s: bad hex character '%c'", kw, c);
			} else if (nib >= 0) {
				goto odd;
			}
			continue;
		}
		if (esc) {
			if (c != '"' && c != ';' && c != ':' && c != '\\') {
				free(pat);
				return rp_fail(p, SW_E_INVAL, "%s: '\\%c' is not a valid escape",
				               kw, c);
			}
			pat[len++] = c;
			esc = false;
		} else if (c == '\\') {
			esc = true;
		} else if (c == '|') {
			hex = true;
		} else if (c == '"') {
			free(pat);
			return rp_fail(p, SW_E_INVAL, "%s: unescaped '\"'", kw);
		} else {
			pat[len++] = c;
		}
	}
	if (hex) {
		free(pat);
		return rp_fail(p, SW_E_INVAL, "%s: unterminated hex '|'", kw);
	}
	if (esc) {
		free(pat);
		return rp_fail(p, SW_E_INVAL, "%s: trailing '\\'", kw);
	}
	if (len == 0) {
		free(pat);
		return rp_fail(p, SW_E_INVAL, "%s: empty pattern", kw);
	}
	if (len > RP_CONTENT_MAX) {
		free(pat);
		return rp_fail(p, SW_E_INVAL, "%s: pattern longer than %d bytes", kw,
		               RP_CONTENT_MAX);
	}
	*out = pat;
	*outlen = (uint32_t)len;
	return 0;
odd:
	free(pat);
	return rp_fail(p, SW_E_INVAL, "%s: odd number of hex digits", kw);
}

static int
rp_content_add(struct rp *p, const char *kw, char *v, int buffer)
{
	struct det_item *it;
	struct det_list *l;
	uint8_t *pat = NULL;
	uint32_t len = 0;
	bool negated = false;
	size_t n;
	int r;

	if (*v == '!') {
		negated = true;
		v = det_trim(v + 1);
	}
	n = strlen(v);
	if (n == 0)
		return rp_fail(p, SW_E_INVAL, "%s: missing value", kw);
	if (v[0] == '"') {
		if (n < 2 || v[n - 1] != '"' ||
		    (n >= 3 && v[n - 2] == '\\' && (n < 4 || v[n - 3] != '\\')))
			return rp_fail(p, SW_E_INVAL, "%s: unterminated quote", kw);
		v[n - 1] = '\0';
		v++;
	}
	if ((r = rp_content_decode(p, kw, v, &pat, &len)) != 0)
		return r;
	if ((it = rp_item_add(p, buffer, DET_ITEM_CONTENT)) == NULL) {
		free(pat);
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	}
	it->u.content.pat = pat;
	it->u.content.len = len;
	if (negated)
		it->u.content.flags |= DET_C_NEGATED;
	l = rp_list_at(p, p->added_list);
	p->last_buf = buffer;
	p->last_list = p->added_list;
	p->last_item = l->n - 1;
	return 0;
}

static int
kw_content(struct rp *p, const char *kw, char *v)
{
	return rp_content_add(p, kw, v, rp_cur_buffer(p));
}

static int
kw_uricontent(struct rp *p, const char *kw, char *v)
{
	return rp_content_add(p, kw, v, det_buffer_named("http.uri"));
}

/* Sets flag on the content before kw, once; conflict names the modifiers it cannot go with
 * (conflict_msg says which). */
static int
rp_content_flag(struct rp *p, const char *kw, uint32_t flag, uint32_t conflict,
                const char *conflict_msg)
{
	struct det_content *c;
	int code = 0;

	if ((c = rp_last_content(p, kw, &code)) == NULL)
		return code;
	if (c->flags & flag)
		return rp_fail(p, SW_E_INVAL, "%s: set twice on one content", kw);
	if (c->flags & conflict)
		return rp_fail(p, SW_E_INVAL, "%s: %s", kw, conflict_msg);
	c->flags |= flag;
	return 0;
}

static int
kw_nocase(struct rp *p, const char *kw, char *v)
{
	(void)v;
	return rp_content_flag(p, kw, DET_C_NOCASE, 0, NULL);
}

static int
kw_rawbytes(struct rp *p, const char *kw, char *v)
{
	int code = 0;

	(void)v;
	if (rp_last_content(p, kw, &code) == NULL)
		return code;
	return 0;
}

/* depth, offset, distance, within. */
static int
kw_position(struct rp *p, const char *kw, char *v)
{
	struct det_content *c;
	struct det_value val;
	uint32_t flag, conflict;
	int code = 0, r;
	int64_t min, max;

	if ((c = rp_last_content(p, kw, &code)) == NULL)
		return code;
	if (strcmp(kw, "depth") == 0) {
		flag = DET_C_DEPTH;
		min = 0;
		max = RP_CONTENT_MAX;
	} else if (strcmp(kw, "offset") == 0) {
		flag = DET_C_OFFSET;
		min = 0;
		max = RP_CONTENT_MAX;
	} else if (strcmp(kw, "distance") == 0) {
		flag = DET_C_DISTANCE;
		min = -RP_CONTENT_MAX;
		max = RP_CONTENT_MAX;
	} else {
		flag = DET_C_WITHIN;
		min = 0;
		max = RP_CONTENT_MAX;
	}
	if (c->flags & flag)
		return rp_fail(p, SW_E_INVAL, "%s: set twice on one content", kw);
	if (c->flags & DET_C_STARTSWITH)
		return rp_fail(p, SW_E_INVAL, "%s: cannot be used with startswith", kw);
	conflict = (flag & (DET_C_DEPTH | DET_C_OFFSET)) ? (DET_C_DISTANCE | DET_C_WITHIN)
	                                                 : (DET_C_DEPTH | DET_C_OFFSET);
	if (c->flags & conflict)
		return rp_fail(p, SW_E_INVAL,
		               "%s: cannot mix depth/offset with distance/within "
		               "on one content",
		               kw);
	if ((r = rp_value(p, kw, v, min, max, &val)) != 0)
		return r;
	if (val.var < 0 && (flag == DET_C_DEPTH || flag == DET_C_WITHIN) && val.v < (int64_t)c->len)
		return rp_fail(p, SW_E_INVAL, "%s: %lld is smaller than the content's length %u",
		               kw, (long long)val.v, c->len);
	c->flags |= flag;
	switch (flag) {
	case DET_C_DEPTH:
		c->depth = val;
		break;
	case DET_C_OFFSET:
		c->offset = val;
		break;
	case DET_C_DISTANCE:
		c->distance = val;
		break;
	default:
		c->within = val;
		break;
	}
	return 0;
}

static int
kw_startswith(struct rp *p, const char *kw, char *v)
{
	(void)v;
	return rp_content_flag(p, kw, DET_C_STARTSWITH,
	                       DET_C_DEPTH | DET_C_OFFSET | DET_C_DISTANCE | DET_C_WITHIN,
	                       "cannot be used with depth, offset, distance or within");
}

static int
kw_endswith(struct rp *p, const char *kw, char *v)
{
	(void)v;
	return rp_content_flag(p, kw, DET_C_ENDSWITH, 0, NULL);
}

static int
kw_fast_pattern(struct rp *p, const char *kw, char *v)
{
	struct det_content *c;
	int code = 0;

	if ((c = rp_last_content(p, kw, &code)) == NULL)
		return code;
	if (p->has_fast)
		return rp_fail(p, SW_E_INVAL, "%s: can be used on only one content", kw);
	p->has_fast = true;
	c->flags |= DET_C_FAST;
	if (v == NULL || *v == '\0')
		return 0;
	if (strcmp(v, "only") == 0) {
		c->flags |= DET_C_FAST_ONLY;
		return 0;
	}
	{
		char *f[3];
		int64_t off, len;

		if (rp_split(v, ',', f, 3) != 2 || rp_int(f[0], 0, RP_CONTENT_MAX, &off) != 0 ||
		    rp_int(f[1], 1, RP_CONTENT_MAX, &len) != 0)
			return rp_fail(p, SW_E_INVAL, "%s: expected 'only' or 'offset,length'", kw);
		if (off + len > (int64_t)c->len)
			return rp_fail(p, SW_E_INVAL,
			               "%s: %lld,%lld goes past the content's length %u", kw,
			               (long long)off, (long long)len, c->len);
		c->flags |= DET_C_FAST_CHOP;
		c->fp_off = (uint32_t)off;
		c->fp_len = (uint32_t)len;
	}
	return 0;
}

/* http_uri and friends: move the last content to their buffer. */
static int
kw_modifier(struct rp *p, const char *kw, char *v)
{
	struct det_list *from;
	struct det_item it, *dst;
	int buffer = det_buffer_by_modifier(kw), code = 0;

	(void)v;
	if (rp_last_content(p, kw, &code) == NULL)
		return code;
	if (p->last_buf == buffer)
		return 0; /* already there (uricontent; http_uri) */
	if (p->last_buf != DET_BUF_PAYLOAD)
		return rp_fail(p, SW_E_INVAL, "%s: the content is already in %s", kw,
		               rp_buffer_name(p->last_buf));
	from = rp_list_at(p, p->last_list);
	it = from->items[p->last_item];
	memmove(&from->items[p->last_item], &from->items[p->last_item + 1],
	        (from->n - p->last_item - 1) * sizeof(it));
	from->n--;
	if ((dst = rp_item_add(p, buffer, DET_ITEM_CONTENT)) == NULL) {
		rp_item_free(&it);
		p->last_buf = -1;
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	}
	*dst = it;
	p->last_buf = buffer;
	p->last_list = p->added_list;
	p->last_item = rp_list_at(p, p->added_list)->n - 1;
	return 0;
}

/* ---- sticky buffers ------------------------------------------------------------------------ */

static int
kw_sticky(struct rp *p, const char *kw, char *v)
{
	int b = rp_sticky_find(kw);

	if (v != NULL)
		return rp_fail(p, SW_E_INVAL, "%s: takes no value", kw);
	p->sticky = b;
	p->xf_list = -1;
	p->sticky_used = false;
	return 0;
}

/* A transform (dotprefix, to_lowercase, ...): it opens a list of its own on the sticky buffer,
 * so that the buffer's other (untransformed) matches are not transformed with it. */
static int
kw_transform(struct rp *p, const char *kw, char *v)
{
	struct det_xform x;
	struct det_list *l, *nl;
	char err[200];

	if (p->sticky == DET_BUF_PAYLOAD)
		return rp_fail(p, SW_E_INVAL, "%s: transforms need a sticky buffer before them", kw);
	if (p->sticky == RP_BUF_B64)
		return rp_fail(p, SW_E_INVAL, "%s: no transforms on base64_data", kw);
	/* After untransformed matches (bsize, content, ...) a transform is accepted as Suricata 7
	 * does (ET: "http.header_names; bsize:22; to_lowercase; content:..."): the matches before it
	 * stay on the plain buffer and the transform opens the list the next matches go to. */
	if (p->xf_list >= 0 && p->r->lists[p->xf_list].n > 0)
		return rp_fail(p, SW_E_INVAL, "%s: a transform after the matches it would change",
		               kw);
	if (det_xform_parse(kw, v, &x, err, sizeof(err)) != 0)
		return rp_fail(p, SW_E_INVAL, "%s", err);
	if (p->xf_list < 0) {
		if ((nl = realloc(p->r->lists, (p->r->nlists + 1) * sizeof(*nl))) == NULL) {
			det_xform_free(&x);
			return rp_fail(p, SW_E_NOMEM, "out of memory");
		}
		p->r->lists = nl;
		l = &nl[p->r->nlists];
		memset(l, 0, sizeof(*l));
		l->buffer = p->sticky;
		p->xf_list = (int)p->r->nlists++;
	}
	l = &p->r->lists[p->xf_list];
	if (l->nxf == DET_XF_MAX) {
		det_xform_free(&x);
		return rp_fail(p, SW_E_INVAL, "%s: more than %d transforms", kw, DET_XF_MAX);
	}
	l->xf[l->nxf++] = x;
	return 0;
}

static int
kw_pkt_data(struct rp *p, const char *kw, char *v)
{
	(void)kw;
	(void)v;
	p->sticky = DET_BUF_PAYLOAD;
	p->xf_list = -1;
	p->sticky_used = false;
	return 0;
}

/* ---- frame (Suricata 7's frames: frame:tls.pdu;) ------------------------------------------ */

/* Suricata's app-layer protocols spanwatch does not parse (the frame names of SMB's versions
 * too): their frames are skipped with the reason, not failed. */
static const char *const rp_frame_other_protos[] = {
    "smb", "nbss", "smb1", "smb2", "smb3", "telnet", "sip", "krb5", "mqtt", "rfb", "enip", "nfs",
    "rpc", "dcerpc", "ike", "ikev2", "snmp", "ntp", "dhcp", "modbus", "dnp3", "rdp", "tftp",
    "ftp-data", "http2", "irc", "websocket", "bittorrent-dht", "doh2", "template", "mdns",
    NULL,
};

/* The frames Suricata 7 registers for protocols we parse but give no frames of (yet). */
static const struct {
	const char *prefix, *why;
} rp_frame_unimpl[] = {
    {"tls.ssl2.", "frames of SSLv2 records (tls.ssl2.hdr, tls.ssl2.pdu) are not implemented"},
    {"smtp", "spanwatch reads SMTP only up to its STARTTLS and gives no SMTP frames"},
    {"ftp", "spanwatch reads FTP control only for AUTH TLS and PORT and gives no FTP frames"},
    {"imap", "spanwatch reads IMAP only up to its STARTTLS and gives no IMAP frames"},
    {"pop3", "spanwatch reads POP3 only up to its STLS and gives no POP3 frames"},
    {"pgsql", "spanwatch reads PostgreSQL only up to its STARTTLS and gives no pgsql frames"},
    {"ldap", "spanwatch reads LDAP only up to its StartTLS and gives no LDAP frames"},
    {"quic", "frames of QUIC are not implemented"},
};

/*
 * frame:NAME; the contents after it inspect each frame of that type (app_frame.c): the
 * sticky buffer "@frame.NAME". NAME is "proto.type" (tls.pdu), or "type" in a rule whose
 * header names the protocol (alert tls ... frame:pdu;). A frame of another protocol than the
 * rule's fails the rule, as an unknown frame name does; frames of a protocol spanwatch does
 * not parse (smb.smb2.hdr) or does not give frames of (http1.request) skip it.
 */
static int
kw_frame(struct rp *p, const char *kw, char *v)
{
	struct det_rule *r = p->r;
	char name[80], prefix[32], why[200];
	const char *dot;
	uint8_t ipproto = 0;
	int ft, fproto, b;
	size_t i, n;

	while (isspace((unsigned char)*v))
		v++;
	n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		v[--n] = '\0';
	if (n == 0 || n >= 48)
		return rp_fail(p, SW_E_INVAL, "%s: a frame name is expected (tls.pdu)", kw);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' && v[i] != '_' && v[i] != '-')
			return rp_fail(p, SW_E_INVAL, "%s: '%s' is not a frame name (tls.pdu)", kw, v);
	if (strchr(v, '.') == NULL || (r->app_proto != APP_NONE &&
	                               app_frame_find(v) < 0 && strncmp(v, "ssl2.", 5) == 0)) {
		/* the header names the protocol: alert tls ... frame:pdu; */
		const char *hp = r->app_proto == APP_HTTP   ? "http1" /* HTTP/2 has no frames */
		                 : r->app_proto != APP_NONE ? app_proto_name(r->app_proto)
		                                            : r->app_name;

		if (hp == NULL)
			return rp_fail(p, SW_E_INVAL,
			               "%s: '%s' names no protocol and the rule header names none "
			               "(write it PROTO.%s, e.g. tls.pdu)",
			               kw, v, v);
		snprintf(name, sizeof(name), "%s.%s", hp, v);
	} else {
		snprintf(name, sizeof(name), "%s", v);
	}
	for (i = 0; name[i] != '\0'; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	if (strncmp(name, "http.", 5) == 0) { /* "http" names HTTP/1 and 2: frames are HTTP/1's */
		memmove(name + 5, name + 4, strlen(name + 4) + 1);
		name[4] = '1';
	}
	dot = strchr(name, '.');
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(dot - name), name);
	if ((ft = app_frame_find(name)) < 0) {
		for (i = 0; i < sizeof(rp_frame_unimpl) / sizeof(rp_frame_unimpl[0]); i++) {
			size_t pl = strlen(rp_frame_unimpl[i].prefix);

			if (strncmp(name, rp_frame_unimpl[i].prefix, pl) == 0 &&
			    (rp_frame_unimpl[i].prefix[pl - 1] == '.' || name[pl] == '.')) {
				snprintf(why, sizeof(why), "frame '%s': %s", name, rp_frame_unimpl[i].why);
				return rp_unsupp(p, kw, why);
			}
		}
		for (i = 0; rp_frame_other_protos[i] != NULL; i++)
			if (strcmp(prefix, rp_frame_other_protos[i]) == 0) {
				snprintf(why, sizeof(why),
				         "frame '%s': frames of %s, which spanwatch does not parse", name,
				         prefix);
				return rp_unsupp(p, kw, why);
			}
		if (strcmp(prefix, "tls") == 0 || strcmp(prefix, "dns") == 0 ||
		    strcmp(prefix, "ssh") == 0 || strcmp(prefix, "http1") == 0)
			return rp_fail(p, SW_E_INVAL,
			               "%s: unknown frame '%s' (%s)", kw, name,
			               strcmp(prefix, "tls") == 0
			                   ? "tls has pdu, hdr, data, alert, heartbeat, ssl2.hdr, ssl2.pdu"
			               : strcmp(prefix, "dns") == 0 ? "dns has pdu"
			               : strcmp(prefix, "ssh") == 0
			                   ? "ssh has record_hdr, record_data, record_pdu"
			                   : "http1 has request, response");
		if (app_proto_find_rule_name(prefix, &ipproto) != APP_NONE) {
			snprintf(why, sizeof(why),
			         "frame '%s': spanwatch gives no frames of %s (frames: tls.*, dns.pdu, "
			         "ssh.record_*, http1.*)", name, prefix);
			return rp_unsupp(p, kw, why);
		}
		return rp_fail(p, SW_E_INVAL, "%s: unknown frame '%s' (no protocol '%s')", kw, name,
		               prefix);
	}
	fproto = app_proto_find_rule_name(prefix, &ipproto);
	if (r->app_name != NULL || (r->app_proto != APP_NONE && r->app_proto != fproto))
		return rp_fail(p, SW_E_INVAL, "%s: '%s' is a frame of %s, the rule's protocol is %s",
		               kw, name, prefix,
		               r->app_name != NULL ? r->app_name : app_proto_name(r->app_proto));
	if (r->proto == 1 || r->icmp_any || (r->proto == 17 && ipproto == 6) ||
	    (r->proto == 6 && ipproto == 17))
		return rp_fail(p, SW_E_INVAL, "%s: '%s' is a frame of %s, the rule's protocol is %s",
		               kw, name, prefix, r->proto == 17 ? "udp" : r->proto == 6 ? "tcp" : "icmp");
	snprintf(why, sizeof(why), "@frame.%s", name);
	if ((b = det_buffer_named(why)) < 0)
		return rp_fail(p, SW_E_INVAL, "%s: frame '%s' has no buffer (raise DET_BUF_MAX)", kw,
		               name);
	if (r->app_proto == APP_NONE) /* alert tcp ... frame:tls.pdu: the frames of TLS */
		r->app_proto = fproto;
	p->frame_buf = b;
	p->sticky = b;
	p->xf_list = -1;
	p->sticky_used = false;
	return 0;
}


/* The named captures of pc that set variables, as Suricata 7's pcre: (?P<flow_NAME>...) a flow
 * variable, (?P<pkt_NAME>...) a packet variable; other names are plain groups. */
static int
rp_pcre_vars(struct rp *p, const char *kw, struct det_pcre *pc)
{
	uint32_t count = 0, esize = 0;
	PCRE2_SPTR table = NULL;

	if (pcre2_pattern_info(pc->code, PCRE2_INFO_NAMECOUNT, &count) != 0 || count == 0)
		return 0;
	if (pcre2_pattern_info(pc->code, PCRE2_INFO_NAMEENTRYSIZE, &esize) != 0 ||
	    pcre2_pattern_info(pc->code, PCRE2_INFO_NAMETABLE, &table) != 0 || table == NULL)
		return 0;
	for (uint32_t i = 0; i < count; i++) {
		PCRE2_SPTR e = table + (size_t)i * esize;
		const char *name = (const char *)e + 2;
		bool pkt = strncmp(name, "pkt_", 4) == 0;
		struct det_capvar *cv;

		if (!pkt && strncmp(name, "flow_", 5) != 0)
			continue;
		if (name[pkt ? 4 : 5] == '\0')
			return rp_fail(p, SW_E_INVAL, "%s: capture '%s' names no variable", kw, name);
		if (pc->ncap == DET_CAPVAR_MAX)
			return rp_fail(p, SW_E_INVAL, "%s: more than %d variable captures", kw,
			               DET_CAPVAR_MAX);
		cv = realloc(pc->caps, (pc->ncap + 1u) * sizeof(*pc->caps));
		if (cv == NULL)
			return rp_fail(p, SW_E_NOMEM, "out of memory");
		pc->caps = cv;
		cv = &pc->caps[pc->ncap];
		if ((cv->name = strdup(name + (pkt ? 4 : 5))) == NULL)
			return rp_fail(p, SW_E_NOMEM, "out of memory");
		cv->group = (uint16_t)(e[0] << 8 | e[1]);
		cv->pkt = pkt;
		pc->ncap++;
	}
	return 0;
}

/* ---- pcre ---------------------------------------------------------------------------------- */

static int
kw_pcre(struct rp *p, const char *kw, char *v)
{
	/* Suricata's pcre buffer flags, by the name of the buffer they select */
	static const struct {
		char flag;
		const char *buffer;
	} pcre_bufs[] = {
	    {'U', "http.uri"},          {'I', "http.uri.raw"},   {'H', "http.header"},
	    {'D', "http.header.raw"},   {'M', "http.method"},    {'C', "http.cookie"},
	    {'P', "http.request_body"}, {'S', "http.stat_code"}, {'Y', "http.stat_msg"},
	    {'V', "http.user_agent"},   {'W', "http.host"},      {'Z', "http.host"},
	    {'Q', "file.data"},
	};
	uint32_t opts = 0, flags = 0;
	int buffer = -1, errcode, i, b;
	char *slash, *pat, *f;
	PCRE2_SIZE erroff;
	pcre2_code *code;
	struct det_item *it;
	size_t n;

	if (*v == '!') {
		flags |= DET_PCRE_NEGATED;
		v = det_trim(v + 1);
	}
	n = strlen(v);
	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		return rp_fail(p, SW_E_INVAL, "%s: expected \"/pattern/flags\"", kw);
	v[n - 1] = '\0';
	v++;
	if (v[0] != '/' || (slash = strrchr(v, '/')) == v)
		return rp_fail(p, SW_E_INVAL, "%s: expected \"/pattern/flags\"", kw);
	*slash = '\0';
	pat = v + 1;
	for (f = slash + 1; *f != '\0'; f++) {
		switch (*f) {
		case 'i':
			opts |= PCRE2_CASELESS;
			break;
		case 's':
			opts |= PCRE2_DOTALL;
			break;
		case 'm':
			opts |= PCRE2_MULTILINE;
			break;
		case 'x':
			opts |= PCRE2_EXTENDED;
			break;
		case 'A':
			opts |= PCRE2_ANCHORED;
			break;
		case 'E':
			opts |= PCRE2_DOLLAR_ENDONLY;
			break;
		case 'G':
			opts |= PCRE2_UNGREEDY;
			break;
		case 'R':
			flags |= DET_PCRE_RELATIVE;
			break;
		case 'B':
			flags |= DET_PCRE_RAWBYTES;
			break;
		case 'O':
			flags |= DET_PCRE_NOLIMIT;
			break;
		default:
			for (i = 0; i < (int)(sizeof(pcre_bufs) / sizeof(pcre_bufs[0])); i++)
				if (pcre_bufs[i].flag == *f)
					break;
			if (i == (int)(sizeof(pcre_bufs) / sizeof(pcre_bufs[0])))
				return rp_fail(p, SW_E_INVAL, "%s: unknown flag '%c'", kw, *f);
			b = pcre_bufs[i].flag == 'Q' ? RP_BUF_FILE_DATA
			                             : det_buffer_named(pcre_bufs[i].buffer);
			if (buffer >= 0 && buffer != b)
				return rp_fail(p, SW_E_INVAL, "%s: more than one buffer flag", kw);
			buffer = b;
			break;
		}
	}
	/* Q names the response body: file.data's (until the direction is known) or its own */
	if (buffer == RP_BUF_FILE_DATA && p->sticky == det_buffer_named("http.response_body"))
		buffer = p->sticky;
	if (buffer >= 0 && p->sticky != DET_BUF_PAYLOAD && p->sticky != buffer)
		return rp_fail(p, SW_E_INVAL,
		               "%s: a buffer flag cannot be used after the sticky "
		               "buffer %s",
		               kw, rp_buffer_name(p->sticky));
	if (buffer < 0)
		buffer = rp_cur_buffer(p);
	code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &errcode, &erroff, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return rp_fail(p, SW_E_INVAL, "%s: compile error at offset %zu: %s", kw,
		               (size_t)erroff, (char *)msg);
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* the interpreter when it fails */
	if ((it = rp_item_add(p, buffer, DET_ITEM_PCRE)) == NULL) {
		pcre2_code_free(code);
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	}
	it->u.pcre.code = code;
	it->u.pcre.flags = flags;
	if ((it->u.pcre.source = strdup(pat)) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	return rp_pcre_vars(p, kw, &it->u.pcre);
}

/* ---- byte_test, byte_jump, byte_extract, isdataat, bsize, dsize ----------------------------- */

/* The options shared by the byte_* keywords; 1 when opt was not one of them. */
static int
rp_byte_opt(struct rp *p, const char *kw, char *opt, struct det_byte *b, bool *has_base)
{
	if (strcmp(opt, "relative") == 0)
		b->flags |= DET_BYTE_RELATIVE;
	else if (strcmp(opt, "big") == 0)
		b->flags &= ~DET_BYTE_LITTLE;
	else if (strcmp(opt, "little") == 0)
		b->flags |= DET_BYTE_LITTLE;
	else if (strcmp(opt, "string") == 0)
		b->flags |= DET_BYTE_STRING;
	else if (strcmp(opt, "hex") == 0 || strcmp(opt, "dec") == 0 || strcmp(opt, "oct") == 0) {
		if (*has_base)
			return rp_fail(p, SW_E_INVAL, "%s: more than one base", kw);
		*has_base = true;
		b->base = opt[0] == 'h' ? 16 : opt[0] == 'd' ? 10 : 8;
	} else if (strcmp(opt, "dce") == 0) {
		char name[48];

		snprintf(name, sizeof(name), "%s:dce", kw);
		return rp_unsupp(p, name, "dce is not supported");
	} else if (strncmp(opt, "bitmask", 7) == 0 && isspace((unsigned char)opt[7])) {
		uint64_t m;

		if (rp_u64(det_trim(opt + 8), &m) != 0 || m == 0)
			return rp_fail(p, SW_E_INVAL, "%s: bad bitmask '%s'", kw, det_trim(opt + 8));
		b->flags |= DET_BYTE_BITMASK;
		b->bitmask = m;
	} else if (strncmp(opt, "multiplier", 10) == 0 && isspace((unsigned char)opt[10])) {
		int64_t m;

		if (rp_int(det_trim(opt + 11), 1, 65535, &m) != 0)
			return rp_fail(p, SW_E_INVAL, "%s: bad multiplier '%s'", kw,
			               det_trim(opt + 11));
		b->multiplier = (uint32_t)m;
	} else {
		return 1;
	}
	return 0;
}

static int
rp_byte_check(struct rp *p, const char *kw, struct det_byte *b, bool has_base)
{
	if (has_base && !(b->flags & DET_BYTE_STRING))
		return rp_fail(p, SW_E_INVAL, "%s: hex, dec and oct need string", kw);
	if (b->flags & DET_BYTE_STRING) {
		if (!has_base)
			b->base = 10;
		if (b->nbytes > 23)
			return rp_fail(p, SW_E_INVAL, "%s: string conversion of more than 23 bytes",
			               kw);
	} else if (b->nbytes > 8) {
		return rp_fail(p, SW_E_INVAL, "%s: more than 8 bytes without string", kw);
	} else if (b->nbytes == 0) {
		/* with string, 0 reads the digits there are (http.content_len) */
		return rp_fail(p, SW_E_INVAL, "%s: a byte count of 0 needs string", kw);
	}
	return 0;
}

static int
rp_nbytes(struct rp *p, const char *kw, const char *s, struct det_byte *b)
{
	int64_t n;

	if (rp_int(s, 0, 23, &n) != 0)
		return rp_fail(p, SW_E_INVAL, "%s: bad byte count '%s'", kw, s);
	b->nbytes = (uint8_t)n;
	return 0;
}

static int
kw_byte_test(struct rp *p, const char *kw, char *v)
{
	char *a[RP_ARGS_MAX], *op;
	struct det_byte b;
	struct det_item *it;
	bool has_base = false;
	int n, i, r;

	memset(&b, 0, sizeof(b));
	b.var = -1;
	b.multiplier = 1;
	if ((n = rp_split(v, ',', a, RP_ARGS_MAX)) < 4)
		return rp_fail(p, SW_E_INVAL, "%s: expected 'bytes, operator, value, offset'", kw);
	if ((r = rp_nbytes(p, kw, a[0], &b)) != 0)
		return r;
	op = a[1];
	if (*op == '!') {
		b.flags |= DET_BYTE_NEGATED;
		op = det_trim(op + 1);
	}
	if (strcmp(op, "<") == 0)
		b.op = DET_OP_LT;
	else if (strcmp(op, ">") == 0)
		b.op = DET_OP_GT;
	else if (strcmp(op, "<=") == 0)
		b.op = DET_OP_LE;
	else if (strcmp(op, ">=") == 0)
		b.op = DET_OP_GE;
	else if (strcmp(op, "=") == 0 || (*op == '\0' && (b.flags & DET_BYTE_NEGATED)))
		b.op = DET_OP_EQ;
	else if (strcmp(op, "&") == 0)
		b.op = DET_OP_AND;
	else if (strcmp(op, "^") == 0)
		b.op = DET_OP_XOR;
	else
		return rp_fail(p, SW_E_INVAL, "%s: bad operator '%s'", kw, a[1]);
	if (isdigit((unsigned char)a[2][0])) {
		uint64_t val;

		if (rp_u64(a[2], &val) != 0 || val > INT64_MAX)
			return rp_fail(p, SW_E_INVAL, "%s: bad value '%s'", kw, a[2]);
		b.value.v = (int64_t)val;
		b.value.var = -1;
	} else if ((r = rp_value(p, kw, a[2], 0, INT64_MAX, &b.value)) != 0) {
		return r;
	}
	if ((r = rp_value(p, kw, a[3], -65535, 65535, &b.offset)) != 0)
		return r;
	for (i = 4; i < n; i++) {
		if ((r = rp_byte_opt(p, kw, a[i], &b, &has_base)) < 0)
			return r;
		if (r == 1 || strncmp(a[i], "multiplier", 10) == 0)
			return rp_fail(p, SW_E_INVAL, "%s: unknown option '%s'", kw, a[i]);
	}
	if ((r = rp_byte_check(p, kw, &b, has_base)) != 0)
		return r;
	if ((it = rp_item_add(p, rp_cur_buffer(p), DET_ITEM_BYTE_TEST)) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	it->u.byte = b;
	return 0;
}

static int
kw_byte_jump(struct rp *p, const char *kw, char *v)
{
	char *a[RP_ARGS_MAX];
	struct det_byte b;
	struct det_item *it;
	bool has_base = false;
	int n, i, r;

	memset(&b, 0, sizeof(b));
	b.var = -1;
	b.multiplier = 1;
	b.value.var = -1;
	if ((n = rp_split(v, ',', a, RP_ARGS_MAX)) < 2)
		return rp_fail(p, SW_E_INVAL, "%s: expected 'bytes, offset'", kw);
	if ((r = rp_nbytes(p, kw, a[0], &b)) != 0)
		return r;
	if ((r = rp_value(p, kw, a[1], -65535, 65535, &b.offset)) != 0)
		return r;
	for (i = 2; i < n; i++) {
		if ((r = rp_byte_opt(p, kw, a[i], &b, &has_base)) < 0)
			return r;
		if (r == 0)
			continue;
		if (strcmp(a[i], "align") == 0) {
			b.flags |= DET_BYTE_ALIGN;
		} else if (strcmp(a[i], "from_beginning") == 0) {
			b.flags |= DET_BYTE_FROM_BEGIN;
		} else if (strcmp(a[i], "from_end") == 0) {
			b.flags |= DET_BYTE_FROM_END;
		} else if (strncmp(a[i], "post_offset", 11) == 0 &&
		           isspace((unsigned char)a[i][11])) {
			int64_t po;

			if (rp_int(det_trim(a[i] + 12), -65535, 65535, &po) != 0)
				return rp_fail(p, SW_E_INVAL, "%s: bad post_offset '%s'", kw,
				               det_trim(a[i] + 12));
			b.post_offset = (int32_t)po;
		} else {
			return rp_fail(p, SW_E_INVAL, "%s: unknown option '%s'", kw, a[i]);
		}
	}
	if ((b.flags & DET_BYTE_FROM_BEGIN) && (b.flags & DET_BYTE_FROM_END))
		return rp_fail(p, SW_E_INVAL, "%s: from_beginning and from_end together", kw);
	if ((r = rp_byte_check(p, kw, &b, has_base)) != 0)
		return r;
	if ((it = rp_item_add(p, rp_cur_buffer(p), DET_ITEM_BYTE_JUMP)) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	it->u.byte = b;
	return 0;
}

/* A new variable's name (byte_extract, byte_math): 0, or the error. */
static int
rp_var_check(struct rp *p, const char *kw, const char *name)
{
	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		return rp_fail(p, SW_E_INVAL, "%s: bad variable name '%s'", kw, name);
	for (const char *q = name; *q != '\0'; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-' && *q != '.')
			return rp_fail(p, SW_E_INVAL, "%s: bad variable name '%s'", kw, name);
	if (rp_var_find(p, name) >= 0)
		return rp_fail(p, SW_E_INVAL, "%s: variable '%s' defined twice", kw, name);
	if (p->r->nvars >= RP_VARS_MAX)
		return rp_fail(p, SW_E_INVAL, "%s: more than %d variables", kw, RP_VARS_MAX);
	return 0;
}

/* Adds the variable: its index, or a negative error code. */
static int
rp_var_new(struct rp *p, const char *kw, const char *name)
{
	int r;

	if ((r = rp_var_check(p, kw, name)) != 0)
		return r;
	if ((p->varnames[p->r->nvars] = strdup(name)) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	return p->r->nvars++;
}

static int
kw_byte_extract(struct rp *p, const char *kw, char *v)
{
	char *a[RP_ARGS_MAX], *name;
	struct det_byte b;
	struct det_item *it;
	bool has_base = false;
	int n, i, r;
	int64_t off;

	memset(&b, 0, sizeof(b));
	b.multiplier = 1;
	b.value.var = b.offset.var = -1;
	if ((n = rp_split(v, ',', a, RP_ARGS_MAX)) < 3)
		return rp_fail(p, SW_E_INVAL, "%s: expected 'bytes, offset, name'", kw);
	if ((r = rp_nbytes(p, kw, a[0], &b)) != 0)
		return r;
	if (rp_int(a[1], -65535, 65535, &off) != 0)
		return rp_fail(p, SW_E_INVAL, "%s: bad offset '%s'", kw, a[1]);
	b.offset.v = off;
	name = a[2];
	if ((r = rp_var_check(p, kw, name)) != 0)
		return r;
	for (i = 3; i < n; i++) {
		if ((r = rp_byte_opt(p, kw, a[i], &b, &has_base)) < 0)
			return r;
		if (r == 0)
			continue;
		if (strncmp(a[i], "align", 5) == 0 && isspace((unsigned char)a[i][5])) {
			char *al = det_trim(a[i] + 6);

			if (strcmp(al, "2") != 0 && strcmp(al, "4") != 0)
				return rp_fail(p, SW_E_INVAL, "%s: align must be 2 or 4", kw);
			if (al[0] == '2')
				return rp_unsupp(p, "byte_extract:align 2",
				                 "align 2 is not "
				                 "supported");
			b.flags |= DET_BYTE_ALIGN;
		} else {
			return rp_fail(p, SW_E_INVAL, "%s: unknown option '%s'", kw, a[i]);
		}
	}
	if ((r = rp_byte_check(p, kw, &b, has_base)) != 0)
		return r;
	if ((r = rp_var_new(p, kw, name)) < 0)
		return r;
	b.var = (int8_t)r;
	if ((it = rp_item_add(p, rp_cur_buffer(p), DET_ITEM_BYTE_EXTRACT)) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	it->u.byte = b;
	return 0;
}

/*
 * byte_math:bytes N, offset N, oper OP, rvalue V, result NAME[, relative][, endian big|little]
 * [, string hex|dec|oct][, dce][, bitmask M] (Suricata 7; the options in any order): reads the
 * number as byte_extract does, applies the bitmask, computes number OP rvalue (+ - * / << >>;
 * rvalue a number or a variable) and stores it in NAME for the keywords after it.
 */
static int
kw_byte_math(struct rp *p, const char *kw, char *v)
{
	static const char *const ops[] = {"+", "-", "*", "/", "<<", ">>"};
	char *a[RP_ARGS_MAX], *name = NULL;
	struct det_byte b;
	struct det_item *it;
	bool has_base = false, has_bytes = false, has_off = false, has_op = false, has_rv = false;
	int n, i, r;

	memset(&b, 0, sizeof(b));
	b.multiplier = 1;
	b.value.var = b.offset.var = -1;
	if ((n = rp_split(v, ',', a, RP_ARGS_MAX)) < 5)
		return rp_fail(p, SW_E_INVAL,
		               "%s: expected 'bytes N, offset N, oper OP, rvalue V, result NAME'", kw);
	for (i = 0; i < n; i++) {
		size_t kl = strcspn(a[i], " \t");
		char *val = det_trim(a[i] + kl);

		a[i][kl] = '\0';
		if (strcmp(a[i], "bytes") == 0 && !has_bytes) {
			int64_t nb;

			if (rp_int(val, 1, 10, &nb) != 0)
				return rp_fail(p, SW_E_INVAL, "%s: bad byte count '%s' (1 to 10)", kw, val);
			b.nbytes = (uint8_t)nb;
			has_bytes = true;
		} else if (strcmp(a[i], "offset") == 0 && !has_off) {
			if ((r = rp_value(p, kw, val, -65535, 65535, &b.offset)) != 0)
				return r;
			has_off = true;
		} else if (strcmp(a[i], "oper") == 0 && !has_op) {
			size_t o;

			for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
				if (strcmp(ops[o], val) == 0)
					break;
			if (o == sizeof(ops) / sizeof(ops[0]))
				return rp_fail(p, SW_E_INVAL, "%s: bad operator '%s' (+ - * / << >>)", kw,
				               val);
			b.op = (uint8_t)o;
			has_op = true;
		} else if (strcmp(a[i], "rvalue") == 0 && !has_rv) {
			if ((r = rp_value(p, kw, val, 0, UINT32_MAX, &b.value)) != 0)
				return r;
			has_rv = true;
		} else if (strcmp(a[i], "result") == 0 && name == NULL) {
			name = val;
		} else if (strcmp(a[i], "relative") == 0 && *val == '\0') {
			b.flags |= DET_BYTE_RELATIVE;
		} else if (strcmp(a[i], "endian") == 0 &&
		           (strcmp(val, "big") == 0 || strcmp(val, "little") == 0)) {
			if (val[0] == 'l')
				b.flags |= DET_BYTE_LITTLE;
		} else if (strcmp(a[i], "string") == 0 && *val != '\0') {
			if ((r = rp_byte_opt(p, kw, val, &b, &has_base)) != 0 || b.base == 0)
				return r < 0 ? r
				             : rp_fail(p, SW_E_INVAL, "%s: string takes hex, dec or oct",
				                       kw);
			b.flags |= DET_BYTE_STRING;
		} else if ((strcmp(a[i], "dce") == 0 && *val == '\0') ||
		           (strcmp(a[i], "bitmask") == 0 && *val != '\0')) {
			a[i][kl] = *val != '\0' ? ' ' : '\0'; /* rp_byte_opt's "bitmask M", "dce" */
			if ((r = rp_byte_opt(p, kw, a[i], &b, &has_base)) != 0)
				return r;
		} else {
			return rp_fail(p, SW_E_INVAL, "%s: unknown or repeated option '%s'", kw, a[i]);
		}
	}
	if (!has_bytes || !has_off || !has_op || !has_rv || name == NULL || *name == '\0')
		return rp_fail(p, SW_E_INVAL, "%s: bytes, offset, oper, rvalue and result are needed",
		               kw);
	if (b.nbytes > 4 && !(b.flags & DET_BYTE_STRING))
		return rp_fail(p, SW_E_INVAL, "%s: more than 4 bytes without string", kw);
	if ((r = rp_var_new(p, kw, name)) < 0)
		return r;
	b.var = (int8_t)r;
	if ((it = rp_item_add(p, rp_cur_buffer(p), DET_ITEM_BYTE_MATH)) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	it->u.byte = b;
	return 0;
}

static int
kw_isdataat(struct rp *p, const char *kw, char *v)
{
	char *a[4];
	struct det_isdataat d;
	struct det_item *it;
	int n, i, r;

	memset(&d, 0, sizeof(d));
	if ((n = rp_split(v, ',', a, 4)) < 1)
		return rp_fail(p, SW_E_INVAL, "%s: bad value", kw);
	if (a[0][0] == '!') {
		d.flags |= DET_ISDATAAT_NEGATED;
		a[0] = det_trim(a[0] + 1);
	}
	if ((r = rp_value(p, kw, a[0], 0, 65535, &d.at)) != 0)
		return r;
	for (i = 1; i < n; i++) {
		if (strcmp(a[i], "relative") == 0)
			d.flags |= DET_ISDATAAT_RELATIVE;
		else if (strcmp(a[i], "rawbytes") != 0)
			return rp_fail(p, SW_E_INVAL, "%s: unknown option '%s'", kw, a[i]);
	}
	if ((it = rp_item_add(p, rp_cur_buffer(p), DET_ITEM_ISDATAAT)) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	it->u.isdataat = d;
	return 0;
}

/* "N", "<N", ">N", "<=N", ">=N", "!N", "N<>M" (exclusive), "N-M" (inclusive). */
static int
rp_size(struct rp *p, const char *kw, char *v, struct det_size *out)
{
	struct det_size s = {0, UINT32_MAX, false};
	int64_t a, b;
	char *sep;

	if (v[0] == '<' || v[0] == '>') {
		bool lt = v[0] == '<', eq = v[1] == '=';

		if (rp_int(det_trim(v + (eq ? 2 : 1)), 0, UINT32_MAX, &a) != 0)
			goto bad;
		if (lt) {
			if (!eq && a == 0)
				return rp_fail(p, SW_E_INVAL, "%s: '%s' matches nothing", kw, v);
			s.hi = (uint32_t)(eq ? a : a - 1);
		} else {
			if (!eq && a == UINT32_MAX)
				return rp_fail(p, SW_E_INVAL, "%s: '%s' matches nothing", kw, v);
			s.lo = (uint32_t)(eq ? a : a + 1);
		}
	} else if (v[0] == '!') {
		if (rp_int(det_trim(v + 1), 0, UINT32_MAX, &a) != 0)
			goto bad;
		s.lo = s.hi = (uint32_t)a;
		s.negated = true;
	} else if ((sep = strstr(v, "<>")) != NULL) {
		*sep = '\0';
		if (rp_int(det_trim(v), 0, UINT32_MAX, &a) != 0 ||
		    rp_int(det_trim(sep + 2), 0, UINT32_MAX, &b) != 0) {
			*sep = '<';
			goto bad;
		}
		if (b - a < 2)
			return rp_fail(p, SW_E_INVAL, "%s: %lld<>%lld matches nothing", kw,
			               (long long)a, (long long)b);
		s.lo = (uint32_t)(a + 1);
		s.hi = (uint32_t)(b - 1);
	} else if ((sep = strchr(v, '-')) != NULL && sep != v) {
		*sep = '\0';
		if (rp_int(det_trim(v), 0, UINT32_MAX, &a) != 0 ||
		    rp_int(det_trim(sep + 1), 0, UINT32_MAX, &b) != 0) {
			*sep = '-';
			goto bad;
		}
		if (a > b)
			return rp_fail(p, SW_E_INVAL, "%s: range %lld-%lld is reversed", kw,
			               (long long)a, (long long)b);
		s.lo = (uint32_t)a;
		s.hi = (uint32_t)b;
	} else {
		if (rp_int(v, 0, UINT32_MAX, &a) != 0)
			goto bad;
		s.lo = s.hi = (uint32_t)a;
	}
	*out = s;
	return 0;
bad:
	return rp_fail(p, SW_E_INVAL, "%s: bad value '%s'", kw, v);
}

static int
kw_bsize(struct rp *p, const char *kw, char *v)
{
	struct det_size s;
	struct det_item *it;
	int r;

	if (p->sticky == DET_BUF_PAYLOAD)
		return rp_fail(p, SW_E_INVAL, "%s: needs a sticky buffer before it", kw);
	if ((r = rp_size(p, kw, v, &s)) != 0)
		return r;
	if ((it = rp_item_add(p, p->sticky, DET_ITEM_BSIZE)) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	it->u.bsize = s;
	return 0;
}

/* dataset:<cmd>,<name>[, ...] and datarep:<name>,<op>,<value>[, ...] (detect_dataset.c): the
 * sticky buffer (after its transforms) looked up whole in a set the engine finds or makes. */
static int
kw_dataset(struct rp *p, const char *kw, char *v)
{
	struct det_dsref d;
	struct det_item *it;
	int r;

	if (p->sticky == DET_BUF_PAYLOAD)
		return rp_fail(p, SW_E_INVAL, "%s: needs a sticky buffer before it", kw);
	if (p->sticky == RP_BUF_B64)
		return rp_fail(p, SW_E_INVAL, "%s: not on base64_data", kw);
	r = kw[4] == 'r' ? det_datarep_parse(&d, v, p->err->reason, sizeof(p->err->reason))
	                 : det_dataset_parse(&d, v, p->err->reason, sizeof(p->err->reason));
	if (r == SW_E_UNSUPP) {
		det_dsref_free(&d);
		return rp_unsupp(p, "dataset:format",
		                 "dataset: JSON sets (format, enrichment_key, value_key, array_key, "
		                 "remove_key) are Suricata 8's");
	}
	if (r != 0) {
		det_dsref_free(&d);
		return r == SW_E_NOMEM ? rp_fail(p, SW_E_NOMEM, "out of memory") : r;
	}
	if ((it = rp_item_add(p, p->sticky, DET_ITEM_DATASET)) == NULL) {
		det_dsref_free(&d);
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	}
	it->u.ds = d;
	return 0;
}

static int
kw_dsize(struct rp *p, const char *kw, char *v)
{
	if (p->r->has_dsize)
		return rp_fail(p, SW_E_INVAL, "%s: set twice", kw);
	p->r->has_dsize = true;
	return rp_size(p, kw, v, &p->r->dsize);
}

/* ---- flow, flowbits, flags, threshold ------------------------------------------------------ */

static int
kw_flow(struct rp *p, const char *kw, char *v)
{
	static const struct {
		const char *name;
		uint32_t flag;
	} opts[] = {
	    {"established", DET_FLOW_ESTABLISHED}, {"not_established", DET_FLOW_NOT_ESTABLISHED},
	    {"stateless", DET_FLOW_STATELESS},     {"to_server", DET_FLOW_TO_SERVER},
	    {"from_client", DET_FLOW_TO_SERVER},   {"to_client", DET_FLOW_TO_CLIENT},
	    {"from_server", DET_FLOW_TO_CLIENT},   {"only_stream", DET_FLOW_ONLY_STREAM},
	    {"no_stream", DET_FLOW_NO_STREAM},
	};
	char *a[12];
	uint32_t f = 0;
	int n, i;
	size_t k;

	if (p->has_flow)
		return rp_fail(p, SW_E_INVAL, "%s: used twice", kw);
	p->has_flow = true;
	if ((n = rp_split(v, ',', a, 12)) < 1)
		return rp_fail(p, SW_E_INVAL, "%s: too many options", kw);
	for (i = 0; i < n; i++) {
		if (strcmp(a[i], "no_frag") == 0 || strcmp(a[i], "only_frag") == 0) {
			char name[48];
			int rc;

			snprintf(name, sizeof(name), "flow:%s", a[i]);
			if ((rc = det_kw_parse(p->r, name, NULL, p->err)) != 0)
				return rc;
			continue;
		}
		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (strcmp(a[i], opts[k].name) == 0)
				break;
		if (k == sizeof(opts) / sizeof(opts[0]))
			return rp_fail(p, SW_E_INVAL, "%s: unknown option '%s'", kw, a[i]);
		if (f & opts[k].flag)
			return rp_fail(p, SW_E_INVAL, "%s: '%s' given twice", kw, a[i]);
		f |= opts[k].flag;
	}
	if ((f & DET_FLOW_TO_SERVER) && (f & DET_FLOW_TO_CLIENT))
		return rp_fail(p, SW_E_INVAL, "%s: to_server and to_client together", kw);
	if (__builtin_popcount(
	        f & (DET_FLOW_ESTABLISHED | DET_FLOW_NOT_ESTABLISHED | DET_FLOW_STATELESS)) > 1)
		return rp_fail(p, SW_E_INVAL,
		               "%s: established, not_established and stateless exclude each other",
		               kw);
	if ((f & DET_FLOW_ONLY_STREAM) && (f & DET_FLOW_NO_STREAM))
		return rp_fail(p, SW_E_INVAL, "%s: only_stream and no_stream together", kw);
	p->r->flow |= f;
	return 0;
}

bool
det_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return false;
	return true;
}

/* A flowbit name as Suricata 7 takes it: anything but blanks (and our list separators); e.g.
 * "traffic/id/NAME", which its EVE output logs under "traffic". */
static bool
flowbit_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s) || *s == ',' || *s == '|' || *s == '&')
			return false;
	return true;
}

static int
kw_flowbits(struct rp *p, const char *kw, char *v)
{
	static const char *const ops[] = {"set", "isset", "isnotset", "unset", "toggle"};
	struct det_flowbit fb, *nf;
	char *a[3], *names, *tok, *save = NULL;
	int n, op, r;
	char sep = 0;

	if (v == NULL)
		return rp_fail(p, SW_E_INVAL, "%s: missing value", kw);
	if ((n = rp_split(v, ',', a, 3)) < 1 || n > 2)
		return rp_fail(p, SW_E_INVAL, "%s: expected 'command[,name]'", kw);
	if (n == 1) {
		if (strcmp(a[0], "noalert") == 0) {
			p->r->noalert = true;
			return 0;
		}
		return rp_fail(p, SW_E_INVAL, "%s: '%s' needs a name", kw, a[0]);
	}
	for (op = 0; op < 5; op++)
		if (strcmp(a[0], ops[op]) == 0)
			break;
	if (op == 5)
		return rp_fail(p, SW_E_INVAL, "%s: unknown command '%s'", kw, a[0]);
	names = a[1];
	if (strchr(names, '|') != NULL)
		sep = '|';
	if (strchr(names, '&') != NULL) {
		if (sep != 0)
			return rp_fail(p, SW_E_INVAL, "%s: cannot mix '|' and '&'", kw);
		sep = '&';
	}
	if (sep == '|' && op != DET_FB_ISSET && op != DET_FB_ISNOTSET)
		return rp_fail(p, SW_E_INVAL, "%s: '|' lists are for isset and isnotset", kw);
	memset(&fb, 0, sizeof(fb));
	fb.op = (uint8_t)op;
	fb.any = sep == '|';
	{
		char delim[2] = {sep ? sep : ',', '\0'};

		for (tok = strtok_r(names, delim, &save); tok != NULL;
		     tok = strtok_r(NULL, delim, &save)) {
			tok = det_trim(tok);
			if (!flowbit_name_ok(tok)) {
				r = rp_fail(p, SW_E_INVAL, "%s: bad name '%s'", kw, tok);
				goto fail;
			}
			if ((r = rp_strv_add(p, &fb.names, &fb.n, tok)) != 0)
				goto fail;
		}
	}
	if (fb.n == 0) {
		r = rp_fail(p, SW_E_INVAL, "%s: missing name", kw);
		goto fail;
	}
	if ((nf = realloc(p->r->flowbits, (p->r->nflowbits + 1) * sizeof(*nf))) == NULL) {
		r = rp_fail(p, SW_E_NOMEM, "out of memory");
		goto fail;
	}
	p->r->flowbits = nf;
	nf[p->r->nflowbits++] = fb;
	return 0;
fail:
	rp_strv_free(fb.names, fb.n);
	return r;
}

static int
rp_flag_bit(char c)
{
	switch (c) {
	case 'F':
		return SW_TH_FIN;
	case 'S':
		return SW_TH_SYN;
	case 'R':
		return SW_TH_RST;
	case 'P':
		return SW_TH_PSH;
	case 'A':
		return SW_TH_ACK;
	case 'U':
		return SW_TH_URG;
	case 'C':
	case '1':
		return SW_TH_CWR;
	case 'E':
	case '2':
		return SW_TH_ECE;
	default:
		return -1;
	}
}

static int
kw_flags(struct rp *p, const char *kw, char *v)
{
	char *a[3], *s;
	uint8_t flags = 0, ignore = 0;
	int mode = DET_FLAGS_EXACT, n, bit;
	bool zero = false;

	if (p->r->has_flags)
		return rp_fail(p, SW_E_INVAL, "%s: set twice", kw);
	if ((n = rp_split(v, ',', a, 3)) < 1 || n > 2 || a[0][0] == '\0')
		return rp_fail(p, SW_E_INVAL, "%s: expected '[+*!]FLAGS[,IGNORED]'", kw);
	for (s = a[0]; *s != '\0'; s++) {
		char c = (char)toupper((unsigned char)*s);

		if (c == '+' || c == '*' || c == '!') {
			int m = c == '+' ? DET_FLAGS_ALL : c == '*' ? DET_FLAGS_ANY : DET_FLAGS_NOT;

			if (mode != DET_FLAGS_EXACT)
				return rp_fail(p, SW_E_INVAL, "%s: more than one modifier", kw);
			mode = m;
		} else if (c == '0') {
			zero = true;
		} else if (c == ' ') {
			continue;
		} else if ((bit = rp_flag_bit(c)) >= 0) {
			flags |= (uint8_t)bit;
		} else {
			return rp_fail(p, SW_E_INVAL, "%s: unknown flag '%c'", kw, *s);
		}
	}
	if (zero && (flags != 0 || mode != DET_FLAGS_EXACT))
		return rp_fail(p, SW_E_INVAL, "%s: 0 cannot be combined with flags or modifiers",
		               kw);
	if (!zero && flags == 0)
		return rp_fail(p, SW_E_INVAL, "%s: no flags", kw);
	if (n == 2) {
		for (s = a[1]; *s != '\0'; s++) {
			if (*s == ' ')
				continue;
			if ((bit = rp_flag_bit((char)toupper((unsigned char)*s))) < 0)
				return rp_fail(p, SW_E_INVAL,
				               "%s: unknown flag '%c' in the ignore "
				               "list",
				               kw, *s);
			ignore |= (uint8_t)bit;
		}
	}
	p->r->has_flags = true;
	p->r->flags = flags;
	p->r->flags_mask = (uint8_t)~ignore;
	p->r->flags_mode = (uint8_t)mode;
	return 0;
}

static int
rp_threshold(struct rp *p, const char *kw, char *v, struct det_threshold *th, bool is_df)
{
	char *a[8];
	int n, i;
	bool has_type = false, has_track = false, has_count = false, has_secs = false;

	if ((n = rp_split(v, ',', a, 8)) < 1)
		return rp_fail(p, SW_E_INVAL, "%s: too many options", kw);
	memset(th, 0, sizeof(*th));
	for (i = 0; i < n; i++) {
		char *key = a[i], *val = a[i];
		int64_t num;

		while (*val != '\0' && !isspace((unsigned char)*val))
			val++;
		if (*val != '\0')
			*val++ = '\0';
		val = det_trim(val);
		if (strcmp(key, "type") == 0 && !is_df && !has_type) {
			has_type = true;
			if (strcmp(val, "limit") == 0)
				th->type = DET_TH_LIMIT;
			else if (strcmp(val, "threshold") == 0)
				th->type = DET_TH_THRESHOLD;
			else if (strcmp(val, "both") == 0)
				th->type = DET_TH_BOTH;
			else
				return rp_fail(p, SW_E_INVAL, "%s: unknown type '%s'", kw, val);
		} else if (strcmp(key, "track") == 0 && !has_track) {
			has_track = true;
			if (strcmp(val, "by_src") == 0)
				th->track = DET_TRACK_SRC;
			else if (strcmp(val, "by_dst") == 0)
				th->track = DET_TRACK_DST;
			else if (strcmp(val, "by_both") == 0)
				th->track = DET_TRACK_BOTH;
			else if (strcmp(val, "by_rule") == 0)
				th->track = DET_TRACK_RULE;
			else if (strcmp(val, "by_flow") == 0)
				th->track = DET_TRACK_FLOW;
			else
				return rp_fail(p, SW_E_INVAL, "%s: unknown track '%s'", kw, val);
		} else if (strcmp(key, "count") == 0 && !has_count) {
			has_count = true;
			if (rp_int(val, 1, UINT32_MAX, &num) != 0)
				return rp_fail(p, SW_E_INVAL, "%s: bad count '%s'", kw, val);
			th->count = (uint32_t)num;
		} else if (strcmp(key, "seconds") == 0 && !has_secs) {
			has_secs = true;
			if (rp_int(val, 1, UINT32_MAX, &num) != 0)
				return rp_fail(p, SW_E_INVAL, "%s: bad seconds '%s'", kw, val);
			th->seconds = (uint32_t)num;
		} else {
			return rp_fail(p, SW_E_INVAL, "%s: unexpected '%s'", kw, key);
		}
	}
	if (!is_df && !has_type)
		return rp_fail(p, SW_E_INVAL, "%s: missing type", kw);
	if (!has_track)
		return rp_fail(p, SW_E_INVAL, "%s: missing track", kw);
	if (!has_count)
		return rp_fail(p, SW_E_INVAL, "%s: missing count", kw);
	if (!has_secs)
		return rp_fail(p, SW_E_INVAL, "%s: missing seconds", kw);
	if (is_df)
		th->type = DET_TH_DETECTION_FILTER;
	th->set = true;
	return 0;
}

static int
kw_threshold(struct rp *p, const char *kw, char *v)
{
	if (p->has_threshold)
		return rp_fail(p, SW_E_INVAL, "%s: set twice", kw);
	p->has_threshold = true;
	return rp_threshold(p, kw, v, &p->r->threshold, false);
}

static int
kw_detection_filter(struct rp *p, const char *kw, char *v)
{
	if (p->has_df)
		return rp_fail(p, SW_E_INVAL, "%s: set twice", kw);
	p->has_df = true;
	return rp_threshold(p, kw, v, &p->r->detection_filter, true);
}

static int
kw_noalert(struct rp *p, const char *kw, char *v)
{
	(void)kw;
	(void)v;
	p->r->noalert = true;
	return 0;
}

static int
kw_app_layer_protocol(struct rp *p, const char *kw, char *v)
{
	int code = 0;

	if (p->r->alproto != NULL)
		return rp_fail(p, SW_E_INVAL, "%s: set twice", kw);
	if (*v == '!') {
		p->r->alproto_negated = true;
		v = det_trim(v + 1);
	}
	if (!det_name_ok(v))
		return rp_fail(p, SW_E_INVAL, "%s: bad protocol '%s'", kw, v);
	if ((p->r->alproto = rp_strdup(p, v, &code)) == NULL)
		return code;
	for (char *q = p->r->alproto; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	return 0;
}

/* name is "layer.event" as our stages name them; the rule may drop the "layer." part when that
 * leaves no doubt. 1 exact, 2 suffix, 0 no match. */
static int
rp_event_match(const char *full, const char *name)
{
	const char *dot;

	if (strcmp(full, "none") == 0 || strcmp(full, "unknown") == 0)
		return 0;
	if (strcasecmp(full, name) == 0)
		return 1;
	if ((dot = strchr(full, '.')) != NULL && strcasecmp(dot + 1, name) == 0)
		return 2;
	return 0;
}

static int
kw_event(struct rp *p, const char *kw, char *v)
{
	int kind, id = -1, k, i, m, nsuffix = 0, skind = -1, sid = -1;
	bool stream = strcmp(kw, "stream-event") == 0;

	if (p->r->event_kind >= 0)
		return rp_fail(p, SW_E_INVAL, "%s: only one event per rule", kw);
	for (k = 0; k < DETECT_EVENT_MAX && id < 0; k++) {
		int max;
		const char *(*fn)(int);

		if (stream != (k == DETECT_EVENT_STREAM) || k == DETECT_EVENT_APP)
			continue;
		switch (k) {
		case DETECT_EVENT_DECODE:
			max = DECODE_EV_MAX;
			fn = decode_event_name;
			break;
		case DETECT_EVENT_DEFRAG:
			max = DEFRAG_EV_MAX;
			fn = defrag_event_name;
			break;
		default:
			max = STREAM_EV_MAX;
			fn = stream_event_name;
			break;
		}
		for (i = 1; i < max; i++) {
			if ((m = rp_event_match(fn(i), v)) == 1) {
				kind = k;
				id = i;
				break;
			}
			if (m == 2) {
				nsuffix++;
				skind = k;
				sid = i;
			}
		}
		if (id >= 0)
			break;
	}
	if (id < 0) {
		if (nsuffix > 1)
			return rp_fail(p, SW_E_INVAL, "%s: '%s' is ambiguous, name the layer", kw,
			               v);
		if (nsuffix == 0)
			return rp_fail(p, SW_E_INVAL, "%s: unknown event '%s'", kw, v);
		kind = skind;
		id = sid;
	}
	p->r->event_kind = kind;
	p->r->event_id = id;
	return 0;
}

/* engine-event:decoder.NAME / stream.NAME (Suricata 7): the full name of a decode-event or
 * stream-event, the layer prefix included (decode-event:X is engine-event:decoder.X). */
static int
kw_engine_event(struct rp *p, const char *kw, char *v)
{
	v = det_trim(v);
	if (strncasecmp(v, "decoder.", 8) == 0)
		return kw_event(p, "decode-event", det_trim(v + 8));
	if (strncasecmp(v, "stream.", 7) == 0)
		return kw_event(p, "stream-event", det_trim(v + 7));
	return rp_fail(p, SW_E_INVAL, "%s: expected decoder.NAME or stream.NAME, got '%.60s'", kw,
	               v);
}

/* The keywords of detect_kw.c. */
static int
kw_other(struct rp *p, const char *kw, char *v)
{
	int rc = det_kw_parse(p->r, kw, v, p->err);

	/* lua: the sticky buffer before it, args["buffer"] of a script that needs it (-1: one
	 * that is not a buffer yet: file.data before its direction, base64_data) */
	if (rc == 0 && (strcmp(kw, "lua") == 0 || strcmp(kw, "luajit") == 0))
		p->r->kws[p->r->nkws - 1].id2 = p->sticky >= 0 && p->sticky < DET_BUF_MAX ? p->sticky : -1;
	return rc;
}

/* base64_decode:[bytes N][, offset N][, relative] on the current buffer; base64_data then
 * points the matches after it at what it decoded. */
static int
kw_base64_decode(struct rp *p, const char *kw, char *v)
{
	struct det_base64 b = {0, 0, false, NULL};
	struct det_item *it;
	char *a[RP_ARGS_MAX];
	int n = v != NULL ? rp_split(v, ',', a, RP_ARGS_MAX) : 0;

	if (p->sticky == RP_BUF_B64)
		return rp_fail(p, SW_E_INVAL, "%s: not on base64_data", kw);
	for (int i = 0; i < n; i++) {
		int64_t x;

		if (strcmp(a[i], "relative") == 0) {
			b.relative = true;
		} else if (strncmp(a[i], "bytes", 5) == 0 && isspace((unsigned char)a[i][5])) {
			if (rp_int(det_trim(a[i] + 6), 1, UINT32_MAX, &x) != 0)
				return rp_fail(p, SW_E_INVAL, "%s: bad bytes '%s'", kw,
				               det_trim(a[i] + 6));
			b.bytes = (uint32_t)x;
		} else if (strncmp(a[i], "offset", 6) == 0 && isspace((unsigned char)a[i][6])) {
			if (rp_int(det_trim(a[i] + 7), 0, UINT32_MAX, &x) != 0)
				return rp_fail(p, SW_E_INVAL, "%s: bad offset '%s'", kw,
				               det_trim(a[i] + 7));
			b.offset = (uint32_t)x;
		} else if (*a[i] != '\0') {
			return rp_fail(p, SW_E_INVAL, "%s: unknown option '%s'", kw, a[i]);
		}
	}
	if ((b.data = calloc(1, sizeof(*b.data))) == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	b.data->buffer = RP_BUF_B64;
	if ((it = rp_item_add(p, rp_cur_buffer(p), DET_ITEM_BASE64)) == NULL) {
		free(b.data);
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	}
	it->u.b64 = b;
	p->b64 = b.data;
	return 0;
}

static int
kw_base64_data(struct rp *p, const char *kw, char *v)
{
	(void)v;
	if (p->b64 == NULL)
		return rp_fail(p, SW_E_INVAL, "%s: no base64_decode before it", kw);
	p->sticky = RP_BUF_B64;
	p->xf_list = -1;
	p->sticky_used = false;
	return 0;
}

/* urilen:N, <N, >N, <=N, >=N, !N, N<>M, N-M (Suricata 7's integer forms, as bsize reads them),
 * then ,raw or ,norm: the length of the normalized (default) or raw URI, as a bsize of that
 * buffer's (untransformed) list. */
static int
kw_urilen(struct rp *p, const char *kw, char *v)
{
	struct det_size sz;
	struct det_item *it;
	char *comma = strchr(v, ','), num[64];
	const char *which = "http.uri";
	size_t o = 0;
	int r, saved_xf = p->xf_list;

	if (comma != NULL) {
		char *opt = det_trim(comma + 1);

		*comma = '\0';
		if (strcmp(opt, "raw") == 0)
			which = "http.uri.raw";
		else if (strcmp(opt, "norm") != 0)
			return rp_fail(p, SW_E_INVAL, "%s: unknown option '%s' (raw or norm)", kw,
			               opt);
	}
	/* "> 80" as ET writes it */
	for (const char *q = det_trim(v); *q != '\0' && o + 1 < sizeof(num); q++)
		if (!isspace((unsigned char)*q))
			num[o++] = *q;
	num[o] = '\0';
	if (o == 0)
		return rp_fail(p, SW_E_INVAL, "%s: missing value", kw);
	if ((r = rp_size(p, kw, num, &sz)) != 0)
		return r;
	p->xf_list = -1; /* not the transformed list of a sticky http.uri */
	it = rp_item_add(p, det_buffer_named(which), DET_ITEM_BSIZE);
	p->xf_list = saved_xf;
	if (it == NULL)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	it->u.bsize = sz;
	return 0;
}

/* app-layer-event:NAME: an anomaly an app-layer parser raised in the flow ("http.te_and_cl"), by
 * our parsers' names. Other names (Suricata's events that no parser of ours raises) are skipped. */
static int
kw_app_event(struct rp *p, const char *kw, char *v)
{
	int id;

	if (p->r->event_kind >= 0)
		return rp_fail(p, SW_E_INVAL, "%s: only one event per rule", kw);
	if (strchr(v, ' ') != NULL || strchr(v, ',') != NULL)
		return rp_fail(p, SW_E_INVAL, "%s: expected one event name, not '%s'", kw, v);
	/* Suricata's own names (applayer_mismatch_protocol_both_directions, smtp.*) are skipped */
	if ((id = app_event_find(v)) < 0) {
		char reason[160];

		snprintf(reason, sizeof(reason), "%s: event '%.80s' is not raised by our parsers",
		         kw, v);
		return rp_unsupp(p, kw, reason);
	}
	p->r->event_kind = DETECT_EVENT_APP;
	p->r->event_id = id;
	return 0;
}

/* ---- prefilter, requires, config (Suricata 7) ------------------------------------------------ */

/* Keywords that add no match of their own (content modifiers, meta, sticky buffers): prefilter
 * after them applies to the match before them. */
static void
rp_note_match(struct rp *p, const char *name)
{
	static const char *const none[] = {
	    "nocase", "depth", "offset", "distance", "within", "fast_pattern", "rawbytes",
	    "startswith", "endswith", "msg", "sid", "rev", "gid", "classtype", "priority",
	    "reference", "metadata", "target", "prefilter", "requires", "noalert", NULL,
	};

	for (int i = 0; none[i] != NULL; i++)
		if (strcmp(none[i], name) == 0)
			return;
	if (rp_sticky_find(name) >= 0 || det_buffer_by_modifier(name) >= 0)
		return;
	p->prev_match = strcmp(name, "content") == 0 || strcmp(name, "uricontent") == 0
	                    ? "content"
	                    : "other";
}

/* prefilter: after a content it is fast_pattern (Suricata 7); after another keyword it picks
 * that keyword's prefilter engine, which changes no result: accepted with no effect. */
static int
kw_prefilter(struct rp *p, const char *kw, char *v)
{
	(void)v;
	if (p->prev_match == NULL)
		return rp_fail(p, SW_E_INVAL, "%s: needs a match before it", kw);
	if (strcmp(p->prev_match, "content") == 0)
		return kw_fast_pattern(p, kw, NULL);
	return 0;
}

/* bypass (Suricata 7, IDS mode: local bypass): once the rule matches, the flow's later packets
 * go through no stream, app-layer or rule inspection. */
static int
kw_bypass(struct rp *p, const char *kw, char *v)
{
	(void)kw;
	(void)v;
	p->r->bypass = true;
	return 0;
}

/* requires: checked by det_requires_prescan before the rule was parsed; here only a second
 * requires option, or a malformed one, is left. */
static int
kw_requires(struct rp *p, const char *kw, char *v)
{
	char why[160];
	int q = det_requires_eval(v, why, sizeof(why));

	if (q == -2)
		return rp_fail(p, SW_E_NOMEM, "out of memory");
	if (q < 0)
		return rp_fail(p, SW_E_INVAL, "%s", why);
	return q == 0 ? rp_unsupp(p, kw, why) : 0;
}

/* config: logging disable, type tx|flow, scope tx|flow (Suricata 7): turns off the app-layer
 * logging of the transaction or flow. Our app loggers do not consult the rule engine, so a
 * rule with it is skipped with that reason (after its syntax is checked). */
static int
kw_config(struct rp *p, const char *kw, char *v)
{
	char *a[4];
	int n = rp_split(v, ',', a, 4);

	if (n != 3 || strcmp(a[0], "logging disable") != 0 || strncmp(a[1], "type ", 5) != 0 ||
	    strncmp(a[2], "scope ", 6) != 0)
		return rp_fail(p, SW_E_INVAL,
		               "%s: expected 'logging disable, type tx|flow, scope tx|flow'", kw);
	return rp_unsupp(p, kw,
	                 "config: disabling a transaction's or flow's logging needs the app-layer "
	                 "loggers to ask the rule engine, which they do not");
}

/* ---- the keyword table --------------------------------------------------------------------- */

enum rp_value_rule {
	RP_V_NONE = 0, /* takes no value */
	RP_V_NEED = 1, /* needs one */
	RP_V_OPT = 2,  /* either */
};

/* replace: Suricata's IPS keyword, which rewrites the bytes of the content before it. Outside
 * IPS mode Suricata keeps the rule, warns that nothing will be replaced and raises the alert as
 * if the keyword were not there ("having the alert is interesting"); checked then: a value in
 * quotes (its keyword table's QUOTES_MANDATORY) and not negated. spanwatch, a passive sensor,
 * does the same: the rule loads and alerts, nothing is rewritten. */
static int
kw_replace(struct rp *p, const char *kw, char *v)
{
	size_t n = strlen(v);

	if (*v == '!')
		return rp_fail(p, SW_E_INVAL, "%s: a replacement string cannot be negated", kw);
	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		return rp_fail(p, SW_E_INVAL, "%s: the value must be in double quotes", kw);
	return 0;
}

struct rp_keyword {
	const char *name;
	int (*fn)(struct rp *p, const char *kw, char *v);
	int value;
};

static const struct rp_keyword rp_keywords[] = {
    {"msg", kw_msg, RP_V_NEED},
    {"sid", kw_sid, RP_V_NEED},
    {"rev", kw_rev, RP_V_NEED},
    {"gid", kw_gid, RP_V_NEED},
    {"classtype", kw_classtype, RP_V_NEED},
    {"priority", kw_priority, RP_V_NEED},
    {"reference", kw_reference, RP_V_NEED},
    {"metadata", kw_metadata, RP_V_NEED},
    {"target", kw_target, RP_V_NEED},
    {"content", kw_content, RP_V_NEED},
    {"uricontent", kw_uricontent, RP_V_NEED},
    {"nocase", kw_nocase, RP_V_NONE},
    {"rawbytes", kw_rawbytes, RP_V_NONE},
    {"depth", kw_position, RP_V_NEED},
    {"offset", kw_position, RP_V_NEED},
    {"distance", kw_position, RP_V_NEED},
    {"within", kw_position, RP_V_NEED},
    {"startswith", kw_startswith, RP_V_NONE},
    {"endswith", kw_endswith, RP_V_NONE},
    {"fast_pattern", kw_fast_pattern, RP_V_OPT},
    {"pkt_data", kw_pkt_data, RP_V_NONE},
    {"frame", kw_frame, RP_V_NEED},
    {"pcre", kw_pcre, RP_V_NEED},
    {"byte_test", kw_byte_test, RP_V_NEED},
    {"byte_jump", kw_byte_jump, RP_V_NEED},
    {"byte_extract", kw_byte_extract, RP_V_NEED},
    {"byte_math", kw_byte_math, RP_V_NEED},
    {"isdataat", kw_isdataat, RP_V_NEED},
    {"bsize", kw_bsize, RP_V_NEED},
    {"dsize", kw_dsize, RP_V_NEED},
    {"flow", kw_flow, RP_V_NEED},
    {"flowbits", kw_flowbits, RP_V_NEED},
    {"flags", kw_flags, RP_V_NEED},
    {"threshold", kw_threshold, RP_V_NEED},
    {"detection_filter", kw_detection_filter, RP_V_NEED},
    {"noalert", kw_noalert, RP_V_NONE},
    {"app-layer-protocol", kw_app_layer_protocol, RP_V_NEED},
    {"decode-event", kw_event, RP_V_NEED},
    {"stream-event", kw_event, RP_V_NEED},
    {"engine-event", kw_engine_event, RP_V_NEED},
    {"itype", kw_other, RP_V_NEED},
    {"prefilter", kw_prefilter, RP_V_NONE},
    {"requires", kw_requires, RP_V_NEED},
    {"config", kw_config, RP_V_NEED},
    {"ttl", kw_other, RP_V_NEED},
    {"tos", kw_other, RP_V_NEED},
    {"id", kw_other, RP_V_NEED},
    {"ipopts", kw_other, RP_V_NEED},
    {"fragbits", kw_other, RP_V_NEED},
    {"fragoffset", kw_other, RP_V_NEED},
    {"sameip", kw_other, RP_V_NONE},
    {"seq", kw_other, RP_V_NEED},
    {"ack", kw_other, RP_V_NEED},
    {"window", kw_other, RP_V_NEED},
    {"tcp.mss", kw_other, RP_V_NEED},
    {"tcp.flags", kw_flags, RP_V_NEED},
    {"icmp_id", kw_other, RP_V_NEED},
    {"icmp_seq", kw_other, RP_V_NEED},
    {"icode", kw_other, RP_V_NEED},
    {"ip_proto", kw_other, RP_V_NEED},
    {"ttl", kw_other, RP_V_NEED},
    {"window", kw_other, RP_V_NEED},
    {"seq", kw_other, RP_V_NEED},
    {"ack", kw_other, RP_V_NEED},
    {"sameip", kw_other, RP_V_NONE},
    {"stream_size", kw_other, RP_V_NEED},
    {"flow.age", kw_other, RP_V_NEED},
    {"l3_proto", kw_other, RP_V_NEED},
    {"tls.version", kw_other, RP_V_NEED},
    {"dns.opcode", kw_other, RP_V_NEED},
    {"dns.rrtype", kw_other, RP_V_NEED},
    {"ftpbounce", kw_other, RP_V_NONE},
    {"asn1", kw_other, RP_V_NEED},
    {"xbits", kw_other, RP_V_NEED},
    {"hostbits", kw_other, RP_V_NEED},
    {"flowint", kw_other, RP_V_NEED},
    {"flowvar", kw_other, RP_V_NEED},
    {"pktvar", kw_other, RP_V_NEED},
    {"tag", kw_other, RP_V_NEED},
    {"tls.subject", kw_other, RP_V_NEED},
    {"tls.issuerdn", kw_other, RP_V_NEED},
    {"tls.fingerprint", kw_other, RP_V_NEED},
    {"tls_cert_notbefore", kw_other, RP_V_NEED},
    {"tls_cert_notafter", kw_other, RP_V_NEED},
    {"tls_cert_expired", kw_other, RP_V_NONE},
    {"tls_cert_valid", kw_other, RP_V_NONE},
    {"geoip", kw_other, RP_V_NEED}, /* detect_geoip.c */
    /* detect_kw_app.c */
    {"filename", kw_other, RP_V_NEED},
    {"fileext", kw_other, RP_V_NEED},
    {"filesize", kw_other, RP_V_NEED},
    {"filemd5", kw_other, RP_V_NEED},
    {"filesha1", kw_other, RP_V_NEED},
    {"filesha256", kw_other, RP_V_NEED},
    {"filestore", kw_other, RP_V_OPT},
    {"filemagic", kw_other, RP_V_NEED},
    {"ssh.protoversion", kw_other, RP_V_NEED},
    {"ssh.softwareversion", kw_other, RP_V_NEED},
    {"tls.cert_chain_len", kw_other, RP_V_NEED},
    {"ssl_version", kw_other, RP_V_NEED},
    {"tls.store", kw_other, RP_V_NONE},
    {"ssl_state", kw_other, RP_V_NEED},
    {"app-layer-event", kw_app_event, RP_V_NEED},
    {"urilen", kw_urilen, RP_V_NEED},
    {"base64_decode", kw_base64_decode, RP_V_OPT},
    {"base64_data", kw_base64_data, RP_V_NONE},
    {"dotprefix", kw_transform, RP_V_NONE},
    {"strip_whitespace", kw_transform, RP_V_NONE},
    {"compress_whitespace", kw_transform, RP_V_NONE},
    {"to_lowercase", kw_transform, RP_V_NONE},
    {"to_uppercase", kw_transform, RP_V_NONE},
    {"to_md5", kw_transform, RP_V_NONE},
    {"to_sha1", kw_transform, RP_V_NONE},
    {"to_sha256", kw_transform, RP_V_NONE},
    {"url_decode", kw_transform, RP_V_NONE},
    {"pcrexform", kw_transform, RP_V_NEED},
    {"header_lowercase", kw_transform, RP_V_NONE},
    {"strip_pseudo_headers", kw_transform, RP_V_NONE},
    /* hdrbuf: checksums and icmpv6.mtu (detect_hdr.c), the xor transform */
    {"ipv4-csum", kw_other, RP_V_NEED},
    {"tcpv4-csum", kw_other, RP_V_NEED},
    {"tcpv6-csum", kw_other, RP_V_NEED},
    {"udpv4-csum", kw_other, RP_V_NEED},
    {"udpv6-csum", kw_other, RP_V_NEED},
    {"icmpv4-csum", kw_other, RP_V_NEED},
    {"icmpv6-csum", kw_other, RP_V_NEED},
    {"icmpv6.mtu", kw_other, RP_V_NEED},
    {"xor", kw_transform, RP_V_NEED},
    {"bypass", kw_bypass, RP_V_NONE},
    /* detect_dataset.c */
    {"dataset", kw_dataset, RP_V_NEED},
    {"datarep", kw_dataset, RP_V_NEED},
    {"iprep", kw_other, RP_V_NEED},
#ifdef HAVE_LUA
    /* detect_lua.c: Lua detection scripts */
    {"lua", kw_other, RP_V_NEED},
    {"luajit", kw_other, RP_V_NEED},
    {"replace", kw_replace, RP_V_NEED},
#endif
    {NULL, NULL, 0},
};

/* Suricata 7's rule keywords (suricata --list-keywords, docs.suricata.io "Suricata Rules") that
 * are not in rp_keywords or the buffer tables: a rule using one is skipped as "not supported" and
 * counted; a keyword in no table is a typo or another engine's, and an error. */
static const char *const rp_known_unsupported[] = {
#ifndef HAVE_LUA
    "lua",
    "luajit",
#endif
    "dns.answer.name",
    "dns.queries.rrname",
    "smb.named_pipe",
    "smb.share",
    "krb5_msg_type",
    "dce_iface",
    "dce_opnum",
    "dce_stub_data",
    "entropy",
    "rpc",
    "http2.header",
    "absent",
    "from_base64",
    "dns.rcode",
    "modbus",
    "dcerpc.iface",
    "dcerpc.opnum",
    "dcerpc.stub_data",
    "dhcp.leasetime",
    "dhcp.rebinding_time",
    "dhcp.renewal_time",
    "dnp3_func",
    "dnp3.func",
    "dnp3_ind",
    "dnp3.ind",
    "dnp3_obj",
    "dnp3.obj",
    "dnp3_data",
    "dnp3.data",
    "cip_service",
    "enip_command",
    "ftpdata_command",
    "krb5_cname",
    "krb5_sname",
    "krb5_err_code",
    "krb5.weak_encryption",
    "krb5.ticket_encryption",
    "smb.ntlmssp_user",
    "smb.ntlmssp_domain",
    "smb.version",
    "snmp.version",
    "snmp.community",
    "snmp.pdu_type",
    "snmp.usm",
    "sip.method",
    "sip.uri",
    "sip.request_line",
    "sip.stat_code",
    "sip.stat_msg",
    "sip.response_line",
    "sip.protocol",
    "rfb.name",
    "rfb.secresult",
    "rfb.sectype",
    "mqtt.protocol_version",
    "mqtt.type",
    "mqtt.flags",
    "mqtt.qos",
    "mqtt.reason_code",
    "mqtt.connack.session_present",
    "mqtt.connect.clientid",
    "mqtt.connect.flags",
    "mqtt.connect.password",
    "mqtt.connect.username",
    "mqtt.connect.willmessage",
    "mqtt.connect.willtopic",
    "mqtt.publish.message",
    "mqtt.publish.topic",
    "mqtt.subscribe.topic",
    "mqtt.unsubscribe.topic",
    "ike.init_spi",
    "ike.resp_spi",
    "ike.chosen_sa_attribute",
    "ike.exchtype",
    "ike.vendor",
    "ike.key_exchange_payload",
    "ike.key_exchange_payload_length",
    "ike.nonce_payload",
    "ike.nonce_payload_length",
    "http2.frametype",
    "http2.errorcode",
    "http2.priority",
    "http2.window",
    "http2.size_update",
    "http2.settings",
    "http2.header_name",
    "nfs_procedure",
    "nfs.version",
    "app-layer-state",
    "pgsql.query",
#ifndef SW_JA4PLUS
    "ja4s.hash",
#endif
    "template",
    "template2",
    "krb5.cname",
    "krb5.sname",
    NULL,
};

/*
 * Why each keyword of rp_known_unsupported is skipped (checked against Suricata 7.0's keyword
 * list, docs.suricata.io "Suricata Rules"): the entry that names the keyword, else the longest
 * entry ending in '.' or '_' that starts it. Every keyword of the list has one (test_parse).
 */
static const struct {
	const char *name;
	const char *why;
} rp_unsupported_reasons[] = {
    /* Suricata 8 keywords: a Suricata 7 engine refuses them too */
    {"dns.answer.name", "Suricata 8's (not a Suricata 7 keyword)"},
    {"dns.queries.rrname", "Suricata 8's (not a Suricata 7 keyword)"},
    {"dns.rcode", "Suricata 8's (not a Suricata 7 keyword)"},
    {"entropy", "Suricata 8's (not a Suricata 7 keyword)"},
    {"absent", "Suricata 8's (not a Suricata 7 keyword)"},
    {"from_base64", "Suricata 8's transform (not a Suricata 7 keyword; base64_decode and "
                    "base64_data are supported)"},
    {"app-layer-state", "Suricata 8's (not a Suricata 7 keyword)"},
    {"pgsql.", "Suricata 8's (not a Suricata 7 keyword); spanwatch reads PostgreSQL only up to "
               "its STARTTLS"},
    /* engine features spanwatch does not have */
    {"lua", "Lua scripts: spanwatch was built without Lua (./configure --disable-lua)"},
    {"luajit", "Lua scripts: spanwatch was built without Lua (./configure --disable-lua)"},
    {"template", "Suricata's example keyword for protocol writers (no protocol of its own)"},
    {"template2", "Suricata's example keyword for protocol writers (no protocol of its own)"},
    {"krb5.cname", "Suricata 8's name (Suricata 7 has krb5_cname); Kerberos, which spanwatch "
                   "does not parse"},
    {"krb5.sname", "Suricata 8's name (Suricata 7 has krb5_sname); Kerberos, which spanwatch "
                   "does not parse"},
    /* protocols spanwatch does not parse */
    {"http2.", "HTTP/2, which spanwatch does not parse"},
    {"ja4s.hash", "JA4S is under the FoxIO License 1.1; this spanwatch was built without "
                  "--enable-ja4plus"},
    {"rpc", "ONC RPC (Sun RPC) calls, which spanwatch does not parse"},
    {"smb.", "SMB, which spanwatch does not parse"},
    {"dce_", "DCERPC, which spanwatch does not parse"},
    {"dcerpc.", "DCERPC, which spanwatch does not parse"},
    {"krb5_", "Kerberos, which spanwatch does not parse"},
    {"krb5.", "Kerberos, which spanwatch does not parse"},
    {"modbus", "Modbus, which spanwatch does not parse"},
    {"dhcp.", "DHCP, which spanwatch does not parse (nDPI names it)"},
    {"dnp3_", "DNP3, which spanwatch does not parse"},
    {"dnp3.", "DNP3, which spanwatch does not parse"},
    {"cip_service", "ENIP/CIP, which spanwatch does not parse"},
    {"enip_command", "ENIP/CIP, which spanwatch does not parse"},
    {"ftpdata_command", "FTP data connections are not tied to their control connection's "
                        "command (spanwatch reads FTP control only for AUTH TLS and PORT)"},
    {"snmp.", "SNMP, which spanwatch does not parse"},
    {"sip.", "SIP, which spanwatch does not parse"},
    {"rfb.", "RFB (VNC), which spanwatch does not parse"},
    {"mqtt.", "MQTT, which spanwatch does not parse"},
    {"ike.", "IKE, which spanwatch does not parse"},
    {"nfs_", "NFS, which spanwatch does not parse"},
    {"nfs.", "NFS, which spanwatch does not parse"},
};

/* Why a known keyword is skipped: ": " and the reason, "" when the table has none. */
static const char *
rp_unsupported_why(const char *name)
{
	const char *best = NULL;
	size_t bestlen = 0;

	for (size_t i = 0; i < sizeof(rp_unsupported_reasons) / sizeof(rp_unsupported_reasons[0]);
	     i++) {
		const char *e = rp_unsupported_reasons[i].name;
		size_t n = strlen(e);

		if (strcmp(e, name) == 0)
			return rp_unsupported_reasons[i].why;
		if ((e[n - 1] == '.' || e[n - 1] == '_') && strncmp(e, name, n) == 0 && n > bestlen) {
			best = rp_unsupported_reasons[i].why;
			bestlen = n;
		}
	}
	return best;
}

const char *
det_unsupported_without_reason(void)
{
	for (size_t i = 0; rp_known_unsupported[i] != NULL; i++)
		if (rp_unsupported_why(rp_known_unsupported[i]) == NULL)
			return rp_known_unsupported[i];
	return NULL;
}

/* ---- the rule header ----------------------------------------------------------------------- */

static const struct {
	const char *name;
	uint8_t proto;
} rp_app_protos[] = {
    {"smtp", 6},   {"ftp", 6},   {"ftp-data", 6}, {"smb", 6},
    {"imap", 6},      {"pop3", 6},   {"rdp", 6},   {"mqtt", 6},     {"http2", 6},
    {"rfb", 6},       {"modbus", 6}, {"dnp3", 6},  {"pgsql", 6},    {"telnet", 6},
    {"websocket", 6}, {"irc", 6},    {"snmp", 17}, {"ntp", 17},     {"dhcp", 17},
    {"quic", 17},     {"tftp", 17},  {"ike", 17},  {"ikev2", 17},   {"bittorrent-dht", 17},
    {"dcerpc", 0},    {"krb5", 0},   {"sip", 0},   {"nfs", 0},      {"enip", 0},
    {"ike", 17},      {"ldap", 0},   {"doh2", 6},  {"template", 0},
};

/* Header protocols Suricata knows that we do not match on: the rule is skipped, counted. */
static const char *const rp_unsupported_protos[] = {
    "sctp", "udp-pkt", NULL,
};

/* Splits the header into whitespace-separated words; spaces inside [ ] are kept. */
static int
rp_header_words(char *h, char **w, int max)
{
	int n = 0, depth = 0;

	while (*h != '\0') {
		while (isspace((unsigned char)*h))
			h++;
		if (*h == '\0')
			break;
		if (n == max)
			return -1;
		w[n++] = h;
		for (; *h != '\0'; h++) {
			if (*h == '[')
				depth++;
			else if (*h == ']' && depth > 0)
				depth--;
			else if (isspace((unsigned char)*h) && depth == 0)
				break;
		}
		if (*h != '\0')
			*h++ = '\0';
	}
	return n;
}

static int
rp_header(struct rp *p, char *h)
{
	struct det_rule *r = p->r;
	char *w[8], err[200];
	int n, rc;
	size_t i;

	if ((n = rp_header_words(h, w, 8)) != 7)
		return rp_fail(p, SW_E_INVAL,
		               "header: expected 'action proto src sport -> dst "
		               "dport', got %d words",
		               n < 0 ? 8 : n);
	if (strcmp(w[0], "alert") == 0)
		r->action = DET_ACT_ALERT;
	else if (strcmp(w[0], "pass") == 0)
		r->action = DET_ACT_PASS;
	else if (strcmp(w[0], "drop") == 0)
		r->action = DET_ACT_DROP;
	else if (strcmp(w[0], "reject") == 0 || strcmp(w[0], "rejectsrc") == 0 ||
	         strcmp(w[0], "rejectdst") == 0 || strcmp(w[0], "rejectboth") == 0)
		r->action = DET_ACT_REJECT;
	else
		return rp_fail(p, SW_E_INVAL, "unknown action '%s'", w[0]);

	for (char *q = w[1]; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	r->app_proto = APP_NONE;
	if (strcmp(w[1], "ip") == 0 || strcmp(w[1], "any") == 0 || strcmp(w[1], "pkthdr") == 0) {
		/* pkthdr: Suricata's protocol for decoder-event rules, any packet */
		r->proto = 0;
	} else if (strcmp(w[1], "ipv4") == 0 || strcmp(w[1], "ip4") == 0 ||
	           strcmp(w[1], "ipv6") == 0 || strcmp(w[1], "ip6") == 0) {
		/* Suricata 7: any protocol over that IP version */
		r->proto = 0;
		r->family = w[1][strlen(w[1]) - 1] == '4' ? 4 : 6;
	} else if (strcmp(w[1], "tcp") == 0) {
		r->proto = 6;
	} else if (strcmp(w[1], "tcp-pkt") == 0) {
		r->proto = 6;
		r->flow |= DET_FLOW_NO_STREAM;
	} else if (strcmp(w[1], "tcp-stream") == 0) {
		r->proto = 6;
		r->flow |= DET_FLOW_ONLY_STREAM;
	} else if (strcmp(w[1], "udp") == 0) {
		r->proto = 17;
	} else if (strcmp(w[1], "icmp") == 0) {
		r->proto = 1;
		r->icmp_any = true;
	} else if ((r->app_proto = app_proto_find_rule_name(w[1], &r->proto)) != APP_NONE) {
		/* a protocol one of our parsers reads (its descriptor names the words) */
	} else if (strcmp(w[1], "icmpv4") == 0) {
		r->proto = 1;
	} else if (strcmp(w[1], "icmpv6") == 0) {
		r->proto = 58;
	} else {
		for (i = 0; i < sizeof(rp_app_protos) / sizeof(rp_app_protos[0]); i++)
			if (strcmp(rp_app_protos[i].name, w[1]) == 0)
				break;
		if (i == sizeof(rp_app_protos) / sizeof(rp_app_protos[0])) {
			for (i = 0; rp_unsupported_protos[i] != NULL; i++)
				if (strcmp(rp_unsupported_protos[i], w[1]) == 0)
					return rp_unsupp(p, w[1], "protocol not supported");
			/* a typo (htp) would load and never match: Suricata refuses it too */
			return rp_fail(p, SW_E_INVAL, "unknown protocol '%.40s'", w[1]);
		}
		r->proto = rp_app_protos[i].proto;
		if ((r->app_name = rp_strdup(p, w[1], &rc)) == NULL)
			return rc;
	}

	if (strcmp(w[4], "->") == 0)
		r->bidir = false;
	else if (strcmp(w[4], "<>") == 0)
		r->bidir = true;
	else
		return rp_fail(p, SW_E_INVAL, "bad direction '%s'", w[4]);

	err[0] = '\0';
	if ((rc = det_parse_addr(p->vars, w[2], &r->src, err, sizeof(err))) != 0 ||
	    (rc = det_parse_port(p->vars, w[3], &r->sport, err, sizeof(err))) != 0 ||
	    (rc = det_parse_addr(p->vars, w[5], &r->dst, err, sizeof(err))) != 0 ||
	    (rc = det_parse_port(p->vars, w[6], &r->dport, err, sizeof(err))) != 0)
		return rp_fail(p, rc, "%s", rc == SW_E_NOMEM ? "out of memory" : err);
	return 0;
}

/* ---- the options --------------------------------------------------------------------------- */

/*
 * A quoted value must end the option: text after its closing quote is a missing ';'
 * (msg:"x" http.uri; would swallow the buffer) or Snort 3's comma form (content:"x", nocase;),
 * which Suricata rejects. Unterminated quotes are left to the keyword's own check.
 */
static int
rp_quoted_end(struct rp *p, const char *kw, const char *v)
{
	const char *q;

	if (*v == '!')
		v++;
	while (isspace((unsigned char)*v))
		v++;
	if (*v != '"')
		return 0;
	for (q = v + 1; *q != '\0' && *q != '"'; q++)
		if (*q == '\\' && q[1] != '\0')
			q++;
	if (*q == '\0')
		return 0;
	for (q++; isspace((unsigned char)*q); q++)
		;
	/* "a"b"c": ends in a quote, an unescaped '"' inside, which the keyword reports */
	if (*q == '\0' || q[strlen(q) - 1] == '"')
		return 0;
	if (*q == ',')
		return rp_fail(p, SW_E_INVAL,
		               "%s: ',' after the quoted value: each option ends with ';' "
		               "(Snort 3's '\"x\", nocase' is written '\"x\"; nocase')",
		               kw);
	return rp_fail(p, SW_E_INVAL, "%s: missing ';' after the quoted value, before '%.40s'", kw,
	               q);
}

static int
rp_option(struct rp *p, char *name, char *value)
{
	const struct rp_keyword *k;
	size_t i;
	int r;

	for (char *q = name; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	if (value != NULL && (r = rp_quoted_end(p, name, value)) != 0)
		return r;
	for (k = rp_keywords; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			break;
	if (k->name == NULL) {
		char reason[256];

		if (rp_sticky_find(name) >= 0) {
			if (value != NULL)
				return rp_fail(p, SW_E_INVAL, "%s: takes no value", name);
			return kw_sticky(p, name, NULL);
		}
		if (det_buffer_by_modifier(name) >= 0) {
			if (value != NULL)
				return rp_fail(p, SW_E_INVAL, "%s: takes no value", name);
			return kw_modifier(p, name, NULL);
		}
		for (i = 0; rp_known_unsupported[i] != NULL; i++)
			if (strcmp(rp_known_unsupported[i], name) == 0)
				break;
		if (rp_known_unsupported[i] == NULL) /* a typo (contnet) must not hide a rule */
			return rp_fail(p, SW_E_INVAL, "unknown keyword '%.60s'", name);
		const char *why = rp_unsupported_why(name);

		snprintf(reason, sizeof(reason), "keyword '%.60s' is not supported%s%s", name,
		         why != NULL ? ": " : "", why != NULL ? why : "");
		return rp_unsupp(p, name, reason);
	}
	if (k->value == RP_V_NONE && value != NULL)
		return rp_fail(p, SW_E_INVAL, "%s: takes no value", name);
	if (k->value == RP_V_NEED && (value == NULL || *value == '\0'))
		return rp_fail(p, SW_E_INVAL, "%s: missing value", name);
	return k->fn(p, k->name, value);
}

/*
 * The end of an option's value whose quotes do not pair up (pcre:"/href="[^"]+/i"; as
 * Suricata takes it): inside the quotes, only a '"' followed by ';' (blanks between) closes
 * them. Returns the ';' that ends the option, or the string's end.
 */
static char *
rp_value_end(char *s)
{
	bool quoted = false;
	char *q;

	for (q = s; *q != '\0'; q++) {
		if (*q == '\\' && q[1] != '\0') {
			q++;
		} else if (*q == '"') {
			const char *n = q + 1;

			while (isspace((unsigned char)*n))
				n++;
			if (!quoted)
				quoted = true;
			else if (*n == ';')
				quoted = false;
		} else if (*q == ';' && !quoted) {
			break;
		}
	}
	return q;
}

/*
 * Walks "key:value; key; ..." up to the end of s. A ';' ends an option unless it is escaped
 * or inside double quotes; a backslash protects the character after it either way.
 */
static int
rp_options(struct rp *p, char *s)
{
	for (;;) {
		char *name, *value = NULL, *q;
		bool quoted = false;

		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return 0;
		name = s;
		while (*s != '\0' && *s != ':' && *s != ';')
			s++;
		if (*s == '\0') {
			det_trim(name);
			return rp_fail(p, SW_E_INVAL, "%.60s: no terminating ';'", name);
		}
		if (*s == ':') {
			*s++ = '\0';
			value = s;
			for (q = s; *q != '\0'; q++) {
				if (*q == '\\' && q[1] != '\0')
					q++;
				else if (*q == '"')
					quoted = !quoted;
				else if (*q == ';' && !quoted)
					break;
			}
			name = det_trim(name);
			if (*q == '\0' && quoted)
				q = rp_value_end(s);
			if (*q == '\0')
				return rp_fail(p, SW_E_INVAL,
				               quoted ? "%.60s: unterminated quote"
				                      : "%.60s: no terminating ';'",
				               name);
			*q = '\0';
			s = q + 1;
			value = det_trim(value);
		} else {
			*s++ = '\0';
			name = det_trim(name);
		}
		if (*name == '\0')
			return rp_fail(p, SW_E_INVAL, "empty option");
		{
			int r = rp_option(p, name, value);

			if (r != 0)
				return r;
			rp_note_match(p, name);
		}
	}
}

/* ---- after the options --------------------------------------------------------------------- */

/* Whether more than one protocol's messages have buffer bi (QUIC's have TLS's). */
static bool
rp_buffer_shared(const struct det_buffer_info *bi)
{
	for (int ap = 1; ap < APP_PROTO_MAX; ap++)
		if (ap != bi->app_proto && app_proto_serves(ap, bi->msg_kind))
			return true;
	return false;
}

/* Whether a parser that reads datagrams (the rule's own when its header names one) has bi. */
static bool
rp_buffer_datagrams(const struct det_rule *r, const struct det_buffer_info *bi)
{
	for (int ap = 1; ap < APP_PROTO_MAX; ap++)
		if ((r->app_proto == APP_NONE || r->app_proto == ap) && app_proto_has_datagrams(ap) &&
		    app_proto_serves(ap, bi->msg_kind))
			return true;
	return false;
}

static const char *
rp_item_name(int kind)
{
	static const char *const names[] = {"content",      "pcre",     "byte_test", "byte_jump",
	                                    "byte_extract", "isdataat", "bsize",     "base64_decode",
	                                    "byte_math",    "dataset"};

	return kind >= 0 && kind <= DET_ITEM_DATASET ? names[kind] : "item";
}

/* Moves the lists' buffers to their final ids (file.data, http.header by direction) and merges
 * lists that end up on the same buffer. */
/* Suricata's buffers of both directions: the request's by default (the response's for
 * http.content_type), the other when the rule is for the other direction. */
static const struct {
	const char *request, *response;
	bool response_default;
} rp_both_ways[] = {
    {"http.header", "@http.response_header", false},
    {"http.start", "@http.response_start", false},
    {"http.header_names", "@http.response_header_names", false},
    {"http.header.raw", "@http.response_header.raw", false},
    {"http.content_len", "@http.response_content_len", false},
    {"@http.request_content_type", "http.content_type", true},
    /* bothways: Cookie in the request, Set-Cookie in the response */
    {"http.cookie", "@http.response_cookie", false},
    /* bothways: the request line's protocol, the status line's */
    {"http.protocol", "@http.response_protocol", false},
};

#define RP_NBOTH (sizeof(rp_both_ways) / sizeof(rp_both_ways[0]))

/* Whether buffer b is one of the two of rp_both_ways[]. */
static bool
rp_is_both_ways(int b)
{
	for (size_t k = 0; k < RP_NBOTH; k++)
		if (b == det_buffer_named(rp_both_ways[k].request) ||
		    b == det_buffer_named(rp_both_ways[k].response))
			return true;
	return false;
}

/* file.data of the file messages (the body in the file's own direction): the buffer of a rule
 * that also has file keywords (filename, filesize, ...), which are matched on those messages */
static int
rp_file_data(void)
{
	for (int b = 1; b < det_buffer_count(); b++)
		if (strcmp(det_buf_table[b].name, "file.data") == 0 &&
		    det_buf_table[b].msg_kind == APP_MSG_FILE)
			return b;
	return -1;
}

/* bothways: whether rule r has lists and every one is on a buffer of rp_both_ways[] (no
 * payload, file.data or one-way buffer; no file keywords): such a rule without a direction is
 * inspected on both messages */
static bool
rp_twin_ok(const struct det_rule *r)
{
	uint32_t n = 0;

	if (r->kw_file)
		return false;
	for (uint32_t i = 0; i < r->nlists; i++) {
		if (r->lists[i].n == 0)
			continue;
		if (!rp_is_both_ways(r->lists[i].buffer))
			return false;
		n++;
	}
	return n > 0;
}

/* bothways: whether one of r's lists is on a buffer that reads the request by default */
static bool
rp_reads_request(const struct det_rule *r)
{
	for (uint32_t i = 0; i < r->nlists; i++)
		for (size_t k = 0; k < RP_NBOTH; k++)
			if (r->lists[i].n > 0 && !rp_both_ways[k].response_default &&
			    r->lists[i].buffer == det_buffer_named(rp_both_ways[k].request))
				return true;
	return false;
}

static int
rp_remap(struct rp *p)
{
	struct det_rule *r = p->r;
	bool to_client = (r->flow & DET_FLOW_TO_CLIENT) != 0;
	bool to_server = (r->flow & DET_FLOW_TO_SERVER) != 0;
	uint32_t i, j;

	/* without flow:to_*, the buffers of one direction (http.method, http.stat_code) say it */
	bool derived_server = false, flow_to_server = to_server;
	bool flow_dir = to_client || to_server;

	for (i = 0; i < r->nlists && !flow_dir; i++) {
		const struct det_buffer_info *bi;

		if (r->lists[i].buffer == RP_BUF_FILE_DATA || r->lists[i].n == 0 ||
		    rp_is_both_ways(r->lists[i].buffer) ||
		    (bi = det_buffer(r->lists[i].buffer)) == NULL || bi->dir < 0 ||
		    bi->msg_kind != APP_MSG_HTTP)
			continue;
		if (bi->dir == FLOW_TO_CLIENT)
			to_client = true;
		else
			derived_server = true;
	}
	if (derived_server && to_client && !(r->flow & DET_FLOW_TO_CLIENT))
		to_client = false; /* buffers of both directions: leave the defaults */
	else if (derived_server && !to_client)
		to_server = true;
	if (!to_client && !to_server && rp_twin_ok(r)) {
		/* bothways: undirected, on buffers of both messages only: the rule as written
		 * reads the request (the response when its only buffer is http.content_type, as
		 * before), its twin (way 1) the other message */
		bool req = rp_reads_request(r);

		p->both = true;
		if (req == (p->way == 0))
			to_server = true;
		else
			to_client = true;
	}

	/* lists the old content modifiers emptied */
	for (i = 0; i < r->nlists; i++) {
		if (r->lists[i].n > 0)
			continue;
		for (j = 0; j < r->lists[i].nxf; j++)
			det_xform_free(&r->lists[i].xf[j]);
		free(r->lists[i].items);
		memmove(&r->lists[i], &r->lists[i + 1], (r->nlists - i - 1) * sizeof(r->lists[0]));
		r->nlists--;
		i--;
	}
	for (i = 0; i < r->nlists; i++) {
		if (r->lists[i].buffer == RP_BUF_FILE_DATA && r->kw_file)
			r->lists[i].buffer = rp_file_data(); /* with filename, ...: the file's data */
		else if (r->lists[i].buffer == RP_BUF_FILE_DATA)
			r->lists[i].buffer = det_buffer_named(flow_to_server ? "http.request_body"
			                                                        : "http.response_body");
		else
			for (size_t k = 0; k < RP_NBOTH; k++) {
				int rq = det_buffer_named(rp_both_ways[k].request);
				int rs = det_buffer_named(rp_both_ways[k].response);

				if (r->lists[i].buffer == rq && to_client)
					r->lists[i].buffer = rs;
				else if (r->lists[i].buffer == rs && to_server &&
				         rp_both_ways[k].response_default)
					r->lists[i].buffer = rq;
			}
	}
	for (i = 0; i < r->nlists; i++) {
		for (j = i + 1; j < r->nlists; j++) {
			struct det_list *a = &r->lists[i], *b = &r->lists[j];
			struct det_item *ni;

			if (a->buffer != b->buffer || a->nxf > 0 || b->nxf > 0)
				continue;
			if ((ni = realloc(a->items, (a->n + b->n) * sizeof(*ni))) == NULL)
				return rp_fail(p, SW_E_NOMEM, "out of memory");
			memcpy(ni + a->n, b->items, b->n * sizeof(*ni));
			a->items = ni;
			a->n += b->n;
			free(b->items);
			memmove(b, b + 1, (r->nlists - j - 1) * sizeof(*b));
			r->nlists--;
			j--;
		}
	}
	return 0;
}

/* Pattern strength as in Suricata's fast pattern choice: distinct bytes weigh more. */
static uint32_t
rp_strength(const struct det_content *c)
{
	uint8_t seen[256] = {0};
	uint32_t s = 0, i;

	for (i = 0; i < c->len; i++) {
		uint8_t b = c->pat[i];

		if (c->flags & DET_C_NOCASE)
			b = (uint8_t)tolower(b);
		if (!seen[b]) {
			seen[b] = 1;
			s += isalpha(b) ? 3 : (isprint(b) && b != ' ') ? 4 : 6;
		} else {
			s += 1;
		}
	}
	return s;
}

/* Suricata ranks the buffers: the app-layer ones first, then the payload, then http.method.
 * A packet header buffer (tcp.hdr, ...) is a fast pattern only when the rule has no payload
 * content: a header's bytes are few and alike from packet to packet. */
static int
rp_buffer_rank(int buffer)
{
	if (buffer == det_buffer_named("http.method") ||
	    (buffer > 0 && det_buffer(buffer)->hdr != DET_HDR_NONE))
		return 0;
	if (buffer == DET_BUF_PAYLOAD)
		return 1;
	return 2;
}

static void
rp_choose_fast(struct rp *p)
{
	struct det_rule *r = p->r;
	int best_l = -1, best_i = -1, best_rank = -1;
	uint32_t best_len = 0, best_str = 0, i, j;
	bool app = false;

	r->fp_list = r->fp_item = -1;
	for (i = 0; i < r->nlists; i++)
		if (r->lists[i].buffer != DET_BUF_PAYLOAD &&
		    det_buffer(r->lists[i].buffer)->hdr == DET_HDR_NONE)
			app = true;
	for (i = 0; i < r->nlists; i++) {
		/* a rule with app-layer buffers is inspected on its messages: the payload cannot
		 * select it */
		if (app && r->lists[i].buffer == DET_BUF_PAYLOAD)
			continue;
		for (j = 0; j < r->lists[i].n; j++) {
			const struct det_item *it = &r->lists[i].items[j];
			const struct det_content *c = &it->u.content;
			uint32_t len, str;
			int rank;

			if (it->kind != DET_ITEM_CONTENT)
				continue;
			if (r->lists[i].nxf > 0) {
				struct det_content probe = *c;

				if (!det_xform_prefilter(&r->lists[i], &probe))
					continue;
			}
			if (c->flags & DET_C_FAST) {
				best_l = (int)i;
				best_i = (int)j;
				goto chosen;
			}
			if (c->flags & DET_C_NEGATED)
				continue;
			rank = rp_buffer_rank(r->lists[i].buffer);
			len = c->len;
			if (rank < best_rank || (rank == best_rank && len < best_len))
				continue;
			str = rp_strength(c);
			if (rank == best_rank && len == best_len && str <= best_str)
				continue;
			best_l = (int)i;
			best_i = (int)j;
			best_rank = rank;
			best_len = len;
			best_str = str;
		}
	}
chosen:
	r->fp_list = best_l;
	r->fp_item = best_i;
	if (best_l >= 0 && r->lists[best_l].nxf > 0)
		(void)det_xform_prefilter(&r->lists[best_l], &r->lists[best_l].items[best_i].u.content);
}

/* As Suricata 7: tcp.hdr, udp.hdr, icmpv4.hdr and icmpv6.hdr need a rule protocol that holds
 * theirs (ip holds them all; icmp both ICMPs); ipv4.hdr and ipv6.hdr go with any protocol. */
static int
rp_hdr_proto(struct rp *p, const struct det_buffer_info *bi)
{
	const struct det_rule *r = p->r;
	uint8_t want;

	switch (bi->hdr) {
	case DET_HDR_TCP:
		want = 6;
		break;
	case DET_HDR_UDP:
		want = 17;
		break;
	case DET_HDR_ICMPV4:
		want = 1;
		break;
	case DET_HDR_ICMPV6:
		want = 58;
		break;
	default:
		return 0;
	}
	if (r->proto == 0 || r->proto == want || (r->icmp_any && (want == 1 || want == 58)))
		return 0;
	return rp_fail(p, SW_E_INVAL, "%s: rule protocol is %s", bi->name,
	               r->proto == 6    ? "tcp"
	               : r->proto == 17 ? "udp"
	               : r->proto == 58 ? "icmpv6"
	               : r->proto == 1  ? "icmp"
	                                : "not it");
}

static int
rp_finish(struct rp *p)
{
	struct det_rule *r = p->r;
	uint32_t i, j;
	int rc;

	if (!p->has_sid)
		return rp_fail(p, SW_E_INVAL, "sid: missing");
	for (i = 0; p->frame_buf > 0 && i < r->nlists; i++)
		if (r->lists[i].buffer == p->frame_buf && r->lists[i].n > 0)
			break;
	if (p->frame_buf > 0 && i == r->nlists) /* else it would be a packet rule */
		return rp_fail(p, SW_E_INVAL,
		               "frame: nothing inspects the frame '%s' (content, pcre, byte_*, bsize, "
		               "... after it)",
		               det_buffer(p->frame_buf)->name + 7);
	if ((rc = rp_remap(p)) != 0)
		return rc;
	for (i = 0; i < r->nlists; i++) {
		const struct det_list *l = &r->lists[i];
		const struct det_buffer_info *bi = det_buffer(l->buffer);
		bool before = false;

		if (bi->hdr != DET_HDR_NONE) {
			if ((rc = rp_hdr_proto(p, bi)) != 0)
				return rc;
		} else if (l->buffer != DET_BUF_PAYLOAD && bi->msg_kind != APP_MSG_FRAME) {
			/* (a frame's protocol and transport were checked by kw_frame) */
			if (r->app_name != NULL) {
				char name[48];

				snprintf(name, sizeof(name), "%s", bi->name);
				snprintf(p->err->keyword, sizeof(p->err->keyword), "%s", name);
				return rp_fail(p, SW_E_UNSUPP, "%s: not available in %s rules",
				               bi->name, r->app_name);
			}
			if (r->app_proto != APP_NONE && !app_proto_serves(r->app_proto, bi->msg_kind))
				return rp_fail(p, SW_E_INVAL, "%s: rule protocol is %s", bi->name,
				               app_proto_name(r->app_proto));
			if ((r->proto == 17 && !rp_buffer_datagrams(r, bi)) || r->proto == 1)
				return rp_fail(p, SW_E_INVAL, "%s: rule protocol is %s", bi->name,
				               r->proto == 1 ? "icmp" : "udp");
		}
		for (j = 0; j < l->n; j++) {
			const struct det_item *it = &l->items[j];
			const struct det_content *c = &it->u.content;

			/* as Suricata: a first relative item (distance/within, byte_test, byte_jump,
			 * byte_extract, isdataat, base64_decode relative, and pcre R in a sticky
			 * buffer) counts from the buffer's start; only pcre R needs a match before
			 * it in the packet payload */
			if (it->kind == DET_ITEM_PCRE && det_item_relative(it) && !before &&
			    l->buffer == DET_BUF_PAYLOAD)
				return rp_fail(p, SW_E_INVAL,
				               "%s: relative but no previous match in %s",
				               rp_item_name(it->kind), bi->name);
			/* Suricata looks back for a content or a pcre only */
			if (it->kind == DET_ITEM_CONTENT || it->kind == DET_ITEM_PCRE)
				before = true;
			if (it->kind != DET_ITEM_CONTENT || !(c->flags & DET_C_FAST))
				continue;
			if ((c->flags & DET_C_NEGATED) &&
			    (c->flags &
			     (DET_C_OFFSET | DET_C_DEPTH | DET_C_DISTANCE | DET_C_WITHIN)))
				return rp_fail(p, SW_E_INVAL,
				               "fast_pattern: cannot be used on a "
				               "negated content with a position");
			if ((c->flags & DET_C_FAST_ONLY) &&
			    (c->flags &
			     (DET_C_OFFSET | DET_C_DEPTH | DET_C_DISTANCE | DET_C_WITHIN |
			      DET_C_NEGATED | DET_C_STARTSWITH | DET_C_ENDSWITH)))
				return rp_fail(p, SW_E_INVAL,
				               "fast_pattern: only cannot be used on a "
				               "negated or positioned content");
		}
	}
	/* the protocol app buffers imply (none for a buffer several protocols have: ja3.hash in
	 * "alert udp" reads QUIC, in "alert tcp" TLS, as Suricata's); then every buffer must be
	 * one of that protocol's */
	if (r->app_proto == APP_NONE && r->app_name == NULL) {
		for (i = 0; i < r->nlists; i++) {
			const struct det_buffer_info *bi = det_buffer(r->lists[i].buffer);

			if (bi->app_proto == APP_NONE || rp_buffer_shared(bi))
				continue;
			if (r->app_proto != APP_NONE && r->app_proto != bi->app_proto)
				return rp_fail(p, SW_E_INVAL, "%s: a rule cannot mix %s and %s buffers",
				               bi->name, app_proto_name(r->app_proto),
				               app_proto_name(bi->app_proto));
			r->app_proto = bi->app_proto;
		}
		for (i = 0; i < r->nlists && r->app_proto != APP_NONE; i++) {
			const struct det_buffer_info *bi = det_buffer(r->lists[i].buffer);

			if (bi->app_proto != APP_NONE && !app_proto_serves(r->app_proto, bi->msg_kind))
				return rp_fail(p, SW_E_INVAL, "%s: a rule cannot mix %s and %s buffers",
				               bi->name, app_proto_name(r->app_proto),
				               app_proto_name(bi->app_proto));
		}
	}
	rp_choose_fast(p);
	if (!p->has_gid)
		r->gid = 1;
	if (!p->has_priority) {
		const struct det_classtype *ct = NULL;

		if (r->classtype != NULL)
			ct = det_classes_find(p->classes, r->classtype);
		r->priority = ct != NULL ? ct->priority : 3;
	}
	return 0;
}

static int
rp_parse_way(const char *text, const char *file, unsigned line, const struct det_vars *vars,
             const struct det_classes *classes, struct det_rule **out,
             struct det_parse_error *err, int way, bool *both)
{
	struct det_parse_error dummy;
	struct rp p;
	char *buf = NULL, *s, *open, *close;
	int r, i;

	*out = NULL;
	if (err == NULL)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.way = way;
	p.err = err;
	p.vars = vars;
	p.classes = classes;
	p.sticky = DET_BUF_PAYLOAD;
	p.last_buf = -1;
	p.last_list = -1;
	p.xf_list = -1;
	p.added_list = -1;
	if ((p.r = calloc(1, sizeof(*p.r))) == NULL || (buf = strdup(text)) == NULL) {
		r = rp_fail(&p, SW_E_NOMEM, "out of memory");
		goto out;
	}
	p.r->line = line;
	p.r->target = -1;
	p.r->event_kind = -1;
	p.r->event_id = -1;
	p.r->fp_list = p.r->fp_item = -1;
	if (file != NULL && (p.r->file = strdup(file)) == NULL) {
		r = rp_fail(&p, SW_E_NOMEM, "out of memory");
		goto out;
	}
	s = det_trim(buf);
	if ((open = strchr(s, '(')) == NULL) {
		r = rp_fail(&p, SW_E_INVAL, "no '(' options");
		goto out;
	}
	close = s + strlen(s) - 1;
	if (close <= open || *close != ')') {
		r = rp_fail(&p, SW_E_INVAL, "no ')' at the end of the rule");
		goto out;
	}
	*open = '\0';
	*close = '\0';
	{ /* requires: a rule whose requirements are not met is skipped before it is parsed */
		char why[160];
		int q = det_requires_prescan(text, why, sizeof(why));

		if (q == 0 || q == -2) {
			r = q == 0 ? rp_unsupp(&p, "requires", why)
			           : rp_fail(&p, SW_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if ((r = rp_header(&p, s)) != 0)
		goto out;
	if ((r = rp_options(&p, open + 1)) != 0)
		goto out;
	if ((r = rp_finish(&p)) != 0)
		goto out;
	*out = p.r;
	p.r = NULL;
	*both = p.both;
	r = 0;
out:
	for (i = 0; i < RP_VARS_MAX; i++)
		free(p.varnames[i]);
	free(buf);
	det_rule_free(p.r);
	return r;
}

int
det_rule_parse(const char *text, const char *file, unsigned line, const struct det_vars *vars,
               const struct det_classes *classes, struct det_rule **out,
               struct det_parse_error *err)
{
	bool both = false, again = false;
	struct det_rule *twin = NULL;
	int r = rp_parse_way(text, file, line, vars, classes, out, err, 0, &both);

	if (r != 0 || !both)
		return r;
	/* bothways: the same text again, on the other message (it parsed once: it parses) */
	if ((r = rp_parse_way(text, file, line, vars, classes, &twin, err, 1, &again)) != 0) {
		det_rule_free(*out);
		*out = NULL;
		return r;
	}
	twin->is_twin = true;
	(*out)->twin = twin;
	return 0;
}
