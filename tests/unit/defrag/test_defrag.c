/* tests/unit/defrag/test_defrag.c: IP fragment reassembly: IPv4 out of order with the rebuilt
 * header checked, IPv6, each overlap policy on the stream tests' pattern (in 8-byte units),
 * too-large datagrams, tiny first fragments, the fragment limit, the timeout and the memcap;
 * inner fragments in IP in IP and GTP-U tunnels, an outer GRE packet fragmented. */
#include "config.h"

#include <string.h>

#include "decode/decode.h"
#include "defrag/defrag.h"
#include "unit.h"

static int events[DEFRAG_EV_MAX];

static void
on_event(void *arg, const struct sw_packet *p, int ev)
{
	(void)arg;
	(void)p;
	events[ev]++;
}

static struct decode_conf dconf;
static struct decode_stats dstats;
static struct decode_ctx dctx; /* set up in main */
static uint8_t frame[2048];

/* Writes the header checksum of the 20-byte IPv4 header at ip (its checksum field zero). */
static void
ip4_set_csum(uint8_t *ip)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
}

/* An Ethernet + IPv4 fragment: offset in bytes, payload len bytes of ch. Decoded into *p. */
static void
frag4(struct sw_packet *p, uint16_t id, uint8_t proto, uint32_t off, bool more, char ch,
      size_t len, sw_time_t ts)
{
	uint8_t *ip = frame + 14;
	uint16_t fo = (uint16_t)(off / 8) | (more ? 0x2000 : 0);
	size_t tot = 20 + len;

	memset(frame, 0, 14);
	frame[12] = 0x08;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	ip[6] = (uint8_t)(fo >> 8);
	ip[7] = (uint8_t)fo;
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 10, ip[15] = 1;
	ip[16] = 10, ip[19] = 2;
	ip4_set_csum(ip);
	memset(ip + 20, ch, len);
	memset(p, 0, sizeof(*p));
	p->data = frame;
	p->caplen = p->wirelen = (uint32_t)(14 + tot);
	p->linktype = 1;
	p->ts = ts;
	decode_packet(&dctx, p);
}

static struct defrag *
new_defrag(int policy, uint64_t memcap, uint32_t max_frags)
{
	struct defrag_conf c;
	struct defrag *d;

	memset(&c, 0, sizeof(c));
	c.enabled = true;
	c.timeout = 60;
	c.memcap = memcap;
	c.max_frags = max_frags;
	c.max_trackers = 1000;
	c.policy = policy;
	defrag_new(&c, on_event, NULL, &d);
	return d;
}

/* Wraps the fragment frag4 made in an outer IPv4 header (IP in IP) 198.51.100.end -> .99 and
 * decodes it again: an inner fragment in tunnel "end". */
static void
wrap4in4(struct sw_packet *p, uint8_t end)
{
	uint8_t *o = frame + 14;
	size_t ilen = p->caplen - 14;

	memmove(o + 20, o, ilen);
	memset(o, 0, 20);
	o[0] = 0x45;
	o[2] = (uint8_t)((20 + ilen) >> 8);
	o[3] = (uint8_t)(20 + ilen);
	o[8] = 64;
	o[9] = 4;
	o[12] = 198, o[13] = 51, o[14] = 100, o[15] = end;
	o[16] = 198, o[17] = 51, o[18] = 100, o[19] = 99;
	ip4_set_csum(o);
	p->caplen = p->wirelen = (uint32_t)(14 + 20 + ilen);
	decode_packet(&dctx, p);
}

/* The same inner datagram id in two tunnels is two datagrams; a rebuilt inner datagram keeps
 * its tunnel layers, with their lengths fixed. */
