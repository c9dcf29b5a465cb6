/* src/detect/detect_match.c: inspection with the compiled engine. Each packet, stream chunk and
 * app-layer message is scanned with the Hyperscan database of each of its buffers; a hit makes
 * the rules of that pattern candidates, joined by the rules without a fast pattern for the
 * protocol and port; candidates are verified in rule order as Suricata does: header, flow,
 * flowbits, then every list of contents (with their positions, backtracking over earlier
 * occurrences), pcre, byte_test/jump/extract, isdataat and bsize; then flowbits are set and
 * thresholds applied. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_eng_int.h"
#include "stream/stream.h"

/*
 * Per-flow state: flowbits and, per direction, the stream data not inspected yet and the end of
 * what was (Suricata's raw stream inspection): a direction's stream is inspected once
 * detect.stream-chunk-size new bytes are in (Suricata's toserver/toclient-chunk-size), when an
 * app-layer message of the flow completes, when the direction ends (FIN, RST, depth), at a gap
 * and when the flow ends. One inspection covers the new data and the last stream-window bytes
 * already inspected before it, so a content split across chunks matches; a match must end in
 * the new data, so what one inspection reported is not reported again; a rule alerts at most
 * once per inspection.
 *
 * An inspection gives Hyperscan only what it has not seen: the new bytes, and the last
 * stream_maxlen - 1 bytes before them (a fast pattern that starts in the tail and ends in the new
 * bytes). The fast patterns found whole in the tail were found by the inspections before; the
 * window remembers each pattern's last hit that still lies whole in the kept tail (hits[]), and
 * those patterns make candidates again, so the candidates are those of a scan of the whole
 * window. More than DET_HITS_MAX such patterns: the next inspection scans the whole window. The
 * window and the new bytes are joined into one buffer only when a candidate is to be verified.
 */
struct det_hit {
	uint32_t id;  /* pattern of the stream database */
	uint32_t end; /* low 32 bits of the stream offset just after the hit */
};

#define DET_HITS_MAX 32

struct det_win {
	/* the window's allocation (win_room): its remembered hits, then buf: up to stream_window
	 * + stream_chunk bytes, the tail (inspected) and then new bytes; it starts small and
	 * grows as the direction's data needs (most directions of short conversations carry a few
	 * hundred bytes) */
	struct det_hit *hits;
	uint8_t *buf;
	uint32_t tail, len;
	uint64_t end;   /* stream offset just after buf's last byte */
	uint32_t size;  /* bytes of the allocation (the flow has charged for it); 0 without buf */
	uint8_t nhits;  /* patterns whose last hit lies whole in buf[0..tail) */
	bool hits_over; /* more than DET_HITS_MAX: the next inspection scans the whole window */
	bool flush;     /* an app-layer message completed: inspect with the next data */
};

struct det_flow {
	uint64_t generation; /* of the engine that made it */
	size_t charged;      /* bytes charged to the worker's memcap */
	bool passed;         /* a pass rule matched: the flow is not inspected any more */
	/* filestore with scope tx (the transaction store_tx, in store_tx_dirs) and ssn / flow
	 * (store_flow_dirs): bit 0 to_server, bit 1 to_client */
	uint32_t store_tx;
	uint8_t store_tx_dirs, store_flow_dirs;
	void *kw;            /* flowint variables and session tags (detect_kw.c) */
	struct det_win win[2];
	uint32_t nbits;
	uint64_t bits[];
};

struct detect_thread {
	struct detect_engine *e;
	struct sw_memcap *mem;
	hs_scratch_t *scratch;
	detect_alert_fn *fn;
	void *arg;
	uint32_t *cand, ncand;
	uint32_t *stamp, gen;
	/* file rules alert once per transaction and direction, as Suricata's file inspection of
	 * a transaction (every matching file is still stored): the rules that alerted on the
	 * files of (file_f, file_tx, file_dir) have file_alerted[rule] == file_gen */
	uint32_t *file_alerted, file_gen;
	const struct sw_flow *file_f;
	uint32_t file_tx;
	int file_dir;
	const struct det_slot *cur_slot; /* for the Hyperscan callback */
	size_t min_end;                  /* stream: matches must end after this */
	bool track_hits;                 /* stream scans: note each pattern's last hit */
	uint64_t scan_base;              /* stream offset of the scanned buffer's first byte */
	/* stream scans: the patterns hit (hit_ids[0..nhit)), each one's last end (stream offset)
	 * and the candidate generation that saw it first */
	uint32_t *hit_ids, *hit_stamp, nhit;
	uint64_t *hit_end;
	uint8_t *seam; /* stream: the tail's end and the new bytes' start (2 * stream_maxlen) */
	struct sw_flow *deliver_f; /* detect_stream_begin: the stream chunk about to come */
	enum flow_dir deliver_dir;
	uint8_t *join; /* stream: window + chunk */
	size_t join_cap;
	pcre2_match_data *md;
	uint32_t budget;           /* content positions left to try for the rule being verified */
	pcre2_match_context *mctx; /* Suricata's pcre match limits */
	struct detect_stats *st;   /* the worker's, else own_st */
	/* the message being inspected: a filestore rule asked for this file, a tls.store rule
	 * matched this TLS message */
	bool store_file, store_tls;
	struct detect_stats own_st;
	/* app buffers built for one message (http.start, ...), and transformed buffers */
	uint8_t *arena;
	size_t arena_used;
	uint8_t *xf_out, *xf_tmp;
	uint8_t *b64; /* base64_decode's result (DET_XF_CAP bytes) */
	/* pcre's variable captures: the packet variables of the data being inspected (a packet,
	 * a stream chunk or an app message: run_cands), and the flow variables of the rule being
	 * verified (set in the flow when it matches, as Suricata's post-match) */
	struct det_pktvars pv, fpend;
	struct det_lua_thread *lua; /* detect_lua.c: this thread's states of the scripts */
};

/* Room for the buffers built for one app-layer message (app.http.header-max is 256 KiB), and
 * for each of the two buffers a transform chain writes in turn. */
#define DET_ARENA   (1u << 20)
#define DET_XF_CAP  (512u << 10)

/* Adds (or replaces) variable name in s, its value copied; dropped when s is full. */
static void
vars_put(struct det_pktvars *s, const char *name, const uint8_t *d, size_t len)
{
	uint32_t i;

	for (i = 0; i < s->n && strcmp(s->v[i].name, name) != 0; i++)
		;
	if (i == DET_PKTVAR_MAX || len > DET_PKTVAR_BYTES - s->used)
		return;
	if (len > 0)
		memcpy(s->buf + s->used, d, len);
	s->v[i].name = name;
	s->v[i].data = s->buf + s->used;
	s->v[i].len = len;
	s->used += (uint32_t)len;
	if (i == s->n)
		s->n++;
}

/* What is being inspected. */
struct insp {
	struct sw_flow *f;
	const struct sw_packet *p;
	enum flow_dir dir;
	sw_time_t ts;
	const char *app_proto;
	unsigned ctx; /* DET_CTX_* */
	/* payload: the packet's, or the stream window (base = stream offset of data[0]) */
	const uint8_t *data;
	size_t len;
	uint64_t base;
	size_t min_end;
	bool stop; /* a pass rule matched */
	const struct det_rule *r_cur; /* the rule being verified */
	struct detect_thread *t;
	int rule_dir; /* the direction of the rule being verified (app messages) */
	bool rule_has_dir; /* ... and whether the rule gave it (flow:to_*, one-way buffers) */
	bool frag; /* an IP fragment, inspected as Suricata 7 does (detect_fragment) */
	/* app message and its buffers, fetched on demand (bufs and after: only with msg set) */
	const struct app_msg *msg;
	struct app_buf bufs[DET_BUF_MAX];
	uint8_t have[DET_BUF_MAX]; /* 0 not fetched, 1 present, 2 absent */
};

int
detect_thread_new(struct detect_engine *e, struct sw_memcap *mem, struct detect_stats *st,
                  detect_alert_fn *fn, void *arg, struct detect_thread **out)
{
	struct detect_thread *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SW_E_NOMEM;
	t->e = e;
	t->mem = mem;
	t->st = st != NULL ? st : &t->own_st;
	t->fn = fn;
	t->arg = arg;
	if ((e->proto_scratch != NULL &&
	     hs_clone_scratch(e->proto_scratch, &t->scratch) != HS_SUCCESS) ||
	    (t->cand = calloc(e->nrules + 1, sizeof(*t->cand))) == NULL ||
	    (t->stamp = calloc(e->nrules + 1, sizeof(*t->stamp))) == NULL ||
	    (t->file_alerted = calloc(e->nrules + 1, sizeof(*t->file_alerted))) == NULL ||
	    (t->hit_ids = calloc(e->slot[DET_SLOT_STREAM].npat + 1, sizeof(*t->hit_ids))) == NULL ||
	    (t->hit_stamp = calloc(e->slot[DET_SLOT_STREAM].npat + 1, sizeof(*t->hit_stamp))) ==
	        NULL ||
	    (t->hit_end = calloc(e->slot[DET_SLOT_STREAM].npat + 1, sizeof(*t->hit_end))) == NULL ||
	    (t->seam = malloc(2 * (size_t)e->stream_maxlen + 1)) == NULL ||
	    (t->md = pcre2_match_data_create(32, NULL)) == NULL ||
	    (t->mctx = pcre2_match_context_create(NULL)) == NULL ||
	    (e->has_app && (t->arena = malloc(DET_ARENA)) == NULL)) {
		detect_thread_free(t);
		return SW_E_NOMEM;
	}
	/* Suricata's defaults (pcre.match-limit, pcre.match-limit-recursion): a pathological
	 * pattern costs a bounded time per buffer */
	pcre2_set_match_limit(t->mctx, 3500);
	pcre2_set_depth_limit(t->mctx, 1500);
	*out = t;
	return 0;
}

void
detect_thread_free(struct detect_thread *t)
{
	if (t == NULL)
		return;
	hs_free_scratch(t->scratch);
	free(t->cand);
	free(t->stamp);
	free(t->file_alerted);
	free(t->hit_ids);
	free(t->hit_stamp);
	free(t->hit_end);
	free(t->seam);
	free(t->join);
	free(t->arena);
	free(t->xf_out);
	free(t->xf_tmp);
	free(t->b64);
	pcre2_match_data_free(t->md);
	pcre2_match_context_free(t->mctx);
	det_lua_thread_free(t->lua);
	free(t);
}

struct detect_stats *
detect_thread_stats(struct detect_thread *t)
{
	return t->st;
}

/* ---- per-flow state ------------------------------------------------------------------------ */

/* Charges n bytes of per-flow state to the worker (and to df); false when the cap refuses. */
static bool
mem_take(struct detect_thread *t, struct det_flow *df, size_t n)
{
	if (!sw_memcap_take(t->mem, n))
		return false;
	if (df != NULL)
		df->charged += n;
	return true;
}

static void
mem_give(struct detect_thread *t, struct det_flow *df)
{
	if (t != NULL)
		sw_memcap_give(t->mem, df->charged);
	df->charged = 0;
}

