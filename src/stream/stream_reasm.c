/* src/stream/stream_reasm.c: TCP reassembly (RFC 9293 sequence space, RFC 7323 window scale,
 * RFC 6093 urgent data). In-order data is handed on at once; out-of-order segments are held,
 * sorted and free of overlaps (the overlap policy decides whose bytes stay), and released when
 * the hole before them fills, when the receiver acknowledges bytes we never saw (a gap), or
 * when the flow ends. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stream/stream_int.h"

/* Sequence-space comparisons, modulo 2^32 */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* The receiver acknowledged bytes we never saw: wait this many packets of the flow for them
 * (they may be reordered in the capture) before declaring a gap. */
#define GAP_GRACE_PACKETS 32

#define SEG_OVERHEAD (sizeof(struct seg))
/* Held segments up to a full Ethernet MSS come from the worker's pool as objects of this size;
 * larger ones from malloc. Either way a segment is charged at SEG_OVERHEAD + its length, as
 * before the pool (the memcap keeps its meaning). */
#define SEG_POOL_SIZE ((size_t)1536)
#define SEG_ALLOC(len) (SEG_OVERHEAD + (len) <= SEG_POOL_SIZE ? SEG_POOL_SIZE : SEG_OVERHEAD + (len))

struct seg {
	struct seg *next;
	uint32_t seq; /* sequence number of data[0] */
	uint32_t len;
	uint32_t urg; /* sequence number of an out-of-band urgent byte to drop, if has_urg */
	bool has_urg;
	uint8_t data[];
};

enum {
	SD_STARTED = 0x01,   /* we know where this direction's data starts */
	SD_FIN_SEEN = 0x02,  /* fin_seq is valid */
	SD_FIN_DONE = 0x04,  /* everything up to the FIN was delivered */
	SD_DEPTH = 0x08,     /* depth reached: nothing more is delivered */
	SD_BYPASS = 0x10,    /* the consumer asked to stop */
	SD_RST = 0x20,       /* reset: nothing more is delivered */
	SD_MIDSTREAM = 0x40, /* picked up without a SYN */
	SD_MEMCAP_EV = 0x80, /* memcap event already raised for this direction */
};

struct sdir {
	uint32_t isn;
	uint32_t next_seq; /* next sequence number to deliver */
	uint32_t fin_seq;
	uint32_t acked;    /* highest acknowledgment the receiver sent for this direction */
	uint32_t window;   /* the receiver's last window, scaled */
	uint8_t wscale;    /* the receiver's window scale, 0xff unknown */
	uint8_t flags;
	uint16_t gap_wait; /* packets since the receiver acknowledged data we miss */
	bool last_added;   /* the last packet's data went into the stream (new, in window) */
	uint32_t nheld;
	uint64_t held_bytes;
	uint64_t offset; /* stream offset of next_seq */
	struct seg *held;
	FILE *dump;
	struct stream_dir_info info;
};

struct stream_state {
	struct sdir d[2];
	uint8_t policy;
	bool closed;
};

struct stream_worker {
	const struct stream_conf *conf;
	stream_data_fn *data_fn;
	stream_event_fn *event_fn;
	void *arg;
	struct stream_stats st;
	struct sw_pool pools[STREAM_POOL_MAX]; /* held segments, per-flow state: in st.mem */
};

int
stream_worker_new(const struct stream_conf *conf, uint64_t memcap_share, stream_data_fn *data_fn,
		  stream_event_fn *event_fn, void *arg, struct stream_worker **out)
{
	struct stream_worker *w;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return SW_E_NOMEM;
	w->conf = conf;
	/* sw_memcap reads 0 as no cap; a share of 0 has always refused everything */
	w->st.mem.memcap = memcap_share != 0 ? memcap_share : 1;
	sw_pool_init(&w->pools[0], SEG_POOL_SIZE, SW_POOL_KEEP_BYTES, &w->st.pools[0]);
	sw_pool_init(&w->pools[1], sizeof(struct stream_state), SW_POOL_KEEP_BYTES,
		     &w->st.pools[1]);
	w->st.mem.pools = &w->pools[1]; /* segments: charged by length in seg_new */
	w->st.mem.npools = 1;
	w->data_fn = data_fn;
	w->event_fn = event_fn;
	w->arg = arg;
	*out = w;
	return 0;
}

