/* src/decode/decode_int.h: private to src/decode: the per-layer decoders, their dispatch tables
 * and the per-packet decoding state. */
#ifndef SW_DECODE_INT_H
#define SW_DECODE_INT_H

#include "decode/decode.h"

/* Tunnels decode an inner packet by calling back into the network layer; the depth bounds it. */
#define DECODE_MAX_DEPTH (SW_ENCAP_MAX + 1)

/* The state of decoding one packet (struct decode_ctx is the thread's, this is the packet's). */
struct decode_pkt {
	const struct decode_conf *conf;
	struct decode_stats *st;
	struct sw_packet *p;
	int depth;
	int csum_checked; /* a checksum was verified in this packet (for checksum "auto") */
};

/*
 * Every layer decoder has this contract. c covers the layer and everything after it within the
 * captured bytes (never more than its parent said it holds). It returns:
 *   0                  the packet is decoded as far as we go (p describes the innermost layer);
 *   DECODE_NOT_FLOW    a valid packet that is not for flows (ARP, unknown ethertype);
 *   an enum decode_event (> 1) that stopped decoding (recorded with decode_set_event);
 *   DECODE_NOT_MINE    (UDP port decoders only) the bytes are not this protocol after all: the
 *                      packet stays the UDP packet it was, nothing was changed.
 * A tunnel decoder reads and checks its own header first, then calls decode_encap_push() (which
 * fails with DECODE_EV_TOO_DEEP past SW_ENCAP_MAX) and decodes the inner packet through
 * decode_ethertype(), decode_ipv4() or decode_ipv6().
 */
#define DECODE_NOT_FLOW 1
#define DECODE_NOT_MINE (-1)

typedef int decode_fn(struct decode_pkt *d, struct cursor *c);

/* IP protocol decoders also take the pseudo-header sum (addresses and protocol, without the
 * upper-layer length) for their checksum; tunnels ignore it. */
typedef int decode_ip_fn(struct decode_pkt *d, struct cursor *c, uint32_t pseudo_sum);

/*
 * The dispatch tables, in decode_dispatch.c. Adding a tunnel decoder is one file
 * (decode_<name>.c, with its header diagram) and one line in one of these tables.
 */
struct decode_ethertype_entry {
	uint16_t type;
	decode_fn *fn;
};
struct decode_ipproto_entry {
	uint8_t proto;
	decode_ip_fn *fn;
};
/* A UDP tunnel, found by destination port (then source port) among the ports of the config key
 * conf_path, a list that defaults to default_ports ("[4789]"). */
struct decode_udp_entry {
	const char *name;
	const char *conf_path;
	const char *default_ports;
	decode_fn *fn;
};

extern const struct decode_ethertype_entry decode_ethertypes[];
extern const size_t decode_nethertypes;
extern const struct decode_ipproto_entry decode_ipprotos[];
extern const size_t decode_nipprotos;
extern const struct decode_udp_entry decode_udp_tunnels[];
extern const size_t decode_nudp_tunnels;

/* Table lookups; NULL when nothing is registered. */
decode_fn *decode_ethertype_find(uint16_t type);
decode_ip_fn *decode_ipproto_find(uint8_t proto);
decode_fn *decode_udp_find(const struct decode_conf *conf, uint16_t sport, uint16_t dport);

/* Dispatchers used by the layers. */
int decode_ethertype(struct decode_pkt *d, struct cursor *c, uint16_t type);
int decode_ipv4(struct decode_pkt *d, struct cursor *c);
int decode_ipv6(struct decode_pkt *d, struct cursor *c);
int decode_l4(struct decode_pkt *d, struct cursor *c, uint8_t proto, uint32_t pseudo_sum);

/* The decoders the tables name (decode_l4.c, decode_ipip.c, decode_vxlan.c, decode.c). */
int decode_vlan(struct decode_pkt *d, struct cursor *c);
int decode_tcp(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_udp(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_icmpv4(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_icmpv6(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_ipip(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_vxlan(struct decode_pkt *d, struct cursor *c);

/*
 * Moves the packet's current (outer) IP layer onto p->encap[] as a layer of kind with tunnel id,
 * and clears the transport fields so the inner packet starts clean. Returns 0, or
 * DECODE_EV_TOO_DEEP (recorded) when SW_ENCAP_MAX layers are already there.
 */
int decode_encap_push(struct decode_pkt *d, enum sw_encap_kind kind, uint32_t id);

/* The symmetric tunnel key of p's encap stack; 0 when it is empty, never 0 otherwise. */
uint32_t decode_tunnel_key(const struct sw_packet *p);

/* Records an event on the packet and in the counters; returns ev for tail calls. */
int decode_set_event(struct decode_pkt *d, int ev);

/* One's complement sum helpers (RFC 1071). */
uint32_t decode_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t decode_csum_fold(uint32_t sum);

#endif
