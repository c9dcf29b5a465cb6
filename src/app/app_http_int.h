/* src/app/app_http_int.h: private to the HTTP parser's files (app_http.c, app_http_body.c,
 * app_http_multipart.c): content-coding chains and multipart/form-data bodies. */
#ifndef SW_APP_HTTP_INT_H
#define SW_APP_HTTP_INT_H

#include "app/app_int.h"

/* ---- content codings (RFC 9110 8.4; 1950, 1951, 1952; 7932; 8878, 9659) ------------------ */

enum http_coding {
	HTTP_CODING_GZIP = 0, /* gzip, x-gzip */
	HTTP_CODING_DEFLATE = 1, /* zlib, or raw deflate when the zlib header does not decode */
	HTTP_CODING_BR = 2,
	HTTP_CODING_ZSTD = 3,
};

#define HTTP_CODINGS_MAX 16 /* bound of app.http.decompress.max-layers */

/* What undoing the codings ran into (bits of http_chain_flags()). */
#define HTTP_DEC_RAW_DEFLATE 0x01u /* deflate without its zlib wrapper */
#define HTTP_DEC_GZIP_TRAILER 0x02u /* gzip CRC-32 / ISIZE missing or wrong (ignored, as browsers do) */
#define HTTP_DEC_TRAILING 0x04u /* bytes after the end of a coded stream (ignored) */
#define HTTP_DEC_UNFINISHED 0x08u /* the body ended inside a coded stream */
#define HTTP_DEC_GZIP_FIELDS 0x10u /* gzip header with FEXTRA, FCOMMENT or FHCRC */
#define HTTP_DEC_GZIP_RESERVED 0x20u /* gzip header with reserved flag bits (ignored) */

struct http_chain;

/* Decoded bytes, borrowed for the call. */
typedef void http_chain_out_fn(void *arg, const uint8_t *p, size_t n);

/* A chain undoing codings[0..n) (in the order they were applied: the last is undone first),
 * its decoders' memory charged to mem. 0, SW_E_MEMCAP or SW_E_NOMEM. */
int http_chain_new(struct sw_memcap *mem, const uint8_t *codings, unsigned n,
		   struct http_chain **out);
/* Decodes n more bytes of the body, calling fn with what comes out. 0; SW_E_RANGE when a bound
 * of lim stopped it (per layer: its output within max_bytes and max_ratio times its input);
 * SW_E_INVAL when the data does not decode; SW_E_MEMCAP when a decoder's memory was refused.
 * After an error the chain decodes nothing more. */
int http_chain_write(struct http_chain *c, const struct app_decompress_limits *lim,
		     const uint8_t *p, size_t n, http_chain_out_fn *fn, void *arg);
/* The body ended: HTTP_DEC_* seen so far, HTTP_DEC_UNFINISHED included. */
unsigned http_chain_end(struct http_chain *c);
unsigned http_chain_flags(const struct http_chain *c);
void http_chain_free(struct http_chain *c); /* NULL-safe; gives back what it charged */

/* ---- multipart/form-data (RFC 7578, 2046 5.1) -------------------------------------------- */

#define HTTP_BOUNDARY_MAX 70

struct http_multipart;

/* One part's headers, borrowed for the call. */
struct http_part_info {
	struct app_buf name, filename, content_type;
	/* the Content-Disposition has a "filename=" parameter (Suricata's test: a token that
	 * starts "filename=" and has a value, quoted empty "" included): the part is a file */
	bool has_filename;
	uint64_t data_off; /* where the part's data starts in the body written so far */
};

struct http_multipart_cb {
	void (*begin)(void *arg, const struct http_part_info *info);
	void (*data)(void *arg, const uint8_t *p, size_t n);
	void (*end)(void *arg, bool complete); /* complete: the closing delimiter was seen */
	void *arg;
};

/* The boundary parameter of a multipart/form-data Content-Type, or an empty buffer. */
struct app_buf http_multipart_boundary(struct app_buf content_type);
int http_multipart_new(struct sw_memcap *mem, struct app_buf boundary,
		       struct http_multipart **out);
void http_multipart_write(struct http_multipart *m, const uint8_t *p, size_t n,
			  const struct http_multipart_cb *cb);
/* The body ended: a part still open ends incomplete. Returns true when the body was well formed
 * (closing delimiter seen, no header block too large). */
bool http_multipart_end(struct http_multipart *m, const struct http_multipart_cb *cb);
void http_multipart_free(struct http_multipart *m); /* NULL-safe */

#endif
