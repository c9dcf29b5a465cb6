/* src/detect/detect_engine.c: builds the detection engine from rule files: reads and parses
 * every rule (Suricata syntax), orders them, numbers flowbits, puts each rule's fast pattern in
 * the Hyperscan database of its buffer (hs_compile_lit_multi), groups the rules without one by
 * protocol and port, and caches the compiled databases on disk (hs_serialize_database) keyed by
 * a SHA-256 of the patterns. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/detect_eng_int.h"

#define LINE_MAX_BYTES (1u << 20) /* a rule longer than this (with continuations) is an error */

static _Atomic uint64_t engine_generation = 1;

/* ---- the load ------------------------------------------------------------------------------ */

struct loader {
	struct detect_engine *e;
	struct det_rule **rules;
	size_t n, cap;
	/* (gid, sid) -> index in rules, open addressing */
	uint64_t *sid_keys;
	uint32_t *sid_idx;
	size_t sid_cap;
};

static void
skip_count(struct detect_summary *s, const char *kw)
{
	size_t i;
	char **nk;
	uint64_t *nc;

	for (i = 0; i < s->nskip; i++) {
		if (strcmp(s->skip_keywords[i], kw) == 0) {
			s->skip_counts[i]++;
			return;
		}
	}
	if ((nk = realloc(s->skip_keywords, (s->nskip + 1) * sizeof(*nk))) == NULL)
		return;
	s->skip_keywords = nk;
	if ((nc = realloc(s->skip_counts, (s->nskip + 1) * sizeof(*nc))) == NULL)
		return;
	s->skip_counts = nc;
	if ((nk[s->nskip] = strdup(kw)) == NULL)
		return;
	nc[s->nskip++] = 1;
}

static int
sid_grow(struct loader *l)
{
	size_t cap = l->sid_cap ? l->sid_cap * 2 : 1024, i;
	uint64_t *keys = calloc(cap, sizeof(*keys));
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (keys == NULL || idx == NULL) {
		free(keys);
		free(idx);
		return SW_E_NOMEM;
	}
	for (i = 0; i < l->sid_cap; i++) {
		size_t j;

		if (l->sid_keys[i] == 0)
			continue;
		j = sw_hash64(&l->sid_keys[i], 8, 0) & (cap - 1);
		while (keys[j] != 0)
			j = (j + 1) & (cap - 1);
		keys[j] = l->sid_keys[i];
		idx[j] = l->sid_idx[i];
	}
	free(l->sid_keys);
	free(l->sid_idx);
	l->sid_keys = keys;
	l->sid_idx = idx;
	l->sid_cap = cap;
	return 0;
}

/* Adds a parsed rule; a rule with the (gid, sid) of an earlier one replaces it when its rev is
 * higher (as Suricata does), else is dropped. */
static int
loader_add(struct loader *l, struct det_rule *r)
{
	uint64_t key = ((uint64_t)r->gid << 32 | r->sid) + 1;
	size_t j;

	if ((l->n + 1) * 2 > l->sid_cap && sid_grow(l) != 0)
		return SW_E_NOMEM;
	j = sw_hash64(&key, 8, 0) & (l->sid_cap - 1);
	while (l->sid_keys[j] != 0 && l->sid_keys[j] != key)
		j = (j + 1) & (l->sid_cap - 1);
	if (l->sid_keys[j] == key) {
		struct det_rule *old = l->rules[l->sid_idx[j]];

		l->e->sum.duplicates++;
		sw_warn("%s:%u: duplicate signature %u:%u (first at %s:%u); keeping rev %u",
		        r->file, r->line, r->gid, r->sid, old->file, old->line,
		        r->rev > old->rev ? r->rev : old->rev);
		if (r->rev > old->rev) {
			l->rules[l->sid_idx[j]] = r;
			det_rule_free(old);
		} else {
			det_rule_free(r);
		}
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct det_rule **nr = realloc(l->rules, cap * sizeof(*nr));

		if (nr == NULL)
			return SW_E_NOMEM;
		l->rules = nr;
		l->cap = cap;
	}
	l->sid_keys[j] = key;
	l->sid_idx[j] = (uint32_t)l->n;
	l->rules[l->n++] = r;
	return 0;
}

/* bothways: the twins of undirected rules (det_rule_parse) join the list, each right after its
 * original, which no longer owns it; a later duplicate's replacement took its own twin */
static int
list_twins(struct loader *l)
{
	size_t n = l->n, k = 0;
	struct det_rule **nr;

	for (size_t i = 0; i < l->n; i++)
		n += l->rules[i]->twin != NULL;
	if (n == l->n)
		return 0;
	if ((nr = malloc(n * sizeof(*nr))) == NULL)
		return SW_E_NOMEM;
	for (size_t i = 0; i < l->n; i++) {
		nr[k++] = l->rules[i];
		if (l->rules[i]->twin != NULL) {
			nr[k++] = l->rules[i]->twin;
			l->rules[i]->twin = NULL;
		}
	}
	free(l->rules);
	l->rules = nr;
	l->n = l->cap = n;
	return 0;
}

static bool
rule_has_geoip(const struct det_rule *r)
{
	for (uint32_t i = 0; i < r->nkws; i++)
		if (r->kws[i].kind == DET_KW_GEOIP)
			return true;
	return false;
}

static void
parse_one(struct loader *l, const char *text, const char *file, unsigned line)
{
	struct detect_engine *e = l->e;
	struct det_parse_error err;
	struct det_rule *r = NULL;
	int rc;

	e->sum.rules_read++;
	memset(&err, 0, sizeof(err));
	rc = det_rule_parse(text, file, line, &e->vars, e->classes.n > 0 ? &e->classes : NULL, &r,
	                    &err);
	if (rc == SW_E_UNSUPP) {
		e->sum.skipped++;
		skip_count(&e->sum, err.keyword[0] != '\0' ? err.keyword : "?");
		sw_info("%s:%u: rule skipped: unsupported keyword '%s'%s%s", file, line,
		        err.keyword, err.reason[0] ? ": " : "", err.reason);
		return;
	}
	if (rc != 0) {
		e->sum.failed++;
		sw_warn("%s:%u: rule skipped: %s", file, line,
		        err.reason[0] != '\0' ? err.reason : sw_strerror(rc));
		return;
	}
	if (e->geo == NULL && rule_has_geoip(r)) {
		/* Suricata refuses the rule too: its geoip cannot be evaluated */
		e->sum.skipped++;
		skip_count(&e->sum, "geoip");
		sw_info("%s:%u: rule skipped: unsupported keyword 'geoip': no geoip-database "
		        "configured (the MaxMind DB country file it looks addresses up in)",
		        file, line);
		det_rule_free(r);
		return;
	}
	if ((rc = det_lua_resolve(e, r, &err)) == SW_E_UNSUPP) { /* lua: off, or a need we lack */
		e->sum.skipped++;
		skip_count(&e->sum, err.keyword);
		sw_info("%s:%u: rule skipped: unsupported keyword '%s': %s", file, line, err.keyword,
		        err.reason);
		det_rule_free(r);
		return;
	}
	if (rc != 0 || /* lua: the script does not load (its file:line in the reason) */
	    (rc = det_dataset_resolve(e, r, &err)) != 0 || /* dataset / datarep sets */
	    (rc = det_iprep_resolve(e, r, &err)) != 0) {   /* iprep categories */
		e->sum.failed++;
		sw_warn("%s:%u: rule skipped: %s", file, line,
		        err.reason[0] != '\0' ? err.reason : sw_strerror(rc));
		det_rule_free(r);
		return;
	}
	if (r->twin != NULL && (det_lua_resolve(e, r->twin, &err) != 0 ||
	                        det_dataset_resolve(e, r->twin, &err) != 0 ||
	                        det_iprep_resolve(e, r->twin, &err) != 0)) {
		/* bothways: (resolved once for the rule: not expected) the rule reads one message */
		sw_info("%s:%u: rule reads the request only: %s", file, line, err.reason);
		det_rule_free(r->twin);
		r->twin = NULL;
	}
	if (loader_add(l, r) != 0) {
		det_rule_free(r);
		e->sum.failed++;
	}
}

