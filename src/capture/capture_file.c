/* src/capture/capture_file.c: the "pcap-file" source: pcap and pcapng files read with libpcap,
 * one after the other; a file that fails to open or ends mid-record is reported and skipped,
 * the packets read before stay counted. A regular file in the classic pcap format (libpcap's
 * file format, pcap-savefile(5)) without a BPF filter is read from a memory mapping instead,
 * kept until the capture closes: its packets' bytes stay valid (sw_packet.data_stable), so
 * nothing copies them on their way to a worker. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture/capture_int.h"

struct capture {
	struct conf_strlist files;
	char *bpf;
	size_t cur;  /* index of the open file */
	pcap_t *pcap;
	int linktype;
	uint64_t file_packets;
	struct capture_stats st;
	volatile int interrupted;
	char *iobuf; /* the open file's stdio buffer (FILE_READ_BUFFER), freed after pcap_close */
	uint32_t pace;             /* capture.pace: percent of packet-time speed, 0 none */
	sw_time_t pace_pkt0, pace_mono0; /* first packet's time, and when it was delivered */
	/* the open file when mapped (c->pcap stays open for its link type): the next record's
	 * offset, the byte order and time unit of the file, its snapshot length */
	const uint8_t *map;
	size_t map_len, map_off;
	size_t map_dropped; /* bytes from the start whose pages were given back (file_release) */
	bool map_swap, map_nsec;
	uint32_t map_snap;
	/* every mapping made, unmapped when the capture closes (workers may still read them
	 * until then) */
	struct file_mapping {
		void *base;
		size_t len;
		bool dropped; /* given back whole (file_release) */
	} *maps;
	size_t nmaps;
};

/* The largest record libpcap reads (its MAXIMUM_SNAPLEN); a bigger one is an error. */
#define MAP_MAX_RECORD 262144u

static uint32_t
map_u32(const struct capture *c, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return c->map_swap ? __builtin_bswap32(v) : v;
}

/* Maps path when it is a regular file in the classic pcap format; leaves c->map NULL (libpcap
 * reads it) otherwise, or when mapping fails. Called once libpcap opened it (header valid). */
static void
map_open(struct capture *c, const char *path)
{
	struct file_mapping *nm;
	struct stat sb;
	uint32_t magic;
	void *base;
	int fd;

	c->map = NULL;
	if (c->bpf != NULL || strcmp(path, "-") == 0 || (fd = open(path, O_RDONLY)) < 0)
		return;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 24 ||
	    (uint64_t)sb.st_size > SIZE_MAX) {
		close(fd);
		return;
	}
	base = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return;
	memcpy(&magic, base, sizeof(magic));
	if ((magic != 0xa1b2c3d4u && magic != 0xd4c3b2a1u && magic != 0xa1b23c4du &&
	     magic != 0x4d3cb2a1u) ||
	    (nm = realloc(c->maps, (c->nmaps + 1) * sizeof(*nm))) == NULL) {
		munmap(base, (size_t)sb.st_size); /* pcapng, or no room to remember it: libpcap */
		return;
	}
	(void)madvise(base, (size_t)sb.st_size, MADV_SEQUENTIAL);
	c->maps = nm;
	c->maps[c->nmaps].base = base;
	c->maps[c->nmaps].dropped = false;
	c->maps[c->nmaps++].len = (size_t)sb.st_size;
	c->map = base;
	c->map_len = (size_t)sb.st_size;
	c->map_off = 24;
	c->map_dropped = 0;
	c->map_swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	c->map_nsec = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	c->map_snap = map_u32(c, c->map + 16);
	if (c->map_snap == 0 || c->map_snap > MAP_MAX_RECORD)
		c->map_snap = MAP_MAX_RECORD; /* as libpcap does */
}

/* The next record of the mapped file into pkt (as libpcap would give it): 1, 0 at the end of
 * the file, -1 for a truncated or bogus record (msg says what). */
static int
map_next(struct capture *c, struct sw_packet *pkt, char *msg, size_t msglen)
{
	const uint8_t *h = c->map + c->map_off;
	size_t left = c->map_len - c->map_off;
	uint32_t sec, frac, incl;

	if (left == 0)
		return 0;
	if (left < 16) {
		snprintf(msg, msglen, "truncated dump file; tried to read 16 header bytes, only got %zu",
			 left);
		return -1;
	}
	sec = map_u32(c, h);
	frac = map_u32(c, h + 4);
	incl = map_u32(c, h + 8);
	if (incl > MAP_MAX_RECORD) {
		snprintf(msg, msglen, "invalid packet capture length %u, bigger than maximum of %u",
			 incl, MAP_MAX_RECORD);
		return -1;
	}
	if (incl > left - 16) {
		snprintf(msg, msglen,
			 "truncated dump file; tried to read %u captured bytes, only got %zu", incl,
			 left - 16);
		return -1;
	}
	/* encap[] (most of the struct) is never read past encap_count */
	memset(pkt, 0, offsetof(struct sw_packet, encap));
	pkt->data = h + 16;
	pkt->data_stable = true;
	pkt->caplen = incl > c->map_snap ? c->map_snap : incl;
	pkt->wirelen = map_u32(c, h + 12);
	pkt->ts = (sw_time_t)sec * SW_USEC_PER_SEC + (c->map_nsec ? frac / 1000 : frac);
	c->map_off += 16 + (size_t)incl;
	/* the next record's header and the packet headers after it: their line is fetched while
	 * this packet is decoded (the first read of each record missed the cache) */
	if (c->map_off + 128 <= c->map_len) {
		__builtin_prefetch(c->map + c->map_off);
		__builtin_prefetch(c->map + c->map_off + 64);
	}
	return 1;
}

