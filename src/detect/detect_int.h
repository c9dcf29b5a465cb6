/* src/detect/detect_int.h: private to the detection stage. The parsed form of one rule (what
 * detect_parse.c makes of Suricata's rule text and detect_engine.c compiles and verifies), the
 * variables (address and port groups), and the classification and reference tables. */
#ifndef SW_DETECT_INT_H
#define SW_DETECT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/detect.h"

/* ---- addresses and ports ------------------------------------------------------------------ */

/*
 * A set of addresses as sorted, disjoint, non-adjacent closed intervals over one 128-bit space
 * in which an IPv4 address a.b.c.d is ::ffff:a.b.c.d (so "!10.0.0.0/8" includes every IPv6
 * address, as in Suricata). An empty set matches nothing; "any" is [0, 2^128-1].
 */
typedef unsigned __int128 det_u128;

struct det_iprange {
	det_u128 lo, hi;
};

struct det_ipset {
	struct det_iprange *r;
	uint32_t n;
	bool negated; /* the expression (variables expanded) has a '!': Suricata's
			 contains_negation, which keeps a rule out of the IP-only engine */
};

struct det_portrange {
	uint16_t lo, hi;
};

/* Sorted, disjoint, non-adjacent intervals; "any" is [0, 65535]. */
struct det_portset {
	struct det_portrange *r;
	uint32_t n;
};

/* The key of an address in the set's space (family 4 or 6, sw_addr layout). */
det_u128 det_addr_key(int family, const uint8_t *addr);
bool det_ipset_has(const struct det_ipset *s, det_u128 key);
bool det_portset_has(const struct det_portset *s, uint16_t port);
bool det_ipset_is_any(const struct det_ipset *s);
bool det_portset_is_any(const struct det_portset *s);
void det_ipset_free(struct det_ipset *s);
void det_portset_free(struct det_portset *s);

/*
 * Variables: address groups ("HOME_NET") and port groups ("HTTP_PORTS"), each a name and its
 * text ("[10.0.0.0/8,192.168.0.0/16]"), which may use other variables. Suricata's default
 * values are built in; the config's vars.address-groups.* and vars.port-groups.* replace them.
 */
struct det_vars {
	char **names, **values;
	bool *is_port; /* port group, else address group */
	size_t n;
};

/* Fills v with Suricata's default groups. 0 or SW_E_NOMEM. */
int det_vars_defaults(struct det_vars *v);
/* Adds or replaces one group. 0 or SW_E_NOMEM. */
int det_vars_set(struct det_vars *v, bool is_port, const char *name, const char *value);
void det_vars_free(struct det_vars *v);

/*
 * Parses an address expression ("any", "10.0.0.1", "10.0.0.0/8", "2001:db8::/32",
 * "[1.2.3.4,!1.2.3.5]", "$HOME_NET", "!$HOME_NET", "[10.0.0.0/8,![10.1.0.0/16,10.2.0.0/16]]",
 * netmasks "10.0.0.0/255.0.0.0") into *out. Negation inside a list subtracts from the positive
 * entries of that list (a list of only negations means "any" minus them). Variables are
 * expanded (a loop is an error). Returns 0, or SW_E_INVAL with the reason in err.
 */
int det_parse_addr(const struct det_vars *v, const char *text, struct det_ipset *out, char *err,
		   size_t errlen);
/* The same for ports: "any", "80", "1024:", ":1023", "1:1024", "[80,443,8000:8080]", "!22",
 * "$HTTP_PORTS", "[$HTTP_PORTS,!81]". */
int det_parse_port(const struct det_vars *v, const char *text, struct det_portset *out, char *err,
		   size_t errlen);

/* ---- classification.config and reference.config -------------------------------------------- */

struct det_classtype {
	char *name;        /* "trojan-activity" */
	char *description; /* "A Network Trojan was detected", the alert's category */
	int priority;      /* 1 (high) .. 4 */
};

struct det_classes {
	struct det_classtype *v;
	size_t n;
	char **ref_names, **ref_urls; /* reference.config: "cve" -> "http://cve.mitre.org/..." */
	size_t nrefs;
};

/* Reads "config classification: name,description,priority" lines. A bad line is reported with
 * file:line and skipped; returns 0, SW_E_IO when the file cannot be read. */
int det_classes_load(struct det_classes *c, const char *path);
/* Reads "config reference: name url" lines, the same way. */
int det_refs_load(struct det_classes *c, const char *path);
const struct det_classtype *det_classes_find(const struct det_classes *c, const char *name);
void det_classes_free(struct det_classes *c);

