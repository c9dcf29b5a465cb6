/* tests/fuzz/fuzz_replay.c: runs the fuzz targets without libFuzzer, over their seed corpora and
 * deterministic mutations of each seed, and reports one TAP line per (target, directory).
 *
 *   fuzz_replay TARGET PATH... [TARGET PATH...]...
 *
 * TARGET is decode, pcap or conf; a PATH that is a directory runs every regular file in it (in
 * name order) and its mutations; a PATH that is a file runs that file alone, as it is (to replay
 * a crash-* file libFuzzer saved). Each PATH runs in a child process, so a crash or an abort()
 * is a "not ok" naming the input, and the mutated input that crashed is written to the current
 * directory as fuzz-replay-crash-TARGET-N. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"
#include "fuzz.h"

#define REPLAY_TRUNC_HEAD 64  /* truncations at every length up to this */
#define REPLAY_TRUNC_TAIL 16  /* and the last this many lengths */
#define REPLAY_FLIPS      256 /* seeded random mutations per file */
#define REPLAY_TIMEOUT    600 /* seconds per directory */

typedef int fuzz_one_fn(const uint8_t *data, size_t size);

struct replay_target {
	const char *name;
	fuzz_one_fn *fn;
};

static const struct replay_target replay_targets[] = {
    {"decode", fuzz_decode_one},
    {"pcap", fuzz_pcap_one},
    {"conf", fuzz_conf_one},
    {"stream", fuzz_stream_one},
    {"dns", fuzz_dns_one},
    {"tls", fuzz_tls_one},
    {"quic", fuzz_quic_one},
    {"http", fuzz_http_one},
    {"cti_csv", fuzz_cti_csv_one},
    {"cti_plain", fuzz_cti_plain_one},
    {"cti_kafka", fuzz_cti_kafka_one},
    {"cti_stix", fuzz_cti_stix_one},
    {"rule", fuzz_rule_one},
    {"dataset", fuzz_dataset_one},
    {"iprep", fuzz_iprep_one},
    {"detect", fuzz_detect_one},
    {"starttls", fuzz_starttls_one},
    {"report", fuzz_report_one},
    {"ssh", fuzz_ssh_one},
    {"frame", fuzz_frame_one},
    {NULL, NULL},
};

/* Shared with the child: what it is running now, so the parent can name a crashing input. */
struct replay_progress {
	char file[512];
	long mutation; /* -1: the file as it is */
	unsigned long files, inputs;
};

static struct replay_progress *progress;

static const struct replay_target *
replay_target_find(const char *name)
{
	size_t i;

	for (i = 0; replay_targets[i].name != NULL; i++)
		if (strcmp(replay_targets[i].name, name) == 0)
			return &replay_targets[i];
	return NULL;
}

/* xorshift64*: the same mutations on every run and every machine. */
static uint64_t
replay_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static int
replay_read(const char *path, uint8_t **out, size_t *outlen)
{
	FILE *fp;
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	int r = SW_E_IO;

	if ((fp = fopen(path, "rb")) == NULL)
		return SW_E_IO;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				r = SW_E_NOMEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp))
		goto out;
	*out = buf;
	*outlen = len;
	buf = NULL;
	r = 0;
out:
	fclose(fp);
	free(buf);
	return r;
}

/*
 * Mutation number k of seed (k >= 0): first truncations (every length below
 * REPLAY_TRUNC_HEAD, then the REPLAY_TRUNC_TAIL lengths just below the full size), then
 * REPLAY_FLIPS copies with 1 to 8 bytes changed. Writes the mutant into out (at least len
 * bytes) and its length; returns 0, or 1 when k is past the last mutation.
 */
static int
replay_mutate(const uint8_t *seed, size_t len, long k, uint8_t *out, size_t *outlen)
{
	static const uint8_t interesting[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff, 0x40};
	size_t head = len < REPLAY_TRUNC_HEAD ? len : REPLAY_TRUNC_HEAD;
	size_t tail = len > REPLAY_TRUNC_HEAD ? len - REPLAY_TRUNC_HEAD : 0;
	uint64_t s;
	int i, n;

	if (tail > REPLAY_TRUNC_TAIL)
		tail = REPLAY_TRUNC_TAIL;
	if ((size_t)k < head) {
		memcpy(out, seed, (size_t)k);
		*outlen = (size_t)k;
		return 0;
	}
	k -= (long)head;
	if ((size_t)k < tail) {
		*outlen = len - 1 - (size_t)k;
		memcpy(out, seed, *outlen);
		return 0;
	}
	k -= (long)tail;
	if (k >= REPLAY_FLIPS || len == 0)
		return 1;
	s = sw_hash64(seed, len, (uint64_t)k + 1) | 1;
	memcpy(out, seed, len);
	*outlen = len;
	n = 1 + (int)(replay_rand(&s) % 8);
	for (i = 0; i < n; i++) {
		uint64_t v = replay_rand(&s);
		size_t pos = (size_t)(v >> 8) % len;

		/* Headers are at the front: aim half of the changes at the first 64 bytes. */
		if ((v & 1) && len > 64)
			pos %= 64;
		switch ((v >> 1) & 3) {
		case 0:
			out[pos] ^= (uint8_t)(1u << ((v >> 3) & 7));
			break;
		case 1:
			out[pos] = interesting[(v >> 3) % sizeof(interesting)];
			break;
		default:
			out[pos] = (uint8_t)(v >> 40);
			break;
		}
	}
	/* and sometimes a cut as well */
	if ((replay_rand(&s) & 3) == 0)
		*outlen = (size_t)(replay_rand(&s) % len);
	return 0;
}

