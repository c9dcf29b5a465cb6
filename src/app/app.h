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
	/* STARTTLS followers (app_starttls.c): clear text until TLS starts */
	APP_SMTP = 4,
	APP_IMAP = 5,
	APP_POP3 = 6,
	APP_FTP = 7,
	APP_XMPP = 8,
	APP_LDAP = 9,
	APP_PGSQL = 10,
	APP_OPENVPN = 11, /* the control channel's TLS (app_openvpn.c) */
	APP_QUIC = 12,
	APP_SSH = 13,
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

#define APP_DNS_MAX_Q 8 /* questions kept per message; more are counted (app.dns.questions_dropped) */

struct app_dns_q {
	struct app_buf name; /* lower-case, no trailing dot */
	uint16_t type, qclass;
};

struct app_dns_msg {
	uint16_t id;
	bool response;
	uint8_t opcode, rcode;
	bool aa, tc, rd, ra;
	struct app_buf qname; /* the first question, lower-case, no trailing dot */
	uint16_t qtype, qclass;
	uint16_t nquestions;
	const struct app_dns_q *questions; /* the first APP_DNS_MAX_Q questions read (questions[0]
					      is qname, qtype, qclass) */
	uint16_t nq;                       /* how many: <= nquestions */
	const struct app_dns_rr *answers; /* answer section */
	uint16_t nanswers;
	const struct app_dns_rr *authorities;
	uint16_t nauthorities;
	bool truncated_parse; /* the message ended early; what was read is reported */
	sw_time_t query_ts;   /* responses: time of the matching query, 0 when none was seen */
};

/* How many questions m has kept, and question i of them (i < that). A message made with
 * qname only (nq 0, nquestions > 0: by hand, in tests) has that one question. */
static inline uint16_t
app_dns_nq(const struct app_dns_msg *m)
{
	return m->nq > 0 ? m->nq : m->nquestions > 0 ? 1 : 0;
}

static inline struct app_dns_q
app_dns_question(const struct app_dns_msg *m, uint16_t i)
{
	struct app_dns_q q = {m->qname, m->qtype, m->qclass};

	return m->nq > 0 && m->questions != NULL ? m->questions[i] : q;
}

const char *app_dns_type_name(uint16_t type, char *buf, size_t size); /* "A", "TYPE65" */
const char *app_dns_rcode_name(uint8_t rcode, char *buf, size_t size); /* "NOERROR" ... */

/* ---- TLS (RFC 8446, 5246; JA3) ----------------------------------------------------------- */

/*
 * The fields of a ClientHello that JA4 reads (FoxIO's JA4, BSD-3-Clause), GREASE values
 * dropped, in the order sent. Lists longer than APP_TLS_HELLO_LIST are cut and marked
 * truncated (no JA4 is then given: its hashes need the whole lists).
 */
#define APP_TLS_HELLO_LIST 256

struct app_tls_hello {
	uint16_t legacy_version;      /* ClientHello.legacy_version (0x0002 for an SSLv2 hello) */
	uint16_t supported_version;   /* highest of supported_versions, 0 when absent */
	uint16_t first_version;       /* the first known version of supported_versions, or 0 */
	bool sni;                     /* a server_name extension is there */
	bool truncated;               /* a list was cut */
	uint16_t nciphers, nexts, nsigalgs;
	uint16_t ciphers[APP_TLS_HELLO_LIST];
	uint16_t exts[APP_TLS_HELLO_LIST];    /* extension types */
	uint16_t sigalgs[APP_TLS_HELLO_LIST]; /* signature_algorithms, as sent */
	uint8_t alpn_first[2];        /* first and last byte of the first ALPN value */
	uint8_t alpn_len;             /* its length (cut at 255), 0: no ALPN value */
};

#define APP_TLS_JA4_LEN 36 /* "t13d1516h2_8daaf6152771_e5627efa2ab1" */

/* Writes h's JA4 fingerprint into out (NUL-terminated; quic gives "q" for "t"), or "" when h
 * is truncated or the hash fails. Pure: no state, callable from any parser (QUIC). */
void app_tls_ja4(const struct app_tls_hello *h, bool quic, char out[APP_TLS_JA4_LEN + 1]);

/*
 * The fields of a ServerHello that JA4S reads (FoxIO's JA4S, under the FoxIO License 1.1, not
 * BSD: built only with ./configure --enable-ja4plus, SW_JA4PLUS), GREASE values dropped.
 */
struct app_tls_server_hello {
	uint16_t version;  /* supported_versions' selection, else legacy_version */
	uint16_t cipher;   /* the suite chosen */
	bool truncated;    /* more than APP_TLS_HELLO_LIST extensions: no JA4S */
	uint16_t nexts;
	uint16_t exts[APP_TLS_HELLO_LIST]; /* extension types, as sent */
	uint8_t alpn_first[2]; /* first and last byte of the ALPN chosen */
	uint8_t alpn_len;      /* its length (cut at 255), 0: no ALPN in the ServerHello */
};

#define APP_TLS_JA4S_LEN 25 /* "t120400_c030_4e8089b08790" */

/* Writes h's JA4S into out (quic: "q" for "t"), or "" when h is truncated, the hash fails or
 * spanwatch is built without ja4plus. Pure, like app_tls_ja4. */
void app_tls_ja4s(const struct app_tls_server_hello *h, bool quic, char out[APP_TLS_JA4S_LEN + 1]);
/* ssl_state values (bits of app_tls_msg.ssl_states): none yet, then the last message's */
#define APP_TLS_STATE_NONE 0x01u
#define APP_TLS_STATE_CH   0x02u /* client_hello */
#define APP_TLS_STATE_SH   0x04u /* server_hello */
#define APP_TLS_STATE_CKX  0x08u /* client_keyx */
#define APP_TLS_STATE_SKX  0x10u /* server_keyx */

