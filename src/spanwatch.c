/* src/spanwatch.c: the program: command line, configuration, signals. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw_run.h"
#include "sw_test.h"

static struct sw_ctx *the_ctx; /* for the signal handlers only */

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: spanwatch [options] (-r FILE|DIR ... | -i IFACE) [BPF filter]\n"
		"\n"
		"  -r FILE|DIR        read packets from a pcap/pcapng file, or every file of a\n"
		"                     directory in name order; repeatable\n"
		"  -i IFACE           capture live on IFACE; repeatable (each interface with its\n"
		"                     own workers); IFACE+IFACE2 the two directions of a TAP\n"
		"  --capture-source auto|pcap|afpacket\n"
		"                     live capture source (default auto: afpacket on Linux)\n"
		"  -c FILE            configuration file (YAML); built-in defaults without it\n"
		"  --set KEY=VALUE    override one configuration key; repeatable\n"
		"  -T                 check the configuration and exit\n"
		"  -l DIR             write events to DIR/eve.json instead of stdout\n"
		"  --report FILE      write an investigation report (one HTML file) at exit\n"
		"  -k all|none|auto   checksum validation (default auto: none for files, all live)\n"
		"  --workers N        worker threads (default: one per core)\n"
		"  --snaplen N        live capture snap length (default 262144)\n"
		"  --bpf EXPR         BPF filter (also taken from the arguments after the options)\n"
		"  --user USER        drop to USER after opening the capture and log files\n"
		"  --group GROUP      drop to GROUP (default: USER's primary group)\n"
		"  --pidfile FILE     write the process id to FILE\n"
		"  -S FILE            load only the rules of FILE (the config's rule files are\n"
		"                     ignored); repeatable\n"
		"  -s FILE            load the rules of FILE too; repeatable\n"
		"  --indicators FILE  threat-intelligence feed (CSV, plain list or STIX 2.1 JSON, the\n"
		"                     format guessed); repeatable, added to cti.feeds\n"
		"  -v, -q             more or less logging on stderr\n"
		"  -V, --version      print the version and exit\n"
		"  -h, --help         this help\n"
		"\n"
		"Signals: SIGHUP reopens the log files and reloads the rules and indicators,\n"
		"SIGINT/SIGTERM "
		"stop the capture and flush.\n");
}

static void
on_stop(int sig)
{
	(void)sig;
	if (the_ctx != NULL) {
		the_ctx->stop = 1;
		/* interrupt() only sets a flag or calls pcap_breakloop: async-signal-safe */
		if (the_ctx->cap != NULL && the_ctx->cap_ops != NULL)
			the_ctx->cap_ops->interrupt(the_ctx->cap);
	}
}

