/* src/app/app_quic.c: QUIC Initial packets: keys, header and packet protection, CRYPTO frames,
 * and the TLS hellos they carry (RFC 9000, 9001, 9369; draft-ietf-quic-transport-29). */
/*
 * A long-header packet (RFC 9000 17.2):
 *
 *   +-+-+-+-+-+-+-+-+
 *   |1|1|T T|R R|P P|   form, fixed bit, type, reserved and packet number length (protected)
 *   +-+-+-+-+-+-+-+-+-------------------------------+
 *   |                    Version (32)               |
 *   +-+-+-+-+-+-+-+-+-------------------------------+
 *   | DCID Len (8)  | Destination Connection ID (0..160) ...
 *   | SCID Len (8)  | Source Connection ID (0..160) ...
 *   Initial:   Token Length (i), Token, Length (i), Packet Number (8..32), Payload
 *   0-RTT, Handshake: Length (i), Packet Number, Payload
 *   Retry:     Retry Token, Retry Integrity Tag (128)
 *   Version 0 is Version Negotiation: the supported versions follow the connection IDs.
 *
 * The type bits are Initial 0, 0-RTT 1, Handshake 2, Retry 3 in v1 and draft-29, and
 * Initial 1, 0-RTT 2, Handshake 3, Retry 0 in v2 (RFC 9369 3.2). Several long-header packets
 * may share a datagram (coalesced, RFC 9000 12.2): each one's Length says where it ends.
 *
 * Only Initial packets are decrypted. Their keys come from the Destination Connection ID of
 * the client's first Initial (RFC 9001 5.2): HKDF-Extract with the version's salt, then
 * HKDF-Expand-Label "client in" / "server in" and "quic key", "quic iv", "quic hp" ("quicv2
 * ..." in v2). Header protection (5.4) masks the low bits of the first byte and the packet
 * number with AES-ECB(hp, sample), the sample being the 16 bytes 4 bytes after the start of
 * the packet number; the payload is AES-128-GCM with nonce iv XOR packet number and the
 * header as associated data (5.3).
 *
 * The frames of an Initial are PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE (RFC 9000
 * 12.4); parsing stops at any other type. CRYPTO frames carry the TLS handshake without
 * records, in pieces at offsets that may come out of order and across packets: each direction
 * gathers them in a buffer (at most QUIC_CRYPTO_MAX bytes, charged to app.memcap; a frame
 * that starts more than QUIC_CRYPTO_AHEAD past what is contiguous is refused and counted) and
 * feeds the contiguous bytes to the TLS parser (app_tls_quic_handshake). After the server's
 * ServerHello, or QUIC_MAX_DATAGRAMS datagrams, the flow is no longer parsed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "app/app_int.h"

#define QUIC_CID_MAX        20
#define QUIC_CRYPTO_MAX     32768 /* CRYPTO stream bytes kept per direction */
#define QUIC_CRYPTO_AHEAD   16384 /* how far past the contiguous bytes a frame may start */
#define QUIC_RANGES         16    /* disjoint pieces held out of order per direction */
#define QUIC_MAX_DATAGRAMS  64    /* datagrams parsed per flow before giving up */
#define QUIC_MAX_MSGS       4     /* messages per flow (hellos again after a HelloRetryRequest) */
#define QUIC_TAG_LEN        16
#define QUIC_UA_MAX         256
#define QUIC_PKT_STACK      2048  /* larger packets are opened in a heap buffer */

#define QUIC_TP_EXT         57     /* quic_transport_parameters (RFC 9001 8.2) */
#define QUIC_TP_EXT_DRAFT   0xffa5 /* its code point before RFC 9001 */
#define QUIC_TP_GOOGLE_UA   0x3129 /* google_user_agent */

enum quic_ptype {
	QUIC_PT_INITIAL = 0,
	QUIC_PT_ZERO_RTT = 1,
	QUIC_PT_HANDSHAKE = 2,
	QUIC_PT_RETRY = 3,
};

/* ---- versions, salts and labels --------------------------------------------------------- */

static const uint8_t salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t salt_v2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
static const uint8_t salt_draft29[20] = {
	0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};

/* Google QUIC Q050's (Chromium's kQ050Salt): its Initials are protected as draft-29's */
static const uint8_t salt_q050[20] = {
	0x50, 0x45, 0x74, 0xef, 0xd0, 0x66, 0xfe, 0x2f, 0x9d, 0x94,
	0x5c, 0xfc, 0xdb, 0xd3, 0xa7, 0xf0, 0xd3, 0xb5, 0x6b, 0x45,
};
#define GQUIC_Q050 0x51303530u

/* The Initial salt of a version, NULL when we do not know it. */
static const uint8_t *
quic_salt(uint32_t version)
{
	switch (version) {
	case GQUIC_Q050:
		return salt_q050;
	case APP_QUIC_V1:
		return salt_v1;
	case APP_QUIC_V2:
		return salt_v2;
	case APP_QUIC_DRAFT29:
		return salt_draft29;
	default:
		return NULL;
	}
}

/* An IETF QUIC version we can decrypt (Q050, which we can too, is Google's: gquic_*). */
static bool
quic_version_known(uint32_t version)
{
	return quic_salt(version) != NULL && version != GQUIC_Q050;
}

/* The long-header type bits of a packet as the v1 type. */
static enum quic_ptype
quic_ptype(uint32_t version, uint8_t first)
{
	unsigned t = (first >> 4) & 3;

	if (version == APP_QUIC_V2)
		return (enum quic_ptype)((t + 3) & 3); /* 1 Initial, 2 0-RTT, 3 Handshake, 0 Retry */
	return (enum quic_ptype)t;
}

/* ---- HKDF (RFC 5869) and HKDF-Expand-Label (RFC 8446 7.1) with SHA-256 -------------------- */

/*
 * HMAC-SHA256 (RFC 2104) over one digest context and one fetched SHA-256: OpenSSL 3's HMAC()
 * fetches the digest and makes a context on every call, which made the nine HMACs of a
 * connection's keys cost about 20 us; this way they cost a few.
 */
struct quic_hmac {
	EVP_MD_CTX *ctx;
	EVP_MD *md;
};

static int
quic_hmac(struct quic_hmac *h, const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
	  uint8_t out[32])
{
	uint8_t pad[64], inner[32];
	unsigned int n = 0;

	if (klen > sizeof(pad))
		return SW_E_INVAL; /* our keys are salts and secrets: 20 or 32 bytes */
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < klen; i++)
		pad[i] ^= key[i];
	if (EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, pad, sizeof(pad)) != 1 ||
	    EVP_DigestUpdate(h->ctx, msg, mlen) != 1 || EVP_DigestFinal_ex(h->ctx, inner, &n) != 1 ||
	    n != 32)
		return SW_E_INVAL;
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	if (EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, pad, sizeof(pad)) != 1 ||
	    EVP_DigestUpdate(h->ctx, inner, sizeof(inner)) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != 32)
		return SW_E_INVAL;
	return 0;
}

/* out_len <= 32: one block of HKDF-Expand. */
static int
hkdf_expand_label(struct quic_hmac *h, const uint8_t secret[32], const char *label, uint8_t *out,
		  size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1 + 1], md[32];
	size_t ll = strlen(label), n = 0;

	if (out_len > 32 || 6 + ll > 255)
		return SW_E_INVAL;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0; /* empty context */
	info[n++] = 1; /* T(1) = HMAC(PRK, info | 0x01) */
	if (quic_hmac(h, secret, 32, info, n, md) != 0)
		return SW_E_INVAL;
	memcpy(out, md, out_len);
	return 0;
}

