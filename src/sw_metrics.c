/* src/sw_metrics.c: the Prometheus endpoint; see sw_metrics.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/output.h"
#include "sw_metrics.h"

static const struct conf_key metrics_keys[] = {
	{"metrics.enabled", CONF_BOOL, offsetof(struct metrics_conf, enabled), "false", 0, 0, NULL},
	{"metrics.listen", CONF_STR, offsetof(struct metrics_conf, listen), "127.0.0.1", 0, 0,
	 NULL},
	{"metrics.port", CONF_U32, offsetof(struct metrics_conf, port), "9474", 1, 65535, NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
metrics_conf_load(struct conf_doc *doc, struct metrics_conf *conf)
{
	struct in6_addr a6;
	struct in_addr a4;
	char where[256];

	memset(conf, 0, sizeof(*conf));
	if (conf_apply(doc, metrics_keys, conf) != 0)
		return SW_E_CONFIG;
	if (conf->listen == NULL || (inet_pton(AF_INET, conf->listen, &a4) != 1 &&
				     inet_pton(AF_INET6, conf->listen, &a6) != 1)) {
		sw_err("%s: key 'metrics.listen': '%s' is not an IPv4 or IPv6 address",
		       conf_doc_where(doc, "metrics.listen", where, sizeof(where)) ?: "default",
		       conf->listen != NULL ? conf->listen : "");
		return SW_E_CONFIG;
	}
	return 0;
}

void
metrics_conf_free(struct metrics_conf *conf)
{
	conf_struct_free(metrics_keys, conf);
}

/* ---- the text format ---------------------------------------------------------------------- */

/* Stats counters that are gauges (a level, not a count since the start). */
static bool
is_gauge(const char *name)
{
	static const char *const exact[] = {
		"flow.active", "dpi.active", "defrag.trackers", "kafka.spool_bytes",
		"kafka.spool_segments", "kafka.queue_depth", "kafka.brokers_up", "detect.rules",
		"cti.version", "cti.indicators", "cti.bytes", NULL};
	static const char *const suffixes[] = {".memuse", ".retired_pending", NULL};
	size_t l = strlen(name);
	int i;

	for (i = 0; exact[i] != NULL; i++)
		if (strcmp(name, exact[i]) == 0)
			return true;
	for (i = 0; suffixes[i] != NULL; i++) {
		size_t s = strlen(suffixes[i]);

		if (l >= s && strcmp(name + l - s, suffixes[i]) == 0)
			return true;
	}
	return false;
}

/* "spanwatch_" + name with every character outside [a-zA-Z0-9_] made '_'. */
static void
metric_name(char *out, size_t size, const char *name, const char *suffix)
{
	size_t o = (size_t)snprintf(out, size, "spanwatch_");

	for (; *name != '\0' && o + 1 < size; name++, o++) {
		char ch = *name;

		out[o] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				 (ch >= '0' && ch <= '9') || ch == '_'
			 ? ch
			 : '_';
	}
	out[o < size ? o : size - 1] = '\0';
	if (suffix != NULL)
		snprintf(out + strlen(out), size - strlen(out), "%s", suffix);
}

static void
family(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void
label_value(struct sbuf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			sbuf_addc(b, '\\');
		if (*v == '\n') {
			sbuf_adds(b, "\\n");
			continue;
		}
		sbuf_addc(b, *v);
	}
}

/* The process's resident and virtual size, from /proc/self/statm; false when unreadable. */
static bool
process_memory(uint64_t *rss, uint64_t *vsz)
{
	unsigned long long size, res;
	long page = sysconf(_SC_PAGESIZE);
	FILE *fp = fopen("/proc/self/statm", "r");
	int n;

	if (fp == NULL)
		return false;
	n = fscanf(fp, "%llu %llu", &size, &res);
	fclose(fp);
	if (n != 2 || page <= 0)
		return false;
	*rss = (uint64_t)res * (uint64_t)page;
	*vsz = (uint64_t)size * (uint64_t)page;
	return true;
}

