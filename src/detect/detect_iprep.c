/* src/detect/detect_iprep.c: Suricata 7's IP reputation (docs.suricata.io, "IP Reputation
 * Config", "IP Reputation Format", "IP Reputation Keyword"): the categories file ("id,name,
 * description"), the reputation files ("address[/prefix],category,score", IPv4 and IPv6), read
 * with the rules (a reload reads them again), and the iprep keyword's lookups: the most specific
 * entry that covers an address (a host over its network) gives its scores. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_eng_int.h"
#include "detect/detect_int.h"

#define IPREP_CATS     61  /* category ids 0..60 */
#define IPREP_MAX_SCORE 127

struct iprep_ent {
	struct iprep_ent *next;
	det_u128 net; /* masked */
	uint8_t plen; /* in the 128-bit space (IPv4 /24 is 120) */
	uint8_t score[IPREP_CATS]; /* 0: no data */
};

struct det_iprep {
	char *cat[IPREP_CATS]; /* short names; NULL: no such id */
	struct iprep_ent **bucket;
	uint32_t nbuckets;
	uint8_t plens[129]; /* the prefix lengths present, longest first */
	uint8_t nplens;
	bool has_plen[129];
};

static det_u128
mask_of(uint8_t plen)
{
	if (plen == 0)
		return 0;
	return ~(det_u128)0 << (128 - plen);
}

static uint32_t
ent_bucket(const struct det_iprep *ip, det_u128 net, uint8_t plen)
{
	return (uint32_t)(sw_hash64(&net, sizeof(net), plen) % ip->nbuckets);
}

static struct iprep_ent *
ent_find(const struct det_iprep *ip, det_u128 net, uint8_t plen)
{
	for (struct iprep_ent *x = ip->bucket[ent_bucket(ip, net, plen)]; x != NULL; x = x->next)
		if (x->net == net && x->plen == plen)
			return x;
	return NULL;
}

void
det_iprep_free(struct det_iprep *ip)
{
	if (ip == NULL)
		return;
	for (int i = 0; i < IPREP_CATS; i++)
		free(ip->cat[i]);
	for (uint32_t i = 0; i < ip->nbuckets; i++) {
		struct iprep_ent *x = ip->bucket[i], *n;

		for (; x != NULL; x = n) {
			n = x->next;
			free(x);
		}
	}
	free(ip->bucket);
	free(ip);
}

/* "a.b.c.d[/p]" or "v6[/p]" into the 128-bit space; false when malformed. */
static bool
parse_net(char *s, det_u128 *net, uint8_t *plen)
{
	char *slash = strchr(s, '/');
	uint8_t b[16];
	unsigned long p;
	int fam, maxp;
	char *end;

	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, s, b) == 1) {
		fam = 4;
		maxp = 32;
	} else if (inet_pton(AF_INET6, s, b) == 1) {
		fam = 6;
		maxp = 128;
	} else {
		return false;
	}
	p = (unsigned long)maxp;
	if (slash != NULL) {
		errno = 0;
		p = strtoul(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || errno != 0 || p > (unsigned long)maxp)
			return false;
	}
	*plen = (uint8_t)(fam == 4 ? 96 + p : p);
	*net = det_addr_key(fam, b) & mask_of(*plen);
	return true;
}

/* A line's fields split at commas, trimmed: how many (at most max). */
static int
split(char *line, char **f, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return max + 1;
		f[n++] = det_trim(t);
	}
	return n;
}

static bool
num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end == '\0' && errno == 0 && *out <= max;
}

/* Lines of fp (named path in messages), '#' comments and blank lines skipped: fn for each,
 * with its number. */
static int
read_fp(FILE *fp, const char *path, int (*fn)(struct det_iprep *, const char *, unsigned, char *),
        struct det_iprep *ip)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	unsigned n = 0;
	int r = 0;

	while (r == 0 && (got = getline(&line, &cap, fp)) >= 0) {
		char *s;

		n++;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		s = det_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		r = fn(ip, path, n, s);
	}
	free(line);
	return r;
}

static int
read_lines(const char *path, int (*fn)(struct det_iprep *, const char *, unsigned, char *),
           struct det_iprep *ip)
{
	FILE *fp = fopen(path, "r");
	int r;

	if (fp == NULL) {
		sw_err("iprep: cannot read '%s': %s", path, strerror(errno));
		return SW_E_CONFIG;
	}
	r = read_fp(fp, path, fn, ip);
	fclose(fp);
	return r;
}

static int
cat_line(struct det_iprep *ip, const char *path, unsigned n, char *s)
{
	char *f[3];
	unsigned long id;

	if (split(s, f, 3) != 3) {
		sw_err("%s:%u: expected '<id>,<short name>,<description>'", path, n);
		return SW_E_CONFIG;
	}
	if (!num(f[0], IPREP_CATS - 1, &id)) {
		sw_err("%s:%u: bad category id '%s' (0 to %d)", path, n, f[0], IPREP_CATS - 1);
		return SW_E_CONFIG;
	}
	if (!det_name_ok(f[1])) {
		sw_err("%s:%u: bad category name '%s'", path, n, f[1]);
		return SW_E_CONFIG;
	}
	if (ip->cat[id] != NULL) {
		sw_err("%s:%u: category %lu defined twice", path, n, id);
		return SW_E_CONFIG;
	}
	for (int i = 0; i < IPREP_CATS; i++)
		if (ip->cat[i] != NULL && strcmp(ip->cat[i], f[1]) == 0) {
			sw_err("%s:%u: category name '%s' used twice", path, n, f[1]);
			return SW_E_CONFIG;
		}
	if ((ip->cat[id] = strdup(f[1])) == NULL)
		return SW_E_NOMEM;
	return 0;
}

