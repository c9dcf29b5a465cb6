/* src/dpi/dpi.h: protocol classification with nDPI (4.2): one detection module per worker, one
 * nDPI flow per spanwatch flow while it is being classified (a bounded number of packets), then
 * only the result is kept: the EVE app_proto, nDPI's master.app name, category and risks. */
#ifndef SW_DPI_H
#define SW_DPI_H

#include <stdbool.h>

#include "core/core.h"
#include "flow/flow.h"

struct dpi_conf {
	bool enabled;
	uint32_t max_packets_tcp; /* packets of a TCP flow fed to nDPI at most */
	uint32_t max_packets_udp; /* ... of any other flow */
	bool guess;               /* at the end, guess unclassified flows by port like ndpiReader */
	uint64_t memcap;          /* bytes of per-flow state (nDPI's flow and our result), all
	                             workers together */
};

struct conf_doc;
int dpi_conf_load(struct conf_doc *doc, struct dpi_conf *conf);

/* What classification found for a flow. */
struct dpi_info {
	char app_proto[32];   /* EVE style: "http", "tls", "dns", ...; "failed" when nDPI could
				 not tell; "unknown" while still classifying */
	char ndpi_proto[64];  /* nDPI's name, e.g. "TLS.Google" */
	const char *category; /* nDPI category name */
	const char *confidence; /* "DPI", "Match by port", ... */
	uint64_t risk;        /* nDPI risk bitmask */
	uint16_t master, app; /* nDPI protocol ids */
	bool done;            /* classification finished (detected or given up) */
	bool guessed;
};

struct dpi_stats {
	sw_counter_t flows, detected, guessed, failed;
	sw_counter_t packets; /* fed to nDPI */
	sw_counter_t active;  /* gauge: nDPI flows being classified */
	struct sw_memcap mem; /* the worker's share of dpi.memcap: memuse, and refused = flows
	                         left unclassified because their state did not fit */
	struct sw_pool_stats pools[2]; /* DPI_POOL_*: "pool.dpi.state", "pool.dpi.flow" */
};

#define DPI_POOL_MAX 2

struct dpi_worker;

/* One per worker; memcap_share is this worker's part of conf->memcap (0: no cap). */
int dpi_worker_new(const struct dpi_conf *conf, uint64_t memcap_share, struct dpi_worker **out);
void dpi_worker_free(struct dpi_worker *w); /* NULL-safe; flows must be ended first */

/* A packet of flow f (after flow_table_update). Feeds nDPI until the flow is classified, the
 * packet budget is spent, or nothing more can be learnt. A flow whose state the memcap refuses
 * at its first packet is never classified (dpi_flow_info() stays NULL), counted once. */
void dpi_packet(struct dpi_worker *w, struct sw_flow *f, enum flow_dir dir,
		const struct sw_packet *p);

/* The result so far, or NULL when the flow has none. Valid until dpi_flow_end(). */
const struct dpi_info *dpi_flow_info(const struct sw_flow *f);

/* Finishes classification (giving up, with a guess when configured) so the flow event can
 * say what it was. Call before formatting the flow event; dpi_flow_free() after. */
void dpi_flow_finish(struct dpi_worker *w, struct sw_flow *f);
void dpi_flow_free(struct dpi_worker *w, struct sw_flow *f);

/* nDPI risk names of a bitmask, one at a time: returns the next risk index >= from, or -1. */
int dpi_risk_next(uint64_t risk, int from);
const char *dpi_risk_name(int index);

struct dpi_stats *dpi_worker_stats(struct dpi_worker *w);

#endif
