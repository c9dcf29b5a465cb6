/* src/detect/detect_addr.c: address and port expressions of rule headers and their variables, as
 * sets of intervals (https://docs.suricata.io/en/latest/rules/intro.html#source-and-destination,
 * #ports-source-and-destination; the default groups of Suricata 7's suricata.yaml). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/detect_int.h"

#define ADDR_VAR_DEPTH 16 /* nested $VAR expansions before we call it a loop */
#define ADDR_NEST_MAX  64 /* nested [ ] and ! */

static const det_u128 U128_MAX = ~(det_u128)0;

/* ---- interval sets over det_u128 (ports use the same algebra with max 65535) --------------- */

struct iset {
	struct det_iprange *r;
	uint32_t n, cap;
};

static void
iset_free(struct iset *s)
{
	free(s->r);
	s->r = NULL;
	s->n = s->cap = 0;
}

static int
iset_push(struct iset *s, det_u128 lo, det_u128 hi)
{
	struct det_iprange *nr;

	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 4;

		if (cap > (1u << 24) || (nr = realloc(s->r, cap * sizeof(*nr))) == NULL)
			return SW_E_NOMEM;
		s->r = nr;
		s->cap = cap;
	}
	s->r[s->n].lo = lo;
	s->r[s->n].hi = hi;
	s->n++;
	return 0;
}

