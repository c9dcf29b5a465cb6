/* tests/unit/app/test_http.c: unit tests of the HTTP/1.x parser and its files (RFC 9112, 9110, 3986). */
/*
 * Recorded traffic is read at test time from $top_srcdir/pcaps/http.pcap and loss-http.pcap with
 * a small pcap reader below (Ethernet/SLL, IPv4/IPv6, TCP reassembled by sequence number: the
 * captures have no holes). Expected fields were read with
 *   tshark -r pcaps/http.pcap -d tcp.port==18080,http -Y http.request -T fields ...
 * and the body hashes computed with python hashlib over the bytes after each header block. The
 * gzip / deflate bodies were made with python zlib (mtime 0) and are embedded.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "stream/stream.h"
#include "unit.h"

/* plain: "line %d of the spanwatch gzip test\n" for i in 0..39 */
#define GZ_PLAIN_LEN 1390
#define GZ_PLAIN_SHA256 "6aa3be018669ea011a56a000332204dc71d0ec9f92957f829e019cc050fbd72b"
#define GZ_PLAIN_MD5 "8c5e11c512118de7ddc2b307cf306824"
static const uint8_t body_gzip[158] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x8d, 0xd4, 0x4b, 0x0a, 0xc2, 0x40,
    0x14, 0x44, 0xd1, 0xb9, 0xab, 0x78, 0x4b, 0xf0, 0x55, 0x19, 0x35, 0xcb, 0x09, 0xd2, 0xf9, 0x40,
    0x88, 0x81, 0x34, 0x04, 0x5c, 0xbd, 0xb8, 0x01, 0x6f, 0xcf, 0xef, 0xe8, 0x50, 0xd4, 0xba, 0x6c,
    0x25, 0xae, 0xf1, 0x1e, 0xa3, 0xce, 0x25, 0x8e, 0x7d, 0xd8, 0xce, 0xa1, 0xbe, 0xe6, 0x98, 0x3e,
    0xcb, 0x1e, 0xb5, 0x1c, 0xf5, 0xb2, 0xfe, 0x8a, 0xc4, 0x42, 0x58, 0x18, 0x8b, 0x1b, 0x16, 0x1d,
    0x16, 0x77, 0x2c, 0x1e, 0x58, 0x3c, 0xb1, 0xe8, 0x59, 0xac, 0x01, 0x95, 0x55, 0x93, 0x59, 0x93,
    0x5d, 0x93, 0x61, 0x93, 0x65, 0x93, 0x69, 0x93, 0x6d, 0x93, 0x71, 0x93, 0x75, 0xc5, 0xba, 0x6a,
    0xd8, 0x2c, 0xeb, 0x8a, 0x75, 0xc5, 0xba, 0x62, 0x5d, 0xb1, 0xae, 0x58, 0x57, 0xac, 0x2b, 0xd6,
    0x35, 0xeb, 0x9a, 0x75, 0xdd, 0x70, 0x09, 0xac, 0x6b, 0xd6, 0x35, 0xeb, 0x9a, 0x75, 0xcd, 0xba,
    0x66, 0x5d, 0xff, 0xd5, 0xfd, 0x02, 0x6c, 0xf8, 0xb8, 0xa7, 0x6e, 0x05, 0x00, 0x00,
};

static const uint8_t body_zlib[146] = {
    0x78, 0x9c, 0x8d, 0xd4, 0x4b, 0x0a, 0xc2, 0x40, 0x14, 0x44, 0xd1, 0xb9, 0xab, 0x78, 0x4b, 0xf0,
    0x55, 0x19, 0x35, 0xcb, 0x09, 0xd2, 0xf9, 0x40, 0x88, 0x81, 0x34, 0x04, 0x5c, 0xbd, 0xb8, 0x01,
    0x6f, 0xcf, 0xef, 0xe8, 0x50, 0xd4, 0xba, 0x6c, 0x25, 0xae, 0xf1, 0x1e, 0xa3, 0xce, 0x25, 0x8e,
    0x7d, 0xd8, 0xce, 0xa1, 0xbe, 0xe6, 0x98, 0x3e, 0xcb, 0x1e, 0xb5, 0x1c, 0xf5, 0xb2, 0xfe, 0x8a,
    0xc4, 0x42, 0x58, 0x18, 0x8b, 0x1b, 0x16, 0x1d, 0x16, 0x77, 0x2c, 0x1e, 0x58, 0x3c, 0xb1, 0xe8,
    0x59, 0xac, 0x01, 0x95, 0x55, 0x93, 0x59, 0x93, 0x5d, 0x93, 0x61, 0x93, 0x65, 0x93, 0x69, 0x93,
    0x6d, 0x93, 0x71, 0x93, 0x75, 0xc5, 0xba, 0x6a, 0xd8, 0x2c, 0xeb, 0x8a, 0x75, 0xc5, 0xba, 0x62,
    0x5d, 0xb1, 0xae, 0x58, 0x57, 0xac, 0x2b, 0xd6, 0x35, 0xeb, 0x9a, 0x75, 0xdd, 0x70, 0x09, 0xac,
    0x6b, 0xd6, 0x35, 0xeb, 0x9a, 0x75, 0xcd, 0xba, 0x66, 0x5d, 0xff, 0xd5, 0xfd, 0x02, 0x57, 0x83,
    0xe5, 0xd8,
};

static const uint8_t body_rawdeflate[140] = {
    0x8d, 0xd4, 0x4b, 0x0a, 0xc2, 0x40, 0x14, 0x44, 0xd1, 0xb9, 0xab, 0x78, 0x4b, 0xf0, 0x55, 0x19,
    0x35, 0xcb, 0x09, 0xd2, 0xf9, 0x40, 0x88, 0x81, 0x34, 0x04, 0x5c, 0xbd, 0xb8, 0x01, 0x6f, 0xcf,
    0xef, 0xe8, 0x50, 0xd4, 0xba, 0x6c, 0x25, 0xae, 0xf1, 0x1e, 0xa3, 0xce, 0x25, 0x8e, 0x7d, 0xd8,
    0xce, 0xa1, 0xbe, 0xe6, 0x98, 0x3e, 0xcb, 0x1e, 0xb5, 0x1c, 0xf5, 0xb2, 0xfe, 0x8a, 0xc4, 0x42,
    0x58, 0x18, 0x8b, 0x1b, 0x16, 0x1d, 0x16, 0x77, 0x2c, 0x1e, 0x58, 0x3c, 0xb1, 0xe8, 0x59, 0xac,
    0x01, 0x95, 0x55, 0x93, 0x59, 0x93, 0x5d, 0x93, 0x61, 0x93, 0x65, 0x93, 0x69, 0x93, 0x6d, 0x93,
    0x71, 0x93, 0x75, 0xc5, 0xba, 0x6a, 0xd8, 0x2c, 0xeb, 0x8a, 0x75, 0xc5, 0xba, 0x62, 0x5d, 0xb1,
    0xae, 0x58, 0x57, 0xac, 0x2b, 0xd6, 0x35, 0xeb, 0x9a, 0x75, 0xdd, 0x70, 0x09, 0xac, 0x6b, 0xd6,
    0x35, 0xeb, 0x9a, 0x75, 0xcd, 0xba, 0x66, 0x5d, 0xff, 0xd5, 0xfd, 0x02,
};


/* ---- recording what the parser emits ----------------------------------------------------- */

#define MAX_REC 64

struct rec {
	int kind, dir, status, state;
	uint32_t tx_id;
	uint16_t port, n_req_headers, n_resp_headers;
	char method[16], uri_raw[256], uri[256], protocol[16], host[64], user_agent[64];
	char referer[64], cookie[64], ctype_req[64], ctype[64], status_msg[64], location[64];
	char hdr0_name[32], hdr0_value[64], req_raw_head[32], resp_raw_head[32];
	/* every header's name and value, "name=value;" joined, both directions */
	char req_hdr_all[1024], resp_hdr_all[1024];
	char req_body[64], resp_body[64];
	uint64_t req_body_len, resp_body_len, size;
	size_t req_kept, resp_kept;
	bool req_truncated, resp_truncated;
	char name[64], md5[33], sha1[41], sha256[65];
	char resp_protocol[16];
	bool gaps;          /* a file's app_file.gaps */
	int keep;           /* a file's app_file.keep */
	size_t content_len; /* a file's app_file.content.len */
	char content[64];   /* its first bytes */
};

struct recorder {
	struct rec r[MAX_REC];
	int n, total;
};

static void
cp(char *dst, size_t size, struct app_buf b)
{
	size_t n = b.len < size - 1 ? b.len : size - 1;

	if (n > 0)
		memcpy(dst, b.p, n);
	dst[n] = '\0';
}

static void
on_msg(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	struct recorder *rc = arg;
	struct rec *r;

	(void)f;
	rc->total++;
	if (rc->n >= MAX_REC)
		return;
	r = &rc->r[rc->n++];
	memset(r, 0, sizeof(*r));
	r->kind = m->kind;
	r->dir = m->dir;
	if (m->kind == APP_MSG_HTTP) {
		const struct app_http_txn *t = m->u.http;
		r->tx_id = t->tx_id;
		cp(r->method, sizeof(r->method), t->method);
		cp(r->uri_raw, sizeof(r->uri_raw), t->uri_raw);
		cp(r->uri, sizeof(r->uri), t->uri);
		cp(r->protocol, sizeof(r->protocol), t->protocol);
		cp(r->resp_protocol, sizeof(r->resp_protocol), t->resp_protocol);
		cp(r->host, sizeof(r->host), t->host);
		r->port = t->port;
		cp(r->user_agent, sizeof(r->user_agent), t->user_agent);
		cp(r->referer, sizeof(r->referer), t->referer);
		cp(r->cookie, sizeof(r->cookie), t->cookie);
		cp(r->ctype_req, sizeof(r->ctype_req), t->content_type_req);
		cp(r->ctype, sizeof(r->ctype), t->content_type);
		cp(r->status_msg, sizeof(r->status_msg), t->status_msg);
		cp(r->location, sizeof(r->location), t->location);
		r->status = t->status;
		r->n_req_headers = t->n_req_headers;
		r->n_resp_headers = t->n_resp_headers;
		for (int d = 0; d < 2; d++) {
			const struct app_http_header *h = d == 0 ? t->req_headers : t->resp_headers;
			uint16_t nh = d == 0 ? t->n_req_headers : t->n_resp_headers;
			char *all = d == 0 ? r->req_hdr_all : r->resp_hdr_all;
			size_t o = 0;

			for (uint16_t k = 0; k < nh && o + 2 < sizeof(r->req_hdr_all); k++)
				o += (size_t)snprintf(all + o, sizeof(r->req_hdr_all) - o, "%.*s=%.*s;",
						      (int)h[k].name.len, (const char *)h[k].name.p,
						      (int)h[k].value.len, (const char *)h[k].value.p);
		}
		if (t->n_req_headers > 0) {
			cp(r->hdr0_name, sizeof(r->hdr0_name), t->req_headers[0].name);
			cp(r->hdr0_value, sizeof(r->hdr0_value), t->req_headers[0].value);
		}
		cp(r->req_raw_head, sizeof(r->req_raw_head), t->req_headers_raw);
		cp(r->resp_raw_head, sizeof(r->resp_raw_head), t->resp_headers_raw);
		cp(r->req_body, sizeof(r->req_body), t->req_body);
		cp(r->resp_body, sizeof(r->resp_body), t->resp_body);
		r->req_body_len = t->req_body_len;
		r->resp_body_len = t->resp_body_len;
		r->req_kept = t->req_body.len;
		r->resp_kept = t->resp_body.len;
		r->req_truncated = t->req_truncated;
		r->resp_truncated = t->resp_truncated;
	} else if (m->kind == APP_MSG_FILE) {
		const struct app_file *fl = m->u.file;
		r->tx_id = fl->tx_id;
		cp(r->name, sizeof(r->name), fl->name);
		cp(r->ctype, sizeof(r->ctype), fl->content_type);
		r->size = fl->size;
		r->state = fl->state;
		r->gaps = fl->gaps;
		r->keep = fl->keep;
		r->content_len = fl->content.len;
		cp(r->content, sizeof(r->content), fl->content);
		memcpy(r->md5, fl->md5, sizeof(r->md5));
		memcpy(r->sha1, fl->sha1, sizeof(r->sha1));
		memcpy(r->sha256, fl->sha256, sizeof(r->sha256));
		if (fl->txn == NULL || fl->txn->tx_id != fl->tx_id)
			r->state = -1;
	}
}

