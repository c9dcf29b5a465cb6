/* src/capture/capture.c: the table of capture sources, capture.* keys, and -r path expansion. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/capture_int.h"

#ifdef __linux__
#include <linux/filter.h>
#include <sys/socket.h>

int
capture_reject_all(int fd)
{
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fp = {.len = 1, .filter = &none};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
}
#endif

static const struct capture_ops *const sources[] = {
	&capture_pcap_file,
	&capture_pcap_live,
#ifdef __linux__
	&capture_afpacket,
#endif
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

static const char *const source_names[] = {"auto", "pcap", "afpacket", NULL};

static const struct conf_key capture_keys[] = {
	{"capture.source", CONF_ENUM, offsetof(struct capture_conf, source), "auto", 0, 0,
	 source_names},
	{"capture.interfaces", CONF_STRLIST, offsetof(struct capture_conf, interfaces), NULL, 0, 0,
	 NULL},
	{"capture.afpacket.block-size", CONF_SIZE, offsetof(struct capture_conf, afp_block_size),
	 "256kb", 4096, 1LL << 30, NULL},
	{"capture.afpacket.block-count", CONF_U32, offsetof(struct capture_conf, afp_block_count),
	 "128", 2, 65536, NULL},
	{"capture.afpacket.block-timeout-ms", CONF_U32,
	 offsetof(struct capture_conf, afp_block_tov), "50", 1, 1000, NULL},
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
capture_conf_ports_free(struct capture_conf *conf)
{
	size_t i, k;

	for (i = 0; i < conf->nports; i++)
		for (k = 0; k < conf->ports[i].nifs; k++)
			free(conf->ports[i].ifs[k]);
	free(conf->ports);
	conf->ports = NULL;
	conf->nports = 0;
}

void
capture_conf_free(struct capture_conf *conf)
{
	capture_conf_ports_free(conf);
	conf_struct_free(capture_keys, conf);
}

/* One entry: NAME[+NAME][@WORKERS]. */
static int
port_parse(const char *spec, struct capture_port *pt)
{
	const char *at = strrchr(spec, '@'), *end = at != NULL ? at : spec + strlen(spec);
	const char *p = spec;

	memset(pt, 0, sizeof(*pt));
	if (at != NULL) {
		char *e;
		unsigned long n = strtoul(at + 1, &e, 10);

		if (at[1] == '\0' || *e != '\0' || n < 1 || n > 64) {
			sw_err("capture.interfaces: '%s': workers after '@' must be 1 to 64", spec);
			return SW_E_CONFIG;
		}
		pt->workers = (uint32_t)n;
	}
	while (p <= end) {
		const char *plus = memchr(p, '+', (size_t)(end - p));
		const char *stop = plus != NULL ? plus : end;

		if (stop == p || stop - p >= 16 || pt->nifs >= CAPTURE_PORT_IFS) {
			sw_err("capture.interfaces: '%s': expected IFACE, IFACE+IFACE (a TAP), "
			       "either with @WORKERS",
			       spec);
			return SW_E_CONFIG;
		}
		if ((pt->ifs[pt->nifs] = strndup(p, (size_t)(stop - p))) == NULL)
			return SW_E_NOMEM;
		pt->nifs++;
		p = stop + 1;
	}
	return 0;
}

int
capture_conf_ports(struct capture_conf *conf)
{
	const char *one[1];
	const char *const *v = (const char *const *)conf->interfaces.v;
	size_t n = conf->interfaces.n, i, j, k, l;
	int r;

	capture_conf_ports_free(conf);
	if (n == 0 && conf->interface != NULL) {
		one[0] = conf->interface;
		v = one;
		n = 1;
	}
	if (n == 0)
		return 0;
	if ((conf->ports = calloc(n, sizeof(*conf->ports))) == NULL)
		return SW_E_NOMEM;
	for (i = 0; i < n; i++) {
		if ((r = port_parse(v[i], &conf->ports[i])) != 0) {
			conf->nports = i + 1;
			capture_conf_ports_free(conf);
			return r;
		}
		conf->nports = i + 1;
	}
	/* an interface read twice would see every packet twice */
	for (i = 0; i < n; i++)
		for (k = 0; k < conf->ports[i].nifs; k++)
			for (j = i; j < n; j++)
				for (l = j == i ? k + 1 : 0; l < conf->ports[j].nifs; l++)
					if (strcmp(conf->ports[i].ifs[k], conf->ports[j].ifs[l]) == 0) {
						sw_err("capture.interfaces: %s is listed twice",
						       conf->ports[i].ifs[k]);
						capture_conf_ports_free(conf);
						return SW_E_CONFIG;
					}
	return 0;
}

const struct capture_ops *
capture_ops_choose(const struct capture_conf *conf)
{
	bool several = conf->nports > 1 || (conf->nports == 1 && conf->ports[0].nifs > 1);

	if (conf->files.n > 0)
		return &capture_pcap_file;
#ifdef __linux__
	/* "any" (every interface, cooked headers) is libpcap's */
	if (conf->source == CAPTURE_SOURCE_AUTO && conf->nports == 1 &&
	    conf->ports[0].nifs == 1 && strcmp(conf->ports[0].ifs[0], "any") == 0)
		return &capture_pcap_live;
	if (conf->source != CAPTURE_SOURCE_PCAP)
		return &capture_afpacket;
#else
	if (conf->source == CAPTURE_SOURCE_AFPACKET) {
		sw_err("capture.source: afpacket is only available on Linux");
		return NULL;
	}
#endif
	if (several) {
		sw_err("capture.source pcap reads one interface: use capture.source afpacket for "
		       "several interfaces or a TAP pair");
		return NULL;
	}
	return &capture_pcap_live;
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
