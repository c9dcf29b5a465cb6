/* src/app/app_http_body.c: HTTP content codings undone as browsers undo them: gzip, x-gzip,
 * deflate (zlib or raw), br, zstd, stacked (RFC 9110 8.4, 1950, 1951, 1952, 7932, 8878, 9659). */
/*
 * A chain is one decoder per coding, the last applied first:
 *
 *   wire bytes -> layer 0 (last coding) -> layer 1 -> ... -> layer n-1 -> decoded bytes
 *
 * Each layer pushes what it decodes into the next from a buffer on the stack, so a chain holds
 * no buffer of its own but its decoders' state. The decisions follow Chromium (net/filter), the
 * browser the sensor must agree with:
 *   - gzip: the header (with FEXTRA, FNAME, FCOMMENT, FHCRC; the header CRC is not checked) is
 *     read here, the data is raw deflate, and the 8-byte trailer is read but not enforced: a
 *     wrong or missing CRC-32 / ISIZE is noted (HTTP_DEC_GZIP_TRAILER), not an error; bytes after
 *     the member are ignored (HTTP_DEC_TRAILING).
 *   - deflate: zlib-wrapped; when that fails before any output, the bytes are replayed as raw
 *     deflate (HTTP_DEC_RAW_DEFLATE).
 *   - br: libbrotlidec; bytes after the end are ignored.
 *   - zstd: libzstd streaming, window at most 8 MiB (RFC 9659), frames one after another.
 * Every decoder's memory is charged to the worker's app memory (zlib and brotli through their
 * allocator hooks, zstd by its reported size after each call); a refusal stops the body.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "app/app_http_int.h"

#define LAYER_BUF 8192     /* output buffer per layer, on the stack */
#define REPLAY_MAX 256     /* deflate bytes kept to replay as raw deflate */
#define ZSTD_WINDOW_LOG 23 /* 8 MiB, RFC 9659 */

enum layer_phase {
	LP_GZ_HEADER = 0, /* reading the gzip header */
	LP_DATA = 1,      /* the coded data */
	LP_GZ_TRAILER = 2, /* the gzip CRC-32 and ISIZE */
	LP_DONE = 3,      /* the coded stream ended: the rest is ignored */
};

struct layer {
	uint8_t coding;
	uint8_t phase;
	bool z_init, replaying, replay_full, zs_ended;
	z_stream z;
	BrotliDecoderState *br;
	ZSTD_DStream *zs;
	size_t zs_charged;
	/* gzip header: the fixed part, then the optional fields */
	uint8_t gz_fixed[10];
	uint8_t gz_fixed_len;
	uint8_t gz_flags;
	uint8_t gz_field; /* the optional field being read: 0 none, 1 XLEN, 2 extra, 3 name,
			     4 comment, 5 HCRC */
	uint32_t gz_need;  /* bytes left of the current field */
	uint32_t gz_crc;   /* CRC-32 of the decoded bytes */
	uint32_t gz_size;  /* their count, modulo 2^32 */
	uint8_t gz_trailer[8];
	uint8_t gz_trailer_len;
	/* deflate: the first bytes, to replay as raw deflate */
	uint8_t replay[REPLAY_MAX];
	size_t replay_len;
	uint64_t in, out;
};

struct http_chain {
	struct sw_memcap *mem;
	unsigned n;
	unsigned flags;
	int err; /* the first error: nothing more is decoded */
	const struct app_decompress_limits *lim;
	http_chain_out_fn *fn;
	void *arg;
	struct layer layers[];
};

/* ---- memory of the decoders, charged to the worker ----------------------------------------- */

union mem_head {
	size_t size;
	max_align_t align;
};

static void *
mem_alloc(struct sw_memcap *mem, size_t size)
{
	union mem_head *h;
	size_t total;

	if (size > SIZE_MAX - sizeof(*h))
		return NULL;
	total = size + sizeof(*h);
	if (!sw_memcap_take(mem, total))
		return NULL;
	if ((h = malloc(total)) == NULL) {
		sw_memcap_give(mem, total);
		return NULL;
	}
	h->size = total;
	return h + 1;
}

static void
mem_free(struct sw_memcap *mem, void *p)
{
	union mem_head *h;

	if (p == NULL)
		return;
	h = (union mem_head *)p - 1;
	sw_memcap_give(mem, h->size);
	free(h);
}

static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
	if (size != 0 && items > SIZE_MAX / size)
		return Z_NULL;
	return mem_alloc(opaque, (size_t)items * size);
}

