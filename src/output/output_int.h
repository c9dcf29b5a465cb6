/* src/output/output_int.h: private to src/output: the built-in sinks. */
#ifndef SW_OUTPUT_INT_H
#define SW_OUTPUT_INT_H

#include "output/output.h"

extern const struct output_sink_ops output_sink_stdout;
extern const struct output_sink_ops output_sink_file;
extern const struct output_sink_ops output_sink_kafka;
extern const struct output_sink_ops output_sink_report;
/* The report sink's counters (output_report.c). */
const struct output_report_stats *output_report_sink_stats(const struct output_sink *s);

/* Checks outputs.kafka.properties with librdkafka, reporting bad ones with file:line. */
struct conf_doc;
int output_kafka_check_props(const struct output_kafka_conf *kcf, struct conf_doc *doc);

/* Sends one message (an evidence pcap) to topic through the spool, as events go; its
 * event_type header is "evidence". Thread-safe. */
int output_kafka_write_raw(struct output_sink *s, const char *topic, const void *key,
			   size_t klen, const void *buf, size_t len);

/* The Kafka sink's counters (output_kafka.c). */
const struct output_kafka_stats *output_kafka_sink_stats(const struct output_sink *s);

/* ---- the spool: an append-only log of events on disk (output_spool.c) ---------------------- */

struct spool;

struct spool_conf {
	const char *dir;
	uint64_t max_size;     /* all segments together */
	uint64_t segment_size; /* a new segment after this many bytes */
};

/* A record: which segment (by its number) and which record in it. Packs into 64 bits so it can
 * travel as librdkafka's per-message opaque. */
static inline void *
spool_ref_pack(uint32_t seg, uint32_t idx)
{
	return (void *)(uintptr_t)((uint64_t)(seg + 1) << 32 | idx);
}

struct spool_rec {
	uint32_t seg, idx;
	const char *topic; /* valid until the next spool call */
	const uint8_t *key, *payload;
	size_t key_len, payload_len;
};

struct spool_stats {
	uint64_t records, bytes, segments, corrupt, pending;
};

/* Opens (creating) dir and indexes the segments left by earlier runs: their records are
 * pending. A record with a bad checksum is counted and skipped. */
int spool_open(const struct spool_conf *conf, struct spool **out);
void spool_close(struct spool *s); /* syncs; NULL-safe */

/* Appends a record and marks it in flight (the caller produces it now). SW_E_MEMCAP when the
 * spool is full; *ref is the record's opaque. */
int spool_append(struct spool *s, const char *topic, const void *key, size_t key_len,
		 const void *payload, size_t payload_len, void **ref);

/* The outcome of a record in flight: delivered (it will never be sent again) or not (it is
 * pending again and will be replayed). ref NULL is ignored. */
void spool_done(struct spool *s, void *ref, bool delivered);

/* The oldest pending record, marked in flight; false when there is none. */
bool spool_next(struct spool *s, struct spool_rec *rec);

/* Writes the data to disk (fsync) and deletes segments whose records were all delivered. */
void spool_sync(struct spool *s);

/* Ends the current segment (no more appends), then spool_sync(): used at exit. */
void spool_seal(struct spool *s);

void spool_get_stats(struct spool *s, struct spool_stats *st);

#endif
