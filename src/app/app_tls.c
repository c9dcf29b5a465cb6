/* src/app/app_tls.c: TLS handshake parser, JA3/JA3S, X.509 (RFC 8446, 5246, 6066, 7301, 5280). */
/*
 * Each direction of the reassembled TCP stream is a sequence of records:
 *
 *    0        1        2        3        4        5
 *   +--------+--------+--------+--------+--------+---------------...
 *   |  type  |  version (3,x)  |     length      | fragment (length bytes)
 *   +--------+--------+--------+--------+--------+---------------...
 *
 * Handshake records (type 22) carry handshake messages, which may be split across records and
 * share one: a 1-byte message type and a 24-bit length, then the body. The bytes of one
 * message are gathered in a per-direction buffer (at most TLS_HS_MAX + 4 bytes) and parsed
 * when complete. One app_tls_msg is emitted per flow, when the clear part of the handshake is
 * over (after the server's Certificate, at a ChangeCipherSpec or application_data record, or
 * at a TLS 1.3 ServerHello), or at flow end; then the flow is no longer parsed.
 *
 * Text forms: certificate subject and issuer are RFC 2253 one-line strings as printed by
 * X509_NAME_print_ex(XN_FLAG_RFC2253) but with UTF-8 kept as is ("CN=x,O=y,C=z": most
 * specific first, like `openssl x509 -nameopt RFC2253`); the serial is the big-endian
 * magnitude as lower-case colon-separated hex ("01", "0a:1b:..."); the fingerprint is the SHA-1
 * of the DER as lower-case colon-separated hex. Texts longer than their buffer are cut; the
 * JA3/JA3S hashes are always those of the whole string.
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "app/app_int.h"
#include "stream/stream.h"

#define TLS_REC_HANDSHAKE 22
#define TLS_REC_CCS       20
#define TLS_REC_ALERT     21
#define TLS_REC_APPDATA   23
#define TLS_REC_HEARTBEAT 24

#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_HS_CERTIFICATE  11
#define TLS_HS_SERVER_KEYX  12
#define TLS_HS_CLIENT_KEYX  16

#define TLS_EXT_SERVER_NAME        0
#define TLS_EXT_SUPPORTED_GROUPS   10
#define TLS_EXT_EC_POINT_FORMATS   11
#define TLS_EXT_SIG_ALGS           13
#define TLS_EXT_ALPN               16
#define TLS_EXT_SUPPORTED_VERSIONS 43

#define TLS_REC_MAX (16384 + 2048) /* TLSCiphertext.length bound (RFC 5246 6.2.3) */
#define TLS_HS_MAX  65536          /* largest handshake message we gather */
#define TLS_RAW_MAX 16384          /* bytes of a direction kept as sent (the "@tls.*" buffers) */

#define TLS_SNI_MAX    256
#define TLS_ALPN_POOL  512
#define TLS_JA3_MAX    4096
#define TLS_JA3S_MAX   1024
#define TLS_NAME_MAX   1024
#define TLS_SERIAL_MAX 192
#define TLS_SAN_TEXT   256  /* one subjectAltName value as text, cut there */
#define TLS_SAN_POOL   2048 /* all of them: names past it are not kept */

struct tls_dir {
	uint8_t rec_hdr[5];
	size_t rec_hdr_len; /* header bytes gathered so far */
	size_t rec_left;    /* fragment bytes of the current record still to come */
	uint8_t rec_type;
	bool in_record;
	uint8_t *hs; /* the handshake message being gathered: 4-byte header + body */
	size_t hs_len, hs_cap;
	bool stopped; /* a gap or malformed input: ignore the rest of this direction */
	size_t v2_left; /* bytes of an SSLv2-compatible ClientHello still to come */
	/* the direction's first TLS_RAW_MAX bytes as sent, until the message is out: the payload
	 * of rules that mix payload contents and TLS buffers */
	uint8_t *raw;
	size_t raw_len, raw_cap;
	bool raw_full;    /* TLS_RAW_MAX reached, app.memcap refused more, or not wanted */
	bool raw_decided; /* the direction's first data said whether rules want the bytes */
};

/* What only the parsing needs: the hello's lists for JA4 and the text the message points to,
 * at their longest. Once the last message of the flow is out, the texts move to a block of
 * their own length (tls_state.text) and this goes back to the worker's pool: most of a TLS
 * flow's state is here, and a flow usually lives on long after its handshake. */
struct tls_work {
	struct app_tls_hello hello;
	char san_pool[TLS_SAN_POOL];
	char sni[TLS_SNI_MAX];
	uint8_t alpn_pool[TLS_ALPN_POOL];
	size_t alpn_used;
	char ja3[TLS_JA3_MAX];
	char ja3s[TLS_JA3S_MAX];
	char subject[TLS_NAME_MAX];
	char issuer[TLS_NAME_MAX];
	char serial[TLS_SERIAL_MAX];
};

struct tls_state {
	struct sw_memcap *mem; /* the worker's, for the handshake buffers */
	struct tls_dir dir[2];
	/* while parsing (NULL once the last message is out, or in a state that never got one);
	 * then text holds what msg points to, text_len bytes charged to mem */
	struct tls_work *work;
	char *text;
	size_t text_len;
	bool ending;      /* the flow ends: the message's texts are not moved */
	bool emitted;     /* the last message is out: nothing more is parsed */
	bool quic;        /* the hellos came in QUIC CRYPTO frames: JA4 starts with "q" */
	bool v2_checked;  /* the first client bytes were checked for an SSLv2 hello */
	bool after_hrr;   /* a HelloRetryRequest was emitted, the second hello is awaited */
	/* ssl_state: the current state (APP_TLS_STATE_*), the direction of the data being
	 * parsed, and the states seen by direction */
	uint8_t ssl_cur, ssl_dir;
	uint8_t ssl_seen[2];
	struct app_tls_msg msg;
	size_t chain_bytes; /* DER bytes of msg.chain, charged to mem */
	/* frames (app_frame.c): each direction's records from its first data to its end, read
	 * apart from the handshake parser (which stops at the encrypted part) */
	struct app_framer fr[2];
	bool fr_decided[2];
};

/* ---- bounded text builder that also feeds an MD5 ----------------------------------------- */

struct tls_text {
	char *buf;
	size_t size, len; /* len < size; the text is always NUL-terminated */
	EVP_MD_CTX *md;   /* NULL when no hash is wanted */
	bool fail;        /* the digest failed */
};

static void
text_add(struct tls_text *t, const char *s, size_t n)
{
	size_t room = t->size - 1 - t->len;

	if (t->md != NULL && n > 0 && EVP_DigestUpdate(t->md, s, n) != 1)
		t->fail = true;
	if (n > room)
		n = room;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void
text_u32(struct tls_text *t, uint32_t v)
{
	char d[10];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && i > 0);
	text_add(t, d + i, sizeof(d) - i);
}

static bool
tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static void
hex_colon(const uint8_t *p, size_t n, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n && o + 3 <= size; i++) {
		if (i > 0) {
			if (o + 4 > size)
				break;
			out[o++] = ':';
		}
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 0x0f];
	}
	if (size > 0)
		out[o < size ? o : size - 1] = '\0';
}

static void
md5_hex(EVP_MD_CTX *md, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (EVP_DigestFinal_ex(md, h, &n) != 1 || n != 16)
		return;
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 0x0f];
	}
	out[32] = '\0';
}

/* ---- ClientHello (RFC 8446 4.1.2) -------------------------------------------------------- */

/* Appends a u16 list (GREASE dropped) as "a-b-c" to t. */
static int
ja3_u16_list(struct tls_text *t, struct cursor *list)
{
	bool first = true;
	uint16_t v;

	while (cur_left(list) > 0) {
		if (cur_be16(list, &v) != 0)
			return SW_E_INVAL;
		if (tls_is_grease(v))
			continue;
		if (!first)
			text_add(t, "-", 1);
		text_u32(t, v);
		first = false;
	}
	return 0;
}

/* Opens a sub-cursor of n bytes at c and skips them in c. */
static int
cur_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	if (cur_left(c) < n)
		return SW_E_TRUNC;
	cur_init(sub, c->p, n);
	c->p += n;
	return 0;
}

static int
cur_sub16(struct cursor *c, struct cursor *sub)
{
	uint16_t n;

	if (cur_be16(c, &n) != 0)
		return SW_E_TRUNC;
	return cur_sub(c, n, sub);
}

static int
cur_sub8(struct cursor *c, struct cursor *sub)
{
	uint8_t n;

	if (cur_u8(c, &n) != 0)
		return SW_E_TRUNC;
	return cur_sub(c, n, sub);
}

/* Keeps the ALPN protocol names of an ALPN extension body (RFC 7301 3.1). */
static int
parse_alpn(struct tls_state *s, struct cursor *ext)
{
	struct cursor list, name;

	s->msg.nalpn = 0;
	s->work->alpn_used = 0;
	if (cur_sub16(ext, &list) != 0)
		return SW_E_INVAL;
	while (cur_left(&list) > 0) {
		if (cur_sub8(&list, &name) != 0)
			return SW_E_INVAL;
		size_t n = cur_left(&name);
		if (s->msg.nalpn < sizeof(s->msg.alpn) / sizeof(s->msg.alpn[0]) &&
		    n <= TLS_ALPN_POOL - s->work->alpn_used) {
			memcpy(s->work->alpn_pool + s->work->alpn_used, name.p, n);
			s->msg.alpn[s->msg.nalpn].p = s->work->alpn_pool + s->work->alpn_used;
			s->msg.alpn[s->msg.nalpn].len = n;
			s->msg.nalpn++;
			s->work->alpn_used += n;
		}
	}
	return 0;
}