static void
z_free(voidpf opaque, voidpf p)
{
	mem_free(opaque, p);
}

static void *
br_alloc(void *opaque, size_t size)
{
	return mem_alloc(opaque, size);
}

static void
br_free(void *opaque, void *p)
{
	mem_free(opaque, p);
}

/* ---- the chain ---------------------------------------------------------------------------- */

static int
layer_init(struct http_chain *c, struct layer *l)
{
	switch (l->coding) {
	case HTTP_CODING_GZIP:
	case HTTP_CODING_DEFLATE:
		memset(&l->z, 0, sizeof(l->z));
		l->z.zalloc = z_alloc;
		l->z.zfree = z_free;
		l->z.opaque = c->mem;
		if (inflateInit2(&l->z, l->coding == HTTP_CODING_GZIP ? -MAX_WBITS : MAX_WBITS) !=
		    Z_OK)
			return SW_E_MEMCAP;
		l->z_init = true;
		l->phase = l->coding == HTTP_CODING_GZIP ? LP_GZ_HEADER : LP_DATA;
		l->gz_crc = (uint32_t)crc32(0L, Z_NULL, 0);
		return 0;
	case HTTP_CODING_BR:
		if ((l->br = BrotliDecoderCreateInstance(br_alloc, br_free, c->mem)) == NULL)
			return SW_E_MEMCAP;
		l->phase = LP_DATA;
		return 0;
	case HTTP_CODING_ZSTD:
		if ((l->zs = ZSTD_createDStream()) == NULL)
			return SW_E_NOMEM;
		ZSTD_DCtx_setParameter(l->zs, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG);
		l->zs_charged = ZSTD_sizeof_DStream(l->zs);
		if (!sw_memcap_take(c->mem, l->zs_charged)) {
			l->zs_charged = 0;
			return SW_E_MEMCAP;
		}
		l->phase = LP_DATA;
		return 0;
	default:
		return SW_E_INVAL;
	}
}

static void
layer_fini(struct http_chain *c, struct layer *l)
{
	if (l->z_init)
		inflateEnd(&l->z);
	l->z_init = false;
	if (l->br != NULL)
		BrotliDecoderDestroyInstance(l->br);
	l->br = NULL;
	if (l->zs != NULL)
		ZSTD_freeDStream(l->zs);
	l->zs = NULL;
	sw_memcap_give(c->mem, l->zs_charged);
	l->zs_charged = 0;
}

int
http_chain_new(struct sw_memcap *mem, const uint8_t *codings, unsigned n, struct http_chain **out)
{
	struct http_chain *c;
	size_t size;
	unsigned i;
	int r;

	*out = NULL;
	if (n == 0 || n > HTTP_CODINGS_MAX)
		return SW_E_INVAL;
	size = sizeof(*c) + n * sizeof(c->layers[0]);
	if ((c = app_state_alloc(mem, size)) == NULL)
		return SW_E_MEMCAP;
	c->mem = mem;
	c->n = n;
	for (i = 0; i < n; i++)
		c->layers[i].coding = codings[n - 1 - i]; /* the last applied is undone first */
	for (i = 0; i < n; i++) {
		if ((r = layer_init(c, &c->layers[i])) != 0) {
			http_chain_free(c);
			return r;
		}
	}
	*out = c;
	return 0;
}

void
http_chain_free(struct http_chain *c)
{
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		layer_fini(c, &c->layers[i]);
	sw_memcap_give(c->mem, sizeof(*c) + c->n * sizeof(c->layers[0]));
	free(c);
}

unsigned
http_chain_flags(const struct http_chain *c)
{
	return c != NULL ? c->flags : 0;
}

static int layer_write(struct http_chain *c, unsigned i, const uint8_t *p, size_t n);

/* Output of layer i: counted, bounded, handed to the next layer (or out of the chain). */
static int
layer_out(struct http_chain *c, unsigned i, const uint8_t *p, size_t n)
{
	struct layer *l = &c->layers[i];

	if (n == 0)
		return 0;
	l->out += n;
	if (l->coding == HTTP_CODING_GZIP) {
		l->gz_crc = (uint32_t)crc32(l->gz_crc, p, (uInt)n);
		l->gz_size += (uint32_t)n;
	}
	if (i + 1 < c->n)
		return layer_write(c, i + 1, p, n);
	c->fn(c->arg, p, n);
	return 0;
}