/* ---- the parsed rule ---------------------------------------------------------------------- */

enum det_action {
	DET_ACT_ALERT = 0,
	DET_ACT_PASS = 1,   /* a match stops inspection of that packet/message, no alert */
	DET_ACT_DROP = 2,   /* a passive sensor cannot drop: alerts, action "allowed" */
	DET_ACT_REJECT = 3, /* the same */
	DET_ACT_MAX
};

/* Buffers: number 0 is the payload (the reassembled stream for TCP, the packet for the others,
 * and the packet itself for packet rules). The others are the app stage's buffers (their
 * descriptors, app.h), numbered 1 + app_buffer_find(): the rule language knows no protocol by
 * itself. DET_BUF_MAX bounds the arrays indexed by buffer; det_buffer() checks it. */
#define DET_BUF_PAYLOAD 0
#define DET_BUF_MAX     96

struct det_buffer_info {
	const char *name; /* the sticky-buffer keyword: "http.uri"; "pkt_data" for the payload */
	int app_proto;    /* enum app_proto_id of the parser whose messages have it; APP_NONE */
	int dir;          /* the direction it is seen in: 0 to_server, 1 to_client, -1 both */
	int msg_kind;     /* enum app_msg_kind of the messages that carry it; -1 for the payload */
	int hdr;          /* a packet header buffer (ipv4.hdr ...): enum det_hdr_buf; 0 otherwise */
	bool body;        /* it reads a body's kept bytes (app_buffer_reads_body) */
};

/* The packet header sticky buffers (Suricata 7's ipv4.hdr, ...): the raw header bytes of the
 * innermost packet, numbered after the app buffers; only packet rules read them. */
enum det_hdr_buf {
	DET_HDR_NONE = 0,
	DET_HDR_IPV4 = 1,
	DET_HDR_IPV6 = 2,
	DET_HDR_TCP = 3,
	DET_HDR_UDP = 4,
	DET_HDR_ICMPV4 = 5,
	DET_HDR_ICMPV6 = 6,
	DET_HDR_MAX
};

/* The buffer with number b, NULL when there is none. */
const struct det_buffer_info *det_buffer(int b);
/* How many buffers there are (payload included). */
int det_buffer_count(void);
/* The number of a buffer by its canonical name ("http.uri"), for the rule language's own
 * mappings (pcre flags, file.data); -1 when no parser has it. */
int det_buffer_named(const char *name);
/* The buffer a message of kind carries as the payload of rules that mix payload contents and
 * its buffers, in direction dir: "@http.request", "@tls.response" ...; -1 when the kind has
 * none (a DNS message's payload is the datagram or chunk it came in). */
int det_buffer_msg_payload(int kind, int dir);

/* Which keyword names select which buffer: sticky ("http.uri", "http_uri" as a sticky-buffer
 * alias where Suricata has one) and the old content modifiers ("http_uri", "uricontent"). */
int det_buffer_by_sticky(const char *keyword); /* -1 when it is not a sticky buffer */
int det_buffer_by_modifier(const char *keyword);

/* A value that is a number or a byte_extract variable (index into the rule's variables). */
struct det_value {
	int64_t v;
	int8_t var; /* -1: use v */
};

enum det_item_kind {
	DET_ITEM_CONTENT = 0,
	DET_ITEM_PCRE = 1,
	DET_ITEM_BYTE_TEST = 2,
	DET_ITEM_BYTE_JUMP = 3,
	DET_ITEM_BYTE_EXTRACT = 4,
	DET_ITEM_ISDATAAT = 5,
	DET_ITEM_BSIZE = 6,
	DET_ITEM_BASE64 = 7, /* base64_decode, with the base64_data matches on what it decoded */
	DET_ITEM_BYTE_MATH = 8, /* byte_math: u.byte, op an enum det_math_op, value the rvalue */
	DET_ITEM_DATASET = 9, /* dataset / datarep: the whole buffer looked up in a set */
};

#define DET_C_NOCASE     0x0001u
#define DET_C_NEGATED    0x0002u
#define DET_C_OFFSET     0x0004u /* offset set */
#define DET_C_DEPTH      0x0008u
#define DET_C_DISTANCE   0x0010u /* relative to the previous match in the list */
#define DET_C_WITHIN     0x0020u
#define DET_C_STARTSWITH 0x0040u /* depth = len, offset 0 */
#define DET_C_ENDSWITH   0x0080u /* the match ends at the buffer's end */
#define DET_C_FAST       0x0100u /* fast_pattern named it */
#define DET_C_FAST_ONLY  0x0200u /* fast_pattern:only (or a content that needs no check) */
#define DET_C_FAST_CHOP  0x0400u /* fast_pattern:offset,length */
#define DET_C_FAST_NOCASE 0x0800u /* the fast pattern is looked for caseless (to_lowercase) */

