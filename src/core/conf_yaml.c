/* src/core/conf_yaml.c: reads a YAML config file (libyaml) into a flat conf document. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "core/core.h"
#include "core/core_int.h"

/*
 * The walker keeps a stack of the open mappings and sequences and the dotted path of the node
 * being read. Each scalar under a mapping becomes one entry at its path. A sequence of scalars
 * becomes one list entry at its path; a sequence holding mappings or sequences puts its items
 * at path.0, path.1, ... instead (so "outputs: [{eve: {...}}]" gives "outputs.0.eve.x").
 */

#define CONF_MAX_DEPTH     64
#define CONF_MAX_FILE_SIZE (16u << 20)

enum conf_frame_kind {
	CONF_FRAME_MAP = 0,
	CONF_FRAME_SEQ = 1,
};

/* A scalar item of a sequence, kept until the sequence ends and we know its shape. */
struct conf_item {
	char *value; /* NULL for a YAML null */
	int line;
};

struct conf_frame {
	enum conf_frame_kind kind;
	size_t base; /* length of the path of this container */
	int line;    /* where it started (the key line for a mapping's value) */
	/* map */
	char **keys; /* keys seen, for the duplicate check */
	size_t nkeys, capkeys;
	bool want_key;
	int key_line;
	/* seq */
	size_t index;
	struct conf_item *items;
	size_t nitems, capitems;
	bool nested; /* holds a mapping or a sequence */
};

struct conf_walk {
	struct conf_doc *doc;
	const char *name;
	char *path; /* NUL-terminated, len chars */
	size_t len, cap;
	struct conf_frame stack[CONF_MAX_DEPTH];
	size_t depth;
	bool root_done;
};

static void
conf_frame_clear(struct conf_frame *f)
{
	for (size_t i = 0; i < f->nkeys; i++)
		free(f->keys[i]);
	free(f->keys);
	for (size_t i = 0; i < f->nitems; i++)
		free(f->items[i].value);
	free(f->items);
	memset(f, 0, sizeof(*f));
}

/* Appends ".text" (or "text" at the root) to the path; 0 or SW_E_NOMEM. */
static int
conf_walk_push_path(struct conf_walk *w, const char *text, size_t n)
{
	size_t need = w->len + 1 + n + 1;

	if (need > w->cap) {
		size_t cap = w->cap ? w->cap : 128;
		char *np;

		while (cap < need)
			cap *= 2;
		if ((np = realloc(w->path, cap)) == NULL)
			return SW_E_NOMEM;
		w->path = np;
		w->cap = cap;
	}
	if (w->len > 0)
		w->path[w->len++] = '.';
	memcpy(w->path + w->len, text, n);
	w->len += n;
	w->path[w->len] = '\0';
	return 0;
}

static void
conf_walk_cut_path(struct conf_walk *w, size_t len)
{
	w->len = len;
	if (w->path != NULL)
		w->path[len] = '\0';
}

static int
conf_mark_line(const yaml_mark_t *m)
{
	return m->line < (size_t)INT32_MAX ? (int)m->line + 1 : INT32_MAX;
}

/* Whether a scalar event is a YAML null: an empty plain scalar, ~ or null. */
static bool
conf_scalar_is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return n == 0 || (n == 1 && v[0] == '~') ||
	       (n == 4 && (memcmp(v, "null", 4) == 0 || memcmp(v, "Null", 4) == 0 ||
	                   memcmp(v, "NULL", 4) == 0));
}

/* A copy of the scalar text, or NULL (null scalar or failure: *r says which). */
static char *
conf_scalar_copy(struct conf_walk *w, const yaml_event_t *ev, int *r)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	char *copy;

	*r = 0;
	if (conf_scalar_is_null(ev))
		return NULL;
	if (memchr(v, '\0', n) != NULL) {
		sw_err("%s:%d: key '%s': a value may not contain a NUL character", w->name,
		       conf_mark_line(&ev->start_mark), w->path ? w->path : "");
		*r = SW_E_CONFIG;
		return NULL;
	}
	if ((copy = malloc(n + 1)) == NULL) {
		*r = SW_E_NOMEM;
		return NULL;
	}
	memcpy(copy, v, n);
	copy[n] = '\0';
	return copy;
}

