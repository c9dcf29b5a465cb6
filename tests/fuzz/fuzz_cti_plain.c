/* tests/fuzz/fuzz_cti_plain.c: fuzz target for CTI plain lists (src/cti/, issue 4). The input is
 * a feed; invariants, checked with abort():
 *   - every value the loader accepted matches again through the matching API (round trip);
 *   - URL normalization is idempotent: normalizing a normalized URL gives it back. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cti/cti.h"
#include "cti/cti_int.h"
#include "fuzz.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define FUZZ_NOW (1800000000ULL * SW_USEC_PER_SEC)

/* The value of one line as the plain parser takes it. */
static void
fz_roundtrip(const struct cti_store *s, const char *v, size_t len)
{
	static struct cti_key k;
	struct cti_hit h;
	const char *why;
	char norm[CTI_URL_MAX + 16], again[CTI_URL_MAX + 16];
	int type = cti_value_guess(v, len), n, m;

	if (type < 0 || cti_key_make(type, v, len, &k, &why) != 0)
		return;
	switch (type) {
	case CTI_T_IPV4:
	case CTI_T_IPV6: {
		uint8_t a[16] = {0};

		memcpy(a, k.bin + 1, type == CTI_T_IPV4 ? 4 : 16);
		FUZZ_ASSERT(cti_store_match_ip(s, type == CTI_T_IPV4 ? 4 : 6, a, FUZZ_NOW, &h) !=
		            NULL);
		break;
	}
	case CTI_T_DOMAIN:
		FUZZ_ASSERT(cti_store_match_domain(s, k.text, k.text_len, FUZZ_NOW, &h) != NULL);
		FUZZ_ASSERT(cti_store_match_domain(s, v, len, FUZZ_NOW, &h) != NULL);
		break;
	case CTI_T_URL:
		FUZZ_ASSERT(cti_store_match_url(s, v, len, FUZZ_NOW, &h) != NULL);
		n = cti_url_normalize(v, len, norm, sizeof(norm));
		FUZZ_ASSERT(n >= 0);
		m = cti_url_normalize(norm, (size_t)n, again, sizeof(again));
		FUZZ_ASSERT(m == n && memcmp(norm, again, (size_t)n) == 0);
		break;
	default:
		FUZZ_ASSERT(cti_store_match_hash(s, type, v, len, FUZZ_NOW, &h) != NULL);
		break;
	}
}

int
fuzz_cti_plain_one(const uint8_t *data, size_t size)
{
	struct cti_feed_conf fc;
	struct cti_conf conf;
	struct cti_store *s = NULL;
	const char *p = (const char *)data, *end = p + size;

	sw_log_set_level(SW_LOG_ERROR);
	memset(&fc, 0, sizeof(fc));
	fc.name = "fuzz";
	fc.path = "fuzz.txt";
	fc.format = CTI_FMT_PLAIN;
	fc.type = -1;
	fc.confidence = 50;
	fc.severity = 2;
	fc.data = data;
	fc.len = size;
	memset(&conf, 0, sizeof(conf));
	conf.feeds = &fc;
	conf.nfeeds = 1;
	if (cti_store_build(&conf, NULL, FUZZ_NOW, 1, &s) != 0)
		return 0;
	/* every line whose value loaded matches back */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *v, *ve, *rest;

		if (eol == NULL)
			eol = end;
		for (v = p; v < eol && isspace((unsigned char)*v); v++)
			;
		for (ve = v; ve < eol && !isspace((unsigned char)*ve); ve++)
			;
		for (rest = ve; rest < eol && isspace((unsigned char)*rest); rest++)
			;
		if (v < eol && *v != '#' && (rest == eol || *rest == '#') &&
		    cti_store_feed(s, 0)->error == 0)
			fz_roundtrip(s, v, (size_t)(ve - v));
		p = eol < end ? eol + 1 : end;
	}
	/* the whole input as a URL: idempotent normalization */
	{
		char norm[CTI_URL_MAX + 16], again[CTI_URL_MAX + 16];
		int n = cti_url_normalize((const char *)data, size, norm, sizeof(norm)), m;

		if (n >= 0) {
			m = cti_url_normalize(norm, (size_t)n, again, sizeof(again));
			FUZZ_ASSERT(m == n && memcmp(norm, again, (size_t)n) == 0);
		}
	}
	cti_store_free(s);
	return 0;
}

FUZZ_ENTRY(fuzz_cti_plain_one)