struct det_content {
	uint8_t *pat; /* hex and escapes decoded */
	uint32_t len;
	uint32_t flags; /* DET_C_* */
	struct det_value offset, depth, distance, within;
	uint32_t fp_off, fp_len; /* the chopped fast pattern (DET_C_FAST_CHOP) */
};

#define DET_PCRE_RELATIVE 0x01u /* R: from the end of the previous match */
#define DET_PCRE_NEGATED  0x02u
#define DET_PCRE_RAWBYTES 0x04u /* B: accepted, no effect (we have no normalized payload) */
#define DET_PCRE_NOLIMIT  0x08u /* O: without the configured match limits */

struct det_pcre {
	void *code;       /* pcre2_code *, compiled (with JIT when available) */
	char *source;     /* the pattern as written, for messages */
	uint32_t flags;   /* DET_PCRE_* */
	int8_t capture_var; /* not supported yet: -1 */
	/* named captures (?P<flow_NAME>...) / (?P<pkt_NAME>...): flow and packet variables */
	uint8_t ncap;
	struct det_capvar *caps;
};

/* One named capture of a pcre that sets a variable (Suricata 7's detect-pcre). */
struct det_capvar {
	char *name;     /* without its flow_ / pkt_ prefix */
	uint16_t group; /* the capture group's number */
	bool pkt;       /* a packet variable, else a flow variable */
};
#define DET_CAPVAR_MAX 16 /* named variable captures in one pcre */

enum det_op {
	DET_OP_LT = 0, DET_OP_GT, DET_OP_LE, DET_OP_GE, DET_OP_EQ, DET_OP_NE, DET_OP_AND, DET_OP_XOR,
};

/* byte_math's operators */
enum det_math_op { DET_MATH_ADD = 0, DET_MATH_SUB, DET_MATH_MUL, DET_MATH_DIV, DET_MATH_SHL,
                   DET_MATH_SHR };

#define DET_BYTE_RELATIVE   0x0001u
#define DET_BYTE_LITTLE     0x0002u /* else big endian */
#define DET_BYTE_STRING     0x0004u /* the bytes are text in base .base */
#define DET_BYTE_ALIGN      0x0008u /* byte_jump/byte_extract align: round up to 4 */
#define DET_BYTE_FROM_BEGIN 0x0010u /* byte_jump from_beginning */
#define DET_BYTE_FROM_END   0x0020u /* byte_jump from_end */
#define DET_BYTE_NEGATED    0x0040u /* byte_test !op */
#define DET_BYTE_BITMASK    0x0080u

struct det_byte {
	uint8_t nbytes; /* 1..8 (binary), 1..23 (string) */
	uint8_t base;   /* 8, 10, 16 with DET_BYTE_STRING */
	uint32_t flags; /* DET_BYTE_* */
	uint8_t op;     /* byte_test: enum det_op */
	struct det_value value;  /* byte_test: the value compared with */
	struct det_value offset;
	uint32_t multiplier;     /* byte_jump / byte_extract, 1 when not given */
	int32_t post_offset;     /* byte_jump */
	uint64_t bitmask;
	int8_t var;              /* byte_extract: the variable it sets */
};

#define DET_ISDATAAT_RELATIVE 0x01u
#define DET_ISDATAAT_NEGATED  0x02u

struct det_isdataat {
	struct det_value at;
	uint32_t flags;
};

/* bsize and dsize: "N", "<N", ">N", "<=N", ">=N", "!N", "N<>M" (exclusive, as in Suricata),
 * "N-M" (inclusive range of bsize). Held as an inclusive lo..hi range and a negation. */
struct det_size {
	uint32_t lo, hi;
	bool negated;
};

struct det_list;

/* ---- datasets (detect_dataset.c) ---------------------------------------------------------- */

enum det_ds_type {
	DET_DS_NONE = 0, DET_DS_STRING = 1, DET_DS_MD5 = 2, DET_DS_SHA256 = 3, DET_DS_IPV4 = 4,
	DET_DS_IP = 5,
};

