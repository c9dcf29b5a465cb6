/* tests/fuzz/fuzz_quic.c: fuzz target for the QUIC Initial parser (RFC 9000, 9001, 9369). */
/*
 * The input is a script of datagrams on one flow. Each starts with a control byte c and a
 * 2-byte big-endian length n (cut short at the end of the input), then n bytes:
 *   bit 0     direction (0 to server, 1 to client)
 *   bit 1     sealed: the bytes are the frames of an Initial that the target builds and
 *             protects itself, so mutations reach the frame parser, the CRYPTO reassembly and
 *             the TLS hellos behind the AEAD; else the bytes are the datagram as it is
 *   bits 2-3  the sealed packet's version: v1, v2, draft-29, Google's Q050 (its frames then
 *             go to the gQUIC frame reader: CRYPTO 0x08 frames carrying a CHLO)
 *   bits 4-7  the sealed packet's number (0..15)
 * Sealed packets use the Destination Connection ID 8394c8f03e515708 (RFC 9001 A): the
 * client's with the client's keys, an empty one and the server's keys from the server. Raw
 * seeds are real datagrams (pcaps/quic-handshakes.pcap), encrypted by their programs.
 * The whole input is also read as a Google QUIC CHLO (values within it, the CYU string fits);
 * gQUIC seeds are the datagrams of pcaps/gquic.pcap and hostile copies of its Q046 hello.
 * Invariants, checked with abort(): at most four messages per flow (a hello again after a
 * HelloRetryRequest is a message of its own, and a flow has at most four), each a QUIC message to the server
 * whose buffers are readable (ASan), with JA3 hashes of 32 hex digits or none; app memory back
 * to 0 after the free.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "fuzz.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int fuzz_quic_one(const uint8_t *data, size_t size);

static const uint8_t fz_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

static void
fz_touch(struct app_buf b)
{
	volatile uint8_t sink = 0;

	FUZZ_ASSERT(b.len == 0 || b.p != NULL);
	for (size_t i = 0; i < b.len; i++)
		sink ^= b.p[i];
	(void)sink;
}

static void
fz_emit(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	int *n = arg;
	const struct app_quic_msg *q = m->u.quic;
	const struct app_tls_msg *t;

	(void)f;
	(*n)++;
	FUZZ_ASSERT(m->kind == APP_MSG_QUIC && m->dir == FLOW_TO_SERVER && q != NULL &&
		    q->tls != NULL);
	t = q->tls;
	FUZZ_ASSERT(t->client_hello || t->server_hello || q->gquic); /* gQUIC: its SNI only */
	FUZZ_ASSERT(t->nalpn <= 8);
	for (unsigned i = 0; i < t->nalpn; i++)
		fz_touch(t->alpn[i]);
	fz_touch(t->sni);
	fz_touch(t->ja3);
	fz_touch(t->ja3s);
	fz_touch(q->ua);
	fz_touch(q->cyu_string);
	FUZZ_ASSERT(strlen(q->cyu_hash) == 0 || (strlen(q->cyu_hash) == 32 && q->gquic &&
						  q->cyu_string.len >= 3));
	FUZZ_ASSERT(strlen(t->ja3_hash) == 0 || strlen(t->ja3_hash) == 32);
	FUZZ_ASSERT(strlen(t->ja3s_hash) == 0 || strlen(t->ja3s_hash) == 32);
}

