/* tests/unit/core/test_conf.c: the config document, YAML loading and conf_apply key tables. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "../unit.h"

struct tconf {
	bool flag;
	int64_t level;
	uint32_t port;
	uint64_t memcap;
	uint32_t timeout;
	char *name;
	struct conf_strlist files;
	int mode;
};

static const char *const modes[] = {"off", "alert", "block", NULL};

static const struct conf_key tkeys[] = {
    {"t.flag", CONF_BOOL, offsetof(struct tconf, flag), "yes", 0, 0, NULL},
    {"t.level", CONF_INT, offsetof(struct tconf, level), "-5", -10, 10, NULL},
    {"t.port", CONF_U32, offsetof(struct tconf, port), "80", 1, 65535, NULL},
    {"t.memcap", CONF_SIZE, offsetof(struct tconf, memcap), "64mb", 1024, INT64_C(1) << 40, NULL},
    {"t.timeout", CONF_SECS, offsetof(struct tconf, timeout), "30s", 1, 86400, NULL},
    {"t.name", CONF_STR, offsetof(struct tconf, name), "sensor1", 0, 0, NULL},
    {"t.files", CONF_STRLIST, offsetof(struct tconf, files), "[a.pcap, b.pcap]", 0, 0, NULL},
    {"t.mode", CONF_ENUM, offsetof(struct tconf, mode), "alert", 0, 0, modes},
    {NULL, 0, 0, NULL, 0, 0, NULL},
};

/* ---- stderr capture ---------------------------------------------------------------------- */

static char cap_text[16384];
static FILE *cap_fp;
static int cap_saved = -1;

static void
cap_begin(void)
{
	fflush(stderr);
	cap_fp = tmpfile();
	cap_saved = dup(2);
	if (cap_fp != NULL && cap_saved >= 0)
		dup2(fileno(cap_fp), 2);
}

