/* tests/unit/unit.h: a minimal TAP producer for unit tests (one "ok N - name" per check). */
#ifndef SW_UNIT_H
#define SW_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

/* Records one check; prints the location and the failed expression when it fails. */
#define UNIT_CHECK(cond, name)                                                                     \
	do {                                                                                       \
		unit_n++;                                                                          \
		if (cond) {                                                                        \
			printf("ok %d - %s\n", unit_n, (name));                                    \
		} else {                                                                           \
			unit_failed++;                                                             \
			printf("not ok %d - %s\n# %s:%d: %s\n", unit_n, (name), __FILE__,          \
			       __LINE__, #cond);                                                   \
		}                                                                                  \
	} while (0)

#define UNIT_CHECK_STR(got, want, name)                                                            \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		int ok_ = g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0;                         \
		UNIT_CHECK(ok_, name);                                                             \
		if (!ok_)                                                                          \
			printf("#   got  \"%s\"\n#   want \"%s\"\n", g_ ? g_ : "(null)",           \
			       w_ ? w_ : "(null)");                                                \
	} while (0)

/* Prints the TAP plan; the return value is the process exit code. */
static inline int
unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed ? 1 : 0;
}

#endif