/* Keeps the first host_name of a server_name extension body (RFC 6066 3). */
static int
parse_sni(struct tls_state *s, struct cursor *ext)
{
	struct cursor list, name;
	uint8_t type;

	if (cur_sub16(ext, &list) != 0)
		return SW_E_INVAL;
	while (cur_left(&list) > 0) {
		if (cur_u8(&list, &type) != 0 || cur_sub16(&list, &name) != 0)
			return SW_E_INVAL;
		if (type == 0 && s->msg.sni.len == 0) {
			size_t n = cur_left(&name);
			if (n > sizeof(s->work->sni))
				n = sizeof(s->work->sni);
			memcpy(s->work->sni, name.p, n);
			s->msg.sni.p = (const uint8_t *)s->work->sni;
			s->msg.sni.len = n;
		}
	}
	return 0;
}

static void
client_reset(struct tls_state *s)
{
	s->msg.client_hello = false;
	s->msg.sslv2_hello = false;
	s->msg.client_version = 0;
	s->msg.client_supported = 0;
	s->msg.sni.p = NULL;
	s->msg.sni.len = 0;
	s->msg.nalpn = 0;
	s->work->alpn_used = 0;
	s->msg.ja3.p = NULL;
	s->msg.ja3.len = 0;
	s->msg.ja3_hash[0] = '\0';
	s->msg.ja4[0] = '\0';
	s->work->ja3[0] = '\0';
	memset(&s->work->hello, 0, sizeof(s->work->hello));
}

/* Starts a JA3 or JA3S text with "version," and its MD5. */
static int
ja3_start(struct tls_text *t, uint16_t version)
{
	if ((t->md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(t->md, EVP_md5(), NULL) != 1)
		return SW_E_NOMEM;
	text_u32(t, version);
	text_add(t, ",", 1);
	return 0;
}

static void
hello_add(struct app_tls_hello *h, uint16_t *list, uint16_t *n, uint16_t v)
{
	if (*n < APP_TLS_HELLO_LIST)
		list[(*n)++] = v;
	else
		h->truncated = true;
}

/* Adds the u16 list of c (GREASE dropped) to a hello list. */
static int
hello_u16_list(struct app_tls_hello *h, struct cursor *c, uint16_t *list, uint16_t *n)
{
	uint16_t v;

	while (cur_left(c) > 0) {
		if (cur_be16(c, &v) != 0)
			return SW_E_INVAL;
		if (!tls_is_grease(v))
			hello_add(h, list, n, v);
	}
	return 0;
}

/* supported_versions in a ClientHello (RFC 8446 4.2.1): versions<2..254> */
static int
hello_versions(struct app_tls_hello *h, struct cursor *ext)
{
	struct cursor list;
	uint16_t v;

	if (cur_sub8(ext, &list) != 0 || cur_left(&list) % 2 != 0)
		return SW_E_INVAL;
	while (cur_be16(&list, &v) == 0) {
		if (!tls_is_grease(v) && v > h->supported_version)
			h->supported_version = v;
		/* known: SSL 2/3, TLS 1.0-1.3 and 1.3's drafts */
		if (h->first_version == 0 && (v == 0x0002 || v == 0x0200 ||
					      (v >= 0x0300 && v <= 0x0304) || (v >> 8) == 0x7f))
			h->first_version = v;
	}
	return 0;
}

/* The first ALPN value's first and last bytes (RFC 7301 3.1). */
static int
hello_alpn(struct app_tls_hello *h, struct cursor ext)
{
	struct cursor list, name;

	if (cur_sub16(&ext, &list) != 0)
		return SW_E_INVAL;
	if (cur_left(&list) == 0)
		return 0;
	if (cur_sub8(&list, &name) != 0)
		return SW_E_INVAL;
	if (cur_left(&name) == 0)
		return 0;
	h->alpn_first[0] = name.p[0];
	h->alpn_first[1] = name.p[cur_left(&name) - 1];
	h->alpn_len = cur_left(&name) > 255 ? 255 : (uint8_t)cur_left(&name);
	return 0;
}

/* The end of a ClientHello: JA3 hash, JA4, and the message's client fields. */
static void
client_done(struct tls_state *s, struct tls_text *t, uint16_t version)
{
	md5_hex(t->md, s->msg.ja3_hash);
	s->msg.ja3.p = (const uint8_t *)s->work->ja3;
	s->msg.ja3.len = t->len;
	s->work->hello.legacy_version = version;
	app_tls_ja4(&s->work->hello, s->quic, s->msg.ja4);
	s->msg.client_version = version;
	s->msg.client_supported = s->work->hello.first_version;
	s->msg.client_hello = true;
	if (!s->msg.server_hello)
		s->msg.version = version;
}

/*
 * legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
 * legacy_compression_methods<1..2^8-1> extensions<8..2^16-1> (optional before TLS 1.2)
 */
static int
parse_client_hello(struct tls_state *s, struct cursor *c)
{
	struct cursor sid, ciphers, comp, exts, ext, groups, formats;
	struct tls_text t = {.buf = s->work->ja3, .size = sizeof(s->work->ja3)};
	struct app_tls_hello *h = &s->work->hello;
	bool first = true;
	uint16_t version, type;
	int r = SW_E_INVAL;
	const uint8_t *random;

	client_reset(s);
	groups.p = groups.end = NULL;
	formats.p = formats.end = NULL;
	random = c->p + 2;
	if (cur_be16(c, &version) != 0 || cur_skip(c, 32) != 0 || cur_sub8(c, &sid) != 0 ||
	    cur_left(&sid) > 32 || cur_sub16(c, &ciphers) != 0 || cur_left(&ciphers) % 2 != 0 ||
	    cur_sub8(c, &comp) != 0)
		goto out;
	memcpy(s->msg.client_random, random, 32);
	exts.p = exts.end = c->p;
	if (cur_left(c) > 0 && (cur_sub16(c, &exts) != 0 || cur_left(c) != 0))
		goto out;
	if ((r = ja3_start(&t, version)) != 0)
		goto out;
	r = SW_E_INVAL;
	{
		struct cursor cc = ciphers;

		if (ja3_u16_list(&t, &ciphers) != 0 ||
		    hello_u16_list(h, &cc, h->ciphers, &h->nciphers) != 0)
			goto out;
	}
	text_add(&t, ",", 1);
	while (cur_left(&exts) > 0) {
		if (cur_be16(&exts, &type) != 0 || cur_sub16(&exts, &ext) != 0)
			goto out;
		if (!tls_is_grease(type)) {
			if (!first)
				text_add(&t, "-", 1);
			text_u32(&t, type);
			first = false;
			hello_add(h, h->exts, &h->nexts, type);
		}
		switch (type) {
		case TLS_EXT_SERVER_NAME:
			h->sni = true;
			if (parse_sni(s, &ext) != 0)
				goto out;
			break;
		case TLS_EXT_ALPN:
			if (hello_alpn(h, ext) != 0 || parse_alpn(s, &ext) != 0)
				goto out;
			break;
		case TLS_EXT_SUPPORTED_GROUPS:
			if (cur_sub16(&ext, &groups) != 0 || cur_left(&groups) % 2 != 0)
				goto out;
			break;
		case TLS_EXT_EC_POINT_FORMATS:
			if (cur_sub8(&ext, &formats) != 0)
				goto out;
			break;
		case TLS_EXT_SIG_ALGS: {
			struct cursor list;

			if (cur_sub16(&ext, &list) != 0 || cur_left(&list) % 2 != 0 ||
			    hello_u16_list(h, &list, h->sigalgs, &h->nsigalgs) != 0)
				goto out;
			break;
		}
		case TLS_EXT_SUPPORTED_VERSIONS:
			if (hello_versions(h, &ext) != 0)
				goto out;
			break;
		default:
			break;
		}
	}
	text_add(&t, ",", 1);
	if (groups.p != NULL && ja3_u16_list(&t, &groups) != 0)
		goto out;
	text_add(&t, ",", 1);
	if (formats.p != NULL) {
		uint8_t f;
		first = true;
		while (cur_u8(&formats, &f) == 0) {
			if (!first)
				text_add(&t, "-", 1);
			text_u32(&t, f);
			first = false;
		}
	}
	if (t.fail)
		goto out;
	client_done(s, &t, version);
	r = 0;
out:
	EVP_MD_CTX_free(t.md);
	if (r != 0)
		client_reset(s);
	return r;
}

/*
 * An SSLv2-compatible ClientHello (RFC 5246 appendix E.2, RFC 6101 appendix E), after its
 * 2-byte record header:
 *
 *   msg_type(1)=1 version(2) cipher_spec_length(2) session_id_length(2) challenge_length(2)
 *   cipher_specs (3 bytes each) session_id challenge
 *
 * The 3-byte specs whose first byte is 0 are TLS cipher suites; the others are SSLv2-only
 * and left out of JA3 and JA4 (which have no place for them). No extensions, so no SNI.
 */
static int
parse_sslv2_hello(struct tls_state *s, struct cursor *c)
{
	struct tls_text t = {.buf = s->work->ja3, .size = sizeof(s->work->ja3)};
	struct app_tls_hello *h = &s->work->hello;
	uint16_t version, speclen, sidlen, chlen;
	uint8_t type;
	bool first = true;
	int r = SW_E_INVAL;

	client_reset(s);
	if (cur_u8(c, &type) != 0 || type != TLS_HS_CLIENT_HELLO || cur_be16(c, &version) != 0 ||
	    cur_be16(c, &speclen) != 0 || cur_be16(c, &sidlen) != 0 || cur_be16(c, &chlen) != 0 ||
	    speclen % 3 != 0 || cur_left(c) != (size_t)speclen + sidlen + chlen)
		goto out;
	if ((r = ja3_start(&t, version)) != 0)
		goto out;
	r = SW_E_INVAL;
	for (uint16_t i = 0; i < speclen / 3; i++) {
		uint8_t k0;
		uint16_t v;

		if (cur_u8(c, &k0) != 0 || cur_be16(c, &v) != 0)
			goto out;
		if (k0 != 0 || tls_is_grease(v))
			continue;
		if (!first)
			text_add(&t, "-", 1);
		text_u32(&t, v);
		first = false;
		hello_add(h, h->ciphers, &h->nciphers, v);
	}
	text_add(&t, ",,,", 3);
	if (t.fail)
		goto out;
	client_done(s, &t, version);
	s->msg.sslv2_hello = true;
	r = 0;
out:
	EVP_MD_CTX_free(t.md);
	if (r != 0)
		client_reset(s);
	return r;
}

/* ---- JA4 (FoxIO, "JA4: TLS Client Fingerprinting", BSD-3-Clause) --------------------------- */

static const char hexdig[] = "0123456789abcdef";

/* JA4's two-character version: "13", "12", ..., "s3", "s2", "d1".."d3", or "00". */
static const char *
ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	default: return "00";
	}
}