enum det_ds_cmd {
	DET_DS_SET = 0, DET_DS_ISSET = 1, DET_DS_ISNOTSET = 2, DET_DS_UNSET = 3,
	DET_DS_REP = 4, /* datarep */
};

enum det_ds_op { DET_DS_GT = 0, DET_DS_LT = 1, DET_DS_EQ = 2 };

/* dataset:<cmd>,<name>[, options] or datarep:<name>,<op>,<value>[, options], as written; id is
 * the set's number in the engine (det_dataset_resolve). */
struct det_dsref {
	uint8_t cmd;     /* enum det_ds_cmd */
	uint8_t type;    /* enum det_ds_type, DET_DS_NONE when not given */
	uint8_t rep_op;  /* enum det_ds_op */
	bool is_rep;     /* datarep */
	uint16_t rep_value;
	uint32_t hashsize; /* 0: not given */
	uint64_t memcap;   /* 0: not given */
	char *name, *load, *save, *state;
	uint32_t id;
};

/* Parse the value of dataset / datarep (cut in place) into *d: 0, SW_E_INVAL with the reason in
 * err, SW_E_UNSUPP for Suricata 8's JSON options, SW_E_NOMEM. det_dsref_free frees what d holds
 * (also after a failure). */
int det_dataset_parse(struct det_dsref *d, char *v, char *err, size_t errlen);
int det_datarep_parse(struct det_dsref *d, char *v, char *err, size_t errlen);
void det_dsref_free(struct det_dsref *d);
/* The value of a base64 character, -1 for any other (detect_match.c). */
int det_b64_val(uint8_t ch);

/* base64_decode:[bytes N][, offset N][, relative]: decodes base64 text of the buffer (bytes 0:
 * up to its end) and matches data, base64_data's list, on the result. */
struct det_base64 {
	uint32_t bytes, offset;
	bool relative;
	struct det_list *data; /* NULL: no base64_data (the decode has to succeed, nothing more) */
};

struct det_item {
	int kind; /* enum det_item_kind */
	union {
		struct det_content content;
		struct det_pcre pcre;
		struct det_byte byte;
		struct det_isdataat isdataat;
		struct det_size bsize;
		struct det_base64 b64;
		struct det_dsref ds;
	} u;
};

/* Whether an item is placed relative to the match before it in its list (content distance or
 * within, pcre R, byte_* relative, isdataat relative). */
static inline bool
det_item_relative(const struct det_item *it)
{
	switch (it->kind) {
	case DET_ITEM_CONTENT:
		return (it->u.content.flags & (DET_C_DISTANCE | DET_C_WITHIN)) != 0;
	case DET_ITEM_PCRE:
		return (it->u.pcre.flags & DET_PCRE_RELATIVE) != 0;
	case DET_ITEM_BYTE_TEST:
	case DET_ITEM_BYTE_JUMP:
	case DET_ITEM_BYTE_EXTRACT:
	case DET_ITEM_BYTE_MATH:
		return (it->u.byte.flags & DET_BYTE_RELATIVE) != 0;
	case DET_ITEM_ISDATAAT:
		return (it->u.isdataat.flags & DET_ISDATAAT_RELATIVE) != 0;
	case DET_ITEM_BASE64:
		return it->u.b64.relative;
	default:
		return false;
	}
}

/* Transforms (Suricata's dotprefix, to_lowercase, ...): applied in order to a sticky buffer
 * before its list is matched (detect_transform.c). */
enum det_xform_kind {
	DET_XF_DOTPREFIX = 0,
	DET_XF_STRIP_WS = 1,
	DET_XF_COMPRESS_WS = 2,
	DET_XF_TO_LOWER = 3,
	DET_XF_TO_UPPER = 4,
	DET_XF_TO_MD5 = 5,
	DET_XF_TO_SHA1 = 6,
	DET_XF_TO_SHA256 = 7,
	DET_XF_URL_DECODE = 8,
	DET_XF_PCREXFORM = 9,
	DET_XF_HEADER_LOWER = 10,
	DET_XF_STRIP_PSEUDO = 11,
	DET_XF_FROM_BASE64 = 12,
	DET_XF_XOR = 13, /* xor:"hexkey": each byte xor the key's byte at its index mod keylen */
};

#define DET_XF_MAX 8

struct det_xform {
	uint8_t kind; /* enum det_xform_kind */
	void *code;   /* pcrexform: pcre2_code * */
	uint8_t *key; /* xor: the key (keylen bytes, 1..255) */
	uint8_t keylen;
};