static int
quic_keys_from_secret(struct quic_hmac *h, struct app_quic_keys *k, uint32_t version)
{
	bool v2 = version == APP_QUIC_V2;

	if (hkdf_expand_label(h, k->secret, v2 ? "quicv2 key" : "quic key", k->key, 16) != 0 ||
	    hkdf_expand_label(h, k->secret, v2 ? "quicv2 iv" : "quic iv", k->iv, 12) != 0 ||
	    hkdf_expand_label(h, k->secret, v2 ? "quicv2 hp" : "quic hp", k->hp, 16) != 0)
		return SW_E_INVAL;
	return 0;
}

int
app_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
		      struct app_quic_keys *client, struct app_quic_keys *server)
{
	const uint8_t *salt = quic_salt(version);
	struct quic_hmac h = {NULL, NULL};
	struct app_quic_keys c, s;
	uint8_t initial[32];
	int r = SW_E_INVAL;

	if (salt == NULL)
		return SW_E_UNSUPP;
	if (dcid_len > QUIC_CID_MAX)
		return SW_E_INVAL;
	if ((h.ctx = EVP_MD_CTX_new()) == NULL || (h.md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		goto out;
	/* HKDF-Extract(salt, IKM) = HMAC(salt, IKM) */
	if (quic_hmac(&h, salt, 20, dcid, dcid_len, initial) != 0 ||
	    hkdf_expand_label(&h, initial, "client in", c.secret, 32) != 0 ||
	    hkdf_expand_label(&h, initial, "server in", s.secret, 32) != 0 ||
	    quic_keys_from_secret(&h, &c, version) != 0 ||
	    quic_keys_from_secret(&h, &s, version) != 0)
		goto out;
	*client = c;
	*server = s;
	r = 0;
out:
	EVP_MD_free(h.md);
	EVP_MD_CTX_free(h.ctx);
	return r;
}

/* ---- header and packet protection (RFC 9001 5.3, 5.4) ----------------------------------- */

static int
quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16], uint8_t mask[16])
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, r = SW_E_INVAL;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return SW_E_NOMEM;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, hp, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_EncryptUpdate(ctx, mask, &n, sample, 16) == 1 && n == 16)
		r = 0;
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

static void
quic_nonce(const struct app_quic_keys *k, uint64_t pn, uint8_t nonce[12])
{
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
}

/* AES-128-GCM over in[0..len) into out (may be in), with aad; tag read (decrypt) or written. */
static int
quic_gcm(const struct app_quic_keys *k, uint64_t pn, bool enc, const uint8_t *aad,
	 size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX *ctx;
	uint8_t nonce[12];
	int n = 0, r = SW_E_RANGE;

	if (len > INT32_MAX || aad_len > INT32_MAX)
		return SW_E_INVAL;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return SW_E_NOMEM;
	quic_nonce(k, pn, nonce);
	if (EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL, enc ? 1 : 0) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, k->key, nonce, enc ? 1 : 0) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1)
		goto out; /* authentication failed */
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

/* A variable-length integer (RFC 9000 16). */
static int
cur_varint(struct cursor *c, uint64_t *v)
{
	uint8_t b;
	size_t n;

	if (cur_u8(c, &b) != 0)
		return SW_E_TRUNC;
	n = (size_t)1 << (b >> 6);
	if (cur_left(c) < n - 1) {
		c->p--;
		return SW_E_TRUNC;
	}
	*v = b & 0x3f;
	for (size_t i = 1; i < n; i++)
		*v = *v << 8 | *c->p++;
	return 0;
}