/* Whether layer l has decoded past a bound (then it stops). */
static bool
layer_limited(const struct app_decompress_limits *lim, const struct layer *l, uint64_t in_now)
{
	if (lim == NULL)
		return false;
	if (lim->max_bytes != 0 && l->out >= lim->max_bytes)
		return true;
	return lim->max_ratio != 0 && l->out > APP_DECOMPRESS_RATIO_FROM &&
	       l->out / lim->max_ratio > l->in + in_now;
}

/* Room for the next output of l within max_bytes. */
static size_t
layer_room(const struct app_decompress_limits *lim, const struct layer *l)
{
	size_t room = LAYER_BUF;

	if (lim != NULL && lim->max_bytes != 0 && lim->max_bytes - l->out < room)
		room = (size_t)(lim->max_bytes - l->out);
	return room;
}

/* Reads gzip header bytes; returns how many of p it used (the header may end inside). */
static size_t
gzip_header(struct http_chain *c, struct layer *l, const uint8_t *p, size_t n, int *err)
{
	size_t used = 0;

	while (used < n && l->phase == LP_GZ_HEADER) {
		if (l->gz_fixed_len < sizeof(l->gz_fixed)) {
			l->gz_fixed[l->gz_fixed_len++] = p[used++];
			if (l->gz_fixed_len < sizeof(l->gz_fixed))
				continue;
			/* ID1 ID2 CM FLG MTIME(4) XFL OS */
			if (l->gz_fixed[0] != 0x1f || l->gz_fixed[1] != 0x8b || l->gz_fixed[2] != 8) {
				*err = SW_E_INVAL;
				return used;
			}
			/* reserved flag bits: Chromium ignores them (Firefox refuses) */
			if (l->gz_fixed[3] & 0xe0)
				c->flags |= HTTP_DEC_GZIP_RESERVED;
			l->gz_flags = l->gz_fixed[3] & 0x1e; /* FHCRC FEXTRA FNAME FCOMMENT */
			if (l->gz_flags & (0x04 | 0x10 | 0x02))
				c->flags |= HTTP_DEC_GZIP_FIELDS;
			l->gz_field = 0;
			if (l->gz_flags == 0) {
				l->phase = LP_DATA;
				break;
			}
			continue; /* the fields, if there is more input */
		}
		/* the optional fields, in order: FEXTRA (0x04), FNAME (0x08), FCOMMENT (0x10),
		 * FHCRC (0x02) */
		if (l->gz_field == 0) {
			if (l->gz_flags & 0x04) {
				l->gz_field = 1, l->gz_need = 2;
			} else if (l->gz_flags & 0x08) {
				l->gz_field = 3;
			} else if (l->gz_flags & 0x10) {
				l->gz_field = 4;
			} else if (l->gz_flags & 0x02) {
				l->gz_field = 5, l->gz_need = 2;
			} else {
				l->phase = LP_DATA;
				break;
			}
		}
		switch (l->gz_field) {
		case 1: /* XLEN, little-endian */
			l->gz_need--;
			if (l->gz_need == 1)
				l->gz_size = p[used]; /* borrowed until the data starts */
			else
				l->gz_size |= (uint32_t)p[used] << 8;
			used++;
			if (l->gz_need == 0) {
				l->gz_flags &= (uint8_t)~0x04;
				l->gz_need = l->gz_size;
				l->gz_size = 0;
				l->gz_field = l->gz_need > 0 ? 2 : 0;
			}
			break;
		case 2: { /* the extra field's bytes */
			size_t take = n - used < l->gz_need ? n - used : l->gz_need;
			used += take;
			l->gz_need -= (uint32_t)take;
			if (l->gz_need == 0)
				l->gz_field = 0;
			break;
		}
		case 3: /* FNAME, then FCOMMENT: zero-terminated */
		case 4: {
			const uint8_t *z = memchr(p + used, 0, n - used);
			if (z == NULL) {
				used = n;
				break;
			}
			used = (size_t)(z - p) + 1;
			l->gz_flags &= (uint8_t)~(l->gz_field == 3 ? 0x08 : 0x10);
			l->gz_field = 0;
			break;
		}
		case 5: /* FHCRC: not checked (Chromium does not) */
			used++;
			if (--l->gz_need == 0) {
				l->gz_flags &= (uint8_t)~0x02;
				l->gz_field = 0;
			}
			break;
		default:
			break;
		}
	}
	return used;
}