static int
rep_line(struct det_iprep *ip, const char *path, unsigned n, char *s)
{
	char *f[3], text[64];
	unsigned long cat, score;
	det_u128 net;
	uint8_t plen;
	struct iprep_ent *x;

	if (split(s, f, 3) != 3) {
		sw_err("%s:%u: expected '<address[/prefix]>,<category>,<score>'", path, n);
		return SW_E_CONFIG;
	}
	snprintf(text, sizeof(text), "%s", f[0]); /* parse_net cuts at the '/' */
	if (!parse_net(f[0], &net, &plen)) {
		sw_err("%s:%u: bad address '%s'", path, n, text);
		return SW_E_CONFIG;
	}
	if (!num(f[1], IPREP_CATS - 1, &cat) || ip->cat[cat] == NULL) {
		sw_err("%s:%u: category '%s' is not in the categories file", path, n, f[1]);
		return SW_E_CONFIG;
	}
	if (!num(f[2], IPREP_MAX_SCORE, &score)) {
		sw_err("%s:%u: bad score '%s' (0 to %d)", path, n, f[2], IPREP_MAX_SCORE);
		return SW_E_CONFIG;
	}
	if ((x = ent_find(ip, net, plen)) == NULL) {
		uint32_t bk = ent_bucket(ip, net, plen);

		if ((x = calloc(1, sizeof(*x))) == NULL)
			return SW_E_NOMEM;
		x->net = net;
		x->plen = plen;
		x->next = ip->bucket[bk];
		ip->bucket[bk] = x;
		ip->has_plen[plen] = true;
	}
	x->score[cat] = (uint8_t)score;
	return 0;
}

struct det_iprep *
det_iprep_new(void)
{
	struct det_iprep *ip = calloc(1, sizeof(*ip));

	if (ip == NULL)
		return NULL;
	ip->nbuckets = 4096;
	if ((ip->bucket = calloc(ip->nbuckets, sizeof(*ip->bucket))) == NULL) {
		free(ip);
		return NULL;
	}
	return ip;
}

int
det_iprep_read(struct det_iprep *ip, FILE *fp, const char *path, bool categories)
{
	return read_fp(fp, path, categories ? cat_line : rep_line, ip);
}

void
det_iprep_finish(struct det_iprep *ip)
{
	ip->nplens = 0;
	for (int p = 128; p >= 0; p--)
		if (ip->has_plen[p])
			ip->plens[ip->nplens++] = (uint8_t)p;
}

int
det_iprep_engine_init(struct detect_engine *e, const struct detect_conf *conf)
{
	struct det_iprep *ip;
	int r = 0;

	if (conf->iprep_categories == NULL || conf->iprep_categories[0] == '\0') {
		if (conf->iprep_files.n > 0) {
			sw_err("iprep: reputation-files without a reputation-categories-file");
			return SW_E_CONFIG;
		}
		return 0;
	}
	if ((ip = det_iprep_new()) == NULL)
		return SW_E_NOMEM;
	r = read_lines(conf->iprep_categories, cat_line, ip);
	for (size_t i = 0; r == 0 && i < conf->iprep_files.n; i++) {
		const char *f = conf->iprep_files.v[i];
		char path[4096];

		if (f[0] == '/' || conf->iprep_path == NULL || conf->iprep_path[0] == '\0')
			snprintf(path, sizeof(path), "%s", f);
		else
			snprintf(path, sizeof(path), "%s/%s", conf->iprep_path, f);
		r = read_lines(path, rep_line, ip);
	}
	if (r != 0) {
		det_iprep_free(ip);
		return r;
	}
	det_iprep_finish(ip);
	e->iprep = ip;
	return 0;
}

int
det_iprep_resolve(struct detect_engine *e, struct det_rule *r, struct det_parse_error *err)
{
	for (uint32_t i = 0; i < r->nkws; i++) {
		struct det_kw *k = &r->kws[i];
		int id;

		if (k->kind != DET_KW_IPREP)
			continue;
		if (e->iprep == NULL) {
			snprintf(err->reason, sizeof(err->reason),
			         "iprep: no reputation-categories-file in the config");
			return SW_E_INVAL;
		}
		for (id = 0; id < IPREP_CATS; id++)
			if (e->iprep->cat[id] != NULL && strcmp(e->iprep->cat[id], k->name) == 0)
				break;
		if (id == IPREP_CATS) {
			snprintf(err->reason, sizeof(err->reason),
			         "iprep: unknown category '%.60s' (not in the categories file)",
			         k->name);
			return SW_E_INVAL;
		}
		k->id = id;
	}
	return 0;
}

int
det_iprep_score(const struct detect_engine *e, det_u128 addr, int cat)
{
	return det_iprep_lookup(e->iprep, addr, cat);
}

int
det_iprep_lookup(const struct det_iprep *ip, det_u128 addr, int cat)
{
	if (ip == NULL || cat < 0 || cat >= IPREP_CATS)
		return -1;
	for (uint8_t i = 0; i < ip->nplens; i++) {
		uint8_t p = ip->plens[i];
		const struct iprep_ent *x = ent_find(ip, addr & mask_of(p), p);

		/* the most specific entry decides, as Suricata's host entry over its CIDR tree */
		if (x != NULL)
			return x->score[cat] > 0 ? x->score[cat] : -1;
	}
	return -1;
}