/* Drops the windows (another engine's, or the flow ends); the flowbits stay charged. */
static void
dflow_reset(struct detect_thread *t, struct det_flow *df, uint64_t generation)
{
	size_t bits = sizeof(*df) + ((df->nbits + 63) / 64) * sizeof(uint64_t);

	for (int d = 0; d < 2; d++) {
		free(df->win[d].hits);
		memset(&df->win[d], 0, sizeof(df->win[d]));
	}
	sw_memcap_give(t->mem, df->charged - bits); /* the windows; the struct stays charged */
	df->charged = bits;
	memset(df->bits, 0, ((df->nbits + 63) / 64) * sizeof(uint64_t));
	det_kw_flow_free(df->kw, t->mem); /* its variables are numbered by the engine */
	df->kw = NULL;
	df->generation = generation;
	df->passed = false;
}

/* The flow's state for the thread's engine; NULL when it has none and create is false, or
 * when the memory cap refuses it. */
static struct det_flow *
dflow_get(struct detect_thread *t, struct sw_flow *f, bool create)
{
	const struct detect_engine *e = t->e;
	struct det_flow *df = f->detect;
	size_t words = (e->nflowbits + 63) / 64, size = sizeof(*df) + words * sizeof(uint64_t);

	if (df != NULL && df->generation == e->generation)
		return df;
	if (df != NULL && df->nbits >= e->nflowbits) {
		dflow_reset(t, df, e->generation);
		return df;
	}
	if (!create && df == NULL)
		return NULL;
	if (df != NULL) {
		dflow_reset(t, df, e->generation);
		mem_give(t, df);
		free(df);
		f->detect = NULL;
	}
	if (!mem_take(t, NULL, size))
		return NULL;
	if ((df = calloc(1, size)) == NULL) {
		sw_memcap_give(t->mem, size);
		return NULL;
	}
	df->charged = size;
	df->nbits = (uint32_t)(words * 64);
	df->generation = e->generation;
	f->detect = df;
	return df;
}

void
detect_flow_free(struct detect_thread *t, struct sw_flow *f)
{
	struct det_flow *df = f->detect;

	if (df == NULL)
		return;
	free(df->win[0].hits);
	free(df->win[1].hits);
	det_kw_flow_free(df->kw, t->mem);
	mem_give(t, df);
	free(df);
	f->detect = NULL;
}

/* Whether a pass rule let this flow go. */
static bool
flow_passed(const struct detect_thread *t, const struct sw_flow *f)
{
	const struct det_flow *df = f != NULL ? f->detect : NULL;

	if (f != NULL && f->bypassed)
		return true;
	return df != NULL && df->passed && df->generation == t->e->generation;
}

static bool
bit_get(const struct det_flow *df, uint32_t id)
{
	return df != NULL && id < df->nbits && (df->bits[id / 64] >> (id % 64)) & 1;
}

/* ---- header checks -------------------------------------------------------------------------- */

struct tuple {
	int family;
	uint8_t proto;
	const struct sw_addr *src, *dst;
	uint16_t sport, dport;
};

static void
insp_tuple(const struct insp *in, enum flow_dir dir, struct tuple *tu)
{
	if (in->p != NULL && (in->ctx & (DET_CTX_PACKET | DET_CTX_EVENT))) {
		tu->family = in->p->family;
		tu->proto = in->p->proto;
		tu->src = &in->p->src;
		tu->dst = &in->p->dst;
		tu->sport = in->p->sport;
		tu->dport = in->p->dport;
		return;
	}
	tu->family = in->f->family;
	tu->proto = in->f->proto;
	if (dir == FLOW_TO_SERVER) {
		tu->src = &in->f->cli;
		tu->dst = &in->f->srv;
		tu->sport = in->f->cport;
		tu->dport = in->f->sport;
	} else {
		tu->src = &in->f->srv;
		tu->dst = &in->f->cli;
		tu->sport = in->f->sport;
		tu->dport = in->f->cport;
	}
}

static bool
header_way(const struct det_rule *r, const struct tuple *tu, bool swap)
{
	det_u128 s = det_addr_key(tu->family, (swap ? tu->dst : tu->src)->b);
	det_u128 d = det_addr_key(tu->family, (swap ? tu->src : tu->dst)->b);
	bool ports = tu->proto == 6 || tu->proto == 17 || tu->proto == 132;

	if (!det_ipset_has(&r->src, s) || !det_ipset_has(&r->dst, d))
		return false;
	if (!ports) /* Suricata: "port-less protocol and sig needs ports": no match */
		return det_portset_is_any(&r->sport) && det_portset_is_any(&r->dport);
	return det_portset_has(&r->sport, swap ? tu->dport : tu->sport) &&
	       det_portset_has(&r->dport, swap ? tu->sport : tu->dport);
}

static bool
proto_ok(const struct det_rule *r, uint8_t proto)
{
	if (r->icmp_any)
		return proto == 1 || proto == 58;
	return r->proto == 0 || r->proto == proto;
}

static bool
app_ok(const struct det_rule *r, const char *app_proto)
{
	if (r->app_proto != APP_NONE) {
		if (app_proto == NULL || strcmp(app_proto, app_proto_name(r->app_proto)) != 0)
			return false;
	} else if (r->app_name != NULL) {
		if (app_proto == NULL || strcasecmp(app_proto, r->app_name) != 0)
			return false;
	}
	if (r->alproto != NULL) {
		bool is;

		if (strcmp(r->alproto, "failed") == 0 || strcmp(r->alproto, "unknown") == 0)
			is = app_proto == NULL || strcmp(app_proto, "unknown") == 0 ||
			     strcmp(app_proto, "failed") == 0;
		else
			is = app_proto != NULL && strcasecmp(app_proto, r->alproto) == 0;
		if (is == r->alproto_negated)
			return false;
	}
	return true;
}

static bool
size_ok(const struct det_size *s, uint64_t v)
{
	bool in = v >= s->lo && v <= s->hi;

	return in != s->negated;
}

static bool
flags_ok(const struct det_rule *r, uint8_t pf)
{
	uint8_t v = pf & r->flags_mask;

	switch (r->flags_mode) {
	case DET_FLAGS_EXACT:
		return v == r->flags;
	case DET_FLAGS_ALL:
		return (v & r->flags) == r->flags;
	case DET_FLAGS_ANY:
		return r->flags == 0 ? v == 0 : (v & r->flags) != 0;
	case DET_FLAGS_NOT:
		return (v & r->flags) != r->flags; /* not all of them, as Suricata */
	default:
		return false;
	}
}

/* Suricata's "established": for TCP the three-way handshake is complete (the server's SYN+ACK
 * and then an ACK from the client), or the flow was picked up midstream and both sides spoke;
 * for the other protocols both directions were seen. */
static bool
flow_established(const struct sw_flow *f)
{
	if (f == NULL || f->state == FLOW_STATE_NEW)
		return false;
	if (f->proto != 6 || f->midstream)
		return true;
	return (f->tcp_flags[FLOW_TO_CLIENT] & 0x12) == 0x12 &&
	       (f->tcp_flags[FLOW_TO_SERVER] & 0x10);
}

/* ---- buffers -------------------------------------------------------------------------------- */

static bool
insp_buffer(struct insp *in, int buf, const uint8_t **p, size_t *len, uint64_t *base)
{
	*base = 0;
	if (buf > 0 && buf < DET_BUF_MAX && in->t != NULL && in->t->e->buf_hdr[buf] != DET_HDR_NONE)
		/* ipv4.hdr ...: the packet's header, in packet context only */
		return in->ctx == DET_CTX_PACKET &&
		       det_hdr_buffer(in->p, in->t->e->buf_hdr[buf], p, len);
	if (buf == DET_BUF_PAYLOAD && in->msg != NULL && in->t != NULL &&
	    in->t->e->msg_payload[in->msg->kind][in->rule_dir == FLOW_TO_CLIENT] > 0) {
		/* a rule mixing payload and HTTP or TLS buffers: the message (the handshake) of its
		 * direction as sent */
		buf = in->t->e->msg_payload[in->msg->kind][in->rule_dir == FLOW_TO_CLIENT];
	}
	if (buf == DET_BUF_PAYLOAD) {
		/* a DNS message's payload: the datagram or chunk it was read from */
		if (in->data == NULL)
			return false;
		*p = in->data;
		*len = in->len;
		*base = in->base;
		return true;
	}
	if (in->msg == NULL)
		return false;
	if (in->have[buf] == 0) {
		struct detect_thread *t = in->t;
		char *scratch = (char *)t->arena + t->arena_used;
		size_t room = t->arena != NULL ? DET_ARENA - t->arena_used : 0;
		struct app_buf b;

		if (app_msg_buffer_id(in->msg, buf - 1 /* the app stage's number */, &b,
		                      room > 0 ? scratch : NULL, room) == 0) {
			in->bufs[buf] = b;
			in->have[buf] = 1;
			if (b.p >= (const uint8_t *)scratch && b.p < (const uint8_t *)scratch + room)
				t->arena_used += b.len;
		} else {
			in->have[buf] = 2;
		}
	}
	if (in->have[buf] != 1)
		return false;
	*p = in->bufs[buf].p;
	*len = in->bufs[buf].len;
	return true;
}

/* ---- content and the other list items ------------------------------------------------------- */

static const uint8_t lower[256] = {
#define L(i)   (uint8_t)((i) >= 'A' && (i) <= 'Z' ? (i) + 32 : (i))
#define L4(i)  L(i), L(i + 1), L(i + 2), L(i + 3)
#define L16(i) L4(i), L4(i + 4), L4(i + 8), L4(i + 12)
#define L64(i) L16(i), L16(i + 16), L16(i + 32), L16(i + 48)
    L64(0), L64(64), L64(128), L64(192)
#undef L64
#undef L16
#undef L4
#undef L
};

/* The first occurrence of pat in buf[from, to) (the whole pattern inside), or -1. */
static int64_t
find(const uint8_t *buf, size_t from, size_t to, const uint8_t *pat, size_t plen, bool nocase)
{
	if (to < from + plen || plen == 0)
		return plen == 0 && from <= to ? (int64_t)from : -1;
	if (!nocase) {
		const uint8_t *m = memmem(buf + from, to - from, pat, plen);

		return m != NULL ? m - buf : -1;
	}
	uint8_t c0 = lower[pat[0]];

	for (size_t i = from; i + plen <= to; i++) {
		size_t j;

		if (lower[buf[i]] != c0)
			continue;
		for (j = 1; j < plen; j++)
			if (lower[buf[i + j]] != lower[pat[j]])
				break;
		if (j == plen)
			return (int64_t)i;
	}
	return -1;
}

static int64_t
value_of(const struct det_value *v, const int64_t *vars)
{
	return v->var >= 0 ? vars[(int)v->var] : v->v;
}

/* A value used as a position or a length: a byte_math result keeps all 64 bits, as Suricata's,
 * so a variable beyond any buffer (or negative as int64) is taken as 2^40, past every buffer,
 * and the position arithmetic cannot overflow. */
#define DET_POS_FAR ((int64_t)1 << 40)

