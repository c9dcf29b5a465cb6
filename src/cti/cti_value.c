/* src/cti/cti_value.c: indicator values: type names and guessing, canonical keys for addresses
 * and CIDR prefixes, host names (RFC 1035 labels), hashes, and URL normalization (RFC 3986
 * 6.2.2: case, percent-encoding, dot segments per 5.2.4; 6.2.3: default port, empty path). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cti/cti_int.h"

static const char *const cti_type_names[CTI_T_MAX] = {
    "ipv4", "ipv6", "domain", "url", "md5", "sha1", "sha256", "ja3", "ja4", "ja4s",
};

static const char *const cti_format_names[CTI_FMT_MAX] = {"auto", "csv", "plain", "stix"};

const char *
cti_type_name(int type)
{
	return type >= 0 && type < CTI_T_MAX ? cti_type_names[type] : "unknown";
}

const char *
cti_format_name(int format)
{
	return format >= 0 && format < CTI_FMT_MAX ? cti_format_names[format] : "unknown";
}

int
cti_type_parse(const char *name, size_t len)
{
	static const struct {
		const char *text;
		int type;
	} alias[] = {
	    {"ipv4", CTI_T_IPV4},
	    {"ipv6", CTI_T_IPV6},
	    {"ip", -2},
	    {"ip-src", -2},
	    {"ip-dst", -2},
	    {"cidr", -2},
	    {"domain", CTI_T_DOMAIN},
	    {"hostname", CTI_T_DOMAIN},
	    {"fqdn", CTI_T_DOMAIN},
	    {"domain-name", CTI_T_DOMAIN},
	    {"url", CTI_T_URL},
	    {"uri", CTI_T_URL},
	    {"md5", CTI_T_MD5},
	    {"sha1", CTI_T_SHA1},
	    {"sha-1", CTI_T_SHA1},
	    {"sha256", CTI_T_SHA256},
	    {"sha-256", CTI_T_SHA256},
	    {"ja3", CTI_T_JA3},
	    {"ja4", CTI_T_JA4},
	    {"ja4s", CTI_T_JA4S},
	};

	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strlen(alias[i].text) == len && strncasecmp(alias[i].text, name, len) == 0)
			return alias[i].type;
	return -1;
}

static int
cti_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
cti_all_hex(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (cti_hexval((unsigned char)v[i]) < 0)
			return false;
	return len > 0;
}

/* "addr" or "addr/plen" of the given family (4 or 6); the address is masked to the prefix. */
static int
cti_ip_parse(const char *v, size_t len, int family, uint8_t addr[16], unsigned *plen)
{
	char buf[64];
	const char *slash = memchr(v, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - v) : len;
	unsigned max = family == 4 ? 32 : 128, p = max;

	if (alen == 0 || alen >= sizeof(buf))
		return SW_E_INVAL;
	memcpy(buf, v, alen);
	buf[alen] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, buf, addr) != 1)
		return SW_E_INVAL;
	if (slash != NULL) {
		const char *d = slash + 1, *end = v + len;

		if (d == end || end - d > 3)
			return SW_E_INVAL;
		for (p = 0; d < end; d++) {
			if (!isdigit((unsigned char)*d))
				return SW_E_INVAL;
			p = p * 10 + (unsigned)(*d - '0');
		}
		if (p > max)
			return SW_E_RANGE;
	}
	for (unsigned bit = p; bit < max; bit++)
		addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	*plen = p;
	return 0;
}

int
cti_domain_normalize(const char *name, size_t len, char *buf, size_t size)
{
	size_t label = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > CTI_DOMAIN_MAX || len + 1 > size)
		return SW_E_INVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return SW_E_INVAL;
			label = 0;
			buf[i] = '.';
			continue;
		}
		if (!(isalnum(c) || c == '-' || c == '_'))
			return SW_E_INVAL;
		if (++label > 63)
			return SW_E_INVAL;
		buf[i] = (char)tolower(c);
	}
	buf[len] = '\0';
	return (int)len;
}