static void
test_tunnel(void)
{
	struct defrag *d = new_defrag(DEFRAG_POLICY_BSD, 1 << 20, 64);
	struct sw_packet p, whole;
	uint32_t key;
	int r;

	frag4(&p, 9, 253, 0, true, 'a', 800, 1000);
	wrap4in4(&p, 1);
	key = p.tunnel;
	UNIT_CHECK((p.flags & SW_PKT_FRAG) && p.encap_count == 1 && key != 0,
	           "an inner fragment in a tunnel");
	UNIT_CHECK(defrag_packet(d, &p, &whole) == SW_E_AGAIN, "tunnel 1: first fragment held");
	frag4(&p, 9, 253, 800, false, 'b', 100, 1001);
	wrap4in4(&p, 2);
	UNIT_CHECK(p.tunnel != key && defrag_packet(d, &p, &whole) == SW_E_AGAIN,
	           "the last fragment in another tunnel does not complete it");
	frag4(&p, 9, 253, 800, false, 'b', 100, 1002);
	wrap4in4(&p, 1);
	UNIT_CHECK(defrag_packet(d, &p, &whole) == 0, "the last fragment in the same tunnel does");
	UNIT_CHECK(whole.caplen == 14 + 20 + 20 + 900 && whole.data[14 + 2] == (940 >> 8) &&
	               whole.data[14 + 3] == (940 & 0xff),
	           "rebuilt: the outer IPv4 length covers the whole inner datagram");
	whole.flags = SW_PKT_REBUILT;
	r = decode_packet(&dctx, &whole);
	UNIT_CHECK(r == 0 && whole.encap_count == 1 && whole.tunnel == key &&
	               !(whole.flags & (SW_PKT_FRAG | SW_PKT_BAD_CSUM)) && whole.l3_off == 34 &&
	               whole.payload_len == 900,
	           "rebuilt: decodes as one inner datagram in its tunnel, checksums right");
	defrag_free(d);
}

/* Decodes the Ethernet frame b (n bytes) into *p. */
static void
decode_frame(struct sw_packet *p, const uint8_t *b, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->data = b;
	p->caplen = p->wirelen = (uint32_t)n;
	p->linktype = 1;
	p->ts = 1000;
	decode_packet(&dctx, p);
}

/* An outer Ethernet + IPv4 198.51.100.1 -> .2 of protocol proto, fragment offset/MF frag,
 * around len bytes at inner; returns the frame length. */
static size_t
outer4(uint8_t *out, uint8_t proto, uint16_t frag, const uint8_t *inner, size_t len)
{
	uint8_t *o = out + 14;

	memmove(o + 20, inner, len);
	memset(out, 0, 14);
	out[12] = 0x08;
	memset(o, 0, 20);
	o[0] = 0x45;
	o[2] = (uint8_t)((20 + len) >> 8);
	o[3] = (uint8_t)(20 + len);
	o[4] = 0x77;
	o[6] = (uint8_t)(frag >> 8);
	o[7] = (uint8_t)frag;
	o[8] = 64;
	o[9] = proto;
	o[12] = 198, o[13] = 51, o[14] = 100, o[15] = 1;
	o[16] = 198, o[17] = 51, o[18] = 100, o[19] = 2;
	ip4_set_csum(o);
	return 14 + 20 + len;
}

/* An inner fragment in GTP-U: the rebuilt datagram is longer than the GTP-U length field of
 * the first fragment says; decode takes the rebuilt length (defrag fixes only IP and UDP). */
static void
test_tunnel_gtpu(void)
{
	struct defrag *d = new_defrag(DEFRAG_POLICY_BSD, 1 << 20, 64);
	static uint8_t b1[2048], b2[2048];
	struct sw_packet p, whole;
	size_t i, n;
	int r;

	for (i = 0; i < 2; i++) {
		uint8_t *b = i == 0 ? b1 : b2;
		uint8_t *u;
		size_t ilen;

		frag4(&p, 33, 253, i == 0 ? 0 : 800, i == 0, (char)('a' + i), i == 0 ? 800 : 100,
		      1000);
		ilen = p.caplen - 14;
		u = b + 14 + 20; /* UDP 2152 -> 2152, GTP-U G-PDU of TEID 5, the fragment */
		memcpy(u + 16, frame + 14, ilen);
		memset(u, 0, 16);
		u[0] = u[2] = 0x08, u[1] = u[3] = 0x68;
		u[4] = (uint8_t)((16 + ilen) >> 8);
		u[5] = (uint8_t)(16 + ilen);
		u[8] = 0x30, u[9] = 255;
		u[10] = (uint8_t)(ilen >> 8);
		u[11] = (uint8_t)ilen;
		u[15] = 5;
		n = outer4(b, 17, 0, u, 16 + ilen);
		decode_frame(&p, b, n);
		UNIT_CHECK((p.flags & SW_PKT_FRAG) && p.encap_count == 1 &&
		               p.encap[0].kind == SW_ENCAP_GTPU && p.encap[0].id == 5,
		           i == 0 ? "gtp-u: an inner first fragment, in its tunnel"
		                  : "gtp-u: the inner last fragment");
		r = defrag_packet(d, &p, &whole);
	}
	UNIT_CHECK(r == 0, "gtp-u: the inner datagram is whole");
	whole.flags = SW_PKT_REBUILT;
	r = decode_packet(&dctx, &whole);
	UNIT_CHECK(r == 0 && whole.anomaly == 0 && whole.encap_count == 1 &&
	               !(whole.flags & SW_PKT_FRAG) && whole.proto == 253 &&
	               whole.payload_len == 900,
	           "gtp-u: the rebuilt inner datagram decodes whole despite the stale GTP length");
	defrag_free(d);
}