/* Adds an entry at the current path; value (may be NULL) or list is taken over on success. */
static int
conf_walk_add(struct conf_walk *w, int line, char **value, struct conf_strlist *list)
{
	int r = conf_doc_append(w->doc, w->path, w->doc->file, line, value, list);

	if (r == SW_E_INVAL) {
		char where[256];

		sw_err("%s:%d: duplicate key '%s' (first set at %s)", w->name, line, w->path,
		       conf_doc_where(w->doc, w->path, where, sizeof(where)));
		return SW_E_CONFIG;
	}
	return r;
}

/* Whether a key can be a path component (or several, "a.b"): no NUL, no empty part. */
static bool
conf_key_valid(const char *k, size_t n)
{
	if (n == 0 || k[0] == '.' || k[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] == '\0' || (k[i] == '.' && k[i + 1] == '.'))
			return false;
	return true;
}

/* A mapping key: checks it and makes the path of the value that follows. */
static int
conf_walk_key(struct conf_walk *w, struct conf_frame *f, const yaml_event_t *ev)
{
	const char *k = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	int line = conf_mark_line(&ev->start_mark);
	char *copy;

	if (ev->type != YAML_SCALAR_EVENT) {
		sw_err("%s:%d: a key must be a plain name, not a %s", w->name, line,
		       ev->type == YAML_ALIAS_EVENT ? "alias" : "mapping or a list");
		return SW_E_CONFIG;
	}
	if (!conf_key_valid(k, n)) {
		sw_err("%s:%d: '%.*s' is not a valid key%s%s%s", w->name, line,
		       (int)(n < 200 ? n : 200), k, w->len ? " under '" : "", w->len ? w->path : "",
		       w->len ? "'" : "");
		return SW_E_CONFIG;
	}
	for (size_t i = 0; i < f->nkeys; i++) {
		if (strlen(f->keys[i]) == n && memcmp(f->keys[i], k, n) == 0) {
			if (conf_walk_push_path(w, k, n) != 0)
				return SW_E_NOMEM;
			sw_err("%s:%d: duplicate key '%s'", w->name, line, w->path);
			return SW_E_CONFIG;
		}
	}
	if (f->nkeys == f->capkeys) {
		size_t cap = f->capkeys ? f->capkeys * 2 : 8;
		char **nk = realloc(f->keys, cap * sizeof(*nk));

		if (nk == NULL)
			return SW_E_NOMEM;
		f->keys = nk;
		f->capkeys = cap;
	}
	if ((copy = strndup(k, n)) == NULL)
		return SW_E_NOMEM;
	f->keys[f->nkeys++] = copy;
	f->want_key = false;
	f->key_line = line;
	return conf_walk_push_path(w, k, n);
}

