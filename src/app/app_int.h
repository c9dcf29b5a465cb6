/* src/app/app_int.h: private to src/app: the dispatch entry points used by the wiring. */
#ifndef SW_APP_INT_H
#define SW_APP_INT_H

#include <string.h>

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


/* The descriptors of the message kinds (app.c numbers their buffers in this order). */
extern const struct app_msg_desc app_desc_dns, app_desc_tls, app_desc_http, app_desc_file;
/* The HTTP parser's anomaly names: the i-th (0 ..), NULL past the last. */
const char *app_http_event_name(int i);

/* A NUL-terminated text field as a buffer. */
static inline struct app_buf
app_buf_text(const char *s)
{
	struct app_buf b = {(const uint8_t *)s, strlen(s)};

	return b;
}

/* "buffer get" functions share this shape (app_buffer_desc.get). */
#define APP_BUFFER_GETTER(fn, type, member, expr)                                              \
	static int fn(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size) \
	{                                                                                      \
		const type *member = m->u.member;                                              \
		(void)scratch;                                                                 \
		(void)size;                                                                    \
		*out = (expr);                                                                 \
		return 0;                                                                      \
	}

/* A NULL-terminated list of names for app_buffer_desc.aliases and .modifiers. */
#define APP_NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The http object of a transaction (app_http.c), also written by file events. */
struct jw;
void app_http_eve_txn(struct jw *w, const struct app_http_txn *t, bool headers);

#endif