/* An outer fragment: the GRE packet is reassembled first, then decapsulated. */
static void
test_outer_gre(void)
{
	struct defrag *d = new_defrag(DEFRAG_POLICY_BSD, 1 << 20, 64);
	static uint8_t gre[1024], b1[1024], b2[1024];
	struct sw_packet p, whole;
	size_t n, glen;
	int r;

	/* GRE (no options, IPv4) around frag4's datagram made whole: IPv4/UDP 1000 bytes */
	frag4(&p, 44, 17, 0, false, 'g', 600, 1000);
	memset(gre, 0, 4);
	gre[2] = 0x08;
	memcpy(gre + 4, frame + 14, p.caplen - 14);
	gre[4 + 20 + 4] = (uint8_t)(600 >> 8); /* the inner UDP length */
	gre[4 + 20 + 5] = (uint8_t)(600 & 0xff);
	glen = 4 + p.caplen - 14;
	n = outer4(b1, 47, 0x2000, gre, 296); /* MF, offset 0 */
	decode_frame(&p, b1, n);
	UNIT_CHECK((p.flags & SW_PKT_FRAG) && p.encap_count == 0 && p.proto == 47,
	           "outer gre first fragment: a fragment, not decapsulated yet");
	r = defrag_packet(d, &p, &whole);
	n = outer4(b2, 47, 296 / 8, gre + 296, glen - 296);
	decode_frame(&p, b2, n);
	r = defrag_packet(d, &p, &whole);
	UNIT_CHECK(r == 0, "outer gre: whole");
	whole.flags = SW_PKT_REBUILT;
	r = decode_packet(&dctx, &whole);
	UNIT_CHECK(r == 0 && whole.encap_count == 1 && whole.encap[0].kind == SW_ENCAP_GRE &&
	               whole.family == 4 && whole.proto == 17 && whole.payload_len == 600 - 8 &&
	               whole.l3_off == 14 + 20 + 4,
	           "outer gre rebuilt: then decapsulated, the inner UDP datagram whole");
	defrag_free(d);
}

/* The overlap pattern of test_stream.c, in 8-byte units, protocol 253 (no transport header). */
static const char *
pattern(int policy, char *out)
{
	static const struct {
		uint32_t start, end;
		char ch;
	} f[] = {{2, 6, 'A'}, {4, 10, 'B'}, {2, 8, 'C'}, {1, 3, 'D'},
		 {10, 12, 'E'}, {9, 13, 'F'}, {10, 11, 'G'}, {0, 1, '0'}};
	struct defrag *d = new_defrag(policy, 1 << 20, 64);
	struct sw_packet p, whole;
	size_t i, k;
	int r = SW_E_AGAIN;

	out[0] = '\0';
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		frag4(&p, 7, 253, f[i].start * 8, f[i].end != 13, f[i].ch,
		      (f[i].end - f[i].start) * 8, 1000);
		r = defrag_packet(d, &p, &whole);
		if (r == 0)
			break;
	}
	if (r == 0 && i == sizeof(f) / sizeof(f[0]) - 1) {
		/* one letter per 8-byte unit, checking each unit is uniform */
		const uint8_t *pl = whole.data + 14 + 20;

		for (k = 0; k < 13; k++) {
			out[k] = (char)pl[k * 8];
			if (memcmp(pl + k * 8, pl + k * 8 + 1, 7) != 0)
				out[k] = '?';
		}
		out[13] = '\0';
	}
	defrag_free(d);
	return out;
}

