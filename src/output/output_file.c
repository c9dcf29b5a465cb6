/* src/output/output_file.c: the stdout and file sinks (buffered; the file one reopens its path
 * on SIGHUP so logrotate can move it away). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_int.h"

#define SINK_BUFSIZE (1 << 20)

struct output_sink {
	FILE *fp;
	char *path; /* NULL for stdout */
	char *buf;
};

static int
stdout_open(const struct output_conf *conf, struct output_sink **out)
{
	struct output_sink *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SW_E_NOMEM;
	s->fp = stdout;
	*out = s;
	return 0;
}

static int
sink_write(struct output_sink *s, int type, const char *buf, size_t len)
{
	(void)type;
	if (fwrite(buf, 1, len, s->fp) != len)
		return SW_E_IO;
	return 0;
}

static int
sink_flush(struct output_sink *s)
{
	return fflush(s->fp) == 0 ? 0 : SW_E_IO;
}

static void
stdout_close(struct output_sink *s)
{
	if (s == NULL)
		return;
	fflush(s->fp);
	free(s);
}

const struct output_sink_ops output_sink_stdout = {
	.name = "stdout",
	.open = stdout_open,
	.write = sink_write,
	.needs_lock = true,
	.flush = sink_flush,
	.reopen = NULL,
	.close = stdout_close,
};

static int
file_fopen(struct output_sink *s)
{
	if ((s->fp = fopen(s->path, "a")) == NULL) {
		sw_err("cannot open %s: %s", s->path, strerror(errno));
		return SW_E_IO;
	}
	setvbuf(s->fp, s->buf, _IOFBF, SINK_BUFSIZE);
	return 0;
}

static void
file_close(struct output_sink *s)
{
	if (s == NULL)
		return;
	if (s->fp != NULL)
		fclose(s->fp);
	free(s->path);
	free(s->buf);
	free(s);
}

static int
file_open(const struct output_conf *conf, struct output_sink **out)
{
	struct output_sink *s = NULL;
	struct sbuf path;
	int r;

	*out = NULL;
	sbuf_init(&path);
	if (conf->log_dir == NULL || conf->filename == NULL) {
		sw_err("the file output needs a log directory (-l DIR or outputs.log-dir)");
		r = SW_E_CONFIG;
		goto out;
	}
	sbuf_adds(&path, conf->log_dir);
	if (path.len > 0 && path.p[path.len - 1] != '/')
		sbuf_addc(&path, '/');
	sbuf_adds(&path, conf->filename);
	if (sbuf_failed(&path) || (s = calloc(1, sizeof(*s))) == NULL ||
	    (s->buf = malloc(SINK_BUFSIZE)) == NULL) {
		r = SW_E_NOMEM;
		goto out;
	}
	s->path = path.p;
	path.p = NULL;
	if ((r = file_fopen(s)) != 0)
		goto out;
	*out = s;
	s = NULL;
	r = 0;
out:
	sbuf_free(&path);
	file_close(s);
	return r;
}

static int
file_reopen(struct output_sink *s)
{
	FILE *old = s->fp;

	fflush(old);
	if (file_fopen(s) != 0) {
		s->fp = old; /* keep writing where we were rather than lose events */
		return SW_E_IO;
	}
	fclose(old);
	return 0;
}

const struct output_sink_ops output_sink_file = {
	.name = "file",
	.open = file_open,
	.write = sink_write,
	.needs_lock = true,
	.flush = sink_flush,
	.reopen = file_reopen,
	.close = file_close,
};