#define APP_TLS_SAN_MAX   32 /* subjectAltName values kept for the first certificate */
#define APP_TLS_CHAIN_MAX 10 /* certificates kept of a chain */

/* A TLS version as the tls event names it: "TLS 1.2", "SSLv3", else "0x7f1c" in buf. */
const char *app_tls_version_name(uint16_t v, char *buf, size_t size);

struct app_tls_msg {
	bool client_hello, server_hello, certificate; /* which parts this message has */
	bool starttls;           /* the handshake followed a clear-text STARTTLS (SMTP, IMAP...) */
	bool hello_retry;        /* the server's hello was a HelloRetryRequest: another hello
				    and message follow */
	bool sslv2_hello;        /* the ClientHello was in SSLv2 form (RFC 5246 E.2) */
	char ja4[APP_TLS_JA4_LEN + 1]; /* "" when no ClientHello */
	uint16_t version;        /* negotiated (ServerHello, supported_versions), else ClientHello's */
	uint16_t client_version; /* legacy_version of the ClientHello */
	uint16_t client_supported; /* the first valid version of the ClientHello's
				      supported_versions (GREASE and unknown values skipped: what
				      Suricata calls the client's version), 0 when absent */
	struct app_buf sni;      /* server_name, as sent */
	struct app_buf alpn[8];  /* offered (ClientHello) or chosen (ServerHello) */
	uint8_t nalpn;
	uint16_t cipher;         /* chosen by the server */
	struct app_buf ja3;      /* "771,4865-4866,...,..." text */
	char ja3_hash[33];       /* MD5 hex of ja3, "" when no ClientHello */
	struct app_buf ja3s;
	char ja3s_hash[33];
	char ja4s[APP_TLS_JA4S_LEN + 1]; /* "" without a ServerHello or without ja4plus */
	/* the server's first certificate (TLS 1.2 and earlier: sent in clear) */
	struct app_buf cert_subject, cert_issuer, cert_serial; /* text (RFC 4514 / hex) */
	sw_time_t cert_not_before, cert_not_after;
	char cert_fingerprint[60]; /* SHA-1 "aa:bb:..." */
	uint8_t ncerts;
	/* subjectAltName of the first certificate: DNS names, addresses as text, e-mail, URIs */
	struct app_buf san[APP_TLS_SAN_MAX];
	uint8_t nsan;
	/* the certificates in DER, as sent, at most APP_TLS_CHAIN_MAX (and what app.memcap let us
	 * keep): nchain may be below ncerts */
	struct app_buf chain[APP_TLS_CHAIN_MAX];
	uint8_t nchain;
	bool log_chain; /* app.tls.log-chain: the event carries "chain" */
	/* ssl_state: the handshake's "current state" as Suricata keeps it (the type of the last
	 * ClientHello, ServerHello, ClientKeyExchange or ServerKeyExchange parsed) at each point
	 * rules could look at it (after each handshake message and each piece of data), by the
	 * direction of that data: bit APP_TLS_STATE_* of the states seen */
	uint8_t ssl_states[2];
	/* each direction's bytes as sent over TCP (records, from the start of TLS; the first 16 KiB
	 * and what app.memcap let us keep): the buffers "@tls.request" and "@tls.response", the
	 * payload of rules that mix payload contents and TLS buffers; empty for QUIC */
	struct app_buf raw[2];
	/* the hellos' random fields (valid with client_hello, server_hello): tls.random */
	uint8_t client_random[32], server_random[32];
};

/* ---- HTTP/1.x (RFC 9112, 9110) and files carried by it ------------------------------------ */

#define APP_HTTP_MAX_HEADERS 64 /* headers kept per message; more are counted, not kept */

struct app_http_header {
	struct app_buf name, value; /* as sent (name case kept), value without surrounding spaces */
};

/* One request and its response (a transaction), emitted when the response is complete, or with
 * what there is at flow end or on a gap. */
struct app_http_txn {
	uint32_t tx_id;          /* 0, 1, ... in the connection (pipelining keeps the order) */
	struct app_buf method;   /* "GET" */
	struct app_buf uri_raw;  /* the request-target as sent */
	struct app_buf uri;      /* normalized: percent-decoding of unreserved characters, dot
				    segments resolved (RFC 3986 5.2.4), query kept */
	struct app_buf protocol; /* "HTTP/1.1" */
	struct app_buf host;     /* Host header, lower-case, without the port */
	uint16_t port;           /* port from the Host header, 0 when none */
	struct app_buf user_agent, referer, cookie, content_type_req;
	const struct app_http_header *req_headers;
	uint16_t n_req_headers;
	struct app_buf req_headers_raw; /* the request header block as sent */
	int status;                     /* 0 when no response was seen */
	struct app_buf status_msg;
	struct app_buf resp_protocol;   /* the status line's "HTTP/1.1" */
	struct app_buf content_type;    /* response Content-Type */
	struct app_buf location;
	const struct app_http_header *resp_headers;
	uint16_t n_resp_headers;
	struct app_buf resp_headers_raw;
	struct app_buf xff;             /* X-Forwarded-For, as sent */
	/* Content-Range of the response ("bytes 0-99/1000"): raw value; start, end and size
	 * when it parses (size -1 for "*") */
	struct app_buf content_range;
	bool has_range;
	int64_t range_start, range_end, range_size;
	/* the connection stopped being HTTP after this transaction: the Upgrade value of a 101
	 * ("websocket", "h2c"), or "connect" for a CONNECT tunnel; empty otherwise */
	struct app_buf protocol_switch;
	uint64_t req_body_len, resp_body_len; /* decoded (dechunked, decompressed) body bytes */
	struct app_buf req_body, resp_body;   /* their first bytes (up to the body depth) */
	bool req_truncated, resp_truncated;   /* a gap, depth or parse error cut a body */
};

enum app_file_state {
	APP_FILE_COMPLETE = 0,
	APP_FILE_TRUNCATED = 1, /* a gap, the depth, or the connection ended early */
};

