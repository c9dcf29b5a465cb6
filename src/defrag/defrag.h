/* src/defrag/defrag.h: IPv4 (RFC 791) and IPv6 (RFC 8200 4.5) fragment reassembly with a
 * timeout, a memory cap, target-based overlap policies and checks for the classic abuses (tiny
 * first fragments, overlaps, reassembly past 65535 bytes, fragment floods). The reassembled
 * packet is decoded again by the caller. */
#ifndef SW_DEFRAG_H
#define SW_DEFRAG_H

#include <stdbool.h>

#include "core/core.h"

/* Which copy of overlapping fragment bytes the receiver keeps (the names Snort's frag3 uses). */
enum defrag_policy {
	DEFRAG_POLICY_FIRST = 0,
	DEFRAG_POLICY_LAST = 1,
	DEFRAG_POLICY_BSD = 2,     /* old data, unless the new fragment starts before it */
	DEFRAG_POLICY_LINUX = 3,   /* BSD, and new data that starts with old data and ends after */
	DEFRAG_POLICY_WINDOWS = 4, /* old data, unless the new one starts before and covers it */
	DEFRAG_POLICY_MAX
};

struct defrag_conf {
	bool enabled;
	uint32_t timeout;   /* seconds a datagram may take to complete */
	uint64_t memcap;    /* bytes held */
	uint32_t max_frags; /* fragments per datagram */
	uint32_t max_trackers; /* datagrams in reassembly at once */
	int policy;
	/* seed of the datagram table's hash: fixed unless defrag_conf_seed_random() was called
	 * (live capture); not a configuration key */
	uint64_t hash_seed;
};

struct conf_doc;
int defrag_conf_load(struct conf_doc *doc, struct defrag_conf *conf);

/* Replaces the fixed hash seed by a random one (live capture; see flow_conf_seed_random). */
void defrag_conf_seed_random(struct defrag_conf *conf);

enum defrag_event {
	DEFRAG_EV_NONE = 0,
	DEFRAG_EV_OVERLAP,          /* fragments overlap (teardrop and friends) */
	DEFRAG_EV_OVERLAP_DIFF,     /* ... with different data */
	DEFRAG_EV_TOO_LARGE,        /* reassembly would pass 65535 bytes */
	DEFRAG_EV_TINY_FIRST,       /* the first fragment cannot hold the transport header */
	DEFRAG_EV_MAX_FRAGS,        /* too many fragments for one datagram */
	DEFRAG_EV_MEMCAP,           /* the memory cap refused a fragment */
	DEFRAG_EV_TIMEOUT,          /* a datagram did not complete in time */
	DEFRAG_EV_INCONSISTENT,     /* a second last fragment, or data past the end */
	DEFRAG_EV_MAX
};

const char *defrag_event_name(int ev); /* "ipv4.frag_overlap", ... */

struct defrag_stats {
	sw_counter_t fragments, reassembled, timeouts, dropped;
	sw_counter_t trackers; /* gauge */
	struct sw_memcap mem;  /* bytes held against defrag.memcap; refused allocations */
	sw_counter_t events[DEFRAG_EV_MAX];
};

struct defrag;

/* Called for each anomaly, with the fragment that caused it (NULL for timeouts). */
typedef void defrag_event_fn(void *arg, const struct sw_packet *p, int ev);

int defrag_new(const struct defrag_conf *conf, defrag_event_fn *event_fn, void *arg,
	       struct defrag **out);
void defrag_free(struct defrag *d); /* NULL-safe */

/*
 * Takes a decoded fragment (SW_PKT_FRAG). Returns 0 when it completed a datagram: *out then
 * describes the whole packet (link header of the first fragment, IP header without fragmentation,
 * the payload), with data owned by d and valid until the next call; the caller decodes it again.
 * Returns SW_E_AGAIN when the fragment was kept (or dropped, counted) and nothing is complete yet.
 * Fragments are keyed by addresses, id, protocol, VLANs and the tunnel key (p->tunnel).
 */
int defrag_packet(struct defrag *d, const struct sw_packet *p, struct sw_packet *out);

/* Drops datagrams that did not complete within the timeout of time now. */
void defrag_expire(struct defrag *d, sw_time_t now);

struct defrag_stats *defrag_get_stats(struct defrag *d);

#endif
