/* src/sw_test.c: -T, the configuration test: everything the start does short of capturing
 * (rules, indicator feeds, outputs, capture inputs, the user to run as), so that a setup that
 * -T calls valid also starts (the systemd unit runs -T before the start). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw_run.h"
#include "sw_test.h"

/* Loads the indicator feeds as the start does: their summaries and warnings are logged; a feed
 * that cannot be loaded is an error. */
static int
test_cti(struct sw_ctx *ctx)
{
	struct cti_store *s = NULL;
	int r;

	if (!ctx->cti.enabled || ctx->cti.nfeeds == 0)
		return 0;
	if ((r = cti_store_build(&ctx->cti, NULL, sw_time_now(), 1, &s)) != 0) {
		sw_err("cti: cannot load the indicators: %s", sw_strerror(r));
		goto out;
	}
	cti_store_log_summary(s);
	if (cti_store_failed_feeds(s) > 0) {
		sw_err("cti: %zu indicator feed(s) could not be loaded", cti_store_failed_feeds(s));
		r = SW_E_CONFIG;
		goto out;
	}
	r = 0;
out:
	cti_store_free(s);
	return r;
}

/* The user and group to run as must exist (the start drops to them after opening the capture). */
static int
test_run_as(const struct run_conf *rc)
{
	int r = 0;

	if (rc->run_as_user != NULL && getpwnam(rc->run_as_user) == NULL) {
		sw_err("run-as.user: no such user '%s'", rc->run_as_user);
		r = SW_E_CONFIG;
	}
	if (rc->run_as_group != NULL && getgrnam(rc->run_as_group) == NULL) {
		sw_err("run-as.group: no such group '%s'", rc->run_as_group);
		r = SW_E_CONFIG;
	}
	return r;
}

/* The capture's inputs: every file or directory of -r readable, the interface present. */
static int
test_capture(const struct capture_conf *cc)
{
	int r = 0;
	size_t i;

	for (i = 0; i < cc->files.n; i++) {
		if (access(cc->files.v[i], R_OK) != 0) {
			sw_err("capture file %s: %s", cc->files.v[i], strerror(errno));
			r = SW_E_CONFIG;
		}
	}
	if (cc->files.n == 0 && cc->interface != NULL && strcmp(cc->interface, "any") != 0 &&
	    if_nametoindex(cc->interface) == 0) {
		sw_err("capture.interface: no such interface '%s'", cc->interface);
		r = SW_E_CONFIG;
	}
	/* capture.interfaces (and -i): their syntax, and each interface */
	if (cc->files.n == 0 && cc->interfaces.n > 0) {
		struct capture_conf ports = *cc;
		size_t k;

		ports.ports = NULL;
		ports.nports = 0;
		if (capture_conf_ports(&ports) != 0)
			return SW_E_CONFIG;
		for (i = 0; i < ports.nports; i++)
			for (k = 0; k < ports.ports[i].nifs; k++)
				if (strcmp(ports.ports[i].ifs[k], "any") != 0 &&
				    if_nametoindex(ports.ports[i].ifs[k]) == 0) {
					sw_err("capture.interfaces: no such interface '%s'",
					       ports.ports[i].ifs[k]);
					r = SW_E_CONFIG;
				}
		if (capture_ops_choose(&ports) == NULL)
			r = SW_E_CONFIG;
		capture_conf_ports_free(&ports);
	}
	return r;
}

/* The pid file is written at the start: its directory must be writable. */
static int
test_pidfile(const char *path)
{
	char dir[4096];
	const char *slash;

	if (path == NULL)
		return 0;
	if ((slash = strrchr(path, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	if (access(dir, W_OK | X_OK) != 0) {
		sw_err("pidfile %s: %s: %s", path, dir, strerror(errno));
		return SW_E_CONFIG;
	}
	return 0;
}

int
run_test(struct sw_ctx *ctx, FILE *fp)
{
	int tr, bad = 0;

	tr = run_test_rules(ctx, fp);
	if (tr < 0)
		sw_err("rules cannot be loaded: %s", sw_strerror(tr));
	if (tr != 0)
		bad = 1;
	if (test_cti(ctx) != 0)
		bad = 1;
	if (output_check(&ctx->output) != 0)
		bad = 1;
	if (test_capture(&ctx->capture) != 0)
		bad = 1;
	if (test_pidfile(ctx->run.pidfile) != 0)
		bad = 1;
	if (test_run_as(&ctx->run) != 0)
		bad = 1;
	return bad;
}
