/* tests/unit/app/test_limits.c: the parsers' memory and work limits, through the app dispatch
 * as a worker drives it. Every byte charged to app.memcap (per-flow state, struct app_flow,
 * buffers) comes back, to exactly 0, for DNS over UDP and TCP, TLS and HTTP flows that end
 * normally (FIN), by timeout (flow end with nothing closed) and mid-message, and for flows freed
 * without an end (evicted). A gzip bomb (100 MB of zeros, about 100 KB compressed, made here
 * with zlib) is cut by app.http.decompress.max-bytes and .max-ratio: the body is truncated, not
 * hashed, no more is inflated than the bound, and app.http.decompress_limited counts it.
 * A change of protocol through the dispatch (CONNECT, STARTTLS) leaves Suricata's alproto_orig
 * and alproto_expect for the lua keyword's SCFlowAppLayerProto (app_flow_change). */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "app/app.h"
#include "stream/stream.h"
#include "unit.h"

/* ---- a worker and one flow ---------------------------------------------------------------- */

struct seen {
	unsigned msgs, files;
	struct app_file file; /* the last file (its strings are not kept) */
};

static void
on_msg(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	struct seen *s = arg;

	(void)f;
	s->msgs++;
	if (m->kind == APP_MSG_FILE) {
		s->files++;
		s->file = *m->u.file;
		memset(&s->file.name, 0, sizeof(s->file.name));
	}
}

struct run {
	struct app_worker *w;
	struct sw_flow f;
	struct seen seen;
};

static void
run_open(struct run *r, const struct app_decompress_limits *lim)
{
	memset(r, 0, sizeof(*r));
	if (app_worker_new(on_msg, &r->seen, &r->w) != 0) {
		fprintf(stderr, "app_worker_new failed\n");
		exit(1);
	}
	app_worker_set_memcap(r->w, 0); /* no cap: everything is charged and counted */
	if (lim != NULL)
		app_worker_set_http_decompress(r->w, lim);
}

static uint64_t
run_memuse(struct run *r)
{
	return sw_counter_get(&app_worker_mem(r->w)->memuse);
}

static void
run_tcp(struct run *r, enum flow_dir dir, const void *data, size_t len, unsigned flags)
{
	app_stream(r->w, &r->f, dir, data, len, flags, 1);
}

static void
run_udp(struct run *r, enum flow_dir dir, const void *data, size_t len)
{
	struct sw_packet p;

	memset(&p, 0, sizeof(p));
	p.data = data;
	p.caplen = p.wirelen = (uint32_t)len;
	p.flags = SW_PKT_L4;
	p.payload_len = (uint32_t)len;
	p.ts = 1;
	app_datagram(r->w, &r->f, dir, &p);
}

enum end_how {
	END_NORMAL = 0,  /* FIN both ways, then the flow ends */
	END_TIMEOUT = 1, /* the flow ends with nothing closed */
	END_EVICTED = 2, /* freed without an end */
};

/* Ends the flow as how says and checks every byte came back. */
static void
run_close(struct run *r, enum end_how how, const char *what)
{
	char name[160];

	if (how == END_NORMAL) {
		run_tcp(r, FLOW_TO_SERVER, NULL, 0, STREAM_CHUNK_FIN);
		run_tcp(r, FLOW_TO_CLIENT, NULL, 0, STREAM_CHUNK_FIN);
	}
	if (how != END_EVICTED)
		app_flow_end(r->w, &r->f, 2);
	app_flow_free(r->w, &r->f);
	snprintf(name, sizeof(name), "%s: app memuse back to exactly 0", what);
	UNIT_CHECK(run_memuse(r) == 0, name);
	if (run_memuse(r) != 0)
		printf("#   memuse %llu\n", (unsigned long long)run_memuse(r));
	app_worker_free(r->w);
}

static const char *const how_names[] = {"normal end", "timeout", "evicted"};

/* ---- DNS ---------------------------------------------------------------------------------- */

/* A query for example.com A, and its answer 192.0.2.1 */
static const uint8_t dns_query[29] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 'e',  'x',
    'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01,
};
static const uint8_t dns_answer[45] = {
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 'e',  'x',
    'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01, 0xc0,
    0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 192,  0,    2,    1,
};

