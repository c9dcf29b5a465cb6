/* tests/unit/app/test_quic.c: unit tests of the QUIC Initial parser (RFC 9000, 9001, 9369). */
/*
 * Key derivation and packet protection against the test vectors of RFC 9001 appendix A (v1:
 * the keys of A.1, the client Initial of A.2, the server Initial of A.3), RFC 9369 appendix A
 * (v2: the keys of A.1 and the server Initial of A.3) and draft-ietf-quic-tls-29 appendix A
 * (the draft-29 server keys), byte for byte; then the parser on Initials built from the RFC's
 * ClientHello and ServerHello: coalesced, split and reordered CRYPTO frames, and hostile input
 * (truncated, corrupted, far-ahead offsets, huge lengths), whose only effect is counters.
 * Google QUIC: CHLO messages (the CYU test vector of Suricata's tests, truncated messages, end
 * offsets out of order or past the end, huge entry counts, tags that are not text), Q043
 * packets through the parser (every truncation), T051 counted only, app.memcap.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "unit.h"

static size_t
unhex(const char *h, uint8_t *out, size_t room)
{
	size_t n = 0;

	while (h[0] != '\0' && n < room) {
		unsigned v = 0;

		if (h[0] == ' ' || h[0] == '\n') {
			h++;
			continue;
		}
		for (int i = 0; i < 2; i++) {
			char ch = h[i];

			v = v << 4 | (unsigned)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
		}
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static bool
eq_hex(const uint8_t *p, size_t n, const char *want)
{
	uint8_t w[2048];
	size_t wn = unhex(want, w, sizeof(w));

	return wn == n && memcmp(p, w, n) == 0;
}

static const char rfc_dcid[] = "8394c8f03e515708";

/* RFC 9001 A.2: the client's CRYPTO frame (a ClientHello for example.com), padded to 1162. */
static const char client_crypto[] =
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff";
/* ... and the first 320 bytes of the protected packet */
static const char client_protected_head[] =
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c";

/* RFC 9001 A.3 and RFC 9369 A.3: the server's ACK and CRYPTO (ServerHello) frames. */
static const char server_frames[] =
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
    "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
    "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
    "020304";
static const char server_v1_protected[] =
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
    "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
    "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
    "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
    "2158407dd074ee";
static const char server_v2_protected[] =
    "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698"
    "baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17"
    "f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2"
    "c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8"
    "4bed8521e2e140";