/* A file: the body of a request or response, hashed while it streamed by. */
struct app_file {
	struct app_buf name;     /* from Content-Disposition, else the last segment of the URI */
	struct app_buf form_name; /* a multipart/form-data part: its field name (else empty) */
	struct app_buf content_type;
	enum flow_dir dir;       /* FLOW_TO_CLIENT for a download */
	uint64_t size;           /* bytes seen (decoded) */
	int state;               /* enum app_file_state */
	/* bytes of the file were never seen (a hole in the stream), as Suricata's FILE_HAS_GAPS:
	 * fileinfo "gaps"; a file cut by a depth or the connection ending early has none */
	bool gaps;
	char md5[33], sha1[41], sha256[65]; /* lower-case hex; "" when truncated */
	uint32_t tx_id;          /* the HTTP transaction it belongs to */
	const struct app_http_txn *txn;
	/* own_data: file.data is data (a multipart part, or a file cut at the file store's
	 * depth: its own bytes among the body's first 16 KiB that rules see); else the body of
	 * txn in dir */
	bool own_data;
	struct app_buf data;
	/* the file store (outputs.file-store): the whole decoded file (a body, or a multipart
	 * part of it) when it was kept for it (app_ctx.file_keep), what was seen of a truncated
	 * one, else empty; keep says which (enum app_file_keep) */
	struct app_buf content;
	int keep;
	/* set by the file store for the fileinfo event: the file was written, as file_id */
	bool stored;
	uint32_t file_id;
};

enum app_file_keep {
	APP_FILE_KEEP_OFF = 0,    /* no file store wants bodies */
	APP_FILE_KEEP_WHOLE = 1,  /* content is the whole file */
	APP_FILE_KEEP_DEPTH = 2,  /* starts past outputs.file-store.stream-depth: nothing kept */
	APP_FILE_KEEP_MEMCAP = 3, /* app.memcap refused the memory to keep it */
	APP_FILE_KEEP_CUT = 4,    /* the file itself is truncated (gap, connection ended): content
				     is what was seen of it (up to stream-depth) */
	APP_FILE_KEEP_DEPTH_CUT = 5, /* longer than stream-depth: cut there (state TRUNCATED,
					size and content its first stream-depth bytes) */
};

/* ---- QUIC (RFC 9000, 9001, 9369; draft-ietf-quic-transport-29) --------------------------- */

#define APP_QUIC_V1      0x00000001u
#define APP_QUIC_V2      0x6b3343cfu
#define APP_QUIC_DRAFT29 0xff00001du

/* What a QUIC connection's Initial packets said: the TLS hellos carried in their CRYPTO frames
 * (decrypted with the Initial keys), and what the packet headers showed. */
struct app_quic_msg {
	uint32_t version;             /* of the client's Initial packets (the last one seen) */
	uint8_t version_raw[4];       /* the same, as on the wire (the quic.version buffer) */
	const struct app_tls_msg *tls; /* the ClientHello and ServerHello fields; never NULL */
	struct app_buf ua;            /* the google_user_agent transport parameter, else empty
					 (Google QUIC: the CHLO's UAID tag) */
	/* Google QUIC (gQUIC: Q039..Q046 in clear, Q050 decrypted): a client hello (CHLO); tls
	 * then has only its sni (the SNI tag) */
	bool gquic;
	struct app_buf cyu_string;    /* CYU: "46,PAD-SNI-VER-..." (version, CHLO tags) of Q043 to
					 Q046 (as Suricata), else empty */
	char cyu_hash[33];            /* its MD5 in lower-case hex, "" when none */
	/* long-header packets seen by type, and short-header packets (not decrypted) */
	uint32_t initial, zero_rtt, handshake, retry, version_negotiation, short_header;
};

/* The Initial packet protection keys of one direction (RFC 9001 5.2, RFC 9369 3.3.1). */
struct app_quic_keys {
	uint8_t secret[32];
	uint8_t key[16], iv[12], hp[16];
};

/* Derives the client's and the server's Initial keys of version from the Destination
 * Connection ID of the client's first Initial. 0; SW_E_UNSUPP for a version without known
 * Initial salt; SW_E_INVAL when dcid is longer than 20 bytes or the crypto library fails. */
int app_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			  struct app_quic_keys *client, struct app_quic_keys *server);

/* Removes the header protection and the packet protection of the long-header Initial packet
 * at pkt (len: the packet through its end, per its Length field, or more) with keys: the
 * plaintext payload (frames) is written to out (at most out_size bytes; len is enough), its
 * length to *out_len, the packet number to *pn, and the packet's length in the datagram to
 * *pkt_len. largest_pn: the largest packet number seen before in this direction (-1: none),
 * to expand a truncated number. Returns 0, SW_E_TRUNC, SW_E_INVAL (not an Initial, bad
 * lengths) or SW_E_RANGE (authentication failed). pkt is not modified. */
int app_quic_open_initial(const struct app_quic_keys *keys, uint32_t version, const uint8_t *pkt,
			  size_t len, int64_t largest_pn, uint8_t *out, size_t out_size,
			  size_t *out_len, uint64_t *pn, size_t *pkt_len);

/* The inverse, for tests and fuzz seeds: protects the Initial packet whose header (through a
 * pn_len-byte packet number whose value is pn) is hdr[0..hdr_len) and whose frames are
 * payload; the Length field of hdr must already count pn_len + payload_len + 16. Writes the
 * packet to out (hdr_len + payload_len + 16 bytes). 0 or SW_E_INVAL. */
int app_quic_seal_initial(const struct app_quic_keys *keys, const uint8_t *hdr, size_t hdr_len,
			  size_t pn_len, uint64_t pn, const uint8_t *payload, size_t payload_len,
			  uint8_t *out, size_t out_size);

/* ---- Google QUIC (gQUIC) handshake messages ---------------------------------------------- */

