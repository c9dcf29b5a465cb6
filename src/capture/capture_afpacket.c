/* src/capture/capture_afpacket.c: the "afpacket" source (Linux): one AF_PACKET socket per worker
 * and interface, each with its own TPACKET_V3 ring, the sockets of an interface joined in one
 * PACKET_FANOUT group in hash mode with defragmentation, so the kernel sends both directions of
 * a flow to the same worker and no thread sits between the kernel and the workers: worker q
 * polls queue q (poll_queue). A TAP pair (two interfaces, one direction each) gives each worker
 * one socket per interface: the two groups have as many members, joined in the same order, and
 * the kernel's fanout hash is symmetric and does not depend on the interface, so a flow's two
 * directions meet at the same worker. Kernel drops per socket (PACKET_STATISTICS) and the
 * interface's own drop counters (sysfs) are in stats. VLAN tags the kernel took off are put
 * back, so decode sees the frame as it was on the wire. */
#include "config.h"

#ifdef __linux__

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture/capture_int.h"

/* the counters of one interface in stats, by index */
enum {
	IFC_PACKETS,      /* delivered to the workers */
	IFC_KERNEL_PKTS,  /* PACKET_STATISTICS tp_packets (received and dropped) */
	IFC_KERNEL_DROPS, /* tp_drops: the ring was full */
	IFC_FREEZES,      /* tp_freeze_q_cnt: times the ring was frozen for lack of space */
	IFC_RX_DROPPED,   /* the interface's own counters since the capture opened */
	IFC_RX_MISSED,
	IFC_RX_FIFO,
	IFC_MAX,
};

static const char *const ifc_names[IFC_MAX] = {
	"packets",	    "kernel_packets",   "kernel_drops",	  "kernel_freezes",
	"rx_dropped",	    "rx_missed_errors", "rx_fifo_errors",
};
static const char *const sysfs_names[3] = {"statistics/rx_dropped", "statistics/rx_missed_errors",
					   "statistics/rx_fifo_errors"};

struct afp_sock {
	int fd;
	uint8_t *ring;
	size_t ring_len;
	uint32_t block_size, nblocks, cur;
	struct tpacket3_hdr *next; /* in block cur, while left > 0 */
	uint32_t left;
	int linktype;
	uint32_t iface;           /* index in capture.ifaces */
	_Atomic uint64_t packets; /* delivered (written by the worker, read for stats) */
	uint64_t kpackets, kdrops, kfreezes; /* PACKET_STATISTICS, summed (they reset on read) */
	char drops_name[64];                 /* "capture.interface.IF.socketN_drops" */
	uint8_t *vlanbuf;                    /* a frame with its tag put back, when no room */
};

struct afp_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	int linktype;
	uint64_t sys_base[3]; /* the sysfs counters when the capture opened */
	char key[IF_NAMESIZE]; /* the name in stats: dots in a VLAN interface's would nest */
	char names[IFC_MAX][64];
	struct bpf_program prog; /* while opening */
	bool has_prog;
};

struct afp_queue {
	uint32_t first, n;   /* its sockets: socks[first .. first + n) */
	sw_time_t quiesced; /* when its sockets stopped taking packets (monotonic), 0 before */
};

struct capture {
	struct afp_sock *socks;
	size_t nsocks;
	struct afp_iface *ifaces;
	size_t nifaces;
	struct afp_queue *queues;
	uint32_t nqueues;
	uint32_t snaplen;
	int timeout_ms;
	uint32_t block_tov_ms;
	struct capture_counter *more; /* for stats */
	size_t nmore;
};

/* A number from /sys/class/net/IF/FILE. */
static int
read_sysfs(const char *ifname, const char *file, uint64_t *v)
{
	char path[128];
	unsigned long long x;
	FILE *fp;
	int ok;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, file);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	ok = fscanf(fp, "%llu", &x) == 1;
	fclose(fp);
	if (!ok)
		return -1;
	*v = x;
	return 0;
}

