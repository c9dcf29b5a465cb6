/* src/output/output_evidence.c: a pcap of the packets behind every alert.
 *
 * Per flow, a ring of its most recent packets (evidence.ring-packets, evidence.ring-bytes), each
 * a record holding the frame as captured (every link and tunnel layer) and its timestamp. The
 * first alert on a flow opens a capture: the ring's packets (the one that triggered the alert
 * is the newest), then the flow's next evidence.post-packets packets. Alerts on the flow while
 * the capture is open share it (same key, same file, same Kafka message); an alert after it was
 * finalized opens a new one. A capture is finalized when its post packets have come, when it
 * reaches evidence.capture-bytes, or when the flow ends (timeout, close, eviction, end of
 * input); it is then written with libpcap's dumper (pcap_open_dead with the capture's link type)
 * to evidence.directory/<key>.pcap (through a hidden .part file renamed when complete) and
 * published to the Kafka evidence topic keyed by the key: the event_id of its first alert.
 *
 * Records are shared by the ring and the capture (reference counted, one worker's thread only)
 * and charged once to the worker's share of evidence.memcap, as are the per-flow rings and the
 * captures; what the cap refuses is counted in evidence.memcap_refused and left out.
 *
 * The alert's "evidence" object: file (when a directory is set), topic (when published), key,
 * packets and bytes (pcap bytes) the capture held when the alert was written, and complete:
 * true when the capture was already final then (post-packets 0), so those are the figures of
 * the file; false when it was still collecting post packets (the file then holds those packets
 * and up to post-packets more). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "output/output_int.h"

#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR  16u
#define EV_SNAPLEN    262144

/* One packet as captured. */
struct ev_rec {
	uint32_t refs;
	uint32_t caplen, wirelen;
	sw_time_t ts;
	uint8_t data[];
};

/* An open capture: the packets so far, room for all it may hold. */
struct ev_cap {
	char key[128];
	uint32_t n, max;
	uint32_t post_left;
	uint64_t bytes; /* of the pcap: header and records */
	struct ev_rec *pkt[];
};

/* What a flow holds: the ring (oldest at head) and its open capture. */
struct ev_flow {
	int linktype;
	uint32_t head, n;
	uint64_t bytes; /* pcap record bytes in the ring */
	struct ev_cap *cap;
	struct ev_rec *ring[];
};

struct evidence {
	const struct evidence_conf *conf;
	struct output *out;
	const char *topic; /* NULL: not published */
	struct evidence_stats st;
	struct sbuf obj;
	uint64_t seq; /* keys of captures whose alert had no event_id */
	/* the last capture finalized: an alert whose capture was final at once points at it */
	char done_key[128];
	uint64_t done_packets, done_bytes;
};