void
stream_worker_free(struct stream_worker *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < STREAM_POOL_MAX; i++)
		sw_pool_fini(&w->pools[i]);
	free(w);
}

struct stream_stats *
stream_worker_stats(struct stream_worker *w)
{
	return &w->st;
}

static void
stream_event(struct stream_worker *w, struct sw_flow *f, const struct sw_packet *p, int ev)
{
	sw_counter_add(&w->st.events[ev], 1);
	if (w->event_fn != NULL)
		w->event_fn(w->arg, f, p, ev);
}

/* ---- memory ------------------------------------------------------------------------------- */

/* Charges n bytes to the worker's memcap (from its pool of that size, if any); a refusal, or a
 * failed allocation after it, is counted in memcap_refused. */
static void *
mem_alloc(struct stream_worker *w, size_t n)
{
	return sw_memcap_alloc(&w->st.mem, n, false);
}

static struct seg *
seg_new(struct stream_worker *w, uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct seg *s;

	if (!sw_memcap_take(&w->st.mem, SEG_OVERHEAD + len))
		return NULL;
	if ((s = sw_pool_take(&w->pools[0], NULL, SEG_ALLOC(len), false)) == NULL) {
		sw_memcap_give(&w->st.mem, SEG_OVERHEAD + len);
		sw_counter_add(&w->st.mem.refused, 1);
		return NULL;
	}
	s->next = NULL;
	s->seq = seq;
	s->len = len;
	s->has_urg = false;
	s->urg = 0;
	memcpy(s->data, data, len);
	return s;
}

static void
seg_free(struct stream_worker *w, struct sdir *sd, struct seg *s)
{
	sd->nheld--;
	sd->held_bytes -= s->len;
	sw_memcap_give(&w->st.mem, SEG_OVERHEAD + s->len);
	sw_pool_give(&w->pools[0], NULL, SEG_ALLOC(s->len), s);
}

static void
held_free_all(struct stream_worker *w, struct sdir *sd)
{
	while (sd->held != NULL) {
		struct seg *s = sd->held;

		sd->held = s->next;
		seg_free(w, sd, s);
	}
}

/* ---- delivery ----------------------------------------------------------------------------- */

static void
dump_write(struct stream_worker *w, struct sw_flow *f, enum flow_dir dir, struct sdir *sd,
	   const uint8_t *data, size_t len)
{
	if (w->conf->dump_dir == NULL || len == 0)
		return;
	if (sd->dump == NULL) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%llu.%s", w->conf->dump_dir,
			 (unsigned long long)f->flow_id, dir == FLOW_TO_SERVER ? "ts" : "tc");
		if ((sd->dump = fopen(path, "w")) == NULL) {
			sw_warn("stream dump %s: %s", path, strerror(errno));
			return;
		}
	}
	fwrite(data, 1, len, sd->dump);
}

/* Hands len bytes to the consumer (respecting depth and bypass). Does not move next_seq. */
static void
deliver(struct stream_worker *w, struct sw_flow *f, enum flow_dir dir, struct sdir *sd,
	const uint8_t *data, size_t len, unsigned flags)
{
	const struct stream_conf *c = w->conf;

	if (sd->flags & (SD_DEPTH | SD_BYPASS | SD_RST))
		return;
	/* The depth is a stream offset: gaps count toward it like data. */
	if (c->depth != 0 && sd->offset + len >= c->depth) {
		len = sd->offset < c->depth ? (size_t)(c->depth - sd->offset) : 0;
		flags |= STREAM_CHUNK_DEPTH;
		sd->flags |= SD_DEPTH;
		sd->info.depth_reached = true;
		sw_counter_add(&w->st.depth_reached, 1);
		stream_event(w, f, NULL, STREAM_EV_DEPTH_REACHED);
	}
	if (flags & STREAM_CHUNK_GAP) {
		sd->info.gaps++;
		sd->info.gap_bytes += len;
		sw_counter_add(&w->st.gaps, 1);
		sw_counter_add(&w->st.gap_bytes, len);
	} else {
		sd->info.bytes += len;
		sw_counter_add(&w->st.bytes_delivered, len);
		dump_write(w, f, dir, sd, data, len);
	}
	if (w->data_fn != NULL && !w->data_fn(w->arg, f, dir, (flags & STREAM_CHUNK_GAP) ? NULL : data,
					      len, sd->offset, flags))
		sd->flags |= SD_BYPASS;
	sd->offset += len;
	if (sd->flags & (SD_DEPTH | SD_BYPASS))
		held_free_all(w, sd); /* nothing held will ever be delivered */
}

