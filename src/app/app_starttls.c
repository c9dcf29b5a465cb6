/* src/app/app_starttls.c: clear-text protocols that turn into TLS: SMTP (RFC 3207), IMAP and
 * POP3 (RFC 2595), FTP (RFC 4217), XMPP (RFC 6120 5.4), LDAP (RFC 4511 4.14) and PostgreSQL
 * (SSLRequest, protocol 3.0). */
/*
 * Each protocol is a follower, not a parser: it watches both directions until the client has
 * asked for TLS and the server has said yes, then hands the connection to the TLS parser
 * (app_ctx.switch_proto) from the byte after the server's answer. The flow keeps the
 * follower's name (app_proto "smtp") and its tls event says "starttls": true.
 *
 *   protocol   client asks                        server agrees
 *   smtp       STARTTLS                           220
 *   imap       <tag> STARTTLS                     <tag> OK
 *   pop3       STLS                               +OK
 *   ftp        AUTH TLS | AUTH SSL | AUTH TLS-C   234
 *   xmpp       <starttls xmlns=...tls'/>          <proceed .../>
 *   ldap       ExtendedRequest 1.3.6.1.4.1.1466.20037   ExtendedResponse resultCode 0
 *   pgsql      SSLRequest (00000008 04d2162f)     'S'
 *
 * Line protocols are read a line at a time (the first STARTTLS_LINE bytes of a line matter;
 * the rest is skipped). Once the client has asked, a TLS handshake record from the client is
 * taken as the server's yes too (the answer may have been lost, or come in the same chunk
 * order as the hello). A follower stops looking after STARTTLS_MAX_CLEAR bytes from the
 * client with no request (the mail itself, a database session): the flow is not parsed
 * further.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "app/app_int.h"
#include "stream/stream.h"

#define STARTTLS_LINE      128       /* the start of a line kept to match commands */
#define STARTTLS_MAX_CLEAR (64 << 10) /* client bytes without a request before giving up */

enum starttls_kind {
	ST_LINE = 0, /* a text line protocol (SMTP, IMAP, POP3, FTP) */
	ST_XMPP = 1,
	ST_LDAP = 2,
	ST_PGSQL = 3,
};

struct starttls_proto {
	const char *name;
	int id;
	enum starttls_kind kind;
	/* line protocols: whether a client line asks for TLS (tag: its IMAP tag, written) */
	bool (*asks)(const char *line, size_t len, char *tag, size_t *taglen);
	/* line protocols: whether a server line says yes; -1 when it says no, 0 when neither */
	int (*answer)(const char *line, size_t len, const char *tag, size_t taglen);
};

struct starttls_dir {
	char line[STARTTLS_LINE];
	size_t len;     /* bytes of the current line kept */
	bool overlong;  /* the current line is longer than kept */
};

struct starttls_state {
	struct sw_memcap *mem;
	const struct starttls_proto *proto;
	struct starttls_dir dir[2];
	bool asked;       /* the client asked for TLS; the answer is awaited */
	bool done;        /* gave up (or handed over): nothing more to look at */
	uint64_t clear;   /* client bytes seen */
	char tag[32];     /* IMAP: the tag of the STARTTLS command */
	size_t taglen;
};

/* ---- line matchers ----------------------------------------------------------------------- */

/* Whether line starts with word (case-insensitive) followed by the end or a space. */
static bool
line_word(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && strncasecmp(line, word, n) == 0 && (len == n || line[n] == ' ');
}

static bool
line_code(const char *line, size_t len, const char *code)
{
	return len >= 3 && memcmp(line, code, 3) == 0 && (len == 3 || line[3] == ' ' || line[3] == '-');
}

static bool
smtp_asks(const char *line, size_t len, char *tag, size_t *taglen)
{
	(void)tag, (void)taglen;
	return line_word(line, len, "STARTTLS");
}

/* 220 yes; any other final reply no (multi-line replies "220-" wait for their last line). */
static int
smtp_answer(const char *line, size_t len, const char *tag, size_t taglen)
{
	(void)tag, (void)taglen;
	if (len >= 4 && line[3] == '-')
		return 0;
	return line_code(line, len, "220") ? 1 : len >= 3 ? -1 : 0;
}

static bool
pop3_asks(const char *line, size_t len, char *tag, size_t *taglen)
{
	(void)tag, (void)taglen;
	return line_word(line, len, "STLS");
}

static int
pop3_answer(const char *line, size_t len, const char *tag, size_t taglen)
{
	(void)tag, (void)taglen;
	if (len >= 3 && strncasecmp(line, "+OK", 3) == 0)
		return 1;
	return len >= 4 && strncasecmp(line, "-ERR", 4) == 0 ? -1 : 0;
}

