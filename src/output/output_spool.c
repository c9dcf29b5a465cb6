/* src/output/output_spool.c: the Kafka sink's on-disk spool: an append-only log of events in
 * segment files, each record framed with its length and a CRC-32 (zlib), indexed in memory
 * with a state per record (pending, in flight, delivered). A segment is deleted once all its
 * records are delivered; segments left by an earlier run are read back and replayed. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "output/output_int.h"

/*
 * Record layout (little-endian):
 *   magic "SWSP" (4) | body length (4) | CRC-32 of the body (4) |
 *   body: topic length (2) | key length (2) | topic | key | payload
 */
#define REC_MAGIC    0x50535753u /* "SWSP" as little-endian bytes */
#define REC_HDR      12u
#define REC_MAX_BODY (16u << 20)

enum rec_state {
	REC_PENDING = 0,
	REC_INFLIGHT = 1,
	REC_DELIVERED = 2,
};

struct seg {
	struct seg *next;
	uint32_t num; /* file spool-<num>.seg */
	int fd;
	uint64_t size;
	uint32_t *off; /* offset of each record */
	uint8_t *state;
	uint32_t n, cap;
	uint32_t delivered;
	uint32_t scan; /* records before this one are not pending (replay cursor) */
	bool current;  /* being appended to */
};

