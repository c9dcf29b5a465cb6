/* src/detect/detect_kw_app.c: value keywords of files, SSH and TLS, with Suricata 7's semantics
 * (docs.suricata.io, "Rules": file-keywords, ssh-keywords, tls-keywords):
 *
 *   filename:[!]"text"        the file name (the URI's last segment or Content-Disposition's
 *                             filename) contains text (case-sensitive)
 *   fileext:[!]"ext"          the name ends in "." ext (case-insensitive), and is longer
 *   filesize:N|<N|>N|A<>B|!N  the file's size: a complete file by its final size; a truncated
 *                             one only for the > and >= forms, by the bytes seen (Suricata
 *                             does the same for a file that ended in error)
 *   filemd5:[!]FILE           the file's MD5 is (not) in FILE, one hex digest a line ('#'
 *   filesha1, filesha256      comments and blank lines skipped; a relative FILE is read from
 *                             the rule file's directory); the rule turns the hash on
 *   filemagic:[!]"text"       libmagic's description of the file (the file.magic buffer)
 *                             contains text (case-sensitive)
 *   filestore[:dir[,scope]]   a file rule; a match asks the file store (outputs.file-store)
 *                             for the file (no option, or scope file: if it goes dir's way),
 *                             the transaction's files in dir (request|to_server, response|
 *                             to_client, both; scope tx, the default with dir), or the flow's
 *                             from now on (ssn, flow); detect_file_store() answers the worker
 *   ssh.protoversion:V|2_compat   a side's protocol version is V (2_compat: "2." or 1.99)
 *   ssh.softwareversion:"S"   a side's software version is exactly S
 *   tls.cert_chain_len:N ...  certificates in the server's chain (integer forms)
 *   ssl_state:[!]S[|[!]S...]  client_hello, server_hello, client_keyx, server_keyx, unknown:
 *                             Suricata's (flags & current) ^ negated, where current is the
 *                             last hello or key exchange parsed; true at any point (after a
 *                             handshake message or a piece of data) in the rule's direction
 *                             (app_tls_msg.ssl_states). unknown is never current (Suricata's
 *                             parser never sets it). With keyx states or '!', TLS reads on to
 *                             the ChangeCipherSpec (detect_wants_tls_keyx)
 *   tls.store                 matches any TLS message; a match has the TLS store
 *                             (outputs.tls-store) write the chain (detect_tls_store())
 *   ssl_version:[!]V[,...]    the version (sslv2, sslv3, tls1.0 .. tls1.3) is one listed and
 *                             none negated: with flow:to_server the client's, else negotiated
 * A file keyword makes the rule a file rule (HTTP bodies and multipart parts today; its
 * file.data is then the file's data, detect_parse.c rp_file_data); beside http.* buffers it
 * inspects the files of the transaction in the rule's direction (http.uri: the request's,
 * http.stat_code: the response's), reading the transaction's buffers through each file, as
 * Suricata's file inspection of a transaction (a GET has no request file: no match). A file
 * rule alerts once per transaction and direction (detect_match.c file_alerted), every file
 * it matched is stored; the others read their
 * protocol's message. The SSH ones read the client's banner with flow:to_server, the server's
 * with flow:to_client, either without a direction (as ssh.proto).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/detect_eng_int.h"

static const char *const kwa_names[] = {
    "filename", "fileext", "filemagic", "filesize", "filemd5", "filesha1", "filesha256", "filestore",
    "ssh.protoversion", "ssh.softwareversion", "tls.cert_chain_len", "ssl_version", "tls.store",
    "ssl_state", NULL,
};

bool
det_kwa_is(const char *kw)
{
	for (size_t i = 0; kwa_names[i] != NULL; i++)
		if (strcmp(kw, kwa_names[i]) == 0)
			return true;
	return false;
}

#define kwa_fail det_kw_fail

/* [!]"text" or [!]text into k->name and k->negated */
static int
kwa_text(struct det_kw *k, const char *kw, char *v, bool neg_ok, struct det_parse_error *err)
{
	char *s = det_trim(v);
	size_t l;

	if (*s == '!') {
		if (!neg_ok)
			return kwa_fail(err, "%s: cannot be negated%s", kw, "");
		k->negated = true;
		s = det_trim(s + 1);
	}
	l = strlen(s);
	if (l >= 1 && s[0] == '"') {
		if (l < 2 || s[l - 1] != '"')
			return kwa_fail(err, "%s: unterminated quote in '%s'", kw, s);
		s[l - 1] = '\0';
		s++;
		l -= 2;
	}
	if (l == 0)
		return kwa_fail(err, "%s: empty value%s", kw, "");
	if ((k->name = strdup(s)) == NULL)
		return SW_E_NOMEM;
	return 0;
}

