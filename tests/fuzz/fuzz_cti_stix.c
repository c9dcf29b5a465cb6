/* tests/fuzz/fuzz_cti_stix.c: fuzz target for CTI STIX 2.1 bundles and their patterns (src/cti/,
 * issue 4). The input is loaded as a STIX feed; when it is not JSON it is also tried as the
 * pattern of one indicator object, so the pattern parser sees arbitrary text. */
#include "config.h"

#include <jansson.h>
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
fz_load(const void *data, size_t size)
{
	static const uint8_t a4[16] = {192, 0, 2, 1};
	struct cti_feed_conf fc;
	struct cti_conf conf;
	struct cti_store *s = NULL;
	struct cti_hit h;
	const struct cti_hit *r;

	memset(&fc, 0, sizeof(fc));
	fc.name = "fuzz";
	fc.path = "fuzz.json";
	fc.format = CTI_FMT_STIX;
	fc.type = -1;
	fc.confidence = 50;
	fc.severity = 2;
	fc.data = data;
	fc.len = size;
	memset(&conf, 0, sizeof(conf));
	conf.feeds = &fc;
	conf.nfeeds = 1;
	if (cti_store_build(&conf, NULL, FUZZ_NOW, 1, &s) != 0)
		return;
	FUZZ_ASSERT(cti_store_feed(s, 0)->unsupported <= cti_store_feed(s, 0)->skipped);
	if ((r = cti_store_match_ip(s, 4, a4, FUZZ_NOW, &h)) != NULL)
		FUZZ_ASSERT(strlen(r->id) + strlen(r->tags) + strlen(r->name) < (1u << 20));
	if ((r = cti_store_match_domain(s, "x.stix.example", 14, FUZZ_NOW, &h)) != NULL)
		FUZZ_ASSERT(strlen(r->id) + strlen(r->tags) + strlen(r->name) < (1u << 20));
	(void)cti_store_match_url(s, "http://stix.example/", 20, FUZZ_NOW, &h);
	cti_store_free(s);
}

int
fuzz_cti_stix_one(const uint8_t *data, size_t size)
{
	sw_log_set_level(SW_LOG_ERROR);
	fz_load(data, size);
	if (size > 0 && data[0] != '{' && data[0] != '[') {
		json_t *o = json_pack("{s:s, s:s, s:s%, s:[s,s]}", "type", "indicator", "id",
		                      "indicator--fuzz", "pattern", (const char *)data, size,
		                      "labels", "a", "b");
		char *text = o != NULL ? json_dumps(o, 0) : NULL;

		if (text != NULL)
			fz_load(text, strlen(text));
		free(text);
		json_decref(o);
	}
	return 0;
}

FUZZ_ENTRY(fuzz_cti_stix_one)
