/* src/flow/flow.h: the bidirectional flow table of one worker (keyed by VLANs, tunnel, addresses,
 * ports and protocol), per-protocol and per-state timeouts on packet time, a memory cap with
 * eviction, and Community ID v1 (https://github.com/corelight/community-id-spec). */
#ifndef SW_FLOW_H
#define SW_FLOW_H

#include <stdbool.h>

#include "core/core.h"

enum flow_dir {
	FLOW_TO_SERVER = 0,
	FLOW_TO_CLIENT = 1,
};

enum flow_state {
	FLOW_STATE_NEW = 0,         /* packets in one direction only (or a TCP handshake under way) */
	FLOW_STATE_ESTABLISHED = 1, /* both directions seen */
	FLOW_STATE_CLOSED = 2,      /* TCP: FIN both ways, or RST */
	FLOW_STATE_MAX
};

enum flow_end_reason {
	FLOW_END_TIMEOUT = 0,   /* idle for longer than its timeout */
	FLOW_END_TCP_CLOSE = 1, /* TCP closed (FIN/FIN or RST), then lingered out or input ended */
	FLOW_END_SHUTDOWN = 2,  /* end of input or capture stopped while still open */
	FLOW_END_FORCED = 3,    /* evicted to stay under the memory cap */
	FLOW_END_MAX
};

enum flow_proto_class {
	FLOW_CLASS_TCP = 0,
	FLOW_CLASS_UDP = 1,
	FLOW_CLASS_ICMP = 2,
	FLOW_CLASS_OTHER = 3,
	FLOW_CLASS_MAX
};

struct flow_conf {
	uint64_t memcap;    /* bytes for flows and the hash table of one worker */
	uint32_t hash_size; /* buckets */
	uint32_t timeout[FLOW_CLASS_MAX][FLOW_STATE_MAX]; /* seconds */
	uint32_t community_id_seed;
	/* decode.vlan.use-for-tracking: VLAN ids are part of the flow key (Suricata's
	 * vlan.use-for-tracking); off, the same conversation on two VLANs is one flow */
	bool vlan_tracking;
	/* seed of flow_packet_hash (bucket and worker): a fixed public value unless
	 * flow_conf_seed_random() was called (live capture); not a configuration key */
	uint64_t hash_seed;
};

/* Flows one hash bucket may chain; a new flow in a full bucket evicts the bucket's oldest
 * (counted in chain_evicted), so crafted keys cannot turn lookups into long scans. */
#define FLOW_CHAIN_MAX 16

/* One tunnel layer a flow came in, oriented client to server: what the outer IP header and the
 * tunnel header said (struct sw_encap without the packet offsets, plus a UDP tunnel's ports). */
struct flow_tunnel_layer {
	struct sw_addr src, dst;
	uint32_t id;           /* VNI, GRE key, ...; 0 when the tunnel has none */
	uint16_t sport, dport; /* of a tunnel carried in UDP (VXLAN, Geneve, ...), else 0 */
	uint8_t kind;          /* enum sw_encap_kind */
	uint8_t family, proto; /* of the outer IP header */
};

/* The encapsulation stack of a tunnelled flow's first packet, outermost first. */
struct flow_tunnel {
	uint8_t depth;
	struct flow_tunnel_layer layer[];
};

/* Layer e of packet p as a flow keeps it (its UDP ports read from p), reversed with swap. */
void flow_tunnel_layer_of(const struct sw_packet *p, const struct sw_encap *e, bool swap,
			  struct flow_tunnel_layer *l);

/*
 * One flow. The client is the side that sent the first packet, except that a first packet with
 * SYN+ACK marks its sender as the server (the SYN was missed). Fields are read by later stages;
 * only the flow table writes them.
 */
