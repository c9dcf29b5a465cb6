/* src/core/core_time.c: clocks and the EVE timestamp format (ISO 8601, microseconds, UTC). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

sw_time_t
sw_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (sw_time_t)ts.tv_sec * SW_USEC_PER_SEC + (sw_time_t)ts.tv_nsec / 1000;
}

sw_time_t
sw_time_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (sw_time_t)ts.tv_sec * SW_USEC_PER_SEC + (sw_time_t)ts.tv_nsec / 1000;
}

/* Two decimal digits of v (0-99) at p. */
static inline void
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

int
sw_time_format(sw_time_t t, char *buf, size_t size)
{
	/* "YYYY-MM-DDTHH:MM:SS" of the last second formatted by this thread: events come in
	 * bursts within one second, and gmtime_r and printf were a few percent of writing one */
	static __thread time_t cached_secs;
	static __thread bool cached_ok;
	static __thread char cached[19];
	time_t secs = (time_t)(t / SW_USEC_PER_SEC);
	unsigned us = (unsigned)(t % SW_USEC_PER_SEC);
	struct tm tm;
	int n;

	if (!cached_ok || secs != cached_secs) {
		if (gmtime_r(&secs, &tm) == NULL)
			return -1;
		if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
			/* a year of other than four digits: as printf writes it */
			n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000",
				     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				     tm.tm_min, tm.tm_sec, us);
			if (n < 0 || (size_t)n >= size)
				return -1;
			return n;
		}
		put2(cached, (unsigned)(tm.tm_year + 1900) / 100);
		put2(cached + 2, (unsigned)(tm.tm_year + 1900) % 100);
		cached[4] = '-';
		put2(cached + 5, (unsigned)tm.tm_mon + 1);
		cached[7] = '-';
		put2(cached + 8, (unsigned)tm.tm_mday);
		cached[10] = 'T';
		put2(cached + 11, (unsigned)tm.tm_hour);
		cached[13] = ':';
		put2(cached + 14, (unsigned)tm.tm_min);
		cached[16] = ':';
		put2(cached + 17, (unsigned)tm.tm_sec);
		cached_secs = secs;
		cached_ok = true;
	}
	if (size < 32) /* 31 characters and the NUL */
		return -1;
	memcpy(buf, cached, 19);
	buf[19] = '.';
	for (int i = 25; i >= 20; i--, us /= 10)
		buf[i] = (char)('0' + us % 10);
	memcpy(buf + 26, "+0000", 6);
	return 31;
}
