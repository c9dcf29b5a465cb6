/* tests/fuzz/fuzz_http.c: fuzz target for the HTTP/1.x parser and its files (RFC 9112, 9110). */
/*
 * The input is a script of chunks on one flow. Each chunk starts with a control byte c:
 *   bit 0     direction (0 to server, 1 to client)
 *   bit 1     with bit 2 clear: a gap of the chunk's length (no data follows); with bit 2 set, a
 *             FIN after the chunk
 *   bit 2     small: length (c >> 3) + 1 (1..32), else ((c >> 3) + 1) * 64 (64..2048)
 * and the data follows (cut short at the end of the input). Then the flow ends and the state is
 * freed. Invariants, checked with abort(): every message is an HTTP transaction to the server
 * or a file that follows its transaction, buffers are readable (ASan), hashes are complete hex
 * or empty (empty exactly when the file is truncated), kept bodies are within their lengths, and
 * the message counter equals the transactions emitted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "fuzz.h"
#include "stream/stream.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int fuzz_http_one(const uint8_t *data, size_t size);

struct fz_count {
	int txns, files;
	uint32_t last_tx;
	bool have_last;
	uint64_t file_keep; /* ctx.file_keep of the run */
};

static void
fz_touch(struct app_buf b)
{
	volatile uint8_t sink = 0;
	size_t i;

	FUZZ_ASSERT(b.len == 0 || b.p != NULL);
	for (i = 0; i < b.len; i++)
		sink ^= b.p[i];
	(void)sink;
}

