/* src/capture/capture.c: the table of capture sources, capture.* keys, and -r path expansion. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/capture_int.h"

static const struct capture_ops *const sources[] = {
	&capture_pcap_file,
	&capture_pcap_live,
	NULL,
};

const struct capture_ops *
capture_ops_find(const char *name)
{
	size_t i;

	for (i = 0; sources[i] != NULL; i++)
		if (strcmp(sources[i]->name, name) == 0)
			return sources[i];
	return NULL;
}

static const struct conf_key capture_keys[] = {
	{"capture.interface", CONF_STR, offsetof(struct capture_conf, interface), NULL, 0, 0, NULL},
	{"capture.files", CONF_STRLIST, offsetof(struct capture_conf, files), NULL, 0, 0, NULL},
	{"capture.snaplen", CONF_U32, offsetof(struct capture_conf, snaplen), "262144", 64, 262144,
	 NULL},
	{"capture.promisc", CONF_BOOL, offsetof(struct capture_conf, promisc), "yes", 0, 0, NULL},
	{"capture.buffer-size", CONF_SIZE, offsetof(struct capture_conf, buffer_size), "64mb",
	 1 << 20, 1LL << 32, NULL},
	{"capture.bpf-filter", CONF_STR, offsetof(struct capture_conf, bpf), NULL, 0, 0, NULL},
	{"capture.timeout-ms", CONF_U32, offsetof(struct capture_conf, timeout_ms), "100", 1, 10000,
	 NULL},
	{"capture.pace", CONF_U32, offsetof(struct capture_conf, pace), "0", 0, 1000000, NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
capture_conf_load(struct conf_doc *doc, struct capture_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	return conf_apply(doc, capture_keys, conf);
}

void
capture_conf_free(struct capture_conf *conf)
{
	conf_struct_free(capture_keys, conf);
}

static int
strlist_push(struct conf_strlist *l, const char *s)
{
	char **v;
	char *d;

	if ((d = strdup(s)) == NULL)
		return SW_E_NOMEM;
	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL) {
		free(d);
		return SW_E_NOMEM;
	}
	l->v = v;
	l->v[l->n++] = d;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
capture_expand_files(const struct conf_strlist *in, struct conf_strlist *out)
{
	struct conf_strlist res = {NULL, 0};
	size_t i, first;
	int r = 0;

	for (i = 0; i < in->n && r == 0; i++) {
		struct stat stt;
		DIR *d;
		struct dirent *de;

		if (stat(in->v[i], &stt) != 0) {
			sw_err("%s: %s", in->v[i], strerror(errno));
			r = SW_E_IO;
			break;
		}
		if (!S_ISDIR(stt.st_mode)) {
			r = strlist_push(&res, in->v[i]);
			continue;
		}
		if ((d = opendir(in->v[i])) == NULL) {
			sw_err("%s: %s", in->v[i], strerror(errno));
			r = SW_E_IO;
			break;
		}
		first = res.n;
		while (r == 0 && (de = readdir(d)) != NULL) {
			struct sbuf path;
			struct stat fst;

			if (de->d_name[0] == '.')
				continue;
			sbuf_init(&path);
			sbuf_adds(&path, in->v[i]);
			if (path.len > 0 && path.p[path.len - 1] != '/')
				sbuf_addc(&path, '/');
			sbuf_adds(&path, de->d_name);
			if (sbuf_failed(&path))
				r = SW_E_NOMEM;
			else if (stat(path.p, &fst) == 0 && S_ISREG(fst.st_mode))
				r = strlist_push(&res, path.p);
			sbuf_free(&path);
		}
		closedir(d);
		if (r == 0 && res.n == first) {
			sw_err("%s: no capture files in this directory", in->v[i]);
			r = SW_E_NOTFOUND;
		}
		if (res.n > first)
			qsort(res.v + first, res.n - first, sizeof(*res.v), name_cmp);
	}
	if (r != 0) {
		for (i = 0; i < res.n; i++)
			free(res.v[i]);
		free(res.v);
		return r;
	}
	*out = res;
	return 0;
}
