/* src/cti/cti_feed.c: indicator feed formats of issue 4: CSV with a header (RFC 4180 quoting),
 * plain lists (one value a line, '#' comments), and STIX 2.1 bundles (indicator objects whose
 * pattern is equality comparisons joined by OR, STIX 2.1 section 9). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cti/cti_int.h"

#define CSV_FIELDS_MAX 32
#define STIX_CMP_MAX   256

/* ---- reading ----------------------------------------------------------------------------- */

/* The whole file, NUL-terminated, in a buffer the parsers may modify. */
static int
cti_file_read(const char *path, char **out, size_t *outlen)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return SW_E_IO;
	cap = fstat(fd, &sb) == 0 && sb.st_size > 0 ? (size_t)sb.st_size + 1 : 65536;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap || buf == NULL) {
			char *nb;

			if (buf != NULL)
				cap *= 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				r = SW_E_NOMEM;
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = SW_E_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	{
		int e = errno; /* for the caller's message */

		close(fd);
		errno = e;
	}
	return r;
}

int
cti_format_guess(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *eol;
	bool type = false, value = false;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p < end && (*p == '{' || *p == '['))
		return CTI_FMT_STIX;
	/* CSV when the first line that is not a comment names the columns type and value */
	while (p < end && *p == '#') {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return CTI_FMT_PLAIN;
		for (p = eol + 1; p < end && isspace((unsigned char)*p); p++)
			;
	}
	if (p >= end)
		return CTI_FMT_PLAIN;
	if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
		eol = end;
	while (p < eol) {
		const char *f = p, *fe;

		while (p < eol && *p != ',')
			p++;
		fe = p;
		if (p < eol)
			p++;
		while (f < fe && (isspace((unsigned char)*f) || *f == '"'))
			f++;
		while (fe > f && (isspace((unsigned char)fe[-1]) || fe[-1] == '"'))
			fe--;
		if (fe - f == 4 && strncasecmp(f, "type", 4) == 0)
			type = true;
		if (fe - f == 5 && strncasecmp(f, "value", 5) == 0)
			value = true;
	}
	return type && value ? CTI_FMT_CSV : CTI_FMT_PLAIN;
}

/* ---- CSV --------------------------------------------------------------------------------- */

struct csv_field {
	char *p;
	size_t len;
};

enum csv_col {
	CSV_TYPE = 0,
	CSV_VALUE = 1,
	CSV_SOURCE = 2,
	CSV_CONFIDENCE = 3,
	CSV_SEVERITY = 4,
	CSV_TAGS = 5,
	CSV_VALID_UNTIL = 6,
	CSV_ID = 7,
	CSV_COLS
};

static const char *const csv_col_names[CSV_COLS] = {
    "type", "value", "source", "confidence", "severity", "tags", "valid_until", "id",
};

/*
 * Reads one record at *pp (RFC 4180: quoted fields may hold commas, "" and line breaks),
 * unquoting in place. Returns 1 at the end of the input, 0 for a record, SW_E_TRUNC for a quote
 * that never closes. *line counts the line breaks consumed.
 */
static int
csv_record(char **pp, char *end, struct csv_field *f, size_t *nf, unsigned long *line)
{
	char *p = *pp;

	*nf = 0;
	if (p >= end)
		return 1;
	for (;;) {
		struct csv_field fl;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '"') {
			char *w = ++p;

			fl.p = w;
			for (;;) {
				if (p >= end) {
					*pp = p;
					return SW_E_TRUNC;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\n')
					(*line)++;
				*w++ = *p++;
			}
			fl.len = (size_t)(w - fl.p);
			while (p < end && *p != ',' && *p != '\n')
				p++; /* text after the closing quote: ignored */
		} else {
			fl.p = p;
			while (p < end && *p != ',' && *p != '\n')
				p++;
			fl.len = (size_t)(p - fl.p);
			while (fl.len > 0 && isspace((unsigned char)fl.p[fl.len - 1]))
				fl.len--;
		}
		if (*nf < CSV_FIELDS_MAX)
			f[(*nf)++] = fl;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end) {
			p++;
			(*line)++;
		}
		break;
	}
	*pp = p;
	return 0;
}

