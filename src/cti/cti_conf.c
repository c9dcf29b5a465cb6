/* src/cti/cti_conf.c: the cti.* configuration keys (DESIGN.md "CTI indicators"): feeds as a
 * sequence of mappings cti.feeds.N.*, signature_id bases per type, and --indicators FILE. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cti/cti_int.h"

#define CTI_FEEDS_MAX 1000

static const char *const cti_format_choices[] = {"auto", "csv", "plain", "stix", NULL};
static const char *const cti_type_choices[] = {"auto", "ipv4", "ipv6",   "domain", "url",
                                               "md5",  "sha1", "sha256", "ja3",    "ja4", "ja4s", NULL};

#define SID(t) offsetof(struct cti_conf, sid) + (t) * sizeof(uint32_t)

static const struct conf_key cti_keys[] = {
    {"cti.enabled", CONF_BOOL, offsetof(struct cti_conf, enabled), "yes", 0, 0, NULL},
    {"cti.reload-watch", CONF_BOOL, offsetof(struct cti_conf, reload_watch), "yes", 0, 0, NULL},
    {"cti.match-tunnel-addresses", CONF_BOOL, offsetof(struct cti_conf, match_tunnel), "no", 0, 0,
     NULL},
    {"cti.memcap", CONF_SIZE, offsetof(struct cti_conf, memcap), "32mb", 1 << 16, INT64_MAX, NULL},
    {"cti.kafka.brokers", CONF_STR, offsetof(struct cti_conf, kafka.brokers), NULL, 0, 0, NULL},
    {"cti.kafka.topic", CONF_STR, offsetof(struct cti_conf, kafka.topic), "spanwatch.intel", 0, 0,
     NULL},
    {"cti.kafka.group", CONF_STR, offsetof(struct cti_conf, kafka.group), "spanwatch-intel", 0, 0,
     NULL},
    {"cti.kafka.state-file", CONF_STR, offsetof(struct cti_conf, kafka.state_file), NULL, 0, 0,
     NULL},
    {"cti.kafka.batch-ms", CONF_U32, offsetof(struct cti_conf, kafka.batch_ms), "100", 1, 60000,
     NULL},
    {"cti.kafka.batch-max", CONF_U32, offsetof(struct cti_conf, kafka.batch_max), "100000", 1,
     10000000, NULL},
    {"cti.kafka.memcap", CONF_SIZE, offsetof(struct cti_conf, kafka.memcap), "256mb", 1 << 20,
     INT64_MAX, NULL},
    {"cti.kafka.initial-wait", CONF_U32, offsetof(struct cti_conf, kafka.initial_wait), "10", 0,
     3600, NULL},
    {"cti.retro.minutes", CONF_U32, offsetof(struct cti_conf, retro_minutes), "0", 0, 10080, NULL},
    {"cti.retro.memcap", CONF_SIZE, offsetof(struct cti_conf, retro_memcap), "64mb", 1 << 20,
     INT64_MAX, NULL},
    {"cti.kafka.properties.*", CONF_STR, 0, NULL, 0, 0, NULL},
    {"cti.sid.ipv4", CONF_U32, SID(CTI_T_IPV4), "9100000", 1, 2000000000, NULL},
    {"cti.sid.ipv6", CONF_U32, SID(CTI_T_IPV6), "9110000", 1, 2000000000, NULL},
    {"cti.sid.domain", CONF_U32, SID(CTI_T_DOMAIN), "9120000", 1, 2000000000, NULL},
    {"cti.sid.url", CONF_U32, SID(CTI_T_URL), "9130000", 1, 2000000000, NULL},
    {"cti.sid.md5", CONF_U32, SID(CTI_T_MD5), "9140000", 1, 2000000000, NULL},
    {"cti.sid.sha1", CONF_U32, SID(CTI_T_SHA1), "9150000", 1, 2000000000, NULL},
    {"cti.sid.sha256", CONF_U32, SID(CTI_T_SHA256), "9160000", 1, 2000000000, NULL},
    {"cti.sid.ja3", CONF_U32, SID(CTI_T_JA3), "9170000", 1, 2000000000, NULL},
    {"cti.sid.ja4", CONF_U32, SID(CTI_T_JA4), "9180000", 1, 2000000000, NULL},
    {"cti.sid.ja4s", CONF_U32, SID(CTI_T_JA4S), "9190000", 1, 2000000000, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL},
};

static void
cti_strlist_free(struct conf_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
cti_feed_conf_clear(struct cti_feed_conf *f)
{
	free(f->name);
	free(f->path);
	cti_strlist_free(&f->tags);
	memset(f, 0, sizeof(*f));
}

void
cti_conf_free(struct cti_conf *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nfeeds; i++)
		cti_feed_conf_clear(&conf->feeds[i]);
	free(conf->feeds);
	conf->feeds = NULL;
	conf->nfeeds = 0;
	conf_struct_free(cti_keys, conf);
	free(conf->kafka.props);
	conf->kafka.props = NULL;
	conf->kafka.props_len = 0;
}

/* One cti.kafka.properties.KEY: VALUE, appended as "KEY\0VALUE\0". */
static int
cti_conf_kafka_prop(void *arg, const char *key, const char *value)
{
	struct cti_kafka_conf *k = arg;
	size_t kl = strlen(key) + 1, vl = value != NULL ? strlen(value) + 1 : 1;
	char *np = realloc(k->props, k->props_len + kl + vl);

	if (np == NULL)
		return SW_E_NOMEM;
	memcpy(np + k->props_len, key, kl);
	memcpy(np + k->props_len + kl, value != NULL ? value : "", vl);
	k->props = np;
	k->props_len += kl + vl;
	return 0;
}

static const char *
cti_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