#define APP_GQUIC_TAGS_MAX 128 /* entries of a handshake message (Chromium's kMaxEntries) */
#define APP_GQUIC_CYU_MAX  (3 + 5 * APP_GQUIC_TAGS_MAX) /* "46," and "TAGS-" per tag */

/* A client hello (CHLO) of Google QUIC: its tags in the order sent (each as its four bytes,
 * big-endian: "SNI\0" is 0x534e4900) and the values of SNI, UAID and VER (empty when absent),
 * pointing into the message. */
struct app_gquic_chlo {
	uint32_t tags[APP_GQUIC_TAGS_MAX];
	uint16_t ntags;
	struct app_buf sni, uaid, ver;
};

/* Reads the handshake message at p[0..len): tag "CHLO", entry count (little-endian 16 bits),
 * 2 bytes of padding, the entries (tag, end offset: little-endian 32 bits) and the values.
 * 0 with *used (the message's length); SW_E_UNSUPP when it is not a CHLO; SW_E_TRUNC when it
 * runs past len; SW_E_INVAL when malformed: more than APP_GQUIC_TAGS_MAX entries, an end
 * offset below the one before, a tag that is not printable ASCII (trailing NULs aside). */
int app_gquic_chlo_parse(const uint8_t *p, size_t len, struct app_gquic_chlo *c, size_t *used);

/* The CYU string of c sent with gQUIC version (0x51303436 "Q046" gives "46,"), the tags
 * without their trailing NULs joined by '-', into out (NUL-terminated); its length, 0 when
 * version is not "Qddd" or out is too small. */
size_t app_gquic_cyu(uint32_t version, const struct app_gquic_chlo *c, char *out, size_t size);

/* A Google QUIC version: "Q" or "T" and three digits (Q043, Q046, Q050, T051...). */
bool app_gquic_version(uint32_t version);

/* ---- SSH (RFC 4253 4.2) ------------------------------------------------------------------ */

/* One side's identification string "SSH-2.0-OpenSSH_9.2p1 Debian-2": proto "2.0", software
 * "OpenSSH_9.2p1" (up to the first space; the comments are not kept). Empty when not seen. */
struct app_ssh_banner {
	struct app_buf proto, software;
	/* HASSH of this side's KEXINIT: "kex;enc;mac;cmp" (the client's client-to-server lists,
	 * the server's server-to-client ones) and its MD5; empty and "" when not seen */
	struct app_buf hassh_string;
	char hassh[33];
};

struct app_ssh_msg {
	struct app_ssh_banner client, server;
};

/* ---- frames (Suricata 7's frame keyword, app_frame.c) ------------------------------------ */

/*
 * A frame is one PDU (or a part of one) of a protocol, as Suricata 7's parsers register them:
 * a rule's "frame:tls.pdu;" makes its contents inspect each such frame's bytes, offsets from
 * the frame's start. The parsers emit frames (APP_MSG_FRAME messages) only of the types that
 * loaded rules use (app_ctx.frames); frames are for rules only, not logged as events.
 */
enum app_frame_type {
	APP_FRAME_TLS_PDU = 0,   /* a TLS record: its 5-byte header and its fragment */
	APP_FRAME_TLS_HDR = 1,   /* the record's 5-byte header */
	APP_FRAME_TLS_DATA = 2,  /* the record's fragment */
	APP_FRAME_TLS_ALERT = 3, /* the fragment of an alert record (type 21) */
	APP_FRAME_TLS_HEARTBEAT = 4, /* the fragment of a heartbeat record (type 24) */
	APP_FRAME_DNS_PDU = 5,   /* a DNS message: the datagram's payload, over TCP without the
				    2-byte length */
	APP_FRAME_SSH_RECORD_HDR = 6,  /* an SSH binary packet's first 6 bytes: packet_length,
					  padding_length, message code (clear packets only) */
	APP_FRAME_SSH_RECORD_DATA = 7, /* the packet after those 6 bytes (packet_length - 2) */
	APP_FRAME_SSH_RECORD_PDU = 8,  /* the whole packet: packet_length + 4 bytes */
	APP_FRAME_HTTP1_REQUEST = 9,   /* an HTTP/1 request as sent: from the end of the message
					  before (empty lines included) through its body */
	APP_FRAME_HTTP1_RESPONSE = 10, /* the same of a response */
	APP_FRAME_MAX
};

struct app_frame {
	int type;           /* enum app_frame_type */
	int proto;          /* enum app_proto_id of the parser that emitted it */
	struct app_buf data; /* the frame's bytes, whole */
};

/* A frame's name as rules give it ("tls.pdu"), NULL out of range. */
const char *app_frame_name(int type);
/* The frame type of a name with its protocol ("tls.pdu", case-insensitive), or -1. */
int app_frame_find(const char *name);

/* ---- messages to the stages after us ----------------------------------------------------- */

enum app_msg_kind {
	APP_MSG_DNS = 0, /* one DNS message (query or response) */
	APP_MSG_TLS = 1, /* the handshake as far as seen: emitted once when the handshake's clear
			    part is complete (server's certificate seen or ChangeCipherSpec/TLS
			    1.3 encrypted data), or at flow end */
	APP_MSG_HTTP = 2, /* one HTTP transaction */
	APP_MSG_FILE = 3, /* one file (a body) of an HTTP transaction, after that transaction */
	APP_MSG_QUIC = 4, /* a QUIC connection's handshake as its Initial packets show it: emitted
			     after the server's ServerHello, or at flow end; a HelloRetryRequest
			     and the hello before it are a message of their own (at most 4) */
	APP_MSG_SSH = 5, /* an SSH connection's identification strings and HASSH: emitted when
			    both sides' banner and KEXINIT are in (or a side went wrong), or at
			    flow end with what was seen */
	APP_MSG_FRAME = 6, /* one frame (struct app_frame), when a rule wants its type */
	APP_MSG_KIND_MAX
};

