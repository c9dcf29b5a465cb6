/* src/output/output_eve.c: the EVE JSON event formats (flow, anomaly, stats), field names as in
 * Suricata's eve.json so existing SOC parsers read them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "output/output_int.h"

const char *
eve_type_name(int type)
{
	static const char *const names[EVE_APP0] = {"alert", "flow", "anomaly", "stats", "loss", "intel"};

	if (type >= 0 && type < EVE_APP0)
		return names[type];
	if (type >= EVE_APP0 && type < EVE_TYPE_MAX)
		return app_msg_desc(type - EVE_APP0)->name;
	return "unknown";
}

/* IANA keyword of an IP protocol, as Suricata prints it; numbers otherwise. */
static const char *
proto_name(uint8_t proto, char *buf, size_t size)
{
	switch (proto) {
	case 1:
		return "ICMP";
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 4:
		return "IPv4"; /* IPv4 encapsulation (IP in IP) */
	case 41:
		return "IPv6"; /* IPv6 encapsulation (6in4, 6in6) */
	case 44:
		return "IPv6-Frag"; /* an IPv6 fragment as rules see it (detect_fragment) */
	case 47:
		return "GRE";
	case 50:
		return "ESP";
	case 58:
		return "IPv6-ICMP";
	case 132:
		return "SCTP";
	default:
		snprintf(buf, size, "%u", proto);
		return buf;
	}
}


/* Appends text s (NULL: nothing) to id at *k, cut to leave room for the NUL. */
static void
id_add(char *id, size_t size, size_t *k, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n > size - 1 - *k)
		n = size - 1 - *k;
	if (n > 0)
		memcpy(id + *k, s, n);
	*k += n;
}

/* timestamp, flow_id, sensor, pcap_filename, event_type: the head of every event. */
static void
eve_head_as(struct jw *w, const struct eve_ctx *ctx, sw_time_t ts, const char *event_type,
	    uint32_t source_idx, uint64_t flow_id);

static void
eve_head(struct jw *w, const struct eve_ctx *ctx, sw_time_t ts, int type, uint32_t source_idx,
	 uint64_t flow_id)
{
	eve_head_as(w, ctx, ts, eve_type_name(type), source_idx, flow_id);
}

/* The common head with event_type named (a "packet" event has no type of its own). */
static void
eve_head_as(struct jw *w, const struct eve_ctx *ctx, sw_time_t ts, const char *event_type,
	    uint32_t source_idx, uint64_t flow_id)
{
	jw_time(w, "timestamp", ts);
	if (flow_id != 0)
		jw_u64(w, "flow_id", flow_id);
	if (ctx->conf->sensor_name != NULL && ctx->conf->sensor_name[0] != '\0')
		jw_str(w, "sensor", ctx->conf->sensor_name);
	if (ctx->event_seq != NULL) {
		/* "SENSOR-RUNID-SEQ" without printf (one per event), cut at 127 bytes as
		 * snprintf cut it */
		char id[128], d[20];
		size_t k = 0, i = sizeof(d), ndig;
		uint64_t seq = atomic_fetch_add_explicit(ctx->event_seq, 1, memory_order_relaxed);

		do {
			d[--i] = (char)('0' + seq % 10);
			seq /= 10;
		} while (seq != 0);
		id_add(id, sizeof(id), &k, ctx->conf->sensor_name);
		id_add(id, sizeof(id), &k, "-");
		id_add(id, sizeof(id), &k, ctx->run_id);
		id_add(id, sizeof(id), &k, "-");
		ndig = sizeof(d) - i < sizeof(id) - 1 - k ? sizeof(d) - i : sizeof(id) - 1 - k;
		memcpy(id + k, d + i, ndig);
		jw_strn(w, "event_id", id, k + ndig);
	}
	if (ctx->source_names != NULL && source_idx < ctx->nsources)
		jw_str(w, "pcap_filename", ctx->source_names[source_idx]);
	jw_str(w, "event_type", event_type);
}

static void
eve_vlan(struct jw *w, const uint16_t *vlan, uint8_t n)
{
	uint8_t i;

	if (n == 0)
		return;
	jw_arr_begin(w, "vlan");
	for (i = 0; i < n; i++)
		jw_u64(w, NULL, vlan[i]);
	jw_arr_end(w);
}