static bool
cti_conf_has_name(const struct cti_conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->nfeeds; i++)
		if (conf->feeds[i].name != NULL && strcmp(conf->feeds[i].name, name) == 0)
			return true;
	return false;
}

static int
cti_conf_grow(struct cti_conf *conf)
{
	struct cti_feed_conf *nf;

	if (conf->nfeeds >= CTI_FEEDS_MAX)
		return SW_E_RANGE;
	if ((nf = realloc(conf->feeds, (conf->nfeeds + 1) * sizeof(*nf))) == NULL)
		return SW_E_NOMEM;
	conf->feeds = nf;
	memset(&nf[conf->nfeeds], 0, sizeof(*nf));
	return 0;
}

/* Reads cti.feeds.<i>.* into f; 0 or SW_E_CONFIG/SW_E_NOMEM. */
static int
cti_conf_feed(struct conf_doc *doc, size_t i, struct cti_feed_conf *f)
{
	char paths[7][64], where[256];
	struct conf_key keys[8];
	static const char *const leaf[7] = {"name",       "path",     "format", "type",
	                                    "confidence", "severity", "tags"};
	int r;

	for (int k = 0; k < 7; k++)
		snprintf(paths[k], sizeof(paths[k]), "cti.feeds.%zu.%s", i, leaf[k]);
	memset(keys, 0, sizeof(keys));
	keys[0] = (struct conf_key){
	    paths[0], CONF_STR, offsetof(struct cti_feed_conf, name), NULL, 0, 0, NULL};
	keys[1] = (struct conf_key){
	    paths[1], CONF_STR, offsetof(struct cti_feed_conf, path), NULL, 0, 0, NULL};
	keys[2] = (struct conf_key){
	    paths[2], CONF_ENUM,         offsetof(struct cti_feed_conf, format), "auto", 0,
	    0,        cti_format_choices};
	keys[3] = (struct conf_key){
	    paths[3], CONF_ENUM,       offsetof(struct cti_feed_conf, type), "auto", 0,
	    0,        cti_type_choices};
	keys[4] = (struct conf_key){
	    paths[4], CONF_U32, offsetof(struct cti_feed_conf, confidence), "50", 0, 100, NULL};
	keys[5] = (struct conf_key){
	    paths[5], CONF_U32, offsetof(struct cti_feed_conf, severity), "2", 1, 4, NULL};
	keys[6] = (struct conf_key){
	    paths[6], CONF_STRLIST, offsetof(struct cti_feed_conf, tags), NULL, 0, 0, NULL};
	r = conf_apply(doc, keys, f);
	f->type -= 1; /* "auto" is -1 */
	if (r == SW_E_NOMEM)
		return r;
	if (f->path == NULL || f->path[0] == '\0') {
		snprintf(where, sizeof(where), "cti.feeds.%zu", i);
		sw_err("%s: key '%s': a feed needs a path",
		       conf_doc_where(doc, where, where, sizeof(where)) ?: "--set", paths[1]);
		return SW_E_CONFIG;
	}
	if (r != 0)
		return r;
	if (f->name == NULL && (f->name = strdup(cti_basename(f->path))) == NULL)
		return SW_E_NOMEM;
	return 0;
}

int
cti_conf_load(struct conf_doc *doc, struct cti_conf *conf)
{
	char key[64], where[256];
	int r, rr;

	memset(conf, 0, sizeof(*conf));
	r = conf_apply(doc, cti_keys, conf);
	if (conf_doc_foreach(doc, "cti.kafka.properties.", cti_conf_kafka_prop, &conf->kafka) != 0)
		return SW_E_NOMEM;
	for (size_t i = 0;; i++) {
		snprintf(key, sizeof(key), "cti.feeds.%zu", i);
		if (conf_doc_where(doc, key, where, sizeof(where)) == NULL)
			break;
		if ((rr = cti_conf_grow(conf)) != 0) {
			if (rr == SW_E_RANGE)
				sw_err("%s: key 'cti.feeds': more than %d feeds", where,
				       CTI_FEEDS_MAX);
			return rr == SW_E_RANGE ? SW_E_CONFIG : rr;
		}
		rr = cti_conf_feed(doc, i, &conf->feeds[conf->nfeeds]);
		if (rr == SW_E_NOMEM) {
			cti_feed_conf_clear(&conf->feeds[conf->nfeeds]);
			return rr;
		}
		if (rr == 0 && cti_conf_has_name(conf, conf->feeds[conf->nfeeds].name)) {
			snprintf(key, sizeof(key), "cti.feeds.%zu.name", i);
			sw_err("%s: key '%s': feed name '%s' is used twice",
			       conf_doc_where(doc, key, where, sizeof(where)) ?: where, key,
			       conf->feeds[conf->nfeeds].name);
			rr = SW_E_CONFIG;
		}
		if (rr != 0) {
			cti_feed_conf_clear(&conf->feeds[conf->nfeeds]);
			r = SW_E_CONFIG;
			continue;
		}
		conf->nfeeds++;
	}
	return r;
}

int
cti_conf_add_file(struct cti_conf *conf, const char *path)
{
	struct cti_feed_conf *f;
	const char *base = cti_basename(path);
	int r;

	if ((r = cti_conf_grow(conf)) != 0)
		return r;
	f = &conf->feeds[conf->nfeeds];
	f->format = CTI_FMT_AUTO;
	f->type = -1;
	f->confidence = 50;
	f->severity = 2;
	if ((f->path = strdup(path)) == NULL ||
	    (f->name = strdup(cti_conf_has_name(conf, base) ? path : base)) == NULL) {
		cti_feed_conf_clear(f);
		return SW_E_NOMEM;
	}
	conf->nfeeds++;
	return 0;
}