static int64_t
pos_of(const struct det_value *v, const int64_t *vars)
{
	int64_t x = value_of(v, vars);

	return v->var >= 0 && (x < 0 || x > DET_POS_FAR) ? DET_POS_FAR : x;
}

/* Reads the number of a byte_* keyword at pos; false when short or not a number. */
static bool
byte_read(const struct det_byte *b, const uint8_t *p, size_t len, int64_t pos, uint64_t *out,
          size_t *used)
{
	uint64_t v = 0;
	size_t nbytes = b->nbytes;

	if (pos < 0 || (uint64_t)pos > len)
		return false;
	if (nbytes == 0 && (b->flags & DET_BYTE_STRING)) /* 0: the digits there are, up to 23 */
		nbytes = len - (size_t)pos < 23 ? len - (size_t)pos : 23;
	if (nbytes == 0 || (uint64_t)pos + nbytes > len)
		return false;
	p += pos;
	*used = nbytes;
	if (b->flags & DET_BYTE_STRING) {
		char tmp[32];
		char *end;

		if (nbytes >= sizeof(tmp))
			return false;
		memcpy(tmp, p, nbytes);
		tmp[nbytes] = '\0';
		char *s = tmp;

		while (*s == ' ' || *s == '\t') /* leading blanks, as strtoull takes them */
			s++;
		if (!isxdigit((unsigned char)*s)) /* no sign: "-1" is not a length */
			return false;
		errno = 0;
		v = strtoull(s, &end, b->base ? b->base : 10);
		if (end == s || errno != 0)
			return false;
		*used = (size_t)(end - tmp); /* as Suricata: what the conversion read */
	} else if (b->flags & DET_BYTE_LITTLE) {
		for (int i = b->nbytes - 1; i >= 0; i--)
			v = v << 8 | p[i];
	} else {
		for (int i = 0; i < b->nbytes; i++)
			v = v << 8 | p[i];
	}
	if (b->flags & DET_BYTE_BITMASK) {
		v &= b->bitmask;
		if (b->bitmask != 0)
			v >>= __builtin_ctzll(b->bitmask);
	}
	*out = v;
	return true;
}

/* byte_math: v OP rvalue as Suricata 7 computes it (64 bits; a division by 0 is no match). */
static bool
byte_math_apply(const struct det_byte *b, uint64_t rv, uint64_t *v)
{
	switch (b->op) {
	case DET_MATH_ADD:
		*v += rv;
		break;
	case DET_MATH_SUB:
		*v -= rv;
		break;
	case DET_MATH_MUL:
		*v *= rv;
		break;
	case DET_MATH_DIV:
		if (rv == 0)
			return false;
		*v /= rv;
		break;
	case DET_MATH_SHL:
		*v = rv < 64 ? *v << rv : 0;
		break;
	default:
		*v = rv < 64 ? *v >> rv : 0;
		break;
	}
	return true;
}

static bool
byte_test_ok(const struct det_byte *b, uint64_t v, uint64_t ref)
{
	bool m;

	switch (b->op) {
	case DET_OP_LT:
		m = v < ref;
		break;
	case DET_OP_GT:
		m = v > ref;
		break;
	case DET_OP_LE:
		m = v <= ref;
		break;
	case DET_OP_GE:
		m = v >= ref;
		break;
	case DET_OP_EQ:
		m = v == ref;
		break;
	case DET_OP_NE:
		m = v != ref;
		break;
	case DET_OP_AND:
		m = (v & ref) != 0;
		break;
	case DET_OP_XOR:
		m = (v ^ ref) != 0;
		break;
	default:
		m = false;
		break;
	}
	return (b->flags & DET_BYTE_NEGATED) ? !m : m;
}

struct lmatch {
	struct detect_thread *t;
	const struct det_list *l;
	const uint8_t *buf;
	size_t len;
	uint64_t base;  /* stream offset of buf[0]: absolute positions are offsets in the stream */
	size_t min_end; /* a match must reach beyond this (stream: not all old data) */
	int64_t vars[16]; /* byte_extract */
};

static bool match_from(struct lmatch *m, uint32_t i, size_t prev, size_t reached);

/* The value of a base64 character, -1 for any other. */
int
det_b64_val(uint8_t ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/*
 * base64_decode as Suricata's relaxed mode reads it: the base64 characters from p on, up to the
 * first other one ('=' padding included), a last partial group giving what it holds. Returns
 * the decoded length (0: nothing).
 */
static size_t
b64_decode(const uint8_t *p, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t o = 0, k = 0;

	for (size_t i = 0; i < len && o + 3 <= cap; i++) {
		int v = det_b64_val(p[i]);

		if (v < 0)
			break;
		acc = acc << 6 | (uint32_t)v;
		if (++k == 4) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
			k = 0;
		}
	}
	if (k >= 2)
		out[o++] = (uint8_t)(acc >> (k == 2 ? 4 : 10));
	if (k == 3)
		out[o++] = (uint8_t)(acc >> 2);
	return o;
}

/* base64_decode at item i: decodes, then base64_data's list on the result. */
/* byte_math: reads and computes as Suricata 7, keeps the result for the items after it (bounded
 * as byte_extract's variables) and goes on after the bytes read. */
static bool
match_byte_math(struct lmatch *m, uint32_t i, size_t prev, size_t reached)
{
	const struct det_byte *b = &m->l->items[i].u.byte;
	int64_t base = (b->flags & DET_BYTE_RELATIVE) ? (int64_t)prev : -(int64_t)m->base;
	int64_t pos = pos_of(&b->offset, m->vars) + base;
	uint64_t v;
	size_t used;

	if (!byte_read(b, m->buf, m->len, pos, &v, &used) ||
	    !byte_math_apply(b, (uint64_t)value_of(&b->value, m->vars), &v))
		return false;
	/* as Suricata 7: the result wraps in 64 bits, kept whole (pos_of bounds it as a
	 * position) */
	if (b->var >= 0 && b->var < 16)
		m->vars[(int)b->var] = (int64_t)v;
	return match_from(m, i + 1, (size_t)pos + used, reached);
}

static bool
match_base64(struct lmatch *m, uint32_t i, size_t prev, size_t reached)
{
	const struct det_base64 *b = &m->l->items[i].u.b64;
	struct lmatch sub;
	size_t from = b->relative ? prev : 0, n, dlen;

	if (m->base > 0 && !b->relative) /* a stream window: absolute offsets are not in it */
		return false;
	from += b->offset;
	if (from >= m->len)
		return false;
	n = m->len - from;
	if (b->bytes > 0 && b->bytes < n)
		n = b->bytes;
	if (m->t->b64 == NULL && (m->t->b64 = malloc(DET_XF_CAP)) == NULL)
		return false;
	if ((dlen = b64_decode(m->buf + from, n, m->t->b64, DET_XF_CAP)) == 0)
		return false;
	if (b->data != NULL && b->data->n > 0) {
		sub = *m;
		sub.l = b->data;
		sub.buf = m->t->b64;
		sub.len = dlen;
		sub.base = 0;
		sub.min_end = 0;
		if (!match_from(&sub, 0, 0, 0))
			return false;
	}
	return match_from(m, i + 1, prev, reached);
}

/* Matches items i.. of the list with the previous match ending at prev; reached is the
 * furthest end of a positive match so far. */
