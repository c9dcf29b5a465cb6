/* src/output/output_report_int.h: private to src/output: the report sink's JSON reader. */
#ifndef SW_OUTPUT_REPORT_INT_H
#define SW_OUTPUT_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

enum rjv_type {
	RJ_NULL = 0,
	RJ_BOOL = 1,
	RJ_NUM = 2,
	RJ_STR = 3,
	RJ_ARR = 4,
	RJ_OBJ = 5,
};

/* A value of a parsed line. Strings point into the document's buffer, NUL-terminated. */
struct rjv {
	int type;          /* enum rjv_type */
	const char *key;   /* member name inside an object, else NULL */
	const char *s;     /* RJ_STR: the decoded string; RJ_NUM: the number as written */
	size_t n;          /* RJ_STR/RJ_NUM: length of s; RJ_ARR/RJ_OBJ: number of members */
	double num;        /* RJ_NUM: value; RJ_BOOL: 1 or 0 */
	struct rjv *child; /* first member */
	struct rjv *next;  /* next member of the parent */
};

/* A document: a fixed array of nodes (a line with more values is refused) and a string buffer
 * that grows to the longest line read. */
struct rjson {
	struct rjv *nodes;
	size_t nnodes, cap_nodes;
	char *str;
	size_t cap_str;
	const struct rjv *root;
};

/* Parses one JSON object (an EVE line) into doc, replacing what it held: 0, SW_E_NOMEM when the
 * string buffer cannot grow, SW_E_INVAL when the text is not one JSON object or has more values
 * than doc->cap_nodes (or nests deeper than 32). */
int report_json_parse(struct rjson *doc, const char *line, size_t len);

/* The value at a dotted path of objects ("alert.signature_id"), or NULL. */
const struct rjv *rjv_get(const struct rjv *v, const char *path);
/* A string (or a number's text) at path, or NULL. */
const char *rjv_str(const struct rjv *v, const char *path);
bool rjv_num(const struct rjv *v, const char *path, double *out);
/* A non-negative integer at path, 0 when absent. */
uint64_t rjv_u64(const struct rjv *v, const char *path);

/* ---- the report sink's state (output_report.c), written out by output_report_html.c ------ */

#include <stdio.h>

#include "output/output.h"

#define REPORT_KEY_MAX   128
#define REPORT_EXTRA_MAX 400
#define REPORT_BUCKETS   240  /* timeline buckets (even) */
#define REPORT_NODES     8192 /* JSON values in one event */
#define REPORT_SIGS      4096 /* table entries: signatures, hosts, conversations, ... */
#define REPORT_HOSTS     4096
#define REPORT_PROTOS    512
#define REPORT_CTI       2048
#define REPORT_FILES     2048
#define REPORT_SOURCES   16

/* One row of a top-N table. weight orders the rows (alerts: count; hosts: bytes); err is the
 * part of weight inherited from an entry it replaced (0: exact). */
struct report_entry {
	uint64_t weight, err, count;
	uint64_t pkts, bytes_out, bytes_in;
	uint64_t aux; /* severity */
	uint32_t ref; /* signatures: the first alert shown in full (1-based), 0 none */
	bool used;
	sw_time_t first, last;
	char key[REPORT_KEY_MAX];
	char extra[REPORT_EXTRA_MAX]; /* tab-separated details, by table */
};

struct report_topk {
	struct report_entry *e;
	size_t cap, used, bytes;
	uint64_t evicted;
};

/* An alert shown in full: its line, and the end-of-flow event of its flow when one came. */
struct report_alert {
	char *line;
	char *flow_line;
	uint32_t flow; /* the first full alert of the same flow (1-based), 0 none */
};

struct report_flowref {
	uint64_t flow_id;
	uint32_t idx; /* 1-based alert; 0: free slot */
};

struct report_bucket {
	uint64_t bytes, pkts, alerts, flows;
};

struct report {
	const struct output_conf *conf;
	FILE *fp;
	struct output_report_stats st; /* st.mem: report.memcap */
	struct rjson doc;
	size_t str_charged;
	uint64_t events[EVE_TYPE_MAX];
	uint64_t unparsed, alerts, alerts_summarized, cti_hits, flows, files, anomalies;
	uint64_t flow_pkts, flow_bytes;
	uint64_t by_severity[5]; /* [0]: other */
	sw_time_t first, last, last_stats;
	char sensor[64];
	char sources[REPORT_SOURCES][256];
	size_t nsources;
	bool more_sources;
	struct report_topk sigs, talkers, convs, protos, cti, filetab;
	struct report_bucket tl[REPORT_BUCKETS];
	int64_t base, bucket_us; /* base may go below 0 when the range grows to the left */
	struct report_alert *detail;
	size_t ndetail, max_detail;
	struct report_flowref *flowref;
	size_t nflowref;
	char *stats_line; /* the last stats event */
};

sw_time_t report_parse_time(const char *s);
/* The timeline bucket of time t (clamped to the buckets). */
size_t report_timeline_idx(const struct report *r, sw_time_t t);
/* The memory the tables need before the first event, for an error message. */
size_t report_min_memory(uint32_t alerts);
void report_free(struct report *r); /* NULL-safe; does not write */
/* Writes the page; 0 or SW_E_IO / SW_E_NOMEM. */
int report_write_html(struct report *r, FILE *fp);

#endif