/* The matches on one buffer, in rule order. A rule may have two lists on one buffer when one of
 * them is transformed (http.uri; content:"a"; ... http.uri; to_lowercase; content:"b"). */
struct det_list {
	int buffer; /* enum det_buffer_id */
	struct det_item *items;
	uint32_t n;
	struct det_xform xf[DET_XF_MAX];
	uint8_t nxf;
};

/* Whether kw names a transform. */
bool det_xform_known(const char *kw);
/* Parses transform kw (value v, NULL when none) into *out: 0, or SW_E_INVAL with the reason in
 * err. */
int det_xform_parse(const char *kw, const char *v, struct det_xform *out, char *err,
		    size_t errlen);
void det_xform_free(struct det_xform *x);
/* Whether content c of a list transformed by l's chain can be looked for in the buffer before
 * the transforms (a fast pattern for it): true, and the chop / caseless flags set on c, when the
 * untransformed buffer must hold (part of) it for the transformed one to hold it. */
bool det_xform_prefilter(const struct det_list *l, struct det_content *c);
/* Applies the chain of l to in[0..len) into out (cap bytes each of out and tmp, used in turn).
 * Returns the result (out or tmp) and its length in *outlen; NULL when it does not fit. md: a
 * pcre2_match_data * for pcrexform. */
const uint8_t *det_xform_apply(const struct det_list *l, const uint8_t *in, size_t len,
			       uint8_t *out, uint8_t *tmp, size_t cap, size_t *outlen, void *md);

#define DET_FLOW_ESTABLISHED     0x0001u
#define DET_FLOW_NOT_ESTABLISHED 0x0002u
#define DET_FLOW_STATELESS       0x0004u
#define DET_FLOW_TO_SERVER       0x0008u /* also from_client */
#define DET_FLOW_TO_CLIENT       0x0010u /* also from_server */
#define DET_FLOW_ONLY_STREAM     0x0020u
#define DET_FLOW_NO_STREAM       0x0040u

enum det_flowbit_op {
	DET_FB_SET = 0, DET_FB_ISSET, DET_FB_ISNOTSET, DET_FB_UNSET, DET_FB_TOGGLE,
};

/* flowbits:isset,a|b (any of) or a&b (all of): names as written; the engine numbers them. */
struct det_flowbit {
	uint8_t op;     /* enum det_flowbit_op */
	bool any;       /* '|' list: any of; else all of */
	char **names;
	uint32_t n;
	uint32_t *ids;  /* filled by the engine */
};

enum det_track {
	DET_TRACK_SRC = 0, DET_TRACK_DST, DET_TRACK_BOTH, DET_TRACK_RULE, DET_TRACK_FLOW,
};

enum det_threshold_type {
	DET_TH_LIMIT = 0,     /* alert on the first count matches of each period */
	DET_TH_THRESHOLD = 1, /* alert on every count-th match */
	DET_TH_BOTH = 2,      /* alert once per period, after count matches */
	DET_TH_DETECTION_FILTER = 3, /* alert on every match after the first count in the period */
};

struct det_threshold {
	bool set;
	uint8_t type;  /* enum det_threshold_type */
	uint8_t track; /* enum det_track */
	uint32_t count, seconds;
};

/* ---- the keywords of detect_kw.c ----------------------------------------------------------- */

