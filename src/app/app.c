/* src/app/app.c: the application layer's dispatch: picks the parser of a flow (from nDPI's
 * verdict, else by probing the first bytes, on any port), feeds it the reassembled TCP data or
 * the UDP datagrams, and hands its messages on. */
#include "config.h"

#include <stddef.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "app/app_int.h"

#define PROBE_CHUNKS 4 /* chunks per flow to find a parser before giving up on it */
#define PROBE_HEAD   24u /* first bytes of a direction gathered when its segments are smaller */

static const struct app_parser_ops *const parsers[] = {
	&app_parser_dns,
	&app_parser_tls,
	&app_parser_http,
	&app_parser_openvpn,
	&app_parser_smtp,
	&app_parser_imap,
	&app_parser_pop3,
	&app_parser_ftp,
	&app_parser_xmpp,
	&app_parser_ldap,
	&app_parser_pgsql,
	&app_parser_quic,
	&app_parser_ssh,
	NULL,
};

struct app_flow {
	const struct app_parser_ops *ops;
	const struct app_parser_ops *outer; /* the STARTTLS follower that handed over, or NULL */
	const struct app_parser_ops *orig;   /* the parser before the last change, or NULL */
	const struct app_parser_ops *expect; /* the protocol that change asked for, or NULL */
	void *state;
	uint8_t tries;
	bool given_up;
	/* the first bytes of each direction while no parser is found and they came in pieces
	 * smaller than PROBE_HEAD (a ClientHello sent a byte at a time): probed together, and
	 * fed to the parser found before the chunk that decided */
	uint8_t head[2][PROBE_HEAD];
	uint8_t head_len[2];
};

struct app_worker {
	app_msg_fn *emit;
	void *arg;
	struct app_stats st;
	unsigned file_hashes;
	struct evp_md_st *file_md[APP_HASH_N]; /* MD5, SHA-1, SHA-256: fetched once */
	struct sw_memcap mem;
	struct sw_pool pools[APP_POOL_MAX]; /* in mem: flows, HTTP, TLS, DNS states, TLS work */
	struct app_decompress_limits http_decompress;
	size_t http_header_max;
	bool tls_log_chain;
	bool tls_raw;
	uint64_t file_keep;
	bool tls_keyx;
	app_anomaly_fn *anomaly;
	uint32_t frames; /* APP_FRAME_* bits rules use */
	bool body_keep;  /* bodies keep their first bytes for rules */
};

static const char *const hash_names[] = {"md5", "sha1", "sha256", NULL};

