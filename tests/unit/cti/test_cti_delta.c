/* tests/unit/cti/test_cti_delta.c: the intel topic's delta store and the retro-hunt window of
 * issue 17. A view of file feeds, a delta overlay and the topic's base: the overlay's changes and
 * removals hide the base, longest prefix across the parts, provenance per part; publication
 * through the handle. The window: observations matched by new indicators only, never twice,
 * never those matched live against the new set; aged out by packet time and pushed out by its
 * memcap, both counted. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti/cti_int.h"
#include "unit.h"

#define NOW (1800000000ULL * SW_USEC_PER_SEC)

static const struct cti_feed_conf defaults = {.format = CTI_FMT_CSV, .type = -1, .confidence = 50,
                                              .severity = 2};

/* A topic store of "type value severity" lines (severity 0: a removal). */
static struct cti_store *
topic_store(const char *const *lines, size_t n)
{
	struct cti_store *s;
	struct cti_load ld;

	if (cti_store_new(1, NULL, 1, &s) != 0)
		return NULL;
	s->feed_strs[0] = strdup("kafka:t");
	s->feed_strs[1] = strdup("kafka:t");
	s->feeds[0].name = s->feed_strs[0];
	s->feeds[0].path = s->feed_strs[1];
	s->has_origin = true;
	memset(&ld, 0, sizeof(ld));
	ld.s = s;
	ld.fc = &defaults;
	ld.st = &s->feeds[0];
	ld.now = NOW;
	ld.where = "kafka:t";
	cti_store_intern_str(s, "t", 1, &ld.def_source);
	cti_store_intern_str(s, "", 0, &ld.def_tags);
	for (size_t i = 0; i < n; i++) {
		char type[16], value[128], origin[32];
		int sev;
		struct cti_record rec;

		if (sscanf(lines[i], "%15s %127s %d", type, value, &sev) != 3)
			return NULL;
		memset(&rec, 0, sizeof(rec));
		rec.type = cti_type_parse(type, strlen(type));
		rec.value = value;
		rec.value_len = strlen(value);
		rec.confidence = -1;
		rec.severity = sev;
		snprintf(origin, sizeof(origin), "kafka:t/0/%zu", i);
		s->cur_origin = origin;
		s->cur_origin_len = strlen(origin);
		if (cti_load_add(&ld, &rec, 0, "t") != 0)
			return NULL;
	}
	if (cti_store_finish(s) != 0)
		return NULL;
	return s;
}