struct sw_flow {
	/* Laid out for the cache (64-byte lines, the struct aligned to one): the lookup reads line
	 * 0 only for a flow of the bucket that is not the packet's; the update writes line 1; the
	 * later stages read their pointers on line 2; line 3 is read when a flow starts or ends. */
	/* line 0: the chain and the key, client side first */
	_Alignas(64) uint64_t hash;
	struct sw_flow *hnext; /* table link, private to the flow stage */
	struct sw_addr cli, srv;
	uint16_t cport, sport;
	uint32_t tunnel; /* the packet's tunnel key (0: none), see struct sw_packet */
	uint8_t family, proto;
	uint8_t state; /* enum flow_state */
	uint8_t lru;   /* private to the flow stage */
	uint8_t tcp_flags[2];
	/* line 1: what every packet updates */
	sw_time_t last;
	uint64_t pkts[2], bytes[2];
	struct sw_flow *lprev, *lnext; /* table links, private to the flow stage */
	uint8_t fin_seen; /* bit per direction */
	bool midstream;   /* TCP flow whose SYN we did not see */
	bool alerted;     /* an alert was raised for this flow */
	bool bypassed;    /* a rule with bypass matched: later packets skip stream, app and detect */
	uint32_t lru_at;  /* private to the flow stage: last >> LRU_SHIFT when put in its list */
	/* line 2: state of later stages, owned and freed by them when the flow ends */
	_Alignas(64) void *stream;
	void *dpi;
	void *app;
	void *cti;      /* indicators already alerted on in this flow */
	void *detect;   /* flowbits and stream windows of the rule engine */
	void *evidence; /* recent packets and the open evidence capture (output/) */
	uint16_t vlan[SW_VLAN_MAX]; /* part of the key when VLANs are tracked */
	uint8_t vlan_count;
	/* line 3: read when the flow starts and ends */
	_Alignas(64) uint64_t flow_id;
	sw_time_t start;
	/* the layers of that tunnel, charged to flow.memcap; NULL in no tunnel (or when the cap
	 * refused them, counted in mem.refused: the flow is still tracked) */
	struct flow_tunnel *tun;
	uint32_t source_idx;          /* input the first packet came from */
	uint8_t icmp_type, icmp_code; /* of the first packet, for Community ID */
	uint8_t reason;               /* enum flow_end_reason, set when it ends */
};

struct flow_stats {
	sw_counter_t created, ended[FLOW_END_MAX];
	sw_counter_t active;       /* gauge: flows in the table now */
	/* bytes charged to flow.memcap (memuse, a gauge), and refused: packets with no flow, the
	 * cap reached and nothing to evict */
	struct sw_memcap mem;
	sw_counter_t chain_evicted; /* flows evicted because their hash bucket was full */
	sw_counter_t not_flowable; /* packets without IP */
	sw_counter_t tcp_reuse;    /* a SYN on a closed flow started a new one */
};

struct conf_doc;
/* Reads flow.* keys. */
int flow_conf_load(struct conf_doc *doc, struct flow_conf *conf);

/* Replaces the fixed hash seed by a random one (live capture: the bucket and the worker of a
 * flow cannot be chosen by whoever crafts the traffic). Offline runs keep the fixed seed so the
 * output does not depend on the number of workers. */
void flow_conf_seed_random(struct flow_conf *conf);

/* Symmetric hash of the packet's flow key (same value for both directions) under conf's
 * hash_seed, with VLAN ids when conf tracks them. p must have been decoded with SW_PKT_IP set. */
uint64_t flow_packet_hash(const struct sw_packet *p, const struct flow_conf *conf);

struct flow_table;

/* Called once for every flow that ends, just before it is freed; f is valid during the call. */
typedef void flow_end_fn(struct sw_flow *f, void *arg);

int flow_table_new(const struct flow_conf *conf, flow_end_fn *end_fn, void *arg,
		   struct flow_table **out);
/* Frees the table and its flows without calling end_fn (use flow_table_flush first). */
void flow_table_free(struct flow_table *t);

/*
 * Finds or creates the flow of a decoded packet (SW_PKT_IP set), updates its counters, flags,
 * state and timeout, and returns it with the packet's direction in *dir. Returns NULL when the
 * memory cap refused a new flow and no flow could be evicted (counted). p->ts is "now": flows
 * found expired on lookup end first.
 */
struct sw_flow *flow_table_update(struct flow_table *t, const struct sw_packet *p,
				  enum flow_dir *dir);

/* Ends every flow whose timeout passed at time now. */
void flow_table_expire(struct flow_table *t, sw_time_t now);

/* Ends every remaining flow: expired ones with their timeout reason, the rest with reason. */
void flow_table_flush(struct flow_table *t, sw_time_t now, enum flow_end_reason reason);

struct flow_stats *flow_table_stats(struct flow_table *t);

/* Text of enums for events: "new"/"established"/"closed", "timeout"/"tcp_close"/... */
const char *flow_state_name(int state);
const char *flow_reason_name(int reason);

/* Community ID v1 of a tuple: "1:" + base64(SHA-1(...)), written into buf (>= 32 bytes).
 * For ICMP/ICMPv6 pass the type as sport and the code as dport. Returns 0 or SW_E_RANGE. */
int flow_community_id(uint16_t seed, int family, const struct sw_addr *src,
		      const struct sw_addr *dst, uint16_t sport, uint16_t dport, uint8_t proto,
		      char *buf, size_t size);

/* The same for a flow (client as source). */
int flow_community_id_flow(uint16_t seed, const struct sw_flow *f, char *buf, size_t size);

#endif