static bool
match_from(struct lmatch *m, uint32_t i, size_t prev, size_t reached)
{
	const struct det_list *l = m->l;
	const struct det_item *it;

	if (i == l->n)
		return reached > m->min_end || m->min_end == 0;
	it = &l->items[i];
	switch (it->kind) {
	case DET_ITEM_CONTENT: {
		const struct det_content *c = &it->u.content;
		bool nocase = (c->flags & DET_C_NOCASE) != 0, rel = det_item_relative(it);
		int64_t from, to = (int64_t)m->len;

		if (rel) {
			from = (int64_t)prev;
			if (c->flags & DET_C_DISTANCE)
				from += pos_of(&c->distance, m->vars);
			if (from < 0)
				from = 0;
			if (c->flags & DET_C_WITHIN) {
				int64_t w = (int64_t)prev + pos_of(&c->within, m->vars);

				if (c->flags & DET_C_DISTANCE)
					w += pos_of(&c->distance, m->vars);
				if (w < to)
					to = w;
			}
		} else if (c->flags & DET_C_STARTSWITH) {
			if (m->base > 0) /* the window does not hold the start */
				return (c->flags & DET_C_NEGATED)
				           ? match_from(m, i + 1, prev, reached)
				           : false;
			from = 0;
			to = c->len;
		} else {
			from = (c->flags & DET_C_OFFSET) ? pos_of(&c->offset, m->vars) : 0;
			from -= (int64_t)m->base;
			if (c->flags & DET_C_DEPTH) {
				int64_t d = from + pos_of(&c->depth, m->vars);

				if (d < to)
					to = d;
			}
			if (from < 0)
				from = 0;
		}
		if (to > (int64_t)m->len)
			to = (int64_t)m->len;
		if (c->flags & DET_C_ENDSWITH) {
			/* only an occurrence that ends the buffer */
			int64_t at = (int64_t)m->len - c->len;

			from = at >= from ? at : (int64_t)m->len + 1;
		}
		if (from > to || to < 0) {
			/* nothing can be there */
			return (c->flags & DET_C_NEGATED) ? match_from(m, i + 1, prev, reached)
			                                  : false;
		}
		if (c->flags & DET_C_NEGATED) {
			if (find(m->buf, (size_t)from, (size_t)to, c->pat, c->len, nocase) >= 0)
				return false;
			return match_from(m, i + 1, prev, reached);
		}
		bool retry = i + 1 < l->n && det_item_relative(&l->items[i + 1]);
		for (;;) {
			int64_t at = find(m->buf, (size_t)from, (size_t)to, c->pat, c->len, nocase);
			size_t end;

			if (at < 0)
				return false;
			end = (size_t)at + c->len;
			if (match_from(m, i + 1, end, end > reached ? end : reached))
				return true;
			if (m->t->budget == 0) {
				sw_counter_add(&m->t->st->backtrack_limit, 1);
				return false;
			}
			m->t->budget--;
			/* later items do not depend on this position, unless the stream window
			 * asks for a match further on */
			if (!retry && !(m->min_end > 0 && end <= m->min_end))
				return false;
			from = at + 1;
		}
	}
	case DET_ITEM_PCRE: {
		const struct det_pcre *pc = &it->u.pcre;
		size_t start = (pc->flags & DET_PCRE_RELATIVE) ? prev : 0;
		int rc;

		if (start > m->len)
			return (pc->flags & DET_PCRE_NEGATED) != 0 &&
			       match_from(m, i + 1, prev, reached);
		/* as Suricata: R matches on the rest of the buffer, so ^ anchors there */
		pcre2_match_context *mctx = (pc->flags & DET_PCRE_NOLIMIT) ? NULL : m->t->mctx;

		rc = pcre2_match((const pcre2_code *)pc->code, m->buf + start, m->len - start, 0, 0,
		                 m->t->md, mctx);
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
			sw_counter_add(&m->t->st->pcre_limit, 1);
		if (pc->flags & DET_PCRE_NEGATED)
			return rc < 0 && match_from(m, i + 1, prev, reached);
		bool retry = i + 1 < l->n && det_item_relative(&l->items[i + 1]);
		for (;;) {
			PCRE2_SIZE *ov;
			size_t mstart, end;

			if (rc < 0)
				return false;
			ov = pcre2_get_ovector_pointer(m->t->md);
			mstart = start + ov[0];
			end = start + ov[1];
			uint32_t nf = m->t->fpend.n, uf = m->t->fpend.used;

			for (uint32_t k = 0; k < pc->ncap; k++) { /* named captures: variables */
				const struct det_capvar *cv = &pc->caps[k];
				size_t g = cv->group;

				if ((int)g >= rc || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g])
					continue;
				vars_put(cv->pkt ? &m->t->pv : &m->t->fpend, cv->name,
				         m->buf + start + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
			}
			if (match_from(m, i + 1, end, end > reached ? end : reached))
				return true;
			m->t->fpend.n = nf; /* this match's flow captures do not count */
			m->t->fpend.used = uf;
			/* as Suricata: a later relative keyword failed, try the next match */
			if (!retry || m->t->budget == 0 || mstart + 1 > m->len)
				return false;
			m->t->budget--;
			rc = pcre2_match((const pcre2_code *)pc->code, m->buf + start,
			                 m->len - start, mstart + 1 - start, 0, m->t->md, mctx);
		}
	}
	case DET_ITEM_BYTE_TEST: {
		const struct det_byte *b = &it->u.byte;
		int64_t pos = pos_of(&b->offset, m->vars) +
		              ((b->flags & DET_BYTE_RELATIVE) ? (int64_t)prev : -(int64_t)m->base);
		uint64_t v;
		size_t used;

		if (!byte_read(b, m->buf, m->len, pos, &v, &used) ||
		    !byte_test_ok(b, v, (uint64_t)value_of(&b->value, m->vars)))
			return false;
		return match_from(m, i + 1, prev, reached);
	}
	case DET_ITEM_BYTE_JUMP: {
		const struct det_byte *b = &it->u.byte;
		int64_t pos = pos_of(&b->offset, m->vars) +
		              ((b->flags & DET_BYTE_RELATIVE) ? (int64_t)prev : -(int64_t)m->base);
		uint64_t v;
		size_t used;
		int64_t to;

		if (!byte_read(b, m->buf, m->len, pos, &v, &used))
			return false;
		if (b->multiplier > 1 && v > (1ull << 40) / b->multiplier)
			return false;
		v *= b->multiplier ? b->multiplier : 1;
		if ((b->flags & DET_BYTE_ALIGN) && v % 4 != 0)
			v += 4 - v % 4;
		if (v > (1ull << 40))
			return false;
		if (b->flags & DET_BYTE_FROM_BEGIN)
			to = (int64_t)v - (int64_t)m->base;
		else if (b->flags & DET_BYTE_FROM_END)
			to = (int64_t)m->len + (int64_t)v;
		else
			to = pos + (int64_t)used + (int64_t)v; /* string: the digits read */
		to += b->post_offset;
		if (to < 0 || to >= (int64_t)m->len) /* as Suricata: the jump lands inside */
			return false;
		return match_from(m, i + 1, (size_t)to, reached);
	}
	case DET_ITEM_BYTE_EXTRACT: {
		const struct det_byte *b = &it->u.byte;
		int64_t pos = pos_of(&b->offset, m->vars) +
		              ((b->flags & DET_BYTE_RELATIVE) ? (int64_t)prev : -(int64_t)m->base);
		uint64_t v;
		size_t used;

		if (!byte_read(b, m->buf, m->len, pos, &v, &used))
			return false;
		if (b->multiplier > 1 && v > UINT32_MAX / b->multiplier)
			v = UINT32_MAX;
		else
			v *= b->multiplier ? b->multiplier : 1;
		if ((b->flags & DET_BYTE_ALIGN) && v % 4 != 0)
			v += 4 - v % 4;
		/* bounded so that positions computed from it cannot overflow */
		if (b->var >= 0 && b->var < 16)
			m->vars[(int)b->var] = (int64_t)(v > UINT32_MAX ? UINT32_MAX : v);
		return match_from(m, i + 1, (size_t)pos + used, reached);
	}
	case DET_ITEM_BYTE_MATH:
		return match_byte_math(m, i, prev, reached);
	case DET_ITEM_ISDATAAT: {
		const struct det_isdataat *d = &it->u.isdataat;
		int64_t pos =
		    pos_of(&d->at, m->vars) +
		    ((d->flags & DET_ISDATAAT_RELATIVE) ? (int64_t)prev : -(int64_t)m->base);
		bool has = pos >= 0 && pos < (int64_t)m->len;

		if (has == ((d->flags & DET_ISDATAAT_NEGATED) != 0))
			return false;
		return match_from(m, i + 1, prev, reached);
	}
	case DET_ITEM_BSIZE:
		if (!size_ok(&it->u.bsize, m->len))
			return false;
		return match_from(m, i + 1, prev, reached);
	case DET_ITEM_BASE64:
		return match_base64(m, i, prev, reached);
	case DET_ITEM_DATASET: /* the whole buffer, after the list's transforms */
		if (!det_dataset_match(m->t->e, &it->u.ds, m->buf, m->len,
		                       m->t->mem != NULL ? &m->t->mem->refused : NULL))
			return false;
		return match_from(m, i + 1, prev, reached);
	default:
		return false;
	}
}

/* l's items on buffer p[0..len) (base: its stream offset), after l's transforms. */
static bool
list_match_on(struct detect_thread *t, const struct det_list *l, const uint8_t *p, size_t len,
	      uint64_t base, uint64_t min_end)
{
	struct lmatch m;

	if (l->nxf > 0) {
		if (t->xf_out == NULL &&
		    ((t->xf_out = malloc(DET_XF_CAP)) == NULL ||
		     (t->xf_tmp = malloc(DET_XF_CAP)) == NULL))
			return false;
		/* a transformed stream window starts where the transform says */
		if ((p = det_xform_apply(l, p, len, t->xf_out, t->xf_tmp, DET_XF_CAP, &len, t->md)) ==
		    NULL)
			return false;
		base = 0;
	}
	memset(&m, 0, sizeof(m));
	m.t = t;
	m.l = l;
	m.buf = p;
	m.len = len;
	m.base = base;
	m.min_end = min_end;
	return match_from(&m, 0, 0, 0);
}

static bool
list_match(struct detect_thread *t, struct insp *in, const struct det_list *l)
{
	const uint8_t *p;
	size_t len;
	uint64_t base;

	/* a buffer with several values (tls.certs) matches when one value does, each value
	 * transformed on its own */
	if (l->buffer != DET_BUF_PAYLOAD && in->msg != NULL && app_buffer_multi(l->buffer - 1)) {
		const struct app_msg_desc *md = app_msg_desc((int)in->msg->kind);
		/* values by direction: the descriptor says so, or the buffer is seen in both
		 * (ssh.proto, tls.random: the client's value 0, the server's 1) */
		bool by_dir = md != NULL &&
		              (md->values_by_dir || det_buffer(l->buffer)->dir < 0) &&
		              in->rule_has_dir;
		/* values built (http.request_header) go in the arena's free part, one at a time */
		char *scratch = t->arena != NULL ? (char *)t->arena + t->arena_used : NULL;
		size_t room = t->arena != NULL ? DET_ARENA - t->arena_used : 0;
		struct app_buf v;

		for (size_t i = 0;
		     app_msg_buffer_id_i(in->msg, l->buffer - 1, i, &v, scratch, room) == 0; i++) {
			if (v.len == 0 || (by_dir && i != (size_t)in->rule_dir))
				continue;
			if (list_match_on(t, l, v.p, v.len, 0, 0))
				return true;
		}
		return false;
	}
	/* a missing buffer is no match, even for a negated content (Suricata 7) */
	if (!insp_buffer(in, l->buffer, &p, &len, &base))
		return false;
	return list_match_on(t, l, p, len, base,
			     l->buffer == DET_BUF_PAYLOAD && in->msg == NULL ? in->min_end : 0);
}

/* ---- thresholds ----------------------------------------------------------------------------- */


uint64_t
det_th_hash(uint32_t rule, uint8_t type, det_u128 a, det_u128 b)
{
	uint64_t seed = (uint64_t)rule * 4 + type;

	return sw_hash64(&a, sizeof(a), sw_hash64(&b, sizeof(b), seed)) | 1;
}

/* Whether an alert of rule ri with this key passes th at time ts. */
static bool
threshold_pass(struct detect_engine *e, uint32_t rule, const struct det_threshold *th,
               const struct tuple *tu, const struct sw_flow *f, sw_time_t ts)
{
	det_u128 a = 0, b = 0;
	uint64_t h;
	struct det_th_entry *en = NULL, *victim = NULL;
	bool pass = true;

	if (th->track == DET_TRACK_FLOW) /* the flow's id (and its hash: ids may repeat per
					     worker) */
		a = f != NULL ? (det_u128)f->flow_id << 64 | f->hash : 0;
	if (th->track == DET_TRACK_SRC || th->track == DET_TRACK_BOTH)
		a = det_addr_key(tu->family, tu->src->b);
	if (th->track == DET_TRACK_DST || th->track == DET_TRACK_BOTH)
		b = det_addr_key(tu->family, tu->dst->b);
	h = det_th_hash(rule, th->type, a, b);
	pthread_mutex_lock(&e->th_lock);
	if (e->th == NULL && (e->th = calloc(TH_SIZE, sizeof(*e->th))) == NULL) {
		pthread_mutex_unlock(&e->th_lock);
		return true;
	}
	for (uint32_t k = 0; k < TH_PROBE; k++) {
		struct det_th_entry *x = &e->th[(h + k) & (TH_SIZE - 1)];

		if (x->hash == h && x->rule == rule && x->a == a && x->b == b) {
			en = x;
			break;
		}
		if (x->hash == 0 && victim == NULL)
			victim = x;
	}
	if (en == NULL) {
		if (victim == NULL) { /* all taken: reuse the one whose period started first */
			victim = &e->th[h & (TH_SIZE - 1)];
			for (uint32_t k = 1; k < TH_PROBE; k++) {
				struct det_th_entry *x = &e->th[(h + k) & (TH_SIZE - 1)];

				if (x->start < victim->start)
					victim = x;
			}
		}
		en = victim;
		memset(en, 0, sizeof(*en));
		en->hash = h;
		en->rule = rule;
		en->a = a;
		en->b = b;
		en->type = th->type;
		en->start = ts;
	} else if (ts > en->start && ts - en->start >= (sw_time_t)th->seconds * SW_USEC_PER_SEC) {
		/* a new period (a packet older than the period's start, handled late by another
		 * worker, still counts in it) */
		en->start = ts;
		en->count = 0;
		en->fired = false;
	}
	en->count++;
	switch (th->type) {
	case DET_TH_LIMIT:
		pass = en->count <= th->count;
		break;
	case DET_TH_THRESHOLD:
		pass = en->count >= th->count;
		if (pass) /* every count-th match; the period keeps its start, as Suricata's */
			en->count = 0;
		break;
	case DET_TH_BOTH:
		pass = en->count >= th->count && !en->fired;
		if (pass)
			en->fired = true;
		break;
	case DET_TH_DETECTION_FILTER:
		pass = en->count > th->count;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&e->th_lock);
	return pass;
}