static void
test_dns_udp(void)
{
	struct run r;

	for (int how = END_TIMEOUT; how <= END_EVICTED; how++) {
		char what[96];

		/* query and answer */
		run_open(&r, NULL);
		run_udp(&r, FLOW_TO_SERVER, dns_query, sizeof(dns_query));
		run_udp(&r, FLOW_TO_CLIENT, dns_answer, sizeof(dns_answer));
		UNIT_CHECK(r.seen.msgs == 2 && run_memuse(&r) > 0,
		           "dns udp: two messages, the flow's state charged");
		snprintf(what, sizeof(what), "dns udp, answered, %s", how_names[how]);
		run_close(&r, (enum end_how)how, what);
		/* a query never answered, then a datagram cut short */
		run_open(&r, NULL);
		run_udp(&r, FLOW_TO_SERVER, dns_query, sizeof(dns_query));
		run_udp(&r, FLOW_TO_CLIENT, dns_answer, 20);
		snprintf(what, sizeof(what), "dns udp, cut answer, %s", how_names[how]);
		run_close(&r, (enum end_how)how, what);
	}
}

static void
test_dns_tcp(void)
{
	uint8_t q[2 + sizeof(dns_query)], a[2 + sizeof(dns_answer)];
	struct run r;

	q[0] = 0;
	q[1] = sizeof(dns_query);
	memcpy(q + 2, dns_query, sizeof(dns_query));
	a[0] = 0;
	a[1] = sizeof(dns_answer);
	memcpy(a + 2, dns_answer, sizeof(dns_answer));
	for (int how = END_NORMAL; how <= END_EVICTED; how++) {
		char what[96];

		/* both messages split inside the question: the message buffers are made */
		run_open(&r, NULL);
		run_tcp(&r, FLOW_TO_SERVER, q, 20, 0);
		run_tcp(&r, FLOW_TO_SERVER, q + 20, sizeof(q) - 20, 0);
		run_tcp(&r, FLOW_TO_CLIENT, a, 20, 0);
		run_tcp(&r, FLOW_TO_CLIENT, a + 20, sizeof(a) - 20, 0);
		UNIT_CHECK(r.seen.msgs == 2 && run_memuse(&r) > 2 * 1024,
		           "dns tcp: two split messages parsed, their buffers charged");
		snprintf(what, sizeof(what), "dns tcp, whole messages, %s", how_names[how]);
		run_close(&r, (enum end_how)how, what);
		/* the answer stops mid-message */
		run_open(&r, NULL);
		run_tcp(&r, FLOW_TO_SERVER, q, sizeof(q), 0);
		run_tcp(&r, FLOW_TO_CLIENT, a, 20, 0);
		UNIT_CHECK(r.seen.msgs == 1, "dns tcp: the partial answer is not a message");
		snprintf(what, sizeof(what), "dns tcp, mid-message, %s", how_names[how]);
		run_close(&r, (enum end_how)how, what);
	}
}

/* ---- TLS ---------------------------------------------------------------------------------- */

/* A TLS 1.2 ClientHello record: one cipher suite, null compression, an SNI extension. */
static size_t
tls_client_hello(uint8_t *p)
{
	static const uint8_t sni[] = {0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b, 'e',
	                              'x',  'a',  'm',  'p',  'l',  'e',  '.',  'c',  'o',  'm'};
	size_t n = 0, body;

	p[n++] = 0x16;
	p[n++] = 0x03;
	p[n++] = 0x01;
	n += 2; /* record length */
	p[n++] = 0x01;
	n += 3; /* handshake length */
	p[n++] = 0x03;
	p[n++] = 0x03;
	memset(p + n, 0xab, 32);
	n += 32;
	p[n++] = 0x00; /* session id */
	p[n++] = 0x00;
	p[n++] = 0x02;
	p[n++] = 0xc0;
	p[n++] = 0x2f;
	p[n++] = 0x01;
	p[n++] = 0x00;
	p[n++] = 0x00;
	p[n++] = sizeof(sni);
	memcpy(p + n, sni, sizeof(sni));
	n += sizeof(sni);
	body = n - 9;
	p[3] = (uint8_t)((n - 5) >> 8);
	p[4] = (uint8_t)(n - 5);
	p[6] = (uint8_t)(body >> 16);
	p[7] = (uint8_t)(body >> 8);
	p[8] = (uint8_t)body;
	return n;
}

