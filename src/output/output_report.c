/* src/output/output_report.c: the investigation report: a sink that reads every event of a run as
 * it is written, keeps bounded summaries (top-N tables, a timeline, the first alerts in full), and
 * writes one self-contained HTML file (output_report_html.c) when it closes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/output_int.h"
#include "output/output_report_int.h"

/* ---- bounded top-N tables ----------------------------------------------------------------- */

/* 8-way buckets: a key missing from a full bucket replaces that bucket's lightest entry, which
 * hands its weight on as the newcomer's error (Space-Saving, per bucket): the heavy keys stay
 * and their weights are exact or over by at most err. */
#define TK_WAYS 8

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return h;
}

static int
topk_init(struct report_topk *t, size_t entries, struct sw_memcap *mc)
{
	size_t n = (entries + TK_WAYS - 1) / TK_WAYS * TK_WAYS;

	if (!sw_memcap_take(mc, n * sizeof(*t->e)))
		return SW_E_NOMEM;
	if ((t->e = calloc(n, sizeof(*t->e))) == NULL) {
		sw_memcap_give(mc, n * sizeof(*t->e));
		return SW_E_NOMEM;
	}
	t->cap = n;
	t->bytes = n * sizeof(*t->e);
	return 0;
}

static void
topk_free(struct report_topk *t, struct sw_memcap *mc)
{
	if (t->e != NULL)
		sw_memcap_give(mc, t->bytes);
	free(t->e);
	t->e = NULL;
}