static int
u16_cmp(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return x < y ? -1 : x > y;
}

/* Feeds "xxxx,yyyy,..." (4 lower-case hex digits each) to md. */
static bool
ja4_hash_list(EVP_MD_CTX *md, const uint16_t *v, size_t n, bool comma_first)
{
	for (size_t i = 0; i < n; i++) {
		char x[5] = {',', hexdig[v[i] >> 12], hexdig[v[i] >> 8 & 15], hexdig[v[i] >> 4 & 15],
			     hexdig[v[i] & 15]};

		if (i == 0 && !comma_first ? EVP_DigestUpdate(md, x + 1, 4) != 1
					   : EVP_DigestUpdate(md, x, 5) != 1)
			return false;
	}
	return true;
}

/* The first 12 hex digits of md's SHA-256 into out. */
static bool
ja4_hash_end(EVP_MD_CTX *md, char out[12])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(md, h, &n) != 1 || n < 6)
		return false;
	for (int i = 0; i < 6; i++) {
		out[2 * i] = hexdig[h[i] >> 4];
		out[2 * i + 1] = hexdig[h[i] & 15];
	}
	return true;
}

static bool
ja4_alnum(uint8_t b)
{
	return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
}

/* An ALPN value's two characters (JA4 and JA4S): "00" without one, its first and last
 * characters when both are alphanumeric, else the first and last digits of the value in hex. */
static void
ja4_alpn(const uint8_t first[2], uint8_t len, char out[2])
{
	if (len == 0) {
		out[0] = out[1] = '0';
	} else if (ja4_alnum(first[0]) && ja4_alnum(first[1])) {
		out[0] = (char)first[0];
		out[1] = (char)first[1];
	} else {
		out[0] = hexdig[first[0] >> 4];
		out[1] = hexdig[first[1] & 15];
	}
}

void
app_tls_ja4(const struct app_tls_hello *h, bool quic, char out[APP_TLS_JA4_LEN + 1])
{
	uint16_t sorted[APP_TLS_HELLO_LIST];
	EVP_MD_CTX *md = NULL;
	const char *ver;
	size_t n = 0;
	char *o = out;

	out[0] = '\0';
	if (h->truncated)
		return;
	/* a: transport, version, d/i, counts, ALPN */
	ver = ja4_version(h->supported_version != 0 ? h->supported_version : h->legacy_version);
	o[0] = quic ? 'q' : 't';
	o[1] = ver[0];
	o[2] = ver[1];
	o[3] = h->sni ? 'd' : 'i';
	o[4] = (char)('0' + (h->nciphers > 99 ? 99 : h->nciphers) / 10);
	o[5] = (char)('0' + (h->nciphers > 99 ? 99 : h->nciphers) % 10);
	o[6] = (char)('0' + (h->nexts > 99 ? 99 : h->nexts) / 10);
	o[7] = (char)('0' + (h->nexts > 99 ? 99 : h->nexts) % 10);
	ja4_alpn(h->alpn_first, h->alpn_len, o + 8);
	o[10] = '_';
	if ((md = EVP_MD_CTX_new()) == NULL)
		goto fail;
	/* b: sorted ciphers */
	if (h->nciphers == 0) {
		memset(o + 11, '0', 12);
	} else {
		memcpy(sorted, h->ciphers, h->nciphers * sizeof(sorted[0]));
		qsort(sorted, h->nciphers, sizeof(sorted[0]), u16_cmp);
		if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
		    !ja4_hash_list(md, sorted, h->nciphers, false) || !ja4_hash_end(md, o + 11))
			goto fail;
	}
	o[23] = '_';
	/* c: sorted extensions without SNI and ALPN, "_", signature algorithms as sent */
	for (size_t i = 0; i < h->nexts; i++)
		if (h->exts[i] != TLS_EXT_SERVER_NAME && h->exts[i] != TLS_EXT_ALPN)
			sorted[n++] = h->exts[i];
	if (n == 0) {
		memset(o + 24, '0', 12);
	} else {
		qsort(sorted, n, sizeof(sorted[0]), u16_cmp);
		if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 || !ja4_hash_list(md, sorted, n, false) ||
		    (h->nsigalgs > 0 && (EVP_DigestUpdate(md, "_", 1) != 1 ||
					 !ja4_hash_list(md, h->sigalgs, h->nsigalgs, false))) ||
		    !ja4_hash_end(md, o + 24))
			goto fail;
	}
	o[APP_TLS_JA4_LEN] = '\0';
	EVP_MD_CTX_free(md);
	return;
fail:
	EVP_MD_CTX_free(md);
	out[0] = '\0';
}

/* ---- JA4S (FoxIO, "JA4S: TLS Server/Session Fingerprint", FoxIO License 1.1) -------------- *
 * Not BSD like JA4: compiled only with ./configure --enable-ja4plus (README, "TLS"). */

void
app_tls_ja4s(const struct app_tls_server_hello *h, bool quic, char out[APP_TLS_JA4S_LEN + 1])
{
	out[0] = '\0';
#ifdef SW_JA4PLUS
	EVP_MD_CTX *md;
	const char *ver;
	char *o = out;

	if (h->truncated)
		return;
	/* a: transport, version, extension count, ALPN chosen */
	ver = ja4_version(h->version);
	o[0] = quic ? 'q' : 't';
	o[1] = ver[0];
	o[2] = ver[1];
	o[3] = (char)('0' + (h->nexts > 99 ? 99 : h->nexts) / 10);
	o[4] = (char)('0' + (h->nexts > 99 ? 99 : h->nexts) % 10);
	ja4_alpn(h->alpn_first, h->alpn_len, o + 5);
	/* b: the cipher suite chosen */
	o[7] = '_';
	o[8] = hexdig[h->cipher >> 12];
	o[9] = hexdig[h->cipher >> 8 & 15];
	o[10] = hexdig[h->cipher >> 4 & 15];
	o[11] = hexdig[h->cipher & 15];
	o[12] = '_';
	/* c: the extensions in the order sent (a server does not shuffle them) */
	if (h->nexts == 0) {
		memset(o + 13, '0', 12);
	} else {
		if ((md = EVP_MD_CTX_new()) == NULL)
			return;
		if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
		    !ja4_hash_list(md, h->exts, h->nexts, false) || !ja4_hash_end(md, o + 13)) {
			EVP_MD_CTX_free(md);
			out[0] = '\0';
			return;
		}
		EVP_MD_CTX_free(md);
	}
	o[APP_TLS_JA4S_LEN] = '\0';
#else
	(void)h;
	(void)quic;
#endif
}

/* ---- ServerHello (RFC 8446 4.1.3) -------------------------------------------------------- */

static void
server_reset(struct tls_state *s)
{
	s->msg.server_hello = false;
	s->msg.cipher = 0;
	s->msg.ja3s.p = NULL;
	s->msg.ja3s.len = 0;
	s->msg.ja3s_hash[0] = '\0';
	s->msg.ja4s[0] = '\0';
	s->work->ja3s[0] = '\0';
	s->msg.hello_retry = false;
	s->msg.version = s->msg.client_version;
}

/* legacy_version(2) random(32) session_id<0..32> cipher_suite(2) compression(1) extensions */
/* ServerHello.random of a HelloRetryRequest (RFC 8446 4.1.3): SHA-256("HelloRetryRequest") */
static const uint8_t tls_hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static int
parse_server_hello(struct tls_state *s, struct cursor *c, bool *tls13)
{
	struct cursor sid, exts, ext;
	struct tls_text t = {.buf = s->work->ja3s, .size = sizeof(s->work->ja3s)};
	struct app_tls_server_hello sh = {0};
	uint16_t version, cipher, type, selected = 0;
	bool first = true;
	uint8_t comp;
	int r = SW_E_INVAL;

	server_reset(s);
	if (cur_be16(c, &version) != 0 || cur_left(c) < 32)
		goto out;
	s->msg.hello_retry = memcmp(c->p, tls_hrr_random, 32) == 0;
	memcpy(s->msg.server_random, c->p, 32);
	if (cur_skip(c, 32) != 0 || cur_sub8(c, &sid) != 0 ||
	    cur_left(&sid) > 32 || cur_be16(c, &cipher) != 0 || cur_u8(c, &comp) != 0)
		goto out;
	exts.p = exts.end = c->p;
	if (cur_left(c) > 0 && (cur_sub16(c, &exts) != 0 || cur_left(c) != 0))
		goto out;
	if ((r = ja3_start(&t, version)) != 0)
		goto out;
	r = SW_E_INVAL;
	text_u32(&t, cipher);
	text_add(&t, ",", 1);
	while (cur_left(&exts) > 0) {
		if (cur_be16(&exts, &type) != 0 || cur_sub16(&exts, &ext) != 0)
			goto out;
		if (!tls_is_grease(type)) {
			if (!first)
				text_add(&t, "-", 1);
			text_u32(&t, type);
			first = false;
			if (sh.nexts < APP_TLS_HELLO_LIST)
				sh.exts[sh.nexts++] = type;
			else
				sh.truncated = true;
		}
		if (type == TLS_EXT_SUPPORTED_VERSIONS) {
			if (cur_be16(&ext, &selected) != 0)
				goto out;
		} else if (type == TLS_EXT_ALPN) {
			if (parse_alpn(s, &ext) != 0)
				goto out;
			if (s->msg.nalpn > 0 && s->msg.alpn[0].len > 0) {
				const struct app_buf *a = &s->msg.alpn[0];

				sh.alpn_first[0] = a->p[0];
				sh.alpn_first[1] = a->p[a->len - 1];
				sh.alpn_len = a->len > 255 ? 255 : (uint8_t)a->len;
			}
		}
	}
	if (t.fail)
		goto out;
	sh.version = selected != 0 ? selected : version;
	sh.cipher = cipher;
	app_tls_ja4s(&sh, s->quic, s->msg.ja4s);
	md5_hex(t.md, s->msg.ja3s_hash);
	s->msg.ja3s.p = (const uint8_t *)s->work->ja3s;
	s->msg.ja3s.len = t.len;
	s->msg.cipher = cipher;
	s->msg.version = selected != 0 ? selected : version;
	s->msg.server_hello = true;
	*tls13 = s->msg.version >= 0x0304 && s->msg.version != 0xffff;
	r = 0;
out:
	EVP_MD_CTX_free(t.md);
	if (r != 0)
		server_reset(s);
	return r;
}

