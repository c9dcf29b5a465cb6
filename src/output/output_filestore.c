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
 * to stream-depth in app.memcap while a file store wants it; a multipart part is its slice of
 * the request body): nothing stays open between packets, so max-open-files has nothing to
 * bound (it is read and accepted). A truncated file (a gap, the connection ended) is written
 * with what was seen of it and named by the SHA-256 of those bytes, as Suricata's file-store
 * finishes a file closed truncated; its fileinfo says "state":"TRUNCATED" with that SHA-256.
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
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "output/output_int.h"

#define FS_PATH_MAX 4096

struct filestore {
	const struct filestore_conf *conf;
	const struct tlsstore_conf *tls;
	_Atomic uint32_t *next_id; /* shared by the workers: [0] file_id, [1] chains, from 1 */
	struct filestore_stats st;
};

#define FK(f) offsetof(struct output_conf, file_store.f)
#define TK(f) offsetof(struct output_conf, tls_store.f)
static const struct conf_key filestore_keys[] = {
    {"outputs.file-store.enabled", CONF_BOOL, FK(enabled), "no", 0, 0, NULL},
    {"outputs.file-store.version", CONF_U32, FK(version), "2", 2, 2, NULL},
    {"outputs.file-store.dir", CONF_STR, FK(dir), "filestore", 0, 0, NULL},
    {"outputs.file-store.write-fileinfo", CONF_BOOL, FK(write_fileinfo), "no", 0, 0, NULL},
    {"outputs.file-store.force-filestore", CONF_BOOL, FK(force_filestore), "no", 0, 0, NULL},
    {"outputs.file-store.stream-depth", CONF_SIZE, FK(stream_depth), "1mb", 0, INT64_MAX, NULL},
    {"outputs.file-store.max-open-files", CONF_U32, FK(max_open_files), "0", 0, UINT32_MAX,
     NULL},
    {"outputs.tls-store.enabled", CONF_BOOL, TK(enabled), "no", 0, 0, NULL},
    {"outputs.tls-store.certs-log-dir", CONF_STR, TK(certs_log_dir), "certs", 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL},
};

int
filestore_conf_load(struct conf_doc *doc, struct output_conf *conf)
{
	memset(&conf->file_store, 0, sizeof(conf->file_store));
	memset(&conf->tls_store, 0, sizeof(conf->tls_store));
	return conf_apply(doc, filestore_keys, conf);
}

void
filestore_conf_free(struct output_conf *conf)
{
	free(conf->file_store.path);
	conf->file_store.path = NULL;
	free(conf->tls_store.path);
	conf->tls_store.path = NULL;
	conf_struct_free(filestore_keys, conf);
}

/* dir made when missing, and given to the user run-as drops to (uid, gid; -1: unchanged) so
 * that it can write there; an error names key and dir */
static int
make_dir(const char *key, const char *dir, uid_t uid, gid_t gid)
{
	struct stat st;

	if (mkdir(dir, 0755) != 0 && !(errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))) {
		sw_err("%s: cannot make %s: %s", key, dir,
		       errno == EEXIST ? "not a directory" : strerror(errno));
		return SW_E_CONFIG;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(dir, uid, gid) != 0) {
		sw_err("%s: cannot give %s to the run-as user: %s", key, dir, strerror(errno));
		return SW_E_CONFIG;
	}
	return 0;
}

/* *path: dir, inside log_dir when relative (as Suricata's default-log-dir), made, writable */
static int
setup_dir(const char *key, const char *dir, const char *log_dir, uid_t uid, gid_t gid,
	  char **path)
{
	char p[FS_PATH_MAX];
	int n;

	free(*path);
	*path = NULL;
	if (dir[0] != '/' && log_dir != NULL)
		n = snprintf(p, sizeof(p), "%s/%s", log_dir, dir);
	else
		n = snprintf(p, sizeof(p), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(p) - 80) {
		sw_err("%s: path too long", key);
		return SW_E_CONFIG;
	}
	if ((*path = strdup(p)) == NULL)
		return SW_E_NOMEM;
	if (make_dir(key, *path, uid, gid) != 0)
		return SW_E_CONFIG;
	if (uid == (uid_t)-1 && access(*path, W_OK | X_OK) != 0) {
		sw_err("%s: %s: %s", key, *path, strerror(errno));
		return SW_E_CONFIG;
	}
	return 0;
}

