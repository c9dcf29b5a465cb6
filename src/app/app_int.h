/* src/app/app_int.h: private to src/app: the dispatch entry points used by the wiring. */
#ifndef SW_APP_INT_H
#define SW_APP_INT_H

#include <string.h>

#include "app/app.h"
#include "dpi/dpi.h"

#include <stdlib.h>

/* size zeroed bytes of per-flow state charged to mem (NULL: no accounting): NULL when the cap
 * refuses them (counted there) or out of memory. The caller gives them back when it frees. */
static inline void *
app_state_alloc(struct sw_memcap *mem, size_t size)
{
	return sw_memcap_alloc(mem, size, true); /* from the worker's pool of that size, if any */
}

/* Gives back what app_state_alloc(mem, size) returned; NULL-safe. */
static inline void
app_state_release(struct sw_memcap *mem, size_t size, void *p)
{
	sw_memcap_free(mem, size, p);
}

/* The sizes the app worker keeps pools of (APP_POOL_*), from the parsers that own the types */
extern const size_t app_http_state_size, app_http_txn_size, app_tls_state_size,
    app_dns_state_size, app_tls_work_size;


/* The descriptors of the message kinds (app.c numbers their buffers in this order). */
extern const struct app_msg_desc app_desc_dns, app_desc_tls, app_desc_http, app_desc_file,
    app_desc_quic, app_desc_ssh;
extern const struct app_msg_desc app_desc_frame;

/* ---- frames (app_frame.c) ---- */

/* Whether rules want frames of type (APP_FRAME_*) from this parser call. */
static inline bool
app_frame_wanted(const struct app_ctx *ctx, int type)
{
	return (ctx->frames & (1u << type)) != 0;
}

/* Hands frame type of direction dir, bytes p[0..len), to the rules (when wanted). */
void app_frame_emit(struct app_ctx *ctx, enum flow_dir dir, int proto, int type, const uint8_t *p,
		    size_t len);

/*
 * One direction's PDUs whose length their first hdr_size bytes give (TLS records, SSH binary
 * packets), put back together across stream chunks: on_hdr gets each PDU's first hdr_size
 * bytes, on_pdu each whole PDU (borrowed from the chunk when it is all there, else from the
 * framer's buffer, charged to app.memcap; a PDU the cap refuses is skipped and counted in
 * app.frames_memcap). gather: whether whole PDUs are wanted (else only the headers are read).
 */
struct app_framer {
	uint8_t hdr[8];
	size_t hdr_len;
	size_t need; /* the current PDU's length, header included; 0 while the header is read */
	size_t have; /* bytes of it seen */
	uint8_t *buf;
	size_t cap;
	bool skip;    /* the PDU is not gathered (not wanted or refused) */
	bool stopped; /* a gap or a bad length: boundaries are lost, nothing more is read */
};

struct app_framer_ops {
	size_t hdr_size;
	/* the PDU's whole length from its first hdr_size bytes; 0: not a PDU (the framer stops) */
	size_t (*pdu_len)(const uint8_t *hdr);
	void (*on_hdr)(struct app_ctx *ctx, void *arg, const uint8_t *hdr);
	/* returns false to stop the framer (the protocol's clear part is over) */
	bool (*on_pdu)(struct app_ctx *ctx, void *arg, const uint8_t *pdu, size_t len);
};

/* data NULL: a gap, the framer stops (its buffer goes back to ctx->mem). */
void app_framer_feed(struct app_ctx *ctx, struct app_framer *fr, const struct app_framer_ops *ops,
		     void *arg, bool gather, const uint8_t *data, size_t len);
/* Frees the framer's buffer (its charge back to mem) and stops it. */
void app_framer_stop(struct app_framer *fr, struct sw_memcap *mem);

/* The TLS handshake parser without the record layer, for QUIC's CRYPTO streams (the end of
 * app_tls.c). app_tls_quic_new charges its state to mem (NULL when refused); _free is
 * NULL-safe. app_tls_quic_handshake feeds n in-order handshake bytes of direction dir:
 * 0, or a negative SW_E_* when they are malformed or too big (that direction is then
 * ignored); fn (may be NULL) gets each hello that ends before the handshake does (the first
 * ClientHello with a HelloRetryRequest, or a ClientHello sent again), valid for the call.
 * app_tls_quic_msg gives the fields parsed so far (valid until the next call or the free),
 * and in *done whether a TLS 1.3 ServerHello ended the clear part. */
struct tls_state;
typedef void app_tls_quic_hello_fn(void *arg, const struct app_tls_msg *m);
struct tls_state *app_tls_quic_new(struct sw_memcap *mem);
void app_tls_quic_free(struct tls_state *s);
int app_tls_quic_handshake(struct tls_state *s, enum flow_dir dir, const uint8_t *p, size_t n,
			   app_tls_quic_hello_fn *fn, void *arg);
const struct app_tls_msg *app_tls_quic_msg(const struct tls_state *s, bool *done);

/* A NUL-terminated text field as a buffer. */
static inline struct app_buf
app_buf_text(const char *s)
{
	struct app_buf b = {(const uint8_t *)s, strlen(s)};

	return b;
}

/* "buffer get" functions share this shape (app_buffer_desc.get). */
#define APP_BUFFER_GETTER(fn, type, member, expr)                                              \
	static int fn(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size) \
	{                                                                                      \
		const type *member = m->u.member;                                              \
		(void)scratch;                                                                 \
		(void)size;                                                                    \
		*out = (expr);                                                                 \
		return 0;                                                                      \
	}

/* A NULL-terminated list of names for app_buffer_desc.aliases and .modifiers. */
#define APP_NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The http object of a transaction (app_http.c), also written by file events. */
struct jw;
void app_http_eve_txn(struct jw *w, const struct app_http_txn *t, bool headers);

#endif