/* Reads gzip trailer bytes; returns how many it used. */
static size_t
gzip_trailer(struct http_chain *c, struct layer *l, const uint8_t *p, size_t n)
{
	size_t take = sizeof(l->gz_trailer) - l->gz_trailer_len;
	uint32_t crc, size;

	if (take > n)
		take = n;
	memcpy(l->gz_trailer + l->gz_trailer_len, p, take);
	l->gz_trailer_len += (uint8_t)take;
	if (l->gz_trailer_len < sizeof(l->gz_trailer))
		return take;
	crc = (uint32_t)l->gz_trailer[0] | (uint32_t)l->gz_trailer[1] << 8 |
	      (uint32_t)l->gz_trailer[2] << 16 | (uint32_t)l->gz_trailer[3] << 24;
	size = (uint32_t)l->gz_trailer[4] | (uint32_t)l->gz_trailer[5] << 8 |
	       (uint32_t)l->gz_trailer[6] << 16 | (uint32_t)l->gz_trailer[7] << 24;
	if (crc != l->gz_crc || size != l->gz_size)
		c->flags |= HTTP_DEC_GZIP_TRAILER;
	l->phase = LP_DONE;
	return take;
}

/* Runs zlib over p[0..n); *used says how much it took. */
static int
z_run(struct http_chain *c, unsigned i, const uint8_t *p, size_t n, size_t *used)
{
	struct layer *l = &c->layers[i];
	uint8_t out[LAYER_BUF];
	int zr, r;

	l->z.next_in = (Bytef *)(uintptr_t)p;
	l->z.avail_in = (uInt)n;
	*used = 0;
	while (l->z.avail_in > 0) {
		size_t room, got;

		if (layer_limited(c->lim, l, n - l->z.avail_in))
			return SW_E_RANGE;
		room = layer_room(c->lim, l);
		l->z.next_out = out;
		l->z.avail_out = (uInt)room;
		zr = inflate(&l->z, Z_NO_FLUSH);
		got = room - l->z.avail_out;
		*used = n - l->z.avail_in;
		if (zr == Z_STREAM_END) {
			l->phase = l->coding == HTTP_CODING_GZIP ? LP_GZ_TRAILER : LP_DONE;
			return layer_out(c, i, out, got);
		}
		if (zr == Z_MEM_ERROR)
			return SW_E_MEMCAP;
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return SW_E_INVAL;
		if ((r = layer_out(c, i, out, got)) != 0)
			return r;
		if (zr == Z_BUF_ERROR && got == 0)
			break;
	}
	*used = n - l->z.avail_in;
	return 0;
}

/* deflate: zlib first; when that fails before any output, raw deflate over the same bytes
 * (what came before this call is in l->replay). */
static int
deflate_write(struct http_chain *c, unsigned i, const uint8_t *p, size_t n, size_t *used)
{
	struct layer *l = &c->layers[i];
	int r;

	r = z_run(c, i, p, n, used);
	if (l->replaying || l->out > 0)
		return r;
	if (r == 0) {
		/* nothing decoded yet: keep these bytes in case zlib fails later */
		if (l->replay_len + *used <= REPLAY_MAX) {
			memcpy(l->replay + l->replay_len, p, *used);
			l->replay_len += *used;
		} else {
			l->replay_full = true;
		}
		return 0;
	}
	if (r != SW_E_INVAL || l->replay_full)
		return r;
	/* not zlib: start again as raw deflate */
	l->replaying = true;
	c->flags |= HTTP_DEC_RAW_DEFLATE;
	inflateEnd(&l->z);
	l->z_init = false;
	memset(&l->z, 0, sizeof(l->z));
	l->z.zalloc = z_alloc;
	l->z.zfree = z_free;
	l->z.opaque = c->mem;
	if (inflateInit2(&l->z, -MAX_WBITS) != Z_OK)
		return SW_E_MEMCAP;
	l->z_init = true;
	l->phase = LP_DATA;
	if (l->replay_len > 0 && (r = z_run(c, i, l->replay, l->replay_len, used)) != 0)
		return r;
	if (l->phase != LP_DATA) {
		*used = 0; /* ended inside the replayed bytes: this call's bytes are after the end */
		return 0;
	}
	return z_run(c, i, p, n, used);
}