static int
conf_walk_push_frame(struct conf_walk *w, enum conf_frame_kind kind, int line)
{
	struct conf_frame *f;

	if (w->depth == CONF_MAX_DEPTH) {
		sw_err("%s:%d: key '%s': nested deeper than %d levels", w->name, line, w->path,
		       CONF_MAX_DEPTH);
		return SW_E_CONFIG;
	}
	f = &w->stack[w->depth++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->base = w->len;
	f->line = line;
	f->want_key = kind == CONF_FRAME_MAP;
	return 0;
}

/* A scalar item of a sequence: kept until the sequence ends. */
static int
conf_walk_item(struct conf_walk *w, struct conf_frame *f, const yaml_event_t *ev)
{
	char *value;
	int r;

	value = conf_scalar_copy(w, ev, &r);
	if (r != 0)
		return r;
	if (f->nitems == f->capitems) {
		size_t cap = f->capitems ? f->capitems * 2 : 8;
		struct conf_item *ni = realloc(f->items, cap * sizeof(*ni));

		if (ni == NULL) {
			free(value);
			return SW_E_NOMEM;
		}
		f->items = ni;
		f->capitems = cap;
	}
	f->items[f->nitems].value = value;
	f->items[f->nitems].line = conf_mark_line(&ev->start_mark);
	f->nitems++;
	f->index++;
	return 0;
}

/* The end of a sequence: one list entry, or its scalar items at path.N when it was mixed. */
static int
conf_walk_seq_end(struct conf_walk *w, struct conf_frame *f)
{
	struct conf_strlist list = {NULL, 0};
	int r;

	if (!f->nested) {
		if (f->nitems > 0 && (list.v = calloc(f->nitems, sizeof(char *))) == NULL)
			return SW_E_NOMEM;
		for (size_t i = 0; i < f->nitems; i++) {
			if (f->items[i].value == NULL) {
				sw_err("%s:%d: key '%s': item %zu of the list is empty", w->name,
				       f->items[i].line, w->path, i);
				free(list.v);
				return SW_E_CONFIG;
			}
		}
		for (size_t i = 0; i < f->nitems; i++) {
			list.v[i] = f->items[i].value;
			f->items[i].value = NULL;
		}
		list.n = f->nitems;
		r = conf_walk_add(w, f->line, NULL, &list);
		conf_strlist_clear(&list);
		return r;
	}
	/* nested: every item was already added at path.N as it came */
	return 0;
}

/* Handles one node event (scalar, alias, start of a mapping or a sequence). */
static int
conf_walk_node(struct conf_walk *w, const yaml_event_t *ev)
{
	struct conf_frame *f = w->depth ? &w->stack[w->depth - 1] : NULL;
	int line = conf_mark_line(&ev->start_mark);
	char *value;
	int r;

	if (ev->type == YAML_ALIAS_EVENT) {
		sw_err("%s:%d: %s%s%saliases (*%s) are not supported", w->name, line,
		       w->len ? "key '" : "", w->len ? w->path : "", w->len ? "': " : "",
		       (const char *)ev->data.alias.anchor);
		return SW_E_CONFIG;
	}
	if (f == NULL) {
		if (w->root_done) {
			sw_err("%s:%d: only one YAML document is allowed", w->name, line);
			return SW_E_CONFIG;
		}
		w->root_done = true;
		if (ev->type == YAML_MAPPING_START_EVENT)
			return conf_walk_push_frame(w, CONF_FRAME_MAP, line);
		if (ev->type == YAML_SCALAR_EVENT && conf_scalar_is_null(ev))
			return 0; /* an empty document */
		sw_err("%s:%d: the top level must be a mapping (key: value)", w->name, line);
		return SW_E_CONFIG;
	}
	if (f->kind == CONF_FRAME_MAP && f->want_key)
		return conf_walk_key(w, f, ev);
	if (f->kind == CONF_FRAME_MAP) {
		/* the value of the key just read; its path is w->path */
		f->want_key = true;
		if (ev->type == YAML_SCALAR_EVENT) {
			value = conf_scalar_copy(w, ev, &r);
			if (r == 0)
				r = conf_walk_add(w, f->key_line, &value, NULL);
			free(value);
			conf_walk_cut_path(w, f->base);
			return r;
		}
		return conf_walk_push_frame(
		    w, ev->type == YAML_MAPPING_START_EVENT ? CONF_FRAME_MAP : CONF_FRAME_SEQ,
		    f->key_line);
	}
	/* an item of a sequence */
	if (ev->type == YAML_SCALAR_EVENT)
		return conf_walk_item(w, f, ev);
	if (!f->nested) {
		/* the first nested item: the scalars before it go to path.N */
		for (size_t i = 0; i < f->nitems; i++) {
			char num[24];
			int n = snprintf(num, sizeof(num), "%zu", i);

			if ((r = conf_walk_push_path(w, num, (size_t)n)) != 0)
				return r;
			r = conf_walk_add(w, f->items[i].line, &f->items[i].value, NULL);
			conf_walk_cut_path(w, f->base);
			if (r != 0)
				return r;
		}
		f->nested = true;
	}
	{
		char num[24];
		int n = snprintf(num, sizeof(num), "%zu", f->index++);

		if ((r = conf_walk_push_path(w, num, (size_t)n)) != 0)
			return r;
	}
	return conf_walk_push_frame(
	    w, ev->type == YAML_MAPPING_START_EVENT ? CONF_FRAME_MAP : CONF_FRAME_SEQ, line);
}

/* A scalar item of a sequence that already holds nested items goes straight to path.N. */
static int
conf_walk_nested_scalar(struct conf_walk *w, struct conf_frame *f, const yaml_event_t *ev)
{
	char num[24], *value;
	int n = snprintf(num, sizeof(num), "%zu", f->index++);
	int r;

	if ((r = conf_walk_push_path(w, num, (size_t)n)) != 0)
		return r;
	value = conf_scalar_copy(w, ev, &r);
	if (r == 0)
		r = conf_walk_add(w, conf_mark_line(&ev->start_mark), &value, NULL);
	free(value);
	conf_walk_cut_path(w, f->base);
	return r;
}

/* The end of the container on top of the stack. */
static int
conf_walk_end(struct conf_walk *w)
{
	struct conf_frame *f = &w->stack[w->depth - 1], *parent;
	int r = 0;

	if (f->kind == CONF_FRAME_SEQ)
		r = conf_walk_seq_end(w, f);
	conf_frame_clear(f);
	w->depth--;
	if (w->depth > 0) {
		parent = &w->stack[w->depth - 1];
		conf_walk_cut_path(w, parent->base);
	} else {
		conf_walk_cut_path(w, 0);
	}
	return r;
}

static void
conf_walk_clear(struct conf_walk *w)
{
	while (w->depth > 0)
		conf_frame_clear(&w->stack[--w->depth]);
	free(w->path);
	w->path = NULL;
}

static void
conf_yaml_report(const char *name, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "cannot parse YAML";
	size_t line = p->problem_mark.line;

	if (p->error == YAML_MEMORY_ERROR) {
		sw_err("%s: out of memory while parsing", name);
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		sw_err("%s: byte %zu: %s", name, p->problem_offset, problem);
		return;
	}
	if (p->context != NULL)
		sw_err("%s:%zu: %s (%s at line %zu)", name, line + 1, problem, p->context,
		       p->context_mark.line + 1);
	else
		sw_err("%s:%zu: %s", name, line + 1, problem);
}

int
conf_doc_load_mem(const char *name, const void *buf, size_t len, struct conf_doc **out)
{
	struct conf_walk w;
	struct conf_doc *doc = NULL;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool parser_ok = false, done = false;
	int r;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	if (name == NULL)
		name = "(config)";
	if ((doc = conf_doc_new()) == NULL || conf_doc_set_file(doc, name) != 0) {
		r = SW_E_NOMEM;
		goto out;
	}
	w.doc = doc;
	w.name = doc->file;
	if (!yaml_parser_initialize(&parser)) {
		r = SW_E_NOMEM;
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			conf_yaml_report(name, &parser);
			r = parser.error == YAML_MEMORY_ERROR ? SW_E_NOMEM : SW_E_CONFIG;
			goto out;
		}
		r = 0;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_SCALAR_EVENT:
			if (w.depth > 0 && w.stack[w.depth - 1].kind == CONF_FRAME_SEQ &&
			    w.stack[w.depth - 1].nested)
				r = conf_walk_nested_scalar(&w, &w.stack[w.depth - 1], &ev);
			else
				r = conf_walk_node(&w, &ev);
			break;
		case YAML_ALIAS_EVENT:
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			r = conf_walk_node(&w, &ev);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (w.depth > 0)
				r = conf_walk_end(&w);
			break;
		default: /* stream/document start and end */
			break;
		}
		yaml_event_delete(&ev);
		if (r != 0)
			goto out;
	}
	*out = doc;
	doc = NULL; /* the caller owns it now */
	r = 0;
out:
	conf_walk_clear(&w);
	if (parser_ok)
		yaml_parser_delete(&parser);
	conf_doc_free(doc);
	return r;
}

int
conf_doc_load(const char *path, struct conf_doc **out)
{
	FILE *fp = NULL;
	char *buf = NULL;
	struct stat st;
	size_t len;
	int r;

	*out = NULL;
	if ((fp = fopen(path, "rb")) == NULL) {
		sw_err("%s: cannot open the configuration: %s", path, strerror(errno));
		r = SW_E_IO;
		goto out;
	}
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		sw_err("%s: not a regular file", path);
		r = SW_E_IO;
		goto out;
	}
	if ((uint64_t)st.st_size > CONF_MAX_FILE_SIZE) {
		sw_err("%s: the configuration is larger than %u bytes", path, CONF_MAX_FILE_SIZE);
		r = SW_E_CONFIG;
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = SW_E_NOMEM;
		goto out;
	}
	len = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		sw_err("%s: cannot read the configuration: %s", path, strerror(errno));
		r = SW_E_IO;
		goto out;
	}
	r = conf_doc_load_mem(path, buf, len, out);
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return r;
}
