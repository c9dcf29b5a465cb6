/* tests/unit/detect/test_engine.c: the rule engine on hand-made inspections: stream chunks of a
 * TCP flow (contents split across chunks, positions relative to the stream start, backtracking,
 * byte_*, pcre, isdataat), packets (dsize, flags, header), app-layer messages (sticky buffers,
 * startswith/endswith, bsize), flowbits, thresholds, pass rules, events, and the database
 * cache. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/detect.h"
#include "unit.h"

#define MAX_ALERTS 256

static uint32_t alerts[MAX_ALERTS];
static const struct app_msg *alert_msgs[MAX_ALERTS];
static enum flow_dir alert_dirs[MAX_ALERTS];
static int nalerts;
static char last_vars[128]; /* the last alert's variables: "f:NAME=value p:NAME=value " */
static char tmpdir[] = "/tmp/sw-detect-XXXXXX";
static char last_bits[128]; /* the last alert's flowbits and flowints: "b:NAME i:NAME=N " */

static void
on_alert(void *arg, struct sw_flow *f, const struct sw_packet *p, enum flow_dir dir, sw_time_t ts,
         const struct detect_alert *a, const struct app_msg *msg)
{
	(void)arg;
	(void)f;
	(void)p;
	(void)ts;
	last_vars[0] = '\0';
	last_bits[0] = '\0';
	for (uint32_t i = 0; i < a->nflowbits; i++) {
		size_t l = strlen(last_bits);

		snprintf(last_bits + l, sizeof(last_bits) - l, "b:%s ", a->flowbits[i]);
	}
	for (uint32_t i = 0; i < a->nflowints; i++) {
		size_t l = strlen(last_bits);

		snprintf(last_bits + l, sizeof(last_bits) - l, "i:%s=%u ", a->flowint_names[i],
		         a->flowint_values[i]);
	}
	for (uint32_t i = 0; i < a->nflowvars + a->npktvars; i++) {
		const struct detect_var *v = i < a->nflowvars ? &a->flowvars[i]
		                                              : &a->pktvars[i - a->nflowvars];
		size_t l = strlen(last_vars);

		snprintf(last_vars + l, sizeof(last_vars) - l, "%s:%s=%.*s ",
		         i < a->nflowvars ? "f" : "p", v->name, (int)v->len, (const char *)v->data);
	}
	if (nalerts < MAX_ALERTS) {
		alert_dirs[nalerts] = dir;
		alert_msgs[nalerts] = msg;
		alerts[nalerts++] = a->sid;
	}
}

static int
count(uint32_t sid)
{
	int n = 0;

	for (int i = 0; i < nalerts; i++)
		n += alerts[i] == sid;
	return n;
}

struct eng {
	struct detect_engine *e;
	struct detect_thread *t;
};

static struct detect_conf conf;
static struct sw_memcap mem;
static uint32_t chunk_size; /* detect.stream-chunk-size of the next load() */
static char *files[1];

/* Loads rules (text) into an engine and a thread; cache: use the cache directory. */
static int
load(struct eng *g, const char *rules, bool cache)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/test.rules", tmpdir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fputs(rules, fp);
	fclose(fp);
	memset(&conf, 0, sizeof(conf));
	conf.enabled = true;
	files[0] = path;
	conf.cli_only.v = files;
	conf.cli_only.n = 1;
	conf.cache_dir = cache ? tmpdir : NULL;
	conf.stream_window = 2048;
	conf.stream_chunk = chunk_size;
	conf.backtrack_limit = 3000;
	memset(g, 0, sizeof(*g));
	if (detect_engine_new(&conf, 1, &g->e) != 0)
		return -1;
	if (detect_thread_new(g->e, &mem, NULL, on_alert, NULL, &g->t) != 0)
		return -1;
	nalerts = 0;
	return 0;
}

static void
unload(struct eng *g)
{
	detect_thread_free(g->t);
	detect_engine_free(g->e);
}

static void
flow_init(struct sw_flow *f, uint8_t proto)
{
	memset(f, 0, sizeof(*f));
	f->family = 4;
	f->proto = proto;
	inet_pton(AF_INET, "192.168.1.10", f->cli.b);
	inet_pton(AF_INET, "203.0.113.5", f->srv.b);
	f->cport = 40000;
	f->sport = 80;
	f->state = FLOW_STATE_ESTABLISHED;
	f->pkts[0] = f->pkts[1] = 1;
	if (proto == 6) { /* the handshake was seen */
		f->tcp_flags[FLOW_TO_SERVER] = 0x12;
		f->tcp_flags[FLOW_TO_CLIENT] = 0x12;
	}
}

/* Feeds the chunks of one direction as a stream starting at offset 0. */
static void
stream(struct eng *g, struct sw_flow *f, enum flow_dir dir, const char *const *chunks)
{
	uint64_t off = 0;

	for (int i = 0; chunks[i] != NULL; i++) {
		size_t len = strlen(chunks[i]);

		detect_stream(g->t, f, dir, (const uint8_t *)chunks[i], len, off, 1, NULL);
		off += len;
	}
}

static void
stream_bytes(struct eng *g, struct sw_flow *f, const uint8_t *p, size_t len)
{
	detect_stream(g->t, f, FLOW_TO_SERVER, p, len, 0, 1, NULL);
}

