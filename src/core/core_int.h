/* src/core/core_int.h: private declarations of core/, shared by core_conf.c and conf_yaml.c. */
#ifndef SW_CORE_INT_H
#define SW_CORE_INT_H

#include <stdbool.h>

#include "core/core.h"

/* The origin of entries made by conf_doc_set(); conf_doc_where() returns it as is. */
#define CONF_ORIGIN_SET "--set"

/* One scalar (or one list of scalars) of the document, under its dotted path. */
struct conf_entry {
	char *path;
	char *value;              /* scalar text; NULL for a YAML null or when is_list */
	struct conf_strlist list; /* the items when is_list (never NULL items) */
	bool is_list;
	bool used;          /* a conf_apply() read it */
	const char *origin; /* doc->file or CONF_ORIGIN_SET; never owned by the entry */
	int line;           /* 1-based line in origin; 0 for --set */
};

/*
 * The document: a plain array of entries in file order (documents are small, lookups are a
 * linear scan by exact path) and the list of every path a conf_apply() was given, which
 * conf_check_unused() uses for its "did you mean" hints.
 */
struct conf_doc {
	struct conf_entry *e;
	size_t n, cap;
	char *file; /* the name entries from the file point to; NULL for conf_doc_new() */
	char **known;
	size_t nknown, capknown;
};

/* Sets the name used as the origin of the entries appended next; 0 or SW_E_NOMEM. */
int conf_doc_set_file(struct conf_doc *doc, const char *name);

/* The entry at exactly path, or NULL. */
struct conf_entry *conf_doc_find(struct conf_doc *doc, const char *path);

/*
 * Appends an entry at path, from origin:line. Exactly one of *value (a scalar, may be NULL for a
 * YAML null) or list (a list; NULL when scalar) is taken over: on success *value is set to NULL
 * or *list emptied, on failure the caller still owns them. SW_E_INVAL when path already has an
 * entry (the caller reports it), SW_E_NOMEM.
 */
int conf_doc_append(struct conf_doc *doc, const char *path, const char *origin, int line,
                    char **value, struct conf_strlist *list);

/* Frees the items of a list and empties it; NULL-safe. */
void conf_strlist_clear(struct conf_strlist *l);

#endif /* SW_CORE_INT_H */
