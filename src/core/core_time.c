/* src/core/core_time.c: clocks and the EVE timestamp format (ISO 8601, microseconds, UTC). */
#include "config.h"

#include <stdio.h>
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

int
sw_time_format(sw_time_t t, char *buf, size_t size)
{
	time_t secs = (time_t)(t / SW_USEC_PER_SEC);
	struct tm tm;
	int n;

	if (gmtime_r(&secs, &tm) == NULL)
		return -1;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     (unsigned)(t % SW_USEC_PER_SEC));
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}
