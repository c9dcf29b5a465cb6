/* src/app/app_ssh.c: the SSH identification strings (RFC 4253 4.2) and HASSH of both sides:
 * the ssh event and the ssh.proto / ssh.software / ssh.hassh* buffers, as Suricata 7 gives
 * them. */
/*
 * Each side sends, before anything binary:
 *
 *   SSH-protoversion-softwareversion[ SP comments] CR LF       (at most 255 bytes)
 *
 * The server may send other lines first (RFC 4253 4.2); they are skipped, at most
 * SSH_PRE_LINES of them. A bare LF ends a line as well (OpenSSH accepts it). Once a direction's
 * line is in, its first binary packet (the KEXINIT, RFC 4253 7.1, at most SSH_KEX_MAX bytes,
 * charged to app.memcap) is read for HASSH: MD5 of "kex;enc;mac;cmp", the client's
 * client-to-server lists and the server's server-to-client ones. After that (or when it went
 * wrong: too long, not SSH, a gap) the direction is not read again. The line is kept in the
 * state (charged to app.memcap with it) so that the message can borrow it; one message is
 * emitted when both directions are through, or at flow end with what there is.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "app/app_int.h"
#include "stream/stream.h"

#define SSH_LINE_MAX  255 /* RFC 4253 4.2: CR LF included */
#define SSH_PRE_LINES 32  /* lines the server may send before its identification */
#define SSH_KEX_MAX   16384 /* the largest first binary packet (KEXINIT) read for HASSH */
#define SSH_MSG_KEXINIT 20

