/* src/app/app_openvpn.c: OpenVPN's control channel (OpenVPN 2.x protocol, "ssl.h" of openvpn):
 * the TLS handshake it carries, handed to the TLS parser. */
/*
 * Over UDP a datagram is one packet; over TCP each packet has a 2-byte length before it. A
 * control packet, without --tls-auth:
 *
 *   +--------+----------------+-------+------------------+----------------+--------+--------
 *   | op|key | session id (8) | n (1) | n acked ids (4n) | remote sid (8) | id (4) | TLS
 *   +--------+----------------+-------+------------------+  (when n > 0)  +--------+ bytes
 *   op = top 5 bits: 1, 2 hard reset v1; 7, 8 hard reset v2; 10 hard reset v3 (client);
 *   3 soft reset; 4 P_CONTROL_V1 (carries TLS); 5 P_ACK_V1 (no id, no TLS); 6, 9 data
 *
 * With --tls-auth an HMAC and a replay id (4) and time (4) follow the session id; its size is
 * learnt from the client's first hard reset, whose fields after it are known (no acks, id 0):
 * 0 (no auth), 16, 20, 32 or 64 bytes (MD5, SHA-1, SHA-256, SHA-512). With --tls-crypt the
 * rest is encrypted: nothing matches, the flow is counted as an error and left alone.
 *
 * P_CONTROL_V1 payloads are the TLS stream of each direction in message-id order: a payload
 * with the next id is handed to the TLS parser, earlier ids (retransmissions) are dropped, and
 * up to OVPN_PENDING later ones are kept (charged to app.memcap) until the gap is filled.
 *
 * Each key id is a TLS session of its own: a client's hard reset (a new session on the same
 * addresses and ports) or a soft reset with a new key id (renegotiation, in clear like the
 * first handshake) starts a new TLS parser; each handshake gives its own tls event.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"
#include "stream/stream.h"

#define OVPN_HARD_RESET_CLIENT_V1 1
#define OVPN_HARD_RESET_SERVER_V1 2
#define OVPN_SOFT_RESET_V1        3
#define OVPN_CONTROL_V1           4
#define OVPN_ACK_V1               5
#define OVPN_DATA_V1              6
#define OVPN_HARD_RESET_CLIENT_V2 7
#define OVPN_HARD_RESET_SERVER_V2 8
#define OVPN_DATA_V2              9
#define OVPN_HARD_RESET_CLIENT_V3 10
#define OVPN_CONTROL_WKC_V1       11

#define OVPN_PENDING  16   /* out-of-order control payloads kept per direction */
#define OVPN_PKT_MAX  4096 /* largest TCP-framed packet gathered */
#define OVPN_ACKS_MAX 8    /* acks per packet (openvpn's CONTROL_SEND_ACK_MAX is 4..8) */

static const uint8_t hmac_sizes[] = {0, 20, 32, 64, 16};

struct ovpn_pending {
	uint32_t id;
	uint8_t *p;
	size_t len;
};

struct ovpn_dir {
	uint32_t next_id; /* the message id the TLS stream needs next */
	struct ovpn_pending pend[OVPN_PENDING];
	uint8_t npend;
	uint8_t *pkt; /* TCP: the packet being gathered (2-byte length first) */
	size_t pkt_len;
	bool stopped;
};

struct ovpn_state {
	struct sw_memcap *mem;
	struct ovpn_dir dir[2];
	int hmac;     /* tls-auth HMAC size; -1 until the client's hard reset was read */
	bool failed;  /* tls-crypt or not OpenVPN: nothing more is read */
	bool started; /* a session is under way (key_id is its key) */
	uint8_t key_id;
	void *tls; /* the TLS parser's state */
};

static uint8_t
ovpn_op(uint8_t b)
{
	return b >> 3;
}

static bool
ovpn_hard_reset_client(uint8_t op)
{
	return op == OVPN_HARD_RESET_CLIENT_V1 || op == OVPN_HARD_RESET_CLIENT_V2 ||
	       op == OVPN_HARD_RESET_CLIENT_V3;
}

/* Whether p (a client's hard reset) reads as one with an HMAC of h bytes: no acks, id 0. */
static bool
ovpn_reset_fits(const uint8_t *p, size_t len, size_t h)
{
	size_t off = 1 + 8 + (h > 0 ? h + 8 : 0);

	return len >= off + 5 && p[off] == 0 && p[off + 1] == 0 && p[off + 2] == 0 &&
	       p[off + 3] == 0 && p[off + 4] == 0;
}

static void
ovpn_tls(struct app_ctx *ctx, struct ovpn_state *s, enum flow_dir dir, const uint8_t *p, size_t len)
{
	if (s->tls != NULL && len > 0)
		app_parser_tls.stream(ctx, s->tls, dir, p, len, 0);
}

