/* src/sw_metrics.h: the Prometheus text-format endpoint (/metrics, libmicrohttpd, its own
 * thread). The thread that writes stats formats a snapshot and publishes it; a scrape copies the
 * latest snapshot under a lock only these two threads take: reading never blocks a worker. */
#ifndef SW_METRICS_H
#define SW_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "sw_loss.h"

struct metrics_conf {
	bool enabled;  /* metrics.enabled, off by default */
	char *listen;  /* metrics.listen: an IPv4 or IPv6 address, 127.0.0.1 by default */
	uint32_t port; /* metrics.port */
};

struct conf_doc;
int metrics_conf_load(struct conf_doc *doc, struct metrics_conf *conf);
void metrics_conf_free(struct metrics_conf *conf);

struct sw_metrics;

/* Starts the server when conf->enabled (*out NULL otherwise). Errors name the address. */
int metrics_start(const struct metrics_conf *conf, struct sw_metrics **out);
void metrics_stop(struct sw_metrics *m); /* NULL-safe */

/* Figures of one worker, labelled worker="i". */
struct metrics_worker {
	uint64_t packets, flows_active, flow_memcap_refused;
	uint64_t stream_gaps, stream_memcap_refused;
};

struct eve_counter;
/* What a snapshot is made of: the counters of the stats event, the loss figures, the workers. */
struct metrics_input {
	const struct eve_counter *c;
	size_t n;
	const struct loss_figures *loss;
	const struct metrics_worker *workers;
	uint32_t nworkers;
	const char *interface; /* capture.* counters get interface="..." (NULL: offline) */
	uint64_t uptime;       /* seconds */
};

/* Formats the Prometheus text exposition (format 0.0.4) of in into b (replacing its content). */
void metrics_format(struct sbuf *b, const struct metrics_input *in);
/* Formats in and makes it what scrapes return; NULL-safe (metrics off). */
void metrics_publish(struct sw_metrics *m, const struct metrics_input *in);

#endif