struct app_msg {
	enum app_msg_kind kind;
	enum flow_dir dir;
	sw_time_t ts;
	union {
		const struct app_dns_msg *dns;
		const struct app_tls_msg *tls;
		const struct app_http_txn *http;
		const struct app_file *file;
		const struct app_quic_msg *quic;
		const struct app_ssh_msg *ssh;
		const struct app_frame *frame;
	} u;
};

/* Where an event's view of a message keeps the parts it changes (app_msg_event_view). */
union app_event_tmp {
	struct app_dns_msg dns;
};

/* The events msg makes: 1, but more where its kind's events hook says so (Suricata 7's eve
 * dns v2 logs a DNS query with one event per question kept); and event i of them as a message
 * of its own into *out (a DNS query's view has only question i), what it changes in *tmp. */
unsigned app_msg_events(const struct app_msg *msg);
void app_msg_event_view(const struct app_msg *msg, unsigned i, struct app_msg *out,
			union app_event_tmp *tmp);

/* Called for each message; msg and everything it points to are valid during the call. */
typedef void app_msg_fn(void *arg, struct sw_flow *f, const struct app_msg *msg);

/* File hashes computed while a body streams by (bits). */
#define APP_HASH_MD5    0x1u
#define APP_HASH_SHA1   0x2u
#define APP_HASH_SHA256 0x4u
#define APP_HASH_N      3 /* bit i: file_md[i] of struct app_ctx */

/* Bounds on the work of decoding one HTTP body (gzip, deflate); 0: no bound. Past either the
 * body is truncated: no more inflating, no hashes. */
struct app_decompress_limits {
	uint64_t max_bytes; /* decoded bytes */
	uint32_t max_ratio; /* decoded / encoded bytes, once past APP_DECOMPRESS_RATIO_FROM */
	uint32_t max_layers; /* content codings undone per body (more: truncated); 0: the default */
};
#define APP_DECOMPRESS_RATIO_FROM (1u << 20) /* a small body may compress better than any ratio */

/* An anomaly a parser saw in flow f (direction dir): event is its name as anomaly events and
 * app-layer-event rules give it ("http.te_and_cl"); tx_id the transaction (has_tx false: none). */
typedef void app_anomaly_fn(void *arg, struct sw_flow *f, enum flow_dir dir, int proto,
			    const char *event, uint32_t tx_id, bool has_tx);

/* What a parser sees of the flow it works for. */
struct app_ctx {
	struct sw_flow *f;
	sw_time_t ts; /* time of the packet that brought the data */
	app_msg_fn *emit;
	void *arg;
	struct app_stats *st;
	unsigned file_hashes; /* APP_HASH_* of the bodies that start now */
	/* the digests of APP_HASH_* bit i, fetched once per worker (EVP_MD_fetch: no algorithm
	 * look-up per body); NULL: that one could not be fetched and is not computed */
	struct evp_md_st *const *file_md;
	/* the worker's memory for the parsers' per-flow buffers (header and handshake buffers,
	 * pending HTTP transactions, kept bodies), against its share of app.memcap; parsers keep
	 * it in their state for the frees. Over the cap a parser keeps less, or stops. */
	struct sw_memcap *mem;
	struct app_decompress_limits http_decompress;
	size_t http_header_max; /* an HTTP header block (start line included); 0: the default */
	app_anomaly_fn *anomaly; /* NULL: anomalies are only counted */
	/* Set by a parser whose connection turns into another protocol (a CONNECT tunnel: TLS):
	 * the protocol (enum app_proto_id), and where in the data of this call it starts. */
	int switch_proto;
	size_t switch_off;
	/* The connection was handed to this parser by a STARTTLS follower (smtp, imap, ...): the
	 * TLS event says so. */
	bool starttls;
	bool tls_log_chain; /* app.tls.log-chain: TLS events carry the certificates */
	/* TLS keeps each direction's bytes as sent until its event (rules mix payload contents
	 * and TLS buffers); decided for a direction by its first data */
	bool tls_raw;
	/* TLS reads on past the server's certificate to the key exchanges (ssl_state rules on
	 * client_keyx, server_keyx or with '!'): the message goes out at the ChangeCipherSpec */
	bool tls_keyx;
	/* bytes of each HTTP body kept whole for the file store (beyond the detection depth),
	 * charged to mem; 0: none */
	uint64_t file_keep;
	/* the first bytes of HTTP bodies are kept for rules (req_body / resp_body); false when
	 * no loaded rule reads them (app_worker_set_body_keep) */
	bool body_keep;
	/* the frame types rules use (bit APP_FRAME_*): the parsers emit those frames */
	uint32_t frames;
};

/* One parser: a protocol's table of operations. */
struct app_parser_ops {
	const char *name; /* "dns", "tls" */
	int id;           /* enum app_proto_id */
	/* a clear-text protocol that hands its connection to TLS after STARTTLS: the flow keeps
	 * this parser's name, its TLS events say "starttls" */
	bool starttls;
	/* the words that name it in a rule header (Suricata's: "http", "http1"), NULL-terminated;
	 * such a rule applies to TCP, UDP or both as the parser reads streams, datagrams or both */
	const char *const *rule_names;
	/* the names of the anomalies it raises ("http.te_and_cl"), NULL-terminated; NULL: none.
	 * app_event_find() numbers them for app-layer-event rules */
	const char *const *events;
	/* Whether the first bytes of a direction look like the protocol (to parse it on any
	 * port when nDPI has not named it). len may be short. */
	bool (*probe)(const uint8_t *data, size_t len, enum flow_dir dir);
	/* Per-flow state, its size charged to mem (the worker's app memory, kept in the state for
	 * its buffers; NULL: no accounting); NULL when refused. state_free gives back all the
	 * state was charged, NULL-safe. */
	void *(*state_new)(struct sw_memcap *mem);
	void (*state_free)(void *state);
	/* In-order TCP data of one direction (STREAM_CHUNK_* flags: a gap has data NULL). */
	void (*stream)(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data,
		       size_t len, unsigned flags);
	/* One UDP datagram (NULL for TCP-only protocols). */
	void (*datagram)(struct app_ctx *ctx, void *state, enum flow_dir dir, const uint8_t *data,
			 size_t len);
	/* The flow ends: emit what is pending. */
	void (*flow_end)(struct app_ctx *ctx, void *state);
	/* The message being read in direction dir as far as parsed (an HTTP transaction whose
	 * request line is in), for alerts on the raw stream; NULL when the protocol has none. */
	bool (*current)(void *state, enum flow_dir dir, struct app_msg *out);
};

