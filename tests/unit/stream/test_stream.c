/* tests/unit/stream/test_stream.c: TCP reassembly with hand-made segments: in-order and
 * out-of-order delivery, each overlap policy on the same pattern, retransmissions, gaps (at the
 * end and acknowledged), FIN, RST validity, sequence wrap-around, depth, memcap, urgent data,
 * bypass, and memory returning to zero. */
#include "config.h"

#include <string.h>

#include "stream/stream.h"
#include "unit.h"

#define CLI FLOW_TO_SERVER
#define SRV FLOW_TO_CLIENT

struct sink {
	char data[2][8192];
	size_t len[2];
	uint64_t next_off[2];
	int gaps[2], fins[2], rsts[2], depth[2], bad_offset;
	int events[STREAM_EV_MAX];
	bool stop_after_first;
};

static bool
on_data(void *arg, struct sw_flow *f, enum flow_dir dir, const uint8_t *data, size_t len,
	uint64_t offset, unsigned flags)
{
	struct sink *s = arg;

	(void)f;
	if (offset != s->next_off[dir])
		s->bad_offset++;
	s->next_off[dir] = offset + len;
	if (flags & STREAM_CHUNK_GAP)
		s->gaps[dir]++;
	else if (len > 0 && s->len[dir] + len < sizeof(s->data[dir])) {
		memcpy(s->data[dir] + s->len[dir], data, len);
		s->len[dir] += len;
		s->data[dir][s->len[dir]] = '\0';
	}
	if (flags & STREAM_CHUNK_FIN)
		s->fins[dir]++;
	if (flags & STREAM_CHUNK_RST)
		s->rsts[dir]++;
	if (flags & STREAM_CHUNK_DEPTH)
		s->depth[dir]++;
	return !s->stop_after_first;
}

static void
on_event(void *arg, struct sw_flow *f, const struct sw_packet *p, int ev)
{
	struct sink *s = arg;

	(void)f;
	(void)p;
	s->events[ev]++;
}

struct harness {
	struct stream_conf conf;
	struct stream_worker *w;
	struct sw_flow flow;
	struct sink sink;
	uint32_t isn[2];
};

/* Per-network policies for the next harnesses, and the server address of their flow. */
static const struct stream_policy_net *g_nets;
static size_t g_nnets;
static uint8_t g_srv[4];

static void
h_init(struct harness *h, int policy, uint64_t depth, uint64_t memcap)
{
	memset(h, 0, sizeof(*h));
	h->conf.nets = (struct stream_policy_net *)g_nets;
	h->conf.nnets = g_nnets;
	memcpy(h->flow.srv.b, g_srv, 4);
	h->conf.enabled = true;
	h->conf.depth = depth;
	h->conf.memcap = memcap;
	h->conf.max_ooo_segments = 4096;
	h->conf.midstream = true;
	h->conf.default_policy = policy;
	h->flow.proto = 6;
	h->flow.family = 4;
	h->flow.flow_id = 1;
	h->isn[CLI] = 1000;
	h->isn[SRV] = 5000;
	stream_worker_new(&h->conf, memcap, on_data, on_event, &h->sink, &h->w);
}

/* A segment from dir: seq is relative to that side's ISN + 1 (the first data byte is 0). */
static void
seg(struct harness *h, enum flow_dir dir, uint8_t flags, uint32_t rel, const char *data)
{
	struct sw_packet p;
	static uint8_t buf[4096];
	size_t n = data != NULL ? strlen(data) : 0;

	memset(&p, 0, sizeof(p));
	memcpy(buf, data != NULL ? data : "", n);
	p.data = buf;
	p.payload_off = 0;
	p.payload_len = (uint32_t)n;
	p.caplen = p.wirelen = (uint32_t)n + 54;
	p.flags = SW_PKT_IP | SW_PKT_L4;
	p.proto = 6;
	p.family = 4;
	p.tcp_flags = flags;
	p.tcp_wscale = 0xff;
	p.tcp_win = 65535;
	p.tcp_seq = (flags & SW_TH_SYN) ? h->isn[dir] : h->isn[dir] + 1 + rel;
	p.tcp_ack = h->isn[!dir] + 1;
	stream_packet(h->w, &h->flow, dir, &p);
}