/* ---- feeding a connection ---------------------------------------------------------------- */

struct conn {
	struct app_stats st;
	struct app_ctx ctx;
	struct recorder rc;
	void *state;
	char anoms[2048]; /* the anomaly names raised, each followed by ' ' */
};

static void
on_anomaly(void *arg, struct sw_flow *f, enum flow_dir dir, int proto, const char *event,
	   uint32_t tx_id, bool has_tx)
{
	struct conn *c = (struct conn *)((char *)arg - offsetof(struct conn, rc));
	size_t n = strlen(c->anoms);

	(void)f, (void)dir, (void)proto, (void)tx_id, (void)has_tx;
	if (n + strlen(event) + 2 < sizeof(c->anoms))
		snprintf(c->anoms + n, sizeof(c->anoms) - n, "%s ", event);
}

/* Whether anomaly name was raised. */
static bool
anom_has(const struct conn *c, const char *name)
{
	char key[128];

	snprintf(key, sizeof(key), "%s ", name);
	return strstr(c->anoms, key) != NULL;
}

static bool conn_body_keep = true; /* app_ctx.body_keep of the connections opened */

static void
conn_open(struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->ctx.emit = on_msg;
	c->ctx.arg = &c->rc;
	c->ctx.st = &c->st;
	c->ctx.file_hashes = APP_HASH_MD5 | APP_HASH_SHA1 | APP_HASH_SHA256;
	c->ctx.anomaly = on_anomaly;
	c->ctx.body_keep = conn_body_keep;
	c->state = app_parser_http.state_new(NULL);
}

static void
conn_feed(struct conn *c, enum flow_dir dir, const void *data, size_t len, size_t step)
{
	const uint8_t *p = data;
	size_t off = 0;

	while (off < len) {
		size_t n = step == 0 ? len - off : step;
		if (n > len - off)
			n = len - off;
		app_parser_http.stream(&c->ctx, c->state, dir, p + off, n, 0);
		off += n;
	}
}

/* Random split sizes (1..max) from a fixed LCG. */
static void
conn_feed_random(struct conn *c, enum flow_dir dir, const uint8_t *p, size_t len, uint32_t *seed,
                 size_t max)
{
	size_t off = 0;

	while (off < len) {
		size_t n;
		*seed = *seed * 1103515245u + 12345u;
		n = 1 + (*seed >> 8) % max;
		if (n > len - off)
			n = len - off;
		app_parser_http.stream(&c->ctx, c->state, dir, p + off, n, 0);
		off += n;
	}
}

static void
conn_feed_str(struct conn *c, enum flow_dir dir, const char *s)
{
	conn_feed(c, dir, s, strlen(s), 0);
}

static void
conn_end(struct conn *c)
{
	app_parser_http.flow_end(&c->ctx, c->state);
	app_parser_http.state_free(c->state);
	c->state = NULL;
}

/* A text summary of everything recorded, to compare chunkings. */
static void
summary(const struct recorder *rc, char *out, size_t size)
{
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < rc->n && o < size; i++) {
		const struct rec *r = &rc->r[i];
		int n = snprintf(out + o, size - o,
		                 "%d|%d|%u|%s|%s|%s|%s|%s|%u|%s|%d|%s|%s|%llu|%llu|%d%d|%s|%s|%u|%u|%s|"
		                 "%s|%llu|%d|%s|%s|%s\n",
		                 r->kind, r->dir, r->tx_id, r->method, r->uri_raw, r->uri, r->protocol,
		                 r->host, r->port, r->user_agent, r->status, r->status_msg, r->ctype,
		                 (unsigned long long)r->req_body_len,
		                 (unsigned long long)r->resp_body_len, r->req_truncated,
		                 r->resp_truncated, r->req_raw_head, r->resp_raw_head, r->n_req_headers,
		                 r->n_resp_headers, r->resp_body, r->name, (unsigned long long)r->size,
		                 r->state, r->md5, r->sha1, r->sha256);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

/* ---- a small pcap reader: TCP payload of each direction of each connection ---------------- */

#define MAX_DIRS 16

struct pdir {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t isn;
	bool have_isn;
	uint8_t *data;
	size_t len, cap;
};

struct pcap_streams {
	struct pdir d[MAX_DIRS];
	int n;
};

static uint32_t
rd32(const uint8_t *p, bool swap)
{
	return swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	            : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct pdir *
pdir_get(struct pcap_streams *ps, const uint8_t *src, const uint8_t *dst, uint16_t sp, uint16_t dp)
{
	int i;

	for (i = 0; i < ps->n; i++) {
		struct pdir *d = &ps->d[i];
		if (d->sport == sp && d->dport == dp && memcmp(d->src, src, 16) == 0 &&
		    memcmp(d->dst, dst, 16) == 0)
			return d;
	}
	if (ps->n >= MAX_DIRS)
		return NULL;
	struct pdir *d = &ps->d[ps->n++];
	memcpy(d->src, src, 16);
	memcpy(d->dst, dst, 16);
	d->sport = sp;
	d->dport = dp;
	return d;
}

static void
pdir_put(struct pdir *d, uint32_t seq, uint8_t flags, const uint8_t *pay, size_t n)
{
	size_t rel;

	if (flags & 0x02) {
		d->isn = seq + 1;
		d->have_isn = true;
		return;
	}
	if (n == 0 || !d->have_isn)
		return;
	rel = (uint32_t)(seq - d->isn);
	if (rel + n > (64u << 20))
		return;
	if (rel + n > d->cap) {
		size_t cap = d->cap ? d->cap : 65536;
		while (cap < rel + n)
			cap *= 2;
		d->data = realloc(d->data, cap);
		memset(d->data + d->cap, 0, cap - d->cap);
		d->cap = cap;
	}
	memcpy(d->data + rel, pay, n);
	if (rel + n > d->len)
		d->len = rel + n;
}

static int
pcap_read(const char *name, struct pcap_streams *ps)
{
	const char *top = getenv("top_srcdir");
	char path[512];
	uint8_t *buf;
	long size;
	size_t off = 24;
	uint32_t linktype;
	bool swap;
	FILE *fp;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "%s/pcaps/%s", top != NULL ? top : ".", name);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)size);
	if (buf == NULL || fread(buf, 1, (size_t)size, fp) != (size_t)size || size < 24) {
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	swap = buf[0] == 0xa1 || buf[0] == 0xa2; /* big-endian file */
	linktype = rd32(buf + 20, swap);
	while (off + 16 <= (size_t)size) {
		uint32_t caplen = rd32(buf + off + 8, swap);
		const uint8_t *pkt = buf + off + 16, *ip, *tcp;
		uint8_t src[16] = {0}, dst[16] = {0};
		size_t iplen, l4len, doff;
		uint16_t et;
		off += 16;
		if (caplen > (size_t)size - off)
			break;
		off += caplen;
		if (linktype == 1 && caplen >= 14) {
			et = be16(pkt + 12);
			ip = pkt + 14;
			iplen = caplen - 14;
		} else if (linktype == 113 && caplen >= 16) {
			et = be16(pkt + 14);
			ip = pkt + 16;
			iplen = caplen - 16;
		} else {
			continue;
		}
		if (et == 0x0800 && iplen >= 20 && ip[9] == 6) {
			size_t ihl = (size_t)(ip[0] & 15) * 4, tl = be16(ip + 2);
			if (tl > iplen || ihl > tl)
				continue;
			memcpy(src, ip + 12, 4);
			memcpy(dst, ip + 16, 4);
			tcp = ip + ihl;
			l4len = tl - ihl;
		} else if (et == 0x86dd && iplen >= 40 && ip[6] == 6) {
			size_t pl = be16(ip + 4);
			if (pl + 40 > iplen)
				continue;
			memcpy(src, ip + 8, 16);
			memcpy(dst, ip + 24, 16);
			tcp = ip + 40;
			l4len = pl;
		} else {
			continue;
		}
		if (l4len < 20 || (doff = (size_t)(tcp[12] >> 4) * 4) > l4len)
			continue;
		struct pdir *d = pdir_get(ps, src, dst, be16(tcp), be16(tcp + 2));
		if (d != NULL)
			pdir_put(d, be32(tcp + 4), tcp[13], tcp + doff, l4len - doff);
	}
	free(buf);
	return 0;
}

static void
pcap_streams_free(struct pcap_streams *ps)
{
	int i;

	for (i = 0; i < ps->n; i++)
		free(ps->d[i].data);
}

/* The direction of ps from client port cport to the server (to_server) or back. */
static const struct pdir *
pdir_find(const struct pcap_streams *ps, uint16_t cport, bool to_server)
{
	int i;

	for (i = 0; i < ps->n; i++)
		if ((to_server ? ps->d[i].sport : ps->d[i].dport) == cport)
			return &ps->d[i];
	return NULL;
}