/* The full packet number from its truncated pn_len-byte value (RFC 9000 A.3). */
static uint64_t
quic_pn_expand(int64_t largest, uint64_t truncated, size_t pn_len)
{
	uint64_t expected = (uint64_t)(largest + 1), win = (uint64_t)1 << (8 * pn_len);
	uint64_t hwin = win / 2, mask = win - 1;
	uint64_t cand = (expected & ~mask) | truncated;

	if (cand + hwin <= expected && cand < ((uint64_t)1 << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

/* The header of a long-header packet with a Length field, read up to the packet number. */
struct quic_lhdr {
	uint8_t first;
	uint32_t version;
	const uint8_t *dcid, *scid;
	uint8_t dcid_len, scid_len;
	size_t pn_off;  /* offset of the packet number in the packet */
	size_t pkt_len; /* pn_off + Length */
};

static int
quic_read_lhdr(const uint8_t *pkt, size_t len, bool initial, struct quic_lhdr *h)
{
	struct cursor c;
	uint64_t tlen, plen;

	cur_init(&c, pkt, len);
	if (cur_u8(&c, &h->first) != 0 || cur_be32(&c, &h->version) != 0 ||
	    cur_u8(&c, &h->dcid_len) != 0)
		return SW_E_TRUNC;
	if (h->dcid_len > QUIC_CID_MAX)
		return SW_E_INVAL;
	h->dcid = c.p;
	if (cur_skip(&c, h->dcid_len) != 0 || cur_u8(&c, &h->scid_len) != 0)
		return SW_E_TRUNC;
	if (h->scid_len > QUIC_CID_MAX)
		return SW_E_INVAL;
	h->scid = c.p;
	if (cur_skip(&c, h->scid_len) != 0)
		return SW_E_TRUNC;
	if (initial && (cur_varint(&c, &tlen) != 0 || tlen > cur_left(&c) || cur_skip(&c, tlen) != 0))
		return SW_E_TRUNC;
	if (cur_varint(&c, &plen) != 0)
		return SW_E_TRUNC;
	h->pn_off = (size_t)(c.p - pkt);
	if (plen > cur_left(&c))
		return SW_E_TRUNC;
	h->pkt_len = h->pn_off + (size_t)plen;
	return 0;
}

int
app_quic_open_initial(const struct app_quic_keys *keys, uint32_t version, const uint8_t *pkt,
		      size_t len, int64_t largest_pn, uint8_t *out, size_t out_size,
		      size_t *out_len, uint64_t *pn_out, size_t *pkt_len)
{
	struct quic_lhdr h;
	uint8_t mask[16], first;
	size_t pn_len, hdr_len, ct_len;
	uint64_t tpn = 0, pn;
	int r;

	if ((r = quic_read_lhdr(pkt, len, true, &h)) != 0)
		return r;
	if ((h.first & 0x80) == 0 || h.version != version ||
	    quic_ptype(version, h.first) != QUIC_PT_INITIAL)
		return SW_E_INVAL;
	/* the sample is taken as if the packet number were 4 bytes; a packet too short for it
	 * (or for the tag) is malformed */
	if (h.pkt_len < h.pn_off + 4 + 16 || out_size < h.pkt_len)
		return SW_E_INVAL;
	if ((r = quic_hp_mask(keys->hp, pkt + h.pn_off + 4, mask)) != 0)
		return r;
	first = h.first ^ (mask[0] & 0x0f);
	pn_len = (size_t)(first & 3) + 1;
	hdr_len = h.pn_off + pn_len;
	if (h.pkt_len < hdr_len + QUIC_TAG_LEN)
		return SW_E_INVAL;
	memcpy(out, pkt, h.pkt_len);
	out[0] = first;
	for (size_t i = 0; i < pn_len; i++) {
		out[h.pn_off + i] ^= mask[1 + i];
		tpn = tpn << 8 | out[h.pn_off + i];
	}
	pn = quic_pn_expand(largest_pn, tpn, pn_len);
	ct_len = h.pkt_len - hdr_len - QUIC_TAG_LEN;
	if ((r = quic_gcm(keys, pn, false, out, hdr_len, out + hdr_len, ct_len, out + hdr_len,
			  out + hdr_len + ct_len)) != 0)
		return r;
	memmove(out, out + hdr_len, ct_len);
	*out_len = ct_len;
	*pn_out = pn;
	*pkt_len = h.pkt_len;
	return 0;
}

int
app_quic_seal_initial(const struct app_quic_keys *keys, const uint8_t *hdr, size_t hdr_len,
		      size_t pn_len, uint64_t pn, const uint8_t *payload, size_t payload_len,
		      uint8_t *out, size_t out_size)
{
	uint8_t mask[16];
	size_t pn_off;

	if (pn_len < 1 || pn_len > 4 || hdr_len < 7 + pn_len ||
	    out_size < hdr_len + payload_len + QUIC_TAG_LEN ||
	    payload_len + pn_len < 4 + 16 - QUIC_TAG_LEN)
		return SW_E_INVAL;
	pn_off = hdr_len - pn_len;
	memcpy(out, hdr, hdr_len);
	if (quic_gcm(keys, pn, true, hdr, hdr_len, payload, payload_len, out + hdr_len,
		     out + hdr_len + payload_len) != 0)
		return SW_E_INVAL;
	if (quic_hp_mask(keys->hp, out + pn_off + 4, mask) != 0)
		return SW_E_INVAL;
	out[0] ^= mask[0] & ((out[0] & 0x80) ? 0x0f : 0x1f);
	for (size_t i = 0; i < pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	return 0;
}

/* ---- Google QUIC (gQUIC) --------------------------------------------------------------------- */
/*
 * Google's QUIC before the IETF one ("QUIC Wire Layout Specification", "QUIC Crypto"). The
 * client's first packets carry, without encryption (only a 12-byte hash), its hello: a CHLO
 * handshake message in STREAM frames of stream 1. Two packet forms:
 *
 *   Q043 and earlier, public header: flags (0x01 version present, 0x02 public reset, 0x04
 *   diversification nonce, 0x08 8-byte connection ID, 0x30 packet number length 1/2/4/6),
 *   connection ID, version ("Q043"), nonce (32, the server's only), packet number.
 *   Q044 and later, a long header: 0x80 set, version, one byte of connection ID lengths (each
 *   nibble: 0, or the length less 3), the IDs, packet number: 4 bytes in Q044/Q045 (type
 *   0x7f: Initial), (first & 3) + 1 bytes in Q046 (type bits 0x30: 0 is Initial).
 *
 * Then the hash and the frames (big-endian from Q039): PADDING (0x00) runs to the end,
 * PING (0x07), STREAM (1fdooo ss: FIN, a 2-byte data length when d, an offset of 0 or
 * ooo + 1 bytes, a stream ID of ss + 1 bytes). A handshake message: tag, entry count (LE 16),
 * padding (2), entries (tag, end offset: LE 32), values. Q050 has IETF QUIC's long header and
 * protects its Initials as draft-29 does with a salt of its own: decrypted here (quic_initial),
 * the CHLO then comes in CRYPTO frames (0x08: varint offset and length). Other versions (Q048,
 * Q049, the TLS-based T0xx) are recognised and counted, not read.
 *
 * CYU (Salesforce's fingerprint, as Suricata logs it): "<version number>,<tags joined by '-'>"
 * of a CHLO, tags without their trailing NULs, and its MD5; Suricata gives it for Q043 to Q046.
 */

#define GQUIC_HASH_LEN        12
#define GQUIC_STREAM_CRYPTO   1
#define GQUIC_TAG(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define GQUIC_CHLO            GQUIC_TAG('C', 'H', 'L', 'O')
#define GQUIC_SNI             GQUIC_TAG('S', 'N', 'I', 0)
#define GQUIC_UAID            GQUIC_TAG('U', 'A', 'I', 'D')
#define GQUIC_VER             GQUIC_TAG('V', 'E', 'R', 0)

static bool
gquic_digit(uint32_t v, int shift)
{
	uint8_t b = (uint8_t)(v >> shift);

	return b >= '0' && b <= '9';
}

bool
app_gquic_version(uint32_t version)
{
	uint8_t first = (uint8_t)(version >> 24);

	return (first == 'Q' || first == 'T') && gquic_digit(version, 16) &&
	       gquic_digit(version, 8) && gquic_digit(version, 0);
}

/* The versions whose client hello is in clear: Q039..Q046. */
static bool
gquic_clear(uint32_t version)
{
	return app_gquic_version(version) && (version >> 24) == 'Q' &&
	       version >= GQUIC_TAG('Q', '0', '3', '9') && version <= GQUIC_TAG('Q', '0', '4', '6');
}

/* A tag's text length (trailing NULs dropped): 0 when it is not printable ASCII. */
static size_t
gquic_tag_len(uint32_t tag)
{
	size_t n = 4;

	while (n > 0 && (uint8_t)(tag >> (8 * (4 - n))) == 0)
		n--;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)(tag >> (24 - 8 * i));

		if (b < 0x21 || b > 0x7e)
			return 0;
	}
	return n;
}

int
app_gquic_chlo_parse(const uint8_t *p, size_t len, struct app_gquic_chlo *c, size_t *used)
{
	struct cursor cur, vals;
	uint32_t tag = 0, end = 0, prev = 0;
	uint16_t n;
	uint8_t lo, hi;

	memset(c, 0, sizeof(*c));
	cur_init(&cur, p, len);
	if (cur_be32(&cur, &tag) != 0)
		return SW_E_TRUNC;
	if (tag != GQUIC_CHLO)
		return SW_E_UNSUPP;
	if (cur_u8(&cur, &lo) != 0 || cur_u8(&cur, &hi) != 0 || cur_skip(&cur, 2) != 0)
		return SW_E_TRUNC;
	n = (uint16_t)(lo | hi << 8);
	if (n > APP_GQUIC_TAGS_MAX)
		return SW_E_INVAL;
	if (cur_left(&cur) < (size_t)n * 8)
		return SW_E_TRUNC;
	cur_init(&vals, cur.p + (size_t)n * 8, cur_left(&cur) - (size_t)n * 8);
	for (uint16_t i = 0; i < n; i++) {
		struct app_buf v;

		(void)cur_be32(&cur, &tag);
		(void)cur_le32(&cur, &end);
		if (gquic_tag_len(tag) == 0 || end < prev)
			return SW_E_INVAL;
		if (end > cur_left(&vals))
			return SW_E_TRUNC;
		v.p = vals.p + prev;
		v.len = end - prev;
		if (tag == GQUIC_SNI)
			c->sni = v;
		else if (tag == GQUIC_UAID)
			c->uaid = v;
		else if (tag == GQUIC_VER)
			c->ver = v;
		c->tags[c->ntags++] = tag;
		prev = end;
	}
	*used = (size_t)(vals.p - p) + prev;
	return 0;
}

size_t
app_gquic_cyu(uint32_t version, const struct app_gquic_chlo *c, char *out, size_t size)
{
	size_t at = 0;

	if ((version >> 24) != 'Q' || !app_gquic_version(version) || size < 4)
		return 0;
	/* the version number: its last two digits, as Suricata and Salesforce write it */
	out[at++] = (char)(version >> 8);
	out[at++] = (char)version;
	out[at++] = ',';
	for (uint16_t i = 0; i < c->ntags; i++) {
		size_t tl = gquic_tag_len(c->tags[i]);

		if (tl == 0 || at + tl + 2 > size)
			return 0;
		if (i > 0)
			out[at++] = '-';
		for (size_t k = 0; k < tl; k++)
			out[at++] = (char)(c->tags[i] >> (24 - 8 * k));
	}
	out[at] = '\0';
	return at;
}

/* A gQUIC packet's header, read up to its frames. */
struct gquic_hdr {
	uint32_t version; /* 0 when the packet has none */
	bool initial;     /* a client's packet that may carry the hello in clear */
	size_t frames;    /* offset of the frames (after the hash) when initial */
};

/* Reads the header of a gQUIC packet (either form); 0, or SW_E_* when it is not one. */
static int
gquic_read_hdr(const uint8_t *pkt, size_t len, struct gquic_hdr *h)
{
	static const uint8_t pn_lens[4] = {1, 2, 4, 6};
	struct cursor c;
	uint8_t first, lens;
	size_t pn_len;

	memset(h, 0, sizeof(*h));
	cur_init(&c, pkt, len);
	if (cur_u8(&c, &first) != 0)
		return SW_E_TRUNC;
	if (first & 0x80) { /* long header: Q044 and later */
		size_t dl, sl;

		if (cur_be32(&c, &h->version) != 0 || !app_gquic_version(h->version))
			return SW_E_UNSUPP;
		if (!gquic_clear(h->version) || h->version < GQUIC_TAG('Q', '0', '4', '4'))
			return 0; /* Q048 and later: the hello is encrypted (Q050: see
				     gquic_datagram); earlier: no such form */
		if (cur_u8(&c, &lens) != 0)
			return SW_E_TRUNC;
		dl = lens >> 4 ? (size_t)(lens >> 4) + 3 : 0;
		sl = lens & 15 ? (size_t)(lens & 15) + 3 : 0;
		if (cur_skip(&c, dl + sl) != 0)
			return SW_E_TRUNC;
		if (h->version == GQUIC_TAG('Q', '0', '4', '6')) {
			if (((first >> 4) & 3) != 0)
				return 0; /* not an Initial */
			pn_len = (size_t)(first & 3) + 1;
		} else { /* Q044, Q045 */
			if ((first & 0x7f) != 0x7f)
				return 0;
			pn_len = 4;
		}
	} else { /* public header */
		if (first & 0x02)
			return 0; /* public reset */
		if (first & 0x08 && cur_skip(&c, 8) != 0)
			return SW_E_TRUNC;
		if ((first & 0x01) == 0)
			return 0; /* no version: the handshake is over, or the server's packet */
		if (cur_be32(&c, &h->version) != 0 || !app_gquic_version(h->version))
			return SW_E_UNSUPP;
		if (first & 0x04 && cur_skip(&c, 32) != 0)
			return SW_E_TRUNC;
		pn_len = pn_lens[(first >> 4) & 3];
	}
	if (!gquic_clear(h->version))
		return 0;
	if (cur_skip(&c, pn_len + GQUIC_HASH_LEN) != 0)
		return SW_E_TRUNC;
	h->initial = true;
	h->frames = (size_t)(c.p - pkt);
	return 0;
}

/* Whether data starts with a gQUIC packet of a client that names its version. */
static bool
gquic_probe(const uint8_t *data, size_t len)
{
	struct gquic_hdr h;

	return gquic_read_hdr(data, len, &h) == 0 && h.version != 0;
}

/* ---- per-flow state ---------------------------------------------------------------------- */

struct quic_range {
	uint32_t start, end;
};

/* One direction's CRYPTO stream. */
struct quic_crypto {
	uint8_t *buf; /* bytes at their stream offsets, [0, cap) */
	size_t cap;
	uint32_t fed; /* bytes handed to the TLS parser */
	struct quic_range held[QUIC_RANGES]; /* received beyond fed: sorted, disjoint */
	uint8_t nheld;
	int64_t largest_pn;
	bool stopped;
};

struct quic_state {
	struct sw_memcap *mem;
	struct tls_state *tls;
	struct quic_crypto dir[2];
	struct app_quic_msg msg;
	struct app_quic_keys keys[2]; /* [FLOW_TO_SERVER] the client's, [FLOW_TO_CLIENT] */
	uint32_t key_version;
	bool have_keys;
	bool done;      /* the handshake's clear part is over, or we gave up: nothing more is parsed */
	uint8_t nmsgs;  /* messages emitted */
	uint16_t datagrams;
	char ua[QUIC_UA_MAX];
	bool gquic;             /* a Google QUIC connection */
	struct gquic_hello *gq; /* its messages' text, from its first CHLO (app.memcap) */
};

/* What a gQUIC connection's messages point to. */
struct gquic_hello {
	struct app_tls_msg tls; /* the SNI only: tls.sni, indicators */
	char sni[256];
	char cyu[APP_GQUIC_CYU_MAX + 1];
};

static void
gquic_free(struct quic_state *s)
{
	if (s->gq == NULL)
		return;
	free(s->gq);
	s->gq = NULL;
	sw_memcap_give(s->mem, sizeof(struct gquic_hello));
	s->msg.cyu_string.p = NULL; /* it pointed into gq */
	s->msg.cyu_string.len = 0;
	s->msg.cyu_hash[0] = '\0';
}

static void
quic_crypto_free(struct quic_state *s, struct quic_crypto *d)
{
	sw_memcap_give(s->mem, d->cap);
	free(d->buf);
	d->buf = NULL;
	d->cap = 0;
}

static void
quic_count(struct app_ctx *ctx, enum app_quic_stat st)
{
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->quic[st], 1);
}

static void
quic_error(struct app_ctx *ctx)
{
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->errors[APP_QUIC], 1);
}