/* Whether v is "scheme://..." with a scheme of RFC 3986 characters; its length in *slen. */
static bool
cti_has_scheme(const char *v, size_t len, size_t *slen)
{
	size_t i = 0;

	if (len == 0 || !isalpha((unsigned char)v[0]))
		return false;
	while (i < len &&
	       (isalnum((unsigned char)v[i]) || v[i] == '+' || v[i] == '-' || v[i] == '.'))
		i++;
	if (len - i < 3 || memcmp(v + i, "://", 3) != 0)
		return false;
	*slen = i;
	return true;
}

/* A JA4 fingerprint: [tqd], 2 version characters, [di], 4 digits, 2 ALPN characters, "_", 12
 * hex digits, "_", 12 hex digits (any case). */
bool
cti_ja4_valid(const char *v, size_t len)
{
	if (len != 36 || v[10] != '_' || v[23] != '_')
		return false;
	if (strchr("tqdTQD", v[0]) == NULL || strchr("diDI", v[3]) == NULL)
		return false;
	for (size_t i = 1; i < 10; i++) {
		if (i == 3)
			continue;
		if (!isalnum((unsigned char)v[i]) || (i >= 4 && i <= 7 && !isdigit((unsigned char)v[i])))
			return false;
	}
	return cti_all_hex(v + 11, 12) && cti_all_hex(v + 24, 12);
}

/* A JA4S fingerprint: [tqd], 2 version characters, 2 digits, 2 ALPN characters, "_", 4 hex
 * digits, "_", 12 hex digits (any case). */
bool
cti_ja4s_valid(const char *v, size_t len)
{
	if (len != 25 || v[7] != '_' || v[12] != '_' || strchr("tqdTQD", v[0]) == NULL)
		return false;
	for (size_t i = 1; i < 7; i++)
		if (!isalnum((unsigned char)v[i]) || ((i == 3 || i == 4) && !isdigit((unsigned char)v[i])))
			return false;
	return cti_all_hex(v + 8, 4) && cti_all_hex(v + 13, 12);
}

int
cti_value_guess(const char *v, size_t len)
{
	uint8_t addr[16];
	unsigned plen;
	size_t slen;
	char buf[CTI_DOMAIN_MAX + 2];
	int n;

	if (cti_has_scheme(v, len, &slen))
		return CTI_T_URL;
	if (cti_ip_parse(v, len, 4, addr, &plen) == 0)
		return CTI_T_IPV4;
	if (memchr(v, ':', len) != NULL && cti_ip_parse(v, len, 6, addr, &plen) == 0)
		return CTI_T_IPV6;
	if (cti_ja4_valid(v, len))
		return CTI_T_JA4;
	if (cti_ja4s_valid(v, len))
		return CTI_T_JA4S;
	if (cti_all_hex(v, len)) {
		if (len == 32)
			return CTI_T_MD5;
		if (len == 40)
			return CTI_T_SHA1;
		if (len == 64)
			return CTI_T_SHA256;
	}
	if ((n = cti_domain_normalize(v, len, buf, sizeof(buf))) > 0) {
		const char *dot = memrchr(buf, '.', (size_t)n);

		/* a dot, and a last label that is not a number (1.2.3 is no host name) */
		if (dot != NULL && dot[1] != '\0' && !isdigit((unsigned char)dot[1]))
			return CTI_T_DOMAIN;
	}
	return -1;
}

/* ---- URL normalization ------------------------------------------------------------------- */

struct cti_wbuf {
	char *p;
	size_t len, size;
	bool full;
};

static void
cti_w(struct cti_wbuf *w, char c)
{
	if (w->len + 1 >= w->size) {
		w->full = true;
		return;
	}
	w->p[w->len++] = c;
}

static void
cti_wn(struct cti_wbuf *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cti_w(w, s[i]);
}

