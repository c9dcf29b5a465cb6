/* src/flow/flow_community.c: Community ID v1 flow hashing
 * (https://github.com/corelight/community-id-spec): SHA-1 over seed, ordered endpoints, protocol
 * and ports (ICMP type/code mapped to port equivalents), base64-encoded, prefixed "1:". */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "flow/flow_int.h"

#define PROTO_ICMP   1
#define PROTO_TCP    6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58
#define PROTO_SCTP   132

/*
 * ICMP messages that come in request/response pairs: the counterpart type stands in for the
 * destination port so both directions hash the same. Any other type is "one-way": its code is the
 * port and the endpoints are never swapped.
 */
int
flow_icmp_counterpart(int v6, uint8_t type, uint8_t *other)
{
	static const uint8_t v4[][2] = {
		{8, 0}, {0, 8},     /* echo, echo reply */
		{13, 14}, {14, 13}, /* timestamp */
		{15, 16}, {16, 15}, /* information */
		{10, 9}, {9, 10},   /* router solicitation, advertisement */
		{17, 18}, {18, 17}, /* address mask */
	};
	static const uint8_t v6t[][2] = {
		{128, 129}, {129, 128}, /* echo */
		{130, 131}, {131, 130}, /* multicast listener query, report */
		{133, 134}, {134, 133}, /* router solicitation, advertisement */
		{135, 136}, {136, 135}, /* neighbor solicitation, advertisement */
		{139, 140}, {140, 139}, /* node information query, reply */
		{144, 145}, {145, 144}, /* home agent address discovery */
	};
	const uint8_t(*tab)[2] = v6 ? v6t : v4;
	size_t n = v6 ? sizeof(v6t) / sizeof(v6t[0]) : sizeof(v4) / sizeof(v4[0]);
	size_t i;

	for (i = 0; i < n; i++) {
		if (tab[i][0] == type) {
			*other = tab[i][1];
			return 1;
		}
	}
	return 0;
}

static void
base64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = tab[v >> 18 & 63];
		*out++ = tab[v >> 12 & 63];
		*out++ = tab[v >> 6 & 63];
		*out++ = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		*out++ = tab[v >> 18 & 63];
		*out++ = tab[v >> 12 & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*out++ = tab[v >> 18 & 63];
		*out++ = tab[v >> 12 & 63];
		*out++ = tab[v >> 6 & 63];
		*out++ = '=';
	}
	*out = '\0';
}

/* Each thread's SHA-1: fetched once and its context reused. EVP_Digest(EVP_sha1()) fetched the
 * algorithm again for every event, under OpenSSL 3's store lock (2 % of a run on long HTTP
 * connections). Freed when the thread ends; the main thread's is reachable until exit. */
struct cid_sha1 {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

static pthread_key_t cid_key;
static pthread_once_t cid_once = PTHREAD_ONCE_INIT;
static int cid_key_ok;

static void
cid_sha1_free(void *arg)
{
	struct cid_sha1 *h = arg;

	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}

static void
cid_key_init(void)
{
	cid_key_ok = pthread_key_create(&cid_key, cid_sha1_free) == 0;
}

static int
cid_digest(const uint8_t *msg, size_t n, uint8_t *md, unsigned int *mdlen)
{
	struct cid_sha1 *h = NULL;

	(void)pthread_once(&cid_once, cid_key_init);
	if (cid_key_ok && (h = pthread_getspecific(cid_key)) == NULL &&
	    (h = calloc(1, sizeof(*h))) != NULL) {
		if ((h->md = EVP_MD_fetch(NULL, "SHA1", NULL)) == NULL ||
		    (h->ctx = EVP_MD_CTX_new()) == NULL || pthread_setspecific(cid_key, h) != 0) {
			cid_sha1_free(h);
			h = NULL;
		}
	}
	if (h == NULL) /* no key or no memory: the slow way */
		return EVP_Digest(msg, n, md, mdlen, EVP_sha1(), NULL);
	return EVP_DigestInit_ex2(h->ctx, h->md, NULL) == 1 &&
	       EVP_DigestUpdate(h->ctx, msg, n) == 1 && EVP_DigestFinal_ex(h->ctx, md, mdlen) == 1;
}

int
flow_community_id(uint16_t seed, int family, const struct sw_addr *src,
		  const struct sw_addr *dst, uint16_t sport, uint16_t dport, uint8_t proto,
		  char *buf, size_t size)
{
	uint8_t msg[2 + 16 + 16 + 2 + 4], md[EVP_MAX_MD_SIZE];
	size_t alen = family == 6 ? 16 : 4, n = 0;
	unsigned int mdlen = 0;
	int ports = proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP ||
		    proto == PROTO_ICMP || proto == PROTO_ICMPV6;
	int one_way = 0, cmp;
	const struct sw_addr *a = src, *b = dst;
	uint16_t pa = sport, pb = dport;

	if (size < 32)
		return SW_E_RANGE;
	if (proto == PROTO_ICMP || proto == PROTO_ICMPV6) {
		uint8_t other;

		if (flow_icmp_counterpart(proto == PROTO_ICMPV6, (uint8_t)sport, &other))
			pb = other;
		else
			one_way = 1; /* pb stays the code */
	}
	cmp = memcmp(a->b, b->b, alen);
	if (!one_way && !(cmp < 0 || (cmp == 0 && pa < pb))) {
		const struct sw_addr *t = a;
		uint16_t tp = pa;

		a = b;
		b = t;
		pa = pb;
		pb = tp;
	}
	msg[n++] = (uint8_t)(seed >> 8);
	msg[n++] = (uint8_t)seed;
	memcpy(msg + n, a->b, alen);
	n += alen;
	memcpy(msg + n, b->b, alen);
	n += alen;
	msg[n++] = proto;
	msg[n++] = 0; /* padding */
	if (ports) {
		msg[n++] = (uint8_t)(pa >> 8);
		msg[n++] = (uint8_t)pa;
		msg[n++] = (uint8_t)(pb >> 8);
		msg[n++] = (uint8_t)pb;
	}
	if (cid_digest(msg, n, md, &mdlen) != 1 || mdlen != 20)
		return SW_E_INVAL;
	buf[0] = '1';
	buf[1] = ':';
	base64_encode(md, mdlen, buf + 2);
	return 0;
}

int
flow_community_id_flow(uint16_t seed, const struct sw_flow *f, char *buf, size_t size)
{
	if (f->proto == PROTO_ICMP || f->proto == PROTO_ICMPV6)
		return flow_community_id(seed, f->family, &f->cli, &f->srv, f->icmp_type,
					 f->icmp_code, f->proto, buf, size);
	return flow_community_id(seed, f->family, &f->cli, &f->srv, f->cport, f->sport, f->proto,
				 buf, size);
}