/* The google_user_agent transport parameter of the ClientHello at the start of the client's
 * CRYPTO stream, when the bytes are all held. */
static void
quic_find_ua(struct quic_state *s)
{
	struct quic_crypto *d = &s->dir[FLOW_TO_SERVER];
	struct cursor c, exts;
	uint8_t type, l[3], n8;
	uint16_t n16, etype, elen;
	size_t mlen;

	if (d->buf == NULL || d->fed < 4)
		return;
	cur_init(&c, d->buf, d->fed < d->cap ? d->fed : d->cap);
	if (cur_u8(&c, &type) != 0 || type != 1 || cur_bytes(&c, l, 3) != 0)
		return;
	mlen = (size_t)l[0] << 16 | (size_t)l[1] << 8 | l[2];
	if (cur_left(&c) < mlen)
		return;
	c.end = c.p + mlen;
	if (cur_skip(&c, 2 + 32) != 0 || cur_u8(&c, &n8) != 0 || cur_skip(&c, n8) != 0 ||
	    cur_be16(&c, &n16) != 0 || cur_skip(&c, n16) != 0 || cur_u8(&c, &n8) != 0 ||
	    cur_skip(&c, n8) != 0 || cur_be16(&c, &n16) != 0 || cur_left(&c) < n16)
		return;
	cur_init(&exts, c.p, n16);
	while (cur_be16(&exts, &etype) == 0 && cur_be16(&exts, &elen) == 0 &&
	       cur_left(&exts) >= elen) {
		struct cursor tp;

		cur_init(&tp, exts.p, elen);
		exts.p += elen;
		if (etype != QUIC_TP_EXT && etype != QUIC_TP_EXT_DRAFT)
			continue;
		for (;;) {
			uint64_t id, vlen;

			if (cur_varint(&tp, &id) != 0 || cur_varint(&tp, &vlen) != 0 ||
			    vlen > cur_left(&tp))
				return;
			if (id == QUIC_TP_GOOGLE_UA) {
				size_t n = vlen < sizeof(s->ua) ? (size_t)vlen : sizeof(s->ua);

				memcpy(s->ua, tp.p, n);
				s->msg.ua.p = (const uint8_t *)s->ua;
				s->msg.ua.len = n;
				return;
			}
			tp.p += vlen;
		}
	}
}

/* Emits a message with the hellos t (at most QUIC_MAX_MSGS a flow: a client may say hello
 * again and again). */
