/* tests/unit/app/test_buffers.c: the named buffers of app messages (what rules and indicators
 * read): every name on its message kind, absent fields, the wrong kind, unknown names. */
#include "config.h"

#include <string.h>

#include "app/app.h"
#include "unit.h"

static struct app_buf
B(const char *s)
{
	struct app_buf b = {(const uint8_t *)s, strlen(s)};

	return b;
}

static const char *
get(const struct app_msg *m, const char *name, char *out, size_t size)
{
	struct app_buf b;
	char scratch[16];

	if (app_msg_buffer(m, name, &b, scratch, sizeof(scratch)) != 0)
		return NULL;
	snprintf(out, size, "%.*s", (int)b.len, (const char *)b.p);
	return out;
}

int
main(void)
{
	struct app_http_txn t;
	struct app_dns_msg d;
	struct app_tls_msg tls;
	struct app_file fi;
	struct app_msg m;
	struct app_buf b;
	char buf[256];

	memset(&t, 0, sizeof(t));
	t.method = B("POST");
	t.uri_raw = B("/a/./b%41?q=1");
	t.uri = B("/a/bA?q=1");
	t.host = B("evil.example");
	t.user_agent = B("curl/8.0");
	t.req_headers_raw = B("Host: evil.example\r\n\r\n");
	t.cookie = B("s=1");
	t.status = 404;
	t.status_msg = B("Not Found");
	t.req_body = B("x=1");
	t.resp_body = B("<html>");
	memset(&m, 0, sizeof(m));
	m.kind = APP_MSG_HTTP;
	m.u.http = &t;
	UNIT_CHECK_STR(get(&m, "http.uri", buf, sizeof(buf)), "/a/bA?q=1", "http.uri is normalized");
	UNIT_CHECK_STR(get(&m, "http.uri.raw", buf, sizeof(buf)), "/a/./b%41?q=1", "http.uri.raw");
	UNIT_CHECK_STR(get(&m, "http.host", buf, sizeof(buf)), "evil.example", "http.host");
	UNIT_CHECK_STR(get(&m, "http.method", buf, sizeof(buf)), "POST", "http.method");
	UNIT_CHECK_STR(get(&m, "http.user_agent", buf, sizeof(buf)), "curl/8.0", "http.user_agent");
	{ /* http.header as Suricata 7 builds it; http.header.raw as sent */
		static const struct app_http_header hs[] = {
		    {{(const uint8_t *)"Host", 4}, {(const uint8_t *)"evil.example", 12}},
		    {{(const uint8_t *)"Cookie", 6}, {(const uint8_t *)"a=1", 3}},
		    {{(const uint8_t *)"X-A", 3}, {(const uint8_t *)"1", 1}},
		    {{(const uint8_t *)"Accept", 6}, {(const uint8_t *)"*/*", 3}},
		    {{(const uint8_t *)"x-a", 3}, {(const uint8_t *)"2", 1}},
		};
		char big[256];

		t.req_headers = hs;
		t.n_req_headers = 5;
		UNIT_CHECK(app_msg_buffer(&m, "http.header", &b, big, sizeof(big)) == 0 &&
			   b.len == 44 && memcmp(b.p, "Host: evil.example\r\nX-A: 1, 2\r\n"
			   "Accept: */*\r\n", 44) == 0,
			   "http.header: one line per header, repeats joined, no Cookie, no blank line");
		UNIT_CHECK(app_msg_buffer(&m, "http.header", &b, big, 20) == SW_E_NOTFOUND,
			   "http.header that does not fit the scratch: none");
		UNIT_CHECK_STR(get(&m, "http.header.raw", buf, sizeof(buf)),
			       "Host: evil.example\r\n\r\n", "http.header.raw is the block as sent");
		{ /* http.request_header: one value per header, as libhtp's table (Cookie kept) */
			static const char *const want[] = {"Host: evil.example", "Cookie: a=1",
			                                   "X-A: 1, 2", "Accept: */*"};
			int rq = app_buffer_find("http.request_header");
			int rs = app_buffer_find("http.response_header");
			size_t i;

			UNIT_CHECK(rq >= 0 && rs >= 0 && app_buffer_multi(rq) && app_buffer_multi(rs) &&
			               !app_buffer_multi(app_buffer_find("http.header")),
			           "http.request_header and http.response_header have several values");
			for (i = 0; i < 4; i++)
				UNIT_CHECK(app_msg_buffer_id_i(&m, rq, i, &b, big, sizeof(big)) == 0 &&
				               b.len == strlen(want[i]) && memcmp(b.p, want[i], b.len) == 0,
				           "http.request_header value i: Name: value, repeats joined");
			UNIT_CHECK(app_msg_buffer_id_i(&m, rq, 4, &b, big, sizeof(big)) == SW_E_NOTFOUND,
			           "http.request_header: none past the last header");
			UNIT_CHECK(app_msg_buffer_id_i(&m, rq, 2, &b, big, 8) == SW_E_NOTFOUND &&
			               app_msg_buffer_id_i(&m, rq, 0, &b, NULL, 0) == SW_E_NOTFOUND,
			           "http.request_header: a value that does not fit is none");
			UNIT_CHECK(app_msg_buffer_id_i(&m, rs, 0, &b, big, sizeof(big)) == SW_E_NOTFOUND,
			           "http.response_header: none without response headers");
		}
		t.req_headers = NULL;
		t.n_req_headers = 0;
	}
	UNIT_CHECK_STR(get(&m, "http.cookie", buf, sizeof(buf)), "s=1", "http.cookie");
	UNIT_CHECK_STR(get(&m, "http.stat_code", buf, sizeof(buf)), "404",
		       "http.stat_code as text");
	UNIT_CHECK_STR(get(&m, "http.request_body", buf, sizeof(buf)), "x=1", "http.request_body");
	UNIT_CHECK_STR(get(&m, "file.data", buf, sizeof(buf)), "<html>",
		       "file.data of a transaction is the response body");
	UNIT_CHECK(get(&m, "http.content_type", buf, sizeof(buf)) == NULL,
		   "an empty field is not a buffer");
	UNIT_CHECK(get(&m, "dns.query", buf, sizeof(buf)) == NULL,
		   "another protocol's buffer is absent");
	UNIT_CHECK(app_msg_buffer(&m, "http.nope", &b, buf, sizeof(buf)) == SW_E_INVAL,
		   "an unknown name is an error");

	memset(&d, 0, sizeof(d));
	d.qname = B("a.evil.example");
	d.nquestions = 1;
	m.kind = APP_MSG_DNS;
	m.u.dns = &d;
	UNIT_CHECK_STR(get(&m, "dns.query", buf, sizeof(buf)), "a.evil.example", "dns.query");

	memset(&tls, 0, sizeof(tls));
	tls.sni = B("evil.example");
	tls.cert_subject = B("CN=evil.example");
	snprintf(tls.ja3_hash, sizeof(tls.ja3_hash), "0149f47eabf9a20d0893e2a44e5a6323");
	tls.ja3 = B("771,4865,0,29,0");
	m.kind = APP_MSG_TLS;
	m.u.tls = &tls;
	UNIT_CHECK_STR(get(&m, "tls.sni", buf, sizeof(buf)), "evil.example", "tls.sni");
	UNIT_CHECK_STR(get(&m, "tls.cert_subject", buf, sizeof(buf)), "CN=evil.example",
		       "tls.cert_subject");
	UNIT_CHECK_STR(get(&m, "ja3.hash", buf, sizeof(buf)), "0149f47eabf9a20d0893e2a44e5a6323",
		       "ja3.hash");
	UNIT_CHECK_STR(get(&m, "ja3.string", buf, sizeof(buf)), "771,4865,0,29,0", "ja3.string");
	UNIT_CHECK(get(&m, "ja3s.hash", buf, sizeof(buf)) == NULL, "no ja3s without a ServerHello");

	memset(&fi, 0, sizeof(fi));
	fi.name = B("x.exe");
	snprintf(fi.sha256, sizeof(fi.sha256), "%064d", 7);
	fi.dir = FLOW_TO_CLIENT;
	fi.txn = &t;
	m.kind = APP_MSG_FILE;
	m.u.file = &fi;
	UNIT_CHECK_STR(get(&m, "file.name", buf, sizeof(buf)), "x.exe", "file.name");
	UNIT_CHECK(get(&m, "file.sha256", buf, sizeof(buf)) != NULL && strlen(buf) == 64,
		   "file.sha256");
	UNIT_CHECK(get(&m, "file.md5", buf, sizeof(buf)) == NULL, "file.md5 absent when not computed");
	UNIT_CHECK_STR(get(&m, "file.data", buf, sizeof(buf)), "<html>",
		       "file.data of a download is the response body");

	/* every kind has its descriptor, and every buffer a name, a getter and one number */
	for (int k = 0; k < APP_MSG_KIND_MAX; k++) {
		const struct app_msg_desc *desc = app_msg_desc(k);

		UNIT_CHECK(desc != NULL && (int)desc->kind == k && desc->name != NULL &&
			       desc->eve != NULL,
			   "every kind has its descriptor");
	}
	UNIT_CHECK(app_msg_desc(APP_MSG_KIND_MAX) == NULL, "no descriptor past the last kind");
	UNIT_CHECK(app_buffer_count() >= 29, "every buffer of the parsers is numbered");
	for (int id = 0; id < app_buffer_count(); id++) {
		const struct app_buffer_desc *bd = app_buffer_desc(id, NULL);
		int found = app_buffer_find(bd->name);

		UNIT_CHECK(bd->name != NULL && bd->get != NULL, "every buffer has a name and a getter");
		/* file.data is on transactions and on files: the first one is found by name */
		UNIT_CHECK(found == id || strcmp(bd->name, "file.data") == 0,
			   "every buffer is found by its name");
	}
	UNIT_CHECK(app_buffer_find("DNS_QUERY") == app_buffer_find("dns.query"),
		   "aliases, case-insensitive");
	UNIT_CHECK(app_buffer_find_modifier("uricontent") == app_buffer_find("http.uri"),
		   "old content modifiers");
	UNIT_CHECK(app_buffer_find("http.nope") == SW_E_NOTFOUND, "unknown buffer");
	{ /* a QUIC message has the TLS buffers of the handshake its Initials carried */
		struct app_quic_msg q;
		struct app_msg as;

		memset(&q, 0, sizeof(q));
		q.tls = &tls;
		m.kind = APP_MSG_QUIC;
		m.u.quic = &q;
		UNIT_CHECK(app_kind_serves(APP_MSG_QUIC, APP_MSG_TLS) &&
			   !app_kind_serves(APP_MSG_TLS, APP_MSG_QUIC) &&
			   !app_kind_serves(APP_MSG_HTTP, APP_MSG_TLS),
			   "QUIC serves TLS's buffers, not the other way");
		UNIT_CHECK(app_proto_serves(APP_QUIC, APP_MSG_TLS) &&
			   !app_proto_serves(APP_DNS, APP_MSG_TLS), "by protocol");
		UNIT_CHECK_STR(get(&m, "tls.sni", buf, sizeof(buf)), "evil.example", "tls.sni of QUIC");
		UNIT_CHECK_STR(get(&m, "ja3.hash", buf, sizeof(buf)), "0149f47eabf9a20d0893e2a44e5a6323",
			       "ja3.hash of QUIC");
		UNIT_CHECK(app_msg_as(&m, APP_MSG_TLS, &as) && as.kind == APP_MSG_TLS && as.u.tls == &tls,
			   "the TLS view");
		UNIT_CHECK(!app_msg_as(&m, APP_MSG_HTTP, &as), "no HTTP view");
	}
	return unit_done();
}