static bool
csv_blank(const struct csv_field *f, size_t nf)
{
	for (size_t i = 0; i < nf; i++)
		if (f[i].len > 0)
			return false;
	return true;
}

static int
cti_csv_parse(struct cti_load *ld, char *buf, size_t len)
{
	struct csv_field f[CSV_FIELDS_MAX];
	int col[CSV_COLS];
	char *p = buf, *end = buf + len;
	unsigned long line = 1, start;
	size_t nf;
	int r;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	/* the header: the first record that is not blank or a comment */
	for (;;) {
		start = line;
		if ((r = csv_record(&p, end, f, &nf, &line)) != 0) {
			sw_err("cti: %s: no CSV header line (type,value,...)", ld->where);
			return SW_E_INVAL;
		}
		if (!csv_blank(f, nf) && !(f[0].len > 0 && f[0].p[0] == '#'))
			break;
	}
	for (int c = 0; c < CSV_COLS; c++)
		col[c] = -1;
	for (size_t i = 0; i < nf; i++) {
		int c;

		for (c = 0; c < CSV_COLS; c++) {
			if (strlen(csv_col_names[c]) == f[i].len &&
			    strncasecmp(csv_col_names[c], f[i].p, f[i].len) == 0)
				break;
		}
		if (c < CSV_COLS && col[c] < 0)
			col[c] = (int)i;
		else
			sw_warn("cti: %s:%lu: column '%.*s' ignored", ld->where, start,
			        (int)(f[i].len < 64 ? f[i].len : 64), f[i].p);
	}
	if (col[CSV_TYPE] < 0 || col[CSV_VALUE] < 0) {
		sw_err("cti: %s:%lu: the CSV header must name the columns type and value",
		       ld->where, start);
		return SW_E_INVAL;
	}
	for (;;) {
		struct cti_record rec;
		struct csv_field *v[CSV_COLS];
		struct csv_field none = {"", 0};

		start = line;
		r = csv_record(&p, end, f, &nf, &line);
		if (r == 1)
			break;
		if (r == SW_E_TRUNC) {
			cti_load_report(ld, start, NULL, "a quoted field never ends");
			break;
		}
		if (csv_blank(f, nf) || (f[0].len > 0 && f[0].p[0] == '#'))
			continue;
		for (int c = 0; c < CSV_COLS; c++)
			v[c] = col[c] >= 0 && (size_t)col[c] < nf ? &f[col[c]] : &none;
		memset(&rec, 0, sizeof(rec));
		rec.confidence = -1;
		rec.severity = -1;
		rec.value = v[CSV_VALUE]->p;
		rec.value_len = v[CSV_VALUE]->len;
		if (v[CSV_TYPE]->len == 0) {
			rec.type = ld->fc->type >= 0 ? ld->fc->type : -1;
		} else if ((rec.type = cti_type_parse(v[CSV_TYPE]->p, v[CSV_TYPE]->len)) == -1) {
			cti_load_report(ld, start, NULL, "unknown type '%.*s'",
			                (int)(v[CSV_TYPE]->len < 32 ? v[CSV_TYPE]->len : 32),
			                v[CSV_TYPE]->p);
			continue;
		}
		if (v[CSV_CONFIDENCE]->len > 0) {
			int64_t c;
			char num[8];

			if (v[CSV_CONFIDENCE]->len >= sizeof(num) ||
			    (memcpy(num, v[CSV_CONFIDENCE]->p, v[CSV_CONFIDENCE]->len),
			     num[v[CSV_CONFIDENCE]->len] = '\0',
			     sw_parse_i64(num, 0, 100, &c)) != 0) {
				cti_load_report(ld, start, NULL,
				                "confidence '%.*s' is not a number from 0 to 100",
				                (int)(v[CSV_CONFIDENCE]->len < 32
				                          ? v[CSV_CONFIDENCE]->len
				                          : 32),
				                v[CSV_CONFIDENCE]->p);
				continue;
			}
			rec.confidence = (int)c;
		}
		if (v[CSV_SEVERITY]->len > 0 &&
		    cti_severity_parse(v[CSV_SEVERITY]->p, v[CSV_SEVERITY]->len, &rec.severity) !=
		        0) {
			cti_load_report(
			    ld, start, NULL,
			    "severity '%.*s' is not 1-4 or high, medium, low, info",
			    (int)(v[CSV_SEVERITY]->len < 32 ? v[CSV_SEVERITY]->len : 32),
			    v[CSV_SEVERITY]->p);
			continue;
		}
		if (cti_time_parse(v[CSV_VALID_UNTIL]->p, v[CSV_VALID_UNTIL]->len,
		                   &rec.valid_until) != 0) {
			cti_load_report(
			    ld, start, NULL,
			    "valid_until '%.*s' is not a date (2026-12-31, "
			    "2026-12-31T23:59:59Z) or seconds since 1970",
			    (int)(v[CSV_VALID_UNTIL]->len < 40 ? v[CSV_VALID_UNTIL]->len : 40),
			    v[CSV_VALID_UNTIL]->p);
			continue;
		}
		if (v[CSV_SOURCE]->len > 0) {
			rec.source = v[CSV_SOURCE]->p;
			rec.source_len = v[CSV_SOURCE]->len;
		}
		if (v[CSV_TAGS]->len > 0) {
			rec.tags = v[CSV_TAGS]->p;
			rec.tags_len = v[CSV_TAGS]->len;
		}
		if (v[CSV_ID]->len > 0) {
			rec.id = v[CSV_ID]->p;
			rec.id_len = v[CSV_ID]->len;
		}
		if ((r = cti_load_add(ld, &rec, start, NULL)) != 0)
			return r;
	}
	return 0;
}