static void
afp_close(struct capture *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nifaces; i++)
		if (c->ifaces[i].has_prog)
			pcap_freecode(&c->ifaces[i].prog);
	for (i = 0; i < c->nsocks; i++) {
		struct afp_sock *s = &c->socks[i];

		if (s->ring != NULL)
			munmap(s->ring, s->ring_len);
		if (s->fd >= 0)
			close(s->fd);
		free(s->vlanbuf);
	}
	free(c->socks);
	free(c->ifaces);
	free(c->queues);
	free(c->more);
	free(c);
}

/* The link type of an interface from its ARPHRD type (sysfs "type"). */
/* The link type of an interface from its ARPHRD type (sysfs "type"). */
static int
iface_linktype(const char *ifname)
{
	uint64_t type;

	if (read_sysfs(ifname, "type", &type) != 0)
		return -1;
	switch (type) {
	case 1:   /* ARPHRD_ETHER */
	case 772: /* ARPHRD_LOOPBACK */
		return DLT_EN10MB;
	case 65534: /* ARPHRD_NONE: tun devices, raw IP */
		return DLT_RAW;
	default:
		return -1;
	}
}

/* The BPF program every socket of interface f gets: the filter, or accept-all, either cut to
 * the snap length (the kernel applies it before the ring). Compiled by libpcap on a live
 * handle when it can be activated, so that "vlan" tests read the tag the kernel took off the
 * frame as libpcap's own live capture does; else on a dead handle of the link type. */
static int
filter_compile(const struct capture_conf *conf, const struct afp_iface *f,
	       struct bpf_program *prog)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	const char *expr = conf->bpf != NULL ? conf->bpf : "";
	pcap_t *h;

	if ((h = pcap_create(f->name, errbuf)) != NULL) {
		pcap_set_snaplen(h, (int)conf->snaplen);
		pcap_set_buffer_size(h, 1 << 20);
		if (pcap_activate(h) < 0 || pcap_datalink(h) != f->linktype) {
			pcap_close(h);
			h = NULL;
		}
	}
	if (h == NULL && (h = pcap_open_dead(f->linktype, (int)conf->snaplen)) == NULL)
		return SW_E_NOMEM;
	if (pcap_compile(h, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		sw_err("%s: BPF filter '%s': %s", f->name, expr, pcap_geterr(h));
		pcap_close(h);
		return SW_E_CONFIG;
	}
	pcap_close(h);
	return 0;
}

/* Opens socket s on interface f: version, filter, ring, bind, promiscuous mode. */
static int
sock_open(struct afp_sock *s, const struct capture_conf *conf, const struct afp_iface *f)
{
	struct tpacket_req3 req;
	struct sockaddr_ll sll;
	struct sock_fprog fp;
	int ver = TPACKET_V3;
	long page = sysconf(_SC_PAGESIZE);

	/* protocol 0: nothing is queued before the filter and the ring are in place */
	if ((s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) < 0) {
		sw_err("%s: cannot open an AF_PACKET socket: %s", f->name, strerror(errno));
		return SW_E_CAPTURE;
	}
	if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) != 0) {
		sw_err("%s: TPACKET_V3 is not available: %s", f->name, strerror(errno));
		return SW_E_CAPTURE;
	}
	fp.len = (unsigned short)f->prog.bf_len;
	fp.filter = (struct sock_filter *)f->prog.bf_insns;
	if (setsockopt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) != 0) {
		sw_err("%s: cannot attach the BPF filter: %s", f->name, strerror(errno));
		return SW_E_CAPTURE;
	}
	if (page <= 0 || conf->afp_block_size % (uint64_t)page != 0) {
		sw_err("capture.afpacket.block-size: %llu is not a multiple of the page size (%ld)",
		       (unsigned long long)conf->afp_block_size, page);
		return SW_E_CONFIG;
	}
	memset(&req, 0, sizeof(req));
	req.tp_block_size = (unsigned)conf->afp_block_size;
	req.tp_block_nr = conf->afp_block_count;
	req.tp_frame_size = 2048; /* only checked by the kernel: V3 frames have their own size */
	req.tp_frame_nr = req.tp_block_size / req.tp_frame_size * req.tp_block_nr;
	req.tp_retire_blk_tov = conf->afp_block_tov;
	if (setsockopt(s->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0) {
		sw_err("%s: cannot set up a ring of %u blocks of %u bytes: %s", f->name,
		       req.tp_block_nr, req.tp_block_size, strerror(errno));
		return SW_E_CAPTURE;
	}
	s->block_size = req.tp_block_size;
	s->nblocks = req.tp_block_nr;
	s->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	s->ring = mmap(NULL, s->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (s->ring == MAP_FAILED) {
		s->ring = NULL;
		sw_err("%s: cannot map the ring (%zu bytes): %s", f->name, s->ring_len,
		       strerror(errno));
		return SW_E_CAPTURE;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = f->ifindex;
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		sw_err("%s: cannot bind: %s", f->name, strerror(errno));
		return SW_E_CAPTURE;
	}
	if (conf->promisc) {
		struct packet_mreq mr;

		memset(&mr, 0, sizeof(mr));
		mr.mr_ifindex = f->ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0)
			sw_warn("%s: cannot turn on promiscuous mode: %s", f->name,
				strerror(errno));
	}
	s->linktype = f->linktype;
	return 0;
}

