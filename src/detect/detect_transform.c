/* src/detect/detect_transform.c: Suricata 7's transforms (docs.suricata.io, "Rules",
 * "Transformations"): dotprefix, strip_whitespace, compress_whitespace, to_lowercase,
 * to_uppercase, to_md5, to_sha1, to_sha256, url_decode, pcrexform, header_lowercase,
 * strip_pseudo_headers and xor, parsed for a sticky buffer and applied to it before its list is
 * matched. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

static const struct {
	const char *name;
	uint8_t kind;
	bool value; /* takes a value (pcrexform) */
} xf_names[] = {
    {"dotprefix", DET_XF_DOTPREFIX, false},
    {"strip_whitespace", DET_XF_STRIP_WS, false},
    {"compress_whitespace", DET_XF_COMPRESS_WS, false},
    {"to_lowercase", DET_XF_TO_LOWER, false},
    {"to_uppercase", DET_XF_TO_UPPER, false},
    {"to_md5", DET_XF_TO_MD5, false},
    {"to_sha1", DET_XF_TO_SHA1, false},
    {"to_sha256", DET_XF_TO_SHA256, false},
    {"url_decode", DET_XF_URL_DECODE, false},
    {"pcrexform", DET_XF_PCREXFORM, true},
    {"header_lowercase", DET_XF_HEADER_LOWER, false},
    {"strip_pseudo_headers", DET_XF_STRIP_PSEUDO, false},
    {"xor", DET_XF_XOR, true},
};

#define XF_NNAMES (sizeof(xf_names) / sizeof(xf_names[0]))

bool
det_xform_known(const char *kw)
{
	for (size_t i = 0; i < XF_NNAMES; i++)
		if (strcmp(xf_names[i].name, kw) == 0)
			return true;
	return false;
}

/* The value of a hex digit (isxdigit checked by the caller). */
static uint8_t
hexdig(uint8_t ch)
{
	return (uint8_t)(isdigit(ch) ? ch - '0' : tolower(ch) - 'a' + 10);
}

/* xor:"<hex key>" as Suricata 7 takes it: quoted, an even number of hex digits, at most 255
 * bytes. */
