/* tests/fuzz/fuzz_cti_kafka.c: fuzz target for the intel topic's messages (src/cti/cti_kafka.c,
 * issue 17). The input is a message: its first line the key (an empty first line: no key), the
 * rest the value; a first byte 'T' makes it a tombstone of the key after it. Invariants, checked
 * with abort(): a value accepted with its key is accepted without one too (the key only adds a
 * check), parsing the same message twice gives the same answer, and a value the fast scanner
 * reads gives the same answer and fields as jansson's reading of it. */
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

int
fuzz_cti_kafka_one(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl, *why = NULL;
	size_t keylen;
	int r;

	sw_log_set_level(SW_LOG_ERROR);
	if (size > 0 && p[0] == 'T') {
		r = cti_kafka_check(p + 1, size - 1, NULL, 0, &why);
		FUZZ_ASSERT(r == cti_kafka_check(p + 1, size - 1, NULL, 0, &why));
		return 0;
	}
	nl = size > 0 ? memchr(p, '\n', size) : NULL;
	keylen = nl != NULL ? (size_t)(nl - p) : 0;
	if (nl == NULL) {
		(void)cti_kafka_check(NULL, 0, p, size, &why);
		FUZZ_ASSERT(cti_kafka_fast_cmp(p, size) != 1);
		return 0;
	}
	FUZZ_ASSERT(cti_kafka_fast_cmp(nl + 1, size - keylen - 1) != 1);
	r = cti_kafka_check(keylen > 0 ? p : NULL, keylen, nl + 1, size - keylen - 1, &why);
	FUZZ_ASSERT(r == cti_kafka_check(keylen > 0 ? p : NULL, keylen, nl + 1, size - keylen - 1,
	                                 &why));
	if (r == 0)
		FUZZ_ASSERT(cti_kafka_check(NULL, 0, nl + 1, size - keylen - 1, &why) == 0);
	return 0;
}

FUZZ_ENTRY(fuzz_cti_kafka_one)