/* A flood of unfinished datagrams (every IPv4 id, two protocols: 131,070 datagrams over 4,096
 * buckets, 32 a bucket on average) with room for all of them: each bucket keeps at most
 * DEFRAG_CHAIN_MAX (16), its oldest dropped and counted, so no lookup scans a long chain. */
static void
test_chain_cap(void)
{
	struct defrag *d = new_defrag(DEFRAG_POLICY_BSD, 1ULL << 30, 64);
	struct defrag_conf c;
	struct defrag_stats *st;
	struct sw_packet p, whole;
	uint32_t n = 0, held = 0;
	uint8_t proto;

	defrag_free(d);
	memset(&c, 0, sizeof(c));
	c.enabled = true;
	c.timeout = 600;
	c.memcap = 1ULL << 30;
	c.max_frags = 64;
	c.max_trackers = 1u << 20; /* the chain cap, not the tracker cap, must act */
	c.policy = DEFRAG_POLICY_BSD;
	defrag_new(&c, on_event, NULL, &d);
	for (proto = 17; proto <= 18; proto++)
		for (uint32_t id = 0; id < 65535; id++, n++) {
			frag4(&p, (uint16_t)id, proto, 0, true, 'a', 8, 1000 + n);
			held += defrag_packet(d, &p, &whole) == SW_E_AGAIN;
		}
	st = defrag_get_stats(d);
	UNIT_CHECK(held == n, "every first fragment is held");
	UNIT_CHECK(sw_counter_get(&st->dropped) > 0 && sw_counter_get(&st->trackers) <= 16 * 4096,
	           "full buckets dropped their oldest: at most 16 datagrams a bucket of 4096");
	UNIT_CHECK(sw_counter_get(&st->trackers) + sw_counter_get(&st->dropped) == n,
	           "every datagram is either held or counted as dropped");
	/* the newest datagram of all is still there: its last fragment completes it */
	frag4(&p, 65534, 18, 8, false, 'b', 8, 1000 + n);
	UNIT_CHECK(defrag_packet(d, &p, &whole) == 0, "the newest datagram still completes");
	defrag_free(d);
}

