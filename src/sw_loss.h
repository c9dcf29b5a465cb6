/* src/sw_loss.h: loss accounted for in one place: every existing counter that stands for a
 * packet, segment, flow or event not fully handled is mapped here to a cause. The stats event
 * gets a "loss" section (by cause, with a total), and a "loss" event carries the new loss of each
 * stats interval that had any. */
#ifndef SW_LOSS_H
#define SW_LOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

enum loss_cause {
	LOSS_KERNEL_DROP = 0,    /* capture.kernel_drops: the kernel/ring had no room (packets) */
	LOSS_INTERFACE_DROP,     /* capture.kernel_ifdrops: the interface dropped them (packets) */
	LOSS_CAPTURE_FILE_ERROR, /* capture.file_errors: unreadable or truncated files */
	LOSS_DECODE_ERROR,       /* decoder.invalid: packets that could not be decoded */
	LOSS_DEFRAG_DROPPED,     /* defrag.dropped: fragments refused (memcap, limits) */
	LOSS_DEFRAG_TIMEOUT,     /* defrag.timeouts: datagrams never completed */
	LOSS_FLOW_MEMCAP,        /* flow.memcap_refused: packets with no flow (cap, nothing to evict) */
	LOSS_FLOW_EVICTED,       /* flow.end.forced: flows ended early under memory pressure */
	LOSS_STREAM_MEMCAP,      /* stream.memcap_refused: segments the reassembly cap refused */
	LOSS_STREAM_SEGMENT_LIMIT, /* stream.segment_limit: segments past the per-flow limit */
	LOSS_STREAM_GAP,         /* stream.gaps: holes in a TCP stream (bytes never seen) */
	LOSS_APP_MEMCAP,         /* app.memcap_refused: app-layer state the cap refused */
	LOSS_HTTP_DECOMPRESS_MEMCAP, /* app.http.decompress_memcap: bodies left compressed */
	LOSS_DPI_MEMCAP,         /* dpi.memcap_refused: flows nDPI could not look at */
	LOSS_DETECT_MEMCAP,      /* detect.memcap_refused: stream windows/flowbits refused */
	LOSS_CTI_MEMCAP,         /* cti.memcap_refused: per-flow indicator state refused */
	LOSS_OUTPUT_WRITE,       /* output.write_errors: events a sink failed to write */
	LOSS_KAFKA_DROPPED,      /* kafka.dropped: events neither delivered nor spooled */
	LOSS_KAFKA_CORRUPT,      /* kafka.corrupt: spooled events unreadable at replay */
	LOSS_MAX
};

/* "kernel_drop", ... (the key in the loss section, the loss event and the metrics label). */
const char *loss_cause_name(int cause);
/* "loss.kernel_drop", ...: the stats counter name (static). */
const char *loss_counter_name(int cause);

/* The loss figures of a run, taken from the stats counters. gap_bytes is kept apart from the
 * causes: bytes, where the causes count packets, segments, flows, events. */
struct loss_figures {
	uint64_t v[LOSS_MAX];
	uint64_t total; /* sum of v */
	uint64_t gap_bytes;
};

struct eve_counter;
/* Fills f from the stats counters c[0..n) (names as in the stats event). */
void loss_from_counters(const struct eve_counter *c, size_t n, struct loss_figures *f);

/* What the last report said, for the deltas of the next interval. */
struct loss_state {
	struct loss_figures last;
	sw_time_t interval_start;
	bool started;
};

/* The loss of the interval from s->interval_start (the previous report, or the start of the
 * run) to now: d = f - s->last. Returns whether any cause grew; s moves to (f, now). */
bool loss_interval(struct loss_state *s, const struct loss_figures *f, sw_time_t now,
		   struct loss_figures *d, sw_time_t *start);

#endif