static void
test_keys(void)
{
	struct app_quic_keys c, s;
	uint8_t dcid[8];

	unhex(rfc_dcid, dcid, sizeof(dcid));
	UNIT_CHECK(app_quic_initial_keys(APP_QUIC_V1, dcid, 8, &c, &s) == 0, "v1: keys derived");
	UNIT_CHECK(eq_hex(c.secret, 32, "c00cf151ca5be075ed0ebfb5c80323c4"
					"2d6b7db67881289af4008f1f6c357aea"),
		   "v1: client_initial_secret (RFC 9001 A.1)");
	UNIT_CHECK(eq_hex(c.key, 16, "1f369613dd76d5467730efcbe3b1a22d"), "v1: client key");
	UNIT_CHECK(eq_hex(c.iv, 12, "fa044b2f42a3fd3b46fb255c"), "v1: client iv");
	UNIT_CHECK(eq_hex(c.hp, 16, "9f50449e04a0e810283a1e9933adedd2"), "v1: client hp");
	UNIT_CHECK(eq_hex(s.secret, 32, "3c199828fd139efd216c155ad844cc81"
					"fb82fa8d7446fa7d78be803acdda951b"),
		   "v1: server_initial_secret");
	UNIT_CHECK(eq_hex(s.key, 16, "cf3a5331653c364c88f0f379b6067e37"), "v1: server key");
	UNIT_CHECK(eq_hex(s.iv, 12, "0ac1493ca1905853b0bba03e"), "v1: server iv");
	UNIT_CHECK(eq_hex(s.hp, 16, "c206b8d9b9f0f37644430b490eeaa314"), "v1: server hp");

	UNIT_CHECK(app_quic_initial_keys(APP_QUIC_V2, dcid, 8, &c, &s) == 0, "v2: keys derived");
	UNIT_CHECK(eq_hex(c.secret, 32, "14ec9d6eb9fd7af83bf5a668bc17a7e2"
					"83766aade7ecd0891f70f9ff7f4bf47b"),
		   "v2: client_initial_secret (RFC 9369 A.1)");
	UNIT_CHECK(eq_hex(c.key, 16, "8b1a0bc121284290a29e0971b5cd045d"), "v2: client key");
	UNIT_CHECK(eq_hex(c.iv, 12, "91f73e2351d8fa91660e909f"), "v2: client iv");
	UNIT_CHECK(eq_hex(c.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9"), "v2: client hp");
	UNIT_CHECK(eq_hex(s.secret, 32, "0263db1782731bf4588e7e4d93b74639"
					"07cb8cd8200b5da55a8bd488eafc37c1"),
		   "v2: server_initial_secret");
	UNIT_CHECK(eq_hex(s.key, 16, "82db637861d55e1d011f19ea71d5d2a7"), "v2: server key");
	UNIT_CHECK(eq_hex(s.iv, 12, "dd13c276499c0249d3310652"), "v2: server iv");
	UNIT_CHECK(eq_hex(s.hp, 16, "edf6d05c83121201b436e16877593c3a"), "v2: server hp");

	UNIT_CHECK(app_quic_initial_keys(APP_QUIC_DRAFT29, dcid, 8, &c, &s) == 0,
		   "draft-29: keys derived");
	UNIT_CHECK(eq_hex(s.secret, 32, "006f881359244dd9ad1acf85f595bad6"
					"7c13f9f5586f5e64e1acae1d9ea8f616"),
		   "draft-29: server_initial_secret (draft-ietf-quic-tls-29 A.1)");
	UNIT_CHECK(eq_hex(s.key, 16, "149d0b1662ab871fbe63c49b5e655a5d"), "draft-29: server key");
	UNIT_CHECK(eq_hex(s.iv, 12, "bab2b12a4c76016ace47856d"), "draft-29: server iv");
	UNIT_CHECK(eq_hex(s.hp, 16, "c0c499a65a60024a18a250974ea01dfa"), "draft-29: server hp");

	UNIT_CHECK(app_quic_initial_keys(0xff000020u, dcid, 8, &c, &s) == SW_E_UNSUPP,
		   "unknown version: no salt");
	UNIT_CHECK(app_quic_initial_keys(APP_QUIC_V1, dcid, 21, &c, &s) == SW_E_INVAL,
		   "a DCID over 20 bytes is refused");
}

/* The RFC's client Initial (A.2), sealed here: 1200 bytes. */
static size_t
rfc_client_initial(uint32_t version, uint8_t *pkt, size_t room)
{
	struct app_quic_keys c, s;
	uint8_t dcid[8], hdr[64], payload[1162];
	size_t hl;

	unhex(rfc_dcid, dcid, sizeof(dcid));
	memset(payload, 0, sizeof(payload));
	unhex(client_crypto, payload, sizeof(payload));
	hl = unhex("c300000001088394c8f03e5157080000449e00000002", hdr, sizeof(hdr));
	if (version == APP_QUIC_V2)
		hdr[0] = 0xd3; /* Initial is type 1 in v2 */
	for (int i = 0; i < 4; i++)
		hdr[1 + i] = (uint8_t)(version >> (24 - 8 * i));
	if (app_quic_initial_keys(version, dcid, 8, &c, &s) != 0 ||
	    app_quic_seal_initial(&c, hdr, hl, 4, 2, payload, sizeof(payload), pkt, room) != 0)
		return 0;
	return hl + sizeof(payload) + 16;
}

static void
test_protection(void)
{
	struct app_quic_keys c, s;
	uint8_t dcid[8], pkt[1500], out[1500], hdr[64], frames[256], want[256];
	size_t n, hl, fl, plen = 0, used = 0;
	uint64_t pn = 0;

	unhex(rfc_dcid, dcid, sizeof(dcid));
	app_quic_initial_keys(APP_QUIC_V1, dcid, 8, &c, &s);

	/* A.2: the client Initial */
	n = rfc_client_initial(APP_QUIC_V1, pkt, sizeof(pkt));
	UNIT_CHECK(n == 1200, "v1 client Initial: sealed to 1200 bytes");
	UNIT_CHECK(eq_hex(pkt, 320, client_protected_head),
		   "v1 client Initial: protected header and payload as RFC 9001 A.2");
	UNIT_CHECK(app_quic_open_initial(&c, APP_QUIC_V1, pkt, n, -1, out, sizeof(out), &plen, &pn,
					 &used) == 0 &&
		       plen == 1162 && pn == 2 && used == 1200,
		   "v1 client Initial: opened, packet number 2");
	UNIT_CHECK(eq_hex(out, 245, client_crypto), "v1 client Initial: the CRYPTO frame back");
	UNIT_CHECK(app_quic_open_initial(&s, APP_QUIC_V1, pkt, n, -1, out, sizeof(out), &plen, &pn,
					 &used) == SW_E_RANGE,
		   "v1 client Initial: the server's keys do not open it");
	pkt[600] ^= 1;
	UNIT_CHECK(app_quic_open_initial(&c, APP_QUIC_V1, pkt, n, -1, out, sizeof(out), &plen, &pn,
					 &used) == SW_E_RANGE,
		   "v1 client Initial: one flipped bit fails authentication");

	/* A.3: the server Initial, v1 and v2 */
	fl = unhex(server_frames, frames, sizeof(frames));
	hl = unhex("c1000000010008f067a5502a4262b50040750001", hdr, sizeof(hdr));
	UNIT_CHECK(app_quic_seal_initial(&s, hdr, hl, 2, 1, frames, fl, pkt, sizeof(pkt)) == 0 &&
		       eq_hex(pkt, hl + fl + 16, server_v1_protected),
		   "v1 server Initial: sealed as RFC 9001 A.3, byte for byte");
	n = unhex(server_v1_protected, want, sizeof(want));
	UNIT_CHECK(app_quic_open_initial(&s, APP_QUIC_V1, want, n, -1, out, sizeof(out), &plen, &pn,
					 &used) == 0 &&
		       pn == 1 && used == n && plen == fl && memcmp(out, frames, fl) == 0,
		   "v1 server Initial: RFC 9001 A.3 opened to its frames");

	app_quic_initial_keys(APP_QUIC_V2, dcid, 8, &c, &s);
	hl = unhex("d16b3343cf0008f067a5502a4262b50040750001", hdr, sizeof(hdr));
	UNIT_CHECK(app_quic_seal_initial(&s, hdr, hl, 2, 1, frames, fl, pkt, sizeof(pkt)) == 0 &&
		       eq_hex(pkt, hl + fl + 16, server_v2_protected),
		   "v2 server Initial: sealed as RFC 9369 A.3, byte for byte");
	n = unhex(server_v2_protected, want, sizeof(want));
	UNIT_CHECK(app_quic_open_initial(&s, APP_QUIC_V2, want, n, -1, out, sizeof(out), &plen, &pn,
					 &used) == 0 &&
		       pn == 1 && plen == fl && memcmp(out, frames, fl) == 0,
		   "v2 server Initial: RFC 9369 A.3 opened to its frames");
	UNIT_CHECK(app_quic_open_initial(&s, APP_QUIC_V1, want, n, -1, out, sizeof(out), &plen, &pn,
					 &used) == SW_E_INVAL,
		   "v2 server Initial: not a v1 packet");

	/* truncated: every cut of the client Initial fails cleanly */
	n = rfc_client_initial(APP_QUIC_V1, pkt, sizeof(pkt));
	app_quic_initial_keys(APP_QUIC_V1, dcid, 8, &c, &s);
	{
		int ok = 0;

		for (size_t cut = 0; cut < n; cut++)
			ok += app_quic_open_initial(&c, APP_QUIC_V1, pkt, cut, -1, out, sizeof(out),
						    &plen, &pn, &used) != 0;
		UNIT_CHECK(ok == (int)n, "every truncated client Initial is refused");
	}
}

/* ---- the parser ------------------------------------------------------------------------- */

struct run {
	struct app_stats st;
	struct app_ctx ctx;
	void *state;
	int n;
	char sni[256], ja3[1024], ja3s[256], ua[256];
	char cyu[APP_GQUIC_CYU_MAX + 1], cyu_hash[33];
	uint32_t version;
	uint32_t handshake, retry, vn;
};

static void
copy_buf(char *dst, size_t size, struct app_buf b)
{
	size_t n = b.len < size - 1 ? b.len : size - 1;

	if (n > 0) /* an absent field is {NULL, 0} */
		memcpy(dst, b.p, n);
	dst[n] = '\0';
}

static void
on_msg(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	struct run *r = arg;
	const struct app_quic_msg *q = m->u.quic;

	(void)f;
	r->n++;
	if (m->kind != APP_MSG_QUIC)
		return;
	copy_buf(r->sni, sizeof(r->sni), q->tls->sni);
	copy_buf(r->ja3, sizeof(r->ja3), q->tls->ja3);
	copy_buf(r->ja3s, sizeof(r->ja3s), q->tls->ja3s);
	copy_buf(r->ua, sizeof(r->ua), q->ua);
	copy_buf(r->cyu, sizeof(r->cyu), q->cyu_string);
	memcpy(r->cyu_hash, q->cyu_hash, sizeof(r->cyu_hash));
	r->version = q->version;
	r->handshake = q->handshake;
	r->retry = q->retry;
	r->vn = q->version_negotiation;
}

static void
run_start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->ctx.emit = on_msg;
	r->ctx.arg = r;
	r->ctx.st = &r->st;
	r->ctx.ts = 1000;
	r->state = app_parser_quic.state_new(NULL);
}

static void
run_end(struct run *r)
{
	app_parser_quic.flow_end(&r->ctx, r->state);
	app_parser_quic.state_free(r->state);
	r->state = NULL;
}

static void
dgram(struct run *r, enum flow_dir dir, const uint8_t *p, size_t n)
{
	app_parser_quic.datagram(&r->ctx, r->state, dir, p, n);
}

static uint64_t
stat(const struct run *r, enum app_quic_stat s)
{
	return sw_counter_get(&r->st.quic[s]);
}

/* An Initial of version from the client (dir FLOW_TO_SERVER: DCID rfc_dcid) or the server
 * (SCID f067a5502a4262b5, as RFC 9001 A.3), packet number pn, frames. */
static size_t
build_initial(uint32_t version, enum flow_dir dir, uint64_t pn, const uint8_t *frames, size_t fl,
	      uint8_t *out, size_t room)
{
	struct app_quic_keys k[2];
	uint8_t dcid[8], hdr[64], payload[1300];
	size_t hl = 0, pl = fl;

	unhex(rfc_dcid, dcid, sizeof(dcid));
	if (app_quic_initial_keys(version, dcid, 8, &k[0], &k[1]) != 0 || fl > sizeof(payload))
		return 0;
	memcpy(payload, frames, fl);
	if (pl < 20) { /* room for the header-protection sample */
		memset(payload + pl, 0, 20 - pl);
		pl = 20;
	}
	hdr[hl++] = (uint8_t)(0xc1 | (version == APP_QUIC_V2 ? 0x10 : 0x00)); /* 2-byte pn */
	for (int i = 0; i < 4; i++)
		hdr[hl++] = (uint8_t)(version >> (24 - 8 * i));
	if (dir == FLOW_TO_SERVER) { /* DCID the RFC's, no SCID */
		hdr[hl++] = 8;
		memcpy(hdr + hl, dcid, 8);
		hl += 8;
		hdr[hl++] = 0;
	} else { /* no DCID, SCID the RFC server's */
		hdr[hl++] = 0;
		hdr[hl++] = 8;
		unhex("f067a5502a4262b5", hdr + hl, 8);
		hl += 8;
	}
	hdr[hl++] = 0; /* no token */
	hdr[hl++] = (uint8_t)(0x40 | (pl + 2 + 16) >> 8);
	hdr[hl++] = (uint8_t)(pl + 2 + 16);
	hdr[hl++] = (uint8_t)(pn >> 8);
	hdr[hl++] = (uint8_t)pn;
	if (app_quic_seal_initial(&k[dir == FLOW_TO_SERVER ? 0 : 1], hdr, hl, 2, pn, payload, pl,
				  out, room) != 0)
		return 0;
	return hl + pl + 16;
}

/* A CRYPTO frame with data[off, off + n) of the ClientHello (the RFC's, 241 bytes). */
static size_t
crypto_frame(const uint8_t *hello, uint64_t off, size_t n, uint8_t *out)
{
	size_t k = 0;

	out[k++] = 0x06;
	out[k++] = (uint8_t)(0x40 | off >> 8);
	out[k++] = (uint8_t)off;
	out[k++] = (uint8_t)(0x40 | n >> 8);
	out[k++] = (uint8_t)n;
	memcpy(out + k, hello + off, n);
	return k + n;
}

static const char rfc_ja3[] = "771,4865-4866,0-65281-10-16-5-51-43-13-45-28-57,29-23-24,";

static void
test_parser(void)
{
	struct run r;
	uint8_t pkt[1500], srv[512], sframes[256], cframes[300], hello[300], f[1300];
	size_t n, sn, fl, hl;

	/* the RFC's client and server Initials */
	n = rfc_client_initial(APP_QUIC_V1, pkt, sizeof(pkt));
	sn = unhex(server_v1_protected, srv, sizeof(srv));
	UNIT_CHECK(app_parser_quic.probe(pkt, n, FLOW_TO_SERVER), "probe: the client's Initial");
	UNIT_CHECK(!app_parser_quic.probe(pkt, n, FLOW_TO_CLIENT), "probe: not from the server");
	UNIT_CHECK(!app_parser_quic.probe(srv, sn, FLOW_TO_SERVER),
		   "probe: the server's Initial (DCID of 0 bytes) is no client's");
	run_start(&r);
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(r.n == 0, "v1: nothing emitted before the ServerHello");
	dgram(&r, FLOW_TO_CLIENT, srv, sn);
	UNIT_CHECK(r.n == 1, "v1: one message after the ServerHello");
	UNIT_CHECK_STR(r.sni, "example.com", "v1: SNI");
	UNIT_CHECK_STR(r.ja3, rfc_ja3, "v1: JA3 string");
	UNIT_CHECK_STR(r.ja3s, "771,4865,51-43", "v1: JA3S string");
	UNIT_CHECK(r.version == APP_QUIC_V1, "v1: version");
	UNIT_CHECK(stat(&r, APP_QUIC_ST_DECRYPTED) == 2 && stat(&r, APP_QUIC_ST_INITIAL) == 2,
		   "v1: two Initials decrypted");
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(stat(&r, APP_QUIC_ST_INITIAL) == 2, "v1: nothing parsed after the message");
	run_end(&r);
	UNIT_CHECK(r.n == 1, "v1: nothing more at flow end");

	/* v2: the client's Initial sealed with v2 keys, the RFC 9369 server Initial */
	n = rfc_client_initial(APP_QUIC_V2, pkt, sizeof(pkt));
	sn = unhex(server_v2_protected, srv, sizeof(srv));
	UNIT_CHECK(app_parser_quic.probe(pkt, n, FLOW_TO_SERVER), "probe: a v2 Initial");
	run_start(&r);
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	dgram(&r, FLOW_TO_CLIENT, srv, sn);
	UNIT_CHECK(r.n == 1 && strcmp(r.sni, "example.com") == 0 && r.version == APP_QUIC_V2 &&
		       strcmp(r.ja3s, "771,4865,51-43") == 0,
		   "v2: SNI, version and JA3S");
	run_end(&r);

	/* the ClientHello in three CRYPTO frames over two packets, the later part first;
	 * draft-29 keys; the server's Initial coalesced with a Handshake packet */
	fl = unhex(client_crypto, cframes, sizeof(cframes));
	memcpy(hello, cframes + 4, fl - 4); /* the frame's header is 06 00 40f1 */
	hl = fl - 4;
	{
		size_t a = crypto_frame(hello, 100, 80, f);

		a += crypto_frame(hello, 180, hl - 180, f + a);
		n = build_initial(APP_QUIC_DRAFT29, FLOW_TO_SERVER, 1, f, a, pkt, sizeof(pkt));
		run_start(&r);
		dgram(&r, FLOW_TO_SERVER, pkt, n);
		a = crypto_frame(hello, 0, 100, f);
		n = build_initial(APP_QUIC_DRAFT29, FLOW_TO_SERVER, 0, f, a, pkt, sizeof(pkt));
		dgram(&r, FLOW_TO_SERVER, pkt, n);
		fl = unhex(server_frames, sframes, sizeof(sframes));
		sn = build_initial(APP_QUIC_DRAFT29, FLOW_TO_CLIENT, 0, sframes, fl, srv,
				   sizeof(srv));
		/* a Handshake packet after it in the same datagram: type 2, Length 20 */
		memcpy(srv + sn,
		       "\xe0\xff\x00\x00\x1d\x00\x00\x14xxxxxxxxxxxxxxxxxxxx", 8 + 20);
		dgram(&r, FLOW_TO_CLIENT, srv, sn + 28);
		UNIT_CHECK(r.n == 1 && strcmp(r.sni, "example.com") == 0 &&
			       strcmp(r.ja3, rfc_ja3) == 0 && r.version == APP_QUIC_DRAFT29,
			   "draft-29: ClientHello split and reordered over two Initials");
		UNIT_CHECK(r.handshake == 1 && stat(&r, APP_QUIC_ST_HANDSHAKE) == 1,
			   "coalesced: the Handshake packet after the server's Initial counted");
		run_end(&r);
	}

	/* the hello in 10-byte frames, last first, 6 frames a packet: one range grows down */
	run_start(&r);
	for (size_t end = hl, pn = 0; end > 0; pn++) {
		size_t a = 0;

		for (int i = 0; i < 6 && end > 0; i++) {
			size_t off = end > 10 ? end - 10 : 0;

			a += crypto_frame(hello, off, end - off, f + a);
			end = off;
		}
		n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, pn, f, a, pkt, sizeof(pkt));
		dgram(&r, FLOW_TO_SERVER, pkt, n);
	}
	run_end(&r);
	UNIT_CHECK(r.n == 1 && strcmp(r.ja3, rfc_ja3) == 0 && stat(&r, APP_QUIC_ST_CRYPTO_REFUSED) == 0,
		   "the hello in 25 frames, last first: reassembled");
	/* 17 pieces with holes between them: the 17th has no room */
	run_start(&r);
	{
		size_t a = 0;

		for (size_t i = 0; i < 17; i++)
			a += crypto_frame(hello, 10 + 12 * i, 10, f + a);
		n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, 0, f, a, pkt, sizeof(pkt));
		dgram(&r, FLOW_TO_SERVER, pkt, n);
	}
	run_end(&r);
	UNIT_CHECK(r.n == 0 && stat(&r, APP_QUIC_ST_CRYPTO_REFUSED) == 1,
		   "17 disjoint pieces: 16 held, one refused");

	/* only the client: the message comes at flow end */
	n = rfc_client_initial(APP_QUIC_V1, pkt, sizeof(pkt));
	run_start(&r);
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	run_end(&r);
	UNIT_CHECK(r.n == 1 && strcmp(r.sni, "example.com") == 0 && r.ja3s[0] == '\0',
		   "client only: emitted at flow end");

	/* the google_user_agent transport parameter */
	{
		uint8_t h2[400], fr[420];
		size_t k = 0, a;
		static const char ua[] = "Chrome/120 Linux x86_64";

		/* the RFC's hello with one more transport parameter at the end */
		memcpy(h2, hello, hl);
		k = hl;
		/* 0x3129 as a 2-byte varint 0x7129, then its length and the text */
		h2[k++] = 0x71;
		h2[k++] = 0x29;
		h2[k++] = (uint8_t)strlen(ua);
		memcpy(h2 + k, ua, strlen(ua));
		k += strlen(ua);
		{
			size_t grow = k - hl;
			uint32_t mlen = (uint32_t)(h2[1] << 16 | h2[2] << 8 | h2[3]) + (uint32_t)grow;
			/* message length, extensions length, transport parameters length */
			h2[2] = (uint8_t)(mlen >> 8);
			h2[3] = (uint8_t)mlen;
			/* extensions length at 4+2+32+1+0+2+4+2 = 47 */
			uint16_t el = (uint16_t)(h2[47] << 8 | h2[48]);
			el = (uint16_t)(el + grow);
			h2[47] = (uint8_t)(el >> 8);
			h2[48] = (uint8_t)el;
			/* the transport parameters extension (type 0x39) is the last: its length
			 * is 2 bytes before its body, which starts at hl - 50 */
			uint16_t tl = (uint16_t)(h2[hl - 52] << 8 | h2[hl - 51]);
			tl = (uint16_t)(tl + grow);
			h2[hl - 52] = (uint8_t)(tl >> 8);
			h2[hl - 51] = (uint8_t)tl;
		}
		a = crypto_frame(h2, 0, k, fr);
		n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, 0, fr, a, pkt, sizeof(pkt));
		run_start(&r);
		dgram(&r, FLOW_TO_SERVER, pkt, n);
		run_end(&r);
		UNIT_CHECK_STR(r.ua, ua, "google_user_agent transport parameter as ua");
		UNIT_CHECK_STR(r.sni, "example.com", "... and the SNI of that hello");
	}
}