/* Reads one rule file: '#' comments, blank lines, and rules continued over lines ending in a
 * backslash. */
static int
load_file(struct loader *l, const char *path, bool must_exist)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *acc = NULL;
	size_t cap = 0, acclen = 0, acccap = 0;
	unsigned lineno = 0, start = 0;
	ssize_t n;
	int r = 0;

	if (fp == NULL) {
		if (must_exist) {
			sw_err("rule file %s: %s", path, strerror(errno));
			return SW_E_IO;
		}
		sw_warn("rule file %s: %s; continuing without it", path, strerror(errno));
		l->e->sum.missing_files++;
		return 0;
	}
	l->e->sum.files++;
	while ((n = getline(&line, &cap, fp)) >= 0) {
		size_t len = (size_t)n, i = 0;
		bool cont;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		cont = len > 0 && line[len - 1] == '\\';
		if (cont)
			len--;
		if (acclen == 0) {
			while (i < len && (line[i] == ' ' || line[i] == '\t'))
				i++;
			if (i == len || line[i] == '#') {
				if (!cont)
					continue;
				if (i == len)
					continue;
				/* a commented-out rule continued over lines: skip the rest too */
				while (cont && (n = getline(&line, &cap, fp)) >= 0) {
					lineno++;
					len = (size_t)n;
					while (len > 0 &&
					       (line[len - 1] == '\n' || line[len - 1] == '\r'))
						len--;
					cont = len > 0 && line[len - 1] == '\\';
				}
				continue;
			}
			start = lineno;
		}
		if (acclen + len - i + 1 > LINE_MAX_BYTES) {
			sw_warn("%s:%u: rule skipped: longer than %u bytes", path, start,
			        LINE_MAX_BYTES);
			l->e->sum.failed++;
			acclen = 0;
			continue;
		}
		if (acclen + len - i + 1 > acccap) {
			size_t nc = (acclen + len - i + 1) * 2;
			char *na = realloc(acc, nc);

			if (na == NULL) {
				r = SW_E_NOMEM;
				break;
			}
			acc = na;
			acccap = nc;
		}
		memcpy(acc + acclen, line + i, len - i);
		acclen += len - i;
		acc[acclen] = '\0';
		if (cont)
			continue;
		parse_one(l, acc, path, start);
		acclen = 0;
	}
	if (r == 0 && acclen > 0)
		parse_one(l, acc, path, start);
	if (r == 0 && ferror(fp)) {
		sw_err("rule file %s: %s", path, strerror(errno));
		r = SW_E_IO;
	}
	free(line);
	free(acc);
	fclose(fp);
	return r;
}

static int
load_files(struct loader *l, const struct detect_conf *conf)
{
	char path[4096];
	size_t i;
	int r;

	if (conf->cli_only.n > 0) {
		for (i = 0; i < conf->cli_only.n; i++)
			if ((r = load_file(l, conf->cli_only.v[i], true)) != 0)
				return r;
		return 0;
	}
	for (i = 0; i < conf->rule_files.n; i++) {
		const char *f = conf->rule_files.v[i];

		if (f[0] != '/' && conf->rule_path != NULL && conf->rule_path[0] != '\0') {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", conf->rule_path, f) >=
			    sizeof(path))
				return SW_E_RANGE;
			f = path;
		}
		if ((r = load_file(l, f, false)) != 0)
			return r;
	}
	for (i = 0; i < conf->cli_extra.n; i++)
		if ((r = load_file(l, conf->cli_extra.v[i], true)) != 0)
			return r;
	return 0;
}

/* ---- ordering and classification ------------------------------------------------------------ */

/* Suricata's order: pass rules first (a match stops the others), then rules that only set
 * flowbits (xbits, flowint, flow/packet variables alike), then the rest, then rules that only
 * check them; file order within. */
static int
rule_rank(const struct det_rule *r)
{
	bool sets = false, checks = false;
	uint32_t i;

	for (i = 0; i < r->nflowbits; i++) {
		if (r->flowbits[i].op == DET_FB_ISSET || r->flowbits[i].op == DET_FB_ISNOTSET)
			checks = true;
		else
			sets = true;
	}
	for (i = 0; i < r->nkws; i++) { /* xbits and flowint are ordered as Suricata does flowbits */
		const struct det_kw *k = &r->kws[i];

		if (k->kind == DET_KW_XBITS)
			*(k->op == DET_FB_ISSET || k->op == DET_FB_ISNOTSET ? &checks : &sets) = true;
		else if (k->kind == DET_KW_FLOWINT)
			*(k->op <= 2 ? &sets : &checks) = true;
		else if (k->kind == DET_KW_FLOWVAR || k->kind == DET_KW_PKTVAR)
			checks = true; /* and pcre's flow_/pkt_ captures set: Suricata's sigorder */
	}
	for (i = 0; i < r->nlists; i++)
		for (uint32_t j = 0; j < r->lists[i].n; j++)
			if (r->lists[i].items[j].kind == DET_ITEM_PCRE &&
			    r->lists[i].items[j].u.pcre.ncap > 0)
				sets = true;
	return (r->action == DET_ACT_PASS ? 0 : 4) + (sets && !checks   ? 0
	                                              : checks && !sets ? 2
	                                                                : 1);
}

struct ranked {
	struct det_rule *r;
	int rank;
	size_t idx;
};

static int
ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool
list_has_payload(const struct det_rule *r)
{
	for (uint32_t i = 0; i < r->nlists; i++)
		if (r->lists[i].buffer == DET_BUF_PAYLOAD && r->lists[i].n > 0)
			return true;
	return false;
}

/* The file hashes a rule's buffers read (file.md5 ...): bodies get them computed while it is
 * loaded, whatever app.http.file-hashes says, or the rule could never match. */
