/* src/app/app_file.c: files (message bodies) as messages of their own: the fileinfo event,
 * the file.* buffers, and file hashes as observables. Files come from HTTP today; any parser
 * that carries files emits APP_MSG_FILE with a struct app_file. */
#include "config.h"

#include <magic.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "app/app_int.h"

static void
file_eve(struct jw *w, const struct app_msg *msg, bool in_alert)
{
	const struct app_file *fi = msg->u.file;

	(void)in_alert;
	if (fi->txn != NULL)
		app_http_eve_txn(w, fi->txn, false);
	jw_obj_begin(w, "fileinfo");
	jw_strn(w, "filename", fi->name.p, fi->name.len);
	if (fi->form_name.len > 0)
		jw_strn(w, "name", fi->form_name.p, fi->form_name.len);
	if (fi->content_type.len > 0)
		jw_strn(w, "mimetype", fi->content_type.p, fi->content_type.len);
	jw_bool(w, "gaps", fi->gaps); /* a hole in its data, not any truncation (Suricata) */
	jw_str(w, "state", fi->state == APP_FILE_COMPLETE ? "CLOSED" : "TRUNCATED");
	if (fi->md5[0] != '\0')
		jw_str(w, "md5", fi->md5);
	if (fi->sha1[0] != '\0')
		jw_str(w, "sha1", fi->sha1);
	if (fi->sha256[0] != '\0')
		jw_str(w, "sha256", fi->sha256);
	jw_bool(w, "stored", fi->stored);
	if (fi->stored)
		jw_u64(w, "file_id", fi->file_id);
	jw_u64(w, "size", fi->size);
	jw_u64(w, "tx_id", fi->tx_id);
	jw_obj_end(w);
}

/* The hashes computed of the file. */
static void
file_observables(const struct app_msg *msg, app_observable_fn *fn, void *arg)
{
	const struct app_file *fi = msg->u.file;
	static const struct {
		enum app_obs_type type;
		const char *where;
		size_t off;
	} hashes[] = {
	    {APP_OBS_MD5, "file.md5", offsetof(struct app_file, md5)},
	    {APP_OBS_SHA1, "file.sha1", offsetof(struct app_file, sha1)},
	    {APP_OBS_SHA256, "file.sha256", offsetof(struct app_file, sha256)},
	};

	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		const char *hex = (const char *)fi + hashes[i].off;
		struct app_observable o = {.type = hashes[i].type, .where = hashes[i].where,
					   .dir = fi->dir};

		if (hex[0] == '\0')
			continue;
		o.value = (const uint8_t *)hex, o.len = strlen(hex);
		fn(arg, &o);
	}
}

static int
file_buf_data(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	const struct app_file *fi = m->u.file;

	(void)scratch;
	(void)size;
	if (fi->own_data) { /* a multipart part: its bytes, not the whole body's */
		*out = fi->data;
		return 0;
	}
	if (fi->txn == NULL)
		return SW_E_NOTFOUND;
	*out = fi->dir == FLOW_TO_SERVER ? fi->txn->req_body : fi->txn->resp_body;
	return 0;
}

/* file.magic: what libmagic says of the body's first FILE_MAGIC_BYTES bytes, as Suricata's
 * file.magic (it reads the first bytes of the file). Worked out only when a loaded rule reads
 * the buffer (detection asks once per file and keeps the answer for the rules after); each
 * thread loads its own libmagic database on first use (the cookies are not thread-safe),
 * closed when the thread ends. */
#define FILE_MAGIC_BYTES 4096

static pthread_key_t file_magic_key;
static pthread_once_t file_magic_once = PTHREAD_ONCE_INIT;
static int file_magic_key_ok;

static void
file_magic_close(void *cookie)
{
	magic_close(cookie);
}

static void
file_magic_init(void)
{
	file_magic_key_ok = pthread_key_create(&file_magic_key, file_magic_close) == 0;
}

static magic_t
file_magic_cookie(void)
{
	magic_t m;

	pthread_once(&file_magic_once, file_magic_init);
	if (!file_magic_key_ok)
		return NULL;
	if ((m = pthread_getspecific(file_magic_key)) != NULL)
		return m;
	if ((m = magic_open(MAGIC_NONE)) == NULL)
		return NULL;
	if (magic_load(m, NULL) != 0 || pthread_setspecific(file_magic_key, m) != 0) {
		magic_close(m);
		return NULL;
	}
	return m;
}

static int
file_buf_magic(const struct app_msg *m, struct app_buf *out, char *scratch, size_t size)
{
	struct app_buf body;
	const char *d;
	magic_t cookie;
	size_t n;

	if (scratch == NULL || size < 2 || file_buf_data(m, &body, NULL, 0) != 0 || body.len == 0 ||
	    (cookie = file_magic_cookie()) == NULL)
		return SW_E_NOTFOUND;
	if ((d = magic_buffer(cookie, body.p,
	                      body.len < FILE_MAGIC_BYTES ? body.len : FILE_MAGIC_BYTES)) == NULL)
		return SW_E_NOTFOUND;
	n = strlen(d);
	if (n >= size)
		n = size - 1;
	memcpy(scratch, d, n);
	scratch[n] = '\0';
	out->p = (const uint8_t *)scratch;
	out->len = n;
	return 0;
}

APP_BUFFER_GETTER(file_buf_name, struct app_file, file, file->name)
APP_BUFFER_GETTER(file_buf_md5, struct app_file, file, app_buf_text(file->md5))
APP_BUFFER_GETTER(file_buf_sha1, struct app_file, file, app_buf_text(file->sha1))
APP_BUFFER_GETTER(file_buf_sha256, struct app_file, file, app_buf_text(file->sha256))

static const struct app_buffer_desc file_buffers[] = {
    {"file.name", NULL, NULL, -1, file_buf_name},
    {"file.md5", NULL, NULL, -1, file_buf_md5},
    {"file.sha1", NULL, NULL, -1, file_buf_sha1},
    {"file.sha256", NULL, NULL, -1, file_buf_sha256},
    {"file.data", APP_NAMES("file_data"), NULL, -1, file_buf_data},
    {"file.magic", NULL, NULL, -1, file_buf_magic},
};

/* A file as its HTTP transaction: the http.* buffers of a file rule (filestore, filename, ...
 * beside http.uri, as Suricata inspects the files of the transaction the rule matched). */
static void
file_view(const struct app_msg *m, struct app_msg *out)
{
	*out = *m;
	out->kind = APP_MSG_HTTP;
	out->u.http = m->u.file != NULL ? m->u.file->txn : NULL;
}

const struct app_msg_desc app_desc_file = {
    .kind = APP_MSG_FILE,
    .name = "fileinfo",
    .proto = APP_HTTP, /* the parser that carries files today */
    .one_way = true,
    .buffers = file_buffers,
    .nbuffers = sizeof(file_buffers) / sizeof(file_buffers[0]),
    .eve = file_eve,
    .observables = file_observables,
    .serves = &app_desc_http,
    .view = file_view,
    .serves_buffers_only = true,
    .body_buffers = APP_NAMES("file.data", "file.magic"),
};
