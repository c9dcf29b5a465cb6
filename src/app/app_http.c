/* src/app/app_http.c: HTTP/1.x parser and the files its bodies carry, read as browsers read it (RFC 9112, 9110, 3986). */
/*
 * Each direction of the reassembled TCP stream is a sequence of messages:
 *
 *   start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
 *
 * Attackers serve malware from servers they control, so what counts is what the victim's browser
 * accepts, not what the RFC allows. Where the two differ this parser reads a message as Chromium
 * does (net/http: HttpStreamParser, HttpUtil, HttpResponseHeaders, HttpChunkedDecoder), and
 * every construct a browser tolerates but an RFC reader may not (an evasion attempt) raises a
 * named anomaly (ANOMALIES below), once per transaction:
 *
 *   - a header block ends at LF [CR] LF; inside it a lone CR or LF also ends a line (LF-only and
 *     CR-only line ends); leading CR/LF before a message is skipped; a response's status line may
 *     start up to 4 bytes in ("http" in any case); without one in the first 8 bytes the response
 *     is HTTP/0.9 (the body runs to the close), or, when no request waits for one, garbage that
 *     is skipped up to the next "HTTP/1." (resync); a block that never ends (the server closed) is
 *     read as headers without a body.
 *   - a field line starting with SP/HT continues the previous one when that one was a field
 *     (joined with one SP), else it is dropped; blanks between the name and the colon are
 *     dropped; a name that is not a token, or a line without a colon, is dropped; values lose
 *     surrounding SP/HT only.
 *   - status line: "HTTP/x.y" read loosely, the first run of digits after the first SP is the
 *     status (none: 200), the rest the reason; a version below 1.1 ignores chunked.
 *   - framing: no body for HEAD, 1xx, 204, 205, 304; else Transfer-Encoding chunked when any of
 *     its comma-separated codings is "chunked" (case-insensitive; "\x7fchunked" is not); else
 *     Content-Length when it is only digits (a different second value: conflict, the first
 *     wins); else until the close. Requests: chunked, Content-Length, or no body.
 *   - chunked: the size line loses one CR before its LF, anything from ';', and trailing SPs;
 *     the rest must be hex (else Chromium refuses the body: it is truncated, and the parser
 *     carries on with the leading hex digits to keep its place); the data must end with an empty
 *     line; trailers are dropped; the body is complete at the empty line after the last chunk.
 *   - Content-Encoding: every coding of every header, in order; when one is unknown, "identity"
 *     or empty, the body is kept as sent (Chromium); else they are undone in reverse order
 *     (app_http_body.c), at most app.http.decompress.max-layers (more: truncated).
 *
 * The header block of the message being read is gathered in a per-direction buffer that grows
 * up to app.http.header-max (256 KiB, Chromium's limit; more: counted, anomaly, the direction is
 * no longer parsed). A request makes a transaction, queued (at most HTTP_TXN_MAX pending:
 * pipelining); a response goes to the oldest transaction without one, or makes one of its own
 * (a capture that started mid-connection). Interim 1xx responses (but 101) are skipped. A
 * transaction is emitted (APP_MSG_HTTP, then one APP_MSG_FILE per non-empty body, one per part
 * with a filename of a multipart/form-data request) when its request and its response are
 * both complete, or at flow end / when the direction is lost with what there is, marked
 * truncated.
 *
 * Body depth: the first HTTP_BODY_DEPTH (16 KiB) decoded bytes are kept (req_body / resp_body)
 * while a loaded rule reads them (app_ctx.body_keep; else the body is hashed, not copied);
 * the whole decoded body is counted and hashed (MD5, SHA-1, SHA-256 with libcrypto EVP), so a
 * file past the depth is still complete with its real hashes. A truncated body (a gap, the
 * reassembly depth, the connection ending early, a decode error, a body Chromium refuses) has no
 * hashes (""). When the file store wants bodies (app_ctx.file_keep), a body is kept whole up to
 * that many bytes, in the same buffer and charged the same way; the rules still see its first
 * HTTP_BODY_DEPTH bytes, the file message carries the whole (app_file.content).
 *
 * Gaps: inside a body of known length the gap is skipped (the body is truncated, the next
 * message is where it should be); elsewhere the message is truncated and the direction resyncs
 * at the next request line (a method at a line start) or "HTTP/1." (responses; the pending
 * transactions are emitted first, since no response can be matched to them any more).
 *
 * Protocol switches: a 101 (Upgrade: websocket, h2c) ends HTTP on the connection; a 2xx to
 * CONNECT hands the connection to the TLS parser (app_ctx.switch_proto).
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

#include "app/app_http_int.h"
#include "stream/stream.h"

#define HTTP_HDR_DEFAULT (256 << 10) /* header block (start line included), Chromium's limit */
#define HTTP_HDR_FIRST   2048        /* first allocation of a header buffer */
#define HTTP_LINE_MAX    16384       /* chunk-size line, trailer line (Chromium's) */
#define HTTP_TXN_MAX     32          /* pending transactions per connection */
/* header slots kept in the transaction per message; past them, all APP_HTTP_MAX_HEADERS are
 * allocated (most messages have fewer than 16 headers, and a transaction lives as long as its
 * response takes: 64 slots a side were 4 KiB of its 5.3) */
#define HTTP_HDRS_INLINE 16
#define HTTP_BODY_DEPTH  (16 << 10)  /* decoded body bytes kept per body */
#define HTTP_HOST_MAX    256
#define HTTP_LAYERS_DEFAULT 5
#define HTTP_PARTS_MAX   16          /* multipart parts kept (as files) per request */
#define HTTP_PART_TEXT   256         /* bytes kept of a part's name, filename, type */

enum http_phase {
	PH_HEADERS = 0,  /* gathering a start line and header block */
	PH_BODY_LEN,     /* body_left bytes of a Content-Length body */
	PH_CHUNK_SIZE,   /* a chunk-size line */
	PH_CHUNK_DATA,   /* body_left bytes of chunk data */
	PH_CHUNK_CRLF,   /* the CRLF after chunk data */
	PH_TRAILERS,     /* trailer lines up to an empty one */
	PH_BODY_CLOSE,   /* response body until the connection closes */
	PH_RESYNC,       /* looking for the next message */
};

/* The anomalies, as anomaly events and app-layer-event rules name them ("http." + name). */
enum http_anom {
	HA_LF_ONLY = 0,
	HA_LONE_CR,
	HA_FOLDING,
	HA_SPACE_START,
	HA_NAME_SPACE,
	HA_NAME_INVALID,
	HA_NO_COLON,
	HA_VALUE_CTL,
	HA_NUL,
	HA_HEADERS_UNTERMINATED,
	HA_HEADER_TOO_BIG,
	HA_STATUS_LINE,
	HA_JUNK_BEFORE_STATUS,
	HA_HTTP09,
	HA_NO_REQUEST,
	HA_RESYNC,
	HA_REQUEST_LINE,
	HA_TE_CL,
	HA_TE_NOT_CHUNKED,
	HA_TE_ODD,
	HA_TE_HTTP10,
	HA_CL_DUP,
	HA_CL_CONFLICT,
	HA_CL_INVALID,
	HA_CHUNK_SIZE_INVALID,
	HA_CHUNK_SIZE_SPACES,
	HA_CHUNK_EXT,
	HA_CHUNK_SIZE_MISSING,
	HA_CHUNK_UNTERMINATED,
	HA_CHUNKED_INCOMPLETE,
	HA_CE_UNKNOWN,
	HA_CE_STACKED,
	HA_CE_TOO_MANY,
	HA_DECODE_FAILED,
	HA_DEFLATE_RAW,
	HA_GZIP_TRAILER,
	HA_GZIP_FIELDS,
	HA_ENC_TRAILING,
	HA_ENC_UNFINISHED,
	HA_DECOMPRESS_LIMITED,
	HA_MULTIPART_MALFORMED,
	HA_101_UNREQUESTED,
	HA_GZIP_RESERVED,
	HA_CL_DECODED,
	HA_MAX
};

static const char *const anom_names[HA_MAX + 1] = { /* NULL-terminated: app_parser_ops.events */
    [HA_LF_ONLY] = "http.lf_only_line_end",
    [HA_LONE_CR] = "http.lone_cr_line_end",
    [HA_FOLDING] = "http.header_folding",
    [HA_SPACE_START] = "http.header_space_start",
    [HA_NAME_SPACE] = "http.header_name_space",
    [HA_NAME_INVALID] = "http.header_name_invalid",
    [HA_NO_COLON] = "http.header_no_colon",
    [HA_VALUE_CTL] = "http.header_value_control",
    [HA_NUL] = "http.header_nul",
    [HA_HEADERS_UNTERMINATED] = "http.headers_unterminated",
    [HA_HEADER_TOO_BIG] = "http.header_too_big",
    [HA_STATUS_LINE] = "http.status_line_invalid",
    [HA_JUNK_BEFORE_STATUS] = "http.junk_before_status_line",
    [HA_HTTP09] = "http.response_http09",
    [HA_NO_REQUEST] = "http.response_without_request",
    [HA_RESYNC] = "http.resync",
    [HA_REQUEST_LINE] = "http.request_line_invalid",
    [HA_TE_CL] = "http.te_and_cl",
    [HA_TE_NOT_CHUNKED] = "http.te_not_chunked",
    [HA_TE_ODD] = "http.te_odd_chunked",
    [HA_TE_HTTP10] = "http.te_chunked_http10",
    [HA_CL_DUP] = "http.content_length_repeated",
    [HA_CL_CONFLICT] = "http.content_length_conflict",
    [HA_CL_INVALID] = "http.content_length_invalid",
    [HA_CHUNK_SIZE_INVALID] = "http.chunk_size_invalid",
    [HA_CHUNK_SIZE_SPACES] = "http.chunk_size_spaces",
    [HA_CHUNK_EXT] = "http.chunk_extension",
    [HA_CHUNK_SIZE_MISSING] = "http.chunk_size_missing",
    [HA_CHUNK_UNTERMINATED] = "http.chunk_data_unterminated",
    [HA_CHUNKED_INCOMPLETE] = "http.chunked_incomplete",
    [HA_CE_UNKNOWN] = "http.content_encoding_unknown",
    [HA_CE_STACKED] = "http.content_encoding_stacked",
    [HA_CE_TOO_MANY] = "http.content_encoding_too_many",
    [HA_DECODE_FAILED] = "http.content_decoding_failed",
    [HA_DEFLATE_RAW] = "http.deflate_raw",
    [HA_GZIP_TRAILER] = "http.gzip_trailer_invalid",
    [HA_GZIP_FIELDS] = "http.gzip_header_fields",
    [HA_ENC_TRAILING] = "http.content_encoding_trailing_data",
    [HA_ENC_UNFINISHED] = "http.content_encoding_unfinished",
    [HA_DECOMPRESS_LIMITED] = "http.decompress_limited",
    [HA_MULTIPART_MALFORMED] = "http.multipart_malformed",
    [HA_101_UNREQUESTED] = "http.switching_protocols_unrequested",
    [HA_GZIP_RESERVED] = "http.gzip_reserved_flags",
    [HA_CL_DECODED] = "http.content_length_decoded",
};

/* Hash contexts of one file being hashed. */
struct http_hash {
	EVP_MD_CTX *md[APP_HASH_N]; /* MD5, SHA-1, SHA-256 */
	unsigned mask;              /* the ones computed (APP_HASH_* bits) */
	bool ok;
};

/* One body of a transaction. */
struct http_body {
	uint8_t *buf; /* the first HTTP_BODY_DEPTH decoded bytes */
	size_t kept, cap;
	uint64_t len;  /* decoded bytes */
	uint64_t wire; /* bytes on the wire (dechunked, still encoded) */
	bool truncated, done;
	bool gap; /* bytes of the body were never seen (a hole in the stream): fileinfo gaps */
	uint64_t gap_off; /* where the first hole was, in decoded bytes */
	bool nokeep; /* the memory cap refused the buffer: the body is hashed, not kept */
	bool unread; /* no loaded rule reads body bytes and no store wants them: hashed only */
	/* the file store wants the whole body up to keep_max bytes (app_ctx.file_keep); rules
	 * still see only the first HTTP_BODY_DEPTH */
	bool keep_whole;
	uint64_t keep_max;
	char md5[33], sha1[41], sha256[65];
};

/* One part of a multipart/form-data request: a file of its own. */
struct http_part {
	char name[HTTP_PART_TEXT], filename[HTTP_PART_TEXT], ctype[HTTP_PART_TEXT];
	uint16_t name_len, filename_len, ctype_len;
	uint64_t size;
	uint64_t off; /* where its data starts in the decoded request body */
	bool complete;
	char md5[33], sha1[41], sha256[65];
};

/* One request and its response. */
struct http_txn {
	/* txn_push leaves req_hdrs and resp_hdrs unwritten: keep them together, in this order */
	struct app_http_txn pub;
	uint8_t *req_raw, *resp_raw; /* the header blocks, start line included */
	size_t req_raw_len, resp_raw_len;
	uint8_t *fold[2];  /* folded (joined) header values, per direction */
	size_t fold_len[2], fold_cap[2];
	uint8_t *uri_norm;
	size_t uri_norm_len;
	char host[HTTP_HOST_MAX];
	struct app_http_header req_hdrs[HTTP_HDRS_INLINE];
	struct app_http_header resp_hdrs[HTTP_HDRS_INLINE];
	struct app_buf req_disposition, resp_disposition; /* filenames */
	/* per direction, once a message has more than HTTP_HDRS_INLINE headers: all its
	 * APP_HTTP_MAX_HEADERS slots, charged (in charged); NULL before */
	struct app_http_header *hdrs_more[2];
	struct http_body req, resp;
	struct http_part *parts;
	uint8_t nparts;
	bool multipart; /* the request body is split into parts: its files are the parts */
	bool req_done, resp_started, resp_done;
	bool is_head, is_connect;
	bool req_upgrade; /* the request asked for a protocol switch (Upgrade) */
	uint64_t anoms; /* anomalies raised (bits of enum http_anom) */
	size_t charged; /* bytes charged to the worker's app memory, but for the bodies' buffers */
};

_Static_assert(offsetof(struct http_txn, resp_hdrs) ==
		       offsetof(struct http_txn, req_hdrs) + sizeof(((struct http_txn *)0)->req_hdrs) &&
		   offsetof(struct http_txn, req_disposition) ==
		       offsetof(struct http_txn, resp_hdrs) + sizeof(((struct http_txn *)0)->resp_hdrs),
	       "txn_push zeroes around the header slots");

