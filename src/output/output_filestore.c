/* src/output/output_filestore.c: the file store, as Suricata 7's file-store v2 (docs.suricata.io,
 * "File Extraction" and "File-store (File Extraction)"): a file that a filestore rule (or
 * outputs.file-store.force-filestore) asks for is written once per content as
 *
 *   <dir>/<first two hex digits of its SHA-256>/<SHA-256>
 *
 * through <dir>/tmp/file.<file_id> and a rename, so a reader never sees half a file; a content
 * already there is not written again (its time is updated, as Suricata does). With
 * write-fileinfo, the file's fileinfo event goes beside it as <file>.<seconds>.<file_id>.json.
 *
 * The directories (<dir>, 00 .. ff, tmp) are made by filestore_setup() before the sensor drops
 * its privileges. The bytes come whole with the file message (the HTTP parser keeps a body up
 * to stream-depth in app.memcap while a file store wants it): nothing stays open between
 * packets, so max-open-files has nothing to bound (it is read and accepted).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "output/output_int.h"

#define FS_PATH_MAX 4096

struct filestore {
	const struct filestore_conf *conf;
	_Atomic uint32_t *next_id; /* shared by the workers: file_id, from 1 */
	struct filestore_stats st;
};

static const struct conf_key filestore_keys[] = {
    {"outputs.file-store.enabled", CONF_BOOL, offsetof(struct filestore_conf, enabled), "no", 0,
     0, NULL},
    {"outputs.file-store.version", CONF_U32, offsetof(struct filestore_conf, version), "2", 2, 2,
     NULL},
    {"outputs.file-store.dir", CONF_STR, offsetof(struct filestore_conf, dir), "filestore", 0, 0,
     NULL},
    {"outputs.file-store.write-fileinfo", CONF_BOOL,
     offsetof(struct filestore_conf, write_fileinfo), "no", 0, 0, NULL},
    {"outputs.file-store.force-filestore", CONF_BOOL,
     offsetof(struct filestore_conf, force_filestore), "no", 0, 0, NULL},
    {"outputs.file-store.stream-depth", CONF_SIZE, offsetof(struct filestore_conf, stream_depth),
     "1mb", 0, INT64_MAX, NULL},
    {"outputs.file-store.max-open-files", CONF_U32,
     offsetof(struct filestore_conf, max_open_files), "0", 0, UINT32_MAX, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL},
};

int
filestore_conf_load(struct conf_doc *doc, struct filestore_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	return conf_apply(doc, filestore_keys, conf);
}

void
filestore_conf_free(struct filestore_conf *conf)
{
	free(conf->path);
	conf->path = NULL;
	conf_struct_free(filestore_keys, conf);
}

/* dir made when missing; an error names key and dir */
static int
make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	sw_err("outputs.file-store.dir: cannot make %s: %s", dir,
	       errno == EEXIST ? "not a directory" : strerror(errno));
	return SW_E_CONFIG;
}

int
filestore_setup(struct filestore_conf *conf, const char *log_dir)
{
	char p[FS_PATH_MAX];
	int n;

	if (!conf->enabled)
		return 0;
	free(conf->path);
	conf->path = NULL;
	/* a relative dir is inside outputs.log-dir, as Suricata's default-log-dir */
	if (conf->dir[0] != '/' && log_dir != NULL)
		n = snprintf(p, sizeof(p), "%s/%s", log_dir, conf->dir);
	else
		n = snprintf(p, sizeof(p), "%s", conf->dir);
	if (n < 0 || (size_t)n >= sizeof(p) - 80) {
		sw_err("outputs.file-store.dir: path too long");
		return SW_E_CONFIG;
	}
	if ((conf->path = strdup(p)) == NULL)
		return SW_E_NOMEM;
	if (make_dir(conf->path) != 0)
		return SW_E_CONFIG;
	for (int i = 0; i <= 0xff; i++) {
		snprintf(p, sizeof(p), "%s/%02x", conf->path, i);
		if (make_dir(p) != 0)
			return SW_E_CONFIG;
	}
	snprintf(p, sizeof(p), "%s/tmp", conf->path);
	if (make_dir(p) != 0)
		return SW_E_CONFIG;
	if (access(conf->path, W_OK | X_OK) != 0) {
		sw_err("outputs.file-store.dir: %s: %s", conf->path, strerror(errno));
		return SW_E_CONFIG;
	}
	return 0;
}