static int
xf_xor_parse(const char *kw, const char *v, size_t n, struct det_xform *out, char *err,
             size_t errlen)
{
	struct det_xor_key *key;
	size_t nhex, i;

	if (n < 2 || v[0] != '"' || v[n - 1] != '"') {
		snprintf(err, errlen, "%s: expected a quoted hex key (xor:\"0d0ac8ff\")", kw);
		return SW_E_INVAL;
	}
	nhex = n - 2;
	if (nhex == 0 || nhex % 2 != 0 || nhex / 2 > 255) {
		snprintf(err, errlen, "%s: the key must be 1 to 255 bytes of hex (an even number of "
		         "digits), got %zu digits", kw, nhex);
		return SW_E_INVAL;
	}
	for (i = 1; i <= nhex; i++) {
		if (!isxdigit((unsigned char)v[i])) {
			snprintf(err, errlen, "%s: '%c' is not a hex digit", kw, v[i]);
			return SW_E_INVAL;
		}
	}
	if ((key = malloc(sizeof(*key) + nhex / 2)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return SW_E_NOMEM;
	}
	key->len = nhex / 2;
	for (i = 0; i < key->len; i++)
		key->b[i] = (uint8_t)(hexdig((uint8_t)v[1 + 2 * i]) << 4 | hexdig((uint8_t)v[2 + 2 * i]));
	out->kind = DET_XF_XOR;
	out->code = key;
	return 0;
}

int
det_xform_parse(const char *kw, const char *v, struct det_xform *out, char *err, size_t errlen)
{
	size_t i, n;
	char pat[1024];
	int errcode;
	uint32_t ncap = 0;
	PCRE2_SIZE erroff;
	pcre2_code *code;

	for (i = 0; i < XF_NNAMES; i++)
		if (strcmp(xf_names[i].name, kw) == 0)
			break;
	if (i == XF_NNAMES) {
		snprintf(err, errlen, "%s: not a transform", kw);
		return SW_E_INVAL;
	}
	if (!xf_names[i].value) {
		if (v != NULL) {
			snprintf(err, errlen, "%s: takes no value", kw);
			return SW_E_INVAL;
		}
		out->kind = xf_names[i].kind;
		out->code = NULL;
		return 0;
	}
	n = v != NULL ? strlen(v) : 0;
	if (xf_names[i].kind == DET_XF_XOR)
		return xf_xor_parse(kw, v, n, out, err, errlen);
	/* pcrexform:"<regex>": the buffer becomes the first capture of the match */
	if (n < 2 || v[0] != '"' || v[n - 1] != '"' || n - 2 >= sizeof(pat)) {
		snprintf(err, errlen, "%s: expected \"regex\"", kw);
		return SW_E_INVAL;
	}
	memcpy(pat, v + 1, n - 2);
	pat[n - 2] = '\0';
	code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		snprintf(err, errlen, "%s: compile error at offset %zu: %s", kw, (size_t)erroff,
			 (char *)msg);
		return SW_E_INVAL;
	}
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (ncap < 1) {
		pcre2_code_free(code);
		snprintf(err, errlen, "%s: the regex has no capture group", kw);
		return SW_E_INVAL;
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	out->kind = DET_XF_PCREXFORM;
	out->code = code;
	return 0;
}

void
det_xform_free(struct det_xform *x)
{
	if (x != NULL && x->code != NULL) {
		if (x->kind == DET_XF_XOR)
			free(x->code);
		else
			pcre2_code_free((pcre2_code *)x->code);
		x->code = NULL;
	}
}

bool
det_xform_prefilter(const struct det_list *l, struct det_content *c)
{
	bool dot = false, lower = false;

	for (uint8_t i = 0; i < l->nxf; i++) {
		switch (l->xf[i].kind) {
		case DET_XF_DOTPREFIX:
			dot = true;
			break;
		case DET_XF_TO_LOWER:
			lower = true;
			break;
		default:
			return false; /* the buffer changes too much for a fast pattern */
		}
	}
	if (dot && c->len > 0 && c->pat[0] == '.') {
		/* "." + buf holds ".evil.com": buf holds "evil.com" */
		if (c->flags & DET_C_FAST_CHOP) {
			if (c->fp_off == 0) {
				if (c->fp_len < 2)
					return false;
				c->fp_off = 1;
				c->fp_len--;
			}
		} else {
			if (c->len < 2)
				return false;
			c->flags |= DET_C_FAST_CHOP;
			c->fp_off = 1;
			c->fp_len = c->len - 1;
		}
	}
	if (lower)
		c->flags |= DET_C_FAST_NOCASE;
	return true;
}

/* One transform of in[0..len) into out (cap bytes); the new length, or -1 when it does not
 * fit or fails. */
static long
xf_one(const struct det_xform *x, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
       pcre2_match_data *md)
{
	size_t o = 0, i;

	switch (x->kind) {
	case DET_XF_DOTPREFIX:
		if (len + 1 > cap)
			return -1;
		out[0] = '.';
		memcpy(out + 1, in, len);
		return (long)len + 1;
	case DET_XF_STRIP_WS:
		for (i = 0; i < len; i++)
			if (!isspace(in[i]))
				out[o++] = in[i];
		return (long)o;
	case DET_XF_COMPRESS_WS:
		/* a run of whitespace keeps its first character */
		for (i = 0; i < len; i++)
			if (!isspace(in[i]) || o == 0 || !isspace(out[o - 1]))
				out[o++] = in[i];
		return (long)o;
	case DET_XF_TO_LOWER:
		for (i = 0; i < len; i++)
			out[i] = (uint8_t)tolower(in[i]);
		return (long)len;
	case DET_XF_TO_UPPER:
		for (i = 0; i < len; i++)
			out[i] = (uint8_t)toupper(in[i]);
		return (long)len;
	case DET_XF_TO_MD5:
	case DET_XF_TO_SHA1:
	case DET_XF_TO_SHA256: {
		const EVP_MD *md_type = x->kind == DET_XF_TO_MD5    ? EVP_md5()
					: x->kind == DET_XF_TO_SHA1 ? EVP_sha1()
								    : EVP_sha256();
		unsigned int dl = 0;

		if (cap < EVP_MAX_MD_SIZE || EVP_Digest(in, len, out, &dl, md_type, NULL) != 1)
			return -1;
		return (long)dl;
	}
	case DET_XF_URL_DECODE:
		/* %XX with two hex digits, and '+' as a space; anything else as is */
		for (i = 0; i < len; i++) {
			if (in[i] == '%' && i + 2 < len && isxdigit(in[i + 1]) && isxdigit(in[i + 2])) {
				out[o++] = (uint8_t)(hexdig(in[i + 1]) << 4 | hexdig(in[i + 2]));
				i += 2;
			} else {
				out[o++] = in[i] == '+' ? ' ' : in[i];
			}
		}
		return (long)o;
	case DET_XF_PCREXFORM: {
		PCRE2_SIZE *ov;
		int rc = pcre2_match((const pcre2_code *)x->code, in, len, 0, 0, md, NULL);

		if (rc < 2)
			return -1; /* no match, or the group did not take part */
		ov = pcre2_get_ovector_pointer(md);
		if (ov[2] == PCRE2_UNSET || ov[3] < ov[2])
			return -1;
		memcpy(out, in + ov[2], ov[3] - ov[2]);
		return (long)(ov[3] - ov[2]);
	}
	case DET_XF_HEADER_LOWER: {
		/* "Name: value" lines: the names lower-cased */
		bool in_name = true;

		for (i = 0; i < len; i++) {
			uint8_t ch = in[i];

			if (ch == '\n')
				in_name = true;
			else if (ch == ':')
				in_name = false;
			else if (in_name)
				ch = (uint8_t)tolower(ch);
			out[i] = ch;
		}
		return (long)len;
	}
	case DET_XF_STRIP_PSEUDO:
		/* lines that start with ':' (HTTP/2's pseudo-headers) go, line end included */
		for (i = 0; i < len;) {
			size_t e = i;

			while (e < len && in[e] != '\n')
				e++;
			if (e < len)
				e++;
			if (in[i] != ':') {
				memcpy(out + o, in + i, e - i);
				o += e - i;
			}
			i = e;
		}
		return (long)o;
	case DET_XF_XOR: {
		const struct det_xor_key *key = x->code;

		for (i = 0; i < len; i++)
			out[i] = in[i] ^ key->b[i % key->len];
		return (long)len;
	}
	default:
		return -1;
	}
}

const uint8_t *
det_xform_apply(const struct det_list *l, const uint8_t *in, size_t len, uint8_t *out,
		uint8_t *tmp, size_t cap, size_t *outlen, void *md)
{
	const uint8_t *cur = in;
	uint8_t *dst = out;

	if (len > cap)
		return NULL;
	for (uint8_t i = 0; i < l->nxf; i++) {
		long n = xf_one(&l->xf[i], cur, len, dst, cap, (pcre2_match_data *)md);

		if (n < 0)
			return NULL;
		cur = dst;
		len = (size_t)n;
		dst = dst == out ? tmp : out;
	}
	*outlen = len;
	return cur;
}