/* Feeds a connection: the whole request side, then the response side, in steps. */
static int
feed_pcap_conn(struct conn *c, const struct pcap_streams *ps, uint16_t cport, int mode,
               uint32_t *seed)
{
	const struct pdir *cs = pdir_find(ps, cport, true), *sc = pdir_find(ps, cport, false);

	if (cs == NULL || sc == NULL)
		return -1;
	conn_open(c);
	if (mode == 0) {
		conn_feed(c, FLOW_TO_SERVER, cs->data, cs->len, 0);
		conn_feed(c, FLOW_TO_CLIENT, sc->data, sc->len, 0);
	} else if (mode == 1) {
		conn_feed(c, FLOW_TO_SERVER, cs->data, cs->len, 1);
		conn_feed(c, FLOW_TO_CLIENT, sc->data, sc->len, 1);
	} else {
		conn_feed_random(c, FLOW_TO_SERVER, cs->data, cs->len, seed, 40);
		conn_feed_random(c, FLOW_TO_CLIENT, sc->data, sc->len, seed, 3000);
	}
	app_parser_http.flow_end(&c->ctx, c->state);
	return 0;
}

/* ---- recorded traffic -------------------------------------------------------------------- */

struct want_txn {
	uint16_t cport;
	const char *method, *uri;
	int status;
	const char *ctype;
	uint64_t resp_len;
	const char *md5, *sha1, *sha256, *name;
};

#define INDEX_MD5    "a0692ec9b18e3225342483f8ca35ed73"
#define INDEX_SHA1   "15c72ee65dc57b6d5233d616fe9f7b6b4cfd2cb8"
#define INDEX_SHA256 "1207ed0fb94d87812691dc7ec1bfe8eea4660e83fa255ad9b0bc0fc7e35088e9"
#define DATA_MD5     "403ccf89c608d9c7ce71e955f706ec5a"
#define DATA_SHA1    "d9e4665d9f7225415aa7da21828b3cb741b1eba3"
#define DATA_SHA256  "c58ffb74399bfcea70d9b333d6cbf8cefd3d483cc8cc675b0c57f18128a448a7"

static const struct want_txn want_http[] = {
    {47498, "GET", "/index.html", 200, "text/html", 131, INDEX_MD5, INDEX_SHA1, INDEX_SHA256,
     "index.html"},
    {47510, "GET", "/data.bin", 200, "application/octet-stream", 102400, DATA_MD5, DATA_SHA1,
     DATA_SHA256, "data.bin"},
    {47524, "GET", "/missing.html", 404, "text/html", 146, "8eec510e57f5f732fd2cce73df7b73ef",
     "3c0af39ecb3753c5fee3b53d063c7286019eac3b",
     "55f7d9e99b8e2d4e0e193b2f0275501e6d9c1ebd29cadbea6a0da48a8587e3e0", "missing.html"},
    {47538, "POST", "/index.html", 405, "text/html", 150, "1858899995d46bf1ba568aa7f11761dc",
     "b23ed1b60427a697aaba8a8ddbed3be232eeb777",
     "dace2a571c147da773724738bb0b80d39c430cce12f770210d8f270e958db773", "index.html"},
};

static void
test_pcap_http(void)
{
	struct pcap_streams ps;
	struct conn c;
	size_t i;
	char name[128];

	UNIT_CHECK(pcap_read("http.pcap", &ps) == 0 && ps.n == 10, "http.pcap read: 10 directions");
	for (i = 0; i < sizeof(want_http) / sizeof(want_http[0]); i++) {
		const struct want_txn *w = &want_http[i];
		bool post = strcmp(w->method, "POST") == 0;
		int nfile = post ? 2 : 1, k;
		const struct rec *t, *f;
		if (feed_pcap_conn(&c, &ps, w->cport, 0, NULL) != 0) {
			UNIT_CHECK(0, "connection found");
			continue;
		}
		snprintf(name, sizeof(name), "%s %s: txn + %d file(s)", w->method, w->uri, nfile);
		UNIT_CHECK(c.rc.n == 1 + nfile, name);
		t = &c.rc.r[0];
		UNIT_CHECK(t->kind == APP_MSG_HTTP && t->dir == FLOW_TO_SERVER && t->tx_id == 0,
		           "txn message");
		UNIT_CHECK_STR(t->method, w->method, "method");
		UNIT_CHECK_STR(t->uri, w->uri, "uri");
		UNIT_CHECK_STR(t->uri_raw, w->uri, "uri raw");
		UNIT_CHECK_STR(t->protocol, "HTTP/1.1", "protocol");
		UNIT_CHECK_STR(t->host, "demo.example", "host without port");
		UNIT_CHECK(t->port == 18080, "port from Host");
		UNIT_CHECK_STR(t->user_agent, "spanwatch-test/1.0", "user agent");
		UNIT_CHECK(t->status == w->status, "status");
		UNIT_CHECK_STR(t->status_msg, w->status == 200 ? "OK" : w->status == 404 ? "Not Found" : "Not Allowed", "status message");
		UNIT_CHECK_STR(t->ctype, w->ctype, "response content type");
		UNIT_CHECK(t->resp_body_len == w->resp_len, "response body length");
		UNIT_CHECK(t->resp_kept == (w->resp_len < (16u << 10) ? w->resp_len : (16u << 10)),
			   "response body kept up to the 16 KiB depth");
		UNIT_CHECK(!t->req_truncated && !t->resp_truncated, "not truncated");
		UNIT_CHECK_STR(t->hdr0_name, "Host", "first request header name, case kept");
		UNIT_CHECK_STR(t->hdr0_value, "demo.example:18080", "first request header value");
		UNIT_CHECK(strncmp(t->req_raw_head, "Host: demo.example", 18) == 0,
		           "raw request headers start after the request line");
		UNIT_CHECK(strncmp(t->resp_raw_head, "Server: nginx\r\n", 15) == 0,
		           "raw response headers");
		if (post) {
			UNIT_CHECK_STR(t->ctype_req, "application/x-www-form-urlencoded",
			               "request content type");
			UNIT_CHECK(t->req_body_len == 23, "request body length");
			UNIT_CHECK_STR(t->req_body, "name=spanwatch&value=42", "request body");
			f = &c.rc.r[1];
			UNIT_CHECK(f->kind == APP_MSG_FILE && f->dir == FLOW_TO_SERVER && f->size == 23,
			           "request body file");
			UNIT_CHECK_STR(f->sha256,
			               "26780d60129bd45784f30476c32f8079dac734b56baa5bc0685111cdd7dd9a3e",
			               "request body sha256");
			UNIT_CHECK_STR(f->md5, "40a4965cfd5614ce1e94a6657a0e2825", "request body md5");
			UNIT_CHECK_STR(f->ctype, "application/x-www-form-urlencoded",
			               "request file content type");
		}
		k = nfile;
		f = &c.rc.r[k];
		UNIT_CHECK(f->kind == APP_MSG_FILE && f->dir == FLOW_TO_CLIENT, "response file");
		UNIT_CHECK_STR(f->name, w->name, "file name from the URI");
		UNIT_CHECK_STR(f->ctype, w->ctype, "file content type");
		UNIT_CHECK(f->size == w->resp_len && f->state == APP_FILE_COMPLETE, "file size, complete");
		UNIT_CHECK_STR(f->md5, w->md5, "file md5");
		UNIT_CHECK_STR(f->sha1, w->sha1, "file sha1");
		UNIT_CHECK_STR(f->sha256, w->sha256, "file sha256");
		UNIT_CHECK(sw_counter_get(&c.st.messages[APP_HTTP]) == 1 &&
		           sw_counter_get(&c.st.errors[APP_HTTP]) == 0,
		           "one message, no error");
		conn_end(&c);
	}

	/* keep-alive: two GETs on one connection */
	if (feed_pcap_conn(&c, &ps, 47542, 0, NULL) == 0) {
		UNIT_CHECK(c.rc.n == 4, "keep-alive: 2 txns + 2 files");
		UNIT_CHECK(c.rc.r[0].kind == APP_MSG_HTTP && c.rc.r[0].tx_id == 0 &&
		               strcmp(c.rc.r[0].uri, "/index.html") == 0,
		           "keep-alive: first txn");
		UNIT_CHECK_STR(c.rc.r[1].sha256, INDEX_SHA256, "keep-alive: first file");
		UNIT_CHECK(c.rc.r[2].kind == APP_MSG_HTTP && c.rc.r[2].tx_id == 1 &&
		               strcmp(c.rc.r[2].uri, "/data.bin") == 0 && c.rc.r[2].status == 200,
		           "keep-alive: second txn");
		UNIT_CHECK(c.rc.r[3].tx_id == 1 && c.rc.r[3].size == 102400, "keep-alive: second file");
		UNIT_CHECK_STR(c.rc.r[3].sha256, DATA_SHA256, "keep-alive: second file sha256");
		UNIT_CHECK(sw_counter_get(&c.st.messages[APP_HTTP]) == 2, "keep-alive: 2 messages");
		UNIT_CHECK(c.rc.r[2].resp_kept == (16u << 10), "keep-alive: 16 KiB of the body kept");
		conn_end(&c);
	}
	/* the same with no rule reading bodies (body_keep off): nothing kept, the same hashes */
	conn_body_keep = false;
	if (feed_pcap_conn(&c, &ps, 47542, 1, NULL) == 0) {
		UNIT_CHECK(c.rc.n == 4 && c.rc.r[2].resp_kept == 0 &&
		               c.rc.r[2].resp_body_len == 102400,
		           "body_keep off: the body is counted, not kept");
		UNIT_CHECK_STR(c.rc.r[3].sha256, DATA_SHA256, "body_keep off: the same sha256");
		conn_end(&c);
	}
	conn_body_keep = true;

	/* every connection gives the same results in 1-byte and random chunks */
	{
		static const uint16_t ports[] = {47498, 47510, 47524, 47538, 47542};
		static char a[16384], b[16384];
		uint32_t seed = 12345;
		bool same1 = true, samer = true;
		for (i = 0; i < 5; i++) {
			int mode;
			for (mode = 0; mode < 3; mode++) {
				if (feed_pcap_conn(&c, &ps, ports[i], mode, &seed) != 0)
					continue;
				summary(&c.rc, mode == 0 ? a : b, sizeof(a));
				conn_end(&c);
				if (mode == 1 && strcmp(a, b) != 0)
					same1 = false;
				if (mode == 2 && strcmp(a, b) != 0)
					samer = false;
			}
		}
		UNIT_CHECK(same1, "pcap streams in 1-byte chunks: identical results");
		UNIT_CHECK(samer, "pcap streams in random chunks: identical results");
	}
	pcap_streams_free(&ps);
}

