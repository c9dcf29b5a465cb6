/* tests/unit/output/test_eve.c: the JSON writer (escaping, UTF-8, nesting) and the EVE event
 * formats, parsed back with jansson so every line is proven to be valid JSON. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <jansson.h>

#include "output/output.h"
#include "unit.h"

static json_t *
parse(const struct sbuf *b)
{
	json_error_t err;
	json_t *j = json_loadb(b->p, b->len, 0, &err);

	if (j == NULL)
		printf("# not JSON (%s): %.*s\n", err.text, (int)b->len, b->p);
	return j;
}

static const char *
str_at(json_t *j, const char *a, const char *b)
{
	json_t *v = json_object_get(j, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long
int_at(json_t *j, const char *a, const char *b)
{
	json_t *v = json_object_get(j, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* The 8-bytes-at-a-time path of the string escaper against a byte-at-a-time reference: one
 * byte needing care (or not) at every offset of a plain 24-byte string. */
static void
test_escape_fast(void)
{
	static const uint8_t special[] = {'"', '\\', '\n', 0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff};
	unsigned bad = 0;

	for (size_t k = 0; k < sizeof(special); k++) {
		for (size_t at = 0; at < 24; at++) {
			uint8_t in[24];
			char want[64];
			size_t n = 0;
			struct sbuf b;
			struct jw w;
			uint8_t c = special[k];

			memset(in, 'a' + (int)(at % 26), sizeof(in));
			in[at] = c;
			n += (size_t)snprintf(want + n, sizeof(want) - n, "{\"k\":\"");
			for (size_t i = 0; i < sizeof(in); i++) {
				if (in[i] == '"')
					n += (size_t)snprintf(want + n, sizeof(want) - n, "\\\"");
				else if (in[i] == '\\')
					n += (size_t)snprintf(want + n, sizeof(want) - n, "\\\\");
				else if (in[i] == '\n')
					n += (size_t)snprintf(want + n, sizeof(want) - n, "\\n");
				else if (in[i] < 0x20 || in[i] >= 0x80)
					n += (size_t)snprintf(want + n, sizeof(want) - n, "\\u00%02x",
							      in[i]);
				else
					want[n++] = (char)in[i];
			}
			snprintf(want + n, sizeof(want) - n, "\"}\n");
			sbuf_init(&b);
			jw_init(&w, &b);
			jw_strn(&w, "k", in, sizeof(in));
			jw_finish(&w);
			if (strcmp(b.p, want) != 0) {
				if (bad++ == 0)
					printf("#   byte 0x%02x at %zu: got %s   want %s", c, at, b.p,
					       want);
			}
			sbuf_free(&b);
		}
	}
	UNIT_CHECK(bad == 0, "escaping 8 bytes at a time gives what a byte at a time gives");
}

static void
test_writer(void)
{
	struct sbuf b;
	struct jw w;
	json_t *j;
	const uint8_t wire[] = {'a', '"', '\\', '\n', 0x01, 0xc3, 0xa9, 0xff, 0xe2, 0x82, 'z'};

	sbuf_init(&b);
	jw_init(&w, &b);
	jw_str(&w, "s", "x");
	jw_strn(&w, "wire", wire, sizeof(wire));
	jw_obj_begin(&w, "o");
	jw_u64(&w, "big", (uint64_t)INT64_MAX); /* jansson reads up to int64 */
	jw_i64(&w, "neg", -5);
	jw_arr_begin(&w, "a");
	jw_u64(&w, NULL, 1);
	jw_u64(&w, NULL, 2);
	jw_arr_end(&w);
	jw_obj_begin(&w, "empty");
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_bool(&w, "t", true);
	jw_finish(&w);
	UNIT_CHECK(b.len > 0 && b.p[b.len - 1] == '\n', "an event ends with a newline");
	j = parse(&b);
	UNIT_CHECK(j != NULL, "writer output is valid JSON");
	/* é (valid UTF-8) stays; 0xff and the cut sequence e2 82 are escaped as \u00XX */
	UNIT_CHECK_STR(str_at(j, "wire", NULL), "a\"\\\n\x01\xc3\xa9\xc3\xbf\xc3\xa2\xc2\x82z",
		       "wire bytes escaped, valid UTF-8 kept, invalid bytes mapped");
	UNIT_CHECK(strstr(b.p, "\\u00ff") != NULL, "an invalid byte is written as \\u00ff");
	UNIT_CHECK(json_integer_value(json_object_get(json_object_get(j, "o"), "neg")) == -5,
		   "negative integer");
	UNIT_CHECK(json_array_size(json_object_get(json_object_get(j, "o"), "a")) == 2,
		   "array with two members");
	UNIT_CHECK(json_is_true(json_object_get(j, "t")), "boolean");
	json_decref(j);
	sbuf_free(&b);
}

