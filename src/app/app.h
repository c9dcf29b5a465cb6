/* src/app/app.h: our own application-layer parsers (DNS, TLS; HTTP and files to come), fed by
 * the reassembled TCP streams and by UDP datagrams. Each parser turns the bytes into messages
 * (a DNS query or answer, a TLS handshake) that the detection and CTI stages and the EVE output
 * read. One file per protocol (app_dns.c, app_tls.c, ...), each a table of operations. */
#ifndef SW_APP_H
#define SW_APP_H

#include <stdbool.h>

#include "core/core.h"
#include "flow/flow.h"

enum app_proto_id {
	APP_NONE = 0,
	APP_DNS = 1,
	APP_TLS = 2,
	APP_HTTP = 3,
	APP_PROTO_MAX
};

/* Bytes borrowed from the parser for the duration of a callback; not NUL-terminated. */
struct app_buf {
	const uint8_t *p;
	size_t len;
};

/* ---- DNS (RFC 1035, 3596, 2782) ---------------------------------------------------------- */

#define APP_DNS_MAX_RR 64 /* answers kept per message; more are counted, not kept */

struct app_dns_rr {
	struct app_buf name; /* lower-case, no trailing dot, decompressed */
	uint16_t type, rrclass;
	uint32_t ttl;
	/* rdata as text: an address ("192.0.2.10", "2001:db8::10"), a name (CNAME, NS, PTR, MX
	 * exchange, SRV target), TXT strings joined, SOA mname; empty for other types */
	struct app_buf data;
	uint16_t mx_pref;               /* MX */
	uint16_t srv_prio, srv_weight, srv_port; /* SRV */
	uint8_t addr[16];               /* A / AAAA in network order */
	uint8_t addr_family;            /* 4 or 6 for A / AAAA, else 0 */
};

struct app_dns_msg {
	uint16_t id;
	bool response;
	uint8_t opcode, rcode;
	bool aa, tc, rd, ra;
	struct app_buf qname; /* the first question, lower-case, no trailing dot */
	uint16_t qtype, qclass;
	uint16_t nquestions;
	const struct app_dns_rr *answers; /* answer section */
	uint16_t nanswers;
	const struct app_dns_rr *authorities;
	uint16_t nauthorities;
	bool truncated_parse; /* the message ended early; what was read is reported */
	sw_time_t query_ts;   /* responses: time of the matching query, 0 when none was seen */
};

const char *app_dns_type_name(uint16_t type, char *buf, size_t size); /* "A", "TYPE65" */
const char *app_dns_rcode_name(uint8_t rcode, char *buf, size_t size); /* "NOERROR" ... */

/* ---- TLS (RFC 8446, 5246; JA3) ----------------------------------------------------------- */

struct app_tls_msg {
	bool client_hello, server_hello, certificate; /* which parts this message has */
	uint16_t version;        /* negotiated (ServerHello, supported_versions), else ClientHello's */
	uint16_t client_version; /* legacy_version of the ClientHello */
	struct app_buf sni;      /* server_name, as sent */
	struct app_buf alpn[8];  /* offered (ClientHello) or chosen (ServerHello) */
	uint8_t nalpn;
	uint16_t cipher;         /* chosen by the server */
	struct app_buf ja3;      /* "771,4865-4866,...,..." text */
	char ja3_hash[33];       /* MD5 hex of ja3, "" when no ClientHello */
	struct app_buf ja3s;
	char ja3s_hash[33];
	/* the server's first certificate (TLS 1.2 and earlier: sent in clear) */
	struct app_buf cert_subject, cert_issuer, cert_serial; /* text (RFC 4514 / hex) */
	sw_time_t cert_not_before, cert_not_after;
	char cert_fingerprint[60]; /* SHA-1 "aa:bb:..." */
	uint8_t ncerts;
};

/* ---- messages to the stages after us ----------------------------------------------------- */

enum app_msg_kind {
	APP_MSG_DNS = 0, /* one DNS message (query or response) */
	APP_MSG_TLS = 1, /* the handshake as far as seen: emitted once when the handshake's clear
			    part is complete (server's certificate seen or ChangeCipherSpec/TLS
			    1.3 encrypted data), or at flow end */
};

struct app_msg {
	int kind; /* enum app_msg_kind */
	enum flow_dir dir;
	sw_time_t ts;
	union {
		const struct app_dns_msg *dns;
		const struct app_tls_msg *tls;
	} u;
};

/* Called for each message; msg and everything it points to are valid during the call. */
typedef void app_msg_fn(void *arg, struct sw_flow *f, const struct app_msg *msg);

/* What a parser sees of the flow it works for. */
struct app_ctx {
	struct sw_flow *f;
	sw_time_t ts; /* time of the packet that brought the data */
	app_msg_fn *emit;
	void *arg;
	struct app_stats *st;
};

/* One parser: a protocol's table of operations. */
struct app_parser_ops {
	const char *name; /* "dns", "tls" */
	int id;           /* enum app_proto_id */
	/* Whether the first bytes of a direction look like the protocol (to parse it on any
	 * port when nDPI has not named it). len may be short. */
	bool (*probe)(const uint8_t *data, size_t len, enum flow_dir dir);
	/* Per-flow state; NULL-safe free. */
	void *(*state_new)(void);
	void (*state_free)(void *state);
	/* In-order TCP data of one direction (STREAM_CHUNK_* flags: a gap has data NULL). */
	void (*stream)(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data,
		       size_t len, unsigned flags);
	/* One UDP datagram (NULL for TCP-only protocols). */
	void (*datagram)(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data,
			 size_t len);
	/* The flow ends: emit what is pending. */
	void (*flow_end)(struct app_ctx *ctx, void *state);
};

extern const struct app_parser_ops app_parser_dns;
extern const struct app_parser_ops app_parser_tls;

struct app_stats {
	sw_counter_t flows[APP_PROTO_MAX];
	sw_counter_t messages[APP_PROTO_MAX];
	sw_counter_t errors[APP_PROTO_MAX]; /* malformed input seen by a parser */
	sw_counter_t gaps;                  /* stream gaps handed to parsers */
};

const char *app_proto_name(int id);

/* ---- dispatch (one per worker) ----------------------------------------------------------- */

struct app_worker;

int app_worker_new(app_msg_fn *emit, void *arg, struct app_worker **out);
void app_worker_free(struct app_worker *w); /* NULL-safe; flows must be ended first */
struct app_stats *app_worker_stats(struct app_worker *w);

/* A UDP (or other datagram) packet of flow f. */
void app_datagram(struct app_worker *w, struct sw_flow *f, enum flow_dir dir,
		  const struct sw_packet *p);

/* In-order TCP data of flow f (the stream stage's callback; flags STREAM_CHUNK_*, ts the time
 * of the packet that released it). Returns false when no parser wants this flow (the stream
 * may stop buffering it). */
bool app_stream(struct app_worker *w, struct sw_flow *f, enum flow_dir dir, const uint8_t *data,
		size_t len, unsigned flags, sw_time_t ts);

/* The flow ends: parsers emit what is pending and free their state. app_flow_free() after the
 * flow event, which still names the protocol. */
void app_flow_end(struct app_worker *w, struct sw_flow *f, sw_time_t ts);
void app_flow_free(struct app_worker *w, struct sw_flow *f);

/* The parser's protocol name ("dns", "tls") for f, or NULL when none parses it. */
const char *app_flow_proto(const struct sw_flow *f);

#endif