static bool
ftp_asks(const char *line, size_t len, char *tag, size_t *taglen)
{
	(void)tag, (void)taglen;
	return line_word(line, len, "AUTH TLS") || line_word(line, len, "AUTH SSL") ||
	       line_word(line, len, "AUTH TLS-C") || line_word(line, len, "AUTH TLS-P");
}

static int
ftp_answer(const char *line, size_t len, const char *tag, size_t taglen)
{
	(void)tag, (void)taglen;
	if (len >= 4 && line[3] == '-')
		return 0;
	return line_code(line, len, "234") ? 1 : len >= 3 ? -1 : 0;
}

/* "<tag> STARTTLS": the tag is kept to find the tagged answer. */
static bool
imap_asks(const char *line, size_t len, char *tag, size_t *taglen)
{
	const char *sp = memchr(line, ' ', len);
	size_t n;

	if (sp == NULL || (n = (size_t)(sp - line)) == 0 || n >= 32)
		return false;
	if (!line_word(sp + 1, len - n - 1, "STARTTLS"))
		return false;
	memcpy(tag, line, n);
	*taglen = n;
	return true;
}

static int
imap_answer(const char *line, size_t len, const char *tag, size_t taglen)
{
	if (len <= taglen || memcmp(line, tag, taglen) != 0 || line[taglen] != ' ')
		return 0; /* an untagged response ("* CAPABILITY ...") or another command's */
	return line_word(line + taglen + 1, len - taglen - 1, "OK") ? 1 : -1;
}

/* ---- the protocols ------------------------------------------------------------------------ */

static const struct starttls_proto protos[] = {
	{"smtp", APP_SMTP, ST_LINE, smtp_asks, smtp_answer},
	{"imap", APP_IMAP, ST_LINE, imap_asks, imap_answer},
	{"pop3", APP_POP3, ST_LINE, pop3_asks, pop3_answer},
	{"ftp", APP_FTP, ST_LINE, ftp_asks, ftp_answer},
	{"xmpp", APP_XMPP, ST_XMPP, NULL, NULL},
	{"ldap", APP_LDAP, ST_LDAP, NULL, NULL},
	{"pgsql", APP_PGSQL, ST_PGSQL, NULL, NULL},
};

static const struct starttls_proto *
proto_by_id(int id)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].id == id)
			return &protos[i];
	return NULL;
}

/* ---- following ---------------------------------------------------------------------------- */

/* Whether data starts a TLS handshake record (the client's hello). */
static bool
tls_record_start(const uint8_t *p, size_t len)
{
	return len >= 3 && p[0] == 22 && p[1] == 3 && p[2] <= 4;
}

static void
hand_over(struct app_ctx *ctx, struct starttls_state *s, size_t off)
{
	s->done = true;
	ctx->switch_proto = APP_TLS;
	ctx->switch_off = off;
}

/* One complete line (CR LF stripped) of direction dir; true when the connection turns TLS. */
static bool
line_done(struct starttls_state *s, enum flow_dir dir, const char *line, size_t len)
{
	const struct starttls_proto *p = s->proto;

	if (dir == FLOW_TO_SERVER) {
		if (!s->asked && p->asks(line, len, s->tag, &s->taglen))
			s->asked = true;
		return false;
	}
	if (!s->asked)
		return false;
	switch (p->answer(line, len, s->tag, s->taglen)) {
	case 1:
		return true;
	case -1:
		s->asked = false; /* refused: the session goes on in clear */
		return false;
	default:
		return false;
	}
}

static void
follow_lines(struct app_ctx *ctx, struct starttls_state *s, enum flow_dir dir, const uint8_t *data,
	     size_t len)
{
	struct starttls_dir *d = &s->dir[dir];

	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n') {
			if (d->len < sizeof(d->line))
				d->line[d->len++] = (char)data[i];
			else
				d->overlong = true;
			continue;
		}
		size_t n = d->len;
		if (n > 0 && d->line[n - 1] == '\r')
			n--;
		bool turn = line_done(s, dir, d->line, n);
		d->len = 0;
		d->overlong = false;
		if (turn) {
			hand_over(ctx, s, i + 1);
			return;
		}
	}
}

/* XMPP: <starttls .../> then <proceed .../>; the TLS starts after the '>' closing proceed.
 * Each is looked for inside one chunk (a tag split over two segments is found by the client's
 * hello instead). */
