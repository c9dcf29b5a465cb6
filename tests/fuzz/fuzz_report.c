/* tests/fuzz/fuzz_report.c: fuzz target for the investigation report's reader of EVE lines and
 * its page writer (src/output/output_report*.c). The input is lines; the first byte of each
 * picks the event type. Invariant: every write succeeds (a line that is not an event is
 * counted, never an error), and the page is written at close without a crash or a leak. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "fuzz.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int
fuzz_report_one(const uint8_t *data, size_t size)
{
	const struct output_sink_ops *ops = output_sink_find("report");
	struct output_conf conf;
	struct output_sink *s = NULL;
	const char *p = (const char *)data, *end = p + size;

	sw_log_set_level(SW_LOG_ERROR);
	memset(&conf, 0, sizeof(conf));
	conf.report_file = (char *)"/dev/null";
	conf.report_alerts = 4; /* small: the cap of full alerts is reached */
	conf.report_top = 8;
	conf.report_memcap = 64 << 20;
	FUZZ_ASSERT(ops != NULL);
	if (ops->open(&conf, &s) != 0)
		return 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		if (eol == NULL)
			eol = end;
		len = (size_t)(eol - p);
		if (len > 0)
			FUZZ_ASSERT(ops->write(s, (uint8_t)p[0] % EVE_TYPE_MAX, p + 1, len - 1) ==
			            0);
		p = eol < end ? eol + 1 : end;
	}
	ops->close(s);
	return 0;
}

FUZZ_ENTRY(fuzz_report_one)