extern const struct app_parser_ops app_parser_dns;
extern const struct app_parser_ops app_parser_tls;
extern const struct app_parser_ops app_parser_http;
extern const struct app_parser_ops app_parser_smtp, app_parser_imap, app_parser_pop3,
    app_parser_ftp, app_parser_xmpp, app_parser_ldap, app_parser_pgsql, app_parser_openvpn;
extern const struct app_parser_ops app_parser_quic;
extern const struct app_parser_ops app_parser_ssh;

struct app_stats {
	sw_counter_t flows[APP_PROTO_MAX];
	sw_counter_t messages[APP_PROTO_MAX];
	sw_counter_t errors[APP_PROTO_MAX]; /* malformed input seen by a parser */
	sw_counter_t gaps;                  /* stream gaps handed to parsers */
	sw_counter_t http_decompress_limited; /* bodies cut by app.http.decompress.* */
	sw_counter_t http_decompress_memcap;  /* bodies whose decoders app.memcap refused */
	sw_counter_t http_header_too_big;     /* header blocks over app.http.header-max */
	sw_counter_t http_anomalies;          /* anomaly events of HTTP */
	sw_counter_t switched;                /* connections handed to another parser */
	sw_counter_t quic[11];                /* enum app_quic_stat */
	sw_counter_t frames;                  /* frames handed to rules */
	sw_counter_t frames_memcap;           /* frames not given: app.memcap refused their
						 gathering */
	sw_counter_t dns_questions_dropped;   /* questions past APP_DNS_MAX_Q of a message */
	struct sw_pool_stats pools[6];        /* APP_POOL_*, named by app_pool_name() */
};

/* The app worker's pools: per-flow state, HTTP state and transactions, TLS and DNS state, and
 * the TLS parser's work areas (given back when a flow's handshake is over). */
enum app_pool {
	APP_POOL_FLOW = 0,
	APP_POOL_HTTP_STATE = 1,
	APP_POOL_HTTP_TXN = 2,
	APP_POOL_TLS_STATE = 3,
	APP_POOL_DNS_STATE = 4,
	APP_POOL_TLS_WORK = 5,
	APP_POOL_MAX = 6,
};

/* QUIC's counters (app_stats.quic), named by app_quic_stat_name() as "app.quic.<name>". */
enum app_quic_stat {
	APP_QUIC_ST_INITIAL = 0,       /* long-header packets by type */
	APP_QUIC_ST_ZERO_RTT = 1,
	APP_QUIC_ST_HANDSHAKE = 2,
	APP_QUIC_ST_RETRY = 3,
	APP_QUIC_ST_VERSION_NEG = 4,
	APP_QUIC_ST_DECRYPTED = 5,     /* Initial packets decrypted */
	APP_QUIC_ST_DECRYPT_FAILED = 6, /* Initial packets that did not decrypt or parse */
	APP_QUIC_ST_CRYPTO_REFUSED = 7, /* CRYPTO frames refused: too far ahead, too big, memcap */
	APP_QUIC_ST_GQUIC = 8,         /* packets of Google QUIC connections */
	APP_QUIC_ST_GQUIC_CHLO = 9,    /* gQUIC client hellos read (Q039..Q046 in clear, Q050) */
	APP_QUIC_ST_GQUIC_ENCRYPTED = 10, /* client packets of gQUIC versions whose hello we do not
					     read (Q048, Q049, T0xx): recognised, not read */
	APP_QUIC_ST_MAX
};
const char *app_quic_stat_name(int stat); /* NULL past the last */

const char *app_proto_name(int id);

/* The parser a rule header's protocol word names (lower case): its enum app_proto_id, with in
 * *ipproto the transport its rules apply to (6, 17, or 0 for both); APP_NONE when none. */
int app_proto_find_rule_name(const char *word, uint8_t *ipproto);
/* Whether the parser of protocol id reads datagrams (UDP) as well as streams. */
bool app_proto_has_datagrams(int id);

/* ---- protocol descriptors ----------------------------------------------------------------- */

/*
 * Each kind of message has one descriptor, next to its parser (app_dns.c, app_tls.c,
 * app_http.c): its EVE event type and formatter, the named buffers rules read, and the
 * observables indicators are checked against. The later stages work through the descriptors
 * only: detect/ numbers its buffers from them when it loads rules, output/ formats app events
 * and the app object of alerts with them, cti/ matches observables in one loop. Adding a
 * message kind is: its parser file, its descriptor, its entry in enum app_msg_kind and in
 * app.c's table of descriptors, and its tests.
 */

/* What an indicator can be checked against. */
enum app_obs_type {
	APP_OBS_IP = 0,     /* value: 4 or 16 address bytes (family says which) */
	APP_OBS_DOMAIN = 1, /* a host name, lower-case, no trailing dot */
	APP_OBS_URL = 2,    /* "http://host[:port]/path?query" as the client asked for it */
	APP_OBS_MD5 = 3,    /* lower-case hex */
	APP_OBS_SHA1 = 4,
	APP_OBS_SHA256 = 5,
	APP_OBS_JA3 = 6,
	APP_OBS_JA4 = 7, /* "t13d1516h2_8daaf6152771_e5627efa2ab1" */
	APP_OBS_JA4S = 8, /* "t120400_c030_4e8089b08790" (only with ja4plus) */
	APP_OBS_MAX
};

