/* tests/unit/dpi/test_dpi_mem.c: what nDPI allocates inside its calls (the TLS names and
 * certificate strings of a handshake) is charged to dpi.memcap and given back when the flow's
 * classification ends; modules set up outside a worker's calls are not charged. The traffic is
 * pcaps/tls.pcap, read with libpcap and decoded as the sensor does. */
#include "config.h"

#include <pcap/pcap.h>
#include <string.h>

#include "decode/decode.h"
#include "dpi/dpi.h"
#include "flow/flow.h"
#include "unit.h"

#ifndef PCAPS
#define PCAPS "pcaps"
#endif

static void
on_end(struct sw_flow *f, void *arg)
{
	dpi_flow_free(arg, f);
}

int
main(void)
{
	char err[PCAP_ERRBUF_SIZE];
	struct decode_conf dconf;
	struct decode_stats dstats;
	struct decode_ctx dctx;
	struct flow_conf fconf;
	struct flow_table *t;
	struct dpi_conf conf;
	struct dpi_worker *w;
	struct dpi_stats *st;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	uint64_t fixed = 0, peak = 0;
	int n = 0;

	memset(&dconf, 0, sizeof(dconf));
	memset(&dstats, 0, sizeof(dstats));
	decode_ctx_init(&dctx, &dconf, &dstats, false);
	memset(&fconf, 0, sizeof(fconf));
	fconf.hash_size = 1024;
	for (int c = 0; c < FLOW_CLASS_MAX; c++)
		for (int s = 0; s < FLOW_STATE_MAX; s++)
			fconf.timeout[c][s] = 60;
	memset(&conf, 0, sizeof(conf));
	conf.enabled = true;
	conf.max_packets_tcp = 80;
	conf.max_packets_udp = 24;
	UNIT_CHECK(dpi_worker_new(&conf, 0, &w) == 0, "worker created");
	st = dpi_worker_stats(w);
	UNIT_CHECK(sw_counter_get(&st->mem.memuse) == 0, "setting the module up charges nothing");
	flow_table_new(&fconf, on_end, w, &t);
	pc = pcap_open_offline(PCAPS "/tls.pcap", err);
	UNIT_CHECK(pc != NULL, "pcaps/tls.pcap opens");
	while (pc != NULL && pcap_next_ex(pc, &h, &data) == 1) {
		struct sw_packet p;
		struct sw_flow *f;
		enum flow_dir dir;

		memset(&p, 0, sizeof(p));
		p.data = data;
		p.caplen = h->caplen;
		p.wirelen = h->len;
		p.linktype = pcap_datalink(pc);
		p.ts = (sw_time_t)h->ts.tv_sec * SW_USEC_PER_SEC + (sw_time_t)h->ts.tv_usec;
		if (decode_packet(&dctx, &p) != 0 || (f = flow_table_update(t, &p, &dir)) == NULL)
			continue;
		dpi_packet(w, f, dir, &p);
		if (++n == 1)
			fixed = sw_counter_get(&st->mem.memuse);
		if (sw_counter_get(&st->mem.memuse) > peak)
			peak = sw_counter_get(&st->mem.memuse);
	}
	if (pc != NULL)
		pcap_close(pc);
	UNIT_CHECK(n > 5 && fixed > 0,
	           "the first packet charges the flow's state");
	UNIT_CHECK(peak > fixed, "the handshake's strings nDPI allocated are charged too");
	UNIT_CHECK(sw_counter_get(&st->detected) == 1, "the flow is classified");
	flow_table_flush(t, 0, FLOW_END_SHUTDOWN);
	UNIT_CHECK(sw_counter_get(&st->mem.memuse) == 0, "everything is given back");
	flow_table_free(t);
	dpi_worker_free(w);
	return unit_done();
}
