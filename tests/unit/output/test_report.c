/* tests/unit/output/test_report.c: the report sink fed crafted EVE lines: its JSON reader, its
 * time parser, the link to an alert's evidence pcap, top-N tables that keep the heavy rows
 * exact when many light ones pass through, the cap on alerts kept in full, and a timeline whose
 * range grows both ways. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/output.h"
#include "output/output_int.h"
#include "output/output_report_int.h"
#include "unit.h"

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *p = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (p = calloc(1, (size_t)n + 1)) != NULL && fread(p, 1, (size_t)n, fp) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(fp);
	return p;
}

static void
put(const struct output_sink_ops *ops, struct output_sink *s, int type, const char *line)
{
	ops->write(s, type, line, strlen(line));
}

static void
test_json(void)
{
	struct rjson doc;
	static struct rjv nodes[64];
	const char *line =
	    "{\"a\":{\"b\":[1,\"x\\u00e9\\ud83d\\ude00\\\"\"],\"n\":155332123903358},"
	    "\"t\":true,\"z\":null}";

	memset(&doc, 0, sizeof(doc));
	doc.nodes = nodes;
	doc.cap_nodes = 64;
	UNIT_CHECK(report_json_parse(&doc, line, strlen(line)) == 0, "json: an object parses");
	UNIT_CHECK(rjv_u64(doc.root, "a.n") == 155332123903358ULL, "json: integers are exact");
	UNIT_CHECK_STR(rjv_get(doc.root, "a.b")->child->next->s, "x\xc3\xa9\xf0\x9f\x98\x80\"",
	               "json: escapes and surrogate pairs decode to UTF-8");
	UNIT_CHECK(rjv_get(doc.root, "t")->type == RJ_BOOL &&
	               rjv_get(doc.root, "z")->type == RJ_NULL,
	           "json: true and null");
	UNIT_CHECK(report_json_parse(&doc, "{\"a\":1", 6) != 0, "json: a cut line is refused");
	UNIT_CHECK(report_json_parse(&doc, "{\"a\":1} x", 9) != 0,
	           "json: trailing bytes are refused");
	UNIT_CHECK(report_json_parse(&doc, "{\"a\":\"\x01\"}", 9) != 0,
	           "json: a control character in a string is refused");
	{
		char deep[200];
		size_t i;

		memset(deep, 0, sizeof(deep));
		memcpy(deep, "{\"a\":", 5);
		for (i = 0; i < 40; i++)
			deep[5 + i] = '[';
		UNIT_CHECK(report_json_parse(&doc, deep, strlen(deep)) != 0,
		           "json: nesting past 32 is refused");
	}
	{
		char many[2000];
		size_t i, n = 0;

		n += (size_t)snprintf(many + n, sizeof(many) - n, "{\"a\":[");
		for (i = 0; i < 100; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, "%s1", i > 0 ? "," : "");
		n += (size_t)snprintf(many + n, sizeof(many) - n, "]}");
		UNIT_CHECK(report_json_parse(&doc, many, n) != 0,
		           "json: more values than nodes is refused");
	}
	free(doc.str);
	UNIT_CHECK(report_parse_time("2026-11-25T20:27:14.668518+0000") ==
	               1795638434ULL * SW_USEC_PER_SEC + 668518,
	           "time: an EVE timestamp in microseconds");
	UNIT_CHECK(report_parse_time("2026-11-25 20:27:14") == 0, "time: another format is 0");
}

static void
test_sink(void)
{
	const struct output_sink_ops *ops = output_sink_find("report");
	struct output_conf conf;
	struct output_sink *s = NULL;
	const struct output_report_stats *st;
	char path[] = "/tmp/test_report.XXXXXX", line[1024], *html;
	int fd = mkstemp(path), i;

	UNIT_CHECK(ops != NULL && fd >= 0, "sink: found by name");
	if (ops == NULL || fd < 0)
		return;
	close(fd);
	memset(&conf, 0, sizeof(conf));
	conf.report_file = path;
	conf.report_alerts = 3;
	conf.report_top = 5;
	conf.report_memcap = 64 << 20;
	UNIT_CHECK(ops->open(&conf, &s) == 0, "sink: opens");
	if (s == NULL)
		return;
	/* 5 alerts: the first with an evidence file, the second with a Kafka evidence topic */
	put(ops, s, EVE_ALERT,
	    "{\"timestamp\":\"2026-11-25T20:27:14.000000+0000\",\"flow_id\":7,\"event_type\":"
	    "\"alert\","
	    "\"src_ip\":\"10.0.0.1\",\"src_port\":1,\"dest_ip\":\"10.0.0.2\",\"dest_port\":80,"
	    "\"alert\":{\"signature_id\":11,\"signature\":\"first <sig>\",\"severity\":1},"
	    "\"http\":{\"hostname\":\"h.example\"},"
	    "\"evidence\":{\"file\":\"ev/"
	    "demo-1.pcap\",\"packets\":4,\"bytes\":300,\"complete\":true}}");
	put(ops, s, EVE_ALERT,
	    "{\"timestamp\":\"2026-11-25T20:27:15.000000+0000\",\"flow_id\":7,\"event_type\":"
	    "\"alert\","
	    "\"alert\":{\"signature_id\":11,\"signature\":\"first <sig>\",\"severity\":1},"
	    "\"evidence\":{\"topic\":\"spanwatch.evidence\",\"key\":\"x-1\",\"packets\":4}}");
	for (i = 0; i < 3; i++)
		put(ops, s, EVE_ALERT,
		    "{\"timestamp\":\"2026-11-25T20:27:16.000000+0000\",\"event_type\":\"alert\","
		    "\"alert\":{\"signature_id\":12,\"signature\":\"second\",\"severity\":3}}");
	/* the flow of the first alerts ends, having started before them */
	put(ops, s, EVE_FLOW,
	    "{\"flow_id\":7,\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0."
	    "2\","
	    "\"proto\":\"TCP\",\"flow\":{\"pkts_toserver\":2,\"pkts_toclient\":2,\"bytes_"
	    "toserver\":100,"
	    "\"bytes_toclient\":900000,\"start\":\"2026-11-25T20:20:00.000000+0000\",\"end\":"
	    "\"2026-11-25T20:30:00.000000+0000\",\"state\":\"closed\",\"reason\":\"tcp_close\"},"
	    "\"ndpi\":{\"protocol\":\"HTTP\"}}");
	/* 20000 light flows between distinct hosts pass through the 4096-row host table */
	for (i = 0; i < 20000; i++) {
		snprintf(
		    line, sizeof(line),
		    "{\"flow_id\":%d,\"event_type\":\"flow\",\"src_ip\":\"10.1.%d.%d\",\"dest_ip\":"
		    "\"192.0.2.%d\",\"proto\":\"UDP\",\"flow\":{\"pkts_toserver\":1,\"bytes_"
		    "toserver\":"
		    "%d,\"start\":\"2026-11-26T00:00:00.000000+0000\",\"end\":"
		    "\"2026-11-26T00:00:00.000000+0000\"}}",
		    100 + i, i / 256, i % 256, i % 200, 60 + i % 7);
		put(ops, s, EVE_FLOW, line);
	}
	put(ops, s, EVE_STATS,
	    "{\"timestamp\":\"2026-11-26T00:00:01.000000+0000\",\"event_type\":\"stats\",\"stats\":"
	    "{\"decoder\":{\"pkts\":20004,\"bytes\":2000000},\"capture\":{\"kernel_drops\":17},"
	    "\"loss\":{\"kernel_drop\":17,\"stream_gap\":0,\"total\":17}}}");
	put(ops, s, EVE_ANOMALY, "not json");
	put(ops, s, EVE_DNS, "not json either: app events are counted, not read");
	st = output_report_sink_stats(s);
	UNIT_CHECK(sw_counter_get(&st->alerts_detailed) == 3 &&
	               sw_counter_get(&st->alerts_summarized) == 2,
	           "sink: 3 alerts kept in full (report.alerts), 2 counted");
	UNIT_CHECK(sw_counter_get(&st->unparsed) == 1, "sink: a line that is not JSON is counted");
	UNIT_CHECK(sw_counter_get(&st->mem.memuse) > 0 &&
	               sw_counter_get(&st->mem.memuse) <= conf.report_memcap,
	           "sink: its memory is charged to report.memcap");
	ops->close(s);
	html = slurp(path);
	unlink(path);
	UNIT_CHECK(html != NULL, "sink: the page is written at close");
	if (html == NULL)
		return;
	UNIT_CHECK(strstr(html, "<a class=evidence href=\"ev/demo-1.pcap\">ev/demo-1.pcap</a>") !=
	               NULL,
	           "page: the alert's page links its evidence pcap");
	UNIT_CHECK(strstr(html, "spanwatch.evidence") != NULL,
	           "page: a Kafka evidence topic is shown");
	UNIT_CHECK(strstr(html, "first &lt;sig&gt;") != NULL && strstr(html, "first <sig>") == NULL,
	           "page: text from events is escaped");
	UNIT_CHECK(strstr(html, "id=\"sum-alerts\">5<") != NULL &&
	               strstr(html, "id=\"sum-flows\">20001<") != NULL &&
	               strstr(html, "id=\"sum-packets\">20004<") != NULL,
	           "page: alerts, flows and packets in the summary");
	UNIT_CHECK(strstr(html, "capture.kernel_drops</td><td class=n data-v=\"17\">17<") != NULL,
	           "page: kernel drops in the loss figures");
	UNIT_CHECK(strstr(html, "kernel_drop</td><td class=n data-v=\"17\">17<") != NULL &&
	               strstr(html, "stream_gap</td>") == NULL,
	           "page: the stats event's loss section by cause, the zero causes left out");
	{
		/* the heavy pair is the first row of the talkers table, its bytes exact */
		const char *t = strstr(html, "id=\"talkers\"");
		const char *row = t != NULL ? strstr(t, "<tbody>") : NULL;

		UNIT_CHECK(
		    row != NULL && strncmp(row, "<tbody>\n<tr><td class=mono>10.0.0.", 34) == 0 &&
		        strstr(row, "data-v=\"900100\"") != NULL &&
		        strstr(html, "lighter ones were replaced") != NULL,
		    "page: the heavy talkers stay on top, exact, while 40000 light ones churn");
	}
	UNIT_CHECK(strstr(html, "id=\"alert-3\"") != NULL && strstr(html, "id=\"alert-4\"") == NULL,
	           "page: a page for each alert kept in full, none for the others");
	UNIT_CHECK(strstr(html, "tcp_close") != NULL, "page: the alert's page has its flow's end");
	UNIT_CHECK(strstr(html, "2026-11-25 20:20:00.000") != NULL,
	           "page: the timeline grew back to the flow's start, before the first alert");
	free(html);
}