/* capture.pace: waits until the packet at ts is due (in slices, so an interrupt is seen). */
static void
file_pace(struct capture *c, sw_time_t ts)
{
	sw_time_t due, now;

	if (c->pace_mono0 == 0) {
		c->pace_pkt0 = ts;
		c->pace_mono0 = sw_time_monotonic();
		sw_notice("capture: paced replay (%u%%): packet time %lld.%06lld at wall clock "
			  "%lld.%06lld",
			  c->pace, (long long)(ts / SW_USEC_PER_SEC), (long long)(ts % SW_USEC_PER_SEC),
			  (long long)(sw_time_now() / SW_USEC_PER_SEC),
			  (long long)(sw_time_now() % SW_USEC_PER_SEC));
		return;
	}
	if (ts <= c->pace_pkt0)
		return;
	due = c->pace_mono0 + (ts - c->pace_pkt0) * 100 / c->pace;
	while (!c->interrupted && (now = sw_time_monotonic()) < due) {
		sw_time_t d = due - now < 50000 ? due - now : 50000;
		struct timespec sl = {0, (long)d * 1000};

		nanosleep(&sl, NULL);
	}
}

static void
file_close_current(struct capture *c)
{
	if (c->pcap != NULL) {
		pcap_close(c->pcap);
		c->pcap = NULL;
	}
}

/* libpcap reads a file through stdio, whose buffer is 4 KB: one read(2) per 4 KB, 100,000 of them
 * for a 400 MB capture. The file is opened here with a 1 MB buffer instead ("-", standard
 * input, is left to libpcap). */
#define FILE_READ_BUFFER (1u << 20)

static pcap_t *
file_pcap_open(struct capture *c, const char *path, char *errbuf)
{
	pcap_t *p;
	FILE *fp;

	if (strcmp(path, "-") == 0)
		return pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
							       errbuf);
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return NULL;
	}
	/* glibc ignores the size unless it is given the buffer; without one: stdio's own */
	if (c->iobuf == NULL)
		c->iobuf = malloc(FILE_READ_BUFFER);
	if (c->iobuf != NULL)
		(void)setvbuf(fp, c->iobuf, _IOFBF, FILE_READ_BUFFER);
	if ((p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO,
							  errbuf)) == NULL)
		fclose(fp); /* libpcap closes it only once it has taken it */
	return p;
}

/* Opens files[cur], skipping (and reporting) files that cannot be opened. 0 when one is open,
 * 1 when there are no more files. */
static int
file_open_next(struct capture *c)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	int r;

	while (c->cur < c->files.n) {
		const char *path = c->files.v[c->cur];

		errbuf[0] = '\0';
		c->pcap = file_pcap_open(c, path, errbuf);
		if (c->pcap == NULL) {
			sw_err("%s: cannot read capture: %s", path, errbuf);
			c->st.file_errors++;
			c->cur++;
			continue;
		}
		if (c->bpf != NULL) {
			/* prog is only filled (and to be freed) when the compile succeeds */
			if (pcap_compile(c->pcap, &prog, c->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
				sw_err("%s: BPF filter '%s': %s", path, c->bpf, pcap_geterr(c->pcap));
				file_close_current(c);
				return SW_E_CONFIG;
			}
			r = pcap_setfilter(c->pcap, &prog);
			pcap_freecode(&prog);
			if (r != 0) {
				sw_err("%s: BPF filter '%s': %s", path, c->bpf, pcap_geterr(c->pcap));
				file_close_current(c);
				return SW_E_CONFIG;
			}
		}
		c->linktype = pcap_datalink(c->pcap);
		map_open(c, path);
		c->file_packets = 0;
		c->st.files_read++;
		sw_info("reading %s (link type %s)", path,
			pcap_datalink_val_to_name(c->linktype) ?: "unknown");
		return 0;
	}
	return 1;
}

