/* src/app/app_http.c: HTTP/1.x parser and the files its bodies carry (RFC 9112, 9110, 3986, 1950-1952). */
/*
 * Each direction of the reassembled TCP stream is a sequence of messages:
 *
 *   start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
 *
 * The header block of the message being read is gathered in a per-direction buffer of at most
 * HTTP_HDR_MAX bytes (more: an error, and that direction is no longer parsed). A request makes a
 * transaction, queued (at most HTTP_TXN_MAX pending: pipelining); a response goes to the oldest
 * transaction without one. Interim 1xx responses (100-continue) are skipped. A transaction is
 * emitted (APP_MSG_HTTP, then one APP_MSG_FILE per non-empty body) when its request and its
 * response are both complete, or at flow end / on a gap with what there is, marked truncated.
 *
 * Bodies: Content-Length, chunked (extensions ignored, trailers read and dropped), until the
 * server closes (responses without a length), none for HEAD responses, 1xx, 204 and 304.
 * Content-Encoding gzip / x-gzip / deflate is decoded with zlib (deflate: zlib wrapper, or raw
 * deflate when the wrapper is missing); other codings are passed through undecoded. A body that
 * fails to decode is marked truncated and no more of it is decoded.
 *
 * Body depth: the first HTTP_BODY_DEPTH (16 KiB) decoded bytes are kept (req_body / resp_body),
 * which bounds the memory of many concurrent transfers; the whole decoded body is counted (*_body_len) and hashed (MD5, SHA-1, SHA-256 with libcrypto EVP, one
 * set of contexts per direction, made at the first body), so a file past the depth is still
 * complete with its real hashes. A truncated body (a gap, the reassembly depth, the connection
 * ending before the announced length, a decode error) has no hashes ("").
 *
 * Gaps: the message being read in that direction is marked truncated and the direction is no
 * longer parsed (no resynchronisation). A gap to the client also emits every pending
 * transaction, since no response will be matched any more.
 *
 * Text forms: header values without surrounding blanks; the raw header blocks are the field lines
 * after the start line, up to and including the empty line; the normalized URI percent-decodes
 * unreserved characters of the path (other escapes get upper-case hex), resolves its dot
 * segments (RFC 3986 5.2.4) and keeps the query and fragment as sent; the host is lower-cased, without
 * port and without the brackets of an IPv6 literal. A file's name is the Content-Disposition
 * filename (quotes removed, no other unescaping), else the last segment of the normalized path.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "app/app_int.h"
#include "stream/stream.h"

#define HTTP_HDR_MAX     16384     /* header block (start line included) per message */
#define HTTP_LINE_MAX    1024      /* chunk-size line, trailer line */
#define HTTP_TXN_MAX     32        /* pending transactions per connection */
#define HTTP_BODY_DEPTH  (16 << 10) /* decoded body bytes kept per body */
#define HTTP_HOST_MAX    256
#define HTTP_INFLATE_BUF 16384

enum http_phase {
	PH_HEADERS = 0,  /* gathering a start line and header block */
	PH_BODY_LEN,     /* body_left bytes of a Content-Length body */
	PH_CHUNK_SIZE,   /* a chunk-size line */
	PH_CHUNK_DATA,   /* body_left bytes of chunk data */
	PH_CHUNK_CRLF,   /* the CRLF after chunk data */
	PH_TRAILERS,     /* trailer lines up to an empty one */
	PH_BODY_CLOSE,   /* response body until the connection closes */
};

enum http_enc {
	ENC_NONE = 0,
	ENC_GZIP = 1,
	ENC_DEFLATE = 2,
};

/* One body of a transaction. */
struct http_body {
	uint8_t *buf; /* the first HTTP_BODY_DEPTH decoded bytes */
	size_t kept, cap;
	uint64_t len;  /* decoded bytes */
	uint64_t wire; /* bytes on the wire (dechunked, still encoded) */
	bool truncated, done;
	bool nokeep; /* the memory cap refused the buffer: the body is hashed, not kept */
	char md5[33], sha1[41], sha256[65];
};

/* One request and its response. */
struct http_txn {
	struct app_http_txn pub;
	uint8_t *req_raw, *resp_raw; /* the header blocks, start line included */
	size_t req_raw_len, resp_raw_len;
	size_t req_fields_off, resp_fields_off; /* where the field lines start */
	uint8_t *uri_norm;
	size_t uri_norm_len;
	char host[HTTP_HOST_MAX];
	struct app_http_header req_hdrs[APP_HTTP_MAX_HEADERS];
	struct app_http_header resp_hdrs[APP_HTTP_MAX_HEADERS];
	struct app_buf req_disposition, resp_disposition; /* filenames */
	struct http_body req, resp;
	bool req_done, resp_started, resp_done;
	bool is_head, is_connect;
	size_t charged; /* bytes charged to the worker's app memory, but for the bodies' buffers */
};

/* What a header block says about its body. */
struct http_framing {
	bool chunked, has_len, bad;
	uint64_t len;
	int enc;
};

struct http_dir {
	struct sw_memcap *mem; /* the worker's (the state's) */
	int phase;
	uint8_t *hdr; /* HTTP_HDR_MAX bytes, made at the first byte */
	size_t hdr_len, line_start;
	uint64_t body_left;
	bool stopped;
	struct http_txn *t;  /* the transaction whose message is being read */
	struct http_body *b; /* its body being read */
	/* the body sink */
	EVP_MD_CTX *md[3]; /* MD5, SHA-1, SHA-256 */
	unsigned hashes;   /* the ones computed for this body (APP_HASH_* bits) */
	bool md_ok;
	int enc;
	z_stream z;
	bool z_init, z_end, z_raw_tried;
	uint8_t zhead[16]; /* the first encoded bytes, to restart as raw deflate */
	size_t zhead_len;
};

struct http_state {
	struct sw_memcap *mem; /* the worker's: every buffer here is charged to it */
	struct http_dir dir[2];
	struct http_txn *q[HTTP_TXN_MAX]; /* pending transactions, oldest first */
	unsigned nq;
	uint32_t next_tx_id;
	bool stopped; /* a protocol switch: nothing more is HTTP */
};

/* ---- small text helpers ------------------------------------------------------------------ */

