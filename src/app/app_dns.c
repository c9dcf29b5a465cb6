/* src/app/app_dns.c: the DNS parser, UDP and TCP (RFC 1035, 3596, 2782, 7766). */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"

/*
 * A message (RFC 1035 4.1):
 *
 *    0                   1
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |              ID               |
 *   |QR| Opcode |AA|TC|RD|RA| Z|RCODE|
 *   |    QDCOUNT    |    ANCOUNT    |
 *   |    NSCOUNT    |    ARCOUNT    |
 *   +-------------------------------+
 *   | question | answer | authority | additional
 *
 * Over TCP each message is preceded by its length on two octets.
 */

#define DNS_HDR_LEN     12
#define DNS_NAME_MAX    255 /* wire octets of a name, RFC 1035 2.3.4 */
#define DNS_LABEL_MAX   63
#define DNS_PTR_HOPS    128 /* compression pointers followed per name */
#define DNS_TXN_MAX     32  /* outstanding queries remembered per flow */
#define DNS_TCP_MSG_MAX 65535
#define DNS_TEXT_ARENA  16384 /* names and rdata text of one message */

#define DNS_T_A     1
#define DNS_T_NS    2
#define DNS_T_CNAME 5
#define DNS_T_SOA   6
#define DNS_T_PTR   12
#define DNS_T_MX    15
#define DNS_T_TXT   16
#define DNS_T_AAAA  28
#define DNS_T_SRV   33

/* One query waiting for its response. */
struct dns_txn {
	uint64_t qhash; /* FNV-1a of the lower-cased qname */
	sw_time_t ts;
	uint16_t id;
	uint16_t qtype;
	bool used;
};

/* One direction of a TCP flow: the message being gathered. */
struct dns_tcp_dir {
	uint8_t lenbuf[2];
	uint8_t nlen; /* octets of the length prefix seen */
	size_t need;  /* length of the current message */
	size_t have;  /* octets of it held in buf */
	uint8_t *buf; /* DNS_TCP_MSG_MAX, allocated on the first split message */
	bool discard; /* the buffer could not be made: skip this message */
};

struct dns_state {
	struct sw_memcap *mem; /* the worker's, for the TCP message buffers */
	struct dns_txn txn[DNS_TXN_MAX];
	unsigned txn_next; /* ring position of the next query */
	struct dns_tcp_dir tcp[2];
};

/* What one message's parse builds; lives on the stack during the emit call. */
struct dns_scratch {
	struct app_dns_q questions[APP_DNS_MAX_Q];
	struct app_dns_rr answers[APP_DNS_MAX_RR];
	struct app_dns_rr authorities[APP_DNS_MAX_RR];
	uint8_t text[DNS_TEXT_ARENA];
	size_t text_used;
};

/* ---- names ------------------------------------------------------------------------------- */

/*
 * Reads the (possibly compressed) name at *c into out (>= DNS_NAME_MAX + 1 octets): lower-case,
 * labels joined by '.', no trailing dot, root = "". msg/msglen is the whole message that
 * pointers refer to. Each pointer must go strictly before the segment it was found in, so the
 * walk ends; the hop count and the 255-octet limit bound it anyway. *c is left after the name
 * where it was first found (after the first pointer).
 */