struct ssh_side {
	uint8_t line[SSH_LINE_MAX];
	size_t len;   /* bytes of the line so far */
	uint16_t pre; /* lines skipped before the identification */
	bool done;    /* this direction is not read any more */
	bool banner;  /* line[] holds the identification (CR LF removed) */
	bool kex;     /* the banner is in: reading the first binary packet (KEXINIT, RFC 4253
			 7.1) for HASSH */
	uint8_t hdr[5];   /* that packet's length and padding length */
	size_t hdr_len;
	uint8_t *pkt;     /* the packet (charged to app.memcap), pkt_need bytes in the end */
	size_t pkt_len, pkt_need;
	char *hassh_str;  /* the HASSH string (charged), borrowed by the message */
	size_t hassh_len;
	/* frames (app_frame.c): the binary packets after the banner, through NEWKEYS, when rules
	 * wanted SSH frames as the banner ended */
	struct app_framer fr;
	bool frames;
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
	for (int i = 0; i < 2; i++) {
		app_framer_stop(&s->side[i].fr, s->mem);
		if (s->side[i].pkt != NULL)
			sw_memcap_give(s->mem, s->side[i].pkt_need);
		free(s->side[i].pkt);
		if (s->side[i].hassh_str != NULL)
			sw_memcap_give(s->mem, s->side[i].hassh_len + 1);
		free(s->side[i].hassh_str);
	}
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

/* Direction dir is not read any more; the message goes out once both are so. */
static void
ssh_side_end(struct app_ctx *ctx, struct ssh_state *s, enum flow_dir dir)
{
	struct ssh_side *d = &s->side[dir];

	d->done = true;
	d->kex = false;
	if (d->pkt != NULL) {
		sw_memcap_give(s->mem, d->pkt_need);
		free(d->pkt);
		d->pkt = NULL;
	}
	if (s->side[!dir].done)
		ssh_emit(ctx, s, dir);
}

/* Name-list i (RFC 4251 5) of a KEXINIT payload after the cookie; false when malformed. */
static bool
ssh_name_lists(const uint8_t *p, size_t len, struct app_buf lists[8])
{
	size_t at = 0;

	for (int i = 0; i < 8; i++) {
		uint32_t n;

		if (len - at < 4)
			return false;
		n = (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 | (uint32_t)p[at + 2] << 8 |
		    p[at + 3];
		at += 4;
		if (n > len - at)
			return false;
		lists[i].p = p + at;
		lists[i].len = n;
		at += n;
	}
	return true;
}

/* The whole first binary packet of dir: HASSH if it is a KEXINIT. */
static void
ssh_kexinit(struct ssh_state *s, enum flow_dir dir)
{
	struct ssh_side *d = &s->side[dir];
	struct app_ssh_banner *b = dir == FLOW_TO_SERVER ? &s->msg.client : &s->msg.server;
	size_t plen = d->pkt_need - 4, pad = d->hdr[4], at = 0, n;
	const uint8_t *pay = d->pkt + 5;
	struct app_buf l[8];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int pick[4];
	char *str;

	if (pad + 1 >= plen)
		return;
	n = plen - 1 - pad; /* payload bytes */
	if (n < 17 || pay[0] != SSH_MSG_KEXINIT || !ssh_name_lists(pay + 17, n - 17, l))
		return;
	pick[0] = 0; /* kex; then enc, mac, compression of the side's direction */
	pick[1] = dir == FLOW_TO_SERVER ? 2 : 3;
	pick[2] = dir == FLOW_TO_SERVER ? 4 : 5;
	pick[3] = dir == FLOW_TO_SERVER ? 6 : 7;
	n = l[pick[0]].len + l[pick[1]].len + l[pick[2]].len + l[pick[3]].len + 3;
	if (!sw_memcap_take(s->mem, n + 1))
		return;
	if ((str = malloc(n + 1)) == NULL) {
		sw_memcap_give(s->mem, n + 1);
		return;
	}
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			str[at++] = ';';
		if (l[pick[i]].len > 0)
			memcpy(str + at, l[pick[i]].p, l[pick[i]].len);
		at += l[pick[i]].len;
	}
	str[at] = '\0';
	if (EVP_Digest(str, at, md, &mdlen, EVP_md5(), NULL) != 1 || mdlen != 16) {
		sw_memcap_give(s->mem, n + 1);
		free(str);
		return;
	}
	d->hassh_str = str;
	d->hassh_len = n;
	for (unsigned i = 0; i < 16; i++)
		snprintf(b->hassh + 2 * i, 3, "%02x", md[i]);
	b->hassh_string.p = (const uint8_t *)str;
	b->hassh_string.len = at;
}

/* Bytes of dir after its banner: the first binary packet, read whole (at most SSH_KEX_MAX). */
static void
ssh_kex(struct app_ctx *ctx, struct ssh_state *s, enum flow_dir dir, const uint8_t *p, size_t n)
{
	struct ssh_side *d = &s->side[dir];

	while (n > 0 && d->hdr_len < 5) {
		d->hdr[d->hdr_len++] = *p++;
		n--;
	}
	if (d->hdr_len < 5)
		return;
	if (d->pkt == NULL) {
		uint32_t plen = (uint32_t)d->hdr[0] << 24 | (uint32_t)d->hdr[1] << 16 |
		                (uint32_t)d->hdr[2] << 8 | d->hdr[3];

		if (plen < 2 || plen > SSH_KEX_MAX || !sw_memcap_take(s->mem, (size_t)plen + 4)) {
			ssh_side_end(ctx, s, dir);
			return;
		}
		d->pkt_need = (size_t)plen + 4;
		if ((d->pkt = malloc(d->pkt_need)) == NULL) {
			sw_memcap_give(s->mem, d->pkt_need);
			ssh_side_end(ctx, s, dir);
			return;
		}
		memcpy(d->pkt, d->hdr, 5);
		d->pkt_len = 5;
	}
	if (n > d->pkt_need - d->pkt_len)
		n = d->pkt_need - d->pkt_len;
	if (n > 0)
		memcpy(d->pkt + d->pkt_len, p, n);
	d->pkt_len += n;
	if (d->pkt_len < d->pkt_need)
		return;
	ssh_kexinit(s, dir);
	ssh_side_end(ctx, s, dir);
}

/* ---- frames: the clear binary packets (RFC 4253 6) ------------------------------------------ */

#define SSH_FRAMES                                                                             \
	((1u << APP_FRAME_SSH_RECORD_HDR) | (1u << APP_FRAME_SSH_RECORD_DATA) |                \
	 (1u << APP_FRAME_SSH_RECORD_PDU))
#define SSH_MSG_NEWKEYS 21
#define SSH_FRAME_MAX   (256u * 1024) /* a longer packet_length: not a clear packet */

/* packet_length + 4 from a packet's first bytes; 0 when the length is not a packet's */
static size_t
ssh_frame_len(const uint8_t *h)
{
	uint32_t plen = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];

	return plen >= 2 && plen <= SSH_FRAME_MAX ? (size_t)plen + 4 : 0;
}

static void
ssh_frame_hdr(struct app_ctx *ctx, void *arg, const uint8_t *hdr)
{
	app_frame_emit(ctx, *(const enum flow_dir *)arg, APP_SSH, APP_FRAME_SSH_RECORD_HDR, hdr, 6);
}

/* After the NEWKEYS the packets are encrypted: the framer stops there (as Suricata's). */
static bool
ssh_frame_pdu(struct app_ctx *ctx, void *arg, const uint8_t *pdu, size_t len)
{
	enum flow_dir dir = *(const enum flow_dir *)arg;

	app_frame_emit(ctx, dir, APP_SSH, APP_FRAME_SSH_RECORD_DATA, pdu + 6, len - 6);
	app_frame_emit(ctx, dir, APP_SSH, APP_FRAME_SSH_RECORD_PDU, pdu, len);
	return pdu[5] != SSH_MSG_NEWKEYS;
}

