/* src/output/output_sink.c: the sink table, the output set shared by all threads, and the
 * outputs.* configuration keys. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/output_int.h"
#include "output/output_report_int.h"

static const struct output_sink_ops *const sinks[] = {
	&output_sink_stdout,
	&output_sink_file,
	&output_sink_kafka,
	&output_sink_report,
	NULL,
};

const struct output_sink_ops *
output_sink_find(const char *name)
{
	size_t i;

	for (i = 0; sinks[i] != NULL; i++)
		if (strcmp(sinks[i]->name, name) == 0)
			return sinks[i];
	return NULL;
}

#define MAX_SINKS 3

struct sink_slot {
	const struct output_sink_ops *ops;
	struct output_sink *sink;
	bool types[EVE_TYPE_MAX];
};

/* The EVE sink (stdout or file) and, when enabled, the Kafka sink. */
struct output {
	struct sink_slot slot[MAX_SINKS];
	int nslots;
	int kafka; /* slot of the Kafka sink, -1 when none */
	const char *evidence_topic; /* evidence pcaps go there (Kafka and evidence on) */
	int report; /* slot of the report sink, -1 when none */
	bool enabled[EVE_TYPE_MAX]; /* any sink wants it */
	pthread_mutex_t lock;
	struct output_stats st;
};

static const char *const sink_kinds[] = {"auto", "stdout", "file", NULL};

#define K(f) offsetof(struct output_conf, kafka.f)