/* ---- verification --------------------------------------------------------------------------- */

/* The end of the first match of the last content of the payload list (asn1 relative_offset). */
static size_t
last_content_end(const struct insp *in, const struct det_rule *r)
{
	for (uint32_t i = 0; i < r->nlists; i++) {
		const struct det_list *l = &r->lists[i];

		if (l->buffer != DET_BUF_PAYLOAD || in->data == NULL)
			continue;
		for (uint32_t j = l->n; j-- > 0;) {
			const struct det_content *c = &l->items[j].u.content;
			int64_t at;

			if (l->items[j].kind != DET_ITEM_CONTENT || (c->flags & DET_C_NEGATED))
				continue;
			at = find(in->data, 0, in->len, c->pat, c->len, (c->flags & DET_C_NOCASE) != 0);
			return at >= 0 ? (size_t)at + c->len : 0;
		}
	}
	return 0;
}

static void
kw_ctx(struct detect_thread *t, struct insp *in, const struct tuple *tu, enum flow_dir dir,
       struct det_kw_ctx *kc)
{
	const struct det_rule *r = in->r_cur;
	bool keeps = false; /* flowint or a session tag: state in the flow */
	struct det_flow *df;

	for (uint32_t i = 0; i < r->nkws && !keeps; i++)
		keeps = r->kws[i].kind == DET_KW_FLOWINT || r->kws[i].kind == DET_KW_TAG ||
		        r->kws[i].kind == DET_KW_GEOIP || /* geoip: the flow's countries */
		        r->kws[i].kind == DET_KW_LUA;     /* lua: SCFlowint*, SCFlowvar* */
	keeps = keeps || t->fpend.n > 0; /* flow variables to set */
	df = in->f != NULL ? dflow_get(t, in->f, keeps) : NULL;
	memset(kc, 0, sizeof(*kc));
	kc->e = t->e;
	kc->mem = t->mem;
	kc->f = in->f;
	kc->fstate = df != NULL ? &df->kw : NULL;
	kc->pv = &t->pv;
	kc->p = in->ctx == DET_CTX_PACKET ? in->p : NULL;
	kc->msg = in->msg;
	if (in->msg == NULL) {
		kc->payload = in->data;
		kc->payload_len = in->len;
		kc->last_match = last_content_end(in, in->r_cur);
	}
	kc->family = tu->family;
	kc->src = tu->src;
	kc->dst = tu->dst;
	kc->dir = dir;
	kc->ts = in->ts;
	kc->lua = &t->lua;
	kc->st = t->st;
	kc->app_proto = in->app_proto;
}

/* Whether rule idx already alerted on a file of the same transaction and direction as
 * in->msg (the files of a transaction come one after the other); notes that it has. */
static bool
file_alerted(struct detect_thread *t, const struct insp *in, uint32_t idx)
{
	const struct app_file *fi = in->msg->u.file;

	if (in->f != t->file_f || fi->tx_id != t->file_tx || (int)in->msg->dir != t->file_dir) {
		t->file_f = in->f;
		t->file_tx = fi->tx_id;
		t->file_dir = (int)in->msg->dir;
		if (++t->file_gen == 0) { /* wrapped: forget every mark */
			memset(t->file_alerted, 0, (t->e->nrules + 1) * sizeof(*t->file_alerted));
			t->file_gen = 1;
		}
	}
	if (t->file_alerted[idx] == t->file_gen)
		return true;
	t->file_alerted[idx] = t->file_gen;
	return false;
}

/* filestore / tls.store of rule r, which matched in->msg (Suricata's post-match) */
static void
store_note(struct detect_thread *t, struct insp *in, const struct det_rule *r)
{
	const struct app_msg *m = in->msg;
	struct app_msg tm;
	struct det_flow *df;
	uint8_t d, dirs;

	if ((r->store & DET_STORE_TLS) && app_msg_as(m, APP_MSG_TLS, &tm))
		t->store_tls = true;
	if (!(r->store & DET_STORE_FILE) || m->kind != APP_MSG_FILE)
		return;
	d = m->dir == FLOW_TO_SERVER ? 1 : 2;
	dirs = r->store_dirs != 0 ? r->store_dirs : d;
	if (dirs & d)
		t->store_file = true;
	if (r->store_scope == DET_STORE_SCOPE_FILE || (df = dflow_get(t, in->f, true)) == NULL)
		return;
	if (r->store_scope == DET_STORE_SCOPE_FLOW) {
		df->store_flow_dirs |= dirs;
	} else {
		if (df->store_tx != m->u.file->tx_id)
			df->store_tx_dirs = 0;
		df->store_tx = m->u.file->tx_id;
		df->store_tx_dirs |= dirs;
	}
}

/* Whether rule r may match an IP fragment. Suricata 7 passes each fragment through detection
 * as a packet without a flow and without a transport header (decode-ipv4.c, decode-ipv6.c):
 * what needs a flow (flow: with anything but a bare direction, flowbits, flowint; app-layer
 * rules never see it), a payload (content and the other payload keywords: the fragment's is
 * empty) or ports (a TCP/UDP/SCTP rule with ports other than any: detect.c skips fragments
 * there) does not match it, nor do the keywords of the transport header (flags, itype, icode;
 * seq, window, icmp_id, ... read SW_PKT_L4 packets only). A bare flow:to_server does: a packet
 * without a flow is inspected with the rules of the to_server direction. A threshold or
 * detection_filter by_flow never lets a packet without a flow alert
 * (detect-engine-threshold.c). */
static bool
frag_rule_ok(const struct det_rule *r)
{
	if ((r->flow & ~DET_FLOW_TO_SERVER) != 0 || r->nflowbits > 0 || r->has_flags ||
	    (r->threshold.set && r->threshold.track == DET_TRACK_FLOW) ||
	    (r->detection_filter.set && r->detection_filter.track == DET_TRACK_FLOW))
		return false;
	for (uint32_t i = 0; i < r->nlists; i++)
		if (r->lists[i].buffer == DET_BUF_PAYLOAD && r->lists[i].n > 0)
			return false;
	for (uint32_t i = 0; i < r->nkws; i++)
		if (r->kws[i].kind == DET_KW_FLOWINT || r->kws[i].kind == DET_KW_FRAG ||
		    r->kws[i].kind == DET_KW_ITYPE || r->kws[i].kind == DET_KW_ICODE)
			return false;
	return r->proto != 6 && r->proto != 17 && r->proto != 132 ? true
	       : det_portset_is_any(&r->sport) && det_portset_is_any(&r->dport);
}

/* The names of the flowbits set on f (at most DET_ALERT_FLOWBITS_MAX, in their numbers' order)
 * into names: what Suricata 7 logs as the alert's metadata.flowbits. */
#define DET_ALERT_FLOWBITS_MAX 64
static uint32_t
alert_flowbits(struct detect_thread *t, struct sw_flow *f, const char **names)
{
	const struct detect_engine *e = t->e;
	const struct det_flow *df = dflow_get(t, f, false);
	uint32_t n = 0;

	if (df == NULL)
		return 0;
	for (uint32_t id = 0; id < df->nbits && id < e->nflowbits && n < DET_ALERT_FLOWBITS_MAX;
	     id++)
		if (df->bits[id / 64] & (1ull << (id % 64)))
			names[n++] = e->flowbit_names[id];
	return n;
}