int
filestore_new(const struct filestore_conf *conf, _Atomic uint32_t *next_id, struct filestore **out)
{
	struct filestore *fs;

	if ((fs = calloc(1, sizeof(*fs))) == NULL)
		return SW_E_NOMEM;
	fs->conf = conf;
	fs->next_id = next_id;
	*out = fs;
	return 0;
}

void
filestore_free(struct filestore *fs)
{
	free(fs);
}

const struct filestore_stats *
filestore_get_stats(const struct filestore *fs)
{
	return &fs->st;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return SW_E_IO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The warning of a file-system error, once per worker and kind; every one is counted. */
static void
fs_error(struct filestore *fs, const char *what, const char *path)
{
	if (sw_counter_get(&fs->st.fs_errors) == 0)
		sw_warn("file-store: cannot %s %s: %s (further errors are only counted in "
			"file_store.fs_errors)",
			what, path, strerror(errno));
	sw_counter_add(&fs->st.fs_errors, 1);
}

int
filestore_file(struct filestore *fs, const struct app_file *fi, uint32_t *file_id)
{
	char tmp[FS_PATH_MAX], fin[FS_PATH_MAX];
	uint32_t id;
	int fd, r;

	switch (fi->keep) {
	case APP_FILE_KEEP_WHOLE:
		break;
	case APP_FILE_KEEP_MEMCAP:
		sw_counter_add(&fs->st.memcap_refused, 1);
		return SW_E_NOMEM;
	case APP_FILE_KEEP_DEPTH:
		sw_counter_add(&fs->st.depth, 1);
		return SW_E_RANGE;
	default: /* truncated, or not kept (a multipart part) */
		sw_counter_add(&fs->st.truncated, 1);
		return SW_E_TRUNC;
	}
	if (strlen(fi->sha256) != 64) { /* the worker turns SHA-256 on while a store is on */
		sw_counter_add(&fs->st.truncated, 1);
		return SW_E_TRUNC;
	}
	id = atomic_fetch_add_explicit(fs->next_id, 1, memory_order_relaxed) + 1;
	snprintf(fin, sizeof(fin), "%s/%.2s/%s", fs->conf->path, fi->sha256, fi->sha256);
	if (access(fin, F_OK) == 0) {
		/* the same content is there: not written again; its time says when it was seen */
		utimensat(AT_FDCWD, fin, NULL, 0);
		sw_counter_add(&fs->st.dups, 1);
		*file_id = id;
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/tmp/file.%u", fs->conf->path, id);
	if ((fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
		fs_error(fs, "create", tmp);
		return SW_E_IO;
	}
	r = fi->content.len > 0 ? write_all(fd, fi->content.p, fi->content.len) : 0;
	if (close(fd) != 0 || r != 0) {
		fs_error(fs, "write", tmp);
		unlink(tmp);
		return SW_E_IO;
	}
	if (rename(tmp, fin) != 0) {
		fs_error(fs, "rename to", fin);
		unlink(tmp);
		return SW_E_IO;
	}
	sw_counter_add(&fs->st.stored, 1);
	sw_counter_add(&fs->st.bytes, fi->content.len);
	*file_id = id;
	return 0;
}

void
filestore_fileinfo(struct filestore *fs, const struct app_file *fi, uint32_t file_id,
		   sw_time_t ts, const char *line, size_t len)
{
	char path[FS_PATH_MAX];
	int fd, r;

	if (!fs->conf->write_fileinfo)
		return;
	snprintf(path, sizeof(path), "%s/%.2s/%s.%llu.%u.json", fs->conf->path, fi->sha256,
		 fi->sha256, (unsigned long long)(ts / 1000000), file_id);
	if ((fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
		fs_error(fs, "create", path);
		return;
	}
	r = write_all(fd, (const uint8_t *)line, len);
	if (close(fd) != 0 || r != 0)
		fs_error(fs, "write", path);
}