/* ---- Certificate (RFC 5246 7.4.2) -------------------------------------------------------- */

static void
name_text(const X509_NAME *name, char *out, size_t size)
{
	BIO *bio;
	char *p = NULL;
	long n;

	out[0] = '\0';
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0 && p != NULL) {
		size_t len = (size_t)n < size - 1 ? (size_t)n : size - 1;
		memcpy(out, p, len);
		out[len] = '\0';
	}
	BIO_free(bio);
}

static sw_time_t
asn1_time_usec(const ASN1_TIME *at)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (at == NULL || ASN1_TIME_to_tm(at, &tm) != 1)
		return 0;
	t = timegm(&tm);
	if (t <= 0)
		return 0;
	return (sw_time_t)t * SW_USEC_PER_SEC;
}

/*
 * The certificate as parsed here: X.509's own layout (RFC 5280 4.1), but the subject's public key
 * is kept as it came (ASN1_ANY) instead of decoded. OpenSSL 3's d2i_X509 decodes it through the
 * providers' decoders (OSSL_DECODER_CTX_new_for_pkey: a provider look-up and hundreds of small
 * allocations per certificate, 6.4 % of all instructions on the benchmark's mixed capture),
 * and nothing here reads the key. d2i_X509 ignores a key it cannot decode, so the two accept
 * the same certificates.
 */
struct tls_tbs {
	ASN1_INTEGER *version;
	ASN1_INTEGER *serial;
	X509_ALGOR *sig_alg;
	X509_NAME *issuer;
	X509_VAL *validity;
	X509_NAME *subject;
	ASN1_TYPE *spki;
	ASN1_BIT_STRING *issuer_uid, *subject_uid;
	STACK_OF(X509_EXTENSION) *extensions;
};

struct tls_cert {
	struct tls_tbs *tbs;
	X509_ALGOR *sig_alg;
	ASN1_BIT_STRING *signature;
};

ASN1_SEQUENCE(tls_tbs) = {
	ASN1_EXP_OPT(struct tls_tbs, version, ASN1_INTEGER, 0),
	ASN1_SIMPLE(struct tls_tbs, serial, ASN1_INTEGER),
	ASN1_SIMPLE(struct tls_tbs, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(struct tls_tbs, issuer, X509_NAME),
	ASN1_SIMPLE(struct tls_tbs, validity, X509_VAL),
	ASN1_SIMPLE(struct tls_tbs, subject, X509_NAME),
	ASN1_SIMPLE(struct tls_tbs, spki, ASN1_ANY),
	ASN1_IMP_OPT(struct tls_tbs, issuer_uid, ASN1_BIT_STRING, 1),
	ASN1_IMP_OPT(struct tls_tbs, subject_uid, ASN1_BIT_STRING, 2),
	ASN1_EXP_SEQUENCE_OF_OPT(struct tls_tbs, extensions, X509_EXTENSION, 3),
} static_ASN1_SEQUENCE_END_name(struct tls_tbs, tls_tbs)

ASN1_SEQUENCE(tls_cert) = {
	ASN1_SIMPLE(struct tls_cert, tbs, tls_tbs),
	ASN1_SIMPLE(struct tls_cert, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(struct tls_cert, signature, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END_name(struct tls_cert, tls_cert)

/* The subjectAltName values of x as text, in their order, into msg.san: DNS names, e-mail
 * addresses and URIs as written, IP addresses as text; other kinds (directory names, other
 * names) are left out. */
static void
parse_san(struct tls_state *s, const STACK_OF(X509_EXTENSION) *exts)
{
	GENERAL_NAMES *names;
	size_t used = 0;
	int n;

	s->msg.nsan = 0;
	if ((names = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL)) == NULL)
		return;
	n = sk_GENERAL_NAME_num(names);
	for (int i = 0; i < n && s->msg.nsan < APP_TLS_SAN_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		char *out = s->work->san_pool + used;
		size_t room = TLS_SAN_POOL - used, len = 0;

		if (room > TLS_SAN_TEXT)
			room = TLS_SAN_TEXT;
		if (room < 2)
			break;
		if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) {
			const ASN1_IA5STRING *t = g->type == GEN_DNS     ? g->d.dNSName
			                          : g->type == GEN_EMAIL ? g->d.rfc822Name
			                                                 : g->d.uniformResourceIdentifier;

			len = (size_t)ASN1_STRING_length(t);
			if (len >= room)
				len = room - 1;
			memcpy(out, ASN1_STRING_get0_data(t), len);
		} else if (g->type == GEN_IPADD) {
			int alen = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);

			if ((alen == 4 || alen == 16) &&
			    inet_ntop(alen == 4 ? AF_INET : AF_INET6, a, out, (socklen_t)room) != NULL)
				len = strlen(out);
		}
		if (len == 0)
			continue;
		out[len] = '\0';
		used += len + 1;
		s->msg.san[s->msg.nsan].p = (const uint8_t *)out;
		s->msg.san[s->msg.nsan].len = len;
		s->msg.nsan++;
	}
	GENERAL_NAMES_free(names);
}

static int
parse_x509(struct tls_state *s, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	const ASN1_INTEGER *serial;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct tls_cert *x;
	struct tls_tbs *tbs;

	if (len > LONG_MAX ||
	    (x = (struct tls_cert *)ASN1_item_d2i(NULL, &p, (long)len, ASN1_ITEM_rptr(tls_cert))) ==
	        NULL)
		return SW_E_INVAL;
	tbs = x->tbs;
	name_text(tbs->subject, s->work->subject, sizeof(s->work->subject));
	name_text(tbs->issuer, s->work->issuer, sizeof(s->work->issuer));
	s->work->serial[0] = '\0';
	if ((serial = tbs->serial) != NULL)
		hex_colon(ASN1_STRING_get0_data(serial), (size_t)ASN1_STRING_length(serial),
		          s->work->serial, sizeof(s->work->serial));
	s->msg.cert_not_before = asn1_time_usec(tbs->validity->notBefore);
	s->msg.cert_not_after = asn1_time_usec(tbs->validity->notAfter);
	parse_san(s, tbs->extensions);
	ASN1_item_free((ASN1_VALUE *)x, ASN1_ITEM_rptr(tls_cert));
	s->msg.cert_fingerprint[0] = '\0';
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL) == 1 && mdlen == 20)
		hex_colon(md, mdlen, s->msg.cert_fingerprint, sizeof(s->msg.cert_fingerprint));
	s->msg.cert_subject.p = (const uint8_t *)s->work->subject;
	s->msg.cert_subject.len = strlen(s->work->subject);
	s->msg.cert_issuer.p = (const uint8_t *)s->work->issuer;
	s->msg.cert_issuer.len = strlen(s->work->issuer);
	s->msg.cert_serial.p = (const uint8_t *)s->work->serial;
	s->msg.cert_serial.len = strlen(s->work->serial);
	return 0;
}

static void
chain_free(struct tls_state *s)
{
	for (uint8_t i = 0; i < s->msg.nchain; i++)
		free((void *)(uintptr_t)s->msg.chain[i].p);
	sw_memcap_give(s->mem, s->chain_bytes);
	s->chain_bytes = 0;
	s->msg.nchain = 0;
}

/* Keeps a copy of one certificate of the chain, while app.memcap lets us. */
static void
chain_add(struct tls_state *s, const uint8_t *der, size_t len)
{
	uint8_t *copy;

	if (s->msg.nchain >= APP_TLS_CHAIN_MAX || !sw_memcap_take(s->mem, len))
		return;
	if ((copy = malloc(len)) == NULL) {
		sw_memcap_give(s->mem, len);
		return;
	}
	memcpy(copy, der, len);
	s->chain_bytes += len;
	s->msg.chain[s->msg.nchain].p = copy;
	s->msg.chain[s->msg.nchain].len = len;
	s->msg.nchain++;
}

/*
 * certificate_list<0..2^24-1> of opaque ASN.1Cert<1..2^24-1>. The first certificate gives
 * the subject, issuer, serial, validity, fingerprint and subjectAltName; every one is kept in
 * the chain. A first certificate OpenSSL cannot read is malformed input; a later one is kept
 * as bytes all the same.
 */
