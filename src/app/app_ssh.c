/* src/app/app_ssh.c: the SSH identification strings (RFC 4253 4.2) of both sides: the ssh
 * event and the ssh.proto / ssh.software buffers, as Suricata 7 gives them. */
/*
 * Each side sends, before anything binary:
 *
 *   SSH-protoversion-softwareversion[ SP comments] CR LF       (at most 255 bytes)
 *
 * The server may send other lines first (RFC 4253 4.2); they are skipped, at most
 * SSH_PRE_LINES of them. A bare LF ends a line as well (OpenSSH accepts it). Once a direction's
 * line is in (or it went wrong: too long, not SSH, a gap), that direction is not read again.
 * The line is kept in the state (charged to app.memcap with it) so that the message can borrow
 * it; one message is emitted when both lines are in, or at flow end with the one there is.
 */
#include "config.h"

#include <string.h>

#include "app/app_int.h"
#include "stream/stream.h"

#define SSH_LINE_MAX  255 /* RFC 4253 4.2: CR LF included */
#define SSH_PRE_LINES 32  /* lines the server may send before its identification */

struct ssh_side {
	uint8_t line[SSH_LINE_MAX];
	size_t len;   /* bytes of the line so far */
	uint16_t pre; /* lines skipped before the identification */
	bool done;    /* this direction is not read any more */
	bool banner;  /* line[] holds the identification (CR LF removed) */
};

struct ssh_state {
	struct sw_memcap *mem;
	struct ssh_side side[2]; /* by enum flow_dir: FLOW_TO_SERVER is the client's */
	bool emitted;
	struct app_ssh_msg msg;
};

static bool
ssh_probe(const uint8_t *data, size_t len, enum flow_dir dir)
{
	(void)dir;
	return len >= 4 && memcmp(data, "SSH-", 4) == 0;
}

static void *
ssh_state_new(struct sw_memcap *mem)
{
	struct ssh_state *s = app_state_alloc(mem, sizeof(*s));

	if (s != NULL)
		s->mem = mem;
	return s;
}

static void
ssh_state_free(void *state)
{
	struct ssh_state *s = state;

	if (s == NULL)
		return;
	sw_memcap_give(s->mem, sizeof(*s));
	free(s);
}

/* "SSH-2.0-OpenSSH_9.2p1 Debian-2" into its proto and software parts; false when it is not
 * of that form (no version, no '-' after it). */
static bool
ssh_split(const uint8_t *p, size_t len, struct app_ssh_banner *b)
{
	size_t i = 4, sw;

	if (len < 4 || memcmp(p, "SSH-", 4) != 0)
		return false;
	while (i < len && p[i] != '-' && p[i] != ' ')
		i++;
	if (i == 4 || i == len || p[i] != '-')
		return false;
	b->proto.p = p + 4;
	b->proto.len = i - 4;
	sw = ++i;
	while (i < len && p[i] != ' ')
		i++;
	b->software.p = p + sw;
	b->software.len = i - sw;
	return true;
}

static void
ssh_emit(struct app_ctx *ctx, struct ssh_state *s, enum flow_dir dir)
{
	struct app_msg m = {.kind = APP_MSG_SSH, .dir = dir, .ts = ctx->ts};

	if (s->emitted || (!s->side[FLOW_TO_SERVER].banner && !s->side[FLOW_TO_CLIENT].banner))
		return;
	s->emitted = true;
	m.u.ssh = &s->msg;
	sw_counter_add(&ctx->st->messages[APP_SSH], 1);
	ctx->emit(ctx->arg, ctx->f, &m);
}

/* A whole line (terminator removed) of direction dir. */
static void
ssh_line(struct app_ctx *ctx, struct ssh_state *s, enum flow_dir dir)
{
	struct ssh_side *d = &s->side[dir];
	struct app_ssh_banner *b = dir == FLOW_TO_SERVER ? &s->msg.client : &s->msg.server;

	if (d->len > 0 && d->line[d->len - 1] == '\r')
		d->len--;
	if (d->len >= 4 && memcmp(d->line, "SSH-", 4) == 0) {
		d->done = true;
		if (!ssh_split(d->line, d->len, b)) {
			sw_counter_add(&ctx->st->errors[APP_SSH], 1);
			return;
		}
		d->banner = true;
		if (s->side[!dir].banner || s->side[!dir].done)
			ssh_emit(ctx, s, dir);
		return;
	}
	/* only the server may say something first */
	if (dir != FLOW_TO_CLIENT || ++d->pre > SSH_PRE_LINES) {
		d->done = true;
		sw_counter_add(&ctx->st->errors[APP_SSH], 1);
	}
	d->len = 0;
}

