/* tests/fuzz/fuzz_dataset.c: fuzz target for dataset / datarep set files (src/detect/
 * detect_dataset.c, issue 14). The first byte picks the set's type (string, md5, sha256, ipv4,
 * ip) and whether it holds reputations; the rest is the file. Invariants, checked with abort():
 *   - a rejected file names the file and a line ("fuzz:N: ...");
 *   - what was read, written in the save format and read again, is accepted whole and gives
 *     the same number of values (the save format round-trips). */
#include "config.h"

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

int
fuzz_dataset_one(const uint8_t *data, size_t size)
{
	struct det_dataset *s = NULL, *again = NULL;
	char err[300], *saved = NULL;
	size_t saved_len = 0;
	uint8_t type;
	bool rep;
	FILE *fp;
	int r;

	if (size < 2)
		return 0;
	type = (uint8_t)(DET_DS_STRING + data[0] % 5);
	rep = (data[0] >> 3) & 1;
	if ((s = det_dataset_new("fuzz", type, rep, 0, 64)) == NULL)
		return 0;
	if ((fp = fmemopen((void *)(data + 1), size - 1, "r")) == NULL)
		goto out;
	err[0] = '\0';
	r = det_dataset_read(s, fp, "fuzz", err, sizeof(err));
	fclose(fp);
	if (r == SW_E_NOMEM)
		goto out;
	if (r != 0)
		FUZZ_ASSERT(strncmp(err, "fuzz:", 5) == 0);
	if ((fp = open_memstream(&saved, &saved_len)) == NULL)
		goto out;
	det_dataset_write(s, fp);
	fclose(fp);
	if ((again = det_dataset_new("fuzz", type, rep, 0, 64)) == NULL)
		goto out;
	if (saved_len > 0) {
		if ((fp = fmemopen(saved, saved_len, "r")) == NULL)
			goto out;
		r = det_dataset_read(again, fp, "saved", err, sizeof(err));
		fclose(fp);
		FUZZ_ASSERT(r == 0 || r == SW_E_NOMEM);
		if (r == 0)
			FUZZ_ASSERT(det_dataset_count(again) == det_dataset_count(s));
	} else {
		FUZZ_ASSERT(det_dataset_count(s) == 0);
	}
out:
	free(saved);
	det_dataset_free(s);
	det_dataset_free(again);
	return 0;
}

FUZZ_ENTRY(fuzz_dataset_one)