/* What was written to stderr since cap_begin(); also echoed as TAP comments. */
static const char *
cap_end(void)
{
	size_t n = 0;
	char *line, *save = NULL;
	char copy[sizeof(cap_text)];

	fflush(stderr);
	if (cap_saved >= 0) {
		dup2(cap_saved, 2);
		close(cap_saved);
		cap_saved = -1;
	}
	if (cap_fp != NULL) {
		rewind(cap_fp);
		n = fread(cap_text, 1, sizeof(cap_text) - 1, cap_fp);
		fclose(cap_fp);
		cap_fp = NULL;
	}
	cap_text[n] = '\0';
	memcpy(copy, cap_text, n + 1);
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		printf("#   stderr: %s\n", line);
	return cap_text;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static struct conf_doc *
load(const char *name, const char *yaml)
{
	struct conf_doc *doc = NULL;

	if (conf_doc_load_mem(name, yaml, strlen(yaml), &doc) != 0)
		return NULL;
	return doc;
}

/* conf_doc_load_mem() of a C string. */
static int
load_str(const char *name, const char *yaml, struct conf_doc **out)
{
	return conf_doc_load_mem(name, yaml, strlen(yaml), out);
}

/* Loads yaml, applies tkeys to *c (zeroed first); returns conf_apply's result (or the load's). */
static int
apply_yaml(const char *yaml, struct tconf *c, const char **err)
{
	struct conf_doc *doc = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	cap_begin();
	r = conf_doc_load_mem("t.yaml", yaml, strlen(yaml), &doc);
	if (r == 0)
		r = conf_apply(doc, tkeys, c);
	*err = cap_end();
	conf_doc_free(doc);
	return r;
}

/* Applies one --set assignment over the defaults. */
static int
apply_set(const char *assignment, struct tconf *c, const char **err)
{
	struct conf_doc *doc = conf_doc_new();
	int r;

	memset(c, 0, sizeof(*c));
	cap_begin();
	r = conf_doc_set(doc, assignment);
	if (r == 0)
		r = conf_apply(doc, tkeys, c);
	*err = cap_end();
	conf_doc_free(doc);
	return r;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void
test_defaults(void)
{
	struct tconf c;
	struct conf_doc *doc = conf_doc_new();

	memset(&c, 0, sizeof(c));
	UNIT_CHECK(doc != NULL, "conf_doc_new");
	UNIT_CHECK(conf_apply(doc, tkeys, &c) == 0, "defaults apply");
	UNIT_CHECK(c.flag == true, "default bool");
	UNIT_CHECK(c.level == -5, "default int");
	UNIT_CHECK(c.port == 80, "default u32");
	UNIT_CHECK(c.memcap == 64ULL << 20, "default size 64mb");
	UNIT_CHECK(c.timeout == 30, "default secs 30s");
	UNIT_CHECK_STR(c.name, "sensor1", "default string");
	UNIT_CHECK(c.files.n == 2 && strcmp(c.files.v[0], "a.pcap") == 0 &&
	               strcmp(c.files.v[1], "b.pcap") == 0,
	           "default list");
	UNIT_CHECK(c.mode == 1, "default enum");
	UNIT_CHECK(conf_check_unused(doc) == 0, "empty document has no unknown keys");
	UNIT_CHECK(conf_doc_where(doc, "t.port", (char[64]){0}, 64) == NULL,
	           "where of an unset key is NULL");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(c.name == NULL && c.files.v == NULL && c.files.n == 0,
	           "conf_struct_free clears pointers");
	conf_struct_free(tkeys, &c); /* idempotent */
	UNIT_CHECK(c.name == NULL, "conf_struct_free twice");
	conf_doc_free(doc);
	conf_doc_free(NULL);
}

static void
test_good_values(void)
{
	static const char yaml[] = "t:\n"                 /* 1 */
	                           "  flag: off\n"        /* 2 */
	                           "  level: 7\n"         /* 3 */
	                           "  port: 65535\n"      /* 4 */
	                           "  memcap: 2gb\n"      /* 5 */
	                           "  timeout: 5m\n"      /* 6 */
	                           "  name: \"span 1\"\n" /* 7 */
	                           "  files: [x.pcap, 'y z.pcap', w.pcap]\n"
	                           "  mode: BLOCK\n";
	struct tconf c;
	struct conf_doc *doc = load("good.yaml", yaml);
	char where[64];

	memset(&c, 0, sizeof(c));
	UNIT_CHECK(doc != NULL, "load good yaml");
	if (doc == NULL)
		return;
	UNIT_CHECK(conf_apply(doc, tkeys, &c) == 0, "apply good yaml");
	UNIT_CHECK(c.flag == false, "bool off");
	UNIT_CHECK(c.level == 7, "int 7");
	UNIT_CHECK(c.port == 65535, "u32 at max");
	UNIT_CHECK(c.memcap == 2ULL << 30, "size 2gb");
	UNIT_CHECK(c.timeout == 300, "secs 5m");
	UNIT_CHECK_STR(c.name, "span 1", "quoted string");
	UNIT_CHECK(c.files.n == 3, "flow list of 3");
	if (c.files.n == 3) {
		UNIT_CHECK_STR(c.files.v[0], "x.pcap", "flow list item 0");
		UNIT_CHECK_STR(c.files.v[1], "y z.pcap", "flow list item 1 (quoted)");
		UNIT_CHECK_STR(c.files.v[2], "w.pcap", "flow list item 2");
	}
	UNIT_CHECK(c.mode == 2, "enum case-insensitive");
	UNIT_CHECK_STR(conf_doc_where(doc, "t.memcap", where, sizeof(where)), "good.yaml:5",
	               "where of a file key");
	UNIT_CHECK_STR(conf_doc_where(doc, "t", where, sizeof(where)), "good.yaml:2",
	               "where of a mapping is its first key");
	UNIT_CHECK(conf_check_unused(doc) == 0, "all keys used");
	conf_struct_free(tkeys, &c);
	conf_doc_free(doc);
}

static void
test_bools(void)
{
	static const struct {
		const char *text;
		bool want;
	} cases[] = {
	    {"yes", true}, {"No", false},  {"TRUE", true}, {"false", false},
	    {"On", true},  {"OFF", false}, {"1", true},    {"0", false},
	};
	struct tconf c;
	const char *err;
	char set[64], name[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(set, sizeof(set), "t.flag=%s", cases[i].text);
		snprintf(name, sizeof(name), "bool '%s'", cases[i].text);
		/* flip the default so a no-op could not pass */
		UNIT_CHECK(apply_set(set, &c, &err) == 0 && c.flag == cases[i].want, name);
		conf_struct_free(tkeys, &c);
	}
	UNIT_CHECK(apply_set("t.flag=maybe", &c, &err) == SW_E_CONFIG, "bool 'maybe' refused");
	UNIT_CHECK(strstr(err, "--set: key 't.flag': value 'maybe' is not a boolean") != NULL,
	           "bool error text");
	UNIT_CHECK(c.flag == true, "default kept after a bad bool");
	conf_struct_free(tkeys, &c);
}

static void
test_bounds(void)
{
	struct tconf c;
	const char *err;

	UNIT_CHECK(apply_yaml("t:\n  port: 70000\n", &c, &err) == SW_E_CONFIG, "u32 above max");
	UNIT_CHECK(strstr(err, "t.yaml:2: key 't.port': value 70000 is out of range [1, 65535]") !=
	               NULL,
	           "u32 range error text");
	UNIT_CHECK(c.port == 80, "u32 keeps its default after an error");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  port: 0\n", &c, &err) == SW_E_CONFIG, "u32 below min");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  port: -1\n", &c, &err) == SW_E_CONFIG, "u32 negative");
	UNIT_CHECK(strstr(err, "out of range") != NULL, "u32 negative is out of range");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  port: 1\n", &c, &err) == 0 && c.port == 1, "u32 at min");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  level: -11\n", &c, &err) == SW_E_CONFIG, "int below min");
	UNIT_CHECK(strstr(err, "value -11 is out of range [-10, 10]") != NULL, "int range text");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  level: -10\n", &c, &err) == 0 && c.level == -10, "int at min");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  level: 11\n", &c, &err) == SW_E_CONFIG, "int above max");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  level: 99999999999999999999\n", &c, &err) == SW_E_CONFIG &&
	               strstr(err, "out of range") != NULL,
	           "int overflow is out of range");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  memcap: 512\n", &c, &err) == SW_E_CONFIG, "size below min");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  memcap: 2tb\n", &c, &err) == SW_E_CONFIG, "size above max");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  memcap: 1tb\n", &c, &err) == 0 && c.memcap == 1ULL << 40,
	           "size at max");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  timeout: 2d\n", &c, &err) == SW_E_CONFIG, "secs above max");
	UNIT_CHECK(strstr(err, "value 2d is out of range [1, 86400]") != NULL, "secs range text");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  timeout: 0\n", &c, &err) == SW_E_CONFIG, "secs below min");
	conf_struct_free(tkeys, &c);
}