static const struct app_framer_ops ssh_framer_ops = {
    .hdr_size = 6,
    .pdu_len = ssh_frame_len,
    .on_hdr = ssh_frame_hdr,
    .on_pdu = ssh_frame_pdu,
};

/* Binary bytes of dir (after its banner) to the framer; data NULL: a gap ends it. */
static void
ssh_frames(struct app_ctx *ctx, struct ssh_state *s, enum flow_dir dir, const uint8_t *data,
           size_t len)
{
	if (s->side[dir].frames)
		app_framer_feed(ctx, &s->side[dir].fr, &ssh_framer_ops, &dir,
		                (ctx->frames & (SSH_FRAMES & ~(1u << APP_FRAME_SSH_RECORD_HDR))) != 0,
		                data, len);
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
		if (!ssh_split(d->line, d->len, b)) {
			sw_counter_add(&ctx->st->errors[APP_SSH], 1);
			ssh_side_end(ctx, s, dir);
			return;
		}
		d->banner = true;
		d->kex = true; /* the message waits for the KEXINIT (HASSH) */
		d->frames = (ctx->frames & SSH_FRAMES) != 0; /* binary packets start here */
		return;
	}
	/* only the server may say something first */
	if (dir != FLOW_TO_CLIENT || ++d->pre > SSH_PRE_LINES) {
		sw_counter_add(&ctx->st->errors[APP_SSH], 1);
		ssh_side_end(ctx, s, dir);
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
	if (d->done) {
		ssh_frames(ctx, s, dir, data, len);
		return;
	}
	if (d->kex && data != NULL) {
		ssh_frames(ctx, s, dir, data, len);
		ssh_kex(ctx, s, dir, data, len);
		return;
	}
	if (data == NULL) { /* a gap: the line or packet cannot be trusted */
		ssh_frames(ctx, s, dir, NULL, 0);
		ssh_side_end(ctx, s, dir);
		return;
	}
	for (size_t i = 0; i < len && !d->done; i++) {
		if (d->kex) { /* the rest is the binary packet */
			ssh_frames(ctx, s, dir, data + i, len - i);
			ssh_kex(ctx, s, dir, data + i, len - i);
			return;
		}
		if (data[i] == '\n') {
			ssh_line(ctx, s, dir);
			continue;
		}
		if (d->len == SSH_LINE_MAX - 1) { /* no room left for the LF: too long */
			sw_counter_add(&ctx->st->errors[APP_SSH], 1);
			ssh_side_end(ctx, s, dir);
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
	if (b->hassh[0] != '\0') { /* as Suricata's client.hassh / server.hassh */
		jw_obj_begin(w, "hassh");
		jw_str(w, "hash", b->hassh);
		jw_strn(w, "string", b->hassh_string.p, b->hassh_string.len);
		jw_obj_end(w);
	}
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

/* HASSH (Suricata 7's ssh.hassh, ssh.hassh.string: the client's; ssh.hassh.server,
 * ssh.hassh.server.string: the server's): SW_E_NOTFOUND when that side's KEXINIT was not read */
static int
ssh_hassh_get(const struct app_ssh_banner *b, bool str, struct app_buf *out)
{
	if (b->hassh[0] == '\0')
		return SW_E_NOTFOUND;
	*out = str ? b->hassh_string : app_buf_text(b->hassh);
	return 0;
}

static int
ssh_buf_hassh(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	return ssh_hassh_get(&m->u.ssh->client, false, out);
}

static int
ssh_buf_hassh_str(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	return ssh_hassh_get(&m->u.ssh->client, true, out);
}

static int
ssh_buf_hassh_srv(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	return ssh_hassh_get(&m->u.ssh->server, false, out);
}

static int
ssh_buf_hassh_srv_str(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	return ssh_hassh_get(&m->u.ssh->server, true, out);
}

static const struct app_buffer_desc ssh_buffers[] = {
    {"ssh.proto", APP_NAMES("ssh_proto"), NULL, -1, ssh_buf_proto},
    {"ssh.software", APP_NAMES("ssh_software"), NULL, -1, ssh_buf_software},
    {"ssh.hassh", APP_NAMES("ssh_hassh"), NULL, FLOW_TO_SERVER, ssh_buf_hassh},
    {"ssh.hassh.string", APP_NAMES("ssh_hassh_string"), NULL, FLOW_TO_SERVER, ssh_buf_hassh_str},
    {"ssh.hassh.server", APP_NAMES("ssh_hassh_server"), NULL, FLOW_TO_CLIENT, ssh_buf_hassh_srv},
    {"ssh.hassh.server.string", APP_NAMES("ssh_hassh_server_string"), NULL, FLOW_TO_CLIENT,
     ssh_buf_hassh_srv_str},
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
