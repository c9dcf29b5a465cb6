/* src/core/core_pool.c: per-worker pools of fixed-size objects (see struct sw_pool). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#if defined(__has_feature) /* clang says it this way, gcc defines __SANITIZE_ADDRESS__ */
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POOL_POISON(p, n) ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void
sw_pool_init(struct sw_pool *p, size_t size, size_t keep_bytes, struct sw_pool_stats *st)
{
	memset(p, 0, sizeof(*p));
	p->st = st;
	if (size < sizeof(void *) || keep_bytes == 0)
		return; /* counts misses only */
	p->size = size;
	p->keep = keep_bytes / size > UINT32_MAX ? UINT32_MAX : (uint32_t)(keep_bytes / size);
	if (p->keep == 0)
		p->keep = 1;
}

void
sw_pool_fini(struct sw_pool *p)
{
	if (p == NULL)
		return;
	while (p->free_list != NULL) {
		void *o = p->free_list;

		POOL_UNPOISON(o, p->size);
		memcpy(&p->free_list, o, sizeof(void *));
		free(o);
	}
	if (p->st != NULL)
		sw_counter_add(&p->st->kept, -(uint64_t)p->nkept);
	p->nkept = 0;
}

void *
sw_pool_take(struct sw_pool *p, struct sw_memcap *m, size_t size, bool zero)
{
	void *o;

	if (!sw_memcap_take(m, size))
		return NULL;
	if (p != NULL && p->size == size && p->free_list != NULL) {
		o = p->free_list;
		POOL_UNPOISON(o, size);
		memcpy(&p->free_list, o, sizeof(void *));
		p->nkept--;
		if (p->st != NULL) {
			sw_counter_add(&p->st->hits, 1);
			sw_counter_add(&p->st->kept, -(uint64_t)1);
		}
		if (zero)
			memset(o, 0, size);
		return o;
	}
	if (p != NULL && p->st != NULL)
		sw_counter_add(&p->st->misses, 1);
	o = zero ? calloc(1, size) : malloc(size);
	if (o == NULL) {
		sw_memcap_give(m, size);
		if (m != NULL)
			sw_counter_add(&m->refused, 1);
	}
	return o;
}

void
sw_pool_give(struct sw_pool *p, struct sw_memcap *m, size_t size, void *obj)
{
	if (obj == NULL)
		return;
	sw_memcap_give(m, size);
	if (p == NULL || p->size != size || p->nkept >= p->keep) {
		free(obj);
		return;
	}
	memcpy(obj, &p->free_list, sizeof(void *));
	POOL_POISON(obj, size);
	p->free_list = obj;
	p->nkept++;
	if (p->st != NULL)
		sw_counter_add(&p->st->kept, 1);
}

static struct sw_pool *
pool_for(struct sw_memcap *m, size_t size)
{
	if (m == NULL)
		return NULL;
	for (uint32_t i = 0; i < m->npools; i++)
		if (m->pools[i].size == size)
			return &m->pools[i];
	return NULL;
}

void *
sw_memcap_alloc(struct sw_memcap *m, size_t size, bool zero)
{
	return sw_pool_take(pool_for(m, size), m, size, zero);
}

void
sw_memcap_free(struct sw_memcap *m, size_t size, void *obj)
{
	sw_pool_give(pool_for(m, size), m, size, obj);
}