struct spool {
	struct spool_conf conf;
	char *dir;
	pthread_mutex_t lock;
	struct seg *segs, *tail; /* oldest first */
	uint32_t next_num;
	uint64_t bytes;
	uint64_t corrupt;
	uint8_t *buf; /* read buffer for spool_next */
	size_t buf_size;
	bool dirty;
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int
seg_path(const struct spool *s, uint32_t num, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/spool-%08x.seg", s->dir, num);

	return n > 0 && (size_t)n < size ? 0 : SW_E_RANGE;
}

static int
seg_index_add(struct seg *g, uint32_t off)
{
	if (g->n == g->cap) {
		uint32_t cap = g->cap ? g->cap * 2 : 1024;
		uint32_t *o = realloc(g->off, cap * sizeof(*o));
		uint8_t *st;

		if (o == NULL)
			return SW_E_NOMEM;
		g->off = o;
		if ((st = realloc(g->state, cap)) == NULL)
			return SW_E_NOMEM;
		g->state = st;
		g->cap = cap;
	}
	g->off[g->n] = off;
	g->state[g->n] = REC_PENDING;
	g->n++;
	return 0;
}

static void
seg_free(struct seg *g)
{
	if (g == NULL)
		return;
	if (g->fd >= 0)
		close(g->fd);
	free(g->off);
	free(g->state);
	free(g);
}

static struct seg *
seg_find(struct spool *s, uint32_t num)
{
	struct seg *g;

	for (g = s->segs; g != NULL; g = g->next)
		if (g->num == num)
			return g;
	return NULL;
}

static void
seg_link(struct spool *s, struct seg *g)
{
	g->next = NULL;
	if (s->tail != NULL)
		s->tail->next = g;
	else
		s->segs = g;
	s->tail = g;
}

/* Reads a segment left by an earlier run and indexes its valid records. */
static int
seg_recover(struct spool *s, uint32_t num)
{
	char path[4096];
	struct seg *g;
	uint8_t hdr[REC_HDR], *body = NULL;
	uint64_t off = 0;
	struct stat st;

	if (seg_path(s, num, path, sizeof(path)) != 0)
		return SW_E_RANGE;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return SW_E_NOMEM;
	g->num = num;
	if ((g->fd = open(path, O_RDWR | O_CLOEXEC)) < 0 || fstat(g->fd, &st) != 0) {
		sw_err("spool %s: %s", path, strerror(errno));
		seg_free(g);
		return SW_E_IO;
	}
	g->size = (uint64_t)st.st_size;
	while (off + REC_HDR <= g->size) {
		uint32_t len;

		if (pread(g->fd, hdr, REC_HDR, (off_t)off) != REC_HDR)
			break;
		len = get32(hdr + 4);
		if (get32(hdr) != REC_MAGIC || len < 4 || len > REC_MAX_BODY ||
		    off + REC_HDR + len > g->size) {
			/* damaged or cut: count it once, then look for the next record */
			if (get32(hdr) == REC_MAGIC && off + REC_HDR + len > g->size &&
			    len <= REC_MAX_BODY) {
				s->corrupt++;
				sw_warn("spool %s: record at %llu cut short (%llu bytes left of %u)",
					path, (unsigned long long)off,
					(unsigned long long)(g->size - off - REC_HDR), len);
				break;
			}
			s->corrupt++;
			sw_warn("spool %s: no valid record at offset %llu, resynchronising", path,
				(unsigned long long)off);
			/* resynchronise on the next magic */
			for (off++; off + 4 <= g->size; off++) {
				if (pread(g->fd, hdr, 4, (off_t)off) == 4 && get32(hdr) == REC_MAGIC)
					break;
			}
			continue;
		}
		free(body);
		if ((body = malloc(len)) == NULL || pread(g->fd, body, len, (off_t)(off + REC_HDR)) !=
							       (ssize_t)len) {
			free(body);
			seg_free(g);
			return SW_E_IO;
		}
		if ((uint32_t)crc32(0, body, len) != get32(hdr + 8)) {
			s->corrupt++;
			sw_warn("spool %s: record at %llu fails its checksum: skipped", path,
				(unsigned long long)off);
			/* the length may be damaged too: look for the next record after the header */
			for (off += 4; off + 4 <= g->size; off++) {
				if (pread(g->fd, hdr, 4, (off_t)off) == 4 && get32(hdr) == REC_MAGIC)
					break;
			}
			continue;
		}
		if (seg_index_add(g, (uint32_t)off) != 0) {
			free(body);
			seg_free(g);
			return SW_E_NOMEM;
		}
		off += REC_HDR + len;
	}
	free(body);
	if (g->n == 0) {
		unlink(path); /* nothing to replay */
		seg_free(g);
		return 0;
	}
	s->bytes += g->size;
	seg_link(s, g);
	sw_notice("spool %s: %u events to replay from an earlier run", path, g->n);
	return 0;
}

static int
num_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
spool_open(const struct spool_conf *conf, struct spool **out)
{
	struct spool *s;
	DIR *d;
	struct dirent *de;
	uint32_t *nums = NULL, n = 0, cap = 0, i;
	int r = 0;

	*out = NULL;
	if (mkdir(conf->dir, 0750) != 0 && errno != EEXIST) {
		sw_err("spool directory %s: %s", conf->dir, strerror(errno));
		return SW_E_IO;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->dir = strdup(conf->dir)) == NULL) {
		free(s);
		return SW_E_NOMEM;
	}
	s->conf = *conf;
	s->conf.dir = s->dir;
	pthread_mutex_init(&s->lock, NULL);
	if ((d = opendir(conf->dir)) == NULL) {
		sw_err("spool directory %s: %s", conf->dir, strerror(errno));
		spool_close(s);
		return SW_E_IO;
	}
	while ((de = readdir(d)) != NULL) {
		unsigned int num;
		char tail;

		if (sscanf(de->d_name, "spool-%8x.se%c", &num, &tail) != 2 || tail != 'g')
			continue;
		if (n == cap) {
			uint32_t *nn = realloc(nums, (cap ? cap * 2 : 16) * sizeof(*nums));

			if (nn == NULL) {
				r = SW_E_NOMEM;
				break;
			}
			nums = nn;
			cap = cap ? cap * 2 : 16;
		}
		nums[n++] = num;
	}
	closedir(d);
	if (n > 0)
		qsort(nums, n, sizeof(*nums), num_cmp);
	for (i = 0; i < n && r == 0; i++) {
		r = seg_recover(s, nums[i]);
		if (nums[i] + 1 > s->next_num)
			s->next_num = nums[i] + 1;
	}
	free(nums);
	if (r != 0) {
		spool_close(s);
		return r;
	}
	*out = s;
	return 0;
}