static const struct conf_key app_keys[] = {
	{"app.http.file-hashes", CONF_STRLIST, offsetof(struct app_conf, file_hashes),
	 "[sha256]", 0, 0, NULL},
	{"app.memcap", CONF_SIZE, offsetof(struct app_conf, memcap), "256mb", 1 << 16, INT64_MAX,
	 NULL},
	{"app.http.decompress.max-bytes", CONF_SIZE,
	 offsetof(struct app_conf, http_decompress.max_bytes), "64mb", 0, INT64_MAX, NULL},
	{"app.http.decompress.max-ratio", CONF_U32,
	 offsetof(struct app_conf, http_decompress.max_ratio), "500", 0, UINT32_MAX, NULL},
	{"app.http.decompress.max-layers", CONF_U32,
	 offsetof(struct app_conf, http_decompress.max_layers), "5", 1, 16, NULL},
	{"app.http.header-max", CONF_SIZE, offsetof(struct app_conf, http_header_max), "256kb",
	 1024, 64 << 20, NULL},
	{"app.tls.log-chain", CONF_BOOL, offsetof(struct app_conf, tls_log_chain), "no", 0, 0, NULL},
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

void
app_worker_set_anomaly(struct app_worker *w, app_anomaly_fn *fn)
{
	w->anomaly = fn;
}

void
app_worker_set_http_header_max(struct app_worker *w, size_t max)
{
	w->http_header_max = max;
}

void
app_worker_set_tls_log_chain(struct app_worker *w, bool on)
{
	w->tls_log_chain = on;
}

void
app_worker_set_tls_raw(struct app_worker *w, bool on)
{
	w->tls_raw = on;
}

void
app_worker_set_tls_keyx(struct app_worker *w, bool on)
{
	w->tls_keyx = on;
}

void
app_worker_set_file_keep(struct app_worker *w, uint64_t max)
{
	w->file_keep = max;
}

void
app_worker_set_frames(struct app_worker *w, uint32_t mask)
{
	w->frames = mask;
}

void
app_worker_set_body_keep(struct app_worker *w, bool on)
{
	w->body_keep = on;
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
	w->file_hashes = APP_HASH_SHA256;
	w->body_keep = true;
	{
		const size_t sizes[APP_POOL_MAX] = {sizeof(struct app_flow), app_http_state_size,
						    app_http_txn_size, app_tls_state_size,
						    app_dns_state_size, app_tls_work_size};

		for (int i = 0; i < APP_POOL_MAX; i++)
			sw_pool_init(&w->pools[i], sizes[i], SW_POOL_KEEP_BYTES, &w->st.pools[i]);
		w->mem.pools = w->pools;
		w->mem.npools = APP_POOL_MAX;
	}
	/* fetched here, once: EVP_md5() and the like look the algorithm up (under a lock) at
	 * every EVP_DigestInit_ex, that is for every body */
	w->file_md[0] = EVP_MD_fetch(NULL, "MD5", NULL);
	w->file_md[1] = EVP_MD_fetch(NULL, "SHA1", NULL);
	w->file_md[2] = EVP_MD_fetch(NULL, "SHA256", NULL);
	*out = w;
	return 0;
}

void
app_worker_free(struct app_worker *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < APP_HASH_N; i++)
		EVP_MD_free(w->file_md[i]);
	for (int i = 0; i < APP_POOL_MAX; i++)
		sw_pool_fini(&w->pools[i]);
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
	/* nDPI's names (as dpi/ spells them) for protocols whose parser has another */
	static const struct {
		const char *ndpi, *ours;
	} alias[] = {{"jabber", "xmpp"}, {"postgresql", "pgsql"}};
	size_t i;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(alias[i].ndpi, name) == 0)
			name = alias[i].ours;
	for (i = 0; parsers[i] != NULL; i++)
		if (strcmp(parsers[i]->name, name) == 0)
			return parsers[i];
	return NULL;
}

/* The parser for f: nDPI's verdict when it names one of ours, else the first that recognises
 * the data. NULL while undecided. */
static struct app_flow *
flow_parser(struct app_worker *w, struct sw_flow *f, enum flow_dir dir, const uint8_t *data,
	    size_t len, bool datagram, bool count)
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
		if (len > 0 && count && ++af->tries >= PROBE_CHUNKS)
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
	const struct app_flow *af = f->app;

	c->f = f;
	c->ts = ts;
	c->emit = w->emit;
	c->arg = w->arg;
	c->st = &w->st;
	c->file_hashes = w->file_hashes;
	c->file_md = w->file_md;
	c->mem = &w->mem;
	c->http_decompress = w->http_decompress;
	c->http_header_max = w->http_header_max;
	c->anomaly = w->anomaly;
	c->switch_proto = APP_NONE;
	c->switch_off = 0;
	c->tls_log_chain = w->tls_log_chain;
	c->tls_raw = w->tls_raw;
	c->file_keep = w->file_keep;
	c->tls_keyx = w->tls_keyx;
	c->frames = w->frames;
	c->body_keep = w->body_keep;
	c->starttls = af != NULL && af->outer != NULL && af->outer->starttls;
}

static const struct app_parser_ops *
parser_by_id(int id)
{
	for (size_t i = 0; parsers[i] != NULL; i++)
		if (parsers[i]->id == id)
			return parsers[i];
	return NULL;
}

/* The parser of af asked to hand the connection to protocol c->switch_proto (a CONNECT tunnel
 * carries TLS): the old parser emits what it has and goes, the new one reads from there. */
