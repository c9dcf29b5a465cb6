/* src/stream/stream.h: TCP stream reassembly per flow and direction (RFC 9293): handshake and
 * ISNs, in-order delivery of out-of-order data, retransmissions, target-based overlap policies,
 * gaps, FIN/RST, urgent data, reassembly depth and a memory cap. Consumers get in-order chunks
 * through one callback. */
#ifndef SW_STREAM_H
#define SW_STREAM_H

#include <stdbool.h>

#include "core/core.h"
#include "flow/flow.h"

/* Which copy of overlapping bytes a receiver keeps (the names Snort 3 and Suricata use). */
enum stream_policy {
	STREAM_POLICY_FIRST = 0,   /* the first copy always */
	STREAM_POLICY_LAST = 1,    /* the last copy always */
	STREAM_POLICY_BSD = 2,     /* old data, unless the new segment starts before it */
	STREAM_POLICY_LINUX = 3,   /* BSD, and also new data that starts with it and ends after */
	STREAM_POLICY_WINDOWS = 4, /* as bsd: how Snort 3 and Suricata resolve TCP overlaps for
				      Windows targets */
	STREAM_POLICY_MAX
};

const char *stream_policy_name(int policy);

enum stream_urgent {
	STREAM_URGENT_OOB = 0,    /* the byte the urgent pointer names is taken out of the stream,
				     as Linux and BSD do by default (SO_OOBINLINE off) */
	STREAM_URGENT_INLINE = 1, /* urgent data stays in the stream */
};

struct stream_policy_net {
	struct sw_addr addr;
	uint8_t family, prefix;
	uint8_t policy;
};

struct stream_conf {
	bool enabled;
	uint64_t depth;  /* bytes reassembled per direction; 0 = unlimited */
	uint64_t memcap; /* bytes of held (out-of-order) data, all workers together */
	uint32_t max_ooo_segments; /* held segments per direction */
	bool midstream;  /* pick up flows whose handshake we did not see */
	int urgent;      /* enum stream_urgent */
	int default_policy;
	struct stream_policy_net *nets; /* longest prefix wins; the server's address decides */
	size_t nnets;
	char *dump_dir; /* write each reassembled direction to DIR/<flow_id>.<ts|tc> */
	/* raw lists from the config, by policy name */
	struct conf_strlist policy_lists[STREAM_POLICY_MAX];
};

struct conf_doc;
/* Reads stream.* keys, including the per-network policies (stream.policy.bsd: [CIDR, ...]). */
int stream_conf_load(struct conf_doc *doc, struct stream_conf *conf);
void stream_conf_free(struct stream_conf *conf);

/* Flags of a delivered chunk */
#define STREAM_CHUNK_GAP   0x01 /* len bytes were never seen: data is NULL */
#define STREAM_CHUNK_FIN   0x02 /* the direction ended with a FIN after this chunk (may be empty) */
#define STREAM_CHUNK_RST   0x04 /* the connection was reset */
#define STREAM_CHUNK_DEPTH 0x08 /* reassembly depth reached: nothing more for this direction */

/*
 * In-order data of one direction of a flow: offset is the position of data in the stream (bytes
 * and gaps before it). data is borrowed for the call. Return true to keep receiving data for this
 * direction, false to stop (bypass: the stream is still tracked, nothing is buffered).
 */
typedef bool stream_data_fn(void *arg, struct sw_flow *f, enum flow_dir dir, const uint8_t *data,
			    size_t len, uint64_t offset, unsigned flags);

/* Stream anomalies, Suricata's stream event names. */
enum stream_event {
	STREAM_EV_NONE = 0,
	STREAM_EV_OVERLAP_DIFFERENT_DATA,
	STREAM_EV_RST_INVALID,
	STREAM_EV_PKT_AFTER_CLOSE,
	STREAM_EV_MEMCAP,
	STREAM_EV_DEPTH_REACHED,
	STREAM_EV_GAP,
	STREAM_EV_MIDSTREAM,
	STREAM_EV_SEGMENT_LIMIT,
	STREAM_EV_MAX
};

const char *stream_event_name(int ev); /* "stream.reassembly_overlap_different_data", ... */

/* Called for each anomaly of a flow, with the packet that caused it (NULL at flow end). */
typedef void stream_event_fn(void *arg, struct sw_flow *f, const struct sw_packet *p, int ev);

struct stream_stats {
	sw_counter_t sessions, midstream;
	sw_counter_t segments, retransmissions, out_of_order, overlaps, overlap_diff;
	sw_counter_t gaps, gap_bytes;
	sw_counter_t depth_reached, segment_limit;
	sw_counter_t rst_invalid, after_close;
	sw_counter_t bytes_delivered;
	/* The worker's share of stream.reassembly.memcap (held segments, per-flow state), whose
	 * two counters keep the names the stats always had: memuse (gauge: held bytes of this
	 * worker) and memcap_refused. */
	union {
		struct sw_memcap mem;
		struct {
			sw_counter_t memuse;
			sw_counter_t memcap_refused;
		};
	};
	sw_counter_t events[STREAM_EV_MAX];
	struct sw_pool_stats pools[2]; /* STREAM_POOL_*: "pool.stream.segment", "pool.stream.state" */
};

#define STREAM_POOL_MAX 2

struct stream_worker;

/* One per worker; memcap_share is this worker's part of conf->memcap. */
int stream_worker_new(const struct stream_conf *conf, uint64_t memcap_share,
		      stream_data_fn *data_fn, stream_event_fn *event_fn, void *arg,
		      struct stream_worker **out);
void stream_worker_free(struct stream_worker *w); /* NULL-safe; flows must be ended first */

/* A packet of a TCP flow (p->proto 6), after flow_table_update(). */
void stream_packet(struct stream_worker *w, struct sw_flow *f, enum flow_dir dir,
		   const struct sw_packet *p);

/* Per-direction figures for the flow event. */
struct stream_dir_info {
	uint64_t bytes, gaps, gap_bytes, overlaps;
	bool depth_reached;
};

/* The flow ends: delivers what is held (after gaps), frees the flow's stream state, and fills
 * info[2] (by direction) when info is not NULL. Returns false for a flow without stream state. */
bool stream_flow_end(struct stream_worker *w, struct sw_flow *f, struct stream_dir_info *info);

struct stream_stats *stream_worker_stats(struct stream_worker *w);

/* Whether the data of the last packet of f in direction dir went into the stream (Suricata's
 * PKT_STREAM_ADD): false for a retransmission of data already there, after the depth, a reset
 * or a bypass. true for a flow without stream state. */
bool stream_packet_added(const struct sw_flow *f, enum flow_dir dir);
/* Gaps (holes never seen) in both directions of f so far; 0 without stream state. */
uint64_t stream_flow_gaps(const struct sw_flow *f);

/* The size of a direction of f as Suricata's stream_size counts it: the next sequence number
 * to deliver minus the initial one (the SYN counts 1). false when f has no stream state. */
bool stream_flow_size(const struct sw_flow *f, enum flow_dir dir, uint64_t *out);

#endif
