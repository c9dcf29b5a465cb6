/* tests/fuzz/fuzz_ssh.c: fuzz target for the SSH parser (app_ssh.c): banners and the KEXINIT
 * read for HASSH. */
/*
 * The input is a script of chunks on one flow, as in fuzz_tls.c: a control byte c (bit 0
 * direction, bit 1 a gap of the chunk's length, bit 2 small: length (c >> 3) + 1, else
 * ((c >> 3) + 1) * 64) and the data. Then the flow ends and the state is freed. Invariants,
 * checked with abort(): at most one message, an SSH one, whose buffers are readable (ASan);
 * a side's HASSH is 32 hex digits with a string of at least 3 bytes (the ';'s), or empty with
 * no string; the memory charged goes back to 0.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "fuzz.h"
#include "stream/stream.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void
fz_touch(struct app_buf b)
{
	volatile uint8_t sink = 0;

	FUZZ_ASSERT(b.len == 0 || b.p != NULL);
	for (size_t i = 0; i < b.len; i++)
		sink ^= b.p[i];
	(void)sink;
}

static void
fz_side(const struct app_ssh_banner *b)
{
	size_t n = strlen(b->hassh);

	fz_touch(b->proto);
	fz_touch(b->software);
	fz_touch(b->hassh_string);
	FUZZ_ASSERT(n == 0 || n == 32);
	FUZZ_ASSERT(n == 0 ? b->hassh_string.len == 0 : b->hassh_string.len >= 3);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((b->hassh[i] >= '0' && b->hassh[i] <= '9') ||
		            (b->hassh[i] >= 'a' && b->hassh[i] <= 'f'));
}

static void
fz_emit(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	int *n = arg;

	(void)f;
	FUZZ_ASSERT(m->kind == APP_MSG_SSH && m->u.ssh != NULL);
	FUZZ_ASSERT(++*n == 1);
	fz_side(&m->u.ssh->client);
	fz_side(&m->u.ssh->server);
}

int
fuzz_ssh_one(const uint8_t *data, size_t size)
{
	struct sw_memcap mem;
	struct app_stats st;
	struct app_ctx ctx;
	size_t off = 0;
	int n = 0;
	void *state;

	memset(&mem, 0, sizeof(mem));
	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	ctx.emit = fz_emit;
	ctx.arg = &n;
	ctx.st = &st;
	ctx.mem = &mem;
	if ((state = app_parser_ssh.state_new(&mem)) == NULL)
		return 0;
	while (off < size) {
		uint8_t c = data[off++];
		enum flow_dir dir = (c & 1) ? FLOW_TO_CLIENT : FLOW_TO_SERVER;
		size_t len = (c & 4) ? (size_t)(c >> 3) + 1 : ((size_t)(c >> 3) + 1) * 64;

		if (c & 2) {
			app_parser_ssh.stream(&ctx, state, dir, NULL, len, 0);
			continue;
		}
		if (len > size - off)
			len = size - off;
		app_parser_ssh.stream(&ctx, state, dir, data + off, len, 0);
		off += len;
	}
	app_parser_ssh.flow_end(&ctx, state);
	app_parser_ssh.state_free(state);
	FUZZ_ASSERT(n <= 1 && st.messages[APP_SSH] == (uint64_t)n && mem.memuse == 0);
	return 0;
}

FUZZ_ENTRY(fuzz_ssh_one)
