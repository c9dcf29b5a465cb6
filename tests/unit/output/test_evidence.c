/* tests/unit/output/test_evidence.c: the evidence ring and captures (output_evidence.c): which
 * packets a capture holds (ring by packets and bytes, post packets), alerts sharing it, the
 * "evidence" object added to the alert line (valid JSON, key, complete), the pcap written (read
 * back with libpcap), and the memory cap (refusals counted, everything given back). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "output/output.h"
#include "unit.h"

static char dir[] = "/tmp/sw-evidence-XXXXXX";

static void
packet(struct evidence *ev, struct sw_flow *f, uint32_t n, uint32_t len)
{
	uint8_t data[2048];
	struct sw_packet p;

	memset(&p, 0, sizeof(p));
	memset(data, (int)n, sizeof(data));
	p.data = data;
	p.caplen = len;
	p.wirelen = len + 4;
	p.ts = (sw_time_t)n * SW_USEC_PER_SEC + n;
	p.linktype = DLT_EN10MB;
	evidence_packet(ev, f, &p);
}

/* An alert line with event_id id (none when NULL) through evidence_alert, parsed back. */
static json_t *
alert(struct evidence *ev, struct sw_flow *f, const char *id)
{
	struct sbuf b;
	json_t *j;

	sbuf_init(&b);
	if (id != NULL)
		sbuf_addf(&b, "{\"event_type\":\"alert\",\"event_id\":\"%s\"}\n", id);
	else
		sbuf_adds(&b, "{\"event_type\":\"alert\"}\n");
	evidence_alert(ev, f, &b);
	j = json_loadb(b.p, b.len, 0, NULL);
	if (j == NULL || b.len == 0 || b.p[b.len - 1] != '\n')
		printf("# bad line: %.*s", (int)b.len, b.p);
	sbuf_free(&b);
	return j;
}

static long long
ev_int(json_t *j, const char *k)
{
	return json_integer_value(json_object_get(json_object_get(j, "evidence"), k));
}

static const char *
ev_str(json_t *j, const char *k)
{
	return json_string_value(json_object_get(json_object_get(j, "evidence"), k));
}

/* The file of key: packet count and the first byte of each (the packet number), timestamps. */
static int
read_file(const char *key, uint8_t *first, sw_time_t *ts, int max)
{
	char path[256], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s.pcap", dir, key);
	if ((pc = pcap_open_offline(path, err)) == NULL)
		return -1;
	while (n < max && pcap_next_ex(pc, &h, &d) == 1) {
		first[n] = d[0];
		ts[n] = (sw_time_t)h->ts.tv_sec * SW_USEC_PER_SEC + (sw_time_t)h->ts.tv_usec;
		if (h->len != h->caplen + 4 || pcap_datalink(pc) != DLT_EN10MB)
			n = -100;
		n++;
	}
	pcap_close(pc);
	return n;
}