static void
worker_family(struct sbuf *b, const struct metrics_input *in, const char *name, const char *type,
	      const char *help, size_t offset)
{
	uint32_t i;

	family(b, name, type, help);
	for (i = 0; i < in->nworkers; i++) {
		uint64_t v;

		memcpy(&v, (const char *)&in->workers[i] + offset, sizeof(v));
		sbuf_addf(b, "%s{worker=\"%u\"} %llu\n", name, (unsigned)i, (unsigned long long)v);
	}
}

void
metrics_format(struct sbuf *b, const struct metrics_input *in)
{
	uint64_t rss, vsz, reloads = 0;
	bool rules = false;
	char name[160], help[224];
	size_t i;
	int k;

	sbuf_reset(b);
	family(b, "spanwatch_uptime_seconds", "gauge", "Seconds since the sensor started.");
	sbuf_addf(b, "spanwatch_uptime_seconds %llu\n", (unsigned long long)in->uptime);
	if (in->loss != NULL) {
		family(b, "spanwatch_loss_total", "counter",
		       "Packets, segments, flows or events not fully handled, by cause "
		       "(the loss section of the stats event).");
		for (k = 0; k < LOSS_MAX; k++)
			sbuf_addf(b, "spanwatch_loss_total{cause=\"%s\"} %llu\n", loss_cause_name(k),
				  (unsigned long long)in->loss->v[k]);
	}
	for (i = 0; i < in->n; i++) {
		const char *n = in->c[i].name;
		bool gauge = is_gauge(n);

		if (strncmp(n, "loss.", 5) == 0)
			continue; /* spanwatch_loss_total above, the total being their sum */
		if (strcmp(n, "detect.reloads") == 0)
			reloads = in->c[i].value;
		if (strcmp(n, "detect.rules") == 0)
			rules = true;
		metric_name(name, sizeof(name), n, gauge ? NULL : "_total");
		snprintf(help, sizeof(help), "The %s %s of the stats event.", n,
			 gauge ? "gauge" : "counter");
		family(b, name, gauge ? "gauge" : "counter", help);
		sbuf_adds(b, name);
		if (in->interface != NULL && strncmp(n, "capture.", 8) == 0) {
			sbuf_adds(b, "{interface=\"");
			label_value(b, in->interface);
			sbuf_adds(b, "\"}");
		}
		sbuf_addf(b, " %llu\n", (unsigned long long)in->c[i].value);
	}
	if (rules) {
		family(b, "spanwatch_rules_version", "gauge",
		       "The rule set in use: 1 for the one loaded at start, plus each successful reload.");
		sbuf_addf(b, "spanwatch_rules_version %llu\n", (unsigned long long)reloads + 1);
	}
	if (in->nworkers > 0 && in->workers != NULL) {
		worker_family(b, in, "spanwatch_worker_packets_total", "counter",
			      "Packets handed to the worker.",
			      offsetof(struct metrics_worker, packets));
		worker_family(b, in, "spanwatch_worker_flows_active", "gauge",
			      "Flows in the worker's table.",
			      offsetof(struct metrics_worker, flows_active));
		worker_family(b, in, "spanwatch_worker_flow_memcap_refused_total", "counter",
			      "Packets of the worker left without a flow by flow.memcap.",
			      offsetof(struct metrics_worker, flow_memcap_refused));
		worker_family(b, in, "spanwatch_worker_stream_gaps_total", "counter",
			      "Holes in the worker's TCP streams.",
			      offsetof(struct metrics_worker, stream_gaps));
		worker_family(b, in, "spanwatch_worker_stream_memcap_refused_total", "counter",
			      "Segments of the worker refused by stream.reassembly.memcap.",
			      offsetof(struct metrics_worker, stream_memcap_refused));
	}
	if (process_memory(&rss, &vsz)) {
		family(b, "spanwatch_process_resident_memory_bytes", "gauge",
		       "Resident memory of the process (/proc/self/statm).");
		sbuf_addf(b, "spanwatch_process_resident_memory_bytes %llu\n",
			  (unsigned long long)rss);
		family(b, "spanwatch_process_virtual_memory_bytes", "gauge",
		       "Virtual memory of the process (/proc/self/statm).");
		sbuf_addf(b, "spanwatch_process_virtual_memory_bytes %llu\n",
			  (unsigned long long)vsz);
	}
}