/* A HelloRetryRequest (RFC 8446 4.1.4): the first ClientHello and the HRR are one message,
 * the second ClientHello and the ServerHello another. */
static void
test_hrr(void)
{
	static const char hrr_random[] =
	    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";
	struct run r;
	uint8_t pkt[1500], f[600], hello[300], cframes[300], sframes[256], hrr[64];
	size_t n, a, fl, sl, hl, k = 0;

	fl = unhex(client_crypto, cframes, sizeof(cframes));
	memcpy(hello, cframes + 4, fl - 4);
	hl = fl - 4;
	sl = unhex(server_frames, sframes, sizeof(sframes)); /* ACK (5), CRYPTO header (4), SH */
	/* the HRR: ServerHello with the special random, key_share naming x25519 */
	hrr[k++] = 2;
	hrr[k++] = 0;
	hrr[k++] = 0;
	hrr[k++] = 52;
	hrr[k++] = 3;
	hrr[k++] = 3;
	k += unhex(hrr_random, hrr + k, 32);
	memcpy(hrr + k, "\x00\x13\x01\x00\x00\x0c\x00\x33\x00\x02\x00\x1d\x00\x2b\x00\x02\x03\x04", 18);
	k += 18;

	run_start(&r);
	a = crypto_frame(hello, 0, hl, f);
	n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, 0, f, a, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	a = crypto_frame(hrr, 0, k, f);
	n = build_initial(APP_QUIC_V1, FLOW_TO_CLIENT, 0, f, a, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_CLIENT, pkt, n);
	UNIT_CHECK(r.n == 1 && strcmp(r.sni, "example.com") == 0 && r.ja3s[0] != '\0',
		   "HRR: the first hello and the HelloRetryRequest are one message");
	/* the second ClientHello follows the first in the client's CRYPTO stream */
	a = 0;
	f[a++] = 0x06;
	f[a++] = (uint8_t)(0x40 | hl >> 8);
	f[a++] = (uint8_t)hl;
	f[a++] = (uint8_t)(0x40 | hl >> 8);
	f[a++] = (uint8_t)hl;
	memcpy(f + a, hello, hl);
	a += hl;
	n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, 1, f, a, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	/* the ServerHello after the HRR in the server's */
	a = 0;
	f[a++] = 0x06;
	f[a++] = (uint8_t)(0x40 | k >> 8);
	f[a++] = (uint8_t)k;
	memcpy(f + a, sframes + 7, sl - 7); /* length 405a and the ServerHello */
	a += sl - 7;
	n = build_initial(APP_QUIC_V1, FLOW_TO_CLIENT, 1, f, a, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_CLIENT, pkt, n);
	UNIT_CHECK(r.n == 2 && strcmp(r.sni, "example.com") == 0 &&
		       strcmp(r.ja3s, "771,4865,51-43") == 0 &&
		       sw_counter_get(&r.st.messages[APP_QUIC]) == 2,
		   "HRR: the second hello and the ServerHello are another");
	run_end(&r);
	UNIT_CHECK(r.n == 2 && sw_counter_get(&r.st.errors[APP_QUIC]) == 0,
		   "HRR: nothing more at flow end, no error");

	/* a client that says hello again and again: at most four messages */
	run_start(&r);
	for (int i = 0; i < 8; i++) {
		uint64_t off = (uint64_t)i * hl;

		a = 0;
		f[a++] = 0x06;
		f[a++] = (uint8_t)(0x40 | off >> 8);
		f[a++] = (uint8_t)off;
		f[a++] = (uint8_t)(0x40 | hl >> 8);
		f[a++] = (uint8_t)hl;
		memcpy(f + a, hello, hl);
		a += hl;
		n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, (uint64_t)i, f, a, pkt, sizeof(pkt));
		dgram(&r, FLOW_TO_SERVER, pkt, n);
	}
	run_end(&r);
	UNIT_CHECK(r.n == 4, "hellos again and again: four messages, no more");
}