static unsigned
list_file_hashes(const struct det_rule *r)
{
	static const struct {
		const char *name;
		unsigned bit;
	} hb[] = {{"file.md5", APP_HASH_MD5}, {"file.sha1", APP_HASH_SHA1},
	          {"file.sha256", APP_HASH_SHA256}};
	unsigned m = 0;

	for (uint32_t i = 0; i < r->nlists; i++)
		for (size_t h = 0; h < sizeof(hb) / sizeof(hb[0]); h++)
			if (r->lists[i].n > 0 && r->lists[i].buffer == det_buffer_named(hb[h].name))
				m |= hb[h].bit;
	return m | det_kwa_file_hashes(r);
}

/* The message kind a rule's app-message keywords (tls.version, dns.opcode, ...) read: the first
 * kind its protocol's parser emits; -1 when none. */
static int
app_msg_kind_of_proto(int app_proto)
{
	if (app_proto == APP_NONE)
		return -1;
	for (int k = 0; k < APP_MSG_KIND_MAX; k++)
		if (app_msg_desc(k)->proto == app_proto)
			return k;
	return -1;
}

/* Decides where a rule is inspected; 0, or SW_E_UNSUPP with the reason. */
static int
classify(struct det_rinfo *ri, const char **why)
{
	const struct det_rule *r = ri->r;
	/* a lua script that needs the stream: as payload contents */
	bool payload = list_has_payload(r) || r->kw_stream, app = false, packet_kw;
	int kind = -1, dir = -1;

	packet_kw = r->has_dsize || r->has_flags || (r->flow & DET_FLOW_NO_STREAM) || r->kw_packet;
	for (uint32_t i = 0; i < r->nlists; i++) {
		int b = r->lists[i].buffer, k;

		if (b == DET_BUF_PAYLOAD || r->lists[i].n == 0)
			continue;
		if (det_buffer(b)->hdr != DET_HDR_NONE) { /* ipv4.hdr ...: each packet */
			packet_kw = true;
			continue;
		}
		app = true;
		k = det_buffer_msg_kind(b);
		if (kind >= 0 && k != kind && !app_kind_serves(k, kind)) {
			if (!app_kind_serves(kind, k)) {
				*why = "buffers of different app-layer messages";
				return SW_E_UNSUPP;
			}
			k = kind; /* quic.version and tls.sni: the rule reads QUIC messages */
		}
		kind = k;
		if (det_buffer(b)->dir >= 0) {
			if (dir >= 0 && det_buffer(b)->dir != dir && app_msg_desc(kind)->one_way) {
				*why = "buffers of both directions";
				return SW_E_UNSUPP;
			}
			if (dir < 0 || det_buffer(b)->dir == FLOW_TO_CLIENT)
				dir = det_buffer(b)->dir;
		}
	}
	if (r->flow & DET_FLOW_TO_CLIENT)
		dir = dir < 0 ? FLOW_TO_CLIENT : dir;
	if (r->flow & DET_FLOW_TO_SERVER)
		dir = dir < 0 ? FLOW_TO_SERVER : dir;
	ri->app_dir = (int8_t)dir;
	ri->msg_kind = (int8_t)kind;
	ri->pclass = r->proto == 6                  ? DET_PC_TCP
	             : r->proto == 17               ? DET_PC_UDP
	             : r->proto == 1 || r->icmp_any ? DET_PC_ICMP
	                                            : DET_PC_OTHER;
	if (r->event_kind >= 0) {
		if (r->nlists > 0) {
			*why = "content on a decoder or stream event";
			return SW_E_UNSUPP;
		}
		ri->ctx = DET_CTX_EVENT;
		return 0;
	}
	if (app) {
		/* the payload of an HTTP transaction is its messages as sent, of a TLS handshake
		 * its records as sent, a DNS message's the datagram or stream chunk it came in
		 * (detect_match.c) */
		if (payload && kind != APP_MSG_DNS && det_buffer_msg_payload(kind, FLOW_TO_SERVER) < 0) {
			*why = "payload and app-layer buffers in one rule";
			return SW_E_UNSUPP;
		}
		if (packet_kw) {
			*why = "dsize/flags/no_stream with an app-layer buffer";
			return SW_E_UNSUPP;
		}
		if (r->kw_file && kind != APP_MSG_FILE) {
			/* filestore, filename, ... beside http.uri: as Suricata, the rule inspects
			 * the files of the transaction in its direction, reading the
			 * transaction's buffers through each file */
			if (!app_kind_serves(APP_MSG_FILE, kind)) {
				*why = "file keywords with buffers of another app-layer message";
				return SW_E_UNSUPP;
			}
			ri->msg_kind = APP_MSG_FILE;
		}
		ri->ctx = DET_CTX_APP;
		return 0;
	}
	/* keywords that read an app message (tls.version, dns.opcode, tls.subject, ...) make an
	 * app-layer rule on that protocol's messages */
	if (r->kw_msg && !payload && !packet_kw && app_msg_kind_of_proto(r->app_proto) >= 0) {
		ri->ctx = DET_CTX_APP;
		ri->msg_kind = (int8_t)app_msg_kind_of_proto(r->app_proto);
		if (r->kw_file) /* filename, filesize, ...: the files' messages */
			ri->msg_kind = APP_MSG_FILE;
		return 0;
	}
	/* "alert http ... (flow:to_server; ...)" without buffers: as Suricata 7's app_layer (and,
	 * with flow:established, pkt) rules, each packet of a flow of that protocol (below) */
	if (!payload || packet_kw) {
		ri->ctx = DET_CTX_PACKET;
		ri->packet_tcp = true;
		return 0;
	}
	if (r->proto == 6 ||
	    (r->proto == 0 && r->app_proto != APP_NONE && !app_proto_has_datagrams(r->app_proto)))
		ri->ctx = DET_CTX_STREAM;
	else if (r->proto == 0)
		ri->ctx =
		    DET_CTX_STREAM | DET_CTX_PACKET; /* ip: the stream of TCP, packets of others */
	else
		ri->ctx = DET_CTX_PACKET;
	ri->packet_tcp = false;
	return 0;
}

/* Whether r reads the bytes of bodies (app_ctx.body_keep): a buffer its parser marks so
 * (app_msg_desc.body_buffers: the body buffers, file.data, file.magic; transformed or not), or a
 * lua script (it may call HttpGetRequestBody). */
static bool
rule_reads_bodies(const struct det_rule *r)
{
	for (uint32_t k = 0; k < r->nkws; k++)
		if (r->kws[k].kind == DET_KW_LUA)
			return true;
	for (uint32_t k = 0; k < r->nlists; k++) {
		const struct det_buffer_info *b = det_buffer(r->lists[k].buffer);

		if (b != NULL && b->body)
			return true;
	}
	return false;
}

/* Whether Suricata 7 would classify r as IP-only (SignatureIsIPOnly returning 1): no app-layer
 * protocol, no payload or buffer keyword, no flow direction or other flow keyword, and only the
 * keywords Suricata flags SIGMATCH_IPONLY_COMPAT (flowbits with "set" only, hostbits, xbits,
 * threshold, detection_filter, iprep, tag) beside the meta ones (msg, sid, classtype, metadata,
 * noalert, target, ...). Ports are allowed (its IP-only engine checks them). A rule with a
 * negated address ('!' anywhere in the expression, variables expanded) is Suricata's
 * "like IP-only": inspected by the packet engine, on every packet. */
