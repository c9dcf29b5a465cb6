/* src/app/app_int.h: private to src/app: the dispatch entry points used by the wiring. */
#ifndef SW_APP_INT_H
#define SW_APP_INT_H

#include "app/app.h"
#include "dpi/dpi.h"

#include <stdlib.h>

/* size zeroed bytes of per-flow state charged to mem (NULL: no accounting): NULL when the cap
 * refuses them (counted there) or out of memory. The caller gives them back when it frees. */
static inline void *
app_state_alloc(struct sw_memcap *mem, size_t size)
{
	void *p;

	if (!sw_memcap_take(mem, size))
		return NULL;
	if ((p = calloc(1, size)) == NULL)
		sw_memcap_give(mem, size);
	return p;
}

#endif