static void
pending_drop(struct ovpn_state *s, struct ovpn_dir *d, uint8_t i)
{
	sw_memcap_give(s->mem, d->pend[i].len);
	free(d->pend[i].p);
	d->pend[i] = d->pend[--d->npend];
}

/* A control payload with message id `id`: handed over in order, kept when early. */
static void
ovpn_payload(struct app_ctx *ctx, struct ovpn_state *s, enum flow_dir dir, uint32_t id,
             const uint8_t *p, size_t len)
{
	struct ovpn_dir *d = &s->dir[dir];
	bool more = true;

	if (id < d->next_id)
		return; /* a retransmission */
	if (id > d->next_id) {
		uint8_t *copy;

		for (uint8_t i = 0; i < d->npend; i++)
			if (d->pend[i].id == id)
				return;
		if (d->npend >= OVPN_PENDING || !sw_memcap_take(s->mem, len))
			return;
		if ((copy = malloc(len > 0 ? len : 1)) == NULL) {
			sw_memcap_give(s->mem, len);
			return;
		}
		if (len > 0)
			memcpy(copy, p, len);
		d->pend[d->npend].id = id;
		d->pend[d->npend].p = copy;
		d->pend[d->npend].len = len;
		d->npend++;
		return;
	}
	ovpn_tls(ctx, s, dir, p, len);
	d->next_id++;
	while (more) {
		more = false;
		for (uint8_t i = 0; i < d->npend; i++) {
			if (d->pend[i].id != d->next_id)
				continue;
			ovpn_tls(ctx, s, dir, d->pend[i].p, d->pend[i].len);
			d->next_id++;
			pending_drop(s, d, i);
			more = true;
			break;
		}
	}
}

/* A new TLS session (hard or soft reset): what the last one had is emitted, its state goes. */
static void
ovpn_new_session(struct app_ctx *ctx, struct ovpn_state *s, uint8_t key_id)
{
	if (s->started) {
		app_parser_tls.flow_end(ctx, s->tls);
		app_parser_tls.state_free(s->tls);
		s->tls = app_parser_tls.state_new(s->mem);
		for (int i = 0; i < 2; i++) {
			while (s->dir[i].npend > 0)
				pending_drop(s, &s->dir[i], 0);
			s->dir[i].next_id = 0;
		}
	}
	s->started = true;
	s->key_id = key_id;
}

/* One OpenVPN packet (without TCP's length). */
static void
ovpn_packet(struct app_ctx *ctx, struct ovpn_state *s, enum flow_dir dir, const uint8_t *p,
            size_t len)
{
	struct cursor c;
	uint8_t b, op, nack;
	uint32_t id;

	if (s->failed || len < 1)
		return;
	op = ovpn_op(p[0]);
	if (op == OVPN_DATA_V1 || op == OVPN_DATA_V2)
		return;
	if (dir == FLOW_TO_SERVER && ovpn_hard_reset_client(op) && s->started)
		s->hmac = -1; /* a new session on the same ports: its framing may differ */
	if (s->hmac < 0) {
		if (dir != FLOW_TO_SERVER || !ovpn_hard_reset_client(op))
			return; /* the client's first packet tells the framing */
		for (size_t i = 0; i < sizeof(hmac_sizes); i++) {
			if (ovpn_reset_fits(p, len, hmac_sizes[i])) {
				s->hmac = hmac_sizes[i];
				break;
			}
		}
		if (s->hmac < 0) { /* --tls-crypt, or not OpenVPN */
			s->failed = true;
			if (ctx->st != NULL)
				sw_counter_add(&ctx->st->errors[APP_OPENVPN], 1);
			return;
		}
	}
	cur_init(&c, p, len);
	if (cur_u8(&c, &b) != 0 || cur_skip(&c, 8) != 0 ||
	    (s->hmac > 0 && cur_skip(&c, (size_t)s->hmac + 8) != 0) || cur_u8(&c, &nack) != 0 ||
	    nack > OVPN_ACKS_MAX || cur_skip(&c, 4u * nack + (nack > 0 ? 8 : 0)) != 0)
		goto bad;
	if (op == OVPN_ACK_V1)
		return;
	if ((dir == FLOW_TO_SERVER && ovpn_hard_reset_client(op)) ||
	    (op == OVPN_SOFT_RESET_V1 && (p[0] & 7) != s->key_id))
		ovpn_new_session(ctx, s, p[0] & 7);
	else if ((p[0] & 7) != s->key_id)
		return; /* another key's session: only the latest is followed */
	if (cur_be32(&c, &id) != 0)
		goto bad;
	if (op == OVPN_CONTROL_V1)
		ovpn_payload(ctx, s, dir, id, c.p, cur_left(&c));
	else if (op != OVPN_CONTROL_WKC_V1) /* a reset takes an id too (0), carries no TLS */
		ovpn_payload(ctx, s, dir, id, c.p, 0);
	return;
bad:
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->errors[APP_OPENVPN], 1);
}