static void
verify(struct detect_thread *t, struct insp *in, uint32_t idx)
{
	struct detect_engine *e = t->e;
	const struct det_rinfo *ri = &e->rules[idx];
	const struct det_rule *r = ri->r;
	struct det_flow *df = NULL;
	enum flow_dir dir = in->dir;
	struct tuple tu;
	struct det_kw_ctx kc;
	bool way;

	sw_counter_add(&t->st->candidates, 1);
	in->r_cur = r;
	in->t = t;
	if (in->msg != NULL && ri->app_dir >= 0) {
		/* a DNS message has one direction; an HTTP transaction or a TLS handshake both */
		if (app_msg_desc((int)in->msg->kind)->one_way &&
		    (int)in->msg->dir != ri->app_dir)
			return;
		dir = (enum flow_dir)ri->app_dir;
	}
	/* a packet with a flow pays one test here, whatever fragments do */
	if (in->f == NULL &&
	    (in->frag ? !frag_rule_ok(r)
	              : (r->flow & (DET_FLOW_ESTABLISHED | DET_FLOW_TO_SERVER | DET_FLOW_TO_CLIENT))))
		return;
	/* an IP-only rule: the first packet of each direction of a flow, as Suricata's IP-only
	 * engine (its flow's first-packet flags are not reset by a reload: neither is pkts) */
	if (ri->iponly && in->f != NULL && in->f->pkts[in->dir] > 1)
		return;
	insp_tuple(in, dir, &tu);
	if (!proto_ok(r, tu.proto) || (r->family != 0 && r->family != tu.family))
		return;
	way = header_way(r, &tu, false);
	if (!way && !(r->bidir && header_way(r, &tu, true)))
		return;
	if (r->flow != 0) {
		bool est = flow_established(in->f);

		if ((r->flow & DET_FLOW_ESTABLISHED) && !est)
			return;
		if ((r->flow & DET_FLOW_NOT_ESTABLISHED) && est)
			return;
		if ((r->flow & DET_FLOW_TO_SERVER) && dir != FLOW_TO_SERVER)
			return;
		if ((r->flow & DET_FLOW_TO_CLIENT) && dir != FLOW_TO_CLIENT)
			return;
		if ((r->flow & DET_FLOW_ONLY_STREAM) && in->ctx == DET_CTX_PACKET)
			return;
		if ((r->flow & DET_FLOW_NO_STREAM) && in->ctx != DET_CTX_PACKET)
			return;
	}
	if (in->ctx == DET_CTX_PACKET) {
		if (r->has_dsize && !size_ok(&r->dsize, in->p->payload_len))
			return;
		if (r->has_flags && (in->p->proto != 6 || !flags_ok(r, in->p->tcp_flags)))
			return;
	}
	if (!app_ok(r, in->app_proto))
		return;
	if (r->nflowbits > 0 && in->f != NULL)
		df = dflow_get(t, in->f, false);
	for (uint32_t i = 0; i < r->nflowbits; i++) {
		const struct det_flowbit *fb = &r->flowbits[i];
		uint32_t set = 0;

		if (fb->op != DET_FB_ISSET && fb->op != DET_FB_ISNOTSET)
			continue;
		if (in->f == NULL)
			return;
		for (uint32_t k = 0; k < fb->n; k++)
			set += bit_get(df, fb->ids[k]);
		if (fb->op == DET_FB_ISSET && !(fb->any ? set > 0 : set == fb->n))
			return;
		if (fb->op == DET_FB_ISNOTSET && !(fb->any ? set < fb->n : set == 0))
			return;
	}
	t->budget = e->backtrack_limit;
	in->rule_dir = (int)dir;
	in->rule_has_dir = ri->app_dir >= 0;
	t->fpend.n = t->fpend.used = 0;
	for (uint32_t i = 0; i < r->nlists; i++)
		if (!list_match(t, in, &r->lists[i]))
			return;
	if (r->nkws > 0 || t->fpend.n > 0) {
		kw_ctx(t, in, &tu, dir, &kc);
		if (r->nkws > 0 && !det_kw_match(&kc, r))
			return;
		det_kw_apply(&kc, r, 0, 0); /* xbits and flowint: at the match, as flowbits */
		for (uint32_t i = 0; i < t->fpend.n && in->f != NULL; i++) /* refusals: memcap's */
			(void)det_kw_flowvar_set(&kc, t->fpend.v[i].name, t->fpend.v[i].data,
			                         t->fpend.v[i].len);
	}

	/* a match */
	for (uint32_t i = 0; i < r->nflowbits && in->f != NULL; i++) {
		const struct det_flowbit *fb = &r->flowbits[i];

		if (fb->op == DET_FB_ISSET || fb->op == DET_FB_ISNOTSET)
			continue;
		if ((df = dflow_get(t, in->f, true)) == NULL)
			break;
		for (uint32_t k = 0; k < fb->n; k++) {
			uint32_t id = fb->ids[k];
			uint64_t bit = 1ull << (id % 64);

			if (id >= df->nbits)
				continue;
			if (fb->op == DET_FB_SET)
				df->bits[id / 64] |= bit;
			else if (fb->op == DET_FB_UNSET)
				df->bits[id / 64] &= ~bit;
			else
				df->bits[id / 64] ^= bit;
		}
	}
	if (r->bypass && in->f != NULL && !in->f->bypassed) {
		/* as Suricata's local bypass, at the match (before noalert and thresholds) */
		in->f->bypassed = true;
		sw_counter_add(&t->st->bypassed, 1);
	}
	if (r->store != 0 && in->msg != NULL && in->f != NULL)
		store_note(t, in, r); /* as Suricata's post-match: noalert and thresholds too */
	if (r->action == DET_ACT_PASS) {
		/* as Suricata: the rest of the rules skip this packet, and a flow's later packets
		 * are not inspected at all */
		in->stop = true;
		if (in->f != NULL && (df = dflow_get(t, in->f, true)) != NULL)
			df->passed = true;
		return;
	}
	if (in->msg != NULL && in->msg->kind == APP_MSG_FILE && file_alerted(t, in, idx))
		return; /* another file of this transaction's direction alerted */
	if (r->noalert) {
		sw_counter_add(&t->st->suppressed, 1);
		return;
	}
	if ((r->detection_filter.set &&
	     !threshold_pass(e, ri->th_rule, &r->detection_filter, &tu, in->f, in->ts)) ||
	    (r->threshold.set &&
	     !threshold_pass(e, ri->th_rule, &r->threshold, &tu, in->f, in->ts))) {
		sw_counter_add(&t->st->suppressed, 1);
		return;
	}
	if (r->nkws > 0)
		det_kw_apply(&kc, r, r->sid, r->gid); /* tags: for the alerts that are raised */
	sw_counter_add(&t->st->alerts, 1);
	if (in->f != NULL)
		in->f->alerted = true;
	const struct detect_alert *al = &ri->alert;
	struct detect_alert va;
	struct detect_var fv[DET_PKTVAR_MAX];
	uint32_t nfv = 0;

	const char *fbn[DET_ALERT_FLOWBITS_MAX], *fin[DET_ALERT_FLOWBITS_MAX];
	uint32_t fiv[DET_ALERT_FLOWBITS_MAX], nfi = 0;
	uint32_t nfb = in->f != NULL && e->nflowbits > 0 ? alert_flowbits(t, in->f, fbn) : 0;

	if (in->f != NULL && (e->has_vars || e->has_flowints)) {
		if (r->nkws == 0 && t->fpend.n == 0)
			kw_ctx(t, in, &tu, dir, &kc);
		if (e->has_vars)
			nfv = det_kw_flowvars(&kc, fv, DET_PKTVAR_MAX);
		if (e->has_flowints)
			nfi = det_kw_flowints(&kc, fin, fiv, DET_ALERT_FLOWBITS_MAX);
	}
	if (nfv > 0 || t->pv.n > 0 || nfb > 0 || nfi > 0) { /* Suricata's alert metadata */
		va = ri->alert;
		va.flowvars = fv;
		va.nflowvars = nfv;
		va.pktvars = t->pv.v;
		va.npktvars = t->pv.n;
		va.flowbits = fbn;
		va.nflowbits = nfb;
		va.flowint_names = fin;
		va.flowint_values = fiv;
		va.nflowints = nfi;
		al = &va;
	}
	t->fn(t->arg, in->f, in->ctx == DET_CTX_PACKET || in->ctx == DET_CTX_EVENT ? in->p : NULL,
	      dir, in->ts, al, in->msg);
}

/* ---- candidates ----------------------------------------------------------------------------- */

static void
cand_add(struct detect_thread *t, uint32_t rule)
{
	if (t->stamp[rule] == t->gen)
		return;
	t->stamp[rule] = t->gen;
	t->cand[t->ncand++] = rule;
}

static void
cand_start(struct detect_thread *t)
{
	t->ncand = 0;
	if (++t->gen == 0) { /* wrapped: forget every stamp */
		memset(t->stamp, 0, (t->e->nrules + 1) * sizeof(*t->stamp));
		memset(t->hit_stamp, 0,
		       (t->e->slot[DET_SLOT_STREAM].npat + 1) * sizeof(*t->hit_stamp));
		t->gen = 1;
	}
}

/* Pattern id of slot s hit, ending at stream offset end (stream scans that track hits). */
static void
pat_hit(struct detect_thread *t, const struct det_slot *s, uint32_t id, uint64_t end)
{
	for (uint32_t k = s->pat_off[id]; k < s->pat_off[id + 1]; k++)
		cand_add(t, s->pat_rules[k]);
	if (!t->track_hits)
		return;
	if (t->hit_stamp[id] != t->gen) {
		t->hit_stamp[id] = t->gen;
		t->hit_ids[t->nhit++] = id;
		t->hit_end[id] = end;
	} else if (end > t->hit_end[id]) {
		t->hit_end[id] = end;
	}
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
         void *arg)
{
	struct detect_thread *t = arg;
	const struct det_slot *s = t->cur_slot;

	(void)from;
	(void)flags;
	/* a hit in the kept end of the previous chunk still makes a candidate: its other contents
	 * may be in the new data (match_from wants the match to reach into it) */
	if (id >= s->npat)
		return 0;
	pat_hit(t, s, id, t->scan_base + to);
	return 0;
}

static void
scan(struct detect_thread *t, int slot, const uint8_t *p, size_t len, size_t min_end)
{
	const struct det_slot *s = &t->e->slot[slot];

	if (s->db == NULL || len == 0 || len > UINT32_MAX)
		return;
	t->cur_slot = s;
	t->min_end = min_end;
	hs_scan(s->db, (const char *)p, (unsigned)len, 0, t->scratch, on_match, t);
}

static void
group_cands(struct detect_thread *t, const struct det_group *g, uint16_t dport)
{
	uint32_t lo = 0, hi = g->nbyport;

	for (uint32_t i = 0; i < g->nany; i++)
		cand_add(t, g->any[i]);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->byport[mid].port < dport)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < g->nbyport && g->byport[lo].port == dport; lo++)
		cand_add(t, g->byport[lo].rule);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
run_cands(struct detect_thread *t, struct insp *in, unsigned need_ctx)
{
	t->pv.n = t->pv.used = 0; /* packet variables: of this packet, stream chunk or message */
	if (t->ncand == 0)
		return;
	if (t->ncand > 1)
		qsort(t->cand, t->ncand, sizeof(*t->cand), u32_cmp);
	for (uint32_t i = 0; i < t->ncand && !in->stop; i++) {
		const struct det_rinfo *ri = &t->e->rules[t->cand[i]];

		if (!(ri->ctx & need_ctx))
			continue;
		if (need_ctx == DET_CTX_PACKET && in->p->proto == 6 && !ri->packet_tcp)
			continue;
		/* a message scanned with a served kind's buffers for its own rules (a file with
		 * its transaction's http.*): that kind's rules do not run on it */
		if (need_ctx == DET_CTX_APP && ri->msg_kind >= 0 &&
		    !(t->e->kind_runs[in->msg->kind] & (1u << ri->msg_kind)))
			continue;
		verify(t, in, t->cand[i]);
	}
}

static int
pclass_of(uint8_t proto)
{
	switch (proto) {
	case 6:
		return DET_PC_TCP;
	case 17:
		return DET_PC_UDP;
	case 1:
	case 58:
		return DET_PC_ICMP;
	default:
		return DET_PC_OTHER;
	}
}

/* Suricata's tagged packets: each packet a tag window covers goes to the alert callback marked
 * tagged_packet (Suricata's tag signature, gid 2 sid 1, which its EVE output writes as a
 * "packet" event, not an alert). */
static const struct detect_alert tag_alert = {
    .gid = 2, .sid = 1, .rev = 1, .msg = "Tagged Packet", .category = "", .severity = 2,
    .action = "allowed", .target = -1, .tagged_packet = true,
};

static void
packet_tags(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir,
            const struct sw_packet *p)
{
	struct det_flow *df = f != NULL ? f->detect : NULL;
	struct det_kw_ctx kc;

	if (df != NULL && df->generation != t->e->generation)
		df = NULL;
	memset(&kc, 0, sizeof(kc));
	kc.e = t->e;
	kc.mem = t->mem;
	kc.f = f;
	kc.fstate = df != NULL ? &df->kw : NULL;
	kc.p = p;
	kc.family = p->family;
	kc.src = &p->src;
	kc.dst = &p->dst;
	kc.dir = dir;
	kc.ts = p->ts;
	if (!det_kw_tagged(&kc))
		return;
	sw_counter_add(&t->st->tagged, 1);
	t->fn(t->arg, f, p, dir, p->ts, &tag_alert, NULL);
}

/* The header buffers of p (ipv4.hdr, tcp.hdr, ...) with a fast-pattern database: scanned, so
 * that only the rules whose header pattern is there are candidates. */
static void
scan_hdrs(struct detect_thread *t, const struct sw_packet *p)
{
	const struct detect_engine *e = t->e;

	for (int i = 0; i < e->nhdr_bufs; i++) {
		int b = e->hdr_bufs[i];
		const uint8_t *h;
		size_t hlen;

		if (det_hdr_buffer(p, e->buf_hdr[b], &h, &hlen))
			scan(t, DET_SLOT_APP0 + b - 1, h, hlen, 0);
	}
}