static void
test_stream_contents(void)
{
	struct eng g;
	struct sw_flow f;
	static const char *const split[] = {"GET /ev", "il.php HTTP/1.1\r\n", "Host: x\r\n\r\n",
	                                    NULL};
	static const char *const rel[] = {"axxaxb", NULL};

	UNIT_CHECK(load(&g,
	                "alert tcp any any -> any 80 (msg:\"split\"; content:\"/evil.php\"; "
	                "sid:1;)\n"
	                "alert tcp any any -> any 80 (msg:\"depth ok\"; content:\"GET\"; depth:3; "
	                "sid:2;)\n"
	                "alert tcp any any -> any 80 (msg:\"depth no\"; content:\"evil\"; depth:6; "
	                "sid:3;)\n"
	                "alert tcp any any -> any 80 (msg:\"offset across chunks\"; "
	                "content:\"HTTP/1.1\"; offset:14; depth:8; sid:4;)\n"
	                "alert tcp any any -> any 80 (msg:\"offset no\"; content:\"HTTP/1.1\"; "
	                "offset:15; sid:5;)\n"
	                "alert tcp any any -> any 80 (msg:\"nocase\"; content:\"HOST|3a| X\"; "
	                "nocase; sid:6;)\n"
	                "alert tcp any any -> any 80 (msg:\"case\"; content:\"HOST\"; sid:7;)\n"
	                "alert tcp any any -> any 80 (msg:\"negated\"; content:\"GET\"; "
	                "content:!\"POST\"; sid:8;)\n"
	                "alert tcp any any -> any 80 (msg:\"negated no\"; content:\"GET\"; "
	                "content:!\"/ev\"; sid:9;)\n"
	                "alert tcp any any -> any 80 (msg:\"to_client only\"; "
	                "flow:to_client; content:\"GET\"; sid:10;)\n"
	                "alert tcp any any -> any 81 (msg:\"other port\"; content:\"GET\"; "
	                "sid:11;)\n"
	                "alert tcp any any -> any 80 (msg:\"distance within\"; content:\"/ev\"; "
	                "content:\".php\"; distance:2; within:4; sid:12;)\n"
	                "alert tcp any any -> any 80 (msg:\"within no\"; content:\"/ev\"; "
	                "content:\".php\"; distance:0; within:5; sid:13;)\n",
	                false) == 0,
	           "stream rules load");
	flow_init(&f, 6);
	stream(&g, &f, FLOW_TO_SERVER, split);
	UNIT_CHECK(count(1) == 1, "a content split across two chunks matches once");
	UNIT_CHECK(count(2) == 1, "depth 3 finds GET at the stream start");
	UNIT_CHECK(count(3) == 0, "depth 6 does not reach 'evil' at offset 5..9");
	UNIT_CHECK(count(4) == 1, "offset/depth count from the stream start across chunks");
	UNIT_CHECK(count(5) == 0, "offset past the content does not match");
	UNIT_CHECK(count(6) == 1, "nocase matches other case");
	UNIT_CHECK(count(7) == 0, "without nocase the case matters");
	UNIT_CHECK(count(8) >= 1, "a negated content that is absent matches");
	UNIT_CHECK(count(9) == 0, "a negated content that is present fails the rule");
	UNIT_CHECK(count(10) == 0, "flow:to_client does not match client data");
	UNIT_CHECK(count(11) == 0, "the destination port is checked");
	UNIT_CHECK(count(12) == 1, "distance/within place the second content");
	UNIT_CHECK(count(13) == 0, "within too small fails");
	detect_flow_free(g.t, &f);
	unload(&g);

	UNIT_CHECK(load(&g,
	                "alert tcp any any -> any any (msg:\"backtrack\"; content:\"a\"; "
	                "content:\"b\"; distance:1; within:2; sid:20;)\n"
	                "alert tcp any any -> any any (msg:\"no backtrack hit\"; content:\"a\"; "
	                "content:\"b\"; distance:0; within:1; sid:21;)\n",
	                false) == 0,
	           "backtracking rules load");
	flow_init(&f, 6);
	stream(&g, &f, FLOW_TO_SERVER, rel);
	UNIT_CHECK(count(20) == 1,
	           "a relative content retries later occurrences of the one before");
	UNIT_CHECK(count(21) == 0, "no 'b' right after any 'a'");
	detect_flow_free(g.t, &f);
	unload(&g);
}

static void
test_stream_once(void)
{
	struct eng g;
	struct sw_flow f;
	static const char *const chunks[] = {"xxMARKERyy", "zz", "zzMARKER", NULL};

	UNIT_CHECK(
	    load(&g, "alert tcp any any -> any any (content:\"MARKER\"; sid:30;)\n", false) == 0,
	    "marker rule loads");
	flow_init(&f, 6);
	stream(&g, &f, FLOW_TO_SERVER, chunks);
	UNIT_CHECK(count(30) == 2,
	           "each occurrence alerts once: the kept end of a chunk is not matched again");
	detect_flow_free(g.t, &f);
	unload(&g);
}

/* nkeys rules KEYnn ... TAIL (sids sid0..), and a chunk with every KEYnn; its length. */
static size_t
key_rules(int nkeys, uint32_t sid0, char *rules, size_t rsize, char *chunk, size_t csize)
{
	size_t n = 0, c = 0;

	for (int i = 0; i < nkeys; i++) {
		n += (size_t)snprintf(rules + n, rsize - n,
		                      "alert tcp any any -> any any (content:\"KEY%02d\"; "
		                      "content:\"TAIL\"; distance:0; sid:%u;)\n",
		                      i, sid0 + (uint32_t)i);
		c += (size_t)snprintf(chunk + c, csize - c, "KEY%02d ", i);
	}
	return c;
}

/* More rules with a fast pattern in the window than the pending list holds: the next chunk
 * scans the window again, so none is missed. */
static void
test_stream_pending(void)
{
	struct eng g;
	struct sw_flow f;
	char rules[8192], chunk1[512];
	size_t c = key_rules(24, 300, rules, sizeof(rules), chunk1, sizeof(chunk1));
	int all = 1;

	UNIT_CHECK(load(&g, rules, false) == 0, "24 rules load");
	flow_init(&f, 6);
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)chunk1, c, 0, 1, NULL);
	UNIT_CHECK(nalerts == 0, "no alert before the second content");
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"TAIL", 4, c, 2, NULL);
	for (int i = 0; i < 24; i++)
		all &= count(300 + (uint32_t)i) == 1;
	UNIT_CHECK(
	    all && nalerts == 24,
	    "24 fast patterns in the window, the second content in the next chunk: 24 alerts");
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"xx", 2, c + 4, 3, NULL);
	UNIT_CHECK(nalerts == 24, "a chunk without a new TAIL alerts nothing more");
	detect_flow_free(g.t, &f);
	unload(&g);
	UNIT_CHECK(load(&g,
	                "alert tcp any any -> any any (content:\"KEY\"; content:\"TAIL\"; "
	                "distance:0; sid:330;)\n",
	                false) == 0,
	           "one rule loads");
	flow_init(&f, 6);
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"..KE", 4, 0, 1, NULL);
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"Y..", 3, 4, 2, NULL);
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"TAIL", 4, 7, 3, NULL);
	UNIT_CHECK(count(330) == 1, "a fast pattern across two chunks, the rest in a third");
	detect_flow_free(g.t, &f);
	unload(&g);
}

/* An inspection scans only the bytes Hyperscan has not seen; the patterns found in the kept
 * window before stay candidates (remembered per direction, or the window scanned again when
 * more than the window remembers). */
