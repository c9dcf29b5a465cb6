/* tests/fuzz/fuzz_rule.c: fuzz target for the Suricata rule parser (src/detect/detect_parse.c,
 * https://docs.suricata.io/en/latest/rules/, issue 5). Each input line is parsed as a rule with
 * the default variables and a small class table; a parsed rule must hold its invariants. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"
#include "fuzz.h"

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define FUZZ_LINE_MAX 8192

static void
fz_check(const struct det_rule *r)
{
	uint32_t i, j;

	FUZZ_ASSERT(r->sid != 0);
	FUZZ_ASSERT(r->action < DET_ACT_MAX);
	FUZZ_ASSERT(r->priority >= 1 && r->priority <= 255);
	FUZZ_ASSERT(r->src.n > 0 && r->dst.n > 0 && r->sport.n > 0 && r->dport.n > 0);
	for (i = 1; i < r->src.n; i++)
		FUZZ_ASSERT(r->src.r[i - 1].hi < r->src.r[i].lo);
	for (i = 1; i < r->dport.n; i++)
		FUZZ_ASSERT(r->dport.r[i - 1].hi < r->dport.r[i].lo);
	FUZZ_ASSERT(r->nvars <= 8);
	for (i = 0; i < r->nlists; i++) {
		const struct det_list *l = &r->lists[i];

		FUZZ_ASSERT(l->buffer >= 0 && l->buffer < DET_BUF_MAX);
		FUZZ_ASSERT(l->n > 0);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(r->lists[j].buffer != l->buffer);
		for (j = 0; j < l->n; j++) {
			const struct det_item *it = &l->items[j];

			FUZZ_ASSERT(it->kind >= DET_ITEM_CONTENT && it->kind <= DET_ITEM_DATASET);
			if (it->kind == DET_ITEM_DATASET)
				FUZZ_ASSERT(it->u.ds.name != NULL && it->u.ds.cmd <= DET_DS_REP);
			if (it->kind == DET_ITEM_CONTENT) {
				const struct det_content *c = &it->u.content;

				FUZZ_ASSERT(c->len > 0 && c->pat != NULL);
				FUZZ_ASSERT(c->offset.var < (int)r->nvars &&
				            c->depth.var < (int)r->nvars);
				FUZZ_ASSERT(c->distance.var < (int)r->nvars &&
				            c->within.var < (int)r->nvars);
				if (c->flags & DET_C_FAST_CHOP)
					FUZZ_ASSERT(c->fp_off + c->fp_len <= c->len);
			} else if (it->kind == DET_ITEM_PCRE) {
				FUZZ_ASSERT(it->u.pcre.code != NULL && it->u.pcre.source != NULL);
			} else if (it->kind >= DET_ITEM_BYTE_TEST &&
			           it->kind <= DET_ITEM_BYTE_EXTRACT) {
				FUZZ_ASSERT(it->u.byte.nbytes >= 1 && it->u.byte.nbytes <= 23);
				FUZZ_ASSERT(it->u.byte.offset.var < (int)r->nvars);
			}
		}
	}
	if (r->fp_list >= 0) {
		FUZZ_ASSERT((uint32_t)r->fp_list < r->nlists);
		FUZZ_ASSERT(r->fp_item >= 0 && (uint32_t)r->fp_item < r->lists[r->fp_list].n);
		FUZZ_ASSERT(r->lists[r->fp_list].items[r->fp_item].kind == DET_ITEM_CONTENT);
	} else {
		FUZZ_ASSERT(r->fp_item == -1);
	}
	for (i = 0; i < r->nflowbits; i++)
		FUZZ_ASSERT(r->flowbits[i].n > 0);
	for (i = 0; i < r->nkws; i++) { /* geoip: 1..64 two-letter codes, a known direction */
		const struct det_kw *k = &r->kws[i];

		if (k->kind != DET_KW_GEOIP)
			continue;
		FUZZ_ASSERT(k->count >= 1 && k->count <= 64 && k->track <= 3);
		FUZZ_ASSERT(k->name != NULL && strlen(k->name) == 2 * (size_t)k->count);
	}
	FUZZ_ASSERT(r->msg == NULL || strlen(r->msg) < FUZZ_LINE_MAX);
}

int
fuzz_rule_one(const uint8_t *data, size_t size)
{
	static struct det_classtype cts[] = {
	    {"trojan-activity", "A Network Trojan was detected", 1},
	    {"bad-unknown", "Potentially Bad Traffic", 2},
	};
	static char *refn[] = {"cve", "url"}, *refu[] = {"http://cve/", "http://"};
	struct det_classes classes = {cts, 2, refn, refu, 2};
	struct det_vars vars;
	struct det_parse_error err;
	size_t pos = 0;

	sw_log_set_level(SW_LOG_ERROR);
	memset(&vars, 0, sizeof(vars));
	if (det_vars_defaults(&vars) != 0)
		return 0;
	/* one rule a line; the address groups may come from the input too: "var NAME VALUE" */
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl != NULL ? (size_t)(nl - (data + pos)) : size - pos;
		char line[FUZZ_LINE_MAX];
		struct det_rule *r = NULL;

		if (len < sizeof(line)) {
			memcpy(line, data + pos, len);
			line[len] = '\0';
			if (strncmp(line, "var ", 4) == 0) {
				char *name = line + 4, *value = strchr(name, ' ');

				if (value != NULL) {
					*value++ = '\0';
					det_vars_set(&vars, name[0] == 'P', name, value);
				}
			} else if (det_rule_parse(line, "fuzz.rules", 1, &vars,
			                          (len & 1) ? &classes : NULL, &r, &err) == 0) {
				fz_check(r);
			} else {
				FUZZ_ASSERT(r == NULL);
				FUZZ_ASSERT(memchr(err.reason, '\0', sizeof(err.reason)) != NULL);
			}
			det_rule_free(r);
		}
		pos += len + 1;
	}
	det_vars_free(&vars);
	return 0;
}

FUZZ_ENTRY(fuzz_rule_one)