static void
flow_switch(struct app_worker *w, struct app_flow *af, struct app_ctx *c, enum flow_dir dir,
	    const uint8_t *data, size_t len, unsigned flags)
{
	const struct app_parser_ops *next = parser_by_id(c->switch_proto);
	size_t off = c->switch_off;

	if (af->ops->flow_end != NULL)
		af->ops->flow_end(c, af->state);
	af->ops->state_free(af->state);
	af->state = NULL;
	if (next == NULL || next->stream == NULL || (af->state = next->state_new(&w->mem)) == NULL) {
		af->given_up = true;
		return;
	}
	af->orig = af->ops; /* Suricata's alproto_orig and alproto_expect */
	af->expect = af->ops->starttls ? next : NULL;
	if (af->ops->starttls && af->outer == NULL)
		af->outer = af->ops; /* the flow keeps its name: smtp, imap... */
	af->ops = next;
	c->starttls = af->outer != NULL;
	sw_counter_add(&w->st.switched, 1);
	sw_counter_add(&w->st.flows[next->id], 1);
	c->switch_proto = APP_NONE;
	if (data != NULL && off < len)
		next->stream(c, af->state, dir, data + off, len - off, flags);
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
	af = flow_parser(w, f, dir, data, p->payload_len, true, true);
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

	const uint8_t *probe = data;
	size_t plen = data != NULL ? len : 0, before = 0;
	uint8_t view[PROBE_HEAD];

	if (flags & 0x01) /* STREAM_CHUNK_GAP */
		sw_counter_add(&w->st.gaps, 1);
	af = f->app;
	/* small first pieces of a direction are probed together */
	if (af != NULL && af->ops == NULL && !af->given_up && data != NULL && dir <= FLOW_TO_CLIENT &&
	    (af->head_len[dir] > 0 || len < PROBE_HEAD)) {
		size_t take = PROBE_HEAD - af->head_len[dir] < len ? PROBE_HEAD - af->head_len[dir] : len;

		before = af->head_len[dir];
		memcpy(view, af->head[dir], before);
		memcpy(view + before, data, take);
		probe = view;
		plen = before + take;
	}
	af = flow_parser(w, f, dir, probe, plen, false, plen >= PROBE_HEAD || probe == data);
	if (af == NULL)
		return true;
	if (af->ops == NULL) {
		if (!af->given_up && probe == view && plen < PROBE_HEAD) { /* keep gathering */
			memcpy(af->head[dir], view, plen);
			af->head_len[dir] = (uint8_t)plen;
		} else if (data != NULL && dir <= FLOW_TO_CLIENT && af->head_len[dir] == 0 &&
			   len < PROBE_HEAD) {
			memcpy(af->head[dir], data, len); /* the first piece of the direction */
			af->head_len[dir] = (uint8_t)len;
		}
		return !af->given_up; /* nothing will parse this flow: stop the stream */
	}
	ctx_init(&c, w, f, ts);
	if (probe == view && before > 0) /* the pieces before this one */
		af->ops->stream(&c, af->state, dir, af->head[dir], before, 0);
	af->head_len[0] = af->head_len[1] = 0;
	af->ops->stream(&c, af->state, dir, data, len, flags);
	if (c.switch_proto != APP_NONE && c.switch_proto != af->ops->id)
		flow_switch(w, af, &c, dir, data, len, flags);
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
	app_state_release(&w->mem, sizeof(*af), af);
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

	if (af != NULL && af->outer != NULL)
		return af->outer->name;
	return af != NULL && af->ops != NULL ? af->ops->name : NULL;
}

const char *
app_flow_change(const struct sw_flow *f, const char **orig, const char **expect)
{
	const struct app_flow *af = f->app;

	*orig = af != NULL && af->orig != NULL ? af->orig->name : NULL;
	*expect = af != NULL && af->expect != NULL ? af->expect->name : NULL;
	return af != NULL && af->ops != NULL ? af->ops->name : NULL;
}

const char *
app_proto_name(int id)
{
	if (id == APP_NONE)
		return "none";
	for (size_t i = 0; parsers[i] != NULL; i++)
		if (parsers[i]->id == id)
			return parsers[i]->name;
	return "unknown";
}

int
app_proto_find_rule_name(const char *word, uint8_t *ipproto)
{
	for (size_t i = 0; parsers[i] != NULL; i++) {
		const struct app_parser_ops *ops = parsers[i];

		for (size_t k = 0; ops->rule_names != NULL && ops->rule_names[k] != NULL; k++) {
			if (strcmp(ops->rule_names[k], word) != 0)
				continue;
			*ipproto = ops->datagram == NULL ? 6 : ops->stream == NULL ? 17 : 0;
			return ops->id;
		}
	}
	return APP_NONE;
}

