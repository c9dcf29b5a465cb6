/* src/decode/decode_int.h: private to src/decode: the per-layer decoders, their dispatch tables
 * and the per-packet decoding state. */
#ifndef SW_DECODE_INT_H
#define SW_DECODE_INT_H

#include <stdbool.h>

#include "decode/decode.h"

/* Link layers nest without an encapsulation layer (MPLS carrying Ethernet carrying PPPoE...):
 * at most this many ethertype dispatches per packet, then decoder.too_many_layers. Tunnels are
 * bounded by decode.max-layers (decode_encap_push), VLAN tags and MPLS labels by a loop. */
#define DECODE_MAX_NEST 32

/* The state of decoding one packet (struct decode_ctx is the thread's, this is the packet's). */
struct decode_pkt {
	const struct decode_conf *conf;
	struct decode_stats *st;
	struct sw_packet *p;
	int depth;
	int csum_checked; /* a checksum was verified in this packet (for checksum "auto") */
	bool defer_tcp;   /* leave the TCP checksum to the worker (decode_ctx.csum_defer) */
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
 * fails with DECODE_EV_TOO_DEEP past decode.max-layers) and decodes the inner packet through
 * decode_eth_frame(), decode_ethertype(), decode_ipv4() or decode_ipv6(). A decoder found by a
 * UDP port that cannot read its header (or finds another protocol) returns DECODE_NOT_MINE,
 * with at most a non-fatal event: the packet stays the UDP datagram it is. Unknown payload
 * after a tunnel header is a non-fatal <tunnel>.unknown_payload_type event, counted in
 * tunnel_unknown; nothing is guessed.
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

/* What decode_encap_push and the configuration know of a tunnel kind. */
struct decode_encap_entry {
	const char *name;       /* "gre" */
	const char *id_name;    /* what struct sw_encap.id is, for output ("key"); NULL: none */
	const char *track_path; /* "decode.gre.use-for-tracking" */
	size_t counter;         /* offset of its sw_counter_t in struct decode_stats */
};
extern const struct decode_encap_entry decode_encap_kinds[SW_ENCAP_KIND_MAX];

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

/*
 * An Ethernet frame (destination, source, EtherType or 802.3 length + LLC/SNAP) inside a tunnel
 * (VXLAN, Geneve, GRE TEB, ERSPAN, an MPLS pseudowire). An EtherType we have no decoder for
 * (but ARP) is event unknown_ev (non-fatal, counted in tunnel_unknown): not for flows.
 */
int decode_eth_frame(struct decode_pkt *d, struct cursor *c, int unknown_ev);

/*
 * A length field of the layer that c starts at, counting len bytes from c: c is cut to len
 * (what follows is padding). Returns SW_E_TRUNC when len is more than c holds, unless the snap
 * length cut the packet (c is kept). A packet rebuilt from fragments keeps all of c: defrag
 * rewrote the IP and UDP lengths around the rebuilt datagram, not this one.
 */
int decode_trim(struct decode_pkt *d, struct cursor *c, size_t len);

/* The decoders the tables name (decode_l4.c, decode_ipip.c, decode_vxlan.c, decode.c, and one
 * file per family: decode_gre.c, decode_erspan.c, decode_geneve.c, decode_gtpu.c,
 * decode_teredo.c, decode_ayiya.c, decode_mpls.c, decode_ppp.c, decode_nflog.c). */
int decode_vlan(struct decode_pkt *d, struct cursor *c);
int decode_gre(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_geneve(struct decode_pkt *d, struct cursor *c);
int decode_gtpu(struct decode_pkt *d, struct cursor *c);
int decode_teredo(struct decode_pkt *d, struct cursor *c);
int decode_ayiya(struct decode_pkt *d, struct cursor *c);
int decode_mpls(struct decode_pkt *d, struct cursor *c);
int decode_pppoe_session(struct decode_pkt *d, struct cursor *c);
int decode_pppoe_discovery(struct decode_pkt *d, struct cursor *c);
/* ERSPAN after a GRE header of protocol gre_proto (0x88be: type I without a sequence number,
 * type II with one; 0x22eb: type III). Pushes the layer itself. */
int decode_erspan(struct decode_pkt *d, struct cursor *c, uint16_t gre_proto, bool gre_seq);
/* A PPP frame (RFC 1661): optional FF 03 address and control (RFC 1662), the protocol field,
 * compressed to one byte or not. */
int decode_ppp(struct decode_pkt *d, struct cursor *c);
/* Link types: Cisco HDLC (DLT_C_HDLC), NFLOG (DLT_NFLOG). */
int decode_chdlc(struct decode_pkt *d, struct cursor *c);
int decode_nflog(struct decode_pkt *d, struct cursor *c);
int decode_tcp(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_udp(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_icmpv4(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_icmpv6(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_ipip(struct decode_pkt *d, struct cursor *c, uint32_t pseudo);
int decode_vxlan(struct decode_pkt *d, struct cursor *c);

/*
 * Moves the packet's current (outer) IP layer onto p->encap[] as a layer of kind with tunnel id,
 * counts it (decoder.<kind>) and clears the transport fields so the inner packet starts clean.
 * Returns 0, or DECODE_EV_TOO_DEEP (recorded) when decode.max-layers layers are already there.
 */
int decode_encap_push(struct decode_pkt *d, enum sw_encap_kind kind, uint32_t id);

/* The symmetric tunnel key of p's encap stack, over the layers of the kinds conf uses for
 * tracking; 0 when there is none of them, never 0 otherwise. */
uint32_t decode_tunnel_key(const struct decode_conf *conf, const struct sw_packet *p);

/* Records an event on the packet and in the counters; returns ev for tail calls. */
int decode_set_event(struct decode_pkt *d, int ev);

/* One's complement sum helpers (RFC 1071). */
uint32_t decode_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t decode_csum_fold(uint32_t sum);

#endif