static int
parse_certificate(struct tls_state *s, struct cursor *c)
{
	struct cursor list;
	uint8_t l[3];
	unsigned n = 0;
	size_t len;

	if (cur_bytes(c, l, 3) != 0)
		return SW_E_INVAL;
	len = (size_t)l[0] << 16 | (size_t)l[1] << 8 | l[2];
	if (cur_sub(c, len, &list) != 0 || cur_left(c) != 0)
		return SW_E_INVAL;
	chain_free(s);
	while (cur_left(&list) > 0) {
		const uint8_t *der;
		if (cur_bytes(&list, l, 3) != 0)
			return SW_E_INVAL;
		len = (size_t)l[0] << 16 | (size_t)l[1] << 8 | l[2];
		der = list.p;
		if (len == 0 || cur_skip(&list, len) != 0)
			return SW_E_INVAL;
		if (n == 0 && parse_x509(s, der, len) != 0)
			return SW_E_INVAL;
		chain_add(s, der, len);
		n++;
	}
	s->msg.ncerts = n > 255 ? 255 : (uint8_t)n;
	s->msg.certificate = n > 0;
	return 0;
}

/* ---- records and handshake messages ------------------------------------------------------ */

static void
tls_dir_stop(struct tls_state *s, struct tls_dir *d)
{
	d->stopped = true;
	sw_memcap_give(s->mem, d->hs_cap);
	free(d->hs);
	d->hs = NULL;
	d->hs_len = d->hs_cap = 0;
}

/* Keeps data (the next bytes of direction d as sent) while there is room. */
static void
raw_keep(struct tls_state *s, struct tls_dir *d, const uint8_t *data, size_t len)
{
	size_t want, cap;
	uint8_t *n;

	if (d->raw_full || len == 0)
		return;
	want = d->raw_len + len < TLS_RAW_MAX ? d->raw_len + len : TLS_RAW_MAX;
	if (want > d->raw_cap) {
		cap = d->raw_cap > 0 ? d->raw_cap : 2048;
		while (cap < want)
			cap *= 2;
		cap = cap < TLS_RAW_MAX ? cap : TLS_RAW_MAX;
		if (!sw_memcap_take(s->mem, cap - d->raw_cap)) {
			d->raw_full = true;
			return;
		}
		if ((n = realloc(d->raw, cap)) == NULL) {
			sw_memcap_give(s->mem, cap - d->raw_cap);
			d->raw_full = true;
			return;
		}
		d->raw = n;
		d->raw_cap = cap;
	}
	memcpy(d->raw + d->raw_len, data, want - d->raw_len);
	d->raw_len = want;
	d->raw_full = want == TLS_RAW_MAX;
}

static void
raw_free(struct tls_state *s)
{
	for (int i = 0; i < 2; i++) {
		struct tls_dir *d = &s->dir[i];

		sw_memcap_give(s->mem, d->raw_cap);
		free(d->raw);
		d->raw = NULL;
		d->raw_len = d->raw_cap = 0;
		d->raw_full = true;
		s->msg.raw[i].p = NULL;
		s->msg.raw[i].len = 0;
	}
}

/* Forgets the message emitted: the next hellos start a new one. */
static void
msg_reset(struct tls_state *s)
{
	client_reset(s);
	server_reset(s);
	chain_free(s);
	s->msg.version = 0;
	s->msg.certificate = false;
	s->msg.ncerts = 0;
	s->msg.nsan = 0;
	s->msg.cert_subject.len = s->msg.cert_issuer.len = s->msg.cert_serial.len = 0;
	s->msg.cert_not_before = s->msg.cert_not_after = 0;
	s->msg.cert_fingerprint[0] = '\0';
}

/* The texts msg points to in s->work, moved to a block of their own length (charged to mem),
 * and the work area given back. Left as they are when the cap or malloc refuses the block. */
static void
tls_work_compact(struct tls_state *s)
{
	struct app_buf *b[5 + 8 + APP_TLS_SAN_MAX];
	const uint8_t *lo = (const uint8_t *)s->work, *hi = lo + sizeof(*s->work);
	size_t n = 0, total = 0, off = 0, i;

	if (s->work == NULL)
		return;
	b[n++] = &s->msg.sni;
	b[n++] = &s->msg.ja3;
	b[n++] = &s->msg.ja3s;
	b[n++] = &s->msg.cert_subject;
	b[n++] = &s->msg.cert_issuer;
	b[n++] = &s->msg.cert_serial;
	for (i = 0; i < s->msg.nalpn && i < 8; i++)
		b[n++] = &s->msg.alpn[i];
	for (i = 0; i < s->msg.nsan && i < APP_TLS_SAN_MAX; i++)
		b[n++] = &s->msg.san[i];
	for (i = 0; i < n; i++)
		if (b[i]->p != NULL && b[i]->p >= lo && b[i]->p < hi)
			total += b[i]->len + 1; /* each NUL-terminated, as in the work area */
	if (total > 0) {
		if (!sw_memcap_take(s->mem, total))
			return;
		if ((s->text = malloc(total)) == NULL) {
			sw_memcap_give(s->mem, total);
			return;
		}
		s->text_len = total;
		for (i = 0; i < n; i++) {
			if (b[i]->p == NULL || b[i]->p < lo || b[i]->p >= hi)
				continue;
			if (b[i]->len > 0)
				memcpy(s->text + off, b[i]->p, b[i]->len);
			s->text[off + b[i]->len] = '\0';
			b[i]->p = (const uint8_t *)s->text + off;
			off += b[i]->len + 1;
		}
	}
	app_state_release(s->mem, sizeof(*s->work), s->work);
	s->work = NULL;
}

/*
 * Emits the message as far as parsed. last: the clear part of the handshake is over and
 * nothing more is parsed on this flow; else (a HelloRetryRequest, a second ClientHello) the
 * message is reset and parsing goes on with the next hellos.
 */
static void
tls_emit(struct app_ctx *ctx, struct tls_state *s, bool last)
{
	struct app_msg m;
	int d;

	if (s->emitted)
		return;
	if (last) {
		s->emitted = true;
		for (d = 0; d < 2; d++) /* nothing more is parsed on this flow */
			tls_dir_stop(s, &s->dir[d]);
		if (!s->ending) /* before the message goes out: whoever keeps it sees the move */
			tls_work_compact(s);
	}
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->messages[APP_TLS], 1);
	s->msg.starttls = ctx->starttls;
	s->msg.log_chain = ctx->tls_log_chain;
	s->ssl_seen[s->ssl_dir & 1] |= s->ssl_cur != 0 ? s->ssl_cur : APP_TLS_STATE_NONE;
	s->msg.ssl_states[0] = s->ssl_seen[0];
	s->msg.ssl_states[1] = s->ssl_seen[1];
	for (d = 0; d < 2; d++) {
		s->msg.raw[d].p = s->dir[d].raw;
		s->msg.raw[d].len = s->dir[d].raw_len;
	}
	if (ctx->emit != NULL) {
		memset(&m, 0, sizeof(m));
		m.kind = APP_MSG_TLS;
		m.dir = FLOW_TO_SERVER;
		m.ts = ctx->ts;
		m.u.tls = &s->msg;
		ctx->emit(ctx->arg, ctx->f, &m);
	}
	if (!last)
		msg_reset(s);
	else
		raw_free(s); /* nothing more is emitted */
}

/*
 * A ChangeCipherSpec or application_data record: what follows in this direction is encrypted.
 * From the server, the clear part of the handshake is over. From the client, it is too once
 * the ServerHello is known (or can no longer come); before that (TLS 1.3 0-RTT early data) the
 * client direction stops and the server's hello is still awaited. A flow where nothing was
 * parsed emits nothing.
 */
static void
tls_clear_part_over(struct app_ctx *ctx, struct tls_state *s, enum flow_dir dir)
{
	bool parsed = s->msg.client_hello || s->msg.server_hello || s->msg.certificate;

	tls_dir_stop(s, &s->dir[dir]);
	if (dir == FLOW_TO_SERVER && !s->msg.server_hello && !s->dir[FLOW_TO_CLIENT].stopped)
		return;
	if (parsed) {
		tls_emit(ctx, s, true);
	} else {
		tls_dir_stop(s, &s->dir[0]);
		tls_dir_stop(s, &s->dir[1]);
	}
}

static void
tls_error(struct app_ctx *ctx, struct tls_state *s, struct tls_dir *d)
{
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->errors[APP_TLS], 1);
	tls_dir_stop(s, d);
}

/* Parses the complete handshake message in d->hs; returns 0, or SW_E_INVAL when malformed. */
static int
tls_handshake(struct app_ctx *ctx, struct tls_state *s, enum flow_dir dir, struct tls_dir *d)
{
	struct cursor c;
	bool tls13 = false;
	int r = 0;

	cur_init(&c, d->hs + 4, d->hs_len - 4);
	/* Suricata's current state: the last hello or key exchange (of either side), set as its
	 * message is taken up */
	if (d->hs[0] == TLS_HS_CLIENT_HELLO && dir == FLOW_TO_SERVER)
		s->ssl_cur = APP_TLS_STATE_CH;
	else if (d->hs[0] == TLS_HS_SERVER_HELLO && dir == FLOW_TO_CLIENT)
		s->ssl_cur = APP_TLS_STATE_SH;
	switch (d->hs[0]) {
	case TLS_HS_CLIENT_HELLO:
		if (dir != FLOW_TO_SERVER)
			break;
		if (s->msg.client_hello) /* a second hello: the first one gets its own event */
			tls_emit(ctx, s, false);
		r = parse_client_hello(s, &c);
		s->after_hrr = false;
		break;
	case TLS_HS_SERVER_HELLO:
		if (dir != FLOW_TO_CLIENT || (r = parse_server_hello(s, &c, &tls13)) != 0)
			break;
		if (s->msg.hello_retry) { /* the client says hello again */
			tls_emit(ctx, s, false);
			s->after_hrr = true;
		}
		else if (tls13)
			tls_emit(ctx, s, true);
		break;
	case TLS_HS_CERTIFICATE:
		/* with ssl_state rules on the key exchanges, read on to the ChangeCipherSpec */
		if (dir == FLOW_TO_CLIENT && (r = parse_certificate(s, &c)) == 0 && !ctx->tls_keyx)
			tls_emit(ctx, s, true);
		break;
	case TLS_HS_SERVER_KEYX:
		if (dir == FLOW_TO_CLIENT)
			s->ssl_cur = APP_TLS_STATE_SKX;
		break;
	case TLS_HS_CLIENT_KEYX:
		if (dir == FLOW_TO_SERVER)
			s->ssl_cur = APP_TLS_STATE_CKX;
		break;
	default:
		break;
	}
	if (s->ssl_cur != 0)
		s->ssl_seen[dir] |= s->ssl_cur;
	return r;
}