/* What a header block says about its body. */
struct http_framing {
	bool chunked, has_len, len_invalid, te_present, te_other, te_odd;
	unsigned te_chunked; /* "chunked" codings seen */
	uint64_t len;
	struct app_buf cl_first; /* the first Content-Length value */
	uint8_t codings[HTTP_CODINGS_MAX];
	unsigned ncodings; /* codings to undo (more than HTTP_CODINGS_MAX: counted on) */
	bool coding_unknown, ce_empty;
	bool cl_conflict, nul; /* Chromium refuses such a response */
	struct app_buf upgrade;
	int major, minor; /* the response's version */
};

struct http_dir {
	struct sw_memcap *mem; /* the worker's (the state's) */
	int phase;
	uint8_t *hdr; /* the header block or line being gathered, grown as needed */
	size_t hdr_len, hdr_cap;
	uint64_t body_left;
	uint64_t body_len; /* the Content-Length of the body being read */
	bool stopped;
	bool start_ok;   /* responses: the status line's start was found */
	bool refused;    /* the body being read is one Chromium refuses (kept going, truncated) */
	uint8_t resync_m; /* resync: bytes of the pattern matched */
	struct http_txn *t;  /* the transaction whose message is being read */
	struct http_body *b; /* its body being read */
	/* the body sink */
	struct http_hash body_hash, part_hash;
	struct http_chain *chain;
	unsigned chain_flags;  /* HTTP_DEC_* already reported */
	bool dec_off;          /* nothing more of this body is decoded (error, bound, gap) */
	struct http_multipart *mp;
	struct http_part *part; /* the part being read */
	/* frames (app_frame.c, http1.request / http1.response): the bytes of the message under
	 * way, gathered when rules want this direction's frames (decided by its first data) */
	uint8_t *fr_buf;
	size_t fr_len, fr_cap;
	bool fr_on, fr_decided;
	bool fr_end;  /* message_end was called: the frame ends where this step of reading does */
	bool fr_skip; /* the message gets no frame (a gap, too long, app.memcap refused) */
};

struct http_state {
	struct sw_memcap *mem; /* the worker's: every buffer here is charged to it */
	struct http_dir dir[2];
	struct http_txn *q[HTTP_TXN_MAX]; /* pending transactions, oldest first */
	unsigned nq;
	uint32_t next_tx_id;
	bool resp_seen; /* a response was read on this connection */
	bool started;   /* data was seen: the directions are settled */
	bool swapped;   /* the flow's "to server" direction carries the responses (a capture
			   that started mid-connection took the server for the client) */
	bool stopped;   /* a protocol switch: nothing more is HTTP */
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


/* ---- hashing -------------------------------------------------------------------------------- */

static void
hash_begin(struct http_hash *h, unsigned mask, const EVP_MD *const *mds)
{
	/* a context made without a worker (tests, fuzz targets): the built-in digests, looked
	 * up by OpenSSL at each initialisation */
	const EVP_MD *builtin[APP_HASH_N];
	int i;

	if (mds == NULL) {
		builtin[0] = EVP_md5();
		builtin[1] = EVP_sha1();
		builtin[2] = EVP_sha256();
		mds = builtin;
	}
	h->ok = true;
	h->mask = 0;
	for (i = 0; i < APP_HASH_N; i++) {
		if (!(mask & (1u << i)) || mds[i] == NULL)
			continue;
		/* the context stays with the connection from one body to the next: initialised
		 * again, not allocated again */
		if (h->md[i] == NULL && (h->md[i] = EVP_MD_CTX_new()) == NULL)
			h->ok = false;
		else if (EVP_DigestInit_ex2(h->md[i], mds[i], NULL) != 1)
			h->ok = false;
		else
			h->mask |= 1u << i;
	}
}

static void
hash_update(struct http_hash *h, const uint8_t *p, size_t n)
{
	int i;

	if (!h->ok)
		return;
	for (i = 0; i < APP_HASH_N; i++)
		if ((h->mask & (1u << i)) && EVP_DigestUpdate(h->md[i], p, n) != 1)
			h->ok = false;
}

static void
hash_final(struct http_hash *h, char *md5, char *sha1, char *sha256)
{
	md5[0] = sha1[0] = sha256[0] = '\0';
	if (!h->ok)
		return;
	if (h->mask & APP_HASH_MD5)
		digest_hex(h->md[0], md5, 33);
	if (h->mask & APP_HASH_SHA1)
		digest_hex(h->md[1], sha1, 41);
	if (h->mask & APP_HASH_SHA256)
		digest_hex(h->md[2], sha256, 65);
	h->ok = false;
}

static void
hash_free(struct http_hash *h)
{
	for (int i = 0; i < 3; i++)
		EVP_MD_CTX_free(h->md[i]);
}

/* ---- transactions ------------------------------------------------------------------------ */

static void
txn_free(struct http_state *s, struct http_txn *t)
{
	if (t == NULL)
		return;
	sw_memcap_give(s->mem, t->charged - sizeof(*t) + t->req.cap + t->resp.cap);
	free(t->req_raw);
	free(t->resp_raw);
	free(t->fold[0]);
	free(t->fold[1]);
	free(t->uri_norm);
	free(t->req.buf);
	free(t->resp.buf);
	free(t->parts);
	free(t->hdrs_more[0]);
	free(t->hdrs_more[1]);
	app_state_release(s->mem, sizeof(*t), t);
}

static void
http_error(struct app_ctx *ctx)
{
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->errors[APP_HTTP], 1);
}

/* Raises anomaly a of transaction t (NULL: of the connection), once per transaction. */
static void
http_anomaly(struct app_ctx *ctx, struct http_txn *t, enum flow_dir dir, enum http_anom a)
{
	if (t != NULL) {
		if (t->anoms & (1ull << a))
			return;
		t->anoms |= 1ull << a;
	}
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->http_anomalies, 1);
	if (ctx->anomaly != NULL)
		ctx->anomaly(ctx->arg, ctx->f, dir, APP_HTTP, anom_names[a],
			     t != NULL ? t->pub.tx_id : 0, t != NULL);
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

/* What the file store gets of file, the decoded bytes [off, off + len) of body b (a whole body,
 * or a multipart part of it): content and keep (enum app_file_keep). A truncated file gets what
 * was seen of it (as Suricata's file-store writes a truncated file), when its first bytes were
 * kept. A file longer than the store's depth (keep_max, outputs.file-store.stream-depth, from
 * the body's start) is cut there as Suricata 7 cuts it (app-layer-htp.c,
 * HTPCallbackResponseBodyData / HTPCallbackRequestBodyData: past AppLayerHtpCheckDepth the
 * open file is closed FILE_TRUNCATED): state TRUNCATED without a gap (unless a hole came
 * before the cut), size and content its first bytes up to the depth; one that starts past the
 * depth has nothing kept. */
static void
file_keep(struct app_file *file, const struct http_body *b, uint64_t off, uint64_t len)
{
	uint64_t have = b->kept > off ? b->kept - off : 0;
	uint64_t room = b->keep_max > off ? b->keep_max - off : 0;
	bool cut = false;

	if (!b->keep_whole) {
		file->keep = APP_FILE_KEEP_OFF;
		return;
	}
	if (len > room) {
		cut = true;
		len = room;
		file->size = room;
		file->state = APP_FILE_TRUNCATED;
		if (file->gaps && b->gap_off >= b->keep_max)
			file->gaps = false; /* the hole came after the cut */
	}
	if (have > len)
		have = len;
	if (cut && room == 0)
		file->keep = APP_FILE_KEEP_DEPTH;
	else if (have < len && (b->nokeep || !cut))
		file->keep = file->state != APP_FILE_COMPLETE && !b->nokeep ? APP_FILE_KEEP_CUT
									      : APP_FILE_KEEP_MEMCAP;
	else if (cut)
		file->keep = APP_FILE_KEEP_DEPTH_CUT;
	else
		file->keep = file->state == APP_FILE_COMPLETE ? APP_FILE_KEEP_WHOLE : APP_FILE_KEEP_CUT;
	if (file->keep != APP_FILE_KEEP_DEPTH && file->keep != APP_FILE_KEEP_MEMCAP &&
	    b->buf != NULL) {
		file->content.p = b->buf + off;
		file->content.len = (size_t)have;
	}
}

/* file.data of file, the decoded bytes [off, off + file->size) of body b: those of them rules
 * see (the body's first HTTP_BODY_DEPTH), as file->data (own_data). */
static void
file_data_slice(struct app_file *file, const struct http_body *b, uint64_t off)
{
	uint64_t seen = b->kept < HTTP_BODY_DEPTH ? b->kept : HTTP_BODY_DEPTH;

	file->own_data = true;
	file->data.p = (const uint8_t *)"";
	file->data.len = 0;
	if (b->buf != NULL && off < seen) {
		file->data.p = b->buf + off;
		file->data.len = (size_t)(file->size < seen - off ? file->size : seen - off);
	}
}

/* Emits file (of t): its hashes, when it is complete, from md5, sha1, sha256. */
static void
emit_file_msg(struct app_ctx *ctx, struct http_txn *t, struct app_file *file, const char *md5,
	      const char *sha1, const char *sha256)
{
	struct app_msg msg;

	if (file->state == APP_FILE_COMPLETE) {
		memcpy(file->md5, md5, sizeof(file->md5));
		memcpy(file->sha1, sha1, sizeof(file->sha1));
		memcpy(file->sha256, sha256, sizeof(file->sha256));
	}
	file->tx_id = t->pub.tx_id;
	file->txn = &t->pub;

	memset(&msg, 0, sizeof(msg));
	msg.kind = APP_MSG_FILE;
	msg.dir = file->dir;
	msg.ts = ctx->ts;
	msg.u.file = file;
	if (ctx->emit != NULL)
		ctx->emit(ctx->arg, ctx->f, &msg);
}

static void
emit_file(struct app_ctx *ctx, struct http_txn *t, const struct http_body *b, enum flow_dir dir)
{
	struct app_file file;
	struct app_buf disp = dir == FLOW_TO_SERVER ? t->req_disposition : t->resp_disposition;

	memset(&file, 0, sizeof(file));
	file.name = disp.len > 0 ? disp : uri_file_name(t);
	file.content_type = dir == FLOW_TO_SERVER ? t->pub.content_type_req : t->pub.content_type;
	file.dir = dir;
	file.size = b->len;
	file.state = b->truncated || !b->done ? APP_FILE_TRUNCATED : APP_FILE_COMPLETE;
	file.gaps = b->gap;
	file_keep(&file, b, 0, b->len);
	if (file.size < b->len) /* cut at the file store's depth: file.data no further */
		file_data_slice(&file, b, 0);
	emit_file_msg(ctx, t, &file, b->md5, b->sha1, b->sha256);
}

/* The parts of a multipart/form-data request that have a filename, a file each. */
static void
emit_parts(struct app_ctx *ctx, struct http_txn *t)
{
	for (unsigned i = 0; i < t->nparts; i++) {
		const struct http_part *pt = &t->parts[i];
		struct app_file file;

		memset(&file, 0, sizeof(file));
		/* its filename, empty for filename="" (as Suricata names such a file) */
		file.name.p = (const uint8_t *)pt->filename;
		file.name.len = pt->filename_len;
		file.form_name.p = (const uint8_t *)pt->name;
		file.form_name.len = pt->name_len;
		file.content_type.p = (const uint8_t *)pt->ctype;
		file.content_type.len = pt->ctype_len;
		file.dir = FLOW_TO_SERVER;
		file.size = pt->size;
		/* a part closed by the next delimiter is whole, whatever befell the body after
		 * it; one still open when the body stopped is truncated, with a gap when a hole
		 * in the body came while it was open */
		file.state = pt->complete ? APP_FILE_COMPLETE : APP_FILE_TRUNCATED;
		file.gaps = !pt->complete && t->req.gap && t->req.gap_off >= pt->off;
		file_keep(&file, &t->req, pt->off, pt->size);
		/* file.data: the part's bytes among those rules see, so a form field's value
		 * is no file's data */
		file_data_slice(&file, &t->req, pt->off);
		emit_file_msg(ctx, t, &file, pt->md5, pt->sha1, pt->sha256);
	}
}

static void
txn_publish(struct http_txn *t)
{
	struct app_http_txn *pub = &t->pub;

	pub->req_headers = t->hdrs_more[0] != NULL ? t->hdrs_more[0] : t->req_hdrs;
	pub->resp_headers = t->hdrs_more[1] != NULL ? t->hdrs_more[1] : t->resp_hdrs;
	pub->req_body_len = t->req.len;
	pub->resp_body_len = t->resp.len;
	pub->req_body.p = t->req.buf;
	pub->req_body.len = t->req.kept < HTTP_BODY_DEPTH ? t->req.kept : HTTP_BODY_DEPTH;
	pub->resp_body.p = t->resp.buf;
	pub->resp_body.len = t->resp.kept < HTTP_BODY_DEPTH ? t->resp.kept : HTTP_BODY_DEPTH;
	pub->req_truncated = t->req.truncated;
	pub->resp_truncated = t->resp.truncated;
}

/* Emits t and its files; marks what was not complete as truncated. */
static void
emit_txn(struct app_ctx *ctx, struct http_txn *t)
{
	struct app_msg msg;

	if (!t->req_done || (t->req.wire > 0 && !t->req.done))
		t->req.truncated = true;
	if (t->resp_started && !t->resp_done)
		t->resp.truncated = true;
	if (t->resp.wire > 0 && !t->resp.done)
		t->resp.truncated = true;
	txn_publish(t);
	memset(&msg, 0, sizeof(msg));
	msg.kind = APP_MSG_HTTP;
	msg.dir = FLOW_TO_SERVER;
	msg.ts = ctx->ts;
	msg.u.http = &t->pub;
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->messages[APP_HTTP], 1);
	if (ctx->emit != NULL)
		ctx->emit(ctx->arg, ctx->f, &msg);
	if (t->multipart)
		emit_parts(ctx, t);
	else if (t->req.wire > 0 || t->req.len > 0)
		emit_file(ctx, t, &t->req, FLOW_TO_SERVER);
	if (t->resp.wire > 0 || t->resp.len > 0)
		emit_file(ctx, t, &t->resp, FLOW_TO_CLIENT);
}

