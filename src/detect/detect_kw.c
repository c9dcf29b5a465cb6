/* src/detect/detect_kw.c: the rule keywords that are neither buffers nor content checks, with
 * Suricata 7's semantics (docs.suricata.io, "Rules"): itype, icode, ip_proto, stream_size,
 * flow:no_frag/only_frag, tls.version, dns.opcode, dns.rrtype, ftpbounce, asn1, xbits (bits per
 * host or address pair, shared by every worker), flowint, and tag (session and host). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "detect/detect_eng_int.h"
#include "stream/stream.h"

/* ---- parsing ------------------------------------------------------------------------------- */

#define kw_fail det_kw_fail

int
det_kw_fail(struct det_parse_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return SW_E_INVAL;
}

static int
kw_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	s = det_trim((char *)s);
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || v > max)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/*
 * Suricata's unsigned integer forms: "N", "=N", "!N", "<N", "<=N", ">N", ">=N", and the ranges
 * "A<>B" and "A-B" (both exclusive). 0, or -1 with the reason in why.
 */
static int
kw_uint(char *v, uint64_t max, struct det_uint *u, const char **why)
{
	char *s = det_trim(v), *sep;
	uint64_t a, b;

	memset(u, 0, sizeof(*u));
	*why = "expected N, <N, >N, <=N, >=N, !N or A<>B";
	if ((sep = strstr(s, "<>")) != NULL ||
	    ((sep = strchr(s + 1, '-')) != NULL && isdigit((unsigned char)*s))) {
		size_t skip = sep[0] == '<' ? 2 : 1;

		*sep = '\0';
		if (kw_num(s, max, &a) != 0 || kw_num(sep + skip, max, &b) != 0)
			return -1;
		if (a >= b || b - a < 2) {
			*why = "empty range: A<>B matches the values strictly between A and B";
			return -1;
		}
		u->lo = a + 1;
		u->hi = b - 1;
		return 0;
	}
	if (s[0] == '<' || s[0] == '>') {
		bool eq = s[1] == '=';

		if (kw_num(s + 1 + eq, max, &a) != 0)
			return -1;
		if (s[0] == '<') {
			if (!eq && a == 0) {
				*why = "<0 matches nothing";
				return -1;
			}
			u->lo = 0;
			u->hi = eq ? a : a - 1;
		} else {
			if (!eq && a == max) {
				*why = "matches nothing";
				return -1;
			}
			u->lo = eq ? a : a + 1;
			u->hi = max;
		}
		return 0;
	}
	if (s[0] == '!') {
		u->negated = true;
		s++;
	} else if (s[0] == '=') {
		s++;
	}
	if (kw_num(s, max, &a) != 0)
		return -1;
	u->lo = u->hi = a;
	return 0;
}

int
det_kw_uint(char *v, uint64_t max, struct det_uint *u, const char **why)
{
	return kw_uint(v, max, u, why);
}

static bool
uint_ok(const struct det_uint *u, uint64_t v)
{
	return (v >= u->lo && v <= u->hi) != u->negated;
}

static struct det_kw *
kw_add(struct det_rule *r, int kind)
{
	struct det_kw *n = realloc(r->kws, (r->nkws + 1) * sizeof(*n));

	if (n == NULL)
		return NULL;
	r->kws = n;
	memset(&n[r->nkws], 0, sizeof(n[0]));
	n[r->nkws].kind = (uint8_t)kind;
	n[r->nkws].id = n[r->nkws].id2 = -1;
	return &n[r->nkws++];
}

static const struct {
	const char *name;
	uint8_t proto;
} kw_protos[] = {
    {"ip", 0},          {"hopopt", 0},     {"icmp", 1},        {"igmp", 2},       {"ipip", 4},
    {"ipv4", 4},        {"tcp", 6},        {"egp", 8},         {"pup", 12},       {"udp", 17},
    {"idp", 22},        {"ipv6", 41},      {"ipv6-route", 43}, {"ipv6-frag", 44}, {"rsvp", 46},
    {"gre", 47},        {"esp", 50},       {"ah", 51},         {"ipv6-icmp", 58}, {"icmpv6", 58},
    {"ipv6-nonxt", 59}, {"ipv6-opts", 60}, {"eigrp", 88},      {"ospf", 89},      {"pim", 103},
    {"vrrp", 112},      {"l2tp", 115},     {"sctp", 132},      {"udplite", 136},
};

/* ip_proto:[!<>]NUMBER or NAME (Suricata takes the names of /etc/protocols; these are the usual
 * ones, so the result does not depend on the host). */
static int
kw_ip_proto(struct det_kw *k, char *v, struct det_parse_error *err)
{
	char *s = det_trim(v);
	char op = 0;
	const char *why;

	if (*s == '!' || *s == '<' || *s == '>')
		op = *s++;
	s = det_trim(s);
	if (isalpha((unsigned char)*s)) {
		size_t i;

		for (i = 0; i < sizeof(kw_protos) / sizeof(kw_protos[0]); i++)
			if (strcasecmp(kw_protos[i].name, s) == 0)
				break;
		if (i == sizeof(kw_protos) / sizeof(kw_protos[0]))
			return kw_fail(err, "%s: unknown protocol '%s'", "ip_proto", s);
		k->num.lo = k->num.hi = kw_protos[i].proto;
	} else {
		struct det_uint u;

		if (kw_uint(s, 255, &u, &why) != 0 || u.negated || u.lo != u.hi)
			return kw_fail(err, "%s: bad protocol '%s'", "ip_proto", s);
		k->num = u;
	}
	if (op == '!') {
		k->num.negated = true;
	} else if (op == '<') {
		if (k->num.lo == 0)
			return kw_fail(err, "%s: '<%s' matches nothing", "ip_proto", s);
		k->num.hi = k->num.lo - 1;
		k->num.lo = 0;
	} else if (op == '>') {
		if (k->num.lo == 255)
			return kw_fail(err, "%s: '>%s' matches nothing", "ip_proto", s);
		k->num.lo++;
		k->num.hi = 255;
	}
	return 0;
}

/* stream_size:<server|client|both|either>,<op>,<number> with op <, >, =, !=, <=, >= */
static int
kw_stream_size(struct det_kw *k, char *v, struct det_parse_error *err)
{
	static const char *const sides[] = {"server", "client", "both", "either"};
	static const char *const ops[] = {"<=", ">=", "!=", "<", ">", "="};
	char *a[4], *save = NULL, *t;
	int n = 0, i;
	uint64_t num;

	for (t = strtok_r(v, ",", &save); t != NULL && n < 4; t = strtok_r(NULL, ",", &save))
		a[n++] = det_trim(t);
	if (n != 3 || t != NULL)
		return kw_fail(err, "%s: expected '<server|client|both|either>,<op>,<number>'%s",
		               "stream_size", "");
	for (i = 0; i < 4; i++)
		if (strcmp(a[0], sides[i]) == 0)
			break;
	if (i == 4)
		return kw_fail(err, "%s: unknown side '%s'", "stream_size", a[0]);
	k->track = (uint8_t)i;
	for (i = 0; i < 6; i++)
		if (strcmp(a[1], ops[i]) == 0)
			break;
	if (i == 6)
		return kw_fail(err, "%s: unknown operator '%s'", "stream_size", a[1]);
	if (kw_num(a[2], UINT32_MAX, &num) != 0)
		return kw_fail(err, "%s: bad number '%s'", "stream_size", a[2]);
	k->num.negated = false;
	switch (i) {
	case 0:
		k->num.lo = 0;
		k->num.hi = num;
		break;
	case 1:
		k->num.lo = num;
		k->num.hi = UINT64_MAX;
		break;
	case 2:
		k->num.lo = k->num.hi = num;
		k->num.negated = true;
		break;
	case 3:
		if (num == 0)
			return kw_fail(err, "%s: '<%s' matches nothing", "stream_size", a[2]);
		k->num.lo = 0;
		k->num.hi = num - 1;
		break;
	case 4:
		k->num.lo = num + 1;
		k->num.hi = UINT64_MAX;
		break;
	default:
		k->num.lo = k->num.hi = num;
		break;
	}
	return 0;
}

/* tls.version:1.0|1.1|1.2|1.3|ssl3|0xNNNN */
static int
kw_tls_version(struct det_kw *k, char *v, struct det_parse_error *err)
{
	static const struct {
		const char *name;
		uint16_t v;
	} names[] = {{"1.0", 0x0301},  {"1.1", 0x0302}, {"1.2", 0x0303},  {"1.3", 0x0304},
	             {"ssl3", 0x0300}, {"3.0", 0x0300}, {"ssl2", 0x0200}, {"2.0", 0x0200}};
	char *s = det_trim(v);
	uint64_t n;

	if (*s == '"') { /* ET writes it unquoted; a quoted form is accepted as Suricata does */
		size_t l = strlen(s);

		if (l < 2 || s[l - 1] != '"')
			return kw_fail(err, "%s: unterminated quote in '%s'", "tls.version", s);
		s[l - 1] = '\0';
		s++;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			k->num.lo = k->num.hi = names[i].v;
			return 0;
		}
	}
	if (strncasecmp(s, "0x", 2) == 0 && kw_num(s, 0xffff, &n) == 0) {
		k->num.lo = k->num.hi = n;
		k->flags = 1;
		return 0;
	}
	return kw_fail(err, "%s: unknown version '%s' (1.0, 1.1, 1.2, 1.3, ssl3 or 0xNNNN)",
	               "tls.version", s);
}

#define ASN1_BITSTRING_OVF 0x1u
#define ASN1_DOUBLE_OVF    0x2u
#define ASN1_OVERSIZE      0x4u
#define ASN1_ABSOLUTE      0x8u
#define ASN1_RELATIVE      0x10u

/* asn1:bitstring_overflow, double_overflow, oversize_length N, absolute_offset N,
 * relative_offset N (any order, at least one check) */