static bool
cti_unreserved(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Writes the path [p, end) with percent-encoding normalized and dot segments removed. */
static void
cti_url_path(struct cti_wbuf *w, const char *p, const char *end)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[3 * CTI_URL_MAX + 4];
	size_t n = 0, i = 0, start = w->len;

	/* percent-encoding first (RFC 3986 6.2.2.2), so %2E segments are dot segments too */
	tmp[n++] = '/';
	if (p < end && *p == '/')
		p++;
	for (; p < end && n + 3 < sizeof(tmp); p++) {
		int h, l;

		if (*p == '%' && end - p >= 3 && (h = cti_hexval((unsigned char)p[1])) >= 0 &&
		    (l = cti_hexval((unsigned char)p[2])) >= 0) {
			int c = h << 4 | l;

			if (cti_unreserved(c)) {
				tmp[n++] = (char)c;
			} else {
				tmp[n++] = '%';
				tmp[n++] = hex[h];
				tmp[n++] = hex[l];
			}
			p += 2;
			continue;
		}
		if (*p == '%') {
			/* a '%' that starts no escape is one: "%2%44" must not become "%2D" */
			tmp[n++] = '%';
			tmp[n++] = '2';
			tmp[n++] = '5';
			continue;
		}
		tmp[n++] = *p;
	}
	if (p < end)
		w->full = true;
	/* dot segments (RFC 3986 5.2.4), one segment at a time */
	while (i < n) {
		size_t j = i + 1, seg;
		bool last;

		while (j < n && tmp[j] != '/')
			j++;
		seg = j - i - 1;
		last = j == n;
		if (seg == 1 && tmp[i + 1] == '.') {
			if (last)
				cti_w(w, '/');
		} else if (seg == 2 && tmp[i + 1] == '.' && tmp[i + 2] == '.') {
			while (w->len > start && w->p[w->len - 1] != '/')
				w->len--;
			if (w->len > start)
				w->len--;
			if (last)
				cti_w(w, '/');
		} else {
			cti_wn(w, tmp + i, j - i);
		}
		i = j;
	}
	if (w->len == start)
		cti_w(w, '/');
}

int
cti_url_normalize(const char *url, size_t len, char *buf, size_t size)
{
	struct cti_wbuf w = {buf, 0, size, false};
	const char *p = url, *end = url + len, *auth, *host, *hend, *port = NULL, *at;
	size_t slen;
	unsigned long pv = 0;
	char scheme[16];
	size_t i;

	if (size == 0 || len == 0 || len > CTI_URL_MAX)
		return SW_E_INVAL;
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
			return SW_E_INVAL;
	if (cti_has_scheme(url, len, &slen)) {
		if (slen >= sizeof(scheme))
			return SW_E_INVAL;
		for (i = 0; i < slen; i++)
			scheme[i] = (char)tolower((unsigned char)url[i]);
		scheme[slen] = '\0';
		p = url + slen + 3;
	} else {
		memcpy(scheme, "http", 5);
		slen = 4;
	}
	cti_wn(&w, scheme, slen);
	cti_wn(&w, "://", 3);
	/* authority: up to the path, query or fragment */
	for (auth = p; p < end && *p != '/' && *p != '?' && *p != '#'; p++)
		;
	at = memrchr(auth, '@', (size_t)(p - auth));
	if (at != NULL)
		cti_wn(&w, auth, (size_t)(at - auth) + 1);
	host = at != NULL ? at + 1 : auth;
	if (host < p && *host == '[') {
		const char *rb = memchr(host, ']', (size_t)(p - host));

		if (rb == NULL)
			return SW_E_INVAL;
		hend = rb + 1;
	} else {
		hend = memchr(host, ':', (size_t)(p - host));
		if (hend == NULL)
			hend = p;
	}
	if (hend < p) {
		if (*hend != ':')
			return SW_E_INVAL;
		port = hend + 1;
	}
	while (hend > host && hend[-1] == '.' && *host != '[')
		hend--; /* "evil.example." is "evil.example" */
	if (hend == host)
		return SW_E_INVAL;
	for (const char *h = host; h < hend; h++)
		cti_w(&w, (char)tolower((unsigned char)*h));
	if (port != NULL && port < p) {
		const char *d;

		for (d = port; d < p; d++) {
			if (!isdigit((unsigned char)*d))
				return SW_E_INVAL;
			pv = pv * 10 + (unsigned long)(*d - '0');
			if (pv > 65535)
				return SW_E_INVAL;
		}
		if (!((pv == 80 && strcmp(scheme, "http") == 0) ||
		      (pv == 443 && strcmp(scheme, "https") == 0))) {
			char num[8];
			int n = snprintf(num, sizeof(num), ":%lu", pv);

			cti_wn(&w, num, (size_t)n);
		}
	}
	/* path, then the query as it is; the fragment is dropped */
	{
		const char *q = p;

		while (q < end && *q != '?' && *q != '#')
			q++;
		cti_url_path(&w, p, q);
		p = q;
	}
	if (p < end && *p == '?') {
		const char *hash = memchr(p, '#', (size_t)(end - p));

		cti_wn(&w, p, (size_t)((hash != NULL ? hash : end) - p));
	}
	if (w.full)
		return SW_E_INVAL;
	buf[w.len] = '\0';
	return (int)w.len;
}