static void
test_wrong_types(void)
{
	struct tconf c;
	const char *err;

	UNIT_CHECK(apply_yaml("t:\n  memcap: abc\n", &c, &err) == SW_E_CONFIG, "size 'abc'");
	UNIT_CHECK(strstr(err, "t.yaml:2: key 't.memcap': value 'abc' is not a size (e.g. 64mb)") !=
	               NULL,
	           "size error text");
	UNIT_CHECK(c.memcap == 64ULL << 20, "size keeps its default");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  port: 8o\n", &c, &err) == SW_E_CONFIG &&
	               strstr(err, "is not an integer") != NULL,
	           "u32 '8o'");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  level: 1.5\n", &c, &err) == SW_E_CONFIG, "int '1.5'");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  timeout: 5x\n", &c, &err) == SW_E_CONFIG &&
	               strstr(err, "is not a duration") != NULL,
	           "secs '5x'");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  port: [1, 2]\n", &c, &err) == SW_E_CONFIG &&
	               strstr(err, "t.yaml:2: key 't.port': expected a scalar") != NULL,
	           "list where a scalar is expected");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  name:\n    first: x\n", &c, &err) == SW_E_CONFIG &&
	               strstr(err, "t.yaml:3: key 't.name': expected a scalar") != NULL,
	           "mapping where a scalar is expected");
	UNIT_CHECK_STR(c.name, "sensor1", "string keeps its default");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  port:\n", &c, &err) == SW_E_CONFIG &&
	               strstr(err, "no value") != NULL,
	           "null where a number is expected");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  name: ~\n", &c, &err) == 0 && c.name == NULL,
	           "null string clears the default");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  name: ''\n", &c, &err) == 0 && c.name != NULL &&
	               c.name[0] == '\0',
	           "quoted empty string is a string");
	conf_struct_free(tkeys, &c);
	/* every key is checked, not only the first bad one */
	UNIT_CHECK(apply_yaml("t:\n  port: x\n  memcap: y\n  flag: z\n", &c, &err) == SW_E_CONFIG,
	           "three bad keys");
	UNIT_CHECK(count_lines(err) == 3, "three bad keys give three messages");
	conf_struct_free(tkeys, &c);
}

