/* src/app/app_mem.c: the accounting of the parsers' per-flow memory against app.memcap (in a
 * file of its own so a parser links without the dispatcher). */
#include "config.h"

#include <stdatomic.h>

#include "app/app.h"

bool
app_mem_take(struct app_mem *m, size_t n)
{
	if (m == NULL)
		return true;
	if (m->memcap != 0 && sw_counter_get(&m->memuse) + n > m->memcap) {
		sw_counter_add(&m->refused, 1);
		return false;
	}
	sw_counter_add(&m->memuse, n);
	return true;
}

void
app_mem_give(struct app_mem *m, size_t n)
{
	if (m != NULL && n > 0)
		atomic_fetch_sub_explicit(&m->memuse, n, memory_order_relaxed);
}