static void
handshake(struct harness *h)
{
	seg(h, CLI, SW_TH_SYN, 0, NULL);
	seg(h, SRV, SW_TH_SYN | SW_TH_ACK, 0, NULL);
	seg(h, CLI, SW_TH_ACK, 0, NULL);
}

static void
h_end(struct harness *h, struct stream_dir_info info[2])
{
	stream_flow_end(h->w, &h->flow, info);
}

static uint64_t
h_mem(struct harness *h)
{
	return sw_counter_get(&stream_worker_stats(h->w)->memuse);
}

static void
test_in_order(void)
{
	struct harness h;
	struct stream_dir_info info[2];

	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	handshake(&h);
	seg(&h, CLI, SW_TH_ACK | SW_TH_PSH, 0, "GET / HTTP/1.0\r\n\r\n");
	seg(&h, SRV, SW_TH_ACK | SW_TH_PSH, 0, "HTTP/1.0 200 OK\r\n\r\nhello");
	seg(&h, SRV, SW_TH_ACK | SW_TH_FIN, 24, NULL);
	seg(&h, CLI, SW_TH_ACK | SW_TH_FIN, 18, NULL);
	UNIT_CHECK_STR(h.sink.data[CLI], "GET / HTTP/1.0\r\n\r\n", "client stream in order");
	UNIT_CHECK_STR(h.sink.data[SRV], "HTTP/1.0 200 OK\r\n\r\nhello", "server stream in order");
	UNIT_CHECK(h.sink.fins[CLI] == 1 && h.sink.fins[SRV] == 1, "FIN delivered once per side");
	h_end(&h, info);
	UNIT_CHECK(info[CLI].bytes == 18 && info[SRV].bytes == 24 && info[SRV].gaps == 0,
		   "flow figures: bytes per direction, no gap");
	UNIT_CHECK(h.sink.bad_offset == 0, "offsets are contiguous");
	UNIT_CHECK(h_mem(&h) == 0, "memory back to zero");
	stream_worker_free(h.w);
}

static void
test_out_of_order_and_retransmission(void)
{
	struct harness h;

	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	handshake(&h);
	seg(&h, CLI, SW_TH_ACK, 8, "89");
	seg(&h, CLI, SW_TH_ACK, 4, "4567");
	UNIT_CHECK(h.sink.len[CLI] == 0, "out-of-order data is held");
	seg(&h, CLI, SW_TH_ACK, 0, "0123");
	UNIT_CHECK_STR(h.sink.data[CLI], "0123456789", "released in order once the hole fills");
	seg(&h, CLI, SW_TH_ACK, 2, "XXXX");
	seg(&h, CLI, SW_TH_ACK, 8, "YYab");
	UNIT_CHECK_STR(h.sink.data[CLI], "0123456789ab",
		       "retransmitted bytes are ignored, the new tail kept");
	UNIT_CHECK(sw_counter_get(&stream_worker_stats(h.w)->retransmissions) == 2,
		   "retransmissions counted");
	h_end(&h, NULL);
	UNIT_CHECK(h_mem(&h) == 0, "memory back to zero");
	stream_worker_free(h.w);
}

/*
 * The overlap pattern, held out of order first (relative offsets, one letter per segment):
 *   A [2,6)  "AAAA"
 *   B [4,10) "BBBBBB"   starts inside A, ends after it
 *   C [2,8)  "CCCCCC"   starts with A, ends after it
 *   D [1,3)  "DD"       starts before A
 *   E [10,12) "EE"
 *   F [9,13) "FFFF"     starts before E and covers it
 *   G [10,11) "G"       inside E
 * then [0,1) "0" arrives in order and releases everything. A held list is overlap-free: the
 * parts of a new segment over holes become pieces of their own (B leaves the piece [6,10)),
 * and later segments are judged against those pieces.
 */