static const struct conf_key evidence_keys[] = {
	{"evidence.enabled", CONF_BOOL, offsetof(struct evidence_conf, enabled), "no", 0, 0, NULL},
	{"evidence.ring-packets", CONF_U32, offsetof(struct evidence_conf, ring_packets), "16", 1,
	 4096, NULL},
	{"evidence.ring-bytes", CONF_SIZE, offsetof(struct evidence_conf, ring_bytes), "64kb", 64,
	 64LL << 20, NULL},
	{"evidence.post-packets", CONF_U32, offsetof(struct evidence_conf, post_packets), "16", 0,
	 100000, NULL},
	{"evidence.capture-bytes", CONF_SIZE, offsetof(struct evidence_conf, capture_bytes),
	 "900kb", 1024, 15LL << 20, NULL},
	{"evidence.memcap", CONF_SIZE, offsetof(struct evidence_conf, memcap), "64mb", 1 << 12,
	 INT64_MAX, NULL},
	{"evidence.directory", CONF_STR, offsetof(struct evidence_conf, directory), NULL, 0, 0,
	 NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
evidence_conf_load(struct conf_doc *doc, struct evidence_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	return conf_apply(doc, evidence_keys, conf);
}

void
evidence_conf_free(struct evidence_conf *conf)
{
	conf_struct_free(evidence_keys, conf);
}

int
evidence_new(const struct output_conf *conf, uint64_t memcap, struct output *out,
	     struct evidence **ev)
{
	struct evidence *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return SW_E_NOMEM;
	e->conf = &conf->evidence;
	e->out = out;
	e->topic = out != NULL ? output_evidence_topic(out) : NULL;
	e->st.mem.memcap = memcap;
	sbuf_init(&e->obj);
	*ev = e;
	return 0;
}

const struct evidence_stats *
evidence_get_stats(const struct evidence *ev)
{
	return &ev->st;
}

static void
rec_put(struct evidence *ev, struct ev_rec *r)
{
	if (r == NULL || --r->refs > 0)
		return;
	sw_memcap_give(&ev->st.mem, sizeof(*r) + r->caplen);
	free(r);
}

static size_t
cap_size(uint32_t max)
{
	return sizeof(struct ev_cap) + (size_t)max * sizeof(struct ev_rec *);
}

/* Names the file of a key: characters outside [A-Za-z0-9._-] become '_'. */
static void
key_file(const struct evidence *ev, const char *key, char *buf, size_t size, bool part)
{
	char name[sizeof(((struct ev_cap *)0)->key)];
	size_t i;

	for (i = 0; key[i] != '\0' && i < sizeof(name) - 1; i++) {
		char c = key[i];

		name[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				  c == '.' || c == '_' || c == '-'
				  ? c
				  : '_';
	}
	name[i] = '\0';
	if (name[0] == '.')
		name[0] = '_';
	snprintf(buf, size, "%s/%s%s%s", ev->conf->directory, part ? "." : "", name,
		 part ? ".pcap.part" : ".pcap");
}

/* The capture as a pcap in memory, written by libpcap's dumper. *buf is malloc'd. */
static int
cap_serialize(int linktype, const struct ev_cap *c, char **buf, size_t *len)
{
	pcap_t *pd;
	pcap_dumper_t *d;
	FILE *fp;
	uint32_t i;

	*buf = NULL;
	*len = 0;
	if ((pd = pcap_open_dead(linktype, EV_SNAPLEN)) == NULL)
		return SW_E_NOMEM;
	if ((fp = open_memstream(buf, len)) == NULL) {
		pcap_close(pd);
		return SW_E_NOMEM;
	}
	if ((d = pcap_dump_fopen(pd, fp)) == NULL) {
		fclose(fp);
		free(*buf);
		*buf = NULL;
		pcap_close(pd);
		return SW_E_NOMEM;
	}
	for (i = 0; i < c->n; i++) {
		const struct ev_rec *r = c->pkt[i];
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(r->ts / SW_USEC_PER_SEC);
		h.ts.tv_usec = (suseconds_t)(r->ts % SW_USEC_PER_SEC);
		h.caplen = r->caplen;
		h.len = r->wirelen > r->caplen ? r->wirelen : r->caplen;
		pcap_dump((u_char *)d, &h, r->data);
	}
	pcap_dump_close(d); /* closes fp: *buf and *len are final */
	pcap_close(pd);
	return *buf != NULL ? 0 : SW_E_NOMEM;
}

static int
write_file(struct evidence *ev, const char *key, const char *buf, size_t len)
{
	char part[4096], path[4096];
	FILE *fp;
	int ok;

	key_file(ev, key, part, sizeof(part), true);
	key_file(ev, key, path, sizeof(path), false);
	if ((fp = fopen(part, "wb")) == NULL) {
		sw_warn("evidence: %s: %s", part, strerror(errno));
		return SW_E_IO;
	}
	ok = fwrite(buf, 1, len, fp) == len;
	ok &= fclose(fp) == 0;
	if (!ok || rename(part, path) != 0) {
		sw_warn("evidence: %s: %s", path, strerror(errno));
		remove(part);
		return SW_E_IO;
	}
	return 0;
}

/* The capture is final: to the directory and Kafka, then freed. */
static void
cap_finish(struct evidence *ev, struct ev_flow *ef)
{
	struct ev_cap *c = ef->cap;
	char *buf;
	size_t len;
	uint32_t i;

	ef->cap = NULL;
	memcpy(ev->done_key, c->key, sizeof(ev->done_key));
	ev->done_packets = c->n;
	ev->done_bytes = c->bytes;
	if (cap_serialize(ef->linktype, c, &buf, &len) == 0) {
		sw_counter_add(&ev->st.captures, 1);
		sw_counter_add(&ev->st.packets, c->n);
		sw_counter_add(&ev->st.bytes, len);
		if (ev->conf->directory != NULL) {
			if (write_file(ev, c->key, buf, len) == 0)
				sw_counter_add(&ev->st.files, 1);
			else
				sw_counter_add(&ev->st.write_errors, 1);
		}
		if (ev->topic != NULL) {
			if (output_write_evidence(ev->out, c->key, buf, len) == 0)
				sw_counter_add(&ev->st.published, 1);
			else
				sw_counter_add(&ev->st.write_errors, 1);
		}
	} else {
		sw_counter_add(&ev->st.write_errors, 1);
	}
	free(buf);
	for (i = 0; i < c->n; i++)
		rec_put(ev, c->pkt[i]);
	sw_memcap_give(&ev->st.mem, cap_size(c->max));
	free(c);
}

/* Adds a record to the open capture; finalizes it when full. */
static void
cap_add(struct evidence *ev, struct ev_flow *ef, struct ev_rec *r)
{
	struct ev_cap *c = ef->cap;

	/* full; the first packet goes in whatever its size (a capture is never empty) */
	if (c->n == c->max ||
	    (c->n > 0 && c->bytes + PCAP_REC_HDR + r->caplen > ev->conf->capture_bytes)) {
		sw_counter_add(&ev->st.cut, 1);
		cap_finish(ev, ef);
		return;
	}
	r->refs++;
	c->pkt[c->n++] = r;
	c->bytes += PCAP_REC_HDR + r->caplen;
}

void
evidence_packet(struct evidence *ev, struct sw_flow *f, const struct sw_packet *p)
{
	struct ev_flow *ef = f->evidence;
	uint32_t rp = ev->conf->ring_packets;
	struct ev_rec *r;

	if (ef == NULL) {
		size_t sz = sizeof(*ef) + (size_t)rp * sizeof(ef->ring[0]);

		if (!sw_memcap_take(&ev->st.mem, sz))
			return;
		if ((ef = calloc(1, sz)) == NULL) {
			sw_memcap_give(&ev->st.mem, sz);
			return;
		}
		ef->linktype = p->linktype;
		f->evidence = ef;
	}
	if (p->linktype != ef->linktype) /* a pcap has one link type: keep the first */
		r = NULL;
	else if (!sw_memcap_take(&ev->st.mem, sizeof(*r) + p->caplen))
		r = NULL;
	else if ((r = malloc(sizeof(*r) + p->caplen)) == NULL)
		sw_memcap_give(&ev->st.mem, sizeof(*r) + p->caplen);
	if (r == NULL) { /* refused (counted): the ring and the capture lack this packet */
		if (ef->cap != NULL && --ef->cap->post_left == 0)
			cap_finish(ev, ef);
		return;
	}
	r->refs = 1;
	r->caplen = p->caplen;
	r->wirelen = p->wirelen;
	r->ts = p->ts;
	if (p->caplen > 0)
		memcpy(r->data, p->data, p->caplen);
	/* the ring: the newest packet always stays, older ones go past either limit */
	if (ef->n == rp) {
		struct ev_rec *old = ef->ring[ef->head];

		ef->bytes -= PCAP_REC_HDR + old->caplen;
		rec_put(ev, old);
		ef->head = (ef->head + 1) % rp;
		ef->n--;
	}
	ef->ring[(ef->head + ef->n) % rp] = r;
	ef->n++;
	ef->bytes += PCAP_REC_HDR + r->caplen;
	while (ef->n > 1 && ef->bytes > ev->conf->ring_bytes) {
		struct ev_rec *old = ef->ring[ef->head];

		ef->bytes -= PCAP_REC_HDR + old->caplen;
		rec_put(ev, old);
		ef->head = (ef->head + 1) % rp;
		ef->n--;
	}
	if (ef->cap != NULL) {
		cap_add(ev, ef, r);
		if (ef->cap != NULL && --ef->cap->post_left == 0)
			cap_finish(ev, ef);
	}
}

/* The value of "event_id" in an EVE line, copied into buf; false when it has none. */
static bool
event_id_of(const struct sbuf *b, char *buf, size_t size)
{
	static const char tag[] = "\"event_id\":\"";
	const char *p = memmem(b->p, b->len, tag, sizeof(tag) - 1), *e;

	if (p == NULL)
		return false;
	p += sizeof(tag) - 1;
	if ((e = memchr(p, '"', (size_t)(b->p + b->len - p))) == NULL || (size_t)(e - p) >= size ||
	    e == p)
		return false;
	memcpy(buf, p, (size_t)(e - p));
	buf[e - p] = '\0';
	return true;
}

/* Opens the flow's capture with the ring's packets; false when the cap refused it. */
static bool
cap_open(struct evidence *ev, struct ev_flow *ef, const struct sbuf *alert, uint64_t flow_id)
{
	uint32_t max = ev->conf->ring_packets + ev->conf->post_packets, i, first;
	uint64_t bytes = PCAP_FILE_HDR;
	struct ev_cap *c;

	if (!sw_memcap_take(&ev->st.mem, cap_size(max)))
		return false;
	if ((c = calloc(1, cap_size(max))) == NULL) {
		sw_memcap_give(&ev->st.mem, cap_size(max));
		return false;
	}
	if (!event_id_of(alert, c->key, sizeof(c->key)))
		snprintf(c->key, sizeof(c->key), "flow-%llu-%llu", (unsigned long long)flow_id,
			 (unsigned long long)++ev->seq);
	c->max = max;
	c->bytes = PCAP_FILE_HDR;
	c->post_left = ev->conf->post_packets;
	ef->cap = c;
	/* the newest ring packets that fit in capture-bytes (the alert's packet at least) */
	for (first = ef->n; first > 0; first--) {
		const struct ev_rec *r = ef->ring[(ef->head + first - 1) % ev->conf->ring_packets];

		if (first < ef->n && bytes + PCAP_REC_HDR + r->caplen > ev->conf->capture_bytes) {
			sw_counter_add(&ev->st.cut, 1);
			break;
		}
		bytes += PCAP_REC_HDR + r->caplen;
	}
	for (i = first; i < ef->n && ef->cap != NULL; i++)
		cap_add(ev, ef, ef->ring[(ef->head + i) % ev->conf->ring_packets]);
	return true;
}

void
evidence_alert(struct evidence *ev, struct sw_flow *f, struct sbuf *alert)
{
	struct ev_flow *ef = f->evidence;
	char key[sizeof(((struct ev_cap *)0)->key)], path[4096];
	uint64_t packets, bytes;
	bool complete = false;
	struct jw w;

	if (ef == NULL || ef->n == 0 || sbuf_failed(alert) || alert->len < 2 ||
	    memcmp(alert->p + alert->len - 2, "}\n", 2) != 0)
		return;
	if (ef->cap == NULL && !cap_open(ev, ef, alert, f->flow_id))
		return; /* refused by the cap (counted): the alert goes without evidence */
	if (ef->cap != NULL && ef->cap->post_left == 0)
		cap_finish(ev, ef);
	if (ef->cap == NULL) { /* final already: no post packets, or full at capture-bytes */
		memcpy(key, ev->done_key, sizeof(key));
		packets = ev->done_packets;
		bytes = ev->done_bytes;
		complete = true;
	} else {
		memcpy(key, ef->cap->key, sizeof(key));
		packets = ef->cap->n;
		bytes = ef->cap->bytes;
	}
	jw_init(&w, &ev->obj);
	if (ev->conf->directory != NULL) {
		key_file(ev, key, path, sizeof(path), false);
		jw_str(&w, "file", path);
	}
	if (ev->topic != NULL)
		jw_str(&w, "topic", ev->topic);
	jw_str(&w, "key", key);
	jw_u64(&w, "packets", packets);
	jw_u64(&w, "bytes", bytes);
	jw_bool(&w, "complete", complete);
	jw_finish(&w);
	if (sbuf_failed(&ev->obj))
		return;
	alert->len -= 2; /* "}\n": the evidence object goes last */
	sbuf_adds(alert, ",\"evidence\":");
	sbuf_add(alert, ev->obj.p, ev->obj.len - 1);
	sbuf_adds(alert, "}\n");
}

void
evidence_flow_end(struct evidence *ev, struct sw_flow *f)
{
	struct ev_flow *ef = f->evidence;
	uint32_t i;

	if (ef == NULL)
		return;
	if (ef->cap != NULL)
		cap_finish(ev, ef);
	for (i = 0; i < ef->n; i++)
		rec_put(ev, ef->ring[(ef->head + i) % ev->conf->ring_packets]);
	sw_memcap_give(&ev->st.mem,
		       sizeof(*ef) + (size_t)ev->conf->ring_packets * sizeof(ef->ring[0]));
	free(ef);
	f->evidence = NULL;
}

void
evidence_free(struct evidence *ev)
{
	if (ev == NULL)
		return;
	sbuf_free(&ev->obj);
	free(ev);
}