/* ---- keys -------------------------------------------------------------------------------- */

int
cti_key_make(int type, const char *v, size_t len, struct cti_key *k, const char **why)
{
	uint8_t addr[16];
	unsigned plen;
	int n, r;

	switch (type) {
	case CTI_T_IPV4:
	case CTI_T_IPV6: {
		int fam = type == CTI_T_IPV4 ? 4 : 6;
		size_t alen = fam == 4 ? 4 : 16;

		if ((r = cti_ip_parse(v, len, fam, addr, &plen)) != 0) {
			*why = r == SW_E_RANGE ? "prefix length out of range"
			       : fam == 4      ? "not an IPv4 address or CIDR prefix"
			                       : "not an IPv6 address or CIDR prefix";
			return SW_E_INVAL;
		}
		k->bin[0] = (uint8_t)plen;
		memcpy(k->bin + 1, addr, alen);
		k->key = k->bin;
		k->key_len = 1 + alen;
		if (inet_ntop(fam == 4 ? AF_INET : AF_INET6, addr, k->text, sizeof(k->text)) ==
		    NULL) {
			*why = "not an address";
			return SW_E_INVAL;
		}
		k->text_len = strlen(k->text);
		if (plen < (fam == 4 ? 32u : 128u))
			k->text_len += (size_t)snprintf(k->text + k->text_len,
			                                sizeof(k->text) - k->text_len, "/%u", plen);
		return 0;
	}
	case CTI_T_DOMAIN:
		if (len > 2 && v[0] == '*' && v[1] == '.') {
			v += 2;
			len -= 2;
		}
		if ((n = cti_domain_normalize(v, len, k->text, sizeof(k->text))) < 0) {
			*why = "not a host name";
			return SW_E_INVAL;
		}
		k->text_len = (size_t)n;
		break;
	case CTI_T_URL:
		if (len > CTI_URL_MAX) {
			*why = "URL too long";
			return SW_E_INVAL;
		}
		if ((n = cti_url_normalize(v, len, k->text, sizeof(k->text))) < 0) {
			*why = "not a URL";
			return SW_E_INVAL;
		}
		k->text_len = (size_t)n;
		break;
	case CTI_T_MD5:
	case CTI_T_SHA1:
	case CTI_T_SHA256:
	case CTI_T_JA3: {
		size_t want = type == CTI_T_SHA1 ? 40 : type == CTI_T_SHA256 ? 64 : 32;

		if (len != want || !cti_all_hex(v, len)) {
			*why = type == CTI_T_SHA1     ? "not a SHA-1 (40 hex digits)"
			       : type == CTI_T_SHA256 ? "not a SHA-256 (64 hex digits)"
			       : type == CTI_T_MD5    ? "not an MD5 (32 hex digits)"
			                              : "not a JA3 hash (32 hex digits)";
			return SW_E_INVAL;
		}
		goto lower;
	}
	case CTI_T_JA4:
		if (!cti_ja4_valid(v, len)) {
			*why = "not a JA4 fingerprint (t13d1516h2_8daaf6152771_e5627efa2ab1)";
			return SW_E_INVAL;
		}
		goto lower;
	case CTI_T_JA4S:
		if (!cti_ja4s_valid(v, len)) {
			*why = "not a JA4S fingerprint (t120400_c030_4e8089b08790)";
			return SW_E_INVAL;
		}
	lower: /* hashes and fingerprints are kept lower-cased */
		for (size_t i = 0; i < len; i++)
			k->text[i] = (char)tolower((unsigned char)v[i]);
		k->text[len] = '\0';
		k->text_len = len;
		break;
	default:
		*why = "unknown type";
		return SW_E_INVAL;
	}
	k->key = k->text;
	k->key_len = k->text_len;
	return 0;
}