static void
test_pcap_loss(void)
{
	struct pcap_streams ps;
	struct conn c;

	if (pcap_read("loss-http.pcap", &ps) != 0 || feed_pcap_conn(&c, &ps, 52774, 2,
	                                                           &(uint32_t){7}) != 0) {
		UNIT_CHECK(0, "loss-http.pcap read");
		pcap_streams_free(&ps);
		return;
	}
	UNIT_CHECK(c.rc.n == 2, "loss-http: txn + file");
	UNIT_CHECK(c.rc.r[0].resp_body_len == 4194304 && c.rc.r[0].resp_kept == (16u << 10),
	           "loss-http: 4 MiB counted, first 16 KiB kept");
	UNIT_CHECK(!c.rc.r[0].resp_truncated, "loss-http: past the depth is not truncated");
	UNIT_CHECK_STR(c.rc.r[1].sha256,
	               "481b640ee39c41187e20b47efbbc44eea6d6389d8d05b877c0ac894aef895391",
	               "loss-http: sha256 of big.bin (pcaps/loss-http.sha256)");
	UNIT_CHECK_STR(c.rc.r[1].name, "big.bin", "loss-http: file name");
	conn_end(&c);
	pcap_streams_free(&ps);
}

/* ---- crafted ----------------------------------------------------------------------------- */

static void
test_pipelining(void)
{
	struct conn c;

	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER,
	              "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	              "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
	              "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
	UNIT_CHECK(c.rc.n == 0, "pipelining: nothing before the responses");
	conn_feed_str(&c, FLOW_TO_CLIENT,
	              "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
	              "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nBB"
	              "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	UNIT_CHECK(c.rc.n == 6, "pipelining: 3 txns, 3 files");
	UNIT_CHECK(strcmp(c.rc.r[0].uri, "/a") == 0 && c.rc.r[0].status == 200 &&
	               strcmp(c.rc.r[0].resp_body, "A") == 0,
	           "pipelining: /a matched with 200");
	UNIT_CHECK(c.rc.r[1].kind == APP_MSG_FILE && strcmp(c.rc.r[1].name, "a") == 0,
	           "pipelining: file a");
	UNIT_CHECK(strcmp(c.rc.r[2].uri, "/b") == 0 && c.rc.r[2].status == 201 &&
	               strcmp(c.rc.r[2].req_body, "hello") == 0 &&
	               strcmp(c.rc.r[2].status_msg, "Created") == 0,
	           "pipelining: /b matched with 201");
	UNIT_CHECK(c.rc.r[3].dir == FLOW_TO_SERVER && c.rc.r[4].dir == FLOW_TO_CLIENT,
	           "pipelining: request file then response file");
	UNIT_CHECK(c.rc.r[5].tx_id == 2 && strcmp(c.rc.r[5].uri, "/c") == 0 &&
	               c.rc.r[5].status == 404,
	           "pipelining: /c matched with 404");
	conn_end(&c);
}

static void
test_chunked(void)
{
	struct conn c;
	int step;

	for (step = 0; step <= 1; step++) {
		conn_open(&c);
		conn_feed_str(&c, FLOW_TO_SERVER, "GET /wiki HTTP/1.1\r\nHost: x\r\n\r\n");
		conn_feed(&c, FLOW_TO_CLIENT,
		          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
		          "4;name=value\r\nWiki\r\n5 ; ext\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
		          "0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n"
		          "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		          strlen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: "
		                 "text/plain\r\n\r\n4;name=value\r\nWiki\r\n5 ; ext\r\npedia\r\nE\r\n "
		                 "in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n"
		                 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		          step);
		UNIT_CHECK(c.rc.n == 3, step ? "chunked 1-byte: txn + file + orphan" : "chunked: txn + file + orphan");
		UNIT_CHECK(c.rc.r[0].resp_body_len == 23 &&
		               strcmp(c.rc.r[0].resp_body, "Wikipedia in\r\n\r\nchunks.") == 0,
		           "chunked: dechunked body with extensions and trailers");
		UNIT_CHECK_STR(c.rc.r[1].sha256,
		               "3461c519a9b3939c702729f6440b85de20f8d03d1da9aa32d82215bc689e7b4d",
		               "chunked: hash of the dechunked body");
		UNIT_CHECK(sw_counter_get(&c.st.errors[APP_HTTP]) == 0, "chunked: no error");
		UNIT_CHECK(c.rc.r[2].kind == APP_MSG_HTTP && c.rc.r[2].status == 200 &&
		               c.rc.r[2].method[0] == '\0' && c.rc.r[2].tx_id == 1,
		           "chunked: a response without request is a txn of its own");
		conn_end(&c);
		UNIT_CHECK(c.rc.total == 3, "chunked: nothing more at flow end");
	}
}

static void
feed_encoded(struct conn *c, const char *coding, const uint8_t *body, size_t len, size_t step)
{
	char hdr[256];

	conn_open(c);
	conn_feed_str(c, FLOW_TO_SERVER, "GET /z/file.txt?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	snprintf(hdr, sizeof(hdr),
	         "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", coding,
	         len);
	conn_feed_str(c, FLOW_TO_CLIENT, hdr);
	conn_feed(c, FLOW_TO_CLIENT, body, len, step);
}

static void
test_encodings(void)
{
	static const struct {
		const char *coding;
		const uint8_t *body;
		size_t len;
	} cases[] = {
	    {"gzip", body_gzip, sizeof(body_gzip)},
	    {"deflate", body_zlib, sizeof(body_zlib)},
	    {"deflate", body_rawdeflate, sizeof(body_rawdeflate)},
	};
	struct conn c;
	char name[96];
	size_t i, step;

	for (i = 0; i < 3; i++) {
		for (step = 0; step <= 1; step++) {
			feed_encoded(&c, cases[i].coding, cases[i].body, cases[i].len, step);
			snprintf(name, sizeof(name), "%s case %zu step %zu: decoded and hashed",
			         cases[i].coding, i, step);
			UNIT_CHECK(c.rc.n == 2 && c.rc.r[0].resp_body_len == GZ_PLAIN_LEN &&
			               c.rc.r[1].size == GZ_PLAIN_LEN &&
			               strcmp(c.rc.r[1].sha256, GZ_PLAIN_SHA256) == 0 &&
			               strcmp(c.rc.r[1].md5, GZ_PLAIN_MD5) == 0,
			           name);
			UNIT_CHECK(strncmp(c.rc.r[0].resp_body, "line 0 of the spanwatch", 23) == 0,
			           "decoded first bytes kept");
			UNIT_CHECK_STR(c.rc.r[1].name, "file.txt", "file name before the query");
			conn_end(&c);
		}
	}
	/* not a deflate stream at all */
	feed_encoded(&c, "gzip", (const uint8_t *)"this is not gzip data", 21, 0);
	UNIT_CHECK(c.rc.n == 2 && c.rc.r[0].resp_truncated && c.rc.r[1].state == APP_FILE_TRUNCATED &&
	               c.rc.r[1].sha256[0] == '\0',
	           "bad gzip: truncated, no hashes");
	UNIT_CHECK(sw_counter_get(&c.st.errors[APP_HTTP]) == 1, "bad gzip: error counted");
	conn_end(&c);
}

static void
test_no_body(void)
{
	struct conn c;

	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER,
	              "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /n HTTP/1.1\r\nHost: x\r\n\r\n"
	              "GET /m HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\"\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT,
	              "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
	              "HTTP/1.1 204 No Content\r\n\r\n"
	              "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n");
	UNIT_CHECK(c.rc.n == 3, "HEAD, 204, 304: three txns, no files");
	UNIT_CHECK(c.rc.r[0].status == 200 && c.rc.r[0].resp_body_len == 0 &&
	               c.rc.r[1].status == 204 && c.rc.r[2].status == 304,
	           "HEAD, 204, 304: statuses, no body");
	conn_end(&c);

	/* 100-continue */
	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER,
	              "PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 100 Continue\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_SERVER, "data");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	UNIT_CHECK(c.rc.n == 2 && c.rc.r[0].status == 201 && c.rc.r[0].req_body_len == 4,
	           "100-continue: the final response, request body");
	UNIT_CHECK(c.rc.r[1].dir == FLOW_TO_SERVER && c.rc.r[1].size == 4 &&
	               strcmp(c.rc.r[1].name, "up") == 0,
	           "100-continue: uploaded file");
	conn_end(&c);

	/* until close, HTTP/1.0 */
	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "GET / HTTP/1.0\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ");
	conn_feed_str(&c, FLOW_TO_CLIENT, "world");
	UNIT_CHECK(c.rc.n == 0, "until close: nothing before the end");
	app_parser_http.stream(&c.ctx, c.state, FLOW_TO_CLIENT, NULL, 0, STREAM_CHUNK_FIN);
	UNIT_CHECK(c.rc.n == 2 && c.rc.r[0].resp_body_len == 11 && !c.rc.r[0].resp_truncated,
	           "until close: complete at FIN");
	UNIT_CHECK_STR(c.rc.r[1].sha256,
	               "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
	               "until close: hash");
	UNIT_CHECK_STR(c.rc.r[0].protocol, "HTTP/1.0", "HTTP/1.0 protocol");
	conn_end(&c);
}