/* Delivers [seq, seq + len) of data that starts at next_seq, dropping an out-of-band urgent
 * byte, and moves next_seq past it. */
static void
deliver_range(struct stream_worker *w, struct sw_flow *f, enum flow_dir dir, struct sdir *sd,
	      const uint8_t *data, uint32_t len, bool has_urg, uint32_t urg)
{
	if (has_urg && SEQ_GEQ(urg, sd->next_seq) && SEQ_LT(urg, sd->next_seq + len)) {
		uint32_t before = urg - sd->next_seq;

		if (before > 0)
			deliver(w, f, dir, sd, data, before, 0);
		if (len - before - 1 > 0)
			deliver(w, f, dir, sd, data + before + 1, len - before - 1, 0);
	} else {
		deliver(w, f, dir, sd, data, len, 0);
	}
	sd->next_seq += len;
}

static void
deliver_gap(struct stream_worker *w, struct sw_flow *f, enum flow_dir dir, struct sdir *sd,
	    uint32_t upto)
{
	uint32_t len = upto - sd->next_seq;

	if (len == 0)
		return;
	stream_event(w, f, NULL, STREAM_EV_GAP);
	deliver(w, f, dir, sd, NULL, len, STREAM_CHUNK_GAP);
	sd->next_seq = upto;
}

/* Releases held segments that now start at (or before) next_seq, then the FIN if its turn. */
static void
drain(struct stream_worker *w, struct sw_flow *f, enum flow_dir dir, struct sdir *sd)
{
	struct seg *s;

	while ((s = sd->held) != NULL && SEQ_LEQ(s->seq, sd->next_seq)) {
		sd->held = s->next;
		if (SEQ_GT(s->seq + s->len, sd->next_seq)) {
			uint32_t skip = sd->next_seq - s->seq;

			deliver_range(w, f, dir, sd, s->data + skip, s->len - skip, s->has_urg,
				      s->urg);
		}
		seg_free(w, sd, s);
	}
	if ((sd->flags & (SD_FIN_SEEN | SD_FIN_DONE)) == SD_FIN_SEEN &&
	    SEQ_GEQ(sd->next_seq, sd->fin_seq)) {
		sd->flags |= SD_FIN_DONE;
		deliver(w, f, dir, sd, NULL, 0, STREAM_CHUNK_FIN);
	}
}

/* Flushes everything held, declaring the holes before it as gaps (flow end, RST). */
static void
flush_all(struct stream_worker *w, struct sw_flow *f, enum flow_dir dir, struct sdir *sd)
{
	while (sd->held != NULL) {
		deliver_gap(w, f, dir, sd, sd->held->seq);
		drain(w, f, dir, sd);
	}
	if ((sd->flags & (SD_FIN_SEEN | SD_FIN_DONE)) == SD_FIN_SEEN) {
		deliver_gap(w, f, dir, sd, sd->fin_seq);
		drain(w, f, dir, sd);
	}
}

/* ---- overlaps ----------------------------------------------------------------------------- */

/* Whether the new segment's copy of overlapping bytes replaces the old one's. The decision is
 * made per held segment, from the two segments' extents, as the receivers these policies are
 * named after do. */
static bool
new_wins(int policy, uint32_t ns, uint32_t ne, uint32_t os, uint32_t oe)
{
	switch (policy) {
	case STREAM_POLICY_LAST:
		return true;
	case STREAM_POLICY_BSD:
	case STREAM_POLICY_WINDOWS: /* Snort 3's and Suricata's windows resolve like bsd */
		return SEQ_LT(ns, os);
	case STREAM_POLICY_LINUX:
		return SEQ_LT(ns, os) || (ns == os && SEQ_GT(ne, oe));
	case STREAM_POLICY_FIRST:
	default:
		return false;
	}
}

/*
 * Puts [seq, seq + len) into the sorted, overlap-free held list. Bytes that overlap a held
 * segment go to whichever copy the policy keeps; the rest become new segments.
 */