static void
file_free(struct capture *c)
{
	size_t i;

	if (c == NULL)
		return;
	file_close_current(c);
	for (i = 0; i < c->nmaps; i++)
		munmap(c->maps[i].base, c->maps[i].len);
	free(c->maps);
	free(c->iobuf);
	for (i = 0; i < c->files.n; i++)
		free(c->files.v[i]);
	free(c->files.v);
	free(c->bpf);
	free(c);
}

static int
file_open(const struct capture_conf *conf, struct capture **out)
{
	struct capture *c;
	int r;

	*out = NULL;
	if (conf->files.n == 0) {
		sw_err("no capture file given");
		return SW_E_CONFIG;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SW_E_NOMEM;
	if ((r = capture_expand_files(&conf->files, &c->files)) != 0)
		goto fail;
	c->pace = conf->pace;
	if (conf->bpf != NULL && (c->bpf = strdup(conf->bpf)) == NULL) {
		r = SW_E_NOMEM;
		goto fail;
	}
	/* The first file must open, so a typo fails at start and not silently. */
	if ((r = file_open_next(c)) != 0) {
		if (r == 1) {
			sw_err("none of the capture files could be read");
			r = SW_E_IO;
		}
		goto fail;
	}
	*out = c;
	return 0;
fail:
	file_free(c);
	return r;
}

static int
file_poll(struct capture *c, capture_packet_fn *fn, void *arg, int max)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct sw_packet pkt;
	char msg[128];
	int n = 0, r;

	while (n < max && !c->interrupted) {
		if (c->pcap == NULL) {
			if ((r = file_open_next(c)) == 1)
				return n;
			if (r < 0)
				return r;
		}
		if (c->map != NULL) {
			r = map_next(c, &pkt, msg, sizeof(msg));
		} else if ((r = pcap_next_ex(c->pcap, &h, &data)) == 1) {
			/* encap[] (most of the struct) is never read past encap_count */
			memset(&pkt, 0, offsetof(struct sw_packet, encap));
			pkt.data = data;
			pkt.caplen = h->caplen;
			pkt.wirelen = h->len;
			pkt.ts = (sw_time_t)h->ts.tv_sec * SW_USEC_PER_SEC + (sw_time_t)h->ts.tv_usec;
		}
		if (r == 1) {
			pkt.linktype = c->linktype;
			pkt.source_idx = (uint32_t)c->cur;
			if (c->pace > 0)
				file_pace(c, pkt.ts);
			c->file_packets++;
			c->st.packets++;
			fn(&pkt, arg);
			n++;
			continue;
		}
		if (r == PCAP_ERROR || (c->map != NULL && r < 0)) {
			/* A truncated record or a read error: what was read so far stands. */
			sw_warn("%s: stopped after %llu packets: %s", c->files.v[c->cur],
				(unsigned long long)c->file_packets,
				c->map != NULL ? msg : pcap_geterr(c->pcap));
			c->st.file_errors++;
		}
		c->map = NULL;
		/* PCAP_ERROR_BREAK: end of this file */
		file_close_current(c);
		c->cur++;
		c->pace_mono0 = 0; /* each file is paced from its first packet */
	}
	return n;
}

/* The pages of the open file's mapping before upto go (MADV_DONTNEED on a shared read-only
 * mapping: were one read again, it would come back from the page cache), so the resident set
 * does not grow by the file; a pointer in an earlier file's mapping gives back all of it. */
static void
file_release(struct capture *c, const uint8_t *upto)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t end, j;

	for (j = 0; j < c->nmaps; j++) /* the mapping upto is in; those before it are done */
		if (upto >= (const uint8_t *)c->maps[j].base &&
		    upto <= (const uint8_t *)c->maps[j].base + c->maps[j].len)
			break;
	for (size_t k = 0; k < j && j < c->nmaps; k++)
		if (!c->maps[k].dropped) {
			(void)madvise(c->maps[k].base, c->maps[k].len, MADV_DONTNEED);
			c->maps[k].dropped = true;
		}
	if (c->map == NULL || upto < c->map || upto > c->map + c->map_len || pg <= 0)
		return;
	end = (size_t)(upto - c->map) & ~(size_t)(pg - 1);
	if (end <= c->map_dropped)
		return;
	(void)madvise((void *)(uintptr_t)(c->map + c->map_dropped), end - c->map_dropped,
		      MADV_DONTNEED);
	c->map_dropped = end;
}

static void
file_stats(struct capture *c, struct capture_stats *st)
{
	*st = c->st;
}

static const char *const *
file_sources(struct capture *c, size_t *n)
{
	*n = c->files.n;
	return (const char *const *)c->files.v;
}

static void
file_interrupt(struct capture *c)
{
	c->interrupted = 1;
}

const struct capture_ops capture_pcap_file = {
	.name = "pcap-file",
	.open = file_open,
	.poll = file_poll,
	.stats = file_stats,
	.sources = file_sources,
	.interrupt = file_interrupt,
	.close = file_free,
	.release = file_release,
};
