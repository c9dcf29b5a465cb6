/* src/detect/detect_dataset.c: Suricata 7's datasets (docs.suricata.io, "Datasets"): named sets
 * of strings, MD5 / SHA-256 digests and addresses, with an optional reputation value per entry
 * (datarep), shared by every worker of an engine and carried across rule reloads. The option
 * text of the dataset and datarep keywords, the datasets: section of the config, the set files
 * (one value a line: base64 for strings, hex for digests, addresses as text; "value,rep" for
 * reputation sets) and their save on a clean exit. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "detect/detect_eng_int.h"
#include "detect/detect_int.h"

#define DS_STRIPES 64
#define DS_NAME_MAX 64
#define DS_DEFAULT_MEMCAP (16ull << 20)
#define DS_DEFAULT_HASHSIZE 4096u
#define DS_STRING_MAX 65535u

static const char *const ds_type_names[] = {"", "string", "md5", "sha256", "ipv4", "ip"};

struct ds_ent {
	struct ds_ent *next;
	uint32_t len;
	uint16_t rep;
	uint8_t data[];
};

struct det_dataset {
	atomic_uint refs;
	atomic_bool armed; /* held by a published engine: saved when the last holder goes */
	char *name;
	uint8_t type;   /* enum det_ds_type */
	bool rep;       /* a reputation set (datarep): "value,rep" lines */
	bool dynamic;   /* from the config, or with state / save: kept across reloads */
	char *load;     /* resolved paths, NULL when none */
	char *save;
	uint64_t memcap;
	uint32_t hashsize;
	atomic_uint_fast64_t used, refused, count;
	pthread_mutex_t lock[DS_STRIPES];
	struct ds_ent **bucket;
};

/* The sets of one engine, numbered; rules' items hold the numbers. */
struct det_datasets {
	struct det_dataset **v;
	uint32_t n;
	const struct detect_conf *conf; /* valid while the engine is built */
};

/* ---- one set ------------------------------------------------------------------------------- */

static size_t
ds_keylen(uint8_t type)
{
	switch (type) {
	case DET_DS_MD5:
		return 16;
	case DET_DS_SHA256:
		return 32;
	case DET_DS_IPV4:
		return 4;
	case DET_DS_IP:
		return 16;
	default:
		return 0; /* any length */
	}
}

static struct det_dataset *
ds_new(const char *name, uint8_t type, uint64_t memcap, uint32_t hashsize)
{
	struct det_dataset *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	atomic_init(&s->refs, 1);
	atomic_init(&s->armed, false);
	s->type = type;
	s->memcap = memcap;
	s->hashsize = hashsize > 0 ? hashsize : DS_DEFAULT_HASHSIZE;
	if ((s->name = strdup(name)) == NULL ||
	    (s->bucket = calloc(s->hashsize, sizeof(*s->bucket))) == NULL) {
		free(s->name);
		free(s);
		return NULL;
	}
	for (int i = 0; i < DS_STRIPES; i++)
		pthread_mutex_init(&s->lock[i], NULL);
	return s;
}

static int ds_save(const struct det_dataset *s);

static void
ds_unref(struct det_dataset *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	if (atomic_load(&s->armed) && s->save != NULL)
		(void)ds_save(s);
	for (uint32_t i = 0; i < s->hashsize; i++) {
		struct ds_ent *x = s->bucket[i], *n;

		for (; x != NULL; x = n) {
			n = x->next;
			free(x);
		}
	}
	for (int i = 0; i < DS_STRIPES; i++)
		pthread_mutex_destroy(&s->lock[i]);
	free(s->bucket);
	free(s->name);
	free(s->load);
	free(s->save);
	free(s);
}

struct det_dataset *
det_dataset_new(const char *name, uint8_t type, bool rep, uint64_t memcap, uint32_t hashsize)
{
	struct det_dataset *s;

	if (type < DET_DS_STRING || type > DET_DS_IP ||
	    (s = ds_new(name, type, memcap, hashsize)) == NULL)
		return NULL;
	s->rep = rep;
	atomic_store(&s->used, (uint64_t)s->hashsize * sizeof(*s->bucket));
	return s;
}

void
det_dataset_free(struct det_dataset *s)
{
	ds_unref(s);
}

uint64_t
det_dataset_count(const struct det_dataset *s)
{
	return atomic_load(&s->count);
}

/* An IPv4 address in an "ip" set is kept IPv4-mapped (::ffff:a.b.c.d). */
static const uint8_t *
ds_key(const struct det_dataset *s, const uint8_t *p, size_t *len, uint8_t tmp[16])
{
	size_t want = ds_keylen(s->type);

	if (s->type == DET_DS_IP && *len == 4) {
		memset(tmp, 0, 10);
		tmp[10] = tmp[11] = 0xff;
		memcpy(tmp + 12, p, 4);
		*len = 16;
		return tmp;
	}
	if (want != 0 && *len != want)
		return NULL;
	if (*len == 0 || *len > DS_STRING_MAX)
		return NULL;
	return p;
}

