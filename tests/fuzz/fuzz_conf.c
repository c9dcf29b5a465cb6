/* tests/fuzz/fuzz_conf.c: fuzz target for the YAML configuration loader and conf_apply. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "fuzz.h"

struct fuzz_conf {
	bool flag;
	int64_t level;
	uint32_t port;
	uint64_t memcap;
	uint32_t timeout;
	char *name;
	struct conf_strlist files;
	int mode;
	char *eve_file;
};

static const char *const fuzz_conf_modes[] = {"off", "alert", "block", NULL};

static const struct conf_key fuzz_conf_keys[] = {
    {"a.flag", CONF_BOOL, offsetof(struct fuzz_conf, flag), "no", 0, 0, NULL},
    {"a.level", CONF_INT, offsetof(struct fuzz_conf, level), "0", -100, 100, NULL},
    {"a.port", CONF_U32, offsetof(struct fuzz_conf, port), "80", 1, 65535, NULL},
    {"a.memcap", CONF_SIZE, offsetof(struct fuzz_conf, memcap), "64mb", 1024, -1, NULL},
    {"a.b.timeout", CONF_SECS, offsetof(struct fuzz_conf, timeout), "30s", 1, 86400, NULL},
    {"a.name", CONF_STR, offsetof(struct fuzz_conf, name), "x", 0, 0, NULL},
    {"a.files", CONF_STRLIST, offsetof(struct fuzz_conf, files), "[a, b]", 0, 0, NULL},
    {"a.mode", CONF_ENUM, offsetof(struct fuzz_conf, mode), "alert", 0, 0, fuzz_conf_modes},
    {"outputs.0.eve.file", CONF_STR, offsetof(struct fuzz_conf, eve_file), NULL, 0, 0, NULL},
    {"kafka.props.*", CONF_STR, 0, NULL, 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL},
};

int
fuzz_conf_one(const uint8_t *data, size_t size)
{
	struct conf_doc *doc = NULL;
	struct fuzz_conf conf = {0};
	char where[128];

	if (conf_doc_load_mem("fuzz.yaml", data, size, &doc) != 0)
		return 0;
	(void)conf_doc_set(doc, "a.port=8080");
	(void)conf_doc_set(doc, "a.files=[x, y]");
	(void)conf_apply(doc, fuzz_conf_keys, &conf);
	(void)conf_check_unused(doc);
	(void)conf_doc_where(doc, "a", where, sizeof(where));
	(void)conf_doc_where(doc, "a.name", where, sizeof(where));
	conf_struct_free(fuzz_conf_keys, &conf);
	conf_doc_free(doc);
	return 0;
}

FUZZ_ENTRY(fuzz_conf_one)