static void
follow_xmpp(struct app_ctx *ctx, struct starttls_state *s, enum flow_dir dir, const uint8_t *data,
	    size_t len)
{
	const uint8_t *m, *gt;

	if (dir == FLOW_TO_SERVER) {
		if (!s->asked && memmem(data, len, "<starttls", 9) != NULL)
			s->asked = true;
		return;
	}
	if (!s->asked || (m = memmem(data, len, "<proceed", 8)) == NULL)
		return;
	gt = memchr(m, '>', (size_t)(data + len - m));
	hand_over(ctx, s, gt != NULL ? (size_t)(gt - data) + 1 : len);
}

/* A BER length at c; false when malformed or longer than 4 bytes. */
static bool
ber_len(struct cursor *c, size_t *len)
{
	uint8_t b, n;

	if (cur_u8(c, &b) != 0)
		return false;
	if (b < 0x80) {
		*len = b;
		return true;
	}
	n = b & 0x7f;
	if (n == 0 || n > 4)
		return false;
	*len = 0;
	while (n-- > 0) {
		if (cur_u8(c, &b) != 0)
			return false;
		*len = *len << 8 | b;
	}
	return true;
}

#define LDAP_STARTTLS_OID "1.3.6.1.4.1.1466.20037"

/*
 * LDAPMessage ::= SEQUENCE { messageID INTEGER, protocolOp ..., controls [0] OPTIONAL }
 * ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID, ... }
 * ExtendedResponse ::= [APPLICATION 24] SEQUENCE { resultCode ENUMERATED, ... }
 * The request is found by its OID; the response read from the start of a server chunk.
 */
static void
follow_ldap(struct app_ctx *ctx, struct starttls_state *s, enum flow_dir dir, const uint8_t *data,
	    size_t len)
{
	struct cursor c, op;
	size_t mlen, olen, idlen;
	uint8_t tag, res;

	if (dir == FLOW_TO_SERVER) {
		if (!s->asked && len > 2 && data[0] == 0x30 &&
		    memmem(data, len, LDAP_STARTTLS_OID, strlen(LDAP_STARTTLS_OID)) != NULL)
			s->asked = true;
		return;
	}
	if (!s->asked)
		return;
	cur_init(&c, data, len);
	if (cur_u8(&c, &tag) != 0 || tag != 0x30 || !ber_len(&c, &mlen) || mlen > cur_left(&c))
		return;
	size_t msg_end = len - cur_left(&c) + mlen;
	if (cur_u8(&c, &tag) != 0 || tag != 0x02 || !ber_len(&c, &idlen) || cur_skip(&c, idlen) != 0 ||
	    cur_u8(&c, &tag) != 0 || tag != 0x78 || !ber_len(&c, &olen) || olen > cur_left(&c))
		return;
	cur_init(&op, c.p, olen);
	if (cur_u8(&op, &tag) != 0 || tag != 0x0a || cur_u8(&op, &tag) != 0 || tag != 1 ||
	    cur_u8(&op, &res) != 0)
		return;
	if (res == 0)
		hand_over(ctx, s, msg_end);
	else
		s->asked = false;
}

/* SSLRequest: Int32 length 8, Int32 80877103; the server answers one byte, 'S' or 'N'. */
static void
follow_pgsql(struct app_ctx *ctx, struct starttls_state *s, enum flow_dir dir, const uint8_t *data,
	     size_t len)
{
	static const uint8_t req[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

	if (dir == FLOW_TO_SERVER) {
		if (!s->asked && s->clear == 0 && len >= 8 && memcmp(data, req, 8) == 0)
			s->asked = true;
		else if (!s->asked)
			s->done = true; /* a session without SSLRequest: nothing to follow */
		return;
	}
	if (!s->asked)
		return;
	if (data[0] == 'S')
		hand_over(ctx, s, 1);
	else
		s->done = true;
}

static void
starttls_stream(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data,
		size_t len, unsigned flags)
{
	struct starttls_state *s = state;

	if (s == NULL || s->done || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT))
		return;
	if (flags & STREAM_CHUNK_GAP) { /* lines are lost: only the client's hello can tell now */
		s->dir[dir].len = 0;
		return;
	}
	if (data == NULL || len == 0)
		return;
	if (dir == FLOW_TO_SERVER && s->asked && tls_record_start(data, len)) {
		hand_over(ctx, s, 0);
		return;
	}
	switch (s->proto->kind) {
	case ST_LINE:
		follow_lines(ctx, s, dir, data, len);
		break;
	case ST_XMPP:
		follow_xmpp(ctx, s, dir, data, len);
		break;
	case ST_LDAP:
		follow_ldap(ctx, s, dir, data, len);
		break;
	case ST_PGSQL:
		follow_pgsql(ctx, s, dir, data, len);
		break;
	}
	if (dir == FLOW_TO_SERVER) {
		s->clear += len;
		if (!s->asked && s->clear > STARTTLS_MAX_CLEAR)
			s->done = true;
	}
}