static void
ssh_stream(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len,
           unsigned flags)
{
	struct ssh_state *s = state;
	struct ssh_side *d;

	(void)flags;
	if (dir > FLOW_TO_CLIENT)
		return;
	d = &s->side[dir];
	if (d->done)
		return;
	if (data == NULL) { /* a gap: the line cannot be trusted */
		d->done = true;
		if (s->side[!dir].done)
			ssh_emit(ctx, s, dir);
		return;
	}
	for (size_t i = 0; i < len && !d->done; i++) {
		if (data[i] == '\n') {
			ssh_line(ctx, s, dir);
			continue;
		}
		if (d->len == SSH_LINE_MAX - 1) { /* no room left for the LF: too long */
			d->done = true;
			sw_counter_add(&ctx->st->errors[APP_SSH], 1);
			if (s->side[!dir].done)
				ssh_emit(ctx, s, dir);
			break;
		}
		d->line[d->len++] = data[i];
	}
}

static void
ssh_flow_end(struct app_ctx *ctx, void *state)
{
	struct ssh_state *s = state;

	ssh_emit(ctx, s, s->side[FLOW_TO_CLIENT].banner ? FLOW_TO_CLIENT : FLOW_TO_SERVER);
}

const struct app_parser_ops app_parser_ssh = {
    .name = "ssh",
    .id = APP_SSH,
    .rule_names = APP_NAMES("ssh"),
    .probe = ssh_probe,
    .state_new = ssh_state_new,
    .state_free = ssh_state_free,
    .stream = ssh_stream,
    .datagram = NULL,
    .flow_end = ssh_flow_end,
};

/* ---- descriptor: the ssh event and buffers ------------------------------------------------ */

static void
ssh_eve_side(struct jw *w, const char *key, const struct app_ssh_banner *b)
{
	if (b->proto.len == 0)
		return;
	jw_obj_begin(w, key);
	jw_strn(w, "proto_version", b->proto.p, b->proto.len);
	jw_strn(w, "software_version", b->software.p, b->software.len);
	jw_obj_end(w);
}

/* {"ssh":{"client":{"proto_version":"2.0","software_version":"OpenSSH_9.2p1"},"server":...}} */
static void
ssh_eve(struct jw *w, const struct app_msg *msg, bool in_alert)
{
	(void)in_alert;
	jw_obj_begin(w, "ssh");
	ssh_eve_side(w, "client", &msg->u.ssh->client);
	ssh_eve_side(w, "server", &msg->u.ssh->server);
	jw_obj_end(w);
}

/* Suricata inspects ssh.proto and ssh.software in both directions: the client's banner and the
 * server's are the buffer's two values (index 0, 1); a rule without a direction matches either,
 * one with flow:to_server the client's, flow:to_client the server's (values_by_dir). */
static int
ssh_buffer_i(const struct app_msg *m, size_t buf, size_t i, struct app_buf *out)
{
	const struct app_ssh_banner *b;

	if (buf > 1)
		return SW_E_INVAL;
	if (i > 1)
		return SW_E_NOTFOUND;
	b = i == 0 ? &m->u.ssh->client : &m->u.ssh->server;
	*out = buf == 0 ? b->proto : b->software;
	return 0;
}

static int
ssh_buf_proto(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	*out = m->u.ssh->client.proto.len > 0 ? m->u.ssh->client.proto : m->u.ssh->server.proto;
	return 0;
}

static int
ssh_buf_software(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	*out =
	    m->u.ssh->client.proto.len > 0 ? m->u.ssh->client.software : m->u.ssh->server.software;
	return 0;
}

static const struct app_buffer_desc ssh_buffers[] = {
    {"ssh.proto", APP_NAMES("ssh_proto"), NULL, -1, ssh_buf_proto},
    {"ssh.software", APP_NAMES("ssh_software"), NULL, -1, ssh_buf_software},
};

const struct app_msg_desc app_desc_ssh = {
    .kind = APP_MSG_SSH,
    .name = "ssh",
    .proto = APP_SSH,
    .one_way = false,
    .buffers = ssh_buffers,
    .nbuffers = sizeof(ssh_buffers) / sizeof(ssh_buffers[0]),
    .eve = ssh_eve,
    .observables = NULL,
    .buffer_i = ssh_buffer_i,
    .values_by_dir = true,
};