static void quic_emit(struct app_ctx *ctx, struct quic_state *s, const struct app_tls_msg *t);

static void
quic_emit_msg(struct app_ctx *ctx, struct quic_state *s, const struct app_tls_msg *t)
{
	if (t == NULL || !(t->client_hello || t->server_hello) || s->nmsgs >= QUIC_MAX_MSGS)
		return;
	if (t->client_hello && s->msg.ua.len == 0)
		quic_find_ua(s);
	quic_emit(ctx, s, t);
}

/* Emits s->msg with the hellos t. */
static void
quic_emit(struct app_ctx *ctx, struct quic_state *s, const struct app_tls_msg *t)
{
	struct app_msg m;

	s->nmsgs++;
	s->msg.tls = t;
	if (ctx->st != NULL)
		sw_counter_add(&ctx->st->messages[APP_QUIC], 1);
	if (ctx->emit != NULL) {
		memset(&m, 0, sizeof(m));
		m.kind = APP_MSG_QUIC;
		m.dir = FLOW_TO_SERVER;
		m.ts = ctx->ts;
		m.u.quic = &s->msg;
		ctx->emit(ctx->arg, ctx->f, &m);
	}
	s->msg.tls = NULL;
}

/* The handshake's clear part is over (or the flow, or our patience): the last message, and
 * nothing more is parsed. The flow keeps only its small state. */
static void
quic_finish(struct app_ctx *ctx, struct quic_state *s)
{
	if (s->done && s->tls == NULL)
		return;
	s->done = true;
	quic_emit_msg(ctx, s, app_tls_quic_msg(s->tls, NULL));
	for (int d = 0; d < 2; d++)
		quic_crypto_free(s, &s->dir[d]);
	app_tls_quic_free(s->tls);
	s->tls = NULL;
	gquic_free(s);
}

struct quic_hello_arg {
	struct app_ctx *ctx;
	struct quic_state *s;
};

/* A hello the TLS parser finished before the end (a HelloRetryRequest and the hello before
 * it): its own message. */
static void
quic_hello(void *arg, const struct app_tls_msg *t)
{
	struct quic_hello_arg *a = arg;

	quic_emit_msg(a->ctx, a->s, t);
}

/* Hands the contiguous bytes past d->fed to the TLS parser. */
static void
quic_crypto_feed(struct app_ctx *ctx, struct quic_state *s, enum flow_dir dir)
{
	struct quic_crypto *d = &s->dir[dir];
	struct quic_hello_arg arg = {ctx, s};

	while (d->nheld > 0 && d->held[0].start <= d->fed) {
		uint32_t end = d->held[0].end;

		if (end > d->fed) {
			if (app_tls_quic_handshake(s->tls, dir, d->buf + d->fed, end - d->fed,
						   quic_hello, &arg) != 0) {
				quic_error(ctx);
				d->stopped = true;
			}
			d->fed = end;
		}
		memmove(&d->held[0], &d->held[1], (size_t)(d->nheld - 1) * sizeof(d->held[0]));
		d->nheld--;
	}
}

/* Adds [start, end) to the held ranges (merged with those it touches); false when there is
 * no room. */
static bool
quic_range_add(struct quic_crypto *d, uint32_t start, uint32_t end)
{
	struct quic_range out[QUIC_RANGES + 1], r = {start, end};
	size_t n = 0, i = 0;

	while (i < d->nheld && d->held[i].end < r.start) /* before it */
		out[n++] = d->held[i++];
	while (i < d->nheld && d->held[i].start <= r.end) { /* touching it */
		if (d->held[i].start < r.start)
			r.start = d->held[i].start;
		if (d->held[i].end > r.end)
			r.end = d->held[i].end;
		i++;
	}
	out[n++] = r;
	while (i < d->nheld) /* after it */
		out[n++] = d->held[i++];
	if (n > QUIC_RANGES)
		return false;
	memcpy(d->held, out, n * sizeof(out[0]));
	d->nheld = (uint8_t)n;
	return true;
}

/* One CRYPTO frame's data at offset off of direction dir. */
static void
quic_crypto_data(struct app_ctx *ctx, struct quic_state *s, enum flow_dir dir, uint64_t off,
		 const uint8_t *p, size_t len)
{
	struct quic_crypto *d = &s->dir[dir];
	uint64_t end = off + len;

	if (d->stopped || end <= d->fed)
		return; /* nothing new */
	if (off > (uint64_t)d->fed + QUIC_CRYPTO_AHEAD || end > QUIC_CRYPTO_MAX) {
		quic_count(ctx, APP_QUIC_ST_CRYPTO_REFUSED);
		return;
	}
	if (off < d->fed) {
		p += d->fed - off;
		off = d->fed;
	}
	if (end > d->cap) {
		size_t cap = d->cap < 2048 ? 2048 : d->cap;
		uint8_t *nb;

		while (cap < end)
			cap *= 2;
		if (cap > QUIC_CRYPTO_MAX)
			cap = QUIC_CRYPTO_MAX;
		if (!sw_memcap_take(s->mem, cap - d->cap)) {
			quic_count(ctx, APP_QUIC_ST_CRYPTO_REFUSED);
			return;
		}
		if ((nb = realloc(d->buf, cap)) == NULL) {
			sw_memcap_give(s->mem, cap - d->cap);
			quic_count(ctx, APP_QUIC_ST_CRYPTO_REFUSED);
			return;
		}
		d->buf = nb;
		d->cap = cap;
	}
	if (!quic_range_add(d, (uint32_t)off, (uint32_t)end)) {
		quic_count(ctx, APP_QUIC_ST_CRYPTO_REFUSED);
		return;
	}
	memcpy(d->buf + off, p, (size_t)(end - off));
	quic_crypto_feed(ctx, s, dir);
}

/* The frames of a decrypted Initial (RFC 9000 19). 0, or SW_E_* at a malformed or unexpected
 * frame (what came before it is kept). */
static int
quic_frames(struct app_ctx *ctx, struct quic_state *s, enum flow_dir dir, const uint8_t *p,
	    size_t len)
{
	struct cursor c;
	uint64_t type, a, b, n;

	cur_init(&c, p, len);
	while (cur_left(&c) > 0) {
		if (cur_varint(&c, &type) != 0)
			return SW_E_TRUNC;
		switch (type) {
		case 0x00: /* PADDING */
			while (cur_left(&c) > 0 && *c.p == 0)
				c.p++;
			break;
		case 0x01: /* PING */
			break;
		case 0x02: /* ACK: largest, delay, range count, first range, ranges (, ECN) */
		case 0x03:
			if (cur_varint(&c, &a) != 0 || cur_varint(&c, &a) != 0 ||
			    cur_varint(&c, &n) != 0 || cur_varint(&c, &a) != 0)
				return SW_E_TRUNC;
			if (n > cur_left(&c))
				return SW_E_INVAL;
			for (uint64_t i = 0; i < n; i++)
				if (cur_varint(&c, &a) != 0 || cur_varint(&c, &b) != 0)
					return SW_E_TRUNC;
			if (type == 0x03 && (cur_varint(&c, &a) != 0 || cur_varint(&c, &a) != 0 ||
					     cur_varint(&c, &a) != 0))
				return SW_E_TRUNC;
			break;
		case 0x06: /* CRYPTO: offset, length, data */
			if (cur_varint(&c, &a) != 0 || cur_varint(&c, &n) != 0)
				return SW_E_TRUNC;
			if (n > cur_left(&c))
				return SW_E_TRUNC;
			quic_crypto_data(ctx, s, dir, a, c.p, (size_t)n);
			c.p += n;
			break;
		case 0x1c: /* CONNECTION_CLOSE: error code, frame type, reason */
		case 0x1d:
			if (cur_varint(&c, &a) != 0 || (type == 0x1c && cur_varint(&c, &a) != 0) ||
			    cur_varint(&c, &n) != 0)
				return SW_E_TRUNC;
			if (n > cur_left(&c))
				return SW_E_TRUNC;
			c.p += n;
			break;
		default:
			return SW_E_UNSUPP;
		}
	}
	return 0;
}