static void
held_insert(struct stream_worker *w, struct sw_flow *f, const struct sw_packet *p,
	    struct stream_state *st, struct sdir *sd, uint32_t seq, const uint8_t *data,
	    uint32_t len, bool has_urg, uint32_t urg)
{
	uint32_t end = seq + len, cur = seq;
	struct seg **pp = &sd->held, *s;
	bool overlapped = false, differ = false;

	while (SEQ_LT(cur, end)) {
		s = *pp;
		if (s != NULL && SEQ_LEQ(s->seq + s->len, cur)) {
			pp = &s->next; /* entirely before what is left */
			continue;
		}
		if (s == NULL || SEQ_GEQ(s->seq, end) || SEQ_GT(s->seq, cur)) {
			/* a hole up to the next held segment (or the end): new bytes fill it */
			uint32_t upto = (s == NULL || SEQ_GEQ(s->seq, end)) ? end : s->seq;
			struct seg *n;

			if (sd->nheld >= w->conf->max_ooo_segments) {
				sw_counter_add(&w->st.segment_limit, 1);
				stream_event(w, f, p, STREAM_EV_SEGMENT_LIMIT);
				return;
			}
			if ((n = seg_new(w, cur, data + (cur - seq), upto - cur)) == NULL) {
				if (!(sd->flags & SD_MEMCAP_EV)) {
					sd->flags |= SD_MEMCAP_EV;
					stream_event(w, f, p, STREAM_EV_MEMCAP);
				}
				return;
			}
			n->has_urg = has_urg && SEQ_GEQ(urg, cur) && SEQ_LT(urg, upto);
			n->urg = urg;
			n->next = s;
			*pp = n;
			pp = &n->next;
			sd->nheld++;
			sd->held_bytes += n->len;
			cur = upto;
			continue;
		}
		/* s overlaps [cur, end): the policy decides for the common bytes */
		{
			uint32_t oend = s->seq + s->len;
			uint32_t upto = SEQ_LT(oend, end) ? oend : end;
			uint8_t *old = s->data + (cur - s->seq);
			const uint8_t *nw = data + (cur - seq);

			overlapped = true;
			if (memcmp(old, nw, upto - cur) != 0) {
				differ = true;
				if (new_wins(st->policy, seq, end, s->seq, oend))
					memcpy(old, nw, upto - cur);
			}
			cur = upto;
			pp = &s->next;
		}
	}
	if (overlapped) {
		sd->info.overlaps++;
		sw_counter_add(&w->st.overlaps, 1);
	}
	if (differ) {
		sw_counter_add(&w->st.overlap_diff, 1);
		stream_event(w, f, p, STREAM_EV_OVERLAP_DIFFERENT_DATA);
	}
}

/* ---- state -------------------------------------------------------------------------------- */

static int
policy_for(const struct stream_conf *c, const struct sw_flow *f)
{
	const struct stream_policy_net *best = NULL;
	size_t i;

	for (i = 0; i < c->nnets; i++) {
		const struct stream_policy_net *n = &c->nets[i];
		unsigned full = n->prefix / 8, rest = n->prefix % 8;

		if (n->family != f->family)
			continue;
		if (memcmp(n->addr.b, f->srv.b, full) != 0)
			continue;
		if (rest != 0 && ((n->addr.b[full] ^ f->srv.b[full]) & (0xff00 >> rest) & 0xff) != 0)
			continue;
		if (best == NULL || n->prefix > best->prefix)
			best = n;
	}
	return best != NULL ? best->policy : c->default_policy;
}

static struct stream_state *
state_get(struct stream_worker *w, struct sw_flow *f)
{
	struct stream_state *st = f->stream;

	if (st != NULL)
		return st;
	if ((st = mem_alloc(w, sizeof(*st))) == NULL)
		return NULL;
	memset(st, 0, sizeof(*st));
	st->policy = (uint8_t)policy_for(w->conf, f);
	st->d[0].wscale = st->d[1].wscale = 0xff;
	f->stream = st;
	sw_counter_add(&w->st.sessions, 1);
	return st;
}

/* The receiver's window for sd: scaled only when both SYNs carried the option. */
static void
note_window(struct stream_state *st, enum flow_dir dir, const struct sw_packet *p)
{
	struct sdir *od = &st->d[!dir]; /* the window the sender of p grants the other side */
	uint8_t sc = 0;

	if (st->d[0].wscale != 0xff && st->d[1].wscale != 0xff)
		sc = st->d[dir].wscale;
	if (p->tcp_flags & SW_TH_SYN)
		sc = 0; /* never scaled in a SYN */
	od->window = (uint32_t)p->tcp_win << sc;
}