/*
 * The encapsulation of a tunnelled flow or packet, after Suricata's "tunnel" object: the
 * outermost layer's addresses, ports (a tunnel in UDP) and protocol, the depth, and every layer
 * in "layers" (outermost first, with its VNI, GRE key, ...). The innermost VXLAN and GRE layers
 * also give top-level "vxlan": {"vni"} and "gre": {"key"}. Layers are given as the flow's or
 * packet's direction sees them; swap reverses each one (a flow written server to client).
 */
static void
eve_tunnel_layer(struct jw *w, const struct flow_tunnel_layer *l, bool swap, bool outer)
{
	const char *id_name = decode_encap_id_name(l->kind);
	char a[64], pn[8];

	if (!outer)
		jw_str(w, "type", decode_encap_kind_name(l->kind));
	jw_str(w, "src_ip", sw_addr_str(swap ? &l->dst : &l->src, l->family, a, sizeof(a)));
	if (l->proto == 17)
		jw_u64(w, "src_port", swap ? l->dport : l->sport);
	jw_str(w, "dest_ip", sw_addr_str(swap ? &l->src : &l->dst, l->family, a, sizeof(a)));
	if (l->proto == 17)
		jw_u64(w, "dest_port", swap ? l->sport : l->dport);
	jw_str(w, "proto", proto_name(l->proto, pn, sizeof(pn)));
	if (!outer && id_name != NULL)
		jw_u64(w, id_name, l->id);
}

static void
eve_tunnel(struct jw *w, const struct flow_tunnel_layer *layers, uint8_t depth, bool swap)
{
	int vxlan = -1, gre = -1;
	uint8_t i;

	if (depth == 0)
		return;
	jw_obj_begin(w, "tunnel");
	eve_tunnel_layer(w, &layers[0], swap, true);
	jw_u64(w, "depth", depth);
	jw_arr_begin(w, "layers");
	for (i = 0; i < depth; i++) {
		jw_obj_begin(w, NULL);
		eve_tunnel_layer(w, &layers[i], swap, false);
		jw_obj_end(w);
		if (layers[i].kind == SW_ENCAP_VXLAN)
			vxlan = i;
		if (layers[i].kind == SW_ENCAP_GRE)
			gre = i;
	}
	jw_arr_end(w);
	jw_obj_end(w);
	if (vxlan >= 0) {
		jw_obj_begin(w, "vxlan");
		jw_u64(w, "vni", layers[vxlan].id);
		jw_obj_end(w);
	}
	if (gre >= 0) {
		jw_obj_begin(w, "gre");
		jw_u64(w, "key", layers[gre].id);
		jw_obj_end(w);
	}
}

/* A packet's encapsulation stack in the form a flow keeps it (ports read from the packet). */
static void
eve_packet_tunnel(struct jw *w, const struct sw_packet *p)
{
	struct flow_tunnel_layer layers[SW_ENCAP_MAX];
	uint8_t i;

	for (i = 0; i < p->encap_count; i++)
		flow_tunnel_layer_of(p, &p->encap[i], false, &layers[i]);
	eve_tunnel(w, layers, p->encap_count, false);
}

static int
has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

static void
tcp_flags_hex(struct jw *w, const char *key, uint8_t flags)
{
	char buf[4];

	snprintf(buf, sizeof(buf), "%02x", flags);
	jw_str(w, key, buf);
}

/* The tuple of a flow oriented as dir: source first. */
static void
eve_flow_tuple_dir(struct jw *w, const struct eve_ctx *ctx, const struct sw_flow *f,
		   enum flow_dir dir)
{
	const struct sw_addr *src = dir == FLOW_TO_SERVER ? &f->cli : &f->srv;
	const struct sw_addr *dst = dir == FLOW_TO_SERVER ? &f->srv : &f->cli;
	uint16_t sp = dir == FLOW_TO_SERVER ? f->cport : f->sport;
	uint16_t dp = dir == FLOW_TO_SERVER ? f->sport : f->cport;
	char a[64], cid[64], pn[8];

	eve_vlan(w, f->vlan, f->vlan_count);
	if (f->tun != NULL)
		eve_tunnel(w, f->tun->layer, f->tun->depth, dir == FLOW_TO_CLIENT);
	jw_str(w, "src_ip", sw_addr_str(src, f->family, a, sizeof(a)));
	if (has_ports(f->proto))
		jw_u64(w, "src_port", sp);
	jw_str(w, "dest_ip", sw_addr_str(dst, f->family, a, sizeof(a)));
	if (has_ports(f->proto))
		jw_u64(w, "dest_port", dp);
	jw_str(w, "proto", proto_name(f->proto, pn, sizeof(pn)));
	if (f->proto == 1 || f->proto == 58) {
		jw_u64(w, "icmp_type", f->icmp_type);
		jw_u64(w, "icmp_code", f->icmp_code);
	}
	if (flow_community_id_flow(ctx->cid_seed, f, cid, sizeof(cid)) == 0)
		jw_str(w, "community_id", cid);
	/* our parser's verdict first (it parsed the data), else nDPI's */
	jw_str(w, "app_proto", app_flow_name(f) != NULL ? app_flow_name(f) : "unknown");
}