/* Builds and protects an Initial carrying frames; its length, or 0. */
static size_t
fz_seal(const struct app_quic_keys *k, uint32_t version, enum flow_dir dir, uint8_t pn,
	const uint8_t *frames, size_t fl, uint8_t *out, size_t room)
{
	uint8_t hdr[40], payload[1400];
	size_t hl = 0, pl = fl;

	if (fl > sizeof(payload))
		return 0;
	memcpy(payload, frames, fl);
	if (pl < 20) { /* room for the header-protection sample */
		memset(payload + pl, 0, 20 - pl);
		pl = 20;
	}
	hdr[hl++] = (uint8_t)(0xc0 | (version == APP_QUIC_V2 ? 0x10 : 0x00)); /* 1-byte pn */
	for (int i = 0; i < 4; i++)
		hdr[hl++] = (uint8_t)(version >> (24 - 8 * i));
	if (dir == FLOW_TO_SERVER) {
		hdr[hl++] = 8;
		memcpy(hdr + hl, fz_dcid, 8);
		hl += 8;
		hdr[hl++] = 0;
	} else {
		hdr[hl++] = 0;
		hdr[hl++] = 0;
	}
	hdr[hl++] = 0; /* token */
	hdr[hl++] = (uint8_t)(0x40 | (pl + 1 + 16) >> 8);
	hdr[hl++] = (uint8_t)(pl + 1 + 16);
	hdr[hl++] = pn;
	if (app_quic_seal_initial(k, hdr, hl, 1, pn, payload, pl, out, room) != 0)
		return 0;
	return hl + pl + 16;
}

/* The input as a gQUIC handshake message: what is read lies within it, as do the values. */
static void
fz_chlo(const uint8_t *data, size_t size)
{
	struct app_gquic_chlo c;
	char cyu[APP_GQUIC_CYU_MAX + 1];
	size_t used = 0, n;

	if (app_gquic_chlo_parse(data, size, &c, &used) != 0)
		return;
	FUZZ_ASSERT(used <= size && c.ntags <= APP_GQUIC_TAGS_MAX);
	FUZZ_ASSERT(c.sni.len == 0 || (c.sni.p >= data && c.sni.p + c.sni.len <= data + used));
	FUZZ_ASSERT(c.uaid.len == 0 || (c.uaid.p >= data && c.uaid.p + c.uaid.len <= data + used));
	n = app_gquic_cyu(0x51303436u, &c, cyu, sizeof(cyu));
	FUZZ_ASSERT(n < sizeof(cyu) && strlen(cyu) == n &&
		    n >= 3 + (c.ntags > 0 ? 2u * c.ntags - 1 : 0u)); /* "46,", tags of 1-4 and '-' */
}

int
fuzz_quic_one(const uint8_t *data, size_t size)
{
	static const uint32_t versions[4] = {APP_QUIC_V1, APP_QUIC_V2, APP_QUIC_DRAFT29,
					     0x51303530u /* Q050 */};
	struct app_quic_keys keys[4][2];
	struct sw_memcap mem = {.memcap = 1 << 20};
	struct app_stats st;
	struct app_ctx ctx;
	uint8_t pkt[1500];
	size_t off = 0;
	void *state;
	int n = 0;

	for (int v = 0; v < 4; v++)
		if (app_quic_initial_keys(versions[v], fz_dcid, 8, &keys[v][0], &keys[v][1]) != 0)
			abort();
	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	ctx.emit = fz_emit;
	ctx.arg = &n;
	ctx.st = &st;
	ctx.mem = &mem;
	if ((state = app_parser_quic.state_new(&mem)) == NULL)
		return 0;
	app_parser_quic.probe(data, size, FLOW_TO_SERVER);
	fz_chlo(data, size);
	while (size - off >= 3) {
		uint8_t c = data[off];
		enum flow_dir dir = (c & 1) ? FLOW_TO_CLIENT : FLOW_TO_SERVER;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		ctx.ts++;
		if (c & 2) {
			int v = (c >> 2) & 3;
			size_t pl = fz_seal(&keys[v][dir == FLOW_TO_SERVER ? 0 : 1], versions[v], dir,
					    (uint8_t)(c >> 4), data + off, len, pkt, sizeof(pkt));

			if (pl > 0)
				app_parser_quic.datagram(&ctx, state, dir, pkt, pl);
		} else {
			app_parser_quic.datagram(&ctx, state, dir, data + off, len);
		}
		off += len;
	}
	app_parser_quic.flow_end(&ctx, state);
	app_parser_quic.flow_end(&ctx, state); /* a second end emits nothing more */
	app_parser_quic.state_free(state);
	FUZZ_ASSERT(n <= 4 && sw_counter_get(&st.messages[APP_QUIC]) == (uint64_t)n);
	FUZZ_ASSERT(sw_counter_get(&mem.memuse) == 0);
	return 0;
}

FUZZ_ENTRY(fuzz_quic_one)
