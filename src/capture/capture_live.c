/* src/capture/capture_live.c: the "pcap-live" source: one libpcap handle on an interface with
 * snap length, promiscuous mode, kernel buffer size, read timeout and a BPF filter. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capture/capture_int.h"

struct capture {
	pcap_t *pcap;
	int fd; /* to wait for packets with our own timeout */
	int timeout_ms;
	char *name;
	int linktype;
	struct capture_stats st;
	capture_packet_fn *fn;
	void *arg;
	sw_time_t quiesced; /* when the socket stopped taking packets (monotonic), 0 before */
};

static void
live_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	free(c->name);
	free(c);
}

static int
live_open(const struct capture_conf *conf, struct capture **out)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct capture *c;
	const char *ifname = conf->interface;
	int r;

	*out = NULL;
	/* -i and capture.interfaces come as conf->ports (one interface here) */
	if (conf->nports > 0)
		ifname = conf->ports[0].ifs[0];
	if (ifname == NULL) {
		sw_err("no capture interface given");
		return SW_E_CONFIG;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->name = strdup(ifname)) == NULL) {
		free(c);
		return SW_E_NOMEM;
	}
	errbuf[0] = '\0';
	if ((c->pcap = pcap_create(ifname, errbuf)) == NULL) {
		sw_err("%s: %s", ifname, errbuf);
		r = SW_E_CAPTURE;
		goto fail;
	}
	pcap_set_snaplen(c->pcap, (int)conf->snaplen);
	pcap_set_promisc(c->pcap, conf->promisc ? 1 : 0);
	pcap_set_timeout(c->pcap, (int)conf->timeout_ms);
	pcap_set_buffer_size(c->pcap, (int)(conf->buffer_size > INT32_MAX ? INT32_MAX
									 : conf->buffer_size));
	r = pcap_activate(c->pcap);
	if (r < 0) {
		sw_err("%s: cannot capture: %s", ifname,
		       r == PCAP_ERROR ? pcap_geterr(c->pcap) : pcap_statustostr(r));
		r = SW_E_CAPTURE;
		goto fail;
	}
	if (r > 0)
		sw_warn("%s: %s", ifname,
			r == PCAP_WARNING ? pcap_geterr(c->pcap) : pcap_statustostr(r));
	if (conf->bpf != NULL) {
		/* prog is only filled (and to be freed) when the compile succeeds */
		if (pcap_compile(c->pcap, &prog, conf->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			sw_err("%s: BPF filter '%s': %s", ifname, conf->bpf,
			       pcap_geterr(c->pcap));
			r = SW_E_CONFIG;
			goto fail;
		}
		r = pcap_setfilter(c->pcap, &prog);
		pcap_freecode(&prog);
		if (r != 0) {
			sw_err("%s: BPF filter '%s': %s", ifname, conf->bpf,
			       pcap_geterr(c->pcap));
			r = SW_E_CONFIG;
			goto fail;
		}
	}
	/* Non-blocking reads after our own poll(): libpcap's read timeout does not fire on an idle
	 * TPACKET_V3 ring, and the sensor must wake up for timers when nothing arrives. */
	if (pcap_setnonblock(c->pcap, 1, errbuf) != 0 || (c->fd = pcap_get_selectable_fd(c->pcap)) < 0) {
		sw_err("%s: cannot read without blocking: %s", ifname, errbuf);
		r = SW_E_CAPTURE;
		goto fail;
	}
	c->timeout_ms = (int)conf->timeout_ms;
	c->linktype = pcap_datalink(c->pcap);
	sw_notice("capturing on %s (link type %s, snaplen %u%s)", ifname,
		  pcap_datalink_val_to_name(c->linktype) ?: "unknown", conf->snaplen,
		  conf->promisc ? ", promiscuous" : "");
	*out = c;
	return 0;
fail:
	live_close(c);
	return r;
}

static void
live_handler(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct capture *c = (struct capture *)user;
	struct sw_packet pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.data = data;
	pkt.caplen = h->caplen;
	pkt.wirelen = h->len;
	pkt.ts = (sw_time_t)h->ts.tv_sec * SW_USEC_PER_SEC + (sw_time_t)h->ts.tv_usec;
	pkt.linktype = c->linktype;
	c->st.packets++;
	c->fn(&pkt, c->arg);
}

static int
live_poll(struct capture *c, capture_packet_fn *fn, void *arg, int max)
{
	int r;

	struct pollfd pfd = {.fd = c->fd, .events = POLLIN, .revents = 0};

	c->fn = fn;
	c->arg = arg;
	r = pcap_dispatch(c->pcap, max, live_handler, (u_char *)c);
	if (r == 0) {
		/* nothing queued: wait up to the timeout, then try once more */
		if (poll(&pfd, 1, c->timeout_ms) < 0)
			return SW_E_AGAIN; /* EINTR: a signal; the caller checks its flags */
		r = pcap_dispatch(c->pcap, max, live_handler, (u_char *)c);
	}
	if (r == PCAP_ERROR_BREAK && c->quiesced != 0)
		r = 0; /* the stop signal's: once quiesced, the drain goes on */
	if (r > 0)
		return r;
	/* quiesced: the end once libpcap's ring has surely retired the block the kernel was
	 * filling (libpcap makes the read timeout its block timeout) */
	if (r == 0 && c->quiesced != 0 &&
	    sw_time_monotonic() - c->quiesced > ((sw_time_t)c->timeout_ms * 2 + 100) * 1000)
		return 0;
	if (r == 0)
		return SW_E_AGAIN;
	if (r == PCAP_ERROR_BREAK)
		return 0;
	sw_err("%s: capture failed: %s", c->name, pcap_geterr(c->pcap));
	return SW_E_CAPTURE;
}

static void
live_stats(struct capture *c, struct capture_stats *st)
{
	struct pcap_stat ps;

	if (pcap_stats(c->pcap, &ps) == 0) {
		c->st.kernel_recv = ps.ps_recv;
		c->st.kernel_drop = ps.ps_drop;
		c->st.if_drop = ps.ps_ifdrop;
	}
	*st = c->st;
}

#ifdef __linux__
static void
live_quiesce(struct capture *c, uint32_t q)
{
	(void)q;
	/* on the socket itself, not by pcap_setfilter: libpcap would also filter what is already
	 * in its ring, which the kernel has counted as received */
	if (capture_reject_all(c->fd) != 0)
		sw_warn("%s: cannot stop the capture socket: %s", c->name, strerror(errno));
	c->quiesced = sw_time_monotonic();
}
#endif

static const char *const *
live_sources(struct capture *c, size_t *n)
{
	*n = 0;
	return NULL;
}

static void
live_interrupt(struct capture *c)
{
	pcap_breakloop(c->pcap);
}

const struct capture_ops capture_pcap_live = {
	.name = "pcap-live",
	.open = live_open,
	.poll = live_poll,
	.stats = live_stats,
#ifdef __linux__ /* elsewhere the capture stops without reading what is left */
	.quiesce = live_quiesce,
#endif
	.sources = live_sources,
	.interrupt = live_interrupt,
	.close = live_close,
};