/* The addresses, ports, proto and community_id of a flow, client first. */
static void
eve_flow_tuple(struct jw *w, const struct eve_ctx *ctx, const struct sw_flow *f)
{
	eve_flow_tuple_dir(w, ctx, f, FLOW_TO_SERVER);
}

/* The addresses, ports, proto and community_id of a packet, as far as it was decoded. */
static void
eve_packet_tuple(struct jw *w, const struct eve_ctx *ctx, const struct sw_packet *p)
{
	char a[64], cid[64], pn[8];
	/* an IPv4 fragment of TCP, UDP or SCTP: ports 0, as Suricata logs a packet whose transport
	 * header it did not decode (an IPv6 one's protocol is 44: none) */
	int ports = has_ports(p->proto) &&
		    ((p->flags & SW_PKT_L4) || (p->family == 4 && (p->flags & SW_PKT_FRAG)));

	eve_vlan(w, p->vlan, p->vlan_count);
	eve_packet_tunnel(w, p);
	if (!(p->flags & SW_PKT_IP))
		return;
	jw_str(w, "src_ip", sw_addr_str(&p->src, p->family, a, sizeof(a)));
	if (ports)
		jw_u64(w, "src_port", p->sport);
	jw_str(w, "dest_ip", sw_addr_str(&p->dst, p->family, a, sizeof(a)));
	if (ports)
		jw_u64(w, "dest_port", p->dport);
	/* IPv6 knows its transport only after the extension headers (an IPv6 fragment's alert:
	 * 44, the fragment header, as Suricata logs it) */
	if ((p->flags & SW_PKT_L4) || p->family == 4 || p->proto == 44)
		jw_str(w, "proto", proto_name(p->proto, pn, sizeof(pn)));
	if ((p->flags & SW_PKT_L4) &&
	    flow_community_id(ctx->cid_seed, p->family, &p->src, &p->dst, p->sport, p->dport,
			      p->proto, cid, sizeof(cid)) == 0)
		jw_str(w, "community_id", cid);
}