/* Every worker writes its events through the one output of the run. The count of events
 * written (the summary line's) lost updates with 2 workers (58,993 counted, 58,995 lines on
 * genpcap 400M): it was a single-writer counter that every worker added to. */
struct hammer {
	struct output *o;
	int n;
};

static void *
hammer_main(void *arg)
{
	const struct hammer *h = arg;

	for (int i = 0; i < h->n; i++)
		output_write(h->o, EVE_FLOW, "{\"event_type\":\"flow\"}\n", 23);
	return NULL;
}

static void
test_written_shared(void)
{
	char dir[] = "/tmp/test_written.XXXXXX", path[64];
	struct output_conf conf;
	struct output *o = NULL;
	struct hammer h;
	pthread_t th[4];
	int started = 0;

	UNIT_CHECK(mkdtemp(dir) != NULL, "written: a directory");
	memset(&conf, 0, sizeof(conf));
	conf.sink = OUTPUT_SINK_FILE;
	conf.log_dir = dir;
	conf.filename = "eve.json";
	conf.enabled[EVE_FLOW] = true;
	UNIT_CHECK(output_new(&conf, &o) == 0 && o != NULL, "written: the output opens");
	if (o == NULL)
		return;
	h.o = o;
	h.n = 100000;
	for (int i = 0; i < 4; i++)
		started += pthread_create(&th[i], NULL, hammer_main, &h) == 0;
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	output_flush(o);
	UNIT_CHECK(started == 4 && sw_counter_get(&output_get_stats(o)->written[EVE_FLOW]) ==
	                               400000,
	           "written: 4 threads x 100,000 events, every one counted");
	output_free(o);
	snprintf(path, sizeof(path), "%s/eve.json", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	sw_log_set_level(SW_LOG_ERROR);
	test_json();
	test_sink();
	test_written_shared();
	return unit_done();
}