void
detect_packet(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir,
              const struct sw_packet *p, const char *app_proto)
{
	struct detect_engine *e = t->e;
	struct insp in;
	int pc = pclass_of(p->proto);
	if ((!e->has_packet && !e->has_tags && !(e->has_stream && p->proto == 6)) ||
	    flow_passed(t, f))
		return;
	sw_counter_add(&t->st->packets, 1);
	memset(&in, 0, offsetof(struct insp, bufs));
	in.f = f;
	in.p = p;
	in.dir = dir;
	in.ts = p->ts;
	in.app_proto = app_proto;
	in.ctx = DET_CTX_PACKET;
	in.data = p->data + p->payload_off;
	in.len = p->payload_off <= p->caplen && p->payload_len <= p->caplen - p->payload_off
	             ? p->payload_len
	             : 0;
	cand_start(t);
	scan(t, p->proto == 6 ? DET_SLOT_PKT_TCP : DET_SLOT_PACKET, in.data, in.len, 0);
	scan_hdrs(t, p);
	group_cands(t, &e->nofp_packet[pc], p->dport);
	if (pc != DET_PC_OTHER)
		group_cands(t, &e->nofp_packet[DET_PC_OTHER], p->dport); /* "ip" rules */
	if (f == NULL || f->pkts[dir] <= 1) { /* IP-only rules: the first packet of a direction */
		group_cands(t, &e->iponly[pc], p->dport);
		if (pc != DET_PC_OTHER)
			group_cands(t, &e->iponly[DET_PC_OTHER], p->dport);
	}
	run_cands(t, &in, DET_CTX_PACKET);
	/* As Suricata: stream rules see the payload of a packet whose data did not go into the
	 * stream (a retransmission, data past the depth or after a reset), which no stream
	 * inspection covers. */
	if (e->has_stream && f != NULL && p->proto == 6 && in.len > 0 && !in.stop &&
	    !stream_packet_added(f, dir)) {
		cand_start(t);
		scan(t, DET_SLOT_STREAM, in.data, in.len, 0);
		group_cands(t, &e->nofp_stream, p->dport);
		run_cands(t, &in, DET_CTX_STREAM);
	}
	if (e->has_tags)
		packet_tags(t, f, dir, p);
}

void
detect_fragment(struct detect_thread *t, const struct sw_packet *p)
{
	struct detect_engine *e = t->e;
	struct sw_packet fp;
	struct insp in;
	int pc;
	if (!e->has_packet && !e->has_tags)
		return;
	/* what Suricata's decoder leaves of a fragment: the IP header; no ports, no payload; the
	 * protocol of an IPv4 fragment is its header's, of an IPv6 one the fragment header's
	 * (44): "alert udp" sees IPv4 fragments of UDP, no IPv6 fragment */
	fp = *p;
	fp.flags &= ~SW_PKT_L4;
	fp.sport = fp.dport = 0;
	fp.payload_len = 0;
	fp.tcp_flags = 0;
	fp.icmp_type = fp.icmp_code = 0;
	if (fp.family == 6)
		fp.proto = 44;
	pc = pclass_of(fp.proto);
	sw_counter_add(&t->st->packets, 1);
	memset(&in, 0, offsetof(struct insp, bufs));
	in.p = &fp;
	in.dir = FLOW_TO_SERVER;
	in.ts = fp.ts;
	in.ctx = DET_CTX_PACKET;
	in.data = fp.data + fp.payload_off; /* len 0 */
	in.frag = true;
	cand_start(t);
	scan_hdrs(t, &fp);
	group_cands(t, &e->nofp_packet[pc], 0);
	if (pc != DET_PC_OTHER)
		group_cands(t, &e->nofp_packet[DET_PC_OTHER], 0); /* "ip" rules */
	group_cands(t, &e->iponly[pc], 0); /* IP-only rules: every packet without a flow */
	if (pc != DET_PC_OTHER)
		group_cands(t, &e->iponly[DET_PC_OTHER], 0);
	run_cands(t, &in, DET_CTX_PACKET);
	if (e->has_tags)
		packet_tags(t, NULL, FLOW_TO_SERVER, &fp);
}

/* Joins the kept bytes and the chunk in the thread's buffer; NULL when out of memory. */
static const uint8_t *
stream_join(struct detect_thread *t, const uint8_t *kept, size_t klen, const uint8_t *data,
            size_t len)
{
	if (t->join_cap < klen + len) {
		size_t cap = (klen + len) * 2;
		uint8_t *nj = realloc(t->join, cap);

		if (nj == NULL)
			return NULL;
		t->join = nj;
		t->join_cap = cap;
	}
	memcpy(t->join, kept, klen);
	memcpy(t->join + klen, data, len);
	sw_counter_add(&t->st->stream_copied, klen + len);
	return t->join;
}

/* Verifies the candidates on all[0..len) (stream offset base), of which the first old bytes
 * were inspected before (a match must end after them). */
static void
stream_verify(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir, const uint8_t *all,
              size_t len, size_t old, uint64_t base, sw_time_t ts, const char *app_proto)
{
	struct insp in;

	memset(&in, 0, offsetof(struct insp, bufs));
	in.f = f;
	in.dir = dir;
	in.ts = ts;
	in.app_proto = app_proto;
	in.ctx = DET_CTX_STREAM;
	in.data = all;
	in.len = len;
	in.base = base;
	in.min_end = old;
	run_cands(t, &in, DET_CTX_STREAM);
}

/* Hyperscan on p[0..len), p[0] at stream offset base, noting each pattern's last hit. */
static void
stream_scan(struct detect_thread *t, const uint8_t *p, size_t len, uint64_t base)
{
	if (len == 0 || t->e->slot[DET_SLOT_STREAM].db == NULL)
		return;
	t->scan_base = base;
	scan(t, DET_SLOT_STREAM, p, len, 0);
	sw_counter_add(&t->st->stream_scanned, len);
}

/* One raw stream inspection of a flow without a window (the cap refused it): the chunk
 * all[0..len) alone, at stream offset base. */
static void
stream_inspect(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir, const uint8_t *all,
               size_t len, uint64_t base, sw_time_t ts, const char *app_proto)
{
	struct detect_engine *e = t->e;

	sw_counter_add(&t->st->stream_chunks, 1);
	cand_start(t);
	stream_scan(t, all, len, base);
	group_cands(t, &e->nofp_stream, dir == FLOW_TO_SERVER ? f->sport : f->cport);
	if (t->ncand > 0)
		stream_verify(t, f, dir, all, len, 0, base, ts, app_proto);
}

#define WIN_HITS_BYTES (DET_HITS_MAX * sizeof(struct det_hit))
#define WIN_MIN_BYTES  512u

/* Room for need bytes in w->buf (need at most stream_window + stream_chunk): the allocation
 * made or grown (doubling from WIN_MIN_BYTES, up to that), the growth charged to the cap and
 * to df. false when the cap or malloc refuses; the window is then as it was. */
static bool
win_room(struct detect_thread *t, struct det_flow *df, struct det_win *w, size_t need)
{
	size_t full = (size_t)t->e->stream_window + t->e->stream_chunk;
	size_t cur = w->size > WIN_HITS_BYTES ? w->size - WIN_HITS_BYTES : 0, want, grow;
	uint8_t *nm;

	if (w->buf != NULL && need <= cur)
		return true;
	if (need > full)
		return false;
	want = cur < WIN_MIN_BYTES ? WIN_MIN_BYTES : cur * 2;
	if (want < need)
		want = need;
	if (want > full)
		want = full;
	grow = WIN_HITS_BYTES + want - w->size;
	if (!mem_take(t, df, grow))
		return false;
	if ((nm = realloc(w->hits, WIN_HITS_BYTES + want)) == NULL) {
		sw_memcap_give(t->mem, grow);
		df->charged -= grow;
		return false;
	}
	w->hits = (struct det_hit *)(void *)nm;
	w->buf = nm + WIN_HITS_BYTES;
	w->size = (uint32_t)(WIN_HITS_BYTES + want);
	return true;
}

/*
 * One raw stream inspection of a direction with a window: w->buf[0..w->len) (its first w->tail
 * bytes inspected before), then data[0..len) (borrowed; none when w's waiting bytes are
 * flushed). Hyperscan sees only what it has not seen (see struct det_win), the bytes are joined
 * only for a candidate, and w keeps the last stream_window bytes as its tail with the patterns
 * hit whole in them.
 */
static void
win_inspect_with(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir, struct det_win *w,
                 const uint8_t *data, size_t len, sw_time_t ts, const char *app_proto)
{
	struct detect_engine *e = t->e;
	struct det_flow *df = f->detect;
	const struct det_slot *sl = &e->slot[DET_SLOT_STREAM];
	size_t cap = (size_t)e->stream_window + e->stream_chunk;
	size_t old = w->tail, total = (size_t)w->len + len, keep, from;
	size_t lap = e->stream_maxlen > 1 ? e->stream_maxlen - 1 : 0;
	uint64_t base = w->end - w->len, kfrom;
	const uint8_t *all = NULL;

	w->flush = false;
	if (total <= old)
		return;
	sw_counter_add(&t->st->stream_chunks, 1);
	cand_start(t);
	t->nhit = 0;
	t->track_hits = true;
	/* from lap bytes before the new ones (a pattern that ends in them), or the whole window
	 * when it remembers too few of its patterns */
	from = w->hits_over || old < lap ? 0 : old - lap;
	stream_scan(t, w->buf + from, w->len - from, base + from);
	if (len > 0 && w->len > from && lap > 0 && sl->db != NULL) { /* the window-data seam */
		size_t a = w->len - from < lap ? w->len - from : lap, b = len < lap ? len : lap;

		memcpy(t->seam, w->buf + w->len - a, a);
		memcpy(t->seam + a, data, b);
		sw_counter_add(&t->st->stream_copied, a + b);
		stream_scan(t, t->seam, a + b, base + w->len - a);
	}
	stream_scan(t, data, len, base + w->len);
	for (uint32_t i = 0; !w->hits_over && i < w->nhits; i++) /* the tail's, seen before */
		pat_hit(t, sl, w->hits[i].id, base + (uint32_t)(w->hits[i].end - (uint32_t)base));
	t->track_hits = false;
	group_cands(t, &e->nofp_stream, dir == FLOW_TO_SERVER ? f->sport : f->cport);
	if (t->ncand > 0) {
		if (len == 0 || w->len == 0) {
			all = len == 0 ? w->buf : data;
		} else if (total <= cap && win_room(t, df, w, total)) {
			/* room in the window: data goes after its bytes */
			memcpy(w->buf + w->len, data, len);
			sw_counter_add(&t->st->stream_copied, len);
			all = w->buf;
		} else {
			all = stream_join(t, w->buf, w->len, data, len);
		}
	}
	if (all != NULL)
		stream_verify(t, f, dir, all, total, old, base, ts, app_proto);
	/* the tail: the last keep bytes of the window and data */
	keep = total < e->stream_window ? total : e->stream_window;
	if (!win_room(t, df, w, keep)) { /* the cap: the next inspection starts afresh */
		w->len = w->tail = 0;
		w->end = base + total;
		w->nhits = 0;
		w->hits_over = false;
		return;
	}
	if (all == w->buf) {
		if (keep < total)
			memmove(w->buf, w->buf + total - keep, keep);
	} else if (all != NULL && all != data) {
		memcpy(w->buf, all + total - keep, keep);
	} else if (len > 0 && len >= keep) {
		memcpy(w->buf, data + len - keep, keep);
	} else { /* the window's last keep - len bytes, then data's (none for a flush) */
		memmove(w->buf, w->buf + w->len - (keep - len), keep - len);
		if (len > 0)
			memcpy(w->buf + keep - len, data, len);
	}
	if (all != w->buf || keep < total)
		sw_counter_add(&t->st->stream_copied, keep);
	w->len = w->tail = (uint32_t)keep;
	w->end = base + total;
	/* and the patterns whose last hit lies whole in it */
	kfrom = w->end - keep;
	w->nhits = 0;
	w->hits_over = false;
	for (uint32_t i = 0; i < t->nhit; i++) {
		uint32_t id = t->hit_ids[i];

		if (t->hit_end[id] < kfrom + sl->pat_len[id])
			continue;
		if (w->nhits == DET_HITS_MAX) {
			w->hits_over = true;
			break;
		}
		w->hits[w->nhits].id = id;
		w->hits[w->nhits++].end = (uint32_t)t->hit_end[id];
	}
}