/* Joins s to the fanout group *id (0: a new group, whose id is then stored in *id). */
static int
fanout_join(struct afp_sock *s, const char *ifname, uint16_t *id)
{
	/* the kernel reads a 32-bit id | type << 16 | flags << 24: unsigned, the flags would
	 * overflow an int */
	uint32_t mode = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
	uint32_t val;
	socklen_t len = sizeof(val);

	if (*id == 0) {
		/* a group no other process can join by chance */
		val = (mode | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &val, sizeof(val)) == 0 &&
		    getsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &val, &len) == 0) {
			*id = (uint16_t)(val & 0xffff);
			return 0;
		}
		sw_err("%s: cannot make a PACKET_FANOUT group: %s", ifname, strerror(errno));
		return SW_E_CAPTURE;
	}
	val = (uint32_t)*id | (mode << 16);
	if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &val, sizeof(val)) != 0) {
		sw_err("%s: cannot join PACKET_FANOUT group %u: %s", ifname, *id,
		       strerror(errno));
		return SW_E_CAPTURE;
	}
	return 0;
}

static int
afp_open(const struct capture_conf *conf, struct capture **out)
{
	struct capture *c;
	size_t p, k, i, nifs = 0, nsocks = 0, m;
	uint32_t nq = 0, q;
	int r;

	*out = NULL;
	if (conf->nports == 0) {
		sw_err("no capture interface given");
		return SW_E_CONFIG;
	}
	for (p = 0; p < conf->nports; p++) {
		nifs += conf->ports[p].nifs;
		nq += conf->ports[p].workers;
		nsocks += (size_t)conf->ports[p].nifs * conf->ports[p].workers;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SW_E_NOMEM;
	c->socks = calloc(nsocks, sizeof(*c->socks));
	c->ifaces = calloc(nifs, sizeof(*c->ifaces));
	c->queues = calloc(nq, sizeof(*c->queues));
	c->more = calloc(nifs * IFC_MAX + nsocks, sizeof(*c->more));
	if (c->socks == NULL || c->ifaces == NULL || c->queues == NULL || c->more == NULL) {
		afp_close(c);
		return SW_E_NOMEM;
	}
	for (i = 0; i < nsocks; i++)
		c->socks[i].fd = -1;
	c->nsocks = nsocks;
	c->nifaces = nifs;
	c->nqueues = nq;
	c->snaplen = conf->snaplen;
	c->timeout_ms = (int)conf->timeout_ms;
	c->block_tov_ms = conf->afp_block_tov;

	/* the interfaces, in order */
	for (p = 0, i = 0; p < conf->nports; p++) {
		for (k = 0; k < conf->ports[p].nifs; k++, i++) {
			struct afp_iface *f = &c->ifaces[i];
			char *d;
			int j;

			snprintf(f->name, sizeof(f->name), "%s", conf->ports[p].ifs[k]);
			if ((f->ifindex = (int)if_nametoindex(f->name)) == 0) {
				sw_err("%s: no such interface", f->name);
				afp_close(c);
				return SW_E_CAPTURE;
			}
			if ((f->linktype = iface_linktype(f->name)) < 0) {
				sw_err("%s: afpacket captures Ethernet and raw IP interfaces; use "
				       "capture.source pcap for this one",
				       f->name);
				afp_close(c);
				return SW_E_CAPTURE;
			}
			snprintf(f->key, sizeof(f->key), "%s", f->name);
			for (d = f->key; *d != '\0'; d++)
				if (*d == '.')
					*d = '_';
			for (j = 0; j < IFC_MAX; j++)
				snprintf(f->names[j], sizeof(f->names[j]), "capture.interface.%s.%s",
					 f->key, ifc_names[j]);
			for (j = 0; j < 3; j++)
				(void)read_sysfs(f->name, sysfs_names[j], &f->sys_base[j]);
			if ((r = filter_compile(conf, f, &f->prog)) != 0) {
				afp_close(c);
				return r;
			}
			f->has_prog = true;
		}
	}

	/* the sockets: port by port, worker by worker, one per interface of the port */
	m = 0;
	q = 0;
	for (p = 0, i = 0; p < conf->nports; i += conf->ports[p].nifs, p++) {
		const struct capture_port *pt = &conf->ports[p];
		uint16_t ids[CAPTURE_PORT_IFS] = {0, 0};
		uint32_t w;

		for (w = 0; w < pt->workers; w++, q++) {
			c->queues[q].first = (uint32_t)m;
			c->queues[q].n = pt->nifs;
			for (k = 0; k < pt->nifs; k++, m++) {
				struct afp_sock *s = &c->socks[m];
				struct afp_iface *f = &c->ifaces[i + k];

				s->iface = (uint32_t)(i + k);
				snprintf(s->drops_name, sizeof(s->drops_name),
					 "capture.interface.%s.socket%u_drops", f->key, w);
				if ((r = sock_open(s, conf, f)) != 0 ||
				    (r = fanout_join(s, f->name, &ids[k])) != 0) {
					afp_close(c);
					return r;
				}
			}
		}
		for (k = 0; k < pt->nifs; k++)
			sw_notice("capturing on %s (afpacket, %u worker%s, fanout group %u, %u "
				  "blocks of %llu bytes per worker%s%s)",
				  c->ifaces[i + k].name, pt->workers, pt->workers == 1 ? "" : "s",
				  ids[k], conf->afp_block_count,
				  (unsigned long long)conf->afp_block_size,
				  conf->promisc ? ", promiscuous" : "",
				  pt->nifs > 1 ? ", one direction of a TAP" : "");
	}
	for (i = 0; i < c->nifaces; i++) { /* attached: the kernel has its copy */
		pcap_freecode(&c->ifaces[i].prog);
		c->ifaces[i].has_prog = false;
	}
	*out = c;
	return 0;
}

/* Puts back the VLAN tag the kernel took off: in place when the ring has room before the frame
 * (it normally has: the kernel aligns the network header), else in s->vlanbuf. */
static const uint8_t *
vlan_restore(struct afp_sock *s, struct tpacket3_hdr *h, uint8_t *mac, uint32_t *caplen)
{
	uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid
								     : ETH_P_8021Q;
	uint8_t tag[4] = {(uint8_t)(tpid >> 8), (uint8_t)tpid, (uint8_t)(h->hv1.tp_vlan_tci >> 8),
			  (uint8_t)h->hv1.tp_vlan_tci};
	uint8_t *d;

	if (*caplen < 12)
		return mac;
	if (h->tp_mac >= TPACKET_ALIGN(sizeof(*h)) + sizeof(struct sockaddr_ll) + 4) {
		d = mac - 4;
		memmove(d, mac, 12);
	} else {
		if (s->vlanbuf == NULL && (s->vlanbuf = malloc(s->block_size + 4)) == NULL)
			return mac; /* decoded without its tag */
		d = s->vlanbuf;
		memcpy(d, mac, 12);
		memcpy(d + 16, mac + 12, *caplen - 12);
	}
	memcpy(d + 12, tag, 4);
	*caplen += 4;
	return d;
}

/* The next packet of s, NULL when its current block is still the kernel's. */
static struct tpacket3_hdr *
sock_peek(struct afp_sock *s)
{
	struct tpacket_block_desc *bd;

	if (s->left > 0)
		return s->next;
	bd = (struct tpacket_block_desc *)(s->ring + (size_t)s->cur * s->block_size);
	if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0)
		return NULL;
	if (bd->hdr.bh1.num_pkts == 0) { /* an empty block the timer retired */
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		s->cur = (s->cur + 1) % s->nblocks;
		return NULL;
	}
	s->left = bd->hdr.bh1.num_pkts;
	s->next = (struct tpacket3_hdr *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
	return s->next;
}

/* Hands s's next packet (h, from sock_peek) to fn; gives the block back after its last. */
static void
sock_deliver(struct afp_sock *s, struct tpacket3_hdr *h, capture_packet_fn *fn, void *arg)
{
	struct sw_packet pkt;
	uint8_t *mac = (uint8_t *)h + h->tp_mac;
	uint32_t caplen = h->tp_snaplen;

	memset(&pkt, 0, sizeof(pkt));
	pkt.data = mac;
	pkt.wirelen = h->tp_len;
	if ((h->tp_status & TP_STATUS_VLAN_VALID) && s->linktype == DLT_EN10MB) {
		pkt.data = vlan_restore(s, h, mac, &caplen);
		if (pkt.data != mac)
			pkt.wirelen += 4;
	}
	pkt.caplen = caplen;
	/* the kernel's ns, in the microseconds of the packet path */
	pkt.ts = (sw_time_t)h->tp_sec * SW_USEC_PER_SEC + h->tp_nsec / 1000;
	pkt.linktype = s->linktype;
	fn(&pkt, arg);
	s->next = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
	if (--s->left == 0) {
		struct tpacket_block_desc *bd =
			(struct tpacket_block_desc *)(s->ring + (size_t)s->cur * s->block_size);

		atomic_fetch_add_explicit(&s->packets, bd->hdr.bh1.num_pkts, memory_order_relaxed);
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		s->cur = (s->cur + 1) % s->nblocks;
	}
}

/* Up to max packets of the n sockets from first on; with two (a TAP pair), the earlier of
 * their next packets goes first, so the two directions keep their order. */
static int
queue_drain(struct afp_sock *first, uint32_t n, capture_packet_fn *fn, void *arg, int max)
{
	int done = 0;

	while (done < max) {
		struct tpacket3_hdr *h, *best = NULL;
		struct afp_sock *from = NULL;
		uint32_t k;

		for (k = 0; k < n; k++) {
			if ((h = sock_peek(&first[k])) == NULL)
				continue;
			if (best == NULL || h->tp_sec < best->tp_sec ||
			    (h->tp_sec == best->tp_sec && h->tp_nsec < best->tp_nsec)) {
				best = h;
				from = &first[k];
			}
		}
		if (best == NULL)
			break;
		sock_deliver(from, best, fn, arg);
		done++;
	}
	return done;
}

static int
afp_poll_queue(struct capture *c, uint32_t q, capture_packet_fn *fn, void *arg, int max)
{
	struct pollfd pfd[CAPTURE_PORT_IFS];
	const struct afp_queue *qu = &c->queues[q];
	struct afp_sock *first = &c->socks[qu->first];
	uint32_t k;
	int n;

	if ((n = queue_drain(first, qu->n, fn, arg, max)) > 0)
		return n;
	for (k = 0; k < qu->n; k++) {
		pfd[k].fd = first[k].fd;
		pfd[k].events = POLLIN;
		pfd[k].revents = 0;
	}
	if (poll(pfd, qu->n, c->timeout_ms) < 0)
		return SW_E_AGAIN; /* EINTR: a signal; the caller checks its flags */
	if ((n = queue_drain(first, qu->n, fn, arg, max)) > 0)
		return n;
	/* quiesced: the end once the kernel has surely retired the block it was filling (its
	 * timer, which a loaded machine may run late) */
	if (qu->quiesced != 0 &&
	    sw_time_monotonic() - qu->quiesced > ((sw_time_t)c->block_tov_ms * 2 + 100) * 1000)
		return 0;
	return SW_E_AGAIN;
}

static void
afp_quiesce(struct capture *c, uint32_t q)
{
	struct afp_queue *qu = &c->queues[q];
	uint32_t k;

	for (k = 0; k < qu->n; k++)
		if (capture_reject_all(c->socks[qu->first + k].fd) != 0)
			sw_warn("%s: cannot stop the capture socket: %s",
				c->ifaces[c->socks[qu->first + k].iface].name, strerror(errno));
	qu->quiesced = sw_time_monotonic();
}

static int
afp_poll(struct capture *c, capture_packet_fn *fn, void *arg, int max)
{
	/* one capture thread reading every queue: only when the caller does not run the
	 * workers on their queues; kept for completeness (the sensor uses poll_queue) */
	int n = 0, r;
	uint32_t q;

	for (q = 0; q < c->nqueues; q++) {
		r = afp_poll_queue(c, q, fn, arg, max);
		if (r > 0)
			n += r;
	}
	return n > 0 ? n : SW_E_AGAIN;
}

/* Called from one thread (the stats report): reads and sums the per-socket kernel counters,
 * which reset on each read, and the interface counters. */
static void
afp_stats(struct capture *c, struct capture_stats *st)
{
	size_t i, k, m = 0;
	int j;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < c->nsocks; i++) {
		struct afp_sock *s = &c->socks[i];
		struct tpacket_stats_v3 ks;
		socklen_t len = sizeof(ks);

		if (getsockopt(s->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0) {
			s->kpackets += ks.tp_packets; /* received, drops included */
			s->kdrops += ks.tp_drops;
			s->kfreezes += ks.tp_freeze_q_cnt;
		}
	}
	/* interface by interface (names of a group must follow each other): its counters, then
	 * its sockets' drops */
	for (i = 0; i < c->nifaces; i++) {
		struct afp_iface *f = &c->ifaces[i];
		struct capture_counter *ifc = &c->more[m];

		for (j = 0; j < IFC_MAX; j++) {
			ifc[j].name = f->names[j];
			ifc[j].value = 0;
		}
		m += IFC_MAX;
		for (k = 0; k < c->nsocks; k++) {
			struct afp_sock *s = &c->socks[k];
			uint64_t pk;

			if (s->iface != i)
				continue;
			pk = atomic_load_explicit(&s->packets, memory_order_relaxed);
			ifc[IFC_PACKETS].value += pk;
			ifc[IFC_KERNEL_PKTS].value += s->kpackets;
			ifc[IFC_KERNEL_DROPS].value += s->kdrops;
			ifc[IFC_FREEZES].value += s->kfreezes;
			c->more[m].name = s->drops_name;
			c->more[m++].value = s->kdrops;
		}
		for (j = 0; j < 3; j++) {
			uint64_t v;

			if (read_sysfs(f->name, sysfs_names[j], &v) == 0)
				ifc[IFC_RX_DROPPED + j].value = v >= f->sys_base[j] ? v - f->sys_base[j]
										    : 0;
		}
		st->packets += ifc[IFC_PACKETS].value;
		st->kernel_recv += ifc[IFC_KERNEL_PKTS].value;
		st->kernel_drop += ifc[IFC_KERNEL_DROPS].value;
		/* as libpcap's ps_ifdrop: what the interface missed for lack of buffers */
		st->if_drop += ifc[IFC_RX_MISSED].value + ifc[IFC_RX_FIFO].value;
	}
	st->more = c->more;
	st->nmore = m;
}

static const char *const *
afp_sources(struct capture *c, size_t *n)
{
	(void)c;
	*n = 0;
	return NULL;
}

static void
afp_interrupt(struct capture *c)
{
	(void)c; /* the workers poll with a timeout and check the stop flag */
}

const struct capture_ops capture_afpacket = {
	.name = "afpacket",
	.open = afp_open,
	.poll = afp_poll,
	.stats = afp_stats,
	.sources = afp_sources,
	.interrupt = afp_interrupt,
	.close = afp_close,
	.poll_queue = afp_poll_queue,
	.quiesce = afp_quiesce,
};

#endif /* __linux__ */