/* The body sinks of d stop reading (the decoders' memory goes back now). */
static void
sink_drop(struct http_dir *d)
{
	http_chain_free(d->chain);
	d->chain = NULL;
	http_multipart_free(d->mp);
	d->mp = NULL;
	d->part = NULL;
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
			sink_drop(&s->dir[i]);
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

	if (s->nq >= HTTP_TXN_MAX || (t = sw_memcap_alloc(s->mem, sizeof(*t), false)) == NULL)
		return NULL;
	/* zeroed but for the header slots (most of the transaction's size), which are read only
	 * below pub.n_req_headers / n_resp_headers, written before */
	memset(t, 0, offsetof(struct http_txn, req_hdrs));
	memset(&t->req_disposition, 0, sizeof(*t) - offsetof(struct http_txn, req_disposition));
	t->charged = sizeof(*t);
	t->pub.tx_id = s->next_tx_id++;
	s->q[s->nq++] = t;
	return t;
}

/* ---- the body sink: decode, keep, hash --------------------------------------------------- */

/* Copies at most HTTP_PART_TEXT bytes of b (p may be NULL when empty) into out; the length. */
static uint16_t
part_text(char *out, const struct app_buf *b)
{
	size_t n = b->len < HTTP_PART_TEXT ? b->len : HTTP_PART_TEXT;

	if (n > 0)
		memcpy(out, b->p, n);
	return (uint16_t)n;
}

static void
part_begin(void *arg, const struct http_part_info *info)
{
	struct http_dir *d = arg;
	struct http_txn *t = d->t;
	struct http_part *pt;

	d->part = NULL;
	/* a form field (no filename) is no file: its bytes stay in the body only */
	if (t == NULL || !info->has_filename)
		return;
	if (t->parts == NULL) {
		if (!sw_memcap_take(d->mem, HTTP_PARTS_MAX * sizeof(*t->parts)))
			return;
		if ((t->parts = calloc(HTTP_PARTS_MAX, sizeof(*t->parts))) == NULL) {
			sw_memcap_give(d->mem, HTTP_PARTS_MAX * sizeof(*t->parts));
			return;
		}
		t->charged += HTTP_PARTS_MAX * sizeof(*t->parts);
	}
	if (t->nparts >= HTTP_PARTS_MAX)
		return; /* counted in the body's length, not a file of its own */
	pt = &t->parts[t->nparts++];
	pt->name_len = part_text(pt->name, &info->name);
	pt->filename_len = part_text(pt->filename, &info->filename);
	pt->ctype_len = part_text(pt->ctype, &info->content_type);
	pt->off = info->data_off;
	{
		/* the worker's digests, as the body's contexts hold them (the state keeps no
		 * pointer of its own: its size is charged to app.memcap) */
		const EVP_MD *mds[APP_HASH_N];

		for (int i = 0; i < APP_HASH_N; i++)
			mds[i] = d->body_hash.md[i] != NULL ? EVP_MD_CTX_get0_md(d->body_hash.md[i])
							    : NULL;
		hash_begin(&d->part_hash, d->body_hash.mask, mds);
	}
	d->part = pt;
}

static void
part_data(void *arg, const uint8_t *p, size_t n)
{
	struct http_dir *d = arg;

	if (d->part == NULL)
		return;
	d->part->size += n;
	hash_update(&d->part_hash, p, n);
}

static void
part_end(void *arg, bool complete)
{
	struct http_dir *d = arg;
	struct http_part *pt = d->part;

	if (pt == NULL)
		return;
	pt->complete = complete;
	if (complete)
		hash_final(&d->part_hash, pt->md5, pt->sha1, pt->sha256);
	d->part = NULL;
}

static const struct http_multipart_cb part_cb_template = {part_begin, part_data, part_end, NULL};