static int
iset_range_cmp(const void *a, const void *b)
{
	const struct det_iprange *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

/* Sorts and merges overlapping and adjacent intervals. */
static void
iset_normalize(struct iset *s)
{
	uint32_t i, o = 0;

	if (s->n < 2)
		return;
	qsort(s->r, s->n, sizeof(*s->r), iset_range_cmp);
	for (i = 1; i < s->n; i++) {
		struct det_iprange *last = &s->r[o];

		if (s->r[i].lo <= last->hi ||
		    (last->hi != U128_MAX && s->r[i].lo == last->hi + 1)) {
			if (s->r[i].hi > last->hi)
				last->hi = s->r[i].hi;
		} else {
			s->r[++o] = s->r[i];
		}
	}
	s->n = o + 1;
}

/* dst |= src */
static int
iset_union(struct iset *dst, const struct iset *src)
{
	uint32_t i;
	int r;

	for (i = 0; i < src->n; i++)
		if ((r = iset_push(dst, src->r[i].lo, src->r[i].hi)) != 0)
			return r;
	iset_normalize(dst);
	return 0;
}

/* *s = [0, max] minus *s (s normalized). */
static int
iset_complement(struct iset *s, det_u128 max)
{
	struct iset out = {NULL, 0, 0};
	det_u128 next = 0;
	bool done = false;
	uint32_t i;
	int r;

	for (i = 0; i < s->n && !done; i++) {
		if (s->r[i].lo > next && (r = iset_push(&out, next, s->r[i].lo - 1)) != 0)
			goto fail;
		if (s->r[i].hi >= max)
			done = true;
		else
			next = s->r[i].hi + 1;
	}
	if (!done && (r = iset_push(&out, next, max)) != 0)
		goto fail;
	iset_free(s);
	*s = out;
	return 0;
fail:
	iset_free(&out);
	return r;
}

/* dst -= src (both normalized). */
static int
iset_subtract(struct iset *dst, const struct iset *src, det_u128 max)
{
	struct iset out = {NULL, 0, 0};
	uint32_t i, j = 0;
	int r;

	for (i = 0; i < dst->n; i++) {
		det_u128 lo = dst->r[i].lo, hi = dst->r[i].hi;
		bool gone = false;

		while (j < src->n && src->r[j].hi < lo)
			j++;
		for (uint32_t k = j; k < src->n && src->r[k].lo <= hi; k++) {
			if (src->r[k].lo > lo && (r = iset_push(&out, lo, src->r[k].lo - 1)) != 0)
				goto fail;
			if (src->r[k].hi >= hi) {
				gone = true;
				break;
			}
			lo = src->r[k].hi + 1;
		}
		if (!gone && (r = iset_push(&out, lo, hi)) != 0)
			goto fail;
	}
	(void)max;
	iset_free(dst);
	*dst = out;
	return 0;
fail:
	iset_free(&out);
	return r;
}

/* ---- public helpers ------------------------------------------------------------------------ */

det_u128
det_addr_key(int family, const uint8_t *addr)
{
	det_u128 k = 0;
	int i;

	if (family == 4) {
		k = (det_u128)0xffff << 32;
		for (i = 0; i < 4; i++)
			k |= (det_u128)addr[i] << (8 * (3 - i));
		return k;
	}
	for (i = 0; i < 16; i++)
		k = k << 8 | addr[i];
	return k;
}

bool
det_ipset_has(const struct det_ipset *s, det_u128 key)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (key < s->r[mid].lo)
			hi = mid;
		else if (key > s->r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

bool
det_portset_has(const struct det_portset *s, uint16_t port)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (port < s->r[mid].lo)
			hi = mid;
		else if (port > s->r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

bool
det_ipset_is_any(const struct det_ipset *s)
{
	return s->n == 1 && s->r[0].lo == 0 && s->r[0].hi == U128_MAX;
}

bool
det_portset_is_any(const struct det_portset *s)
{
	return s->n == 1 && s->r[0].lo == 0 && s->r[0].hi == 65535;
}

void
det_ipset_free(struct det_ipset *s)
{
	if (s == NULL)
		return;
	free(s->r);
	s->r = NULL;
	s->n = 0;
}

void
det_portset_free(struct det_portset *s)
{
	if (s == NULL)
		return;
	free(s->r);
	s->r = NULL;
	s->n = 0;
}

/* ---- variables ----------------------------------------------------------------------------- */

static const struct {
	const char *name, *value;
	bool is_port;
} det_default_vars[] = {
    {"HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]", false},
    {"EXTERNAL_NET", "!$HOME_NET", false},
    {"HTTP_SERVERS", "$HOME_NET", false},
    {"SMTP_SERVERS", "$HOME_NET", false},
    {"SQL_SERVERS", "$HOME_NET", false},
    {"DNS_SERVERS", "$HOME_NET", false},
    {"TELNET_SERVERS", "$HOME_NET", false},
    {"AIM_SERVERS", "$EXTERNAL_NET", false}, /* as in suricata.yaml, not $HOME_NET */
    {"DC_SERVERS", "$HOME_NET", false},
    {"DNP3_SERVER", "$HOME_NET", false},
    {"DNP3_CLIENT", "$HOME_NET", false},
    {"MODBUS_CLIENT", "$HOME_NET", false},
    {"MODBUS_SERVER", "$HOME_NET", false},
    {"ENIP_CLIENT", "$HOME_NET", false},
    {"ENIP_SERVER", "$HOME_NET", false},
    {"HTTP_PORTS", "80", true},
    {"SHELLCODE_PORTS", "!80", true},
    {"ORACLE_PORTS", "1521", true},
    {"SSH_PORTS", "22", true},
    {"DNP3_PORTS", "20000", true},
    {"MODBUS_PORTS", "502", true},
    {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]", true},
    {"FTP_PORTS", "21", true},
    {"GENEVE_PORTS", "6081", true},
    {"VXLAN_PORTS", "4789", true},
    {"TEREDO_PORTS", "3544", true},
};

int
det_vars_defaults(struct det_vars *v)
{
	size_t i;
	int r;

	for (i = 0; i < sizeof(det_default_vars) / sizeof(det_default_vars[0]); i++)
		if ((r = det_vars_set(v, det_default_vars[i].is_port, det_default_vars[i].name,
		                      det_default_vars[i].value)) != 0)
			return r;
	return 0;
}

int
det_vars_set(struct det_vars *v, bool is_port, const char *name, const char *value)
{
	char *nv = NULL, *nn = NULL, **na;
	bool *nb;
	size_t i;

	if ((nv = strdup(value)) == NULL)
		return SW_E_NOMEM;
	for (i = 0; i < v->n; i++) {
		if (v->is_port[i] == is_port && strcmp(v->names[i], name) == 0) {
			free(v->values[i]);
			v->values[i] = nv;
			return 0;
		}
	}
	if ((nn = strdup(name)) == NULL)
		goto fail;
	if ((na = realloc(v->names, (v->n + 1) * sizeof(*na))) == NULL)
		goto fail;
	v->names = na;
	if ((na = realloc(v->values, (v->n + 1) * sizeof(*na))) == NULL)
		goto fail;
	v->values = na;
	if ((nb = realloc(v->is_port, (v->n + 1) * sizeof(*nb))) == NULL)
		goto fail;
	v->is_port = nb;
	v->names[v->n] = nn;
	v->values[v->n] = nv;
	v->is_port[v->n] = is_port;
	v->n++;
	return 0;
fail:
	free(nn);
	free(nv);
	return SW_E_NOMEM;
}

void
det_vars_free(struct det_vars *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		free(v->names[i]);
		free(v->values[i]);
	}
	free(v->names);
	free(v->values);
	free(v->is_port);
	memset(v, 0, sizeof(*v));
}

static const char *
vars_find(const struct det_vars *v, bool is_port, const char *name, size_t len)
{
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (v->is_port[i] == is_port && strlen(v->names[i]) == len &&
		    strncmp(v->names[i], name, len) == 0)
			return v->values[i];
	return NULL;
}

/* ---- the expression parser (shared by addresses and ports) --------------------------------- */

struct expr_parser {
	const struct det_vars *vars;
	bool is_port;
	det_u128 max;
	char *err;
	size_t errlen;
	const char *stack[ADDR_VAR_DEPTH]; /* variables being expanded */
	size_t nstack;
	int nest;
	bool negated; /* a '!' was seen (in the text or a variable's value) */
};

static int expr_fail(struct expr_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
expr_fail(struct expr_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err == NULL || p->errlen == 0)
		return SW_E_INVAL;
	n = snprintf(p->err, p->errlen, "%s: ", p->is_port ? "port" : "address");
	if (n < 0 || (size_t)n >= p->errlen)
		return SW_E_INVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return SW_E_INVAL;
}

static int expr_parse(struct expr_parser *p, const char **sp, struct iset *out);

static void
skip_ws(const char **sp)
{
	while (**sp == ' ' || **sp == '\t')
		(*sp)++;
}

static bool
is_delim(char c)
{
	return c == '\0' || c == ',' || c == ']' || c == ' ' || c == '\t';
}

/* An IPv4 or IPv6 address (no prefix) into its key; family set. */
static int
addr_parse_one(const char *s, det_u128 *key, int *family)
{
	uint8_t b[16];

	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, b) != 1)
			return -1;
		*family = 6;
	} else {
		if (inet_pton(AF_INET, s, b) != 1)
			return -1;
		*family = 4;
	}
	*key = det_addr_key(*family, b);
	return 0;
}