static void
test_flow_event(void)
{
	struct output_conf oc;
	const char *names[] = {"/tmp/x/capture.pcap"};
	struct eve_ctx ctx = {.conf = &oc, .source_names = names, .nsources = 1};
	struct sw_flow f;
	struct sbuf b;
	json_t *j;

	memset(&oc, 0, sizeof(oc));
	oc.sensor_name = "unit";
	memset(&f, 0, sizeof(f));
	f.family = 4;
	inet_pton(AF_INET, "1.2.3.4", f.cli.b);
	inet_pton(AF_INET, "5.6.7.8", f.srv.b);
	f.cport = 1122;
	f.sport = 3344;
	f.proto = 6;
	f.vlan[0] = 100;
	f.vlan_count = 1;
	f.start = 1700000000000000ULL;
	f.last = f.start + 2500000;
	f.pkts[0] = 3;
	f.pkts[1] = 2;
	f.bytes[0] = 300;
	f.bytes[1] = 2000;
	f.state = FLOW_STATE_CLOSED;
	f.reason = FLOW_END_TCP_CLOSE;
	f.tcp_flags[0] = 0x1b;
	f.tcp_flags[1] = 0x13;
	f.flow_id = 12345;
	sbuf_init(&b);
	eve_format_flow(&b, &ctx, &f, NULL);
	j = parse(&b);
	UNIT_CHECK(j != NULL, "flow event is valid JSON");
	UNIT_CHECK_STR(str_at(j, "event_type", NULL), "flow", "event_type");
	UNIT_CHECK_STR(str_at(j, "timestamp", NULL), "2023-11-14T22:13:20.000000+0000",
		       "timestamp is the flow start");
	UNIT_CHECK_STR(str_at(j, "community_id", NULL), "1:wCb3OG7yAFWelaUydu0D+125CLM=",
		       "community_id of the flow");
	UNIT_CHECK_STR(str_at(j, "src_ip", NULL), "1.2.3.4", "src_ip is the client");
	UNIT_CHECK(int_at(j, "dest_port", NULL) == 3344, "dest_port");
	UNIT_CHECK_STR(str_at(j, "proto", NULL), "TCP", "proto");
	UNIT_CHECK_STR(str_at(j, "sensor", NULL), "unit", "sensor name");
	UNIT_CHECK_STR(str_at(j, "pcap_filename", NULL), "/tmp/x/capture.pcap", "pcap_filename");
	UNIT_CHECK(int_at(j, "flow_id", NULL) == 12345, "flow_id");
	UNIT_CHECK(json_integer_value(json_array_get(json_object_get(j, "vlan"), 0)) == 100, "vlan");
	UNIT_CHECK(int_at(j, "flow", "pkts_toserver") == 3 && int_at(j, "flow", "bytes_toclient") ==
			   2000, "flow counters");
	UNIT_CHECK(int_at(j, "flow", "age") == 2, "age in seconds");
	UNIT_CHECK_STR(str_at(j, "flow", "state"), "closed", "flow.state");
	UNIT_CHECK_STR(str_at(j, "flow", "reason"), "tcp_close", "flow.reason");
	UNIT_CHECK_STR(str_at(j, "tcp", "tcp_flags"), "1b", "tcp_flags union");
	UNIT_CHECK_STR(str_at(j, "tcp", "tcp_flags_tc"), "13", "tcp_flags_tc");
	UNIT_CHECK(json_is_true(json_object_get(json_object_get(j, "tcp"), "syn")), "tcp.syn");
	UNIT_CHECK(json_object_get(json_object_get(j, "tcp"), "rst") == NULL, "no rst");
	UNIT_CHECK(json_object_get(j, "event_id") == NULL, "no event_id without a sequence");
	json_decref(j);
	{
		_Atomic uint64_t seq = 41;

		snprintf(ctx.run_id, sizeof(ctx.run_id), "r1");
		ctx.event_seq = &seq;
		eve_format_flow(&b, &ctx, &f, NULL);
		j = parse(&b);
		UNIT_CHECK_STR(str_at(j, "event_id", NULL), "unit-r1-41", "event_id: sensor-run-seq");
		json_decref(j);
		eve_format_flow(&b, &ctx, &f, NULL);
		j = parse(&b);
		UNIT_CHECK_STR(str_at(j, "event_id", NULL), "unit-r1-42", "event_id: the next one");
		json_decref(j);
		ctx.event_seq = NULL;
	}
	sbuf_free(&b);
}