/* ---- dates and severities ---------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t
cti_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n decimal digits at *p into *v. */
static bool
cti_digits(const char **p, const char *end, int n, unsigned *v)
{
	unsigned x = 0;

	if (end - *p < n)
		return false;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		x = x * 10 + (unsigned)((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return true;
}

int
cti_time_parse(const char *s, size_t len, sw_time_t *out)
{
	const char *p = s, *end = s + len;
	unsigned y, mo, d, h = 0, mi = 0, sec = 0, usec = 0;
	int64_t t, off = 0;

	if (len == 0) {
		*out = 0;
		return 0;
	}
	if (memchr(s, '-', len) == NULL) { /* seconds since the epoch */
		uint64_t v = 0;

		for (; p < end; p++) {
			if (!isdigit((unsigned char)*p) || v > 1000000000000ULL)
				return SW_E_INVAL;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		*out = v * SW_USEC_PER_SEC;
		return 0;
	}
	if (!cti_digits(&p, end, 4, &y) || p == end || *p++ != '-' ||
	    !cti_digits(&p, end, 2, &mo) || p == end || *p++ != '-' || !cti_digits(&p, end, 2, &d))
		return SW_E_INVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return SW_E_INVAL;
	if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
		p++;
		if (!cti_digits(&p, end, 2, &h) || p == end || *p++ != ':' ||
		    !cti_digits(&p, end, 2, &mi))
			return SW_E_INVAL;
		if (p < end && *p == ':') {
			p++;
			if (!cti_digits(&p, end, 2, &sec))
				return SW_E_INVAL;
		}
		if (p < end && *p == '.') {
			unsigned scale = 100000;

			p++;
			if (p == end || !isdigit((unsigned char)*p))
				return SW_E_INVAL;
			for (; p < end && isdigit((unsigned char)*p); p++) {
				usec += (unsigned)(*p - '0') * scale;
				scale /= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return SW_E_INVAL;
		if (p < end && (*p == 'Z' || *p == 'z')) {
			p++;
		} else if (p < end && (*p == '+' || *p == '-')) {
			int sign = *p++ == '-' ? -1 : 1;
			unsigned oh, om = 0;

			if (!cti_digits(&p, end, 2, &oh))
				return SW_E_INVAL;
			if (p < end && *p == ':')
				p++;
			if (p < end && !cti_digits(&p, end, 2, &om))
				return SW_E_INVAL;
			off = sign * (int64_t)(oh * 3600 + om * 60);
		}
	}
	if (p != end)
		return SW_E_INVAL;
	t = cti_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	if (t < 0)
		return SW_E_RANGE;
	*out = (sw_time_t)t * SW_USEC_PER_SEC + usec;
	return 0;
}

int
cti_severity_parse(const char *s, size_t len, int *out)
{
	static const char *const names[] = {"critical", "high", "medium", "low", "info"};
	static const int values[] = {1, 1, 2, 3, 4};

	if (len == 1 && s[0] >= '1' && s[0] <= '4') {
		*out = s[0] - '0';
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == len && strncasecmp(names[i], s, len) == 0) {
			*out = values[i];
			return 0;
		}
	}
	return SW_E_INVAL;
}
