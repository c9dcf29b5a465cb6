/* src/detect/detect_conf.c: the detect.* keys and the vars.address-groups / vars.port-groups
 * maps (Suricata's suricata.yaml "vars" section). */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_eng_int.h"
#include "detect/detect_int.h"

#ifndef SW_PKGDATADIR
#define SW_PKGDATADIR "/usr/share/spanwatch"
#endif

static const struct conf_key detect_keys[] = {
    {"detect.enabled", CONF_BOOL, offsetof(struct detect_conf, enabled), "true", 0, 0, NULL},
    {"detect.default-rule-path", CONF_STR, offsetof(struct detect_conf, rule_path),
     SW_PKGDATADIR "/rules", 0, 0, NULL},
    {"detect.rule-files", CONF_STRLIST, offsetof(struct detect_conf, rule_files),
     "[spanwatch.rules, decoder-events.rules, stream-events.rules, http-events.rules]", 0, 0,
     NULL},
    {"detect.classification-file", CONF_STR, offsetof(struct detect_conf, classification_file),
     SW_PKGDATADIR "/classification.config", 0, 0, NULL},
    {"detect.reference-config-file", CONF_STR, offsetof(struct detect_conf, reference_file),
     SW_PKGDATADIR "/reference.config", 0, 0, NULL},
    {"detect.cache-dir", CONF_STR, offsetof(struct detect_conf, cache_dir), "/var/cache/spanwatch",
     0, 0, NULL},
    {"detect.backtrack-limit", CONF_U32, offsetof(struct detect_conf, backtrack_limit), "3000", 1,
     1000000, NULL},
    /* Suricata's top-level key: the MaxMind DB file geoip rules look countries up in */
    {"geoip-database", CONF_STR, offsetof(struct detect_conf, geoip_database), NULL, 0, 0, NULL},
    {"detect.data-dir", CONF_STR, offsetof(struct detect_conf, data_dir),
     "/var/lib/spanwatch/data", 0, 0, NULL},
    {"reputation-categories-file", CONF_STR, offsetof(struct detect_conf, iprep_categories), NULL,
     0, 0, NULL},
    {"default-reputation-path", CONF_STR, offsetof(struct detect_conf, iprep_path), NULL, 0, 0,
     NULL},
    {"reputation-files", CONF_STRLIST, offsetof(struct detect_conf, iprep_files), NULL, 0, 0,
     NULL},
    /* lua / luajit rules (detect_lua.c): off by default, as Suricata 8's security.lua */
    {"detect.lua.allow-rules", CONF_BOOL, offsetof(struct detect_conf, lua_allow), "false", 0, 0,
     NULL},
    {"detect.lua.scripts-dir", CONF_STR, offsetof(struct detect_conf, lua_dir), NULL, 0, 0, NULL},
    {"detect.lua.max-bytes", CONF_SIZE, offsetof(struct detect_conf, lua_max_bytes), "500kb",
     64 << 10, 1 << 30, NULL},
    {"detect.lua.max-instructions", CONF_SIZE, offsetof(struct detect_conf, lua_max_instr),
     "500000", 1000, 1000000000, NULL},
    {"vars.address-groups.*", CONF_STR, 0, NULL, 0, 0, NULL},
    {"vars.port-groups.*", CONF_STR, 0, NULL, 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL},
};

struct window_conf {
	uint64_t stream_window;
	uint64_t stream_chunk;
	uint64_t memcap;
};

static const struct conf_key window_keys[] = {
    {"detect.stream-window", CONF_SIZE, offsetof(struct window_conf, stream_window), "2kb", 0,
     1 << 20, NULL},
    {"detect.stream-chunk-size", CONF_SIZE, offsetof(struct window_conf, stream_chunk), "2560",
     0, 1 << 20, NULL},
    {"detect.memcap", CONF_SIZE, offsetof(struct window_conf, memcap), "128mb", 1 << 20, INT64_MAX,
     NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL},
};

static int
add_var(struct detect_conf *conf, bool is_port, const char *name, const char *value)
{
	size_t n = conf->nvars + 1;
	char **nn, **nv;
	bool *np;

	if ((nn = realloc(conf->var_names, n * sizeof(*nn))) == NULL)
		return SW_E_NOMEM;
	conf->var_names = nn;
	if ((nv = realloc(conf->var_values, n * sizeof(*nv))) == NULL)
		return SW_E_NOMEM;
	conf->var_values = nv;
	if ((np = realloc(conf->var_is_port, n * sizeof(*np))) == NULL)
		return SW_E_NOMEM;
	conf->var_is_port = np;
	nn[conf->nvars] = strdup(name);
	nv[conf->nvars] = strdup(value != NULL ? value : "");
	np[conf->nvars] = is_port;
	conf->nvars = n;
	if (nn[n - 1] == NULL || nv[n - 1] == NULL)
		return SW_E_NOMEM;
	return 0;
}

static int
add_addr_var(void *arg, const char *key, const char *value)
{
	return add_var(arg, false, key, value);
}

static int
add_port_var(void *arg, const char *key, const char *value)
{
	return add_var(arg, true, key, value);
}

int
detect_conf_load(struct conf_doc *doc, struct detect_conf *conf)
{
	struct window_conf wc;
	int r;

	memset(conf, 0, sizeof(*conf));
	memset(&wc, 0, sizeof(wc));
	r = conf_apply(doc, detect_keys, conf);
	if (conf_apply(doc, window_keys, &wc) != 0)
		r = SW_E_CONFIG;
	conf->stream_window = (uint32_t)wc.stream_window;
	conf->stream_chunk = (uint32_t)wc.stream_chunk;
	conf->memcap = wc.memcap;
	if (conf_doc_foreach(doc, "vars.address-groups.", add_addr_var, conf) != 0 ||
	    conf_doc_foreach(doc, "vars.port-groups.", add_port_var, conf) != 0)
		r = r != 0 ? r : SW_E_NOMEM;
	if (det_dataset_conf_load(doc, conf) != 0) /* the datasets: section */
		r = r != 0 ? r : SW_E_CONFIG;
	return r;
}

void
detect_conf_free(struct detect_conf *conf)
{
	size_t i;

	conf_struct_free(detect_keys, conf);
	for (i = 0; i < conf->nvars; i++) {
		free(conf->var_names[i]);
		free(conf->var_values[i]);
	}
	free(conf->var_names);
	free(conf->var_values);
	free(conf->var_is_port);
	for (i = 0; i < conf->cli_only.n; i++)
		free(conf->cli_only.v[i]);
	free(conf->cli_only.v);
	for (i = 0; i < conf->cli_extra.n; i++)
		free(conf->cli_extra.v[i]);
	free(conf->cli_extra.v);
	det_dataset_conf_free(conf);
	memset(conf, 0, sizeof(*conf));
}