/* Decoded bytes: counted, kept up to the depth, hashed (and split into parts). */
static void
sink_decoded(void *arg, const uint8_t *p, size_t n)
{
	struct http_dir *d = arg;
	struct http_body *b = d->b;
	size_t lim;

	if (n == 0 || b == NULL)
		return;
	/* the detection depth, or the whole body for the file store */
	lim = b->keep_whole && b->keep_max > HTTP_BODY_DEPTH && b->keep_max <= SIZE_MAX
		      ? (size_t)b->keep_max
		      : HTTP_BODY_DEPTH;
	b->len += n;
	hash_update(&d->body_hash, p, n);
	if (d->mp != NULL) {
		struct http_multipart_cb cb = part_cb_template;
		cb.arg = d;
		http_multipart_write(d->mp, p, n, &cb);
	}
	if (b->kept < lim && !b->nokeep && !b->unread) {
		size_t take = lim - b->kept < n ? lim - b->kept : n;
		if (b->kept + take > b->cap) {
			size_t cap = b->cap < 4096 ? 4096 : b->cap;
			uint8_t *nb;
			/* a body of known length, not encoded, gets what it keeps at once (one
			 * allocation, not 4K, 8K, 16K and two copies) */
			if (b->cap == 0 && d->chain == NULL && d->phase == PH_BODY_LEN &&
			    d->body_len > cap)
				cap = d->body_len < lim ? (size_t)d->body_len : lim;
			while (cap < b->kept + take)
				cap *= 2;
			if (cap > lim)
				cap = lim;
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

/* Reports what the decoders ran into since the last call. */
static void
sink_flags(struct app_ctx *ctx, struct http_dir *d, enum flow_dir dir, unsigned flags)
{
	static const struct {
		unsigned bit;
		enum http_anom a;
	} map[] = {
	    {HTTP_DEC_RAW_DEFLATE, HA_DEFLATE_RAW},     {HTTP_DEC_GZIP_TRAILER, HA_GZIP_TRAILER},
	    {HTTP_DEC_TRAILING, HA_ENC_TRAILING},       {HTTP_DEC_UNFINISHED, HA_ENC_UNFINISHED},
	    {HTTP_DEC_GZIP_FIELDS, HA_GZIP_FIELDS},     {HTTP_DEC_GZIP_RESERVED, HA_GZIP_RESERVED},
	};
	unsigned fresh = flags & ~d->chain_flags;

	d->chain_flags |= flags;
	for (size_t i = 0; fresh != 0 && i < sizeof(map) / sizeof(map[0]); i++)
		if (fresh & map[i].bit)
			http_anomaly(ctx, d->t, dir, map[i].a);
}

static void
sink_begin(struct app_ctx *ctx, struct http_dir *d, enum flow_dir dir, struct http_body *b,
	   const struct http_framing *fr)
{
	unsigned max = ctx->http_decompress.max_layers != 0 ? ctx->http_decompress.max_layers
							    : HTTP_LAYERS_DEFAULT;
	int r;

	d->b = b;
	d->chain_flags = 0;
	d->dec_off = false;
	b->keep_whole = ctx->file_keep > 0;
	b->keep_max = ctx->file_keep;
	b->unread = !ctx->body_keep && !b->keep_whole;
	hash_begin(&d->body_hash, ctx->file_hashes, (const EVP_MD *const *)ctx->file_md);
	sink_drop(d);
	if (fr->coding_unknown || fr->ce_empty || fr->ncodings == 0)
		return;
	if (fr->ncodings > max || fr->ncodings > HTTP_CODINGS_MAX) {
		/* more layers than we undo: what comes out would not be what the browser saves */
		http_anomaly(ctx, d->t, dir, HA_CE_TOO_MANY);
		d->dec_off = true;
		b->truncated = true;
		return;
	}
	if ((r = http_chain_new(d->mem, fr->codings, fr->ncodings, &d->chain)) != 0) {
		if (ctx->st != NULL)
			sw_counter_add(&ctx->st->http_decompress_memcap, 1);
		d->dec_off = true;
		b->truncated = true;
	}
}

/* Wire bytes of the current body (dechunked). */
static void
sink_wire(struct app_ctx *ctx, struct http_dir *d, enum flow_dir dir, const uint8_t *p, size_t n)
{
	struct http_body *b = d->b;
	int r;

	if (b == NULL || n == 0)
		return;
	b->wire += n;
	if (d->dec_off)
		return;
	if (d->chain == NULL) {
		sink_decoded(d, p, n);
		return;
	}
	r = http_chain_write(d->chain, &ctx->http_decompress, p, n, sink_decoded, d);
	sink_flags(ctx, d, dir, http_chain_flags(d->chain));
	if (r == 0)
		return;
	b->truncated = true;
	if (r == SW_E_RANGE) {
		/* a decompression bomb, or a body too big to decode: what is decoded stays,
		 * unhashed, and nothing more of it is decoded */
		if (ctx->st != NULL)
			sw_counter_add(&ctx->st->http_decompress_limited, 1);
		http_anomaly(ctx, d->t, dir, HA_DECOMPRESS_LIMITED);
	} else if (r == SW_E_MEMCAP || r == SW_E_NOMEM) {
		if (ctx->st != NULL)
			sw_counter_add(&ctx->st->http_decompress_memcap, 1);
	} else {
		http_error(ctx);
		http_anomaly(ctx, d->t, dir, HA_DECODE_FAILED);
	}
	http_chain_free(d->chain); /* the decoders' memory goes back now */
	d->chain = NULL;
	d->dec_off = true;
}

/* The current body ended as announced: its hashes are final. */
static void
sink_end(struct app_ctx *ctx, struct http_dir *d, enum flow_dir dir)
{
	struct http_body *b = d->b;

	if (b == NULL)
		return;
	if (d->chain != NULL)
		sink_flags(ctx, d, dir, http_chain_end(d->chain));
	if (d->mp != NULL) {
		struct http_multipart_cb cb = part_cb_template;
		cb.arg = d;
		if (!http_multipart_end(d->mp, &cb))
			http_anomaly(ctx, d->t, dir, HA_MULTIPART_MALFORMED);
	}
	sink_drop(d);
	b->done = true;
	if (d->refused)
		b->truncated = true;
	if (!b->truncated)
		hash_final(&d->body_hash, b->md5, b->sha1, b->sha256);
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

/* Splits v at commas into trimmed elements (Chromium's value lists; empty ones skipped): calls
 * fn for each. */
static void
list_each(struct app_buf v, void (*fn)(void *arg, struct app_buf e), void *arg, bool empties)
{
	size_t i = 0;

	while (i <= v.len) {
		const uint8_t *comma = i < v.len ? memchr(v.p + i, ',', v.len - i) : NULL;
		size_t end = comma != NULL ? (size_t)(comma - v.p) : v.len;
		struct app_buf e = buf_trim(v.p + i, end - i);

		if (e.len > 0 || empties)
			fn(arg, e);
		i = end + 1;
	}
}

/* Only digits, as Chromium's StringToInt64 takes them (no sign, no blanks). */
static bool
parse_digits(struct app_buf b, uint64_t *out)
{
	uint64_t v = 0;

	if (b.len == 0 || b.len > 18)
		return false;
	for (size_t i = 0; i < b.len; i++) {
		if (b.p[i] < '0' || b.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(b.p[i] - '0');
	}
	*out = v;
	return true;
}

struct field_ctx {
	struct app_ctx *ctx;
	struct sw_memcap *mem; /* the state's */
	struct http_txn *t;
	enum flow_dir dir;
	struct http_framing *fr;
};

static void
cl_elem(void *arg, struct app_buf e)
{
	struct field_ctx *fc = arg;
	struct http_framing *fr = fc->fr;

	if (fr->cl_first.p == NULL) {
		fr->cl_first = e;
		fr->has_len = parse_digits(e, &fr->len);
		fr->len_invalid = !fr->has_len;
		if (fr->len_invalid)
			http_anomaly(fc->ctx, fc->t, fc->dir, HA_CL_INVALID);
		return;
	}
	if (e.len == fr->cl_first.len && memcmp(e.p, fr->cl_first.p, e.len) == 0) {
		http_anomaly(fc->ctx, fc->t, fc->dir, HA_CL_DUP);
	} else {
		http_anomaly(fc->ctx, fc->t, fc->dir, HA_CL_CONFLICT);
		fr->cl_conflict = true;
	}
}

static void
te_elem(void *arg, struct app_buf e)
{
	struct field_ctx *fc = arg;
	struct http_framing *fr = fc->fr;

	if (buf_ieq(e, "chunked")) {
		fr->te_chunked++;
		if (memcmp(e.p, "chunked", 7) != 0)
			fr->te_odd = true; /* another case */
	} else {
		fr->te_other = true;
	}
}

static void
ce_elem(void *arg, struct app_buf e)
{
	struct field_ctx *fc = arg;
	struct http_framing *fr = fc->fr;
	int coding;

	if (e.len == 0) {
		fr->ce_empty = true;
		return;
	}
	if (buf_ieq(e, "gzip") || buf_ieq(e, "x-gzip"))
		coding = HTTP_CODING_GZIP;
	else if (buf_ieq(e, "deflate"))
		coding = HTTP_CODING_DEFLATE;
	else if (buf_ieq(e, "br"))
		coding = HTTP_CODING_BR;
	else if (buf_ieq(e, "zstd"))
		coding = HTTP_CODING_ZSTD;
	else
		coding = -1; /* identity too: Chromium then keeps the whole body as sent */
	if (coding < 0) {
		fr->coding_unknown = true;
		return;
	}
	if (fr->ncodings < HTTP_CODINGS_MAX)
		fr->codings[fr->ncodings] = (uint8_t)coding;
	fr->ncodings++;
}

/* Whether the value has a control byte other than HT (e.g. "\x7fchunked"). */
static bool
has_ctl(struct app_buf v)
{
	for (size_t i = 0; i < v.len; i++)
		if ((v.p[i] < 0x20 && v.p[i] != '\t') || v.p[i] == 0x7f)
			return true;
	return false;
}

/* Parses Content-Range "bytes first-last/complete" (RFC 9110 14.4; complete may be "*"). */
static void
set_content_range(struct http_txn *t, struct app_buf v)
{
	size_t i = 0;
	uint64_t a = 0, b = 0, c = 0;
	bool star = false;

	t->pub.content_range = v;
	if (v.len < 6 || !buf_ieq((struct app_buf){v.p, 5}, "bytes") || !is_blank(v.p[5]))
		return;
	i = 6;
	while (i < v.len && is_blank(v.p[i]))
		i++;
#define RANGE_NUM(x)                                                                               \
	do {                                                                                       \
		size_t d0 = i;                                                                     \
		while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9' && i - d0 < 18)                 \
			x = x * 10 + (uint64_t)(v.p[i++] - '0');                                   \
		if (i == d0)                                                                       \
			return;                                                                    \
	} while (0)
	RANGE_NUM(a);
	if (i >= v.len || v.p[i++] != '-')
		return;
	RANGE_NUM(b);
	if (i >= v.len || v.p[i++] != '/')
		return;
	if (i < v.len && v.p[i] == '*') {
		star = true;
		i++;
	} else {
		RANGE_NUM(c);
	}
#undef RANGE_NUM
	if (i != v.len)
		return;
	t->pub.has_range = true;
	t->pub.range_start = (int64_t)a;
	t->pub.range_end = (int64_t)b;
	t->pub.range_size = star ? -1 : (int64_t)c;
}

/* One complete field (name, value) of a header block: kept, and read when it matters. */
static void
field_use(struct field_ctx *fc, struct app_buf name, struct app_buf value)
{
	struct http_txn *t = fc->t;
	struct http_framing *fr = fc->fr;
	bool request = fc->dir == FLOW_TO_SERVER;
	struct app_http_header *hdrs = request ? t->req_hdrs : t->resp_hdrs;
	struct app_http_header **more = &t->hdrs_more[request ? 0 : 1];
	uint16_t *nh = request ? &t->pub.n_req_headers : &t->pub.n_resp_headers;

	if (*nh == HTTP_HDRS_INLINE && *more == NULL) {
		/* the first header past the inline slots: all of them move to a full array
		 * (when the cap refuses it, the message keeps the first HTTP_HDRS_INLINE) */
		size_t size = APP_HTTP_MAX_HEADERS * sizeof(**more);

		if (sw_memcap_take(fc->mem, size)) {
			if ((*more = malloc(size)) == NULL) {
				sw_memcap_give(fc->mem, size);
			} else {
				memcpy(*more, hdrs, HTTP_HDRS_INLINE * sizeof(*hdrs));
				t->charged += size;
			}
		}
	}
	if (*more != NULL)
		hdrs = *more;
	if (*nh < (*more != NULL ? APP_HTTP_MAX_HEADERS : HTTP_HDRS_INLINE)) {
		hdrs[*nh].name = name;
		hdrs[*nh].value = value;
		(*nh)++;
	}
	if (has_ctl(value))
		http_anomaly(fc->ctx, t, fc->dir, HA_VALUE_CTL);
	switch (lc(name.p[0])) {
	case 'c':
		if (buf_ieq(name, "content-length")) {
			list_each(value, cl_elem, fc, false);
		} else if (buf_ieq(name, "content-encoding")) {
			/* an empty coding ("gzip," too) is Chromium's "none": the body as sent */
			list_each(value, ce_elem, fc, true);
		} else if (buf_ieq(name, "content-type")) {
			if (request)
				t->pub.content_type_req = value;
			else
				t->pub.content_type = value;
		} else if (buf_ieq(name, "content-disposition")) {
			struct app_buf fn = disposition_filename(value);
			struct app_buf *dst = request ? &t->req_disposition : &t->resp_disposition;
			if (dst->p == NULL)
				*dst = fn;
		} else if (!request && buf_ieq(name, "content-range")) {
			set_content_range(t, value);
		} else if (request && buf_ieq(name, "cookie")) {
			t->pub.cookie = value;
		}
		break;
	case 't':
		if (buf_ieq(name, "transfer-encoding")) {
			fr->te_present = true;
			list_each(value, te_elem, fc, false);
		}
		break;
	case 'h':
		if (request && buf_ieq(name, "host") && t->pub.host.len == 0)
			set_host(t, value);
		break;
	case 'u':
		if (request && buf_ieq(name, "user-agent"))
			t->pub.user_agent = value;
		else if (buf_ieq(name, "upgrade")) {
			fr->upgrade = value;
			if (request)
				t->req_upgrade = true;
		}
		break;
	case 'r':
		if (request && buf_ieq(name, "referer"))
			t->pub.referer = value;
		break;
	case 'x':
		if (request && buf_ieq(name, "x-forwarded-for"))
			t->pub.xff = value;
		break;
	case 'l':
		if (!request && buf_ieq(name, "location") && t->pub.location.p == NULL)
			t->pub.location = value;
		break;
	default:
		break;
	}
}

/* Room for n more bytes of folded values in direction dir of t (the whole block is an upper
 * bound of what folding writes). */
static uint8_t *
fold_room(struct sw_memcap *mem, struct http_txn *t, int dir, size_t block_len)
{
	if (t->fold[dir] == NULL) {
		if (!sw_memcap_take(mem, block_len))
			return NULL;
		if ((t->fold[dir] = malloc(block_len)) == NULL) {
			sw_memcap_give(mem, block_len);
			return NULL;
		}
		t->fold_cap[dir] = block_len;
		t->charged += block_len;
	}
	return t->fold[dir];
}

/*
 * Splits the field lines of a header block (raw[off..len)) as Chromium does: lines end at CR or
 * LF, a line starting with SP/HT continues a previous field line (joined with one SP), names
 * lose trailing blanks and must be tokens. Fills the transaction's headers and fr. Returns the
 * number of malformed lines.
 */
static int
parse_fields(struct app_ctx *ctx, struct http_state *s, struct http_txn *t, enum flow_dir dir,
	     const uint8_t *raw, size_t len, size_t off, struct http_framing *fr)
{
	struct field_ctx fc = {ctx, s->mem, t, dir, fr};
	struct app_buf name = {NULL, 0}, value = {NULL, 0};
	bool pending = false; /* name/value is a field line that may be continued */
	int bad = 0;

	while (off < len) {
		const uint8_t *line, *colon;
		size_t ll = 0;
		struct app_buf n;

		while (off < len && (raw[off] == '\r' || raw[off] == '\n'))
			off++;
		if (off >= len)
			break;
		line = raw + off;
		while (off + ll < len && line[ll] != '\r' && line[ll] != '\n')
			ll++;
		off += ll;
		if (is_blank(line[0])) {
			struct app_buf cont = buf_trim(line, ll);
			uint8_t *fb;
			if (!pending) {
				/* nothing to continue: Chromium drops the line */
				http_anomaly(ctx, t, dir, HA_SPACE_START);
				bad++;
				continue;
			}
			http_anomaly(ctx, t, dir, HA_FOLDING);
			if (cont.len == 0)
				continue;
			if ((fb = fold_room(s->mem, t, dir, len)) == NULL)
				continue; /* over the cap: the continuation is dropped */
			if (value.p < fb || value.p >= fb + t->fold_cap[dir]) {
				/* first continuation of this field: its value moves to the fold area */
				if (t->fold_len[dir] + value.len > t->fold_cap[dir])
					continue;
				memcpy(fb + t->fold_len[dir], value.p, value.len);
				value.p = fb + t->fold_len[dir];
				t->fold_len[dir] += value.len;
			}
			if (t->fold_len[dir] + 1 + cont.len > t->fold_cap[dir])
				continue;
			fb[t->fold_len[dir]++] = ' ';
			memcpy(fb + t->fold_len[dir], cont.p, cont.len);
			t->fold_len[dir] += cont.len;
			value.len += 1 + cont.len;
			continue;
		}
		if (pending)
			field_use(&fc, name, value);
		pending = false;
		colon = memchr(line, ':', ll);
		if (colon == NULL) {
			http_anomaly(ctx, t, dir, HA_NO_COLON);
			bad++;
			continue;
		}
		n.p = line;
		n.len = (size_t)(colon - line);
		while (n.len > 0 && is_blank(n.p[n.len - 1]))
			n.len--;
		if (n.len < (size_t)(colon - line))
			http_anomaly(ctx, t, dir, HA_NAME_SPACE);
		if (n.len == 0) {
			http_anomaly(ctx, t, dir, HA_NAME_INVALID);
			bad++;
			continue;
		}
		for (size_t i = 0; i < n.len; i++) {
			if (!is_tchar(n.p[i])) {
				n.len = 0;
				break;
			}
		}
		if (n.len == 0) {
			http_anomaly(ctx, t, dir, HA_NAME_INVALID);
			bad++;
			continue;
		}
		name = n;
		value = buf_trim(colon + 1, ll - (size_t)(colon + 1 - line));
		pending = true;
	}
	if (pending)
		field_use(&fc, name, value);
	return bad;
}

/* Line ends and NULs of a header block, for the anomalies. */
static void
block_scan(struct app_ctx *ctx, struct http_txn *t, enum flow_dir dir, const uint8_t *p, size_t n)
{
	const uint8_t *q = p, *end = p + n;

	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		if (q == p || q[-1] != '\r') {
			http_anomaly(ctx, t, dir, HA_LF_ONLY);
			break;
		}
		q++;
	}
	q = p;
	while ((q = memchr(q, '\r', (size_t)(end - q))) != NULL) {
		if (q + 1 < end && q[1] != '\n') {
			http_anomaly(ctx, t, dir, HA_LONE_CR);
			break;
		}
		q++;
	}
	if (memchr(p, 0, n) != NULL)
		http_anomaly(ctx, t, dir, HA_NUL);
}

/* The length of the start line: up to the first CR or LF. */
static size_t
start_line_len(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] != '\r' && p[i] != '\n')
		i++;
	return i;
}

/* "HTTP/d.d" (case-insensitive name): 0 and the version, else SW_E_INVAL. */
static int
parse_version(const uint8_t *p, size_t n, int *major, int *minor)
{
	const uint8_t *dot;

	if (n < 5 || !buf_ieq((struct app_buf){p, 4}, "http") || p[4] != '/')
		return SW_E_INVAL;
	if ((dot = memchr(p + 5, '.', n - 5)) == NULL || dot + 1 >= p + n)
		return SW_E_INVAL;
	if (p[5] < '0' || p[5] > '9' || dot[1] < '0' || dot[1] > '9')
		return SW_E_INVAL;
	*major = p[5] - '0';
	*minor = dot[1] - '0';
	return 0;
}

/* Parses the request line of t->req_raw (ll bytes): "method SP target SP HTTP/1.x", tolerating
 * runs of blanks and a missing version (HTTP/0.9). The pub buffers point into t->req_raw. */
static int
parse_request_line(struct app_ctx *ctx, struct sw_memcap *mem, struct http_txn *t, size_t ll)
{
	const uint8_t *p = t->req_raw;
	size_t i = 0, m, u0, u1, v0;
	int major = 1, minor = 1;
	bool strict = true;

	while (i < ll && is_tchar(p[i]))
		i++;
	m = i;
	if (m == 0 || i >= ll || !is_blank(p[i]))
		return SW_E_INVAL;
	while (i < ll && is_blank(p[i]))
		i++;
	if (i != m + 1 || p[m] != ' ')
		strict = false;
	u0 = i;
	while (i < ll && !is_blank(p[i]) && p[i] != 0x7f && p[i] != 0)
		i++;
	u1 = i;
	if (u1 == u0)
		return SW_E_INVAL;
	while (i < ll && is_blank(p[i]))
		i++;
	if (i != u1 + 1 || (i < ll && p[u1] != ' '))
		strict = false;
	v0 = i;
	while (i < ll && !is_blank(p[i]))
		i++;
	if (v0 == ll) {
		strict = false; /* no version: HTTP/0.9 */
		t->pub.protocol.p = p + v0;
		t->pub.protocol.len = 0;
	} else {
		if (parse_version(p + v0, i - v0, &major, &minor) != 0 || i - v0 != 8 ||
		    memcmp(p + v0, "HTTP/1.", 7) != 0 || major != 1)
			strict = false;
		if (i - v0 < 5 || !buf_ieq((struct app_buf){p + v0, 5}, "http/"))
			return SW_E_INVAL; /* a third word that is not a version: not HTTP */
		t->pub.protocol.p = p + v0;
		t->pub.protocol.len = i - v0;
		if (i != ll)
			strict = false;
	}
	t->pub.method.p = p;
	t->pub.method.len = m;
	t->pub.uri_raw.p = p + u0;
	t->pub.uri_raw.len = u1 - u0;
	if (!strict) {
		http_anomaly(ctx, t, FLOW_TO_SERVER, HA_REQUEST_LINE);
		http_error(ctx);
	}
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

/* Strict "HTTP/1.x SP 3DIGIT [SP reason]" (the probe). */
static int
parse_status_line(const uint8_t *p, size_t ll, int *status, struct app_buf *msg)
{
	if (ll < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
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

/* A status line as Chromium reads it (HttpResponseHeaders::ParseStatusLine): the version
 * loosely (unreadable: 1.0), the digits after the first SP run (none: 200), the rest the
 * reason. Sets the transaction's fields; *strict says whether it was the RFC's form. */
static void
parse_status_loose(struct http_txn *t, const uint8_t *p, size_t ll, struct http_framing *fr,
		   bool *strict)
{
	int st = 0;
	size_t i, d0, sp;
	struct app_buf msg;

	*strict = parse_status_line(p, ll, &st, &msg) == 0;
	if (parse_version(p, ll, &fr->major, &fr->minor) != 0) {
		fr->major = 1;
		fr->minor = 0;
	}
	for (sp = 0; sp < ll && p[sp] != ' '; sp++)
		;
	t->pub.resp_protocol.p = p;
	t->pub.resp_protocol.len = sp;
	i = sp;
	while (i < ll && p[i] == ' ')
		i++;
	d0 = i;
	st = 0;
	while (i < ll && p[i] >= '0' && p[i] <= '9') {
		if (i - d0 < 3)
			st = st * 10 + (p[i] - '0'); /* more digits: the first three */
		i++;
	}
	if (i == d0)
		st = 200;
	while (i < ll && p[i] == ' ')
		i++;
	t->pub.status = st;
	t->pub.status_msg = buf_trim(p + i, ll - i);
}

/* ---- frames: http1.request, http1.response ---------------------------------------------- */

#define HTTP_FRAME_MAX  (1u << 20) /* a longer message has no frame (app.frames_memcap) */
#define HTTP_FRAME_KEEP 16384      /* a gathering buffer up to this size is kept for the next */

static void
http_frame_free(struct http_dir *d)
{
	if (d->fr_buf != NULL) {
		free(d->fr_buf);
		sw_memcap_give(d->mem, d->fr_cap);
	}
	d->fr_buf = NULL;
	d->fr_cap = d->fr_len = 0;
}

/* The next n bytes of the message of d (not its end). */
static void
http_frame_add(struct app_ctx *ctx, struct http_dir *d, const uint8_t *p, size_t n)
{
	size_t want = d->fr_len + n, cap;
	uint8_t *b;

	if (n == 0 || d->fr_skip)
		return;
	if (want > HTTP_FRAME_MAX)
		goto refuse;
	if (want > d->fr_cap) {
		cap = d->fr_cap > 0 ? d->fr_cap * 2 : 1024;
		while (cap < want)
			cap *= 2;
		if (cap > HTTP_FRAME_MAX)
			cap = HTTP_FRAME_MAX;
		if (!sw_memcap_take(d->mem, cap - d->fr_cap))
			goto refuse;
		if ((b = realloc(d->fr_buf, cap)) == NULL) {
			sw_memcap_give(d->mem, cap - d->fr_cap);
			goto refuse;
		}
		d->fr_buf = b;
		d->fr_cap = cap;
	}
	memcpy(d->fr_buf + d->fr_len, p, n);
	d->fr_len = want;
	return;
refuse:
	d->fr_skip = true;
	d->fr_len = 0;
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->frames_memcap, 1);
}

/* What one step of reading dir consumed, p[0..n): a piece of the message under way, or its end
 * when message_end was called in the step (p NULL: a close ended it). */
static void
http_frame_step(struct app_ctx *ctx, struct http_dir *d, enum flow_dir dir, const uint8_t *p,
		size_t n)
{
	int type = dir == FLOW_TO_SERVER ? APP_FRAME_HTTP1_REQUEST : APP_FRAME_HTTP1_RESPONSE;

	if (!d->fr_on)
		return;
	if (!d->fr_end) {
		http_frame_add(ctx, d, p, n);
		return;
	}
	if (!d->fr_skip && d->fr_len == 0 && n > 0) { /* whole in this step: in place */
		app_frame_emit(ctx, dir, APP_HTTP, type, p, n);
	} else {
		http_frame_add(ctx, d, p, n);
		if (!d->fr_skip && d->fr_len > 0)
			app_frame_emit(ctx, dir, APP_HTTP, type, d->fr_buf, d->fr_len);
	}
	d->fr_len = 0;
	d->fr_end = d->fr_skip = false;
	if (d->fr_cap > HTTP_FRAME_KEEP)
		http_frame_free(d);
}

/* The message under way lost bytes (a gap) or was given up (resync): it gets no frame. */
static void
http_frame_lost(struct http_dir *d)
{
	d->fr_len = 0;
	d->fr_skip = d->fr_on;
}

/* ---- messages -------------------------------------------------------------------------- */

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

	d->refused = false;
	if (fr->chunked) {
		d->phase = PH_CHUNK_SIZE;
	} else if (fr->has_len && fr->len > 0) {
		d->phase = PH_BODY_LEN;
		d->body_left = d->body_len = fr->len;
	} else if (!fr->has_len && until_close) {
		d->phase = PH_BODY_CLOSE;
	} else {
		d->phase = PH_HEADERS;
		b->done = true;
		return;
	}
	sink_begin(ctx, d, dir, b, fr);
	if (dir == FLOW_TO_SERVER && t->pub.content_type_req.len > 0) {
		struct app_buf boundary = http_multipart_boundary(t->pub.content_type_req);
		if (boundary.len > 0 && http_multipart_new(d->mem, boundary, &d->mp) != 0)
			d->mp = NULL;
		/* a multipart body: its files are its parts that have a filename, never the
		 * body as a whole (Suricata 7, HTP_BODY_REQUEST_MULTIPART) */
		if (d->mp != NULL)
			t->multipart = true;
	}
}

/* The message of direction dir is complete. */
static void
message_end(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir)
{
	struct http_dir *d = &s->dir[dir];
	struct http_txn *t = d->t;

	d->fr_end = true; /* its frame, if wanted (http_frame_step) */
	sink_end(ctx, d, dir);
	d->phase = PH_HEADERS;
	d->start_ok = false;
	d->t = NULL;
	if (t == NULL)
		return;
	if (dir == FLOW_TO_SERVER) {
		t->req_done = true;
	} else {
		t->resp_done = true;
		if (t->pub.status == 101 || (t->is_connect && t->pub.status / 100 == 2)) {
			/* the connection is no longer HTTP */
			if (t->is_connect && t->pub.status != 101) {
				t->pub.protocol_switch = app_buf_text("connect");
				ctx->switch_proto = APP_TLS;
			}
			s->stopped = true;
			http_flush(ctx, s, true);
			return;
		}
	}
	http_flush(ctx, s, false);
}

/* The response goes to the oldest transaction without one. */
static struct http_txn *
response_txn(struct app_ctx *ctx, struct http_state *s)
{
	unsigned i;
	struct http_txn *t;

	for (i = 0; i < s->nq; i++)
		if (!s->q[i]->resp_done && !s->q[i]->resp_started)
			return s->q[i];
	if ((t = txn_push(s)) != NULL) {
		t->req_done = true; /* a response without a request (mid-stream) */
		http_anomaly(ctx, t, FLOW_TO_CLIENT, HA_NO_REQUEST);
	}
	return t;
}

/* Copies the block in d->hdr for a transaction; charged to the memcap. */
static uint8_t *
block_copy(struct http_state *s, struct http_dir *d)
{
	uint8_t *raw;

	if (!sw_memcap_take(s->mem, d->hdr_len))
		return NULL;
	if ((raw = malloc(d->hdr_len > 0 ? d->hdr_len : 1)) == NULL) {
		sw_memcap_give(s->mem, d->hdr_len);
		return NULL;
	}
	memcpy(raw, d->hdr, d->hdr_len);
	return raw;
}

/* The field lines of t's header block raw (after its start line of ll bytes) in direction dir:
 * the raw headers, the line-end anomalies, the fields, and what they say of the framing. */
static void
block_fields(struct app_ctx *ctx, struct http_state *s, struct http_txn *t, enum flow_dir dir,
	     const uint8_t *raw, size_t ll, struct http_framing *fr)
{
	struct http_dir *d = &s->dir[dir];
	struct app_buf *hraw = dir == FLOW_TO_SERVER ? &t->pub.req_headers_raw
						     : &t->pub.resp_headers_raw;
	size_t off = ll;

	if (off < d->hdr_len && raw[off] == '\r')
		off++;
	if (off < d->hdr_len && raw[off] == '\n')
		off++;
	hraw->p = raw + off;
	hraw->len = d->hdr_len - off;
	block_scan(ctx, t, dir, raw, d->hdr_len);
	fr->nul = memchr(raw, 0, d->hdr_len) != NULL;
	if (parse_fields(ctx, s, t, dir, raw, d->hdr_len, off, fr) > 0)
		http_error(ctx);
	d->t = t;
	if (fr->te_chunked > 0 && fr->cl_first.p != NULL)
		http_anomaly(ctx, t, dir, HA_TE_CL);
	if (fr->te_present && fr->te_chunked == 0)
		http_anomaly(ctx, t, dir, HA_TE_NOT_CHUNKED);
	if (fr->te_chunked > 0 && (fr->te_chunked > 1 || fr->te_other || fr->te_odd))
		http_anomaly(ctx, t, dir, HA_TE_ODD);
}

/* A complete request header block is in d->hdr[0..hdr_len). Returns 0, or <0 when it is not a
 * request (then the direction resyncs). */
static int
request_block(struct app_ctx *ctx, struct http_state *s)
{
	struct http_dir *d = &s->dir[FLOW_TO_SERVER];
	size_t ll = start_line_len(d->hdr, d->hdr_len);
	struct http_framing fr;
	struct http_txn *t;
	uint8_t *raw;
	int r;

	if ((raw = block_copy(s, d)) == NULL)
		return SW_E_MEMCAP;
	if ((t = txn_push(s)) == NULL) {
		free(raw);
		sw_memcap_give(s->mem, d->hdr_len);
		return SW_E_RANGE;
	}
	t->req_raw = raw;
	t->req_raw_len = d->hdr_len;
	t->charged += d->hdr_len;
	if ((r = parse_request_line(ctx, s->mem, t, ll)) != 0) {
		/* not a request, or no room for its normalized URI: drop the transaction */
		s->q[--s->nq] = NULL;
		s->next_tx_id--;
		txn_free(s, t);
		return r == SW_E_MEMCAP ? r : SW_E_INVAL;
	}
	memset(&fr, 0, sizeof(fr));
	block_fields(ctx, s, t, FLOW_TO_SERVER, raw, ll, &fr);
	fr.chunked = fr.te_chunked > 0;
	if (fr.len_invalid)
		http_error(ctx);
	if (fr.ncodings > 1)
		http_anomaly(ctx, t, FLOW_TO_SERVER, HA_CE_STACKED);
	if (fr.coding_unknown)
		fr.ncodings = 0;
	if (fr.chunked)
		fr.has_len = false;
	begin_body(ctx, s, FLOW_TO_SERVER, &fr, false);
	if (d->phase == PH_HEADERS)
		message_end(ctx, s, FLOW_TO_SERVER);
	return 0;
}

/* A complete response header block (status line found) is in d->hdr[0..hdr_len); complete is
 * false when the server closed before its end (read as headers without a body). */
static int
response_block(struct app_ctx *ctx, struct http_state *s, bool complete)
{
	struct http_dir *d = &s->dir[FLOW_TO_CLIENT];
	size_t ll = start_line_len(d->hdr, d->hdr_len);
	struct http_framing fr;
	struct http_txn *t, tmp;
	uint8_t *raw;
	bool strict;
	int status;

	memset(&fr, 0, sizeof(fr));
	memset(&tmp, 0, sizeof(tmp));
	parse_status_loose(&tmp, d->hdr, ll, &fr, &strict);
	status = tmp.pub.status;
	if (status == 101 && complete) {
		/* Chromium switches only when it asked to (WebSocket); a 101 nobody asked for is
		 * one more interim response */
		struct http_txn *w = NULL;
		for (unsigned i = 0; i < s->nq && w == NULL; i++)
			if (!s->q[i]->resp_done && !s->q[i]->resp_started)
				w = s->q[i];
		if (w == NULL || !w->req_upgrade) {
			http_anomaly(ctx, w, FLOW_TO_CLIENT, HA_101_UNREQUESTED);
			return 0;
		}
	}
	if (status / 100 == 1 && status != 101 && complete)
		return 0; /* interim response (100-continue): the real one follows */
	if ((t = response_txn(ctx, s)) == NULL)
		return SW_E_RANGE;
	if ((raw = block_copy(s, d)) == NULL)
		return SW_E_MEMCAP;
	s->resp_seen = true;
	t->resp_raw = raw;
	t->charged += d->hdr_len;
	t->resp_raw_len = d->hdr_len;
	t->resp_started = true;
	parse_status_loose(t, raw, ll, &fr, &strict);
	if (!strict) {
		http_anomaly(ctx, t, FLOW_TO_CLIENT, HA_STATUS_LINE);
		http_error(ctx);
	}
	if (!complete)
		http_anomaly(ctx, t, FLOW_TO_CLIENT, HA_HEADERS_UNTERMINATED);
	block_fields(ctx, s, t, FLOW_TO_CLIENT, raw, ll, &fr);
	/* framing, as HttpStreamParser::CalculateResponseBodySize decides it */
	fr.chunked = fr.te_chunked > 0 && (fr.major > 1 || (fr.major == 1 && fr.minor >= 1));
	if (fr.te_chunked > 0 && !fr.chunked)
		http_anomaly(ctx, t, FLOW_TO_CLIENT, HA_TE_HTTP10);
	if (fr.coding_unknown || (fr.ce_empty && fr.ncodings > 0))
		http_anomaly(ctx, t, FLOW_TO_CLIENT, HA_CE_UNKNOWN);
	if (fr.ncodings > 1 && !fr.coding_unknown)
		http_anomaly(ctx, t, FLOW_TO_CLIENT, HA_CE_STACKED);
	if (fr.chunked)
		fr.has_len = false;
	if (status == 101 && fr.upgrade.len > 0)
		t->pub.protocol_switch = fr.upgrade;
	if (!complete || t->is_head || status / 100 == 1 || status == 204 || status == 205 ||
	    status == 304 || (t->is_connect && status / 100 == 2)) {
		fr.chunked = false;
		fr.has_len = false;
		begin_body(ctx, s, FLOW_TO_CLIENT, &fr, false);
	} else {
		begin_body(ctx, s, FLOW_TO_CLIENT, &fr, true);
	}
	if (fr.cl_conflict || fr.nul)
		d->refused = true; /* Chromium refuses the whole response */
	if (d->phase == PH_HEADERS)
		message_end(ctx, s, FLOW_TO_CLIENT);
	return 0;
}

/* ---- gathering and resync ------------------------------------------------------------------ */

/* Room for n more bytes in d->hdr, up to max. */
static int
hdr_reserve(struct http_dir *d, size_t n, size_t max)
{
	size_t cap;
	uint8_t *nb;

	if (n > max || d->hdr_len > max - n)
		return SW_E_RANGE;
	if (d->hdr_len + n <= d->hdr_cap)
		return 0;
	cap = d->hdr_cap < HTTP_HDR_FIRST ? HTTP_HDR_FIRST : d->hdr_cap;
	while (cap < d->hdr_len + n)
		cap *= 2;
	if (cap > max)
		cap = max;
	if (!sw_memcap_take(d->mem, cap - d->hdr_cap))
		return SW_E_MEMCAP;
	if ((nb = realloc(d->hdr, cap)) == NULL) {
		sw_memcap_give(d->mem, cap - d->hdr_cap);
		return SW_E_NOMEM;
	}
	d->hdr = nb;
	d->hdr_cap = cap;
	return 0;
}

static void
hdr_release(struct http_dir *d)
{
	sw_memcap_give(d->mem, d->hdr_cap);
	free(d->hdr);
	d->hdr = NULL;
	d->hdr_cap = 0;
	d->hdr_len = 0;
}

/*
 * Gathers header-block bytes from c until the block ends (LF [CR] LF, as Chromium's
 * LocateEndOfHeaders). 1 complete, 0 more needed (c is empty), <0 too large. stop_at bounds
 * what is gathered (the first 8 bytes of a response, to look for its status line).
 */
static int
gather_block(struct http_dir *d, struct cursor *c, size_t max, size_t stop_at)
{
	while (cur_left(c) > 0 && d->hdr_len < stop_at) {
		size_t left = cur_left(c) < stop_at - d->hdr_len ? cur_left(c) : stop_at - d->hdr_len;
		const uint8_t *nl = memchr(c->p, '\n', left);
		size_t take = nl != NULL ? (size_t)(nl - c->p) + 1 : left;
		size_t e;
		int r;

		if ((r = hdr_reserve(d, take, max)) != 0)
			return r;
		memcpy(d->hdr + d->hdr_len, c->p, take);
		cur_skip(c, take);
		d->hdr_len += take;
		if (nl == NULL)
			continue;
		e = d->hdr_len - 1;
		if (e >= 1 && d->hdr[e - 1] == '\n')
			return 1;
		if (e >= 2 && d->hdr[e - 1] == '\r' && d->hdr[e - 2] == '\n')
			return 1;
	}
	return 0;
}

/* Gathers one line (at most HTTP_LINE_MAX) into d->hdr: 1 complete, 0 more needed, <0 too long. */
static int
gather_line(struct http_dir *d, struct cursor *c)
{
	const uint8_t *nl = memchr(c->p, '\n', cur_left(c));
	size_t take = nl != NULL ? (size_t)(nl - c->p) + 1 : cur_left(c);
	int r;

	if ((r = hdr_reserve(d, take, HTTP_LINE_MAX)) != 0)
		return r;
	memcpy(d->hdr + d->hdr_len, c->p, take);
	cur_skip(c, take);
	d->hdr_len += take;
	return nl != NULL;
}

/* Where "http" (any case) starts in the first 4 + 4 bytes, as LocateStartOfStatusLine; -1. */
static int
status_start(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 4 <= n && i <= 4; i++)
		if (buf_ieq((struct app_buf){p + i, 4}, "http"))
			return (int)i;
	return -1;
}

/* Whether data starts like a status line as Chromium finds one: "http/" (any case) within its
 * first 5 bytes. */
static bool
looks_like_status(const uint8_t *data, size_t len)
{
	int at = status_start(data, len < 9 ? len : 9);

	return at >= 0 && (size_t)at + 5 <= len && data[at + 4] == '/';
}

static const char *const methods[] = {"GET ",  "POST ",    "HEAD ",    "PUT ",   "DELETE ",
				      "OPTIONS ", "PATCH ", "TRACE ", "CONNECT ", NULL};

/* Whether p starts with a known method and a SP. */
static bool
is_method_start(const uint8_t *p, size_t n)
{
	for (size_t i = 0; methods[i] != NULL; i++) {
		size_t m = strlen(methods[i]);
		if (n >= m && memcmp(p, methods[i], m) == 0)
			return true;
	}
	return false;
}

/*
 * Looks for the next message in c: a request line (a known method at a line start, whole in
 * this data) or "HTTP/1." anywhere (responses). On a find, the cursor is at the message (for a
 * response, its first 7 bytes are in d->hdr) and 1 is returned; else c is used up and 0.
 */
static int
resync(struct http_dir *d, enum flow_dir dir, struct cursor *c)
{
	static const char pat[] = "HTTP/1.";

	if (dir == FLOW_TO_SERVER) {
		const uint8_t *p = c->p, *end = c->p + cur_left(c);
		bool line_start = d->resync_m == 1;

		while (p < end) {
			const uint8_t *nl;
			if (line_start && is_method_start(p, (size_t)(end - p))) {
				cur_skip(c, (size_t)(p - c->p));
				d->resync_m = 0;
				return 1;
			}
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				break;
			p = nl + 1;
			line_start = true;
		}
		d->resync_m = end > c->p && end[-1] == '\n';
		cur_skip(c, cur_left(c));
		return 0;
	}
	while (cur_left(c) > 0) {
		uint8_t ch = *c->p;
		cur_skip(c, 1);
		if (ch == (uint8_t)pat[d->resync_m]) {
			if (++d->resync_m == sizeof(pat) - 1) {
				d->resync_m = 0;
				d->hdr_len = 0;
				if (hdr_reserve(d, sizeof(pat) - 1, HTTP_HDR_DEFAULT) != 0)
					return 0;
				memcpy(d->hdr, pat, sizeof(pat) - 1);
				d->hdr_len = sizeof(pat) - 1;
				d->start_ok = true;
				return 1;
			}
		} else {
			d->resync_m = ch == 'H';
		}
	}
	return 0;
}

/* Goes looking for the next message of direction dir. */
static void
dir_resync(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir)
{
	struct http_dir *d = &s->dir[dir];

	http_frame_lost(d);
	d->phase = PH_RESYNC;
	d->resync_m = 0;
	d->hdr_len = 0;
	d->start_ok = false;
	http_anomaly(ctx, d->t, dir, HA_RESYNC);
}

/* A response without a status line: HTTP/0.9 (its body runs to the close) when the first
 * request of the connection waits for it, else garbage to skip. The bytes gathered are in
 * d->hdr. */
static void
no_status_line(struct app_ctx *ctx, struct http_state *s)
{
	struct http_dir *d = &s->dir[FLOW_TO_CLIENT];
	struct http_framing fr;
	struct http_txn *t = NULL;

	for (unsigned i = 0; i < s->nq; i++) {
		if (!s->q[i]->resp_started && !s->q[i]->resp_done) {
			t = s->q[i];
			break;
		}
	}
	if (t == NULL || s->resp_seen || t->pub.method.len == 0) {
		struct cursor c;
		size_t n = d->hdr_len;
		uint8_t tmp[16];

		/* look for "HTTP/1." in what was gathered, then in what follows */
		memcpy(tmp, d->hdr, n < sizeof(tmp) ? n : sizeof(tmp));
		dir_resync(ctx, s, FLOW_TO_CLIENT);
		cur_init(&c, tmp, n < sizeof(tmp) ? n : sizeof(tmp));
		if (resync(d, FLOW_TO_CLIENT, &c) == 1) {
			d->phase = PH_HEADERS;
			/* bytes after the pattern in tmp */
			if (cur_left(&c) > 0 && hdr_reserve(d, cur_left(&c), HTTP_HDR_DEFAULT) == 0) {
				memcpy(d->hdr + d->hdr_len, c.p, cur_left(&c));
				d->hdr_len += cur_left(&c);
			}
		}
		return;
	}
	s->resp_seen = true;
	t->resp_started = true;
	t->pub.status = 200; /* what Chromium makes of it: "HTTP/0.9 200 OK" */
	/* no status line, no response protocol (libhtp leaves response_protocol unset); the
	 * request's stays the request's */
	d->t = t;
	http_anomaly(ctx, t, FLOW_TO_CLIENT, HA_HTTP09);
	memset(&fr, 0, sizeof(fr));
	begin_body(ctx, s, FLOW_TO_CLIENT, &fr, true);
	sink_wire(ctx, d, FLOW_TO_CLIENT, d->hdr, d->hdr_len);
	d->hdr_len = 0;
}

/* Parses a chunk-size line (d->hdr, ll bytes without the line end) as HttpChunkedDecoder: cut at
 * ';', trailing SPs dropped, the rest all hex. On junk (Chromium refuses the body) the leading
 * hex digits give the size, to keep our place; SW_E_INVAL when there are none. */
static int
chunk_size(struct app_ctx *ctx, struct http_dir *d, enum flow_dir dir, size_t ll,
	   uint64_t *size)
{
	const uint8_t *p = d->hdr;
	const uint8_t *semi = memchr(p, ';', ll);
	size_t n = semi != NULL ? (size_t)(semi - p) : ll, i = 0;
	uint64_t v = 0;
	bool junk = false;

	if (semi != NULL)
		http_anomaly(ctx, d->t, dir, HA_CHUNK_EXT);
	if (n > 0 && p[n - 1] == ' ') {
		http_anomaly(ctx, d->t, dir, HA_CHUNK_SIZE_SPACES);
		while (n > 0 && p[n - 1] == ' ')
			n--;
	}
	while (i < n && is_blank(p[i])) {
		junk = true; /* leading blanks: Chromium refuses */
		i++;
	}
	size_t d0 = i;
	for (; i < n && hex_val(p[i]) >= 0; i++) {
		if (v >> 59) {
			junk = true; /* past int64: Chromium refuses */
			break;
		}
		v = v << 4 | (uint64_t)hex_val(p[i]);
	}
	if (i == d0)
		return SW_E_INVAL;
	if (i < n)
		junk = true;
	if (junk) {
		http_anomaly(ctx, d->t, dir, HA_CHUNK_SIZE_INVALID);
		d->refused = true;
	}
	*size = v;
	return 0;
}

/* n bytes of a Content-Length body or of chunk data went by. */
static void
body_advance(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir, uint64_t n)
{
	struct http_dir *d = &s->dir[dir];

	d->body_left -= n;
	if (d->body_left > 0)
		return;
	if (d->phase == PH_BODY_LEN)
		message_end(ctx, s, dir);
	else
		d->phase = PH_CHUNK_CRLF;
}

/* Parses the bytes of one direction; returns <0 to stop it. */
static int
http_bytes(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir, const uint8_t *data,
	   size_t len)
{
	struct http_dir *d = &s->dir[dir];
	size_t max = ctx->http_header_max != 0 ? ctx->http_header_max : HTTP_HDR_DEFAULT;
	struct cursor c;
	int r;

	cur_init(&c, data, len);
	while (cur_left(&c) > 0 && !d->stopped && !s->stopped) {
		const uint8_t *step = c.p; /* what this step reads: a piece of a message's frame */
		bool resyncing = d->phase == PH_RESYNC;

		switch (d->phase) {
		case PH_HEADERS:
			if (d->hdr_len == 0) {
				/* empty lines before a message are skipped */
				while (cur_left(&c) > 0 && (*c.p == '\r' || *c.p == '\n'))
					cur_skip(&c, 1);
				if (cur_left(&c) == 0)
					break;
			}
			if (dir == FLOW_TO_CLIENT && !d->start_ok) {
				int at;
				if ((r = gather_block(d, &c, max, 8)) < 0)
					return r;
				if ((at = status_start(d->hdr, d->hdr_len)) >= 0) {
					for (int k = 0; k < at; k++)
						if (d->hdr[k] != '\r' && d->hdr[k] != '\n' &&
						    !is_blank(d->hdr[k]))
							http_anomaly(ctx, NULL, dir,
								     HA_JUNK_BEFORE_STATUS);
					memmove(d->hdr, d->hdr + at, d->hdr_len - (size_t)at);
					d->hdr_len -= (size_t)at;
					d->start_ok = true;
					if (r == 0)
						break;
				} else if (d->hdr_len >= 8 || r == 1) {
					no_status_line(ctx, s);
					break;
				} else {
					break;
				}
			} else if ((r = gather_block(d, &c, max, SIZE_MAX)) < 0) {
				return r;
			}
			if (r == 0)
				break;
			if (dir == FLOW_TO_SERVER) {
				r = request_block(ctx, s);
				d->hdr_len = 0;
				if (r == SW_E_INVAL) {
					http_error(ctx);
					dir_resync(ctx, s, dir);
					break;
				}
			} else {
				r = response_block(ctx, s, true);
				d->hdr_len = 0;
				if (!s->stopped && d->phase == PH_HEADERS)
					d->start_ok = false;
			}
			if (r < 0)
				return r;
			if (s->stopped && ctx->switch_proto != APP_NONE)
				ctx->switch_off = (size_t)(c.p - data);
			break;
		case PH_RESYNC:
			if (resync(d, dir, &c) == 1)
				d->phase = PH_HEADERS;
			break;
		case PH_BODY_LEN:
		case PH_CHUNK_DATA: {
			size_t n = cur_left(&c) < d->body_left ? cur_left(&c) : (size_t)d->body_left;
			const uint8_t *p = c.p;
			cur_skip(&c, n);
			sink_wire(ctx, d, dir, p, n);
			body_advance(ctx, s, dir, n);
			break;
		}
		case PH_BODY_CLOSE: {
			const uint8_t *p = c.p;
			size_t n = cur_left(&c);
			cur_skip(&c, n);
			sink_wire(ctx, d, dir, p, n);
			break;
		}
		case PH_CHUNK_CRLF:
		case PH_CHUNK_SIZE:
		case PH_TRAILERS: {
			size_t ll;
			uint64_t size;
			if ((r = gather_line(d, &c)) < 0) {
				if (d->b != NULL)
					d->b->truncated = true;
				http_anomaly(ctx, d->t, dir, HA_CHUNK_SIZE_INVALID);
				return r;
			}
			if (r == 0)
				break;
			ll = d->hdr_len - 1;
			if (ll > 0 && d->hdr[ll - 1] == '\r')
				ll--;
			if (d->phase == PH_TRAILERS) {
				d->hdr_len = 0;
				if (ll == 0)
					message_end(ctx, s, dir);
				break;
			}
			if (d->phase == PH_CHUNK_CRLF) {
				d->phase = PH_CHUNK_SIZE;
				if (ll == 0) {
					d->hdr_len = 0;
					break;
				}
				/* data longer than its size: Chromium refuses; read on as a size */
				http_anomaly(ctx, d->t, dir, HA_CHUNK_UNTERMINATED);
				d->refused = true;
			}
			if (ll == 0) {
				/* an empty line where a size should be: Chromium refuses */
				http_anomaly(ctx, d->t, dir, HA_CHUNK_SIZE_MISSING);
				d->refused = true;
				d->hdr_len = 0;
				break;
			}
			r = chunk_size(ctx, d, dir, ll, &size);
			d->hdr_len = 0;
			if (r != 0) {
				http_anomaly(ctx, d->t, dir, HA_CHUNK_SIZE_INVALID);
				if (d->b != NULL)
					d->b->truncated = true;
				return r;
			}
			if (size == 0) {
				d->phase = PH_TRAILERS;
			} else {
				d->phase = PH_CHUNK_DATA;
				d->body_left = size;
			}
			break;
		}
		default:
			return SW_E_INVAL;
		}
		if (d->fr_on && !resyncing) /* the bytes skipped looking for a message: no frame */
			http_frame_step(ctx, d, dir, step, (size_t)(c.p - step));
	}
	/* Nothing partial is buffered: give the header buffer back, so an idle keep-alive or a long
	 * download costs nothing per direction (many concurrent flows). */
	if (d->hdr_len == 0 && d->hdr != NULL)
		hdr_release(d);
	return 0;
}

/* The direction can no longer be read (depth, error, end): its message is truncated. */
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
	sink_drop(d);
	d->b = NULL;
	d->t = NULL;
	dir_stop(d);
	if (dir == FLOW_TO_CLIENT)
		http_flush(ctx, s, true);
	else
		http_flush(ctx, s, false);
}

/* A gap of len bytes in direction dir: skipped inside a body of known length, else the message
 * is truncated and the direction resyncs. */
static void
dir_gap(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir, size_t len)
{
	struct http_dir *d = &s->dir[dir];

	http_frame_lost(d);
	if (d->b != NULL) {
		d->b->truncated = true;
		if (!d->b->gap)
			d->b->gap_off = d->b->len;
		d->b->gap = true;
	}
	if ((d->phase == PH_BODY_LEN || d->phase == PH_CHUNK_DATA) && len > 0 &&
	    len <= d->body_left) {
		if (d->b != NULL)
			d->b->wire += len;
		sink_drop(d); /* the decoders cannot go on past the hole */
		d->dec_off = true;
		body_advance(ctx, s, dir, len);
		return;
	}
	if (d->phase == PH_BODY_CLOSE) {
		sink_drop(d);
		d->dec_off = true;
		return;
	}
	if (d->t != NULL && dir == FLOW_TO_SERVER) {
		d->t->req.truncated = true;
		d->t->req_done = true;
	}
	sink_drop(d);
	d->b = NULL;
	d->t = NULL;
	http_flush(ctx, s, dir == FLOW_TO_CLIENT);
	dir_resync(ctx, s, dir);
	d->resync_m = 0;
}

/* ---- the operations ---------------------------------------------------------------------- */

/* A request or a status line, in either direction: a capture that started mid-connection may
 * have taken the server for the client (http_stream turns such a flow around). */
static bool
http_probe(const uint8_t *data, size_t len, enum flow_dir dir)
{
	size_t i, j;

	(void)dir;
	if (looks_like_status(data, len))
		return true;
	if (is_method_start(data, len))
		return true;
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
	int j;

	if (s == NULL)
		return;
	for (i = 0; i < s->nq; i++)
		txn_free(s, s->q[i]);
	for (j = 0; j < 2; j++) {
		struct http_dir *d = &s->dir[j];
		hdr_release(d);
		hash_free(&d->body_hash);
		hash_free(&d->part_hash);
		sink_drop(d);
		http_frame_free(d);
	}
	app_state_release(s->mem, sizeof(*s), s);
}

const size_t app_http_state_size = sizeof(struct http_state);
const size_t app_http_txn_size = sizeof(struct http_txn);

/* The connection closed in direction dir: what an ending means for the message under way. */
static void
dir_close(struct app_ctx *ctx, struct http_state *s, enum flow_dir dir)
{
	struct http_dir *d = &s->dir[dir];

	if (dir == FLOW_TO_CLIENT && d->phase == PH_HEADERS && d->hdr_len > 0) {
		/* the server closed inside a header block: Chromium reads what there is as headers
		 * (or as an HTTP/0.9 body when no status line started it) */
		if (!d->start_ok)
			no_status_line(ctx, s);
		else if (response_block(ctx, s, false) == 0)
			d->hdr_len = 0;
	}
	if (d->phase == PH_BODY_CLOSE) {
		message_end(ctx, s, dir); /* the body ran until the close */
		return;
	}
	if (d->phase == PH_BODY_LEN && d->b != NULL && d->chain != NULL &&
	    d->b->len == d->body_len) {
		/* a coded body whose Content-Length is its decoded size, cut by the close:
		 * Chromium (and Firefox) take it as complete */
		http_anomaly(ctx, d->t, dir, HA_CL_DECODED);
		message_end(ctx, s, dir);
		return;
	}
	if (d->phase == PH_CHUNK_SIZE || d->phase == PH_CHUNK_DATA || d->phase == PH_CHUNK_CRLF ||
	    d->phase == PH_TRAILERS)
		http_anomaly(ctx, d->t, dir, HA_CHUNKED_INCOMPLETE);
}

static void
http_stream(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len,
	    unsigned flags)
{
	struct http_state *s = state;
	struct http_dir *d;
	int r;

	if (s == NULL || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT) || s->stopped)
		return;
	if (!s->started && data != NULL && len > 0) {
		/* the first bytes say which side is the server: a status line from the "client",
		 * or a request line from the "server", turns the flow around */
		s->started = true;
		if (dir == FLOW_TO_SERVER && looks_like_status(data, len))
			s->swapped = true;
		else if (dir == FLOW_TO_CLIENT && is_method_start(data, len))
			s->swapped = true;
	}
	if (s->swapped)
		dir = dir == FLOW_TO_SERVER ? FLOW_TO_CLIENT : FLOW_TO_SERVER;
	d = &s->dir[dir];
	if (d->stopped)
		return;
	if (!d->fr_decided) { /* frames from the direction's first data, or none */
		d->fr_decided = true;
		d->fr_on = app_frame_wanted(ctx, dir == FLOW_TO_SERVER ? APP_FRAME_HTTP1_REQUEST
								      : APP_FRAME_HTTP1_RESPONSE);
	}
	if (flags & STREAM_CHUNK_GAP) {
		dir_gap(ctx, s, dir, len);
		return;
	}
	if (data != NULL && len > 0 && (r = http_bytes(ctx, s, dir, data, len)) != 0) {
		if (r == SW_E_RANGE && d->phase == PH_HEADERS) {
			if (ctx->st != NULL)
				sw_counter_add(&ctx->st->http_header_too_big, 1);
			http_anomaly(ctx, d->t, dir, HA_HEADER_TOO_BIG);
		}
		http_error(ctx);
		dir_cut(ctx, s, dir);
		hdr_release(d);
		return;
	}
	if (s->stopped || d->stopped)
		return;
	if (flags & (STREAM_CHUNK_FIN | STREAM_CHUNK_RST | STREAM_CHUNK_DEPTH)) {
		if (flags & STREAM_CHUNK_FIN) {
			dir_close(ctx, s, dir);
			http_frame_step(ctx, d, dir, NULL, 0); /* a message the close ended */
		}
		if (!s->stopped)
			dir_cut(ctx, s, dir);
		hdr_release(d);
	}
}

static void
http_flow_end(struct app_ctx *ctx, void *state)
{
	struct http_state *s = state;

	if (s == NULL)
		return;
	if (!s->stopped && !s->dir[FLOW_TO_CLIENT].stopped) {
		dir_close(ctx, s, FLOW_TO_CLIENT);
		http_frame_step(ctx, &s->dir[FLOW_TO_CLIENT], FLOW_TO_CLIENT, NULL, 0);
	}
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
	if (s->swapped)
		dir = dir == FLOW_TO_SERVER ? FLOW_TO_CLIENT : FLOW_TO_SERVER;
	t = s->dir[dir].t != NULL ? s->dir[dir].t : s->nq > 0 ? s->q[s->nq - 1] : NULL;
	if (t == NULL || t->pub.method.len == 0)
		return false;
	/* what emit_txn fills in at the end, as far as it is known now */
	txn_publish(t);
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
    .events = anom_names,
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
	if (t->xff.len > 0)
		jw_strn(w, "xff", t->xff.p, t->xff.len);
	jw_strn(w, "http_method", t->method.p, t->method.len);
	if (t->protocol.len > 0)
		jw_strn(w, "protocol", t->protocol.p, t->protocol.len);
	if (t->status != 0)
		jw_u64(w, "status", (uint64_t)t->status);
	if (t->location.len > 0)
		jw_strn(w, "redirect", t->location.p, t->location.len);
	if (t->content_range.len > 0) {
		/* as Suricata logs it: raw, and start / end / size when the value parses */
		jw_obj_begin(w, "content_range");
		jw_strn(w, "raw", t->content_range.p, t->content_range.len);
		if (t->has_range) {
			jw_i64(w, "start", t->range_start);
			jw_i64(w, "end", t->range_end);
			jw_i64(w, "size", t->range_size);
		}
		jw_obj_end(w);
	}
	if (t->protocol_switch.len > 0)
		jw_strn(w, "protocol_switch", t->protocol_switch.p, t->protocol_switch.len);
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
APP_BUFFER_GETTER(http_buf_cookie, struct app_http_txn, http, http->cookie)
APP_BUFFER_GETTER(http_buf_ctype, struct app_http_txn, http, http->content_type)
APP_BUFFER_GETTER(http_buf_req_body, struct app_http_txn, http, http->req_body)
APP_BUFFER_GETTER(http_buf_stat_msg, struct app_http_txn, http, http->status_msg)
APP_BUFFER_GETTER(http_buf_protocol, struct app_http_txn, http, http->protocol)
APP_BUFFER_GETTER(http_buf_resp_protocol, struct app_http_txn, http, http->resp_protocol)
APP_BUFFER_GETTER(http_buf_resp_body, struct app_http_txn, http, http->resp_body)

/* ---- the buffers built from the header blocks (Suricata's http.start, http.header_names,
 * http.request_line, http.header.raw and the one-header buffers) ---- */

/* The transaction a message's public part belongs to (pub is struct http_txn's first member). */
static const struct http_txn *
msg_txn(const struct app_msg *m)
{
	return (const struct http_txn *)(const void *)m->u.http;
}

/* The start line of direction dir's header block, without its line end; empty when none. */
static struct app_buf
block_start_line(const struct http_txn *t, enum flow_dir dir)
{
	const uint8_t *raw = dir == FLOW_TO_SERVER ? t->req_raw : t->resp_raw;
	size_t len = dir == FLOW_TO_SERVER ? t->req_raw_len : t->resp_raw_len;

	if (raw == NULL)
		return (struct app_buf){NULL, 0};
	return (struct app_buf){raw, start_line_len(raw, len)};
}

/* Appends n bytes at *at in scratch[0..size); false when they do not fit. */
static bool
scratch_put(char *scratch, size_t size, size_t *at, const void *p, size_t n)
{
	if (n > size - *at)
		return false;
	if (n > 0)
		memcpy(scratch + *at, p, n);
	*at += n;
	return true;
}

/*
 * The value of header name in direction dir, as Suricata's one-header buffers (http.referer,
 * http.server, ...) give it: the value without the line end; repeated headers joined with
 * ", " in scratch, in the order sent. SW_E_NOTFOUND when absent or when the join does not fit.
 */
static int
header_value(const struct app_msg *m, enum flow_dir dir, const char *name, struct app_buf *out,
	     char *scratch, size_t size)
{
	const struct app_http_txn *t = m->u.http;
	const struct app_http_header *h = dir == FLOW_TO_SERVER ? t->req_headers : t->resp_headers;
	uint16_t n = dir == FLOW_TO_SERVER ? t->n_req_headers : t->n_resp_headers;
	struct app_buf first = {NULL, 0};
	size_t at = 0;
	unsigned seen = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (!buf_ieq(h[i].name, name))
			continue;
		if (seen++ == 0) {
			first = h[i].value;
			continue;
		}
		if (seen == 2 && !scratch_put(scratch, size, &at, first.p, first.len))
			return SW_E_NOTFOUND;
		if (!scratch_put(scratch, size, &at, ", ", 2) ||
		    !scratch_put(scratch, size, &at, h[i].value.p, h[i].value.len))
			return SW_E_NOTFOUND;
	}
	if (seen == 0)
		return SW_E_NOTFOUND;
	*out = seen == 1 ? first : (struct app_buf){(const uint8_t *)scratch, at};
	return 0;
}

/*
 * The header lines of direction dir rebuilt in scratch as Suricata builds two buffers:
 * http.header_names ("\r\n", each name and "\r\n", then "\r\n") when start is false;
 * http.start (the start line and "\r\n", each header as "Name: value\r\n" with folded lines
 * joined and the value's surrounding blanks dropped, then "\r\n") when it is true.
 */
static int
header_lines(const struct app_msg *m, enum flow_dir dir, bool start, struct app_buf *out,
	     char *scratch, size_t size)
{
	const struct app_http_txn *t = m->u.http;
	const struct app_http_header *h = dir == FLOW_TO_SERVER ? t->req_headers : t->resp_headers;
	uint16_t n = dir == FLOW_TO_SERVER ? t->n_req_headers : t->n_resp_headers;
	struct app_buf line = block_start_line(msg_txn(m), dir);
	size_t at = 0;
	bool ok;

	if (line.p == NULL)
		return SW_E_NOTFOUND;
	ok = start ? scratch_put(scratch, size, &at, line.p, line.len) : true;
	ok = ok && scratch_put(scratch, size, &at, "\r\n", 2);
	for (uint16_t i = 0; i < n && ok; i++) {
		ok = scratch_put(scratch, size, &at, h[i].name.p, h[i].name.len);
		if (start)
			ok = ok && scratch_put(scratch, size, &at, ": ", 2) &&
			     scratch_put(scratch, size, &at, h[i].value.p, h[i].value.len);
		ok = ok && scratch_put(scratch, size, &at, "\r\n", 2);
	}
	if (!ok || !scratch_put(scratch, size, &at, "\r\n", 2))
		return SW_E_NOTFOUND;
	*out = (struct app_buf){(const uint8_t *)scratch, at};
	return 0;
}

static int
header_names(const struct app_msg *m, enum flow_dir dir, struct app_buf *out, char *scratch,
	     size_t size)
{
	return header_lines(m, dir, false, out, scratch, size);
}

static int
start_block(const struct app_msg *m, enum flow_dir dir, struct app_buf *out, char *scratch,
	    size_t size)
{
	return header_lines(m, dir, true, out, scratch, size);
}

/* Whether header i repeats the name of a header before it (case-insensitive). */
static bool
header_repeated(const struct app_http_header *h, uint16_t i)
{
	for (uint16_t j = 0; j < i; j++)
		if (h[j].name.len == h[i].name.len &&
		    strncasecmp((const char *)h[j].name.p, (const char *)h[i].name.p,
		                h[i].name.len) == 0)
			return true;
	return false;
}

/* Appends header i of h[0..n) as libhtp's table keeps it, "Name: value" with the values of the
 * headers after it of the same name joined with ", "; false when it does not fit. */
static bool
header_put_joined(char *scratch, size_t size, size_t *at, const struct app_http_header *h,
		  uint16_t n, uint16_t i)
{
	bool ok = scratch_put(scratch, size, at, h[i].name.p, h[i].name.len) &&
	          scratch_put(scratch, size, at, ": ", 2) &&
	          scratch_put(scratch, size, at, h[i].value.p, h[i].value.len);

	for (uint16_t k = i + 1; k < n && ok; k++)
		if (h[k].name.len == h[i].name.len &&
		    strncasecmp((const char *)h[k].name.p, (const char *)h[i].name.p,
		                h[i].name.len) == 0)
			ok = scratch_put(scratch, size, at, ", ", 2) &&
			     scratch_put(scratch, size, at, h[k].value.p, h[k].value.len);
	return ok;
}

/*
 * http.header as Suricata 7 builds it from libhtp's header table: each header once, in the order
 * of its first line, as "Name: value\r\n" (a repeated header's values joined with ", "), without
 * Cookie in a request and Set-Cookie in a response, no blank line at the end (http.header.raw
 * keeps the block as sent). SW_E_NOTFOUND when nothing is left or it does not fit.
 */
static int
header_block(const struct app_msg *m, enum flow_dir dir, struct app_buf *out, char *scratch,
	     size_t size)
{
	const struct app_http_txn *t = m->u.http;
	const struct app_http_header *h = dir == FLOW_TO_SERVER ? t->req_headers : t->resp_headers;
	uint16_t n = dir == FLOW_TO_SERVER ? t->n_req_headers : t->n_resp_headers;
	const char *skip = dir == FLOW_TO_SERVER ? "cookie" : "set-cookie";
	size_t at = 0;
	bool ok = true;

	for (uint16_t i = 0; i < n && ok; i++) {
		if (header_repeated(h, i) || buf_ieq(h[i].name, skip))
			continue;
		ok = header_put_joined(scratch, size, &at, h, n, i) &&
		     scratch_put(scratch, size, &at, "\r\n", 2);
	}
	if (!ok || at == 0)
		return SW_E_NOTFOUND;
	*out = (struct app_buf){(const uint8_t *)scratch, at};
	return 0;
}

/*
 * Header idx of direction dir as Suricata 7 gives HTTP/1's http.request_header and
 * http.response_header values (libhtp's header table): each header once, in the order of its
 * first line, as "Name: value" (a repeated header's values joined with ", "), built in
 * scratch. SW_E_NOTFOUND past the last header or when it does not fit.
 */
static int
header_item(const struct app_msg *m, enum flow_dir dir, size_t idx, struct app_buf *out,
	    char *scratch, size_t size)
{
	const struct app_http_txn *t = m->u.http;
	const struct app_http_header *h = dir == FLOW_TO_SERVER ? t->req_headers : t->resp_headers;
	uint16_t n = dir == FLOW_TO_SERVER ? t->n_req_headers : t->n_resp_headers;
	size_t seen = 0, at = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (header_repeated(h, i) || seen++ != idx)
			continue;
		if (scratch == NULL || !header_put_joined(scratch, size, &at, h, n, i))
			return SW_E_NOTFOUND;
		*out = (struct app_buf){(const uint8_t *)scratch, at};
		return 0;
	}
	return SW_E_NOTFOUND;
}