int
main(void)
{
	struct defrag *d;
	struct sw_packet p, whole;
	char buf[32];
	int r;

	{
		struct conf_doc *doc = conf_doc_new(); /* the defaults: every UDP tunnel port */

		if (doc == NULL || decode_conf_load(doc, &dconf) != 0)
			return 1;
		conf_doc_free(doc);
	}
	decode_ctx_init(&dctx, &dconf, &dstats, false);
	test_tunnel();
	test_chain_cap();
	test_tunnel_gtpu();
	test_outer_gre();
	d = new_defrag(DEFRAG_POLICY_BSD, 1 << 20, 64);
	frag4(&p, 1, 17, 1480, false, 'c', 100, 1000);
	UNIT_CHECK((p.flags & SW_PKT_FRAG) && p.frag_offset == 1480 && !p.frag_more &&
			   p.frag_id == 1,
		   "decode fills the fragment fields");
	UNIT_CHECK(defrag_packet(d, &p, &whole) == SW_E_AGAIN, "the last fragment alone is held");
	frag4(&p, 1, 17, 0, true, 'a', 1480, 1001);
	memcpy(frame + 34, "\x04\xd2\x16\x2e\x06\x2c\x00\x00", 8); /* a UDP header: 1234 -> 5678 */
	decode_packet(&dctx, &p);
	UNIT_CHECK(defrag_packet(d, &p, &whole) == 0, "the first fragment completes it");
	UNIT_CHECK(whole.caplen == 14 + 20 + 1580, "rebuilt size: header + all payload");
	UNIT_CHECK(whole.data[14 + 2] == (1600 >> 8) && whole.data[14 + 3] == (1600 & 0xff) &&
			   (whole.data[14 + 6] & 0x3f) == 0 && whole.data[14 + 7] == 0,
		   "rebuilt IPv4 header: total length, no MF, no offset");
	whole.flags = SW_PKT_REBUILT;
	r = decode_packet(&dctx, &whole);
	UNIT_CHECK(r == 0 && !(whole.flags & SW_PKT_FRAG) && whole.sport == 1234 &&
			   whole.dport == 5678 && !(whole.flags & SW_PKT_BAD_CSUM &&
						    sw_counter_get(&dstats.ipv4_csum_bad) > 0),
		   "the rebuilt packet decodes as one UDP datagram with a good IP checksum");
	UNIT_CHECK(whole.payload_len == 1572 && whole.data[14 + 20 + 1580 - 1] == 'c',
		   "payload ends with the last fragment's bytes");
	UNIT_CHECK(sw_counter_get(&defrag_get_stats(d)->reassembled) == 1 &&
			   sw_counter_get(&defrag_get_stats(d)->trackers) == 0,
		   "counted, tracker freed");
	defrag_free(d);

	UNIT_CHECK_STR(pattern(DEFRAG_POLICY_FIRST, buf), "0DAAAABBBBEEF", "policy first");
	UNIT_CHECK_STR(pattern(DEFRAG_POLICY_LAST, buf), "0DDCCCCCBFGFF", "policy last");
	UNIT_CHECK_STR(pattern(DEFRAG_POLICY_BSD, buf), "0DDAAACCBBFFF", "policy bsd");
	UNIT_CHECK_STR(pattern(DEFRAG_POLICY_LINUX, buf), "0DDCCCCCBBFFF", "policy linux");
	UNIT_CHECK_STR(pattern(DEFRAG_POLICY_WINDOWS, buf), "0DAAAABBBBFFF", "policy windows");
	UNIT_CHECK(events[DEFRAG_EV_OVERLAP_DIFF] > 0, "overlaps with different data reported");

	memset(events, 0, sizeof(events));
	d = new_defrag(DEFRAG_POLICY_BSD, 1 << 20, 64);
	frag4(&p, 2, 17, 65528, false, 'x', 100, 1000);
	UNIT_CHECK(defrag_packet(d, &p, &whole) == SW_E_AGAIN && events[DEFRAG_EV_TOO_LARGE] == 1,
	           "a datagram past 65535 bytes is refused and reported");
	frag4(&p, 3, 6, 0, true, 't', 8, 1000);
	defrag_packet(d, &p, &whole);
	UNIT_CHECK(events[DEFRAG_EV_TINY_FIRST] == 1,
		   "a first fragment too small for a TCP header is reported");
	defrag_expire(d, 1000 + 61 * SW_USEC_PER_SEC);
	UNIT_CHECK(sw_counter_get(&defrag_get_stats(d)->timeouts) == 1 &&
			   sw_counter_get(&defrag_get_stats(d)->trackers) == 0,
		   "an unfinished datagram times out");
	defrag_free(d);

	d = new_defrag(DEFRAG_POLICY_BSD, 1 << 20, 4);
	for (r = 0; r < 5; r++) {
		frag4(&p, 4, 17, (uint32_t)r * 16 + 16, true, 'f', 8, 1000);
		defrag_packet(d, &p, &whole);
	}
	UNIT_CHECK(events[DEFRAG_EV_MAX_FRAGS] == 1 &&
			   sw_counter_get(&defrag_get_stats(d)->trackers) <= 1,
		   "too many fragments: the datagram is dropped");
	defrag_free(d);

	d = new_defrag(DEFRAG_POLICY_BSD, 4096, 64);
	for (r = 0; r < 20; r++) {
		frag4(&p, (uint16_t)(100 + r), 17, 8, true, 'm', 1000, 1000);
		defrag_packet(d, &p, &whole);
	}
	UNIT_CHECK(events[DEFRAG_EV_MEMCAP] > 0 &&
	               sw_counter_get(&defrag_get_stats(d)->mem.memuse) <= 4096,
	           "the memcap holds and refusals are reported");
	defrag_free(d);
	return unit_done();
}