static bool
rule_is_iponly(const struct det_rule *r)
{
	if (r->app_proto != APP_NONE || r->app_name != NULL || r->alproto != NULL ||
	    r->nlists > 0 || r->flow != 0 || r->has_dsize || r->has_flags ||
	    r->event_kind >= 0 || r->bypass || r->store != 0 || r->src.negated || r->dst.negated)
		return false;
	for (uint32_t i = 0; i < r->nflowbits; i++)
		if (r->flowbits[i].op != DET_FB_SET)
			return false;
	for (uint32_t i = 0; i < r->nkws; i++)
		if (r->kws[i].kind != DET_KW_XBITS && r->kws[i].kind != DET_KW_TAG &&
		    r->kws[i].kind != DET_KW_IPREP)
			return false;
	return true;
}

static const char *
action_text(int action)
{
	(void)action;
	return "allowed"; /* a passive sensor lets everything through */
}

static void
fill_alert(struct detect_engine *e, struct det_rinfo *ri)
{
	const struct det_rule *r = ri->r;
	struct detect_alert *a = &ri->alert;
	const struct det_classtype *ct = NULL;

	a->gid = r->gid;
	a->sid = r->sid;
	a->rev = r->rev;
	a->msg = r->msg != NULL ? r->msg : "";
	if (r->classtype != NULL)
		ct = det_classes_find(&e->classes, r->classtype);
	a->category = ct != NULL ? ct->description : "";
	a->severity = r->priority > 0 ? r->priority : ct != NULL ? ct->priority : 3;
	a->action = action_text(r->action);
	a->metadata = (const char *const *)r->metadata;
	a->nmetadata = r->nmetadata;
	a->references = (const char *const *)r->references;
	a->nreferences = r->nreferences;
	/* "cve,2021-44228" -> "http://cve.mitre.org/cgi-bin/cvename.cgi?name=2021-44228" */
	if (r->nreferences > 0 && e->classes.nrefs > 0 &&
	    (ri->ref_urls = calloc(r->nreferences, sizeof(*ri->ref_urls))) != NULL) {
		bool ok = true;

		for (uint32_t i = 0; i < r->nreferences && ok; i++) {
			const char *comma = strchr(r->references[i], ',');
			const char *prefix = NULL;
			struct sbuf b;

			for (size_t k = 0; comma != NULL && k < e->classes.nrefs; k++)
				if (strlen(e->classes.ref_names[k]) ==
				        (size_t)(comma - r->references[i]) &&
				    strncasecmp(e->classes.ref_names[k], r->references[i],
				                (size_t)(comma - r->references[i])) == 0)
					prefix = e->classes.ref_urls[k];
			sbuf_init(&b);
			if (prefix != NULL) {
				sbuf_adds(&b, prefix);
				sbuf_adds(&b, comma + 1);
			} else {
				sbuf_adds(&b, r->references[i]);
			}
			ok = !sbuf_failed(&b);
			ri->ref_urls[i] = b.p; /* owned now */
		}
		if (ok)
			a->references = (const char *const *)ri->ref_urls;
	}
	a->target = r->target;
}

static int
intern_flowbits(struct detect_engine *e)
{
	for (uint32_t i = 0; i < e->nrules; i++) {
		struct det_rule *r = e->rules[i].r;

		for (uint32_t j = 0; j < r->nflowbits; j++) {
			struct det_flowbit *fb = &r->flowbits[j];

			free(fb->ids);
			if ((fb->ids = calloc(fb->n ? fb->n : 1, sizeof(*fb->ids))) == NULL)
				return SW_E_NOMEM;
			for (uint32_t k = 0; k < fb->n; k++) {
				uint32_t id;

				for (id = 0; id < e->nflowbits; id++)
					if (strcmp(e->flowbit_names[id], fb->names[k]) == 0)
						break;
				if (id == e->nflowbits) {
					char **nn = realloc(e->flowbit_names,
					                    (e->nflowbits + 1) * sizeof(*nn));

					if (nn == NULL)
						return SW_E_NOMEM;
					e->flowbit_names = nn;
					if ((nn[id] = strdup(fb->names[k])) == NULL)
						return SW_E_NOMEM;
					e->nflowbits++;
				}
				fb->ids[k] = id;
			}
		}
	}
	return 0;
}

/* ---- groups of rules without a fast pattern ------------------------------------------------- */

#define GROUP_PORTS_MAX 32 /* a rule for more destination ports than this goes to "any" */

static int
group_add(struct det_group *g, const struct det_rule *r, uint32_t idx)
{
	uint32_t nports = 0;

	/* ports mean nothing to ICMP and the like (the header check ignores them there): such
	 * rules and "ip" rules, which ICMP packets meet, are tried for every port */
	if (!r->bidir && !det_portset_is_any(&r->dport) && (r->proto == 6 || r->proto == 17)) {
		for (uint32_t i = 0; i < r->dport.n; i++)
			nports += (uint32_t)(r->dport.r[i].hi - r->dport.r[i].lo) + 1;
	}
	if (nports == 0 || nports > GROUP_PORTS_MAX) {
		uint32_t *na = realloc(g->any, (g->nany + 1) * sizeof(*na));

		if (na == NULL)
			return SW_E_NOMEM;
		g->any = na;
		na[g->nany++] = idx;
		return 0;
	}
	struct det_portent *nb = realloc(g->byport, (g->nbyport + nports) * sizeof(*nb));

	if (nb == NULL)
		return SW_E_NOMEM;
	g->byport = nb;
	for (uint32_t i = 0; i < r->dport.n; i++)
		for (uint32_t p = r->dport.r[i].lo; p <= r->dport.r[i].hi; p++) {
			nb[g->nbyport].port = (uint16_t)p;
			nb[g->nbyport++].rule = idx;
		}
	return 0;
}

