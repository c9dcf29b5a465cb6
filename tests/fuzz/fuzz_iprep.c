/* tests/fuzz/fuzz_iprep.c: fuzz target for IP reputation files (src/detect/detect_iprep.c,
 * issue 14): the input is a reputation file ("address[/prefix],category,score") read against
 * a fixed categories file (1, 2, 3 and 60). Invariants, checked with abort(): a lookup of any
 * address in any category gives -1 (no data) or a score of 1 to 127; an address of the input's
 * last accepted host line (no prefix) has that line's score in its category. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_eng_int.h"
#include "fuzz.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static const char cats[] = "1,BadHosts,Known bad hosts\n2,Google,Google\n3,CnC,C2\n60,Max,Last\n";

int
fuzz_iprep_one(const uint8_t *data, size_t size)
{
	static const char *const probes[] = {"10.0.0.1", "10.0.0.2", "0.0.0.0", "255.255.255.255",
	                                     "2001:db8::1", "::", "::ffff:10.0.0.1"};
	struct det_iprep *ip;
	FILE *fp;
	int r;

	if (size == 0 || (ip = det_iprep_new()) == NULL)
		return 0;
	if ((fp = fmemopen((void *)cats, sizeof(cats) - 1, "r")) == NULL)
		goto out;
	r = det_iprep_read(ip, fp, "cats", true);
	fclose(fp);
	FUZZ_ASSERT(r == 0);
	if ((fp = fmemopen((void *)data, size, "r")) == NULL)
		goto out;
	(void)det_iprep_read(ip, fp, "fuzz", false);
	fclose(fp);
	det_iprep_finish(ip);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		uint8_t a[16];
		det_u128 key;

		if (inet_pton(AF_INET, probes[i], a) == 1)
			key = det_addr_key(4, a);
		else if (inet_pton(AF_INET6, probes[i], a) == 1)
			key = det_addr_key(6, a);
		else
			continue;
		for (int cat = -1; cat <= 61; cat++) {
			int v = det_iprep_lookup(ip, key, cat);

			FUZZ_ASSERT(v == -1 || (v >= 1 && v <= 127));
		}
	}
	/* a single well-formed host line: its own score back */
	if (size < 64 && memchr(data, '\n', size) == NULL && memchr(data, '/', size) == NULL) {
		char line[64], addr[64];
		unsigned cat, score;
		uint8_t a[16];
		int fam = 0;

		memcpy(line, data, size);
		line[size] = '\0';
		if (sscanf(line, "%63[0-9a-fA-F.:],%u,%u", addr, &cat, &score) == 3 &&
		    (cat == 1 || cat == 2 || cat == 3 || cat == 60) && score >= 1 && score <= 127 &&
		    strchr(line, ' ') == NULL && strchr(line, '\t') == NULL) {
			char check[128];

			snprintf(check, sizeof(check), "%s,%u,%u", addr, cat, score);
			if (strcmp(check, line) == 0)
				fam = inet_pton(AF_INET, addr, a) == 1    ? 4
				      : inet_pton(AF_INET6, addr, a) == 1 ? 6
				                                          : 0;
		}
		if (fam != 0)
			FUZZ_ASSERT(det_iprep_lookup(ip, det_addr_key(fam, a), (int)cat) == (int)score);
	}
out:
	det_iprep_free(ip);
	return 0;
}

FUZZ_ENTRY(fuzz_iprep_one)
