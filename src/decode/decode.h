/* src/decode/decode.h: link, network, tunnel and transport decoding of one captured packet into
 * struct sw_packet. Link types: Ethernet (with 802.3 LLC/SNAP), Linux cooked v1/v2, raw IP, BSD
 * NULL/LOOP, Cisco HDLC, PPP, PPP in HDLC framing, NFLOG. Inside them: 802.1Q/802.1ad tags,
 * MPLS, PPPoE, PPP; IPv4, IPv6 and extension headers; tunnels: IP in IP, GRE (with PPTP and
 * Transparent Ethernet Bridging), ERSPAN I/II/III, VXLAN, Geneve, GTP-U, Teredo, AYIYA; TCP, UDP,
 * ICMP, ICMPv6. Every read is bounds-checked; a malformed header becomes a named decode event
 * and a counter, never a crash.
 *
 * Tunnels: the packet fields (family, addresses, ports, l3_off, l4_off, payload) describe the
 * innermost packet; every outer IP layer that carried a tunnel is kept in p->encap[] (outermost
 * first, decode.max-layers of them at most), and p->tunnel is a symmetric key of those layers
 * (the kinds whose decode.<kind>.use-for-tracking is on) for the flow and defrag keys. VLAN
 * tags, MPLS labels, PPPoE and PPP are link layers: they are not on p->encap[]. */
#ifndef SW_DECODE_H
#define SW_DECODE_H

#include "core/core.h"

/* Decode events, Suricata's names where they exist. Keep decode_event.c in the same order. */
enum decode_event {
	DECODE_EV_NONE = 0,
	DECODE_EV_RESERVED = 1, /* was decode_packet()'s "valid, not flow-able"; never an event */
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
	DECODE_EV_VXLAN_TOO_SMALL, /* UDP to a VXLAN port with less than a VXLAN header */
	/* tunnels and link layers added for issue 12; "ours" marks names Suricata does not have */
	DECODE_EV_VXLAN_UNKNOWN_PAYLOAD,
	DECODE_EV_GRE_TOO_SMALL,
	DECODE_EV_GRE_WRONG_VERSION,
	DECODE_EV_GRE_V0_RECUR,
	DECODE_EV_GRE_V0_FLAGS,
	DECODE_EV_GRE_V0_HDR_TOO_BIG,
	DECODE_EV_GRE_V0_MALFORMED_SRE,
	DECODE_EV_GRE_V1_CHKSUM,
	DECODE_EV_GRE_V1_ROUTE,
	DECODE_EV_GRE_V1_SSR,
	DECODE_EV_GRE_V1_RECUR,
	DECODE_EV_GRE_V1_FLAGS,
	DECODE_EV_GRE_V1_NO_KEY,
	DECODE_EV_GRE_V1_WRONG_PROTOCOL,
	DECODE_EV_GRE_V1_HDR_TOO_BIG,
	DECODE_EV_GRE_UNKNOWN_PAYLOAD, /* ours */
	DECODE_EV_ERSPAN_TOO_SMALL,
	DECODE_EV_ERSPAN_UNSUPPORTED_VERSION,
	DECODE_EV_ERSPAN_UNKNOWN_PAYLOAD, /* ours */
	DECODE_EV_GENEVE_TOO_SMALL,       /* ours */
	DECODE_EV_GENEVE_UNKNOWN_PAYLOAD,
	DECODE_EV_GTPU_TOO_SMALL,        /* ours */
	DECODE_EV_GTPU_UNKNOWN_PAYLOAD,  /* ours */
	DECODE_EV_AYIYA_TOO_SMALL,       /* ours */
	DECODE_EV_AYIYA_UNKNOWN_PAYLOAD, /* ours */
	DECODE_EV_MPLS_HEADER_TOO_SMALL,
	DECODE_EV_MPLS_PKT_TOO_SMALL,
	DECODE_EV_MPLS_BAD_LABEL_ROUTER_ALERT,
	DECODE_EV_MPLS_BAD_LABEL_IMPLICIT_NULL,
	DECODE_EV_MPLS_BAD_LABEL_RESERVED,
	DECODE_EV_MPLS_UNKNOWN_PAYLOAD,
	DECODE_EV_PPPOE_TOO_SMALL,
	DECODE_EV_PPPOE_WRONG_CODE,
	DECODE_EV_PPPOE_WRONG_VERSION, /* ours */
	DECODE_EV_PPP_TOO_SMALL,
	DECODE_EV_PPP_UNSUP_PROTO,
	DECODE_EV_CHDLC_TOO_SMALL,
	DECODE_EV_NFLOG_TOO_SMALL,          /* ours */
	DECODE_EV_NFLOG_UNSUPPORTED_FAMILY, /* ours */
	DECODE_EV_MAX
};

/* "ipv4.trunc_pkt" and the like; never NULL. */
const char *decode_event_name(int ev);

/* The output name of a kind's struct sw_encap.id ("vni", "key", ...), NULL when it has none. */
const char *decode_encap_id_name(int kind);

/* Whether decode_event ev ended decoding (the packet is not used for flows), or only noted an
 * oddity in an otherwise usable packet (e.g. a bad TCP option length). */
int decode_event_is_fatal(int ev);

enum decode_csum_mode {
	DECODE_CSUM_NONE = 0, /* count bad checksums, use the packets anyway (offloaded captures) */
	DECODE_CSUM_ALL = 1,  /* count them and keep such packets out of flows */
	DECODE_CSUM_AUTO = 2, /* none for files; for live capture all, unless the first packets
	                       * show offloaded checksums (decided by decode_ctx_init's state) */
};

