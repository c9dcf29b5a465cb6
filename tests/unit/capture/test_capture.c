/* tests/unit/capture/test_capture.c: the capture sources table and the pcap-file source: file
 * and directory expansion, packets and their fields, pcapng, several files in a row, a truncated
 * file, the live sources' refusal of a missing interface, and capture.interfaces entries. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "unit.h"

struct seen {
	int n;
	uint64_t bytes;
	int linktype;
	uint32_t max_source;
	sw_time_t first_ts, last_ts;
	int ts_backwards;
};

static void
on_packet(struct sw_packet *p, void *arg)
{
	struct seen *s = arg;

	if (s->n == 0)
		s->first_ts = p->ts;
	else if (p->ts < s->last_ts && p->source_idx == s->max_source)
		s->ts_backwards++;
	s->last_ts = p->ts;
	s->n++;
	s->bytes += p->wirelen;
	s->linktype = p->linktype;
	if (p->source_idx > s->max_source)
		s->max_source = p->source_idx;
}

static char *
pcap_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	struct sbuf b;

	sbuf_init(&b);
	sbuf_addf(&b, "%s/pcaps/%s", top != NULL ? top : ".", name);
	return b.p;
}

/* Reads every packet of the files; returns the poll result that ended it. */
static int
read_all(char **files, size_t n, struct seen *s, size_t *nsources)
{
	const struct capture_ops *ops = capture_ops_find("pcap-file");
	struct capture_conf conf;
	struct capture *c;
	int r;

	memset(&conf, 0, sizeof(conf));
	memset(s, 0, sizeof(*s));
	conf.files.v = files;
	conf.files.n = n;
	if ((r = ops->open(&conf, &c)) != 0)
		return r;
	while ((r = ops->poll(c, on_packet, s, 7)) > 0)
		;
	ops->sources(c, nsources);
	ops->close(c);
	return r;
}

/* Parses the capture.interfaces entries v[0..n) into lc->ports; returns its result. */
static int
ports_of(struct capture_conf *lc, const char **v, size_t n)
{
	int r;

	memset(lc, 0, sizeof(*lc));
	lc->interfaces.v = (char **)v;
	lc->interfaces.n = n;
	r = capture_conf_ports(lc);
	lc->interfaces.v = NULL;
	lc->interfaces.n = 0;
	return r;
}

