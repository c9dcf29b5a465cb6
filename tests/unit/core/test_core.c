/* tests/unit/core/test_core.c: unit tests of core: cursor bounds, sbuf, number parsing, time
 * format, hash, and the single-producer/single-consumer ring across two threads. */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"
#include "unit.h"

static void
test_cursor(void)
{
	const uint8_t buf[] = {0x12, 0x34, 0x56, 0x78, 0x9a};
	struct cursor c;
	uint16_t v16 = 0;
	uint32_t v32 = 0;
	uint8_t v8 = 0, out[8];

	cur_init(&c, buf, sizeof(buf));
	UNIT_CHECK(cur_be16(&c, &v16) == 0 && v16 == 0x1234, "cur_be16 reads big-endian");
	UNIT_CHECK(cur_be32(&c, &v32) == SW_E_TRUNC, "cur_be32 refuses 3 remaining bytes");
	UNIT_CHECK(cur_left(&c) == 3, "a failed read consumes nothing");
	UNIT_CHECK(cur_u8(&c, &v8) == 0 && v8 == 0x56, "cur_u8");
	UNIT_CHECK(cur_bytes(&c, out, 3) == SW_E_TRUNC && cur_left(&c) == 2, "cur_bytes bounds");
	UNIT_CHECK(cur_skip(&c, 2) == 0 && cur_left(&c) == 0, "cur_skip to the end");
	UNIT_CHECK(cur_skip(&c, 1) == SW_E_TRUNC, "cur_skip past the end fails");
	cur_init(&c, buf, sizeof(buf));
	UNIT_CHECK(cur_le32(&c, &v32) == 0 && v32 == 0x78563412, "cur_le32 reads little-endian");
}

static void
test_sbuf(void)
{
	struct sbuf b;
	int i;

	sbuf_init(&b);
	sbuf_adds(&b, "abc");
	sbuf_addc(&b, '-');
	sbuf_addf(&b, "%d/%s", 42, "x");
	UNIT_CHECK_STR(b.p, "abc-42/x", "sbuf appends");
	UNIT_CHECK(b.len == 8, "sbuf length");
	sbuf_reset(&b);
	for (i = 0; i < 1000; i++)
		sbuf_addf(&b, "%04d", i);
	UNIT_CHECK(b.len == 4000 && memcmp(b.p + 3996, "0999", 4) == 0, "sbuf grows past 4 KB");
	sbuf_reset(&b);
	sbuf_addf(&b, "%0600d", 7);
	UNIT_CHECK(b.len == 600 && b.p[599] == '7', "sbuf_addf longer than the free space");
	sbuf_free(&b);
	UNIT_CHECK(b.p == NULL && b.len == 0, "sbuf_free clears");
}

static void
test_parse(void)
{
	int64_t v = 0;

	UNIT_CHECK(sw_parse_i64("123", 0, 1000, &v) == 0 && v == 123, "parse a number");
	UNIT_CHECK(sw_parse_i64("-5", -10, 10, &v) == 0 && v == -5, "parse a negative number");
	UNIT_CHECK(sw_parse_i64("12x", 0, 1000, &v) == SW_E_INVAL, "trailing garbage refused");
	UNIT_CHECK(sw_parse_i64("", 0, 1000, &v) == SW_E_INVAL, "empty refused");
	UNIT_CHECK(sw_parse_i64("1001", 0, 1000, &v) == SW_E_RANGE, "above max refused");
	UNIT_CHECK(sw_parse_i64("99999999999999999999", 0, INT64_MAX, &v) == SW_E_RANGE,
		   "overflow refused");
	UNIT_CHECK(strcmp(sw_strerror(SW_E_TRUNC), "truncated input") == 0, "sw_strerror text");
	UNIT_CHECK(strcmp(sw_strerror(-999), "unknown error") == 0, "sw_strerror unknown code");
}