/* ---- Google QUIC: the flow --------------------------------------------------------------- */

/* A CHLO at p (the data of a STREAM frame of stream 1): a message with its SNI, UAID, CYU. */
static void
gquic_chlo(struct app_ctx *ctx, struct quic_state *s, uint32_t version, const uint8_t *p,
	   size_t len)
{
	static const char hex[] = "0123456789abcdef";
	struct app_gquic_chlo c;
	struct gquic_hello *g;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t used, n;
	int r;

	if ((r = app_gquic_chlo_parse(p, len, &c, &used)) == SW_E_UNSUPP || r == SW_E_TRUNC)
		return; /* another message, the rest of one, or one split over frames: not read */
	if (r != 0) {
		quic_error(ctx); /* malformed */
		return;
	}
	quic_count(ctx, APP_QUIC_ST_GQUIC_CHLO);
	if (s->nmsgs >= QUIC_MAX_MSGS)
		return;
	if (s->gq == NULL) {
		if (!sw_memcap_take(s->mem, sizeof(*s->gq)))
			return;
		if ((s->gq = calloc(1, sizeof(*s->gq))) == NULL) {
			sw_memcap_give(s->mem, sizeof(*s->gq));
			return;
		}
	}
	g = s->gq;
	memset(&g->tls, 0, sizeof(g->tls));
	n = c.sni.len < sizeof(g->sni) ? c.sni.len : sizeof(g->sni);
	if (n > 0)
		memcpy(g->sni, c.sni.p, n);
	g->tls.sni.p = (const uint8_t *)g->sni;
	g->tls.sni.len = n;
	n = c.uaid.len < sizeof(s->ua) ? c.uaid.len : sizeof(s->ua);
	if (n > 0)
		memcpy(s->ua, c.uaid.p, n);
	s->msg.ua.p = (const uint8_t *)s->ua;
	s->msg.ua.len = n;
	/* CYU where Suricata gives it: Q043 to Q046 */
	n = version >= GQUIC_TAG('Q', '0', '4', '3') && version <= GQUIC_TAG('Q', '0', '4', '6')
		? app_gquic_cyu(version, &c, g->cyu, sizeof(g->cyu))
		: 0;
	s->msg.cyu_string.p = (const uint8_t *)g->cyu;
	s->msg.cyu_string.len = n;
	s->msg.cyu_hash[0] = '\0';
	if (n > 0 && EVP_Digest(g->cyu, n, md, &mdlen, EVP_md5(), NULL) == 1 && mdlen == 16) {
		for (unsigned i = 0; i < 16; i++) {
			s->msg.cyu_hash[2 * i] = hex[md[i] >> 4];
			s->msg.cyu_hash[2 * i + 1] = hex[md[i] & 15];
		}
		s->msg.cyu_hash[32] = '\0';
	}
	s->msg.gquic = true;
	quic_emit(ctx, s, &g->tls);
}

/* The frames of a client's gQUIC packet in clear (or of a decrypted Q050 Initial): the STREAM
 * frames of stream 1 and Q050's CRYPTO frames are read; parsing stops at PADDING (which runs
 * to the end) and at any other frame but PING. */
static void
gquic_frames(struct app_ctx *ctx, struct quic_state *s, uint32_t version, const uint8_t *p,
	     size_t len)
{
	struct cursor c;
	uint8_t t, b;

	cur_init(&c, p, len);
	while (cur_u8(&c, &t) == 0) {
		size_t idl, offl, dl;
		uint32_t id = 0;
		uint16_t d16;

		if (t == 0x07) /* PING */
			continue;
		if (t == 0x08 && version >= GQUIC_Q050) { /* CRYPTO: offset, length (varints) */
			uint64_t o, l;

			if (cur_varint(&c, &o) != 0 || cur_varint(&c, &l) != 0 || l > cur_left(&c))
				goto bad;
			gquic_chlo(ctx, s, version, c.p, (size_t)l);
			c.p += l;
			continue;
		}
		if ((t & 0x80) == 0)
			return; /* PADDING (to the end), ACK, STOP_WAITING...: nothing more for us */
		idl = (size_t)(t & 3) + 1;
		offl = (t >> 2) & 7 ? (size_t)((t >> 2) & 7) + 1 : 0;
		for (size_t i = 0; i < idl; i++) {
			if (cur_u8(&c, &b) != 0)
				goto bad;
			id = id << 8 | b;
		}
		if (cur_skip(&c, offl) != 0)
			goto bad;
		if (t & 0x20) {
			if (cur_be16(&c, &d16) != 0)
				goto bad;
			dl = d16;
		} else {
			dl = cur_left(&c);
		}
		if (dl > cur_left(&c))
			goto bad;
		if (id == GQUIC_STREAM_CRYPTO)
			gquic_chlo(ctx, s, version, c.p, dl);
		c.p += dl;
	}
	return;
bad:
	quic_error(ctx);
}

static int quic_initial(struct app_ctx *ctx, struct quic_state *s, enum flow_dir dir,
			const struct quic_lhdr *h, const uint8_t *pkt, size_t len);

/* A datagram of a gQUIC connection. The client's packets that name their version carry
 * the hello in clear (up to Q046); the first without a version (or a Q046 short header)
 * ends what can be read. The server's packets are counted. */
static void
gquic_datagram(struct app_ctx *ctx, struct quic_state *s, enum flow_dir dir, const uint8_t *data,
	       size_t len)
{
	struct gquic_hdr h;

	quic_count(ctx, APP_QUIC_ST_GQUIC);
	if (dir != FLOW_TO_SERVER || len == 0)
		return;
	if (s->msg.version >= GQUIC_TAG('Q', '0', '4', '4') && (data[0] & 0x80) == 0) {
		s->done = true; /* a short header: encrypted from here */
		return;
	}
	if (gquic_read_hdr(data, len, &h) != 0)
		return;
	if (h.version == 0) {
		if ((data[0] & 0x80) == 0)
			s->done = true; /* the public header without version: the same */
		return;
	}
	s->msg.version = h.version;
	for (int i = 0; i < 4; i++)
		s->msg.version_raw[i] = (uint8_t)(h.version >> (24 - 8 * i));
	if (h.version == GQUIC_Q050 && (data[0] & 0x80)) { /* an IETF-form Initial, decrypted */
		struct quic_lhdr lh;

		if (quic_read_lhdr(data, len, true, &lh) != 0) {
			quic_error(ctx);
			return;
		}
		if (quic_ptype(lh.version, lh.first) == QUIC_PT_INITIAL) {
			quic_count(ctx, APP_QUIC_ST_INITIAL);
			(void)quic_initial(ctx, s, dir, &lh, data, len);
		}
		return;
	}
	if (!gquic_clear(h.version)) {
		quic_count(ctx, APP_QUIC_ST_GQUIC_ENCRYPTED);
		return;
	}
	if (h.initial)
		gquic_frames(ctx, s, h.version, data + h.frames, len - h.frames);
}

/* Derives the Initial keys from the client's Initial with header h. */
static int
quic_derive(struct quic_state *s, const struct quic_lhdr *h)
{
	struct app_quic_keys *k = s->keys;
	int r;

	if ((r = app_quic_initial_keys(h->version, h->dcid, h->dcid_len, &k[FLOW_TO_SERVER],
				       &k[FLOW_TO_CLIENT])) != 0)
		return r;
	s->have_keys = true;
	s->key_version = h->version;
	return 0;
}