/* ---- probes: the first bytes of a direction ------------------------------------------------ */

/* Whether the first line of data (up to 256 bytes) contains word, case-insensitive. */
static bool
first_line_has(const uint8_t *data, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len && i < 256 && data[i] != '\n'; i++)
		if (strncasecmp((const char *)data + i, word, n) == 0)
			return true;
	return false;
}

static bool
smtp_probe(const uint8_t *d, size_t len, enum flow_dir dir)
{
	if (dir == FLOW_TO_SERVER)
		return line_word((const char *)d, len < 5 ? len : 5, "EHLO") ||
		       line_word((const char *)d, len < 5 ? len : 5, "HELO");
	return len >= 4 && memcmp(d, "220", 3) == 0 && (d[3] == ' ' || d[3] == '-') &&
	       !first_line_has(d, len, "FTP");
}

static bool
ftp_probe(const uint8_t *d, size_t len, enum flow_dir dir)
{
	if (dir == FLOW_TO_SERVER)
		return false; /* a client speaks second */
	return len >= 4 && memcmp(d, "220", 3) == 0 && (d[3] == ' ' || d[3] == '-') &&
	       first_line_has(d, len, "FTP");
}

static bool
imap_probe(const uint8_t *d, size_t len, enum flow_dir dir)
{
	return dir == FLOW_TO_CLIENT && len >= 5 &&
	       (strncasecmp((const char *)d, "* OK ", 5) == 0 ||
		strncasecmp((const char *)d, "* PREAUTH ", len < 10 ? len : 10) == 0);
}

static bool
pop3_probe(const uint8_t *d, size_t len, enum flow_dir dir)
{
	return dir == FLOW_TO_CLIENT && len >= 4 && strncasecmp((const char *)d, "+OK ", 4) == 0;
}

static bool
xmpp_probe(const uint8_t *d, size_t len, enum flow_dir dir)
{
	(void)dir;
	return (len >= 14 && memmem(d, len < 256 ? len : 256, "<stream:stream", 14) != NULL);
}

static bool
ldap_probe(const uint8_t *d, size_t len, enum flow_dir dir)
{
	/* only the StartTLS request itself: other LDAP is not ours to name */
	return dir == FLOW_TO_SERVER && len > 8 && d[0] == 0x30 &&
	       memmem(d, len, LDAP_STARTTLS_OID, strlen(LDAP_STARTTLS_OID)) != NULL;
}

static bool
pgsql_probe(const uint8_t *d, size_t len, enum flow_dir dir)
{
	static const uint8_t req[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

	return dir == FLOW_TO_SERVER && len == 8 && memcmp(d, req, 8) == 0;
}

/* ---- the operations ------------------------------------------------------------------------ */

static void *
starttls_state_new_id(struct sw_memcap *mem, int id)
{
	struct starttls_state *s;

	if ((s = app_state_alloc(mem, sizeof(*s))) != NULL) {
		s->mem = mem;
		s->proto = proto_by_id(id);
	}
	return s;
}

static void
starttls_state_free(void *state)
{
	struct starttls_state *s = state;

	if (s == NULL)
		return;
	sw_memcap_give(s->mem, sizeof(*s));
	free(s);
}

#define STARTTLS_OPS(var, nm, ID, probefn)                                                      \
	static void *var##_state_new(struct sw_memcap *mem)                                    \
	{                                                                                      \
		return starttls_state_new_id(mem, ID);                                         \
	}                                                                                      \
	const struct app_parser_ops var = {                                                    \
	    .name = nm,                                                                        \
	    .id = ID,                                                                          \
	    .starttls = true,                                                                  \
	    .rule_names = NULL,                                                                \
	    .probe = probefn,                                                                  \
	    .state_new = var##_state_new,                                                      \
	    .state_free = starttls_state_free,                                                 \
	    .stream = starttls_stream,                                                         \
	    .datagram = NULL,                                                                  \
	    .flow_end = NULL,                                                                  \
	};

STARTTLS_OPS(app_parser_smtp, "smtp", APP_SMTP, smtp_probe)
STARTTLS_OPS(app_parser_imap, "imap", APP_IMAP, imap_probe)
STARTTLS_OPS(app_parser_pop3, "pop3", APP_POP3, pop3_probe)
STARTTLS_OPS(app_parser_ftp, "ftp", APP_FTP, ftp_probe)
STARTTLS_OPS(app_parser_xmpp, "xmpp", APP_XMPP, xmpp_probe)
STARTTLS_OPS(app_parser_ldap, "ldap", APP_LDAP, ldap_probe)
STARTTLS_OPS(app_parser_pgsql, "pgsql", APP_PGSQL, pgsql_probe)
