/* tests/unit/cti/test_cti_reload.c: hot reload of src/cti/ under load (issue 4): reader threads
 * match in a loop with quiescent points while a writer reloads in a loop; every snapshot is
 * consistent, matches switch over, old stores are reclaimed (ASan catches a use after free). */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cti/cti.h"
#include "unit.h"

#define READERS 4
#define RELOADS 200
#define NOW     (1800000000ULL * SW_USEC_PER_SEC)

struct reader_arg {
	struct cti_handle *h;
	_Atomic int *stop;
	uint64_t matches, hits_a, hits_b, wrong, snapshots, versions_back;
};

static void *
reader_main(void *p)
{
	struct reader_arg *a = p;
	struct cti_reader *r = NULL;
	uint64_t last = 0;
	uint8_t addr[16] = {10, 1, 2, 3};

	if (cti_reader_new(a->h, &r) != 0)
		return NULL;
	for (unsigned n = 0; !atomic_load(a->stop); n++) {
		const struct cti_store *s = cti_reader_store(r);
		struct cti_hit h;
		const struct cti_hit *ha, *hb, *hi;
		uint64_t v = cti_store_version(s);

		if (s != NULL) {
			a->snapshots++;
			if (v < last)
				a->versions_back++;
			last = v;
			/* several lookups on one snapshot, touching the strings of each hit */
			for (int i = 0; i < 8; i++) {
				ha = cti_store_match_domain(s, "x.a.example", 11, NOW, &h);
				if (ha != NULL) {
					a->hits_a++;
					a->matches += strlen(ha->indicator) + strlen(ha->feed) +
					              strlen(ha->source) + strlen(ha->tags);
				}
				hb = cti_store_match_domain(s, "x.b.example", 11, NOW, &h);
				if (hb != NULL) {
					a->hits_b++;
					a->matches += strlen(hb->indicator) + strlen(hb->id);
				}
				if ((v % 2 == 1) != (ha != NULL) || (v % 2 == 0) != (hb != NULL))
					a->wrong++;
				hi = cti_store_match_ip(s, 4, addr, NOW, &h);
				if (hi == NULL || strcmp(hi->indicator,
				                         v % 2 ? "10.0.0.0/8" : "10.1.0.0/16") != 0)
					a->wrong++;
			}
		}
		cti_reader_quiescent(r);
		if (n % 1000 == 999) { /* idle for a moment, as a worker without packets */
			cti_reader_offline(r);
			usleep(100);
			cti_reader_online(r);
		}
	}
	cti_reader_free(r);
	return NULL;
}

/* A feed of n domains, prefixes and URLs, with a marker domain and prefix. */
static char *
make_feed(const char *marker, const char *prefix, int n)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_addf(&b, "type,value,source,tags,id\n");
	sbuf_addf(&b, "domain,%s,src-%s,t1|t2,ID-%s\n", marker, marker, marker);
	sbuf_addf(&b, "ipv4,%s,src,,\n", prefix);
	for (int i = 0; i < n; i++)
		sbuf_addf(&b, "domain,d%d.%s,src,,\nurl,http://%s/p%d,src,,\n", i, marker, marker,
		          i);
	sbuf_addc(&b, '\0');
	return b.p;
}

