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

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

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

#define TLS_EXT_SERVER_NAME        0
#define TLS_EXT_SUPPORTED_GROUPS   10
#define TLS_EXT_EC_POINT_FORMATS   11
#define TLS_EXT_ALPN               16
#define TLS_EXT_SUPPORTED_VERSIONS 43

#define TLS_REC_MAX (16384 + 2048) /* TLSCiphertext.length bound (RFC 5246 6.2.3) */
#define TLS_HS_MAX  65536          /* largest handshake message we gather */

#define TLS_SNI_MAX    256
#define TLS_ALPN_POOL  512
#define TLS_JA3_MAX    4096
#define TLS_JA3S_MAX   1024
#define TLS_NAME_MAX   1024
#define TLS_SERIAL_MAX 192

struct tls_dir {
	uint8_t rec_hdr[5];
	size_t rec_hdr_len; /* header bytes gathered so far */
	size_t rec_left;    /* fragment bytes of the current record still to come */
	uint8_t rec_type;
	bool in_record;
	uint8_t *hs; /* the handshake message being gathered: 4-byte header + body */
	size_t hs_len, hs_cap;
	bool stopped; /* a gap or malformed input: ignore the rest of this direction */
};

struct tls_state {
	struct sw_memcap *mem; /* the worker's, for the handshake buffers */
	struct tls_dir dir[2];
	bool emitted;
	struct app_tls_msg msg;
	char sni[TLS_SNI_MAX];
	uint8_t alpn_pool[TLS_ALPN_POOL];
	size_t alpn_used;
	char ja3[TLS_JA3_MAX];
	char ja3s[TLS_JA3S_MAX];
	char subject[TLS_NAME_MAX];
	char issuer[TLS_NAME_MAX];
	char serial[TLS_SERIAL_MAX];
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
	s->alpn_used = 0;
	if (cur_sub16(ext, &list) != 0)
		return SW_E_INVAL;
	while (cur_left(&list) > 0) {
		if (cur_sub8(&list, &name) != 0)
			return SW_E_INVAL;
		size_t n = cur_left(&name);
		if (s->msg.nalpn < sizeof(s->msg.alpn) / sizeof(s->msg.alpn[0]) &&
		    n <= TLS_ALPN_POOL - s->alpn_used) {
			memcpy(s->alpn_pool + s->alpn_used, name.p, n);
			s->msg.alpn[s->msg.nalpn].p = s->alpn_pool + s->alpn_used;
			s->msg.alpn[s->msg.nalpn].len = n;
			s->msg.nalpn++;
			s->alpn_used += n;
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
			if (n > sizeof(s->sni))
				n = sizeof(s->sni);
			memcpy(s->sni, name.p, n);
			s->msg.sni.p = (const uint8_t *)s->sni;
			s->msg.sni.len = n;
		}
	}
	return 0;
}

static void
client_reset(struct tls_state *s)
{
	s->msg.client_hello = false;
	s->msg.client_version = 0;
	s->msg.sni.p = NULL;
	s->msg.sni.len = 0;
	s->msg.nalpn = 0;
	s->alpn_used = 0;
	s->msg.ja3.p = NULL;
	s->msg.ja3.len = 0;
	s->msg.ja3_hash[0] = '\0';
	s->ja3[0] = '\0';
}

/*
 * legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
 * legacy_compression_methods<1..2^8-1> extensions<8..2^16-1> (optional before TLS 1.2)
 */