static void
test_view(void)
{
	static const char *const base_l[] = {"domain a.example 3", "domain b.example 3",
	                                     "ipv4 10.0.0.0/8 3", "domain gone.example 3"};
	static const char *const over_l[] = {"domain b.example 1", "domain c.example 2",
	                                     "ipv4 10.1.0.0/16 2", "domain gone.example 0"};
	struct cti_feed_conf fc = defaults;
	struct cti_conf conf;
	struct cti_store *files = NULL, *base, *over, *view = NULL;
	uint64_t count[CTI_T_MAX] = {0};
	struct cti_hit hit;
	uint8_t a1[16] = {10, 1, 2, 3}, a2[16] = {10, 2, 2, 3};
	const struct cti_hit *h;

	memset(&conf, 0, sizeof(conf));
	fc.name = "file";
	fc.path = "/feeds/file.txt";
	fc.format = CTI_FMT_PLAIN;
	fc.data = "f.example\n";
	fc.len = strlen(fc.data);
	conf.feeds = &fc;
	conf.nfeeds = 1;
	UNIT_CHECK(cti_store_build(&conf, NULL, NOW, 1, &files) == 0, "file store");
	base = topic_store(base_l, 4);
	over = topic_store(over_l, 4);
	UNIT_CHECK(base != NULL && over != NULL, "base and overlay built");
	count[CTI_T_DOMAIN] = 3;
	count[CTI_T_IPV4] = 2;
	UNIT_CHECK(cti_store_view(files, over, base, count, 9, &view) == 0, "view");
	UNIT_CHECK(cti_store_version(view) == 9 && cti_store_count(view, -1) == 6,
	           "the view's version and totals");
	h = cti_store_match_domain(view, "x.a.example", 11, NOW, &hit);
	UNIT_CHECK(h != NULL && h->severity == 3, "the base's a.example");
	h = cti_store_match_domain(view, "b.example", 9, NOW, &hit);
	UNIT_CHECK(h != NULL && h->severity == 1, "the overlay's change hides the base's b.example");
	UNIT_CHECK_STR(h != NULL ? h->origin : NULL, "kafka:t/0/0", "provenance of the change");
	UNIT_CHECK(cti_store_match_domain(view, "c.example", 9, NOW, &hit) != NULL,
	           "the overlay's addition");
	UNIT_CHECK(cti_store_match_domain(view, "gone.example", 12, NOW, &hit) == NULL,
	           "the overlay's removal hides the base's gone.example");
	h = cti_store_match_domain(view, "f.example", 9, NOW, &hit);
	UNIT_CHECK_STR(h != NULL ? h->origin : NULL, "/feeds/file.txt", "a file's indicator: its path");
	h = cti_store_match_ip(view, 4, a1, NOW, &hit);
	UNIT_CHECK_STR(h != NULL ? h->indicator : NULL, "10.1.0.0/16", "longest prefix across parts");
	h = cti_store_match_ip(view, 4, a2, NOW, &hit);
	UNIT_CHECK_STR(h != NULL ? h->indicator : NULL, "10.0.0.0/8", "the base's shorter prefix");
	UNIT_CHECK(cti_store_nfeeds(view) == 1 && cti_store_bytes(view) > cti_store_bytes(base),
	           "feed stats and bytes of the view");
	cti_store_free(view);
	cti_store_free(files);

	/* publication: the handle's view, replaced parts reclaimed */
	{
		struct cti_handle *hd;
		struct cti_reader *r;
		uint64_t v1 = 0, v2 = 0;

		cti_handle_new(&hd);
		cti_reader_new(hd, &r);
		UNIT_CHECK(cti_handle_publish_topic(hd, over, base, count, &v1) == 0,
		           "first topic publication");
		UNIT_CHECK(cti_store_match_domain(cti_reader_store(r), "c.example", 9, NOW, &hit) !=
		               NULL,
		           "readers see the overlay");
		cti_reader_quiescent(r);
		UNIT_CHECK(cti_handle_publish_topic(hd, NULL, base, count, &v2) == 0 && v2 == v1 + 1,
		           "an empty overlay published: the next version");
		UNIT_CHECK(cti_store_match_domain(cti_reader_store(r), "c.example", 9, NOW, &hit) ==
		               NULL,
		           "the overlay's addition is gone with it");
		cti_reader_quiescent(r);
		UNIT_CHECK(cti_handle_synchronize(hd, 1000) == 0, "the old view and overlay reclaimed");
		cti_reader_free(r);
		cti_handle_free(hd);
	}
}

struct got {
	int n;
	char last[64];
	sw_time_t observed;
};

static void
on_retro(void *arg, const struct cti_retro_alert *a)
{
	struct got *g = arg;

	g->n++;
	snprintf(g->last, sizeof(g->last), "%s %s", a->hit->indicator, a->matched_on);
	g->observed = a->observed;
}

/* A 1-minute window holding flow id's addresses (192.0.2.9 to 10.0.0.53) and its DNS query
 * www.evil.example, matched live against version. */