static const struct conf_key output_keys[] = {
	{"sensor.name", CONF_STR, offsetof(struct output_conf, sensor_name), NULL, 0, 0, NULL},
	{"outputs.log-dir", CONF_STR, offsetof(struct output_conf, log_dir), NULL, 0, 0, NULL},
	{"outputs.eve.sink", CONF_ENUM, offsetof(struct output_conf, sink), "auto", 0, 0,
	 sink_kinds},
	{"outputs.eve.filename", CONF_STR, offsetof(struct output_conf, filename), "eve.json", 0, 0,
	 NULL},
	/* no default: every event type (output_conf_load) */
	{"outputs.eve.types", CONF_STRLIST, offsetof(struct output_conf, types), NULL, 0, 0, NULL},
	{"outputs.stats.interval", CONF_SECS, offsetof(struct output_conf, stats_interval), "60", 0,
	 86400, NULL},
	{"outputs.eve.tagged-packets", CONF_BOOL, offsetof(struct output_conf, tagged_packets), "yes",
	 0, 0, NULL},
	{"outputs.flush-interval", CONF_SECS, offsetof(struct output_conf, flush_interval), "1", 1,
	 3600, NULL},
	{"outputs.kafka.enabled", CONF_BOOL, K(enabled), "no", 0, 0, NULL},
	{"outputs.kafka.brokers", CONF_STR, K(brokers), NULL, 0, 0, NULL},
	{"outputs.kafka.topics.default", CONF_STR, K(default_topic), "spanwatch.events", 0, 0, NULL},
	{"outputs.kafka.topics.evidence", CONF_STR, K(evidence_topic), "spanwatch.evidence", 0, 0,
	 NULL},
	{"outputs.kafka.delivery-timeout-ms", CONF_U32, K(delivery_timeout_ms), "30000", 100,
	 86400000, NULL},
	{"outputs.kafka.queue-size", CONF_U32, K(queue_size), "100000", 10, 10000000, NULL},
	{"outputs.kafka.shutdown-timeout", CONF_SECS, K(shutdown_timeout), "10", 0, 3600, NULL},
	{"outputs.kafka.spool.dir", CONF_STR, K(spool_dir), "/var/lib/spanwatch/spool", 0, 0, NULL},
	{"outputs.kafka.spool.max-size", CONF_SIZE, K(spool_max_size), "1gb", 1 << 12, INT64_MAX,
	 NULL},
	{"outputs.kafka.spool.segment-size", CONF_SIZE, K(spool_segment_size), "64mb", 1 << 12,
	 1LL << 32, NULL},
	{"outputs.kafka.spool.fsync-interval-ms", CONF_U32, K(spool_fsync_ms), "1000", 1, 60000,
	 NULL},
	{"outputs.kafka.spool.replay-rate", CONF_U32, K(replay_rate), "5000", 1, 10000000, NULL},
	{"outputs.kafka.properties.*", CONF_STR, 0, NULL, 0, 0, NULL},
	{"report.file", CONF_STR, offsetof(struct output_conf, report_file), NULL, 0, 0, NULL},
	{"report.alerts", CONF_U32, offsetof(struct output_conf, report_alerts), "1000", 0, 1000000,
	 NULL},
	{"report.top", CONF_U32, offsetof(struct output_conf, report_top), "100", 1, 4096, NULL},
	{"report.memcap", CONF_SIZE, offsetof(struct output_conf, report_memcap), "64mb", 1 << 20,
	 INT64_MAX, NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

static int
add_prop(void *arg, const char *key, const char *value)
{
	struct output_kafka_conf *k = arg;
	char **nk, **nv;

	if ((nk = realloc(k->prop_keys, (k->nprops + 1) * sizeof(*nk))) == NULL)
		return SW_E_NOMEM;
	k->prop_keys = nk;
	if ((nv = realloc(k->prop_values, (k->nprops + 1) * sizeof(*nv))) == NULL)
		return SW_E_NOMEM;
	k->prop_values = nv;
	nk[k->nprops] = strdup(key);
	nv[k->nprops] = value != NULL ? strdup(value) : NULL;
	k->nprops++;
	return nk[k->nprops - 1] == NULL ? SW_E_NOMEM : 0;
}

/* outputs.kafka.topics.<type> for every event type (the app message kinds' names come from
 * their descriptors); alerts default to a topic of their own. */
static int
kafka_type_topics(struct conf_doc *doc, struct output_kafka_conf *k)
{
	char key[64];
	int t, r;

	for (t = 0; t < EVE_TYPE_MAX; t++) {
		const struct conf_key keys[] = {
		    {key, CONF_STR, offsetof(struct output_kafka_conf, topic) + t * sizeof(char *),
		     t == EVE_ALERT ? "spanwatch.alerts" : NULL, 0, 0, NULL},
		    {NULL, 0, 0, NULL, 0, 0, NULL},
		};

		snprintf(key, sizeof(key), "outputs.kafka.topics.%s", eve_type_name(t));
		if ((r = conf_apply(doc, keys, k)) != 0)
			return r;
	}
	return 0;
}

/* Every event type without a topic of its own goes to topics.default; one set empty stays off. */
static int
kafka_default_topics(struct conf_doc *doc, struct output_kafka_conf *k)
{
	char key[64], where[256];
	int t, r;

	if ((r = kafka_type_topics(doc, k)) != 0)
		return r;
	if (k->default_topic == NULL || k->default_topic[0] == '\0')
		return 0;
	for (t = 0; t < EVE_TYPE_MAX; t++) {
		if (k->topic[t] != NULL && k->topic[t][0] != '\0')
			continue;
		snprintf(key, sizeof(key), "outputs.kafka.topics.%s", eve_type_name(t));
		if (conf_doc_where(doc, key, where, sizeof(where)) != NULL)
			continue; /* set empty: this type is not sent */
		free(k->topic[t]);
		if ((k->topic[t] = strdup(k->default_topic)) == NULL)
			return SW_E_NOMEM;
	}
	return 0;
}

int
output_conf_load(struct conf_doc *doc, struct output_conf *conf)
{
	char twhere[256];
	size_t i;
	int t, r;

	memset(conf, 0, sizeof(*conf));
	r = conf_apply(doc, output_keys, conf);
	if (r == 0)
		r = kafka_default_topics(doc, &conf->kafka);
	if (evidence_conf_load(doc, &conf->evidence) != 0)
		r = SW_E_CONFIG;
	if (filestore_conf_load(doc, conf) != 0)
		r = SW_E_CONFIG;
	if (conf_doc_foreach(doc, "outputs.kafka.properties.", add_prop, &conf->kafka) != 0)
		r = SW_E_NOMEM;
	else if (output_kafka_check_props(&conf->kafka, doc) != 0)
		r = SW_E_CONFIG;
	if (conf->sensor_name == NULL) { /* the host's name, so events say where they come from */
		char host[256];

		if (gethostname(host, sizeof(host) - 1) == 0) {
			host[sizeof(host) - 1] = '\0';
			conf->sensor_name = strdup(host);
		}
	}
	if (conf->types.n == 0 &&
	    conf_doc_where(doc, "outputs.eve.types", twhere, sizeof(twhere)) == NULL)
		for (t = 0; t < EVE_TYPE_MAX; t++)
			conf->enabled[t] = true; /* not set: every type */
	for (i = 0; i < conf->types.n; i++) {
		for (t = 0; t < EVE_TYPE_MAX; t++) {
			if (strcasecmp(conf->types.v[i], eve_type_name(t)) == 0) {
				conf->enabled[t] = true;
				break;
			}
		}
		if (t == EVE_TYPE_MAX) {
			char where[256], known[256];
			size_t len = 0;

			known[0] = '\0';
			for (t = 0; t < EVE_TYPE_MAX && len < sizeof(known); t++)
				len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s",
							t > 0 ? ", " : "", eve_type_name(t));
			sw_err("%s: key 'outputs.eve.types': unknown event type '%s' (known: %s)",
			       conf_doc_where(doc, "outputs.eve.types", where, sizeof(where))
				       ?: "default",
			       conf->types.v[i], known);
			r = SW_E_CONFIG;
		}
	}
	return r;
}

void
output_conf_free(struct output_conf *conf)
{
	size_t i;

	for (i = 0; i < conf->kafka.nprops; i++) {
		free(conf->kafka.prop_keys[i]);
		free(conf->kafka.prop_values[i]);
	}
	free(conf->kafka.prop_keys);
	free(conf->kafka.prop_values);
	conf->kafka.prop_keys = conf->kafka.prop_values = NULL;
	conf->kafka.nprops = 0;
	for (i = 0; i < EVE_TYPE_MAX; i++) {
		free(conf->kafka.topic[i]);
		conf->kafka.topic[i] = NULL;
	}
	conf_struct_free(output_keys, conf);
	evidence_conf_free(&conf->evidence);
	filestore_conf_free(conf);
}

/* A directory the sensor must write in: an error naming key unless it exists and is writable. */
static int
check_dir(const char *key, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0) {
		sw_err("%s: %s: %s", key, dir, strerror(errno));
		return SW_E_CONFIG;
	}
	if (!S_ISDIR(st.st_mode)) {
		sw_err("%s: %s: not a directory", key, dir);
		return SW_E_CONFIG;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		sw_err("%s: %s: %s", key, dir, strerror(errno));
		return SW_E_CONFIG;
	}
	return 0;
}