static int
dns_name_read(const uint8_t *msg, size_t msglen, struct cursor *c, uint8_t *out, size_t *outlen)
{
	struct cursor w = *c; /* where labels are being read */
	struct cursor after;  /* where the caller resumes */
	size_t seg_start;     /* offset of the segment being read, for the backwards rule */
	size_t wire = 0, n = 0;
	unsigned hops = 0;
	bool jumped = false;
	uint8_t len, lo;
	int r;

	if (w.p < msg || (size_t)(w.p - msg) > msglen)
		return SW_E_INVAL;
	seg_start = (size_t)(w.p - msg);
	for (;;) {
		if ((r = cur_u8(&w, &len)) != 0)
			return r;
		if ((len & 0xc0) == 0xc0) {
			size_t target;
			struct cursor m;

			if ((r = cur_u8(&w, &lo)) != 0)
				return r;
			target = (size_t)(len & 0x3f) << 8 | lo;
			if (target >= seg_start || ++hops > DNS_PTR_HOPS)
				return SW_E_INVAL; /* forward or self pointer: a loop */
			if (!jumped) {
				after = w;
				jumped = true;
			}
			cur_init(&m, msg, msglen);
			if ((r = cur_skip(&m, target)) != 0)
				return r;
			w = m;
			seg_start = target;
			continue;
		}
		if ((len & 0xc0) != 0)
			return SW_E_UNSUPP; /* extended label types (RFC 6891 obsoleted them) */
		wire += 1u + len;
		if (wire + (len == 0 ? 0 : 1) > DNS_NAME_MAX)
			return SW_E_RANGE;
		if (len == 0)
			break;
		if (len > DNS_LABEL_MAX)
			return SW_E_RANGE;
		if (n > 0)
			out[n++] = '.';
		if ((r = cur_bytes(&w, out + n, len)) != 0)
			return r;
		for (size_t i = 0; i < len; i++) {
			uint8_t ch = out[n + i];

			if (ch >= 'A' && ch <= 'Z')
				out[n + i] = (uint8_t)(ch - 'A' + 'a');
		}
		n += len;
	}
	out[n] = '\0';
	*outlen = n;
	*c = jumped ? after : w;
	return 0;
}

static uint64_t
dns_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---- text arena -------------------------------------------------------------------------- */

/* Copies len octets into the arena; clips to what is left. */
static struct app_buf
dns_text_put(struct dns_scratch *s, const void *p, size_t len)
{
	struct app_buf b;
	size_t room = sizeof(s->text) - s->text_used;

	if (len > room)
		len = room;
	b.p = s->text + s->text_used;
	b.len = len;
	if (len > 0)
		memcpy(s->text + s->text_used, p, len);
	s->text_used += len;
	return b;
}

/* ---- resource records -------------------------------------------------------------------- */

/* Reads the rdata of rr (type already set) from the rdlength-bounded cursor rd. */
static int
dns_rdata_read(const uint8_t *msg, size_t msglen, struct cursor *rd, struct app_dns_rr *rr,
               struct dns_scratch *s)
{
	uint8_t name[DNS_NAME_MAX + 1];
	char addr[INET6_ADDRSTRLEN];
	size_t nlen;
	uint8_t slen;
	int r;

	switch (rr->type) {
	case DNS_T_A:
	case DNS_T_AAAA: {
		size_t alen = rr->type == DNS_T_A ? 4 : 16;

		if (cur_left(rd) != alen)
			return SW_E_INVAL;
		if ((r = cur_bytes(rd, rr->addr, alen)) != 0)
			return r;
		rr->addr_family = rr->type == DNS_T_A ? 4 : 6;
		if (inet_ntop(rr->type == DNS_T_A ? AF_INET : AF_INET6, rr->addr, addr,
		              sizeof(addr)) == NULL)
			return SW_E_INVAL;
		rr->data = dns_text_put(s, addr, strlen(addr));
		return 0;
	}
	case DNS_T_MX:
		if ((r = cur_be16(rd, &rr->mx_pref)) != 0)
			return r;
		break;
	case DNS_T_SRV:
		if ((r = cur_be16(rd, &rr->srv_prio)) != 0 ||
		    (r = cur_be16(rd, &rr->srv_weight)) != 0 ||
		    (r = cur_be16(rd, &rr->srv_port)) != 0)
			return r;
		break;
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
	case DNS_T_SOA:
		break;
	case DNS_T_TXT: {
		size_t start = s->text_used;

		while (cur_left(rd) > 0) {
			size_t room;

			if ((r = cur_u8(rd, &slen)) != 0)
				return r;
			if (cur_left(rd) < slen)
				return SW_E_TRUNC;
			room = sizeof(s->text) - s->text_used;
			if ((r = cur_bytes(rd, s->text + s->text_used,
			                   slen < room ? slen : room)) != 0)
				return r;
			s->text_used += slen < room ? slen : room;
			if (slen > room && (r = cur_skip(rd, slen - room)) != 0)
				return r;
		}
		rr->data.p = s->text + start;
		rr->data.len = s->text_used - start;
		return 0;
	}
	default:
		return 0; /* not decoded: empty data */
	}
	/* a name (the MX exchange, SRV target, SOA mname, CNAME/NS/PTR target) */
	if ((r = dns_name_read(msg, msglen, rd, name, &nlen)) != 0)
		return r;
	rr->data = dns_text_put(s, name, nlen);
	return 0;
}