/* "1.2.3.4", "1.2.3.0/24", "1.2.3.0/255.255.255.0", "2001:db8::/32", "1.2.3.4-1.2.3.9". */
static int
addr_parse_atom(struct expr_parser *p, const char *tok, struct iset *out)
{
	char buf[128], *slash, *dash;
	det_u128 lo, hi, mask;
	int fam, fam2, bits, maxbits;

	if (strlen(tok) >= sizeof(buf))
		return expr_fail(p, "bad value '%.40s...'", tok);
	memcpy(buf, tok, strlen(tok) + 1);
	if (strcasecmp(buf, "any") == 0)
		return iset_push(out, 0, U128_MAX);
	if ((dash = strchr(buf, '-')) != NULL) {
		*dash = '\0';
		if (addr_parse_one(buf, &lo, &fam) != 0 ||
		    addr_parse_one(dash + 1, &hi, &fam2) != 0 || fam != fam2)
			return expr_fail(p, "bad range '%s'", tok);
		if (lo > hi)
			return expr_fail(p, "range '%s' is reversed", tok);
		return iset_push(out, lo, hi);
	}
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (addr_parse_one(buf, &lo, &fam) != 0)
		return expr_fail(p, "bad value '%s'", tok);
	if (slash == NULL)
		return iset_push(out, lo, lo);
	maxbits = fam == 4 ? 32 : 128;
	if (fam == 4 && strchr(slash, '.') != NULL) {
		struct in_addr m;
		uint32_t hm;

		if (inet_pton(AF_INET, slash, &m) != 1)
			return expr_fail(p, "bad netmask in '%s'", tok);
		hm = ntohl(m.s_addr);
		for (bits = 0; bits < 32 && (hm & (0x80000000u >> bits)); bits++)
			;
		if (bits < 32 && (hm << bits) != 0)
			return expr_fail(p, "netmask in '%s' is not contiguous", tok);
	} else {
		char *end;
		long v;

		errno = 0;
		v = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || errno != 0 || v < 0 || v > maxbits)
			return expr_fail(p, "bad prefix length in '%s'", tok);
		bits = (int)v;
	}
	/* host bits: the interval of the whole prefix (10.0.0.5/8 is 10.0.0.0/8) */
	if (fam == 4)
		bits += 96;
	mask = bits >= 128 ? 0 : U128_MAX >> bits;
	return iset_push(out, lo & ~mask, lo | mask);
}

