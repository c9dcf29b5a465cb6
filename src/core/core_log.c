/* src/core/core_log.c: error texts and the log writer (stderr, one write per line). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

static _Atomic int log_level = SW_LOG_NOTICE;

const char *
sw_strerror(int err)
{
	switch (err) {
	case SW_OK:
		return "success";
	case SW_E_NOMEM:
		return "out of memory";
	case SW_E_IO:
		return "input/output error";
	case SW_E_TRUNC:
		return "truncated input";
	case SW_E_INVAL:
		return "invalid input";
	case SW_E_RANGE:
		return "value out of range";
	case SW_E_NOTFOUND:
		return "not found";
	case SW_E_UNSUPP:
		return "not supported";
	case SW_E_CONFIG:
		return "configuration error";
	case SW_E_CAPTURE:
		return "capture error";
	case SW_E_AGAIN:
		return "try again";
	case SW_E_MEMCAP:
		return "memory cap reached";
	}
	return "unknown error";
}

void
sw_log_set_level(enum sw_log_level level)
{
	log_level = (int)level;
}

enum sw_log_level
sw_log_get_level(void)
{
	return (enum sw_log_level)log_level;
}

void
sw_log(enum sw_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "notice", "info", "debug"};
	char line[2048];
	va_list ap;
	int n, m;

	if ((int)level > log_level)
		return;
	n = snprintf(line, sizeof(line), "spanwatch: %s: ", names[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* One write(2) so lines from several threads never interleave. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
