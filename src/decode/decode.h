/* src/decode/decode.h: link, network and transport decoding of one captured packet into
 * struct sw_packet (Ethernet, 802.1Q/QinQ, Linux cooked v1/v2, raw IP, BSD NULL; IPv4, IPv6 and
 * extension headers; TCP, UDP, ICMP, ICMPv6). Every read is bounds-checked; a malformed header
 * becomes a named decode event and a counter, never a crash. */
#ifndef SW_DECODE_H
#define SW_DECODE_H

#include "core/core.h"

/* Decode events, Suricata's names where they exist. Keep decode_event.c in the same order. */
enum decode_event {
	DECODE_EV_NONE = 0,
	DECODE_EV_RESERVED = 1, /* 1 is decode_packet()'s "valid, not flow-able", never an event */
	DECODE_EV_LINKTYPE_UNSUPPORTED,
	DECODE_EV_ETH_TOO_SMALL,
	DECODE_EV_VLAN_TOO_SMALL,
	DECODE_EV_VLAN_TOO_MANY,
	DECODE_EV_SLL_TOO_SMALL,
	DECODE_EV_NULL_TOO_SMALL,
	DECODE_EV_NULL_UNKNOWN_FAMILY,
	DECODE_EV_IPV4_TOO_SMALL,
	DECODE_EV_IPV4_WRONG_VERSION,
	DECODE_EV_IPV4_HLEN_TOO_SMALL,
	DECODE_EV_IPV4_IPLEN_SMALLER_THAN_HLEN,
	DECODE_EV_IPV4_TRUNC,
	DECODE_EV_IPV4_OPT_INVALID,
	DECODE_EV_IPV6_TOO_SMALL,
	DECODE_EV_IPV6_WRONG_VERSION,
	DECODE_EV_IPV6_TRUNC,
	DECODE_EV_IPV6_EXTHDR_TRUNC,
	DECODE_EV_IPV6_EXTHDR_TOO_MANY,
	DECODE_EV_TCP_TOO_SMALL,
	DECODE_EV_TCP_HLEN_TOO_SMALL,
	DECODE_EV_TCP_HLEN_TOO_BIG,
	DECODE_EV_TCP_OPT_INVALID_LEN,
	DECODE_EV_UDP_TOO_SMALL,
	DECODE_EV_UDP_LEN_INVALID,
	DECODE_EV_ICMPV4_TOO_SMALL,
	DECODE_EV_ICMPV6_TOO_SMALL,
	DECODE_EV_TOO_DEEP,
	DECODE_EV_MAX
};

/* "ipv4.trunc_pkt" and the like; never NULL. */
const char *decode_event_name(int ev);

/* Whether decode_event ev ended decoding (the packet is not used for flows), or only noted an
 * oddity in an otherwise usable packet (e.g. a bad TCP option length). */
int decode_event_is_fatal(int ev);

enum decode_csum_mode {
	DECODE_CSUM_NONE = 0, /* count bad checksums, use the packets anyway (offloaded captures) */
	DECODE_CSUM_ALL = 1,  /* count them and keep such packets out of flows */
	DECODE_CSUM_AUTO = 2, /* none for files, all for live capture: resolved by the caller */
};

struct decode_conf {
	int checksum_mode; /* enum decode_csum_mode */
};

/* Counters of one decoding thread; zero-initialise. */
struct decode_stats {
	sw_counter_t pkts, bytes;
	sw_counter_t ethernet, vlan, sll, null, raw;
	sw_counter_t ipv4, ipv6, tcp, udp, icmpv4, icmpv6, other_proto, non_ip;
	sw_counter_t ipv4_frag, ipv6_frag;
	sw_counter_t ipv4_csum_bad, tcp_csum_bad, udp_csum_bad, icmp_csum_bad;
	sw_counter_t csum_skipped; /* packets kept out of flows for a bad checksum (-k all) */
	sw_counter_t invalid;      /* packets with a fatal decode event */
	sw_counter_t events[DECODE_EV_MAX];
};

struct conf_doc;
/* Reads decode.* keys from the configuration. */
int decode_conf_load(struct conf_doc *doc, struct decode_conf *conf);

/*
 * Decodes p->data (p->caplen bytes, link type p->linktype) and fills the decode fields of p.
 * Returns 0 when the packet can go to the flow stage (SW_PKT_IP set), 1 when it is valid but not
 * flow-able (ARP, unsupported ethertype), or the fatal enum decode_event (>1) that stopped it;
 * p->anomaly holds the first event either way. Never reads outside data.
 */
int decode_packet(const struct decode_conf *conf, struct decode_stats *st, struct sw_packet *p);

#endif
