/* tests/fuzz/fuzz_cti_csv.c: fuzz target for CTI CSV feeds (RFC 4180, src/cti/, issue 4). The
 * input is loaded as a feed, then loaded again with the first load as the previous store and a
 * failing second feed, so the per-feed fallback copies it; a few values are matched on both. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cti/cti.h"
#include "fuzz.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define FUZZ_NOW (1800000000ULL * SW_USEC_PER_SEC)

static void
fz_match(const struct cti_store *s)
{
	static const uint8_t a4[16] = {10, 1, 2, 3}, a6[16] = {0x20, 0x01, 0x0d, 0xb8};
	struct cti_hit h;
	const struct cti_hit *r[6];

	r[0] = cti_store_match_ip(s, 4, a4, FUZZ_NOW, &h);
	r[1] = cti_store_match_ip(s, 6, a6, FUZZ_NOW, &h);
	r[2] = cti_store_match_domain(s, "a.evil.example", 14, FUZZ_NOW, &h);
	r[3] = cti_store_match_url(s, "http://evil.example/x?y", 23, FUZZ_NOW, &h);
	r[4] = cti_store_match_hash(s, CTI_T_MD5, "d41d8cd98f00b204e9800998ecf8427e", 32, FUZZ_NOW,
	                            &h);
	r[5] = cti_store_match_ja3(s, "d41d8cd98f00b204e9800998ecf8427e", 32, FUZZ_NOW, &h);
	for (int i = 0; i < 6; i++) {
		if (r[i] == NULL)
			continue;
		/* every string of a hit is readable and NUL-terminated */
		FUZZ_ASSERT(strlen(r[i]->indicator) + strlen(r[i]->feed) + strlen(r[i]->source) +
		                strlen(r[i]->tags) + strlen(r[i]->id) + strlen(r[i]->name) <
		            (1u << 20));
		FUZZ_ASSERT(r[i]->valid_until == 0 || r[i]->valid_until > FUZZ_NOW);
	}
}

int
fuzz_cti_csv_one(const uint8_t *data, size_t size)
{
	struct cti_feed_conf fc[2];
	struct cti_conf conf;
	struct cti_store *s1 = NULL, *s2 = NULL;
	uint64_t n1;

	sw_log_set_level(SW_LOG_ERROR);
	memset(fc, 0, sizeof(fc));
	fc[0].name = "fuzz";
	fc[0].path = "fuzz.csv";
	fc[0].format = CTI_FMT_CSV;
	fc[0].type = -1;
	fc[0].confidence = 50;
	fc[0].severity = 2;
	fc[0].data = data;
	fc[0].len = size;
	memset(&conf, 0, sizeof(conf));
	conf.feeds = fc;
	conf.nfeeds = 1;
	if (cti_store_build(&conf, NULL, FUZZ_NOW, 1, &s1) != 0)
		return 0;
	fz_match(s1);
	n1 = cti_store_count(s1, -1);
	/* the same feed fails next time (a header it cannot use): its indicators are kept */
	fc[0].data = "no header\n";
	fc[0].len = 10;
	fc[1] = fc[0];
	fc[1].name = "other";
	fc[1].data = data;
	fc[1].len = size;
	conf.nfeeds = 2;
	if (cti_store_build(&conf, s1, FUZZ_NOW, 2, &s2) == 0) {
		if (cti_store_feed(s1, 0)->error == 0)
			FUZZ_ASSERT(cti_store_feed(s2, 0)->kept_previous);
		FUZZ_ASSERT(cti_store_count(s2, -1) >= n1);
		fz_match(s2);
	}
	cti_store_free(s1);
	cti_store_free(s2);
	return 0;
}

FUZZ_ENTRY(fuzz_cti_csv_one)
