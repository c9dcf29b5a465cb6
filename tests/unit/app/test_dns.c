/* tests/unit/app/test_dns.c: unit tests of the DNS parser (RFC 1035, 3596, 2782, 7766). */
/* Messages from pcaps/dns.pcap (dig against dnsmasq) and crafted malformed ones. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/app_int.h"
#include "unit.h"

/* dns.pcap frame 1 */
static const uint8_t q_a[] = {0x80, 0xf5, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x01, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d,
                              0x70, 0x6c, 0x65, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29,
                              0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00,
                              0x08, 0x01, 0x64, 0x4b, 0x0a, 0x4e, 0x4d, 0xc4, 0x8c};

/* dns.pcap frame 2 */
static const uint8_t r_a[] = {
    0x80, 0xf5, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x64, 0x65,
    0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x01, 0x00, 0x01,
    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00, 0x02,
    0x0a, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* dns.pcap frame 4 */
static const uint8_t r_aaaa[] = {
    0x6b, 0xe0, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x64,
    0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x1c,
    0x00, 0x01, 0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x10,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x10, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* dns.pcap frame 8 */
static const uint8_t r_cname[] = {
    0x84, 0x1e, 0x85, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77,
    0x77, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00,
    0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00,
    0x0e, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00,
    0xc0, 0x2e, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00, 0x02,
    0x0a, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* dns.pcap frame 10 */
static const uint8_t r_txt[] = {0xfc, 0x24, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
                                0x01, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d,
                                0x70, 0x6c, 0x65, 0x00, 0x00, 0x10, 0x00, 0x01, 0xc0, 0x0c, 0x00,
                                0x10, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x0c, 0x0b, 0x76,
                                0x3d, 0x73, 0x70, 0x66, 0x31, 0x20, 0x2d, 0x61, 0x6c, 0x6c, 0x00,
                                0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* dns.pcap frame 12 */
static const uint8_t r_mx[] = {
    0x41, 0xc1, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x64, 0x65,
    0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x0f, 0x00, 0x01,
    0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x15, 0x00, 0x0a, 0x04,
    0x6d, 0x61, 0x69, 0x6c, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x00, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* dns.pcap frame 13 */
static const uint8_t q_srv[] = {
    0x74, 0x76, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x5f, 0x68, 0x74,
    0x74, 0x70, 0x04, 0x5f, 0x74, 0x63, 0x70, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0xf2, 0x09, 0xe7, 0x7b, 0x8e, 0x94, 0x78, 0x05};

/* dns.pcap frame 14 */
static const uint8_t r_srv[] = {
    0x74, 0x76, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x05, 0x5f, 0x68, 0x74,
    0x74, 0x70, 0x04, 0x5f, 0x74, 0x63, 0x70, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x21, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01, 0x00,
    0x00, 0x01, 0x2c, 0x00, 0x14, 0x00, 0x00, 0x00, 0x05, 0x46, 0xa0, 0x04, 0x64, 0x65, 0x6d, 0x6f,
    0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0xc0, 0x3b, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x3b, 0x00, 0x1c, 0x00, 0x01, 0x00,
    0x00, 0x01, 0x2c, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* dns.pcap frame 15 */
static const uint8_t q_nx[] = {
    0x96, 0xfa, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06, 0x6e, 0x6f,
    0x73, 0x75, 0x63, 0x68, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0xda, 0x88, 0x8d, 0xd0, 0x66, 0xde, 0xb4, 0x46};

/* dns.pcap frame 16 */
static const uint8_t r_nx[] = {
    0x96, 0xfa, 0x81, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06, 0x6e, 0x6f, 0x73,
    0x75, 0x63, 0x68, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* dns.pcap frame 20 */
static const uint8_t tcp_q[] = {0x00, 0x35, 0xcf, 0xdc, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x01, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78,
                                0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
                                0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00,
                                0x0a, 0x00, 0x08, 0x42, 0x08, 0x78, 0x25, 0x5a, 0x70, 0x3e, 0x69};

/* dns.pcap frame 22 */
static const uint8_t tcp_r[] = {
    0x00, 0x39, 0xcf, 0xdc, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04,
    0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x01,
    0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0,
    0x00, 0x02, 0x0a, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* ---- a recorder for the emitted messages -------------------------------------------------- */

#define REC_MAX 64
#define REC_RR  8

struct rec_rr {
	char name[256], data[512];
	uint16_t type, mx_pref, srv_prio, srv_weight, srv_port;
	uint32_t ttl;
	uint8_t family;
};

struct rec_msg {
	enum flow_dir dir;
	sw_time_t ts, query_ts;
	uint16_t id, qtype, nquestions, nanswers, nauthorities;
	uint8_t rcode, opcode;
	bool response, truncated_parse, rd, ra, aa;
	char qname[256];
	struct rec_rr an[REC_RR];
	/* the questions kept, dns.query's values and the EVE events' question names */
	uint16_t nq, qt[APP_DNS_MAX_Q];
	char q[APP_DNS_MAX_Q][64];
	int nvals;
	char vals[APP_DNS_MAX_Q + 2][64];
	unsigned nev;
	char ev[APP_DNS_MAX_Q + 2][64];
	bool ev_rest_same; /* each event view but its question is the message */
};

struct rec {
	struct rec_msg m[REC_MAX];
	int n;
};

static void
copy_buf(char *dst, size_t size, struct app_buf b)
{
	size_t n = b.len < size - 1 ? b.len : size - 1;

	if (n > 0)
		memcpy(dst, b.p, n);
	dst[n] = '\0';
}

static void
rec_emit(void *arg, struct sw_flow *f, const struct app_msg *msg)
{
	struct rec *r = arg;
	const struct app_dns_msg *d = msg->u.dns;
	struct rec_msg *m;

	(void)f;
	if (msg->kind != APP_MSG_DNS || r->n >= REC_MAX)
		return;
	m = &r->m[r->n++];
	memset(m, 0, sizeof(*m));
	m->dir = msg->dir;
	m->ts = msg->ts;
	m->query_ts = d->query_ts;
	m->id = d->id;
	m->qtype = d->qtype;
	m->nquestions = d->nquestions;
	m->nanswers = d->nanswers;
	m->nauthorities = d->nauthorities;
	m->rcode = d->rcode;
	m->opcode = d->opcode;
	m->response = d->response;
	m->truncated_parse = d->truncated_parse;
	m->rd = d->rd;
	m->ra = d->ra;
	m->aa = d->aa;
	copy_buf(m->qname, sizeof(m->qname), d->qname);
	m->nq = d->nq;
	for (uint16_t i = 0; i < d->nq && i < APP_DNS_MAX_Q; i++) {
		copy_buf(m->q[i], sizeof(m->q[i]), d->questions[i].name);
		m->qt[i] = d->questions[i].type;
	}
	{ /* dns.query (buffer 0 of the descriptor) as the rules read it: each value */
		struct app_buf v;

		while (m->nvals < APP_DNS_MAX_Q + 2 &&
		       app_desc_dns.buffer_i(msg, 0, (size_t)m->nvals, &v) == 0) {
			copy_buf(m->vals[m->nvals], sizeof(m->vals[0]), v);
			m->nvals++;
		}
	}
	m->nev = app_msg_events(msg);
	m->ev_rest_same = true;
	for (unsigned i = 0; i < m->nev && i < APP_DNS_MAX_Q + 2; i++) {
		union app_event_tmp one;
		struct app_msg view;

		app_msg_event_view(msg, i, &view, &one);
		copy_buf(m->ev[i], sizeof(m->ev[i]), view.u.dns->qname);
		if (view.u.dns->id != d->id || view.u.dns->nquestions != d->nquestions ||
		    view.ts != msg->ts || view.dir != msg->dir ||
		    (m->nev > 1 && (view.u.dns->nq != 1 || view.u.dns->qtype != d->questions[i].type)))
			m->ev_rest_same = false;
	}
	for (int i = 0; i < d->nanswers && i < REC_RR; i++) {
		const struct app_dns_rr *a = &d->answers[i];

		copy_buf(m->an[i].name, sizeof(m->an[i].name), a->name);
		copy_buf(m->an[i].data, sizeof(m->an[i].data), a->data);
		m->an[i].type = a->type;
		m->an[i].ttl = a->ttl;
		m->an[i].mx_pref = a->mx_pref;
		m->an[i].srv_prio = a->srv_prio;
		m->an[i].srv_weight = a->srv_weight;
		m->an[i].srv_port = a->srv_port;
		m->an[i].family = a->addr_family;
	}
}

struct env {
	struct rec rec;
	struct app_stats st;
	struct app_ctx ctx;
	void *state;
};

static struct env *
env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	if (e == NULL)
		abort();
	e->ctx.emit = rec_emit;
	e->ctx.arg = &e->rec;
	e->ctx.st = &e->st;
	e->ctx.ts = 1000;
	e->state = app_parser_dns.state_new(NULL);
	if (e->state == NULL)
		abort();
	return e;
}

static void
env_free(struct env *e)
{
	app_parser_dns.flow_end(&e->ctx, e->state);
	app_parser_dns.state_free(e->state);
	free(e);
}

static void
udp(struct env *e, enum flow_dir dir, const uint8_t *p, size_t len, sw_time_t ts)
{
	e->ctx.ts = ts;
	app_parser_dns.datagram(&e->ctx, e->state, dir, p, len);
}

static uint64_t
errors(const struct env *e)
{
	return sw_counter_get(&e->st.errors[APP_DNS]);
}

static uint64_t
messages(const struct env *e)
{
	return sw_counter_get(&e->st.messages[APP_DNS]);
}

/* ---- real messages ------------------------------------------------------------------------ */

static void
test_a(void)
{
	struct env *e = env_new();
	struct rec_msg *q, *r;

	udp(e, FLOW_TO_SERVER, q_a, sizeof(q_a), 1000);
	udp(e, FLOW_TO_CLIENT, r_a, sizeof(r_a), 1102);
	UNIT_CHECK(e->rec.n == 2, "A: query and response emitted");
	q = &e->rec.m[0];
	r = &e->rec.m[1];
	UNIT_CHECK(!q->response && q->id == 0x80f5 && q->qtype == 1 && q->rd, "A: query header");
	UNIT_CHECK_STR(q->qname, "demo.example", "A: query name");
	UNIT_CHECK(q->query_ts == 0 && q->ts == 1000 && q->dir == FLOW_TO_SERVER, "A: query times");
	UNIT_CHECK(r->response && r->id == 0x80f5 && r->rcode == 0 && r->aa && r->ra,
	           "A: response header");
	UNIT_CHECK(r->nanswers == 1 && r->nauthorities == 0, "A: one answer");
	UNIT_CHECK_STR(r->an[0].name, "demo.example", "A: answer name (compressed)");
	UNIT_CHECK_STR(r->an[0].data, "192.0.2.10", "A: answer address");
	UNIT_CHECK(r->an[0].type == 1 && r->an[0].ttl == 300 && r->an[0].family == 4,
	           "A: answer type, ttl, family");
	UNIT_CHECK(r->query_ts == 1000, "A: response matched to its query");
	UNIT_CHECK(!r->truncated_parse && errors(e) == 0 && messages(e) == 2, "A: no errors");
	env_free(e);
}

static void
test_aaaa(void)
{
	struct env *e = env_new();
	struct rec_msg *r;

	udp(e, FLOW_TO_CLIENT, r_aaaa, sizeof(r_aaaa), 5);
	r = &e->rec.m[0];
	UNIT_CHECK(e->rec.n == 1 && r->qtype == 28 && r->nanswers == 1, "AAAA: one answer");
	UNIT_CHECK_STR(r->an[0].data, "2001:db8::10", "AAAA: address text");
	UNIT_CHECK(r->an[0].family == 6 && r->an[0].type == 28, "AAAA: family");
	UNIT_CHECK(r->query_ts == 0, "AAAA: response without query has query_ts 0");
	env_free(e);
}

static void
test_cname(void)
{
	struct env *e = env_new();
	struct rec_msg *r;

	udp(e, FLOW_TO_CLIENT, r_cname, sizeof(r_cname), 5);
	r = &e->rec.m[0];
	UNIT_CHECK(e->rec.n == 1 && r->nanswers == 2, "CNAME chain: two answers");
	UNIT_CHECK_STR(r->qname, "www.demo.example", "CNAME chain: qname");
	UNIT_CHECK_STR(r->an[0].name, "www.demo.example", "CNAME chain: first owner");
	UNIT_CHECK(r->an[0].type == 5, "CNAME chain: first is a CNAME");
	UNIT_CHECK_STR(r->an[0].data, "demo.example", "CNAME chain: target");
	UNIT_CHECK_STR(r->an[1].name, "demo.example",
	               "CNAME chain: second owner (pointer into rdata)");
	UNIT_CHECK_STR(r->an[1].data, "192.0.2.10", "CNAME chain: address");
	env_free(e);
}

static void
test_txt_mx_srv_nx(void)
{
	struct env *e = env_new();
	struct rec_msg *r;

	udp(e, FLOW_TO_CLIENT, r_txt, sizeof(r_txt), 5);
	udp(e, FLOW_TO_CLIENT, r_mx, sizeof(r_mx), 6);
	udp(e, FLOW_TO_SERVER, q_srv, sizeof(q_srv), 7);
	udp(e, FLOW_TO_CLIENT, r_srv, sizeof(r_srv), 8);
	udp(e, FLOW_TO_SERVER, q_nx, sizeof(q_nx), 9);
	udp(e, FLOW_TO_CLIENT, r_nx, sizeof(r_nx), 10);
	UNIT_CHECK(e->rec.n == 6 && errors(e) == 0, "TXT/MX/SRV/NX: six messages, no error");
	r = &e->rec.m[0];
	UNIT_CHECK(r->qtype == 16 && r->nanswers == 1 && r->an[0].type == 16, "TXT: one answer");
	UNIT_CHECK_STR(r->an[0].data, "v=spf1 -all", "TXT: text");
	r = &e->rec.m[1];
	UNIT_CHECK(r->nanswers == 1 && r->an[0].mx_pref == 10, "MX: preference");
	UNIT_CHECK_STR(r->an[0].data, "mail.demo.example", "MX: exchange");
	r = &e->rec.m[3];
	UNIT_CHECK_STR(r->qname, "_http._tcp.demo.example", "SRV: qname");
	UNIT_CHECK(r->nanswers == 1 && r->an[0].srv_prio == 0 && r->an[0].srv_weight == 5 &&
	               r->an[0].srv_port == 18080,
	           "SRV: priority, weight, port");
	UNIT_CHECK_STR(r->an[0].data, "demo.example", "SRV: target");
	UNIT_CHECK(r->query_ts == 7, "SRV: matched to its query");
	r = &e->rec.m[5];
	UNIT_CHECK(r->response && r->rcode == 3 && r->nanswers == 0, "NXDOMAIN: rcode 3");
	UNIT_CHECK(r->query_ts == 9, "NXDOMAIN: matched to its query");
	UNIT_CHECK_STR(r->qname, "nosuch.demo.example", "NXDOMAIN: qname");
	env_free(e);
}

/* ---- TCP ---------------------------------------------------------------------------------- */

static void
stream(struct env *e, enum flow_dir dir, const uint8_t *p, size_t len, unsigned flags)
{
	app_parser_dns.stream(&e->ctx, e->state, dir, p, len, flags);
}

static void
test_tcp(void)
{
	struct env *e;
	uint8_t two[2 * sizeof(tcp_q)];
	bool ok = true;

	for (size_t k = 0; k <= sizeof(tcp_r); k++) {
		e = env_new();
		stream(e, FLOW_TO_SERVER, tcp_q, k < sizeof(tcp_q) ? k : sizeof(tcp_q), 0);
		if (k < sizeof(tcp_q))
			stream(e, FLOW_TO_SERVER, tcp_q + k, sizeof(tcp_q) - k, 0);
		e->ctx.ts = 2000;
		stream(e, FLOW_TO_CLIENT, tcp_r, k, 0);
		stream(e, FLOW_TO_CLIENT, tcp_r + k, sizeof(tcp_r) - k, 0);
		if (e->rec.n != 2 || errors(e) != 0 ||
		    strcmp(e->rec.m[0].qname, "demo.example") != 0 || e->rec.m[1].nanswers != 1 ||
		    strcmp(e->rec.m[1].an[0].data, "192.0.2.10") != 0 ||
		    e->rec.m[1].query_ts != 1000 || e->rec.m[1].dir != FLOW_TO_CLIENT) {
			ok = false;
			printf("# split at %zu: %d messages, %llu errors\n", k, e->rec.n,
			       (unsigned long long)errors(e));
		}
		env_free(e);
	}
	UNIT_CHECK(ok, "TCP: query and response split at every byte boundary");

	e = env_new();
	for (size_t i = 0; i < sizeof(tcp_r); i++)
		stream(e, FLOW_TO_CLIENT, tcp_r + i, 1, 0);
	UNIT_CHECK(e->rec.n == 1 && e->rec.m[0].response, "TCP: response fed a byte at a time");
	env_free(e);

	e = env_new();
	memcpy(two, tcp_q, sizeof(tcp_q));
	memcpy(two + sizeof(tcp_q), tcp_q, sizeof(tcp_q));
	two[sizeof(tcp_q) + 3] ^= 0x01; /* second message: another id */
	stream(e, FLOW_TO_SERVER, two, sizeof(two), 0);
	UNIT_CHECK(e->rec.n == 2 && errors(e) == 0, "TCP: two messages in one chunk");
	UNIT_CHECK(e->rec.n == 2 && e->rec.m[0].id == 0xcfdc && e->rec.m[1].id == 0xcfdd,
	           "TCP: both ids");
	/* half a message and the start of another in one chunk, the rest in the next */
	stream(e, FLOW_TO_SERVER, two, sizeof(tcp_q) + 10, 0);
	stream(e, FLOW_TO_SERVER, two + sizeof(tcp_q) + 10, sizeof(tcp_q) - 10, 0);
	UNIT_CHECK(e->rec.n == 4, "TCP: message boundary inside a chunk");
	env_free(e);

	e = env_new();
	stream(e, FLOW_TO_SERVER, tcp_q, 20, 0);
	stream(e, FLOW_TO_SERVER, NULL, 100, 0x01); /* gap: the partial message is dropped */
	stream(e, FLOW_TO_SERVER, tcp_q, sizeof(tcp_q), 0);
	UNIT_CHECK(e->rec.n == 1 && e->rec.m[0].id == 0xcfdc && !e->rec.m[0].truncated_parse,
	           "TCP: gap drops the partial message and resynchronises");
	UNIT_CHECK(errors(e) == 1, "TCP: the dropped message is counted");
	stream(e, FLOW_TO_SERVER, NULL, 0, 0x02); /* FIN with no data */
	stream(e, FLOW_TO_SERVER, tcp_q, 30, 0);  /* pending at flow end: discarded */
	app_parser_dns.flow_end(&e->ctx, e->state);
	UNIT_CHECK(e->rec.n == 1, "TCP: nothing emitted at flow end");
	env_free(e);
}

/* ---- crafted ------------------------------------------------------------------------------ */

/* A response header (id 0x1234, qd 1, an as given) and the question demo.example A at 12. */
static size_t
craft_head(uint8_t *b, uint16_t an)
{
	static const uint8_t head[] = {0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	                               0x00, 0x00, 0x04, 'd',  'e',  'm',  'o',  0x07, 'e',  'x',
	                               'a',  'm',  'p',  'l',  'e',  0x00, 0x00, 0x01, 0x00, 0x01};

	memcpy(b, head, sizeof(head));
	b[6] = (uint8_t)(an >> 8);
	b[7] = (uint8_t)an;
	return sizeof(head); /* 30 */
}

static size_t
craft_rr_tail(uint8_t *b, size_t n)
{
	static const uint8_t tail[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
	                               0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x01};

	memcpy(b + n, tail, sizeof(tail));
	return n + sizeof(tail);
}

static void
test_loops(void)
{
	uint8_t b[600];
	struct env *e;
	size_t n;

	/* question name is a pointer to itself */
	e = env_new();
	n = craft_head(b, 0);
	b[12] = 0xc0;
	b[13] = 0x0c;
	udp(e, FLOW_TO_CLIENT, b, n, 1);
	UNIT_CHECK(e->rec.n == 0 && errors(e) == 1, "loop: self pointer in the question, error");
	env_free(e);

	/* answer owner: two pointers to each other (30 -> 32 -> 30) */
	e = env_new();
	n = craft_head(b, 1);
	b[n++] = 0xc0;
	b[n++] = 32;
	b[n++] = 0xc0;
	b[n++] = 30;
	n = craft_rr_tail(b, n);
	udp(e, FLOW_TO_CLIENT, b, n, 1);
	UNIT_CHECK(e->rec.n == 1 && errors(e) == 1, "loop: two pointers to each other, error");
	UNIT_CHECK(e->rec.n == 1 && e->rec.m[0].truncated_parse && e->rec.m[0].nanswers == 0,
	           "loop: emitted with truncated_parse");
	UNIT_CHECK_STR(e->rec.m[0].qname, "demo.example", "loop: question kept");
	env_free(e);

	/* answer owner: label "x" then a pointer back to the name's own start (30): backwards
	 * from where the pointer sits, but a loop all the same */
	e = env_new();
	n = craft_head(b, 1);
	b[n++] = 0x01;
	b[n++] = 'x';
	b[n++] = 0xc0;
	b[n++] = 30;
	n = craft_rr_tail(b, n);
	udp(e, FLOW_TO_CLIENT, b, n, 1);
	UNIT_CHECK(e->rec.n == 1 && errors(e) == 1 && e->rec.m[0].truncated_parse,
	           "loop: label then pointer to its own start, error");
	env_free(e);

	/* a label then a backward pointer: x.demo.example */
	e = env_new();
	n = craft_head(b, 1);
	b[n++] = 0x01;
	b[n++] = 'X';
	b[n++] = 0xc0;
	b[n++] = 12;
	n = craft_rr_tail(b, n);
	udp(e, FLOW_TO_CLIENT, b, n, 1);
	UNIT_CHECK(e->rec.n == 1 && errors(e) == 0, "pointer: label then backward pointer");
	UNIT_CHECK_STR(e->rec.m[0].an[0].name, "x.demo.example", "pointer: label joined to suffix");
	env_free(e);

	/* a valid backward pointer in the answer still works */
	e = env_new();
	n = craft_head(b, 1);
	b[n++] = 0xc0;
	b[n++] = 12;
	n = craft_rr_tail(b, n);
	udp(e, FLOW_TO_CLIENT, b, n, 1);
	UNIT_CHECK(e->rec.n == 1 && errors(e) == 0 && e->rec.m[0].nanswers == 1,
	           "pointer: a backward pointer is followed");
	UNIT_CHECK_STR(e->rec.m[0].an[0].name, "demo.example", "pointer: owner name");
	UNIT_CHECK_STR(e->rec.m[0].an[0].data, "192.0.2.1", "pointer: address");
	env_free(e);
}

/* Writes labels of the given lengths ('a'..) as the question name at 12; returns the length. */
static size_t
craft_query_labels(uint8_t *b, const int *lens, int nlabels)
{
	size_t n = craft_head(b, 0);

	b[2] = 0x01; /* query */
	b[3] = 0x00;
	n = 12;
	for (int i = 0; i < nlabels; i++) {
		b[n++] = (uint8_t)lens[i];
		memset(b + n, 'a' + i, (size_t)lens[i]);
		n += (size_t)lens[i];
	}
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 1;
	b[n++] = 0;
	b[n++] = 1;
	return n;
}

static void
test_limits(void)
{
	static const int too_long[] = {63, 63, 63, 63, 63};
	static const int longest[] = {63, 63, 63, 61}; /* 255 octets on the wire */
	static const int just_over[] = {63, 63, 63, 62};
	static const int label64[] = {64};
	static const int label63[] = {63};
	uint8_t b[600];
	struct env *e = env_new();

	udp(e, FLOW_TO_SERVER, b, craft_query_labels(b, too_long, 5), 1);
	UNIT_CHECK(e->rec.n == 0 && errors(e) == 1, "limits: a 320-octet name is an error");
	udp(e, FLOW_TO_SERVER, b, craft_query_labels(b, just_over, 4), 1);
	UNIT_CHECK(e->rec.n == 0 && errors(e) == 2, "limits: a 256-octet name is an error");
	udp(e, FLOW_TO_SERVER, b, craft_query_labels(b, longest, 4), 1);
	UNIT_CHECK(e->rec.n == 1 && errors(e) == 2 && strlen(e->rec.m[0].qname) == 253,
	           "limits: a 255-octet name is read (253 characters)");
	udp(e, FLOW_TO_SERVER, b, craft_query_labels(b, label64, 1), 1);
	UNIT_CHECK(e->rec.n == 1 && errors(e) == 3, "limits: a label of 64 is an error");
	udp(e, FLOW_TO_SERVER, b, craft_query_labels(b, label63, 1), 1);
	UNIT_CHECK(e->rec.n == 2 && strlen(e->rec.m[1].qname) == 63,
	           "limits: a label of 63 is read");
	udp(e, FLOW_TO_SERVER, b, 11, 1);
	UNIT_CHECK(e->rec.n == 2 && errors(e) == 4, "limits: a short header is an error");
	env_free(e);
}

static void
test_truncated(void)
{
	const size_t qend = 12 + 25 + 4; /* header, _http._tcp.demo.example, type, class */
	bool no_emit_ok = true, emit_ok = true, err_ok = true;
	struct env *e = env_new();

	for (size_t len = 0; len < sizeof(r_srv); len++) {
		uint8_t *copy = malloc(len > 0 ? len : 1); /* exact size: ASan sees any overread */
		int before = e->rec.n;
		uint64_t err = errors(e);

		if (copy == NULL)
			abort();
		memcpy(copy, r_srv, len);
		udp(e, FLOW_TO_CLIENT, copy, len, 1);
		free(copy);
		if (errors(e) != err + 1)
			err_ok = false;
		if (len < qend && e->rec.n != before)
			no_emit_ok = false;
		if (len >= qend && (e->rec.n != before + 1 || !e->rec.m[before].truncated_parse))
			emit_ok = false;
		if (e->rec.n >= REC_MAX - 1)
			e->rec.n = 0;
	}
	UNIT_CHECK(err_ok, "truncated: every cut of a response counts one error");
	UNIT_CHECK(no_emit_ok, "truncated: nothing emitted before the question is complete");
	UNIT_CHECK(emit_ok, "truncated: emitted with truncated_parse after the question");
	env_free(e);
}

static void
test_case(void)
{
	static const uint8_t q_upper[] = {0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	                                  0x00, 0x00, 0x00, 0x03, 'W',  'w',  'W',  0x04, 'D',
	                                  'e',  'M',  'o',  0x07, 'E',  'X',  'A',  'M',  'P',
	                                  'L',  'E',  0x00, 0x00, 0x01, 0x00, 0x01};
	static const uint8_t q_root[] = {0xab, 0xce, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01};
	struct env *e = env_new();

	udp(e, FLOW_TO_SERVER, q_upper, sizeof(q_upper), 1);
	udp(e, FLOW_TO_SERVER, q_root, sizeof(q_root), 1);
	UNIT_CHECK(e->rec.n == 2, "names: two queries");
	UNIT_CHECK_STR(e->rec.m[0].qname, "www.demo.example",
	               "names: lower-cased, no trailing dot");
	UNIT_CHECK_STR(e->rec.m[1].qname, "", "names: the root is empty");
	UNIT_CHECK(e->rec.m[1].qtype == 2, "names: root NS query type");
	env_free(e);
}

static void
test_txn(void)
{
	uint8_t q[sizeof(q_a)], r[sizeof(r_a)];
	struct env *e = env_new();

	udp(e, FLOW_TO_SERVER, q_a, sizeof(q_a), 1000);
	udp(e, FLOW_TO_SERVER, q_a, sizeof(q_a), 1500); /* retransmission */
	udp(e, FLOW_TO_CLIENT, r_a, sizeof(r_a), 2000);
	UNIT_CHECK(e->rec.n == 3 && e->rec.m[2].query_ts == 1000,
	           "txn: a retransmitted query counts once, from its first send");
	udp(e, FLOW_TO_CLIENT, r_a, sizeof(r_a), 2100);
	UNIT_CHECK(e->rec.n == 4 && e->rec.m[3].query_ts == 0,
	           "txn: a duplicate response is unmatched");

	/* a response whose id matches but for another name */
	udp(e, FLOW_TO_SERVER, q_a, sizeof(q_a), 3000);
	udp(e, FLOW_TO_CLIENT, r_aaaa, sizeof(r_aaaa), 3100);
	UNIT_CHECK(e->rec.m[5].query_ts == 0, "txn: another id/type is not matched");
	udp(e, FLOW_TO_CLIENT, r_a, sizeof(r_a), 3200);
	UNIT_CHECK(e->rec.m[6].query_ts == 3000, "txn: the pending query is still matched");

	/* 33 queries: the oldest is forgotten */
	memcpy(q, q_a, sizeof(q));
	for (int i = 0; i < 33; i++) {
		q[0] = (uint8_t)i;
		udp(e, FLOW_TO_SERVER, q, sizeof(q), 4000 + (sw_time_t)i);
	}
	e->rec.n = 0;
	memcpy(r, r_a, sizeof(r));
	r[0] = 0;
	udp(e, FLOW_TO_CLIENT, r, sizeof(r), 5000);
	r[0] = 1;
	udp(e, FLOW_TO_CLIENT, r, sizeof(r), 5000);
	r[0] = 32;
	udp(e, FLOW_TO_CLIENT, r, sizeof(r), 5000);
	UNIT_CHECK(e->rec.n == 3 && e->rec.m[0].query_ts == 0, "txn: the oldest of 33 is dropped");
	UNIT_CHECK(e->rec.m[1].query_ts == 4001 && e->rec.m[2].query_ts == 4032,
	           "txn: the 32 most recent are kept");
	env_free(e);
}


/* ---- several questions in one message (pcaps/dns-questions.pcap, craft_dnsq.py) ------------ */

/* A message id with n questions "q<k>.multi.example" of type A (k even) or AAAA (k odd);
 * response sets QR. Returns its length. */
static size_t
build_questions(uint8_t *out, size_t size, uint16_t id, unsigned n, bool response)
{
	size_t len = 12;

	memset(out, 0, 12);
	out[0] = (uint8_t)(id >> 8), out[1] = (uint8_t)id;
	out[2] = response ? 0x81 : 0x01;
	out[4] = (uint8_t)(n >> 8), out[5] = (uint8_t)n;
	for (unsigned k = 0; k < n; k++) {
		char label[8];
		int ll = snprintf(label, sizeof(label), "q%u", k);

		if (len + 1 + (size_t)ll + 15 + 4 > size)
			abort();
		out[len++] = (uint8_t)ll;
		memcpy(out + len, label, (size_t)ll);
		len += (size_t)ll;
		memcpy(out + len, "\005multi\007example\000", 15);
		len += 15;
		out[len++] = 0;
		out[len++] = k % 2 ? 28 : 1;
		out[len++] = 0;
		out[len++] = 1;
	}
	return len;
}

static void
test_questions(void)
{
	uint8_t b[1024];
	struct env *e = env_new();
	struct rec_msg *m;
	size_t len;
	bool ok = true;

	/* 3 questions: all kept, dns.query has 3 values, 3 EVE events */
	len = build_questions(b, sizeof(b), 0x0b01, 3, false);
	udp(e, FLOW_TO_SERVER, b, len, 1000);
	m = &e->rec.m[0];
	UNIT_CHECK(e->rec.n == 1 && m->nquestions == 3 && m->nq == 3 && errors(e) == 0,
	           "questions: 3 read and kept, no error");
	UNIT_CHECK_STR(m->qname, "q0.multi.example", "questions: qname is the first");
	UNIT_CHECK_STR(m->q[1], "q1.multi.example", "questions: the second's name");
	UNIT_CHECK_STR(m->q[2], "q2.multi.example", "questions: the third's name");
	UNIT_CHECK(m->qt[0] == 1 && m->qt[1] == 28 && m->qt[2] == 1, "questions: their types");
	UNIT_CHECK(m->nvals == 3, "questions: dns.query has a value per question");
	UNIT_CHECK_STR(m->vals[2], "q2.multi.example", "questions: dns.query's third value");
	UNIT_CHECK(m->nev == 3 && m->ev_rest_same, "questions: a query makes 3 EVE events");
	UNIT_CHECK_STR(m->ev[0], "q0.multi.example", "questions: event 0 is question 0");
	UNIT_CHECK_STR(m->ev[2], "q2.multi.example", "questions: event 2 is question 2");
	UNIT_CHECK(sw_counter_get(&e->st.dns_questions_dropped) == 0, "questions: none dropped");

	/* the response: the same questions, one EVE event (answers are logged once) */
	len = build_questions(b, sizeof(b), 0x0b01, 3, true);
	udp(e, FLOW_TO_CLIENT, b, len, 1100);
	m = &e->rec.m[1];
	UNIT_CHECK(e->rec.n == 2 && m->response && m->nq == 3 && m->nev == 1,
	           "questions: a response keeps them, one event");
	UNIT_CHECK(m->query_ts == 1000, "questions: the response matched to its query");

	/* 10 questions: 8 kept, 2 counted as dropped, the message is not in error */
	len = build_questions(b, sizeof(b), 0x0c01, 10, false);
	udp(e, FLOW_TO_SERVER, b, len, 1200);
	m = &e->rec.m[2];
	UNIT_CHECK(e->rec.n == 3 && m->nquestions == 10 && m->nq == APP_DNS_MAX_Q &&
	               !m->truncated_parse && errors(e) == 0,
	           "questions: 10 read, the first 8 kept");
	UNIT_CHECK_STR(m->q[7], "q7.multi.example", "questions: the 8th kept");
	UNIT_CHECK(m->nvals == APP_DNS_MAX_Q && m->nev == APP_DNS_MAX_Q,
	           "questions: dns.query values and events: the 8 kept");
	UNIT_CHECK(sw_counter_get(&e->st.dns_questions_dropped) == 2,
	           "questions: app.dns.questions_dropped counts 2");

	/* 1 question: one value, one event */
	len = build_questions(b, sizeof(b), 0x0d01, 1, false);
	udp(e, FLOW_TO_SERVER, b, len, 1300);
	m = &e->rec.m[3];
	UNIT_CHECK(m->nq == 1 && m->nvals == 1 && m->nev == 1, "questions: one question, one event");
	UNIT_CHECK_STR(m->ev[0], "q0.multi.example", "questions: its event has its name");

	/* cut inside the third question: two kept, the message reported as truncated */
	len = build_questions(b, sizeof(b), 0x0e01, 3, false);
	udp(e, FLOW_TO_SERVER, b, len - 3, 1400);
	m = &e->rec.m[4];
	UNIT_CHECK(e->rec.n == 5 && m->truncated_parse && m->nq == 2 && m->nvals == 2 &&
	               errors(e) == 1,
	           "questions: cut in the third, two kept and an error");

	/* every length of the 10-question message: no crash, never more than 8 kept */
	len = build_questions(b, sizeof(b), 0x0f01, 10, false);
	for (size_t n = 0; n <= len; n++) {
		int before = e->rec.n;

		udp(e, FLOW_TO_SERVER, b, n, 2000);
		if (e->rec.n > before && e->rec.m[e->rec.n - 1].nq > APP_DNS_MAX_Q)
			ok = false;
		if (e->rec.n >= REC_MAX - 1)
			e->rec.n = 0;
	}
	UNIT_CHECK(ok, "questions: every cut of a 10-question message");
	{ /* the descriptor: dns.query is multi-valued; asked without a message, not found */
		static const struct app_msg probe;
		struct app_buf v;

		UNIT_CHECK(strcmp(app_desc_dns.buffers[0].name, "dns.query") == 0,
		           "questions: buffer 0 is dns.query");
		UNIT_CHECK(app_desc_dns.buffer_i(&probe, 0, SIZE_MAX, &v) == SW_E_NOTFOUND,
		           "questions: dns.query is a multi-value buffer");
		UNIT_CHECK(app_desc_dns.buffer_i(&probe, 1, 0, &v) == SW_E_INVAL,
		           "questions: no other buffer is");
	}
	env_free(e);
}

static void
test_names(void)
{
	char buf[16];

	UNIT_CHECK_STR(app_dns_type_name(1, buf, sizeof(buf)), "A", "type name A");
	UNIT_CHECK_STR(app_dns_type_name(28, buf, sizeof(buf)), "AAAA", "type name AAAA");
	UNIT_CHECK_STR(app_dns_type_name(33, buf, sizeof(buf)), "SRV", "type name SRV");
	UNIT_CHECK_STR(app_dns_type_name(65280, buf, sizeof(buf)), "TYPE65280",
	               "type name unknown");
	UNIT_CHECK_STR(app_dns_type_name(0, buf, sizeof(buf)), "TYPE0", "type name 0");
	UNIT_CHECK_STR(app_dns_type_name(65280, buf, 5), "", "type name: small buffer");
	UNIT_CHECK_STR(app_dns_rcode_name(0, buf, sizeof(buf)), "NOERROR", "rcode NOERROR");
	UNIT_CHECK_STR(app_dns_rcode_name(3, buf, sizeof(buf)), "NXDOMAIN", "rcode NXDOMAIN");
	UNIT_CHECK_STR(app_dns_rcode_name(5, buf, sizeof(buf)), "REFUSED", "rcode REFUSED");
	UNIT_CHECK_STR(app_dns_rcode_name(15, buf, sizeof(buf)), "RCODE15", "rcode unknown");
}

static void
test_probe_ops(void)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: demo.example\r\n\r\n";
	static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc,
	                              0x03, 0x03, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};

	UNIT_CHECK(app_parser_dns.probe(q_a, sizeof(q_a), FLOW_TO_SERVER), "probe: UDP query");
	UNIT_CHECK(app_parser_dns.probe(r_srv, sizeof(r_srv), FLOW_TO_CLIENT),
	           "probe: UDP response");
	UNIT_CHECK(app_parser_dns.probe(tcp_q, sizeof(tcp_q), FLOW_TO_SERVER), "probe: TCP query");
	UNIT_CHECK(app_parser_dns.probe(tcp_q, 20, FLOW_TO_SERVER),
	           "probe: TCP query, first bytes");
	UNIT_CHECK(!app_parser_dns.probe(http, sizeof(http) - 1, FLOW_TO_SERVER),
	           "probe: not HTTP");
	UNIT_CHECK(!app_parser_dns.probe(tls, sizeof(tls), FLOW_TO_SERVER), "probe: not TLS");
	UNIT_CHECK(!app_parser_dns.probe(q_a, 8, FLOW_TO_SERVER), "probe: too short");
	UNIT_CHECK(!app_parser_dns.probe(NULL, 0, FLOW_TO_SERVER), "probe: nothing");
	UNIT_CHECK(strcmp(app_parser_dns.name, "dns") == 0 && app_parser_dns.id == APP_DNS,
	           "ops: name and id");
	app_parser_dns.state_free(NULL);
	UNIT_CHECK(1, "ops: state_free(NULL) is a no-op");
}

int
main(void)
{
	test_a();
	test_aaaa();
	test_cname();
	test_txt_mx_srv_nx();
	test_tcp();
	test_loops();
	test_limits();
	test_truncated();
	test_case();
	test_txn();
	test_names();
	test_probe_ops();
	test_questions();
	return unit_done();
}