/* A message as it went by, for rules that mix payload contents with HTTP buffers: the header
 * block as sent (start line included), then the body's kept bytes. */
static int
message_block(const struct app_msg *m, enum flow_dir dir, struct app_buf *out, char *scratch,
	      size_t size)
{
	const struct http_txn *t = msg_txn(m);
	const uint8_t *raw = dir == FLOW_TO_SERVER ? t->req_raw : t->resp_raw;
	size_t len = dir == FLOW_TO_SERVER ? t->req_raw_len : t->resp_raw_len, at = 0;
	struct app_buf body = dir == FLOW_TO_SERVER ? t->pub.req_body : t->pub.resp_body;

	if (raw == NULL)
		return SW_E_NOTFOUND;
	if (body.len == 0) {
		*out = (struct app_buf){raw, len};
		return 0;
	}
	if (!scratch_put(scratch, size, &at, raw, len))
		return SW_E_NOTFOUND;
	if (!scratch_put(scratch, size, &at, body.p, body.len))
		at = len; /* the header block alone */
	*out = (struct app_buf){(const uint8_t *)scratch, at};
	return 0;
}

#define HTTP_LINE_GETTER(fn, dir)                                                                  \
	static int fn(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)    \
	{                                                                                          \
		(void)scratch;                                                                     \
		(void)size;                                                                        \
		*out = block_start_line(msg_txn(m), dir);                                          \
		return out->p != NULL ? 0 : SW_E_NOTFOUND;                                         \
	}