static void
fz_hash(const char *h, size_t want, bool truncated)
{
	size_t n = strlen(h), i;

	FUZZ_ASSERT(truncated ? n == 0 : (n == want || n == 0));
	for (i = 0; i < n; i++)
		FUZZ_ASSERT((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'));
}

static void
fz_emit(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	struct fz_count *n = arg;
	unsigned i;

	(void)f;
	if (m->kind == APP_MSG_HTTP) {
		const struct app_http_txn *t = m->u.http;
		FUZZ_ASSERT(m->dir == FLOW_TO_SERVER && t != NULL);
		FUZZ_ASSERT(!n->have_last || t->tx_id > n->last_tx);
		n->last_tx = t->tx_id;
		n->have_last = true;
		n->txns++;
		fz_touch(t->method);
		fz_touch(t->uri_raw);
		fz_touch(t->uri);
		FUZZ_ASSERT(t->uri.len <= t->uri_raw.len);
		fz_touch(t->protocol);
		fz_touch(t->host);
		fz_touch(t->user_agent);
		fz_touch(t->referer);
		fz_touch(t->cookie);
		fz_touch(t->content_type_req);
		fz_touch(t->status_msg);
		fz_touch(t->resp_protocol);
		fz_touch(t->content_type);
		fz_touch(t->location);
		fz_touch(t->req_headers_raw);
		fz_touch(t->resp_headers_raw);
		FUZZ_ASSERT(t->n_req_headers <= APP_HTTP_MAX_HEADERS);
		FUZZ_ASSERT(t->n_resp_headers <= APP_HTTP_MAX_HEADERS);
		for (i = 0; i < t->n_req_headers; i++) {
			fz_touch(t->req_headers[i].name);
			fz_touch(t->req_headers[i].value);
		}
		for (i = 0; i < t->n_resp_headers; i++) {
			fz_touch(t->resp_headers[i].name);
			fz_touch(t->resp_headers[i].value);
		}
		fz_touch(t->req_body);
		fz_touch(t->resp_body);
		FUZZ_ASSERT(t->req_body.len <= t->req_body_len);
		FUZZ_ASSERT(t->resp_body.len <= t->resp_body_len);
		FUZZ_ASSERT(t->status >= 0 && t->status <= 999);
		return;
	}
	FUZZ_ASSERT(m->kind == APP_MSG_FILE && m->u.file != NULL);
	{
		const struct app_file *fl = m->u.file;
		bool trunc = fl->state == APP_FILE_TRUNCATED;
		n->files++;
		FUZZ_ASSERT(n->have_last && fl->tx_id == n->last_tx && fl->txn != NULL &&
		            fl->txn->tx_id == fl->tx_id);
		FUZZ_ASSERT(m->dir == fl->dir);
		/* an upload is the request body, or a multipart/form-data part of it; a download
		 * the response body, or its first file_keep bytes when the file store's depth cut
		 * it (then TRUNCATED) */
		{
			uint64_t blen = fl->dir == FLOW_TO_SERVER ? fl->txn->req_body_len
			                                          : fl->txn->resp_body_len;
			FUZZ_ASSERT(fl->size <= blen);
			if (fl->dir == FLOW_TO_CLIENT && fl->size != blen)
				FUZZ_ASSERT(trunc && fl->size == n->file_keep);
			if (fl->keep == APP_FILE_KEEP_DEPTH_CUT || fl->keep == APP_FILE_KEEP_DEPTH)
				FUZZ_ASSERT(trunc && fl->size <= n->file_keep);
		}
		FUZZ_ASSERT(!fl->gaps || trunc);
		FUZZ_ASSERT(fl->content.len <= fl->size);
		fz_touch(fl->content);
		if (fl->own_data) {
			FUZZ_ASSERT(fl->data.len <= fl->size);
			fz_touch(fl->data);
		}
		fz_touch(fl->form_name);
		fz_touch(fl->name);
		fz_touch(fl->content_type);
		fz_hash(fl->md5, 32, trunc);
		fz_hash(fl->sha1, 40, trunc);
		fz_hash(fl->sha256, 64, trunc);
	}
}

int
fuzz_http_one(const uint8_t *data, size_t size)
{
	struct app_stats st;
	struct app_ctx ctx;
	struct fz_count n;
	size_t off = 0;
	void *state;

	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	memset(&n, 0, sizeof(n));
	ctx.emit = fz_emit;
	ctx.arg = &n;
	/* a third of the inputs as if a file store kept bodies to a depth of 64 bytes, a third
	 * to 4 KiB (cut files, parts past the depth), by the input's length (its bytes keep
	 * their meaning) */
	ctx.file_keep = size % 3 == 0 ? 0 : size % 3 == 1 ? 64 : 4096;
	n.file_keep = ctx.file_keep;
	ctx.st = &st;
	ctx.body_keep = true;
	if ((state = app_parser_http.state_new(NULL)) == NULL)
		return 0;
	app_parser_http.probe(data, size, FLOW_TO_SERVER);
	app_parser_http.probe(data, size, FLOW_TO_CLIENT);
	while (off < size) {
		uint8_t c = data[off++];
		enum flow_dir dir = (c & 1) ? FLOW_TO_CLIENT : FLOW_TO_SERVER;
		size_t len = (c & 4) ? (size_t)(c >> 3) + 1 : ((size_t)(c >> 3) + 1) * 64;
		ctx.ts++;
		if ((c & 6) == 2) {
			app_parser_http.stream(&ctx, state, dir, NULL, len, STREAM_CHUNK_GAP);
			continue;
		}
		if (len > size - off)
			len = size - off;
		app_parser_http.stream(&ctx, state, dir, data + off, len,
		                       (c & 6) == 6 ? STREAM_CHUNK_FIN : 0);
		off += len;
	}
	app_parser_http.flow_end(&ctx, state);
	{
		int before = n.txns + n.files;
		app_parser_http.flow_end(&ctx, state); /* a second end emits nothing more */
		FUZZ_ASSERT(n.txns + n.files == before);
	}
	app_parser_http.state_free(state);
	FUZZ_ASSERT(sw_counter_get(&st.messages[APP_HTTP]) == (uint64_t)n.txns);
	return 0;
}

FUZZ_ENTRY(fuzz_http_one)