bool
app_proto_has_datagrams(int id)
{
	for (size_t i = 0; parsers[i] != NULL; i++)
		if (parsers[i]->id == id)
			return parsers[i]->datagram != NULL;
	return false;
}

/* ---- protocol descriptors ---------------------------------------------------------------- */

/* By enum app_msg_kind; the order numbers the buffers. */
static const struct app_msg_desc *const descs[APP_MSG_KIND_MAX] = {
	[APP_MSG_DNS] = &app_desc_dns,
	[APP_MSG_TLS] = &app_desc_tls,
	[APP_MSG_HTTP] = &app_desc_http,
	[APP_MSG_FILE] = &app_desc_file,
	[APP_MSG_QUIC] = &app_desc_quic,
	[APP_MSG_SSH] = &app_desc_ssh,
	[APP_MSG_FRAME] = &app_desc_frame,
};

const struct app_msg_desc *
app_msg_desc(int kind)
{
	return kind >= 0 && kind < APP_MSG_KIND_MAX ? descs[kind] : NULL;
}

bool
app_kind_serves(int msg_kind, int kind)
{
	const struct app_msg_desc *d = app_msg_desc(msg_kind);

	return d != NULL && (msg_kind == kind || (d->serves != NULL && (int)d->serves->kind == kind));
}

bool
app_proto_serves(int proto, int kind)
{
	for (int k = 0; k < APP_MSG_KIND_MAX; k++)
		if (descs[k]->proto == proto && app_kind_serves(k, kind))
			return true;
	return false;
}

bool
app_msg_as(const struct app_msg *m, int kind, struct app_msg *out)
{
	const struct app_msg_desc *d = app_msg_desc((int)m->kind);

	if ((int)m->kind == kind) {
		*out = *m;
		return true;
	}
	if (d == NULL || d->serves == NULL || (int)d->serves->kind != kind || d->view == NULL)
		return false;
	d->view(m, out);
	return true;
}

int
app_buffer_count(void)
{
	int n = 0;

	for (int k = 0; k < APP_MSG_KIND_MAX; k++)
		n += (int)descs[k]->nbuffers;
	return n;
}

const struct app_buffer_desc *
app_buffer_desc(int id, int *kind)
{
	if (id < 0)
		return NULL;
	for (int k = 0; k < APP_MSG_KIND_MAX; k++) {
		if ((size_t)id < descs[k]->nbuffers) {
			if (kind != NULL)
				*kind = k;
			return &descs[k]->buffers[id];
		}
		id -= (int)descs[k]->nbuffers;
	}
	return NULL;
}

static bool
name_in(const char *const *list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcasecmp(*list, name) == 0)
			return true;
	return false;
}

unsigned
app_msg_events(const struct app_msg *msg)
{
	const struct app_msg_desc *d = app_msg_desc((int)msg->kind);

	return d != NULL && d->events != NULL ? d->events(msg) : 1;
}

void
app_msg_event_view(const struct app_msg *msg, unsigned i, struct app_msg *out,
		   union app_event_tmp *tmp)
{
	const struct app_msg_desc *d = app_msg_desc((int)msg->kind);

	if (d != NULL && d->event_view != NULL)
		d->event_view(msg, i, out, tmp);
	else
		*out = *msg;
}

bool
app_buffer_reads_body(int id)
{
	int kind;
	const struct app_buffer_desc *b = app_buffer_desc(id, &kind);

	return b != NULL && name_in(descs[kind]->body_buffers, b->name);
}

/* The first buffer, from kind first (-1: none first), named name (or, with modifier, whose
 * modifiers name it); SW_E_NOTFOUND. */
static int
buffer_lookup(const char *name, bool modifier, int first_kind)
{
	for (int pass = first_kind < 0 ? 1 : 0; pass < 2; pass++) {
		int id = 0;

		for (int k = 0; k < APP_MSG_KIND_MAX; k++) {
			const struct app_msg_desc *d = descs[k];

			for (size_t i = 0; i < d->nbuffers; i++, id++) {
				const struct app_buffer_desc *b = &d->buffers[i];

				if (pass == 0 && k != first_kind)
					continue;
				if (modifier ? name_in(b->modifiers, name)
					     : strcasecmp(b->name, name) == 0 || name_in(b->aliases, name))
					return id;
			}
		}
	}
	return SW_E_NOTFOUND;
}

