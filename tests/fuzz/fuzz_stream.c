/* tests/fuzz/fuzz_stream.c: fuzz target for TCP reassembly. The input is a script of segments
 * on one flow (direction, flags, sequence offset, length, window, urgent pointer) under a
 * policy, depth and memcap it also chooses. Invariants, checked with abort():
 *   - each direction's chunks come with contiguous offsets (in order, no overlap, no hole
 *     that is not reported as a gap);
 *   - delivered data never exceeds the depth;
 *   - held memory never exceeds the memcap and returns to zero when the flow ends. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stream/stream.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

struct fz {
	uint64_t next_off[2];
	uint64_t data_bytes[2];
	uint64_t depth;
	int finished[2];
};

static bool
fz_data(void *arg, struct sw_flow *f, enum flow_dir dir, const uint8_t *data, size_t len,
	uint64_t offset, unsigned flags)
{
	struct fz *z = arg;
	volatile uint8_t sink = 0;
	size_t i;

	(void)f;
	FUZZ_ASSERT(offset == z->next_off[dir]);
	z->next_off[dir] = offset + len;
	if (!(flags & STREAM_CHUNK_GAP)) {
		FUZZ_ASSERT(len == 0 || data != NULL);
		for (i = 0; i < len; i++) /* every byte readable (ASan) */
			sink ^= data[i];
		z->data_bytes[dir] += len;
		if (z->depth != 0)
			FUZZ_ASSERT(offset + len <= z->depth);
	}
	(void)sink;
	return true;
}

int
fuzz_stream_one(const uint8_t *in, size_t size)
{
	static const uint32_t memcaps[] = {1 << 12, 1 << 16, 1 << 20, 1 << 24};
	struct stream_conf conf;
	struct stream_worker *w = NULL;
	struct sw_flow flow;
	struct fz z;
	uint8_t *payload;
	size_t pos;
	uint32_t isn[2];

	if (size < 12)
		return 0;
	memset(&conf, 0, sizeof(conf));
	memset(&flow, 0, sizeof(flow));
	memset(&z, 0, sizeof(z));
	conf.enabled = true;
	conf.default_policy = in[0] % STREAM_POLICY_MAX;
	conf.depth = (in[1] & 0x80) ? 0 : (uint64_t)(in[1] & 0x7f) * 64;
	conf.memcap = memcaps[in[2] & 3];
	conf.max_ooo_segments = 1 + in[3];
	conf.midstream = (in[2] & 4) == 0;
	conf.urgent = (in[2] & 8) ? STREAM_URGENT_INLINE : STREAM_URGENT_OOB;
	z.depth = conf.depth;
	isn[0] = (uint32_t)in[4] << 24 | (uint32_t)in[5] << 16 | 0xfff0u;
	isn[1] = (uint32_t)in[6] << 24 | (uint32_t)in[7] << 8;
	flow.proto = 6;
	flow.family = 4;
	if (stream_worker_new(&conf, conf.memcap, fz_data, NULL, &z, &w) != 0)
		return 0;
	if ((payload = malloc(1024)) == NULL) {
		stream_worker_free(w);
		return 0;
	}
	for (pos = 12; pos + 8 <= size; pos += 8) {
		const uint8_t *op = in + pos;
		struct sw_packet p;
		enum flow_dir dir = (enum flow_dir)(op[0] & 1);
		uint16_t rel = (uint16_t)(op[2] << 8 | op[3]);
		size_t len = op[4] * 4u;
		size_t i;

		for (i = 0; i < len; i++)
			payload[i] = (uint8_t)(rel + i);
		memset(&p, 0, sizeof(p));
		p.data = payload;
		p.payload_len = (uint32_t)len;
		p.caplen = p.wirelen = (uint32_t)len + 54;
		p.flags = SW_PKT_IP | SW_PKT_L4;
		p.proto = 6;
		p.family = 4;
		p.tcp_flags = op[1];
		p.tcp_seq = isn[dir] + ((op[1] & SW_TH_SYN) ? 0 : 1u + rel - (op[0] & 0x80 ? 40 : 0));
		p.tcp_ack = isn[!dir] + 1 + (uint32_t)(op[5] << 8 | op[6]);
		p.tcp_win = (uint16_t)(op[7] << 8);
		p.tcp_wscale = (op[0] & 0x40) ? (op[0] >> 1 & 15) : 0xff;
		p.tcp_urp = (op[0] & 0x20) ? op[5] : 0;
		stream_packet(w, &flow, dir, &p);
		FUZZ_ASSERT(sw_counter_get(&stream_worker_stats(w)->memuse) <= conf.memcap);
	}
	stream_flow_end(w, &flow, NULL);
	FUZZ_ASSERT(flow.stream == NULL);
	FUZZ_ASSERT(sw_counter_get(&stream_worker_stats(w)->memuse) == 0);
	stream_worker_free(w);
	free(payload);
	return 0;
}

FUZZ_ENTRY(fuzz_stream_one)