int
main(void)
{
	char *http = pcap_path("http.pcap"), *ng = pcap_path("http.pcapng"),
	     *dns = pcap_path("dns.pcap"), *trunc = pcap_path("truncated-file.pcap"),
	     *sll2 = pcap_path("sll2.pcap");
	char *files[3];
	struct seen s;
	size_t nsrc = 0;
	char dir[] = "/tmp/sw-capture-XXXXXX";
	struct conf_strlist in, out;
	char *dirs[1];
	struct capture_conf lc;
	struct capture *c = NULL;

	UNIT_CHECK(capture_ops_find("pcap-file") != NULL && capture_ops_find("pcap-live") != NULL,
		   "sources found by name");
	UNIT_CHECK(capture_ops_find("afpacket-nope") == NULL, "unknown source name");

	files[0] = http;
	UNIT_CHECK(read_all(files, 1, &s, &nsrc) == 0, "http.pcap read to the end");
	UNIT_CHECK(s.n == 62 && s.bytes == 211475, "62 packets, 211475 bytes (as tshark counts)");
	UNIT_CHECK(s.linktype == 1, "Ethernet link type");
	UNIT_CHECK(s.ts_backwards == 0 && s.last_ts > s.first_ts, "timestamps in microseconds");

	files[0] = ng;
	UNIT_CHECK(read_all(files, 1, &s, &nsrc) == 0 && s.n == 62 && s.bytes == 211475,
		   "the pcapng copy reads the same");

	files[0] = sll2;
	UNIT_CHECK(read_all(files, 1, &s, &nsrc) == 0 && s.linktype == 276,
		   "Linux cooked v2 link type passed on");

	files[0] = http;
	files[1] = trunc;
	files[2] = dns;
	UNIT_CHECK(read_all(files, 3, &s, &nsrc) == 0, "three files read in a row");
	UNIT_CHECK(s.n == 62 + 4 + 26, "a truncated file in the middle keeps its whole packets");
	UNIT_CHECK(s.max_source == 2 && nsrc == 3, "source index per file");

	UNIT_CHECK(mkdtemp(dir) != NULL, "temp dir");
	{
		struct sbuf a, b;
		FILE *fp;

		sbuf_init(&a);
		sbuf_init(&b);
		sbuf_addf(&a, "%s/b.pcap", dir);
		sbuf_addf(&b, "%s/a.pcap", dir);
		fp = fopen(a.p, "w");
		fputs("x", fp);
		fclose(fp);
		fp = fopen(b.p, "w");
		fputs("x", fp);
		fclose(fp);
		dirs[0] = dir;
		in.v = dirs;
		in.n = 1;
		UNIT_CHECK(capture_expand_files(&in, &out) == 0 && out.n == 2, "directory expanded");
		UNIT_CHECK(out.n == 2 && strcmp(out.v[0], b.p) == 0 && strcmp(out.v[1], a.p) == 0,
			   "directory files in name order");
		while (out.n > 0)
			free(out.v[--out.n]);
		free(out.v);
		unlink(a.p);
		unlink(b.p);
		sbuf_free(&a);
		sbuf_free(&b);
	}
	UNIT_CHECK(capture_expand_files(&in, &out) == SW_E_NOTFOUND, "empty directory refused");
	rmdir(dir);
	UNIT_CHECK(capture_expand_files(&in, &out) == SW_E_IO, "missing path refused");

	memset(&lc, 0, sizeof(lc));
	lc.interface = "sw-no-such-if0";
	lc.snaplen = 65535;
	lc.buffer_size = 1 << 20;
	lc.timeout_ms = 10;
	UNIT_CHECK(capture_ops_find("pcap-live")->open(&lc, &c) != 0 && c == NULL,
		   "live capture on a missing interface fails cleanly");
#ifdef __linux__
	UNIT_CHECK(capture_ops_find("afpacket") != NULL, "the afpacket source is there on Linux");
	lc.interface = NULL;
	{
		const char *one[] = {"sw-no-such-if0"};

		UNIT_CHECK(ports_of(&lc, one, 1) == 0, "one interface");
		lc.snaplen = 65535;
		lc.afp_block_size = 1 << 20;
		lc.afp_block_count = 2;
		lc.afp_block_tov = 10;
		lc.ports[0].workers = 2;
		UNIT_CHECK(capture_ops_find("afpacket")->open(&lc, &c) != 0 && c == NULL,
			   "afpacket on a missing interface fails cleanly");
		capture_conf_ports_free(&lc);
	}
#endif
	{
		const char *v[] = {"eth0", "eth1+eth2@3", "eth3@1"};
		const char *bad1[] = {"eth0@0"}, *bad2[] = {"a+b+c"}, *bad3[] = {"eth0", "x+eth0"};
		const char *bad4[] = {"+eth0"}, *bad5[] = {"eth0@"}, *bad6[] = {"eth0+"};

		UNIT_CHECK(ports_of(&lc, v, 3) == 0 && lc.nports == 3, "three entries");
		UNIT_CHECK(lc.nports == 3 && lc.ports[0].nifs == 1 && lc.ports[0].workers == 0 &&
				   strcmp(lc.ports[0].ifs[0], "eth0") == 0,
			   "an interface alone: workers not given");
		UNIT_CHECK(lc.nports == 3 && lc.ports[1].nifs == 2 && lc.ports[1].workers == 3 &&
				   strcmp(lc.ports[1].ifs[0], "eth1") == 0 &&
				   strcmp(lc.ports[1].ifs[1], "eth2") == 0,
			   "a TAP pair with 3 workers");
		UNIT_CHECK(lc.nports == 3 && lc.ports[2].workers == 1, "@1");
		lc.files.n = 0;
		lc.source = CAPTURE_SOURCE_PCAP;
		UNIT_CHECK(capture_ops_choose(&lc) == NULL, "pcap refuses several interfaces");
		capture_conf_ports_free(&lc);
		UNIT_CHECK(ports_of(&lc, bad1, 1) == SW_E_CONFIG && lc.ports == NULL, "@0 refused");
		UNIT_CHECK(ports_of(&lc, bad2, 1) == SW_E_CONFIG && lc.ports == NULL,
			   "three interfaces in one entry refused");
		UNIT_CHECK(ports_of(&lc, bad3, 2) == SW_E_CONFIG && lc.ports == NULL,
			   "an interface listed twice refused");
		UNIT_CHECK(ports_of(&lc, bad4, 1) == SW_E_CONFIG && ports_of(&lc, bad5, 1) ==
			   SW_E_CONFIG && ports_of(&lc, bad6, 1) == SW_E_CONFIG && lc.ports == NULL,
			   "empty names and counts refused");
	}
	free(http);
	free(ng);
	free(dns);
	free(trunc);
	free(sll2);
	return unit_done();
}