#define HTTP_BUILT_GETTER(fn, builder, dir)                                                        \
	static int fn(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)    \
	{                                                                                          \
		return builder(m, dir, out, scratch, size);                                        \
	}
#define HTTP_HEADER_GETTER(fn, dir, name)                                                          \
	static int fn(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)    \
	{                                                                                          \
		return header_value(m, dir, name, out, scratch, size);                             \
	}

HTTP_LINE_GETTER(http_buf_request_line, FLOW_TO_SERVER)
HTTP_LINE_GETTER(http_buf_response_line, FLOW_TO_CLIENT)
HTTP_BUILT_GETTER(http_buf_header, header_block, FLOW_TO_SERVER)
HTTP_BUILT_GETTER(http_buf_resp_header, header_block, FLOW_TO_CLIENT)
HTTP_BUILT_GETTER(http_buf_start_req, start_block, FLOW_TO_SERVER)
HTTP_BUILT_GETTER(http_buf_start_resp, start_block, FLOW_TO_CLIENT)
HTTP_BUILT_GETTER(http_buf_names_req, header_names, FLOW_TO_SERVER)
HTTP_BUILT_GETTER(http_buf_names_resp, header_names, FLOW_TO_CLIENT)
HTTP_BUILT_GETTER(http_buf_msg_req, message_block, FLOW_TO_SERVER)
HTTP_BUILT_GETTER(http_buf_msg_resp, message_block, FLOW_TO_CLIENT)
/* their first value (the engine reads every value by http_buffer_i_built) */
static int
http_buf_req_header1(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	return header_item(m, FLOW_TO_SERVER, 0, out, scratch, size);
}