/* Opens a new segment for appending. */
static struct seg *
seg_create(struct spool *s)
{
	char path[4096];
	struct seg *g;

	if (seg_path(s, s->next_num, path, sizeof(path)) != 0 || (g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->num = s->next_num++;
	if ((g->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640)) < 0) {
		sw_err("spool %s: %s", path, strerror(errno));
		free(g);
		return NULL;
	}
	g->current = true;
	seg_link(s, g);
	return g;
}

int
spool_append(struct spool *s, const char *topic, const void *key, size_t key_len,
	     const void *payload, size_t payload_len, void **ref)
{
	size_t tlen = strlen(topic), body = 4 + tlen + key_len + payload_len;
	struct seg *g;
	uint8_t *rec;
	uint32_t crc;
	int r = 0;

	*ref = NULL;
	if (tlen > 0xffff || key_len > 0xffff || body > REC_MAX_BODY)
		return SW_E_RANGE;
	if ((rec = malloc(REC_HDR + body)) == NULL)
		return SW_E_NOMEM;
	rec[12] = (uint8_t)tlen;
	rec[13] = (uint8_t)(tlen >> 8);
	rec[14] = (uint8_t)key_len;
	rec[15] = (uint8_t)(key_len >> 8);
	memcpy(rec + 16, topic, tlen);
	if (key_len > 0) /* events without a flow have no key */
		memcpy(rec + 16 + tlen, key, key_len);
	memcpy(rec + 16 + tlen + key_len, payload, payload_len);
	crc = (uint32_t)crc32(0, rec + REC_HDR, (uInt)body);
	put32(rec, REC_MAGIC);
	put32(rec + 4, (uint32_t)body);
	put32(rec + 8, crc);

	pthread_mutex_lock(&s->lock);
	if (s->bytes + REC_HDR + body > s->conf.max_size) {
		r = SW_E_MEMCAP;
		goto out;
	}
	g = s->tail;
	if (g == NULL || !g->current || g->size + REC_HDR + body > s->conf.segment_size) {
		if (g != NULL && g->current)
			g->current = false;
		if ((g = seg_create(s)) == NULL) {
			r = SW_E_IO;
			goto out;
		}
	}
	/* one write(2): a process killed right after still leaves the record in the file */
	if (write(g->fd, rec, REC_HDR + body) != (ssize_t)(REC_HDR + body)) {
		sw_err("spool segment %08x: write failed: %s", g->num, strerror(errno));
		r = SW_E_IO;
		goto out;
	}
	if ((r = seg_index_add(g, (uint32_t)g->size)) != 0)
		goto out;
	g->state[g->n - 1] = REC_INFLIGHT;
	g->size += REC_HDR + body;
	s->bytes += REC_HDR + body;
	s->dirty = true;
	*ref = spool_ref_pack(g->num, g->n - 1);
out:
	pthread_mutex_unlock(&s->lock);
	free(rec);
	return r;
}

void
spool_done(struct spool *s, void *ref, bool delivered)
{
	uint64_t v = (uint64_t)(uintptr_t)ref;
	uint32_t num, idx;
	struct seg *g;

	if (ref == NULL)
		return;
	num = (uint32_t)(v >> 32) - 1;
	idx = (uint32_t)v;
	pthread_mutex_lock(&s->lock);
	if ((g = seg_find(s, num)) != NULL && idx < g->n && g->state[idx] == REC_INFLIGHT) {
		if (delivered) {
			g->state[idx] = REC_DELIVERED;
			g->delivered++;
		} else {
			g->state[idx] = REC_PENDING;
			if (idx < g->scan)
				g->scan = idx;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

bool
spool_next(struct spool *s, struct spool_rec *rec)
{
	struct seg *g;
	bool found = false;

	pthread_mutex_lock(&s->lock);
	for (g = s->segs; g != NULL && !found; g = g->next) {
		while (g->scan < g->n && g->state[g->scan] != REC_PENDING)
			g->scan++;
		while (g->scan < g->n && !found) {
			uint32_t idx = g->scan, len, tlen, klen;
			uint8_t hdr[REC_HDR];

			if (g->state[idx] != REC_PENDING) {
				g->scan++;
				continue;
			}
			if (pread(g->fd, hdr, REC_HDR, g->off[idx]) != REC_HDR)
				break;
			len = get32(hdr + 4);
			if (len > s->buf_size) {
				uint8_t *b = realloc(s->buf, len);

				if (b == NULL)
					break;
				s->buf = b;
				s->buf_size = len;
			}
			if (pread(g->fd, s->buf, len, g->off[idx] + REC_HDR) != (ssize_t)len)
				break;
			tlen = (uint32_t)s->buf[0] | (uint32_t)s->buf[1] << 8;
			klen = (uint32_t)s->buf[2] | (uint32_t)s->buf[3] << 8;
			if (4 + tlen + klen > len)
				break;
			/* the topic is followed by the key: copy it to make it a string */
			memmove(s->buf, s->buf + 4, tlen);
			s->buf[tlen] = '\0';
			rec->topic = (const char *)s->buf;
			rec->key = s->buf + 4 + tlen;
			rec->key_len = klen;
			rec->payload = s->buf + 4 + tlen + klen;
			rec->payload_len = len - 4 - tlen - klen;
			rec->seg = g->num;
			rec->idx = idx;
			g->state[idx] = REC_INFLIGHT;
			g->scan++;
			found = true;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return found;
}

void
spool_sync(struct spool *s)
{
	struct seg *g, **pp;
	char path[4096];

	pthread_mutex_lock(&s->lock);
	if (s->dirty && s->tail != NULL && s->tail->fd >= 0)
		fdatasync(s->tail->fd);
	s->dirty = false;
	for (pp = &s->segs; (g = *pp) != NULL;) {
		if (!g->current && g->delivered == g->n) {
			*pp = g->next;
			if (s->tail == g) {
				struct seg *t;

				s->tail = NULL;
				for (t = s->segs; t != NULL; t = t->next)
					s->tail = t;
			}
			if (seg_path(s, g->num, path, sizeof(path)) == 0)
				unlink(path);
			s->bytes -= g->size;
			seg_free(g);
			continue;
		}
		/* a current segment fully delivered and large enough: start a new one */
		if (g->current && g->n > 0 && g->delivered == g->n &&
		    g->size >= s->conf.segment_size / 4)
			g->current = false;
		pp = &g->next;
	}
	pthread_mutex_unlock(&s->lock);
}

void
spool_seal(struct spool *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->tail != NULL)
		s->tail->current = false;
	pthread_mutex_unlock(&s->lock);
	spool_sync(s);
}

void
spool_get_stats(struct spool *s, struct spool_stats *st)
{
	struct seg *g;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&s->lock);
	for (g = s->segs; g != NULL; g = g->next) {
		uint32_t i;

		st->segments++;
		st->records += g->n;
		for (i = g->scan; i < g->n; i++)
			st->pending += g->state[i] == REC_PENDING;
	}
	st->bytes = s->bytes;
	st->corrupt = s->corrupt;
	pthread_mutex_unlock(&s->lock);
}

void
spool_close(struct spool *s)
{
	struct seg *g;

	if (s == NULL)
		return;
	spool_sync(s);
	while ((g = s->segs) != NULL) {
		s->segs = g->next;
		if (g->delivered == g->n) {
			s->bytes -= g->size; /* everything delivered (or empty): nothing to keep */
			char path[4096];

			if (seg_path(s, g->num, path, sizeof(path)) == 0)
				unlink(path);
		}
		seg_free(g);
	}
	pthread_mutex_destroy(&s->lock);
	free(s->buf);
	free(s->dir);
	free(s);
}