/* One value of a message an indicator may match; borrowed for the duration of the callback. */
struct app_observable {
	enum app_obs_type type;
	const char *where;    /* the field it came from, as alerts name it: "dns.query" */
	enum flow_dir dir;    /* the direction of the data that carried it */
	const uint8_t *value; /* text, or address bytes for APP_OBS_IP */
	size_t len;
	uint8_t family; /* APP_OBS_IP: 4 or 6 */
};

typedef void app_observable_fn(void *arg, const struct app_observable *o);

/* One named buffer of a message kind. */
struct app_buffer_desc {
	const char *name;             /* Suricata's sticky-buffer name: "http.uri" */
	const char *const *aliases;   /* other sticky-buffer names ("http_uri"); NULL-terminated */
	const char *const *modifiers; /* old content modifiers that move the content before them
					 into this buffer ("uricontent"); NULL-terminated */
	int dir; /* where the field is seen: FLOW_TO_SERVER, FLOW_TO_CLIENT, or -1 both */
	/* Writes the buffer to *out (borrowed from m, or built in scratch) and returns 0, or
	 * SW_E_NOTFOUND when m does not have it (or it is empty). */
	int (*get)(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size);
};

struct jw;

struct app_msg_desc {
	enum app_msg_kind kind;
	const char *name; /* the EVE event type and its object in alerts: "dns", "fileinfo" */
	int proto;        /* enum app_proto_id of the parser that emits it */
	bool one_way;     /* a message has one direction (a DNS message, a file); else it is a
			     transaction and its buffers are seen in both */
	const struct app_buffer_desc *buffers;
	size_t nbuffers;
	/* Writes m's fields into an event under way: top-level fields first (an HTTP
	 * transaction's tx_id), then its object(s). in_alert leaves out what only the message's
	 * own event carries (HTTP headers are kept; a file's http object has no headers). */
	void (*eve)(struct jw *w, const struct app_msg *m, bool in_alert);
	/* Calls fn for every value of m indicators are checked against. */
	void (*observables)(const struct app_msg *m, app_observable_fn *fn, void *arg);
	/* Buffers with several values (tls.certs: each certificate): value i of buffer buf (its
	 * index in buffers[]) of m into *out, borrowed from m; SW_E_NOTFOUND past the last value,
	 * SW_E_INVAL when buf has one value only (then get gives it; m->u may then be NULL: asked
	 * so, the answer is by buf only). NULL: no such buffer. Such a
	 * buffer's get gives its first value; a rule matches when its contents match one value. */
	int (*buffer_i)(const struct app_msg *m, size_t buf, size_t i, struct app_buf *out);
	/* buffer_i's value 0 is the client's and value 1 the server's (ssh.software): a rule with
	 * a direction (flow:to_server) matches only that side's value */
	bool values_by_dir;
	/* Another kind whose buffers and message keywords this kind's messages also have (QUIC's
	 * Initials carry a TLS handshake: tls.sni, ja3.hash, ... read it), with view writing m as
	 * a message of that kind into *out; NULL: none. */
	const struct app_msg_desc *serves;
	void (*view)(const struct app_msg *m, struct app_msg *out);
	/* The served kind's buffers are only read by this kind's own rules: the served kind's
	 * rules do not run on these messages (a file reads its HTTP transaction's buffers for
	 * "http.uri; ...; filestore;" rules, while plain HTTP rules stay on the transaction). */
	bool serves_buffers_only;
	/* The buffers (names of buffers[]) that read the kept bytes of a body: the parser keeps
	 * them only while a loaded rule reads one (app_ctx.body_keep); NULL-terminated, NULL none */
	const char *const *body_buffers;
	/* A message that makes several events (app_msg_events): how many m makes, and event i's
	 * view of m; NULL: one event, m itself. */
	unsigned (*events)(const struct app_msg *m);
	void (*event_view)(const struct app_msg *m, unsigned i, struct app_msg *out,
			   union app_event_tmp *tmp);
	/* Like buffer_i for values built in scratch[0..size) (http.request_header: each header as
	 * "Name: value"): SW_E_NOTFOUND past the last value or when value i does not fit, SW_E_INVAL
	 * (asked with m->u NULL too) when buf has one value only. NULL: none. */
	int (*buffer_i_built)(const struct app_msg *m, size_t buf, size_t i, struct app_buf *out,
			      char *scratch, size_t size);
};

/* The descriptor of a kind (enum app_msg_kind); NULL for a value out of range. */
const struct app_msg_desc *app_msg_desc(int kind);
/* Whether messages of kind msg_kind have the buffers of kind (their own, or those of the kind
 * their descriptor serves). */
bool app_kind_serves(int msg_kind, int kind);
/* Whether parser proto (enum app_proto_id) emits messages that have the buffers of kind. */
bool app_proto_serves(int proto, int kind);
/* m as a message of kind into *out (m itself, or the view of the kind m's serves); false when
 * m's kind does not serve kind. */
bool app_msg_as(const struct app_msg *m, int kind, struct app_msg *out);

/*
 * Every buffer of every kind has a number, 0 .. app_buffer_count() - 1, the same for the whole
 * run (the order of app.c's table): callers look names up once (when rules load) and use the
 * number on the packet path.
 */
int app_buffer_count(void);
/* The buffer with number id and the kind of message it belongs to; NULL when out of range. */
const struct app_buffer_desc *app_buffer_desc(int id, int *kind);
/* The number of a buffer by name or alias (case-insensitive), or SW_E_NOTFOUND. */
int app_buffer_find(const char *name);
/* Whether buffer id reads a body's kept bytes (its kind's body_buffers). */
bool app_buffer_reads_body(int id);
/* The number of an anomaly event a parser raises by its name ("http.te_and_cl",
 * case-insensitive): 0 .. ; -1 when no parser raises it. The number is the same for the whole
 * run. */