static void
test_stream_seen(void)
{
	struct eng g;
	struct sw_flow f;
	struct detect_stats *st;
	char rules[16384], chunk1[1024];
	static uint8_t big[1000];
	/* 40 patterns in the window: more than it remembers, the window is scanned again */
	size_t c = key_rules(40, 400, rules, sizeof(rules), chunk1, sizeof(chunk1));
	uint64_t off;
	int all = 1;

	UNIT_CHECK(load(&g, rules, false) == 0, "40 rules load");
	flow_init(&f, 6);
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)chunk1, c, 0, 1, NULL);
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"..", 2, c, 2, NULL);
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"TAIL", 4, c + 2, 3, NULL);
	for (int i = 0; i < 40; i++)
		all &= count(400 + (uint32_t)i) == 1;
	UNIT_CHECK(all && nalerts == 40,
	           "40 fast patterns in the window, two inspections later TAIL: 40 alerts");
	detect_flow_free(g.t, &f);
	unload(&g);

	/* one pattern (the fast pattern: the longer content) remembered through many
	 * inspections, as long as it is in the window */
	UNIT_CHECK(load(&g,
	                "alert tcp any any -> any any (content:\"KEYWORD\"; content:\"TL\"; "
	                "distance:0; sid:450;)\n",
	                false) == 0,
	           "one rule loads");
	memset(big, 'b', sizeof(big));
	for (int k = 0; k < 2; k++) {
		int chunks = k == 0 ? 19 : 21; /* KEYWORD + 19 * 100 bytes: in the 2 KB window */

		flow_init(&f, 6);
		nalerts = 0;
		detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"KEYWORD", 7, 0, 1, NULL);
		off = 7;
		for (int i = 0; i < chunks; i++, off += 100)
			detect_stream(g.t, &f, FLOW_TO_SERVER, big, 100, off, 2, NULL);
		detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"TL", 2, off, 3, NULL);
		UNIT_CHECK(count(450) == (k == 0 ? 1 : 0),
		           k == 0 ? "KEYWORD 1,900 bytes before TL, 20 inspections: 1 alert"
		                  : "KEYWORD 2,100 bytes before TL, out of the window: no alert");
		detect_flow_free(g.t, &f);
	}
	unload(&g);

	/* what an inspection costs: each new byte scanned about once, not the window again */
	chunk_size = 2560;
	UNIT_CHECK(load(&g,
	                "alert tcp any any -> any any (content:\"KEY\"; content:\"TAIL\"; "
	                "distance:0; sid:451;)\n",
	                false) == 0,
	           "one rule loads, chunks of 2560");
	chunk_size = 0;
	st = detect_thread_stats(g.t);
	flow_init(&f, 6);
	for (int i = 0; i < 60; i++)
		detect_stream(g.t, &f, FLOW_TO_SERVER, big, sizeof(big), (uint64_t)i * sizeof(big),
		              1, NULL);
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"KEYxTAIL", 8, 60 * sizeof(big), 2,
	              NULL);
	detect_stream_end(g.t, &f, FLOW_TO_SERVER, 3, NULL);
	UNIT_CHECK(count(451) == 1, "the rule still alerts");
	UNIT_CHECK(sw_counter_get(&st->stream_bytes) == 60008, "60,008 new bytes counted");
	UNIT_CHECK(sw_counter_get(&st->stream_scanned) < 60008 + 60008 / 20,
	           "bytes given to Hyperscan: less than 1.05 per new byte (the window was 1.7)");
	UNIT_CHECK(sw_counter_get(&st->stream_copied) < 60008 * 3 / 2,
	           "bytes copied: less than 1.5 per new byte (the join was 3)");
	detect_flow_free(g.t, &f);
	unload(&g);
}

static void
test_byte_pcre(void)
{
	struct eng g;
	struct sw_flow f;
	/* "LEN" + 2-byte big-endian length 5 + 5 bytes + "END"; then text "size=0042;" */
	static const uint8_t bin[] = {'L', 'E', 'N', 0x00, 0x05, 'h',  'e',  'l',  'l',
	                              'o', 'E', 'N', 'D',  's',  'i',  'z',  'e',  '=',
	                              '0', '0', '4', '2',  ';',  0x01, 0x02, 0x03, 0x04};

	UNIT_CHECK(
	    load(&g,
	         "alert tcp any any -> any any (msg:\"byte_test\"; content:\"LEN\"; "
	         "byte_test:2,=,5,0,relative; sid:40;)\n"
	         "alert tcp any any -> any any (msg:\"byte_test no\"; content:\"LEN\"; "
	         "byte_test:2,>,5,0,relative; sid:41;)\n"
	         "alert tcp any any -> any any (msg:\"byte_jump\"; content:\"LEN\"; "
	         "byte_jump:2,0,relative; content:\"END\"; within:3; sid:42;)\n"
	         "alert tcp any any -> any any (msg:\"byte_extract\"; content:\"LEN\"; "
	         "byte_extract:2,0,n,relative; content:\"END\"; distance:n; within:3; sid:43;)\n"
	         "alert tcp any any -> any any (msg:\"string byte_test\"; content:\"size=\"; "
	         "byte_test:4,>,41,0,relative,string,dec; sid:44;)\n"
	         "alert tcp any any -> any any (msg:\"string byte_test no\"; content:\"size=\"; "
	         "byte_test:4,>,42,0,relative,string,dec; sid:45;)\n"
	         "alert tcp any any -> any any (msg:\"pcre relative\"; content:\"size=\"; "
	         "pcre:\"/^[0-9]{4};/R\"; sid:46;)\n"
	         "alert tcp any any -> any any (msg:\"pcre i\"; pcre:\"/hello/i\"; "
	         "content:\"LEN\"; sid:47;)\n"
	         "alert tcp any any -> any any (msg:\"pcre negated\"; content:\"LEN\"; "
	         "pcre:!\"/goodbye/\"; sid:48;)\n"
	         "alert tcp any any -> any any (msg:\"isdataat\"; content:\"END\"; "
	         "isdataat:13,relative; sid:49;)\n"
	         "alert tcp any any -> any any (msg:\"isdataat no\"; content:\"END\"; "
	         "isdataat:14,relative; sid:50;)\n"
	         "alert tcp any any -> any any (msg:\"little endian\"; content:\"|01 02|\"; "
	         "byte_test:2,=,0x0403,0,relative,little; sid:51;)\n"
	         "alert tcp any any -> any any (msg:\"bitmask\"; content:\"|01 02|\"; "
	         "byte_test:1,=,3,0,relative,bitmask 0x0f; sid:52;)\n",
	         false) == 0,
	    "byte and pcre rules load");
	flow_init(&f, 6);
	stream_bytes(&g, &f, bin, sizeof(bin));
	UNIT_CHECK(count(40) == 1, "byte_test = 5 on the big-endian length");
	UNIT_CHECK(count(41) == 0, "byte_test > 5 fails");
	UNIT_CHECK(count(42) == 1, "byte_jump skips the 5 bytes to END");
	UNIT_CHECK(count(43) == 1, "a byte_extract variable as a distance");
	UNIT_CHECK(count(44) == 1, "byte_test on decimal text 0042 > 41");
	UNIT_CHECK(count(45) == 0, "byte_test on decimal text 0042 > 42 fails");
	UNIT_CHECK(count(46) == 1, "pcre R anchors after the previous content");
	UNIT_CHECK(count(47) == 1, "pcre i flag");
	UNIT_CHECK(count(48) == 1, "a negated pcre that does not match");
	UNIT_CHECK(count(49) == 1, "isdataat relative within the data");
	UNIT_CHECK(count(50) == 0, "isdataat relative past the end fails");
	UNIT_CHECK(count(51) == 1, "byte_test little endian");
	UNIT_CHECK(count(52) == 1, "byte_test with a bitmask");
	detect_flow_free(g.t, &f);
	unload(&g);
}