/* ---- plain lists ------------------------------------------------------------------------- */

static int
cti_plain_parse(struct cti_load *ld, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	unsigned long line = 0;
	int r;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *v, *ve, *rest;
		struct cti_record rec;

		if (eol == NULL)
			eol = end;
		line++;
		for (v = p; v < eol && isspace((unsigned char)*v); v++)
			;
		p = eol < end ? eol + 1 : end;
		if (v == eol || *v == '#')
			continue;
		for (ve = v; ve < eol && !isspace((unsigned char)*ve); ve++)
			;
		for (rest = ve; rest < eol && isspace((unsigned char)*rest); rest++)
			;
		if (rest < eol && *rest != '#') {
			cti_load_report(ld, line, NULL, "unexpected text after the value: '%.*s'",
			                (int)(eol - rest < 32 ? eol - rest : 32), rest);
			continue;
		}
		memset(&rec, 0, sizeof(rec));
		rec.type = ld->fc->type >= 0 ? ld->fc->type : -1;
		rec.value = v;
		rec.value_len = (size_t)(ve - v);
		rec.confidence = -1;
		rec.severity = -1;
		if ((r = cti_load_add(ld, &rec, line, NULL)) != 0)
			return r;
	}
	return 0;
}

/* ---- STIX 2.1 ---------------------------------------------------------------------------- */

struct stix_cmp {
	int type;
	size_t off, len; /* into the value buffer */
};

static void
stix_ws(const char **p, const char *end)
{
	while (*p < end && isspace((unsigned char)**p))
		(*p)++;
}

static bool
stix_word(const char **p, const char *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - *p) < n || memcmp(*p, w, n) != 0)
		return false;
	if ((size_t)(end - *p) > n && (isalnum((unsigned char)(*p)[n]) || (*p)[n] == '_'))
		return false;
	*p += n;
	return true;
}