static int
http_buf_resp_header1(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	return header_item(m, FLOW_TO_CLIENT, 0, out, scratch, size);
}
HTTP_HEADER_GETTER(http_buf_referer, FLOW_TO_SERVER, "referer")
HTTP_HEADER_GETTER(http_buf_accept, FLOW_TO_SERVER, "accept")
HTTP_HEADER_GETTER(http_buf_accept_enc, FLOW_TO_SERVER, "accept-encoding")
HTTP_HEADER_GETTER(http_buf_accept_lang, FLOW_TO_SERVER, "accept-language")
HTTP_HEADER_GETTER(http_buf_connection, FLOW_TO_SERVER, "connection")
HTTP_HEADER_GETTER(http_buf_cl_req, FLOW_TO_SERVER, "content-length")
HTTP_HEADER_GETTER(http_buf_cl_resp, FLOW_TO_CLIENT, "content-length")
HTTP_HEADER_GETTER(http_buf_ctype_req, FLOW_TO_SERVER, "content-type")
HTTP_HEADER_GETTER(http_buf_server, FLOW_TO_CLIENT, "server")
HTTP_HEADER_GETTER(http_buf_location, FLOW_TO_CLIENT, "location")
/* bothways: http.cookie of a response (Suricata: its Set-Cookie headers) */
HTTP_HEADER_GETTER(http_buf_cookie_resp, FLOW_TO_CLIENT, "set-cookie")
/*
 * http.host.raw as Suricata 7 reads it: on an absolute-form request target
 * ("GET http://User@Host.Example.:8080/p"), the target's host as libhtp's parsed URI holds it
 * (user info and port left out, lower-case, trailing dots dropped: "host.example"); otherwise
 * the Host header as sent (case and port kept).
 */