static void
test_time(void)
{
	char buf[64];

	UNIT_CHECK(sw_time_format(1700000000123456ULL, buf, sizeof(buf)) == 31,
		   "timestamp length");
	UNIT_CHECK_STR(buf, "2023-11-14T22:13:20.123456+0000", "timestamp text (UTC, usec)");
	UNIT_CHECK(sw_time_format(0, buf, 10) == -1, "timestamp refuses a short buffer");
	/* the same second again (the thread's cached date), then the next one */
	UNIT_CHECK(sw_time_format(1700000000000007ULL, buf, sizeof(buf)) == 31, "same second");
	UNIT_CHECK_STR(buf, "2023-11-14T22:13:20.000007+0000", "same second, other microseconds");
	UNIT_CHECK(sw_time_format(1700000001999999ULL, buf, sizeof(buf)) == 31, "next second");
	UNIT_CHECK_STR(buf, "2023-11-14T22:13:21.999999+0000", "next second's text");
	UNIT_CHECK(sw_time_format(0, buf, sizeof(buf)) == 31, "the epoch");
	UNIT_CHECK_STR(buf, "1970-01-01T00:00:00.000000+0000", "the epoch's text");
	/* year 10000: five digits, as printf wrote it */
	UNIT_CHECK(sw_time_format(253402300800000001ULL, buf, sizeof(buf)) == 32, "year 10000");
	UNIT_CHECK_STR(buf, "10000-01-01T00:00:00.000001+0000", "year 10000's text");
}

static void
test_hash(void)
{
	const char a[] = "spanwatch flow key 0123456789";
	char b[sizeof(a)];
	uint64_t h1 = sw_hash64(a, sizeof(a), 1);

	memcpy(b, a, sizeof(a));
	UNIT_CHECK(sw_hash64(b, sizeof(b), 1) == h1, "hash is deterministic");
	b[5] ^= 1;
	UNIT_CHECK(sw_hash64(b, sizeof(b), 1) != h1, "one bit changes the hash");
	UNIT_CHECK(sw_hash64(a, sizeof(a), 2) != h1, "the seed changes the hash");
	UNIT_CHECK(sw_hash64(a, 3, 1) != sw_hash64(a, 4, 1), "length is part of the hash");
}

#define RING_RECORDS 200000

struct ring_test {
	struct sw_ring *r;
	uint64_t sum;
	int bad;
};

static void *
consumer(void *arg)
{
	struct ring_test *t = arg;
	unsigned spins = 0;
	uint32_t want = 0;

	while (want < RING_RECORDS) {
		size_t len;
		uint32_t *rec = sw_ring_peek(t->r, &len);
		size_t i;

		if (rec == NULL) {
			sw_ring_wait(&spins);
			continue;
		}
		spins = 0;
		/* record i has i % 97 + 1 words, each = i */
		if (len != (want % 97 + 1) * 4)
			t->bad++;
		for (i = 0; i < len / 4; i++)
			if (rec[i] != want)
				t->bad++;
		t->sum += rec[0];
		want++;
		sw_ring_release(t->r);
	}
	return NULL;
}

static void
test_ring(void)
{
	struct ring_test t = {NULL, 0, 0};
	pthread_t tid;
	uint32_t i, j;
	unsigned spins = 0;
	uint64_t want_sum = 0;
	size_t len;

	UNIT_CHECK(sw_ring_new(100, &t.r) == SW_E_INVAL, "ring refuses a tiny size");
	UNIT_CHECK(sw_ring_new(8192, &t.r) == 0, "ring created");
	UNIT_CHECK(sw_ring_peek(t.r, &len) == NULL, "new ring is empty");
	UNIT_CHECK(sw_ring_reserve(t.r, sw_ring_max_record(t.r) + 1) == NULL,
		   "oversized record refused");
	pthread_create(&tid, NULL, consumer, &t);
	for (i = 0; i < RING_RECORDS; i++) {
		uint32_t n = i % 97 + 1, *rec;

		while ((rec = sw_ring_reserve(t.r, n * 4)) == NULL)
			sw_ring_wait(&spins);
		spins = 0;
		for (j = 0; j < n; j++)
			rec[j] = i;
		sw_ring_commit(t.r);
		want_sum += i;
	}
	pthread_join(tid, NULL);
	UNIT_CHECK(t.bad == 0, "every record arrives intact and in order across threads");
	UNIT_CHECK(t.sum == want_sum, "no record lost or duplicated");
	UNIT_CHECK(sw_ring_peek(t.r, &len) == NULL, "ring empty at the end");
	sw_ring_free(t.r);
	sw_ring_free(NULL);
}

/* The object pool: charged on take and given back on give as malloc was, recycled up to its
 * bound, counted; a memcap with pools finds them by size. */