/* ---- the server --------------------------------------------------------------------------- */

struct sw_metrics {
	struct MHD_Daemon *d;
	pthread_mutex_t lock; /* taken by the publisher and by scrapes, never by a worker */
	char *text;           /* the latest snapshot, NUL-terminated */
	size_t len;
	struct sbuf buf; /* the publisher's formatting buffer */
};

static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	static const char not_found[] = "not found: try /metrics\n";
	static const char not_allowed[] = "only GET and HEAD\n";
	struct sw_metrics *m = cls;
	struct MHD_Response *resp;
	enum MHD_Result r;
	unsigned int status = MHD_HTTP_OK;
	char *copy = NULL;
	size_t len = 0;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		resp = MHD_create_response_from_buffer(sizeof(not_allowed) - 1, (void *)not_allowed,
						       MHD_RESPMEM_PERSISTENT);
		if (resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	} else if (strcmp(url, "/metrics") != 0) {
		status = MHD_HTTP_NOT_FOUND;
		resp = MHD_create_response_from_buffer(sizeof(not_found) - 1, (void *)not_found,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		pthread_mutex_lock(&m->lock);
		if (m->text != NULL && (copy = malloc(m->len + 1)) != NULL) {
			memcpy(copy, m->text, m->len + 1);
			len = m->len;
		}
		pthread_mutex_unlock(&m->lock);
		if (copy == NULL) {
			status = MHD_HTTP_SERVICE_UNAVAILABLE;
			resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		} else {
			resp = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
			if (resp == NULL)
				free(copy);
		}
	}
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8"
						      : "text/plain; charset=utf-8");
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* libmicrohttpd's messages, through our log. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t l;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	l = strlen(msg);
	while (l > 0 && (msg[l - 1] == '\n' || msg[l - 1] == '\r'))
		msg[--l] = '\0';
	sw_warn("metrics: %s", msg);
}

int
metrics_start(const struct metrics_conf *conf, struct sw_metrics **out)
{
	struct sockaddr_storage ss;
	struct sw_metrics *m;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	*out = NULL;
	if (!conf->enabled)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, conf->listen, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)conf->port);
	} else if (inet_pton(AF_INET6, conf->listen, &((struct sockaddr_in6 *)&ss)->sin6_addr) ==
		   1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)conf->port);
		flags |= MHD_USE_IPv6;
	} else {
		sw_err("metrics.listen: '%s' is not an address", conf->listen);
		return SW_E_CONFIG;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return SW_E_NOMEM;
	pthread_mutex_init(&m->lock, NULL);
	sbuf_init(&m->buf);
	m->d = MHD_start_daemon(flags, (uint16_t)conf->port, NULL, NULL, answer, m,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, as MHD asks */
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
	if (m->d == NULL) {
		sw_err("metrics: cannot listen on %s port %u: %s", conf->listen,
		       (unsigned)conf->port, strerror(errno));
		metrics_stop(m);
		return SW_E_IO;
	}
	sw_notice("metrics: serving /metrics on %s port %u", conf->listen, (unsigned)conf->port);
	*out = m;
	return 0;
}

void
metrics_stop(struct sw_metrics *m)
{
	if (m == NULL)
		return;
	if (m->d != NULL)
		MHD_stop_daemon(m->d);
	pthread_mutex_destroy(&m->lock);
	free(m->text);
	sbuf_free(&m->buf);
	free(m);
}

void
metrics_publish(struct sw_metrics *m, const struct metrics_input *in)
{
	char *text, *old;
	size_t len;

	if (m == NULL)
		return;
	metrics_format(&m->buf, in);
	if (sbuf_failed(&m->buf) || (text = malloc(m->buf.len + 1)) == NULL)
		return; /* scrapes keep the previous snapshot */
	if (m->buf.len > 0)
		memcpy(text, m->buf.p, m->buf.len);
	text[m->buf.len] = '\0';
	len = m->buf.len;
	pthread_mutex_lock(&m->lock);
	old = m->text;
	m->text = text;
	m->len = len;
	pthread_mutex_unlock(&m->lock);
	free(old);
}
