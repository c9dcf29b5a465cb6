/* tests/unit/cti/test_cti_flow.c: indicators against traffic through the protocol descriptors:
 * one alert per flow and indicator however many indicators a flow hits (the per-flow set had a
 * limit of 32 once), the app message's observables (DNS answers, HTTP host and URL, file
 * hashes), and the per-flow memory given back when the flow ends. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti/cti.h"
#include "unit.h"

#define NOW (1700000000ULL * SW_USEC_PER_SEC)
#define NADDR 100

struct seen {
	unsigned n;
	char last_on[32];
};

static void
on_alert(void *arg, struct sw_flow *f, sw_time_t ts, enum flow_dir dir, const struct cti_hit *hit,
	 const char *matched_on)
{
	struct seen *s = arg;

	(void)f, (void)ts, (void)dir, (void)hit;
	s->n++;
	snprintf(s->last_on, sizeof(s->last_on), "%s", matched_on);
}

static struct app_buf
B(const char *s)
{
	struct app_buf b = {(const uint8_t *)s, strlen(s)};

	return b;
}

int
main(void)
{
	static struct app_dns_rr rr[NADDR];
	struct cti_feed_conf fc;
	struct cti_conf conf;
	struct cti_handle *h = NULL;
	struct cti_reader *r = NULL;
	struct app_dns_msg d;
	struct app_http_txn t;
	struct app_msg m;
	struct sw_flow f;
	struct seen s = {0, ""};
	char *feed = malloc(NADDR * 20 + 200);
	size_t off = 0;

	/* 100 addresses, a domain and a URL */
	for (int i = 0; i < NADDR; i++)
		off += (size_t)snprintf(feed + off, 20, "198.51.%d.%d\n", i / 200, i % 200 + 1);
	off += (size_t)snprintf(feed + off, 200, "evil.example\nhttp://good.example/payload.bin\n");
	memset(&fc, 0, sizeof(fc));
	fc.name = fc.path = (char *)"test";
	fc.format = CTI_FMT_PLAIN;
	fc.type = -1;
	fc.confidence = 50;
	fc.severity = 2;
	fc.data = feed;
	fc.len = off;
	memset(&conf, 0, sizeof(conf));
	conf.feeds = &fc;
	conf.nfeeds = 1;
	UNIT_CHECK(cti_handle_new(&h) == 0 && cti_handle_reload(h, &conf, NOW) == 0, "store built");
	UNIT_CHECK(cti_reader_new(h, &r) == 0, "reader");
	cti_reader_mem(r)->memcap = 1 << 20;

	/* a DNS answer with 100 addresses, all indicators */
	memset(&d, 0, sizeof(d));
	d.response = true;
	d.nquestions = 1;
	d.qname = B("www.evil.example");
	for (int i = 0; i < NADDR; i++) {
		rr[i].type = 1;
		rr[i].addr_family = 4;
		rr[i].addr[0] = 198, rr[i].addr[1] = 51, rr[i].addr[2] = (uint8_t)(i / 200);
		rr[i].addr[3] = (uint8_t)(i % 200 + 1);
	}
	d.answers = rr;
	d.nanswers = NADDR;
	memset(&m, 0, sizeof(m));
	m.kind = APP_MSG_DNS;
	m.dir = FLOW_TO_CLIENT;
	m.ts = NOW;
	m.u.dns = &d;
	memset(&f, 0, sizeof(f));
	f.family = 4;

	cti_flow_check_msg(r, &f, &m, on_alert, &s);
	UNIT_CHECK(s.n == NADDR + 1, "every indicator of the answer alerts once (100 addresses, the name)");
	s.n = 0;
	cti_flow_check_msg(r, &f, &m, on_alert, &s);
	cti_flow_check_msg(r, &f, &m, on_alert, &s);
	UNIT_CHECK(s.n == 0, "the same answer again: no alert, past 32 indicators too");
	UNIT_CHECK(f.alerted, "the flow says it alerted");
	UNIT_CHECK(sw_counter_get(&cti_reader_mem(r)->memuse) > 0, "the flow's set is charged");

	/* an HTTP transaction: the host does not match, the URL does, port 80 dropped */
	memset(&t, 0, sizeof(t));
	t.host = B("good.example");
	t.port = 80;
	t.uri_raw = B("/payload.bin");
	t.method = B("GET");
	m.kind = APP_MSG_HTTP;
	m.dir = FLOW_TO_SERVER;
	m.u.http = &t;
	s.n = 0;
	cti_flow_check_msg(r, &f, &m, on_alert, &s);
	UNIT_CHECK(s.n == 1 && strcmp(s.last_on, "http.url") == 0, "the full URL matches");

	cti_flow_free(r, &f);
	UNIT_CHECK(f.cti == NULL && sw_counter_get(&cti_reader_mem(r)->memuse) == 0,
		   "the flow's memory is given back");

	/* a cap too small to remember anything: alerts still go out (a duplicate beats a loss) */
	cti_reader_mem(r)->memcap = 1;
	m.kind = APP_MSG_DNS;
	m.u.dns = &d;
	s.n = 0;
	cti_flow_check_msg(r, &f, &m, on_alert, &s);
	UNIT_CHECK(s.n == NADDR + 1 && sw_counter_get(&cti_reader_mem(r)->refused) > 0,
		   "over the cap: alerts kept, refusals counted");
	cti_flow_free(r, &f);

	cti_reader_free(r);
	cti_handle_free(h);
	free(feed);
	return unit_done();
}