static void
test_pool(void)
{
	struct sw_pool_stats st = {0};
	struct sw_pool pool;
	struct sw_memcap m = {.memcap = 1000};
	unsigned char *a, *b, *c, *d;

	sw_pool_init(&pool, 300, 600, &st); /* keeps two */
	m.pools = &pool;
	m.npools = 1;
	a = sw_memcap_alloc(&m, 300, true);
	b = sw_memcap_alloc(&m, 300, false);
	c = sw_memcap_alloc(&m, 300, true);
	UNIT_CHECK(a != NULL && b != NULL && c != NULL && a[0] == 0 && c[299] == 0,
		   "pool: three objects, zeroed when asked");
	UNIT_CHECK(sw_counter_get(&m.memuse) == 900 && sw_counter_get(&st.misses) == 3,
		   "pool: each charged, all from malloc");
	UNIT_CHECK(sw_memcap_alloc(&m, 300, false) == NULL && sw_counter_get(&m.refused) == 1 &&
			   sw_counter_get(&m.memuse) == 900,
		   "pool: the memcap refuses a fourth");
	memset(a, 0xab, 300);
	sw_memcap_free(&m, 300, a);
	sw_memcap_free(&m, 300, b);
	sw_memcap_free(&m, 300, c);
	sw_memcap_free(&m, 300, NULL);
	UNIT_CHECK(sw_counter_get(&m.memuse) == 0, "pool: memuse back to 0 when all are given back");
	UNIT_CHECK(sw_counter_get(&st.kept) == 2, "pool: two kept, the third freed");
	d = sw_memcap_alloc(&m, 300, true);
	UNIT_CHECK(d != NULL && (d == b || d == a) && d[0] == 0 && d[299] == 0 &&
			   sw_counter_get(&st.hits) == 1 && sw_counter_get(&st.kept) == 1,
		   "pool: a kept object comes back, zeroed, counted as a hit");
	UNIT_CHECK(sw_counter_get(&m.memuse) == 300, "pool: a recycled object is charged again");
	c = sw_memcap_alloc(&m, 100, false);
	UNIT_CHECK(c != NULL && sw_counter_get(&m.memuse) == 400 &&
			   sw_counter_get(&st.misses) == 3,
		   "pool: another size goes to malloc, charged, not counted by the pool");
	sw_memcap_free(&m, 100, c);
	sw_memcap_free(&m, 300, d);
	UNIT_CHECK(sw_counter_get(&m.memuse) == 0 && sw_counter_get(&st.kept) == 2,
		   "pool: memuse 0 again, two kept");
	sw_pool_fini(&pool);
	UNIT_CHECK(sw_counter_get(&st.kept) == 0 && pool.free_list == NULL,
		   "pool: fini frees what it keeps");
	sw_pool_fini(NULL);
	a = sw_memcap_alloc(NULL, 64, true);
	UNIT_CHECK(a != NULL && a[63] == 0, "pool: no memcap, plain allocation");
	sw_memcap_free(NULL, 64, a);
#if defined(__SANITIZE_ADDRESS__)
	{ /* a kept object is poisoned: writing to it after it was given back is reported */
		pid_t pid = fork();
		int status = 0;

		if (pid == 0) {
			struct sw_pool q;
			volatile unsigned char *o;

			sw_pool_init(&q, 128, 1024, NULL);
			o = sw_pool_take(&q, NULL, 128, false);
			sw_pool_give(&q, NULL, 128, (void *)(uintptr_t)o);
			o[64] = 1; /* use after give: ASan aborts here */
			_exit(0);
		}
		UNIT_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid &&
				   !(WIFEXITED(status) && WEXITSTATUS(status) == 0),
			   "pool: ASan reports a use after give");
	}
#endif
}

/* sw_addr_str writes what inet_ntop writes, for hand-picked and random addresses (random ones
 * mostly zero groups, so that every "::" placement and the dotted IPv4 forms come up). */
