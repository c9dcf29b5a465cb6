/* src/detect/detect_class.c: classification.config and reference.config, the class (category,
 * priority) and reference types rules name (https://docs.suricata.io/en/latest/rules/meta.html). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/detect_int.h"

#define CLASS_LINE_MAX 4096

static char *
class_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* "config NAME:" prefix, with any spacing around the words and the colon; returns the text after
 * the colon or NULL. */
static char *
class_directive(char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(line, "config", 6) != 0 || (line[6] != ' ' && line[6] != '\t'))
		return NULL;
	line = class_trim(line + 6);
	if (strncasecmp(line, name, n) != 0)
		return NULL;
	line = class_trim(line + n);
	if (*line != ':')
		return NULL;
	return class_trim(line + 1);
}

static bool
class_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/* One line of classification.config: 0, 1 when skipped (reported), SW_E_NOMEM. */
static int
class_add(struct det_classes *c, char *text, const char *path, unsigned lineno)
{
	char *name, *desc, *prio, *end, *comma;
	struct det_classtype *nv, *ct;
	long p;

	name = text;
	if ((comma = strchr(name, ',')) == NULL)
		goto bad;
	*comma = '\0';
	desc = comma + 1;
	if ((comma = strrchr(desc, ',')) == NULL)
		goto bad;
	*comma = '\0';
	prio = class_trim(comma + 1);
	name = class_trim(name);
	desc = class_trim(desc);
	errno = 0;
	p = strtol(prio, &end, 10);
	if (!class_name_ok(name) || *desc == '\0' || *prio == '\0' || *end != '\0' || errno != 0 ||
	    p < 1 || p > 255)
		goto bad;
	if (det_classes_find(c, name) != NULL) {
		sw_warn("%s:%u: classtype '%s' defined again, the first one is kept", path, lineno,
		        name);
		return 1;
	}
	if ((nv = realloc(c->v, (c->n + 1) * sizeof(*nv))) == NULL)
		return SW_E_NOMEM;
	c->v = nv;
	ct = &c->v[c->n];
	ct->name = strdup(name);
	ct->description = strdup(desc);
	ct->priority = (int)p;
	if (ct->name == NULL || ct->description == NULL) {
		free(ct->name);
		free(ct->description);
		return SW_E_NOMEM;
	}
	for (char *q = ct->name; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	c->n++;
	return 0;
bad:
	sw_warn("%s:%u: bad classification line, expected 'config classification: "
	        "name,description,priority'; skipped",
	        path, lineno);
	return 1;
}

static int
ref_add(struct det_classes *c, char *text, const char *path, unsigned lineno)
{
	char *name = text, *url, **nn, **nu;
	size_t i;

	url = name;
	while (*url != '\0' && *url != ' ' && *url != '\t')
		url++;
	if (*url != '\0')
		*url++ = '\0';
	url = class_trim(url);
	if (!class_name_ok(name) || *url == '\0') {
		sw_warn("%s:%u: bad reference line, expected 'config reference: name url'; skipped",
		        path, lineno);
		return 1;
	}
	for (i = 0; i < c->nrefs; i++) {
		if (strcasecmp(c->ref_names[i], name) == 0) {
			sw_warn("%s:%u: reference type '%s' defined again, the first one is kept",
			        path, lineno, name);
			return 1;
		}
	}
	if ((nn = realloc(c->ref_names, (c->nrefs + 1) * sizeof(*nn))) == NULL)
		return SW_E_NOMEM;
	c->ref_names = nn;
	if ((nu = realloc(c->ref_urls, (c->nrefs + 1) * sizeof(*nu))) == NULL)
		return SW_E_NOMEM;
	c->ref_urls = nu;
	c->ref_names[c->nrefs] = strdup(name);
	c->ref_urls[c->nrefs] = strdup(url);
	if (c->ref_names[c->nrefs] == NULL || c->ref_urls[c->nrefs] == NULL) {
		free(c->ref_names[c->nrefs]);
		free(c->ref_urls[c->nrefs]);
		return SW_E_NOMEM;
	}
	c->nrefs++;
	return 0;
}

/* Reads path line by line; each "config WHAT:" line goes to add. */
static int
class_file_read(struct det_classes *c, const char *path, const char *what,
                int (*add)(struct det_classes *, char *, const char *, unsigned))
{
	char line[CLASS_LINE_MAX];
	unsigned lineno = 0;
	FILE *fp;
	int r = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return SW_E_IO; /* the caller says what it does without the file */
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *s, *rest;
		size_t len = strlen(line);

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			int ch;

			sw_warn("%s:%u: line too long; skipped", path, lineno);
			while ((ch = fgetc(fp)) != EOF && ch != '\n')
				;
			continue;
		}
		s = class_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if ((rest = class_directive(s, what)) == NULL) {
			sw_warn("%s:%u: not a 'config %s:' line; skipped", path, lineno, what);
			continue;
		}
		if ((r = add(c, rest, path, lineno)) < 0)
			break;
		r = 0;
	}
	if (r == 0 && ferror(fp)) {
		sw_err("%s: read error", path);
		r = SW_E_IO;
	}
	fclose(fp);
	return r;
}

int
det_classes_load(struct det_classes *c, const char *path)
{
	return class_file_read(c, path, "classification", class_add);
}

int
det_refs_load(struct det_classes *c, const char *path)
{
	return class_file_read(c, path, "reference", ref_add);
}

const struct det_classtype *
det_classes_find(const struct det_classes *c, const char *name)
{
	size_t i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < c->n; i++)
		if (strcasecmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

void
det_classes_free(struct det_classes *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].description);
	}
	for (i = 0; i < c->nrefs; i++) {
		free(c->ref_names[i]);
		free(c->ref_urls[i]);
	}
	free(c->v);
	free(c->ref_names);
	free(c->ref_urls);
	memset(c, 0, sizeof(c[0]));
}