static uint32_t
ds_bucket(const struct det_dataset *s, const uint8_t *p, size_t len)
{
	return (uint32_t)(sw_hash64(p, len, 0x64617461) % s->hashsize);
}

/* The entry for p in bucket bk (its stripe locked), as a link to it; NULL when absent. */
static struct ds_ent **
ds_find(struct det_dataset *s, uint32_t bk, const uint8_t *p, size_t len)
{
	struct ds_ent **pp;

	for (pp = &s->bucket[bk]; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->len == len && memcmp((*pp)->data, p, len) == 0)
			return pp;
	return NULL;
}

/* Adds p (rep for a reputation set): 1 added, 0 there already (rep updated), -1 refused by
 * the memcap or out of memory. */
static int
ds_add(struct det_dataset *s, const uint8_t *p, size_t len, uint16_t rep)
{
	uint32_t bk = ds_bucket(s, p, len);
	size_t size = sizeof(struct ds_ent) + len;
	struct ds_ent **pp, *x;
	int r = 1;

	pthread_mutex_lock(&s->lock[bk % DS_STRIPES]);
	if ((pp = ds_find(s, bk, p, len)) != NULL) {
		(*pp)->rep = rep;
		r = 0;
	} else if (s->memcap > 0 && atomic_load(&s->used) + size > s->memcap) {
		atomic_fetch_add(&s->refused, 1);
		r = -1;
	} else if ((x = malloc(size)) == NULL) {
		atomic_fetch_add(&s->refused, 1);
		r = -1;
	} else {
		x->len = (uint32_t)len;
		x->rep = rep;
		memcpy(x->data, p, len);
		x->next = s->bucket[bk];
		s->bucket[bk] = x;
		atomic_fetch_add(&s->used, size);
		atomic_fetch_add(&s->count, 1);
	}
	pthread_mutex_unlock(&s->lock[bk % DS_STRIPES]);
	return r;
}

/* 1 removed, 0 absent. */
static int
ds_remove(struct det_dataset *s, const uint8_t *p, size_t len)
{
	uint32_t bk = ds_bucket(s, p, len);
	struct ds_ent **pp, *x;
	int r = 0;

	pthread_mutex_lock(&s->lock[bk % DS_STRIPES]);
	if ((pp = ds_find(s, bk, p, len)) != NULL) {
		x = *pp;
		*pp = x->next;
		atomic_fetch_sub(&s->used, sizeof(*x) + x->len);
		atomic_fetch_sub(&s->count, 1);
		free(x);
		r = 1;
	}
	pthread_mutex_unlock(&s->lock[bk % DS_STRIPES]);
	return r;
}

/* 1 present (its rep in *rep), 0 absent. */
static int
ds_lookup(struct det_dataset *s, const uint8_t *p, size_t len, uint16_t *rep)
{
	uint32_t bk = ds_bucket(s, p, len);
	struct ds_ent **pp;
	int r = 0;

	pthread_mutex_lock(&s->lock[bk % DS_STRIPES]);
	if ((pp = ds_find(s, bk, p, len)) != NULL) {
		*rep = (*pp)->rep;
		r = 1;
	}
	pthread_mutex_unlock(&s->lock[bk % DS_STRIPES]);
	return r;
}

/* ---- the file format ----------------------------------------------------------------------- */