/*
 * Reads one RR at *c. When rr is NULL (additional section) only checks and skips it. The
 * rdata is read through its own cursor bounded by rdlength.
 */
static int
dns_rr_read(const uint8_t *msg, size_t msglen, struct cursor *c, struct app_dns_rr *rr,
            struct dns_scratch *s)
{
	uint8_t name[DNS_NAME_MAX + 1];
	struct app_dns_rr tmp;
	struct cursor rd;
	uint16_t rdlen;
	size_t nlen;
	int r;

	if (rr == NULL)
		rr = &tmp;
	memset(rr, 0, sizeof(*rr));
	if ((r = dns_name_read(msg, msglen, c, name, &nlen)) != 0)
		return r;
	if ((r = cur_be16(c, &rr->type)) != 0 || (r = cur_be16(c, &rr->rrclass)) != 0 ||
	    (r = cur_be32(c, &rr->ttl)) != 0 || (r = cur_be16(c, &rdlen)) != 0)
		return r;
	if (cur_left(c) < rdlen)
		return SW_E_TRUNC;
	cur_init(&rd, c->p, rdlen);
	(void)cur_skip(c, rdlen);
	if (rr == &tmp)
		return 0;
	rr->name = dns_text_put(s, name, nlen);
	return dns_rdata_read(msg, msglen, &rd, rr, s);
}

/* ---- transactions ------------------------------------------------------------------------ */

static void
dns_txn_query(struct dns_state *st, const struct app_dns_msg *m, uint64_t qhash, sw_time_t ts)
{
	struct dns_txn *t;

	for (unsigned i = 0; i < DNS_TXN_MAX; i++) {
		t = &st->txn[i];
		if (t->used && t->id == m->id && t->qtype == m->qtype && t->qhash == qhash)
			return; /* a retransmission: the first send's time stands */
	}
	t = &st->txn[st->txn_next];
	st->txn_next = (st->txn_next + 1) % DNS_TXN_MAX;
	t->used = true;
	t->id = m->id;
	t->qtype = m->qtype;
	t->qhash = qhash;
	t->ts = ts;
}

/* The time of the query answered by m, 0 when none; the query is then forgotten. */
static sw_time_t
dns_txn_response(struct dns_state *st, const struct app_dns_msg *m, uint64_t qhash)
{
	for (unsigned k = 1; k <= DNS_TXN_MAX; k++) { /* newest first */
		struct dns_txn *t = &st->txn[(st->txn_next + DNS_TXN_MAX - k) % DNS_TXN_MAX];

		if (!t->used || t->id != m->id)
			continue;
		if (m->nquestions > 0 && (t->qtype != m->qtype || t->qhash != qhash))
			continue;
		t->used = false;
		return t->ts;
	}
	return 0;
}

/* ---- messages ---------------------------------------------------------------------------- */

static void
dns_error(struct app_ctx *ctx)
{
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->errors[APP_DNS], 1);
}

/*
 * Parses one whole message and emits it. Malformed past the question: counted as an error
 * and emitted with truncated_parse; malformed before: counted and not emitted.
 */