static int
port_parse_num(const char *s, size_t len, det_u128 *v)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (n > 65535)
		return -1;
	*v = n;
	return 0;
}

/* "80", "1024:", ":1023", "1:1024", "any". */
static int
port_parse_atom(struct expr_parser *p, const char *tok, struct iset *out)
{
	const char *colon;
	det_u128 lo = 0, hi = 65535;

	if (strcasecmp(tok, "any") == 0)
		return iset_push(out, 0, 65535);
	if ((colon = strchr(tok, ':')) == NULL) {
		if (port_parse_num(tok, strlen(tok), &lo) != 0)
			return expr_fail(p, "bad value '%s'", tok);
		return iset_push(out, lo, lo);
	}
	if ((colon > tok && port_parse_num(tok, (size_t)(colon - tok), &lo) != 0) ||
	    (colon[1] != '\0' && port_parse_num(colon + 1, strlen(colon + 1), &hi) != 0) ||
	    (colon == tok && colon[1] == '\0'))
		return expr_fail(p, "bad range '%s'", tok);
	if (lo > hi)
		return expr_fail(p, "range '%s' is reversed", tok);
	return iset_push(out, lo, hi);
}

static int
expr_parse_var(struct expr_parser *p, const char **sp, struct iset *out)
{
	const char *s = *sp + 1, *name = s, *value;
	size_t len, i;
	int r;

	while (isalnum((unsigned char)*s) || *s == '_' || *s == '-')
		s++;
	len = (size_t)(s - name);
	if (len == 0)
		return expr_fail(p, "empty variable name");
	if ((value = vars_find(p->vars, p->is_port, name, len)) == NULL)
		return expr_fail(p, "unknown variable $%.*s", (int)len, name);
	for (i = 0; i < p->nstack; i++)
		if (p->stack[i] == value)
			return expr_fail(p, "variable loop through $%.*s", (int)len, name);
	if (p->nstack >= ADDR_VAR_DEPTH)
		return expr_fail(p, "variables nested too deep at $%.*s", (int)len, name);
	p->stack[p->nstack++] = value;
	{
		const char *vs = value;

		skip_ws(&vs);
		r = expr_parse(p, &vs, out);
		if (r == 0) {
			skip_ws(&vs);
			if (*vs != '\0')
				r = expr_fail(p, "trailing text in $%.*s", (int)len, name);
		}
	}
	p->nstack--;
	if (r == 0)
		*sp = s;
	return r;
}