static const char *
run_pattern(int policy, char *out, size_t size)
{
	struct harness h;
	size_t n;

	h_init(&h, policy, 0, 1 << 20);
	handshake(&h);
	seg(&h, CLI, SW_TH_ACK, 2, "AAAA");
	seg(&h, CLI, SW_TH_ACK, 4, "BBBBBB");
	seg(&h, CLI, SW_TH_ACK, 2, "CCCCCC");
	seg(&h, CLI, SW_TH_ACK, 1, "DD");
	seg(&h, CLI, SW_TH_ACK, 10, "EE");
	seg(&h, CLI, SW_TH_ACK, 9, "FFFF");
	seg(&h, CLI, SW_TH_ACK, 10, "G");
	UNIT_CHECK(h.sink.len[CLI] == 0, "pattern: everything held until the first byte comes");
	seg(&h, CLI, SW_TH_ACK, 0, "0");
	n = h.sink.len[CLI] < size - 1 ? h.sink.len[CLI] : size - 1;
	memcpy(out, h.sink.data[CLI], n);
	out[n] = '\0';
	h_end(&h, NULL);
	UNIT_CHECK(h_mem(&h) == 0, "pattern: memory back to zero");
	stream_worker_free(h.w);
	return out;
}

static void
test_policies(void)
{
	char buf[64];

	/* first: no later copy replaces held bytes. D adds [1,2), F adds [12,13). */
	UNIT_CHECK_STR(run_pattern(STREAM_POLICY_FIRST, buf, sizeof(buf)), "0DAAAABBBBEEF",
		       "policy first");
	/* last: every later copy wins: B over A[4,6), C over A and [6,8), D over [2,3), F over
	 * [9,12), G over [10,11). */
	UNIT_CHECK_STR(run_pattern(STREAM_POLICY_LAST, buf, sizeof(buf)), "0DDCCCCCBFGFF",
		       "policy last");
	/* bsd: new wins when it starts before the held piece: C (2) over the piece [6,10) on
	 * [6,8), D (1) over A on [2,3), F (9) over E; B, C against A, G lose. */
	UNIT_CHECK_STR(run_pattern(STREAM_POLICY_BSD, buf, sizeof(buf)), "0DDAAACCBBFFF",
		       "policy bsd");
	/* linux: bsd, and C wins over A too (same start, ends after). */
	UNIT_CHECK_STR(run_pattern(STREAM_POLICY_LINUX, buf, sizeof(buf)), "0DDCCCCCBBFFF",
		       "policy linux");
	/* windows: Snort 3 and Suricata resolve TCP overlaps for Windows like bsd. */
	UNIT_CHECK_STR(run_pattern(STREAM_POLICY_WINDOWS, buf, sizeof(buf)), "0DDAAACCBBFFF",
		       "policy windows (as bsd)");
}

static void
test_policy_by_network(void)
{
	struct stream_policy_net nets[2];
	char buf[64];

	memset(nets, 0, sizeof(nets));
	nets[0].family = 4;
	nets[0].addr.b[0] = 10;
	nets[0].prefix = 8;
	nets[0].policy = STREAM_POLICY_LINUX;
	nets[1].family = 4;
	nets[1].addr.b[0] = 10;
	nets[1].addr.b[1] = 1;
	nets[1].prefix = 16;
	nets[1].policy = STREAM_POLICY_FIRST;
	g_nets = nets;
	g_nnets = 2;
	memcpy(g_srv, "\x0a\x02\x03\x04", 4);
	UNIT_CHECK_STR(run_pattern(STREAM_POLICY_BSD, buf, sizeof(buf)), "0DDCCCCCBBFFF",
		       "a server in 10.0.0.0/8 gets that network's policy (linux)");
	memcpy(g_srv, "\x0a\x01\x03\x04", 4);
	UNIT_CHECK_STR(run_pattern(STREAM_POLICY_BSD, buf, sizeof(buf)), "0DAAAABBBBEEF",
		       "the longest prefix wins (10.1.0.0/16: first)");
	memcpy(g_srv, "\xc0\x00\x02\x01", 4);
	UNIT_CHECK_STR(run_pattern(STREAM_POLICY_BSD, buf, sizeof(buf)), "0DDAAACCBBFFF",
		       "other servers get the default (bsd)");
	g_nets = NULL;
	g_nnets = 0;
	memset(g_srv, 0, 4);
}

