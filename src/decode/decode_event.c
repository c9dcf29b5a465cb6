/* src/decode/decode_event.c: names of decode events (as in Suricata's decoder-events rules). */
#include "config.h"

#include "decode/decode_int.h"

static const struct {
	const char *name;
	int fatal;
} decode_events[DECODE_EV_MAX] = {
    [DECODE_EV_NONE] = {"none", 0},
    [DECODE_EV_RESERVED] = {"none", 0},
    [DECODE_EV_LINKTYPE_UNSUPPORTED] = {"decoder.unsupported_linktype", 1},
    [DECODE_EV_ETH_TOO_SMALL] = {"ethernet.pkt_too_small", 1},
    [DECODE_EV_VLAN_TOO_SMALL] = {"vlan.header_too_small", 1},
    [DECODE_EV_VLAN_TOO_MANY] = {"vlan.too_many_layers", 0}, /* decoded, not kept */
    [DECODE_EV_SLL_TOO_SMALL] = {"sll.pkt_too_small", 1},
    [DECODE_EV_NULL_TOO_SMALL] = {"null.pkt_too_small", 1},
    [DECODE_EV_NULL_UNKNOWN_FAMILY] = {"null.unsupported_type", 1},
    [DECODE_EV_IPV4_TOO_SMALL] = {"ipv4.pkt_too_small", 1},
    [DECODE_EV_IPV4_WRONG_VERSION] = {"ipv4.wrong_ip_version", 1},
    [DECODE_EV_IPV4_HLEN_TOO_SMALL] = {"ipv4.hlen_too_small", 1},
    [DECODE_EV_IPV4_IPLEN_SMALLER_THAN_HLEN] = {"ipv4.iplen_smaller_than_hlen", 1},
    [DECODE_EV_IPV4_TRUNC] = {"ipv4.trunc_pkt", 1},
    [DECODE_EV_IPV4_OPT_INVALID] = {"ipv4.opt_invalid_len", 0},
    [DECODE_EV_IPV6_TOO_SMALL] = {"ipv6.pkt_too_small", 1},
    [DECODE_EV_IPV6_WRONG_VERSION] = {"ipv6.wrong_ip_version", 1},
    [DECODE_EV_IPV6_TRUNC] = {"ipv6.trunc_pkt", 1},
    [DECODE_EV_IPV6_EXTHDR_TRUNC] = {"ipv6.trunc_exthdr", 1},
    [DECODE_EV_IPV6_EXTHDR_TOO_MANY] = {"ipv6.exthdr_too_many", 1},
    [DECODE_EV_TCP_TOO_SMALL] = {"tcp.pkt_too_small", 1},
    [DECODE_EV_TCP_HLEN_TOO_SMALL] = {"tcp.hlen_too_small", 1},
    [DECODE_EV_TCP_HLEN_TOO_BIG] = {"tcp.hlen_too_big", 1},
    [DECODE_EV_TCP_OPT_INVALID_LEN] = {"tcp.opt_invalid_len", 0},
    [DECODE_EV_UDP_TOO_SMALL] = {"udp.pkt_too_small", 1},
    [DECODE_EV_UDP_LEN_INVALID] = {"udp.len_invalid", 1},
    [DECODE_EV_ICMPV4_TOO_SMALL] = {"icmpv4.pkt_too_small", 1},
    [DECODE_EV_ICMPV6_TOO_SMALL] = {"icmpv6.pkt_too_small", 1},
    [DECODE_EV_TOO_DEEP] = {"decoder.too_many_layers", 1},
    [DECODE_EV_VXLAN_TOO_SMALL] = {"vxlan.pkt_too_small", 0},
    [DECODE_EV_VXLAN_UNKNOWN_PAYLOAD] = {"vxlan.unknown_payload_type", 0},
    [DECODE_EV_GRE_TOO_SMALL] = {"gre.pkt_too_small", 1},
    [DECODE_EV_GRE_WRONG_VERSION] = {"gre.wrong_version", 1},
    [DECODE_EV_GRE_V0_RECUR] = {"gre.version0_recur", 1},
    [DECODE_EV_GRE_V0_FLAGS] = {"gre.version0_flags", 1},
    [DECODE_EV_GRE_V0_HDR_TOO_BIG] = {"gre.version0_hdr_too_big", 1},
    [DECODE_EV_GRE_V0_MALFORMED_SRE] = {"gre.version0_malformed_sre_hdr", 1},
    [DECODE_EV_GRE_V1_CHKSUM] = {"gre.version1_chksum", 1},
    [DECODE_EV_GRE_V1_ROUTE] = {"gre.version1_route", 1},
    [DECODE_EV_GRE_V1_SSR] = {"gre.version1_ssr", 1},
    [DECODE_EV_GRE_V1_RECUR] = {"gre.version1_recur", 1},
    [DECODE_EV_GRE_V1_FLAGS] = {"gre.version1_flags", 1},
    [DECODE_EV_GRE_V1_NO_KEY] = {"gre.version1_no_key", 1},
    [DECODE_EV_GRE_V1_WRONG_PROTOCOL] = {"gre.version1_wrong_protocol", 1},
    [DECODE_EV_GRE_V1_HDR_TOO_BIG] = {"gre.version1_hdr_too_big", 1},
    [DECODE_EV_GRE_UNKNOWN_PAYLOAD] = {"gre.unknown_payload_type", 0},
    [DECODE_EV_ERSPAN_TOO_SMALL] = {"erspan.header_too_small", 1},
    [DECODE_EV_ERSPAN_UNSUPPORTED_VERSION] = {"erspan.unsupported_version", 1},
    [DECODE_EV_ERSPAN_UNKNOWN_PAYLOAD] = {"erspan.unknown_payload_type", 0},
    [DECODE_EV_GENEVE_TOO_SMALL] = {"geneve.pkt_too_small", 0},
    [DECODE_EV_GENEVE_UNKNOWN_PAYLOAD] = {"geneve.unknown_payload_type", 0},
    [DECODE_EV_GTPU_TOO_SMALL] = {"gtpu.pkt_too_small", 0},
    [DECODE_EV_GTPU_UNKNOWN_PAYLOAD] = {"gtpu.unknown_payload_type", 0},
    [DECODE_EV_AYIYA_TOO_SMALL] = {"ayiya.pkt_too_small", 0},
    [DECODE_EV_AYIYA_UNKNOWN_PAYLOAD] = {"ayiya.unknown_payload_type", 0},
    [DECODE_EV_MPLS_HEADER_TOO_SMALL] = {"mpls.header_too_small", 1},
    [DECODE_EV_MPLS_PKT_TOO_SMALL] = {"mpls.pkt_too_small", 1},
    [DECODE_EV_MPLS_BAD_LABEL_ROUTER_ALERT] = {"mpls.bad_label_router_alert", 1},
    [DECODE_EV_MPLS_BAD_LABEL_IMPLICIT_NULL] = {"mpls.bad_label_implicit_null", 1},
    [DECODE_EV_MPLS_BAD_LABEL_RESERVED] = {"mpls.bad_label_reserved", 1},
    [DECODE_EV_MPLS_UNKNOWN_PAYLOAD] = {"mpls.unknown_payload_type", 0},
    [DECODE_EV_PPPOE_TOO_SMALL] = {"pppoe.pkt_too_small", 1},
    [DECODE_EV_PPPOE_WRONG_CODE] = {"pppoe.wrong_code", 1},
    [DECODE_EV_PPPOE_WRONG_VERSION] = {"pppoe.wrong_version", 1},
    [DECODE_EV_PPP_TOO_SMALL] = {"ppp.pkt_too_small", 1},
    [DECODE_EV_PPP_UNSUP_PROTO] = {"ppp.unsup_proto", 0},
    [DECODE_EV_CHDLC_TOO_SMALL] = {"chdlc.pkt_too_small", 1},
    [DECODE_EV_NFLOG_TOO_SMALL] = {"nflog.pkt_too_small", 1},
    [DECODE_EV_NFLOG_UNSUPPORTED_FAMILY] = {"nflog.unsupported_family", 1},
};

const char *
decode_event_name(int ev)
{
	if (ev < 0 || ev >= DECODE_EV_MAX || decode_events[ev].name == NULL)
		return "unknown";
	return decode_events[ev].name;
}

int
decode_event_is_fatal(int ev)
{
	if (ev <= 0 || ev >= DECODE_EV_MAX)
		return 0;
	return decode_events[ev].fatal;
}

int
decode_set_event(struct decode_pkt *d, int ev)
{
	if (d->p->anomaly == 0)
		d->p->anomaly = (uint16_t)ev;
	sw_counter_add(&d->st->events[ev], 1);
	return ev;
}
