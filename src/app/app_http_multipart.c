/* src/app/app_http_multipart.c: multipart/form-data request bodies split into their parts
 * (RFC 7578, RFC 2046 5.1.1); a part whose Content-Disposition has a filename is a file (as
 * Suricata 7), the others are form fields. */
/*
 *   preamble CRLF? "--" boundary *LWSP CRLF
 *   part-headers CRLF part-data CRLF "--" boundary *LWSP CRLF
 *   ...
 *   part-data CRLF "--" boundary "--" epilogue
 *
 * The body streams through once: the delimiter (CRLF "--" boundary) is matched byte by byte, and
 * the bytes of a partial match are held back (they are the delimiter's own, so nothing is
 * copied) until it matches or fails. A part's header block is gathered (at most
 * MP_HDR_MAX bytes; more: the body is malformed and nothing more is split).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app/app_http_int.h"

#define MP_HDR_MAX  4096

enum mp_state {
	MP_PREAMBLE = 0, /* before the first delimiter */
	MP_AFTER_DELIM,  /* the rest of the delimiter line: "--" ends the body */
	MP_HEADERS,      /* a part's header block */
	MP_DATA,         /* a part's data */
	MP_EPILOGUE,     /* after the close delimiter, or after an error */
};

struct http_multipart {
	struct sw_memcap *mem;
	uint8_t delim[4 + HTTP_BOUNDARY_MAX]; /* CRLF "--" boundary */
	size_t dlen;
	size_t matched; /* delimiter bytes matched (held back) */
	int state;
	bool in_part, closed, bad;
	size_t line_len;
	uint8_t line[2]; /* the first bytes of the delimiter line */
	size_t hdr_len;
	uint64_t off; /* body bytes written before the current call's unread ones */
	uint8_t hdr[MP_HDR_MAX];
};

static int
mp_lc(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

static bool
mp_ieq(const uint8_t *p, size_t n, const char *s)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (mp_lc(p[i]) != mp_lc((unsigned char)s[i]))
			return false;
	return true;
}

static struct app_buf
mp_trim(const uint8_t *p, size_t n)
{
	struct app_buf b;

	while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	b.p = p;
	b.len = n;
	return b;
}

/* The parameter key of a header value "type; k1=v1; k2="v2"" (quotes removed), or empty. */
static struct app_buf
mp_param(struct app_buf v, const char *key)
{
	struct app_buf none = {NULL, 0};
	size_t i = 0;

	while (i < v.len) {
		const uint8_t *semi = memchr(v.p + i, ';', v.len - i);
		size_t end = semi != NULL ? (size_t)(semi - v.p) : v.len;
		struct app_buf seg = mp_trim(v.p + i, end - i);
		const uint8_t *eq = memchr(seg.p, '=', seg.len);

		if (eq != NULL) {
			struct app_buf k = mp_trim(seg.p, (size_t)(eq - seg.p));
			struct app_buf val = mp_trim(eq + 1, seg.len - (size_t)(eq + 1 - seg.p));

			if (mp_ieq(k.p, k.len, key)) {
				if (val.len > 0 && val.p[0] == '"') {
					/* quoted: up to the closing quote (a ';' inside is kept) */
					const uint8_t *q = memchr(val.p + 1, '"', v.len - (size_t)(val.p + 1 - v.p));
					size_t n = q != NULL ? (size_t)(q - val.p - 1) : val.len - 1;
					val.p++;
					val.len = n;
				}
				return val;
			}
		}
		i = end + 1;
	}
	return none;
}

/* Whether a Content-Disposition value names a file as Suricata 7 finds one (app-layer-htp.c,
 * HtpRequestBodyMultipartParseHeader: HTTPParseContentDispositionHeader with "filename="): a
 * ';'-separated token (not inside quotes), blanks before it skipped, that starts "filename="
 * (any case) with at least one byte after the '=': filename="" names a file (with an empty
 * name); "filename=" alone, "filename =", and "filename*=" (RFC 5987) do not. */
static bool
mp_has_filename(struct app_buf v)
{
	size_t i = 0;

	while (i < v.len) {
		size_t s, e;
		bool q = false;

		while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t'))
			i++;
		s = i;
		for (e = s; e < v.len; e++) {
			bool esc = e > 0 && v.p[e - 1] == '\\';

			if (v.p[e] == '"' && !esc)
				q = !q;
			else if (v.p[e] == ';' && !q && !esc)
				break;
		}
		if (e - s > 9 && mp_ieq(v.p + s, 9, "filename="))
			return true;
		i = e + 1;
	}
	return false;
}

struct app_buf
http_multipart_boundary(struct app_buf ct)
{
	struct app_buf none = {NULL, 0}, b;
	static const char mt[] = "multipart/form-data";

	if (ct.len < sizeof(mt) - 1 || !mp_ieq(ct.p, sizeof(mt) - 1, mt))
		return none;
	b = mp_param(ct, "boundary");
	if (b.len == 0 || b.len > HTTP_BOUNDARY_MAX)
		return none;
	return b;
}

int
http_multipart_new(struct sw_memcap *mem, struct app_buf boundary, struct http_multipart **out)
{
	struct http_multipart *m;

	*out = NULL;
	if (boundary.len == 0 || boundary.len > HTTP_BOUNDARY_MAX)
		return SW_E_INVAL;
	if ((m = app_state_alloc(mem, sizeof(*m))) == NULL)
		return SW_E_MEMCAP;
	m->mem = mem;
	memcpy(m->delim, "\r\n--", 4);
	memcpy(m->delim + 4, boundary.p, boundary.len);
	m->dlen = 4 + boundary.len;
	m->matched = 2; /* the first delimiter may open the body without its CRLF */
	*out = m;
	return 0;
}