int
filestore_setup(struct output_conf *conf, uid_t uid, gid_t gid)
{
	struct filestore_conf *fc = &conf->file_store;
	char p[FS_PATH_MAX];
	int r;

	if (conf->tls_store.enabled &&
	    (r = setup_dir("outputs.tls-store.certs-log-dir", conf->tls_store.certs_log_dir,
			   conf->log_dir, uid, gid, &conf->tls_store.path)) != 0)
		return r;
	if (!fc->enabled)
		return 0;
	if ((r = setup_dir("outputs.file-store.dir", fc->dir, conf->log_dir, uid, gid,
			   &fc->path)) != 0)
		return r;
	for (int i = 0; i <= 0x100; i++) {
		if (i < 0x100)
			snprintf(p, sizeof(p), "%s/%02x", fc->path, i);
		else
			snprintf(p, sizeof(p), "%s/tmp", fc->path);
		if (make_dir("outputs.file-store.dir", p, uid, gid) != 0)
			return SW_E_CONFIG;
	}
	return 0;
}

int
filestore_new(const struct output_conf *conf, _Atomic uint32_t *next_id, struct filestore **out)
{
	struct filestore *fs;

	if ((fs = calloc(1, sizeof(*fs))) == NULL)
		return SW_E_NOMEM;
	fs->conf = &conf->file_store;
	fs->tls = &conf->tls_store;
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

/* hex gets the SHA-256 of p[0..n) in lower-case hex; false when libcrypto fails */
static bool
sha256_hex(const uint8_t *p, size_t n, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(n > 0 ? p : (const uint8_t *)"", n, md, &len, EVP_sha256(), NULL) != 1 ||
	    len != 32)
		return false;
	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	return true;
}

bool
filestore_truncated_sha256(struct app_file *fi)
{
	if (fi->sha256[0] != '\0')
		return true;
	if (fi->keep != APP_FILE_KEEP_CUT && fi->keep != APP_FILE_KEEP_DEPTH_CUT)
		return false;
	return sha256_hex(fi->content.p, fi->content.len, fi->sha256);
}

int
filestore_file(struct filestore *fs, struct app_file *fi, uint32_t *file_id)
{
	char tmp[FS_PATH_MAX], fin[FS_PATH_MAX];
	uint32_t id;
	int fd, r;

	switch (fi->keep) {
	case APP_FILE_KEEP_WHOLE:
		break;
	case APP_FILE_KEEP_CUT:
	case APP_FILE_KEEP_DEPTH_CUT:
		/* as Suricata's file-store: a truncated file (or one cut at stream-depth) is
		 * written with what was seen, named by the SHA-256 of those bytes, which its
		 * fileinfo then carries (util-file.c FileCloseFilePtr: a FILE_TRUNCATED close
		 * finishes the SHA-256 the file-store forces) */
		if (!filestore_truncated_sha256(fi)) {
			sw_counter_add(&fs->st.fs_errors, 1);
			return SW_E_IO;
		}
		sw_counter_add(fi->keep == APP_FILE_KEEP_CUT ? &fs->st.truncated : &fs->st.cut, 1);
		break;
	case APP_FILE_KEEP_MEMCAP:
		sw_counter_add(&fs->st.memcap_refused, 1);
		return SW_E_NOMEM;
	case APP_FILE_KEEP_DEPTH:
		sw_counter_add(&fs->st.depth, 1);
		return SW_E_RANGE;
	default: /* not kept */
		sw_counter_add(&fs->st.not_kept, 1);
		return SW_E_TRUNC;
	}
	if (strlen(fi->sha256) != 64) { /* the worker turns SHA-256 on while a store is on */
		sw_counter_add(&fs->st.not_kept, 1);
		return SW_E_TRUNC;
	}
	id = atomic_fetch_add_explicit(&fs->next_id[0], 1, memory_order_relaxed) + 1;
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

/* ---- tls-store: the certificate chains tls.store rules ask for ------------------------------ */

/* fp gets der as a PEM block: base64 in lines of 64 characters */
static int
pem_write(FILE *fp, const struct app_buf *der)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[65];
	size_t n = 0;

	if (fputs("-----BEGIN CERTIFICATE-----\n", fp) == EOF)
		return SW_E_IO;
	for (size_t i = 0; i < der->len; i += 3) {
		uint32_t v = (uint32_t)der->p[i] << 16;
		size_t left = der->len - i;

		if (left > 1)
			v |= (uint32_t)der->p[i + 1] << 8;
		if (left > 2)
			v |= der->p[i + 2];
		line[n++] = b64[v >> 18 & 63];
		line[n++] = b64[v >> 12 & 63];
		line[n++] = left > 1 ? b64[v >> 6 & 63] : '=';
		line[n++] = left > 2 ? b64[v & 63] : '=';
		if (n == 64 || i + 3 >= der->len) {
			line[n++] = '\n';
			if (fwrite(line, 1, n, fp) != n)
				return SW_E_IO;
			n = 0;
		}
	}
	return fputs("-----END CERTIFICATE-----\n", fp) == EOF ? SW_E_IO : 0;
}

