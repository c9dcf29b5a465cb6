/* src/sw_loss.c: the one place that says which counters are loss, and of which cause. */
#include "config.h"

#include <string.h>

#include "output/output.h"
#include "sw_loss.h"

/* Every stats counter that counts something not fully handled, with its cause. A counter that
 * is not here is not loss (e.g. stream.depth_reached: a limit the configuration chose). */
static const struct {
	const char *counter;
	int cause;
} loss_map[] = {
	{"capture.kernel_drops", LOSS_KERNEL_DROP},
	{"capture.kernel_ifdrops", LOSS_INTERFACE_DROP},
	{"capture.file_errors", LOSS_CAPTURE_FILE_ERROR},
	{"decoder.invalid", LOSS_DECODE_ERROR},
	{"defrag.dropped", LOSS_DEFRAG_DROPPED},
	{"defrag.timeouts", LOSS_DEFRAG_TIMEOUT},
	{"flow.memcap_refused", LOSS_FLOW_MEMCAP},
	{"flow.end.forced", LOSS_FLOW_EVICTED}, /* flow.chain_evicted is a part of it */
	{"stream.memcap_refused", LOSS_STREAM_MEMCAP},
	{"stream.segment_limit", LOSS_STREAM_SEGMENT_LIMIT},
	{"stream.gaps", LOSS_STREAM_GAP},
	{"app.memcap_refused", LOSS_APP_MEMCAP},
	{"app.http.decompress_memcap", LOSS_HTTP_DECOMPRESS_MEMCAP},
	{"dpi.memcap_refused", LOSS_DPI_MEMCAP},
	{"detect.memcap_refused", LOSS_DETECT_MEMCAP},
	{"cti.memcap_refused", LOSS_CTI_MEMCAP},
	{"cti.kafka.memcap_refused", LOSS_CTI_MEMCAP}, /* indicators not applied */
	{"output.write_errors", LOSS_OUTPUT_WRITE},
	{"file_store.fs_errors", LOSS_OUTPUT_WRITE}, /* files not stored */
	{"tls_store.errors", LOSS_OUTPUT_WRITE},     /* chains not stored */
	{"kafka.dropped", LOSS_KAFKA_DROPPED},
	{"kafka.corrupt", LOSS_KAFKA_CORRUPT},
};

static const char *const names[LOSS_MAX][2] = {
	[LOSS_KERNEL_DROP] = {"kernel_drop", "loss.kernel_drop"},
	[LOSS_INTERFACE_DROP] = {"interface_drop", "loss.interface_drop"},
	[LOSS_CAPTURE_FILE_ERROR] = {"capture_file_error", "loss.capture_file_error"},
	[LOSS_DECODE_ERROR] = {"decode_error", "loss.decode_error"},
	[LOSS_DEFRAG_DROPPED] = {"defrag_dropped", "loss.defrag_dropped"},
	[LOSS_DEFRAG_TIMEOUT] = {"defrag_timeout", "loss.defrag_timeout"},
	[LOSS_FLOW_MEMCAP] = {"flow_memcap", "loss.flow_memcap"},
	[LOSS_FLOW_EVICTED] = {"flow_evicted", "loss.flow_evicted"},
	[LOSS_STREAM_MEMCAP] = {"stream_memcap", "loss.stream_memcap"},
	[LOSS_STREAM_SEGMENT_LIMIT] = {"stream_segment_limit", "loss.stream_segment_limit"},
	[LOSS_STREAM_GAP] = {"stream_gap", "loss.stream_gap"},
	[LOSS_APP_MEMCAP] = {"app_memcap", "loss.app_memcap"},
	[LOSS_HTTP_DECOMPRESS_MEMCAP] = {"http_decompress_memcap", "loss.http_decompress_memcap"},
	[LOSS_DPI_MEMCAP] = {"dpi_memcap", "loss.dpi_memcap"},
	[LOSS_DETECT_MEMCAP] = {"detect_memcap", "loss.detect_memcap"},
	[LOSS_CTI_MEMCAP] = {"cti_memcap", "loss.cti_memcap"},
	[LOSS_OUTPUT_WRITE] = {"output_write_error", "loss.output_write_error"},
	[LOSS_KAFKA_DROPPED] = {"kafka_dropped", "loss.kafka_dropped"},
	[LOSS_KAFKA_CORRUPT] = {"kafka_corrupt", "loss.kafka_corrupt"},
};

const char *
loss_cause_name(int cause)
{
	return cause >= 0 && cause < LOSS_MAX ? names[cause][0] : "unknown";
}

const char *
loss_counter_name(int cause)
{
	return cause >= 0 && cause < LOSS_MAX ? names[cause][1] : "loss.unknown";
}

void
loss_from_counters(const struct eve_counter *c, size_t n, struct loss_figures *f)
{
	size_t i, k;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < n; i++) {
		if (strcmp(c[i].name, "stream.gap_bytes") == 0) {
			f->gap_bytes = c[i].value;
			continue;
		}
		for (k = 0; k < sizeof(loss_map) / sizeof(loss_map[0]); k++)
			if (strcmp(c[i].name, loss_map[k].counter) == 0) {
				f->v[loss_map[k].cause] += c[i].value;
				break;
			}
	}
	for (k = 0; k < LOSS_MAX; k++)
		f->total += f->v[k];
}

bool
loss_interval(struct loss_state *s, const struct loss_figures *f, sw_time_t now,
	      struct loss_figures *d, sw_time_t *start)
{
	bool any = false;
	int k;

	memset(d, 0, sizeof(*d));
	for (k = 0; k < LOSS_MAX; k++) {
		/* a gauge-like counter that went down (a restart of its source) starts over */
		d->v[k] = f->v[k] >= s->last.v[k] ? f->v[k] - s->last.v[k] : f->v[k];
		d->total += d->v[k];
		any |= d->v[k] != 0;
	}
	d->gap_bytes = f->gap_bytes >= s->last.gap_bytes ? f->gap_bytes - s->last.gap_bytes
							 : f->gap_bytes;
	*start = s->interval_start;
	s->last = *f;
	s->interval_start = now;
	return any;
}