static void
test_size_secs(void)
{
	static const struct {
		const char *text;
		uint64_t want;
	} sizes[] = {
	    {"10", 10},
	    {"7b", 7},
	    {"64kb", 64ULL << 10},
	    {"64k", 64ULL << 10},
	    {"128MB", 128ULL << 20},
	    {"128 mb", 128ULL << 20},
	    {"2g", 2ULL << 30},
	    {"3Gb", 3ULL << 30},
	    {"1tb", 1ULL << 40},
	    {"18446744073709551615", UINT64_MAX},
	};
	static const char *const bad_sizes[] = {
	    "",     "mb", "-1",   "1.5gb", "64 xb", "18446744073709551616", "99999999999tb",
	    "0x10", " 5", "5mb ",
	};
	static const struct {
		const char *text;
		uint32_t want;
	} secs[] = {
	    {"45", 45},
	    {"30s", 30},
	    {"5m", 300},
	    {"5M", 300},
	    {"2h", 7200},
	    {"1d", 86400},
	    {"4294967295", UINT32_MAX},
	};
	static const char *const bad_secs[] = {"", "1x", "-5", "4294967296", "49711d", "m"};
	char name[80];
	uint64_t v;
	uint32_t s;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "size '%s'", sizes[i].text);
		v = 12345;
		UNIT_CHECK(conf_parse_size(sizes[i].text, &v) == 0 && v == sizes[i].want, name);
	}
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		snprintf(name, sizeof(name), "size '%s' refused", bad_sizes[i]);
		v = 12345;
		UNIT_CHECK(conf_parse_size(bad_sizes[i], &v) == SW_E_INVAL && v == 12345, name);
	}
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		snprintf(name, sizeof(name), "secs '%s'", secs[i].text);
		s = 12345;
		UNIT_CHECK(conf_parse_secs(secs[i].text, &s) == 0 && s == secs[i].want, name);
	}
	for (size_t i = 0; i < sizeof(bad_secs) / sizeof(bad_secs[0]); i++) {
		snprintf(name, sizeof(name), "secs '%s' refused", bad_secs[i]);
		s = 12345;
		UNIT_CHECK(conf_parse_secs(bad_secs[i], &s) == SW_E_INVAL && s == 12345, name);
	}
}

static void
test_enum(void)
{
	struct tconf c;
	const char *err;

	UNIT_CHECK(apply_set("t.mode=off", &c, &err) == 0 && c.mode == 0, "enum first choice");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_set("t.mode=Block", &c, &err) == 0 && c.mode == 2, "enum last choice");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_set("t.mode=drop", &c, &err) == SW_E_CONFIG, "enum unknown choice");
	UNIT_CHECK(
	    strstr(err, "--set: key 't.mode': value 'drop' is not one of: off, alert, block") !=
	        NULL,
	    "enum error lists the choices");
	UNIT_CHECK(c.mode == 1, "enum keeps its default");
	conf_struct_free(tkeys, &c);
}

static void
test_lists(void)
{
	struct tconf c;
	const char *err;

	UNIT_CHECK(apply_yaml("t:\n  files:\n    - one.pcap\n    - two.pcap\n", &c, &err) == 0,
	           "block list");
	UNIT_CHECK(c.files.n == 2 && strcmp(c.files.v[0], "one.pcap") == 0 &&
	               strcmp(c.files.v[1], "two.pcap") == 0,
	           "block list items");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  files: only.pcap\n", &c, &err) == 0 && c.files.n == 1 &&
	               strcmp(c.files.v[0], "only.pcap") == 0,
	           "single scalar is a one-item list");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  files: []\n", &c, &err) == 0 && c.files.n == 0 &&
	               c.files.v == NULL,
	           "empty list replaces the default");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  files: [a, ~]\n", &c, &err) == SW_E_CONFIG &&
	               strstr(err, "empty") != NULL,
	           "null list item refused");
	conf_struct_free(tkeys, &c);
	UNIT_CHECK(apply_yaml("t:\n  files: {a: 1}\n", &c, &err) == SW_E_CONFIG &&
	               strstr(err, "key 't.files': expected a list") != NULL,
	           "mapping where a list is expected");
	conf_struct_free(tkeys, &c);
}