enum det_kw_kind {
	DET_KW_ITYPE = 0,
	DET_KW_ICODE = 1,
	DET_KW_IP_PROTO = 2,
	DET_KW_STREAM_SIZE = 3,
	DET_KW_TLS_VERSION = 4,
	DET_KW_DNS_OPCODE = 5,
	DET_KW_DNS_RRTYPE = 6,
	DET_KW_FTPBOUNCE = 7,
	DET_KW_ASN1 = 8,
	DET_KW_XBITS = 9,
	DET_KW_FLOWINT = 10,
	DET_KW_TAG = 11,
	DET_KW_FRAG = 12, /* flow:no_frag / flow:only_frag */
	DET_KW_TLS_SUBJECT = 13,  /* legacy tls.subject:"text" (a substring of the subject) */
	DET_KW_TLS_ISSUER = 14,   /* tls.issuerdn:"text" */
	DET_KW_TLS_FP = 15,       /* tls.fingerprint:"aa:bb:..." */
	DET_KW_TLS_NOTBEFORE = 16, /* tls_cert_notbefore: date comparison (num: seconds) */
	DET_KW_TLS_NOTAFTER = 17,
	DET_KW_TLS_EXPIRED = 18,  /* tls_cert_expired */
	DET_KW_TLS_VALID = 19,    /* tls_cert_valid */
	/* detect_geoip.c: geoip (track: enum det_geo_dir; name: the codes, two letters each;
	   count: how many; negated: '!') */
	DET_KW_GEOIP = 36,
	/* flowvar:NAME,"content" / pktvar:NAME,"content" (name; set/nset: the content bytes;
	   matches when the variable holds them, a substring search as Suricata 7) */
	DET_KW_FLOWVAR = 37,
	DET_KW_PKTVAR = 38,
	/* detect_lua.c: lua / luajit (name: the script as written; id: its number in the
	   engine's scripts, -1 until resolved; negated: '!') */
	DET_KW_LUA = 39,
	DET_KW_IPREP = 20, /* iprep: track the side (0 any, 1 src, 2 dst, 3 both), name the
			      category (id its number), op an enum det_iprep_op, count the value */
	/* detect_hdr.c: IP, TCP and ICMP header keywords */
	DET_KW_TTL = 40,
	DET_KW_TOS = 41,
	DET_KW_IPID = 42,
	DET_KW_IPOPTS = 43,     /* count: the option type, 0xffff any */
	DET_KW_FRAGBITS = 44,   /* flags: the bits (0x20 M, 0x40 D, 0x80 R); op: 0, '+', '*', '!' */
	DET_KW_FRAGOFFSET = 45,
	DET_KW_SAMEIP = 46,
	DET_KW_SEQ = 47,
	DET_KW_ACK = 48,
	DET_KW_WINDOW = 49,
	DET_KW_TCP_MSS = 50,
	DET_KW_ICMP_ID = 51,
	DET_KW_ICMP_SEQ = 52,
	DET_KW_HDR_LAST = 52,
	DET_KW_FLOW_AGE = 53, /* flow.age: seconds from the flow's first to its last packet */
	/* detect_hdr.c too: checksums (count: enum det_csum; flags 1: "valid") and icmpv6.mtu */
	DET_KW_CSUM = 56,
	DET_KW_ICMPV6_MTU = 57,
	DET_KW_HDR2_LAST = 57,
	DET_KW_L3_PROTO = 58,   /* l3_proto: count, the IP version (4 or 6) */
	/* detect_kw_app.c: file, SSH and TLS value keywords (from DET_KW_APP_FIRST on) */
	DET_KW_APP_FIRST = 64,
	DET_KW_FILENAME = 64,  /* filename:[!]"text" (a substring of the file name) */
	DET_KW_FILEEXT = 65,   /* fileext:[!]"ext" */
	DET_KW_FILESIZE = 66,  /* filesize: integer form */
	DET_KW_FILEHASH = 67,  /* filemd5/filesha1/filesha256:[!]list-file (op: APP_HASH_*) */
	DET_KW_FILESTORE = 68, /* filestore: accepted, nothing stored */
	DET_KW_SSH_PROTOVERSION = 69,
	DET_KW_SSH_SOFTWAREVERSION = 70,
	DET_KW_TLS_CHAIN_LEN = 71, /* tls.cert_chain_len */
	DET_KW_SSL_VERSION = 72,   /* ssl_version (flags: versions, count: negated ones) */
	DET_KW_SSL_STATE = 73,     /* ssl_state (flags: states, count: negated ones) */
	DET_KW_TLS_STORE = 74,     /* tls.store: accepted, nothing stored */
	DET_KW_FILEMAGIC = 75,     /* filemagic:[!]"text" (a substring of file.magic; id: it) */
};

/* Which checksum a DET_KW_CSUM keyword checks (ipv4-csum, tcpv4-csum, ...). */
enum det_csum {
	DET_CSUM_IPV4 = 0, DET_CSUM_TCPV4, DET_CSUM_TCPV6, DET_CSUM_UDPV4, DET_CSUM_UDPV6,
	DET_CSUM_ICMPV4, DET_CSUM_ICMPV6,
};
enum det_iprep_op {
	DET_IPREP_LT = 0, DET_IPREP_LE, DET_IPREP_GT, DET_IPREP_GE, DET_IPREP_EQ, DET_IPREP_ISSET,
	DET_IPREP_ISNOTSET,
};

/* A number compared by Suricata's integer keywords: inclusive lo..hi, negated for '!'. */
struct det_uint {
	uint64_t lo, hi;
	bool negated;
};