static void
on_hup(int sig)
{
	(void)sig;
	if (the_ctx != NULL) {
		the_ctx->reopen = 1;
		the_ctx->reload = 1;
	}
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* SIGHUP must not break a read in progress (a capture read from a FIFO would end) */
	sa.sa_handler = on_hup;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* --set KEY=VALUE built from an option, so command-line values get the same checks as the
 * configuration file. */
static int
set_key(struct conf_doc *doc, const char *key, const char *value, const char *origin)
{
	struct sbuf b;
	int r;

	sbuf_init(&b);
	sbuf_adds(&b, key);
	sbuf_addc(&b, '=');
	sbuf_adds(&b, value);
	r = sbuf_failed(&b) ? SW_E_NOMEM : conf_doc_set_from(doc, b.p, origin);
	sbuf_free(&b);
	return r;
}

#if defined(SW_ABS_SRCDIR) && defined(SW_ABS_BUILDDIR) && defined(SW_BINDIR)
/* Whether this process is the build tree's src/spanwatch rather than an installed copy. */
static bool
in_build_tree(void)
{
	char self[PATH_MAX], built[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return false;
	self[n] = '\0';
	if (realpath(SW_ABS_BUILDDIR "/src/spanwatch", built) == NULL)
		return false;
	return strcmp(self, built) == 0;
}
#endif

/* Run from the build tree, the shipped rules and class files are those of the source tree (not
 * yet installed, or an older installation): each path the configuration left at its default
 * points there. An installed binary never looks at the source tree; one staged with
 * make install DESTDIR=D whose default files are missing uses those under D. */
static int
build_tree_paths(struct sw_ctx *ctx, struct conf_doc *doc)
{
#if defined(SW_ABS_SRCDIR) && defined(SW_ABS_BUILDDIR) && defined(SW_BINDIR)
	static const struct {
		const char *key;
		size_t off;
		const char *path;
	} paths[] = {
		{"detect.default-rule-path", offsetof(struct detect_conf, rule_path),
		 SW_ABS_SRCDIR "/rules"},
		{"detect.classification-file", offsetof(struct detect_conf, classification_file),
		 SW_ABS_SRCDIR "/conf/classification.config"},
		{"detect.reference-config-file", offsetof(struct detect_conf, reference_file),
		 SW_ABS_SRCDIR "/conf/reference.config"},
	};
	char where[256], self[PATH_MAX];
	size_t i, root = 0;
	bool build = in_build_tree();
	ssize_t n;

	/* A staged installation (make install DESTDIR=D): the binary is D/bindir/spanwatch, the
	 * data D/pkgdatadir. */
	if (!build && (n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		size_t tail = strlen(SW_BINDIR "/spanwatch");

		self[n] = '\0';
		if ((size_t)n > tail && strcmp(self + n - tail, SW_BINDIR "/spanwatch") == 0)
			root = (size_t)n - tail;
	}
	if (!build && root == 0)
		return 0;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char **slot = (char **)(void *)((char *)&ctx->detect + paths[i].off);
		char *copy;
		struct sbuf b;

		if (conf_doc_where(doc, paths[i].key, where, sizeof(where)) != NULL)
			continue;
		if (!build && (*slot == NULL || access(*slot, F_OK) == 0))
			continue; /* installed where configure said: use it */
		sbuf_init(&b);
		if (build) {
			sbuf_adds(&b, paths[i].path);
		} else {
			sbuf_add(&b, self, root);
			sbuf_adds(&b, *slot);
		}
		copy = sbuf_failed(&b) ? NULL : strdup(b.p);
		sbuf_free(&b);
		if (copy == NULL)
			return SW_E_NOMEM;
		free(*slot);
		*slot = copy;
	}
	if (build)
		sw_info("running from the build tree: rules and class files from %s", SW_ABS_SRCDIR);
#else
	(void)ctx;
	(void)doc;
#endif
	return 0;
}

enum {
	OPT_SET = 256,
	OPT_WORKERS,
	OPT_SNAPLEN,
	OPT_BPF,
	OPT_USER,
	OPT_GROUP,
	OPT_PIDFILE,
	OPT_INDICATORS,
	OPT_CAPTURE_SOURCE,
	OPT_REPORT,
};

/* Copies the -S or -s file names into the detect configuration. */
static int
cli_rule_files(struct conf_strlist *l, char **names, size_t n)
{
	if (n == 0)
		return 0;
	if ((l->v = calloc(n, sizeof(*l->v))) == NULL)
		return SW_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if ((l->v[i] = strdup(names[i])) == NULL)
			return SW_E_NOMEM;
		l->n++;
	}
	return 0;
}

/* Replaces the values of l with copies of v[0..n). */
static int
strlist_replace(struct conf_strlist *l, char **v, size_t n)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->n = 0;
	if ((l->v = calloc(n, sizeof(char *))) == NULL)
		return SW_E_NOMEM;
	for (i = 0; i < n; i++) {
		if ((l->v[i] = strdup(v[i])) == NULL)
			return SW_E_NOMEM;
		l->n++;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"set", required_argument, NULL, OPT_SET},
		{"workers", required_argument, NULL, OPT_WORKERS},
		{"snaplen", required_argument, NULL, OPT_SNAPLEN},
		{"bpf", required_argument, NULL, OPT_BPF},
		{"user", required_argument, NULL, OPT_USER},
		{"group", required_argument, NULL, OPT_GROUP},
		{"pidfile", required_argument, NULL, OPT_PIDFILE},
		{"indicators", required_argument, NULL, OPT_INDICATORS},
		{"capture-source", required_argument, NULL, OPT_CAPTURE_SOURCE},
		{"report", required_argument, NULL, OPT_REPORT},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sw_ctx ctx;
	struct conf_doc *doc = NULL;
	const char *conf_path = NULL;
	char **ifaces = NULL;
	size_t nifaces = 0;
	char **files = NULL, **sets = NULL, **feeds = NULL, **rules_only = NULL, **rules_more = NULL;
	size_t nfiles = 0, nsets = 0, nfeeds = 0, nonly = 0, nmore = 0, i;
	struct {
		const char *key, *value, *origin; /* origin: the option as the user typed it */
	} opts[16];
	size_t nopts = 0;
	int c, test_only = 0, verbosity = 0, interface_given = 0, r = 1;
	struct sbuf bpf;

	memset(&ctx, 0, sizeof(ctx));
	sbuf_init(&bpf);
	if ((files = calloc((size_t)argc, sizeof(*files))) == NULL ||
	    (ifaces = calloc((size_t)argc, sizeof(*ifaces))) == NULL ||
	    (sets = calloc((size_t)argc, sizeof(*sets))) == NULL ||
	    (feeds = calloc((size_t)argc, sizeof(*feeds))) == NULL ||
	    (rules_only = calloc((size_t)argc, sizeof(*rules_only))) == NULL ||
	    (rules_more = calloc((size_t)argc, sizeof(*rules_more))) == NULL) {
		sw_err("out of memory");
		goto out;
	}
	while ((c = getopt_long(argc, argv, "r:i:c:Tl:k:S:s:vqVh", longopts, NULL)) != -1) {
		if (nopts >= sizeof(opts) / sizeof(opts[0])) {
			sw_err("too many options");
			goto out;
		}
		switch (c) {
		case 'r':
			files[nfiles++] = optarg;
			break;
		case 'i':
			interface_given = 1;
			ifaces[nifaces++] = optarg;
			break;
		case OPT_CAPTURE_SOURCE:
			opts[nopts].key = "capture.source";
			opts[nopts].origin = "--capture-source";
			opts[nopts++].value = optarg;
			break;
		case 'c':
			conf_path = optarg;
			break;
		case OPT_SET:
			sets[nsets++] = optarg;
			break;
		case OPT_INDICATORS:
			feeds[nfeeds++] = optarg;
			break;
		case 'T':
			test_only = 1;
			break;
		case 'S':
			rules_only[nonly++] = optarg;
			break;
		case 's':
			rules_more[nmore++] = optarg;
			break;
		case 'l':
			opts[nopts].key = "outputs.log-dir";
			opts[nopts].origin = "-l";
			opts[nopts++].value = optarg;
			break;
		case 'k':
			opts[nopts].key = "decode.checksum-validation";
			opts[nopts].origin = "-k";
			opts[nopts++].value = optarg;
			break;
		case OPT_WORKERS:
			opts[nopts].key = "workers";
			opts[nopts].origin = "--workers";
			opts[nopts++].value = optarg;
			break;
		case OPT_SNAPLEN:
			opts[nopts].key = "capture.snaplen";
			opts[nopts].origin = "--snaplen";
			opts[nopts++].value = optarg;
			break;
		case OPT_BPF:
			opts[nopts].key = "capture.bpf-filter";
			opts[nopts].origin = "--bpf";
			opts[nopts++].value = optarg;
			break;
		case OPT_USER:
			opts[nopts].key = "run-as.user";
			opts[nopts].origin = "--user";
			opts[nopts++].value = optarg;
			break;
		case OPT_GROUP:
			opts[nopts].key = "run-as.group";
			opts[nopts].origin = "--group";
			opts[nopts++].value = optarg;
			break;
		case OPT_REPORT:
			opts[nopts].key = "report.file";
			opts[nopts].origin = "--report";
			opts[nopts++].value = optarg;
			break;
		case OPT_PIDFILE:
			opts[nopts].key = "pidfile";
			opts[nopts].origin = "--pidfile";
			opts[nopts++].value = optarg;
			break;
		case 'v':
			verbosity++;
			break;
		case 'q':
			verbosity--;
			break;
		case 'V':
			printf("spanwatch %s\n", PACKAGE_VERSION);
#ifdef SW_JA4PLUS
			printf("built with: ja4plus (JA4S, FoxIO License 1.1)\n");
#endif
			r = 0;
			goto out;
		case 'h':
			usage(stdout);
			r = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (nfiles > 0 && interface_given) {
		sw_err("-r and -i cannot be used together: replay files or capture live");
		goto out;
	}
	/* Like tcpdump: the remaining arguments are a BPF filter expression. */
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		if (bpf.len > 0)
			sbuf_addc(&bpf, ' ');
		sbuf_adds(&bpf, argv[i]);
	}

	if (conf_path != NULL) {
		if (conf_doc_load(conf_path, &doc) != 0)
			goto out;
	} else if ((doc = conf_doc_new()) == NULL) {
		sw_err("out of memory");
		goto out;
	}
	for (i = 0; i < nsets; i++) {
		if (conf_doc_set(doc, sets[i]) != 0) {
			sw_err("--set %s: expected KEY=VALUE", sets[i]);
			goto out;
		}
	}
	for (i = 0; i < nopts; i++)
		if (set_key(doc, opts[i].key, opts[i].value, opts[i].origin) != 0)
			goto out;
	if (bpf.len > 0 && set_key(doc, "capture.bpf-filter", bpf.p, "BPF filter argument") != 0)
		goto out;
	if (run_conf_load(&ctx, doc) != 0) {
		sw_err("configuration %s has errors", conf_path != NULL ? conf_path : "(defaults)");
		goto out;
	}
	if (build_tree_paths(&ctx, doc) != 0) {
		sw_err("out of memory");
		goto out;
	}
	for (i = 0; i < nfeeds; i++) {
		if (cti_conf_add_file(&ctx.cti, feeds[i]) != 0) {
			sw_err("--indicators %s: cannot add this feed", feeds[i]);
			goto out;
		}
	}
	if (cli_rule_files(&ctx.detect.cli_only, rules_only, nonly) != 0 ||
	    cli_rule_files(&ctx.detect.cli_extra, rules_more, nmore) != 0) {
		sw_err("out of memory");
		goto out;
	}
	sw_log_set_level((enum sw_log_level)(ctx.run.log_level + verbosity < 0
						     ? 0
					     : ctx.run.log_level + verbosity > SW_LOG_DEBUG
						     ? SW_LOG_DEBUG
						     : ctx.run.log_level + verbosity));
	/* -r replaces capture.files and wins over an interface from the config; -i replaces
	 * capture.interfaces and wins over capture.interface */
	if ((nfiles > 0 && strlist_replace(&ctx.capture.files, files, nfiles) != 0) ||
	    (nifaces > 0 && strlist_replace(&ctx.capture.interfaces, ifaces, nifaces) != 0))
		goto out;
	if (test_only) {
		if (run_test(&ctx, stderr) != 0) {
			sw_err("configuration %s: the sensor would not start (see above)",
			       conf_path != NULL ? conf_path : "(defaults)");
			goto out;
		}
		fprintf(stderr, "spanwatch: configuration %s is valid\n",
			conf_path != NULL ? conf_path : "(defaults)");
		r = 0;
		goto out;
	}
	if (ctx.capture.files.n == 0 && ctx.capture.interface == NULL &&
	    ctx.capture.interfaces.n == 0) {
		sw_err("nothing to read: give -r FILE or -i IFACE (see -h)");
		goto out;
	}
	the_ctx = &ctx;
	install_signals();
	r = run_sensor(&ctx) == 0 ? 0 : 1;
	the_ctx = NULL;
out:
	run_conf_free(&ctx);
	conf_doc_free(doc);
	sbuf_free(&bpf);
	free(files);
	free(ifaces);
	free(sets);
	free(feeds);
	free(rules_only);
	free(rules_more);
	return r;
}