static void
test_nesting(void)
{
	static const char yaml[] = "a:\n"
	                           "  b:\n"
	                           "    c:\n"
	                           "      deep: found\n"
	                           "      other: [1, 2]\n"
	                           "top: 1\n";
	static const char seqmap[] = "outputs:\n"             /* 1 */
	                             "  - eve:\n"             /* 2 */
	                             "      file: eve.json\n" /* 3 */
	                             "  - kafka:\n"           /* 4 */
	                             "      topic: alerts\n"  /* 5 */
	                             "      brokers: [k1, k2]\n"
	                             "  - plain\n"; /* 7 */
	struct {
		char *deep, *file, *topic, *plain;
		struct conf_strlist other, brokers;
		int64_t top;
	} n;
	const struct conf_key nkeys[] = {
	    {"a.b.c.deep", CONF_STR, offsetof(__typeof__(n), deep), NULL, 0, 0, NULL},
	    {"a.b.c.other", CONF_STRLIST, offsetof(__typeof__(n), other), NULL, 0, 0, NULL},
	    {"top", CONF_INT, offsetof(__typeof__(n), top), "0", 0, 5, NULL},
	    {"outputs.0.eve.file", CONF_STR, offsetof(__typeof__(n), file), NULL, 0, 0, NULL},
	    {"outputs.1.kafka.topic", CONF_STR, offsetof(__typeof__(n), topic), NULL, 0, 0, NULL},
	    {"outputs.1.kafka.brokers", CONF_STRLIST, offsetof(__typeof__(n), brokers), NULL, 0, 0,
	     NULL},
	    {"outputs.2", CONF_STR, offsetof(__typeof__(n), plain), NULL, 0, 0, NULL},
	    {NULL, 0, 0, NULL, 0, 0, NULL},
	};
	struct conf_doc *doc = load("n.yaml", yaml), *doc2;
	char where[64];

	memset(&n, 0, sizeof(n));
	UNIT_CHECK(doc != NULL, "load nested yaml");
	if (doc == NULL)
		return;
	UNIT_CHECK(conf_apply(doc, nkeys, &n) == 0, "apply nested");
	UNIT_CHECK_STR(n.deep, "found", "4-level key");
	UNIT_CHECK(n.other.n == 2 && strcmp(n.other.v[1], "2") == 0, "list 4 levels deep");
	UNIT_CHECK(n.top == 1, "key after closing 3 levels");
	UNIT_CHECK_STR(conf_doc_where(doc, "a.b.c.deep", where, sizeof(where)), "n.yaml:4",
	               "where of a deep key");
	conf_doc_free(doc);

	doc2 = load("s.yaml", seqmap);
	UNIT_CHECK(doc2 != NULL, "load sequence of mappings");
	if (doc2 == NULL) {
		conf_struct_free(nkeys, &n);
		return;
	}
	UNIT_CHECK(conf_apply(doc2, nkeys, &n) == 0, "apply sequence of mappings");
	UNIT_CHECK_STR(n.file, "eve.json", "outputs.0.eve.file");
	UNIT_CHECK_STR(n.topic, "alerts", "outputs.1.kafka.topic");
	UNIT_CHECK(n.brokers.n == 2 && strcmp(n.brokers.v[0], "k1") == 0, "list in a sequence");
	UNIT_CHECK_STR(n.plain, "plain", "scalar item of a mixed sequence at outputs.2");
	UNIT_CHECK_STR(conf_doc_where(doc2, "outputs.1.kafka.topic", where, sizeof(where)),
	               "s.yaml:5", "where in a sequence of mappings");
	UNIT_CHECK_STR(conf_doc_where(doc2, "outputs.2", where, sizeof(where)), "s.yaml:7",
	               "where of a scalar item");
	cap_begin();
	UNIT_CHECK(conf_check_unused(doc2) == 0, "sequence of mappings all used");
	cap_end();
	conf_struct_free(nkeys, &n);
	UNIT_CHECK(n.file == NULL && n.brokers.v == NULL, "free a second table");
	conf_doc_free(doc2);
}