/* filestore:[direction[,scope]] (Suricata 7's detect-filestore): what a match stores */
enum det_store_scope {
	DET_STORE_SCOPE_FILE = 0, /* the file that matched */
	DET_STORE_SCOPE_TX = 1,   /* the transaction's files in the directions */
	DET_STORE_SCOPE_FLOW = 2, /* ssn / flow: the flow's files in the directions, from now on */
};
#define DET_STORE_FILE 0x1u
#define DET_STORE_TLS  0x2u

struct det_kw {
	uint8_t kind; /* enum det_kw_kind */
	uint8_t op;   /* xbits: enum det_flowbit_op; flowint: its operator; stream_size: side */
	uint8_t track; /* xbits: 0 ip_src, 1 ip_dst, 2 ip_pair; tag: 0 session, 1 host src,
			  2 host dst; stream_size: 0 server 1 client 2 both 3 either */
	uint8_t metric; /* tag: 0 packets, 1 seconds, 2 bytes */
	struct det_uint num; /* itype, icode, ip_proto, stream_size, dns.*, tls.version */
	uint32_t count;      /* xbits expire (s); tag count; asn1 oversize_length */
	uint32_t flags;      /* asn1 checks; flow frag: 1 no_frag, 2 only_frag; tls.version:
				1 given as 0xNNNN (raw: drafts not read as 1.3) */
	int32_t offset;      /* asn1 absolute/relative offset */
	char *name;          /* xbits and flowint names */
	uint64_t hash;       /* xbits: of the name */
	int32_t id, id2;     /* flowint: the variable, and the variable compared with (-1: value) */
	int64_t value;       /* flowint operand */
	bool negated;        /* tls.subject, tls.issuerdn, tls.fingerprint with '!' */
	uint8_t *set;        /* detect_kw_app.c: filemd5 ...: the sorted digests, nset of them */
	size_t nset;
};

struct det_rule;
struct det_parse_error;
/* Parses keyword kw (itype, xbits, tag, ..., "flow:no_frag") with value v (may be NULL) into r's list;
 * 0, SW_E_INVAL with err->reason, SW_E_UNSUPP with err->keyword. */
int det_kw_parse(struct det_rule *r, const char *kw, char *v, struct det_parse_error *err);
void det_kw_free(struct det_rule *r);

/* detect_kw_app.c: file (filename, fileext, filesize, filemd5/sha1/sha256, filestore), SSH
 * (ssh.protoversion, ssh.softwareversion) and TLS (tls.cert_chain_len, ssl_version, ssl_state)
 * value keywords. det_kwa_is: whether kw is one of them; det_kwa_parse as det_kw_parse (k is
 * already in r's list); det_kwa_free frees what k holds. */
bool det_kwa_is(const char *kw);
int det_kwa_parse(struct det_rule *r, struct det_kw *k, const char *kw, char *v,
		  struct det_parse_error *err);