static int
br_write(struct http_chain *c, unsigned i, const uint8_t *p, size_t n, size_t *used)
{
	struct layer *l = &c->layers[i];
	const uint8_t *in = p;
	size_t avail_in = n;

	while (l->phase == LP_DATA) {
		uint8_t out[LAYER_BUF], *next_out = out;
		size_t room, avail_out;
		BrotliDecoderResult br;
		int r;

		if (layer_limited(c->lim, l, n - avail_in))
			return SW_E_RANGE;
		room = avail_out = layer_room(c->lim, l);
		br = BrotliDecoderDecompressStream(l->br, &avail_in, &in, &avail_out, &next_out, NULL);
		if (br == BROTLI_DECODER_RESULT_ERROR)
			return BrotliDecoderGetErrorCode(l->br) <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
					       BrotliDecoderGetErrorCode(l->br) >=
						       BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES
				   ? SW_E_MEMCAP
				   : SW_E_INVAL;
		if (br == BROTLI_DECODER_RESULT_SUCCESS)
			l->phase = LP_DONE;
		if ((r = layer_out(c, i, out, room - avail_out)) != 0)
			return r;
		if (br == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
			break;
	}
	*used = n - avail_in;
	return 0;
}

static int
zstd_write(struct http_chain *c, unsigned i, const uint8_t *p, size_t n, size_t *used)
{
	struct layer *l = &c->layers[i];
	ZSTD_inBuffer in = {p, n, 0};

	for (;;) {
		uint8_t out[LAYER_BUF];
		ZSTD_outBuffer ob = {out, 0, 0};
		size_t zr, now;
		int r;

		if (layer_limited(c->lim, l, in.pos))
			return SW_E_RANGE;
		ob.size = layer_room(c->lim, l);
		zr = ZSTD_decompressStream(l->zs, &ob, &in);
		/* the decoder grows its window as frames ask: charge what it holds now */
		now = ZSTD_sizeof_DStream(l->zs);
		if (now > l->zs_charged) {
			if (!sw_memcap_take(c->mem, now - l->zs_charged))
				return SW_E_MEMCAP;
			l->zs_charged = now;
		}
		if (ZSTD_isError(zr))
			return ZSTD_getErrorCode(zr) == ZSTD_error_memory_allocation ? SW_E_MEMCAP
										    : SW_E_INVAL;
		l->zs_ended = zr == 0; /* a frame ended and is flushed */
		if ((r = layer_out(c, i, out, ob.pos)) != 0)
			return r;
		/* done when all input is taken and the output buffer was not filled */
		if (in.pos == in.size && ob.pos < ob.size)
			break;
	}
	*used = in.pos;
	return 0;
}

/* Feeds n bytes to layer i. */
static int
layer_write(struct http_chain *c, unsigned i, const uint8_t *p, size_t n)
{
	struct layer *l = &c->layers[i];
	int r = 0;

	while (n > 0) {
		size_t used = 0;
		uint8_t phase = l->phase;

		switch (l->phase) {
		case LP_GZ_HEADER:
			used = gzip_header(c, l, p, n, &r);
			break;
		case LP_DATA:
			if (l->coding == HTTP_CODING_GZIP)
				r = z_run(c, i, p, n, &used);
			else if (l->coding == HTTP_CODING_DEFLATE)
				r = deflate_write(c, i, p, n, &used);
			else if (l->coding == HTTP_CODING_BR)
				r = br_write(c, i, p, n, &used);
			else
				r = zstd_write(c, i, p, n, &used);
			break;
		case LP_GZ_TRAILER:
			used = gzip_trailer(c, l, p, n);
			break;
		default: /* after the end: ignored, as browsers do */
			c->flags |= HTTP_DEC_TRAILING;
			used = n;
			break;
		}
		l->in += used;
		if (r != 0)
			return r;
		if (used == 0 && l->phase == phase)
			break; /* the decoder holds the rest (it asked for more input) */
		p += used;
		n -= used;
	}
	return 0;
}

int
http_chain_write(struct http_chain *c, const struct app_decompress_limits *lim, const uint8_t *p,
		 size_t n, http_chain_out_fn *fn, void *arg)
{
	int r;

	if (c->err != 0)
		return c->err;
	if (n == 0)
		return 0;
	c->lim = lim;
	c->fn = fn;
	c->arg = arg;
	r = layer_write(c, 0, p, n);
	if (r != 0) {
		c->err = r;
		for (unsigned i = 0; i < c->n; i++)
			layer_fini(c, &c->layers[i]); /* give the decoders' memory back now */
	}
	return r;
}

unsigned
http_chain_end(struct http_chain *c)
{
	unsigned i;

	if (c == NULL)
		return 0;
	for (i = 0; i < c->n && c->err == 0; i++) {
		const struct layer *l = &c->layers[i];

		if (l->phase == LP_GZ_TRAILER)
			c->flags |= HTTP_DEC_GZIP_TRAILER; /* short or missing: ignored */
		else if (l->coding == HTTP_CODING_ZSTD ? !l->zs_ended : l->phase != LP_DONE)
			c->flags |= HTTP_DEC_UNFINISHED;
	}
	return c->flags;
}