int
filestore_tls(struct filestore *fs, const struct sw_flow *f, const struct app_tls_msg *m,
	      enum flow_dir dir, sw_time_t ts)
{
	const struct sw_addr *src = dir == FLOW_TO_SERVER ? &f->cli : &f->srv;
	const struct sw_addr *dst = dir == FLOW_TO_SERVER ? &f->srv : &f->cli;
	char path[FS_PATH_MAX], sa[64], da[64], when[64];
	time_t secs = (time_t)(ts / 1000000);
	struct tm tm;
	uint32_t id;
	FILE *fp;
	int r = 0;
	size_t n;

	/* as Suricata's: TCP, a first certificate that was read (its subject and issuer, which
	 * may be empty) */
	if (f->proto != 6 || !m->certificate || m->nchain == 0)
		return SW_E_NOTFOUND;
	id = atomic_fetch_add_explicit(&fs->next_id[1], 1, memory_order_relaxed) + 1;
	n = (size_t)snprintf(path, sizeof(path), "%s/%llu.%llu-%u.pem", fs->tls->path,
			     (unsigned long long)secs, (unsigned long long)(ts % 1000000), id);
	if ((fp = fopen(path, "we")) == NULL) {
		sw_counter_add(&fs->st.tls_errors, 1);
		return SW_E_IO;
	}
	for (uint8_t i = 0; i < m->nchain && r == 0; i++)
		r = pem_write(fp, &m->chain[i]);
	if (fclose(fp) != 0 || r != 0) {
		sw_counter_add(&fs->st.tls_errors, 1);
		return SW_E_IO;
	}
	memcpy(path + n - 3, "meta", 5); /* x.pem -> x.meta */
	if ((fp = fopen(path, "we")) == NULL) {
		sw_counter_add(&fs->st.tls_errors, 1);
		return SW_E_IO;
	}
	/* Suricata's time string: local time, month/day/year */
	if (localtime_r(&secs, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(when, sizeof(when), "%02d/%02d/%04d-%02d:%02d:%02d.%06u", tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ts % 1000000));
	fprintf(fp,
		"TIME:              %s\n"
		"SRC IP:            %s\n"
		"DST IP:            %s\n"
		"PROTO:             %u\n"
		"SRC PORT:          %u\n"
		"DST PORT:          %u\n"
		"TLS SUBJECT:       %.*s\n"
		"TLS ISSUERDN:      %.*s\n"
		"TLS FINGERPRINT:   %s\n",
		when, sw_addr_str(src, f->family, sa, sizeof(sa)),
		sw_addr_str(dst, f->family, da, sizeof(da)), (unsigned)f->proto,
		(unsigned)(dir == FLOW_TO_SERVER ? f->cport : f->sport),
		(unsigned)(dir == FLOW_TO_SERVER ? f->sport : f->cport), (int)m->cert_subject.len,
		(const char *)m->cert_subject.p, (int)m->cert_issuer.len,
		(const char *)m->cert_issuer.p, m->cert_fingerprint);
	r = ferror(fp) ? SW_E_IO : 0;
	if (fclose(fp) != 0 || r != 0) {
		sw_counter_add(&fs->st.tls_errors, 1);
		return SW_E_IO;
	}
	sw_counter_add(&fs->st.tls_stored, 1);
	return 0;
}