static int
lc(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

static bool
buf_ieq(struct app_buf b, const char *s)
{
	size_t i, n = strlen(s);

	if (b.len != n)
		return false;
	for (i = 0; i < n; i++)
		if (lc(b.p[i]) != lc((unsigned char)s[i]))
			return false;
	return true;
}

static bool
is_blank(uint8_t ch)
{
	return ch == ' ' || ch == '\t';
}

static struct app_buf
buf_trim(const uint8_t *p, size_t n)
{
	struct app_buf b;

	while (n > 0 && is_blank(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && (is_blank(p[n - 1]) || p[n - 1] == '\r'))
		n--;
	b.p = p;
	b.len = n;
	return b;
}

/* RFC 9110 5.6.2 tchar. */
static bool
is_tchar(uint8_t ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
		return true;
	return ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static int
hex_val(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Parses 1*DIGIT with optional blanks around it; SW_E_INVAL when not that or too large. */
static int
parse_u64(struct app_buf b, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	b = buf_trim(b.p, b.len);
	if (b.len == 0 || b.len > 19)
		return SW_E_INVAL;
	for (i = 0; i < b.len; i++) {
		if (b.p[i] < '0' || b.p[i] > '9')
			return SW_E_INVAL;
		v = v * 10 + (uint64_t)(b.p[i] - '0');
	}
	*out = v;
	return 0;
}

/* ---- URI normalization (RFC 3986 2.3, 6.2.2, 5.2.4) ---------------------------------------- */

static bool
is_unreserved(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

/* Removes the last segment and its '/' from out (RFC 3986 5.2.4 step 2C). */
static void
drop_last_segment(uint8_t *out, size_t *olen, size_t floor)
{
	while (*olen > floor && out[*olen - 1] != '/')
		(*olen)--;
	if (*olen > floor)
		(*olen)--;
}

/* Writes remove_dot_segments(in) after out[0..*olen); out has room for n more bytes. */
static void
remove_dot_segments(const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
	size_t i = 0, floor = *olen;

	while (i < n) {
		size_t left = n - i;
		const uint8_t *p = in + i;
		if (left >= 3 && memcmp(p, "../", 3) == 0) {
			i += 3;
		} else if (left >= 2 && memcmp(p, "./", 2) == 0) {
			i += 2;
		} else if (left >= 3 && memcmp(p, "/./", 3) == 0) {
			i += 2;
		} else if (left == 2 && memcmp(p, "/.", 2) == 0) {
			out[(*olen)++] = '/';
			i += 2;
		} else if (left >= 4 && memcmp(p, "/../", 4) == 0) {
			i += 3;
			drop_last_segment(out, olen, floor);
		} else if (left == 3 && memcmp(p, "/..", 3) == 0) {
			drop_last_segment(out, olen, floor);
			out[(*olen)++] = '/';
			i += 3;
		} else if ((left == 1 && p[0] == '.') || (left == 2 && memcmp(p, "..", 2) == 0)) {
			i += left;
		} else {
			size_t j = 1;
			if (p[0] != '/')
				j = 0;
			while (j < left && p[j] != '/')
				j++;
			if (j == 0)
				j = 1;
			memcpy(out + *olen, p, j);
			*olen += j;
			i += j;
		}
	}
}

/*
 * Normalizes the request-target raw into out (room for raw.len bytes); returns the length.
 * Origin form "/p?q" and absolute form "scheme://authority/p?q" have their path normalized;
 * other forms (authority, asterisk) are copied.
 */
static size_t
uri_normalize(struct app_buf raw, uint8_t *out)
{
	uint8_t *dec;
	size_t i, n = 0, path_start = 0, path_end, olen = 0;

	if ((dec = malloc(raw.len + 1)) == NULL) {
		memcpy(out, raw.p, raw.len);
		return raw.len;
	}
	for (i = 0; i < raw.len; i++) {
		int hi, lo;
		if (raw.p[i] == '?' || raw.p[i] == '#') {
			/* the query and fragment are kept as sent */
			memcpy(dec + n, raw.p + i, raw.len - i);
			n += raw.len - i;
			break;
		}
		if (raw.p[i] == '%' && raw.len - i >= 3 && (hi = hex_val(raw.p[i + 1])) >= 0 &&
		    (lo = hex_val(raw.p[i + 2])) >= 0) {
			uint8_t ch = (uint8_t)(hi << 4 | lo);
			if (is_unreserved(ch)) {
				dec[n++] = ch;
			} else {
				static const char hex[] = "0123456789ABCDEF";
				dec[n++] = '%';
				dec[n++] = (uint8_t)hex[hi];
				dec[n++] = (uint8_t)hex[lo];
			}
			i += 2;
			continue;
		}
		dec[n++] = raw.p[i];
	}
	if (n > 0 && dec[0] != '/') {
		/* absolute form: keep scheme://authority as is */
		const uint8_t *sep = n >= 3 ? memchr(dec, ':', n) : NULL;
		if (sep == NULL || (size_t)(sep - dec) + 3 > n || sep[1] != '/' || sep[2] != '/') {
			memcpy(out, dec, n);
			free(dec);
			return n;
		}
		path_start = (size_t)(sep - dec) + 3;
		while (path_start < n && dec[path_start] != '/' && dec[path_start] != '?' &&
		       dec[path_start] != '#')
			path_start++;
	}
	path_end = path_start;
	while (path_end < n && dec[path_end] != '?' && dec[path_end] != '#')
		path_end++;
	memcpy(out, dec, path_start);
	olen = path_start;
	remove_dot_segments(dec + path_start, path_end - path_start, out, &olen);
	memcpy(out + olen, dec + path_end, n - path_end);
	olen += n - path_end;
	free(dec);
	return olen;
}

/* ---- hex --------------------------------------------------------------------------------- */

static void
digest_hex(EVP_MD_CTX *md, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (EVP_DigestFinal_ex(md, h, &n) != 1 || 2 * (size_t)n + 1 > size)
		return;
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* ---- transactions ------------------------------------------------------------------------ */

static void
txn_free(struct http_state *s, struct http_txn *t)
{
	if (t == NULL)
		return;
	sw_memcap_give(s->mem, t->charged + t->req.cap + t->resp.cap);
	free(t->req_raw);
	free(t->resp_raw);
	free(t->uri_norm);
	free(t->req.buf);
	free(t->resp.buf);
	free(t);
}

static void
http_error(struct app_ctx *ctx)
{
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->errors[APP_HTTP], 1);
}

/* The last segment of the normalized path: the default file name. */
static struct app_buf
uri_file_name(const struct http_txn *t)
{
	struct app_buf b = {(const uint8_t *)"", 0};
	const uint8_t *p = t->uri_norm;
	size_t i, end = 0, start = 0;

	if (p == NULL)
		return b;
	while (end < t->uri_norm_len && p[end] != '?' && p[end] != '#')
		end++;
	for (i = 0; i < end; i++)
		if (p[i] == '/')
			start = i + 1;
	b.p = p + start;
	b.len = end - start;
	return b;
}

static void
emit_file(struct app_ctx *ctx, struct http_txn *t, const struct http_body *b, enum flow_dir dir)
{
	struct app_file file;
	struct app_msg msg;
	struct app_buf disp = dir == FLOW_TO_SERVER ? t->req_disposition : t->resp_disposition;

	memset(&file, 0, sizeof(file));
	file.name = disp.len > 0 ? disp : uri_file_name(t);
	file.content_type = dir == FLOW_TO_SERVER ? t->pub.content_type_req : t->pub.content_type;
	file.dir = dir;
	file.size = b->len;
	file.state = b->truncated || !b->done ? APP_FILE_TRUNCATED : APP_FILE_COMPLETE;
	if (file.state == APP_FILE_COMPLETE) {
		memcpy(file.md5, b->md5, sizeof(file.md5));
		memcpy(file.sha1, b->sha1, sizeof(file.sha1));
		memcpy(file.sha256, b->sha256, sizeof(file.sha256));
	}
	file.tx_id = t->pub.tx_id;
	file.txn = &t->pub;
	memset(&msg, 0, sizeof(msg));
	msg.kind = APP_MSG_FILE;
	msg.dir = dir;
	msg.ts = ctx->ts;
	msg.u.file = &file;
	if (ctx->emit != NULL)
		ctx->emit(ctx->arg, ctx->f, &msg);
}

/* Emits t and its files; marks what was not complete as truncated. */
static void
emit_txn(struct app_ctx *ctx, struct http_txn *t)
{
	struct app_http_txn *pub = &t->pub;
	struct app_msg msg;

	if (!t->req_done || (t->req.wire > 0 && !t->req.done))
		t->req.truncated = true;
	if (t->resp_started && !t->resp_done)
		t->resp.truncated = true;
	if (t->resp.wire > 0 && !t->resp.done)
		t->resp.truncated = true;
	pub->req_headers = t->req_hdrs;
	pub->resp_headers = t->resp_hdrs;
	pub->req_body_len = t->req.len;
	pub->resp_body_len = t->resp.len;
	pub->req_body.p = t->req.buf;
	pub->req_body.len = t->req.kept;
	pub->resp_body.p = t->resp.buf;
	pub->resp_body.len = t->resp.kept;
	pub->req_truncated = t->req.truncated;
	pub->resp_truncated = t->resp.truncated;
	memset(&msg, 0, sizeof(msg));
	msg.kind = APP_MSG_HTTP;
	msg.dir = FLOW_TO_SERVER;
	msg.ts = ctx->ts;
	msg.u.http = pub;
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->messages[APP_HTTP], 1);
	if (ctx->emit != NULL)
		ctx->emit(ctx->arg, ctx->f, &msg);
	if (t->req.wire > 0 || t->req.len > 0)
		emit_file(ctx, t, &t->req, FLOW_TO_SERVER);
	if (t->resp.wire > 0 || t->resp.len > 0)
		emit_file(ctx, t, &t->resp, FLOW_TO_CLIENT);
}

/* Forgets t in the directions that were reading it. */
static void
dir_forget(struct http_state *s, struct http_txn *t)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (s->dir[i].t == t) {
			s->dir[i].t = NULL;
			s->dir[i].b = NULL;
		}
	}
}

/* Emits and frees the oldest transactions that are complete (all of them when all is set). */
static void
http_flush(struct app_ctx *ctx, struct http_state *s, bool all)
{
	while (s->nq > 0) {
		struct http_txn *t = s->q[0];
		if (!all && !(t->req_done && t->resp_done))
			break;
		emit_txn(ctx, t);
		dir_forget(s, t);
		txn_free(s, t);
		memmove(&s->q[0], &s->q[1], (s->nq - 1) * sizeof(s->q[0]));
		s->q[--s->nq] = NULL;
	}
}

static struct http_txn *
txn_push(struct http_state *s)
{
	struct http_txn *t;

	if (s->nq >= HTTP_TXN_MAX || !sw_memcap_take(s->mem, sizeof(*t)))
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		sw_memcap_give(s->mem, sizeof(*t));
		return NULL;
	}
	t->charged = sizeof(*t);
	t->pub.tx_id = s->next_tx_id++;
	s->q[s->nq++] = t;
	return t;
}

/* ---- the body sink: decode, keep, hash --------------------------------------------------- */

static int
sink_begin(struct http_dir *d, struct http_body *b, int enc, unsigned hashes)
{
	int i;

	d->b = b;
	d->enc = enc;
	d->md_ok = true;
	d->hashes = hashes;
	for (i = 0; i < 3; i++) {
		const EVP_MD *md = i == 0 ? EVP_md5() : i == 1 ? EVP_sha1() : EVP_sha256();

		if (!(hashes & (1u << i)))
			continue;
		if (d->md[i] == NULL && (d->md[i] = EVP_MD_CTX_new()) == NULL)
			d->md_ok = false;
		else if (d->md[i] != NULL && EVP_DigestInit_ex(d->md[i], md, NULL) != 1)
			d->md_ok = false;
	}
	if (d->z_init) {
		inflateEnd(&d->z);
		d->z_init = false;
	}
	d->z_end = false;
	d->z_raw_tried = false;
	d->zhead_len = 0;
	if (enc != ENC_NONE) {
		memset(&d->z, 0, sizeof(d->z));
		if (inflateInit2(&d->z, 15 + 32) != Z_OK)
			return SW_E_NOMEM;
		d->z_init = true;
	}
	return 0;
}

/* Decoded bytes: counted, kept up to the depth, hashed. */
static void
sink_decoded(struct http_dir *d, const uint8_t *p, size_t n)
{
	struct http_body *b = d->b;
	int i;

	if (n == 0)
		return;
	b->len += n;
	if (d->md_ok)
		for (i = 0; i < 3; i++)
			if ((d->hashes & (1u << i)) && EVP_DigestUpdate(d->md[i], p, n) != 1)
				d->md_ok = false;
	if (b->kept < HTTP_BODY_DEPTH && !b->nokeep) {
		size_t take = HTTP_BODY_DEPTH - b->kept < n ? HTTP_BODY_DEPTH - b->kept : n;
		if (b->kept + take > b->cap) {
			size_t cap = b->cap < 4096 ? 4096 : b->cap;
			uint8_t *nb;
			while (cap < b->kept + take)
				cap *= 2;
			if (cap > HTTP_BODY_DEPTH)
				cap = HTTP_BODY_DEPTH;
			if (!sw_memcap_take(d->mem, cap - b->cap)) {
				b->nokeep = true;
				return;
			}
			if ((nb = realloc(b->buf, cap)) == NULL) {
				sw_memcap_give(d->mem, cap - b->cap);
				return;
			}
			b->buf = nb;
			b->cap = cap;
		}
		memcpy(b->buf + b->kept, p, take);
		b->kept += take;
	}
}

/* Whether decoding the body has gone past a bound of lim (then it stops there). */
static bool
inflate_limited(const struct app_decompress_limits *lim, const struct http_dir *d)
{
	uint64_t out = d->b->len;

	if (lim->max_bytes != 0 && out >= lim->max_bytes)
		return true;
	return lim->max_ratio != 0 && out > APP_DECOMPRESS_RATIO_FROM &&
	       out / lim->max_ratio > d->z.total_in;
}

/* Runs inflate over n input bytes, within the bounds of lim; returns 0, SW_E_RANGE when a bound
 * stopped it, or SW_E_INVAL when the data does not decode. */
static int
sink_inflate(const struct app_decompress_limits *lim, struct http_dir *d, const uint8_t *p,
	     size_t n)
{
	uint8_t out[HTTP_INFLATE_BUF];
	size_t room;
	int zr;

	d->z.next_in = (Bytef *)(uintptr_t)p;
	d->z.avail_in = (uInt)n;
	while (d->z.avail_in > 0 && !d->z_end) {
		if (inflate_limited(lim, d))
			return SW_E_RANGE;
		room = sizeof(out);
		if (lim->max_bytes != 0 && lim->max_bytes - d->b->len < room)
			room = (size_t)(lim->max_bytes - d->b->len);
		d->z.next_out = out;
		d->z.avail_out = (uInt)room;
		zr = inflate(&d->z, Z_NO_FLUSH);
		sink_decoded(d, out, room - d->z.avail_out);
		if (zr == Z_STREAM_END) {
			d->z_end = true;
		} else if (zr == Z_BUF_ERROR) {
			if (d->z.avail_out != 0)
				break;
		} else if (zr != Z_OK) {
			return SW_E_INVAL;
		}
	}
	return 0;
}

/* Wire bytes of the current body (dechunked). */
static void
sink_wire(struct app_ctx *ctx, struct http_dir *d, const uint8_t *p, size_t n)
{
	struct http_body *b = d->b;
	int r;

	if (b == NULL || n == 0)
		return;
	b->wire += n;
	if (b->truncated)
		return;
	if (d->enc == ENC_NONE || !d->z_init) {
		sink_decoded(d, p, n);
		return;
	}
	if (d->z_end)
		return;
	if (d->zhead_len < sizeof(d->zhead)) {
		size_t take = sizeof(d->zhead) - d->zhead_len < n ? sizeof(d->zhead) - d->zhead_len : n;
		memcpy(d->zhead + d->zhead_len, p, take);
		d->zhead_len += take;
	}
	uLong before = d->z.total_in;
	r = sink_inflate(&ctx->http_decompress, d, p, n);
	/* deflate without its zlib wrapper: start again as raw deflate (RFC 9110 8.4.1.2) */
	if (r == SW_E_INVAL && d->enc == ENC_DEFLATE && !d->z_raw_tried && d->z.total_out == 0 &&
	    before + n <= sizeof(d->zhead) + n && before <= d->zhead_len) {
		d->z_raw_tried = true;
		inflateEnd(&d->z);
		memset(&d->z, 0, sizeof(d->z));
		if (inflateInit2(&d->z, -15) != Z_OK) {
			d->z_init = false;
			b->truncated = true;
			return;
		}
		if ((r = sink_inflate(&ctx->http_decompress, d, d->zhead, (size_t)before)) == 0)
			r = sink_inflate(&ctx->http_decompress, d, p, n);
	}
	if (r == 0)
		return;
	b->truncated = true;
	if (r != SW_E_RANGE) {
		http_error(ctx);
		return;
	}
	/* a decompression bomb, or a body too big to decode: what is decoded stays, unhashed,
	 * and nothing more of it is inflated */
	sw_counter_add(&ctx->st->http_decompress_limited, 1);
	inflateEnd(&d->z);
	d->z_init = false;
}

/* The current body ended as announced: its hashes are final. */
static void
sink_end(struct http_dir *d)
{
	struct http_body *b = d->b;

	if (b == NULL)
		return;
	if (d->z_init) {
		inflateEnd(&d->z);
		d->z_init = false;
	}
	b->done = true;
	if (!b->truncated && d->md_ok) {
		if (d->hashes & APP_HASH_MD5)
			digest_hex(d->md[0], b->md5, sizeof(b->md5));
		if (d->hashes & APP_HASH_SHA1)
			digest_hex(d->md[1], b->sha1, sizeof(b->sha1));
		if (d->hashes & APP_HASH_SHA256)
			digest_hex(d->md[2], b->sha256, sizeof(b->sha256));
	}
	d->b = NULL;
}

/* ---- header blocks ----------------------------------------------------------------------- */

/* Reads the filename parameter of a Content-Disposition value (quoted or token). */
static struct app_buf
disposition_filename(struct app_buf v)
{
	struct app_buf none = {NULL, 0};
	size_t i;

	for (i = 0; i + 9 <= v.len; i++) {
		struct app_buf key = {v.p + i, 8};
		size_t j;
		if (i > 0 && v.p[i - 1] != ';' && !is_blank(v.p[i - 1]))
			continue;
		if (!buf_ieq(key, "filename"))
			continue;
		j = i + 8;
		while (j < v.len && is_blank(v.p[j]))
			j++;
		if (j >= v.len || v.p[j] != '=')
			continue;
		j++;
		while (j < v.len && is_blank(v.p[j]))
			j++;
		if (j < v.len && v.p[j] == '"') {
			size_t k = j + 1;
			while (k < v.len && v.p[k] != '"')
				k++;
			none.p = v.p + j + 1;
			none.len = k - j - 1;
		} else {
			size_t k = j;
			while (k < v.len && v.p[k] != ';' && !is_blank(v.p[k]))
				k++;
			none.p = v.p + j;
			none.len = k - j;
		}
		return none;
	}
	return none;
}

static bool
ends_with_token(struct app_buf v, const char *tok)
{
	size_t n = strlen(tok);
	struct app_buf tail;

	v = buf_trim(v.p, v.len);
	if (v.len < n)
		return false;
	tail.p = v.p + v.len - n;
	tail.len = n;
	if (!buf_ieq(tail, tok))
		return false;
	return v.len == n || v.p[v.len - n - 1] == ',' || is_blank(v.p[v.len - n - 1]);
}

/* Host header: lower-case, port removed, IPv6 brackets removed. */
static void
set_host(struct http_txn *t, struct app_buf v)
{
	size_t i, end = v.len, start = 0, n;
	uint64_t port;

	if (v.len > 0 && v.p[0] == '[') {
		const uint8_t *rb = memchr(v.p, ']', v.len);
		start = 1;
		end = rb != NULL ? (size_t)(rb - v.p) : v.len;
		if (rb != NULL && end + 1 < v.len && v.p[end + 1] == ':') {
			struct app_buf pb = {v.p + end + 2, v.len - end - 2};
			if (parse_u64(pb, &port) == 0 && port <= 65535)
				t->pub.port = (uint16_t)port;
		}
	} else {
		const uint8_t *colon = memchr(v.p, ':', v.len);
		if (colon != NULL) {
			struct app_buf pb;
			end = (size_t)(colon - v.p);
			pb.p = colon + 1;
			pb.len = v.len - end - 1;
			if (parse_u64(pb, &port) == 0 && port <= 65535)
				t->pub.port = (uint16_t)port;
		}
	}
	n = end - start;
	if (n > sizeof(t->host))
		n = sizeof(t->host);
	for (i = 0; i < n; i++)
		t->host[i] = (char)lc(v.p[start + i]);
	t->pub.host.p = (const uint8_t *)t->host;
	t->pub.host.len = n;
}

/*
 * Splits the field lines of a header block (from off to the end of raw) into hdrs and reads the
 * fields that frame the body. Returns the number of malformed lines.
 */
static int
parse_fields(const uint8_t *raw, size_t len, size_t off, struct http_txn *t, bool request,
             struct http_framing *fr)
{
	struct app_http_header *hdrs = request ? t->req_hdrs : t->resp_hdrs;
	uint16_t *nh = request ? &t->pub.n_req_headers : &t->pub.n_resp_headers;
	int bad = 0;

	memset(fr, 0, sizeof(*fr));
	while (off < len) {
		const uint8_t *line = raw + off, *nl, *colon;
		size_t ll;
		struct app_buf name, value;
		nl = memchr(line, '\n', len - off);
		ll = nl != NULL ? (size_t)(nl - line) : len - off;
		off += ll + (nl != NULL);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break; /* the empty line that ends the block */
		if (is_blank(line[0]))
			continue; /* obs-fold: the continuation is dropped */
		colon = memchr(line, ':', ll);
		if (colon == NULL || colon == line || is_blank(colon[-1])) {
			bad++;
			continue;
		}
		name.p = line;
		name.len = (size_t)(colon - line);
		value = buf_trim(colon + 1, ll - name.len - 1);
		if (*nh < APP_HTTP_MAX_HEADERS) {
			hdrs[*nh].name = name;
			hdrs[*nh].value = value;
			(*nh)++;
		}
		if (buf_ieq(name, "content-length")) {
			uint64_t v;
			if (parse_u64(value, &v) != 0 || (fr->has_len && v != fr->len))
				fr->bad = true;
			fr->has_len = true;
			fr->len = v;
		} else if (buf_ieq(name, "transfer-encoding")) {
			fr->chunked = ends_with_token(value, "chunked");
		} else if (buf_ieq(name, "content-encoding")) {
			if (buf_ieq(value, "gzip") || buf_ieq(value, "x-gzip"))
				fr->enc = ENC_GZIP;
			else if (buf_ieq(value, "deflate"))
				fr->enc = ENC_DEFLATE;
			else
				fr->enc = ENC_NONE;
		} else if (buf_ieq(name, "content-type")) {
			if (request)
				t->pub.content_type_req = value;
			else
				t->pub.content_type = value;
		} else if (buf_ieq(name, "content-disposition")) {
			struct app_buf fn = disposition_filename(value);
			if (request)
				t->req_disposition = fn;
			else
				t->resp_disposition = fn;
		} else if (request) {
			if (buf_ieq(name, "host") && t->pub.host.len == 0)
				set_host(t, value);
			else if (buf_ieq(name, "user-agent"))
				t->pub.user_agent = value;
			else if (buf_ieq(name, "referer"))
				t->pub.referer = value;
			else if (buf_ieq(name, "cookie"))
				t->pub.cookie = value;
		} else if (buf_ieq(name, "location")) {
			t->pub.location = value;
		}
	}
	if (fr->chunked)
		fr->has_len = false;
	return bad;
}

/* "HTTP/1.x": the protocol of a start line. */
static bool
is_http_version(const uint8_t *p, size_t n)
{
	return n == 8 && memcmp(p, "HTTP/1.", 7) == 0 && p[7] >= '0' && p[7] <= '9';
}

/* Parses the request line; the pub buffers point into t->req_raw. */
static int
parse_request_line(struct sw_memcap *mem, struct http_txn *t, size_t ll)
{
	const uint8_t *p = t->req_raw;
	size_t i = 0, m, u0, u1;

	while (i < ll && is_tchar(p[i]))
		i++;
	m = i;
	if (m == 0 || i >= ll || p[i] != ' ')
		return SW_E_INVAL;
	u0 = ++i;
	while (i < ll && p[i] > ' ' && p[i] != 0x7f)
		i++;
	u1 = i;
	if (u1 == u0 || i >= ll || p[i] != ' ' || !is_http_version(p + i + 1, ll - i - 1))
		return SW_E_INVAL;
	t->pub.method.p = p;
	t->pub.method.len = m;
	t->pub.uri_raw.p = p + u0;
	t->pub.uri_raw.len = u1 - u0;
	t->pub.protocol.p = p + i + 1;
	t->pub.protocol.len = 8;
	if (!sw_memcap_take(mem, t->pub.uri_raw.len))
		return SW_E_MEMCAP;
	if ((t->uri_norm = malloc(t->pub.uri_raw.len)) == NULL) {
		sw_memcap_give(mem, t->pub.uri_raw.len);
		return SW_E_NOMEM;
	}
	t->charged += t->pub.uri_raw.len;
	t->uri_norm_len = uri_normalize(t->pub.uri_raw, t->uri_norm);
	t->pub.uri.p = t->uri_norm;
	t->pub.uri.len = t->uri_norm_len;
	t->is_head = buf_ieq(t->pub.method, "HEAD");
	t->is_connect = buf_ieq(t->pub.method, "CONNECT");
	return 0;
}

/* Parses "HTTP/1.x SP 3DIGIT [SP reason]" in p[0..ll); sets *status and the message. */
static int
parse_status_line(const uint8_t *p, size_t ll, int *status, struct app_buf *msg)
{
	if (ll < 12 || !is_http_version(p, 8) || p[8] != ' ')
		return SW_E_INVAL;
	if (p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9')
		return SW_E_INVAL;
	if (ll > 12 && p[12] != ' ')
		return SW_E_INVAL;
	*status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (ll > 13) {
		*msg = buf_trim(p + 13, ll - 13);
	} else {
		msg->p = p + ll;
		msg->len = 0;
	}
	return 0;
}

static void
dir_stop(struct http_dir *d)
{
	d->stopped = true;
}

/* Starts the body of the message just read, or ends the message when it has none. */
static void
begin_body(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir,
           const struct http_framing *fr, bool until_close)
{
	struct http_dir *d = &s->dir[dir];
	struct http_txn *t = d->t;
	struct http_body *b = dir == FLOW_TO_SERVER ? &t->req : &t->resp;

	if (fr->chunked) {
		d->phase = PH_CHUNK_SIZE;
	} else if (fr->has_len && fr->len > 0) {
		d->phase = PH_BODY_LEN;
		d->body_left = fr->len;
	} else if (!fr->has_len && until_close) {
		d->phase = PH_BODY_CLOSE;
	} else {
		d->phase = PH_HEADERS;
		b->done = true;
		return;
	}
	if (sink_begin(d, b, fr->enc, ctx->file_hashes) != 0) {
		http_error(ctx);
		b->truncated = true;
	}
}

/* The message of direction dir is complete. */
static void
message_end(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir)
{
	struct http_dir *d = &s->dir[dir];
	struct http_txn *t = d->t;

	sink_end(d);
	d->phase = PH_HEADERS;
	d->t = NULL;
	if (t == NULL)
		return;
	if (dir == FLOW_TO_SERVER) {
		t->req_done = true;
	} else {
		t->resp_done = true;
		if (t->pub.status == 101 || (t->is_connect && t->pub.status / 100 == 2)) {
			/* the connection is no longer HTTP */
			s->stopped = true;
			http_flush(ctx, s, true);
			return;
		}
	}
	http_flush(ctx, s, false);
}

/* The response goes to the oldest transaction without one. */
static struct http_txn *
response_txn(struct http_state *s)
{
	unsigned i;
	struct http_txn *t;

	for (i = 0; i < s->nq; i++)
		if (!s->q[i]->resp_done)
			return s->q[i];
	if ((t = txn_push(s)) != NULL)
		t->req_done = true; /* a response without a request (mid-stream) */
	return t;
}

/* A complete header block is in d->hdr[0..hdr_len). Returns 0, or <0 to stop the direction. */
static int
header_block(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir)
{
	struct http_dir *d = &s->dir[dir];
	const uint8_t *nl = memchr(d->hdr, '\n', d->hdr_len);
	size_t ll, off;
	struct http_framing fr;
	struct http_txn *t;
	uint8_t *raw;
	int bad, r;

	if (nl == NULL)
		return SW_E_INVAL;
	off = (size_t)(nl - d->hdr) + 1;
	ll = off - 1;
	if (ll > 0 && d->hdr[ll - 1] == '\r')
		ll--;
	if (!sw_memcap_take(s->mem, d->hdr_len))
		return SW_E_MEMCAP;
	if ((raw = malloc(d->hdr_len)) == NULL) {
		sw_memcap_give(s->mem, d->hdr_len);
		return SW_E_NOMEM;
	}
	memcpy(raw, d->hdr, d->hdr_len);
	if (dir == FLOW_TO_SERVER) {
		if ((t = txn_push(s)) == NULL) {
			free(raw);
			sw_memcap_give(s->mem, d->hdr_len);
			return SW_E_RANGE;
		}
		t->req_raw = raw;
		t->req_raw_len = d->hdr_len;
		t->req_fields_off = off;
		t->charged += d->hdr_len;
		if ((r = parse_request_line(s->mem, t, ll)) != 0) {
			/* not a request, or no room for its normalized URI: drop the transaction */
			s->q[--s->nq] = NULL;
			s->next_tx_id--;
			txn_free(s, t);
			return r == SW_E_MEMCAP ? r : SW_E_INVAL;
		}
		t->pub.req_headers_raw.p = raw + off;
		t->pub.req_headers_raw.len = d->hdr_len - off;
		bad = parse_fields(raw, d->hdr_len, off, t, true, &fr);
		d->t = t;
		if (bad > 0)
			http_error(ctx);
		if (fr.bad) {
			http_error(ctx);
			return SW_E_INVAL;
		}
		begin_body(ctx, s, dir, &fr, false);
		if (d->phase == PH_HEADERS)
			message_end(ctx, s, dir);
		return 0;
	}
	{
		int status;
		struct app_buf msg;
		if (parse_status_line(raw, ll, &status, &msg) != 0) {
			free(raw);
			sw_memcap_give(s->mem, d->hdr_len);
			return SW_E_INVAL;
		}
		if (status / 100 == 1 && status != 101) {
			free(raw); /* interim response (100-continue): the real one follows */
			sw_memcap_give(s->mem, d->hdr_len);
			return 0;
		}
		if ((t = response_txn(s)) == NULL) {
			free(raw);
			sw_memcap_give(s->mem, d->hdr_len);
			return SW_E_RANGE;
		}
		if (t->resp_raw != NULL) {
			sw_memcap_give(s->mem, t->resp_raw_len);
			t->charged -= t->resp_raw_len;
		}
		free(t->resp_raw);
		t->resp_raw = raw;
		t->charged += d->hdr_len;
		t->resp_raw_len = d->hdr_len;
		t->resp_fields_off = off;
		t->resp_started = true;
		t->pub.status = status;
		t->pub.status_msg = msg; /* points into raw */
		t->pub.resp_headers_raw.p = raw + off;
		t->pub.resp_headers_raw.len = d->hdr_len - off;
		t->pub.n_resp_headers = 0;
		bad = parse_fields(raw, d->hdr_len, off, t, false, &fr);
		d->t = t;
		if (bad > 0)
			http_error(ctx);
		if (fr.bad) {
			http_error(ctx);
			return SW_E_INVAL;
		}
		if (t->is_head || status == 204 || status == 304 || status == 101 ||
		    (t->is_connect && status / 100 == 2)) {
			fr.chunked = false;
			fr.has_len = false;
			fr.len = 0;
			begin_body(ctx, s, dir, &fr, false);
		} else {
			begin_body(ctx, s, dir, &fr, true);
		}
		if (d->phase == PH_HEADERS)
			message_end(ctx, s, dir);
	}
	return 0;
}

/*
 * Gathers header-block bytes from c. Returns 1 when the block is complete in d->hdr, 0 when more
 * is needed (c is empty), <0 when the block is too large.
 */
static int
gather_block(struct http_dir *d, struct cursor *c)
{
	while (cur_left(c) > 0) {
		const uint8_t *nl = memchr(c->p, '\n', cur_left(c));
		size_t take = nl != NULL ? (size_t)(nl - c->p) + 1 : cur_left(c), ll;
		if (d->hdr_len == 0 && (c->p[0] == '\r' || c->p[0] == '\n')) {
			cur_skip(c, 1); /* empty lines before a start line (RFC 9112 2.2) */
			continue;
		}
		if (take > HTTP_HDR_MAX - d->hdr_len)
			return SW_E_RANGE;
		if (cur_bytes(c, d->hdr + d->hdr_len, take) != 0)
			return SW_E_TRUNC;
		d->hdr_len += take;
		if (nl == NULL)
			return 0;
		ll = d->hdr_len - d->line_start - 1;
		if (ll > 0 && d->hdr[d->line_start + ll - 1] == '\r')
			ll--;
		if (ll == 0 && d->line_start > 0)
			return 1;
		d->line_start = d->hdr_len;
	}
	return 0;
}

/* Gathers one line (at most HTTP_LINE_MAX) into d->hdr: 1 complete, 0 more needed, <0 too long. */
static int
gather_line(struct http_dir *d, struct cursor *c)
{
	const uint8_t *nl = memchr(c->p, '\n', cur_left(c));
	size_t take = nl != NULL ? (size_t)(nl - c->p) + 1 : cur_left(c);

	if (take > HTTP_LINE_MAX - d->hdr_len)
		return SW_E_RANGE;
	if (cur_bytes(c, d->hdr + d->hdr_len, take) != 0)
		return SW_E_TRUNC;
	d->hdr_len += take;
	return nl != NULL;
}

/* Parses the chunk-size line in d->hdr (RFC 9112 7.1): hex size, then extensions. */
static int
parse_chunk_size(const struct http_dir *d, uint64_t *size)
{
	uint64_t v = 0;
	size_t i = 0, digits = 0;

	while (i < d->hdr_len && is_blank(d->hdr[i]))
		i++;
	for (; i < d->hdr_len && hex_val(d->hdr[i]) >= 0; i++, digits++) {
		if (v >> 60)
			return SW_E_RANGE;
		v = v << 4 | (uint64_t)hex_val(d->hdr[i]);
	}
	if (digits == 0)
		return SW_E_INVAL;
	while (i < d->hdr_len && is_blank(d->hdr[i]))
		i++;
	if (i < d->hdr_len && d->hdr[i] != ';' && d->hdr[i] != '\r' && d->hdr[i] != '\n')
		return SW_E_INVAL;
	*size = v;
	return 0;
}

/* Parses the bytes of one direction; returns <0 to stop it. */
static int
http_bytes(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir, const uint8_t *data,
           size_t len)
{
	struct http_dir *d = &s->dir[dir];
	struct cursor c;
	int r;

	if (d->hdr == NULL) {
		if (!sw_memcap_take(s->mem, HTTP_HDR_MAX))
			return SW_E_MEMCAP;
		if ((d->hdr = malloc(HTTP_HDR_MAX)) == NULL) {
			sw_memcap_give(s->mem, HTTP_HDR_MAX);
			return SW_E_NOMEM;
		}
	}
	cur_init(&c, data, len);
	while (cur_left(&c) > 0 && !d->stopped && !s->stopped) {
		switch (d->phase) {
		case PH_HEADERS:
			if ((r = gather_block(d, &c)) < 0)
				return r;
			if (r == 0)
				break;
			r = header_block(ctx, s, dir);
			d->hdr_len = 0;
			d->line_start = 0;
			if (r < 0)
				return r;
			break;
		case PH_BODY_LEN:
		case PH_CHUNK_DATA: {
			size_t n = cur_left(&c) < d->body_left ? cur_left(&c) : (size_t)d->body_left;
			const uint8_t *p = c.p;
			cur_skip(&c, n);
			d->body_left -= n;
			sink_wire(ctx, d, p, n);
			if (d->body_left == 0) {
				if (d->phase == PH_BODY_LEN)
					message_end(ctx, s, dir);
				else
					d->phase = PH_CHUNK_CRLF;
			}
			break;
		}
		case PH_BODY_CLOSE: {
			const uint8_t *p = c.p;
			size_t n = cur_left(&c);
			cur_skip(&c, n);
			sink_wire(ctx, d, p, n);
			break;
		}
		case PH_CHUNK_CRLF:
		case PH_CHUNK_SIZE:
		case PH_TRAILERS: {
			size_t ll;
			uint64_t size;
			if ((r = gather_line(d, &c)) < 0)
				return r;
			if (r == 0)
				break;
			ll = d->hdr_len - 1;
			if (ll > 0 && d->hdr[ll - 1] == '\r')
				ll--;
			if (d->phase == PH_CHUNK_CRLF) {
				d->hdr_len = 0;
				if (ll != 0)
					return SW_E_INVAL;
				d->phase = PH_CHUNK_SIZE;
			} else if (d->phase == PH_CHUNK_SIZE) {
				r = parse_chunk_size(d, &size);
				d->hdr_len = 0;
				if (r != 0)
					return r;
				if (size == 0) {
					d->phase = PH_TRAILERS;
				} else {
					d->phase = PH_CHUNK_DATA;
					d->body_left = size;
				}
			} else {
				d->hdr_len = 0;
				if (ll == 0)
					message_end(ctx, s, dir);
			}
			break;
		}
		default:
			return SW_E_INVAL;
		}
	}
	/* Nothing partial is buffered: give the header buffer back, so an idle keep-alive or a long
	 * download costs no 16 KiB per direction (many concurrent flows). */
	if (d->hdr_len == 0 && d->line_start == 0) {
		sw_memcap_give(s->mem, HTTP_HDR_MAX);
		free(d->hdr);
		d->hdr = NULL;
	}
	return 0;
}

/* The direction can no longer be read (gap, depth, error): its message is truncated. */
static void
dir_cut(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir)
{
	struct http_dir *d = &s->dir[dir];

	if (d->b != NULL)
		d->b->truncated = true;
	if (d->t != NULL && dir == FLOW_TO_SERVER) {
		d->t->req.truncated = true;
		d->t->req_done = true;
	}
	if (d->z_init) {
		inflateEnd(&d->z);
		d->z_init = false;
	}
	d->b = NULL;
	d->t = NULL;
	dir_stop(d);
	if (dir == FLOW_TO_CLIENT)
		http_flush(ctx, s, true);
	else
		http_flush(ctx, s, false);
}

/* ---- the operations ---------------------------------------------------------------------- */

static bool
http_probe(const uint8_t *data, size_t len, enum flow_dir dir)
{
	static const char *methods[] = {"GET ",    "POST ",  "HEAD ",  "PUT ",     "DELETE ",
	                                "OPTIONS ", "PATCH ", "TRACE ", "CONNECT ", NULL};
	size_t i, j;

	if (dir == FLOW_TO_CLIENT) {
		if (len < 5)
			return false;
		if (len < 12)
			return memcmp(data, "HTTP/1.", len < 7 ? len : 7) == 0;
		return parse_status_line(data, 12, &(int){0}, &(struct app_buf){NULL, 0}) == 0;
	}
	for (i = 0; methods[i] != NULL; i++) {
		size_t n = strlen(methods[i]);
		if (len >= n && memcmp(data, methods[i], n) == 0)
			return true;
	}
	/* another method: the whole request line must be there */
	for (i = 0; i < len && i < 32 && is_tchar(data[i]); i++)
		;
	if (i == 0 || i >= len || data[i] != ' ')
		return false;
	for (j = i + 1; j < len && data[j] > ' '; j++)
		;
	return j > i + 1 && j < len && data[j] == ' ' && len - j - 1 >= 8 &&
	       memcmp(data + j + 1, "HTTP/1.", 7) == 0;
}

static void *
http_state_new(struct sw_memcap *mem)
{
	struct http_state *s;

	/* every buffer of this flow is charged to the worker's memory */
	if ((s = app_state_alloc(mem, sizeof(*s))) != NULL)
		s->mem = s->dir[0].mem = s->dir[1].mem = mem;
	return s;
}

static void
http_state_free(void *state)
{
	struct http_state *s = state;
	unsigned i;
	int j, k;

	if (s == NULL)
		return;
	for (i = 0; i < s->nq; i++)
		txn_free(s, s->q[i]);
	for (j = 0; j < 2; j++) {
		struct http_dir *d = &s->dir[j];
		if (d->hdr != NULL)
			sw_memcap_give(s->mem, HTTP_HDR_MAX);
		free(d->hdr);
		for (k = 0; k < 3; k++)
			EVP_MD_CTX_free(d->md[k]);
		if (d->z_init)
			inflateEnd(&d->z);
	}
	sw_memcap_give(s->mem, sizeof(*s));
	free(s);
}

static void
http_stream(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len,
            unsigned flags)
{
	struct http_state *s = state;
	struct http_dir *d;

	if (s == NULL || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT) || s->stopped)
		return;
	d = &s->dir[dir];
	if (d->stopped)
		return;
	if (flags & STREAM_CHUNK_GAP) {
		dir_cut(ctx, s, dir);
		return;
	}
	if (data != NULL && len > 0 && http_bytes(ctx, s, dir, data, len) != 0) {
		http_error(ctx);
		dir_cut(ctx, s, dir);
		return;
	}
	if (s->stopped || d->stopped)
		return;
	if (flags & (STREAM_CHUNK_FIN | STREAM_CHUNK_RST | STREAM_CHUNK_DEPTH)) {
		if (d->phase == PH_BODY_CLOSE && (flags & STREAM_CHUNK_FIN))
			message_end(ctx, s, dir); /* the body ran until the close */
		dir_cut(ctx, s, dir);
	}
}

static void
http_flow_end(struct app_ctx *ctx, void *state)
{
	struct http_state *s = state;

	if (s == NULL)
		return;
	if (!s->stopped && !s->dir[FLOW_TO_CLIENT].stopped &&
	    s->dir[FLOW_TO_CLIENT].phase == PH_BODY_CLOSE)
		message_end(ctx, s, FLOW_TO_CLIENT);
	if (s->dir[FLOW_TO_CLIENT].b != NULL)
		s->dir[FLOW_TO_CLIENT].b->truncated = true;
	if (s->dir[FLOW_TO_SERVER].b != NULL)
		s->dir[FLOW_TO_SERVER].b->truncated = true;
	http_flush(ctx, s, true);
	s->dir[0].t = s->dir[1].t = NULL;
	s->dir[0].b = s->dir[1].b = NULL;
	s->dir[0].stopped = s->dir[1].stopped = true;
}

/* The transaction direction dir is reading (or the newest one), once its request line is in. */
static bool
http_current(void *state, enum flow_dir dir, struct app_msg *out)
{
	struct http_state *s = state;
	struct http_txn *t;

	if (s == NULL || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT))
		return false;
	t = s->dir[dir].t != NULL ? s->dir[dir].t : s->nq > 0 ? s->q[s->nq - 1] : NULL;
	if (t == NULL || t->pub.method.len == 0)
		return false;
	/* what emit_txn fills in at the end, as far as it is known now */
	t->pub.req_headers = t->req_hdrs;
	t->pub.resp_headers = t->resp_hdrs;
	t->pub.req_body_len = t->req.len;
	t->pub.resp_body_len = t->resp.len;
	t->pub.req_body.p = t->req.buf;
	t->pub.req_body.len = t->req.kept;
	t->pub.resp_body.p = t->resp.buf;
	t->pub.resp_body.len = t->resp.kept;
	memset(out, 0, sizeof(*out));
	out->kind = APP_MSG_HTTP;
	out->dir = dir;
	out->u.http = &t->pub;
	return true;
}

