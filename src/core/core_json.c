/* src/core/core_json.c: a small streaming JSON writer (RFC 8259) that always emits valid
 * UTF-8: bytes of invalid sequences from the wire are escaped as \u00XX. */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <math.h>
#include <string.h>

#include "core/core.h"

/* sbuf_addc and sbuf_add inlined for the room-left case (the writer's every character): the
 * call was a few percent of event writing; the rest goes to them */
static inline void
jw_addc(struct sbuf *b, char c)
{
	if (b->len + 2 <= b->cap && !b->failed) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
		return;
	}
	sbuf_addc(b, c);
}

static inline void
jw_add(struct sbuf *b, const void *p, size_t n)
{
	if (n < b->cap && b->len + n + 1 <= b->cap && !b->failed) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
		b->p[b->len] = '\0';
		return;
	}
	sbuf_add(b, p, n);
}

/* The 8 bytes at s are all printable ASCII that JSON takes as they are (no control byte, no
 * '"', no '\\', nothing from 0x80 up). Each test is the "has a zero byte" one: a borrow out
 * of a byte starts only at a byte that matches, and bytes from 0x80 up are rejected first. */
static inline bool
plain8(const uint8_t *s)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t v, q, bs;

	memcpy(&v, s, 8);
	q = v ^ (ones * '"');
	bs = v ^ (ones * '\\');
	return (((v - ones * 0x20) | (q - ones) | (bs - ones) | v) & high) == 0;
}

void
jw_init(struct jw *w, struct sbuf *b)
{
	w->b = b;
	w->depth = 0;
	w->nonempty = 0;
	sbuf_reset(b);
	jw_addc(b, '{');
}

void
jw_finish(struct jw *w)
{
	while (w->depth > 0)
		jw_obj_end(w);
	jw_add(w->b, "}\n", 2);
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid. */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void
json_escape(struct sbuf *b, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;

	jw_addc(b, '"');
	while (i < n) {
		uint8_t c;
		size_t len;
		char esc[6];

		if (n - i >= 8 && plain8(s + i)) {
			i += 8;
			run += 8;
			continue;
		}
		c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80 && (len = utf8_seq(s + i, n - i)) > 0) {
			i += len;
			run += len;
			continue;
		}
		if (run > 0)
			jw_add(b, s + i - run, run);
		run = 0;
		switch (c) {
		case '"':
			jw_add(b, "\\\"", 2);
			break;
		case '\\':
			jw_add(b, "\\\\", 2);
			break;
		case '\n':
			jw_add(b, "\\n", 2);
			break;
		case '\r':
			jw_add(b, "\\r", 2);
			break;
		case '\t':
			jw_add(b, "\\t", 2);
			break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			jw_add(b, esc, 6);
			break;
		}
		i++;
	}
	if (run > 0)
		jw_add(b, s + n - run, run);
	jw_addc(b, '"');
}

/* Comma and key for the next member. */
static void
jw_key(struct jw *w, const char *key)
{
	uint32_t bit = 1u << w->depth;

	if (w->nonempty & bit)
		jw_addc(w->b, ',');
	w->nonempty |= bit;
	if (key != NULL) {
		struct sbuf *b = w->b;
		size_t n = 0;

		/* keys are nearly always short names in plain ASCII: "key": in one copy when the
		 * key needs no escaping and the buffer has room, json_escape otherwise */
		while (key[n] >= 0x20 && key[n] != '"' && key[n] != '\\' && key[n] < 0x7f)
			n++;
		if (key[n] == '\0' && b->len + n + 4 <= b->cap && !b->failed) {
			char *o = b->p + b->len;

			o[0] = '"';
			memcpy(o + 1, key, n);
			o[n + 1] = '"';
			o[n + 2] = ':';
			o[n + 3] = '\0';
			b->len += n + 3;
			return;
		}
		json_escape(b, (const uint8_t *)key, strlen(key));
		jw_addc(b, ':');
	}
}

static void
jw_push(struct jw *w, char open)
{
	jw_addc(w->b, open);
	if (w->depth < 31)
		w->depth++;
	w->nonempty &= ~(1u << w->depth);
}

void
jw_obj_begin(struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_push(w, '{');
}

void
jw_obj_end(struct jw *w)
{
	jw_addc(w->b, '}');
	if (w->depth > 0)
		w->depth--;
}

void
jw_arr_begin(struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_push(w, '[');
}

void
jw_arr_end(struct jw *w)
{
	jw_addc(w->b, ']');
	if (w->depth > 0)
		w->depth--;
}

void
jw_str(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	json_escape(w->b, (const uint8_t *)val, strlen(val));
}

void
jw_strn(struct jw *w, const char *key, const void *val, size_t len)
{
	jw_key(w, key);
	json_escape(w->b, val, len);
}

void
jw_u64(struct jw *w, const char *key, uint64_t val)
{
	char d[20];
	size_t i = sizeof(d);

	jw_key(w, key);
	/* by hand: printf's machinery is a few percent of the pipeline at every number of every
	 * event */
	do {
		d[--i] = (char)('0' + val % 10);
		val /= 10;
	} while (val != 0);
	jw_add(w->b, d + i, sizeof(d) - i);
}

void
jw_i64(struct jw *w, const char *key, int64_t val)
{
	jw_key(w, key);
	sbuf_addf(w->b, "%" PRId64, val);
}

void
jw_bool(struct jw *w, const char *key, bool val)
{
	jw_key(w, key);
	if (val)
		jw_add(w->b, "true", 4);
	else
		jw_add(w->b, "false", 5);
}

void
jw_double(struct jw *w, const char *key, double val)
{
	jw_key(w, key);
	if (!isfinite(val))
		sbuf_adds(w->b, "null");
	else
		sbuf_addf(w->b, "%.6f", val);
}

void
jw_time(struct jw *w, const char *key, sw_time_t t)
{
	char ts[64];
	int n;

	/* the timestamp needs no escaping: written as it is */
	if ((n = sw_time_format(t, ts, sizeof(ts))) < 0)
		n = 0;
	jw_key(w, key);
	jw_addc(w->b, '"');
	jw_add(w->b, ts, (size_t)n);
	jw_addc(w->b, '"');
}