int
app_event_find(const char *name)
{
	int id = 0;

	for (size_t k = 0; parsers[k] != NULL; k++)
		for (size_t i = 0; parsers[k]->events != NULL && parsers[k]->events[i] != NULL; i++, id++)
			if (strcasecmp(parsers[k]->events[i], name) == 0)
				return id;
	return -1;
}

int
app_buffer_find(const char *name)
{
	return buffer_lookup(name, false, -1);
}

int
app_buffer_find_modifier(const char *name)
{
	return buffer_lookup(name, true, -1);
}

int
app_msg_buffer_id(const struct app_msg *msg, int id, struct app_buf *out, char *scratch,
		  size_t scratch_size)
{
	const struct app_buffer_desc *b;
	struct app_buf v = {NULL, 0};
	struct app_msg as;
	int kind;

	if ((b = app_buffer_desc(id, &kind)) == NULL)
		return SW_E_INVAL;
	if (!app_msg_as(msg, kind, &as) || b->get(&as, &v, scratch, scratch_size) != 0 ||
	    v.len == 0)
		return SW_E_NOTFOUND;
	*out = v;
	return 0;
}

/* The buffer id's index in its kind's buffers[], and its descriptor's kind. */
static const struct app_msg_desc *
buffer_kind(int id, size_t *index)
{
	if (id < 0)
		return NULL;
	for (int k = 0; k < APP_MSG_KIND_MAX; k++) {
		if ((size_t)id < descs[k]->nbuffers) {
			*index = (size_t)id;
			return descs[k];
		}
		id -= (int)descs[k]->nbuffers;
	}
	return NULL;
}

int
app_msg_buffer_id_i(const struct app_msg *msg, int id, size_t idx, struct app_buf *out,
		    char *scratch, size_t scratch_size)
{
	const struct app_msg_desc *d;
	struct app_buf v = {NULL, 0};
	struct app_msg as;
	size_t bi;
	int r;

	if ((d = buffer_kind(id, &bi)) == NULL)
		return SW_E_INVAL;
	if (!app_buffer_multi(id))
		return idx == 0 ? app_msg_buffer_id(msg, id, out, scratch, scratch_size)
				: SW_E_NOTFOUND;
	if (!app_msg_as(msg, (int)d->kind, &as))
		return SW_E_NOTFOUND;
	if (d->buffer_i_built != NULL &&
	    (r = d->buffer_i_built(&as, bi, idx, &v, scratch, scratch_size)) != SW_E_INVAL) {
		if (r == 0)
			*out = v;
		return r;
	}
	if (d->buffer_i == NULL)
		return SW_E_NOTFOUND;
	if ((r = d->buffer_i(&as, bi, idx, &v)) != 0)
		return r;
	*out = v;
	return 0;
}

bool
app_buffer_multi(int id)
{
	static const struct app_msg probe; /* kind 0; buffer_i answers SW_E_INVAL by buffer only */
	const struct app_msg_desc *d;
	struct app_buf v;
	size_t bi;

	if ((d = buffer_kind(id, &bi)) == NULL)
		return false;
	if (d->buffer_i_built != NULL &&
	    d->buffer_i_built(&probe, bi, SIZE_MAX, &v, NULL, 0) != SW_E_INVAL)
		return true;
	return d->buffer_i != NULL && d->buffer_i(&probe, bi, SIZE_MAX, &v) != SW_E_INVAL;
}

int
app_msg_buffer(const struct app_msg *msg, const char *name, struct app_buf *out, char *scratch,
	       size_t scratch_size)
{
	int id = buffer_lookup(name, false, (int)msg->kind);

	if (id < 0)
		return SW_E_INVAL;
	return app_msg_buffer_id(msg, id, out, scratch, scratch_size);
}

void
app_msg_eve(struct jw *w, const struct app_msg *msg, bool in_alert)
{
	const struct app_msg_desc *d = app_msg_desc((int)msg->kind);

	if (d != NULL)
		d->eve(w, msg, in_alert);
}

void
app_msg_observables(const struct app_msg *msg, app_observable_fn *fn, void *arg)
{
	const struct app_msg_desc *d = app_msg_desc((int)msg->kind);

	if (d != NULL && d->observables != NULL)
		d->observables(msg, fn, arg);
}

