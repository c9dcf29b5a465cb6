/* tests/fuzz/fuzz_tls.c: fuzz target for the TLS handshake parser (RFC 8446, 5246; JA3). */
/*
 * The input is a script of chunks on one flow. Each chunk starts with a control byte c:
 *   bit 0     direction (0 to server, 1 to client)
 *   bit 1     a gap of the chunk's length (no data follows)
 *   bit 2     small: length (c >> 3) + 1 (1..32), else ((c >> 3) + 1) * 64 (64..2048)
 * and the data follows (cut short at the end of the input). Then the flow ends and the state is
 * freed. Invariants, checked with abort(): every message is a TLS message to the server whose
 * buffers (SANs and the chain included) are readable (ASan), whose hashes are 32 hex digits or
 * empty and whose JA4 is 36 characters or empty; the flow gives at most one message per
 * handshake message read (a HelloRetryRequest or a second ClientHello starts another), and the
 * counter agrees. tests/fuzz/mkseeds_tls.py writes the seeds of issue 15.
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

int fuzz_tls_one(const uint8_t *data, size_t size);

static void
fz_touch(struct app_buf b)
{
	volatile uint8_t sink = 0;
	size_t i;

	FUZZ_ASSERT(b.len == 0 || b.p != NULL);
	for (i = 0; i < b.len; i++)
		sink ^= b.p[i];
	(void)sink;
}

static void
fz_hash(const char *h)
{
	size_t n = strlen(h);

	FUZZ_ASSERT(n == 0 || n == 32);
}

static void
fz_emit(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	int *n = arg;
	const struct app_tls_msg *t = m->u.tls;
	unsigned i;

	(void)f;
	(*n)++;
	FUZZ_ASSERT(m->kind == APP_MSG_TLS && m->dir == FLOW_TO_SERVER && t != NULL);
	FUZZ_ASSERT(t->client_hello || t->server_hello || t->certificate);
	FUZZ_ASSERT(t->nalpn <= 8);
	for (i = 0; i < t->nalpn; i++)
		fz_touch(t->alpn[i]);
	fz_touch(t->sni);
	fz_touch(t->ja3);
	fz_touch(t->ja3s);
	fz_touch(t->cert_subject);
	fz_touch(t->cert_issuer);
	fz_touch(t->cert_serial);
	fz_hash(t->ja3_hash);
	fz_hash(t->ja3s_hash);
	FUZZ_ASSERT(strlen(t->ja4) == 0 || strlen(t->ja4) == APP_TLS_JA4_LEN);
	FUZZ_ASSERT(t->nsan <= APP_TLS_SAN_MAX && t->nchain <= APP_TLS_CHAIN_MAX);
	for (i = 0; i < t->nsan; i++)
		fz_touch(t->san[i]);
	for (i = 0; i < t->nchain; i++)
		fz_touch(t->chain[i]);
	FUZZ_ASSERT(memchr(t->cert_fingerprint, '\0', sizeof(t->cert_fingerprint)) != NULL);
}

int
fuzz_tls_one(const uint8_t *data, size_t size)
{
	struct app_stats st;
	struct app_ctx ctx;
	size_t off = 0;
	void *state;
	int n = 0;

	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	ctx.emit = fz_emit;
	ctx.arg = &n;
	ctx.st = &st;
	if ((state = app_parser_tls.state_new(NULL)) == NULL)
		return 0;
	app_parser_tls.probe(data, size, FLOW_TO_SERVER);
	app_parser_tls.probe(data, size, FLOW_TO_CLIENT);
	while (off < size) {
		uint8_t c = data[off++];
		enum flow_dir dir = (c & 1) ? FLOW_TO_CLIENT : FLOW_TO_SERVER;
		size_t len = (c & 4) ? (size_t)(c >> 3) + 1 : ((size_t)(c >> 3) + 1) * 64;
		ctx.ts++;
		if (c & 2) {
			app_parser_tls.stream(&ctx, state, dir, NULL, len, STREAM_CHUNK_GAP);
			continue;
		}
		if (len > size - off)
			len = size - off;
		app_parser_tls.stream(&ctx, state, dir, data + off, len, 0);
		off += len;
	}
	app_parser_tls.flow_end(&ctx, state);
	app_parser_tls.flow_end(&ctx, state); /* a second end emits nothing more */
	app_parser_tls.state_free(state);
	FUZZ_ASSERT((size_t)n <= size / 4 + 1 && sw_counter_get(&st.messages[APP_TLS]) == (uint64_t)n);
	return 0;
}

FUZZ_ENTRY(fuzz_tls_one)
