/* tests/fuzz/fuzz_detect.c: fuzz target for rule verification (src/detect/detect_match.c,
 * issue 5): hostile rules against hostile data. The input is rule text, a NUL byte, then data;
 * the rules are loaded into an engine and the data is inspected as two stream chunks of a TCP
 * flow (so windows join them), as a packet payload, and as the fields of an HTTP transaction and
 * a DNS query. Nothing may read outside a buffer (ASan) or crash. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "detect/detect.h"
#include "fuzz.h"

#define FUZZ_RULES_MAX 4096 /* bytes of rule text; more makes slow inputs, not new paths */

static int alerts;

static void
fz_alert(void *arg, struct sw_flow *f, const struct sw_packet *p, enum flow_dir dir, sw_time_t ts,
         const struct detect_alert *a, const struct app_msg *msg)
{
	(void)arg, (void)f, (void)p, (void)dir, (void)ts, (void)msg;
	if (a->msg != NULL && a->sid != 0)
		alerts++;
}

static struct app_buf
fz_slice(const uint8_t *d, size_t n, size_t from, size_t len)
{
	struct app_buf b = {d, 0};

	if (from < n) {
		b.p = d + from;
		b.len = len < n - from ? len : n - from;
	}
	return b;
}

int
fuzz_detect_one(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t rlen = nul != NULL ? (size_t)(nul - data) : size;
	const uint8_t *d = nul != NULL ? nul + 1 : data + size;
	size_t n = nul != NULL ? size - rlen - 1 : 0, half = n / 2;
	struct detect_conf conf;
	struct detect_engine *e = NULL;
	struct detect_thread *t = NULL;
	struct sw_memcap mem;
	struct sw_flow f;
	struct sw_packet p;
	struct app_http_txn tx;
	struct app_dns_msg dns;
	struct app_msg m;
	char path[64], *files[1];
	uint8_t *pkt = NULL;
	int fd;

	sw_log_set_level(SW_LOG_ERROR);
	if (rlen > FUZZ_RULES_MAX)
		return 0;
	if ((fd = memfd_create("rules", MFD_CLOEXEC)) < 0)
		return 0;
	if (write(fd, data, rlen) != (ssize_t)rlen) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&conf, 0, sizeof(conf));
	conf.enabled = true;
	files[0] = path;
	conf.cli_only.v = files;
	conf.cli_only.n = 1;
	conf.stream_window = 64; /* small, so windows are often cut */
	conf.backtrack_limit = 100;
	memset(&mem, 0, sizeof(mem));
	if (detect_engine_new(&conf, 1, &e) != 0 ||
	    detect_thread_new(e, &mem, NULL, fz_alert, NULL, &t) != 0)
		goto out;

	memset(&f, 0, sizeof(f));
	f.family = 4;
	f.proto = 6;
	f.cli.b[0] = 192, f.cli.b[1] = 168, f.cli.b[3] = 1;
	f.srv.b[0] = 10, f.srv.b[3] = 2;
	f.cport = 40000;
	f.sport = 80;
	f.state = FLOW_STATE_ESTABLISHED;
	f.tcp_flags[0] = f.tcp_flags[1] = 0x12;
	/* the stream: the data as two chunks, then again after a gap, far into the stream */
	detect_stream(t, &f, FLOW_TO_SERVER, d, half, 0, 1, "http");
	detect_stream(t, &f, FLOW_TO_SERVER, d + half, n - half, half, 2, "http");
	detect_stream(t, &f, FLOW_TO_CLIENT, NULL, 100, 0, 3, "http");
	detect_stream(t, &f, FLOW_TO_CLIENT, d, n, 100000, 4, "http");

	/* a packet with the data as payload (copied: the packet owns its bytes) */
	if ((pkt = malloc(40 + n + 1)) != NULL) {
		/* its IPv4 and TCP/UDP headers (ipv4.hdr, tcp.hdr, the checksums) are the data's
		 * first 40 bytes, as hostile as the rest */
		memset(pkt, 0, 40);
		memcpy(pkt, d, n < 40 ? n : 40);
		memcpy(pkt + 40, d, n);
		memset(&p, 0, sizeof(p));
		p.data = pkt;
		p.caplen = p.wirelen = (uint32_t)(40 + n);
		p.flags = SW_PKT_IP | SW_PKT_L4;
		p.family = 4;
		p.proto = n > 0 && d[0] & 1 ? 17 : 6;
		p.src = f.cli;
		p.dst = f.srv;
		p.sport = 40000;
		p.dport = 80;
		p.l4_off = 20;
		p.payload_off = 40;
		p.payload_len = (uint32_t)n;
		p.tcp_flags = n > 1 ? d[1] : 0x18;
		p.ts = 5;
		detect_packet(t, &f, FLOW_TO_SERVER, &p, "http");
		detect_event(t, &f, &p, FLOW_TO_SERVER, DETECT_EVENT_DECODE, n > 2 ? d[2] % 40 : 1);
		detect_event(t, NULL, &p, FLOW_TO_SERVER, DETECT_EVENT_STREAM,
		             n > 3 ? d[3] % 12 : 1);
	}

	/* an HTTP transaction whose fields are slices of the data */
	memset(&tx, 0, sizeof(tx));
	tx.method = fz_slice(d, n, 0, 4);
	tx.uri = tx.uri_raw = fz_slice(d, n, 4, 40);
	tx.host = fz_slice(d, n, 44, 20);
	tx.user_agent = fz_slice(d, n, 64, 30);
	tx.req_headers_raw = fz_slice(d, n, 0, n);
	tx.resp_headers_raw = fz_slice(d, n, n / 3, n);
	tx.req_body = fz_slice(d, n, 94, n);
	tx.resp_body = fz_slice(d, n, n / 2, n);
	tx.cookie = fz_slice(d, n, 10, 10);
	tx.status = n > 0 ? 100 + d[0] % 500 : 0;
	memset(&m, 0, sizeof(m));
	m.kind = APP_MSG_HTTP;
	m.dir = FLOW_TO_SERVER;
	m.ts = 6;
	m.u.http = &tx;
	detect_app_msg(t, &f, &m, "http");

	memset(&dns, 0, sizeof(dns));
	dns.qname = fz_slice(d, n, 0, 253);
	dns.nquestions = 1;
	memset(&m, 0, sizeof(m));
	m.kind = APP_MSG_DNS;
	m.dir = FLOW_TO_SERVER;
	m.u.dns = &dns;
	f.proto = 17;
	detect_app_msg(t, &f, &m, "dns");
	f.proto = 6;
	detect_flow_free(t, &f);
	if (sw_counter_get(&mem.memuse) != 0)
		abort(); /* every byte charged is given back */
out:
	free(pkt);
	detect_thread_free(t);
	detect_engine_free(e);
	close(fd);
	return 0;
}

FUZZ_ENTRY(fuzz_detect_one)