int
main(void)
{
	struct cti_handle *h = NULL;
	struct reader_arg args[READERS];
	pthread_t th[READERS];
	_Atomic int stop = 0;
	char *fa = make_feed("a.example", "10.0.0.0/8", 2000);
	char *fb = make_feed("b.example", "10.1.0.0/16", 2000);
	struct cti_feed_conf feeds[2];
	struct cti_conf conf;
	struct cti_reader *mine = NULL;
	uint64_t hits_a = 0, hits_b = 0, wrong = 0, snaps = 0, back = 0;
	int failures = 0, switched = 0;
	char tmp[] = "/tmp/cti-reload-XXXXXX";
	int fd = mkstemp(tmp);

	UNIT_CHECK(fa != NULL && fb != NULL && fd >= 0, "feeds made");
	if (fd >= 0) {
		if (write(fd, "10.200.0.0/16\n", 14) != 14)
			UNIT_CHECK(0, "temp write");
		close(fd);
	}
	sw_log_set_level(SW_LOG_ERROR);
	memset(feeds, 0, sizeof(feeds));
	feeds[0].name = "main";
	feeds[0].path = "main";
	feeds[0].format = CTI_FMT_CSV;
	feeds[0].type = -1;
	feeds[0].confidence = 50;
	feeds[0].severity = 2;
	feeds[1] = feeds[0];
	feeds[1].name = "file";
	feeds[1].path = tmp;
	feeds[1].format = CTI_FMT_PLAIN;
	feeds[1].data = NULL;
	memset(&conf, 0, sizeof(conf));
	conf.feeds = feeds;
	conf.nfeeds = 2;

	UNIT_CHECK(cti_handle_new(&h) == 0, "handle");
	UNIT_CHECK(cti_handle_version(h) == 0, "version 0 before the first load");
	UNIT_CHECK(cti_reader_new(h, &mine) == 0, "the writer's own reader");
	UNIT_CHECK(cti_reader_store(mine) == NULL, "no store before the first load");
	for (int i = 0; i < READERS; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].h = h;
		args[i].stop = &stop;
		pthread_create(&th[i], NULL, reader_main, &args[i]);
	}
	for (int i = 1; i <= RELOADS; i++) {
		const struct cti_store *s;
		struct cti_hit hit;
		uint8_t a10200[16] = {10, 200, 0, 1};

		feeds[0].data = i % 2 ? fa : fb;
		feeds[0].len = strlen(feeds[0].data);
		/* the file feed disappears now and then: its previous data must be kept */
		if (i % 10 == 5)
			feeds[1].path = "/nonexistent/cti-feed.txt";
		else
			feeds[1].path = tmp;
		if (cti_handle_reload(h, &conf, NOW) != 0)
			failures++;
		cti_reader_quiescent(mine);
		s = cti_reader_store(mine);
		if (cti_store_version(s) == (uint64_t)i &&
		    (cti_store_match_domain(s, i % 2 ? "q.a.example" : "q.b.example", 11, NOW,
		                            &hit) != NULL) &&
		    cti_store_match_domain(s, i % 2 ? "q.b.example" : "q.a.example", 11, NOW,
		                           &hit) == NULL &&
		    cti_store_match_ip(s, 4, a10200, NOW, &hit) != NULL)
			switched++;
		if (i % 10 == 5 && !cti_store_feed(s, 1)->kept_previous)
			failures++;
		if (i % 3 == 0)
			usleep(200);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < READERS; i++) {
		pthread_join(th[i], NULL);
		hits_a += args[i].hits_a;
		hits_b += args[i].hits_b;
		wrong += args[i].wrong;
		snaps += args[i].snapshots;
		back += args[i].versions_back;
	}
	printf("# %llu snapshots, %llu hits a, %llu hits b\n", (unsigned long long)snaps,
	       (unsigned long long)hits_a, (unsigned long long)hits_b);
	UNIT_CHECK(failures == 0, "every reload published, missing file kept its data");
	UNIT_CHECK(switched == RELOADS,
	           "after each reload the new indicators match, the old do not");
	UNIT_CHECK(cti_handle_version(h) == RELOADS, "version counts the reloads");
	UNIT_CHECK(wrong == 0, "every snapshot is one whole version");
	UNIT_CHECK(back == 0, "a reader never sees an older version after a newer one");
	UNIT_CHECK(hits_a > 0 && hits_b > 0, "readers saw both versions");
	cti_reader_offline(mine);
	UNIT_CHECK(cti_handle_synchronize(h, 2000) == 0, "every retired store reclaimed");
	cti_reader_online(mine);
	UNIT_CHECK(cti_reader_store(mine) == cti_handle_current(h),
	           "the reader sees the current store");
	cti_reader_free(mine);
	cti_handle_free(h);
	cti_handle_free(NULL);
	cti_reader_free(NULL);
	unlink(tmp);
	free(fa);
	free(fb);
	return unit_done();
}
