/* src/app/app_frame.c: frames, Suricata 7's views of single PDUs in a stream (the frame
 * keyword): their names, the message that carries one to the rules (APP_MSG_FRAME, with a
 * buffer "@frame.<name>" per type: no rule keyword names them, the frame keyword does), and
 * the framer that puts length-prefixed PDUs (TLS records, SSH binary packets) back together
 * across stream chunks for the parsers that emit them. */
/*
 * The frame types and the bytes each covers, as Suricata 7's parsers register them
 * (app-layer-ssl.c, rust/src/dns/dns.rs, rust/src/ssh/ssh.rs):
 *
 *   tls.pdu        a record: its 5-byte header and record_length bytes of fragment
 *   tls.hdr        the record's 5-byte header
 *   tls.data       the fragment (record_length bytes)
 *   tls.alert      the fragment of an alert record (content type 21)
 *   tls.heartbeat  the fragment of a heartbeat record (content type 24)
 *   dns.pdu        a DNS message: over UDP the datagram's payload, over TCP the message
 *                  without its 2-byte length
 *   ssh.record_hdr   an SSH binary packet's first 6 bytes (packet_length, padding_length,
 *                    message code)
 *   ssh.record_data  the packet_length - 2 bytes after them
 *   ssh.record_pdu   the whole packet (packet_length + 4 bytes)
 *
 *   http1.request    an HTTP/1 request (app-layer-htp.c: from where libhtp starts a request,
 *                    the end of the message before, to where it completes: start line, headers,
 *                    body, trailers)
 *   http1.response   the same of a response
 *
 * SSH packets have frames while they are in clear: up to and including each side's NEWKEYS.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_int.h"

static const char *const frame_names[APP_FRAME_MAX] = {
    [APP_FRAME_TLS_PDU] = "tls.pdu",
    [APP_FRAME_TLS_HDR] = "tls.hdr",
    [APP_FRAME_TLS_DATA] = "tls.data",
    [APP_FRAME_TLS_ALERT] = "tls.alert",
    [APP_FRAME_TLS_HEARTBEAT] = "tls.heartbeat",
    [APP_FRAME_DNS_PDU] = "dns.pdu",
    [APP_FRAME_SSH_RECORD_HDR] = "ssh.record_hdr",
    [APP_FRAME_SSH_RECORD_DATA] = "ssh.record_data",
    [APP_FRAME_SSH_RECORD_PDU] = "ssh.record_pdu",
    [APP_FRAME_HTTP1_REQUEST] = "http1.request",
    [APP_FRAME_HTTP1_RESPONSE] = "http1.response",
};

const char *
app_frame_name(int type)
{
	return type >= 0 && type < APP_FRAME_MAX ? frame_names[type] : NULL;
}

int
app_frame_find(const char *name)
{
	for (int t = 0; t < APP_FRAME_MAX; t++)
		if (strcasecmp(frame_names[t], name) == 0)
			return t;
	return -1;
}

void
app_frame_emit(struct app_ctx *ctx, enum flow_dir dir, int proto, int type, const uint8_t *p,
               size_t len)
{
	struct app_frame fr;
	struct app_msg m;

	if (!app_frame_wanted(ctx, type) || ctx->emit == NULL)
		return;
	fr.type = type;
	fr.proto = proto;
	fr.data.p = p;
	fr.data.len = len;
	memset(&m, 0, sizeof(m));
	m.kind = APP_MSG_FRAME;
	m.dir = dir;
	m.ts = ctx->ts;
	m.u.frame = &fr;
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->frames, 1);
	ctx->emit(ctx->arg, ctx->f, &m);
}

/* ---- the framer ---------------------------------------------------------------------------- */

#define APP_FRAMER_KEEP 4096 /* a gathering buffer up to this size is kept for the next PDU */

void
app_framer_stop(struct app_framer *fr, struct sw_memcap *mem)
{
	if (fr->buf != NULL) {
		free(fr->buf);
		sw_memcap_give(mem, fr->cap);
	}
	fr->buf = NULL;
	fr->cap = 0;
	fr->stopped = true;
}

/* Room for a PDU of n bytes in fr->buf, charged to mem; false when refused (counted). */
static bool
framer_room(struct app_ctx *ctx, struct app_framer *fr, size_t n)
{
	uint8_t *b;

	if (n <= fr->cap)
		return true;
	if (!sw_memcap_take(ctx->mem, n - fr->cap))
		return false;
	if ((b = realloc(fr->buf, n)) == NULL) {
		sw_memcap_give(ctx->mem, n - fr->cap);
		return false;
	}
	fr->buf = b;
	fr->cap = n;
	return true;
}