/* Evidence has somewhere to go: its directory exists and is writable, or Kafka takes it. */
static int
evidence_check(const struct output_conf *conf)
{
	const struct output_kafka_conf *k = &conf->kafka;
	int r = 0;

	if (conf->evidence.directory != NULL &&
	    check_dir("evidence.directory", conf->evidence.directory) != 0)
		r = SW_E_CONFIG;
	if (conf->evidence.enabled && conf->evidence.directory == NULL &&
	    (!k->enabled || k->evidence_topic == NULL || k->evidence_topic[0] == '\0')) {
		sw_err("evidence.enabled: neither evidence.directory nor a Kafka evidence topic "
		       "(outputs.kafka.topics.evidence) to write evidence to");
		r = SW_E_CONFIG;
	}
	return r;
}

int
output_check(const struct output_conf *conf)
{
	const struct output_kafka_conf *k = &conf->kafka;
	int r = 0;

	if (conf->sink == OUTPUT_SINK_FILE ||
	    (conf->sink == OUTPUT_SINK_AUTO && conf->log_dir != NULL)) {
		if (conf->log_dir == NULL || conf->filename == NULL) {
			sw_err("outputs.eve.sink is file but outputs.log-dir is not set");
			r = SW_E_CONFIG;
		} else if (check_dir("outputs.log-dir", conf->log_dir) != 0) {
			r = SW_E_CONFIG;
		} else {
			struct sbuf path;

			sbuf_init(&path);
			sbuf_adds(&path, conf->log_dir);
			sbuf_addc(&path, '/');
			sbuf_adds(&path, conf->filename);
			if (!sbuf_failed(&path) && access(path.p, F_OK) == 0 &&
			    access(path.p, W_OK) != 0) {
				sw_err("outputs.eve.filename: %s: %s", path.p, strerror(errno));
				r = SW_E_CONFIG;
			}
			sbuf_free(&path);
		}
	}
	if (evidence_check(conf) != 0)
		r = SW_E_CONFIG;
	if (conf->report_file != NULL && conf->report_file[0] != '\0') {
		char dir[4096];
		const char *slash = strrchr(conf->report_file, '/');

		snprintf(dir, sizeof(dir), "%.*s", slash == NULL ? 1 : slash == conf->report_file ? 1
				: (int)(slash - conf->report_file), slash == NULL ? "." : conf->report_file);
		if (check_dir("report.file", dir) != 0)
			r = SW_E_CONFIG;
		if (conf->report_memcap < report_min_memory(conf->report_alerts)) {
			sw_err("report.memcap: %llu bytes are too few for the report's tables (about "
			       "%zu needed)",
			       (unsigned long long)conf->report_memcap,
			       report_min_memory(conf->report_alerts));
			r = SW_E_CONFIG;
		}
	}
	if (!k->enabled)
		return r;
	if (k->brokers == NULL || k->brokers[0] == '\0') {
		sw_err("outputs.kafka: enabled but outputs.kafka.brokers is not set");
		r = SW_E_CONFIG;
	}
	if (k->spool_dir == NULL || k->spool_dir[0] == '\0') {
		sw_err("outputs.kafka.spool.dir: not set");
		r = SW_E_CONFIG;
	} else if (access(k->spool_dir, F_OK) == 0) {
		if (check_dir("outputs.kafka.spool.dir", k->spool_dir) != 0)
			r = SW_E_CONFIG;
	} else {
		/* the start creates the spool directory (one level): its parent must be writable */
		char parent[4096];
		const char *slash = strrchr(k->spool_dir, '/');

		if (slash == NULL)
			snprintf(parent, sizeof(parent), ".");
		else
			snprintf(parent, sizeof(parent), "%.*s",
				 (int)(slash == k->spool_dir ? 1 : slash - k->spool_dir), k->spool_dir);
		if (check_dir("outputs.kafka.spool.dir (cannot be created)", parent) != 0)
			r = SW_E_CONFIG;
	}
	return r;
}