static void
test_hostile(void)
{
	struct run r;
	uint8_t pkt[1500], f[64], hello[300], cframes[300];
	size_t n, a, fl;

	fl = unhex(client_crypto, cframes, sizeof(cframes));
	memcpy(hello, cframes + 4, fl - 4);

	/* every truncation of the client's Initial, and a flipped byte */
	n = rfc_client_initial(APP_QUIC_V1, pkt, sizeof(pkt));
	run_start(&r);
	for (size_t cut = 1; cut < n; cut += 7)
		dgram(&r, FLOW_TO_SERVER, pkt, cut);
	UNIT_CHECK(r.n == 0 && stat(&r, APP_QUIC_ST_DECRYPTED) == 0 &&
		       sw_counter_get(&r.st.errors[APP_QUIC]) > 0,
		   "truncated Initials: nothing decrypted, errors counted");
	run_end(&r);

	run_start(&r);
	pkt[700] ^= 0x80;
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(stat(&r, APP_QUIC_ST_DECRYPT_FAILED) == 1 && stat(&r, APP_QUIC_ST_DECRYPTED) == 0,
		   "a corrupted Initial: counted as decrypt_failed");
	run_end(&r);
	UNIT_CHECK(r.n == 0, "a corrupted Initial: no message");

	/* a CRYPTO frame far ahead, and one past the buffer's end */
	run_start(&r);
	a = 0;
	f[a++] = 0x06;
	f[a++] = 0x80; /* offset 0x00100000, 4-byte varint */
	f[a++] = 0x10;
	f[a++] = 0x00;
	f[a++] = 0x00;
	f[a++] = 4;
	memcpy(f + a, "abcd", 4);
	a += 4;
	n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, 0, f, a, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(stat(&r, APP_QUIC_ST_CRYPTO_REFUSED) == 1, "a CRYPTO offset far ahead: refused");
	/* then a huge CRYPTO length that does not fit the packet */
	a = 0;
	f[a++] = 0x06;
	f[a++] = 0;
	f[a++] = 0xc0;
	memset(f + a, 0xff, 7);
	a += 7;
	n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, 1, f, a, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(sw_counter_get(&r.st.errors[APP_QUIC]) == 1 && stat(&r, APP_QUIC_ST_DECRYPTED) == 2,
		   "a huge CRYPTO length: an error, nothing read past the packet");
	/* an unknown frame type stops the packet; what came before it is kept */
	a = crypto_frame(hello, 0, 40, f);
	f[a++] = 0x08; /* STREAM: not allowed in an Initial */
	n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, 2, f, a, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(sw_counter_get(&r.st.errors[APP_QUIC]) == 2, "an unknown frame: an error");
	run_end(&r);
	UNIT_CHECK(r.n == 0, "hostile CRYPTO frames: no ClientHello, no message");

	/* a huge Length field, a DCID over 20 bytes, an unknown version, a Retry, a Version
	 * Negotiation */
	run_start(&r);
	memcpy(pkt, "\xc0\x00\x00\x00\x01\x08\x83\x94\xc8\xf0\x3e\x51\x57\x08\x00\x00"
		    "\xff\xff\xff\xff\xff\xff\xff\xff", 24);
	dgram(&r, FLOW_TO_SERVER, pkt, 24);
	memcpy(pkt, "\xc0\x00\x00\x00\x01\x15", 6);
	dgram(&r, FLOW_TO_SERVER, pkt, 40);
	UNIT_CHECK(sw_counter_get(&r.st.errors[APP_QUIC]) == 2 && stat(&r, APP_QUIC_ST_INITIAL) == 0,
		   "huge Length, long DCID: errors");
	memcpy(pkt, "\xf0\x00\x00\x00\x01\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08tokenxxxxxxxxxxxxxxxx",
	       36);
	dgram(&r, FLOW_TO_CLIENT, pkt, 36);
	memcpy(pkt, "\x80\x00\x00\x00\x00\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x00\x01", 19);
	dgram(&r, FLOW_TO_CLIENT, pkt, 19);
	UNIT_CHECK(stat(&r, APP_QUIC_ST_RETRY) == 1 && stat(&r, APP_QUIC_ST_VERSION_NEG) == 1,
		   "Retry and Version Negotiation counted");
	/* after the Retry the client's Initial (its new DCID) is decrypted with new keys */
	n = rfc_client_initial(APP_QUIC_V1, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	run_end(&r);
	UNIT_CHECK(r.n == 1 && r.retry == 1 && r.vn == 1 && strcmp(r.sni, "example.com") == 0,
		   "after Retry: the new Initial parsed");

	/* a version we cannot read (Google QUIC T051: TLS in Initials of its own salt): not an
	 * error, the flow is left alone */
	run_start(&r);
	memcpy(pkt, "\xc3T051\x08\x83\x94\xc8\xf0\x3e\x51\x57\x08\x00", 15);
	dgram(&r, FLOW_TO_SERVER, pkt, 40);
	n = rfc_client_initial(APP_QUIC_V1, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	run_end(&r);
	UNIT_CHECK(sw_counter_get(&r.st.errors[APP_QUIC]) == 0 && stat(&r, APP_QUIC_ST_INITIAL) == 0 &&
		       r.n == 0,
		   "an unknown version: no error, the flow no longer parsed");

	/* random bytes: nothing, no crash */
	srand(15);
	run_start(&r);
	int flows = 0, msgs = 0;
	for (int i = 0; i < 2000; i++) {
		size_t len = 1 + (size_t)rand() % 1400;

		if (i % 8 == 0) {
			run_end(&r);
			msgs += r.n;
			flows++;
			run_start(&r);
		}

		n = rfc_client_initial(APP_QUIC_V1, pkt, sizeof(pkt));
		for (int k = 0; k < 1 + rand() % 4; k++)
			pkt[(size_t)rand() % len] = (uint8_t)rand();
		dgram(&r, i % 3 ? FLOW_TO_SERVER : FLOW_TO_CLIENT, pkt, len);
	}
	run_end(&r);
	msgs += r.n;
	UNIT_CHECK(msgs <= flows + 1, "2000 corrupted datagrams: at most one message a flow, no crash");
}

/* Per-flow state and CRYPTO buffers are charged to the worker's app memory and given back. */
static void
test_memcap(void)
{
	struct sw_memcap mem = {.memcap = 1 << 20};
	struct run r;
	uint8_t pkt[1500], f[300], hello[300], cframes[300];
	size_t n, a, fl;

	fl = unhex(client_crypto, cframes, sizeof(cframes));
	memcpy(hello, cframes + 4, fl - 4);
	memset(&r, 0, sizeof(r));
	r.ctx.emit = on_msg;
	r.ctx.arg = &r;
	r.ctx.st = &r.st;
	r.state = app_parser_quic.state_new(&mem);
	UNIT_CHECK(r.state != NULL && sw_counter_get(&mem.memuse) > 0, "memcap: the state charged");
	a = crypto_frame(hello, 120, 60, f);
	n = build_initial(APP_QUIC_V1, FLOW_TO_SERVER, 0, f, a, pkt, sizeof(pkt));
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(sw_counter_get(&mem.memuse) > 2048, "memcap: the out-of-order CRYPTO bytes charged");
	app_parser_quic.flow_end(&r.ctx, r.state);
	app_parser_quic.state_free(r.state);
	UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "memcap: back to exactly 0");

	mem.memcap = 1; /* nothing fits */
	UNIT_CHECK(app_parser_quic.state_new(&mem) == NULL && sw_counter_get(&mem.refused) == 1,
		   "memcap: a refused state is counted");
	mem.memcap = sw_counter_get(&mem.memuse) + 30000; /* the state, not a CRYPTO buffer */
	memset(&r, 0, sizeof(r));
	r.ctx.emit = on_msg;
	r.ctx.arg = &r;
	r.ctx.st = &r.st;
	r.state = app_parser_quic.state_new(&mem);
	mem.memcap = sw_counter_get(&mem.memuse) + 100;
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(stat(&r, APP_QUIC_ST_CRYPTO_REFUSED) == 1, "memcap: a refused CRYPTO buffer is counted");
	app_parser_quic.state_free(r.state);
	UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "memcap: back to exactly 0 after a refusal");
}