static void
dns_message(struct app_ctx *ctx, struct dns_state *st, enum flow_dir dir, const uint8_t *data,
            size_t len)
{
	struct dns_scratch s;
	struct app_dns_msg m;
	struct app_msg am;
	struct cursor c;
	uint8_t name[DNS_NAME_MAX + 1];
	uint16_t flags, qd, an, ns, ar, qtype, qclass;
	uint64_t qhash = 0;
	size_t nlen;
	bool bad = false;
	unsigned i;

	/* the dns.pdu frame: the message as sent (over TCP without its length), malformed or not */
	app_frame_emit(ctx, dir, APP_DNS, APP_FRAME_DNS_PDU, data, len);
	memset(&m, 0, sizeof(m));
	s.text_used = 0;
	cur_init(&c, data, len);
	if (cur_be16(&c, &m.id) != 0 || cur_be16(&c, &flags) != 0 || cur_be16(&c, &qd) != 0 ||
	    cur_be16(&c, &an) != 0 || cur_be16(&c, &ns) != 0 || cur_be16(&c, &ar) != 0) {
		dns_error(ctx);
		return;
	}
	m.response = flags & 0x8000;
	m.opcode = (uint8_t)(flags >> 11 & 0x0f);
	m.aa = flags & 0x0400;
	m.tc = flags & 0x0200;
	m.rd = flags & 0x0100;
	m.ra = flags & 0x0080;
	m.rcode = (uint8_t)(flags & 0x000f);
	m.nquestions = qd;
	m.questions = s.questions;
	m.answers = s.answers;
	m.authorities = s.authorities;

	for (i = 0; i < qd; i++) {
		if (dns_name_read(data, len, &c, name, &nlen) != 0 || cur_be16(&c, &qtype) != 0 ||
		    cur_be16(&c, &qclass) != 0) {
			if (i == 0) {
				dns_error(ctx); /* not even a question: nothing to report */
				return;
			}
			bad = true;
			break;
		}
		if (i >= APP_DNS_MAX_Q) { /* read for the framing, not kept */
			if (ctx->st != NULL)
				sw_counter_add(&ctx->st->dns_questions_dropped, 1);
			continue;
		}
		s.questions[i].name = dns_text_put(&s, name, nlen);
		s.questions[i].type = qtype;
		s.questions[i].qclass = qclass;
		m.nq = (uint16_t)(i + 1);
		if (i == 0) {
			m.qname = s.questions[0].name;
			m.qtype = qtype;
			m.qclass = qclass;
			qhash = dns_hash(name, nlen);
		}
	}
	for (i = 0; !bad && i < an; i++) {
		struct app_dns_rr *rr = m.nanswers < APP_DNS_MAX_RR ? &s.answers[m.nanswers] : NULL;

		if (dns_rr_read(data, len, &c, rr, &s) != 0)
			bad = true;
		else if (rr != NULL)
			m.nanswers++;
	}
	for (i = 0; !bad && i < ns; i++) {
		struct app_dns_rr *rr =
		    m.nauthorities < APP_DNS_MAX_RR ? &s.authorities[m.nauthorities] : NULL;

		if (dns_rr_read(data, len, &c, rr, &s) != 0)
			bad = true;
		else if (rr != NULL)
			m.nauthorities++;
	}
	for (i = 0; !bad && i < ar; i++) /* checked for framing, not kept */
		if (dns_rr_read(data, len, &c, NULL, &s) != 0)
			bad = true;
	if (bad) {
		dns_error(ctx);
		m.truncated_parse = true;
	}

	if (!m.response)
		dns_txn_query(st, &m, qhash, ctx->ts);
	else
		m.query_ts = dns_txn_response(st, &m, qhash);

	memset(&am, 0, sizeof(am));
	am.kind = APP_MSG_DNS;
	am.dir = dir;
	am.ts = ctx->ts;
	am.u.dns = &m;
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->messages[APP_DNS], 1);
	if (ctx->emit != NULL)
		ctx->emit(ctx->arg, ctx->f, &am);
}

/* ---- probe ------------------------------------------------------------------------------- */

/*
 * Whether data looks like the start of a message whose full length is msglen (data may hold
 * less over TCP): header fields in range, counts that fit, and a readable first question when
 * it is all there.
 */