static void
test_gap(void)
{
	struct conn c;

	/* a gap inside a body of known length is skipped: the next response is where it should be */
	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "GET /big.iso HTTP/1.1\r\nHost: x\r\n\r\n"
					  "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
	app_parser_http.stream(&c.ctx, c.state, FLOW_TO_CLIENT, NULL, 50, STREAM_CHUNK_GAP);
	UNIT_CHECK(c.rc.n == 0, "gap in a body: nothing emitted yet");
	conn_feed(&c, FLOW_TO_CLIENT, "0123456789012345678901234567890123456789", 40, 0);
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
	UNIT_CHECK(c.rc.n == 4, "gap in a body: both txns and files");
	UNIT_CHECK(c.rc.r[0].resp_truncated && c.rc.r[0].resp_body_len == 10, "gap: txn truncated");
	UNIT_CHECK(c.rc.r[1].state == APP_FILE_TRUNCATED && c.rc.r[1].md5[0] == '\0' &&
		       c.rc.r[1].sha1[0] == '\0' && c.rc.r[1].sha256[0] == '\0' &&
		       c.rc.r[1].size == 10 && c.rc.r[1].gaps,
		   "gap: file truncated, no hashes, gaps (a hole in its data)");
	UNIT_CHECK(strcmp(c.rc.r[2].uri, "/next") == 0 && c.rc.r[2].status == 200 &&
		       c.rc.r[3].state == APP_FILE_COMPLETE && c.rc.r[3].size == 3 &&
		       !c.rc.r[3].gaps,
		   "gap: the next response matched to the next request (its file without gaps)");
	conn_end(&c);

	/* a gap over a message boundary: the pending transactions go, the direction resyncs at
	 * the next status line */
	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
					  "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123");
	app_parser_http.stream(&c.ctx, c.state, FLOW_TO_CLIENT, NULL, 500, STREAM_CHUNK_GAP);
	UNIT_CHECK(c.rc.n == 3, "gap past a body: txn, file, and the pending txn emitted");
	UNIT_CHECK(c.rc.r[2].status == 0 && strcmp(c.rc.r[2].uri, "/b") == 0,
		   "gap: the pending request without response");
	UNIT_CHECK(anom_has(&c, "http.resync"), "gap: resync anomaly");
	conn_feed_str(&c, FLOW_TO_CLIENT, "tail of something\r\nHTTP/1.1 404 Not Found\r\n"
					  "Content-Length: 2\r\n\r\nno");
	UNIT_CHECK(c.rc.n == 5 && c.rc.r[3].status == 404 && c.rc.r[4].size == 2 &&
		       c.rc.r[4].state == APP_FILE_COMPLETE,
		   "gap: resynced at the next status line");
	conn_end(&c);

	/* connection ends inside a body */
	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
	conn_end(&c);
	UNIT_CHECK(c.rc.n == 2 && c.rc.r[0].req_truncated && c.rc.r[0].status == 0 &&
	               c.rc.r[1].state == APP_FILE_TRUNCATED && !c.rc.r[1].gaps,
	           "flow end inside a request body: truncated, without gaps (no bytes missing)");
}

static void
test_fields(void)
{
	struct conn c;

	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER,
	              "GET /dl?id=3 HTTP/1.1\r\nHOST: WWW.Example.COM\r\nReferer: http://r/\r\n"
	              "Cookie: a=b; c=d\r\nUser-Agent:   ua/1   \r\n\r\n"
	              "GET /dl2 HTTP/1.1\r\nHost: [2001:DB8::1]:8443\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT,
	              "HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"report 1.pdf\"\r\n"
	              "Content-Length: 3\r\n\r\nabc"
	              "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\ncontent-disposition: inline; "
	              "filename=x.bin\r\nContent-Length: 2\r\n\r\nzz");
	UNIT_CHECK(c.rc.n == 4, "fields: 2 txns 2 files");
	UNIT_CHECK_STR(c.rc.r[0].host, "www.example.com", "host lower-cased");
	UNIT_CHECK(c.rc.r[0].port == 0, "no port");
	UNIT_CHECK_STR(c.rc.r[0].referer, "http://r/", "referer");
	UNIT_CHECK_STR(c.rc.r[0].cookie, "a=b; c=d", "cookie");
	UNIT_CHECK_STR(c.rc.r[0].user_agent, "ua/1", "value trimmed");
	UNIT_CHECK_STR(c.rc.r[1].name, "report 1.pdf", "Content-Disposition quoted filename");
	UNIT_CHECK_STR(c.rc.r[2].host, "2001:db8::1", "IPv6 host");
	UNIT_CHECK(c.rc.r[2].port == 8443, "IPv6 host port");
	UNIT_CHECK_STR(c.rc.r[2].location, "/elsewhere", "location");
	UNIT_CHECK_STR(c.rc.r[3].name, "x.bin", "Content-Disposition token filename");
	conn_end(&c);
}

static void
test_uri(void)
{
	static const struct {
		const char *raw, *norm;
	} cases[] = {
	    {"/a/b/c/./../../g", "/a/g"},
	    {"/mid/content=5/../6", "/mid/6"},
	    {"/%7Euser/%41%62c%2e%2E/x", "/~user/Abc../x"},
	    {"/a/%2e%2E/b/%2E/c", "/b/c"},
	    {"/a%2fb%2Fc", "/a%2Fb%2Fc"},
	    {"/../../etc/passwd", "/etc/passwd"},
	    {"/a/./b/../c?q=/../x&y=%41", "/a/c?q=/../x&y=%41"},
	    {"/a/b/..", "/a/"},
	    {"/a/.", "/a/"},
	    {"http://Host:80/x/../y?z", "http://Host:80/y?z"},
	    {"/%zz%4", "/%zz%4"},
	    {"*", "*"},
	    {"/", "/"},
	};
	struct conn c;
	char req[256], name[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conn_open(&c);
		snprintf(req, sizeof(req), "OPTIONS %s HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].raw);
		conn_feed_str(&c, FLOW_TO_SERVER, req);
		conn_end(&c);
		snprintf(name, sizeof(name), "uri %s -> %s", cases[i].raw, cases[i].norm);
		UNIT_CHECK(c.rc.n == 1 && strcmp(c.rc.r[0].uri, cases[i].norm) == 0 &&
		               strcmp(c.rc.r[0].uri_raw, cases[i].raw) == 0,
		           name);
		if (c.rc.n == 1 && strcmp(c.rc.r[0].uri, cases[i].norm) != 0)
			printf("#   got \"%s\"\n", c.rc.r[0].uri);
	}
}

static void
test_malformed(void)
{
	static const char *bad[] = {
	    "GET\r\n\r\n",
	    "GET /x HTTP/2.0\r\n\r\n",
	    "G@T /x HTTP/1.1\r\n\r\n",
	    "GET /x HTTP/1.1\r\nContent-Length: 12x\r\n\r\n",
	    "GET /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
	};
	struct conn c;
	size_t i;
	char name[64];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conn_open(&c);
		conn_feed_str(&c, FLOW_TO_SERVER, bad[i]);
		conn_feed_str(&c, FLOW_TO_SERVER, "GET /after HTTP/1.1\r\n\r\n");
		conn_end(&c);
		snprintf(name, sizeof(name), "malformed request %zu: error counted", i);
		UNIT_CHECK(sw_counter_get(&c.st.errors[APP_HTTP]) >= 1, name);
	}
	/* a bad header line is counted and skipped */
	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "GET /y HTTP/1.1\r\nno colon here\r\nHost: h\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 OK\r\n\r\n");
	conn_end(&c);
	UNIT_CHECK(c.rc.n == 1 && strcmp(c.rc.r[0].host, "h") == 0 && c.rc.r[0].status == 200,
	           "bad header line skipped, status line without code: 200 (Chromium)");
	UNIT_CHECK(sw_counter_get(&c.st.errors[APP_HTTP]) == 2, "two errors counted");
	/* a chunk size that is not hex */
	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "GET /c HTTP/1.1\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT,
	              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n");
	UNIT_CHECK(c.rc.n == 2 && c.rc.r[0].resp_truncated && c.rc.r[1].state == APP_FILE_TRUNCATED,
	           "bad chunk size: truncated");
	conn_end(&c);
}

static void
test_header_limit(void)
{
	struct conn c;
	static char big[20000];
	size_t o;

	o = (size_t)snprintf(big, sizeof(big), "GET /big HTTP/1.1\r\n");
	while (o + 40 < sizeof(big) - 10)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "X-Filler: %030d\r\n", 7);
	conn_open(&c);
	c.ctx.http_header_max = 16384;
	conn_feed(&c, FLOW_TO_SERVER, big, o, 1000);
	conn_feed_str(&c, FLOW_TO_SERVER, "\r\n");
	conn_end(&c);
	UNIT_CHECK(c.rc.n == 0 && sw_counter_get(&c.st.errors[APP_HTTP]) == 1 &&
		       sw_counter_get(&c.st.http_header_too_big) == 1 &&
		       anom_has(&c, "http.header_too_big"),
	           "header block over app.http.header-max: counted, anomaly, nothing emitted");

	/* more than APP_HTTP_MAX_HEADERS headers: the first kept, Host still read */
	o = (size_t)snprintf(big, sizeof(big), "GET /many HTTP/1.1\r\n");
	for (int i = 0; i < 80; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "X-%d: v\r\n", i);
	o += (size_t)snprintf(big + o, sizeof(big) - o, "Host: late\r\n\r\n");
	conn_open(&c);
	conn_feed(&c, FLOW_TO_SERVER, big, o, 0);
	conn_end(&c);
	UNIT_CHECK(c.rc.n == 1 && c.rc.r[0].n_req_headers == APP_HTTP_MAX_HEADERS &&
	               strcmp(c.rc.r[0].host, "late") == 0,
	           "headers past the limit are not kept, Host still read");
	{
		char want[1024];
		size_t w = 0;

		for (int i = 0; i < APP_HTTP_MAX_HEADERS; i++)
			w += (size_t)snprintf(want + w, sizeof(want) - w, "X-%d=v;", i);
		UNIT_CHECK(strcmp(c.rc.r[0].req_hdr_all, want) == 0,
			   "the first APP_HTTP_MAX_HEADERS headers kept in order");
	}

	/* 15, 16, 17 and 40 headers a side (16 fit in the transaction, more move to their own
	 * array): every one kept in order, and memuse back to exactly 0 */
	for (int n = 15; n <= 40; n = n == 17 ? 40 : n + 1) {
		struct sw_memcap mem;
		char want_req[1024], want_resp[1024];
		size_t wq = 0, wr = 0;

		o = (size_t)snprintf(big, sizeof(big), "GET /n HTTP/1.1\r\n");
		for (int i = 0; i < n; i++) {
			o += (size_t)snprintf(big + o, sizeof(big) - o, "Q-%d: %d\r\n", i, i * 3);
			wq += (size_t)snprintf(want_req + wq, sizeof(want_req) - wq, "Q-%d=%d;", i, i * 3);
		}
		o += (size_t)snprintf(big + o, sizeof(big) - o, "\r\n");
		conn_open(&c);
		app_parser_http.state_free(c.state);
		memset(&mem, 0, sizeof(mem));
		c.state = app_parser_http.state_new(&mem);
		conn_feed(&c, FLOW_TO_SERVER, big, o, 0);
		o = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
		wr += (size_t)snprintf(want_resp, sizeof(want_resp), "Content-Length=2;");
		for (int i = 1; i < n; i++) {
			o += (size_t)snprintf(big + o, sizeof(big) - o, "R-%d: r%d\r\n", i, i);
			wr += (size_t)snprintf(want_resp + wr, sizeof(want_resp) - wr, "R-%d=r%d;", i, i);
		}
		o += (size_t)snprintf(big + o, sizeof(big) - o, "\r\nok");
		conn_feed(&c, FLOW_TO_CLIENT, big, o, 7);
		conn_end(&c);
		/* the transaction, then its file */
		UNIT_CHECK(c.rc.n == 2 && c.rc.r[0].kind == APP_MSG_HTTP &&
				   c.rc.r[0].n_req_headers == n &&
				   c.rc.r[0].n_resp_headers == n &&
				   strcmp(c.rc.r[0].req_hdr_all, want_req) == 0 &&
				   strcmp(c.rc.r[0].resp_hdr_all, want_resp) == 0,
			   n <= 16 ? "headers that fit the transaction's slots, in order"
				   : "headers past the transaction's slots, all in order");
		UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "headers: app memuse back to exactly 0");
	}
}