/* The indicator type of an object path such as file:hashes.'SHA-256'; -1 when unsupported. */
static int
stix_path_type(const char *p, size_t len)
{
	char norm[64];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\'')
			continue;
		if (n + 1 >= sizeof(norm))
			return -1;
		norm[n++] = (char)tolower((unsigned char)p[i]);
	}
	norm[n] = '\0';
	if (strcmp(norm, "ipv4-addr:value") == 0)
		return CTI_T_IPV4;
	if (strcmp(norm, "ipv6-addr:value") == 0)
		return CTI_T_IPV6;
	if (strcmp(norm, "domain-name:value") == 0)
		return CTI_T_DOMAIN;
	if (strcmp(norm, "url:value") == 0)
		return CTI_T_URL;
	if (strcmp(norm, "file:hashes.md5") == 0)
		return CTI_T_MD5;
	if (strcmp(norm, "file:hashes.sha-1") == 0 || strcmp(norm, "file:hashes.sha1") == 0)
		return CTI_T_SHA1;
	if (strcmp(norm, "file:hashes.sha-256") == 0 || strcmp(norm, "file:hashes.sha256") == 0)
		return CTI_T_SHA256;
	return -1;
}

/*
 * Parses "[a:b = 'x' OR c:d = 'y'] OR [...]" into cmp[], unescaping the strings into vals.
 * Returns the number of comparisons, or -1 with *why set.
 */
static int
stix_pattern_parse(const char *pat, size_t len, struct sbuf *vals, struct stix_cmp *cmp,
                   const char **why)
{
	const char *p = pat, *end = pat + len;
	int n = 0;

	sbuf_reset(vals);
	for (;;) {
		stix_ws(&p, end);
		if (p >= end || *p != '[') {
			*why = "expected '['";
			return -1;
		}
		p++;
		for (;;) {
			const char *path;
			int type;

			stix_ws(&p, end);
			for (path = p;
			     p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '_' ||
			                 *p == ':' || *p == '.' || *p == '\'');
			     p++)
				;
			if (p == path) {
				*why = "expected an object path";
				return -1;
			}
			if ((type = stix_path_type(path, (size_t)(p - path))) < 0) {
				*why = "object path not supported";
				return -1;
			}
			stix_ws(&p, end);
			if (p >= end || *p != '=') {
				*why = "only '=' comparisons are supported";
				return -1;
			}
			p++;
			stix_ws(&p, end);
			if (p >= end || *p != '\'') {
				*why = "expected a quoted string";
				return -1;
			}
			if (n == STIX_CMP_MAX) {
				*why = "too many comparisons";
				return -1;
			}
			cmp[n].type = type;
			cmp[n].off = vals->len;
			for (p++;; p++) {
				if (p >= end) {
					*why = "unterminated string";
					return -1;
				}
				if (*p == '\\' && p + 1 < end && (p[1] == '\'' || p[1] == '\\')) {
					sbuf_addc(vals, *++p);
					continue;
				}
				if (*p == '\'')
					break;
				sbuf_addc(vals, *p);
			}
			p++;
			cmp[n].len = vals->len - cmp[n].off;
			n++;
			stix_ws(&p, end);
			if (stix_word(&p, end, "OR"))
				continue;
			if (p < end && *p == ']') {
				p++;
				break;
			}
			*why = p < end && (stix_word(&p, end, "AND") || *p == '(')
			           ? "AND and grouping are not supported"
			           : "expected OR or ']'";
			return -1;
		}
		stix_ws(&p, end);
		if (p == end)
			break;
		if (!stix_word(&p, end, "OR")) {
			*why = "only observations joined by OR are supported";
			return -1;
		}
	}
	if (sbuf_failed(vals)) {
		*why = "out of memory";
		return -1;
	}
	return n;
}