static void
ovpn_datagram(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len)
{
	struct ovpn_state *s = state;

	if (s != NULL && dir <= FLOW_TO_CLIENT)
		ovpn_packet(ctx, s, dir, data, len);
}

/* TCP: packets behind a 2-byte length, gathered when they straddle chunks. */
static void
ovpn_stream(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len,
            unsigned flags)
{
	struct ovpn_state *s = state;
	struct ovpn_dir *d;
	size_t off = 0;

	if (s == NULL || dir > FLOW_TO_CLIENT || s->failed)
		return;
	d = &s->dir[dir];
	if (flags & STREAM_CHUNK_GAP) {
		d->stopped = true; /* the framing is lost */
		return;
	}
	while (data != NULL && off < len && !d->stopped && !s->failed) {
		size_t want, take;

		if (d->pkt == NULL) {
			if (!sw_memcap_take(s->mem, OVPN_PKT_MAX + 2))
				return;
			if ((d->pkt = malloc(OVPN_PKT_MAX + 2)) == NULL) {
				sw_memcap_give(s->mem, OVPN_PKT_MAX + 2);
				return;
			}
		}
		want = d->pkt_len < 2 ? 2 : 2 + ((size_t)d->pkt[0] << 8 | d->pkt[1]);
		if (want > OVPN_PKT_MAX + 2) {
			d->stopped = true;
			if (ctx->st != NULL)
				sw_counter_add(&ctx->st->errors[APP_OPENVPN], 1);
			return;
		}
		take = want - d->pkt_len < len - off ? want - d->pkt_len : len - off;
		memcpy(d->pkt + d->pkt_len, data + off, take);
		d->pkt_len += take;
		off += take;
		if (d->pkt_len < want)
			continue;
		if (want == 2 && (d->pkt[0] | d->pkt[1]) != 0)
			continue; /* the length is in: now the packet */
		if (want > 2)
			ovpn_packet(ctx, s, dir, d->pkt + 2, d->pkt_len - 2);
		d->pkt_len = 0; /* an empty packet is skipped */
	}
}

static void
ovpn_flow_end(struct app_ctx *ctx, void *state)
{
	struct ovpn_state *s = state;

	if (s != NULL && s->tls != NULL)
		app_parser_tls.flow_end(ctx, s->tls);
}

static void *
ovpn_state_new(struct sw_memcap *mem)
{
	struct ovpn_state *s;

	if ((s = app_state_alloc(mem, sizeof(*s))) == NULL)
		return NULL;
	s->mem = mem;
	s->hmac = -1;
	if ((s->tls = app_parser_tls.state_new(mem)) == NULL) {
		sw_memcap_give(mem, sizeof(*s));
		free(s);
		return NULL;
	}
	return s;
}

static void
ovpn_state_free(void *state)
{
	struct ovpn_state *s = state;

	if (s == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		while (s->dir[i].npend > 0)
			pending_drop(s, &s->dir[i], 0);
		if (s->dir[i].pkt != NULL) {
			free(s->dir[i].pkt);
			sw_memcap_give(s->mem, OVPN_PKT_MAX + 2);
		}
	}
	app_parser_tls.state_free(s->tls);
	sw_memcap_give(s->mem, sizeof(*s));
	free(s);
}

/* A client's hard reset with key id 0 that fits one of the HMAC sizes. */
static bool
ovpn_first_packet(const uint8_t *p, size_t len)
{
	if ((p[0] & 7) != 0 || !ovpn_hard_reset_client(ovpn_op(p[0])))
		return false;
	for (size_t i = 0; i < sizeof(hmac_sizes); i++)
		if (ovpn_reset_fits(p, len, hmac_sizes[i]))
			return true;
	return false;
}

/*
 * The client's first packet: a hard reset, key id 0, session id, and (with no tls-auth) no
 * acks and message id 0; over TCP after a 2-byte length that matches the data.
 */
static bool
ovpn_probe(const uint8_t *data, size_t len, enum flow_dir dir)
{
	size_t n;

	if (dir != FLOW_TO_SERVER || len < 14)
		return false;
	if (ovpn_hard_reset_client(ovpn_op(data[0])))
		return ovpn_first_packet(data, len); /* UDP */
	n = (size_t)data[0] << 8 | data[1];          /* TCP */
	return n >= 14 && n <= OVPN_PKT_MAX && n <= len - 2 && ovpn_first_packet(data + 2, n);
}

const struct app_parser_ops app_parser_openvpn = {
    .name = "openvpn",
    .id = APP_OPENVPN,
    .rule_names = NULL,
    .probe = ovpn_probe,
    .state_new = ovpn_state_new,
    .state_free = ovpn_state_free,
    .stream = ovpn_stream,
    .datagram = ovpn_datagram,
    .flow_end = ovpn_flow_end,
};