static struct cti_retro *
flow_window(struct sw_flow *f, uint64_t id, uint64_t version)
{
	struct cti_retro *w;

	memset(f, 0, sizeof(*f));
	f->family = 4;
	f->proto = 17;
	f->cport = 5353;
	f->sport = 53;
	f->flow_id = id;
	memcpy(f->cli.b, "\xc0\x00\x02\x09", 4);
	memcpy(f->srv.b, "\x0a\x00\x00\x35", 4);
	UNIT_CHECK(cti_retro_new(60 * SW_USEC_PER_SEC, 1 << 20, &w) == 0, "window");
	cti_retro_note(w, f, NOW, version, CTI_RETRO_ADDRS, "flow", FLOW_TO_SERVER, "", 0, 4);
	cti_retro_note(w, f, NOW + 1000, version, APP_OBS_DOMAIN, "dns.query", FLOW_TO_SERVER,
	               "www.evil.example", 16, 0);
	return w;
}

static void
test_window(void)
{
	static const char *const fresh_l[] = {"domain evil.example 1", "ipv4 192.0.2.9 2"};
	struct cti_store *fresh = topic_store(fresh_l, 2);
	struct cti_retro *w;
	struct cti_retro_stats st;
	struct sw_flow f;
	struct got g = {0};

	w = flow_window(&f, 77, 3);
	f.flow_id = 78;
	cti_retro_note(w, &f, NOW + 2000, 5, APP_OBS_DOMAIN, "dns.query", FLOW_TO_SERVER,
	               "evil.example", 12, 0); /* matched live against version 5 */
	cti_retro_scan(&w, 1, fresh, 5, NOW, on_retro, &g);
	UNIT_CHECK(g.n == 2, "the address and the name of flow 77, not flow 78 matched live");
	UNIT_CHECK_STR(g.last, "evil.example dns.query", "the parent domain, the field");
	UNIT_CHECK(g.observed == NOW + 1000, "the observation's time");
	cti_retro_scan(&w, 1, fresh, 6, NOW, on_retro, &g);
	UNIT_CHECK(g.n == 3, "a later set: flow 78 now, flow 77 never twice");
	/* aging: a packet two minutes later pushes the rest out */
	cti_retro_note(w, &f, NOW + 120 * SW_USEC_PER_SEC, 6, APP_OBS_DOMAIN, "dns.query",
	               FLOW_TO_SERVER, "late.example", 12, 0);
	cti_retro_get_stats(w, &st);
	UNIT_CHECK(st.expired == 3 && st.records == 1, "three aged out, counted");
	cti_retro_free(w);

	/* the memcap: a 64 KB window keeps the newest, counts what it pushed out */
	UNIT_CHECK(cti_retro_new(60 * SW_USEC_PER_SEC, 1, &w) == 0, "small window");
	for (int i = 0; i < 5000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "host%d.example", i);
		f.flow_id = (uint64_t)i;
		cti_retro_note(w, &f, NOW + i, 1, APP_OBS_DOMAIN, "dns.query", FLOW_TO_SERVER, name,
		               strlen(name), 0);
	}
	cti_retro_get_stats(w, &st);
	UNIT_CHECK(st.memuse <= 64 * 1024 && st.evicted > 0 &&
	               st.records + st.evicted == 5000,
	           "capped at 64 KB; the oldest pushed out and counted");
	printf("# %llu records in %llu bytes: %.1f bytes per observation (a 17-byte name, IPv4)\n",
	       (unsigned long long)st.records, (unsigned long long)st.bytes,
	       (double)st.bytes / (double)st.records);
	{
		static const char *const l[] = {"domain host4999.example 1", "domain host0.example 1"};
		struct cti_store *s2 = topic_store(l, 2);

		g.n = 0;
		cti_retro_scan(&w, 1, s2, 2, NOW, on_retro, &g);
		UNIT_CHECK(g.n == 1, "the newest is still there, the oldest is not");
		cti_store_free(s2);
	}
	cti_retro_free(w);
	cti_store_free(fresh);
}

/* A scan holds the window's lock a slice at a time: a worker appending meanwhile (the ring
 * growing under the scan, or pushing the oldest out) loses nothing and gets nothing twice. */
#define SLICED_N 5000

struct sliced {
	int n, twice, wrong;
	unsigned char seen[SLICED_N];
};