static void
packet_init(struct sw_packet *p, uint8_t *buf, const char *payload, uint8_t flags)
{
	size_t n = strlen(payload);

	memset(p, 0, sizeof(*p));
	memcpy(buf + 40, payload, n);
	p->data = buf;
	p->caplen = p->wirelen = (uint32_t)(40 + n);
	p->flags = SW_PKT_IP | SW_PKT_L4;
	p->family = 4;
	p->proto = 6;
	inet_pton(AF_INET, "192.168.1.10", p->src.b);
	inet_pton(AF_INET, "203.0.113.5", p->dst.b);
	p->sport = 40000;
	p->dport = 80;
	p->payload_off = 40;
	p->payload_len = (uint32_t)n;
	p->tcp_flags = flags;
	p->ts = 1000000;
}

static void
test_packet(void)
{
	struct eng g;
	struct sw_flow f;
	struct sw_packet p;
	uint8_t buf[256];

	UNIT_CHECK(load(&g,
	                "alert tcp any any -> any 80 (msg:\"syn\"; flags:S; sid:60;)\n"
	                "alert tcp any any -> any 80 (msg:\"syn only\"; flags:S,12; sid:61;)\n"
	                "alert tcp any any -> any 80 (msg:\"dsize\"; dsize:>3; content:\"abc\"; "
	                "sid:62;)\n"
	                "alert tcp any any -> any 80 (msg:\"dsize no\"; dsize:<3; sid:63;)\n"
	                "alert tcp 192.168.0.0/16 any -> !192.168.0.0/16 80 (msg:\"addr\"; "
	                "flags:S; sid:64;)\n"
	                "alert tcp !192.168.0.0/16 any -> any any (msg:\"addr no\"; flags:S; "
	                "sid:65;)\n"
	                "alert tcp any 80 <> any any (msg:\"bidir\"; flags:S; sid:66;)\n"
	                "alert udp any any -> any any (msg:\"udp\"; sid:67;)\n"
	                "alert tcp any any -> any 80 (msg:\"no_stream content\"; "
	                "flow:no_stream; content:\"abcd\"; sid:68;)\n"
	                "alert tcp any any -> any 80 (msg:\"stream content\"; content:\"abcd\"; "
	                "sid:69;)\n",
	                false) == 0,
	           "packet rules load");
	flow_init(&f, 6);
	packet_init(&p, buf, "abcd", 0x02);
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(60) == 1, "flags:S on a SYN");
	UNIT_CHECK(count(61) == 1, "flags:S,12 ignores CWR and ECE");
	UNIT_CHECK(count(62) == 1, "dsize:>3 with a content on the packet");
	UNIT_CHECK(count(63) == 0, "dsize:<3 does not match 4 bytes");
	UNIT_CHECK(count(64) == 1, "address and negated address");
	UNIT_CHECK(count(65) == 0, "negated source does not match");
	UNIT_CHECK(count(66) == 1, "<> matches the other way round");
	UNIT_CHECK(count(67) == 0, "a udp rule does not see tcp");
	UNIT_CHECK(count(68) == 1, "flow:no_stream content on the packet");
	UNIT_CHECK(count(69) == 0, "a stream content is not matched on packets");
	nalerts = 0;
	packet_init(&p, buf, "abcd", 0x12);
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(60) == 0, "flags:S does not match SYN+ACK");

	detect_flow_free(g.t, &f);
	unload(&g);
}

static struct app_buf
ab(const char *s)
{
	struct app_buf b = {(const uint8_t *)s, strlen(s)};

	return b;
}