static int
http_buf_host_raw(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	const struct app_http_txn *h = m->u.http;
	const uint8_t *u = h->uri_raw.p, *a, *e, *at;
	size_t n = h->uri_raw.len, i, len;

	a = n > 0 && u[0] != '/' ? memchr(u, ':', n) : NULL;
	if (a == NULL || (size_t)(a - u) + 3 > n || a[1] != '/' || a[2] != '/')
		return header_value(m, FLOW_TO_SERVER, "host", out, scratch, size);
	a += 3;
	for (e = a; e < u + n && *e != '/' && *e != '?' && *e != '#'; e++)
		;
	if ((at = memchr(a, '@', (size_t)(e - a))) != NULL) /* user info */
		a = at + 1;
	if (a < e && *a == '[') { /* an IPv6 literal, brackets kept */
		const uint8_t *rb = memchr(a, ']', (size_t)(e - a));

		if (rb != NULL)
			e = rb + 1;
	} else {
		const uint8_t *colon = memchr(a, ':', (size_t)(e - a));

		if (colon != NULL)
			e = colon;
	}
	while (e > a && e[-1] == '.')
		e--;
	len = (size_t)(e - a);
	if (scratch == NULL || len > size)
		return SW_E_NOTFOUND;
	for (i = 0; i < len; i++)
		scratch[i] = (char)lc(a[i]);
	*out = (struct app_buf){(const uint8_t *)scratch, len};
	return 0;
}
APP_BUFFER_GETTER(http_buf_header_raw, struct app_http_txn, http, http->req_headers_raw)
APP_BUFFER_GETTER(http_buf_resp_header_raw, struct app_http_txn, http, http->resp_headers_raw)

static const struct app_buffer_desc http_buffers[] = {
    {"http.uri", NULL, APP_NAMES("http_uri", "uricontent"), FLOW_TO_SERVER, http_buf_uri},
    {"http.uri.raw", NULL, APP_NAMES("http_raw_uri"), FLOW_TO_SERVER, http_buf_uri_raw},
    {"http.host", NULL, APP_NAMES("http_host"), FLOW_TO_SERVER, http_buf_host},
    {"http.method", NULL, APP_NAMES("http_method"), FLOW_TO_SERVER, http_buf_method},
    {"http.user_agent", NULL, APP_NAMES("http_user_agent"), FLOW_TO_SERVER, http_buf_ua},
    {"http.header", NULL, APP_NAMES("http_header"), FLOW_TO_SERVER, http_buf_header},
    {"@http.response_header", NULL, NULL, FLOW_TO_CLIENT, http_buf_resp_header},
    {"http.cookie", NULL, APP_NAMES("http_cookie"), FLOW_TO_SERVER, http_buf_cookie},
    {"http.content_type", APP_NAMES("http_content_type"), NULL, FLOW_TO_CLIENT, http_buf_ctype},
    {"http.request_body", APP_NAMES("http.client_body"), APP_NAMES("http_client_body"),
     FLOW_TO_SERVER, http_buf_req_body},
    {"http.stat_code", NULL, APP_NAMES("http_stat_code"), FLOW_TO_CLIENT, http_buf_stat_code},
    {"http.stat_msg", NULL, APP_NAMES("http_stat_msg"), FLOW_TO_CLIENT, http_buf_stat_msg},
    {"http.protocol", APP_NAMES("http_protocol"), NULL, FLOW_TO_SERVER, http_buf_protocol},
    /* http.protocol of a to_client rule: the status line's (Suricata 7 registers the buffer
     * both ways, detect-http-protocol.c GetData: response_protocol to the client) */
    {"@http.response_protocol", NULL, NULL, FLOW_TO_CLIENT, http_buf_resp_protocol},
    {"http.response_body", APP_NAMES("http.server_body"), APP_NAMES("http_server_body"),
     FLOW_TO_CLIENT, http_buf_resp_body},
    /* Suricata's buffers for both directions are the request's; detect/ moves a to_client
     * rule's to the response_ ones (and http.content_type the other way); those ('@') are not
     * keywords */
    {"http.request_line", APP_NAMES("http_request_line"), NULL, FLOW_TO_SERVER,
     http_buf_request_line},
    {"http.response_line", APP_NAMES("http_response_line"), NULL, FLOW_TO_CLIENT,
     http_buf_response_line},
    {"http.start", APP_NAMES("http_start"), NULL, FLOW_TO_SERVER, http_buf_start_req},
    {"@http.response_start", NULL, NULL, FLOW_TO_CLIENT, http_buf_start_resp},
    {"http.header_names", APP_NAMES("http_header_names"), NULL, FLOW_TO_SERVER,
     http_buf_names_req},
    {"@http.response_header_names", NULL, NULL, FLOW_TO_CLIENT, http_buf_names_resp},
    {"http.header.raw", NULL, APP_NAMES("http_raw_header"), FLOW_TO_SERVER, http_buf_header_raw},
    {"@http.response_header.raw", NULL, NULL, FLOW_TO_CLIENT, http_buf_resp_header_raw},
    {"http.referer", APP_NAMES("http_referer"), NULL, FLOW_TO_SERVER, http_buf_referer},
    {"http.accept", APP_NAMES("http_accept"), NULL, FLOW_TO_SERVER, http_buf_accept},
    {"http.accept_enc", APP_NAMES("http_accept_enc"), NULL, FLOW_TO_SERVER, http_buf_accept_enc},
    {"http.accept_lang", APP_NAMES("http_accept_lang"), NULL, FLOW_TO_SERVER,
     http_buf_accept_lang},
    {"http.connection", APP_NAMES("http_connection"), NULL, FLOW_TO_SERVER, http_buf_connection},
    {"http.content_len", APP_NAMES("http_content_len"), NULL, FLOW_TO_SERVER, http_buf_cl_req},
    {"@http.response_content_len", NULL, NULL, FLOW_TO_CLIENT, http_buf_cl_resp},
    {"@http.request_content_type", NULL, NULL, FLOW_TO_SERVER, http_buf_ctype_req},
    {"http.server", APP_NAMES("http_server"), NULL, FLOW_TO_CLIENT, http_buf_server},
    {"http.location", APP_NAMES("http_location"), NULL, FLOW_TO_CLIENT, http_buf_location},
    /* not keywords ('@'): the payload of a rule that mixes payload and HTTP buffers */
    {"@http.request", NULL, NULL, FLOW_TO_SERVER, http_buf_msg_req},
    {"@http.response", NULL, NULL, FLOW_TO_CLIENT, http_buf_msg_resp},
    /* the body of a transaction's response; rules pick the body by their direction */
    {"file.data", APP_NAMES("file_data"), NULL, -1, http_buf_resp_body},
    {"http.host.raw", NULL, APP_NAMES("http_raw_host"), FLOW_TO_SERVER, http_buf_host_raw},
    /* one value per header (Suricata 7 reads them from HTTP/1 as from HTTP/2) */
    {"http.request_header", NULL, NULL, FLOW_TO_SERVER, http_buf_req_header1},
    {"http.response_header", NULL, NULL, FLOW_TO_CLIENT, http_buf_resp_header1},
    /* bothways: http.cookie of a response rule (detect/ moves it here; not a keyword) */
    {"@http.response_cookie", NULL, NULL, FLOW_TO_CLIENT, http_buf_cookie_resp},
};

static int
http_buffer_i_built(const struct app_msg *m, size_t buf, size_t i, struct app_buf *out,
		    char *scratch, size_t size)
{
	enum flow_dir dir;

	if (http_buffers[buf].get == http_buf_req_header1)
		dir = FLOW_TO_SERVER;
	else if (http_buffers[buf].get == http_buf_resp_header1)
		dir = FLOW_TO_CLIENT;
	else
		return SW_E_INVAL;
	if (m->u.http == NULL)
		return SW_E_NOTFOUND;
	return header_item(m, dir, i, out, scratch, size);
}

const struct app_msg_desc app_desc_http = {
    .kind = APP_MSG_HTTP,
    .name = "http",
    .proto = APP_HTTP,
    .one_way = false,
    .buffers = http_buffers,
    .nbuffers = sizeof(http_buffers) / sizeof(http_buffers[0]),
    .eve = http_eve,
    .observables = http_observables,
    .buffer_i_built = http_buffer_i_built,
    .body_buffers = APP_NAMES("http.request_body", "http.response_body", "file.data",
                              "@http.request", "@http.response"),
};