/* Strict RFC 4648 base64 (padding optional) of text into out (cap bytes); -1 when bad. */
static long
ds_b64_decode(const char *text, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t n = 0, bits = 0, i, len = strlen(text);

	while (len > 0 && text[len - 1] == '=')
		len--;
	if (strlen(text) - len > 2)
		return -1;
	for (i = 0; i < len; i++) {
		int v = det_b64_val((uint8_t)text[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* one character alone cannot end the text, the bits left over must be zero, and a
	 * padded text is whole quads */
	if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0 ||
	    (strlen(text) != len && strlen(text) % 4 != 0))
		return -1;
	return (long)n;
}

static void
ds_b64_encode(FILE *fp, const uint8_t *p, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t k = len - i;

		if (k > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (k > 2)
			v |= p[i + 2];
		fputc(tab[v >> 18 & 63], fp);
		fputc(tab[v >> 12 & 63], fp);
		fputc(k > 1 ? tab[v >> 6 & 63] : '=', fp);
		fputc(k > 2 ? tab[v & 63] : '=', fp);
	}
}

/* One value as a set file writes it (text) into out[cap]: its length, or -1 with why. */
static long
ds_parse_value(uint8_t type, const char *text, uint8_t *out, size_t cap, const char **why)
{
	size_t want = ds_keylen(type);

	switch (type) {
	case DET_DS_STRING: {
		long n = ds_b64_decode(text, out, cap);

		if (n <= 0)
			*why = "not base64 (string sets hold base64-encoded values)";
		return n <= 0 ? -1 : n;
	}
	case DET_DS_MD5:
	case DET_DS_SHA256:
		if (strlen(text) != want * 2) {
			*why = type == DET_DS_MD5 ? "not 32 hex digits (an MD5)"
			                          : "not 64 hex digits (a SHA-256)";
			return -1;
		}
		for (size_t i = 0; i < want; i++) {
			int hi = isxdigit((unsigned char)text[2 * i]),
			    lo = isxdigit((unsigned char)text[2 * i + 1]);
			char two[3] = {text[2 * i], text[2 * i + 1], '\0'};

			if (!hi || !lo) {
				*why = "not hex";
				return -1;
			}
			out[i] = (uint8_t)strtoul(two, NULL, 16);
		}
		return (long)want;
	case DET_DS_IPV4:
		if (inet_pton(AF_INET, text, out) != 1) {
			*why = "not an IPv4 address";
			return -1;
		}
		return 4;
	default: /* ip */
		if (inet_pton(AF_INET6, text, out) == 1)
			return 16;
		if (inet_pton(AF_INET, text, out + 12) == 1) {
			memset(out, 0, 10);
			out[10] = out[11] = 0xff;
			return 16;
		}
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
}

static void
ds_write_value(FILE *fp, uint8_t type, const uint8_t *p, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	switch (type) {
	case DET_DS_STRING:
		ds_b64_encode(fp, p, len);
		break;
	case DET_DS_MD5:
	case DET_DS_SHA256:
		for (size_t i = 0; i < len; i++)
			fprintf(fp, "%02x", p[i]);
		break;
	case DET_DS_IPV4:
		fputs(inet_ntop(AF_INET, p, a, sizeof(a)) != NULL ? a : "?", fp);
		break;
	default:
		if (memcmp(p, mapped, 12) == 0)
			fputs(inet_ntop(AF_INET, p + 12, a, sizeof(a)) != NULL ? a : "?", fp);
		else
			fputs(inet_ntop(AF_INET6, p, a, sizeof(a)) != NULL ? a : "?", fp);
		break;
	}
}

static int ds_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
ds_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return SW_E_INVAL;
}

/* ds_load: path into s (det_dataset_read); missing_ok: a file that does not exist is an empty
 * set (a state file before its first save). */
int
det_dataset_read(struct det_dataset *s, FILE *fp, const char *path, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	unsigned lineno = 0;
	uint8_t *val = NULL;
	int r = 0;

	if ((val = malloc(DS_STRING_MAX + 1)) == NULL)
		return SW_E_NOMEM;
	while ((got = getline(&line, &cap, fp)) >= 0) {
		const char *why = NULL;
		char *text = line, *comma = NULL;
		unsigned long rep = 0;
		long n;

		lineno++;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		text = det_trim(line);
		if (*text == '\0')
			continue;
		if (s->rep) {
			char *end;

			if ((comma = strrchr(text, ',')) == NULL) {
				r = ds_fail(err, errlen, "%s:%u: expected '<value>,<reputation>'", path,
				            lineno);
				break;
			}
			*comma = '\0';
			errno = 0;
			rep = strtoul(det_trim(comma + 1), &end, 10);
			if (*det_trim(comma + 1) == '\0' || *end != '\0' || errno != 0 ||
			    rep > 65535) {
				r = ds_fail(err, errlen, "%s:%u: bad reputation '%s' (0 to 65535)", path,
				            lineno, det_trim(comma + 1));
				break;
			}
			text = det_trim(text);
		}
		if ((n = ds_parse_value(s->type, text, val, DS_STRING_MAX, &why)) < 0) {
			r = ds_fail(err, errlen, "%s:%u: dataset '%s' (%s): bad value '%.60s': %s",
			            path, lineno, s->name, ds_type_names[s->type], text, why);
			break;
		}
		if (ds_add(s, val, (size_t)n, (uint16_t)rep) < 0) {
			r = ds_fail(err, errlen,
			            "%s:%u: dataset '%s': memcap (%llu bytes) reached while loading",
			            path, lineno, s->name, (unsigned long long)s->memcap);
			break;
		}
	}
	free(line);
	free(val);
	return r;
}

static int
ds_load(struct det_dataset *s, const char *path, bool missing_ok, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	int r;

	if (fp == NULL) {
		if (missing_ok && errno == ENOENT)
			return 0;
		return ds_fail(err, errlen, "dataset '%s': cannot read '%s': %s", s->name, path,
		               strerror(errno));
	}
	r = det_dataset_read(s, fp, path, err, errlen);
	fclose(fp);
	return r;
}

void
det_dataset_write(const struct det_dataset *s, FILE *fp)
{
	for (uint32_t i = 0; i < s->hashsize; i++)
		for (const struct ds_ent *x = s->bucket[i]; x != NULL; x = x->next) {
			ds_write_value(fp, s->type, x->data, x->len);
			if (s->rep)
				fprintf(fp, ",%u", x->rep);
			fputc('\n', fp);
		}
}

/* Writes s to its save path (a temporary file renamed over it). */
static int
ds_save(const struct det_dataset *s)
{
	size_t plen = strlen(s->save) + 8;
	char *tmp = malloc(plen);
	FILE *fp;
	int r = 0;

	if (tmp == NULL)
		return SW_E_NOMEM;
	snprintf(tmp, plen, "%s.tmp", s->save);
	if ((fp = fopen(tmp, "w")) == NULL) {
		sw_err("dataset '%s': cannot save to '%s': %s", s->name, tmp, strerror(errno));
		free(tmp);
		return SW_E_IO;
	}
	det_dataset_write(s, fp);
	if (ferror(fp) | (fclose(fp) != 0) || rename(tmp, s->save) != 0) {
		sw_err("dataset '%s': cannot save to '%s': %s", s->name, s->save, strerror(errno));
		(void)remove(tmp);
		r = SW_E_IO;
	} else {
		sw_info("dataset '%s': %llu values saved to %s", s->name,
		        (unsigned long long)atomic_load(&s->count), s->save);
	}
	free(tmp);
	return r;
}

/* ---- the keyword's text -------------------------------------------------------------------- */

static int
ds_type_find(const char *t)
{
	for (int i = DET_DS_STRING; i <= DET_DS_IP; i++)
		if (strcmp(ds_type_names[i], t) == 0)
			return i;
	return -1;
}

static int
ds_strset(char **dst, const char *kw, const char *opt, const char *v, char *err, size_t errlen)
{
	if (*dst != NULL)
		return ds_fail(err, errlen, "%s: '%s' given twice", kw, opt);
	if (*v == '\0')
		return ds_fail(err, errlen, "%s: '%s' needs a file name", kw, opt);
	if ((*dst = strdup(v)) == NULL)
		return SW_E_NOMEM;
	return 0;
}

/* The options after the name: "type string, load x.lst, memcap 10mb, ..." (toks[0..n)). */
static int
ds_parse_opts(struct det_dsref *d, const char *kw, char **toks, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		char *o = det_trim(toks[i]), *v = o;
		int r, t;

		while (*v != '\0' && !isspace((unsigned char)*v))
			v++;
		if (*v != '\0')
			*v++ = '\0';
		v = det_trim(v);
		if (strcmp(o, "type") == 0) {
			if (d->type != DET_DS_NONE)
				return ds_fail(err, errlen, "%s: 'type' given twice", kw);
			if ((t = ds_type_find(v)) < 0)
				return ds_fail(err, errlen,
				               "%s: unknown type '%s' (string, md5, sha256, ipv4 or ip)",
				               kw, v);
			d->type = (uint8_t)t;
		} else if (strcmp(o, "load") == 0) {
			if ((r = ds_strset(&d->load, kw, o, v, err, errlen)) != 0)
				return r;
		} else if (strcmp(o, "save") == 0 && !d->is_rep) {
			if ((r = ds_strset(&d->save, kw, o, v, err, errlen)) != 0)
				return r;
		} else if (strcmp(o, "state") == 0 && !d->is_rep) {
			if ((r = ds_strset(&d->state, kw, o, v, err, errlen)) != 0)
				return r;
		} else if (strcmp(o, "memcap") == 0) {
			if (conf_parse_size(v, &d->memcap) != 0 || d->memcap == 0)
				return ds_fail(err, errlen, "%s: bad memcap '%s'", kw, v);
		} else if (strcmp(o, "hashsize") == 0) {
			char *end;
			unsigned long h;

			errno = 0;
			h = strtoul(v, &end, 10);
			if (*v == '\0' || *end != '\0' || errno != 0 || h == 0 || h > (1u << 24))
				return ds_fail(err, errlen, "%s: bad hashsize '%s' (1 to 16777216)", kw,
				               v);
			d->hashsize = (uint32_t)h;
		} else if (strcmp(o, "format") == 0 || strcmp(o, "enrichment_key") == 0 ||
		           strcmp(o, "value_key") == 0 || strcmp(o, "array_key") == 0 ||
		           strcmp(o, "remove_key") == 0) {
			return SW_E_UNSUPP; /* Suricata 8's JSON sets */
		} else {
			return ds_fail(err, errlen, "%s: unknown option '%s'", kw, o);
		}
	}
	if (d->load != NULL && d->state != NULL)
		return ds_fail(err, errlen, "%s: 'load' and 'state' cannot be mixed", kw);
	if (d->save != NULL && d->state != NULL)
		return ds_fail(err, errlen, "%s: 'save' and 'state' cannot be mixed", kw);
	return 0;
}

#define DS_TOKS 12

static int
ds_split(char *v, char **toks)
{
	char *save = NULL, *t;
	int n = 0;

	for (t = strtok_r(v, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (n == DS_TOKS)
			return -1;
		toks[n++] = det_trim(t);
	}
	return n;
}

int
det_dataset_parse(struct det_dsref *d, char *v, char *err, size_t errlen)
{
	static const char *const cmds[] = {"set", "isset", "isnotset", "unset"};
	char *toks[DS_TOKS];
	int n, c, r;

	memset(d, 0, sizeof(*d));
	d->id = UINT32_MAX; /* no set until the engine resolves it */
	if ((n = ds_split(v, toks)) < 2)
		return ds_fail(err, errlen,
		               "dataset: expected '<set|unset|isset|isnotset>,<name>[, type <t>, "
		               "load <file>, state <file>, save <file>, memcap <size>, hashsize <n>]'");
	for (c = 0; c < 4; c++)
		if (strcmp(toks[0], cmds[c]) == 0)
			break;
	if (c == 4)
		return ds_fail(err, errlen, "dataset: unknown command '%s' (set, unset, isset or "
		                            "isnotset)", toks[0]);
	d->cmd = (uint8_t)c;
	if (!det_name_ok(toks[1]) || strlen(toks[1]) >= DS_NAME_MAX)
		return ds_fail(err, errlen, "dataset: bad name '%s'", toks[1]);
	if ((d->name = strdup(toks[1])) == NULL)
		return SW_E_NOMEM;
	if ((r = ds_parse_opts(d, "dataset", toks + 2, n - 2, err, errlen)) != 0)
		return r;
	return 0;
}

int
det_datarep_parse(struct det_dsref *d, char *v, char *err, size_t errlen)
{
	char *toks[DS_TOKS], *end;
	unsigned long val;
	int n;

	memset(d, 0, sizeof(*d));
	d->id = UINT32_MAX;
	d->is_rep = true;
	d->cmd = DET_DS_REP;
	if ((n = ds_split(v, toks)) < 3)
		return ds_fail(err, errlen,
		               "datarep: expected '<name>,<operator>,<value>[, load <file>, type "
		               "<t>, memcap <size>, hashsize <n>]'");
	if (!det_name_ok(toks[0]) || strlen(toks[0]) >= DS_NAME_MAX)
		return ds_fail(err, errlen, "datarep: bad name '%s'", toks[0]);
	if (strcmp(toks[1], ">") == 0)
		d->rep_op = DET_DS_GT;
	else if (strcmp(toks[1], "<") == 0)
		d->rep_op = DET_DS_LT;
	else if (strcmp(toks[1], "==") == 0)
		d->rep_op = DET_DS_EQ;
	else
		return ds_fail(err, errlen, "datarep: unknown operator '%s' (>, < or ==)", toks[1]);
	errno = 0;
	val = strtoul(toks[2], &end, 10);
	if (*toks[2] == '\0' || !isdigit((unsigned char)*toks[2]) || *end != '\0' || errno != 0 ||
	    val > 65535)
		return ds_fail(err, errlen, "datarep: bad value '%s' (0 to 65535)", toks[2]);
	d->rep_value = (uint16_t)val;
	if ((d->name = strdup(toks[0])) == NULL)
		return SW_E_NOMEM;
	return ds_parse_opts(d, "datarep", toks + 3, n - 3, err, errlen);
}

void
det_dsref_free(struct det_dsref *d)
{
	free(d->name);
	free(d->load);
	free(d->save);
	free(d->state);
	memset(d, 0, sizeof(*d));
}

/* ---- the config's datasets: section -------------------------------------------------------- */

struct ds_conf_walk {
	struct conf_doc *doc;
	struct detect_conf *conf;
	int rc;
};

static struct detect_ds_conf *
ds_conf_get(struct detect_conf *conf, const char *name, size_t len)
{
	struct detect_ds_conf *n;

	for (size_t i = 0; i < conf->ndatasets; i++)
		if (strlen(conf->datasets[i].name) == len &&
		    strncmp(conf->datasets[i].name, name, len) == 0)
			return &conf->datasets[i];
	if ((n = realloc(conf->datasets, (conf->ndatasets + 1) * sizeof(*n))) == NULL)
		return NULL;
	conf->datasets = n;
	n = &n[conf->ndatasets];
	memset(n, 0, sizeof(*n));
	if ((n->name = strndup(name, len)) == NULL)
		return NULL;
	conf->ndatasets++;
	return n;
}

static int
ds_conf_key(void *arg, const char *key, const char *value)
{
	struct ds_conf_walk *w = arg;
	struct detect_conf *conf = w->conf;
	const char *dot = strrchr(key, '.'), *what;
	char path[256], where[128];
	struct detect_ds_conf *d;
	char **str = NULL;

	snprintf(path, sizeof(path), "datasets.%s", key);
	what = conf_doc_where(w->doc, path, where, sizeof(where));
	what = what != NULL ? what : "config";
	if (strcmp(key, "defaults.memcap") == 0 || strcmp(key, "defaults.hashsize") == 0 ||
	    (dot != NULL && (strcmp(dot, ".memcap") == 0 || strcmp(dot, ".hashsize") == 0))) {
		uint64_t v;

		if (value == NULL || conf_parse_size(value, &v) != 0 || v == 0 ||
		    (dot[1] == 'h' && v > (1u << 24))) {
			sw_err("%s: %s: bad value '%s'", what, path, value != NULL ? value : "");
			w->rc = SW_E_CONFIG;
			return 0;
		}
		if (strncmp(key, "defaults.", 9) == 0) {
			if (dot[1] == 'm')
				conf->ds_memcap = v;
			else
				conf->ds_hashsize = (uint32_t)v;
			return 0;
		}
		if ((d = ds_conf_get(conf, key, (size_t)(dot - key))) == NULL)
			return SW_E_NOMEM;
		if (dot[1] == 'm')
			d->memcap = v;
		else
			d->hashsize = (uint32_t)v;
		return 0;
	}
	if (strcmp(key, "rules.allow-absolute-filenames") == 0 ||
	    strcmp(key, "rules.allow-write") == 0) {
		bool b;

		if (value != NULL && (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0))
			b = true;
		else if (value != NULL && (strcmp(value, "false") == 0 || strcmp(value, "no") == 0))
			b = false;
		else {
			sw_err("%s: %s: expected true or false", what, path);
			w->rc = SW_E_CONFIG;
			return 0;
		}
		if (strcmp(key, "rules.allow-write") == 0)
			conf->ds_allow_write = b;
		else
			conf->ds_allow_absolute = b;
		return 0;
	}
	if (dot == NULL || strncmp(key, "defaults.", 9) == 0 || strncmp(key, "rules.", 6) == 0) {
		sw_err("%s: unknown key '%s'", what, path);
		w->rc = SW_E_CONFIG;
		return 0;
	}
	if ((d = ds_conf_get(conf, key, (size_t)(dot - key))) == NULL)
		return SW_E_NOMEM;
	if (d->where == NULL && (d->where = strdup(what)) == NULL)
		return SW_E_NOMEM;
	if (strcmp(dot, ".type") == 0)
		str = &d->type;
	else if (strcmp(dot, ".load") == 0)
		str = &d->load;
	else if (strcmp(dot, ".state") == 0)
		str = &d->state;
	else if (strcmp(dot, ".save") == 0)
		str = &d->save;
	if (str == NULL) {
		sw_err("%s: unknown key '%s' (a set has type, load, state, save, memcap, hashsize)",
		       what, path);
		w->rc = SW_E_CONFIG;
		return 0;
	}
	free(*str);
	if ((*str = strdup(value != NULL ? value : "")) == NULL)
		return SW_E_NOMEM;
	return 0;
}

int
det_dataset_conf_load(struct conf_doc *doc, struct detect_conf *conf)
{
	struct ds_conf_walk w = {doc, conf, 0};
	int r;

	conf->ds_memcap = DS_DEFAULT_MEMCAP;
	conf->ds_hashsize = DS_DEFAULT_HASHSIZE;
	conf->ds_allow_write = true;
	if ((r = conf_doc_foreach(doc, "datasets.", ds_conf_key, &w)) != 0)
		return r;
	for (size_t i = 0; w.rc == 0 && i < conf->ndatasets; i++) {
		const struct detect_ds_conf *d = &conf->datasets[i];
		const char *where = d->where != NULL ? d->where : "config";

		if (!det_name_ok(d->name)) {
			sw_err("%s: datasets.%s: bad set name", where, d->name);
			w.rc = SW_E_CONFIG;
		} else if (d->type == NULL || ds_type_find(d->type) < 0) {
			sw_err("%s: datasets.%s.type: %s (string, md5, sha256, ipv4 or ip)", where,
			       d->name, d->type == NULL ? "missing" : "unknown type");
			w.rc = SW_E_CONFIG;
		} else if (d->state != NULL && (d->load != NULL || d->save != NULL)) {
			sw_err("%s: datasets.%s: 'state' cannot be mixed with 'load' or 'save'",
			       where, d->name);
			w.rc = SW_E_CONFIG;
		}
	}
	return w.rc;
}

void
det_dataset_conf_free(struct detect_conf *conf)
{
	for (size_t i = 0; i < conf->ndatasets; i++) {
		struct detect_ds_conf *d = &conf->datasets[i];

		free(d->name);
		free(d->type);
		free(d->load);
		free(d->state);
		free(d->save);
		free(d->where);
	}
	free(conf->datasets);
	conf->datasets = NULL;
	conf->ndatasets = 0;
}

/* ---- the engine's sets --------------------------------------------------------------------- */

/* base/name, or name when it is absolute. NULL when out of memory. */
static char *
ds_path(const char *base, const char *name)
{
	size_t n;
	char *p;

	if (name[0] == '/' || base == NULL || base[0] == '\0')
		return strdup(name);
	n = strlen(base) + strlen(name) + 2;
	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s", base, name);
	return p;
}

/* The directory of a rule file ("." for a bare name). */
static char *
ds_dirname(const char *file)
{
	const char *slash = file != NULL ? strrchr(file, '/') : NULL;

	if (slash == NULL)
		return strdup(".");
	if (slash == file)
		return strdup("/");
	return strndup(file, (size_t)(slash - file));
}

static bool
ds_path_escapes(const char *name)
{
	const char *p = name;

	if (name[0] == '/')
		return true;
	while ((p = strstr(p, "..")) != NULL) {
		if ((p == name || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
		p += 2;
	}
	return false;
}

static int
ds_add_set(struct det_datasets *ds, struct det_dataset *s)
{
	struct det_dataset **n = realloc(ds->v, (ds->n + 1) * sizeof(*n));

	if (n == NULL)
		return SW_E_NOMEM;
	ds->v = n;
	n[ds->n++] = s;
	return 0;
}

static int
ds_find_set(const struct det_datasets *ds, const char *name)
{
	for (uint32_t i = 0; i < ds->n; i++)
		if (strcmp(ds->v[i]->name, name) == 0)
			return (int)i;
	return -1;
}

/* Makes a set and reads its file: load (must exist) or state (may not yet). */
static int
ds_make(struct det_datasets *ds, const char *name, uint8_t type, bool rep, uint64_t memcap,
        uint32_t hashsize, char *load, char *save, bool state, bool dynamic, char *err,
        size_t errlen)
{
	struct det_dataset *s = ds_new(name, type, memcap, hashsize);
	int r;

	if (s == NULL) {
		free(load);
		free(save);
		return SW_E_NOMEM;
	}
	s->rep = rep;
	s->load = load;
	s->save = save;
	s->dynamic = dynamic;
	/* the buckets are charged to the set's memcap too, as Suricata's hash rows */
	atomic_store(&s->used, (uint64_t)s->hashsize * sizeof(*s->bucket));
	if (s->memcap > 0 && atomic_load(&s->used) > s->memcap) {
		r = ds_fail(err, errlen, "dataset '%s': hashsize %u needs %llu bytes, more than its "
		                         "memcap (%llu)",
		            name, s->hashsize, (unsigned long long)atomic_load(&s->used),
		            (unsigned long long)s->memcap);
		ds_unref(s);
		return r;
	}
	if (s->load != NULL && (r = ds_load(s, s->load, state, err, errlen)) != 0) {
		ds_unref(s);
		return r;
	}
	if ((r = ds_add_set(ds, s)) != 0)
		ds_unref(s);
	return r;
}

int
det_dataset_engine_init(struct detect_engine *e, const struct detect_conf *conf)
{
	struct det_datasets *ds = calloc(1, sizeof(*ds));
	char err[300];
	int r;

	if (ds == NULL)
		return SW_E_NOMEM;
	e->ds = ds;
	ds->conf = conf;
	for (size_t i = 0; i < conf->ndatasets; i++) {
		const struct detect_ds_conf *d = &conf->datasets[i];
		const char *file = d->state != NULL ? d->state : d->load;
		char *load = NULL, *save = NULL;

		if (file != NULL && (load = ds_path(conf->data_dir, file)) == NULL)
			return SW_E_NOMEM;
		if (d->state != NULL || d->save != NULL) {
			if ((save = ds_path(conf->data_dir, d->state != NULL ? d->state : d->save)) ==
			    NULL) {
				free(load);
				return SW_E_NOMEM;
			}
		}
		r = ds_make(ds, d->name, (uint8_t)ds_type_find(d->type), false,
		            d->memcap ? d->memcap : conf->ds_memcap,
		            d->hashsize ? d->hashsize : conf->ds_hashsize, load, save,
		            d->state != NULL, true, err, sizeof(err));
		if (r != 0) {
			if (r == SW_E_INVAL)
				sw_err("%s: %s", d->where != NULL ? d->where : "datasets", err);
			return r == SW_E_INVAL ? SW_E_CONFIG : r;
		}
	}
	return 0;
}

int
det_dataset_resolve(struct detect_engine *e, struct det_rule *r, struct det_parse_error *err)
{
	struct det_datasets *ds = e->ds;
	const struct detect_conf *conf = ds != NULL ? ds->conf : NULL;

	for (uint32_t li = 0; li < r->nlists; li++) {
		struct det_list *l = &r->lists[li];

		for (uint32_t i = 0; i < l->n; i++) {
			struct det_dsref *d;
			const char *kw;
			int id, rc;

			if (l->items[i].kind != DET_ITEM_DATASET)
				continue;
			d = &l->items[i].u.ds;
			kw = d->is_rep ? "datarep" : "dataset";
			if (ds == NULL)
				return ds_fail(err->reason, sizeof(err->reason), "%s: no set table",
				               kw);
			if ((id = ds_find_set(ds, d->name)) >= 0) {
				const struct det_dataset *s = ds->v[id];

				if (d->type != DET_DS_NONE && d->type != s->type)
					return ds_fail(err->reason, sizeof(err->reason),
					               "%s: set '%s' is of type %s, not %s", kw,
					               d->name, ds_type_names[s->type],
					               ds_type_names[d->type]);
				if (d->is_rep && !s->rep)
					return ds_fail(err->reason, sizeof(err->reason),
					               "%s: set '%s' has no reputation values (it was "
					               "declared by dataset or the config)",
					               kw, d->name);
				d->id = (uint32_t)id;
				continue;
			}
			if (d->type == DET_DS_NONE)
				return ds_fail(err->reason, sizeof(err->reason),
				               "%s: set '%s' needs a type (type string, md5, sha256, "
				               "ipv4 or ip)",
				               kw, d->name);
			if (d->is_rep && d->load == NULL)
				return ds_fail(err->reason, sizeof(err->reason),
				               "%s: set '%s' needs a file to load (load <file>)", kw,
				               d->name);
			{
				const char *sv = d->state != NULL ? d->state : d->save;
				char *load = NULL, *save = NULL, *dir = NULL;

				if (sv != NULL && !conf->ds_allow_write)
					return ds_fail(err->reason, sizeof(err->reason),
					               "%s: '%s' is not allowed "
					               "(datasets.rules.allow-write is false)",
					               kw, d->state != NULL ? "state" : "save");
				if (sv != NULL && !conf->ds_allow_absolute && ds_path_escapes(sv))
					return ds_fail(err->reason, sizeof(err->reason),
					               "%s: '%s' must stay in the data directory (no "
					               "absolute name, no '..'; see "
					               "datasets.rules.allow-absolute-filenames)",
					               kw, sv);
				if (d->load != NULL) {
					if ((dir = ds_dirname(r->file)) == NULL)
						return SW_E_NOMEM;
					load = ds_path(dir, d->load);
					free(dir);
					if (load == NULL)
						return SW_E_NOMEM;
				} else if (d->state != NULL &&
				           (load = ds_path(conf->data_dir, d->state)) == NULL) {
					return SW_E_NOMEM;
				}
				if (sv != NULL && (save = ds_path(conf->data_dir, sv)) == NULL) {
					free(load);
					return SW_E_NOMEM;
				}
				rc = ds_make(ds, d->name, d->type, d->is_rep,
				             d->memcap ? d->memcap : conf->ds_memcap,
				             d->hashsize ? d->hashsize : conf->ds_hashsize, load, save,
				             d->state != NULL, sv != NULL, err->reason,
				             sizeof(err->reason));
				if (rc != 0)
					return rc;
			}
			d->id = ds->n - 1;
		}
	}
	return 0;
}

void
det_dataset_engine_free(struct detect_engine *e)
{
	struct det_datasets *ds = e->ds;

	if (ds == NULL)
		return;
	for (uint32_t i = 0; i < ds->n; i++)
		ds_unref(ds->v[i]);
	free(ds->v);
	free(ds);
	e->ds = NULL;
}

void
det_dataset_arm(struct detect_engine *e)
{
	for (uint32_t i = 0; e->ds != NULL && i < e->ds->n; i++)
		atomic_store(&e->ds->v[i]->armed, true);
}

void
det_dataset_carry(struct detect_engine *to, struct detect_engine *from)
{
	if (to->ds == NULL || from->ds == NULL)
		return;
	for (uint32_t i = 0; i < to->ds->n; i++) {
		struct det_dataset *n = to->ds->v[i];
		int j = ds_find_set(from->ds, n->name);
		struct det_dataset *o;

		if (j < 0)
			continue;
		o = from->ds->v[j];
		/* a set that only loads a file is read again; one that learns keeps what it
		 * learnt */
		if (!n->dynamic || !o->dynamic || o->type != n->type || o->rep != n->rep)
			continue;
		atomic_fetch_add(&o->refs, 1);
		to->ds->v[i] = o;
		ds_unref(n); /* never armed: not saved */
	}
	det_dataset_arm(to);
}

bool
det_dataset_match(const struct detect_engine *e, const struct det_dsref *d, const uint8_t *p,
                  size_t len, sw_counter_t *refused)
{
	struct det_dataset *s;
	const uint8_t *key;
	uint8_t tmp[16];
	uint16_t rep = 0;

	if (e->ds == NULL || d->id >= e->ds->n)
		return false;
	s = e->ds->v[d->id];
	key = ds_key(s, p, &len, tmp);
	switch (d->cmd) {
	case DET_DS_ISSET:
		return key != NULL && ds_lookup(s, key, len, &rep) == 1;
	case DET_DS_ISNOTSET:
		return key == NULL || ds_lookup(s, key, len, &rep) == 0;
	case DET_DS_SET: { /* matches when the value is new */
		int r = key != NULL ? ds_add(s, key, len, 0) : 0;

		if (r < 0 && refused != NULL)
			sw_counter_add(refused, 1);
		return r == 1;
	}
	case DET_DS_UNSET: /* matches when the value was there */
		return key != NULL && ds_remove(s, key, len) == 1;
	default: /* datarep */
		if (key == NULL || ds_lookup(s, key, len, &rep) != 1)
			return false;
		return d->rep_op == DET_DS_GT   ? rep > d->rep_value
		       : d->rep_op == DET_DS_LT ? rep < d->rep_value
		                                : rep == d->rep_value;
	}
}