static bool
dns_probe_msg(const uint8_t *data, size_t len, size_t msglen)
{
	uint8_t name[DNS_NAME_MAX + 1];
	uint16_t id, flags, qd, an, ns, ar, qtype;
	struct cursor c;
	size_t nlen, min;
	uint8_t opcode;
	int r;

	cur_init(&c, data, len);
	if (cur_be16(&c, &id) != 0 || cur_be16(&c, &flags) != 0 || cur_be16(&c, &qd) != 0 ||
	    cur_be16(&c, &an) != 0 || cur_be16(&c, &ns) != 0 || cur_be16(&c, &ar) != 0)
		return false;
	opcode = (uint8_t)(flags >> 11 & 0x0f);
	if (opcode > 5 || opcode == 3 || qd < 1 || qd > 16)
		return false;
	if (!(flags & 0x8000) && (flags & 0x000f) != 0)
		return false; /* a query with an rcode */
	min = DNS_HDR_LEN + (size_t)qd * 5 + ((size_t)an + ns + ar) * 11;
	if (min > msglen)
		return false;
	if ((r = dns_name_read(data, len, &c, name, &nlen)) == 0)
		r = cur_be16(&c, &qtype);
	if (r != 0) /* over TCP the first chunk may end inside the question */
		return r == SW_E_TRUNC && len < msglen;
	return qtype != 0;
}

static bool
dns_probe(const uint8_t *data, size_t len, enum flow_dir dir)
{
	struct cursor c;
	uint16_t msglen;

	(void)dir;
	if (data == NULL)
		return false;
	if (dns_probe_msg(data, len, len))
		return true;
	cur_init(&c, data, len);
	if (cur_be16(&c, &msglen) != 0 || msglen < DNS_HDR_LEN)
		return false;
	return dns_probe_msg(c.p, cur_left(&c) < msglen ? cur_left(&c) : msglen, msglen);
}

/* ---- operations -------------------------------------------------------------------------- */

static void *
dns_state_new(struct sw_memcap *mem)
{
	struct dns_state *st;

	if ((st = app_state_alloc(mem, sizeof(*st))) != NULL)
		st->mem = mem;
	return st;
}

/* Frees the TCP message buffers and gives their memory back. */
static void
dns_tcp_free(struct dns_state *st)
{
	for (int i = 0; i < 2; i++) {
		if (st->tcp[i].buf != NULL)
			sw_memcap_give(st->mem, DNS_TCP_MSG_MAX);
		free(st->tcp[i].buf);
		st->tcp[i].buf = NULL;
	}
}

static void
dns_state_free(void *state)
{
	struct dns_state *st = state;

	if (st == NULL)
		return;
	dns_tcp_free(st);
	app_state_release(st->mem, sizeof(*st), st);
}

const size_t app_dns_state_size = sizeof(struct dns_state);

static void
dns_datagram(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len)
{
	if (state == NULL || data == NULL)
		return;
	dns_message(ctx, state, dir, data, len);
}

static void
dns_tcp_reset(struct dns_tcp_dir *d)
{
	d->nlen = 0;
	d->need = 0;
	d->have = 0;
	d->discard = false;
}