static void
test_set(void)
{
	static const char yaml[] = "t:\n  port: 443\n  files: [a, b]\n  name: file-name\n"
	                           "m:\n  x: 1\n  y: 2\n";
	const struct conf_key mkeys[] = {
	    {"m", CONF_STR, 0, NULL, 0, 0, NULL},
	    {NULL, 0, 0, NULL, 0, 0, NULL},
	};
	char *m = NULL;
	struct tconf c;
	struct conf_doc *doc = load("set.yaml", yaml);
	char where[64];
	const char *err;

	memset(&c, 0, sizeof(c));
	UNIT_CHECK(doc != NULL, "load for --set");
	if (doc == NULL)
		return;
	UNIT_CHECK(conf_doc_set(doc, "t.port=8080") == 0, "set a file value");
	UNIT_CHECK(conf_doc_set(doc, "t.files = [ x , y y,z ]") == 0, "set a list");
	UNIT_CHECK(conf_doc_set(doc, "t.name=[]") == 0, "set an empty list");
	UNIT_CHECK(conf_doc_set(doc, "t.level=3") == 0, "set a new key");
	UNIT_CHECK(conf_doc_set(doc, "m=flat") == 0, "set a scalar over a mapping");
	cap_begin();
	UNIT_CHECK(conf_doc_set(doc, "t.port") == SW_E_INVAL, "set without '='");
	UNIT_CHECK(conf_doc_set(doc, "=5") == SW_E_INVAL, "set without a path");
	UNIT_CHECK(conf_doc_set(doc, "a..b=5") == SW_E_INVAL, "set with an empty component");
	UNIT_CHECK(conf_doc_set(doc, "t.files=[a,,b]") == SW_E_INVAL, "set with an empty item");
	err = cap_end();
	UNIT_CHECK(count_lines(err) == 4, "each bad --set is reported");
	UNIT_CHECK_STR(conf_doc_where(doc, "t.port", where, sizeof(where)), "--set",
	               "where of a --set key");
	cap_begin();
	UNIT_CHECK(conf_apply(doc, tkeys, &c) == SW_E_CONFIG, "apply with a list for a string");
	err = cap_end();
	UNIT_CHECK(strstr(err, "--set: key 't.name': expected a scalar") != NULL,
	           "--set origin in the message");
	UNIT_CHECK(c.port == 8080, "--set overrides the file");
	UNIT_CHECK(c.level == 3, "--set adds a key");
	UNIT_CHECK(c.files.n == 3 && strcmp(c.files.v[0], "x") == 0 &&
	               strcmp(c.files.v[1], "y y") == 0 && strcmp(c.files.v[2], "z") == 0,
	           "--set list replaces the file list, items trimmed");
	UNIT_CHECK(conf_apply(doc, mkeys, &m) == 0, "--set scalar replaced the mapping");
	UNIT_CHECK_STR(m, "flat", "--set scalar value");
	cap_begin();
	UNIT_CHECK(conf_check_unused(doc) == 0, "nothing left unused");
	cap_end();
	conf_struct_free(mkeys, &m);
	conf_struct_free(tkeys, &c);
	conf_doc_free(doc);
}