/* nDPI's view of the flow: protocol, category, confidence and risks. */
static void
eve_ndpi(struct jw *w, const struct dpi_info *in)
{
	int r;

	jw_obj_begin(w, "ndpi");
	jw_str(w, "protocol", in->ndpi_proto);
	if (in->category != NULL)
		jw_str(w, "category", in->category);
	if (in->confidence != NULL)
		jw_str(w, "confidence", in->confidence);
	if (in->risk != 0) {
		jw_arr_begin(w, "risks");
		for (r = dpi_risk_next(in->risk, 0); r >= 0; r = dpi_risk_next(in->risk, r + 1))
			jw_str(w, NULL, dpi_risk_name(r));
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

void
eve_format_flow_anomaly(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
			const struct sw_packet *p, const char *layer_type, const char *event)
{
	struct jw w;

	jw_init(&w, b);
	eve_head(&w, ctx, p != NULL ? p->ts : f->last, EVE_ANOMALY,
		 p != NULL ? p->source_idx : f->source_idx, f->flow_id);
	eve_flow_tuple(&w, ctx, f);
	jw_obj_begin(&w, "anomaly");
	jw_str(&w, "type", layer_type);
	jw_str(&w, "event", event);
	jw_obj_end(&w);
	jw_finish(&w);
}

void
eve_format_app_anomaly(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
		       sw_time_t ts, const char *app_proto, const char *event, uint64_t tx_id,
		       bool has_tx)
{
	struct jw w;

	jw_init(&w, b);
	eve_head(&w, ctx, ts, EVE_ANOMALY, f->source_idx, f->flow_id);
	eve_flow_tuple(&w, ctx, f);
	if (has_tx)
		jw_u64(&w, "tx_id", tx_id);
	jw_obj_begin(&w, "anomaly");
	jw_str(&w, "app_proto", app_proto);
	jw_str(&w, "type", "applayer");
	jw_str(&w, "event", event);
	jw_str(&w, "layer", "proto_parser");
	jw_obj_end(&w);
	jw_finish(&w);
}

static void
eve_stream_dir(struct jw *w, const char *key, const struct stream_dir_info *d)
{
	jw_obj_begin(w, key);
	jw_u64(w, "bytes", d->bytes);
	jw_u64(w, "gaps", d->gaps);
	jw_u64(w, "gap_bytes", d->gap_bytes);
	jw_u64(w, "overlaps", d->overlaps);
	if (d->depth_reached)
		jw_bool(w, "depth_reached", true);
	jw_obj_end(w);
}

void
eve_format_flow(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
		const struct stream_dir_info *stream)
{
	struct jw w;
	uint8_t all;

	jw_init(&w, b);
	eve_head(&w, ctx, f->start, EVE_FLOW, f->source_idx, f->flow_id);
	eve_flow_tuple(&w, ctx, f);

	jw_obj_begin(&w, "flow");
	jw_u64(&w, "pkts_toserver", f->pkts[FLOW_TO_SERVER]);
	jw_u64(&w, "pkts_toclient", f->pkts[FLOW_TO_CLIENT]);
	jw_u64(&w, "bytes_toserver", f->bytes[FLOW_TO_SERVER]);
	jw_u64(&w, "bytes_toclient", f->bytes[FLOW_TO_CLIENT]);
	jw_time(&w, "start", f->start);
	jw_time(&w, "end", f->last);
	jw_u64(&w, "age", (f->last - f->start) / SW_USEC_PER_SEC);
	jw_str(&w, "state", flow_state_name(f->state));
	jw_str(&w, "reason", flow_reason_name(f->reason));
	jw_bool(&w, "alerted", f->alerted);
	jw_obj_end(&w);

	if (f->proto == 6) {
		all = f->tcp_flags[0] | f->tcp_flags[1];
		jw_obj_begin(&w, "tcp");
		tcp_flags_hex(&w, "tcp_flags", all);
		tcp_flags_hex(&w, "tcp_flags_ts", f->tcp_flags[FLOW_TO_SERVER]);
		tcp_flags_hex(&w, "tcp_flags_tc", f->tcp_flags[FLOW_TO_CLIENT]);
		if (all & SW_TH_SYN)
			jw_bool(&w, "syn", true);
		if (all & SW_TH_FIN)
			jw_bool(&w, "fin", true);
		if (all & SW_TH_RST)
			jw_bool(&w, "rst", true);
		if (all & SW_TH_PSH)
			jw_bool(&w, "psh", true);
		if (all & SW_TH_ACK)
			jw_bool(&w, "ack", true);
		if (all & SW_TH_URG)
			jw_bool(&w, "urg", true);
		if (all & SW_TH_ECE)
			jw_bool(&w, "ecn", true);
		if (all & SW_TH_CWR)
			jw_bool(&w, "cwr", true);
		if (f->midstream)
			jw_bool(&w, "midstream", true);
		jw_obj_end(&w);
	}
	if (dpi_flow_info(f) != NULL)
		eve_ndpi(&w, dpi_flow_info(f));
	if (stream != NULL) {
		jw_obj_begin(&w, "stream");
		eve_stream_dir(&w, "toserver", &stream[FLOW_TO_SERVER]);
		eve_stream_dir(&w, "toclient", &stream[FLOW_TO_CLIENT]);
		jw_obj_end(&w);
	}
	jw_finish(&w);
}

void
eve_format_anomaly(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_packet *p,
		   const char *layer_type, const char *event)
{
	struct jw w;

	jw_init(&w, b);
	eve_head(&w, ctx, p->ts, EVE_ANOMALY, p->source_idx, 0);
	eve_packet_tuple(&w, ctx, p);
	jw_obj_begin(&w, "anomaly");
	jw_str(&w, "type", layer_type);
	if (strcmp(layer_type, "decode") == 0 && strncmp(event, "decoder.", 8) != 0) {
		char name[96];

		snprintf(name, sizeof(name), "decoder.%s", event);
		jw_str(&w, "event", name);
	} else {
		jw_str(&w, "event", event);
	}
	jw_obj_end(&w);
	jw_obj_begin(&w, "packet_info");
	jw_u64(&w, "linktype", (uint64_t)p->linktype);
	jw_u64(&w, "caplen", p->caplen);
	jw_u64(&w, "len", p->wirelen);
	jw_obj_end(&w);
	jw_finish(&w);
}

/* Length of the first n dot-separated components of name. */
static size_t
path_prefix_len(const char *name, int n)
{
	size_t i = 0;

	while (n > 0 && name[i] != '\0') {
		if (name[i] == '.')
			n--;
		if (n > 0)
			i++;
	}
	return i;
}

void
eve_format_stats(struct sbuf *b, const struct eve_ctx *ctx, sw_time_t ts, uint64_t uptime,
		 const struct eve_counter *c, size_t n)
{
	struct jw w;
	const char *open = ""; /* dotted path of the objects now open */
	int depth = 0;
	size_t i;

	jw_init(&w, b);
	eve_head(&w, ctx, ts, EVE_STATS, UINT32_MAX, 0);
	jw_obj_begin(&w, "stats");
	jw_u64(&w, "uptime", uptime);
	for (i = 0; i < n; i++) {
		const char *name = c[i].name;
		int parts = 1, common = 0, k;
		const char *s;

		for (s = name; *s; s++)
			parts += *s == '.';
		/* how many leading components are already open */
		while (common < depth && common < parts - 1) {
			size_t l = path_prefix_len(open, common + 1);

			if (l != path_prefix_len(name, common + 1) || strncmp(open, name, l) != 0)
				break;
			common++;
		}
		for (k = depth; k > common; k--)
			jw_obj_end(&w);
		depth = common;
		while (depth < parts - 1) {
			size_t from = depth == 0 ? 0 : path_prefix_len(name, depth) + 1;
			size_t to = path_prefix_len(name, depth + 1);
			char key[64];

			snprintf(key, sizeof(key), "%.*s", (int)(to - from), name + from);
			jw_obj_begin(&w, key);
			depth++;
		}
		open = name;
		jw_u64(&w, name + (parts > 1 ? path_prefix_len(name, parts - 1) + 1 : 0),
		       c[i].value);
	}
	for (; depth > 0; depth--)
		jw_obj_end(&w);
	jw_obj_end(&w);
	jw_finish(&w);
}

void
eve_format_loss(struct sbuf *b, const struct eve_ctx *ctx, sw_time_t start, sw_time_t ts,
		const char *const *names, const uint64_t *values, size_t n, uint64_t total,
		uint64_t gap_bytes)
{
	struct jw w;
	size_t i;

	jw_init(&w, b);
	eve_head(&w, ctx, ts, EVE_LOSS, UINT32_MAX, 0);
	jw_obj_begin(&w, "loss");
	jw_time(&w, "interval_start", start);
	jw_time(&w, "interval_end", ts);
	jw_u64(&w, "total", total);
	jw_obj_begin(&w, "causes");
	for (i = 0; i < n; i++)
		jw_u64(&w, names[i], values[i]);
	jw_obj_end(&w);
	if (gap_bytes > 0)
		jw_u64(&w, "stream_gap_bytes", gap_bytes);
	jw_obj_end(&w);
	jw_finish(&w);
}

int
eve_type_of_app(const struct app_msg *msg)
{
	return EVE_APP0 + (int)msg->kind;
}









void
eve_format_app(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
	       const struct app_msg *msg)
{
	struct jw w;

	jw_init(&w, b);
	eve_head(&w, ctx, msg->ts, eve_type_of_app(msg), f->source_idx, f->flow_id);
	eve_flow_tuple(&w, ctx, f);
	jw_str(&w, "direction", msg->dir == FLOW_TO_SERVER ? "to_server" : "to_client");
	app_msg_eve(&w, msg, false);
	jw_finish(&w);
}

static void eve_alert_flow(struct jw *w, const struct sw_flow *f);

static void eve_cti_alert(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
			  sw_time_t ts, enum flow_dir dir, const struct cti_hit *hit,
			  const char *matched_on, const struct app_msg *msg,
			  const struct cti_retro_alert *retro);

void
eve_format_cti_alert(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
		     sw_time_t ts, enum flow_dir dir, const struct cti_hit *hit,
		     const char *matched_on, const struct app_msg *msg)
{
	eve_cti_alert(b, ctx, f, ts, dir, hit, matched_on, msg, NULL);
}

void
eve_format_cti_retro(struct sbuf *b, const struct eve_ctx *ctx, const struct cti_retro_alert *a)
{
	eve_cti_alert(b, ctx, a->f, a->detected, a->dir, a->hit, a->matched_on, NULL, a);
}

static void
eve_cti_alert(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f, sw_time_t ts,
	      enum flow_dir dir, const struct cti_hit *hit, const char *matched_on,
	      const struct app_msg *msg, const struct cti_retro_alert *retro)
{
	struct jw w;
	char sig[512];
	const char *t, *bar;

	jw_init(&w, b);
	eve_head(&w, ctx, ts, EVE_ALERT, f->source_idx, f->flow_id);
	eve_flow_tuple(&w, ctx, f);
	jw_str(&w, "direction", dir == FLOW_TO_SERVER ? "to_server" : "to_client");
	jw_obj_begin(&w, "alert");
	jw_str(&w, "action", "allowed");
	jw_u64(&w, "gid", 1);
	jw_u64(&w, "signature_id", hit->signature_id);
	jw_u64(&w, "rev", 1);
	snprintf(sig, sizeof(sig), "CTI %s match: %s", hit->type_name, hit->indicator);
	jw_str(&w, "signature", sig);
	jw_str(&w, "category", "Threat Intelligence Indicator");
	jw_u64(&w, "severity", hit->severity);
	jw_obj_end(&w);
	jw_obj_begin(&w, "cti");
	jw_str(&w, "indicator", hit->indicator);
	jw_str(&w, "type", hit->type_name);
	jw_str(&w, "matched_on", matched_on);
	jw_str(&w, "feed", hit->feed);
	jw_str(&w, "source", hit->source);
	if (hit->name[0] != '\0')
		jw_str(&w, "name", hit->name);
	jw_u64(&w, "confidence", hit->confidence);
	jw_u64(&w, "severity", hit->severity);
	jw_arr_begin(&w, "tags");
	for (t = hit->tags; *t != '\0'; t = *bar ? bar + 1 : bar) {
		bar = strchr(t, '|');
		if (bar == NULL)
			bar = t + strlen(t);
		if (bar > t)
			jw_strn(&w, NULL, t, (size_t)(bar - t));
	}
	jw_arr_end(&w);
	if (hit->valid_until != 0)
		jw_time(&w, "valid_until", hit->valid_until);
	if (hit->id[0] != '\0')
		jw_str(&w, "id", hit->id);
	if (hit->origin != NULL && hit->origin[0] != '\0')
		jw_str(&w, "provenance", hit->origin);
	if (retro != NULL) {
		jw_bool(&w, "retro", true);
		jw_time(&w, "observed", retro->observed);
		jw_time(&w, "detected", retro->detected);
	}
	jw_obj_end(&w);
	if (msg != NULL)
		app_msg_eve(&w, msg, true);
	eve_alert_flow(&w, f);
	jw_finish(&w);
}


/* The flow so far, as in Suricata's alerts ("flow" object): packets and bytes each way, start. */
static void
eve_alert_flow(struct jw *w, const struct sw_flow *f)
{
	jw_obj_begin(w, "flow");
	jw_u64(w, "pkts_toserver", f->pkts[FLOW_TO_SERVER]);
	jw_u64(w, "pkts_toclient", f->pkts[FLOW_TO_CLIENT]);
	jw_u64(w, "bytes_toserver", f->bytes[FLOW_TO_SERVER]);
	jw_u64(w, "bytes_toclient", f->bytes[FLOW_TO_CLIENT]);
	jw_time(w, "start", f->start);
	/* bytes of this flow were never seen (as Suricata's fileinfo "gaps"): the alert was
	 * raised on incomplete data, and a rule may have missed more */
	if (stream_flow_gaps(f) > 0)
		jw_bool(w, "gaps", true);
	jw_obj_end(w);
}

/* The target keyword: Suricata's "source" and "target" objects of the alert, the target being
 * the rule's source (target:src_ip) or destination (target:dest_ip) side. */
static void
eve_alert_target(struct jw *w, const struct sw_flow *f, const struct sw_packet *p,
		 enum flow_dir dir, int target)
{
	const struct sw_addr *sa, *da;
	uint16_t sp, dp;
	int family;
	uint8_t proto;
	char a[64];

	if (p != NULL) {
		sa = &p->src, da = &p->dst, sp = p->sport, dp = p->dport;
		family = p->family, proto = p->proto;
	} else if (f != NULL) {
		sa = dir == FLOW_TO_SERVER ? &f->cli : &f->srv;
		da = dir == FLOW_TO_SERVER ? &f->srv : &f->cli;
		sp = dir == FLOW_TO_SERVER ? f->cport : f->sport;
		dp = dir == FLOW_TO_SERVER ? f->sport : f->cport;
		family = f->family, proto = f->proto;
	} else {
		return;
	}
	for (int k = 0; k < 2; k++) {
		bool is_target = (k == 1);
		bool use_src = is_target ? target == 0 : target != 0;

		jw_obj_begin(w, is_target ? "target" : "source");
		jw_str(w, "ip", sw_addr_str(use_src ? sa : da, family, a, sizeof(a)));
		if (has_ports(proto))
			jw_u64(w, "port", use_src ? sp : dp);
		jw_obj_end(w);
	}
}

/* "key value" metadata items grouped by key into arrays, as Suricata prints them. */
static void
eve_rule_metadata(struct jw *w, const struct detect_alert *a)
{
	bool *done;

	if (a->nmetadata == 0 || (done = calloc(a->nmetadata, sizeof(*done))) == NULL)
		return;
	jw_obj_begin(w, "metadata");
	for (uint32_t i = 0; i < a->nmetadata; i++) {
		const char *k = a->metadata[i], *sp;
		size_t klen;
		char key[128];

		if (done[i])
			continue;
		while (*k == ' ')
			k++;
		sp = strchr(k, ' ');
		klen = sp != NULL ? (size_t)(sp - k) : strlen(k);
		if (klen == 0 || klen >= sizeof(key))
			continue;
		memcpy(key, k, klen);
		key[klen] = '\0';
		jw_arr_begin(w, key);
		for (uint32_t j = i; j < a->nmetadata; j++) {
			const char *k2 = a->metadata[j], *v;

			while (*k2 == ' ')
				k2++;
			if (strncmp(k2, key, klen) != 0 || (k2[klen] != ' ' && k2[klen] != '\0'))
				continue;
			done[j] = true;
			v = k2 + klen;
			while (*v == ' ')
				v++;
			jw_str(w, NULL, v);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	free(done);
}

/* Suricata 7's flowbits named "traffic/id/X" and "traffic/label/X" are logged as
 * "traffic": {"id": ["X"], "label": [...]}, not among the flowbits. */
static const char *const eve_traffic_prefix[2] = {"traffic/id/", "traffic/label/"};

static int
eve_traffic_kind(const char *name)
{
	for (int k = 0; k < 2; k++)
		if (strncmp(name, eve_traffic_prefix[k], strlen(eve_traffic_prefix[k])) == 0)
			return k;
	return -1;
}

static void
eve_alert_traffic(struct jw *w, const struct detect_alert *a)
{
	bool open = false;

	for (int k = 0; k < 2; k++) {
		bool arr = false;

		for (uint32_t i = 0; i < a->nflowbits; i++) {
			if (eve_traffic_kind(a->flowbits[i]) != k)
				continue;
			if (!open)
				jw_obj_begin(w, "traffic");
			if (!arr)
				jw_arr_begin(w, k == 0 ? "id" : "label");
			open = arr = true;
			jw_str(w, NULL, a->flowbits[i] + strlen(eve_traffic_prefix[k]));
		}
		if (arr)
			jw_arr_end(w);
	}
	if (open)
		jw_obj_end(w);
}

/* The flow's flowbits and the flow and packet variables (pcre's named captures) as Suricata 7
 * logs them in an alert (output-json.c, EveAddMetadata): "metadata": {"flowbits": ["NAME",
 * ...], "flowints": {"NAME": 1, ...}, "flowvars": [{"NAME": "value"}, ...], "pktvars": [...]}. */
static void
eve_alert_vars(struct jw *w, const struct detect_alert *a)
{
	bool fb = false;

	if (a->nflowvars == 0 && a->npktvars == 0 && a->nflowbits == 0 && a->nflowints == 0)
		return;
	eve_alert_traffic(w, a);
	jw_obj_begin(w, "metadata");
	for (uint32_t i = 0; i < a->nflowbits; i++) {
		if (eve_traffic_kind(a->flowbits[i]) >= 0)
			continue;
		if (!fb)
			jw_arr_begin(w, "flowbits");
		fb = true;
		jw_str(w, NULL, a->flowbits[i]);
	}
	if (fb)
		jw_arr_end(w);
	if (a->nflowints > 0) {
		jw_obj_begin(w, "flowints");
		for (uint32_t i = 0; i < a->nflowints; i++)
			jw_u64(w, a->flowint_names[i], a->flowint_values[i]);
		jw_obj_end(w);
	}
	for (int k = 0; k < 2; k++) {
		const struct detect_var *v = k == 0 ? a->flowvars : a->pktvars;
		uint32_t n = k == 0 ? a->nflowvars : a->npktvars;

		if (n == 0)
			continue;
		jw_arr_begin(w, k == 0 ? "flowvars" : "pktvars");
		for (uint32_t i = 0; i < n; i++) {
			jw_obj_begin(w, NULL);
			jw_strn(w, v[i].name, v[i].data, v[i].len);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

void
eve_format_tagged_packet(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
			 const struct sw_packet *p)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *enc;
	size_t n = 0;
	struct jw w;

	jw_init(&w, b);
	eve_head_as(&w, ctx, p->ts, "packet", f != NULL ? f->source_idx : p->source_idx,
		    f != NULL ? f->flow_id : 0);
	eve_packet_tuple(&w, ctx, p);
	if ((enc = malloc((size_t)p->caplen / 3 * 4 + 5)) != NULL) {
		for (uint32_t i = 0; i < p->caplen; i += 3) {
			uint32_t v = (uint32_t)p->data[i] << 16, left = p->caplen - i;

			v |= left > 1 ? (uint32_t)p->data[i + 1] << 8 : 0;
			v |= left > 2 ? p->data[i + 2] : 0;
			enc[n++] = b64[v >> 18];
			enc[n++] = b64[(v >> 12) & 63];
			enc[n++] = left > 1 ? b64[(v >> 6) & 63] : '=';
			enc[n++] = left > 2 ? b64[v & 63] : '=';
		}
		jw_strn(&w, "packet", enc, n);
		free(enc);
	}
	jw_obj_begin(&w, "packet_info");
	jw_u64(&w, "linktype", (uint64_t)p->linktype);
	jw_obj_end(&w);
	jw_finish(&w);
}

void
eve_format_rule_alert(struct sbuf *b, const struct eve_ctx *ctx, const struct sw_flow *f,
		      const struct sw_packet *p, enum flow_dir dir, sw_time_t ts,
		      const struct detect_alert *a, const struct app_msg *msg)
{
	struct jw w;

	jw_init(&w, b);
	eve_head(&w, ctx, ts, EVE_ALERT, f != NULL ? f->source_idx : p->source_idx,
		 f != NULL ? f->flow_id : 0);
	if (p != NULL)
		eve_packet_tuple(&w, ctx, p);
	else
		eve_flow_tuple_dir(&w, ctx, f, dir);
	if (p != NULL && f != NULL && app_flow_name(f) != NULL)
		jw_str(&w, "app_proto", app_flow_name(f));
	if (f != NULL)
		jw_str(&w, "direction", dir == FLOW_TO_SERVER ? "to_server" : "to_client");
	jw_obj_begin(&w, "alert");
	jw_str(&w, "action", a->action);
	jw_u64(&w, "gid", a->gid);
	jw_u64(&w, "signature_id", a->sid);
	jw_u64(&w, "rev", a->rev);
	jw_str(&w, "signature", a->msg);
	jw_str(&w, "category", a->category);
	jw_u64(&w, "severity", (uint64_t)a->severity);
	if (a->target >= 0)
		eve_alert_target(&w, f, p, dir, a->target);
	eve_rule_metadata(&w, a);
	if (a->nreferences > 0) {
		jw_arr_begin(&w, "references");
		for (uint32_t i = 0; i < a->nreferences; i++)
			jw_str(&w, NULL, a->references[i]);
		jw_arr_end(&w);
	}
	jw_obj_end(&w);
	eve_alert_vars(&w, a);
	if (msg != NULL)
		app_msg_eve(&w, msg, true);
	if (f != NULL)
		eve_alert_flow(&w, f);
	/* nDPI's verdict as far as it has one when the rule matched */
	if (f != NULL && dpi_flow_info(f) != NULL && dpi_flow_info(f)->ndpi_proto[0] != '\0')
		eve_ndpi(&w, dpi_flow_info(f));
	jw_finish(&w);
}

/* An applied delta of the intel topic (issue 17): which indicator set the sensor now runs. */
void
eve_format_intel(struct sbuf *b, const struct eve_ctx *ctx, const struct cti_intel_event *ev)
{
	struct jw w;

	jw_init(&w, b);
	eve_head_as(&w, ctx, ev->ts, "intel", UINT32_MAX, 0);
	jw_obj_begin(&w, "intel");
	jw_str(&w, "topic", ev->topic);
	jw_u64(&w, "version", ev->version);
	jw_u64(&w, "added", ev->added);
	jw_u64(&w, "changed", ev->changed);
	jw_u64(&w, "removed", ev->removed);
	jw_u64(&w, "skipped", ev->skipped);
	jw_u64(&w, "total", ev->total);
	jw_i64(&w, "lag", ev->lag);
	jw_bool(&w, "merged", ev->merged);
	jw_obj_end(&w);
	jw_finish(&w);
}
