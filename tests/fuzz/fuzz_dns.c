/* tests/fuzz/fuzz_dns.c: fuzz target for the DNS parser (RFC 1035, 3596, 2782, 7766). */
/* The input is fed as a UDP datagram, then as a TCP stream cut into pieces
 * (and gaps) chosen by the input's last byte. Invariants, checked with abort():
 *   - names are at most 253 characters, lower-case, without a trailing dot;
 *   - no more than APP_DNS_MAX_RR records are reported per section;
 *   - no more than APP_DNS_MAX_Q questions are kept, no more than the header counts, the first
 *     is qname; each EVE view (one per question of a query) has one of them;
 *   - every reported byte is readable (ASan). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "fuzz.h"

int fuzz_dns_one(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void
fz_name(struct app_buf b)
{
	FUZZ_ASSERT(b.len <= 253);
	FUZZ_ASSERT(b.len == 0 || b.p != NULL);
	for (size_t i = 0; i < b.len; i++)
		FUZZ_ASSERT(b.p[i] < 'A' || b.p[i] > 'Z');
}

static void
fz_buf(struct app_buf b)
{
	volatile uint8_t sink = 0;

	FUZZ_ASSERT(b.len == 0 || b.p != NULL);
	for (size_t i = 0; i < b.len; i++)
		sink ^= b.p[i];
	(void)sink;
}

static void
fz_rrs(const struct app_dns_rr *rr, uint16_t n)
{
	FUZZ_ASSERT(n <= APP_DNS_MAX_RR);
	FUZZ_ASSERT(n == 0 || rr != NULL);
	for (uint16_t i = 0; i < n; i++) {
		fz_name(rr[i].name);
		fz_buf(rr[i].data);
		FUZZ_ASSERT(rr[i].addr_family == 0 || rr[i].addr_family == 4 ||
		            rr[i].addr_family == 6);
	}
}

static void
fz_emit(void *arg, struct sw_flow *f, const struct app_msg *msg)
{
	const struct app_dns_msg *m = msg->u.dns;
	unsigned *count = arg;
	char buf[16];

	(void)f;
	FUZZ_ASSERT(msg->kind == APP_MSG_DNS && m != NULL);
	fz_name(m->qname);
	FUZZ_ASSERT(m->nq <= APP_DNS_MAX_Q && m->nq <= m->nquestions);
	FUZZ_ASSERT(m->nq == 0 || (m->questions != NULL && m->questions[0].name.p == m->qname.p));
	for (uint16_t i = 0; i < m->nq; i++)
		fz_name(m->questions[i].name);
	FUZZ_ASSERT(app_msg_events(msg) >= 1 && app_msg_events(msg) <= APP_DNS_MAX_Q);
	for (unsigned i = 0; i < app_msg_events(msg); i++) {
		union app_event_tmp one;
		struct app_msg view;

		app_msg_event_view(msg, i, &view, &one);
		FUZZ_ASSERT(view.kind == APP_MSG_DNS && view.u.dns != NULL);
		fz_name(view.u.dns->qname);
	}
	fz_rrs(m->answers, m->nanswers);
	fz_rrs(m->authorities, m->nauthorities);
	FUZZ_ASSERT(app_dns_type_name(m->qtype, buf, sizeof(buf)) != NULL);
	FUZZ_ASSERT(app_dns_rcode_name(m->rcode, buf, sizeof(buf)) != NULL);
	(*count)++;
}

int
fuzz_dns_one(const uint8_t *data, size_t size)
{
	struct app_stats st;
	struct app_ctx ctx;
	unsigned count = 0;
	uint32_t rng;
	size_t off;
	void *state;

	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	ctx.emit = fz_emit;
	ctx.arg = &count;
	ctx.st = &st;
	ctx.ts = 1;
	(void)app_parser_dns.probe(data, size, FLOW_TO_SERVER);
	if ((state = app_parser_dns.state_new(NULL)) == NULL)
		return 0;

	/* as datagrams: the same bytes as a query direction and an answer direction */
	app_parser_dns.datagram(&ctx, state, FLOW_TO_SERVER, data, size);
	ctx.ts = 2;
	app_parser_dns.datagram(&ctx, state, FLOW_TO_CLIENT, data, size);

	/* as a stream: in one piece to the client, in pieces (and gaps) to the server */
	app_parser_dns.stream(&ctx, state, FLOW_TO_CLIENT, data, size, 0);
	rng = size > 0 ? 0x9e3779b9u ^ data[size - 1] : 1;
	for (off = 0; off < size;) {
		size_t n;

		rng ^= rng << 13;
		rng ^= rng >> 17;
		rng ^= rng << 5;
		n = 1 + rng % ((rng & 0x100) ? 4 : 80);
		if (n > size - off)
			n = size - off;
		if ((rng & 0x3f000) == 0x3f000) { /* now and then a gap instead of the bytes */
			app_parser_dns.stream(&ctx, state, FLOW_TO_SERVER, NULL, n, 0x01);
		} else {
			uint8_t *piece = malloc(n); /* exact size: ASan sees any overread */

			if (piece == NULL)
				break;
			memcpy(piece, data + off, n);
			app_parser_dns.stream(&ctx, state, FLOW_TO_SERVER, piece, n, 0);
			free(piece);
		}
		off += n;
	}
	app_parser_dns.flow_end(&ctx, state);
	app_parser_dns.state_free(state);
	FUZZ_ASSERT(sw_counter_get(&st.messages[APP_DNS]) == count);
	return 0;
}

FUZZ_ENTRY(fuzz_dns_one)