int app_event_find(const char *name);
/* The number of the buffer an old content modifier names ("http_uri"), or SW_E_NOTFOUND. */
int app_buffer_find_modifier(const char *name);

/* Buffer id of msg into *out: 0; SW_E_NOTFOUND when msg has no such buffer (another kind of
 * message, or the field is empty); SW_E_INVAL for an id out of range. scratch holds buffers
 * built as text (http.stat_code). */
int app_msg_buffer_id(const struct app_msg *msg, int id, struct app_buf *out, char *scratch,
		      size_t scratch_size);
/* The same by name, for tests and tools. */
int app_msg_buffer(const struct app_msg *msg, const char *name, struct app_buf *out,
		   char *scratch, size_t scratch_size);
/* Value idx of buffer id of msg: a buffer with one value has it at idx 0; SW_E_NOTFOUND past
 * the last value (or when msg has none), SW_E_INVAL for an id out of range. */
int app_msg_buffer_id_i(const struct app_msg *msg, int id, size_t idx, struct app_buf *out,
			char *scratch, size_t scratch_size);
/* Whether buffer id has several values (app_buffer_desc.get_i). */
bool app_buffer_multi(int id);

/* Writes msg's event object(s) (app_msg_desc.eve). */
void app_msg_eve(struct jw *w, const struct app_msg *msg, bool in_alert);
/* Calls fn for msg's observables (app_msg_desc.observables). */
void app_msg_observables(const struct app_msg *msg, app_observable_fn *fn, void *arg);

/* ---- configuration ------------------------------------------------------------------------ */

/* app.* keys */
struct app_conf {
	struct conf_strlist file_hashes; /* "md5", "sha1", "sha256" */
	unsigned hash_mask;              /* the same as APP_HASH_* bits */
	uint64_t memcap;                 /* all workers' parser memory */
	struct app_decompress_limits http_decompress;
	uint64_t http_header_max;
	bool tls_log_chain; /* app.tls.log-chain */
};

struct conf_doc;
/* Reads app.* keys; an unknown hash name is an error naming it. */
int app_conf_load(struct conf_doc *doc, struct app_conf *conf);
void app_conf_free(struct app_conf *conf);

/* ---- dispatch (one per worker) ----------------------------------------------------------- */

struct app_worker;

int app_worker_new(app_msg_fn *emit, void *arg, struct app_worker **out);
void app_worker_free(struct app_worker *w); /* NULL-safe; flows must be ended first */
/* Which hashes bodies that start from now on get (APP_HASH_*; 0 = none). Hashing every body
 * three ways costs a third of the pipeline's time on HTTP-heavy traffic, so the configuration
 * can drop what the SOC does not use; indicators of a type turn its hash back on. */
void app_worker_set_file_hashes(struct app_worker *w, unsigned mask);
/* The worker's share of app.memcap, and its accounting (for stats). */
void app_worker_set_memcap(struct app_worker *w, uint64_t memcap);
const struct sw_memcap *app_worker_mem(const struct app_worker *w);
/* The bounds on decoding HTTP bodies (app.http.decompress.*); none until set. */
void app_worker_set_http_decompress(struct app_worker *w,
				    const struct app_decompress_limits *limits);
struct app_stats *app_worker_stats(struct app_worker *w);
/* Where the parsers' anomalies go (called with the arg of app_worker_new); none until set. */
void app_worker_set_anomaly(struct app_worker *w, app_anomaly_fn *fn);
/* The largest HTTP header block (app.http.header-max). */
void app_worker_set_http_header_max(struct app_worker *w, size_t max);
/* Whether TLS events carry the certificate chain (app.tls.log-chain). */
void app_worker_set_tls_log_chain(struct app_worker *w, bool on);
/* Whether TLS keeps the handshake's bytes as sent (the payload of rules that mix payload
 * contents and TLS buffers; detect_wants_msg_payload()). Off until set. */
void app_worker_set_tls_raw(struct app_worker *w, bool on);
/* Whether TLS reads the key exchanges before its message (app_ctx.tls_keyx). Off until set. */
void app_worker_set_tls_keyx(struct app_worker *w, bool on);
/* Bodies that start from now on are kept whole up to max bytes (in app.memcap) for the file
 * store (app_file.content); 0: off (the default). */
void app_worker_set_file_keep(struct app_worker *w, uint64_t max);
/* The frame types rules use (bits APP_FRAME_*; detect_wants_frames()): the parsers emit them
 * from the next data on. None until set. */
void app_worker_set_frames(struct app_worker *w, uint32_t mask);
/* Whether bodies that start from now on keep their first bytes for rules (detect_wants_bodies();
 * the file store keeps them anyway). On until set: a body nothing reads is hashed, not copied. */
void app_worker_set_body_keep(struct app_worker *w, bool on);

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

/* The app message f is in the middle of in direction dir (see app_parser_ops.current), for
 * alerts of stream rules; *out and what it points to are valid until f's next data. */
bool app_flow_current(const struct sw_flow *f, enum flow_dir dir, struct app_msg *out);

/* The flow's protocol as events and rules name it: our parser's ("http"), else nDPI's, NULL
 * when neither knows yet. */
const char *app_flow_name(const struct sw_flow *f);

/* The parser's protocol name ("dns", "tls") for f, or NULL when none parses it. */
const char *app_flow_proto(const struct sw_flow *f);

/* Suricata's alproto, alproto_orig and alproto_expect of f (SCFlowAppLayerProto): returns
 * the name of the parser reading f now ("tls" after STARTTLS or CONNECT, where app_flow_name
 * keeps "smtp"), NULL when none; *orig the protocol before a change of protocol, *expect the
 * one that change asked for ("tls" for STARTTLS, NULL for CONNECT: Suricata expects either
 * TLS or HTTP there); both NULL without a change. */
const char *app_flow_change(const struct sw_flow *f, const char **orig, const char **expect);

#endif
