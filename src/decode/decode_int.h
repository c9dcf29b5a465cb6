/* src/decode/decode_int.h: private to src/decode: the per-layer decoders and their context. */
#ifndef SW_DECODE_INT_H
#define SW_DECODE_INT_H

#include "decode/decode.h"

/* Tunnels decode an inner packet by calling back into the network layer; the depth bounds it. */
#define DECODE_MAX_DEPTH 4

struct decode_ctx {
	const struct decode_conf *conf;
	struct decode_stats *st;
	struct sw_packet *p;
	int depth;
};

/* Each returns 0, 1 (valid, not flow-able) or a fatal decode event. c covers the layer and
 * everything after it within the captured bytes. */
int decode_ethertype(struct decode_ctx *d, struct cursor *c, uint16_t type);
int decode_ipv4(struct decode_ctx *d, struct cursor *c);
int decode_ipv6(struct decode_ctx *d, struct cursor *c);
int decode_l4(struct decode_ctx *d, struct cursor *c, uint8_t proto, uint32_t pseudo_sum);

/* Records an event on the packet and in the counters; returns ev for tail calls. */
int decode_set_event(struct decode_ctx *d, int ev);

/* One's complement sum helpers (RFC 1071). */
uint32_t decode_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t decode_csum_fold(uint32_t sum);

#endif
