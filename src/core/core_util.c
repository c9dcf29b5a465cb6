/* src/core/core_util.c: small helpers shared by every stage: cursor copies, address text,
 * checked number parsing, growable buffers and a fast deterministic hash. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/core.h"

int
cur_bytes(struct cursor *c, void *out, size_t n)
{
	if (cur_left(c) < n)
		return SW_E_TRUNC;
	memcpy(out, c->p, n);
	c->p += n;
	return 0;
}

/* Appends v (0-255) in decimal at o; returns the end. */
static char *
put_dec8(char *o, unsigned v)
{
	if (v >= 100) {
		*o++ = (char)('0' + v / 100);
		v %= 100;
		*o++ = (char)('0' + v / 10);
	} else if (v >= 10) {
		*o++ = (char)('0' + v / 10);
	}
	*o++ = (char)('0' + v % 10);
	return o;
}

static char *
put_ipv4(char *o, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			*o++ = '.';
		o = put_dec8(o, a[i]);
	}
	return o;
}

/* RFC 5952 text as glibc's inet_ntop writes it: lower-case hex without leading zeros, the
 * first longest run of two or more zero groups as "::", and the last 32 bits dotted when the
 * address is IPv4-compatible (::a.b.c.d, but not :: or ::1) or IPv4-mapped (::ffff:a.b.c.d). */
static char *
put_ipv6(char *o, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0, i;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 0;
			if (++cur_len > best_len)
				best = cur, best_len = cur_len;
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*o++ = ':';
			continue;
		}
		if (i > 0)
			*o++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return put_ipv4(o, a + 12);
		{
			unsigned v = w[i];
			int shift = v >= 0x1000 ? 12 : v >= 0x100 ? 8 : v >= 0x10 ? 4 : 0;

			for (; shift >= 0; shift -= 4)
				*o++ = hex[(v >> shift) & 15];
		}
	}
	if (best >= 0 && best + best_len == 8)
		*o++ = ':';
	return o;
}

const char *
sw_addr_str(const struct sw_addr *addr, int family, char *buf, size_t size)
{
	/* by hand: glibc's inet_ntop formats through sprintf, and an address is in every event */
	char tmp[48], *end = family == 6 ? put_ipv6(tmp, addr->b) : put_ipv4(tmp, addr->b);
	size_t n = (size_t)(end - tmp);

	if (n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return buf;
}

int
sw_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return SW_E_INVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return SW_E_INVAL;
	if (errno == ERANGE || v < min || v > max)
		return SW_E_RANGE;
	*out = v;
	return 0;
}

void
sbuf_init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
sbuf_free(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* Makes room for n more bytes plus a terminating NUL. */
static int
sbuf_grow(struct sbuf *b, size_t n)
{
	size_t want, cap;
	char *p;

	if (b->failed)
		return -1;
	if (n > SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	if (sbuf_grow(b, n) != 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
sbuf_addc(struct sbuf *b, char c)
{
	if (b->len + 2 <= b->cap && !b->failed) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
		return;
	}
	sbuf_add(b, &c, 1);
}

void
sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void
sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sbuf_grow(b, 64) != 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (sbuf_grow(b, (size_t)n) != 0)
			return;
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
	}
	b->len += (size_t)n;
}

/* A 64-bit hash in the spirit of wyhash/murmur finalizers: 8 bytes at a time, then mix. */
static inline uint64_t
hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t
sw_hash64(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *s = p;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
	uint64_t v;

	while (n >= 8) {
		memcpy(&v, s, 8);
		h = (h ^ hash_mix(v)) * 0x9e3779b97f4a7c15ULL;
		s += 8;
		n -= 8;
	}
	v = 0;
	if (n > 0) {
		memcpy(&v, s, n);
		h = (h ^ hash_mix(v)) * 0x9e3779b97f4a7c15ULL;
	}
	return hash_mix(h);
}

bool
sw_memcap_take(struct sw_memcap *m, size_t n)
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

bool
sw_memcap_charge(struct sw_memcap *m, size_t n)
{
	if (m == NULL)
		return true;
	sw_counter_add(&m->memuse, n);
	if (m->memcap != 0 && sw_counter_get(&m->memuse) > m->memcap) {
		sw_counter_add(&m->refused, 1);
		return false;
	}
	return true;
}

void
sw_memcap_give(struct sw_memcap *m, size_t n)
{
	if (m != NULL && n > 0)
		sw_counter_add(&m->memuse, -(uint64_t)n); /* wraps back to the right value */
}

uint64_t
sw_random_seed(void)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = sw_time_now() ^ sw_time_monotonic() << 20 ^ (uint64_t)(uintptr_t)&seed;
	return seed != 0 ? seed : 1;
}