/* Digests are kept in slots of 32 bytes (shorter ones zero-padded), sorted. */
#define KWA_SLOT 32

static int
digest_qcmp(const void *a, const void *b)
{
	return memcmp(a, b, KWA_SLOT);
}

static bool
digest_in(const uint8_t *set, size_t n, const uint8_t *d)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(set + mid * KWA_SLOT, d, KWA_SLOT);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int
hexval(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* filemd5/filesha1/filesha256:[!]FILE: reads FILE's digests into k->set (sorted). */
static int
kwa_hash_list(struct det_rule *r, struct det_kw *k, const char *kw, char *v,
              struct det_parse_error *err)
{
	size_t dlen = kw[4] == 'm' ? 16 : kw[7] == '1' ? 20 : 32, cap = 0;
	char path[4096], line[1024], *s;
	unsigned lineno = 0;
	FILE *fp;
	int rc = 0;

	k->op = kw[4] == 'm' ? APP_HASH_MD5 : kw[7] == '1' ? APP_HASH_SHA1 : APP_HASH_SHA256;
	k->count = (uint32_t)dlen;
	if ((rc = kwa_text(k, kw, v, true, err)) != 0)
		return rc;
	if (k->name[0] != '/' && r->file != NULL && strrchr(r->file, '/') != NULL)
		snprintf(path, sizeof(path), "%.*s/%s", (int)(strrchr(r->file, '/') - r->file),
		         r->file, k->name);
	else
		snprintf(path, sizeof(path), "%s", k->name);
	if ((fp = fopen(path, "r")) == NULL)
		return kwa_fail(err, "%s: cannot open '%s': %s", kw, path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t n = 0;

		lineno++;
		s = det_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		while (isxdigit((unsigned char)s[n]))
			n++;
		if (n != dlen * 2 || (s[n] != '\0' && !isspace((unsigned char)s[n]))) {
			rc = kwa_fail(err, "%s: %s:%u: expected a digest of %zu hex digits", kw, path,
			              lineno, dlen * 2);
			break;
		}
		if (k->nset == cap) {
			size_t ncap = cap == 0 ? 64 : cap * 2;
			uint8_t *ns = realloc(k->set, ncap * KWA_SLOT);

			if (ns == NULL) {
				rc = SW_E_NOMEM;
				break;
			}
			k->set = ns;
			cap = ncap;
		}
		memset(k->set + k->nset * KWA_SLOT, 0, KWA_SLOT);
		for (size_t i = 0; i < dlen; i++)
			k->set[k->nset * KWA_SLOT + i] =
			    (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
		k->nset++;
	}
	fclose(fp);
	if (rc != 0)
		return rc;
	if (k->nset == 0)
		return kwa_fail(err, "%s: no digest in '%s'", kw, path);
	qsort(k->set, k->nset, KWA_SLOT, digest_qcmp);
	return 0;
}

static const struct {
	const char *name;
	uint16_t v;
} ssl_versions[] = {{"sslv2", 0x0200},  {"sslv3", 0x0300},  {"tls1.0", 0x0301},
                    {"tls1.1", 0x0302}, {"tls1.2", 0x0303}, {"tls1.3", 0x0304}};

/* ssl_version:[!]V[,[!]V...]: flags bit i for ssl_versions[i] listed, count bit i negated */
static int
kwa_ssl_version(struct det_kw *k, char *v, struct det_parse_error *err)
{
	char *t, *save = NULL;

	for (t = strtok_r(v, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		bool neg = false;
		size_t i;

		t = det_trim(t);
		if (*t == '!') {
			neg = true;
			t = det_trim(t + 1);
		}
		for (i = 0; i < sizeof(ssl_versions) / sizeof(ssl_versions[0]); i++)
			if (strcasecmp(t, ssl_versions[i].name) == 0)
				break;
		if (i == sizeof(ssl_versions) / sizeof(ssl_versions[0]))
			return kwa_fail(err,
			                "ssl_version: unknown version '%s' (sslv2, sslv3, tls1.0, "
			                "tls1.1, tls1.2, tls1.3)",
			                t);
		if (neg)
			k->count |= 1u << i;
		else
			k->flags |= 1u << i;
	}
	if (k->flags == 0 && k->count == 0)
		return kwa_fail(err, "ssl_version: empty value%s", "");
	return 0;
}

/* ssl_state:[!]S[|[!]S...] (',' also separates, as Suricata's): k->flags the states named,
 * k->count the negated ones, as bits of Suricata's current-state flags: 1 client_hello,
 * 2 server_hello, 4 client_keyx, 8 server_keyx, 16 unknown */
static int
kwa_ssl_state(struct det_kw *k, char *v, struct det_parse_error *err)
{
	static const char *const states[] = {"client_hello", "server_hello", "client_keyx",
	                                     "server_keyx", "unknown"};
	char *t, *save = NULL;

	for (t = strtok_r(v, "|,", &save); t != NULL; t = strtok_r(NULL, "|,", &save)) {
		bool neg;
		size_t i;

		t = det_trim(t);
		if ((neg = *t == '!'))
			t = det_trim(t + 1);
		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			if (strcmp(t, states[i]) == 0)
				break;
		if (i == sizeof(states) / sizeof(states[0]))
			return kwa_fail(err,
			                "ssl_state: unknown state '%s' (client_hello, server_hello, "
			                "client_keyx, server_keyx, unknown)",
			                t);
		k->flags |= 1u << i;
		if (neg)
			k->count |= 1u << i;
	}
	if (k->flags == 0)
		return kwa_fail(err, "ssl_state: empty value%s", "");
	return 0;
}

/* filestore[:direction[,scope]]: direction request|to_server, response|to_client, both (the
 * scope is then tx unless given); scope file, tx, ssn|flow. Without a value: the file that
 * matched. */
static int
kwa_filestore(struct det_rule *r, char *v, struct det_parse_error *err)
{
	static const struct {
		const char *name;
		uint8_t dirs;
	} dirs[] = {{"request", 1}, {"to_server", 1}, {"response", 2}, {"to_client", 2}, {"both", 3}};
	char *dir, *scope, *extra, *save = NULL;

	r->store_dirs = 0;
	r->store_scope = DET_STORE_SCOPE_FILE;
	if (v == NULL || *det_trim(v) == '\0')
		return 0;
	dir = strtok_r(v, ",", &save);
	scope = strtok_r(NULL, ",", &save);
	extra = strtok_r(NULL, "", &save);
	if (extra != NULL)
		return kwa_fail(err, "filestore: too many options '%s' (direction, scope)",
		                det_trim(extra));
	dir = det_trim(dir);
	if (*dir != '\0') {
		size_t i;

		for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
			if (strcasecmp(dir, dirs[i].name) == 0)
				break;
		if (i == sizeof(dirs) / sizeof(dirs[0]))
			return kwa_fail(err,
			                "filestore: unknown direction '%s' (request, to_server, "
			                "response, to_client, both)",
			                dir);
		r->store_dirs = dirs[i].dirs;
		r->store_scope = DET_STORE_SCOPE_TX;
	}
	if (scope != NULL) {
		scope = det_trim(scope);
		if (strcasecmp(scope, "file") == 0)
			r->store_scope = DET_STORE_SCOPE_FILE;
		else if (strcasecmp(scope, "tx") == 0)
			r->store_scope = DET_STORE_SCOPE_TX;
		else if (strcasecmp(scope, "ssn") == 0 || strcasecmp(scope, "flow") == 0)
			r->store_scope = DET_STORE_SCOPE_FLOW;
		else
			return kwa_fail(err, "filestore: unknown scope '%s' (file, tx, ssn, flow)",
			                scope);
	}
	return 0;
}

int
det_kwa_parse(struct det_rule *r, struct det_kw *k, const char *kw, char *v,
              struct det_parse_error *err)
{
	const char *why;
	char orig[128];
	int rc = 0, proto;
	bool file = strncmp(kw, "file", 4) == 0;

	if (strcmp(kw, "tls.store") == 0) {
		if (v != NULL)
			return kwa_fail(err, "%s: takes no value%s", kw, "");
		k->kind = DET_KW_TLS_STORE;
		r->store |= DET_STORE_TLS;
	} else if (strcmp(kw, "filestore") == 0) {
		k->kind = DET_KW_FILESTORE;
		if ((rc = kwa_filestore(r, v, err)) != 0)
			return rc;
		r->store |= DET_STORE_FILE;
	} else if (v == NULL || *det_trim(v) == '\0') {
		return kwa_fail(err, "%s: missing value%s", kw, "");
	} else {
		snprintf(orig, sizeof(orig), "%s", det_trim(v));
		if (strcmp(kw, "filename") == 0) {
			k->kind = DET_KW_FILENAME;
			rc = kwa_text(k, kw, v, true, err);
		} else if (strcmp(kw, "filemagic") == 0) {
			k->kind = DET_KW_FILEMAGIC;
			k->id = app_buffer_find("file.magic");
			rc = k->id < 0 ? kwa_fail(err, "%s: no file.magic buffer%s", kw, "")
			               : kwa_text(k, kw, v, true, err);
		} else if (strcmp(kw, "fileext") == 0) {
			k->kind = DET_KW_FILEEXT;
			rc = kwa_text(k, kw, v, true, err);
		} else if (strcmp(kw, "filesize") == 0) {
			k->kind = DET_KW_FILESIZE;
			if (det_kw_uint(v, UINT64_MAX, &k->num, &why) != 0)
				rc = kwa_fail(err, "%s: bad value '%s': %s", kw, orig, why);
		} else if (file) {
			k->kind = DET_KW_FILEHASH;
			rc = kwa_hash_list(r, k, kw, v, err);
		} else if (strcmp(kw, "ssh.protoversion") == 0) {
			k->kind = DET_KW_SSH_PROTOVERSION;
			rc = kwa_text(k, kw, v, false, err);
			if (rc == 0 && strcmp(k->name, "2_compat") == 0)
				k->flags = 1;
		} else if (strcmp(kw, "ssh.softwareversion") == 0) {
			k->kind = DET_KW_SSH_SOFTWAREVERSION;
			rc = kwa_text(k, kw, v, false, err);
		} else if (strcmp(kw, "tls.cert_chain_len") == 0) {
			k->kind = DET_KW_TLS_CHAIN_LEN;
			if (det_kw_uint(v, UINT32_MAX, &k->num, &why) != 0)
				rc = kwa_fail(err, "%s: bad value '%s': %s", kw, orig, why);
		} else if (strcmp(kw, "ssl_state") == 0) {
			k->kind = DET_KW_SSL_STATE;
			rc = kwa_ssl_state(k, v, err);
		} else {
			k->kind = DET_KW_SSL_VERSION;
			rc = kwa_ssl_version(k, v, err);
		}
	}
	if (rc != 0)
		return rc;
	proto = file ? APP_HTTP : strncmp(kw, "ssh", 3) == 0 ? APP_SSH : APP_TLS;
	if (r->app_proto == APP_NONE && r->app_name == NULL)
		r->app_proto = proto;
	r->kw_msg = true;
	r->kw_file |= file;
	return 0;
}

void
det_kwa_free(struct det_kw *k)
{
	free(k->set);
	k->set = NULL;
	k->nset = 0;
}

unsigned
det_kwa_file_hashes(const struct det_rule *r)
{
	unsigned m = 0;

	for (uint32_t i = 0; i < r->nkws; i++)
		if (r->kws[i].kind == DET_KW_FILEHASH)
			m |= r->kws[i].op;
	return m;
}

/* ---- matching ------------------------------------------------------------------------------- */

static bool
uint_in(const struct det_uint *u, uint64_t v)
{
	return (v >= u->lo && v <= u->hi) != u->negated;
}

static bool
has_text(const struct app_buf *b, const char *text)
{
	size_t l = strlen(text);

	for (size_t i = 0; b->len >= l && i <= b->len - l; i++)
		if (memcmp(b->p + i, text, l) == 0)
			return true;
	return false;
}

/* filemagic: libmagic's description of the file (no description: no match, negated or not) */
static bool
filemagic_ok(const struct det_kw *k, const struct app_msg *m)
{
	char scratch[1024];
	struct app_buf d;

	if (app_msg_buffer_id(m, k->id, &d, scratch, sizeof(scratch)) != 0)
		return false;
	return has_text(&d, k->name) != k->negated;
}

static bool
file_ok(const struct det_kw *k, const struct app_file *fi)
{
	const struct app_buf *n = &fi->name;

	switch (k->kind) {
	case DET_KW_FILENAME:
		return has_text(n, k->name) != k->negated;
	case DET_KW_FILEEXT: {
		size_t l = strlen(k->name);
		bool in = n->len > l + 1 && n->p[n->len - l - 1] == '.' &&
		          strncasecmp((const char *)n->p + n->len - l, k->name, l) == 0;

		return in != k->negated;
	}
	case DET_KW_FILESIZE:
		if (fi->state == APP_FILE_COMPLETE)
			return uint_in(&k->num, fi->size);
		/* a file cut short: only "more than" can be told from what was seen */
		return !k->num.negated && k->num.hi == UINT64_MAX && k->num.lo > 0 &&
		       uint_in(&k->num, fi->size);
	case DET_KW_FILEHASH: {
		const char *hex = k->op == APP_HASH_MD5 ? fi->md5 : k->op == APP_HASH_SHA1 ? fi->sha1
		                                                                          : fi->sha256;
		uint8_t d[KWA_SLOT] = {0};
		size_t dlen = k->count;

		if (strlen(hex) != dlen * 2)
			return false; /* not computed (truncated): no match, negated or not */
		for (size_t i = 0; i < dlen; i++)
			d[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
		return digest_in(k->set, k->nset, d) != k->negated;
	}
	default: /* filestore */
		return true;
	}
}

static bool
ssh_side_ok(const struct det_kw *k, const struct app_ssh_banner *b)
{
	const struct app_buf *v = k->kind == DET_KW_SSH_PROTOVERSION ? &b->proto : &b->software;
	size_t l = strlen(k->name);

	if (b->proto.len == 0)
		return false;
	if (k->flags == 1) /* 2_compat */
		return (v->len >= 2 && memcmp(v->p, "2.", 2) == 0) ||
		       (v->len == 4 && memcmp(v->p, "1.99", 4) == 0);
	return v->len == l && memcmp(v->p, k->name, l) == 0;
}

bool
det_kwa_match(const struct det_kw_ctx *c, const struct det_rule *r, const struct det_kw *k)
{
	struct app_msg tm;

	if (c->msg == NULL)
		return false;
	switch (k->kind) {
	case DET_KW_FILENAME:
	case DET_KW_FILEEXT:
	case DET_KW_FILESIZE:
	case DET_KW_FILEHASH:
	case DET_KW_FILESTORE:
		return c->msg->kind == APP_MSG_FILE && file_ok(k, c->msg->u.file);
	case DET_KW_FILEMAGIC:
		return c->msg->kind == APP_MSG_FILE && filemagic_ok(k, c->msg);
	case DET_KW_SSH_PROTOVERSION:
	case DET_KW_SSH_SOFTWAREVERSION: {
		const struct app_ssh_msg *m;

		if (c->msg->kind != APP_MSG_SSH)
			return false;
		m = c->msg->u.ssh;
		if (r->flow & DET_FLOW_TO_SERVER)
			return ssh_side_ok(k, &m->client);
		if (r->flow & DET_FLOW_TO_CLIENT)
			return ssh_side_ok(k, &m->server);
		return ssh_side_ok(k, &m->client) || ssh_side_ok(k, &m->server);
	}
	case DET_KW_TLS_STORE:
		return app_msg_as(c->msg, APP_MSG_TLS, &tm);
	case DET_KW_SSL_STATE: {
		/* Suricata: (flags & current) ^ negated, at any point the rule's direction saw;
		 * APP_TLS_STATE_* bit b + 1 is the keyword's bit b, none (bit 0) is 0 */
		if (!app_msg_as(c->msg, APP_MSG_TLS, &tm))
			return false;
		for (int d = 0; d < 2; d++) {
			unsigned seen = tm.u.tls->ssl_states[d];

			if ((r->flow & DET_FLOW_TO_CLIENT) && d == FLOW_TO_SERVER)
				continue;
			if ((r->flow & DET_FLOW_TO_SERVER) && d == FLOW_TO_CLIENT)
				continue;
			for (unsigned b = 0; b < 5; b++) {
				unsigned cur = b == 0 ? 0 : 1u << (b - 1);

				if ((seen & (1u << b)) && ((k->flags & cur) ^ k->count) != 0)
					return true;
			}
		}
		return false;
	}
	case DET_KW_TLS_CHAIN_LEN:
		return app_msg_as(c->msg, APP_MSG_TLS, &tm) && tm.u.tls->certificate &&
		       uint_in(&k->num, tm.u.tls->ncerts);
	case DET_KW_SSL_VERSION: {
		const struct app_tls_msg *m;
		uint16_t v;
		size_t i;

		if (!app_msg_as(c->msg, APP_MSG_TLS, &tm))
			return false;
		m = tm.u.tls;
		v = m->version;
		if ((r->flow & DET_FLOW_TO_SERVER) && m->client_hello)
			v = m->client_supported != 0 ? m->client_supported : m->client_version;
		if ((v >> 8) == 0x7f) /* a TLS 1.3 draft */
			v = 0x0304;
		for (i = 0; i < sizeof(ssl_versions) / sizeof(ssl_versions[0]); i++)
			if (ssl_versions[i].v == v)
				break;
		if (i == sizeof(ssl_versions) / sizeof(ssl_versions[0]))
			return false; /* not a version the keyword names */
		return (k->flags == 0 || (k->flags & (1u << i))) && !(k->count & (1u << i));
	}
	default:
		return false;
	}
}