static void
test_app(void)
{
	struct eng g;
	struct sw_flow f;
	struct app_http_txn tx;
	struct app_dns_msg dns;
	struct app_msg m;
	struct sw_packet p;
	uint8_t buf[128];

	UNIT_CHECK(
	    load(&g,
	         "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin\"; "
	         "startswith; sid:70;)\n"
	         "alert http any any -> any any (msg:\"uri endswith\"; http.uri; "
	         "content:\".php\"; endswith; sid:71;)\n"
	         "alert http any any -> any any (msg:\"uri endswith no\"; http.uri; "
	         "content:\"admin\"; endswith; sid:72;)\n"
	         "alert http any any -> any any (msg:\"host and ua\"; http.host; "
	         "content:\"evil.example\"; http.user_agent; content:\"curl\"; sid:73;)\n"
	         "alert http any any -> any any (msg:\"old modifiers\"; content:\"GET\"; "
	         "http_method; content:\"/admin\"; http_uri; sid:74;)\n"
	         "alert http any any -> any any (msg:\"bsize\"; http.method; bsize:3; "
	         "sid:75;)\n"
	         "alert http any any -> any any (msg:\"stat code\"; http.stat_code; "
	         "content:\"404\"; sid:76;)\n"
	         "alert http any any -> any any (msg:\"response to_client\"; flow:to_client; "
	         "http.stat_code; content:\"404\"; sid:77;)\n"
	         "alert http any any -> any any (msg:\"no fast pattern\"; "
	         "flow:established,to_server; sid:78;)\n"
	         "alert dns any any -> any any (msg:\"dns query\"; dns.query; "
	         "content:\"evil\"; sid:79;)\n"
	         "alert http any any -> any any (msg:\"uricontent\"; uricontent:\"login\"; "
	         "nocase; sid:80;)\n",
	         false) == 0,
	    "app rules load");
	flow_init(&f, 6);
	memset(&tx, 0, sizeof(tx));
	tx.method = ab("GET");
	tx.uri = tx.uri_raw = ab("/admin/LOGIN.php");
	tx.host = ab("www.evil.example");
	tx.user_agent = ab("curl/8.0");
	tx.status = 404;
	memset(&m, 0, sizeof(m));
	m.kind = APP_MSG_HTTP;
	m.dir = FLOW_TO_SERVER;
	m.ts = 5;
	m.u.http = &tx;
	detect_app_msg(g.t, &f, &m, "http");
	UNIT_CHECK(count(70) == 1, "http.uri startswith");
	UNIT_CHECK(count(71) == 1, "http.uri endswith");
	UNIT_CHECK(count(72) == 0, "endswith needs the content at the end");
	UNIT_CHECK(count(73) == 1, "two sticky buffers in one rule");
	UNIT_CHECK(count(74) == 1, "old content modifiers http_method, http_uri");
	UNIT_CHECK(count(75) == 1, "bsize on http.method");
	UNIT_CHECK(count(76) == 1, "http.stat_code");
	UNIT_CHECK(count(77) == 1, "a response buffer rule with flow:to_client");
	UNIT_CHECK(count(78) == 0, "a header-only http rule is not run on messages");
	UNIT_CHECK(count(79) == 0, "a dns rule does not see http");
	UNIT_CHECK(count(80) == 1, "uricontent with nocase");
	for (int i = 0; i < nalerts; i++)
		if (alerts[i] == 77)
			UNIT_CHECK(alert_dirs[i] == FLOW_TO_CLIENT,
			           "a response buffer alert is oriented to_client");
	UNIT_CHECK(nalerts > 0 && alert_msgs[0] == &m, "the alert carries the message");
	/* as Suricata 7's app_layer / pkt rules: each packet of an http flow */
	nalerts = 0;
	packet_init(&p, buf, "", 0x10);
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, "http");
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, "http");
	UNIT_CHECK(count(78) == 2, "a header-only http rule runs on each packet of an http flow");
	nalerts = 0;
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, "tls");
	UNIT_CHECK(count(78) == 0, "a header-only http rule needs the flow to be http");
	f.tcp_flags[FLOW_TO_SERVER] = 0x02; /* the client's ACK of the handshake not seen yet */
	nalerts = 0;
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, "http");
	UNIT_CHECK(count(78) == 0, "flow:established needs the TCP handshake complete");
	f.tcp_flags[FLOW_TO_SERVER] = 0x12;

	memset(&dns, 0, sizeof(dns));
	dns.qname = ab("c2.evil.example");
	dns.nquestions = 1;
	memset(&m, 0, sizeof(m));
	m.kind = APP_MSG_DNS;
	m.dir = FLOW_TO_SERVER;
	m.u.dns = &dns;
	nalerts = 0;
	f.proto = 17;
	f.sport = 53;
	detect_app_msg(g.t, &f, &m, "dns");
	UNIT_CHECK(count(79) == 1, "dns.query");
	detect_flow_free(g.t, &f);
	unload(&g);
}

static void
test_flowbits_threshold(void)
{
	struct eng g;
	struct sw_flow f, f2;
	static const char *const login[] = {"USER admin\r\n", NULL};
	static const char *const pass[] = {"PASS secret\r\n", NULL};

	UNIT_CHECK(
	    load(&g,
	         "alert tcp any any -> any any (msg:\"checker\"; flowbits:isset,user.admin; "
	         "content:\"PASS\"; sid:91;)\n"
	         "alert tcp any any -> any any (msg:\"setter\"; content:\"USER admin\"; "
	         "flowbits:set,user.admin; flowbits:noalert; sid:90;)\n"
	         "alert tcp any any -> any any (msg:\"isnotset\"; flowbits:isnotset,user.admin; "
	         "content:\"PASS\"; sid:92;)\n"
	         "alert tcp any any -> any any (msg:\"limit\"; content:\"X\"; "
	         "threshold:type limit, track by_src, count 1, seconds 60; sid:93;)\n"
	         "alert tcp any any -> any any (msg:\"filter\"; content:\"X\"; "
	         "detection_filter:track by_src, count 2, seconds 60; sid:94;)\n"
	         "alert tcp any any -> any any (msg:\"threshold\"; content:\"X\"; "
	         "threshold:type threshold, track by_dst, count 2, seconds 60; sid:95;)\n"
	         "alert tcp any any -> any any (msg:\"both\"; content:\"X\"; "
	         "threshold:type both, track by_src, count 2, seconds 60; sid:96;)\n"
	         "pass tcp any any -> any any (msg:\"pass\"; content:\"PASSME\"; sid:97;)\n"
	         "alert tcp any any -> any any (msg:\"after pass\"; content:\"PASSME\"; "
	         "sid:98;)\n",
	         false) == 0,
	    "flowbits and threshold rules load");
	flow_init(&f, 6);
	flow_init(&f2, 6);
	stream(&g, &f2, FLOW_TO_SERVER, pass);
	UNIT_CHECK(count(91) == 0 && count(92) == 1, "isset fails and isnotset matches before set");
	nalerts = 0;
	stream(&g, &f, FLOW_TO_SERVER, login);
	UNIT_CHECK(count(90) == 0, "noalert: the setter does not alert");
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"PASS x\r\n", 8, 12, 2, NULL);
	UNIT_CHECK(count(91) == 1 && count(92) == 0, "isset after set on the same flow");
	nalerts = 0;
	for (int i = 0; i < 5; i++) {
		struct sw_flow fx;

		flow_init(&fx, 6);
		detect_stream(g.t, &fx, FLOW_TO_SERVER, (const uint8_t *)"X", 1, 0, 10 + i, NULL);
		detect_flow_free(g.t, &fx);
	}
	UNIT_CHECK(count(93) == 1, "threshold limit 1: one alert of five");
	UNIT_CHECK(count(94) == 3, "detection_filter count 2: alerts from the third match");
	UNIT_CHECK(count(95) == 2, "threshold count 2: every second match");
	UNIT_CHECK(count(96) == 1, "threshold both: once per period after 2 matches");
	nalerts = 0;
	detect_stream(g.t, &f2, FLOW_TO_SERVER, (const uint8_t *)"PASSME", 6, 100, 3, NULL);
	UNIT_CHECK(count(98) == 0, "a pass rule that matched stops the alerts of that data");
	detect_flow_free(g.t, &f);
	detect_flow_free(g.t, &f2);
	unload(&g);
}