/* Length-prefixed messages of one direction, split or joined in any way across chunks. */
static void
dns_stream(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len,
           unsigned flags)
{
	struct dns_state *st = state;
	struct dns_tcp_dir *d;
	struct cursor c;
	size_t take;

	if (st == NULL || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT))
		return;
	d = &st->tcp[dir];
	if ((flags & 0x01) ||
	    data == NULL) { /* STREAM_CHUNK_GAP: resynchronise on the next chunk */
		if (d->nlen > 0 || d->have > 0)
			dns_error(ctx);
		dns_tcp_reset(d);
		return;
	}
	cur_init(&c, data, len);
	while (cur_left(&c) > 0) {
		if (d->nlen < 2) {
			(void)cur_u8(&c, &d->lenbuf[d->nlen]);
			if (++d->nlen < 2)
				continue;
			d->need = (size_t)d->lenbuf[0] << 8 | d->lenbuf[1];
			d->have = 0;
			if (d->need == 0) { /* an empty message: nothing to parse */
				dns_error(ctx);
				dns_tcp_reset(d);
			}
			continue;
		}
		if (d->have == 0 && !d->discard && cur_left(&c) >= d->need) {
			/* whole in this chunk: parse in place */
			dns_message(ctx, st, dir, c.p, d->need);
			(void)cur_skip(&c, d->need);
			dns_tcp_reset(d);
			continue;
		}
		if (d->buf == NULL && !d->discard) {
			if (!sw_memcap_take(st->mem, DNS_TCP_MSG_MAX)) {
				d->discard = true; /* over the memory cap: counted there */
			} else if ((d->buf = malloc(DNS_TCP_MSG_MAX)) == NULL) {
				sw_memcap_give(st->mem, DNS_TCP_MSG_MAX);
				dns_error(ctx);
				d->discard = true;
			}
		}
		take = d->need - d->have;
		if (take > cur_left(&c))
			take = cur_left(&c);
		if (d->discard)
			(void)cur_skip(&c, take);
		else
			(void)cur_bytes(&c, d->buf + d->have, take);
		d->have += take;
		if (d->have == d->need) {
			if (!d->discard)
				dns_message(ctx, st, dir, d->buf, d->need);
			dns_tcp_reset(d);
		}
	}
}

static void
dns_flow_end(struct app_ctx *ctx, void *state)
{
	struct dns_state *st = state;

	(void)ctx; /* nothing is pending: a partial TCP message is dropped */
	if (st == NULL)
		return;
	dns_tcp_reset(&st->tcp[0]);
	dns_tcp_reset(&st->tcp[1]);
	dns_tcp_free(st);
}

const struct app_parser_ops app_parser_dns = {
    .name = "dns",
    .id = APP_DNS,
    .rule_names = APP_NAMES("dns"),
    .probe = dns_probe,
    .state_new = dns_state_new,
    .state_free = dns_state_free,
    .stream = dns_stream,
    .datagram = dns_datagram,
    .flow_end = dns_flow_end,
};

/* ---- names of numbers -------------------------------------------------------------------- */