static void
test_stats_event(void)
{
	struct output_conf oc;
	struct eve_ctx ctx = {.conf = &oc};
	const struct eve_counter c[] = {
		{"capture.packets", 10}, {"decoder.pkts", 9},          {"decoder.event.ipv4.a", 1},
		{"decoder.event.ipv4.b", 2}, {"decoder.event.tcp.c", 3}, {"decoder.bytes", 99},
		{"flow.end.timeout", 4},  {"flow.created", 5},
	};
	struct sbuf b;
	json_t *j, *s;

	memset(&oc, 0, sizeof(oc));
	sbuf_init(&b);
	eve_format_stats(&b, &ctx, 1700000000000000ULL, 7, c, sizeof(c) / sizeof(c[0]));
	j = parse(&b);
	UNIT_CHECK(j != NULL, "stats event is valid JSON");
	s = json_object_get(j, "stats");
	UNIT_CHECK(int_at(s, "uptime", NULL) == 7, "uptime");
	UNIT_CHECK(int_at(s, "capture", "packets") == 10, "capture.packets nested");
	UNIT_CHECK(json_integer_value(json_object_get(json_object_get(json_object_get(
			   json_object_get(s, "decoder"), "event"), "ipv4"), "b")) == 2,
		   "four-level name nested");
	UNIT_CHECK(int_at(s, "decoder", "bytes") == 99, "a name after a deeper group");
	UNIT_CHECK(json_integer_value(json_object_get(json_object_get(json_object_get(s, "flow"),
								      "end"), "timeout")) == 4 &&
			   int_at(s, "flow", "created") == 5,
		   "sibling groups");
	json_decref(j);
	sbuf_free(&b);
}

static void
test_anomaly_event(void)
{
	struct output_conf oc;
	struct eve_ctx ctx = {.conf = &oc};
	struct sw_packet p;
	struct sbuf b;
	json_t *j;

	memset(&oc, 0, sizeof(oc));
	memset(&p, 0, sizeof(p));
	p.ts = 1700000000000001ULL;
	p.linktype = 1;
	p.caplen = p.wirelen = 40;
	sbuf_init(&b);
	eve_format_anomaly(&b, &ctx, &p, "decode", "ipv4.trunc_pkt");
	j = parse(&b);
	UNIT_CHECK(j != NULL, "anomaly event is valid JSON");
	UNIT_CHECK_STR(str_at(j, "anomaly", "event"), "decoder.ipv4.trunc_pkt",
		       "decode events get Suricata's decoder. prefix");
	UNIT_CHECK(json_object_get(j, "src_ip") == NULL, "no addresses when IP was not decoded");
	json_decref(j);
	sbuf_free(&b);
}

int
main(void)
{
	test_writer();
	test_escape_fast();
	test_flow_event();
	test_stats_event();
	test_anomaly_event();
	return unit_done();
}