static void
test_gaps(void)
{
	struct harness h;
	struct stream_dir_info info[2];
	int i;

	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	handshake(&h);
	seg(&h, SRV, SW_TH_ACK, 0, "abc");
	seg(&h, SRV, SW_TH_ACK, 6, "ghi"); /* [3,6) never seen */
	UNIT_CHECK_STR(h.sink.data[SRV], "abc", "data after a hole is held");
	h_end(&h, info);
	UNIT_CHECK_STR(h.sink.data[SRV], "abcghi", "flow end releases it after a gap");
	UNIT_CHECK(h.sink.gaps[SRV] == 1 && info[SRV].gaps == 1 && info[SRV].gap_bytes == 3,
		   "the gap is reported with its size");
	UNIT_CHECK(h.sink.bad_offset == 0 && h.sink.next_off[SRV] == 9,
		   "offsets count the gap");
	UNIT_CHECK(h.sink.events[STREAM_EV_GAP] == 1, "gap anomaly");
	stream_worker_free(h.w);

	/* The client acknowledges data we never saw: after the grace period, a gap. */
	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	handshake(&h);
	seg(&h, SRV, SW_TH_ACK, 0, "abc");
	seg(&h, SRV, SW_TH_ACK, 6, "ghi");
	for (i = 0; i < 40; i++) {
		struct sw_packet p;
		static uint8_t none[1];

		memset(&p, 0, sizeof(p));
		p.data = none;
		p.flags = SW_PKT_IP | SW_PKT_L4;
		p.proto = 6;
		p.tcp_flags = SW_TH_ACK;
		p.tcp_wscale = 0xff;
		p.tcp_win = 1000;
		p.tcp_seq = h.isn[CLI] + 1;
		p.tcp_ack = h.isn[SRV] + 1 + 9; /* everything, including the hole */
		stream_packet(h.w, &h.flow, CLI, &p);
	}
	UNIT_CHECK_STR(h.sink.data[SRV], "abcghi", "an acknowledged hole becomes a gap in time");
	UNIT_CHECK(h.sink.gaps[SRV] == 1, "one gap");
	h_end(&h, NULL);
	stream_worker_free(h.w);
}

static void
test_rst(void)
{
	struct harness h;
	struct sw_packet p;
	static uint8_t none[1];

	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	handshake(&h);
	seg(&h, CLI, SW_TH_ACK, 0, "one");
	memset(&p, 0, sizeof(p));
	p.data = none;
	p.flags = SW_PKT_IP | SW_PKT_L4;
	p.proto = 6;
	p.tcp_flags = SW_TH_RST;
	p.tcp_seq = h.isn[SRV] + 1 + 1000000; /* far outside the window */
	stream_packet(h.w, &h.flow, SRV, &p);
	UNIT_CHECK(h.sink.events[STREAM_EV_RST_INVALID] == 1 && h.sink.rsts[CLI] == 0,
		   "a RST outside the window is invalid and ignored");
	seg(&h, CLI, SW_TH_ACK, 3, "two");
	UNIT_CHECK_STR(h.sink.data[CLI], "onetwo", "data after an invalid RST is reassembled");
	p.tcp_seq = h.isn[SRV] + 1;
	stream_packet(h.w, &h.flow, SRV, &p);
	UNIT_CHECK(h.sink.rsts[CLI] == 1 && h.sink.rsts[SRV] == 1, "a valid RST ends both sides");
	seg(&h, CLI, SW_TH_ACK, 6, "three");
	UNIT_CHECK_STR(h.sink.data[CLI], "onetwo", "nothing after a valid RST");
	UNIT_CHECK(h.sink.events[STREAM_EV_PKT_AFTER_CLOSE] == 1, "data after close anomaly");
	h_end(&h, NULL);
	UNIT_CHECK(h_mem(&h) == 0, "memory back to zero");
	stream_worker_free(h.w);
}

static void
test_wrap(void)
{
	struct harness h;

	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	h.isn[CLI] = 0xfffffff8u;
	handshake(&h);
	seg(&h, CLI, SW_TH_ACK, 10, "KLMNO"); /* after the wrap, held */
	seg(&h, CLI, SW_TH_ACK, 0, "ABCDEFGHIJ");  /* crosses 2^32 */
	UNIT_CHECK_STR(h.sink.data[CLI], "ABCDEFGHIJKLMNO", "sequence numbers wrap at 2^32");
	h_end(&h, NULL);
	stream_worker_free(h.w);
}

