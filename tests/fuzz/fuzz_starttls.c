/* tests/fuzz/fuzz_starttls.c: fuzz target for the STARTTLS followers (app_starttls.c) and
 * OpenVPN's control channel (app_openvpn.c), with the TLS parser they hand over to. */
/*
 * The first byte picks the parser: % 9 gives smtp, imap, pop3, ftp, xmpp, ldap, pgsql, openvpn
 * over TCP, openvpn over UDP. Then a script of chunks as in fuzz_tls.c: a control byte (bit 0
 * direction, bit 1 gap, bit 2 small: length (c >> 3) + 1, else ((c >> 3) + 1) * 64) and the
 * data; over UDP each chunk is a datagram whose length is the 2 bytes after the control byte. A
 * follower that hands over (app_ctx.switch_proto) is replaced by the TLS parser fed from
 * switch_off, as app.c does. Invariants, checked with abort(): messages are TLS messages, a
 * follower's say starttls, the counter agrees, a switch offset is inside its chunk, and a follower
 * hands over at most once.
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

struct fz_run {
	int n;
	bool follower;
};

static void
fz_emit(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	struct fz_run *r = arg;
	const struct app_tls_msg *t = m->u.tls;

	(void)f;
	r->n++;
	FUZZ_ASSERT(m->kind == APP_MSG_TLS && t != NULL);
	FUZZ_ASSERT(t->starttls == r->follower);
	FUZZ_ASSERT(strlen(t->ja4) == 0 || strlen(t->ja4) == APP_TLS_JA4_LEN);
}

int
fuzz_starttls_one(const uint8_t *data, size_t size)
{
	static const struct app_parser_ops *const ops[] = {
	    &app_parser_smtp,  &app_parser_imap,    &app_parser_pop3,
	    &app_parser_ftp,   &app_parser_xmpp,    &app_parser_ldap,
	    &app_parser_pgsql, &app_parser_openvpn, &app_parser_openvpn,
	};
	const struct app_parser_ops *p;
	struct app_stats st;
	struct app_ctx ctx;
	struct fz_run run = {0, false};
	size_t off = 1;
	bool udp, switched = false;
	void *state;

	if (size < 1)
		return 0;
	p = ops[data[0] % 9];
	udp = data[0] % 9 == 8;
	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	ctx.emit = fz_emit;
	ctx.arg = &run;
	ctx.st = &st;
	p->probe(data + 1, size - 1, FLOW_TO_SERVER);
	p->probe(data + 1, size - 1, FLOW_TO_CLIENT);
	if ((state = p->state_new(NULL)) == NULL)
		return 0;
	run.follower = p->starttls;
	while (off < size) {
		uint8_t c = data[off++];
		enum flow_dir dir = (c & 1) ? FLOW_TO_CLIENT : FLOW_TO_SERVER;
		size_t len = (c & 4) ? (size_t)(c >> 3) + 1 : ((size_t)(c >> 3) + 1) * 64;

		if (udp) {
			if (size - off < 2)
				break;
			len = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
		}
		ctx.ts++;
		ctx.switch_proto = APP_NONE;
		if (c & 2) {
			if (!udp)
				p->stream(&ctx, state, dir, NULL, len, STREAM_CHUNK_GAP);
			continue;
		}
		if (len > size - off)
			len = size - off;
		if (udp)
			p->datagram(&ctx, state, dir, data + off, len);
		else
			p->stream(&ctx, state, dir, data + off, len, 0);
		if (ctx.switch_proto != APP_NONE) {
			FUZZ_ASSERT(ctx.switch_proto == APP_TLS && p->starttls && !switched);
			FUZZ_ASSERT(ctx.switch_off <= len);
			p->state_free(state);
			switched = true;
			p = &app_parser_tls;
			ctx.starttls = true;
			if ((state = p->state_new(NULL)) == NULL)
				return 0;
			if (ctx.switch_off < len)
				p->stream(&ctx, state, dir, data + off + ctx.switch_off,
				          len - ctx.switch_off, 0);
		}
		off += len;
	}
	if (p->flow_end != NULL)
		p->flow_end(&ctx, state);
	p->state_free(state);
	FUZZ_ASSERT(!run.follower || switched || run.n == 0);
	FUZZ_ASSERT(sw_counter_get(&st.messages[APP_TLS]) == (uint64_t)run.n);
	return 0;
}

FUZZ_ENTRY(fuzz_starttls_one)