static void
on_sliced(void *arg, const struct cti_retro_alert *a)
{
	struct sliced *g = arg;
	uint64_t id = a->f->flow_id;

	g->n++;
	if (id >= SLICED_N || id % 7 != 0)
		g->wrong++;
	else if (g->seen[id]++)
		g->twice++;
}

struct appender {
	struct cti_retro *w;
	int n, done, calls;
	bool age_first; /* the first call ages host0..host2499 out of the window first */
};

/* Appends ap->n observations matched live against the new set (version 2), after those it
 * appended before. */
static void
append_some(struct appender *ap)
{
	struct sw_flow f;

	memset(&f, 0, sizeof(f));
	f.family = 4;
	f.proto = 17;
	for (int i = ap->done; i < ap->done + ap->n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "other%d.example", i);
		f.flow_id = SLICED_N + (uint64_t)i;
		/* matched live against the new set already (version 2): not the scan's */
		cti_retro_note(ap->w, &f, NOW + SLICED_N + (sw_time_t)i, 2, APP_OBS_DOMAIN,
		               "dns.query", FLOW_TO_SERVER, name, strlen(name), 0);
	}
	ap->done += ap->n;
}

static void *
append_thread(void *arg)
{
	append_some(arg);
	return NULL;
}

/* Between two slices of the scan: a worker's packets. */
static void
append_between(void *arg)
{
	struct appender *ap = arg;

	if (ap->calls++ == 0 && ap->age_first) {
		struct sw_flow f;

		memset(&f, 0, sizeof(f));
		f.family = 4;
		f.proto = 17;
		f.flow_id = 1ULL << 40;
		/* a packet 60 s after host2500's: the window starts there */
		cti_retro_note(ap->w, &f, NOW + 60 * SW_USEC_PER_SEC + 2500, 2, APP_OBS_DOMAIN,
		               "dns.query", FLOW_TO_SERVER, "late.example", 12, 0);
	}
	append_some(ap);
}

/* threaded: appended observations by a thread while the scan runs; else `appended` of them
 * between every two slices (after aging the first half out, with age_first); want: the hits
 * expected, -1 for any number up to all */
static void
sliced_run(uint64_t memcap, int appended, bool threaded, bool age_first, int want,
           const char *what)
{
	static char lines[SLICED_N / 7 + 1][48];
	const char *lp[SLICED_N / 7 + 1];
	struct cti_store *fresh;
	struct cti_retro *w;
	struct sliced *g = calloc(1, sizeof(*g));
	struct appender ap;
	struct sw_flow f;
	pthread_t th;
	size_t n = 0;
	char name[160];

	for (int i = 0; i < SLICED_N; i += 7) {
		snprintf(lines[n], sizeof(lines[n]), "domain host%d.example 1", i);
		lp[n] = lines[n];
		n++;
	}
	fresh = topic_store(lp, n);
	memset(&f, 0, sizeof(f));
	f.family = 4;
	f.proto = 17;
	UNIT_CHECK(g != NULL && fresh != NULL && cti_retro_new(60 * SW_USEC_PER_SEC, memcap, &w) == 0,
	           "sliced: window and set");
	for (int i = 0; i < SLICED_N; i++) {
		char host[32];

		snprintf(host, sizeof(host), "host%d.example", i);
		f.flow_id = (uint64_t)i;
		cti_retro_note(w, &f, NOW + (sw_time_t)i, 1, APP_OBS_DOMAIN, "dns.query",
		               FLOW_TO_SERVER, host, strlen(host), 0);
	}
	memset(&ap, 0, sizeof(ap));
	ap.w = w;
	ap.n = appended;
	ap.age_first = age_first;
	if (threaded) {
		UNIT_CHECK(pthread_create(&th, NULL, append_thread, &ap) == 0, "sliced: appender");
		cti_retro_scan(&w, 1, fresh, 2, NOW, on_sliced, g);
		pthread_join(th, NULL);
	} else {
		cti_retro_scan_between(&w, 1, fresh, 2, NOW, on_sliced, g, append_between, &ap);
		UNIT_CHECK(ap.calls >= 1, "sliced: the lock let go between slices");
	}
	snprintf(name, sizeof(name), "sliced, %s: %d hits of %zu, none twice, none wrong", what,
	         g->n, n);
	UNIT_CHECK(g->twice == 0 && g->wrong == 0 && (want >= 0 ? g->n == want : g->n <= (int)n),
	           name);
	g->n = 0;
	cti_retro_scan(&w, 1, fresh, 3, NOW, on_sliced, g);
	UNIT_CHECK(g->n == 0 && g->twice == 0, "sliced: a second scan repeats nothing");
	cti_retro_free(w);
	cti_store_free(fresh);
	free(g);
}