static int
slot_open(struct output *o, const char *name, const struct output_conf *conf, const bool *types)
{
	struct sink_slot *sl = &o->slot[o->nslots];
	int t, r;

	sl->ops = output_sink_find(name);
	if ((r = sl->ops->open(conf, &sl->sink)) != 0)
		return r;
	for (t = 0; t < EVE_TYPE_MAX; t++) {
		sl->types[t] = types[t];
		o->enabled[t] |= types[t];
	}
	o->nslots++;
	return 0;
}

int
output_new(const struct output_conf *conf, struct output **out)
{
	struct output *o;
	const char *name;
	bool ktypes[EVE_TYPE_MAX];
	int r, t;

	*out = NULL;
	if (conf->evidence.enabled && evidence_check(conf) != 0)
		return SW_E_CONFIG;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return SW_E_NOMEM;
	o->kafka = -1;
	o->report = -1;
	pthread_mutex_init(&o->lock, NULL);
	switch (conf->sink) {
	case OUTPUT_SINK_FILE:
		name = "file";
		break;
	case OUTPUT_SINK_STDOUT:
		name = "stdout";
		break;
	default:
		name = conf->log_dir != NULL ? "file" : "stdout";
		break;
	}
	if ((r = slot_open(o, name, conf, conf->enabled)) != 0)
		goto fail;
	if (conf->kafka.enabled) {
		for (t = 0; t < EVE_TYPE_MAX; t++)
			ktypes[t] = conf->kafka.topic[t] != NULL && conf->kafka.topic[t][0] != '\0';
		o->kafka = o->nslots;
		if ((r = slot_open(o, "kafka", conf, ktypes)) != 0)
			goto fail;
		if (conf->evidence.enabled && conf->kafka.evidence_topic != NULL &&
		    conf->kafka.evidence_topic[0] != '\0')
			o->evidence_topic = conf->kafka.evidence_topic;
	}
	if (conf->report_file != NULL && conf->report_file[0] != '\0') {
		bool all[EVE_TYPE_MAX];

		for (t = 0; t < EVE_TYPE_MAX; t++) /* the report reads every event the run makes */
			all[t] = true;
		o->report = o->nslots;
		if ((r = slot_open(o, "report", conf, all)) != 0)
			goto fail;
	}
	*out = o;
	return 0;
fail:
	output_free(o);
	return r;
}