/* ---- Google QUIC ------------------------------------------------------------------------- */

/* A CHLO of n entries: tags[i] (4 characters, NUL-padded) with values vals[i]. */
static size_t
chlo_build(const char *const *tags, const char *const *vals, size_t n, uint8_t *out)
{
	size_t k = 8 + 8 * n, end = 0;

	memcpy(out, "CHLO", 4);
	out[4] = (uint8_t)n;
	out[5] = (uint8_t)(n >> 8);
	out[6] = out[7] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t vl = strlen(vals[i]);

		memset(out + 8 + 8 * i, 0, 4);
		memcpy(out + 8 + 8 * i, tags[i], strlen(tags[i]));
		memcpy(out + k, vals[i], vl);
		k += vl;
		end += vl;
		for (int b = 0; b < 4; b++)
			out[12 + 8 * i + b] = (uint8_t)(end >> (8 * b));
	}
	return k;
}

/* A Q043 client packet (public flags 0x09, connection ID, version, 1-byte packet number, a
 * zero hash) with a STREAM frame of stream 1 (data length given) carrying msg. */
static size_t
q043_build(const char *version, const uint8_t *msg, size_t ml, uint8_t *out)
{
	size_t k = 0;

	out[k++] = 0x09;
	memcpy(out + k, "\x51\xa1\xb2\xc3\xd4\xe5\xf0\x43", 8);
	k += 8;
	memcpy(out + k, version, 4);
	k += 4;
	out[k++] = 1;
	memset(out + k, 0, 12);
	k += 12;
	out[k++] = 0xa0;
	out[k++] = 1;
	out[k++] = (uint8_t)(ml >> 8);
	out[k++] = (uint8_t)ml;
	memcpy(out + k, msg, ml);
	return k + ml;
}

