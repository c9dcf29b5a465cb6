/* src/output/output_sink.c: the sink table, the output set shared by all threads, and the
 * outputs.* configuration keys. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output/output_int.h"

static const struct output_sink_ops *const sinks[] = {
	&output_sink_stdout,
	&output_sink_file,
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

struct output {
	const struct output_sink_ops *ops;
	struct output_sink *sink;
	bool enabled[EVE_TYPE_MAX];
	pthread_mutex_t lock;
	struct output_stats st;
};

static const char *const sink_kinds[] = {"auto", "stdout", "file", NULL};

static const struct conf_key output_keys[] = {
	{"sensor.name", CONF_STR, offsetof(struct output_conf, sensor_name), NULL, 0, 0, NULL},
	{"outputs.log-dir", CONF_STR, offsetof(struct output_conf, log_dir), NULL, 0, 0, NULL},
	{"outputs.eve.sink", CONF_ENUM, offsetof(struct output_conf, sink), "auto", 0, 0,
	 sink_kinds},
	{"outputs.eve.filename", CONF_STR, offsetof(struct output_conf, filename), "eve.json", 0, 0,
	 NULL},
	{"outputs.eve.types", CONF_STRLIST, offsetof(struct output_conf, types),
	 "[alert, anomaly, flow, stats]", 0, 0, NULL},
	{"outputs.stats.interval", CONF_SECS, offsetof(struct output_conf, stats_interval), "60", 0,
	 86400, NULL},
	{"outputs.flush-interval", CONF_SECS, offsetof(struct output_conf, flush_interval), "1", 1,
	 3600, NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
output_conf_load(struct conf_doc *doc, struct output_conf *conf)
{
	size_t i;
	int t, r;

	memset(conf, 0, sizeof(*conf));
	r = conf_apply(doc, output_keys, conf);
	for (i = 0; i < conf->types.n; i++) {
		for (t = 0; t < EVE_TYPE_MAX; t++) {
			if (strcasecmp(conf->types.v[i], eve_type_name(t)) == 0) {
				conf->enabled[t] = true;
				break;
			}
		}
		if (t == EVE_TYPE_MAX) {
			char where[256];

			sw_err("%s: key 'outputs.eve.types': unknown event type '%s' (known: alert, "
			       "anomaly, flow, stats)",
			       conf_doc_where(doc, "outputs.eve.types", where, sizeof(where))
				       ?: "default",
			       conf->types.v[i]);
			r = SW_E_CONFIG;
		}
	}
	return r;
}

void
output_conf_free(struct output_conf *conf)
{
	conf_struct_free(output_keys, conf);
}

int
output_new(const struct output_conf *conf, struct output **out)
{
	struct output *o;
	const char *name;
	int r;

	*out = NULL;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return SW_E_NOMEM;
	memcpy(o->enabled, conf->enabled, sizeof(o->enabled));
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
	o->ops = output_sink_find(name);
	if ((r = o->ops->open(conf, &o->sink)) != 0) {
		free(o);
		return r;
	}
	pthread_mutex_init(&o->lock, NULL);
	*out = o;
	return 0;
}

bool
output_enabled(const struct output *o, int type)
{
	return type >= 0 && type < EVE_TYPE_MAX && o->enabled[type];
}

int
output_write(struct output *o, int type, const char *line, size_t len)
{
	int r;

	if (!output_enabled(o, type))
		return 0;
	pthread_mutex_lock(&o->lock);
	r = o->ops->write(o->sink, line, len);
	if (r == 0)
		sw_counter_add(&o->st.written[type], 1);
	else
		sw_counter_add(&o->st.write_errors, 1);
	pthread_mutex_unlock(&o->lock);
	return r;
}

int
output_flush(struct output *o)
{
	int r;

	pthread_mutex_lock(&o->lock);
	r = o->ops->flush(o->sink);
	pthread_mutex_unlock(&o->lock);
	return r;
}

int
output_reopen(struct output *o)
{
	int r = 0;

	pthread_mutex_lock(&o->lock);
	if (o->ops->reopen != NULL)
		r = o->ops->reopen(o->sink);
	pthread_mutex_unlock(&o->lock);
	return r;
}

const struct output_stats *
output_get_stats(const struct output *o)
{
	return &o->st;
}

void
output_free(struct output *o)
{
	if (o == NULL)
		return;
	o->ops->close(o->sink);
	pthread_mutex_destroy(&o->lock);
	free(o);
}