static bool
rst_valid(const struct stream_state *st, enum flow_dir dir, const struct sw_packet *p)
{
	const struct sdir *sd = &st->d[dir], *od = &st->d[!dir];
	uint32_t win = sd->window > 0 ? sd->window : 1;

	/* A reset of a connection attempt acknowledges the SYN (RFC 9293 3.10.7.3). */
	if (!(sd->flags & SD_STARTED))
		return (p->tcp_flags & SW_TH_ACK) && (od->flags & SD_STARTED) &&
		       p->tcp_ack == od->next_seq;
	/* Otherwise its sequence number must be in the window (RFC 5961 would ask for exact). */
	return SEQ_GEQ(p->tcp_seq, sd->next_seq) && SEQ_LT(p->tcp_seq, sd->next_seq + win);
}

/* The receiver acknowledged data of sd we never saw: after a grace period, a gap. */
static void
check_acked_gap(struct stream_worker *w, struct sw_flow *f, enum flow_dir dir, struct sdir *sd)
{
	uint32_t upto;

	if (!(sd->flags & SD_STARTED) || !SEQ_GT(sd->acked, sd->next_seq) ||
	    (sd->flags & (SD_DEPTH | SD_BYPASS | SD_RST))) {
		sd->gap_wait = 0;
		return;
	}
	if (sd->held != NULL && SEQ_LEQ(sd->held->seq, sd->next_seq))
		return;
	/* the packet that showed the hole, then GAP_GRACE_PACKETS more before it is a gap */
	if (sd->gap_wait == 0) {
		sd->gap_wait = 1;
		return;
	}
	if (sd->gap_wait++ <= GAP_GRACE_PACKETS)
		return;
	upto = sd->acked;
	if ((sd->flags & SD_FIN_SEEN) && SEQ_GT(upto, sd->fin_seq))
		upto = sd->fin_seq; /* the FIN's own sequence number is not data */
	if (sd->held != NULL && SEQ_LT(sd->held->seq, upto))
		upto = sd->held->seq;
	sd->gap_wait = 0;
	if (SEQ_GT(upto, sd->next_seq)) {
		deliver_gap(w, f, dir, sd, upto);
		drain(w, f, dir, sd);
	}
}