/* One Initial packet at pkt (len bytes to the end of the datagram); its length in *used. */
static int
quic_initial(struct app_ctx *ctx, struct quic_state *s, enum flow_dir dir,
	     const struct quic_lhdr *h, const uint8_t *pkt, size_t len)
{
	uint8_t stack[QUIC_PKT_STACK], *out = stack;
	struct quic_crypto *d = &s->dir[dir];
	size_t plen = 0, used = 0;
	uint64_t pn = 0;
	int r;

	if (dir == FLOW_TO_SERVER) {
		if ((!s->have_keys || s->key_version != h->version) && quic_derive(s, h) != 0)
			return SW_E_UNSUPP;
		s->msg.version = h->version;
		for (int i = 0; i < 4; i++)
			s->msg.version_raw[i] = (uint8_t)(h->version >> (24 - 8 * i));
	}
	if (!s->have_keys || s->key_version != h->version || d->stopped)
		return SW_E_UNSUPP; /* the server's Initial without the client's: no keys */
	if (h->pkt_len > sizeof(stack) && (out = malloc(h->pkt_len)) == NULL)
		return SW_E_NOMEM;
	r = app_quic_open_initial(&s->keys[dir], h->version, pkt, len, d->largest_pn, out,
				  out == stack ? sizeof(stack) : h->pkt_len, &plen, &pn, &used);
	if (r == 0) {
		quic_count(ctx, APP_QUIC_ST_DECRYPTED);
		if ((int64_t)pn > d->largest_pn)
			d->largest_pn = (int64_t)pn;
		if (s->gquic) /* Q050: Google's frames */
			gquic_frames(ctx, s, h->version, out, plen);
		else if (quic_frames(ctx, s, dir, out, plen) != 0)
			quic_error(ctx);
	} else {
		quic_count(ctx, APP_QUIC_ST_DECRYPT_FAILED);
	}
	if (out != stack)
		free(out);
	return r;
}

/* A Retry: the client's next Initial uses the new Destination Connection ID, and new keys. */
static void
quic_retry(struct quic_state *s)
{
	s->have_keys = false;
	s->dir[FLOW_TO_SERVER].largest_pn = -1;
}

static void
quic_datagram(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data, size_t len)
{
	struct quic_state *s = state;
	struct cursor c;

	if (s == NULL || s->done || (dir != FLOW_TO_SERVER && dir != FLOW_TO_CLIENT))
		return;
	if (++s->datagrams > QUIC_MAX_DATAGRAMS) {
		quic_finish(ctx, s); /* what there is; nothing more is parsed */
		return;
	}
	if (s->gquic || (dir == FLOW_TO_SERVER && !s->have_keys && s->msg.initial == 0 &&
			 gquic_probe(data, len))) {
		s->gquic = true;
		gquic_datagram(ctx, s, dir, data, len);
		if (s->done)
			quic_finish(ctx, s);
		return;
	}
	cur_init(&c, data, len);
	while (cur_left(&c) > 0 && !s->done) {
		struct quic_lhdr h = {0};
		const uint8_t *pkt = c.p;
		uint8_t first = *c.p;
		uint32_t version;

		if ((first & 0x80) == 0) { /* a short header runs to the end of the datagram */
			s->msg.short_header++;
			break;
		}
		if (cur_left(&c) < 5)
			break;
		version = (uint32_t)pkt[1] << 24 | (uint32_t)pkt[2] << 16 | (uint32_t)pkt[3] << 8 |
			  pkt[4];
		if (version == 0) { /* Version Negotiation: the rest of the datagram */
			s->msg.version_negotiation++;
			quic_count(ctx, APP_QUIC_ST_VERSION_NEG);
			break;
		}
		/* the fixed bit (0x40) may be greased once the peer allowed it (RFC 9287) */
		if (!quic_version_known(version)) {
			/* Google QUIC, a draft we have no salt for, a greased version: not
			 * malformed, not readable. A client that starts so is left alone. */
			if (dir == FLOW_TO_SERVER && !s->have_keys)
				s->done = true;
			break;
		}
		switch (quic_ptype(version, first)) {
		case QUIC_PT_RETRY:
			s->msg.retry++;
			quic_count(ctx, APP_QUIC_ST_RETRY);
			if (dir == FLOW_TO_CLIENT)
				quic_retry(s);
			return;
		case QUIC_PT_INITIAL:
			if (quic_read_lhdr(pkt, cur_left(&c), true, &h) != 0) {
				quic_error(ctx);
				return;
			}
			s->msg.initial++;
			quic_count(ctx, APP_QUIC_ST_INITIAL);
			(void)quic_initial(ctx, s, dir, &h, pkt, cur_left(&c));
			break;
		case QUIC_PT_ZERO_RTT:
		case QUIC_PT_HANDSHAKE:
			if (quic_read_lhdr(pkt, cur_left(&c), false, &h) != 0) {
				quic_error(ctx);
				return;
			}
			if (quic_ptype(version, first) == QUIC_PT_HANDSHAKE) {
				s->msg.handshake++;
				quic_count(ctx, APP_QUIC_ST_HANDSHAKE);
			} else {
				s->msg.zero_rtt++;
				quic_count(ctx, APP_QUIC_ST_ZERO_RTT);
			}
			break;
		}
		if (cur_skip(&c, h.pkt_len) != 0)
			break;
	}
	bool done = false;

	(void)app_tls_quic_msg(s->tls, &done);
	if (done)
		quic_finish(ctx, s);
}

/* ---- the operations ---------------------------------------------------------------------- */

/* A gQUIC client's packet naming its version, or a client's Initial of a version we can
 * decrypt: long header, fixed bit (the client's first
 * Initial cannot grease it, RFC 9287 3), a DCID of at least 8 bytes (RFC 9000 7.2), and a
 * Length that fits. */
static bool
quic_probe(const uint8_t *data, size_t len, enum flow_dir dir)
{
	struct quic_lhdr h;

	if (dir == FLOW_TO_SERVER && gquic_probe(data, len))
		return true; /* Google QUIC */
	if (dir != FLOW_TO_SERVER || len < 7 || (data[0] & 0xc0) != 0xc0)
		return false;
	if (quic_read_lhdr(data, len, true, &h) != 0 || !quic_version_known(h.version))
		return false;
	return quic_ptype(h.version, h.first) == QUIC_PT_INITIAL && h.dcid_len >= 8 &&
	       h.pkt_len >= h.pn_off + 4 + 16;
}

static void *
quic_state_new(struct sw_memcap *mem)
{
	struct quic_state *s;

	if ((s = app_state_alloc(mem, sizeof(*s))) == NULL)
		return NULL;
	s->mem = mem;
	if ((s->tls = app_tls_quic_new(mem)) == NULL) {
		free(s);
		sw_memcap_give(mem, sizeof(*s));
		return NULL;
	}
	s->dir[0].largest_pn = s->dir[1].largest_pn = -1;
	return s;
}

static void
quic_state_free(void *state)
{
	struct quic_state *s = state;

	if (s == NULL)
		return;
	for (int d = 0; d < 2; d++)
		quic_crypto_free(s, &s->dir[d]);
	app_tls_quic_free(s->tls);
	gquic_free(s);
	sw_memcap_give(s->mem, sizeof(*s));
	free(s);
}

static void
quic_flow_end(struct app_ctx *ctx, void *state)
{
	struct quic_state *s = state;

	if (s != NULL)
		quic_finish(ctx, s);
}