/* One element: '!' element, '[' list ']', '$VAR', or an atom. Writes a normalized set. */
static int
expr_parse(struct expr_parser *p, const char **sp, struct iset *out)
{
	const char *s = *sp;
	int r;

	if (++p->nest > ADDR_NEST_MAX) {
		r = expr_fail(p, "nested too deep");
		goto out;
	}
	skip_ws(&s);
	if (*s == '!') {
		s++;
		p->negated = true;
		if ((r = expr_parse(p, &s, out)) != 0)
			goto out;
		r = iset_complement(out, p->max);
	} else if (*s == '[') {
		struct iset pos = {NULL, 0, 0}, neg = {NULL, 0, 0}, one = {NULL, 0, 0};
		bool any_pos = false;

		s++;
		for (;;) {
			bool negated = false;

			skip_ws(&s);
			if (*s == ']') {
				r = expr_fail(p, "empty list element");
				break;
			}
			if (*s == '!') {
				negated = true;
				p->negated = true;
				s++;
			}
			if ((r = expr_parse(p, &s, &one)) != 0)
				break;
			if (negated) {
				r = iset_union(&neg, &one);
			} else {
				any_pos = true;
				r = iset_union(&pos, &one);
			}
			iset_free(&one);
			if (r != 0)
				break;
			skip_ws(&s);
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s == ']') {
				s++;
				break;
			}
			r = expr_fail(
			    p, *s == '\0' ? "unterminated list" : "unexpected '%c' in list", *s);
			break;
		}
		iset_free(&one);
		/* a list of only negations means everything but them */
		if (r == 0 && !any_pos)
			r = iset_push(&pos, 0, p->max);
		if (r == 0)
			r = iset_subtract(&pos, &neg, p->max);
		iset_free(&neg);
		if (r != 0) {
			iset_free(&pos);
			goto out;
		}
		*out = pos;
	} else if (*s == '$') {
		r = expr_parse_var(p, &s, out);
	} else {
		char tok[160];
		size_t len = 0;

		while (!is_delim(s[len]) && s[len] != '[' && s[len] != '!')
			len++;
		if (len == 0) {
			r = expr_fail(p, *s == '\0' ? "missing value" : "unexpected '%c'", *s);
			goto out;
		}
		if (len >= sizeof(tok)) {
			r = expr_fail(p, "value too long");
			goto out;
		}
		memcpy(tok, s, len);
		tok[len] = '\0';
		s += len;
		r = p->is_port ? port_parse_atom(p, tok, out) : addr_parse_atom(p, tok, out);
		if (r == 0)
			iset_normalize(out);
	}
out:
	p->nest--;
	if (r == 0)
		*sp = s;
	else
		iset_free(out);
	return r;
}

static int
expr_parse_top(struct expr_parser *p, const char *text, struct iset *out)
{
	const char *s = text;
	int r;

	if ((r = expr_parse(p, &s, out)) != 0)
		return r;
	skip_ws(&s);
	if (*s != '\0') {
		iset_free(out);
		return expr_fail(p, "trailing text '%s' in '%s'", s, text);
	}
	if (out->n == 0) {
		iset_free(out);
		return expr_fail(p, "'%s' matches nothing", text);
	}
	return 0;
}

int
det_parse_addr(const struct det_vars *v, const char *text, struct det_ipset *out, char *err,
               size_t errlen)
{
	struct expr_parser p;
	struct iset s = {NULL, 0, 0};
	int r;

	memset(&p, 0, sizeof(p));
	p.vars = v;
	p.max = U128_MAX;
	p.err = err;
	p.errlen = errlen;
	if ((r = expr_parse_top(&p, text, &s)) != 0)
		return r == SW_E_NOMEM ? r : SW_E_INVAL;
	out->r = s.r;
	out->n = s.n;
	out->negated = p.negated;
	return 0;
}

int
det_parse_port(const struct det_vars *v, const char *text, struct det_portset *out, char *err,
               size_t errlen)
{
	struct expr_parser p;
	struct iset s = {NULL, 0, 0};
	struct det_portrange *pr;
	uint32_t i;
	int r;

	memset(&p, 0, sizeof(p));
	p.vars = v;
	p.is_port = true;
	p.max = 65535;
	p.err = err;
	p.errlen = errlen;
	if ((r = expr_parse_top(&p, text, &s)) != 0)
		return r == SW_E_NOMEM ? r : SW_E_INVAL;
	if ((pr = calloc(s.n, sizeof(*pr))) == NULL) {
		iset_free(&s);
		return SW_E_NOMEM;
	}
	for (i = 0; i < s.n; i++) {
		pr[i].lo = (uint16_t)s.r[i].lo;
		pr[i].hi = (uint16_t)s.r[i].hi;
	}
	iset_free(&s);
	out->r = pr;
	out->n = i;
	return 0;
}