/* The name of an enum sw_encap_kind ("ipip", "vxlan", "gre", "erspan", "geneve", "gtpu",
 * "teredo", "ayiya"), as in the decode.<kind>.* keys and for output; "unknown" otherwise. */
const char *decode_encap_kind_name(int kind);

/* UDP ports that name a tunnel (decode.vxlan.ports, ...), across all UDP tunnels. */
#define DECODE_UDP_PORTS_MAX 16

struct decode_conf {
	int checksum_mode; /* enum decode_csum_mode */
	/* decode.max-layers: tunnel layers a packet may have (1..SW_ENCAP_MAX); 0 in a struct
	 * zeroed by hand means SW_ENCAP_MAX */
	uint32_t max_layers;
	/* bit (1 << kind) set: decode.<kind>.use-for-tracking is off, the layers of that kind
	 * are left out of the tunnel key (0, every kind used, in a zeroed struct) */
	uint32_t untracked;
	/* UDP tunnel ports resolved from the config: udp_port[i] goes to the UDP dispatch table
	 * entry udp_entry[i] */
	uint16_t udp_port[DECODE_UDP_PORTS_MAX];
	uint8_t udp_entry[DECODE_UDP_PORTS_MAX];
	uint8_t udp_nports;
};

/* Counters of one decoding thread; zero-initialise. */
struct decode_stats {
	sw_counter_t pkts, bytes;
	sw_counter_t ethernet, vlan, sll, null, raw;
	sw_counter_t ipv4, ipv6, tcp, udp, icmpv4, icmpv6, other_proto, non_ip;
	sw_counter_t ipv4_frag, ipv6_frag;
	sw_counter_t ipip, vxlan, gre, erspan, geneve, gtpu, teredo, ayiya; /* tunnel layers */
	sw_counter_t mpls, pppoe, pppoe_discovery, ppp, chdlc, nflog, llc;  /* link layers */
	sw_counter_t tunnel_unknown; /* a tunnel header whose payload we do not decode */
	sw_counter_t gtpu_other;     /* GTP-U messages other than G-PDU (echo, end marker...) */
	sw_counter_t ayiya_other;    /* AYIYA messages other than "forward" */
	sw_counter_t gre_csum_bad;
	sw_counter_t ipv4_csum_bad, tcp_csum_bad, udp_csum_bad, icmp_csum_bad;
	sw_counter_t csum_skipped; /* packets kept out of flows for a bad checksum (-k all) */
	sw_counter_t invalid;      /* packets with a fatal decode event */
	sw_counter_t events[DECODE_EV_MAX];
};

struct conf_doc;
/* Reads decode.* keys from the configuration (including each UDP tunnel's port list). */
int decode_conf_load(struct conf_doc *doc, struct decode_conf *conf);

/* The packets checksum "auto" looks at before it decides, and the first, early decision. */
#define DECODE_CSUM_AUTO_EARLY  16
#define DECODE_CSUM_AUTO_SAMPLE 1000

/*
 * The decoding state of one capture thread: the configuration, its counters and the checksum
 * mode in force. Owned and written by that thread only (stats read the counters elsewhere).
 */
struct decode_ctx {
	const struct decode_conf *conf;
	struct decode_stats *st;
	int csum_mode; /* in force now: DECODE_CSUM_NONE or DECODE_CSUM_ALL */
	/* "auto" on a live capture: packets that carried a checksum so far, and how many of them
	 * had a bad one; deciding is false once the sample is complete */
	bool csum_deciding;
	uint32_t csum_checked, csum_bad;
	bool live; /* a live capture (checksum "auto" on files validates for the rule keywords) */
	/* set by the capture thread that hands packets to other threads: TCP checksums are left
	 * to them (SW_PKT_CSUM_DEFER, decode_csum_deferred), but while "auto" is deciding */
	bool csum_defer;
};

/* What decode_csum_deferred() counts, per thread (its only writer). */
struct decode_csum_stats {
	sw_counter_t tcp_csum_bad, csum_skipped;
};

/*
 * Prepares dc for a capture thread. conf and st are borrowed and must outlive dc. Checksum mode
 * "auto" becomes "none" for files (live false) and "all" for live capture, re-decided on the
 * first packets: when most of the first DECODE_CSUM_AUTO_EARLY packets that carry a checksum
 * have a bad one (offloading on the capturing host) validation is turned off at once, and the
 * first DECODE_CSUM_AUTO_SAMPLE confirm or reverse that; every change is logged.
 */
void decode_ctx_init(struct decode_ctx *dc, const struct decode_conf *conf, struct decode_stats *st,
                     bool live);

/*
 * Decodes p->data (p->caplen bytes, link type p->linktype) and fills the decode fields of p.
 * Returns 0 when the packet can go to the flow stage (SW_PKT_IP set); SW_E_UNSUPP when it is
 * valid but not flow-able (ARP, an unsupported ethertype, or kept out for a bad checksum,
 * counted in csum_skipped); SW_E_INVAL when a fatal decode event stopped it (SW_PKT_INVALID).
 * p->anomaly holds the first event (enum decode_event) in every case. Never reads outside data.
 */
int decode_packet(struct decode_ctx *dc, struct sw_packet *p);

/* The TCP checksum decode_packet() left (SW_PKT_CSUM_DEFER; the flag is cleared), verified on
 * the thread that handles p: a bad one sets SW_PKT_BAD_CSUM and is counted in st. Returns false
 * when the packet is to be kept out of flows (checksum mode "all", counted in csum_skipped),
 * true otherwise (also when p carries nothing deferred). */
bool decode_csum_deferred(struct sw_packet *p, struct decode_csum_stats *st);

#endif