void
app_framer_feed(struct app_ctx *ctx, struct app_framer *fr, const struct app_framer_ops *ops,
                void *arg, bool gather, const uint8_t *data, size_t len)
{
	const size_t hs = ops->hdr_size;

	if (data == NULL && !fr->stopped) { /* a gap: the boundaries are lost */
		app_framer_stop(fr, ctx->mem);
		return;
	}
	while (len > 0 && !fr->stopped) {
		size_t take, n;

		if (fr->need == 0) {
			/* the whole PDU in this chunk: read in place */
			if (fr->hdr_len == 0 && len >= hs) {
				if ((n = ops->pdu_len(data)) < hs) {
					app_framer_stop(fr, ctx->mem);
					return;
				}
				if (n <= len) {
					ops->on_hdr(ctx, arg, data);
					if (!ops->on_pdu(ctx, arg, data, n)) {
						app_framer_stop(fr, ctx->mem);
						return;
					}
					data += n;
					len -= n;
					continue;
				}
			}
			take = hs - fr->hdr_len < len ? hs - fr->hdr_len : len;
			memcpy(fr->hdr + fr->hdr_len, data, take);
			fr->hdr_len += take;
			data += take;
			len -= take;
			if (fr->hdr_len < hs)
				return;
			fr->hdr_len = 0;
			if ((n = ops->pdu_len(fr->hdr)) < hs) {
				app_framer_stop(fr, ctx->mem);
				return;
			}
			ops->on_hdr(ctx, arg, fr->hdr);
			fr->need = n;
			fr->have = hs;
			fr->skip = !gather;
			if (gather && !framer_room(ctx, fr, n)) {
				fr->skip = true;
				if (ctx->st != NULL)
					sw_counter_add(&ctx->st->frames_memcap, 1);
			}
			if (!fr->skip)
				memcpy(fr->buf, fr->hdr, hs);
		}
		take = fr->need - fr->have < len ? fr->need - fr->have : len;
		if (!fr->skip && take > 0)
			memcpy(fr->buf + fr->have, data, take);
		fr->have += take;
		data += take;
		len -= take;
		if (fr->have == fr->need) {
			bool go = fr->skip || ops->on_pdu(ctx, arg, fr->buf, fr->need);

			fr->need = fr->have = 0;
			if (fr->cap > APP_FRAMER_KEEP) { /* an idle flow holds no big buffer */
				free(fr->buf);
				sw_memcap_give(ctx->mem, fr->cap);
				fr->buf = NULL;
				fr->cap = 0;
			}
			if (!go) {
				app_framer_stop(fr, ctx->mem);
				return;
			}
		}
	}
}

/* ---- descriptor ---------------------------------------------------------------------------- */

/* {"frame":{"type":"pdu","app_proto":"tls","direction":"toserver","length":517}}: Suricata's
 * frame object of an alert, without the stream offset and payload */
static void
frame_eve(struct jw *w, const struct app_msg *msg, bool in_alert)
{
	const struct app_frame *fr = msg->u.frame;
	const char *name = app_frame_name(fr->type), *dot = name != NULL ? strchr(name, '.') : NULL;

	(void)in_alert;
	jw_obj_begin(w, "frame");
	jw_str(w, "type", dot != NULL ? dot + 1 : "");
	/* the protocol from the name: app_proto_name() would tie this file to app.c's table */
	if (dot != NULL)
		jw_strn(w, "app_proto", name, (size_t)(dot - name));
	jw_str(w, "direction", msg->dir == FLOW_TO_SERVER ? "toserver" : "toclient");
	jw_u64(w, "length", fr->data.len);
	jw_obj_end(w);
}

#define FRAME_GETTER(fn, ft)                                                                       \
	static int fn(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)    \
	{                                                                                          \
		(void)scratch;                                                                     \
		(void)size;                                                                        \
		if (m->u.frame == NULL || m->u.frame->type != (ft))                                \
			return SW_E_NOTFOUND;                                                      \
		*out = m->u.frame->data;                                                           \
		return 0;                                                                          \
	}

FRAME_GETTER(frame_tls_pdu, APP_FRAME_TLS_PDU)
FRAME_GETTER(frame_tls_hdr, APP_FRAME_TLS_HDR)
FRAME_GETTER(frame_tls_data, APP_FRAME_TLS_DATA)
FRAME_GETTER(frame_tls_alert, APP_FRAME_TLS_ALERT)
FRAME_GETTER(frame_tls_heartbeat, APP_FRAME_TLS_HEARTBEAT)
FRAME_GETTER(frame_dns_pdu, APP_FRAME_DNS_PDU)
FRAME_GETTER(frame_ssh_hdr, APP_FRAME_SSH_RECORD_HDR)
FRAME_GETTER(frame_ssh_data, APP_FRAME_SSH_RECORD_DATA)
FRAME_GETTER(frame_ssh_pdu, APP_FRAME_SSH_RECORD_PDU)
FRAME_GETTER(frame_http1_request, APP_FRAME_HTTP1_REQUEST)
FRAME_GETTER(frame_http1_response, APP_FRAME_HTTP1_RESPONSE)

/* In enum app_frame_type's order (app_frame_of_buffer relies on it). */
static const struct app_buffer_desc frame_buffers[APP_FRAME_MAX] = {
    {"@frame.tls.pdu", NULL, NULL, -1, frame_tls_pdu},
    {"@frame.tls.hdr", NULL, NULL, -1, frame_tls_hdr},
    {"@frame.tls.data", NULL, NULL, -1, frame_tls_data},
    {"@frame.tls.alert", NULL, NULL, -1, frame_tls_alert},
    {"@frame.tls.heartbeat", NULL, NULL, -1, frame_tls_heartbeat},
    {"@frame.dns.pdu", NULL, NULL, -1, frame_dns_pdu},
    {"@frame.ssh.record_hdr", NULL, NULL, -1, frame_ssh_hdr},
    {"@frame.ssh.record_data", NULL, NULL, -1, frame_ssh_data},
    {"@frame.ssh.record_pdu", NULL, NULL, -1, frame_ssh_pdu},
    {"@frame.http1.request", NULL, NULL, -1, frame_http1_request},
    {"@frame.http1.response", NULL, NULL, -1, frame_http1_response},
};

const struct app_msg_desc app_desc_frame = {
    .kind = APP_MSG_FRAME,
    .name = "frame",
    .proto = APP_NONE, /* each frame says its own (app_frame.proto) */
    .one_way = true,
    .buffers = frame_buffers,
    .nbuffers = APP_FRAME_MAX,
    .eve = frame_eve,
    .observables = NULL,
};