static void
test_memcap(void)
{
	struct eng g;
	struct sw_flow f;
	static const char *const split[] = {"xxSPL", "ITxx", NULL};

	UNIT_CHECK(load(&g,
	                "alert tcp any any -> any any (content:\"SPLIT\"; sid:110;)\n"
	                "alert tcp any any -> any any (content:\"xx\"; flowbits:set,a; "
	                "flowbits:noalert; sid:111;)\n",
	                false) == 0,
	           "memcap rules load");
	memset(&mem, 0, sizeof(mem));
	flow_init(&f, 6);
	stream(&g, &f, FLOW_TO_SERVER, split);
	UNIT_CHECK(count(110) == 1, "with room, the window joins the chunks");
	UNIT_CHECK(sw_counter_get(&mem.memuse) > 512, "the window and flowbits are charged");
	detect_flow_free(g.t, &f);
	UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "and given back when the flow ends");
	mem.memcap = 512; /* room for the flowbits, not for a window (its hits and 512 bytes) */
	nalerts = 0;
	flow_init(&f, 6);
	stream(&g, &f, FLOW_TO_SERVER, split);
	UNIT_CHECK(count(110) == 0, "over the cap, no window: a split content is missed");
	UNIT_CHECK(sw_counter_get(&mem.refused) > 0, "... and the refusal is counted");
	detect_flow_free(g.t, &f);
	UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "nothing stays charged");
	mem.memcap = 0;
	/* a window starts small and grows with the direction's data: 40 chunks of 100 bytes
	 * (4,000 bytes, SPLIT across the 23rd and 24th; no chunk size, each chunk inspected) are
	 * joined as with a whole window */
	{
		static uint8_t buf[4000];
		uint64_t small = 0;

		memset(buf, 'a', sizeof(buf));
		memcpy(buf + 2298, "SPLIT", 5);
		nalerts = 0;
		flow_init(&f, 6);
		for (int i = 0; i < 40; i++) {
			detect_stream(g.t, &f, FLOW_TO_SERVER, buf + i * 100, 100, (uint64_t)i * 100,
			              (sw_time_t)i + 1, NULL);
			if (i == 0)
				small = sw_counter_get(&mem.memuse);
		}
		detect_stream_flush(g.t, &f, FLOW_TO_SERVER, 50, NULL);
		UNIT_CHECK(small > 0 && small < 2048, "the first 100 bytes take a small window");
		UNIT_CHECK(sw_counter_get(&mem.memuse) >= small + 1536,
		           "4,000 bytes grow it from 512 bytes to the whole 2 KB window");
		UNIT_CHECK(count(110) == 1, "SPLIT across two chunks, after the growth: one alert");
		detect_flow_free(g.t, &f);
		UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "the grown window is given back whole");
	}
	unload(&g);
}

/* flow and packet variables (pcre flow_/pkt_ captures, flowvar, pktvar) on packets of one flow;
 * a flow variable refused by the memcap is not set, and the refusal is counted */
static void
test_flowvar(void)
{
	struct eng g;
	struct sw_flow f;
	struct sw_packet p;
	uint8_t buf[256];
	uint64_t total;

	UNIT_CHECK(load(&g,
	                "alert tcp any any -> any 80 (flow:no_stream; content:\"user=\"; "
	                "pcre:\"/user=(?P<flow_user>[a-z]+)/\"; noalert; sid:120;)\n"
	                "alert tcp any any -> any 80 (flow:no_stream; content:\"pass\"; "
	                "flowvar:user,\"bo\"; sid:121;)\n"
	                "alert tcp any any -> any 80 (flow:no_stream; content:\"pass\"; "
	                "flowvar:user,\"alice\"; sid:122;)\n"
	                "alert tcp any any -> any 80 (flow:no_stream; content:\"user=\"; "
	                "pcre:\"/user=(?P<pkt_u>[a-z]+)/\"; pktvar:u,\"ob\"; sid:123;)\n"
	                "alert tcp any any -> any 80 (flow:no_stream; content:\"pass\"; "
	                "pktvar:u,\"b\"; sid:124;)\n",
	                false) == 0,
	           "flowvar rules load");
	memset(&mem, 0, sizeof(mem));
	flow_init(&f, 6);
	packet_init(&p, buf, "user=bob", 0x18);
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(120) == 0 && count(123) == 1, "pktvar: the packet's own capture");
	UNIT_CHECK_STR(last_vars, "f:user=bob p:u=bob ", "  the alert carries both variables");
	total = sw_counter_get(&mem.memuse);
	packet_init(&p, buf, "pass", 0x18);
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(121) == 1, "flowvar: a substring of the value a packet before set");
	UNIT_CHECK_STR(last_vars, "f:user=bob ", "  the alert carries the flow variable only");
	UNIT_CHECK(count(122) == 0, "flowvar: another value does not match");
	UNIT_CHECK(count(124) == 0, "pktvar: gone with its packet");
	detect_flow_free(g.t, &f);
	UNIT_CHECK(total > 0 && sw_counter_get(&mem.memuse) == 0,
	           "the variable is charged and given back when the flow ends");
	mem.memcap = total - 1; /* room for the flow's state, not for the variable */
	nalerts = 0;
	flow_init(&f, 6);
	packet_init(&p, buf, "user=bob", 0x18);
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, NULL);
	packet_init(&p, buf, "pass", 0x18);
	detect_packet(g.t, &f, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(121) == 0 && count(123) == 1, "over the cap the flow variable is not set");
	UNIT_CHECK(sw_counter_get(&mem.refused) > 0, "... and the refusal is counted");
	detect_flow_free(g.t, &f);
	UNIT_CHECK(sw_counter_get(&mem.memuse) == 0, "nothing stays charged");
	mem.memcap = 0;
	unload(&g);
}

