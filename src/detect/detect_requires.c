/* src/detect/detect_requires.c: Suricata 7.0.3's `requires` rule option, evaluated as if we
 * were Suricata DET_SURICATA_VERSION:
 *   requires: feature NAME[, feature NAME...][, version EXPR[, version EXPR...]];
 * where EXPR is "OP V [OP V...]" (all must hold) with alternatives separated by '|', OP one of
 * >= > <= < = and V "MAJOR[.MINOR[.PATCH]]" (missing parts are 0). The features we provide are
 * det_requires_features; any other (geoip, lua, output::file-store, ...) is not met. A rule
 * whose requirements are not met is skipped before anything else of it is parsed, as Suricata
 * does, so it may use keywords we do not know. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

static const int det_version[3] = {7, 0, 17};
static const char *const det_requires_features[] = {"ja3", "ja4", NULL};

/* "7", "7.0", "7.0.3" into v; the end in *end. */
static int
req_version(const char *s, int v[3], const char **end)
{
	int i = 0;

	v[0] = v[1] = v[2] = 0;
	for (;;) {
		long n;
		char *e;

		if (!isdigit((unsigned char)*s))
			return -1;
		n = strtol(s, &e, 10);
		if (n > 100000)
			return -1;
		v[i++] = (int)n;
		s = e;
		if (*s != '.' || i == 3)
			break;
		s++;
	}
	*end = s;
	return 0;
}

static int
req_cmp(const int a[3], const int b[3])
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* One "version EXPR": 1 met, 0 not, -1 malformed. */
static int
req_version_expr(const char *s)
{
	bool any = false, all = true, terms = false;

	for (;;) {
		char op[3] = "";
		int v[3], c;

		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '|') {
			if (!terms)
				return -1;
			any = any || all;
			if (*s == '\0')
				return any ? 1 : 0;
			s++;
			all = true;
			terms = false;
			continue;
		}
		if (*s == '>' || *s == '<') {
			op[0] = *s++;
			if (*s == '=')
				op[1] = *s++;
		} else if (*s == '=') {
			op[0] = *s++;
		} else {
			return -1;
		}
		while (isspace((unsigned char)*s))
			s++;
		if (req_version(s, v, &s) != 0)
			return -1;
		if (*s != '\0' && *s != '|' && !isspace((unsigned char)*s))
			return -1;
		c = req_cmp(det_version, v);
		terms = true;
		if (!(op[0] == '=' ? c == 0
		      : op[0] == '>' ? (op[1] == '=' ? c >= 0 : c > 0)
		                     : (op[1] == '=' ? c <= 0 : c < 0)))
			all = false;
	}
}

int
det_requires_eval(const char *value, char *why, size_t why_size)
{
	char *buf = strdup(value), *save = NULL, *t;
	int rc = 1;

	if (buf == NULL)
		return -2;
	snprintf(why, why_size, "requires: empty");
	for (t = strtok_r(buf, ",", &save); t != NULL && rc == 1; t = strtok_r(NULL, ",", &save)) {
		char *w = det_trim(t), *arg;
		size_t n = strcspn(w, " \t");

		arg = det_trim(w + n);
		w[n] = '\0';
		if (*arg == '\0') {
			snprintf(why, why_size, "requires: '%.40s' needs a value", w);
			rc = -1;
		} else if (strcmp(w, "feature") == 0) {
			size_t i;

			for (i = 0; det_requires_features[i] != NULL; i++)
				if (strcmp(det_requires_features[i], arg) == 0)
					break;
			if (det_requires_features[i] == NULL) {
				snprintf(why, why_size, "requires: feature '%.60s' is not provided", arg);
				rc = 0;
			}
		} else if (strcmp(w, "version") == 0) {
			int m = req_version_expr(arg);

			if (m < 0) {
				snprintf(why, why_size, "requires: bad version expression '%.60s'", arg);
				rc = -1;
			} else if (m == 0) {
				snprintf(why, why_size,
				         "requires: version %.60s is not met (rules are read as Suricata "
				         "%d.%d.%d's)",
				         arg, det_version[0], det_version[1], det_version[2]);
				rc = 0;
			}
		} else {
			snprintf(why, why_size, "requires: unknown requirement '%.40s'", w);
			rc = -1;
		}
	}
	free(buf);
	return rc;
}

/* The value of the rule's first "requires" option in the options text (from after '('), or
 * NULL. Quoted values are skipped over. */
static char *
req_find(const char *opts, char *out, size_t size)
{
	const char *s = opts;
	bool quoted = false;

	while (*s != '\0') {
		const char *name = s, *e;

		/* one option: up to the ';' outside quotes */
		for (e = s; *e != '\0'; e++) {
			if (*e == '\\' && e[1] != '\0')
				e++;
			else if (*e == '"')
				quoted = !quoted;
			else if (*e == ';' && !quoted)
				break;
		}
		while (isspace((unsigned char)*name))
			name++;
		if (strncmp(name, "requires", 8) == 0) {
			const char *c = name + 8;

			while (isspace((unsigned char)*c))
				c++;
			if (*c == ':' && (size_t)(e - c - 1) < size) {
				memcpy(out, c + 1, (size_t)(e - c - 1));
				out[e - c - 1] = '\0';
				return det_trim(out);
			}
		}
		if (*e == '\0')
			break;
		s = e + 1;
	}
	return NULL;
}

int
det_requires_prescan(const char *text, char *why, size_t why_size)
{
	const char *open = strchr(text, '(');
	char buf[512], *v;

	if (open == NULL || (v = req_find(open + 1, buf, sizeof(buf))) == NULL)
		return 1;
	return det_requires_eval(v, why, why_size);
}
