/* src/flow/flow_int.h: private to src/flow. */
#ifndef SW_FLOW_INT_H
#define SW_FLOW_INT_H

#include "flow/flow.h"

/* flow_packet_hash's seed for offline runs (and the one every earlier version used) */
#define FLOW_HASH_SEED_FIXED 0x5370616e77617463ULL

#define PROTO_TCP_    6
#define PROTO_UDP_    17
#define PROTO_ICMP_   1
#define PROTO_ICMPV6_ 58

/* The timeout class of a protocol. */
static inline int
flow_proto_class(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP_:
		return FLOW_CLASS_TCP;
	case PROTO_UDP_:
		return FLOW_CLASS_UDP;
	case PROTO_ICMP_:
	case PROTO_ICMPV6_:
		return FLOW_CLASS_ICMP;
	default:
		return FLOW_CLASS_OTHER;
	}
}

/* For ICMP types that come in request/response pairs, the type of the other half (Community ID's
 * port equivalent). Returns 1 and writes it, or 0 for one-way messages. */
int flow_icmp_counterpart(int v6, uint8_t type, uint8_t *other);

#endif