static void
test_depth_memcap_bypass(void)
{
	struct harness h;
	struct stream_dir_info info[2];
	char big[2001];
	int i;

	h_init(&h, STREAM_POLICY_BSD, 10, 1 << 20);
	handshake(&h);
	seg(&h, CLI, SW_TH_ACK, 0, "0123456");
	seg(&h, CLI, SW_TH_ACK, 7, "789abcdef");
	seg(&h, CLI, SW_TH_ACK, 16, "ghij");
	h_end(&h, info);
	UNIT_CHECK_STR(h.sink.data[CLI], "0123456789", "depth: exactly 10 bytes delivered");
	UNIT_CHECK(h.sink.depth[CLI] == 1 && info[CLI].depth_reached, "depth reached once");
	stream_worker_free(h.w);

	/* memcap: room for about one held segment */
	h_init(&h, STREAM_POLICY_BSD, 0, 3000);
	memset(big, 'x', 2000);
	big[2000] = '\0';
	handshake(&h);
	for (i = 0; i < 5; i++)
		seg(&h, CLI, SW_TH_ACK, 10 + (uint32_t)i * 2000, big);
	UNIT_CHECK(sw_counter_get(&stream_worker_stats(h.w)->memcap_refused) >= 3,
		   "the memcap refuses held segments");
	UNIT_CHECK(h_mem(&h) <= 3000, "held memory stays under the cap");
	UNIT_CHECK(h.sink.events[STREAM_EV_MEMCAP] == 1, "memcap anomaly once per direction");
	h_end(&h, NULL);
	UNIT_CHECK(h_mem(&h) == 0, "memory back to zero");
	stream_worker_free(h.w);

	/* bypass: the consumer says stop after its first chunk */
	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	h.sink.stop_after_first = true;
	handshake(&h);
	seg(&h, CLI, SW_TH_ACK, 0, "first");
	seg(&h, CLI, SW_TH_ACK, 10, "held");
	seg(&h, CLI, SW_TH_ACK, 5, "second");
	UNIT_CHECK_STR(h.sink.data[CLI], "first", "nothing after the consumer asked to stop");
	UNIT_CHECK(h.sink.len[CLI] == 5, "bypassed direction delivers nothing more");
	h_end(&h, NULL);
	UNIT_CHECK(h_mem(&h) == 0, "memory back to zero");
	stream_worker_free(h.w);
}

static void
test_urgent_midstream(void)
{
	struct harness h;
	struct sw_packet p;
	static uint8_t buf[16];

	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	handshake(&h);
	memset(&p, 0, sizeof(p));
	memcpy(buf, "abcXdef", 7);
	p.data = buf;
	p.payload_len = 7;
	p.flags = SW_PKT_IP | SW_PKT_L4;
	p.proto = 6;
	p.tcp_flags = SW_TH_ACK | SW_TH_URG;
	p.tcp_urp = 4; /* the urgent byte is the 4th: 'X' */
	p.tcp_wscale = 0xff;
	p.tcp_seq = h.isn[CLI] + 1;
	stream_packet(h.w, &h.flow, CLI, &p);
	UNIT_CHECK_STR(h.sink.data[CLI], "abcdef", "the urgent byte is taken out of the stream");
	h_end(&h, NULL);
	stream_worker_free(h.w);

	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	seg(&h, SRV, SW_TH_ACK | SW_TH_PSH, 100, "midstream data");
	seg(&h, SRV, SW_TH_ACK | SW_TH_PSH, 114, " continues");
	UNIT_CHECK_STR(h.sink.data[SRV], "midstream data continues", "midstream pickup");
	UNIT_CHECK(h.sink.events[STREAM_EV_MIDSTREAM] == 1, "midstream anomaly once");
	h_end(&h, NULL);
	stream_worker_free(h.w);

	h_init(&h, STREAM_POLICY_BSD, 0, 1 << 20);
	h.conf.midstream = false;
	seg(&h, SRV, SW_TH_ACK, 100, "ignored");
	UNIT_CHECK(h.sink.len[SRV] == 0, "midstream off: no pickup");
	h_end(&h, NULL);
	stream_worker_free(h.w);
}

int
main(void)
{
	test_in_order();
	test_out_of_order_and_retransmission();
	test_policies();
	test_policy_by_network();
	test_gaps();
	test_rst();
	test_wrap();
	test_depth_memcap_bypass();
	test_urgent_midstream();
	return unit_done();
}