static void
test_probe(void)
{
	const uint8_t *req = (const uint8_t *)"GET / HTTP/1.1\r\n";
	const uint8_t *other = (const uint8_t *)"PROPFIND /x HTTP/1.1\r\n";

	UNIT_CHECK(app_parser_http.probe(req, 16, FLOW_TO_SERVER), "probe: GET request");
	UNIT_CHECK(app_parser_http.probe(other, 22, FLOW_TO_SERVER), "probe: other method");
	UNIT_CHECK(!app_parser_http.probe((const uint8_t *)"SSH-2.0-Open", 12, FLOW_TO_SERVER),
	           "probe: not SSH");
	UNIT_CHECK(app_parser_http.probe((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, FLOW_TO_CLIENT),
	           "probe: status line");
	UNIT_CHECK(app_parser_http.probe((const uint8_t *)"HTTP/1.1 2x0 OK", 15, FLOW_TO_CLIENT),
	           "probe: an odd status line is still one (Chromium reads it)");
	UNIT_CHECK(!app_parser_http.probe((const uint8_t *)"HTTX/1.1 200 OK", 15, FLOW_TO_CLIENT),
	           "probe: not a status line");
	UNIT_CHECK(app_parser_http.probe(req, 16, FLOW_TO_CLIENT),
		   "probe: a request to the client (a flow picked up mid-connection, turned around)");
	UNIT_CHECK(strcmp(app_parser_http.name, "http") == 0 && app_parser_http.id == APP_HTTP &&
	               app_parser_http.datagram == NULL,
	           "ops table");
	app_parser_http.state_free(NULL);
}


/* ---- evasion constructs, read as Chromium reads them --------------------------------------- */

#include <brotli/encode.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

static char ev_plain[1400];
static size_t ev_plain_len;

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char h[32];
	unsigned int hl = 0;

	EVP_Digest(p, n, h, &hl, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* zlib formats: wbits 15 zlib, -15 raw, 31 gzip */
static size_t
enc_z(const void *in, size_t n, uint8_t *out, size_t cap, int wbits)
{
	z_stream z;
	size_t got;

	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	got = cap - z.avail_out;
	deflateEnd(&z);
	return got;
}

static size_t
enc_br(const void *in, size_t n, uint8_t *out, size_t cap)
{
	size_t got = cap;

	BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, n, in, &got, out);
	return got;
}

static size_t
enc_zstd(const void *in, size_t n, uint8_t *out, size_t cap)
{
	return ZSTD_compress(out, cap, in, n, 3);
}

/* gzip member with optional fields (flg), a wrong CRC when bad_crc, no trailer when !trailer */
static size_t
enc_gzip_fields(const void *in, size_t n, uint8_t *out, size_t cap, uint8_t flg, bool bad_crc,
		bool trailer)
{
	size_t o = 0;
	uint32_t crc = (uint32_t)crc32(0, in, (uInt)n);

	const uint8_t head[10] = {0x1f, 0x8b, 8, flg, 0, 0, 0, 0, 0, 3};
	memcpy(out, head, 10);
	o = 10;
	if (flg & 0x04) {
		memcpy(out + o, "\x04\x00XYZW", 6);
		o += 6;
	}
	if (flg & 0x08) {
		memcpy(out + o, "name.txt", 9);
		o += 9;
	}
	if (flg & 0x10) {
		memcpy(out + o, "a comment", 10);
		o += 10;
	}
	if (flg & 0x02) {
		memcpy(out + o, "\x12\x34", 2);
		o += 2;
	}
	o += enc_z(in, n, out + o, cap - o, -15);
	if (bad_crc)
		crc ^= 0xffffffffu;
	if (trailer) {
		for (int i = 0; i < 4; i++)
			out[o++] = (uint8_t)(crc >> (8 * i));
		for (int i = 0; i < 4; i++)
			out[o++] = (uint8_t)(n >> (8 * i));
	}
	return o;
}

/* body as chunks of size step, each size line pre + hex size + post ("" "\r\n") */
static size_t
enc_chunked(const void *in, size_t n, char *out, size_t cap, size_t step, const char *pre,
	    const char *post, const char *last)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += step) {
		size_t k = n - i < step ? n - i : step;
		o += (size_t)snprintf(out + o, cap - o, "%s%zx%s", pre, k, post);
		memcpy(out + o, (const char *)in + i, k);
		o += k;
		memcpy(out + o, "\r\n", 2);
		o += 2;
	}
	o += (size_t)snprintf(out + o, cap - o, "%s", last);
	return o;
}

struct ev_case {
	const char *name;
	char resp[8192];
	size_t len;
	const char *want; /* the body the browser saves: "P" the plain file, "" none (refused or
			     truncated), or "=..." literal bytes are in want_buf */
	char want_buf[4096];
	size_t want_len;
	const char *anoms; /* anomalies that must be raised, space-separated */
	bool fin;          /* the server closes after the response */
};

static struct ev_case evc;

static void
ev_begin(const char *name, const char *want, const char *anoms, bool fin)
{
	memset(&evc, 0, sizeof(evc));
	evc.name = name;
	evc.want = want;
	evc.anoms = anoms;
	evc.fin = fin;
}

static void
ev_add(const void *p, size_t n)
{
	if (evc.len + n <= sizeof(evc.resp)) {
		memcpy(evc.resp + evc.len, p, n);
		evc.len += n;
	}
}

static void
ev_str(const char *s)
{
	ev_add(s, strlen(s));
}