static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= size) { /* cut at a UTF-8 character boundary */
		n = size - 1;
		while (n > 0 && ((uint8_t)src[n] & 0xc0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The entry of key (made when missing, maybe replacing a light one); weight is added to it. */
static struct report_entry *
topk_add(struct report_topk *t, const char *key, uint64_t weight, sw_time_t ts)
{
	char k[REPORT_KEY_MAX];
	size_t b, i;
	struct report_entry *e, *light = NULL;

	copy_str(k, sizeof(k), key);
	b = (size_t)(hash_key(k) % (t->cap / TK_WAYS)) * TK_WAYS;
	for (i = 0; i < TK_WAYS; i++) {
		e = &t->e[b + i];
		if (!e->used)
			break;
		if (strcmp(e->key, k) == 0)
			goto found;
		if (light == NULL || e->weight < light->weight)
			light = e;
	}
	if (i < TK_WAYS) {
		e = &t->e[b + i];
		memset(e, 0, sizeof(*e));
		e->used = true;
		t->used++;
	} else {
		uint64_t w = light->weight;

		e = light;
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->weight = e->err = w;
		t->evicted++;
	}
	copy_str(e->key, sizeof(e->key), k);
	e->first = e->last = ts;
found:
	e->weight += weight;
	e->count++;
	if (ts != 0 && (e->first == 0 || ts < e->first))
		e->first = ts;
	if (ts > e->last)
		e->last = ts;
	return e;
}

/* ---- the sink ----------------------------------------------------------------------------- */

/* "2026-11-25T20:27:14.668215+0000" in microseconds since the epoch; 0 when malformed. */
sw_time_t
report_parse_time(const char *s)
{
	int v[7] = {0};
	static const int width[7] = {4, 2, 2, 2, 2, 2, 6};
	static const char sep[7] = {'-', '-', 'T', ':', ':', '.', '+'};
	struct tm tm;
	time_t secs;
	int i, k;

	if (s == NULL)
		return 0;
	for (i = 0; i < 7; i++) {
		for (k = 0; k < width[i]; k++, s++) {
			if (*s < '0' || *s > '9')
				return 0;
			v[i] = v[i] * 10 + (*s - '0');
		}
		if (*s != sep[i] && !(i == 6 && *s == '-') && !(i == 5 && *s == '+'))
			return 0;
		if (i == 5 && *s == '+')
			break; /* no fraction */
		s++;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	if ((secs = timegm(&tm)) < 0)
		return 0;
	return (sw_time_t)secs * SW_USEC_PER_SEC + (sw_time_t)v[6];
}

/* Merges the buckets pairwise into one half of the array (lower: the range keeps its start,
 * upper: it keeps its end) and doubles their width. */
static void
timeline_merge(struct report *r, bool upper)
{
	const size_t h = REPORT_BUCKETS / 2;
	struct report_bucket m[REPORT_BUCKETS / 2];
	size_t i;

	for (i = 0; i < h; i++) {
		m[i].bytes = r->tl[2 * i].bytes + r->tl[2 * i + 1].bytes;
		m[i].pkts = r->tl[2 * i].pkts + r->tl[2 * i + 1].pkts;
		m[i].alerts = r->tl[2 * i].alerts + r->tl[2 * i + 1].alerts;
		m[i].flows = r->tl[2 * i].flows + r->tl[2 * i + 1].flows;
	}
	memset(r->tl, 0, sizeof(r->tl));
	memcpy(upper ? &r->tl[h] : &r->tl[0], m, sizeof(m));
	if (upper)
		r->base -= r->bucket_us * REPORT_BUCKETS;
	r->bucket_us *= 2;
}

#define TIMELINE_MAX_US     (INT64_C(1) << 60) /* times beyond (year 38000) count as this */
#define TIMELINE_MAX_BUCKET (INT64_C(1) << 52)

/* The timeline: REPORT_BUCKETS buckets of width bucket_us from base. A time outside doubles the
 * width (two buckets merge into one) until it fits: the range grows to the right, or to the left
 * for a time before base (flows end after the alerts that came from them). */
static void
timeline_fit(struct report *r, sw_time_t t)
{
	int64_t ti = t > (sw_time_t)TIMELINE_MAX_US ? TIMELINE_MAX_US : (int64_t)t;

	if (r->bucket_us == 0) {
		r->base = ti - ti % (int64_t)SW_USEC_PER_SEC;
		r->bucket_us = 1000; /* 1 ms: widened as the times spread */
		return;
	}
	while (ti >= r->base + r->bucket_us * REPORT_BUCKETS && r->bucket_us < TIMELINE_MAX_BUCKET)
		timeline_merge(r, false);
	while (ti < r->base && r->bucket_us < TIMELINE_MAX_BUCKET)
		timeline_merge(r, true);
}

size_t
report_timeline_idx(const struct report *r, sw_time_t t)
{
	int64_t ti = t > (sw_time_t)TIMELINE_MAX_US ? TIMELINE_MAX_US : (int64_t)t;

	if (r->bucket_us == 0 || ti < r->base)
		return 0;
	ti = (ti - r->base) / r->bucket_us;
	return ti < REPORT_BUCKETS ? (size_t)ti : REPORT_BUCKETS - 1;
}

static void
seen_time(struct report *r, sw_time_t t)
{
	if (t == 0)
		return;
	if (r->first == 0 || t < r->first)
		r->first = t;
	if (t > r->last)
		r->last = t;
	timeline_fit(r, t);
}

/* A copy of s charged to the memcap, or NULL (counted) when the cap refuses it. */
static char *
keep_line(struct report *r, const char *s, size_t len)
{
	char *c;

	if (!sw_memcap_take(&r->st.mem, len + 1))
		return NULL;
	if ((c = malloc(len + 1)) == NULL) {
		sw_memcap_give(&r->st.mem, len + 1);
		return NULL;
	}
	memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

/* flow_id -> the first alert shown in full on that flow (open addressing, 2x the alerts). */
static struct report_flowref *
flowref_slot(struct report *r, uint64_t flow_id, bool insert)
{
	size_t i = (size_t)(flow_id * 0x9e3779b97f4a7c15ULL % r->nflowref);

	for (size_t k = 0; k < r->nflowref; k++, i = (i + 1) % r->nflowref) {
		if (r->flowref[i].idx == 0)
			return insert ? &r->flowref[i] : NULL;
		if (r->flowref[i].flow_id == flow_id)
			return &r->flowref[i];
	}
	return NULL;
}

static void
add_alert(struct report *r, const struct rjv *ev, const char *line, size_t len, sw_time_t ts)
{
	const struct rjv *cti = rjv_get(ev, "cti");
	const char *sig = rjv_str(ev, "alert.signature");
	char key[REPORT_KEY_MAX];
	struct report_entry *e, *sig_entry;
	uint64_t sev = rjv_u64(ev, "alert.severity");
	uint64_t flow_id = rjv_u64(ev, "flow_id");

	r->alerts++;
	r->by_severity[sev >= 1 && sev <= 4 ? sev : 0]++;
	if (ts != 0)
		r->tl[report_timeline_idx(r, ts)].alerts++;
	snprintf(key, sizeof(key), "%s:%s|%s", rjv_str(ev, "alert.gid") ?: "1",
	         rjv_str(ev, "alert.signature_id") ?: "0", sig ?: "");
	e = topk_add(&r->sigs, key, 1, ts);
	if (e->extra[0] == '\0') {
		snprintf(e->extra, sizeof(e->extra), "%s\t%s\t%s\t%s",
		         rjv_str(ev, "alert.signature_id") ?: "", sig ?: "",
		         rjv_str(ev, "alert.category") ?: "", cti != NULL ? "cti" : "rule");
		e->aux = sev;
	}
	sig_entry = e;
	if (cti != NULL) {
		const struct rjv *tags = rjv_get(cti, "tags"), *t;
		char tagbuf[128];
		size_t n = 0;

		tagbuf[0] = '\0';
		for (t = tags != NULL ? tags->child : NULL; t != NULL && n < sizeof(tagbuf);
		     t = t->next)
			if (t->type == RJ_STR)
				n += (size_t)snprintf(tagbuf + n, sizeof(tagbuf) - n, "%s%s",
				                      n > 0 ? ", " : "", t->s);
		snprintf(key, sizeof(key), "%s|%s", rjv_str(cti, "indicator") ?: "",
		         rjv_str(cti, "feed") ?: "");
		e = topk_add(&r->cti, key, 1, ts);
		snprintf(e->extra, sizeof(e->extra), "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s",
			 rjv_str(cti, "indicator") ?: "", rjv_str(cti, "type") ?: "",
			 rjv_str(cti, "matched_on") ?: "", rjv_str(cti, "feed") ?: "",
			 rjv_str(cti, "source") ?: "", rjv_str(cti, "confidence") ?: "",
			 rjv_str(cti, "id") ?: rjv_str(cti, "name") ?: "", tagbuf,
			 rjv_str(cti, "valid_until") ?: "");
		e->aux = rjv_u64(cti, "severity");
		r->cti_hits++;
	}
	if (r->ndetail >= r->max_detail) {
		r->alerts_summarized++;
		sw_counter_add(&r->st.alerts_summarized, 1);
		return;
	}
	struct report_alert *a = &r->detail[r->ndetail];

	if ((a->line = keep_line(r, line, len)) == NULL) {
		r->alerts_summarized++;
		sw_counter_add(&r->st.alerts_summarized, 1);
		return;
	}
	a->flow = 0;
	if (rjv_get(ev, "flow_id") != NULL) {
		struct report_flowref *slot = flowref_slot(r, flow_id, true);

		if (slot != NULL) {
			if (slot->idx == 0) {
				slot->flow_id = flow_id;
				slot->idx = (uint32_t)r->ndetail + 1;
			}
			a->flow = slot->idx;
		}
	}
	r->ndetail++;
	if (sig_entry->ref == 0) /* the signature's example: its first alert kept in full */
		sig_entry->ref = (uint32_t)r->ndetail;
	sw_counter_add(&r->st.alerts_detailed, 1);
}

static void
add_flow(struct report *r, const struct rjv *ev, const char *line, size_t len)
{
	sw_time_t start = report_parse_time(rjv_str(ev, "flow.start"));
	sw_time_t end = report_parse_time(rjv_str(ev, "flow.end"));
	uint64_t pts = rjv_u64(ev, "flow.pkts_toserver"), ptc = rjv_u64(ev, "flow.pkts_toclient");
	uint64_t bts = rjv_u64(ev, "flow.bytes_toserver"), btc = rjv_u64(ev, "flow.bytes_toclient");
	const char *src = rjv_str(ev, "src_ip") ?: "?", *dst = rjv_str(ev, "dest_ip") ?: "?";
	const char *proto = rjv_str(ev, "ndpi.protocol");
	char key[REPORT_KEY_MAX];
	struct report_entry *e;
	size_t i, a, b;

	r->flows++;
	r->flow_pkts += pts + ptc;
	r->flow_bytes += bts + btc;
	seen_time(r, start);
	seen_time(r, end);
	if (start != 0) {
		if (end < start)
			end = start;
		a = report_timeline_idx(r, start);
		b = report_timeline_idx(r, end);
		r->tl[a].flows++;
		for (i = a; i <= b; i++) { /* spread evenly over the buckets the flow covers */
			r->tl[i].bytes +=
			    (bts + btc) / (b - a + 1) + (i == a ? (bts + btc) % (b - a + 1) : 0);
			r->tl[i].pkts +=
			    (pts + ptc) / (b - a + 1) + (i == a ? (pts + ptc) % (b - a + 1) : 0);
		}
	}
	e = topk_add(&r->talkers, src, bts + btc, start);
	e->pkts += pts + ptc;
	e->bytes_out += bts;
	e->bytes_in += btc;
	e = topk_add(&r->talkers, dst, bts + btc, start);
	e->pkts += pts + ptc;
	e->bytes_out += btc;
	e->bytes_in += bts;
	snprintf(key, sizeof(key), "%s\t%s\t%s", src, dst, rjv_str(ev, "proto") ?: "");
	e = topk_add(&r->convs, key, bts + btc, start);
	e->pkts += pts + ptc;
	e->bytes_out += bts;
	e->bytes_in += btc;
	if (e->extra[0] == '\0')
		copy_str(e->extra, sizeof(e->extra), rjv_str(ev, "app_proto"));
	if (proto == NULL)
		proto = rjv_str(ev, "app_proto");
	snprintf(key, sizeof(key), "%s", proto != NULL ? proto : "unknown");
	e = topk_add(&r->protos, key, bts + btc, start);
	e->pkts += pts + ptc;
	if (e->extra[0] == '\0')
		copy_str(e->extra, sizeof(e->extra), rjv_str(ev, "ndpi.category"));
	if (r->ndetail > 0 && rjv_get(ev, "flow_id") != NULL) {
		struct report_flowref *slot = flowref_slot(r, rjv_u64(ev, "flow_id"), false);

		if (slot != NULL && r->detail[slot->idx - 1].flow_line == NULL)
			r->detail[slot->idx - 1].flow_line = keep_line(r, line, len);
	}
}

static void
add_file(struct report *r, const struct rjv *ev, sw_time_t ts)
{
	const struct rjv *fi = rjv_get(ev, "fileinfo");
	const char *h = rjv_str(fi, "sha256") ?: rjv_str(fi, "md5");
	char key[REPORT_KEY_MAX];
	struct report_entry *e;

	r->files++;
	snprintf(key, sizeof(key), "%s", h != NULL ? h : rjv_str(fi, "filename") ?: "?");
	e = topk_add(&r->filetab, key, 1, ts);
	e->bytes_out += rjv_u64(fi, "size");
	if (e->extra[0] == '\0')
		snprintf(e->extra, sizeof(e->extra), "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s -> %s",
			 rjv_str(fi, "filename") ?: "", rjv_str(fi, "size") ?: "",
			 rjv_str(fi, "mimetype") ?: rjv_str(fi, "magic") ?: "",
			 rjv_str(fi, "md5") ?: "", rjv_str(fi, "sha1") ?: "",
			 rjv_str(fi, "sha256") ?: "", rjv_str(ev, "app_proto") ?: "",
			 rjv_str(ev, "src_ip") ?: "", rjv_str(ev, "dest_ip") ?: "");
}

static void
add_source(struct report *r, const char *name)
{
	size_t i;

	if (name == NULL)
		return;
	for (i = 0; i < r->nsources; i++)
		if (strcmp(r->sources[i], name) == 0)
			return;
	if (r->nsources < REPORT_SOURCES)
		copy_str(r->sources[r->nsources++], sizeof(r->sources[0]), name);
	else
		r->more_sources = true;
}

static int
report_write(struct output_sink *s, int type, const char *buf, size_t len)
{
	struct report *r = (struct report *)s;
	const struct rjv *ev;
	sw_time_t ts;

	if (type < 0 || type >= EVE_TYPE_MAX)
		return 0;
	r->events[type]++;
	if (type >= EVE_APP0 && type != EVE_FILEINFO)
		return 0; /* counted only: their flows and alerts carry what the page shows */
	if (report_json_parse(&r->doc, buf, len) != 0) {
		r->unparsed++;
		sw_counter_add(&r->st.unparsed, 1);
		return 0;
	}
	/* the line buffer grows to the longest line: charged as it grows */
	if (r->doc.cap_str > r->str_charged) {
		sw_memcap_charge(&r->st.mem, r->doc.cap_str - r->str_charged);
		r->str_charged = r->doc.cap_str;
	}
	ev = r->doc.root;
	ts = report_parse_time(rjv_str(ev, "timestamp"));
	if (type == EVE_STATS) { /* the last one is the run's final figures */
		char *c = keep_line(r, buf, len);

		if (c != NULL) {
			if (r->stats_line != NULL)
				sw_memcap_give(&r->st.mem, strlen(r->stats_line) + 1);
			free(r->stats_line);
			r->stats_line = c;
		}
		if (r->last_stats == 0 || ts > r->last_stats)
			r->last_stats = ts;
		return 0;
	}
	add_source(r, rjv_str(ev, "pcap_filename"));
	if (r->sensor[0] == '\0')
		copy_str(r->sensor, sizeof(r->sensor), rjv_str(ev, "sensor"));
	if (type != EVE_FLOW) /* a flow's times are its start and end */
		seen_time(r, ts);
	switch (type) {
	case EVE_ALERT:
		add_alert(r, ev, buf, len, ts);
		break;
	case EVE_FLOW:
		add_flow(r, ev, buf, len);
		break;
	case EVE_FILEINFO:
		add_file(r, ev, ts);
		break;
	case EVE_ANOMALY:
		r->anomalies++;
		break;
	default:
		break;
	}
	return 0;
}

static int
report_open(const struct output_conf *conf, struct output_sink **out)
{
	struct report *r;
	int err = SW_E_NOMEM;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return SW_E_NOMEM;
	r->conf = conf;
	r->st.mem.memcap = conf->report_memcap;
	r->max_detail = conf->report_alerts;
	if ((r->fp = fopen(conf->report_file, "w")) == NULL) {
		sw_err("report.file: %s: %s", conf->report_file, strerror(errno));
		err = SW_E_IO;
		goto fail;
	}
	r->nflowref = (size_t)r->max_detail * 2 + 1;
	if (!sw_memcap_take(&r->st.mem, sizeof(*r) + r->nflowref * sizeof(*r->flowref) +
	                                    r->max_detail * sizeof(*r->detail) +
	                                    REPORT_NODES * sizeof(*r->doc.nodes)) ||
	    (r->flowref = calloc(r->nflowref, sizeof(*r->flowref))) == NULL ||
	    (r->detail = calloc(r->max_detail + 1, sizeof(*r->detail))) == NULL ||
	    (r->doc.nodes = calloc(REPORT_NODES, sizeof(*r->doc.nodes))) == NULL)
		goto nomem;
	r->doc.cap_nodes = REPORT_NODES;
	if (topk_init(&r->sigs, REPORT_SIGS, &r->st.mem) != 0 ||
	    topk_init(&r->talkers, REPORT_HOSTS, &r->st.mem) != 0 ||
	    topk_init(&r->convs, REPORT_HOSTS, &r->st.mem) != 0 ||
	    topk_init(&r->protos, REPORT_PROTOS, &r->st.mem) != 0 ||
	    topk_init(&r->cti, REPORT_CTI, &r->st.mem) != 0 ||
	    topk_init(&r->filetab, REPORT_FILES, &r->st.mem) != 0)
		goto nomem;
	*out = (struct output_sink *)r;
	return 0;
nomem:
	sw_err("report.memcap: %llu bytes are too few for the report's tables (about %llu needed)",
	       (unsigned long long)conf->report_memcap,
	       (unsigned long long)report_min_memory(conf->report_alerts));
	err = SW_E_CONFIG;
fail:
	report_free(r);
	return err;
}

size_t
report_min_memory(uint32_t alerts)
{
	return sizeof(struct report) + ((size_t)alerts * 2 + 1) * sizeof(struct report_flowref) +
	       alerts * sizeof(struct report_alert) + REPORT_NODES * sizeof(struct rjv) +
	       (REPORT_SIGS + 2 * REPORT_HOSTS + REPORT_PROTOS + REPORT_CTI + REPORT_FILES +
	        6 * TK_WAYS) *
	           sizeof(struct report_entry);
}

void
report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->fp != NULL)
		fclose(r->fp);
	for (i = 0; r->detail != NULL && i < r->ndetail; i++) {
		if (r->detail[i].line != NULL)
			sw_memcap_give(&r->st.mem, strlen(r->detail[i].line) + 1);
		if (r->detail[i].flow_line != NULL)
			sw_memcap_give(&r->st.mem, strlen(r->detail[i].flow_line) + 1);
		free(r->detail[i].line);
		free(r->detail[i].flow_line);
	}
	free(r->detail);
	free(r->flowref);
	free(r->doc.nodes);
	free(r->doc.str);
	free(r->stats_line);
	topk_free(&r->sigs, &r->st.mem);
	topk_free(&r->talkers, &r->st.mem);
	topk_free(&r->convs, &r->st.mem);
	topk_free(&r->protos, &r->st.mem);
	topk_free(&r->cti, &r->st.mem);
	topk_free(&r->filetab, &r->st.mem);
	free(r);
}

static int
report_flush(struct output_sink *s)
{
	(void)s;
	return 0;
}

static void
report_close(struct output_sink *s)
{
	struct report *r = (struct report *)s;
	int err;

	if (r == NULL)
		return;
	if ((err = report_write_html(r, r->fp)) != 0)
		sw_err("report.file: %s: %s", r->conf->report_file, sw_strerror(err));
	else if (fclose(r->fp) != 0)
		sw_err("report.file: %s: %s", r->conf->report_file, strerror(errno));
	else
		sw_notice("report written to %s", r->conf->report_file);
	r->fp = NULL;
	report_free(r);
}

const struct output_report_stats *
output_report_sink_stats(const struct output_sink *s)
{
	return &((const struct report *)s)->st;
}

const struct output_sink_ops output_sink_report = {
    .name = "report",
    .open = report_open,
    .write = report_write,
    .needs_lock = true,
    .flush = report_flush,
    .reopen = NULL,
    .close = report_close,
};