int
main(void)
{
	struct output_conf oc;
	struct evidence *ev;
	const struct evidence_stats *st;
	struct sw_flow f;
	json_t *a1, *a2;
	uint8_t first[64];
	sw_time_t ts[64];
	char path[256];
	int n, i;

	if (mkdtemp(dir) == NULL)
		return 1;
	memset(&oc, 0, sizeof(oc));
	oc.evidence.enabled = true;
	oc.evidence.ring_packets = 4;
	oc.evidence.ring_bytes = 1 << 20;
	oc.evidence.post_packets = 2;
	oc.evidence.capture_bytes = 1 << 20;
	oc.evidence.directory = dir;

	/* 1. ring of 4, two alerts share the capture, two post packets finish it */
	UNIT_CHECK(evidence_new(&oc, 1 << 20, NULL, &ev) == 0, "evidence_new");
	st = evidence_get_stats(ev);
	memset(&f, 0, sizeof(f));
	f.flow_id = 7;
	for (i = 1; i <= 6; i++)
		packet(ev, &f, (uint32_t)i, 100);
	a1 = alert(ev, &f, "s-r-1");
	UNIT_CHECK_STR(ev_str(a1, "key"), "s-r-1", "the capture's key is the alert's event_id");
	UNIT_CHECK(ev_int(a1, "packets") == 4 && ev_int(a1, "bytes") == 24 + 4 * 116,
		   "the alert says the ring's 4 packets and their pcap bytes");
	UNIT_CHECK(json_is_false(json_object_get(json_object_get(a1, "evidence"), "complete")),
		   "not complete while post packets are to come");
	snprintf(path, sizeof(path), "%s/s-r-1.pcap", dir);
	UNIT_CHECK_STR(ev_str(a1, "file"), path, "the file is named by the key");
	UNIT_CHECK(ev_str(a1, "topic") == NULL, "no topic without Kafka");
	UNIT_CHECK_STR(json_string_value(json_object_get(a1, "event_type")), "alert",
		       "the alert's own fields stay");
	UNIT_CHECK(access(path, F_OK) != 0, "no file before the capture is finished");
	packet(ev, &f, 7, 100);
	a2 = alert(ev, &f, "s-r-2");
	UNIT_CHECK_STR(ev_str(a2, "key"), "s-r-1", "a second alert shares the open capture");
	UNIT_CHECK(ev_int(a2, "packets") == 5, "... and says what it holds now");
	packet(ev, &f, 8, 100);
	n = read_file("s-r-1", first, ts, 64);
	UNIT_CHECK(n == 6, "finished after 2 post packets: 4 ring + 2 post packets in the file");
	for (i = 0; i < n && i < 6; i++)
		if (first[i] != 3 + i || ts[i] != (sw_time_t)(3 + i) * SW_USEC_PER_SEC + 3 + (unsigned)i)
			break;
	UNIT_CHECK(n == 6 && i == 6, "packets 3..8 in order, bytes, timestamps and lengths kept");
	UNIT_CHECK(sw_counter_get(&st->captures) == 1 && sw_counter_get(&st->files) == 1 &&
			   sw_counter_get(&st->packets) == 6,
		   "counted: 1 capture, 1 file, 6 packets");
	json_decref(a1);
	json_decref(a2);
	/* an alert after the capture was finished opens a new one */
	a1 = alert(ev, &f, "s-r-3");
	UNIT_CHECK_STR(ev_str(a1, "key"), "s-r-3", "an alert after it opens a new capture");
	json_decref(a1);
	UNIT_CHECK(sw_counter_get(&st->mem.memuse) > 0, "the ring is charged");
	evidence_flow_end(ev, &f);
	UNIT_CHECK(f.evidence == NULL && sw_counter_get(&st->mem.memuse) == 0,
		   "flow end: everything given back");
	n = read_file("s-r-3", first, ts, 64);
	UNIT_CHECK(n == 4 && first[0] == 5 && first[3] == 8, "flow end finishes the open capture");
	evidence_free(ev);

	/* 2. no post packets: complete at once; the ring by bytes; no event_id */
	oc.evidence.post_packets = 0;
	oc.evidence.ring_bytes = 2 * 116;
	UNIT_CHECK(evidence_new(&oc, 1 << 20, NULL, &ev) == 0, "evidence_new");
	memset(&f, 0, sizeof(f));
	f.flow_id = 9;
	for (i = 1; i <= 4; i++)
		packet(ev, &f, (uint32_t)i, 100);
	a1 = alert(ev, &f, NULL);
	UNIT_CHECK_STR(ev_str(a1, "key"), "flow-9-1", "without an event_id: flow-<id>-<n>");
	UNIT_CHECK(json_is_true(json_object_get(json_object_get(a1, "evidence"), "complete")) &&
			   ev_int(a1, "packets") == 2,
		   "post-packets 0: complete, the ring's bytes limit kept 2 packets");
	n = read_file("flow-9-1", first, ts, 64);
	UNIT_CHECK(n == 2 && first[0] == 3 && first[1] == 4, "... which are in the file");
	json_decref(a1);
	evidence_flow_end(ev, &f);
	evidence_free(ev);

	/* 3. a cap too small for packets: refused and counted, the alert goes without evidence */
	oc.evidence.post_packets = 2;
	UNIT_CHECK(evidence_new(&oc, 200, NULL, &ev) == 0, "evidence_new");
	st = evidence_get_stats(ev);
	memset(&f, 0, sizeof(f));
	for (i = 1; i <= 3; i++)
		packet(ev, &f, (uint32_t)i, 1000);
	a1 = alert(ev, &f, "s-r-9");
	UNIT_CHECK(sw_counter_get(&st->mem.refused) == 3, "3 packets refused, counted");
	UNIT_CHECK(json_object_get(a1, "evidence") == NULL && a1 != NULL,
		   "no packet kept: no evidence object, the line still valid");
	json_decref(a1);
	evidence_flow_end(ev, &f);
	UNIT_CHECK(sw_counter_get(&st->mem.memuse) == 0, "memory back to 0");
	evidence_free(ev);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
