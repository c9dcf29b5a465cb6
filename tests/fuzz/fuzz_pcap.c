/* tests/fuzz/fuzz_pcap.c: fuzz target for the "pcap-file" capture source (pcap and pcapng files
 * read with libpcap) and the decoder behind it: any bytes as a capture file. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "core/core.h"
#include "decode/decode.h"
#include "fuzz.h"

#define FUZZ_POLL_MAX 16

struct fuzz_pcap_state {
	struct decode_conf conf;
	struct decode_stats st;
	struct decode_ctx dc;
	uint64_t packets;
};

static char fuzz_pcap_path[64];
static int fuzz_pcap_fd = -1;

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_pcap_fail(__LINE__, #cond);                                           \
	} while (0)

static void
fuzz_pcap_fail(int line, const char *what)
{
	fprintf(stderr, "fuzz_pcap.c:%d: invariant violated: %s\n", line, what);
	abort();
}

static void
fuzz_pcap_cleanup(void)
{
	if (fuzz_pcap_fd >= 0) {
		close(fuzz_pcap_fd);
		unlink(fuzz_pcap_path);
		fuzz_pcap_fd = -1;
	}
}

/* One temporary file per process, rewritten for every input. */
static int
fuzz_pcap_write(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (fuzz_pcap_fd < 0) {
		const char *dir = getenv("TMPDIR");
		int n;

		if (dir == NULL || *dir == '\0' || strlen(dir) > sizeof(fuzz_pcap_path) - 24)
			dir = "/tmp";
		n = snprintf(fuzz_pcap_path, sizeof(fuzz_pcap_path), "%s/fuzz_pcap.XXXXXX", dir);
		if (n < 0 || (size_t)n >= sizeof(fuzz_pcap_path))
			return -1;
		if ((fuzz_pcap_fd = mkstemp(fuzz_pcap_path)) < 0)
			return -1;
		atexit(fuzz_pcap_cleanup);
	}
	if (ftruncate(fuzz_pcap_fd, 0) != 0)
		return -1;
	while (off < size) {
		ssize_t w = pwrite(fuzz_pcap_fd, data + off, size - off, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static void
fuzz_pcap_packet(struct sw_packet *p, void *arg)
{
	struct fuzz_pcap_state *s = arg;
	uint8_t *copy;
	int r;

	s->packets++;
	FUZZ_ASSERT(p->data != NULL || p->caplen == 0);
	/* Decode an exact-size copy so a read past caplen is caught even inside libpcap's buffer.
	 */
	if ((copy = malloc(p->caplen)) == NULL)
		return;
	if (p->caplen > 0)
		memcpy(copy, p->data, p->caplen);
	p->data = copy;
	decode_ctx_init(&s->dc, &s->conf, &s->st, false);
	r = decode_packet(&s->dc, p);
	FUZZ_ASSERT(r == 0 || r == SW_E_UNSUPP || r == SW_E_INVAL);
	FUZZ_ASSERT(p->encap_count <= SW_ENCAP_MAX);
	FUZZ_ASSERT(p->vlan_count <= SW_VLAN_MAX);
	FUZZ_ASSERT((uint64_t)p->payload_off + p->payload_len <= p->caplen);
	FUZZ_ASSERT(p->l3_off <= p->caplen && p->l4_off <= p->caplen);
	if (p->flags & SW_PKT_IP)
		FUZZ_ASSERT(p->family == 4 || p->family == 6);
	p->data = NULL;
	free(copy);
}

int
fuzz_pcap_one(const uint8_t *data, size_t size)
{
	const struct capture_ops *ops = capture_ops_find("pcap-file");
	struct fuzz_pcap_state s;
	struct capture_conf conf;
	struct capture_stats cst;
	struct capture *c = NULL;
	char *files[1];
	const char *const *names;
	size_t nnames;
	int r, polls = 0;

	FUZZ_ASSERT(ops != NULL);
	if (fuzz_pcap_write(data, size) != 0)
		return 0;
	memset(&conf, 0, sizeof(conf));
	files[0] = fuzz_pcap_path;
	conf.files.v = files;
	conf.files.n = 1;
	if (ops->open(&conf, &c) != 0) {
		FUZZ_ASSERT(c == NULL);
		return 0;
	}
	FUZZ_ASSERT(c != NULL);
	memset(&s, 0, sizeof(s));
	s.conf.checksum_mode = (size & 1) ? DECODE_CSUM_ALL : DECODE_CSUM_NONE;
	names = ops->sources(c, &nnames);
	FUZZ_ASSERT(nnames == 1 && names != NULL && strcmp(names[0], fuzz_pcap_path) == 0);
	/* Every record costs at least 16 bytes of input, so this loop ends; the bound is a guard.
	 */
	while ((r = ops->poll(c, fuzz_pcap_packet, &s, FUZZ_POLL_MAX)) > 0) {
		FUZZ_ASSERT(r <= FUZZ_POLL_MAX);
		FUZZ_ASSERT(++polls <= (int)(size / 16) + 2);
	}
	FUZZ_ASSERT(r == 0 || r < 0);
	ops->stats(c, &cst);
	FUZZ_ASSERT(cst.packets == s.packets);
	FUZZ_ASSERT(cst.files_read == 1);
	FUZZ_ASSERT(sw_counter_get(&s.st.pkts) == s.packets);
	/* at the end of the input, polling again delivers nothing */
	if (r == 0)
		FUZZ_ASSERT(ops->poll(c, fuzz_pcap_packet, &s, FUZZ_POLL_MAX) == 0);
	ops->close(c);
	ops->close(NULL);
	return 0;
}

FUZZ_ENTRY(fuzz_pcap_one)
