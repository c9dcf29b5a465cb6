/* contrib/bench/cti/cti_bench.c: benchmark of the CTI indicator store (issue 4): generates a
 * mixed feed (mostly domains and URLs), loads it, and reports load time, RSS and store bytes per
 * indicator, and lookups per second per type (half hits, half misses).
 *
 *   cti_bench gen N FILE     write a CSV feed of N indicators to FILE
 *   cti_bench run FILE       load FILE and measure
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cti/cti.h"

#define QUERIES (1u << 20)
#define NOW     (1800000000ULL * SW_USEC_PER_SEC)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void
word(char *buf, size_t n)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";

	for (size_t i = 0; i < n; i++)
		buf[i] = al[rnd() % (i == 0 ? 26 : 36)];
	buf[n] = '\0';
}

static void
hex(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = "0123456789abcdef"[rnd() & 15];
	buf[n] = '\0';
}

static const char *const tlds[] = {"com", "net", "org", "ru", "cn", "info", "xyz", "top", "io"};
static const char *const sources[] = {"abuse.ch", "vendor-a", "vendor-b", "osint", "internal"};
static const char *const tags[] = {"c2", "malware", "phishing", "c2|botnet", "scanner", ""};
static const char *const paths[] = {"wp-admin", "images", "download", "gate", "static", "api"};
static const char *const files[] = {"index.php", "a.exe", "update.bin", "login.html", "x.js"};

/* one value of the given kind (0 domain, 1 url, 2 ipv4, 3 cidr, 4 ipv6, 5 md5, 6 sha1, 7 sha256)
 * into buf; the CSV type into *type. */
static void
gen_value(int kind, char *buf, size_t size, const char **type)
{
	char a[24], b[24];

	switch (kind) {
	case 0:
		word(a, 6 + rnd() % 8);
		word(b, 5 + rnd() % 8);
		snprintf(buf, size, "%s.%s.%s", a, b, tlds[rnd() % 9]);
		*type = "domain";
		break;
	case 1:
		word(a, 6 + rnd() % 8);
		word(b, 4 + rnd() % 10);
		snprintf(buf, size, "http://%s.%s/%s/%s/%s?id=%u", a, tlds[rnd() % 9],
		         paths[rnd() % 6], b, files[rnd() % 5], (unsigned)(rnd() % 100000));
		*type = "url";
		break;
	case 2:
		snprintf(buf, size, "%u.%u.%u.%u", (unsigned)(1 + rnd() % 223),
		         (unsigned)(rnd() % 256), (unsigned)(rnd() % 256), (unsigned)(rnd() % 256));
		*type = "ipv4";
		break;
	case 3:
		snprintf(buf, size, "%u.%u.%u.0/%u", (unsigned)(1 + rnd() % 223),
		         (unsigned)(rnd() % 256), (unsigned)(rnd() % 256),
		         (unsigned)(16 + rnd() % 9));
		*type = "ipv4";
		break;
	case 4:
		snprintf(buf, size, "2001:db8:%x:%x::%x/%u", (unsigned)(rnd() % 65536),
		         (unsigned)(rnd() % 65536), (unsigned)(rnd() % 65536),
		         rnd() % 2 ? 128u : 64u);
		*type = "ipv6";
		break;
	case 5:
		hex(buf, 32);
		*type = "md5";
		break;
	case 6:
		hex(buf, 40);
		*type = "sha1";
		break;
	default:
		hex(buf, 64);
		*type = "sha256";
		break;
	}
}

static int
pick_kind(void)
{
	/* 45% domains, 35% URLs, 7% IPv4 addresses, 2% IPv4 prefixes, 3% IPv6, 3/2/3% hashes */
	unsigned r = (unsigned)(rnd() % 100);

	return r < 45   ? 0
	       : r < 80 ? 1
	       : r < 87 ? 2
	       : r < 89 ? 3
	       : r < 92 ? 4
	       : r < 95 ? 5
	       : r < 97 ? 6
	                : 7;
}