void det_kwa_free(struct det_kw *k);
/* The APP_HASH_* bits r's filemd5/filesha1/filesha256 need computed. */
unsigned det_kwa_file_hashes(const struct det_rule *r);
/* err->reason from fmt; returns SW_E_INVAL (detect_kw.c). */
int det_kw_fail(struct det_parse_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Suricata's unsigned integer forms (detect_kw.c): 0, or -1 with the reason in why. */
int det_kw_uint(char *v, uint64_t max, struct det_uint *u, const char **why);

/* TCP flags keyword: the packet's flags, with the ignored ones masked out, compared by mode. */
enum det_flags_mode {
	DET_FLAGS_EXACT = 0, /* exactly these (after the mask) */
	DET_FLAGS_ALL = 1,   /* '+': these and maybe others */
	DET_FLAGS_ANY = 2,   /* '*': any of these */
	DET_FLAGS_NOT = 3,   /* '!': none of these */
};

struct det_rule {
	/* where it came from */
	char *file;
	unsigned line;

	/* header */
	uint8_t action; /* enum det_action */
	uint8_t proto;  /* IP protocol: 6, 17, 1 (icmp = 1 and 58), 0 = ip (any) */
	bool icmp_any;  /* "icmp": ICMP or ICMPv6 */
	uint8_t family; /* "ipv4"/"ip4": 4, "ipv6"/"ip6": 6 (any IP protocol of that family); 0 */
	int app_proto;  /* from the header ("http"): an enum app_proto_id, APP_NONE when none */
	char *app_name; /* the header's protocol when it is an app protocol we do not parse
			   ("ssh", "smtp"): compared with the flow's nDPI app_proto */
	struct det_ipset src, dst;
	struct det_portset sport, dport;
	bool bidir; /* <> */

	/* meta */
	char *msg;
	uint32_t sid, gid, rev;
	char *classtype;
	int priority; /* 0 when not given: the classtype's priority, else 3 */
	char **references; /* "url,example.com/x" as written */
	uint32_t nreferences;
	char **metadata; /* "key value" pairs as written, one per comma-separated item */
	uint32_t nmetadata;
	int8_t target; /* -1 none, 0 src_ip, 1 dest_ip */

	/* match */
	uint32_t flow; /* DET_FLOW_* */
	bool has_dsize;
	struct det_size dsize;
	bool has_flags;
	uint8_t flags, flags_mask; /* mask: the flags that are compared (others ignored) */
	uint8_t flags_mode;        /* enum det_flags_mode */
	struct det_flowbit *flowbits;
	uint32_t nflowbits;
	bool noalert; /* flowbits:noalert */
	bool bypass;  /* bypass: a match takes the flow out of inspection (sw_flow.bypassed) */
	struct det_threshold threshold, detection_filter;
	char *alproto; /* app-layer-protocol:NAME, compared with the flow's protocol */
	bool alproto_negated;
	int event_kind; /* decode-event / stream-event: enum detect_event_kind, -1 when none */
	int event_id;
	struct det_kw *kws; /* detect_kw.c: itype, xbits, tag, ... */
	uint32_t nkws;
	bool kw_packet; /* one of them is a packet keyword (itype, ip_proto, ...) */
	bool kw_msg;    /* one of them reads an app message (tls.version, dns.opcode, ...) */
	bool kw_file;   /* one of them reads a file (filename, filesize, ...): files' messages */
	bool kw_stream; /* a lua script needs the stream: inspected as payload contents are */
	/* filestore (DET_STORE_FILE) and tls.store (DET_STORE_TLS): what a match stores */
	uint8_t store;
	uint8_t store_dirs;  /* filestore: bit 0 to_server, bit 1 to_client; 0: the file's */
	uint8_t store_scope; /* filestore: enum det_store_scope */
	struct det_list *lists; /* in the order their first keyword appears */
	uint32_t nlists;
	uint8_t nvars; /* byte_extract variables */

	/* the fast pattern, chosen by detect_parse.c (det_rule_finish): list and item index, or
	 * fp_list = -1 when the rule has none (it is tried by protocol and port) */
	int fp_list, fp_item;
	/* bothways: an undirected rule on HTTP buffers Suricata 7 reads in both messages
	 * (http.header, http.cookie, ...) inspects the request and the response, as Suricata does:
	 * det_rule_parse gives it a twin on the other message (owned here until the engine lists it
	 * right after this rule); is_twin marks the twin, which keeps its original's thresholds */
	struct det_rule *twin;
	bool is_twin;
};

/* Why a rule was not loaded. */
struct det_parse_error {
	char reason[256];  /* "content: unterminated quote" */
	char keyword[48];  /* for SW_E_UNSUPP: the keyword we do not support */
};

/*
 * Parses one rule (without the trailing newline; comments and blank lines are the caller's).
 * file and line are copied into the rule. Returns 0 and the rule in *out; SW_E_UNSUPP when the
 * rule uses a keyword (or a keyword option) we do not support, named in err->keyword; SW_E_INVAL
 * for a malformed rule, with the reason in err->reason. classes may be NULL (classtype then
 * sets no priority).
 */
int det_rule_parse(const char *text, const char *file, unsigned line,
		   const struct det_vars *vars, const struct det_classes *classes,
		   struct det_rule **out, struct det_parse_error *err);
void det_rule_free(struct det_rule *r); /* NULL-safe */
/* The first keyword the parser skips as known but unsupported that has no reason to give,
 * NULL when every one has one (tests/unit/detect/test_parse.c). */
const char *det_unsupported_without_reason(void);

/* Rule-text helpers shared by the keyword parsers (detect_parse.c): s without surrounding white
 * space (cut in place); whether s is a flowbit/xbit/flowint name (letters, digits, _ . -). */
char *det_trim(char *s);
/* detect_requires.c: Suricata 7.0.3's requires option. det_requires_eval: 1 met, 0 not (why
 * says which), -1 malformed (why), -2 out of memory. det_requires_prescan: the same for the
 * first requires option of a rule's text, 1 when it has none. */
int det_requires_eval(const char *value, char *why, size_t why_size);
int det_requires_prescan(const char *text, char *why, size_t why_size);
bool det_name_ok(const char *s);

#endif