static int
cti_stix_object(struct cti_load *ld, json_t *obj, size_t idx, struct sbuf *vals, struct sbuf *tags,
                struct stix_cmp *cmp)
{
	struct cti_record rec;
	const char *id, *pattern, *why = NULL, *type;
	char ctx[128];
	json_t *v;
	int n, r;

	if (!json_is_object(obj)) {
		snprintf(ctx, sizeof(ctx), "objects[%zu]", idx);
		cti_load_report(ld, 0, ctx, "not an object");
		return 0;
	}
	type = json_string_value(json_object_get(obj, "type"));
	if (type == NULL || strcmp(type, "indicator") != 0)
		return 0; /* identities, relationships, malware, ...: not indicators */
	if ((id = json_string_value(json_object_get(obj, "id"))) == NULL) {
		snprintf(ctx, sizeof(ctx), "objects[%zu]", idx);
		id = ctx;
	}
	memset(&rec, 0, sizeof(rec));
	rec.confidence = -1;
	rec.severity = -1;
	if (id != ctx) {
		rec.id = id;
		rec.id_len = strlen(id);
	}
	if ((v = json_object_get(obj, "pattern_type")) != NULL &&
	    (!json_is_string(v) || strcmp(json_string_value(v), "stix") != 0)) {
		ld->st->unsupported++;
		cti_load_report(ld, 0, id, "pattern_type '%.32s' is not supported",
		                json_is_string(v) ? json_string_value(v) : "?");
		return 0;
	}
	if ((pattern = json_string_value(json_object_get(obj, "pattern"))) == NULL) {
		cti_load_report(ld, 0, id, "no pattern");
		return 0;
	}
	if ((v = json_object_get(obj, "valid_until")) != NULL) {
		const char *s = json_string_value(v);

		if (s == NULL || cti_time_parse(s, strlen(s), &rec.valid_until) != 0) {
			cti_load_report(ld, 0, id, "valid_until is not a timestamp");
			return 0;
		}
	}
	if ((v = json_object_get(obj, "confidence")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 100) {
			cti_load_report(ld, 0, id, "confidence is not an integer from 0 to 100");
			return 0;
		}
		rec.confidence = (int)json_integer_value(v);
	}
	rec.revoked = json_is_true(json_object_get(obj, "revoked"));
	if ((rec.name = json_string_value(json_object_get(obj, "name"))) != NULL)
		rec.name_len = strlen(rec.name);
	sbuf_reset(tags);
	if ((v = json_object_get(obj, "labels")) != NULL && json_is_array(v)) {
		size_t i;
		json_t *l;

		json_array_foreach(v, i, l)
		{
			if (!json_is_string(l) || json_string_length(l) == 0)
				continue;
			if (tags->len > 0)
				sbuf_addc(tags, '|');
			sbuf_add(tags, json_string_value(l), json_string_length(l));
		}
		if (sbuf_failed(tags))
			return SW_E_NOMEM;
		rec.tags = tags->p;
		rec.tags_len = tags->len;
	}
	if ((n = stix_pattern_parse(pattern, strlen(pattern), vals, cmp, &why)) < 0) {
		if (sbuf_failed(vals))
			return SW_E_NOMEM;
		ld->st->unsupported++;
		cti_load_report(ld, 0, id, "pattern not supported (%s): %.120s", why, pattern);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		rec.type = cmp[i].type;
		rec.value = vals->p + cmp[i].off;
		rec.value_len = cmp[i].len;
		if ((r = cti_load_add(ld, &rec, 0, id)) != 0)
			return r;
	}
	return 0;
}