static int
gen(unsigned long n, const char *path)
{
	FILE *fp = fopen(path, "w");
	char v[256];
	const char *type;

	if (fp == NULL) {
		perror(path);
		return 1;
	}
	fprintf(fp, "type,value,source,confidence,tags\n");
	for (unsigned long i = 0; i < n; i++) {
		gen_value(pick_kind(), v, sizeof(v), &type);
		fprintf(fp, "%s,%s,%s,%u,%s\n", type, v, sources[rnd() % 5],
		        (unsigned)(50 + 10 * (rnd() % 5)), tags[rnd() % 6]);
	}
	return fclose(fp) == 0 ? 0 : 1;
}

static long
rss_kb(const char *field)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(field);

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, n) == 0)
			v = strtol(line + n, NULL, 10);
	fclose(fp);
	return v;
}

static double
secs(sw_time_t a, sw_time_t b)
{
	return (double)(b - a) / 1e6;
}

/* Values of one type read back from the feed file, for hit queries. */
struct vals {
	char **v;
	size_t n, cap;
};

static void
vals_add(struct vals *vs, const char *s)
{
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 1024;
		vs->v = realloc(vs->v, vs->cap * sizeof(char *));
	}
	vs->v[vs->n++] = strdup(s);
}

static int
run(const char *path)
{
	struct cti_conf conf;
	struct cti_feed_conf fc;
	struct cti_store *s = NULL;
	long rss0, rss1, hwm;
	sw_time_t t0, t1;
	uint64_t n;
	struct vals vs[8];
	FILE *fp;
	char line[512];
	static const char *const names[8] = {"domain", "url", "ipv4", "ipv4/cidr",
	                                     "ipv6",   "md5", "sha1", "sha256"};

	memset(&fc, 0, sizeof(fc));
	fc.name = "bench";
	fc.path = (char *)path;
	fc.format = CTI_FMT_CSV;
	fc.type = -1;
	fc.confidence = 50;
	fc.severity = 2;
	memset(&conf, 0, sizeof(conf));
	conf.feeds = &fc;
	conf.nfeeds = 1;
	sw_log_set_level(SW_LOG_WARN);
	rss0 = rss_kb("VmRSS:");
	t0 = sw_time_monotonic();
	if (cti_store_build(&conf, NULL, NOW, 1, &s) != 0 || cti_store_failed_feeds(s) != 0) {
		fprintf(stderr, "load failed\n");
		return 1;
	}
	t1 = sw_time_monotonic();
	rss1 = rss_kb("VmRSS:");
	hwm = rss_kb("VmHWM:");
	n = cti_store_count(s, -1);
	printf("feed            %s\n", path);
	printf("indicators      %llu (", (unsigned long long)n);
	for (int t = 0; t < CTI_T_MAX; t++)
		printf("%s%s %llu", t ? ", " : "", cti_type_name(t),
		       (unsigned long long)cti_store_count(s, t));
	printf("); %llu duplicates\n", (unsigned long long)cti_store_feed(s, 0)->duplicates);
	printf("load time       %.2f s (%.0f indicators/s)\n", secs(t0, t1),
	       (double)n / secs(t0, t1));
	printf("store bytes     %.1f MB, %.1f bytes per indicator\n",
	       (double)cti_store_bytes(s) / 1048576.0, (double)cti_store_bytes(s) / (double)n);
	printf("RSS             +%.1f MB after the load, %.1f bytes per indicator (peak RSS %.1f "
	       "MB during the load)\n",
	       (double)(rss1 - rss0) / 1024.0, (double)(rss1 - rss0) * 1024.0 / (double)n,
	       (double)hwm / 1024.0);

	/* hit candidates: the values of the file, per kind */
	memset(vs, 0, sizeof(vs));
	if ((fp = fopen(path, "r")) == NULL)
		return 1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *c1 = strchr(line, ','), *c2;
		int k;

		if (c1 == NULL || (c2 = strchr(c1 + 1, ',')) == NULL)
			continue;
		*c1 = *c2 = '\0';
		if (strcmp(line, "domain") == 0)
			k = 0;
		else if (strcmp(line, "url") == 0)
			k = 1;
		else if (strcmp(line, "ipv4") == 0)
			k = strchr(c1 + 1, '/') != NULL ? 3 : 2;
		else if (strcmp(line, "ipv6") == 0)
			k = 4;
		else if (strcmp(line, "md5") == 0)
			k = 5;
		else if (strcmp(line, "sha1") == 0)
			k = 6;
		else if (strcmp(line, "sha256") == 0)
			k = 7;
		else
			continue;
		if (vs[k].n < QUERIES / 2)
			vals_add(&vs[k], c1 + 1);
	}
	fclose(fp);

	printf("lookups (%u per type, half of them hits):\n", QUERIES);
	for (int k = 0; k < 8; k++) {
		char **q = calloc(QUERIES, sizeof(char *));
		size_t *ql = calloc(QUERIES, sizeof(size_t));
		uint8_t(*qa)[16] = calloc(QUERIES, 16);
		uint64_t hits = 0;
		struct cti_hit h;
		const char *type;
		char v[300];

		if (vs[k].n == 0)
			continue;
		for (unsigned i = 0; i < QUERIES; i++) {
			if (i % 2 == 0) {
				const char *base = vs[k].v[rnd() % vs[k].n];

				if (k == 0) /* a subdomain of a listed domain */
					snprintf(v, sizeof(v), "www.%s", base);
				else if (k == 3) { /* an address inside a listed prefix */
					unsigned a, b, c;

					sscanf(base, "%u.%u.%u", &a, &b, &c);
					snprintf(v, sizeof(v), "%u.%u.%u.77", a, b, c);
				} else
					snprintf(v, sizeof(v), "%s", base);
			} else {
				gen_value(k == 3 ? 2 : k, v, sizeof(v), &type);
				if (k == 0)
					memcpy(v, "zz", 2);
			}
			if (k == 4) {
				char *slash = strchr(v, '/');

				if (slash != NULL)
					*slash = '\0';
			}
			if (k >= 2 && k <= 4) {
				if (inet_pton(k == 4 ? AF_INET6 : AF_INET, v, qa[i]) != 1)
					memset(qa[i], 0, 16);
			}
			q[i] = strdup(v);
			ql[i] = strlen(v);
		}
		t0 = sw_time_monotonic();
		for (unsigned i = 0; i < QUERIES; i++) {
			const struct cti_hit *r;

			switch (k) {
			case 0:
				r = cti_store_match_domain(s, q[i], ql[i], NOW, &h);
				break;
			case 1:
				r = cti_store_match_url(s, q[i], ql[i], NOW, &h);
				break;
			case 2:
			case 3:
				r = cti_store_match_ip(s, 4, qa[i], NOW, &h);
				break;
			case 4:
				r = cti_store_match_ip(s, 6, qa[i], NOW, &h);
				break;
			default:
				r = cti_store_match_hash(s,
				                         k == 5   ? CTI_T_MD5
				                         : k == 6 ? CTI_T_SHA1
				                                  : CTI_T_SHA256,
				                         q[i], ql[i], NOW, &h);
				break;
			}
			hits += r != NULL;
		}
		t1 = sw_time_monotonic();
		printf("  %-10s %6.2f M lookups/s  (%.0f ns each, %.1f%% hits)\n", names[k],
		       QUERIES / secs(t0, t1) / 1e6, secs(t0, t1) * 1e9 / QUERIES,
		       100.0 * (double)hits / QUERIES);
		for (unsigned i = 0; i < QUERIES; i++)
			free(q[i]);
		free(q);
		free(ql);
		free(qa);
	}
	for (int k = 0; k < 8; k++) {
		for (size_t i = 0; i < vs[k].n; i++)
			free(vs[k].v[i]);
		free(vs[k].v);
	}
	cti_store_free(s);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return gen(strtoul(argv[2], NULL, 10), argv[3]);
	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return run(argv[2]);
	fprintf(stderr, "usage: cti_bench gen N FILE | cti_bench run FILE\n");
	return 2;
}
