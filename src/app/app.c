/* src/app/app.c: the application layer's dispatch: picks the parser of a flow (from nDPI's
 * verdict, else by probing the first bytes, on any port), feeds it the reassembled TCP data or
 * the UDP datagrams, and hands its messages on. */
#include "config.h"

#include <stddef.h>

#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"

#define PROBE_CHUNKS 4 /* chunks per flow to find a parser before giving up on it */

static const struct app_parser_ops *const parsers[] = {
	&app_parser_dns,
	&app_parser_tls,
	&app_parser_http,
	NULL,
};

struct app_flow {
	const struct app_parser_ops *ops;
	void *state;
	uint8_t tries;
	bool given_up;
};

struct app_worker {
	app_msg_fn *emit;
	void *arg;
	struct app_stats st;
	unsigned file_hashes;
	struct sw_memcap mem;
	struct app_decompress_limits http_decompress;
};

static const char *const hash_names[] = {"md5", "sha1", "sha256", NULL};

static const struct conf_key app_keys[] = {
	{"app.http.file-hashes", CONF_STRLIST, offsetof(struct app_conf, file_hashes),
	 "[md5, sha1, sha256]", 0, 0, NULL},
	{"app.memcap", CONF_SIZE, offsetof(struct app_conf, memcap), "256mb", 1 << 16, INT64_MAX,
	 NULL},
	{"app.http.decompress.max-bytes", CONF_SIZE,
	 offsetof(struct app_conf, http_decompress.max_bytes), "64mb", 0, INT64_MAX, NULL},
	{"app.http.decompress.max-ratio", CONF_U32,
	 offsetof(struct app_conf, http_decompress.max_ratio), "500", 0, UINT32_MAX, NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
app_conf_load(struct conf_doc *doc, struct app_conf *conf)
{
	int r;

	memset(conf, 0, sizeof(*conf));
	r = conf_apply(doc, app_keys, conf);
	for (size_t i = 0; i < conf->file_hashes.n; i++) {
		int k;

		for (k = 0; hash_names[k] != NULL; k++)
			if (strcmp(conf->file_hashes.v[i], hash_names[k]) == 0)
				break;
		if (hash_names[k] == NULL) {
			char where[256];

			sw_err("%s: app.http.file-hashes: unknown hash '%s' (md5, sha1, sha256)",
			       conf_doc_where(doc, "app.http.file-hashes", where, sizeof(where)) ?: "",
			       conf->file_hashes.v[i]);
			r = SW_E_CONFIG;
			continue;
		}
		conf->hash_mask |= 1u << k;
	}
	return r;
}

void
app_conf_free(struct app_conf *conf)
{
	conf_struct_free(app_keys, conf);
}

void
app_worker_set_file_hashes(struct app_worker *w, unsigned mask)
{
	w->file_hashes = mask;
}

void
app_worker_set_memcap(struct app_worker *w, uint64_t memcap)
{
	w->mem.memcap = memcap;
}

const struct sw_memcap *
app_worker_mem(const struct app_worker *w)
{
	return &w->mem;
}

void
app_worker_set_http_decompress(struct app_worker *w, const struct app_decompress_limits *limits)
{
	w->http_decompress = *limits;
}


int
app_worker_new(app_msg_fn *emit, void *arg, struct app_worker **out)
{
	struct app_worker *w;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return SW_E_NOMEM;
	w->emit = emit;
	w->arg = arg;
	w->file_hashes = APP_HASH_MD5 | APP_HASH_SHA1 | APP_HASH_SHA256;
	*out = w;
	return 0;
}

void
app_worker_free(struct app_worker *w)
{
	free(w);
}

struct app_stats *
app_worker_stats(struct app_worker *w)
{
	return &w->st;
}

static const struct app_parser_ops *
parser_by_name(const char *name)
{
	size_t i;

	for (i = 0; parsers[i] != NULL; i++)
		if (strcmp(parsers[i]->name, name) == 0)
			return parsers[i];
	return NULL;
}

/* The parser for f: nDPI's verdict when it names one of ours, else the first that recognises
 * the data. NULL while undecided. */
static struct app_flow *
flow_parser(struct app_worker *w, struct sw_flow *f, enum flow_dir dir, const uint8_t *data,
	    size_t len, bool datagram)
{
	struct app_flow *af = f->app;
	const struct app_parser_ops *ops = NULL;
	const struct dpi_info *di;
	size_t i;

	if (af == NULL) {
		if ((af = app_state_alloc(&w->mem, sizeof(*af))) == NULL)
			return NULL;
		f->app = af;
	}
	if (af->ops != NULL || af->given_up)
		return af;
	if ((di = dpi_flow_info(f)) != NULL)
		ops = parser_by_name(di->app_proto);
	for (i = 0; ops == NULL && parsers[i] != NULL && len > 0; i++) {
		if ((datagram ? parsers[i]->datagram != NULL : parsers[i]->stream != NULL) &&
		    parsers[i]->probe(data, len, dir))
			ops = parsers[i];
	}
	if (ops != NULL && (datagram ? ops->datagram == NULL : ops->stream == NULL))
		ops = NULL;
	if (ops == NULL) {
		if (len > 0 && ++af->tries >= PROBE_CHUNKS)
			af->given_up = true;
		return af;
	}
	if ((af->state = ops->state_new(&w->mem)) == NULL)
		return af;
	af->ops = ops;
	sw_counter_add(&w->st.flows[ops->id], 1);
	return af;
}

static void
ctx_init(struct app_ctx *c, struct app_worker *w, struct sw_flow *f, sw_time_t ts)
{
	c->f = f;
	c->ts = ts;
	c->emit = w->emit;
	c->arg = w->arg;
	c->st = &w->st;
	c->file_hashes = w->file_hashes;
	c->mem = &w->mem;
	c->http_decompress = w->http_decompress;
}

void
app_datagram(struct app_worker *w, struct sw_flow *f, enum flow_dir dir,
	     const struct sw_packet *p)
{
	struct app_flow *af;
	struct app_ctx c;
	const uint8_t *data = p->data + p->payload_off;

	if (p->payload_len == 0 || (p->flags & SW_PKT_L4) == 0)
		return;
	af = flow_parser(w, f, dir, data, p->payload_len, true);
	if (af == NULL || af->ops == NULL)
		return;
	ctx_init(&c, w, f, p->ts);
	af->ops->datagram(&c, af->state, dir, data, p->payload_len);
}

bool
app_stream(struct app_worker *w, struct sw_flow *f, enum flow_dir dir, const uint8_t *data,
	   size_t len, unsigned flags, sw_time_t ts)
{
	struct app_flow *af;
	struct app_ctx c;

	if (flags & 0x01) /* STREAM_CHUNK_GAP */
		sw_counter_add(&w->st.gaps, 1);
	af = flow_parser(w, f, dir, data, data != NULL ? len : 0, false);
	if (af == NULL)
		return true;
	if (af->ops == NULL)
		return !af->given_up; /* nothing will parse this flow: stop the stream */
	ctx_init(&c, w, f, ts);
	af->ops->stream(&c, af->state, dir, data, len, flags);
	return true;
}

void
app_flow_end(struct app_worker *w, struct sw_flow *f, sw_time_t ts)
{
	struct app_flow *af = f->app;
	struct app_ctx c;

	if (af == NULL || af->state == NULL)
		return;
	ctx_init(&c, w, f, ts);
	if (af->ops->flow_end != NULL)
		af->ops->flow_end(&c, af->state);
	af->ops->state_free(af->state);
	af->state = NULL; /* af->ops stays: the flow event names the protocol */
}

void
app_flow_free(struct app_worker *w, struct sw_flow *f)
{
	struct app_flow *af = f->app;

	if (af == NULL)
		return;
	if (af->state != NULL)
		af->ops->state_free(af->state);
	free(af);
	sw_memcap_give(&w->mem, sizeof(*af));
	f->app = NULL;
}

bool
app_flow_current(const struct sw_flow *f, enum flow_dir dir, struct app_msg *out)
{
	const struct app_flow *af = f->app;

	if (af == NULL || af->ops == NULL || af->state == NULL || af->ops->current == NULL)
		return false;
	return af->ops->current(af->state, dir, out);
}

const char *
app_flow_name(const struct sw_flow *f)
{
	const char *n = app_flow_proto(f);

	if (n != NULL)
		return n;
	return dpi_flow_info(f) != NULL ? dpi_flow_info(f)->app_proto : NULL;
}

const char *
app_flow_proto(const struct sw_flow *f)
{
	const struct app_flow *af = f->app;

	return af != NULL && af->ops != NULL ? af->ops->name : NULL;
}

const char *
app_proto_name(int id)
{
	static const char *const names[APP_PROTO_MAX] = {"none", "dns", "tls", "http"};

	return id >= 0 && id < APP_PROTO_MAX ? names[id] : "unknown";
}

/* ---- named buffers ------------------------------------------------------------------------ */

enum buf_id {
	B_HTTP_URI, B_HTTP_URI_RAW, B_HTTP_HOST, B_HTTP_METHOD, B_HTTP_UA, B_HTTP_HEADER,
	B_HTTP_RESP_HEADER, B_HTTP_COOKIE, B_HTTP_CTYPE, B_HTTP_REQ_BODY, B_HTTP_STAT_CODE,
	B_HTTP_STAT_MSG, B_HTTP_PROTOCOL, B_HTTP_RESP_BODY, B_FILE_DATA, B_DNS_QUERY, B_TLS_SNI,
	B_TLS_SUBJECT, B_TLS_ISSUER, B_TLS_SERIAL, B_TLS_FP, B_JA3, B_JA3_STR, B_JA3S, B_JA3S_STR,
	B_FILE_NAME, B_FILE_MD5, B_FILE_SHA1, B_FILE_SHA256, B_MAX
};

static const char *const buffer_names[B_MAX + 1] = {
	"http.uri", "http.uri.raw", "http.host", "http.method", "http.user_agent", "http.header",
	"http.response_header", "http.cookie", "http.content_type", "http.request_body",
	"http.stat_code", "http.stat_msg", "http.protocol", "http.response_body", "file.data",
	"dns.query", "tls.sni", "tls.cert_subject", "tls.cert_issuer", "tls.cert_serial",
	"tls.cert_fingerprint", "ja3.hash", "ja3.string", "ja3s.hash", "ja3s.string", "file.name",
	"file.md5", "file.sha1", "file.sha256", NULL,
};

const char *const *
app_buffer_names(void)
{
	return buffer_names;
}

static struct app_buf
text_buf(const char *s)
{
	struct app_buf b = {(const uint8_t *)s, strlen(s)};

	return b;
}

int
app_buffer_id(const char *name)
{
	for (int id = 0; id < B_MAX; id++)
		if (strcmp(buffer_names[id], name) == 0)
			return id;
	return SW_E_INVAL;
}

int
app_msg_buffer(const struct app_msg *msg, const char *name, struct app_buf *out, char *scratch,
	       size_t scratch_size)
{
	return app_msg_buffer_id(msg, app_buffer_id(name), out, scratch, scratch_size);
}

int
app_msg_buffer_id(const struct app_msg *msg, int id, struct app_buf *out, char *scratch,
		  size_t scratch_size)
{
	struct app_buf b = {NULL, 0};

	if (id < 0 || id >= B_MAX)
		return SW_E_INVAL;
	if (msg->kind == APP_MSG_HTTP) {
		const struct app_http_txn *t = msg->u.http;

		switch (id) {
		case B_HTTP_URI: b = t->uri; break;
		case B_HTTP_URI_RAW: b = t->uri_raw; break;
		case B_HTTP_HOST: b = t->host; break;
		case B_HTTP_METHOD: b = t->method; break;
		case B_HTTP_UA: b = t->user_agent; break;
		case B_HTTP_HEADER: b = t->req_headers_raw; break;
		case B_HTTP_RESP_HEADER: b = t->resp_headers_raw; break;
		case B_HTTP_COOKIE: b = t->cookie; break;
		case B_HTTP_CTYPE: b = t->content_type; break;
		case B_HTTP_REQ_BODY: b = t->req_body; break;
		case B_HTTP_STAT_MSG: b = t->status_msg; break;
		case B_HTTP_PROTOCOL: b = t->protocol; break;
		case B_HTTP_RESP_BODY:
		case B_FILE_DATA: b = t->resp_body; break;
		case B_HTTP_STAT_CODE:
			if (t->status != 0 && scratch_size >= 4) {
				snprintf(scratch, scratch_size, "%d", t->status);
				b = text_buf(scratch);
			}
			break;
		default: break;
		}
	} else if (msg->kind == APP_MSG_DNS) {
		if (id == B_DNS_QUERY && msg->u.dns->nquestions > 0)
			b = msg->u.dns->qname;
	} else if (msg->kind == APP_MSG_TLS) {
		const struct app_tls_msg *t = msg->u.tls;

		switch (id) {
		case B_TLS_SNI: b = t->sni; break;
		case B_TLS_SUBJECT: b = t->cert_subject; break;
		case B_TLS_ISSUER: b = t->cert_issuer; break;
		case B_TLS_SERIAL: b = t->cert_serial; break;
		case B_TLS_FP: b = text_buf(t->cert_fingerprint); break;
		case B_JA3: b = text_buf(t->ja3_hash); break;
		case B_JA3_STR: b = t->ja3; break;
		case B_JA3S: b = text_buf(t->ja3s_hash); break;
		case B_JA3S_STR: b = t->ja3s; break;
		default: break;
		}
	} else if (msg->kind == APP_MSG_FILE) {
		const struct app_file *fi = msg->u.file;

		switch (id) {
		case B_FILE_NAME: b = fi->name; break;
		case B_FILE_MD5: b = text_buf(fi->md5); break;
		case B_FILE_SHA1: b = text_buf(fi->sha1); break;
		case B_FILE_SHA256: b = text_buf(fi->sha256); break;
		case B_FILE_DATA:
			if (fi->txn != NULL)
				b = fi->dir == FLOW_TO_SERVER ? fi->txn->req_body : fi->txn->resp_body;
			break;
		default: break;
		}
	}
	if (b.len == 0)
		return SW_E_NOTFOUND;
	*out = b;
	return 0;
}