static void
test_cache_and_events(void)
{
	struct eng g;
	struct sw_flow f;
	static const char *const data[] = {"hello cached world", NULL};
	const char *rules = "alert tcp any any -> any any (content:\"cached\"; sid:100;)\n"
	                    "alert tcp any any -> any any (content:\"world\"; nocase; sid:101;)\n";

	UNIT_CHECK(load(&g, rules, true) == 0, "first load with a cache");
	UNIT_CHECK(!detect_engine_summary(g.e)->from_cache, "the first load compiles");
	unload(&g);
	UNIT_CHECK(load(&g, rules, true) == 0, "second load with a cache");
	UNIT_CHECK(detect_engine_summary(g.e)->from_cache, "the second load reads the cache");
	flow_init(&f, 6);
	stream(&g, &f, FLOW_TO_SERVER, data);
	UNIT_CHECK(count(100) == 1 && count(101) == 1, "rules from the cache match");
	detect_flow_free(g.t, &f);
	unload(&g);
}

/* A reload (detect_engine_carry): thresholds of the rules both sets have go on, a changed
 * threshold starts over, xbits stay set. */
static void
test_reload_carry(void)
{
	static const char *const rules =
	    "alert tcp any any -> any any (msg:\"limit\"; content:\"X\"; "
	    "threshold:type limit, track by_src, count 1, seconds 60; sid:93;)\n"
	    "alert tcp any any -> any any (msg:\"changed\"; content:\"X\"; "
	    "threshold:type limit, track by_src, count %d, seconds 60; sid:94;)\n"
	    "alert tcp any any -> any any (msg:\"set\"; content:\"S\"; "
	    "xbits:set,kw.r,track ip_src,expire 60; noalert; sid:95;)\n"
	    "alert tcp any any -> any any (msg:\"isset\"; content:\"C\"; "
	    "xbits:isset,kw.r,track ip_src; sid:96;)\n";
	struct eng a, b;
	struct sw_flow f;
	char text[1024];

	snprintf(text, sizeof(text), rules, 1);
	UNIT_CHECK(load(&a, text, false) == 0, "first set loads");
	flow_init(&f, 6);
	detect_stream(a.t, &f, FLOW_TO_SERVER, (const uint8_t *)"XS", 2, 0, 10, NULL);
	UNIT_CHECK(count(93) == 1 && count(94) == 1, "first set: one alert each");
	detect_flow_free(a.t, &f);
	snprintf(text, sizeof(text), rules, 2); /* sid 94 now allows 2 */
	UNIT_CHECK(load(&b, text, false) == 0, "second set loads");
	UNIT_CHECK(detect_engine_carry(b.e, a.e) == 0, "carry");
	unload(&a); /* the old set goes: what was carried stays with the new one */
	flow_init(&f, 6);
	detect_stream(b.t, &f, FLOW_TO_SERVER, (const uint8_t *)"XC", 2, 0, 11, NULL);
	UNIT_CHECK(count(93) == 0, "limit 1 reached before the reload: no alert after it");
	UNIT_CHECK(count(94) == 1, "a changed threshold starts over");
	UNIT_CHECK(count(96) == 1, "an xbit set before the reload is still set");
	detect_flow_free(b.t, &f);
	unload(&b);
}

/* The packet p the other way: 203.0.113.5:80 -> 192.168.1.10:40000. */
static void
packet_reverse(struct sw_packet *p)
{
	struct sw_addr a = p->src;

	p->src = p->dst;
	p->dst = a;
	p->sport = 80;
	p->dport = 40000;
}

/* Suricata's IP-only rules: the first packet of each direction of a flow (the flow's packet
 * count of that direction is 1: flow_table_update counts the packet before detection) and
 * every packet without a flow; a negated address or another keyword keeps a rule on every
 * packet; a reload does not inspect again a direction already seen. */
static void
test_iponly(void)
{
	static const char *const first =
	    "alert ip 203.0.113.5 any <> any any (msg:\"ip-only\"; sid:200;)\n"
	    "alert ip !10.0.0.0/8 any -> any any (msg:\"negated: every packet\"; sid:201;)\n"
	    "alert ip 192.168.1.10 any -> any any (msg:\"flow: every packet\"; flow:to_server; "
	    "sid:202;)\n"
	    "alert tcp any any -> 203.0.113.5 80 (msg:\"ip-only with ports, flowbits set\"; "
	    "flowbits:set,io; sid:203;)\n"
	    "alert ip any any -> any any (msg:\"isset: every packet\"; flowbits:isset,io; "
	    "sid:204;)\n"
	    "alert ip any any -> any any (msg:\"ip-only threshold\"; threshold:type limit, "
	    "track by_src, count 5, seconds 60; sid:205;)\n"
	    "alert ip any any -> any any (msg:\"ttl: every packet\"; ttl:0; sid:206;)\n"
	    "alert ip any any -> any any (msg:\"count\"; flowint:n,+,1; noalert; sid:207;)\n";
	struct eng a, b;
	struct sw_flow f, f2;
	struct sw_packet p;
	uint8_t buf[256];

	UNIT_CHECK(load(&a, first, false) == 0, "ip-only rules load");
	flow_init(&f, 6);
	f.pkts[FLOW_TO_SERVER] = 1;
	f.pkts[FLOW_TO_CLIENT] = 0;
	packet_init(&p, buf, "", 0x02);
	detect_packet(a.t, &f, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(200) == 1 && count(201) == 1 && count(202) == 1 && count(203) == 1 &&
	               count(204) == 1 && count(205) == 1 && count(206) == 1,
	           "first packet to the server: every rule (the setter before isset)");
	nalerts = 0;
	f.pkts[FLOW_TO_SERVER] = 2;
	detect_packet(a.t, &f, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(200) == 0 && count(203) == 0 && count(205) == 0,
	           "second packet to the server: no IP-only rule");
	UNIT_CHECK(count(201) == 1 && count(202) == 1 && count(204) == 1 && count(206) == 1,
	           "second packet to the server: the other rules");
	UNIT_CHECK(strcmp(last_bits, "b:io i:n=2 ") == 0,
	           "an alert carries the flow's flowbits and flowints (metadata)");
	nalerts = 0;
	f.pkts[FLOW_TO_CLIENT] = 1;
	packet_reverse(&p);
	detect_packet(a.t, &f, FLOW_TO_CLIENT, &p, NULL);
	UNIT_CHECK(count(200) == 1 && count(205) == 1,
	           "first packet to the client: the IP-only rules of its addresses");
	UNIT_CHECK(count(203) == 0, "ports and addresses still decide (to the client)");
	UNIT_CHECK(count(201) == 1 && count(202) == 0 && count(204) == 1,
	           "first packet to the client: negated, flow and isset rules as always");
	nalerts = 0;
	f.pkts[FLOW_TO_CLIENT] = 2;
	detect_packet(a.t, &f, FLOW_TO_CLIENT, &p, NULL);
	UNIT_CHECK(count(200) == 0 && count(205) == 0, "second packet to the client: none");
	nalerts = 0;
	packet_init(&p, buf, "", 0x02);
	detect_packet(a.t, NULL, FLOW_TO_SERVER, &p, NULL);
	detect_packet(a.t, NULL, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(200) == 2, "without a flow: every packet");

	/* a reload (another rule set, carried): directions already inspected stay inspected */
	UNIT_CHECK(load(&b,
	                "alert ip any any -> 203.0.113.5 any (msg:\"new ip-only\"; sid:210;)\n"
	                "alert ip any any -> 203.0.113.5 any (msg:\"new, every packet\"; "
	                "ip_proto:6; sid:211;)\n",
	                false) == 0,
	           "second rule set loads");
	UNIT_CHECK(detect_engine_carry(b.e, a.e) == 0, "carry");
	nalerts = 0;
	f.pkts[FLOW_TO_SERVER] = 3;
	detect_packet(b.t, &f, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(210) == 0, "after a reload: no IP-only alert on a direction seen before");
	UNIT_CHECK(count(211) == 1, "after a reload: packet rules as always");
	flow_init(&f2, 6);
	f2.pkts[FLOW_TO_SERVER] = 1;
	f2.pkts[FLOW_TO_CLIENT] = 0;
	nalerts = 0;
	detect_packet(b.t, &f2, FLOW_TO_SERVER, &p, NULL);
	UNIT_CHECK(count(210) == 1, "after a reload: a new flow's first packet");
	detect_flow_free(a.t, &f);
	detect_flow_free(b.t, &f2);
	unload(&a);
	unload(&b);
}