const struct app_parser_ops app_parser_http = {
    .name = "http",
    .id = APP_HTTP,
    .rule_names = APP_NAMES("http", "http1"),
    .probe = http_probe,
    .state_new = http_state_new,
    .state_free = http_state_free,
    .stream = http_stream,
    .datagram = NULL,
    .flow_end = http_flow_end,
    .current = http_current,
};

/* ---- descriptor: the http event, buffers and observables -------------------------------- */

static void
http_eve_headers(struct jw *w, const char *key, const struct app_http_header *h, uint16_t n)
{
	uint16_t i;

	if (n == 0)
		return;
	jw_arr_begin(w, key);
	for (i = 0; i < n; i++) {
		jw_obj_begin(w, NULL);
		jw_strn(w, "name", h[i].name.p, h[i].name.len);
		jw_strn(w, "value", h[i].value.p, h[i].value.len);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* Suricata's http object: hostname, url, http_user_agent, http_content_type, http_method,
 * protocol, status, length, and the headers. */
void
app_http_eve_txn(struct jw *w, const struct app_http_txn *t, bool headers)
{
	jw_obj_begin(w, "http");
	if (t->host.len > 0)
		jw_strn(w, "hostname", t->host.p, t->host.len);
	if (t->port != 0)
		jw_u64(w, "http_port", t->port);
	jw_strn(w, "url", t->uri_raw.p, t->uri_raw.len);
	if (t->uri.len > 0 && (t->uri.len != t->uri_raw.len ||
			       memcmp(t->uri.p, t->uri_raw.p, t->uri.len) != 0))
		jw_strn(w, "url_normalized", t->uri.p, t->uri.len);
	if (t->user_agent.len > 0)
		jw_strn(w, "http_user_agent", t->user_agent.p, t->user_agent.len);
	if (t->content_type.len > 0)
		jw_strn(w, "http_content_type", t->content_type.p, t->content_type.len);
	if (t->referer.len > 0)
		jw_strn(w, "http_refer", t->referer.p, t->referer.len);
	jw_strn(w, "http_method", t->method.p, t->method.len);
	if (t->protocol.len > 0)
		jw_strn(w, "protocol", t->protocol.p, t->protocol.len);
	if (t->status != 0)
		jw_u64(w, "status", (uint64_t)t->status);
	if (t->location.len > 0)
		jw_strn(w, "redirect", t->location.p, t->location.len);
	jw_u64(w, "length", t->resp_body_len);
	if (t->req_body_len > 0)
		jw_u64(w, "request_body_length", t->req_body_len);
	if (headers) {
		http_eve_headers(w, "request_headers", t->req_headers, t->n_req_headers);
		http_eve_headers(w, "response_headers", t->resp_headers, t->n_resp_headers);
	}
	jw_obj_end(w);
}

static void
http_eve(struct jw *w, const struct app_msg *msg, bool in_alert)
{
	(void)in_alert;
	jw_u64(w, "tx_id", msg->u.http->tx_id);
	app_http_eve_txn(w, msg->u.http, true);
}

/* The host, and the full URL as the client asked for it: scheme, host, port, target. */
static void
http_observables(const struct app_msg *msg, app_observable_fn *fn, void *arg)
{
	const struct app_http_txn *t = msg->u.http;
	struct app_observable o = {.dir = FLOW_TO_SERVER};
	char url[4096];
	int n;

	if (t->host.len == 0)
		return;
	o.type = APP_OBS_DOMAIN, o.where = "http.host";
	o.value = t->host.p, o.len = t->host.len;
	fn(arg, &o);
	if (t->uri_raw.len == 0 || t->uri_raw.p[0] != '/')
		return;
	if (t->port != 0 && t->port != 80)
		n = snprintf(url, sizeof(url), "http://%.*s:%u%.*s", (int)t->host.len,
			     (const char *)t->host.p, t->port, (int)t->uri_raw.len,
			     (const char *)t->uri_raw.p);
	else
		n = snprintf(url, sizeof(url), "http://%.*s%.*s", (int)t->host.len,
			     (const char *)t->host.p, (int)t->uri_raw.len, (const char *)t->uri_raw.p);
	if (n <= 0 || (size_t)n >= sizeof(url))
		return;
	o.type = APP_OBS_URL, o.where = "http.url";
	o.value = (const uint8_t *)url, o.len = (size_t)n;
	fn(arg, &o);
}

static int
http_buf_stat_code(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	if (m->u.http->status == 0 || size < 4)
		return SW_E_NOTFOUND;
	snprintf(scratch, size, "%d", m->u.http->status);
	*out = app_buf_text(scratch);
	return 0;
}

APP_BUFFER_GETTER(http_buf_uri, struct app_http_txn, http, http->uri)
APP_BUFFER_GETTER(http_buf_uri_raw, struct app_http_txn, http, http->uri_raw)
APP_BUFFER_GETTER(http_buf_host, struct app_http_txn, http, http->host)
APP_BUFFER_GETTER(http_buf_method, struct app_http_txn, http, http->method)
APP_BUFFER_GETTER(http_buf_ua, struct app_http_txn, http, http->user_agent)
APP_BUFFER_GETTER(http_buf_header, struct app_http_txn, http, http->req_headers_raw)
APP_BUFFER_GETTER(http_buf_resp_header, struct app_http_txn, http, http->resp_headers_raw)
APP_BUFFER_GETTER(http_buf_cookie, struct app_http_txn, http, http->cookie)
APP_BUFFER_GETTER(http_buf_ctype, struct app_http_txn, http, http->content_type)
APP_BUFFER_GETTER(http_buf_req_body, struct app_http_txn, http, http->req_body)
APP_BUFFER_GETTER(http_buf_stat_msg, struct app_http_txn, http, http->status_msg)
APP_BUFFER_GETTER(http_buf_protocol, struct app_http_txn, http, http->protocol)
APP_BUFFER_GETTER(http_buf_resp_body, struct app_http_txn, http, http->resp_body)

static const struct app_buffer_desc http_buffers[] = {
    {"http.uri", NULL, APP_NAMES("http_uri", "uricontent"), FLOW_TO_SERVER, http_buf_uri},
    {"http.uri.raw", NULL, APP_NAMES("http_raw_uri"), FLOW_TO_SERVER, http_buf_uri_raw},
    {"http.host", NULL, APP_NAMES("http_host", "http_raw_host"), FLOW_TO_SERVER, http_buf_host},
    {"http.method", NULL, APP_NAMES("http_method"), FLOW_TO_SERVER, http_buf_method},
    {"http.user_agent", NULL, APP_NAMES("http_user_agent"), FLOW_TO_SERVER, http_buf_ua},
    {"http.header", NULL, APP_NAMES("http_header", "http_raw_header"), FLOW_TO_SERVER,
     http_buf_header},
    {"http.response_header", NULL, NULL, FLOW_TO_CLIENT, http_buf_resp_header},
    {"http.cookie", NULL, APP_NAMES("http_cookie"), FLOW_TO_SERVER, http_buf_cookie},
    {"http.content_type", APP_NAMES("http_content_type"), NULL, FLOW_TO_CLIENT, http_buf_ctype},
    {"http.request_body", APP_NAMES("http.client_body"), APP_NAMES("http_client_body"),
     FLOW_TO_SERVER, http_buf_req_body},
    {"http.stat_code", NULL, APP_NAMES("http_stat_code"), FLOW_TO_CLIENT, http_buf_stat_code},
    {"http.stat_msg", NULL, APP_NAMES("http_stat_msg"), FLOW_TO_CLIENT, http_buf_stat_msg},
    {"http.protocol", APP_NAMES("http_protocol"), NULL, FLOW_TO_SERVER, http_buf_protocol},
    {"http.response_body", APP_NAMES("http.server_body"), APP_NAMES("http_server_body"),
     FLOW_TO_CLIENT, http_buf_resp_body},
    /* the body of a transaction's response; rules pick the body by their direction */
    {"file.data", APP_NAMES("file_data"), NULL, -1, http_buf_resp_body},
};

const struct app_msg_desc app_desc_http = {
    .kind = APP_MSG_HTTP,
    .name = "http",
    .proto = APP_HTTP,
    .one_way = false,
    .buffers = http_buffers,
    .nbuffers = sizeof(http_buffers) / sizeof(http_buffers[0]),
    .eve = http_eve,
    .observables = http_observables,
};