/* Grows d's handshake buffer to hold want bytes (at most TLS_HS_MAX + 4), charged to mem. */
static int
hs_reserve(struct tls_state *s, struct tls_dir *d, size_t want)
{
	size_t cap = d->hs_cap < 1024 ? 1024 : d->hs_cap;
	uint8_t *nb;

	if (d->hs_cap >= want)
		return 0;
	if (want > TLS_HS_MAX + 4)
		return SW_E_RANGE;
	while (cap < want)
		cap *= 2;
	if (cap > TLS_HS_MAX + 4)
		cap = TLS_HS_MAX + 4;
	if (!sw_memcap_take(s->mem, cap - d->hs_cap))
		return SW_E_MEMCAP;
	if ((nb = realloc(d->hs, cap)) == NULL) {
		sw_memcap_give(s->mem, cap - d->hs_cap);
		return SW_E_NOMEM;
	}
	d->hs = nb;
	d->hs_cap = cap;
	return 0;
}

/*
 * An SSLv2-compatible ClientHello (a client that still speaks to SSLv2 servers): a 2-byte
 * header with the top bit set and the 15-bit length, then the hello. Its bytes are gathered
 * in the handshake buffer; d->v2_left counts those still to come.
 */
static int
tls_sslv2_bytes(struct app_ctx *ctx, struct tls_state *s, struct tls_dir *d, struct cursor *c)
{
	struct cursor body;
	size_t take = d->v2_left < cur_left(c) ? d->v2_left : cur_left(c);
	int r;

	if ((r = hs_reserve(s, d, d->hs_len + take)) != 0 || (r = cur_bytes(c, d->hs + d->hs_len, take)) != 0)
		return r;
	d->hs_len += take;
	d->v2_left -= take;
	if (d->v2_left > 0)
		return 0;
	cur_init(&body, d->hs, d->hs_len);
	d->hs_len = 0;
	if (parse_sslv2_hello(s, &body) != 0)
		return SW_E_INVAL;
	(void)ctx;
	return 0;
}

/* Gathers n handshake bytes; parses each message once complete. */
static int
tls_handshake_bytes(struct app_ctx *ctx, struct tls_state *s, enum flow_dir dir, const uint8_t *p,
                    size_t n)
{
	struct tls_dir *d = &s->dir[dir];
	struct cursor c;
	int r;

	cur_init(&c, p, n);
	while (cur_left(&c) > 0 && !d->stopped) {
		size_t want, take;
		if (d->hs_len < 4) {
			want = 4;
		} else {
			want = 4 + ((size_t)d->hs[1] << 16 | (size_t)d->hs[2] << 8 | d->hs[3]);
			if (want > TLS_HS_MAX + 4)
				return SW_E_RANGE;
		}
		if ((r = hs_reserve(s, d, want)) != 0)
			return r;
		take = want - d->hs_len;
		if (take > cur_left(&c))
			take = cur_left(&c);
		if (cur_bytes(&c, d->hs + d->hs_len, take) != 0)
			return SW_E_TRUNC;
		d->hs_len += take;
		if (d->hs_len < 4 || d->hs_len < want)
			continue;
		if (want == 4 && (d->hs[1] | d->hs[2] | d->hs[3]) != 0)
			continue; /* header complete: now gather the body */
		if (tls_handshake(ctx, s, dir, d) != 0)
			return SW_E_INVAL;
		d->hs_len = 0;
	}
	return 0;
}