/* Writes "TYPE" followed by the decimal n into buf (RFC 3597 form). */
static const char *
dns_num_name(const char *prefix, unsigned n, char *buf, size_t size)
{
	char digits[8];
	size_t nd = 0, pl = strlen(prefix);

	if (buf == NULL || size == 0)
		return "";
	do {
		digits[nd++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0 && nd < sizeof(digits));
	if (pl + nd + 1 > size) {
		buf[0] = '\0';
		return buf;
	}
	memcpy(buf, prefix, pl);
	for (size_t i = 0; i < nd; i++)
		buf[pl + i] = digits[nd - 1 - i];
	buf[pl + nd] = '\0';
	return buf;
}

/*
 * The mnemonic of an RR type ("A", "AAAA", ...), else "TYPE<n>" written into buf (size >= 10
 * is enough). Returns a static string or buf; never NULL.
 */
const char *
app_dns_type_name(uint16_t type, char *buf, size_t size)
{
	static const struct {
		uint16_t type;
		const char *name;
	} names[] = {
	    {1, "A"},      {2, "NS"},          {5, "CNAME"},    {6, "SOA"},
	    {12, "PTR"},   {13, "HINFO"},      {15, "MX"},      {16, "TXT"},
	    {17, "RP"},    {18, "AFSDB"},      {24, "SIG"},     {25, "KEY"},
	    {28, "AAAA"},  {29, "LOC"},        {33, "SRV"},     {35, "NAPTR"},
	    {36, "KX"},    {37, "CERT"},       {39, "DNAME"},   {41, "OPT"},
	    {42, "APL"},   {43, "DS"},         {44, "SSHFP"},   {45, "IPSECKEY"},
	    {46, "RRSIG"}, {47, "NSEC"},       {48, "DNSKEY"},  {49, "DHCID"},
	    {50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"},    {53, "SMIMEA"},
	    {55, "HIP"},   {59, "CDS"},        {60, "CDNSKEY"}, {61, "OPENPGPKEY"},
	    {62, "CSYNC"}, {63, "ZONEMD"},     {64, "SVCB"},    {65, "HTTPS"},
	    {99, "SPF"},   {249, "TKEY"},      {250, "TSIG"},   {251, "IXFR"},
	    {252, "AXFR"}, {255, "ANY"},       {256, "URI"},    {257, "CAA"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	return dns_num_name("TYPE", type, buf, size);
}

/*
 * The mnemonic of a response code ("NOERROR", "NXDOMAIN", ...; RFC 1035, 2136, 6895), else
 * "RCODE<n>" written into buf. Returns a static string or buf; never NULL.
 */
const char *
app_dns_rcode_name(uint8_t rcode, char *buf, size_t size)
{
	static const char *const names[] = {
	    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
	};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return dns_num_name("RCODE", rcode, buf, size);
}

/* ---- descriptor: the dns event, buffers and observables --------------------------------- */

static void
dns_eve_rr(struct jw *w, const struct app_dns_rr *rr)
{
	char t[16];

	jw_obj_begin(w, NULL);
	jw_strn(w, "rrname", rr->name.p, rr->name.len);
	jw_str(w, "rrtype", app_dns_type_name(rr->type, t, sizeof(t)));
	jw_u64(w, "ttl", rr->ttl);
	if (rr->data.len > 0 || rr->type == DNS_T_A || rr->type == DNS_T_AAAA)
		jw_strn(w, "rdata", rr->data.p, rr->data.len);
	if (rr->type == DNS_T_MX)
		jw_u64(w, "preference", rr->mx_pref);
	if (rr->type == DNS_T_SRV) {
		jw_u64(w, "priority", rr->srv_prio);
		jw_u64(w, "weight", rr->srv_weight);
		jw_u64(w, "port", rr->srv_port);
	}
	jw_obj_end(w);
}

/* Suricata's eve dns version 2 layout: one event per query, one per answer message. */
static void
dns_eve(struct jw *w, const struct app_msg *msg, bool in_alert)
{
	const struct app_dns_msg *m = msg->u.dns;
	char t[16], flags[8];
	uint16_t i;

	(void)in_alert;
	jw_obj_begin(w, "dns");
	jw_u64(w, "version", 2);
	jw_str(w, "type", m->response ? "answer" : "query");
	jw_u64(w, "id", m->id);
	snprintf(flags, sizeof(flags), "%04x",
		 (unsigned)((m->response ? 0x8000 : 0) | (m->opcode & 0xf) << 11 |
			    (m->aa ? 0x400 : 0) | (m->tc ? 0x200 : 0) | (m->rd ? 0x100 : 0) |
			    (m->ra ? 0x80 : 0) | (m->rcode & 0xf)));
	jw_str(w, "flags", flags);
	if (m->response)
		jw_bool(w, "qr", true);
	if (m->aa)
		jw_bool(w, "aa", true);
	if (m->tc)
		jw_bool(w, "tc", true);
	if (m->rd)
		jw_bool(w, "rd", true);
	if (m->ra)
		jw_bool(w, "ra", true);
	jw_u64(w, "opcode", m->opcode);
	if (m->nquestions > 0) {
		jw_strn(w, "rrname", m->qname.p, m->qname.len);
		jw_str(w, "rrtype", app_dns_type_name(m->qtype, t, sizeof(t)));
	}
	if (m->response) {
		jw_str(w, "rcode", app_dns_rcode_name(m->rcode, t, sizeof(t)));
		if (m->nanswers > 0) {
			jw_arr_begin(w, "answers");
			for (i = 0; i < m->nanswers; i++)
				dns_eve_rr(w, &m->answers[i]);
			jw_arr_end(w);
		}
		if (m->nauthorities > 0) {
			jw_arr_begin(w, "authorities");
			for (i = 0; i < m->nauthorities; i++)
				dns_eve_rr(w, &m->authorities[i]);
			jw_arr_end(w);
		}
	}
	if (m->truncated_parse)
		jw_bool(w, "parse_error", true);
	jw_obj_end(w);
}

/* The query name; the addresses of A/AAAA answers and the names CNAME, NS, PTR, MX and SRV
 * answers point at. */
static void
dns_observables(const struct app_msg *msg, app_observable_fn *fn, void *arg)
{
	const struct app_dns_msg *m = msg->u.dns;
	struct app_observable o = {.dir = msg->dir};

	for (uint16_t i = 0; i < app_dns_nq(m); i++) { /* every question's name */
		struct app_dns_q q = app_dns_question(m, i);

		if (q.name.len == 0)
			continue;
		o.type = APP_OBS_DOMAIN, o.where = "dns.query";
		o.value = q.name.p, o.len = q.name.len;
		fn(arg, &o);
	}
	if (!m->response)
		return;
	o.where = "dns.answer";
	for (uint16_t i = 0; i < m->nanswers; i++) {
		const struct app_dns_rr *rr = &m->answers[i];

		if (rr->addr_family != 0) {
			o.type = APP_OBS_IP, o.family = rr->addr_family;
			o.value = rr->addr, o.len = rr->addr_family == 4 ? 4 : 16;
		} else if (rr->data.len > 0 &&
			   (rr->type == DNS_T_CNAME || rr->type == DNS_T_NS || rr->type == DNS_T_PTR ||
			    rr->type == DNS_T_MX || rr->type == DNS_T_SRV)) {
			o.type = APP_OBS_DOMAIN, o.family = 0;
			o.value = rr->data.p, o.len = rr->data.len;
		} else {
			continue;
		}
		fn(arg, &o);
	}
}

static int
dns_buf_query(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	if (m->u.dns->nquestions == 0)
		return SW_E_NOTFOUND;
	*out = m->u.dns->qname;
	return 0;
}

/* dns.query has a value per question kept (Suricata 7's dns.query is a multi-buffer over the
 * questions of a request): a rule matches when its contents match one of them */
static int
dns_buffer_i(const struct app_msg *m, size_t buf, size_t i, struct app_buf *out)
{
	if (buf != 0)
		return SW_E_INVAL;
	if (m->u.dns == NULL || i >= app_dns_nq(m->u.dns))
		return SW_E_NOTFOUND;
	*out = app_dns_question(m->u.dns, (uint16_t)i).name;
	return 0;
}

/* Suricata 7's eve dns (version 2): a query with several questions kept makes one event per
 * question, each a message of its own whose questions and qname are only question i. */
static unsigned
dns_events(const struct app_msg *msg)
{
	if (msg->kind != APP_MSG_DNS || msg->u.dns->response || msg->u.dns->nq < 2)
		return 1;
	return msg->u.dns->nq;
}

static void
dns_event_view(const struct app_msg *msg, unsigned i, struct app_msg *out,
	       union app_event_tmp *tmp)
{
	struct app_dns_msg *dns = &tmp->dns;

	*out = *msg;
	if (dns_events(msg) < 2 || i >= msg->u.dns->nq)
		return;
	*dns = *msg->u.dns;
	dns->questions = &msg->u.dns->questions[i];
	dns->nq = 1;
	dns->qname = dns->questions[0].name;
	dns->qtype = dns->questions[0].type;
	dns->qclass = dns->questions[0].qclass;
	out->u.dns = dns;
}

static const char *const dns_query_aliases[] = {"dns_query", NULL};

static const struct app_buffer_desc dns_buffers[] = {
    {"dns.query", dns_query_aliases, NULL, FLOW_TO_SERVER, dns_buf_query},
};

const struct app_msg_desc app_desc_dns = {
    .kind = APP_MSG_DNS,
    .name = "dns",
    .proto = APP_DNS,
    .one_way = true,
    .buffers = dns_buffers,
    .nbuffers = sizeof(dns_buffers) / sizeof(dns_buffers[0]),
    .eve = dns_eve,
    .observables = dns_observables,
    .buffer_i = dns_buffer_i,
    .events = dns_events,
    .event_view = dns_event_view,
};