static void
test_sliced(void)
{
	/* 64 MB: all found, exactly once, while the ring grows (is rebuilt: the scan's offsets
	 * change) between slices; and when the first half ages out after the first slice (host0
	 * .. host255 scanned: 37 hits; host2500 .. host4999: 357), the ring wraps and then grows
	 * with its oldest record in the middle */
	sliced_run(64 << 20, 2000, false, false, 715, "ring rebuilt between slices");
	sliced_run(64 << 20, 2000, false, true, 37 + 357,
	           "first half aged out, the ring wrapped and rebuilt between slices");
	/* 64 KB: the oldest pushed out between slices: what is left is found */
	sliced_run(1, 300, false, false, -1, "oldest pushed out between slices");
	/* the same with a thread appending while the scan runs (for the sanitizers) */
	sliced_run(64 << 20, 200000, true, false, 715, "a thread appending");
	sliced_run(1, 20000, true, false, -1, "a thread appending to a full window");
}

/* A later batch of indicators is matched against every observation still in the window, also
 * those that alerted before for another indicator; no (flow, indicator) pair alerts twice, live
 * or retro. */
static void
test_later_batch(void)
{
	static const char *const a_l[] = {"domain evil.example 1"};
	static const char *const b_l[] = {"domain www.evil.example 2"};
	static const char *const c_l[] = {"ipv4 192.0.2.9 2", "domain evil.example 1"};
	struct cti_store *a = topic_store(a_l, 1), *b = topic_store(b_l, 1), *c = topic_store(c_l, 2);
	struct cti_retro *w;
	struct cti_retro_stats st;
	struct cti_hit hit;
	struct sw_flow f;
	struct got g = {0};

	w = flow_window(&f, 90, 1);
	cti_retro_scan(&w, 1, a, 2, NOW, on_retro, &g);
	UNIT_CHECK(g.n == 1 && strcmp(g.last, "evil.example dns.query") == 0, "A alerts");
	cti_retro_scan(&w, 1, b, 3, NOW, on_retro, &g);
	UNIT_CHECK(g.n == 2, "B, added later, alerts for the same observation");
	UNIT_CHECK_STR(g.last, "www.evil.example dns.query", "B's hit");
	cti_retro_scan(&w, 1, a, 4, NOW, on_retro, &g);
	UNIT_CHECK(g.n == 2, "A removed and added again: not twice");
	/* flow 91 alerted live for the address (matched against version 1, which had it); a
	 * later set adding it again (a removal in between) gives no retro alert for the pair */
	f.flow_id = 91;
	cti_retro_note(w, &f, NOW + 2000, 1, CTI_RETRO_ADDRS, "flow", FLOW_TO_SERVER, "", 0, 4);
	UNIT_CHECK(cti_store_match_ip(c, 4, f.cli.b, NOW, &hit) != NULL, "the live hit");
	cti_retro_live_hit(w, &f, NOW + 2000, &hit);
	cti_retro_scan(&w, 1, c, 5, NOW, on_retro, &g);
	UNIT_CHECK(g.n == 3, "flow 90's address alerts; flow 91's, alerted live, does not");
	UNIT_CHECK_STR(g.last, "192.0.2.9 flow.src_ip", "the address of flow 90");
	cti_retro_get_stats(w, &st);
	UNIT_CHECK(st.pairs == 4 && st.hits == 3 && st.forgotten == 0,
	           "four pairs remembered (three retro, one live)");
	/* the pairs leave with their observations */
	cti_retro_note(w, &f, NOW + 120 * SW_USEC_PER_SEC, 5, APP_OBS_DOMAIN, "dns.query",
	               FLOW_TO_SERVER, "late.example", 12, 0);
	cti_retro_scan(&w, 1, b, 6, NOW, on_retro, &g);
	cti_retro_get_stats(w, &st);
	UNIT_CHECK(g.n == 3 && st.records == 1, "gone from the window: no alert");
	cti_retro_free(w);
	cti_store_free(a);
	cti_store_free(b);
	cti_store_free(c);
}