static int
portent_cmp(const void *a, const void *b)
{
	const struct det_portent *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static void
group_free(struct det_group *g)
{
	free(g->any);
	free(g->byport);
}

/* ---- Hyperscan databases -------------------------------------------------------------------- */

struct pat {
	const uint8_t *p;
	uint32_t len;
	unsigned flags; /* HS_FLAG_CASELESS */
	uint32_t rule;
	uint32_t id; /* distinct pattern number in its slot */
};

struct slot_build {
	struct pat *v;
	size_t n, cap;
};

static int
slot_add(struct slot_build *sb, const struct det_content *c, uint32_t rule)
{
	struct pat *p;

	if (sb->n == sb->cap) {
		size_t cap = sb->cap ? sb->cap * 2 : 64;
		struct pat *nv = realloc(sb->v, cap * sizeof(*nv));

		if (nv == NULL)
			return SW_E_NOMEM;
		sb->v = nv;
		sb->cap = cap;
	}
	p = &sb->v[sb->n++];
	p->p = c->pat;
	p->len = c->len;
	if ((c->flags & DET_C_FAST_CHOP) && c->fp_len > 0 && c->fp_off + c->fp_len <= c->len) {
		p->p = c->pat + c->fp_off;
		p->len = c->fp_len;
	}
	p->flags = (c->flags & (DET_C_NOCASE | DET_C_FAST_NOCASE)) ? HS_FLAG_CASELESS : 0;
	p->rule = rule;
	p->id = 0;
	return 0;
}

static int
pat_cmp(const void *a, const void *b)
{
	const struct pat *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->flags != y->flags)
		return x->flags < y->flags ? -1 : 1;
	if ((c = memcmp(x->p, y->p, x->len)) != 0)
		return c;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Sorts the slot's patterns, numbers the distinct ones and fills the pattern -> rules map. */
static int
slot_index(struct det_slot *s, struct slot_build *sb)
{
	size_t i;
	uint32_t id = 0;

	if (sb->n == 0)
		return 0;
	qsort(sb->v, sb->n, sizeof(*sb->v), pat_cmp);
	for (i = 0; i < sb->n; i++) {
		if (i > 0 &&
		    (sb->v[i].len != sb->v[i - 1].len || sb->v[i].flags != sb->v[i - 1].flags ||
		     memcmp(sb->v[i].p, sb->v[i - 1].p, sb->v[i].len) != 0))
			id++;
		sb->v[i].id = id;
	}
	s->npat = id + 1;
	if ((s->pat_off = calloc(s->npat + 1, sizeof(*s->pat_off))) == NULL ||
	    (s->pat_rules = malloc(sb->n * sizeof(*s->pat_rules))) == NULL ||
	    (s->pat_len = malloc(s->npat * sizeof(*s->pat_len))) == NULL)
		return SW_E_NOMEM;
	for (i = 0; i < sb->n; i++) {
		s->pat_rules[i] = sb->v[i].rule;
		s->pat_off[sb->v[i].id + 1] = (uint32_t)i + 1;
		s->pat_len[sb->v[i].id] = sb->v[i].len;
	}
	return 0;
}

static int
slot_compile(struct det_slot *s, const struct slot_build *sb, int slotno)
{
	const char **exprs;
	unsigned *flags, *ids;
	size_t *lens;
	hs_compile_error_t *cerr = NULL;
	size_t i;
	uint32_t k = 0;
	int r = 0;

	exprs = malloc(s->npat * sizeof(*exprs));
	flags = malloc(s->npat * sizeof(*flags));
	ids = malloc(s->npat * sizeof(*ids));
	lens = malloc(s->npat * sizeof(*lens));
	if (exprs == NULL || flags == NULL || ids == NULL || lens == NULL) {
		r = SW_E_NOMEM;
		goto out;
	}
	for (i = 0; i < sb->n; i++) {
		if (i > 0 && sb->v[i].id == sb->v[i - 1].id)
			continue;
		exprs[k] = (const char *)sb->v[i].p;
		lens[k] = sb->v[i].len;
		/* the stream database reports every match: a chunk is scanned with the end of the
		 * previous one, whose matches were seen already */
		flags[k] = sb->v[i].flags | (slotno == DET_SLOT_STREAM ? 0 : HS_FLAG_SINGLEMATCH);
		ids[k] = sb->v[i].id;
		k++;
	}
	if (hs_compile_lit_multi(exprs, flags, ids, lens, k, HS_MODE_BLOCK, NULL, &s->db, &cerr) !=
	    HS_SUCCESS) {
		sw_err("detect: Hyperscan cannot compile the patterns of %s: %s",
		       slotno == DET_SLOT_PACKET    ? "the packet payload"
		       : slotno == DET_SLOT_PKT_TCP ? "the TCP packet payload"
		       : slotno == DET_SLOT_STREAM  ? "the stream"
		                                   : det_buffer(slotno - DET_SLOT_APP0 + 1)->name,
		       cerr != NULL ? cerr->message : "?");
		hs_free_compile_error(cerr);
		r = SW_E_UNSUPP;
	}
out:
	free(exprs);
	free(flags);
	free(ids);
	free(lens);
	return r;
}

/* The cache key: every slot's distinct patterns and flags, and the Hyperscan version. */
static void
cache_key(struct slot_build *sb, char hex[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t digest[32];
	unsigned dlen = 0;
	const char *v = hs_version();

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, "spanwatch-hs-1", 14);
	EVP_DigestUpdate(md, v, strlen(v));
	for (int s = 0; s < DET_NSLOTS; s++) {
		uint32_t hdr[2] = {(uint32_t)s, (uint32_t)sb[s].n};

		EVP_DigestUpdate(md, hdr, sizeof(hdr));
		for (size_t i = 0; i < sb[s].n; i++) {
			uint32_t ph[3] = {sb[s].v[i].len, sb[s].v[i].flags, sb[s].v[i].id};

			if (i > 0 && sb[s].v[i].id == sb[s].v[i - 1].id)
				continue;
			EVP_DigestUpdate(md, ph, sizeof(ph));
			EVP_DigestUpdate(md, sb[s].v[i].p, sb[s].v[i].len);
		}
	}
	EVP_DigestFinal_ex(md, digest, &dlen);
	EVP_MD_CTX_free(md);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

#define CACHE_MAGIC "SWHSDB1\n"

static int
read_full(int fd, void *p, size_t n)
{
	uint8_t *b = p;

	while (n > 0) {
		ssize_t k = read(fd, b, n);

		if (k <= 0)
			return SW_E_TRUNC;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
write_full(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t k = write(fd, b, n);

		if (k <= 0)
			return SW_E_IO;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads every slot's database from the cache file; 0 when all were there. */
static int
cache_load(struct detect_engine *e, const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = SW_E_INVAL;

	if (fd < 0)
		return SW_E_NOTFOUND;
	if (read_full(fd, magic, 8) != 0 || memcmp(magic, CACHE_MAGIC, 8) != 0)
		goto out;
	for (int s = 0; s < DET_NSLOTS; s++) {
		uint64_t size;
		char *buf;

		if (read_full(fd, &size, 8) != 0)
			goto out;
		if ((size == 0) != (e->slot[s].npat == 0) || size > (1ull << 32))
			goto out;
		if (size == 0)
			continue;
		if ((buf = malloc(size)) == NULL) {
			r = SW_E_NOMEM;
			goto out;
		}
		if (read_full(fd, buf, size) != 0 ||
		    hs_deserialize_database(buf, size, &e->slot[s].db) != HS_SUCCESS) {
			free(buf);
			goto out;
		}
		free(buf);
	}
	r = 0;
out:
	close(fd);
	if (r != 0) {
		for (int s = 0; s < DET_NSLOTS; s++) {
			hs_free_database(e->slot[s].db);
			e->slot[s].db = NULL;
		}
	}
	return r;
}

static void
cache_store(struct detect_engine *e, const char *dir, const char *path)
{
	char tmp[4200];
	int fd, r = 0;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		sw_info("detect: cache directory %s: %s; databases not cached", dir,
		        strerror(errno));
		return;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= sizeof(tmp))
		return;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		sw_info("detect: cache file %s: %s; databases not cached", tmp, strerror(errno));
		return;
	}
	r = write_full(fd, CACHE_MAGIC, 8);
	for (int s = 0; r == 0 && s < DET_NSLOTS; s++) {
		char *bytes = NULL;
		size_t len = 0;
		uint64_t size;

		if (e->slot[s].db != NULL &&
		    hs_serialize_database(e->slot[s].db, &bytes, &len) != HS_SUCCESS) {
			r = SW_E_NOMEM;
			break;
		}
		size = len;
		r = write_full(fd, &size, 8);
		if (r == 0 && len > 0)
			r = write_full(fd, bytes, len);
		free(bytes);
	}
	if (close(fd) != 0)
		r = SW_E_IO;
	if (r != 0 || rename(tmp, path) != 0) {
		sw_info("detect: cannot write the cache file %s", path);
		unlink(tmp);
	}
}

static int
build_slots(struct detect_engine *e, const struct detect_conf *conf)
{
	struct slot_build sb[DET_NSLOTS];
	char key[65], path[4200];
	bool cache = conf->cache_dir != NULL && conf->cache_dir[0] != '\0';
	int r = 0;

	memset(sb, 0, sizeof(sb));
	for (uint32_t i = 0; i < e->nrules && r == 0; i++) {
		struct det_rinfo *ri = &e->rules[i];
		const struct det_rule *rl = ri->r;
		const struct det_content *c;
		int buf;

		if (ri->ctx == DET_CTX_EVENT)
			continue;
		/* a negated fast pattern (allowed on a content without positions) cannot select
		 * candidates: its presence rules the rule out */
		if (rl->fp_list < 0 ||
		    (rl->lists[rl->fp_list].items[rl->fp_item].u.content.flags & DET_C_NEGATED) ||
		    (ri->ctx == DET_CTX_APP && rl->lists[rl->fp_list].buffer == DET_BUF_PAYLOAD)) {
			/* tried by protocol and port */
			if (ri->ctx & DET_CTX_PACKET)
				r = group_add(ri->iponly ? &e->iponly[ri->pclass]
				                         : &e->nofp_packet[ri->pclass],
				              rl, i);
			if (r == 0 && (ri->ctx & DET_CTX_STREAM))
				r = group_add(&e->nofp_stream, rl, i);
			if (r == 0 && (ri->ctx & DET_CTX_APP)) {
				int k = ri->msg_kind;
				uint32_t *na;

				if (k < 0 || k >= DET_MSG_KINDS)
					continue;
				na = realloc(e->nofp_app[k], (e->nnofp_app[k] + 1) * sizeof(*na));
				if (na == NULL) {
					r = SW_E_NOMEM;
					break;
				}
				e->nofp_app[k] = na;
				na[e->nnofp_app[k]++] = i;
			}
			e->sum.other_rules += !rl->is_twin; /* bothways: rules, not twins */
			continue;
		}
		e->sum.fast_pattern_rules += !rl->is_twin;
		c = &rl->lists[rl->fp_list].items[rl->fp_item].u.content;
		buf = rl->lists[rl->fp_list].buffer;
		if (buf != DET_BUF_PAYLOAD)
			r = slot_add(&sb[DET_SLOT_APP0 + buf - 1], c, i);
		else {
			/* packet rules by the packets they can see: on a TCP packet only those
			 * run_cands lets through (packet_tcp), of "tcp" or "ip" rules */
			if ((ri->ctx & DET_CTX_PACKET) && ri->pclass != DET_PC_TCP)
				r = slot_add(&sb[DET_SLOT_PACKET], c, i);
			if (r == 0 && (ri->ctx & DET_CTX_PACKET) && ri->packet_tcp &&
			    (ri->pclass == DET_PC_TCP || ri->pclass == DET_PC_OTHER))
				r = slot_add(&sb[DET_SLOT_PKT_TCP], c, i);
			if (r == 0 && (ri->ctx & DET_CTX_STREAM))
				r = slot_add(&sb[DET_SLOT_STREAM], c, i);
		}
	}
	for (int s = 0; s < DET_NSLOTS && r == 0; s++) {
		r = slot_index(&e->slot[s], &sb[s]);
		e->sum.patterns += e->slot[s].npat;
	}
	for (size_t i = 0; i < sb[DET_SLOT_STREAM].n; i++)
		if (sb[DET_SLOT_STREAM].v[i].len > e->stream_maxlen)
			e->stream_maxlen = sb[DET_SLOT_STREAM].v[i].len;
	if (r != 0)
		goto out;
	for (int k = 0; k < DET_PC_MAX; k++)
		if (e->nofp_packet[k].nbyport > 1)
			qsort(e->nofp_packet[k].byport, e->nofp_packet[k].nbyport,
			      sizeof(struct det_portent), portent_cmp);
	for (int k = 0; k < DET_PC_MAX; k++)
		if (e->iponly[k].nbyport > 1)
			qsort(e->iponly[k].byport, e->iponly[k].nbyport, sizeof(struct det_portent),
			      portent_cmp);
	if (e->nofp_stream.nbyport > 1)
		qsort(e->nofp_stream.byport, e->nofp_stream.nbyport, sizeof(struct det_portent),
		      portent_cmp);

	if (e->sum.patterns == 0)
		cache = false; /* nothing to compile */
	if (cache) {
		cache_key(sb, key);
		if ((size_t)snprintf(path, sizeof(path), "%s/rules-%.32s.hsdb", conf->cache_dir,
		                     key) >= sizeof(path))
			cache = false;
		else if (cache_load(e, path) == 0) {
			e->sum.from_cache = true;
			goto out;
		}
	}
	for (int s = 0; s < DET_NSLOTS && r == 0; s++)
		if (e->slot[s].npat > 0)
			r = slot_compile(&e->slot[s], &sb[s], s);
	if (r == 0 && cache)
		cache_store(e, conf->cache_dir, path);
out:
	for (int s = 0; s < DET_NSLOTS; s++)
		free(sb[s].v);
	return r;
}

/* ---- the engine ----------------------------------------------------------------------------- */

static int
vars_from_conf(struct det_vars *v, const struct detect_conf *conf)
{
	int r;

	if ((r = det_vars_defaults(v)) != 0)
		return r;
	for (size_t i = 0; i < conf->nvars; i++)
		if ((r = det_vars_set(v, conf->var_is_port[i], conf->var_names[i],
		                      conf->var_values[i])) != 0)
			return r;
	/* every variable must parse: a bad HOME_NET is a configuration error, not 1,000 skips */
	for (size_t i = 0; i < v->n; i++) {
		char err[256];

		if (v->is_port[i]) {
			struct det_portset ps = {NULL, 0};

			r = det_parse_port(v, v->values[i], &ps, err, sizeof(err));
			det_portset_free(&ps);
		} else {
			struct det_ipset is = {NULL, 0, false};

			r = det_parse_addr(v, v->values[i], &is, err, sizeof(err));
			det_ipset_free(&is);
		}
		if (r != 0) {
			sw_err("vars.%s.%s: %s", v->is_port[i] ? "port-groups" : "address-groups",
			       v->names[i], err);
			return SW_E_CONFIG;
		}
	}
	return 0;
}

static int
load_classes(struct detect_engine *e, const struct detect_conf *conf)
{
	if (conf->classification_file != NULL && conf->classification_file[0] != '\0' &&
	    det_classes_load(&e->classes, conf->classification_file) != 0)
		sw_notice("detect: cannot read the classification file %s (%s): classtypes are "
		          "not checked",
		          conf->classification_file, strerror(errno));
	if (conf->reference_file != NULL && conf->reference_file[0] != '\0' &&
	    det_refs_load(&e->classes, conf->reference_file) != 0)
		sw_notice("detect: cannot read the reference file %s (%s): references are not "
		          "checked",
		          conf->reference_file, strerror(errno));
	return 0;
}

int
detect_engine_new(const struct detect_conf *conf, unsigned nthreads, struct detect_engine **out)
{
	struct detect_engine *e;
	struct loader l;
	struct ranked *rk = NULL;
	sw_time_t t0 = sw_time_now(), t1;
	bool orig_ok = false;  /* bothways: the last rule that is not a twin was listed */
	uint32_t orig_idx = 0; /* at this index */
	int r;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return SW_E_NOMEM;
	pthread_mutex_init(&e->th_lock, NULL);
	e->generation = atomic_fetch_add(&engine_generation, 1);
	e->stream_window = conf->stream_window;
	e->stream_chunk = conf->stream_chunk;
	e->backtrack_limit = conf->backtrack_limit ? conf->backtrack_limit : 3000;
	e->nthreads = nthreads;
	/* the packet path reads these, not the load-time table behind det_buffer() */
	e->nbuf = det_buffer_count();
	for (int b = 0; b < e->nbuf; b++)
		e->buf_kind[b] = (int8_t)det_buffer_msg_kind(b);
	for (int b = 0; b < e->nbuf; b++)
		e->buf_hdr[b] = (int8_t)det_buffer(b)->hdr;
	for (int m = 0; m < DET_MSG_KINDS; m++) {
		const struct app_msg_desc *md = app_msg_desc(m);

		for (int k = 0; k < DET_MSG_KINDS; k++)
			if (app_kind_serves(m, k))
				e->kind_serves[m] |= 1u << k;
		e->kind_runs[m] = e->kind_serves[m];
		if (md != NULL && md->serves_buffers_only && md->serves != NULL)
			e->kind_runs[m] &= ~(1u << md->serves->kind);
		e->kind_scan[m] = e->kind_runs[m];
		e->msg_payload[m][0] = det_buffer_msg_payload(m, FLOW_TO_SERVER);
		e->msg_payload[m][1] = det_buffer_msg_payload(m, FLOW_TO_CLIENT);
	}
	/* a kind without a payload of its own serving one that has (a file's HTTP
	 * transaction): a file rule mixing payload and http.* reads the transaction's */
	for (int m = 0; m < DET_MSG_KINDS; m++)
		for (int k = 0; k < DET_MSG_KINDS; k++)
			for (int d = 0; d < 2; d++)
				if ((e->kind_serves[m] & ~e->kind_runs[m] & (1u << k)) &&
				    e->msg_payload[m][d] < 0)
					e->msg_payload[m][d] = e->msg_payload[k][d];
	memset(&l, 0, sizeof(l));
	l.e = e;
	if ((r = vars_from_conf(&e->vars, conf)) != 0 || (r = load_classes(e, conf)) != 0)
		goto out;
	if (conf->geoip_database != NULL && conf->geoip_database[0] != '\0') {
		char why[200];

		if ((r = det_geoip_open(conf->geoip_database, &e->geo, why, sizeof(why))) != 0) {
			sw_err("geoip-database %s: %s", conf->geoip_database,
			       r == SW_E_NOMEM ? "out of memory" : why);
			goto out;
		}
		sw_info("geoip-database %s: %s", conf->geoip_database, det_geoip_type(e->geo));
	}
	if ((r = det_dataset_engine_init(e, conf)) != 0 || (r = det_iprep_engine_init(e, conf)) != 0)
		goto out;
	if ((r = det_lua_engine_init(e, conf)) != 0) /* detect.lua.*: before the rules */
		goto out;
	if ((r = load_files(&l, conf)) != 0)
		goto out;
	if ((r = list_twins(&l)) != 0)
		goto out;

	/* order */
	if (l.n > 0 && (rk = malloc(l.n * sizeof(*rk))) == NULL) {
		r = SW_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		rk[i].r = l.rules[i];
		rk[i].rank = rule_rank(l.rules[i]);
		rk[i].idx = i;
	}
	if (l.n > 0)
		qsort(rk, l.n, sizeof(*rk), ranked_cmp);
	if (l.n > 0 && (e->rules = calloc(l.n, sizeof(*e->rules))) == NULL) {
		r = SW_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct det_rinfo *ri = &e->rules[e->nrules];
		const char *why = NULL;

		ri->r = rk[i].r;
		l.rules[rk[i].idx] = NULL;
		if (ri->r->is_twin) {
			/* bothways: right after its original (same rank, next index); gone with
			 * it, quietly (the original was counted) */
			if (!orig_ok || classify(ri, &why) != 0) {
				det_rule_free(ri->r);
				ri->r = NULL;
				continue;
			}
			ri->th_rule = orig_idx;
			e->ntwins++;
		} else if (classify(ri, &why) != 0) {
			orig_ok = false;
			sw_info("%s:%u: rule skipped: %s", ri->r->file, ri->r->line, why);
			e->sum.skipped++;
			skip_count(&e->sum, why);
			det_rule_free(ri->r);
			ri->r = NULL;
			continue;
		} else {
			orig_ok = true;
			orig_idx = ri->th_rule = e->nrules;
		}
		fill_alert(e, ri);
		ri->iponly = ri->ctx == DET_CTX_PACKET && rule_is_iponly(ri->r);
		if ((ri->ctx & DET_CTX_APP) && ri->msg_kind >= 0 && list_has_payload(ri->r)) {
			e->payload_kinds |= 1u << ri->msg_kind;
			/* the kind's message as sent: with its body's kept bytes (HTTP's) */
			for (int d = 0; d < 2; d++) {
				const struct det_buffer_info *b =
				    det_buffer(e->msg_payload[ri->msg_kind][d]);

				e->bodies |= b != NULL && b->body;
			}
		}
		if ((ri->ctx & DET_CTX_APP) && ri->msg_kind >= 0 && ri->msg_kind < DET_MSG_KINDS)
			for (uint32_t k = 0; k < ri->r->nlists; k++) {
				int b = ri->r->lists[k].buffer;

				/* a served kind's buffer this kind's rule reads: scanned too */
				if (b > 0 && b < e->nbuf && e->buf_kind[b] >= 0 &&
				    (e->kind_serves[ri->msg_kind] & (1u << e->buf_kind[b])))
					e->kind_scan[ri->msg_kind] |= 1u << e->buf_kind[b];
			}
		if ((ri->ctx & DET_CTX_APP) && ri->msg_kind == APP_MSG_FRAME) /* frame:NAME */
			for (uint32_t k = 0; k < ri->r->nlists; k++) {
				const char *bn = det_buffer(ri->r->lists[k].buffer)->name;
				int ft = strncmp(bn, "@frame.", 7) == 0 ? app_frame_find(bn + 7) : -1;

				if (ft >= 0)
					e->frames |= 1u << ft;
			}
		e->file_hashes |= list_file_hashes(ri->r);
		e->bodies |= rule_reads_bodies(ri->r);
		e->store |= ri->r->store;
		for (uint32_t k = 0; k < ri->r->nkws; k++)
			if (ri->r->kws[k].kind == DET_KW_FLOWINT)
				e->has_flowints = true;
		for (uint32_t k = 0; k < ri->r->nlists && !e->has_vars; k++) /* pcre flow_ captures */
			for (uint32_t j = 0; j < ri->r->lists[k].n; j++)
				if (ri->r->lists[k].items[j].kind == DET_ITEM_PCRE &&
				    ri->r->lists[k].items[j].u.pcre.ncap > 0)
					e->has_vars = true;
		for (uint32_t k = 0; k < ri->r->nkws; k++) {
			const struct det_kw *kw = &ri->r->kws[k];

			e->has_tags |= kw->kind == DET_KW_TAG;
			e->tls_keyx |= kw->kind == DET_KW_SSL_STATE && ((kw->flags & ~3u) || kw->count);
		}
		if (ri->ctx & DET_CTX_PACKET)
			e->has_packet = true;
		if (ri->ctx & DET_CTX_STREAM)
			e->has_stream = true;
		if (ri->ctx & DET_CTX_APP)
			e->has_app = true;
		if (ri->ctx & DET_CTX_EVENT) {
			uint32_t *ne = realloc(e->event_rules, (e->nevent_rules + 1) * sizeof(*ne));

			if (ne == NULL) {
				r = SW_E_NOMEM;
				goto out;
			}
			e->event_rules = ne;
			ne[e->nevent_rules++] = e->nrules;
		}
		e->nrules++;
	}
	e->sum.loaded = e->nrules - e->ntwins;
	if ((r = intern_flowbits(e)) != 0 || (r = det_kw_engine_init(e, conf->memcap)) != 0 ||
	    (r = det_lua_flowints(e)) != 0)
		goto out;
	t1 = sw_time_now();
	e->sum.parse_secs = (double)(t1 - t0) / SW_USEC_PER_SEC;
	if ((r = build_slots(e, conf)) != 0)
		goto out;
	for (int b = 1; b < e->nbuf && e->nhdr_bufs < DET_HDR_MAX; b++)
		if (e->buf_hdr[b] != DET_HDR_NONE && e->slot[DET_SLOT_APP0 + b - 1].db != NULL)
			e->hdr_bufs[e->nhdr_bufs++] = b;
	for (int s = 0; s < DET_NSLOTS; s++) {
		if (e->slot[s].db != NULL &&
		    hs_alloc_scratch(e->slot[s].db, &e->proto_scratch) != HS_SUCCESS) {
			r = SW_E_NOMEM;
			goto out;
		}
	}
	e->sum.compile_secs = (double)(sw_time_now() - t1) / SW_USEC_PER_SEC;
	*out = e;
	e = NULL;
out:
	for (size_t i = 0; i < l.n; i++)
		det_rule_free(l.rules[i]);
	free(l.rules);
	free(l.sid_keys);
	free(l.sid_idx);
	free(rk);
	detect_engine_free(e);
	return r;
}

void
detect_engine_free(struct detect_engine *e)
{
	if (e == NULL)
		return;
	for (uint32_t i = 0; i < e->nrules; i++) {
		for (uint32_t k = 0; e->rules[i].ref_urls != NULL && k < e->rules[i].r->nreferences;
		     k++)
			free(e->rules[i].ref_urls[k]);
		free(e->rules[i].ref_urls);
		det_rule_free(e->rules[i].r);
	}
	free(e->rules);
	for (int s = 0; s < DET_NSLOTS; s++) {
		hs_free_database(e->slot[s].db);
		free(e->slot[s].pat_off);
		free(e->slot[s].pat_len);
		free(e->slot[s].pat_rules);
	}
	for (int k = 0; k < DET_PC_MAX; k++)
		group_free(&e->nofp_packet[k]);
	for (int k = 0; k < DET_PC_MAX; k++)
		group_free(&e->iponly[k]);
	group_free(&e->nofp_stream);
	for (int k = 0; k < DET_MSG_KINDS; k++)
		free(e->nofp_app[k]);
	free(e->event_rules);
	for (uint32_t i = 0; i < e->nflowbits; i++)
		free(e->flowbit_names[i]);
	free(e->flowbit_names);
	det_classes_free(&e->classes);
	det_vars_free(&e->vars);
	for (size_t i = 0; i < e->sum.nskip; i++)
		free(e->sum.skip_keywords[i]);
	free(e->sum.skip_keywords);
	free(e->sum.skip_counts);
	hs_free_scratch(e->proto_scratch);
	free(e->th);
	pthread_mutex_destroy(&e->th_lock);
	det_kw_engine_free(e);
	det_geoip_free(e->geo);
	det_lua_engine_free(e);
	det_dataset_engine_free(e);
	det_iprep_free(e->iprep);
	free(e);
}

const struct detect_summary *
detect_engine_summary(const struct detect_engine *e)
{
	return &e->sum;
}

uint64_t
detect_engine_rules(const struct detect_engine *e)
{
	return e != NULL ? e->nrules - e->ntwins : 0;
}

void
detect_summary_print(const struct detect_summary *s, FILE *fp)
{
	fprintf(fp,
	        "rules: %llu loaded, %llu skipped (unsupported), %llu failed, %llu duplicate, "
	        "from %llu file(s)%s\n",
	        (unsigned long long)s->loaded, (unsigned long long)s->skipped,
	        (unsigned long long)s->failed, (unsigned long long)s->duplicates,
	        (unsigned long long)s->files,
	        s->missing_files ? " (some listed files are missing)" : "");
	fprintf(fp,
	        "rules: %llu with a fast pattern (%llu distinct patterns), %llu grouped by "
	        "protocol and port; parsed in %.3f s, databases %s in %.3f s\n",
	        (unsigned long long)s->fast_pattern_rules, (unsigned long long)s->patterns,
	        (unsigned long long)s->other_rules, s->parse_secs,
	        s->from_cache ? "read from the cache" : "compiled", s->compile_secs);
	for (size_t i = 0; i < s->nskip; i++)
		fprintf(fp, "rules: skipped %llu for %s\n", (unsigned long long)s->skip_counts[i],
		        s->skip_keywords[i]);
}