static void
test_unknown(void)
{
	static const char yaml[] = "t:\n"
	                           "  port: 1\n"
	                           "  portt: 2\n"  /* 3: one edit */
	                           "  memcpa: 3\n" /* 4: transposition */
	                           "other:\n"
	                           "  memcap: 4\n" /* 6: same last component */
	                           "zzz: [1]\n"    /* 7: no hint */
	                           "kafka:\n"
	                           "  props:\n"
	                           "    acks: all\n" /* covered by the prefix key */
	                           "    linger.ms: 5\n";
	const struct conf_key pkeys[] = {
	    {"kafka.props.*", CONF_STR, 0, NULL, 0, 0, NULL},
	    {NULL, 0, 0, NULL, 0, 0, NULL},
	};
	struct tconf c;
	struct conf_doc *doc = load("u.yaml", yaml);
	const char *err;
	int n;

	memset(&c, 0, sizeof(c));
	UNIT_CHECK(doc != NULL, "load for unknown keys");
	if (doc == NULL)
		return;
	UNIT_CHECK(conf_apply(doc, tkeys, &c) == 0, "apply with unknown keys around");
	UNIT_CHECK(conf_apply(doc, pkeys, NULL) == 0, "apply a prefix key");
	UNIT_CHECK(conf_doc_set(doc, "x.y=1") == 0, "set an unknown key");
	cap_begin();
	n = conf_check_unused(doc);
	err = cap_end();
	UNIT_CHECK(n == 5, "five unknown keys");
	UNIT_CHECK(strstr(err, "u.yaml:3: unknown key 't.portt' (did you mean 't.port'?)") != NULL,
	           "did you mean, one edit");
	UNIT_CHECK(strstr(err, "u.yaml:4: unknown key 't.memcpa' (did you mean 't.memcap'?)") !=
	               NULL,
	           "did you mean, transposition");
	UNIT_CHECK(strstr(err, "u.yaml:6: unknown key 'other.memcap' (did you mean 't.memcap'?)") !=
	               NULL,
	           "did you mean, other parent");
	UNIT_CHECK(strstr(err, "u.yaml:7: unknown key 'zzz'\n") != NULL ||
	               strstr(err, "u.yaml:7: unknown key 'zzz'") != NULL,
	           "unknown list key");
	UNIT_CHECK(strstr(err, "'zzz' (did") == NULL, "no hint when nothing is close");
	UNIT_CHECK(strstr(err, "--set: unknown key 'x.y'") != NULL, "unknown --set key");
	UNIT_CHECK(strstr(err, "kafka") == NULL, "prefix key marks its subtree used");
	conf_struct_free(tkeys, &c);
	conf_doc_free(doc);
}