static int
tls_stream_bytes(struct app_ctx *ctx, struct tls_state *s, enum flow_dir dir, const uint8_t *data,
                 size_t len)
{
	struct tls_dir *d = &s->dir[dir];
	struct cursor c;

	cur_init(&c, data, len);
	if (dir == FLOW_TO_SERVER && !s->v2_checked) {
		s->v2_checked = true;
		/* len(2, top bit set) msg_type(1) = client_hello, version major 0, 2 or 3 */
		if (len >= 3 && (data[0] & 0x80) != 0 && data[2] == TLS_HS_CLIENT_HELLO) {
			d->v2_left = ((size_t)(data[0] & 0x7f) << 8 | data[1]);
			if (d->v2_left < 9)
				return SW_E_INVAL;
			c.p += 2;
		}
	}
	while (cur_left(&c) > 0 && !d->stopped) {
		if (d->v2_left > 0) {
			int r = tls_sslv2_bytes(ctx, s, d, &c);
			if (r != 0)
				return r;
			continue;
		}
		if (!d->in_record) {
			size_t take = 5 - d->rec_hdr_len;
			uint16_t version, rlen;
			struct cursor h;
			if (take > cur_left(&c))
				take = cur_left(&c);
			if (cur_bytes(&c, d->rec_hdr + d->rec_hdr_len, take) != 0)
				return SW_E_TRUNC;
			d->rec_hdr_len += take;
			if (d->rec_hdr_len < 5)
				break;
			d->rec_hdr_len = 0;
			cur_init(&h, d->rec_hdr, 5);
			if (cur_u8(&h, &d->rec_type) != 0 || cur_be16(&h, &version) != 0 ||
			    cur_be16(&h, &rlen) != 0)
				return SW_E_TRUNC;
			if (version < 0x0300 || version > 0x0304 || rlen > TLS_REC_MAX)
				return SW_E_INVAL;
			switch (d->rec_type) {
			case TLS_REC_CCS:
				/* TLS 1.3's middlebox compatibility: a CCS after a HelloRetryRequest
				 * (the server's, and the client's before its second hello) changes
				 * nothing */
				if (s->after_hrr)
					break;
				tls_clear_part_over(ctx, s, dir);
				return 0;
			case TLS_REC_APPDATA:
				tls_clear_part_over(ctx, s, dir);
				return 0;
			case TLS_REC_HANDSHAKE:
			case TLS_REC_ALERT:
			case TLS_REC_HEARTBEAT:
				break;
			default:
				return SW_E_INVAL;
			}
			d->rec_left = rlen;
			d->in_record = rlen > 0;
			continue;
		}
		size_t n = d->rec_left < cur_left(&c) ? d->rec_left : cur_left(&c);
		const uint8_t *p = c.p;
		if (cur_skip(&c, n) != 0)
			return SW_E_TRUNC;
		d->rec_left -= n;
		if (d->rec_left == 0)
			d->in_record = false;
		if (d->rec_type == TLS_REC_HANDSHAKE) {
			int r = tls_handshake_bytes(ctx, s, dir, p, n);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

/* ---- frames: every record of the connection ------------------------------------------------ */

#define TLS_FRAMES                                                                             \
	((1u << APP_FRAME_TLS_PDU) | (1u << APP_FRAME_TLS_HDR) | (1u << APP_FRAME_TLS_DATA) |  \
	 (1u << APP_FRAME_TLS_ALERT) | (1u << APP_FRAME_TLS_HEARTBEAT))

/* A record's length with its header, from the header; 0 when it is not a TLS record (an SSLv2
 * hello, garbage: Suricata's record parser gives no frames either). */
static size_t
tls_frame_len(const uint8_t *h)
{
	if (h[0] < TLS_REC_CCS || h[0] > TLS_REC_HEARTBEAT || h[1] != 3)
		return 0;
	return 5 + ((size_t)h[3] << 8 | h[4]);
}

static void
tls_frame_hdr(struct app_ctx *ctx, void *arg, const uint8_t *hdr)
{
	app_frame_emit(ctx, *(const enum flow_dir *)arg, APP_TLS, APP_FRAME_TLS_HDR, hdr, 5);
}

static bool
tls_frame_pdu(struct app_ctx *ctx, void *arg, const uint8_t *pdu, size_t len)
{
	enum flow_dir dir = *(const enum flow_dir *)arg;

	app_frame_emit(ctx, dir, APP_TLS, APP_FRAME_TLS_PDU, pdu, len);
	if (len > 5) { /* an empty record has no data frame (Suricata's) */
		app_frame_emit(ctx, dir, APP_TLS, APP_FRAME_TLS_DATA, pdu + 5, len - 5);
		if (pdu[0] == TLS_REC_ALERT)
			app_frame_emit(ctx, dir, APP_TLS, APP_FRAME_TLS_ALERT, pdu + 5, len - 5);
		else if (pdu[0] == TLS_REC_HEARTBEAT)
			app_frame_emit(ctx, dir, APP_TLS, APP_FRAME_TLS_HEARTBEAT, pdu + 5, len - 5);
	}
	return true;
}

static const struct app_framer_ops tls_framer_ops = {
    .hdr_size = 5,
    .pdu_len = tls_frame_len,
    .on_hdr = tls_frame_hdr,
    .on_pdu = tls_frame_pdu,
};

/* The records of dir's data, when rules want TLS frames (decided by the direction's first
 * data: record boundaries are known from the start only); data NULL: a gap, they are lost. */
static void
tls_frames(struct app_ctx *ctx, struct tls_state *s, enum flow_dir dir, const uint8_t *data,
           size_t len)
{
	if (!s->fr_decided[dir]) {
		s->fr_decided[dir] = true;
		s->fr[dir].stopped = (ctx->frames & TLS_FRAMES) == 0;
	}
	app_framer_feed(ctx, &s->fr[dir], &tls_framer_ops, &dir,
	                (ctx->frames & (TLS_FRAMES & ~(1u << APP_FRAME_TLS_HDR))) != 0, data, len);
}

/* ---- the operations ---------------------------------------------------------------------- */

static bool
tls_probe(const uint8_t *data, size_t len, enum flow_dir dir)
{
	struct cursor c;
	uint8_t type, hs_type;
	uint16_t version, rlen;

	/* an SSLv2-compatible ClientHello: len(2, top bit) 1 version(0x0002..0x0303) */
	if (dir == FLOW_TO_SERVER && len >= 5 && (data[0] & 0x80) != 0 &&
	    data[2] == TLS_HS_CLIENT_HELLO && (data[3] == 0 || data[3] == 3) && data[4] <= 4 &&
	    ((size_t)(data[0] & 0x7f) << 8 | data[1]) >= 9)
		return true;
	cur_init(&c, data, len);
	if (cur_u8(&c, &type) != 0 || cur_be16(&c, &version) != 0 || cur_be16(&c, &rlen) != 0 ||
	    cur_u8(&c, &hs_type) != 0)
		return false;
	if (type != TLS_REC_HANDSHAKE || version < 0x0300 || version > 0x0304 || rlen < 4 ||
	    rlen > TLS_REC_MAX)
		return false;
	return hs_type == (dir == FLOW_TO_SERVER ? TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO);
}

static void *
tls_state_new(struct sw_memcap *mem)
{
	struct tls_state *s;

	if ((s = app_state_alloc(mem, sizeof(*s))) == NULL)
		return NULL;
	s->mem = mem;
	if ((s->work = app_state_alloc(mem, sizeof(*s->work))) == NULL) {
		app_state_release(mem, sizeof(*s), s);
		return NULL;
	}
	return s;
}

static void
tls_state_free(void *state)
{
	struct tls_state *s = state;

	if (s == NULL)
		return;
	raw_free(s);
	chain_free(s);
	app_framer_stop(&s->fr[0], s->mem);
	app_framer_stop(&s->fr[1], s->mem);
	sw_memcap_give(s->mem, s->dir[0].hs_cap + s->dir[1].hs_cap);
	free(s->dir[0].hs);
	free(s->dir[1].hs);
	app_state_release(s->mem, sizeof(*s->work), s->work);
	sw_memcap_give(s->mem, s->text_len);
	free(s->text);
	app_state_release(s->mem, sizeof(*s), s);
}

const size_t app_tls_state_size = sizeof(struct tls_state);
const size_t app_tls_work_size = sizeof(struct tls_work);

static void
tls_stream(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len,
           unsigned flags)
{
	struct tls_state *s = state;
	struct tls_dir *d;

	if (s == NULL || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT))
		return;
	d = &s->dir[dir];
	if (!s->fr_decided[dir] || !s->fr[dir].stopped) /* every record, handshake or not */
		tls_frames(ctx, s, dir, (flags & STREAM_CHUNK_GAP) ? NULL : data, len);
	if (s->emitted || d->stopped)
		return;
	if (flags & STREAM_CHUNK_GAP) {
		tls_dir_stop(s, d); /* record boundaries are lost */
		return;
	}
	if (data == NULL || len == 0)
		return;
	if (!d->raw_decided) { /* from the start or not at all */
		d->raw_decided = true;
		d->raw_full = !ctx->tls_raw;
	}
	raw_keep(s, d, data, len);
	s->ssl_dir = (uint8_t)dir;
	if (tls_stream_bytes(ctx, s, dir, data, len) != 0 && !s->emitted)
		tls_error(ctx, s, d);
	/* a point where rules look at the state: after this piece of data */
	s->ssl_seen[dir] |= s->ssl_cur != 0 ? s->ssl_cur : APP_TLS_STATE_NONE;
}

static void
tls_flow_end(struct app_ctx *ctx, void *state)
{
	struct tls_state *s = state;

	if (s == NULL || s->emitted)
		return;
	s->ending = true; /* freed next: nothing to gain from moving the texts */
	if (s->msg.client_hello || s->msg.server_hello || s->msg.certificate)
		tls_emit(ctx, s, true);
}

const struct app_parser_ops app_parser_tls = {
    .name = "tls",
    .id = APP_TLS,
    .rule_names = APP_NAMES("tls", "ssl"),
    .probe = tls_probe,
    .state_new = tls_state_new,
    .state_free = tls_state_free,
    .stream = tls_stream,
    .datagram = NULL,
    .flow_end = tls_flow_end,
};

/* ---- descriptor: the tls event, buffers and observables --------------------------------- */

const char *
app_tls_version_name(uint16_t v, char *buf, size_t size)
{
	switch (v) {
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLS 1.0";
	case 0x0302:
		return "TLS 1.1";
	case 0x0303:
		return "TLS 1.2";
	case 0x0304:
		return "TLS 1.3";
	default:
		snprintf(buf, size, "0x%04x", v);
		return buf;
	}
}

static void
tls_eve_time(struct jw *w, const char *key, sw_time_t t)
{
	char ts[64];

	/* Suricata prints certificate validity without fraction or zone */
	if (sw_time_format(t, ts, sizeof(ts)) > 19) {
		ts[19] = '\0';
		jw_str(w, key, ts);
	}
}

/* "chain": the certificates as sent, base64 DER (Suricata's custom "chain" field). */
static void
tls_eve_chain(struct jw *w, const struct app_tls_msg *m)
{
	jw_arr_begin(w, "chain");
	for (uint8_t i = 0; i < m->nchain; i++) {
		size_t n = 4 * ((m->chain[i].len + 2) / 3) + 1;
		unsigned char *b64;
		int k;

		if (m->chain[i].len > INT_MAX / 2 || (b64 = malloc(n)) == NULL)
			continue;
		k = EVP_EncodeBlock(b64, m->chain[i].p, (int)m->chain[i].len);
		if (k > 0)
			jw_strn(w, NULL, b64, (size_t)k);
		free(b64);
	}
	jw_arr_end(w);
}

static void
tls_eve(struct jw *w, const struct app_msg *msg, bool in_alert)
{
	const struct app_tls_msg *m = msg->u.tls;
	char v[16];
	uint8_t i;

	jw_obj_begin(w, "tls");
	if (m->cert_subject.len > 0)
		jw_strn(w, "subject", m->cert_subject.p, m->cert_subject.len);
	if (m->cert_issuer.len > 0)
		jw_strn(w, "issuerdn", m->cert_issuer.p, m->cert_issuer.len);
	if (m->cert_serial.len > 0)
		jw_strn(w, "serial", m->cert_serial.p, m->cert_serial.len);
	if (m->cert_fingerprint[0] != '\0')
		jw_str(w, "fingerprint", m->cert_fingerprint);
	if (m->sni.len > 0)
		jw_strn(w, "sni", m->sni.p, m->sni.len);
	if (m->version != 0)
		jw_str(w, "version", app_tls_version_name(m->version, v, sizeof(v)));
	if (m->cert_not_before != 0)
		tls_eve_time(w, "notbefore", m->cert_not_before);
	if (m->cert_not_after != 0)
		tls_eve_time(w, "notafter", m->cert_not_after);
	if (m->ja3_hash[0] != '\0') {
		jw_obj_begin(w, "ja3");
		jw_str(w, "hash", m->ja3_hash);
		jw_strn(w, "string", m->ja3.p, m->ja3.len);
		jw_obj_end(w);
	}
	if (m->ja3s_hash[0] != '\0') {
		jw_obj_begin(w, "ja3s");
		jw_str(w, "hash", m->ja3s_hash);
		jw_strn(w, "string", m->ja3s.p, m->ja3s.len);
		jw_obj_end(w);
	}
	if (m->ja4[0] != '\0')
		jw_str(w, "ja4", m->ja4);
	if (m->ja4s[0] != '\0')
		jw_str(w, "ja4s", m->ja4s);
	if (m->nalpn > 0) {
		jw_arr_begin(w, m->server_hello ? "alpn_ts" : "alpn");
		for (i = 0; i < m->nalpn && i < 8; i++)
			jw_strn(w, NULL, m->alpn[i].p, m->alpn[i].len);
		jw_arr_end(w);
	}
	if (m->nsan > 0) {
		jw_arr_begin(w, "subjectaltname");
		for (i = 0; i < m->nsan; i++)
			jw_strn(w, NULL, m->san[i].p, m->san[i].len);
		jw_arr_end(w);
	}
	if (m->starttls)
		jw_bool(w, "starttls", true);
	if (m->hello_retry)
		jw_bool(w, "hello_retry_request", true);
	if (m->sslv2_hello)
		jw_bool(w, "sslv2_hello", true);
	if (m->log_chain && m->nchain > 0 && !in_alert)
		tls_eve_chain(w, m);
	jw_obj_end(w);
}

/* The SNI and the client's JA3. */
static void
tls_observables(const struct app_msg *msg, app_observable_fn *fn, void *arg)
{
	const struct app_tls_msg *m = msg->u.tls;
	struct app_observable o = {.dir = msg->dir};

	if (m->sni.len > 0) {
		o.type = APP_OBS_DOMAIN, o.where = "tls.sni";
		o.value = m->sni.p, o.len = m->sni.len;
		fn(arg, &o);
	}
	if (m->ja3_hash[0] != '\0') {
		o.type = APP_OBS_JA3, o.where = "tls.ja3", o.dir = FLOW_TO_SERVER;
		o.value = (const uint8_t *)m->ja3_hash, o.len = strlen(m->ja3_hash);
		fn(arg, &o);
	}
	if (m->ja4[0] != '\0') {
		o.type = APP_OBS_JA4, o.where = "tls.ja4", o.dir = FLOW_TO_SERVER;
		o.value = (const uint8_t *)m->ja4, o.len = strlen(m->ja4);
		fn(arg, &o);
	}
	if (m->ja4s[0] != '\0') {
		o.type = APP_OBS_JA4S, o.where = "tls.ja4s", o.dir = FLOW_TO_CLIENT;
		o.value = (const uint8_t *)m->ja4s, o.len = strlen(m->ja4s);
		fn(arg, &o);
	}
}

APP_BUFFER_GETTER(tls_buf_sni, struct app_tls_msg, tls, tls->sni)
APP_BUFFER_GETTER(tls_buf_raw_req, struct app_tls_msg, tls, tls->raw[FLOW_TO_SERVER])
APP_BUFFER_GETTER(tls_buf_raw_resp, struct app_tls_msg, tls, tls->raw[FLOW_TO_CLIENT])
APP_BUFFER_GETTER(tls_buf_subject, struct app_tls_msg, tls, tls->cert_subject)
APP_BUFFER_GETTER(tls_buf_issuer, struct app_tls_msg, tls, tls->cert_issuer)
APP_BUFFER_GETTER(tls_buf_serial, struct app_tls_msg, tls, tls->cert_serial)
APP_BUFFER_GETTER(tls_buf_fp, struct app_tls_msg, tls, app_buf_text(tls->cert_fingerprint))
APP_BUFFER_GETTER(tls_buf_ja3, struct app_tls_msg, tls, app_buf_text(tls->ja3_hash))
APP_BUFFER_GETTER(tls_buf_ja3_str, struct app_tls_msg, tls, tls->ja3)
APP_BUFFER_GETTER(tls_buf_ja3s, struct app_tls_msg, tls, app_buf_text(tls->ja3s_hash))
APP_BUFFER_GETTER(tls_buf_ja3s_str, struct app_tls_msg, tls, tls->ja3s)
#ifdef SW_JA4PLUS
APP_BUFFER_GETTER(tls_buf_ja4s, struct app_tls_msg, tls, app_buf_text(tls->ja4s))
#endif
APP_BUFFER_GETTER(tls_buf_ja4, struct app_tls_msg, tls, app_buf_text(tls->ja4))

/* The multi-value buffers: the i-th certificate (DER), the i-th subjectAltName. */
#define TLS_BUF_CERTS 10 /* their places in tls_buffers[] */
#define TLS_BUF_SAN   11
#define TLS_BUF_RANDOM 14 /* tls.random, tls.random_time, tls.random_bytes */

/* Suricata 7's tls.random (the 32 bytes), tls.random_time (the first 4) and tls.random_bytes
 * (the last 28) of the client's hello (value 0, flow:to_server) and the server's (value 1,
 * flow:to_client): a rule without a direction matches either. */
static int
tls_random_i(const struct app_msg *m, size_t part, size_t i, struct app_buf *out)
{
	const struct app_tls_msg *t = m->u.tls;
	const uint8_t *r;

	if (t == NULL || i > 1)
		return SW_E_NOTFOUND;
	if (!(i == 0 ? t->client_hello : t->server_hello)) {
		out->p = NULL; /* an empty value: skipped */
		out->len = 0;
		return 0;
	}
	r = i == 0 ? t->client_random : t->server_random;
	out->p = part == 2 ? r + 4 : r;
	out->len = part == 0 ? 32 : part == 1 ? 4 : 28;
	return 0;
}

static int
tls_buf_random(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	return tls_random_i(m, 0, m->u.tls->client_hello ? 0 : 1, out);
}

static int
tls_buf_random_time(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	return tls_random_i(m, 1, m->u.tls->client_hello ? 0 : 1, out);
}

static int
tls_buf_random_bytes(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	return tls_random_i(m, 2, m->u.tls->client_hello ? 0 : 1, out);
}

static int
tls_buffer_i(const struct app_msg *m, size_t buf, size_t i, struct app_buf *out)
{
	const struct app_tls_msg *t = m->u.tls;

	if (buf >= TLS_BUF_RANDOM && buf <= TLS_BUF_RANDOM + 2)
		return tls_random_i(m, buf - TLS_BUF_RANDOM, i, out);
	if (buf != TLS_BUF_CERTS && buf != TLS_BUF_SAN)
		return SW_E_INVAL;
	if (t == NULL || i >= (buf == TLS_BUF_CERTS ? t->nchain : t->nsan))
		return SW_E_NOTFOUND;
	*out = buf == TLS_BUF_CERTS ? t->chain[i] : t->san[i];
	return 0;
}

/* The first value of a multi-value buffer, for callers that read one. */
static int
tls_buf_certs(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	return tls_buffer_i(m, TLS_BUF_CERTS, 0, out);
}

static int
tls_buf_san(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	return tls_buffer_i(m, TLS_BUF_SAN, 0, out);
}

static const struct app_buffer_desc tls_buffers[] = {
    {"tls.sni", APP_NAMES("tls_sni"), NULL, FLOW_TO_SERVER, tls_buf_sni},
    {"tls.cert_subject", APP_NAMES("tls_cert_subject"), NULL, FLOW_TO_CLIENT, tls_buf_subject},
    {"tls.cert_issuer", APP_NAMES("tls_cert_issuer"), NULL, FLOW_TO_CLIENT, tls_buf_issuer},
    {"tls.cert_serial", APP_NAMES("tls_cert_serial"), NULL, FLOW_TO_CLIENT, tls_buf_serial},
    {"tls.cert_fingerprint", APP_NAMES("tls_cert_fingerprint"), NULL, FLOW_TO_CLIENT, tls_buf_fp},
    {"ja3.hash", APP_NAMES("ja3_hash"), NULL, FLOW_TO_SERVER, tls_buf_ja3},
    {"ja3.string", APP_NAMES("ja3_string"), NULL, FLOW_TO_SERVER, tls_buf_ja3_str},
    {"ja3s.hash", APP_NAMES("ja3s_hash"), NULL, FLOW_TO_CLIENT, tls_buf_ja3s},
    {"ja3s.string", APP_NAMES("ja3s_string"), NULL, FLOW_TO_CLIENT, tls_buf_ja3s_str},
    {"ja4.hash", APP_NAMES("ja4_hash"), NULL, FLOW_TO_SERVER, tls_buf_ja4},
    {"tls.certs", APP_NAMES("tls_certs"), NULL, FLOW_TO_CLIENT, tls_buf_certs},
    {"tls.subjectaltname", APP_NAMES("tls_subjectaltname"), NULL, FLOW_TO_CLIENT, tls_buf_san},
    /* not rule keywords: the payload of rules mixing payload contents and TLS buffers */
    {"@tls.request", NULL, NULL, FLOW_TO_SERVER, tls_buf_raw_req},
    {"@tls.response", NULL, NULL, FLOW_TO_CLIENT, tls_buf_raw_resp},
    /* TLS_BUF_RANDOM: both hellos' (values 0 and 1) */
    {"tls.random", NULL, NULL, -1, tls_buf_random},
    {"tls.random_time", NULL, NULL, -1, tls_buf_random_time},
    {"tls.random_bytes", NULL, NULL, -1, tls_buf_random_bytes},
#ifdef SW_JA4PLUS /* last: the places above are fixed */
    {"ja4s.hash", NULL, NULL, FLOW_TO_CLIENT, tls_buf_ja4s},
#endif
};

const struct app_msg_desc app_desc_tls = {
    .kind = APP_MSG_TLS,
    .name = "tls",
    .proto = APP_TLS,
    .one_way = false,
    .buffers = tls_buffers,
    .nbuffers = sizeof(tls_buffers) / sizeof(tls_buffers[0]),
    .eve = tls_eve,
    .observables = tls_observables,
    .buffer_i = tls_buffer_i,
};

/* ---- the handshake parser for QUIC's CRYPTO stream ---------------------------------------- */
/*
 * QUIC (RFC 9001 4) carries TLS handshake messages in CRYPTO frames, without the record layer.
 * app_quic.c reassembles each direction's CRYPTO stream and feeds the bytes here, in order;
 * the same message parsers fill the same struct app_tls_msg (SNI, ALPN, JA3/JA3S, JA4 with
 * "q", versions). Nothing is emitted from here as TLS: a hello that the TLS parser would emit
 * before the end of the handshake (the first ClientHello and a HelloRetryRequest, or a
 * repeated ClientHello) is handed to the QUIC parser's callback; the last one it reads with
 * app_tls_quic_msg().
 */

struct tls_quic_hello {
	struct tls_state *s;
	app_tls_quic_hello_fn *fn;
	void *arg;
};

/* tls_emit's callback: only the hellos emitted before the end go to the QUIC parser. */
static void
tls_quic_hello(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	struct tls_quic_hello *h = arg;

	(void)f;
	if (!h->s->emitted && h->fn != NULL)
		h->fn(h->arg, m->u.tls);
}

struct tls_state *
app_tls_quic_new(struct sw_memcap *mem)
{
	struct tls_state *s = tls_state_new(mem);

	if (s != NULL)
		s->quic = true; /* JA4 starts with "q" */
	return s;
}

void
app_tls_quic_free(struct tls_state *s)
{
	tls_state_free(s);
}

int
app_tls_quic_handshake(struct tls_state *s, enum flow_dir dir, const uint8_t *p, size_t n,
		       app_tls_quic_hello_fn *fn, void *arg)
{
	struct tls_quic_hello h = {s, fn, arg};
	struct app_ctx ctx;
	struct tls_dir *d;
	int r;

	if (s == NULL || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT))
		return SW_E_INVAL;
	d = &s->dir[dir];
	if (s->emitted || d->stopped)
		return 0;
	memset(&ctx, 0, sizeof(ctx)); /* no counters: the QUIC parser reports */
	ctx.emit = tls_quic_hello;
	ctx.arg = &h;
	if ((r = tls_handshake_bytes(&ctx, s, dir, p, n)) != 0 && !s->emitted)
		tls_dir_stop(s, d);
	return r;
}

const struct app_tls_msg *
app_tls_quic_msg(const struct tls_state *s, bool *done)
{
	if (s == NULL)
		return NULL;
	if (done != NULL)
		*done = s->emitted; /* a TLS 1.3 ServerHello was parsed: the clear part is over */
	return &s->msg;
}