/* Runs fn over one file and, unless alone, its mutations. 0, or -1 when it cannot be read. */
static int
replay_file(const struct replay_target *t, const char *path, int alone)
{
	uint8_t *seed = NULL, *mut = NULL;
	size_t len = 0, mlen;
	long k;

	if (replay_read(path, &seed, &len) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(progress->file, sizeof(progress->file), "%s", path);
	progress->mutation = -1;
	progress->files++;
	progress->inputs++;
	/* exact-size copies, so an over-read of the input itself is caught too */
	if ((mut = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(mut, seed, len);
	t->fn(mut, len);
	if (!alone) {
		for (k = 0; replay_mutate(seed, len, k, mut, &mlen) == 0; k++) {
			uint8_t *exact = malloc(mlen ? mlen : 1);

			if (exact == NULL)
				abort();
			memcpy(exact, mut, mlen);
			progress->mutation = k;
			progress->inputs++;
			t->fn(exact, mlen);
			free(exact);
		}
	}
	free(mut);
	free(seed);
	return 0;
}

static int
replay_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The child: every regular file of dir, in name order. Exit status 0 when all ran. */
static int
replay_dir(const struct replay_target *t, const char *dir)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, **nn;
	size_t n = 0, i;
	int r = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 2;
	}
	while ((de = readdir(d)) != NULL) {
		struct sbuf path;
		struct stat stt;

		if (de->d_name[0] == '.')
			continue;
		sbuf_init(&path);
		sbuf_adds(&path, dir);
		sbuf_addc(&path, '/');
		sbuf_adds(&path, de->d_name);
		sbuf_addc(&path, '\0');
		if (sbuf_failed(&path) || stat(path.p, &stt) != 0 || !S_ISREG(stt.st_mode)) {
			sbuf_free(&path);
			continue;
		}
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL)
			abort();
		names = nn;
		names[n++] = path.p; /* the list owns it now */
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "%s: no seed files\n", dir);
		r = 3;
	}
	qsort(names, n, sizeof(*names), replay_name_cmp);
	for (i = 0; i < n; i++) {
		if (r == 0 && replay_file(t, names[i], 0) != 0)
			r = 2;
		free(names[i]);
	}
	free(names);
	return r;
}

/* Writes the input the child crashed on, regenerated from the seed and the mutation number. */
static void
replay_save_crash(const char *target, int num)
{
	uint8_t *seed = NULL, *mut = NULL;
	size_t len, mlen;
	char out[128];
	FILE *fp;

	if (progress->mutation < 0 || replay_read(progress->file, &seed, &len) != 0)
		return;
	if ((mut = malloc(len ? len : 1)) != NULL &&
	    replay_mutate(seed, len, progress->mutation, mut, &mlen) == 0) {
		snprintf(out, sizeof(out), "fuzz-replay-crash-%s-%d", target, num);
		if ((fp = fopen(out, "wb")) != NULL) {
			if (fwrite(mut, 1, mlen, fp) == mlen)
				printf("#   saved as %s\n", out);
			fclose(fp);
		}
	}
	free(mut);
	free(seed);
}

/* One TAP line for target over path; returns 1 when it passed. */
static int
replay_run(const struct replay_target *t, const char *path, int num)
{
	struct stat stt;
	pid_t pid;
	int status, alone;

	alone = stat(path, &stt) == 0 && S_ISREG(stt.st_mode);
	memset(progress, 0, sizeof(*progress));
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		printf("not ok %d - %s %s: fork: %s\n", num, t->name, path, strerror(errno));
		return 0;
	}
	if (pid == 0) {
		alarm(REPLAY_TIMEOUT);
		exit(alone ? (replay_file(t, path, 1) == 0 ? 0 : 2) : replay_dir(t, path));
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			printf("not ok %d - %s %s: waitpid: %s\n", num, t->name, path,
			       strerror(errno));
			return 0;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %d - %s %s (%lu files, %lu inputs)\n", num, t->name, path,
		       progress->files, progress->inputs);
		return 1;
	}
	if (WIFSIGNALED(status))
		printf("not ok %d - %s %s: killed by signal %d%s\n", num, t->name, path,
		       WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	else
		printf("not ok %d - %s %s: exit status %d\n", num, t->name, path,
		       WEXITSTATUS(status));
	if (progress->file[0] != '\0') {
		if (progress->mutation < 0)
			printf("#   on %s\n", progress->file);
		else
			printf("#   on %s, mutation %ld\n", progress->file, progress->mutation);
		replay_save_crash(t->name, num);
	}
	return 0;
}

static void
replay_usage(void)
{
	fprintf(stderr,
	        "usage: fuzz_replay TARGET PATH... [TARGET PATH...]...\n"
	        "  TARGET: decode, pcap, conf; PATH: a corpus directory or one input file\n");
}

int
main(int argc, char **argv)
{
	const struct replay_target *t = NULL;
	int i, num = 0, failed = 0;

	if (argc < 3) {
		replay_usage();
		return 2;
	}
	progress = mmap(NULL, sizeof(*progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	                -1, 0);
	if (progress == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		const struct replay_target *nt = replay_target_find(argv[i]);

		if (nt != NULL) {
			t = nt;
			continue;
		}
		if (t == NULL) {
			fprintf(stderr, "fuzz_replay: unknown target '%s'\n", argv[i]);
			replay_usage();
			return 2;
		}
		num++;
		if (!replay_run(t, argv[i], num))
			failed++;
	}
	printf("1..%d\n", num);
	munmap(progress, sizeof(*progress));
	return failed ? 1 : 0;
}