void
stream_packet(struct stream_worker *w, struct sw_flow *f, enum flow_dir dir,
	      const struct sw_packet *p)
{
	struct stream_state *st;
	struct sdir *sd, *od;
	const uint8_t *data = p->data + p->payload_off;
	uint32_t seq = p->tcp_seq, len = p->payload_len;
	uint8_t fl = p->tcp_flags;
	bool has_urg = false;
	uint32_t urg = 0;

	if ((p->flags & SW_PKT_L4) == 0 || (st = state_get(w, f)) == NULL)
		return;
	sd = &st->d[dir];
	od = &st->d[!dir];
	sd->last_added = false;
	sw_counter_add(&w->st.segments, 1);

	if (fl & SW_TH_RST) {
		if (!rst_valid(st, dir, p)) {
			sw_counter_add(&w->st.rst_invalid, 1);
			stream_event(w, f, p, STREAM_EV_RST_INVALID);
			return;
		}
		if (!st->closed) {
			st->closed = true;
			flush_all(w, f, dir, sd);
			flush_all(w, f, (enum flow_dir)!dir, od);
			deliver(w, f, dir, sd, NULL, 0, STREAM_CHUNK_RST);
			deliver(w, f, (enum flow_dir)!dir, od, NULL, 0, STREAM_CHUNK_RST);
			sd->flags |= SD_RST;
			od->flags |= SD_RST;
			held_free_all(w, sd);
			held_free_all(w, od);
		}
		return;
	}
	if (st->closed) {
		if (len > 0) {
			sw_counter_add(&w->st.after_close, 1);
			stream_event(w, f, p, STREAM_EV_PKT_AFTER_CLOSE);
		}
		return;
	}

	if (fl & SW_TH_SYN) {
		if (!(sd->flags & SD_STARTED) || sd->isn == seq) {
			sd->isn = seq;
			sd->next_seq = seq + 1;
			sd->flags |= SD_STARTED;
			sd->wscale = p->tcp_wscale;
		}
		seq++; /* data in a SYN (TCP Fast Open) starts after it */
	} else if (!(sd->flags & SD_STARTED)) {
		if (!w->conf->midstream)
			return;
		sd->isn = seq - 1;
		sd->next_seq = seq;
		sd->flags |= SD_STARTED | SD_MIDSTREAM;
		if (!(od->flags & SD_STARTED)) { /* the first packet of the flow */
			sw_counter_add(&w->st.midstream, 1);
			stream_event(w, f, p, STREAM_EV_MIDSTREAM);
		}
	}
	note_window(st, dir, p);
	if ((fl & SW_TH_ACK) && (od->flags & SD_STARTED) &&
	    (SEQ_GT(p->tcp_ack, od->acked) || od->acked == 0))
		od->acked = p->tcp_ack;

	if (fl & SW_TH_FIN) {
		if (!(sd->flags & SD_FIN_SEEN)) {
			sd->fin_seq = seq + len;
			sd->flags |= SD_FIN_SEEN;
		}
	}
	if ((fl & SW_TH_URG) && p->tcp_urp > 0 && w->conf->urgent == STREAM_URGENT_OOB) {
		/* the urgent pointer points just past the urgent byte (RFC 6093) */
		has_urg = true;
		urg = seq + p->tcp_urp - 1;
	}

	if (len > 0 && (sd->flags & SD_FIN_SEEN) && SEQ_GEQ(seq, sd->fin_seq) &&
	    !((fl & SW_TH_FIN) && seq + len == sd->fin_seq)) {
		/* data after this side's FIN: the receiver has closed that direction */
		sw_counter_add(&w->st.after_close, 1);
		stream_event(w, f, p, STREAM_EV_PKT_AFTER_CLOSE);
		len = 0;
	}
	if (len > 0 && !(sd->flags & (SD_DEPTH | SD_BYPASS | SD_RST))) {
		uint32_t end = seq + len;

		if (SEQ_LEQ(end, sd->next_seq)) {
			sw_counter_add(&w->st.retransmissions, 1);
		} else {
			sd->last_added = true;
			if (SEQ_LT(seq, sd->next_seq)) { /* partly seen: keep the new part */
				uint32_t skip = sd->next_seq - seq;

				sw_counter_add(&w->st.retransmissions, 1);
				data += skip;
				len -= skip;
				seq = sd->next_seq;
			}
			if (seq == sd->next_seq &&
			    (sd->held == NULL || SEQ_GEQ(sd->held->seq, seq + len))) {
				/* in order, nothing held in the way: straight through */
				deliver_range(w, f, dir, sd, data, len, has_urg, urg);
			} else {
				if (seq != sd->next_seq)
					sw_counter_add(&w->st.out_of_order, 1);
				held_insert(w, f, p, st, sd, seq, data, len, has_urg, urg);
			}
		}
	}
	drain(w, f, dir, sd);
	check_acked_gap(w, f, (enum flow_dir)!dir, od);
	check_acked_gap(w, f, dir, sd);
}

bool
stream_flow_end(struct stream_worker *w, struct sw_flow *f, struct stream_dir_info *info)
{
	struct stream_state *st = f->stream;
	int d;

	if (st == NULL)
		return false;
	for (d = 0; d < 2; d++) {
		struct sdir *sd = &st->d[d];

		if (!st->closed)
			flush_all(w, f, (enum flow_dir)d, sd);
		held_free_all(w, sd);
		if (sd->dump != NULL)
			fclose(sd->dump);
		if (info != NULL)
			info[d] = sd->info;
	}
	sw_memcap_free(&w->st.mem, sizeof(*st), st);
	f->stream = NULL;
	return true;
}

bool
stream_packet_added(const struct sw_flow *f, enum flow_dir dir)
{
	const struct stream_state *st = f->stream;

	return st == NULL || st->d[dir].last_added;
}

uint64_t
stream_flow_gaps(const struct sw_flow *f)
{
	const struct stream_state *st = f->stream;

	return st == NULL ? 0 : st->d[0].info.gaps + st->d[1].info.gaps;
}

bool
stream_flow_size(const struct sw_flow *f, enum flow_dir dir, uint64_t *out)
{
	const struct stream_state *st = f->stream;

	if (st == NULL || !(st->d[dir].flags & SD_STARTED))
		return false;
	*out = (uint32_t)(st->d[dir].next_seq - st->d[dir].isn);
	return true;
}
