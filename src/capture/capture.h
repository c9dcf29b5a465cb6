/* src/capture/capture.h: packet sources (pcap/pcapng files, libpcap live, AF_PACKET fanout), each
 * a table of operations chosen by name. */
#ifndef SW_CAPTURE_H
#define SW_CAPTURE_H

#include <stdbool.h>

#include "core/core.h"

struct capture_conf {
	char *interface;           /* live: the interface (-i) */
	struct conf_strlist files; /* offline: files or directories (-r), in order */
	uint32_t snaplen;
	bool promisc;
	uint64_t buffer_size; /* kernel ring, bytes */
	char *bpf;            /* filter expression, NULL for none */
	uint32_t timeout_ms;  /* live read timeout */
	/* offline: 0 reads as fast as it can; N delivers packets at N percent of the speed of
	 * their timestamps (100: as captured), a replay paced by packet time */
	uint32_t pace;
	int source;           /* enum capture_source (capture.source) */
	/* capture.interfaces (and -i given several times): one port each, "eth0", a TAP pair
	 * "eth0+eth1" (both directions read by one set of workers), either followed by "@N" for
	 * N workers; empty: capture.interface alone */
	struct conf_strlist interfaces;
	uint64_t afp_block_size;  /* capture.afpacket.block-size */
	uint32_t afp_block_count; /* capture.afpacket.block-count */
	uint32_t afp_block_tov;   /* capture.afpacket.block-timeout-ms */
	/* parsed from interfaces (or interface) by capture_conf_ports(); the caller then sets
	 * workers where it is 0 */
	struct capture_port *ports;
	size_t nports;
};

enum capture_source {
	CAPTURE_SOURCE_AUTO = 0, /* afpacket on Linux for -i, pcap otherwise */
	CAPTURE_SOURCE_PCAP = 1,
	CAPTURE_SOURCE_AFPACKET = 2,
};

#define CAPTURE_PORT_IFS 2 /* a TAP: its two directions on two interfaces */
struct capture_port {
	char *ifs[CAPTURE_PORT_IFS];
	uint32_t nifs;
	uint32_t workers; /* 0: not given */
};

/* Fills conf->ports from conf->interfaces, or from conf->interface alone. Errors name the
 * key and the entry. */
int capture_conf_ports(struct capture_conf *conf);
void capture_conf_ports_free(struct capture_conf *conf); /* only the ports */

struct conf_doc;
/* Reads capture.* keys (the command line overrides afterwards). */
int capture_conf_load(struct conf_doc *doc, struct capture_conf *conf);
void capture_conf_free(struct capture_conf *conf);

struct capture;

/* Called once per packet; pkt and its bytes are valid only during the call. */
typedef void capture_packet_fn(struct sw_packet *pkt, void *arg);

struct capture_stats {
	uint64_t packets;     /* delivered to us */
	uint64_t kernel_recv; /* pcap_stats ps_recv (live) */
	uint64_t kernel_drop; /* ps_drop: dropped for lack of buffer space */
	uint64_t if_drop;     /* ps_ifdrop: dropped by the interface */
	uint64_t files_read;
	uint64_t file_errors; /* files that could not be opened or ended in a truncated record */
	/* more named counters of the source (per interface, per socket): names and values
	 * belong to the source and stay valid until its close */
	const struct capture_counter *more;
	size_t nmore;
};

struct capture_counter {
	const char *name;
	uint64_t value;
};

struct capture_ops {
	const char *name; /* "pcap-file", "pcap-live" */
	int (*open)(const struct capture_conf *conf, struct capture **out);
	/* Delivers up to max packets: returns >0 the count, 0 at the end of the input, SW_E_AGAIN
	 * when nothing arrived before the read timeout (live), or another SW_E_* on failure. */
	int (*poll)(struct capture *c, capture_packet_fn *fn, void *arg, int max);
	void (*stats)(struct capture *c, struct capture_stats *st);
	/* Names of the inputs (file paths) by sw_packet.source_idx; NULL when live. */
	const char *const *(*sources)(struct capture *c, size_t *n);
	/* Makes a poll in progress return soon (from a signal handler). */
	void (*interrupt)(struct capture *c);
	void (*close)(struct capture *c); /* NULL-safe */
	/* Sources read by the workers themselves (afpacket): reads queue q (worker q's sockets)
	 * like poll, from worker q's thread only. NULL for sources read by one capture thread. */
	int (*poll_queue)(struct capture *c, uint32_t q, capture_packet_fn *fn, void *arg,
			  int max);
	/* Live, when the capture stops: the kernel takes no more packets for queue q (every queue
	 * of a source read by one thread), so what it counted as received is what is left to read;
	 * poll / poll_queue deliver that, then return 0 once nothing more can come. Without it,
	 * packets arriving while the sensor stops would be counted received and never delivered.
	 * NULL when not needed (files). */
	void (*quiesce)(struct capture *c, uint32_t q);
	/* Packets with data_stable: every packet whose bytes start before upto is done with (no
	 * thread reads them any more), so their memory may be given back. NULL when the source
	 * has no such packets. */
	void (*release)(struct capture *c, const uint8_t *upto);
};

const struct capture_ops *capture_ops_find(const char *name); /* NULL when unknown */

/* The source for conf: files, or the live source capture.source names (auto: afpacket on
 * Linux). NULL with an error logged when conf asks for what this build cannot do. */
const struct capture_ops *capture_ops_choose(const struct capture_conf *conf);

/* Expands a list of files and directories (whose regular files are taken in name order) into a
 * list of files. Errors name the path. */
int capture_expand_files(const struct conf_strlist *in, struct conf_strlist *out);

#endif