static int
kw_asn1(struct det_kw *k, char *v, struct det_parse_error *err)
{
	char *t, *save = NULL;

	for (t = strtok_r(v, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		char *opt = det_trim(t), *arg = opt;
		uint64_t n;

		while (*arg != '\0' && !isspace((unsigned char)*arg))
			arg++;
		if (*arg != '\0')
			*arg++ = '\0';
		arg = det_trim(arg);
		if (strcmp(opt, "bitstring_overflow") == 0 && *arg == '\0') {
			k->flags |= ASN1_BITSTRING_OVF;
		} else if (strcmp(opt, "double_overflow") == 0 && *arg == '\0') {
			k->flags |= ASN1_DOUBLE_OVF;
		} else if (strcmp(opt, "oversize_length") == 0) {
			if (kw_num(arg, UINT32_MAX, &n) != 0)
				return kw_fail(err, "%s: oversize_length needs a number, not '%s'",
				               "asn1", arg);
			k->flags |= ASN1_OVERSIZE;
			k->count = (uint32_t)n;
		} else if (strcmp(opt, "absolute_offset") == 0 ||
		           strcmp(opt, "relative_offset") == 0) {
			char *end;
			long long off;

			if (k->flags & (ASN1_ABSOLUTE | ASN1_RELATIVE))
				return kw_fail(
				    err, "%s: only one of absolute_offset and relative_offset%s",
				    "asn1", "");
			errno = 0;
			off = strtoll(arg, &end, 10);
			if (*arg == '\0' || *end != '\0' || errno != 0 || off < -65535 ||
			    off > 65535 || (opt[0] == 'a' && off < 0))
				return kw_fail(err, "%s: bad offset '%s'", "asn1", arg);
			k->flags |= opt[0] == 'a' ? ASN1_ABSOLUTE : ASN1_RELATIVE;
			k->offset = (int32_t)off;
		} else {
			return kw_fail(err, "%s: unknown option '%s'", "asn1", opt);
		}
	}
	if (!(k->flags & (ASN1_BITSTRING_OVF | ASN1_DOUBLE_OVF | ASN1_OVERSIZE)))
		return kw_fail(err,
		               "%s: no check (bitstring_overflow, double_overflow or "
		               "oversize_length)%s",
		               "asn1", "");
	return 0;
}

/* xbits:<set|unset|isset|isnotset|toggle>,<name>,track <ip_src|ip_dst|ip_pair>[,expire <s>] */
static int
kw_xbits(struct det_rule *r, struct det_kw *k, char *v, struct det_parse_error *err)
{
	static const char *const ops[] = {"set", "isset", "isnotset", "unset", "toggle"};
	char *a[5], *save = NULL, *t;
	int n = 0, op;

	for (t = strtok_r(v, ",", &save); t != NULL && n < 5; t = strtok_r(NULL, ",", &save))
		a[n++] = det_trim(t);
	if (n == 1 && strcmp(a[0], "noalert") == 0) {
		r->noalert = true;
		r->nkws--; /* nothing to match */
		return 0;
	}
	if (n < 3 || n > 4 || t != NULL)
		return kw_fail(err,
		               "%s: expected '<command>,<name>,track <ip_src|ip_dst|ip_pair>"
		               "[,expire <seconds>]'%s",
		               "xbits", "");
	for (op = 0; op < 5; op++)
		if (strcmp(a[0], ops[op]) == 0)
			break;
	if (op == 5)
		return kw_fail(err, "%s: unknown command '%s'", "xbits", a[0]);
	if (!det_name_ok(a[1]))
		return kw_fail(err, "%s: bad name '%s'", "xbits", a[1]);
	if (strncmp(a[2], "track", 5) != 0 || !isspace((unsigned char)a[2][5]))
		return kw_fail(err, "%s: expected 'track <ip_src|ip_dst|ip_pair>', not '%s'",
		               "xbits", a[2]);
	t = det_trim(a[2] + 5);
	if (strcmp(t, "ip_src") == 0)
		k->track = 0;
	else if (strcmp(t, "ip_dst") == 0)
		k->track = 1;
	else if (strcmp(t, "ip_pair") == 0)
		k->track = 2;
	else if (strcmp(t, "tx") == 0)
		return SW_E_UNSUPP; /* Suricata 8's per-transaction bits */
	else
		return kw_fail(err, "%s: unknown track '%s'", "xbits", t);
	k->op = (uint8_t)op;
	k->count = 30; /* Suricata's default expiry */
	if (n == 4) {
		uint64_t secs;

		if (op == DET_FB_ISSET || op == DET_FB_ISNOTSET)
			return kw_fail(err, "%s: expire is for set, unset and toggle%s", "xbits",
			               "");
		if (strncmp(a[3], "expire", 6) != 0 || kw_num(a[3] + 6, UINT32_MAX, &secs) != 0 ||
		    secs == 0)
			return kw_fail(err, "%s: expected 'expire <seconds>', not '%s'", "xbits",
			               a[3]);
		k->count = (uint32_t)secs;
	}
	if ((k->name = strdup(a[1])) == NULL)
		return SW_E_NOMEM;
	k->hash = sw_hash64(a[1], strlen(a[1]), 0x78626974) | 1;
	return 0;
}

/* hostbits:<set|unset|toggle|isset|isnotset>,<name>[,<src|dst>] (or hostbits:noalert), as
 * Suricata 7 reads it: xbits kept for the source (default) or destination address, with xbits'
 * default expiry (30 s); the same bits as xbits with track ip_src / ip_dst of that name. */
static int
kw_hostbits(struct det_rule *r, struct det_kw *k, char *v, struct det_parse_error *err)
{
	static const char *const ops[] = {"set", "isset", "isnotset", "unset", "toggle"};
	char *a[4], *save = NULL, *t;
	int n = 0, op;

	for (t = strtok_r(v, ",", &save); t != NULL && n < 4; t = strtok_r(NULL, ",", &save))
		a[n++] = det_trim(t);
	if (n == 1 && strcmp(a[0], "noalert") == 0) {
		r->noalert = true;
		r->nkws--; /* nothing to match */
		return 0;
	}
	if (n < 2 || n > 3 || t != NULL)
		return kw_fail(err, "%s: expected '<command>,<name>[,<src|dst>]'%s", "hostbits", "");
	for (op = 0; op < 5; op++)
		if (strcmp(a[0], ops[op]) == 0)
			break;
	if (op == 5)
		return kw_fail(err, "%s: unknown command '%s'", "hostbits", a[0]);
	if (!det_name_ok(a[1]))
		return kw_fail(err, "%s: bad name '%s'", "hostbits", a[1]);
	k->track = 0;
	if (n == 3 && strcmp(a[2], "dst") == 0)
		k->track = 1;
	else if (n == 3 && strcmp(a[2], "both") == 0)
		return kw_fail(err, "%s: direction 'both' is not implemented (Suricata 7 neither)%s",
		               "hostbits", "");
	else if (n == 3 && strcmp(a[2], "src") != 0)
		return kw_fail(err, "%s: unknown direction '%s' (src or dst)", "hostbits", a[2]);
	k->op = (uint8_t)op;
	k->count = 30; /* Suricata's default expiry */
	if ((k->name = strdup(a[1])) == NULL)
		return SW_E_NOMEM;
	k->hash = sw_hash64(a[1], strlen(a[1]), 0x78626974) | 1; /* xbits' */
	return 0;
}

/* iprep:<any|src|dst|both>,<category>,<op>,<value> (op <, <=, >, >=, =; value 0 to 127) or
 * iprep:<side>,<category>,<isset|isnotset>. The category is numbered when the engine loads
 * (det_iprep_resolve). */
static int
kw_iprep(struct det_rule *r, struct det_kw *k, char *v, struct det_parse_error *err)
{
	static const char *const sides[] = {"any", "src", "dst", "both"};
	static const char *const ops[] = {"<", "<=", ">", ">=", "=", "isset", "isnotset"};
	char *a[5], *save = NULL, *t;
	uint64_t val = 0;
	int n = 0, side, op;

	(void)r;
	for (t = strtok_r(v, ",", &save); t != NULL && n < 5; t = strtok_r(NULL, ",", &save))
		a[n++] = det_trim(t);
	if (n < 3 || n > 4 || t != NULL)
		return kw_fail(err, "%s: expected '<any|src|dst|both>,<category>,<op>,<value>' or "
		                    "'<side>,<category>,<isset|isnotset>'%s",
		               "iprep", "");
	for (side = 0; side < 4; side++)
		if (strcmp(a[0], sides[side]) == 0)
			break;
	if (side == 4)
		return kw_fail(err, "%s: unknown side '%s' (any, src, dst or both)", "iprep", a[0]);
	if (!det_name_ok(a[1]))
		return kw_fail(err, "%s: bad category '%s'", "iprep", a[1]);
	for (op = 0; op < 7; op++)
		if (strcmp(a[2], ops[op]) == 0)
			break;
	if (op == 7)
		return kw_fail(err, "%s: unknown operator '%s' (<, <=, >, >=, =, isset, isnotset)",
		               "iprep", a[2]);
	if (op >= DET_IPREP_ISSET && n != 3)
		return kw_fail(err, "%s: %s takes no value%s", "iprep", a[2], "");
	if (op < DET_IPREP_ISSET && (n != 4 || kw_num(a[3], 127, &val) != 0))
		return kw_fail(err, "%s: bad score '%s' (0 to 127)", "iprep", n == 4 ? a[3] : "");
	k->track = (uint8_t)side;
	k->op = (uint8_t)op;
	k->count = (uint32_t)val;
	k->id = -1;
	if ((k->name = strdup(a[1])) == NULL)
		return SW_E_NOMEM;
	return 0;
}

enum {
	FI_SET = 0,
	FI_ADD,
	FI_SUB,
	FI_EQ,
	FI_NE,
	FI_LT,
	FI_LE,
	FI_GT,
	FI_GE,
	FI_ISSET,
	FI_NOTSET,
};

/* flowint:<name>,<op>[,<value or name>] */
static int
kw_flowint(struct det_kw *k, char *v, struct det_parse_error *err)
{
	static const char *const ops[] = {"=",  "+", "-",  "==",    "!=",    "<",
	                                  "<=", ">", ">=", "isset", "notset"};
	char *a[4], *save = NULL, *t;
	int n = 0, op;
	uint64_t num;

	for (t = strtok_r(v, ",", &save); t != NULL && n < 4; t = strtok_r(NULL, ",", &save))
		a[n++] = det_trim(t);
	if (n < 2 || n > 3 || t != NULL)
		return kw_fail(err, "%s: expected '<name>,<operator>[,<value>]'%s", "flowint", "");
	if (!det_name_ok(a[0]))
		return kw_fail(err, "%s: bad name '%s'", "flowint", a[0]);
	for (op = 0; op < 11; op++)
		if (strcmp(a[1], ops[op]) == 0)
			break;
	if (op == 11 && strcmp(a[1], "isnotset") == 0)
		op = FI_NOTSET;
	if (op == 11)
		return kw_fail(err, "%s: unknown operator '%s'", "flowint", a[1]);
	if ((op == FI_ISSET || op == FI_NOTSET) != (n == 2))
		return kw_fail(err, "%s: '%s' %s", "flowint", a[1],
		               op == FI_ISSET || op == FI_NOTSET ? "takes no value"
		                                                 : "needs a value");
	k->op = (uint8_t)op;
	if (n == 3) {
		if (kw_num(a[2], UINT32_MAX, &num) == 0) {
			k->value = (int64_t)num;
		} else if (det_name_ok(a[2]) && !isdigit((unsigned char)a[2][0])) {
			/* another variable: its name after ours, split by the engine */
			size_t l0 = strlen(a[0]), l2 = strlen(a[2]);

			if ((k->name = malloc(l0 + l2 + 2)) == NULL)
				return SW_E_NOMEM;
			memcpy(k->name, a[0], l0 + 1);
			memcpy(k->name + l0 + 1, a[2], l2 + 1);
			k->id2 = 0; /* numbered by the engine */
			return 0;
		} else {
			return kw_fail(err, "%s: bad value '%s'", "flowint", a[2]);
		}
	}
	if ((k->name = strdup(a[0])) == NULL)
		return SW_E_NOMEM;
	return 0;
}

/* tag:<session|host>[,<count>,<packets|seconds|bytes>[,<src|dst>]] */
static int
kw_tag(struct det_kw *k, char *v, struct det_parse_error *err)
{
	char *a[5], *save = NULL, *t;
	int n = 0;
	uint64_t num;

	for (t = strtok_r(v, ",", &save); t != NULL && n < 5; t = strtok_r(NULL, ",", &save))
		a[n++] = det_trim(t);
	if (n < 1 || n == 2 || n > 4 || t != NULL)
		return kw_fail(err,
		               "%s: expected '<session|host>[,<count>,<metric>[,<src|dst>]]'%s",
		               "tag", "");
	if (strcmp(a[0], "session") == 0)
		k->track = 0;
	else if (strcmp(a[0], "host") == 0)
		k->track = 2; /* dst by default */
	else
		return kw_fail(err, "%s: unknown scope '%s'", "tag", a[0]);
	k->count = 256;
	k->metric = 0;
	if (n >= 3) {
		if (kw_num(a[1], UINT32_MAX, &num) != 0 || num == 0)
			return kw_fail(err, "%s: bad count '%s'", "tag", a[1]);
		k->count = (uint32_t)num;
		if (strcmp(a[2], "packets") == 0)
			k->metric = 0;
		else if (strcmp(a[2], "seconds") == 0)
			k->metric = 1;
		else if (strcmp(a[2], "bytes") == 0)
			k->metric = 2;
		else
			return kw_fail(err, "%s: unknown metric '%s'", "tag", a[2]);
	}
	if (n == 4) {
		if (k->track == 0)
			return kw_fail(err, "%s: a direction is only for host tags, not '%s'",
			               "tag", a[3]);
		if (strcmp(a[3], "src") == 0)
			k->track = 1;
		else if (strcmp(a[3], "dst") == 0)
			k->track = 2;
		else
			return kw_fail(err, "%s: unknown direction '%s'", "tag", a[3]);
	}
	return 0;
}

/* A date of tls_cert_notbefore/notafter: "YYYY", "YYYY-MM", "YYYY-MM-DD",
 * "YYYY-MM-DDTHH:MM:SS" (UTC), as seconds since the epoch, and the length of the period it names
 * (for '='). */
static int
kw_date(const char *s, int64_t *secs, int64_t *span)
{
	struct tm tm;
	int y = 0, mo = 1, d = 1, h = 0, mi = 0, se = 0, n = 0, used = 0;

	memset(&tm, 0, sizeof(tm));
	n = sscanf(s, "%4d%n-%2d%n-%2d%nT%2d:%2d:%2d%n", &y, &used, &mo, &used, &d, &used, &h, &mi,
	           &se, &used);
	if (n < 1 || n == 4 || n == 5 || s[used] != '\0' || y < 1970 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*secs = (int64_t)timegm(&tm);
	*span = n == 1 ? 365 * 86400 : n == 2 ? 28 * 86400 : n == 3 ? 86400 : 1;
	if (n == 1) { /* to the next year, the next month: exactly */
		tm.tm_year++;
		*span = (int64_t)timegm(&tm) - *secs;
	} else if (n == 2) {
		tm.tm_mon++;
		*span = (int64_t)timegm(&tm) - *secs;
	}
	return 0;
}

/* tls_cert_notbefore / tls_cert_notafter: "<DATE", ">DATE", "DATE", "DATE<>DATE" */
static int
kw_cert_date(struct det_kw *k, const char *kw, char *v, struct det_parse_error *err)
{
	char *s = det_trim(v), *sep;
	int64_t a, b, sa, sb;

	if ((sep = strstr(s, "<>")) != NULL) {
		*sep = '\0';
		if (kw_date(det_trim(s), &a, &sa) != 0 || kw_date(det_trim(sep + 2), &b, &sb) != 0 ||
		    a >= b)
			return kw_fail(err,
			               "%s: expected DATE<>DATE with the first before the second%s",
			               kw, "");
		k->num.lo = (uint64_t)a + 1;
		k->num.hi = (uint64_t)b - 1;
		return 0;
	}
	if (*s == '<' || *s == '>') {
		if (kw_date(det_trim(s + 1), &a, &sa) != 0)
			return kw_fail(err, "%s: bad date '%s' (YYYY[-MM[-DD[THH:MM:SS]]])", kw,
			               s + 1);
		k->num.lo = *s == '<' ? 0 : (uint64_t)a + 1;
		k->num.hi = *s == '<' ? (uint64_t)a - 1 : UINT64_MAX;
		return 0;
	}
	if (kw_date(s, &a, &sa) != 0)
		return kw_fail(err, "%s: bad date '%s' (YYYY[-MM[-DD[THH:MM:SS]]])", kw, s);
	k->num.lo = (uint64_t)a; /* within the year, month, day or second it names */
	k->num.hi = (uint64_t)(a + sa - 1);
	return 0;
}

/* tls.subject:[!]"text", tls.issuerdn:[!]"text", tls.fingerprint:[!]"aa:bb:..." */
static int
kw_tls_text(struct det_kw *k, const char *kw, char *v, struct det_parse_error *err)
{
	char *s = det_trim(v);
	size_t l;

	if (*s == '!') {
		k->negated = true;
		s = det_trim(s + 1);
	}
	l = strlen(s);
	if (l >= 2 && s[0] == '"' && s[l - 1] == '"') {
		s[l - 1] = '\0';
		s++;
		l -= 2;
	}
	if (l == 0)
		return kw_fail(err, "%s: empty value%s", kw, "");
	if (k->kind == DET_KW_TLS_FP) {
		if (l != 59)
			return kw_fail(err,
			               "%s: expected a SHA-1 as 20 hex pairs 'aa:bb:...', not '%s'",
			               kw, s);
		for (size_t i = 0; i < l; i++) {
			if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
				return kw_fail(err,
				               "%s: expected a SHA-1 as 20 hex pairs 'aa:bb:...', "
				               "not '%s'",
				               kw, s);
			s[i] = (char)tolower((unsigned char)s[i]);
		}
	}
	if ((k->name = strdup(s)) == NULL)
		return SW_E_NOMEM;
	return 0;
}

/* flowvar:NAME,"content" / pktvar:NAME,"content": the content with |hex| parts and the escapes
 * \" \; \: \\ as a content keyword's (Suricata 7's detect-flowvar / detect-pktvar). */
static int
kw_var(struct det_kw *k, const char *kw, char *v, struct det_parse_error *err)
{
	char *comma = strchr(v, ',');
	char *name, *s;
	size_t l, n = 0;
	bool hex = false, esc = false;
	int nib = -1;

	if (comma == NULL)
		return kw_fail(err, "%s: expected '<name>,\"<content>\"'%s", kw, "");
	*comma = '\0';
	name = det_trim(v);
	s = det_trim(comma + 1);
	if (*name == '\0' || strlen(name) > 64)
		return kw_fail(err, "%s: bad name '%s'", kw, name);
	for (const char *q = name; *q != '\0'; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-' && *q != '.')
			return kw_fail(err, "%s: bad name '%s'", kw, name);
	l = strlen(s);
	if (l < 3 || s[0] != '"' || s[l - 1] != '"')
		return kw_fail(err, "%s: expected a quoted non-empty content, not '%s'", kw, s);
	s[l - 1] = '\0';
	s++;
	l -= 2;
	if ((k->set = malloc(l)) == NULL)
		return SW_E_NOMEM;
	for (size_t i = 0; i < l; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (hex) {
			if (ch == '|') {
				if (nib >= 0)
					return kw_fail(err, "%s: odd number of hex digits%s", kw, "");
				hex = false;
			} else if (isxdigit(ch)) {
				int d = isdigit(ch) ? ch - '0' : tolower(ch) - 'a' + 10;

				if (nib < 0) {
					nib = d;
				} else {
					k->set[n++] = (uint8_t)(nib << 4 | d);
					nib = -1;
				}
			} else if (ch != ' ') {
				return kw_fail(err, "%s: bad hex character '%c'", kw, ch);
			}
		} else if (esc) {
			if (ch != '"' && ch != ';' && ch != ':' && ch != '\\')
				return kw_fail(err, "%s: bad escape '\\%c'", kw, ch);
			k->set[n++] = ch;
			esc = false;
		} else if (ch == '\\') {
			esc = true;
		} else if (ch == '|') {
			hex = true;
		} else {
			k->set[n++] = ch;
		}
	}
	if (hex || esc)
		return kw_fail(err, "%s: unterminated %s", kw, hex ? "hex part" : "escape");
	if (n == 0)
		return kw_fail(err, "%s: empty content%s", kw, "");
	k->nset = n;
	if ((k->name = strdup(name)) == NULL)
		return SW_E_NOMEM;
	return 0;
}

int
det_kw_parse(struct det_rule *r, const char *kw, char *v, struct det_parse_error *err)
{
	struct det_kw *k;
	const char *why;
	char orig[128];
	int rc = 0;

	if (det_hdr_known(kw)) { /* detect_hdr.c */
		if ((k = kw_add(r, DET_KW_TTL)) == NULL)
			return SW_E_NOMEM;
		return det_hdr_parse(r, k, kw, v, err);
	}
	if (strcmp(kw, "flow:no_frag") == 0 || strcmp(kw, "flow:only_frag") == 0) {
		if ((k = kw_add(r, DET_KW_FRAG)) == NULL)
			return SW_E_NOMEM;
		k->flags = kw[5] == 'n' ? 1 : 2;
		r->kw_packet = true;
		return 0;
	}
	if (strcmp(kw, "geoip") == 0) { /* detect_geoip.c */
		if ((k = kw_add(r, DET_KW_GEOIP)) == NULL)
			return SW_E_NOMEM;
		return det_geoip_parse(r, k, v, err);
	}
	if (strcmp(kw, "lua") == 0 || strcmp(kw, "luajit") == 0) { /* detect_lua.c */
		char *name = det_trim(v);
		size_t n;

		if ((k = kw_add(r, DET_KW_LUA)) == NULL)
			return SW_E_NOMEM;
		k->id = -1;
		if (name[0] == '!') {
			k->negated = true;
			name = det_trim(name + 1);
		}
		n = strlen(name);
		if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
			name[n - 1] = '\0';
			name++;
		}
		if (name[0] == '\0')
			return kw_fail(err, "%s: no script named", kw);
		/* feeds write rules: a script stays under the rule (or scripts) directory */
		if (name[0] == '/' || strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0 ||
		    strstr(name, "/../") != NULL ||
		    (n >= 3 && strcmp(name + strlen(name) - 3, "/..") == 0))
			return kw_fail(err, "%s: script '%s' must be a relative path without '..'", kw,
			               name);
		if ((k->name = strdup(name)) == NULL)
			return SW_E_NOMEM;
		return 0;
	}
	if (det_kwa_is(kw)) { /* detect_kw_app.c */
		if ((k = kw_add(r, DET_KW_APP_FIRST)) == NULL)
			return SW_E_NOMEM;
		return det_kwa_parse(r, k, kw, v, err);
	}
	if (strcmp(kw, "ftpbounce") == 0 || strcmp(kw, "tls_cert_expired") == 0 ||
	    strcmp(kw, "tls_cert_valid") == 0) {
		int kind = kw[0] == 'f'   ? DET_KW_FTPBOUNCE
		           : kw[9] == 'e' ? DET_KW_TLS_EXPIRED
		                          : DET_KW_TLS_VALID;

		if (v != NULL)
			return kw_fail(err, "%s: takes no value%s", kw, "");
		if (kind != DET_KW_FTPBOUNCE && r->app_proto == APP_NONE && r->app_name == NULL)
			r->app_proto = APP_TLS;
		r->kw_msg |= kind != DET_KW_FTPBOUNCE;
		return kw_add(r, kind) != NULL ? 0 : SW_E_NOMEM;
	}
	if (v == NULL || *det_trim(v) == '\0')
		return kw_fail(err, "%s: missing value%s", kw, "");
	snprintf(orig, sizeof(orig), "%s", det_trim(v)); /* the parsers below cut v up */
	if ((k = kw_add(r, DET_KW_ITYPE)) == NULL)
		return SW_E_NOMEM;
	if (strcmp(kw, "itype") == 0 || strcmp(kw, "icode") == 0) {
		k->kind = kw[1] == 't' ? DET_KW_ITYPE : DET_KW_ICODE;
		r->kw_packet = true;
		if (kw_uint(v, 255, &k->num, &why) != 0) {
			kw_fail(err, "%s: bad value '%s': %s", kw, orig, why);
			rc = SW_E_INVAL;
		}
	} else if (strcmp(kw, "ip_proto") == 0) {
		k->kind = DET_KW_IP_PROTO;
		r->kw_packet = true;
		rc = kw_ip_proto(k, v, err);
	} else if (strcmp(kw, "flow.age") == 0) {
		/* Suricata 7: an unsigned 32-bit integer with its operators, checked on every
		 * packet of the flow */
		k->kind = DET_KW_FLOW_AGE;
		r->kw_packet = true;
		if (kw_uint(v, UINT32_MAX, &k->num, &why) != 0) {
			kw_fail(err, "%s: bad value '%s': %s", kw, orig, why);
			rc = SW_E_INVAL;
		}
	} else if (strcmp(kw, "l3_proto") == 0) {
		/* Suricata 7: ipv4 (ip4) or ipv6 (ip6), the packet's (innermost) IP version */
		char *t = det_trim(v);

		k->kind = DET_KW_L3_PROTO;
		if (strcmp(t, "ipv4") == 0 || strcmp(t, "ip4") == 0) {
			k->count = 4;
		} else if (strcmp(t, "ipv6") == 0 || strcmp(t, "ip6") == 0) {
			k->count = 6;
		} else {
			kw_fail(err, "%s: expected ipv4, ip4, ipv6 or ip6, not '%s'", kw, orig);
			rc = SW_E_INVAL;
		}
	} else if (strcmp(kw, "stream_size") == 0) {
		k->kind = DET_KW_STREAM_SIZE;
		rc = kw_stream_size(k, v, err);
	} else if (strcmp(kw, "tls.version") == 0) {
		k->kind = DET_KW_TLS_VERSION;
		rc = kw_tls_version(k, v, err);
		if (rc == 0 && r->app_proto == APP_NONE && r->app_name == NULL)
			r->app_proto = APP_TLS;
		r->kw_msg = true;
	} else if (strcmp(kw, "dns.opcode") == 0 || strcmp(kw, "dns.rrtype") == 0) {
		k->kind = kw[4] == 'o' ? DET_KW_DNS_OPCODE : DET_KW_DNS_RRTYPE;
		if (kw_uint(v, k->kind == DET_KW_DNS_OPCODE ? 15 : 65535, &k->num, &why) != 0) {
			kw_fail(err, "%s: bad value '%s': %s", kw, orig, why);
			rc = SW_E_INVAL;
		}
		if (rc == 0 && r->app_proto == APP_NONE && r->app_name == NULL)
			r->app_proto = APP_DNS;
		r->kw_msg = true;
	} else if (strcmp(kw, "asn1") == 0) {
		k->kind = DET_KW_ASN1;
		rc = kw_asn1(k, v, err);
	} else if (strcmp(kw, "xbits") == 0) {
		k->kind = DET_KW_XBITS;
		rc = kw_xbits(r, k, v, err);
		if (rc == SW_E_UNSUPP) {
			snprintf(err->keyword, sizeof(err->keyword), "xbits:track tx");
			snprintf(err->reason, sizeof(err->reason),
			         "xbits: track tx is Suricata 8's");
		}
	} else if (strcmp(kw, "iprep") == 0) {
		k->kind = DET_KW_IPREP;
		rc = kw_iprep(r, k, v, err);
	} else if (strcmp(kw, "hostbits") == 0) {
		k->kind = DET_KW_XBITS;
		rc = kw_hostbits(r, k, v, err);
	} else if (strcmp(kw, "flowint") == 0) {
		k->kind = DET_KW_FLOWINT;
		rc = kw_flowint(k, v, err);
	} else if (strcmp(kw, "flowvar") == 0 || strcmp(kw, "pktvar") == 0) {
		k->kind = kw[0] == 'f' ? DET_KW_FLOWVAR : DET_KW_PKTVAR;
		rc = kw_var(k, kw, v, err);
	} else if (strcmp(kw, "tag") == 0) {
		k->kind = DET_KW_TAG;
		rc = kw_tag(k, v, err);
	} else if (strncmp(kw, "tls", 3) == 0) {
		k->kind = strcmp(kw, "tls.subject") == 0          ? DET_KW_TLS_SUBJECT
		          : strcmp(kw, "tls.issuerdn") == 0       ? DET_KW_TLS_ISSUER
		          : strcmp(kw, "tls.fingerprint") == 0    ? DET_KW_TLS_FP
		          : strcmp(kw, "tls_cert_notbefore") == 0 ? DET_KW_TLS_NOTBEFORE
		                                                  : DET_KW_TLS_NOTAFTER;
		if (k->kind == DET_KW_TLS_NOTBEFORE || k->kind == DET_KW_TLS_NOTAFTER)
			rc = kw_cert_date(k, kw, v, err);
		else
			rc = kw_tls_text(k, kw, v, err);
		if (rc == 0 && r->app_proto == APP_NONE && r->app_name == NULL)
			r->app_proto = APP_TLS;
		r->kw_msg = true;
	} else {
		rc = kw_fail(err, "%s: not a keyword of detect_kw.c%s", kw, "");
	}
	return rc;
}

void
det_kw_free(struct det_rule *r)
{
	for (uint32_t i = 0; i < r->nkws; i++) {
		free(r->kws[i].name);
		det_kwa_free(&r->kws[i]);
	}
	free(r->kws);
	r->kws = NULL;
	r->nkws = 0;
}

/* ---- state shared by the workers: xbits and host tags --------------------------------------- */

#define KV_STRIPES 64
#define KV_BUCKETS 4096

struct kv_ent {
	struct kv_ent *next;
	uint64_t name;    /* xbits: the name's hash; host tags: 0 */
	det_u128 a, b;    /* addresses (b = 0 unless ip_pair) */
	sw_time_t expire; /* xbits */
	/* host tags */
	uint32_t sid, gid, count, progress;
	sw_time_t first;
	uint8_t metric;
	bool skipped_first;
};

/* xbits and host tags: kept across reloads (an engine takes over its predecessor's) */
struct kv_table {
	atomic_uint refs;
	pthread_mutex_t lock[KV_STRIPES];
	struct kv_ent *bucket[KV_BUCKETS];
	atomic_uint_fast64_t used, refused, nhosttags;
	uint64_t cap;
};

struct det_kw_shared {
	struct kv_table *kv;
	/* flowint names, numbered */
	char **ints;
	uint32_t nints;
};

static struct kv_table *
kv_table_new(uint64_t cap)
{
	struct kv_table *kv = calloc(1, sizeof(*kv));

	if (kv == NULL)
		return NULL;
	atomic_init(&kv->refs, 1);
	for (int i = 0; i < KV_STRIPES; i++)
		pthread_mutex_init(&kv->lock[i], NULL);
	kv->cap = cap;
	return kv;
}

static void
kv_table_unref(struct kv_table *kv)
{
	if (kv == NULL || atomic_fetch_sub(&kv->refs, 1) != 1)
		return;
	for (int i = 0; i < KV_BUCKETS; i++) {
		struct kv_ent *x = kv->bucket[i], *n;

		for (; x != NULL; x = n) {
			n = x->next;
			free(x);
		}
	}
	for (int i = 0; i < KV_STRIPES; i++)
		pthread_mutex_destroy(&kv->lock[i]);
	free(kv);
}

static uint32_t
flowint_id(struct det_kw_shared *s, const char *name)
{
	for (uint32_t i = 0; i < s->nints; i++)
		if (strcmp(s->ints[i], name) == 0)
			return i;
	return UINT32_MAX;
}

static int
flowint_add(struct det_kw_shared *s, const char *name, int32_t *id)
{
	uint32_t i = flowint_id(s, name);
	char **n;

	if (i == UINT32_MAX) {
		if ((n = realloc(s->ints, (s->nints + 1) * sizeof(*n))) == NULL)
			return SW_E_NOMEM;
		s->ints = n;
		if ((n[s->nints] = strdup(name)) == NULL)
			return SW_E_NOMEM;
		i = s->nints++;
	}
	*id = (int32_t)i;
	return 0;
}

int
det_kw_engine_init(struct detect_engine *e, uint64_t memcap)
{
	struct det_kw_shared *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SW_E_NOMEM;
	e->kw = s;
	/* xbits and host tags share detect.memcap with the flows' state: a quarter of it */
	if ((s->kv = kv_table_new(memcap / 4)) == NULL)
		return SW_E_NOMEM;
	for (uint32_t i = 0; i < e->nrules; i++) {
		struct det_rule *r = e->rules[i].r;

		for (uint32_t j = 0; j < r->nkws; j++) {
			struct det_kw *k = &r->kws[j];

			if (k->kind != DET_KW_FLOWINT)
				continue;
			if (flowint_add(s, k->name, &k->id) != 0)
				return SW_E_NOMEM;
			if (k->id2 >= 0 &&
			    flowint_add(s, k->name + strlen(k->name) + 1, &k->id2) != 0)
				return SW_E_NOMEM;
		}
	}
	return 0;
}

int
det_kw_flowint_add(struct detect_engine *e, const char *name, int32_t *id)
{
	return e->kw != NULL ? flowint_add(e->kw, name, id) : SW_E_NOMEM;
}

void
det_kw_engine_free(struct detect_engine *e)
{
	struct det_kw_shared *s = e->kw;

	if (s == NULL)
		return;
	kv_table_unref(s->kv);
	for (uint32_t i = 0; i < s->nints; i++)
		free(s->ints[i]);
	free(s->ints);
	free(s);
	e->kw = NULL;
}

uint64_t
det_kw_shared_refused(const struct detect_engine *e)
{
	return e->kw != NULL && e->kw->kv != NULL ? (uint64_t)atomic_load(&e->kw->kv->refused) : 0;
}

static uint32_t
kv_bucket(uint64_t name, det_u128 a, det_u128 b)
{
	uint64_t h = sw_hash64(&a, sizeof(a), sw_hash64(&b, sizeof(b), name));

	return (uint32_t)(h % KV_BUCKETS);
}

/* The entry for (name, a, b) in bucket bk (its stripe locked); expired xbits are dropped on
 * the way. NULL when there is none. */
static struct kv_ent **
kv_find(struct kv_table *s, uint32_t bk, uint64_t name, det_u128 a, det_u128 b, sw_time_t now)
{
	struct kv_ent **pp = &s->bucket[bk];

	while (*pp != NULL) {
		struct kv_ent *x = *pp;

		if (x->name != 0 && x->expire <= now) {
			*pp = x->next;
			free(x);
			atomic_fetch_sub(&s->used, sizeof(*x));
			continue;
		}
		if (x->name == name && x->a == a && x->b == b)
			return pp;
		pp = &x->next;
	}
	return NULL;
}

static struct kv_ent *
kv_new(struct kv_table *s, uint32_t bk)
{
	struct kv_ent *x;

	if (s->cap > 0 && atomic_load(&s->used) + sizeof(*x) > s->cap) {
		atomic_fetch_add(&s->refused, 1);
		return NULL;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	atomic_fetch_add(&s->used, sizeof(*x));
	x->next = s->bucket[bk];
	s->bucket[bk] = x;
	return x;
}

/* ---- per flow: flowint variables and session tags ------------------------------------------- */

struct ftag {
	uint32_t sid, gid, count, progress;
	sw_time_t first;
	uint8_t metric;
	bool skipped_first;
};

#define FTAG_MAX 8 /* session tags of different rules on one flow */

struct det_kw_flow {
	size_t charged;
	uint32_t nints;
	struct ftag tags[FTAG_MAX];
	uint8_t ntags;
	uint8_t *int_set;
	uint32_t *ints;
	struct det_geoip_cache geo; /* geoip: the flow's addresses' countries */
	struct fvar *vars;          /* flow variables (pcre's flow_ captures), each charged */
};

/* A flow variable: its name (NUL-terminated) after its value. */
struct fvar {
	struct fvar *next;
	size_t charged, len;
	char *name;
	uint8_t data[];
};

static void
fvars_free(struct det_kw_flow *kf, struct sw_memcap *mem)
{
	while (kf->vars != NULL) {
		struct fvar *v = kf->vars;

		kf->vars = v->next;
		sw_memcap_give(mem, v->charged);
		free(v);
	}
}

void
det_kw_flow_free(void *state, struct sw_memcap *mem)
{
	struct det_kw_flow *kf = state;

	if (kf == NULL)
		return;
	fvars_free(kf, mem);
	sw_memcap_give(mem, kf->charged);
	free(kf);
}

static struct det_kw_flow *
kflow_get(struct det_kw_ctx *c, bool create)
{
	struct det_kw_flow *kf;
	uint32_t n = c->e->kw != NULL ? c->e->kw->nints : 0;
	size_t size = sizeof(*kf) + n * (sizeof(uint32_t) + 1);

	if (c->fstate == NULL)
		return NULL;
	kf = *c->fstate;
	if (kf != NULL && kf->nints >= n)
		return kf;
	if (!create)
		return kf;
	if (kf != NULL) { /* made by an engine with fewer variables: start again */
		det_kw_flow_free(kf, c->mem);
		*c->fstate = NULL;
	}
	if (!sw_memcap_take(c->mem, size))
		return NULL;
	if ((kf = calloc(1, size)) == NULL) {
		sw_memcap_give(c->mem, size);
		return NULL;
	}
	kf->charged = size;
	kf->nints = n;
	kf->ints = (uint32_t *)(kf + 1);
	kf->int_set = (uint8_t *)(kf->ints + n);
	*c->fstate = kf;
	return kf;
}

bool
det_kw_flowvar_set(struct det_kw_ctx *c, const char *name, const uint8_t *val, size_t len)
{
	struct det_kw_flow *kf = kflow_get(c, true);
	size_t nl = strlen(name), size;
	struct fvar *v, **pp;

	if (kf == NULL)
		return false;
	size = sizeof(*v) + len + nl + 1;
	for (pp = &kf->vars; *pp != NULL; pp = &(*pp)->next) /* a new value replaces the old */
		if (strcmp((*pp)->name, name) == 0) {
			v = *pp;
			*pp = v->next;
			sw_memcap_give(c->mem, v->charged);
			free(v);
			break;
		}
	if (!sw_memcap_take(c->mem, size))
		return false;
	if ((v = malloc(size)) == NULL) {
		sw_memcap_give(c->mem, size);
		return false;
	}
	v->charged = size;
	v->len = len;
	if (len > 0)
		memcpy(v->data, val, len);
	v->name = (char *)v->data + len;
	memcpy(v->name, name, nl + 1);
	v->next = kf->vars;
	kf->vars = v;
	return true;
}

uint32_t
det_kw_flowvars(struct det_kw_ctx *c, struct detect_var *out, uint32_t max)
{
	struct det_kw_flow *kf = kflow_get(c, false);
	uint32_t n = 0;

	for (const struct fvar *v = kf != NULL ? kf->vars : NULL; v != NULL && n < max; v = v->next) {
		out[n].name = v->name;
		out[n].data = v->data;
		out[n].len = v->len;
		n++;
	}
	return n;
}

static bool flowint_get(const struct det_kw_flow *kf, int32_t id, uint32_t *v);

uint32_t
det_kw_flowints(struct det_kw_ctx *c, const char **names, uint32_t *values, uint32_t max)
{
	struct det_kw_flow *kf = c->e->kw != NULL ? kflow_get(c, false) : NULL;
	uint32_t n = 0;

	for (uint32_t i = 0; kf != NULL && i < kf->nints && i < c->e->kw->nints && n < max; i++)
		if (flowint_get(kf, (int32_t)i, &values[n]))
			names[n++] = c->e->kw->ints[i];
	return n;
}

/* Whether bytes hold k's content (flowvar, pktvar: a substring, as Suricata 7). */
static bool
var_holds(const struct det_kw *k, const uint8_t *data, size_t len)
{
	return len >= k->nset && memmem(data, len, k->set, k->nset) != NULL;
}

static bool
flowvar_ok(struct det_kw_ctx *c, const struct det_kw *k)
{
	struct det_kw_flow *kf = kflow_get(c, false);

	for (const struct fvar *v = kf != NULL ? kf->vars : NULL; v != NULL; v = v->next)
		if (strcmp(v->name, k->name) == 0)
			return var_holds(k, v->data, v->len);
	return false;
}

static bool
pktvar_ok(const struct det_kw_ctx *c, const struct det_kw *k)
{
	for (uint32_t i = 0; c->pv != NULL && i < c->pv->n; i++)
		if (strcmp(c->pv->v[i].name, k->name) == 0)
			return var_holds(k, c->pv->v[i].data, c->pv->v[i].len);
	return false;
}

/* lua's access to the flow's variables (detect_lua.c) */
static bool flowint_get(const struct det_kw_flow *kf, int32_t id, uint32_t *v);

bool
det_kw_flowint_read(struct det_kw_ctx *c, int32_t id, uint32_t *v)
{
	return flowint_get(kflow_get(c, false), id, v);
}

bool
det_kw_flowint_write(struct det_kw_ctx *c, int32_t id, uint32_t v)
{
	struct det_kw_flow *kf = kflow_get(c, true);

	if (kf == NULL || id < 0 || (uint32_t)id >= kf->nints)
		return false;
	kf->ints[id] = v;
	kf->int_set[id] = 1;
	return true;
}

bool
det_kw_flowvar_get(struct det_kw_ctx *c, const char *name, const uint8_t **data, size_t *len)
{
	struct det_kw_flow *kf = kflow_get(c, false);

	for (const struct fvar *v = kf != NULL ? kf->vars : NULL; v != NULL; v = v->next)
		if (strcmp(v->name, name) == 0) {
			*data = v->data;
			*len = v->len;
			return true;
		}
	return false;
}

/* ---- matching ------------------------------------------------------------------------------- */

/* The version tls.version compares, as Suricata 7's: with flow:to_server the client's (the
 * first valid version of its supported_versions, else its legacy version), else the negotiated
 * one (the server's hello, supported_versions included). The handshake is one message here, so
 * a rule without a direction sees the negotiated version. Unless given raw (0xNNNN), a TLS 1.3
 * draft (0x7fNN) counts as 1.3. */
static uint64_t
tls_version_of(const struct app_tls_msg *m, bool client, bool raw)
{
	uint16_t v = m->version;

	if (client && m->client_hello)
		v = m->client_supported != 0 ? m->client_supported : m->client_version;
	if (!raw && (v >> 8) == 0x7f)
		v = 0x0304;
	return v;
}

/* Suricata's legacy TLS keywords, on the server's first certificate: a message without one
 * does not match (negated or not). */
static bool
tls_cert_ok(const struct det_kw *k, const struct app_tls_msg *m, sw_time_t now)
{
	const struct app_buf *b;
	bool in;

	if (!m->certificate || m->ncerts == 0)
		return false;
	switch (k->kind) {
	case DET_KW_TLS_SUBJECT:
	case DET_KW_TLS_ISSUER: {
		size_t n = strlen(k->name);

		b = k->kind == DET_KW_TLS_SUBJECT ? &m->cert_subject : &m->cert_issuer;
		in = false;
		for (size_t i = 0; !in && b->len >= n && i <= b->len - n; i++)
			in = memcmp(b->p + i, k->name, n) == 0;
		return in != k->negated;
	}
	case DET_KW_TLS_FP:
		return (strcasecmp(m->cert_fingerprint, k->name) == 0) != k->negated;
	case DET_KW_TLS_NOTBEFORE:
		return uint_ok(&k->num, (uint64_t)(m->cert_not_before / SW_USEC_PER_SEC));
	case DET_KW_TLS_NOTAFTER:
		return uint_ok(&k->num, (uint64_t)(m->cert_not_after / SW_USEC_PER_SEC));
	case DET_KW_TLS_EXPIRED: /* by the time of the traffic, as Suricata */
		return m->cert_not_after != 0 && now > m->cert_not_after;
	default:
		return m->cert_not_before != 0 && now >= m->cert_not_before &&
		       now <= m->cert_not_after;
	}
}

/* The address an xbit or host tag is kept for. */
static void
track_key(const struct det_kw_ctx *c, int track, det_u128 *a, det_u128 *b)
{
	det_u128 s = det_addr_key(c->family, c->src->b), d = det_addr_key(c->family, c->dst->b);

	*b = 0;
	if (track == 0)
		*a = s;
	else if (track == 1)
		*a = d;
	else { /* a pair, whichever way the packet goes */
		*a = s < d ? s : d;
		*b = s < d ? d : s;
	}
}

static bool
xbit_isset(struct det_kw_ctx *c, const struct det_kw *k)
{
	struct kv_table *s = c->e->kw != NULL ? c->e->kw->kv : NULL;
	det_u128 a, b;
	uint32_t bk;
	bool set;

	if (s == NULL)
		return false;
	track_key(c, k->track, &a, &b);
	bk = kv_bucket(k->hash, a, b);
	pthread_mutex_lock(&s->lock[bk % KV_STRIPES]);
	set = kv_find(s, bk, k->hash, a, b, c->ts) != NULL;
	pthread_mutex_unlock(&s->lock[bk % KV_STRIPES]);
	return set;
}

static void
xbit_apply(struct det_kw_ctx *c, const struct det_kw *k)
{
	struct kv_table *s = c->e->kw != NULL ? c->e->kw->kv : NULL;
	struct kv_ent **pp, *x;
	det_u128 a, b;
	uint32_t bk;

	if (s == NULL)
		return;
	track_key(c, k->track, &a, &b);
	bk = kv_bucket(k->hash, a, b);
	pthread_mutex_lock(&s->lock[bk % KV_STRIPES]);
	pp = kv_find(s, bk, k->hash, a, b, c->ts);
	if (pp != NULL && (k->op == DET_FB_UNSET || k->op == DET_FB_TOGGLE)) {
		x = *pp;
		*pp = x->next;
		free(x);
		atomic_fetch_sub(&s->used, sizeof(*x));
	} else if (pp != NULL) { /* set again: a new expiry */
		(*pp)->expire = c->ts + (sw_time_t)k->count * SW_USEC_PER_SEC;
	} else if (k->op == DET_FB_SET || k->op == DET_FB_TOGGLE) {
		if ((x = kv_new(s, bk)) != NULL) {
			x->name = k->hash;
			x->a = a;
			x->b = b;
			x->expire = c->ts + (sw_time_t)k->count * SW_USEC_PER_SEC;
		}
	}
	pthread_mutex_unlock(&s->lock[bk % KV_STRIPES]);
}

/* One BER object at d (Suricata's asn1 checks, which come from Snort's): recurses into the
 * constructed ones, at most depth levels. true when a check fires. */
static bool
asn1_walk(const struct det_kw *k, const uint8_t *d, size_t len, int depth)
{
	size_t pos = 0;

	while (pos < len) {
		uint8_t id = d[pos++], lb;
		uint32_t tag = id & 0x1f;
		uint64_t l = 0;
		bool constructed = (id & 0x20) != 0, universal = (id & 0xc0) == 0;

		if (tag == 0x1f) { /* tag in the next bytes */
			tag = 0;
			do {
				if (pos >= len)
					return false;
				tag = (tag << 7) | (d[pos] & 0x7f);
			} while (d[pos++] & 0x80 && tag < (1u << 24));
		}
		if (pos >= len)
			return false;
		lb = d[pos++];
		if (lb & 0x80) {
			int n = lb & 0x7f;

			if (n == 0) { /* indefinite: the content runs to the end */
				l = len - pos;
			} else {
				if (n > 8) /* a length that does not fit is oversized */
					return (k->flags & ASN1_OVERSIZE) != 0;
				for (int i = 0; i < n; i++) {
					if (pos >= len)
						return false;
					l = (l << 8) | d[pos++];
				}
			}
		} else {
			l = lb;
		}
		if ((k->flags & ASN1_OVERSIZE) && l > k->count)
			return true;
		if (universal && !constructed && tag == 3 && (k->flags & ASN1_BITSTRING_OVF) &&
		    l > 0 && pos < len && (l - 1) * 8 < d[pos])
			return true; /* more unused bits than the string has */
		if (universal && !constructed && tag == 9 && (k->flags & ASN1_DOUBLE_OVF) &&
		    l > 0 && pos < len && (d[pos] & 0xc0) == 0 && l >= 256)
			return true; /* a decimal REAL longer than any double needs */
		if (l > len - pos)
			return false;
		if (constructed && depth > 0 && asn1_walk(k, d + pos, (size_t)l, depth - 1))
			return true;
		pos += (size_t)l;
	}
	return false;
}

static bool
asn1_ok(const struct det_kw_ctx *c, const struct det_kw *k)
{
	int64_t start = 0;

	if (c->payload == NULL)
		return false;
	if (k->flags & ASN1_ABSOLUTE)
		start = k->offset;
	else if (k->flags & ASN1_RELATIVE)
		start = (int64_t)c->last_match + k->offset;
	if (start < 0 || (uint64_t)start >= c->payload_len)
		return false;
	return asn1_walk(k, c->payload + start, c->payload_len - (size_t)start, 16);
}

/* Suricata's ftpbounce: a PORT command whose address is not the client's. Read from the
 * payload (we have no FTP parser): "PORT h1,h2,h3,h4,p1,p2" at the start of a line. */
static bool
ftpbounce_ok(const struct det_kw_ctx *c)
{
	const uint8_t *p = c->payload;
	size_t len = c->payload_len;

	if (p == NULL || c->family != 4)
		return false;
	for (size_t i = 0; i + 5 <= len; i++) {
		unsigned v[6] = {0}, n = 0;
		size_t j;

		if ((i > 0 && p[i - 1] != '\n') || strncasecmp((const char *)p + i, "PORT", 4) != 0)
			continue;
		for (j = i + 4; j < len && p[j] == ' '; j++)
			;
		for (; j < len && n < 6; j++) {
			if (isdigit(p[j])) {
				v[n] = v[n] * 10 + (p[j] - '0');
				if (v[n] > 255)
					break;
			} else if (p[j] == ',' && n < 5) {
				n++;
			} else {
				break;
			}
		}
		if (n != 5)
			continue;
		if (v[0] != c->src->b[0] || v[1] != c->src->b[1] || v[2] != c->src->b[2] ||
		    v[3] != c->src->b[3])
			return true;
	}
	return false;
}

static bool
flowint_get(const struct det_kw_flow *kf, int32_t id, uint32_t *v)
{
	if (kf == NULL || id < 0 || (uint32_t)id >= kf->nints || !kf->int_set[id])
		return false;
	*v = kf->ints[id];
	return true;
}

static bool
flowint_ok(struct det_kw_ctx *c, const struct det_kw *k)
{
	struct det_kw_flow *kf = kflow_get(c, false);
	uint32_t cur, ref;
	bool set = flowint_get(kf, k->id, &cur);

	if (k->op == FI_ISSET)
		return set;
	if (k->op == FI_NOTSET)
		return !set;
	if (k->op <= FI_SUB) /* a change, done when the rule matches */
		return k->id2 < 0 || flowint_get(kf, k->id2, &ref);
	if (!set)
		return false;
	if (k->id2 >= 0) {
		if (!flowint_get(kf, k->id2, &ref))
			return false;
	} else {
		ref = (uint32_t)k->value;
	}
	switch (k->op) {
	case FI_EQ:
		return cur == ref;
	case FI_NE:
		return cur != ref;
	case FI_LT:
		return cur < ref;
	case FI_LE:
		return cur <= ref;
	case FI_GT:
		return cur > ref;
	default:
		return cur >= ref;
	}
}

/* One side's score against k (isnotset: it has none). */
static bool
iprep_test(const struct det_kw *k, int v)
{
	if (k->op == DET_IPREP_ISNOTSET)
		return v < 0;
	if (v < 0)
		return false;
	switch (k->op) {
	case DET_IPREP_LT:
		return (uint32_t)v < k->count;
	case DET_IPREP_LE:
		return (uint32_t)v <= k->count;
	case DET_IPREP_GT:
		return (uint32_t)v > k->count;
	case DET_IPREP_GE:
		return (uint32_t)v >= k->count;
	case DET_IPREP_EQ:
		return (uint32_t)v == k->count;
	default: /* isset */
		return true;
	}
}

static bool
iprep_ok(const struct det_kw_ctx *c, const struct det_kw *k)
{
	bool s, d;

	s = iprep_test(k, det_iprep_score(c->e, det_addr_key(c->family, c->src->b), k->id));
	d = iprep_test(k, det_iprep_score(c->e, det_addr_key(c->family, c->dst->b), k->id));
	switch (k->track) {
	case 0:
		return s || d;
	case 1:
		return s;
	case 2:
		return d;
	default:
		return s && d;
	}
}

bool
det_kw_match(struct det_kw_ctx *c, const struct det_rule *r)
{
	for (uint32_t i = 0; i < r->nkws; i++) {
		const struct det_kw *k = &r->kws[i];
		const struct sw_packet *p = c->p;
		struct app_msg tm; /* the TLS handshake of a TLS or QUIC message */

		switch (k->kind) {
		case DET_KW_ITYPE:
		case DET_KW_ICODE:
			if (p == NULL || (p->proto != 1 && p->proto != 58) ||
			    !uint_ok(&k->num,
			             k->kind == DET_KW_ITYPE ? p->icmp_type : p->icmp_code))
				return false;
			break;
		case DET_KW_IP_PROTO:
			if (p == NULL || !uint_ok(&k->num, p->proto))
				return false;
			break;
		case DET_KW_FRAG:
			/* as Suricata 7's flow keyword, it needs a flow: never a fragment itself,
			 * only_frag the datagram rebuilt from fragments, no_frag the others */
			if (p == NULL || c->f == NULL ||
			    ((p->flags & SW_PKT_REBUILT) != 0) != (k->flags == 2))
				return false;
			break;
		case DET_KW_STREAM_SIZE: {
			uint64_t sz[2]; /* by direction: client's, server's */
			bool cs, ss;

			if (c->f == NULL || c->f->proto != 6 ||
			    !stream_flow_size(c->f, FLOW_TO_SERVER, &sz[0]) ||
			    !stream_flow_size(c->f, FLOW_TO_CLIENT, &sz[1]))
				return false;
			cs = uint_ok(&k->num, sz[0]);
			ss = uint_ok(&k->num, sz[1]);
			if (!(k->track == 0   ? ss
			      : k->track == 1 ? cs
			      : k->track == 2 ? cs && ss
			                      : cs || ss))
				return false;
			break;
		}
		case DET_KW_TLS_VERSION:
			if (c->msg == NULL || !app_msg_as(c->msg, APP_MSG_TLS, &tm) ||
			    !uint_ok(&k->num, tls_version_of(tm.u.tls,
			                                     (r->flow & DET_FLOW_TO_SERVER) != 0,
			                                     k->flags & 1)))
				return false;
			break;
		case DET_KW_TLS_SUBJECT:
		case DET_KW_TLS_ISSUER:
		case DET_KW_TLS_FP:
		case DET_KW_TLS_NOTBEFORE:
		case DET_KW_TLS_NOTAFTER:
		case DET_KW_TLS_EXPIRED:
		case DET_KW_TLS_VALID:
			if (c->msg == NULL || !app_msg_as(c->msg, APP_MSG_TLS, &tm) ||
			    !tls_cert_ok(k, tm.u.tls, c->ts))
				return false;
			break;
		case DET_KW_DNS_OPCODE:
			if (c->msg == NULL || c->msg->kind != APP_MSG_DNS ||
			    !uint_ok(&k->num, c->msg->u.dns->opcode))
				return false;
			break;
		case DET_KW_DNS_RRTYPE: /* Suricata 7: the question's type, query or response */
			if (c->msg == NULL || c->msg->kind != APP_MSG_DNS ||
			    c->msg->u.dns->nquestions == 0 ||
			    !uint_ok(&k->num, c->msg->u.dns->qtype))
				return false;
			break;
		case DET_KW_FTPBOUNCE:
			if (!ftpbounce_ok(c))
				return false;
			break;
		case DET_KW_ASN1:
			if (!asn1_ok(c, k))
				return false;
			break;
		case DET_KW_IPREP:
			if (!iprep_ok(c, k))
				return false;
			break;
		case DET_KW_XBITS:
			if (k->op == DET_FB_ISSET && !xbit_isset(c, k))
				return false;
			if (k->op == DET_FB_ISNOTSET && xbit_isset(c, k))
				return false;
			break;
		case DET_KW_FLOWINT:
			if (c->f == NULL || !flowint_ok(c, k))
				return false;
			break;
		case DET_KW_FLOWVAR:
			if (c->f == NULL || !flowvar_ok(c, k))
				return false;
			break;
		case DET_KW_PKTVAR:
			if (!pktvar_ok(c, k))
				return false;
			break;
		case DET_KW_GEOIP: { /* looked up once per address of the flow */
			struct det_kw_flow *kf = kflow_get(c, true);

			if (!det_geoip_match(c->e->geo, k, c->family, c->src, c->dst,
			                     kf != NULL ? &kf->geo : NULL))
				return false;
			break;
		}
		case DET_KW_LUA: /* detect_lua.c: the script's match() */
			if (!det_lua_match(c, k))
				return false;
			break;
		case DET_KW_L3_PROTO: /* the inspected data's addresses: any context */
			if (c->family != (int)k->count)
				return false;
			break;
		case DET_KW_FLOW_AGE: /* as Suricata 7: whole seconds of last minus first packet */
			if (c->f == NULL ||
			    !uint_ok(&k->num, c->f->last / SW_USEC_PER_SEC - c->f->start / SW_USEC_PER_SEC))
				return false;
			break;
		default:
			if ((k->kind >= DET_KW_TTL && k->kind <= DET_KW_HDR_LAST &&
			     !det_hdr_match(k, p)) ||
			    (k->kind >= DET_KW_CSUM && k->kind <= DET_KW_HDR2_LAST &&
			     !det_hdr_match(k, p)) ||
			    (k->kind >= DET_KW_APP_FIRST && !det_kwa_match(c, r, k)))
				return false;
			break;
		}
	}
	return true;
}

static void
tag_session(struct det_kw_ctx *c, const struct det_kw *k, uint32_t sid, uint32_t gid)
{
	struct det_kw_flow *kf = kflow_get(c, true);
	struct ftag *t;

	if (kf == NULL)
		return;
	for (uint8_t i = 0; i < kf->ntags; i++)
		if (kf->tags[i].sid == sid && kf->tags[i].gid == gid)
			return; /* as Suricata: a tag of the same rule keeps its window */
	if (kf->ntags == FTAG_MAX)
		return;
	t = &kf->tags[kf->ntags++];
	memset(t, 0, sizeof(*t));
	t->sid = sid;
	t->gid = gid;
	t->count = k->count;
	t->metric = k->metric;
	t->first = c->ts;
}

static void
tag_host(struct det_kw_ctx *c, const struct det_kw *k, uint32_t sid, uint32_t gid)
{
	struct kv_table *s = c->e->kw != NULL ? c->e->kw->kv : NULL;
	det_u128 a, b;
	struct kv_ent **pp, *x;
	uint32_t bk;

	if (s == NULL)
		return;
	track_key(c, k->track == 1 ? 0 : 1, &a, &b);
	bk = kv_bucket(0, a, 0); /* one bucket per address: det_kw_tagged walks it */
	pthread_mutex_lock(&s->lock[bk % KV_STRIPES]);
	pp = kv_find(s, bk, 0, a, (det_u128)sid << 32 | gid, c->ts);
	if (pp == NULL && (x = kv_new(s, bk)) != NULL) {
		x->a = a;
		x->b = (det_u128)sid << 32 | gid;
		x->sid = sid;
		x->gid = gid;
		x->count = k->count;
		x->metric = k->metric;
		x->first = c->ts;
		atomic_fetch_add(&s->nhosttags, 1);
	}
	pthread_mutex_unlock(&s->lock[bk % KV_STRIPES]);
}

void
det_kw_apply(struct det_kw_ctx *c, const struct det_rule *r, uint32_t sid, uint32_t gid)
{
	for (uint32_t i = 0; i < r->nkws; i++) {
		const struct det_kw *k = &r->kws[i];

		if (k->kind == DET_KW_XBITS && k->op != DET_FB_ISSET && k->op != DET_FB_ISNOTSET) {
			xbit_apply(c, k);
		} else if (k->kind == DET_KW_FLOWINT && k->op <= FI_SUB && c->f != NULL) {
			struct det_kw_flow *kf = kflow_get(c, true);
			uint32_t cur = 0, v = (uint32_t)k->value;
			bool set;

			if (kf == NULL || k->id < 0 || (uint32_t)k->id >= kf->nints)
				continue;
			if (k->id2 >= 0 && !flowint_get(kf, k->id2, &v))
				continue;
			set = flowint_get(kf, k->id, &cur);
			/* Suricata: + and - on a variable not set yet set it to the operand */
			kf->ints[k->id] = !set || k->op == FI_SET ? v
			                  : k->op == FI_ADD       ? cur + v
			                                          : cur - v;
			kf->int_set[k->id] = 1;
		} else if (k->kind == DET_KW_TAG && k->track == 0 && c->f != NULL) {
			tag_session(c, k, sid, gid);
		} else if (k->kind == DET_KW_TAG && k->track != 0) {
			tag_host(c, k, sid, gid);
		}
	}
}

/* Moves one tag window on by packet p; true when p is inside it (and not the packet that made
 * the tag, which its alert logs). *done: the window is over. Suricata's accounting: the
 * triggering packet counts as the first of a packets or bytes window. */
static bool
tag_step(uint8_t metric, uint32_t count, uint32_t *progress, sw_time_t first, bool *skipped,
         const struct sw_packet *p, bool *done)
{
	*done = false;
	if (metric == 0)
		(*progress)++;
	else if (metric == 2)
		*progress += p->wirelen;
	if (!*skipped) {
		*skipped = true;
		return false;
	}
	/* seconds: whole seconds of the timestamps, as Suricata keeps them */
	if ((metric == 1 && p->ts / SW_USEC_PER_SEC > first / SW_USEC_PER_SEC &&
	     p->ts / SW_USEC_PER_SEC - first / SW_USEC_PER_SEC > count) ||
	    (metric != 1 && *progress > count)) {
		*done = true;
		return false;
	}
	return true;
}

bool
det_kw_tagged(struct det_kw_ctx *c)
{
	struct det_kw_flow *kf = c->fstate != NULL ? *c->fstate : NULL;
	struct kv_table *s = c->e->kw != NULL ? c->e->kw->kv : NULL;
	bool tagged = false, done;

	if (kf != NULL) {
		for (uint8_t i = 0; i < kf->ntags;) {
			struct ftag *t = &kf->tags[i];

			tagged |= tag_step(t->metric, t->count, &t->progress, t->first,
			                   &t->skipped_first, c->p, &done);
			if (done) {
				memmove(t, t + 1, (size_t)(kf->ntags - i - 1) * sizeof(*t));
				kf->ntags--;
			} else {
				i++;
			}
		}
	}
	if (s == NULL || atomic_load(&s->nhosttags) == 0)
		return tagged;
	/* host tags: the packet's source and destination, each with the tags kept for it */
	for (int side = 0; side < 2; side++) {
		det_u128 a = det_addr_key(c->family, (side == 0 ? c->src : c->dst)->b);

		if (side == 1 && a == det_addr_key(c->family, c->src->b))
			break; /* to itself: one host, counted once */

		{
			uint32_t bk = kv_bucket(0, a, 0);
			struct kv_ent **pp;

			pthread_mutex_lock(&s->lock[bk % KV_STRIPES]);
			for (pp = &s->bucket[bk]; *pp != NULL;) {
				struct kv_ent *x = *pp;

				if (x->name != 0 || x->a != a) {
					pp = &x->next;
					continue;
				}
				tagged |= tag_step(x->metric, x->count, &x->progress, x->first,
				                   &x->skipped_first, c->p, &done);
				if (done) {
					*pp = x->next;
					free(x);
					atomic_fetch_sub(&s->used, sizeof(*x));
					atomic_fetch_sub(&s->nhosttags, 1);
				} else {
					pp = &x->next;
				}
			}
			pthread_mutex_unlock(&s->lock[bk % KV_STRIPES]);
		}
	}
	return tagged;
}

/* ---- reloads ------------------------------------------------------------------------------- */

struct sid_ix {
	uint64_t key; /* gid << 32 | sid */
	uint32_t idx;
};

static int
sid_ix_cmp(const void *a, const void *b)
{
	const struct sid_ix *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static const struct det_threshold *
th_of(const struct det_rule *r, uint8_t type)
{
	if (type == DET_TH_DETECTION_FILTER)
		return r->detection_filter.set ? &r->detection_filter : NULL;
	return r->threshold.set && r->threshold.type == type ? &r->threshold : NULL;
}

int
det_kw_carry(struct detect_engine *to, struct detect_engine *from)
{
	struct sid_ix *ix = NULL;
	uint32_t n = 0;
	int rc = 0;

	/* xbits and host tags: one table for both engines from now on */
	if (to->kw != NULL && from->kw != NULL && from->kw->kv != NULL) {
		atomic_fetch_add(&from->kw->kv->refs, 1);
		kv_table_unref(to->kw->kv);
		to->kw->kv = from->kw->kv;
	}
	/* thresholds: the entries of the rules (gid:sid) both sets have with the same threshold,
	 * moved to the new rule numbers */
	if ((ix = malloc((to->nrules + 1) * sizeof(*ix))) == NULL)
		return SW_E_NOMEM;
	for (uint32_t i = 0; i < to->nrules; i++)
		if ((to->rules[i].r->threshold.set || to->rules[i].r->detection_filter.set) &&
		    !to->rules[i].r->is_twin) /* bothways: a twin keeps its original's */
			ix[n++] = (struct sid_ix){
			    (uint64_t)to->rules[i].r->gid << 32 | to->rules[i].r->sid, i};
	qsort(ix, n, sizeof(*ix), sid_ix_cmp);
	pthread_mutex_lock(&from->th_lock);
	if (from->th != NULL && n > 0 &&
	    (to->th != NULL || (to->th = calloc(TH_SIZE, sizeof(*to->th))) != NULL)) {
		for (uint32_t i = 0; i < TH_SIZE; i++) {
			const struct det_th_entry *x = &from->th[i];
			const struct det_rule * or, *nr;
			const struct det_threshold *ot, *nt;
			struct sid_ix want, *hit;
			uint64_t h;

			if (x->hash == 0 || x->rule >= from->nrules)
				continue;
			or = from->rules[x->rule].r;
			want.key = (uint64_t) or->gid << 32 | or->sid;
			if ((hit = bsearch(&want, ix, n, sizeof(*ix), sid_ix_cmp)) == NULL)
				continue;
			nr = to->rules[hit->idx].r;
			ot = th_of(or, x->type);
			nt = th_of(nr, x->type);
			if (ot == NULL || nt == NULL || ot->track != nt->track ||
			    ot->count != nt->count || ot->seconds != nt->seconds)
				continue; /* a changed threshold starts over */
			h = det_th_hash(hit->idx, x->type, x->a, x->b);
			for (uint32_t k = 0; k < TH_PROBE; k++) {
				struct det_th_entry *y = &to->th[(h + k) & (TH_SIZE - 1)];

				if (y->hash != 0)
					continue;
				*y = *x;
				y->hash = h;
				y->rule = hit->idx;
				break;
			}
		}
	} else if (from->th != NULL && n > 0) {
		rc = SW_E_NOMEM;
	}
	pthread_mutex_unlock(&from->th_lock);
	free(ix);
	return rc;
}

int
detect_engine_carry(struct detect_engine *to, struct detect_engine *from)
{
	det_dataset_carry(to, from);
	return det_kw_carry(to, from);
}