static const char *const sf_tags[] = {"PAD", "SNI", "VER", "CCS", "PDMD",
				      "ICSL", "MIDS", "CFCW", "SFCW"};
static const char *const sf_vals[] = {"----", "gquic.example", "Q043", "0123456789abcdef",
				      "X509", "\x1e", "d", "CFCW", "SFCW"};

static void
test_gquic(void)
{
	struct app_gquic_chlo c;
	struct run r;
	uint8_t msg[1400], pkt[1500];
	size_t ml, n, used = 0;
	char cyu[APP_GQUIC_CYU_MAX + 1];
	int bad;

	/* Suricata's CYU test vector (from Salesforce's examples): Q043 with these tags */
	ml = chlo_build(sf_tags, sf_vals, 9, msg);
	UNIT_CHECK(app_gquic_chlo_parse(msg, ml, &c, &used) == 0 && used == ml && c.ntags == 9,
		   "CHLO: 9 tags read");
	UNIT_CHECK(c.sni.len == 13 && memcmp(c.sni.p, "gquic.example", 13) == 0 &&
		       c.ver.len == 4 && c.uaid.len == 0,
		   "CHLO: SNI and VER values, no UAID");
	UNIT_CHECK(app_gquic_cyu(0x51303433u, &c, cyu, sizeof(cyu)) == 43 &&
		       strcmp(cyu, "43,PAD-SNI-VER-CCS-PDMD-ICSL-MIDS-CFCW-SFCW") == 0,
		   "CYU string of Suricata's test vector");
	UNIT_CHECK(app_gquic_cyu(0x51303433u, &c, cyu, 20) == 0, "CYU: too small a buffer");
	UNIT_CHECK(app_gquic_cyu(0x00000001u, &c, cyu, sizeof(cyu)) == 0, "CYU: not for IETF QUIC");
	UNIT_CHECK(app_gquic_version(0x51303436u) && app_gquic_version(0x54303531u) &&
		       !app_gquic_version(0x51303a36u) && !app_gquic_version(APP_QUIC_V1),
		   "gQUIC versions: Q046, T051; not Q0:6, not 1");

	/* hostile messages */
	bad = 0;
	for (size_t cut = 0; cut < ml; cut++)
		bad += app_gquic_chlo_parse(msg, cut, &c, &used) == SW_E_TRUNC;
	UNIT_CHECK(bad == (int)ml, "CHLO: every truncated message is SW_E_TRUNC");
	msg[4] = 0xff, msg[5] = 0xff; /* 65535 entries */
	UNIT_CHECK(app_gquic_chlo_parse(msg, ml, &c, &used) == SW_E_INVAL, "CHLO: 65535 entries");
	msg[4] = APP_GQUIC_TAGS_MAX + 1, msg[5] = 0;
	UNIT_CHECK(app_gquic_chlo_parse(msg, sizeof(msg), &c, &used) == SW_E_INVAL,
		   "CHLO: 129 entries");
	msg[4] = 9;
	msg[12 + 8 * 2] = 0; /* VER's end offset below SNI's */
	UNIT_CHECK(app_gquic_chlo_parse(msg, ml, &c, &used) == SW_E_INVAL,
		   "CHLO: end offsets out of order");
	ml = chlo_build(sf_tags, sf_vals, 9, msg);
	msg[12 + 8 * 8 + 1] = 0x40; /* SFCW's end far past the message */
	UNIT_CHECK(app_gquic_chlo_parse(msg, ml, &c, &used) == SW_E_TRUNC,
		   "CHLO: an end offset past the end");
	ml = chlo_build(sf_tags, sf_vals, 9, msg);
	msg[8 + 8 * 3 + 1] = 0x01; /* "C\1S" */
	UNIT_CHECK(app_gquic_chlo_parse(msg, ml, &c, &used) == SW_E_INVAL,
		   "CHLO: a tag that is not text");
	memcpy(msg, "REJ\0", 4);
	UNIT_CHECK(app_gquic_chlo_parse(msg, ml, &c, &used) == SW_E_UNSUPP, "CHLO: a REJ is none");
	{
		const char *t[APP_GQUIC_TAGS_MAX], *v[APP_GQUIC_TAGS_MAX];

		for (int i = 0; i < APP_GQUIC_TAGS_MAX; i++)
			t[i] = "XLCT", v[i] = "";
		ml = chlo_build(t, v, APP_GQUIC_TAGS_MAX, msg);
		UNIT_CHECK(app_gquic_chlo_parse(msg, ml, &c, &used) == 0 &&
			       c.ntags == APP_GQUIC_TAGS_MAX &&
			       app_gquic_cyu(0x51303436u, &c, cyu, sizeof(cyu)) ==
				   3 + 5 * APP_GQUIC_TAGS_MAX - 1,
			   "CHLO: 128 empty entries, and their CYU fits");
	}

	/* the parser: a Q043 packet */
	ml = chlo_build(sf_tags, sf_vals, 9, msg);
	n = q043_build("Q043", msg, ml, pkt);
	UNIT_CHECK(app_parser_quic.probe(pkt, n, FLOW_TO_SERVER), "probe: a Q043 client packet");
	UNIT_CHECK(!app_parser_quic.probe(pkt, n, FLOW_TO_CLIENT), "probe: gQUIC not from the server");
	run_start(&r);
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(r.n == 1 && r.version == 0x51303433u && strcmp(r.sni, "gquic.example") == 0 &&
		       r.ua[0] == '\0',
		   "Q043: one message, version, SNI");
	UNIT_CHECK_STR(r.cyu, "43,PAD-SNI-VER-CCS-PDMD-ICSL-MIDS-CFCW-SFCW", "Q043: CYU string");
	UNIT_CHECK_STR(r.cyu_hash, "e030dea1f2eea44ac7db5fe4de792acd",
		       "Q043: CYU hash, as Suricata's test vector");
	UNIT_CHECK(stat(&r, APP_QUIC_ST_GQUIC) == 1 && stat(&r, APP_QUIC_ST_GQUIC_CHLO) == 1,
		   "Q043: counted");
	pkt[0] = 0x08; /* no version: the handshake is over */
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	pkt[0] = 0x09;
	dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(r.n == 1 && stat(&r, APP_QUIC_ST_GQUIC) == 2,
		   "Q043: nothing read after a packet without version");
	run_end(&r);

	/* every truncation of the packet: the STREAM frame or the CHLO cut, counted errors */
	run_start(&r);
	bad = 0;
	for (size_t cut = 0; cut < n; cut++) {
		app_parser_quic.state_free(r.state);
		r.state = app_parser_quic.state_new(NULL);
		dgram(&r, FLOW_TO_SERVER, pkt, cut);
		bad += r.n == 0;
	}
	UNIT_CHECK(bad == (int)n, "Q043: no message from any truncated packet");
	UNIT_CHECK(sw_counter_get(&r.st.errors[APP_QUIC]) == n - 27,
		   "Q043: a truncated STREAM frame is an error");
	run_end(&r);

	/* T051 is counted, not read; nor is a hello over 4 a flow */
	memcpy(pkt, "\xc3T051\x08\x51\xa1\xb2\xc3\xd4\xe5\xf0\x51\0\0\x41\x00", 18);
	UNIT_CHECK(app_parser_quic.probe(pkt, 200, FLOW_TO_SERVER), "probe: a T051 Initial");
	run_start(&r);
	dgram(&r, FLOW_TO_SERVER, pkt, 200);
	UNIT_CHECK(r.n == 0 && stat(&r, APP_QUIC_ST_GQUIC_ENCRYPTED) == 1, "T051: counted only");
	run_end(&r);
	n = q043_build("Q043", msg, ml, pkt);
	run_start(&r);
	for (int i = 0; i < 6; i++)
		dgram(&r, FLOW_TO_SERVER, pkt, n);
	UNIT_CHECK(r.n == 4 && stat(&r, APP_QUIC_ST_GQUIC_CHLO) == 6, "Q043: at most 4 messages");
	run_end(&r);

	/* the hello's text is charged to the memcap, and a refusal counted */
	{
		struct sw_memcap mem = {.memcap = 1 << 20};
		uint64_t state;

		run_start(&r);
		app_parser_quic.state_free(r.state);
		r.state = app_parser_quic.state_new(&mem);
		state = sw_counter_get(&mem.memuse);
		dgram(&r, FLOW_TO_SERVER, pkt, n);
		UNIT_CHECK(r.n == 1 && sw_counter_get(&mem.memuse) > state + 256,
			   "gQUIC memcap: the hello's text charged");
		run_end(&r);
		UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "gQUIC memcap: back to exactly 0");
		run_start(&r);
		app_parser_quic.state_free(r.state);
		r.state = app_parser_quic.state_new(&mem);
		mem.memcap = sw_counter_get(&mem.memuse) + 100;
		dgram(&r, FLOW_TO_SERVER, pkt, n);
		UNIT_CHECK(r.n == 0 && sw_counter_get(&mem.refused) == 1 &&
			       stat(&r, APP_QUIC_ST_GQUIC_CHLO) == 1,
			   "gQUIC memcap: refused, counted, no message");
		run_end(&r);
		UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "gQUIC memcap: 0 after a refusal");
	}
}

int
main(void)
{
	test_memcap();
	test_keys();
	test_protection();
	test_parser();
	test_hrr();
	test_hostile();
	test_gquic();
	return unit_done();
}
