/* tests/fuzz/fuzz_frame.c: fuzz target for the frames (app_frame.c, the frame keyword): the TLS,
 * SSH, DNS and HTTP parsers with every frame type wanted, so what puts records and messages back
 * together across chunks reads hostile input. */
/*
 * The input's first byte chooses the parser (bits 0-2, modulo 5: 0 TLS, 1 SSH, 2 DNS over TCP,
 * 3 DNS over UDP, 4 HTTP) and the memory (bit 3: a cap 256 bytes above the state's, so gathering
 * a record is refused; else no cap).
 * Then a script of chunks on one flow, as fuzz_http.c's: a control byte c (bit 0 direction; bit 1
 * with bit 2 clear a gap of the chunk's length, with bit 2 set a FIN after the chunk; bit 2
 * small: (c >> 3) + 1 bytes, else ((c >> 3) + 1) * 64), then the data (cut short at the end of
 * the input). Then the flow ends and the state is freed.
 * Invariants, checked with abort(): each frame's bytes are readable (ASan) and of its type's shape
 * (a tls.pdu is 5 + the length in its header, a tls.hdr 5 bytes, tls.data/alert/heartbeat at
 * most 65535, an ssh.record_pdu packet_length + 4, an ssh.record_hdr 6, a dns.pdu at most 65535,
 * an http1 frame not empty and at most 1 MiB),
 * the protocol is the type's, the frames counter agrees, and all memory is given back.
 * The seeds are copies of the tls, ssh and http corpora with a first byte prepended.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "fuzz.h"
#include "stream/stream.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

struct fz_frame {
	unsigned frames;
};

static void
fz_emit(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	struct fz_frame *z = arg;
	const struct app_frame *fr;
	const uint8_t *p;
	size_t n;
	volatile uint8_t sink = 0;

	(void)f;
	if (m->kind != APP_MSG_FRAME)
		return; /* the parsers' own messages: their own targets check them */
	fr = m->u.frame;
	FUZZ_ASSERT(fr != NULL && fr->type >= 0 && fr->type < APP_FRAME_MAX);
	p = fr->data.p;
	n = fr->data.len;
	FUZZ_ASSERT(n == 0 || p != NULL);
	for (size_t i = 0; i < n; i++)
		sink ^= p[i];
	(void)sink;
	z->frames++;
	switch (fr->type) {
	case APP_FRAME_TLS_PDU:
		FUZZ_ASSERT(fr->proto == APP_TLS && n >= 5 && n == 5 + ((size_t)p[3] << 8 | p[4]));
		break;
	case APP_FRAME_TLS_HDR:
		FUZZ_ASSERT(fr->proto == APP_TLS && n == 5);
		break;
	case APP_FRAME_TLS_DATA:
	case APP_FRAME_TLS_ALERT:
	case APP_FRAME_TLS_HEARTBEAT:
		FUZZ_ASSERT(fr->proto == APP_TLS && n > 0 && n <= 65535);
		break;
	case APP_FRAME_SSH_RECORD_HDR:
		FUZZ_ASSERT(fr->proto == APP_SSH && n == 6);
		break;
	case APP_FRAME_SSH_RECORD_PDU:
		FUZZ_ASSERT(
		    fr->proto == APP_SSH && n >= 6 &&
		    n == 4 + ((size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]));
		break;
	case APP_FRAME_SSH_RECORD_DATA:
		FUZZ_ASSERT(fr->proto == APP_SSH);
		break;
	case APP_FRAME_DNS_PDU:
		FUZZ_ASSERT(fr->proto == APP_DNS && n <= 65535);
		break;
	case APP_FRAME_HTTP1_REQUEST:
	case APP_FRAME_HTTP1_RESPONSE:
		FUZZ_ASSERT(fr->proto == APP_HTTP && n > 0 && n <= (1u << 20));
		break;
	default:
		abort();
	}
}

int fuzz_frame_one(const uint8_t *data, size_t size);

int
fuzz_frame_one(const uint8_t *data, size_t size)
{
	static const struct app_parser_ops *const ops[5] = {
	    &app_parser_tls, &app_parser_ssh, &app_parser_dns, &app_parser_dns, &app_parser_http};
	const struct app_parser_ops *o;
	struct app_stats st;
	struct app_ctx ctx;
	struct sw_memcap mem;
	struct fz_frame z = {0};
	size_t off = 1;
	bool udp;
	void *state;

	if (size < 1)
		return 0;
	o = ops[(data[0] & 7) % 5];
	udp = (data[0] & 7) % 5 == 3;
	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	memset(&mem, 0, sizeof(mem));
	ctx.emit = fz_emit;
	ctx.arg = &z;
	ctx.st = &st;
	ctx.mem = &mem;
	ctx.frames = (1u << APP_FRAME_MAX) - 1;
	if ((state = o->state_new(&mem)) == NULL)
		return 0;
	if (data[0] & 8) /* 256 bytes more than the state: gathering a record is refused */
		mem.memcap = sw_counter_get(&mem.memuse) + 256;
	while (off < size) {
		uint8_t c = data[off++];
		enum flow_dir dir = (c & 1) ? FLOW_TO_CLIENT : FLOW_TO_SERVER;
		size_t len = (c & 4) ? (size_t)(c >> 3) + 1 : ((size_t)(c >> 3) + 1) * 64;

		ctx.ts++;
		if ((c & 6) == 2) {
			if (!udp)
				o->stream(&ctx, state, dir, NULL, len, STREAM_CHUNK_GAP);
			continue;
		}
		if (len > size - off)
			len = size - off;
		if (udp)
			o->datagram(&ctx, state, dir, data + off, len);
		else
			o->stream(&ctx, state, dir, data + off, len,
			          (c & 6) == 6 ? STREAM_CHUNK_FIN : 0);
		off += len;
	}
	o->flow_end(&ctx, state);
	o->state_free(state);
	FUZZ_ASSERT(sw_counter_get(&st.frames) == z.frames);
	FUZZ_ASSERT(sw_counter_get(&mem.memuse) == 0); /* the framers gave their buffers back */
	return 0;
}

FUZZ_ENTRY(fuzz_frame_one)