static void
test_check(void)
{
	const char *why = NULL;

	UNIT_CHECK(cti_kafka_check("domain:a.example", 16, "{\"value\":\"a.example\"}", 21, &why) ==
	               0,
	           "a message");
	UNIT_CHECK(cti_kafka_check("domain:a.example", 16, NULL, 0, &why) == 0, "a tombstone");
	UNIT_CHECK(cti_kafka_check("domain:b.example", 16, "{\"value\":\"a.example\"}", 21, &why) !=
	               0,
	           "a key that is not the value's");
	UNIT_CHECK(cti_kafka_check(NULL, 0, "{\"value\":\"a.example\",\"severity\":9}", 34, &why) !=
	               0,
	           "severity 9");
	UNIT_CHECK(cti_kafka_check("nokey", 5, NULL, 0, &why) != 0, "a tombstone without type:value");
	UNIT_CHECK(cti_kafka_check(NULL, 0, "[1]", 3, &why) != 0, "not an object");
}

/* The fast scanner reads the common messages as jansson does, and leaves the rest to it. */
static void
test_fast(void)
{
	static const char *const fast[] = {
	    "{\"type\":\"domain\",\"value\":\"a.example\",\"severity\":2}",
	    " { \"value\" : \"192.0.2.0/24\" , \"tags\" : [ \"c2\" , \"x\" ], \"confidence\": 70,"
	    "\"source\": \"team\", \"id\": \"i-1\", \"name\": null, \"valid_until\": \"2030-01-01\"}\n",
	    "{\"value\":\"a.example\",\"tags\":[],\"severity\":\"high\",\"valid_until\":1900000000}",
	    "{\"value\":\"a.example\",\"severity\":9}",
	    "{\"value\":\"a.example\",\"confidence\":-1}",
	    "{\"value\":\"a.example\",\"source\":7}",
	    "{\"value\":\"\"}",
	    "{}",
	};
	static const char *const slow[] = {
	    "{\"value\":\"a\\u002eexample\"}", /* an escape */
	    "{\"value\":\"a.example\",\"value\":\"b.example\"}", /* a duplicate */
	    "{\"value\":\"a.example\",\"other\":1}",              /* another key */
	    "{\"value\":\"a.example\",\"confidence\":1.5}",        /* a real */
	    "{\"value\":\"a.example\",\"confidence\":01}",         /* not JSON */
	    "{\"value\":\"a.example\"} x",                           /* trailing bytes */
	    "{\"value\":\"a.example\",}",                            /* a trailing comma */
	    "{\"value\":\"\xc3\xa9.example\"}",                     /* not ASCII */
	    "{\"value\":true}",
	    "",
	};

	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++)
		UNIT_CHECK(cti_kafka_fast_cmp(fast[i], strlen(fast[i])) == 0, fast[i]);
	for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++)
		UNIT_CHECK(cti_kafka_fast_cmp(slow[i], strlen(slow[i])) == -1, slow[i]);
}

int
main(void)
{
	sw_log_set_level(SW_LOG_ERROR);
	test_view();
	test_window();
	test_later_batch();
	test_sliced();
	test_check();
	test_fast();
	return unit_done();
}