static void
test_tls(void)
{
	uint8_t ch[128];
	size_t n = tls_client_hello(ch);
	struct run r;

	for (int how = END_NORMAL; how <= END_EVICTED; how++) {
		char what[96];

		/* the ClientHello in two chunks (the handshake buffer is made) */
		run_open(&r, NULL);
		run_tcp(&r, FLOW_TO_SERVER, ch, 20, 0);
		run_tcp(&r, FLOW_TO_SERVER, ch + 20, n - 20, 0);
		UNIT_CHECK(run_memuse(&r) > 0, "tls: the flow's state charged");
		snprintf(what, sizeof(what), "tls, whole ClientHello, %s", how_names[how]);
		run_close(&r, (enum end_how)how, what);
		/* the ClientHello stops mid-message */
		run_open(&r, NULL);
		run_tcp(&r, FLOW_TO_SERVER, ch, n - 10, 0);
		snprintf(what, sizeof(what), "tls, mid-message, %s", how_names[how]);
		run_close(&r, (enum end_how)how, what);
	}
}

/* ---- HTTP --------------------------------------------------------------------------------- */

static const char http_req[] = "GET /a/../index.html?x=%41 HTTP/1.1\r\nHost: example.com\r\n"
                               "User-Agent: test\r\n\r\n";
static const char http_resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                "Content-Length: 12\r\n\r\nhello world\n";

static void
test_http(void)
{
	struct run r;

	for (int how = END_NORMAL; how <= END_EVICTED; how++) {
		char what[96];

		/* a whole transaction, the request in two chunks */
		run_open(&r, NULL);
		run_tcp(&r, FLOW_TO_SERVER, http_req, 10, 0);
		run_tcp(&r, FLOW_TO_SERVER, http_req + 10, sizeof(http_req) - 11, 0);
		run_tcp(&r, FLOW_TO_CLIENT, http_resp, sizeof(http_resp) - 1, 0);
		UNIT_CHECK(r.seen.files == 1, "http: the transaction and its file");
		snprintf(what, sizeof(what), "http, whole transaction, %s", how_names[how]);
		run_close(&r, (enum end_how)how, what);
		/* a request never answered (pending transaction, normalized URI) */
		run_open(&r, NULL);
		run_tcp(&r, FLOW_TO_SERVER, http_req, sizeof(http_req) - 1, 0);
		UNIT_CHECK(run_memuse(&r) > sizeof(http_req),
		           "http: the pending request is charged");
		snprintf(what, sizeof(what), "http, unanswered request, %s", how_names[how]);
		run_close(&r, (enum end_how)how, what);
		/* the response stops in its headers, then in its body */
		for (int cut = 0; cut < 2; cut++) {
			run_open(&r, NULL);
			run_tcp(&r, FLOW_TO_SERVER, http_req, sizeof(http_req) - 1, 0);
			run_tcp(&r, FLOW_TO_CLIENT, http_resp,
			        cut == 0 ? 30 : sizeof(http_resp) - 5, 0);
			snprintf(what, sizeof(what), "http, mid-message (%s), %s",
			         cut == 0 ? "headers" : "body", how_names[how]);
			run_close(&r, (enum end_how)how, what);
		}
	}
}

/* ---- file hashes ----------------------------------------------------------------------------- */

/* SHA-256 alone by default; MD5 and SHA-1 when asked. Two responses on one connection: the
 * hash contexts are initialised again for the second body, which must hash as if alone. */