static void
test_addr_str(void)
{
	static const char *v6[] = {"::", "::1", "::2", "1::", "::ffff:1.2.3.4", "::1.2.3.4",
				   "::ffff:0:1.2.3.4", "::fffe:1.2.3.4", "1:0:0:2::3", "1::2:0:0:3",
				   "0:1::", "1:2:3:4:5:6:7:8", "fe80::1:0:0:0", "2001:db8::ffff",
				   "::0.0.0.1", "::ffff:0.0.0.0", "::ffff:0:0"};
	char got[64], want[64];
	struct sw_addr a;
	unsigned seed = 12345, bad = 0, i, j;

	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		memset(&a, 0, sizeof(a));
		UNIT_CHECK(inet_pton(AF_INET6, v6[i], a.b) == 1, "addr_str: test address parses");
		inet_ntop(AF_INET6, a.b, want, sizeof(want));
		UNIT_CHECK_STR(sw_addr_str(&a, 6, got, sizeof(got)), want, "addr_str: IPv6 as inet_ntop");
	}
	for (i = 0; i < 200000; i++) {
		int v4 = i % 4 == 0;

		memset(&a, 0, sizeof(a));
		for (j = 0; j < (v4 ? 4u : 16u); j++) {
			seed = seed * 1103515245u + 12345u;
			/* IPv6: a group is zero half the time; IPv4: small and large octets */
			if (!v4 && ((seed >> 16) & 1) && j % 2 == 0) {
				j++;
				continue;
			}
			a.b[j] = (uint8_t)(seed >> (v4 && (seed & 0x100) ? 28 : 20));
		}
		if (!v4 && (seed & 0x700) == 0x100) { /* some IPv4-mapped and -compatible ones */
			memset(a.b, 0, 10);
			a.b[10] = a.b[11] = (seed & 0x800) ? 0xff : 0;
		}
		inet_ntop(v4 ? AF_INET : AF_INET6, a.b, want, sizeof(want));
		sw_addr_str(&a, v4 ? 4 : 6, got, sizeof(got));
		if (strcmp(got, want) != 0 && bad++ < 5)
			printf("# %s: got %s want %s\n", v4 ? "v4" : "v6", got, want);
	}
	UNIT_CHECK(bad == 0, "addr_str: 200,000 random addresses as inet_ntop");
	memset(&a, 0, sizeof(a));
	a.b[0] = 192, a.b[1] = 168, a.b[2] = 100, a.b[3] = 200;
	UNIT_CHECK_STR(sw_addr_str(&a, 4, got, sizeof(got)), "192.168.100.200", "addr_str: IPv4");
	UNIT_CHECK_STR(sw_addr_str(&a, 4, got, 15), "", "addr_str: too small a buffer: empty");
	UNIT_CHECK_STR(sw_addr_str(&a, 4, got, 16), "192.168.100.200", "addr_str: just room");
}

/* Keys of plain ASCII are copied as they are, others escaped as values are. */
static void
test_json_keys(void)
{
	struct sbuf b;
	struct jw w;

	sbuf_init(&b);
	jw_init(&w, &b);
	jw_u64(&w, "a", 1);
	jw_obj_begin(&w, "obj_key-1.x");
	jw_str(&w, "q\"k", "v");
	jw_bool(&w, "b\\s", true);
	jw_u64(&w, "nl\n", 2);
	jw_u64(&w, "\xc3\xa9t\xc3\xa9", 3);
	jw_u64(&w, "\xff", 4);
	jw_u64(&w, "", 5);
	jw_u64(&w, "del\x7f", 6);
	jw_obj_end(&w);
	jw_finish(&w);
	UNIT_CHECK_STR(b.p,
		       "{\"a\":1,\"obj_key-1.x\":{\"q\\\"k\":\"v\",\"b\\\\s\":true,"
		       "\"nl\\n\":2,\"\xc3\xa9t\xc3\xa9\":3,\"\\u00ff\":4,\"\":5,\"del\x7f\":6}}\n",
		       "json: keys plain, escaped, UTF-8, invalid byte, empty");
	/* keys of every length, the buffer grown on the way: the same text as built by hand */
	{
		char key[600], want[700];
		int ok = 1;

		memset(key, 'k', sizeof(key));
		for (size_t n = 0; n < sizeof(key); n += 7) {
			struct sbuf fresh;

			key[n] = '\0';
			sbuf_init(&fresh);
			jw_init(&w, &fresh);
			jw_u64(&w, key, 7);
			jw_finish(&w);
			snprintf(want, sizeof(want), "{\"%s\":7}\n", key);
			if (fresh.p == NULL || strcmp(fresh.p, want) != 0)
				ok = 0;
			sbuf_free(&fresh);
			key[n] = 'k';
		}
		UNIT_CHECK(ok, "json: keys of 0 to 595 bytes");
	}
	sbuf_free(&b);
}

int
main(void)
{
	test_cursor();
	test_sbuf();
	test_parse();
	test_time();
	test_hash();
	test_ring();
	test_pool();
	test_addr_str();
	test_json_keys();
	return unit_done();
}