static void
test_load_errors(void)
{
	struct conf_doc *doc = (struct conf_doc *)&doc; /* must be reset to NULL */
	const char *err;
	int r;

	cap_begin();
	r = load_str("dup.yaml", "t:\n  port: 1\n  port: 2\n", &doc);
	err = cap_end();
	UNIT_CHECK(r == SW_E_CONFIG && doc == NULL, "duplicate key refused");
	UNIT_CHECK(strstr(err, "dup.yaml:3: duplicate key 't.port'") != NULL, "duplicate key text");

	cap_begin();
	r = load_str("dup2.yaml", "t.port: 1\nt:\n  port: 2\n", &doc);
	err = cap_end();
	UNIT_CHECK(r == SW_E_CONFIG && strstr(err, "dup2.yaml:3: duplicate key 't.port'") != NULL,
	           "duplicate path through a dotted key");

	cap_begin();
	r = load_str("syn.yaml", "t:\n  port: 1\n  name: [a, b\n", &doc);
	err = cap_end();
	UNIT_CHECK(r == SW_E_CONFIG && doc == NULL, "syntax error refused");
	UNIT_CHECK(strstr(err, "syn.yaml:4:") != NULL || strstr(err, "syn.yaml:3:") != NULL,
	           "syntax error names file:line");

	cap_begin();
	r = load_str("tab.yaml", "t:\n\tport: 1\n", &doc);
	err = cap_end();
	UNIT_CHECK(r == SW_E_CONFIG && strstr(err, "tab.yaml:2:") != NULL, "tab indentation");

	cap_begin();
	r = load_str("root.yaml", "- a\n- b\n", &doc);
	err = cap_end();
	UNIT_CHECK(r == SW_E_CONFIG && strstr(err, "root.yaml:1: the top level must be a mapping"),
	           "root must be a mapping");

	cap_begin();
	r = load_str("alias.yaml", "a: &x 5\nb: *x\n", &doc);
	err = cap_end();
	UNIT_CHECK(r == SW_E_CONFIG && strstr(err, "alias.yaml:2: key 'b': aliases") != NULL,
	           "alias refused");

	cap_begin();
	r = load_str("two.yaml", "a: 1\n---\nb: 2\n", &doc);
	err = cap_end();
	UNIT_CHECK(r == SW_E_CONFIG && strstr(err, "two.yaml:3:") != NULL, "second document");

	cap_begin();
	r = load_str("key.yaml", "[a]: 1\n", &doc);
	err = cap_end();
	UNIT_CHECK(r == SW_E_CONFIG && strstr(err, "key.yaml:1:") != NULL, "non-scalar key");

	cap_begin();
	r = load_str("nul.yaml", "a: \"x\\0y\"\n", &doc);
	err = cap_end();
	UNIT_CHECK(r == SW_E_CONFIG && strstr(err, "nul.yaml:1: key 'a'") != NULL,
	           "NUL in a value");

	r = load_str("empty.yaml", "# nothing\n", &doc);
	UNIT_CHECK(r == 0 && doc != NULL, "comment-only file is an empty document");
	conf_doc_free(doc);

	r = load_str("mixed.yaml", "x: [s, {a: 1}, [p, q], t]\n", &doc);
	UNIT_CHECK(r == 0 && doc != NULL, "mixed sequence loads");
	if (doc != NULL) {
		char where[64];

		UNIT_CHECK(conf_doc_where(doc, "x.0", where, sizeof(where)) != NULL &&
		               conf_doc_where(doc, "x.1.a", where, sizeof(where)) != NULL &&
		               conf_doc_where(doc, "x.2", where, sizeof(where)) != NULL &&
		               conf_doc_where(doc, "x.3", where, sizeof(where)) != NULL &&
		               conf_doc_where(doc, "x", where, sizeof(where)) != NULL,
		           "mixed sequence items at x.N");
		cap_begin();
		UNIT_CHECK(conf_check_unused(doc) == 4, "mixed sequence gives four entries");
		cap_end();
		conf_doc_free(doc);
		doc = NULL;
	}

	{
		char deep[400];
		size_t n = (size_t)snprintf(deep, sizeof(deep), "a: ");

		for (int i = 0; i < 70; i++)
			n += (size_t)snprintf(deep + n, sizeof(deep) - n, "[");
		deep[n] = '\0';
		cap_begin();
		r = load_str("deep.yaml", deep, &doc);
		err = cap_end();
		UNIT_CHECK(r == SW_E_CONFIG && doc == NULL, "deep nesting refused");
		UNIT_CHECK(strstr(err, "deep.yaml:1: key 'a.0.0.0") != NULL &&
		               strstr(err, "nested deeper") != NULL,
		           "deep nesting names file:line and key");
	}

	cap_begin();
	r = conf_doc_load("/nonexistent/spanwatch-test.yaml", &doc);
	err = cap_end();
	UNIT_CHECK((r == SW_E_IO || r == SW_E_CONFIG) && doc == NULL, "missing file refused");
	UNIT_CHECK(strstr(err, "/nonexistent/spanwatch-test.yaml") != NULL,
	           "missing file message names the file");
}

static void
test_file(void)
{
	static const char yaml[] = "# spanwatch test\n"
	                           "t:\n"
	                           "  timeout: 2h\n";
	char path[] = "/tmp/test_conf_XXXXXX";
	char where[128], want[128];
	struct conf_doc *doc = NULL;
	struct tconf c;
	int fd = mkstemp(path);
	int r;

	memset(&c, 0, sizeof(c));
	UNIT_CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	UNIT_CHECK(write(fd, yaml, sizeof(yaml) - 1) == (ssize_t)(sizeof(yaml) - 1), "write");
	close(fd);
	r = conf_doc_load(path, &doc);
	UNIT_CHECK(r == 0 && doc != NULL, "load a file");
	if (doc != NULL) {
		UNIT_CHECK(conf_apply(doc, tkeys, &c) == 0 && c.timeout == 7200,
		           "secs 2h from file");
		snprintf(want, sizeof(want), "%s:3", path);
		UNIT_CHECK_STR(conf_doc_where(doc, "t.timeout", where, sizeof(where)), want,
		               "where names the file");
	}
	conf_struct_free(tkeys, &c);
	conf_doc_free(doc);
	unlink(path);
}

int
main(void)
{
	test_defaults();
	test_good_values();
	test_bools();
	test_bounds();
	test_wrong_types();
	test_size_secs();
	test_enum();
	test_lists();
	test_nesting();
	test_set();
	test_unknown();
	test_load_errors();
	test_file();
	return unit_done();
}
