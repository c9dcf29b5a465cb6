/* src/core/core_ring.c: the lock-free single-producer/single-consumer record ring that carries
 * packets from the capture thread to a worker. */
#include "config.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

#define RING_HDR   8u          /* record header: u32 length, u32 padding */
#define RING_WRAP  0xffffffffu /* header value: the rest of the buffer is unused, go to 0 */
#define RING_ALIGN 8u

struct sw_ring {
	uint8_t *buf;
	size_t cap;
	/* each on its own cache line: written by one side, read by the other */
	_Alignas(64) _Atomic uint64_t head; /* producer: bytes ever published */
	_Alignas(64) _Atomic uint64_t tail; /* consumer: bytes ever released */
	/* each side's own, on lines the other side never touches: the other side's index as last
	 * read, so the shared line is read again only when that view runs out (a full ring for
	 * the producer, an empty one for the consumer), not once per record */
	_Alignas(64) uint64_t head_pending; /* producer: head after the reserved record */
	uint64_t tail_seen;                 /* producer: tail as last read */
	_Alignas(64) uint64_t tail_pending; /* consumer: tail after the peeked record */
	uint64_t head_seen;                 /* consumer: head as last read */
};

static inline size_t
ring_align(size_t n)
{
	return (n + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1);
}

int
sw_ring_new(size_t size, struct sw_ring **out)
{
	struct sw_ring *r;

	*out = NULL;
	size = ring_align(size);
	if (size < 4096)
		return SW_E_INVAL;
	if ((r = aligned_alloc(64, sizeof(*r))) == NULL)
		return SW_E_NOMEM;
	memset(r, 0, sizeof(*r));
	if ((r->buf = malloc(size)) == NULL) {
		free(r);
		return SW_E_NOMEM;
	}
	r->cap = size;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	*out = r;
	return 0;
}

void
sw_ring_free(struct sw_ring *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

size_t
sw_ring_max_record(const struct sw_ring *r)
{
	return r->cap / 4 - RING_HDR;
}

void *
sw_ring_reserve(struct sw_ring *r, size_t len)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = r->tail_seen;
	size_t need = RING_HDR + ring_align(len);
	size_t off = (size_t)(head % r->cap);
	size_t pad = 0;
	uint32_t hdr;

	if (len > sw_ring_max_record(r))
		return NULL;
	if (off + need > r->cap)
		pad = r->cap - off; /* skip to the start; at least RING_HDR since all is aligned */
	if (r->cap - (size_t)(head - tail) < pad + need) {
		tail = r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (r->cap - (size_t)(head - tail) < pad + need)
			return NULL;
	}
	if (pad > 0) {
		hdr = RING_WRAP;
		memcpy(r->buf + off, &hdr, sizeof(hdr));
		off = 0;
	}
	hdr = (uint32_t)len;
	memcpy(r->buf + off, &hdr, sizeof(hdr));
	r->head_pending = head + pad + need;
	return r->buf + off + RING_HDR;
}

void
sw_ring_commit(struct sw_ring *r)
{
	atomic_store_explicit(&r->head, r->head_pending, memory_order_release);
}

void *
sw_ring_peek(struct sw_ring *r, size_t *len)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t off;
	uint32_t hdr;

	if (r->head_seen == tail &&
	    (r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire)) == tail)
		return NULL;
	off = (size_t)(tail % r->cap);
	memcpy(&hdr, r->buf + off, sizeof(hdr));
	if (hdr == RING_WRAP) {
		tail += r->cap - off;
		off = 0;
		memcpy(&hdr, r->buf, sizeof(hdr));
	}
	r->tail_pending = tail + RING_HDR + ring_align(hdr);
	*len = hdr;
	return r->buf + off + RING_HDR;
}

void
sw_ring_release(struct sw_ring *r)
{
	atomic_store_explicit(&r->tail, r->tail_pending, memory_order_release);
}

uint64_t
sw_ring_published(const struct sw_ring *r)
{
	return r->head_pending; /* the producer's own view: head after its last commit */
}

uint64_t
sw_ring_released(struct sw_ring *r)
{
	return atomic_load_explicit(&r->tail, memory_order_acquire);
}

void
sw_ring_wait(unsigned *spins)
{
	struct timespec ts = {0, 0};
	unsigned n = (*spins)++;

	if (n < 64) {
		__asm__ __volatile__("" ::: "memory");
		return;
	}
	if (n < 128) {
		sched_yield();
		return;
	}
	ts.tv_nsec = n < 256 ? 10000 : n < 1024 ? 100000 : 1000000;
	nanosleep(&ts, NULL);
}