void
http_multipart_free(struct http_multipart *m)
{
	if (m == NULL)
		return;
	sw_memcap_give(m->mem, sizeof(*m));
	free(m);
}

/* Scans p[0..n) for the delimiter; data before it goes to the part (in MP_DATA). Returns the
 * bytes used; *found when the delimiter ended in them. */
static size_t
mp_scan(struct http_multipart *m, const uint8_t *p, size_t n, bool *found,
	const struct http_multipart_cb *cb)
{
	bool emit = m->state == MP_DATA && m->in_part;
	size_t i = 0;

	*found = false;
	while (i < n) {
		const uint8_t *cr;
		size_t end;

		if (m->matched > 0) {
			if (p[i] == m->delim[m->matched]) {
				i++;
				if (++m->matched == m->dlen) {
					m->matched = 0;
					*found = true;
					return i;
				}
				continue;
			}
			/* not the delimiter: the held bytes were data */
			if (emit && m->matched > 0)
				cb->data(cb->arg, m->delim, m->matched);
			m->matched = 0;
			continue;
		}
		cr = memchr(p + i, '\r', n - i);
		end = cr != NULL ? (size_t)(cr - p) : n;
		if (emit && end > i)
			cb->data(cb->arg, p + i, end - i);
		if (cr == NULL)
			return n;
		i = end + 1;
		m->matched = 1;
	}
	return n;
}

/* A part's header block is complete in m->hdr: its disposition and type. */
static void
mp_part_headers(struct http_multipart *m, uint64_t data_off, const struct http_multipart_cb *cb)
{
	struct http_part_info info;
	size_t off = 0;

	memset(&info, 0, sizeof(info));
	info.data_off = data_off;
	while (off < m->hdr_len) {
		const uint8_t *line = m->hdr + off, *nl, *colon;
		size_t ll;

		nl = memchr(line, '\n', m->hdr_len - off);
		ll = nl != NULL ? (size_t)(nl - line) : m->hdr_len - off;
		off += ll + 1;
		colon = memchr(line, ':', ll);
		if (colon == NULL)
			continue;
		struct app_buf name = mp_trim(line, (size_t)(colon - line));
		struct app_buf value = mp_trim(colon + 1, ll - (size_t)(colon + 1 - line));
		if (mp_ieq(name.p, name.len, "content-disposition")) {
			info.name = mp_param(value, "name");
			info.filename = mp_param(value, "filename");
			info.has_filename = mp_has_filename(value);
		} else if (mp_ieq(name.p, name.len, "content-type")) {
			info.content_type = value;
		}
	}
	m->in_part = true;
	cb->begin(cb->arg, &info);
}

void
http_multipart_write(struct http_multipart *m, const uint8_t *p, size_t n,
		     const struct http_multipart_cb *cb)
{
	while (n > 0) {
		size_t used = 0;
		bool found;

		switch (m->state) {
		case MP_PREAMBLE:
		case MP_DATA:
			used = mp_scan(m, p, n, &found, cb);
			if (found) {
				if (m->in_part) {
					cb->end(cb->arg, true);
					m->in_part = false;
				}
				m->state = MP_AFTER_DELIM;
				m->line_len = 0;
			}
			break;
		case MP_AFTER_DELIM: {
			const uint8_t *nl = memchr(p, '\n', n);
			size_t take = nl != NULL ? (size_t)(nl - p) + 1 : n;
			for (size_t i = 0; i < take && m->line_len < sizeof(m->line); i++)
				m->line[m->line_len++] = p[i];
			used = take;
			if (nl == NULL)
				break;
			if (m->line_len == 2 && m->line[0] == '-' && m->line[1] == '-') {
				m->closed = true;
				m->state = MP_EPILOGUE;
			} else {
				m->state = MP_HEADERS;
				m->hdr_len = 0;
			}
			break;
		}
		case MP_HEADERS: {
			const uint8_t *nl = memchr(p, '\n', n);
			size_t take = nl != NULL ? (size_t)(nl - p) + 1 : n;
			size_t e;
			if (take > MP_HDR_MAX - m->hdr_len) {
				m->bad = true;
				m->state = MP_EPILOGUE;
				break;
			}
			memcpy(m->hdr + m->hdr_len, p, take);
			m->hdr_len += take;
			used = take;
			if (nl == NULL)
				break;
			e = m->hdr_len - 1;
			if (e == 0 || (e == 1 && m->hdr[0] == '\r') || m->hdr[e - 1] == '\n' ||
			    (e >= 2 && m->hdr[e - 1] == '\r' && m->hdr[e - 2] == '\n')) {
				mp_part_headers(m, m->off + used, cb);
				m->state = MP_DATA;
				m->matched = 0;
			}
			break;
		}
		default: /* the epilogue: ignored */
			used = n;
			break;
		}
		p += used;
		n -= used;
		m->off += used;
	}
}

bool
http_multipart_end(struct http_multipart *m, const struct http_multipart_cb *cb)
{
	if (m->in_part) {
		cb->end(cb->arg, false);
		m->in_part = false;
	}
	return m->closed && !m->bad;
}