static int
cti_stix_parse(struct cti_load *ld, const char *buf, size_t len)
{
	struct stix_cmp *cmp = NULL;
	struct sbuf vals, tags;
	json_error_t err;
	json_t *root, *objects = NULL;
	int r = 0;

	sbuf_init(&vals);
	sbuf_init(&tags);
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		sw_err("cti: %s:%d: not valid JSON: %s", ld->where, err.line, err.text);
		r = SW_E_INVAL;
		goto out;
	}
	if (json_is_array(root)) {
		objects = root;
	} else if (json_is_object(root)) {
		const char *type = json_string_value(json_object_get(root, "type"));

		if (type != NULL && strcmp(type, "bundle") == 0)
			objects = json_object_get(root, "objects");
		else if (type != NULL && strcmp(type, "indicator") == 0)
			objects = root;
	}
	if (objects == NULL || (!json_is_array(objects) && objects != root)) {
		sw_err("cti: %s: not a STIX 2.1 bundle (an object with \"type\": \"bundle\" and "
		       "\"objects\")",
		       ld->where);
		r = SW_E_INVAL;
		goto out;
	}
	if ((cmp = calloc(STIX_CMP_MAX, sizeof(*cmp))) == NULL) {
		r = SW_E_NOMEM;
		goto out;
	}
	if (json_is_array(objects)) {
		size_t i;
		json_t *o;

		json_array_foreach(objects, i, o)
		{
			if ((r = cti_stix_object(ld, o, i, &vals, &tags, cmp)) != 0)
				goto out;
		}
	} else if ((r = cti_stix_object(ld, objects, 0, &vals, &tags, cmp)) != 0) {
		goto out;
	}
	r = 0;
out:
	free(cmp);
	sbuf_free(&vals);
	sbuf_free(&tags);
	json_decref(root);
	return r;
}

/* ---- one feed ---------------------------------------------------------------------------- */

int
cti_feed_parse(struct cti_load *ld, const char *buf, size_t len)
{
	char *copy = NULL;
	int fmt = ld->fc->format, r;

	if (fmt <= CTI_FMT_AUTO || fmt >= CTI_FMT_MAX)
		fmt = cti_format_guess(buf, len);
	ld->st->format = fmt;
	switch (fmt) {
	case CTI_FMT_CSV:
		/* unquoting works in place: a copy when the bytes are borrowed */
		if ((copy = malloc(len + 1)) == NULL)
			return SW_E_NOMEM;
		memcpy(copy, buf, len);
		copy[len] = '\0';
		r = cti_csv_parse(ld, copy, len);
		free(copy);
		break;
	case CTI_FMT_STIX:
		r = cti_stix_parse(ld, buf, len);
		break;
	default:
		r = cti_plain_parse(ld, buf, len);
		break;
	}
	if (r == 0 && ld->good == 0 && ld->bad > 0) {
		sw_err("cti: %s: no valid indicator (%llu bad records)", ld->where,
		       (unsigned long long)ld->bad);
		r = SW_E_INVAL;
	}
	return r;
}

int
cti_feed_load(struct cti_load *ld)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (ld->fc->data != NULL)
		return cti_feed_parse(ld, ld->fc->data, ld->fc->len);
	if (ld->fc->path == NULL) {
		sw_err("cti: feed '%s': no path", ld->st->name);
		return SW_E_INVAL;
	}
	if ((r = cti_file_read(ld->fc->path, &buf, &len)) != 0) {
		if (r == SW_E_IO)
			sw_err("cti: %s: cannot read: %s", ld->where, strerror(errno));
		return r;
	}
	/* CSV unquotes in place: parse the buffer we own instead of copying it again */
	if (ld->fc->format == CTI_FMT_CSV ||
	    (ld->fc->format == CTI_FMT_AUTO && cti_format_guess(buf, len) == CTI_FMT_CSV)) {
		ld->st->format = CTI_FMT_CSV;
		r = cti_csv_parse(ld, buf, len);
		if (r == 0 && ld->good == 0 && ld->bad > 0) {
			sw_err("cti: %s: no valid indicator (%llu bad records)", ld->where,
			       (unsigned long long)ld->bad);
			r = SW_E_INVAL;
		}
	} else {
		r = cti_feed_parse(ld, buf, len);
	}
	free(buf);
	return r;
}