/* Feeds the case whole, a byte at a time, and in random pieces; checks the file and anomalies. */
static void
ev_run(void)
{
	char want_hash[65] = "", name[200];

	if (strcmp(evc.want, "P") == 0)
		sha256_hex(ev_plain, ev_plain_len, want_hash);
	else if (evc.want[0] == '=')
		sha256_hex(evc.want_buf, evc.want_len, want_hash);
	for (int mode = 0; mode < 3; mode++) {
		struct conn c;
		uint32_t seed = 7;
		const char *got = "";
		bool anoms_ok = true;
		char list[256], *tok, *save = NULL;

		conn_open(&c);
		conn_feed_str(&c, FLOW_TO_SERVER, "GET /evasion/file.bin HTTP/1.1\r\nHost: e\r\n\r\n");
		if (mode == 0)
			conn_feed(&c, FLOW_TO_CLIENT, evc.resp, evc.len, 0);
		else if (mode == 1)
			conn_feed(&c, FLOW_TO_CLIENT, evc.resp, evc.len, 1);
		else
			conn_feed_random(&c, FLOW_TO_CLIENT, (const uint8_t *)evc.resp, evc.len, &seed,
					 97);
		if (evc.fin)
			app_parser_http.stream(&c.ctx, c.state, FLOW_TO_CLIENT, NULL, 0,
					       STREAM_CHUNK_FIN);
		conn_end(&c);
		for (int i = 0; i < c.rc.n; i++)
			if (c.rc.r[i].kind == APP_MSG_FILE && c.rc.r[i].dir == FLOW_TO_CLIENT)
				got = c.rc.r[i].sha256;
		snprintf(list, sizeof(list), "%s", evc.anoms);
		for (tok = strtok_r(list, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
			if (!anom_has(&c, tok))
				anoms_ok = false;
		snprintf(name, sizeof(name), "evasion %s (%s): the body the browser saves, anomalies %s",
			 evc.name, mode == 0 ? "whole" : mode == 1 ? "bytewise" : "random", evc.anoms);
		UNIT_CHECK(strcmp(got, want_hash) == 0 && anoms_ok, name);
		if (strcmp(got, want_hash) != 0 || !anoms_ok)
			printf("#   got sha256 \"%s\", anomalies: %s\n", got, c.anoms);
	}
}

static void
test_evasion(void)
{
	static uint8_t enc[8192], enc2[8192];
	static char tmp[8192];
	char hdr[512];
	size_t n, n2;

	ev_plain_len = 0;
	for (int i = 0; i < 40; i++)
		ev_plain_len += (size_t)snprintf(ev_plain + ev_plain_len,
						 sizeof(ev_plain) - ev_plain_len,
						 "line %d of the spanwatch gzip test\n", i);
#define CL(n) (snprintf(hdr, sizeof(hdr), "Content-Length: %zu\r\n\r\n", (size_t)(n)), hdr)

	ev_begin("baseline", "P", "", false);
	ev_str("HTTP/1.1 200 OK\r\n");
	ev_str(CL(ev_plain_len));
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	ev_begin("LF-only line ends", "P", "http.lf_only_line_end", false);
	snprintf(tmp, sizeof(tmp), "HTTP/1.1 200 OK\nContent-Length: %zu\n\n", ev_plain_len);
	ev_str(tmp);
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	ev_begin("CR-only line ends: headers never end", "",
		 "http.lone_cr_line_end http.headers_unterminated", true);
	snprintf(tmp, sizeof(tmp), "HTTP/1.1 200 OK\rContent-Length: %zu\r\r", ev_plain_len);
	ev_str(tmp);
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	n = enc_chunked(ev_plain, ev_plain_len, tmp, sizeof(tmp), 100, "", "\r\n", "0\r\n\r\n");
	ev_begin("folded Transfer-Encoding", "P", "http.header_folding", false);
	ev_str("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	ev_begin("Transfer-Encoding on a line starting with a space: dropped", "=",
		 "http.header_space_start", false);
	memcpy(evc.want_buf, tmp, n);
	evc.want_len = n;
	ev_str("HTTP/1.1 200 OK\r\n Transfer-Encoding: chunked\r\n");
	ev_str(CL(n));
	ev_add(tmp, n);
	ev_run();

	ev_begin("space before the colon", "P", "http.header_name_space", false);
	ev_str("HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	ev_begin("\\x7fchunked is not chunked", "=", "http.te_not_chunked http.header_value_control",
		 false);
	memcpy(evc.want_buf, tmp, n);
	evc.want_len = n;
	ev_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: \x7f" "chunked\r\n");
	ev_str(CL(n));
	ev_add(tmp, n);
	ev_run();

	ev_begin("chunked, chunked", "P", "http.te_odd_chunked", false);
	ev_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	ev_begin("chunked and a wrong Content-Length", "P", "http.te_and_cl", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	ev_begin("chunked in HTTP/1.0 is ignored", "=", "http.te_chunked_http10", true);
	memcpy(evc.want_buf, tmp, n);
	evc.want_len = n;
	ev_str("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	ev_begin("Content-Length twice, same value", "P", "http.content_length_repeated", false);
	snprintf(tmp, sizeof(tmp), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nContent-Length: %zu\r\n\r\n",
		 ev_plain_len, ev_plain_len);
	ev_str(tmp);
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	ev_begin("Content-Length values that disagree: refused", "", "http.content_length_conflict",
		 false);
	snprintf(tmp, sizeof(tmp), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nContent-Length: 5\r\n\r\n",
		 ev_plain_len);
	ev_str(tmp);
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	ev_begin("Content-Length +N: until the close", "P", "http.content_length_invalid", true);
	snprintf(tmp, sizeof(tmp), "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n");
	ev_str(tmp);
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	n = enc_chunked(ev_plain, ev_plain_len, tmp, sizeof(tmp), 100, "", ",\r\n", "0\r\n\r\n");
	ev_begin("junk after the chunk size: refused", "", "http.chunk_size_invalid", false);
	ev_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	n = enc_chunked(ev_plain, ev_plain_len, tmp, sizeof(tmp), 100, "", "  \r\n", "0\r\n\r\n");
	ev_begin("spaces after the chunk size", "P", "http.chunk_size_spaces", false);
	ev_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	n = enc_chunked(ev_plain, ev_plain_len, tmp, sizeof(tmp), 100, "", ";a=\"b\"\r\n", "0\r\n\r\n");
	ev_begin("chunk extensions", "P", "http.chunk_extension", false);
	ev_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	n = enc_chunked(ev_plain, ev_plain_len, tmp, sizeof(tmp), 100, "\r\n", "\r\n", "0\r\n\r\n");
	ev_begin("empty line before a chunk size: refused", "", "http.chunk_size_missing", false);
	ev_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	n = enc_chunked(ev_plain, ev_plain_len, tmp, sizeof(tmp), 100, "", "\r\n", "0\r\n");
	ev_begin("no final CRLF, then the close: incomplete", "", "http.chunked_incomplete", true);
	ev_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	ev_add(tmp, n);
	ev_run();

	ev_begin("status line with extra spaces", "P", "http.status_line_invalid", false);
	ev_str("HTTP/1.1   200   OK\r\n");
	ev_str(CL(ev_plain_len));
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	ev_begin("NUL in the version: refused", "", "http.header_nul", false);
	ev_add("HTTP/1.\0" "1 200 OK\r\n", 17);
	ev_str(CL(ev_plain_len));
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	ev_begin("junk before the status line", "P", "http.junk_before_status_line", false);
	ev_str("XYhttp/1.1 200 OK\r\n");
	ev_str(CL(ev_plain_len));
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	ev_begin("no status line: HTTP/0.9", "P", "http.response_http09", true);
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	ev_begin("101 nobody asked for, then the response", "P",
		 "http.switching_protocols_unrequested", false);
	ev_str("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
	       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n");
	ev_str(CL(ev_plain_len));
	ev_add(ev_plain, ev_plain_len);
	ev_run();

	/* content codings */
	static const struct {
		const char *name, *coding, *anoms;
		int kind; /* 0 gzip 1 zlib 2 raw 3 br 4 zstd */
	} codings[] = {
	    {"gzip", "gzip", "", 0},           {"x-gzip", "x-gzip", "", 0},
	    {"GZIP", "GZIP", "", 0},           {"deflate (zlib)", "deflate", "", 1},
	    {"deflate (raw)", "deflate", "http.deflate_raw", 2},
	    {"br", "br", "", 3},               {"zstd", "zstd", "", 4},
	};
	for (size_t i = 0; i < sizeof(codings) / sizeof(codings[0]); i++) {
		int k = codings[i].kind;
		n = k == 0 ? enc_z(ev_plain, ev_plain_len, enc, sizeof(enc), 31)
		    : k == 1 ? enc_z(ev_plain, ev_plain_len, enc, sizeof(enc), 15)
		    : k == 2 ? enc_z(ev_plain, ev_plain_len, enc, sizeof(enc), -15)
		    : k == 3 ? enc_br(ev_plain, ev_plain_len, enc, sizeof(enc))
			     : enc_zstd(ev_plain, ev_plain_len, enc, sizeof(enc));
		ev_begin(codings[i].name, "P", codings[i].anoms, false);
		snprintf(tmp, sizeof(tmp), "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\n", codings[i].coding);
		ev_str(tmp);
		ev_str(CL(n));
		ev_add(enc, n);
		ev_run();
	}

	/* gzip, then deflate over it: undone in reverse */
	n = enc_z(ev_plain, ev_plain_len, enc, sizeof(enc), 31);
	n2 = enc_z(enc, n, enc2, sizeof(enc2), 15);
	ev_begin("gzip, deflate", "P", "http.content_encoding_stacked", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip, deflate\r\n");
	ev_str(CL(n2));
	ev_add(enc2, n2);
	ev_run();

	n2 = enc_br(enc, n, enc2, sizeof(enc2));
	ev_begin("two headers: gzip then br", "P", "http.content_encoding_stacked", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Encoding: br\r\n");
	ev_str(CL(n2));
	ev_add(enc2, n2);
	ev_run();

	n2 = enc_zstd(enc, n, enc2, sizeof(enc2));
	ev_begin("gzip, zstd", "P", "http.content_encoding_stacked", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip, zstd\r\n");
	ev_str(CL(n2));
	ev_add(enc2, n2);
	ev_run();

	ev_begin("gzip, identity: kept as sent", "=", "http.content_encoding_unknown", false);
	memcpy(evc.want_buf, enc, n);
	evc.want_len = n;
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip, identity\r\n");
	ev_str(CL(n));
	ev_add(enc, n);
	ev_run();

	ev_begin("gzip, (empty): kept as sent", "=", "http.content_encoding_unknown", false);
	memcpy(evc.want_buf, enc, n);
	evc.want_len = n;
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip,\r\n");
	ev_str(CL(n));
	ev_add(enc, n);
	ev_run();

	ev_begin("an unknown coding: kept as sent", "=", "http.content_encoding_unknown", false);
	memcpy(evc.want_buf, enc, n);
	evc.want_len = n;
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: x-spanwatch\r\n");
	ev_str(CL(n));
	ev_add(enc, n);
	ev_run();

	ev_begin("gzip with trailing junk", "P", "http.content_encoding_trailing_data", false);
	memcpy(enc + n, "junk junk", 9);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n");
	ev_str(CL(n + 9));
	ev_add(enc, n + 9);
	ev_run();

	n = enc_gzip_fields(ev_plain, ev_plain_len, enc, sizeof(enc), 0x1e, false, true);
	ev_begin("gzip with FEXTRA FNAME FCOMMENT FHCRC", "P", "http.gzip_header_fields", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n");
	ev_str(CL(n));
	ev_add(enc, n);
	ev_run();

	n = enc_gzip_fields(ev_plain, ev_plain_len, enc, sizeof(enc), 0x20, false, true);
	ev_begin("gzip with a reserved flag", "P", "http.gzip_reserved_flags", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n");
	ev_str(CL(n));
	ev_add(enc, n);
	ev_run();

	n = enc_gzip_fields(ev_plain, ev_plain_len, enc, sizeof(enc), 0, true, true);
	ev_begin("gzip with a wrong CRC", "P", "http.gzip_trailer_invalid", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n");
	ev_str(CL(n));
	ev_add(enc, n);
	ev_run();

	n = enc_gzip_fields(ev_plain, ev_plain_len, enc, sizeof(enc), 0, false, false);
	ev_begin("gzip without its trailer", "P", "http.gzip_trailer_invalid", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n");
	ev_str(CL(n));
	ev_add(enc, n);
	ev_run();

	/* six layers: more than max-layers (5) */
	n = enc_z(ev_plain, ev_plain_len, enc, sizeof(enc), 31);
	for (int i = 0; i < 5; i++) {
		n2 = enc_z(enc, n, enc2, sizeof(enc2), 31);
		memcpy(enc, enc2, n2);
		n = n2;
	}
	ev_begin("six gzip layers: past max-layers", "", "http.content_encoding_too_many", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip, gzip, gzip, gzip, gzip\r\n");
	ev_str(CL(n));
	ev_add(enc, n);
	ev_run();

	ev_begin("not gzip at all", "", "http.content_decoding_failed", false);
	ev_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n");
	ev_str(CL(ev_plain_len));
	ev_add(ev_plain, ev_plain_len);
	ev_run();
#undef CL
}

/* Bombs in br and zstd, 10 MB of headers, a million tiny chunks: bounded, counted. */
static void
test_bounds(void)
{
	size_t plain = 64u << 20, n;
	uint8_t *zeros = calloc(1, plain), *enc = malloc(1 << 20);
	struct app_decompress_limits lim = {0, 100, 0};
	struct sw_memcap mem = {.memcap = 16u << 20};
	char hdr[256];
	struct conn c;

	for (int k = 0; k < 2; k++) {
		n = k == 0 ? enc_br(zeros, plain, enc, 1 << 20) : enc_zstd(zeros, plain, enc, 1 << 20);
		conn_open(&c);
		app_parser_http.state_free(c.state);
		c.state = app_parser_http.state_new(&mem);
		c.ctx.http_decompress = lim;
		conn_feed_str(&c, FLOW_TO_SERVER, "GET /bomb HTTP/1.1\r\n\r\n");
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
			 k == 0 ? "br" : "zstd", n);
		conn_feed_str(&c, FLOW_TO_CLIENT, hdr);
		conn_feed(&c, FLOW_TO_CLIENT, enc, n, 65536);
		UNIT_CHECK(c.rc.n == 2 && c.rc.r[1].state == APP_FILE_TRUNCATED &&
			       c.rc.r[1].size < (4u << 20) &&
			       sw_counter_get(&c.st.http_decompress_limited) == 1 &&
			       anom_has(&c, "http.decompress_limited"),
			   k == 0 ? "br bomb (64 MB of zeros): stopped by max-ratio, counted"
				  : "zstd bomb (64 MB of zeros): stopped by max-ratio, counted");
		printf("# %s bomb: %zu bytes, %llu decoded\n", k == 0 ? "br" : "zstd", n,
		       (unsigned long long)c.rc.r[1].size);
		conn_end(&c);
		UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "bomb: all memory given back");
	}
	free(zeros);
	free(enc);

	/* 10 MB of header lines: refused at header-max, memory within the cap */
	{
		static char line[] = "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
		uint64_t peak = 0;

		conn_open(&c);
		app_parser_http.state_free(c.state);
		c.state = app_parser_http.state_new(&mem);
		conn_feed_str(&c, FLOW_TO_SERVER, "GET /h HTTP/1.1\r\n\r\n");
		conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 200 OK\r\n");
		for (size_t sent = 0; sent < (10u << 20); sent += sizeof(line) - 1) {
			conn_feed(&c, FLOW_TO_CLIENT, line, sizeof(line) - 1, 0);
			if ((uint64_t)sw_counter_get(&mem.memuse) > peak)
				peak = sw_counter_get(&mem.memuse);
		}
		UNIT_CHECK(sw_counter_get(&c.st.http_header_too_big) == 1 &&
			       anom_has(&c, "http.header_too_big") && peak <= (512u << 10),
			   "10 MB header block: refused past header-max, counted, memory bounded");
		printf("# 10 MB headers: peak parser memory %llu bytes\n", (unsigned long long)peak);
		conn_end(&c);
	}

	/* a million one-byte chunks: hashed as they stream, no growth */
	{
		static char buf[1u << 16];
		size_t o = 0;
		uint64_t peak = 0;
		char want[65];
		uint8_t *plainx = malloc(1000000);

		memset(plainx, 'x', 1000000);
		sha256_hex(plainx, 1000000, want);
		free(plainx);
		conn_open(&c);
		app_parser_http.state_free(c.state);
		c.state = app_parser_http.state_new(&mem);
		conn_feed_str(&c, FLOW_TO_SERVER, "GET /tiny HTTP/1.1\r\n\r\n");
		conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
		for (int i = 0; i < 1000000; i++) {
			memcpy(buf + o, "1\r\nx\r\n", 6);
			o += 6;
			if (o + 6 > sizeof(buf) || i == 999999) {
				conn_feed(&c, FLOW_TO_CLIENT, buf, o, 0);
				o = 0;
				if ((uint64_t)sw_counter_get(&mem.memuse) > peak)
					peak = sw_counter_get(&mem.memuse);
			}
		}
		conn_feed_str(&c, FLOW_TO_CLIENT, "0\r\n\r\n");
		UNIT_CHECK(c.rc.n == 2 && c.rc.r[1].size == 1000000 &&
			       strcmp(c.rc.r[1].sha256, want) == 0 && peak <= (64u << 10),
			   "a million one-byte chunks: the whole file, memory bounded");
		printf("# million chunks: peak parser memory %llu bytes\n", (unsigned long long)peak);
		conn_end(&c);
	}
	UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "bounds: all memory given back");
}

/* multipart/form-data: a file per part that has a filename (Suricata 7: app-layer-htp.c
 * HtpRequestBodyHandleMultipart opens a file only when HtpRequestBodyMultipartParseHeader found
 * "filename="); form fields are no files, but stay in the request body. */
static void
test_multipart(void)
{
	static const char body[] = "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"comment\"\r\n\r\n"
				   "hello\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"upload\"; filename=\"evil.exe\"\r\n"
				   "Content-Type: application/octet-stream\r\n\r\n"
				   "MZ\r\n-XyZ\r\n--XyQ\r\n\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"e\"; filename=\"\"\r\n\r\n"
				   "E\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"s\"; filename*=UTF-8''star.txt\r\n\r\n"
				   "S\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"b\"; filename=\r\n\r\n"
				   "B\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"sp\"; filename =\"sp.txt\"\r\n\r\n"
				   "P\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"c\"; FileName=\"Q;.TXT\"\r\n\r\n"
				   "Q\r\n"
				   "--XyZ--\r\nepilogue";
	static const char fields[] = "--XyZ\r\n"
				     "Content-Disposition: form-data; name=\"user\"\r\n\r\n"
				     "alice\r\n"
				     "--XyZ\r\n"
				     "Content-Disposition: form-data; name=\"pass\"\r\n\r\n"
				     "s3cret\r\n"
				     "--XyZ--\r\n";
	char req[2048], want[65];

	snprintf(req, sizeof(req),
		 "POST /up HTTP/1.1\r\nHost: m\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 sizeof(body) - 1, body);
	sha256_hex("MZ\r\n-XyZ\r\n--XyQ\r\n", 17, want);
	for (int step = 0; step <= 1; step++) {
		struct conn c;

		conn_open(&c);
		conn_feed(&c, FLOW_TO_SERVER, req, strlen(req), (size_t)step);
		conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
		conn_end(&c);
		UNIT_CHECK(c.rc.n == 4 && c.rc.r[1].kind == APP_MSG_FILE &&
			       c.rc.r[2].kind == APP_MSG_FILE && c.rc.r[3].kind == APP_MSG_FILE,
			   step ? "multipart bytewise: txn and the 3 parts with a filename"
				: "multipart: txn and the 3 parts with a filename");
		UNIT_CHECK(strcmp(c.rc.r[1].name, "evil.exe") == 0 && c.rc.r[1].size == 17 &&
			       strcmp(c.rc.r[1].sha256, want) == 0 &&
			       c.rc.r[1].state == APP_FILE_COMPLETE,
			   "multipart: the uploaded file, its size and hash");
		UNIT_CHECK(c.rc.r[2].name[0] == '\0' && c.rc.r[2].size == 1 &&
			       c.rc.r[2].state == APP_FILE_COMPLETE,
			   "multipart: filename=\"\" is a file with an empty name (Suricata)");
		UNIT_CHECK(strcmp(c.rc.r[3].name, "Q;.TXT") == 0 && c.rc.r[3].size == 1,
			   "multipart: FileName= (any case, ';' inside quotes) is a file");
		UNIT_CHECK(c.rc.r[0].req_body_len == sizeof(body) - 1,
			   "multipart: the request body keeps every part, form fields included");
	}
	{
		struct conn c;

		snprintf(req, sizeof(req),
			 "POST /login HTTP/1.1\r\nHost: m\r\n"
			 "Content-Type: multipart/form-data; boundary=XyZ\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 sizeof(fields) - 1, fields);
		conn_open(&c);
		conn_feed(&c, FLOW_TO_SERVER, req, strlen(req), 0);
		conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 204 No Content\r\n\r\n");
		conn_end(&c);
		UNIT_CHECK(c.rc.n == 1 && c.rc.r[0].kind == APP_MSG_HTTP &&
			       c.rc.r[0].req_body_len == sizeof(fields) - 1 &&
			       strstr(c.rc.r[0].req_body, "alice") != NULL,
			   "multipart of form fields only: no file, the body (with the fields) kept");
	}
}

/* The request line's protocol and the status line's, each its own (http.protocol both ways);
 * the response's does not overwrite the request's. */
static void
test_protocols(void)
{
	struct conn c;

	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "GET /p HTTP/1.1\r\nHost: x\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nz");
	conn_end(&c);
	UNIT_CHECK(c.rc.n == 2 && strcmp(c.rc.r[0].protocol, "HTTP/1.1") == 0 &&
		       strcmp(c.rc.r[0].resp_protocol, "HTTP/1.0") == 0,
		   "protocols: the request's HTTP/1.1, the response's HTTP/1.0");
}

/* The file store's depth (app_ctx.file_keep): a longer file is cut there, TRUNCATED without a
 * gap, its content and size the first bytes (Suricata 7, app-layer-htp.c
 * AppLayerHtpCheckDepth); a shorter one is whole. */
static void
test_keep_depth(void)
{
	struct conn c;

	conn_open(&c);
	c.ctx.file_keep = 10;
	conn_feed_str(&c, FLOW_TO_SERVER, "GET /long HTTP/1.1\r\nHost: x\r\n\r\n"
					  "GET /short HTTP/1.1\r\nHost: x\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n"
					  "0123456789abcdefghijklmnop"
					  "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nwxyz");
	conn_end(&c);
	UNIT_CHECK(c.rc.n == 4 && c.rc.r[1].state == APP_FILE_TRUNCATED && !c.rc.r[1].gaps &&
		       c.rc.r[1].size == 10 && c.rc.r[1].keep == APP_FILE_KEEP_DEPTH_CUT &&
		       c.rc.r[1].content_len == 10 && strcmp(c.rc.r[1].content, "0123456789") == 0 &&
		       c.rc.r[1].sha256[0] == '\0' && c.rc.r[1].md5[0] == '\0',
		   "file store depth 10: a 26-byte file cut to its first 10, TRUNCATED, no gap, no hashes");
	UNIT_CHECK(c.rc.r[0].resp_body_len == 26, "file store depth: the body is still counted whole");
	UNIT_CHECK(c.rc.r[3].state == APP_FILE_COMPLETE && c.rc.r[3].size == 4 &&
		       c.rc.r[3].keep == APP_FILE_KEEP_WHOLE && c.rc.r[3].content_len == 4,
		   "file store depth 10: a 4-byte file whole");
}

/* Protocol switches, and Suricata's xff and content_range. */
static void
test_switch_fields(void)
{
	struct conn c;
	struct app_msg m;

	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "GET /ws HTTP/1.1\r\nHost: w\r\nUpgrade: websocket\r\n"
					  "Connection: Upgrade\r\nX-Forwarded-For: 192.0.2.1, 10.0.0.1\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
					  "\x81\x05hello");
	UNIT_CHECK(c.rc.n == 1 && c.rc.r[0].status == 101, "websocket: the 101 ends HTTP");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	UNIT_CHECK(c.rc.n == 1, "websocket: nothing more is parsed as HTTP");
	conn_end(&c);

	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01");
	UNIT_CHECK(c.rc.n == 1 && c.ctx.switch_proto == APP_TLS &&
		       c.ctx.switch_off == strlen("HTTP/1.1 200 Connection established\r\n\r\n"),
		   "CONNECT 200: handed to TLS where the tunnel starts");
	conn_end(&c);

	conn_open(&c);
	conn_feed_str(&c, FLOW_TO_SERVER, "GET /r HTTP/1.1\r\nHost: r\r\nX-Forwarded-For: 203.0.113.9\r\n"
					  "Range: bytes=0-3\r\n\r\n");
	conn_feed_str(&c, FLOW_TO_CLIENT, "HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-3/10\r\n"
					  "Content-Length: 4\r\n\r\nabcd");
	UNIT_CHECK(app_parser_http.current(c.state, FLOW_TO_SERVER, &m) || true, "current");
	conn_end(&c);
	UNIT_CHECK(c.rc.n == 2 && c.rc.r[0].status == 206, "range: txn");
}

int
main(void)
{
	test_probe();
	test_pcap_http();
	test_pcap_loss();
	test_pipelining();
	test_chunked();
	test_encodings();
	test_no_body();
	test_gap();
	test_fields();
	test_uri();
	test_malformed();
	test_header_limit();
	test_evasion();
	test_bounds();
	test_multipart();
	test_keep_depth();
	test_protocols();
	test_switch_fields();
	return unit_done();
}