/* detect.stream-chunk-size: the bytes of a direction wait for an inspection; one inspection
 * alerts once per rule; a flush inspects what waits. */
static void
test_stream_chunks(void)
{
	struct eng g;
	struct sw_flow f;

	chunk_size = 10;
	UNIT_CHECK(load(&g, "alert tcp any any -> any any (msg:\"m\"; content:\"MARK\"; sid:81;)\n",
	                false) == 0,
	           "rules load with a 10-byte chunk");
	chunk_size = 0;
	flow_init(&f, 6);
	nalerts = 0;
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"MARK", 4, 0, 1, NULL);
	UNIT_CHECK(nalerts == 0, "4 new bytes: no inspection yet");
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"MARK", 4, 4, 2, NULL);
	UNIT_CHECK(nalerts == 0, "8 new bytes: no inspection yet");
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"xxMA", 4, 8, 3, NULL);
	UNIT_CHECK(count(81) == 1, "12 new bytes: one inspection, one alert for two MARKs");
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"RK", 2, 12, 4, NULL);
	UNIT_CHECK(count(81) == 1, "2 new bytes wait");
	detect_stream_flush(g.t, &f, FLOW_TO_SERVER, 5, NULL);
	UNIT_CHECK(count(81) == 2, "the flush: the MARK split across the inspections");
	detect_stream_flush(g.t, &f, FLOW_TO_SERVER, 6, NULL);
	UNIT_CHECK(count(81) == 2, "nothing new: nothing again");
	detect_flow_free(g.t, &f);
	unload(&g);
}

/* detect_stream_end: what waits is inspected, then the direction's window goes back to the
 * memory cap at once (not at the flow's end); the other direction keeps its window, and data
 * after the end starts a new one. */
static void
test_stream_end(void)
{
	struct eng g;
	struct sw_flow f;
	uint64_t before, one, two;
	struct detect_stats *st;

	chunk_size = 10;
	UNIT_CHECK(load(&g, "alert tcp any any -> any any (msg:\"m\"; content:\"MARK\"; sid:82;)\n",
	                false) == 0,
	           "rules load with a 10-byte chunk");
	chunk_size = 0;
	st = detect_thread_stats(g.t);
	flow_init(&f, 6);
	before = sw_counter_get(&mem.memuse);
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"xxMA", 4, 0, 1, NULL);
	one = sw_counter_get(&mem.memuse) - before;
	UNIT_CHECK(one > 512, "a window is charged for the first bytes of a direction");
	detect_stream(g.t, &f, FLOW_TO_CLIENT, (const uint8_t *)"abc", 3, 0, 2, NULL);
	two = sw_counter_get(&mem.memuse) - before;
	UNIT_CHECK(two - one > 512, "and one for the other direction");
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"RK", 2, 4, 3, NULL);
	UNIT_CHECK(nalerts == 0, "6 bytes wait for the inspection");
	detect_stream_end(g.t, &f, FLOW_TO_SERVER, 4, NULL);
	UNIT_CHECK(count(82) == 1, "the end inspects what waited: the split MARK");
	UNIT_CHECK(sw_counter_get(&st->windows_released) == 1, "one window released");
	UNIT_CHECK(sw_counter_get(&mem.memuse) - before == one, /* the struct, one window */
	           "the ended direction's window is no longer charged, the other's still is");
	detect_stream_end(g.t, &f, FLOW_TO_SERVER, 5, NULL);
	UNIT_CHECK(count(82) == 1 && sw_counter_get(&st->windows_released) == 1,
	           "a second end: nothing inspected, nothing released");
	detect_stream(g.t, &f, FLOW_TO_SERVER, (const uint8_t *)"MARK", 4, 6, 6, NULL);
	detect_stream_flush(g.t, &f, FLOW_TO_SERVER, 7, NULL);
	UNIT_CHECK(count(82) == 2, "data after the end gets a new window and is inspected");
	detect_stream(g.t, &f, FLOW_TO_CLIENT, (const uint8_t *)"MARK", 4, 3, 8, NULL);
	detect_stream_end(g.t, &f, FLOW_TO_CLIENT, 9, NULL);
	UNIT_CHECK(count(82) == 3, "the other direction's end inspects its bytes");
	detect_flow_free(g.t, &f);
	UNIT_CHECK(sw_counter_get(&mem.memuse) == before, "the flow's end gives back the rest");
	unload(&g);
}

int
main(void)
{
	char cmd[300];

	sw_log_set_level(SW_LOG_ERROR);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_stream_contents();
	test_stream_once();
	test_stream_pending();
	test_stream_seen();
	test_byte_pcre();
	test_packet();
	test_app();
	test_flowbits_threshold();
	test_memcap();
	test_flowvar();
	test_cache_and_events();
	test_reload_carry();
	test_iponly();
	test_stream_chunks();
	test_stream_end();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return unit_done();
}