/* Inspects w's waiting bytes (with its tail). */
static void
win_inspect(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir, struct det_win *w,
            sw_time_t ts, const char *app_proto)
{
	win_inspect_with(t, f, dir, w, NULL, 0, ts, app_proto);
}

void
detect_stream(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir, const uint8_t *data,
              size_t len, uint64_t offset, sw_time_t ts, const char *app_proto)
{
	struct detect_engine *e = t->e;
	size_t cap = (size_t)e->stream_window + e->stream_chunk;
	struct det_flow *df;
	struct det_win *w;

	t->deliver_f = NULL;
	if (!e->has_stream || flow_passed(t, f))
		return;
	df = dflow_get(t, f, cap > 0 && data != NULL);
	w = df != NULL ? &df->win[dir] : NULL;
	if (w != NULL && w->len > 0 && (data == NULL || w->end != offset)) {
		/* a gap (or data that does not follow): what is in is inspected, then dropped */
		win_inspect(t, f, dir, w, ts, app_proto);
		w->len = w->tail = 0;
		w->nhits = 0;
		w->hits_over = false;
	}
	if (data == NULL || len == 0)
		return;
	sw_counter_add(&t->st->stream_bytes, len);
	if (w != NULL && w->buf == NULL && cap > 0) {
		if (!win_room(t, df, w, 0)) /* the first, smallest buffer */
			w = NULL; /* over the cap: this flow's chunks are inspected one by one */
		else {
			w->nhits = 0;
			w->hits_over = false;
		}
	}
	if (w == NULL) {
		stream_inspect(t, f, dir, data, len, offset, ts, app_proto);
		return;
	}
	if (w->len == 0)
		w->end = offset;
	if (w->len + len <= cap && w->len - w->tail + len < e->stream_chunk && !w->flush &&
	    win_room(t, df, w, w->len + len)) {
		memcpy(w->buf + w->len, data, len); /* not enough for an inspection yet */
		sw_counter_add(&t->st->stream_copied, len);
		w->len += (uint32_t)len;
		w->end = offset + len;
		return;
	}
	/* an inspection: the tail, what waited, and this chunk */
	win_inspect_with(t, f, dir, w, data, len, ts, app_proto);
}

void
detect_stream_begin(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir)
{
	t->deliver_f = f;
	t->deliver_dir = dir;
}

void
detect_stream_flush(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir, sw_time_t ts,
                    const char *app_proto)
{
	struct det_flow *df = f->detect;

	if (df == NULL || df->generation != t->e->generation || flow_passed(t, f))
		return;
	win_inspect(t, f, dir, &df->win[dir], ts, app_proto);
}

void
detect_stream_end(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir, sw_time_t ts,
                  const char *app_proto)
{
	struct det_flow *df = f->detect;
	struct det_win *w;

	if (df == NULL || df->generation != t->e->generation)
		return;
	w = &df->win[dir];
	if (!flow_passed(t, f))
		win_inspect(t, f, dir, w, ts, app_proto);
	if (w->buf == NULL)
		return;
	/* nothing more comes in this direction: its window goes back to the cap now rather than
	 * at the flow's timeout (the flowbits and variables stay for the packets still to come) */
	free(w->hits);
	sw_memcap_give(t->mem, w->size);
	df->charged -= w->size;
	memset(w, 0, sizeof(*w));
	sw_counter_add(&t->st->windows_released, 1);
}

bool
detect_file_store(struct detect_thread *t, struct sw_flow *f, const struct app_msg *msg)
{
	const struct det_flow *df;
	uint8_t d;

	if (t == NULL || msg->kind != APP_MSG_FILE)
		return false;
	if (t->store_file)
		return true;
	if ((df = dflow_get(t, f, false)) == NULL)
		return false;
	d = msg->dir == FLOW_TO_SERVER ? 1 : 2;
	return (df->store_flow_dirs & d) ||
	       ((df->store_tx_dirs & d) && df->store_tx == msg->u.file->tx_id);
}

bool
detect_tls_store(const struct detect_thread *t)
{
	return t != NULL && t->store_tls;
}

bool
detect_wants_tls_keyx(const struct detect_thread *t)
{
	return t != NULL && t->e->tls_keyx;
}

uint32_t
detect_wants_frames(const struct detect_thread *t)
{
	return t != NULL ? t->e->frames : 0;
}

bool
detect_wants_bodies(const struct detect_thread *t)
{
	return t != NULL && t->e->bodies;
}

bool
detect_wants_store(const struct detect_thread *t, bool tls)
{
	return t != NULL && (t->e->store & (tls ? DET_STORE_TLS : DET_STORE_FILE)) != 0;
}

bool
detect_wants_msg_payload(const struct detect_thread *t, int kind)
{
	return t != NULL && kind >= 0 && kind < DET_MSG_KINDS && (t->e->payload_kinds & (1u << kind));
}

unsigned
detect_file_hashes(const struct detect_thread *t)
{
	return t != NULL ? t->e->file_hashes : 0;
}

void
detect_app_msg(struct detect_thread *t, struct sw_flow *f, const struct app_msg *msg,
               const char *app_proto)
{
	detect_app_msg_payload(t, f, msg, app_proto, NULL, 0);
}

void
detect_app_msg_payload(struct detect_thread *t, struct sw_flow *f, const struct app_msg *msg,
                       const char *app_proto, const uint8_t *data, size_t data_len)
{
	struct detect_engine *e = t->e;
	struct insp in;

	t->store_file = t->store_tls = false;
	if (msg->kind != APP_MSG_FILE) /* a transaction's files come after its message */
		t->file_f = NULL;
	if (flow_passed(t, f))
		return;
	if (msg->kind != APP_MSG_FRAME && f->detect != NULL &&
	    ((struct det_flow *)f->detect)->generation == e->generation) {
		/* as Suricata's parsers: a complete message has the raw stream inspected, with the
		 * chunk being delivered when the message came from it */
		struct det_flow *df = f->detect;

		for (int d = 0; d < 2; d++) {
			if (t->deliver_f == f && (int)t->deliver_dir == d)
				df->win[d].flush = true;
			else
				win_inspect(t, f, (enum flow_dir)d, &df->win[d], msg->ts, app_proto);
		}
	}
	if (!e->has_app || msg->kind < 0 || msg->kind >= DET_MSG_KINDS || flow_passed(t, f))
		return; /* (a pass rule may just have matched the stream) */
	sw_counter_add(&t->st->app_msgs, 1);
	memset(&in, 0, sizeof(in));
	in.f = f;
	in.dir = msg->dir;
	in.ts = msg->ts;
	in.app_proto = app_proto;
	in.ctx = DET_CTX_APP;
	in.msg = msg;
	in.data = data;
	in.len = data != NULL ? data_len : 0;
	in.t = t;
	t->arena_used = 0;
	cand_start(t);
	for (int b = 1; b < e->nbuf; b++) {
		const uint8_t *p;
		size_t len;
		uint64_t base;

		/* (a packet header buffer, of no message kind, has a database too) */
		if (e->slot[DET_SLOT_APP0 + b - 1].db == NULL || e->buf_kind[b] < 0 ||
		    !(e->kind_scan[msg->kind] & (1u << e->buf_kind[b])))
			continue;
		if (app_buffer_multi(b - 1)) { /* every value is scanned */
			/* values built (http.request_header) in the arena's free part */
			char *scratch = t->arena != NULL ? (char *)t->arena + t->arena_used : NULL;
			size_t room = t->arena != NULL ? DET_ARENA - t->arena_used : 0;
			struct app_buf v;

			for (size_t i = 0;
			     app_msg_buffer_id_i(msg, b - 1, i, &v, scratch, room) == 0; i++)
				if (v.len > 0)
					scan(t, DET_SLOT_APP0 + b - 1, v.p, v.len, 0);
			continue;
		}
		if (insp_buffer(&in, b, &p, &len, &base))
			scan(t, DET_SLOT_APP0 + b - 1, p, len, 0);
	}
	for (int k = 0; k < DET_MSG_KINDS; k++) /* its own kind's, and those it serves (TLS's) */
		if (e->kind_runs[msg->kind] & (1u << k))
			for (uint32_t i = 0; i < e->nnofp_app[k]; i++)
				cand_add(t, e->nofp_app[k][i]);
	run_cands(t, &in, DET_CTX_APP);
}

void
detect_event(struct detect_thread *t, struct sw_flow *f, const struct sw_packet *p,
             enum flow_dir dir, int kind, int event_id)
{
	struct detect_engine *e = t->e;
	struct insp in;

	if (e->nevent_rules == 0 || (p == NULL && f == NULL))
		return;
	memset(&in, 0, offsetof(struct insp, bufs));
	in.f = f;
	in.p = p;
	in.dir = dir;
	in.ts = p != NULL ? p->ts : f->last;
	in.ctx = p != NULL ? DET_CTX_EVENT : DET_CTX_STREAM;
	for (uint32_t i = 0; i < e->nevent_rules && !in.stop; i++) {
		const struct det_rule *r = e->rules[e->event_rules[i]].r;

		if (r->event_kind == kind && r->event_id == event_id)
			verify(t, &in, e->event_rules[i]);
	}
}

void
detect_app_event(struct detect_thread *t, struct sw_flow *f, enum flow_dir dir, sw_time_t ts,
                 const char *app_proto, int event_id)
{
	struct detect_engine *e = t->e;
	struct insp in;

	if (e->nevent_rules == 0 || f == NULL || event_id < 0 || flow_passed(t, f))
		return;
	memset(&in, 0, offsetof(struct insp, bufs));
	in.f = f;
	in.dir = dir;
	in.ts = ts;
	in.app_proto = app_proto;
	in.ctx = DET_CTX_STREAM; /* no packet: flow keywords only */
	for (uint32_t i = 0; i < e->nevent_rules && !in.stop; i++) {
		const struct det_rule *r = e->rules[e->event_rules[i]].r;

		if (r->event_kind == DETECT_EVENT_APP && r->event_id == event_id)
			verify(t, &in, e->event_rules[i]);
	}
}