const struct app_parser_ops app_parser_quic = {
    .name = "quic",
    .id = APP_QUIC,
    .rule_names = APP_NAMES("quic"),
    .probe = quic_probe,
    .state_new = quic_state_new,
    .state_free = quic_state_free,
    .stream = NULL,
    .datagram = quic_datagram,
    .flow_end = quic_flow_end,
};

static const char *const quic_stat_names[APP_QUIC_ST_MAX] = {
    [APP_QUIC_ST_INITIAL] = "initial",
    [APP_QUIC_ST_ZERO_RTT] = "zero_rtt",
    [APP_QUIC_ST_HANDSHAKE] = "handshake",
    [APP_QUIC_ST_RETRY] = "retry",
    [APP_QUIC_ST_VERSION_NEG] = "version_negotiation",
    [APP_QUIC_ST_DECRYPTED] = "decrypted",
    [APP_QUIC_ST_DECRYPT_FAILED] = "decrypt_failed",
    [APP_QUIC_ST_CRYPTO_REFUSED] = "crypto_refused",
    [APP_QUIC_ST_GQUIC] = "gquic",
    [APP_QUIC_ST_GQUIC_CHLO] = "gquic_chlo",
    [APP_QUIC_ST_GQUIC_ENCRYPTED] = "gquic_encrypted",
};

const char *
app_quic_stat_name(int stat)
{
	return stat >= 0 && stat < APP_QUIC_ST_MAX ? quic_stat_names[stat] : NULL;
}

/* ---- descriptor: the quic event, buffers and observables -------------------------------- */

/* The version as Suricata writes it: lower-case hex ("1", "ff00001d", "6b3343cf", Q050's
 * "51303530"), but Q039 and Q043 to Q046 by name ("Q046"). */
static const char *
quic_version_text(uint32_t v, char *buf, size_t size)
{
	if (v == GQUIC_TAG('Q', '0', '3', '9') ||
	    (v >= GQUIC_TAG('Q', '0', '4', '3') && v <= GQUIC_TAG('Q', '0', '4', '6')))
		snprintf(buf, size, "%c%c%c%c", (char)(v >> 24), (char)(v >> 16), (char)(v >> 8),
			 (char)v);
	else
		snprintf(buf, size, "%x", v);
	return buf;
}

static void
quic_eve(struct jw *w, const struct app_msg *msg, bool in_alert)
{
	const struct app_quic_msg *q = msg->u.quic;
	const struct app_tls_msg *t = q->tls;
	char v[16];

	(void)in_alert;
	jw_obj_begin(w, "quic");
	if (q->version != 0)
		jw_str(w, "version", quic_version_text(q->version, v, sizeof(v)));
	if (t->sni.len > 0)
		jw_strn(w, "sni", t->sni.p, t->sni.len);
	if (q->ua.len > 0)
		jw_strn(w, "ua", q->ua.p, q->ua.len);
	if (q->cyu_hash[0] != '\0') {
		jw_arr_begin(w, "cyu");
		jw_obj_begin(w, NULL);
		jw_str(w, "hash", q->cyu_hash);
		jw_strn(w, "string", q->cyu_string.p, q->cyu_string.len);
		jw_obj_end(w);
		jw_arr_end(w);
	}
	if (t->ja4[0] != '\0')
		jw_str(w, "ja4", t->ja4);
	if (t->ja4s[0] != '\0')
		jw_str(w, "ja4s", t->ja4s);
	if (t->ja3_hash[0] != '\0') {
		jw_obj_begin(w, "ja3");
		jw_str(w, "hash", t->ja3_hash);
		jw_strn(w, "string", t->ja3.p, t->ja3.len);
		jw_obj_end(w);
	}
	if (t->ja3s_hash[0] != '\0') {
		jw_obj_begin(w, "ja3s");
		jw_str(w, "hash", t->ja3s_hash);
		jw_strn(w, "string", t->ja3s.p, t->ja3s.len);
		jw_obj_end(w);
	}
	if (t->nalpn > 0 && !t->server_hello) {
		jw_arr_begin(w, "alpn");
		for (uint8_t i = 0; i < t->nalpn && i < 8; i++)
			jw_strn(w, NULL, t->alpn[i].p, t->alpn[i].len);
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

/* The SNI and the client's JA3 and JA4, as a TLS handshake's: indicators see QUIC as TLS. */
static void
quic_observables(const struct app_msg *msg, app_observable_fn *fn, void *arg)
{
	const struct app_tls_msg *t = msg->u.quic->tls;
	struct app_observable o = {.dir = FLOW_TO_SERVER};

	if (t->sni.len > 0) {
		o.type = APP_OBS_DOMAIN, o.where = "tls.sni";
		o.value = t->sni.p, o.len = t->sni.len;
		fn(arg, &o);
	}
	if (t->ja3_hash[0] != '\0') {
		o.type = APP_OBS_JA3, o.where = "tls.ja3";
		o.value = (const uint8_t *)t->ja3_hash, o.len = strlen(t->ja3_hash);
		fn(arg, &o);
	}
	if (t->ja4[0] != '\0') {
		o.type = APP_OBS_JA4, o.where = "tls.ja4";
		o.value = (const uint8_t *)t->ja4, o.len = strlen(t->ja4);
		fn(arg, &o);
	}
	if (t->ja4s[0] != '\0') {
		o.type = APP_OBS_JA4S, o.where = "tls.ja4s", o.dir = FLOW_TO_CLIENT;
		o.value = (const uint8_t *)t->ja4s, o.len = strlen(t->ja4s);
		fn(arg, &o);
	}
}

APP_BUFFER_GETTER(quic_buf_sni, struct app_quic_msg, quic, quic->tls->sni)
APP_BUFFER_GETTER(quic_buf_ua, struct app_quic_msg, quic, quic->ua)
APP_BUFFER_GETTER(quic_buf_cyu_hash, struct app_quic_msg, quic, app_buf_text(quic->cyu_hash))
APP_BUFFER_GETTER(quic_buf_cyu_string, struct app_quic_msg, quic, quic->cyu_string)

static int
quic_buf_version(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	(void)scratch;
	(void)size;
	if (m->u.quic->version == 0)
		return SW_E_NOTFOUND;
	out->p = m->u.quic->version_raw;
	out->len = 4;
	return 0;
}

/* The TLS handshake the Initials carried, as a TLS message: tls.sni, ja3.hash, ja4.hash ...
 * read QUIC's hellos as they read TLS's. */
static void
quic_view(const struct app_msg *m, struct app_msg *out)
{
	*out = *m;
	out->kind = APP_MSG_TLS;
	out->u.tls = m->u.quic->tls;
}

static const struct app_buffer_desc quic_buffers[] = {
    {"quic.sni", NULL, NULL, FLOW_TO_SERVER, quic_buf_sni},
    {"quic.version", NULL, NULL, -1, quic_buf_version},
    {"quic.ua", NULL, NULL, FLOW_TO_SERVER, quic_buf_ua},
    {"quic.cyu.hash", NULL, NULL, FLOW_TO_SERVER, quic_buf_cyu_hash},
    {"quic.cyu.string", NULL, NULL, FLOW_TO_SERVER, quic_buf_cyu_string},
};

const struct app_msg_desc app_desc_quic = {
    .kind = APP_MSG_QUIC,
    .name = "quic",
    .proto = APP_QUIC,
    .one_way = false,
    .buffers = quic_buffers,
    .nbuffers = sizeof(quic_buffers) / sizeof(quic_buffers[0]),
    .eve = quic_eve,
    .observables = quic_observables,
    .serves = &app_desc_tls,
    .view = quic_view,
};