static void
test_file_hashes(void)
{
	/* of "hello world\n" (sha256sum, md5sum, sha1sum) */
	static const char sha256[] =
	    "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447";
	static const char md5[] = "6f5902ac237024bdd0c176cb93063dc4";
	static const char sha1[] = "22596363b3de40b06f981fb85d82312e8c0ed511";

	for (int all = 0; all < 2; all++) {
		struct run r;

		run_open(&r, NULL);
		if (all)
			app_worker_set_file_hashes(r.w,
						   APP_HASH_MD5 | APP_HASH_SHA1 | APP_HASH_SHA256);
		for (int k = 0; k < 2; k++) {
			char what[96];

			r.seen.files = 0;
			run_tcp(&r, FLOW_TO_SERVER, http_req, sizeof(http_req) - 1, 0);
			run_tcp(&r, FLOW_TO_CLIENT, http_resp, sizeof(http_resp) - 1, 0);
			snprintf(what, sizeof(what), "file hashes (%s), body %d: sha256",
				 all ? "all three" : "default", k + 1);
			UNIT_CHECK(r.seen.files == 1 && strcmp(r.seen.file.sha256, sha256) == 0,
				   what);
			snprintf(what, sizeof(what), "file hashes (%s), body %d: md5 and sha1 %s",
				 all ? "all three" : "default", k + 1,
				 all ? "computed" : "not computed");
			UNIT_CHECK(all ? strcmp(r.seen.file.md5, md5) == 0 &&
					     strcmp(r.seen.file.sha1, sha1) == 0
				       : r.seen.file.md5[0] == '\0' && r.seen.file.sha1[0] == '\0',
				   what);
		}
		run_close(&r, END_NORMAL, all ? "file hashes, all three" : "file hashes, default");
	}
}

/* ---- a gzip bomb -------------------------------------------------------------------------- */

#define BOMB_PLAIN (100u << 20) /* 100 MB of zeros */