static int
parse_client_hello(struct tls_state *s, struct cursor *c)
{
	struct cursor sid, ciphers, comp, exts, ext, groups, formats;
	struct tls_text t = {.buf = s->ja3, .size = sizeof(s->ja3)};
	bool first = true;
	uint16_t version, type;
	int r = SW_E_INVAL;

	client_reset(s);
	groups.p = groups.end = NULL;
	formats.p = formats.end = NULL;
	if (cur_be16(c, &version) != 0 || cur_skip(c, 32) != 0 || cur_sub8(c, &sid) != 0 ||
	    cur_left(&sid) > 32 || cur_sub16(c, &ciphers) != 0 || cur_left(&ciphers) % 2 != 0 ||
	    cur_sub8(c, &comp) != 0)
		goto out;
	exts.p = exts.end = c->p;
	if (cur_left(c) > 0 && (cur_sub16(c, &exts) != 0 || cur_left(c) != 0))
		goto out;
	if ((t.md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(t.md, EVP_md5(), NULL) != 1) {
		r = SW_E_NOMEM;
		goto out;
	}
	text_u32(&t, version);
	text_add(&t, ",", 1);
	if (ja3_u16_list(&t, &ciphers) != 0)
		goto out;
	text_add(&t, ",", 1);
	while (cur_left(&exts) > 0) {
		if (cur_be16(&exts, &type) != 0 || cur_sub16(&exts, &ext) != 0)
			goto out;
		if (!tls_is_grease(type)) {
			if (!first)
				text_add(&t, "-", 1);
			text_u32(&t, type);
			first = false;
		}
		switch (type) {
		case TLS_EXT_SERVER_NAME:
			if (parse_sni(s, &ext) != 0)
				goto out;
			break;
		case TLS_EXT_ALPN:
			if (parse_alpn(s, &ext) != 0)
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
	md5_hex(t.md, s->msg.ja3_hash);
	s->msg.ja3.p = (const uint8_t *)s->ja3;
	s->msg.ja3.len = t.len;
	s->msg.client_version = version;
	s->msg.client_hello = true;
	if (!s->msg.server_hello)
		s->msg.version = version;
	r = 0;
out:
	EVP_MD_CTX_free(t.md);
	if (r != 0)
		client_reset(s);
	return r;
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
	s->ja3s[0] = '\0';
	s->msg.version = s->msg.client_version;
}

/* legacy_version(2) random(32) session_id<0..32> cipher_suite(2) compression(1) extensions */
static int
parse_server_hello(struct tls_state *s, struct cursor *c, bool *tls13)
{
	struct cursor sid, exts, ext;
	struct tls_text t = {.buf = s->ja3s, .size = sizeof(s->ja3s)};
	uint16_t version, cipher, type, selected = 0;
	bool first = true;
	uint8_t comp;
	int r = SW_E_INVAL;

	server_reset(s);
	if (cur_be16(c, &version) != 0 || cur_skip(c, 32) != 0 || cur_sub8(c, &sid) != 0 ||
	    cur_left(&sid) > 32 || cur_be16(c, &cipher) != 0 || cur_u8(c, &comp) != 0)
		goto out;
	exts.p = exts.end = c->p;
	if (cur_left(c) > 0 && (cur_sub16(c, &exts) != 0 || cur_left(c) != 0))
		goto out;
	if ((t.md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(t.md, EVP_md5(), NULL) != 1) {
		r = SW_E_NOMEM;
		goto out;
	}
	text_u32(&t, version);
	text_add(&t, ",", 1);
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
		}
		if (type == TLS_EXT_SUPPORTED_VERSIONS) {
			if (cur_be16(&ext, &selected) != 0)
				goto out;
		} else if (type == TLS_EXT_ALPN) {
			if (parse_alpn(s, &ext) != 0)
				goto out;
		}
	}
	if (t.fail)
		goto out;
	md5_hex(t.md, s->msg.ja3s_hash);
	s->msg.ja3s.p = (const uint8_t *)s->ja3s;
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

static int
parse_x509(struct tls_state *s, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	const ASN1_INTEGER *serial;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	X509 *x;

	if (len > LONG_MAX || (x = d2i_X509(NULL, &p, (long)len)) == NULL)
		return SW_E_INVAL;
	name_text(X509_get_subject_name(x), s->subject, sizeof(s->subject));
	name_text(X509_get_issuer_name(x), s->issuer, sizeof(s->issuer));
	s->serial[0] = '\0';
	if ((serial = X509_get0_serialNumber(x)) != NULL)
		hex_colon(ASN1_STRING_get0_data(serial), (size_t)ASN1_STRING_length(serial),
		          s->serial, sizeof(s->serial));
	s->msg.cert_not_before = asn1_time_usec(X509_get0_notBefore(x));
	s->msg.cert_not_after = asn1_time_usec(X509_get0_notAfter(x));
	X509_free(x);
	s->msg.cert_fingerprint[0] = '\0';
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL) == 1 && mdlen == 20)
		hex_colon(md, mdlen, s->msg.cert_fingerprint, sizeof(s->msg.cert_fingerprint));
	s->msg.cert_subject.p = (const uint8_t *)s->subject;
	s->msg.cert_subject.len = strlen(s->subject);
	s->msg.cert_issuer.p = (const uint8_t *)s->issuer;
	s->msg.cert_issuer.len = strlen(s->issuer);
	s->msg.cert_serial.p = (const uint8_t *)s->serial;
	s->msg.cert_serial.len = strlen(s->serial);
	return 0;
}

/* certificate_list<0..2^24-1> of opaque ASN.1Cert<1..2^24-1> */
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

static void
tls_emit(struct app_ctx *ctx, struct tls_state *s)
{
	struct app_msg m;
	int d;

	if (s->emitted)
		return;
	s->emitted = true;
	for (d = 0; d < 2; d++) /* nothing more is parsed on this flow */
		tls_dir_stop(s, &s->dir[d]);
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->messages[APP_TLS], 1);
	if (ctx->emit == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.kind = APP_MSG_TLS;
	m.dir = FLOW_TO_SERVER;
	m.ts = ctx->ts;
	m.u.tls = &s->msg;
	ctx->emit(ctx->arg, ctx->f, &m);
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
		tls_emit(ctx, s);
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
	switch (d->hs[0]) {
	case TLS_HS_CLIENT_HELLO:
		if (dir == FLOW_TO_SERVER)
			r = parse_client_hello(s, &c);
		break;
	case TLS_HS_SERVER_HELLO:
		if (dir == FLOW_TO_CLIENT && (r = parse_server_hello(s, &c, &tls13)) == 0 && tls13)
			tls_emit(ctx, s);
		break;
	case TLS_HS_CERTIFICATE:
		if (dir == FLOW_TO_CLIENT && (r = parse_certificate(s, &c)) == 0)
			tls_emit(ctx, s);
		break;
	default:
		break;
	}
	return r;
}

/* Gathers n handshake bytes; parses each message once complete. */
static int
tls_handshake_bytes(struct app_ctx *ctx, struct tls_state *s, enum flow_dir dir, const uint8_t *p,
                    size_t n)
{
	struct tls_dir *d = &s->dir[dir];
	struct cursor c;

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
		if (d->hs_cap < want) {
			size_t cap = d->hs_cap < 1024 ? 1024 : d->hs_cap;
			uint8_t *nb;
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
		}
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
	while (cur_left(&c) > 0 && !d->stopped) {
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

/* ---- the operations ---------------------------------------------------------------------- */

static bool
tls_probe(const uint8_t *data, size_t len, enum flow_dir dir)
{
	struct cursor c;
	uint8_t type, hs_type;
	uint16_t version, rlen;

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

	if ((s = app_state_alloc(mem, sizeof(*s))) != NULL)
		s->mem = mem;
	return s;
}

static void
tls_state_free(void *state)
{
	struct tls_state *s = state;

	if (s == NULL)
		return;
	sw_memcap_give(s->mem, s->dir[0].hs_cap + s->dir[1].hs_cap + sizeof(*s));
	free(s->dir[0].hs);
	free(s->dir[1].hs);
	free(s);
}

static void
tls_stream(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len,
           unsigned flags)
{
	struct tls_state *s = state;
	struct tls_dir *d;

	if (s == NULL || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT))
		return;
	d = &s->dir[dir];
	if (s->emitted || d->stopped)
		return;
	if (flags & STREAM_CHUNK_GAP) {
		tls_dir_stop(s, d); /* record boundaries are lost */
		return;
	}
	if (data == NULL || len == 0)
		return;
	if (tls_stream_bytes(ctx, s, dir, data, len) != 0 && !s->emitted)
		tls_error(ctx, s, d);
}

static void
tls_flow_end(struct app_ctx *ctx, void *state)
{
	struct tls_state *s = state;

	if (s == NULL || s->emitted)
		return;
	if (s->msg.client_hello || s->msg.server_hello || s->msg.certificate)
		tls_emit(ctx, s);
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

static const char *
tls_version_name(uint16_t v, char *buf, size_t size)
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

static void
tls_eve(struct jw *w, const struct app_msg *msg, bool in_alert)
{
	const struct app_tls_msg *m = msg->u.tls;
	char v[16];
	uint8_t i;

	(void)in_alert;
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
		jw_str(w, "version", tls_version_name(m->version, v, sizeof(v)));
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
	if (m->nalpn > 0) {
		jw_arr_begin(w, m->server_hello ? "alpn_ts" : "alpn");
		for (i = 0; i < m->nalpn && i < 8; i++)
			jw_strn(w, NULL, m->alpn[i].p, m->alpn[i].len);
		jw_arr_end(w);
	}
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
}

APP_BUFFER_GETTER(tls_buf_sni, struct app_tls_msg, tls, tls->sni)
APP_BUFFER_GETTER(tls_buf_subject, struct app_tls_msg, tls, tls->cert_subject)
APP_BUFFER_GETTER(tls_buf_issuer, struct app_tls_msg, tls, tls->cert_issuer)
APP_BUFFER_GETTER(tls_buf_serial, struct app_tls_msg, tls, tls->cert_serial)
APP_BUFFER_GETTER(tls_buf_fp, struct app_tls_msg, tls, app_buf_text(tls->cert_fingerprint))
APP_BUFFER_GETTER(tls_buf_ja3, struct app_tls_msg, tls, app_buf_text(tls->ja3_hash))
APP_BUFFER_GETTER(tls_buf_ja3_str, struct app_tls_msg, tls, tls->ja3)
APP_BUFFER_GETTER(tls_buf_ja3s, struct app_tls_msg, tls, app_buf_text(tls->ja3s_hash))
APP_BUFFER_GETTER(tls_buf_ja3s_str, struct app_tls_msg, tls, tls->ja3s)

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
};

/* ---- the handshake parser for QUIC's CRYPTO stream ---------------------------------------- */
/*
 * QUIC (RFC 9001 4) carries TLS handshake messages in CRYPTO frames, without the record layer.
 * app_quic.c reassembles each direction's CRYPTO stream and feeds the bytes here, in order;
 * the same message parsers fill the same struct app_tls_msg (SNI, ALPN, JA3/JA3S, versions).
 * Nothing is emitted from here: the QUIC parser emits its own message that points at the
 * hello fields.
 */

struct tls_state *
app_tls_quic_new(struct sw_memcap *mem)
{
	return tls_state_new(mem);
}

void
app_tls_quic_free(struct tls_state *s)
{
	tls_state_free(s);
}

int
app_tls_quic_handshake(struct tls_state *s, enum flow_dir dir, const uint8_t *p, size_t n)
{
	struct app_ctx ctx;
	struct tls_dir *d;
	int r;

	if (s == NULL || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT))
		return SW_E_INVAL;
	d = &s->dir[dir];
	if (s->emitted || d->stopped)
		return 0;
	memset(&ctx, 0, sizeof(ctx)); /* no emit, no counters: the QUIC parser reports */
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