bool
output_enabled(const struct output *o, int type)
{
	return type >= 0 && type < EVE_TYPE_MAX && o->enabled[type];
}

int
output_write(struct output *o, int type, const char *line, size_t len)
{
	int i, r, ret = 0;
	bool written = false;

	if (!output_enabled(o, type))
		return 0;
	for (i = 0; i < o->nslots; i++) {
		struct sink_slot *sl = &o->slot[i];

		if (!sl->types[type])
			continue;
		written |= i != o->report; /* events written: those of the event sinks */
		if (sl->ops->needs_lock) {
			pthread_mutex_lock(&o->lock);
			r = sl->ops->write(sl->sink, type, line, len);
			pthread_mutex_unlock(&o->lock);
		} else {
			r = sl->ops->write(sl->sink, type, line, len);
		}
		if (r != 0) {
			sw_counter_add_shared(&o->st.write_errors, 1);
			ret = r;
		}
	}
	if (written)
		sw_counter_add_shared(&o->st.written[type], 1);
	return ret;
}

int
output_flush(struct output *o)
{
	int i, r = 0;

	pthread_mutex_lock(&o->lock);
	for (i = 0; i < o->nslots; i++)
		if (o->slot[i].ops->flush(o->slot[i].sink) != 0)
			r = SW_E_IO;
	pthread_mutex_unlock(&o->lock);
	return r;
}

int
output_reopen(struct output *o)
{
	int i, r = 0;

	pthread_mutex_lock(&o->lock);
	for (i = 0; i < o->nslots; i++)
		if (o->slot[i].ops->reopen != NULL && o->slot[i].ops->reopen(o->slot[i].sink) != 0)
			r = SW_E_IO;
	pthread_mutex_unlock(&o->lock);
	return r;
}

const struct output_stats *
output_get_stats(const struct output *o)
{
	return &o->st;
}

const struct output_kafka_stats *
output_kafka_get_stats(const struct output *o)
{
	return o != NULL && o->kafka >= 0 ? output_kafka_sink_stats(o->slot[o->kafka].sink) : NULL;
}

const char *
output_evidence_topic(const struct output *o)
{
	return o->evidence_topic;
}

int
output_write_evidence(struct output *o, const char *key, const void *pcap, size_t len)
{
	int r;

	if (o->evidence_topic == NULL)
		return 0;
	r = output_kafka_write_raw(o->slot[o->kafka].sink, o->evidence_topic, key, strlen(key),
				   pcap, len);
	if (r != 0)
		sw_counter_add_shared(&o->st.write_errors, 1);
	return r;
}

const struct output_report_stats *
output_report_get_stats(const struct output *o)
{
	return o != NULL && o->report >= 0 ? output_report_sink_stats(o->slot[o->report].sink) : NULL;
}

void
output_free(struct output *o)
{
	int i;

	if (o == NULL)
		return;
	for (i = 0; i < o->nslots; i++)
		o->slot[i].ops->close(o->slot[i].sink);
	pthread_mutex_destroy(&o->lock);
	free(o);
}