/* gzip of BOMB_PLAIN zeros; *len its size. */
static uint8_t *
bomb_make(size_t *len)
{
	static uint8_t zeros[1 << 20];
	size_t cap = 256 << 10, done = 0;
	uint8_t *out = malloc(cap);
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (out == NULL || deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		exit(1);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	while (done < BOMB_PLAIN) {
		z.next_in = zeros;
		z.avail_in = sizeof(zeros);
		done += sizeof(zeros);
		if (deflate(&z, done < BOMB_PLAIN ? Z_NO_FLUSH : Z_FINISH) == Z_STREAM_ERROR ||
		    z.avail_out == 0)
			exit(1); /* 100 MB of zeros compress to about 100 KB */
	}
	*len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Sends the bomb as a response body in 64 KB chunks; returns the worker's limited count. */
static uint64_t
bomb_send(struct run *r, const uint8_t *bomb, size_t len)
{
	char hdr[160];
	int n;

	run_tcp(r, FLOW_TO_SERVER, http_req, sizeof(http_req) - 1, 0);
	n = snprintf(hdr, sizeof(hdr),
	             "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
	             len);
	run_tcp(r, FLOW_TO_CLIENT, hdr, (size_t)n, 0);
	for (size_t off = 0; off < len; off += 65536)
		run_tcp(r, FLOW_TO_CLIENT, bomb + off, len - off < 65536 ? len - off : 65536, 0);
	return sw_counter_get(&app_worker_stats(r->w)->http_decompress_limited);
}

static void
test_gzip_bomb(void)
{
	struct app_decompress_limits none = {0, 0, 0}, bytes = {8u << 20, 0, 0}, ratio = {0, 500, 0};
	size_t len;
	uint8_t *bomb = bomb_make(&len);
	struct run r;
	uint64_t limited;

	printf("# gzip bomb: %u bytes of zeros in %zu bytes\n", BOMB_PLAIN, len);
	UNIT_CHECK(len < BOMB_PLAIN / 500, "the bomb compresses better than 500:1");

	/* no bound: all of it is inflated (what the bounds are there to prevent) */
	run_open(&r, &none);
	limited = bomb_send(&r, bomb, len);
	UNIT_CHECK(r.seen.files == 1 && r.seen.file.size == BOMB_PLAIN &&
	               r.seen.file.state == APP_FILE_COMPLETE,
	           "no bound: 100 MB inflated, the file complete");
	UNIT_CHECK(limited == 0, "no bound: nothing counted");
	run_close(&r, END_NORMAL, "gzip bomb, no bound");

	/* max-bytes 8 MB: exactly that much inflated, then nothing */
	run_open(&r, &bytes);
	limited = bomb_send(&r, bomb, len);
	UNIT_CHECK(r.seen.files == 1 && r.seen.file.size == bytes.max_bytes,
	           "max-bytes 8mb: exactly 8 MB inflated");
	UNIT_CHECK(r.seen.file.state == APP_FILE_TRUNCATED && r.seen.file.md5[0] == '\0' &&
	               r.seen.file.sha256[0] == '\0',
	           "max-bytes: the file is truncated, with no hashes");
	UNIT_CHECK(limited == 1, "max-bytes: app.http.decompress_limited counts the body once");
	run_close(&r, END_NORMAL, "gzip bomb, max-bytes");

	/* max-ratio 500: stops just past the first MB (zeros inflate about 1000:1) */
	run_open(&r, &ratio);
	limited = bomb_send(&r, bomb, len);
	printf("# max-ratio 500: %llu bytes inflated\n", (unsigned long long)r.seen.file.size);
	UNIT_CHECK(r.seen.files == 1 && r.seen.file.size > APP_DECOMPRESS_RATIO_FROM &&
	               r.seen.file.size <= APP_DECOMPRESS_RATIO_FROM + (64u << 10),
	           "max-ratio 500: inflating stops within 64 KB past the first MB");
	UNIT_CHECK(r.seen.file.state == APP_FILE_TRUNCATED && r.seen.file.md5[0] == '\0',
	           "max-ratio: the file is truncated, with no hashes");
	UNIT_CHECK(limited == 1, "max-ratio: app.http.decompress_limited counts the body once");
	run_close(&r, END_NORMAL, "gzip bomb, max-ratio");

	free(bomb);
}


/* ---- a change of protocol: app_flow_change ---------------------------------------------- */

static const uint8_t client_hello_head[] = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01};

static void
test_change(void)
{
	const char *orig = "x", *expect = "x", *now;
	struct run r;

	run_open(&r, NULL);
	run_tcp(&r, FLOW_TO_SERVER, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 27, 0);
	now = app_flow_change(&r.f, &orig, &expect);
	UNIT_CHECK(now != NULL && strcmp(now, "http") == 0 && orig == NULL && expect == NULL,
	           "change: plain HTTP, no orig or expect");
	run_close(&r, END_NORMAL, "change: plain HTTP");

	run_open(&r, NULL);
	run_tcp(&r, FLOW_TO_SERVER, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
	        strlen("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"), 0);
	run_tcp(&r, FLOW_TO_CLIENT, "HTTP/1.1 200 Connection established\r\n\r\n",
	        strlen("HTTP/1.1 200 Connection established\r\n\r\n"), 0);
	run_tcp(&r, FLOW_TO_SERVER, client_hello_head, sizeof(client_hello_head), 0);
	now = app_flow_change(&r.f, &orig, &expect);
	UNIT_CHECK(now != NULL && strcmp(now, "tls") == 0, "change: after CONNECT 200, tls is parsed");
	UNIT_CHECK(orig != NULL && strcmp(orig, "http") == 0 && expect == NULL,
	           "change: CONNECT: orig http, expect none (Suricata: unknown)");
	UNIT_CHECK(strcmp(app_flow_name(&r.f), "tls") == 0, "change: CONNECT: the flow is named tls");
	run_close(&r, END_NORMAL, "change: CONNECT");

	run_open(&r, NULL);
	run_tcp(&r, FLOW_TO_CLIENT, "220 mail.example ESMTP\r\n", 24, 0);
	run_tcp(&r, FLOW_TO_SERVER, "EHLO c\r\n", 8, 0);
	run_tcp(&r, FLOW_TO_CLIENT, "250 STARTTLS\r\n", 14, 0);
	run_tcp(&r, FLOW_TO_SERVER, "STARTTLS\r\n", 10, 0);
	run_tcp(&r, FLOW_TO_CLIENT, "220 2.0.0 go ahead\r\n", 20, 0);
	run_tcp(&r, FLOW_TO_SERVER, client_hello_head, sizeof(client_hello_head), 0);
	now = app_flow_change(&r.f, &orig, &expect);
	UNIT_CHECK(now != NULL && strcmp(now, "tls") == 0, "change: after STARTTLS, tls is parsed");
	UNIT_CHECK(orig != NULL && strcmp(orig, "smtp") == 0 && expect != NULL &&
	               strcmp(expect, "tls") == 0,
	           "change: STARTTLS: orig smtp, expect tls");
	UNIT_CHECK(strcmp(app_flow_name(&r.f), "smtp") == 0, "change: STARTTLS: the flow keeps smtp");
	run_close(&r, END_NORMAL, "change: STARTTLS");
}

int
main(void)
{
	test_dns_udp();
	test_dns_tcp();
	test_tls();
	test_http();
	test_file_hashes();
	test_gzip_bomb();
	test_change();
	return unit_done();
}
